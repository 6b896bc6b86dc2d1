"""Write two synthetic content-hash manifests for the leakage benchmark:
N training and N test items (id, sha256), SHARED of the test items copies of
training items. Deterministic."""

import hashlib
import sys
from pathlib import Path

out, n, shared = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])


def h(s):
    return hashlib.sha256(s.encode()).hexdigest()


with open(out / "train_manifest_1m.csv", "w") as f:
    f.write("id,sha256\n")
    for i in range(n):
        f.write(f"train{i},{h(f'train item {i}')}\n")
with open(out / "test_manifest_1m.csv", "w") as f:
    f.write("id,sha256\n")
    step = n // shared
    for i in range(n):
        content = f"train item {i}" if i % step == 0 else f"test item {i}"
        f.write(f"test{i},{h(content)}\n")

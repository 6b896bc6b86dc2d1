"""Median wall time of whole commands (process start included), run
alternately so that both see the same machine state:

    verify_time.py N -- CMD_A ... -- CMD_B ...

Prints each median in milliseconds and B/A."""

import statistics
import subprocess
import sys
import time


def main() -> None:
    n = int(sys.argv[1])
    rest = sys.argv[2:]
    cut = [i for i, a in enumerate(rest) if a == "--"]
    a, b = rest[cut[0] + 1 : cut[1]], rest[cut[1] + 1 :]
    times = {0: [], 1: []}
    for _ in range(n):
        for k, cmd in ((0, a), (1, b)):
            t = time.perf_counter()
            r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times[k].append(time.perf_counter() - t)
            assert r.returncode == 0, f"{cmd[0]} exited {r.returncode}"
    ma, mb = statistics.median(times[0]) * 1000, statistics.median(times[1]) * 1000
    print(f"assay verify: median {ma:.1f} ms; python verifier: median {mb:.1f} ms ({mb / ma:.1f}x), {n} runs each")


if __name__ == "__main__":
    main()

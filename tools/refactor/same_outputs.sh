#!/usr/bin/env bash
# Show that two builds of assay write the same outputs: the demo's
# assessment records (outside /run, which holds times), the test reports
# and the certificates written from the same record and key.
#
#   tools/refactor/same_outputs.sh OLD_ASSAY NEW_ASSAY
#
# Build both with the same ASSAY_REVISION (the record names the source
# revision), e.g.:
#   git worktree add OLD_CHECKOUT REV && (cd OLD_CHECKOUT && ASSAY_REVISION=pinned cargo build -p assay)
#   ASSAY_REVISION=pinned cargo build -p assay
#   tools/refactor/same_outputs.sh OLD_CHECKOUT/target/debug/assay target/debug/assay
# Exit 0 when every output is byte-identical, 1 otherwise.
set -euo pipefail
old=$(realpath "$1")
new=$(realpath "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export SOURCE_DATE_EPOCH=1795910399   # 2026-11-28: reports and certificates are dated by it
status=0
differ() { echo "DIFFERS: $*"; status=1; }

# Both demos run in the same folder (a record names some inputs by path).
for side in old new; do
  bin=${!side}
  (cd "$work" && "$bin" demo --out "$work/demo" >"$work/$side.log" 2>&1) \
    || { echo "the $side demo failed:"; tail -20 "$work/$side.log"; exit 1; }
  mv "$work/demo" "$work/$side"
done

records=$(cd "$work/old" && find . -name assessment.json | sort)
for r in $records; do
  python3 - "$work/old/$r" "$work/new/$r" <<'PY' || differ "record $r"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for x in (a, b):
    x.pop("run", None)
if a != b:
    for k in sorted(set(a) | set(b)):
        if a.get(k) != b.get(k):
            print("  first differing member: /" + k)
            break
    sys.exit(1)
PY
  # Reports written from the same record by each build.
  for fmt in html pdf; do
    for lang in en ko; do
      for side in old new; do
        bin=${!side}
        "$bin" report "$work/old/$r" --format $fmt --lang $lang \
          --out "$work/$side-report-$(dirname "$r" | tr / _).$lang.$fmt" >/dev/null
      done
      name="report-$(dirname "$r" | tr / _).$lang.$fmt"
      cmp -s "$work/old-$name" "$work/new-$name" || differ "report $r $lang $fmt"
    done
  done
done

# The certificate of the digit classifier, from the same record and key.
rec="$work/old/model/results/assessment.json"
for side in old new; do
  bin=${!side}
  mkdir -p "$work/cert-$side"
  cp "$work/old/keys/DEMO.key" "$work/cert-$side/DEMO.key"
  chmod 600 "$work/cert-$side/DEMO.key"
  "$bin" certify "$rec" --key "$work/cert-$side/DEMO.key" --sequence 7 \
    --issued 2026-11-28 --out "$work/cert-$side" >/dev/null
done
for f in $(cd "$work/cert-old" && ls | grep -v '^DEMO.key'); do
  cmp -s "$work/cert-old/$f" "$work/cert-new/$f" || differ "certificate file $f"
done

count=$(echo "$records" | wc -w)
if [ $status -eq 0 ]; then
  echo "same outputs: $count records (outside /run), $((count * 4)) reports, the certificate and its pages"
fi
exit $status

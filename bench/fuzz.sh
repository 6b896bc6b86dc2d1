#!/usr/bin/env bash
# Fuzz the parsers that face the world, each for SECONDS_EACH seconds
# (default 600), with cargo-fuzz (libFuzzer + AddressSanitizer, nightly):
#
#   cargo install cargo-fuzz            # once
#   bench/fuzz.sh                       # every target, 10 minutes each
#   SECONDS_EACH=60 bench/fuzz.sh plan csv
#
# Each target starts from its committed seeds (fuzz/corpus/TARGET) in a
# working copy (fuzz/work/TARGET), so the committed corpus stays small.
# A crash or a hang leaves its input in fuzz/artifacts/TARGET/ and the
# script exits 1; every crash found becomes a regression test.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
SECONDS_EACH=${SECONDS_EACH:-600}
all="plan tables envelope statement trust note tiles status record"
targets=${*:-$all}
cargo +nightly fuzz build -O
failed=0
printf '%-10s %8s %10s %8s %6s %6s\n' target seconds runs exec/s crashes hangs
for t in $targets; do
  mkdir -p "work/$t" "artifacts/$t"
  cp -n corpus/"$t"/* "work/$t"/ 2>/dev/null || true
  log=$(mktemp)
  set +e
  cargo +nightly fuzz run -O "$t" "work/$t" -- \
    -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=4096 \
    -artifact_prefix="artifacts/$t/" >"$log" 2>&1
  set -e
  runs=$(grep -o 'Done [0-9]* runs' "$log" | grep -o '[0-9]*' | tail -n 1)
  rate=$(grep -o 'exec/s: [0-9]*' "$log" | tail -n 1 | grep -o '[0-9]*')
  crashes=$(find "artifacts/$t" -name 'crash-*' | wc -l)
  hangs=$(find "artifacts/$t" \( -name 'timeout-*' -o -name 'slow-unit-*' \) | wc -l)
  printf '%-10s %8s %10s %8s %6s %6s\n' "$t" "$SECONDS_EACH" "${runs:-?}" "${rate:-?}" "$crashes" "$hangs"
  if [ "$crashes" -gt 0 ] || [ "$hangs" -gt 0 ] || [ -z "$runs" ]; then
    failed=1
    tail -n 40 "$log"
  fi
  rm -f "$log"
done
exit "$failed"

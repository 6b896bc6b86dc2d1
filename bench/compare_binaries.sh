#!/bin/bash
# Alternate two assay binaries on the same work (the digits model plan
# with robustness, and a Korean PDF report) and print the medians:
#   bench/compare_binaries.sh OLD/assay NEW/assay [RUNS]
A=$1; B=$2; N=${3:-7}
set -e
W=$(mktemp -d) && trap 'rm -rf "$W"' EXIT && $A init "$W/model" --demo model > /dev/null
REC="$(cd "$(dirname "$0")/.." && pwd)/crates/assay-report/tests/data/digits.assessment.json"
t() { local s=$(date +%s.%N); "$@" > /dev/null 2>&1; local e=$(date +%s.%N); echo "$e - $s" | bc; }
declare -a ra rb pa pb
for i in $(seq $N); do
  for X in A B; do
    BIN=${!X}
    r=$(t $BIN run "$W/model/assay.toml" --out "$W/out-$X" --quiet)
    p=$(t $BIN report $REC --format pdf --lang ko --out "$W/r-$X.pdf" --issued 2026-12-01)
    if [ $X = A ]; then ra+=($r); pa+=($p); else rb+=($r); pb+=($p); fi
  done
done
med() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "run model plan: A $(med ${ra[@]}) s, B $(med ${rb[@]}) s"
echo "report PDF ko:  A $(med ${pa[@]}) s, B $(med ${pb[@]}) s"
echo "A runs: ${ra[@]}"; echo "B runs: ${rb[@]}"
echo "A pdf: ${pa[@]}"; echo "B pdf: ${pb[@]}"

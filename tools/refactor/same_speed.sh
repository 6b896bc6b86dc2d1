#!/usr/bin/env bash
# Show that a refactor costs no speed: two release builds of assay on the
# command-line benchmarks of bench/run.sh (eval with and without intervals,
# binary and multi-class; assay run writing a record; the model plan;
# assay verify), alternating old and new in the same run, medians of REPS.
#
#   tools/refactor/same_speed.sh OLD_ASSAY NEW_ASSAY
#   REPS=7 tools/refactor/same_speed.sh OLD_CHECKOUT/target/release/assay target/release/assay
#
# Needs target/release/gen-bench-data and bench-serve (cargo build --release
# -p assay-bench). Prints one line a benchmark: old median, new median,
# new / old; for the registry (SERVE_REPS runs of 10 s a side, default 5),
# requests per second.
set -euo pipefail
cd "$(dirname "$0")/../.."
old=$(realpath "$1")
new=$(realpath "$2")
REPS=${REPS:-5}
GEN=${GEN:-target/release/gen-bench-data}
DATA=bench/data
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$DATA"
[[ -f $DATA/binary_10m.parquet ]] || $GEN binary 10000000 "$DATA/binary_10m.parquet"
[[ -f $DATA/multiclass_1m_100.parquet ]] || $GEN multiclass 1000000 100 "$DATA/multiclass_1m_100.parquet"
# Multi-label: 200,000 items × 10 labels, a score per label, as CSV.
[[ -f $DATA/multilabel_200k_10.csv ]] || awk 'BEGIN {
  srand(14); L = 10
  for (j = 0; j < L; j++) printf "%strue_l%d,score_l%d", (j ? "," : ""), j, j; print ""
  for (i = 0; i < 200000; i++) {
    for (j = 0; j < L; j++) { t = rand() < 0.3; s = t ? 0.35 + 0.65 * rand() : 0.65 * rand()
      printf "%s%d,%.6f", (j ? "," : ""), t, s }
    print ""
  } }' > "$DATA/multilabel_200k_10.csv"

printf '[plan]\nid = "BENCH-1"\nversion = "1"\n[lab]\nname = "bench"\n[client]\nname = "bench"\n[model]\nname = "synthetic"\nversion = "1"\nintended_use = "benchmark"\n[data]\npredictions = "%s"\n[intervals]\nenabled = false\n[criteria]\ndecision_rule = "simple"\nrequire = ["roc_auc >= 0.5"]\n' \
  "$PWD/$DATA/binary_10m.parquet" > "$work/record.toml"
# The model plan and a certificate, made once with the new build.
"$new" init "$work/m" --model > /dev/null
"$new" run "$work/m/assay.toml" --out "$work/m/results" --quiet
"$new" keygen --issuer DEMO --out "$work/keys" > /dev/null
"$new" certify "$work/m/results/assessment.json" --key "$work/keys/DEMO.key" > /dev/null
cert=$(ls "$work"/m/results/*.cert.json | head -1)

benches=(
  "eval-binary-10m|eval $DATA/binary_10m.parquet --no-intervals --json $work/out.json --quiet"
  "eval-binary-10m-intervals|eval $DATA/binary_10m.parquet --json $work/out.json --quiet"
  "eval-multiclass-1m-100|eval $DATA/multiclass_1m_100.parquet --no-intervals --json $work/out.json --quiet"
  "eval-multiclass-1m-100-intervals|eval $DATA/multiclass_1m_100.parquet --json $work/out.json --quiet"
  "run-record-10m|run $work/record.toml --out $work/record --quiet"
  "run-model-plan|run $work/m/assay.toml --out $work/m/again --quiet"
  "verify-certificate|verify $cert --trust $work/keys/DEMO.pub.toml --model $work/m/digits.onnx --assessment $work/m/results/assessment.json"
)
benches+=("eval-multilabel-200k-10-intervals|eval $DATA/multilabel_200k_10.csv --task multilabel --json $work/out.json --quiet")

seconds() { # BIN ARGS...: wall seconds of one run
  local t0 t1
  t0=$(date +%s%N)
  "$@" > /dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
  t1=$(date +%s%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", (b - a) / 1e9}'
}
median() { tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

printf '%-36s %10s %10s %8s\n' benchmark old new new/old
for b in "${benches[@]}"; do
  label=${b%%|*}
  read -r -a args <<< "${b#*|}"
  o=""; n=""
  for _ in $(seq "$REPS"); do
    rm -rf "$work/record" "$work/m/again"
    o+=" $(seconds "$old" "${args[@]}")"
    rm -rf "$work/record" "$work/m/again"
    n+=" $(seconds "$new" "${args[@]}")"
  done
  mo=$(echo "$o" | median)
  mn=$(echo "$n" | median)
  printf '%-36s %9ss %9ss %8s   (old:%s; new:%s)\n' "$label" "$mo" "$mn" \
    "$(awk -v a="$mo" -v b="$mn" 'BEGIN {printf "%.3f", b / a}')" "$o" "$n"
done

# The registry: the verify endpoint and durable submissions of bench/run.sh's
# serve section, against each build's `assay serve` in turn.
SERVE=${SERVE:-target/release/bench-serve}
[[ -x $SERVE ]] || { echo "no $SERVE: the registry is not measured"; exit 0; }
"$new" keygen --issuer BENCH --not-before 2000-01-01 --years 90 --out "$work/bench-keys" > /dev/null
for side in old new; do
  "${!side}" admin --data "$work/reg-$side" key-add --trust "$work/bench-keys/BENCH.pub.toml" > /dev/null
  "${!side}" admin --data "$work/reg-$side" token-create --lab BENCH --out "$work/token-$side" 2> /dev/null
done
declare -A rps
for _ in $(seq "${SERVE_REPS:-5}"); do
  for side in old new; do
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "${!side}" serve --data "$work/reg-$side" --listen "127.0.0.1:$port" --quiet --read-rate 0 --write-rate 0 > "$work/serve.out" 2>&1 &
    pid=$!
    for _ in $(seq 3000); do grep -q listening "$work/serve.out" && break; sleep 0.01; done
    for mode in verify submit; do
      case $mode in
        verify) flags=(--connections 32 --seconds 10) ;;
        submit) flags=(--connections 64 --seconds 10 --max 20000) ;;
      esac
      r=$($SERVE $mode "http://127.0.0.1:$port" "$work/token-$side" "$work/bench-keys/BENCH.key" "${flags[@]}" \
        | sed -n 's/.*"rps":\([0-9.]*\).*/\1/p')
      rps[$side-$mode]+=" $r"
    done
    kill "$pid"; wait "$pid" || true
  done
done
for mode in verify submit; do
  mo=$(echo "${rps[old-$mode]}" | median)
  mn=$(echo "${rps[new-$mode]}" | median)
  printf '%-36s %9s/s %9s/s %8s   (old:%s; new:%s)\n' "serve-$mode" "$mo" "$mn" \
    "$(awk -v a="$mo" -v b="$mn" 'BEGIN {printf "%.3f", b / a}')" "${rps[old-$mode]}" "${rps[new-$mode]}"
done

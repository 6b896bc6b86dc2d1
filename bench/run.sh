#!/usr/bin/env bash
# Speed and memory benchmarks: Assay against scikit-learn on the same Parquet
# files, in the same run, read time included on both sides. Not a test.
#
#   bench/run.sh                 # everything (about 40 minutes on 2 cores; serve-scale
#                                # fills a million certificates: 10 of them, 20 with PostgreSQL)
#   REPS=5 bench/run.sh binary   # one benchmark, more repetitions
#   (sections: binary, multiclass, regression, clustering, binned, intervals, record, model, cert, rederive, log, serve,
#    serve-scale; SCALE_N sets its registry's size, default 1,000,000)
#   serve and serve-scale also run on PostgreSQL when ASSAY_BENCH_POSTGRES names a server
#   (e.g. postgres://assay:assay@127.0.0.1:5432/postgres; a database is made and dropped)
#
# Needs: the Rust toolchain, and Python with tools/requirements.txt installed
# (PY, default .venv/bin/python). Writes bench/out/*.tsv and prints medians.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
REPS=${REPS:-3}
WHICH=${1:-all}
DATA=bench/data
OUT=bench/out
mkdir -p "$DATA" "$OUT"

cargo build --release -q -p assay -p assay-bench
ASSAY=target/release/assay
GEN=target/release/gen-bench-data
STATS=target/release/bench-stats

# measure LABEL CMD... : run REPS times, append "label<TAB>seconds<TAB>peak_kib" per run.
measure() {
  local label=$1; shift
  for _ in $(seq "$REPS"); do
    /usr/bin/time -f "%e %M" -o "$OUT/.time" "$@" > "$OUT/.stdout"
    read -r secs kib < "$OUT/.time"
    printf '%s\t%s\t%s\n' "$label" "$secs" "$kib" >> "$OUT/runs.tsv"
    printf '  %-28s %8ss %8s MiB\n' "$label" "$secs" "$((kib / 1024))"
  done
}

median() { # median seconds and peak MiB of LABEL
  awk -F'\t' -v l="$1" '$1==l {print $2, $3}' "$OUT/runs.tsv" | sort -n | awk '{s[NR]=$1; m[NR]=$2} END {if (NR == 0) exit; i=int((NR+1)/2); printf "%.2f %d", s[i], m[i]/1024}'
}

# largest_difference ASSAY.json REFERENCE.json : the largest relative
# difference between Assay's metric values and the reference's.
largest_difference() {
  $PY - "$1" "$2" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))["metrics"]
s = json.loads(open(sys.argv[2]).read())["metrics"]
worst = max(abs(a[k]["value"] - v) / max(abs(v), 1e-300) for k, v in s.items())
print(f"  largest relative difference over {len(s)} metrics: {worst:.1e}")
PY
}

# The identification every benchmark plan needs.
plan_header() {
  printf '[plan]\nid = "%s"\nversion = "1"\n[lab]\nname = "bench"\n[client]\nname = "bench"\n' "$1"
  printf '[model]\nname = "synthetic"\nversion = "1"\nintended_use = "benchmark"\n'
}

: > "$OUT/runs.tsv"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(uname -m); assay $($ASSAY --version)"
$PY -c 'import sklearn, numpy, pyarrow; print("reference: scikit-learn", sklearn.__version__, "numpy", numpy.__version__, "pyarrow", pyarrow.__version__)'

if [[ $WHICH == all || $WHICH == binary ]]; then
  f=$DATA/binary_10m.parquet
  [[ -f $f ]] || $GEN binary 10000000 "$f"
  echo "binary: 10 million rows, all binary metrics"
  # Like for like: scikit-learn computes point estimates only.
  measure assay-binary-10m $ASSAY eval "$f" --no-intervals --json "$OUT/assay_binary.json" --quiet
  measure sklearn-binary-10m $PY bench/sklearn_eval.py binary "$f"
  cp "$OUT/.stdout" "$OUT/sklearn_binary.json"
fi

if [[ $WHICH == all || $WHICH == multiclass ]]; then
  f=$DATA/multiclass_1m_100.parquet
  [[ -f $f ]] || $GEN multiclass 1000000 100 "$f"
  echo "multiclass: 1 million rows x 100 classes, all multi-class metrics"
  measure assay-multiclass-1m-100 $ASSAY eval "$f" --no-intervals --json "$OUT/assay_multiclass.json" --quiet
  measure assay-multiclass-1m-100-intervals $ASSAY eval "$f" --json "$OUT/assay_multiclass_intervals.json" --quiet
  measure sklearn-multiclass-1m-100 $PY bench/sklearn_eval.py multiclass "$f"
  cp "$OUT/.stdout" "$OUT/sklearn_multiclass.json"
fi

if [[ $WHICH == all || $WHICH == regression ]]; then
  f=$DATA/regression_10m.parquet
  [[ -f $f ]] || $GEN regression 10000000 "$f"
  echo "regression: 10 million rows, all 16 regression metrics"
  measure assay-regression-10m $ASSAY eval "$f" --no-intervals --json "$OUT/assay_regression.json" --quiet
  measure sklearn-regression-10m $PY bench/sklearn_eval.py regression "$f"
  cp "$OUT/.stdout" "$OUT/sklearn_regression.json"
  largest_difference "$OUT/assay_regression.json" "$OUT/sklearn_regression.json"
fi

if [[ $WHICH == all || $WHICH == clustering ]]; then
  f=$DATA/clustering_10m.parquet
  [[ -f $f ]] || $GEN clustering 10000000 "$f"
  echo "clustering: 10 million rows, the 10 external metrics"
  measure assay-clustering-10m $ASSAY eval "$f" --no-intervals --json "$OUT/assay_clustering.json" --quiet
  measure assay-clustering-10m-intervals $ASSAY eval "$f" --json "$OUT/assay_clustering_ci.json" --quiet
  measure sklearn-clustering-10m $PY bench/sklearn_eval.py clustering "$f"
  cp "$OUT/.stdout" "$OUT/sklearn_clustering.json"
  largest_difference "$OUT/assay_clustering.json" "$OUT/sklearn_clustering.json"
fi

if [[ $WHICH == all || $WHICH == binned ]]; then
  f=$DATA/binary_100m.parquet
  [[ -f $f ]] || $GEN binary 100000000 "$f"
  echo "binned: 100 million rows, constant-memory curves"
  measure assay-binned-100m $ASSAY eval "$f" --curves binned --json "$OUT/assay_binned.json" --quiet
  REPS=1 measure assay-exact-100m $ASSAY eval "$f" --no-intervals --json "$OUT/assay_exact_100m.json" --quiet
  $PY - "$OUT/assay_binned.json" "$OUT/assay_exact_100m.json" <<'PY'
import json, sys
b, e = (json.load(open(p))["metrics"]["roc_auc"] for p in sys.argv[1:3])
print(f"  roc_auc binned {b['value']:.12f} (bound {b['error_bound']:.2e}), exact {e['value']:.12f}, |diff| {abs(b['value'] - e['value']):.2e}")
PY
fi

if [[ $WHICH == all || $WHICH == intervals ]]; then
  f=$DATA/binary_10m.parquet
  [[ -f $f ]] || $GEN binary 10000000 "$f"
  echo "intervals: 10 million binary rows, with and without every interval"
  measure assay-binary-10m-intervals $ASSAY eval "$f" --json "$OUT/assay_binary_intervals.json" --quiet
  measure assay-binary-10m-no-intervals $ASSAY eval "$f" --no-intervals --json "$OUT/assay_binary_no_intervals.json" --quiet
  echo "  DeLong (in-process, medians of 5):"
  $STATS delong 10000000 2>/dev/null | sed 's/^/  /'
  echo "  bootstrap of F1 and MCC, 1 million rows, 2000 replicates:"
  $STATS bootstrap 1000000 2>/dev/null | sed 's/^/  /'
  $PY bench/scipy_bootstrap.py 1000000 2>/dev/null | sed 's/^/  /'
fi

if [[ $WHICH == all || $WHICH == record ]]; then
  f=$DATA/binary_10m.parquet
  [[ -f $f ]] || $GEN binary 10000000 "$f"
  echo "record: assay run (digests, canonical JSON record) against assay eval on 10 million rows"
  { plan_header BENCH-1; cat <<TOML
[data]
predictions = "$PWD/$f"
[intervals]
enabled = false
[criteria]
decision_rule = "simple"
require = ["roc_auc >= 0.5"]
TOML
  } > "$OUT/record.toml"
  measure assay-run-10m $ASSAY run "$OUT/record.toml" --out "$OUT/record" --quiet
  measure assay-eval-10m $ASSAY eval "$f" --no-intervals --require "roc_auc >= 0.5" --decision-rule simple --json "$OUT/assay_eval_10m.json" --quiet
  echo "leakage: 1 million test items against 1 million training items (hash manifests, 1000 shared)"
  [[ -f $DATA/train_manifest_1m.csv ]] || $PY bench/manifests.py "$DATA" 1000000 1000
  { plan_header BENCH-2; cat <<TOML
[data]
predictions = "$PWD/data/demo/breast_cancer.csv"
positive = "malignant"
[intervals]
enabled = false
[leakage]
training = "$PWD/$DATA/train_manifest_1m.csv"
test = "$PWD/$DATA/test_manifest_1m.csv"
TOML
  } > "$OUT/leakage.toml"
  measure assay-leakage-1m $ASSAY run "$OUT/leakage.toml" --out "$OUT/leakage" --quiet
  measure python-leakage-1m $PY bench/leakage.py "$DATA/train_manifest_1m.csv" "$DATA/test_manifest_1m.csv"
  $PY -c 'import json,sys; r=json.load(open(sys.argv[1])); print("  assay found", r["leakage"]["leaked"], "leaked items; python:", open(sys.argv[2]).read().strip())' "$OUT/leakage/assessment.json" "$OUT/.stdout"
fi

if [[ $WHICH == all || $WHICH == model ]]; then
  echo "model throughput: tract (as assay run uses it) against onnxruntime, same model, batch size and thread count"
  [[ -f $DATA/resnet18_like.onnx ]] || $PY bench/resnet.py "$DATA/resnet18_like.onnx"
  for spec in "data/model/digits.onnx 1 8 8 32 200000" "$DATA/resnet18_like.onnx 3 224 224 8 64" "$DATA/resnet18_like.onnx 3 224 224 1 32"; do
    target/release/bench-model $spec | sed 's/^/  /'
    $PY bench/model_ort.py $spec 2>/dev/null | sed 's/^/  /'
  done
fi

if [[ $WHICH == all || $WHICH == cert ]]; then
  echo "certificates: assay verify (process start included) against the Python verifier of tests/interop, and the library's rate"
  C=$OUT/cert
  rm -rf "$C" && mkdir -p "$C"
  $ASSAY init "$C" --demo model > /dev/null
  $ASSAY run "$C/assay.toml" --out "$C/results" --quiet
  $ASSAY keygen --unencrypted --issuer DEMO --out "$C/keys" > /dev/null
  $ASSAY certify "$C/results/assessment.json" --key "$C/keys/DEMO.key" > /dev/null
  CERT=$(ls "$C"/results/*.cert.json | head -1)
  python3 bench/verify_time.py 50 \
    -- $ASSAY verify "$CERT" --trust "$C/keys/DEMO.pub.toml" --model "$C/digits.onnx" --assessment "$C/results/assessment.json" \
    -- python3 tests/interop/verify.py "$CERT" "$C/keys/DEMO.pub.toml" --model "$C/digits.onnx" --assessment "$C/results/assessment.json" | sed 's/^/  /'
  target/release/bench-cert "$CERT" "$C/keys/DEMO.pub.toml" | sed 's/^/  /'
fi

if [[ $WHICH == all || $WHICH == rederive ]]; then
  echo "re-derivation: assay certify makes the record again from its inputs before it signs (the bundled model plan:"
  echo "  899 images, 15 robustness conditions); against the assessment itself, and a refused edited record"
  R=$OUT/rederive
  rm -rf "$R" && mkdir -p "$R"
  $ASSAY init "$R" --demo model > /dev/null
  $ASSAY keygen --unencrypted --issuer DEMO --out "$R/keys" > /dev/null 2>&1
  measure assessment-run $ASSAY run "$R/assay.toml" --out "$R/results" --quiet
  # Each certify signs a new certificate (the sequence advances).
  measure certify-from-predictions $ASSAY certify "$R/results/assessment.json" --key "$R/keys/DEMO.key" --out "$R/certs"
  measure certify-rerun-model $ASSAY certify "$R/results/assessment.json" --key "$R/keys/DEMO.key" --out "$R/certs" --rerun-model
  CERT=$(ls "$R"/certs/*.cert.json | head -1)
  measure verify-recompute $ASSAY verify "$CERT" --trust "$R/keys/DEMO.pub.toml" --model "$R/digits.onnx" \
    --assessment "$R/results/assessment.json" --recompute
  # An edited record (one value changed) is refused: how soon.
  mkdir -p "$R/edited"
  cp -r "$R/results/." "$R/edited/"
  python3 - "$R/edited/assessment.json" <<'PYEOF'
import json, sys
p = sys.argv[1]
r = json.load(open(p))
r["evaluation"]["metrics"]["accuracy"]["value"] = 0.999
json.dump(r, open(p, "w"))
PYEOF
  measure certify-refuses-edited sh -c "! $ASSAY certify $R/edited/assessment.json --key $R/keys/DEMO.key --out $R/refused 2>/dev/null"
  for l in assessment-run certify-from-predictions certify-rerun-model verify-recompute certify-refuses-edited; do
    read -r s m <<< "$(median $l)"
    printf '  median %-26s %6ss %6s MiB\n' "$l" "$s" "$m"
  done
fi

if [[ $WHICH == all || $WHICH == log ]]; then
  echo "transparency log: proofs on a tree of one million entries"
  target/release/bench-log 1000000 | sed 's/^/  /'
fi

# Registry helpers for the serve sections. new_registry BACKEND: a fresh
# registry in $d/reg-BACKEND (a new PostgreSQL database for postgres) with
# the lab BENCH's key and a token; sets db=(...) and reg.
new_registry() {
  reg=$d/reg-$1
  db=()
  if [[ $1 == postgres ]]; then
    pg_name=assay_bench_$$
    psql -q "$ASSAY_BENCH_POSTGRES" -c "DROP DATABASE IF EXISTS $pg_name" -c "CREATE DATABASE $pg_name"
    db=(--database "${ASSAY_BENCH_POSTGRES%/*}/$pg_name")
  fi
  $ASSAY admin --data "$reg" "${db[@]}" key-add --trust "$d/keys/BENCH.pub.toml" > /dev/null
  $ASSAY admin --data "$reg" "${db[@]}" token-create --lab BENCH --out "$d/token-$1" 2> /dev/null
}
drop_registry() {
  if [[ $1 == postgres ]]; then psql -q "$ASSAY_BENCH_POSTGRES" -c "DROP DATABASE $pg_name"; fi
}
# start_serve: `assay serve` on a free port in the background (rate limits
# off: one client address is the whole load); sets pid, url, and
# start_ms, the milliseconds until it listened.
start_serve() {
  local port t0
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  url=http://127.0.0.1:$port
  t0=$(date +%s%N)
  $ASSAY serve --data "$reg" "${db[@]}" --listen "127.0.0.1:$port" --quiet --read-rate 0 --write-rate 0 > "$d/serve.out" &
  pid=$!
  for _ in $(seq 6000); do grep -q listening "$d/serve.out" && break; sleep 0.01; done
  start_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
}
mib() { awk -v k="$1:" '$1 == k {printf "%d", $2 / 1024}' "/proc/$pid/status"; }
backends=(sqlite)
[[ -n ${ASSAY_BENCH_POSTGRES:-} ]] && backends+=(postgres)
SERVE=target/release/bench-serve

if [[ $WHICH == all || $WHICH == serve ]]; then
  # The registry under load from a second process over loopback, bounded in
  # time (10 s a run) and count.
  d=$(mktemp -d)
  $ASSAY keygen --unencrypted --issuer BENCH --not-before 2000-01-01 --years 90 --out "$d/keys" > /dev/null
  for backend in "${backends[@]}"; do
    new_registry "$backend"
    start_serve
    echo "serve ($backend): verify endpoint, 32 connections, 10 s a run"
    for _ in $(seq "$REPS"); do
      $SERVE verify "$url" "$d/token-$backend" "$d/keys/BENCH.key" --connections 32 --seconds 10 | tee -a "$OUT/serve.jsonl" | sed 's/^/  /'
    done
    echo "serve ($backend): durable submissions, 64 connections, 10 s or 20,000 a run"
    for _ in $(seq "$REPS"); do
      $SERVE submit "$url" "$d/token-$backend" "$d/keys/BENCH.key" --connections 64 --seconds 10 --max 20000 | tee -a "$OUT/serve.jsonl" | sed 's/^/  /'
    done
    kill "$pid"; wait "$pid" || true
    $ASSAY admin --data "$reg" "${db[@]}" check | sed 's/^/  /'
    drop_registry "$backend"
  done
  rm -rf "$d"
fi

if [[ $WHICH == all || $WHICH == serve-scale ]]; then
  # A registry of SCALE_N certificates (default one million): how long the
  # service takes to start (it re-hashes every leaf against the latest
  # checkpoint), what it holds in memory, and the verify endpoint at that
  # size. Filled in process (bench-serve fill), not through HTTP.
  n=${SCALE_N:-1000000}
  d=$(mktemp -d)
  $ASSAY keygen --unencrypted --issuer BENCH --not-before 2000-01-01 --years 90 --out "$d/keys" > /dev/null
  for backend in "${backends[@]}"; do
    new_registry "$backend"
    start_serve
    sleep 1
    base=$(mib VmRSS)
    echo "serve-scale ($backend): empty registry: start ${start_ms} ms, resident ${base} MiB"
    kill "$pid"; wait "$pid" || true
    echo "serve-scale ($backend): filling $n certificates"
    $SERVE fill "$reg" "$d/keys/BENCH.key" "$n" "${db[@]}" | tee -a "$OUT/serve.jsonl" | sed 's/^/  /'
    for _ in $(seq "$REPS"); do
      start_serve
      sleep 1
      rss=$(mib VmRSS)
      printf '{"mode":"start","backend":"%s","certificates":%d,"start_ms":%d,"rss_mib":%d,"empty_rss_mib":%d,"bytes_per_certificate":%d}\n' \
        "$backend" "$n" "$start_ms" "$rss" "$base" "$(( (rss - base) * 1048576 / n ))" | tee -a "$OUT/serve.jsonl" | sed 's/^/  /'
      $SERVE verify "$url" "$d/token-$backend" "$d/keys/BENCH.key" --connections 32 --seconds 10 | tee -a "$OUT/serve.jsonl" | sed 's/^/  /'
      echo "  peak resident $(mib VmHWM) MiB"
      kill "$pid"; wait "$pid" || true
    done
    # Lists and searches at this size: median of 5 requests each.
    start_serve
    for path in / "/api/v1/certificates" "/api/v1/certificates?issuer=BENCH&status=valid" \
      "/api/v1/certificates?status=revoked" "/api/v1/certificates?holder=bench" \
      "/api/v1/certificates?offset=10000" "/api/v1/certificates?q=no-such-name"; do
      ms=$(for _ in 1 2 3 4 5; do curl -s -o /dev/null -w '%{time_total}\n' "$url$path"; done | sort -n | sed -n 3p)
      printf '{"mode":"get","backend":"%s","certificates":%d,"path":"%s","median_ms":%.1f}\n' \
        "$backend" "$n" "$path" "$(awk -v s="$ms" 'BEGIN {print s * 1000}')" | tee -a "$OUT/serve.jsonl" | sed 's/^/  /'
    done
    kill "$pid"; wait "$pid" || true
    /usr/bin/time -f "  admin check: %e s, peak %M KiB" $ASSAY admin --data "$reg" "${db[@]}" check 2>&1 | sed 's/^/  /'
    drop_registry "$backend"
  done
  rm -rf "$d"
fi

echo
echo "medians (seconds, peak MiB):"
for l in $(cut -f1 "$OUT/runs.tsv" | sort -u); do printf '  %-28s %s\n' "$l" "$(median "$l")"; done
a=$(median assay-binary-10m-intervals 2>/dev/null | cut -d' ' -f1); b=$(median assay-binary-10m-no-intervals 2>/dev/null | cut -d' ' -f1)
[[ -n $a && -n $b ]] && awk -v a="$a" -v b="$b" 'BEGIN {printf "  intervals: with / without = %.2fx\n", a / b}'
a=$(median assay-run-10m 2>/dev/null | cut -d' ' -f1); b=$(median assay-eval-10m 2>/dev/null | cut -d' ' -f1)
[[ -n $a && -n $b ]] && awk -v a="$a" -v b="$b" 'BEGIN {printf "  record: run / eval = %.2fx\n", a / b}'
a=$(median assay-leakage-1m 2>/dev/null | cut -d' ' -f1); b=$(median python-leakage-1m 2>/dev/null | cut -d' ' -f1)
[[ -n $a && -n $b ]] && awk -v a="$a" -v b="$b" 'BEGIN {printf "  leakage: python / assay = %.1fx\n", b / a}'
for pair in "binary-10m" "multiclass-1m-100"; do
  if grep -q "assay-$pair" "$OUT/runs.tsv" && grep -q "sklearn-$pair" "$OUT/runs.tsv"; then
    a=$(median "assay-$pair" | cut -d' ' -f1); s=$(median "sklearn-$pair" | cut -d' ' -f1)
    awk -v a="$a" -v s="$s" -v p="$pair" 'BEGIN {printf "  %s: scikit-learn / assay = %.1fx\n", p, s / a}'
  fi
done

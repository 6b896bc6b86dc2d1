#!/usr/bin/env bash
# Crash test of the registry: kill -9 `assay serve` repeatedly during
# concurrent submissions; after each restart every acknowledged submission
# must be there, the log must verify, and the new checkpoint must be
# consistent with every checkpoint served before. Not a benchmark.
#
#   bench/crash.sh [ROUNDS]     # default 20; on SQLite, and on PostgreSQL too
#                               # when ASSAY_TEST_POSTGRES names a server
set -euo pipefail
cd "$(dirname "$0")/.."
ASSAY_CRASH_ROUNDS=${1:-20} cargo test -q -p assay --test serve -- \
  --exact kill_9_during_concurrent_submissions_loses_nothing_acknowledged --nocapture

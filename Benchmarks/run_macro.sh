#!/usr/bin/env bash
# Macro benchmark: Strata side by side with DuckDB, ClickHouse (chDB) and Parquet on the same
# generated click log, at one or more sizes, in one run. Answers are checked against DuckDB's.
#   Benchmarks/run_macro.sh [ROWS ...]          (default: 1000000 10000000)
# Needs ../shared/bench (the peer harness) beside the checkout. Sets up a venv in /tmp/peers,
# writes data to /tmp/bench-data, and results to Benchmarks/results/macro-<rows>.{json,md}.
set -euo pipefail
# output goes to /dev/null: a regular file there (left by a tool that replaced it) would time
# writing every result to disk
if [ ! -c /dev/null ]; then echo "error: /dev/null is not a character device (recreate it: rm /dev/null && mknod -m 666 /dev/null c 1 3)" >&2; exit 1; fi
root=$(cd "$(dirname "$0")/.." && pwd)
bench=${STRATA_PEER_BENCH:-$root/../shared/bench}
[ -d "$bench" ] || { echo "peer harness not found at $bench (set STRATA_PEER_BENCH)" >&2; exit 1; }
export PATH=/opt/swift/usr/bin:$PATH
PY=/tmp/peers/bin/python
data=/tmp/bench-data
if ! "$PY" -c 'import duckdb, chdb, pyarrow, numpy' 2>/dev/null; then
  python3 -m venv /tmp/peers && "$PY" -m pip install -q duckdb chdb pyarrow numpy
fi
mkdir -p "$data" "$root/Benchmarks/results"
(cd "$root" && ./scripts/setup.sh && swift build -c release --product strata 2>&1 | tail -1)
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000000 10000000)
for rows in "${sizes[@]}"; do
  name=$((rows / 1000))k
  csv=$data/clicks_$name.csv
  [ -s "$csv" ] || "$PY" "$bench/gen_clicks.py" --rows "$rows" --seed 42 --out "$csv"
  peers=$data/peers_$name.json
  if [ ! -s "$peers" ] || [ -z "${REUSE_PEERS:-}" ]; then
    "$PY" "$bench/run_peers.py" "$csv" --queries "$bench/queries" --engines duckdb,chdb,parquet \
      --out "$peers" --dump-results "$data/results-$name"
  fi
  "$PY" "$bench/run_strata.py" "$csv" --strata "$root/.build/release/strata" --queries "$bench/queries" \
    --reference "$data/results-$name/duckdb" --peers "$peers" --out "$data/strata_$name.json"
  "$PY" "$root/Benchmarks/report.py" --strata "$data/strata_$name.json" --peers "$peers" \
    --out "$root/Benchmarks/results/macro-$name"
done

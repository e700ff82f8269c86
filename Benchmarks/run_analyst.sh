#!/usr/bin/env bash
# Issue 16's analyst queries (Benchmarks/analyst/queries: referrer hosts, UTM extraction, subquery
# filters, moving average, rollup, sessionization, funnel, cohort retention, new vs returning,
# linear attribution, ...) side by side with DuckDB on the harness data: the same SQL text on
# both, 2 threads, every Strata answer checked against DuckDB's.
#   Benchmarks/run_analyst.sh [ROWS]     (run from the project root; ROWS default 10000000)
# REUSE=1 reuses the DuckDB database and the Strata store loaded by the previous run.
set -euo pipefail
rows=${1:-10000000}
bench=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../shared/bench" && pwd)
queries=$(cd "$(dirname "${BASH_SOURCE[0]}")/analyst/queries" && pwd)
PY=/tmp/peers/bin/python
data=/tmp/bench-data
name=$((rows / 1000))k
if ! "$PY" -c 'import duckdb, pyarrow, numpy' 2>/dev/null; then
  python3 -m venv /tmp/peers && "$PY" -m pip install -q duckdb pyarrow numpy
fi
mkdir -p "$data"
csv=$data/clicks_$name.csv
[ -s "$csv" ] || "$PY" "$bench/gen_clicks.py" --rows "$rows" --seed 42 --out "$csv"
reuse=(); [ -n "${REUSE:-}" ] && reuse=(--reuse)
"$PY" "$bench/run_peers.py" "$csv" --queries "$queries" --engines duckdb --work "$data/analyst-work-$name" \
  --out "$data/analyst_peers_$name.json" --dump-results "$data/analyst-results-$name" "${reuse[@]}"
flock /tmp/release-build.lock swift build -c release --product strata
"$PY" "$bench/run_strata.py" "$csv" --strata "$PWD/.build/release/strata" --queries "$queries" \
  --store "$data/analyst-store-$name" --reference "$data/analyst-results-$name/duckdb" \
  --out "$data/analyst_strata_$name.json" "${reuse[@]}" > "$data/analyst_strata_$name.log"
"$PY" "$(dirname "${BASH_SOURCE[0]}")/analyst_compare.py" "$data/analyst_strata_$name.json" "$data/analyst_peers_$name.json"

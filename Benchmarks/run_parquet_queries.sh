#!/usr/bin/env bash
# The 18 harness queries over read_parquet of the 10M-row harness data, Strata vs DuckDB
# (same run, 2 threads, medians of 5, answers compared). Figures: Benchmarks/results/parquet-queries.md.
#
#   Benchmarks/run_parquet_queries.sh [STRATA_BINARY] [CSV] [PARQUET]
#
# The Parquet file is made once (when missing) by DuckDB's writer: COPY … TO (FORMAT parquet,
# COMPRESSION zstd) from the harness CSV with the harness column types (DuckDB's defaults:
# row groups of 122,880 rows, dictionary pages where they pay, no page index).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
strata="${1:-$here/../.build/release/strata}"
csv="${2:-/tmp/bench-data/clicks_10000k.csv}"
parquet="${3:-/tmp/bench-data/clicks_10000k.parquet}"
py="${PYTHON:-/tmp/peers/bin/python}"
if [ ! -f "$parquet" ]; then
  echo "writing $parquet with DuckDB (zstd) from $csv" >&2
  "$py" - "$csv" "$parquet" <<'PY'
import sys, time
sys.path.insert(0, "/work/shared/bench")
import duckdb
from run_peers import COLUMNS
src, dst = sys.argv[1], sys.argv[2]
con = duckdb.connect()
con.execute("SET threads = 2")
spec = ", ".join(f"'{n}': '{t}'" for n, t, _, _ in COLUMNS)
t0 = time.time()
con.execute(f"COPY (SELECT * FROM read_csv('{src}', header = true, delim = ',', quote = '\"', escape = '\"', "
            f"nullstr = '\\N', columns = {{{spec}}})) TO '{dst}.tmp' (FORMAT parquet, COMPRESSION zstd)")
import os; os.rename(dst + ".tmp", dst)
print(f"wrote {dst} in {time.time() - t0:.1f}s", file=sys.stderr)
PY
fi
exec "$py" "$here/parquet_queries.py" --strata "$strata" --parquet "$parquet" --runs "${RUNS:-5}" --threads 2 ${ONLY:+--only "$ONLY"} ${OUT:+--out "$OUT"}

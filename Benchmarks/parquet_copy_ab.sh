#!/bin/bash
# COPY clicks TO Parquet (zstd): Strata from its store against DuckDB from its own table, and
# optionally a base Strata binary, alternated in one window. Prints one line per write
# (writer, wall s, user s, sys s, peak RSS KiB) and the three files' sizes.
#
#   Benchmarks/parquet_copy_ab.sh STRATA STORE DUCKDB_DB [RUNS] [BASE_STRATA] [OUT_DIR]
#
# e.g. the 10M harness table of Benchmarks/run_analyst.sh:
#   Benchmarks/parquet_copy_ab.sh .build/release/strata /tmp/bench-data/analyst-store-10000k \
#     /tmp/bench-data/analyst-work-10000k/duckdb/clicks.duckdb 3
set -euo pipefail
new="$1"; store="$2"; db="$3"; runs="${4:-5}"; base="${5:-}"; out="${6:-$(mktemp -d /tmp/pqcopy.XXXXXX)}"
py="${PYTHON:-/tmp/peers/bin/python}"
mkdir -p "$out"
for i in $(seq 1 "$runs"); do
  rm -f "$out"/s.parquet "$out"/d.parquet "$out"/b.parquet
  /usr/bin/time -f "strata %e %U %S %M" "$new" query --store "$store" "COPY clicks TO '$out/s.parquet' (FORMAT parquet, COMPRESSION zstd)" > /dev/null
  /usr/bin/time -f "duckdb %e %U %S %M" "$py" -c "import duckdb; c=duckdb.connect('$db', read_only=True); c.execute('SET threads=2'); c.execute('SET enable_progress_bar=false'); c.execute(\"COPY clicks TO '$out/d.parquet' (FORMAT parquet, COMPRESSION zstd)\")"
  if [ -n "$base" ]; then
    /usr/bin/time -f "base %e %U %S %M" "$base" query --store "$store" "COPY clicks TO '$out/b.parquet' (FORMAT parquet, COMPRESSION zstd)" > /dev/null
  fi
done
ls -l "$out"/*.parquet

#!/bin/bash
# alternating: strata COPY TO parquet (1M store st3) vs DuckDB COPY TO from dev1m.duckdb; strata base vs new
for i in 1 2 3 4 5; do
  rm -f s.parquet d.parquet b.parquet
  /usr/bin/time -f "new %e %U %S" ./strata-new query --store st3 "COPY clicks TO '/tmp/pqingest/s.parquet' (FORMAT parquet, COMPRESSION zstd)" > /dev/null
  /usr/bin/time -f "duck %e %U %S" /tmp/peers/bin/python -c "import duckdb; c=duckdb.connect('/tmp/bench-data/dev1m.duckdb', read_only=True); c.execute('SET threads=2'); c.execute(\"COPY clicks TO '/tmp/pqingest/d.parquet' (FORMAT parquet, COMPRESSION zstd)\")"
  /usr/bin/time -f "base %e %U %S" /tmp/ab/strata-s10base query --store st3 "COPY clicks TO '/tmp/pqingest/b.parquet' (FORMAT parquet, COMPRESSION zstd)" > /dev/null
done
ls -l s.parquet d.parquet b.parquet

#!/bin/bash
# Parquet ingest against CSV ingest at 10M rows, two builds alternated (session 11).
#
#   Benchmarks/parquet_ingest_10m_ab.sh BASE_BINARY NEW_BINARY [RUNS] [CSV] [PARQUET]
#
# Per run, in turn: NEW on the CSV, NEW on the Parquet file, BASE on the Parquet file, each
# into a fresh store created with the harness DDL, `ingest --quiet --threads 2`. Prints one
# line per load (input, binary, wall s, user s, sys s, peak RSS KiB) and the table check of
# the last store of each kind. Figures: Benchmarks/results/parquet-copy-ingest.md.
set -euo pipefail
base="$1"; new="$2"; runs="${3:-5}"
csv="${4:-/tmp/bench-data/clicks_10000k.csv}"
pq="${5:-/tmp/pqscan/clicks.parquet}"
work="$(mktemp -d /tmp/pqingest-ab.XXXXXX)"
trap 'rm -rf "$work"' EXIT
DDL="CREATE TABLE clicks (ts TIMESTAMP, event VARCHAR, profile_id INTEGER, link_id INTEGER, link_title VARCHAR, link_url VARCHAR, content_type VARCHAR, visitor_id VARCHAR, session_id VARCHAR, referrer VARCHAR, source VARCHAR, utm_source VARCHAR, utm_medium VARCHAR, utm_campaign VARCHAR, device VARCHAR, os VARCHAR, browser VARCHAR, country VARCHAR, user_agent VARCHAR, revenue DOUBLE) PARTITION BY month(ts) ORDER BY (profile_id, ts)"
CHECK="SELECT count(*), round(sum(revenue), 2), count(DISTINCT visitor_id), count(DISTINCT session_id), min(ts), max(ts) FROM clicks"
load() {  # label binary input
  rm -rf "$work/st"
  "$2" query --store "$work/st" --create "$DDL" >/dev/null
  /usr/bin/time -f "$1 %e %U %S %M" "$2" ingest --quiet --store "$work/st" --threads 2 clicks "$3" 2>&1 | tail -1
}
for i in $(seq 1 "$runs"); do
  load "csv-new" "$new" "$csv"
  [ "$i" = "$runs" ] && echo "check csv-new: $("$new" query --store "$work/st" --format csv "$CHECK" | tail -1)"
  load "parquet-new" "$new" "$pq"
  [ "$i" = "$runs" ] && echo "check parquet-new: $("$new" query --store "$work/st" --format csv "$CHECK" | tail -1)"
  load "parquet-base" "$base" "$pq"
done

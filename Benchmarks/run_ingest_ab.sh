#!/usr/bin/env bash
# The harness CSV ingest (CREATE TABLE from run_strata.py's DDL, then `strata ingest`), two
# builds alternated: OLD NEW [CSV] [RUNS] [STORE_DIR]. Prints each run's wall seconds and peak
# RSS, then the medians.
set -euo pipefail
old=$1; new=$2
csv=${3:-/tmp/bench-data/clicks_10000k.csv}
runs=${4:-3}
work=${5:-/tmp/strata-ingest-ab}
ddl="CREATE TABLE clicks (ts TIMESTAMP, event VARCHAR, profile_id INTEGER, link_id INTEGER, link_title VARCHAR, link_url VARCHAR, content_type VARCHAR, visitor_id VARCHAR, session_id VARCHAR, referrer VARCHAR, source VARCHAR, utm_source VARCHAR, utm_medium VARCHAR, utm_campaign VARCHAR, device VARCHAR, os VARCHAR, browser VARCHAR, country VARCHAR, user_agent VARCHAR, revenue DOUBLE) PARTITION BY month(ts) ORDER BY (profile_id, ts)"
declare -A times
for r in $(seq 1 "$runs"); do
  for which in old new; do
    bin=$old; [ "$which" = new ] && bin=$new
    rm -rf "$work"; mkdir -p "$work"
    "$bin" query --store "$work/s" "$ddl" >/dev/null
    out=$( { /usr/bin/time -f "%e %M" "$bin" ingest --store "$work/s" --quiet clicks "$csv" ; } 2>&1 | tail -1)
    echo "run $r $which: ${out% *} s, $(( ${out#* } / 1024 )) MiB"
    times[$which]="${times[$which]:-} ${out% *}"
  done
done
rm -rf "$work"
for which in old new; do
  echo "$which median: $(tr ' ' '\n' <<<"${times[$which]}" | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}') s"
done

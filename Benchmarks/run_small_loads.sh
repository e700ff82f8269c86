#!/usr/bin/env bash
# Compaction benchmark: the harness CSV split into N small loads (default 400), the query
# suite timed after the loads and again after `strata compact`.
#   Benchmarks/run_small_loads.sh CSV [LOADS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bench=${STRATA_PEER_BENCH:-$root/../shared/bench}
csv=$1; loads=${2:-400}
S=${STRATA_BIN:-$root/.build/release/strata}
work=$(mktemp -d /tmp/strata-loads.XXXXXX)
store=$work/store
rows=$(($(wc -l < "$csv") - 1))
per=$(( (rows + loads - 1) / loads ))
head -1 "$csv" > "$work/header"
tail -n +2 "$csv" | split -l "$per" -d -a 4 - "$work/part-"
cols=$(head -1 "$csv")
ddl="CREATE TABLE clicks (ts TIMESTAMP, event VARCHAR, profile_id INTEGER, link_id INTEGER, link_title VARCHAR, link_url VARCHAR, content_type VARCHAR, visitor_id VARCHAR, session_id VARCHAR, referrer VARCHAR, source VARCHAR, utm_source VARCHAR, utm_medium VARCHAR, utm_campaign VARCHAR, device VARCHAR, os VARCHAR, browser VARCHAR, country VARCHAR, user_agent VARCHAR, revenue DOUBLE) PARTITION BY month(ts) ORDER BY (profile_id, ts) WITH (auto_compact = false)"
$S query --store "$store" "$ddl" > /dev/null
t0=$(date +%s.%N)
for f in "$work"/part-*; do cat "$work/header" "$f" | $S ingest --store "$store" --quiet clicks -; done
t1=$(date +%s.%N)
echo "loads: $loads of ~$per rows in $(echo "$t1 - $t0" | bc) s"
$S stats --store "$store" clicks | head -2
$S bench --store "$store" --queries "$bench/queries" --runs 3 --warmup 1 --json "$work/before.json" | tail -1
/usr/bin/time -f "compact: %e s wall, peak RSS %M KB" $S compact --store "$store" clicks
$S stats --store "$store" clicks | head -2
$S bench --store "$store" --queries "$bench/queries" --runs 3 --warmup 1 --json "$work/after.json" | tail -1
$S verify --store "$store" | tail -1
echo "results: $work/before.json $work/after.json"

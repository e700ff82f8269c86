#!/usr/bin/env bash
# Demo: build Strata, generate a synthetic click log, load it, and ask the usual questions.
#   ./scripts/demo.sh [ROWS]     (default 200000)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /opt/swift/usr/bin/swift ] && export PATH=/opt/swift/usr/bin:$PATH
./scripts/setup.sh
swift build -c release --product strata 2>&1 | tail -1
S=.build/release/strata
rows=${1:-200000}
work=$(mktemp -d /tmp/strata-demo.XXXXXX)
export STRATA_STORE=$work/store
set -x
$S gen clicks --rows "$rows" --seed 7 --out "$work/clicks.csv"
$S query "CREATE TABLE clicks (ts TIMESTAMP, event VARCHAR, profile_id INTEGER, link_id INTEGER, link_title VARCHAR,
  link_url VARCHAR, content_type VARCHAR, visitor_id VARCHAR, session_id VARCHAR, referrer VARCHAR, source VARCHAR,
  utm_source VARCHAR, utm_medium VARCHAR, utm_campaign VARCHAR, device VARCHAR, os VARCHAR, browser VARCHAR,
  country VARCHAR, user_agent VARCHAR, revenue DOUBLE) PARTITION BY month(ts) ORDER BY (profile_id, ts)"
$S ingest clicks "$work/clicks.csv"
$S ingest clicks "$work/clicks.csv"       # same content again: skipped, counted once
$S query "SELECT count(*) AS events, count(DISTINCT visitor_id) AS visitors, sum(revenue) AS revenue FROM clicks"
$S query "SELECT source, count(*) AS events, sum(CASE WHEN event = 'click' THEN 1 ELSE 0 END) AS clicks,
  count(DISTINCT visitor_id) AS visitors FROM clicks GROUP BY source ORDER BY events DESC"
$S query --format csv "SELECT CAST(ts AS DATE) AS day, count(*) AS clicks FROM clicks
  WHERE event = 'click' AND ts >= TIMESTAMP '2024-03-01 00:00:00' AND ts < TIMESTAMP '2024-03-08 00:00:00'
  GROUP BY day ORDER BY day"
$S query "SELECT extract(hour FROM ts) AS hour, count(*) AS clicks FROM clicks WHERE event = 'click'
  GROUP BY hour ORDER BY clicks DESC LIMIT 5"
$S query "EXPLAIN ANALYZE SELECT link_id, count(*) AS clicks FROM clicks WHERE event = 'click'
  AND ts >= TIMESTAMP '2024-03-01 00:00:00' GROUP BY link_id ORDER BY clicks DESC LIMIT 5"
$S report --list
$S report clicks traffic-sources --from 2024-03-01 --to 2024-03-03 --chart
$S report clicks compare --from 2024-03-01 --to 2024-04-01 --profile 10 --format csv
$S stats clicks
$S verify

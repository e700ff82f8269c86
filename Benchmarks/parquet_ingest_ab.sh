#!/bin/bash
DDL="CREATE TABLE clicks (ts TIMESTAMP, event VARCHAR, profile_id INTEGER, link_id INTEGER, link_title VARCHAR, link_url VARCHAR, content_type VARCHAR, visitor_id VARCHAR, session_id VARCHAR, referrer VARCHAR, source VARCHAR, utm_source VARCHAR, utm_medium VARCHAR, utm_campaign VARCHAR, device VARCHAR, os VARCHAR, browser VARCHAR, country VARCHAR, user_agent VARCHAR, revenue DOUBLE) PARTITION BY month(ts) ORDER BY (profile_id, ts)"
for i in 1 2 3 4 5; do
  for src in /tmp/bench-data/clicks_1000k.csv c1m.parquet c1m_strata.parquet; do
    rm -rf st4; ./strata-new query --store st4 --create "$DDL" >/dev/null
    /usr/bin/time -f "$(basename $src) %e %U %S %M" ./strata-new ingest --quiet --store st4 --threads 2 clicks $src
  done
done
./strata-new query --store st4 --format csv "SELECT count(*), sum(revenue), count(DISTINCT visitor_id), min(ts), max(ts) FROM clicks"

import Testing
@testable import StrataSQL

/// The 18 benchmark queries (copied verbatim from bench/queries).
let benchmarkQueries: [(name: String, sql: String)] = [
    ("q01_count_all", """
-- total number of events (count(*))
SELECT count(*) AS events
FROM clicks
ORDER BY events
"""),
    ("q02_full_column_sums", """
-- full-column sums: total revenue (float) and sum of link_id (int)
SELECT sum(revenue) AS total_revenue, sum(link_id) AS link_id_sum
FROM clicks
ORDER BY total_revenue
"""),
    ("q03_daily_clicks_per_link", """
-- daily clicks per link for the top profile, March 2024
SELECT CAST(ts AS DATE) AS event_date, link_id, count(*) AS link_clicks
FROM clicks
WHERE profile_id = 654
  AND event = 'click'
  AND ts >= TIMESTAMP '2024-03-01 00:00:00' AND ts < TIMESTAMP '2024-04-01 00:00:00'
GROUP BY event_date, link_id
ORDER BY event_date, link_id
"""),
    ("q04_sources_per_day", """
-- traffic sources per day with unique visitors (whole period, all profiles)
SELECT CAST(ts AS DATE) AS event_date, source, count(*) AS events, count(DISTINCT visitor_id) AS visitors
FROM clicks
GROUP BY event_date, source
ORDER BY event_date, source
"""),
    ("q05_ctr_per_profile", """
-- click-through rate (link clicks / page views) per profile, top 50 by CTR among profiles with >= 1000 views
SELECT profile_id,
       sum(CASE WHEN event = 'view' THEN 1 ELSE 0 END) AS views,
       sum(CASE WHEN event = 'click' THEN 1 ELSE 0 END) AS link_clicks,
       sum(CASE WHEN event = 'click' THEN 1 ELSE 0 END) / sum(CASE WHEN event = 'view' THEN 1 ELSE 0 END) AS ctr
FROM clicks
GROUP BY profile_id
HAVING sum(CASE WHEN event = 'view' THEN 1 ELSE 0 END) >= 1000
ORDER BY ctr DESC, profile_id
LIMIT 50
"""),
    ("q06_hourly_trend_week", """
-- hourly views / clicks / unique visitors for the top profile over one week
SELECT date_trunc('hour', ts) AS event_hour,
       sum(CASE WHEN event = 'view' THEN 1 ELSE 0 END) AS views,
       sum(CASE WHEN event = 'click' THEN 1 ELSE 0 END) AS link_clicks,
       count(DISTINCT visitor_id) AS visitors
FROM clicks
WHERE profile_id = 654
  AND ts >= TIMESTAMP '2024-05-06 00:00:00' AND ts < TIMESTAMP '2024-05-13 00:00:00'
GROUP BY event_hour
ORDER BY event_hour
"""),
    ("q07_top_links_month", """
-- top 20 links by clicks in May 2024 (all profiles)
SELECT link_id, link_title, count(*) AS link_clicks, count(DISTINCT visitor_id) AS unique_clickers
FROM clicks
WHERE event = 'click'
  AND ts >= TIMESTAMP '2024-05-01 00:00:00' AND ts < TIMESTAMP '2024-06-01 00:00:00'
GROUP BY link_id, link_title
ORDER BY link_clicks DESC, link_id
LIMIT 20
"""),
    ("q08_country_breakdown", """
-- country breakdown: events, link clicks, unique visitors
SELECT country, count(*) AS events,
       sum(CASE WHEN event = 'click' THEN 1 ELSE 0 END) AS link_clicks,
       count(DISTINCT visitor_id) AS visitors
FROM clicks
GROUP BY country
ORDER BY events DESC, country
"""),
    ("q09_campaign_performance", """
-- campaign performance: visitors, clicks, conversions, revenue per utm campaign/source/medium
SELECT utm_campaign, utm_source, utm_medium,
       count(*) AS events,
       count(DISTINCT visitor_id) AS visitors,
       sum(CASE WHEN event = 'click' THEN 1 ELSE 0 END) AS link_clicks,
       sum(CASE WHEN event = 'conversion' THEN 1 ELSE 0 END) AS conversions,
       sum(revenue) AS total_revenue
FROM clicks
WHERE utm_campaign <> ''
GROUP BY utm_campaign, utm_source, utm_medium
ORDER BY conversions DESC, utm_campaign, utm_source, utm_medium
"""),
    ("q10_device_source_matrix", """
-- device x source matrix: events and sessions
SELECT device, source, count(*) AS events, count(DISTINCT session_id) AS sessions
FROM clicks
GROUP BY device, source
ORDER BY device, source
"""),
    ("q11_hour_of_day", """
-- best time to post: link clicks and visitors by hour of day (UTC)
SELECT extract(hour FROM ts) AS hour_of_day, count(*) AS link_clicks, count(DISTINCT visitor_id) AS visitors
FROM clicks
WHERE event = 'click'
GROUP BY hour_of_day
ORDER BY hour_of_day
"""),
    ("q12_monthly_uv_per_profile", """
-- monthly unique visitors and events per profile (~12k groups)
SELECT profile_id, date_trunc('month', ts) AS event_month,
       count(DISTINCT visitor_id) AS visitors, count(*) AS events
FROM clicks
GROUP BY profile_id, event_month
ORDER BY profile_id, event_month
"""),
    ("q13_top_visitors", """
-- high-cardinality group-by: 10 most active visitors
SELECT visitor_id, count(*) AS events, count(DISTINCT session_id) AS sessions, count(DISTINCT profile_id) AS profiles
FROM clicks
GROUP BY visitor_id
ORDER BY events DESC, visitor_id
LIMIT 10
"""),
    ("q14_spotify_links", """
-- string filter: clicks on Spotify links
SELECT link_id, link_url, count(*) AS link_clicks
FROM clicks
WHERE event = 'click' AND link_url LIKE '%spotify%'
GROUP BY link_id, link_url
ORDER BY link_clicks DESC, link_id
LIMIT 25
"""),
    ("q15_time_range_selective", """
-- selective time range (2 hours of one day): events and visitors by source and event type
SELECT source, event, count(*) AS events, count(DISTINCT visitor_id) AS visitors
FROM clicks
WHERE ts >= TIMESTAMP '2024-03-15 12:00:00' AND ts < TIMESTAMP '2024-03-15 14:00:00'
GROUP BY source, event
ORDER BY source, event
"""),
    ("q16_period_over_period", """
-- period over period: clicks per link in June vs May (conditional aggregation), top 50 by June clicks
SELECT link_id,
       sum(CASE WHEN ts >= TIMESTAMP '2024-06-01 00:00:00' THEN 1 ELSE 0 END) AS clicks_this_month,
       sum(CASE WHEN ts < TIMESTAMP '2024-06-01 00:00:00' THEN 1 ELSE 0 END) AS clicks_last_month,
       (sum(CASE WHEN ts >= TIMESTAMP '2024-06-01 00:00:00' THEN 1 ELSE 0 END)
        - sum(CASE WHEN ts < TIMESTAMP '2024-06-01 00:00:00' THEN 1 ELSE 0 END))
        / sum(CASE WHEN ts < TIMESTAMP '2024-06-01 00:00:00' THEN 1 ELSE 0 END) AS growth
FROM clicks
WHERE event = 'click'
  AND ts >= TIMESTAMP '2024-05-01 00:00:00' AND ts < TIMESTAMP '2024-07-01 00:00:00'
GROUP BY link_id
HAVING sum(CASE WHEN ts < TIMESTAMP '2024-06-01 00:00:00' THEN 1 ELSE 0 END) > 0
ORDER BY clicks_this_month DESC, link_id
LIMIT 50
"""),
    ("q17_weekly_profiles", """
-- weekly events, revenue and unique visitors for three large profiles
SELECT date_trunc('week', ts) AS event_week, profile_id,
       count(*) AS events,
       sum(CASE WHEN event = 'conversion' THEN revenue ELSE 0 END) AS total_revenue,
       count(DISTINCT visitor_id) AS visitors
FROM clicks
WHERE profile_id IN (654, 1723, 1992)
GROUP BY event_week, profile_id
ORDER BY event_week, profile_id
"""),
    ("q18_content_type_revenue", """
-- conversions and revenue statistics per content type (min / max / avg)
SELECT content_type, count(*) AS conversions, count(DISTINCT link_id) AS links,
       sum(revenue) AS total_revenue, min(revenue) AS min_revenue, max(revenue) AS max_revenue,
       avg(revenue) AS avg_revenue
FROM clicks
WHERE event = 'conversion'
GROUP BY content_type
ORDER BY content_type
"""),
]

-- funnel per source: sessions with a view, then a click, then a conversion
SELECT source, count(*) AS sessions, count(*) FILTER (WHERE clicked) AS clicked, count(*) FILTER (WHERE converted) AS converted,
       round(100.0 * count(*) FILTER (WHERE converted) / count(*), 3) AS conversion_pct
FROM (SELECT session_id, min(source) AS source, bool_or(event = 'click') AS clicked, bool_or(event = 'conversion') AS converted
      FROM clicks GROUP BY session_id) AS s
GROUP BY source
ORDER BY sessions DESC, source

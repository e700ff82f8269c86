-- new vs returning visitors per week
WITH firsts AS (SELECT visitor_id, min(ts) AS first_ts FROM clicks GROUP BY visitor_id)
SELECT date_trunc('week', c.ts) AS week,
       count(DISTINCT c.visitor_id) FILTER (WHERE date_trunc('week', f.first_ts) = date_trunc('week', c.ts)) AS new_visitors,
       count(DISTINCT c.visitor_id) FILTER (WHERE f.first_ts < date_trunc('week', c.ts)) AS returning_visitors
FROM clicks AS c JOIN firsts AS f ON c.visitor_id = f.visitor_id
GROUP BY week
ORDER BY week

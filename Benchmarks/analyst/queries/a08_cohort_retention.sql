-- cohort retention: visitors by first-seen month and months since then
WITH firsts AS (SELECT visitor_id, date_trunc('month', min(ts)) AS cohort FROM clicks GROUP BY visitor_id)
SELECT f.cohort, date_diff('month', f.cohort, date_trunc('month', c.ts)) AS months_later, count(DISTINCT c.visitor_id) AS visitors
FROM clicks AS c JOIN firsts AS f ON c.visitor_id = f.visitor_id
GROUP BY f.cohort, months_later
ORDER BY f.cohort, months_later

-- linear attribution: each conversion's revenue split equally over the links clicked in its session
WITH conv AS (SELECT session_id, sum(revenue) AS revenue FROM clicks WHERE event = 'conversion' GROUP BY session_id),
     touches AS (SELECT session_id, link_id, count(*) OVER (PARTITION BY session_id) AS n FROM clicks WHERE event = 'click')
SELECT t.link_id, round(sum(c.revenue / t.n), 4) AS attributed_revenue, count(*) AS touches
FROM touches AS t JOIN conv AS c ON t.session_id = c.session_id
GROUP BY t.link_id
ORDER BY attributed_revenue DESC, t.link_id
LIMIT 25

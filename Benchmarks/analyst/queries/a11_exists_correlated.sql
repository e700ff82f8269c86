-- correlated EXISTS: links whose clicks led to a conversion in the same session
SELECT link_id, count(*) AS converting_clicks
FROM clicks AS c
WHERE event = 'click' AND EXISTS (SELECT 1 FROM clicks AS v WHERE v.session_id = c.session_id AND v.event = 'conversion')
GROUP BY link_id
ORDER BY converting_clicks DESC, link_id
LIMIT 25

-- share of all clicks per content type (scalar subquery)
SELECT content_type, count(*) AS clicks, round(count(*) / (SELECT count(*) FROM clicks WHERE event = 'click'), 6) AS share
FROM clicks
WHERE event = 'click'
GROUP BY content_type
ORDER BY clicks DESC, content_type

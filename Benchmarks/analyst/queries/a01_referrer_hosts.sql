-- traffic sources: referrer host extracted with a regular expression (one per dictionary entry), top 20
SELECT regexp_extract(referrer, '^https?://([^/?#]+)', 1) AS host, count(*) AS visits,
       count(*) FILTER (WHERE event = 'click') AS clicks
FROM clicks
WHERE referrer <> ''
GROUP BY host
ORDER BY visits DESC, host
LIMIT 20

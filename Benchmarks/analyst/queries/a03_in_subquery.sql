-- subquery filter: daily clicks of the profiles that had at least 40 conversions
SELECT date_trunc('day', ts) AS day, count(*) AS clicks
FROM clicks
WHERE event = 'click'
  AND profile_id IN (SELECT profile_id FROM clicks WHERE event = 'conversion' GROUP BY profile_id HAVING count(*) >= 40)
GROUP BY day
ORDER BY day

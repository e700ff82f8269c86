-- 7-day moving average of daily clicks per profile (a ROWS frame over a grouped result), top rows
SELECT profile_id, day, clicks, avg(clicks) OVER (PARTITION BY profile_id ORDER BY day ROWS BETWEEN 6 PRECEDING AND CURRENT ROW) AS avg7
FROM (SELECT profile_id, CAST(ts AS DATE) AS day, count(*) AS clicks FROM clicks WHERE event = 'click' GROUP BY profile_id, day) AS d
ORDER BY avg7 DESC, profile_id, day
LIMIT 25

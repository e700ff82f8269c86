-- sessionization: a new session when a visitor is idle for more than 30 minutes (lag), sessions per day
SELECT CAST(ts AS DATE) AS day, count(*) AS sessions
FROM (SELECT ts, lag(ts) OVER (PARTITION BY visitor_id ORDER BY ts) AS prev FROM clicks) AS e
WHERE prev IS NULL OR ts - prev > INTERVAL 30 MINUTE
GROUP BY day
ORDER BY day

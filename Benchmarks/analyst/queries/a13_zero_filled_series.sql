-- zero-filled daily clicks for one profile over June (generate_series LEFT JOIN)
SELECT d.day, coalesce(c.clicks, 0) AS clicks
FROM generate_series(TIMESTAMP '2024-06-01', TIMESTAMP '2024-06-30', INTERVAL 1 DAY) AS d(day)
LEFT JOIN (SELECT date_trunc('day', ts) AS day, count(*) AS clicks FROM clicks
           WHERE profile_id = 688 AND event = 'click' GROUP BY day) AS c ON c.day = d.day
ORDER BY d.day

-- best time to post: clicks by weekday name and hour, ranked within each weekday
SELECT dayname(ts) AS weekday, extract(hour FROM ts) AS hour, count(*) AS clicks,
       rank() OVER (PARTITION BY dayname(ts) ORDER BY count(*) DESC) AS rnk
FROM clicks
WHERE event = 'click'
GROUP BY weekday, hour
QUALIFY rnk <= 3
ORDER BY weekday, rnk, hour

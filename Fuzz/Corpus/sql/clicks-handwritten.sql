SELECT url, count(*) AS n, sum(duration_ms), avg(price), min(ts), max(ts), count(DISTINCT user_id)
FROM clicks WHERE ts >= TIMESTAMP '2024-01-01' AND country IN ('DE', 'US') GROUP BY url HAVING n > 0 ORDER BY n DESC, url LIMIT 10;
SELECT date_trunc('day', ts) AS d, country, row_number() OVER (PARTITION BY country ORDER BY ts) FROM clicks ORDER BY ALL;
WITH a AS (SELECT user_id, url FROM clicks) SELECT a.url, b.n FROM a JOIN v b ON a.url = b.url LEFT JOIN clicks c ON c.user_id = a.user_id;
SELECT * FROM read_csv('clicks.csv') UNION ALL SELECT * FROM clicks;
SELECT a, b, "c.d" FROM read_ndjson('t.ndjson');
SELECT quantile_cont(duration_ms, 0.5), regexp_extract(referrer, 'q=([a-z]+)', 1), lower(url) || '!', CAST(price AS VARCHAR) FROM clicks;
EXPLAIN SELECT count(*) FROM clicks WHERE user_id = 1;
EXPLAIN ANALYZE SELECT country, count(*) FROM clicks GROUP BY ROLLUP (country);
SET timezone = 'Europe/Berlin'; SELECT ts::DATE, strftime(ts, '%Y-%m') FROM clicks;
SELECT * FROM generate_series(1, 5) t(i) CROSS JOIN (SELECT DISTINCT is_bot FROM clicks) ORDER BY 1, 2 NULLS FIRST;
DESCRIBE clicks; SHOW TABLES;

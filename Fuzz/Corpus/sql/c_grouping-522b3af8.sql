SELECT CASE WHEN grouping(country) = 1 THEN 'total' ELSE coalesce(country, '(none)') END AS c, count(*) AS n
FROM sales GROUP BY ROLLUP (country) ORDER BY grouping(country), c
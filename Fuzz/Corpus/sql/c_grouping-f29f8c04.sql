WITH r AS (SELECT country, sum(revenue) AS rev FROM sales GROUP BY ROLLUP (country))
SELECT country, rev FROM r WHERE country IS NOT NULL ORDER BY rev DESC
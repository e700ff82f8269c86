SELECT r.country, r.n, t.m FROM (SELECT country, count(*) AS n FROM sales GROUP BY ROLLUP (country)) r
JOIN (SELECT country, max(revenue) AS m FROM sales GROUP BY country) t ON r.country = t.country
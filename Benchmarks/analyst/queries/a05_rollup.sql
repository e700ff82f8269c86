-- country x device with subtotals and a grand total in one pass (ROLLUP)
SELECT country, device, count(*) AS events, sum(revenue) AS revenue, grouping(country, device) AS level
FROM clicks
GROUP BY ROLLUP (country, device)
ORDER BY level, country NULLS LAST, device NULLS LAST

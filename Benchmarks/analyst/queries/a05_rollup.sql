-- country x device with subtotals and a grand total in one pass (ROLLUP); '(all)' marks a rolled-up key
SELECT coalesce(country, '(all)') AS country_or_all, coalesce(device, '(all)') AS device_or_all, count(*) AS events,
       sum(revenue) AS revenue, grouping(country, device) AS level
FROM clicks
GROUP BY ROLLUP (country, device)
ORDER BY level, country_or_all, device_or_all

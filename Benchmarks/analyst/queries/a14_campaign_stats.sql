-- campaign statistics: revenue quantiles and spread, countries reached
SELECT utm_campaign, count(*) AS conversions, quantile_cont(revenue, 0.9) AS p90, round(stddev_samp(revenue), 6) AS sd,
       string_agg(DISTINCT country, ',' ORDER BY country) AS countries
FROM clicks
WHERE event = 'conversion' AND utm_campaign <> ''
GROUP BY utm_campaign
ORDER BY conversions DESC, utm_campaign

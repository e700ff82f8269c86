-- UTM source and ref parameters pulled out of the clicked link URLs
SELECT regexp_extract(link_url, '[?&]utm_source=([^&#]*)', 1) AS utm, split_part(split_part(link_url, '?', 1), '/', 3) AS site,
       count(*) AS clicks, count(DISTINCT visitor_id) AS visitors
FROM clicks
WHERE event = 'click' AND contains(link_url, '?')
GROUP BY utm, site
ORDER BY clicks DESC, utm, site
LIMIT 20

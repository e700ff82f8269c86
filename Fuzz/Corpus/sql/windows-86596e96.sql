SELECT d, source, link_id, n FROM (
  SELECT CAST(ts AS DATE) AS d, source, link_id, count(*) AS n,
         row_number() OVER (PARTITION BY CAST(ts AS DATE), source ORDER BY count(*) DESC, link_id) AS rn
  FROM clicks GROUP BY d, source, link_id) AS t
WHERE rn = 1 ORDER BY d, source
-- churn: visitors active in May but not in June (EXCEPT), by country of their May visits
SELECT country, count(*) AS churned FROM (
  SELECT visitor_id, country FROM clicks WHERE ts >= TIMESTAMP '2024-05-01' AND ts < TIMESTAMP '2024-06-01'
  EXCEPT
  SELECT visitor_id, country FROM clicks WHERE ts >= TIMESTAMP '2024-06-01' AND ts < TIMESTAMP '2024-07-01') AS t
GROUP BY country
ORDER BY churned DESC, country
LIMIT 20

WITH t AS (SELECT event, title, visitor FROM ev)
SELECT event, min(title) AS lo, max(title) AS hi, count(DISTINCT visitor) AS u, count(title) AS n FROM t GROUP BY event ORDER BY event
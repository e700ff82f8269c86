WITH t AS (SELECT title, revenue FROM ev WHERE event = 'click')
SELECT title, coalesce(sum(revenue), 0.0) AS r FROM t WHERE title <> 'alpha' OR title IS NULL GROUP BY title ORDER BY title
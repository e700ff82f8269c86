SELECT o.team, count(*) AS n, sum(c.revenue) AS rev
FROM clicks c JOIN links l ON c.link_id = l.link_id LEFT JOIN owners o ON o.owner = l.owner
GROUP BY o.team ORDER BY o.team
WITH active AS (SELECT DISTINCT link_id FROM clicks WHERE link_id IS NOT NULL)
SELECT owner FROM links WHERE link_id IN (SELECT link_id FROM active)
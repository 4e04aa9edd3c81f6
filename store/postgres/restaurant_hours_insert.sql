-- A restaurant's opening hours, in the order given.
INSERT INTO restaurant_hours (restaurant_id, position, weekday, opens, closes)
SELECT @restaurant_id, h.position - 1, h.weekday, h.opens::time, h.closes::time
FROM unnest(@weekdays::smallint[], @opens::text[], @closes::text[])
     WITH ORDINALITY AS h (weekday, opens, closes, position)

-- What a restaurant's kitchen holds: the orders in the kitchen, and those
-- scheduled for the slot starting at @slot (none when @slot is NULL). Run
-- after order_kitchen_lock.sql, as a statement of its own, so that under
-- READ COMMITTED it sees every placement that held the lock before.
SELECT
    (SELECT count(*) FROM orders
     WHERE restaurant_id = @restaurant_id AND status IN ('placed', 'accepted', 'preparing')) AS in_kitchen,
    (SELECT count(*) FROM orders
     WHERE restaurant_id = @restaurant_id AND scheduled_for = @slot::timestamptz
       AND status NOT IN ('rejected', 'cancelled')) AS in_slot

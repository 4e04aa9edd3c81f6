-- A customer's rolled-up preferences; the preference columns are NULL
-- before their first rollup, and there is no row when the customer has no
-- open account.
SELECT p.orders, p.first_order_at, p.last_order_at, p.baskets, p.cuisines, p.items, p.computed_at
FROM customers c
LEFT JOIN analytics_customer_preferences p ON p.customer_id = c.id
WHERE c.id = @id AND c.deleted_at IS NULL

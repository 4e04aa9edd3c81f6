-- Revenue per day and currency from @from to @to of restaurant
-- @restaurant_id (0: summed over every restaurant).
SELECT to_char(day, 'YYYY-MM-DD'), currency,
       sum(orders)::bigint, sum(delivered)::bigint, sum(cancelled)::bigint, sum(rejected)::bigint,
       sum(gross_revenue)::bigint, sum(item_sales)::bigint, sum(delivery_fees)::bigint, sum(surge_fees)::bigint
FROM analytics_restaurant_days
WHERE day BETWEEN @from::date AND @to::date
  AND (@restaurant_id::bigint = 0 OR restaurant_id = @restaurant_id)
GROUP BY day, currency
ORDER BY day, currency

INSERT INTO menu_items (restaurant_id, name, description, category, price, currency, available, tags)
VALUES (@restaurant_id, @name, @description, @category, @price, @currency, @available, @tags)
RETURNING id, restaurant_id, name, description, category, price, currency,
          available, tags, created_at, updated_at

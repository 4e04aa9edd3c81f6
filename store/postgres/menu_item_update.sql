UPDATE menu_items
SET name = @name,
    description = @description,
    category = @category,
    price = @price,
    currency = @currency,
    available = @available,
    tags = @tags,
    updated_at = now()
WHERE id = @id
RETURNING id, restaurant_id, name, description, category, price, currency,
          available, tags, created_at, updated_at

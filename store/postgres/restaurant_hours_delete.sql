DELETE FROM restaurant_hours WHERE restaurant_id = @restaurant_id

INSERT INTO restaurants (name, cuisine, address, lat, lng, timezone, delivery_radius_m,
                         minimum_order, delivery_fee, currency)
VALUES (@name, @cuisine, @address, @lat, @lng, @timezone, @delivery_radius_m,
        @minimum_order, @delivery_fee, @currency)
RETURNING id

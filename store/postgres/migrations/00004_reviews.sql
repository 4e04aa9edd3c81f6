-- Customers' reviews of their delivered orders.

-- +goose Up

CREATE TABLE reviews (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- One review per order.
    order_id      bigint NOT NULL CONSTRAINT reviews_order_id_key UNIQUE,
    customer_id   bigint NOT NULL,
    restaurant_id bigint NOT NULL,
    rating        smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
    text          text NOT NULL DEFAULT '' CHECK (char_length(text) <= 2000),
    -- Only published reviews count in restaurants.rating_sum/rating_count.
    status        text NOT NULL DEFAULT 'published' CHECK (status IN ('published', 'rejected')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    -- The author is the order's customer and the review is of its restaurant.
    CONSTRAINT reviews_order_fkey FOREIGN KEY (order_id, customer_id, restaurant_id)
        REFERENCES orders (id, customer_id, restaurant_id) ON DELETE CASCADE
);

CREATE INDEX reviews_restaurant_idx ON reviews (restaurant_id, id);

-- +goose Down
DROP TABLE reviews;

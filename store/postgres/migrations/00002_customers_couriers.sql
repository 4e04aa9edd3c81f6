-- The people of the platform: customers who order and couriers who deliver.

-- +goose Up

CREATE TABLE customers (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 120),
    -- NULL once the customer is erased.
    email      text CHECK (char_length(email) BETWEEN 3 AND 254 AND email LIKE '%_@_%'),
    -- E.164, NULL once the customer is erased.
    phone      text CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    -- JSON array of store.Address.
    addresses  jsonb NOT NULL DEFAULT '[]'
               CHECK (jsonb_typeof(addresses) = 'array' AND jsonb_array_length(addresses) <= 10),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- Set when the account is closed; the personal data is erased with it.
    deleted_at timestamptz,
    CONSTRAINT customers_contact_present CHECK (deleted_at IS NOT NULL OR (email IS NOT NULL AND phone IS NOT NULL)),
    CONSTRAINT customers_erased CHECK (deleted_at IS NULL OR (email IS NULL AND phone IS NULL AND addresses = '[]'))
);

-- One open account per email, compared case-insensitively; a closed
-- account's email is free again.
CREATE UNIQUE INDEX customers_email_key ON customers (lower(email)) WHERE deleted_at IS NULL;

CREATE TABLE couriers (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 120),
    phone        text NOT NULL CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    vehicle      text NOT NULL CHECK (vehicle IN ('bicycle', 'scooter', 'motorbike', 'car')),
    status       text NOT NULL DEFAULT 'offline' CHECK (status IN ('offline', 'available', 'busy')),
    -- The last position reported through a tracking point, and when.
    last_lat     double precision CHECK (last_lat BETWEEN -90 AND 90),
    last_lng     double precision CHECK (last_lng BETWEEN -180 AND 180),
    last_seen_at timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT couriers_last_location_whole CHECK (
        (last_lat IS NULL) = (last_lng IS NULL) AND (last_lat IS NULL) = (last_seen_at IS NULL))
);

CREATE INDEX couriers_status_idx ON couriers (status, id);

-- +goose Down
DROP TABLE couriers;
DROP TABLE customers;

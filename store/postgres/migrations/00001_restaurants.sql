-- Restaurants, their opening hours and their menus, plus the two SQL
-- functions list filters share with Go: great-circle distance and "open at".

-- +goose Up

-- great_circle_m is store.Point.DistanceM in SQL: the haversine distance in
-- metres between two WGS 84 points on a sphere of radius radius_m. Callers
-- pass store.EarthRadiusM() so Go and SQL use the same Earth.
-- +goose StatementBegin
CREATE FUNCTION great_circle_m(lat1 double precision, lng1 double precision,
                               lat2 double precision, lng2 double precision,
                               radius_m double precision)
RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT 2 * radius_m * asin(least(1, sqrt(
            sin(radians(lat2 - lat1) / 2) * sin(radians(lat2 - lat1) / 2)
          + cos(radians(lat1)) * cos(radians(lat2))
            * sin(radians(lng2 - lng1) / 2) * sin(radians(lng2 - lng1) / 2))))
$$;
-- +goose StatementEnd

-- is_time_zone reports whether PostgreSQL knows the named time zone, so a
-- restaurant's zone can be checked before the open-now filter needs it. It
-- is declared IMMUTABLE to serve in a CHECK: zones are only ever added.
-- +goose StatementBegin
CREATE FUNCTION is_time_zone(zone text)
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
BEGIN
    PERFORM timestamptz '2000-01-01 00:00:00+00' AT TIME ZONE zone;
    RETURN true;
EXCEPTION WHEN invalid_parameter_value THEN
    RETURN false;
END
$$;
-- +goose StatementEnd

CREATE TABLE restaurants (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name              text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 120),
    cuisine           text NOT NULL CHECK (char_length(cuisine) BETWEEN 1 AND 40),
    address           text NOT NULL CHECK (char_length(address) BETWEEN 1 AND 300),
    lat               double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lng               double precision NOT NULL CHECK (lng BETWEEN -180 AND 180),
    -- IANA zone the opening hours are written in.
    timezone          text NOT NULL DEFAULT 'UTC' CHECK (char_length(timezone) BETWEEN 1 AND 64 AND is_time_zone(timezone)),
    delivery_radius_m integer NOT NULL CHECK (delivery_radius_m BETWEEN 100 AND 50000),
    -- Money in minor units of currency, the one currency of every price the restaurant sets.
    minimum_order     bigint NOT NULL CHECK (minimum_order >= 0),
    delivery_fee      bigint NOT NULL CHECK (delivery_fee >= 0),
    currency          char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    -- Aggregate of published reviews, kept by the review service in the
    -- same transaction as the review change.
    rating_sum        bigint NOT NULL DEFAULT 0,
    rating_count      integer NOT NULL DEFAULT 0 CHECK (rating_count >= 0),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    -- Set when the restaurant leaves the platform; its orders keep referring to it.
    deleted_at        timestamptz,
    CONSTRAINT restaurants_rating_range CHECK (rating_sum BETWEEN rating_count AND 5 * rating_count),
    -- Target of the (id, currency) foreign keys that keep every price in
    -- the restaurant's currency.
    CONSTRAINT restaurants_id_currency_key UNIQUE (id, currency)
);

CREATE INDEX restaurants_cuisine_idx ON restaurants (lower(cuisine), id) WHERE deleted_at IS NULL;

-- One period in which a restaurant takes orders, in its time zone. A period
-- whose closes is not after opens runs past midnight into the next day;
-- '24:00' is midnight at the end of the day.
CREATE TABLE restaurant_hours (
    restaurant_id bigint NOT NULL REFERENCES restaurants (id) ON DELETE CASCADE,
    -- Keeps the periods in the order they were given.
    position      smallint NOT NULL CHECK (position >= 0),
    weekday       smallint NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    opens         time NOT NULL CHECK (opens < '24:00' AND date_trunc('minute', opens) = opens),
    closes        time NOT NULL CHECK (date_trunc('minute', closes) = closes),
    PRIMARY KEY (restaurant_id, position),
    CONSTRAINT restaurant_hours_nonempty CHECK (closes <> opens)
);

-- restaurant_open_at is store.OpenAt in SQL: whether restaurant $1, whose
-- hours are written in zone $2, takes orders at instant $3.
-- +goose StatementBegin
CREATE FUNCTION restaurant_open_at(bigint, text, timestamptz)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT EXISTS (
    SELECT 1
    FROM restaurant_hours h,
         LATERAL (SELECT $3 AT TIME ZONE $2 AS t) l,
         LATERAL (SELECT extract(dow FROM l.t)::int AS today,
                         date_trunc('minute', l.t)::time AS now) n
    WHERE h.restaurant_id = $1
      AND CASE
              WHEN h.closes > h.opens
                  THEN h.weekday = n.today AND n.now >= h.opens AND n.now < h.closes
              ELSE (h.weekday = n.today AND n.now >= h.opens)
                OR (h.weekday = (n.today + 6) % 7 AND n.now < h.closes)
          END
)
$$;
-- +goose StatementEnd

-- The restaurants on the platform, each with its opening hours as the JSON
-- array store.Restaurant.OpeningHours reads.
CREATE VIEW active_restaurants AS
SELECT r.id, r.name, r.cuisine, r.address, r.lat, r.lng, r.timezone,
       COALESCE((SELECT json_agg(json_build_object(
                            'weekday', h.weekday,
                            'opens', to_char(h.opens, 'HH24:MI'),
                            'closes', to_char(h.closes, 'HH24:MI')) ORDER BY h.position)
                 FROM restaurant_hours h
                 WHERE h.restaurant_id = r.id), '[]'::json) AS opening_hours,
       r.delivery_radius_m, r.minimum_order, r.delivery_fee, r.currency,
       r.rating_sum, r.rating_count, r.created_at, r.updated_at
FROM restaurants r
WHERE r.deleted_at IS NULL;

CREATE TABLE menu_items (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    restaurant_id bigint NOT NULL,
    name          text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 120),
    description   text NOT NULL DEFAULT '' CHECK (char_length(description) <= 1000),
    category      text NOT NULL CHECK (char_length(category) BETWEEN 1 AND 60),
    price         bigint NOT NULL CHECK (price > 0),
    currency      char(3) NOT NULL,
    available     boolean NOT NULL DEFAULT true,
    tags          text[] NOT NULL DEFAULT '{}'
                  CHECK (cardinality(tags) <= 20 AND array_position(tags, NULL) IS NULL),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    -- A dish is priced in its restaurant's currency.
    CONSTRAINT menu_items_restaurant_fkey FOREIGN KEY (restaurant_id, currency)
        REFERENCES restaurants (id, currency)
);

CREATE INDEX menu_items_restaurant_idx ON menu_items (restaurant_id, id);

-- +goose Down
DROP TABLE menu_items;
DROP VIEW active_restaurants;
DROP FUNCTION restaurant_open_at(bigint, text, timestamptz);
DROP TABLE restaurant_hours;
DROP TABLE restaurants;
DROP FUNCTION is_time_zone(text);
DROP FUNCTION great_circle_m(double precision, double precision, double precision, double precision, double precision);

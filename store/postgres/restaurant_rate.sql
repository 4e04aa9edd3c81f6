-- Moves a restaurant's rating aggregate by what a review change added or
-- took away. Concurrent changes add up: each UPDATE reads the row as the
-- previous one left it.
UPDATE restaurants
SET rating_sum = rating_sum + @sum_delta, rating_count = rating_count + @count_delta
WHERE id = @id

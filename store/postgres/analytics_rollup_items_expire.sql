-- Drops the popular-items buckets no window reaches any more.
DELETE FROM analytics_item_buckets WHERE bucket < @keep_since

-- The ETA is an estimate that moves with the courier, not a change anyone
-- made to the order: updated_at stays.
UPDATE orders SET estimated_delivery_at = @eta WHERE id = @id

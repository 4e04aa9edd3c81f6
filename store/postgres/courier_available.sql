-- Which of the given couriers are free to take a delivery.
SELECT id FROM couriers WHERE id = ANY(@ids) AND status = 'available'

-- The list a rep or a manager opens most: one owner's customers in a
-- status, by name (a region or other filter narrows it further).
CREATE INDEX customers_owner_status_name ON customers (owner_id, status, name_key, id);

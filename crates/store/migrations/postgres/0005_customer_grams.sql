-- Migration 0005: the character n-gram index of customer search (DESIGN.md
-- §5). Keep it in step with ../sqlite/0005_customer_grams.sql. A row says
-- that a customer's name key or lower-cased short name holds `gram`: each
-- pair of adjacent characters and the last character
-- (`tuoke_core::text::search_grams`). The store writes them with the
-- customer; this migration fills them in for the customers already stored.
CREATE TABLE customer_grams (
    gram TEXT COLLATE "C" NOT NULL,
    customer_id TEXT COLLATE "C" NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    PRIMARY KEY (gram, customer_id)
);
CREATE INDEX customer_grams_customer_id ON customer_grams (customer_id);

-- The same rule in SQL: lower() changes only ASCII letters under "C", as in
-- Rust.
WITH RECURSIVE
    texts (customer_id, t) AS (
        SELECT id, lower(name_key) FROM customers
        UNION ALL
        SELECT id, lower(short_name) FROM customers WHERE short_name IS NOT NULL
    ),
    positions (i) AS (
        SELECT 1
        UNION ALL
        SELECT i + 1 FROM positions WHERE i < (SELECT max(length(t)) FROM texts)
    )
INSERT INTO customer_grams (gram, customer_id)
SELECT substr(t, i, 2), customer_id FROM texts JOIN positions ON i < length(t)
UNION
SELECT substr(t, length(t), 1), customer_id FROM texts WHERE length(t) > 0;

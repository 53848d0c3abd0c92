-- Migration 0010, SQLite only: the customer search index moves from the
-- B-tree customer_grams (0005) to an FTS5 table. The grams are the same
-- (`tuoke_core::text::search_grams`); a customer's row holds them as
-- tokens, each character six hex digits of its code point (`token` in
-- src/search.rs). Writing a dozen grams into the B-tree took a dozen leaf
-- pages at random places; FTS5 appends them to a small segment and merges
-- segments later (docs/PERFORMANCE.md). PostgreSQL keeps customer_grams.
--
-- An FTS5 row is named by an integer: the customer's search_rowid, set
-- once when the customer is stored and never changed (SQLite's own rowid
-- of a table without an INTEGER PRIMARY KEY may change in a VACUUM).
ALTER TABLE customers ADD COLUMN search_rowid INTEGER;
UPDATE customers SET search_rowid = rowid;
CREATE UNIQUE INDEX customers_search_rowid ON customers (search_rowid);

CREATE TRIGGER customers_search_rowid AFTER INSERT ON customers
WHEN new.search_rowid IS NULL
BEGIN
    UPDATE customers
    SET search_rowid = (SELECT coalesce(max(search_rowid), 0) + 1 FROM customers)
    WHERE rowid = new.rowid;
END;

-- No copy of the tokens is kept (content = ''); a row can still be deleted
-- (contentless_delete). Only which rows hold a token is stored (detail =
-- 'none'): a search asks for tokens, never for their positions. The prefix
-- index of six characters answers a one-character search.
CREATE VIRTUAL TABLE customer_search USING fts5 (
    grams,
    content = '',
    contentless_delete = 1,
    detail = 'none',
    tokenize = 'ascii',
    prefix = '6'
);

CREATE TRIGGER customers_leave_search AFTER DELETE ON customers
BEGIN
    DELETE FROM customer_search WHERE rowid = old.search_rowid;
END;

-- The fill: the grams 0005 and the store wrote, as tokens.
INSERT INTO customer_search (rowid, grams)
SELECT c.search_rowid, group_concat(
    printf('%06x', unicode(g.gram))
        || CASE WHEN length(g.gram) = 2 THEN printf('%06x', unicode(substr(g.gram, 2))) ELSE '' END,
    ' ')
FROM customer_grams g JOIN customers c ON c.id = g.customer_id
GROUP BY c.search_rowid;

DROP TABLE customer_grams;

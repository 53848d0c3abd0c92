-- The list the benchmark and a rep's region view ask for: one owner's
-- customers in a status and a province, by name. Every equality the list
-- uses comes before the sort key, so a page is read in index order, 51
-- entries for 50 rows, with no sort. customers_owner_status_name (0006)
-- stays: it serves the same list without a province, which this index
-- cannot give in name order. Keep it in step with ../postgres/0008_customer_list_province_index.sql.
CREATE INDEX customers_owner_status_province_name
    ON customers (owner_id, status, province, name_key, id);

-- Migration 0009: drop the single-column customer indexes of the first
-- version whose columns take a handful of values (tier, ABC class, nature,
-- channel) or few in practice (product category). A list filtered by one of
-- them matches a large share of the customers, so reading in the sort's
-- order and checking the filter fills a page about as fast; each index cost
-- a B-tree insertion on every customer written, a sixth of an import's.
DROP INDEX customers_tier;
DROP INDEX customers_abc_class;
DROP INDEX customers_nature;
DROP INDEX customers_channel;
DROP INDEX customers_product_category;

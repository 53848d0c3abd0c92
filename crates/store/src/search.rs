//! The customer search (DESIGN.md §5): its index, written with the
//! customer, and the condition a search adds to a customer list.
//!
//! The index holds the grams of [`search_grams`] for each customer. The
//! backends keep it in different shapes, the one part of the schema that
//! differs between them:
//! - PostgreSQL: rows of `customer_grams`, a B-tree on (gram, customer).
//! - SQLite: `customer_search`, an FTS5 table whose row is the customer's
//!   `search_rowid` and whose tokens are the grams ([`token`]). A write
//!   there goes to a small new segment that FTS5 merges later, where a
//!   B-tree takes a dozen leaf pages at random places, each a page written
//!   to the WAL and checkpointed again (docs/PERFORMANCE.md). Migration
//!   0010 sets the rowids and their triggers up.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use tuoke_app::ports::StoreError;
use tuoke_core::Customer;
use tuoke_core::text::{QueryGrams, prefix_range, query_grams, search_grams};

use crate::db::{Db, Tx, backend, write_error};
use crate::import::MAX_BINDS;
use crate::sql::{Sql, Value};

/// The most index entries a search reads of each of its grams and initials
/// to choose its plan. When every one is below it, the customers are found
/// through the index and then sorted; a text matching more is so common
/// that reading customers in list order and checking each fills a page
/// sooner.
const SEARCH_PROBE_LIMIT: i64 = 5_000;

/// New customers whose gram rows are made and written together on
/// PostgreSQL: a dozen rows each.
const GRAMS_TOGETHER: usize = 8_000;

/// What names a customer's entries in the index, in error messages: a
/// customer that is gone.
const INDEXED_CUSTOMER: &str = "customer_grams.customer_id";

impl Tx {
    /// Adds customers that have no entries yet to the search index.
    pub(crate) async fn index_new_customers(
        &mut self,
        customers: &[Customer],
    ) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(_) => {
                for customers in customers.chunks(MAX_BINDS / 2) {
                    self.execute(fts_insert(customers))
                        .await
                        .map_err(|e| write_error(e, INDEXED_CUSTOMER))?;
                }
            }
            Tx::Postgres(_) => {
                for customers in customers.chunks(GRAMS_TOGETHER) {
                    let grams: Vec<(String, String)> = customers
                        .iter()
                        .flat_map(|c| {
                            let id = c.id.to_string();
                            grams_of(c).into_iter().map(move |g| (g, id.clone()))
                        })
                        .collect();
                    self.insert_rows(
                        "customer_grams",
                        "gram, customer_id",
                        &grams,
                        |(gram, id)| vec![Value::from(gram.as_str()), Value::from(id.as_str())],
                        INDEXED_CUSTOMER,
                    )
                    .await?;
                }
            }
        }
        Ok(())
    }

    /// Brings the search index entries of a stored customer in line with
    /// its name key and short name, in the transaction that writes it.
    pub(crate) async fn reindex_customer(&mut self, customer: &Customer) -> Result<(), StoreError> {
        let id = customer.id.to_string();
        match self {
            Tx::Sqlite(_) => {
                let sql = Sql::new(
                    "DELETE FROM customer_search \
                     WHERE rowid = (SELECT search_rowid FROM customers WHERE id = $1)",
                )
                .arg(id);
                self.execute(sql).await.map_err(backend)?;
                self.index_new_customers(std::slice::from_ref(customer))
                    .await
            }
            Tx::Postgres(_) => {
                // Only the grams that changed: a write that leaves the
                // names alone changes no row.
                let grams = grams_of(customer);
                let mut sql =
                    Sql::new("DELETE FROM customer_grams WHERE customer_id = $1").arg(id.as_str());
                if !grams.is_empty() {
                    sql.push(" AND gram NOT IN (");
                    sql.push_list(grams.iter().map(String::as_str));
                    sql.push(")");
                }
                self.execute(sql).await.map_err(backend)?;
                if grams.is_empty() {
                    return Ok(());
                }
                let mut sql = Sql::new("INSERT INTO customer_grams (gram, customer_id) VALUES ");
                for (i, gram) in grams.iter().enumerate() {
                    if i > 0 {
                        sql.push(", ");
                    }
                    sql.push("(")
                        .push_list([Value::from(gram.as_str()), id.as_str().into()]);
                    sql.push(")");
                }
                sql.push(" ON CONFLICT DO NOTHING");
                self.execute(sql)
                    .await
                    .map_err(|e| write_error(e, INDEXED_CUSTOMER))?;
                Ok(())
            }
        }
    }
}

fn grams_of(customer: &Customer) -> BTreeSet<String> {
    search_grams(&customer.name_key, customer.short_name.as_deref())
}

/// The `customer_search` rows of stored customers: their grams as tokens,
/// under each customer's `search_rowid`.
fn fts_insert(customers: &[Customer]) -> Sql {
    let mut sql = Sql::new(
        "INSERT INTO customer_search (rowid, grams) \
         SELECT c.search_rowid, v.column2 FROM (VALUES ",
    );
    for (i, customer) in customers.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        let tokens: Vec<String> = grams_of(customer).iter().map(|g| token(g)).collect();
        sql.push("(").push_list([
            Value::from(customer.id.to_string()),
            tokens.join(" ").into(),
        ]);
        sql.push(")");
    }
    sql.push(") v JOIN customers c ON c.id = v.column1");
    sql
}

/// A gram as a token of `customer_search`: each character as the six hex
/// digits of its code point. A token is then ASCII letters and digits
/// whatever the name holds (the table's `ascii` tokenizer splits at ASCII
/// punctuation and spaces), and the grams starting with a character are
/// the tokens starting with its six digits, which the table's prefix index
/// of six characters finds as one entry. Migration 0010 writes the same.
fn token(gram: &str) -> String {
    gram.chars().fold(String::new(), |mut token, c| {
        let _ = write!(token, "{:06x}", u32::from(c));
        token
    })
}

/// The FTS5 query of the customers having `grams`: every pair, or a token
/// starting with the one character.
fn fts_query(grams: &QueryGrams) -> String {
    match grams {
        QueryGrams::All(pairs) => pairs.iter().map(|p| token(p)).collect::<Vec<_>>().join(" "),
        QueryGrams::StartingWith(c) => format!("{}*", token(c)),
    }
}

impl Db {
    /// Appends the condition of a customer search (`q`, normalised): a
    /// substring of the name key or of the lower-cased short name, or a
    /// prefix of the pinyin initials of the name or short name. When the
    /// index says that few customers can match, they are picked through it
    /// first; the text condition is checked in either plan, so the index
    /// narrows the rows read, never the answer.
    pub(crate) async fn push_customer_search(
        &self,
        sql: &mut Sql,
        q: &str,
    ) -> Result<(), StoreError> {
        let Some(grams) = query_grams(q) else {
            return Ok(());
        };
        // Pinyin initials are stored upper case.
        let initials = prefix_range(&q.to_uppercase());
        let mut lookups: Vec<Lookup> = match (self.is_sqlite(), &grams) {
            (true, grams) => vec![Lookup::Tokens(fts_query(grams))],
            (false, QueryGrams::All(pairs)) => pairs.iter().map(|p| Lookup::Gram(p)).collect(),
            (false, QueryGrams::StartingWith(c)) => vec![Lookup::GramsFrom(prefix_range(c))],
        };
        lookups.push(Lookup::Initials("pinyin", &initials));
        lookups.push(Lookup::Initials("short_pinyin", &initials));
        // How many customers each lookup finds, up to the limit, in one statement.
        let mut probe = Sql::new("");
        for (i, lookup) in lookups.iter().enumerate() {
            if i > 0 {
                probe.push(" UNION ALL ");
            }
            probe.push("SELECT ").push_bind(i as i64);
            probe.push(", count(*) FROM (");
            lookup.push_ids(&mut probe);
            probe.push(" LIMIT ").push_bind(SEARCH_PROBE_LIMIT);
            probe.push(") found");
        }
        let mut found = vec![0; lookups.len()];
        for (i, n) in self.fetch_all::<(i64, i64)>(probe).await? {
            if let Some(slot) = usize::try_from(i).ok().and_then(|i| found.get_mut(i)) {
                *slot = n;
            }
        }
        let mut found: Vec<(i64, Lookup)> = found.into_iter().zip(lookups).collect();
        let initials_found = found.split_off(found.len() - 2);
        // Every gram must be there: look them up from the rarest.
        found.sort_by_key(|(n, _)| *n);
        let grams_found = found.first().map_or(0, |(n, _)| *n);
        if grams_found < SEARCH_PROBE_LIMIT
            && initials_found.iter().all(|(n, _)| *n < SEARCH_PROBE_LIMIT)
        {
            let initials: Vec<&Lookup> = initials_found
                .iter()
                .filter(|(n, _)| *n > 0)
                .map(|(_, lookup)| lookup)
                .collect();
            if grams_found == 0 && initials.is_empty() {
                sql.push(" AND 1 = 0");
            } else {
                sql.push(" AND id IN (");
                if grams_found > 0 {
                    let grams: Vec<&Lookup> = found.iter().map(|(_, lookup)| lookup).collect();
                    push_ids_in_all(sql, &grams);
                }
                for (i, lookup) in initials.into_iter().enumerate() {
                    if grams_found > 0 || i > 0 {
                        sql.push(" UNION ");
                    }
                    lookup.push_ids(sql);
                }
                sql.push(")");
            }
        }
        // A substring test, not `LIKE '%q%'`: SQLite prepares a statement
        // again whenever the pattern bound to a LIKE changes, in case an
        // index could serve it, which was a tenth of a search's CPU.
        let position = if self.is_sqlite() { "instr" } else { "strpos" };
        sql.push(" AND (").push(position).push("(name_key, ");
        sql.push_bind(q).push(") > 0 OR ").push(position);
        sql.push("(lower(short_name), ")
            .push_bind(q)
            .push(") > 0 OR ");
        push_range(sql, "pinyin", &initials);
        sql.push(" OR ");
        push_range(sql, "short_pinyin", &initials);
        sql.push(")");
        Ok(())
    }
}

/// A lookup of a customer search in the index or in the pinyin initials.
enum Lookup<'a> {
    /// Customers having this gram (PostgreSQL).
    Gram(&'a str),
    /// Customers having a gram in this range (PostgreSQL).
    GramsFrom((String, Option<String>)),
    /// Customers whose tokens match this FTS5 query (SQLite).
    Tokens(String),
    /// Customers whose initials column is in this range.
    Initials(&'static str, &'a (String, Option<String>)),
}

impl Lookup<'_> {
    /// `SELECT id FROM ... WHERE ...` of the customers found; the id column
    /// is qualified by `alias`, the table's name in the statement.
    fn push_ids_as(&self, sql: &mut Sql, alias: &str) {
        let column = |c: &str| format!("{alias}.{c}");
        match self {
            Lookup::Gram(_) | Lookup::GramsFrom(_) => {
                sql.push("SELECT ").push(&column("customer_id"));
                sql.push(" FROM customer_grams ")
                    .push(alias)
                    .push(" WHERE ");
            }
            // FTS5 reads its matches lazily, so the probe's LIMIT stops
            // it early, where `search_rowid IN (...)` would collect them all.
            Lookup::Tokens(_) => {
                sql.push("SELECT ").push(&column("id"));
                sql.push(" FROM customer_search JOIN customers ")
                    .push(alias);
                sql.push(" ON ")
                    .push(&column("search_rowid"))
                    .push(" = customer_search.rowid WHERE ");
            }
            Lookup::Initials(..) => {
                sql.push("SELECT ").push(&column("id"));
                sql.push(" FROM customers ").push(alias).push(" WHERE ");
            }
        }
        match self {
            Lookup::Gram(gram) => {
                sql.push(&column("gram")).push(" = ").push_bind(*gram);
            }
            Lookup::GramsFrom(range) => push_range(sql, &column("gram"), range),
            Lookup::Tokens(query) => {
                sql.push("customer_search MATCH ").push_bind(query.as_str());
            }
            Lookup::Initials(c, range) => push_range(sql, &column(c), range),
        }
    }

    fn push_ids(&self, sql: &mut Sql) {
        self.push_ids_as(sql, "t");
    }
}

/// The customers found by every gram lookup of `all`: those of the first,
/// checked for the others through the index.
fn push_ids_in_all(sql: &mut Sql, all: &[&Lookup]) {
    let Some((first, others)) = all.split_first() else {
        return;
    };
    first.push_ids_as(sql, "g0");
    for (i, other) in others.iter().enumerate() {
        let alias = format!("g{}", i + 1);
        sql.push(" AND EXISTS (");
        other.push_ids_as(sql, &alias);
        sql.push(" AND ")
            .push(&alias)
            .push(".customer_id = g0.customer_id)");
    }
}

/// `(column >= from AND column < to)`: a prefix, through a plain index.
fn push_range(sql: &mut Sql, column: &str, (from, to): &(String, Option<String>)) {
    sql.push("(")
        .push(column)
        .push(" >= ")
        .push_bind(from.as_str());
    if let Some(to) = to {
        sql.push(" AND ")
            .push(column)
            .push(" < ")
            .push_bind(to.as_str());
    }
    sql.push(")");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_six_hex_digits_a_character() {
        assert_eq!(token("海信"), "006d77004fe1");
        assert_eq!(token("e"), "000065");
        assert_eq!(token("a-"), "00006100002d");
        assert_eq!(token("😀"), "01f600");
    }

    #[test]
    fn the_fts_query_asks_for_every_pair_or_a_prefix() {
        let pairs = query_grams("瑞丰科").unwrap();
        assert_eq!(fts_query(&pairs), "004e300079d1 00745e004e30");
        let one = query_grams("瑞").unwrap();
        assert_eq!(fts_query(&one), "00745e*");
    }
}

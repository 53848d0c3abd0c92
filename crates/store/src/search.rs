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

use std::collections::{BTreeSet, HashSet};
use std::fmt::Write as _;

use tuoke_app::ports::StoreError;
use tuoke_core::Customer;
use tuoke_core::text::{QueryGrams, prefix_range, query_grams, search_grams};

use crate::db::{Db, Tx, backend, write_error};
use crate::import::MAX_BINDS;
use crate::lite;
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
            Tx::Sqlite(t) => {
                let writes = SearchWrites {
                    removed: Vec::new(),
                    added: customers.iter().map(fts_row).collect(),
                };
                t.write_search(writes)
                    .await
                    .map_err(|e| write_error(e.into(), INDEXED_CUSTOMER))?;
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
            Tx::Sqlite(t) => {
                let writes = SearchWrites {
                    removed: vec![id],
                    added: vec![fts_row(customer)],
                };
                t.write_search(writes)
                    .await
                    .map_err(|e| write_error(e.into(), INDEXED_CUSTOMER))
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

/// Writes to SQLite's `customer_search`: the entries of some customers
/// removed, then others added. A write transaction in a group holds them
/// back to the group's `COMMIT` (`lite::Tx::write_search`), where all the
/// members' writes together make one `DELETE` and one `INSERT`.
///
/// They are made from what is stored then: the entries of a customer
/// deleted since are neither removed nor added (deleting a customer
/// removes its entries, migration 0010), and of a customer added twice
/// (created, then renamed), the last entry counts.
#[derive(Debug, Default)]
pub(crate) struct SearchWrites {
    /// The customers, by id, whose stored entries go.
    removed: Vec<String>,
    /// A customer's id and its entry: its grams as tokens.
    added: Vec<(String, String)>,
}

impl SearchWrites {
    /// These writes, then `later`.
    pub(crate) fn append(&mut self, mut later: SearchWrites) {
        self.removed.append(&mut later.removed);
        self.added.append(&mut later.added);
    }

    pub(crate) fn write(&self, conn: &rusqlite::Connection) -> rusqlite::Result<()> {
        for ids in self.removed.chunks(MAX_BINDS) {
            let mut sql = Sql::new(
                "DELETE FROM customer_search WHERE rowid IN \
                 (SELECT search_rowid FROM customers WHERE id IN (",
            );
            sql.push_list(ids.iter().map(String::as_str));
            sql.push("))");
            lite::execute(conn, &sql)?;
        }
        // The last entry of each customer, in the order they were added.
        let mut seen = HashSet::new();
        let mut last: Vec<&(String, String)> = self
            .added
            .iter()
            .rev()
            .filter(|(id, _)| seen.insert(id))
            .collect();
        last.reverse();
        for rows in last.chunks(MAX_BINDS / 2) {
            let mut sql = Sql::new(
                "INSERT INTO customer_search (rowid, grams) \
                 SELECT c.search_rowid, v.column2 FROM (VALUES ",
            );
            for (i, (id, tokens)) in rows.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.push("(")
                    .push_list([Value::from(id.as_str()), tokens.as_str().into()]);
                sql.push(")");
            }
            sql.push(") v JOIN customers c ON c.id = v.column1");
            lite::execute(conn, &sql)?;
        }
        Ok(())
    }
}

/// A customer's id and its `customer_search` entry: its grams as tokens.
fn fts_row(customer: &Customer) -> (String, String) {
    let tokens: Vec<String> = grams_of(customer).iter().map(|g| token(g)).collect();
    (customer.id.to_string(), tokens.join(" "))
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
    use tuoke_app::ports::{CustomerFilter, PageRequest, Store, Visibility};
    use tuoke_core::{
        AuditAction, AuditEntry, CustomerDraft, CustomerId, Role, User, UserDraft, UserId,
    };

    #[tokio::test]
    async fn writes_sharing_a_commit_leave_the_search_index_as_if_made_one_by_one() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let db = Db::connect(&url).await.unwrap();
        db.migrate().await.unwrap();
        let now = chrono::Utc::now();
        let audit = |action| AuditEntry {
            id: uuid::Uuid::now_v7(),
            at: now,
            actor_id: None,
            action,
            entity: "customer".into(),
            entity_id: String::new(),
            changes: serde_json::Value::Null,
        };
        let draft = UserDraft {
            username: "owner".into(),
            display_name: None,
            role: Role::Rep,
            team_id: None,
            active: true,
        };
        let owner = User::create(draft, UserId::from_uuid(uuid::Uuid::now_v7()), now).unwrap();
        db.insert_user(&owner, "hash", &audit(AuditAction::Create))
            .await
            .unwrap();
        let customer = |name: &str| {
            let draft = CustomerDraft {
                name: name.into(),
                ..Default::default()
            };
            let id = CustomerId::from_uuid(uuid::Uuid::now_v7());
            Customer::create(draft, id, owner.id, now).unwrap()
        };
        let renamed = customer("旧名瑞丰");
        let new_name = CustomerDraft {
            name: "新名星辰".into(),
            ..renamed.to_draft()
        };
        let revised = renamed.revise(new_name, now).unwrap();
        let kept = customer("保留海信");
        // Created and deleted in the group: it had the highest search rowid.
        let gone = customer("删除锐锋");

        // The writes queue up behind a transaction holding the writer, so
        // that one `COMMIT` takes them all.
        let holder = db.begin().await.unwrap();
        let (create, update, delete) = (
            AuditAction::Create,
            AuditAction::Update,
            AuditAction::Delete,
        );
        let writes = futures_util::future::join_all([
            Box::pin(async { db.insert_customer(&renamed, &audit(create)).await })
                as std::pin::Pin<Box<dyn Future<Output = Result<(), StoreError>>>>,
            Box::pin(async {
                let updated = db.update_customer(&revised, 1, &audit(update)).await;
                updated.map(drop)
            }),
            Box::pin(async { db.insert_customer(&kept, &audit(create)).await }),
            Box::pin(async { db.insert_customer(&gone, &audit(create)).await }),
            Box::pin(async { db.delete_customer(gone.id, 1, &audit(delete)).await }),
            Box::pin(holder.commit()),
        ])
        .await;
        assert!(writes.iter().all(Result::is_ok), "{writes:?}");
        // Takes the search rowid the deleted customer had.
        let later = customer("后来者");
        db.insert_customer(&later, &audit(create)).await.unwrap();

        let search = async |q: &str| {
            let filter = CustomerFilter {
                q: Some(tuoke_core::text::normalize_query(q)),
                ..CustomerFilter::visible(Visibility::All)
            };
            let page = PageRequest {
                limit: 50,
                cursor: None,
            };
            let found = db.list_customers(&filter, &page).await.unwrap().items;
            found.into_iter().map(|c| c.name).collect::<Vec<_>>()
        };
        assert_eq!(search("星辰").await, ["新名星辰"]);
        assert_eq!(search("瑞丰").await, Vec::<String>::new());
        assert_eq!(search("海信").await, ["保留海信"]);
        assert_eq!(search("锐锋").await, Vec::<String>::new());
        assert_eq!(search("后来").await, ["后来者"]);
    }

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

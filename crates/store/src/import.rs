//! Imports: the bulk lookups an import plans with, and the one transaction
//! that writes it. Rows go in as multi-row `INSERT`s, as many per statement
//! as the backends' limit on bound values allows.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use tuoke_app::ports::{ImportBatch, StoreError};
use tuoke_core::process::funnel::{FunnelDelta, FunnelEntry};
use tuoke_core::process::{CaseEvent, DevelopmentCase};
use tuoke_core::{Activity, AuditEntry, Contact, Customer, CustomerId};

use crate::db::{Db, Tx, backend, micros, write_error};
use crate::lite::SQLITE_CACHE_SIZE;
use crate::records::{
    ACTIVITY_COLUMNS, AUDIT_COLUMNS, ActivityRow, CASE_COLUMNS, CONTACT_COLUMNS, CUSTOMER_COLUMNS,
    CaseRow, ContactRow, CustomerRow, EVENT_COLUMNS, Fields, activity_fields, audit_values,
    case_fields, contact_fields, customer_fields, event_values,
};
use crate::sql::{Sql, Value};

/// The most values bound in one statement (SQLite allows 32,766,
/// PostgreSQL 65,535). The statement of a full chunk is prepared once and
/// cached; its placeholders are anonymous on SQLite (see [`Sql`]), which
/// keeps preparing and binding linear.
pub(crate) const MAX_BINDS: usize = 10_000;

/// Keys looked up per statement.
const LOOKUP_CHUNK: usize = 500;

/// One multi-row `INSERT` of `rows`, each made by `row` in `columns` order.
fn insert_statement<T>(table: &str, columns: &str, rows: &[T], row: fn(&T) -> Vec<Value>) -> Sql {
    let mut sql = Sql::new(format!("INSERT INTO {table} ({columns}) VALUES "));
    for (i, r) in rows.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.push("(");
        sql.push_list(row(r));
        sql.push(")");
    }
    sql
}

/// The columns and values of a record row: its fields, and the id, version
/// and timestamps every record has.
type Record = (String, Fields, (i64, DateTime<Utc>, DateTime<Utc>));

fn record_columns(record: &Record) -> String {
    let names: Vec<&str> = record.1.iter().map(|(c, _)| *c).collect();
    format!("id, {}, version, created_at, updated_at", names.join(", "))
}

fn record_values(record: Record) -> Vec<Value> {
    let (id, fields, (version, created_at, updated_at)) = record;
    let mut row = Vec::with_capacity(fields.len() + 4);
    row.push(Value::from(id));
    row.extend(fields.into_iter().map(|(_, v)| v));
    row.extend([
        Value::from(version),
        micros(created_at).into(),
        micros(updated_at).into(),
    ]);
    row
}

impl Tx {
    /// Inserts `rows` into `columns` of `table`, as few statements as the
    /// limit on bound values allows.
    pub(crate) async fn insert_rows<T: Sync>(
        &mut self,
        table: &str,
        columns: &str,
        rows: &[T],
        row: fn(&T) -> Vec<Value>,
        reference: &str,
    ) -> Result<(), StoreError> {
        let per_statement = (MAX_BINDS / columns.split(',').count()).max(1);
        for chunk in rows.chunks(per_statement) {
            let sql = insert_statement(table, columns, chunk, row);
            self.execute(sql)
                .await
                .map_err(|e| write_error(e, reference))?;
        }
        Ok(())
    }

    /// Inserts new records of one table.
    async fn insert_records<T: Sync>(
        &mut self,
        table: &str,
        records: &[T],
        record: fn(&T) -> Record,
        row: fn(&T) -> Vec<Value>,
        reference: &str,
    ) -> Result<(), StoreError> {
        let Some(first) = records.first() else {
            return Ok(());
        };
        let columns = record_columns(&record(first));
        self.insert_rows(table, &columns, records, row, reference)
            .await
    }
}

fn customer_record(c: &Customer) -> Record {
    (
        c.id.to_string(),
        customer_fields(c),
        (c.version, c.created_at, c.updated_at),
    )
}

fn contact_record(c: &Contact) -> Record {
    (
        c.id.to_string(),
        contact_fields(c),
        (c.version, c.created_at, c.updated_at),
    )
}

fn activity_record(a: &Activity) -> Record {
    (
        a.id.to_string(),
        activity_fields(a),
        (a.version, a.created_at, a.updated_at),
    )
}

fn case_record(case: &DevelopmentCase) -> Record {
    (
        case.id.to_string(),
        case_fields(case),
        (case.version, case.created_at, case.updated_at),
    )
}

/// A new case, with its history beside it.
fn new_case_record(c: &(DevelopmentCase, Vec<CaseEvent>)) -> Record {
    case_record(&c.0)
}

fn new_case_row(c: &(DevelopmentCase, Vec<CaseEvent>)) -> Vec<Value> {
    record_values(new_case_record(c))
}

fn event_row(e: &CaseEvent) -> Vec<Value> {
    event_values(e).to_vec()
}

fn customer_row(c: &Customer) -> Vec<Value> {
    record_values(customer_record(c))
}

fn contact_row(c: &Contact) -> Vec<Value> {
    record_values(contact_record(c))
}

fn activity_row(a: &Activity) -> Vec<Value> {
    record_values(activity_record(a))
}

fn audit_row(e: &AuditEntry) -> Vec<Value> {
    audit_values(e).to_vec()
}

/// The rows of `activity_contacts` for these records.
fn contact_links(activities: &[&Activity]) -> Vec<Vec<Value>> {
    activities
        .iter()
        .flat_map(|a| {
            a.contact_ids.iter().enumerate().map(|(position, c)| {
                vec![
                    Value::from(a.id.to_string()),
                    c.to_string().into(),
                    (position as i64).into(),
                ]
            })
        })
        .collect()
}

impl Db {
    pub(crate) async fn customers_by_keys(
        &self,
        name_keys: &[String],
        credit_codes: &[String],
    ) -> Result<Vec<Customer>, StoreError> {
        let mut found = Vec::new();
        for (column, keys) in [("name_key", name_keys), ("credit_code", credit_codes)] {
            for chunk in keys.chunks(LOOKUP_CHUNK) {
                let mut sql = Sql::new(format!(
                    "SELECT {CUSTOMER_COLUMNS} FROM customers WHERE {column} IN ("
                ));
                sql.push_list(chunk.iter().map(String::as_str));
                sql.push(")");
                for row in self.fetch_all::<CustomerRow>(sql).await? {
                    found.push(Customer::try_from(row)?);
                }
            }
        }
        found.sort_by_key(|c| c.id);
        found.dedup_by_key(|c| c.id);
        Ok(found)
    }

    pub(crate) async fn contacts_of(
        &self,
        customers: &[CustomerId],
    ) -> Result<Vec<Contact>, StoreError> {
        let mut found = Vec::new();
        for chunk in customers.chunks(LOOKUP_CHUNK) {
            let mut sql = Sql::new(format!(
                "SELECT {CONTACT_COLUMNS} FROM contacts WHERE customer_id IN ("
            ));
            sql.push_list(chunk.iter().map(ToString::to_string));
            sql.push(") ORDER BY id");
            for row in self.fetch_all::<ContactRow>(sql).await? {
                found.push(Contact::try_from(row)?);
            }
        }
        Ok(found)
    }

    pub(crate) async fn activities_of(
        &self,
        customers: &[CustomerId],
    ) -> Result<Vec<Activity>, StoreError> {
        let mut found = Vec::new();
        for chunk in customers.chunks(LOOKUP_CHUNK) {
            let mut sql = Sql::new(format!(
                "SELECT {ACTIVITY_COLUMNS} FROM activities WHERE customer_id IN ("
            ));
            sql.push_list(chunk.iter().map(ToString::to_string));
            sql.push(") ORDER BY id");
            let rows = self.fetch_all::<ActivityRow>(sql).await?;
            found.extend(self.with_contacts(rows).await?);
        }
        Ok(found)
    }

    pub(crate) async fn cases_of(
        &self,
        customers: &[CustomerId],
    ) -> Result<Vec<DevelopmentCase>, StoreError> {
        let mut found = Vec::new();
        for chunk in customers.chunks(LOOKUP_CHUNK) {
            let mut sql = Sql::new(format!(
                "SELECT {CASE_COLUMNS} FROM cases WHERE customer_id IN ("
            ));
            sql.push_list(chunk.iter().map(ToString::to_string));
            sql.push(") ORDER BY id");
            let rows = self.fetch_all::<CaseRow>(sql).await?;
            found.extend(self.with_checks(rows).await?);
        }
        Ok(found)
    }

    /// Writes the batch in one transaction: any refusal rolls it all back.
    pub(crate) async fn write_import(&self, batch: &ImportBatch) -> Result<(), StoreError> {
        let mut tx = self.begin_alone().await?;
        // A page cache that holds the import's working set, so that SQLite
        // does not spill pages mid-transaction and write them again (pages
        // are allocated only as they are used). The connection keeps the
        // setting, so the writer goes back to its own cache afterwards: a
        // server that imported through the API would otherwise hold the
        // import's cache for good.
        tx.sqlite_pragma(IMPORT_CACHE_SIZE).await?;
        let written = write_batch(&mut tx, batch).await;
        let committed = match written {
            Ok(()) => tx.commit().await,
            Err(e) => {
                tx.rollback().await?;
                Err(e)
            }
        };
        // A writer left with the bigger cache holds more memory, nothing
        // worse: failing to set it back does not change the import's answer.
        let _ = self
            .sqlite_pragma(&format!("PRAGMA cache_size = {SQLITE_CACHE_SIZE}"))
            .await;
        committed
    }
}

/// The page cache of an import's transaction on SQLite: 256 MiB.
const IMPORT_CACHE_SIZE: &str = "PRAGMA cache_size = -262144";

/// Writes the batch's rows in `tx`.
async fn write_batch(tx: &mut Tx, batch: &ImportBatch) -> Result<(), StoreError> {
    tx.insert_records(
        "customers",
        &batch.new_customers,
        customer_record,
        customer_row,
        "customers.owner_id",
    )
    .await?;
    // In the customers' order (the order of their ids): on PostgreSQL the
    // customer_id index grows at its end, and the primary key at the end of
    // each gram's range, a few thousand pages the cache holds.
    tx.index_new_customers(&batch.new_customers).await?;
    for (customer, expected) in &batch.changed_customers {
        let (id, fields, _) = customer_record(customer);
        tx.update::<CustomerRow>(
            "customers",
            CUSTOMER_COLUMNS,
            id,
            fields,
            customer.updated_at,
            *expected,
            "customers.owner_id",
        )
        .await?;
        tx.reindex_customer(customer).await?;
    }
    tx.insert_records(
        "contacts",
        &batch.new_contacts,
        contact_record,
        contact_row,
        "contacts.customer_id",
    )
    .await?;
    for (contact, expected) in &batch.changed_contacts {
        let (id, fields, _) = contact_record(contact);
        tx.update::<ContactRow>(
            "contacts",
            CONTACT_COLUMNS,
            id,
            fields,
            contact.updated_at,
            *expected,
            "contacts.customer_id",
        )
        .await?;
    }
    tx.insert_records(
        "activities",
        &batch.new_activities,
        activity_record,
        activity_row,
        "activities.reference",
    )
    .await?;
    for (activity, expected) in &batch.changed_activities {
        let (id, fields, _) = activity_record(activity);
        tx.update::<ActivityRow>(
            "activities",
            ACTIVITY_COLUMNS,
            id.clone(),
            fields,
            activity.updated_at,
            *expected,
            "activities.reference",
        )
        .await?;
        let sql = Sql::new("DELETE FROM activity_contacts WHERE activity_id = $1").arg(id);
        tx.execute(sql).await.map_err(backend)?;
    }
    let linked: Vec<&Activity> = batch
        .new_activities
        .iter()
        .chain(batch.changed_activities.iter().map(|(a, _)| a))
        .collect();
    tx.insert_rows(
        "activity_contacts",
        "activity_id, contact_id, position",
        &contact_links(&linked),
        Vec::clone,
        "activity_contacts.contact_id",
    )
    .await?;
    tx.insert_records(
        "cases",
        &batch.new_cases,
        new_case_record,
        new_case_row,
        "cases.reference",
    )
    .await?;
    let events: Vec<CaseEvent> = batch
        .new_cases
        .iter()
        .flat_map(|(_, events)| events.iter().cloned())
        .collect();
    tx.insert_rows(
        "case_events",
        EVENT_COLUMNS,
        &events,
        event_row,
        "case_events.case_id",
    )
    .await?;
    let mut funnel = FunnelDelta::default();
    for (case, history) in &batch.new_cases {
        funnel.add(&FunnelEntry::of(case, history));
    }
    let changed: Vec<String> = batch
        .changed_cases
        .iter()
        .map(|(case, _)| case.id.to_string())
        .collect();
    let mut histories: HashMap<_, _> = tx
        .remove_stored_entries(&mut funnel, "id", &changed)
        .await?
        .into_iter()
        .map(|(case, history)| (case.id, history))
        .collect();
    for (case, _) in &batch.changed_cases {
        let history = histories.remove(&case.id).unwrap_or_default();
        funnel.add(&FunnelEntry::of(case, &history));
    }
    tx.write_funnel(&funnel).await?;
    for (case, expected) in &batch.changed_cases {
        let (id, fields, _) = case_record(case);
        tx.update::<CaseRow>(
            "cases",
            CASE_COLUMNS,
            id,
            fields,
            case.updated_at,
            *expected,
            "cases.reference",
        )
        .await?;
    }
    tx.insert_rows(
        "audit_log",
        AUDIT_COLUMNS,
        &batch.audit,
        audit_row,
        "audit_log.id",
    )
    .await
}

//! The funnel report's totals (`funnel_groups`, `funnel_stays`): kept in the
//! transaction of every write that changes a case, by the delta between the
//! cases' funnel entries before and after (`core::process::funnel`), and
//! added up per report.

use std::collections::HashMap;

use tuoke_app::ports::{FunnelFilter, StoreError};
use tuoke_core::process::funnel::{
    FunnelDelta, FunnelEntry, FunnelGroup, FunnelTotals, GroupSum, Stay,
};
use tuoke_core::process::{CaseEvent, DevelopmentCase};

use crate::db::{Db, Tx, backend};
use crate::import::MAX_BINDS;
use crate::records::{CASE_COLUMNS, CaseRow, EVENT_COLUMNS, EventRow};
use crate::sql::{Sql, Value, row};
use crate::store::push_visibility;

/// Cases read per statement when the totals are rebuilt.
const REBUILD_PAGE: i64 = 5_000;

/// A `WHERE` on the cases whose `column` is one of `keys`, and the
/// histories of the same cases, oldest line first.
fn cases_where(column: &str, keys: &[String]) -> (Sql, Sql) {
    let mut cases = Sql::new(format!(
        "SELECT {CASE_COLUMNS} FROM cases WHERE {column} IN ("
    ));
    cases.push_list(keys.iter().map(String::as_str));
    cases.push(")");
    let mut events = Sql::new(format!(
        "SELECT {EVENT_COLUMNS} FROM case_events WHERE case_id IN \
         (SELECT id FROM cases WHERE {column} IN ("
    ));
    events.push_list(keys.iter().map(String::as_str));
    events.push(")) ORDER BY case_id, at, id");
    (cases, events)
}

/// Cases read with their histories (in case, then time order), each with
/// its own. Without checked items.
fn with_histories(
    rows: Vec<CaseRow>,
    events: Vec<EventRow>,
) -> Result<Vec<(DevelopmentCase, Vec<CaseEvent>)>, StoreError> {
    let mut histories: HashMap<String, Vec<CaseEvent>> = HashMap::new();
    for row in events {
        histories
            .entry(row.case_id.clone())
            .or_default()
            .push(row.try_into()?);
    }
    rows.into_iter()
        .map(|row| {
            let history = histories.remove(&row.id).unwrap_or_default();
            Ok((DevelopmentCase::try_from(row)?, history))
        })
        .collect()
}

impl Tx {
    /// The stored cases whose `column` is one of `keys`, with their history
    /// (oldest first), as this transaction sees them. Without checked items.
    pub(crate) async fn cases_with_history(
        &mut self,
        column: &str,
        keys: &[String],
    ) -> Result<Vec<(DevelopmentCase, Vec<CaseEvent>)>, StoreError> {
        let mut out = Vec::new();
        for chunk in keys.chunks(500) {
            let (cases, events) = cases_where(column, chunk);
            let rows = self.fetch_all(cases).await.map_err(backend)?;
            let events = self.fetch_all(events).await.map_err(backend)?;
            out.extend(with_histories(rows, events)?);
        }
        Ok(out)
    }

    /// Takes the entries of the stored cases whose `column` is one of
    /// `keys` away from `delta`: what the write about to change or delete
    /// them removes from the totals.
    pub(crate) async fn remove_stored_entries(
        &mut self,
        delta: &mut FunnelDelta,
        column: &str,
        keys: &[String],
    ) -> Result<Vec<(DevelopmentCase, Vec<CaseEvent>)>, StoreError> {
        let cases = self.cases_with_history(column, keys).await?;
        for (case, history) in &cases {
            delta.remove(&FunnelEntry::of(case, history));
        }
        Ok(cases)
    }

    /// Adds a delta to the stored totals, dropping the sums that come to
    /// nothing.
    pub(crate) async fn write_funnel(&mut self, delta: &FunnelDelta) -> Result<(), StoreError> {
        for (partition, change) in delta.partitions() {
            let key = [
                Value::from(partition.template_key.as_str()),
                partition.owner_id.to_string().into(),
                partition.day.to_string().into(),
            ];
            let groups: Vec<Vec<Value>> = change
                .groups()
                .map(|(group, sum)| {
                    let mut row = key.to_vec();
                    row.extend([
                        Value::from(group.reached_text()),
                        group.stage.as_str().into(),
                        group.status.code().into(),
                        sum.cases.into(),
                        sum.amount_fen.into(),
                    ]);
                    row
                })
                .collect();
            self.upsert(
                "funnel_groups",
                "template_key, owner_id, day, reached, stage, status",
                &["cases", "amount_fen"],
                &groups,
            )
            .await?;
            let stays: Vec<Vec<Value>> = change
                .stays()
                .map(|(stay, count)| {
                    let mut row = key.to_vec();
                    row.extend([
                        Value::from(stay.stage.as_str()),
                        stay.centidays.into(),
                        count.into(),
                    ]);
                    row
                })
                .collect();
            self.upsert(
                "funnel_stays",
                "template_key, owner_id, day, stage, centidays",
                &["stays"],
                &stays,
            )
            .await?;
            for (table, count) in [("funnel_groups", "cases"), ("funnel_stays", "stays")] {
                let sql = Sql::new(format!(
                    "DELETE FROM {table} WHERE template_key = $1 AND owner_id = $2 \
                     AND day = $3 AND {count} = 0"
                ))
                .arg(key[0].clone())
                .arg(key[1].clone())
                .arg(key[2].clone());
                self.execute(sql).await.map_err(backend)?;
            }
        }
        Ok(())
    }

    /// Adds rows of (key columns…, sums…) to `table`, summing into the rows
    /// that have the key.
    async fn upsert(
        &mut self,
        table: &str,
        key: &str,
        sums: &[&str],
        rows: &[Vec<Value>],
    ) -> Result<(), StoreError> {
        let Some(first) = rows.first() else {
            return Ok(());
        };
        let set: Vec<String> = sums
            .iter()
            .map(|c| format!("{c} = {table}.{c} + excluded.{c}"))
            .collect();
        for chunk in rows.chunks(MAX_BINDS / first.len()) {
            let mut sql = Sql::new(format!(
                "INSERT INTO {table} ({key}, {}) VALUES ",
                sums.join(", ")
            ));
            for (i, row) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.push("(");
                sql.push_list(row.iter().cloned());
                sql.push(")");
            }
            sql.push(&format!(
                " ON CONFLICT ({key}) DO UPDATE SET {}",
                set.join(", ")
            ));
            self.execute(sql).await.map_err(backend)?;
        }
        Ok(())
    }
}

row! {
    struct GroupRow {
        reached: String,
        stage: String,
        status: String,
        cases: i64,
        amount_fen: i64,
    }
}

row! {
    struct StayRow {
        stage: String,
        centidays: i64,
        stays: i64,
    }
}

/// The conditions of a funnel filter on the totals' partitions, after
/// `WHERE template_key = ?`.
fn push_funnel_filter(sql: &mut Sql, filter: &FunnelFilter) {
    push_visibility(sql, "owner_id", &filter.visible);
    if let Some(owner) = filter.owner_id {
        sql.push(" AND owner_id = ").push_bind(owner.to_string());
    }
    if let Some(owners) = &filter.owners_in {
        push_visibility(
            sql,
            "owner_id",
            &tuoke_app::ports::Visibility::Owners(owners.clone()),
        );
    }
    if let Some(from) = filter.days.0 {
        sql.push(" AND day >= ").push_bind(from.to_string());
    }
    if let Some(to) = filter.days.1 {
        sql.push(" AND day < ").push_bind(to.to_string());
    }
}

impl Db {
    /// The totals of the partitions a filter selects, added up.
    pub(crate) async fn sum_funnel_totals(
        &self,
        filter: &FunnelFilter,
    ) -> Result<FunnelTotals, StoreError> {
        let mut totals = FunnelTotals::default();
        let mut sql = Sql::new(
            "SELECT reached, stage, status, CAST(SUM(cases) AS BIGINT) AS cases, \
             CAST(SUM(amount_fen) AS BIGINT) AS amount_fen \
             FROM funnel_groups WHERE template_key = ",
        );
        sql.push_bind(filter.template_key.as_str());
        push_funnel_filter(&mut sql, filter);
        sql.push(" GROUP BY reached, stage, status");
        for row in self.fetch_all::<GroupRow>(sql).await? {
            let group = FunnelGroup {
                reached: FunnelGroup::reached_from_text(&row.reached),
                stage: row.stage,
                status: row.status.parse().map_err(|_| {
                    StoreError::Corrupt(format!("funnel_groups.status: {}", row.status))
                })?,
            };
            totals.add_group(
                group,
                GroupSum {
                    cases: row.cases,
                    amount_fen: row.amount_fen,
                },
            );
        }
        let mut sql = Sql::new(
            "SELECT stage, centidays, CAST(SUM(stays) AS BIGINT) AS stays \
             FROM funnel_stays WHERE template_key = ",
        );
        sql.push_bind(filter.template_key.as_str());
        push_funnel_filter(&mut sql, filter);
        sql.push(" GROUP BY stage, centidays");
        for row in self.fetch_all::<StayRow>(sql).await? {
            totals.add_stays(
                Stay {
                    stage: row.stage,
                    centidays: row.centidays,
                },
                row.stays,
            );
        }
        Ok(totals)
    }

    /// Fills the totals in again from every case when they do not count
    /// each case once (a database whose cases predate them): run by
    /// `migrate`, one page of cases at a time.
    pub(crate) async fn rebuild_funnel_if_stale(&self) -> Result<(), StoreError> {
        let sql = Sql::new(
            "SELECT (SELECT COUNT(*) FROM cases), \
             (SELECT CAST(COALESCE(SUM(cases), 0) AS BIGINT) FROM funnel_groups)",
        );
        let counts = self.fetch_optional::<(i64, i64)>(sql).await?;
        if counts.is_none_or(|(cases, counted)| cases == counted) {
            return Ok(());
        }
        let mut delta = FunnelDelta::default();
        let mut after = String::new();
        loop {
            let sql = Sql::new(format!(
                "SELECT {CASE_COLUMNS} FROM cases WHERE id > $1 ORDER BY id LIMIT {REBUILD_PAGE}"
            ))
            .arg(after.as_str());
            let rows = self.fetch_all::<CaseRow>(sql).await?;
            let Some(last) = rows.last() else { break };
            after = last.id.clone();
            let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
            let (_, events) = cases_where("id", &ids);
            for (case, history) in with_histories(rows, self.fetch_all(events).await?)? {
                delta.add(&FunnelEntry::of(&case, &history));
            }
        }
        let mut tx = self.begin().await?;
        for table in ["funnel_groups", "funnel_stays"] {
            tx.execute(Sql::new(format!("DELETE FROM {table}")))
                .await
                .map_err(backend)?;
        }
        tx.write_funnel(&delta).await?;
        tx.commit().await
    }
}

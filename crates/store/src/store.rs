//! The [`Store`] port: every statement, written once for both backends.

use std::collections::{BTreeSet, HashMap};

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use tuoke_app::ports::{
    ActivityFilter, ActivitySort, ApprovalFilter, AuditFilter, CaseFilter, CaseSort, CaseWrite,
    CreditChangeFilter, CustomerFilter, CustomerSort, FilledForm, FormFilter, FunnelFilter,
    ImportBatch, Notification, Page, PageRequest, Store, StoreError, StoredResponse,
    StoredTemplate, Visibility,
};
use tuoke_core::calendar::CalendarDay;
use tuoke_core::credit::{CreditChange, CreditChangeStatus, CreditProfile};
use tuoke_core::finance::FinancialPeriod;
use tuoke_core::process::funnel::{FunnelDelta, FunnelEntry, FunnelTotals};
use tuoke_core::process::{CaseEvent, CaseStatus, DevelopmentCase};
use tuoke_core::{
    Activity, ActivityId, Approval, ApprovalId, AuditEntry, CaseId, Contact, ContactId, CreditCode,
    Customer, CustomerId, Team, TeamId, User, UserId, Username,
};

use crate::cursor::{Key, Order, SortKey, paginate};
use crate::db::{Db, Tx, backend, micros, write_error};
use crate::records::{
    ACTIVITY_COLUMNS, APPROVAL_COLUMNS, AUDIT_COLUMNS, ActivityRow, ApprovalRow, AuditRow,
    CASE_COLUMNS, CONTACT_COLUMNS, CREDIT_CHANGE_COLUMNS, CREDIT_PROFILE_COLUMNS, CUSTOMER_COLUMNS,
    CalendarDayRow, CaseRow, ContactRow, CredentialsRow, CreditChangeRow, CreditProfileRow,
    CustomerRow, EVENT_COLUMNS, EventRow, FINANCIAL_PERIOD_COLUMNS, FORM_COLUMNS, Fields,
    FinancialPeriodRow, FormRow, NOTIFICATION_COLUMNS, NotificationRow, ResponseRow, TEAM_COLUMNS,
    TEMPLATE_COLUMNS, TeamRow, TemplateRow, USER_COLUMNS, UserRow, activity_fields,
    approval_fields, audit_values, case_fields, contact_fields, credit_change_fields,
    credit_profile_fields, customer_fields, event_values, financial_period_values, form_values,
    notification_values, parse, team_fields, template_values, user_fields,
};
use crate::sql::{Row, Sql, Value};
use uuid::Uuid;

/// Stands for "a foreign key of the activity row" until
/// [`Db::missing_activity_reference`] finds which: SQLite does not say.
const ACTIVITY_REFERENCE: &str = "activities.reference";

/// Activities without a follow-up date sort after every date.
const FOLLOW_UP_KEY: &str = "COALESCE(next_follow_up, '~')";
const NO_FOLLOW_UP: &str = "~";

/// Stands for "a foreign key of the case row" until
/// [`Db::missing_case_reference`] finds which: SQLite does not say.
const CASE_REFERENCE: &str = "cases.reference";

/// Cases without a stage deadline sort after every deadline: no stored
/// instant reaches `i64::MAX` microseconds (chrono's latest date is below it).
const DUE_KEY: &str = "COALESCE(stage_due_at, 9223372036854775807)";
const NO_DUE: i64 = i64::MAX;

/// The names of the (key, version) rules; SQLite reports them by their columns.
const TEMPLATE_VERSION: &str = "process_templates.version";
const FORM_TEMPLATE_VERSION: &str = "form_templates.version";

/// The name of the (customer, start, end) rule of financial periods.
const FINANCIAL_PERIOD: &str = "financial_periods.period";

/// Stands for "a foreign key of the form row" until
/// [`Db::missing_form_reference`] finds which: SQLite does not say.
const FORM_REFERENCE: &str = "forms.reference";

impl Tx {
    async fn insert(
        &mut self,
        table: &str,
        id: String,
        fields: Fields,
        stamps: (i64, DateTime<Utc>, DateTime<Utc>),
        reference: &str,
    ) -> Result<(), StoreError> {
        let (version, created_at, updated_at) = stamps;
        let (columns, values): (Vec<_>, Vec<_>) = fields.into_iter().unzip();
        let mut sql = Sql::new(format!(
            "INSERT INTO {table} (id, {}, version, created_at, updated_at) VALUES (",
            columns.join(", ")
        ));
        sql.push_bind(id).push(", ");
        sql.push_list(values);
        sql.push(", ").push_list([
            Value::from(version),
            micros(created_at).into(),
            micros(updated_at).into(),
        ]);
        sql.push(")");
        self.execute(sql)
            .await
            .map_err(|e| write_error(e, reference))?;
        Ok(())
    }

    /// Writes `fields` if the record is at `expected`, and returns the
    /// stored row (at `expected + 1`).
    #[expect(
        clippy::too_many_arguments,
        reason = "the one generic update of every record table"
    )]
    pub(crate) async fn update<R: Row>(
        &mut self,
        table: &str,
        columns: &str,
        id: String,
        fields: Fields,
        updated_at: DateTime<Utc>,
        expected: i64,
        reference: &str,
    ) -> Result<R, StoreError> {
        let mut sql = Sql::new(format!("UPDATE {table} SET "));
        for (column, value) in fields {
            sql.push(column).push(" = ").push_bind(value).push(", ");
        }
        sql.push("updated_at = ").push_bind(micros(updated_at));
        sql.push(", version = version + 1 WHERE id = ")
            .push_bind(id.clone());
        sql.push(" AND version = ").push_bind(expected);
        sql.push(" RETURNING ").push(columns);
        match self.fetch_optional(sql).await {
            Ok(Some(row)) => Ok(row),
            Ok(None) => Err(self.stale(table, id).await),
            Err(e) => Err(write_error(e, reference)),
        }
    }

    async fn delete(
        &mut self,
        table: &str,
        id: String,
        expected: i64,
        reference: &str,
    ) -> Result<(), StoreError> {
        let sql = Sql::new(format!(
            "DELETE FROM {table} WHERE id = $1 AND version = $2"
        ))
        .arg(id.clone())
        .arg(expected);
        match self.execute(sql).await {
            Ok(0) => Err(self.stale(table, id).await),
            Ok(_) => Ok(()),
            Err(e) => Err(write_error(e, reference)),
        }
    }

    /// Why a versioned write touched no row: the record is gone, or at
    /// another version.
    async fn stale(&mut self, table: &str, id: String) -> StoreError {
        self.stale_by(table, "id", id).await
    }

    /// [`Tx::stale`] for a table keyed by another column.
    async fn stale_by(&mut self, table: &str, key: &str, id: String) -> StoreError {
        let sql = Sql::new(format!("SELECT version FROM {table} WHERE {key} = $1")).arg(id);
        match self.fetch_optional::<(i64,)>(sql).await {
            Ok(Some((current,))) => StoreError::VersionConflict { current },
            Ok(None) => StoreError::NotFound,
            Err(e) => backend(e),
        }
    }

    async fn audit(&mut self, entry: &AuditEntry) -> Result<(), StoreError> {
        let mut sql = Sql::new(format!("INSERT INTO audit_log ({AUDIT_COLUMNS}) VALUES ("));
        sql.push_list(audit_values(entry));
        sql.push(")");
        self.execute(sql).await.map_err(backend)?;
        Ok(())
    }

    /// Stores the contacts of an activity in their order.
    async fn link_contacts(&mut self, activity: &Activity) -> Result<(), StoreError> {
        if activity.contact_ids.is_empty() {
            return Ok(());
        }
        let mut sql =
            Sql::new("INSERT INTO activity_contacts (activity_id, contact_id, position) VALUES ");
        for (position, contact) in activity.contact_ids.iter().enumerate() {
            if position > 0 {
                sql.push(", ");
            }
            sql.push("(").push_list([
                Value::from(activity.id.to_string()),
                contact.to_string().into(),
                (position as i64).into(),
            ]);
            sql.push(")");
        }
        self.execute(sql)
            .await
            .map_err(|e| write_error(e, "activity_contacts.contact_id"))?;
        Ok(())
    }

    /// Appends history lines.
    async fn insert_events(&mut self, events: &[CaseEvent]) -> Result<(), StoreError> {
        if events.is_empty() {
            return Ok(());
        }
        let mut sql = Sql::new(format!("INSERT INTO case_events ({EVENT_COLUMNS}) VALUES "));
        for (i, event) in events.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.push("(").push_list(event_values(event));
            sql.push(")");
        }
        self.execute(sql)
            .await
            .map_err(|e| write_error(e, "case_events.case_id"))?;
        Ok(())
    }

    /// Stores the checked items of a case, replacing those it had.
    async fn set_checks(
        &mut self,
        case: &DevelopmentCase,
        replace: bool,
    ) -> Result<(), StoreError> {
        let id = case.id.to_string();
        if replace {
            let sql = Sql::new("DELETE FROM case_checks WHERE case_id = $1").arg(id.clone());
            self.execute(sql).await.map_err(backend)?;
        }
        if case.checked.is_empty() {
            return Ok(());
        }
        let mut sql = Sql::new("INSERT INTO case_checks (case_id, item) VALUES ");
        for (i, item) in case.checked.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.push("(")
                .push_list([Value::from(id.as_str()), item.as_str().into()]);
            sql.push(")");
        }
        self.execute(sql)
            .await
            .map_err(|e| write_error(e, "case_checks.case_id"))?;
        Ok(())
    }

    /// Writes a case at its expected version, its checked items and its new
    /// history lines; returns the case as stored.
    async fn write_case(&mut self, write: CaseWrite<'_>) -> Result<DevelopmentCase, StoreError> {
        let case = write.case;
        let mut funnel = FunnelDelta::default();
        let before = self
            .remove_stored_entries(&mut funnel, "id", &[case.id.to_string()])
            .await?;
        let row: CaseRow = self
            .update(
                "cases",
                CASE_COLUMNS,
                case.id.to_string(),
                case_fields(case),
                case.updated_at,
                write.expected_version,
                CASE_REFERENCE,
            )
            .await?;
        self.set_checks(case, true).await?;
        self.insert_events(write.events).await?;
        let mut history = before
            .into_iter()
            .next()
            .map(|(_, h)| h)
            .unwrap_or_default();
        history.extend_from_slice(write.events);
        funnel.add(&FunnelEntry::of(case, &history));
        self.write_funnel(&funnel).await?;
        Ok(DevelopmentCase {
            checked: case.checked.clone(),
            ..DevelopmentCase::try_from(row)?
        })
    }
}

impl Db {
    async fn get<R: Row, T: TryFrom<R, Error = StoreError>>(
        &self,
        table: &str,
        columns: &str,
        id: String,
    ) -> Result<T, StoreError> {
        let sql = Sql::new(format!("SELECT {columns} FROM {table} WHERE id = $1")).arg(id);
        self.fetch_optional::<R>(sql)
            .await?
            .ok_or(StoreError::NotFound)?
            .try_into()
    }

    /// Inserts a record and its audit entry in one transaction.
    async fn insert_record(
        &self,
        table: &str,
        id: String,
        fields: Fields,
        stamps: (i64, DateTime<Utc>, DateTime<Utc>),
        reference: &str,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        tx.insert(table, id, fields, stamps, reference).await?;
        tx.audit(audit).await?;
        tx.commit().await
    }

    /// Updates a record at `expected` and appends its audit entry, in one
    /// transaction.
    #[expect(
        clippy::too_many_arguments,
        reason = "the one generic update of every record table"
    )]
    async fn update_record<R: Row, T: TryFrom<R, Error = StoreError>>(
        &self,
        table: &str,
        columns: &str,
        id: String,
        fields: Fields,
        updated_at: DateTime<Utc>,
        expected: i64,
        reference: &str,
        audit: &AuditEntry,
    ) -> Result<T, StoreError> {
        let mut tx = self.begin().await?;
        let row: R = tx
            .update(table, columns, id, fields, updated_at, expected, reference)
            .await?;
        tx.audit(audit).await?;
        tx.commit().await?;
        row.try_into()
    }

    async fn delete_record(
        &self,
        table: &str,
        id: String,
        expected: i64,
        reference: &str,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        tx.delete(table, id, expected, reference).await?;
        tx.audit(audit).await?;
        tx.commit().await
    }

    /// Names the missing reference of a refused activity write: the
    /// customer if it is gone, else the owner (the only other key of the row).
    async fn missing_activity_reference(&self, activity: &Activity) -> StoreError {
        let sql = Sql::new("SELECT id FROM customers WHERE id = $1")
            .arg(activity.customer_id.to_string());
        let what = match self.fetch_optional::<(String,)>(sql).await {
            Ok(None) => "activities.customer_id",
            Ok(Some(_)) => "activities.owner_id",
            Err(e) => return e,
        };
        StoreError::Conflict { what: what.into() }
    }

    /// Writes an activity (insert or update) with its contact list.
    async fn write_activity(
        &self,
        activity: &Activity,
        expected: Option<i64>,
        audit: &AuditEntry,
    ) -> Result<Activity, StoreError> {
        let mut tx = self.begin().await?;
        let id = activity.id.to_string();
        let fields = activity_fields(activity);
        let written = match expected {
            None => {
                let stamps = (activity.version, activity.created_at, activity.updated_at);
                tx.insert("activities", id.clone(), fields, stamps, ACTIVITY_REFERENCE)
                    .await
                    .map(|()| None)
            }
            Some(expected) => tx
                .update::<ActivityRow>(
                    "activities",
                    ACTIVITY_COLUMNS,
                    id.clone(),
                    fields,
                    activity.updated_at,
                    expected,
                    ACTIVITY_REFERENCE,
                )
                .await
                .map(Some),
        };
        let row = match written {
            Err(StoreError::Conflict { what }) if what == ACTIVITY_REFERENCE => {
                // Release the connection first: SQLite in memory has only one.
                drop(tx);
                return Err(self.missing_activity_reference(activity).await);
            }
            other => other?,
        };
        if expected.is_some() {
            let sql = Sql::new("DELETE FROM activity_contacts WHERE activity_id = $1").arg(id);
            tx.execute(sql).await.map_err(backend)?;
        }
        tx.link_contacts(activity).await?;
        tx.audit(audit).await?;
        tx.commit().await?;
        match row {
            Some(row) => Ok(Activity {
                contact_ids: activity.contact_ids.clone(),
                ..Activity::try_from(row)?
            }),
            None => Ok(activity.clone()),
        }
    }

    /// Completes activity rows with their contacts, in order.
    pub(crate) async fn with_contacts(
        &self,
        rows: Vec<ActivityRow>,
    ) -> Result<Vec<Activity>, StoreError> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new(
            "SELECT activity_id, contact_id FROM activity_contacts WHERE activity_id IN (",
        );
        sql.push_list(rows.iter().map(|r| r.id.clone()));
        sql.push(") ORDER BY activity_id, position");
        let mut contacts: HashMap<String, Vec<ContactId>> = HashMap::new();
        for (activity, contact) in self.fetch_all::<(String, String)>(sql).await? {
            let contact = parse("activity_contacts.contact_id", &contact)?;
            contacts.entry(activity).or_default().push(contact);
        }
        rows.into_iter()
            .map(|row| {
                let contact_ids = contacts.remove(&row.id).unwrap_or_default();
                Ok(Activity {
                    contact_ids,
                    ..Activity::try_from(row)?
                })
            })
            .collect()
    }
}

/// Cases, their checked items and their history.
impl Db {
    /// Names the missing reference of a refused case write: the customer if
    /// it is gone, else the owner (the only other key of the row). Other
    /// errors are returned as they are.
    async fn missing_case_reference(
        &self,
        error: StoreError,
        case: &DevelopmentCase,
    ) -> StoreError {
        if !matches!(&error, StoreError::Conflict { what } if what == CASE_REFERENCE) {
            return error;
        }
        let sql =
            Sql::new("SELECT id FROM customers WHERE id = $1").arg(case.customer_id.to_string());
        let what = match self.fetch_optional::<(String,)>(sql).await {
            Ok(None) => "cases.customer_id",
            Ok(Some(_)) => "cases.owner_id",
            Err(e) => return e,
        };
        StoreError::Conflict { what: what.into() }
    }

    /// The checked items of the cases `ids` selects (a subquery or a list),
    /// by case id.
    async fn checks(&self, sql: Sql) -> Result<HashMap<String, BTreeSet<String>>, StoreError> {
        let mut checks: HashMap<String, BTreeSet<String>> = HashMap::new();
        for (case, item) in self.fetch_all::<(String, String)>(sql).await? {
            checks.entry(case).or_default().insert(item);
        }
        Ok(checks)
    }

    /// Completes case rows with their checked items.
    pub(crate) async fn with_checks(
        &self,
        rows: Vec<CaseRow>,
    ) -> Result<Vec<DevelopmentCase>, StoreError> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new("SELECT case_id, item FROM case_checks WHERE case_id IN (");
        sql.push_list(rows.iter().map(|r| r.id.clone()));
        sql.push(")");
        let checks = self.checks(sql).await?;
        complete(rows, checks)
    }
}

/// Versioned templates (process and form templates share a shape).
impl Db {
    /// Inserts a version of a template; `rule` names its (key, version) rule.
    async fn insert_template(
        &self,
        table: &str,
        rule: &str,
        template: &StoredTemplate,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let mut sql = Sql::new(format!("INSERT INTO {table} ({TEMPLATE_COLUMNS}) VALUES ("));
        sql.push_list(template_values(template));
        sql.push(")");
        match tx.execute(sql).await.map_err(|e| write_error(e, "unique")) {
            // SQLite names the rule by its columns, `key, version`.
            Err(StoreError::Conflict { what }) if what.starts_with(&format!("{table}.")) => {
                return Err(StoreError::Conflict { what: rule.into() });
            }
            other => other?,
        };
        tx.audit(audit).await?;
        tx.commit().await
    }

    /// A version of a template, or its newest version.
    async fn find_template(
        &self,
        table: &str,
        key: &str,
        version: Option<i64>,
    ) -> Result<Option<StoredTemplate>, StoreError> {
        let mut sql = Sql::new(format!(
            "SELECT {TEMPLATE_COLUMNS} FROM {table} WHERE key = $1"
        ))
        .arg(key);
        if let Some(version) = version {
            sql.push(" AND version = ").push_bind(version);
        }
        sql.push(" ORDER BY version DESC LIMIT 1");
        self.fetch_optional::<TemplateRow>(sql)
            .await?
            .map(StoredTemplate::try_from)
            .transpose()
    }

    /// The newest version of every template, by key.
    async fn list_templates(&self, table: &str) -> Result<Vec<StoredTemplate>, StoreError> {
        let sql = Sql::new(format!(
            "SELECT {TEMPLATE_COLUMNS} FROM {table} t WHERE version = \
             (SELECT MAX(version) FROM {table} n WHERE n.key = t.key) ORDER BY key"
        ));
        self.fetch_all::<TemplateRow>(sql)
            .await?
            .into_iter()
            .map(StoredTemplate::try_from)
            .collect()
    }
}

/// Forms, credit and financial periods.
impl Db {
    /// Names the missing reference of a refused form: the customer if it is
    /// gone, else the case (the only other key of the row). Other errors are
    /// returned as they are.
    async fn missing_form_reference(&self, error: StoreError, form: &FilledForm) -> StoreError {
        if !matches!(&error, StoreError::Conflict { what } if what == FORM_REFERENCE) {
            return error;
        }
        let sql =
            Sql::new("SELECT id FROM customers WHERE id = $1").arg(form.customer_id.to_string());
        let what = match self.fetch_optional::<(String,)>(sql).await {
            Ok(None) => "forms.customer_id",
            Ok(Some(_)) => "forms.case_id",
            Err(e) => return e,
        };
        StoreError::Conflict { what: what.into() }
    }
}

impl Tx {
    /// Inserts (`expected` 0) or updates (at `expected`) a credit profile;
    /// returns it as stored, at `expected + 1`.
    async fn save_profile(
        &mut self,
        profile: &CreditProfile,
        expected: i64,
    ) -> Result<CreditProfile, StoreError> {
        let id = profile.customer_id.to_string();
        let fields = credit_profile_fields(profile);
        let mut sql;
        if expected == 0 {
            // An existing profile is a version conflict, not an error that
            // would end the transaction on PostgreSQL.
            let (columns, values): (Vec<_>, Vec<_>) = fields.into_iter().unzip();
            sql = Sql::new(format!(
                "INSERT INTO credit_profiles (customer_id, {}, version, updated_at) VALUES (",
                columns.join(", ")
            ));
            sql.push_bind(id.clone()).push(", ");
            sql.push_list(values);
            sql.push(", ")
                .push_list([Value::from(1), micros(profile.updated_at).into()]);
            sql.push(") ON CONFLICT (customer_id) DO NOTHING");
        } else {
            sql = Sql::new("UPDATE credit_profiles SET ");
            for (column, value) in fields {
                sql.push(column).push(" = ").push_bind(value).push(", ");
            }
            sql.push("updated_at = ")
                .push_bind(micros(profile.updated_at));
            sql.push(", version = version + 1 WHERE customer_id = ")
                .push_bind(id.clone());
            sql.push(" AND version = ").push_bind(expected);
        }
        sql.push(" RETURNING ").push(CREDIT_PROFILE_COLUMNS);
        match self.fetch_optional::<CreditProfileRow>(sql).await {
            Ok(Some(row)) => row.try_into(),
            Ok(None) => Err(self.stale_by("credit_profiles", "customer_id", id).await),
            Err(e) => Err(write_error(e, "credit_profiles.customer_id")),
        }
    }
}

/// The conditions of a credit change filter, after `WHERE 1 = 1`.
fn push_credit_change_filter(sql: &mut Sql, filter: &CreditChangeFilter) {
    if let Some(visible) = filter.visible.as_ref().filter(|v| **v != Visibility::All) {
        // Visibility follows the owner of the customer.
        sql.push(" AND customer_id IN (SELECT id FROM customers WHERE 1 = 1");
        push_visibility(sql, "owner_id", visible);
        sql.push(")");
    }
    push_eq(sql, "customer_id", filter.customer_id);
    push_eq(sql, "status", filter.status);
    push_eq(sql, "verifier_id", filter.verifier_id);
    if let Some(at) = filter.overdue_at {
        sql.push(" AND ((status = ")
            .push_bind(CreditChangeStatus::Draft.code());
        sql.push(" AND submit_due_at < ").push_bind(micros(at));
        sql.push(") OR (status = ")
            .push_bind(CreditChangeStatus::Submitted.code());
        sql.push(" AND verify_due_at < ").push_bind(micros(at));
        sql.push("))");
    }
}

/// Case rows with their checked items.
fn complete(
    rows: Vec<CaseRow>,
    mut checks: HashMap<String, BTreeSet<String>>,
) -> Result<Vec<DevelopmentCase>, StoreError> {
    rows.into_iter()
        .map(|row| {
            let checked = checks.remove(&row.id).unwrap_or_default();
            Ok(DevelopmentCase {
                checked,
                ..DevelopmentCase::try_from(row)?
            })
        })
        .collect()
}

/// The conditions of a case filter, after `WHERE 1 = 1`.
fn push_case_filter(sql: &mut Sql, filter: &CaseFilter) {
    push_visibility(sql, "owner_id", &filter.visible);
    push_eq(sql, "template_key", filter.template_key.as_ref());
    push_eq(sql, "stage", filter.stage.as_ref());
    push_eq(sql, "owner_id", filter.owner_id);
    if let Some(owners) = &filter.owners_in {
        push_visibility(sql, "owner_id", &Visibility::Owners(owners.clone()));
    }
    push_eq(sql, "customer_id", filter.customer_id);
    push_eq(sql, "status", filter.status);
    if let Some(min) = filter.amount_min_fen {
        sql.push(" AND expected_amount_fen >= ").push_bind(min);
    }
    if let Some(max) = filter.amount_max_fen {
        sql.push(" AND expected_amount_fen <= ").push_bind(max);
    }
    if let Some(due_by) = filter.due_by {
        sql.push(" AND status = ")
            .push_bind(CaseStatus::Open.code());
        sql.push(" AND stage_due_at <= ").push_bind(micros(due_by));
    }
    if let Some(from) = filter.created_from {
        sql.push(" AND created_at >= ").push_bind(micros(from));
    }
    if let Some(to) = filter.created_to {
        sql.push(" AND created_at < ").push_bind(micros(to));
    }
}

/// The order of a case list.
fn case_order(sort: CaseSort) -> Order {
    match sort {
        CaseSort::Newest => Order {
            key: SortKey::IdOnly,
            id: "id",
            desc: true,
        },
        CaseSort::Due => Order {
            key: SortKey::Int(DUE_KEY),
            id: "id",
            desc: false,
        },
    }
}

fn convert<R, T: TryFrom<R, Error = StoreError>>(
    (rows, next_cursor): (Vec<R>, Option<String>),
) -> Result<Page<T>, StoreError> {
    Ok(Page {
        items: rows
            .into_iter()
            .map(T::try_from)
            .collect::<Result<_, _>>()?,
        next_cursor,
    })
}

/// `AND owner IN (...)` for a visibility; an empty list matches nothing.
pub(crate) fn push_visibility(sql: &mut Sql, column: &str, visible: &Visibility) {
    match visible {
        Visibility::All => {}
        Visibility::Owners(ids) if ids.is_empty() => {
            sql.push(" AND 1 = 0");
        }
        Visibility::Owners(ids) => {
            sql.push(" AND ").push(column).push(" IN (");
            sql.push_list(ids.iter().map(ToString::to_string));
            sql.push(")");
        }
    }
}

fn push_eq(sql: &mut Sql, column: &str, value: Option<impl ToString>) {
    if let Some(value) = value {
        sql.push(" AND ").push(column).push(" = ");
        sql.push_bind(value.to_string());
    }
}

/// Rows of a table an import must write before the planner's statistics of
/// it are refreshed: below that they barely move (PostgreSQL's autovacuum
/// waits for a tenth of the table), above it a first import into an empty
/// database would otherwise leave it without any.
const BULK_ROWS: usize = 1_000;

/// The tables an import wrote in bulk, with the tables filled alongside them.
fn bulk_written_tables(batch: &ImportBatch) -> Vec<&'static str> {
    let bulk = |n: usize| n >= BULK_ROWS;
    let mut tables = Vec::new();
    if bulk(batch.new_customers.len() + batch.changed_customers.len()) {
        tables.extend(["customers", "customer_grams"]);
    }
    if bulk(batch.new_contacts.len() + batch.changed_contacts.len()) {
        tables.push("contacts");
    }
    if bulk(batch.new_activities.len() + batch.changed_activities.len()) {
        tables.extend(["activities", "activity_contacts"]);
    }
    if bulk(batch.new_cases.len() + batch.changed_cases.len()) {
        tables.extend(["cases", "case_events"]);
    }
    if bulk(batch.audit.len()) {
        tables.push("audit_log");
    }
    tables
}

#[async_trait]
impl Store for Db {
    async fn ping(&self) -> Result<(), StoreError> {
        // A read: the answer does not wait for a write transaction.
        self.fetch_optional::<(i64,)>(Sql::new("SELECT CAST(1 AS BIGINT)"))
            .await?;
        Ok(())
    }

    async fn insert_user(
        &self,
        user: &User,
        password_hash: &str,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let mut fields = user_fields(user);
        fields.push(("password_hash", password_hash.into()));
        let stamps = (user.version, user.created_at, user.updated_at);
        self.insert_record(
            "users",
            user.id.to_string(),
            fields,
            stamps,
            "users.team_id",
            audit,
        )
        .await
    }

    async fn get_user(&self, id: UserId) -> Result<User, StoreError> {
        self.get::<UserRow, _>("users", USER_COLUMNS, id.to_string())
            .await
    }

    async fn find_user_credentials(
        &self,
        username: &Username,
    ) -> Result<Option<(User, String)>, StoreError> {
        let sql = Sql::new(format!(
            "SELECT {USER_COLUMNS}, password_hash FROM users WHERE username = $1"
        ))
        .arg(username.as_str());
        self.fetch_optional::<CredentialsRow>(sql)
            .await?
            .map(|r| Ok((r.user.try_into()?, r.password_hash)))
            .transpose()
    }

    async fn list_users(&self, page: &PageRequest) -> Result<Page<User>, StoreError> {
        let order = Order {
            key: SortKey::Text("username"),
            id: "id",
            desc: false,
        };
        let mut sql = Sql::new(format!("SELECT {USER_COLUMNS} FROM users WHERE 1 = 1"));
        order.push_page(&mut sql, page)?;
        let rows = self.fetch_all::<UserRow>(sql).await?;
        convert(paginate(rows, page, |r| {
            (Key::Text(r.username.clone()), r.id.clone())
        }))
    }

    async fn count_users(&self) -> Result<u64, StoreError> {
        let (count,) = self
            .fetch_optional::<(i64,)>(Sql::new("SELECT COUNT(*) FROM users"))
            .await?
            .unwrap_or_default();
        Ok(count.unsigned_abs())
    }

    async fn update_user(
        &self,
        user: &User,
        expected_version: i64,
        audit: &AuditEntry,
    ) -> Result<User, StoreError> {
        self.update_record::<UserRow, _>(
            "users",
            USER_COLUMNS,
            user.id.to_string(),
            user_fields(user),
            user.updated_at,
            expected_version,
            "users.team_id",
            audit,
        )
        .await
    }

    async fn set_password(
        &self,
        id: UserId,
        password_hash: &str,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        // The hash is not part of `User`, so changing it does not change the
        // record's version: an edit of the user in flight stays valid.
        let mut tx = self.begin().await?;
        let sql = Sql::new("UPDATE users SET password_hash = $1 WHERE id = $2")
            .arg(password_hash)
            .arg(id.to_string());
        if tx.execute(sql).await.map_err(backend)? == 0 {
            return Err(StoreError::NotFound);
        }
        tx.audit(audit).await?;
        tx.commit().await
    }

    async fn delete_user(
        &self,
        id: UserId,
        expected_version: i64,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.delete_record(
            "users",
            id.to_string(),
            expected_version,
            "users.in_use",
            audit,
        )
        .await
    }

    async fn list_managed_user_ids(&self, manager_id: UserId) -> Result<Vec<UserId>, StoreError> {
        let sql = Sql::new(
            "SELECT id FROM users WHERE id <> $1 \
             AND team_id IN (SELECT id FROM teams WHERE manager_id = $2) ORDER BY id",
        )
        .arg(manager_id.to_string())
        .arg(manager_id.to_string());
        self.fetch_all::<(String,)>(sql)
            .await?
            .iter()
            .map(|(id,)| parse("users.id", id))
            .collect()
    }

    async fn insert_session(
        &self,
        token_hash: &str,
        user_id: UserId,
        created_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let sql = Sql::new(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .arg(token_hash)
        .arg(user_id.to_string())
        .arg(micros(created_at))
        .arg(micros(expires_at));
        self.execute(sql)
            .await
            .map_err(|e| write_error(e, "sessions.user_id"))?;
        Ok(())
    }

    async fn find_session_user(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<User>, StoreError> {
        let sql = Sql::new(format!(
            "SELECT {USER_COLUMNS} FROM users WHERE active AND id = \
             (SELECT user_id FROM sessions WHERE token_hash = $1 AND expires_at > $2)"
        ))
        .arg(token_hash)
        .arg(micros(now));
        self.fetch_optional::<UserRow>(sql)
            .await?
            .map(User::try_from)
            .transpose()
    }

    async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        let sql = Sql::new("DELETE FROM sessions WHERE token_hash = $1").arg(token_hash);
        self.execute(sql).await.map_err(backend)?;
        Ok(())
    }

    async fn insert_team(&self, team: &Team, audit: &AuditEntry) -> Result<(), StoreError> {
        let stamps = (team.version, team.created_at, team.updated_at);
        self.insert_record(
            "teams",
            team.id.to_string(),
            team_fields(team),
            stamps,
            "teams.manager_id",
            audit,
        )
        .await
    }

    async fn get_team(&self, id: TeamId) -> Result<Team, StoreError> {
        self.get::<TeamRow, _>("teams", TEAM_COLUMNS, id.to_string())
            .await
    }

    async fn list_teams(&self, page: &PageRequest) -> Result<Page<Team>, StoreError> {
        let order = Order {
            key: SortKey::Text("name"),
            id: "id",
            desc: false,
        };
        let mut sql = Sql::new(format!("SELECT {TEAM_COLUMNS} FROM teams WHERE 1 = 1"));
        order.push_page(&mut sql, page)?;
        let rows = self.fetch_all::<TeamRow>(sql).await?;
        convert(paginate(rows, page, |r| {
            (Key::Text(r.name.clone()), r.id.clone())
        }))
    }

    async fn update_team(
        &self,
        team: &Team,
        expected_version: i64,
        audit: &AuditEntry,
    ) -> Result<Team, StoreError> {
        self.update_record::<TeamRow, _>(
            "teams",
            TEAM_COLUMNS,
            team.id.to_string(),
            team_fields(team),
            team.updated_at,
            expected_version,
            "teams.manager_id",
            audit,
        )
        .await
    }

    async fn delete_team(
        &self,
        id: TeamId,
        expected_version: i64,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        // Members keep their row: `users.team_id` is set to NULL by the schema.
        self.delete_record(
            "teams",
            id.to_string(),
            expected_version,
            "teams.in_use",
            audit,
        )
        .await
    }

    async fn insert_customer(
        &self,
        customer: &Customer,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let stamps = (customer.version, customer.created_at, customer.updated_at);
        let mut tx = self.begin().await?;
        let fields = customer_fields(customer);
        tx.insert(
            "customers",
            customer.id.to_string(),
            fields,
            stamps,
            "customers.owner_id",
        )
        .await?;
        tx.index_new_customers(std::slice::from_ref(customer))
            .await?;
        tx.audit(audit).await?;
        tx.commit().await
    }

    async fn get_customer(&self, id: CustomerId) -> Result<Customer, StoreError> {
        self.get::<CustomerRow, _>("customers", CUSTOMER_COLUMNS, id.to_string())
            .await
    }

    async fn find_customer_duplicate(
        &self,
        name_key: &str,
        credit_code: Option<&CreditCode>,
        except: Option<CustomerId>,
    ) -> Result<Option<Customer>, StoreError> {
        let mut sql = Sql::new(format!(
            "SELECT {CUSTOMER_COLUMNS} FROM customers WHERE (name_key = $1 OR credit_code = $2)"
        ))
        .arg(name_key)
        .arg(credit_code.map(ToString::to_string));
        if let Some(except) = except {
            sql.push(" AND id <> ").push_bind(except.to_string());
        }
        sql.push(" ORDER BY id LIMIT 1");
        self.fetch_optional::<CustomerRow>(sql)
            .await?
            .map(Customer::try_from)
            .transpose()
    }

    async fn find_customers_by_keys(
        &self,
        name_keys: &[String],
        credit_codes: &[String],
    ) -> Result<Vec<Customer>, StoreError> {
        self.customers_by_keys(name_keys, credit_codes).await
    }

    async fn list_contacts_of(&self, customers: &[CustomerId]) -> Result<Vec<Contact>, StoreError> {
        self.contacts_of(customers).await
    }

    async fn list_activities_of(
        &self,
        customers: &[CustomerId],
    ) -> Result<Vec<Activity>, StoreError> {
        self.activities_of(customers).await
    }

    async fn list_cases_of(
        &self,
        customers: &[CustomerId],
    ) -> Result<Vec<DevelopmentCase>, StoreError> {
        self.cases_of(customers).await
    }

    async fn apply_import(&self, batch: &ImportBatch) -> Result<(), StoreError> {
        self.write_import(batch).await?;
        // The import has landed: stale statistics make plans slower, never
        // answers wrong, so failing to refresh them does not fail it.
        let _ = self.refresh_statistics(&bulk_written_tables(batch)).await;
        Ok(())
    }

    async fn list_customers(
        &self,
        filter: &CustomerFilter,
        page: &PageRequest,
    ) -> Result<Page<Customer>, StoreError> {
        let mut sql = Sql::new(format!(
            "SELECT {CUSTOMER_COLUMNS} FROM customers WHERE 1 = 1"
        ));
        push_visibility(&mut sql, "owner_id", &filter.visible);
        push_eq(&mut sql, "owner_id", filter.owner_id);
        push_eq(&mut sql, "status", filter.status);
        push_eq(&mut sql, "tier", filter.tier);
        push_eq(&mut sql, "abc_class", filter.abc_class);
        push_eq(&mut sql, "nature", filter.nature);
        push_eq(&mut sql, "channel", filter.channel);
        push_eq(&mut sql, "industry", filter.industry.as_ref());
        push_eq(
            &mut sql,
            "product_category",
            filter.product_category.as_ref(),
        );
        push_eq(&mut sql, "province", filter.province.as_ref());
        push_eq(&mut sql, "city", filter.city.as_ref());
        if let Some(q) = filter.q.as_deref() {
            self.push_customer_search(&mut sql, q).await?;
        }
        let (key, desc) = match filter.sort {
            CustomerSort::Newest => (SortKey::IdOnly, true),
            CustomerSort::Name => (SortKey::Text("name_key"), false),
            CustomerSort::Updated => (SortKey::Int("updated_at"), true),
        };
        Order {
            key,
            id: "id",
            desc,
        }
        .push_page(&mut sql, page)?;
        let rows = self.fetch_all::<CustomerRow>(sql).await?;
        convert(paginate(rows, page, |r| {
            let key = match filter.sort {
                CustomerSort::Newest => Key::None,
                CustomerSort::Name => Key::Text(r.name_key.clone()),
                CustomerSort::Updated => Key::Int(r.updated_at),
            };
            (key, r.id.clone())
        }))
    }

    async fn update_customer(
        &self,
        customer: &Customer,
        expected_version: i64,
        audit: &AuditEntry,
    ) -> Result<Customer, StoreError> {
        let mut tx = self.begin().await?;
        let row: CustomerRow = tx
            .update(
                "customers",
                CUSTOMER_COLUMNS,
                customer.id.to_string(),
                customer_fields(customer),
                customer.updated_at,
                expected_version,
                "customers.owner_id",
            )
            .await?;
        tx.reindex_customer(customer).await?;
        tx.audit(audit).await?;
        tx.commit().await?;
        row.try_into()
    }

    async fn delete_customer(
        &self,
        id: CustomerId,
        expected_version: i64,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        // Contacts, activities and cases go with it by ON DELETE CASCADE;
        // its cases leave the funnel totals.
        let mut tx = self.begin().await?;
        let mut funnel = FunnelDelta::default();
        tx.remove_stored_entries(&mut funnel, "customer_id", &[id.to_string()])
            .await?;
        tx.delete(
            "customers",
            id.to_string(),
            expected_version,
            "customers.in_use",
        )
        .await?;
        tx.write_funnel(&funnel).await?;
        tx.audit(audit).await?;
        tx.commit().await
    }

    async fn insert_contact(
        &self,
        contact: &Contact,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let stamps = (contact.version, contact.created_at, contact.updated_at);
        self.insert_record(
            "contacts",
            contact.id.to_string(),
            contact_fields(contact),
            stamps,
            "contacts.customer_id",
            audit,
        )
        .await
    }

    async fn get_contact(&self, id: ContactId) -> Result<Contact, StoreError> {
        self.get::<ContactRow, _>("contacts", CONTACT_COLUMNS, id.to_string())
            .await
    }

    async fn list_contacts(
        &self,
        customer_id: CustomerId,
        page: &PageRequest,
    ) -> Result<Page<Contact>, StoreError> {
        let mut sql = Sql::new(format!(
            "SELECT {CONTACT_COLUMNS} FROM contacts WHERE customer_id = $1"
        ))
        .arg(customer_id.to_string());
        let order = Order {
            key: SortKey::Text("name"),
            id: "id",
            desc: false,
        };
        order.push_page(&mut sql, page)?;
        let rows = self.fetch_all::<ContactRow>(sql).await?;
        convert(paginate(rows, page, |r| {
            (Key::Text(r.name.clone()), r.id.clone())
        }))
    }

    async fn list_contacts_with_birthday(
        &self,
        visible: &Visibility,
        limit: u32,
    ) -> Result<Vec<Contact>, StoreError> {
        let mut sql = Sql::new(format!(
            "SELECT {CONTACT_COLUMNS} FROM contacts WHERE birthday IS NOT NULL"
        ));
        if *visible != Visibility::All {
            sql.push(" AND customer_id IN (SELECT id FROM customers WHERE 1 = 1");
            push_visibility(&mut sql, "owner_id", visible);
            sql.push(")");
        }
        sql.push(" ORDER BY id LIMIT ").push_bind(i64::from(limit));
        self.fetch_all::<ContactRow>(sql)
            .await?
            .into_iter()
            .map(Contact::try_from)
            .collect()
    }

    async fn update_contact(
        &self,
        contact: &Contact,
        expected_version: i64,
        audit: &AuditEntry,
    ) -> Result<Contact, StoreError> {
        self.update_record::<ContactRow, _>(
            "contacts",
            CONTACT_COLUMNS,
            contact.id.to_string(),
            contact_fields(contact),
            contact.updated_at,
            expected_version,
            "contacts.customer_id",
            audit,
        )
        .await
    }

    async fn delete_contact(
        &self,
        id: ContactId,
        expected_version: i64,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.delete_record(
            "contacts",
            id.to_string(),
            expected_version,
            "contacts.in_use",
            audit,
        )
        .await
    }

    async fn insert_activity(
        &self,
        activity: &Activity,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.write_activity(activity, None, audit).await?;
        Ok(())
    }

    async fn get_activity(&self, id: ActivityId) -> Result<Activity, StoreError> {
        let sql = Sql::new(format!(
            "SELECT {ACTIVITY_COLUMNS} FROM activities WHERE id = $1"
        ))
        .arg(id.to_string());
        let row = self
            .fetch_optional::<ActivityRow>(sql)
            .await?
            .ok_or(StoreError::NotFound)?;
        let mut activities = self.with_contacts(vec![row]).await?;
        activities.pop().ok_or(StoreError::NotFound)
    }

    async fn list_activities(
        &self,
        filter: &ActivityFilter,
        page: &PageRequest,
    ) -> Result<Page<Activity>, StoreError> {
        let mut sql = Sql::new(format!(
            "SELECT {ACTIVITY_COLUMNS} FROM activities WHERE 1 = 1"
        ));
        if filter.visible != Visibility::All {
            // Visibility follows the owner of the customer, not of the record.
            sql.push(" AND customer_id IN (SELECT id FROM customers WHERE 1 = 1");
            push_visibility(&mut sql, "owner_id", &filter.visible);
            sql.push(")");
        }
        push_eq(&mut sql, "customer_id", filter.customer_id);
        push_eq(&mut sql, "owner_id", filter.owner_id);
        push_eq(&mut sql, "method", filter.method);
        if let Some(from) = filter.from {
            sql.push(" AND occurred_at >= ").push_bind(micros(from));
        }
        if let Some(to) = filter.to {
            sql.push(" AND occurred_at < ").push_bind(micros(to));
        }
        if let Some(due_by) = filter.due_by {
            sql.push(" AND next_follow_up IS NOT NULL AND next_follow_up <= ");
            sql.push_bind(due_by.to_string());
        }
        let (key, desc) = match filter.sort {
            ActivitySort::Recent => (SortKey::Int("occurred_at"), true),
            ActivitySort::FollowUp => (SortKey::Text(FOLLOW_UP_KEY), false),
        };
        Order {
            key,
            id: "id",
            desc,
        }
        .push_page(&mut sql, page)?;
        let rows = self.fetch_all::<ActivityRow>(sql).await?;
        let (rows, next_cursor) = paginate(rows, page, |r| {
            let key = match filter.sort {
                ActivitySort::Recent => Key::Int(r.occurred_at),
                ActivitySort::FollowUp => Key::Text(
                    r.next_follow_up
                        .clone()
                        .unwrap_or_else(|| NO_FOLLOW_UP.into()),
                ),
            };
            (key, r.id.clone())
        });
        Ok(Page {
            items: self.with_contacts(rows).await?,
            next_cursor,
        })
    }

    async fn update_activity(
        &self,
        activity: &Activity,
        expected_version: i64,
        audit: &AuditEntry,
    ) -> Result<Activity, StoreError> {
        self.write_activity(activity, Some(expected_version), audit)
            .await
    }

    async fn delete_activity(
        &self,
        id: ActivityId,
        expected_version: i64,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.delete_record(
            "activities",
            id.to_string(),
            expected_version,
            "activities.in_use",
            audit,
        )
        .await
    }

    async fn list_audit(
        &self,
        filter: &AuditFilter,
        page: &PageRequest,
    ) -> Result<Page<AuditEntry>, StoreError> {
        let mut sql = Sql::new(format!("SELECT {AUDIT_COLUMNS} FROM audit_log WHERE 1 = 1"));
        push_eq(&mut sql, "entity", filter.entity.as_ref());
        push_eq(&mut sql, "entity_id", filter.entity_id.as_ref());
        push_eq(&mut sql, "actor_id", filter.actor_id);
        let order = Order {
            key: SortKey::Int("at"),
            id: "id",
            desc: true,
        };
        order.push_page(&mut sql, page)?;
        let rows = self.fetch_all::<AuditRow>(sql).await?;
        convert(paginate(rows, page, |r| (Key::Int(r.at), r.id.clone())))
    }

    async fn insert_process_template(
        &self,
        template: &StoredTemplate,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.insert_template("process_templates", TEMPLATE_VERSION, template, audit)
            .await
    }

    async fn find_process_template(
        &self,
        key: &str,
        version: Option<i64>,
    ) -> Result<Option<StoredTemplate>, StoreError> {
        self.find_template("process_templates", key, version).await
    }

    async fn list_process_templates(&self) -> Result<Vec<StoredTemplate>, StoreError> {
        self.list_templates("process_templates").await
    }

    async fn insert_case(
        &self,
        case: &DevelopmentCase,
        event: &CaseEvent,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let stamps = (case.version, case.created_at, case.updated_at);
        let inserted = tx
            .insert(
                "cases",
                case.id.to_string(),
                case_fields(case),
                stamps,
                CASE_REFERENCE,
            )
            .await;
        if let Err(e) = inserted {
            // Release the connection first: SQLite in memory has only one.
            drop(tx);
            return Err(self.missing_case_reference(e, case).await);
        }
        tx.set_checks(case, false).await?;
        tx.insert_events(std::slice::from_ref(event)).await?;
        let mut funnel = FunnelDelta::default();
        funnel.add(&FunnelEntry::of(case, std::slice::from_ref(event)));
        tx.write_funnel(&funnel).await?;
        tx.audit(audit).await?;
        tx.commit().await
    }

    async fn get_case(&self, id: CaseId) -> Result<DevelopmentCase, StoreError> {
        let sql =
            Sql::new(format!("SELECT {CASE_COLUMNS} FROM cases WHERE id = $1")).arg(id.to_string());
        let row = self
            .fetch_optional::<CaseRow>(sql)
            .await?
            .ok_or(StoreError::NotFound)?;
        self.with_checks(vec![row])
            .await?
            .pop()
            .ok_or(StoreError::NotFound)
    }

    async fn list_cases(
        &self,
        filter: &CaseFilter,
        page: &PageRequest,
    ) -> Result<Page<DevelopmentCase>, StoreError> {
        let mut sql = Sql::new(format!("SELECT {CASE_COLUMNS} FROM cases WHERE 1 = 1"));
        push_case_filter(&mut sql, filter);
        case_order(filter.sort).push_page(&mut sql, page)?;
        let rows = self.fetch_all::<CaseRow>(sql).await?;
        let (rows, next_cursor) = paginate(rows, page, |r| {
            let key = match filter.sort {
                CaseSort::Newest => Key::None,
                CaseSort::Due => Key::Int(r.stage_due_at.unwrap_or(NO_DUE)),
            };
            (key, r.id.clone())
        });
        Ok(Page {
            items: self.with_checks(rows).await?,
            next_cursor,
        })
    }

    async fn update_case(
        &self,
        write: CaseWrite<'_>,
        audit: &[AuditEntry],
    ) -> Result<DevelopmentCase, StoreError> {
        let mut tx = self.begin().await?;
        let case = match tx.write_case(write).await {
            Ok(case) => case,
            Err(e) => {
                drop(tx);
                return Err(self.missing_case_reference(e, write.case).await);
            }
        };
        for entry in audit {
            tx.audit(entry).await?;
        }
        tx.commit().await?;
        Ok(case)
    }

    async fn list_case_events(&self, case_id: CaseId) -> Result<Vec<CaseEvent>, StoreError> {
        let sql = Sql::new(format!(
            "SELECT {EVENT_COLUMNS} FROM case_events WHERE case_id = $1 ORDER BY at, id"
        ))
        .arg(case_id.to_string());
        self.fetch_all::<EventRow>(sql)
            .await?
            .into_iter()
            .map(CaseEvent::try_from)
            .collect()
    }

    async fn list_cases_with_history(
        &self,
        filter: &CaseFilter,
    ) -> Result<Vec<(DevelopmentCase, Vec<CaseEvent>)>, StoreError> {
        // Three statements whatever the number of cases: the cases, then the
        // checked items and the history of the same selection.
        let selected = |select: &str| {
            let mut sql = Sql::new(select);
            push_case_filter(&mut sql, filter);
            sql
        };
        let mut sql = selected(&format!("SELECT {CASE_COLUMNS} FROM cases WHERE 1 = 1"));
        match filter.sort {
            CaseSort::Newest => sql.push(" ORDER BY id DESC"),
            CaseSort::Due => sql.push(" ORDER BY ").push(DUE_KEY).push(", id"),
        };
        let rows = self.fetch_all::<CaseRow>(sql).await?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = selected(
            "SELECT case_id, item FROM case_checks WHERE case_id IN \
             (SELECT id FROM cases WHERE 1 = 1",
        );
        sql.push(")");
        let checks = self.checks(sql).await?;
        let mut sql = selected(&format!(
            "SELECT {EVENT_COLUMNS} FROM case_events WHERE case_id IN \
             (SELECT id FROM cases WHERE 1 = 1"
        ));
        sql.push(") ORDER BY case_id, at, id");
        let mut events: HashMap<String, Vec<CaseEvent>> = HashMap::new();
        for row in self.fetch_all::<EventRow>(sql).await? {
            let case = row.case_id.clone();
            events.entry(case).or_default().push(row.try_into()?);
        }
        Ok(complete(rows, checks)?
            .into_iter()
            .map(|case| {
                let history = events.remove(&case.id.to_string()).unwrap_or_default();
                (case, history)
            })
            .collect())
    }

    async fn funnel_totals(&self, filter: &FunnelFilter) -> Result<FunnelTotals, StoreError> {
        self.sum_funnel_totals(filter).await
    }

    async fn insert_approval(
        &self,
        approval: &Approval,
        event: &CaseEvent,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let (columns, values): (Vec<_>, Vec<_>) = approval_fields(approval).into_iter().unzip();
        let mut sql = Sql::new(format!(
            "INSERT INTO approvals (id, {}, version) VALUES (",
            columns.join(", ")
        ));
        sql.push_bind(approval.id.to_string()).push(", ");
        sql.push_list(values);
        sql.push(", ").push_bind(approval.version).push(")");
        tx.execute(sql)
            .await
            .map_err(|e| write_error(e, "approvals.case_id"))?;
        tx.insert_events(std::slice::from_ref(event)).await?;
        tx.audit(audit).await?;
        tx.commit().await
    }

    async fn get_approval(&self, id: ApprovalId) -> Result<Approval, StoreError> {
        self.get::<ApprovalRow, _>("approvals", APPROVAL_COLUMNS, id.to_string())
            .await
    }

    async fn find_stage_approval(
        &self,
        case_id: CaseId,
        stage: &str,
        since: DateTime<Utc>,
    ) -> Result<Option<Approval>, StoreError> {
        let sql = Sql::new(format!(
            "SELECT {APPROVAL_COLUMNS} FROM approvals \
             WHERE case_id = $1 AND stage = $2 AND requested_at >= $3 \
             ORDER BY requested_at DESC, id DESC LIMIT 1"
        ))
        .arg(case_id.to_string())
        .arg(stage)
        .arg(micros(since));
        self.fetch_optional::<ApprovalRow>(sql)
            .await?
            .map(Approval::try_from)
            .transpose()
    }

    async fn list_approvals(
        &self,
        filter: &ApprovalFilter,
        page: &PageRequest,
    ) -> Result<Page<Approval>, StoreError> {
        let mut sql = Sql::new(format!(
            "SELECT {APPROVAL_COLUMNS} FROM approvals WHERE 1 = 1"
        ));
        push_eq(&mut sql, "approver_id", filter.approver_id);
        push_eq(&mut sql, "requested_by", filter.requested_by);
        push_eq(&mut sql, "status", filter.status);
        push_eq(&mut sql, "case_id", filter.case_id);
        let order = Order {
            key: SortKey::Int("requested_at"),
            id: "id",
            desc: true,
        };
        order.push_page(&mut sql, page)?;
        let rows = self.fetch_all::<ApprovalRow>(sql).await?;
        convert(paginate(rows, page, |r| {
            (Key::Int(r.requested_at), r.id.clone())
        }))
    }

    async fn update_approval(
        &self,
        approval: &Approval,
        expected_version: i64,
        case: CaseWrite<'_>,
        audit: &[AuditEntry],
    ) -> Result<Approval, StoreError> {
        let mut tx = self.begin().await?;
        let id = approval.id.to_string();
        let mut sql = Sql::new("UPDATE approvals SET ");
        for (column, value) in approval_fields(approval) {
            sql.push(column).push(" = ").push_bind(value).push(", ");
        }
        sql.push("version = version + 1 WHERE id = ")
            .push_bind(id.clone());
        sql.push(" AND version = ").push_bind(expected_version);
        sql.push(" RETURNING ").push(APPROVAL_COLUMNS);
        let row: ApprovalRow = match tx.fetch_optional(sql).await {
            Ok(Some(row)) => row,
            Ok(None) => return Err(tx.stale("approvals", id).await),
            Err(e) => return Err(write_error(e, "approvals.case_id")),
        };
        if let Err(e) = tx.write_case(case).await {
            drop(tx);
            return Err(self.missing_case_reference(e, case.case).await);
        }
        for entry in audit {
            tx.audit(entry).await?;
        }
        tx.commit().await?;
        row.try_into()
    }

    async fn list_calendar_days(&self) -> Result<Vec<CalendarDay>, StoreError> {
        let sql = Sql::new("SELECT date, kind, name FROM calendar_days ORDER BY date");
        self.fetch_all::<CalendarDayRow>(sql)
            .await?
            .into_iter()
            .map(CalendarDay::try_from)
            .collect()
    }

    async fn upsert_calendar_day(
        &self,
        day: &CalendarDay,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let sql = Sql::new(
            "INSERT INTO calendar_days (date, kind, name) VALUES ($1, $2, $3) \
             ON CONFLICT (date) DO UPDATE SET kind = excluded.kind, name = excluded.name",
        )
        .arg(day.date.to_string())
        .arg(day.kind.code())
        .arg(day.name.as_str());
        tx.execute(sql).await.map_err(backend)?;
        tx.audit(audit).await?;
        tx.commit().await
    }

    async fn delete_calendar_day(
        &self,
        date: NaiveDate,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let sql = Sql::new("DELETE FROM calendar_days WHERE date = $1").arg(date.to_string());
        if tx.execute(sql).await.map_err(backend)? == 0 {
            return Err(StoreError::NotFound);
        }
        tx.audit(audit).await?;
        tx.commit().await
    }

    async fn insert_form_template(
        &self,
        template: &StoredTemplate,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.insert_template("form_templates", FORM_TEMPLATE_VERSION, template, audit)
            .await
    }

    async fn find_form_template(
        &self,
        key: &str,
        version: Option<i64>,
    ) -> Result<Option<StoredTemplate>, StoreError> {
        self.find_template("form_templates", key, version).await
    }

    async fn list_form_templates(&self) -> Result<Vec<StoredTemplate>, StoreError> {
        self.list_templates("form_templates").await
    }

    async fn insert_form(&self, form: &FilledForm, audit: &AuditEntry) -> Result<(), StoreError> {
        let mut sql = Sql::new(format!("INSERT INTO forms ({FORM_COLUMNS}) VALUES ("));
        sql.push_list(form_values(form)?);
        sql.push(")");
        let mut tx = self.begin().await?;
        if let Err(e) = tx.execute(sql).await {
            // Release the connection first: SQLite in memory has only one.
            drop(tx);
            let e = write_error(e, FORM_REFERENCE);
            return Err(self.missing_form_reference(e, form).await);
        }
        tx.audit(audit).await?;
        tx.commit().await
    }

    async fn get_form(&self, id: Uuid) -> Result<FilledForm, StoreError> {
        self.get::<FormRow, _>("forms", FORM_COLUMNS, id.hyphenated().to_string())
            .await
    }

    async fn list_forms(
        &self,
        filter: &FormFilter,
        page: &PageRequest,
    ) -> Result<Page<FilledForm>, StoreError> {
        let mut sql = Sql::new(format!("SELECT {FORM_COLUMNS} FROM forms WHERE 1 = 1"));
        push_eq(&mut sql, "customer_id", filter.customer_id);
        push_eq(&mut sql, "case_id", filter.case_id);
        push_eq(&mut sql, "template_key", filter.template_key.as_ref());
        let order = Order {
            key: SortKey::Int("filled_at"),
            id: "id",
            desc: true,
        };
        order.push_page(&mut sql, page)?;
        let rows = self.fetch_all::<FormRow>(sql).await?;
        convert(paginate(rows, page, |r| {
            (Key::Int(r.filled_at), r.id.clone())
        }))
    }

    async fn list_form_grades(
        &self,
        customer_id: CustomerId,
        case_id: Option<CaseId>,
    ) -> Result<Vec<(String, String)>, StoreError> {
        // Without a case, `case_id = NULL` holds for no row: only the
        // customer's own forms count.
        let sql = Sql::new(
            "SELECT template_key, grade FROM forms WHERE customer_id = $1 \
             AND grade IS NOT NULL AND (case_id IS NULL OR case_id = $2) \
             ORDER BY filled_at, id",
        )
        .arg(customer_id.to_string())
        .arg(case_id.map(|id| id.to_string()));
        self.fetch_all::<(String, String)>(sql).await
    }

    async fn find_credit_profile(
        &self,
        customer_id: CustomerId,
    ) -> Result<Option<CreditProfile>, StoreError> {
        let sql = Sql::new(format!(
            "SELECT {CREDIT_PROFILE_COLUMNS} FROM credit_profiles WHERE customer_id = $1"
        ))
        .arg(customer_id.to_string());
        self.fetch_optional::<CreditProfileRow>(sql)
            .await?
            .map(CreditProfile::try_from)
            .transpose()
    }

    async fn save_credit_profile(
        &self,
        profile: &CreditProfile,
        expected_version: i64,
        audit: &AuditEntry,
    ) -> Result<CreditProfile, StoreError> {
        let mut tx = self.begin().await?;
        let stored = tx.save_profile(profile, expected_version).await?;
        tx.audit(audit).await?;
        tx.commit().await?;
        Ok(stored)
    }

    async fn insert_credit_change(
        &self,
        change: &CreditChange,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let (columns, values): (Vec<_>, Vec<_>) = credit_change_fields(change).into_iter().unzip();
        let mut sql = Sql::new(format!(
            "INSERT INTO credit_changes (id, {}, version) VALUES (",
            columns.join(", ")
        ));
        sql.push_bind(change.id.hyphenated().to_string()).push(", ");
        sql.push_list(values);
        sql.push(", ").push_bind(change.version).push(")");
        let mut tx = self.begin().await?;
        tx.execute(sql)
            .await
            .map_err(|e| write_error(e, "credit_changes.customer_id"))?;
        tx.audit(audit).await?;
        tx.commit().await
    }

    async fn get_credit_change(&self, id: Uuid) -> Result<CreditChange, StoreError> {
        self.get::<CreditChangeRow, _>(
            "credit_changes",
            CREDIT_CHANGE_COLUMNS,
            id.hyphenated().to_string(),
        )
        .await
    }

    async fn find_open_credit_change(
        &self,
        customer_id: CustomerId,
    ) -> Result<Option<CreditChange>, StoreError> {
        let sql = Sql::new(format!(
            "SELECT {CREDIT_CHANGE_COLUMNS} FROM credit_changes \
             WHERE customer_id = $1 AND status IN ($2, $3) \
             ORDER BY triggered_at DESC, id DESC LIMIT 1"
        ))
        .arg(customer_id.to_string())
        .arg(CreditChangeStatus::Draft.code())
        .arg(CreditChangeStatus::Submitted.code());
        self.fetch_optional::<CreditChangeRow>(sql)
            .await?
            .map(CreditChange::try_from)
            .transpose()
    }

    async fn list_credit_changes(
        &self,
        filter: &CreditChangeFilter,
        page: &PageRequest,
    ) -> Result<Page<CreditChange>, StoreError> {
        let mut sql = Sql::new(format!(
            "SELECT {CREDIT_CHANGE_COLUMNS} FROM credit_changes WHERE 1 = 1"
        ));
        push_credit_change_filter(&mut sql, filter);
        let order = Order {
            key: SortKey::Int("triggered_at"),
            id: "id",
            desc: true,
        };
        order.push_page(&mut sql, page)?;
        let rows = self.fetch_all::<CreditChangeRow>(sql).await?;
        convert(paginate(rows, page, |r| {
            (Key::Int(r.triggered_at), r.id.clone())
        }))
    }

    async fn update_credit_change(
        &self,
        change: &CreditChange,
        expected_version: i64,
        profile: Option<(&CreditProfile, i64)>,
        audit: &[AuditEntry],
    ) -> Result<CreditChange, StoreError> {
        let mut tx = self.begin().await?;
        let id = change.id.hyphenated().to_string();
        let mut sql = Sql::new("UPDATE credit_changes SET ");
        for (column, value) in credit_change_fields(change) {
            sql.push(column).push(" = ").push_bind(value).push(", ");
        }
        sql.push("version = version + 1 WHERE id = ")
            .push_bind(id.clone());
        sql.push(" AND version = ").push_bind(expected_version);
        sql.push(" RETURNING ").push(CREDIT_CHANGE_COLUMNS);
        let row: CreditChangeRow = match tx.fetch_optional(sql).await {
            Ok(Some(row)) => row,
            Ok(None) => return Err(tx.stale("credit_changes", id).await),
            Err(e) => return Err(write_error(e, "credit_changes.customer_id")),
        };
        // A stale profile rolls the change back with it.
        if let Some((profile, expected)) = profile {
            tx.save_profile(profile, expected).await?;
        }
        for entry in audit {
            tx.audit(entry).await?;
        }
        tx.commit().await?;
        row.try_into()
    }

    async fn insert_financial_period(
        &self,
        period: &FinancialPeriod,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let mut sql = Sql::new(format!(
            "INSERT INTO financial_periods ({FINANCIAL_PERIOD_COLUMNS}) VALUES ("
        ));
        sql.push_list(financial_period_values(period)?);
        sql.push(")");
        let mut tx = self.begin().await?;
        match tx
            .execute(sql)
            .await
            .map_err(|e| write_error(e, "financial_periods.customer_id"))
        {
            // SQLite names the rule by its columns.
            Err(StoreError::Conflict { what })
                if what == FINANCIAL_PERIOD || what.contains("financial_periods.period_end") =>
            {
                return Err(StoreError::Conflict {
                    what: FINANCIAL_PERIOD.into(),
                });
            }
            other => other?,
        };
        tx.audit(audit).await?;
        tx.commit().await
    }

    async fn list_financial_periods(
        &self,
        customer_id: CustomerId,
    ) -> Result<Vec<FinancialPeriod>, StoreError> {
        let sql = Sql::new(format!(
            "SELECT {FINANCIAL_PERIOD_COLUMNS} FROM financial_periods WHERE customer_id = $1 \
             ORDER BY period_end, period_start, id"
        ))
        .arg(customer_id.to_string());
        self.fetch_all::<FinancialPeriodRow>(sql)
            .await?
            .into_iter()
            .map(FinancialPeriod::try_from)
            .collect()
    }

    async fn insert_notification_once(
        &self,
        notification: &Notification,
    ) -> Result<bool, StoreError> {
        let mut sql = Sql::new(format!(
            "INSERT INTO notifications ({NOTIFICATION_COLUMNS}) VALUES ("
        ));
        sql.push_list(notification_values(notification));
        sql.push(") ON CONFLICT (user_id, subject) DO NOTHING");
        let inserted = self
            .execute(sql)
            .await
            .map_err(|e| write_error(e, "notifications.user_id"))?;
        Ok(inserted > 0)
    }

    async fn list_notifications(
        &self,
        user_id: UserId,
        unread_only: bool,
        page: &PageRequest,
    ) -> Result<Page<Notification>, StoreError> {
        let mut sql = Sql::new(format!(
            "SELECT {NOTIFICATION_COLUMNS} FROM notifications WHERE user_id = $1"
        ))
        .arg(user_id.to_string());
        if unread_only {
            sql.push(" AND read_at IS NULL");
        }
        let order = Order {
            key: SortKey::Int("created_at"),
            id: "id",
            desc: true,
        };
        order.push_page(&mut sql, page)?;
        let rows = self.fetch_all::<NotificationRow>(sql).await?;
        convert(paginate(rows, page, |r| {
            (Key::Int(r.created_at), r.id.clone())
        }))
    }

    async fn mark_notification_read(
        &self,
        id: Uuid,
        user_id: UserId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        // Read once: marking it again keeps the first time.
        let sql = Sql::new(
            "UPDATE notifications SET read_at = COALESCE(read_at, $1) \
             WHERE id = $2 AND user_id = $3",
        )
        .arg(micros(at))
        .arg(id.hyphenated().to_string())
        .arg(user_id.to_string());
        if self.execute(sql).await.map_err(backend)? == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn find_user_language(&self, user_id: UserId) -> Result<Option<String>, StoreError> {
        let sql = Sql::new("SELECT language FROM user_preferences WHERE user_id = $1")
            .arg(user_id.to_string());
        Ok(self
            .fetch_optional::<(String,)>(sql)
            .await?
            .map(|(language,)| language))
    }

    async fn set_user_language(&self, user_id: UserId, language: &str) -> Result<(), StoreError> {
        let sql = Sql::new(
            "INSERT INTO user_preferences (user_id, language) VALUES ($1, $2) \
             ON CONFLICT (user_id) DO UPDATE SET language = excluded.language",
        )
        .arg(user_id.to_string())
        .arg(language);
        self.execute(sql).await.map_err(backend)?;
        Ok(())
    }

    async fn find_idempotent_response(
        &self,
        user_id: UserId,
        key: &str,
    ) -> Result<Option<StoredResponse>, StoreError> {
        let sql = Sql::new(
            "SELECT fingerprint, status, body FROM idempotency_keys WHERE user_id = $1 AND key = $2",
        )
        .arg(user_id.to_string())
        .arg(key);
        self.fetch_optional::<ResponseRow>(sql)
            .await?
            .map(StoredResponse::try_from)
            .transpose()
    }

    async fn insert_idempotent_response(
        &self,
        user_id: UserId,
        key: &str,
        response: &StoredResponse,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let sql = Sql::new(
            "INSERT INTO idempotency_keys (user_id, key, fingerprint, status, body, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (user_id, key) DO NOTHING",
        )
        .arg(user_id.to_string())
        .arg(key)
        .arg(response.fingerprint.as_str())
        .arg(i64::from(response.status))
        .arg(response.body.as_str())
        .arg(micros(at));
        self.execute(sql)
            .await
            .map_err(|e| write_error(e, "idempotency_keys.user_id"))?;
        Ok(())
    }
}

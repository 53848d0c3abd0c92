//! How each record maps to its table: the columns, the values written, and
//! the row read back (checked: a value that does not parse is `Corrupt`).

use std::collections::BTreeSet;
use std::fmt::Display;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use tuoke_app::ports::{FilledForm, Notification, StoreError, StoredResponse, StoredTemplate};
use tuoke_core::calendar::CalendarDay;
use tuoke_core::credit::{CreditChange, CreditProfile};
use tuoke_core::finance::{Figures, FinancialPeriod};
use tuoke_core::process::{CaseEvent, DevelopmentCase};
use tuoke_core::{
    Activity, Approval, AuditEntry, Contact, CreditCode, Customer, Level, Money, Team, User,
    Username,
};

use crate::db::{from_micros, micros};
use crate::sql::{LiteRow, Value, column, row};

/// The columns of a record table besides the bookkeeping ones
/// (`id`, `version`, `created_at`, `updated_at`), with their values.
pub(crate) type Fields = Vec<(&'static str, Value)>;

pub(crate) fn parse<T: FromStr>(column: &str, text: &str) -> Result<T, StoreError>
where
    T::Err: Display,
{
    text.parse()
        .map_err(|e| StoreError::Corrupt(format!("{column} `{text}`: {e}")))
}

fn parse_opt<T: FromStr>(column: &str, text: Option<String>) -> Result<Option<T>, StoreError>
where
    T::Err: Display,
{
    text.map(|t| parse(column, &t)).transpose()
}

fn int<T: TryFrom<i64>>(column: &str, v: Option<i64>) -> Result<Option<T>, StoreError> {
    v.map(|v| {
        T::try_from(v).map_err(|_| StoreError::Corrupt(format!("{column}: {v} out of range")))
    })
    .transpose()
}

fn money(column: &str, fen: Option<i64>) -> Result<Option<Money>, StoreError> {
    fen.map(|f| Money::from_fen(f).map_err(|e| StoreError::Corrupt(format!("{column}: {e}"))))
        .transpose()
}

fn code<T: Display>(v: Option<T>) -> Value {
    Value::Text(v.map(|v| v.to_string()))
}

pub(crate) const USER_COLUMNS: &str =
    "id, username, display_name, role, team_id, active, version, created_at, updated_at";

#[derive(sqlx::FromRow)]
pub(crate) struct CredentialsRow {
    #[sqlx(flatten)]
    pub user: UserRow,
    pub password_hash: String,
}

impl LiteRow for CredentialsRow {
    fn plan(stmt: &rusqlite::Statement<'_>) -> rusqlite::Result<Vec<usize>> {
        let mut at = UserRow::plan(stmt)?;
        at.push(stmt.column_index("password_hash")?);
        Ok(at)
    }

    fn from_lite(row: &rusqlite::Row<'_>, at: &[usize]) -> rusqlite::Result<Self> {
        let (user, rest) = at.split_at(at.len().saturating_sub(1));
        Ok(CredentialsRow {
            user: UserRow::from_lite(row, user)?,
            password_hash: column(row, rest, 0)?,
        })
    }
}

row! {
    pub(crate) struct UserRow {
        pub id: String,
        pub username: String,
        display_name: String,
        role: String,
        team_id: Option<String>,
        active: bool,
        version: i64,
        created_at: i64,
        updated_at: i64,
    }
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;
    fn try_from(r: UserRow) -> Result<Self, StoreError> {
        Ok(User {
            id: parse("users.id", &r.id)?,
            username: Username::parse(&r.username)
                .map_err(|_| StoreError::Corrupt(format!("users.username `{}`", r.username)))?,
            display_name: r.display_name,
            role: parse("users.role", &r.role)?,
            team_id: parse_opt("users.team_id", r.team_id)?,
            active: r.active,
            version: r.version,
            created_at: from_micros("users.created_at", r.created_at)?,
            updated_at: from_micros("users.updated_at", r.updated_at)?,
        })
    }
}

pub(crate) fn user_fields(u: &User) -> Fields {
    vec![
        ("username", u.username.as_str().into()),
        ("display_name", u.display_name.as_str().into()),
        ("role", u.role.code().into()),
        ("team_id", code(u.team_id)),
        ("active", u.active.into()),
    ]
}

pub(crate) const TEAM_COLUMNS: &str = "id, name, manager_id, version, created_at, updated_at";

row! {
    pub(crate) struct TeamRow {
        pub id: String,
        pub name: String,
        manager_id: Option<String>,
        version: i64,
        created_at: i64,
        updated_at: i64,
    }
}

impl TryFrom<TeamRow> for Team {
    type Error = StoreError;
    fn try_from(r: TeamRow) -> Result<Self, StoreError> {
        Ok(Team {
            id: parse("teams.id", &r.id)?,
            name: r.name,
            manager_id: parse_opt("teams.manager_id", r.manager_id)?,
            version: r.version,
            created_at: from_micros("teams.created_at", r.created_at)?,
            updated_at: from_micros("teams.updated_at", r.updated_at)?,
        })
    }
}

pub(crate) fn team_fields(t: &Team) -> Fields {
    vec![
        ("name", t.name.as_str().into()),
        ("manager_id", code(t.manager_id)),
    ]
}

pub(crate) const CUSTOMER_COLUMNS: &str = "id, name, name_key, short_name, pinyin, short_pinyin, \
    credit_code, nature, channel, industry, product_category, province, city, tier, abc_class, \
    owner_id, status, monthly_volume_fen, address, phone, website, notes, version, created_at, \
    updated_at";

row! {
    pub(crate) struct CustomerRow {
        pub id: String,
        name: String,
        pub name_key: String,
        short_name: Option<String>,
        pinyin: String,
        short_pinyin: String,
        credit_code: Option<String>,
        nature: Option<String>,
        channel: Option<String>,
        industry: Option<String>,
        product_category: Option<String>,
        province: Option<String>,
        city: Option<String>,
        tier: String,
        abc_class: Option<String>,
        owner_id: String,
        status: String,
        monthly_volume_fen: Option<i64>,
        address: Option<String>,
        phone: Option<String>,
        website: Option<String>,
        notes: Option<String>,
        version: i64,
        created_at: i64,
        pub updated_at: i64,
    }
}

impl TryFrom<CustomerRow> for Customer {
    type Error = StoreError;
    fn try_from(r: CustomerRow) -> Result<Self, StoreError> {
        Ok(Customer {
            id: parse("customers.id", &r.id)?,
            name: r.name,
            name_key: r.name_key,
            short_name: r.short_name,
            pinyin: r.pinyin,
            short_pinyin: r.short_pinyin,
            credit_code: r
                .credit_code
                .map(|c| {
                    CreditCode::parse(&c)
                        .map_err(|e| StoreError::Corrupt(format!("customers.credit_code: {e}")))
                })
                .transpose()?,
            nature: parse_opt("customers.nature", r.nature)?,
            channel: parse_opt("customers.channel", r.channel)?,
            industry: r.industry,
            product_category: r.product_category,
            province: r.province,
            city: r.city,
            tier: parse("customers.tier", &r.tier)?,
            abc_class: parse_opt("customers.abc_class", r.abc_class)?,
            owner_id: parse("customers.owner_id", &r.owner_id)?,
            status: parse("customers.status", &r.status)?,
            monthly_volume: money("customers.monthly_volume_fen", r.monthly_volume_fen)?,
            address: r.address,
            phone: r.phone,
            website: r.website,
            notes: r.notes,
            version: r.version,
            created_at: from_micros("customers.created_at", r.created_at)?,
            updated_at: from_micros("customers.updated_at", r.updated_at)?,
        })
    }
}

pub(crate) fn customer_fields(c: &Customer) -> Fields {
    vec![
        ("name", c.name.as_str().into()),
        ("name_key", c.name_key.as_str().into()),
        ("short_name", c.short_name.clone().into()),
        ("pinyin", c.pinyin.as_str().into()),
        ("short_pinyin", c.short_pinyin.as_str().into()),
        ("credit_code", code(c.credit_code.as_ref())),
        ("nature", code(c.nature)),
        ("channel", code(c.channel)),
        ("industry", c.industry.clone().into()),
        ("product_category", c.product_category.clone().into()),
        ("province", c.province.clone().into()),
        ("city", c.city.clone().into()),
        ("tier", c.tier.code().into()),
        ("abc_class", code(c.abc_class)),
        ("owner_id", c.owner_id.to_string().into()),
        ("status", c.status.code().into()),
        (
            "monthly_volume_fen",
            c.monthly_volume.map(Money::fen).into(),
        ),
        ("address", c.address.clone().into()),
        ("phone", c.phone.clone().into()),
        ("website", c.website.clone().into()),
        ("notes", c.notes.clone().into()),
    ]
}

pub(crate) const CONTACT_COLUMNS: &str = "id, customer_id, name, title, department, mobile, \
    phone, email, wechat, roles, influence, relationship, birthday, native_place, age, hobbies, \
    tenure_years, authority, style, family, notes, version, created_at, updated_at";

row! {
    pub(crate) struct ContactRow {
        pub id: String,
        customer_id: String,
        pub name: String,
        title: Option<String>,
        department: Option<String>,
        mobile: Option<String>,
        phone: Option<String>,
        email: Option<String>,
        wechat: Option<String>,
        roles: String,
        influence: Option<i64>,
        relationship: Option<i64>,
        birthday: Option<String>,
        native_place: Option<String>,
        age: Option<i64>,
        hobbies: Option<String>,
        tenure_years: Option<i64>,
        authority: Option<String>,
        style: Option<String>,
        family: Option<String>,
        notes: Option<String>,
        version: i64,
        created_at: i64,
        updated_at: i64,
    }
}

fn level(column: &str, v: Option<i64>) -> Result<Option<Level>, StoreError> {
    int::<u8>(column, v)?
        .map(|l| Level::new(l).ok_or_else(|| StoreError::Corrupt(format!("{column}: {l}"))))
        .transpose()
}

impl TryFrom<ContactRow> for Contact {
    type Error = StoreError;
    fn try_from(r: ContactRow) -> Result<Self, StoreError> {
        Ok(Contact {
            id: parse("contacts.id", &r.id)?,
            customer_id: parse("contacts.customer_id", &r.customer_id)?,
            name: r.name,
            title: r.title,
            department: r.department,
            mobile: r.mobile,
            phone: r.phone,
            email: r.email,
            wechat: r.wechat,
            roles: r
                .roles
                .split(',')
                .filter(|code| !code.is_empty())
                .map(|code| parse("contacts.roles", code))
                .collect::<Result<_, _>>()?,
            influence: level("contacts.influence", r.influence)?,
            relationship: level("contacts.relationship", r.relationship)?,
            birthday: parse_opt("contacts.birthday", r.birthday)?,
            native_place: r.native_place,
            age: int("contacts.age", r.age)?,
            hobbies: r.hobbies,
            tenure_years: int("contacts.tenure_years", r.tenure_years)?,
            authority: r.authority,
            style: r.style,
            family: r.family,
            notes: r.notes,
            version: r.version,
            created_at: from_micros("contacts.created_at", r.created_at)?,
            updated_at: from_micros("contacts.updated_at", r.updated_at)?,
        })
    }
}

pub(crate) fn contact_fields(c: &Contact) -> Fields {
    let roles: Vec<&str> = c.roles.iter().map(|r| r.code()).collect();
    vec![
        ("customer_id", c.customer_id.to_string().into()),
        ("name", c.name.as_str().into()),
        ("title", c.title.clone().into()),
        ("department", c.department.clone().into()),
        ("mobile", c.mobile.clone().into()),
        ("phone", c.phone.clone().into()),
        ("email", c.email.clone().into()),
        ("wechat", c.wechat.clone().into()),
        ("roles", roles.join(",").into()),
        ("influence", c.influence.map(|l| i64::from(l.get())).into()),
        (
            "relationship",
            c.relationship.map(|l| i64::from(l.get())).into(),
        ),
        ("birthday", code(c.birthday)),
        ("native_place", c.native_place.clone().into()),
        ("age", c.age.map(i64::from).into()),
        ("hobbies", c.hobbies.clone().into()),
        ("tenure_years", c.tenure_years.map(i64::from).into()),
        ("authority", c.authority.clone().into()),
        ("style", c.style.clone().into()),
        ("family", c.family.clone().into()),
        ("notes", c.notes.clone().into()),
    ]
}

pub(crate) const ACTIVITY_COLUMNS: &str = "id, customer_id, occurred_at, method, \
    duration_minutes, content, progress, attitude, attitude_note, next_step, next_follow_up, \
    gift_value_fen, owner_id, version, created_at, updated_at";

row! {
    pub(crate) struct ActivityRow {
        pub id: String,
        customer_id: String,
        pub occurred_at: i64,
        method: String,
        duration_minutes: Option<i64>,
        content: String,
        progress: Option<String>,
        attitude: Option<String>,
        attitude_note: Option<String>,
        next_step: Option<String>,
        pub next_follow_up: Option<String>,
        gift_value_fen: Option<i64>,
        owner_id: String,
        version: i64,
        created_at: i64,
        updated_at: i64,
    }
}

impl TryFrom<ActivityRow> for Activity {
    type Error = StoreError;
    /// Without its contacts, which live in `activity_contacts`.
    fn try_from(r: ActivityRow) -> Result<Self, StoreError> {
        Ok(Activity {
            id: parse("activities.id", &r.id)?,
            customer_id: parse("activities.customer_id", &r.customer_id)?,
            contact_ids: Vec::new(),
            occurred_at: from_micros("activities.occurred_at", r.occurred_at)?,
            method: parse("activities.method", &r.method)?,
            duration_minutes: int("activities.duration_minutes", r.duration_minutes)?,
            content: r.content,
            progress: r.progress,
            attitude: parse_opt("activities.attitude", r.attitude)?,
            attitude_note: r.attitude_note,
            next_step: r.next_step,
            next_follow_up: parse_opt::<NaiveDate>("activities.next_follow_up", r.next_follow_up)?,
            gift_value: money("activities.gift_value_fen", r.gift_value_fen)?,
            owner_id: parse("activities.owner_id", &r.owner_id)?,
            version: r.version,
            created_at: from_micros("activities.created_at", r.created_at)?,
            updated_at: from_micros("activities.updated_at", r.updated_at)?,
        })
    }
}

pub(crate) fn activity_fields(a: &Activity) -> Fields {
    vec![
        ("customer_id", a.customer_id.to_string().into()),
        ("occurred_at", micros(a.occurred_at).into()),
        ("method", a.method.code().into()),
        ("duration_minutes", a.duration_minutes.map(i64::from).into()),
        ("content", a.content.as_str().into()),
        ("progress", a.progress.clone().into()),
        ("attitude", code(a.attitude)),
        ("attitude_note", a.attitude_note.clone().into()),
        ("next_step", a.next_step.clone().into()),
        // `YYYY-MM-DD` text sorts in date order.
        ("next_follow_up", code(a.next_follow_up)),
        ("gift_value_fen", a.gift_value.map(Money::fen).into()),
        ("owner_id", a.owner_id.to_string().into()),
    ]
}

pub(crate) const AUDIT_COLUMNS: &str = "id, at, actor_id, action, entity, entity_id, changes";

row! {
    pub(crate) struct AuditRow {
        pub id: String,
        pub at: i64,
        actor_id: Option<String>,
        action: String,
        entity: String,
        entity_id: String,
        changes: String,
    }
}

impl TryFrom<AuditRow> for AuditEntry {
    type Error = StoreError;
    fn try_from(r: AuditRow) -> Result<Self, StoreError> {
        Ok(AuditEntry {
            id: parse("audit_log.id", &r.id)?,
            at: from_micros("audit_log.at", r.at)?,
            actor_id: parse_opt("audit_log.actor_id", r.actor_id)?,
            action: parse("audit_log.action", &r.action)?,
            entity: r.entity,
            entity_id: r.entity_id,
            changes: parse("audit_log.changes", &r.changes)?,
        })
    }
}

/// All the columns of `audit_log`, in [`AUDIT_COLUMNS`] order.
pub(crate) fn audit_values(e: &AuditEntry) -> [Value; 7] {
    [
        e.id.hyphenated().to_string().into(),
        micros(e.at).into(),
        code(e.actor_id),
        e.action.code().into(),
        e.entity.as_str().into(),
        e.entity_id.as_str().into(),
        e.changes.to_string().into(),
    ]
}

row! {
    pub(crate) struct ResponseRow {
        fingerprint: String,
        status: i64,
        body: String,
    }
}

impl TryFrom<ResponseRow> for StoredResponse {
    type Error = StoreError;
    fn try_from(r: ResponseRow) -> Result<Self, StoreError> {
        Ok(StoredResponse {
            fingerprint: r.fingerprint,
            status: u16::try_from(r.status).map_err(|_| {
                StoreError::Corrupt(format!("idempotency_keys.status: {}", r.status))
            })?,
            body: r.body,
        })
    }
}

row! {
    pub(crate) struct TemplateRow {
        key: String,
        version: i64,
        source: String,
        builtin: bool,
        created_at: i64,
        created_by: Option<String>,
    }
}

pub(crate) const TEMPLATE_COLUMNS: &str = "key, version, source, builtin, created_at, created_by";

impl TryFrom<TemplateRow> for StoredTemplate {
    type Error = StoreError;
    fn try_from(r: TemplateRow) -> Result<Self, StoreError> {
        Ok(StoredTemplate {
            key: r.key,
            version: r.version,
            source: r.source,
            builtin: r.builtin,
            created_at: from_micros("process_templates.created_at", r.created_at)?,
            created_by: parse_opt("process_templates.created_by", r.created_by)?,
        })
    }
}

/// All the columns of `process_templates`, in [`TEMPLATE_COLUMNS`] order.
pub(crate) fn template_values(t: &StoredTemplate) -> [Value; 6] {
    [
        t.key.as_str().into(),
        t.version.into(),
        t.source.as_str().into(),
        t.builtin.into(),
        micros(t.created_at).into(),
        code(t.created_by),
    ]
}

pub(crate) const CASE_COLUMNS: &str = "id, customer_id, template_key, template_version, title, \
    owner_id, expected_amount_fen, expected_close_date, competitors, obstacles, \
    expected_cost_fen, next_step, status, stage, stage_entered_at, stage_due_at, outcome_reason, \
    version, created_at, updated_at";

row! {
    pub(crate) struct CaseRow {
        pub id: String,
        customer_id: String,
        template_key: String,
        template_version: i64,
        title: String,
        owner_id: String,
        expected_amount_fen: Option<i64>,
        expected_close_date: Option<String>,
        competitors: Option<String>,
        obstacles: Option<String>,
        expected_cost_fen: Option<i64>,
        next_step: Option<String>,
        status: String,
        stage: String,
        stage_entered_at: i64,
        pub stage_due_at: Option<i64>,
        outcome_reason: Option<String>,
        version: i64,
        created_at: i64,
        updated_at: i64,
    }
}

impl TryFrom<CaseRow> for DevelopmentCase {
    type Error = StoreError;
    /// Without its checked items, which live in `case_checks`.
    fn try_from(r: CaseRow) -> Result<Self, StoreError> {
        Ok(DevelopmentCase {
            id: parse("cases.id", &r.id)?,
            customer_id: parse("cases.customer_id", &r.customer_id)?,
            template_key: r.template_key,
            template_version: r.template_version,
            title: r.title,
            owner_id: parse("cases.owner_id", &r.owner_id)?,
            expected_amount: money("cases.expected_amount_fen", r.expected_amount_fen)?,
            expected_close_date: parse_opt::<NaiveDate>(
                "cases.expected_close_date",
                r.expected_close_date,
            )?,
            competitors: r.competitors,
            obstacles: r.obstacles,
            expected_cost: money("cases.expected_cost_fen", r.expected_cost_fen)?,
            next_step: r.next_step,
            status: parse("cases.status", &r.status)?,
            stage: r.stage,
            stage_entered_at: from_micros("cases.stage_entered_at", r.stage_entered_at)?,
            stage_due_at: r
                .stage_due_at
                .map(|v| from_micros("cases.stage_due_at", v))
                .transpose()?,
            checked: BTreeSet::new(),
            outcome_reason: r.outcome_reason,
            version: r.version,
            created_at: from_micros("cases.created_at", r.created_at)?,
            updated_at: from_micros("cases.updated_at", r.updated_at)?,
        })
    }
}

pub(crate) fn case_fields(c: &DevelopmentCase) -> Fields {
    vec![
        ("customer_id", c.customer_id.to_string().into()),
        ("template_key", c.template_key.as_str().into()),
        ("template_version", c.template_version.into()),
        ("title", c.title.as_str().into()),
        ("owner_id", c.owner_id.to_string().into()),
        (
            "expected_amount_fen",
            c.expected_amount.map(Money::fen).into(),
        ),
        ("expected_close_date", code(c.expected_close_date)),
        ("competitors", c.competitors.clone().into()),
        ("obstacles", c.obstacles.clone().into()),
        ("expected_cost_fen", c.expected_cost.map(Money::fen).into()),
        ("next_step", c.next_step.clone().into()),
        ("status", c.status.code().into()),
        ("stage", c.stage.as_str().into()),
        ("stage_entered_at", micros(c.stage_entered_at).into()),
        ("stage_due_at", c.stage_due_at.map(micros).into()),
        ("outcome_reason", c.outcome_reason.clone().into()),
    ]
}

pub(crate) const EVENT_COLUMNS: &str =
    "id, case_id, at, actor_id, kind, from_stage, to_stage, reason, comment";

row! {
    pub(crate) struct EventRow {
        id: String,
        pub case_id: String,
        at: i64,
        actor_id: Option<String>,
        kind: String,
        from_stage: Option<String>,
        to_stage: Option<String>,
        reason: Option<String>,
        comment: Option<String>,
    }
}

impl TryFrom<EventRow> for CaseEvent {
    type Error = StoreError;
    fn try_from(r: EventRow) -> Result<Self, StoreError> {
        Ok(CaseEvent {
            id: parse("case_events.id", &r.id)?,
            case_id: parse("case_events.case_id", &r.case_id)?,
            at: from_micros("case_events.at", r.at)?,
            actor_id: parse_opt("case_events.actor_id", r.actor_id)?,
            kind: parse("case_events.kind", &r.kind)?,
            from_stage: r.from_stage,
            to_stage: r.to_stage,
            reason: r.reason,
            comment: r.comment,
        })
    }
}

/// All the columns of `case_events`, in [`EVENT_COLUMNS`] order.
pub(crate) fn event_values(e: &CaseEvent) -> [Value; 9] {
    [
        e.id.hyphenated().to_string().into(),
        e.case_id.to_string().into(),
        micros(e.at).into(),
        code(e.actor_id),
        e.kind.code().into(),
        e.from_stage.clone().into(),
        e.to_stage.clone().into(),
        e.reason.clone().into(),
        e.comment.clone().into(),
    ]
}

pub(crate) const APPROVAL_COLUMNS: &str = "id, kind, case_id, stage, requested_by, approver_id, \
    status, comment, requested_at, decided_at, due_at, version";

row! {
    pub(crate) struct ApprovalRow {
        pub id: String,
        kind: String,
        case_id: Option<String>,
        stage: Option<String>,
        requested_by: String,
        approver_id: String,
        status: String,
        comment: Option<String>,
        pub requested_at: i64,
        decided_at: Option<i64>,
        due_at: Option<i64>,
        version: i64,
    }
}

impl TryFrom<ApprovalRow> for Approval {
    type Error = StoreError;
    fn try_from(r: ApprovalRow) -> Result<Self, StoreError> {
        let at = |column: &str, v: Option<i64>| v.map(|v| from_micros(column, v)).transpose();
        Ok(Approval {
            id: parse("approvals.id", &r.id)?,
            kind: parse("approvals.kind", &r.kind)?,
            case_id: parse_opt("approvals.case_id", r.case_id)?,
            stage: r.stage,
            requested_by: parse("approvals.requested_by", &r.requested_by)?,
            approver_id: parse("approvals.approver_id", &r.approver_id)?,
            status: parse("approvals.status", &r.status)?,
            comment: r.comment,
            requested_at: from_micros("approvals.requested_at", r.requested_at)?,
            decided_at: at("approvals.decided_at", r.decided_at)?,
            due_at: at("approvals.due_at", r.due_at)?,
            version: r.version,
        })
    }
}

/// The columns of `approvals` but `id` and `version`, with their values.
pub(crate) fn approval_fields(a: &Approval) -> Fields {
    vec![
        ("kind", a.kind.code().into()),
        ("case_id", code(a.case_id)),
        ("stage", a.stage.clone().into()),
        ("requested_by", a.requested_by.to_string().into()),
        ("approver_id", a.approver_id.to_string().into()),
        ("status", a.status.code().into()),
        ("comment", a.comment.clone().into()),
        ("requested_at", micros(a.requested_at).into()),
        ("decided_at", a.decided_at.map(micros).into()),
        ("due_at", a.due_at.map(micros).into()),
    ]
}

row! {
    pub(crate) struct CalendarDayRow {
        date: String,
        kind: String,
        name: String,
    }
}

impl TryFrom<CalendarDayRow> for CalendarDay {
    type Error = StoreError;
    fn try_from(r: CalendarDayRow) -> Result<Self, StoreError> {
        Ok(CalendarDay {
            date: parse("calendar_days.date", &r.date)?,
            kind: parse("calendar_days.kind", &r.kind)?,
            name: r.name,
        })
    }
}

/// A decimal with at most two decimals as an integer count of hundredths
/// (fen for money): exact, or refused rather than rounded.
pub(crate) fn hundredths(column: &str, v: Decimal) -> Result<i64, StoreError> {
    v.checked_mul(Decimal::ONE_HUNDRED)
        .filter(|h| h.fract().is_zero())
        .and_then(|h| i64::try_from(h).ok())
        .ok_or_else(|| {
            StoreError::Corrupt(format!(
                "{column}: {v} is not a whole number of hundredths within range"
            ))
        })
}

fn hundredths_opt(column: &str, v: Option<Decimal>) -> Result<Value, StoreError> {
    Ok(v.map(|v| hundredths(column, v)).transpose()?.into())
}

/// Hundredths read back as a decimal with two decimals.
fn from_hundredths(v: i64) -> Decimal {
    Decimal::new(v, 2)
}

fn json<T: serde::de::DeserializeOwned>(column: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

fn at_opt(column: &str, v: Option<i64>) -> Result<Option<DateTime<Utc>>, StoreError> {
    v.map(|v| from_micros(column, v)).transpose()
}

pub(crate) const FORM_COLUMNS: &str = "id, template_key, template_version, customer_id, \
    case_id, answers, score, max_score, grade, capped, red_flags, filled_by, filled_at";

row! {
    pub(crate) struct FormRow {
        pub id: String,
        template_key: String,
        template_version: i64,
        customer_id: String,
        case_id: Option<String>,
        answers: String,
        score: i64,
        max_score: i64,
        grade: Option<String>,
        capped: bool,
        red_flags: String,
        filled_by: String,
        pub filled_at: i64,
    }
}

impl TryFrom<FormRow> for FilledForm {
    type Error = StoreError;
    fn try_from(r: FormRow) -> Result<Self, StoreError> {
        Ok(FilledForm {
            id: parse("forms.id", &r.id)?,
            template_key: r.template_key,
            template_version: r.template_version,
            customer_id: parse("forms.customer_id", &r.customer_id)?,
            case_id: parse_opt("forms.case_id", r.case_id)?,
            answers: json("forms.answers", &r.answers)?,
            score: from_hundredths(r.score),
            max_score: from_hundredths(r.max_score),
            grade: r.grade,
            capped: r.capped,
            red_flags: json("forms.red_flags", &r.red_flags)?,
            filled_by: parse("forms.filled_by", &r.filled_by)?,
            filled_at: from_micros("forms.filled_at", r.filled_at)?,
        })
    }
}

/// All the columns of `forms`, in [`FORM_COLUMNS`] order.
pub(crate) fn form_values(f: &FilledForm) -> Result<[Value; 13], StoreError> {
    Ok([
        f.id.hyphenated().to_string().into(),
        f.template_key.as_str().into(),
        f.template_version.into(),
        f.customer_id.to_string().into(),
        code(f.case_id),
        f.answers.to_string().into(),
        hundredths("forms.score", f.score)?.into(),
        hundredths("forms.max_score", f.max_score)?.into(),
        f.grade.clone().into(),
        f.capped.into(),
        serde_json::Value::from(f.red_flags.clone())
            .to_string()
            .into(),
        f.filled_by.to_string().into(),
        micros(f.filled_at).into(),
    ])
}

pub(crate) const CREDIT_PROFILE_COLUMNS: &str =
    "customer_id, grade, limit_fen, payment_terms_days, proposed_grade, version, updated_at";

row! {
    pub(crate) struct CreditProfileRow {
        customer_id: String,
        grade: Option<String>,
        limit_fen: Option<i64>,
        payment_terms_days: Option<i64>,
        proposed_grade: Option<String>,
        version: i64,
        updated_at: i64,
    }
}

impl TryFrom<CreditProfileRow> for CreditProfile {
    type Error = StoreError;
    fn try_from(r: CreditProfileRow) -> Result<Self, StoreError> {
        Ok(CreditProfile {
            customer_id: parse("credit_profiles.customer_id", &r.customer_id)?,
            grade: parse_opt("credit_profiles.grade", r.grade)?,
            limit: money("credit_profiles.limit_fen", r.limit_fen)?,
            payment_terms_days: int("credit_profiles.payment_terms_days", r.payment_terms_days)?,
            proposed_grade: parse_opt("credit_profiles.proposed_grade", r.proposed_grade)?,
            version: r.version,
            updated_at: from_micros("credit_profiles.updated_at", r.updated_at)?,
        })
    }
}

/// The columns of `credit_profiles` but the key, `version` and `updated_at`.
pub(crate) fn credit_profile_fields(p: &CreditProfile) -> Fields {
    vec![
        ("grade", code(p.grade)),
        ("limit_fen", p.limit.map(Money::fen).into()),
        (
            "payment_terms_days",
            p.payment_terms_days.map(i64::from).into(),
        ),
        ("proposed_grade", code(p.proposed_grade)),
    ]
}

pub(crate) const CREDIT_CHANGE_COLUMNS: &str = "id, customer_id, from_grade, to_grade, form_id, \
    reason, status, raised_by, triggered_at, submit_due_at, submitted_by, submitted_at, \
    verifier_id, verify_due_at, decided_at, review_opinion, version";

row! {
    pub(crate) struct CreditChangeRow {
        pub id: String,
        customer_id: String,
        from_grade: Option<String>,
        to_grade: String,
        form_id: Option<String>,
        reason: Option<String>,
        status: String,
        raised_by: String,
        pub triggered_at: i64,
        submit_due_at: i64,
        submitted_by: Option<String>,
        submitted_at: Option<i64>,
        verifier_id: Option<String>,
        verify_due_at: Option<i64>,
        decided_at: Option<i64>,
        review_opinion: Option<String>,
        version: i64,
    }
}

impl TryFrom<CreditChangeRow> for CreditChange {
    type Error = StoreError;
    fn try_from(r: CreditChangeRow) -> Result<Self, StoreError> {
        Ok(CreditChange {
            id: parse("credit_changes.id", &r.id)?,
            customer_id: parse("credit_changes.customer_id", &r.customer_id)?,
            from_grade: parse_opt("credit_changes.from_grade", r.from_grade)?,
            to_grade: parse("credit_changes.to_grade", &r.to_grade)?,
            form_id: parse_opt("credit_changes.form_id", r.form_id)?,
            reason: r.reason,
            status: parse("credit_changes.status", &r.status)?,
            raised_by: parse("credit_changes.raised_by", &r.raised_by)?,
            triggered_at: from_micros("credit_changes.triggered_at", r.triggered_at)?,
            submit_due_at: from_micros("credit_changes.submit_due_at", r.submit_due_at)?,
            submitted_by: parse_opt("credit_changes.submitted_by", r.submitted_by)?,
            submitted_at: at_opt("credit_changes.submitted_at", r.submitted_at)?,
            verifier_id: parse_opt("credit_changes.verifier_id", r.verifier_id)?,
            verify_due_at: at_opt("credit_changes.verify_due_at", r.verify_due_at)?,
            decided_at: at_opt("credit_changes.decided_at", r.decided_at)?,
            review_opinion: r.review_opinion,
            version: r.version,
        })
    }
}

/// The columns of `credit_changes` but `id` and `version`, with their values.
pub(crate) fn credit_change_fields(c: &CreditChange) -> Fields {
    vec![
        ("customer_id", c.customer_id.to_string().into()),
        ("from_grade", code(c.from_grade)),
        ("to_grade", c.to_grade.code().into()),
        ("form_id", code(c.form_id)),
        ("reason", c.reason.clone().into()),
        ("status", c.status.code().into()),
        ("raised_by", c.raised_by.to_string().into()),
        ("triggered_at", micros(c.triggered_at).into()),
        ("submit_due_at", micros(c.submit_due_at).into()),
        ("submitted_by", code(c.submitted_by)),
        ("submitted_at", c.submitted_at.map(micros).into()),
        ("verifier_id", code(c.verifier_id)),
        ("verify_due_at", c.verify_due_at.map(micros).into()),
        ("decided_at", c.decided_at.map(micros).into()),
        ("review_opinion", c.review_opinion.clone().into()),
    ]
}

pub(crate) const FINANCIAL_PERIOD_COLUMNS: &str = "id, customer_id, period_start, period_end, \
    current_assets_fen, current_liabilities_fen, revenue_fen, net_profit_fen, total_assets_fen, \
    accounts_receivable_fen, inventory_fen, cost_of_goods_sold_fen, created_by, created_at";

row! {
    pub(crate) struct FinancialPeriodRow {
        id: String,
        customer_id: String,
        period_start: String,
        period_end: String,
        current_assets_fen: Option<i64>,
        current_liabilities_fen: Option<i64>,
        revenue_fen: Option<i64>,
        net_profit_fen: Option<i64>,
        total_assets_fen: Option<i64>,
        accounts_receivable_fen: Option<i64>,
        inventory_fen: Option<i64>,
        cost_of_goods_sold_fen: Option<i64>,
        created_by: String,
        created_at: i64,
    }
}

impl TryFrom<FinancialPeriodRow> for FinancialPeriod {
    type Error = StoreError;
    fn try_from(r: FinancialPeriodRow) -> Result<Self, StoreError> {
        let yuan = |fen: Option<i64>| fen.map(from_hundredths);
        Ok(FinancialPeriod {
            id: parse("financial_periods.id", &r.id)?,
            customer_id: parse("financial_periods.customer_id", &r.customer_id)?,
            period_start: parse("financial_periods.period_start", &r.period_start)?,
            period_end: parse("financial_periods.period_end", &r.period_end)?,
            figures: Figures {
                current_assets: yuan(r.current_assets_fen),
                current_liabilities: yuan(r.current_liabilities_fen),
                revenue: yuan(r.revenue_fen),
                net_profit: yuan(r.net_profit_fen),
                total_assets: yuan(r.total_assets_fen),
                accounts_receivable: yuan(r.accounts_receivable_fen),
                inventory: yuan(r.inventory_fen),
                cost_of_goods_sold: yuan(r.cost_of_goods_sold_fen),
            },
            created_by: parse("financial_periods.created_by", &r.created_by)?,
            created_at: from_micros("financial_periods.created_at", r.created_at)?,
        })
    }
}

/// All the columns of `financial_periods`, in [`FINANCIAL_PERIOD_COLUMNS`]
/// order; a figure that is not a whole number of fen is refused.
pub(crate) fn financial_period_values(p: &FinancialPeriod) -> Result<Vec<Value>, StoreError> {
    let f = &p.figures;
    let column = "financial_periods.figures";
    Ok(vec![
        p.id.hyphenated().to_string().into(),
        p.customer_id.to_string().into(),
        // `YYYY-MM-DD` text sorts in date order.
        p.period_start.to_string().into(),
        p.period_end.to_string().into(),
        hundredths_opt(column, f.current_assets)?,
        hundredths_opt(column, f.current_liabilities)?,
        hundredths_opt(column, f.revenue)?,
        hundredths_opt(column, f.net_profit)?,
        hundredths_opt(column, f.total_assets)?,
        hundredths_opt(column, f.accounts_receivable)?,
        hundredths_opt(column, f.inventory)?,
        hundredths_opt(column, f.cost_of_goods_sold)?,
        p.created_by.to_string().into(),
        micros(p.created_at).into(),
    ])
}

pub(crate) const NOTIFICATION_COLUMNS: &str =
    "id, user_id, subject, text_zh, text_en, link, created_at, read_at";

row! {
    pub(crate) struct NotificationRow {
        pub id: String,
        user_id: String,
        subject: String,
        text_zh: String,
        text_en: String,
        link: Option<String>,
        pub created_at: i64,
        read_at: Option<i64>,
    }
}

impl TryFrom<NotificationRow> for Notification {
    type Error = StoreError;
    fn try_from(r: NotificationRow) -> Result<Self, StoreError> {
        Ok(Notification {
            id: parse("notifications.id", &r.id)?,
            user_id: parse("notifications.user_id", &r.user_id)?,
            subject: r.subject,
            text_zh: r.text_zh,
            text_en: r.text_en,
            link: r.link,
            created_at: from_micros("notifications.created_at", r.created_at)?,
            read_at: at_opt("notifications.read_at", r.read_at)?,
        })
    }
}

/// All the columns of `notifications`, in [`NOTIFICATION_COLUMNS`] order.
pub(crate) fn notification_values(n: &Notification) -> [Value; 8] {
    [
        n.id.hyphenated().to_string().into(),
        n.user_id.to_string().into(),
        n.subject.as_str().into(),
        n.text_zh.as_str().into(),
        n.text_en.as_str().into(),
        n.link.clone().into(),
        micros(n.created_at).into(),
        n.read_at.map(micros).into(),
    ]
}

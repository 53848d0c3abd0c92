//! The ports the use cases need: storage, a clock and an id source. The
//! `store` crate implements [`Store`] for SQLite and PostgreSQL.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use tuoke_core::calendar::CalendarDay;
use tuoke_core::credit::{CreditChange, CreditChangeStatus, CreditProfile};
use tuoke_core::finance::FinancialPeriod;
use tuoke_core::process::funnel::FunnelTotals;
use tuoke_core::process::{CaseEvent, CaseStatus, DevelopmentCase};
use tuoke_core::{
    AbcClass, Activity, ActivityId, ActivityMethod, Approval, ApprovalId, ApprovalStatus,
    AuditEntry, CaseId, ChannelType, Contact, ContactId, CreditCode, Customer, CustomerId,
    CustomerNature, CustomerStatus, Team, TeamId, Tier, User, UserId, Username,
};
use uuid::Uuid;

/// Everything one import writes: created records, changed ones with the
/// version they were read at, and an audit entry for each. The store
/// writes it in one transaction, so an import lands whole or not at all.
#[derive(Debug, Default)]
pub struct ImportBatch {
    pub new_customers: Vec<Customer>,
    pub changed_customers: Vec<(Customer, i64)>,
    pub new_contacts: Vec<Contact>,
    pub changed_contacts: Vec<(Contact, i64)>,
    pub new_activities: Vec<Activity>,
    pub changed_activities: Vec<(Activity, i64)>,
    /// New cases with their history.
    pub new_cases: Vec<(DevelopmentCase, Vec<CaseEvent>)>,
    pub changed_cases: Vec<(DevelopmentCase, i64)>,
    pub audit: Vec<AuditEntry>,
}

impl ImportBatch {
    /// How many records it creates or changes.
    pub fn len(&self) -> usize {
        self.new_customers.len()
            + self.changed_customers.len()
            + self.new_contacts.len()
            + self.changed_contacts.len()
            + self.new_activities.len()
            + self.changed_activities.len()
            + self.new_cases.len()
            + self.changed_cases.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What can go wrong in storage. Backend details are for the logs only.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// The record exists but its version is not the expected one.
    #[error("version conflict: the record is now at version {current}")]
    VersionConflict { current: i64 },
    /// A uniqueness or reference rule of the schema refused the write.
    /// `what` names the rule, e.g. `customers.name_key`, `users.username`,
    /// or `users.in_use` for a row other rows still point to.
    #[error("conflict on {what}")]
    Conflict { what: String },
    #[error("invalid cursor")]
    InvalidCursor,
    /// Stored data that cannot be read back as a domain value.
    #[error("corrupt data: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Backend(String),
}

/// A page request: at most `limit` items after the opaque `cursor`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: u32,
    pub cursor: Option<String>,
}

impl PageRequest {
    pub const DEFAULT_LIMIT: u32 = 50;
    pub const MAX_LIMIT: u32 = 500;

    pub fn first(limit: u32) -> Self {
        Self {
            limit,
            cursor: None,
        }
    }
}

/// One page of a list and the cursor of the next one (`None` on the last page).
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// Which records of owned things a user may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visibility {
    All,
    /// Only records whose (customer's) owner is one of these users.
    Owners(Vec<UserId>),
}

impl Visibility {
    pub fn allows(&self, owner: UserId) -> bool {
        match self {
            Visibility::All => true,
            Visibility::Owners(ids) => ids.contains(&owner),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CustomerSort {
    /// Newest first (by id, which is time-ordered).
    #[default]
    Newest,
    /// By the normalised name, A→Z.
    Name,
    /// Most recently changed first.
    Updated,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerFilter {
    pub visible: Visibility,
    pub owner_id: Option<UserId>,
    pub status: Option<CustomerStatus>,
    pub tier: Option<Tier>,
    pub abc_class: Option<AbcClass>,
    pub nature: Option<CustomerNature>,
    pub channel: Option<ChannelType>,
    pub industry: Option<String>,
    pub product_category: Option<String>,
    pub province: Option<String>,
    pub city: Option<String>,
    /// Matches a substring of the normalised name, a substring of the short
    /// name, or a prefix of the pinyin initials of the name or short name.
    /// Already normalised by the caller (see `tuoke_core::text::normalize_query`).
    pub q: Option<String>,
    pub sort: CustomerSort,
}

impl CustomerFilter {
    pub fn visible(visible: Visibility) -> Self {
        Self {
            visible,
            owner_id: None,
            status: None,
            tier: None,
            abc_class: None,
            nature: None,
            channel: None,
            industry: None,
            product_category: None,
            province: None,
            city: None,
            q: None,
            sort: CustomerSort::Newest,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ActivitySort {
    /// Most recent contact first (the timeline).
    #[default]
    Recent,
    /// Earliest next follow-up date first (what is due).
    FollowUp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityFilter {
    /// Applies to the owner of the activity's customer.
    pub visible: Visibility,
    pub customer_id: Option<CustomerId>,
    pub owner_id: Option<UserId>,
    pub method: Option<ActivityMethod>,
    /// `occurred_at >= from`
    pub from: Option<DateTime<Utc>>,
    /// `occurred_at < to`
    pub to: Option<DateTime<Utc>>,
    /// Follow-ups due: `next_follow_up <= due_by` (records without one are excluded).
    pub due_by: Option<NaiveDate>,
    pub sort: ActivitySort,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub actor_id: Option<UserId>,
}

/// A version of a process template, as stored: the TOML source is kept as
/// uploaded, so the file an admin sees is the file they sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTemplate {
    pub key: String,
    pub version: i64,
    pub source: String,
    /// Shipped with Tuoke rather than uploaded.
    pub builtin: bool,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<UserId>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CaseSort {
    /// Newest first (by id).
    #[default]
    Newest,
    /// Earliest stage deadline first; cases without one last.
    Due,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFilter {
    /// Applies to the case owner.
    pub visible: Visibility,
    pub template_key: Option<String>,
    pub stage: Option<String>,
    pub owner_id: Option<UserId>,
    /// Cases owned by any of these users (a team's members and manager).
    pub owners_in: Option<Vec<UserId>>,
    pub customer_id: Option<CustomerId>,
    pub status: Option<CaseStatus>,
    /// Expected amount bounds, in fen, inclusive.
    pub amount_min_fen: Option<i64>,
    pub amount_max_fen: Option<i64>,
    /// Open cases whose stage is due at or before this time (overdue: now).
    pub due_by: Option<DateTime<Utc>>,
    /// Cases created at or after / before these times (report periods).
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
    pub sort: CaseSort,
}

impl CaseFilter {
    pub fn visible(visible: Visibility) -> Self {
        Self {
            visible,
            template_key: None,
            stage: None,
            owner_id: None,
            owners_in: None,
            customer_id: None,
            status: None,
            amount_min_fen: None,
            amount_max_fen: None,
            due_by: None,
            created_from: None,
            created_to: None,
            sort: CaseSort::Newest,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApprovalFilter {
    pub approver_id: Option<UserId>,
    pub requested_by: Option<UserId>,
    pub status: Option<ApprovalStatus>,
    pub case_id: Option<CaseId>,
}

/// Which stored funnel totals a report adds up: a template's, of the
/// visible owners (and of one owner or a team's), over whole days (China
/// time) from the first (inclusive) to the second (exclusive); `None` is
/// unbounded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunnelFilter {
    pub template_key: String,
    pub visible: Visibility,
    pub owner_id: Option<UserId>,
    pub owners_in: Option<Vec<UserId>>,
    pub days: (Option<NaiveDate>, Option<NaiveDate>),
}

/// A change to a case written together with something else (an approval
/// decision): the new case, the version read, and the history lines to append.
#[derive(Debug, Clone, Copy)]
pub struct CaseWrite<'a> {
    pub case: &'a DevelopmentCase,
    pub expected_version: i64,
    pub events: &'a [CaseEvent],
}

/// A filled form, with its answers and computed result, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct FilledForm {
    pub id: Uuid,
    pub template_key: String,
    pub template_version: i64,
    pub customer_id: CustomerId,
    pub case_id: Option<CaseId>,
    /// The answers as sent, checked against the template (item key → value).
    pub answers: serde_json::Value,
    /// The score, with two decimals.
    pub score: Decimal,
    pub max_score: Decimal,
    pub grade: Option<String>,
    pub capped: bool,
    pub red_flags: Vec<String>,
    pub filled_by: UserId,
    pub filled_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormFilter {
    pub customer_id: Option<CustomerId>,
    pub case_id: Option<CaseId>,
    pub template_key: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreditChangeFilter {
    /// Applies to the customer's owner.
    pub visible: Option<Visibility>,
    pub customer_id: Option<CustomerId>,
    pub status: Option<CreditChangeStatus>,
    pub verifier_id: Option<UserId>,
    /// Open requests whose current deadline (submission for a draft,
    /// verification for a submitted one) is before this time.
    pub overdue_at: Option<DateTime<Utc>>,
}

/// A message for one user (a missed deadline, say). `subject` names what it
/// is about; a user gets at most one notification per subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub id: Uuid,
    pub user_id: UserId,
    pub subject: String,
    pub text_zh: String,
    pub text_en: String,
    /// The API path of what it is about.
    pub link: Option<String>,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// A response kept for an `Idempotency-Key`, replayed when the same request
/// comes again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    /// A fingerprint of the request (method, path, body): a key reused for a
    /// different request is refused.
    pub fingerprint: String,
    pub status: u16,
    pub body: String,
}

/// Storage of every record. Each write is one transaction that also appends
/// its audit entry, so the audit log never misses a committed change.
/// Updates and deletes take the version the caller read; a different current
/// version gives [`StoreError::VersionConflict`] and changes nothing.
/// An update stores the record with `version + 1` and returns it as stored.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Answers when the database does.
    async fn ping(&self) -> Result<(), StoreError>;

    // Users and sessions.
    async fn insert_user(
        &self,
        user: &User,
        password_hash: &str,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;
    async fn get_user(&self, id: UserId) -> Result<User, StoreError>;
    /// The user and their password hash, for login.
    async fn find_user_credentials(
        &self,
        username: &Username,
    ) -> Result<Option<(User, String)>, StoreError>;
    async fn list_users(&self, page: &PageRequest) -> Result<Page<User>, StoreError>;
    async fn count_users(&self) -> Result<u64, StoreError>;
    async fn update_user(
        &self,
        user: &User,
        expected_version: i64,
        audit: &AuditEntry,
    ) -> Result<User, StoreError>;
    async fn set_password(
        &self,
        id: UserId,
        password_hash: &str,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;
    /// `Conflict { what: "users.in_use" }` while customers, activities or cases point to the user.
    async fn delete_user(
        &self,
        id: UserId,
        expected_version: i64,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;
    /// The members of every team this user manages (not the manager themself).
    async fn list_managed_user_ids(&self, manager_id: UserId) -> Result<Vec<UserId>, StoreError>;

    async fn insert_session(
        &self,
        token_hash: &str,
        user_id: UserId,
        created_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// The active user of an unexpired session.
    async fn find_session_user(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<User>, StoreError>;
    async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError>;

    // Teams. Deleting a team leaves its members without a team.
    async fn insert_team(&self, team: &Team, audit: &AuditEntry) -> Result<(), StoreError>;
    async fn get_team(&self, id: TeamId) -> Result<Team, StoreError>;
    async fn list_teams(&self, page: &PageRequest) -> Result<Page<Team>, StoreError>;
    async fn update_team(
        &self,
        team: &Team,
        expected_version: i64,
        audit: &AuditEntry,
    ) -> Result<Team, StoreError>;
    async fn delete_team(
        &self,
        id: TeamId,
        expected_version: i64,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;

    // Customers. `Conflict { what: "customers.name_key" | "customers.credit_code" }`
    // when another customer has the same key.
    async fn insert_customer(
        &self,
        customer: &Customer,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;
    async fn get_customer(&self, id: CustomerId) -> Result<Customer, StoreError>;
    /// Another customer with this name key or credit code (not `except`).
    async fn find_customer_duplicate(
        &self,
        name_key: &str,
        credit_code: Option<&CreditCode>,
        except: Option<CustomerId>,
    ) -> Result<Option<Customer>, StoreError>;
    /// The customers with one of these duplicate-check name keys or credit
    /// codes (an import's lookup of the rows it may update).
    async fn find_customers_by_keys(
        &self,
        name_keys: &[String],
        credit_codes: &[String],
    ) -> Result<Vec<Customer>, StoreError>;
    /// The contacts of these customers.
    async fn list_contacts_of(&self, customers: &[CustomerId]) -> Result<Vec<Contact>, StoreError>;
    /// The follow-up records of these customers.
    async fn list_activities_of(
        &self,
        customers: &[CustomerId],
    ) -> Result<Vec<Activity>, StoreError>;
    /// The cases of these customers.
    async fn list_cases_of(
        &self,
        customers: &[CustomerId],
    ) -> Result<Vec<DevelopmentCase>, StoreError>;
    /// Writes a whole import in one transaction.
    async fn apply_import(&self, batch: &ImportBatch) -> Result<(), StoreError>;
    async fn list_customers(
        &self,
        filter: &CustomerFilter,
        page: &PageRequest,
    ) -> Result<Page<Customer>, StoreError>;
    async fn update_customer(
        &self,
        customer: &Customer,
        expected_version: i64,
        audit: &AuditEntry,
    ) -> Result<Customer, StoreError>;
    /// Deletes the customer with its contacts and activities.
    async fn delete_customer(
        &self,
        id: CustomerId,
        expected_version: i64,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;

    // Contacts.
    async fn insert_contact(&self, contact: &Contact, audit: &AuditEntry)
    -> Result<(), StoreError>;
    async fn get_contact(&self, id: ContactId) -> Result<Contact, StoreError>;
    /// A customer's contacts, by name.
    async fn list_contacts(
        &self,
        customer_id: CustomerId,
        page: &PageRequest,
    ) -> Result<Page<Contact>, StoreError>;
    async fn update_contact(
        &self,
        contact: &Contact,
        expected_version: i64,
        audit: &AuditEntry,
    ) -> Result<Contact, StoreError>;
    async fn delete_contact(
        &self,
        id: ContactId,
        expected_version: i64,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;
    /// Contacts with a birthday among the customers the visibility allows, at
    /// most `limit` (for the birthdays of the coming days).
    async fn list_contacts_with_birthday(
        &self,
        visible: &Visibility,
        limit: u32,
    ) -> Result<Vec<Contact>, StoreError>;

    // Activities.
    async fn insert_activity(
        &self,
        activity: &Activity,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;
    async fn get_activity(&self, id: ActivityId) -> Result<Activity, StoreError>;
    async fn list_activities(
        &self,
        filter: &ActivityFilter,
        page: &PageRequest,
    ) -> Result<Page<Activity>, StoreError>;
    async fn update_activity(
        &self,
        activity: &Activity,
        expected_version: i64,
        audit: &AuditEntry,
    ) -> Result<Activity, StoreError>;
    async fn delete_activity(
        &self,
        id: ActivityId,
        expected_version: i64,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;

    // Audit log, newest first.
    async fn list_audit(
        &self,
        filter: &AuditFilter,
        page: &PageRequest,
    ) -> Result<Page<AuditEntry>, StoreError>;

    // Process templates, versioned: (key, version) is unique.
    /// `Conflict { what: "process_templates.version" }` when that version exists.
    async fn insert_process_template(
        &self,
        template: &StoredTemplate,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;
    /// A version of a template, or its newest version when `version` is `None`.
    async fn find_process_template(
        &self,
        key: &str,
        version: Option<i64>,
    ) -> Result<Option<StoredTemplate>, StoreError>;
    /// The newest version of every template, by key.
    async fn list_process_templates(&self) -> Result<Vec<StoredTemplate>, StoreError>;

    // Development cases, with their checked items and history.
    async fn insert_case(
        &self,
        case: &DevelopmentCase,
        event: &CaseEvent,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;
    async fn get_case(&self, id: CaseId) -> Result<DevelopmentCase, StoreError>;
    async fn list_cases(
        &self,
        filter: &CaseFilter,
        page: &PageRequest,
    ) -> Result<Page<DevelopmentCase>, StoreError>;
    /// Writes the case (fields, stage, status, checked items) and appends the
    /// history lines, in one transaction.
    async fn update_case(
        &self,
        write: CaseWrite<'_>,
        audit: &[AuditEntry],
    ) -> Result<DevelopmentCase, StoreError>;
    /// A case's history, oldest first.
    async fn list_case_events(&self, case_id: CaseId) -> Result<Vec<CaseEvent>, StoreError>;
    /// Every case matching the filter with its history (for reports; no paging).
    async fn list_cases_with_history(
        &self,
        filter: &CaseFilter,
    ) -> Result<Vec<(DevelopmentCase, Vec<CaseEvent>)>, StoreError>;
    /// The funnel totals of the cases a filter selects, which every write of
    /// a case (and the deletion of a customer with cases) keeps up to date.
    async fn funnel_totals(&self, filter: &FunnelFilter) -> Result<FunnelTotals, StoreError>;

    // Approvals.
    /// Inserts a request and appends its line to the case history.
    async fn insert_approval(
        &self,
        approval: &Approval,
        event: &CaseEvent,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;
    async fn get_approval(&self, id: ApprovalId) -> Result<Approval, StoreError>;
    /// The newest approval for leaving `stage` of a case requested at or after `since`.
    async fn find_stage_approval(
        &self,
        case_id: CaseId,
        stage: &str,
        since: DateTime<Utc>,
    ) -> Result<Option<Approval>, StoreError>;
    /// Newest first.
    async fn list_approvals(
        &self,
        filter: &ApprovalFilter,
        page: &PageRequest,
    ) -> Result<Page<Approval>, StoreError>;
    /// Writes a decision (the approval's version checked like any update) and,
    /// in the same transaction, the case it moves and its history lines.
    async fn update_approval(
        &self,
        approval: &Approval,
        expected_version: i64,
        case: CaseWrite<'_>,
        audit: &[AuditEntry],
    ) -> Result<Approval, StoreError>;

    // The working-day calendar's entries added by admins (the official PRC
    // days ship in `tuoke_core::calendar`). One entry per date.
    async fn list_calendar_days(&self) -> Result<Vec<CalendarDay>, StoreError>;
    /// Adds or replaces the entry of that date.
    async fn upsert_calendar_day(
        &self,
        day: &CalendarDay,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;
    async fn delete_calendar_day(
        &self,
        date: NaiveDate,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;

    // Form templates, versioned like process templates.
    /// `Conflict { what: "form_templates.version" }` when that version exists.
    async fn insert_form_template(
        &self,
        template: &StoredTemplate,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;
    async fn find_form_template(
        &self,
        key: &str,
        version: Option<i64>,
    ) -> Result<Option<StoredTemplate>, StoreError>;
    async fn list_form_templates(&self) -> Result<Vec<StoredTemplate>, StoreError>;

    // Filled forms, newest first.
    async fn insert_form(&self, form: &FilledForm, audit: &AuditEntry) -> Result<(), StoreError>;
    async fn get_form(&self, id: Uuid) -> Result<FilledForm, StoreError>;
    async fn list_forms(
        &self,
        filter: &FormFilter,
        page: &PageRequest,
    ) -> Result<Page<FilledForm>, StoreError>;
    /// (template key, grade) of every graded form filled for the case or for
    /// its customer: what a stage gate checks.
    async fn list_form_grades(
        &self,
        customer_id: CustomerId,
        case_id: Option<CaseId>,
    ) -> Result<Vec<(String, String)>, StoreError>;

    // Credit.
    async fn find_credit_profile(
        &self,
        customer_id: CustomerId,
    ) -> Result<Option<CreditProfile>, StoreError>;
    /// Inserts (expected version 0) or updates (version-checked) the profile;
    /// returns it stored with `version + 1`.
    async fn save_credit_profile(
        &self,
        profile: &CreditProfile,
        expected_version: i64,
        audit: &AuditEntry,
    ) -> Result<CreditProfile, StoreError>;
    async fn insert_credit_change(
        &self,
        change: &CreditChange,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;
    async fn get_credit_change(&self, id: Uuid) -> Result<CreditChange, StoreError>;
    /// The customer's draft or submitted request, if any.
    async fn find_open_credit_change(
        &self,
        customer_id: CustomerId,
    ) -> Result<Option<CreditChange>, StoreError>;
    /// Newest first.
    async fn list_credit_changes(
        &self,
        filter: &CreditChangeFilter,
        page: &PageRequest,
    ) -> Result<Page<CreditChange>, StoreError>;
    /// Writes the request (version-checked) and, in the same transaction, the
    /// profile it changes (version-checked; expected version 0 inserts it).
    async fn update_credit_change(
        &self,
        change: &CreditChange,
        expected_version: i64,
        profile: Option<(&CreditProfile, i64)>,
        audit: &[AuditEntry],
    ) -> Result<CreditChange, StoreError>;

    // Financial figures, one row per customer and period.
    /// `Conflict { what: "financial_periods.period" }` when the customer has
    /// figures for the same start and end.
    async fn insert_financial_period(
        &self,
        period: &FinancialPeriod,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;
    /// A customer's periods, oldest first (by end, then start).
    async fn list_financial_periods(
        &self,
        customer_id: CustomerId,
    ) -> Result<Vec<FinancialPeriod>, StoreError>;

    // Notifications.
    /// Inserts unless the user already has one with this subject; true when inserted.
    async fn insert_notification_once(
        &self,
        notification: &Notification,
    ) -> Result<bool, StoreError>;
    /// Newest first.
    async fn list_notifications(
        &self,
        user_id: UserId,
        unread_only: bool,
        page: &PageRequest,
    ) -> Result<Page<Notification>, StoreError>;
    /// `NotFound` unless the notification is the user's.
    async fn mark_notification_read(
        &self,
        id: Uuid,
        user_id: UserId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    // Preferences.
    /// The interface language the user chose, if any.
    async fn find_user_language(&self, user_id: UserId) -> Result<Option<String>, StoreError>;
    async fn set_user_language(&self, user_id: UserId, language: &str) -> Result<(), StoreError>;

    // Idempotency keys, per user.
    async fn find_idempotent_response(
        &self,
        user_id: UserId,
        key: &str,
    ) -> Result<Option<StoredResponse>, StoreError>;
    /// Keeps the first response stored for a key; a second one is ignored.
    async fn insert_idempotent_response(
        &self,
        user_id: UserId,
        key: &str,
        response: &StoredResponse,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
}

/// The time, as the use cases see it.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

/// New ids (UUIDv7), as the use cases see them.
pub trait IdSource: Send + Sync + 'static {
    fn new_id(&self) -> Uuid;
}

/// The real clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Time-ordered random ids.
pub struct UuidV7;

impl IdSource for UuidV7 {
    fn new_id(&self) -> Uuid {
        Uuid::now_v7()
    }
}

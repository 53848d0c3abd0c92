//! Fresh databases for tests, and fixtures to fill them.

use std::collections::BTreeSet;
use std::env;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::json;
use sqlx::{Connection, Executor, PgConnection};
use tuoke_app::ports::{FilledForm, Notification, StoredTemplate};
use tuoke_core::calendar::WorkCalendar;
use tuoke_core::credit::{CreditChange, CreditGrade, CreditProfile};
use tuoke_core::finance::{Figures, FinancialPeriod};
use tuoke_core::process::{CaseEvent, CaseEventKind, CaseStatus, DevelopmentCase};
use tuoke_core::{
    Activity, ActivityDraft, ActivityId, ActivityMethod, Approval, ApprovalId, AuditAction,
    AuditEntry, CaseId, Contact, ContactDraft, ContactId, Customer, CustomerDraft, CustomerId,
    Role, Team, TeamDraft, TeamId, User, UserDraft, UserId, field_changes,
};
use tuoke_store::Db;
use uuid::Uuid;

/// Where the PostgreSQL tests connect to create their databases.
pub const POSTGRES_URL_VAR: &str = "TUOKE_TEST_POSTGRES_URL";
/// Set (as CI does) to fail instead of skipping when PostgreSQL is down.
pub const REQUIRE_POSTGRES_VAR: &str = "TUOKE_REQUIRE_POSTGRES";
const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A migrated database of its own, removed when dropped.
pub struct TestDb {
    pub url: String,
    pub db: Db,
    /// Holds the SQLite file's directory until the end of the test.
    _dir: Option<tempfile::TempDir>,
    /// The PostgreSQL database to drop, with the URL to drop it from.
    postgres: Option<(String, String)>,
}

impl TestDb {
    /// A SQLite file in a fresh temporary directory.
    pub async fn fresh_sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = format!("sqlite://{}", dir.path().join("tuoke.db").display());
        let db = Db::connect(&url).await.expect("open SQLite");
        db.migrate().await.expect("migrate SQLite");
        TestDb {
            url,
            db,
            _dir: Some(dir),
            postgres: None,
        }
    }

    /// A new database on the test PostgreSQL server, or `None` (after saying
    /// so on stderr) when the server cannot be reached and
    /// `TUOKE_REQUIRE_POSTGRES` is not set.
    pub async fn fresh_postgres() -> Option<TestDb> {
        let admin_url =
            env::var(POSTGRES_URL_VAR).unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned());
        let mut admin = match PgConnection::connect(&admin_url).await {
            Ok(conn) => conn,
            Err(e) if env::var_os(REQUIRE_POSTGRES_VAR).is_some() => {
                panic!("{REQUIRE_POSTGRES_VAR} is set but PostgreSQL is unreachable: {e}")
            }
            Err(e) => {
                eprintln!("skipping: PostgreSQL is unreachable ({e}); set {POSTGRES_URL_VAR}");
                return None;
            }
        };
        let name = format!("tuoke_test_{}", Uuid::now_v7().simple());
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .expect("create the test database");
        admin.close().await.expect("close the admin connection");
        let url = with_database(&admin_url, &name);
        let db = Db::connect(&url).await.expect("open PostgreSQL");
        db.migrate().await.expect("migrate PostgreSQL");
        Some(TestDb {
            url,
            db,
            _dir: None,
            postgres: Some((admin_url, name)),
        })
    }
}

/// `url` with its database (the last path segment) replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((admin_url, name)) = self.postgres.take() else {
            return;
        };
        // Drop may run inside the test's runtime, which cannot be blocked on:
        // drop the database from a thread with a runtime of its own. FORCE
        // ends the connections the pool still holds.
        let drop_sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let mut admin = PgConnection::connect(&admin_url).await?;
                admin.execute(drop_sql.as_str()).await?;
                admin.close().await
            })?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop the test database {name}: {dropped:?}");
        }
    }
}

/// Domain records for tests, with a fixed clock and time-ordered ids, so a
/// run is the same every time.
pub struct Fixtures {
    now: DateTime<Utc>,
    ids: u64,
}

impl Default for Fixtures {
    fn default() -> Self {
        Self::new()
    }
}

impl Fixtures {
    pub fn new() -> Self {
        Fixtures {
            // Microseconds on purpose: storage must keep them.
            now: Utc.with_ymd_and_hms(2026, 11, 23, 9, 30, 0).unwrap()
                + Duration::microseconds(123_456),
            ids: 0,
        }
    }

    /// The fixed "now".
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// Moves the clock on by one second and a microsecond.
    pub fn tick(&mut self) -> DateTime<Utc> {
        self.now += Duration::seconds(1) + Duration::microseconds(1);
        self.now
    }

    /// A UUIDv7 later than every one before it.
    pub fn id(&mut self) -> Uuid {
        self.ids += 1;
        let millis = 1_795_000_000_000 + self.ids;
        let mut random = [0u8; 10];
        random[2..].copy_from_slice(&self.ids.to_be_bytes());
        uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid()
    }

    pub fn user(&mut self, username: &str, role: Role) -> User {
        let draft = UserDraft {
            username: username.into(),
            display_name: None,
            role,
            team_id: None,
            active: true,
        };
        User::create(draft, UserId::from_uuid(self.id()), self.now).unwrap()
    }

    pub fn team(&mut self, name: &str, manager_id: Option<UserId>) -> Team {
        let draft = TeamDraft {
            name: name.into(),
            manager_id,
        };
        Team::create(draft, TeamId::from_uuid(self.id()), self.now).unwrap()
    }

    pub fn customer(&mut self, draft: CustomerDraft, owner: UserId) -> Customer {
        Customer::create(draft, CustomerId::from_uuid(self.id()), owner, self.now).unwrap()
    }

    /// A customer with just a name.
    pub fn named_customer(&mut self, name: &str, owner: UserId) -> Customer {
        let draft = CustomerDraft {
            name: name.into(),
            ..Default::default()
        };
        self.customer(draft, owner)
    }

    pub fn contact(&mut self, customer_id: CustomerId, draft: ContactDraft) -> Contact {
        Contact::create(
            draft,
            ContactId::from_uuid(self.id()),
            customer_id,
            self.now,
        )
        .unwrap()
    }

    /// A visit at `occurred_at` with a follow-up date, if any.
    pub fn activity(
        &mut self,
        customer_id: CustomerId,
        owner: UserId,
        occurred_at: DateTime<Utc>,
        next_follow_up: Option<NaiveDate>,
    ) -> Activity {
        let draft = ActivityDraft {
            customer_id,
            contact_ids: vec![],
            occurred_at,
            method: ActivityMethod::Visit,
            duration_minutes: Some(45),
            content: "拜访采购部王经理，介绍新款复印纸".into(),
            progress: None,
            attitude: None,
            attitude_note: None,
            next_step: None,
            next_follow_up,
            gift_value: None,
            owner_id: None,
        };
        self.activity_from(draft, owner)
    }

    pub fn activity_from(&mut self, draft: ActivityDraft, owner: UserId) -> Activity {
        Activity::create(draft, ActivityId::from_uuid(self.id()), owner, self.now).unwrap()
    }

    /// A version of a process template, uploaded now.
    pub fn template(
        &mut self,
        key: &str,
        version: i64,
        created_by: Option<UserId>,
    ) -> StoredTemplate {
        StoredTemplate {
            key: key.into(),
            version,
            source: format!("key = \"{key}\"\nversion = {version}\n# 阶段 “一” — 'quotes' \\\n"),
            builtin: created_by.is_none(),
            created_at: self.now,
            created_by,
        }
    }

    /// An open case at `stage` of version 1 of a template, opened now with
    /// nothing but a title, and its `Created` history line.
    pub fn case(
        &mut self,
        customer_id: CustomerId,
        owner: UserId,
        template_key: &str,
        stage: &str,
    ) -> (DevelopmentCase, CaseEvent) {
        let case = DevelopmentCase {
            id: CaseId::from_uuid(self.id()),
            customer_id,
            template_key: template_key.into(),
            template_version: 1,
            title: "海信 · 大客户开发".into(),
            owner_id: owner,
            expected_amount: None,
            expected_close_date: None,
            competitors: None,
            obstacles: None,
            expected_cost: None,
            next_step: None,
            status: CaseStatus::Open,
            stage: stage.into(),
            stage_entered_at: self.now,
            stage_due_at: None,
            checked: BTreeSet::new(),
            outcome_reason: None,
            version: 1,
            created_at: self.now,
            updated_at: self.now,
        };
        let event = self.case_event(&case, CaseEventKind::Created, None, Some(stage));
        (case, event)
    }

    /// A line of a case's history, now, by its owner.
    pub fn case_event(
        &mut self,
        case: &DevelopmentCase,
        kind: CaseEventKind,
        from_stage: Option<&str>,
        to_stage: Option<&str>,
    ) -> CaseEvent {
        CaseEvent {
            id: self.id(),
            case_id: case.id,
            at: self.now,
            actor_id: Some(case.owner_id),
            kind,
            from_stage: from_stage.map(str::to_owned),
            to_stage: to_stage.map(str::to_owned),
            reason: None,
            comment: None,
        }
    }

    /// A pending request, made now, to leave the case's current stage.
    pub fn approval(
        &mut self,
        case: &DevelopmentCase,
        requested_by: UserId,
        approver_id: UserId,
    ) -> Approval {
        Approval::stage_gate(
            ApprovalId::from_uuid(self.id()),
            case.id,
            &case.stage,
            requested_by,
            approver_id,
            self.now,
        )
    }

    /// A form of version 1 of a template, filled now for the customer (or
    /// one of its cases), scored 94.62 of 100 with `grade`.
    pub fn form(
        &mut self,
        customer_id: CustomerId,
        case_id: Option<CaseId>,
        filled_by: UserId,
        template_key: &str,
        grade: Option<&str>,
    ) -> FilledForm {
        FilledForm {
            id: self.id(),
            template_key: template_key.into(),
            template_version: 1,
            customer_id,
            case_id,
            answers: json!({
                "revenue": "5000万以上",
                "years": 12,
                "ratio": 1.25,
                "listed": true,
                "notes": null,
                "owners": ["张三", "李四 “二” 'Q' \\ 😀"],
                "nested": {"b": [1, 2, {"c": -3}], "a": ""},
            }),
            score: Decimal::new(9462, 2),
            max_score: Decimal::ONE_HUNDRED,
            grade: grade.map(str::to_owned),
            capped: false,
            red_flags: vec![],
            filled_by,
            filled_at: self.now,
        }
    }

    /// The first credit profile of a customer, rated A with a limit and terms.
    pub fn credit_profile(&mut self, customer_id: CustomerId) -> CreditProfile {
        CreditProfile {
            grade: Some(CreditGrade::A),
            limit: Some(tuoke_core::Money::from_fen(50_000_000).unwrap()),
            payment_terms_days: Some(30),
            version: 1,
            ..CreditProfile::empty(customer_id, self.now)
        }
    }

    /// A draft change request to `to_grade`, raised now (deadlines on the PRC
    /// calendar).
    pub fn credit_change(
        &mut self,
        customer_id: CustomerId,
        raised_by: UserId,
        from_grade: Option<CreditGrade>,
        to_grade: CreditGrade,
    ) -> CreditChange {
        CreditChange::raise(
            self.id(),
            customer_id,
            from_grade,
            to_grade,
            None,
            raised_by,
            self.now,
            &WorkCalendar::prc(),
        )
    }

    /// A customer's figures for a period, entered now, with a loss.
    pub fn financial_period(
        &mut self,
        customer_id: CustomerId,
        period_start: NaiveDate,
        period_end: NaiveDate,
        created_by: UserId,
    ) -> FinancialPeriod {
        let yuan = |fen: i64| Some(Decimal::new(fen, 2));
        let figures = Figures {
            current_assets: yuan(12_345_678_901),
            current_liabilities: yuan(1),
            revenue: yuan(98_765_432_101_234),
            net_profit: yuan(-1_234_567),
            total_assets: None,
            accounts_receivable: yuan(0),
            inventory: Some(Decimal::from(7)),
            cost_of_goods_sold: yuan(10),
        };
        FinancialPeriod::new(
            self.id(),
            customer_id,
            period_start,
            period_end,
            figures,
            created_by,
            self.now,
        )
        .unwrap()
    }

    /// An unread notification for a user about `subject`, now.
    pub fn notification(&mut self, user_id: UserId, subject: &str) -> Notification {
        Notification {
            id: self.id(),
            user_id,
            subject: subject.into(),
            text_zh: format!("{subject} 已逾期"),
            text_en: format!("{subject} is overdue"),
            link: Some(format!("/api/v1/{subject}")),
            created_at: self.now,
            read_at: None,
        }
    }

    /// The audit entry of the creation of `record`, by no one.
    pub fn created<T: Serialize>(
        &mut self,
        entity: &str,
        entity_id: impl ToString,
        record: &T,
    ) -> AuditEntry {
        self.audit(
            None,
            AuditAction::Create,
            entity,
            entity_id,
            None,
            Some(record),
        )
    }

    /// The audit entry of a change of `entity` from `before` to `after`.
    pub fn audit<T: Serialize>(
        &mut self,
        actor_id: Option<UserId>,
        action: AuditAction,
        entity: &str,
        entity_id: impl ToString,
        before: Option<&T>,
        after: Option<&T>,
    ) -> AuditEntry {
        AuditEntry {
            id: self.id(),
            at: self.now,
            actor_id,
            action,
            entity: entity.into(),
            entity_id: entity_id.to_string(),
            changes: field_changes(before, after),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_of_a_url_is_replaced() {
        assert_eq!(
            with_database("postgres://u@h:5432/postgres?sslmode=disable", "t"),
            "postgres://u@h:5432/t?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h", "t"), "postgres://u@h/t");
    }
}

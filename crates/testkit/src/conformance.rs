//! The storage conformance suite: what every [`Store`] must do, run against
//! SQLite and PostgreSQL by [`conformance_tests!`](crate::conformance_tests).
//! Each test takes a fresh, migrated, empty store.

use std::cmp::Reverse;
use std::collections::BTreeSet;
use std::str::FromStr;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::json;
use tuoke_app::ports::{
    ActivityFilter, ActivitySort, ApprovalFilter, AuditFilter, CaseFilter, CaseSort, CaseWrite,
    CreditChangeFilter, CustomerFilter, CustomerSort, FilledForm, FormFilter, FunnelFilter,
    ImportBatch, Notification, Page, PageRequest, Store, StoreError, StoredResponse, Visibility,
};
use tuoke_core::calendar::{CalendarDay, DayKind, WorkCalendar};
use tuoke_core::credit::{CreditChange, CreditChangeStatus, CreditGrade, CreditProfile};
use tuoke_core::finance::FinancialPeriod;
use tuoke_core::process::funnel::{FunnelEntry, FunnelTotals, day_start, report_day};
use tuoke_core::process::{CaseEvent, CaseEventKind, CaseStatus, DevelopmentCase};
use tuoke_core::{
    AbcClass, Activity, ActivityDraft, ActivityId, ActivityMethod, Approval, ApprovalId,
    ApprovalStatus, Attitude, AuditAction, AuditEntry, Birthday, BirthdayCalendar, CaseId,
    ChannelType, Contact, ContactDraft, ContactId, CreditCode, Customer, CustomerDraft, CustomerId,
    CustomerNature, CustomerStatus, DecisionRole, Money, Role, Team, TeamId, Tier, User, UserId,
    Username,
};
use uuid::Uuid;

use crate::db::Fixtures;

/// Stamps out each named body of this module as a `#[tokio::test]` per
/// backend, in `mod sqlite` and `mod postgres`, so a failure names both the
/// behaviour and the backend. PostgreSQL tests return early (after saying
/// so) when no server is reachable, unless `TUOKE_REQUIRE_POSTGRES` is set.
#[macro_export]
macro_rules! conformance_tests {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let test = $crate::db::TestDb::fresh_sqlite().await;
                    $crate::conformance::$name(&test.db).await;
                }
            )+
        }

        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(test) = $crate::db::TestDb::fresh_postgres().await else {
                        return;
                    };
                    $crate::conformance::$name(&test.db).await;
                }
            )+
        }
    };
}

const CREDIT_CODE_A: &str = "91370200163562681G";
const CREDIT_CODE_B: &str = "911100001000066673";

/// A store with fixtures, and helpers that insert them with their audit entry.
struct World<'a> {
    db: &'a dyn Store,
    fx: Fixtures,
}

impl<'a> World<'a> {
    fn new(db: &'a dyn Store) -> Self {
        World {
            db,
            fx: Fixtures::new(),
        }
    }

    fn created<T: Serialize>(&mut self, entity: &str, id: impl ToString, record: &T) -> AuditEntry {
        self.fx.created(entity, id, record)
    }

    fn updated<T: Serialize>(
        &mut self,
        entity: &str,
        id: impl ToString,
        before: &T,
        after: &T,
    ) -> AuditEntry {
        self.fx.audit(
            None,
            AuditAction::Update,
            entity,
            id,
            Some(before),
            Some(after),
        )
    }

    fn deleted<T: Serialize>(&mut self, entity: &str, id: impl ToString, record: &T) -> AuditEntry {
        self.fx
            .audit(None, AuditAction::Delete, entity, id, Some(record), None)
    }

    async fn user(&mut self, username: &str) -> User {
        let user = self.fx.user(username, Role::Rep);
        let audit = self.created("user", user.id, &user);
        self.db.insert_user(&user, "hash", &audit).await.unwrap();
        user
    }

    async fn team(&mut self, name: &str, manager: Option<UserId>) -> Team {
        let team = self.fx.team(name, manager);
        let audit = self.created("team", team.id, &team);
        self.db.insert_team(&team, &audit).await.unwrap();
        team
    }

    /// Puts a user in a team.
    async fn join(&mut self, user: &User, team: TeamId) -> User {
        let mut changed = user.clone();
        changed.team_id = Some(team);
        let audit = self.updated("user", user.id, user, &changed);
        self.db
            .update_user(&changed, user.version, &audit)
            .await
            .unwrap()
    }

    async fn customer(&mut self, draft: CustomerDraft, owner: UserId) -> Customer {
        let customer = self.fx.customer(draft, owner);
        self.insert_customer(&customer).await;
        customer
    }

    async fn insert_customer(&mut self, customer: &Customer) {
        let audit = self.created("customer", customer.id, customer);
        self.db.insert_customer(customer, &audit).await.unwrap();
    }

    async fn named(&mut self, name: &str, owner: UserId) -> Customer {
        let customer = self.fx.named_customer(name, owner);
        self.insert_customer(&customer).await;
        customer
    }

    async fn contact(&mut self, customer: CustomerId, name: &str) -> Contact {
        let draft = ContactDraft {
            name: name.into(),
            ..Default::default()
        };
        let contact = self.fx.contact(customer, draft);
        let audit = self.created("contact", contact.id, &contact);
        self.db.insert_contact(&contact, &audit).await.unwrap();
        contact
    }

    async fn insert_activity(&mut self, activity: &Activity) {
        let audit = self.created("activity", activity.id, activity);
        self.db.insert_activity(activity, &audit).await.unwrap();
    }

    async fn activity(
        &mut self,
        customer: CustomerId,
        owner: UserId,
        hours: i64,
        follow_up: Option<NaiveDate>,
    ) -> Activity {
        let at = self.fx.now() + Duration::hours(hours);
        let activity = self.fx.activity(customer, owner, at, follow_up);
        self.insert_activity(&activity).await;
        activity
    }

    async fn audit_count(&self) -> usize {
        walk(
            async |page| self.db.list_audit(&AuditFilter::default(), &page).await,
            500,
        )
        .await
        .len()
    }
}

/// Every item of a list, page by page, checking each page's size.
async fn walk<T>(
    mut list: impl AsyncFnMut(PageRequest) -> Result<Page<T>, StoreError>,
    limit: u32,
) -> Vec<T> {
    let mut items = Vec::new();
    let mut page = PageRequest::first(limit);
    loop {
        let Page {
            items: got,
            next_cursor,
        } = list(page.clone()).await.unwrap();
        assert!(
            got.len() <= limit as usize,
            "a page is never longer than its limit"
        );
        let full = got.len() == limit as usize;
        items.extend(got);
        match next_cursor {
            Some(cursor) => {
                assert!(full, "only a full page has a next page");
                page.cursor = Some(cursor);
            }
            None => return items,
        }
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn visible(v: Visibility) -> CustomerFilter {
    CustomerFilter::visible(v)
}

fn activities(v: Visibility) -> ActivityFilter {
    ActivityFilter {
        visible: v,
        customer_id: None,
        owner_id: None,
        method: None,
        from: None,
        to: None,
        due_by: None,
        sort: ActivitySort::Recent,
    }
}

async fn customer_names(db: &dyn Store, filter: &CustomerFilter) -> Vec<String> {
    let mut names: Vec<String> = walk(async |p| db.list_customers(filter, &p).await, 500)
        .await
        .into_iter()
        .map(|c| c.name)
        .collect();
    names.sort();
    names
}

async fn activity_ids(db: &dyn Store, filter: &ActivityFilter) -> Vec<ActivityId> {
    let mut ids: Vec<ActivityId> = walk(async |p| db.list_activities(filter, &p).await, 500)
        .await
        .into_iter()
        .map(|a| a.id)
        .collect();
    ids.sort();
    ids
}

fn conflict(result: Result<impl std::fmt::Debug, StoreError>) -> String {
    match result {
        Err(StoreError::Conflict { what }) => what,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

fn version_conflict(result: Result<impl std::fmt::Debug, StoreError>) -> i64 {
    match result {
        Err(StoreError::VersionConflict { current }) => current,
        other => panic!("expected a version conflict, got {other:?}"),
    }
}

fn not_found(result: Result<impl std::fmt::Debug, StoreError>) {
    assert!(
        matches!(result, Err(StoreError::NotFound)),
        "expected not found, got {result:?}"
    );
}

pub async fn a_user_round_trips_and_logs_in_by_username(db: &dyn Store) {
    let mut w = World::new(db);
    db.ping().await.unwrap();
    assert_eq!(db.count_users().await.unwrap(), 0);
    let user = w.user("zhang.san").await;
    assert_eq!(db.get_user(user.id).await.unwrap(), user);
    let username = Username::parse("zhang.san").unwrap();
    let (found, hash) = db.find_user_credentials(&username).await.unwrap().unwrap();
    assert_eq!((found, hash.as_str()), (user, "hash"));
    let nobody = Username::parse("nobody").unwrap();
    assert!(db.find_user_credentials(&nobody).await.unwrap().is_none());
    assert_eq!(db.count_users().await.unwrap(), 1);
}

pub async fn users_are_listed_by_username_across_pages(db: &dyn Store) {
    let mut w = World::new(db);
    for name in ["wang", "li", "zhao", "chen", "liu"] {
        w.user(name).await;
    }
    let users = walk(async |p| db.list_users(&p).await, 2).await;
    let names: Vec<&str> = users.iter().map(|u| u.username.as_str()).collect();
    assert_eq!(names, ["chen", "li", "liu", "wang", "zhao"]);
}

pub async fn a_user_update_is_stored_and_a_stale_one_changes_nothing(db: &dyn Store) {
    let mut w = World::new(db);
    let user = w.user("zhang").await;
    let mut changed = user.clone();
    changed.display_name = "张三".into();
    changed.role = Role::Manager;
    changed.active = false;
    changed.updated_at = w.fx.tick();
    let audit = w.updated("user", user.id, &user, &changed);
    let stored = db.update_user(&changed, 1, &audit).await.unwrap();
    assert_eq!(
        stored,
        User {
            version: 2,
            ..changed.clone()
        }
    );
    assert_eq!(db.get_user(user.id).await.unwrap(), stored);

    let audits = w.audit_count().await;
    let mut stale = stored.clone();
    stale.display_name = "李四".into();
    assert_eq!(version_conflict(db.update_user(&stale, 1, &audit).await), 2);
    assert_eq!(
        version_conflict(db.delete_user(user.id, 1, &audit).await),
        2
    );
    assert_eq!(db.get_user(user.id).await.unwrap(), stored);
    assert_eq!(
        w.audit_count().await,
        audits,
        "a refused write is not audited"
    );
}

pub async fn a_taken_username_is_a_conflict(db: &dyn Store) {
    let mut w = World::new(db);
    let first = w.user("zhang").await;
    let second = w.fx.user("zhang", Role::Admin);
    let audit = w.created("user", second.id, &second);
    assert_eq!(
        conflict(db.insert_user(&second, "h", &audit).await),
        "users.username"
    );

    let other = w.user("li").await;
    let mut renamed = other.clone();
    renamed.username = first.username.clone();
    assert_eq!(
        conflict(db.update_user(&renamed, 1, &audit).await),
        "users.username"
    );
    assert_eq!(db.get_user(other.id).await.unwrap(), other);
}

pub async fn setting_a_password_changes_only_the_hash(db: &dyn Store) {
    let mut w = World::new(db);
    let user = w.user("zhang").await;
    let audit = w.updated("user", user.id, &user, &user);
    db.set_password(user.id, "new-hash", &audit).await.unwrap();
    let (found, hash) = db
        .find_user_credentials(&user.username)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((found, hash.as_str()), (user, "new-hash"));
    let missing = UserId::from_uuid(w.fx.id());
    not_found(db.set_password(missing, "h", &audit).await);
}

pub async fn a_user_who_owns_records_cannot_be_deleted(db: &dyn Store) {
    let mut w = World::new(db);
    let owner = w.user("owner").await;
    let author = w.user("author").await;
    let free = w.user("free").await;
    let customer = w.named("海信集团", owner.id).await;
    let audit = w.deleted("user", owner.id, &owner);
    assert_eq!(
        conflict(db.delete_user(owner.id, 1, &audit).await),
        "users.in_use"
    );
    w.activity(customer.id, author.id, 0, None).await;
    assert_eq!(
        conflict(db.delete_user(author.id, 1, &audit).await),
        "users.in_use"
    );
    assert_eq!(db.get_user(owner.id).await.unwrap(), owner);

    let now = w.fx.now();
    db.insert_session("token", free.id, now, now + Duration::hours(1))
        .await
        .unwrap();
    let audit = w.deleted("user", free.id, &free);
    db.delete_user(free.id, 1, &audit).await.unwrap();
    not_found(db.get_user(free.id).await);
    assert!(db.find_session_user("token", now).await.unwrap().is_none());
    not_found(db.delete_user(free.id, 1, &audit).await);
}

pub async fn missing_records_are_not_found(db: &dyn Store) {
    let mut w = World::new(db);
    let owner = w.user("owner").await;
    let audit = w.created("x", "x", &json!({}));

    let user = w.fx.user("ghost", Role::Rep);
    not_found(db.get_user(user.id).await);
    not_found(db.update_user(&user, 1, &audit).await);
    not_found(db.delete_user(user.id, 1, &audit).await);

    let team = w.fx.team("幽灵", None);
    not_found(db.get_team(team.id).await);
    not_found(db.update_team(&team, 1, &audit).await);
    not_found(db.delete_team(team.id, 1, &audit).await);

    let customer = w.fx.named_customer("幽灵公司", owner.id);
    not_found(db.get_customer(customer.id).await);
    not_found(db.update_customer(&customer, 1, &audit).await);
    not_found(db.delete_customer(customer.id, 1, &audit).await);

    let contact = w.fx.contact(
        customer.id,
        ContactDraft {
            name: "王总".into(),
            ..Default::default()
        },
    );
    not_found(db.get_contact(contact.id).await);
    not_found(db.update_contact(&contact, 1, &audit).await);
    not_found(db.delete_contact(contact.id, 1, &audit).await);

    let activity = w.fx.activity(customer.id, owner.id, w.fx.now(), None);
    not_found(db.get_activity(activity.id).await);
    not_found(db.update_activity(&activity, 1, &audit).await);
    not_found(db.delete_activity(activity.id, 1, &audit).await);
    assert_eq!(
        w.audit_count().await,
        1,
        "only the owner's creation is audited"
    );
}

pub async fn a_team_round_trips_is_listed_by_name_and_guards_its_name(db: &dyn Store) {
    let mut w = World::new(db);
    let manager = w.user("manager").await;
    let south = w.team("华南区", Some(manager.id)).await;
    let north = w.team("华北区", None).await;
    w.team("East", None).await;
    assert_eq!(db.get_team(south.id).await.unwrap(), south);
    let teams = walk(async |p| db.list_teams(&p).await, 1).await;
    let names: Vec<&str> = teams.iter().map(|t| t.name.as_str()).collect();
    // Code-point order on both backends.
    assert_eq!(names, ["East", "华北区", "华南区"]);

    let mut renamed = north.clone();
    renamed.name = "华北大区".into();
    renamed.manager_id = Some(manager.id);
    renamed.updated_at = w.fx.tick();
    let audit = w.updated("team", north.id, &north, &renamed);
    let stored = db.update_team(&renamed, 1, &audit).await.unwrap();
    assert_eq!(
        stored,
        Team {
            version: 2,
            ..renamed
        }
    );
    assert_eq!(version_conflict(db.update_team(&north, 1, &audit).await), 2);
    assert_eq!(
        version_conflict(db.delete_team(north.id, 1, &audit).await),
        2
    );
    assert_eq!(db.get_team(north.id).await.unwrap(), stored);

    let twin = w.fx.team("华南区", None);
    let audit = w.created("team", twin.id, &twin);
    assert_eq!(conflict(db.insert_team(&twin, &audit).await), "teams.name");
    let mut clash = stored.clone();
    clash.name = "华南区".into();
    assert_eq!(
        conflict(db.update_team(&clash, 2, &audit).await),
        "teams.name"
    );
}

pub async fn deleting_a_team_leaves_its_members_without_a_team(db: &dyn Store) {
    let mut w = World::new(db);
    let team = w.team("华东区", None).await;
    let member = w.user("member").await;
    let member = w.join(&member, team.id).await;
    assert_eq!(member.team_id, Some(team.id));
    let audit = w.deleted("team", team.id, &team);
    db.delete_team(team.id, 1, &audit).await.unwrap();
    not_found(db.get_team(team.id).await);
    assert_eq!(db.get_user(member.id).await.unwrap().team_id, None);
}

pub async fn managers_see_the_members_of_their_teams_but_not_themselves(db: &dyn Store) {
    let mut w = World::new(db);
    let boss = w.user("boss").await;
    let other_boss = w.user("other").await;
    let team = w.team("华东区", Some(boss.id)).await;
    let second = w.team("华西区", Some(boss.id)).await;
    let elsewhere = w.team("华北区", Some(other_boss.id)).await;
    let boss = w.join(&boss, team.id).await;
    let a = w.user("aa").await;
    let a = w.join(&a, team.id).await;
    let b = w.user("bb").await;
    let b = w.join(&b, second.id).await;
    let c = w.user("cc").await;
    w.join(&c, elsewhere.id).await;
    w.user("loner").await;

    let mut expected = vec![a.id, b.id];
    expected.sort();
    assert_eq!(db.list_managed_user_ids(boss.id).await.unwrap(), expected);
    assert_eq!(db.list_managed_user_ids(a.id).await.unwrap(), []);
}

pub async fn sessions_find_only_active_users_before_expiry(db: &dyn Store) {
    let mut w = World::new(db);
    let user = w.user("zhang").await;
    let now = w.fx.now();
    let expires = now + Duration::hours(8);
    db.insert_session("live", user.id, now, expires)
        .await
        .unwrap();
    assert_eq!(
        db.find_session_user("live", now).await.unwrap(),
        Some(user.clone())
    );
    let just_before = expires - Duration::microseconds(1);
    assert!(
        db.find_session_user("live", just_before)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        db.find_session_user("live", expires)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        db.find_session_user("unknown", now)
            .await
            .unwrap()
            .is_none()
    );

    let ghost = UserId::from_uuid(w.fx.id());
    assert_eq!(
        conflict(db.insert_session("orphan", ghost, now, expires).await),
        "sessions.user_id"
    );

    let mut inactive = user.clone();
    inactive.active = false;
    let audit = w.updated("user", user.id, &user, &inactive);
    db.update_user(&inactive, 1, &audit).await.unwrap();
    assert!(db.find_session_user("live", now).await.unwrap().is_none());

    let other = w.user("li").await;
    db.insert_session("gone", other.id, now, expires)
        .await
        .unwrap();
    db.delete_session("gone").await.unwrap();
    assert!(db.find_session_user("gone", now).await.unwrap().is_none());
    db.delete_session("gone").await.unwrap();
}

/// A customer with every field set, Chinese text and odd amounts included.
fn full_draft() -> CustomerDraft {
    CustomerDraft {
        name: "青岛海信电器股份有限公司".into(),
        short_name: Some("海信电器".into()),
        credit_code: Some(CREDIT_CODE_A.into()),
        nature: Some(CustomerNature::Listed),
        channel: Some(ChannelType::Distributor),
        industry: Some("家电".into()),
        product_category: Some("办公用纸".into()),
        province: Some("山东".into()),
        city: Some("青岛".into()),
        tier: Some(Tier::Key),
        abc_class: Some(AbcClass::A),
        owner_id: None,
        status: Some(CustomerStatus::Developing),
        monthly_volume: Some(Decimal::from_str("987654321012.34").unwrap()),
        address: Some("青岛市市南区东海西路17号".into()),
        phone: Some("0532-83878888".into()),
        website: Some("www.hisense.com".into()),
        notes: Some("“重点”客户 — 'quotes' \\ and 😀".into()),
    }
}

pub async fn a_customer_round_trips_every_field_exactly(db: &dyn Store) {
    let mut w = World::new(db);
    let owner = w.user("owner").await;
    let customer = w.customer(full_draft(), owner.id).await;
    let stored = db.get_customer(customer.id).await.unwrap();
    assert_eq!(stored, customer);
    assert_eq!(stored.monthly_volume.unwrap().fen(), 98_765_432_101_234);
    assert_eq!(stored.created_at.timestamp_subsec_micros(), 123_456);

    let bare = w.named("X", owner.id).await;
    assert_eq!(db.get_customer(bare.id).await.unwrap(), bare);
}

pub async fn timestamps_round_trip_to_the_microsecond(db: &dyn Store) {
    let mut w = World::new(db);
    let owner = w.user("owner").await;
    let times = [
        Utc.with_ymd_and_hms(1969, 12, 31, 23, 59, 59).unwrap() + Duration::microseconds(999_999),
        Utc.with_ymd_and_hms(1970, 1, 1, 0, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2026, 2, 28, 16, 0, 0).unwrap() + Duration::microseconds(1),
        Utc.with_ymd_and_hms(2999, 12, 31, 23, 59, 59).unwrap() + Duration::microseconds(999_999),
    ];
    for (i, at) in times.iter().copied().enumerate() {
        let mut customer = w.fx.named_customer(&format!("客户{i}"), owner.id);
        customer.created_at = at;
        customer.updated_at = at + Duration::microseconds(1);
        w.insert_customer(&customer).await;
        let stored = db.get_customer(customer.id).await.unwrap();
        assert_eq!(
            (stored.created_at, stored.updated_at),
            (customer.created_at, customer.updated_at)
        );
    }
    let changes = json!({"password": "changed"});
    let mut entry = w.updated("user", owner.id, &changes, &changes);
    entry.at = times[0];
    db.set_password(owner.id, "h2", &entry).await.unwrap();
    let listed = walk(
        async |p| db.list_audit(&AuditFilter::default(), &p).await,
        10,
    )
    .await;
    assert_eq!(listed.last(), Some(&entry), "the oldest entry comes last");
}

pub async fn money_round_trips_exactly(db: &dyn Store) {
    let mut w = World::new(db);
    let owner = w.user("owner").await;
    let customer = w.named("海信", owner.id).await;
    for yuan in ["0.01", "0", "19.99", "1000000000000"] {
        let draft = ActivityDraft {
            method: ActivityMethod::Gift,
            gift_value: Some(Decimal::from_str(yuan).unwrap()),
            ..w.fx
                .activity(customer.id, owner.id, w.fx.now(), None)
                .to_draft()
        };
        let gift = w.fx.activity_from(draft, owner.id);
        w.insert_activity(&gift).await;
        let stored = db.get_activity(gift.id).await.unwrap();
        assert_eq!(
            stored.gift_value.unwrap().yuan(),
            Decimal::from_str(yuan).unwrap()
        );
        assert_eq!(stored, gift);
    }
}

pub async fn a_customer_update_is_stored_and_a_stale_one_changes_nothing(db: &dyn Store) {
    let mut w = World::new(db);
    let owner = w.user("owner").await;
    let heir = w.user("heir").await;
    let customer = w.customer(full_draft(), owner.id).await;
    let draft = CustomerDraft {
        name: "海信视像科技股份有限公司".into(),
        short_name: None,
        credit_code: None,
        monthly_volume: None,
        owner_id: Some(heir.id),
        status: Some(CustomerStatus::Customer),
        ..customer.to_draft()
    };
    let changed = customer.revise(draft, w.fx.tick()).unwrap();
    let audit = w.updated("customer", customer.id, &customer, &changed);
    let stored = db.update_customer(&changed, 1, &audit).await.unwrap();
    assert_eq!(
        stored,
        Customer {
            version: 2,
            ..changed.clone()
        }
    );
    assert_eq!(db.get_customer(customer.id).await.unwrap(), stored);

    let audits = w.audit_count().await;
    assert_eq!(
        version_conflict(db.update_customer(&customer, 1, &audit).await),
        2
    );
    assert_eq!(
        version_conflict(db.update_customer(&customer, 3, &audit).await),
        2
    );
    assert_eq!(
        version_conflict(db.delete_customer(customer.id, 1, &audit).await),
        2
    );
    assert_eq!(db.get_customer(customer.id).await.unwrap(), stored);
    assert_eq!(w.audit_count().await, audits);
}

pub async fn duplicate_name_keys_and_credit_codes_are_conflicts(db: &dyn Store) {
    let mut w = World::new(db);
    let owner = w.user("owner").await;
    let first = w.customer(full_draft(), owner.id).await;
    let second = w.named("海尔集团", owner.id).await;

    let same_name = w.fx.named_customer("青岛海信电器 股份有限公司", owner.id);
    let audit = w.created("customer", same_name.id, &same_name);
    assert_eq!(
        conflict(db.insert_customer(&same_name, &audit).await),
        "customers.name_key"
    );
    let same_code = w.fx.customer(
        CustomerDraft {
            name: "另一家".into(),
            credit_code: Some(CREDIT_CODE_A.to_lowercase()),
            ..Default::default()
        },
        owner.id,
    );
    assert_eq!(
        conflict(db.insert_customer(&same_code, &audit).await),
        "customers.credit_code"
    );
    let mut renamed = second.clone();
    renamed.name_key = first.name_key.clone();
    assert_eq!(
        conflict(db.update_customer(&renamed, 1, &audit).await),
        "customers.name_key"
    );
    assert_eq!(db.get_customer(second.id).await.unwrap(), second);

    // Two customers without a credit code do not clash.
    w.named("海尔智家", owner.id).await;

    let code = CreditCode::parse(CREDIT_CODE_A).unwrap();
    let other_code = CreditCode::parse(CREDIT_CODE_B).unwrap();
    let by_name = db
        .find_customer_duplicate(&first.name_key, None, None)
        .await
        .unwrap();
    assert_eq!(by_name, Some(first.clone()));
    let by_code = db
        .find_customer_duplicate("无此名", Some(&code), None)
        .await
        .unwrap();
    assert_eq!(by_code, Some(first.clone()));
    let except = db
        .find_customer_duplicate(&first.name_key, Some(&code), Some(first.id))
        .await
        .unwrap();
    assert_eq!(except, None);
    let none = db
        .find_customer_duplicate("无此名", Some(&other_code), None)
        .await
        .unwrap();
    assert_eq!(none, None);
}

/// Writes that run at once (on SQLite, transactions that share a commit)
/// each commit or fail on their own: a refused one takes nothing of the
/// others with it, and each is told the truth about its own.
pub async fn concurrent_writes_each_commit_or_fail_alone(db: &dyn Store) {
    let mut w = World::new(db);
    let owner = w.user("owner").await;
    let audits = w.audit_count().await;
    // Every third customer has the name of the one before it: of each such
    // pair, the one that writes first is stored and the other refused.
    let mut customers = Vec::new();
    for i in 0..30 {
        let name = if i % 3 == 2 {
            format!("并发客户{}", i - 1)
        } else {
            format!("并发客户{i}")
        };
        let customer = w.fx.named_customer(&name, owner.id);
        let audit = w.created("customer", customer.id, &customer);
        customers.push((customer, audit));
    }
    // Each reads its customer back as soon as it is told the write is done,
    // while the others may still be writing.
    let results =
        futures_util::future::join_all(customers.iter().map(async |(customer, audit)| {
            let written = db.insert_customer(customer, audit).await;
            (written, db.get_customer(customer.id).await)
        }))
        .await;

    let mut stored = 0;
    for (i, ((customer, _), (written, read))) in customers.iter().zip(&results).enumerate() {
        match written {
            Ok(()) => {
                assert_eq!(read.as_ref().ok(), Some(customer), "customer {i}");
                stored += 1;
            }
            Err(StoreError::Conflict { what }) => {
                assert_eq!(what, "customers.name_key", "customer {i}");
                assert!(matches!(read, Err(StoreError::NotFound)), "customer {i}");
            }
            Err(other) => panic!("customer {i}: {other:?}"),
        }
    }
    assert_eq!(stored, 20, "{results:?}");
    let names: BTreeSet<String> = customers.iter().map(|(c, _)| c.name.clone()).collect();
    assert_eq!(names.len(), 20);
    assert_eq!(w.audit_count().await, audits + 20);

    // The search finds each stored customer once, whatever shared its
    // commit; a refused one left nothing in the index.
    let search = async |q: &str| {
        let filter = CustomerFilter {
            q: Some(q.into()),
            ..visible(Visibility::All)
        };
        customer_names(db, &filter).await
    };
    let stored: Vec<&Customer> = customers
        .iter()
        .zip(&results)
        .filter(|(_, (written, _))| written.is_ok())
        .map(|((customer, _), _)| customer)
        .collect();
    let mut expected: Vec<String> = stored.iter().map(|c| c.name.clone()).collect();
    expected.sort();
    assert_eq!(search("并发").await, expected);
    assert_eq!(search("发客").await, expected);

    // Renamed at once, each is found by its new name only.
    let renamed: Vec<(Customer, AuditEntry)> = stored
        .iter()
        .enumerate()
        .map(|(i, old)| {
            let draft = CustomerDraft {
                name: format!("改名客户{i}"),
                ..old.to_draft()
            };
            let new = old.revise(draft, w.fx.now()).unwrap();
            let audit = w.updated("customer", old.id, *old, &new);
            (new, audit)
        })
        .collect();
    let written = futures_util::future::join_all(
        renamed
            .iter()
            .map(|(customer, audit)| db.update_customer(customer, 1, audit)),
    )
    .await;
    assert!(written.iter().all(Result::is_ok), "{written:?}");
    assert_eq!(search("并发").await, Vec::<String>::new());
    let mut expected: Vec<String> = renamed.iter().map(|(c, _)| c.name.clone()).collect();
    expected.sort();
    assert_eq!(search("改名").await, expected);
}

pub async fn a_reference_to_a_missing_row_is_a_conflict_naming_it(db: &dyn Store) {
    let mut w = World::new(db);
    let owner = w.user("owner").await;
    let ghost_user = UserId::from_uuid(w.fx.id());
    let ghost_team = TeamId::from_uuid(w.fx.id());
    let audit = w.created("x", "x", &json!({}));

    let orphan = w.fx.named_customer("孤儿", ghost_user);
    assert_eq!(
        conflict(db.insert_customer(&orphan, &audit).await),
        "customers.owner_id"
    );
    let customer = w.named("海信", owner.id).await;
    let mut moved = customer.clone();
    moved.owner_id = ghost_user;
    assert_eq!(
        conflict(db.update_customer(&moved, 1, &audit).await),
        "customers.owner_id"
    );

    let ghost_customer = CustomerId::from_uuid(w.fx.id());
    let contact = w.fx.contact(
        ghost_customer,
        ContactDraft {
            name: "王总".into(),
            ..Default::default()
        },
    );
    assert_eq!(
        conflict(db.insert_contact(&contact, &audit).await),
        "contacts.customer_id"
    );

    let lost = w.fx.activity(ghost_customer, owner.id, w.fx.now(), None);
    assert_eq!(
        conflict(db.insert_activity(&lost, &audit).await),
        "activities.customer_id"
    );
    let unowned = w.fx.activity(customer.id, ghost_user, w.fx.now(), None);
    assert_eq!(
        conflict(db.insert_activity(&unowned, &audit).await),
        "activities.owner_id"
    );
    let mut unknown_contact = w.fx.activity(customer.id, owner.id, w.fx.now(), None);
    unknown_contact.contact_ids = vec![ContactId::from_uuid(w.fx.id())];
    assert_eq!(
        conflict(db.insert_activity(&unknown_contact, &audit).await),
        "activity_contacts.contact_id"
    );
    not_found(db.get_activity(unknown_contact.id).await);
    let activity = w.activity(customer.id, owner.id, 0, None).await;
    let mut reowned = activity.clone();
    reowned.owner_id = ghost_user;
    assert_eq!(
        conflict(db.update_activity(&reowned, 1, &audit).await),
        "activities.owner_id"
    );
    assert_eq!(db.get_activity(activity.id).await.unwrap(), activity);

    let team = w.fx.team("无主", Some(ghost_user));
    assert_eq!(
        conflict(db.insert_team(&team, &audit).await),
        "teams.manager_id"
    );
    let mut member = w.fx.user("member", Role::Rep);
    member.team_id = Some(ghost_team);
    assert_eq!(
        conflict(db.insert_user(&member, "h", &audit).await),
        "users.team_id"
    );
    not_found(db.get_user(member.id).await);
}

/// Customers that differ in one field each, owned by `a` or `b`.
async fn classified_customers(w: &mut World<'_>, a: UserId, b: UserId) {
    let base = |name: &str| CustomerDraft {
        name: name.into(),
        ..Default::default()
    };
    let drafts = [
        (base("甲"), a),
        (
            CustomerDraft {
                status: Some(CustomerStatus::Target),
                ..base("乙")
            },
            b,
        ),
        (
            CustomerDraft {
                tier: Some(Tier::Key),
                ..base("丙")
            },
            a,
        ),
        (
            CustomerDraft {
                abc_class: Some(AbcClass::B),
                ..base("丁")
            },
            a,
        ),
        (
            CustomerDraft {
                nature: Some(CustomerNature::Government),
                ..base("戊")
            },
            a,
        ),
        (
            CustomerDraft {
                channel: Some(ChannelType::Retailer),
                ..base("己")
            },
            a,
        ),
        (
            CustomerDraft {
                industry: Some("汽车".into()),
                ..base("庚")
            },
            a,
        ),
        (
            CustomerDraft {
                product_category: Some("碳带".into()),
                ..base("辛")
            },
            a,
        ),
        (
            CustomerDraft {
                province: Some("广东".into()),
                ..base("壬")
            },
            a,
        ),
        (
            CustomerDraft {
                city: Some("深圳".into()),
                ..base("癸")
            },
            a,
        ),
    ];
    for (draft, owner) in drafts {
        w.customer(draft, owner).await;
    }
}

pub async fn customers_are_filtered_by_each_field(db: &dyn Store) {
    let mut w = World::new(db);
    let a = w.user("aa").await;
    let b = w.user("bb").await;
    classified_customers(&mut w, a.id, b.id).await;
    let all = || visible(Visibility::All);
    let cases: Vec<(CustomerFilter, Vec<&str>)> = vec![
        (
            CustomerFilter {
                owner_id: Some(b.id),
                ..all()
            },
            vec!["乙"],
        ),
        (
            CustomerFilter {
                status: Some(CustomerStatus::Target),
                ..all()
            },
            vec!["乙"],
        ),
        (
            CustomerFilter {
                tier: Some(Tier::Key),
                ..all()
            },
            vec!["丙"],
        ),
        (
            CustomerFilter {
                abc_class: Some(AbcClass::B),
                ..all()
            },
            vec!["丁"],
        ),
        (
            CustomerFilter {
                nature: Some(CustomerNature::Government),
                ..all()
            },
            vec!["戊"],
        ),
        (
            CustomerFilter {
                channel: Some(ChannelType::Retailer),
                ..all()
            },
            vec!["己"],
        ),
        (
            CustomerFilter {
                industry: Some("汽车".into()),
                ..all()
            },
            vec!["庚"],
        ),
        (
            CustomerFilter {
                product_category: Some("碳带".into()),
                ..all()
            },
            vec!["辛"],
        ),
        (
            CustomerFilter {
                province: Some("广东".into()),
                ..all()
            },
            vec!["壬"],
        ),
        (
            CustomerFilter {
                city: Some("深圳".into()),
                ..all()
            },
            vec!["癸"],
        ),
        (
            CustomerFilter {
                city: Some("深".into()),
                ..all()
            },
            vec![],
        ),
        (
            CustomerFilter {
                owner_id: Some(a.id),
                tier: Some(Tier::Key),
                ..all()
            },
            vec!["丙"],
        ),
        (
            CustomerFilter {
                owner_id: Some(b.id),
                tier: Some(Tier::Key),
                ..all()
            },
            vec![],
        ),
    ];
    for (filter, expected) in cases {
        let mut expected: Vec<String> = expected.into_iter().map(String::from).collect();
        expected.sort();
        assert_eq!(customer_names(db, &filter).await, expected, "{filter:?}");
    }
    assert_eq!(customer_names(db, &all()).await.len(), 10);
}

pub async fn customer_visibility_limits_the_list_to_the_owners_given(db: &dyn Store) {
    let mut w = World::new(db);
    let a = w.user("aa").await;
    let b = w.user("bb").await;
    let c = w.user("cc").await;
    w.named("甲", a.id).await;
    w.named("乙", b.id).await;
    w.named("丙", c.id).await;
    assert_eq!(customer_names(db, &visible(Visibility::All)).await.len(), 3);
    assert_eq!(
        customer_names(db, &visible(Visibility::Owners(vec![]))).await,
        Vec::<String>::new()
    );
    assert_eq!(
        customer_names(db, &visible(Visibility::Owners(vec![b.id]))).await,
        ["乙"]
    );
    let mut two = customer_names(db, &visible(Visibility::Owners(vec![a.id, c.id]))).await;
    two.sort();
    assert_eq!(two, ["丙", "甲"]);
}

pub async fn customers_are_searched_by_name_fragment_pinyin_prefix_and_short_name(db: &dyn Store) {
    let mut w = World::new(db);
    let owner = w.user("owner").await;
    let with_short = |name: &str, short: &str| CustomerDraft {
        name: name.into(),
        short_name: Some(short.into()),
        ..Default::default()
    };
    w.customer(with_short("青岛海信电器股份有限公司", "Hisense"), owner.id)
        .await;
    w.customer(with_short("深圳市齐心集团", "齐心"), owner.id)
        .await;
    w.named("TCL王牌电器", owner.id).await;
    w.named("信义玻璃", owner.id).await;
    let search = async |q: &str| {
        let filter = CustomerFilter {
            q: Some(tuoke_core::text::normalize_query(q)),
            ..visible(Visibility::All)
        };
        customer_names(db, &filter).await
    };
    assert_eq!(search("信").await, ["信义玻璃", "青岛海信电器股份有限公司"]);
    assert_eq!(search("海信").await, ["青岛海信电器股份有限公司"]);
    // Pinyin initials match as a prefix of the name's or the short name's.
    assert_eq!(search("qdhx").await, ["青岛海信电器股份有限公司"]);
    assert_eq!(search("hx").await, Vec::<String>::new());
    assert_eq!(search("QX").await, ["深圳市齐心集团"]);
    assert_eq!(search("xy").await, ["信义玻璃"]);
    // The short name matches as a substring, whatever its case.
    assert_eq!(search("isen").await, ["青岛海信电器股份有限公司"]);
    assert_eq!(search("tcl").await, ["TCL王牌电器"]);
    assert_eq!(
        search("电器").await,
        ["TCL王牌电器", "青岛海信电器股份有限公司"]
    );
    assert_eq!(search("华为").await, Vec::<String>::new());
}

pub async fn a_search_finds_exactly_the_customers_holding_the_fragment(db: &dyn Store) {
    let mut w = World::new(db);
    let owner = w.user("owner").await;
    let other = w.user("other").await;
    let with_short = |name: &str, short: &str| CustomerDraft {
        name: name.into(),
        short_name: Some(short.into()),
        ..Default::default()
    };
    let ruifeng = w
        .customer(with_short("深圳市瑞丰科技有限公司", "瑞丰"), owner.id)
        .await;
    w.named("瑞丰瑞丰贸易", other.id).await;
    // Has 丰 and 瑞 and even 丰瑞, never 瑞丰.
    w.named("丰瑞电子", owner.id).await;
    w.named("锐锋科技", owner.id).await;
    w.customer(with_short("北京星辰机械", "Rui-Feng"), owner.id)
        .await;
    // Holds the pairs ab and bc but not abc.
    w.named("abXbc实业", owner.id).await;
    let old = w.named("旧名称实业", owner.id).await;
    let doomed = w.named("将删瑞丰", owner.id).await;
    let search = async |q: &str| {
        let filter = CustomerFilter {
            q: Some(tuoke_core::text::normalize_query(q)),
            ..visible(Visibility::All)
        };
        customer_names(db, &filter).await
    };
    assert_eq!(
        search("瑞丰").await,
        ["将删瑞丰", "深圳市瑞丰科技有限公司", "瑞丰瑞丰贸易"]
    );
    assert_eq!(
        search("瑞").await,
        [
            "丰瑞电子",
            "将删瑞丰",
            "深圳市瑞丰科技有限公司",
            "瑞丰瑞丰贸易"
        ]
    );
    // A last character is found too.
    assert_eq!(search("易").await, ["瑞丰瑞丰贸易"]);
    assert_eq!(search("丰科技").await, ["深圳市瑞丰科技有限公司"]);
    assert_eq!(search("瑞丰科技有限公司").await, ["深圳市瑞丰科技有限公司"]);
    assert_eq!(search("丰瑞丰").await, ["瑞丰瑞丰贸易"]);
    assert_eq!(search("abc").await, Vec::<String>::new());
    assert_eq!(search("ABX").await, ["abXbc实业"]);
    assert_eq!(search("锋瑞").await, Vec::<String>::new());
    // The short name, lower-cased, and both initials.
    assert_eq!(search("i-f").await, ["北京星辰机械"]);
    assert_eq!(search("RUI").await, ["北京星辰机械"]);
    // 锐锋 sounds like 瑞丰: RF too.
    assert_eq!(
        search("rf").await,
        ["深圳市瑞丰科技有限公司", "瑞丰瑞丰贸易", "锐锋科技"]
    );
    assert_eq!(search("szsrf").await, ["深圳市瑞丰科技有限公司"]);
    assert_eq!(search("rk").await, Vec::<String>::new());

    // A renamed customer is found by its new name only.
    let renamed = old
        .revise(
            CustomerDraft {
                name: "新名称实业".into(),
                short_name: Some("新名".into()),
                ..old.to_draft()
            },
            w.fx.now(),
        )
        .unwrap();
    let audit = w.updated("customer", old.id, &old, &renamed);
    db.update_customer(&renamed, 1, &audit).await.unwrap();
    assert_eq!(search("旧名").await, Vec::<String>::new());
    assert_eq!(search("新名").await, ["新名称实业"]);
    assert_eq!(search("xmc").await, ["新名称实业"]);
    assert_eq!(search("称实").await, ["新名称实业"]);
    // A change that keeps the names keeps them found.
    let noted = CustomerDraft {
        notes: Some("改了备注".into()),
        ..renamed.to_draft()
    };
    let noted = renamed.revise(noted, w.fx.now()).unwrap();
    let audit = w.updated("customer", old.id, &renamed, &noted);
    db.update_customer(&noted, 2, &audit).await.unwrap();
    assert_eq!(search("新名").await, ["新名称实业"]);

    // A deleted customer is gone from every search.
    let audit = w.deleted("customer", doomed.id, &doomed);
    db.delete_customer(doomed.id, 1, &audit).await.unwrap();
    assert_eq!(
        search("瑞丰").await,
        ["深圳市瑞丰科技有限公司", "瑞丰瑞丰贸易"]
    );
    assert_eq!(search("删").await, Vec::<String>::new());

    // With a filter, sorted by name, across pages.
    for sort in [
        CustomerSort::Name,
        CustomerSort::Newest,
        CustomerSort::Updated,
    ] {
        let filter = CustomerFilter {
            q: Some("瑞".into()),
            owner_id: Some(owner.id),
            sort,
            ..visible(Visibility::All)
        };
        let names = walk(async |p| db.list_customers(&filter, &p).await, 1).await;
        let mut names: Vec<String> = names.into_iter().map(|c| c.name).collect();
        names.sort();
        assert_eq!(names, ["丰瑞电子", "深圳市瑞丰科技有限公司"], "{sort:?}");
    }
    let filter = CustomerFilter {
        q: Some("瑞丰".into()),
        visible: Visibility::Owners(vec![other.id]),
        ..visible(Visibility::All)
    };
    assert_eq!(customer_names(db, &filter).await, ["瑞丰瑞丰贸易"]);
    let filter = CustomerFilter {
        q: Some("瑞丰".into()),
        sort: CustomerSort::Name,
        ..visible(Visibility::All)
    };
    let by_name = [ruifeng.name_key.clone(), "瑞丰瑞丰贸易".into()];
    assert_pages(
        async |p| db.list_customers(&filter, &p).await,
        |c| c.name_key.clone(),
        &by_name,
    )
    .await;
}

pub async fn percent_and_underscore_in_a_search_are_literal(db: &dyn Store) {
    let mut w = World::new(db);
    let owner = w.user("owner").await;
    w.named("百分之百%公司", owner.id).await;
    w.named("下划_线公司", owner.id).await;
    w.named("反斜\\杠公司", owner.id).await;
    w.named("普通公司", owner.id).await;
    let search = async |q: &str| {
        let filter = CustomerFilter {
            q: Some(q.into()),
            ..visible(Visibility::All)
        };
        customer_names(db, &filter).await
    };
    assert_eq!(search("%").await, ["百分之百%公司"]);
    assert_eq!(search("_").await, ["下划_线公司"]);
    assert_eq!(search("\\").await, ["反斜\\杠公司"]);
    assert_eq!(search("%公司").await, ["百分之百%公司"]);
    assert_eq!(search("普_公司").await, Vec::<String>::new());
    assert_eq!(search("公司").await.len(), 4);
}

/// Walks a list with every small page size and checks it gives `expected`,
/// in order, without gaps or duplicates.
async fn assert_pages<T: PartialEq + std::fmt::Debug, K: PartialEq + std::fmt::Debug>(
    mut list: impl AsyncFnMut(PageRequest) -> Result<Page<T>, StoreError>,
    key: impl Fn(&T) -> K,
    expected: &[K],
) {
    for limit in 1..=4 {
        let items = walk(async |p| list(p).await, limit).await;
        let keys: Vec<K> = items.iter().map(&key).collect();
        assert_eq!(keys, expected, "page size {limit}");
    }
}

pub async fn every_customer_sort_walks_all_pages_without_gaps_or_duplicates(db: &dyn Store) {
    let mut w = World::new(db);
    let owner = w.user("owner").await;
    let names = [
        "b公司",
        "阿里巴巴",
        "a公司",
        "中兴",
        "美的",
        "A股份",
        "格力",
    ];
    let mut customers = Vec::new();
    for (i, name) in names.into_iter().enumerate() {
        let mut customer = w.fx.named_customer(name, owner.id);
        // Ties on updated_at, broken by id.
        customer.updated_at = w.fx.now() + Duration::seconds((i % 3) as i64);
        w.insert_customer(&customer).await;
        customers.push(customer);
    }
    let mut newest = customers.clone();
    newest.sort_by_key(|c| Reverse(c.id));
    let mut by_name = customers.clone();
    by_name.sort_by(|a, b| (&a.name_key, a.id).cmp(&(&b.name_key, b.id)));
    let mut updated = customers.clone();
    updated.sort_by_key(|c| Reverse((c.updated_at, c.id)));
    for (sort, expected) in [
        (CustomerSort::Newest, newest),
        (CustomerSort::Name, by_name),
        (CustomerSort::Updated, updated),
    ] {
        let filter = CustomerFilter {
            sort,
            ..visible(Visibility::All)
        };
        let ids: Vec<CustomerId> = expected.iter().map(|c| c.id).collect();
        assert_pages(
            async |p| db.list_customers(&filter, &p).await,
            |c| c.id,
            &ids,
        )
        .await;
    }
    let filter = CustomerFilter {
        sort: CustomerSort::Name,
        ..visible(Visibility::All)
    };
    let first = db
        .list_customers(&filter, &PageRequest::first(0))
        .await
        .unwrap();
    assert_eq!(first.items.len(), 1, "a limit of 0 is raised to 1");
    let all = db
        .list_customers(&filter, &PageRequest::first(10_000))
        .await
        .unwrap();
    assert_eq!((all.items.len(), all.next_cursor), (7, None));
}

/// The list the benchmark asks for (and the index of migration 0008
/// serves): one owner's customers in a status and a province, by name, page
/// after page; and the same filters over several visible owners.
pub async fn an_owner_status_and_province_list_walks_pages_in_name_order(db: &dyn Store) {
    let mut w = World::new(db);
    let a = w.user("rep_a").await;
    let b = w.user("rep_b").await;
    let names = [
        "深圳市瑞丰电子有限公司",
        "广州市华信文具有限公司",
        "b公司",
        "A股份",
        "a公司",
        "东莞市金达机械有限公司",
        "阿里巴巴",
        "中兴",
        "美的",
        "格力",
        "深圳市宏远物流有限公司",
        "深圳市恒通软件有限公司",
    ];
    let statuses = [CustomerStatus::Prospect, CustomerStatus::Customer];
    let provinces = [Some("广东"), Some("浙江"), None];
    let mut customers = Vec::new();
    for (i, name) in names.into_iter().enumerate() {
        let owner = if i % 5 == 4 { b.id } else { a.id };
        let draft = CustomerDraft {
            name: name.into(),
            status: Some(statuses[i % 2]),
            province: provinces[i % 3].map(Into::into),
            ..Default::default()
        };
        customers.push(w.customer(draft, owner).await);
    }
    let sorted = |pick: &dyn Fn(&Customer) -> bool| {
        let mut found: Vec<&Customer> = customers.iter().filter(|c| pick(c)).collect();
        found.sort_by(|x, y| (&x.name_key, x.id).cmp(&(&y.name_key, y.id)));
        found.into_iter().map(|c| c.id).collect::<Vec<CustomerId>>()
    };
    for owner in [a.id, b.id] {
        for status in statuses {
            for province in ["广东", "浙江"] {
                let filter = CustomerFilter {
                    owner_id: Some(owner),
                    status: Some(status),
                    province: Some(province.into()),
                    sort: CustomerSort::Name,
                    ..visible(Visibility::All)
                };
                let expected = sorted(&|c| {
                    c.owner_id == owner
                        && c.status == status
                        && c.province.as_deref() == Some(province)
                });
                assert_pages(
                    async |p| db.list_customers(&filter, &p).await,
                    |c| c.id,
                    &expected,
                )
                .await;
            }
        }
    }
    // A manager's view: no owner asked, several owners visible.
    let filter = CustomerFilter {
        status: Some(CustomerStatus::Prospect),
        province: Some("广东".into()),
        sort: CustomerSort::Name,
        ..visible(Visibility::Owners(vec![a.id, b.id]))
    };
    let expected =
        sorted(&|c| c.status == CustomerStatus::Prospect && c.province.as_deref() == Some("广东"));
    assert!(expected.len() >= 2, "{expected:?}");
    assert_pages(
        async |p| db.list_customers(&filter, &p).await,
        |c| c.id,
        &expected,
    )
    .await;
}

pub async fn a_garbled_cursor_is_refused(db: &dyn Store) {
    let mut w = World::new(db);
    let owner = w.user("owner").await;
    w.named("甲", owner.id).await;
    w.named("乙", owner.id).await;
    let name_sorted = CustomerFilter {
        sort: CustomerSort::Name,
        ..visible(Visibility::All)
    };
    let newest = visible(Visibility::All);
    let cursor = db
        .list_customers(&name_sorted, &PageRequest::first(1))
        .await
        .unwrap()
        .next_cursor
        .unwrap();
    let bad_cursors = ["garbage!", "", "e30", &cursor[1..]];
    for bad in bad_cursors {
        let page = PageRequest {
            limit: 10,
            cursor: Some(bad.into()),
        };
        let refused = |r: Result<_, StoreError>| {
            assert!(matches!(r, Err(StoreError::InvalidCursor)), "{bad}: {r:?}")
        };
        refused(db.list_customers(&name_sorted, &page).await.map(|_| ()));
        refused(db.list_users(&page).await.map(|_| ()));
        refused(db.list_teams(&page).await.map(|_| ()));
        refused(
            db.list_contacts(CustomerId::from_uuid(Uuid::nil()), &page)
                .await
                .map(|_| ()),
        );
        refused(
            db.list_activities(&activities(Visibility::All), &page)
                .await
                .map(|_| ()),
        );
        refused(
            db.list_audit(&AuditFilter::default(), &page)
                .await
                .map(|_| ()),
        );
    }
    // A cursor of one order is not one of another.
    let page = PageRequest {
        limit: 10,
        cursor: Some(cursor),
    };
    let result = db.list_customers(&newest, &page).await;
    assert!(
        matches!(result, Err(StoreError::InvalidCursor)),
        "{result:?}"
    );
    let result = db.list_audit(&AuditFilter::default(), &page).await;
    assert!(
        matches!(result, Err(StoreError::InvalidCursor)),
        "{result:?}"
    );
}

pub async fn a_contact_round_trips_and_contacts_are_listed_by_name(db: &dyn Store) {
    let mut w = World::new(db);
    let owner = w.user("owner").await;
    let customer = w.named("海信", owner.id).await;
    let other = w.named("海尔", owner.id).await;
    let draft = ContactDraft {
        name: "王建国".into(),
        title: Some("采购部经理".into()),
        department: Some("采购部".into()),
        mobile: Some("13812345678".into()),
        phone: Some("0532-83878888".into()),
        email: Some("wang@hisense.com".into()),
        wechat: Some("wjg_1975".into()),
        roles: vec![DecisionRole::InsideCoach, DecisionRole::DecisionMaker],
        influence: Some(5),
        relationship: Some(3),
        birthday: Some(Birthday::new(BirthdayCalendar::Lunar, Some(1975), 4, 2, true).unwrap()),
        native_place: Some("山东潍坊".into()),
        age: Some(51),
        hobbies: Some("钓鱼、书法".into()),
        tenure_years: Some(12),
        authority: Some("十万元以下可直接批准".into()),
        style: Some("严谨".into()),
        family: Some("一子在读大学".into()),
        notes: Some("喜欢喝茶".into()),
    };
    let contact = w.fx.contact(customer.id, draft);
    let audit = w.created("contact", contact.id, &contact);
    db.insert_contact(&contact, &audit).await.unwrap();
    assert_eq!(db.get_contact(contact.id).await.unwrap(), contact);

    for name in ["李四", "Anna", "张三", "李四"] {
        w.contact(customer.id, name).await;
    }
    w.contact(other.id, "赵六").await;
    let mut expected: Vec<(String, ContactId)> =
        walk(async |p| db.list_contacts(customer.id, &p).await, 500)
            .await
            .into_iter()
            .map(|c| (c.name, c.id))
            .collect();
    expected.sort();
    let names: Vec<&str> = expected.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["Anna", "张三", "李四", "李四", "王建国"]);
    assert_pages(
        async |p| db.list_contacts(customer.id, &p).await,
        |c| (c.name.clone(), c.id),
        &expected,
    )
    .await;

    let mut changed = contact
        .revise(
            ContactDraft {
                roles: vec![],
                birthday: None,
                ..contact.to_draft()
            },
            w.fx.tick(),
        )
        .unwrap();
    changed.name = "王总".into();
    let audit = w.updated("contact", contact.id, &contact, &changed);
    let stored = db.update_contact(&changed, 1, &audit).await.unwrap();
    assert_eq!(
        stored,
        Contact {
            version: 2,
            ..changed
        }
    );
    assert_eq!(
        version_conflict(db.update_contact(&contact, 1, &audit).await),
        2
    );
    assert_eq!(
        version_conflict(db.delete_contact(contact.id, 1, &audit).await),
        2
    );
    assert_eq!(db.get_contact(contact.id).await.unwrap(), stored);
    let audit = w.deleted("contact", contact.id, &stored);
    db.delete_contact(contact.id, 2, &audit).await.unwrap();
    not_found(db.get_contact(contact.id).await);
}

pub async fn an_activity_keeps_its_contacts_in_order_and_an_update_replaces_them(db: &dyn Store) {
    let mut w = World::new(db);
    let owner = w.user("owner").await;
    let customer = w.named("海信", owner.id).await;
    let a = w.contact(customer.id, "甲").await;
    let b = w.contact(customer.id, "乙").await;
    let c = w.contact(customer.id, "丙").await;
    let draft = ActivityDraft {
        contact_ids: vec![c.id, a.id, b.id],
        method: ActivityMethod::Meeting,
        duration_minutes: Some(90),
        progress: Some("已报价".into()),
        attitude: Some(Attitude::Positive),
        attitude_note: Some("很感兴趣".into()),
        next_step: Some("送样品".into()),
        ..w.fx
            .activity(customer.id, owner.id, w.fx.now(), Some(date(2026, 12, 1)))
            .to_draft()
    };
    let activity = w.fx.activity_from(draft, owner.id);
    w.insert_activity(&activity).await;
    let stored = db.get_activity(activity.id).await.unwrap();
    assert_eq!(stored, activity);
    assert_eq!(stored.contact_ids, [c.id, a.id, b.id]);

    let changed = activity
        .revise(
            ActivityDraft {
                contact_ids: vec![b.id, c.id],
                next_follow_up: None,
                ..activity.to_draft()
            },
            w.fx.tick(),
        )
        .unwrap();
    let audit = w.updated("activity", activity.id, &activity, &changed);
    let stored = db.update_activity(&changed, 1, &audit).await.unwrap();
    assert_eq!(
        stored,
        Activity {
            version: 2,
            ..changed.clone()
        }
    );
    assert_eq!(db.get_activity(activity.id).await.unwrap(), stored);

    let audits = w.audit_count().await;
    assert_eq!(
        version_conflict(db.update_activity(&activity, 1, &audit).await),
        2
    );
    assert_eq!(
        version_conflict(db.delete_activity(activity.id, 1, &audit).await),
        2
    );
    assert_eq!(db.get_activity(activity.id).await.unwrap(), stored);
    assert_eq!(w.audit_count().await, audits);

    // Deleting a contact takes it off the record.
    let audit = w.deleted("contact", b.id, &b);
    db.delete_contact(b.id, 1, &audit).await.unwrap();
    assert_eq!(
        db.get_activity(activity.id).await.unwrap().contact_ids,
        [c.id]
    );

    let audit = w.deleted("activity", activity.id, &stored);
    db.delete_activity(activity.id, 2, &audit).await.unwrap();
    not_found(db.get_activity(activity.id).await);
}

pub async fn activities_are_filtered_by_customer_owner_method_time_and_due_date(db: &dyn Store) {
    let mut w = World::new(db);
    let rep = w.user("rep").await;
    let other = w.user("other").await;
    let haixin = w.named("海信", rep.id).await;
    let haier = w.named("海尔", rep.id).await;
    let start = w.fx.now();
    let visit = w
        .activity(haixin.id, rep.id, 0, Some(date(2026, 11, 25)))
        .await;
    let later = w
        .activity(haixin.id, other.id, 24, Some(date(2026, 11, 30)))
        .await;
    let elsewhere = w.activity(haier.id, rep.id, 48, None).await;
    let call = {
        let draft = ActivityDraft {
            method: ActivityMethod::Phone,
            ..w.fx
                .activity(
                    haier.id,
                    rep.id,
                    start + Duration::hours(72),
                    Some(date(2026, 11, 26)),
                )
                .to_draft()
        };
        let call = w.fx.activity_from(draft, rep.id);
        w.insert_activity(&call).await;
        call
    };
    let all = || activities(Visibility::All);
    let sorted = |mut ids: Vec<ActivityId>| {
        ids.sort();
        ids
    };
    let cases = [
        (
            ActivityFilter {
                customer_id: Some(haixin.id),
                ..all()
            },
            vec![visit.id, later.id],
        ),
        (
            ActivityFilter {
                owner_id: Some(other.id),
                ..all()
            },
            vec![later.id],
        ),
        (
            ActivityFilter {
                method: Some(ActivityMethod::Phone),
                ..all()
            },
            vec![call.id],
        ),
        (
            ActivityFilter {
                from: Some(start + Duration::hours(24)),
                ..all()
            },
            vec![later.id, elsewhere.id, call.id],
        ),
        (
            ActivityFilter {
                to: Some(start + Duration::hours(24)),
                ..all()
            },
            vec![visit.id],
        ),
        (
            ActivityFilter {
                from: Some(start + Duration::hours(24)),
                to: Some(start + Duration::hours(72)),
                ..all()
            },
            vec![later.id, elsewhere.id],
        ),
        (
            ActivityFilter {
                due_by: Some(date(2026, 11, 26)),
                ..all()
            },
            vec![visit.id, call.id],
        ),
        (
            ActivityFilter {
                due_by: Some(date(2026, 11, 24)),
                ..all()
            },
            vec![],
        ),
        (
            ActivityFilter {
                customer_id: Some(haier.id),
                due_by: Some(date(2027, 1, 1)),
                ..all()
            },
            vec![call.id],
        ),
    ];
    for (filter, expected) in cases {
        assert_eq!(
            activity_ids(db, &filter).await,
            sorted(expected),
            "{filter:?}"
        );
    }
    assert_eq!(activity_ids(db, &all()).await.len(), 4);
}

pub async fn activity_visibility_follows_the_owner_of_the_customer(db: &dyn Store) {
    let mut w = World::new(db);
    let rep = w.user("rep").await;
    let other = w.user("other").await;
    let mine = w.named("海信", rep.id).await;
    let theirs = w.named("海尔", other.id).await;
    // Another user's record on my customer is mine to see, and not theirs.
    let on_mine = w.activity(mine.id, other.id, 0, None).await;
    let on_theirs = w.activity(theirs.id, rep.id, 1, None).await;
    let ids =
        async |owners: Vec<UserId>| activity_ids(db, &activities(Visibility::Owners(owners))).await;
    assert_eq!(ids(vec![rep.id]).await, [on_mine.id]);
    assert_eq!(ids(vec![other.id]).await, [on_theirs.id]);
    assert_eq!(ids(vec![]).await, []);
    assert_eq!(ids(vec![rep.id, other.id]).await.len(), 2);
}

pub async fn both_activity_sorts_walk_all_pages_without_gaps_or_duplicates(db: &dyn Store) {
    let mut w = World::new(db);
    let rep = w.user("rep").await;
    let customer = w.named("海信", rep.id).await;
    let follow_ups = [
        Some(date(2026, 12, 3)),
        None,
        Some(date(2026, 12, 1)),
        Some(date(2026, 12, 3)),
        None,
        Some(date(2027, 1, 1)),
        Some(date(2026, 12, 1)),
    ];
    let mut all = Vec::new();
    for (i, follow_up) in follow_ups.into_iter().enumerate() {
        // Ties on occurred_at, broken by id.
        all.push(
            w.activity(customer.id, rep.id, (i % 3) as i64, follow_up)
                .await,
        );
    }
    let mut recent = all.clone();
    recent.sort_by_key(|a| Reverse((a.occurred_at, a.id)));
    let mut due = all.clone();
    // Records without a follow-up date come last.
    due.sort_by_key(|a| (a.next_follow_up.is_none(), a.next_follow_up, a.id));
    for (sort, expected) in [
        (ActivitySort::Recent, recent),
        (ActivitySort::FollowUp, due),
    ] {
        let filter = ActivityFilter {
            sort,
            ..activities(Visibility::All)
        };
        let ids: Vec<ActivityId> = expected.iter().map(|a| a.id).collect();
        assert_pages(
            async |p| db.list_activities(&filter, &p).await,
            |a| a.id,
            &ids,
        )
        .await;
    }
}

pub async fn deleting_a_customer_removes_its_contacts_and_activities(db: &dyn Store) {
    let mut w = World::new(db);
    let rep = w.user("rep").await;
    let doomed = w.named("海信", rep.id).await;
    let kept = w.named("海尔", rep.id).await;
    let contact = w.contact(doomed.id, "王总").await;
    let mut activity = w.fx.activity(doomed.id, rep.id, w.fx.now(), None);
    activity.contact_ids = vec![contact.id];
    w.insert_activity(&activity).await;
    let kept_contact = w.contact(kept.id, "李总").await;
    let kept_activity = w.activity(kept.id, rep.id, 1, None).await;

    let audit = w.deleted("customer", doomed.id, &doomed);
    db.delete_customer(doomed.id, 1, &audit).await.unwrap();
    not_found(db.get_customer(doomed.id).await);
    not_found(db.get_contact(contact.id).await);
    not_found(db.get_activity(activity.id).await);
    assert_eq!(db.get_contact(kept_contact.id).await.unwrap(), kept_contact);
    assert_eq!(
        db.get_activity(kept_activity.id).await.unwrap(),
        kept_activity
    );
    let left = activity_ids(db, &activities(Visibility::All)).await;
    assert_eq!(left, [kept_activity.id]);
}

pub async fn every_write_appends_exactly_one_audit_entry(db: &dyn Store) {
    let mut w = World::new(db);
    let mut expected: Vec<AuditEntry> = Vec::new();
    let user = w.fx.user("zhang", Role::Manager);
    let entry = w.fx.audit(
        None,
        AuditAction::Create,
        "user",
        user.id,
        None,
        Some(&user),
    );
    db.insert_user(&user, "h", &entry).await.unwrap();
    expected.push(entry);
    let actor = Some(user.id);

    w.fx.tick();
    let team = w.fx.team("华东区", Some(user.id));
    let entry = w.fx.audit(
        actor,
        AuditAction::Create,
        "team",
        team.id,
        None,
        Some(&team),
    );
    db.insert_team(&team, &entry).await.unwrap();
    expected.push(entry);

    w.fx.tick();
    let customer = w.fx.customer(full_draft(), user.id);
    let entry = w.fx.audit(
        actor,
        AuditAction::Create,
        "customer",
        customer.id,
        None,
        Some(&customer),
    );
    db.insert_customer(&customer, &entry).await.unwrap();
    expected.push(entry);

    w.fx.tick();
    let contact = w.fx.contact(
        customer.id,
        ContactDraft {
            name: "王总".into(),
            ..Default::default()
        },
    );
    let entry = w.fx.audit(
        actor,
        AuditAction::Create,
        "contact",
        contact.id,
        None,
        Some(&contact),
    );
    db.insert_contact(&contact, &entry).await.unwrap();
    expected.push(entry);

    w.fx.tick();
    let activity = w.fx.activity(customer.id, user.id, w.fx.now(), None);
    let entry = w.fx.audit(
        actor,
        AuditAction::Create,
        "activity",
        activity.id,
        None,
        Some(&activity),
    );
    db.insert_activity(&activity, &entry).await.unwrap();
    expected.push(entry);

    let now = w.fx.tick();
    let mut changed = customer.clone();
    changed.city = Some("烟台".into());
    changed.updated_at = now;
    let entry = w.fx.audit(
        actor,
        AuditAction::Update,
        "customer",
        customer.id,
        Some(&customer),
        Some(&changed),
    );
    assert_eq!(
        entry.changes,
        json!({"city": {"from": "青岛", "to": "烟台"}})
    );
    db.update_customer(&changed, 1, &entry).await.unwrap();
    expected.push(entry);

    for (entity, id) in [
        ("activity", activity.id.to_string()),
        ("contact", contact.id.to_string()),
    ] {
        w.fx.tick();
        let entry = w.fx.audit(
            actor,
            AuditAction::Delete,
            entity,
            &id,
            Some(&json!({"id": id})),
            None,
        );
        match entity {
            "activity" => db.delete_activity(activity.id, 1, &entry).await.unwrap(),
            _ => db.delete_contact(contact.id, 1, &entry).await.unwrap(),
        }
        expected.push(entry);
    }

    w.fx.tick();
    let entry = w.fx.audit(
        actor,
        AuditAction::Delete,
        "customer",
        customer.id,
        Some(&changed),
        None,
    );
    db.delete_customer(customer.id, 2, &entry).await.unwrap();
    expected.push(entry);

    w.fx.tick();
    let entry = w.fx.audit(
        actor,
        AuditAction::Update,
        "user",
        user.id,
        None,
        Some(&json!({"password": "changed"})),
    );
    db.set_password(user.id, "h2", &entry).await.unwrap();
    expected.push(entry);

    w.fx.tick();
    let mut renamed = team.clone();
    renamed.name = "华东大区".into();
    let entry = w.fx.audit(
        actor,
        AuditAction::Update,
        "team",
        team.id,
        Some(&team),
        Some(&renamed),
    );
    db.update_team(&renamed, 1, &entry).await.unwrap();
    expected.push(entry);

    w.fx.tick();
    let entry = w.fx.audit(
        actor,
        AuditAction::Delete,
        "team",
        team.id,
        Some(&renamed),
        None,
    );
    db.delete_team(team.id, 2, &entry).await.unwrap();
    expected.push(entry);

    w.fx.tick();
    let user = db.get_user(user.id).await.unwrap();
    let mut renamed = user.clone();
    renamed.display_name = "张经理".into();
    let entry = w.fx.audit(
        actor,
        AuditAction::Update,
        "user",
        user.id,
        Some(&user),
        Some(&renamed),
    );
    db.update_user(&renamed, 1, &entry).await.unwrap();
    expected.push(entry);

    w.fx.tick();
    let entry = w.fx.audit(
        actor,
        AuditAction::Delete,
        "user",
        user.id,
        Some(&renamed),
        None,
    );
    db.delete_user(user.id, 2, &entry).await.unwrap();
    expected.push(entry);

    // Newest first, every page size.
    expected.reverse();
    let ids: Vec<Uuid> = expected.iter().map(|e| e.id).collect();
    assert_pages(
        async |p| db.list_audit(&AuditFilter::default(), &p).await,
        |e| e.id,
        &ids,
    )
    .await;
    let all = walk(
        async |p| db.list_audit(&AuditFilter::default(), &p).await,
        500,
    )
    .await;
    assert_eq!(all, expected);

    let only = |f: &dyn Fn(&AuditEntry) -> bool| -> Vec<Uuid> {
        expected.iter().filter(|e| f(e)).map(|e| e.id).collect()
    };
    let by_entity = AuditFilter {
        entity: Some("customer".into()),
        ..Default::default()
    };
    let customer_id = customer.id.to_string();
    let by_record = AuditFilter {
        entity: Some("customer".into()),
        entity_id: Some(customer_id.clone()),
        ..Default::default()
    };
    let by_actor = AuditFilter {
        actor_id: Some(user.id),
        ..Default::default()
    };
    let by_id_alone = AuditFilter {
        entity_id: Some(customer_id.clone()),
        ..Default::default()
    };
    for (filter, want) in [
        (by_entity, only(&|e| e.entity == "customer")),
        (by_record, only(&|e| e.entity_id == customer_id)),
        (by_actor, only(&|e| e.actor_id == Some(user.id))),
        (by_id_alone, only(&|e| e.entity_id == customer_id)),
    ] {
        let got: Vec<Uuid> = walk(async |p| db.list_audit(&filter, &p).await, 2)
            .await
            .iter()
            .map(|e| e.id)
            .collect();
        assert_eq!(got, want, "{filter:?}");
    }
}

pub async fn the_first_idempotent_response_wins(db: &dyn Store) {
    let mut w = World::new(db);
    let user = w.user("zhang").await;
    let other = w.user("li").await;
    let first = StoredResponse {
        fingerprint: "POST /api/v1/customers abc".into(),
        status: 201,
        body: r#"{"name":"海信"}"#.into(),
    };
    let second = StoredResponse {
        fingerprint: "POST /api/v1/customers def".into(),
        status: 409,
        body: "{}".into(),
    };
    let now = w.fx.now();
    assert_eq!(
        db.find_idempotent_response(user.id, "k1").await.unwrap(),
        None
    );
    db.insert_idempotent_response(user.id, "k1", &first, now)
        .await
        .unwrap();
    db.insert_idempotent_response(user.id, "k1", &second, now)
        .await
        .unwrap();
    assert_eq!(
        db.find_idempotent_response(user.id, "k1").await.unwrap(),
        Some(first)
    );
    // Keys are per user.
    assert_eq!(
        db.find_idempotent_response(other.id, "k1").await.unwrap(),
        None
    );
    db.insert_idempotent_response(other.id, "k1", &second, now)
        .await
        .unwrap();
    assert_eq!(
        db.find_idempotent_response(other.id, "k1").await.unwrap(),
        Some(second)
    );
}

// Process templates, development cases, approvals and the calendar.

impl World<'_> {
    /// Inserts a case (after `edit`) with its `Created` line and audit entry.
    async fn case(
        &mut self,
        customer: CustomerId,
        owner: UserId,
        template_key: &str,
        stage: &str,
        edit: impl FnOnce(&mut DevelopmentCase),
    ) -> DevelopmentCase {
        let (mut case, event) = self.fx.case(customer, owner, template_key, stage);
        edit(&mut case);
        let audit = self.created("case", case.id, &case);
        self.db.insert_case(&case, &event, &audit).await.unwrap();
        case
    }

    /// Inserts a pending request to leave the case's stage, with its history line.
    async fn approval(
        &mut self,
        case: &DevelopmentCase,
        requested_by: UserId,
        approver: UserId,
    ) -> Approval {
        let approval = self.fx.approval(case, requested_by, approver);
        let event = self.fx.case_event(
            case,
            CaseEventKind::ApprovalRequested,
            Some(&case.stage),
            None,
        );
        let audit = self.created("approval", approval.id, &approval);
        self.db
            .insert_approval(&approval, &event, &audit)
            .await
            .unwrap();
        approval
    }
}

fn money(fen: i64) -> Option<Money> {
    Some(Money::from_fen(fen).unwrap())
}

fn checks(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|i| (*i).to_owned()).collect()
}

fn cases(v: Visibility) -> CaseFilter {
    CaseFilter::visible(v)
}

async fn case_ids(db: &dyn Store, filter: &CaseFilter) -> Vec<CaseId> {
    let mut ids: Vec<CaseId> = walk(async |p| db.list_cases(filter, &p).await, 2)
        .await
        .into_iter()
        .map(|c| c.id)
        .collect();
    ids.sort();
    ids
}

async fn approval_ids(db: &dyn Store, filter: &ApprovalFilter) -> Vec<ApprovalId> {
    let mut ids: Vec<ApprovalId> = walk(async |p| db.list_approvals(filter, &p).await, 2)
        .await
        .into_iter()
        .map(|a| a.id)
        .collect();
    ids.sort();
    ids
}

pub async fn a_template_keeps_every_version_and_the_newest_is_the_default(db: &dyn Store) {
    let mut w = World::new(db);
    let admin = w.user("admin").await;
    let builtin = w.fx.template("six_steps", 1, None);
    let mut inserted = Vec::new();
    for template in [
        builtin.clone(),
        w.fx.template("big_account", 1, Some(admin.id)),
        w.fx.template("big_account", 3, Some(admin.id)),
        w.fx.template("big_account", 2, Some(admin.id)),
    ] {
        let audit = w.created(
            "process_template",
            &template.key,
            &json!({"version": template.version}),
        );
        db.insert_process_template(&template, &audit).await.unwrap();
        inserted.push(template);
    }
    let find = async |key: &str, version| db.find_process_template(key, version).await.unwrap();
    assert_eq!(find("big_account", None).await.as_ref(), Some(&inserted[2]));
    assert_eq!(
        find("big_account", Some(1)).await.as_ref(),
        Some(&inserted[1])
    );
    assert_eq!(
        find("big_account", Some(2)).await.as_ref(),
        Some(&inserted[3])
    );
    assert_eq!(find("big_account", Some(4)).await, None);
    assert_eq!(find("six_steps", None).await, Some(builtin.clone()));
    assert_eq!(find("nothing", None).await, None);
    assert_eq!(
        db.list_process_templates().await.unwrap(),
        [inserted[2].clone(), builtin],
        "the newest version of each key, by key"
    );

    let audits = w.audit_count().await;
    let mut again = w.fx.template("big_account", 2, Some(admin.id));
    again.source = "changed".into();
    let audit = w.created("process_template", "big_account", &json!({"version": 2}));
    assert_eq!(
        conflict(db.insert_process_template(&again, &audit).await),
        "process_templates.version"
    );
    assert_eq!(
        find("big_account", Some(2)).await.as_ref(),
        Some(&inserted[3])
    );
    assert_eq!(
        w.audit_count().await,
        audits,
        "a refused write is not audited"
    );
}

pub async fn a_case_round_trips_every_field_with_its_checks_and_created_line(db: &dyn Store) {
    let mut w = World::new(db);
    let owner = w.user("owner").await;
    let customer = w.named("海信", owner.id).await;
    let (mut case, event) = w.fx.case(customer.id, owner.id, "big_account", "接触");
    case.template_version = 3;
    case.title = "“海信” 复印纸 — 'Q4' \\ 😀".into();
    case.expected_amount = money(98_765_432_101_234);
    case.expected_close_date = Some(date(2027, 2, 28));
    case.competitors = Some("晨光、得力".into());
    case.obstacles = Some("预算未批".into());
    case.expected_cost = money(1);
    case.next_step = Some("约采购总监".into());
    case.stage_due_at = Some(w.fx.now() + Duration::microseconds(86_400_000_001));
    case.checked = checks(&["接触/拜访", "接触/名片", "需求/调研"]);
    case.outcome_reason = Some("重新打开".into());
    let audit = w.created("case", case.id, &case);
    let audits = w.audit_count().await;
    db.insert_case(&case, &event, &audit).await.unwrap();
    let stored = db.get_case(case.id).await.unwrap();
    assert_eq!(stored, case);
    assert_eq!(stored.expected_amount.unwrap().fen(), 98_765_432_101_234);
    assert_eq!(
        db.list_case_events(case.id).await.unwrap(),
        std::slice::from_ref(&event)
    );
    assert_eq!(w.audit_count().await, audits + 1);

    // The same id again is refused, and changes nothing.
    let audit = w.created("case", case.id, &case);
    assert!(db.insert_case(&case, &event, &audit).await.is_err());
    assert_eq!(db.get_case(case.id).await.unwrap(), case);
    assert_eq!(db.list_case_events(case.id).await.unwrap(), [event]);
    assert_eq!(w.audit_count().await, audits + 1);
}

pub async fn a_case_update_replaces_its_checks_appends_its_history_and_a_stale_one_changes_nothing(
    db: &dyn Store,
) {
    let mut w = World::new(db);
    let owner = w.user("owner").await;
    let other = w.user("other").await;
    let customer = w.named("海信", owner.id).await;
    let case = w
        .case(customer.id, owner.id, "big", "接触", |c| {
            c.checked = checks(&["接触/拜访", "接触/名片"]);
        })
        .await;
    let created = db.list_case_events(case.id).await.unwrap();

    let now = w.fx.tick();
    let mut moved = case.clone();
    moved.stage = "需求".into();
    moved.stage_entered_at = now;
    moved.stage_due_at = Some(now + Duration::days(3));
    moved.owner_id = other.id;
    moved.expected_amount = money(500_000);
    moved.checked = checks(&["接触/名片", "需求/调研"]);
    moved.updated_at = now;
    let events = [
        w.fx.case_event(&case, CaseEventKind::Advanced, Some("接触"), Some("需求")),
        CaseEvent {
            comment: Some("换人跟进".into()),
            ..w.fx.case_event(&case, CaseEventKind::Advanced, None, None)
        },
    ];
    let audits = [
        w.updated("case", case.id, &case, &moved),
        w.created("case_event", case.id, &events[0]),
    ];
    let before = w.audit_count().await;
    let write = CaseWrite {
        case: &moved,
        expected_version: 1,
        events: &events,
    };
    let stored = db.update_case(write, &audits).await.unwrap();
    let expected = DevelopmentCase {
        version: 2,
        ..moved.clone()
    };
    assert_eq!(stored, expected);
    assert_eq!(db.get_case(case.id).await.unwrap(), expected);
    let history = [created.clone(), events.to_vec()].concat();
    assert_eq!(db.list_case_events(case.id).await.unwrap(), history);
    assert_eq!(w.audit_count().await, before + 2);

    // A stale write changes nothing: not the case, its checks, its history
    // or the audit log.
    let mut stale = moved.clone();
    stale.title = "过期".into();
    stale.checked = BTreeSet::new();
    let write = CaseWrite {
        case: &stale,
        expected_version: 1,
        events: &events[..1],
    };
    let fresh = [w.updated("case", case.id, &moved, &stale)];
    assert_eq!(version_conflict(db.update_case(write, &fresh).await), 2);
    assert_eq!(db.get_case(case.id).await.unwrap(), expected);
    assert_eq!(db.list_case_events(case.id).await.unwrap(), history);
    assert_eq!(w.audit_count().await, before + 2);

    // A write with nothing changed still bumps the version; no history line
    // and no audit entry are fine too.
    let write = CaseWrite {
        case: &expected,
        expected_version: 2,
        events: &[],
    };
    let again = db.update_case(write, &[]).await.unwrap();
    assert_eq!(
        again,
        DevelopmentCase {
            version: 3,
            ..expected.clone()
        }
    );
    assert_eq!(db.list_case_events(case.id).await.unwrap(), history);
}

pub async fn a_case_pointing_to_a_missing_customer_or_owner_is_a_conflict_naming_it(
    db: &dyn Store,
) {
    let mut w = World::new(db);
    let owner = w.user("owner").await;
    let customer = w.named("海信", owner.id).await;
    let ghost_user = w.fx.user("ghost", Role::Rep);
    let ghost_customer = w.fx.named_customer("幽灵", owner.id);
    let audits = w.audit_count().await;

    let (case, event) = w.fx.case(ghost_customer.id, owner.id, "big", "接触");
    let audit = w.created("case", case.id, &case);
    assert_eq!(
        conflict(db.insert_case(&case, &event, &audit).await),
        "cases.customer_id"
    );
    let (case, event) = w.fx.case(customer.id, ghost_user.id, "big", "接触");
    assert_eq!(
        conflict(db.insert_case(&case, &event, &audit).await),
        "cases.owner_id"
    );
    not_found(db.get_case(case.id).await);
    assert_eq!(db.list_case_events(case.id).await.unwrap(), []);

    let case = w.case(customer.id, owner.id, "big", "接触", |_| {}).await;
    let mut moved = case.clone();
    moved.owner_id = ghost_user.id;
    let write = CaseWrite {
        case: &moved,
        expected_version: 1,
        events: &[],
    };
    assert_eq!(
        conflict(db.update_case(write, std::slice::from_ref(&audit)).await),
        "cases.owner_id"
    );
    assert_eq!(db.get_case(case.id).await.unwrap(), case);
    assert_eq!(w.audit_count().await, audits + 1, "only the good case");
}

pub async fn missing_cases_approvals_and_calendar_days_are_not_found(db: &dyn Store) {
    let mut w = World::new(db);
    let owner = w.user("owner").await;
    let customer = w.named("海信", owner.id).await;
    let real = w.case(customer.id, owner.id, "big", "接触", |_| {}).await;
    let audit = w.created("x", "x", &json!({}));
    let audits = w.audit_count().await;

    let (ghost, event) = w.fx.case(customer.id, owner.id, "big", "接触");
    not_found(db.get_case(ghost.id).await);
    let write = CaseWrite {
        case: &ghost,
        expected_version: 1,
        events: std::slice::from_ref(&event),
    };
    not_found(db.update_case(write, std::slice::from_ref(&audit)).await);
    assert_eq!(db.list_case_events(ghost.id).await.unwrap(), []);

    let approval = w.fx.approval(&real, owner.id, owner.id);
    not_found(db.get_approval(approval.id).await);
    let write = CaseWrite {
        case: &real,
        expected_version: 1,
        events: &[],
    };
    not_found(
        db.update_approval(&approval, 1, write, std::slice::from_ref(&audit))
            .await,
    );
    // A decision on a missing case is refused too, and the approval stays.
    let approval = w.approval(&real, owner.id, owner.id).await;
    let decided = approval.decide(true, None, w.fx.now()).unwrap();
    let write = CaseWrite {
        case: &ghost,
        expected_version: 1,
        events: &[],
    };
    not_found(
        db.update_approval(&decided, 1, write, std::slice::from_ref(&audit))
            .await,
    );
    assert_eq!(db.get_approval(approval.id).await.unwrap(), approval);
    assert_eq!(db.get_case(real.id).await.unwrap(), real);

    not_found(db.delete_calendar_day(date(2027, 1, 1), &audit).await);
    assert_eq!(
        w.audit_count().await,
        audits + 1,
        "only the approval request is audited"
    );
}

pub async fn cases_are_filtered_by_each_field(db: &dyn Store) {
    let mut w = World::new(db);
    let rep = w.user("rep").await;
    let other = w.user("other").await;
    let third = w.user("third").await;
    let haixin = w.named("海信", rep.id).await;
    let haier = w.named("海尔", other.id).await;
    let now = w.fx.now();
    let day = |d: i64| now + Duration::days(d);
    let c1 = w
        .case(haixin.id, rep.id, "big", "s1", |c| {
            c.expected_amount = money(10_000);
            c.stage_due_at = Some(now - Duration::hours(1));
        })
        .await;
    let c2 = w
        .case(haixin.id, other.id, "big", "s2", |c| {
            c.expected_amount = money(50_000);
            c.stage_due_at = Some(day(3));
            c.created_at = day(1);
        })
        .await;
    let c3 = w
        .case(haier.id, other.id, "six", "s1", |c| {
            c.status = CaseStatus::Won;
            c.created_at = day(2);
        })
        .await;
    let c4 = w
        .case(haier.id, third.id, "big", "s1", |c| {
            c.expected_amount = money(100_000);
            c.stage_due_at = Some(now - Duration::hours(2));
            c.status = CaseStatus::Lost;
            c.created_at = day(3);
        })
        .await;
    let c5 = w
        .case(haixin.id, rep.id, "six", "s2", |c| {
            c.expected_amount = money(50_000);
            c.stage_due_at = Some(day(1));
            c.created_at = day(4);
        })
        .await;
    let all = || cases(Visibility::All);
    let table = [
        (all(), vec![c1.id, c2.id, c3.id, c4.id, c5.id]),
        (cases(Visibility::Owners(vec![rep.id])), vec![c1.id, c5.id]),
        (cases(Visibility::Owners(vec![])), vec![]),
        (
            CaseFilter {
                template_key: Some("big".into()),
                ..all()
            },
            vec![c1.id, c2.id, c4.id],
        ),
        (
            CaseFilter {
                stage: Some("s1".into()),
                ..all()
            },
            vec![c1.id, c3.id, c4.id],
        ),
        (
            CaseFilter {
                template_key: Some("big".into()),
                stage: Some("s1".into()),
                ..all()
            },
            vec![c1.id, c4.id],
        ),
        (
            CaseFilter {
                owner_id: Some(other.id),
                ..all()
            },
            vec![c2.id, c3.id],
        ),
        (
            CaseFilter {
                owners_in: Some(vec![rep.id, third.id]),
                ..all()
            },
            vec![c1.id, c4.id, c5.id],
        ),
        (
            CaseFilter {
                owners_in: Some(vec![]),
                ..all()
            },
            vec![],
        ),
        (
            CaseFilter {
                customer_id: Some(haier.id),
                ..all()
            },
            vec![c3.id, c4.id],
        ),
        (
            CaseFilter {
                status: Some(CaseStatus::Open),
                ..all()
            },
            vec![c1.id, c2.id, c5.id],
        ),
        (
            CaseFilter {
                status: Some(CaseStatus::Won),
                ..all()
            },
            vec![c3.id],
        ),
        (
            CaseFilter {
                amount_min_fen: Some(50_000),
                ..all()
            },
            vec![c2.id, c4.id, c5.id],
        ),
        (
            CaseFilter {
                amount_max_fen: Some(50_000),
                ..all()
            },
            vec![c1.id, c2.id, c5.id],
        ),
        (
            CaseFilter {
                amount_min_fen: Some(50_000),
                amount_max_fen: Some(50_000),
                ..all()
            },
            vec![c2.id, c5.id],
        ),
        (
            CaseFilter {
                amount_min_fen: Some(0),
                ..all()
            },
            vec![c1.id, c2.id, c4.id, c5.id],
        ),
        (
            CaseFilter {
                due_by: Some(now),
                ..all()
            },
            vec![c1.id],
        ),
        (
            CaseFilter {
                due_by: Some(day(1)),
                ..all()
            },
            vec![c1.id, c5.id],
        ),
        (
            CaseFilter {
                due_by: Some(now - Duration::days(1)),
                ..all()
            },
            vec![],
        ),
        (
            CaseFilter {
                created_from: Some(day(2)),
                ..all()
            },
            vec![c3.id, c4.id, c5.id],
        ),
        (
            CaseFilter {
                created_to: Some(day(2)),
                ..all()
            },
            vec![c1.id, c2.id],
        ),
        (
            CaseFilter {
                created_from: Some(day(1)),
                created_to: Some(day(3)),
                ..all()
            },
            vec![c2.id, c3.id],
        ),
        (
            CaseFilter {
                status: Some(CaseStatus::Open),
                ..cases(Visibility::Owners(vec![other.id, third.id]))
            },
            vec![c2.id],
        ),
    ];
    for (filter, mut expected) in table {
        expected.sort();
        assert_eq!(case_ids(db, &filter).await, expected, "{filter:?}");
        let mut reported: Vec<CaseId> = db
            .list_cases_with_history(&filter)
            .await
            .unwrap()
            .iter()
            .map(|(c, _)| c.id)
            .collect();
        reported.sort();
        assert_eq!(reported, expected, "with history: {filter:?}");
    }
}

pub async fn both_case_sorts_walk_all_pages_without_gaps_or_duplicates(db: &dyn Store) {
    let mut w = World::new(db);
    let rep = w.user("rep").await;
    let customer = w.named("海信", rep.id).await;
    let now = w.fx.now();
    let dues = [
        Some(2),
        None,
        Some(1),
        Some(2),
        None,
        Some(-5),
        Some(1),
        None,
    ];
    let mut all = Vec::new();
    for (i, due) in dues.into_iter().enumerate() {
        let case = w
            .case(customer.id, rep.id, "big", "s1", |c| {
                // Ties on the deadline, broken by id.
                c.stage_due_at = due.map(|h| now + Duration::hours(h));
                c.checked = checks(&[&format!("s1/{i}")]);
            })
            .await;
        all.push(case);
    }
    let mut newest = all.clone();
    newest.sort_by_key(|c| Reverse(c.id));
    let mut due = all.clone();
    // Cases without a deadline come last.
    due.sort_by_key(|c| (c.stage_due_at.is_none(), c.stage_due_at, c.id));
    for (sort, expected) in [(CaseSort::Newest, newest), (CaseSort::Due, due)] {
        let filter = CaseFilter {
            sort,
            ..cases(Visibility::All)
        };
        let ids: Vec<CaseId> = expected.iter().map(|c| c.id).collect();
        assert_pages(async |p| db.list_cases(&filter, &p).await, |c| c.id, &ids).await;
        let listed = walk(async |p| db.list_cases(&filter, &p).await, 3).await;
        assert_eq!(listed, expected, "{sort:?}: whole cases, with their checks");
        let reported: Vec<DevelopmentCase> = db
            .list_cases_with_history(&filter)
            .await
            .unwrap()
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        assert_eq!(reported, expected, "{sort:?}: the report's order");
    }
    // A cursor of one sort is refused by the other.
    let due = CaseFilter {
        sort: CaseSort::Due,
        ..cases(Visibility::All)
    };
    let page = db.list_cases(&due, &PageRequest::first(2)).await.unwrap();
    let newest = cases(Visibility::All);
    let result = db
        .list_cases(
            &newest,
            &PageRequest {
                limit: 2,
                cursor: page.next_cursor,
            },
        )
        .await;
    assert!(
        matches!(result, Err(StoreError::InvalidCursor)),
        "{result:?}"
    );
}

pub async fn a_case_history_is_oldest_first_and_the_report_matches_it(db: &dyn Store) {
    let mut w = World::new(db);
    let rep = w.user("rep").await;
    let haixin = w.named("海信", rep.id).await;
    let haier = w.named("海尔", rep.id).await;
    let start = w.fx.now();
    let mut written = Vec::new();
    for (customer, stage) in [(haixin.id, "s1"), (haier.id, "s1"), (haixin.id, "s2")] {
        let case = w.case(customer, rep.id, "big", stage, |_| {}).await;
        written.push(case);
    }
    // Lines appended out of time order, and two at the same instant: the
    // history is by time, then id.
    let first = &written[0].clone();
    let at = |s: i64| start + Duration::seconds(s);
    let mut later =
        w.fx.case_event(first, CaseEventKind::Advanced, Some("s1"), Some("s2"));
    later.at = at(20);
    let mut earlier =
        w.fx.case_event(first, CaseEventKind::Terminated, None, None);
    earlier.at = at(10);
    earlier.reason = Some("预算取消".into());
    let mut tie_a = w.fx.case_event(first, CaseEventKind::Reopened, None, None);
    tie_a.at = at(20);
    let write = CaseWrite {
        case: first,
        expected_version: 1,
        events: &[later.clone(), earlier.clone(), tie_a.clone()],
    };
    written[0] = db.update_case(write, &[]).await.unwrap();
    let created = db.list_case_events(first.id).await.unwrap();
    assert_eq!(created.len(), 4);
    assert_eq!(created[0].kind, CaseEventKind::Created);
    assert_eq!(created[1..], [earlier, later, tie_a]);

    let second = written[1].clone();
    let mut moved = second.clone();
    moved.stage = "s2".into();
    let advanced =
        w.fx.case_event(&second, CaseEventKind::Advanced, Some("s1"), Some("s2"));
    let write = CaseWrite {
        case: &moved,
        expected_version: 1,
        events: std::slice::from_ref(&advanced),
    };
    written[1] = db.update_case(write, &[]).await.unwrap();

    for filter in [
        cases(Visibility::All),
        CaseFilter {
            customer_id: Some(haixin.id),
            ..cases(Visibility::All)
        },
        CaseFilter {
            stage: Some("s2".into()),
            sort: CaseSort::Due,
            ..cases(Visibility::All)
        },
        cases(Visibility::Owners(vec![])),
    ] {
        let report = db.list_cases_with_history(&filter).await.unwrap();
        let listed = walk(async |p| db.list_cases(&filter, &p).await, 500).await;
        assert_eq!(report.len(), listed.len(), "{filter:?}");
        for ((case, history), expected) in report.into_iter().zip(listed) {
            assert_eq!(case, expected);
            assert_eq!(history, db.list_case_events(case.id).await.unwrap());
        }
    }
}

pub async fn an_approval_request_round_trips_and_is_found_for_its_stage(db: &dyn Store) {
    let mut w = World::new(db);
    let rep = w.user("rep").await;
    let boss = w.user("boss").await;
    let customer = w.named("海信", rep.id).await;
    let case = w.case(customer.id, rep.id, "big", "s1", |_| {}).await;
    let before = w.audit_count().await;
    let first = w.approval(&case, rep.id, boss.id).await;
    assert_eq!(db.get_approval(first.id).await.unwrap(), first);
    assert_eq!(w.audit_count().await, before + 1);
    let history = db.list_case_events(case.id).await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1].kind, CaseEventKind::ApprovalRequested);

    let since = w.fx.tick();
    let second = {
        let mut a = w.fx.approval(&case, rep.id, boss.id);
        a.due_at = Some(since + Duration::days(2));
        a.comment = Some("请尽快".into());
        let event =
            w.fx.case_event(&case, CaseEventKind::ApprovalRequested, Some("s1"), None);
        let audit = w.created("approval", a.id, &a);
        db.insert_approval(&a, &event, &audit).await.unwrap();
        a
    };
    assert_eq!(db.get_approval(second.id).await.unwrap(), second);
    let find = async |stage: &str, since| {
        db.find_stage_approval(case.id, stage, since)
            .await
            .unwrap()
            .map(|a| a.id)
    };
    assert_eq!(find("s1", first.requested_at).await, Some(second.id));
    assert_eq!(find("s1", since).await, Some(second.id), "at or after");
    assert_eq!(find("s1", since + Duration::microseconds(1)).await, None);
    assert_eq!(find("s2", first.requested_at).await, None);
    let other = w.case(customer.id, rep.id, "big", "s1", |_| {}).await;
    assert_eq!(
        db.find_stage_approval(other.id, "s1", first.requested_at)
            .await
            .unwrap(),
        None
    );

    // A request on a missing case is refused, with nothing written.
    let (ghost, _) = w.fx.case(customer.id, rep.id, "big", "s1");
    let orphan = w.fx.approval(&ghost, rep.id, boss.id);
    let event =
        w.fx.case_event(&ghost, CaseEventKind::ApprovalRequested, None, None);
    let audit = w.created("approval", orphan.id, &orphan);
    let audits = w.audit_count().await;
    assert_eq!(
        conflict(db.insert_approval(&orphan, &event, &audit).await),
        "approvals.case_id"
    );
    not_found(db.get_approval(orphan.id).await);
    assert_eq!(w.audit_count().await, audits);
}

pub async fn approvals_are_filtered_and_listed_newest_first_across_pages(db: &dyn Store) {
    let mut w = World::new(db);
    let rep = w.user("rep").await;
    let other = w.user("other").await;
    let boss = w.user("boss").await;
    let chief = w.user("chief").await;
    let customer = w.named("海信", rep.id).await;
    let one = w.case(customer.id, rep.id, "big", "s1", |_| {}).await;
    let two = w.case(customer.id, other.id, "big", "s2", |_| {}).await;
    let now = w.fx.now();
    let mut all = Vec::new();
    for (i, (case, by, approver)) in [
        (&one, rep.id, boss.id),
        (&two, other.id, boss.id),
        (&one, rep.id, chief.id),
        (&two, other.id, chief.id),
        (&one, rep.id, boss.id),
        (&two, other.id, boss.id),
        (&one, other.id, boss.id),
    ]
    .into_iter()
    .enumerate()
    {
        let mut a = w.fx.approval(case, by, approver);
        // Ties on the request time, broken by id.
        a.requested_at = now + Duration::seconds((i % 3) as i64);
        if i % 2 == 1 {
            a.status = ApprovalStatus::Approved;
            a.decided_at = Some(now + Duration::hours(1));
        }
        let event =
            w.fx.case_event(case, CaseEventKind::ApprovalRequested, None, None);
        let audit = w.created("approval", a.id, &a);
        db.insert_approval(&a, &event, &audit).await.unwrap();
        all.push(a);
    }
    let mut newest = all.clone();
    newest.sort_by_key(|a| Reverse((a.requested_at, a.id)));
    let ids: Vec<ApprovalId> = newest.iter().map(|a| a.id).collect();
    let every = ApprovalFilter::default();
    assert_pages(
        async |p| db.list_approvals(&every, &p).await,
        |a| a.id,
        &ids,
    )
    .await;
    assert_eq!(
        walk(async |p| db.list_approvals(&every, &p).await, 500).await,
        newest
    );

    let only = |f: &dyn Fn(&Approval) -> bool| -> Vec<ApprovalId> {
        let mut ids: Vec<ApprovalId> = all.iter().filter(|a| f(a)).map(|a| a.id).collect();
        ids.sort();
        ids
    };
    for (filter, expected) in [
        (
            ApprovalFilter {
                approver_id: Some(boss.id),
                ..Default::default()
            },
            only(&|a| a.approver_id == boss.id),
        ),
        (
            ApprovalFilter {
                requested_by: Some(other.id),
                ..Default::default()
            },
            only(&|a| a.requested_by == other.id),
        ),
        (
            ApprovalFilter {
                status: Some(ApprovalStatus::Pending),
                ..Default::default()
            },
            only(&|a| a.status == ApprovalStatus::Pending),
        ),
        (
            ApprovalFilter {
                case_id: Some(two.id),
                ..Default::default()
            },
            only(&|a| a.case_id == Some(two.id)),
        ),
        (
            ApprovalFilter {
                approver_id: Some(boss.id),
                status: Some(ApprovalStatus::Pending),
                case_id: Some(one.id),
                requested_by: Some(rep.id),
            },
            only(&|a| {
                a.approver_id == boss.id
                    && a.status == ApprovalStatus::Pending
                    && a.case_id == Some(one.id)
                    && a.requested_by == rep.id
            }),
        ),
        (
            ApprovalFilter {
                approver_id: Some(rep.id),
                ..Default::default()
            },
            vec![],
        ),
    ] {
        assert_eq!(approval_ids(db, &filter).await, expected, "{filter:?}");
    }
}

pub async fn an_approval_decision_writes_its_case_and_history_in_one_transaction(db: &dyn Store) {
    let mut w = World::new(db);
    let rep = w.user("rep").await;
    let boss = w.user("boss").await;
    let customer = w.named("海信", rep.id).await;
    let case = w
        .case(customer.id, rep.id, "big", "s1", |c| {
            c.checked = checks(&["s1/a"]);
        })
        .await;
    let approval = w.approval(&case, rep.id, boss.id).await;
    let before_history = db.list_case_events(case.id).await.unwrap();
    let before_audits = w.audit_count().await;

    // Approved: the case moves on.
    let now = w.fx.tick();
    let approved = approval.decide(true, Some("同意"), now).unwrap();
    let mut moved = case.clone();
    moved.stage = "s2".into();
    moved.stage_entered_at = now;
    moved.checked = checks(&["s1/a", "s2/b"]);
    moved.updated_at = now;
    let events = [
        w.fx.case_event(&case, CaseEventKind::Approved, Some("s1"), None),
        w.fx.case_event(&case, CaseEventKind::Advanced, Some("s1"), Some("s2")),
    ];
    let audits = [
        w.updated("approval", approval.id, &approval, &approved),
        w.updated("case", case.id, &case, &moved),
    ];
    let write = CaseWrite {
        case: &moved,
        expected_version: 1,
        events: &events,
    };
    let stored = db
        .update_approval(&approved, 1, write, &audits)
        .await
        .unwrap();
    let expected = Approval {
        version: 2,
        ..approved.clone()
    };
    assert_eq!(stored, expected);
    assert_eq!(db.get_approval(approval.id).await.unwrap(), expected);
    let moved = DevelopmentCase {
        version: 2,
        ..moved
    };
    assert_eq!(db.get_case(case.id).await.unwrap(), moved);
    let history = [before_history, events.to_vec()].concat();
    assert_eq!(db.list_case_events(case.id).await.unwrap(), history);
    let logged = walk(
        async |p| db.list_audit(&AuditFilter::default(), &p).await,
        500,
    )
    .await;
    assert_eq!(logged.len(), before_audits + 2);
    assert!(audits.iter().all(|a| logged.contains(a)));

    // Rejected: the case stays where it is, but its version still moves on.
    let second = w.approval(&moved, rep.id, boss.id).await;
    let rejected = second.decide(false, Some("金额不足"), w.fx.tick()).unwrap();
    let event =
        w.fx.case_event(&moved, CaseEventKind::Rejected, Some("s2"), None);
    let write = CaseWrite {
        case: &moved,
        expected_version: 2,
        events: std::slice::from_ref(&event),
    };
    let stored = db.update_approval(&rejected, 1, write, &[]).await.unwrap();
    assert_eq!(stored.status, ApprovalStatus::Rejected);
    assert_eq!(stored.comment.as_deref(), Some("金额不足"));
    assert_eq!(
        db.get_case(case.id).await.unwrap(),
        DevelopmentCase {
            version: 3,
            ..moved.clone()
        }
    );
    assert_eq!(
        db.list_case_events(case.id).await.unwrap().last(),
        Some(&event)
    );
}

pub async fn a_stale_approval_or_case_in_a_decision_changes_nothing(db: &dyn Store) {
    let mut w = World::new(db);
    let rep = w.user("rep").await;
    let boss = w.user("boss").await;
    let customer = w.named("海信", rep.id).await;
    let case = w.case(customer.id, rep.id, "big", "s1", |_| {}).await;
    let approval = w.approval(&case, rep.id, boss.id).await;
    // Someone else changes the case meanwhile: it is at version 2.
    let mut edited = case.clone();
    edited.next_step = Some("报价".into());
    let write = CaseWrite {
        case: &edited,
        expected_version: 1,
        events: &[],
    };
    let edited = db.update_case(write, &[]).await.unwrap();
    let history = db.list_case_events(case.id).await.unwrap();
    let audits = w.audit_count().await;

    let approved = approval.decide(true, None, w.fx.tick()).unwrap();
    let mut moved = edited.clone();
    moved.stage = "s2".into();
    let event =
        w.fx.case_event(&case, CaseEventKind::Approved, Some("s1"), Some("s2"));
    let audit = [w.updated("approval", approval.id, &approval, &approved)];

    // A stale case write: the approval stays pending.
    let write = CaseWrite {
        case: &moved,
        expected_version: 1,
        events: std::slice::from_ref(&event),
    };
    assert_eq!(
        version_conflict(db.update_approval(&approved, 1, write, &audit).await),
        2,
        "the case's version"
    );
    // A stale approval: the case is not written either.
    let write = CaseWrite {
        case: &moved,
        expected_version: 2,
        events: std::slice::from_ref(&event),
    };
    assert_eq!(
        version_conflict(db.update_approval(&approved, 7, write, &audit).await),
        1,
        "the approval's version"
    );
    assert_eq!(db.get_approval(approval.id).await.unwrap(), approval);
    assert_eq!(db.get_case(case.id).await.unwrap(), edited);
    assert_eq!(db.list_case_events(case.id).await.unwrap(), history);
    assert_eq!(w.audit_count().await, audits);
    let pending = ApprovalFilter {
        status: Some(ApprovalStatus::Pending),
        ..Default::default()
    };
    assert_eq!(approval_ids(db, &pending).await, [approval.id]);

    // With both versions right it goes through.
    let write = CaseWrite {
        case: &moved,
        expected_version: 2,
        events: std::slice::from_ref(&event),
    };
    db.update_approval(&approved, 1, write, &audit)
        .await
        .unwrap();
    assert_eq!(approval_ids(db, &pending).await, []);
    assert_eq!(db.get_case(case.id).await.unwrap().version, 3);
}

pub async fn calendar_days_are_upserted_replaced_listed_by_date_and_deleted(db: &dyn Store) {
    let mut w = World::new(db);
    let admin = w.user("admin").await;
    let day = |d: NaiveDate, kind, name: &str| CalendarDay {
        date: d,
        kind,
        name: name.into(),
    };
    let spring = day(date(2027, 2, 6), DayKind::Holiday, "春节");
    let makeup = day(date(2027, 1, 31), DayKind::Workday, "春节");
    let new_year = day(date(2027, 1, 1), DayKind::Holiday, "元旦");
    let audits = w.audit_count().await;
    for d in [&spring, &makeup, &new_year] {
        let audit = w.fx.audit(
            Some(admin.id),
            AuditAction::Update,
            "calendar_day",
            d.date,
            None,
            Some(d),
        );
        db.upsert_calendar_day(d, &audit).await.unwrap();
    }
    assert_eq!(
        db.list_calendar_days().await.unwrap(),
        [new_year.clone(), makeup.clone(), spring.clone()]
    );

    // One entry per date: a second one replaces the first.
    let worked = day(date(2027, 2, 6), DayKind::Workday, "春节调休");
    let audit = w.updated("calendar_day", worked.date, &spring, &worked);
    db.upsert_calendar_day(&worked, &audit).await.unwrap();
    assert_eq!(
        db.list_calendar_days().await.unwrap(),
        [new_year.clone(), makeup.clone(), worked.clone()]
    );

    let audit = w.deleted("calendar_day", makeup.date, &makeup);
    db.delete_calendar_day(makeup.date, &audit).await.unwrap();
    assert_eq!(db.list_calendar_days().await.unwrap(), [new_year, worked]);
    not_found(db.delete_calendar_day(makeup.date, &audit).await);
    assert_eq!(w.audit_count().await, audits + 5);
}

pub async fn deleting_a_customer_removes_its_cases_checks_history_and_approvals(db: &dyn Store) {
    let mut w = World::new(db);
    let rep = w.user("rep").await;
    let boss = w.user("boss").await;
    let doomed = w.named("海信", rep.id).await;
    let kept = w.named("海尔", rep.id).await;
    let case = w
        .case(doomed.id, rep.id, "big", "s1", |c| {
            c.checked = checks(&["s1/a", "s1/b"]);
        })
        .await;
    let approval = w.approval(&case, rep.id, boss.id).await;
    let kept_case = w
        .case(kept.id, rep.id, "big", "s1", |c| {
            c.checked = checks(&["s1/a"])
        })
        .await;
    let kept_approval = w.approval(&kept_case, rep.id, boss.id).await;

    // The owner of a case cannot be deleted while it stands.
    let audit = w.deleted("user", rep.id, &rep);
    assert_eq!(
        conflict(db.delete_user(rep.id, 1, &audit).await),
        "users.in_use"
    );

    let audit = w.deleted("customer", doomed.id, &doomed);
    db.delete_customer(doomed.id, 1, &audit).await.unwrap();
    not_found(db.get_case(case.id).await);
    not_found(db.get_approval(approval.id).await);
    assert_eq!(db.list_case_events(case.id).await.unwrap(), []);
    assert_eq!(
        approval_ids(db, &ApprovalFilter::default()).await,
        [kept_approval.id]
    );
    assert_eq!(case_ids(db, &cases(Visibility::All)).await, [kept_case.id]);
    assert_eq!(db.get_case(kept_case.id).await.unwrap(), kept_case);
    assert_eq!(db.list_case_events(kept_case.id).await.unwrap().len(), 2);

    // The same case id on another customer starts with no checks and no
    // history left over.
    let mut reborn = case.clone();
    reborn.customer_id = kept.id;
    reborn.checked = BTreeSet::new();
    let event =
        w.fx.case_event(&reborn, CaseEventKind::Created, None, Some("s1"));
    let audit = w.created("case", reborn.id, &reborn);
    db.insert_case(&reborn, &event, &audit).await.unwrap();
    assert_eq!(db.get_case(case.id).await.unwrap(), reborn);
    assert_eq!(db.list_case_events(case.id).await.unwrap(), [event]);
}

pub async fn every_case_approval_template_and_calendar_write_appends_its_audit_entries(
    db: &dyn Store,
) {
    let mut w = World::new(db);
    let rep = w.user("rep").await;
    let boss = w.user("boss").await;
    let customer = w.named("海信", rep.id).await;
    let mut expected: Vec<AuditEntry> = Vec::new();
    let actor = Some(rep.id);
    let mut entry = |w: &mut World<'_>, entity: &str, id: String| {
        w.fx.tick();
        let e = w.fx.audit(
            actor,
            AuditAction::Update,
            entity,
            id,
            None,
            Some(&json!({"n": expected.len()})),
        );
        expected.push(e.clone());
        e
    };

    let template = w.fx.template("big", 1, actor);
    let e = entry(&mut w, "process_template", "big".into());
    db.insert_process_template(&template, &e).await.unwrap();

    let (case, event) = w.fx.case(customer.id, rep.id, "big", "s1");
    let e = entry(&mut w, "case", case.id.to_string());
    db.insert_case(&case, &event, &e).await.unwrap();

    let two = [
        entry(&mut w, "case", case.id.to_string()),
        entry(&mut w, "case_check", case.id.to_string()),
    ];
    let write = CaseWrite {
        case: &case,
        expected_version: 1,
        events: &[],
    };
    let case = db.update_case(write, &two).await.unwrap();

    let approval = w.fx.approval(&case, rep.id, boss.id);
    let event =
        w.fx.case_event(&case, CaseEventKind::ApprovalRequested, None, None);
    let e = entry(&mut w, "approval", approval.id.to_string());
    db.insert_approval(&approval, &event, &e).await.unwrap();

    let decided = approval.decide(true, None, w.fx.now()).unwrap();
    let two = [
        entry(&mut w, "approval", approval.id.to_string()),
        entry(&mut w, "case", case.id.to_string()),
    ];
    let write = CaseWrite {
        case: &case,
        expected_version: 2,
        events: &[],
    };
    db.update_approval(&decided, 1, write, &two).await.unwrap();

    let holiday = CalendarDay {
        date: date(2027, 5, 3),
        kind: DayKind::Holiday,
        name: "劳动节".into(),
    };
    let e = entry(&mut w, "calendar_day", holiday.date.to_string());
    db.upsert_calendar_day(&holiday, &e).await.unwrap();
    let e = entry(&mut w, "calendar_day", holiday.date.to_string());
    db.upsert_calendar_day(&holiday, &e).await.unwrap();
    let e = entry(&mut w, "calendar_day", holiday.date.to_string());
    db.delete_calendar_day(holiday.date, &e).await.unwrap();

    let logged: Vec<AuditEntry> = walk(
        async |p| db.list_audit(&AuditFilter::default(), &p).await,
        500,
    )
    .await
    .into_iter()
    .filter(|e| e.actor_id == actor)
    .collect();
    expected.reverse();
    assert_eq!(logged, expected);
}

// Form templates, filled forms, credit, financial periods and notifications.

impl World<'_> {
    async fn insert_form(&mut self, form: &FilledForm) {
        let audit = self.created("form", form.id, &json!({"key": form.template_key}));
        self.db.insert_form(form, &audit).await.unwrap();
    }

    /// Inserts a form filled now (after `edit`).
    async fn form(
        &mut self,
        customer: CustomerId,
        case: Option<CaseId>,
        by: UserId,
        key: &str,
        grade: Option<&str>,
    ) -> FilledForm {
        let form = self.fx.form(customer, case, by, key, grade);
        self.insert_form(&form).await;
        form
    }

    async fn insert_credit_change(&mut self, change: &CreditChange) {
        let audit = self.created("credit_change", change.id, change);
        self.db.insert_credit_change(change, &audit).await.unwrap();
    }

    /// Inserts a draft change request raised now.
    async fn credit_change(&mut self, customer: CustomerId, by: UserId) -> CreditChange {
        let change = self
            .fx
            .credit_change(customer, by, Some(CreditGrade::A), CreditGrade::B);
        self.insert_credit_change(&change).await;
        change
    }

    async fn save_profile(&mut self, profile: &CreditProfile, expected: i64) -> CreditProfile {
        let audit = self.created("credit_profile", profile.customer_id, profile);
        self.db
            .save_credit_profile(profile, expected, &audit)
            .await
            .unwrap()
    }
}

async fn form_ids(db: &dyn Store, filter: &FormFilter) -> Vec<Uuid> {
    walk(async |p| db.list_forms(filter, &p).await, 2)
        .await
        .into_iter()
        .map(|f| f.id)
        .collect()
}

async fn credit_change_ids(db: &dyn Store, filter: &CreditChangeFilter) -> Vec<Uuid> {
    let mut ids: Vec<Uuid> = walk(async |p| db.list_credit_changes(filter, &p).await, 2)
        .await
        .into_iter()
        .map(|c| c.id)
        .collect();
    ids.sort();
    ids
}

fn sorted<T: Ord + Clone>(items: &[T]) -> Vec<T> {
    let mut items = items.to_vec();
    items.sort();
    items
}

fn grades(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, g)| ((*k).to_owned(), (*g).to_owned()))
        .collect();
    pairs.sort();
    pairs
}

pub async fn a_form_template_keeps_every_version_apart_from_process_templates(db: &dyn Store) {
    let mut w = World::new(db);
    let admin = w.user("admin").await;
    let builtin = w.fx.template("credit_grade_scoring", 1, None);
    let mut inserted = Vec::new();
    for template in [
        builtin.clone(),
        w.fx.template("visit_report", 1, Some(admin.id)),
        w.fx.template("visit_report", 3, Some(admin.id)),
        w.fx.template("visit_report", 2, Some(admin.id)),
    ] {
        let audit = w.created(
            "form_template",
            &template.key,
            &json!({"version": template.version}),
        );
        db.insert_form_template(&template, &audit).await.unwrap();
        inserted.push(template);
    }
    let find = async |key: &str, version| db.find_form_template(key, version).await.unwrap();
    assert_eq!(
        find("visit_report", None).await.as_ref(),
        Some(&inserted[2])
    );
    assert_eq!(
        find("visit_report", Some(1)).await.as_ref(),
        Some(&inserted[1])
    );
    assert_eq!(
        find("visit_report", Some(2)).await.as_ref(),
        Some(&inserted[3])
    );
    assert_eq!(find("visit_report", Some(4)).await, None);
    assert_eq!(
        find("credit_grade_scoring", None).await,
        Some(builtin.clone())
    );
    assert_eq!(find("nothing", None).await, None);
    assert_eq!(
        db.list_form_templates().await.unwrap(),
        [builtin.clone(), inserted[2].clone()],
        "the newest version of each key, by key"
    );
    // Form and process templates are kept apart.
    assert_eq!(db.list_process_templates().await.unwrap(), []);
    assert_eq!(
        db.find_process_template("visit_report", None)
            .await
            .unwrap(),
        None
    );
    let process = w.fx.template("visit_report", 9, Some(admin.id));
    let audit = w.created("process_template", "visit_report", &json!({"version": 9}));
    db.insert_process_template(&process, &audit).await.unwrap();
    assert_eq!(
        find("visit_report", None).await.as_ref(),
        Some(&inserted[2])
    );

    let audits = w.audit_count().await;
    let mut again = w.fx.template("visit_report", 2, Some(admin.id));
    again.source = "changed".into();
    let audit = w.created("form_template", "visit_report", &json!({"version": 2}));
    assert_eq!(
        conflict(db.insert_form_template(&again, &audit).await),
        "form_templates.version"
    );
    assert_eq!(
        find("visit_report", Some(2)).await.as_ref(),
        Some(&inserted[3])
    );
    assert_eq!(
        w.audit_count().await,
        audits,
        "a refused write is not audited"
    );
}

pub async fn a_filled_form_round_trips_its_answers_and_score_exactly(db: &dyn Store) {
    let mut w = World::new(db);
    let rep = w.user("rep").await;
    let customer = w.named("海信", rep.id).await;
    let case = w.case(customer.id, rep.id, "big", "s1", |_| {}).await;
    let mut form = w.fx.form(
        customer.id,
        Some(case.id),
        rep.id,
        "credit_grade_scoring",
        Some("AA"),
    );
    form.template_version = 3;
    form.max_score = Decimal::from_str("120.5").unwrap();
    form.capped = true;
    form.red_flags = vec!["涉诉".into(), "欠税 “大额”".into()];
    let audits = w.audit_count().await;
    w.insert_form(&form).await;
    let stored = db.get_form(form.id).await.unwrap();
    assert_eq!(stored, form);
    assert_eq!(stored.score.to_string(), "94.62");
    assert_eq!(stored.max_score.to_string(), "120.50");
    assert_eq!(stored.answers["nested"]["b"][2]["c"], json!(-3));
    assert_eq!(stored.answers["ratio"], json!(1.25));
    assert_eq!(w.audit_count().await, audits + 1);

    // A customer-level form with neither grade nor flags, scored 0 of 0.01.
    let mut plain = w.fx.form(customer.id, None, rep.id, "visit_report", None);
    plain.score = Decimal::ZERO;
    plain.max_score = Decimal::from_str("0.01").unwrap();
    plain.answers = json!({});
    w.insert_form(&plain).await;
    assert_eq!(db.get_form(plain.id).await.unwrap(), plain);

    // Refused writes change nothing: the same id, a missing customer or
    // case, and a score finer than hundredths (never rounded).
    let audits = w.audit_count().await;
    let audit = w.created("form", form.id, &json!({"key": form.template_key}));
    assert!(db.insert_form(&form, &audit).await.is_err());
    let mut orphan = w.fx.form(
        CustomerId::from_uuid(Uuid::nil()),
        None,
        rep.id,
        "visit_report",
        None,
    );
    assert_eq!(
        conflict(db.insert_form(&orphan, &audit).await),
        "forms.customer_id"
    );
    orphan.customer_id = customer.id;
    orphan.case_id = Some(CaseId::from_uuid(Uuid::nil()));
    assert_eq!(
        conflict(db.insert_form(&orphan, &audit).await),
        "forms.case_id"
    );
    orphan.case_id = None;
    orphan.score = Decimal::from_str("94.625").unwrap();
    assert!(db.insert_form(&orphan, &audit).await.is_err());
    not_found(db.get_form(orphan.id).await);
    assert_eq!(db.get_form(form.id).await.unwrap(), form);
    assert_eq!(w.audit_count().await, audits);
}

pub async fn forms_are_filtered_and_listed_newest_first_across_pages(db: &dyn Store) {
    let mut w = World::new(db);
    let rep = w.user("rep").await;
    let a = w.named("海信", rep.id).await;
    let b = w.named("海尔", rep.id).await;
    let case = w.case(a.id, rep.id, "big", "s1", |_| {}).await;
    let mut forms = Vec::new();
    for (i, (customer, case, key)) in [
        (a.id, None, "rating"),
        (a.id, Some(case.id), "rating"),
        (b.id, None, "rating"),
        (a.id, Some(case.id), "visit"),
        (a.id, None, "visit"),
        (b.id, None, "visit"),
        (a.id, None, "rating"),
    ]
    .into_iter()
    .enumerate()
    {
        let mut form = w.fx.form(customer, case, rep.id, key, Some("A"));
        // Ties on filled_at, broken by id; not in id order.
        form.filled_at = w.fx.now() + Duration::seconds([2, 0, 1][i % 3]);
        w.insert_form(&form).await;
        forms.push(form);
    }
    let newest = |pick: &dyn Fn(&FilledForm) -> bool| {
        let mut picked: Vec<&FilledForm> = forms.iter().filter(|f| pick(f)).collect();
        picked.sort_by_key(|f| Reverse((f.filled_at, f.id)));
        picked.into_iter().map(|f| f.id).collect::<Vec<Uuid>>()
    };
    let all = newest(&|_| true);
    assert_pages(
        async |p| db.list_forms(&FormFilter::default(), &p).await,
        |f| f.id,
        &all,
    )
    .await;
    let filter = FormFilter {
        customer_id: Some(a.id),
        ..Default::default()
    };
    assert_eq!(
        form_ids(db, &filter).await,
        newest(&|f| f.customer_id == a.id)
    );
    let filter = FormFilter {
        case_id: Some(case.id),
        ..Default::default()
    };
    assert_eq!(
        form_ids(db, &filter).await,
        newest(&|f| f.case_id == Some(case.id))
    );
    let filter = FormFilter {
        template_key: Some("visit".into()),
        ..Default::default()
    };
    assert_eq!(
        form_ids(db, &filter).await,
        newest(&|f| f.template_key == "visit")
    );
    let filter = FormFilter {
        customer_id: Some(a.id),
        case_id: None,
        template_key: Some("rating".into()),
    };
    assert_eq!(
        form_ids(db, &filter).await,
        newest(&|f| f.customer_id == a.id && f.template_key == "rating")
    );
    let filter = FormFilter {
        customer_id: Some(b.id),
        case_id: Some(case.id),
        template_key: None,
    };
    assert_eq!(form_ids(db, &filter).await, Vec::<Uuid>::new());
}

pub async fn form_grades_count_the_customer_forms_and_those_of_the_case(db: &dyn Store) {
    let mut w = World::new(db);
    let rep = w.user("rep").await;
    let customer = w.named("海信", rep.id).await;
    let other = w.named("海尔", rep.id).await;
    let case = w.case(customer.id, rep.id, "big", "s1", |_| {}).await;
    let sibling = w.case(customer.id, rep.id, "big", "s1", |_| {}).await;
    let elsewhere = w.case(other.id, rep.id, "big", "s1", |_| {}).await;
    assert_eq!(
        db.list_form_grades(customer.id, Some(case.id))
            .await
            .unwrap(),
        []
    );
    w.form(customer.id, None, rep.id, "credit_rating", Some("A"))
        .await;
    w.form(customer.id, None, rep.id, "credit_rating", Some("AAA"))
        .await;
    w.form(customer.id, None, rep.id, "visit", None).await;
    w.form(customer.id, Some(case.id), rep.id, "needs", Some("B"))
        .await;
    w.form(customer.id, Some(case.id), rep.id, "visit", None)
        .await;
    w.form(customer.id, Some(sibling.id), rep.id, "needs", Some("C"))
        .await;
    w.form(other.id, None, rep.id, "credit_rating", Some("C"))
        .await;
    w.form(other.id, Some(elsewhere.id), rep.id, "needs", Some("A"))
        .await;
    let got = async |customer: CustomerId, case: Option<CaseId>| {
        sorted(&db.list_form_grades(customer, case).await.unwrap())
    };
    assert_eq!(
        got(customer.id, Some(case.id)).await,
        grades(&[
            ("credit_rating", "A"),
            ("credit_rating", "AAA"),
            ("needs", "B")
        ])
    );
    assert_eq!(
        got(customer.id, Some(sibling.id)).await,
        grades(&[
            ("credit_rating", "A"),
            ("credit_rating", "AAA"),
            ("needs", "C")
        ])
    );
    assert_eq!(
        got(customer.id, None).await,
        grades(&[("credit_rating", "A"), ("credit_rating", "AAA")]),
        "without a case, only the customer's own forms"
    );
    assert_eq!(
        got(other.id, Some(elsewhere.id)).await,
        grades(&[("credit_rating", "C"), ("needs", "A")])
    );
    // A case of another customer adds nothing.
    assert_eq!(
        got(other.id, Some(case.id)).await,
        grades(&[("credit_rating", "C")])
    );
}

pub async fn a_credit_profile_is_inserted_then_updated_and_a_stale_save_changes_nothing(
    db: &dyn Store,
) {
    let mut w = World::new(db);
    let rep = w.user("rep").await;
    let customer = w.named("海信", rep.id).await;
    assert_eq!(db.find_credit_profile(customer.id).await.unwrap(), None);
    let audits = w.audit_count().await;

    let mut profile = CreditProfile::empty(customer.id, w.fx.now());
    let stored = w.save_profile(&profile, 0).await;
    profile.version = 1;
    assert_eq!(stored, profile, "inserted at version 1");
    assert_eq!(
        db.find_credit_profile(customer.id).await.unwrap().as_ref(),
        Some(&profile)
    );

    let mut rated = w.fx.credit_profile(customer.id);
    rated.proposed_grade = Some(CreditGrade::Aaa);
    rated.limit = money(98_765_432_101_234);
    rated.payment_terms_days = Some(365);
    rated.updated_at = w.fx.tick();
    let stored = w.save_profile(&rated, 1).await;
    rated.version = 2;
    assert_eq!(stored, rated);
    assert_eq!(
        db.find_credit_profile(customer.id).await.unwrap().as_ref(),
        Some(&rated)
    );
    assert_eq!(w.audit_count().await, audits + 2);

    // A second insert, or an update at an old version, changes nothing.
    let mut stale = rated.clone();
    stale.grade = Some(CreditGrade::C);
    let audit = w.updated("credit_profile", customer.id, &rated, &stale);
    assert_eq!(
        version_conflict(db.save_credit_profile(&stale, 0, &audit).await),
        2
    );
    assert_eq!(
        version_conflict(db.save_credit_profile(&stale, 1, &audit).await),
        2
    );
    assert_eq!(
        version_conflict(db.save_credit_profile(&stale, 3, &audit).await),
        2
    );
    assert_eq!(
        db.find_credit_profile(customer.id).await.unwrap().as_ref(),
        Some(&rated)
    );
    assert_eq!(w.audit_count().await, audits + 2);

    // A customer without a profile: an update is not found, an insert
    // needs the customer.
    let bare = w.named("海尔", rep.id).await;
    let audits = w.audit_count().await;
    let none = CreditProfile::empty(bare.id, w.fx.now());
    not_found(db.save_credit_profile(&none, 1, &audit).await);
    let ghost = CreditProfile::empty(CustomerId::from_uuid(Uuid::nil()), w.fx.now());
    assert_eq!(
        conflict(db.save_credit_profile(&ghost, 0, &audit).await),
        "credit_profiles.customer_id"
    );
    assert_eq!(db.find_credit_profile(bare.id).await.unwrap(), None);
    assert_eq!(w.audit_count().await, audits);
}

pub async fn a_credit_change_round_trips_every_field_and_the_open_one_is_found(db: &dyn Store) {
    let mut w = World::new(db);
    let rep = w.user("rep").await;
    let boss = w.user("boss").await;
    let customer = w.named("海信", rep.id).await;
    let other = w.named("海尔", rep.id).await;
    assert_eq!(db.find_open_credit_change(customer.id).await.unwrap(), None);

    // Every optional field set.
    let form = w
        .form(customer.id, None, rep.id, "credit_rating", Some("AAA"))
        .await;
    let mut full =
        w.fx.credit_change(customer.id, rep.id, None, CreditGrade::Aaa);
    full.form_id = Some(form.id);
    full.reason = Some("评分上升 “大幅” \\ 😀".into());
    full.status = CreditChangeStatus::Rejected;
    full.submitted_by = Some(rep.id);
    full.submitted_at = Some(w.fx.now() + Duration::microseconds(1));
    full.verifier_id = Some(boss.id);
    full.verify_due_at = Some(w.fx.now() + Duration::microseconds(259_200_000_001));
    full.decided_at = Some(w.fx.now() + Duration::microseconds(86_400_000_001));
    full.review_opinion = Some("证据不足".into());
    full.version = 4;
    let audits = w.audit_count().await;
    w.insert_credit_change(&full).await;
    assert_eq!(db.get_credit_change(full.id).await.unwrap(), full);
    assert_eq!(w.audit_count().await, audits + 1);
    assert_eq!(
        db.find_open_credit_change(customer.id).await.unwrap(),
        None,
        "a decided request is not open"
    );

    // Every optional field empty.
    w.fx.tick();
    let draft = w.credit_change(customer.id, rep.id).await;
    assert_eq!(db.get_credit_change(draft.id).await.unwrap(), draft);
    assert_eq!(draft.form_id, None);
    assert_eq!(
        db.find_open_credit_change(customer.id).await.unwrap(),
        Some(draft.clone())
    );
    // The newest open one, submitted or not.
    w.fx.tick();
    let submitted =
        w.fx.credit_change(customer.id, rep.id, None, CreditGrade::C)
            .submit(
                rep.id,
                boss.id,
                Some("降级"),
                w.fx.now(),
                &WorkCalendar::prc(),
            )
            .unwrap();
    w.insert_credit_change(&submitted).await;
    assert_eq!(
        db.find_open_credit_change(customer.id).await.unwrap(),
        Some(submitted)
    );
    assert_eq!(db.find_open_credit_change(other.id).await.unwrap(), None);

    // Refused writes change nothing.
    let audits = w.audit_count().await;
    let audit = w.created("credit_change", draft.id, &draft);
    assert!(db.insert_credit_change(&draft, &audit).await.is_err());
    let orphan = w.fx.credit_change(
        CustomerId::from_uuid(Uuid::nil()),
        rep.id,
        None,
        CreditGrade::A,
    );
    assert_eq!(
        conflict(db.insert_credit_change(&orphan, &audit).await),
        "credit_changes.customer_id"
    );
    not_found(db.get_credit_change(orphan.id).await);
    assert_eq!(db.get_credit_change(draft.id).await.unwrap(), draft);
    assert_eq!(w.audit_count().await, audits);
}

pub async fn credit_changes_are_filtered_and_listed_newest_first_across_pages(db: &dyn Store) {
    let mut w = World::new(db);
    let rep = w.user("rep").await;
    let other_rep = w.user("other").await;
    let boss = w.user("boss").await;
    let auditor = w.user("auditor").await;
    let a = w.named("海信", rep.id).await;
    let b = w.named("海尔", other_rep.id).await;
    let calendar = WorkCalendar::prc();
    let start = w.fx.now();
    let mut changes = Vec::new();
    for (i, (customer, status)) in [
        (a.id, CreditChangeStatus::Draft),
        (a.id, CreditChangeStatus::Submitted),
        (b.id, CreditChangeStatus::Draft),
        (a.id, CreditChangeStatus::Approved),
        (b.id, CreditChangeStatus::Submitted),
        (b.id, CreditChangeStatus::Rejected),
        (a.id, CreditChangeStatus::Submitted),
    ]
    .into_iter()
    .enumerate()
    {
        // Ties on triggered_at, broken by id; not in id order.
        let at = start + Duration::days([2, 0, 1][i % 3]);
        let mut change = w.fx.credit_change(customer, rep.id, None, CreditGrade::B);
        change.triggered_at = at;
        change.submit_due_at = at + Duration::days(4);
        if status != CreditChangeStatus::Draft {
            let verifier = if i % 2 == 0 { boss.id } else { auditor.id };
            change = change
                .submit(rep.id, verifier, None, at + Duration::hours(1), &calendar)
                .unwrap();
            change.verify_due_at = Some(at + Duration::days(5));
        }
        if status == CreditChangeStatus::Approved || status == CreditChangeStatus::Rejected {
            change = change
                .decide(
                    status == CreditChangeStatus::Approved,
                    Some("意见"),
                    at + Duration::days(3),
                )
                .unwrap();
        }
        assert_eq!(change.status, status);
        w.insert_credit_change(&change).await;
        changes.push(change);
    }
    let mut newest = changes.clone();
    newest.sort_by_key(|c| Reverse((c.triggered_at, c.id)));
    let ids: Vec<Uuid> = newest.iter().map(|c| c.id).collect();
    assert_pages(
        async |p| {
            db.list_credit_changes(&CreditChangeFilter::default(), &p)
                .await
        },
        |c| c.id,
        &ids,
    )
    .await;

    let expect = |pick: &dyn Fn(&CreditChange) -> bool| {
        sorted(
            &changes
                .iter()
                .filter(|c| pick(c))
                .map(|c| c.id)
                .collect::<Vec<_>>(),
        )
    };
    let with = |edit: &dyn Fn(&mut CreditChangeFilter)| {
        let mut filter = CreditChangeFilter::default();
        edit(&mut filter);
        filter
    };
    let all = expect(&|_| true);
    assert_eq!(all.len(), 7);
    for (filter, expected) in [
        (with(&|f| f.visible = Some(Visibility::All)), all.clone()),
        (
            with(&|f| f.visible = Some(Visibility::Owners(vec![rep.id]))),
            expect(&|c| c.customer_id == a.id),
        ),
        (
            with(&|f| f.visible = Some(Visibility::Owners(vec![other_rep.id, boss.id]))),
            expect(&|c| c.customer_id == b.id),
        ),
        (
            with(&|f| f.visible = Some(Visibility::Owners(vec![]))),
            vec![],
        ),
        (
            with(&|f| f.customer_id = Some(b.id)),
            expect(&|c| c.customer_id == b.id),
        ),
        (
            with(&|f| f.status = Some(CreditChangeStatus::Submitted)),
            expect(&|c| c.status == CreditChangeStatus::Submitted),
        ),
        (
            with(&|f| f.verifier_id = Some(boss.id)),
            expect(&|c| c.verifier_id == Some(boss.id)),
        ),
        (
            with(&|f| {
                f.verifier_id = Some(auditor.id);
                f.status = Some(CreditChangeStatus::Submitted);
                f.customer_id = Some(a.id);
            }),
            expect(&|c| {
                c.verifier_id == Some(auditor.id)
                    && c.status == CreditChangeStatus::Submitted
                    && c.customer_id == a.id
            }),
        ),
    ] {
        assert_eq!(credit_change_ids(db, &filter).await, expected, "{filter:?}");
    }

    // Overdue: a draft past its submission deadline, or a submitted request
    // past its verification deadline; decided ones never; strictly before.
    for days in [0, 4, 5, 6, 7, 8, 30] {
        let t = start + Duration::days(days);
        let overdue = expect(&|c| c.breach(t).is_some());
        let filter = with(&|f| f.overdue_at = Some(t));
        assert_eq!(credit_change_ids(db, &filter).await, overdue, "day {days}");
    }
    let t = start + Duration::days(6);
    let filter = with(&|f| f.overdue_at = Some(t));
    assert_eq!(credit_change_ids(db, &filter).await.len(), 3, "{changes:?}");
    let filter = with(&|f| {
        f.overdue_at = Some(start + Duration::days(30));
        f.visible = Some(Visibility::Owners(vec![other_rep.id]));
    });
    assert_eq!(
        credit_change_ids(db, &filter).await,
        expect(&|c| c.customer_id == b.id && c.is_open())
    );
}

pub async fn a_credit_decision_writes_the_change_and_the_profile_in_one_transaction(
    db: &dyn Store,
) {
    let mut w = World::new(db);
    let rep = w.user("rep").await;
    let boss = w.user("boss").await;
    let customer = w.named("海信", rep.id).await;
    let calendar = WorkCalendar::prc();
    let change = w.credit_change(customer.id, rep.id).await;

    // Submitting writes the request alone.
    let submitted = change
        .submit(rep.id, boss.id, Some("评分下降"), w.fx.tick(), &calendar)
        .unwrap();
    let audit = [w.updated("credit_change", change.id, &change, &submitted)];
    let stored = db
        .update_credit_change(&submitted, 1, None, &audit)
        .await
        .unwrap();
    assert_eq!(
        stored,
        CreditChange {
            version: 2,
            ..submitted.clone()
        }
    );
    assert_eq!(db.get_credit_change(change.id).await.unwrap(), stored);
    assert_eq!(db.find_credit_profile(customer.id).await.unwrap(), None);

    // Approving creates the profile (expected version 0).
    let approved = stored.decide(true, Some("情况属实"), w.fx.tick()).unwrap();
    let profile = CreditProfile {
        grade: Some(CreditGrade::B),
        ..CreditProfile::empty(customer.id, w.fx.now())
    };
    let audits = w.audit_count().await;
    let audit = [
        w.updated("credit_change", change.id, &stored, &approved),
        w.created("credit_profile", customer.id, &profile),
    ];
    let stored = db
        .update_credit_change(&approved, 2, Some((&profile, 0)), &audit)
        .await
        .unwrap();
    assert_eq!(stored.version, 3);
    assert_eq!(stored.status, CreditChangeStatus::Approved);
    assert_eq!(db.get_credit_change(change.id).await.unwrap(), stored);
    assert_eq!(
        db.find_credit_profile(customer.id).await.unwrap(),
        Some(CreditProfile {
            version: 1,
            ..profile.clone()
        })
    );
    assert_eq!(w.audit_count().await, audits + 2);

    // A later decision updates the profile at its version.
    let next = w.credit_change(customer.id, rep.id).await;
    let next_submitted = next
        .submit(rep.id, boss.id, None, w.fx.tick(), &calendar)
        .unwrap();
    let next_approved = next_submitted.decide(true, None, w.fx.tick()).unwrap();
    let regraded = CreditProfile {
        grade: Some(CreditGrade::Aa),
        updated_at: w.fx.now(),
        ..profile.clone()
    };
    let audit = [w.updated("credit_change", next.id, &next, &next_approved)];
    db.update_credit_change(&next_approved, 1, Some((&regraded, 1)), &audit)
        .await
        .unwrap();
    assert_eq!(
        db.find_credit_profile(customer.id).await.unwrap(),
        Some(CreditProfile {
            version: 2,
            ..regraded
        })
    );
    assert_eq!(db.get_credit_change(next.id).await.unwrap().version, 2);
}

pub async fn a_stale_change_or_profile_in_a_credit_decision_changes_nothing(db: &dyn Store) {
    let mut w = World::new(db);
    let rep = w.user("rep").await;
    let boss = w.user("boss").await;
    let customer = w.named("海信", rep.id).await;
    let profile = w.fx.credit_profile(customer.id);
    let profile = w.save_profile(&profile, 0).await;
    let change = w.credit_change(customer.id, rep.id).await;
    let submitted = change
        .submit(rep.id, boss.id, None, w.fx.tick(), &WorkCalendar::prc())
        .unwrap();
    let audit = [w.updated("credit_change", change.id, &change, &submitted)];
    let submitted = db
        .update_credit_change(&submitted, 1, None, &audit)
        .await
        .unwrap();
    let audits = w.audit_count().await;

    let approved = submitted.decide(true, None, w.fx.tick()).unwrap();
    let regraded = CreditProfile {
        grade: Some(CreditGrade::B),
        updated_at: w.fx.now(),
        ..profile.clone()
    };
    let audit = [
        w.updated("credit_change", change.id, &submitted, &approved),
        w.updated("credit_profile", customer.id, &profile, &regraded),
    ];
    // A stale change: the profile is not written.
    assert_eq!(
        version_conflict(
            db.update_credit_change(&approved, 1, Some((&regraded, 1)), &audit)
                .await
        ),
        2,
        "the change's version"
    );
    // A stale profile: the change stays as it was.
    assert_eq!(
        version_conflict(
            db.update_credit_change(&approved, 2, Some((&regraded, 5)), &audit)
                .await
        ),
        1,
        "the profile's version"
    );
    // A profile inserted when one exists is stale too.
    assert_eq!(
        version_conflict(
            db.update_credit_change(&approved, 2, Some((&regraded, 0)), &audit)
                .await
        ),
        1
    );
    // A missing change is not found.
    let ghost = CreditChange {
        id: Uuid::nil(),
        ..approved.clone()
    };
    not_found(db.update_credit_change(&ghost, 2, None, &audit).await);
    assert_eq!(db.get_credit_change(change.id).await.unwrap(), submitted);
    assert_eq!(
        db.find_credit_profile(customer.id).await.unwrap().as_ref(),
        Some(&profile)
    );
    assert_eq!(w.audit_count().await, audits);
    let pending = CreditChangeFilter {
        status: Some(CreditChangeStatus::Submitted),
        ..Default::default()
    };
    assert_eq!(credit_change_ids(db, &pending).await, [change.id]);

    // With both versions right it goes through.
    db.update_credit_change(&approved, 2, Some((&regraded, 1)), &audit)
        .await
        .unwrap();
    assert_eq!(credit_change_ids(db, &pending).await, Vec::<Uuid>::new());
    assert_eq!(
        db.find_credit_profile(customer.id)
            .await
            .unwrap()
            .map(|p| (p.grade, p.version)),
        Some((Some(CreditGrade::B), 2))
    );
    assert_eq!(w.audit_count().await, audits + 2);
}

pub async fn financial_periods_round_trip_exactly_oldest_first_and_a_duplicate_is_a_conflict(
    db: &dyn Store,
) {
    let mut w = World::new(db);
    let rep = w.user("rep").await;
    let customer = w.named("海信", rep.id).await;
    let other = w.named("海尔", rep.id).await;
    assert_eq!(db.list_financial_periods(customer.id).await.unwrap(), []);
    let mut periods = Vec::new();
    for (start, end) in [
        (date(2025, 1, 1), date(2025, 12, 31)),
        (date(2024, 1, 1), date(2024, 12, 31)),
        (date(2025, 7, 1), date(2025, 12, 31)),
        (date(2025, 1, 1), date(2025, 6, 30)),
    ] {
        let period = w.fx.financial_period(customer.id, start, end, rep.id);
        let audit = w.created("financial_period", period.id, &period);
        db.insert_financial_period(&period, &audit).await.unwrap();
        periods.push(period);
    }
    let listed = db.list_financial_periods(customer.id).await.unwrap();
    assert_eq!(
        listed,
        [
            periods[1].clone(),
            periods[3].clone(),
            periods[0].clone(),
            periods[2].clone()
        ],
        "by end, then start"
    );
    let figures = &listed[0].figures;
    assert_eq!(figures.net_profit.unwrap().to_string(), "-12345.67");
    assert_eq!(figures.revenue.unwrap().to_string(), "987654321012.34");
    assert_eq!(figures.current_liabilities.unwrap().to_string(), "0.01");
    assert_eq!(figures.inventory, Some(Decimal::from(7)));
    assert_eq!(figures.accounts_receivable, Some(Decimal::ZERO));
    assert_eq!(figures.total_assets, None);

    // The same customer and dates again is refused, whatever the figures.
    let audits = w.audit_count().await;
    let mut again =
        w.fx.financial_period(customer.id, date(2025, 1, 1), date(2025, 12, 31), rep.id);
    again.figures.net_profit = Some(Decimal::ONE);
    let audit = w.created("financial_period", again.id, &again);
    assert_eq!(
        conflict(db.insert_financial_period(&again, &audit).await),
        "financial_periods.period"
    );
    // A figure finer than fen is refused, not rounded; a missing customer
    // is a conflict naming it.
    let mut fine =
        w.fx.financial_period(customer.id, date(2023, 1, 1), date(2023, 12, 31), rep.id);
    fine.figures.revenue = Some(Decimal::from_str("1.005").unwrap());
    assert!(db.insert_financial_period(&fine, &audit).await.is_err());
    let orphan = w.fx.financial_period(
        CustomerId::from_uuid(Uuid::nil()),
        date(2023, 1, 1),
        date(2023, 12, 31),
        rep.id,
    );
    assert_eq!(
        conflict(db.insert_financial_period(&orphan, &audit).await),
        "financial_periods.customer_id"
    );
    assert_eq!(
        db.list_financial_periods(customer.id).await.unwrap(),
        listed
    );
    assert_eq!(w.audit_count().await, audits);

    // The same dates for another customer are its own.
    again.customer_id = other.id;
    db.insert_financial_period(&again, &audit).await.unwrap();
    assert_eq!(db.list_financial_periods(other.id).await.unwrap(), [again]);
}

pub async fn notifications_are_sent_once_per_subject_listed_newest_first_and_marked_read(
    db: &dyn Store,
) {
    let mut w = World::new(db);
    let rep = w.user("rep").await;
    let boss = w.user("boss").await;
    let audits = w.audit_count().await;
    let mut sent = Vec::new();
    for (i, subject) in ["a", "b", "c", "d", "e"].into_iter().enumerate() {
        let mut n =
            w.fx.notification(rep.id, &format!("credit_change/{subject}"));
        // Ties on created_at, broken by id; not in id order.
        n.created_at = w.fx.now() + Duration::seconds([2, 0, 1][i % 3]);
        assert!(db.insert_notification_once(&n).await.unwrap());
        sent.push(n);
    }
    let mut minimal = w.fx.notification(rep.id, "case/overdue");
    minimal.link = None;
    assert!(db.insert_notification_once(&minimal).await.unwrap());
    sent.push(minimal);

    // Once per user and subject: a second one (another id, other words) is
    // ignored; another user gets their own.
    let mut repeat = w.fx.notification(rep.id, "credit_change/a");
    repeat.text_en = "again".into();
    assert!(!db.insert_notification_once(&repeat).await.unwrap());
    let theirs = w.fx.notification(boss.id, "credit_change/a");
    assert!(db.insert_notification_once(&theirs).await.unwrap());
    let ghost = w.fx.notification(UserId::from_uuid(Uuid::nil()), "x");
    assert_eq!(
        conflict(db.insert_notification_once(&ghost).await),
        "notifications.user_id"
    );
    assert_eq!(
        w.audit_count().await,
        audits,
        "notifications are not audited"
    );

    let newest = |items: &[Notification]| {
        let mut items = items.to_vec();
        items.sort_by_key(|n| Reverse((n.created_at, n.id)));
        items
    };
    let expected = newest(&sent);
    assert_pages(
        async |p| db.list_notifications(rep.id, false, &p).await,
        |n| n.clone(),
        &expected,
    )
    .await;
    assert_eq!(
        walk(async |p| db.list_notifications(boss.id, false, &p).await, 2).await,
        std::slice::from_ref(&theirs)
    );

    // Read: only by its user, and the first time stays.
    let read_at = w.fx.tick();
    db.mark_notification_read(sent[1].id, rep.id, read_at)
        .await
        .unwrap();
    db.mark_notification_read(sent[1].id, rep.id, w.fx.tick())
        .await
        .unwrap();
    not_found(
        db.mark_notification_read(sent[2].id, boss.id, read_at)
            .await,
    );
    not_found(
        db.mark_notification_read(Uuid::nil(), rep.id, read_at)
            .await,
    );
    sent[1].read_at = Some(read_at);
    let expected = newest(&sent);
    assert_eq!(
        walk(async |p| db.list_notifications(rep.id, false, &p).await, 4).await,
        expected
    );
    let unread: Vec<Notification> = expected
        .iter()
        .filter(|n| n.read_at.is_none())
        .cloned()
        .collect();
    assert_eq!(unread.len(), 5);
    assert_pages(
        async |p| db.list_notifications(rep.id, true, &p).await,
        |n| n.id,
        &unread.iter().map(|n| n.id).collect::<Vec<_>>(),
    )
    .await;

    // A user's notifications go with them.
    let audit = w.deleted("user", boss.id, &boss);
    db.delete_user(boss.id, 1, &audit).await.unwrap();
    not_found(db.mark_notification_read(theirs.id, boss.id, read_at).await);
}

pub async fn missing_forms_credit_changes_and_notifications_are_not_found(db: &dyn Store) {
    let mut w = World::new(db);
    let rep = w.user("rep").await;
    let customer = w.named("海信", rep.id).await;
    not_found(db.get_form(Uuid::nil()).await);
    not_found(db.get_credit_change(Uuid::nil()).await);
    not_found(
        db.mark_notification_read(Uuid::nil(), rep.id, w.fx.now())
            .await,
    );
    let change =
        w.fx.credit_change(customer.id, rep.id, None, CreditGrade::A);
    let audit = w.updated("credit_change", change.id, &change, &change);
    not_found(db.update_credit_change(&change, 1, None, &[]).await);
    let profile = w.fx.credit_profile(customer.id);
    not_found(db.save_credit_profile(&profile, 1, &audit).await);
    assert_eq!(db.find_credit_profile(customer.id).await.unwrap(), None);
    assert_eq!(db.find_open_credit_change(customer.id).await.unwrap(), None);
    assert_eq!(db.find_form_template("nothing", None).await.unwrap(), None);
    assert_eq!(db.list_form_templates().await.unwrap(), []);
    assert_eq!(db.list_financial_periods(customer.id).await.unwrap(), []);

    // Garbled cursors are refused by the new lists too.
    for bad in ["garbage!", "", "e30"] {
        let page = PageRequest {
            limit: 10,
            cursor: Some(bad.into()),
        };
        let refused = |r: Result<(), StoreError>| {
            assert!(matches!(r, Err(StoreError::InvalidCursor)), "{bad}: {r:?}")
        };
        refused(
            db.list_forms(&FormFilter::default(), &page)
                .await
                .map(|_| ()),
        );
        refused(
            db.list_credit_changes(&CreditChangeFilter::default(), &page)
                .await
                .map(|_| ()),
        );
        refused(
            db.list_notifications(rep.id, false, &page)
                .await
                .map(|_| ()),
        );
    }
}

pub async fn deleting_a_customer_removes_its_forms_credit_profile_changes_and_periods(
    db: &dyn Store,
) {
    let mut w = World::new(db);
    let rep = w.user("rep").await;
    let doomed = w.named("海信", rep.id).await;
    let kept = w.named("海尔", rep.id).await;
    let mut made = Vec::new();
    for customer in [&doomed, &kept] {
        let case = w.case(customer.id, rep.id, "big", "s1", |_| {}).await;
        let own = w
            .form(customer.id, None, rep.id, "credit_rating", Some("A"))
            .await;
        let of_case = w
            .form(customer.id, Some(case.id), rep.id, "needs", Some("B"))
            .await;
        let profile = w.fx.credit_profile(customer.id);
        w.save_profile(&profile, 0).await;
        let change = w.credit_change(customer.id, rep.id).await;
        let period =
            w.fx.financial_period(customer.id, date(2025, 1, 1), date(2025, 12, 31), rep.id);
        let audit = w.created("financial_period", period.id, &period);
        db.insert_financial_period(&period, &audit).await.unwrap();
        made.push((own, of_case, change, period));
    }

    let audit = w.deleted("customer", doomed.id, &doomed);
    db.delete_customer(doomed.id, 1, &audit).await.unwrap();
    let (own, of_case, change, _) = &made[0];
    not_found(db.get_form(own.id).await);
    not_found(db.get_form(of_case.id).await);
    not_found(db.get_credit_change(change.id).await);
    assert_eq!(db.find_credit_profile(doomed.id).await.unwrap(), None);
    assert_eq!(db.find_open_credit_change(doomed.id).await.unwrap(), None);
    assert_eq!(db.list_financial_periods(doomed.id).await.unwrap(), []);
    assert_eq!(db.list_form_grades(doomed.id, None).await.unwrap(), []);

    let (own, of_case, change, period) = &made[1];
    assert_eq!(
        form_ids(db, &FormFilter::default()).await,
        [of_case.id, own.id]
    );
    assert_eq!(
        credit_change_ids(db, &CreditChangeFilter::default()).await,
        [change.id]
    );
    assert!(db.find_credit_profile(kept.id).await.unwrap().is_some());
    assert_eq!(
        db.list_financial_periods(kept.id).await.unwrap(),
        std::slice::from_ref(period)
    );

    // The same ids and dates on another customer start afresh.
    let (own, _, change, period) = &made[0];
    let other = w.named("美的", rep.id).await;
    let reborn = FilledForm {
        customer_id: other.id,
        ..own.clone()
    };
    w.insert_form(&reborn).await;
    assert_eq!(db.get_form(own.id).await.unwrap(), reborn);
    let reborn = CreditChange {
        customer_id: other.id,
        ..change.clone()
    };
    w.insert_credit_change(&reborn).await;
    assert_eq!(db.get_credit_change(change.id).await.unwrap(), reborn);
    let reborn = FinancialPeriod {
        customer_id: other.id,
        ..period.clone()
    };
    let audit = w.created("financial_period", reborn.id, &reborn);
    db.insert_financial_period(&reborn, &audit).await.unwrap();
    assert_eq!(db.list_financial_periods(other.id).await.unwrap(), [reborn]);
}

pub async fn every_form_credit_and_period_write_appends_its_audit_entries(db: &dyn Store) {
    let mut w = World::new(db);
    let rep = w.user("rep").await;
    let boss = w.user("boss").await;
    let customer = w.named("海信", rep.id).await;
    let mut expected: Vec<AuditEntry> = Vec::new();
    let actor = Some(rep.id);
    let mut entry = |w: &mut World<'_>, entity: &str, id: String| {
        w.fx.tick();
        let e = w.fx.audit(
            actor,
            AuditAction::Update,
            entity,
            id,
            None,
            Some(&json!({"n": expected.len()})),
        );
        expected.push(e.clone());
        e
    };

    let template = w.fx.template("rating", 1, actor);
    let e = entry(&mut w, "form_template", "rating".into());
    db.insert_form_template(&template, &e).await.unwrap();

    let form = w.fx.form(customer.id, None, rep.id, "rating", Some("A"));
    let e = entry(&mut w, "form", form.id.to_string());
    db.insert_form(&form, &e).await.unwrap();

    let profile = CreditProfile::empty(customer.id, w.fx.now());
    let e = entry(&mut w, "credit_profile", customer.id.to_string());
    db.save_credit_profile(&profile, 0, &e).await.unwrap();
    let e = entry(&mut w, "credit_profile", customer.id.to_string());
    db.save_credit_profile(&profile, 1, &e).await.unwrap();

    let change =
        w.fx.credit_change(customer.id, rep.id, None, CreditGrade::A);
    let e = entry(&mut w, "credit_change", change.id.to_string());
    db.insert_credit_change(&change, &e).await.unwrap();
    let submitted = change
        .submit(rep.id, boss.id, None, w.fx.now(), &WorkCalendar::prc())
        .unwrap();
    let one = [entry(&mut w, "credit_change", change.id.to_string())];
    db.update_credit_change(&submitted, 1, None, &one)
        .await
        .unwrap();
    let approved = submitted.decide(true, None, w.fx.now()).unwrap();
    let two = [
        entry(&mut w, "credit_change", change.id.to_string()),
        entry(&mut w, "credit_profile", customer.id.to_string()),
    ];
    db.update_credit_change(&approved, 2, Some((&profile, 2)), &two)
        .await
        .unwrap();

    let period =
        w.fx.financial_period(customer.id, date(2025, 1, 1), date(2025, 12, 31), rep.id);
    let e = entry(&mut w, "financial_period", period.id.to_string());
    db.insert_financial_period(&period, &e).await.unwrap();

    let logged: Vec<AuditEntry> = walk(
        async |p| db.list_audit(&AuditFilter::default(), &p).await,
        500,
    )
    .await
    .into_iter()
    .filter(|e| e.actor_id == actor)
    .collect();
    expected.reverse();
    assert_eq!(logged, expected);
}

pub async fn a_user_language_is_saved_and_replaced(db: &dyn Store) {
    let mut w = World::new(db);
    let user = w.user("zhangwei").await;
    assert_eq!(db.find_user_language(user.id).await.unwrap(), None);
    db.set_user_language(user.id, "en").await.unwrap();
    assert_eq!(
        db.find_user_language(user.id).await.unwrap().as_deref(),
        Some("en")
    );
    db.set_user_language(user.id, "zh").await.unwrap();
    assert_eq!(
        db.find_user_language(user.id).await.unwrap().as_deref(),
        Some("zh")
    );
}

pub async fn contacts_with_a_birthday_are_listed_within_the_visibility(db: &dyn Store) {
    let mut w = World::new(db);
    let (mine, theirs) = (w.user("mine").await, w.user("theirs").await);
    let a = w
        .customer(
            CustomerDraft {
                name: "甲公司".into(),
                ..Default::default()
            },
            mine.id,
        )
        .await;
    let b = w
        .customer(
            CustomerDraft {
                name: "乙公司".into(),
                ..Default::default()
            },
            theirs.id,
        )
        .await;
    let birthday =
        tuoke_core::Birthday::new(tuoke_core::BirthdayCalendar::Lunar, None, 8, 15, false).unwrap();
    for (customer, name) in [(a.id, "有生日"), (b.id, "别人的")] {
        let draft = ContactDraft {
            name: name.into(),
            birthday: Some(birthday),
            ..Default::default()
        };
        let contact = w.fx.contact(customer, draft);
        let audit = w.created("contact", contact.id, &contact);
        db.insert_contact(&contact, &audit).await.unwrap();
    }
    w.contact(a.id, "没生日").await;
    let names = |list: Vec<Contact>| list.into_iter().map(|c| c.name).collect::<Vec<_>>();
    let visible = names(
        db.list_contacts_with_birthday(&Visibility::Owners(vec![mine.id]), 10)
            .await
            .unwrap(),
    );
    assert_eq!(visible, ["有生日"]);
    let mut all = names(
        db.list_contacts_with_birthday(&Visibility::All, 10)
            .await
            .unwrap(),
    );
    all.sort();
    assert_eq!(all, ["别人的", "有生日"]);
    assert!(
        db.list_contacts_with_birthday(&Visibility::Owners(vec![]), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        db.list_contacts_with_birthday(&Visibility::All, 1)
            .await
            .unwrap()
            .len(),
        1
    );
}

/// The funnel totals the store keeps for `filter` are those of replaying
/// every case it selects with its history; returns them.
async fn funnel_totals_match_the_cases(db: &dyn Store, filter: &FunnelFilter) -> FunnelTotals {
    let stored = db.funnel_totals(filter).await.unwrap();
    let selected = CaseFilter {
        template_key: Some(filter.template_key.clone()),
        owner_id: filter.owner_id,
        owners_in: filter.owners_in.clone(),
        created_from: filter.days.0.map(day_start),
        created_to: filter.days.1.map(day_start),
        ..cases(filter.visible.clone())
    };
    let mut replayed = FunnelTotals::default();
    for (case, history) in db.list_cases_with_history(&selected).await.unwrap() {
        replayed.add(&FunnelEntry::of(&case, &history), 1);
    }
    assert_eq!(stored, replayed, "{filter:?}");
    stored
}

/// How many cases the totals count.
fn counted(totals: &FunnelTotals) -> i64 {
    totals.groups().map(|(_, sum)| sum.cases).sum()
}

pub async fn the_funnel_totals_follow_every_case_write(db: &dyn Store) {
    let mut w = World::new(db);
    let rep = w.user("rep").await;
    let other = w.user("other").await;
    let boss = w.user("boss").await;
    let haixin = w.named("海信", rep.id).await;
    let haier = w.named("海尔", other.id).await;
    let today = report_day(w.fx.now());
    let three_days_ago = w.fx.now() - Duration::days(3);
    let filters = |template: &str| {
        let all = FunnelFilter {
            template_key: template.into(),
            visible: Visibility::All,
            owner_id: None,
            owners_in: None,
            days: (None, None),
        };
        [
            all.clone(),
            FunnelFilter {
                visible: Visibility::Owners(vec![rep.id]),
                ..all.clone()
            },
            FunnelFilter {
                owner_id: Some(other.id),
                ..all.clone()
            },
            FunnelFilter {
                owners_in: Some(vec![other.id, boss.id]),
                ..all.clone()
            },
            FunnelFilter {
                days: (Some(today), None),
                ..all.clone()
            },
            FunnelFilter {
                days: (None, Some(today)),
                ..all
            },
        ]
    };
    let check = async |expected: i64| {
        for filter in filters("big").iter().chain(&filters("small")) {
            funnel_totals_match_the_cases(db, filter).await;
        }
        let all = funnel_totals_match_the_cases(db, &filters("big")[0]).await;
        assert_eq!(counted(&all), expected);
    };

    let a = w
        .case(haixin.id, rep.id, "big", "s1", |c| {
            c.expected_amount = money(10_000_000);
        })
        .await;
    let b = w
        .case(haier.id, other.id, "big", "s1", |c| {
            c.expected_amount = money(500_000);
            c.created_at = three_days_ago;
        })
        .await;
    let c = w.case(haixin.id, rep.id, "big", "s2", |_| {}).await;
    w.case(haier.id, other.id, "small", "s1", |_| {}).await;
    check(3).await;

    // A moves on after two days, for a larger amount.
    let mut moved = a.clone();
    moved.stage = "s2".into();
    moved.expected_amount = money(12_000_000);
    let mut advanced =
        w.fx.case_event(&a, CaseEventKind::Advanced, Some("s1"), Some("s2"));
    advanced.at = a.created_at + Duration::days(2);
    let a = db
        .update_case(
            CaseWrite {
                case: &moved,
                expected_version: 1,
                events: std::slice::from_ref(&advanced),
            },
            &[],
        )
        .await
        .unwrap();
    check(3).await;

    // B is won and handed to the rep, then reopened.
    let mut won = b.clone();
    won.status = CaseStatus::Won;
    won.owner_id = rep.id;
    let event = w.fx.case_event(&b, CaseEventKind::Won, Some("s1"), None);
    let b = db
        .update_case(
            CaseWrite {
                case: &won,
                expected_version: 1,
                events: &[event],
            },
            &[],
        )
        .await
        .unwrap();
    check(3).await;
    let mut reopened = b.clone();
    reopened.status = CaseStatus::Open;
    let event =
        w.fx.case_event(&b, CaseEventKind::Reopened, None, Some("s1"));
    db.update_case(
        CaseWrite {
            case: &reopened,
            expected_version: 2,
            events: &[event],
        },
        &[],
    )
    .await
    .unwrap();
    check(3).await;

    // An approval moves C on; a stale write changes nothing.
    let approval = w.approval(&c, rep.id, boss.id).await;
    check(3).await;
    let now = w.fx.tick();
    let approved = approval.decide(true, None, now).unwrap();
    let mut next = c.clone();
    next.stage = "s3".into();
    let events = [
        w.fx.case_event(&c, CaseEventKind::Approved, Some("s2"), None),
        w.fx.case_event(&c, CaseEventKind::Advanced, Some("s2"), Some("s3")),
    ];
    let write = CaseWrite {
        case: &next,
        expected_version: 1,
        events: &events,
    };
    db.update_approval(&approved, 1, write, &[]).await.unwrap();
    let stale = CaseWrite {
        case: &next,
        expected_version: 1,
        events: &events[1..],
    };
    assert!(db.update_case(stale, &[]).await.is_err());
    check(3).await;

    // An import adds a case with its history and changes A's owner.
    let (d, created) = w.fx.case(haier.id, other.id, "big", "s1");
    let mut handed = a.clone();
    handed.owner_id = other.id;
    let batch = ImportBatch {
        new_cases: vec![(d, vec![created])],
        changed_cases: vec![(handed, a.version)],
        ..ImportBatch::default()
    };
    db.apply_import(&batch).await.unwrap();
    check(4).await;

    // Deleting 海信 takes C away with it (A went on with 海信 too).
    let audit = w.deleted("customer", haixin.id, &haixin);
    db.delete_customer(haixin.id, 1, &audit).await.unwrap();
    check(2).await;
}

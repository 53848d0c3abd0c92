//! The storage conformance suite on SQLite and PostgreSQL, and the checks
//! that only make sense per backend.
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "helpers of the tests: a failed step must fail the test"
)]

use std::collections::{BTreeMap, BTreeSet};

use sqlx::{Connection, PgConnection, SqliteConnection};
use tuoke_app::ports::{FunnelFilter, Store, Visibility};
use tuoke_testkit::conformance_tests;
use tuoke_testkit::db::{Fixtures, TestDb};

conformance_tests!(
    a_user_language_is_saved_and_replaced,
    contacts_with_a_birthday_are_listed_within_the_visibility,
    a_user_round_trips_and_logs_in_by_username,
    users_are_listed_by_username_across_pages,
    a_user_update_is_stored_and_a_stale_one_changes_nothing,
    a_taken_username_is_a_conflict,
    setting_a_password_changes_only_the_hash,
    a_user_who_owns_records_cannot_be_deleted,
    missing_records_are_not_found,
    a_team_round_trips_is_listed_by_name_and_guards_its_name,
    deleting_a_team_leaves_its_members_without_a_team,
    managers_see_the_members_of_their_teams_but_not_themselves,
    sessions_find_only_active_users_before_expiry,
    a_customer_round_trips_every_field_exactly,
    timestamps_round_trip_to_the_microsecond,
    money_round_trips_exactly,
    a_customer_update_is_stored_and_a_stale_one_changes_nothing,
    duplicate_name_keys_and_credit_codes_are_conflicts,
    concurrent_writes_each_commit_or_fail_alone,
    a_reference_to_a_missing_row_is_a_conflict_naming_it,
    customers_are_filtered_by_each_field,
    customer_visibility_limits_the_list_to_the_owners_given,
    customers_are_searched_by_name_fragment_pinyin_prefix_and_short_name,
    a_search_finds_exactly_the_customers_holding_the_fragment,
    percent_and_underscore_in_a_search_are_literal,
    every_customer_sort_walks_all_pages_without_gaps_or_duplicates,
    an_owner_status_and_province_list_walks_pages_in_name_order,
    a_garbled_cursor_is_refused,
    a_contact_round_trips_and_contacts_are_listed_by_name,
    an_activity_keeps_its_contacts_in_order_and_an_update_replaces_them,
    activities_are_filtered_by_customer_owner_method_time_and_due_date,
    activity_visibility_follows_the_owner_of_the_customer,
    both_activity_sorts_walk_all_pages_without_gaps_or_duplicates,
    deleting_a_customer_removes_its_contacts_and_activities,
    every_write_appends_exactly_one_audit_entry,
    the_first_idempotent_response_wins,
    a_template_keeps_every_version_and_the_newest_is_the_default,
    a_case_round_trips_every_field_with_its_checks_and_created_line,
    a_case_update_replaces_its_checks_appends_its_history_and_a_stale_one_changes_nothing,
    a_case_pointing_to_a_missing_customer_or_owner_is_a_conflict_naming_it,
    missing_cases_approvals_and_calendar_days_are_not_found,
    cases_are_filtered_by_each_field,
    both_case_sorts_walk_all_pages_without_gaps_or_duplicates,
    a_case_history_is_oldest_first_and_the_report_matches_it,
    the_funnel_totals_follow_every_case_write,
    an_approval_request_round_trips_and_is_found_for_its_stage,
    approvals_are_filtered_and_listed_newest_first_across_pages,
    an_approval_decision_writes_its_case_and_history_in_one_transaction,
    a_stale_approval_or_case_in_a_decision_changes_nothing,
    calendar_days_are_upserted_replaced_listed_by_date_and_deleted,
    deleting_a_customer_removes_its_cases_checks_history_and_approvals,
    every_case_approval_template_and_calendar_write_appends_its_audit_entries,
    a_form_template_keeps_every_version_apart_from_process_templates,
    a_filled_form_round_trips_its_answers_and_score_exactly,
    forms_are_filtered_and_listed_newest_first_across_pages,
    form_grades_count_the_customer_forms_and_those_of_the_case,
    a_credit_profile_is_inserted_then_updated_and_a_stale_save_changes_nothing,
    a_credit_change_round_trips_every_field_and_the_open_one_is_found,
    credit_changes_are_filtered_and_listed_newest_first_across_pages,
    a_credit_decision_writes_the_change_and_the_profile_in_one_transaction,
    a_stale_change_or_profile_in_a_credit_decision_changes_nothing,
    financial_periods_round_trip_exactly_oldest_first_and_a_duplicate_is_a_conflict,
    notifications_are_sent_once_per_subject_listed_newest_first_and_marked_read,
    missing_forms_credit_changes_and_notifications_are_not_found,
    deleting_a_customer_removes_its_forms_credit_profile_changes_and_periods,
    every_form_credit_and_period_write_appends_its_audit_entries,
);

type Schema = BTreeMap<String, Vec<String>>;

/// A rep stored with the audit entry of their creation.
async fn stored_user(db: &dyn Store, fx: &mut Fixtures, username: &str) -> tuoke_core::User {
    let user = fx.user(username, tuoke_core::Role::Rep);
    let audit = fx.created("user", user.id, &user);
    db.insert_user(&user, "hash", &audit).await.unwrap();
    user
}

fn schema(rows: Vec<(String, String)>) -> Schema {
    let mut tables = Schema::new();
    for (table, column) in rows {
        tables.entry(table).or_default().push(column);
    }
    for columns in tables.values_mut() {
        columns.sort();
    }
    tables
}

#[tokio::test]
async fn sqlite_and_postgres_schemas_have_the_same_tables_and_columns() {
    let sqlite = TestDb::fresh_sqlite().await;
    let Some(postgres) = TestDb::fresh_postgres().await else {
        return;
    };
    let mut conn = SqliteConnection::connect(&sqlite.url).await.unwrap();
    let lite: Vec<(String, String)> = sqlx::query_as(
        "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut conn = PgConnection::connect(&postgres.url).await.unwrap();
    let pg: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    // The search index is the one difference, by design (migration 0010):
    // an FTS5 table with its shadow tables and the customers' row numbers
    // in it on SQLite, a table of grams on PostgreSQL.
    let mut lite = schema(lite);
    assert!(lite.contains_key("customers"), "{lite:?}");
    let search_tables: Vec<String> = lite
        .keys()
        .filter(|t| t.starts_with("customer_search"))
        .cloned()
        .collect();
    assert!(
        search_tables.contains(&"customer_search".to_owned()),
        "{lite:?}"
    );
    for table in search_tables {
        lite.remove(&table);
    }
    let customers = lite.get_mut("customers").unwrap();
    customers.retain(|c| c != "search_rowid");
    let mut pg = schema(pg);
    assert!(pg.remove("customer_grams").is_some(), "{pg:?}");
    assert_eq!(lite, pg);
}

#[tokio::test]
async fn an_unknown_url_scheme_is_refused_and_creates_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tuoke.db");
    for url in [
        format!("sqlit://{}", path.display()),
        format!("mysql://{}", path.display()),
        path.display().to_string(),
        format!("file:{}", path.display()),
    ] {
        let result = tuoke_store::Db::connect(&url).await;
        assert!(result.is_err(), "{url} was accepted");
        assert!(!path.exists(), "{url} created a file");
    }
}

#[tokio::test]
async fn sqlite_runs_in_wal_mode_with_foreign_keys_on() {
    let test = TestDb::fresh_sqlite().await;
    assert_eq!(test.db.backend(), "sqlite");
    // The journal mode is a property of the file, seen by any connection.
    let mut conn = SqliteConnection::connect(&test.url).await.unwrap();
    let (mode,): (String,) = sqlx::query_as("PRAGMA journal_mode")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    // Foreign keys are per connection: check them through the store.
    let mut fx = Fixtures::new();
    let ghost = fx.user("ghost", tuoke_core::Role::Rep);
    let customer = fx.named_customer("孤儿", ghost.id);
    let audit = fx.created("customer", customer.id, &customer);
    let result = test.db.insert_customer(&customer, &audit).await;
    assert!(
        matches!(result, Err(tuoke_app::ports::StoreError::Conflict { ref what }) if what == "customers.owner_id"),
        "{result:?}"
    );
}

/// The bundled SQLite keeps no memory statistics (`.cargo/config.toml`):
/// with them every allocation takes one global mutex, which the pool's
/// connection threads contend for (docs/PERFORMANCE.md).
#[tokio::test]
async fn sqlite_is_built_without_memory_statistics() {
    let mut conn = SqliteConnection::connect("sqlite::memory:").await.unwrap();
    let options: Vec<String> = sqlx::query_scalar("PRAGMA compile_options")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    assert!(
        options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"),
        "{options:?}"
    );
}

#[tokio::test]
async fn an_in_memory_sqlite_database_is_accepted_and_migrated() {
    let db = tuoke_store::Db::connect("sqlite::memory:").await.unwrap();
    db.migrate().await.unwrap();
    assert_eq!(db.count_users().await.unwrap(), 0);
    db.close().await;
}

/// The grams the store writes for each customer, as (customer id, gram).
type Grams = BTreeSet<(String, String)>;

/// Customers whose grams differ in every way the rule cares about: short
/// name or none, ASCII case, spaces, one character.
async fn customers_for_grams(db: &dyn Store) -> Vec<tuoke_core::Customer> {
    let mut fx = Fixtures::new();
    let owner = stored_user(db, &mut fx, "owner").await;
    let mut customers = Vec::new();
    for (name, short) in [
        ("深圳市瑞丰科技有限公司", Some("瑞丰")),
        ("TCL 王牌电器", Some("TCL Wang")),
        ("海", None),
        ("ＩＢＭ（中国）", Some("ＩＢＭ")),
    ] {
        let draft = tuoke_core::CustomerDraft {
            name: name.into(),
            short_name: short.map(Into::into),
            ..Default::default()
        };
        let customer = fx.customer(draft, owner.id);
        let audit = fx.created("customer", customer.id, &customer);
        db.insert_customer(&customer, &audit).await.unwrap();
        customers.push(customer);
    }
    customers
}

fn expected_grams(customers: &[tuoke_core::Customer]) -> Grams {
    customers
        .iter()
        .flat_map(|c| {
            tuoke_core::text::search_grams(&c.name_key, c.short_name.as_deref())
                .into_iter()
                .map(|g| (c.id.to_string(), g))
        })
        .collect()
}

/// The fill of migration 0005: its last statement.
fn gram_backfill(migration: &str) -> &str {
    let start = migration
        .find("WITH RECURSIVE")
        .expect("the fill of migration 0005");
    &migration[start..]
}

const GRAMS: &str = "SELECT customer_id, gram FROM customer_grams";

/// The grams of SQLite's FTS5 index, as (customer id, gram): its tokens,
/// six hex digits a character, decoded.
async fn fts_grams(conn: &mut SqliteConnection) -> Grams {
    sqlx::query(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_terms \
         USING fts5vocab(main, customer_search, instance)",
    )
    .execute(&mut *conn)
    .await
    .unwrap();
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.id, v.term FROM temp.search_terms v JOIN customers c ON c.search_rowid = v.doc",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    rows.into_iter()
        .map(|(id, token)| {
            let gram = (0..token.len())
                .step_by(6)
                .map(|i| {
                    char::from_u32(u32::from_str_radix(&token[i..i + 6], 16).unwrap()).unwrap()
                })
                .collect();
            (id, gram)
        })
        .collect()
}

/// On SQLite the store writes the grams into the FTS5 index, and a
/// database migrated from before it (grams filled in by 0005, moved by
/// 0010) ends with the same index.
#[tokio::test]
async fn the_migrations_fill_in_the_search_index_the_store_writes_on_sqlite() {
    let test = TestDb::fresh_sqlite().await;
    let mut customers = customers_for_grams(&test.db).await;
    let mut conn = SqliteConnection::connect(&test.url).await.unwrap();
    assert_eq!(fts_grams(&mut conn).await, expected_grams(&customers));
    // Back to the index of 0005, empty, as a database from before both.
    let grams_table = include_str!("../../store/migrations/sqlite/0005_customer_grams.sql");
    let moved = include_str!("../../store/migrations/sqlite/0010_customer_search_fts.sql");
    let create = &grams_table[..grams_table.find("-- The same rule in SQL").unwrap()];
    sqlx::raw_sql(create).execute(&mut conn).await.unwrap();
    sqlx::query("INSERT INTO customer_search (customer_search) VALUES ('delete-all')")
        .execute(&mut conn)
        .await
        .unwrap();
    assert_eq!(fts_grams(&mut conn).await, Grams::new());
    sqlx::raw_sql(gram_backfill(grams_table))
        .execute(&mut conn)
        .await
        .unwrap();
    let fill = &moved[moved.find("INSERT INTO customer_search").unwrap()..];
    sqlx::raw_sql(fill).execute(&mut conn).await.unwrap();
    assert_eq!(fts_grams(&mut conn).await, expected_grams(&customers));
    // A rename replaces the customer's grams.
    let mut fx = Fixtures::new();
    let before = customers[1].clone();
    let draft = tuoke_core::CustomerDraft {
        name: "新名称实业".into(),
        short_name: None,
        ..before.to_draft()
    };
    let renamed = before.revise(draft, fx.now()).unwrap();
    let audit = fx.audit(
        None,
        tuoke_core::AuditAction::Update,
        "customer",
        before.id,
        Some(&before),
        Some(&renamed),
    );
    test.db.update_customer(&renamed, 1, &audit).await.unwrap();
    customers[1] = renamed;
    assert_eq!(fts_grams(&mut conn).await, expected_grams(&customers));
    // A customer deleted, by any statement, leaves the index.
    sqlx::query("DELETE FROM customers WHERE id = $1")
        .bind(customers[0].id.to_string())
        .execute(&mut conn)
        .await
        .unwrap();
    assert_eq!(fts_grams(&mut conn).await, expected_grams(&customers[1..]));
}

#[tokio::test]
async fn the_migration_fills_in_the_grams_the_store_writes_on_postgres() {
    let Some(test) = TestDb::fresh_postgres().await else {
        return;
    };
    let customers = customers_for_grams(&test.db).await;
    let mut conn = PgConnection::connect(&test.url).await.unwrap();
    let written: Vec<(String, String)> = sqlx::query_as(GRAMS).fetch_all(&mut conn).await.unwrap();
    assert_eq!(
        written.into_iter().collect::<Grams>(),
        expected_grams(&customers)
    );
    sqlx::query("DELETE FROM customer_grams")
        .execute(&mut conn)
        .await
        .unwrap();
    let migration = include_str!("../../store/migrations/postgres/0005_customer_grams.sql");
    sqlx::raw_sql(gram_backfill(migration))
        .execute(&mut conn)
        .await
        .unwrap();
    let filled: Vec<(String, String)> = sqlx::query_as(GRAMS).fetch_all(&mut conn).await.unwrap();
    assert_eq!(
        filled.into_iter().collect::<Grams>(),
        expected_grams(&customers)
    );
}

/// Empties the funnel totals behind the store's back, as a database
/// migrated from before them has them.
async fn wipe_funnel_totals(url: &str) {
    const WIPE: &str = "DELETE FROM funnel_groups; DELETE FROM funnel_stays";
    if url.starts_with("sqlite") {
        let mut conn = SqliteConnection::connect(url).await.unwrap();
        sqlx::raw_sql(WIPE).execute(&mut conn).await.unwrap();
    } else {
        let mut conn = PgConnection::connect(url).await.unwrap();
        sqlx::raw_sql(WIPE).execute(&mut conn).await.unwrap();
    }
}

async fn migrating_fills_in_the_funnel_totals(test: TestDb) {
    tuoke_testkit::conformance::the_funnel_totals_follow_every_case_write(&test.db).await;
    let filter = FunnelFilter {
        template_key: "big".into(),
        visible: Visibility::All,
        owner_id: None,
        owners_in: None,
        days: (None, None),
    };
    let kept = test.db.funnel_totals(&filter).await.unwrap();
    assert!(!kept.is_empty());
    wipe_funnel_totals(&test.url).await;
    assert!(test.db.funnel_totals(&filter).await.unwrap().is_empty());
    test.db.migrate().await.unwrap();
    assert_eq!(test.db.funnel_totals(&filter).await.unwrap(), kept);
}

#[tokio::test]
async fn migrating_fills_in_the_funnel_totals_on_sqlite() {
    migrating_fills_in_the_funnel_totals(TestDb::fresh_sqlite().await).await;
}

#[tokio::test]
async fn migrating_fills_in_the_funnel_totals_on_postgres() {
    if let Some(test) = TestDb::fresh_postgres().await {
        migrating_fills_in_the_funnel_totals(test).await;
    }
}

/// An import of many customers leaves PostgreSQL's planner statistics of
/// them (and of their search index) filled in, even with autovacuum off:
/// without them a search reads every customer (docs/PERFORMANCE.md).
#[tokio::test]
async fn a_bulk_import_refreshes_the_planner_statistics_on_postgres() {
    let Some(test) = TestDb::fresh_postgres().await else {
        return;
    };
    let mut fx = Fixtures::new();
    let owner = stored_user(&test.db, &mut fx, "owner").await;
    let mut conn = PgConnection::connect(&test.url).await.unwrap();
    let analyzed = async |conn: &mut PgConnection| -> Vec<String> {
        sqlx::query_scalar(
            "SELECT DISTINCT tablename::text FROM pg_stats \
             WHERE tablename IN ('customers', 'customer_grams') ORDER BY 1",
        )
        .fetch_all(conn)
        .await
        .unwrap()
    };
    let batch = |fx: &mut Fixtures, n: usize, from: usize| {
        let mut batch = tuoke_app::ports::ImportBatch::default();
        for i in from..from + n {
            let customer = fx.named_customer(&format!("深圳市客户{i}有限公司"), owner.id);
            batch.new_customers.push(customer);
        }
        batch
    };
    // A few rows do not pay for an ANALYZE (nor would autovacuum, where it
    // runs, look at a table of 10 rows).
    test.db.apply_import(&batch(&mut fx, 10, 0)).await.unwrap();
    assert!(!analyzed(&mut conn).await.contains(&"customers".to_owned()));
    test.db
        .apply_import(&batch(&mut fx, 1_000, 10))
        .await
        .unwrap();
    assert_eq!(analyzed(&mut conn).await, ["customer_grams", "customers"]);
}

/// A database that sqlx's migrator brought up to date (every Tuoke before
/// the store ran SQLite on rusqlite) is accepted as it is, and keeps its
/// data; one whose applied migration differs from this version's is
/// refused rather than run against.
#[tokio::test]
async fn a_sqlite_database_migrated_by_sqlx_carries_on() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("old.db").display());
    let options = url
        .parse::<sqlx::sqlite::SqliteConnectOptions>()
        .unwrap()
        .create_if_missing(true);
    let mut conn = SqliteConnection::connect_with(&options).await.unwrap();
    sqlx::migrate!("../store/migrations/sqlite")
        .run(&mut conn)
        .await
        .unwrap();
    let applied: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM _sqlx_migrations")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    let db = tuoke_store::Db::connect(&url).await.unwrap();
    db.migrate().await.unwrap();
    stored_user(&db, &mut Fixtures::new(), "laowang").await;
    db.migrate().await.unwrap();
    assert_eq!(db.count_users().await.unwrap(), 1);
    let after: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM _sqlx_migrations")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(after, applied, "no migration was applied twice");

    sqlx::query("UPDATE _sqlx_migrations SET checksum = x'00' WHERE version = 1")
        .execute(&mut conn)
        .await
        .unwrap();
    let refused = tuoke_store::Db::connect(&url)
        .await
        .unwrap()
        .migrate()
        .await;
    assert!(
        matches!(&refused, Err(tuoke_app::ports::StoreError::Backend(m)) if m.contains("migration 1")),
        "{refused:?}"
    );
}

/// Writes that shared a commit, the last of them refused, leave no
/// transaction open: another process (a `tuoke import` beside `tuoke
/// serve`) can write at once instead of waiting for a lock no one will
/// release.
#[tokio::test]
async fn concurrent_sqlite_writes_leave_the_file_free_for_another_process() {
    let test = TestDb::fresh_sqlite().await;
    let mut fx = Fixtures::new();
    let owner = stored_user(&test.db, &mut fx, "laowang").await;
    let first = fx.named_customer("并发客户甲", owner.id);
    let second = fx.named_customer("并发客户乙", owner.id);
    // The same name as the first: refused, and the last to write.
    let refused = fx.named_customer("并发客户甲", owner.id);
    let writes = [&first, &second, &refused].map(|c| {
        let audit = fx.created("customer", c.id, c);
        (c, audit)
    });
    let results =
        futures_util::future::join_all(writes.iter().map(|(c, a)| test.db.insert_customer(c, a)))
            .await;
    assert!(results[0].is_ok() && results[1].is_ok(), "{results:?}");
    assert!(results[2].is_err(), "{results:?}");

    let path = test.url.trim_start_matches("sqlite://");
    let other = rusqlite::Connection::open(path).unwrap();
    other.busy_timeout(std::time::Duration::ZERO).unwrap();
    other
        .execute_batch("BEGIN IMMEDIATE; DELETE FROM sessions; COMMIT")
        .unwrap();
    let names: i64 = other
        .query_row("SELECT COUNT(*) FROM customers", [], |r| r.get(0))
        .unwrap();
    assert_eq!(names, 2);
}

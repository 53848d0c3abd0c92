//! Black-box API tests: the real server on a random port over a fresh
//! database, driven over HTTP, on SQLite and on PostgreSQL.
#![expect(
    clippy::unwrap_used,
    reason = "test bodies are plain functions the macro calls"
)]

mod cases;
mod export;
mod forms;
mod imports;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tuoke_testkit::server::{Client, TestServer};

/// Creates a user as admin and logs in as them.
async fn user(
    s: &TestServer,
    admin: &Client,
    name: &str,
    role: &str,
    team: Option<&str>,
) -> (String, Client) {
    let mut body =
        json!({"username": name, "display_name": name, "role": role, "password": "password-123"});
    if let Some(team) = team {
        body["team_id"] = json!(team);
    }
    let r = admin.post("/api/v1/users", &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.body["id"].as_str().unwrap().to_owned();
    (id, s.login(name, "password-123").await)
}

pub(crate) async fn customer(client: &Client, body: Value) -> Value {
    let r = client.post("/api/v1/customers", &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body
}

fn names(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn health_openapi_and_metrics_answer(s: TestServer) {
    let anon = s.anonymous();
    assert_eq!(anon.get("/healthz").await.status, StatusCode::OK);
    let doc = anon.get("/api/openapi.json").await;
    assert_eq!(doc.status, StatusCode::OK);
    for path in [
        "/api/v1/customers",
        "/api/v1/customers/{id}/contacts",
        "/api/v1/contacts/{id}",
        "/api/v1/activities",
        "/api/v1/users",
        "/api/v1/teams",
        "/api/v1/auth/login",
    ] {
        assert!(
            doc.body["paths"].get(path).is_some(),
            "{path} missing from the OpenAPI description"
        );
    }
    s.admin().await.get("/api/v1/customers").await;
    let metrics = anon.get("/metrics").await;
    assert_eq!(metrics.status, StatusCode::OK);
    assert!(
        metrics
            .body
            .as_str()
            .unwrap()
            .contains("tuoke_http_requests_total")
    );
}

async fn login_gives_a_token_and_a_wrong_password_does_not(s: TestServer) {
    let admin = s.admin().await;
    let me = admin.get("/api/v1/auth/me").await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["username"], "admin");
    assert_eq!(me.body["role"], "admin");

    let bad = s
        .anonymous()
        .post(
            "/api/v1/auth/login",
            &json!({"username": "admin", "password": "nope"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    assert_eq!(bad.header("content-type"), Some("application/problem+json"));
    assert_eq!(bad.body["code"], "bad_credentials");

    let anon = s.anonymous().get("/api/v1/customers").await;
    assert_eq!(anon.status, StatusCode::UNAUTHORIZED);

    assert_eq!(
        admin.post("/api/v1/auth/logout", &json!({})).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        admin.get("/api/v1/auth/me").await.status,
        StatusCode::UNAUTHORIZED
    );
}

async fn repeated_login_attempts_are_rate_limited(s: TestServer) {
    let anon = s.anonymous();
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(
            anon.post(
                "/api/v1/auth/login",
                &json!({"username": "admin", "password": "guess"}),
            )
            .await
            .status,
        );
    }
    assert!(
        statuses[..10]
            .iter()
            .all(|s| *s == StatusCode::UNAUTHORIZED),
        "{statuses:?}"
    );
    assert_eq!(statuses[11], StatusCode::TOO_MANY_REQUESTS);
}

async fn customers_are_created_read_updated_and_deleted(s: TestServer) {
    let admin = s.admin().await;
    let c = customer(&admin, json!({
        "name": "海信集团", "short_name": "海信", "credit_code": "91350100M000100Y43",
        "nature": "listed", "channel": "terminal", "industry": "电器", "province": "山东", "city": "青岛",
        "tier": "key", "monthly_volume": "80000.50"
    })).await;
    assert_eq!(c["pinyin"], "HXJT");
    assert_eq!(c["status"], "prospect");
    assert_eq!(c["monthly_volume"], "80000.50");
    let path = format!("/api/v1/customers/{}", c["id"].as_str().unwrap());

    let read = admin.get(&path).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.header("etag"), Some("\"1\""));
    assert_eq!(read.body["name"], "海信集团");

    let changed = admin
        .patch(
            &path,
            1,
            &json!({"status": "target", "city": null, "notes": "年采购额大"}),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(changed.body["version"], 2);
    assert_eq!(changed.body["status"], "target");
    assert_eq!(changed.body["city"], Value::Null);
    assert_eq!(changed.body["province"], "山东");

    let skip = admin.patch(&path, 2, &json!({"status": "customer"})).await;
    assert_eq!(skip.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(skip.error_fields(), ["status"]);

    assert_eq!(admin.delete(&path, 2).await.status, StatusCode::NO_CONTENT);
    assert_eq!(admin.get(&path).await.status, StatusCode::NOT_FOUND);
}

async fn a_stale_if_match_gets_412_and_changes_nothing(s: TestServer) {
    let admin = s.admin().await;
    let c = customer(&admin, json!({"name": "深圳齐心文具有限公司"})).await;
    let path = format!("/api/v1/customers/{}", c["id"].as_str().unwrap());
    assert_eq!(
        admin
            .patch(&path, 1, &json!({"notes": "first"}))
            .await
            .status,
        StatusCode::OK
    );

    let stale = admin.patch(&path, 1, &json!({"notes": "second"})).await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(stale.body["code"], "version_mismatch");
    assert_eq!(stale.body["current_version"], 2);
    assert_eq!(admin.get(&path).await.body["notes"], "first");

    let stale_delete = admin.delete(&path, 1).await;
    assert_eq!(stale_delete.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(admin.get(&path).await.status, StatusCode::OK);

    let missing = admin
        .send(
            reqwest::Method::PATCH,
            &path,
            Some(&json!({"notes": "x"})),
            &[],
        )
        .await;
    assert_eq!(missing.status, StatusCode::PRECONDITION_REQUIRED);
}

async fn a_duplicate_customer_is_refused_naming_the_existing_one(s: TestServer) {
    let admin = s.admin().await;
    let first = customer(
        &admin,
        json!({"name": "华为技术有限公司", "credit_code": "91440300708461136T"}),
    )
    .await;

    for name in [
        "华为技术有限公司",
        " 华为 技术有限公司 ",
        "华为技术有限公司",
    ] {
        let dup = admin
            .post("/api/v1/customers", &json!({"name": name}))
            .await;
        assert_eq!(dup.status, StatusCode::CONFLICT, "{name}");
        assert_eq!(dup.body["code"], "duplicate_customer");
        assert_eq!(dup.body["existing_id"], first["id"]);
        assert!(
            dup.body["detail"]
                .as_str()
                .unwrap()
                .contains("华为技术有限公司")
        );
        assert_eq!(dup.error_fields(), ["name"]);
    }
    let same_code = admin
        .post(
            "/api/v1/customers",
            &json!({"name": "另一家公司", "credit_code": "91440300708461136t"}),
        )
        .await;
    assert_eq!(same_code.status, StatusCode::CONFLICT);
    assert_eq!(same_code.error_fields(), ["credit_code"]);

    let check = admin.get("/api/v1/customers/check-duplicate?name=%E5%8D%8E%E4%B8%BA%E6%8A%80%E6%9C%AF%E6%9C%89%E9%99%90%E5%85%AC%E5%8F%B8").await;
    assert_eq!(check.status, StatusCode::OK);
    assert_eq!(check.body["duplicate"], true);
    assert_eq!(check.body["existing_id"], first["id"]);
    let fresh = admin
        .get("/api/v1/customers/check-duplicate?name=brand-new")
        .await;
    assert_eq!(fresh.body["duplicate"], false);
}

async fn bad_input_gets_a_problem_naming_each_field(s: TestServer) {
    let admin = s.admin().await;
    let r = admin
        .post(
            "/api/v1/customers",
            &json!({"credit_code": "91350100M000100Y44", "phone": "abc"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.header("content-type"), Some("application/problem+json"));
    assert_eq!(r.body["type"], "urn:tuoke:problem:validation_failed");
    let mut fields = r.error_fields();
    fields.sort();
    assert_eq!(fields, ["credit_code", "name", "phone"]);

    let r = admin
        .post(
            "/api/v1/customers",
            &json!({"name": "好公司", "status": "won"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.error_fields(), ["status"]);

    let r = admin
        .post(
            "/api/v1/customers",
            &json!({"name": "好公司", "colour": "red"}),
        )
        .await;
    assert_eq!(r.error_fields(), ["colour"]);

    let r = admin.get("/api/v1/customers?tier=gold").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.error_fields(), ["tier"]);

    let r = admin
        .send(
            reqwest::Method::POST,
            "/api/v1/customers",
            None,
            &[("content-type", "application/json")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    let big = "x".repeat(tuoke_web_limit() + 1);
    let r = admin
        .post("/api/v1/customers", &json!({"name": "大", "notes": big}))
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);

    assert_eq!(
        admin.get("/api/v1/customers/not-an-id").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        admin.get("/api/v1/customers?cursor=garbage").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

fn tuoke_web_limit() -> usize {
    1024 * 1024
}

async fn search_finds_by_pinyin_initials_and_chinese_substring(s: TestServer) {
    let admin = s.admin().await;
    customer(&admin, json!({"name": "海信集团", "short_name": "海信"})).await;
    customer(
        &admin,
        json!({"name": "青岛海尔股份有限公司", "short_name": "海尔"}),
    )
    .await;
    customer(&admin, json!({"name": "深圳华强电子"})).await;

    assert_eq!(
        names(&admin.get("/api/v1/customers?q=hx").await.body),
        ["海信集团"]
    );
    assert_eq!(
        names(&admin.get("/api/v1/customers?q=HX").await.body),
        ["海信集团"]
    );
    assert_eq!(
        names(
            &admin
                .get("/api/v1/customers?q=%E4%BF%A1%E9%9B%86")
                .await
                .body
        ),
        ["海信集团"]
    ); // 信集
    let mut hai = names(&admin.get("/api/v1/customers?q=%E6%B5%B7").await.body); // 海
    hai.sort();
    assert_eq!(hai, ["海信集团", "青岛海尔股份有限公司"]);
    // 海尔 is hǎi ěr: initials HE.
    assert_eq!(
        names(&admin.get("/api/v1/customers?q=he").await.body),
        ["青岛海尔股份有限公司"]
    );
}

async fn lists_page_with_a_cursor(s: TestServer) {
    let admin = s.admin().await;
    for i in 0..7 {
        customer(&admin, json!({"name": format!("测试公司{i}")})).await;
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/customers?limit=3&sort=name".to_owned();
    loop {
        let page = admin.get(&path).await;
        assert_eq!(page.status, StatusCode::OK);
        seen.extend(names(&page.body));
        match page.body["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/customers?limit=3&sort=name&cursor={c}"),
            None => break,
        }
    }
    let expected: Vec<_> = (0..7).map(|i| format!("测试公司{i}")).collect();
    assert_eq!(seen, expected);
}

async fn reps_see_only_their_own_customers_and_managers_their_teams(s: TestServer) {
    let admin = s.admin().await;
    let (manager_id, manager) = user(&s, &admin, "wangfang", "manager", None).await;
    let team = admin
        .post(
            "/api/v1/teams",
            &json!({"name": "华东销售部", "manager_id": manager_id}),
        )
        .await;
    assert_eq!(team.status, StatusCode::CREATED, "{}", team.body);
    let team_id = team.body["id"].as_str().unwrap().to_owned();
    let (_, rep_a) = user(&s, &admin, "zhangwei", "rep", Some(&team_id)).await;
    let (_, rep_b) = user(&s, &admin, "lina", "rep", None).await;

    let mine = customer(&rep_a, json!({"name": "张伟的客户"})).await;
    let path = format!("/api/v1/customers/{}", mine["id"].as_str().unwrap());

    // Another rep: as if it did not exist.
    assert_eq!(rep_b.get(&path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        rep_b
            .patch(&path, 1, &json!({"notes": "mine now"}))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(rep_b.delete(&path, 1).await.status, StatusCode::NOT_FOUND);
    assert!(names(&rep_b.get("/api/v1/customers").await.body).is_empty());
    let contacts = rep_b.get(&format!("{path}/contacts")).await;
    assert_eq!(contacts.status, StatusCode::NOT_FOUND);
    let visit = rep_b
        .post(
            "/api/v1/activities",
            &json!({"customer_id": mine["id"], "method": "visit", "content": "x"}),
        )
        .await;
    assert_eq!(visit.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(visit.error_fields(), ["customer_id"]);
    // A rep cannot hand a customer to someone outside their reach.
    let (other_id, _) = user(&s, &admin, "liuyang", "rep", None).await;
    let give = rep_a.patch(&path, 1, &json!({"owner_id": other_id})).await;
    assert_eq!(give.status, StatusCode::FORBIDDEN);

    // The team's manager sees it; the owner sees it; the admin sees it.
    assert_eq!(manager.get(&path).await.status, StatusCode::OK);
    assert_eq!(
        names(&manager.get("/api/v1/customers").await.body),
        ["张伟的客户"]
    );
    assert_eq!(rep_a.get(&path).await.status, StatusCode::OK);
    assert_eq!(
        names(&admin.get("/api/v1/customers").await.body),
        ["张伟的客户"]
    );

    // A rep outside the team stays out of the manager's view.
    customer(&rep_b, json!({"name": "李娜的客户"})).await;
    assert_eq!(
        names(&manager.get("/api/v1/customers").await.body),
        ["张伟的客户"]
    );
}

async fn contacts_are_created_read_updated_and_deleted(s: TestServer) {
    let admin = s.admin().await;
    let c = customer(&admin, json!({"name": "招商银行深圳分行"})).await;
    let cid = c["id"].as_str().unwrap();
    let r = admin.post(&format!("/api/v1/customers/{cid}/contacts"), &json!({
        "name": "王建国", "title": "行政主管", "mobile": "13812345678", "roles": ["decision_maker", "user"],
        "influence": 5, "birthday": {"calendar": "lunar", "month": 8, "day": 15}, "native_place": "湖南长沙",
        "hobbies": "钓鱼"
    })).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["roles"], json!(["user", "decision_maker"]));
    assert_eq!(r.body["birthday"]["calendar"], "lunar");
    let path = format!("/api/v1/contacts/{}", r.body["id"].as_str().unwrap());

    let bad = admin
        .post(
            &format!("/api/v1/customers/{cid}/contacts"),
            &json!({"name": "x", "influence": 9, "roles": ["boss"]}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.error_fields(), ["roles[0]"]);
    let bad = admin
        .post(
            &format!("/api/v1/customers/{cid}/contacts"),
            &json!({"name": "x", "birthday": {"calendar": "solar", "month": 2, "day": 30}}),
        )
        .await;
    assert_eq!(bad.error_fields(), ["birthday"]);

    let list = admin
        .get(&format!("/api/v1/customers/{cid}/contacts"))
        .await;
    assert_eq!(names(&list.body), ["王建国"]);
    let changed = admin
        .patch(&path, 1, &json!({"title": "总经理", "relationship": 4}))
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(changed.body["title"], "总经理");
    assert_eq!(admin.get(&path).await.body["relationship"], 4);
    assert_eq!(admin.delete(&path, 2).await.status, StatusCode::NO_CONTENT);
    assert_eq!(admin.get(&path).await.status, StatusCode::NOT_FOUND);
}

async fn activities_are_logged_listed_updated_and_deleted(s: TestServer) {
    let admin = s.admin().await;
    let c = customer(&admin, json!({"name": "广州今日合作文具"})).await;
    let cid = c["id"].as_str().unwrap();
    let contact = admin
        .post(
            &format!("/api/v1/customers/{cid}/contacts"),
            &json!({"name": "李明"}),
        )
        .await
        .body;
    let other = customer(&admin, json!({"name": "别的公司"})).await;
    let stranger = admin
        .post(
            &format!(
                "/api/v1/customers/{}/contacts",
                other["id"].as_str().unwrap()
            ),
            &json!({"name": "路人"}),
        )
        .await
        .body;

    let r = admin.post("/api/v1/activities", &json!({
        "customer_id": cid, "contact_ids": [contact["id"]], "occurred_at": "2026-11-20T02:00:00Z",
        "method": "visit", "duration_minutes": 45, "content": "拜访采购部，介绍新款复印纸", "attitude": "positive",
        "next_step": "送样品", "next_follow_up": "2026-11-25"
    })).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let path = format!("/api/v1/activities/{}", r.body["id"].as_str().unwrap());
    admin.post("/api/v1/activities", &json!({
        "customer_id": cid, "occurred_at": "2026-11-21T02:00:00Z", "method": "phone", "content": "电话跟进报价"
    })).await;

    let bad = admin
        .post(
            "/api/v1/activities",
            &json!({
                "customer_id": cid, "contact_ids": [stranger["id"]], "method": "fax", "content": ""
            }),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.error_fields(), ["method"]);
    let bad = admin.post("/api/v1/activities", &json!({
        "customer_id": cid, "contact_ids": [stranger["id"]], "method": "visit", "content": "x"
    })).await;
    assert_eq!(bad.error_fields(), ["contact_ids[0]"]);

    let timeline = admin
        .get(&format!("/api/v1/activities?customer_id={cid}"))
        .await
        .body;
    let contents: Vec<_> = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["content"].as_str().unwrap())
        .collect();
    assert_eq!(contents, ["电话跟进报价", "拜访采购部，介绍新款复印纸"]);
    let visits = admin
        .get(&format!(
            "/api/v1/activities?customer_id={cid}&method=visit"
        ))
        .await
        .body;
    assert_eq!(visits["items"].as_array().unwrap().len(), 1);
    let due = admin.get("/api/v1/activities?due_by=2026-11-25").await.body;
    assert_eq!(due["items"].as_array().unwrap().len(), 1);
    let not_yet = admin.get("/api/v1/activities?due_by=2026-11-24").await.body;
    assert!(not_yet["items"].as_array().unwrap().is_empty());
    let range = admin
        .get("/api/v1/activities?from=2026-11-21T00:00:00Z&to=2026-11-22T00:00:00Z")
        .await
        .body;
    assert_eq!(range["items"].as_array().unwrap().len(), 1);

    let changed = admin
        .patch(
            &path,
            1,
            &json!({"progress": "已送样", "next_follow_up": null}),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(changed.body["progress"], "已送样");
    assert_eq!(changed.body["contact_ids"], json!([contact["id"]]));
    assert_eq!(admin.delete(&path, 2).await.status, StatusCode::NO_CONTENT);
    assert_eq!(admin.get(&path).await.status, StatusCode::NOT_FOUND);
}

async fn users_and_teams_are_managed_by_admins_only(s: TestServer) {
    let admin = s.admin().await;
    let (manager_id, manager) = user(&s, &admin, "chenjing", "manager", None).await;
    let team = admin
        .post(
            "/api/v1/teams",
            &json!({"name": "华南销售部", "manager_id": manager_id}),
        )
        .await
        .body;
    let team_path = format!("/api/v1/teams/{}", team["id"].as_str().unwrap());
    let (rep_id, rep) = user(&s, &admin, "yangmin", "rep", team["id"].as_str()).await;
    let rep_path = format!("/api/v1/users/{rep_id}");

    assert_eq!(
        rep.post(
            "/api/v1/users",
            &json!({"username": "x1", "role": "rep", "password": "password-123"})
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        manager
            .patch(&team_path, 1, &json!({"name": "改名"}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let dup = admin
        .post(
            "/api/v1/users",
            &json!({"username": "YangMin", "role": "rep", "password": "password-123"}),
        )
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    let weak = admin
        .post(
            "/api/v1/users",
            &json!({"username": "weak", "role": "rep", "password": "123"}),
        )
        .await;
    assert_eq!(weak.error_fields(), ["password"]);

    assert_eq!(admin.get(&rep_path).await.body["display_name"], "yangmin");
    let renamed = admin
        .patch(&rep_path, 1, &json!({"display_name": "杨敏"}))
        .await;
    assert_eq!(renamed.status, StatusCode::OK);
    assert_eq!(renamed.body["display_name"], "杨敏");
    let team_renamed = admin
        .patch(&team_path, 1, &json!({"name": "华南大区"}))
        .await;
    assert_eq!(team_renamed.body["name"], "华南大区");
    assert_eq!(
        rep.get("/api/v1/teams").await.body["items"][0]["name"],
        "华南大区"
    );

    // A user can change their own password; a deactivated user cannot log in.
    let own = rep
        .send(
            reqwest::Method::PUT,
            &format!("{rep_path}/password"),
            Some(&json!({"password": "new-password-1"})),
            &[],
        )
        .await;
    assert_eq!(own.status, StatusCode::NO_CONTENT);
    s.login("yangmin", "new-password-1").await;
    assert_eq!(
        admin
            .patch(&rep_path, 2, &json!({"active": false}))
            .await
            .status,
        StatusCode::OK
    );
    // The session they had stops working at once.
    assert_eq!(
        rep.get("/api/v1/auth/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    let denied = s
        .anonymous()
        .post(
            "/api/v1/auth/login",
            &json!({"username": "yangmin", "password": "new-password-1"}),
        )
        .await;
    assert_eq!(denied.status, StatusCode::UNAUTHORIZED);

    assert_eq!(
        admin.delete(&team_path, 2).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(admin.get(&rep_path).await.body["team_id"], Value::Null);
    assert_eq!(
        admin.delete(&rep_path, 3).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(admin.get(&rep_path).await.status, StatusCode::NOT_FOUND);
}

async fn every_write_appears_in_the_audit_log(s: TestServer) {
    let admin = s.admin().await;
    let c = customer(&admin, json!({"name": "审计测试公司"})).await;
    let id = c["id"].as_str().unwrap();
    let path = format!("/api/v1/customers/{id}");
    admin.patch(&path, 1, &json!({"province": "广东"})).await;
    let contact = admin
        .post(&format!("{path}/contacts"), &json!({"name": "赵六"}))
        .await
        .body;
    let activity = admin
        .post(
            "/api/v1/activities",
            &json!({"customer_id": id, "method": "phone", "content": "电话"}),
        )
        .await
        .body;
    admin.delete(&path, 2).await;

    let log = admin.get("/api/v1/audit?limit=100").await.body;
    let entries: Vec<(String, String, String)> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().into(),
                e["entity"].as_str().unwrap().into(),
                e["entity_id"].as_str().unwrap().into(),
            )
        })
        .collect();
    let admin_id = admin.get("/api/v1/auth/me").await.body["id"].clone();
    for expected in [
        ("create", "customer", id),
        ("update", "customer", id),
        ("create", "contact", contact["id"].as_str().unwrap()),
        ("create", "activity", activity["id"].as_str().unwrap()),
        ("delete", "customer", id),
    ] {
        assert!(
            entries
                .iter()
                .any(|(a, e, i)| (a.as_str(), e.as_str(), i.as_str()) == expected),
            "{expected:?} missing from {entries:?}"
        );
    }
    let update = admin
        .get(&format!("/api/v1/audit?entity=customer&entity_id={id}"))
        .await
        .body;
    let update = update["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "update")
        .unwrap()
        .clone();
    assert_eq!(
        update["changes"],
        json!({"province": {"from": null, "to": "广东"}})
    );
    assert_eq!(update["actor_id"], admin_id);
}

async fn a_retried_post_with_the_same_idempotency_key_creates_once(s: TestServer) {
    let admin = s.admin().await;
    let body = json!({"name": "幂等测试公司"});
    let first = admin
        .send(
            reqwest::Method::POST,
            "/api/v1/customers",
            Some(&body),
            &[("Idempotency-Key", "k-1")],
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED);
    let again = admin
        .send(
            reqwest::Method::POST,
            "/api/v1/customers",
            Some(&body),
            &[("Idempotency-Key", "k-1")],
        )
        .await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.body["id"], first.body["id"]);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    let other = admin
        .send(
            reqwest::Method::POST,
            "/api/v1/customers",
            Some(&json!({"name": "别的"})),
            &[("Idempotency-Key", "k-1")],
        )
        .await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        names(&admin.get("/api/v1/customers").await.body),
        ["幂等测试公司"]
    );
}

tuoke_testkit::api_tests!(
    health_openapi_and_metrics_answer,
    login_gives_a_token_and_a_wrong_password_does_not,
    repeated_login_attempts_are_rate_limited,
    customers_are_created_read_updated_and_deleted,
    a_stale_if_match_gets_412_and_changes_nothing,
    a_duplicate_customer_is_refused_naming_the_existing_one,
    bad_input_gets_a_problem_naming_each_field,
    search_finds_by_pinyin_initials_and_chinese_substring,
    lists_page_with_a_cursor,
    reps_see_only_their_own_customers_and_managers_their_teams,
    contacts_are_created_read_updated_and_deleted,
    activities_are_logged_listed_updated_and_deleted,
    users_and_teams_are_managed_by_admins_only,
    every_write_appears_in_the_audit_log,
    a_retried_post_with_the_same_idempotency_key_creates_once,
);

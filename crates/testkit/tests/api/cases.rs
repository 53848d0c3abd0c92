//! Development cases over the API: every built-in template walked to the end
//! through its gates, approvals, ending and reopening, lists and the funnel.

use reqwest::StatusCode;
use serde_json::{Value, json};
use tuoke_testkit::server::{Client, TestServer};

use super::{customer, user};

/// A rep in a team whose manager approves gates, and a customer of the rep's
/// with a decision maker and an inside coach among its contacts.
struct Team {
    manager: Client,
    rep: Client,
    customer_id: String,
}

async fn team(s: &TestServer) -> Team {
    let admin = s.admin().await;
    let (manager_id, manager) = user(s, &admin, "wangfang", "manager", None).await;
    let team = admin
        .post(
            "/api/v1/teams",
            &json!({"name": "华东销售部", "manager_id": manager_id}),
        )
        .await;
    assert_eq!(team.status, StatusCode::CREATED, "{}", team.body);
    let (_, rep) = user(s, &admin, "zhangwei", "rep", team.body["id"].as_str()).await;
    let c = customer(&rep, json!({"name": "海信集团", "short_name": "海信"})).await;
    let customer_id = c["id"].as_str().unwrap().to_owned();
    for (name, role) in [("王总", "decision_maker"), ("小李", "inside_coach")] {
        let r = rep
            .post(
                &format!("/api/v1/customers/{customer_id}/contacts"),
                &json!({"name": name, "roles": [role]}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
    }
    Team {
        manager,
        rep,
        customer_id,
    }
}

fn case_path(case: &Value) -> String {
    format!("/api/v1/cases/{}", case["id"].as_str().unwrap())
}

fn version(case: &Value) -> i64 {
    case["version"].as_i64().unwrap()
}

fn unmet_kinds(problem: &Value) -> Vec<(String, String)> {
    problem["unmet"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            let kind = u["kind"].as_str().unwrap().to_owned();
            let what = u["item"]
                .as_str()
                .or(u["field"].as_str())
                .or(u["role"].as_str())
                .unwrap_or("")
                .to_owned();
            (kind, what)
        })
        .collect()
}

/// Every value a case field needs to count as filled.
fn field_value(field: &str) -> Value {
    match field {
        "expected_amount" => json!("500000.00"),
        "expected_cost" => json!("20000.00"),
        "expected_close_date" => json!("2027-03-31"),
        "competitors" => json!("晨光文具"),
        "obstacles" => json!("价格偏高"),
        "next_step" => json!("安排高层拜访"),
        other => panic!("no test value for {other}"),
    }
}

/// Walks a case of `template` from its first stage to won: at each stage the
/// gate first refuses with exactly the missing items and fields, then opens
/// once they are done; a stage needing approval waits for the manager.
async fn walk(t: &Team, template: &str) {
    let spec = t
        .rep
        .get(&format!("/api/v1/process-templates/{template}"))
        .await;
    assert_eq!(spec.status, StatusCode::OK, "{template}");
    let stages = spec.body["template"]["stages"].as_array().unwrap().clone();
    let r = t
        .rep
        .post(
            "/api/v1/cases",
            &json!({"customer_id": t.customer_id, "template": template}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{template}: {}", r.body);
    let mut case = r.body;
    assert_eq!(case["template"]["version"], spec.body["version"]);

    for (i, stage) in stages.iter().enumerate() {
        let key = stage["key"].as_str().unwrap();
        assert_eq!(case["stage"]["key"], key, "{template}");
        let last = i + 1 == stages.len();
        let action = if last { "won" } else { "advance" };
        let required_items: Vec<&str> = stage["checklist"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter(|i| i["required"] == true)
                    .map(|i| i["key"].as_str().unwrap())
                    .collect()
            })
            .unwrap_or_default();
        let fields: Vec<&str> = stage["required_fields"]
            .as_array()
            .map(|f| f.iter().map(|f| f.as_str().unwrap()).collect())
            .unwrap_or_default();
        let missing_fields: Vec<&str> = fields
            .iter()
            .copied()
            .filter(|f| !f.ends_with("_identified") && case[*f].is_null())
            .collect();
        let needs_approval = stage["approval"].is_string();

        if !required_items.is_empty() || !missing_fields.is_empty() {
            let refused = t
                .rep
                .send(
                    reqwest::Method::POST,
                    &format!("{}/{action}", case_path(&case)),
                    None,
                    &[("If-Match", &format!("\"{}\"", version(&case)))],
                )
                .await;
            assert_eq!(
                refused.status,
                StatusCode::CONFLICT,
                "{template}/{key}: {}",
                refused.body
            );
            assert_eq!(refused.body["code"], "gate_closed");
            let unmet = unmet_kinds(&refused.body);
            for item in &required_items {
                assert!(
                    unmet.contains(&("checklist_item".into(), (*item).into())),
                    "{template}/{key}: {item} not in {unmet:?}"
                );
            }
            for field in &missing_fields {
                assert!(
                    unmet.contains(&("field".into(), (*field).into())),
                    "{template}/{key}: {field} not in {unmet:?}"
                );
            }
            assert_eq!(
                t.rep.get(&case_path(&case)).await.body["stage"]["key"],
                key,
                "a refused case stays"
            );
        }
        for item in &required_items {
            let r = t
                .rep
                .send(
                    reqwest::Method::PUT,
                    &format!("{}/checklist/{item}", case_path(&case)),
                    Some(&json!({"done": true})),
                    &[("If-Match", &format!("\"{}\"", version(&case)))],
                )
                .await;
            assert_eq!(
                r.status,
                StatusCode::OK,
                "{template}/{key}/{item}: {}",
                r.body
            );
            case = r.body;
        }
        if !missing_fields.is_empty() {
            let patch: serde_json::Map<String, Value> = missing_fields
                .iter()
                .map(|f| ((*f).to_owned(), field_value(f)))
                .collect();
            let r = t
                .rep
                .patch(&case_path(&case), version(&case), &Value::Object(patch))
                .await;
            assert_eq!(r.status, StatusCode::OK, "{template}/{key}: {}", r.body);
            case = r.body;
        }
        let gate = &case["gate"];
        assert_eq!(
            gate["unmet"].as_array().unwrap().len(),
            usize::from(needs_approval),
            "{template}/{key}: {gate}"
        );

        let r = t
            .rep
            .send(
                reqwest::Method::POST,
                &format!("{}/{action}", case_path(&case)),
                None,
                &[("If-Match", &format!("\"{}\"", version(&case)))],
            )
            .await;
        if needs_approval {
            assert_eq!(
                r.status,
                StatusCode::ACCEPTED,
                "{template}/{key}: {}",
                r.body
            );
            case = r.body;
            assert_eq!(case["stage"]["key"], key);
            let approval = case["approval"].clone();
            assert_eq!(approval["status"], "pending");
            // Asking again while it is pending is refused.
            let again = t
                .rep
                .send(
                    reqwest::Method::POST,
                    &format!("{}/{action}", case_path(&case)),
                    None,
                    &[("If-Match", &format!("\"{}\"", version(&case)))],
                )
                .await;
            assert_eq!(again.status, StatusCode::CONFLICT);
            assert_eq!(
                unmet_kinds(&again.body),
                [("approval".to_owned(), "manager".to_owned())]
            );
            let inbox = t.manager.get("/api/v1/approvals").await.body;
            assert!(
                inbox["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|a| a["id"] == approval["id"])
            );
            let decided = t
                .manager
                .post(
                    &format!(
                        "/api/v1/approvals/{}/approve",
                        approval["id"].as_str().unwrap()
                    ),
                    &json!({"comment": "同意"}),
                )
                .await;
            assert_eq!(decided.status, StatusCode::OK, "{}", decided.body);
            case = decided.body["case"].clone();
        } else {
            assert_eq!(r.status, StatusCode::OK, "{template}/{key}: {}", r.body);
            case = r.body;
        }
        if last {
            assert_eq!(case["status"], "won", "{template}");
        } else {
            assert_eq!(case["stage"]["key"], stages[i + 1]["key"], "{template}");
        }
    }
    let history = t
        .rep
        .get(&format!("{}/history", case_path(&case)))
        .await
        .body;
    let kinds: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.first(), Some(&"created"));
    assert_eq!(kinds.last(), Some(&"won"));
    assert_eq!(
        kinds.iter().filter(|k| **k == "advanced").count(),
        stages.len() - 1,
        "{template}: {kinds:?}"
    );
}

async fn every_builtin_template_walks_from_first_stage_to_won(s: TestServer) {
    let t = team(&s).await;
    let templates = t.rep.get("/api/v1/process-templates").await.body;
    let keys: Vec<String> = templates
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["key"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(keys.len(), 10, "{keys:?}");
    for key in keys {
        walk(&t, &key).await;
    }
}

async fn a_rejected_gate_keeps_the_case_with_the_reason(s: TestServer) {
    let t = team(&s).await;
    let mut case = t
        .rep
        .post(
            "/api/v1/cases",
            &json!({"customer_id": t.customer_id, "template": "big_account_five_stages",
        "expected_amount": "800000", "obstacles": "预算", "expected_cost": "5000"}),
        )
        .await
        .body;
    // Through the first two stages.
    for _ in 0..2 {
        for item in case["checklist"].as_array().unwrap().clone() {
            if item["required"] == true {
                case = t
                    .rep
                    .send(
                        reqwest::Method::PUT,
                        &format!(
                            "{}/checklist/{}",
                            case_path(&case),
                            item["key"].as_str().unwrap()
                        ),
                        Some(&json!({"done": true})),
                        &[("If-Match", &format!("\"{}\"", version(&case)))],
                    )
                    .await
                    .body;
            }
        }
        case = t
            .rep
            .send(
                reqwest::Method::POST,
                &format!("{}/advance", case_path(&case)),
                None,
                &[("If-Match", &format!("\"{}\"", version(&case)))],
            )
            .await
            .body;
    }
    assert_eq!(case["stage"]["key"], "value_assessment");
    for item in case["checklist"].as_array().unwrap().clone() {
        case = t
            .rep
            .send(
                reqwest::Method::PUT,
                &format!(
                    "{}/checklist/{}",
                    case_path(&case),
                    item["key"].as_str().unwrap()
                ),
                Some(&json!({"done": true})),
                &[("If-Match", &format!("\"{}\"", version(&case)))],
            )
            .await
            .body;
    }
    let r = t
        .rep
        .send(
            reqwest::Method::POST,
            &format!("{}/advance", case_path(&case)),
            None,
            &[("If-Match", &format!("\"{}\"", version(&case)))],
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    let approval_id = r.body["approval"]["id"].as_str().unwrap().to_owned();

    let own = t
        .rep
        .post(
            &format!("/api/v1/approvals/{approval_id}/approve"),
            &json!({}),
        )
        .await;
    assert_eq!(
        own.status,
        StatusCode::FORBIDDEN,
        "the requester cannot approve"
    );
    let no_reason = t
        .manager
        .post(
            &format!("/api/v1/approvals/{approval_id}/reject"),
            &json!({}),
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    let rejected = t
        .manager
        .post(
            &format!("/api/v1/approvals/{approval_id}/reject"),
            &json!({"comment": "费用预估不足"}),
        )
        .await;
    assert_eq!(rejected.status, StatusCode::OK, "{}", rejected.body);
    assert_eq!(rejected.body["approval"]["status"], "rejected");
    assert_eq!(rejected.body["case"]["stage"]["key"], "value_assessment");
    let history = t
        .rep
        .get(&format!("{}/history", case_path(&case)))
        .await
        .body;
    let last = history.as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["kind"].as_str(), last["comment"].as_str()),
        (Some("rejected"), Some("费用预估不足"))
    );
    // After a rejection the rep can ask again.
    let case = t.rep.get(&case_path(&case)).await.body;
    let again = t
        .rep
        .send(
            reqwest::Method::POST,
            &format!("{}/advance", case_path(&case)),
            None,
            &[("If-Match", &format!("\"{}\"", version(&case)))],
        )
        .await;
    assert_eq!(again.status, StatusCode::ACCEPTED);
}

async fn a_case_is_terminated_with_a_reason_and_a_manager_reopens_it(s: TestServer) {
    let t = team(&s).await;
    let case = t
        .rep
        .post(
            "/api/v1/cases",
            &json!({"customer_id": t.customer_id, "template": "big_account_five_stages"}),
        )
        .await
        .body;
    let path = case_path(&case);
    let no_reason = t
        .rep
        .send(
            reqwest::Method::POST,
            &format!("{path}/terminate"),
            Some(&json!({})),
            &[("If-Match", "\"1\"")],
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(no_reason.body["errors"][0]["field"], "reason");
    let ended = t
        .rep
        .send(
            reqwest::Method::POST,
            &format!("{path}/terminate"),
            Some(&json!({"reason": "无潜在需求"})),
            &[("If-Match", "\"1\"")],
        )
        .await;
    assert_eq!(ended.status, StatusCode::OK);
    assert_eq!(ended.body["status"], "terminated");
    assert_eq!(ended.body["outcome_reason"], "无潜在需求");
    let v = version(&ended.body);
    let by_rep = t
        .rep
        .send(
            reqwest::Method::POST,
            &format!("{path}/reopen"),
            Some(&json!({"reason": "客户重新询价"})),
            &[("If-Match", &format!("\"{v}\""))],
        )
        .await;
    assert_eq!(by_rep.status, StatusCode::FORBIDDEN);
    let reopened = t
        .manager
        .send(
            reqwest::Method::POST,
            &format!("{path}/reopen"),
            Some(&json!({"reason": "客户重新询价"})),
            &[("If-Match", &format!("\"{v}\""))],
        )
        .await;
    assert_eq!(reopened.status, StatusCode::OK, "{}", reopened.body);
    assert_eq!(reopened.body["status"], "open");
    assert_eq!(reopened.body["stage"]["key"], "identify");
    let lost = t
        .rep
        .send(
            reqwest::Method::POST,
            &format!("{path}/lost"),
            Some(&json!({"reason": "被竞争对手抢单"})),
            &[("If-Match", &format!("\"{}\"", version(&reopened.body)))],
        )
        .await;
    assert_eq!(lost.body["status"], "lost");
    let history: Vec<String> = t
        .rep
        .get(&format!("{path}/history"))
        .await
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(history, ["created", "terminated", "reopened", "lost"]);
    let audit = s
        .admin()
        .await
        .get(&format!(
            "/api/v1/audit?entity=case&entity_id={}",
            case["id"].as_str().unwrap()
        ))
        .await
        .body;
    assert!(audit["items"].as_array().unwrap().len() >= 4);
}

async fn another_reps_case_answers_as_if_it_did_not_exist(s: TestServer) {
    let t = team(&s).await;
    let admin = s.admin().await;
    let (_, other) = user(&s, &admin, "lina", "rep", None).await;
    let case = t
        .rep
        .post(
            "/api/v1/cases",
            &json!({"customer_id": t.customer_id, "template": "big_account_five_stages"}),
        )
        .await
        .body;
    assert_eq!(
        other.get(&case_path(&case)).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(
        other.get("/api/v1/cases").await.body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let r = other
        .post(
            "/api/v1/cases",
            &json!({"customer_id": t.customer_id, "template": "big_account_five_stages"}),
        )
        .await;
    assert_eq!(r.error_fields(), ["customer_id"]);
    assert_eq!(
        t.manager.get(&case_path(&case)).await.status,
        StatusCode::OK
    );
}

async fn bad_case_input_names_the_field(s: TestServer) {
    let t = team(&s).await;
    let r = t.rep.post("/api/v1/cases", &json!({})).await;
    assert_eq!(r.error_fields(), ["customer_id", "template"]);
    let r = t
        .rep
        .post(
            "/api/v1/cases",
            &json!({"customer_id": t.customer_id, "template": "nope"}),
        )
        .await;
    assert_eq!(r.error_fields(), ["template"]);
    let r = t.rep.post("/api/v1/cases", &json!({"customer_id": t.customer_id, "template": "big_account_five_stages", "expected_amount": "-1"})).await;
    assert_eq!(r.error_fields(), ["expected_amount"]);
    let case = t
        .rep
        .post(
            "/api/v1/cases",
            &json!({"customer_id": t.customer_id, "template": "big_account_five_stages"}),
        )
        .await
        .body;
    let r = t
        .rep
        .send(
            reqwest::Method::PUT,
            &format!("{}/checklist/nope", case_path(&case)),
            Some(&json!({"done": true})),
            &[("If-Match", "\"1\"")],
        )
        .await;
    assert_eq!(r.error_fields(), ["item"]);
    let r = t
        .rep
        .send(
            reqwest::Method::POST,
            &format!("{}/advance", case_path(&case)),
            Some(&json!({"to": "close"})),
            &[("If-Match", "\"1\"")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "no skipping: {}", r.body);
    let stale = t
        .rep
        .send(
            reqwest::Method::POST,
            &format!("{}/advance", case_path(&case)),
            None,
            &[("If-Match", "\"7\"")],
        )
        .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
}

async fn a_new_template_version_applies_to_new_cases_only(s: TestServer) {
    let t = team(&s).await;
    let admin = s.admin().await;
    let source = |stage_name: &str| {
        format!(
            "key = \"quick\"\nname = {{ zh = \"快速流程\", en = \"Quick\" }}\napplies_to = \"customer_development\"\n[[stages]]\nkey = \"only\"\nname = {{ zh = \"{stage_name}\", en = \"Only\" }}\n"
        )
    };
    let bad = admin
        .post(
            "/api/v1/process-templates",
            &json!({"source": "key = \"quick\"\nstages = 3\n"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("line "),
        "{}",
        bad.body
    );
    let by_rep = t
        .rep
        .post(
            "/api/v1/process-templates",
            &json!({"source": source("一")}),
        )
        .await;
    assert_eq!(by_rep.status, StatusCode::FORBIDDEN);
    let v1 = admin
        .post(
            "/api/v1/process-templates",
            &json!({"source": source("第一版")}),
        )
        .await;
    assert_eq!(
        (v1.status, v1.body["version"].as_i64()),
        (StatusCode::CREATED, Some(1))
    );
    let old = t
        .rep
        .post(
            "/api/v1/cases",
            &json!({"customer_id": t.customer_id, "template": "quick"}),
        )
        .await
        .body;
    let v2 = admin
        .post(
            "/api/v1/process-templates",
            &json!({"source": source("第二版")}),
        )
        .await;
    assert_eq!(v2.body["version"], 2);
    let new = t
        .rep
        .post(
            "/api/v1/cases",
            &json!({"customer_id": t.customer_id, "template": "quick"}),
        )
        .await
        .body;
    assert_eq!(
        (
            old["template"]["version"].as_i64(),
            old["stage"]["name"]["zh"].as_str()
        ),
        (Some(1), Some("第一版"))
    );
    assert_eq!(
        (
            new["template"]["version"].as_i64(),
            new["stage"]["name"]["zh"].as_str()
        ),
        (Some(2), Some("第二版"))
    );
    assert_eq!(
        t.rep.get(&case_path(&old)).await.body["stage"]["name"]["zh"],
        "第一版"
    );
    assert_eq!(
        admin
            .get("/api/v1/process-templates/quick?version=1")
            .await
            .body["version"],
        1
    );
}

async fn overdue_and_due_soon_cases_are_listed(s: TestServer) {
    let t = team(&s).await;
    // Stage one of the five-stage process has 10 working days: due, but not overdue.
    let case = t.rep.post("/api/v1/cases", &json!({"customer_id": t.customer_id, "template": "big_account_five_stages", "expected_amount": "1000"})).await.body;
    assert!(case["stage"]["due_at"].is_string());
    assert_eq!(case["stage"]["overdue"], false);
    assert!(
        t.rep.get("/api/v1/cases?overdue=true").await.body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        t.rep.get("/api/v1/cases?due_within_days=15").await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert!(
        t.rep.get("/api/v1/cases?due_within_days=1").await.body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        t.rep
            .get("/api/v1/cases?amount_min=500&amount_max=2000")
            .await
            .body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert!(
        t.rep.get("/api/v1/cases?amount_min=5000").await.body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        t.rep
            .get("/api/v1/cases?template=big_account_five_stages&stage=identify")
            .await
            .body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

async fn the_funnel_counts_open_cases_and_conversions(s: TestServer) {
    let t = team(&s).await;
    let mut cases = Vec::new();
    for amount in ["100000", "300000"] {
        cases.push(t.rep.post("/api/v1/cases", &json!({"customer_id": t.customer_id, "template": "big_account_five_stages", "expected_amount": amount})).await.body);
    }
    // Move the first case to stage two.
    let mut case = cases[0].clone();
    for item in case["checklist"].as_array().unwrap().clone() {
        if item["required"] == true {
            case = t
                .rep
                .send(
                    reqwest::Method::PUT,
                    &format!(
                        "{}/checklist/{}",
                        case_path(&case),
                        item["key"].as_str().unwrap()
                    ),
                    Some(&json!({"done": true})),
                    &[("If-Match", &format!("\"{}\"", version(&case)))],
                )
                .await
                .body;
        }
    }
    let r = t
        .rep
        .send(
            reqwest::Method::POST,
            &format!("{}/advance", case_path(&case)),
            None,
            &[("If-Match", &format!("\"{}\"", version(&case)))],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let report = t
        .manager
        .get("/api/v1/reports/funnel?template=big_account_five_stages")
        .await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.body);
    let stages = report.body["stages"].as_array().unwrap();
    assert_eq!(
        (
            stages[0]["open_cases"].as_u64(),
            stages[0]["open_amount"].as_str()
        ),
        (Some(1), Some("300000.00"))
    );
    assert_eq!(stages[0]["weighted_amount"], "30000.00");
    assert_eq!(stages[0]["reached"], 2);
    assert_eq!(stages[0]["conversion_to_next"], "0.5");
    assert_eq!(
        (
            stages[1]["open_cases"].as_u64(),
            stages[1]["weighted_amount"].as_str()
        ),
        (Some(1), Some("25000.00"))
    );
    assert_eq!(report.body["open_amount"], "400000.00");
    let missing = t.manager.get("/api/v1/reports/funnel").await;
    assert_eq!(missing.error_fields(), ["template"]);
}

async fn the_calendar_ships_prc_holidays_and_admins_edit_it(s: TestServer) {
    let admin = s.admin().await;
    let days = admin.get("/api/v1/calendar").await.body;
    assert!(
        days.as_array()
            .unwrap()
            .iter()
            .any(|d| d["date"] == "2026-10-01"
                && d["kind"] == "holiday"
                && d["source"] == "official")
    );
    let r = admin
        .send(
            reqwest::Method::PUT,
            "/api/v1/calendar/2026-12-31",
            Some(&json!({"kind": "holiday", "name": "公司年会"})),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = admin
        .send(
            reqwest::Method::PUT,
            "/api/v1/calendar/2026-10-08",
            Some(&json!({"kind": "workday", "name": "取消假期"})),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let days = admin.get("/api/v1/calendar").await.body;
    let oct8: Vec<_> = days
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["date"] == "2026-10-08")
        .collect();
    assert_eq!(oct8.len(), 1);
    assert_eq!(oct8[0]["source"], "admin");
    assert_eq!(
        admin
            .send(
                reqwest::Method::DELETE,
                "/api/v1/calendar/2026-12-31",
                None,
                &[]
            )
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        admin
            .send(
                reqwest::Method::DELETE,
                "/api/v1/calendar/2026-12-31",
                None,
                &[]
            )
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let t = team(&s).await;
    let r = t
        .rep
        .send(
            reqwest::Method::PUT,
            "/api/v1/calendar/2026-12-30",
            Some(&json!({"kind": "holiday", "name": "x"})),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = admin
        .send(
            reqwest::Method::PUT,
            "/api/v1/calendar/2026-13-01",
            Some(&json!({"kind": "holiday", "name": "x"})),
            &[],
        )
        .await;
    assert_eq!(r.error_fields(), ["date"]);
}

tuoke_testkit::api_tests!(
    every_builtin_template_walks_from_first_stage_to_won,
    a_rejected_gate_keeps_the_case_with_the_reason,
    a_case_is_terminated_with_a_reason_and_a_manager_reopens_it,
    another_reps_case_answers_as_if_it_did_not_exist,
    bad_case_input_names_the_field,
    a_new_template_version_applies_to_new_cases_only,
    overdue_and_due_soon_cases_are_listed,
    the_funnel_counts_open_cases_and_conversions,
    the_calendar_ships_prc_holidays_and_admins_edit_it,
);

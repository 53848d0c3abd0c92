//! Forms, credit and financial analysis over the API.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tuoke_testkit::server::{Client, TestServer};

use super::{customer, user};

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
    let (_, rep) = user(s, &admin, "zhangwei", "rep", team.body["id"].as_str()).await;
    let c = customer(&rep, json!({"name": "海信集团"})).await;
    Team {
        manager,
        rep,
        customer_id: c["id"].as_str().unwrap().to_owned(),
    }
}

/// The hand-worked answers of the credit-grade scoring form (core tests): 94.62, AAA.
fn credit_answers(lawsuits: bool) -> Value {
    json!({
        "years_in_business": 12, "registered_capital": "800", "nature": "state_or_listed",
        "current_assets": 300, "current_liabilities": 150, "profitability": "strong",
        "payment_record": "on_time", "monthly_purchase": 8, "lawsuits": lawsuits, "reputation": "good"
    })
}

async fn every_builtin_form_is_listed_and_shown(s: TestServer) {
    let t = team(&s).await;
    let forms = t.rep.get("/api/v1/form-templates").await.body;
    let keys: Vec<&str> = forms
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["key"].as_str().unwrap())
        .collect();
    for key in [
        "prospect_qualification",
        "credit_grade_scoring",
        "risky_company_check",
        "problem_customer_check",
        "key_customer_promotion",
        "market_penetration",
        "credit_investigation",
        "credit_status_check",
        "credit_standing",
    ] {
        assert!(keys.contains(&key), "{key} missing from {keys:?}");
        let f = t.rep.get(&format!("/api/v1/form-templates/{key}")).await;
        assert_eq!(f.status, StatusCode::OK);
        assert!(
            f.body["template"]["sections"]
                .as_array()
                .is_some_and(|s| !s.is_empty())
        );
    }
}

async fn a_filled_form_is_scored_graded_and_listed_on_the_customer(s: TestServer) {
    let t = team(&s).await;
    let r = t.rep.post("/api/v1/forms", &json!({"template": "credit_grade_scoring", "customer_id": t.customer_id, "answers": credit_answers(false)})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(
        (r.body["score"].as_str(), r.body["grade"].as_str()),
        (Some("94.62"), Some("AAA"))
    );
    assert_eq!(r.body["template_version"], 1);
    let ratio = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["item"] == "current_ratio")
        .unwrap()
        .clone();
    assert_eq!(ratio["value"], "2");

    let capped = t.rep.post("/api/v1/forms", &json!({"template": "credit_grade_scoring", "customer_id": t.customer_id, "answers": credit_answers(true)})).await;
    assert_eq!(
        (
            capped.body["grade"].as_str(),
            capped.body["capped"].as_bool()
        ),
        (Some("B"), Some(true))
    );
    assert_eq!(capped.body["red_flags"], json!(["lawsuits"]));

    let list = t
        .rep
        .get(&format!("/api/v1/customers/{}/forms", t.customer_id))
        .await
        .body;
    let grades: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["grade"].as_str().unwrap())
        .collect();
    assert_eq!(grades, ["B", "AAA"], "newest first");
    let shown = t
        .rep
        .get(&format!("/api/v1/forms/{}", r.body["id"].as_str().unwrap()))
        .await;
    assert_eq!(shown.body["grade"], "AAA");
}

async fn bad_answers_are_each_named(s: TestServer) {
    let t = team(&s).await;
    let r = t
        .rep
        .post(
            "/api/v1/forms",
            &json!({"template": "credit_grade_scoring", "customer_id": t.customer_id,
        "answers": {"years_in_business": "many", "nature": "alien", "colour": 1}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = r.error_fields();
    for f in [
        "answers.years_in_business",
        "answers.nature",
        "answers.colour",
        "answers.lawsuits",
        "answers.payment_record",
    ] {
        assert!(fields.contains(&f.to_owned()), "{f} not in {fields:?}");
    }
    let r = t
        .rep
        .post(
            "/api/v1/forms",
            &json!({"template": "nope", "customer_id": t.customer_id, "answers": {}}),
        )
        .await;
    assert_eq!(r.error_fields(), ["template"]);
    let r = t
        .rep
        .post(
            "/api/v1/forms",
            &json!({"template": "new_product_review", "customer_id": t.customer_id, "answers": {}}),
        )
        .await;
    assert_eq!(r.error_fields(), ["case_id"]);
    let admin = s.admin().await;
    let (_, other) = user(&s, &admin, "lina", "rep", None).await;
    let r = other.post("/api/v1/forms", &json!({"template": "credit_grade_scoring", "customer_id": t.customer_id, "answers": credit_answers(false)})).await;
    assert_eq!(
        r.error_fields(),
        ["customer_id"],
        "another rep's customer is unknown"
    );
}

async fn a_rating_raises_a_credit_change_that_the_manager_approves(s: TestServer) {
    let t = team(&s).await;
    let r = t.rep.post("/api/v1/forms", &json!({"template": "credit_grade_scoring", "customer_id": t.customer_id, "answers": credit_answers(false)})).await;
    assert_eq!(r.body["outcome"]["kind"], "credit_grade_proposed");
    assert_eq!(r.body["outcome"]["grade"], "AAA");
    let credit = t
        .rep
        .get(&format!("/api/v1/customers/{}/credit", t.customer_id))
        .await
        .body;
    assert_eq!(
        (credit["grade"].clone(), credit["proposed_grade"].as_str()),
        (Value::Null, Some("AAA"))
    );
    let change = credit["open_change"].clone();
    assert_eq!(
        (change["status"].as_str(), change["to_grade"].as_str()),
        (Some("draft"), Some("AAA"))
    );
    let id = change["id"].as_str().unwrap();

    let submitted = t
        .rep
        .post(
            &format!("/api/v1/credit-changes/{id}/submit"),
            &json!({"reason": "首次评级"}),
        )
        .await;
    assert_eq!(submitted.status, StatusCode::OK, "{}", submitted.body);
    assert_eq!(submitted.body["status"], "submitted");
    assert!(submitted.body["verify_due_at"].is_string());
    let by_rep = t
        .rep
        .post(&format!("/api/v1/credit-changes/{id}/approve"), &json!({}))
        .await;
    assert_eq!(
        by_rep.status,
        StatusCode::FORBIDDEN,
        "only the verifier decides"
    );
    let mine = t.manager.get("/api/v1/credit-changes?mine=true").await.body;
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    let approved = t
        .manager
        .post(
            &format!("/api/v1/credit-changes/{id}/approve"),
            &json!({"review_opinion": "情况属实"}),
        )
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    let credit = t
        .rep
        .get(&format!("/api/v1/customers/{}/credit", t.customer_id))
        .await
        .body;
    assert_eq!(
        (
            credit["grade"].as_str(),
            credit["proposed_grade"].clone(),
            credit["open_change"].clone()
        ),
        (Some("AAA"), Value::Null, Value::Null)
    );

    // A manual request below the current grade, rejected with a reason.
    let manual = t
        .rep
        .post(
            "/api/v1/credit-changes",
            &json!({"customer_id": t.customer_id, "to_grade": "B", "reason": "回款变慢"}),
        )
        .await;
    assert_eq!(manual.status, StatusCode::CREATED, "{}", manual.body);
    let mid = manual.body["id"].as_str().unwrap();
    let no_reason = t
        .manager
        .post(&format!("/api/v1/credit-changes/{mid}/reject"), &json!({}))
        .await;
    assert_eq!(no_reason.error_fields(), ["review_opinion"]);
    let rejected = t
        .manager
        .post(
            &format!("/api/v1/credit-changes/{mid}/reject"),
            &json!({"review_opinion": "证据不足"}),
        )
        .await;
    assert_eq!(rejected.body["status"], "rejected");
    let credit = t
        .rep
        .get(&format!("/api/v1/customers/{}/credit", t.customer_id))
        .await
        .body;
    assert_eq!(credit["grade"], "AAA");
}

async fn a_request_past_its_deadline_is_flagged_and_notified(s: TestServer) {
    let t = team(&s).await;
    t.rep.post("/api/v1/forms", &json!({"template": "credit_grade_scoring", "customer_id": t.customer_id, "answers": credit_answers(true)})).await;
    assert!(
        t.rep.get("/api/v1/credit-changes?overdue=true").await.body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(s.app.sweep_credit_deadlines(s.app.now()).await.unwrap(), 0);

    // A week later, with no submission: the 2-working-day deadline has passed.
    s.clock.advance(chrono::Duration::days(7));
    let overdue = t.rep.get("/api/v1/credit-changes?overdue=true").await.body;
    let items = overdue["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["overdue"], "submit");
    assert_eq!(
        s.app.sweep_credit_deadlines(s.app.now()).await.unwrap(),
        2,
        "the owner and the manager"
    );
    assert_eq!(
        s.app.sweep_credit_deadlines(s.app.now()).await.unwrap(),
        0,
        "once per person and deadline"
    );
    let inbox = t
        .manager
        .get("/api/v1/notifications?unread=true")
        .await
        .body;
    let note = inbox["items"][0].clone();
    assert!(
        note["text"].as_str().unwrap().contains("海信集团"),
        "{note}"
    );
    let read = t
        .manager
        .send(
            Method::POST,
            &format!(
                "/api/v1/notifications/{}/read",
                note["id"].as_str().unwrap()
            ),
            None,
            &[],
        )
        .await;
    assert_eq!(read.status, StatusCode::NO_CONTENT);
    assert!(
        t.manager
            .get("/api/v1/notifications?unread=true")
            .await
            .body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

async fn financial_ratios_are_computed_with_a_missing_figure_said_so(s: TestServer) {
    let t = team(&s).await;
    let path = format!("/api/v1/customers/{}/financials", t.customer_id);
    // Worked by hand in the core tests: 2.00, 1.40, 5.00 %, 7.50 %, 60.83 days, 36.50 days.
    let r = t.rep.post(&path, &json!({"period_start": "2025-01-01", "period_end": "2025-12-31",
        "current_assets": "3000000", "current_liabilities": "1500000", "revenue": "12000000", "net_profit": "600000",
        "total_assets": "8000000", "accounts_receivable": "2000000", "inventory": "900000", "cost_of_goods_sold": "9000000"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let value = |body: &Value, key: &str| {
        body["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["indicator"] == key)
            .unwrap()
            .clone()
    };
    for (key, expected) in [
        ("current_ratio", "2.00"),
        ("quick_ratio", "1.40"),
        ("net_profit_margin", "5.00"),
        ("return_on_assets", "7.50"),
        ("receivable_days", "60.83"),
        ("inventory_days", "36.50"),
    ] {
        assert_eq!(value(&r.body, key)["value"], expected, "{key}");
    }
    let partial = t.rep.post(&path, &json!({"period_start": "2026-01-01", "period_end": "2026-06-30",
        "current_assets": "3600000", "revenue": "0", "net_profit": "-100000", "total_assets": "8000000"})).await;
    assert_eq!(partial.status, StatusCode::CREATED);
    let ratio = value(&partial.body, "current_ratio");
    assert_eq!(
        (
            ratio["value"].clone(),
            ratio["unavailable"]["reason"].as_str()
        ),
        (Value::Null, Some("missing"))
    );
    assert_eq!(
        ratio["unavailable"]["figures"],
        json!(["current_liabilities"])
    );
    assert_eq!(
        value(&partial.body, "net_profit_margin")["unavailable"]["reason"],
        "zero_denominator"
    );
    assert_eq!(value(&partial.body, "return_on_assets")["value"], "-1.25");

    let dup = t
        .rep
        .post(
            &path,
            &json!({"period_start": "2025-01-01", "period_end": "2025-12-31"}),
        )
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    let bad = t
        .rep
        .post(
            &path,
            &json!({"period_start": "2025-02-01", "period_end": "2025-01-01", "inventory": "-5"}),
        )
        .await;
    let mut fields = bad.error_fields();
    fields.sort();
    assert_eq!(fields, ["inventory", "period_end"]);

    let all = t.rep.get(&path).await.body;
    assert_eq!(all["periods"].as_array().unwrap().len(), 2);
    let trend = all["trend"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["indicator"] == "return_on_assets")
        .unwrap()
        .clone();
    assert_eq!(trend["change"], "-8.75");
}

async fn credit_terms_are_set_by_managers_only(s: TestServer) {
    let t = team(&s).await;
    let path = format!("/api/v1/customers/{}/credit", t.customer_id);
    let by_rep = t
        .rep
        .send(
            Method::PATCH,
            &path,
            Some(&json!({"limit": "200000", "payment_terms_days": 60})),
            &[("If-Match", "\"0\"")],
        )
        .await;
    assert_eq!(by_rep.status, StatusCode::FORBIDDEN);
    let set = t
        .manager
        .send(
            Method::PATCH,
            &path,
            Some(&json!({"limit": "200000", "payment_terms_days": 60})),
            &[("If-Match", "\"0\"")],
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    assert_eq!(
        (
            set.body["limit"].as_str(),
            set.body["payment_terms_days"].as_u64()
        ),
        (Some("200000.00"), Some(60))
    );
    let stale = t
        .manager
        .send(
            Method::PATCH,
            &path,
            Some(&json!({"limit": "1"})),
            &[("If-Match", "\"0\"")],
        )
        .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    let bad = t
        .manager
        .send(
            Method::PATCH,
            &path,
            Some(&json!({"payment_terms_days": 400})),
            &[("If-Match", "\"1\"")],
        )
        .await;
    assert_eq!(bad.error_fields(), ["payment_terms_days"]);
}

async fn a_stage_requiring_a_form_grade_opens_only_once_such_a_form_is_filled(s: TestServer) {
    let t = team(&s).await;
    let admin = s.admin().await;
    let source = "key = \"rated_deal\"\nname = { zh = \"评级后成交\", en = \"Rated deal\" }\napplies_to = \"customer_development\"\n\
        [[stages]]\nkey = \"rate\"\nname = { zh = \"评级\", en = \"Rate\" }\n\
        required_forms = [{ form = \"credit_grade_scoring\", min_grade = \"A\" }]\n\
        [[stages]]\nkey = \"deal\"\nname = { zh = \"成交\", en = \"Deal\" }\n";
    assert_eq!(
        admin
            .post("/api/v1/process-templates", &json!({"source": source}))
            .await
            .status,
        StatusCode::CREATED
    );
    let case = t
        .rep
        .post(
            "/api/v1/cases",
            &json!({"customer_id": t.customer_id, "template": "rated_deal"}),
        )
        .await
        .body;
    let path = format!("/api/v1/cases/{}", case["id"].as_str().unwrap());
    let unmet = &case["gate"]["unmet"];
    assert_eq!(unmet[0]["kind"], "form");
    assert_eq!(
        (unmet[0]["form"].as_str(), unmet[0]["min_grade"].as_str()),
        (Some("credit_grade_scoring"), Some("A"))
    );

    // A grade below A does not open the gate.
    let low = t.rep.post("/api/v1/forms", &json!({"template": "credit_grade_scoring", "case_id": case["id"], "answers": credit_answers(true)})).await;
    assert_eq!(low.status, StatusCode::CREATED, "{}", low.body);
    assert_eq!(
        low.body["case_id"],
        Value::Null,
        "a customer form reached from a case is the customer's"
    );
    let refused = t
        .rep
        .send(
            Method::POST,
            &format!("{path}/advance"),
            None,
            &[("If-Match", "\"1\"")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(refused.body["unmet"][0]["kind"], "form");

    t.rep.post("/api/v1/forms", &json!({"template": "credit_grade_scoring", "customer_id": t.customer_id, "answers": credit_answers(false)})).await;
    let moved = t
        .rep
        .send(
            Method::POST,
            &format!("{path}/advance"),
            None,
            &[("If-Match", "\"1\"")],
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    assert_eq!(moved.body["stage"]["key"], "deal");
}

tuoke_testkit::api_tests!(
    every_builtin_form_is_listed_and_shown,
    a_filled_form_is_scored_graded_and_listed_on_the_customer,
    bad_answers_are_each_named,
    a_rating_raises_a_credit_change_that_the_manager_approves,
    a_request_past_its_deadline_is_flagged_and_notified,
    financial_ratios_are_computed_with_a_missing_figure_said_so,
    credit_terms_are_set_by_managers_only,
    a_stage_requiring_a_form_grade_opens_only_once_such_a_form_is_filled,
);

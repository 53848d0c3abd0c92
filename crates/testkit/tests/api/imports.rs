//! `POST /api/v1/imports`: customers, contacts and follow-up records from
//! files, all or nothing, re-imports that update instead of duplicating.

use reqwest::StatusCode;
use serde_json::{Value, json};
use tuoke_testkit::server::{Client, TestServer};

async fn import(client: &Client, kind: &str, extra: &str, csv: &str) -> (StatusCode, Value) {
    let r = client
        .post_bytes(
            &format!("/api/v1/imports?kind={kind}{extra}"),
            csv.as_bytes().to_vec(),
            "text/csv; charset=utf-8",
        )
        .await;
    (r.status, r.body)
}

fn counts(report: &Value) -> (u64, u64, u64) {
    (
        report["created"].as_u64().unwrap(),
        report["updated"].as_u64().unwrap(),
        report["unchanged"].as_u64().unwrap(),
    )
}

/// The rejected rows of an import's problem: each line with one of its
/// fields (`column` or `reason`).
fn rejected<'a>(problem: &'a Value, field: &str) -> Vec<(u64, &'a str)> {
    problem["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["line"].as_u64().unwrap(), r[field].as_str().unwrap()))
        .collect()
}

const CUSTOMERS: &str =
    "客户名称,简称,地区\n深圳市瑞丰电子科技有限公司,瑞丰,广东 深圳\n青岛海信集团,海信,山东 青岛\n";
const CONTACTS: &str = "客户名称,姓名,职务,手机,角色,生日\n\
深圳市瑞丰电子科技有限公司,张伟,采购经理,13800138000,决策者、内线,农历 04-05\n\
深圳市瑞丰电子科技有限公司,李娜,工程师,,技术论证者,1990-06-01\n\
青岛海信集团,王芳,总经理,,,\n";
const VISITS: &str = "客户名称,日期和时间,访问对象,滞留时间,开发方式,内容,业务进度,客户态度\n\
深圳市瑞丰电子科技有限公司,2026-03-05 14:30,张伟、李娜,1小时,上门拜访,介绍新品,送样,积极\n\
青岛海信集团,2026/3/6 9:00,王芳,30,电话,约拜访,,中立\n";

async fn customers_contacts_and_visits_import_and_reimport_without_duplicates(s: TestServer) {
    let admin = s.admin().await;
    let (status, report) = import(&admin, "customers", "&file_name=老客户.csv", CUSTOMERS).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(counts(&report), (2, 0, 0));
    let (status, report) = import(&admin, "contacts", "", CONTACTS).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(counts(&report), (3, 0, 0));
    let (status, report) = import(&admin, "activities", "", VISITS).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(counts(&report), (2, 0, 0));

    let list = admin.get("/api/v1/customers?q=瑞丰").await.body;
    let ruifeng = list["items"][0]["id"].as_str().unwrap().to_owned();
    // Its history says where it came from: the file and the line.
    let history = admin
        .get(&format!(
            "/api/v1/audit?entity=customer&entity_id={ruifeng}"
        ))
        .await
        .body;
    assert_eq!(history["items"].as_array().unwrap().len(), 1, "{history}");
    assert_eq!(history["items"][0]["action"], "create");
    assert_eq!(
        history["items"][0]["changes"]["import"],
        json!({"file": "老客户.csv", "line": 2})
    );
    let contacts = admin
        .get(&format!("/api/v1/customers/{ruifeng}/contacts"))
        .await
        .body;
    let names: Vec<&str> = contacts["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{contacts}");
    assert!(names.contains(&"张伟") && names.contains(&"李娜"));
    let zhang = contacts["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "张伟")
        .unwrap();
    assert_eq!(zhang["roles"], json!(["decision_maker", "inside_coach"]));

    let visits = admin
        .get(&format!("/api/v1/activities?customer_id={ruifeng}"))
        .await
        .body;
    let visit = &visits["items"][0];
    assert_eq!(visits["items"].as_array().unwrap().len(), 1, "{visits}");
    assert_eq!(visit["occurred_at"], "2026-03-05T06:30:00Z");
    assert_eq!(visit["duration_minutes"], 60);
    assert_eq!(visit["method"], "visit");
    assert_eq!(visit["contact_ids"].as_array().unwrap().len(), 2);

    // The same files again: nothing new. A changed cell updates its record.
    for (kind, file) in [
        ("customers", CUSTOMERS),
        ("contacts", CONTACTS),
        ("activities", VISITS),
    ] {
        let (status, report) = import(&admin, kind, "", file).await;
        assert_eq!(status, StatusCode::OK, "{report}");
        assert_eq!(counts(&report).0, 0, "{kind}: {report}");
        assert_eq!(counts(&report).1, 0, "{kind}: {report}");
    }
    let changed = VISITS.replace("送样", "样品已确认");
    let (_, report) = import(&admin, "activities", "", &changed).await;
    assert_eq!(counts(&report), (0, 1, 1));
    let visits = admin
        .get(&format!("/api/v1/activities?customer_id={ruifeng}"))
        .await
        .body;
    assert_eq!(visits["items"].as_array().unwrap().len(), 1);
    assert_eq!(visits["items"][0]["progress"], "样品已确认");
}

async fn a_bad_row_rejects_the_whole_file_naming_line_column_and_reason(s: TestServer) {
    let admin = s.admin().await;
    import(&admin, "customers", "", CUSTOMERS).await;
    let file = "客户名称,姓名,影响力\n\
青岛海信集团,王芳,5\n\
不存在的公司,赵六,3\n\
青岛海信集团,孙七,9\n";
    let (status, problem) = import(&admin, "contacts", "", file).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["code"], "import_rejected");
    let rows = rejected(&problem, "column");
    assert_eq!(rows, [(3, "客户名称"), (4, "影响力")], "{problem}");
    assert!(
        problem["rows"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("不存在的公司")
    );
    let haixin = admin.get("/api/v1/customers?q=海信").await.body["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let contacts = admin
        .get(&format!("/api/v1/customers/{haixin}/contacts"))
        .await;
    assert_eq!(contacts.body["items"], json!([]), "nothing was written");

    let (status, report) = import(&admin, "contacts", "&skip_invalid=true", file).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(counts(&report), (1, 0, 0));
    assert_eq!(report["rejected"].as_array().unwrap().len(), 2);

    // An unreadable file and an unknown kind are refused by name.
    let r = admin
        .post_bytes(
            "/api/v1/imports?kind=customers",
            b"PK\x03\x04 not really".to_vec(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.error_fields(), ["file"]);
    let (status, problem) = import(&admin, "orders", "", CUSTOMERS).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        problem["detail"].as_str().unwrap().contains("kind"),
        "{problem}"
    );
}

async fn open_cases_import_at_their_stage_and_count_in_the_funnel(s: TestServer) {
    let admin = s.admin().await;
    import(&admin, "customers", "", CUSTOMERS).await;
    let file = "客户名称,流程,当前阶段,预计金额\n\
深圳市瑞丰电子科技有限公司,big_account_five_stages,价值评估／开发程序,50万\n\
青岛海信集团,大客户开发流程（五阶段）,,\n";
    let (status, report) = import(&admin, "cases", "", file).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(counts(&report), (2, 0, 0));
    let cases = admin
        .get("/api/v1/cases?template=big_account_five_stages")
        .await
        .body;
    let mut stages: Vec<&str> = cases["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["stage"].as_str().unwrap())
        .collect();
    stages.sort();
    assert_eq!(stages, ["identify", "value_assessment"], "{cases}");
    let moved = cases["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["stage"] == "value_assessment")
        .unwrap();
    assert_eq!(moved["expected_amount"], "500000.00");
    let history = admin
        .get(&format!(
            "/api/v1/cases/{}/history",
            moved["id"].as_str().unwrap()
        ))
        .await
        .body;
    let kinds: Vec<&str> = history["items"]
        .as_array()
        .unwrap_or_else(|| history.as_array().unwrap())
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["created", "advanced", "advanced"], "{history}");

    // Both reached the first stage, one the third; each is open where it is.
    let funnel = admin
        .get("/api/v1/reports/funnel?template=big_account_five_stages")
        .await
        .body;
    let stages = funnel["stages"].as_array().unwrap();
    let figures: Vec<(u64, u64)> = stages[..3]
        .iter()
        .map(|s| {
            (
                s["reached"].as_u64().unwrap(),
                s["open_cases"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(figures, [(2, 1), (1, 0), (1, 1)], "{funnel}");

    // Importing again finds the open cases; an unknown stage is named.
    let (_, report) = import(&admin, "cases", "", file).await;
    assert_eq!(counts(&report), (0, 0, 2));
    let bad = "客户名称,流程,当前阶段\n青岛海信集团,six_steps,第九步\n";
    let (status, problem) = import(&admin, "cases", "", bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["rows"][0]["column"], "当前阶段", "{problem}");
}

/// The import takes a file's rows customer by customer; what it reports
/// still follows the file's lines.
async fn a_row_repeated_further_down_is_rejected_naming_the_first(s: TestServer) {
    let admin = s.admin().await;
    import(&admin, "customers", "", CUSTOMERS).await;
    let file = "客户名称,姓名\n\
青岛海信集团,王芳\n\
深圳市瑞丰电子科技有限公司,张伟\n\
青岛海信集团,刘洋\n\
深圳市瑞丰电子科技有限公司,李娜\n\
青岛海信集团,王芳\n\
深圳市瑞丰电子科技有限公司,张伟\n";
    let (status, problem) = import(&admin, "contacts", "", file).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let rows = rejected(&problem, "reason");
    assert_eq!(
        rows,
        [
            (6, "the same contact as line 2"),
            (7, "the same contact as line 3")
        ],
        "{problem}"
    );
}

tuoke_testkit::api_tests!(
    a_row_repeated_further_down_is_rejected_naming_the_first,
    open_cases_import_at_their_stage_and_count_in_the_funnel,
    customers_contacts_and_visits_import_and_reimport_without_duplicates,
    a_bad_row_rejects_the_whole_file_naming_line_column_and_reason,
);

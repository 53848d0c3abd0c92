//! Files over the API: the customers export with the list's filters, and the
//! 大客户开发记录表, read back with calamine.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tuoke_testkit::server::{Client, TestServer};

use super::{customer, user};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A download: status, content type, content disposition and the bytes.
struct Download {
    status: StatusCode,
    content_type: String,
    disposition: String,
    bytes: Vec<u8>,
}

impl Download {
    fn problem(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap()
    }

    fn workbook(&self) -> Xlsx<Cursor<Vec<u8>>> {
        assert_eq!(
            self.status,
            StatusCode::OK,
            "{}",
            String::from_utf8_lossy(&self.bytes)
        );
        assert_eq!(self.content_type, XLSX);
        Xlsx::new(Cursor::new(self.bytes.clone())).unwrap()
    }
}

async fn download(client: &Client, path: &str) -> Download {
    let mut req = reqwest::Client::new().get(format!("{}{path}", client.base));
    if let Some(token) = &client.token {
        req = req.bearer_auth(token);
    }
    let res = req.send().await.unwrap();
    let header = |name| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    Download {
        status: res.status(),
        content_type: header(reqwest::header::CONTENT_TYPE),
        disposition: header(reqwest::header::CONTENT_DISPOSITION),
        bytes: res.bytes().await.unwrap().to_vec(),
    }
}

/// The cells of a sheet as text, row by row.
fn cells(book: &mut Xlsx<Cursor<Vec<u8>>>, sheet: usize) -> Vec<Vec<String>> {
    let range = book.worksheet_range_at(sheet).unwrap().unwrap();
    range
        .rows()
        .map(|row| {
            row.iter()
                .map(|c| match c {
                    Data::String(s) => s.clone(),
                    Data::Empty => String::new(),
                    Data::Float(f) => f.to_string(),
                    other => panic!("unexpected cell {other:?}"),
                })
                .collect()
        })
        .collect()
}

async fn the_visit_record_downloads_as_the_paper_form_and_only_for_those_who_see_it(s: TestServer) {
    let admin = s.admin().await;
    let (manager_id, manager) = user(&s, &admin, "wangfang", "manager", None).await;
    let team = admin
        .post(
            "/api/v1/teams",
            &json!({"name": "华东销售部", "manager_id": manager_id}),
        )
        .await;
    let (rep_id, rep) = user(&s, &admin, "zhangwei", "rep", team.body["id"].as_str()).await;
    let (_, other) = user(&s, &admin, "lina", "rep", None).await;
    let c = customer(&rep, json!({"name": "海信集团"})).await;
    let cid = c["id"].as_str().unwrap();
    customer(&rep, json!({"name": "澳柯玛"})).await;
    let wang = rep
        .post(
            &format!("/api/v1/customers/{cid}/contacts"),
            &json!({"name": "王经理"}),
        )
        .await
        .body;
    for body in [
        json!({"customer_id": cid, "occurred_at": "2026-11-21T02:00:00Z", "method": "phone",
               "content": "电话跟进报价", "attitude": "neutral"}),
        json!({"customer_id": cid, "contact_ids": [wang["id"]], "occurred_at": "2026-11-20T01:30:00Z",
               "method": "visit", "duration_minutes": 45, "content": "拜访采购部", "attitude": "positive",
               "next_step": "报价", "next_follow_up": "2026-11-25"}),
    ] {
        let r = rep.post("/api/v1/activities", &body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }

    let path = format!("/api/v1/customers/{cid}/visit-record.xlsx");
    let d = download(&rep, &path).await;
    assert!(
        d.disposition.starts_with("attachment;")
            && d.disposition.ends_with(
                "filename*=UTF-8''%E5%A4%A7%E5%AE%A2%E6%88%B7%E5%BC%80%E5%8F%91%E8%AE%B0%E5%BD%95%E8%A1%A8-%E6%B5%B7%E4%BF%A1%E9%9B%86%E5%9B%A2.xlsx"
            ),
        "{}",
        d.disposition
    );
    let mut book = d.workbook();
    assert_eq!(book.sheet_names(), ["海信集团"]);
    let rows = cells(&mut book, 0);
    assert_eq!(rows[0][0], "大客户开发记录表");
    assert_eq!(rows[1][0], "客户名称：海信集团");
    assert_eq!(rows[1][4], "业务员：zhangwei");
    assert_eq!(
        rows[2],
        [
            "日期和时间",
            "访问对象",
            "滞留时间",
            "开发方式",
            "业务进度",
            "客户态度",
            "下一步",
            "下次跟进"
        ]
    );
    assert_eq!(
        rows[3..],
        [
            [
                "2026-11-20 09:30",
                "王经理",
                "45 分钟",
                "上门拜访",
                "拜访采购部",
                "积极",
                "报价",
                "2026-11-25"
            ],
            [
                "2026-11-21 10:00",
                "",
                "",
                "电话",
                "电话跟进报价",
                "中立",
                "",
                ""
            ],
        ]
    );
    let en = download(&rep, &format!("{path}?lang=en")).await;
    assert_eq!(cells(&mut en.workbook(), 0)[2][1], "Person visited");

    // Another rep: as if it did not exist; the manager of the team sees it.
    let hidden = download(&other, &path).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    assert_eq!(hidden.content_type, "application/problem+json");
    assert_eq!(hidden.problem()["code"], "not_found");
    assert_eq!(download(&manager, &path).await.status, StatusCode::OK);
    let bad = download(&rep, &format!("{path}?lang=fr")).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.problem()["errors"][0]["field"], "lang");
    assert_eq!(
        download(&rep, "/api/v1/customers/nope/visit-record.xlsx")
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // A rep's whole record: one sheet per customer, by name.
    let rep_path = format!("/api/v1/users/{rep_id}/visit-record.xlsx");
    let mut book = download(&manager, &rep_path).await.workbook();
    assert_eq!(book.sheet_names(), ["海信集团", "澳柯玛"]);
    assert_eq!(cells(&mut book, 0).len(), 5);
    assert_eq!(cells(&mut book, 1).len(), 3, "a customer without records");
    assert_eq!(
        download(&other, &rep_path).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(download(&rep, &rep_path).await.status, StatusCode::OK);

    let doc = s.anonymous().get("/api/openapi.json").await.body;
    for p in [
        "/api/v1/customers/export",
        "/api/v1/customers/{id}/visit-record.xlsx",
        "/api/v1/users/{id}/visit-record.xlsx",
    ] {
        assert!(
            doc["paths"][p]["get"]["responses"]["200"]["content"][XLSX].is_object(),
            "{p}: {}",
            doc["paths"][p]
        );
    }
}

async fn the_customers_export_holds_every_row_the_filters_show_and_no_other(s: TestServer) {
    let admin = s.admin().await;
    let (_, rep) = user(&s, &admin, "zhangwei", "rep", None).await;
    // More than a page of the list (50), half of them in 广东.
    for i in 0..60 {
        let province = if i % 2 == 0 { "广东" } else { "山东" };
        customer(
            &admin,
            json!({"name": format!("客户{i:02}文具有限公司"), "province": province, "monthly_volume": "1000"}),
        )
        .await;
    }
    customer(&rep, json!({"name": "张伟的客户", "province": "广东"})).await;

    let d = download(
        &admin,
        "/api/v1/customers/export?format=csv&province=广东&sort=name",
    )
    .await;
    assert_eq!(d.status, StatusCode::OK);
    assert_eq!(d.content_type, "text/csv; charset=utf-8");
    assert!(
        d.disposition
            .contains("filename*=UTF-8''%E5%AE%A2%E6%88%B7.csv"),
        "{}",
        d.disposition
    );
    assert!(d.bytes.starts_with(b"\xEF\xBB\xBF"), "a BOM for Excel");
    let records: Vec<Vec<String>> = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(&d.bytes[3..])
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(records[0][0], "客户名称");
    let names: Vec<&str> = records[1..].iter().map(|r| r[0].as_str()).collect();
    let mut expected: Vec<String> = (0..60)
        .step_by(2)
        .map(|i| format!("客户{i:02}文具有限公司"))
        .collect();
    expected.push("张伟的客户".into());
    let list = admin
        .get("/api/v1/customers?province=广东&sort=name&limit=500")
        .await
        .body;
    let listed: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, listed, "the list's rows in the list's order");
    let mut sorted = names.clone();
    sorted.sort_unstable();
    expected.sort_unstable();
    assert_eq!(sorted, expected);

    // XLSX with a search and English headers; a rep exports only their own.
    let d = download(
        &admin,
        "/api/v1/customers/export?format=xlsx&lang=en&q=客户0",
    )
    .await;
    let rows = cells(&mut d.workbook(), 0);
    assert_eq!(rows[0][0], "Name");
    assert_eq!(rows.len(), 11);
    assert_eq!(rows[1][12], "1000");
    let mine = download(&rep, "/api/v1/customers/export?format=xlsx").await;
    let rows = cells(&mut mine.workbook(), 0);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1][0], "张伟的客户");

    // Bad parameters are named; a page of an export is not a thing.
    for (query, field) in [
        ("format=pdf", "format"),
        ("", "format"),
        ("format=csv&status=gone", "status"),
        ("format=csv&limit=5", "limit"),
        ("format=csv&lang=fr", "lang"),
    ] {
        let d = download(&admin, &format!("/api/v1/customers/export?{query}")).await;
        assert_eq!(d.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert_eq!(d.problem()["errors"][0]["field"], field, "{query}");
    }
    let anon = download(&s.anonymous(), "/api/v1/customers/export?format=csv").await;
    assert_eq!(anon.status, StatusCode::UNAUTHORIZED);
}

/// The records of a CSV download (header first), after its BOM.
fn csv_rows(d: &Download) -> Vec<Vec<String>> {
    assert_eq!(
        d.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&d.bytes)
    );
    assert_eq!(d.content_type, "text/csv; charset=utf-8");
    assert!(d.bytes.starts_with(b"\xEF\xBB\xBF"), "a BOM for Excel");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(&d.bytes[3..])
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// Imports a downloaded file again; returns (created, updated, unchanged).
async fn reimport(client: &Client, kind: &str, d: &Download) -> (u64, u64, u64) {
    let r = client
        .post_bytes(
            &format!("/api/v1/imports?kind={kind}"),
            d.bytes.clone(),
            &d.content_type,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let n = |k: &str| r.body[k].as_u64().unwrap();
    (n("created"), n("updated"), n("unchanged"))
}

/// Bad parameters of an export are named, and a page of one is not a thing.
async fn refuses_bad_parameters(client: &Client, path: &str, bad_filter: (&str, &str)) {
    for (query, field) in [
        ("format=pdf", "format"),
        ("", "format"),
        ("format=csv&limit=5", "limit"),
        ("format=csv&lang=fr", "lang"),
        (bad_filter.0, bad_filter.1),
    ] {
        let d = download(client, &format!("{path}?{query}")).await;
        assert_eq!(d.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}?{query}");
        assert_eq!(d.problem()["errors"][0]["field"], field, "{path}?{query}");
    }
}

async fn the_contacts_export_holds_the_contacts_of_the_customers_the_filters_show(s: TestServer) {
    let admin = s.admin().await;
    let (_, rep) = user(&s, &admin, "zhangwei", "rep", None).await;
    let haixin = customer(&rep, json!({"name": "青岛海信集团", "province": "山东"})).await;
    let ruifeng = customer(&admin, json!({"name": "深圳瑞丰电子", "province": "广东"})).await;
    for (c, body) in [
        (
            &haixin,
            json!({"name": "王芳", "title": "总经理", "roles": ["decision_maker"], "influence": 5}),
        ),
        (&haixin, json!({"name": "周杰", "mobile": "13800138000"})),
        (&ruifeng, json!({"name": "李娜"})),
    ] {
        let id = c["id"].as_str().unwrap();
        let r = admin
            .post(&format!("/api/v1/customers/{id}/contacts"), &body)
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }

    let d = download(&admin, "/api/v1/contacts/export?format=csv&province=山东").await;
    assert!(
        d.disposition
            .ends_with("filename*=UTF-8''%E8%81%94%E7%B3%BB%E4%BA%BA.csv"),
        "{}",
        d.disposition
    );
    let rows = csv_rows(&d);
    assert_eq!(rows[0][..3], ["客户名称", "姓名", "职务"]);
    let mut names: Vec<&str> = rows[1..].iter().map(|r| r[1].as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["周杰", "王芳"]);
    assert!(rows[1..].iter().all(|r| r[0] == "青岛海信集团"));
    assert_eq!(reimport(&admin, "contacts", &d).await, (0, 0, 2));

    // XLSX in English; a rep exports the contacts of their own customers.
    let d = download(&admin, "/api/v1/contacts/export?format=xlsx&lang=en").await;
    let rows = cells(&mut d.workbook(), 0);
    assert_eq!(rows[0][..2], ["Customer", "Name"]);
    assert_eq!(rows.len(), 4);
    let wang = rows.iter().find(|r| r[1] == "王芳").unwrap();
    assert!(wang.contains(&"Decision maker".to_owned()), "{wang:?}");
    assert_eq!(reimport(&admin, "contacts", &d).await, (0, 0, 3));
    let mine = csv_rows(&download(&rep, "/api/v1/contacts/export?format=csv").await);
    assert_eq!(mine.len(), 3);

    refuses_bad_parameters(
        &admin,
        "/api/v1/contacts/export",
        ("format=csv&status=gone", "status"),
    )
    .await;
}

async fn the_activities_export_holds_every_record_the_filters_show_with_the_people_by_name(
    s: TestServer,
) {
    let admin = s.admin().await;
    let (_, rep) = user(&s, &admin, "zhangwei", "rep", None).await;
    let c = customer(&rep, json!({"name": "青岛海信集团"})).await;
    let cid = c["id"].as_str().unwrap();
    let other = customer(&admin, json!({"name": "深圳瑞丰电子"})).await;
    let wang = rep
        .post(
            &format!("/api/v1/customers/{cid}/contacts"),
            &json!({"name": "王经理"}),
        )
        .await
        .body;
    // More than a page of the list (50).
    for day in 1..=28 {
        for hour in [1, 6] {
            let body = json!({"customer_id": cid, "contact_ids": [wang["id"]],
                "occurred_at": format!("2026-02-{day:02}T{hour:02}:00:00Z"),
                "method": "visit", "duration_minutes": 30, "content": format!("拜访 {day}-{hour}")});
            let r = rep.post("/api/v1/activities", &body).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        }
    }
    let r = admin
        .post(
            "/api/v1/activities",
            &json!({"customer_id": other["id"], "occurred_at": "2026-03-01T02:00:00Z",
                    "method": "phone", "content": "电话"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    let d = download(&admin, "/api/v1/activities/export?format=csv").await;
    let rows = csv_rows(&d);
    assert_eq!(rows.len(), 58);
    assert_eq!(
        rows[0][..6],
        [
            "客户名称",
            "日期和时间",
            "访问对象",
            "滞留时间",
            "开发方式",
            "内容"
        ]
    );
    assert_eq!(
        rows[1][..5],
        ["深圳瑞丰电子", "2026-03-01 10:00", "", "", "电话"],
        "newest first"
    );
    assert_eq!(
        rows[2][..6],
        [
            "青岛海信集团",
            "2026-02-28 14:00",
            "王经理",
            "30",
            "上门拜访",
            "拜访 28-6"
        ]
    );
    assert_eq!(reimport(&admin, "activities", &d).await, (0, 0, 57));

    // The list's filters; a rep exports only the records of their customers.
    let d = download(
        &admin,
        &format!("/api/v1/activities/export?format=xlsx&customer_id={cid}&from=2026-02-10T00:00:00Z&to=2026-02-11T00:00:00Z"),
    )
    .await;
    let rows = cells(&mut d.workbook(), 0);
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(rows[1][3], "30", "minutes as a number");
    let mine = csv_rows(&download(&rep, "/api/v1/activities/export?format=csv&method=phone").await);
    assert_eq!(mine.len(), 1, "{mine:?}");

    refuses_bad_parameters(
        &admin,
        "/api/v1/activities/export",
        ("format=csv&from=yesterday", "from"),
    )
    .await;
}

async fn the_cases_export_names_the_stage_and_reimports_the_open_cases_unchanged(s: TestServer) {
    let admin = s.admin().await;
    let (_, rep) = user(&s, &admin, "zhangwei", "rep", None).await;
    let mut ids = Vec::new();
    for (client, name) in [(&rep, "青岛海信集团"), (&admin, "深圳瑞丰电子")] {
        let c = customer(client, json!({"name": name})).await;
        let r = client
            .post(
                "/api/v1/cases",
                &json!({"customer_id": c["id"], "template": "big_account_five_stages",
                        "title": format!("{name}项目"), "expected_amount": "500000.50"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        ids.push(r.body["id"].as_str().unwrap().to_owned());
    }

    let d = download(&admin, "/api/v1/cases/export?format=xlsx").await;
    let rows = cells(&mut d.workbook(), 0);
    assert_eq!(rows.len(), 3);
    assert_eq!(
        rows[0][..5],
        ["客户名称", "流程", "当前阶段", "状态", "项目名称"]
    );
    assert_eq!(
        rows[1][..6],
        [
            "深圳瑞丰电子",
            "big_account_five_stages",
            "确定开发对象",
            "进行中",
            "深圳瑞丰电子项目",
            "500000.5"
        ],
        "newest first, the amount a number"
    );
    assert_eq!(reimport(&admin, "cases", &d).await, (0, 0, 2));
    let d = download(
        &admin,
        "/api/v1/cases/export?format=csv&lang=en&status=open",
    )
    .await;
    let rows = csv_rows(&d);
    assert_eq!(rows[1][2], "Determine the development target");
    assert_eq!(rows[1][5], "500000.50");
    assert_eq!(reimport(&admin, "cases", &d).await, (0, 0, 2));

    // Filters and visibility.
    let won = csv_rows(&download(&admin, "/api/v1/cases/export?format=csv&status=won").await);
    assert_eq!(won.len(), 1, "only the headers");
    let mine = csv_rows(&download(&rep, "/api/v1/cases/export?format=csv").await);
    assert_eq!(mine.len(), 2);
    assert_eq!(mine[1][0], "青岛海信集团");

    refuses_bad_parameters(
        &admin,
        "/api/v1/cases/export",
        ("format=csv&owner_id=nope", "owner_id"),
    )
    .await;
    let doc = s.anonymous().get("/api/openapi.json").await.body;
    for p in [
        "/api/v1/contacts/export",
        "/api/v1/activities/export",
        "/api/v1/cases/export",
    ] {
        assert!(
            doc["paths"][p]["get"]["responses"]["200"]["content"][XLSX].is_object(),
            "{p}: {}",
            doc["paths"][p]
        );
    }
}

tuoke_testkit::api_tests!(
    the_visit_record_downloads_as_the_paper_form_and_only_for_those_who_see_it,
    the_customers_export_holds_every_row_the_filters_show_and_no_other,
    the_contacts_export_holds_the_contacts_of_the_customers_the_filters_show,
    the_activities_export_holds_every_record_the_filters_show_with_the_people_by_name,
    the_cases_export_names_the_stage_and_reimports_the_open_cases_unchanged,
);

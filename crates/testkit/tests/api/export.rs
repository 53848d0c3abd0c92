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

tuoke_testkit::api_tests!(
    the_visit_record_downloads_as_the_paper_form_and_only_for_those_who_see_it,
    the_customers_export_holds_every_row_the_filters_show_and_no_other,
);

//! The web UI in a real headless Chromium (Debian's `chromium` and
//! `chromium-driver`), driven over WebDriver against the real server.
//! Screenshots of each main page go to `artifacts/screenshots/`.
//!
//! Without Chromium the test says so and passes, unless
//! `TUOKE_REQUIRE_BROWSER` is set (CI sets it), when it fails.
#![expect(clippy::unwrap_used, reason = "a failed step must fail the test")]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use tuoke_testkit::db::TestDb;
use tuoke_testkit::server::TestServer;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

struct Driver {
    process: Child,
    url: String,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// chromedriver on a free port, or `None` when Chromium is not installed.
fn driver() -> Option<Driver> {
    if !std::path::Path::new(CHROMEDRIVER).exists() || !std::path::Path::new(CHROMIUM).exists() {
        assert!(
            std::env::var_os("TUOKE_REQUIRE_BROWSER").is_none(),
            "TUOKE_REQUIRE_BROWSER is set but {CHROMIUM} or {CHROMEDRIVER} is missing"
        );
        eprintln!("skipping: install chromium and chromium-driver to run the browser test");
        return None;
    }
    let port = free_port();
    let process = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Some(Driver {
        process,
        url: format!("http://127.0.0.1:{port}"),
        _profile: tempfile::tempdir().unwrap(),
    })
}

async fn browser(driver: &Driver) -> Client {
    let profile = tempfile::tempdir().unwrap();
    let caps = json!({
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage",
                "--window-size=1280,900", format!("--user-data-dir={}", profile.path().display()),
            ],
        }
    });
    let caps = caps.as_object().unwrap().clone();
    let started = Instant::now();
    loop {
        match ClientBuilder::native()
            .capabilities(caps.clone())
            .connect(&driver.url)
            .await
        {
            Ok(client) => {
                // The profile directory lives as long as the process that uses it.
                std::mem::forget(profile);
                return client;
            }
            Err(e) if started.elapsed() < Duration::from_secs(20) => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("chromedriver did not answer: {e}"),
        }
    }
}

fn shots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../artifacts/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn screenshot(c: &Client, name: &str) {
    let png = c.screenshot().await.unwrap();
    std::fs::write(shots().join(format!("{name}.png")), png).unwrap();
}

/// Waits until the page's text contains `needle` (pages and scripts are quick; 10 s is ample).
async fn wait_for_text(c: &Client, needle: &str) {
    let started = Instant::now();
    loop {
        // Between two pages there may be no body for a moment.
        let body = match c.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if body.contains(needle) {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "`{needle}` never appeared on {}:\n{body}",
            c.current_url().await.unwrap()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn text_of(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn fill(c: &Client, css: &str, value: &str) {
    let field = c.find(Locator::Css(css)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(value).await.unwrap();
}

async fn select(c: &Client, css: &str, value: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .select_by_value(value)
        .await
        .unwrap();
}

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn login(c: &Client, base: &str, user: &str, password: &str) {
    c.goto(&format!("{base}/login")).await.unwrap();
    fill(c, "#username", user).await;
    fill(c, "#password", password).await;
    click(c, "form[action='/login'] button[type=submit]").await;
    wait_until_away_from(c, "/login").await;
}

/// Waits until the browser has left a page (a form post and its redirect are done).
async fn wait_until_away_from(c: &Client, path: &str) {
    let started = Instant::now();
    while c.current_url().await.unwrap().path() == path {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "still on {path}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("main"))
        .await
        .unwrap();
}

async fn logout(c: &Client) {
    click(c, "form[action='/logout'] button").await;
    let started = Instant::now();
    while c.current_url().await.unwrap().path() != "/login" {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the logout never reached the login page"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A process whose first stage needs a checklist item and a credit rating of
/// A or better, and whose second stage needs the manager's approval.
const RATED_DEAL: &str = "key = \"rated_deal\"\nname = { zh = \"评级成交流程\", en = \"Rated deal\" }\napplies_to = \"customer_development\"\n\
[[stages]]\nkey = \"rate\"\nname = { zh = \"信用评级\", en = \"Credit rating\" }\nprobability = 20\n\
required_forms = [{ form = \"credit_grade_scoring\", min_grade = \"A\" }]\n\
[[stages.checklist]]\nkey = \"visit\"\ntext = { zh = \"拜访关键决策人\", en = \"Visit the decision maker\" }\nrequired = true\n\
[[stages]]\nkey = \"negotiate\"\nname = { zh = \"商务谈判\", en = \"Negotiation\" }\nprobability = 60\napproval = \"manager\"\n\
[[stages]]\nkey = \"close\"\nname = { zh = \"签约成交\", en = \"Contract\" }\nprobability = 90\n";

#[tokio::test]
async fn a_rep_and_a_manager_work_through_the_web_ui() {
    let Some(driver) = driver() else { return };
    let s = TestServer::start(TestDb::fresh_sqlite().await).await;
    let base = s.base.clone();

    // The people and the starting data, through the API.
    let admin = s.admin().await;
    let mk = |name: &str, role: &str, team: Option<String>| json!({"username": name, "display_name": name, "role": role, "password": "password-123", "team_id": team});
    let manager = admin
        .post("/api/v1/users", &mk("wangfang", "manager", None))
        .await
        .body;
    let team = admin
        .post(
            "/api/v1/teams",
            &json!({"name": "华东销售部", "manager_id": manager["id"]}),
        )
        .await
        .body;
    admin
        .post(
            "/api/v1/users",
            &mk("zhangwei", "rep", team["id"].as_str().map(str::to_owned)),
        )
        .await;
    admin.post("/api/v1/users", &mk("lina", "rep", None)).await;
    assert_eq!(
        admin
            .post("/api/v1/process-templates", &json!({"source": RATED_DEAL}))
            .await
            .status,
        reqwest::StatusCode::CREATED
    );
    let rep = s.login("zhangwei", "password-123").await;
    let haixin = rep
        .post(
            "/api/v1/customers",
            &json!({"name": "海信集团", "short_name": "海信", "province": "山东", "city": "青岛"}),
        )
        .await
        .body;
    let haixin_id = haixin["id"].as_str().unwrap().to_owned();
    rep.post("/api/v1/customers", &json!({"name": "深圳华强电子"}))
        .await;
    rep.post(
        &format!("/api/v1/customers/{haixin_id}/contacts"),
        &json!({"name": "王建国", "title": "采购经理", "roles": ["decision_maker"]}),
    )
    .await;
    let other = s.login("lina", "password-123").await;
    let hers = other
        .post("/api/v1/customers", &json!({"name": "李娜的客户"}))
        .await
        .body;

    let c = browser(&driver).await;

    // Log in: My day, in Chinese.
    login(&c, &base, "zhangwei", "password-123").await;
    wait_for_text(&c, "我的一天").await;
    screenshot(&c, "01-my-day").await;

    // Search by pinyin initials, instantly.
    c.goto(&format!("{base}/customers")).await.unwrap();
    wait_for_text(&c, "深圳华强电子").await;
    fill(&c, "#q", "hx").await;
    let started = Instant::now();
    loop {
        let results = text_of(&c, "#results").await;
        if results.contains("海信集团") && !results.contains("深圳华强电子") {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the search never narrowed to 海信集团: {results}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        c.current_url().await.unwrap().as_str().contains("q=hx"),
        "the search is in the address, to bookmark"
    );
    screenshot(&c, "02-customers-search").await;

    // Import visit records from a file: one bad row rejects it, naming the
    // line and column; skipping bad rows imports the good one.
    let visits = std::env::temp_dir().join(format!("tuoke-visits-{}.csv", std::process::id()));
    std::fs::write(
        &visits,
        "客户名称,日期和时间,访问对象,开发方式,内容,客户态度\n\
         海信集团,2026-03-05 14:30,王建国,上门拜访,介绍新品,积极\n\
         海信集团,2026-03-06 09:00,不认识的人,电话,回访,\n",
    )
    .unwrap();
    c.goto(&format!("{base}/import")).await.unwrap();
    wait_for_text(&c, "导入内容").await;
    select(&c, "#import-kind", "activities").await;
    let path = visits.canonicalize().unwrap();
    c.find(Locator::Css("#import-file"))
        .await
        .unwrap()
        .send_keys(path.to_str().unwrap())
        .await
        .unwrap();
    click(&c, "#import-form button[type=submit]").await;
    wait_for_text(&c, "未导入任何数据").await;
    let problems = text_of(&c, "#import-problems").await;
    assert!(
        problems.contains("3") && problems.contains("访问对象") && problems.contains("不认识的人"),
        "{problems}"
    );
    select(&c, "#import-kind", "activities").await;
    c.find(Locator::Css("#import-file"))
        .await
        .unwrap()
        .send_keys(path.to_str().unwrap())
        .await
        .unwrap();
    click(&c, "input[name=skip_invalid]").await;
    click(&c, "#import-form button[type=submit]").await;
    wait_for_text(&c, "已导入").await;
    assert!(text_of(&c, "#import-report").await.contains("新建 1"));
    assert!(c.find(Locator::Css("#import-rejects")).await.is_ok());
    screenshot(&c, "02b-import").await;

    // A new customer with an existing name: warned while typing, refused on submit.
    c.goto(&format!("{base}/customers")).await.unwrap();
    c.execute(
        "document.querySelectorAll('details').forEach(d => d.open = true)",
        vec![],
    )
    .await
    .unwrap();
    fill(&c, "#n-name", "海信集团").await;
    if std::env::var_os("TUOKE_DEBUG_BROWSER").is_some() {
        tokio::time::sleep(Duration::from_secs(2)).await;
        let r = c.execute_async("const done = arguments[0]; fetch('/api/v1/customers/check-duplicate?name=' + encodeURIComponent('海信集团'), {credentials: 'same-origin'}).then(r => r.text()).then(done).catch(e => done(String(e)))", vec![]).await;
        eprintln!("debug fetch: {r:?}");
        let logs = c.execute("return document.getElementById('dup-warning').outerHTML + ' / name=' + document.querySelector('form#new-customer').elements['name'].value", vec![]).await;
        eprintln!("debug dom: {logs:?}");
        screenshot(&c, "debug").await;
    }
    let warning = c
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#dup-warning:not([hidden])"))
        .await
        .unwrap();
    assert!(warning.text().await.unwrap().contains("海信集团"));
    screenshot(&c, "03-duplicate-warning").await;
    click(&c, "#new-customer button[type=submit]").await;
    wait_for_text(&c, "已存在同名或同信用代码的客户").await;

    // Log a visit and see it on the timeline.
    c.goto(&format!("{base}/customers/{haixin_id}"))
        .await
        .unwrap();
    fill(&c, "#v-content", "拜访王经理，介绍新款复印纸并留样").await;
    fill(&c, "#v-duration", "45").await;
    select(&c, "#v-attitude", "positive").await;
    click(&c, "#visit-form button[type=submit]").await;
    wait_for_text(&c, "拜访王经理，介绍新款复印纸并留样").await;
    assert!(text_of(&c, "#timeline").await.contains("45"));
    screenshot(&c, "04-customer-page").await;

    // Open a case with the rated-deal process.
    select(&c, "#new-case-template", "rated_deal").await;
    fill(&c, "#new-case-amount", "500000").await;
    click(&c, "form[action$='/cases'] button[type=submit]").await;
    wait_for_text(&c, "信用评级").await;
    let case_url = c.current_url().await.unwrap().to_string();

    // Try to move it forward on the board: refused, with what is missing.
    c.goto(&format!("{base}/pipeline?template=rated_deal"))
        .await
        .unwrap();
    click(&c, ".column[data-stage=rate] .advance-button").await;
    wait_for_text(&c, "推进前尚缺").await;
    let flash = text_of(&c, ".flash").await;
    assert!(
        flash.contains("拜访关键决策人") && flash.contains("《客户信用等级评分表》"),
        "{flash}"
    );
    screenshot(&c, "05-pipeline-refused").await;

    // Complete the checklist and the required form.
    c.goto(&case_url).await.unwrap();
    click(&c, "button.check-item[data-item=visit]").await;
    wait_for_text(&c, "☑").await;
    c.goto(&format!(
        "{base}/forms/new?template=credit_grade_scoring&case_id={}",
        case_url.rsplit('/').next().unwrap()
    ))
    .await
    .unwrap();
    for (field, value) in [
        ("years_in_business", "12"),
        ("registered_capital", "800"),
        ("current_assets", "300"),
        ("current_liabilities", "150"),
        ("monthly_purchase", "8"),
    ] {
        fill(&c, &format!("#i-{field}"), value).await;
    }
    for (field, value) in [
        ("nature", "state_or_listed"),
        ("profitability", "strong"),
        ("payment_record", "on_time"),
        ("lawsuits", "false"),
        ("reputation", "good"),
    ] {
        select(&c, &format!("#i-{field}"), value).await;
    }
    // The live score follows the answers.
    let started = Instant::now();
    while text_of(&c, "[data-grade]").await != "AAA" {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the live grade never showed AAA"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(text_of(&c, "[data-score]").await, "94.62");
    screenshot(&c, "06-form-live-score").await;
    click(&c, "#fill-form button[type=submit]").await;
    wait_for_text(&c, "可以推进").await;
    screenshot(&c, "07-case-page").await;

    // Now the board moves it to the next column.
    c.goto(&format!("{base}/pipeline?template=rated_deal"))
        .await
        .unwrap();
    click(&c, ".column[data-stage=rate] .advance-button").await;
    wait_for_text(&c, "已保存").await;
    assert!(
        text_of(&c, ".column[data-stage=negotiate]")
            .await
            .contains("海信集团")
    );
    // The negotiation needs the manager: asking files the request.
    click(&c, ".column[data-stage=negotiate] .advance-button").await;
    wait_for_text(&c, "已提交审批").await;
    screenshot(&c, "08-pipeline-moved").await;

    // A rep cannot open another rep's customer by typing its URL.
    c.goto(&format!(
        "{base}/customers/{}",
        hers["id"].as_str().unwrap()
    ))
    .await
    .unwrap();
    wait_for_text(&c, "找不到").await;
    logout(&c).await;

    // The manager approves the gate; the case moves on.
    login(&c, &base, "wangfang", "password-123").await;
    c.goto(&format!("{base}/approvals")).await.unwrap();
    wait_for_text(&c, "海信集团").await;
    screenshot(&c, "09-approvals").await;
    fill(&c, "input[name=comment]", "同意推进").await;
    click(&c, "button[value=approve]").await;
    // The decision is done when the request has left the inbox.
    let started = Instant::now();
    while c.find(Locator::Css("button[value=approve]")).await.is_ok() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the approval stayed in the inbox"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    c.goto(&case_url).await.unwrap();
    wait_for_text(&c, "签约成交").await;
    assert!(text_of(&c, ".path li.current").await.contains("签约成交"));

    // The funnel shows the new numbers: one open case at the last stage.
    c.goto(&format!("{base}/reports/funnel?template=rated_deal"))
        .await
        .unwrap();
    wait_for_text(&c, "签约成交").await;
    let rows = c
        .find_all(Locator::Css("tr.funnel-row td[data-open]"))
        .await
        .unwrap();
    let mut counts = Vec::new();
    for r in rows {
        counts.push(r.text().await.unwrap());
    }
    assert_eq!(counts, ["0", "0", "1"]);
    assert!(c.find(Locator::Css("#funnel-chart rect")).await.is_ok());
    screenshot(&c, "10-funnel").await;

    // Switch to English: the labels follow.
    click(&c, "#switch-lang").await;
    wait_for_text(&c, "My day").await;
    c.goto(&format!("{base}/customers")).await.unwrap();
    wait_for_text(&c, "Customers").await;
    assert!(text_of(&c, "header").await.contains("Pipeline"));
    screenshot(&c, "11-english").await;

    // The choice is the user's: a fresh browser shows English after login.
    logout(&c).await;
    c.delete_all_cookies().await.unwrap();
    login(&c, &base, "wangfang", "password-123").await;
    wait_for_text(&c, "My day").await;

    // On a phone, the customer page still shows the visit form first thing after the profile.
    c.set_window_size(390, 844).await.unwrap();
    c.goto(&format!("{base}/customers/{haixin_id}"))
        .await
        .unwrap();
    wait_for_text(&c, "Log a visit").await;
    screenshot(&c, "12-phone-customer").await;

    c.close().await.unwrap();
}

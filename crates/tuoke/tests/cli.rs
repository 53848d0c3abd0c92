//! The `tuoke` command as a newcomer runs it.
#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a failed step must fail the test"
)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

fn tuoke() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tuoke"));
    cmd.env_remove("TUOKE_DATABASE_URL")
        .env_remove("TUOKE_LISTEN")
        .env_remove("TUOKE_ADMIN_PASSWORD");
    cmd
}

fn run(cmd: &mut Command, stdin: &str) -> (bool, String, String) {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn every_command_has_help() {
    for args in [
        &["--help"][..],
        &["serve", "--help"],
        &["migrate", "--help"],
        &["user", "add", "--help"],
        &["import", "customers", "--help"],
        &["export", "customers", "--help"],
        &["export", "visit-record", "--help"],
        &["export", "contacts", "--help"],
        &["export", "activities", "--help"],
        &["export", "cases", "--help"],
    ] {
        let (ok, out, _) = run(tuoke().args(args), "");
        assert!(ok, "{args:?}");
        assert!(out.contains("Usage:"), "{args:?}: {out}");
    }
    let (_, out, _) = run(tuoke().arg("--help"), "");
    for command in ["serve", "migrate", "user"] {
        assert!(out.contains(command), "{out}");
    }
}

#[test]
fn an_unknown_database_scheme_is_refused_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, _, err) = run(
        tuoke()
            .current_dir(dir.path())
            .args(["migrate", "--db", "sqlit://tuoke.db"]),
        "",
    );
    assert!(!ok);
    assert!(err.contains("sqlit"), "{err}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn users_are_added_from_the_command_line_with_the_password_on_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("t.db").display());
    let (ok, out, err) = run(tuoke().args(["migrate", "--db", &db]), "");
    assert!(ok, "{err}");
    assert!(out.contains("up to date"));

    let (ok, out, err) = run(
        tuoke().args([
            "--db",
            &db,
            "user",
            "add",
            "zhangwei",
            "--role",
            "rep",
            "--password-stdin",
        ]),
        "secret-pass-1\n",
    );
    assert!(ok, "{err}");
    assert!(out.contains("zhangwei"));

    let (ok, _, err) = run(
        tuoke().args([
            "--db",
            &db,
            "user",
            "add",
            "ZhangWei",
            "--role",
            "rep",
            "--password-stdin",
        ]),
        "secret-pass-1\n",
    );
    assert!(!ok);
    assert!(err.contains("taken"), "{err}");

    let (ok, _, err) = run(
        tuoke().args([
            "--db",
            &db,
            "user",
            "add",
            "lina",
            "--role",
            "boss",
            "--password-stdin",
        ]),
        "secret-pass-1\n",
    );
    assert!(!ok);
    assert!(err.contains("boss"), "{err}");

    let (ok, _, err) = run(
        tuoke().args([
            "--db",
            &db,
            "user",
            "add",
            "lina",
            "--role",
            "rep",
            "--password-stdin",
        ]),
        "short\n",
    );
    assert!(!ok);
    assert!(err.contains("password"), "{err}");
}

/// A running `tuoke serve`, stopped when dropped.
struct Served {
    child: Child,
    base: String,
    output: Vec<String>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `tuoke serve` on a free port and reads what it prints up to the
/// line that says where it runs.
fn serve(db: &str, extra: &[&str], admin_password: Option<&str>) -> Served {
    let mut cmd = tuoke();
    if let Some(p) = admin_password {
        cmd.env("TUOKE_ADMIN_PASSWORD", p);
    }
    let child = cmd
        .args(["serve", "--db", db, "--listen", "127.0.0.1:0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Owned at once, so the server is stopped however this function ends.
    let mut served = Served {
        child,
        base: String::new(),
        output: Vec::new(),
    };
    let mut lines = BufReader::new(served.child.stdout.take().unwrap()).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        served.output.push(line.clone());
        if let Some(rest) = line.strip_prefix("Tuoke is running at ") {
            served.base = rest.split('/').take(3).collect::<Vec<_>>().join("/");
            // Keep draining stdout so the server never blocks on a full pipe.
            std::thread::spawn(move || lines.for_each(drop));
            return served;
        }
    }
    panic!("tuoke serve stopped early: {:?}", served.output);
}

#[tokio::test]
async fn the_first_start_creates_an_admin_and_prints_how_to_log_in() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("t.db").display());
    let served = serve(&db, &[], None);
    let line = served
        .output
        .iter()
        .find(|l| l.contains("password `"))
        .expect("the password is printed");
    let password = line
        .split("password `")
        .nth(1)
        .unwrap()
        .split('`')
        .next()
        .unwrap();

    let http = reqwest::Client::new();
    assert!(
        http.get(format!("{}/healthz", served.base))
            .send()
            .await
            .unwrap()
            .status()
            .is_success()
    );
    let login = http
        .post(format!("{}/api/v1/auth/login", served.base))
        .json(&json!({"username": "admin", "password": password}))
        .send()
        .await
        .unwrap();
    assert!(login.status().is_success());
    drop(served);

    // A second start creates no second admin and prints no password.
    let again = serve(&db, &[], None);
    assert!(
        !again.output.iter().any(|l| l.contains("password `")),
        "{:?}",
        again.output
    );
}

#[tokio::test]
async fn the_demo_data_loads_once_with_haixin_found_by_pinyin_and_reps_seeing_their_own() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("demo.db").display());
    let served = serve(&db, &["--demo"], Some("admin-pass-1"));
    assert!(
        served
            .output
            .iter()
            .any(|l| l.starts_with("Loaded the demo data")),
        "{:?}",
        served.output
    );

    let http = reqwest::Client::new();
    let login = |user: &'static str, password: &'static str| {
        let (http, base) = (http.clone(), served.base.clone());
        async move {
            let body: Value = http
                .post(format!("{base}/api/v1/auth/login"))
                .json(&json!({"username": user, "password": password}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            body["token"]
                .as_str()
                .unwrap_or_else(|| panic!("{user} logs in: {body}"))
                .to_owned()
        }
    };
    let get = |token: String, path: &'static str| {
        let (http, base) = (http.clone(), served.base.clone());
        async move {
            let body: Value = http
                .get(format!("{base}{path}"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            body
        }
    };
    let admin = login("admin", "admin-pass-1").await;
    let found = get(admin.clone(), "/api/v1/customers?q=hx").await;
    let names: Vec<_> = found["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect();
    assert!(names.contains(&"海信集团".to_owned()), "{names:?}");
    let all = get(admin, "/api/v1/customers?limit=500").await;
    assert!(
        all["items"].as_array().unwrap().len() >= 250,
        "a few hundred demo customers"
    );

    // A demo rep logs in and sees only their own customers.
    let rep = login("zhangwei", "demo1234").await;
    let me = get(rep.clone(), "/api/v1/auth/me").await;
    let mine = get(rep, "/api/v1/customers?limit=500").await;
    let mine = mine["items"].as_array().unwrap();
    assert!(!mine.is_empty());
    assert!(mine.iter().all(|c| c["owner_id"] == me["id"]));
    drop(served);

    let again = serve(&db, &["--demo"], None);
    assert!(
        again.output.iter().any(|l| l.contains("already loaded")),
        "{:?}",
        again.output
    );
}

#[test]
fn template_check_reports_each_problem_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.toml");
    std::fs::write(&good, "key = \"mini\"\nname = { zh = \"最小\", en = \"Minimal\" }\napplies_to = \"customer_development\"\n[[stages]]\nkey = \"one\"\nname = { zh = \"一\", en = \"One\" }\n").unwrap();
    let (ok, out, err) = run(tuoke().args(["template", "check"]).arg(&good), "");
    assert!(ok, "{err}");
    assert!(out.contains("ok"), "{out}");

    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "key = \"mini\"\nname = { zh = \"最小\", en = \"Minimal\" }\napplies_to = \"customer_development\"\n[[stages]]\nkey = \"one\"\nname = { zh = \"一\", en = \"One\" }\napproval = \"boss\"\n").unwrap();
    let (ok, _, err) = run(tuoke().args(["template", "check"]).arg(&bad), "");
    assert!(!ok);
    assert!(err.contains("bad.toml:7:12: unknown role `boss`"), "{err}");
}

#[test]
fn every_builtin_template_passes_the_checker() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../core/templates/process");
    let files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(files.len() >= 10);
    let (ok, out, err) = run(tuoke().args(["template", "check"]).args(&files), "");
    assert!(ok, "{err}");
    assert_eq!(out.lines().count(), files.len());
}

// Import and export of customers.

const HEADERS: &str = "客户名称,简称,统一社会信用代码,地区,客户类型,负责人,月采购额";
const GOOD_ROWS: &str = "深圳市齐心文具有限公司,齐心,91350100M000100Y43,广东省深圳市,上市公司,张伟,\"50,000\"\n\
青岛海信集团,海信,,山东 青岛,国有企业,zhangwei,5万\n";

/// A migrated database with an `admin` and the rep `zhangwei` (张伟).
fn customer_db(dir: &std::path::Path) -> String {
    let db = format!("sqlite://{}", dir.join("t.db").display());
    let (ok, _, err) = run(tuoke().args(["migrate", "--db", &db]), "");
    assert!(ok, "{err}");
    for (name, role, display) in [("admin", "admin", "管理员"), ("zhangwei", "rep", "张伟")] {
        let (ok, _, err) = run(
            tuoke().args([
                "--db",
                &db,
                "user",
                "add",
                name,
                "--role",
                role,
                "--display-name",
                display,
                "--password-stdin",
            ]),
            "secret-pass-1\n",
        );
        assert!(ok, "{err}");
    }
    db
}

fn import(db: &str, file: &std::path::Path, extra: &[&str]) -> (bool, String, String) {
    run(
        tuoke()
            .args(["--db", db, "import", "customers"])
            .arg(file)
            .args(extra),
        "",
    )
}

/// The exported customers as CSV records (header first), read with the csv crate.
fn export_csv(db: &str, dir: &std::path::Path, extra: &[&str]) -> Vec<Vec<String>> {
    let out = dir.join("export.csv");
    let (ok, _, err) = run(
        tuoke()
            .args([
                "--db",
                db,
                "export",
                "customers",
                "--format",
                "csv",
                "--out",
            ])
            .arg(&out)
            .args(extra),
        "",
    );
    assert!(ok, "{err}");
    let bytes = std::fs::read(&out).unwrap();
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBF"),
        "the CSV starts with a BOM"
    );
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(&bytes[3..])
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

fn column(records: &[Vec<String>], header: &str) -> Vec<String> {
    let i = records[0].iter().position(|h| h == header).unwrap();
    records[1..].iter().map(|r| r[i].clone()).collect()
}

#[test]
fn utf8_gbk_and_xlsx_files_import_the_same_customers() {
    let text = format!("{HEADERS}\n{GOOD_ROWS}");
    let mut exports = Vec::new();
    for kind in ["utf8", "utf8-bom", "gbk", "xlsx"] {
        let dir = tempfile::tempdir().unwrap();
        let db = customer_db(dir.path());
        let file = match kind {
            "xlsx" => {
                let path = dir.path().join("客户.xlsx");
                let mut book = rust_xlsxwriter::Workbook::new();
                let sheet = book.add_worksheet();
                let rows = [
                    HEADERS.split(',').collect::<Vec<_>>(),
                    vec![
                        "深圳市齐心文具有限公司",
                        "齐心",
                        "91350100M000100Y43",
                        "广东省深圳市",
                        "上市公司",
                        "张伟",
                    ],
                    vec![
                        "青岛海信集团",
                        "海信",
                        "",
                        "山东 青岛",
                        "国有企业",
                        "zhangwei",
                        "5万",
                    ],
                ];
                for (r, row) in rows.iter().enumerate() {
                    for (c, cell) in row.iter().enumerate() {
                        sheet.write_string(r as u32, c as u16, *cell).unwrap();
                    }
                }
                sheet.write_number(1, 6, 50000.0).unwrap();
                book.save(&path).unwrap();
                path
            }
            _ => {
                let path = dir.path().join("客户.csv");
                let bytes = match kind {
                    "gbk" => {
                        let (bytes, _, unmappable) = encoding_rs::GBK.encode(&text);
                        assert!(!unmappable);
                        assert!(std::str::from_utf8(&bytes).is_err(), "really GBK");
                        bytes.into_owned()
                    }
                    "utf8-bom" => [&b"\xEF\xBB\xBF"[..], text.as_bytes()].concat(),
                    _ => text.clone().into_bytes(),
                };
                std::fs::write(&path, bytes).unwrap();
                path
            }
        };
        let (ok, out, err) = import(&db, &file, &[]);
        assert!(ok, "{kind}: {out}{err}");
        assert!(
            out.contains("created 2, updated 0, unchanged 0, rejected 0"),
            "{kind}: {out}"
        );
        exports.push(export_csv(&db, dir.path(), &[]));
    }
    let first = &exports[0];
    assert_eq!(first.len(), 3, "{first:?}");
    assert_eq!(
        column(first, "客户名称"),
        ["深圳市齐心文具有限公司", "青岛海信集团"]
    );
    assert_eq!(column(first, "省"), ["广东", "山东"]);
    assert_eq!(column(first, "市"), ["深圳", "青岛"]);
    assert_eq!(column(first, "客户性质"), ["上市公司", "国有企业"]);
    assert_eq!(column(first, "负责人"), ["zhangwei", "zhangwei"]);
    assert_eq!(column(first, "月采购额"), ["50000.00", "50000.00"]);
    for (kind, other) in ["utf8-bom", "gbk", "xlsx"].iter().zip(&exports[1..]) {
        assert_eq!(other, first, "{kind}");
    }
}

const BAD_FILE: &str = "客户名称,统一社会信用代码,客户类型,负责人\n\
深圳市齐心文具有限公司,91350100M000100Y43,上市公司,张伟\n\
华为技术,91350100M000100Y44,,\n\
青岛海信集团,,国有企业,zhangwei\n\
坏公司,,外星企业,nobody\n";

#[test]
fn a_file_with_bad_rows_is_rejected_whole_with_every_problem_named() {
    let dir = tempfile::tempdir().unwrap();
    let db = customer_db(dir.path());
    let file = dir.path().join("bad.csv");
    std::fs::write(&file, BAD_FILE).unwrap();
    let (ok, out, err) = import(&db, &file, &[]);
    assert!(!ok, "{out}");
    assert!(err.contains("nothing was imported"), "{err}");
    assert!(out.contains("rejected 2"), "{out}");
    for expected in [
        "line 3, column 统一社会信用代码:",
        "line 5, column 客户类型: unknown value `外星企业`",
        "line 5, column 负责人: no user `nobody`",
    ] {
        assert!(out.contains(expected), "{expected}\n{out}");
    }
    assert_eq!(
        export_csv(&db, dir.path(), &[]).len(),
        1,
        "nothing imported"
    );
}

#[test]
fn skip_invalid_imports_the_good_rows_and_the_fixed_rejects_import_too() {
    let dir = tempfile::tempdir().unwrap();
    let db = customer_db(dir.path());
    let file = dir.path().join("bad.csv");
    std::fs::write(&file, BAD_FILE).unwrap();
    let rejects = dir.path().join("rejects.csv");
    let (ok, out, err) = import(
        &db,
        &file,
        &["--skip-invalid", "--rejects", rejects.to_str().unwrap()],
    );
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("created 2, updated 0, unchanged 0, rejected 2"),
        "{out}"
    );

    let bytes = std::fs::read(&rejects).unwrap();
    let mut records: Vec<Vec<String>> = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(
        records[0],
        [
            "客户名称",
            "统一社会信用代码",
            "客户类型",
            "负责人",
            "错误原因"
        ]
    );
    assert_eq!(records.len(), 3);
    assert_eq!(records[1][0], "华为技术");
    assert!(
        records[1][4].contains("统一社会信用代码"),
        "{:?}",
        records[1]
    );
    assert_eq!(records[2][0], "坏公司");
    assert!(records[2][4].contains("外星企业") && records[2][4].contains("nobody"));

    // Fix the two rows and import the rejects file.
    records[1][1] = String::new();
    records[2][2] = "中小企业".into();
    records[2][3] = "admin".into();
    let mut w = csv::Writer::from_path(&rejects).unwrap();
    for r in &records {
        w.write_record(r).unwrap();
    }
    w.flush().unwrap();
    let (ok, out, err) = import(&db, &rejects, &[]);
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("created 2, updated 0, unchanged 0, rejected 0"),
        "{out}"
    );
    assert!(
        err.contains("错误原因"),
        "the reason column is ignored: {err}"
    );
    let all = export_csv(&db, dir.path(), &[]);
    assert_eq!(all.len(), 5);
    assert_eq!(
        column(&all, "负责人"),
        ["admin", "admin", "zhangwei", "zhangwei"],
        "{all:?}"
    );
}

#[test]
fn importing_again_updates_or_leaves_customers_instead_of_duplicating_them() {
    let dir = tempfile::tempdir().unwrap();
    let db = customer_db(dir.path());
    let file = dir.path().join("c.csv");
    std::fs::write(&file, format!("{HEADERS}\n{GOOD_ROWS}")).unwrap();
    let (ok, out, _) = import(&db, &file, &[]);
    assert!(ok && out.contains("created 2"), "{out}");

    let (ok, out, err) = import(&db, &file, &[]);
    assert!(ok, "{err}");
    assert!(
        out.contains("created 0, updated 0, unchanged 2, rejected 0"),
        "{out}{err}"
    );

    // Matched by the credit code (another spelling of the name) and by the
    // normalised name (full-width, spaces), with one change each.
    std::fs::write(
        &file,
        "名称,信用代码,简称,ABC\n\
         齐心文具,91350100m000100y43,齐心,A\n\
         青岛 海信集团,,海信,\n",
    )
    .unwrap();
    let (ok, out, err) = import(&db, &file, &[]);
    assert!(ok, "{err}");
    assert!(
        out.contains("created 0, updated 1, unchanged 1, rejected 0"),
        "{out}"
    );
    let all = export_csv(&db, dir.path(), &["--lang", "en"]);
    assert_eq!(all.len(), 3);
    assert_eq!(column(&all, "Name"), ["青岛海信集团", "齐心文具"]);
    assert_eq!(column(&all, "ABC"), ["", "A"]);
}

#[test]
fn exports_read_back_with_calamine_and_csv_with_the_right_rows_and_columns() {
    use calamine::{Data, Reader, open_workbook_auto};

    let dir = tempfile::tempdir().unwrap();
    let db = customer_db(dir.path());
    let file = dir.path().join("c.csv");
    std::fs::write(&file, format!("{HEADERS}\n{GOOD_ROWS}")).unwrap();
    let (ok, out, _) = import(&db, &file, &[]);
    assert!(ok, "{out}");

    let xlsx = dir.path().join("customers.xlsx");
    let (ok, out, err) = run(
        tuoke()
            .args([
                "--db",
                &db,
                "export",
                "customers",
                "--format",
                "xlsx",
                "--out",
            ])
            .arg(&xlsx),
        "",
    );
    assert!(ok, "{err}");
    assert!(out.contains("exported 2 customers"), "{out}");
    let mut book = open_workbook_auto(&xlsx).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let rows: Vec<_> = sheet.rows().collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0][0], Data::String("客户名称".into()));
    assert_eq!(rows[0].len(), 18);
    assert_eq!(rows[1][0], Data::String("深圳市齐心文具有限公司".into()));
    assert_eq!(rows[1][2], Data::String("91350100M000100Y43".into()));
    assert_eq!(rows[1][12], Data::Float(50000.0));

    // Filters and English headers; the XLSX imports back unchanged.
    let en = export_csv(&db, dir.path(), &["--lang", "en", "--province", "广东"]);
    assert_eq!(en.len(), 2);
    assert_eq!(en[0][0], "Name");
    assert_eq!(column(&en, "Nature"), ["Listed company"]);
    assert_eq!(export_csv(&db, dir.path(), &["--q", "hx"]).len(), 2);
    let (ok, out, err) = import(&db, &xlsx, &[]);
    assert!(ok, "{err}");
    assert!(out.contains("created 0, updated 0, unchanged 2"), "{out}");
}

#[test]
fn a_mapping_file_names_columns_the_vocabulary_does_not_know() {
    let dir = tempfile::tempdir().unwrap();
    let db = customer_db(dir.path());
    let file = dir.path().join("c.csv");
    std::fs::write(&file, "单位全称,片区,传真\n深圳齐心,广东 深圳,0755-1\n").unwrap();
    let mapping = dir.path().join("mapping.toml");
    std::fs::write(
        &mapping,
        "[columns]\n\"单位全称\" = \"name\"\n\"片区\" = \"region\"\n\"传真\" = \"\"\n",
    )
    .unwrap();
    let (ok, out, err) = import(&db, &file, &[]);
    assert!(!ok, "without the mapping there is no name column: {out}");
    assert!(
        out.contains("no `name` column (客户名称") && err.contains("header row"),
        "{out}{err}"
    );
    let (ok, out, err) = import(&db, &file, &["--mapping", mapping.to_str().unwrap()]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("created 1"), "{out}");
    assert!(
        !err.contains("传真"),
        "an ignored column draws no warning: {err}"
    );
    let all = export_csv(&db, dir.path(), &[]);
    assert_eq!(column(&all, "市"), ["深圳"]);
}

#[tokio::test]
async fn the_visit_record_of_a_customer_and_of_a_rep_reads_back_as_the_paper_form() {
    use calamine::{Data, Reader, open_workbook_auto};

    let dir = tempfile::tempdir().unwrap();
    let db = customer_db(dir.path());
    let file = dir.path().join("c.csv");
    std::fs::write(&file, format!("{HEADERS}\n{GOOD_ROWS}")).unwrap();
    let (ok, out, _) = import(&db, &file, &["--as", "zhangwei"]);
    assert!(ok, "{out}");

    // Follow-up records, logged through the API by the rep, newest first.
    let served = serve(&db, &[], None);
    let http = reqwest::Client::new();
    let base = served.base.clone();
    let login: Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": "zhangwei", "password": "secret-pass-1"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["token"].as_str().unwrap().to_owned();
    let get = |path: String| http.get(format!("{base}{path}")).bearer_auth(&token);
    let post = |path: &str, body: Value| {
        http.post(format!("{base}{path}"))
            .bearer_auth(&token)
            .json(&body)
    };
    let list: Value = get("/api/v1/customers?q=hx".into())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let hisense = list["items"][0]["id"].as_str().unwrap().to_owned();
    let contact: Value = post(
        &format!("/api/v1/customers/{hisense}/contacts"),
        json!({"name": "王经理"}),
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    for body in [
        json!({"customer_id": hisense, "occurred_at": "2026-11-21T02:00:00Z", "method": "phone",
               "content": "电话跟进报价", "attitude": "neutral"}),
        json!({"customer_id": hisense, "contact_ids": [contact["id"]], "occurred_at": "2026-11-20T01:30:00Z",
               "method": "visit", "duration_minutes": 45, "content": "拜访采购部", "progress": "已送样品",
               "attitude": "positive", "next_step": "报价", "next_follow_up": "2026-11-25"}),
    ] {
        let r = post("/api/v1/activities", body).send().await.unwrap();
        assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    }
    drop(served);

    // One customer, by name, to the file's own name in the current directory.
    let (ok, out, err) = run(
        tuoke().current_dir(dir.path()).args([
            "--db",
            &db,
            "export",
            "visit-record",
            "--customer",
            "青岛海信集团",
            "--as",
            "zhangwei",
        ]),
        "",
    );
    assert!(ok, "{err}");
    assert!(out.contains("exported 2 follow-up records"), "{out}");
    let xlsx = dir.path().join("大客户开发记录表-青岛海信集团.xlsx");
    let mut book = open_workbook_auto(&xlsx).unwrap();
    assert_eq!(book.sheet_names(), ["青岛海信集团"]);
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let cell = |r: usize, c: usize| match sheet.get((r, c)) {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Empty) | None => String::new(),
        Some(other) => panic!("({r}, {c}) is {other:?}"),
    };
    assert_eq!(cell(0, 0), "大客户开发记录表");
    assert_eq!(cell(1, 0), "客户名称：青岛海信集团");
    assert_eq!(cell(1, 4), "业务员：张伟");
    let headers: Vec<_> = (0..8).map(|c| cell(2, c)).collect();
    assert_eq!(
        headers,
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
    let rows: Vec<Vec<String>> = (3..5)
        .map(|r| (0..8).map(|c| cell(r, c)).collect())
        .collect();
    assert_eq!(
        rows,
        [
            [
                "2026-11-20 09:30",
                "王经理",
                "45 分钟",
                "上门拜访",
                "拜访采购部\n已送样品",
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
    assert_eq!(sheet.height(), 5, "no row after the records");

    // Every customer of the rep: one sheet each, by name; English labels.
    let out = dir.path().join("rep.xlsx");
    let (ok, _, err) = run(
        tuoke()
            .args([
                "--db",
                &db,
                "export",
                "visit-record",
                "--rep",
                "zhangwei",
                "--lang",
                "en",
                "-o",
            ])
            .arg(&out),
        "",
    );
    assert!(ok, "{err}");
    let mut book = open_workbook_auto(&out).unwrap();
    assert_eq!(
        book.sheet_names(),
        ["深圳市齐心文具有限公司", "青岛海信集团"]
    );
    let empty = book.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(
        empty.get((0, 0)),
        Some(&Data::String("Big-customer development record".into()))
    );
    assert_eq!(empty.height(), 3, "title, heading and headers only");
    let hisense = book.worksheet_range_at(1).unwrap().unwrap();
    assert_eq!(hisense.get((3, 3)), Some(&Data::String("Visit".into())));

    // Neither a customer nor a rep, or both: refused by the parser.
    let (ok, _, err) = run(tuoke().args(["--db", &db, "export", "visit-record"]), "");
    assert!(!ok);
    assert!(err.contains("--customer"), "{err}");
    let (ok, _, err) = run(
        tuoke().args([
            "--db",
            &db,
            "export",
            "visit-record",
            "--customer",
            "没有这个客户",
        ]),
        "",
    );
    assert!(!ok);
    assert!(err.contains("no customer named"), "{err}");
}

#[test]
fn an_import_killed_midway_leaves_nothing_and_a_rerun_ends_with_exactly_the_rows() {
    let dir = tempfile::tempdir().unwrap();
    let db = customer_db(dir.path());
    let file = dir.path().join("big.csv");
    let rows = 20_000;
    let mut text = String::from("客户名称,地区,负责人\n");
    for i in 0..rows {
        text.push_str(&format!("测试{i}号电子有限公司,广东 深圳,zhangwei\n"));
    }
    std::fs::write(&file, text).unwrap();

    let mut child = tuoke()
        .args(["--db", &db, "import", "customers"])
        .arg(&file)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Nothing is written before this line; kill the process right after it.
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let mut writing = false;
    for line in stderr.lines() {
        if line.unwrap().starts_with("writing ") {
            writing = true;
            break;
        }
    }
    assert!(writing, "the import says when it starts writing");
    child.kill().unwrap(); // SIGKILL: no cleanup runs
    child.wait().unwrap();

    let count = export_csv(&db, dir.path(), &[]).len() - 1;
    assert!(
        count == 0 || count == rows,
        "an interrupted import is all or nothing, found {count} rows"
    );
    let (ok, out, err) = import(&db, &file, &[]);
    assert!(ok, "{out}{err}");
    assert!(
        out.contains(&format!(
            "created {}, updated 0, unchanged {count}",
            rows - count
        )),
        "{out}"
    );
    assert_eq!(export_csv(&db, dir.path(), &[]).len() - 1, rows);
}

#[test]
fn contacts_and_visit_records_import_from_gbk_csv_and_xlsx_against_their_customers() {
    let dir = tempfile::tempdir().unwrap();
    let db = customer_db(dir.path());
    let customers = dir.path().join("c.csv");
    std::fs::write(&customers, format!("{HEADERS}\n{GOOD_ROWS}")).unwrap();
    assert!(import(&db, &customers, &[]).0);

    let contacts = dir.path().join("contacts.csv");
    let text = "客户名称,姓名,职务,角色\n\
                深圳市齐心文具有限公司,陈静,采购主管,采购执行者\n\
                91350100M000100Y43,刘洋,总监,决策者\n\
                青岛海信集团,周杰,工程师,技术论证者\n";
    std::fs::write(&contacts, encoding_rs::GBK.encode(text).0).unwrap();
    let run_kind = |kind: &str, file: &std::path::Path| {
        run(tuoke().args(["--db", &db, "import", kind]).arg(file), "")
    };
    let (ok, out, err) = run_kind("contacts", &contacts);
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("created 3, updated 0, unchanged 0, rejected 0"),
        "{out}"
    );

    // The visit records as a spreadsheet, in the columns of the paper form.
    let visits = dir.path().join("visits.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let cells = [
        [
            "客户名称",
            "日期和时间",
            "访问对象",
            "滞留时间",
            "开发方式",
            "内容",
            "客户态度",
        ],
        [
            "深圳市齐心文具有限公司",
            "2026-03-05 14:30",
            "陈静、刘洋",
            "45分钟",
            "上门拜访",
            "送样品",
            "积极",
        ],
        [
            "青岛海信集团",
            "2026-03-06 09:00",
            "周杰",
            "",
            "电话",
            "约技术交流",
            "",
        ],
    ];
    for (r, row) in cells.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *cell).unwrap();
        }
    }
    book.save(&visits).unwrap();
    let (ok, out, err) = run_kind("activities", &visits);
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("created 2, updated 0, unchanged 0, rejected 0"),
        "{out}"
    );
    let (ok, out, err) = run_kind("activities", &visits);
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("created 0, updated 0, unchanged 2, rejected 0"),
        "{out}"
    );

    // A person who is not a contact of that customer rejects the file.
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "客户名称,日期和时间,访问对象,开发方式,内容\n青岛海信集团,2026-03-07 10:00,陈静,电话,回访\n",
    )
    .unwrap();
    let (ok, out, _) = run_kind("activities", &bad);
    assert!(!ok);
    assert!(
        out.contains("line 2, column 访问对象: `陈静` is not a contact of `青岛海信集团`"),
        "{out}"
    );
}

/// Runs `tuoke export KIND --format FORMAT --out OUT EXTRA…`; returns stdout.
fn export_kind(
    db: &str,
    kind: &str,
    format: &str,
    out: &std::path::Path,
    extra: &[&str],
) -> String {
    let (ok, stdout, err) = run(
        tuoke()
            .args(["--db", db, "export", kind, "--format", format, "--out"])
            .arg(out)
            .args(extra),
        "",
    );
    assert!(ok, "{kind} {format}: {err}");
    stdout
}

/// The first sheet of a workbook as text, row by row.
fn sheet_text(file: &std::path::Path) -> Vec<Vec<String>> {
    use calamine::{Data, Reader, open_workbook_auto};
    let mut book = open_workbook_auto(file).unwrap();
    let range = book.worksheet_range_at(0).unwrap().unwrap();
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

/// The records of an exported CSV (header first), after its BOM.
fn csv_text(file: &std::path::Path) -> Vec<Vec<String>> {
    let bytes = std::fs::read(file).unwrap();
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBF"),
        "the CSV starts with a BOM"
    );
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(&bytes[3..])
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

#[test]
fn contacts_activities_and_cases_export_as_xlsx_and_csv_and_import_back_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let db = customer_db(dir.path());
    let write = |name: &str, text: &str| {
        let file = dir.path().join(name);
        std::fs::write(&file, text).unwrap();
        file
    };
    let import_kind = |kind: &str, file: &std::path::Path| {
        let (ok, out, err) = run(tuoke().args(["--db", &db, "import", kind]).arg(file), "");
        assert!(ok, "{kind}: {out}{err}");
        out
    };
    let customers = write(
        "c.csv",
        &format!("{HEADERS}\n{GOOD_ROWS}管理员的客户,,,,,admin,\n"),
    );
    import_kind("customers", &customers);
    let contacts = write(
        "contacts.csv",
        "客户名称,姓名,职务,手机,角色,影响力,生日,备注\n\
         深圳市齐心文具有限公司,陈静,采购主管,13800138000,采购执行者,4,农历 04-05,喜欢喝茶\n\
         深圳市齐心文具有限公司,刘洋,总监,,决策者、内线,5,1980-02-29,\n\
         青岛海信集团,周杰,工程师,,技术论证者,,,\n",
    );
    assert!(import_kind("contacts", &contacts).contains("created 3,"));
    let visits = write(
        "visits.csv",
        "客户名称,日期和时间,访问对象,滞留时间,开发方式,内容,业务进度,客户态度,下一步,下次跟进,礼品金额,业务员\n\
         深圳市齐心文具有限公司,2026-03-05 14:30,陈静、刘洋,45,上门拜访,送样品,样品测试中,积极,报价,2026-03-12,,zhangwei\n\
         青岛海信集团,2026-03-06 09:00,周杰,,电话,约技术交流,,中立,,,,\n\
         青岛海信集团,2026-03-09 10:15,,,短信/微信,发资料,,,,,,zhangwei\n\
         管理员的客户,2026-03-01 08:00,,,送礼,中秋礼品,,,,,300,\n",
    );
    assert!(import_kind("activities", &visits).contains("created 4,"));
    let cases = write(
        "cases.csv",
        "客户名称,流程,当前阶段,项目名称,预计金额,预计成交日期,竞争对手,负责人\n\
         深圳市齐心文具有限公司,big_account_five_stages,样品资料提供／信息收集,齐心年度框架,\"500,000\",2026-12-31,晨光,zhangwei\n\
         青岛海信集团,大客户开发流程（五阶段）,,海信试单,8万,,,\n",
    );
    assert!(import_kind("cases", &cases).contains("created 2,"));

    // Each kind as XLSX: the headers of its import columns, one row per record.
    let xlsx = dir.path().join("out.xlsx");
    let out = export_kind(&db, "contacts", "xlsx", &xlsx, &[]);
    assert!(out.contains("exported 3 contacts"), "{out}");
    let rows = sheet_text(&xlsx);
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0][..4], ["客户名称", "姓名", "职务", "部门"]);
    assert_eq!(rows[0].len(), 20);
    let chen = rows.iter().find(|r| r[1] == "陈静").unwrap();
    assert_eq!(chen[0], "深圳市齐心文具有限公司");
    assert_eq!(chen[4], "13800138000");
    assert!(chen.contains(&"农历 04-05".to_owned()), "{chen:?}");
    assert!(
        chen.contains(&"4".to_owned()),
        "influence as a number: {chen:?}"
    );

    let out = export_kind(&db, "activities", "xlsx", &xlsx, &[]);
    assert!(out.contains("exported 4 follow-up records"), "{out}");
    let rows = sheet_text(&xlsx);
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
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[4][0], "管理员的客户", "newest first");
    assert_eq!(rows[4][11], "300", "the gift's value");
    assert_eq!(
        rows[3][..8],
        [
            "深圳市齐心文具有限公司",
            "2026-03-05 14:30",
            "陈静、刘洋",
            "45",
            "上门拜访",
            "送样品",
            "样品测试中",
            "积极"
        ],
        "{rows:?}"
    );
    assert_eq!(rows[3][12], "zhangwei");

    let out = export_kind(&db, "cases", "xlsx", &xlsx, &["--lang", "en"]);
    assert!(out.contains("exported 2 cases"), "{out}");
    let rows = sheet_text(&xlsx);
    assert_eq!(
        rows[0][..5],
        ["Customer", "Process", "Stage", "Status", "Title"]
    );
    let qixin = rows.iter().find(|r| r[4] == "齐心年度框架").unwrap();
    assert_eq!(
        qixin[..6],
        [
            "深圳市齐心文具有限公司",
            "big_account_five_stages",
            "Samples and materials / information collection",
            "Open",
            "齐心年度框架",
            "500000"
        ]
    );

    // Filters narrow each kind.
    let csv = dir.path().join("out.csv");
    export_kind(&db, "contacts", "csv", &csv, &["--q", "海信"]);
    assert_eq!(csv_text(&csv).len(), 2);
    export_kind(
        &db,
        "activities",
        "csv",
        &csv,
        &["--customer", "青岛海信集团", "--to", "2026-03-06"],
    );
    let rows = csv_text(&csv);
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[1][4], "电话");
    export_kind(
        &db,
        "activities",
        "csv",
        &csv,
        &["--owner", "zhangwei", "--method", "message"],
    );
    assert_eq!(csv_text(&csv).len(), 2);
    export_kind(
        &db,
        "cases",
        "csv",
        &csv,
        &["--stage", "samples_information"],
    );
    assert_eq!(csv_text(&csv).len(), 2);

    // The round trip: each kind's CSV (and XLSX) imports back changing nothing.
    for (kind, n) in [("contacts", 3), ("activities", 4), ("cases", 2)] {
        for (format, file) in [("csv", &csv), ("xlsx", &xlsx)] {
            export_kind(&db, kind, format, file, &[]);
            let out = import_kind(kind, file);
            assert!(
                out.contains(&format!("created 0, updated 0, unchanged {n}, rejected 0")),
                "{kind} {format}: {out}"
            );
        }
    }

    // A rep exports only what they see; a bad filter is named.
    let out = export_kind(&db, "activities", "csv", &csv, &["--as", "zhangwei"]);
    assert!(out.contains("exported 3 follow-up records"), "{out}");
    let (ok, _, err) = run(
        tuoke().args(["--db", &db, "export", "cases", "--status", "gone"]),
        "",
    );
    assert!(!ok);
    assert!(err.contains("--status"), "{err}");
}

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

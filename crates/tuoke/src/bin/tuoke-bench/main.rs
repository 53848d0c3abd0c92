//! `tuoke-bench`: generates realistic data at a given scale, runs workloads
//! against a real `tuoke serve` over HTTP on loopback, and prints one JSON
//! object per workload on its own line.
//!
//! ```sh
//! cargo run --release --bin tuoke-bench -- --db sqlite:///tmp/bench.db --customers 10000
//! ```
//!
//! The data goes in as a user's would, through `tuoke import`: the
//! customers file (timed), then the contacts (3 per customer), follow-up
//! records (10) and cases (1, at stages across the funnel) in files of
//! [`CHUNK`] customers each, each file one transaction.

mod data;
mod load;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::{Value, json};
use tuoke_app::App;
use tuoke_app::ports::{CustomerFilter, PageRequest, Visibility};
use tuoke_store::Db;

use data::Generator;

/// Benchmark Tuoke: generate data, run workloads over HTTP, print JSON lines.
#[derive(Debug, Parser)]
#[command(name = "tuoke-bench", version, long_about = None)]
struct Opts {
    /// A fresh database to fill: `sqlite://PATH` or `postgres://USER@HOST/DB`.
    /// One that already has customers is refused.
    #[arg(long)]
    db: String,
    /// Customers to generate; contacts are 3×, follow-up records 10× and cases 1× this.
    #[arg(long, default_value_t = 1_000_000)]
    customers: u64,
    /// Concurrent HTTP clients in the timed workloads and the seeding.
    #[arg(long, default_value_t = 16)]
    clients: usize,
    /// How long each timed workload runs, in seconds.
    #[arg(long, default_value_t = 10)]
    duration_secs: u64,
    /// The `tuoke` binary to run (default: the one next to this binary).
    #[arg(long)]
    tuoke: Option<PathBuf>,
}

/// The administrator the benchmark creates and acts as.
const ADMIN_PASSWORD: &str = "bench-admin-secret-1";
/// The owners of the imported customers.
const REPS: usize = 8;
/// The seed of every random choice.
const SEED: u64 = 0x7475_6f6b_6562_656e;
/// Search texts kept from the generated customers.
const SEARCH_SAMPLES: usize = 1_000;
/// Customers whose contacts, records and cases go in one import file.
const CHUNK: usize = 100_000;
/// Customers the log-activity workload visits (with their first contact).
const VISIT_SAMPLES: usize = 2_000;

#[tokio::main]
async fn main() -> Result<()> {
    let opts = Opts::parse();
    if opts.customers == 0 || opts.clients == 0 {
        bail!("--customers and --clients must be at least 1");
    }
    let tuoke = match &opts.tuoke {
        Some(path) => path.clone(),
        None => std::env::current_exe()
            .context("finding this binary")?
            .with_file_name(format!("tuoke{}", std::env::consts::EXE_SUFFIX)),
    };
    let backend = if opts.db.starts_with("postgres") {
        "postgres"
    } else {
        "sqlite"
    };
    let common = json!({"backend": backend, "customers": opts.customers, "clients": opts.clients});
    let emit = |workload: &str, figures: Value| {
        let mut line = json!({"workload": workload});
        merge(&mut line, &common);
        merge(&mut line, &figures);
        println!("{line}");
    };

    // (1) The schema, the administrator and the owners.
    run_tuoke(&tuoke, &opts.db, &["migrate"], None)?;
    run_tuoke(
        &tuoke,
        &opts.db,
        &[
            "user",
            "add",
            "admin",
            "--role",
            "admin",
            "--password-stdin",
        ],
        Some(ADMIN_PASSWORD),
    )
    .context("creating the user `admin`: tuoke-bench needs a fresh database")?;
    refuse_customers(&opts.db).await?;
    let reps: Vec<String> = (1..=REPS).map(|i| format!("rep{i:02}")).collect();
    for rep in &reps {
        run_tuoke(
            &tuoke,
            &opts.db,
            &["user", "add", rep, "--role", "rep", "--password-stdin"],
            Some(ADMIN_PASSWORD),
        )?;
    }

    // (2) The customers file, imported by the CLI.
    let dir = std::env::temp_dir().join(format!("tuoke-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let csv_path = dir.join("customers.csv");
    let mut generator = Generator::new(SEED, reps.clone());
    let written = write_customers(&mut generator, opts.customers, &csv_path)?;
    let started = Instant::now();
    let imported = run_tuoke(
        &tuoke,
        &opts.db,
        &[
            "import",
            "customers",
            &csv_path.to_string_lossy(),
            "--as",
            "admin",
        ],
        None,
    );
    let import_secs = started.elapsed().as_secs_f64();
    if let Err(e) = imported {
        let _ = std::fs::remove_dir_all(&dir);
        return Err(e);
    }
    emit(
        "import_customers",
        json!({"import_customers_rows_per_s": round(opts.customers as f64 / import_secs)}),
    );

    // (2b) Their contacts, visit records and cases, imported in files of
    // CHUNK customers.
    let seeded = seed_by_import(&tuoke, &opts.db, &dir, &written);
    let _ = std::fs::remove_dir_all(&dir);
    let seeded = seeded?;
    emit("import_related", seeded);

    // (3) The server.
    let mut server = Server::start(&tuoke, &opts.db)?;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .pool_max_idle_per_host(opts.clients * 2)
        .build()?;
    server.wait_healthy(&http).await?;
    let login = send(
        http.post(format!("{}/api/v1/auth/login", server.base))
            .json(&json!({"username": "admin", "password": ADMIN_PASSWORD})),
    )
    .await
    .context("logging in as admin")?;
    let token = login["token"]
        .as_str()
        .ok_or_else(|| anyhow!("the login answered no token"))?
        .to_owned();
    let ctx = Arc::new(Ctx {
        http,
        base: server.base.clone(),
        token,
        visits: Vec::new(),
        owners: Vec::new(),
        searches: written.searches,
        generator: Mutex::new(generator),
    });
    let owners = ctx.owner_ids(&reps).await?;
    let customers = ctx.customer_ids().await?;
    if customers.len() as u64 != opts.customers {
        bail!(
            "the import left {} customers, not {}",
            customers.len(),
            opts.customers
        );
    }

    // (4) The customers the log-activity workload visits, with their first contact.
    let step = (customers.len() / VISIT_SAMPLES).max(1);
    let mut visits = Vec::new();
    for id in customers.iter().step_by(step) {
        let contacts = send(ctx.get(
            &format!("/api/v1/customers/{id}/contacts"),
            &[("limit", "1")],
        ))
        .await?;
        let first = contacts["items"][0]["id"].as_str().map(str::to_owned);
        visits.push((id.clone(), first));
    }
    let ctx = Arc::new(Ctx {
        visits,
        owners,
        ..take(ctx)?
    });

    // (5) The timed workloads.
    let duration = Duration::from_secs(opts.duration_secs);
    let m = timed(&ctx, opts.clients, duration, |ctx, _, _| async move {
        let body = match ctx.generator.lock() {
            Ok(mut g) => Ok(g.customer_json()),
            Err(_) => Err(()),
        };
        match body {
            Ok(body) => answered(ctx.post("/api/v1/customers", &body)).await,
            Err(_) => false,
        }
    })
    .await;
    emit(
        "create_customer",
        figures(&m, json!({"create_customer_per_s": round(m.per_s())})),
    );

    let m = timed(&ctx, opts.clients, duration, |ctx, client, k| async move {
        let j = client as u64 * 7_919 + k;
        let owner = &ctx.owners[(j % ctx.owners.len() as u64) as usize];
        let status = LIST_STATUSES[(j / 3 % LIST_STATUSES.len() as u64) as usize];
        let province = data::REGIONS[(j / 7 % data::REGIONS.len() as u64) as usize].0;
        let query = [
            ("owner_id", owner.as_str()),
            ("status", status),
            ("province", province),
            ("sort", "name"),
            ("limit", "50"),
        ];
        answered(ctx.get("/api/v1/customers", &query)).await
    })
    .await;
    emit(
        "list_customers",
        figures(
            &m,
            json!({
                "list_customers_p50_ms": round(m.percentile(50.0)),
                "list_customers_p99_ms": round(m.percentile(99.0)),
                "list_customers_per_s": round(m.per_s()),
            }),
        ),
    );

    let m = timed(&ctx, opts.clients, duration, |ctx, client, k| async move {
        let j = client as u64 * 7_919 + k;
        let (initials, chinese) = &ctx.searches[(j / 2 % ctx.searches.len() as u64) as usize];
        let q = if j.is_multiple_of(2) {
            initials
        } else {
            chinese
        };
        answered(ctx.get("/api/v1/customers", &[("q", q.as_str())])).await
    })
    .await;
    emit(
        "search_customers",
        figures(
            &m,
            json!({
                "search_customers_p50_ms": round(m.percentile(50.0)),
                "search_customers_p99_ms": round(m.percentile(99.0)),
                "search_customers_per_s": round(m.per_s()),
            }),
        ),
    );

    let m = timed(&ctx, opts.clients, duration, |ctx, _, _| async move {
        answered(ctx.get(
            "/api/v1/reports/funnel",
            &[("template", data::FUNNEL_TEMPLATE)],
        ))
        .await
    })
    .await;
    emit(
        "funnel_report",
        figures(
            &m,
            json!({
                "funnel_report_p50_ms": round(m.percentile(50.0)),
                "funnel_report_p99_ms": round(m.percentile(99.0)),
            }),
        ),
    );

    let m = timed(&ctx, opts.clients, duration, |ctx, client, k| async move {
        match ctx.log_activity(((client as u64) << 40) + k) {
            Ok(request) => answered(request).await,
            Err(_) => false,
        }
    })
    .await;
    emit(
        "log_activity",
        figures(&m, json!({"log_activity_per_s": round(m.per_s())})),
    );

    // (6)–(8) The server's peak memory, then stop it.
    let rss = server.peak_rss_mib();
    server.stop();
    println!("{}", json!({"server_peak_rss_mib": rss.map(round)}));
    Ok(())
}

/// The statuses the list workload filters on.
const LIST_STATUSES: &[&str] = &["prospect", "target", "developing", "customer"];

/// What every request needs.
struct Ctx {
    http: reqwest::Client,
    base: String,
    token: String,
    /// Customers the log-activity workload visits, with their first contact.
    visits: Vec<(String, Option<String>)>,
    /// The ids of the reps owning the customers.
    owners: Vec<String>,
    /// (pinyin initials, a 2-character Chinese substring) of generated names.
    searches: Vec<(String, String)>,
    /// Makes the customers of the create workload.
    generator: Mutex<Generator>,
}

/// The context itself, once no task holds it any more.
fn take(ctx: Arc<Ctx>) -> Result<Ctx> {
    Arc::try_unwrap(ctx).map_err(|_| anyhow!("the context is still shared"))
}

impl Ctx {
    fn post(&self, path: &str, body: &Value) -> reqwest::RequestBuilder {
        self.http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(body)
    }

    fn get(&self, path: &str, query: &[(&str, &str)]) -> reqwest::RequestBuilder {
        self.http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .query(query)
    }

    /// Logs a follow-up record on a customer chosen by `i`.
    fn log_activity(&self, i: u64) -> Result<reqwest::RequestBuilder> {
        let mut rng = StdRng::seed_from_u64(SEED ^ i.rotate_left(17));
        let c = (i.wrapping_mul(2_654_435_761) % self.visits.len().max(1) as u64) as usize;
        let (customer, contact) = self
            .visits
            .get(c)
            .ok_or_else(|| anyhow!("no customer to visit"))?;
        let body = data::activity_json(&mut rng, customer, contact.as_deref());
        Ok(self.post("/api/v1/activities", &body))
    }

    /// The ids of the reps, in their order.
    async fn owner_ids(&self, reps: &[String]) -> Result<Vec<String>> {
        let users = send(self.get("/api/v1/users", &[("limit", "500")])).await?;
        reps.iter()
            .map(|rep| {
                users["items"]
                    .as_array()
                    .and_then(|items| items.iter().find(|u| u["username"] == rep.as_str()))
                    .and_then(|u| u["id"].as_str())
                    .map(str::to_owned)
                    .ok_or_else(|| anyhow!("no user {rep}"))
            })
            .collect()
    }

    /// The ids of every customer, page by page.
    async fn customer_ids(&self) -> Result<Vec<String>> {
        let mut ids = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut query = vec![("limit", "500")];
            if let Some(c) = &cursor {
                query.push(("cursor", c));
            }
            let page = send(self.get("/api/v1/customers", &query)).await?;
            for item in page["items"].as_array().into_iter().flatten() {
                if let Some(id) = item["id"].as_str() {
                    ids.push(id.to_owned());
                }
            }
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => return Ok(ids),
            }
        }
    }
}

/// Sends a request; anything but a success is an error naming the answer.
async fn send(request: reqwest::RequestBuilder) -> Result<Value> {
    let body = body_of(request).await?;
    if body.as_ref().is_empty() {
        return Ok(Value::Null);
    }
    Ok(serde_json::from_slice(body.as_ref())?)
}

/// Whether a timed request succeeded. Its answer is read to the end but
/// not parsed: the client shares the machine's cores with the server, and
/// parsing pages of JSON it never looks at would take from the server's.
async fn answered(request: reqwest::RequestBuilder) -> bool {
    body_of(request).await.is_ok()
}

/// The body of a successful answer to `request`.
async fn body_of(request: reqwest::RequestBuilder) -> Result<impl AsRef<[u8]>> {
    let response = request.send().await?;
    let status = response.status();
    let body = response.bytes().await?;
    if !status.is_success() {
        bail!("{status}: {}", String::from_utf8_lossy(&body));
    }
    Ok(body)
}

/// Runs one timed workload with the context.
async fn timed<F, Fut>(ctx: &Arc<Ctx>, clients: usize, duration: Duration, f: F) -> load::Measured
where
    F: Fn(Arc<Ctx>, usize, u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = bool> + Send,
{
    let ctx = ctx.clone();
    load::run(clients, duration, move |client, k| {
        f(ctx.clone(), client, k)
    })
    .await
}

/// What the customers file holds: the search texts kept, and each
/// customer's name and owner, for the files that refer to them.
struct Written {
    searches: Vec<(String, String)>,
    customers: Vec<(String, String)>,
}

/// Writes `n` generated customers as CSV.
fn write_customers(generator: &mut Generator, n: u64, path: &Path) -> Result<Written> {
    let file =
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut csv = csv::Writer::from_writer(std::io::BufWriter::new(file));
    csv.write_record(data::CSV_HEADER)?;
    let mut searches = Vec::new();
    let mut customers = Vec::with_capacity(n as usize);
    let every = (n / SEARCH_SAMPLES as u64).max(1);
    for i in 0..n {
        let row = generator.customer();
        csv.write_record(row.csv_record())?;
        if i.is_multiple_of(every) {
            // A prefix of the initials (city and brand), and the brand.
            let initials: String = row.pinyin.chars().take(5).collect();
            searches.push((initials.to_lowercase(), row.short_name.clone()));
        }
        customers.push((row.name, row.owner));
    }
    csv.flush()?;
    Ok(Written {
        searches,
        customers,
    })
}

/// Writes a CSV file of `rows` under `header`.
fn write_csv<const N: usize>(
    path: &Path,
    header: [&str; N],
    rows: impl IntoIterator<Item = [String; N]>,
) -> Result<u64> {
    let file =
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut csv = csv::Writer::from_writer(std::io::BufWriter::new(file));
    csv.write_record(header)?;
    let mut n = 0;
    for row in rows {
        csv.write_record(&row)?;
        n += 1;
    }
    csv.flush()?;
    Ok(n)
}

/// Imports the contacts, visit records and cases of the customers, CHUNK
/// customers per file, and answers the rows per second of each kind.
fn seed_by_import(tuoke: &Path, db: &str, dir: &Path, written: &Written) -> Result<Value> {
    let chunks: Vec<&[(String, String)]> = written.customers.chunks(CHUNK).collect();
    let bar = ProgressBar::new(chunks.len() as u64 * 3).with_style(
        ProgressStyle::with_template("{msg:>12} [{bar:40}] {pos}/{len} files ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let mut timing = [
        ("contacts", 0u64, 0f64),
        ("activities", 0, 0.0),
        ("cases", 0, 0.0),
    ];
    for (c, chunk) in chunks.iter().enumerate() {
        let mut rng = StdRng::seed_from_u64(SEED ^ c as u64);
        let mut first_contacts = Vec::with_capacity(chunk.len());
        let contacts: Vec<[String; 5]> = chunk
            .iter()
            .flat_map(|(name, _)| {
                let rows = data::contact_rows(&mut rng, name, 3);
                first_contacts.push(rows[0][1].clone());
                rows
            })
            .collect();
        let files = [
            ("contacts", dir.join(format!("contacts-{c}.csv"))),
            ("activities", dir.join(format!("activities-{c}.csv"))),
            ("cases", dir.join(format!("cases-{c}.csv"))),
        ];
        let rows = [
            write_csv(&files[0].1, data::CONTACTS_HEADER, contacts)?,
            write_csv(
                &files[1].1,
                data::ACTIVITIES_HEADER,
                chunk
                    .iter()
                    .zip(&first_contacts)
                    .flat_map(|((name, owner), contact)| {
                        let mut rng = StdRng::seed_from_u64(SEED ^ name.len() as u64 ^ c as u64);
                        (0..10)
                            .map(|k| data::activity_row(&mut rng, name, contact, owner, k))
                            .collect::<Vec<_>>()
                    }),
            )?,
            write_csv(
                &files[2].1,
                data::CASES_HEADER,
                chunk
                    .iter()
                    .map(|(name, owner)| data::case_row(&mut rng, name, owner)),
            )?,
        ];
        for ((kind, file), n) in files.iter().zip(rows) {
            bar.set_message(*kind);
            let started = Instant::now();
            run_tuoke(
                tuoke,
                db,
                &["import", kind, &file.to_string_lossy(), "--as", "admin"],
                None,
            )?;
            let slot = timing
                .iter_mut()
                .find(|(k, _, _)| k == kind)
                .ok_or_else(|| anyhow!("no timing for {kind}"))?;
            slot.1 += n;
            slot.2 += started.elapsed().as_secs_f64();
            let _ = std::fs::remove_file(file);
            bar.inc(1);
        }
    }
    bar.finish_and_clear();
    let mut figures = json!({});
    for (kind, n, secs) in timing {
        figures[format!("{kind}_rows")] = json!(n);
        figures[format!("import_{kind}_rows_per_s")] = json!(round(n as f64 / secs.max(1e-9)));
    }
    Ok(figures)
}

/// Refuses a database that already has customers.
async fn refuse_customers(url: &str) -> Result<()> {
    let db = Db::connect(url)
        .await
        .with_context(|| format!("opening {url}"))?;
    let app = App::with_system_clock(Arc::new(db));
    let admin = app
        .local_actor("admin")
        .await
        .map_err(|e| anyhow!("acting as admin: {e}"))?;
    let page = app
        .list_customers(
            &admin,
            CustomerFilter::visible(Visibility::All),
            &PageRequest {
                limit: 1,
                cursor: None,
            },
        )
        .await
        .map_err(|e| anyhow!("listing customers: {e}"))?;
    if !page.items.is_empty() {
        bail!("{url} already has customers: tuoke-bench needs a fresh database");
    }
    Ok(())
}

/// Runs `tuoke ARGS --db URL`, feeding `stdin`; fails with its output.
fn run_tuoke(tuoke: &Path, db: &str, args: &[&str], stdin: Option<&str>) -> Result<String> {
    let mut child = Command::new(tuoke)
        .args(args)
        .args(["--db", db])
        .env("TUOKE_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("running {}", tuoke.display()))?;
    if let Some(mut input) = child.stdin.take() {
        input.write_all(stdin.unwrap_or_default().as_bytes())?;
    }
    let out = child.wait_with_output()?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        bail!(
            "tuoke {} failed: {stdout}{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(stdout)
}

/// `tuoke serve` as a child process on a free loopback port.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(tuoke: &Path, db: &str) -> Result<Server> {
        let mut child = Command::new(tuoke)
            .args(["serve", "--db", db, "--listen", "127.0.0.1:0"])
            .env("TUOKE_LOG", "warn")
            .env_remove("TUOKE_ADMIN_PASSWORD")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting {} serve", tuoke.display()))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| anyhow!("no standard output"))?;
        let (tx, rx) = std::sync::mpsc::channel();
        // Reads the address the server announces, then drains the rest.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(rest) = line.strip_prefix("Tuoke is running at ") {
                    let url = rest.split_whitespace().next().unwrap_or_default();
                    let _ = tx.send(url.trim_end_matches('/').to_owned());
                }
            }
        });
        let mut server = Server {
            child,
            base: String::new(),
        };
        server.base = rx
            .recv_timeout(Duration::from_secs(120))
            .context("the server did not say where it listens")?;
        Ok(server)
    }

    async fn wait_healthy(&self, http: &reqwest::Client) -> Result<()> {
        for _ in 0..1_000 {
            if let Ok(r) = http.get(format!("{}/healthz", self.base)).send().await
                && r.status().is_success()
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        bail!("the server did not become healthy")
    }

    /// The server's peak resident memory (`VmHWM`), MiB; Linux only.
    fn peak_rss_mib(&self) -> Option<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let kib: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))?
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()?;
        Some(kib / 1024.0)
    }

    /// Asks the server to stop (SIGTERM), killing it if it has not in 10 s.
    fn stop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        for _ in 0..100 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A workload's own figures with the request and error counts.
fn figures(m: &load::Measured, own: Value) -> Value {
    let mut v = own;
    merge(
        &mut v,
        &json!({"requests": m.latencies_ms.len(), "errors": m.errors}),
    );
    v
}

fn merge(into: &mut Value, from: &Value) {
    if let (Some(into), Some(from)) = (into.as_object_mut(), from.as_object()) {
        for (k, v) in from {
            into.insert(k.clone(), v.clone());
        }
    }
}

/// Three decimals are plenty.
fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

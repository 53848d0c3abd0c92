//! `tuoke`: the command line. It reads the configuration, wires the store,
//! the use cases and the web service together, and runs one command.

mod export;
mod import;

/// mimalloc for the whole process, SQLite's allocations included (its
/// `override` feature): with glibc's malloc about 15 % of the server's
/// time under writes went to allocating and freeing (docs/PERFORMANCE.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use tuoke_app::App;
use tuoke_core::{Role, UserDraft};
use tuoke_store::Db;

/// Tuoke (拓客): self-hosted B2B customer development.
#[derive(Debug, Parser)]
#[command(name = "tuoke", version, long_about = None)]
struct Cli {
    #[command(flatten)]
    db: DbArg,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Args)]
struct DbArg {
    /// Database URL: `sqlite://PATH` or `postgres://USER@HOST/DB`.
    #[arg(
        long = "db",
        env = "TUOKE_DATABASE_URL",
        default_value = "sqlite://./tuoke.db",
        global = true
    )]
    url: String,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the web UI and the REST API.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "TUOKE_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Load the demo data set (once: a second start leaves it as it is).
        #[arg(long)]
        demo: bool,
    },
    /// Bring the database schema up to date (serve does this on start too).
    Migrate,
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Work with process and form template files.
    #[command(subcommand)]
    Template(TemplateCommand),
    /// Import records from CSV (UTF-8 or GBK) or Excel files.
    Import(ImportArgs),
    /// Export records as CSV or Excel files.
    #[command(subcommand)]
    Export(ExportCommand),
}

/// What an import file holds.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum ImportWhat {
    /// Columns: 客户名称/name (required), 简称, 统一社会信用代码, 客户类型,
    /// 渠道, 行业, 地区 or 省/市, 客户层级, ABC, 状态, 月采购额, 地址, 电话,
    /// 网址, 备注, 负责人/owner.
    Customers,
    /// Columns: 客户名称 (the customer's name or credit code) and 姓名
    /// (required), 职务, 部门, 手机, 电话, 邮箱, 微信, 角色 (决策者、内线…),
    /// 影响力, 关系强度, 生日 (1985-03-12, 农历 04-05), 籍贯, 年龄, 爱好, 备注.
    Contacts,
    /// Follow-up records, the columns of the 大客户开发记录表: 客户名称,
    /// 日期和时间, 开发方式 and 内容 (required), 访问对象 (contacts' names),
    /// 滞留时间, 业务进度, 客户态度, 下一步, 下次跟进, 礼品金额, 业务员/owner.
    Activities,
    /// Open development cases: 客户名称 and 流程 (a process template's key or
    /// name) required, 当前阶段 (the stage it is at; default the first),
    /// 项目名称, 预计金额, 预计成交日期, 竞争对手, 障碍, 下一步, 负责人.
    Cases,
}

impl From<ImportWhat> for tuoke_app::imports::ImportKind {
    fn from(what: ImportWhat) -> Self {
        match what {
            ImportWhat::Customers => Self::Customers,
            ImportWhat::Contacts => Self::Contacts,
            ImportWhat::Activities => Self::Activities,
            ImportWhat::Cases => Self::Cases,
        }
    }
}

/// Import customers, contacts, follow-up records or development cases. Columns are found by
/// their headers, in Chinese or English. Every row is checked first; by
/// default one bad row rejects the whole file, and nothing is written. A
/// row matching an existing record (a customer by credit code or name, a
/// contact by customer and name, a record by customer, time, method and
/// rep, a case by customer and process) updates it, so importing a file again is safe. The import is
/// written in one transaction: interrupted, it leaves nothing behind.
#[derive(Debug, Args)]
struct ImportArgs {
    #[arg(value_enum)]
    what: ImportWhat,
    /// A .csv (UTF-8 or GBK/GB18030), .xlsx or .xls file.
    file: PathBuf,
    /// A TOML file mapping headers to fields: `[columns]` then `"单位" = "name"`.
    #[arg(long)]
    mapping: Option<PathBuf>,
    /// Import the good rows and write the bad ones, with the reason, to the rejects file.
    #[arg(long)]
    skip_invalid: bool,
    /// Where rejected rows go (default: FILE's name with `.rejects.csv`).
    #[arg(long)]
    rejects: Option<PathBuf>,
    /// The user the import acts as (and the owner of rows naming none).
    #[arg(long = "as", default_value = "admin")]
    as_user: String,
}

#[derive(Debug, Subcommand)]
enum ExportCommand {
    /// Export the customers a filter selects; `tuoke import customers` reads the file back.
    Customers {
        #[command(flatten)]
        file: TableArgs,
        #[command(flatten)]
        filter: CustomerFilterArgs,
    },
    /// Export the contacts of the customers a filter selects, customer by
    /// customer; `tuoke import contacts` reads the file back.
    Contacts {
        #[command(flatten)]
        file: TableArgs,
        #[command(flatten)]
        filter: CustomerFilterArgs,
    },
    /// Export follow-up records (the columns of the 大客户开发记录表), newest
    /// first; `tuoke import activities` reads the file back.
    Activities {
        #[command(flatten)]
        file: TableArgs,
        /// Only the records of this customer (its id or exact name).
        #[arg(long)]
        customer: Option<String>,
        /// Only the records of this rep (login name).
        #[arg(long)]
        owner: Option<String>,
        /// Only this method: visit, phone, wechat… or its label (上门拜访, 电话…).
        #[arg(long, value_parser = parse_vocabulary::<tuoke_core::ActivityMethod>)]
        method: Option<tuoke_core::ActivityMethod>,
        /// Only records at or after this date (or date and time), China time.
        #[arg(long, value_parser = |s: &str| export::parse_moment(s, false))]
        from: Option<chrono::DateTime<chrono::Utc>>,
        /// Only records before this date and time; a date alone includes that day.
        #[arg(long, value_parser = |s: &str| export::parse_moment(s, true))]
        to: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// Export development cases, newest first; `tuoke import cases` reads
    /// the open ones back (a case that ended is there to read).
    Cases {
        #[command(flatten)]
        file: TableArgs,
        /// Only the cases of this customer (its id or exact name).
        #[arg(long)]
        customer: Option<String>,
        /// Only the cases of this rep (login name).
        #[arg(long)]
        owner: Option<String>,
        /// Only cases of this process template (its key, e.g. big_account_five_stages).
        #[arg(long)]
        template: Option<String>,
        /// Only cases at this stage (its key in the template).
        #[arg(long)]
        stage: Option<String>,
        /// Only cases with this status: open, won, lost or terminated.
        #[arg(long, value_parser = parse_vocabulary::<tuoke_core::process::CaseStatus>)]
        status: Option<tuoke_core::process::CaseStatus>,
    },
    /// Export the 大客户开发记录表 (big-customer development record) as
    /// Excel: one customer's follow-up records, oldest first, or every
    /// customer of a rep, one sheet each.
    #[command(group = clap::ArgGroup::new("whose").required(true))]
    VisitRecord {
        /// The customer's id or exact name.
        #[arg(long, group = "whose")]
        customer: Option<String>,
        /// A rep's login name: all of their customers.
        #[arg(long, group = "whose")]
        rep: Option<String>,
        /// The file to write (default: 大客户开发记录表-NAME.xlsx here).
        #[arg(short, long)]
        out: Option<PathBuf>,
        /// Language of the labels: zh or en.
        #[arg(long, default_value = "zh", value_parser = parse_lang)]
        lang: tuoke_core::import::Lang,
        /// The user whose view of the records is exported.
        #[arg(long = "as", default_value = "admin")]
        as_user: String,
    },
}

/// The file of a table export: its format, where it goes, its language and
/// whose view it is.
#[derive(Debug, Args)]
struct TableArgs {
    /// csv (UTF-8 with a BOM, for Excel) or xlsx.
    #[arg(long, value_enum, default_value = "csv")]
    format: export::Format,
    /// The file to write (default: the kind's name, e.g. 客户.csv, here).
    #[arg(short, long)]
    out: Option<PathBuf>,
    /// Language of the headers and labels: zh or en.
    #[arg(long, default_value = "zh", value_parser = parse_lang)]
    lang: tuoke_core::import::Lang,
    /// The user whose view of the records is exported.
    #[arg(long = "as", default_value = "admin")]
    as_user: String,
}

/// Which customers: all those the user sees, unless narrowed.
#[derive(Debug, Args)]
struct CustomerFilterArgs {
    /// Search text: part of the name or short name, or pinyin initials.
    #[arg(long)]
    q: Option<String>,
    /// Only customers with this status (prospect, target, developing, customer, dormant, lost).
    #[arg(long, value_parser = parse_status)]
    status: Option<tuoke_core::CustomerStatus>,
    /// Only customers in this province.
    #[arg(long)]
    province: Option<String>,
}

impl From<CustomerFilterArgs> for export::Filter {
    fn from(a: CustomerFilterArgs) -> Self {
        export::Filter {
            q: a.q,
            status: a.status,
            province: a.province,
        }
    }
}

/// A value of a closed vocabulary, by code or label.
fn parse_vocabulary<T: tuoke_core::enums::Vocabulary>(s: &str) -> Result<T, String> {
    tuoke_core::import::vocabulary(s)
}

fn parse_status(s: &str) -> Result<tuoke_core::CustomerStatus, String> {
    s.parse()
        .map_err(|e: tuoke_core::enums::UnknownCode| e.to_string())
}

fn parse_lang(s: &str) -> Result<tuoke_core::import::Lang, String> {
    match s {
        "zh" => Ok(tuoke_core::import::Lang::Zh),
        "en" => Ok(tuoke_core::import::Lang::En),
        _ => Err("expected zh or en".into()),
    }
}

#[derive(Debug, Subcommand)]
enum TemplateCommand {
    /// Check process or form template files: every problem is printed with its line and column.
    Check {
        /// The TOML files to check.
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Add a user; the password is read from standard input.
    Add {
        /// Login name: letters, digits, '.', '_', '-'.
        name: String,
        /// rep, manager, dev_manager, engineer, qa or admin.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// The name shown in the UI (defaults to the login name).
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from standard input (required, so it never shows in the process list).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    s.parse()
        .map_err(|e: tuoke_core::enums::UnknownCode| e.to_string())
}

#[tokio::main]
async fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("TUOKE_LOG")
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Serve { listen, demo } => serve(&cli.db.url, listen, demo).await,
        Command::Migrate => {
            let db = open(&cli.db.url).await?;
            println!("database schema is up to date ({})", db.backend());
            Ok(())
        }
        Command::Template(TemplateCommand::Check { files }) => check_templates(&files),
        Command::Import(args) => {
            let app = App::with_system_clock(Arc::new(open(&cli.db.url).await?));
            // Cases name a process template: the built-in ones are there
            // even in a database no server has started on yet.
            app.install_builtin_templates()
                .await
                .map_err(|e| anyhow::anyhow!("installing the built-in templates: {e}"))?;
            let opts = import::CliOptions {
                mapping: args.mapping,
                skip_invalid: args.skip_invalid,
                rejects: args.rejects,
                as_user: args.as_user,
            };
            run_import(&app, args.what.into(), &args.file, &opts).await
        }
        Command::Export(ExportCommand::Customers { file, filter }) => {
            let records = export::Records::Customers(filter.into());
            run_export(&cli.db.url, file, records).await
        }
        Command::Export(ExportCommand::Contacts { file, filter }) => {
            let records = export::Records::Contacts(filter.into());
            run_export(&cli.db.url, file, records).await
        }
        Command::Export(ExportCommand::Activities {
            file,
            customer,
            owner,
            method,
            from,
            to,
        }) => {
            let records = export::Records::Activities(export::ActivityQuery {
                customer,
                owner,
                method,
                from,
                to,
            });
            run_export(&cli.db.url, file, records).await
        }
        Command::Export(ExportCommand::Cases {
            file,
            customer,
            owner,
            template,
            stage,
            status,
        }) => {
            let records = export::Records::Cases(export::CaseQuery {
                customer,
                owner,
                template,
                stage,
                status,
            });
            run_export(&cli.db.url, file, records).await
        }
        Command::Export(ExportCommand::VisitRecord {
            customer,
            rep,
            out,
            lang,
            as_user,
        }) => {
            let app = App::with_system_clock(Arc::new(open(&cli.db.url).await?));
            let actor = app
                .local_actor(&as_user)
                .await
                .map_err(|e| anyhow::anyhow!("acting as `{as_user}`: {e}"))?;
            let of = match (customer, rep) {
                (Some(c), _) => export::VisitRecordOf::Customer(c),
                (None, Some(r)) => export::VisitRecordOf::Rep(r),
                (None, None) => bail!("name a customer (--customer) or a rep (--rep)"),
            };
            let (out, file) = export::export_visit_record(&app, &actor, of, lang, out).await?;
            println!(
                "exported {} follow-up records to {}",
                file.rows,
                out.display()
            );
            Ok(())
        }
        Command::User(UserCommand::Add {
            name,
            role,
            display_name,
            password_stdin: _,
        }) => {
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .context("reading the password from standard input")?;
            let password = password.trim_end_matches(['\r', '\n']);
            let app = App::with_system_clock(Arc::new(open(&cli.db.url).await?));
            let draft = UserDraft {
                username: name,
                display_name,
                role,
                team_id: None,
                active: true,
            };
            match app.create_user(None, draft, password).await {
                Ok(user) => {
                    println!("added {} ({})", user.username, user.role);
                    Ok(())
                }
                Err(e) => bail!("could not add the user: {e}"),
            }
        }
    }
}

/// Runs a table export and says how many rows went where.
async fn run_export(url: &str, file: TableArgs, records: export::Records) -> Result<()> {
    let app = App::with_system_clock(Arc::new(open(url).await?));
    let actor = app
        .local_actor(&file.as_user)
        .await
        .map_err(|e| anyhow::anyhow!("acting as `{}`: {e}", file.as_user))?;
    let what = match &records {
        export::Records::Customers(_) => "customers",
        export::Records::Contacts(_) => "contacts",
        export::Records::Activities(_) => "follow-up records",
        export::Records::Cases(_) => "cases",
    };
    let (out, exported) =
        export::export_records(&app, &actor, records, file.format, file.lang, file.out).await?;
    println!("exported {} {what} to {}", exported.rows, out.display());
    Ok(())
}

/// Runs an import and prints its report; fails when the file is rejected.
async fn run_import(
    app: &App,
    kind: tuoke_app::imports::ImportKind,
    file: &std::path::Path,
    opts: &import::CliOptions,
) -> Result<()> {
    let import::Outcome {
        report,
        rejects_file,
    } = import::import(app, kind, file, opts).await?;
    for ignored in &report.ignored_columns {
        eprintln!("warning: column `{ignored}` is not a field of these records and is ignored");
    }
    println!(
        "created {}, updated {}, unchanged {}, rejected {}",
        report.created,
        report.updated,
        report.unchanged,
        report.rejected.len()
    );
    for e in report.rejected.values().flatten() {
        println!("{}:{e}", file.display());
    }
    if let Some(out) = &rejects_file {
        println!(
            "the rejected rows are in {} (reason in the last column): fix them and import that file",
            out.display()
        );
    }
    if report.applied {
        Ok(())
    } else if report.rejected.contains_key(&1) {
        bail!(
            "the header row of {} is not usable; nothing was imported",
            file.display()
        )
    } else {
        bail!(
            "{} of the rows have problems; nothing was imported",
            report.rejected.len()
        )
    }
}

/// Checks template files; fails when any has a problem.
fn check_templates(files: &[std::path::PathBuf]) -> Result<()> {
    let mut failed = 0;
    for file in files {
        let source =
            std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
        match App::check_process_template(&source) {
            Ok(t) => println!(
                "{}: ok — {} ({}), {} stages",
                file.display(),
                t.key(),
                t.name.zh,
                t.stages.len()
            ),
            Err(tuoke_app::AppError::TemplateInvalid(errors)) => {
                failed += 1;
                for e in errors {
                    eprintln!("{}:{}:{}: {}", file.display(), e.line, e.column, e.message);
                }
            }
            Err(e) => bail!("{}: {e}", file.display()),
        }
    }
    if failed > 0 {
        bail!("{failed} of {} template file(s) have problems", files.len());
    }
    Ok(())
}

/// Connects and migrates.
async fn open(url: &str) -> Result<Db> {
    let db = Db::connect(url)
        .await
        .with_context(|| format!("opening the database {url}"))?;
    db.migrate().await.context("migrating the database")?;
    Ok(db)
}

async fn serve(url: &str, listen: SocketAddr, demo: bool) -> Result<()> {
    let db = Arc::new(open(url).await?);
    let app = App::with_system_clock(db.clone());
    // Invariant: the built-in templates are valid, or the server does not start.
    let installed = app
        .install_builtin_templates()
        .await
        .map_err(|e| anyhow::anyhow!("installing the built-in templates: {e}"))?;
    if !installed.is_empty() {
        tracing::info!(templates = ?installed, "installed built-in process templates");
    }
    let admin_password = std::env::var("TUOKE_ADMIN_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty());
    if let Some(first) = app
        .bootstrap_admin(admin_password)
        .await
        .map_err(|e| anyhow::anyhow!("creating the first administrator: {e}"))?
    {
        match first.generated_password {
            Some(password) => println!(
                "Created the administrator. Log in as `{}` with the password `{password}` (shown only this once; change it after logging in).",
                first.username
            ),
            None => println!(
                "Created the administrator `{}` with the password from TUOKE_ADMIN_PASSWORD.",
                first.username
            ),
        }
    }
    if demo {
        load_demo(&app).await?;
    }
    spawn_deadline_sweep(app.clone());
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    let addr = listener.local_addr()?;
    println!(
        "Tuoke is running at http://{addr}/ (API: http://{addr}/api/openapi.json). Press Ctrl-C to stop."
    );
    tuoke_web::serve(app, listener, shutdown_signal()).await?;
    db.close().await;
    Ok(())
}

/// Every minute, notifies whoever must act on a missed credit-change
/// deadline. Idempotent, so several instances on one database are safe.
fn spawn_deadline_sweep(app: App) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            match app.sweep_credit_deadlines(app.now()).await {
                Ok(0) => {}
                Ok(sent) => tracing::info!(sent, "notified missed credit-change deadlines"),
                Err(e) => tracing::warn!(error = %e, "the deadline sweep failed"),
            }
        }
    });
}

async fn load_demo(app: &App) -> Result<()> {
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("{msg:>12} [{bar:40}] {pos}/{len} ({per_sec}, {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let progress = |p: tuoke_app::demo::DemoProgress| {
        bar.set_message(p.stage);
        bar.set_length(p.total);
        bar.set_position(p.done);
    };
    let summary = app
        .load_demo(&progress)
        .await
        .map_err(|e| anyhow::anyhow!("loading the demo data: {e}"))?;
    bar.finish_and_clear();
    match summary {
        Some(s) => println!(
            "Loaded the demo data: {} users in {} teams, {} customers, {} contacts, {} follow-up records. Demo users log in with the password `{}` (e.g. zhangwei, or the manager wangfang).",
            s.users,
            s.teams,
            s.customers,
            s.contacts,
            s.activities,
            tuoke_app::demo::DEMO_PASSWORD
        ),
        None => println!("The demo data is already loaded."),
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    println!("stopping…");
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        super::Cli::command().debug_assert();
    }
}

//! `tuoke export`: the files `tuoke_app::export` builds (the same the API
//! and the web UI serve), written where asked.
//!
//! - `customers`, `contacts`, `activities`, `cases`: the records a filter
//!   selects as CSV or XLSX, in the columns `tuoke import` reads back.
//! - `visit-record`: the 大客户开发记录表 of one customer, or of every
//!   customer of a rep (one sheet each), as XLSX.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use chrono::{DateTime, Utc};
use tuoke_app::export::{ExportFile, ExportFormat};
use tuoke_app::ports::{
    ActivityFilter, ActivitySort, CaseFilter, CustomerFilter, CustomerSort, PageRequest, Visibility,
};
use tuoke_app::{Actor, App, DuplicateQuery};
use tuoke_core::import::Lang;
use tuoke_core::process::CaseStatus;
use tuoke_core::{ActivityMethod, CustomerId, CustomerStatus, User, UserId, Username};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    Xlsx,
}

impl From<Format> for ExportFormat {
    fn from(f: Format) -> Self {
        match f {
            Format::Csv => ExportFormat::Csv,
            Format::Xlsx => ExportFormat::Xlsx,
        }
    }
}

/// Which customers to export (or whose contacts).
#[derive(Debug, Default)]
pub struct Filter {
    pub q: Option<String>,
    pub status: Option<CustomerStatus>,
    pub province: Option<String>,
}

impl Filter {
    fn customers(self) -> CustomerFilter {
        CustomerFilter {
            q: self.q,
            status: self.status,
            province: self.province,
            sort: CustomerSort::Name,
            ..CustomerFilter::visible(Visibility::All)
        }
    }
}

/// Which follow-up records to export.
#[derive(Debug, Default)]
pub struct ActivityQuery {
    /// A customer's id or exact name.
    pub customer: Option<String>,
    /// A rep's login name.
    pub owner: Option<String>,
    pub method: Option<ActivityMethod>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// Which development cases to export.
#[derive(Debug, Default)]
pub struct CaseQuery {
    /// A customer's id or exact name.
    pub customer: Option<String>,
    /// A rep's login name.
    pub owner: Option<String>,
    pub template: Option<String>,
    pub stage: Option<String>,
    pub status: Option<CaseStatus>,
}

/// What to export, and which.
#[derive(Debug)]
pub enum Records {
    Customers(Filter),
    Contacts(Filter),
    Activities(ActivityQuery),
    Cases(CaseQuery),
}

/// Writes the records the actor sees and the query selects to `out`, or to
/// the file's own name (`客户.csv`, `联系人.xlsx`…) in the current
/// directory; returns where it went and the file.
pub async fn export_records(
    app: &App,
    actor: &Actor,
    records: Records,
    format: Format,
    lang: Lang,
    out: Option<PathBuf>,
) -> Result<(PathBuf, ExportFile)> {
    let format = format.into();
    let file = match records {
        Records::Customers(filter) => app
            .export_customers(actor, filter.customers(), format, lang)
            .await
            .map_err(|e| anyhow!("exporting the customers: {e}"))?,
        Records::Contacts(filter) => app
            .export_contacts(actor, filter.customers(), format, lang)
            .await
            .map_err(|e| anyhow!("exporting the contacts: {e}"))?,
        Records::Activities(q) => {
            let filter = ActivityFilter {
                visible: Visibility::All,
                customer_id: find_customer_opt(app, actor, q.customer.as_deref()).await?,
                owner_id: find_user(app, actor, q.owner.as_deref()).await?,
                method: q.method,
                from: q.from,
                to: q.to,
                due_by: None,
                sort: ActivitySort::Recent,
            };
            app.export_activities(actor, filter, format, lang)
                .await
                .map_err(|e| anyhow!("exporting the follow-up records: {e}"))?
        }
        Records::Cases(q) => {
            let filter = CaseFilter {
                customer_id: find_customer_opt(app, actor, q.customer.as_deref()).await?,
                owner_id: find_user(app, actor, q.owner.as_deref()).await?,
                template_key: q.template,
                stage: q.stage,
                status: q.status,
                ..CaseFilter::visible(Visibility::All)
            };
            app.export_cases(actor, filter, format, lang)
                .await
                .map_err(|e| anyhow!("exporting the cases: {e}"))?
        }
    };
    let out = out.unwrap_or_else(|| PathBuf::from(&file.file_name));
    write(&out, &file)?;
    Ok((out, file))
}

async fn find_customer_opt(
    app: &App,
    actor: &Actor,
    key: Option<&str>,
) -> Result<Option<CustomerId>> {
    match key {
        Some(key) => Ok(Some(find_customer(app, actor, key).await?)),
        None => Ok(None),
    }
}

/// A user by login name.
async fn find_user(app: &App, actor: &Actor, username: Option<&str>) -> Result<Option<UserId>> {
    let Some(username) = username else {
        return Ok(None);
    };
    let name = Username::parse(username).map_err(|e| anyhow!("`{username}`: {e}"))?;
    all_users(app, actor)
        .await?
        .into_iter()
        .find(|u| u.username == name)
        .map(|u| Some(u.id))
        .ok_or_else(|| anyhow!("no user `{username}`"))
}

/// A moment for `--from`/`--to`: a date, or a date and time, in China time
/// (or RFC 3339). A date alone as the end (`end = true`) means the end of
/// that day, so `--to 2026-03-31` includes the 31st.
pub fn parse_moment(s: &str, end: bool) -> Result<DateTime<Utc>, String> {
    let t = tuoke_core::import::china_time(s)?;
    if end && !s.trim().contains([' ', 'T']) {
        Ok(t + chrono::Duration::days(1))
    } else {
        Ok(t)
    }
}

/// Whose development record to export.
#[derive(Debug)]
pub enum VisitRecordOf {
    /// A customer's id or exact name.
    Customer(String),
    /// A rep's login name.
    Rep(String),
}

/// Writes the 大客户开发记录表 to `out`, or to the file's own name (e.g.
/// `大客户开发记录表-海信集团.xlsx`) in the current directory; returns
/// where it went and the file.
pub async fn export_visit_record(
    app: &App,
    actor: &Actor,
    of: VisitRecordOf,
    lang: Lang,
    out: Option<PathBuf>,
) -> Result<(PathBuf, ExportFile)> {
    let file = match of {
        VisitRecordOf::Customer(key) => {
            let id = find_customer(app, actor, &key).await?;
            app.customer_visit_record(actor, id, lang)
                .await
                .map_err(|e| anyhow!("customer `{key}`: {e}"))?
        }
        VisitRecordOf::Rep(username) => {
            let rep = find_user(app, actor, Some(&username))
                .await?
                .ok_or_else(|| anyhow!("no user `{username}`"))?;
            app.owner_visit_record(actor, rep, lang)
                .await
                .map_err(|e| anyhow!("rep `{username}`: {e}"))?
        }
    };
    let out = out.unwrap_or_else(|| PathBuf::from(&file.file_name));
    write(&out, &file)?;
    Ok((out, file))
}

/// A customer by id, else by name (the duplicate-check key, so spacing and
/// full-width characters do not matter); one the actor does not see is not found.
async fn find_customer(app: &App, actor: &Actor, key: &str) -> Result<CustomerId> {
    if let Ok(id) = key.trim().parse() {
        return Ok(id);
    }
    let query = DuplicateQuery {
        name: Some(key.to_owned()),
        ..DuplicateQuery::default()
    };
    let found = app
        .find_customer_duplicate(actor, query)
        .await
        .map_err(|e| anyhow!("looking up the customer `{key}`: {e}"))?
        .filter(|d| d.field == "name")
        .ok_or_else(|| anyhow!("no customer named `{key}`"))?;
    Ok(found.existing.id)
}

fn write(out: &Path, file: &ExportFile) -> Result<()> {
    std::fs::write(out, &file.bytes).with_context(|| format!("writing {}", out.display()))
}

/// Every user, page by page.
async fn all_users(app: &App, actor: &Actor) -> Result<Vec<User>> {
    let mut users = Vec::new();
    let mut page = PageRequest::first(PageRequest::MAX_LIMIT);
    loop {
        let p = app
            .list_users(actor, &page)
            .await
            .map_err(|e| anyhow!("listing the users: {e}"))?;
        users.extend(p.items);
        match p.next_cursor {
            Some(c) => page.cursor = Some(c),
            None => return Ok(users),
        }
    }
}

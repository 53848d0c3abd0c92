//! `tuoke export`: the files `tuoke_app::export` builds (the same the API
//! and the web UI serve), written where asked.
//!
//! - `customers`: the customers a filter selects as CSV or XLSX, in the
//!   columns `tuoke import` reads back.
//! - `visit-record`: the 大客户开发记录表 of one customer, or of every
//!   customer of a rep (one sheet each), as XLSX.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use tuoke_app::export::{ExportFile, ExportFormat};
use tuoke_app::ports::{CustomerFilter, CustomerSort, Visibility};
use tuoke_app::{Actor, App, DuplicateQuery};
use tuoke_core::import::Lang;
use tuoke_core::{CustomerId, CustomerStatus, Username};

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

/// Which customers to export.
#[derive(Debug, Default)]
pub struct Filter {
    pub q: Option<String>,
    pub status: Option<CustomerStatus>,
    pub province: Option<String>,
}

/// Writes the customers the actor sees and the filter selects, by name;
/// returns how many.
pub async fn export_customers(
    app: &App,
    actor: &Actor,
    filter: Filter,
    format: Format,
    lang: Lang,
    out: &Path,
) -> Result<usize> {
    let filter = CustomerFilter {
        q: filter.q,
        status: filter.status,
        province: filter.province,
        sort: CustomerSort::Name,
        ..CustomerFilter::visible(Visibility::All)
    };
    let file = app
        .export_customers(actor, filter, format.into(), lang)
        .await
        .map_err(|e| anyhow!("exporting the customers: {e}"))?;
    write(out, &file)?;
    Ok(file.rows)
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
            let name = Username::parse(&username).map_err(|e| anyhow!("`{username}`: {e}"))?;
            let rep = crate::import::all_users(app, actor)
                .await?
                .into_iter()
                .find(|u| u.username == name)
                .ok_or_else(|| anyhow!("no user `{username}`"))?;
            app.owner_visit_record(actor, rep.id, lang)
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

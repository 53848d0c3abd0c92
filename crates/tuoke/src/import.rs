//! `tuoke import customers FILE`: reads a CSV (UTF-8 or GBK/GB18030) or
//! spreadsheet file, validates every row with the rules of `core`, and only
//! then applies the rows through the app's use cases, one transaction each.
//! The column vocabulary and the row rules are in `tuoke_core::import`.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use tuoke_app::ports::PageRequest;
use tuoke_app::{Actor, App, AppError, DuplicateQuery};
use tuoke_core::import::{
    Column, ColumnMap, ImportError, RowDraft, duplicates_in_file, map_headers, merge, row_to_draft,
};
use tuoke_core::{Customer, CustomerDraft, User, UserId};

/// A table read from a file: the header row and the data rows with their
/// line numbers (1 = the header row).
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
}

/// Reads a CSV or spreadsheet file (by its extension) into a table.
pub fn read_table(path: &Path) -> Result<Table> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let mut rows = match ext.as_str() {
        "xlsx" | "xlsm" | "xls" | "xlsb" | "ods" => read_sheet(path)?,
        _ => {
            read_csv(&std::fs::read(path).with_context(|| format!("reading {}", path.display()))?)?
        }
    };
    rows.retain(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()));
    if rows.is_empty() {
        bail!("{} has no header row", path.display());
    }
    let (_, headers) = rows.remove(0);
    Ok(Table { headers, rows })
}

/// The text of a CSV file: UTF-8 (with or without a BOM), else GB18030
/// (a superset of GBK, which Excel in China writes).
pub fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0.into_owned(),
    }
}

fn read_csv(bytes: &[u8]) -> Result<Vec<(usize, Vec<String>)>> {
    let text = decode(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.context("reading the CSV file")?;
        let line = record
            .position()
            .map_or(rows.len() + 1, |p| p.line() as usize);
        rows.push((line, record.iter().map(str::to_owned).collect()));
    }
    Ok(rows)
}

fn read_sheet(path: &Path) -> Result<Vec<(usize, Vec<String>)>> {
    use calamine::{Data, Reader, open_workbook_auto};
    let mut book =
        open_workbook_auto(path).with_context(|| format!("opening {}", path.display()))?;
    let range = book
        .worksheet_range_at(0)
        .context("the workbook has no sheet")?
        .context("reading the first sheet")?;
    let first_row = range.start().map_or(0, |(r, _)| r as usize);
    let first_col = range.start().map_or(0, |(_, c)| c as usize);
    Ok(range
        .rows()
        .enumerate()
        .map(|(i, row)| {
            let mut cells = vec![String::new(); first_col];
            cells.extend(row.iter().map(|cell| match cell {
                Data::Empty => String::new(),
                Data::String(s) => s.clone(),
                Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
                Data::Float(f) => f.to_string(),
                Data::Int(i) => i.to_string(),
                Data::Bool(b) => b.to_string(),
                other => other.to_string(),
            }));
            (first_row + i + 1, cells)
        })
        .collect())
}

/// A mapping file: `[columns]` with `"header in the file" = "field"` lines
/// (an empty field ignores the column).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Mapping {
    #[serde(default)]
    columns: HashMap<String, String>,
}

pub struct ImportOptions {
    pub mapping: Option<PathBuf>,
    pub skip_invalid: bool,
    pub rejects: Option<PathBuf>,
    pub as_user: String,
}

/// What the import did.
#[derive(Debug, Default)]
pub struct Report {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Every problem of every rejected line, by line.
    pub rejected: BTreeMap<usize, Vec<ImportError>>,
    /// Where the rejected rows were written.
    pub rejects_file: Option<PathBuf>,
}

enum Plan {
    Create(CustomerDraft),
    Update(Box<Customer>, CustomerDraft),
    Unchanged,
}

/// Users by login name and by display name (when that is unambiguous).
struct Users {
    by_name: HashMap<String, Option<UserId>>,
}

impl Users {
    async fn load(app: &App, actor: &Actor) -> Result<Self> {
        let mut by_name = HashMap::new();
        for user in all_users(app, actor).await? {
            by_name.insert(user.username.to_string().to_lowercase(), Some(user.id));
            by_name
                .entry(user.display_name.trim().to_lowercase())
                .and_modify(|id: &mut Option<UserId>| {
                    if *id != Some(user.id) {
                        *id = None;
                    }
                })
                .or_insert(Some(user.id));
        }
        Ok(Self { by_name })
    }

    fn resolve(&self, name: &str) -> Result<UserId, String> {
        match self.by_name.get(&name.trim().to_lowercase()) {
            Some(Some(id)) => Ok(*id),
            Some(None) => Err(format!(
                "several users are called `{name}`; use the login name"
            )),
            None => Err(format!("no user `{name}`")),
        }
    }
}

pub async fn all_users(app: &App, actor: &Actor) -> Result<Vec<User>> {
    let mut users = Vec::new();
    let mut page = PageRequest::first(PageRequest::MAX_LIMIT);
    loop {
        let p = app
            .list_users(actor, &page)
            .await
            .map_err(|e| anyhow::anyhow!("listing the users: {e}"))?;
        users.extend(p.items);
        match p.next_cursor {
            Some(c) => page.cursor = Some(c),
            None => return Ok(users),
        }
    }
}

fn bar(len: usize, what: &'static str) -> ProgressBar {
    let bar = ProgressBar::new(len as u64).with_style(
        ProgressStyle::with_template("{msg:>10} [{bar:40}] {pos}/{len} ({per_sec}, {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(what);
    bar
}

/// A use-case error about one row, as the problems of that row.
fn row_errors(line: usize, map: &ColumnMap, e: AppError) -> Vec<ImportError> {
    let header = |field: &str| {
        Column::ALL
            .iter()
            .find(|c| c.key() == field || (field == "owner_id" && **c == Column::Owner))
            .and_then(|c| map.header_of(*c))
            .unwrap_or(field)
            .to_owned()
    };
    match e {
        AppError::Validation(errors) => errors
            .0
            .into_iter()
            .map(|f| ImportError {
                line,
                column: header(&f.field),
                reason: f.message,
            })
            .collect(),
        AppError::DuplicateCustomer { field, .. } => vec![ImportError {
            line,
            column: header(field),
            reason: e.to_string(),
        }],
        e => vec![ImportError {
            line,
            column: String::new(),
            reason: e.to_string(),
        }],
    }
}

/// Imports customers from `file`. All or nothing unless `skip_invalid`:
/// every row is checked before the first one is applied.
pub async fn import_customers(app: &App, file: &Path, opts: &ImportOptions) -> Result<Report> {
    let actor = app
        .local_actor(&opts.as_user)
        .await
        .map_err(|e| anyhow::anyhow!("acting as `{}`: {e}", opts.as_user))?;
    let overrides = match &opts.mapping {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            toml::from_str::<Mapping>(&text)
                .with_context(|| format!("reading the mapping file {}", path.display()))?
                .columns
        }
        None => HashMap::new(),
    };
    let table = read_table(file)?;
    let map = match map_headers(&table.headers, &overrides) {
        Ok(map) => map,
        Err(errors) => {
            for e in &errors {
                eprintln!("{}:{e}", file.display());
            }
            bail!("the header row of {} is not usable", file.display());
        }
    };
    for ignored in &map.ignored {
        eprintln!("warning: column `{ignored}` is not a customer field and is ignored");
    }
    let users = Users::load(app, &actor).await?;
    let mut report = Report::default();

    // 1. Every row on its own: the rules of core, and the owner.
    let mut valid: Vec<(usize, RowDraft)> = Vec::new();
    for (line, cells) in &table.rows {
        let row = row_to_draft(cells, &map);
        let mut problems = match &row {
            Ok(_) => Vec::new(),
            Err(p) => p.iter().cloned().map(|p| p.at(*line)).collect(),
        };
        let owner = match map.cell(cells, Column::Owner).map(|o| users.resolve(o)) {
            Some(Ok(id)) => Some(id),
            Some(Err(reason)) => {
                problems.push(ImportError {
                    line: *line,
                    column: map.header_of(Column::Owner).unwrap_or("owner").to_owned(),
                    reason,
                });
                None
            }
            None => None,
        };
        if let (Ok(mut row), true) = (row, problems.is_empty()) {
            row.draft.owner_id = owner;
            valid.push((*line, row));
        }
        if !problems.is_empty() {
            report.rejected.insert(*line, problems);
        }
    }
    // 2. Rows naming the same customer twice.
    for e in duplicates_in_file(valid.iter().map(|(l, r)| (*l, &r.draft)), &map) {
        report.rejected.entry(e.line).or_default().push(e);
    }
    valid.retain(|(line, _)| !report.rejected.contains_key(line));

    // 3. Against the database: create, or update the customer it matches.
    let checking = bar(valid.len(), "checking");
    let mut plans = Vec::new();
    for (line, row) in valid {
        checking.inc(1);
        let found = app
            .find_customer_duplicate(
                &actor,
                DuplicateQuery {
                    name: Some(row.draft.name.clone()),
                    credit_code: row.draft.credit_code.clone(),
                    except: None,
                },
            )
            .await;
        let plan = match found {
            Err(e) => Err(e),
            Ok(None) => Ok(Plan::Create(row.draft)),
            Ok(Some(d)) => {
                let current = d.existing.to_draft();
                let merged = merge(current.clone(), row.draft);
                if merged == current {
                    Ok(Plan::Unchanged)
                } else {
                    match d.existing.revise(merged.clone(), app.now()) {
                        Ok(_) => Ok(Plan::Update(Box::new(d.existing), merged)),
                        Err(e) => Err(e.into()),
                    }
                }
            }
        };
        match plan {
            Ok(plan) => plans.push((line, plan)),
            Err(e) => {
                report.rejected.insert(line, row_errors(line, &map, e));
            }
        }
    }
    checking.finish_and_clear();
    if !report.rejected.is_empty() && !opts.skip_invalid {
        return Ok(report);
    }

    // 4. Apply, one use case (one transaction) per row.
    let applying = bar(plans.len(), "importing");
    for (line, plan) in plans {
        applying.inc(1);
        let result = match plan {
            Plan::Unchanged => {
                report.unchanged += 1;
                continue;
            }
            Plan::Create(draft) => app
                .create_customer(&actor, draft)
                .await
                .map(|_| report.created += 1),
            Plan::Update(current, draft) => app
                .update_customer(&actor, current.id, current.version, |_| Ok(draft))
                .await
                .map(|_| report.updated += 1),
        };
        if let Err(e) = result {
            report.rejected.insert(line, row_errors(line, &map, e));
        }
    }
    applying.finish_and_clear();

    if !report.rejected.is_empty() {
        let out = opts.rejects.clone().unwrap_or_else(|| rejects_path(file));
        write_rejects(&out, &table, &report.rejected)?;
        report.rejects_file = Some(out);
    }
    Ok(report)
}

/// `customers.xlsx` → `customers.rejects.csv`, next to it.
fn rejects_path(file: &Path) -> PathBuf {
    let stem = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("import");
    file.with_file_name(format!("{stem}.rejects.csv"))
}

/// The header of the column that says why a row was rejected; it is no
/// customer field, so the fixed file imports with a warning about it.
pub const REASON_HEADER: &str = "错误原因";

/// Writes the rejected rows as they were, with the reasons in an extra
/// column, as UTF-8 CSV with a BOM (so that Excel shows the Chinese).
fn write_rejects(
    path: &Path,
    table: &Table,
    rejected: &BTreeMap<usize, Vec<ImportError>>,
) -> Result<()> {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(&mut bytes);
        // Drop an earlier reason column so that a re-import's rejects stay one file.
        let keep: Vec<usize> = (0..table.headers.len())
            .filter(|i| table.headers[*i].trim() != REASON_HEADER)
            .collect();
        let mut header: Vec<&str> = keep.iter().map(|i| table.headers[*i].as_str()).collect();
        header.push(REASON_HEADER);
        w.write_record(&header)?;
        for (line, cells) in &table.rows {
            let Some(errors) = rejected.get(line) else {
                continue;
            };
            let mut record: Vec<String> = keep
                .iter()
                .map(|i| cells.get(*i).cloned().unwrap_or_default())
                .collect();
            let reasons: Vec<String> = errors
                .iter()
                .map(|e| {
                    if e.column.is_empty() {
                        e.reason.clone()
                    } else {
                        format!("{}: {}", e.column, e.reason)
                    }
                })
                .collect();
            record.push(reasons.join("; "));
            w.write_record(&record)?;
        }
        w.flush()?;
    }
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}

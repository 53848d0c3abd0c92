//! Imports of customers, contacts and follow-up records from a table (CSV
//! or spreadsheet): every row is checked with the rules of `core` before
//! anything is written, rows that match an existing record update it, and
//! the whole import is written in one transaction
//! ([`crate::ports::Store::apply_import`]). The CLI, the API and the UI all
//! come here.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Cursor;

use serde_json::Value;
use tuoke_core::import::activity::{
    ActivityColumn, RecordKey, merge_activity, record_key, row_to_activity,
};
use tuoke_core::import::case::{CaseColumn, merge_case, row_to_case, stage_named};
use tuoke_core::import::contact::{ContactColumn, merge_contact, row_to_contact};
use tuoke_core::import::{
    Column, ColumnMap, FieldProblem, ImportError, RowDraft, TableColumn, duplicates_in_file,
    header_key, map_headers, merge, row_to_draft,
};
use tuoke_core::process::{CaseStatus, DevelopmentCase, ProcessTemplate};
use tuoke_core::text::normalize_name;
use tuoke_core::{
    Activity, ActivityId, AuditAction, CaseId, Contact, ContactId, CreditCode, Customer,
    CustomerId, User, UserId, ValidationErrors, field_changes, imported,
};

use crate::error::{AppError, AppResult};
use crate::ports::{ImportBatch, PageRequest, StoreError, Visibility};
use crate::{Actor, App, TemplateVersion, policy};

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    Customers,
    Contacts,
    Activities,
    Cases,
}

impl std::str::FromStr for ImportKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "customers" => Ok(ImportKind::Customers),
            "contacts" => Ok(ImportKind::Contacts),
            "activities" => Ok(ImportKind::Activities),
            "cases" => Ok(ImportKind::Cases),
            other => Err(format!(
                "unknown kind `{other}`: customers, contacts, activities or cases"
            )),
        }
    }
}

/// A table read from a file: the file's name (which the audit log of each
/// imported record names), the header row and the data rows with their
/// line numbers (1 = the header row).
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub file_name: String,
    pub headers: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
}

impl Table {
    /// Reads a CSV file (UTF-8, with or without a BOM, else GB18030/GBK,
    /// which Excel in China writes) or a spreadsheet (by the file name's
    /// extension: xlsx, xlsm, xls, xlsb, ods).
    pub fn read(bytes: &[u8], file_name: &str) -> AppResult<Table> {
        let ext = file_name
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        let mut rows = match ext.as_str() {
            "xlsx" | "xlsm" | "xls" | "xlsb" | "ods" => read_sheet(bytes)?,
            _ => read_csv(bytes)?,
        };
        rows.retain(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()));
        if rows.is_empty() {
            return Err(file_error("the file has no header row"));
        }
        let (_, headers) = rows.remove(0);
        Ok(Table {
            file_name: file_name.to_owned(),
            headers,
            rows,
        })
    }
}

fn file_error(reason: impl Into<String>) -> AppError {
    ValidationErrors::single("file", "unreadable", reason).into()
}

/// The text of a CSV file: UTF-8 (with or without a BOM), else GB18030
/// (a superset of GBK).
fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0.into_owned(),
    }
}

fn read_csv(bytes: &[u8]) -> AppResult<Vec<(usize, Vec<String>)>> {
    let text = decode(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    // The line a record starts on, counted here: the csv crate's own count
    // runs a line short after each CRLF (as Excel writes them;
    // BurntSushi/rust-csv#395) and after each blank line it skips. A
    // record starts at the first byte after the one before that does not
    // end a line.
    let (mut line, mut counted) = (1, 0);
    let mut record = csv::StringRecord::new();
    loop {
        let after = usize::try_from(reader.position().byte()).unwrap_or(text.len());
        let read = reader
            .read_record(&mut record)
            .map_err(|e| file_error(format!("not a readable CSV file: {e}")))?;
        if !read {
            break;
        }
        let start = text.as_bytes()[after.min(text.len())..]
            .iter()
            .position(|b| !matches!(b, b'\r' | b'\n'))
            .map_or(text.len(), |skipped| after + skipped)
            .max(counted);
        line += text.as_bytes()[counted..start]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        counted = start;
        rows.push((line, record.iter().map(str::to_owned).collect()));
    }
    Ok(rows)
}

fn read_sheet(bytes: &[u8]) -> AppResult<Vec<(usize, Vec<String>)>> {
    use calamine::{Data, Reader, open_workbook_auto_from_rs};
    let mut book = open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| file_error(format!("not a readable spreadsheet: {e}")))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| file_error("the workbook has no sheet"))?
        .map_err(|e| file_error(format!("reading the first sheet: {e}")))?;
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
                Data::DateTime(d) => match d.as_datetime() {
                    Some(t) if t.time() == chrono::NaiveTime::MIN => t.date().to_string(),
                    Some(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
                    None => d.to_string(),
                },
                other => other.to_string(),
            }));
            (first_row + i + 1, cells)
        })
        .collect())
}

/// How to read the file.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Header as in the file → column key; an empty key ignores the column.
    pub overrides: HashMap<String, String>,
    /// Write the good rows even if some are rejected.
    pub skip_invalid: bool,
}

/// What an import did, or would have done.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Every problem of every rejected line, by line (1 = the header row).
    pub rejected: BTreeMap<usize, Vec<ImportError>>,
    /// Headers that name no field of this kind of record.
    pub ignored_columns: Vec<String>,
    /// Whether anything was written: false when a row was rejected and
    /// `skip_invalid` was not asked for (nothing is written then).
    pub applied: bool,
}

/// Told how an import advances: the CLI shows it as a progress bar.
pub trait Progress: Send + Sync {
    /// A new phase over `len` steps.
    fn phase(&self, name: &'static str, len: usize);
    fn advance(&self, steps: usize);
}

/// No one is watching.
pub struct Silent;

impl Progress for Silent {
    fn phase(&self, _: &'static str, _: usize) {}
    fn advance(&self, _: usize) {}
}

/// The users an import may name, by login name and by display name (when
/// that is unambiguous).
struct Users {
    by_name: HashMap<String, Option<UserId>>,
    by_id: HashMap<UserId, User>,
}

impl Users {
    fn resolve(&self, name: &str) -> Result<&User, String> {
        match self.by_name.get(&name.trim().to_lowercase()) {
            Some(Some(id)) => self
                .by_id
                .get(id)
                .ok_or_else(|| format!("no user `{name}`")),
            Some(None) => Err(format!(
                "several users are called `{name}`; use the login name"
            )),
            None => Err(format!("no user `{name}`")),
        }
    }
}

/// A record an import writes: how it is named in the audit log and where a
/// changed one goes in the batch.
trait Record: serde::Serialize + Sized {
    const ENTITY: &'static str;
    fn key(&self) -> String;
    fn version(&self) -> i64;
    fn changed(self, expected: i64, batch: &mut ImportBatch);
}

macro_rules! record {
    ($($t:ty => $entity:literal, $changed:ident;)+) => {$(
        impl Record for $t {
            const ENTITY: &'static str = $entity;
            fn key(&self) -> String {
                self.id.to_string()
            }
            fn version(&self) -> i64 {
                self.version
            }
            fn changed(self, expected: i64, batch: &mut ImportBatch) {
                batch.$changed.push((self, expected));
            }
        }
    )+};
}

record! {
    Customer => "customer", changed_customers;
    Contact => "contact", changed_contacts;
    Activity => "activity", changed_activities;
    DevelopmentCase => "case", changed_cases;
}

/// One import in the making: the rows rejected so far and the batch.
struct Plan<'a, C> {
    file_name: &'a str,
    map: &'a ColumnMap<C>,
    report: ImportReport,
    batch: ImportBatch,
}

impl<C: TableColumn> Plan<'_, C> {
    fn reject(&mut self, line: usize, column: &str, reason: impl Into<String>) {
        self.report
            .rejected
            .entry(line)
            .or_default()
            .push(ImportError {
                line,
                column: column.to_owned(),
                reason: reason.into(),
            });
    }

    /// A use-case error about one row, as the problems of that row.
    fn reject_error(&mut self, line: usize, e: AppError) {
        match e {
            AppError::Validation(errors) => {
                for f in errors.0 {
                    let column = self.map.header_for_field(&f.field);
                    self.reject(line, &column, f.message);
                }
            }
            e => self.reject(line, "", e.to_string()),
        }
    }

    /// The rows that read as records of this kind, with their lines; the
    /// problems of the others are the rows' rejections.
    fn read<R>(
        &mut self,
        table: &Table,
        row: impl Fn(&[String], &ColumnMap<C>) -> Result<R, Vec<FieldProblem>>,
    ) -> Vec<(usize, R)> {
        let mut rows = Vec::with_capacity(table.rows.len());
        for (line, cells) in &table.rows {
            match row(cells, self.map) {
                Ok(r) => rows.push((*line, r)),
                Err(problems) => {
                    for p in problems {
                        self.reject(*line, &p.column, p.reason);
                    }
                }
            }
        }
        rows
    }

    /// Counts a new record from `line` and logs its creation; the caller
    /// adds it to the batch.
    fn created<T: Record>(&mut self, app: &App, actor: &Actor, line: usize, record: &T) {
        let audit = app.audit_entry(
            Some(actor),
            AuditAction::Create,
            T::ENTITY,
            record.key(),
            imported(self.file_name, line, Value::Null),
        );
        self.batch.audit.push(audit);
        self.report.created += 1;
    }

    /// A row matching `current`, whose draft was `before` and would be
    /// `merged`: unchanged, or changed through `revise` and logged.
    #[expect(
        clippy::too_many_arguments,
        reason = "the row, the record and its two drafts"
    )]
    fn matched<T: Record, D: PartialEq>(
        &mut self,
        app: &App,
        actor: &Actor,
        line: usize,
        current: &T,
        before: D,
        merged: D,
        revise: impl FnOnce(D) -> Result<T, ValidationErrors>,
    ) {
        if merged == before {
            self.report.unchanged += 1;
            return;
        }
        match revise(merged) {
            Ok(changed) => {
                let changes = field_changes(Some(current), Some(&changed));
                let audit = app.audit_entry(
                    Some(actor),
                    AuditAction::Update,
                    T::ENTITY,
                    current.key(),
                    imported(self.file_name, line, changes),
                );
                self.batch.audit.push(audit);
                self.report.updated += 1;
                changed.changed(current.version(), &mut self.batch);
            }
            Err(e) => self.reject_error(line, e.into()),
        }
    }

    fn header(&self, column: C) -> String {
        self.map
            .header_of(column)
            .unwrap_or(column.key())
            .to_owned()
    }
}

impl App {
    /// Imports a table of `kind` as `actor`. All or nothing unless
    /// `skip_invalid`: every row is checked before anything is written, and
    /// what is written is written in one transaction.
    pub async fn import(
        &self,
        actor: &Actor,
        kind: ImportKind,
        table: &Table,
        options: &ImportOptions,
        progress: &dyn Progress,
    ) -> AppResult<ImportReport> {
        policy::require_sales_role(actor)?;
        let mut report = match kind {
            ImportKind::Customers => {
                self.import_customers(actor, table, options, progress)
                    .await?
            }
            ImportKind::Contacts => {
                self.import_contacts(actor, table, options, progress)
                    .await?
            }
            ImportKind::Activities => {
                self.import_activities(actor, table, options, progress)
                    .await?
            }
            ImportKind::Cases => self.import_cases(actor, table, options, progress).await?,
        };
        report.applied = report.rejected.is_empty() || options.skip_invalid;
        if !report.applied {
            report.created = 0;
            report.updated = 0;
            report.unchanged = 0;
        }
        Ok(report)
    }

    /// Maps the headers, or says why the file cannot be read as `C`.
    fn plan<'a, C: TableColumn>(
        table: &'a Table,
        options: &ImportOptions,
        map: &'a mut Option<ColumnMap<C>>,
    ) -> Result<Plan<'a, C>, ImportReport> {
        match map_headers::<C>(&table.headers, &options.overrides) {
            Ok(m) => {
                let map = map.insert(m);
                Ok(Plan {
                    file_name: &table.file_name,
                    report: ImportReport {
                        ignored_columns: map.ignored.clone(),
                        ..ImportReport::default()
                    },
                    map,
                    batch: ImportBatch::default(),
                })
            }
            Err(errors) => Err(ImportReport {
                rejected: BTreeMap::from([(1, errors)]),
                ..ImportReport::default()
            }),
        }
    }

    /// Writes the planned batch, unless a row was rejected and the caller
    /// wants all or nothing.
    async fn finish<C: TableColumn>(
        &self,
        plan: Plan<'_, C>,
        options: &ImportOptions,
        progress: &dyn Progress,
    ) -> AppResult<ImportReport> {
        if (plan.report.rejected.is_empty() || options.skip_invalid) && !plan.batch.is_empty() {
            progress.phase("writing", plan.batch.len());
            self.store
                .apply_import(&plan.batch)
                .await
                .map_err(|e| match e {
                    StoreError::Conflict { .. } | StoreError::VersionConflict { .. } => {
                        AppError::Conflict(
                            "the data changed while the file was being checked: nothing was \
                             imported; run the import again"
                                .into(),
                        )
                    }
                    e => AppError::store("import")(e),
                })?;
            progress.advance(plan.batch.len());
        }
        Ok(plan.report)
    }

    async fn import_users(&self) -> AppResult<Users> {
        let mut by_name = HashMap::new();
        let mut by_id = HashMap::new();
        let mut page = PageRequest::first(PageRequest::MAX_LIMIT);
        loop {
            let p = self
                .store
                .list_users(&page)
                .await
                .map_err(AppError::store("user"))?;
            for user in p.items {
                by_name.insert(user.username.to_string().to_lowercase(), Some(user.id));
                by_name
                    .entry(user.display_name.trim().to_lowercase())
                    .and_modify(|id: &mut Option<UserId>| {
                        if *id != Some(user.id) {
                            *id = None;
                        }
                    })
                    .or_insert(Some(user.id));
                by_id.insert(user.id, user);
            }
            match p.next_cursor {
                Some(c) => page.cursor = Some(c),
                None => return Ok(Users { by_name, by_id }),
            }
        }
    }

    /// The owner a row names, if it may be given the record.
    fn import_owner(
        users: &Users,
        visible: &Visibility,
        actor: &Actor,
        name: &str,
    ) -> Result<UserId, String> {
        let user = users.resolve(name)?;
        if !user.active {
            return Err(format!("`{name}` is deactivated"));
        }
        policy::require_may_assign(visible, actor, user.id).map_err(|e| e.to_string())?;
        Ok(user.id)
    }

    /// The existing customers the cells name (by name or credit code),
    /// among those the actor may see, by the cells that name them. Each
    /// distinct cell is read once: a file names each customer many times.
    async fn named_customers<'c>(
        &self,
        cells: impl Iterator<Item = &'c str>,
        visible: &Visibility,
    ) -> AppResult<NamedCustomers> {
        let cells: HashSet<&str> = cells.collect();
        let mut keys = HashSet::new();
        let mut codes = HashSet::new();
        for cell in &cells {
            match CreditCode::parse(cell) {
                Ok(code) => codes.insert(code.to_string()),
                Err(_) => keys.insert(normalize_name(cell)),
            };
        }
        let keys: Vec<String> = keys.into_iter().collect();
        let codes: Vec<String> = codes.into_iter().collect();
        let found = self
            .store
            .find_customers_by_keys(&keys, &codes)
            .await
            .map_err(AppError::store("customer"))?;
        let index = CustomerIndex::new(
            found
                .into_iter()
                .filter(|c| visible.allows(c.owner_id))
                .collect(),
        );
        let by_cell = cells
            .into_iter()
            .filter_map(|cell| Some((cell.to_owned(), index.position(cell)?)))
            .collect();
        Ok(NamedCustomers {
            customers: index.customers,
            by_cell,
        })
    }

    async fn import_customers(
        &self,
        actor: &Actor,
        table: &Table,
        options: &ImportOptions,
        progress: &dyn Progress,
    ) -> AppResult<ImportReport> {
        let mut map = None;
        let mut plan = match Self::plan::<Column>(table, options, &mut map) {
            Ok(plan) => plan,
            Err(report) => return Ok(report),
        };
        let users = self.import_users().await?;
        let visible = policy::visibility(&*self.store, actor).await?;
        progress.phase("checking", table.rows.len());

        // 1. Every row on its own: the rules of core, and the owner.
        let mut valid: Vec<(usize, RowDraft)> = Vec::with_capacity(table.rows.len());
        for (line, cells) in &table.rows {
            progress.advance(1);
            let owner = plan
                .map
                .cell(cells, Column::Owner)
                .map(|name| Self::import_owner(&users, &visible, actor, name));
            if let Some(Err(reason)) = &owner {
                let column = plan.header(Column::Owner);
                plan.reject(*line, &column, reason.clone());
            }
            let mut row = match row_to_draft(cells, plan.map) {
                Ok(row) => row,
                Err(problems) => {
                    for p in problems {
                        plan.reject(*line, &p.column, p.reason);
                    }
                    continue;
                }
            };
            match owner {
                Some(Ok(id)) => row.draft.owner_id = Some(id),
                Some(Err(_)) => continue,
                None => {}
            }
            valid.push((*line, row));
        }
        // 2. Rows naming the same customer twice.
        for e in duplicates_in_file(valid.iter().map(|(l, r)| (*l, &r.draft)), plan.map) {
            plan.report.rejected.entry(e.line).or_default().push(e);
        }
        valid.retain(|(line, _)| !plan.report.rejected.contains_key(line));

        // 3. Against the database: create, or update the customer it matches,
        // in name-key order: the new customers' ids are minted in that
        // order, so each index of the customers grows at its end.
        let mut keyed: Vec<(String, (usize, RowDraft))> = valid
            .into_iter()
            .map(|row| (normalize_name(&row.1.draft.name), row))
            .collect();
        keyed.sort_by(|a, b| a.0.cmp(&b.0));
        let (keys, valid): (Vec<String>, Vec<(usize, RowDraft)>) = keyed.into_iter().unzip();
        let codes: Vec<String> = valid
            .iter()
            .filter_map(|(_, r)| r.draft.credit_code.as_deref())
            .filter_map(|c| CreditCode::parse(c).ok())
            .map(|c| c.to_string())
            .collect();
        let existing = CustomerIndex::new(
            self.store
                .find_customers_by_keys(&keys, &codes)
                .await
                .map_err(AppError::store("customer"))?,
        );
        let now = self.now();
        for ((line, row), key) in valid.into_iter().zip(&keys) {
            let code = row
                .draft
                .credit_code
                .as_deref()
                .and_then(|c| CreditCode::parse(c).ok());
            let by_name = existing.by_key(key);
            let by_code = code.as_ref().and_then(|c| existing.by_code(c));
            let found = match (by_name, by_code) {
                (Some(a), Some(b)) if a.id != b.id => {
                    let column = plan.header(Column::CreditCode);
                    plan.reject(
                        line,
                        &column,
                        format!(
                            "the name is customer `{}` but the credit code is customer `{}`",
                            a.name, b.name
                        ),
                    );
                    continue;
                }
                (a, b) => a.or(b),
            };
            match found {
                None => {
                    let id = CustomerId::from_uuid(self.ids.new_id());
                    match Customer::create(row.draft, id, actor.id(), now) {
                        Ok(customer) => {
                            plan.created(self, actor, line, &customer);
                            plan.batch.new_customers.push(customer);
                        }
                        Err(e) => plan.reject_error(line, e.into()),
                    }
                }
                Some(current) if !visible.allows(current.owner_id) => {
                    let column = plan.header(Column::Name);
                    plan.reject(
                        line,
                        &column,
                        format!(
                            "customer `{}` exists and belongs to another rep",
                            current.name
                        ),
                    );
                }
                Some(current) => {
                    let before = current.to_draft();
                    let merged = merge(before.clone(), row.draft);
                    plan.matched(self, actor, line, current, before, merged, |d| {
                        current.revise(d, now)
                    });
                }
            }
        }
        self.finish(plan, options, progress).await
    }

    async fn import_contacts(
        &self,
        actor: &Actor,
        table: &Table,
        options: &ImportOptions,
        progress: &dyn Progress,
    ) -> AppResult<ImportReport> {
        let mut map = None;
        let mut plan = match Self::plan::<ContactColumn>(table, options, &mut map) {
            Ok(plan) => plan,
            Err(report) => return Ok(report),
        };
        let visible = policy::visibility(&*self.store, actor).await?;
        progress.phase("checking", table.rows.len());
        let mut rows = plan.read(table, row_to_contact);
        let customers = self
            .named_customers(rows.iter().map(|(_, r)| r.customer.as_str()), &visible)
            .await?;
        customers.sort_rows(&mut rows, |r| &r.customer);
        let ids: Vec<CustomerId> = customers.ids();
        let mut existing: HashMap<(CustomerId, String), Contact> = HashMap::new();
        for contact in self
            .store
            .list_contacts_of(&ids)
            .await
            .map_err(AppError::store("contact"))?
        {
            existing
                .entry((contact.customer_id, normalize_name(&contact.name)))
                .or_insert(contact);
        }
        let mut seen: HashMap<(CustomerId, String), usize> = HashMap::new();
        let now = self.now();
        for (line, row) in rows {
            progress.advance(1);
            let Some(customer) = customers.named(&row.customer) else {
                let column = plan.header(ContactColumn::Customer);
                plan.reject(line, &column, format!("no customer `{}`", row.customer));
                continue;
            };
            let key = (customer.id, normalize_name(&row.draft.name));
            if let Some(first) = seen.insert(key.clone(), line) {
                let column = plan.header(ContactColumn::Name);
                plan.reject(line, &column, format!("the same contact as line {first}"));
                continue;
            }
            match existing.get(&key) {
                None => {
                    let id = ContactId::from_uuid(self.ids.new_id());
                    match Contact::create(row.draft, id, customer.id, now) {
                        Ok(contact) => {
                            plan.created(self, actor, line, &contact);
                            plan.batch.new_contacts.push(contact);
                        }
                        Err(e) => plan.reject_error(line, e.into()),
                    }
                }
                Some(current) => {
                    let before = current.to_draft();
                    let merged = merge_contact(before.clone(), row.draft);
                    plan.matched(self, actor, line, current, before, merged, |d| {
                        current.revise(d, now)
                    });
                }
            }
        }
        self.finish(plan, options, progress).await
    }

    async fn import_activities(
        &self,
        actor: &Actor,
        table: &Table,
        options: &ImportOptions,
        progress: &dyn Progress,
    ) -> AppResult<ImportReport> {
        let mut map = None;
        let mut plan = match Self::plan::<ActivityColumn>(table, options, &mut map) {
            Ok(plan) => plan,
            Err(report) => return Ok(report),
        };
        let users = self.import_users().await?;
        let visible = policy::visibility(&*self.store, actor).await?;
        progress.phase("checking", table.rows.len());
        let mut rows = plan.read(table, row_to_activity);
        let customers = self
            .named_customers(rows.iter().map(|(_, r)| r.customer.as_str()), &visible)
            .await?;
        customers.sort_rows(&mut rows, |r| &r.customer);
        let ids = customers.ids();
        let mut contacts: HashMap<(CustomerId, String), ContactId> = HashMap::new();
        for c in self
            .store
            .list_contacts_of(&ids)
            .await
            .map_err(AppError::store("contact"))?
        {
            contacts
                .entry((c.customer_id, normalize_name(&c.name)))
                .or_insert(c.id);
        }
        let existing: HashMap<RecordKey, Activity> = self
            .store
            .list_activities_of(&ids)
            .await
            .map_err(AppError::store("activity"))?
            .into_iter()
            .map(|a| (record_key(&a), a))
            .collect();
        let mut seen: HashMap<RecordKey, usize> = HashMap::new();
        let now = self.now();
        'rows: for (line, mut row) in rows {
            progress.advance(1);
            let Some(customer) = customers.named(&row.customer) else {
                let column = plan.header(ActivityColumn::Customer);
                plan.reject(line, &column, format!("no customer `{}`", row.customer));
                continue;
            };
            row.draft.customer_id = customer.id;
            for name in &row.contacts {
                match contacts.get(&(customer.id, normalize_name(name))) {
                    Some(id) => row.draft.contact_ids.push(*id),
                    None => {
                        let column = plan.header(ActivityColumn::Contacts);
                        plan.reject(
                            line,
                            &column,
                            format!("`{name}` is not a contact of `{}`", customer.name),
                        );
                        continue 'rows;
                    }
                }
            }
            if let Some(name) = &row.owner {
                match Self::import_owner(&users, &visible, actor, name) {
                    Ok(id) => row.draft.owner_id = Some(id),
                    Err(reason) => {
                        let column = plan.header(ActivityColumn::Owner);
                        plan.reject(line, &column, reason);
                        continue;
                    }
                }
            }
            let id = ActivityId::from_uuid(self.ids.new_id());
            let new = match Activity::create(row.draft.clone(), id, actor.id(), now) {
                Ok(a) => a,
                Err(e) => {
                    plan.reject_error(line, e.into());
                    continue;
                }
            };
            let key = record_key(&new);
            if let Some(first) = seen.insert(key, line) {
                plan.reject(line, "", format!("the same record as line {first}"));
                continue;
            }
            match existing.get(&key) {
                None => {
                    plan.created(self, actor, line, &new);
                    plan.batch.new_activities.push(new);
                }
                Some(current) => {
                    let before = current.to_draft();
                    let merged = merge_activity(before.clone(), row.draft);
                    plan.matched(self, actor, line, current, before, merged, |d| {
                        current.revise(d, now)
                    });
                }
            }
        }
        self.finish(plan, options, progress).await
    }

    async fn import_cases(
        &self,
        actor: &Actor,
        table: &Table,
        options: &ImportOptions,
        progress: &dyn Progress,
    ) -> AppResult<ImportReport> {
        let mut map = None;
        let mut plan = match Self::plan::<CaseColumn>(table, options, &mut map) {
            Ok(plan) => plan,
            Err(report) => return Ok(report),
        };
        let users = self.import_users().await?;
        let visible = policy::visibility(&*self.store, actor).await?;
        progress.phase("checking", table.rows.len());
        let mut rows = plan.read(table, row_to_case);
        // Templates by key and by name, Chinese or English.
        let mut templates: HashMap<String, TemplateVersion<ProcessTemplate>> = HashMap::new();
        for version in self.list_templates::<ProcessTemplate>(actor).await? {
            let t = &version.template;
            for name in [t.key(), t.name.zh.as_str(), t.name.en.as_str()] {
                templates.insert(header_key(name), version.clone());
            }
        }
        let customers = self
            .named_customers(rows.iter().map(|(_, r)| r.customer.as_str()), &visible)
            .await?;
        customers.sort_rows(&mut rows, |r| &r.customer);
        let existing: HashMap<(CustomerId, String), DevelopmentCase> = self
            .store
            .list_cases_of(&customers.ids())
            .await
            .map_err(AppError::store("case"))?
            .into_iter()
            .filter(|c| c.status == CaseStatus::Open)
            .map(|c| ((c.customer_id, c.template_key.clone()), c))
            .collect();
        let calendar = self.work_calendar().await?;
        let mut seen: HashMap<(CustomerId, String), usize> = HashMap::new();
        let now = self.now();
        for (line, mut row) in rows {
            progress.advance(1);
            let Some(customer) = customers.named(&row.customer) else {
                let column = plan.header(CaseColumn::Customer);
                plan.reject(line, &column, format!("no customer `{}`", row.customer));
                continue;
            };
            let Some(version) = templates.get(&header_key(&row.template)) else {
                let column = plan.header(CaseColumn::Template);
                plan.reject(line, &column, format!("no process `{}`", row.template));
                continue;
            };
            let template = &version.template;
            if let Some(name) = &row.owner {
                match Self::import_owner(&users, &visible, actor, name) {
                    Ok(id) => row.draft.owner_id = Some(id),
                    Err(reason) => {
                        let column = plan.header(CaseColumn::Owner);
                        plan.reject(line, &column, reason);
                        continue;
                    }
                }
            }
            let key = (customer.id, template.key().to_owned());
            if let Some(first) = seen.insert(key.clone(), line) {
                plan.reject(line, "", format!("the same case as line {first}"));
                continue;
            }
            if let Some(current) = existing.get(&key) {
                let before = current.to_draft();
                let merged = merge_case(before.clone(), row.draft);
                plan.matched(self, actor, line, current, before, merged, |d| {
                    current.revise(d, now)
                });
                continue;
            }
            let stage = match &row.stage {
                None => template.first_stage().key().to_owned(),
                Some(cell) => match stage_named(template, cell) {
                    Some(s) => s.key().to_owned(),
                    None => {
                        let column = plan.header(CaseColumn::Stage);
                        plan.reject(
                            line,
                            &column,
                            format!("no stage `{cell}` in `{}`", template.name.zh),
                        );
                        continue;
                    }
                },
            };
            let id = CaseId::from_uuid(self.ids.new_id());
            match DevelopmentCase::imported(
                row.draft,
                id,
                customer.id,
                &customer.name,
                template,
                version.stored.version,
                &stage,
                || self.stamp(actor.id()),
                &calendar,
            ) {
                Ok((case, events)) => {
                    plan.created(self, actor, line, &case);
                    plan.batch.new_cases.push((case, events));
                }
                Err(e) => plan.reject_error(line, e.into()),
            }
        }
        self.finish(plan, options, progress).await
    }
}

/// Existing customers by duplicate-check name key and by credit code.
struct CustomerIndex {
    customers: Vec<Customer>,
    by_key: HashMap<String, usize>,
    by_code: HashMap<String, usize>,
}

impl CustomerIndex {
    fn new(customers: Vec<Customer>) -> Self {
        let mut by_key = HashMap::new();
        let mut by_code = HashMap::new();
        for (i, c) in customers.iter().enumerate() {
            by_key.insert(c.name_key.clone(), i);
            if let Some(code) = &c.credit_code {
                by_code.insert(code.to_string(), i);
            }
        }
        Self {
            customers,
            by_key,
            by_code,
        }
    }

    fn by_key(&self, key: &str) -> Option<&Customer> {
        self.by_key.get(key).map(|i| &self.customers[*i])
    }

    fn by_code(&self, code: &CreditCode) -> Option<&Customer> {
        self.by_code
            .get(&code.to_string())
            .map(|i| &self.customers[*i])
    }

    /// Where the customer a cell names is: a credit code, else a name.
    fn position(&self, cell: &str) -> Option<usize> {
        match CreditCode::parse(cell) {
            Ok(code) => self.by_code.get(&code.to_string()),
            Err(_) => self.by_key.get(&normalize_name(cell)),
        }
        .copied()
    }
}

/// The customers the rows of a file name, by the cell that names each.
struct NamedCustomers {
    customers: Vec<Customer>,
    by_cell: HashMap<String, usize>,
}

impl NamedCustomers {
    /// The customer a row's cell names.
    fn named(&self, cell: &str) -> Option<&Customer> {
        self.by_cell.get(cell).map(|i| &self.customers[*i])
    }

    fn ids(&self) -> Vec<CustomerId> {
        self.customers.iter().map(|c| c.id).collect()
    }

    /// Orders rows by the customer their `cell` names (rows naming none
    /// first), in file order within a customer. New records get their ids
    /// in this order, so the indexes that lead with the customer grow at
    /// their end instead of everywhere at once.
    fn sort_rows<R>(&self, rows: &mut [(usize, R)], cell: impl Fn(&R) -> &str) {
        rows.sort_by_cached_key(|(line, r)| (self.named(cell(r)).map(|c| c.id), *line));
    }
}

/// The header of the column that says why a row was rejected; it is no
/// field, so the fixed file imports with a warning about it.
pub const REASON_HEADER: &str = "错误原因";

/// The rejected rows as they were, with the reasons in an extra column, as
/// UTF-8 CSV with a BOM (so that Excel shows the Chinese): the file to fix
/// and import again.
pub fn rejects_csv(table: &Table, rejected: &BTreeMap<usize, Vec<ImportError>>) -> Vec<u8> {
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
        let mut records = vec![header.iter().map(|h| (*h).to_owned()).collect::<Vec<_>>()];
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
            records.push(record);
        }
        for record in records {
            // Writing to memory cannot fail.
            let _ = w.write_record(&record);
        }
        let _ = w.flush();
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(csv: &str) -> Vec<(usize, String)> {
        read_csv(csv.as_bytes())
            .unwrap()
            .into_iter()
            .map(|(line, cells)| (line, cells.join("|")))
            .collect()
    }

    #[test]
    fn a_row_is_named_by_the_line_it_starts_on_whatever_ends_the_lines() {
        let expected = [(1, "名称|负责人"), (2, "甲|rep1"), (3, "乙|rep2")]
            .map(|(l, c)| (l, c.to_owned()))
            .to_vec();
        assert_eq!(lines("名称,负责人\n甲,rep1\n乙,rep2\n"), expected);
        assert_eq!(lines("名称,负责人\r\n甲,rep1\r\n乙,rep2\r\n"), expected);
        assert_eq!(lines("名称,负责人\r\n甲,rep1\r\n乙,rep2"), expected);
    }

    #[test]
    fn a_cell_over_several_lines_and_blank_lines_count_in_the_lines_after_them() {
        let csv = "名称,备注\r\n甲,\"两行\r\n备注\"\r\n\r\n乙,x\r\n";
        assert_eq!(
            lines(csv),
            [
                (1, "名称|备注".to_owned()),
                (2, "甲|两行\r\n备注".to_owned()),
                (5, "乙|x".to_owned())
            ]
        );
        let csv = "名称,备注\n甲,\"两行\n备注\"\n\n乙,x\n";
        assert_eq!(lines(csv)[2].0, 5);
    }
}

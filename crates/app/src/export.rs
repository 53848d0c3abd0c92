//! Exports as files: the customers, contacts, follow-up records and cases a
//! filter selects (CSV or XLSX, in the columns of `core::import`, which
//! `tuoke import` reads back, through one table writer) and the
//! 大客户开发记录表 (XLSX, the cells of `core::visit_record`). The CLI, the
//! API and the web UI all call these, so each file is built in one place.

use std::collections::HashMap;

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, XlsxError};
use tuoke_core::import::activity::{ActivityColumn, export_activity};
use tuoke_core::import::case::{CaseColumn, export_case};
use tuoke_core::import::contact::{ContactColumn, export_contact};
use tuoke_core::import::{Column, Lang, TableColumn, export_row};
use tuoke_core::process::ProcessTemplate;
use tuoke_core::visit_record::{VisitRecord, title, visit_record};
use tuoke_core::{Contact, ContactId, Customer, CustomerId, User, UserId, ValidationErrors};

use crate::error::{AppError, AppResult};
use crate::policy;
use crate::ports::{
    ActivityFilter, ActivitySort, CaseFilter, CustomerFilter, CustomerSort, PageRequest, Visibility,
};
use crate::{Actor, App, TemplateVersion};

/// The kind of file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// UTF-8 with a BOM, so that Excel shows the Chinese.
    Csv,
    Xlsx,
}

impl ExportFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
        }
    }
}

/// A file built in memory.
#[derive(Debug, Clone)]
pub struct ExportFile {
    pub format: ExportFormat,
    /// A name to save it under, with its extension and without characters
    /// file systems refuse (it may be Chinese).
    pub file_name: String,
    /// How many rows of data it holds: customers, contacts, cases or
    /// follow-up records.
    pub rows: usize,
    pub bytes: Vec<u8>,
}

/// The most data rows an XLSX sheet can hold below its header row.
const XLSX_MAX_ROWS: usize = 1_048_575;

impl App {
    /// The customers the actor sees and the filter selects, every page of
    /// them, in the filter's order. An XLSX beyond Excel's row limit is
    /// refused (export CSV instead) rather than cut short.
    pub async fn export_customers(
        &self,
        actor: &Actor,
        filter: CustomerFilter,
        format: ExportFormat,
        lang: Lang,
    ) -> AppResult<ExportFile> {
        let owners = self.usernames(actor).await?;
        let mut table = Table::new(CUSTOMERS, format, lang, Column::EXPORT, |c| {
            *c == Column::MonthlyVolume
        })?;
        let mut pages = Pages::new();
        while let Some(page) = pages.next() {
            let p = self.list_customers(actor, filter.clone(), &page).await?;
            pages.then(p.next_cursor);
            for c in &p.items {
                let owner = owners.get(&c.owner_id).map_or("", String::as_str);
                table.push(&export_row(c, owner, lang))?;
            }
        }
        table.finish()
    }

    /// The contacts of the customers the actor sees and the filter selects,
    /// customer by customer in the filter's order, in the columns `tuoke
    /// import contacts` reads back.
    pub async fn export_contacts(
        &self,
        actor: &Actor,
        filter: CustomerFilter,
        format: ExportFormat,
        lang: Lang,
    ) -> AppResult<ExportFile> {
        let mut table = Table::new(CONTACTS, format, lang, ContactColumn::ALL, |c| {
            matches!(
                c,
                ContactColumn::Influence
                    | ContactColumn::Relationship
                    | ContactColumn::Age
                    | ContactColumn::TenureYears
            )
        })?;
        let mut pages = Pages::new();
        while let Some(page) = pages.next() {
            let p = self.list_customers(actor, filter.clone(), &page).await?;
            pages.then(p.next_cursor);
            let ids: Vec<CustomerId> = p.items.iter().map(|c| c.id).collect();
            let mut of: HashMap<CustomerId, Vec<Contact>> = HashMap::new();
            for contact in self
                .store
                .list_contacts_of(&ids)
                .await
                .map_err(AppError::store("contact"))?
            {
                of.entry(contact.customer_id).or_default().push(contact);
            }
            for customer in &p.items {
                for contact in of.remove(&customer.id).unwrap_or_default() {
                    table.push(&export_contact(&contact, &customer.name, lang))?;
                }
            }
        }
        table.finish()
    }

    /// The follow-up records the actor sees and the filter selects, in the
    /// filter's order, in the columns `tuoke import activities` reads back
    /// (the people visited by name among the customer's contacts).
    pub async fn export_activities(
        &self,
        actor: &Actor,
        filter: ActivityFilter,
        format: ExportFormat,
        lang: Lang,
    ) -> AppResult<ExportFile> {
        let owners = self.usernames(actor).await?;
        let mut customers = CustomerNames::default();
        let mut contacts: HashMap<ContactId, String> = HashMap::new();
        let mut table = Table::new(ACTIVITIES, format, lang, ActivityColumn::ALL, |c| {
            matches!(c, ActivityColumn::Duration | ActivityColumn::GiftValue)
        })?;
        let mut pages = Pages::new();
        while let Some(page) = pages.next() {
            let p = self.list_activities(actor, filter.clone(), &page).await?;
            pages.then(p.next_cursor);
            let new = customers
                .load(self, p.items.iter().map(|a| a.customer_id))
                .await?;
            if !new.is_empty() {
                contacts.extend(
                    self.store
                        .list_contacts_of(&new)
                        .await
                        .map_err(AppError::store("contact"))?
                        .into_iter()
                        .map(|c| (c.id, c.name)),
                );
            }
            for a in &p.items {
                let met: Vec<&str> = a
                    .contact_ids
                    .iter()
                    .filter_map(|id| contacts.get(id).map(String::as_str))
                    .collect();
                let owner = owners.get(&a.owner_id).map_or("", String::as_str);
                let cells = export_activity(a, customers.name(a.customer_id), &met, owner, lang);
                table.push(&cells)?;
            }
        }
        table.finish()
    }

    /// The development cases the actor sees and the filter selects, in the
    /// filter's order, in the columns `tuoke import cases` reads back (the
    /// stage by its name in the template version the case keeps). Only open
    /// cases import again; the others are there to read.
    pub async fn export_cases(
        &self,
        actor: &Actor,
        filter: CaseFilter,
        format: ExportFormat,
        lang: Lang,
    ) -> AppResult<ExportFile> {
        let owners = self.usernames(actor).await?;
        let mut customers = CustomerNames::default();
        let mut templates: HashMap<(String, i64), TemplateVersion<ProcessTemplate>> =
            HashMap::new();
        let mut table = Table::new(CASES, format, lang, CaseColumn::ALL, |c| {
            matches!(c, CaseColumn::ExpectedAmount | CaseColumn::ExpectedCost)
        })?;
        let mut pages = Pages::new();
        while let Some(page) = pages.next() {
            let p = self.list_cases(actor, filter.clone(), &page).await?;
            pages.then(p.next_cursor);
            customers
                .load(self, p.items.iter().map(|c| c.customer_id))
                .await?;
            for case in &p.items {
                let key = (case.template_key.clone(), case.template_version);
                if !templates.contains_key(&key) {
                    let version = self
                        .process_template(&case.template_key, Some(case.template_version))
                        .await?;
                    templates.insert(key.clone(), version);
                }
                let stage = templates
                    .get(&key)
                    .and_then(|v| v.template.stages.iter().find(|s| s.key() == case.stage))
                    .map_or(case.stage.as_str(), |s| match lang {
                        Lang::Zh => s.name.zh.as_str(),
                        Lang::En => s.name.en.as_str(),
                    });
                let owner = owners.get(&case.owner_id).map_or("", String::as_str);
                let cells = export_case(case, customers.name(case.customer_id), stage, owner, lang);
                table.push(&cells)?;
            }
        }
        table.finish()
    }

    /// The 大客户开发记录表 of one customer the actor sees.
    pub async fn customer_visit_record(
        &self,
        actor: &Actor,
        id: CustomerId,
        lang: Lang,
    ) -> AppResult<ExportFile> {
        let (customer, _) = self.visible_customer(actor, id).await?;
        let owner = self
            .store
            .get_user(customer.owner_id)
            .await
            .map_err(AppError::store("user"))?;
        let form = self.visit_form(actor, &customer, &owner, lang).await?;
        let name = format!("{}-{}", title(lang), customer.name);
        visit_record_file(&name, vec![form])
    }

    /// The 大客户开发记录表 of every customer a rep owns (that the actor
    /// sees), one sheet per customer in name order. A user whose records
    /// the actor may not see is "not found", like their customers.
    pub async fn owner_visit_record(
        &self,
        actor: &Actor,
        owner_id: UserId,
        lang: Lang,
    ) -> AppResult<ExportFile> {
        if !policy::visibility(&*self.store, actor)
            .await?
            .allows(owner_id)
        {
            return Err(AppError::NotFound { entity: "user" });
        }
        let owner = self
            .store
            .get_user(owner_id)
            .await
            .map_err(AppError::store("user"))?;
        let filter = CustomerFilter {
            owner_id: Some(owner_id),
            sort: CustomerSort::Name,
            ..CustomerFilter::visible(Visibility::All)
        };
        let mut forms = Vec::new();
        let mut pages = Pages::new();
        while let Some(page) = pages.next() {
            let p = self.list_customers(actor, filter.clone(), &page).await?;
            pages.then(p.next_cursor);
            for c in &p.items {
                forms.push(self.visit_form(actor, c, &owner, lang).await?);
            }
        }
        if forms.is_empty() {
            // A rep without customers gets a blank form rather than no file.
            forms.push(visit_record(
                "",
                &owner.display_name,
                &[],
                &HashMap::new(),
                lang,
            ));
        }
        let name = format!("{}-{}", title(lang), owner.display_name);
        visit_record_file(&name, forms)
    }

    /// One customer's form: every follow-up record and the contacts they name.
    async fn visit_form(
        &self,
        actor: &Actor,
        customer: &Customer,
        owner: &User,
        lang: Lang,
    ) -> AppResult<VisitRecord> {
        let mut contacts = HashMap::new();
        let mut pages = Pages::new();
        while let Some(page) = pages.next() {
            let p = self.list_contacts(actor, customer.id, &page).await?;
            pages.then(p.next_cursor);
            contacts.extend(p.items.into_iter().map(|c| (c.id, c.name)));
        }
        let filter = ActivityFilter {
            visible: Visibility::All,
            customer_id: Some(customer.id),
            owner_id: None,
            method: None,
            from: None,
            to: None,
            due_by: None,
            sort: ActivitySort::Recent,
        };
        let mut activities = Vec::new();
        let mut pages = Pages::new();
        while let Some(page) = pages.next() {
            let p = self.list_activities(actor, filter.clone(), &page).await?;
            pages.then(p.next_cursor);
            activities.extend(p.items);
        }
        Ok(visit_record(
            &customer.name,
            &owner.display_name,
            &activities,
            &contacts,
            lang,
        ))
    }

    /// Every user's login name, by id: how a file names owners.
    async fn usernames(&self, actor: &Actor) -> AppResult<HashMap<UserId, String>> {
        let mut names = HashMap::new();
        let mut pages = Pages::new();
        while let Some(page) = pages.next() {
            let p = self.list_users(actor, &page).await?;
            pages.then(p.next_cursor);
            names.extend(p.items.into_iter().map(|u| (u.id, u.username.to_string())));
        }
        Ok(names)
    }
}

/// Every keyset page of a list, first to last, at the largest page size:
/// `while let Some(page) = pages.next()`, then `pages.then(next_cursor)`.
struct Pages(Option<PageRequest>);

impl Pages {
    fn new() -> Self {
        Pages(Some(PageRequest::first(PageRequest::MAX_LIMIT)))
    }

    fn next(&mut self) -> Option<PageRequest> {
        self.0.take()
    }

    fn then(&mut self, cursor: Option<String>) {
        self.0 = cursor.map(|cursor| PageRequest {
            limit: PageRequest::MAX_LIMIT,
            cursor: Some(cursor),
        });
    }
}

/// The names of the customers records belong to, loaded as they are met.
#[derive(Default)]
struct CustomerNames(HashMap<CustomerId, String>);

impl CustomerNames {
    /// Loads the customers not met yet and returns their ids. The records
    /// were listed through the visibility policy, so their customers are
    /// named even when another rep owns them.
    async fn load(
        &mut self,
        app: &App,
        ids: impl Iterator<Item = CustomerId>,
    ) -> AppResult<Vec<CustomerId>> {
        let mut new = Vec::new();
        for id in ids {
            if self.0.contains_key(&id) {
                continue;
            }
            let customer = app
                .store
                .get_customer(id)
                .await
                .map_err(AppError::store("customer"))?;
            self.0.insert(id, customer.name);
            new.push(id);
        }
        Ok(new)
    }

    fn name(&self, id: CustomerId) -> &str {
        self.0.get(&id).map_or("", String::as_str)
    }
}

/// A failure to build a file is ours, not the caller's.
fn internal(e: impl std::fmt::Display) -> AppError {
    let msg = e.to_string();
    tracing::error!(error = %msg, "building an export file failed");
    AppError::Internal(msg)
}

/// What a table export holds: the file's and the sheet's name in each
/// language, and what its rows are (for the row-limit error).
#[derive(Debug, Clone, Copy)]
struct TableKind {
    zh: &'static str,
    en: &'static str,
    rows: &'static str,
}

impl TableKind {
    fn name(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Zh => self.zh,
            Lang::En => self.en,
        }
    }
}

const CUSTOMERS: TableKind = TableKind {
    zh: "客户",
    en: "customers",
    rows: "customers",
};
const CONTACTS: TableKind = TableKind {
    zh: "联系人",
    en: "contacts",
    rows: "contacts",
};
const ACTIVITIES: TableKind = TableKind {
    zh: "跟进记录",
    en: "follow-up records",
    rows: "follow-up records",
};
const CASES: TableKind = TableKind {
    zh: "开发项目",
    en: "development cases",
    rows: "cases",
};

/// One table of rows, written as they are read: CSV with a BOM, or one
/// XLSX sheet with bold frozen headers and numbers in the numeric columns.
struct Table {
    kind: TableKind,
    lang: Lang,
    format: ExportFormat,
    writer: TableWriter,
    /// The columns whose cells are numbers (money, minutes, levels).
    numeric: Vec<bool>,
    rows: usize,
}

enum TableWriter {
    // Both boxed: the two writers differ much in size.
    Csv(Box<csv::Writer<Vec<u8>>>),
    Xlsx(Box<Workbook>),
}

impl Table {
    /// A table with the headers of `columns` in `lang`; `numeric` picks the
    /// columns written as numbers in XLSX.
    fn new<C: TableColumn>(
        kind: TableKind,
        format: ExportFormat,
        lang: Lang,
        columns: &[C],
        numeric: impl Fn(&C) -> bool,
    ) -> AppResult<Self> {
        let headers: Vec<&str> = columns.iter().map(|c| c.header(lang)).collect();
        let writer = match format {
            ExportFormat::Csv => {
                let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
                w.write_record(&headers).map_err(internal)?;
                TableWriter::Csv(Box::new(w))
            }
            ExportFormat::Xlsx => {
                let mut book = Workbook::new();
                let sheet = book.add_worksheet();
                sheet.set_name(kind.name(lang)).map_err(internal)?;
                let bold = Format::new().set_bold();
                for (col, h) in headers.iter().enumerate() {
                    sheet
                        .write_string_with_format(0, column(col)?, *h, &bold)
                        .map_err(internal)?;
                }
                sheet.set_freeze_panes(1, 0).map_err(internal)?;
                TableWriter::Xlsx(Box::new(book))
            }
        };
        Ok(Table {
            kind,
            lang,
            format,
            writer,
            numeric: columns.iter().map(numeric).collect(),
            rows: 0,
        })
    }

    /// Writes the next row. An XLSX beyond Excel's row limit is refused
    /// rather than cut short.
    fn push(&mut self, cells: &[String]) -> AppResult<()> {
        self.rows += 1;
        match &mut self.writer {
            TableWriter::Csv(w) => w.write_record(cells).map_err(internal),
            TableWriter::Xlsx(book) => {
                if self.rows > XLSX_MAX_ROWS {
                    return Err(ValidationErrors::single(
                        "format",
                        "too_many_rows",
                        format!(
                            "more than {XLSX_MAX_ROWS} {} do not fit in an Excel sheet: export CSV or narrow the filters",
                            self.kind.rows
                        ),
                    )
                    .into());
                }
                let sheet = book.worksheet_from_index(0).map_err(internal)?;
                let row = u32::try_from(self.rows).map_err(internal)?;
                for (col, cell) in cells.iter().enumerate() {
                    if cell.is_empty() {
                        continue;
                    }
                    let number = match self.numeric.get(col) {
                        Some(true) => cell.parse::<f64>().ok(),
                        _ => None,
                    };
                    match number {
                        Some(n) => sheet.write_number(row, column(col)?, n),
                        None => sheet.write_string(row, column(col)?, cell),
                    }
                    .map_err(internal)?;
                }
                Ok(())
            }
        }
    }

    fn finish(self) -> AppResult<ExportFile> {
        let bytes = match self.writer {
            TableWriter::Csv(w) => w.into_inner().map_err(internal)?,
            TableWriter::Xlsx(mut book) => {
                if let Ok(sheet) = book.worksheet_from_index(0) {
                    sheet.autofit();
                }
                book.save_to_buffer().map_err(internal)?
            }
        };
        Ok(ExportFile {
            format: self.format,
            file_name: file_name(self.kind.name(self.lang), self.format),
            rows: self.rows,
            bytes,
        })
    }
}

/// A column index as XLSX takes it.
fn column(col: usize) -> AppResult<u16> {
    u16::try_from(col).map_err(internal)
}

fn visit_record_file(name: &str, forms: Vec<VisitRecord>) -> AppResult<ExportFile> {
    let rows = forms.iter().map(|f| f.rows.len()).sum();
    Ok(ExportFile {
        format: ExportFormat::Xlsx,
        file_name: file_name(name, ExportFormat::Xlsx),
        rows,
        bytes: visit_record_workbook(&forms).map_err(internal)?,
    })
}

/// The forms as a workbook that prints like the paper form: one sheet per
/// form, a title over the table, the heading, bold bordered column headers
/// repeated on every printed page, wrapped cells, landscape A4 one page wide.
fn visit_record_workbook(forms: &[VisitRecord]) -> Result<Vec<u8>, XlsxError> {
    let title_format = Format::new()
        .set_bold()
        .set_font_size(16)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    let heading_format = Format::new()
        .set_bold()
        .set_font_size(12)
        .set_align(FormatAlign::VerticalCenter);
    let header_format = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap()
        .set_background_color(0xD9D9D9);
    let cell_format = Format::new()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Top)
        .set_text_wrap();
    let mut book = Workbook::new();
    let mut taken = Vec::new();
    for form in forms {
        let sheet = book.add_worksheet();
        let base = if form.customer.is_empty() {
            form.title
        } else {
            &form.customer
        };
        sheet.set_name(sheet_name(base, &mut taken))?;
        let last = u16::try_from(form.columns.len().saturating_sub(1)).unwrap_or(0);
        let split = last / 2;
        sheet.merge_range(0, 0, 0, last, form.title, &title_format)?;
        sheet.set_row_height(0, 30)?;
        sheet.merge_range(1, 0, 1, split, &form.heading[0], &heading_format)?;
        sheet.merge_range(1, split + 1, 1, last, &form.heading[1], &heading_format)?;
        sheet.set_row_height(1, 22)?;
        for (col, (column, header)) in form.columns.iter().zip(&form.headers).enumerate() {
            let col = col as u16;
            sheet.set_column_width(col, column.width())?;
            sheet.write_string_with_format(2, col, *header, &header_format)?;
        }
        for (i, cells) in form.rows.iter().enumerate() {
            let row = u32::try_from(i + 3).map_err(|_| XlsxError::RowColumnLimitError)?;
            for (col, cell) in cells.iter().enumerate() {
                let col = col as u16;
                if cell.is_empty() {
                    sheet.write_blank(row, col, &cell_format)?;
                } else {
                    sheet.write_string_with_format(row, col, cell, &cell_format)?;
                }
            }
        }
        sheet.set_freeze_panes(3, 0)?;
        sheet.set_repeat_rows(0, 2)?;
        sheet.set_landscape();
        sheet.set_paper_size(9); // A4
        sheet.set_print_fit_to_pages(1, 0);
    }
    book.save_to_buffer()
}

/// An Excel sheet name for `base`: at most 31 UTF-16 units, none of
/// `[]:*?/\`, no apostrophe at either end, and unique (case-insensitively)
/// among `taken`, which it joins.
fn sheet_name(base: &str, taken: &mut Vec<String>) -> String {
    const MAX: usize = 31;
    let clean: String = base
        .chars()
        .map(|c| {
            if "[]:*?/\\".contains(c) || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    let clean = clean.trim().trim_matches('\'').trim();
    let clean = if clean.is_empty() { "Sheet" } else { clean };
    let fit = |s: &str, room: usize| -> String {
        let mut out = String::new();
        let mut used = 0;
        for c in s.chars() {
            used += c.len_utf16();
            if used > room {
                break;
            }
            out.push(c);
        }
        out.trim_end_matches('\'').to_owned()
    };
    let is_taken = |name: &str, taken: &[String]| {
        let lower = name.to_lowercase();
        // Excel reserves "History".
        lower == "history" || taken.iter().any(|t| t.to_lowercase() == lower)
    };
    let mut name = fit(clean, MAX);
    let mut n = 2;
    while is_taken(&name, taken) {
        let suffix = format!("({n})");
        name = format!("{}{suffix}", fit(clean, MAX - suffix.len()));
        n += 1;
    }
    taken.push(name.clone());
    name
}

/// `stem.ext` with the characters Windows and Unix file systems refuse replaced.
fn file_name(stem: &str, format: ExportFormat) -> String {
    let clean: String = stem
        .chars()
        .map(|c| {
            if "/\\:*?\"<>|".contains(c) || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    let clean = clean.trim().trim_matches('.');
    let clean = if clean.is_empty() { "export" } else { clean };
    format!("{clean}.{}", format.extension())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_excel_safe_short_and_unique() {
        let mut taken = Vec::new();
        assert_eq!(sheet_name("海信集团", &mut taken), "海信集团");
        assert_eq!(sheet_name("海信集团", &mut taken), "海信集团(2)");
        assert_eq!(sheet_name("海信集团", &mut taken), "海信集团(3)");
        assert_eq!(sheet_name("A/B [深圳]: *?", &mut taken), "A_B _深圳__ __");
        assert_eq!(sheet_name("'引号'", &mut taken), "引号");
        assert_eq!(sheet_name("  ", &mut taken), "Sheet");
        assert_eq!(sheet_name("history", &mut taken), "history(2)");
        let long = "深圳市南山区科技园某某某某某某电子科技股份有限公司第一分公司华南区销售部";
        let first = sheet_name(long, &mut taken);
        assert_eq!(first.chars().count(), 31);
        let second = sheet_name(long, &mut taken);
        assert_eq!(second.chars().count(), 31);
        assert!(second.ends_with("(2)"), "{second}");
        assert_eq!(sheet_name("ABC", &mut taken), "ABC");
        assert_eq!(sheet_name("abc", &mut taken), "abc(2)");
        for name in &taken {
            assert!(
                rust_xlsxwriter::utility::check_sheet_name(name).is_ok(),
                "{name}"
            );
        }
    }

    #[test]
    fn file_names_keep_chinese_and_lose_what_file_systems_refuse() {
        assert_eq!(
            file_name("大客户开发记录表-海信/青岛", ExportFormat::Xlsx),
            "大客户开发记录表-海信_青岛.xlsx"
        );
        assert_eq!(file_name(" .. ", ExportFormat::Csv), "export.csv");
    }

    #[test]
    fn a_workbook_has_one_sheet_per_form() {
        let forms = vec![
            visit_record("甲", "张伟", &[], &HashMap::new(), Lang::Zh),
            visit_record("甲", "张伟", &[], &HashMap::new(), Lang::Zh),
        ];
        let bytes = visit_record_workbook(&forms).unwrap();
        assert!(bytes.starts_with(b"PK"), "an XLSX is a zip file");
    }
}

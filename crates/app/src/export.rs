//! Exports as files: the customers a filter selects (CSV or XLSX, in the
//! columns of `core::import`, which `tuoke import` reads back) and the
//! 大客户开发记录表 (XLSX, the cells of `core::visit_record`). The CLI, the
//! API and the web UI all call these, so each file is built in one place.

use std::collections::HashMap;

use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, XlsxError};
use tuoke_core::import::{Column, Lang, export_headers, export_row};
use tuoke_core::visit_record::{VisitRecord, title, visit_record};
use tuoke_core::{Customer, CustomerId, User, UserId, ValidationErrors};

use crate::error::{AppError, AppResult};
use crate::policy;
use crate::ports::{
    ActivityFilter, ActivitySort, CustomerFilter, CustomerSort, PageRequest, Visibility,
};
use crate::{Actor, App};

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
    /// How many rows of data it holds: customers, or follow-up records.
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
        let owners: HashMap<UserId, String> = self
            .all_users(actor)
            .await?
            .into_iter()
            .map(|u| (u.id, u.username.to_string()))
            .collect();
        let mut table = CustomerTable::new(format, &export_headers(lang)).map_err(internal)?;
        let mut rows = 0;
        let mut page = PageRequest::first(PageRequest::MAX_LIMIT);
        loop {
            let p = self.list_customers(actor, filter.clone(), &page).await?;
            for c in &p.items {
                rows += 1;
                if format == ExportFormat::Xlsx && rows > XLSX_MAX_ROWS {
                    return Err(ValidationErrors::single(
                        "format",
                        "too_many_rows",
                        format!(
                            "more than {XLSX_MAX_ROWS} customers do not fit in an Excel sheet: export CSV or narrow the filters"
                        ),
                    )
                    .into());
                }
                let owner = owners.get(&c.owner_id).map_or("", String::as_str);
                table
                    .push(rows, c, &export_row(c, owner, lang))
                    .map_err(internal)?;
            }
            match p.next_cursor {
                Some(cursor) => page.cursor = Some(cursor),
                None => break,
            }
        }
        let stem = match lang {
            Lang::Zh => "客户",
            Lang::En => "customers",
        };
        Ok(ExportFile {
            format,
            file_name: file_name(stem, format),
            rows,
            bytes: table.finish().map_err(internal)?,
        })
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
        let mut page = PageRequest::first(PageRequest::MAX_LIMIT);
        loop {
            let p = self.list_customers(actor, filter.clone(), &page).await?;
            for c in &p.items {
                forms.push(self.visit_form(actor, c, &owner, lang).await?);
            }
            match p.next_cursor {
                Some(cursor) => page.cursor = Some(cursor),
                None => break,
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
        let mut page = PageRequest::first(PageRequest::MAX_LIMIT);
        loop {
            let p = self.list_contacts(actor, customer.id, &page).await?;
            contacts.extend(p.items.into_iter().map(|c| (c.id, c.name)));
            match p.next_cursor {
                Some(cursor) => page.cursor = Some(cursor),
                None => break,
            }
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
        let mut page = PageRequest::first(PageRequest::MAX_LIMIT);
        loop {
            let p = self.list_activities(actor, filter.clone(), &page).await?;
            activities.extend(p.items);
            match p.next_cursor {
                Some(cursor) => page.cursor = Some(cursor),
                None => break,
            }
        }
        Ok(visit_record(
            &customer.name,
            &owner.display_name,
            &activities,
            &contacts,
            lang,
        ))
    }

    async fn all_users(&self, actor: &Actor) -> AppResult<Vec<User>> {
        let mut users = Vec::new();
        let mut page = PageRequest::first(PageRequest::MAX_LIMIT);
        loop {
            let p = self.list_users(actor, &page).await?;
            users.extend(p.items);
            match p.next_cursor {
                Some(cursor) => page.cursor = Some(cursor),
                None => return Ok(users),
            }
        }
    }
}

/// A failure to build a file is ours, not the caller's.
fn internal(e: impl std::fmt::Display) -> AppError {
    let msg = e.to_string();
    tracing::error!(error = %msg, "building an export file failed");
    AppError::Internal(msg)
}

/// The customers' rows, written as they are read.
enum CustomerTable {
    // Both boxed: the two writers differ much in size.
    Csv(Box<csv::Writer<Vec<u8>>>),
    Xlsx(Box<Workbook>),
}

impl CustomerTable {
    fn new(format: ExportFormat, headers: &[&str]) -> Result<Self, String> {
        match format {
            ExportFormat::Csv => {
                let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
                w.write_record(headers).map_err(|e| e.to_string())?;
                Ok(CustomerTable::Csv(Box::new(w)))
            }
            ExportFormat::Xlsx => {
                let mut book = Workbook::new();
                let sheet = book.add_worksheet();
                sheet.set_name("客户").map_err(|e| e.to_string())?;
                let bold = Format::new().set_bold();
                for (col, h) in headers.iter().enumerate() {
                    sheet
                        .write_string_with_format(0, col as u16, *h, &bold)
                        .map_err(|e| e.to_string())?;
                }
                sheet.set_freeze_panes(1, 0).map_err(|e| e.to_string())?;
                Ok(CustomerTable::Xlsx(Box::new(book)))
            }
        }
    }

    /// Writes data row `row` (1 = the first under the headers).
    fn push(&mut self, row: usize, customer: &Customer, cells: &[String]) -> Result<(), String> {
        match self {
            CustomerTable::Csv(w) => w.write_record(cells).map_err(|e| e.to_string()),
            CustomerTable::Xlsx(book) => {
                let sheet = book.worksheet_from_index(0).map_err(|e| e.to_string())?;
                let row = u32::try_from(row).map_err(|e| e.to_string())?;
                let money_col = Column::EXPORT
                    .iter()
                    .position(|c| *c == Column::MonthlyVolume);
                let volume = customer.monthly_volume.and_then(|m| m.yuan().to_f64());
                for (col, cell) in cells.iter().enumerate() {
                    match volume {
                        Some(v) if Some(col) == money_col => sheet.write_number(row, col as u16, v),
                        _ if cell.is_empty() => continue,
                        _ => sheet.write_string(row, col as u16, cell),
                    }
                    .map_err(|e| e.to_string())?;
                }
                Ok(())
            }
        }
    }

    fn finish(self) -> Result<Vec<u8>, String> {
        match self {
            CustomerTable::Csv(w) => w.into_inner().map_err(|e| e.to_string()),
            CustomerTable::Xlsx(mut book) => {
                if let Ok(sheet) = book.worksheet_from_index(0) {
                    sheet.autofit();
                }
                book.save_to_buffer().map_err(|e| e.to_string())
            }
        }
    }
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

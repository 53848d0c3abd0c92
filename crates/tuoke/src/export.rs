//! `tuoke export customers`: the customers a filter selects as CSV (UTF-8
//! with a BOM, so that Excel shows the Chinese) or XLSX. The columns and
//! cells are `tuoke_core::import::{export_headers, export_row}`, which
//! `tuoke import` reads back.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result};
use rust_decimal::prelude::ToPrimitive;
use tuoke_app::ports::{CustomerFilter, PageRequest, Visibility};
use tuoke_app::{Actor, App};
use tuoke_core::import::{Column, Lang, export_headers, export_row};
use tuoke_core::{Customer, CustomerStatus};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    Xlsx,
}

/// Which customers to export.
#[derive(Debug, Default)]
pub struct Filter {
    pub q: Option<String>,
    pub status: Option<CustomerStatus>,
    pub province: Option<String>,
}

/// Writes the customers the actor sees and the filter selects; returns how many.
pub async fn export_customers(
    app: &App,
    actor: &Actor,
    filter: Filter,
    format: Format,
    lang: Lang,
    out: &Path,
) -> Result<usize> {
    let owners: HashMap<_, _> = crate::import::all_users(app, actor)
        .await?
        .into_iter()
        .map(|u| (u.id, u.username.to_string()))
        .collect();
    let mut f = CustomerFilter::visible(Visibility::All);
    f.q = filter.q;
    f.status = filter.status;
    f.province = filter.province;
    f.sort = tuoke_app::ports::CustomerSort::Name;
    let mut customers: Vec<Customer> = Vec::new();
    let mut page = PageRequest::first(PageRequest::MAX_LIMIT);
    loop {
        let p = app
            .list_customers(actor, f.clone(), &page)
            .await
            .map_err(|e| anyhow::anyhow!("listing the customers: {e}"))?;
        customers.extend(p.items);
        match p.next_cursor {
            Some(c) => page.cursor = Some(c),
            None => break,
        }
    }
    let rows: Vec<(Vec<String>, &Customer)> = customers
        .iter()
        .map(|c| {
            let owner = owners.get(&c.owner_id).map_or("", String::as_str);
            (export_row(c, owner, lang), c)
        })
        .collect();
    let headers = export_headers(lang);
    match format {
        Format::Csv => {
            let mut bytes = b"\xEF\xBB\xBF".to_vec();
            {
                let mut w = csv::Writer::from_writer(&mut bytes);
                w.write_record(&headers)?;
                for (row, _) in &rows {
                    w.write_record(row)?;
                }
                w.flush()?;
            }
            std::fs::write(out, bytes).with_context(|| format!("writing {}", out.display()))?;
        }
        Format::Xlsx => write_xlsx(out, &headers, &rows)?,
    }
    Ok(rows.len())
}

fn write_xlsx(out: &Path, headers: &[&str], rows: &[(Vec<String>, &Customer)]) -> Result<()> {
    use rust_xlsxwriter::{Format as CellFormat, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("客户")?;
    let bold = CellFormat::new().set_bold();
    let money_col = Column::EXPORT
        .iter()
        .position(|c| *c == Column::MonthlyVolume);
    for (col, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, *h, &bold)?;
    }
    for (i, (row, customer)) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        for (col, cell) in row.iter().enumerate() {
            let volume = customer.monthly_volume.and_then(|m| m.yuan().to_f64());
            match volume {
                Some(v) if Some(col) == money_col => sheet.write_number(r, col as u16, v)?,
                _ if cell.is_empty() => sheet,
                _ => sheet.write_string(r, col as u16, cell)?,
            };
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofit();
    book.save(out)
        .with_context(|| format!("writing {}", out.display()))?;
    Ok(())
}

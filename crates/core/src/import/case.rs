//! Development cases as table rows: each row names its customer, its
//! process template and, optionally, the stage the case is at, which the
//! app resolves.

use super::{ColumnMap, FieldProblem, Lang, TableColumn, date, label, money};
use crate::process::template::Stage;
use crate::process::{CaseDraft, DevelopmentCase, ProcessTemplate};

table_columns! {
    /// A column of a cases table.
    pub enum CaseColumn {
        required: [Customer, Template],
        Customer = ("customer", "Customer", ["客户名称", "客户", "公司名称"]),
        Template = ("template", "Process", ["流程", "开发流程", "流程模板", "process"]),
        Stage = ("stage", "Stage", ["当前阶段", "阶段"]),
        Status = ("status", "Status", ["状态"]),
        Title = ("title", "Title", ["项目名称", "标题", "名称"]),
        ExpectedAmount = ("expected_amount", "Expected amount", ["预计金额", "预计成交金额"]),
        ExpectedCloseDate = ("expected_close_date", "Expected close date", ["预计成交日期", "预计签约日期"]),
        Competitors = ("competitors", "Competitors", ["竞争对手"]),
        Obstacles = ("obstacles", "Obstacles", ["障碍", "主要障碍"]),
        ExpectedCost = ("expected_cost", "Expected cost", ["预计费用", "预计成本"]),
        NextStep = ("next_step", "Next step", ["下一步", "下一步计划"]),
        Owner = ("owner", "Owner", ["负责人", "业务员"]),
    }
}

/// A cases row: the customer, template, stage and owner as written, and
/// the case's fields.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseRow {
    pub customer: String,
    pub template: String,
    pub stage: Option<String>,
    pub owner: Option<String>,
    pub draft: CaseDraft,
}

/// Reads one row; every bad cell is reported at once. The status column is
/// exported for reading, and only `open` cases are imported: a case that
/// ended is history to keep in the old records, not work to continue.
pub fn row_to_case(
    row: &[String],
    map: &ColumnMap<CaseColumn>,
) -> Result<CaseRow, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let mut out = CaseRow {
        customer: String::new(),
        template: String::new(),
        stage: None,
        owner: None,
        draft: CaseDraft::default(),
    };
    for (column, cell, header) in map.cells(row) {
        let text = Some(cell.to_owned());
        let mut bad = |reason: String| {
            problems.push(FieldProblem {
                column: header.to_owned(),
                reason,
            })
        };
        match column {
            CaseColumn::Customer => out.customer = cell.to_owned(),
            CaseColumn::Template => out.template = cell.to_owned(),
            CaseColumn::Stage => out.stage = text,
            CaseColumn::Status => {
                if !matches!(
                    super::vocabulary::<crate::process::CaseStatus>(cell),
                    Ok(crate::process::CaseStatus::Open)
                ) {
                    bad(format!("`{cell}`: only open cases are imported"));
                }
            }
            CaseColumn::Title => out.draft.title = text,
            CaseColumn::ExpectedAmount => {
                out.draft.expected_amount = money(cell).map_err(&mut bad).ok()
            }
            CaseColumn::ExpectedCloseDate => {
                out.draft.expected_close_date = date(cell).map_err(&mut bad).ok()
            }
            CaseColumn::Competitors => out.draft.competitors = text,
            CaseColumn::Obstacles => out.draft.obstacles = text,
            CaseColumn::ExpectedCost => {
                out.draft.expected_cost = money(cell).map_err(&mut bad).ok()
            }
            CaseColumn::NextStep => out.draft.next_step = text,
            CaseColumn::Owner => out.owner = text,
        }
    }
    for (field, missing) in [
        ("customer", out.customer.is_empty()),
        ("template", out.template.is_empty()),
    ] {
        if missing {
            problems.push(FieldProblem {
                column: map.header_for_field(field),
                reason: "required".into(),
            });
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// The stage of `template` a cell names: by key, or by its Chinese or
/// English name (compared as headers are).
pub fn stage_named<'t>(template: &'t ProcessTemplate, cell: &str) -> Option<&'t Stage> {
    let key = super::header_key(cell);
    template.stages.iter().find(|s| {
        [s.key(), s.name.zh.as_str(), s.name.en.as_str()]
            .iter()
            .any(|n| super::header_key(n) == key)
    })
}

/// The draft a re-imported row makes of the customer's open case of the
/// same process: every non-empty cell wins.
pub fn merge_case(current: CaseDraft, row: CaseDraft) -> CaseDraft {
    CaseDraft {
        title: row.title.or(current.title),
        owner_id: row.owner_id.or(current.owner_id),
        expected_amount: row.expected_amount.or(current.expected_amount),
        expected_close_date: row.expected_close_date.or(current.expected_close_date),
        competitors: row.competitors.or(current.competitors),
        obstacles: row.obstacles.or(current.obstacles),
        expected_cost: row.expected_cost.or(current.expected_cost),
        next_step: row.next_step.or(current.next_step),
    }
}

/// The cells of one exported case, in the order of [`CaseColumn::ALL`]:
/// the customer's name, the template's key, the stage's name and the
/// owner's username are the caller's. Reads back with [`row_to_case`].
pub fn export_case(
    case: &DevelopmentCase,
    customer: &str,
    stage: &str,
    owner: &str,
    lang: Lang,
) -> Vec<String> {
    let text = |s: &Option<String>| s.clone().unwrap_or_default();
    let amount = |m: Option<crate::Money>| m.map(|m| m.yuan().to_string()).unwrap_or_default();
    CaseColumn::ALL
        .iter()
        .map(|column| match column {
            CaseColumn::Customer => customer.to_owned(),
            CaseColumn::Template => case.template_key.clone(),
            CaseColumn::Stage => stage.to_owned(),
            CaseColumn::Status => label(Some(case.status), lang),
            CaseColumn::Title => case.title.clone(),
            CaseColumn::ExpectedAmount => amount(case.expected_amount),
            CaseColumn::ExpectedCloseDate => case
                .expected_close_date
                .map(|d| d.to_string())
                .unwrap_or_default(),
            CaseColumn::Competitors => text(&case.competitors),
            CaseColumn::Obstacles => text(&case.obstacles),
            CaseColumn::ExpectedCost => amount(case.expected_cost),
            CaseColumn::NextStep => text(&case.next_step),
            CaseColumn::Owner => owner.to_owned(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::import::map_headers;

    fn strings(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_row_names_customer_process_and_stage() {
        let m: ColumnMap<CaseColumn> = map_headers(
            &strings(&[
                "客户名称",
                "流程",
                "当前阶段",
                "预计金额",
                "预计成交日期",
                "负责人",
            ]),
            &HashMap::new(),
        )
        .unwrap();
        let row = row_to_case(
            &strings(&[
                "海信集团",
                "大客户开发",
                "价值评估",
                "50万",
                "2026-12-31",
                "张伟",
            ]),
            &m,
        )
        .unwrap();
        assert_eq!(
            (
                row.customer.as_str(),
                row.template.as_str(),
                row.stage.as_deref(),
                row.owner.as_deref()
            ),
            ("海信集团", "大客户开发", Some("价值评估"), Some("张伟"))
        );
        assert_eq!(
            row.draft.expected_amount,
            Some(rust_decimal::Decimal::from(500_000))
        );

        let problems = row_to_case(&strings(&["", "", "", "lots", "someday", ""]), &m).unwrap_err();
        let columns: Vec<&str> = problems.iter().map(|p| p.column.as_str()).collect();
        assert_eq!(columns, ["预计金额", "预计成交日期", "客户名称", "流程"]);
    }

    #[test]
    fn only_open_cases_are_imported() {
        let m: ColumnMap<CaseColumn> =
            map_headers(&strings(&["客户", "流程", "状态"]), &HashMap::new()).unwrap();
        assert!(row_to_case(&strings(&["海信", "p", "进行中"]), &m).is_ok());
        let problems = row_to_case(&strings(&["海信", "p", "成交"]), &m).unwrap_err();
        assert_eq!(problems[0].column, "状态");
    }
}

//! `POST /api/v1/imports`: a CSV or spreadsheet file of customers, contacts,
//! follow-up records or development cases, checked whole and written in one transaction by
//! `App::import` (the same path as `tuoke import` and the UI).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use serde::{Deserialize, Serialize};
use tuoke_app::imports::{ImportKind, ImportOptions, ImportReport, Silent, Table};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::error::{ApiError, ApiResult, ErrorCode, Problem};
use crate::extract::{ApiQuery, Authed};

/// The largest file an import takes.
pub const MAX_IMPORT_BYTES: usize = 64 * 1024 * 1024;

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportKindParam {
    Customers,
    Contacts,
    Activities,
    Cases,
}

impl From<ImportKindParam> for ImportKind {
    fn from(k: ImportKindParam) -> Self {
        match k {
            ImportKindParam::Customers => ImportKind::Customers,
            ImportKindParam::Contacts => ImportKind::Contacts,
            ImportKindParam::Activities => ImportKind::Activities,
            ImportKindParam::Cases => ImportKind::Cases,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// What the file holds.
    #[param(value_type = ImportKindParam)]
    pub kind: ImportKindParam,
    /// Write the good rows even when some are rejected (default: all or nothing).
    #[serde(default)]
    pub skip_invalid: bool,
    /// The file's name; its extension (`.csv`, `.xlsx`, `.xls`) says how to
    /// read it when the content type does not.
    pub file_name: Option<String>,
}

/// One problem of a rejected row.
#[derive(Debug, Serialize, ToSchema)]
pub struct RowProblem {
    /// The line in the file (1 = the header row).
    pub line: usize,
    /// The column as the file names it; empty for the whole row.
    pub column: String,
    pub reason: String,
}

/// What an import wrote.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReportView {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Rows rejected (with `skip_invalid`; the others were written).
    pub rejected: Vec<RowProblem>,
    /// Headers that name no field and were ignored.
    pub ignored_columns: Vec<String>,
}

pub(crate) fn row_problems(report: &ImportReport) -> Vec<RowProblem> {
    report
        .rejected
        .values()
        .flatten()
        .map(|e| RowProblem {
            line: e.line,
            column: e.column.clone(),
            reason: e.reason.clone(),
        })
        .collect()
}

/// How to read the upload: the file name's extension, else the content type.
fn file_name(query: &ImportQuery, headers: &HeaderMap) -> String {
    if let Some(name) = &query.file_name {
        return name.clone();
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if content_type.contains("spreadsheetml") {
        "upload.xlsx".into()
    } else if content_type.contains("ms-excel") {
        "upload.xls".into()
    } else {
        "upload.csv".into()
    }
}

/// Imports a file: CSV (UTF-8 or GBK/GB18030) or a spreadsheet, with
/// Chinese or English headers. Every row is checked first; unless
/// `skip_invalid`, one bad row rejects the file (422 `import_rejected`
/// naming every bad row, its column and why) and nothing is written. Rows
/// matching an existing record update it.
#[utoipa::path(post, path = "/api/v1/imports", tag = "imports", security(("bearer" = [])),
    params(ImportQuery),
    request_body(content = Vec<u8>, description = "The file", content_type = "text/csv"),
    responses((status = 200, body = ImportReportView),
        (status = 422, description = "Rejected rows or an unreadable file", body = Problem)))]
pub async fn import_file(
    State(state): State<AppState>,
    Authed(actor): Authed,
    ApiQuery(query): ApiQuery<ImportQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<ImportReportView>> {
    let table = Table::read(&body, &file_name(&query, &headers))?;
    let options = ImportOptions {
        overrides: Default::default(),
        skip_invalid: query.skip_invalid,
    };
    let report = state
        .app
        .import(&actor, query.kind.into(), &table, &options, &Silent)
        .await?;
    if !report.applied {
        return Err(ApiError::import_rejected(row_problems(&report)));
    }
    Ok(Json(ImportReportView {
        created: report.created,
        updated: report.updated,
        unchanged: report.unchanged,
        rejected: row_problems(&report),
        ignored_columns: report.ignored_columns,
    }))
}

impl ApiError {
    fn import_rejected(rows: Vec<RowProblem>) -> Self {
        let detail = format!("{} row(s) have problems; nothing was imported", {
            let mut lines: Vec<usize> = rows.iter().map(|r| r.line).collect();
            lines.dedup();
            lines.len()
        });
        let mut e = ApiError::new(ErrorCode::ImportRejected, detail);
        e.set_rows(rows);
        e
    }
}

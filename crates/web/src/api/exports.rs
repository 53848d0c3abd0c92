//! Files: the customers, contacts, follow-up records and cases a list
//! filter selects, as CSV or XLSX, and the 大客户开发记录表 (big-customer
//! development record) of a customer or of a rep, as XLSX. The files are built by `tuoke_app::export`, the same the
//! CLI writes; the web UI links here.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tuoke_app::export::{ExportFile, ExportFormat};
use tuoke_core::import::Lang;
use utoipa::{IntoParams, ToSchema};

use super::activities::ActivityListQuery;
use super::cases::CaseListQuery;
use super::customers::CustomerListQuery;
use crate::AppState;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiQuery, Authed, parse_id, query_parts};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const CSV: &str = "text/csv; charset=utf-8";

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FormatParam {
    Csv,
    Xlsx,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LangParam {
    #[default]
    Zh,
    En,
}

impl From<LangParam> for Lang {
    fn from(l: LangParam) -> Self {
        match l {
            LangParam::Zh => Lang::Zh,
            LangParam::En => Lang::En,
        }
    }
}

/// The file of a table export.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExportParams {
    /// `csv` (UTF-8 with a BOM, for Excel) or `xlsx`.
    #[param(value_type = FormatParam)]
    pub format: FormatParam,
    /// Headers and labels in `zh` (default) or `en`.
    #[param(value_type = Option<LangParam>)]
    pub lang: Option<LangParam>,
}

/// The language of a visit record.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LangQuery {
    /// Labels in `zh` (default) or `en`.
    #[param(value_type = Option<LangParam>)]
    pub lang: Option<LangParam>,
}

impl ExportParams {
    fn format(&self) -> ExportFormat {
        match self.format {
            FormatParam::Csv => ExportFormat::Csv,
            FormatParam::Xlsx => ExportFormat::Xlsx,
        }
    }

    fn lang(&self) -> Lang {
        self.lang.unwrap_or_default().into()
    }
}

/// The file parameters and the list's filters of an export's query: a
/// page (`limit`, `cursor`) is not a thing here, and is refused by name.
fn export_query<Q: DeserializeOwned>(query: Option<String>) -> ApiResult<(ExportParams, Q)> {
    Ok(query_parts(
        query.as_deref().unwrap_or(""),
        &["format", "lang"],
    )?)
}

/// Every customer the list with the same filters shows (all pages, in the
/// list's order), in the columns `tuoke import customers` reads back.
#[utoipa::path(get, path = "/api/v1/customers/export", tag = "customers", security(("bearer" = [])),
    params(ExportParams, CustomerListQuery),
    responses(
        (status = 200, description = "The file, as an attachment",
            content((Vec<u8> = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")),
            headers(("Content-Disposition" = String, description = "`attachment` with the file name, RFC 5987 encoded"))),
        (status = 422, body = Problem)))]
pub async fn export_customers(
    State(state): State<AppState>,
    Authed(actor): Authed,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let (params, q): (ExportParams, CustomerListQuery) = export_query(query)?;
    let file = state
        .app
        .export_customers(&actor, q.filter()?, params.format(), params.lang())
        .await?;
    Ok(attachment(file))
}

/// The contacts of every customer the customer list with the same filters
/// shows, customer by customer in the list's order, in the columns `tuoke
/// import contacts` reads back.
#[utoipa::path(get, path = "/api/v1/contacts/export", tag = "contacts", security(("bearer" = [])),
    params(ExportParams, CustomerListQuery),
    responses(
        (status = 200, description = "The file, as an attachment",
            content((Vec<u8> = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")),
            headers(("Content-Disposition" = String, description = "`attachment` with the file name, RFC 5987 encoded"))),
        (status = 422, body = Problem)))]
pub async fn export_contacts(
    State(state): State<AppState>,
    Authed(actor): Authed,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let (params, q): (ExportParams, CustomerListQuery) = export_query(query)?;
    let file = state
        .app
        .export_contacts(&actor, q.filter()?, params.format(), params.lang())
        .await?;
    Ok(attachment(file))
}

/// Every follow-up record the list with the same filters shows (all pages,
/// in the list's order), in the columns `tuoke import activities` reads
/// back: the 大客户开发记录表's, with the people visited by name.
#[utoipa::path(get, path = "/api/v1/activities/export", tag = "activities", security(("bearer" = [])),
    params(ExportParams, ActivityListQuery),
    responses(
        (status = 200, description = "The file, as an attachment",
            content((Vec<u8> = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")),
            headers(("Content-Disposition" = String, description = "`attachment` with the file name, RFC 5987 encoded"))),
        (status = 422, body = Problem)))]
pub async fn export_activities(
    State(state): State<AppState>,
    Authed(actor): Authed,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let (params, q): (ExportParams, ActivityListQuery) = export_query(query)?;
    let file = state
        .app
        .export_activities(&actor, q.filter()?, params.format(), params.lang())
        .await?;
    Ok(attachment(file))
}

/// Every case the list with the same filters shows (all pages, in the
/// list's order), in the columns `tuoke import cases` reads back (the open
/// ones; a case that ended is there to read), the stage by its name.
#[utoipa::path(get, path = "/api/v1/cases/export", tag = "cases", security(("bearer" = [])),
    params(ExportParams, CaseListQuery),
    responses(
        (status = 200, description = "The file, as an attachment",
            content((Vec<u8> = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")),
            headers(("Content-Disposition" = String, description = "`attachment` with the file name, RFC 5987 encoded"))),
        (status = 422, body = Problem)))]
pub async fn export_cases(
    State(state): State<AppState>,
    Authed(actor): Authed,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let (params, q): (ExportParams, CaseListQuery) = export_query(query)?;
    let filter = q.filter(&state.app).await?;
    let file = state
        .app
        .export_cases(&actor, filter, params.format(), params.lang())
        .await?;
    Ok(attachment(file))
}

/// The 大客户开发记录表 of a customer: every follow-up record, oldest first.
#[utoipa::path(get, path = "/api/v1/customers/{id}/visit-record.xlsx", tag = "reports", security(("bearer" = [])),
    params(("id" = String, Path), LangQuery),
    responses(
        (status = 200, description = "The workbook, as an attachment",
            content((Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")),
            headers(("Content-Disposition" = String, description = "`attachment` with the file name, RFC 5987 encoded"))),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn customer_visit_record(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<LangQuery>,
) -> ApiResult<Response> {
    let file = state
        .app
        .customer_visit_record(
            &actor,
            parse_id(&id, "customer")?,
            q.lang.unwrap_or_default().into(),
        )
        .await?;
    Ok(attachment(file))
}

/// The 大客户开发记录表 of every customer a rep owns, one sheet per customer
/// by name. A rep whose records you may not see is not found.
#[utoipa::path(get, path = "/api/v1/users/{id}/visit-record.xlsx", tag = "reports", security(("bearer" = [])),
    params(("id" = String, Path), LangQuery),
    responses(
        (status = 200, description = "The workbook, as an attachment",
            content((Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")),
            headers(("Content-Disposition" = String, description = "`attachment` with the file name, RFC 5987 encoded"))),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn user_visit_record(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<LangQuery>,
) -> ApiResult<Response> {
    let file = state
        .app
        .owner_visit_record(
            &actor,
            parse_id(&id, "user")?,
            q.lang.unwrap_or_default().into(),
        )
        .await?;
    Ok(attachment(file))
}

/// A file to download, with its type and name.
fn attachment(file: ExportFile) -> Response {
    let content_type = match file.format {
        ExportFormat::Csv => CSV,
        ExportFormat::Xlsx => XLSX,
    };
    let disposition = HeaderValue::from_str(&content_disposition(
        &file.file_name,
        file.format.extension(),
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        file.bytes,
    )
        .into_response()
}

/// `attachment` with a plain `filename` for old clients (the name itself
/// when it is plain ASCII) and the real name as RFC 5987 `filename*`.
fn content_disposition(name: &str, extension: &str) -> String {
    let plain = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || " .-_()".contains(c));
    let fallback = if plain {
        name.to_owned()
    } else {
        format!("tuoke-export.{extension}")
    };
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chinese_file_name_is_encoded_as_rfc_5987_with_an_ascii_fallback() {
        assert_eq!(
            content_disposition("客户 1.xlsx", "xlsx"),
            "attachment; filename=\"tuoke-export.xlsx\"; filename*=UTF-8''%E5%AE%A2%E6%88%B7%201.xlsx"
        );
        assert_eq!(
            content_disposition("customers.csv", "csv"),
            "attachment; filename=\"customers.csv\"; filename*=UTF-8''customers.csv"
        );
    }
}

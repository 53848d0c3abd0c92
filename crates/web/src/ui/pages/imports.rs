//! Import a file of customers, contacts, visit records or cases: the same
//! `App::import` as the API and the CLI, with the report on the page and
//! the rejected rows to download, fix and import again.

use axum::extract::{Multipart, State};
use axum::response::Response;
use base64::Engine;
use tuoke_app::imports::{ImportKind, ImportOptions, Silent, Table, rejects_csv};

use super::{bad_csrf, failure};
use crate::AppState;
use crate::ui::{Viewer, render};

const KINDS: [(&str, ImportKind); 4] = [
    ("customers", ImportKind::Customers),
    ("contacts", ImportKind::Contacts),
    ("activities", ImportKind::Activities),
    ("cases", ImportKind::Cases),
];

fn page(viewer: &Viewer, kind: &str, report: minijinja::Value) -> Response {
    let page = minijinja::context! { nav => "import", kind => kind, report => report };
    render("import.html", Some(viewer), viewer.lang, page)
}

pub async fn form(viewer: Viewer) -> Response {
    page(&viewer, "customers", minijinja::Value::UNDEFINED)
}

/// The fields of the upload form.
#[derive(Default)]
struct Upload {
    csrf: String,
    kind: String,
    skip_invalid: bool,
    file_name: String,
    bytes: Vec<u8>,
}

async fn read_upload(mut multipart: Multipart) -> Result<Upload, String> {
    let mut upload = Upload::default();
    while let Some(field) = multipart.next_field().await.map_err(|e| e.to_string())? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "file" => {
                upload.file_name = field.file_name().unwrap_or_default().to_owned();
                upload.bytes = field.bytes().await.map_err(|e| e.to_string())?.to_vec();
            }
            "csrf" => upload.csrf = field.text().await.map_err(|e| e.to_string())?,
            "kind" => upload.kind = field.text().await.map_err(|e| e.to_string())?,
            "skip_invalid" => upload.skip_invalid = true,
            _ => {}
        }
    }
    Ok(upload)
}

pub async fn upload(
    State(state): State<AppState>,
    viewer: Viewer,
    multipart: Multipart,
) -> Response {
    let upload = match read_upload(multipart).await {
        Ok(u) => u,
        Err(reason) => {
            let report = minijinja::context! { error => reason };
            return page(&viewer, "customers", report);
        }
    };
    if !viewer.csrf_ok(&upload.csrf) {
        return bad_csrf(&viewer);
    }
    let Some((kind_code, kind)) = KINDS.iter().find(|(code, _)| *code == upload.kind) else {
        let report = minijinja::context! { error => format!("unknown kind `{}`", upload.kind) };
        return page(&viewer, "customers", report);
    };
    let table = match Table::read(&upload.bytes, &upload.file_name) {
        Ok(table) => table,
        Err(e) => {
            let report = minijinja::context! { error => e.to_string() };
            return page(&viewer, kind_code, report);
        }
    };
    let options = ImportOptions {
        overrides: Default::default(),
        skip_invalid: upload.skip_invalid,
    };
    let report = match state
        .app
        .import(&viewer.actor, *kind, &table, &options, &Silent)
        .await
    {
        Ok(report) => report,
        Err(e) => return failure(&viewer, e),
    };
    let rejects = (!report.rejected.is_empty()).then(|| {
        let csv = rejects_csv(&table, &report.rejected);
        format!(
            "data:text/csv;charset=utf-8;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(csv)
        )
    });
    let rejected: Vec<minijinja::Value> = report
        .rejected
        .values()
        .flatten()
        .map(|e| minijinja::context! { line => e.line, column => e.column.clone(), reason => e.reason.clone() })
        .collect();
    let summary = minijinja::context! {
        file => upload.file_name,
        applied => report.applied,
        created => report.created,
        updated => report.updated,
        unchanged => report.unchanged,
        rejected_rows => report.rejected.len(),
        rejected => rejected,
        ignored => report.ignored_columns,
        rejects => rejects,
    };
    page(&viewer, kind_code, summary)
}

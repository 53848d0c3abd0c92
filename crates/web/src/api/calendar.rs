//! The working-day calendar: `/api/v1/calendar`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use tuoke_core::ValidationErrors;
use tuoke_core::calendar::{CalendarDay, DayKind, prc_official_days};
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, Authed};

/// A day that differs from the Monday–Friday rule.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarDayView {
    pub date: NaiveDate,
    /// `holiday` (a day off) or `workday` (an adjusted working day on a weekend).
    pub kind: DayKind,
    pub name: String,
    /// `official` (shipped with Tuoke) or `admin` (added here; wins on its date).
    pub source: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarDayInput {
    pub kind: DayKind,
    #[schema(example = "公司年会")]
    pub name: String,
}

/// The calendar deadlines are counted with: the official PRC days and the
/// days administrators added, by date.
#[utoipa::path(get, path = "/api/v1/calendar", tag = "calendar", security(("bearer" = [])),
    responses((status = 200, body = Vec<CalendarDayView>)))]
pub async fn list_calendar(
    State(state): State<AppState>,
    Authed(actor): Authed,
) -> ApiResult<Json<Vec<CalendarDayView>>> {
    let added = state.app.list_calendar_days(&actor).await?;
    let overridden: std::collections::BTreeSet<NaiveDate> = added.iter().map(|a| a.date).collect();
    let mut days: Vec<CalendarDayView> = prc_official_days()
        .into_iter()
        .filter(|d| !overridden.contains(&d.date))
        .map(|d| CalendarDayView {
            date: d.date,
            kind: d.kind,
            name: d.name,
            source: "official".into(),
        })
        .chain(added.into_iter().map(|d| CalendarDayView {
            date: d.date,
            kind: d.kind,
            name: d.name,
            source: "admin".into(),
        }))
        .collect();
    days.sort_by_key(|d| d.date);
    Ok(Json(days))
}

fn parse_date(raw: &str) -> Result<NaiveDate, ApiError> {
    raw.parse().map_err(|_| {
        ValidationErrors::single("date", "invalid", "must be a date like 2026-10-08").into()
    })
}

/// Add a holiday or an adjusted working day, or replace that date's entry
/// (administrators only). To cancel an official holiday, make it a `workday`.
#[utoipa::path(put, path = "/api/v1/calendar/{date}", tag = "calendar", security(("bearer" = [])),
    params(("date" = String, Path, example = "2026-12-31")), request_body = CalendarDayInput,
    responses((status = 200, body = CalendarDayView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn put_calendar_day(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(date): Path<String>,
    ApiJson(input): ApiJson<CalendarDayInput>,
) -> ApiResult<Json<CalendarDayView>> {
    let date = parse_date(&date)?;
    let name = input.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 50 {
        return Err(
            ValidationErrors::single("name", "invalid", "must be 1 to 50 characters").into(),
        );
    }
    let day = state
        .app
        .set_calendar_day(
            &actor,
            CalendarDay {
                date,
                kind: input.kind,
                name,
            },
        )
        .await?;
    Ok(Json(CalendarDayView {
        date: day.date,
        kind: day.kind,
        name: day.name,
        source: "admin".into(),
    }))
}

/// Remove an administrator's entry; the official calendar applies again.
#[utoipa::path(delete, path = "/api/v1/calendar/{date}", tag = "calendar", security(("bearer" = [])),
    params(("date" = String, Path)), responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete_calendar_day(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(date): Path<String>,
) -> ApiResult<impl IntoResponse> {
    state
        .app
        .remove_calendar_day(&actor, parse_date(&date)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

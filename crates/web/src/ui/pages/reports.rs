//! The funnel report with its chart: an SVG drawn on the server, so it needs
//! no script and no library from the internet.

use axum::extract::{Query, State};
use axum::response::Response;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Deserialize;
use tuoke_app::FunnelQuery;
use tuoke_app::ports::PageRequest;
use tuoke_core::process::ProcessTemplate;

use super::{failure, text};
use crate::AppState;
use crate::ui::{Viewer, render};

#[derive(Debug, Default, Deserialize)]
pub struct FunnelParams {
    template: Option<String>,
    owner_id: Option<String>,
    team_id: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

fn day_start(date: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let d: chrono::NaiveDate = date.parse().ok()?;
    d.and_hms_opt(0, 0, 0)?
        .and_local_timezone(tuoke_core::calendar::china_offset())
        .single()
        .map(|t| t.with_timezone(&chrono::Utc))
}

pub async fn funnel(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<FunnelParams>,
) -> Response {
    let lang = viewer.lang;
    let app = &state.app;
    let templates = match app.list_templates::<ProcessTemplate>(&viewer.actor).await {
        Ok(t) => t,
        Err(e) => return failure(&viewer, e),
    };
    let key = q
        .template
        .clone()
        .filter(|k| !k.is_empty())
        .unwrap_or_else(|| "big_account_five_stages".to_owned());
    let query = FunnelQuery {
        template_key: key.clone(),
        owner_id: q.owner_id.as_deref().and_then(|o| o.parse().ok()),
        team_id: q.team_id.as_deref().and_then(|t| t.parse().ok()),
        created_from: q.from.as_deref().and_then(day_start),
        created_to: q
            .to
            .as_deref()
            .and_then(day_start)
            .map(|t| t + chrono::Duration::days(1)),
    };
    let report = match app.funnel_report(&viewer.actor, query).await {
        Ok(r) => r,
        Err(e) => return failure(&viewer, e),
    };
    let max_amount = report
        .stages
        .iter()
        .map(|s| s.open_amount)
        .max()
        .unwrap_or_default()
        .max(Decimal::ONE);
    let max_count = report
        .stages
        .iter()
        .map(|s| s.open_cases)
        .max()
        .unwrap_or(0)
        .max(1);
    let bar = |v: Decimal| {
        (v / max_amount * Decimal::from(300))
            .to_f64()
            .unwrap_or(0.0)
            .round()
    };
    let stages: Vec<_> = report
        .stages
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let y = 10 + i * 44;
            minijinja::context! {
                name => text(lang, &s.name), probability => s.probability, open => s.open_cases, amount => s.open_amount.to_string(),
                weighted => s.weighted_amount.to_string(), reached => s.reached,
                conversion => s.conversion_to_next.map(|c| format!("{:.0}%", (c * Decimal::ONE_HUNDRED).to_f64().unwrap_or(0.0))),
                win_rate => s.win_rate.map(|c| format!("{:.0}%", (c * Decimal::ONE_HUNDRED).to_f64().unwrap_or(0.0))),
                avg_days => s.average_days.map(|d| d.to_string()), median_days => s.median_days.map(|d| d.to_string()),
                y => y, text_y => y + 15, sub_y => y + 30,
                amount_w => bar(s.open_amount), weighted_w => bar(s.weighted_amount),
                count_w => (s.open_cases as f64 / max_count as f64 * 120.0).round(),
            }
        })
        .collect();
    let users = super::user_options(&super::user_names(&state, &viewer).await);
    let teams = app
        .list_teams(&viewer.actor, &PageRequest::first(PageRequest::MAX_LIMIT))
        .await
        .map(|p| {
            p.items
                .into_iter()
                .map(|t| minijinja::context! { id => t.id.to_string(), name => t.name })
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let page = minijinja::context! {
        nav => "funnel", template => key, stages => stages, height => 20 + report.stages.len() * 44,
        templates => templates.iter().map(|t| minijinja::context! { key => t.stored.key.clone(), name => text(lang, &t.template.name) }).collect::<Vec<_>>(),
        users => users, teams => teams, owner_id => q.owner_id, team_id => q.team_id, from => q.from, to => q.to,
        totals => minijinja::context! { open => report.open_cases, amount => report.open_amount.to_string(), weighted => report.weighted_amount.to_string(), won => report.won, lost => report.lost, terminated => report.terminated, win_rate => report.win_rate.map(|c| format!("{:.0}%", (c * Decimal::ONE_HUNDRED).to_f64().unwrap_or(0.0))) },
    };
    render("funnel.html", Some(&viewer), lang, page)
}

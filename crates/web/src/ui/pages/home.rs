//! My day (我的一天): what is due today, what waits for me, who has a birthday.

use axum::extract::State;
use axum::response::Response;
use serde::Serialize;
use tuoke_app::ports::{
    ActivityFilter, ActivitySort, ApprovalFilter, CaseFilter, CaseSort, PageRequest, Visibility,
};
use tuoke_core::ApprovalStatus;

use super::{failure, local_time, today};
use crate::AppState;
use crate::ui::{Viewer, render};

#[derive(Serialize)]
struct FollowUp {
    customer_id: String,
    customer: String,
    date: String,
    overdue: bool,
    next_step: Option<String>,
    content: String,
}

#[derive(Serialize)]
struct CaseDue {
    id: String,
    title: String,
    stage: String,
    due: String,
    overdue: bool,
}

#[derive(Serialize)]
struct Waiting {
    case_id: Option<String>,
    title: Option<String>,
    stage: Option<String>,
    requested_at: String,
}

pub async fn my_day(State(state): State<AppState>, viewer: Viewer) -> Response {
    let app = &state.app;
    let actor = &viewer.actor;
    let now = app.now();
    let today = today(now);
    let week_end = today
        + chrono::Duration::days(i64::from(
            7 - chrono::Datelike::weekday(&today).num_days_from_monday(),
        ));
    let due_filter = ActivityFilter {
        visible: Visibility::All,
        customer_id: None,
        owner_id: Some(actor.id()),
        method: None,
        from: None,
        to: None,
        due_by: Some(week_end),
        sort: ActivitySort::FollowUp,
    };
    let activities = match app
        .list_activities(actor, due_filter, &PageRequest::first(100))
        .await
    {
        Ok(page) => page.items,
        Err(e) => return failure(&viewer, e),
    };
    let mut names = std::collections::HashMap::new();
    let mut due_today = Vec::new();
    let mut this_week = Vec::new();
    for a in activities {
        let Some(date) = a.next_follow_up else {
            continue;
        };
        let customer = match names.get(&a.customer_id) {
            Some(n) => String::clone(n),
            None => {
                let name = app
                    .get_customer(actor, a.customer_id)
                    .await
                    .map(|c| c.name)
                    .unwrap_or_default();
                names.insert(a.customer_id, name.clone());
                name
            }
        };
        let item = FollowUp {
            customer_id: a.customer_id.to_string(),
            customer,
            date: date.to_string(),
            overdue: date < today,
            next_step: a.next_step,
            content: a.content,
        };
        if date <= today {
            due_today.push(item)
        } else {
            this_week.push(item)
        }
    }
    let soon = match app.working_days_from_now(3).await {
        Ok(t) => t,
        Err(e) => return failure(&viewer, e),
    };
    let case_filter = CaseFilter {
        due_by: Some(soon),
        owner_id: Some(actor.id()),
        sort: CaseSort::Due,
        ..CaseFilter::visible(Visibility::All)
    };
    let cases = match app
        .list_cases(actor, case_filter, &PageRequest::first(50))
        .await
    {
        Ok(page) => page.items,
        Err(e) => return failure(&viewer, e),
    };
    let cases: Vec<CaseDue> = cases
        .into_iter()
        .filter_map(|c| {
            let due = c.stage_due_at?;
            Some(CaseDue {
                id: c.id.to_string(),
                title: c.title,
                stage: c.stage,
                due: local_time(due),
                overdue: due < now,
            })
        })
        .collect();
    let approvals = match app
        .list_approvals(
            actor,
            ApprovalFilter {
                status: Some(ApprovalStatus::Pending),
                ..ApprovalFilter::default()
            },
            &PageRequest::first(50),
        )
        .await
    {
        Ok(page) => page.items,
        Err(e) => return failure(&viewer, e),
    };
    let mut waiting = Vec::with_capacity(approvals.len());
    for a in approvals {
        // The case's title and the stage's name, where the approver can see the case.
        let case = match a.case_id {
            Some(id) => app.get_case(actor, id).await.ok(),
            None => None,
        };
        let stage = match (&case, &a.stage) {
            (Some(d), Some(key)) => d
                .template
                .stage(key)
                .map(|s| super::text(viewer.lang, &s.name)),
            _ => a.stage.clone(),
        };
        waiting.push(Waiting {
            case_id: a.case_id.map(|c| c.to_string()),
            title: case.map(|d| d.case.title),
            stage,
            requested_at: local_time(a.requested_at),
        });
    }
    let birthdays = match app.upcoming_birthdays(actor, today, 7).await {
        Ok(list) => list,
        Err(e) => return failure(&viewer, e),
    };
    let birthdays: Vec<_> = birthdays
        .into_iter()
        .map(|b| minijinja::context! { name => b.contact.name, customer => b.customer_name, customer_id => b.contact.customer_id.to_string(), date => b.date.to_string(), lunar => b.lunar })
        .collect();
    let page = minijinja::context! {
        nav => "home", today => today.to_string(), due_today => due_today, this_week => this_week,
        cases => cases, approvals => waiting, birthdays => birthdays,
    };
    render("home.html", Some(&viewer), viewer.lang, page)
}

//! Customers: the list with instant search and filters, creating one with the
//! duplicate check, the customer page, and logging a visit.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tuoke_app::AppError;
use tuoke_app::ports::{
    ActivityFilter, ActivitySort, CaseFilter, CustomerFilter, CustomerSort, FormFilter,
    PageRequest, Visibility,
};
use tuoke_core::finance::trend;
use tuoke_core::forms::FormTemplate;
use tuoke_core::process::ProcessTemplate;
use tuoke_core::{
    AbcClass, ActivityDraft, ActivityMethod, Attitude, ChannelType, ContactId, Customer,
    CustomerDraft, CustomerId, CustomerNature, CustomerStatus, DecisionRole, Tier,
};

use super::{bad_csrf, failure, label, labelled, local_time, options, text};
use crate::AppState;
use crate::ui::{Viewer, render};

/// The list's query: every filter is a query parameter, so a search can be bookmarked.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    tier: String,
    #[serde(default)]
    abc_class: String,
    #[serde(default)]
    nature: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    industry: String,
    #[serde(default)]
    product_category: String,
    #[serde(default)]
    province: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    owner_id: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    cursor: String,
}

fn some(s: &str) -> Option<String> {
    Some(s.trim().to_owned()).filter(|s| !s.is_empty())
}

fn parsed<T: std::str::FromStr>(s: &str) -> Option<T> {
    some(s).and_then(|s| s.parse().ok())
}

#[derive(Serialize)]
struct Row {
    id: String,
    name: String,
    short_name: Option<String>,
    region: String,
    status: super::Labelled,
    tier: super::Labelled,
    owner: String,
    industry: Option<String>,
}

fn region(c: &Customer) -> String {
    [c.province.as_deref(), c.city.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
}

pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> Response {
    let query: ListQuery =
        serde_urlencoded::from_str(raw.as_deref().unwrap_or("")).unwrap_or_default();
    let lang = viewer.lang;
    let filter = CustomerFilter {
        q: some(&query.q),
        status: parsed(&query.status),
        tier: parsed(&query.tier),
        abc_class: parsed(&query.abc_class),
        nature: parsed(&query.nature),
        channel: parsed(&query.channel),
        industry: some(&query.industry),
        product_category: some(&query.product_category),
        province: some(&query.province),
        city: some(&query.city),
        owner_id: parsed(&query.owner_id),
        sort: match query.sort.as_str() {
            "name" => CustomerSort::Name,
            "updated" => CustomerSort::Updated,
            _ => CustomerSort::Newest,
        },
        ..CustomerFilter::visible(Visibility::All)
    };
    let page = PageRequest {
        limit: 50,
        cursor: some(&query.cursor),
    };
    let result = match state.app.list_customers(&viewer.actor, filter, &page).await {
        Ok(r) => r,
        Err(AppError::InvalidCursor) => return Redirect::to("/customers").into_response(),
        Err(e) => return failure(&viewer, e),
    };
    let owners = super::user_names(&state, &viewer).await;
    let rows: Vec<Row> = result
        .items
        .iter()
        .map(|c| Row {
            id: c.id.to_string(),
            name: c.name.clone(),
            short_name: c.short_name.clone(),
            region: region(c),
            status: labelled(lang, c.status),
            tier: labelled(lang, c.tier),
            owner: owners.get(&c.owner_id).cloned().unwrap_or_default(),
            industry: c.industry.clone(),
        })
        .collect();
    let next = result.next_cursor.map(|cursor| {
        let mut q = serde_urlencoded::to_string(&ListQuery {
            cursor: String::new(),
            ..query.clone()
        })
        .unwrap_or_default();
        q.push_str("&cursor=");
        q.push_str(&cursor);
        format!("/customers?{q}")
    });
    let owners = super::user_options(&owners);
    let export_query = export_query(&query);
    let page = minijinja::context! {
        nav => "customers", query => query, rows => rows, next => next, owners => owners, export_query => export_query,
        statuses => options::<CustomerStatus>(lang), tiers => options::<Tier>(lang), abc => options::<AbcClass>(lang),
        natures => options::<CustomerNature>(lang), channels => options::<ChannelType>(lang),
        flash => None::<String>,
    };
    render("customers.html", Some(&viewer), lang, page)
}

/// The list's filters and order for `GET /api/v1/customers/export`, as
/// `&name=value` pairs: the ones set, trimmed as the list trims them, without
/// the page, so the file holds every row the filters show.
fn export_query(query: &ListQuery) -> String {
    let all = serde_urlencoded::to_string(query).unwrap_or_default();
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in form_urlencoded::parse(all.as_bytes()) {
        if k != "cursor" && !v.trim().is_empty() {
            out.append_pair(&k, v.trim());
        }
    }
    let pairs = out.finish();
    if pairs.is_empty() {
        pairs
    } else {
        format!("&{pairs}")
    }
}

#[derive(Debug, Deserialize)]
pub struct NewCustomer {
    #[serde(default)]
    csrf: String,
    name: String,
    #[serde(default)]
    short_name: String,
    #[serde(default)]
    credit_code: String,
    #[serde(default)]
    nature: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    industry: String,
    #[serde(default)]
    province: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    monthly_volume: String,
}

/// Creates a customer; a refusal (a duplicate, a bad field) comes back as a
/// message on the list page with the typed values kept.
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<NewCustomer>,
) -> Response {
    if !viewer.csrf_ok(&form.csrf) {
        return bad_csrf(&viewer);
    }
    let draft = CustomerDraft {
        name: form.name.clone(),
        short_name: some(&form.short_name),
        credit_code: some(&form.credit_code),
        nature: parsed(&form.nature),
        channel: parsed(&form.channel),
        industry: some(&form.industry),
        province: some(&form.province),
        city: some(&form.city),
        phone: some(&form.phone),
        monthly_volume: parsed::<Decimal>(&form.monthly_volume),
        ..CustomerDraft::default()
    };
    match state.app.create_customer(&viewer.actor, draft).await {
        Ok(c) => Redirect::to(&format!("/customers/{}", c.id)).into_response(),
        Err(e @ (AppError::DuplicateCustomer { .. } | AppError::Validation(_))) => {
            let lang = viewer.lang;
            let message = match &e {
                AppError::DuplicateCustomer { existing_name, .. } => {
                    format!(
                        "{}：{existing_name}",
                        crate::ui::i18n::t(lang, "duplicate_warning")
                    )
                }
                AppError::Validation(v) => super::field_errors(lang, v),
                _ => e.to_string(),
            };
            let page = minijinja::context! {
                nav => "customers", query => ListQuery::default(), rows => Vec::<Row>::new(), owners => Vec::<String>::new(),
                statuses => options::<CustomerStatus>(lang), tiers => options::<Tier>(lang), abc => options::<AbcClass>(lang),
                natures => options::<CustomerNature>(lang), channels => options::<ChannelType>(lang),
                flash => message, flash_kind => "error", draft => minijinja::context! { name => form.name, short_name => form.short_name, credit_code => form.credit_code, industry => form.industry, province => form.province, city => form.city, phone => form.phone },
                open_new => true,
            };
            let mut response = render("customers.html", Some(&viewer), lang, page);
            *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            response
        }
        Err(e) => failure(&viewer, e),
    }
}

fn parse_customer(id: &str) -> Option<CustomerId> {
    id.parse().ok()
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Response {
    show_with(state, viewer, id, None).await
}

async fn show_with(
    state: AppState,
    viewer: Viewer,
    id: String,
    flash: Option<(String, &'static str)>,
) -> Response {
    let lang = viewer.lang;
    let app = &state.app;
    let actor = &viewer.actor;
    let Some(id) = parse_customer(&id) else {
        return failure(&viewer, AppError::NotFound { entity: "customer" });
    };
    let customer = match app.get_customer(actor, id).await {
        Ok(c) => c,
        Err(e) => return failure(&viewer, e),
    };
    let owners = super::user_names(&state, &viewer).await;
    let contacts = app
        .list_contacts(actor, id, &PageRequest::first(PageRequest::MAX_LIMIT))
        .await
        .map(|p| p.items)
        .unwrap_or_default();
    // Contacts grouped by their role in the buying decision (a contact with several roles shows under each).
    let mut groups: Vec<_> = Vec::new();
    for role in DecisionRole::ALL {
        let members: Vec<_> = contacts
            .iter()
            .filter(|c| c.roles.contains(role))
            .map(contact_view)
            .collect();
        if !members.is_empty() {
            groups.push(minijinja::context! { role => label(lang, *role), contacts => members });
        }
    }
    let unassigned: Vec<_> = contacts
        .iter()
        .filter(|c| c.roles.is_empty())
        .map(contact_view)
        .collect();
    if !unassigned.is_empty() {
        groups.push(minijinja::context! { role => crate::ui::i18n::t(lang, "no_role"), contacts => unassigned });
    }
    let contact_names: BTreeMap<ContactId, String> =
        contacts.iter().map(|c| (c.id, c.name.clone())).collect();
    let timeline_filter = ActivityFilter {
        visible: Visibility::All,
        customer_id: Some(id),
        owner_id: None,
        method: None,
        from: None,
        to: None,
        due_by: None,
        sort: ActivitySort::Recent,
    };
    let activities = app
        .list_activities(actor, timeline_filter, &PageRequest::first(100))
        .await
        .map(|p| p.items)
        .unwrap_or_default();
    let timeline: Vec<_> = activities
        .iter()
        .map(|a| {
            minijinja::context! {
                when => local_time(a.occurred_at), method => label(lang, a.method), content => a.content.clone(),
                progress => a.progress.clone(), attitude => a.attitude.map(|x| label(lang, x)), next_step => a.next_step.clone(),
                next_follow_up => a.next_follow_up.map(|d| d.to_string()), duration => a.duration_minutes,
                contacts => a.contact_ids.iter().filter_map(|c| contact_names.get(c).cloned()).collect::<Vec<_>>().join("、"),
                owner => owners.get(&a.owner_id).cloned().unwrap_or_default(),
            }
        })
        .collect();
    let case_filter = CaseFilter {
        customer_id: Some(id),
        ..CaseFilter::visible(Visibility::All)
    };
    let cases = app
        .list_cases(actor, case_filter, &PageRequest::first(100))
        .await
        .map(|p| p.items)
        .unwrap_or_default();
    let cases: Vec<_> = cases
        .iter()
        .map(|c| minijinja::context! { id => c.id.to_string(), title => c.title.clone(), stage => c.stage.clone(), status => label(lang, c.status), amount => c.expected_amount.map(|m| m.to_string()) })
        .collect();
    let forms = app
        .list_forms(
            actor,
            FormFilter {
                customer_id: Some(id),
                ..FormFilter::default()
            },
            &PageRequest::first(100),
        )
        .await
        .map(|p| p.items)
        .unwrap_or_default();
    let form_names: BTreeMap<String, String> = app
        .list_templates::<FormTemplate>(actor)
        .await
        .map(|all| {
            all.into_iter()
                .map(|v| (v.stored.key.clone(), text(lang, &v.template.name)))
                .collect()
        })
        .unwrap_or_default();
    let filled: Vec<_> = forms
        .iter()
        .map(|f| minijinja::context! { id => f.id.to_string(), name => form_names.get(&f.template_key).cloned().unwrap_or(f.template_key.clone()), grade => f.grade.clone(), score => f.score.to_string(), red_flags => f.red_flags.len(), when => local_time(f.filled_at) })
        .collect();
    let credit = app.get_credit(actor, id).await.ok();
    let periods = app
        .list_financial_periods(actor, id)
        .await
        .unwrap_or_default();
    let indicators: Vec<_> = trend(&periods)
        .into_iter()
        .map(|t| {
            minijinja::context! {
                name => label(lang, t.indicator),
                points => t.points.iter().map(|(d, v)| minijinja::context! { end => d.to_string(), value => v.map(|v| v.to_string()) }).collect::<Vec<_>>(),
                change => t.change.map(|c| c.to_string()),
            }
        })
        .collect();
    let processes: Vec<_> = app
        .list_templates::<ProcessTemplate>(actor)
        .await
        .map(|all| all.iter().map(|v| minijinja::context! { key => v.stored.key.clone(), name => text(lang, &v.template.name) }).collect())
        .unwrap_or_default();
    let (flash, flash_kind) = flash.map_or((None, "ok"), |(m, k)| (Some(m), k));
    let page = minijinja::context! {
        nav => "customers", flash => flash, flash_kind => flash_kind,
        c => minijinja::context! {
            id => customer.id.to_string(), name => customer.name.clone(), short_name => customer.short_name.clone(), pinyin => customer.pinyin.clone(),
            credit_code => customer.credit_code.as_ref().map(ToString::to_string), nature => customer.nature.map(|n| label(lang, n)),
            channel => customer.channel.map(|n| label(lang, n)), industry => customer.industry.clone(), product_category => customer.product_category.clone(),
            region => region(&customer), tier => label(lang, customer.tier), abc => customer.abc_class.map(|a| label(lang, a)),
            status => label(lang, customer.status), owner => owners.get(&customer.owner_id).cloned().unwrap_or_default(),
            monthly_volume => customer.monthly_volume.map(|m| m.to_string()), address => customer.address.clone(), phone => customer.phone.clone(),
            website => customer.website.clone(), notes => customer.notes.clone(),
        },
        credit => credit.map(|c| minijinja::context! { grade => c.profile.grade.map(|g| g.code()), limit => c.profile.limit.map(|m| m.to_string()), terms => c.profile.payment_terms_days, proposed => c.profile.proposed_grade.map(|g| g.code()) }),
        indicators => indicators, has_financials => !periods.is_empty(),
        groups => groups, contacts => contacts.iter().map(|c| minijinja::context! { id => c.id.to_string(), name => c.name.clone() }).collect::<Vec<_>>(),
        timeline => timeline, cases => cases, forms => filled, form_templates => form_names.iter().map(|(k, n)| minijinja::context! { key => k, name => n }).collect::<Vec<_>>(),
        processes => processes, methods => options::<ActivityMethod>(lang), attitudes => options::<Attitude>(lang),
        now => chrono::Utc::now().with_timezone(&tuoke_core::calendar::china_offset()).format("%Y-%m-%dT%H:%M").to_string(),
    };
    render("customer.html", Some(&viewer), lang, page)
}

fn contact_view(c: &tuoke_core::Contact) -> minijinja::Value {
    minijinja::context! {
        name => c.name.clone(), title => c.title.clone(), mobile => c.mobile.clone(), email => c.email.clone(), wechat => c.wechat.clone(),
        influence => c.influence.map(|l| l.get()), relationship => c.relationship.map(|l| l.get()),
        birthday => c.birthday.map(|b| format!("{}{:02}-{:02}", if b.calendar == tuoke_core::BirthdayCalendar::Lunar { "农历 " } else { "" }, b.month, b.day)),
        native_place => c.native_place.clone(), hobbies => c.hobbies.clone(),
    }
}

#[derive(Debug, Deserialize)]
pub struct VisitForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    occurred_at: String,
    #[serde(default)]
    contact_ids: Vec<String>,
    #[serde(default)]
    duration_minutes: String,
    #[serde(default)]
    content: String,
    #[serde(default)]
    progress: String,
    #[serde(default)]
    attitude: String,
    #[serde(default)]
    next_step: String,
    #[serde(default)]
    next_follow_up: String,
    #[serde(default)]
    gift_value: String,
}

/// Logs a visit from the customer page in a few seconds.
pub async fn log_visit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    // Several contacts arrive as repeated `contact_ids`, which serde_html_form-style parsing needs.
    let pairs: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let one = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let form = VisitForm {
        csrf: one("csrf"),
        method: one("method"),
        occurred_at: one("occurred_at"),
        contact_ids: pairs
            .iter()
            .filter(|(k, _)| k == "contact_ids")
            .map(|(_, v)| v.clone())
            .collect(),
        duration_minutes: one("duration_minutes"),
        content: one("content"),
        progress: one("progress"),
        attitude: one("attitude"),
        next_step: one("next_step"),
        next_follow_up: one("next_follow_up"),
        gift_value: one("gift_value"),
    };
    if !viewer.csrf_ok(&form.csrf) {
        return bad_csrf(&viewer);
    }
    let Some(customer_id) = parse_customer(&id) else {
        return failure(&viewer, AppError::NotFound { entity: "customer" });
    };
    let lang = viewer.lang;
    let occurred_at = chrono::NaiveDateTime::parse_from_str(&form.occurred_at, "%Y-%m-%dT%H:%M")
        .ok()
        .and_then(|t| {
            t.and_local_timezone(tuoke_core::calendar::china_offset())
                .single()
        })
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_else(|| state.app.now());
    let draft = ActivityDraft {
        customer_id,
        contact_ids: form
            .contact_ids
            .iter()
            .filter_map(|c| c.parse().ok())
            .collect(),
        occurred_at,
        method: parsed(&form.method).unwrap_or(ActivityMethod::Visit),
        duration_minutes: parsed(&form.duration_minutes),
        content: form.content,
        progress: some(&form.progress),
        attitude: parsed(&form.attitude),
        attitude_note: None,
        next_step: some(&form.next_step),
        next_follow_up: parsed(&form.next_follow_up),
        gift_value: parsed(&form.gift_value),
        owner_id: None,
    };
    match state.app.create_activity(&viewer.actor, draft).await {
        Ok(_) => Redirect::to(&format!("/customers/{id}#timeline")).into_response(),
        Err(AppError::Validation(v)) => {
            let message = super::field_errors(lang, &v);
            let mut page = show_with(state, viewer, id, Some((message, "error"))).await;
            *page.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            page
        }
        Err(e) => failure(&viewer, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_export_link_keeps_the_filters_set_and_drops_the_page() {
        let query = ListQuery {
            q: " 海信 ".into(),
            status: "target".into(),
            sort: "name".into(),
            cursor: "abc".into(),
            ..ListQuery::default()
        };
        assert_eq!(
            export_query(&query),
            "&q=%E6%B5%B7%E4%BF%A1&status=target&sort=name"
        );
        assert_eq!(export_query(&ListQuery::default()), "");
    }
}

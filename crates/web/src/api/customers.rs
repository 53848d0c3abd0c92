//! `/api/v1/customers`: the customer records, their list with filters and
//! search, and the duplicate check the UI calls while a name is typed.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tuoke_app::DuplicateQuery;
use tuoke_app::ports::{CustomerFilter, CustomerSort, Visibility};
use tuoke_core::{
    AbcClass, ChannelType, Customer, CustomerDraft, CustomerId, CustomerNature, CustomerStatus,
    Tier, UserId, ValidationErrors,
};
use utoipa::{IntoParams, ToSchema};

use super::{ListOf, Paging, created, merge_patch, with_etag};
use crate::AppState;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, ApiQuery, Authed, IfMatch, parse_field_id, parse_id, query_parts};

/// The fields a client sets on a customer. Absent fields are empty; `name` is required.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct CustomerInput {
    #[schema(example = "海信集团")]
    pub name: Option<String>,
    #[schema(example = "海信")]
    pub short_name: Option<String>,
    /// 统一社会信用代码, 18 characters with a valid check character.
    #[schema(example = "91350100M000100Y43")]
    pub credit_code: Option<String>,
    pub nature: Option<CustomerNature>,
    pub channel: Option<ChannelType>,
    pub industry: Option<String>,
    pub product_category: Option<String>,
    pub province: Option<String>,
    pub city: Option<String>,
    pub tier: Option<Tier>,
    pub abc_class: Option<AbcClass>,
    /// Defaults to the user creating the customer.
    pub owner_id: Option<UserId>,
    /// Defaults to `prospect`; changes must follow the lifecycle.
    pub status: Option<CustomerStatus>,
    /// Estimated monthly purchases, in yuan.
    #[schema(value_type = Option<String>, example = "50000.00")]
    pub monthly_volume: Option<Decimal>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub website: Option<String>,
    pub notes: Option<String>,
}

impl From<CustomerInput> for CustomerDraft {
    fn from(i: CustomerInput) -> Self {
        CustomerDraft {
            name: i.name.unwrap_or_default(),
            short_name: i.short_name,
            credit_code: i.credit_code,
            nature: i.nature,
            channel: i.channel,
            industry: i.industry,
            product_category: i.product_category,
            province: i.province,
            city: i.city,
            tier: i.tier,
            abc_class: i.abc_class,
            owner_id: i.owner_id,
            status: i.status,
            monthly_volume: i.monthly_volume,
            address: i.address,
            phone: i.phone,
            website: i.website,
            notes: i.notes,
        }
    }
}

impl From<CustomerDraft> for CustomerInput {
    fn from(d: CustomerDraft) -> Self {
        CustomerInput {
            name: Some(d.name),
            short_name: d.short_name,
            credit_code: d.credit_code,
            nature: d.nature,
            channel: d.channel,
            industry: d.industry,
            product_category: d.product_category,
            province: d.province,
            city: d.city,
            tier: d.tier,
            abc_class: d.abc_class,
            owner_id: d.owner_id,
            status: d.status,
            monthly_volume: d.monthly_volume,
            address: d.address,
            phone: d.phone,
            website: d.website,
            notes: d.notes,
        }
    }
}

/// A customer as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerView {
    pub id: CustomerId,
    pub name: String,
    pub short_name: Option<String>,
    /// Pinyin initials of the name, e.g. `HXJT` for 海信集团.
    pub pinyin: String,
    pub credit_code: Option<String>,
    pub nature: Option<CustomerNature>,
    pub channel: Option<ChannelType>,
    pub industry: Option<String>,
    pub product_category: Option<String>,
    pub province: Option<String>,
    pub city: Option<String>,
    pub tier: Tier,
    pub abc_class: Option<AbcClass>,
    pub owner_id: UserId,
    pub status: CustomerStatus,
    #[schema(value_type = Option<String>)]
    pub monthly_volume: Option<Decimal>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub website: Option<String>,
    pub notes: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Customer> for CustomerView {
    fn from(c: Customer) -> Self {
        CustomerView {
            id: c.id,
            name: c.name,
            short_name: c.short_name,
            pinyin: c.pinyin,
            credit_code: c.credit_code.map(String::from),
            nature: c.nature,
            channel: c.channel,
            industry: c.industry,
            product_category: c.product_category,
            province: c.province,
            city: c.city,
            tier: c.tier,
            abc_class: c.abc_class,
            owner_id: c.owner_id,
            status: c.status,
            monthly_volume: c.monthly_volume.map(|m| m.yuan()),
            address: c.address,
            phone: c.phone,
            website: c.website,
            notes: c.notes,
            version: c.version,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CustomerSortParam {
    Newest,
    Name,
    Updated,
}

/// The filters and order of the customer list, which an export of the
/// list takes too.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CustomerListQuery {
    /// Name substring, short-name substring, or pinyin initials (`hx` finds 海信).
    pub q: Option<String>,
    pub owner_id: Option<String>,
    pub status: Option<CustomerStatus>,
    pub tier: Option<Tier>,
    pub abc_class: Option<AbcClass>,
    pub nature: Option<CustomerNature>,
    pub channel: Option<ChannelType>,
    pub industry: Option<String>,
    pub product_category: Option<String>,
    pub province: Option<String>,
    pub city: Option<String>,
    /// `newest` (default), `name` or `updated`.
    #[param(value_type = Option<CustomerSortParam>)]
    pub sort: Option<CustomerSortParam>,
}

impl CustomerListQuery {
    pub(crate) fn filter(self) -> Result<CustomerFilter, ValidationErrors> {
        let owner_id = self
            .owner_id
            .as_deref()
            .map(|o| parse_field_id::<UserId>(o, "owner_id"))
            .transpose()?;
        Ok(CustomerFilter {
            owner_id,
            status: self.status,
            tier: self.tier,
            abc_class: self.abc_class,
            nature: self.nature,
            channel: self.channel,
            industry: self.industry,
            product_category: self.product_category,
            province: self.province,
            city: self.city,
            q: self.q,
            sort: match self.sort {
                None | Some(CustomerSortParam::Newest) => CustomerSort::Newest,
                Some(CustomerSortParam::Name) => CustomerSort::Name,
                Some(CustomerSortParam::Updated) => CustomerSort::Updated,
            },
            ..CustomerFilter::visible(Visibility::All)
        })
    }
}

/// Customers you may see, filtered, one page at a time.
#[utoipa::path(get, path = "/api/v1/customers", tag = "customers", security(("bearer" = [])),
    params(CustomerListQuery, Paging),
    responses((status = 200, body = ListOf<CustomerView>), (status = 422, body = Problem)))]
pub async fn list_customers(
    State(state): State<AppState>,
    Authed(actor): Authed,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<ListOf<CustomerView>>> {
    let (paging, q): (Paging, CustomerListQuery) =
        query_parts(query.as_deref().unwrap_or(""), &["limit", "cursor"])?;
    let page = state
        .app
        .list_customers(&actor, q.filter()?, &paging.request())
        .await?;
    Ok(Json(ListOf::from_page(page, CustomerView::from)))
}

/// Create a customer. A name or credit code that another customer has is
/// refused (409) with the existing customer named.
#[utoipa::path(post, path = "/api/v1/customers", tag = "customers", security(("bearer" = [])),
    request_body = CustomerInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried create safe")),
    responses((status = 201, body = CustomerView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_customer(
    State(state): State<AppState>,
    Authed(actor): Authed,
    ApiJson(input): ApiJson<CustomerInput>,
) -> ApiResult<Response> {
    let customer = state.app.create_customer(&actor, input.into()).await?;
    Ok(created(
        format!("/api/v1/customers/{}", customer.id),
        customer.version,
        CustomerView::from(customer),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DuplicateCheckQuery {
    pub name: Option<String>,
    pub credit_code: Option<String>,
    /// The customer being edited.
    pub except: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicateCheck {
    pub duplicate: bool,
    /// `name` or `credit_code`.
    pub field: Option<String>,
    pub existing_id: Option<CustomerId>,
    pub existing_name: Option<String>,
    pub existing_owner: Option<String>,
}

/// Would a customer with this name or credit code be a duplicate (查重)?
#[utoipa::path(get, path = "/api/v1/customers/check-duplicate", tag = "customers", security(("bearer" = [])),
    params(DuplicateCheckQuery), responses((status = 200, body = DuplicateCheck)))]
pub async fn check_customer_duplicate(
    State(state): State<AppState>,
    Authed(actor): Authed,
    ApiQuery(q): ApiQuery<DuplicateCheckQuery>,
) -> ApiResult<Json<DuplicateCheck>> {
    let except = q
        .except
        .as_deref()
        .map(|e| parse_field_id(e, "except"))
        .transpose()?;
    let query = DuplicateQuery {
        name: q.name,
        credit_code: q.credit_code,
        except,
    };
    let found = state.app.find_customer_duplicate(&actor, query).await?;
    Ok(Json(match found {
        Some(d) => DuplicateCheck {
            duplicate: true,
            field: Some(d.field.to_owned()),
            existing_id: Some(d.existing.id),
            existing_name: Some(d.existing.name),
            existing_owner: Some(d.owner_name),
        },
        None => DuplicateCheck {
            duplicate: false,
            field: None,
            existing_id: None,
            existing_name: None,
            existing_owner: None,
        },
    }))
}

/// One customer.
#[utoipa::path(get, path = "/api/v1/customers/{id}", tag = "customers", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = CustomerView), (status = 404, body = Problem)))]
pub async fn show_customer(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let customer = state
        .app
        .get_customer(&actor, parse_id(&id, "customer")?)
        .await?;
    Ok(with_etag(
        StatusCode::OK,
        customer.version,
        CustomerView::from(customer),
    ))
}

/// Change a customer with a JSON merge patch of `CustomerInput` fields
/// (`null` clears a field). Needs `If-Match` with the version you read.
#[utoipa::path(patch, path = "/api/v1/customers/{id}", tag = "customers", security(("bearer" = [])),
    params(("id" = String, Path), ("If-Match" = String, Header, description = "The version you read, e.g. \"3\"")),
    request_body(content = CustomerInput, content_type = "application/merge-patch+json"),
    responses((status = 200, body = CustomerView), (status = 404, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem), (status = 428, body = Problem)))]
pub async fn update_customer(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    ApiJson(patch): ApiJson<serde_json::Value>,
) -> ApiResult<Response> {
    let id = parse_id(&id, "customer")?;
    let customer = state
        .app
        .update_customer(&actor, id, version, |draft| {
            Ok(merge_patch(&CustomerInput::from(draft), &patch)?.into())
        })
        .await?;
    Ok(with_etag(
        StatusCode::OK,
        customer.version,
        CustomerView::from(customer),
    ))
}

/// Delete a customer with its contacts and follow-up records. Needs `If-Match`.
#[utoipa::path(delete, path = "/api/v1/customers/{id}", tag = "customers", security(("bearer" = [])),
    params(("id" = String, Path), ("If-Match" = String, Header)),
    responses((status = 204), (status = 404, body = Problem), (status = 412, body = Problem)))]
pub async fn delete_customer(
    State(state): State<AppState>,
    Authed(actor): Authed,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
) -> ApiResult<impl IntoResponse> {
    state
        .app
        .delete_customer(&actor, parse_id(&id, "customer")?, version)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

//! Customers (客户): classification, tier, status lifecycle and validation.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::enums::domain_enum;
use crate::text::{normalize_name, pinyin_initials};
use crate::validation::{Checker, ValidationErrors};
use crate::{CreditCode, CustomerId, Money, UserId};

domain_enum! {
    /// Nature of the organisation (客户性质), SPEC CLS-04.
    pub enum CustomerNature {
        Government = ("government", "政府机关", "Government"),
        StateOwned = ("state_owned", "国有企业", "State-owned enterprise"),
        Listed = ("listed", "上市公司", "Listed company"),
        Multinational = ("multinational", "跨国集团", "Multinational"),
        LargePrivate = ("large_private", "大型民营企业", "Large private enterprise"),
        Financial = ("financial", "金融机构", "Financial institution"),
        Sme = ("sme", "中小企业", "SME"),
        Other = ("other", "其他", "Other"),
    }
}

domain_enum! {
    /// Terminal user (终端) or one of the channel (通路) types, SPEC CLS-03.
    pub enum ChannelType {
        Terminal = ("terminal", "终端用户", "Terminal user"),
        Retailer = ("retailer", "通路·零售商", "Channel: retailer"),
        SupermarketMall = ("supermarket_mall", "通路·超市商场", "Channel: supermarket/mall"),
        Wholesaler = ("wholesaler", "通路·批发商", "Channel: wholesaler"),
        Distributor = ("distributor", "通路·经销商", "Channel: distributor"),
    }
}

impl ChannelType {
    /// Whether this is a channel (通路) rather than a terminal user (终端).
    pub fn is_channel(self) -> bool {
        self != ChannelType::Terminal
    }
}

domain_enum! {
    /// Tier (客户层级).
    pub enum Tier {
        Key = ("key", "重要客户", "Key"),
        Ordinary = ("ordinary", "一般客户", "Ordinary"),
        Problem = ("problem", "问题客户", "Problem"),
    }
}

domain_enum! {
    /// ABC class from the sales-share analysis.
    pub enum AbcClass {
        A = ("a", "A类", "A"),
        B = ("b", "B类", "B"),
        C = ("c", "C类", "C"),
    }
}

domain_enum! {
    /// Where a customer stands in development.
    pub enum CustomerStatus {
        Prospect = ("prospect", "潜在客户", "Prospect"),
        Target = ("target", "目标客户", "Target"),
        Developing = ("developing", "开发中", "Developing"),
        Customer = ("customer", "成交客户", "Customer"),
        Dormant = ("dormant", "休眠客户", "Dormant"),
        Lost = ("lost", "流失客户", "Lost"),
    }
}

impl CustomerStatus {
    /// The statuses a customer may move to from this one (besides staying).
    pub fn next(self) -> &'static [CustomerStatus] {
        use CustomerStatus::*;
        match self {
            Prospect => &[Target, Lost],
            Target => &[Developing, Prospect, Lost],
            Developing => &[Customer, Target, Lost],
            Customer => &[Dormant, Lost],
            Dormant => &[Customer, Lost],
            // A lost customer can only be picked up again as a prospect.
            Lost => &[Prospect],
        }
    }

    pub fn can_become(self, to: CustomerStatus) -> bool {
        self == to || self.next().contains(&to)
    }
}

/// What a user submits to create or change a customer, before validation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CustomerDraft {
    pub name: String,
    pub short_name: Option<String>,
    pub credit_code: Option<String>,
    pub nature: Option<CustomerNature>,
    pub channel: Option<ChannelType>,
    pub industry: Option<String>,
    pub product_category: Option<String>,
    pub province: Option<String>,
    pub city: Option<String>,
    pub tier: Option<Tier>,
    pub abc_class: Option<AbcClass>,
    pub owner_id: Option<UserId>,
    pub status: Option<CustomerStatus>,
    pub monthly_volume: Option<Decimal>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub website: Option<String>,
    pub notes: Option<String>,
}

/// A customer as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Customer {
    pub id: CustomerId,
    pub name: String,
    /// The duplicate-check key of the name, see [`normalize_name`].
    pub name_key: String,
    pub short_name: Option<String>,
    /// Pinyin initials of the name.
    pub pinyin: String,
    /// Pinyin initials of the short name (empty without one).
    pub short_pinyin: String,
    pub credit_code: Option<CreditCode>,
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
    pub monthly_volume: Option<Money>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub website: Option<String>,
    pub notes: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The checked content of a draft, shared by create and update.
struct CheckedCustomer {
    name: String,
    short_name: Option<String>,
    credit_code: Option<CreditCode>,
    monthly_volume: Option<Money>,
    industry: Option<String>,
    product_category: Option<String>,
    province: Option<String>,
    city: Option<String>,
    address: Option<String>,
    phone: Option<String>,
    website: Option<String>,
    notes: Option<String>,
}

fn check(draft: &CustomerDraft) -> Result<CheckedCustomer, ValidationErrors> {
    let mut c = Checker::new();
    let name = c.required_text("name", &draft.name, 100);
    if !name.is_empty() && normalize_name(&name).is_empty() {
        c.errors
            .add("name", "invalid", "must contain letters or characters");
    }
    let credit_code = c
        .optional_text("credit_code", draft.credit_code.as_deref(), 18 + 10)
        .and_then(|code| match CreditCode::parse(&code) {
            Ok(code) => Some(code),
            Err(e) => {
                c.errors.add("credit_code", "invalid", e.to_string());
                None
            }
        });
    let monthly_volume = draft
        .monthly_volume
        .and_then(|v| match Money::from_yuan(v) {
            Ok(m) => Some(m),
            Err(e) => {
                c.errors.add("monthly_volume", "invalid", e.to_string());
                None
            }
        });
    let website = c.optional_text("website", draft.website.as_deref(), 200);
    if let Some(w) = &website
        && (w.contains(char::is_whitespace) || !w.contains('.'))
    {
        c.errors.add(
            "website",
            "invalid",
            "must be a web address like www.example.com",
        );
    }
    let checked = CheckedCustomer {
        short_name: c.optional_text("short_name", draft.short_name.as_deref(), 30),
        industry: c.optional_text("industry", draft.industry.as_deref(), 50),
        product_category: c.optional_text(
            "product_category",
            draft.product_category.as_deref(),
            50,
        ),
        province: c.optional_text("province", draft.province.as_deref(), 20),
        city: c.optional_text("city", draft.city.as_deref(), 30),
        address: c.optional_text("address", draft.address.as_deref(), 200),
        phone: c.optional_phone("phone", draft.phone.as_deref()),
        notes: c.optional_text("notes", draft.notes.as_deref(), 5000),
        name,
        credit_code,
        monthly_volume,
        website,
    };
    c.errors.finish(checked)
}

impl Customer {
    /// A new customer from a draft. `owner` is used when the draft names none;
    /// a new customer starts as a prospect unless the draft says otherwise.
    pub fn create(
        draft: CustomerDraft,
        id: CustomerId,
        owner: UserId,
        now: DateTime<Utc>,
    ) -> Result<Customer, ValidationErrors> {
        let checked = check(&draft)?;
        Ok(Customer::assemble(
            checked,
            &draft,
            id,
            draft.owner_id.unwrap_or(owner),
            draft.status.unwrap_or(CustomerStatus::Prospect),
            1,
            now,
            now,
        ))
    }

    /// This customer changed as the draft says; the status must follow the lifecycle.
    pub fn revise(
        &self,
        draft: CustomerDraft,
        now: DateTime<Utc>,
    ) -> Result<Customer, ValidationErrors> {
        let checked = check(&draft);
        let status = draft.status.unwrap_or(self.status);
        let mut errors = checked.as_ref().err().cloned().unwrap_or_default();
        if !self.status.can_become(status) {
            let allowed: Vec<_> = self.status.next().iter().map(|s| s.code()).collect();
            errors.add(
                "status",
                "invalid_transition",
                format!(
                    "a {} customer cannot become {}; allowed: {}",
                    self.status,
                    status,
                    allowed.join(", ")
                ),
            );
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let checked = checked?;
        Ok(Customer::assemble(
            checked,
            &draft,
            self.id,
            draft.owner_id.unwrap_or(self.owner_id),
            status,
            self.version,
            self.created_at,
            now,
        ))
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "a private constructor for the two paths above"
    )]
    fn assemble(
        c: CheckedCustomer,
        draft: &CustomerDraft,
        id: CustomerId,
        owner_id: UserId,
        status: CustomerStatus,
        version: i64,
        created_at: DateTime<Utc>,
        updated_at: DateTime<Utc>,
    ) -> Customer {
        Customer {
            id,
            name_key: normalize_name(&c.name),
            pinyin: pinyin_initials(&c.name),
            short_pinyin: c
                .short_name
                .as_deref()
                .map(pinyin_initials)
                .unwrap_or_default(),
            name: c.name,
            short_name: c.short_name,
            credit_code: c.credit_code,
            nature: draft.nature,
            channel: draft.channel,
            industry: c.industry,
            product_category: c.product_category,
            province: c.province,
            city: c.city,
            tier: draft.tier.unwrap_or(Tier::Ordinary),
            abc_class: draft.abc_class,
            owner_id,
            status,
            monthly_volume: c.monthly_volume,
            address: c.address,
            phone: c.phone,
            website: c.website,
            notes: c.notes,
            version,
            created_at,
            updated_at,
        }
    }

    /// The draft that would produce this customer: the base a partial update
    /// is applied to.
    pub fn to_draft(&self) -> CustomerDraft {
        CustomerDraft {
            name: self.name.clone(),
            short_name: self.short_name.clone(),
            credit_code: self.credit_code.as_ref().map(|c| c.to_string()),
            nature: self.nature,
            channel: self.channel,
            industry: self.industry.clone(),
            product_category: self.product_category.clone(),
            province: self.province.clone(),
            city: self.city.clone(),
            tier: Some(self.tier),
            abc_class: self.abc_class,
            owner_id: Some(self.owner_id),
            status: Some(self.status),
            monthly_volume: self.monthly_volume.map(Money::yuan),
            address: self.address.clone(),
            phone: self.phone.clone(),
            website: self.website.clone(),
            notes: self.notes.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;
    use uuid::Uuid;

    fn ids() -> (CustomerId, UserId) {
        (
            CustomerId::from_uuid(Uuid::from_u128(1)),
            UserId::from_uuid(Uuid::from_u128(2)),
        )
    }

    fn draft(name: &str) -> CustomerDraft {
        CustomerDraft {
            name: name.into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_new_customer_gets_its_keys_and_defaults() {
        let (id, owner) = ids();
        let c = Customer::create(
            CustomerDraft {
                short_name: Some("海信".into()),
                ..draft(" 海信集团 ")
            },
            id,
            owner,
            Utc::now(),
        )
        .unwrap();
        assert_eq!(c.name, "海信集团");
        assert_eq!(c.pinyin, "HXJT");
        assert_eq!(c.short_pinyin, "HX");
        assert_eq!(c.status, CustomerStatus::Prospect);
        assert_eq!(c.tier, Tier::Ordinary);
        assert_eq!(c.owner_id, owner);
        assert_eq!(c.version, 1);
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let (id, owner) = ids();
        let bad = CustomerDraft {
            name: "  ".into(),
            credit_code: Some("91350100M000100Y44".into()),
            monthly_volume: Some(Decimal::from_str("-5").unwrap()),
            phone: Some("call me".into()),
            website: Some("not a site".into()),
            ..Default::default()
        };
        let err = Customer::create(bad, id, owner, Utc::now()).unwrap_err();
        let fields: Vec<_> = err.fields().collect();
        assert_eq!(
            fields,
            ["name", "credit_code", "monthly_volume", "website", "phone"]
        );
    }

    #[test]
    fn a_name_of_only_punctuation_width_spaces_is_refused() {
        let (id, owner) = ids();
        let err = Customer::create(draft("\u{3000}"), id, owner, Utc::now()).unwrap_err();
        assert_eq!(err.0[0].code, "required");
    }

    #[test]
    fn status_follows_the_lifecycle_on_revise() {
        let (id, owner) = ids();
        let c = Customer::create(draft("海尔"), id, owner, Utc::now()).unwrap();
        let to_customer = CustomerDraft {
            status: Some(CustomerStatus::Customer),
            ..c.to_draft()
        };
        let err = c.revise(to_customer, Utc::now()).unwrap_err();
        assert_eq!(err.0[0].field, "status");
        assert_eq!(err.0[0].code, "invalid_transition");

        let to_target = CustomerDraft {
            status: Some(CustomerStatus::Target),
            ..c.to_draft()
        };
        assert_eq!(
            c.revise(to_target, Utc::now()).unwrap().status,
            CustomerStatus::Target
        );
    }

    #[test]
    fn revising_with_its_own_draft_changes_nothing_but_the_time() {
        let (id, owner) = ids();
        let mut d = draft("深圳齐心");
        d.credit_code = Some("91350100M000100Y43".into());
        d.monthly_volume = Some(Decimal::from(50_000));
        d.province = Some("广东".into());
        let c = Customer::create(d, id, owner, Utc::now()).unwrap();
        let later = c.updated_at + chrono::Duration::seconds(5);
        let r = c.revise(c.to_draft(), later).unwrap();
        assert_eq!(
            Customer {
                updated_at: c.updated_at,
                ..r
            },
            c
        );
    }

    fn status() -> impl Strategy<Value = CustomerStatus> {
        proptest::sample::select(CustomerStatus::ALL)
    }

    proptest! {
        #[test]
        fn every_status_can_leave_and_every_status_but_prospect_can_be_reached(s in status()) {
            prop_assert!(!s.next().is_empty());
            prop_assert!(!s.next().contains(&s));
        }

        #[test]
        fn a_walk_along_allowed_steps_never_reaches_customer_without_developing(
            steps in proptest::collection::vec(0usize..3, 0..20)
        ) {
            let mut s = CustomerStatus::Prospect;
            let mut developed = false;
            for pick in steps {
                let next = s.next();
                let to = next[pick % next.len()];
                if to == CustomerStatus::Customer && s != CustomerStatus::Dormant {
                    prop_assert_eq!(s, CustomerStatus::Developing);
                }
                developed |= to == CustomerStatus::Developing;
                if to == CustomerStatus::Customer { prop_assert!(developed); }
                s = to;
            }
        }
    }
}

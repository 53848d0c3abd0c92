//! Follow-up records (跟进记录 / 拜访记录): one contact with a customer.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::enums::domain_enum;
use crate::validation::{Checker, ValidationErrors};
use crate::{ActivityId, ContactId, CustomerId, Money, UserId};

domain_enum! {
    /// How the contact happened (接触方式), SPEC CLS-07.
    pub enum ActivityMethod {
        Visit = ("visit", "上门拜访", "Visit"),
        Phone = ("phone", "电话", "Phone"),
        Email = ("email", "电子邮件", "Email"),
        Message = ("message", "短信/微信", "Message"),
        Meeting = ("meeting", "会议", "Meeting"),
        Gift = ("gift", "送礼", "Gift"),
        Other = ("other", "其他", "Other"),
    }
}

domain_enum! {
    /// The customer's attitude (客户态度).
    pub enum Attitude {
        Positive = ("positive", "积极", "Positive"),
        Neutral = ("neutral", "中立", "Neutral"),
        Negative = ("negative", "消极", "Negative"),
    }
}

/// The longest stay a record can report (滞留时间): one day.
pub const MAX_DURATION_MINUTES: u32 = 24 * 60;

/// What a user submits for a follow-up record, before validation.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityDraft {
    pub customer_id: CustomerId,
    pub contact_ids: Vec<ContactId>,
    pub occurred_at: DateTime<Utc>,
    pub method: ActivityMethod,
    pub duration_minutes: Option<u32>,
    pub content: String,
    pub progress: Option<String>,
    pub attitude: Option<Attitude>,
    pub attitude_note: Option<String>,
    pub next_step: Option<String>,
    pub next_follow_up: Option<NaiveDate>,
    /// The value of a gift, which must be logged (SPEC decision 8).
    pub gift_value: Option<Decimal>,
    pub owner_id: Option<UserId>,
}

/// A follow-up record as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Activity {
    pub id: ActivityId,
    pub customer_id: CustomerId,
    pub contact_ids: Vec<ContactId>,
    pub occurred_at: DateTime<Utc>,
    pub method: ActivityMethod,
    pub duration_minutes: Option<u32>,
    pub content: String,
    pub progress: Option<String>,
    pub attitude: Option<Attitude>,
    pub attitude_note: Option<String>,
    pub next_step: Option<String>,
    pub next_follow_up: Option<NaiveDate>,
    pub gift_value: Option<Money>,
    pub owner_id: UserId,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Activity {
    pub fn create(
        draft: ActivityDraft,
        id: ActivityId,
        owner: UserId,
        now: DateTime<Utc>,
    ) -> Result<Activity, ValidationErrors> {
        let owner = draft.owner_id.unwrap_or(owner);
        build(draft, id, owner, 1, now, now)
    }

    /// The record changed as the draft says. It stays with its customer.
    pub fn revise(
        &self,
        draft: ActivityDraft,
        now: DateTime<Utc>,
    ) -> Result<Activity, ValidationErrors> {
        if draft.customer_id != self.customer_id {
            return Err(ValidationErrors::single(
                "customer_id",
                "immutable",
                "a follow-up record cannot be moved to another customer",
            ));
        }
        let owner = draft.owner_id.unwrap_or(self.owner_id);
        build(draft, self.id, owner, self.version, self.created_at, now)
    }

    pub fn to_draft(&self) -> ActivityDraft {
        ActivityDraft {
            customer_id: self.customer_id,
            contact_ids: self.contact_ids.clone(),
            occurred_at: self.occurred_at,
            method: self.method,
            duration_minutes: self.duration_minutes,
            content: self.content.clone(),
            progress: self.progress.clone(),
            attitude: self.attitude,
            attitude_note: self.attitude_note.clone(),
            next_step: self.next_step.clone(),
            next_follow_up: self.next_follow_up,
            gift_value: self.gift_value.map(Money::yuan),
            owner_id: Some(self.owner_id),
        }
    }
}

fn build(
    d: ActivityDraft,
    id: ActivityId,
    owner_id: UserId,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
) -> Result<Activity, ValidationErrors> {
    let mut c = Checker::new();
    if let Some(minutes) = d.duration_minutes
        && minutes > MAX_DURATION_MINUTES
    {
        c.errors.add(
            "duration_minutes",
            "out_of_range",
            format!("must be at most {MAX_DURATION_MINUTES} minutes"),
        );
    }
    if let Some(next) = d.next_follow_up
        && next < d.occurred_at.date_naive()
    {
        c.errors.add(
            "next_follow_up",
            "out_of_range",
            "must not be before the date of the contact",
        );
    }
    let gift_value = match (d.method, d.gift_value) {
        (ActivityMethod::Gift, Some(v)) => Money::from_yuan(v)
            .map_err(|e| c.errors.add("gift_value", "invalid", e.to_string()))
            .ok(),
        (ActivityMethod::Gift, None) => {
            c.errors.add(
                "gift_value",
                "required",
                "a gift must be logged with its value",
            );
            None
        }
        (_, Some(_)) => {
            c.errors
                .add("gift_value", "not_allowed", "only a gift has a value");
            None
        }
        (_, None) => None,
    };
    let mut contact_ids: Vec<ContactId> = Vec::with_capacity(d.contact_ids.len());
    for id in &d.contact_ids {
        if !contact_ids.contains(id) {
            contact_ids.push(*id);
        }
    }
    if contact_ids.len() > 50 {
        c.errors
            .add("contact_ids", "too_long", "at most 50 contacts per record");
    }
    let activity = Activity {
        id,
        customer_id: d.customer_id,
        contact_ids,
        occurred_at: d.occurred_at,
        method: d.method,
        duration_minutes: d.duration_minutes,
        content: c.required_text("content", &d.content, 5000),
        progress: c.optional_text("progress", d.progress.as_deref(), 2000),
        attitude: d.attitude,
        attitude_note: c.optional_text("attitude_note", d.attitude_note.as_deref(), 500),
        next_step: c.optional_text("next_step", d.next_step.as_deref(), 2000),
        next_follow_up: d.next_follow_up,
        gift_value,
        owner_id,
        version,
        created_at,
        updated_at,
    };
    c.errors.finish(activity)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use uuid::Uuid;

    fn draft() -> ActivityDraft {
        ActivityDraft {
            customer_id: CustomerId::from_uuid(Uuid::from_u128(1)),
            contact_ids: vec![],
            occurred_at: Utc.with_ymd_and_hms(2026, 11, 23, 9, 30, 0).unwrap(),
            method: ActivityMethod::Visit,
            duration_minutes: Some(45),
            content: "拜访采购部王经理，介绍新款复印纸".into(),
            progress: None,
            attitude: Some(Attitude::Positive),
            attitude_note: None,
            next_step: Some("送样品".into()),
            next_follow_up: NaiveDate::from_ymd_opt(2026, 11, 30),
            gift_value: None,
            owner_id: None,
        }
    }

    fn create(d: ActivityDraft) -> Result<Activity, ValidationErrors> {
        Activity::create(
            d,
            ActivityId::from_uuid(Uuid::from_u128(9)),
            UserId::from_uuid(Uuid::from_u128(5)),
            Utc::now(),
        )
    }

    #[test]
    fn a_visit_is_recorded_for_its_author() {
        let a = create(draft()).unwrap();
        assert_eq!(a.owner_id, UserId::from_uuid(Uuid::from_u128(5)));
        assert_eq!(a.duration_minutes, Some(45));
    }

    #[test]
    fn a_follow_up_before_the_visit_and_a_stay_over_a_day_are_refused() {
        let err = create(ActivityDraft {
            next_follow_up: NaiveDate::from_ymd_opt(2026, 11, 22),
            duration_minutes: Some(MAX_DURATION_MINUTES + 1),
            content: " ".into(),
            ..draft()
        })
        .unwrap_err();
        let fields: Vec<_> = err.fields().collect();
        assert_eq!(fields, ["duration_minutes", "next_follow_up", "content"]);
    }

    #[test]
    fn a_gift_needs_its_value_and_only_a_gift_has_one() {
        let err = create(ActivityDraft {
            method: ActivityMethod::Gift,
            ..draft()
        })
        .unwrap_err();
        assert_eq!(err.0[0].code, "required");
        let err = create(ActivityDraft {
            gift_value: Some(Decimal::from(200)),
            ..draft()
        })
        .unwrap_err();
        assert_eq!(err.0[0].code, "not_allowed");
        let ok = create(ActivityDraft {
            method: ActivityMethod::Gift,
            gift_value: Some(Decimal::from(200)),
            ..draft()
        })
        .unwrap();
        assert_eq!(ok.gift_value.unwrap().fen(), 20_000);
    }

    #[test]
    fn a_record_cannot_move_to_another_customer() {
        let a = create(draft()).unwrap();
        let moved = ActivityDraft {
            customer_id: CustomerId::from_uuid(Uuid::from_u128(2)),
            ..a.to_draft()
        };
        assert_eq!(
            a.revise(moved, Utc::now()).unwrap_err().0[0].field,
            "customer_id"
        );
    }
}

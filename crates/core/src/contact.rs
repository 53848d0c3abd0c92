//! Contacts (联系人): people at a customer, their role in the buying decision
//! and the personal profile the procedures ask for (SPEC CLS-09, CLS-10).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::enums::domain_enum;
use crate::validation::{Checker, ValidationErrors};
use crate::{ContactId, CustomerId};

domain_enum! {
    /// A role in the customer's buying decision (主要销售对象, 内线).
    pub enum DecisionRole {
        User = ("user", "使用者", "User"),
        Requester = ("requester", "需求发起者", "Requester"),
        DecisionMaker = ("decision_maker", "决策者", "Decision maker"),
        PurchasingExecutor = ("purchasing_executor", "采购执行者", "Purchasing executor"),
        PurchasingApprover = ("purchasing_approver", "采购审批者", "Purchasing approver"),
        TechnicalEvaluator = ("technical_evaluator", "技术论证者", "Technical evaluator"),
        InsideCoach = ("inside_coach", "内线", "Inside coach"),
    }
}

domain_enum! {
    /// Which calendar a birthday is kept in: many people celebrate the lunar one.
    pub enum BirthdayCalendar {
        Solar = ("solar", "公历", "Solar"),
        Lunar = ("lunar", "农历", "Lunar"),
    }
}

/// A 1–5 rating (influence, relationship strength).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Level(u8);

impl Level {
    pub fn new(value: u8) -> Option<Level> {
        (1..=5).contains(&value).then_some(Level(value))
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

/// A birthday, solar or lunar, with or without the year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Birthday {
    pub calendar: BirthdayCalendar,
    pub year: Option<i32>,
    pub month: u8,
    pub day: u8,
    /// A lunar leap month (闰月).
    pub leap_month: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BirthdayError {
    #[error("month must be 1 to 12")]
    Month,
    #[error("day {day} does not exist in month {month}")]
    Day { month: u8, day: u8 },
    #[error("year must be between 1900 and 2100")]
    Year,
    #[error("only a lunar birthday can fall in a leap month")]
    LeapSolar,
    #[error("expected `solar:YYYY-MM-DD`, `lunar:--MM-DD` or the like")]
    Format,
}

impl Birthday {
    pub fn new(
        calendar: BirthdayCalendar,
        year: Option<i32>,
        month: u8,
        day: u8,
        leap_month: bool,
    ) -> Result<Birthday, BirthdayError> {
        if !(1..=12).contains(&month) {
            return Err(BirthdayError::Month);
        }
        if let Some(y) = year
            && !(1900..=2100).contains(&y)
        {
            return Err(BirthdayError::Year);
        }
        let day_ok = match calendar {
            BirthdayCalendar::Lunar => (1..=30).contains(&day),
            // Without a year, 29 February is allowed: it exists in some years.
            BirthdayCalendar::Solar => {
                NaiveDate::from_ymd_opt(year.unwrap_or(2000), month.into(), day.into()).is_some()
            }
        };
        if !day_ok {
            return Err(BirthdayError::Day { month, day });
        }
        if leap_month && calendar == BirthdayCalendar::Solar {
            return Err(BirthdayError::LeapSolar);
        }
        Ok(Birthday {
            calendar,
            year,
            month,
            day,
            leap_month,
        })
    }
}

impl Birthday {
    /// The first day on or after `from` on which this birthday falls, in the
    /// solar calendar. A lunar birthday is converted with the year's lunar
    /// calendar (a missing 30th counts as the 29th; a leap-month birthday in a
    /// year without that leap month counts in the ordinary month); 29
    /// February counts as 28 February in other years.
    pub fn next_occurrence(&self, from: NaiveDate) -> Option<NaiveDate> {
        let year = chrono::Datelike::year(&from);
        (year - 1..=year + 1)
            .filter_map(|y| self.in_year(y))
            .filter(|d| *d >= from)
            .min()
    }

    fn in_year(&self, year: i32) -> Option<NaiveDate> {
        match self.calendar {
            BirthdayCalendar::Solar => {
                NaiveDate::from_ymd_opt(year, self.month.into(), self.day.into()).or_else(|| {
                    NaiveDate::from_ymd_opt(year, self.month.into(), u32::from(self.day) - 1)
                })
            }
            BirthdayCalendar::Lunar => {
                let attempt = |day: u8, leap: bool| {
                    lunar_lite::lunar_to_solar(lunar_lite::LunarDate {
                        year,
                        month: self.month,
                        day,
                        is_leap_month: leap,
                    })
                    .ok()
                };
                let solar = attempt(self.day, self.leap_month)
                    .or_else(|| attempt(self.day.min(29), self.leap_month))
                    .or_else(|| attempt(self.day.min(29), false))?;
                NaiveDate::from_ymd_opt(solar.year, solar.month.into(), solar.day.into())
            }
        }
    }
}

/// Text form used in storage: `solar:1975-03-12`, `lunar:-----08-15` (no year), `lunar:1980-04-02L` (leap month).
impl fmt::Display for Birthday {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.calendar)?;
        match self.year {
            Some(y) => write!(f, "{y:04}")?,
            None => f.write_str("----")?,
        }
        write!(f, "-{:02}-{:02}", self.month, self.day)?;
        if self.leap_month {
            f.write_str("L")?;
        }
        Ok(())
    }
}

impl FromStr for Birthday {
    type Err = BirthdayError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (cal, rest) = s.split_once(':').ok_or(BirthdayError::Format)?;
        let calendar = cal.parse().map_err(|_| BirthdayError::Format)?;
        let (rest, leap) = match rest.strip_suffix('L') {
            Some(r) => (r, true),
            None => (rest, false),
        };
        let (year, month_day) = match rest.strip_prefix("----") {
            Some(md) => (None, md),
            None => {
                let (y, md) = rest.split_at_checked(4).ok_or(BirthdayError::Format)?;
                (Some(y.parse().map_err(|_| BirthdayError::Format)?), md)
            }
        };
        let (month, day) = month_day
            .strip_prefix('-')
            .and_then(|md| md.split_once('-'))
            .ok_or(BirthdayError::Format)?;
        let month = month.parse().map_err(|_| BirthdayError::Format)?;
        let day = day.parse().map_err(|_| BirthdayError::Format)?;
        Birthday::new(calendar, year, month, day, leap)
    }
}

/// What a user submits for a contact, before validation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContactDraft {
    pub name: String,
    pub title: Option<String>,
    pub department: Option<String>,
    pub mobile: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub wechat: Option<String>,
    pub roles: Vec<DecisionRole>,
    pub influence: Option<u8>,
    pub relationship: Option<u8>,
    pub birthday: Option<Birthday>,
    pub native_place: Option<String>,
    pub age: Option<u8>,
    pub hobbies: Option<String>,
    pub tenure_years: Option<u8>,
    pub authority: Option<String>,
    pub style: Option<String>,
    pub family: Option<String>,
    pub notes: Option<String>,
}

/// A contact as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contact {
    pub id: ContactId,
    pub customer_id: CustomerId,
    pub name: String,
    pub title: Option<String>,
    pub department: Option<String>,
    pub mobile: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub wechat: Option<String>,
    pub roles: Vec<DecisionRole>,
    pub influence: Option<Level>,
    pub relationship: Option<Level>,
    pub birthday: Option<Birthday>,
    /// 籍贯
    pub native_place: Option<String>,
    pub age: Option<u8>,
    pub hobbies: Option<String>,
    /// Years at the company (在该企业时间长短).
    pub tenure_years: Option<u8>,
    /// Scope of authority (权限大小).
    pub authority: Option<String>,
    /// Character and working style (性格, 做事风格).
    pub style: Option<String>,
    /// Family situation (家庭情况).
    pub family: Option<String>,
    pub notes: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Contact {
    pub fn create(
        draft: ContactDraft,
        id: ContactId,
        customer_id: CustomerId,
        now: DateTime<Utc>,
    ) -> Result<Contact, ValidationErrors> {
        build(draft, id, customer_id, 1, now, now)
    }

    pub fn revise(
        &self,
        draft: ContactDraft,
        now: DateTime<Utc>,
    ) -> Result<Contact, ValidationErrors> {
        build(
            draft,
            self.id,
            self.customer_id,
            self.version,
            self.created_at,
            now,
        )
    }

    pub fn to_draft(&self) -> ContactDraft {
        ContactDraft {
            name: self.name.clone(),
            title: self.title.clone(),
            department: self.department.clone(),
            mobile: self.mobile.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            wechat: self.wechat.clone(),
            roles: self.roles.clone(),
            influence: self.influence.map(Level::get),
            relationship: self.relationship.map(Level::get),
            birthday: self.birthday,
            native_place: self.native_place.clone(),
            age: self.age,
            hobbies: self.hobbies.clone(),
            tenure_years: self.tenure_years,
            authority: self.authority.clone(),
            style: self.style.clone(),
            family: self.family.clone(),
            notes: self.notes.clone(),
        }
    }
}

fn build(
    d: ContactDraft,
    id: ContactId,
    customer_id: CustomerId,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
) -> Result<Contact, ValidationErrors> {
    let mut c = Checker::new();
    let level = |field: &str, v: Option<u8>, c: &mut Checker| {
        v.and_then(|v| {
            let l = Level::new(v);
            if l.is_none() {
                c.errors.add(field, "out_of_range", "must be 1 to 5");
            }
            l
        })
    };
    let influence = level("influence", d.influence, &mut c);
    let relationship = level("relationship", d.relationship, &mut c);
    if let Some(age) = d.age
        && !(16..=100).contains(&age)
    {
        c.errors.add("age", "out_of_range", "must be 16 to 100");
    }
    if let Some(t) = d.tenure_years
        && t > 60
    {
        c.errors
            .add("tenure_years", "out_of_range", "must be at most 60");
    }
    let mut roles = d.roles.clone();
    roles.sort();
    roles.dedup();
    let contact = Contact {
        id,
        customer_id,
        name: c.required_text("name", &d.name, 50),
        title: c.optional_text("title", d.title.as_deref(), 50),
        department: c.optional_text("department", d.department.as_deref(), 50),
        mobile: c.optional_phone("mobile", d.mobile.as_deref()),
        phone: c.optional_phone("phone", d.phone.as_deref()),
        email: c.optional_email("email", d.email.as_deref()),
        wechat: c.optional_text("wechat", d.wechat.as_deref(), 50),
        roles,
        influence,
        relationship,
        birthday: d.birthday,
        native_place: c.optional_text("native_place", d.native_place.as_deref(), 50),
        age: d.age,
        hobbies: c.optional_text("hobbies", d.hobbies.as_deref(), 500),
        tenure_years: d.tenure_years,
        authority: c.optional_text("authority", d.authority.as_deref(), 500),
        style: c.optional_text("style", d.style.as_deref(), 500),
        family: c.optional_text("family", d.family.as_deref(), 500),
        notes: c.optional_text("notes", d.notes.as_deref(), 5000),
        version,
        created_at,
        updated_at,
    };
    c.errors.finish(contact)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use uuid::Uuid;

    #[test]
    fn birthdays_print_and_parse_back() {
        let cases = [
            Birthday::new(BirthdayCalendar::Solar, Some(1975), 3, 12, false).unwrap(),
            Birthday::new(BirthdayCalendar::Lunar, None, 8, 15, false).unwrap(),
            Birthday::new(BirthdayCalendar::Lunar, Some(1980), 4, 2, true).unwrap(),
        ];
        let texts = ["solar:1975-03-12", "lunar:-----08-15", "lunar:1980-04-02L"];
        for (b, t) in cases.iter().zip(texts) {
            assert_eq!(b.to_string(), t);
            assert_eq!(t.parse::<Birthday>().unwrap(), *b);
        }
        assert_eq!(
            "lunar:08-15".parse::<Birthday>(),
            Err(BirthdayError::Format)
        );
    }

    #[test]
    fn impossible_birthdays_are_refused() {
        use BirthdayCalendar::*;
        assert_eq!(
            Birthday::new(Solar, Some(2023), 2, 29, false),
            Err(BirthdayError::Day { month: 2, day: 29 })
        );
        assert!(Birthday::new(Solar, None, 2, 29, false).is_ok());
        assert_eq!(
            Birthday::new(Lunar, None, 2, 31, false),
            Err(BirthdayError::Day { month: 2, day: 31 })
        );
        assert_eq!(
            Birthday::new(Solar, None, 13, 1, false),
            Err(BirthdayError::Month)
        );
        assert_eq!(
            Birthday::new(Solar, None, 5, 1, true),
            Err(BirthdayError::LeapSolar)
        );
    }

    #[test]
    fn a_contact_names_every_bad_field_and_dedups_roles() {
        let id = ContactId::from_uuid(Uuid::from_u128(1));
        let cust = CustomerId::from_uuid(Uuid::from_u128(2));
        let bad = ContactDraft {
            name: String::new(),
            influence: Some(9),
            email: Some("nope".into()),
            age: Some(7),
            ..Default::default()
        };
        let err = Contact::create(bad, id, cust, Utc::now()).unwrap_err();
        let mut fields: Vec<_> = err.fields().collect();
        fields.sort();
        assert_eq!(fields, ["age", "email", "influence", "name"]);

        let ok = ContactDraft {
            name: "王总".into(),
            roles: vec![
                DecisionRole::DecisionMaker,
                DecisionRole::User,
                DecisionRole::DecisionMaker,
            ],
            ..Default::default()
        };
        let c = Contact::create(ok, id, cust, Utc::now()).unwrap();
        assert_eq!(c.roles, [DecisionRole::User, DecisionRole::DecisionMaker]);
    }

    #[test]
    fn a_lunar_birthday_falls_on_its_solar_date_of_the_year() {
        // 中秋 (lunar 8/15) is 25 September in 2026 (the official holiday).
        let mid_autumn = Birthday::new(BirthdayCalendar::Lunar, None, 8, 15, false).unwrap();
        let from = NaiveDate::from_ymd_opt(2026, 9, 1).unwrap();
        assert_eq!(
            mid_autumn.next_occurrence(from),
            NaiveDate::from_ymd_opt(2026, 9, 25)
        );
        // 春节 (lunar 1/1) after it is 6 February 2027.
        let spring = Birthday::new(BirthdayCalendar::Lunar, None, 1, 1, false).unwrap();
        assert_eq!(
            spring.next_occurrence(from),
            NaiveDate::from_ymd_opt(2027, 2, 6)
        );
    }

    #[test]
    fn a_solar_birthday_comes_this_year_or_next_and_29_february_moves_to_the_28th() {
        let b = Birthday::new(BirthdayCalendar::Solar, Some(1980), 3, 12, false).unwrap();
        assert_eq!(
            b.next_occurrence(NaiveDate::from_ymd_opt(2026, 3, 12).unwrap()),
            NaiveDate::from_ymd_opt(2026, 3, 12)
        );
        assert_eq!(
            b.next_occurrence(NaiveDate::from_ymd_opt(2026, 3, 13).unwrap()),
            NaiveDate::from_ymd_opt(2027, 3, 12)
        );
        let leap = Birthday::new(BirthdayCalendar::Solar, None, 2, 29, false).unwrap();
        assert_eq!(
            leap.next_occurrence(NaiveDate::from_ymd_opt(2026, 2, 1).unwrap()),
            NaiveDate::from_ymd_opt(2026, 2, 28)
        );
    }

    proptest! {
        #[test]
        fn any_valid_birthday_round_trips_through_text(
            lunar in any::<bool>(), year in proptest::option::of(1900i32..=2100),
            month in 1u8..=12, day in 1u8..=31, leap in any::<bool>()
        ) {
            let cal = if lunar { BirthdayCalendar::Lunar } else { BirthdayCalendar::Solar };
            if let Ok(b) = Birthday::new(cal, year, month, day, leap && lunar) {
                prop_assert_eq!(b.to_string().parse::<Birthday>(), Ok(b));
            }
        }
    }
}

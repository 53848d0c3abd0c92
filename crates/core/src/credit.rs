//! Credit management (信用管理, SPEC P-12, RULE-02, decision 2 and 3): a
//! customer's credit grade, limit and payment terms, and the credit-change
//! request (大客户信用等级变更申请) with its deadlines: submitted within 2
//! working days of the trigger (a new rating that differs from the current
//! grade), verified within 3 working days of submission.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::calendar::{WorkCalendar, china_offset};
use crate::enums::domain_enum;
use crate::validation::ValidationErrors;
use crate::{CustomerId, Money, UserId};

/// Working days to submit a change after its trigger.
pub const SUBMIT_WITHIN_WORKING_DAYS: u32 = 2;
/// Working days to verify a change after its submission.
pub const VERIFY_WITHIN_WORKING_DAYS: u32 = 3;

domain_enum! {
    /// Credit grades, best first (SPEC decision 2).
    pub enum CreditGrade {
        Aaa = ("AAA", "AAA 级", "AAA"),
        Aa = ("AA", "AA 级", "AA"),
        A = ("A", "A 级", "A"),
        B = ("B", "B 级", "B"),
        C = ("C", "C 级", "C"),
    }
}

domain_enum! {
    pub enum CreditChangeStatus {
        /// Raised by a rating; waits to be submitted.
        Draft = ("draft", "待提交", "To submit"),
        /// Submitted; waits for verification.
        Submitted = ("submitted", "待审查", "To verify"),
        Approved = ("approved", "已批准", "Approved"),
        Rejected = ("rejected", "已驳回", "Rejected"),
    }
}

domain_enum! {
    /// Which deadline a request missed.
    pub enum CreditDeadline {
        Submit = ("submit", "提交期限", "Submission deadline"),
        Verify = ("verify", "审查期限", "Verification deadline"),
    }
}

/// SPEC decision 2: any red flag on the risky-company check (危险企业的判断查核表)
/// caps the credit grade at B.
pub fn cap_by_risk_check(grade: CreditGrade, risk_check_has_red_flags: bool) -> CreditGrade {
    if risk_check_has_red_flags {
        grade.max(CreditGrade::B)
    } else {
        grade
    }
}

/// The key of the risky-company check form whose red flags cap the grade.
pub const RISK_CHECK_FORM: &str = "risky_company_check";

/// A customer's credit terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreditProfile {
    pub customer_id: CustomerId,
    pub grade: Option<CreditGrade>,
    pub limit: Option<Money>,
    pub payment_terms_days: Option<u32>,
    /// The grade the latest rating proposes, until a change decides it.
    pub proposed_grade: Option<CreditGrade>,
    pub version: i64,
    pub updated_at: DateTime<Utc>,
}

impl CreditProfile {
    /// The profile of a customer nobody has rated yet.
    pub fn empty(customer_id: CustomerId, now: DateTime<Utc>) -> CreditProfile {
        CreditProfile {
            customer_id,
            grade: None,
            limit: None,
            payment_terms_days: None,
            proposed_grade: None,
            version: 0,
            updated_at: now,
        }
    }

    /// New limit and payment terms (the grade changes only through a request).
    pub fn with_terms(
        &self,
        limit: Option<Money>,
        payment_terms_days: Option<u32>,
        now: DateTime<Utc>,
    ) -> Result<CreditProfile, ValidationErrors> {
        if payment_terms_days.is_some_and(|d| d > 365) {
            return Err(ValidationErrors::single(
                "payment_terms_days",
                "out_of_range",
                "must be at most 365 days",
            ));
        }
        Ok(CreditProfile {
            limit,
            payment_terms_days,
            updated_at: now,
            ..self.clone()
        })
    }
}

/// A credit-grade change request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreditChange {
    pub id: Uuid,
    pub customer_id: CustomerId,
    pub from_grade: Option<CreditGrade>,
    pub to_grade: CreditGrade,
    /// The rating form that triggered it, if any.
    pub form_id: Option<Uuid>,
    pub reason: Option<String>,
    pub status: CreditChangeStatus,
    pub raised_by: UserId,
    pub triggered_at: DateTime<Utc>,
    pub submit_due_at: DateTime<Utc>,
    pub submitted_by: Option<UserId>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub verifier_id: Option<UserId>,
    pub verify_due_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    /// 审查意见
    pub review_opinion: Option<String>,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditChangeError {
    #[error("the request is {0}: {1}")]
    WrongStatus(CreditChangeStatus, &'static str),
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
}

impl CreditChange {
    /// A request raised when a rating's grade differs from the current one;
    /// due for submission 2 working days after the trigger.
    #[expect(
        clippy::too_many_arguments,
        reason = "every part of a new request is distinct"
    )]
    pub fn raise(
        id: Uuid,
        customer_id: CustomerId,
        from_grade: Option<CreditGrade>,
        to_grade: CreditGrade,
        form_id: Option<Uuid>,
        raised_by: UserId,
        now: DateTime<Utc>,
        calendar: &WorkCalendar,
    ) -> CreditChange {
        CreditChange {
            id,
            customer_id,
            from_grade,
            to_grade,
            form_id,
            reason: None,
            status: CreditChangeStatus::Draft,
            raised_by,
            triggered_at: now,
            submit_due_at: calendar.add_working_days(
                now,
                SUBMIT_WITHIN_WORKING_DAYS,
                china_offset(),
            ),
            submitted_by: None,
            submitted_at: None,
            verifier_id: None,
            verify_due_at: None,
            decided_at: None,
            review_opinion: None,
            version: 1,
        }
    }

    /// Submits the request to its verifier; due for verification 3 working
    /// days after submission.
    pub fn submit(
        &self,
        by: UserId,
        verifier: UserId,
        reason: Option<&str>,
        now: DateTime<Utc>,
        calendar: &WorkCalendar,
    ) -> Result<CreditChange, CreditChangeError> {
        if self.status != CreditChangeStatus::Draft {
            return Err(CreditChangeError::WrongStatus(
                self.status,
                "only a request to submit can be submitted",
            ));
        }
        let reason = reason
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_owned)
            .or_else(|| self.reason.clone());
        Ok(CreditChange {
            status: CreditChangeStatus::Submitted,
            reason,
            submitted_by: Some(by),
            submitted_at: Some(now),
            verifier_id: Some(verifier),
            verify_due_at: Some(calendar.add_working_days(
                now,
                VERIFY_WITHIN_WORKING_DAYS,
                china_offset(),
            )),
            ..self.clone()
        })
    }

    /// The verifier approves or rejects with a review opinion (审查意见); a
    /// rejection needs one.
    pub fn decide(
        &self,
        approve: bool,
        opinion: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<CreditChange, CreditChangeError> {
        if self.status != CreditChangeStatus::Submitted {
            return Err(CreditChangeError::WrongStatus(
                self.status,
                "only a submitted request can be verified",
            ));
        }
        let opinion = opinion
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .map(str::to_owned);
        if !approve && opinion.is_none() {
            return Err(ValidationErrors::single(
                "review_opinion",
                "required",
                "say why the change is rejected",
            )
            .into());
        }
        Ok(CreditChange {
            status: if approve {
                CreditChangeStatus::Approved
            } else {
                CreditChangeStatus::Rejected
            },
            review_opinion: opinion,
            decided_at: Some(now),
            ..self.clone()
        })
    }

    /// The deadline this request has missed at `now`, if any.
    pub fn breach(&self, now: DateTime<Utc>) -> Option<CreditDeadline> {
        match self.status {
            CreditChangeStatus::Draft if now > self.submit_due_at => Some(CreditDeadline::Submit),
            CreditChangeStatus::Submitted if self.verify_due_at.is_some_and(|due| now > due) => {
                Some(CreditDeadline::Verify)
            }
            _ => None,
        }
    }

    pub fn is_open(&self) -> bool {
        matches!(
            self.status,
            CreditChangeStatus::Draft | CreditChangeStatus::Submitted
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn calendar() -> WorkCalendar {
        WorkCalendar::prc()
    }

    fn uid(n: u128) -> UserId {
        UserId::from_uuid(Uuid::from_u128(n))
    }

    /// Thursday 26 Nov 2026, 10:00 in China.
    fn thursday() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, 2, 0, 0).unwrap()
    }

    fn raised() -> CreditChange {
        CreditChange::raise(
            Uuid::from_u128(1),
            CustomerId::from_uuid(Uuid::from_u128(2)),
            Some(CreditGrade::A),
            CreditGrade::B,
            None,
            uid(3),
            thursday(),
            &calendar(),
        )
    }

    #[test]
    fn a_change_is_due_two_working_days_after_its_trigger() {
        // Thursday + 2 working days = Monday 30 Nov, end of day in China.
        let r = raised();
        assert_eq!(
            r.submit_due_at,
            Utc.with_ymd_and_hms(2026, 11, 30, 15, 59, 59).unwrap()
        );
        assert_eq!(r.breach(r.submit_due_at), None);
        assert_eq!(
            r.breach(r.submit_due_at + chrono::Duration::seconds(1)),
            Some(CreditDeadline::Submit)
        );
    }

    #[test]
    fn verification_is_due_three_working_days_after_submission() {
        // Submitted Monday 30 Nov → Thursday 3 Dec.
        let at = Utc.with_ymd_and_hms(2026, 11, 30, 3, 0, 0).unwrap();
        let s = raised()
            .submit(uid(3), uid(4), Some("评分下降"), at, &calendar())
            .unwrap();
        assert_eq!(s.status, CreditChangeStatus::Submitted);
        assert_eq!(
            s.verify_due_at,
            Some(Utc.with_ymd_and_hms(2026, 12, 3, 15, 59, 59).unwrap())
        );
        assert_eq!(
            s.breach(Utc.with_ymd_and_hms(2026, 12, 4, 1, 0, 0).unwrap()),
            Some(CreditDeadline::Verify)
        );
        assert!(matches!(
            s.submit(uid(3), uid(4), None, at, &calendar()),
            Err(CreditChangeError::WrongStatus(..))
        ));
    }

    #[test]
    fn a_rejection_needs_a_review_opinion_and_a_decided_request_misses_nothing() {
        let s = raised()
            .submit(uid(3), uid(4), None, thursday(), &calendar())
            .unwrap();
        assert!(matches!(
            s.decide(false, Some(" "), thursday()),
            Err(CreditChangeError::Invalid(_))
        ));
        let d = s.decide(true, Some("情况属实"), thursday()).unwrap();
        assert_eq!(d.status, CreditChangeStatus::Approved);
        assert_eq!(d.breach(thursday() + chrono::Duration::days(30)), None);
        assert!(!d.is_open());
    }

    #[test]
    fn a_red_flag_on_the_risk_check_caps_a_better_grade_at_b() {
        assert_eq!(cap_by_risk_check(CreditGrade::Aaa, true), CreditGrade::B);
        assert_eq!(cap_by_risk_check(CreditGrade::C, true), CreditGrade::C);
        assert_eq!(cap_by_risk_check(CreditGrade::Aa, false), CreditGrade::Aa);
    }

    #[test]
    fn grades_rank_best_first() {
        assert!(CreditGrade::Aaa < CreditGrade::B);
        assert_eq!("AA".parse::<CreditGrade>(), Ok(CreditGrade::Aa));
    }
}

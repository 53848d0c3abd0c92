//! Approvals (审批): a request that a person with authority decides.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::enums::domain_enum;
use crate::validation::ValidationErrors;
use crate::{ApprovalId, CaseId, UserId};

domain_enum! {
    /// What is to be approved.
    pub enum ApprovalKind {
        /// Leaving a stage of a development case.
        StageGate = ("stage_gate", "阶段审批", "Stage gate"),
    }
}

domain_enum! {
    pub enum ApprovalStatus {
        Pending = ("pending", "待审批", "Pending"),
        Approved = ("approved", "已批准", "Approved"),
        Rejected = ("rejected", "已驳回", "Rejected"),
    }
}

/// An approval request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Approval {
    pub id: ApprovalId,
    pub kind: ApprovalKind,
    pub case_id: Option<CaseId>,
    /// For a stage gate: the stage to leave.
    pub stage: Option<String>,
    pub requested_by: UserId,
    pub approver_id: UserId,
    pub status: ApprovalStatus,
    /// The approver's comment; a rejection's reason.
    pub comment: Option<String>,
    pub requested_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApprovalError {
    #[error("this request is already {0}")]
    AlreadyDecided(ApprovalStatus),
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
}

impl Approval {
    /// A new request to leave `stage` of a case.
    pub fn stage_gate(
        id: ApprovalId,
        case_id: CaseId,
        stage: &str,
        requested_by: UserId,
        approver_id: UserId,
        now: DateTime<Utc>,
    ) -> Approval {
        Approval {
            id,
            kind: ApprovalKind::StageGate,
            case_id: Some(case_id),
            stage: Some(stage.to_owned()),
            requested_by,
            approver_id,
            status: ApprovalStatus::Pending,
            comment: None,
            requested_at: now,
            decided_at: None,
            due_at: None,
            version: 1,
        }
    }

    /// Approves or rejects a pending request. A rejection needs a reason.
    pub fn decide(
        &self,
        approve: bool,
        comment: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Approval, ApprovalError> {
        if self.status != ApprovalStatus::Pending {
            return Err(ApprovalError::AlreadyDecided(self.status));
        }
        let comment = comment
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned);
        if !approve && comment.is_none() {
            return Err(ValidationErrors::single(
                "comment",
                "required",
                "say why the request is rejected",
            )
            .into());
        }
        Ok(Approval {
            status: if approve {
                ApprovalStatus::Approved
            } else {
                ApprovalStatus::Rejected
            },
            comment,
            decided_at: Some(now),
            ..self.clone()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn request() -> Approval {
        let id = |n| Uuid::from_u128(n);
        Approval::stage_gate(
            ApprovalId::from_uuid(id(1)),
            CaseId::from_uuid(id(2)),
            "close",
            UserId::from_uuid(id(3)),
            UserId::from_uuid(id(4)),
            Utc::now(),
        )
    }

    #[test]
    fn a_pending_request_is_approved_once() {
        let approved = request().decide(true, None, Utc::now()).unwrap();
        assert_eq!(approved.status, ApprovalStatus::Approved);
        assert_eq!(
            approved.decide(false, Some("no"), Utc::now()),
            Err(ApprovalError::AlreadyDecided(ApprovalStatus::Approved))
        );
    }

    #[test]
    fn a_rejection_needs_a_reason() {
        assert!(matches!(
            request().decide(false, Some("  "), Utc::now()),
            Err(ApprovalError::Invalid(_))
        ));
        let rejected = request()
            .decide(false, Some("金额不足"), Utc::now())
            .unwrap();
        assert_eq!(rejected.comment.as_deref(), Some("金额不足"));
    }
}

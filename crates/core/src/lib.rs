//! Tuoke's domain: the types and the rules of customer development.
//!
//! This crate owns every business rule (validation, status lifecycles, duplicate
//! keys, pinyin initials, credit-code checksums, money in fen, audit diffs). It
//! does no IO and cannot observe the world: no async runtime, no database, no
//! clock, no randomness. Time and ids are passed in by the caller. A test
//! (`tests/no_io.rs`) fails if an IO crate enters its dependency tree.
#![forbid(unsafe_code)]

pub mod activity;
pub mod approval;
pub mod audit;
pub mod calendar;
pub mod contact;
pub mod credit;
pub mod credit_code;
pub mod customer;
pub mod enums;
pub mod finance;
pub mod forms;
pub mod ids;
pub mod import;
pub mod money;
pub mod process;
pub mod text;
pub mod user;
pub mod validation;
pub mod visit_record;

pub use activity::{Activity, ActivityDraft, ActivityMethod, Attitude};
pub use approval::{Approval, ApprovalKind, ApprovalStatus};
pub use audit::{AuditAction, AuditEntry, field_changes, imported};
pub use contact::{Birthday, BirthdayCalendar, Contact, ContactDraft, DecisionRole, Level};
pub use credit_code::CreditCode;
pub use customer::{
    AbcClass, ChannelType, Customer, CustomerDraft, CustomerNature, CustomerStatus, Tier,
};
pub use ids::{ActivityId, ApprovalId, CaseId, ContactId, CustomerId, TeamId, UserId};
pub use money::Money;
pub use user::{Role, Team, TeamDraft, User, UserDraft, Username};
pub use validation::{FieldError, ValidationErrors};

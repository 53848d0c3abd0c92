//! Development cases (开发项目 / 商机): one customer going through one process
//! template, and the gate that decides whether it may leave its stage.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use uuid::Uuid;

use super::template::{CaseField, ProcessTemplate, Stage, Text};
use crate::calendar::WorkCalendar;
use crate::enums::domain_enum;
use crate::validation::{Checker, ValidationErrors};
use crate::{ApprovalId, CaseId, CustomerId, DecisionRole, Money, Role, UserId};

domain_enum! {
    /// Where a case stands.
    pub enum CaseStatus {
        Open = ("open", "进行中", "Open"),
        Won = ("won", "成交", "Won"),
        Lost = ("lost", "丢单", "Lost"),
        Terminated = ("terminated", "终止", "Terminated"),
    }
}

domain_enum! {
    /// What happened to a case (its history).
    pub enum CaseEventKind {
        Created = ("created", "创建", "Created"),
        Advanced = ("advanced", "进入下一阶段", "Advanced"),
        ApprovalRequested = ("approval_requested", "提交审批", "Approval requested"),
        Approved = ("approved", "审批通过", "Approved"),
        Rejected = ("rejected", "审批驳回", "Rejected"),
        Terminated = ("terminated", "终止", "Terminated"),
        Won = ("won", "成交", "Won"),
        Lost = ("lost", "丢单", "Lost"),
        Reopened = ("reopened", "重新打开", "Reopened"),
    }
}

/// What a user submits to open or change a case, before validation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CaseDraft {
    pub title: Option<String>,
    pub owner_id: Option<UserId>,
    pub expected_amount: Option<Decimal>,
    pub expected_close_date: Option<NaiveDate>,
    pub competitors: Option<String>,
    pub obstacles: Option<String>,
    pub expected_cost: Option<Decimal>,
    pub next_step: Option<String>,
}

/// A development case as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DevelopmentCase {
    pub id: CaseId,
    pub customer_id: CustomerId,
    pub template_key: String,
    /// The template version the case started on and keeps.
    pub template_version: i64,
    pub title: String,
    pub owner_id: UserId,
    pub expected_amount: Option<Money>,
    pub expected_close_date: Option<NaiveDate>,
    pub competitors: Option<String>,
    pub obstacles: Option<String>,
    pub expected_cost: Option<Money>,
    pub next_step: Option<String>,
    pub status: CaseStatus,
    /// The key of the current stage.
    pub stage: String,
    pub stage_entered_at: DateTime<Utc>,
    /// When the current stage must be done, from its time limit.
    pub stage_due_at: Option<DateTime<Utc>>,
    /// Checklist items done, as `stage/item`.
    pub checked: BTreeSet<String>,
    /// Why the case ended (won, lost, terminated) or was reopened.
    pub outcome_reason: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One line of a case's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseEvent {
    pub id: Uuid,
    pub case_id: CaseId,
    pub at: DateTime<Utc>,
    pub actor_id: Option<UserId>,
    pub kind: CaseEventKind,
    pub from_stage: Option<String>,
    pub to_stage: Option<String>,
    pub reason: Option<String>,
    pub comment: Option<String>,
}

/// The state of the approval to leave the current stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum GateApproval {
    /// None requested yet.
    None,
    Pending {
        id: ApprovalId,
        approver_id: UserId,
    },
    Approved {
        id: ApprovalId,
    },
}

/// What the gate looks at besides the case itself.
#[derive(Debug, Clone, PartialEq)]
pub struct GateContext {
    /// The buying roles the customer's contacts have.
    pub contact_roles: BTreeSet<DecisionRole>,
    /// For each form template key, the grades of the forms filled for this
    /// case or its customer (the best counts).
    pub form_grades: BTreeMap<String, Vec<String>>,
    /// For each form template key, its grades from best to worst.
    pub grade_order: BTreeMap<String, Vec<String>>,
    pub approval: GateApproval,
}

impl GateContext {
    /// Whether a filled form of `form` reaches `min` (any grade does without a minimum).
    fn form_passes(&self, form: &str, min: Option<&str>) -> bool {
        let grades = self
            .form_grades
            .get(form)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let Some(min) = min else {
            return !grades.is_empty();
        };
        let order = self
            .grade_order
            .get(form)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let rank = |g: &str| order.iter().position(|o| o == g);
        match rank(min) {
            Some(need) => grades
                .iter()
                .any(|g| rank(g).is_some_and(|have| have <= need)),
            None => false,
        }
    }
}

/// Who acts, when, and the id of the history line the act writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub actor: UserId,
    pub event_id: Uuid,
    pub at: DateTime<Utc>,
}

/// One condition not met yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Unmet {
    /// A required checklist item is not done.
    ChecklistItem { item: String, text: Text },
    /// A required case field is empty (or a contact role is missing).
    Field { field: CaseField },
    /// A required form is missing, or none reaches the grade.
    Form {
        form: String,
        min_grade: Option<String>,
    },
    /// Leaving needs an approval that is not granted yet.
    Approval { role: Role, pending: bool },
}

impl Unmet {
    pub fn describe(&self, lang: &str) -> String {
        let en = lang.starts_with("en");
        match self {
            Unmet::ChecklistItem { text, .. } => {
                if en {
                    format!("Checklist item not done: {}", text.en)
                } else {
                    format!("未完成检查项：{}", text.zh)
                }
            }
            Unmet::Field { field } => {
                if en {
                    format!("Required: {}", field.label_en())
                } else {
                    format!("必填：{}", field.label_zh())
                }
            }
            Unmet::Form { form, min_grade } => match (en, min_grade) {
                (true, Some(g)) => format!("Form {form} with grade {g} or better is required"),
                (true, None) => format!("Form {form} must be filled"),
                (false, Some(g)) => format!("需要填写表格 {form}，等级不低于 {g}"),
                (false, None) => format!("需要填写表格 {form}"),
            },
            Unmet::Approval { role, pending } => match (en, pending) {
                (true, true) => format!("Waiting for the approval of the {}", role.label_en()),
                (true, false) => format!("Needs the approval of the {}", role.label_en()),
                (false, true) => format!("等待{}审批", role.label_zh()),
                (false, false) => format!("需要{}审批", role.label_zh()),
            },
        }
    }
}

/// Everything still missing before a case may leave its stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GateReport {
    pub stage: String,
    /// The stage the case would move to; `None` at the last stage (where
    /// leaving means winning).
    pub next_stage: Option<String>,
    pub unmet: Vec<Unmet>,
}

impl GateReport {
    /// No condition is left but, perhaps, the approval.
    pub fn ready_but_approval(&self) -> bool {
        self.unmet
            .iter()
            .all(|u| matches!(u, Unmet::Approval { .. }))
    }

    pub fn is_open(&self) -> bool {
        self.unmet.is_empty()
    }
}

/// Why an operation on a case is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseError {
    #[error("the case is {0}, not open")]
    NotOpen(CaseStatus),
    #[error("the case is open")]
    StillOpen,
    #[error("the gate of stage {} is closed: {}", .0.stage, .0.unmet.iter().map(|u| u.describe("en")).collect::<Vec<_>>().join("; "))]
    GateClosed(GateReport),
    #[error("this is the last stage: mark the case won instead")]
    LastStage,
    #[error("only the last stage can be won; the case is at {0}")]
    NotLastStage(String),
    #[error("the template does not allow skipping from {from} to {to}")]
    SkipNotAllowed { from: String, to: String },
    #[error("no stage {0} in this template")]
    UnknownStage(String),
    #[error("no checklist item {0} in the current stage")]
    UnknownItem(String),
    #[error("the stage {0} ends by advancing: terminate is not one of its exits")]
    NoTerminateExit(String),
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
}

/// What asking to leave a stage leads to.
#[derive(Debug, Clone, PartialEq)]
#[expect(
    clippy::large_enum_variant,
    reason = "a short-lived result matched at once, and the common variant is the large one"
)]
pub enum Leave {
    /// The case moved (or was won) — the new case and its history line.
    Moved(DevelopmentCase, CaseEvent),
    /// Everything is met but the approval: request it from this role.
    NeedsApproval { role: Role, report: GateReport },
}

/// The comment of the history lines an import writes.
pub const IMPORTED: &str = "导入 (imported)";

/// The time zone deadlines are counted in.
pub fn local_offset() -> FixedOffset {
    crate::calendar::china_offset()
}

/// The deadline of a stage entered at `at`.
pub fn stage_deadline(
    stage: &Stage,
    at: DateTime<Utc>,
    calendar: &WorkCalendar,
) -> Option<DateTime<Utc>> {
    let limit = stage.time_limit()?;
    match (limit.working_days, limit.hours) {
        (Some(days), _) => Some(calendar.add_working_days(at, days, local_offset())),
        (None, Some(hours)) => Some(calendar.add_working_hours(at, hours, local_offset())),
        (None, None) => None,
    }
}

fn check_draft(d: &CaseDraft, c: &mut Checker) -> (Option<String>, Option<Money>, Option<Money>) {
    let title = c.optional_text("title", d.title.as_deref(), 100);
    let money = |field: &str, v: Option<Decimal>, c: &mut Checker| {
        v.and_then(|v| {
            Money::from_yuan(v)
                .map_err(|e| c.errors.add(field, "invalid", e.to_string()))
                .ok()
        })
    };
    let amount = money("expected_amount", d.expected_amount, c);
    let cost = money("expected_cost", d.expected_cost, c);
    (title, amount, cost)
}

/// The checklist key of an item of a stage.
pub fn check_key(stage: &str, item: &str) -> String {
    format!("{stage}/{item}")
}

impl DevelopmentCase {
    /// Opens a case at the template's first stage. The stamp's actor owns it
    /// unless the draft names another owner.
    #[expect(
        clippy::too_many_arguments,
        reason = "every input of a new case is distinct"
    )]
    pub fn open(
        draft: CaseDraft,
        id: CaseId,
        customer_id: CustomerId,
        customer_name: &str,
        template: &ProcessTemplate,
        template_version: i64,
        stamp: Stamp,
        calendar: &WorkCalendar,
    ) -> Result<(DevelopmentCase, CaseEvent), ValidationErrors> {
        let mut c = Checker::new();
        let (title, amount, cost) = check_draft(&draft, &mut c);
        let competitors = c.optional_text("competitors", draft.competitors.as_deref(), 1000);
        let obstacles = c.optional_text("obstacles", draft.obstacles.as_deref(), 1000);
        let next_step = c.optional_text("next_step", draft.next_step.as_deref(), 1000);
        c.errors.finish(())?;
        let first = template.first_stage();
        let case = DevelopmentCase {
            id,
            customer_id,
            template_key: template.key().to_owned(),
            template_version,
            title: title.unwrap_or_else(|| format!("{customer_name} · {}", template.name.zh)),
            owner_id: draft.owner_id.unwrap_or(stamp.actor),
            expected_amount: amount,
            expected_close_date: draft.expected_close_date,
            competitors,
            obstacles,
            expected_cost: cost,
            next_step,
            status: CaseStatus::Open,
            stage: first.key().to_owned(),
            stage_entered_at: stamp.at,
            stage_due_at: stage_deadline(first, stamp.at, calendar),
            checked: BTreeSet::new(),
            outcome_reason: None,
            version: 1,
            created_at: stamp.at,
            updated_at: stamp.at,
        };
        let event = case.event(
            stamp,
            CaseEventKind::Created,
            None,
            Some(first.key()),
            None,
            None,
        );
        Ok((case, event))
    }

    /// A case opened by an import at `stage`, the stage the team's records
    /// already had it in: the history says it was created and moved through
    /// every earlier stage at the import, each move marked as imported, so
    /// that it replays and counts in the funnel like any case. Gates are not
    /// checked: the work they ask for happened before Tuoke.
    #[expect(
        clippy::too_many_arguments,
        reason = "`open`'s arguments and the stage"
    )]
    pub fn imported(
        draft: CaseDraft,
        id: CaseId,
        customer_id: CustomerId,
        customer_name: &str,
        template: &ProcessTemplate,
        template_version: i64,
        stage: &str,
        stamps: impl FnMut() -> Stamp,
        calendar: &WorkCalendar,
    ) -> Result<(DevelopmentCase, Vec<CaseEvent>), CaseError> {
        let mut stamps = stamps;
        let target = template
            .stage_index(stage)
            .ok_or_else(|| CaseError::UnknownStage(stage.to_owned()))?;
        let (mut case, created) = DevelopmentCase::open(
            draft,
            id,
            customer_id,
            customer_name,
            template,
            template_version,
            stamps(),
            calendar,
        )?;
        let mut events = vec![created];
        for pair in template.stages[..=target].windows(2) {
            let stamp = stamps();
            events.push(case.event(
                stamp,
                CaseEventKind::Advanced,
                Some(pair[0].key()),
                Some(pair[1].key()),
                None,
                Some(IMPORTED.to_owned()),
            ));
            case.stage = pair[1].key().to_owned();
            case.stage_entered_at = stamp.at;
            case.stage_due_at = stage_deadline(&pair[1], stamp.at, calendar);
        }
        Ok((case, events))
    }

    /// The case's fields changed as the draft says (stage and status stay).
    pub fn revise(
        &self,
        draft: CaseDraft,
        now: DateTime<Utc>,
    ) -> Result<DevelopmentCase, ValidationErrors> {
        let mut c = Checker::new();
        let (title, amount, cost) = check_draft(&draft, &mut c);
        let title = match title {
            Some(t) => t,
            None => {
                c.errors.add("title", "required", "must not be empty");
                String::new()
            }
        };
        let case = DevelopmentCase {
            title,
            owner_id: draft.owner_id.unwrap_or(self.owner_id),
            expected_amount: amount,
            expected_close_date: draft.expected_close_date,
            competitors: c.optional_text("competitors", draft.competitors.as_deref(), 1000),
            obstacles: c.optional_text("obstacles", draft.obstacles.as_deref(), 1000),
            expected_cost: cost,
            next_step: c.optional_text("next_step", draft.next_step.as_deref(), 1000),
            updated_at: now,
            ..self.clone()
        };
        c.errors.finish(case)
    }

    /// Whether the case is open and its stage deadline has passed at `now`.
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        self.status == CaseStatus::Open && self.stage_due_at.is_some_and(|due| due < now)
    }

    pub fn to_draft(&self) -> CaseDraft {
        CaseDraft {
            title: Some(self.title.clone()),
            owner_id: Some(self.owner_id),
            expected_amount: self.expected_amount.map(Money::yuan),
            expected_close_date: self.expected_close_date,
            competitors: self.competitors.clone(),
            obstacles: self.obstacles.clone(),
            expected_cost: self.expected_cost.map(Money::yuan),
            next_step: self.next_step.clone(),
        }
    }

    fn event(
        &self,
        stamp: Stamp,
        kind: CaseEventKind,
        from: Option<&str>,
        to: Option<&str>,
        reason: Option<String>,
        comment: Option<String>,
    ) -> CaseEvent {
        CaseEvent {
            id: stamp.event_id,
            case_id: self.id,
            at: stamp.at,
            actor_id: Some(stamp.actor),
            kind,
            from_stage: from.map(str::to_owned),
            to_stage: to.map(str::to_owned),
            reason,
            comment,
        }
    }

    fn current<'t>(&self, template: &'t ProcessTemplate) -> Result<&'t Stage, CaseError> {
        template
            .stage(&self.stage)
            .ok_or_else(|| CaseError::UnknownStage(self.stage.clone()))
    }

    fn require_open(&self) -> Result<(), CaseError> {
        if self.status == CaseStatus::Open {
            Ok(())
        } else {
            Err(CaseError::NotOpen(self.status))
        }
    }

    fn field_present(&self, field: CaseField, ctx: &GateContext) -> bool {
        match field {
            CaseField::ExpectedAmount => self.expected_amount.is_some(),
            CaseField::ExpectedCloseDate => self.expected_close_date.is_some(),
            CaseField::Competitors => self.competitors.is_some(),
            CaseField::Obstacles => self.obstacles.is_some(),
            CaseField::ExpectedCost => self.expected_cost.is_some(),
            CaseField::NextStep => self.next_step.is_some(),
            CaseField::DecisionMakerIdentified => {
                ctx.contact_roles.contains(&DecisionRole::DecisionMaker)
            }
            CaseField::InsideCoachIdentified => {
                ctx.contact_roles.contains(&DecisionRole::InsideCoach)
            }
        }
    }

    /// Everything still missing before the case may leave its current stage.
    pub fn gate_report(
        &self,
        template: &ProcessTemplate,
        ctx: &GateContext,
    ) -> Result<GateReport, CaseError> {
        let stage = self.current(template)?;
        let mut unmet = Vec::new();
        for item in stage.checklist.iter().filter(|i| i.required) {
            if !self
                .checked
                .contains(&check_key(stage.key(), item.key.get_ref()))
            {
                unmet.push(Unmet::ChecklistItem {
                    item: item.key.get_ref().clone(),
                    text: item.text.clone(),
                });
            }
        }
        for field in stage.required_fields() {
            if !self.field_present(field, ctx) {
                unmet.push(Unmet::Field { field });
            }
        }
        for req in &stage.required_forms {
            if !ctx.form_passes(&req.form, req.min_grade.as_deref()) {
                unmet.push(Unmet::Form {
                    form: req.form.clone(),
                    min_grade: req.min_grade.clone(),
                });
            }
        }
        if let Some(role) = stage.approval_role() {
            match ctx.approval {
                GateApproval::Approved { .. } => {}
                GateApproval::Pending { .. } => unmet.push(Unmet::Approval {
                    role,
                    pending: true,
                }),
                GateApproval::None => unmet.push(Unmet::Approval {
                    role,
                    pending: false,
                }),
            }
        }
        Ok(GateReport {
            stage: stage.key().to_owned(),
            next_stage: template.next_stage(stage.key()).map(|s| s.key().to_owned()),
            unmet,
        })
    }

    /// Marks a checklist item of the current stage done or not done.
    pub fn set_checked(
        &self,
        template: &ProcessTemplate,
        item: &str,
        done: bool,
        now: DateTime<Utc>,
    ) -> Result<DevelopmentCase, CaseError> {
        self.require_open()?;
        let stage = self.current(template)?;
        if stage.item(item).is_none() {
            return Err(CaseError::UnknownItem(item.to_owned()));
        }
        let mut case = self.clone();
        let key = check_key(stage.key(), item);
        if done {
            case.checked.insert(key);
        } else {
            case.checked.remove(&key);
        }
        case.updated_at = now;
        Ok(case)
    }

    /// `None` when the gate of `stage` is open; otherwise what asking to
    /// leave leads to: an approval request, or the refusal.
    fn closed_gate(
        &self,
        template: &ProcessTemplate,
        stage: &Stage,
        ctx: &GateContext,
    ) -> Result<Option<Leave>, CaseError> {
        let report = self.gate_report(template, ctx)?;
        if report.is_open() {
            return Ok(None);
        }
        match (
            report.ready_but_approval(),
            stage.approval_role(),
            ctx.approval,
        ) {
            (true, Some(role), GateApproval::None) => {
                Ok(Some(Leave::NeedsApproval { role, report }))
            }
            _ => Err(CaseError::GateClosed(report)),
        }
    }

    /// Asks to leave the current stage for the next one (or for `to`, where
    /// the template allows skipping). At the last stage, use [`Self::win`].
    pub fn advance(
        &self,
        template: &ProcessTemplate,
        to: Option<&str>,
        ctx: &GateContext,
        stamp: Stamp,
        calendar: &WorkCalendar,
    ) -> Result<Leave, CaseError> {
        self.require_open()?;
        let stage = self.current(template)?;
        let next = template
            .next_stage(stage.key())
            .ok_or(CaseError::LastStage)?;
        let target = match to {
            None => next,
            Some(key) => {
                let target = template
                    .stage(key)
                    .ok_or_else(|| CaseError::UnknownStage(key.to_owned()))?;
                let (from_i, to_i) = (template.stage_index(stage.key()), template.stage_index(key));
                let forward = matches!((from_i, to_i), (Some(f), Some(t)) if t > f);
                if !forward || (target.key() != next.key() && !template.allow_skip) {
                    return Err(CaseError::SkipNotAllowed {
                        from: stage.key().to_owned(),
                        to: key.to_owned(),
                    });
                }
                target
            }
        };
        if let Some(approval_needed) = self.closed_gate(template, stage, ctx)? {
            return Ok(approval_needed);
        }
        let mut case = self.clone();
        case.stage = target.key().to_owned();
        case.stage_entered_at = stamp.at;
        case.stage_due_at = stage_deadline(target, stamp.at, calendar);
        case.updated_at = stamp.at;
        let event = case.event(
            stamp,
            CaseEventKind::Advanced,
            Some(stage.key()),
            Some(target.key()),
            None,
            None,
        );
        Ok(Leave::Moved(case, event))
    }

    /// Marks the case won: only from the last stage, with its gate open.
    pub fn win(
        &self,
        template: &ProcessTemplate,
        ctx: &GateContext,
        reason: Option<String>,
        stamp: Stamp,
    ) -> Result<Leave, CaseError> {
        self.require_open()?;
        let stage = self.current(template)?;
        if template.next_stage(stage.key()).is_some() {
            return Err(CaseError::NotLastStage(stage.key().to_owned()));
        }
        if let Some(approval_needed) = self.closed_gate(template, stage, ctx)? {
            return Ok(approval_needed);
        }
        Ok(self.close(CaseStatus::Won, CaseEventKind::Won, reason, stamp))
    }

    /// Ends the case lost or terminated (终止) with a reason, at any stage.
    pub fn end(
        &self,
        template: &ProcessTemplate,
        status: CaseStatus,
        reason: &str,
        stamp: Stamp,
    ) -> Result<Leave, CaseError> {
        self.require_open()?;
        self.current(template)?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(
                ValidationErrors::single("reason", "required", "say why the case ends").into(),
            );
        }
        let kind = match status {
            CaseStatus::Lost => CaseEventKind::Lost,
            CaseStatus::Terminated => CaseEventKind::Terminated,
            CaseStatus::Open | CaseStatus::Won => {
                return Err(ValidationErrors::single(
                    "status",
                    "invalid",
                    "a case ends lost or terminated here",
                )
                .into());
            }
        };
        Ok(self.close(status, kind, Some(reason.to_owned()), stamp))
    }

    fn close(
        &self,
        status: CaseStatus,
        kind: CaseEventKind,
        reason: Option<String>,
        stamp: Stamp,
    ) -> Leave {
        let mut case = self.clone();
        case.status = status;
        case.outcome_reason = reason.clone();
        case.stage_due_at = None;
        case.updated_at = stamp.at;
        let event = case.event(stamp, kind, Some(&self.stage), None, reason, None);
        Leave::Moved(case, event)
    }

    /// Opens an ended case again at the stage it ended in.
    pub fn reopen(
        &self,
        template: &ProcessTemplate,
        reason: &str,
        stamp: Stamp,
        calendar: &WorkCalendar,
    ) -> Result<(DevelopmentCase, CaseEvent), CaseError> {
        if self.status == CaseStatus::Open {
            return Err(CaseError::StillOpen);
        }
        let stage = self.current(template)?;
        let mut case = self.clone();
        case.status = CaseStatus::Open;
        case.outcome_reason = None;
        case.stage_entered_at = stamp.at;
        case.stage_due_at = stage_deadline(stage, stamp.at, calendar);
        case.updated_at = stamp.at;
        let reason = Some(reason.trim().to_owned()).filter(|r| !r.is_empty());
        let event = case.event(
            stamp,
            CaseEventKind::Reopened,
            None,
            Some(stage.key()),
            reason,
            None,
        );
        Ok((case, event))
    }

    /// A history line about an approval (requested, approved, rejected).
    pub fn approval_event(
        &self,
        kind: CaseEventKind,
        stamp: Stamp,
        comment: Option<String>,
    ) -> CaseEvent {
        self.event(stamp, kind, Some(&self.stage), None, None, comment)
    }
}

/// The stage and status a history leads to, replayed from its first line.
pub fn replay(events: &[CaseEvent]) -> Option<(String, CaseStatus)> {
    let mut state: Option<(String, CaseStatus)> = None;
    for e in events {
        state = match (e.kind, state) {
            (CaseEventKind::Created, _) => e.to_stage.clone().map(|s| (s, CaseStatus::Open)),
            (CaseEventKind::Advanced, Some((_, status))) => e.to_stage.clone().map(|s| (s, status)),
            (CaseEventKind::Won, Some((s, _))) => Some((s, CaseStatus::Won)),
            (CaseEventKind::Lost, Some((s, _))) => Some((s, CaseStatus::Lost)),
            (CaseEventKind::Terminated, Some((s, _))) => Some((s, CaseStatus::Terminated)),
            (CaseEventKind::Reopened, Some((s, _))) => {
                Some((e.to_stage.clone().unwrap_or(s), CaseStatus::Open))
            }
            (_, state) => state,
        };
    }
    state
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::process::template::parse_process_template;
    use chrono::TimeZone;
    use proptest::prelude::*;

    const TEMPLATE: &str = r#"
key = "test_process"
name = { zh = "测试流程", en = "Test process" }
applies_to = "customer_development"

[[stages]]
key = "one"
name = { zh = "一", en = "One" }
probability = 10
time_limit = { working_days = 2 }
exit = "advance_or_terminate"
[[stages.checklist]]
key = "a"
text = { zh = "甲", en = "A" }
required = true
[[stages.checklist]]
key = "b"
text = { zh = "乙", en = "B" }

[[stages]]
key = "two"
name = { zh = "二", en = "Two" }
probability = 50
required_fields = ["expected_amount", "decision_maker_identified"]
required_forms = [{ form = "credit_rating", min_grade = "A" }]
approval = "manager"
[[stages.checklist]]
key = "c"
text = { zh = "丙", en = "C" }
required = true

[[stages]]
key = "three"
name = { zh = "三", en = "Three" }
probability = 90
"#;

    fn template() -> ProcessTemplate {
        parse_process_template(TEMPLATE).unwrap()
    }

    fn calendar() -> WorkCalendar {
        WorkCalendar::new(Vec::new())
    }

    fn stamp() -> Stamp {
        Stamp {
            actor: uid(1),
            event_id: Uuid::from_u128(100),
            at: now(),
        }
    }

    fn uid(n: u128) -> UserId {
        UserId::from_uuid(Uuid::from_u128(n))
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 2, 0, 0).unwrap()
    }

    fn open_case(t: &ProcessTemplate) -> DevelopmentCase {
        let (case, event) = DevelopmentCase::open(
            CaseDraft::default(),
            CaseId::from_uuid(Uuid::from_u128(7)),
            CustomerId::from_uuid(Uuid::from_u128(9)),
            "海信集团",
            t,
            1,
            stamp(),
            &calendar(),
        )
        .unwrap();
        assert_eq!(event.kind, CaseEventKind::Created);
        case
    }

    #[test]
    fn an_imported_case_sits_at_its_stage_with_a_history_that_replays() {
        let t = template();
        let (case, events) = DevelopmentCase::imported(
            CaseDraft::default(),
            CaseId::from_uuid(Uuid::from_u128(7)),
            CustomerId::from_uuid(Uuid::from_u128(8)),
            "海信",
            &t,
            1,
            "three",
            stamp,
            &calendar(),
        )
        .unwrap();
        assert_eq!(case.stage, "three");
        assert_eq!(case.status, CaseStatus::Open);
        let kinds: Vec<_> = events.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            [
                CaseEventKind::Created,
                CaseEventKind::Advanced,
                CaseEventKind::Advanced
            ]
        );
        assert!(
            events[1..]
                .iter()
                .all(|e| e.comment.as_deref() == Some(IMPORTED))
        );
        assert_eq!(
            replay(&events),
            Some(("three".to_owned(), CaseStatus::Open))
        );
        assert!(matches!(
            DevelopmentCase::imported(
                CaseDraft::default(),
                case.id,
                case.customer_id,
                "海信",
                &t,
                1,
                "nine",
                stamp,
                &calendar(),
            ),
            Err(CaseError::UnknownStage(_))
        ));
    }

    fn ctx() -> GateContext {
        GateContext {
            contact_roles: BTreeSet::new(),
            form_grades: BTreeMap::new(),
            // Credit grades, best first.
            grade_order: BTreeMap::from([(
                "credit_rating".to_owned(),
                ["AAA", "AA", "A", "B", "C"].map(str::to_owned).to_vec(),
            )]),
            approval: GateApproval::None,
        }
    }

    fn advance(
        case: &DevelopmentCase,
        t: &ProcessTemplate,
        ctx: &GateContext,
    ) -> Result<Leave, CaseError> {
        case.advance(t, None, ctx, stamp(), &calendar())
    }

    fn moved(leave: Leave) -> DevelopmentCase {
        match leave {
            Leave::Moved(case, _) => case,
            other => panic!("expected a move, got {other:?}"),
        }
    }

    #[test]
    fn a_new_case_starts_at_the_first_stage_with_its_deadline_and_a_title() {
        let case = open_case(&template());
        assert_eq!(case.stage, "one");
        assert_eq!(case.status, CaseStatus::Open);
        assert_eq!(case.title, "海信集团 · 测试流程");
        // Monday 10:00 in China + 2 working days.
        assert!(case.stage_due_at.unwrap() > now() + chrono::Duration::days(1));
    }

    #[test]
    fn advancing_with_a_required_item_undone_is_refused_naming_it() {
        let t = template();
        let case = open_case(&t);
        let Err(CaseError::GateClosed(report)) = advance(&case, &t, &ctx()) else {
            panic!("must be refused")
        };
        assert_eq!(
            report.unmet,
            [Unmet::ChecklistItem {
                item: "a".into(),
                text: Text {
                    zh: "甲".into(),
                    en: "A".into()
                }
            }]
        );
        assert_eq!(report.next_stage.as_deref(), Some("two"));
    }

    #[test]
    fn completing_the_required_items_opens_the_gate() {
        let t = template();
        let case = open_case(&t).set_checked(&t, "a", true, now()).unwrap();
        let case = moved(advance(&case, &t, &ctx()).unwrap());
        assert_eq!(case.stage, "two");
        assert_eq!(case.stage_due_at, None, "stage two has no time limit");
    }

    #[test]
    fn every_unmet_condition_of_a_stage_is_reported_at_once() {
        let t = template();
        let case = moved(
            advance(
                &open_case(&t).set_checked(&t, "a", true, now()).unwrap(),
                &t,
                &ctx(),
            )
            .unwrap(),
        );
        let report = case.gate_report(&t, &ctx()).unwrap();
        assert_eq!(
            report.unmet,
            [
                Unmet::ChecklistItem {
                    item: "c".into(),
                    text: Text {
                        zh: "丙".into(),
                        en: "C".into()
                    }
                },
                Unmet::Field {
                    field: CaseField::ExpectedAmount
                },
                Unmet::Field {
                    field: CaseField::DecisionMakerIdentified
                },
                Unmet::Form {
                    form: "credit_rating".into(),
                    min_grade: Some("A".into())
                },
                Unmet::Approval {
                    role: Role::Manager,
                    pending: false
                },
            ]
        );
        assert!(matches!(
            advance(&case, &t, &ctx()),
            Err(CaseError::GateClosed(_))
        ));
    }

    #[test]
    fn a_stage_needing_approval_moves_only_once_approved() {
        let t = template();
        let mut case = moved(
            advance(
                &open_case(&t).set_checked(&t, "a", true, now()).unwrap(),
                &t,
                &ctx(),
            )
            .unwrap(),
        );
        case = case.set_checked(&t, "c", true, now()).unwrap();
        case.expected_amount = Some(Money::from_fen(100).unwrap());
        let mut ctx = ctx();
        ctx.contact_roles.insert(DecisionRole::DecisionMaker);
        ctx.form_grades
            .insert("credit_rating".into(), vec!["B".into()]);
        let Err(CaseError::GateClosed(report)) = advance(&case, &t, &ctx) else {
            panic!("grade B is below A")
        };
        assert_eq!(report.unmet.len(), 2);
        ctx.form_grades
            .insert("credit_rating".into(), vec!["B".into(), "AA".into()]);

        let Leave::NeedsApproval { role, .. } = advance(&case, &t, &ctx).unwrap() else {
            panic!("needs approval")
        };
        assert_eq!(role, Role::Manager);
        let approval_id = ApprovalId::from_uuid(Uuid::from_u128(50));
        ctx.approval = GateApproval::Pending {
            id: approval_id,
            approver_id: uid(2),
        };
        let Err(CaseError::GateClosed(report)) = advance(&case, &t, &ctx) else {
            panic!("pending")
        };
        assert_eq!(
            report.unmet,
            [Unmet::Approval {
                role: Role::Manager,
                pending: true
            }]
        );
        ctx.approval = GateApproval::Approved { id: approval_id };
        assert_eq!(moved(advance(&case, &t, &ctx).unwrap()).stage, "three");
    }

    #[test]
    fn the_last_stage_is_left_by_winning_and_only_it() {
        let t = template();
        let case = open_case(&t);
        assert_eq!(
            case.win(&t, &ctx(), None, stamp()),
            Err(CaseError::NotLastStage("one".into()))
        );
        let mut last = case.clone();
        last.stage = "three".into();
        assert_eq!(advance(&last, &t, &ctx()), Err(CaseError::LastStage));
        let won = moved(last.win(&t, &ctx(), Some("签约".into()), stamp()).unwrap());
        assert_eq!(won.status, CaseStatus::Won);
        assert_eq!(
            advance(&won, &t, &ctx()),
            Err(CaseError::NotOpen(CaseStatus::Won))
        );
    }

    #[test]
    fn a_case_can_be_terminated_with_a_reason_at_any_stage_and_reopened() {
        let t = template();
        let case = open_case(&t);
        assert!(matches!(
            case.end(&t, CaseStatus::Terminated, " ", stamp()),
            Err(CaseError::Invalid(_))
        ));
        let ended = moved(
            case.end(&t, CaseStatus::Terminated, "无成交机会", stamp())
                .unwrap(),
        );
        assert_eq!(ended.status, CaseStatus::Terminated);
        assert_eq!(ended.outcome_reason.as_deref(), Some("无成交机会"));
        let (reopened, event) = ended
            .reopen(
                &t,
                "客户重新询价",
                Stamp {
                    actor: uid(2),
                    ..stamp()
                },
                &calendar(),
            )
            .unwrap();
        assert_eq!(
            (reopened.status, reopened.stage.as_str()),
            (CaseStatus::Open, "one")
        );
        assert_eq!(event.kind, CaseEventKind::Reopened);
        assert_eq!(
            reopened.reopen(
                &t,
                "",
                Stamp {
                    actor: uid(2),
                    ..stamp()
                },
                &calendar()
            ),
            Err(CaseError::StillOpen)
        );
    }

    #[test]
    fn skipping_needs_a_template_that_allows_it() {
        let t = template();
        let case = open_case(&t).set_checked(&t, "a", true, now()).unwrap();
        let skip = case.advance(&t, Some("three"), &ctx(), stamp(), &calendar());
        assert_eq!(
            skip,
            Err(CaseError::SkipNotAllowed {
                from: "one".into(),
                to: "three".into()
            })
        );
        let back = case.advance(&t, Some("one"), &ctx(), stamp(), &calendar());
        assert!(matches!(back, Err(CaseError::SkipNotAllowed { .. })));
        let mut lenient = t.clone();
        lenient.allow_skip = true;
        let skipped = moved(
            case.advance(&lenient, Some("three"), &ctx(), stamp(), &calendar())
                .unwrap(),
        );
        assert_eq!(skipped.stage, "three");
    }

    #[test]
    fn an_open_case_past_its_deadline_is_overdue_and_an_ended_one_is_not() {
        let t = template();
        let case = open_case(&t);
        let due = case.stage_due_at.unwrap();
        assert!(!case.is_overdue(due));
        assert!(case.is_overdue(due + chrono::Duration::seconds(1)));
        let ended = moved(case.end(&t, CaseStatus::Lost, "价格", stamp()).unwrap());
        assert!(!ended.is_overdue(due + chrono::Duration::days(30)));
    }

    #[test]
    fn only_items_of_the_current_stage_can_be_checked() {
        let t = template();
        let case = open_case(&t);
        assert_eq!(
            case.set_checked(&t, "c", true, now()),
            Err(CaseError::UnknownItem("c".into()))
        );
    }

    #[derive(Debug, Clone)]
    enum Op {
        Check(usize, bool),
        Advance,
        Approve,
        Win,
        Terminate,
        Reopen,
        FillAmount,
        AddDecisionMaker,
        FillForm,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0usize..3, any::<bool>()).prop_map(|(i, d)| Op::Check(i, d)),
            Just(Op::Advance),
            Just(Op::Approve),
            Just(Op::Win),
            Just(Op::Terminate),
            Just(Op::Reopen),
            Just(Op::FillAmount),
            Just(Op::AddDecisionMaker),
            Just(Op::FillForm),
        ]
    }

    proptest! {
        /// No sequence of operations moves a case past a stage whose required
        /// items or conditions are incomplete, and the history always replays
        /// to the current stage and status.
        #[test]
        fn no_sequence_of_operations_passes_an_incomplete_gate(ops in proptest::collection::vec(op(), 0..60)) {
            let t = template();
            let mut case = open_case(&t);
            let mut ctx = ctx();
            let mut history = vec![CaseEvent {
                id: Uuid::nil(), case_id: case.id, at: now(), actor_id: Some(uid(1)), kind: CaseEventKind::Created,
                from_stage: None, to_stage: Some("one".into()), reason: None, comment: None,
            }];
            let items = ["a", "b", "c"];
            for op in ops {
                let before = case.clone();
                let result = match op {
                    Op::Check(i, done) => case.set_checked(&t, items[i], done, now()).map(|c| Leave::Moved(c, history[0].clone())),
                    Op::Advance => advance(&case, &t, &ctx),
                    Op::Approve => {
                        if matches!(ctx.approval, GateApproval::None) && case.status == CaseStatus::Open {
                            ctx.approval = GateApproval::Approved { id: ApprovalId::from_uuid(Uuid::nil()) };
                        }
                        continue;
                    }
                    Op::Win => case.win(&t, &ctx, None, stamp()),
                    Op::Terminate => case.end(&t, CaseStatus::Terminated, "理由", stamp()),
                    Op::Reopen => case.reopen(&t, "", stamp(), &calendar()).map(|(c, e)| Leave::Moved(c, e)),
                    Op::FillAmount => { case.expected_amount = Some(Money::from_fen(1).unwrap()); continue; }
                    Op::AddDecisionMaker => { ctx.contact_roles.insert(DecisionRole::DecisionMaker); continue; }
                    Op::FillForm => { ctx.form_grades.insert("credit_rating".into(), vec!["AAA".into()]); continue; }
                };
                if let Ok(Leave::Moved(next, event)) = result {
                    if next.stage != before.stage || next.status != before.status {
                        // Leaving a stage forward (advance or win): its gate must have been open.
                        if matches!(event.kind, CaseEventKind::Advanced | CaseEventKind::Won) {
                            let stage = t.stage(&before.stage).unwrap();
                            for item in stage.checklist.iter().filter(|i| i.required) {
                                prop_assert!(before.checked.contains(&check_key(stage.key(), item.key.get_ref())));
                            }
                            prop_assert!(before.gate_report(&t, &ctx).unwrap().is_open());
                            ctx.approval = GateApproval::None;
                        }
                        history.push(event);
                    }
                    case = next;
                }
                prop_assert_eq!(replay(&history), Some((case.stage.clone(), case.status)));
            }
        }
    }
}

//! Development-case use cases (开发项目 / 商机): open a case, work its
//! checklist, ask to advance through the gate, stage-gate approvals, end or
//! reopen it, its history, and the funnel report.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tuoke_core::process::funnel::{FunnelEntry, FunnelReport, FunnelTotals, funnel, split_period};
use tuoke_core::process::{
    CaseDraft, CaseEvent, CaseEventKind, CaseStatus, DevelopmentCase, GateApproval, GateContext,
    GateReport, Leave, ProcessTemplate, Stamp,
};
use tuoke_core::{
    Approval, ApprovalId, ApprovalStatus, AuditAction, CaseId, CustomerId, Role, UserId,
};

use crate::error::{AppError, AppResult};
use crate::policy;
use crate::ports::{
    ApprovalFilter, CaseFilter, CaseWrite, FunnelFilter, Page, PageRequest, Visibility,
};
use crate::{Actor, App};

const ENTITY: &str = "case";

/// A case with what the UI and API show beside it.
#[derive(Debug, Clone)]
pub struct CaseDetail {
    pub case: DevelopmentCase,
    pub template: Arc<ProcessTemplate>,
    /// Everything still missing before the case may leave its stage (for an
    /// open case).
    pub gate: Option<GateReport>,
    /// The approval of the current stage, if one was requested.
    pub approval: Option<Approval>,
}

/// What asking a case to move led to.
#[derive(Debug, Clone)]
pub enum MoveOutcome {
    /// The case moved (or closed).
    Moved(CaseDetail),
    /// All is met but the approval, which has been requested.
    ApprovalRequested(CaseDetail),
}

/// Filters of the funnel report.
#[derive(Debug, Clone, Default)]
pub struct FunnelQuery {
    pub template_key: String,
    pub owner_id: Option<UserId>,
    pub team_id: Option<tuoke_core::TeamId>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
}

impl App {
    /// The visible case, or "not found".
    /// A history stamp for `actor`, now, with a new id.
    pub(crate) fn stamp(&self, actor: UserId) -> Stamp {
        Stamp {
            actor,
            event_id: self.ids.new_id(),
            at: self.now(),
        }
    }

    async fn visible_case(
        &self,
        actor: &Actor,
        id: CaseId,
    ) -> AppResult<(DevelopmentCase, Visibility)> {
        let visible = policy::visibility(&*self.store, actor).await?;
        let case = self
            .store
            .get_case(id)
            .await
            .map_err(AppError::store(ENTITY))?;
        if visible.allows(case.owner_id) {
            Ok((case, visible))
        } else {
            Err(AppError::NotFound { entity: ENTITY })
        }
    }

    async fn gate_context(
        &self,
        case: &DevelopmentCase,
    ) -> AppResult<(GateContext, Option<Approval>)> {
        let contacts = self
            .store
            .list_contacts(
                case.customer_id,
                &PageRequest::first(PageRequest::MAX_LIMIT),
            )
            .await
            .map_err(AppError::store("contact"))?;
        let contact_roles: BTreeSet<_> = contacts
            .items
            .iter()
            .flat_map(|c| c.roles.iter().copied())
            .collect();
        let approval = self
            .store
            .find_stage_approval(case.id, &case.stage, case.stage_entered_at)
            .await
            .map_err(AppError::store("approval"))?;
        let gate_approval = match &approval {
            Some(a) if a.status == ApprovalStatus::Pending => GateApproval::Pending {
                id: a.id,
                approver_id: a.approver_id,
            },
            Some(a) if a.status == ApprovalStatus::Approved => GateApproval::Approved { id: a.id },
            _ => GateApproval::None,
        };
        let (form_grades, grade_order) = self.form_grades(case.customer_id, case.id).await?;
        let ctx = GateContext {
            contact_roles,
            form_grades,
            grade_order,
            approval: gate_approval,
        };
        Ok((ctx, approval))
    }

    async fn detail(&self, case: DevelopmentCase) -> AppResult<CaseDetail> {
        let template = self
            .process_template(&case.template_key, Some(case.template_version))
            .await?
            .template;
        let (ctx, approval) = self.gate_context(&case).await?;
        let gate = match case.status {
            CaseStatus::Open => Some(case.gate_report(&template, &ctx)?),
            _ => None,
        };
        Ok(CaseDetail {
            case,
            template,
            gate,
            approval,
        })
    }

    pub async fn create_case(
        &self,
        actor: &Actor,
        customer_id: CustomerId,
        template_key: &str,
        draft: CaseDraft,
    ) -> AppResult<CaseDetail> {
        policy::require_sales_role(actor)?;
        let (customer, visible) = match self.visible_customer(actor, customer_id).await {
            Err(AppError::NotFound { .. }) => {
                return Err(tuoke_core::ValidationErrors::single(
                    "customer_id",
                    "unknown",
                    "no such customer",
                )
                .into());
            }
            other => other?,
        };
        let version = match self.process_template(template_key, None).await {
            Err(AppError::NotFound { .. }) => {
                return Err(tuoke_core::ValidationErrors::single(
                    "template",
                    "unknown",
                    "no such process template",
                )
                .into());
            }
            other => other?,
        };
        let calendar = self.work_calendar().await?;
        let (case, event) = DevelopmentCase::open(
            draft,
            CaseId::from_uuid(self.ids.new_id()),
            customer.id,
            &customer.name,
            &version.template,
            version.stored.version,
            self.stamp(actor.id()),
            &calendar,
        )?;
        self.check_owner(actor, &visible, "owner_id", case.owner_id)
            .await?;
        let audit = self.audit(
            Some(actor),
            AuditAction::Create,
            ENTITY,
            case.id,
            None,
            Some(&case),
        );
        self.store
            .insert_case(&case, &event, &audit)
            .await
            .map_err(AppError::store(ENTITY))?;
        self.detail(case).await
    }

    pub async fn get_case(&self, actor: &Actor, id: CaseId) -> AppResult<CaseDetail> {
        let (case, _) = self.visible_case(actor, id).await?;
        self.detail(case).await
    }

    pub async fn list_cases(
        &self,
        actor: &Actor,
        mut filter: CaseFilter,
        page: &PageRequest,
    ) -> AppResult<Page<DevelopmentCase>> {
        filter.visible = policy::visibility(&*self.store, actor).await?;
        self.store
            .list_cases(&filter, page)
            .await
            .map_err(AppError::store(ENTITY))
    }

    /// The end of the N-th working day from now: "due within N days".
    pub async fn working_days_from_now(&self, days: u32) -> AppResult<DateTime<Utc>> {
        let calendar = self.work_calendar().await?;
        Ok(calendar.add_working_days(self.now(), days, tuoke_core::process::case::local_offset()))
    }

    /// The owners of a team: its members and its manager.
    pub async fn team_owners(&self, team_id: tuoke_core::TeamId) -> AppResult<Vec<UserId>> {
        let team = self
            .store
            .get_team(team_id)
            .await
            .map_err(AppError::store("team"))?;
        let mut owners = match team.manager_id {
            Some(m) => {
                let mut ids = self
                    .store
                    .list_managed_user_ids(m)
                    .await
                    .map_err(AppError::store("user"))?;
                ids.push(m);
                ids
            }
            None => Vec::new(),
        };
        let users = self
            .store
            .list_users(&PageRequest::first(PageRequest::MAX_LIMIT))
            .await
            .map_err(AppError::store("user"))?;
        owners.extend(
            users
                .items
                .iter()
                .filter(|u| u.team_id == Some(team_id))
                .map(|u| u.id),
        );
        owners.sort();
        owners.dedup();
        Ok(owners)
    }

    /// Writes a changed case with its history lines and audit entry.
    async fn write_case(
        &self,
        actor: &Actor,
        before: &DevelopmentCase,
        after: &DevelopmentCase,
        expected_version: i64,
        events: &[CaseEvent],
    ) -> AppResult<DevelopmentCase> {
        let audit = self.audit(
            Some(actor),
            AuditAction::Update,
            ENTITY,
            after.id,
            Some(before),
            Some(after),
        );
        self.store
            .update_case(
                CaseWrite {
                    case: after,
                    expected_version,
                    events,
                },
                &[audit],
            )
            .await
            .map_err(AppError::store(ENTITY))
    }

    fn require_version(case: &DevelopmentCase, expected: i64) -> AppResult<()> {
        if case.version == expected {
            Ok(())
        } else {
            Err(AppError::VersionConflict {
                entity: ENTITY,
                current: case.version,
            })
        }
    }

    /// Changes a case's fields: `edit` turns the current draft into the new one.
    pub async fn update_case(
        &self,
        actor: &Actor,
        id: CaseId,
        expected_version: i64,
        edit: impl FnOnce(CaseDraft) -> AppResult<CaseDraft> + Send,
    ) -> AppResult<CaseDetail> {
        let (current, visible) = self.visible_case(actor, id).await?;
        Self::require_version(&current, expected_version)?;
        let revised = current.revise(edit(current.to_draft())?, self.now())?;
        if revised.owner_id != current.owner_id {
            self.check_owner(actor, &visible, "owner_id", revised.owner_id)
                .await?;
        }
        let stored = self
            .write_case(actor, &current, &revised, expected_version, &[])
            .await?;
        self.detail(stored).await
    }

    /// Marks a checklist item of the current stage done or not done.
    pub async fn set_case_check(
        &self,
        actor: &Actor,
        id: CaseId,
        expected_version: i64,
        item: &str,
        done: bool,
    ) -> AppResult<CaseDetail> {
        let (current, _) = self.visible_case(actor, id).await?;
        Self::require_version(&current, expected_version)?;
        let template = self
            .process_template(&current.template_key, Some(current.template_version))
            .await?
            .template;
        let changed = current.set_checked(&template, item, done, self.now())?;
        let stored = self
            .write_case(actor, &current, &changed, expected_version, &[])
            .await?;
        self.detail(stored).await
    }

    /// Asks the case to leave its stage: to the next one (or `to`, where the
    /// template allows skipping), or, with `win`, out of the last one as won.
    /// A closed gate is refused with everything missing; a gate that needs
    /// an approval requests it from the owner's team manager.
    pub async fn advance_case(
        &self,
        actor: &Actor,
        id: CaseId,
        expected_version: i64,
        to: Option<&str>,
        win: Option<Option<String>>,
    ) -> AppResult<MoveOutcome> {
        let (current, _) = self.visible_case(actor, id).await?;
        Self::require_version(&current, expected_version)?;
        let template = self
            .process_template(&current.template_key, Some(current.template_version))
            .await?
            .template;
        let (ctx, _) = self.gate_context(&current).await?;
        let calendar = self.work_calendar().await?;
        let leave = match win {
            Some(reason) => current.win(&template, &ctx, reason, self.stamp(actor.id()))?,
            None => current.advance(&template, to, &ctx, self.stamp(actor.id()), &calendar)?,
        };
        match leave {
            Leave::Moved(next, event) => {
                let stored = self
                    .write_case(actor, &current, &next, expected_version, &[event])
                    .await?;
                Ok(MoveOutcome::Moved(self.detail(stored).await?))
            }
            Leave::NeedsApproval { .. } => {
                // Whatever role the stage names, the owner's team manager decides.
                let approver = self.manager_of(current.owner_id).await?;
                let approval = Approval::stage_gate(
                    ApprovalId::from_uuid(self.ids.new_id()),
                    current.id,
                    &current.stage,
                    actor.id(),
                    approver,
                    self.now(),
                );
                let event = current.approval_event(
                    CaseEventKind::ApprovalRequested,
                    self.stamp(actor.id()),
                    None,
                );
                let audit = self.audit(
                    Some(actor),
                    AuditAction::Create,
                    "approval",
                    approval.id,
                    None,
                    Some(&approval),
                );
                self.store
                    .insert_approval(&approval, &event, &audit)
                    .await
                    .map_err(AppError::store("approval"))?;
                Ok(MoveOutcome::ApprovalRequested(self.detail(current).await?))
            }
        }
    }

    /// Ends a case lost or terminated, with a reason.
    pub async fn end_case(
        &self,
        actor: &Actor,
        id: CaseId,
        expected_version: i64,
        status: CaseStatus,
        reason: &str,
    ) -> AppResult<CaseDetail> {
        let (current, _) = self.visible_case(actor, id).await?;
        Self::require_version(&current, expected_version)?;
        let template = self
            .process_template(&current.template_key, Some(current.template_version))
            .await?
            .template;
        let Leave::Moved(next, event) =
            current.end(&template, status, reason, self.stamp(actor.id()))?
        else {
            return Err(AppError::Internal(
                "ending a case asked for an approval".into(),
            ));
        };
        let stored = self
            .write_case(actor, &current, &next, expected_version, &[event])
            .await?;
        self.detail(stored).await
    }

    /// A manager (or admin) opens an ended case again.
    pub async fn reopen_case(
        &self,
        actor: &Actor,
        id: CaseId,
        expected_version: i64,
        reason: &str,
    ) -> AppResult<CaseDetail> {
        if !matches!(actor.role(), Role::Manager | Role::DevManager | Role::Admin) {
            return Err(AppError::Forbidden(
                "only a manager can reopen a case".into(),
            ));
        }
        let (current, _) = self.visible_case(actor, id).await?;
        Self::require_version(&current, expected_version)?;
        let template = self
            .process_template(&current.template_key, Some(current.template_version))
            .await?
            .template;
        let calendar = self.work_calendar().await?;
        let (next, event) = current.reopen(&template, reason, self.stamp(actor.id()), &calendar)?;
        let stored = self
            .write_case(actor, &current, &next, expected_version, &[event])
            .await?;
        self.detail(stored).await
    }

    pub async fn case_history(&self, actor: &Actor, id: CaseId) -> AppResult<Vec<CaseEvent>> {
        self.visible_case(actor, id).await?;
        self.store
            .list_case_events(id)
            .await
            .map_err(AppError::store(ENTITY))
    }

    /// Approvals: by default those waiting for the actor.
    pub async fn list_approvals(
        &self,
        actor: &Actor,
        mut filter: ApprovalFilter,
        page: &PageRequest,
    ) -> AppResult<Page<Approval>> {
        if !actor.is_admin() && filter.requested_by != Some(actor.id()) {
            filter.approver_id = Some(actor.id());
        }
        self.store
            .list_approvals(&filter, page)
            .await
            .map_err(AppError::store("approval"))
    }

    pub async fn get_approval(&self, actor: &Actor, id: ApprovalId) -> AppResult<Approval> {
        let approval = self
            .store
            .get_approval(id)
            .await
            .map_err(AppError::store("approval"))?;
        if actor.is_admin()
            || approval.approver_id == actor.id()
            || approval.requested_by == actor.id()
        {
            Ok(approval)
        } else {
            Err(AppError::NotFound { entity: "approval" })
        }
    }

    /// The approver (or an admin) approves or rejects. An approved stage gate
    /// moves the case on at once when the rest of its gate is still met.
    pub async fn decide_approval(
        &self,
        actor: &Actor,
        id: ApprovalId,
        approve: bool,
        comment: Option<&str>,
    ) -> AppResult<(Approval, Option<CaseDetail>)> {
        let approval = self
            .store
            .get_approval(id)
            .await
            .map_err(AppError::store("approval"))?;
        if approval.approver_id != actor.id() && !actor.is_admin() {
            return Err(if approval.requested_by == actor.id() {
                AppError::Forbidden("you cannot approve your own request".into())
            } else {
                AppError::NotFound { entity: "approval" }
            });
        }
        let decided = approval
            .decide(approve, comment, self.now())
            .map_err(|e| match e {
                tuoke_core::approval::ApprovalError::Invalid(v) => AppError::Validation(v),
                other => AppError::Conflict(other.to_string()),
            })?;
        let Some(case_id) = approval.case_id else {
            return Err(AppError::Internal(
                "a stage-gate approval without a case".into(),
            ));
        };
        let case = self
            .store
            .get_case(case_id)
            .await
            .map_err(AppError::store(ENTITY))?;
        let kind = if approve {
            CaseEventKind::Approved
        } else {
            CaseEventKind::Rejected
        };
        let mut events =
            vec![case.approval_event(kind, self.stamp(actor.id()), decided.comment.clone())];
        let mut next = case.clone();
        let still_this_gate = case.status == CaseStatus::Open
            && approval.stage.as_deref() == Some(case.stage.as_str());
        if approve && still_this_gate {
            let template = self
                .process_template(&case.template_key, Some(case.template_version))
                .await?
                .template;
            let (mut ctx, _) = self.gate_context(&case).await?;
            ctx.approval = GateApproval::Approved { id: approval.id };
            let calendar = self.work_calendar().await?;
            let at_last = template.next_stage(&case.stage).is_none();
            let owner = case.owner_id;
            let leave = if at_last {
                case.win(&template, &ctx, None, self.stamp(owner))
            } else {
                case.advance(&template, None, &ctx, self.stamp(owner), &calendar)
            };
            // A gate closed again since the request: the approval stands and
            // the owner advances once the rest is met.
            if let Ok(Leave::Moved(moved, event)) = leave {
                next = moved;
                events.push(event);
            }
        }
        let audits = [
            self.audit(
                Some(actor),
                AuditAction::Update,
                "approval",
                id,
                Some(&approval),
                Some(&decided),
            ),
            self.audit(
                Some(actor),
                AuditAction::Update,
                ENTITY,
                case.id,
                Some(&case),
                Some(&next),
            ),
        ];
        let stored = self
            .store
            .update_approval(
                &decided,
                approval.version,
                CaseWrite {
                    case: &next,
                    expected_version: case.version,
                    events: &events,
                },
                &audits,
            )
            .await
            .map_err(AppError::store("approval"))?;
        let detail = self
            .detail(
                self.store
                    .get_case(case_id)
                    .await
                    .map_err(AppError::store(ENTITY))?,
            )
            .await?;
        Ok((stored, Some(detail)))
    }

    /// The funnel of one template over the cases the actor may see: the
    /// stored totals of the whole days in the period, and the cases opened
    /// in the parts of days it starts or ends within.
    pub async fn funnel_report(
        &self,
        actor: &Actor,
        query: FunnelQuery,
    ) -> AppResult<FunnelReport> {
        let template = self
            .process_template(&query.template_key, None)
            .await?
            .template;
        let visible = policy::visibility(&*self.store, actor).await?;
        let owners_in = match query.team_id {
            Some(team) => Some(self.team_owners(team).await?),
            None => None,
        };
        let period = split_period(query.created_from, query.created_to);
        let mut totals = FunnelTotals::default();
        if let Some(days) = period.days {
            let filter = FunnelFilter {
                template_key: query.template_key.clone(),
                visible: visible.clone(),
                owner_id: query.owner_id,
                owners_in: owners_in.clone(),
                days,
            };
            totals = self
                .store
                .funnel_totals(&filter)
                .await
                .map_err(AppError::store(ENTITY))?;
        }
        for (from, to) in period.edges {
            let mut filter = CaseFilter::visible(visible.clone());
            filter.template_key = Some(query.template_key.clone());
            filter.owner_id = query.owner_id;
            filter.owners_in = owners_in.clone();
            filter.created_from = Some(from);
            filter.created_to = Some(to);
            let cases = self
                .store
                .list_cases_with_history(&filter)
                .await
                .map_err(AppError::store(ENTITY))?;
            for (case, history) in &cases {
                totals.add(&FunnelEntry::of(case, history), 1);
            }
        }
        Ok(funnel(&template, &totals))
    }
}

//! Filling forms (表格): answers checked against the template, the score,
//! grade and red flags computed in core and stored with the template version,
//! and the results flowing back where the procedures use them (a credit
//! rating proposes a credit grade; promotion and problem checks propose a tier).

use std::collections::BTreeMap;

use serde::Serialize;
use tuoke_core::credit::{
    CreditChange, CreditGrade, CreditProfile, RISK_CHECK_FORM, cap_by_risk_check,
};
use tuoke_core::forms::template::FormSubject;
use tuoke_core::forms::{FormEffect, FormResult, FormTemplate, parse_answers, score};
use tuoke_core::{AuditAction, CaseId, CustomerId, Tier, ValidationErrors};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::ports::{FilledForm, FormFilter, Page, PageRequest};
use crate::templates::TemplateVersion;
use crate::{Actor, App};

/// What filling a form led to beyond its own result.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FormOutcome {
    /// The customer's proposed credit grade is now this; a change request
    /// was raised when it differs from the current grade.
    CreditGradeProposed {
        grade: CreditGrade,
        change_id: Option<Uuid>,
    },
    /// The form proposes moving the customer to this tier.
    TierProposed { tier: Tier },
}

/// A filled form with its full result.
#[derive(Debug, Clone)]
pub struct FormDetail {
    pub form: FilledForm,
    pub template: TemplateVersion<FormTemplate>,
    pub result: FormResult,
    pub outcome: Option<FormOutcome>,
}

/// Where a form is filled: a customer, or one of its cases.
#[derive(Debug, Clone, Copy)]
pub struct FormTarget {
    pub customer_id: Option<CustomerId>,
    pub case_id: Option<CaseId>,
}

impl App {
    /// Fills a form for a customer or a case.
    pub async fn fill_form(
        &self,
        actor: &Actor,
        template_key: &str,
        target: FormTarget,
        answers: &serde_json::Map<String, serde_json::Value>,
    ) -> AppResult<FormDetail> {
        let version = match self.template::<FormTemplate>(template_key, None).await {
            Err(AppError::NotFound { .. }) => {
                return Err(ValidationErrors::single(
                    "template",
                    "unknown",
                    "no such form template",
                )
                .into());
            }
            other => other?,
        };
        let form = &version.template;
        let (customer_id, case_id) = self.form_target(actor, form.subject, target).await?;
        let (customer, _) = self.visible_customer(actor, customer_id).await?;
        let parsed = parse_answers(form, answers)?;
        let result = score(form, &parsed);
        let filled = FilledForm {
            id: self.ids.new_id(),
            template_key: form.key().to_owned(),
            template_version: version.stored.version,
            customer_id,
            case_id,
            answers: serde_json::Value::Object(answers.clone()),
            score: result.score,
            max_score: result.max_score,
            grade: result.grade.clone(),
            capped: result.capped,
            red_flags: result.red_flags.clone(),
            filled_by: actor.id(),
            filled_at: self.now(),
        };
        let summary = serde_json::json!({"template": filled.template_key, "grade": filled.grade, "score": filled.score});
        let audit = self.audit(
            Some(actor),
            AuditAction::Create,
            "form",
            filled.id,
            None,
            Some(&summary),
        );
        self.store
            .insert_form(&filled, &audit)
            .await
            .map_err(AppError::store("form"))?;
        let outcome = match (form.effect, result.grade.as_deref()) {
            (Some(FormEffect::CreditGrade), Some(grade)) => Some(
                self.propose_credit_grade(actor, &customer, grade, filled.id)
                    .await?,
            ),
            (Some(FormEffect::TierPromotion), Some(g))
                if form.effect_grades.iter().any(|e| e == g) && customer.tier != Tier::Key =>
            {
                Some(FormOutcome::TierProposed { tier: Tier::Key })
            }
            (Some(FormEffect::ProblemCustomer), Some(g))
                if form.effect_grades.iter().any(|e| e == g) && customer.tier != Tier::Problem =>
            {
                Some(FormOutcome::TierProposed {
                    tier: Tier::Problem,
                })
            }
            _ => None,
        };
        Ok(FormDetail {
            form: filled,
            template: version,
            result,
            outcome,
        })
    }

    /// The customer and case a form is filled for, as its subject allows.
    async fn form_target(
        &self,
        actor: &Actor,
        subject: FormSubject,
        target: FormTarget,
    ) -> AppResult<(CustomerId, Option<CaseId>)> {
        let mut errors = ValidationErrors::new();
        match (subject, target.customer_id, target.case_id) {
            (FormSubject::Case, _, None) => errors.add(
                "case_id",
                "required",
                "this form is filled for a development case",
            ),
            (_, None, None) => {
                errors.add("customer_id", "required", "name the customer or the case")
            }
            _ => {}
        }
        errors.finish(())?;
        match target.case_id {
            Some(case_id) => {
                let case = match self.get_case(actor, case_id).await {
                    Err(AppError::NotFound { .. }) => {
                        return Err(
                            ValidationErrors::single("case_id", "unknown", "no such case").into(),
                        );
                    }
                    other => other?.case,
                };
                if target.customer_id.is_some_and(|c| c != case.customer_id) {
                    return Err(ValidationErrors::single(
                        "customer_id",
                        "invalid",
                        "the case belongs to another customer",
                    )
                    .into());
                }
                // A customer form reached from a case is the customer's.
                let case_id = (subject != FormSubject::Customer).then_some(case_id);
                Ok((case.customer_id, case_id))
            }
            None => {
                let customer_id = target.customer_id.ok_or_else(|| {
                    ValidationErrors::single("customer_id", "required", "name the customer")
                })?;
                match self.visible_customer(actor, customer_id).await {
                    Err(AppError::NotFound { .. }) => {
                        Err(
                            ValidationErrors::single("customer_id", "unknown", "no such customer")
                                .into(),
                        )
                    }
                    other => other.map(|_| (customer_id, None)),
                }
            }
        }
    }

    /// A rating's grade becomes the proposed grade; when it differs from the
    /// current grade a change request is raised (or the open draft updated).
    async fn propose_credit_grade(
        &self,
        actor: &Actor,
        customer: &tuoke_core::Customer,
        grade: &str,
        form_id: Uuid,
    ) -> AppResult<FormOutcome> {
        let grade: CreditGrade = grade.parse().map_err(|_| {
            AppError::Internal(format!(
                "the credit form graded {grade}, which is not a credit grade"
            ))
        })?;
        let risk_filter = FormFilter {
            customer_id: Some(customer.id),
            case_id: None,
            template_key: Some(RISK_CHECK_FORM.to_owned()),
        };
        let latest_risk_check = self
            .store
            .list_forms(&risk_filter, &PageRequest::first(1))
            .await
            .map_err(AppError::store("form"))?;
        let risky = latest_risk_check
            .items
            .first()
            .is_some_and(|f| !f.red_flags.is_empty());
        let grade = cap_by_risk_check(grade, risky);
        let current = self
            .store
            .find_credit_profile(customer.id)
            .await
            .map_err(AppError::store("credit"))?;
        let version = current.as_ref().map_or(0, |p| p.version);
        let profile = current.unwrap_or_else(|| CreditProfile::empty(customer.id, self.now()));
        let proposed = CreditProfile {
            proposed_grade: Some(grade),
            updated_at: self.now(),
            ..profile.clone()
        };
        let audit = self.audit(
            Some(actor),
            AuditAction::Update,
            "credit",
            customer.id,
            Some(&profile),
            Some(&proposed),
        );
        let saved = self
            .store
            .save_credit_profile(&proposed, version, &audit)
            .await
            .map_err(AppError::store("credit"))?;
        if saved.grade == Some(grade) {
            return Ok(FormOutcome::CreditGradeProposed {
                grade,
                change_id: None,
            });
        }
        let open = self
            .store
            .find_open_credit_change(customer.id)
            .await
            .map_err(AppError::store("credit change"))?;
        let change_id = match open {
            // A later rating replaces the grade a draft asks for.
            Some(draft) if draft.status == tuoke_core::credit::CreditChangeStatus::Draft => {
                let updated = CreditChange {
                    to_grade: grade,
                    form_id: Some(form_id),
                    ..draft.clone()
                };
                let audit = self.audit(
                    Some(actor),
                    AuditAction::Update,
                    "credit_change",
                    draft.id,
                    Some(&draft),
                    Some(&updated),
                );
                self.store
                    .update_credit_change(&updated, draft.version, None, &[audit])
                    .await
                    .map_err(AppError::store("credit change"))?;
                draft.id
            }
            Some(submitted) => submitted.id,
            None => {
                let calendar = self.work_calendar().await?;
                let change = CreditChange::raise(
                    self.ids.new_id(),
                    customer.id,
                    saved.grade,
                    grade,
                    Some(form_id),
                    actor.id(),
                    self.now(),
                    &calendar,
                );
                let audit = self.audit(
                    Some(actor),
                    AuditAction::Create,
                    "credit_change",
                    change.id,
                    None,
                    Some(&change),
                );
                self.store
                    .insert_credit_change(&change, &audit)
                    .await
                    .map_err(AppError::store("credit change"))?;
                change.id
            }
        };
        Ok(FormOutcome::CreditGradeProposed {
            grade,
            change_id: Some(change_id),
        })
    }

    /// A filled form, with its result recomputed from the stored answers on
    /// the version it was filled on.
    pub async fn get_form(&self, actor: &Actor, id: Uuid) -> AppResult<FormDetail> {
        let form = self
            .store
            .get_form(id)
            .await
            .map_err(AppError::store("form"))?;
        match self.visible_customer(actor, form.customer_id).await {
            Err(AppError::NotFound { .. }) => return Err(AppError::NotFound { entity: "form" }),
            other => other?,
        };
        let template = self
            .template::<FormTemplate>(&form.template_key, Some(form.template_version))
            .await?;
        let answers = form.answers.as_object().cloned().unwrap_or_default();
        let parsed = parse_answers(&template.template, &answers)
            .map_err(|e| AppError::Internal(format!("stored answers no longer check: {e}")))?;
        let result = score(&template.template, &parsed);
        Ok(FormDetail {
            form,
            template,
            result,
            outcome: None,
        })
    }

    /// The forms filled for a customer (and its cases), newest first.
    pub async fn list_forms(
        &self,
        actor: &Actor,
        filter: FormFilter,
        page: &PageRequest,
    ) -> AppResult<Page<FilledForm>> {
        if let Some(customer) = filter.customer_id {
            self.visible_customer(actor, customer).await?;
        } else if let Some(case) = filter.case_id {
            self.get_case(actor, case).await?;
        } else if !actor.is_admin() {
            return Err(ValidationErrors::single(
                "customer_id",
                "required",
                "name the customer or the case",
            )
            .into());
        }
        self.store
            .list_forms(&filter, page)
            .await
            .map_err(AppError::store("form"))
    }

    /// What the gate of a case sees of the forms: the grades filled for the
    /// case or its customer, and each form's grade order.
    pub(crate) async fn form_grades(
        &self,
        customer_id: CustomerId,
        case_id: CaseId,
    ) -> AppResult<(BTreeMap<String, Vec<String>>, BTreeMap<String, Vec<String>>)> {
        let filled = self
            .store
            .list_form_grades(customer_id, Some(case_id))
            .await
            .map_err(AppError::store("form"))?;
        let mut grades: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (key, grade) in filled {
            grades.entry(key).or_default().push(grade);
        }
        let mut order = BTreeMap::new();
        for key in grades.keys() {
            if let Ok(t) = self.template::<FormTemplate>(key, None).await {
                order.insert(key.clone(), t.template.grade_order());
            }
        }
        Ok((grades, order))
    }
}

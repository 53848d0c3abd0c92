//! Big-account financial analysis: a customer's figures per period and the
//! indicators and trend computed in core.

use chrono::NaiveDate;
use tuoke_core::finance::{Figures, FinancialPeriod};
use tuoke_core::{AuditAction, CustomerId};

use crate::error::{AppError, AppResult};
use crate::{Actor, App};

impl App {
    /// Records one period's figures for a customer.
    pub async fn add_financial_period(
        &self,
        actor: &Actor,
        customer_id: CustomerId,
        start: NaiveDate,
        end: NaiveDate,
        figures: Figures,
    ) -> AppResult<FinancialPeriod> {
        self.visible_customer(actor, customer_id).await?;
        let period = FinancialPeriod::new(
            self.ids.new_id(),
            customer_id,
            start,
            end,
            figures,
            actor.id(),
            self.now(),
        )?;
        let audit = self.audit(
            Some(actor),
            AuditAction::Create,
            "financial_period",
            period.id,
            None,
            Some(&period),
        );
        self.store
            .insert_financial_period(&period, &audit)
            .await
            .map_err(|e| match e {
                crate::ports::StoreError::Conflict { .. } => {
                    AppError::Conflict("this customer already has figures for that period".into())
                }
                other => AppError::store("financial period")(other),
            })?;
        Ok(period)
    }

    /// A customer's periods, oldest first.
    pub async fn list_financial_periods(
        &self,
        actor: &Actor,
        customer_id: CustomerId,
    ) -> AppResult<Vec<FinancialPeriod>> {
        self.visible_customer(actor, customer_id).await?;
        self.store
            .list_financial_periods(customer_id)
            .await
            .map_err(AppError::store("financial period"))
    }
}

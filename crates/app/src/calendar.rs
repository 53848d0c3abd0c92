//! The working-day calendar: the official PRC days that ship with Tuoke plus
//! the days administrators add (which win on the same date).

use chrono::NaiveDate;
use tuoke_core::AuditAction;
use tuoke_core::calendar::{CalendarDay, WorkCalendar, prc_official_days};

use crate::error::{AppError, AppResult};
use crate::{Actor, App};

impl App {
    /// The calendar deadlines are counted with. Read on each use, so several
    /// app instances on one database agree.
    pub async fn work_calendar(&self) -> AppResult<WorkCalendar> {
        let added = self
            .store
            .list_calendar_days()
            .await
            .map_err(AppError::store("calendar day"))?;
        Ok(WorkCalendar::new(
            prc_official_days().into_iter().chain(added),
        ))
    }

    /// The days administrators added.
    pub async fn list_calendar_days(&self, _actor: &Actor) -> AppResult<Vec<CalendarDay>> {
        self.store
            .list_calendar_days()
            .await
            .map_err(AppError::store("calendar day"))
    }

    /// Adds a holiday or an adjusted working day, or replaces that date's entry.
    pub async fn set_calendar_day(
        &self,
        actor: &Actor,
        day: CalendarDay,
    ) -> AppResult<CalendarDay> {
        actor.require_admin()?;
        let audit = self.audit(
            Some(actor),
            AuditAction::Update,
            "calendar_day",
            day.date,
            None,
            Some(&day),
        );
        self.store
            .upsert_calendar_day(&day, &audit)
            .await
            .map_err(AppError::store("calendar day"))?;
        Ok(day)
    }

    /// Removes an administrator's entry (the official calendar applies again).
    pub async fn remove_calendar_day(&self, actor: &Actor, date: NaiveDate) -> AppResult<()> {
        actor.require_admin()?;
        let audit = self.audit::<()>(
            Some(actor),
            AuditAction::Delete,
            "calendar_day",
            date,
            None,
            None,
        );
        self.store
            .delete_calendar_day(date, &audit)
            .await
            .map_err(AppError::store("calendar day"))
    }
}

//! The working-day calendar (工作日历) that deadlines are counted in (SPEC
//! "Decisions that stand for Tuoke", item 3): Monday to Friday, except the
//! public holidays (节假日), plus the weekend days that are worked instead
//! (调休上班). The calendar is data an admin can edit; it ships with the official
//! PRC schedules this crate knows ([`prc_official_days`]).
//!
//! Nothing here reads the clock: instants and the local UTC offset are passed in.

use std::collections::BTreeMap;
use std::ops::Bound::{Excluded, Included, Unbounded};

use chrono::{
    DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc,
};
use serde::{Deserialize, Serialize};

use crate::enums::domain_enum;

domain_enum! {
    /// How a calendar entry departs from the plain Monday–Friday week.
    pub enum DayKind {
        /// A day off, usually a weekday (a weekend day inside a holiday block
        /// may be listed too, with the holiday's name).
        Holiday = ("holiday", "节假日", "Holiday"),
        /// A weekend day that is worked instead (调休上班).
        Workday = ("workday", "调休上班", "Adjusted working day"),
    }
}

/// One entry of the calendar: a date, whether it is a holiday or an adjusted
/// working day, and the holiday it belongs to (e.g. 春节, 国庆节). An adjusted
/// working day carries the name of the holiday it makes up for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CalendarDay {
    pub date: NaiveDate,
    pub kind: DayKind,
    pub name: String,
}

/// China Standard Time, UTC+8 (no daylight saving).
pub fn china_offset() -> FixedOffset {
    CHINA
}

/// Evaluated at compile time, so the check cannot fail at run time.
const CHINA: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+8 is a valid offset"),
};

/// The official PRC public holidays and adjusted working days, from the State
/// Council General Office notices (国务院办公厅关于…部分节假日安排的通知).
///
/// Shipped years: **2025 and 2026**. Each later year's notice is published in
/// the autumn before; admins add it to the calendar (with [`WorkCalendar::new`],
/// later entries overriding earlier ones). Without entries, a later year is
/// counted as plain Monday–Friday.
pub fn prc_official_days() -> Vec<CalendarDay> {
    use DayKind::{Holiday as H, Workday as W};
    // (year, month, first day, last day, kind, name)
    const DAYS: &[(i32, u32, u32, u32, DayKind, &str)] = &[
        // 2025 (国办发明电〔2024〕12号)
        (2025, 1, 1, 1, H, "元旦"),
        (2025, 1, 26, 26, W, "春节"),
        (2025, 1, 28, 31, H, "春节"),
        (2025, 2, 1, 4, H, "春节"),
        (2025, 2, 8, 8, W, "春节"),
        (2025, 4, 4, 6, H, "清明节"),
        (2025, 4, 27, 27, W, "劳动节"),
        (2025, 5, 1, 5, H, "劳动节"),
        (2025, 5, 31, 31, H, "端午节"),
        (2025, 6, 1, 2, H, "端午节"),
        (2025, 9, 28, 28, W, "国庆节、中秋节"),
        (2025, 10, 1, 8, H, "国庆节、中秋节"),
        (2025, 10, 11, 11, W, "国庆节、中秋节"),
        // 2026 (国办发明电〔2025〕7号)
        (2026, 1, 1, 3, H, "元旦"),
        (2026, 1, 4, 4, W, "元旦"),
        (2026, 2, 14, 14, W, "春节"),
        (2026, 2, 15, 23, H, "春节"),
        (2026, 2, 28, 28, W, "春节"),
        (2026, 4, 4, 6, H, "清明节"),
        (2026, 5, 1, 5, H, "劳动节"),
        (2026, 5, 9, 9, W, "劳动节"),
        (2026, 6, 19, 21, H, "端午节"),
        (2026, 9, 20, 20, W, "国庆节"),
        (2026, 9, 25, 27, H, "中秋节"),
        (2026, 10, 1, 7, H, "国庆节"),
        (2026, 10, 10, 10, W, "国庆节"),
    ];
    DAYS.iter()
        .flat_map(|&(year, month, first, last, kind, name)| {
            (first..=last).filter_map(move |day| {
                NaiveDate::from_ymd_opt(year, month, day).map(|date| CalendarDay {
                    date,
                    kind,
                    name: name.to_owned(),
                })
            })
        })
        .collect()
}

/// The working days deadlines are counted in: Monday–Friday, unless the
/// calendar lists the date as a [`DayKind::Holiday`]; Saturday and Sunday only
/// when it lists the date as a [`DayKind::Workday`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkCalendar {
    days: BTreeMap<NaiveDate, CalendarDay>,
}

/// 23:59:59, the local time a day-counted deadline falls due.
const END_OF_DAY: NaiveTime = match NaiveTime::from_hms_opt(23, 59, 59) {
    Some(t) => t,
    None => NaiveTime::MIN,
};

impl WorkCalendar {
    /// A calendar from its entries; a later entry for the same date replaces an
    /// earlier one (so an admin's edits can be appended to the official list).
    pub fn new(days: impl IntoIterator<Item = CalendarDay>) -> WorkCalendar {
        WorkCalendar {
            days: days.into_iter().map(|d| (d.date, d)).collect(),
        }
    }

    /// The calendar with the official PRC days ([`prc_official_days`]).
    pub fn prc() -> WorkCalendar {
        WorkCalendar::new(prc_official_days())
    }

    /// The entries, in date order.
    pub fn days(&self) -> impl Iterator<Item = &CalendarDay> {
        self.days.values()
    }

    /// The entry for a date, if the calendar has one.
    pub fn get(&self, date: NaiveDate) -> Option<&CalendarDay> {
        self.days.get(&date)
    }

    /// Whether work is done on this date.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        match self.days.get(&date) {
            Some(day) => day.kind == DayKind::Workday,
            None => is_weekday(date),
        }
    }

    /// The deadline `days` working days after `start`.
    ///
    /// **Rule:** the deadline is 23:59:59 local time (in `tz`) on the `days`-th
    /// working day after the local date of `start`; the start's own date never
    /// counts, working or not. So an event on a Saturday with 2 working days is
    /// due at the end of Tuesday, and one on a Monday at 09:00 is due at the end
    /// of Wednesday. With `days == 0` the deadline is the end of the start's
    /// local date. It follows that
    /// `working_days_between(start's local date, deadline's local date) == days`.
    /// Past the last representable date, the result saturates at
    /// [`DateTime::<Utc>::MAX_UTC`].
    pub fn add_working_days(
        &self,
        start: DateTime<Utc>,
        days: u32,
        tz: FixedOffset,
    ) -> DateTime<Utc> {
        let local_date = start.with_timezone(&tz).date_naive();
        self.nth_working_day_after(local_date, days)
            .map_or(DateTime::<Utc>::MAX_UTC, |due| {
                local_to_utc(due.and_time(END_OF_DAY), tz)
            })
    }

    /// The instant at which `hours` hours of working days have elapsed since
    /// `start`. Working days count all their 24 local hours (in `tz`);
    /// non-working days do not count at all, so the clock stops at the local
    /// midnight that begins a non-working day and resumes at the midnight that
    /// begins the next working day. A start on a non-working day starts counting
    /// at the next working day's midnight; `hours == 0` returns `start`. A
    /// result exactly at the end of a working day is reported as the following
    /// local midnight. Saturates at [`DateTime::<Utc>::MAX_UTC`].
    pub fn add_working_hours(
        &self,
        start: DateTime<Utc>,
        hours: u32,
        tz: FixedOffset,
    ) -> DateTime<Utc> {
        let mut remaining = TimeDelta::hours(i64::from(hours));
        if remaining.is_zero() {
            return start;
        }
        let local = start.with_timezone(&tz).naive_local();
        let date = local.date();
        if self.is_working_day(date) {
            let Some(next_midnight) = date.succ_opt() else {
                return DateTime::<Utc>::MAX_UTC;
            };
            let left_today = next_midnight.and_time(NaiveTime::MIN) - local;
            if remaining <= left_today {
                return start
                    .checked_add_signed(remaining)
                    .unwrap_or(DateTime::<Utc>::MAX_UTC);
            }
            remaining -= left_today;
        }
        // Whole working days still to go, then the part of one more.
        let whole_days = remaining.num_days();
        let rest = remaining - TimeDelta::days(whole_days);
        let Ok(whole_days) = u32::try_from(whole_days) else {
            return DateTime::<Utc>::MAX_UTC;
        };
        let end = if rest.is_zero() {
            // Ends with the last whole day: at the midnight that closes it.
            self.nth_working_day_after(date, whole_days)
                .and_then(|day| day.succ_opt())
                .map(|day| day.and_time(NaiveTime::MIN))
        } else {
            whole_days
                .checked_add(1)
                .and_then(|n| self.nth_working_day_after(date, n))
                .and_then(|day| day.and_time(NaiveTime::MIN).checked_add_signed(rest))
        };
        end.map_or(DateTime::<Utc>::MAX_UTC, |end| local_to_utc(end, tz))
    }

    /// The number of working days in `(from, to]`: after `from`, up to and
    /// including `to`; negative (the count in `(to, from]`) when `to < from`.
    /// A deadline counted with [`WorkCalendar::add_working_days`] from a date
    /// lies this many working days after it.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        if to < from {
            return -self.working_days_between(to, from);
        }
        let adjustments: i64 = self
            .days
            .range((Excluded(from), Included(to)))
            .map(|(&date, day)| match (day.kind, is_weekday(date)) {
                (DayKind::Holiday, true) => -1,
                (DayKind::Workday, false) => 1,
                _ => 0,
            })
            .sum();
        weekdays_between(from, to) + adjustments
    }

    /// The `n`-th working day after `date` (`date` itself for `n == 0`), or
    /// `None` past the last representable date. Jumps from entry to entry, so
    /// it takes time in the number of entries, not in `n`.
    fn nth_working_day_after(&self, date: NaiveDate, n: u32) -> Option<NaiveDate> {
        if n == 0 {
            return Some(date);
        }
        let mut current = date;
        let mut remaining = i64::from(n);
        for (&entry, day) in self.days.range((Excluded(date), Unbounded)) {
            // Without further entries, where would the count end?
            if let Some(candidate) = nth_weekday_after(current, remaining)
                && candidate < entry
            {
                return Some(candidate);
            }
            // It reaches the entry: count the plain weekdays before it, then the entry.
            remaining -= weekdays_between(current, entry) - i64::from(is_weekday(entry));
            if day.kind == DayKind::Workday {
                remaining -= 1;
                if remaining == 0 {
                    return Some(entry);
                }
            }
            current = entry;
        }
        nth_weekday_after(current, remaining)
    }
}

fn is_weekday(date: NaiveDate) -> bool {
    date.weekday().num_days_from_monday() < 5
}

/// The number of Mondays–Fridays among the days numbered below `n` (day 1 is
/// Monday 0001-01-01, as in [`Datelike::num_days_from_ce`]), relative to day 1;
/// only differences are meaningful.
fn weekdays_before(n: i64) -> i64 {
    let k = n - 1;
    k.div_euclid(7) * 5 + k.rem_euclid(7).min(5)
}

/// The number of Mondays–Fridays in `(from, to]` (negative if `to < from`).
fn weekdays_between(from: NaiveDate, to: NaiveDate) -> i64 {
    weekdays_before(i64::from(to.num_days_from_ce()) + 1)
        - weekdays_before(i64::from(from.num_days_from_ce()) + 1)
}

/// The `n`-th Monday–Friday after `date`, ignoring the calendar (`n >= 1`).
fn nth_weekday_after(date: NaiveDate, n: i64) -> Option<NaiveDate> {
    let mut number = i64::from(date.num_days_from_ce());
    let mut weekday = i64::from(date.weekday().num_days_from_monday());
    if weekday >= 5 {
        // Counting after a weekend day is counting after the Friday before it.
        number -= weekday - 4;
        weekday = 4;
    }
    let monday = number - weekday;
    let t = weekday + n;
    let target = monday + t / 5 * 7 + t % 5;
    i32::try_from(target)
        .ok()
        .and_then(NaiveDate::from_num_days_from_ce_opt)
}

/// The UTC instant of a local date-time at offset `tz`.
fn local_to_utc(local: NaiveDateTime, tz: FixedOffset) -> DateTime<Utc> {
    local
        .checked_sub_offset(tz)
        .map_or(DateTime::<Utc>::MAX_UTC, |utc| utc.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// A UTC instant from local China time.
    fn cst(y: i32, m: u32, day: u32, h: u32, min: u32, s: u32) -> DateTime<Utc> {
        local_to_utc(d(y, m, day).and_hms_opt(h, min, s).unwrap(), china_offset())
    }

    fn utc(y: i32, m: u32, day: u32, h: u32, min: u32) -> DateTime<Utc> {
        d(y, m, day).and_hms_opt(h, min, 0).unwrap().and_utc()
    }

    fn holiday(date: NaiveDate, name: &str) -> CalendarDay {
        CalendarDay {
            date,
            kind: DayKind::Holiday,
            name: name.to_owned(),
        }
    }

    fn workday(date: NaiveDate, name: &str) -> CalendarDay {
        CalendarDay {
            date,
            kind: DayKind::Workday,
            name: name.to_owned(),
        }
    }

    #[test]
    fn day_kinds_have_stable_codes_and_labels() {
        assert_eq!(DayKind::Holiday.code(), "holiday");
        assert_eq!(DayKind::Workday.code(), "workday");
        assert_eq!(DayKind::Holiday.label_zh(), "节假日");
        assert_eq!(DayKind::Workday.label_zh(), "调休上班");
        assert_eq!(DayKind::Workday.label_en(), "Adjusted working day");
        assert_eq!("workday".parse::<DayKind>(), Ok(DayKind::Workday));
        assert_eq!(
            serde_json::to_string(&DayKind::Holiday).unwrap(),
            "\"holiday\""
        );
    }

    #[test]
    fn china_is_eight_hours_ahead_of_utc() {
        assert_eq!(china_offset().local_minus_utc(), 8 * 3600);
    }

    #[test]
    fn a_plain_week_works_monday_to_friday() {
        let cal = WorkCalendar::default();
        // 2024-06-03 is a Monday.
        let expected = [true, true, true, true, true, false, false];
        for (offset, working) in expected.iter().enumerate() {
            let date = d(2024, 6, 3 + offset as u32);
            assert_eq!(
                cal.is_working_day(date),
                *working,
                "{date} ({})",
                date.weekday()
            );
        }
    }

    #[test]
    fn entries_override_the_weekday_in_every_combination() {
        let (mon, sat) = (d(2024, 6, 3), d(2024, 6, 8));
        // (date, entry, working?)
        let cases = [
            (mon, None, true),
            (mon, Some(DayKind::Holiday), false),
            (mon, Some(DayKind::Workday), true),
            (sat, None, false),
            (sat, Some(DayKind::Holiday), false),
            (sat, Some(DayKind::Workday), true),
        ];
        for (date, kind, working) in cases {
            let cal = WorkCalendar::new(kind.map(|kind| CalendarDay {
                date,
                kind,
                name: "x".into(),
            }));
            assert_eq!(cal.is_working_day(date), working, "{date} with {kind:?}");
        }
    }

    #[test]
    fn the_official_workdays_all_fall_on_weekends() {
        for day in prc_official_days()
            .iter()
            .filter(|d| d.kind == DayKind::Workday)
        {
            assert!(
                !is_weekday(day.date),
                "{} {} is a weekday",
                day.date,
                day.name
            );
        }
    }

    #[test]
    fn no_date_appears_twice_in_the_official_list() {
        let days = prc_official_days();
        let dates: HashSet<_> = days.iter().map(|d| d.date).collect();
        assert_eq!(dates.len(), days.len());
    }

    #[test]
    fn the_official_list_has_the_expected_days_per_year() {
        let days = prc_official_days();
        let count = |year, kind| {
            days.iter()
                .filter(|d| d.date.year() == year && d.kind == kind)
                .count()
        };
        // 2025: 1 + 8 + 3 + 5 + 3 + 8 holiday dates, 5 adjusted working days.
        assert_eq!(count(2025, DayKind::Holiday), 28);
        assert_eq!(count(2025, DayKind::Workday), 5);
        // 2026: 3 + 9 + 3 + 5 + 3 + 3 + 7 holiday dates, 6 adjusted working days.
        assert_eq!(count(2026, DayKind::Holiday), 33);
        assert_eq!(count(2026, DayKind::Workday), 6);
        assert!(days.iter().all(|d| !d.name.is_empty()));
    }

    #[test]
    fn the_official_days_land_on_the_weekdays_of_the_notices() {
        use chrono::Weekday::*;
        let cal = WorkCalendar::prc();
        // (date, weekday, working?, name)
        let cases = [
            (d(2025, 1, 1), Wed, false, "元旦"),
            (d(2025, 1, 26), Sun, true, "春节"),
            (d(2025, 1, 28), Tue, false, "春节"),
            (d(2025, 2, 4), Tue, false, "春节"),
            (d(2025, 2, 8), Sat, true, "春节"),
            (d(2025, 4, 4), Fri, false, "清明节"),
            (d(2025, 4, 27), Sun, true, "劳动节"),
            (d(2025, 5, 5), Mon, false, "劳动节"),
            (d(2025, 6, 2), Mon, false, "端午节"),
            (d(2025, 9, 28), Sun, true, "国庆节、中秋节"),
            (d(2025, 10, 8), Wed, false, "国庆节、中秋节"),
            (d(2025, 10, 11), Sat, true, "国庆节、中秋节"),
            (d(2026, 1, 2), Fri, false, "元旦"),
            (d(2026, 1, 4), Sun, true, "元旦"),
            (d(2026, 2, 14), Sat, true, "春节"),
            (d(2026, 2, 23), Mon, false, "春节"),
            (d(2026, 2, 28), Sat, true, "春节"),
            (d(2026, 4, 6), Mon, false, "清明节"),
            (d(2026, 5, 5), Tue, false, "劳动节"),
            (d(2026, 5, 9), Sat, true, "劳动节"),
            (d(2026, 6, 19), Fri, false, "端午节"),
            (d(2026, 9, 20), Sun, true, "国庆节"),
            (d(2026, 9, 25), Fri, false, "中秋节"),
            (d(2026, 10, 7), Wed, false, "国庆节"),
            (d(2026, 10, 10), Sat, true, "国庆节"),
        ];
        for (date, weekday, working, name) in cases {
            assert_eq!(date.weekday(), weekday, "{date}");
            assert_eq!(cal.is_working_day(date), working, "{date}");
            assert_eq!(cal.get(date).map(|d| d.name.as_str()), Some(name), "{date}");
        }
    }

    #[test]
    fn days_come_in_date_order() {
        let cal = WorkCalendar::new([holiday(d(2030, 1, 2), "b"), holiday(d(2030, 1, 1), "a")]);
        let dates: Vec<_> = cal.days().map(|d| d.date).collect();
        assert_eq!(dates, [d(2030, 1, 1), d(2030, 1, 2)]);
        let prc: Vec<_> = WorkCalendar::prc().days().map(|d| d.date).collect();
        assert!(prc.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn deadlines_fall_at_the_end_of_the_nth_working_day() {
        let cal = WorkCalendar::prc();
        let tz = china_offset();
        // (start, local CST, working days, due date; always due at 23:59:59 CST)
        let cases = [
            // Plain weeks in 2027 (no entries): Monday 1 March 2027.
            ("Mon 09:00 + 2", cst(2027, 3, 1, 9, 0, 0), 2, d(2027, 3, 3)),
            ("Mon 09:00 + 0", cst(2027, 3, 1, 9, 0, 0), 0, d(2027, 3, 1)),
            (
                "Fri + 1 skips the weekend",
                cst(2027, 3, 5, 18, 0, 0),
                1,
                d(2027, 3, 8),
            ),
            (
                "Sat + 2 is the end of Tuesday",
                cst(2027, 3, 6, 10, 0, 0),
                2,
                d(2027, 3, 9),
            ),
            (
                "Sun + 1 is the end of Monday",
                cst(2027, 3, 7, 23, 0, 0),
                1,
                d(2027, 3, 8),
            ),
            (
                "Wed + 5 is the next Wednesday",
                cst(2027, 3, 3, 0, 0, 0),
                5,
                d(2027, 3, 10),
            ),
            // 2026 春节: Sat 14 Feb worked, 15–23 Feb off, Sat 28 Feb worked.
            (
                "Fri 13 Feb + 1 is the adjusted Saturday",
                cst(2026, 2, 13, 9, 0, 0),
                1,
                d(2026, 2, 14),
            ),
            (
                "Fri 13 Feb + 2 skips the Spring Festival",
                cst(2026, 2, 13, 9, 0, 0),
                2,
                d(2026, 2, 24),
            ),
            (
                "Sat 14 Feb + 1 skips the Spring Festival",
                cst(2026, 2, 14, 9, 0, 0),
                1,
                d(2026, 2, 24),
            ),
            (
                "during 春节 + 1 is the first day back",
                cst(2026, 2, 18, 9, 0, 0),
                1,
                d(2026, 2, 24),
            ),
            (
                "Fri 27 Feb + 1 is the adjusted Saturday",
                cst(2026, 2, 27, 9, 0, 0),
                1,
                d(2026, 2, 28),
            ),
            (
                "Fri 27 Feb + 2 is Monday",
                cst(2026, 2, 27, 9, 0, 0),
                2,
                d(2026, 3, 2),
            ),
            // 2026 中秋 and 国庆: Sun 20 Sep worked, 25–27 Sep and 1–7 Oct off, Sat 10 Oct worked.
            (
                "Sat 19 Sep + 1 is the adjusted Sunday",
                cst(2026, 9, 19, 9, 0, 0),
                1,
                d(2026, 9, 20),
            ),
            (
                "Thu 24 Sep + 1 skips 中秋",
                cst(2026, 9, 24, 9, 0, 0),
                1,
                d(2026, 9, 28),
            ),
            (
                "Wed 30 Sep + 1 skips 国庆",
                cst(2026, 9, 30, 9, 0, 0),
                1,
                d(2026, 10, 8),
            ),
            (
                "Wed 30 Sep + 3 is the adjusted Saturday",
                cst(2026, 9, 30, 9, 0, 0),
                3,
                d(2026, 10, 10),
            ),
            (
                "Wed 30 Sep + 4 is Monday 12 Oct",
                cst(2026, 9, 30, 9, 0, 0),
                4,
                d(2026, 10, 12),
            ),
            // Across the year end: 2025-12-31 (Wed) + 1 skips 元旦 1–3 Jan to the adjusted Sunday.
            (
                "31 Dec 2025 + 1 is Sunday 4 Jan",
                cst(2025, 12, 31, 9, 0, 0),
                1,
                d(2026, 1, 4),
            ),
            (
                "31 Dec 2025 + 2 is Monday 5 Jan",
                cst(2025, 12, 31, 9, 0, 0),
                2,
                d(2026, 1, 5),
            ),
        ];
        for (what, start, n, due) in cases {
            let expected = local_to_utc(due.and_time(END_OF_DAY), tz);
            assert_eq!(cal.add_working_days(start, n, tz), expected, "{what}");
        }
    }

    #[test]
    fn the_start_date_is_taken_in_local_time() {
        let cal = WorkCalendar::prc();
        // 17:00 UTC on Fri 13 Feb 2026 is 01:00 on Sat 14 Feb in China.
        // Two working days after Saturday are Tue 24 and Wed 25 Feb.
        let start = utc(2026, 2, 13, 17, 0);
        assert_eq!(
            cal.add_working_days(start, 2, china_offset()),
            cst(2026, 2, 25, 23, 59, 59)
        );
        // In UTC it is still Friday: the adjusted Saturday and Tue 24 Feb.
        let in_utc = FixedOffset::east_opt(0).unwrap();
        assert_eq!(
            cal.add_working_days(start, 2, in_utc),
            utc(2026, 2, 24, 23, 59) + TimeDelta::seconds(59)
        );
        // 15:59 UTC is still Friday 23:59 in China.
        assert_eq!(
            cal.add_working_days(utc(2026, 2, 13, 15, 59), 2, china_offset()),
            cst(2026, 2, 24, 23, 59, 59)
        );
    }

    #[test]
    fn an_admin_added_holiday_is_skipped() {
        let mut days = prc_official_days();
        days.push(holiday(d(2027, 3, 2), "公司年会"));
        let cal = WorkCalendar::new(days);
        assert!(!cal.is_working_day(d(2027, 3, 2)));
        // Mon 1 March 2027 + 1: Tuesday is off, so Wednesday.
        assert_eq!(
            cal.add_working_days(cst(2027, 3, 1, 9, 0, 0), 1, china_offset()),
            cst(2027, 3, 3, 23, 59, 59)
        );
        assert_eq!(cal.working_days_between(d(2027, 3, 1), d(2027, 3, 5)), 3);
    }

    #[test]
    fn an_admin_can_remove_a_holiday_by_overriding_it_with_a_workday() {
        let mut days = prc_official_days();
        days.push(workday(d(2026, 2, 23), "春节"));
        let cal = WorkCalendar::new(days);
        assert!(cal.is_working_day(d(2026, 2, 23)));
        assert_eq!(
            cal.add_working_days(cst(2026, 2, 14, 9, 0, 0), 1, china_offset()),
            cst(2026, 2, 23, 23, 59, 59)
        );
        // The later entry wins; the calendar still has one entry for the date.
        assert_eq!(
            cal.days().filter(|day| day.date == d(2026, 2, 23)).count(),
            1
        );
        assert_eq!(
            cal.get(d(2026, 2, 23)).map(|day| day.kind),
            Some(DayKind::Workday)
        );
    }

    #[test]
    fn working_days_between_counts_after_from_up_to_to() {
        let cal = WorkCalendar::prc();
        let cases = [
            (d(2027, 3, 1), d(2027, 3, 1), 0),
            (d(2027, 3, 1), d(2027, 3, 2), 1),
            (d(2027, 3, 1), d(2027, 3, 8), 5),
            (d(2027, 3, 6), d(2027, 3, 7), 0),
            (d(2027, 3, 8), d(2027, 3, 1), -5),
            // 2026 春节 fortnight: 14 Feb and 24–28 Feb worked.
            (d(2026, 2, 13), d(2026, 2, 28), 6),
            (d(2026, 2, 28), d(2026, 2, 13), -6),
            // All of 2026: 261 weekdays − 19 weekday holidays + 6 adjusted days.
            (d(2025, 12, 31), d(2026, 12, 31), 248),
        ];
        for (from, to, expected) in cases {
            assert_eq!(
                cal.working_days_between(from, to),
                expected,
                "({from}, {to}]"
            );
        }
    }

    #[test]
    fn working_hours_stop_on_non_working_days() {
        let cal = WorkCalendar::prc();
        let tz = china_offset();
        let cases = [
            (
                "within the day",
                cst(2027, 3, 1, 9, 0, 0),
                4,
                cst(2027, 3, 1, 13, 0, 0),
            ),
            (
                "zero hours",
                cst(2027, 3, 6, 9, 0, 0),
                0,
                cst(2027, 3, 6, 9, 0, 0),
            ),
            (
                "into the next day",
                cst(2027, 3, 1, 20, 0, 0),
                8,
                cst(2027, 3, 2, 4, 0, 0),
            ),
            (
                "to the end of the day",
                cst(2027, 3, 1, 0, 0, 0),
                24,
                cst(2027, 3, 2, 0, 0, 0),
            ),
            (
                "Friday evening over the weekend",
                cst(2027, 3, 5, 20, 0, 0),
                8,
                cst(2027, 3, 8, 4, 0, 0),
            ),
            (
                "Friday evening, 4 hours to midnight",
                cst(2027, 3, 5, 20, 0, 0),
                4,
                cst(2027, 3, 6, 0, 0, 0),
            ),
            (
                "from a Saturday",
                cst(2027, 3, 6, 12, 0, 0),
                48,
                cst(2027, 3, 10, 0, 0, 0),
            ),
            (
                "from a Saturday, 30 hours",
                cst(2027, 3, 6, 12, 0, 0),
                30,
                cst(2027, 3, 9, 6, 0, 0),
            ),
            (
                "Friday before 春节 to the adjusted Saturday",
                cst(2026, 2, 13, 12, 0, 0),
                24,
                cst(2026, 2, 14, 12, 0, 0),
            ),
            (
                "over 春节",
                cst(2026, 2, 13, 12, 0, 0),
                48,
                cst(2026, 2, 24, 12, 0, 0),
            ),
        ];
        for (what, start, hours, expected) in cases {
            assert_eq!(cal.add_working_hours(start, hours, tz), expected, "{what}");
        }
    }

    #[test]
    fn huge_counts_saturate_instead_of_panicking() {
        let cal = WorkCalendar::prc();
        let start = cst(2026, 1, 1, 0, 0, 0);
        assert_eq!(
            cal.add_working_days(start, u32::MAX, china_offset()),
            DateTime::<Utc>::MAX_UTC
        );
        assert_eq!(
            cal.add_working_hours(start, u32::MAX, china_offset()),
            DateTime::<Utc>::MAX_UTC
        );
        let far = cal.add_working_days(start, 1_000_000, china_offset());
        assert!(far > start && far < DateTime::<Utc>::MAX_UTC);
    }

    // --- properties, checked against a day-by-day count ---

    fn naive_nth(cal: &WorkCalendar, mut date: NaiveDate, mut n: u32) -> NaiveDate {
        while n > 0 {
            date = date.succ_opt().unwrap();
            if cal.is_working_day(date) {
                n -= 1;
            }
        }
        date
    }

    fn naive_between(cal: &WorkCalendar, from: NaiveDate, to: NaiveDate) -> i64 {
        let (lo, hi, sign) = if from <= to {
            (from, to, 1)
        } else {
            (to, from, -1)
        };
        sign * lo
            .iter_days()
            .skip(1)
            .take_while(|x| *x <= hi)
            .filter(|x| cal.is_working_day(*x))
            .count() as i64
    }

    /// Working time elapsed between two instants, day by day.
    fn working_time(
        cal: &WorkCalendar,
        a: DateTime<Utc>,
        b: DateTime<Utc>,
        tz: FixedOffset,
    ) -> TimeDelta {
        let (a, b) = (
            a.with_timezone(&tz).naive_local(),
            b.with_timezone(&tz).naive_local(),
        );
        let mut total = TimeDelta::zero();
        let mut day = a.date();
        while day.and_time(NaiveTime::MIN) < b {
            let next = day.succ_opt().unwrap().and_time(NaiveTime::MIN);
            if cal.is_working_day(day) {
                total += next.min(b) - day.and_time(NaiveTime::MIN).max(a);
            }
            day = day.succ_opt().unwrap();
        }
        total
    }

    fn a_date() -> impl Strategy<Value = NaiveDate> {
        // 2024-07-01 to 2027-06-30: around the shipped years.
        (0i64..1095).prop_map(|n| d(2024, 7, 1) + TimeDelta::days(n))
    }

    fn an_instant() -> impl Strategy<Value = DateTime<Utc>> {
        (a_date(), 0u32..86_400).prop_map(|(date, s)| {
            date.and_time(NaiveTime::MIN).and_utc() + TimeDelta::seconds(s.into())
        })
    }

    /// The official calendar plus a few random admin entries.
    fn a_calendar() -> impl Strategy<Value = WorkCalendar> {
        proptest::collection::vec((a_date(), any::<bool>()), 0..20).prop_map(|extra| {
            let mut days = prc_official_days();
            days.extend(extra.into_iter().map(|(date, off)| {
                if off {
                    holiday(date, "admin")
                } else {
                    workday(date, "admin")
                }
            }));
            WorkCalendar::new(days)
        })
    }

    fn an_offset() -> impl Strategy<Value = FixedOffset> {
        prop_oneof![
            Just(china_offset()),
            (-12 * 3600..=14 * 3600).prop_map(|s| FixedOffset::east_opt(s).unwrap())
        ]
    }

    proptest! {
        #[test]
        fn a_deadline_lands_at_the_end_of_a_working_day(cal in a_calendar(), start in an_instant(), n in 1u32..60, tz in an_offset()) {
            let due = cal.add_working_days(start, n, tz).with_timezone(&tz);
            prop_assert!(cal.is_working_day(due.date_naive()));
            prop_assert_eq!(due.time(), END_OF_DAY);
        }

        #[test]
        fn deadlines_grow_with_the_number_of_days(cal in a_calendar(), start in an_instant(), n in 0u32..60, more in 1u32..30) {
            let tz = china_offset();
            prop_assert!(cal.add_working_days(start, n, tz) < cal.add_working_days(start, n + more, tz));
            prop_assert!(cal.add_working_days(start, n, tz) >= start);
        }

        #[test]
        fn a_deadline_is_n_working_days_after_the_start_date(cal in a_calendar(), start in an_instant(), n in 0u32..60, tz in an_offset()) {
            let due = cal.add_working_days(start, n, tz);
            let from = start.with_timezone(&tz).date_naive();
            prop_assert_eq!(cal.working_days_between(from, due.with_timezone(&tz).date_naive()), i64::from(n));
        }

        #[test]
        fn the_nth_working_day_matches_a_day_by_day_count(cal in a_calendar(), date in a_date(), n in 0u32..400) {
            prop_assert_eq!(cal.nth_working_day_after(date, n), Some(naive_nth(&cal, date, n)));
        }

        #[test]
        fn working_days_between_matches_a_day_by_day_count(cal in a_calendar(), from in a_date(), to in a_date()) {
            prop_assert_eq!(cal.working_days_between(from, to), naive_between(&cal, from, to));
        }

        #[test]
        fn plain_weekday_counts_match_chrono(from in -400_000i64..400_000, span in 0i64..40) {
            let from = d(1, 1, 1) + TimeDelta::days(from);
            let to = from + TimeDelta::days(span);
            let empty = WorkCalendar::default();
            prop_assert_eq!(weekdays_between(from, to), naive_between(&empty, from, to));
            prop_assert_eq!(nth_weekday_after(from, span + 1), Some(naive_nth(&empty, from, (span + 1) as u32)));
        }

        #[test]
        fn working_hours_count_exactly_the_working_time(cal in a_calendar(), start in an_instant(), hours in 0u32..400, tz in an_offset()) {
            let end = cal.add_working_hours(start, hours, tz);
            prop_assert!(end >= start);
            prop_assert_eq!(working_time(&cal, start, end, tz), TimeDelta::hours(hours.into()));
            // It ends as soon as the hours are done: in a working day, or at the
            // midnight that closes one.
            let local = end.with_timezone(&tz).naive_local();
            if hours > 0 && !cal.is_working_day(local.date()) {
                prop_assert_eq!(local.time(), NaiveTime::MIN);
                prop_assert!(cal.is_working_day(local.date().pred_opt().unwrap()));
            }
        }
    }
}

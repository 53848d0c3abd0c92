//! The funnel report of one template (漏斗): per stage the open cases and
//! their amounts, weighted by the stage's probability, the conversion to the
//! next stage, and the time spent in the stage, computed from the histories.
//!
//! What one case adds to its funnel is a [`FunnelEntry`]: the group it counts
//! in (the stages it entered, where it is now, its status) with its amount,
//! and the days of each completed stay. Entries add up to [`FunnelTotals`];
//! the store keeps the totals of each [`FunnelPartition`] (template, owner,
//! day the case was opened) up to date in the transaction of every case
//! write, by a [`FunnelDelta`], so the report adds up a few hundred rows
//! whatever the number of cases. A report period that does not fall on day
//! boundaries is split by [`split_period`] into whole days (from the totals)
//! and edges (from the cases opened in them).

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use chrono::{DateTime, Days, NaiveDate, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

use super::case::{CaseEvent, CaseEventKind, CaseStatus, DevelopmentCase};
use super::template::{ProcessTemplate, Text};
use crate::calendar::china_offset;
use crate::{Money, UserId};

/// The figures of one stage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageFigures {
    pub stage: String,
    pub name: Text,
    pub probability: u8,
    /// Open cases now at this stage.
    pub open_cases: u64,
    /// Their expected amounts, in yuan.
    pub open_amount: Decimal,
    /// The open amount × the stage's probability.
    pub weighted_amount: Decimal,
    /// Cases that ever entered this stage.
    pub reached: u64,
    /// Of those, the share that went on to enter the next stage (0–1); none
    /// for the last stage or when no case reached this one.
    pub conversion_to_next: Option<Decimal>,
    /// Of the cases that reached this stage and have ended, the share won.
    pub win_rate: Option<Decimal>,
    /// Days spent in the stage, over completed stays.
    pub average_days: Option<Decimal>,
    pub median_days: Option<Decimal>,
}

/// The funnel of one template.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunnelReport {
    pub template: String,
    pub stages: Vec<StageFigures>,
    pub open_cases: u64,
    pub open_amount: Decimal,
    pub weighted_amount: Decimal,
    pub won: u64,
    pub lost: u64,
    pub terminated: u64,
    /// Won ÷ (won + lost + terminated).
    pub win_rate: Option<Decimal>,
}

/// The cases counted together: they entered the same stages, are at the same
/// stage and have the same status.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FunnelGroup {
    /// The keys of the stages entered, sorted, each once.
    pub reached: Vec<String>,
    pub stage: String,
    pub status: CaseStatus,
}

impl FunnelGroup {
    /// The stages entered as stored: the keys joined by commas (a stage key
    /// is lower-case letters, digits and `_`).
    pub fn reached_text(&self) -> String {
        self.reached.join(",")
    }

    /// Reads [`Self::reached_text`] back.
    pub fn reached_from_text(text: &str) -> Vec<String> {
        text.split(',')
            .filter(|k| !k.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

/// The number of cases in a group and their expected amounts, in fen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GroupSum {
    pub cases: i64,
    pub amount_fen: i64,
}

/// A completed stay in a stage, in hundredths of a day (how the report
/// rounds a stay).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Stay {
    pub stage: String,
    pub centidays: i64,
}

/// The totals the store keeps apart: a template's cases of one owner opened
/// on one day (China time), the finest grain a report filters on.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FunnelPartition {
    pub template_key: String,
    pub owner_id: UserId,
    pub day: NaiveDate,
}

/// What one case adds to its funnel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunnelEntry {
    pub partition: FunnelPartition,
    pub group: FunnelGroup,
    pub amount_fen: i64,
    pub stays: Vec<Stay>,
}

impl FunnelEntry {
    /// The entry of a case with its history (oldest first).
    pub fn of(case: &DevelopmentCase, history: &[CaseEvent]) -> Self {
        let partition = FunnelPartition {
            template_key: case.template_key.clone(),
            owner_id: case.owner_id,
            day: report_day(case.created_at),
        };
        Self::new(
            partition,
            &case.stage,
            case.status,
            case.expected_amount,
            history,
        )
    }

    /// The entry of a case at `stage` with `status`, from its history.
    pub fn new(
        partition: FunnelPartition,
        stage: &str,
        status: CaseStatus,
        amount: Option<Money>,
        history: &[CaseEvent],
    ) -> Self {
        let mut reached: Vec<String> = Vec::new();
        let mut stays = Vec::new();
        let mut current: Option<(&str, DateTime<Utc>)> = None;
        for e in history {
            let leaves = matches!(
                e.kind,
                CaseEventKind::Advanced
                    | CaseEventKind::Won
                    | CaseEventKind::Lost
                    | CaseEventKind::Terminated
            );
            if leaves && let Some((stage, since)) = current.take() {
                stays.push(Stay {
                    stage: stage.to_owned(),
                    centidays: centidays(since, e.at),
                });
            }
            let enters = matches!(
                e.kind,
                CaseEventKind::Created | CaseEventKind::Reopened | CaseEventKind::Advanced
            );
            if enters && let Some(stage) = &e.to_stage {
                reached.push(stage.clone());
                current = Some((stage, e.at));
            }
        }
        reached.sort();
        reached.dedup();
        Self {
            partition,
            group: FunnelGroup {
                reached,
                stage: stage.to_owned(),
                status,
            },
            amount_fen: amount.map_or(0, Money::fen),
            stays,
        }
    }
}

/// A stay's length in hundredths of a day, rounded as the report shows it.
fn centidays(from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
    let seconds = (to - from).num_seconds().max(0);
    let days = (Decimal::from(seconds) / Decimal::from(86_400)).round_dp(2);
    (days * Decimal::ONE_HUNDRED).to_i64().unwrap_or(i64::MAX)
}

/// The day (China time) a case opened at `at` counts on.
pub fn report_day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&china_offset()).date_naive()
}

/// When a day (China time) starts.
pub fn day_start(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN)
        .and_local_timezone(china_offset())
        .single()
        .map_or(DateTime::<Utc>::MIN_UTC, |t| t.with_timezone(&Utc))
}

/// The sums of many entries: per group, the cases and their amounts; per
/// stay length, the stays. Sums that come to nothing are dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FunnelTotals {
    groups: BTreeMap<FunnelGroup, GroupSum>,
    stays: BTreeMap<Stay, i64>,
}

impl FunnelTotals {
    /// Adds (`sign` 1) or takes away (`sign` -1) a case's entry.
    pub fn add(&mut self, entry: &FunnelEntry, sign: i64) {
        self.add_group(
            entry.group.clone(),
            GroupSum {
                cases: sign,
                amount_fen: sign * entry.amount_fen,
            },
        );
        for stay in &entry.stays {
            self.add_stays(stay.clone(), sign);
        }
    }

    pub fn add_group(&mut self, group: FunnelGroup, sum: GroupSum) {
        add_to(&mut self.groups, group, sum, |total, sum| {
            total.cases += sum.cases;
            total.amount_fen += sum.amount_fen;
        });
    }

    pub fn add_stays(&mut self, stay: Stay, count: i64) {
        add_to(&mut self.stays, stay, count, |total, count| *total += count);
    }

    /// Adds every sum of `other`.
    pub fn merge(&mut self, other: FunnelTotals) {
        for (group, sum) in other.groups {
            self.add_group(group, sum);
        }
        for (stay, count) in other.stays {
            self.add_stays(stay, count);
        }
    }

    pub fn groups(&self) -> impl Iterator<Item = (&FunnelGroup, GroupSum)> {
        self.groups.iter().map(|(g, s)| (g, *s))
    }

    pub fn stays(&self) -> impl Iterator<Item = (&Stay, i64)> {
        self.stays.iter().map(|(s, n)| (s, *n))
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty() && self.stays.is_empty()
    }
}

/// Adds `value` to the sum kept under `key`, dropping a sum that comes to
/// nothing.
fn add_to<K: Ord, V: Default + PartialEq>(
    sums: &mut BTreeMap<K, V>,
    key: K,
    value: V,
    add: impl FnOnce(&mut V, V),
) {
    match sums.entry(key) {
        Entry::Occupied(mut sum) => {
            add(sum.get_mut(), value);
            if *sum.get() == V::default() {
                sum.remove();
            }
        }
        Entry::Vacant(slot) => {
            if value != V::default() {
                slot.insert(value);
            }
        }
    }
}

/// What writing some cases changes in the stored totals, per partition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FunnelDelta(BTreeMap<FunnelPartition, FunnelTotals>);

impl FunnelDelta {
    /// A case written for the first time.
    pub fn add(&mut self, entry: &FunnelEntry) {
        self.apply(entry, 1);
    }

    /// A case as it was before a write.
    pub fn remove(&mut self, entry: &FunnelEntry) {
        self.apply(entry, -1);
    }

    fn apply(&mut self, entry: &FunnelEntry, sign: i64) {
        let totals = self.0.entry(entry.partition.clone()).or_default();
        totals.add(entry, sign);
        if totals.is_empty() {
            self.0.remove(&entry.partition);
        }
    }

    /// The partitions whose totals change, with the change.
    pub fn partitions(&self) -> impl Iterator<Item = (&FunnelPartition, &FunnelTotals)> {
        self.0.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A report period `[from, to)` as the stored totals can serve it: the
/// whole days inside it (`days`, from inclusive, to exclusive; `None` for
/// no whole day, an open end for an unbounded one) and at most two edges,
/// the parts of days it starts or ends within, to read case by case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodSplit {
    pub days: Option<(Option<NaiveDate>, Option<NaiveDate>)>,
    pub edges: Vec<(DateTime<Utc>, DateTime<Utc>)>,
}

/// Splits a report period into whole days and edges: a case opened in the
/// period is in exactly one of them.
pub fn split_period(from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> PeriodSplit {
    // The first whole day: the day `from` falls on when it is that day's
    // start, else the next one. The end: the day `to` falls on (exclusive).
    let first = from.map(|f| {
        let day = report_day(f);
        if day_start(day) == f {
            day
        } else {
            day.checked_add_days(Days::new(1)).unwrap_or(day)
        }
    });
    let end = to.map(report_day);
    if let (Some(f), Some(t)) = (from, to)
        && first.zip(end).is_some_and(|(a, b)| a >= b)
    {
        return PeriodSplit {
            days: None,
            edges: if f < t { vec![(f, t)] } else { Vec::new() },
        };
    }
    let mut edges = Vec::new();
    if let (Some(f), Some(day)) = (from, first)
        && f < day_start(day)
    {
        edges.push((f, day_start(day)));
    }
    if let (Some(t), Some(day)) = (to, end)
        && day_start(day) < t
    {
        edges.push((day_start(day), t));
    }
    PeriodSplit {
        days: Some((first, end)),
        edges,
    }
}

fn ratio(num: u64, den: u64) -> Option<Decimal> {
    (den > 0).then(|| {
        (Decimal::from(num) / Decimal::from(den))
            .round_dp(4)
            .normalize()
    })
}

fn yuan(fen: i64) -> Decimal {
    Decimal::new(fen, 2)
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// The average and the median of stays given as (hundredths of a day,
/// number of stays), sorted by length.
fn average_and_median(lengths: &[(i64, i64)]) -> (Option<Decimal>, Option<Decimal>) {
    let n: i64 = lengths.iter().map(|(_, k)| k).sum();
    if n <= 0 {
        return (None, None);
    }
    let total: i64 = lengths.iter().map(|(c, k)| c * k).sum();
    let average = (yuan(total) / Decimal::from(n)).round_dp(2).normalize();
    // The k-th shortest stay (0-based).
    let nth = |k: i64| {
        let mut seen = 0;
        lengths
            .iter()
            .find(|(_, m)| {
                seen += m;
                seen > k
            })
            .map_or(0, |(c, _)| *c)
    };
    let median = if n % 2 == 1 {
        yuan(nth(n / 2))
    } else {
        ((yuan(nth(n / 2 - 1)) + yuan(nth(n / 2))) / Decimal::TWO).round_dp(2)
    };
    (Some(average), Some(median.normalize()))
}

/// Computes the funnel of `template` from the totals of its cases.
pub fn funnel(template: &ProcessTemplate, totals: &FunnelTotals) -> FunnelReport {
    let groups: Vec<_> = totals.groups().collect();
    let sum = |keep: &dyn Fn(&FunnelGroup) -> bool| {
        groups
            .iter()
            .filter(|(g, _)| keep(g))
            .fold(GroupSum::default(), |acc, (_, s)| GroupSum {
                cases: acc.cases + s.cases,
                amount_fen: acc.amount_fen + s.amount_fen,
            })
    };
    let entered = |g: &FunnelGroup, key: &str| g.reached.iter().any(|s| s == key);
    let mut stages = Vec::with_capacity(template.stages.len());
    for (i, stage) in template.stages.iter().enumerate() {
        let key = stage.key();
        let open = sum(&|g| g.status == CaseStatus::Open && g.stage == key);
        let reached = count(sum(&|g| entered(g, key)).cases);
        let next_reached = template
            .stages
            .get(i + 1)
            .map(|next| count(sum(&|g| entered(g, key) && entered(g, next.key())).cases));
        let ended = count(sum(&|g| entered(g, key) && g.status != CaseStatus::Open).cases);
        let won = count(sum(&|g| entered(g, key) && g.status == CaseStatus::Won).cases);
        let lengths: Vec<(i64, i64)> = totals
            .stays()
            .filter(|(s, _)| s.stage == key)
            .map(|(s, n)| (s.centidays, n))
            .collect();
        let (average_days, median_days) = average_and_median(&lengths);
        let open_amount = yuan(open.amount_fen);
        stages.push(StageFigures {
            stage: key.to_owned(),
            name: stage.name.clone(),
            probability: stage.probability(),
            open_cases: count(open.cases),
            open_amount,
            weighted_amount: (open_amount * Decimal::from(stage.probability())
                / Decimal::ONE_HUNDRED)
                .round_dp(2),
            reached,
            conversion_to_next: next_reached.and_then(|n| ratio(n, reached)),
            win_rate: ratio(won, ended),
            average_days,
            median_days,
        });
    }
    let ended = |s: CaseStatus| count(sum(&|g| g.status == s).cases);
    let (won, lost, terminated) = (
        ended(CaseStatus::Won),
        ended(CaseStatus::Lost),
        ended(CaseStatus::Terminated),
    );
    FunnelReport {
        template: template.key().to_owned(),
        open_cases: stages.iter().map(|s| s.open_cases).sum(),
        open_amount: stages.iter().map(|s| s.open_amount).sum(),
        weighted_amount: stages.iter().map(|s| s.weighted_amount).sum(),
        stages,
        won,
        lost,
        terminated,
        win_rate: ratio(won, won + lost + terminated),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CaseId;
    use crate::process::template::parse_process_template;
    use chrono::{Duration, TimeZone};
    use proptest::prelude::*;
    use uuid::Uuid;

    const TEMPLATE: &str = r#"
key = "three_steps"
name = { zh = "三步", en = "Three steps" }
applies_to = "customer_development"
[[stages]]
key = "one"
name = { zh = "一", en = "One" }
probability = 10
[[stages]]
key = "two"
name = { zh = "二", en = "Two" }
probability = 50
[[stages]]
key = "three"
name = { zh = "三", en = "Three" }
probability = 90
"#;

    fn day(n: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap() + Duration::days(n)
    }

    fn event_at(kind: CaseEventKind, at: DateTime<Utc>, to: Option<&str>) -> CaseEvent {
        CaseEvent {
            id: Uuid::nil(),
            case_id: CaseId::from_uuid(Uuid::nil()),
            at,
            actor_id: None,
            kind,
            from_stage: None,
            to_stage: to.map(str::to_owned),
            reason: None,
            comment: None,
        }
    }

    fn event(kind: CaseEventKind, at: i64, to: Option<&str>) -> CaseEvent {
        event_at(kind, day(at), to)
    }

    /// What the report needs of one case, as the reference reads it.
    #[derive(Debug, Clone)]
    struct Case {
        stage: String,
        status: CaseStatus,
        amount: Option<Money>,
        history: Vec<CaseEvent>,
    }

    fn case(stage: &str, status: CaseStatus, yuan: i64, history: Vec<CaseEvent>) -> Case {
        Case {
            stage: stage.into(),
            status,
            amount: Some(Money::from_fen(yuan * 100).unwrap()),
            history,
        }
    }

    fn partition() -> FunnelPartition {
        FunnelPartition {
            template_key: "three_steps".into(),
            owner_id: UserId::from_uuid(Uuid::nil()),
            day: report_day(day(0)),
        }
    }

    fn entry(c: &Case) -> FunnelEntry {
        FunnelEntry::new(partition(), &c.stage, c.status, c.amount, &c.history)
    }

    fn totals(cases: &[Case]) -> FunnelTotals {
        let mut totals = FunnelTotals::default();
        for c in cases {
            totals.add(&entry(c), 1);
        }
        totals
    }

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    /// The funnel computed the direct way, by replaying every history: what
    /// the totals must reproduce.
    fn replay(template: &ProcessTemplate, cases: &[Case]) -> FunnelReport {
        fn days(from: DateTime<Utc>, to: DateTime<Utc>) -> Decimal {
            let seconds = (to - from).num_seconds().max(0);
            (Decimal::from(seconds) / Decimal::from(86_400)).round_dp(2)
        }
        /// A case, the stages it entered and its completed stays.
        type Replayed<'a> = (&'a Case, Vec<String>, Vec<(String, Decimal)>);
        let per_case: Vec<Replayed> = cases
            .iter()
            .map(|c| {
                let (mut entered, mut done) = (Vec::new(), Vec::new());
                let mut current: Option<(String, DateTime<Utc>)> = None;
                for e in &c.history {
                    use CaseEventKind::*;
                    if matches!(e.kind, Advanced | Won | Lost | Terminated)
                        && let Some((stage, since)) = current.take()
                    {
                        done.push((stage, days(since, e.at)));
                    }
                    if matches!(e.kind, Created | Reopened | Advanced)
                        && let Some(stage) = &e.to_stage
                    {
                        entered.push(stage.clone());
                        current = Some((stage.clone(), e.at));
                    }
                }
                (c, entered, done)
            })
            .collect();
        let mut stages = Vec::new();
        for (i, stage) in template.stages.iter().enumerate() {
            let key = stage.key();
            let open: Vec<_> = cases
                .iter()
                .filter(|c| c.status == CaseStatus::Open && c.stage == key)
                .collect();
            let open_amount: Decimal = open
                .iter()
                .map(|c| c.amount.map_or(Decimal::ZERO, Money::yuan))
                .sum();
            let reached: Vec<_> = per_case
                .iter()
                .filter(|p| p.1.iter().any(|s| s == key))
                .collect();
            let next = template.stages.get(i + 1).map(|n| {
                reached
                    .iter()
                    .filter(|p| p.1.iter().any(|s| s == n.key()))
                    .count() as u64
            });
            let ended: Vec<_> = reached
                .iter()
                .filter(|p| p.0.status != CaseStatus::Open)
                .collect();
            let won = ended
                .iter()
                .filter(|p| p.0.status == CaseStatus::Won)
                .count() as u64;
            let mut durations: Vec<Decimal> = per_case
                .iter()
                .flat_map(|p| p.2.iter())
                .filter(|(s, _)| s == key)
                .map(|(_, d)| *d)
                .collect();
            durations.sort();
            let n = durations.len();
            let average =
                (n > 0).then(|| (durations.iter().sum::<Decimal>() / Decimal::from(n)).round_dp(2));
            let median = match n {
                0 => None,
                _ if n % 2 == 1 => Some(durations[n / 2]),
                _ => Some(((durations[n / 2 - 1] + durations[n / 2]) / Decimal::TWO).round_dp(2)),
            };
            stages.push(StageFigures {
                stage: key.to_owned(),
                name: stage.name.clone(),
                probability: stage.probability(),
                open_cases: open.len() as u64,
                open_amount,
                weighted_amount: (open_amount * Decimal::from(stage.probability())
                    / Decimal::ONE_HUNDRED)
                    .round_dp(2),
                reached: reached.len() as u64,
                conversion_to_next: next.and_then(|n| ratio(n, reached.len() as u64)),
                win_rate: ratio(won, ended.len() as u64),
                average_days: average,
                median_days: median,
            });
        }
        let count = |s: CaseStatus| cases.iter().filter(|c| c.status == s).count() as u64;
        let (won, lost, terminated) = (
            count(CaseStatus::Won),
            count(CaseStatus::Lost),
            count(CaseStatus::Terminated),
        );
        FunnelReport {
            template: template.key().to_owned(),
            open_cases: stages.iter().map(|s| s.open_cases).sum(),
            open_amount: stages.iter().map(|s| s.open_amount).sum(),
            weighted_amount: stages.iter().map(|s| s.weighted_amount).sum(),
            stages,
            won,
            lost,
            terminated,
            win_rate: ratio(won, won + lost + terminated),
        }
    }

    /// Figures worked out by hand: see the comments at each stage.
    #[test]
    fn the_funnel_matches_figures_worked_out_by_hand() {
        use CaseEventKind::*;
        let t = parse_process_template(TEMPLATE).unwrap();
        let cases = [
            // A: one (day 0–2), two (2–5), three (5–6), won.
            case(
                "three",
                CaseStatus::Won,
                100,
                vec![
                    event(Created, 0, Some("one")),
                    event(Advanced, 2, Some("two")),
                    event(Advanced, 5, Some("three")),
                    event(Won, 6, None),
                ],
            ),
            // B: one (0–4), two since day 4, open.
            case(
                "two",
                CaseStatus::Open,
                200,
                vec![
                    event(Created, 0, Some("one")),
                    event(ApprovalRequested, 3, None),
                    event(Advanced, 4, Some("two")),
                ],
            ),
            // C: one (1–3), terminated.
            case(
                "one",
                CaseStatus::Terminated,
                50,
                vec![event(Created, 1, Some("one")), event(Terminated, 3, None)],
            ),
            // D: at one since day 0, open.
            case(
                "one",
                CaseStatus::Open,
                1000,
                vec![event(Created, 0, Some("one"))],
            ),
        ];
        let r = funnel(&t, &totals(&cases));
        assert_eq!(r, replay(&t, &cases));
        let one = &r.stages[0];
        assert_eq!(
            (one.open_cases, one.open_amount, one.weighted_amount),
            (1, d("1000.00"), d("100.00"))
        );
        assert_eq!(
            (one.reached, one.conversion_to_next, one.win_rate),
            (4, Some(d("0.5")), Some(d("0.5")))
        );
        // Completed stays: A 2 days, B 4 days, C 2 days.
        assert_eq!(
            (one.average_days, one.median_days),
            (Some(d("2.67")), Some(d("2")))
        );

        let two = &r.stages[1];
        assert_eq!(
            (two.open_cases, two.open_amount, two.weighted_amount),
            (1, d("200.00"), d("100.00"))
        );
        assert_eq!(
            (two.reached, two.conversion_to_next, two.win_rate),
            (2, Some(d("0.5")), Some(d("1")))
        );
        // B's stay is still going on: only A's 3 days count.
        assert_eq!(
            (two.average_days, two.median_days),
            (Some(d("3")), Some(d("3")))
        );

        let three = &r.stages[2];
        assert_eq!(
            (three.open_cases, three.open_amount, three.weighted_amount),
            (0, d("0"), d("0"))
        );
        assert_eq!(
            (three.reached, three.conversion_to_next, three.win_rate),
            (1, None, Some(d("1")))
        );
        assert_eq!(three.median_days, Some(d("1")));

        assert_eq!(
            (r.open_cases, r.open_amount, r.weighted_amount),
            (2, d("1200.00"), d("200.00"))
        );
        assert_eq!(
            (r.won, r.lost, r.terminated, r.win_rate),
            (1, 0, 1, Some(d("0.5")))
        );
    }

    #[test]
    fn an_empty_funnel_has_no_rates() {
        let t = parse_process_template(TEMPLATE).unwrap();
        let r = funnel(&t, &FunnelTotals::default());
        assert!(
            r.stages
                .iter()
                .all(|s| s.conversion_to_next.is_none() && s.average_days.is_none())
        );
        assert_eq!(r.win_rate, None);
    }

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(
            average_and_median(&[(100, 1), (200, 1), (300, 1), (400, 1)]),
            (Some(d("2.5")), Some(d("2.5")))
        );
        assert_eq!(
            average_and_median(&[(100, 3), (400, 1)]),
            (Some(d("1.75")), Some(d("1")))
        );
    }

    #[test]
    fn a_period_on_day_boundaries_is_whole_days() {
        let (a, b) = (report_day(day(0)), report_day(day(3)));
        let split = split_period(Some(day_start(a)), Some(day_start(b)));
        assert_eq!(split.days, Some((Some(a), Some(b))));
        assert!(split.edges.is_empty());
        let open = split_period(None, None);
        assert_eq!((open.days, open.edges.len()), (Some((None, None)), 0));
    }

    fn arb_status() -> impl Strategy<Value = CaseStatus> {
        prop::sample::select(CaseStatus::ALL.to_vec())
    }

    fn arb_stage() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec!["one", "two", "three", "old"])
    }

    /// A history of random events at increasing times, seconds apart or days.
    fn arb_history() -> impl Strategy<Value = Vec<CaseEvent>> {
        let kind = prop::sample::select(CaseEventKind::ALL.to_vec());
        prop::collection::vec((kind, arb_stage(), 0_i64..400_000), 0..8).prop_map(|steps| {
            let mut at = day(0);
            steps
                .into_iter()
                .map(|(kind, stage, gap)| {
                    at += Duration::seconds(gap);
                    event_at(kind, at, Some(stage))
                })
                .collect()
        })
    }

    fn arb_case() -> impl Strategy<Value = Case> {
        (
            arb_stage(),
            arb_status(),
            prop::option::of(0_i64..10_000_000),
            arb_history(),
        )
            .prop_map(|(stage, status, fen, history)| Case {
                stage: stage.into(),
                status,
                amount: fen.map(|f| Money::from_fen(f).unwrap()),
                history,
            })
    }

    proptest! {
        /// The report from the totals is the report from replaying every case.
        #[test]
        fn totals_give_the_report_a_replay_gives(cases in prop::collection::vec(arb_case(), 0..40)) {
            let t = parse_process_template(TEMPLATE).unwrap();
            prop_assert_eq!(funnel(&t, &totals(&cases)), replay(&t, &cases));
        }

        /// Taking cases' entries away leaves the totals of the others, as
        /// a store applying deltas does when cases change.
        #[test]
        fn removing_entries_leaves_the_totals_of_the_rest(
            cases in prop::collection::vec(arb_case(), 0..30),
            keep in prop::collection::vec(any::<bool>(), 30),
        ) {
            let mut all = totals(&cases);
            let mut delta = FunnelDelta::default();
            for (c, kept) in cases.iter().zip(&keep) {
                if !kept {
                    all.add(&entry(c), -1);
                    delta.remove(&entry(c));
                }
            }
            let rest: Vec<Case> = cases.iter().zip(&keep).filter(|(_, k)| **k).map(|(c, _)| c.clone()).collect();
            prop_assert_eq!(&all, &totals(&rest));
            // The delta holds exactly what was taken away.
            let mut restored = all.clone();
            for (_, change) in delta.partitions() {
                let mut undo = FunnelTotals::default();
                for (g, s) in change.groups() {
                    undo.add_group(g.clone(), GroupSum { cases: -s.cases, amount_fen: -s.amount_fen });
                }
                for (s, n) in change.stays() {
                    undo.add_stays(s.clone(), -n);
                }
                restored.merge(undo);
            }
            prop_assert_eq!(restored, totals(&cases));
        }

        /// A case opened in a period is in exactly one of its parts: a whole
        /// day or an edge.
        #[test]
        fn a_period_splits_into_parts_that_do_not_overlap(
            from in prop::option::of(0_i64..400_000),
            to in prop::option::of(0_i64..400_000),
            opened in 0_i64..400_000,
        ) {
            let at = |s: i64| day(0) + Duration::seconds(s * 3);
            let (from, to, opened) = (from.map(at), to.map(at), at(opened));
            let inside = from.is_none_or(|f| opened >= f) && to.is_none_or(|t| opened < t);
            let split = split_period(from, to);
            let day = report_day(opened);
            let in_days = split.days.is_some_and(|(a, b)| {
                a.is_none_or(|a| day >= a) && b.is_none_or(|b| day < b)
            });
            let in_edges = split.edges.iter().filter(|(f, t)| opened >= *f && opened < *t).count();
            prop_assert_eq!(usize::from(in_days) + in_edges, usize::from(inside));
        }
    }
}

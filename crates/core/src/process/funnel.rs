//! The funnel report of one template (漏斗): per stage the open cases and
//! their amounts, weighted by the stage's probability, the conversion to the
//! next stage, and the time spent in the stage, computed from the histories.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;

use super::case::{CaseEvent, CaseEventKind, CaseStatus};
use super::template::{ProcessTemplate, Text};
use crate::Money;

/// What the report needs of one case.
#[derive(Debug, Clone, PartialEq)]
pub struct FunnelCase {
    pub stage: String,
    pub status: CaseStatus,
    pub amount: Option<Money>,
    /// The case's history in time order.
    pub history: Vec<CaseEvent>,
}

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

fn ratio(num: u64, den: u64) -> Option<Decimal> {
    (den > 0).then(|| {
        (Decimal::from(num) / Decimal::from(den))
            .round_dp(4)
            .normalize()
    })
}

fn days(from: DateTime<Utc>, to: DateTime<Utc>) -> Decimal {
    let seconds = (to - from).num_seconds().max(0);
    (Decimal::from(seconds) / Decimal::from(86_400)).round_dp(2)
}

/// A completed stay of a case in a stage.
struct Stay {
    stage: String,
    entered: DateTime<Utc>,
    left: DateTime<Utc>,
}

/// The completed stays of a case, and the stages it entered.
fn stays(history: &[CaseEvent]) -> (Vec<Stay>, Vec<String>) {
    let mut done = Vec::new();
    let mut entered = Vec::new();
    let mut current: Option<(String, DateTime<Utc>)> = None;
    for e in history {
        match e.kind {
            CaseEventKind::Created | CaseEventKind::Reopened => {
                if let Some(stage) = &e.to_stage {
                    if !entered.contains(stage) {
                        entered.push(stage.clone());
                    }
                    current = Some((stage.clone(), e.at));
                }
            }
            CaseEventKind::Advanced => {
                if let Some((stage, since)) = current.take() {
                    done.push(Stay {
                        stage,
                        entered: since,
                        left: e.at,
                    });
                }
                if let Some(stage) = &e.to_stage {
                    if !entered.contains(stage) {
                        entered.push(stage.clone());
                    }
                    current = Some((stage.clone(), e.at));
                }
            }
            CaseEventKind::Won | CaseEventKind::Lost | CaseEventKind::Terminated => {
                if let Some((stage, since)) = current.take() {
                    done.push(Stay {
                        stage,
                        entered: since,
                        left: e.at,
                    });
                }
            }
            CaseEventKind::ApprovalRequested
            | CaseEventKind::Approved
            | CaseEventKind::Rejected => {}
        }
    }
    (done, entered)
}

fn median(mut values: Vec<Decimal>) -> Option<Decimal> {
    values.sort();
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2]),
        _ => Some(((values[n / 2 - 1] + values[n / 2]) / Decimal::TWO).round_dp(2)),
    }
}

/// Computes the funnel of `template` over its cases.
pub fn funnel(template: &ProcessTemplate, cases: &[FunnelCase]) -> FunnelReport {
    let per_case: Vec<_> = cases.iter().map(|c| (c, stays(&c.history))).collect();
    let mut stages = Vec::with_capacity(template.stages.len());
    for (i, stage) in template.stages.iter().enumerate() {
        let key = stage.key();
        let open: Vec<_> = cases
            .iter()
            .filter(|c| c.status == CaseStatus::Open && c.stage == key)
            .collect();
        let open_amount: Decimal = open.iter().filter_map(|c| c.amount).map(Money::yuan).sum();
        let reached: Vec<_> = per_case
            .iter()
            .filter(|(_, (_, entered))| entered.iter().any(|s| s == key))
            .collect();
        let next_reached = template.stages.get(i + 1).map(|next| {
            reached
                .iter()
                .filter(|(_, (_, entered))| entered.iter().any(|s| s == next.key()))
                .count() as u64
        });
        let ended: Vec<_> = reached
            .iter()
            .filter(|(c, _)| c.status != CaseStatus::Open)
            .collect();
        let won = ended
            .iter()
            .filter(|(c, _)| c.status == CaseStatus::Won)
            .count() as u64;
        let durations: Vec<Decimal> = per_case
            .iter()
            .flat_map(|(_, (done, _))| done.iter())
            .filter(|stay| stay.stage == key)
            .map(|stay| days(stay.entered, stay.left))
            .collect();
        let average_days = (!durations.is_empty()).then(|| {
            (durations.iter().sum::<Decimal>() / Decimal::from(durations.len())).round_dp(2)
        });
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
            conversion_to_next: next_reached.and_then(|n| ratio(n, reached.len() as u64)),
            win_rate: ratio(won, ended.len() as u64),
            average_days,
            median_days: median(durations),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CaseId;
    use crate::process::template::parse_process_template;
    use chrono::{Duration, TimeZone};
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

    fn event(kind: CaseEventKind, at: i64, to: Option<&str>) -> CaseEvent {
        CaseEvent {
            id: Uuid::nil(),
            case_id: CaseId::from_uuid(Uuid::nil()),
            at: day(at),
            actor_id: None,
            kind,
            from_stage: None,
            to_stage: to.map(str::to_owned),
            reason: None,
            comment: None,
        }
    }

    fn case(stage: &str, status: CaseStatus, yuan: i64, history: Vec<CaseEvent>) -> FunnelCase {
        FunnelCase {
            stage: stage.into(),
            status,
            amount: Some(Money::from_fen(yuan * 100).unwrap()),
            history,
        }
    }

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
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
        let r = funnel(&t, &cases);
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
        let r = funnel(&t, &[]);
        assert!(
            r.stages
                .iter()
                .all(|s| s.conversion_to_next.is_none() && s.average_days.is_none())
        );
        assert_eq!(r.win_rate, None);
    }

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median(vec![d("4"), d("1"), d("2"), d("3")]), Some(d("2.5")));
    }
}

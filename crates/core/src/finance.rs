//! Big-account financial analysis (大客户财务分析, SPEC P-01.S2, §4.1,
//! decision 4): a period's figures and the indicators computed from them.
//! An indicator that cannot be computed says why; it is never an error,
//! an infinity or a NaN.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::enums::domain_enum;
use crate::validation::ValidationErrors;
use crate::{CustomerId, UserId};

domain_enum! {
    /// The indicators the procedure lists.
    pub enum Indicator {
        /// 流动比率 (the seed's 流动资产率) = current assets ÷ current liabilities.
        CurrentRatio = ("current_ratio", "流动比率（流动资产率）", "Current ratio"),
        /// 速动比率 = (current assets − inventory) ÷ current liabilities.
        QuickRatio = ("quick_ratio", "速动比率", "Quick ratio"),
        /// 净利润率 = net profit ÷ revenue, in %.
        NetProfitMargin = ("net_profit_margin", "净利润率", "Net profit margin"),
        /// 资产回报率 = net profit ÷ total assets, in %.
        ReturnOnAssets = ("return_on_assets", "资产回报率", "Return on assets"),
        /// 回款周期 = accounts receivable ÷ revenue × days in the period.
        ReceivableDays = ("receivable_days", "回款周期（天）", "Receivable collection period (days)"),
        /// 存货周期 = inventory ÷ cost of goods sold × days in the period.
        InventoryDays = ("inventory_days", "存货周期（天）", "Inventory period (days)"),
    }
}

domain_enum! {
    /// The figures of a period.
    pub enum Figure {
        CurrentAssets = ("current_assets", "流动资产", "Current assets"),
        CurrentLiabilities = ("current_liabilities", "流动负债", "Current liabilities"),
        Revenue = ("revenue", "营业收入", "Revenue"),
        NetProfit = ("net_profit", "净利润", "Net profit"),
        TotalAssets = ("total_assets", "资产总额", "Total assets"),
        AccountsReceivable = ("accounts_receivable", "应收账款", "Accounts receivable"),
        Inventory = ("inventory", "存货", "Inventory"),
        CostOfGoodsSold = ("cost_of_goods_sold", "营业成本", "Cost of goods sold"),
    }
}

/// One period's figures, in yuan (net profit may be negative).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Figures {
    pub current_assets: Option<Decimal>,
    pub current_liabilities: Option<Decimal>,
    pub revenue: Option<Decimal>,
    pub net_profit: Option<Decimal>,
    pub total_assets: Option<Decimal>,
    pub accounts_receivable: Option<Decimal>,
    pub inventory: Option<Decimal>,
    pub cost_of_goods_sold: Option<Decimal>,
}

impl Figures {
    pub fn get(&self, f: Figure) -> Option<Decimal> {
        match f {
            Figure::CurrentAssets => self.current_assets,
            Figure::CurrentLiabilities => self.current_liabilities,
            Figure::Revenue => self.revenue,
            Figure::NetProfit => self.net_profit,
            Figure::TotalAssets => self.total_assets,
            Figure::AccountsReceivable => self.accounts_receivable,
            Figure::Inventory => self.inventory,
            Figure::CostOfGoodsSold => self.cost_of_goods_sold,
        }
    }
}

/// A customer's figures for one period, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FinancialPeriod {
    pub id: uuid::Uuid,
    pub customer_id: CustomerId,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub figures: Figures,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
}

impl FinancialPeriod {
    /// Checks a period: it ends on or after its start, and every figure but
    /// net profit is at least zero, with at most two decimals.
    pub fn new(
        id: uuid::Uuid,
        customer_id: CustomerId,
        period_start: NaiveDate,
        period_end: NaiveDate,
        figures: Figures,
        created_by: UserId,
        now: DateTime<Utc>,
    ) -> Result<FinancialPeriod, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        if period_end < period_start {
            errors.add(
                "period_end",
                "out_of_range",
                "must not be before period_start",
            );
        }
        for f in Figure::ALL {
            let Some(v) = figures.get(*f) else { continue };
            if *f != Figure::NetProfit && v.is_sign_negative() && !v.is_zero() {
                errors.add(f.code(), "out_of_range", "must not be negative");
            }
            if v.normalize().scale() > 2 {
                errors.add(f.code(), "invalid", "must have at most two decimals (fen)");
            }
            if v.abs() > Decimal::from(1_000_000_000_000_000i64) {
                errors.add(f.code(), "out_of_range", "is too large");
            }
        }
        errors.finish(FinancialPeriod {
            id,
            customer_id,
            period_start,
            period_end,
            figures,
            created_by,
            created_at: now,
        })
    }

    /// Days in the period, both ends included.
    pub fn days(&self) -> i64 {
        (self.period_end - self.period_start).num_days() + 1
    }

    /// Every indicator of this period.
    pub fn indicators(&self) -> Vec<IndicatorValue> {
        Indicator::ALL
            .iter()
            .map(|i| compute(*i, &self.figures, self.days()))
            .collect()
    }
}

/// An indicator's value, or why it has none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndicatorValue {
    pub indicator: Indicator,
    pub value: Option<Decimal>,
    /// When there is no value: `missing` (a figure is not given) or `zero_denominator`.
    pub unavailable: Option<Unavailable>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Unavailable {
    Missing { figures: Vec<Figure> },
    ZeroDenominator { figure: Figure },
}

fn compute(indicator: Indicator, f: &Figures, days: i64) -> IndicatorValue {
    use Figure::*;
    let (numerator, denominator, scale): (Vec<Figure>, Figure, Decimal) = match indicator {
        Indicator::CurrentRatio => (vec![CurrentAssets], CurrentLiabilities, Decimal::ONE),
        Indicator::QuickRatio => (
            vec![CurrentAssets, Inventory],
            CurrentLiabilities,
            Decimal::ONE,
        ),
        Indicator::NetProfitMargin => (vec![NetProfit], Revenue, Decimal::ONE_HUNDRED),
        Indicator::ReturnOnAssets => (vec![NetProfit], TotalAssets, Decimal::ONE_HUNDRED),
        Indicator::ReceivableDays => (vec![AccountsReceivable], Revenue, Decimal::from(days)),
        Indicator::InventoryDays => (vec![Inventory], CostOfGoodsSold, Decimal::from(days)),
    };
    let missing: Vec<Figure> = numerator
        .iter()
        .chain(std::iter::once(&denominator))
        .copied()
        .filter(|x| f.get(*x).is_none())
        .collect();
    let none = |unavailable| IndicatorValue {
        indicator,
        value: None,
        unavailable: Some(unavailable),
    };
    if !missing.is_empty() {
        return none(Unavailable::Missing { figures: missing });
    }
    let values: Vec<Decimal> = numerator.iter().filter_map(|x| f.get(*x)).collect();
    let top = match indicator {
        // Quick ratio: current assets less inventory.
        Indicator::QuickRatio => values[0] - values[1],
        _ => values[0],
    };
    let bottom = f.get(denominator).unwrap_or_default();
    if bottom.is_zero() {
        return none(Unavailable::ZeroDenominator {
            figure: denominator,
        });
    }
    // Two decimals, always: 1.40 reads as a ratio, 1.4 does not.
    let mut value = (top / bottom * scale).round_dp(2);
    value.rescale(2);
    IndicatorValue {
        indicator,
        value: Some(value),
        unavailable: None,
    }
}

/// One indicator across periods, oldest first, with the change from the
/// previous period to the latest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndicatorTrend {
    pub indicator: Indicator,
    pub points: Vec<(NaiveDate, Option<Decimal>)>,
    /// Latest − previous, when both have a value.
    pub change: Option<Decimal>,
}

/// The trend of every indicator over the periods (any order in; oldest first out).
pub fn trend(periods: &[FinancialPeriod]) -> Vec<IndicatorTrend> {
    let mut sorted: Vec<&FinancialPeriod> = periods.iter().collect();
    sorted.sort_by_key(|p| (p.period_end, p.period_start));
    Indicator::ALL
        .iter()
        .map(|i| {
            let points: Vec<(NaiveDate, Option<Decimal>)> = sorted
                .iter()
                .map(|p| (p.period_end, compute(*i, &p.figures, p.days()).value))
                .collect();
            let change = match points.as_slice() {
                [.., (_, Some(prev)), (_, Some(last))] => Some(*last - *prev),
                _ => None,
            };
            IndicatorTrend {
                indicator: *i,
                points,
                change,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn date(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn period(start: NaiveDate, end: NaiveDate, figures: Figures) -> FinancialPeriod {
        let ids = |n| Uuid::from_u128(n);
        FinancialPeriod::new(
            ids(1),
            CustomerId::from_uuid(ids(2)),
            start,
            end,
            figures,
            UserId::from_uuid(ids(3)),
            Utc::now(),
        )
        .unwrap()
    }

    fn full() -> Figures {
        Figures {
            current_assets: Some(d("3000000")),
            current_liabilities: Some(d("1500000")),
            revenue: Some(d("12000000")),
            net_profit: Some(d("600000")),
            total_assets: Some(d("8000000")),
            accounts_receivable: Some(d("2000000")),
            inventory: Some(d("900000")),
            cost_of_goods_sold: Some(d("9000000")),
        }
    }

    fn value(p: &FinancialPeriod, i: Indicator) -> IndicatorValue {
        p.indicators()
            .into_iter()
            .find(|v| v.indicator == i)
            .unwrap()
    }

    /// Worked by hand for the year 2025 (365 days):
    /// current 3,000,000/1,500,000 = 2.00; quick (3,000,000−900,000)/1,500,000 = 1.40;
    /// margin 600,000/12,000,000 = 5.00 %; ROA 600,000/8,000,000 = 7.50 %;
    /// receivable days 2,000,000/12,000,000×365 = 60.83; inventory days 900,000/9,000,000×365 = 36.50.
    #[test]
    fn indicators_match_a_hand_worked_example() {
        let p = period(date(2025, 1, 1), date(2025, 12, 31), full());
        assert_eq!(p.days(), 365);
        let expected = [
            (Indicator::CurrentRatio, "2"),
            (Indicator::QuickRatio, "1.4"),
            (Indicator::NetProfitMargin, "5"),
            (Indicator::ReturnOnAssets, "7.5"),
            (Indicator::ReceivableDays, "60.83"),
            (Indicator::InventoryDays, "36.5"),
        ];
        for (i, v) in expected {
            assert_eq!(value(&p, i).value, Some(d(v)), "{i}");
        }
    }

    #[test]
    fn a_missing_figure_and_a_zero_denominator_say_so() {
        let figures = Figures {
            current_liabilities: None,
            revenue: Some(Decimal::ZERO),
            ..full()
        };
        let p = period(date(2025, 1, 1), date(2025, 6, 30), figures);
        assert_eq!(
            value(&p, Indicator::CurrentRatio).unavailable,
            Some(Unavailable::Missing {
                figures: vec![Figure::CurrentLiabilities]
            })
        );
        assert_eq!(
            value(&p, Indicator::NetProfitMargin).unavailable,
            Some(Unavailable::ZeroDenominator {
                figure: Figure::Revenue
            })
        );
        assert_eq!(value(&p, Indicator::ReturnOnAssets).value, Some(d("7.5")));
    }

    #[test]
    fn a_loss_gives_a_negative_margin() {
        let p = period(
            date(2025, 1, 1),
            date(2025, 12, 31),
            Figures {
                net_profit: Some(d("-240000")),
                ..full()
            },
        );
        assert_eq!(value(&p, Indicator::NetProfitMargin).value, Some(d("-2")));
    }

    #[test]
    fn bad_periods_and_figures_are_named() {
        let figures = Figures {
            inventory: Some(d("-1")),
            revenue: Some(d("1.001")),
            ..full()
        };
        let ids = Uuid::from_u128(1);
        let err = FinancialPeriod::new(
            ids,
            CustomerId::from_uuid(ids),
            date(2025, 2, 1),
            date(2025, 1, 1),
            figures,
            UserId::from_uuid(ids),
            Utc::now(),
        )
        .unwrap_err();
        let fields: Vec<_> = err.fields().collect();
        assert_eq!(fields, ["period_end", "revenue", "inventory"]);
    }

    #[test]
    fn the_trend_orders_periods_and_gives_the_latest_change() {
        let older = period(
            date(2024, 1, 1),
            date(2024, 12, 31),
            Figures {
                current_assets: Some(d("2000000")),
                ..full()
            },
        );
        let newer = period(date(2025, 1, 1), date(2025, 12, 31), full());
        let t = trend(&[newer, older]);
        let current = t
            .iter()
            .find(|t| t.indicator == Indicator::CurrentRatio)
            .unwrap();
        assert_eq!(
            current.points.iter().map(|p| p.1).collect::<Vec<_>>(),
            [Some(d("1.33")), Some(d("2"))]
        );
        assert_eq!(current.change, Some(d("0.67")));
    }
}

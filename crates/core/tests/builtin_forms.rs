//! Hand-worked examples for every built-in form except `credit_grade_scoring`
//! (its examples sit next to `FORM_TEMPLATES`). Each expected score is worked
//! out by hand from the form's TOML in `crates/core/templates/forms/`, as the
//! comment above each test shows: the points of every scored item × its
//! weight, the best total (every scored item's best points × weight), and the
//! score = total ÷ best × `max_score`, rounded to 2 decimals. Bands are
//! `[min, max)`: a value equal to a band's `max` belongs to the next band.

use std::collections::BTreeSet;

use rust_decimal::Decimal;
use serde_json::{Map, Value, json};
use tuoke_core::forms::builtin::FORM_TEMPLATES;
use tuoke_core::forms::{
    FormEffect, FormResult, FormTemplate, parse_answers, parse_form_template, score,
};

fn form(file: &str) -> FormTemplate {
    let Some((_, src)) = FORM_TEMPLATES.iter().find(|(f, _)| *f == file) else {
        panic!("{file} is not a built-in form");
    };
    parse_form_template(src).unwrap_or_else(|e| panic!("{file}: {e:?}"))
}

fn d(s: &str) -> Decimal {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        other => panic!("not an object: {other}"),
    }
}

/// `base` with the answers of `changes` put over it.
fn with(mut base: Map<String, Value>, changes: Value) -> Map<String, Value> {
    base.extend(object(changes));
    base
}

/// `base` with the answer to `key` left out.
fn without(mut base: Map<String, Value>, key: &str) -> Map<String, Value> {
    assert!(base.remove(key).is_some(), "{key} was not answered");
    base
}

fn fill(f: &FormTemplate, raw: &Map<String, Value>) -> FormResult {
    let answers = parse_answers(f, raw).unwrap_or_else(|e| panic!("{}: {e}", f.key()));
    score(f, &answers)
}

/// The fields `parse_answers` names for `raw`.
fn bad_fields(f: &FormTemplate, raw: &Map<String, Value>) -> BTreeSet<String> {
    match parse_answers(f, raw) {
        Ok(_) => panic!("{}: the answers were accepted", f.key()),
        Err(e) => e.fields().map(str::to_owned).collect(),
    }
}

fn fields(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

fn weighted(r: &FormResult, item: &str) -> Option<Decimal> {
    r.items
        .iter()
        .find(|i| i.item == item)
        .unwrap_or_else(|| panic!("no item {item}"))
        .weighted
}

fn value(r: &FormResult, item: &str) -> Option<Decimal> {
    r.items
        .iter()
        .find(|i| i.item == item)
        .unwrap_or_else(|| panic!("no item {item}"))
        .value
}

fn assert_result(r: &FormResult, score: &str, grade: &str, capped: bool, red_flags: &[&str]) {
    assert_eq!(r.score, d(score), "score");
    assert_eq!(r.max_score, d("100"), "max_score");
    assert_eq!(r.grade.as_deref(), Some(grade), "grade");
    assert_eq!(r.capped, capped, "capped");
    assert_eq!(r.red_flags, red_flags, "red flags");
}

// ───────────────────────── prospect_qualification (F-02) ─────────────────────────
//
// Scored items (points × weight, best in brackets): years_in_business bands
// 3/6/8/10 ×1 [10]; scale 10/8/5/2 ×1 [10]; business_situation 10/7/3/0 ×1 [10];
// latent_need yes 10 / no 0 ×2 [20]; need_strength 10/6/2/0 ×2 [20];
// change_reason 10/10/8/6/0 ×1 [10]; urgency 10/6/2 ×1 [10]; deal_opportunity
// yes 10 / no 0 ×3 [30]; decision: a choice, every option 0 [0].
// Best = 10+10+10+20+20+10+10+30+0 = 120. Grades: qualify ≥ 70, maybe ≥ 45,
// reject ≥ 0; a red flag (latent_need no, deal_opportunity no, decision
// terminate) caps the grade at reject.

fn prospect() -> Map<String, Value> {
    object(json!({
        "years_in_business": 7, "scale": "medium", "business_situation": "stable",
        "profile_and_plan": "汽车零部件二级供应商，现有供应商交期不稳定",
        "latent_need": true, "need_strength": "moderate", "change_reason": "cost", "urgency": "this_year",
        "deal_opportunity": true, "decision": "proceed", "judged_by": "王经理", "judged_on": "2026-03-02"
    }))
}

/// years 7 ∈ [5,10) → 8; medium 8; stable 7; latent need yes 10×2 = 20;
/// moderate 6×2 = 12; cost 8; this_year 6; deal yes 10×3 = 30; proceed 0.
/// Total 8+8+7+20+12+8+6+30+0 = 99 → 99/120×100 = 82.50 ≥ 70 → qualify.
#[test]
fn a_prospect_with_need_and_opportunity_qualifies() {
    let f = form("prospect_qualification.toml");
    let r = fill(&f, &prospect());
    assert_result(&r, "82.50", "qualify", false, &[]);
    assert_eq!(weighted(&r, "years_in_business"), Some(d("8")));
    assert_eq!(weighted(&r, "deal_opportunity"), Some(d("30")));
    assert_eq!(weighted(&r, "decision"), Some(d("0")));
}

/// years 10 is the `min` of the band [10, ∞) → 10 (not 8); small 5; declining 3;
/// latent need yes 20; weak 2×2 = 4; diversify 6; this_year 6; deal yes 30;
/// pending 0. Total 10+5+3+20+4+6+6+30 = 84 → 84/120×100 = 70.00, exactly the
/// `min` of qualify. One step down, years 9.99 ∈ [5,10) → 8: total 82 →
/// 82/120×100 = 68.333… → 68.33 → maybe.
#[test]
fn a_prospect_scoring_exactly_seventy_qualifies_and_just_below_is_pending() {
    let f = form("prospect_qualification.toml");
    let edge = with(
        prospect(),
        json!({"years_in_business": 10, "scale": "small", "business_situation": "declining",
               "need_strength": "weak", "change_reason": "diversify", "decision": "pending"}),
    );
    let r = fill(&f, &edge);
    assert_eq!(weighted(&r, "years_in_business"), Some(d("10")));
    assert_result(&r, "70.00", "qualify", false, &[]);

    let r = fill(&f, &with(edge, json!({"years_in_business": "9.99"})));
    assert_eq!(weighted(&r, "years_in_business"), Some(d("8")));
    assert_result(&r, "68.33", "maybe", false, &[]);
}

/// Every best answer but no deal opportunity: 10+10+10+20+20+10+10+0 = 90 →
/// 90/120×100 = 75.00 → qualify uncapped; deal_opportunity = no is a red flag,
/// so the grade is capped at reject.
#[test]
fn a_prospect_without_a_deal_opportunity_is_rejected_despite_a_qualifying_score() {
    let f = form("prospect_qualification.toml");
    let raw = with(
        prospect(),
        json!({"years_in_business": 12, "scale": "large", "business_situation": "growing",
               "need_strength": "strong", "change_reason": "dissatisfied", "urgency": "urgent",
               "deal_opportunity": false, "decision": "pending"}),
    );
    let r = fill(&f, &raw);
    assert_result(&r, "75.00", "reject", true, &["deal_opportunity"]);
}

/// The typical answers (82.50, qualify) with the decision `terminate`: the
/// decision scores 0 either way, so the score stays 82.50, but it is a red flag
/// and the grade is capped at reject.
#[test]
fn a_prospect_the_judge_terminates_is_rejected_whatever_it_scores() {
    let f = form("prospect_qualification.toml");
    let r = fill(&f, &with(prospect(), json!({"decision": "terminate"})));
    assert_result(&r, "82.50", "reject", true, &["decision"]);
}

#[test]
fn a_prospect_form_without_the_judge_names_answers_judged_by() {
    let f = form("prospect_qualification.toml");
    assert_eq!(
        bad_fields(&f, &without(prospect(), "judged_by")),
        fields(&["answers.judged_by"])
    );
}

// ───────────────────────── credit_standing (F-03) ─────────────────────────
//
// Scored items: credit_grade AAA 10 / AA 9 / A 7 / B 4 / C 0 ×1 [10];
// limit_usage = current_receivables ÷ credit_limit, bands <0.8 → 10,
// [0.8,1) → 6, ≥1 → 0 (red flag), ×2 [20]; overdue_days bands [0,1) 10,
// [1,30) 7, [30,60) 4, [60,90) 1, ≥90 0 (red flag), ×3 [30]; payment_history
// 10/6/2/0 (bad_debt, red flag) ×2 [20]. credit_limit, payment_terms,
// current_receivables and overdue_amount have no bands and do not score.
// Best = 10+20+30+20 = 80. Grades: normal ≥ 80, watch ≥ 55, danger ≥ 0; a red
// flag caps the grade at watch.

fn standing() -> Map<String, Value> {
    object(json!({
        "credit_grade": "AA", "credit_limit": 100, "payment_terms": 60, "last_review_date": "2026-01-15",
        "current_receivables": 50, "overdue_amount": 0, "overdue_days": 0, "payment_history": "sometimes_late"
    }))
}

/// AA 9; limit_usage 50/100 = 0.5 < 0.8 → 10×2 = 20; overdue 0 days → 10×3 = 30;
/// sometimes_late 6×2 = 12. Total 9+20+30+12 = 71 → 71/80×100 = 88.75 → normal.
#[test]
fn a_customer_paying_within_its_limit_and_on_time_stands_normal() {
    let f = form("credit_standing.toml");
    let r = fill(&f, &standing());
    assert_result(&r, "88.75", "normal", false, &[]);
    assert_eq!(
        (value(&r, "limit_usage"), weighted(&r, "limit_usage")),
        (Some(d("0.5")), Some(d("20")))
    );
}

/// limit_usage 80/100 = 0.8 is the `max` of the band below 0.8, so it falls in
/// [0.8, 1) → 6×2 = 12. With AAA 10, 0 days overdue 30 and sometimes_late 12:
/// 10+12+30+12 = 64 → 64/80×100 = 80.00, exactly the `min` of normal. A single
/// day overdue is in [1, 30) → 7×3 = 21: 10+12+21+12 = 55 → 68.75 → watch.
#[test]
fn a_limit_used_to_exactly_eighty_percent_scores_six_and_lands_on_normal() {
    let f = form("credit_standing.toml");
    let edge = with(
        standing(),
        json!({"credit_grade": "AAA", "current_receivables": 80}),
    );
    let r = fill(&f, &edge);
    assert_eq!(
        (value(&r, "limit_usage"), weighted(&r, "limit_usage")),
        (Some(d("0.8")), Some(d("12")))
    );
    assert_result(&r, "80.00", "normal", false, &[]);

    let r = fill(&f, &with(edge, json!({"overdue_days": 1})));
    assert_eq!(weighted(&r, "overdue_days"), Some(d("21")));
    assert_result(&r, "68.75", "watch", false, &[]);
}

/// Every red flag costs at least 20 of the 80 points, so a red-flagged customer
/// scores at most 60/80 = 75.00 < 80 and is never better than watch: the cap
/// cannot bind. The best answers with one red flag each:
/// - a bad debt: AAA 10 + usage 0.5 → 20 + 0 days 30 + bad_debt 0 = 60 → 75.00 watch;
/// - receivables at exactly the limit, 100/100 = 1 ∈ [1, ∞) → 0, red flag:
///   10 + 0 + 30 + on_time 20 = 60 → 75.00 watch;
/// - exactly 90 days overdue ∈ [90, ∞) → 0, red flag: 10 + 20 + 0 + 20 = 50 → 62.50 watch.
#[test]
fn a_red_flag_on_credit_standing_never_scores_above_watch_so_the_cap_never_binds() {
    let f = form("credit_standing.toml");
    let best = with(
        standing(),
        json!({"credit_grade": "AAA", "payment_history": "on_time"}),
    );

    let r = fill(
        &f,
        &with(best.clone(), json!({"payment_history": "bad_debt"})),
    );
    assert_result(&r, "75.00", "watch", false, &["payment_history"]);

    let r = fill(&f, &with(best.clone(), json!({"current_receivables": 100})));
    assert_eq!(value(&r, "limit_usage"), Some(d("1")));
    assert_result(&r, "75.00", "watch", false, &["limit_usage"]);

    let r = fill(&f, &with(best, json!({"overdue_days": 90})));
    assert_result(&r, "62.50", "watch", false, &["overdue_days"]);
}

/// C 0; usage 120/100 = 1.2 → 0 (red flag); 95 days → 0 (red flag); often_late
/// 2×2 = 4. Total 4 → 4/80×100 = 5.00 → danger: the cap lowers, never raises.
#[test]
fn a_red_flagged_customer_in_danger_stays_in_danger() {
    let f = form("credit_standing.toml");
    let raw = with(
        standing(),
        json!({"credit_grade": "C", "current_receivables": 120, "overdue_days": 95, "payment_history": "often_late"}),
    );
    let r = fill(&f, &raw);
    assert_result(
        &r,
        "5.00",
        "danger",
        false,
        &["limit_usage", "overdue_days"],
    );
}

/// A credit limit of 0 leaves limit_usage without a value and without points:
/// 9 + 30 + 12 = 51 → 51/80×100 = 63.75 → watch.
#[test]
fn a_zero_credit_limit_gives_the_limit_usage_no_points() {
    let f = form("credit_standing.toml");
    let r = fill(&f, &with(standing(), json!({"credit_limit": 0})));
    assert_eq!(
        (value(&r, "limit_usage"), weighted(&r, "limit_usage")),
        (None, None)
    );
    assert_result(&r, "63.75", "watch", false, &[]);
}

#[test]
fn a_credit_standing_form_without_the_overdue_days_names_answers_overdue_days() {
    let f = form("credit_standing.toml");
    assert_eq!(
        bad_fields(&f, &without(standing(), "overdue_days")),
        fields(&["answers.overdue_days"])
    );
}

// ───────────────────────── market_penetration (F-06) ─────────────────────────
//
// Scored items: potential_demand 10/6/2/0 (none, red flag) ×3 [30];
// market_growth 10/6/0 ×1 [10]; competitors 10/6/2 ×2 [20]; channels 10/5/1 ×2
// [20]; our_strengths 10/5/0 ×2 [20]; investment 10/6/2 ×1 [10];
// expected_annual_sales has no bands. Best = 30+10+20+20+20+10 = 110. Grades:
// penetrate ≥ 75, consider ≥ 50, do_not ≥ 0; a red flag caps at do_not.
// Every weighted option is even (30/18/6/0, 10/6/0, 20/12/4, 20/10/2, 20/10/0,
// 10/6/2), so the total is even: 75 (a total of 82.5) and 50 (55) can never be
// scored exactly.

fn market() -> Map<String, Value> {
    object(json!({
        "target_market": "华东地区汽配市场", "potential_demand": "medium", "market_growth": "growing",
        "competitors": "moderate", "channels": "partial", "our_strengths": "equal", "investment": "medium",
        "expected_annual_sales": 300, "judged_by": "李总监", "judged_on": "2026-04-10"
    }))
}

/// medium 6×3 = 18; growing 10; moderate 6×2 = 12; partial 5×2 = 10; equal
/// 5×2 = 10; medium investment 6. Total 18+10+12+10+10+6 = 66 → 66/110×100 = 60.00
/// → consider.
#[test]
fn a_market_with_medium_demand_and_equal_strengths_is_worth_considering() {
    let f = form("market_penetration.toml");
    let r = fill(&f, &market());
    assert_result(&r, "60.00", "consider", false, &[]);
    assert_eq!(weighted(&r, "expected_annual_sales"), None);
}

/// The two totals nearest the penetrate line (75 = 82.5 of 110):
/// large 30 + growing 10 + moderate 12 + partial 10 + equal 10 + low investment 10
/// = 82 → 74.5454… → 74.55 → consider; clear strengths 20 and high investment 2
/// instead: 30+10+12+10+20+2 = 84 → 76.3636… → 76.36 → penetrate.
#[test]
fn a_market_just_below_seventy_five_is_considered_and_just_above_is_penetrated() {
    let f = form("market_penetration.toml");
    let below = with(
        market(),
        json!({"potential_demand": "large", "investment": "low"}),
    );
    assert_result(&fill(&f, &below), "74.55", "consider", false, &[]);
    let above = with(
        below,
        json!({"our_strengths": "clear", "investment": "high"}),
    );
    assert_result(&fill(&f, &above), "76.36", "penetrate", false, &[]);
}

/// No demand 0 (red flag) and every other best answer: 0+10+20+20+20+10 = 80 →
/// 80/110×100 = 72.7272… → 72.73 → consider uncapped, capped to do_not.
#[test]
fn a_market_without_demand_is_not_penetrated_however_good_the_rest() {
    let f = form("market_penetration.toml");
    let raw = with(
        market(),
        json!({"potential_demand": "none", "competitors": "few", "channels": "ready",
               "our_strengths": "clear", "investment": "low"}),
    );
    assert_result(
        &fill(&f, &raw),
        "72.73",
        "do_not",
        true,
        &["potential_demand"],
    );
}

#[test]
fn a_market_form_without_the_target_market_names_answers_target_market() {
    let f = form("market_penetration.toml");
    assert_eq!(
        bad_fields(&f, &without(market(), "target_market")),
        fields(&["answers.target_market"])
    );
}

// ───────────────────────── key_customer_promotion (F-18) ─────────────────────────
//
// Scored items: monthly_purchase bands [0,1) 1, [1,3) 4, [3,5) 7, ≥5 10, ×3 [30];
// purchase_growth <0 0, [0,10) 4, [10,30) 7, ≥30 10, ×2 [20]; gross_margin <10 2,
// [10,20) 5, [20,30) 8, ≥30 10, ×2 [20]; credit_grade 10/9/7/3/0 (C, red flag)
// ×2 [20]; potential 10/6/2 ×3 [30]; strategic_value 10/6/2 ×2 [20];
// relationship 10/6/2 ×1 [10]. Best = 30+20+20+20+30+20+10 = 150. Grades:
// promote ≥ 75, watch ≥ 55, keep ≥ 0; a red flag caps at watch. The effect is
// tier_promotion, triggered by `promote`. Every weighted points value is an
// integer, so 75 (112.5 of 150) and 55 (82.5) can never be scored exactly.

fn promotion() -> Map<String, Value> {
    object(json!({
        "monthly_purchase": 6, "purchase_growth": 15, "gross_margin": 25, "credit_grade": "AA",
        "potential": "high", "strategic_value": "notable", "relationship": "close",
        "upgrade_plan": "指派大客户经理，季度拜访", "evaluator": "张主管", "evaluated_on": "2026-05-20"
    }))
}

/// 6 ≥ 5 → 10×3 = 30; growth 15 ∈ [10,30) → 7×2 = 14; margin 25 ∈ [20,30) →
/// 8×2 = 16; AA 9×2 = 18; high 10×3 = 30; notable 6×2 = 12; close 10.
/// Total 30+14+16+18+30+12+10 = 130 → 130/150×100 = 86.666… → 86.67 → promote,
/// which triggers the tier_promotion effect.
#[test]
fn a_growing_profitable_customer_with_high_potential_is_promoted() {
    let f = form("key_customer_promotion.toml");
    assert_eq!(f.effect, Some(FormEffect::TierPromotion));
    assert_eq!(f.effect_grades, ["promote"]);
    let r = fill(&f, &promotion());
    assert_result(&r, "86.67", "promote", false, &[]);
    assert!(
        f.effect_grades
            .iter()
            .any(|g| Some(g.as_str()) == r.grade.as_deref())
    );
}

/// Three numbers exactly on a band's `min`: monthly 5 → [5, ∞) → 10×3 = 30;
/// growth 10 → [10,30) → 7×2 = 14; margin 20 → [20,30) → 8×2 = 16. With A 7×2 = 14,
/// medium potential 6×3 = 18, notable 12 and close 10: 30+14+16+14+18+12+10 = 114
/// → 76.00 → promote. Monthly 4.99 ∈ [3,5) → 7×3 = 21: 105 → 70.00 → watch,
/// which does not trigger the effect.
#[test]
fn five_ten_thousand_yuan_a_month_earns_the_top_band_and_the_promotion() {
    let f = form("key_customer_promotion.toml");
    let edge = with(
        promotion(),
        json!({"monthly_purchase": 5, "purchase_growth": 10, "gross_margin": 20,
               "credit_grade": "A", "potential": "medium"}),
    );
    let r = fill(&f, &edge);
    assert_eq!(weighted(&r, "monthly_purchase"), Some(d("30")));
    assert_eq!(weighted(&r, "purchase_growth"), Some(d("14")));
    assert_eq!(weighted(&r, "gross_margin"), Some(d("16")));
    assert_result(&r, "76.00", "promote", false, &[]);

    let r = fill(&f, &with(edge, json!({"monthly_purchase": "4.99"})));
    assert_eq!(weighted(&r, "monthly_purchase"), Some(d("21")));
    assert_result(&r, "70.00", "watch", false, &[]);
    assert!(
        !f.effect_grades
            .iter()
            .any(|g| Some(g.as_str()) == r.grade.as_deref())
    );
}

/// Every best answer but a C credit grade (0, red flag): 30+20+20+0+30+20+10 =
/// 130 → 86.67 → promote uncapped, capped to watch: no promotion.
#[test]
fn a_customer_with_a_c_credit_grade_is_only_watched_not_promoted() {
    let f = form("key_customer_promotion.toml");
    let raw = with(
        promotion(),
        json!({"monthly_purchase": 8, "purchase_growth": 35, "gross_margin": 30,
               "credit_grade": "C", "strategic_value": "leader"}),
    );
    let r = fill(&f, &raw);
    assert_result(&r, "86.67", "watch", true, &["credit_grade"]);
    assert!(
        !f.effect_grades
            .iter()
            .any(|g| Some(g.as_str()) == r.grade.as_deref())
    );
}

#[test]
fn a_promotion_form_without_the_monthly_purchase_names_answers_monthly_purchase() {
    let f = form("key_customer_promotion.toml");
    assert_eq!(
        bad_fields(&f, &without(promotion(), "monthly_purchase")),
        fields(&["answers.monthly_purchase"])
    );
}

// ───────────────────────── problem_customer_check (F-19) ─────────────────────────
//
// Ten required checks, each scoring its points on “no” and 0 on “yes”, weight 1:
// late_payment 15, long_overdue 20 (red flag), bounced_payment 15 (red flag),
// credit_warning 15 (red flag), asks_looser_terms 5, falling_orders 10,
// switching_to_competitor 10, complaints 10, disputes 15 (red flag),
// contact_changes 5. Best = 15+20+15+15+5+10+10+10+15+5 = 120. Grades:
// normal ≥ 90, attention ≥ 60, problem ≥ 0; a red flag caps at attention. The
// effect is problem_customer, triggered by `problem`. Every check is a multiple
// of 5, so 90 (108 of 120) and 60 (72) can never be scored exactly.

fn problems() -> Map<String, Value> {
    object(json!({
        "late_payment": true, "long_overdue": false, "bounced_payment": false, "credit_warning": false,
        "asks_looser_terms": true, "falling_orders": true, "switching_to_competitor": false,
        "complaints": false, "disputes": false, "contact_changes": false,
        "action": "催收逾期货款，暂缓新增赊销", "responsible": "赵会计", "checked_on": "2026-06-30"
    }))
}

/// Late payment, looser terms and falling orders cost 15+5+10 = 30:
/// 120 − 30 = 90 → 90/120×100 = 75.00 → attention; no red flag.
#[test]
fn a_late_paying_customer_with_falling_orders_needs_attention() {
    let f = form("problem_customer_check.toml");
    assert_result(&fill(&f, &problems()), "75.00", "attention", false, &[]);
}

/// Late payment, falling orders, switching, complaints and contact changes cost
/// 15+10+10+10+5 = 50: 70 → 70/120×100 = 58.333… → 58.33 < 60 → problem, which
/// triggers the problem_customer effect. One problem fewer (contact changes,
/// 5): 75 → 62.50 → attention.
#[test]
fn a_customer_with_five_problem_signs_is_a_problem_customer() {
    let f = form("problem_customer_check.toml");
    assert_eq!(f.effect, Some(FormEffect::ProblemCustomer));
    assert_eq!(f.effect_grades, ["problem"]);
    let raw = with(
        problems(),
        json!({"asks_looser_terms": false, "switching_to_competitor": true, "complaints": true, "contact_changes": true}),
    );
    let r = fill(&f, &raw);
    assert_result(&r, "58.33", "problem", false, &[]);
    assert!(
        f.effect_grades
            .iter()
            .any(|g| Some(g.as_str()) == r.grade.as_deref())
    );

    let r = fill(&f, &with(raw, json!({"contact_changes": false})));
    assert_result(&r, "62.50", "attention", false, &[]);
}

/// Around the normal line (108 of 120): falling orders alone cost 10 → 110 →
/// 91.666… → 91.67 → normal; late payment alone costs 15 → 105 → 87.50 → attention.
#[test]
fn a_single_ten_point_sign_stays_normal_but_a_fifteen_point_one_needs_attention() {
    let f = form("problem_customer_check.toml");
    let clean = with(
        problems(),
        json!({"late_payment": false, "asks_looser_terms": false, "falling_orders": false}),
    );
    assert_result(&fill(&f, &clean), "100.00", "normal", false, &[]);
    let r = fill(&f, &with(clean.clone(), json!({"falling_orders": true})));
    assert_result(&r, "91.67", "normal", false, &[]);
    let r = fill(&f, &with(clean, json!({"late_payment": true})));
    assert_result(&r, "87.50", "attention", false, &[]);
}

/// Every red-flag check is worth at least 15, so a red-flagged customer scores
/// at most 105 → 87.50 < 90 and is never better than attention: the cap cannot
/// bind. Bounced payment alone: 105 → 87.50 → attention, not capped.
/// Long overdue 20 + disputes 15 + late payment 15 + falling orders 10 = 60 lost:
/// 60 → 50.00 → problem, two red flags, the cap does not raise it.
#[test]
fn a_red_flag_on_the_problem_check_never_scores_above_attention_so_the_cap_never_binds() {
    let f = form("problem_customer_check.toml");
    let clean = with(
        problems(),
        json!({"late_payment": false, "asks_looser_terms": false, "falling_orders": false}),
    );
    let r = fill(&f, &with(clean.clone(), json!({"bounced_payment": true})));
    assert_result(&r, "87.50", "attention", false, &["bounced_payment"]);

    let raw = with(
        clean,
        json!({"long_overdue": true, "disputes": true, "late_payment": true, "falling_orders": true}),
    );
    let r = fill(&f, &raw);
    assert_result(&r, "50.00", "problem", false, &["long_overdue", "disputes"]);
}

#[test]
fn a_problem_check_without_the_disputes_answer_names_answers_disputes() {
    let f = form("problem_customer_check.toml");
    assert_eq!(
        bad_fields(&f, &without(problems(), "disputes")),
        fields(&["answers.disputes"])
    );
}

// ───────────────────────── credit_investigation (F-26) ─────────────────────────
//
// Scored items: registered_capital [0,100) 2, [100,500) 5, [500,5000) 8, ≥5000 10,
// ×1 [10]; ownership 10/9/7/5/2 ×1 [10]; employees [0,20) 2, [20,100) 5,
// [100,500) 8, ≥500 10, ×1 [10]; annual_revenue [0,500) 2, [500,2000) 5,
// [2000,10000) 8, ≥10000 10, ×2 [20]; current_ratio = current_assets ÷
// current_liabilities, <1 0 (red flag), [1,1.5) 5, [1.5,2) 8, ≥2 10, ×2 [20];
// payment_record 10/6/2/0 (defaulted, red flag) ×3 [30]; references 10/5/0
// (poor, red flag) ×1 [10]. current_assets, current_liabilities and
// suggested_credit_limit have no bands. Best = 10+10+10+20+20+30+10 = 110.
// Grades: AAA ≥ 90, AA ≥ 80, A ≥ 70, B ≥ 60, C ≥ 0; a red flag caps at B.

fn investigation() -> Map<String, Value> {
    object(json!({
        "registered_name": "苏州某精密机械有限公司", "registered_capital": 800, "established_on": "2012-08-01",
        "legal_representative": "陈某", "ownership": "large_private", "employees": 150, "annual_revenue": 3000,
        "banks": "工商银行苏州分行", "current_assets": 300, "current_liabilities": 200,
        "payment_record": "sometimes_late", "references": "good",
        "investigator_conclusion": "经营稳定，偶有延迟付款", "suggested_credit_limit": 50
    }))
}

/// capital 800 ∈ [500,5000) → 8; large_private 7; 150 employees ∈ [100,500) → 8;
/// revenue 3000 ∈ [2000,10000) → 8×2 = 16; ratio 300/200 = 1.5 ∈ [1.5,2) → 8×2 = 16;
/// sometimes_late 6×3 = 18; good references 10.
/// Total 8+7+8+16+16+18+10 = 83 → 83/110×100 = 75.4545… → 75.45 → A.
#[test]
fn a_stable_private_company_that_sometimes_pays_late_investigates_as_a() {
    let f = form("credit_investigation.toml");
    assert_eq!(f.effect, None);
    let r = fill(&f, &investigation());
    assert_result(&r, "75.45", "A", false, &[]);
    assert_eq!(
        (value(&r, "current_ratio"), weighted(&r, "current_ratio")),
        (Some(d("1.5")), Some(d("16")))
    );
}

/// Numbers on a band's `min`: capital 100 → [100,500) → 5; 20 employees →
/// [20,100) → 5; revenue 10000 → [10000, ∞) → 10×2 = 20; ratio 150/100 = 1.5 →
/// [1.5,2) → 16. With individual 2, on_time 10×3 = 30, good 10:
/// 5+2+5+20+16+30+10 = 88 → 88/110×100 = 80.00, exactly the `min` of AA.
/// Capital 99.99 ∈ [0,100) → 2: 85 → 77.2727… → 77.27 → A.
#[test]
fn an_investigation_scoring_exactly_eighty_is_aa_and_a_cent_less_capital_makes_it_a() {
    let f = form("credit_investigation.toml");
    let edge = with(
        investigation(),
        json!({"registered_capital": 100, "ownership": "individual", "employees": 20, "annual_revenue": 10000,
               "current_assets": 150, "current_liabilities": 100, "payment_record": "on_time"}),
    );
    let r = fill(&f, &edge);
    assert_eq!(weighted(&r, "registered_capital"), Some(d("5")));
    assert_eq!(weighted(&r, "employees"), Some(d("5")));
    assert_eq!(weighted(&r, "annual_revenue"), Some(d("20")));
    assert_result(&r, "80.00", "AA", false, &[]);

    let r = fill(&f, &with(edge, json!({"registered_capital": "99.99"})));
    assert_eq!(weighted(&r, "registered_capital"), Some(d("2")));
    assert_result(&r, "77.27", "A", false, &[]);
}

/// Best answers (capital 6000 → 10, state_or_listed 10, 600 employees → 10,
/// revenue 12000 → 20, on_time 30, good 10 = 90) with a current ratio of
/// 100/100 = 1: the `min` of [1,1.5) → 5×2 = 10, no red flag: 100 → 90.9090… →
/// 90.91 → AAA. Current assets 99 make it 0.99 < 1 → 0 and a red flag: 90 →
/// 81.8181… → 81.82 → AA uncapped, capped to B.
#[test]
fn a_current_ratio_below_one_caps_an_otherwise_strong_company_at_b() {
    let f = form("credit_investigation.toml");
    let strong = with(
        investigation(),
        json!({"registered_capital": 6000, "ownership": "state_or_listed", "employees": 600, "annual_revenue": 12000,
               "current_assets": 100, "current_liabilities": 100, "payment_record": "on_time"}),
    );
    let r = fill(&f, &strong);
    assert_eq!(
        (value(&r, "current_ratio"), weighted(&r, "current_ratio")),
        (Some(d("1")), Some(d("10")))
    );
    assert_result(&r, "90.91", "AAA", false, &[]);

    let r = fill(&f, &with(strong, json!({"current_assets": 99})));
    assert_eq!(
        (value(&r, "current_ratio"), weighted(&r, "current_ratio")),
        (Some(d("0.99")), Some(d("0")))
    );
    assert_result(&r, "81.82", "B", true, &["current_ratio"]);
}

/// Without the (optional) current assets the ratio has no value and no points:
/// 83 − 16 = 67 → 67/110×100 = 60.9090… → 60.91 → B.
#[test]
fn an_investigation_without_current_assets_gives_the_current_ratio_no_points() {
    let f = form("credit_investigation.toml");
    let r = fill(&f, &without(investigation(), "current_assets"));
    assert_eq!(
        (value(&r, "current_ratio"), weighted(&r, "current_ratio")),
        (None, None)
    );
    assert_result(&r, "60.91", "B", false, &[]);
}

#[test]
fn an_investigation_without_the_banks_names_answers_banks() {
    let f = form("credit_investigation.toml");
    assert_eq!(
        bad_fields(&f, &without(investigation(), "banks")),
        fields(&["answers.banks"])
    );
}

// ───────────────────────── credit_status_check (F-27) ─────────────────────────
//
// Scored items: current_grade 10/9/7/4/0 ×1 [10]; grade_still_valid yes 10 / no 0
// ×2 [20]; within_limit yes 10 / no 0 (red flag) ×2 [20];
// months_since_last_check [0,6) 10, [6,12) 5, ≥12 0, ×1 [10]; receivables_trend
// 10/7/2 ×1 [10]; overdue_days [0,1) 10, [1,30) 7, [30,60) 4, [60,90) 1, ≥90 0
// (red flag), ×3 [30]; new_adverse_records yes 0 (red flag) / no 10 ×2 [20];
// action: a choice, every option 0 [0]. receivables and overdue_amount have no
// bands. Best = 10+20+20+10+10+30+20+0 = 120. Grades: ok ≥ 80, review ≥ 55,
// act ≥ 0; a red flag caps at review.

fn status() -> Map<String, Value> {
    object(json!({
        "current_grade": "AA", "grade_still_valid": true, "within_limit": true, "months_since_last_check": 8,
        "receivables": 40, "receivables_trend": "up_with_sales", "overdue_amount": 2, "overdue_days": 15,
        "new_adverse_records": false, "action": "maintain", "checked_on": "2026-07-01"
    }))
}

/// AA 9; still valid 10×2 = 20; within limit 10×2 = 20; 8 months ∈ [6,12) → 5;
/// up_with_sales 7; 15 days ∈ [1,30) → 7×3 = 21; no adverse records 10×2 = 20;
/// maintain 0. Total 9+20+20+5+7+21+20 = 102 → 102/120×100 = 85.00 → ok.
#[test]
fn a_customer_within_its_limit_and_a_little_late_checks_ok() {
    let f = form("credit_status_check.toml");
    assert_result(&fill(&f, &status()), "85.00", "ok", false, &[]);
}

/// 6 months is the `max` of [0,6), so it falls in [6,12) → 5; 30 days is the `max`
/// of [1,30), so it falls in [30,60) → 4×3 = 12. With AA 9, valid 20, within 20,
/// down_or_stable 10 and no adverse records 20: 9+20+20+5+10+12+20 = 96 →
/// 96/120×100 = 80.00, exactly the `min` of ok. At 12 months ([12, ∞) → 0):
/// 91 → 75.8333… → 75.83 → review.
#[test]
fn a_check_scoring_exactly_eighty_is_ok_and_a_year_without_a_check_needs_review() {
    let f = form("credit_status_check.toml");
    let edge = with(
        status(),
        json!({"months_since_last_check": 6, "receivables_trend": "down_or_stable", "overdue_days": 30}),
    );
    let r = fill(&f, &edge);
    assert_eq!(weighted(&r, "months_since_last_check"), Some(d("5")));
    assert_eq!(weighted(&r, "overdue_days"), Some(d("12")));
    assert_result(&r, "80.00", "ok", false, &[]);

    let r = fill(&f, &with(edge, json!({"months_since_last_check": 12})));
    assert_eq!(weighted(&r, "months_since_last_check"), Some(d("0")));
    assert_result(&r, "75.83", "review", false, &[]);
}

/// AAA 10, valid 20, receivables over the limit 0 (red flag), 3 months 10,
/// down_or_stable 10, 0 days 30, no adverse records 20: 100 → 83.333… → 83.33 →
/// ok uncapped, capped to review.
#[test]
fn receivables_over_the_limit_send_a_well_scoring_customer_to_review() {
    let f = form("credit_status_check.toml");
    let raw = with(
        status(),
        json!({"current_grade": "AAA", "within_limit": false, "months_since_last_check": 3,
               "receivables_trend": "down_or_stable", "overdue_days": 0}),
    );
    assert_result(&fill(&f, &raw), "83.33", "review", true, &["within_limit"]);
}

#[test]
fn a_status_check_without_the_date_names_answers_checked_on() {
    let f = form("credit_status_check.toml");
    assert_eq!(
        bad_fields(&f, &without(status(), "checked_on")),
        fields(&["answers.checked_on"])
    );
}

// ───────────────────────── risky_company_check (F-28) ─────────────────────────
//
// Eleven required checks, each scoring its points on “no”, 0 and a red flag on
// “yes”, weight 1: payment_delays 10, bounced_payments 15, bank_changes 8,
// dumping_stock 10, staff_changes 8, management_turmoil 12, owner_unreachable 8,
// orders_fall 10, sudden_large_orders 10, lawsuits 15, abnormal_records 12.
// Best = 10+15+8+10+8+12+8+10+10+15+12 = 118. Grades: safe ≥ 90, caution ≥ 75,
// risky ≥ 0; a red flag caps at caution. The score is total × 100/118, a whole
// number only for a total of 0, 59 or 118, so neither 90 nor 75 can be scored
// exactly.

fn risky() -> Map<String, Value> {
    object(json!({
        "payment_delays": true, "bounced_payments": false, "bank_changes": false, "dumping_stock": false,
        "staff_changes": false, "management_turmoil": false, "owner_unreachable": false, "orders_fall": true,
        "sudden_large_orders": false, "lawsuits": false, "abnormal_records": false,
        "action": "缩短账期，加强催收", "checked_on": "2026-08-15"
    }))
}

fn risky_none() -> Map<String, Value> {
    with(
        risky(),
        json!({"payment_delays": false, "orders_fall": false}),
    )
}

/// Payment delays 10 and falling orders 10 lost: 98 → 98/118×100 = 83.0508… →
/// 83.05 → caution; both are red flags, but caution is no better than the cap.
/// No sign at all: 118 → 100.00 → safe.
#[test]
fn a_company_delaying_payment_with_falling_orders_calls_for_caution() {
    let f = form("risky_company_check.toml");
    assert_result(
        &fill(&f, &risky()),
        "83.05",
        "caution",
        false,
        &["payment_delays", "orders_fall"],
    );
    assert_result(&fill(&f, &risky_none()), "100.00", "safe", false, &[]);
}

/// Around the caution line (88.5 of 118): bank changes 8 + staff changes 8 +
/// management turmoil 12 = 28 lost → 90 → 76.2711… → 76.27 → caution; bounced
/// payments 15 + lawsuits 15 = 30 lost → 88 → 74.5762… → 74.58 → risky.
#[test]
fn twenty_eight_points_of_signs_call_for_caution_but_thirty_make_a_risky_company() {
    let f = form("risky_company_check.toml");
    let r = fill(
        &f,
        &with(
            risky_none(),
            json!({"bank_changes": true, "staff_changes": true, "management_turmoil": true}),
        ),
    );
    assert_result(
        &r,
        "76.27",
        "caution",
        false,
        &["bank_changes", "staff_changes", "management_turmoil"],
    );
    let r = fill(
        &f,
        &with(
            risky_none(),
            json!({"bounced_payments": true, "lawsuits": true}),
        ),
    );
    assert_result(
        &r,
        "74.58",
        "risky",
        false,
        &["bounced_payments", "lawsuits"],
    );
}

/// Bank changes alone cost 8: 110 → 93.2203… → 93.22 → safe uncapped, capped to caution.
#[test]
fn a_single_warning_sign_keeps_a_safe_scoring_company_at_caution() {
    let f = form("risky_company_check.toml");
    let r = fill(&f, &with(risky_none(), json!({"bank_changes": true})));
    assert_result(&r, "93.22", "caution", true, &["bank_changes"]);
}

#[test]
fn a_risky_company_check_without_the_lawsuits_answer_names_answers_lawsuits() {
    let f = form("risky_company_check.toml");
    assert_eq!(
        bad_fields(&f, &without(risky(), "lawsuits")),
        fields(&["answers.lawsuits"])
    );
}

// ───────────────────────── influence_factors (F-30) ─────────────────────────
//
// Scored items: purchase_cost_impact high 0 / medium 5 / low 10 ×2 [20];
// technical_content_impact 0/5/10 ×2 [20]; policy_social_impact 0/5/10 ×1 [10].
// Best = 50. Grades: favourable ≥ 70, neutral ≥ 40, unfavourable ≥ 0. No red
// flags, no cap, no effect.

fn influence() -> Map<String, Value> {
    object(json!({
        "purchase_cost_impact": "medium", "purchase_cost_detail": "单次采购约 80 万元，需总经理审批",
        "technical_content_impact": "medium", "policy_social_impact": "low", "response": "分期交付，降低单次金额"
    }))
}

/// medium cost 5×2 = 10; medium technical content 5×2 = 10; low policy impact 10.
/// Total 30 → 30/50×100 = 60.00 → neutral.
#[test]
fn medium_cost_and_technical_impacts_make_a_neutral_outlook() {
    let f = form("influence_factors.toml");
    assert_eq!(f.red_flag_cap, None);
    assert_result(&fill(&f, &influence()), "60.00", "neutral", false, &[]);
}

/// Exactly on each line: medium cost 10 + low technical 20 + medium policy 5 = 35
/// → 70.00 → favourable; medium 10 + medium 10 + high policy 0 = 20 → 40.00 →
/// neutral; high cost 0 + medium 10 + medium 5 = 15 → 30.00 → unfavourable.
#[test]
fn influence_scores_of_exactly_seventy_and_forty_take_the_better_grade() {
    let f = form("influence_factors.toml");
    let r = fill(
        &f,
        &with(
            influence(),
            json!({"technical_content_impact": "low", "policy_social_impact": "medium"}),
        ),
    );
    assert_result(&r, "70.00", "favourable", false, &[]);
    let r = fill(
        &f,
        &with(influence(), json!({"policy_social_impact": "high"})),
    );
    assert_result(&r, "40.00", "neutral", false, &[]);
    let r = fill(
        &f,
        &with(
            influence(),
            json!({"purchase_cost_impact": "high", "policy_social_impact": "medium"}),
        ),
    );
    assert_result(&r, "30.00", "unfavourable", false, &[]);
}

#[test]
fn an_influence_form_without_the_policy_impact_names_answers_policy_social_impact() {
    let f = form("influence_factors.toml");
    assert_eq!(
        bad_fields(&f, &without(influence(), "policy_social_impact")),
        fields(&["answers.policy_social_impact"])
    );
}

// ───────────────────────── new_product_review (F-33) ─────────────────────────
//
// Scored items: equipment, materials, processing, outsourcing,
// development_cycle and customer_requirements, each feasible 10 / conditional 5 /
// not_feasible 0 (red flag), weight 1 [10 each]. materials_complete is a check
// without points (unscored) and a red flag on “no”; the numbers have no bands.
// Best = 6 × 10 = 60. Grades: feasible ≥ 95, conditional ≥ 50, not_feasible ≥ 0;
// a red flag caps at not_feasible.

fn review() -> Map<String, Value> {
    object(json!({
        "materials_complete": true, "equipment": "feasible", "materials": "feasible", "processing": "conditional",
        "outsourcing": "conditional", "development_cycle": "feasible", "customer_requirements": "feasible",
        "development_days": 45, "cost_price": "12.5", "mould_price": 30000, "development_fee": 5000,
        "attendees": "工程部、营销中心、采购部", "reviewed_on": "2026-09-09"
    }))
}

/// Four feasible 4×10 = 40 and two conditional 2×5 = 10: 50 → 50/60×100 =
/// 83.333… → 83.33 → conditional.
#[test]
fn a_product_with_two_conditional_dimensions_is_feasible_with_conditions() {
    let f = form("new_product_review.toml");
    let r = fill(&f, &review());
    assert_result(&r, "83.33", "conditional", false, &[]);
    assert_eq!(weighted(&r, "materials_complete"), None);
}

/// Every dimension conditional: 6×5 = 30 → 30/60×100 = 50.00, exactly the `min`
/// of conditional. Feasible (95, i.e. 57 of 60) needs every dimension feasible:
/// one conditional gives 55 → 91.666… → 91.67 → conditional; all six 60 → 100.00.
#[test]
fn an_all_conditional_review_lands_on_fifty_and_only_all_feasible_is_feasible() {
    let f = form("new_product_review.toml");
    let dims = [
        "equipment",
        "materials",
        "processing",
        "outsourcing",
        "development_cycle",
        "customer_requirements",
    ];
    let all = |v: &str| {
        let mut raw = review();
        for k in dims {
            raw.insert(k.to_owned(), json!(v));
        }
        raw
    };
    assert_result(
        &fill(&f, &all("conditional")),
        "50.00",
        "conditional",
        false,
        &[],
    );
    assert_result(
        &fill(
            &f,
            &with(all("feasible"), json!({"outsourcing": "conditional"})),
        ),
        "91.67",
        "conditional",
        false,
        &[],
    );
    assert_result(
        &fill(&f, &all("feasible")),
        "100.00",
        "feasible",
        false,
        &[],
    );
}

/// Every dimension feasible but incomplete materials: the check scores nothing,
/// so 60 → 100.00 → feasible uncapped; the “no” is a red flag → not_feasible.
/// Equipment not feasible (0, red flag) and the rest feasible: 50 → 83.33 →
/// conditional uncapped → not_feasible.
#[test]
fn a_review_without_complete_materials_or_with_an_infeasible_dimension_is_not_feasible() {
    let f = form("new_product_review.toml");
    let feasible = with(
        review(),
        json!({"processing": "feasible", "outsourcing": "feasible"}),
    );
    let r = fill(
        &f,
        &with(feasible.clone(), json!({"materials_complete": false})),
    );
    assert_result(&r, "100.00", "not_feasible", true, &["materials_complete"]);
    let r = fill(&f, &with(feasible, json!({"equipment": "not_feasible"})));
    assert_result(&r, "83.33", "not_feasible", true, &["equipment"]);
}

#[test]
fn a_review_without_the_materials_check_names_answers_materials_complete() {
    let f = form("new_product_review.toml");
    assert_eq!(
        bad_fields(&f, &without(review(), "materials_complete")),
        fields(&["answers.materials_complete"])
    );
}

// ───────────────────────── all of them ─────────────────────────

/// Every form but credit_grade_scoring has its hand-worked examples above.
#[test]
fn every_builtin_form_but_credit_grade_scoring_has_hand_worked_examples_here() {
    let covered = [
        "prospect_qualification.toml",
        "credit_standing.toml",
        "market_penetration.toml",
        "key_customer_promotion.toml",
        "problem_customer_check.toml",
        "credit_investigation.toml",
        "credit_status_check.toml",
        "risky_company_check.toml",
        "influence_factors.toml",
        "new_product_review.toml",
    ];
    let builtin: BTreeSet<&str> = FORM_TEMPLATES
        .iter()
        .map(|(f, _)| *f)
        .filter(|f| *f != "credit_grade_scoring.toml")
        .collect();
    assert_eq!(builtin, covered.into_iter().collect());
}

//! The built-in form templates: the scoring, checklist and judgement forms of
//! the source documents (SPEC.md §3), as files in
//! `crates/core/templates/forms/`, embedded in the binary.

use super::template::{FormTemplate, parse_form_template};
use crate::process::template::TemplateError;

/// Every built-in form template: (file name, TOML text).
pub const FORM_TEMPLATES: &[(&str, &str)] = &[
    (
        "prospect_qualification.toml",
        include_str!("../../templates/forms/prospect_qualification.toml"),
    ),
    (
        "credit_standing.toml",
        include_str!("../../templates/forms/credit_standing.toml"),
    ),
    (
        "market_penetration.toml",
        include_str!("../../templates/forms/market_penetration.toml"),
    ),
    (
        "key_customer_promotion.toml",
        include_str!("../../templates/forms/key_customer_promotion.toml"),
    ),
    (
        "problem_customer_check.toml",
        include_str!("../../templates/forms/problem_customer_check.toml"),
    ),
    (
        "credit_investigation.toml",
        include_str!("../../templates/forms/credit_investigation.toml"),
    ),
    (
        "credit_status_check.toml",
        include_str!("../../templates/forms/credit_status_check.toml"),
    ),
    (
        "risky_company_check.toml",
        include_str!("../../templates/forms/risky_company_check.toml"),
    ),
    (
        "influence_factors.toml",
        include_str!("../../templates/forms/influence_factors.toml"),
    ),
    (
        "credit_grade_scoring.toml",
        include_str!("../../templates/forms/credit_grade_scoring.toml"),
    ),
    (
        "new_product_review.toml",
        include_str!("../../templates/forms/new_product_review.toml"),
    ),
];

/// Parses every built-in form; an error names the file and the line.
pub fn builtin_form_templates() -> Result<Vec<FormTemplate>, (String, Vec<TemplateError>)> {
    FORM_TEMPLATES
        .iter()
        .map(|(file, src)| parse_form_template(src).map_err(|e| ((*file).to_owned(), e)))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use rust_decimal::Decimal;
    use serde_json::json;

    use super::*;
    use crate::forms::{FormEffect, parse_answers, score};

    fn form(file: &str) -> FormTemplate {
        let (_, src) = FORM_TEMPLATES.iter().find(|(f, _)| *f == file).unwrap();
        parse_form_template(src).unwrap()
    }

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn every_builtin_form_parses_and_checks() {
        let forms = builtin_form_templates().unwrap_or_else(|(file, errors)| {
            panic!(
                "{file}: {}",
                errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        });
        let keys: BTreeSet<_> = forms.iter().map(FormTemplate::key).collect();
        assert_eq!(keys.len(), forms.len());
        for (f, (file, _)) in forms.iter().zip(FORM_TEMPLATES) {
            assert_eq!(
                format!("{}.toml", f.key()),
                *file,
                "a built-in file is named after its key"
            );
        }
    }

    fn credit_answers(lawsuits: bool) -> serde_json::Map<String, serde_json::Value> {
        let v = json!({
            "years_in_business": 12, "registered_capital": "800", "nature": "state_or_listed",
            "current_assets": 300, "current_liabilities": 150, "profitability": "strong",
            "payment_record": "on_time", "monthly_purchase": 8, "lawsuits": lawsuits, "reputation": "good"
        });
        v.as_object().unwrap().clone()
    }

    /// Worked by hand: the best answers weigh 10+10+10+2×10+10+3×10+2×10+10+10 = 130.
    /// These answers give 10+8+9+2×10+10+3×10+2×8+10+10 = 123 → 123/130×100 = 94.62 → AAA.
    #[test]
    fn credit_scoring_matches_a_hand_worked_example() {
        let f = form("credit_grade_scoring.toml");
        assert_eq!(f.effect, Some(FormEffect::CreditGrade));
        let answers = parse_answers(&f, &credit_answers(false)).unwrap();
        let r = score(&f, &answers);
        assert_eq!(r.score, d("94.62"));
        assert_eq!(r.max_score, d("100"));
        assert_eq!(r.grade.as_deref(), Some("AAA"));
        assert!(r.red_flags.is_empty() && !r.capped);
        let ratio = r.items.iter().find(|i| i.item == "current_ratio").unwrap();
        assert_eq!((ratio.value, ratio.weighted), (Some(d("2")), Some(d("20"))));
    }

    /// A lawsuit takes 10 points (113/130 = 86.92, AA) and is a red flag: capped at B.
    #[test]
    fn a_red_flag_caps_the_credit_grade_at_b() {
        let f = form("credit_grade_scoring.toml");
        let r = score(&f, &parse_answers(&f, &credit_answers(true)).unwrap());
        assert_eq!(r.score, d("86.92"));
        assert_eq!(r.grade.as_deref(), Some("B"));
        assert!(r.capped);
        assert_eq!(r.red_flags, ["lawsuits"]);
    }

    #[test]
    fn bad_missing_and_unknown_answers_are_each_named() {
        let f = form("credit_grade_scoring.toml");
        let raw = json!({"years_in_business": "many", "nature": "alien", "colour": "red", "current_ratio": 3});
        let err = parse_answers(&f, raw.as_object().unwrap()).unwrap_err();
        let fields: BTreeSet<_> = err.fields().collect();
        for expected in [
            "answers.years_in_business",
            "answers.nature",
            "answers.colour",
            "answers.current_ratio",
            "answers.registered_capital",
            "answers.profitability",
            "answers.payment_record",
            "answers.monthly_purchase",
            "answers.lawsuits",
        ] {
            assert!(fields.contains(expected), "{expected} not in {fields:?}");
        }
    }

    #[test]
    fn a_ratio_with_a_zero_divisor_has_no_value_and_no_points() {
        let f = form("credit_grade_scoring.toml");
        let mut raw = credit_answers(false);
        raw.insert("current_liabilities".into(), json!(0));
        let r = score(&f, &parse_answers(&f, &raw).unwrap());
        let ratio = r.items.iter().find(|i| i.item == "current_ratio").unwrap();
        assert_eq!((ratio.value, ratio.points), (None, None));
        // 123 − 20 = 103 of 130.
        assert_eq!(r.score, d("79.23"));
        assert_eq!(r.grade.as_deref(), Some("A"));
    }
}

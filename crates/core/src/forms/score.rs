//! Filling a form: answers checked item by item, then the score, the grade
//! and the red flags.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;

use super::template::{FormItem, FormTemplate, Formula, ItemType};
use crate::validation::ValidationErrors;

/// An answer to one item.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Answer {
    Choice(String),
    Number(Decimal),
    Check(bool),
    Text(String),
    Date(NaiveDate),
}

/// The answers of a filled form, by item key.
pub type Answers = BTreeMap<String, Answer>;

fn decimal(v: &Value) -> Option<Decimal> {
    match v {
        Value::Number(n) => n.to_string().parse().ok(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Checks raw answers (item key → JSON value) against the form: every bad,
/// unknown or missing answer is named as `answers.<item>`.
pub fn parse_answers(
    form: &FormTemplate,
    raw: &serde_json::Map<String, Value>,
) -> Result<Answers, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let mut answers = Answers::new();
    for key in raw.keys() {
        match form.item(key) {
            None => errors.add(
                format!("answers.{key}"),
                "unknown",
                "this form has no such item",
            ),
            Some(i) if i.kind == ItemType::Computed => errors.add(
                format!("answers.{key}"),
                "computed",
                "this item is computed, not answered",
            ),
            Some(_) => {}
        }
    }
    for item in form.items().filter(|i| i.kind != ItemType::Computed) {
        let field = format!("answers.{}", item.key());
        let value = raw
            .get(item.key())
            .filter(|v| !v.is_null() && *v != &Value::String(String::new()));
        let Some(value) = value else {
            if item.required {
                errors.add(field, "required", "must be answered");
            }
            continue;
        };
        match parse_one(item, value) {
            Ok(answer) => {
                answers.insert(item.key().to_owned(), answer);
            }
            Err(message) => errors.add(field, "invalid", message),
        }
    }
    errors.finish(answers)
}

fn parse_one(item: &FormItem, value: &Value) -> Result<Answer, String> {
    match item.kind {
        ItemType::Choice => {
            let chosen = value.as_str().ok_or("must be one of the options")?;
            if item.options.iter().any(|o| o.value.get_ref() == chosen) {
                Ok(Answer::Choice(chosen.to_owned()))
            } else {
                let values: Vec<_> = item
                    .options
                    .iter()
                    .map(|o| o.value.get_ref().as_str())
                    .collect();
                Err(format!(
                    "`{chosen}` is not an option; choose one of: {}",
                    values.join(", ")
                ))
            }
        }
        ItemType::Number => {
            let n = decimal(value).ok_or("must be a number")?;
            if !item.bands.is_empty() && !item.bands.iter().any(|b| b.contains(n)) {
                return Err(format!("{n} is outside the range this item scores"));
            }
            Ok(Answer::Number(n))
        }
        ItemType::Check => value
            .as_bool()
            .map(Answer::Check)
            .ok_or_else(|| "must be true (yes) or false (no)".to_owned()),
        ItemType::Text => {
            let text = value.as_str().ok_or("must be text")?.trim();
            if text.chars().count() > 5000 {
                return Err("must be at most 5000 characters".into());
            }
            Ok(Answer::Text(text.to_owned()))
        }
        ItemType::Date => value
            .as_str()
            .and_then(|s| s.parse().ok())
            .map(Answer::Date)
            .ok_or_else(|| "must be a date like 2026-11-27".to_owned()),
        ItemType::Computed => Err("this item is computed, not answered".into()),
    }
}

/// Scores answers that are still being given (the live score of the form
/// page): every answer that checks counts, missing required answers are not
/// yet an error, and the problems of the others are returned beside the result.
pub fn preview(
    form: &FormTemplate,
    raw: &serde_json::Map<String, Value>,
) -> (FormResult, Vec<crate::FieldError>) {
    let mut problems = Vec::new();
    let mut answers = Answers::new();
    for (key, value) in raw {
        let field = format!("answers.{key}");
        match form.item(key) {
            None => problems.push(field_error(field, "unknown", "this form has no such item")),
            // Not answered yet.
            Some(_) if value.is_null() || value == &Value::String(String::new()) => {}
            Some(item) => match parse_one(item, value) {
                Ok(answer) => {
                    answers.insert(key.clone(), answer);
                }
                Err(message) => problems.push(field_error(field, "invalid", &message)),
            },
        }
    }
    (score(form, &answers), problems)
}

fn field_error(field: String, code: &str, message: &str) -> crate::FieldError {
    crate::FieldError {
        field,
        code: code.to_owned(),
        message: message.to_owned(),
    }
}

/// One item's part of the result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemScore {
    pub item: String,
    /// The computed value of a computed item.
    pub value: Option<Decimal>,
    /// Points before the weight; none for an unscored or unanswered item.
    pub points: Option<Decimal>,
    pub weighted: Option<Decimal>,
    pub red_flag: bool,
}

/// The result of a filled form.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FormResult {
    pub score: Decimal,
    /// The best score possible on this form.
    pub max_score: Decimal,
    pub grade: Option<String>,
    /// The grade was lowered to the red-flag cap.
    pub capped: bool,
    /// The items whose answers are red flags.
    pub red_flags: Vec<String>,
    pub items: Vec<ItemScore>,
}

fn computed_value(formula: &Formula, answers: &Answers) -> Option<Decimal> {
    let number = |k: &String| match answers.get(k) {
        Some(Answer::Number(n)) => Some(*n),
        _ => None,
    };
    match formula {
        Formula::Sum(items) => items.iter().map(number).sum(),
        Formula::Ratio(items) => {
            let (a, b) = (number(items.first()?)?, number(items.get(1)?)?);
            (!b.is_zero()).then(|| (a / b).round_dp(4))
        }
    }
}

fn item_score(item: &FormItem, answers: &Answers) -> ItemScore {
    let answer = answers.get(item.key());
    let (value, points, red_flag) = match (item.kind, answer) {
        (ItemType::Choice, Some(Answer::Choice(v))) => {
            let option = item.options.iter().find(|o| o.value.get_ref() == v);
            (
                None,
                option.map(|o| o.points),
                option.is_some_and(|o| o.red_flag),
            )
        }
        (ItemType::Number, Some(Answer::Number(n))) => {
            let band = item.bands.iter().find(|b| b.contains(*n));
            (
                None,
                band.map(|b| b.points),
                band.is_some_and(|b| b.red_flag),
            )
        }
        (ItemType::Check, Some(Answer::Check(yes))) => {
            let points = if *yes {
                item.yes_points
            } else {
                item.no_points
            };
            (None, points, item.red_flag_on == Some(*yes))
        }
        (ItemType::Computed, _) => {
            let value = item
                .formula
                .as_ref()
                .and_then(|f| computed_value(f, answers));
            let band = value.and_then(|v| item.bands.iter().find(|b| b.contains(v)));
            (
                value,
                band.map(|b| b.points),
                band.is_some_and(|b| b.red_flag),
            )
        }
        _ => (None, None, false),
    };
    let points = points.filter(|_| item.scored());
    ItemScore {
        item: item.key().to_owned(),
        value,
        points,
        weighted: points.map(|p| p * item.weight()),
        red_flag,
    }
}

/// Scores checked answers.
pub fn score(form: &FormTemplate, answers: &Answers) -> FormResult {
    let items: Vec<ItemScore> = form.items().map(|i| item_score(i, answers)).collect();
    let raw: Decimal = items.iter().filter_map(|i| i.weighted).sum();
    let best: Decimal = form
        .items()
        .filter(|i| i.scored())
        .map(|i| i.max_points() * i.weight())
        .sum();
    let (score, max_score) = match form.max_score {
        Some(scale) if !best.is_zero() => ((raw / best * scale).round_dp(2), scale),
        _ => (raw.round_dp(2), best.round_dp(2)),
    };
    let red_flags: Vec<String> = items
        .iter()
        .filter(|i| i.red_flag)
        .map(|i| i.item.clone())
        .collect();
    let order = form.grade_order();
    let mut grade = form
        .grades
        .iter()
        .find(|g| score >= g.min)
        .or(form.grades.last())
        .map(|g| g.grade.get_ref().clone());
    let mut capped = false;
    if let (Some(cap), false) = (&form.red_flag_cap, red_flags.is_empty()) {
        let rank = |g: &str| order.iter().position(|o| o == g);
        let cap = cap.cap.get_ref();
        if grade.as_deref().and_then(rank) < rank(cap) {
            grade = Some(cap.clone());
            capped = true;
        }
    }
    FormResult {
        score,
        max_score,
        grade,
        capped,
        red_flags,
        items,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::forms::parse_form_template;

    const FORM: &str = r#"
key = "tiny"
name = { zh = "小表", en = "Tiny" }
subject = "customer"
max_score = 100
red_flag_cap = { cap = "mid" }

[[grades]]
grade = "top"
label = { zh = "优", en = "Top" }
min = 80

[[grades]]
grade = "mid"
label = { zh = "中", en = "Mid" }
min = 50

[[grades]]
grade = "low"
label = { zh = "差", en = "Low" }
min = 0

[[sections]]
key = "s"
title = { zh = "一", en = "One" }

[[sections.items]]
key = "size"
label = { zh = "规模", en = "Size" }
type = "number"
required = true
bands = [{ min = 0, max = 10, points = 0 }, { min = 10, max = 20, points = 5 }, { min = 20, points = 10 }]

[[sections.items]]
key = "risk"
label = { zh = "风险", en = "Risk" }
type = "check"
yes_points = 0
no_points = 10
red_flag_on = true

[[sections.items]]
key = "kind"
label = { zh = "类型", en = "Kind" }
type = "choice"
weight = 2
options = [
  { value = "a", label = { zh = "甲", en = "A" }, points = 10 },
  { value = "b", label = { zh = "乙", en = "B" }, points = 5 },
]
"#;

    fn form() -> FormTemplate {
        parse_form_template(FORM).unwrap()
    }

    fn run(answers: serde_json::Value) -> FormResult {
        let f = form();
        score(
            &f,
            &parse_answers(&f, answers.as_object().unwrap()).unwrap(),
        )
    }

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    // The best answers weigh 10 + 10 + 2 × 10 = 40.

    #[test]
    fn a_number_on_a_band_boundary_falls_in_the_upper_band() {
        // size 20 → 10 points; risk no → 10; kind b → 2 × 5 = 10: 30/40 = 75 → mid.
        let r = run(json!({"size": 20, "risk": false, "kind": "b"}));
        assert_eq!((r.score, r.grade.as_deref()), (d("75"), Some("mid")));
        // size 19.99 → 5 points: 25/40 = 62.5.
        assert_eq!(
            run(json!({"size": "19.99", "risk": false, "kind": "b"})).score,
            d("62.5")
        );
    }

    #[test]
    fn a_score_exactly_on_a_grade_minimum_earns_that_grade() {
        // size 20 → 10; risk no → 10; kind a → 20: 40/40 = 100 → top.
        assert_eq!(
            run(json!({"size": 20, "risk": false, "kind": "a"}))
                .grade
                .as_deref(),
            Some("top")
        );
        // size 10 → 5; risk no → 10; kind b → 10; 25/40 = 62.5 → mid. size 0 → 0; 20/40 = 50 → exactly mid.
        let r = run(json!({"size": 0, "risk": false, "kind": "b"}));
        assert_eq!((r.score, r.grade.as_deref()), (d("50"), Some("mid")));
        let r = run(json!({"size": 0, "kind": "b"}));
        assert_eq!((r.score, r.grade.as_deref()), (d("25"), Some("low")));
    }

    #[test]
    fn a_red_flag_caps_only_a_better_grade() {
        // size 20 → 10; risk yes → 0 and a red flag; kind a → 20: 30/40 = 75 → mid, already at the cap.
        let r = run(json!({"size": 20, "risk": true, "kind": "a"}));
        assert_eq!(
            (r.grade.as_deref(), r.capped, r.red_flags.clone()),
            (Some("mid"), false, vec!["risk".to_owned()])
        );
        // Without the cap rule the same form would grade a perfect score top; with it, a flag drops top to mid.
        let mut f = form();
        f.sections[0].items[1].yes_points = Some(d("10"));
        let answers = parse_answers(
            &f,
            json!({"size": 20, "risk": true, "kind": "a"})
                .as_object()
                .unwrap(),
        )
        .unwrap();
        let r = score(&f, &answers);
        assert_eq!(
            (r.score, r.grade.as_deref(), r.capped),
            (d("100"), Some("mid"), true)
        );
    }

    #[test]
    fn a_preview_scores_what_checks_and_names_the_rest() {
        let f = form();
        // size 20 → 10 and kind a → 20; risk unanswered; a bad extra answer.
        let (r, problems) = preview(
            &f,
            json!({"size": 20, "kind": "a", "colour": 1})
                .as_object()
                .unwrap(),
        );
        assert_eq!(r.score, d("75"));
        assert_eq!(
            problems
                .iter()
                .map(|p| p.field.as_str())
                .collect::<Vec<_>>(),
            ["answers.colour"]
        );
        let (r, problems) = preview(&f, json!({"size": "lots"}).as_object().unwrap());
        assert_eq!(
            (r.score, problems[0].field.as_str()),
            (d("0"), "answers.size")
        );
    }

    #[test]
    fn a_number_outside_every_band_and_a_missing_required_answer_are_named() {
        let f = form();
        let err = parse_answers(
            &f,
            json!({"size": -1, "risk": "maybe"}).as_object().unwrap(),
        )
        .unwrap_err();
        let fields: Vec<_> = err.fields().collect();
        assert_eq!(fields, ["answers.size", "answers.risk"]);
        let err = parse_answers(&f, json!({}).as_object().unwrap()).unwrap_err();
        assert_eq!(err.fields().collect::<Vec<_>>(), ["answers.size"]);
    }
}

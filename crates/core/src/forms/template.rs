//! Form templates (表格): a scoring, checklist or judgement form as data, in
//! the TOML format of `docs/forms.md`, parsed and checked here.

use std::collections::BTreeSet;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::enums::domain_enum;
use crate::process::template::{Problems, TemplateError, Text, is_key};

domain_enum! {
    /// What a form is filled for.
    pub enum FormSubject {
        Customer = ("customer", "客户", "Customer"),
        Case = ("case", "开发项目", "Case"),
        Either = ("either", "客户或开发项目", "Customer or case"),
    }
}

domain_enum! {
    /// Where a form's result flows back to.
    pub enum FormEffect {
        /// The grade becomes the customer's proposed credit grade.
        CreditGrade = ("credit_grade", "信用等级", "Credit grade"),
        /// A passing grade proposes promoting the customer to a key customer.
        TierPromotion = ("tier_promotion", "升级为重要客户", "Promotion to key customer"),
        /// A failing grade proposes marking the customer a problem customer.
        ProblemCustomer = ("problem_customer", "问题客户", "Problem customer"),
    }
}

domain_enum! {
    /// The kind of an item.
    pub enum ItemType {
        /// One option of a list, each worth points.
        Choice = ("choice", "单选", "Choice"),
        /// A number mapped to points by bands.
        Number = ("number", "数值", "Number"),
        /// Yes or no; can be a red flag.
        Check = ("check", "是/否", "Yes/no"),
        Text = ("text", "文字", "Text"),
        Date = ("date", "日期", "Date"),
        /// Computed from other number items; can be mapped to points by bands.
        Computed = ("computed", "计算值", "Computed"),
    }
}

/// An option of a choice item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChoiceOption {
    pub value: Spanned<String>,
    pub label: Text,
    #[serde(default)]
    pub points: Decimal,
    /// Choosing this option is a red flag.
    #[serde(default)]
    pub red_flag: bool,
}

/// Points for numbers in `[min, max)`; an open end is unbounded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    pub min: Option<Decimal>,
    pub max: Option<Decimal>,
    pub points: Decimal,
    /// A number in this band is a red flag.
    #[serde(default)]
    pub red_flag: bool,
}

impl Band {
    pub fn contains(&self, v: Decimal) -> bool {
        self.min.is_none_or(|m| v >= m) && self.max.is_none_or(|m| v < m)
    }
}

/// How a computed item is derived from number items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum Formula {
    /// The sum of number items.
    Sum(Vec<String>),
    /// The first item divided by the second (none when the divisor is zero).
    Ratio(Vec<String>),
}

/// One item of a form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormItem {
    pub key: Spanned<String>,
    pub label: Text,
    #[serde(rename = "type")]
    pub kind: ItemType,
    #[serde(default)]
    pub required: bool,
    /// Multiplies the item's points in the total (default 1).
    pub weight: Option<Decimal>,
    #[serde(default)]
    pub options: Vec<ChoiceOption>,
    #[serde(default)]
    pub bands: Vec<Band>,
    /// For a check: the points of a yes and of a no.
    pub yes_points: Option<Decimal>,
    pub no_points: Option<Decimal>,
    /// For a check: which answer is a red flag (`true` = yes).
    pub red_flag_on: Option<bool>,
    pub formula: Option<Formula>,
    pub unit: Option<Text>,
    pub help: Option<Text>,
}

impl FormItem {
    pub fn key(&self) -> &str {
        self.key.get_ref()
    }

    pub fn weight(&self) -> Decimal {
        self.weight.unwrap_or(Decimal::ONE)
    }

    /// The most points the item can give (before its weight).
    pub fn max_points(&self) -> Decimal {
        let best = |it: &mut dyn Iterator<Item = Decimal>| it.max().unwrap_or_default();
        match self.kind {
            ItemType::Choice => best(&mut self.options.iter().map(|o| o.points)),
            ItemType::Number | ItemType::Computed => best(&mut self.bands.iter().map(|b| b.points)),
            ItemType::Check => self
                .yes_points
                .unwrap_or_default()
                .max(self.no_points.unwrap_or_default()),
            ItemType::Text | ItemType::Date => Decimal::ZERO,
        }
    }

    /// Whether the item counts in the score.
    pub fn scored(&self) -> bool {
        match self.kind {
            ItemType::Choice => true,
            ItemType::Number | ItemType::Computed => !self.bands.is_empty(),
            ItemType::Check => self.yes_points.is_some() || self.no_points.is_some(),
            ItemType::Text | ItemType::Date => false,
        }
    }
}

/// A group of items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormSection {
    pub key: Spanned<String>,
    pub title: Text,
    #[serde(default)]
    pub items: Vec<FormItem>,
}

/// A grade band: a score of at least `min` earns the grade.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradeBand {
    pub grade: Spanned<String>,
    pub label: Text,
    pub min: Decimal,
}

/// "Any red flag → a grade no better than `cap`."
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedFlagCap {
    pub cap: Spanned<String>,
}

/// A form template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormTemplate {
    pub key: Spanned<String>,
    pub name: Text,
    pub description: Option<Text>,
    pub subject: FormSubject,
    pub source: Option<String>,
    /// The source names the form but not its content: this content is a
    /// standard default that admins may edit.
    #[serde(default)]
    pub default_content: bool,
    pub effect: Option<FormEffect>,
    /// The score scale: the weighted points are rescaled so that a form with
    /// every best answer scores this (e.g. 100). Without it, the score is the
    /// weighted sum itself.
    pub max_score: Option<Decimal>,
    /// Grades from best to worst.
    #[serde(default)]
    pub grades: Vec<GradeBand>,
    pub red_flag_cap: Option<RedFlagCap>,
    /// For `tier_promotion` and `problem_customer`: the grades that trigger the effect.
    #[serde(default)]
    pub effect_grades: Vec<String>,
    pub sections: Vec<FormSection>,
}

impl FormTemplate {
    pub fn key(&self) -> &str {
        self.key.get_ref()
    }

    pub fn items(&self) -> impl Iterator<Item = &FormItem> {
        self.sections.iter().flat_map(|s| s.items.iter())
    }

    pub fn item(&self, key: &str) -> Option<&FormItem> {
        self.items().find(|i| i.key() == key)
    }

    /// The grades, best first.
    pub fn grade_order(&self) -> Vec<String> {
        self.grades
            .iter()
            .map(|g| g.grade.get_ref().clone())
            .collect()
    }
}

/// Parses and checks a form template; every problem is reported with its line.
pub fn parse_form_template(src: &str) -> Result<FormTemplate, Vec<TemplateError>> {
    let mut p = Problems::new(src);
    let form: FormTemplate = match toml::from_str(src) {
        Ok(f) => f,
        Err(e) => {
            p.toml(&e);
            return Err(p.errors);
        }
    };
    if !is_key(form.key()) {
        p.at(
            &form.key,
            "the key must be lower-case letters, digits and '_', starting with a letter",
        );
    }
    if form.sections.iter().all(|s| s.items.is_empty()) {
        p.whole("a form needs at least one item ([[sections.items]])");
    }
    let mut keys = BTreeSet::new();
    let numbers: BTreeSet<&str> = form
        .items()
        .filter(|i| i.kind == ItemType::Number)
        .map(FormItem::key)
        .collect();
    for section in &form.sections {
        if !is_key(section.key.get_ref()) {
            p.at(
                &section.key,
                "a section key must be lower-case letters, digits and '_'",
            );
        }
        for item in &section.items {
            check_item(&mut p, item, &numbers, &mut keys);
        }
    }
    let mut grades = BTreeSet::new();
    let mut last_min: Option<Decimal> = None;
    for g in &form.grades {
        if !grades.insert(g.grade.get_ref().as_str()) {
            p.at(
                &g.grade,
                format!("the grade `{}` is listed twice", g.grade.get_ref()),
            );
        }
        if last_min.is_some_and(|m| g.min >= m) {
            p.at(
                &g.grade,
                "grades go from best to worst: each needs a lower minimum than the one before",
            );
        }
        last_min = Some(g.min);
    }
    if let Some(cap) = &form.red_flag_cap
        && !grades.contains(cap.cap.get_ref().as_str())
    {
        p.at(
            &cap.cap,
            format!("the cap `{}` is not one of the grades", cap.cap.get_ref()),
        );
    }
    for g in &form.effect_grades {
        if !grades.contains(g.as_str()) {
            p.at(
                &form.key,
                format!("the effect grade `{g}` is not one of the grades"),
            );
        }
    }
    if form.effect.is_some() && form.grades.is_empty() {
        p.at(&form.key, "a form with an effect needs grades");
    }
    if p.errors.is_empty() {
        Ok(form)
    } else {
        Err(p.errors)
    }
}

fn check_item<'a>(
    p: &mut Problems<'_>,
    item: &'a FormItem,
    numbers: &BTreeSet<&str>,
    keys: &mut BTreeSet<&'a str>,
) {
    if !is_key(item.key()) {
        p.at(
            &item.key,
            "an item key must be lower-case letters, digits and '_', starting with a letter",
        );
    }
    if !keys.insert(item.key()) {
        p.at(
            &item.key,
            format!("the item key `{}` is used twice", item.key()),
        );
    }
    if item.label.zh.trim().is_empty() || item.label.en.trim().is_empty() {
        p.at(
            &item.key,
            "an item label needs both a Chinese (zh) and an English (en) text",
        );
    }
    if item.weight.is_some_and(|w| w < Decimal::ZERO) {
        p.at(&item.key, "a weight cannot be negative");
    }
    match item.kind {
        ItemType::Choice => {
            if item.options.len() < 2 {
                p.at(&item.key, "a choice needs at least two options");
            }
            let mut values = BTreeSet::new();
            for o in &item.options {
                if !values.insert(o.value.get_ref().as_str()) {
                    p.at(
                        &o.value,
                        format!("the option `{}` is listed twice", o.value.get_ref()),
                    );
                }
            }
        }
        ItemType::Number | ItemType::Computed => {
            for pair in item.bands.windows(2) {
                let (a, b) = (&pair[0], &pair[1]);
                if a.max.is_none() || b.min.is_none() || a.max > b.min {
                    p.at(&item.key, "bands must be in order and must not overlap: each band's max ≤ the next band's min");
                }
            }
            if item.kind == ItemType::Computed {
                match &item.formula {
                    None => p.at(
                        &item.key,
                        "a computed item needs a formula: { sum = [...] } or { ratio = [a, b] }",
                    ),
                    Some(Formula::Ratio(args)) if args.len() != 2 => {
                        p.at(&item.key, "a ratio takes exactly two items")
                    }
                    Some(Formula::Sum(args) | Formula::Ratio(args)) => {
                        for a in args {
                            if !numbers.contains(a.as_str()) {
                                p.at(&item.key, format!("the formula uses `{a}`, which is not a number item of this form"));
                            }
                        }
                    }
                }
            }
        }
        ItemType::Check | ItemType::Text | ItemType::Date => {}
    }
    let misplaced = (!item.options.is_empty() && item.kind != ItemType::Choice)
        || (!item.bands.is_empty() && !matches!(item.kind, ItemType::Number | ItemType::Computed))
        || ((item.yes_points.is_some() || item.no_points.is_some() || item.red_flag_on.is_some())
            && item.kind != ItemType::Check)
        || (item.formula.is_some() && item.kind != ItemType::Computed);
    if misplaced {
        p.at(
            &item.key,
            format!("this setting does not apply to a {} item", item.kind),
        );
    }
    if item.kind == ItemType::Computed && item.required {
        p.at(
            &item.key,
            "a computed item is never answered, so it cannot be required",
        );
    }
}

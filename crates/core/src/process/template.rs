//! Process templates (流程模板): a stage-gated procedure as data, in a
//! documented TOML format (`docs/templates.md`), parsed and checked here.

use std::collections::BTreeSet;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::enums::domain_enum;
use crate::{DecisionRole, Role};

domain_enum! {
    /// What a template runs: the development of a customer, a customer's
    /// product request, or a generic project.
    pub enum AppliesTo {
        CustomerDevelopment = ("customer_development", "客户开发", "Customer development"),
        ProductRequest = ("product_request", "新品开发", "Product request"),
        Project = ("project", "项目", "Project"),
    }
}

domain_enum! {
    /// What may happen when a stage's work is done (退出规则).
    pub enum ExitRule {
        /// Move on to the next stage.
        Advance = ("advance", "进入下一阶段", "Advance"),
        /// 有则进入下一阶段，无则终止: advance if there is an opportunity, otherwise terminate.
        AdvanceOrTerminate = ("advance_or_terminate", "有则进入下一阶段，无则终止", "Advance or terminate"),
    }
}

domain_enum! {
    /// A checklist item is work to do (工作内容) or a question to answer (推进问题).
    pub enum ItemKind {
        Task = ("task", "工作内容", "Task"),
        Question = ("question", "推进问题", "Question"),
    }
}

domain_enum! {
    /// The case fields a stage can require before it is left.
    pub enum CaseField {
        ExpectedAmount = ("expected_amount", "预计金额", "Expected amount"),
        ExpectedCloseDate = ("expected_close_date", "预计成交日期", "Expected close date"),
        Competitors = ("competitors", "竞争对手", "Competitors"),
        Obstacles = ("obstacles", "成交障碍", "Obstacles"),
        ExpectedCost = ("expected_cost", "预期费用", "Expected cost"),
        NextStep = ("next_step", "下一步策略", "Next step"),
        /// The customer has a contact with the decision-maker role.
        DecisionMakerIdentified = ("decision_maker_identified", "已确定关键决策人", "Decision maker identified"),
        /// The customer has a contact with the inside-coach role (内线确定).
        InsideCoachIdentified = ("inside_coach_identified", "已确定内线", "Inside coach identified"),
    }
}

/// A text in Chinese and English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub zh: String,
    pub en: String,
}

impl Text {
    /// The text in a language (`en` for English, Chinese otherwise).
    pub fn get(&self, lang: &str) -> &str {
        if lang.starts_with("en") {
            &self.en
        } else {
            &self.zh
        }
    }
}

/// A stage's time limit (时间要求).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeLimit {
    pub working_days: Option<u32>,
    pub hours: Option<u32>,
}

/// One item of a stage's checklist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecklistItem {
    pub key: Spanned<String>,
    pub text: Text,
    #[serde(default)]
    pub required: bool,
    #[serde(default = "task")]
    pub kind: ItemKind,
}

fn task() -> ItemKind {
    ItemKind::Task
}

/// A filled form a stage needs, with the lowest grade that passes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormRequirement {
    pub form: String,
    pub min_grade: Option<String>,
}

/// Guidance shown with a template (e.g. the development methods of P-06).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Guidance {
    pub title: Text,
    pub text: Text,
}

/// One stage of a process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    pub key: Spanned<String>,
    pub name: Text,
    /// 推进目标
    pub goal: Option<Text>,
    /// 责任主体: the role that answers for the stage.
    pub responsible: Option<Spanned<String>>,
    /// 参与方
    #[serde(default)]
    pub participants: Vec<Spanned<String>>,
    /// 主要销售对象: the buying roles the stage works on.
    #[serde(default)]
    pub target_contacts: Vec<Spanned<String>>,
    #[serde(default)]
    pub checklist: Vec<ChecklistItem>,
    #[serde(default)]
    pub required_fields: Vec<Spanned<String>>,
    #[serde(default)]
    pub required_forms: Vec<FormRequirement>,
    /// Win probability in percent (客户状态).
    pub probability: Option<Spanned<u8>>,
    pub time_limit: Option<Spanned<TimeLimit>>,
    #[serde(default)]
    pub inputs: Vec<Text>,
    /// 交付物
    #[serde(default)]
    pub outputs: Vec<Text>,
    /// The role that must approve leaving the stage, if any.
    pub approval: Option<Spanned<String>>,
    #[serde(default = "advance")]
    pub exit: ExitRule,
    /// The source gives the step but not its content: the content here is a
    /// sensible default that admins may edit.
    #[serde(default)]
    pub default_content: bool,
    pub notes: Option<Text>,
}

fn advance() -> ExitRule {
    ExitRule::Advance
}

impl Stage {
    pub fn key(&self) -> &str {
        self.key.get_ref()
    }

    pub fn probability(&self) -> u8 {
        self.probability.as_ref().map_or(0, |p| *p.get_ref())
    }

    pub fn approval_role(&self) -> Option<Role> {
        self.approval
            .as_ref()
            .and_then(|r| r.get_ref().parse().ok())
    }

    pub fn required_fields(&self) -> impl Iterator<Item = CaseField> + '_ {
        self.required_fields
            .iter()
            .filter_map(|f| f.get_ref().parse().ok())
    }

    pub fn time_limit(&self) -> Option<TimeLimit> {
        self.time_limit.as_ref().map(|t| *t.get_ref())
    }

    pub fn item(&self, key: &str) -> Option<&ChecklistItem> {
        self.checklist.iter().find(|i| i.key.get_ref() == key)
    }
}

/// A process template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessTemplate {
    pub key: Spanned<String>,
    pub name: Text,
    pub description: Option<Text>,
    pub applies_to: AppliesTo,
    /// Where the procedure comes from, e.g. `SPEC P-03 (SD03)`.
    pub source: Option<String>,
    /// Whether a case may jump over stages.
    #[serde(default)]
    pub allow_skip: bool,
    #[serde(default)]
    pub guidance: Vec<Guidance>,
    pub stages: Vec<Stage>,
}

impl ProcessTemplate {
    pub fn key(&self) -> &str {
        self.key.get_ref()
    }

    pub fn stage(&self, key: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.key() == key)
    }

    pub fn stage_index(&self, key: &str) -> Option<usize> {
        self.stages.iter().position(|s| s.key() == key)
    }

    pub fn first_stage(&self) -> &Stage {
        // A checked template has at least one stage.
        &self.stages[0]
    }

    pub fn next_stage(&self, key: &str) -> Option<&Stage> {
        self.stage_index(key).and_then(|i| self.stages.get(i + 1))
    }
}

/// A problem in a template file, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TemplateError {
    /// 1-based line, 0 when the whole file is concerned.
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            f.write_str(&self.message)
        } else {
            write!(
                f,
                "line {}, column {}: {}",
                self.line, self.column, self.message
            )
        }
    }
}

/// Line and column (1-based) of a byte offset.
pub(crate) fn position(src: &str, offset: usize) -> (usize, usize) {
    let before = &src[..offset.min(src.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Collects errors with the place they were found at.
pub(crate) struct Problems<'a> {
    src: &'a str,
    pub errors: Vec<TemplateError>,
}

impl<'a> Problems<'a> {
    pub fn new(src: &'a str) -> Self {
        Self {
            src,
            errors: Vec::new(),
        }
    }

    pub fn at<T>(&mut self, spanned: &Spanned<T>, message: impl Into<String>) {
        let (line, column) = position(self.src, spanned.span().start);
        self.errors.push(TemplateError {
            line,
            column,
            message: message.into(),
        });
    }

    pub fn whole(&mut self, message: impl Into<String>) {
        self.errors.push(TemplateError {
            line: 0,
            column: 0,
            message: message.into(),
        });
    }

    pub fn toml(&mut self, err: &toml::de::Error) {
        let (line, column) = err.span().map_or((0, 0), |s| position(self.src, s.start));
        self.errors.push(TemplateError {
            line,
            column,
            message: err.message().to_owned(),
        });
    }
}

/// Whether a key is lower-case snake case: `[a-z][a-z0-9_]*`, at most 64 characters.
pub(crate) fn is_key(key: &str) -> bool {
    let mut chars = key.chars();
    key.len() <= 64
        && chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn check_text(p: &mut Problems<'_>, at: &Spanned<String>, what: &str, text: &Text) {
    if text.zh.trim().is_empty() || text.en.trim().is_empty() {
        p.at(
            at,
            format!("{what} needs both a Chinese (zh) and an English (en) text"),
        );
    }
}

fn check_code<T: FromStr>(
    p: &mut Problems<'_>,
    value: &Spanned<String>,
    what: &str,
    expected: &str,
) {
    if value.get_ref().parse::<T>().is_err() {
        p.at(
            value,
            format!(
                "unknown {what} `{}`; expected one of: {expected}",
                value.get_ref()
            ),
        );
    }
}

fn codes<T: Copy>(all: &[T], code: fn(T) -> &'static str) -> String {
    all.iter().map(|v| code(*v)).collect::<Vec<_>>().join(", ")
}

/// Parses and checks a process template; every problem is reported with its line.
pub fn parse_process_template(src: &str) -> Result<ProcessTemplate, Vec<TemplateError>> {
    let mut p = Problems::new(src);
    let template: ProcessTemplate = match toml::from_str(src) {
        Ok(t) => t,
        Err(e) => {
            p.toml(&e);
            return Err(p.errors);
        }
    };
    if !is_key(template.key.get_ref()) {
        p.at(
            &template.key,
            "the key must be lower-case letters, digits and '_', starting with a letter",
        );
    }
    check_text(&mut p, &template.key, "the template name", &template.name);
    if template.stages.is_empty() {
        p.whole("a template needs at least one stage ([[stages]])");
    }
    let roles = codes(Role::ALL, Role::code);
    let fields = codes(CaseField::ALL, CaseField::code);
    let buying = codes(DecisionRole::ALL, DecisionRole::code);
    let mut stage_keys = BTreeSet::new();
    let mut last_probability = 0u8;
    for stage in &template.stages {
        if !is_key(stage.key()) {
            p.at(
                &stage.key,
                "a stage key must be lower-case letters, digits and '_', starting with a letter",
            );
        }
        if !stage_keys.insert(stage.key()) {
            p.at(
                &stage.key,
                format!("the stage key `{}` is used twice", stage.key()),
            );
        }
        check_text(&mut p, &stage.key, "the stage name", &stage.name);
        for role in stage
            .responsible
            .iter()
            .chain(&stage.participants)
            .chain(&stage.approval)
        {
            check_code::<Role>(&mut p, role, "role", &roles);
        }
        for role in &stage.target_contacts {
            check_code::<DecisionRole>(&mut p, role, "buying role", &buying);
        }
        for field in &stage.required_fields {
            check_code::<CaseField>(&mut p, field, "case field", &fields);
        }
        let mut item_keys = BTreeSet::new();
        for item in &stage.checklist {
            if !is_key(item.key.get_ref()) {
                p.at(&item.key, "a checklist key must be lower-case letters, digits and '_', starting with a letter");
            }
            if !item_keys.insert(item.key.get_ref()) {
                p.at(
                    &item.key,
                    format!(
                        "the checklist key `{}` is used twice in this stage",
                        item.key.get_ref()
                    ),
                );
            }
            check_text(&mut p, &item.key, "a checklist item", &item.text);
        }
        for form in &stage.required_forms {
            if !is_key(&form.form) {
                p.at(
                    &stage.key,
                    format!("the required form `{}` is not a template key", form.form),
                );
            }
        }
        if let Some(prob) = &stage.probability {
            if *prob.get_ref() > 100 {
                p.at(prob, "a probability is a percentage: 0 to 100");
            } else if *prob.get_ref() < last_probability {
                p.at(prob, format!("probabilities must not fall from stage to stage (the previous stage has {last_probability}%)"));
            } else {
                last_probability = *prob.get_ref();
            }
        }
        if let Some(limit) = &stage.time_limit {
            match (limit.get_ref().working_days, limit.get_ref().hours) {
                (Some(d), None) if d > 0 => {}
                (None, Some(h)) if h > 0 => {}
                _ => p.at(
                    limit,
                    "a time limit is either `working_days = N` or `hours = N`, with N > 0",
                ),
            }
        }
    }
    if p.errors.is_empty() {
        Ok(template)
    } else {
        Err(p.errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
key = "mini"
name = { zh = "最小流程", en = "Minimal" }
applies_to = "customer_development"

[[stages]]
key = "first"
name = { zh = "第一步", en = "First" }
probability = 10
time_limit = { working_days = 2 }
approval = "manager"

[[stages.checklist]]
key = "call"
text = { zh = "打电话", en = "Call" }
required = true

[[stages]]
key = "second"
name = { zh = "第二步", en = "Second" }
probability = 50
required_fields = ["expected_amount"]
"#;

    #[test]
    fn a_minimal_template_parses() {
        let t = parse_process_template(MINIMAL).unwrap();
        assert_eq!(t.key(), "mini");
        assert_eq!(t.stages.len(), 2);
        assert_eq!(t.first_stage().approval_role(), Some(Role::Manager));
        assert_eq!(t.stages[0].checklist[0].kind, ItemKind::Task);
        assert_eq!(t.stages[0].exit, ExitRule::Advance);
        assert_eq!(t.next_stage("first").map(Stage::key), Some("second"));
        assert_eq!(
            t.stages[1].required_fields().collect::<Vec<_>>(),
            [CaseField::ExpectedAmount]
        );
    }

    #[test]
    fn a_syntax_error_names_its_line() {
        let broken = MINIMAL.replace("probability = 50", "probability = = 50");
        let errors = parse_process_template(&broken).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 21, "{errors:?}");
    }

    #[test]
    fn every_semantic_problem_is_named_with_its_line() {
        let bad = MINIMAL
            .replace("approval = \"manager\"", "approval = \"boss\"")
            .replace(
                "required_fields = [\"expected_amount\"]",
                "required_fields = [\"budget\"]",
            )
            .replace("probability = 50", "probability = 5")
            .replace("key = \"second\"", "key = \"first\"");
        let errors = parse_process_template(&bad).unwrap_err();
        let lines: Vec<_> = errors
            .iter()
            .map(|e| {
                (
                    e.line,
                    e.message.split(' ').take(3).collect::<Vec<_>>().join(" "),
                )
            })
            .collect();
        assert_eq!(
            lines,
            [
                (11, "unknown role `boss`;".to_owned()),
                (19, "the stage key".to_owned()),
                (22, "unknown case field".to_owned()),
                (21, "probabilities must not".to_owned()),
            ],
            "{errors:#?}"
        );
    }

    #[test]
    fn unknown_keys_and_bad_time_limits_are_refused() {
        let bad = MINIMAL.replace(
            "time_limit = { working_days = 2 }",
            "time_limit = { working_days = 2, hours = 3 }",
        );
        let errors = parse_process_template(&bad).unwrap_err();
        assert!(errors[0].message.contains("either"), "{errors:?}");
        let bad = MINIMAL.replace("probability = 10", "probability = 10\ncolour = \"red\"");
        let errors = parse_process_template(&bad).unwrap_err();
        assert!(errors[0].message.contains("colour"), "{errors:?}");
    }

    #[test]
    fn texts_need_both_languages() {
        let bad = MINIMAL.replace("en = \"Call\"", "en = \"\"");
        let errors = parse_process_template(&bad).unwrap_err();
        assert!(errors[0].message.contains("English"), "{errors:?}");
    }
}

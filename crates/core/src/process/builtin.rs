//! The built-in process templates: the procedures of the source documents
//! (SPEC.md §2), as files in `crates/core/templates/process/`, embedded in
//! the binary.

use super::template::{ProcessTemplate, TemplateError, parse_process_template};

/// Every built-in process template: (file name, TOML text).
pub const PROCESS_TEMPLATES: &[(&str, &str)] = &[
    (
        "big_account_steps.toml",
        include_str!("../../templates/process/big_account_steps.toml"),
    ),
    (
        "frontline_sales_sop.toml",
        include_str!("../../templates/process/frontline_sales_sop.toml"),
    ),
    (
        "big_account_five_stages.toml",
        include_str!("../../templates/process/big_account_five_stages.toml"),
    ),
    (
        "customer_development_plan.toml",
        include_str!("../../templates/process/customer_development_plan.toml"),
    ),
    (
        "funnel_seven_steps.toml",
        include_str!("../../templates/process/funnel_seven_steps.toml"),
    ),
    (
        "standard_sales_process.toml",
        include_str!("../../templates/process/standard_sales_process.toml"),
    ),
    (
        "six_steps.toml",
        include_str!("../../templates/process/six_steps.toml"),
    ),
    (
        "big_account_plan.toml",
        include_str!("../../templates/process/big_account_plan.toml"),
    ),
    (
        "customer_prioritisation.toml",
        include_str!("../../templates/process/customer_prioritisation.toml"),
    ),
    (
        "need_confirmation.toml",
        include_str!("../../templates/process/need_confirmation.toml"),
    ),
];

/// Parses every built-in template; an error names the file and the line.
pub fn builtin_process_templates() -> Result<Vec<ProcessTemplate>, (String, Vec<TemplateError>)> {
    PROCESS_TEMPLATES
        .iter()
        .map(|(file, src)| parse_process_template(src).map_err(|e| ((*file).to_owned(), e)))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::process::template::AppliesTo;

    #[test]
    fn every_builtin_template_parses_and_checks() {
        let templates = builtin_process_templates().unwrap_or_else(|(file, errors)| {
            panic!(
                "{file}: {}",
                errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        });
        assert_eq!(templates.len(), PROCESS_TEMPLATES.len());
        let keys: BTreeSet<_> = templates.iter().map(ProcessTemplate::key).collect();
        assert_eq!(keys.len(), templates.len(), "template keys are unique");
        for (t, (file, _)) in templates.iter().zip(PROCESS_TEMPLATES) {
            assert_eq!(
                format!("{}.toml", t.key()),
                *file,
                "a built-in file is named after its key"
            );
            assert_eq!(t.applies_to, AppliesTo::CustomerDevelopment);
        }
    }

    #[test]
    fn the_five_stage_process_has_the_stages_of_the_seed() {
        let t = parse_process_template(PROCESS_TEMPLATES[2].1).unwrap();
        let names: Vec<_> = t.stages.iter().map(|s| s.name.zh.as_str()).collect();
        assert_eq!(
            names,
            [
                "确定开发对象",
                "样品资料提供／信息收集",
                "价值评估／开发程序",
                "关系建立",
                "促成成交"
            ]
        );
        assert_eq!(
            t.first_stage().exit,
            crate::process::template::ExitRule::AdvanceOrTerminate
        );
    }
}

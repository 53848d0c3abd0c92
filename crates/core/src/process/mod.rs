//! The process engine: templates as data, development cases, their gates,
//! history and the funnel report.

pub mod builtin;
pub mod case;
pub mod funnel;
pub mod template;

pub use case::{
    CaseDraft, CaseError, CaseEvent, CaseEventKind, CaseStatus, DevelopmentCase, GateApproval,
    GateContext, GateReport, Leave, Stamp, Unmet,
};
pub use template::{ProcessTemplate, TemplateError, parse_process_template};

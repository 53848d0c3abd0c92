//! Forms (表格): templates as data, filling them, scores, grades and red flags.

pub mod builtin;
pub mod score;
pub mod template;

pub use score::{Answer, Answers, FormResult, parse_answers, preview, score};
pub use template::{FormEffect, FormSubject, FormTemplate, parse_form_template};

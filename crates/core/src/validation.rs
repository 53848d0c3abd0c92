//! Validation errors that name every bad field at once.

use serde::Serialize;

/// One bad field: which, a stable machine code, and a human reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// The field's name as on the wire, e.g. `credit_code` or `contact_ids[2]`.
    pub field: String,
    /// A stable code: `required`, `too_long`, `invalid`, `out_of_range`, ...
    pub code: String,
    /// A human-readable reason.
    pub message: String,
}

/// All the bad fields of one input. Never empty when returned as an error.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
#[error("invalid input: {}", summary(.0))]
pub struct ValidationErrors(pub Vec<FieldError>);

fn summary(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

impl ValidationErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// A single error, for rules that concern one field.
    pub fn single(field: impl Into<String>, code: &str, message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(field, code, message);
        errors
    }

    pub fn add(&mut self, field: impl Into<String>, code: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            code: code.to_owned(),
            message: message.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn fields(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|e| e.field.as_str())
    }

    /// `Ok(value)` when no error was recorded.
    pub fn finish<T>(self, value: T) -> Result<T, Self> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

/// Field checks shared by the drafts of every record.
pub(crate) struct Checker {
    pub errors: ValidationErrors,
}

impl Checker {
    pub fn new() -> Self {
        Self {
            errors: ValidationErrors::new(),
        }
    }

    /// A required text: trimmed, not empty, at most `max` characters.
    pub fn required_text(&mut self, field: &str, value: &str, max: usize) -> String {
        let value = value.trim();
        if value.is_empty() {
            self.errors.add(field, "required", "must not be empty");
        } else {
            self.check_len(field, value, max);
        }
        value.to_owned()
    }

    /// An optional text: trimmed; empty becomes `None`.
    pub fn optional_text(
        &mut self,
        field: &str,
        value: Option<&str>,
        max: usize,
    ) -> Option<String> {
        let value = value.map(str::trim).filter(|v| !v.is_empty())?;
        self.check_len(field, value, max);
        Some(value.to_owned())
    }

    fn check_len(&mut self, field: &str, value: &str, max: usize) {
        let len = value.chars().count();
        if len > max {
            self.errors.add(
                field,
                "too_long",
                format!("must be at most {max} characters (got {len})"),
            );
        }
    }

    /// An optional phone number: digits with the usual separators.
    pub fn optional_phone(&mut self, field: &str, value: Option<&str>) -> Option<String> {
        let value = self.optional_text(field, value, 40)?;
        if !is_phone(&value) {
            self.errors.add(
                field,
                "invalid",
                "must be a phone number: digits, spaces, '+', '-', '(', ')' and an optional extension",
            );
        }
        Some(value)
    }

    /// An optional e-mail address: one `@` with text on both sides and a dot in the domain.
    pub fn optional_email(&mut self, field: &str, value: Option<&str>) -> Option<String> {
        let value = self.optional_text(field, value, 254)?;
        if !is_email(&value) {
            self.errors.add(
                field,
                "invalid",
                "must be an e-mail address like name@example.com",
            );
        }
        Some(value)
    }
}

pub(crate) fn is_phone(value: &str) -> bool {
    let digits = value.chars().filter(char::is_ascii_digit).count();
    (5..=20).contains(&digits)
        && value
            .chars()
            .all(|c| c.is_ascii_digit() || " +-()#转".contains(c) || c.eq_ignore_ascii_case(&'x'))
}

pub(crate) fn is_email(value: &str) -> bool {
    match value.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !value.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_in_the_usual_chinese_formats_are_accepted() {
        for phone in [
            "13812345678",
            "+86 138 1234 5678",
            "0755-8888 6666",
            "(010)62345678转123",
        ] {
            assert!(is_phone(phone), "{phone}");
        }
    }

    #[test]
    fn text_and_too_short_numbers_are_not_phones() {
        for phone in ["call me", "1234", "138-1234-567a", "123456789012345678901"] {
            assert!(!is_phone(phone), "{phone}");
        }
    }

    #[test]
    fn emails_need_a_local_part_and_a_dotted_domain() {
        assert!(is_email("li.ming@haixin.com.cn"));
        for bad in [
            "li.ming",
            "@haixin.com",
            "li@haixin",
            "li@@haixin.com",
            "li ming@haixin.com",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn a_checker_collects_every_error() {
        let mut c = Checker::new();
        c.required_text("name", "  ", 10);
        c.optional_text("notes", Some("abcdef"), 3);
        c.optional_email("email", Some("x"));
        let fields: Vec<_> = c.errors.fields().collect();
        assert_eq!(fields, ["name", "notes", "email"]);
    }
}

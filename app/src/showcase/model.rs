//! The verification form: a registration number and its verification code,
//! full-width digits and letters normalised as everywhere else.

use serde::{Deserialize, Serialize};

use crate::core::FieldErrors;
use crate::core::text::normalize_code;

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct VerifyQuery {
    pub number: Option<String>,
    pub code: Option<String>,
}

/// A number and a code as normalised.
pub struct Verify {
    pub number: String,
    pub code: String,
}

impl VerifyQuery {
    /// Nothing asked yet (the form's first visit).
    pub fn is_blank(&self) -> bool {
        self.number.is_none() && self.code.is_none()
    }

    pub fn normalized(&self) -> Verify {
        Verify {
            number: normalize_code(self.number.as_deref().unwrap_or("")),
            code: normalize_code(self.code.as_deref().unwrap_or("")),
        }
    }

    /// The normalised values, or a message per field. Both are then ASCII
    /// letters, digits and hyphens, safe in a path and a query.
    pub fn check(&self) -> Result<Verify, FieldErrors> {
        let v = self.normalized();
        let mut errors = FieldErrors::new();
        if let Some(e) = check_number(&v.number) {
            errors.add("number", e);
        }
        if let Some(e) = check_code(&v.code) {
            errors.add("code", e);
        }
        errors.is_empty().then_some(v).ok_or(errors)
    }
}

/// Registration numbers are digits (national 14/16-digit forms) or the
/// configurable local format: letters, digits and hyphens.
fn check_number(number: &str) -> Option<&'static str> {
    if number.is_empty() {
        Some("请填写登记编号")
    } else if number.chars().count() > 40
        || !number
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        Some("登记编号只能包含数字、字母和连字符，请对照登记证明填写")
    } else {
        None
    }
}

fn check_code(code: &str) -> Option<&'static str> {
    if code.is_empty() {
        Some("请填写核验码")
    } else if code.chars().count() > 32 || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
        Some("核验码只能包含数字和字母")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(number: &str, code: &str) -> VerifyQuery {
        VerifyQuery {
            number: Some(number.into()),
            code: Some(code.into()),
        }
    }

    #[test]
    fn each_field_gets_its_own_message() {
        let e = query("", "").check().err().unwrap();
        assert_eq!(e.get("number"), Some("请填写登记编号"));
        assert_eq!(e.get("code"), Some("请填写核验码"));
        let e = query("2026/1", "AB-C").check().err().unwrap();
        assert!(e.get("number").unwrap().starts_with("登记编号只能包含"));
        assert_eq!(e.get("code"), Some("核验码只能包含数字和字母"));
        let v = query("2026310115000123", "ABCD2345").check().ok().unwrap();
        assert_eq!(
            (v.number.as_str(), v.code.as_str()),
            ("2026310115000123", "ABCD2345")
        );
        assert!(VerifyQuery::default().is_blank());
    }
}

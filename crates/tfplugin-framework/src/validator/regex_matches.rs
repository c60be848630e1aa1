use regex::Regex;

use super::{ValidateRequest, Validator, with_string};
use crate::diag::Diagnostics;

/// The string matches `pattern` (a `regex` crate pattern; anchor it with `^…$` to match the whole string).
/// `description` says in words what is expected, for the error message. An invalid pattern is a provider
/// bug, reported as an error whenever the attribute is validated.
pub fn regex_matches(pattern: &str, description: impl Into<String>) -> impl Validator {
    RegexMatches {
        regex: Regex::new(pattern).map_err(|e| e.to_string()),
        description: description.into(),
    }
}

struct RegexMatches {
    regex: Result<Regex, String>,
    description: String,
}

impl Validator for RegexMatches {
    fn validate(&self, request: &ValidateRequest<'_>, diags: &mut Diagnostics) {
        with_string(request, |s| match &self.regex {
            Ok(regex) if regex.is_match(s) => {}
            Ok(regex) => diags.attribute_error(
                request.path.clone(),
                "Invalid attribute value",
                format!(
                    "{} {}, got {} (pattern {}).",
                    request.path,
                    self.description,
                    request.shown(format!("{s:?}")),
                    regex.as_str()
                ),
            ),
            Err(e) => diags.attribute_error(
                request.path.clone(),
                "Invalid validator",
                format!(
                    "The provider's pattern for {} is invalid: {e}. This is a bug in the provider.",
                    request.path
                ),
            ),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validator::check;
    use crate::value::Value;

    #[test]
    fn matches_and_explains() {
        let v = regex_matches("^[a-z]+$", "must be lowercase letters");
        assert!(!check(&v, Value::String("abc".into())).has_error());
        let diags = check(&v, Value::String("aBc".into()));
        assert!(
            diags.to_string().contains("must be lowercase letters"),
            "{diags}"
        );
    }

    #[test]
    fn bad_pattern_is_a_diagnostic() {
        let v = regex_matches("(", "anything");
        assert!(check(&v, Value::String("x".into())).has_error());
    }
}

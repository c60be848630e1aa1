use super::{ValidateRequest, Validator, with_string};
use crate::diag::Diagnostics;

/// The string is one of `allowed`.
pub fn one_of<S: Into<String>>(allowed: impl IntoIterator<Item = S>) -> impl Validator {
    OneOf {
        allowed: allowed.into_iter().map(Into::into).collect(),
    }
}

struct OneOf {
    allowed: Vec<String>,
}

impl Validator for OneOf {
    fn validate(&self, request: &ValidateRequest<'_>, diags: &mut Diagnostics) {
        with_string(request, |s| {
            if !self.allowed.iter().any(|a| a == s) {
                diags.attribute_error(
                    request.path.clone(),
                    "Invalid attribute value",
                    format!(
                        "{} must be one of {:?}, got {}.",
                        request.path,
                        self.allowed,
                        request.shown(format!("{s:?}"))
                    ),
                );
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validator::check;
    use crate::value::Value;

    #[test]
    fn accepts_only_listed_values() {
        let v = one_of(["a", "b"]);
        assert!(!check(&v, Value::String("b".into())).has_error());
        assert!(check(&v, Value::String("c".into())).has_error());
    }
}

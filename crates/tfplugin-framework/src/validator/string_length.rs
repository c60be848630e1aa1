use super::{ValidateRequest, Validator, with_string};
use crate::diag::Diagnostics;

/// The string has between `min` and `max` characters (inclusive), counted as Unicode scalar values.
pub fn string_length(min: usize, max: usize) -> impl Validator {
    StringLength { min, max }
}

struct StringLength {
    min: usize,
    max: usize,
}

impl Validator for StringLength {
    fn validate(&self, request: &ValidateRequest<'_>, diags: &mut Diagnostics) {
        with_string(request, |s| {
            let length = s.chars().count();
            if length < self.min || length > self.max {
                diags.attribute_error(
                    request.path.clone(),
                    "Invalid attribute value length",
                    format!(
                        "{} must be between {} and {} characters long, got {length}.",
                        request.path, self.min, self.max
                    ),
                );
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::path::AttrPath;
    use crate::validator::check;
    use crate::value::Value;

    #[test]
    fn counts_characters_not_bytes() {
        let v = string_length(1, 3);
        assert!(!check(&v, Value::String("äöü".into())).has_error());
        let diags = check(&v, Value::String("abcd".into()));
        assert!(diags.has_error());
        assert_eq!(diags.iter().next().unwrap().path, Some(AttrPath::attr("a")));
        assert!(check(&v, Value::String(String::new())).has_error());
    }
}

use super::{ValidateRequest, Validator};
use crate::diag::Diagnostics;

/// The number is a whole number between `min` and `max` (inclusive).
pub fn int_between(min: i64, max: i64) -> impl Validator {
    IntBetween { min, max }
}

struct IntBetween {
    min: i64,
    max: i64,
}

impl Validator for IntBetween {
    fn validate(&self, request: &ValidateRequest<'_>, diags: &mut Diagnostics) {
        let Some(n) = request.value.as_number() else {
            return;
        };
        if !n
            .as_i64()
            .is_some_and(|i| (self.min..=self.max).contains(&i))
        {
            diags.attribute_error(
                request.path.clone(),
                "Invalid attribute value",
                format!(
                    "{} must be a whole number between {} and {}, got {}.",
                    request.path,
                    self.min,
                    self.max,
                    request.shown(n)
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validator::check;
    use crate::value::{Number, Value};

    #[test]
    fn checks_range_and_wholeness() {
        let v = int_between(1, 10);
        assert!(!check(&v, Value::Number(Number::from(10))).has_error());
        assert!(check(&v, Value::Number(Number::from(11))).has_error());
        assert!(check(&v, Value::Number("2.5".parse().unwrap())).has_error());
    }
}

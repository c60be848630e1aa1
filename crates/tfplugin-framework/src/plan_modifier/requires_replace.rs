use super::{PlanModifier, PlanModifierRequest, PlanModifierResponse};

/// Any change of this attribute replaces the resource (destroy and create) instead of updating it.
pub fn requires_replace() -> impl PlanModifier {
    RequiresReplace
}

struct RequiresReplace;

impl PlanModifier for RequiresReplace {
    fn modify(&self, request: &PlanModifierRequest<'_>, response: &mut PlanModifierResponse) {
        if request.creating || response.plan == *request.state {
            return;
        }
        response.requires_replace = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan_modifier::run;
    use crate::value::Value;

    fn s(v: &str) -> Value {
        Value::String(v.into())
    }

    #[test]
    fn only_when_the_value_changes() {
        let m = requires_replace();
        assert!(run(&m, s("b"), s("a"), s("b"), false).requires_replace);
        assert!(run(&m, Value::unknown(), s("a"), Value::unknown(), false).requires_replace);
        assert!(!run(&m, s("a"), s("a"), s("a"), false).requires_replace);
        assert!(!run(&m, s("a"), Value::Null, s("a"), true).requires_replace);
    }
}

use super::{PlanModifier, PlanModifierRequest, PlanModifierResponse};

/// Plans the prior state's value instead of "known after apply", for computed attributes that never change
/// once set (IDs, creation times). Does nothing when creating, when the prior value is null, when the plan
/// already has a known value, or when the configuration's value is itself unknown (the user wants a value
/// that is not known yet).
pub fn use_state_for_unknown() -> impl PlanModifier {
    UseStateForUnknown
}

struct UseStateForUnknown;

impl PlanModifier for UseStateForUnknown {
    fn modify(&self, request: &PlanModifierRequest<'_>, response: &mut PlanModifierResponse) {
        if request.creating
            || request.state.is_null()
            || !request.plan.is_unknown()
            || request.config.is_unknown()
        {
            return;
        }
        response.plan = request.state.clone();
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
    fn copies_state_over_unknown() {
        let m = use_state_for_unknown();
        let out = run(&m, Value::Null, s("id-1"), Value::unknown(), false);
        assert_eq!(out.plan, s("id-1"));
    }

    #[test]
    fn leaves_creates_known_plans_and_unknown_config_alone() {
        let m = use_state_for_unknown();
        assert!(
            run(&m, Value::Null, Value::Null, Value::unknown(), true)
                .plan
                .is_unknown()
        );
        assert_eq!(
            run(&m, Value::Null, s("old"), s("new"), false).plan,
            s("new")
        );
        assert!(
            run(&m, Value::unknown(), s("old"), Value::unknown(), false)
                .plan
                .is_unknown()
        );
        assert!(
            run(&m, Value::Null, Value::Null, Value::unknown(), false)
                .plan
                .is_unknown()
        );
    }
}

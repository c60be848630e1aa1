use super::{PlanModifier, PlanModifierRequest, PlanModifierResponse};

/// Like [`requires_replace`](super::requires_replace), but only when `condition` says so, e.g. when a size
/// shrinks but not when it grows. The condition is only asked when the value changes and the resource is
/// not being created.
pub fn requires_replace_if(
    condition: impl Fn(&PlanModifierRequest<'_>) -> bool + Send + Sync + 'static,
) -> impl PlanModifier {
    RequiresReplaceIf {
        condition: Box::new(condition),
    }
}

type Condition = Box<dyn Fn(&PlanModifierRequest<'_>) -> bool + Send + Sync>;

struct RequiresReplaceIf {
    condition: Condition,
}

impl PlanModifier for RequiresReplaceIf {
    fn modify(&self, request: &PlanModifierRequest<'_>, response: &mut PlanModifierResponse) {
        if request.creating || response.plan == *request.state {
            return;
        }
        if (self.condition)(request) {
            response.requires_replace = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan_modifier::run;
    use crate::value::{Number, Value};

    fn n(v: i64) -> Value {
        Value::Number(Number::from(v))
    }

    #[test]
    fn asks_the_condition_only_for_changes() {
        let shrinking = requires_replace_if(|r| {
            match (
                r.state.as_number().and_then(|n| n.as_i64()),
                r.plan.as_number().and_then(|n| n.as_i64()),
            ) {
                (Some(old), Some(new)) => new < old,
                _ => false,
            }
        });
        assert!(run(&shrinking, n(5), n(10), n(5), false).requires_replace);
        assert!(!run(&shrinking, n(20), n(10), n(20), false).requires_replace);
        assert!(!run(&shrinking, n(10), n(10), n(10), false).requires_replace);
    }
}

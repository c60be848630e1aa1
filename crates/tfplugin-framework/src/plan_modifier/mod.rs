//! Attribute plan modifiers: adjust one attribute's planned value, or ask for replacement, during
//! PlanResourceChange. They run after defaults are applied and computed attributes are marked unknown, in
//! the order they were added, and only when the resource is being created or updated (not destroyed).
//!
//! | constructor | file |
//! |---|---|
//! | [`use_state_for_unknown`] | `use_state_for_unknown.rs` |
//! | [`requires_replace`] | `requires_replace.rs` |
//! | [`requires_replace_if`] | `requires_replace_if.rs` |

mod requires_replace;
mod requires_replace_if;
mod use_state_for_unknown;

pub use requires_replace::requires_replace;
pub use requires_replace_if::requires_replace_if;
pub use use_state_for_unknown::use_state_for_unknown;

use crate::diag::Diagnostics;
use crate::path::AttrPath;
use crate::value::Value;

/// Changes one attribute's plan.
pub trait PlanModifier: Send + Sync {
    fn modify(&self, request: &PlanModifierRequest<'_>, response: &mut PlanModifierResponse);
}

/// What a plan modifier sees: the attribute's value in the configuration, the prior state and the plan so
/// far.
pub struct PlanModifierRequest<'a> {
    pub path: &'a AttrPath,
    /// The configured value (null when not set; unknown when it depends on something not yet known).
    pub config: &'a Value,
    /// The value in the prior state; null when creating.
    pub state: &'a Value,
    /// The value planned so far (possibly by earlier modifiers).
    pub plan: &'a Value,
    /// The resource is being created: there is no prior state at all.
    pub creating: bool,
}

/// What a plan modifier decides. Starts as "no change".
pub struct PlanModifierResponse {
    /// The planned value; starts as the request's plan.
    pub plan: Value,
    /// Set to replace the resource instead of updating it. The server keeps the request only if the planned
    /// value really differs from the prior state, as Terraform requires.
    pub requires_replace: bool,
    pub diagnostics: Diagnostics,
}

#[cfg(test)]
fn run(
    modifier: &dyn PlanModifier,
    config: Value,
    state: Value,
    plan: Value,
    creating: bool,
) -> PlanModifierResponse {
    let path = AttrPath::attr("a");
    let mut response = PlanModifierResponse {
        plan: plan.clone(),
        requires_replace: false,
        diagnostics: Diagnostics::new(),
    };
    modifier.modify(
        &PlanModifierRequest {
            path: &path,
            config: &config,
            state: &state,
            plan: &plan,
            creating,
        },
        &mut response,
    );
    response
}

//! Plan checks (run on a saved plan before it is applied) and state checks (run on the state after a step).

use std::fmt;

use serde_json::Value as Json;

use crate::error::BoxError;
use crate::json::{CheckError, Plan, State, lookup, mask_covers};

/// What Terraform plans to do with a resource instance, as `terraform show -json` lists it in `actions`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    NoOp,
    Create,
    Read,
    Update,
    Delete,
    /// Replacement in either order.
    Replace,
    /// Replacement, destroying the old object first (the default).
    DestroyBeforeCreate,
    /// Replacement with `create_before_destroy`.
    CreateBeforeDestroy,
}

impl Action {
    fn matches(self, actions: &[String]) -> bool {
        let actions: Vec<&str> = actions.iter().map(String::as_str).collect();
        match self {
            Action::NoOp => actions == ["no-op"],
            Action::Create => actions == ["create"],
            Action::Read => actions == ["read"],
            Action::Update => actions == ["update"],
            Action::Delete => actions == ["delete"],
            Action::Replace => actions == ["delete", "create"] || actions == ["create", "delete"],
            Action::DestroyBeforeCreate => actions == ["delete", "create"],
            Action::CreateBeforeDestroy => actions == ["create", "delete"],
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Action::NoOp => "no-op",
            Action::Create => "create",
            Action::Read => "read",
            Action::Update => "update",
            Action::Delete => "delete",
            Action::Replace => "replace",
            Action::DestroyBeforeCreate => "destroy-before-create replace",
            Action::CreateBeforeDestroy => "create-before-destroy replace",
        })
    }
}

type PlanFn = dyn Fn(&Plan) -> Result<(), BoxError> + Send + Sync;
type StateFn = dyn Fn(&State) -> Result<(), BoxError> + Send + Sync;

/// A check on a saved plan. Runs on the plan of a config step before it is applied, on the plan of a
/// plan-only step, on the plan after a refresh step, and on the import plan of an import-block step.
pub struct PlanCheck {
    description: String,
    check: Box<PlanFn>,
}

impl PlanCheck {
    /// The resource instance at `address` is planned for `action`.
    pub fn action(address: &str, action: Action) -> PlanCheck {
        let address = address.to_owned();
        PlanCheck {
            description: format!("{address} is planned for {action}"),
            check: Box::new(move |plan| {
                let actions = plan.actions(&address)?;
                if action.matches(&actions) {
                    Ok(())
                } else {
                    Err(format!(
                        "expected {address} to be planned for {action}, but its actions are {actions:?}"
                    )
                    .into())
                }
            }),
        }
    }

    /// The refresh before the plan found that the object at `address` changed outside Terraform:
    /// [`Action::Delete`] when it is gone, [`Action::Update`] when it changed. Terraform lists this in the
    /// plan's `resource_drift` on every version, while its human-readable output (1.2 and later) only shows
    /// drift that contributes to a change.
    pub fn drift(address: &str, action: Action) -> PlanCheck {
        let address = address.to_owned();
        PlanCheck {
            description: format!("{address} drifted ({action})"),
            check: Box::new(move |plan| {
                let drift = plan.drift(&address);
                if action.matches(&drift) {
                    Ok(())
                } else if drift.is_empty() {
                    Err(format!(
                        "expected the refresh to find {address} changed outside Terraform ({action}), but it found no drift"
                    )
                    .into())
                } else {
                    Err(format!(
                        "expected the refresh to find {address} changed outside Terraform ({action}), but found {drift:?}"
                    )
                    .into())
                }
            }),
        }
    }

    /// After the plan, the attribute at `path` is known and equals `value`.
    pub fn known(address: &str, path: &str, value: impl Into<Json>) -> PlanCheck {
        let (address, path, value) = (address.to_owned(), path.to_owned(), value.into());
        PlanCheck {
            description: format!("{address}.{path} is planned as {value}"),
            check: Box::new(move |plan| {
                let change = plan.change(&address)?;
                if mask_covers(&change["after_unknown"], &path) {
                    return Err(format!(
                        "expected {address}.{path} to be known as {value}, but it is unknown until apply"
                    )
                    .into());
                }
                match lookup(&change["after"], &path) {
                    Some(found) if *found == value => Ok(()),
                    found => Err(format!(
                        "expected {address}.{path} to be planned as {value}, but it is {}",
                        found.map_or_else(|| "absent".to_owned(), Json::to_string)
                    )
                    .into()),
                }
            }),
        }
    }

    /// After the plan, the attribute at `path` is unknown (known after apply).
    pub fn unknown(address: &str, path: &str) -> PlanCheck {
        let (address, path) = (address.to_owned(), path.to_owned());
        PlanCheck {
            description: format!("{address}.{path} is unknown"),
            check: Box::new(move |plan| {
                let change = plan.change(&address)?;
                if mask_covers(&change["after_unknown"], &path) {
                    Ok(())
                } else {
                    let found = lookup(&change["after"], &path)
                        .map_or_else(|| "absent".to_owned(), Json::to_string);
                    Err(format!(
                        "expected {address}.{path} to be unknown until apply, but it is planned as {found}"
                    )
                    .into())
                }
            }),
        }
    }

    /// After the plan, the attribute at `path` is marked sensitive.
    pub fn sensitive(address: &str, path: &str) -> PlanCheck {
        let (address, path) = (address.to_owned(), path.to_owned());
        PlanCheck {
            description: format!("{address}.{path} is sensitive"),
            check: Box::new(move |plan| {
                let change = plan.change(&address)?;
                if mask_covers(&change["after_sensitive"], &path) {
                    Ok(())
                } else {
                    Err(format!("expected {address}.{path} to be sensitive in the plan").into())
                }
            }),
        }
    }

    /// No resource instance is planned to change.
    pub fn empty() -> PlanCheck {
        PlanCheck {
            description: "the plan is empty".to_owned(),
            check: Box::new(|plan| {
                if plan.has_resource_changes() {
                    Err(format!(
                        "expected no resource changes, but the plan has: {}",
                        describe_changes(plan)
                    )
                    .into())
                } else {
                    Ok(())
                }
            }),
        }
    }

    /// Anything else, on the parsed plan.
    pub fn custom(
        description: &str,
        check: impl Fn(&Plan) -> Result<(), BoxError> + Send + Sync + 'static,
    ) -> PlanCheck {
        PlanCheck {
            description: description.to_owned(),
            check: Box::new(check),
        }
    }

    pub(crate) fn run(&self, plan: &Plan) -> Result<(), String> {
        (self.check)(plan).map_err(|e| format!("plan check \"{}\": {e}", self.description))
    }
}

fn describe_changes(plan: &Plan) -> String {
    plan.addresses()
        .filter_map(|address| {
            let actions = plan.actions(address).ok()?;
            let changes = actions.iter().any(|a| a != "no-op" && a != "read");
            changes.then(|| format!("{address} {actions:?}"))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A check on the state after a step: after apply for config steps, after the refresh of refresh steps, and
/// on the imported state of import steps.
pub struct StateCheck {
    description: String,
    check: Box<StateFn>,
}

impl StateCheck {
    /// The attribute at `path` of the resource instance at `address` equals `value`.
    pub fn attr(address: &str, path: &str, value: impl Into<Json>) -> StateCheck {
        let (address, path, value) = (address.to_owned(), path.to_owned(), value.into());
        StateCheck {
            description: format!("{address}.{path} = {value}"),
            check: Box::new(move |state| {
                let found = state.attr(&address, &path)?;
                if *found == value {
                    Ok(())
                } else {
                    Err(CheckError(format!(
                        "expected {address}.{path} to be {value} in the state, but it is {found}"
                    ))
                    .into())
                }
            }),
        }
    }

    /// The attribute is set: neither null nor absent (e.g. a computed `id`).
    pub fn attr_set(address: &str, path: &str) -> StateCheck {
        let (address, path) = (address.to_owned(), path.to_owned());
        StateCheck {
            description: format!("{address}.{path} is set"),
            check: Box::new(move |state| match state.attr(&address, &path)? {
                Json::Null => {
                    Err(format!("expected {address}.{path} to be set, but it is null").into())
                }
                _ => Ok(()),
            }),
        }
    }

    /// The resource instance at `address` is not in the state.
    pub fn absent(address: &str) -> StateCheck {
        let address = address.to_owned();
        StateCheck {
            description: format!("{address} is not in the state"),
            check: Box::new(move |state| match state.resource(&address) {
                None => Ok(()),
                Some(values) => Err(format!(
                    "expected {address} not to be in the state, but it is, with {values}"
                )
                .into()),
            }),
        }
    }

    /// Anything else, on the parsed state.
    pub fn custom(
        description: &str,
        check: impl Fn(&State) -> Result<(), BoxError> + Send + Sync + 'static,
    ) -> StateCheck {
        StateCheck {
            description: description.to_owned(),
            check: Box::new(check),
        }
    }

    pub(crate) fn run(&self, state: &State) -> Result<(), String> {
        (self.check)(state).map_err(|e| format!("state check \"{}\": {e}", self.description))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn plan(change: Json) -> Plan {
        let text = json!({"resource_changes": [{"address": "x_thing.a", "change": change}]});
        Plan::from_show_json(&text.to_string()).unwrap()
    }

    #[test]
    fn actions_match_exactly() {
        let replace = plan(json!({"actions": ["create", "delete"]}));
        assert!(
            PlanCheck::action("x_thing.a", Action::Replace)
                .run(&replace)
                .is_ok()
        );
        assert!(
            PlanCheck::action("x_thing.a", Action::CreateBeforeDestroy)
                .run(&replace)
                .is_ok()
        );
        let err = PlanCheck::action("x_thing.a", Action::Create)
            .run(&replace)
            .unwrap_err();
        assert!(err.contains("[\"create\", \"delete\"]"), "{err}");
        assert!(
            PlanCheck::action("x_thing.b", Action::Create)
                .run(&replace)
                .is_err()
        );
    }

    #[test]
    fn known_unknown_and_sensitive_values() {
        let p = plan(json!({
            "actions": ["create"],
            "after": {"name": "a", "secret": "s"},
            "after_unknown": {"id": true},
            "after_sensitive": {"secret": true}
        }));
        assert!(PlanCheck::known("x_thing.a", "name", "a").run(&p).is_ok());
        assert!(PlanCheck::known("x_thing.a", "name", "b").run(&p).is_err());
        let err = PlanCheck::known("x_thing.a", "id", "1")
            .run(&p)
            .unwrap_err();
        assert!(err.contains("unknown until apply"), "{err}");
        assert!(PlanCheck::unknown("x_thing.a", "id").run(&p).is_ok());
        assert!(PlanCheck::unknown("x_thing.a", "name").run(&p).is_err());
        assert!(PlanCheck::sensitive("x_thing.a", "secret").run(&p).is_ok());
        assert!(PlanCheck::sensitive("x_thing.a", "name").run(&p).is_err());
        assert!(PlanCheck::empty().run(&p).is_err());
    }

    #[test]
    fn state_checks() {
        let state = State::single("x_thing.a", "managed", json!({"id": "1", "note": null}));
        assert!(StateCheck::attr("x_thing.a", "id", "1").run(&state).is_ok());
        let err = StateCheck::attr("x_thing.a", "id", "2")
            .run(&state)
            .unwrap_err();
        assert!(err.contains("expected x_thing.a.id to be \"2\""), "{err}");
        assert!(StateCheck::attr_set("x_thing.a", "id").run(&state).is_ok());
        assert!(
            StateCheck::attr_set("x_thing.a", "note")
                .run(&state)
                .is_err()
        );
        assert!(StateCheck::absent("x_thing.b").run(&state).is_ok());
        assert!(StateCheck::absent("x_thing.a").run(&state).is_err());
    }
}

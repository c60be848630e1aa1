//! Terraform's machine-readable state and plan (`terraform show -json`), indexed by resource address, and
//! attribute paths into them.
//!
//! An attribute path is written with dots: `name`, `tags.env`, `rule.0.port` (a number indexes a list, set or
//! tuple). Map keys containing dots cannot be addressed this way; use [`State::resource`] or [`Plan::json`]
//! for those.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value as Json;

/// A check could not be satisfied, or something it needed is missing. Plain text meant for the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckError(pub String);

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CheckError {}

fn segments(path: &str) -> Vec<&str> {
    if path.is_empty() {
        Vec::new()
    } else {
        path.split('.').collect()
    }
}

/// The value at `path` inside `json`, if there is one.
pub(crate) fn lookup<'a>(json: &'a Json, path: &str) -> Option<&'a Json> {
    segments(path)
        .into_iter()
        .try_fold(json, |node, segment| match node {
            Json::Object(map) => map.get(segment),
            Json::Array(items) => items.get(segment.parse::<usize>().ok()?),
            _ => None,
        })
}

/// Whether a mask such as `after_unknown` or `after_sensitive` marks `path`: Terraform writes `true` at the
/// outermost marked value and leaves everything else out (or `false`).
pub(crate) fn mask_covers(mask: &Json, path: &str) -> bool {
    let mut node = mask;
    for segment in segments(path) {
        if node == &Json::Bool(true) {
            return true;
        }
        node = match node {
            Json::Object(map) => match map.get(segment) {
                Some(next) => next,
                None => return false,
            },
            Json::Array(items) => match segment.parse::<usize>().ok().and_then(|i| items.get(i)) {
                Some(next) => next,
                None => return false,
            },
            _ => return false,
        };
    }
    node == &Json::Bool(true)
}

/// Every leaf of `json` by its dotted path; empty objects and lists count as leaves so that "empty" and
/// "null" stay different.
pub(crate) fn flatten(json: &Json) -> BTreeMap<String, Json> {
    fn walk(json: &Json, prefix: &str, out: &mut BTreeMap<String, Json>) {
        let join = |key: &str| {
            if prefix.is_empty() {
                key.to_owned()
            } else {
                format!("{prefix}.{key}")
            }
        };
        match json {
            Json::Object(map) if !map.is_empty() => {
                for (key, value) in map {
                    walk(value, &join(key), out);
                }
            }
            Json::Array(items) if !items.is_empty() => {
                for (i, value) in items.iter().enumerate() {
                    walk(value, &join(&i.to_string()), out);
                }
            }
            leaf => {
                out.insert(prefix.to_owned(), leaf.clone());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(json, "", &mut out);
    out
}

fn parse(bytes: &str, what: &str) -> Result<Json, CheckError> {
    serde_json::from_str(bytes).map_err(|e| {
        CheckError(format!(
            "the {what} from `terraform show -json` is not JSON ({e})"
        ))
    })
}

/// Terraform state as `terraform show -json` prints it.
#[derive(Clone, Debug)]
pub struct State {
    json: Json,
    /// Each resource instance's JSON object (address, mode, type, values, …), by address.
    resources: BTreeMap<String, Json>,
}

impl State {
    pub(crate) fn from_show_json(text: &str) -> Result<State, CheckError> {
        let json = parse(text, "state")?;
        let mut resources = BTreeMap::new();
        if let Some(root) = json.pointer("/values/root_module") {
            collect_module(root, &mut resources);
        }
        Ok(State { json, resources })
    }

    /// A state holding just one resource instance, for checks on what an import block would import.
    pub(crate) fn single(address: &str, mode: &str, values: Json) -> State {
        let resource = serde_json::json!({ "address": address, "mode": mode, "values": values });
        let json =
            serde_json::json!({ "values": { "root_module": { "resources": [resource.clone()] } } });
        State {
            json,
            resources: BTreeMap::from([(address.to_owned(), resource)]),
        }
    }

    /// The whole document.
    pub fn json(&self) -> &Json {
        &self.json
    }

    /// Addresses of every resource instance (managed and data), e.g. `fixture_thing.a`,
    /// `module.m.fixture_thing.b[0]`, `data.fixture_echo.e`.
    pub fn addresses(&self) -> impl Iterator<Item = &str> {
        self.resources.keys().map(String::as_str)
    }

    /// How many managed resource instances the state holds.
    pub fn managed_count(&self) -> usize {
        self.resources
            .values()
            .filter(|r| r["mode"] == "managed")
            .count()
    }

    /// The attribute values of the resource instance at `address`.
    pub fn resource(&self, address: &str) -> Option<&Json> {
        self.resources.get(address).map(|r| &r["values"])
    }

    /// The value at an attribute path of a resource instance.
    pub fn attr(&self, address: &str, path: &str) -> Result<&Json, CheckError> {
        let values = self.resource(address).ok_or_else(|| {
            CheckError(format!(
                "{address} is not in the state (it has: {})",
                self.addresses().collect::<Vec<_>>().join(", ")
            ))
        })?;
        lookup(values, path)
            .ok_or_else(|| CheckError(format!("{address} has no attribute {path} in the state")))
    }

    /// A string attribute, e.g. the `id` a destroy check needs to look the remote object up.
    pub fn attr_str(&self, address: &str, path: &str) -> Result<&str, CheckError> {
        let value = self.attr(address, path)?;
        value.as_str().ok_or_else(|| {
            CheckError(format!(
                "{address}.{path} is {value} in the state, not a string"
            ))
        })
    }
}

fn action_names(change: &Json) -> Vec<String> {
    change["actions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a.as_str().map(str::to_owned))
        .collect()
}

fn collect_module(module: &Json, out: &mut BTreeMap<String, Json>) {
    for resource in module["resources"].as_array().into_iter().flatten() {
        if let Some(address) = resource["address"].as_str() {
            out.insert(address.to_owned(), resource.clone());
        }
    }
    for child in module["child_modules"].as_array().into_iter().flatten() {
        collect_module(child, out);
    }
}

/// A saved plan as `terraform show -json <planfile>` prints it.
#[derive(Clone, Debug)]
pub struct Plan {
    json: Json,
    /// Each entry of `resource_changes`, by address.
    changes: BTreeMap<String, Json>,
    /// Each entry of `resource_drift` (what the refresh found changed outside Terraform), by address.
    drift: BTreeMap<String, Json>,
}

impl Plan {
    pub(crate) fn from_show_json(text: &str) -> Result<Plan, CheckError> {
        let json = parse(text, "plan")?;
        let by_address = |list: &Json| {
            list.as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| Some((c["address"].as_str()?.to_owned(), c.clone())))
                .collect()
        };
        Ok(Plan {
            changes: by_address(&json["resource_changes"]),
            drift: by_address(&json["resource_drift"]),
            json,
        })
    }

    /// The whole document.
    pub fn json(&self) -> &Json {
        &self.json
    }

    /// Addresses with an entry in `resource_changes` (including no-op ones).
    pub fn addresses(&self) -> impl Iterator<Item = &str> {
        self.changes.keys().map(String::as_str)
    }

    /// The `change` object of a resource instance: `actions`, `before`, `after`, `after_unknown`,
    /// `before_sensitive`, `after_sensitive`, and `importing` when it is being imported.
    pub fn change(&self, address: &str) -> Result<&Json, CheckError> {
        self.changes
            .get(address)
            .map(|c| &c["change"])
            .ok_or_else(|| {
                CheckError(format!(
                    "the plan has no change for {address} (it has: {})",
                    self.addresses().collect::<Vec<_>>().join(", ")
                ))
            })
    }

    /// The planned actions of a resource instance, e.g. `["delete", "create"]`.
    pub fn actions(&self, address: &str) -> Result<Vec<String>, CheckError> {
        Ok(action_names(self.change(address)?))
    }

    /// What the refresh found changed outside Terraform for a resource instance: `["delete"]` when the
    /// remote object is gone, `["update"]` when it changed; empty when it found nothing.
    pub fn drift(&self, address: &str) -> Vec<String> {
        self.drift
            .get(address)
            .map(|d| action_names(&d["change"]))
            .unwrap_or_default()
    }

    /// Whether any resource instance is planned to change (anything other than no-op or read).
    pub fn has_resource_changes(&self) -> bool {
        self.changes.keys().any(|address| {
            self.actions(address)
                .unwrap_or_default()
                .iter()
                .any(|a| a != "no-op" && a != "read")
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn lookup_follows_objects_and_indices() {
        let value = json!({"a": {"b": [10, {"c": "x"}]}, "n": null});
        assert_eq!(lookup(&value, "a.b.0"), Some(&json!(10)));
        assert_eq!(lookup(&value, "a.b.1.c"), Some(&json!("x")));
        assert_eq!(lookup(&value, "n"), Some(&Json::Null));
        assert_eq!(lookup(&value, "a.b.2"), None);
        assert_eq!(lookup(&value, "a.z"), None);
        assert_eq!(lookup(&value, ""), Some(&value));
    }

    #[test]
    fn masks_cover_their_marked_subtrees() {
        let mask =
            json!({"id": true, "tags": {"secret": true}, "list": [false, true], "whole": true});
        assert!(mask_covers(&mask, "id"));
        assert!(mask_covers(&mask, "tags.secret"));
        assert!(!mask_covers(&mask, "tags.public"));
        assert!(mask_covers(&mask, "list.1"));
        assert!(!mask_covers(&mask, "list.0"));
        assert!(mask_covers(&mask, "whole.deep.inside"));
        assert!(!mask_covers(&mask, "name"));
        assert!(mask_covers(&json!(true), "anything"));
        assert!(!mask_covers(&json!({}), ""));
    }

    #[test]
    fn flatten_keeps_empty_collections_apart_from_null() {
        let flat = flatten(&json!({"a": null, "b": [], "c": {}, "d": [1, {"e": "f"}]}));
        assert_eq!(flat["a"], Json::Null);
        assert_eq!(flat["b"], json!([]));
        assert_eq!(flat["c"], json!({}));
        assert_eq!(flat["d.0"], json!(1));
        assert_eq!(flat["d.1.e"], json!("f"));
        assert_eq!(flat.len(), 5);
    }

    #[test]
    fn state_indexes_resources_in_child_modules() {
        let text = json!({
            "values": {"root_module": {
                "resources": [{"address": "x_thing.a", "mode": "managed", "values": {"id": "1"}}],
                "child_modules": [{"resources": [
                    {"address": "module.m.x_thing.b[0]", "mode": "managed", "values": {"id": "2"}},
                    {"address": "module.m.data.x_echo.e", "mode": "data", "values": {}}
                ]}]
            }}
        })
        .to_string();
        let state = State::from_show_json(&text).unwrap();
        assert_eq!(state.attr_str("x_thing.a", "id").unwrap(), "1");
        assert_eq!(state.attr_str("module.m.x_thing.b[0]", "id").unwrap(), "2");
        assert_eq!(state.managed_count(), 2);
        let missing = state.attr("x_thing.z", "id").unwrap_err().0;
        assert!(missing.contains("not in the state"), "{missing}");
        assert!(
            State::from_show_json("{\"format_version\":\"1.0\"}")
                .unwrap()
                .managed_count()
                == 0
        );
    }

    #[test]
    fn plan_reports_actions_and_changes() {
        let text = json!({
            "resource_changes": [
                {"address": "x_thing.a", "change": {"actions": ["no-op"]}},
                {"address": "x_thing.b", "change": {"actions": ["delete", "create"]}}
            ],
            "resource_drift": [{"address": "x_thing.a", "change": {"actions": ["delete"]}}]
        })
        .to_string();
        let plan = Plan::from_show_json(&text).unwrap();
        assert_eq!(plan.actions("x_thing.b").unwrap(), ["delete", "create"]);
        assert_eq!(plan.drift("x_thing.a"), ["delete"]);
        assert!(plan.drift("x_thing.b").is_empty());
        assert!(plan.has_resource_changes());
        assert!(plan.actions("x_thing.c").is_err());
        let noop =
            json!({"resource_changes": [{"address": "x", "change": {"actions": ["no-op"]}}]});
        assert!(
            !Plan::from_show_json(&noop.to_string())
                .unwrap()
                .has_resource_changes()
        );
    }
}

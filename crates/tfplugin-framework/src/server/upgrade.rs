//! UpgradeResourceState: stored state (JSON, written with some schema version) to the current schema.
//!
//! Terraform calls this for every instance before each refresh, even when the version has not changed, and
//! an empty answer would make the instance look absent, so the state always comes back. Attributes that
//! are no longer in the schema are dropped rather than refused: removing an attribute must not strand the
//! resources that had it.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::value::RawValue;
use tfplugin_proto::wire::{RawState, upgrade_resource_state};

use super::walk::{Body, null_write_only};
use super::{FrameworkServer, convert};
use crate::diag::Diagnostics;
use crate::provider::Provider;
use crate::resource::{StateUpgrader, UpgradeStateRequest, UpgradeStateResponse};
use crate::schema::Schema;
use crate::value::{SchemaValue, Type, Value};

impl<P: Provider> FrameworkServer<P> {
    pub(super) fn upgrade_resource_state_rpc(
        &self,
        request: upgrade_resource_state::Request,
    ) -> upgrade_resource_state::Response {
        let mut diags = Diagnostics::new();
        let mut response = upgrade_resource_state::Response::default();
        if let Some(resource) = self.resource(&request.type_name, &mut diags) {
            let schema = &resource.schema;
            let raw = request.raw_state.unwrap_or_default();
            let upgraded = if request.version > schema.version {
                diags.error(
                    "Resource state is newer than this provider",
                    format!(
                        "The stored state of this {} was written with schema version {}, but this provider only knows versions up to {}. \
                         Use the provider version that wrote it, or a newer one.",
                        request.type_name, request.version, schema.version
                    ),
                );
                None
            } else if request.version == schema.version {
                read_raw(&raw, schema, &mut diags)
            } else {
                let instance = resource
                    .kind
                    .instance(self.provider_data().as_ref(), &mut diags);
                let mut upgraders = instance.state_upgraders();
                match upgraders.remove(&request.version) {
                    Some(upgrader) => run_upgrader(&upgrader, &raw, schema, &mut diags),
                    None => {
                        diags.error(
                            "Unable to upgrade resource state",
                            format!(
                                "The stored state of this {} was written with schema version {}, and the provider has no upgrade from it to version {}. \
                                 This is a bug in the provider.",
                                request.type_name, request.version, schema.version
                            ),
                        );
                        None
                    }
                }
            };
            if let Some(mut state) = upgraded.filter(|_| !diags.has_error()) {
                null_write_only(Body::of(schema.body()), &mut state);
                response.upgraded_state =
                    convert::encode(&state, schema, "upgraded state", &mut diags);
            }
        }
        response.diagnostics = convert::diagnostics(&diags);
        response
    }
}

/// Reads the stored state with the upgrader's prior schema and lets it write the current one.
fn run_upgrader(
    upgrader: &StateUpgrader,
    raw: &RawState,
    schema: &Arc<Schema>,
    diags: &mut Diagnostics,
) -> Option<Value> {
    let prior = SchemaValue::new(
        upgrader.prior_schema.clone(),
        read_raw(raw, &upgrader.prior_schema, diags)?,
    );
    let mut upgrade = UpgradeStateResponse {
        state: SchemaValue::null(schema.clone()),
        diagnostics: Diagnostics::new(),
    };
    (upgrader.upgrade)(
        &UpgradeStateRequest {
            state: prior.clone(),
        },
        &mut upgrade,
    );
    diags.extend(upgrade.diagnostics);
    let state = upgrade.state.into_value();
    if state.is_null() && !prior.is_null() && !diags.has_error() {
        diags.error(
            "Missing upgraded state",
            "A state upgrader set no state. This is a bug in the provider.",
        );
    }
    Some(state)
}

/// Reads stored JSON with `schema`'s type, leaving out attributes the schema does not have.
fn read_raw(raw: &RawState, schema: &Schema, diags: &mut Diagnostics) -> Option<Value> {
    let pruned = if raw.json.is_empty() {
        RawState {
            json: Vec::new(),
            flatmap: raw.flatmap.clone(),
        }
    } else {
        match prune(&raw.json, schema.value_type()) {
            Ok(json) => RawState {
                json,
                flatmap: Default::default(),
            },
            Err(e) => {
                diags.error(
                    "Invalid stored state",
                    format!("The stored state is not valid JSON: {e}."),
                );
                return None;
            }
        }
    };
    match pruned.decode(schema.value_type()) {
        Ok(v) => Some(v),
        Err(e) => {
            diags.error(
                "Invalid stored state",
                format!(
                    "The stored state does not match schema version {}: {e}.",
                    schema.version
                ),
            );
            None
        }
    }
}

fn prune(json: &[u8], ty: &Type) -> Result<Vec<u8>, serde_json::Error> {
    let raw: &RawValue = serde_json::from_slice(json)?;
    Ok(prune_raw(raw, ty)?.into_bytes())
}

/// Rewrites JSON without the object attributes `ty` does not have. Works on raw JSON text so numbers keep
/// every digit; anything that does not have the expected shape is left for the decoder to report.
fn prune_raw(raw: &RawValue, ty: &Type) -> Result<String, serde_json::Error> {
    let text = raw.get().trim();
    let is_object = text.starts_with('{');
    let is_array = text.starts_with('[');
    match ty {
        Type::Object { attributes, .. } if is_object => {
            let entries: BTreeMap<String, &RawValue> = serde_json::from_str(text)?;
            let mut parts = Vec::new();
            for (name, value) in entries {
                if let Some(attr_ty) = attributes.get(&name) {
                    parts.push(format!(
                        "{}:{}",
                        serde_json::to_string(&name)?,
                        prune_raw(value, attr_ty)?
                    ));
                }
            }
            Ok(format!("{{{}}}", parts.join(",")))
        }
        Type::Map(element) if is_object => {
            let entries: BTreeMap<String, &RawValue> = serde_json::from_str(text)?;
            let parts = entries
                .into_iter()
                .map(|(k, v)| {
                    Ok(format!(
                        "{}:{}",
                        serde_json::to_string(&k)?,
                        prune_raw(v, element)?
                    ))
                })
                .collect::<Result<Vec<_>, serde_json::Error>>()?;
            Ok(format!("{{{}}}", parts.join(",")))
        }
        Type::List(element) | Type::Set(element) if is_array => {
            let items: Vec<&RawValue> = serde_json::from_str(text)?;
            let parts = items
                .into_iter()
                .map(|item| prune_raw(item, element))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(format!("[{}]", parts.join(",")))
        }
        Type::Tuple(elements) if is_array => {
            let items: Vec<&RawValue> = serde_json::from_str(text)?;
            let parts = items
                .into_iter()
                .zip(elements.iter().chain(std::iter::repeat(&Type::Dynamic)))
                .map(|(item, t)| prune_raw(item, t))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(format!("[{}]", parts.join(",")))
        }
        _ => Ok(text.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_removed_attributes_and_keeps_digits() {
        let ty = Type::object([
            ("id", Type::String),
            ("n", Type::Number),
            ("rules", Type::list(Type::object([("port", Type::Number)]))),
        ]);
        let json = br#"{"id":"x","gone":true,"n":123456789012345678901234567890,"rules":[{"port":1,"old":2}]}"#;
        let out = String::from_utf8(prune(json, &ty).unwrap()).unwrap();
        assert_eq!(
            out,
            r#"{"id":"x","n":123456789012345678901234567890,"rules":[{"port":1}]}"#
        );
    }
}

//! Fuzz target for the framework's decoding of what Terraform sends (budget from
//! `tinesaudit_testkit::fuzz::config`): `testfw_thing` configurations, plans and states, valid ones
//! damaged byte by byte, in msgpack (validate, plan) and JSON (a state to upgrade). The framework
//! answers each with diagnostics, never a panic or a transport error, and every error diagnostic
//! says what it is about.

use std::collections::BTreeMap;

use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use tfplugin_proto::ProviderServer;
use tfplugin_proto::value::Value;
use tfplugin_proto::wire::{
    Diagnostic, DynamicValue, RawState, plan_resource_change, upgrade_resource_state,
    validate_resource_config,
};
use tinesaudit_testkit::fuzz::{self, damaged};

use crate::{Env, THING, modern_client, s, thing, thing_type};

/// A `testfw_thing` the way a configuration or state would hold it.
fn thing_value() -> impl Strategy<Value = Value> {
    let tags = prop::option::of(prop::collection::btree_map(
        "[a-z]{1,6}",
        "[a-z]{0,6}".prop_map(|v| s(&v)),
        0..3,
    ));
    (
        "[a-z0-9-]{1,10}",
        prop::option::of(any::<String>()),
        tags,
        prop::option::of("thing-[0-9]{1,3}"),
    )
        .prop_map(|(name, note, tags, id)| {
            thing(&[
                ("name", s(&name)),
                ("note", note.map_or(Value::Null, |n| s(&n))),
                (
                    "tags",
                    tags.map_or(Value::Null, |t| Value::Map(BTreeMap::from_iter(t))),
                ),
                ("id", id.map_or(Value::Null, |i| s(&i))),
            ])
        })
}

fn damaged_msgpack() -> impl Strategy<Value = Vec<u8>> {
    thing_value().prop_flat_map(|v| damaged(v.to_msgpack(&thing_type()).unwrap()))
}

fn damaged_json() -> impl Strategy<Value = Vec<u8>> {
    thing_value().prop_flat_map(|v| damaged(v.to_json(&thing_type()).unwrap()))
}

fn msgpack(bytes: &[u8]) -> Option<DynamicValue> {
    Some(DynamicValue {
        msgpack: bytes.to_vec(),
        json: Vec::new(),
    })
}

fn check(diagnostics: &[Diagnostic]) -> Result<(), TestCaseError> {
    for d in diagnostics.iter().filter(|d| d.is_error()) {
        prop_assert!(
            !d.summary.trim().is_empty(),
            "an error without a summary: {d:?}"
        );
    }
    Ok(())
}

#[test]
fn fuzz_damaged_values_from_terraform_end_in_diagnostics() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let env = runtime.block_on(Env::new());
    let strategy = (damaged_msgpack(), damaged_msgpack(), damaged_json());
    TestRunner::new(fuzz::config())
        .run(&strategy, |(config, prior, state)| {
            runtime.block_on(async {
                let validated = env
                    .server
                    .validate_resource_config(validate_resource_config::Request {
                        type_name: THING.into(),
                        config: msgpack(&config),
                        client_capabilities: modern_client(),
                    })
                    .await
                    .map_err(|e| TestCaseError::fail(format!("validate: {e}")))?;
                check(&validated.diagnostics)?;
                let planned = env
                    .server
                    .plan_resource_change(plan_resource_change::Request {
                        type_name: THING.into(),
                        prior_state: msgpack(&prior),
                        proposed_new_state: msgpack(&config),
                        config: msgpack(&config),
                        client_capabilities: modern_client(),
                        ..Default::default()
                    })
                    .await
                    .map_err(|e| TestCaseError::fail(format!("plan: {e}")))?;
                check(&planned.diagnostics)?;
                let upgraded = env
                    .server
                    .upgrade_resource_state(upgrade_resource_state::Request {
                        type_name: THING.into(),
                        version: 1,
                        raw_state: Some(RawState {
                            json: state,
                            flatmap: Default::default(),
                        }),
                    })
                    .await
                    .map_err(|e| TestCaseError::fail(format!("upgrade: {e}")))?;
                check(&upgraded.diagnostics)
            })
        })
        .unwrap();
}

//! ValidateResourceConfig: attribute validators with paths, unknowns skipped, resource-level checks.

use tfplugin_proto::ProviderServer;
use tfplugin_proto::value::Value;
use tfplugin_proto::wire::{DynamicValue, validate_resource_config};

use crate::{Env, THING, assert_no_errors, encode, errors, modern_client, n, path_of, s, thing};

async fn validate(env: &Env, config: Option<DynamicValue>) -> validate_resource_config::Response {
    env.server
        .validate_resource_config(validate_resource_config::Request {
            type_name: THING.into(),
            config,
            client_capabilities: modern_client(),
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn invalid_name_is_reported_under_the_attribute() {
    let env = Env::new().await;
    let response = validate(&env, encode(&thing(&[("name", s("Not Valid!"))]))).await;
    let errors = errors(&response.diagnostics);
    assert_eq!(errors.len(), 1, "{:?}", response.diagnostics);
    assert_eq!(path_of(errors[0]), "name");
    assert!(
        errors[0].detail.contains("lowercase letters"),
        "{}",
        errors[0].detail
    );
}

#[tokio::test]
async fn unknown_values_are_not_validated() {
    let env = Env::new().await;
    let response = validate(&env, encode(&thing(&[("name", Value::unknown())]))).await;
    assert_no_errors(&response.diagnostics);
}

#[tokio::test]
async fn int64_range_and_resource_checks_name_their_attributes() {
    let env = Env::new().await;
    let response = validate(
        &env,
        encode(&thing(&[("name", s("a")), ("secret_wo_version", n(0))])),
    )
    .await;
    assert_eq!(
        errors(&response.diagnostics)
            .iter()
            .map(|d| path_of(d))
            .collect::<Vec<_>>(),
        ["secret_wo_version"]
    );

    // The resource's own check: a secret needs a version.
    let response = validate(
        &env,
        encode(&thing(&[("name", s("a")), ("secret_wo", s("x"))])),
    )
    .await;
    assert_eq!(
        errors(&response.diagnostics)
            .iter()
            .map(|d| path_of(d))
            .collect::<Vec<_>>(),
        ["secret_wo_version"]
    );
}

#[tokio::test]
async fn undecodable_values_become_diagnostics() {
    let env = Env::new().await;
    let garbage = Some(DynamicValue {
        msgpack: vec![0xc1, 0xff, 0x00],
        json: Vec::new(),
    });
    let response = validate(&env, garbage).await;
    assert_eq!(errors(&response.diagnostics).len(), 1);
}

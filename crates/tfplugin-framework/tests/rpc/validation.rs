//! ValidateResourceConfig and ValidateDataResourceConfig: attribute validators with paths, unknowns skipped,
//! resource-level checks, read-only attributes refused.

use std::collections::BTreeMap;

use tfplugin_framework::DataSource;
use tfplugin_proto::ProviderServer;
use tfplugin_proto::value::Value;
use tfplugin_proto::wire::{
    Diagnostic, DynamicValue, validate_data_resource_config, validate_resource_config,
};

use crate::echo::EchoDataSource;
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

/// The paths of the errors, and that each says the attribute is read-only and how to fix the configuration.
fn read_only_errors(diagnostics: &[Diagnostic]) -> Vec<String> {
    errors(diagnostics)
        .into_iter()
        .map(|d| {
            let path = path_of(d);
            assert_eq!(d.summary, "Read-only attribute", "{d:?}");
            assert!(
                d.detail.contains(&format!("{path} is read-only"))
                    && d.detail
                        .contains(&format!("Remove {path} from the configuration")),
                "{}",
                d.detail
            );
            path
        })
        .collect()
}

#[tokio::test]
async fn read_only_resource_attributes_are_refused_even_when_unknown() {
    let env = Env::new().await;
    // `updated_at` unknown stands for a reference to another resource's attribute: still a setting.
    let config = thing(&[
        ("name", s("a")),
        ("id", s("chosen")),
        ("updated_at", Value::unknown()),
    ]);
    let response = validate(&env, encode(&config)).await;
    assert_eq!(
        read_only_errors(&response.diagnostics),
        ["id", "updated_at"]
    );
}

#[tokio::test]
async fn read_only_data_source_attributes_are_refused() {
    let env = Env::new().await;
    let ty = EchoDataSource::default().schema().value_type().clone();
    let config = Value::Object(BTreeMap::from([
        ("text".to_owned(), s("hi")),
        ("result".to_owned(), s("mine")),
        ("thing_id".to_owned(), Value::Null),
        ("thing_name".to_owned(), Value::Null),
    ]));
    let response = env
        .server
        .validate_data_resource_config(validate_data_resource_config::Request {
            type_name: "testfw_echo".into(),
            config: Some(DynamicValue::encode(&config, &ty).unwrap()),
        })
        .await
        .unwrap();
    assert_eq!(read_only_errors(&response.diagnostics), ["result"]);
}

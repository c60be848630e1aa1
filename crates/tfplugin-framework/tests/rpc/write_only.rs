//! Write-only attributes: planned null, never stored, and refused with a clear message on CLIs before 1.11.

use tfplugin_proto::ProviderServer;
use tfplugin_proto::value::Value;
use tfplugin_proto::wire::validate_resource_config;

use crate::{
    Env, THING, apply, assert_no_errors, converge, decode, encode, errors, modern_client, n,
    path_of, plan, s, thing,
};

fn with_secret(secret: &str, version: i64) -> Value {
    thing(&[
        ("name", s("alpha")),
        ("secret_wo", s(secret)),
        ("secret_wo_version", n(version)),
    ])
}

#[tokio::test]
async fn secret_is_planned_null_reaches_the_store_and_never_the_state() {
    let env = Env::new().await;
    let config = with_secret("s3cret", 1);
    let planned = plan(&env, &Value::Null, &config).await;
    assert_no_errors(&planned.diagnostics);
    let plan_value = decode(&planned.planned_state);
    assert_eq!(plan_value.attribute("secret_wo"), Some(&Value::Null));

    let applied = apply(&env, &Value::Null, &plan_value, &config).await;
    assert_no_errors(&applied.diagnostics);
    let state = decode(&applied.new_state);
    assert_eq!(state.attribute("secret_wo"), Some(&Value::Null));
    assert_eq!(
        env.store()
            .get("thing-1")
            .unwrap()
            .unwrap()
            .secret
            .as_deref(),
        Some("s3cret")
    );

    // Same version: nothing to do, although the configuration still carries the secret.
    let again = plan(&env, &state, &config).await;
    assert_eq!(decode(&again.planned_state), state);

    // A new version sends the new secret.
    let rotated = converge(&env, &state, &with_secret("n3w", 2)).await;
    assert_eq!(rotated.attribute("secret_wo"), Some(&Value::Null));
    assert_eq!(
        env.store()
            .get("thing-1")
            .unwrap()
            .unwrap()
            .secret
            .as_deref(),
        Some("n3w")
    );
}

#[tokio::test]
async fn older_terraform_gets_a_clear_error_under_the_attribute() {
    let env = Env::new().await;
    let validate = |client_capabilities| {
        env.server
            .validate_resource_config(validate_resource_config::Request {
                type_name: THING.into(),
                config: encode(&with_secret("s3cret", 1)),
                client_capabilities,
            })
    };
    // Terraform before 1.11 sends no client capabilities.
    let old = validate(None).await.unwrap();
    let errors = errors(&old.diagnostics);
    assert_eq!(errors.len(), 1, "{:?}", old.diagnostics);
    assert_eq!(path_of(errors[0]), "secret_wo");
    assert!(
        errors[0].detail.contains("Terraform 1.11"),
        "{}",
        errors[0].detail
    );

    let new = validate(modern_client()).await.unwrap();
    assert_no_errors(&new.diagnostics);
}

//! UpgradeResourceState (including 0 → 1) and ImportResourceState.

use tfplugin_proto::ProviderServer;
use tfplugin_proto::value::Value;
use tfplugin_proto::wire::{
    RawState, import_resource_state, read_resource, upgrade_resource_state,
};

use crate::{Env, THING, assert_no_errors, converge, decode, encode, errors, s, thing};

async fn upgrade(env: &Env, version: i64, json: &str) -> upgrade_resource_state::Response {
    env.server
        .upgrade_resource_state(upgrade_resource_state::Request {
            type_name: THING.into(),
            version,
            raw_state: Some(RawState {
                json: json.as_bytes().to_vec(),
                flatmap: Default::default(),
            }),
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn version_0_state_is_upgraded_with_the_renamed_attribute() {
    let env = Env::new().await;
    let response = upgrade(
        &env,
        0,
        r#"{"id":"thing-9","name":"alpha","description":"old note","tags":{"a":"b"},"removed_long_ago":1}"#,
    )
    .await;
    assert_no_errors(&response.diagnostics);
    let state = decode(&response.upgraded_state);
    assert_eq!(state.attribute("note"), Some(&s("old note")));
    assert_eq!(state.attribute("id"), Some(&s("thing-9")));
    assert_eq!(state.attribute("secret_wo"), Some(&Value::Null));
}

#[tokio::test]
async fn current_version_state_comes_back_without_removed_attributes() {
    let env = Env::new().await;
    let response = upgrade(
        &env,
        1,
        r#"{"id":"thing-1","name":"alpha","note":null,"tags":null,"secret_wo":null,"secret_wo_version":null,"updated_at":"1","gone":true}"#,
    )
    .await;
    assert_no_errors(&response.diagnostics);
    assert_eq!(
        decode(&response.upgraded_state),
        thing(&[
            ("id", s("thing-1")),
            ("name", s("alpha")),
            ("updated_at", s("1"))
        ])
    );
}

#[tokio::test]
async fn state_from_a_newer_provider_is_refused() {
    let env = Env::new().await;
    let response = upgrade(&env, 7, r#"{"id":"x"}"#).await;
    assert_eq!(errors(&response.diagnostics).len(), 1);
    assert!(response.upgraded_state.is_none());
}

#[tokio::test]
async fn import_sets_the_id_and_read_fills_the_rest() {
    let env = Env::new().await;
    let created = converge(
        &env,
        &Value::Null,
        &thing(&[("name", s("alpha")), ("note", s("n"))]),
    )
    .await;
    let imported = env
        .server
        .import_resource_state(import_resource_state::Request {
            type_name: THING.into(),
            id: "thing-1".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_no_errors(&imported.diagnostics);
    assert_eq!(imported.imported_resources.len(), 1);
    let resource = &imported.imported_resources[0];
    assert_eq!(resource.type_name, THING);
    let state = decode(&resource.state);
    assert_eq!(state, thing(&[("id", s("thing-1"))]));

    let read = env
        .server
        .read_resource(read_resource::Request {
            type_name: THING.into(),
            current_state: encode(&state),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_no_errors(&read.diagnostics);
    assert_eq!(
        decode(&read.new_state),
        created,
        "import then read gives the applied state"
    );
}

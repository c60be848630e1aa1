//! Provider-level RPCs: schema, metadata, the optional RPCs Terraform probes, configuration, data sources.

use std::collections::BTreeMap;

use tfplugin_proto::ProviderServer;
use tfplugin_proto::value::{Type, Value};
use tfplugin_proto::wire::{
    DynamicValue, get_functions, get_metadata, get_provider_schema, get_resource_identity_schemas,
    read_data_source,
};

use crate::{Env, assert_no_errors, converge, errors, path_of, s, thing};

#[tokio::test]
async fn schema_lists_everything_with_descriptions_and_capabilities() {
    let env = Env::new().await;
    let schema = env
        .server
        .get_provider_schema(get_provider_schema::Request {})
        .await
        .unwrap();
    assert!(schema.diagnostics.is_empty(), "{:?}", schema.diagnostics);
    let capabilities = schema.server_capabilities.unwrap();
    assert!(capabilities.get_provider_schema_optional && capabilities.plan_destroy);
    assert!(!capabilities.move_resource_state);
    assert!(schema.provider.is_some());

    let thing = &schema.resource_schemas["testfw_thing"];
    assert_eq!(thing.version, 1);
    let block = thing.block.as_ref().unwrap();
    for attribute in &block.attributes {
        assert!(
            !attribute.description.is_empty(),
            "{} has no description",
            attribute.name
        );
    }
    let secret = block
        .attributes
        .iter()
        .find(|a| a.name == "secret_wo")
        .unwrap();
    assert!(secret.write_only && secret.sensitive);
    assert!(schema.data_source_schemas.contains_key("testfw_echo"));
}

#[tokio::test]
async fn optional_rpcs_answer_what_terraform_tolerates() {
    let env = Env::new().await;
    let metadata = env
        .server
        .get_metadata(get_metadata::Request {})
        .await
        .unwrap();
    assert_eq!(metadata.resources[0].type_name, "testfw_thing");
    assert_eq!(metadata.data_sources[0].type_name, "testfw_echo");
    let identities = env
        .server
        .get_resource_identity_schemas(get_resource_identity_schemas::Request {})
        .await
        .unwrap();
    assert!(identities.identity_schemas.is_empty());
    let functions = env
        .server
        .get_functions(get_functions::Request {})
        .await
        .unwrap();
    assert!(functions.functions.is_empty());
}

#[tokio::test]
async fn data_source_reads_and_reconfiguring_switches_the_store() {
    let env = Env::new().await;
    converge(&env, &Value::Null, &thing(&[("name", s("alpha"))])).await;
    let ty = Type::object([
        ("text", Type::String),
        ("result", Type::String),
        ("thing_id", Type::String),
        ("thing_name", Type::String),
    ]);
    let config = Value::Object(BTreeMap::from([
        ("text".to_owned(), s("hi")),
        ("result".to_owned(), Value::Null),
        ("thing_id".to_owned(), s("thing-1")),
        ("thing_name".to_owned(), Value::Null),
    ]));
    let read = || {
        env.server.read_data_source(read_data_source::Request {
            type_name: "testfw_echo".into(),
            config: Some(DynamicValue::encode(&config, &ty).unwrap()),
            ..Default::default()
        })
    };
    let response = read().await.unwrap();
    assert_no_errors(&response.diagnostics);
    let state = response.state.unwrap().decode(&ty).unwrap();
    assert_eq!(state.attribute("result"), Some(&s("echo:hi")));
    assert_eq!(state.attribute("thing_name"), Some(&s("alpha")));

    // Debug mode configures one process again and again; the latest configuration wins.
    let other = tempfile::tempdir().unwrap();
    env.configure(&other.path().join("store.json")).await;
    let response = read().await.unwrap();
    let errors = errors(&response.diagnostics);
    assert_eq!(errors.len(), 1, "{:?}", response.diagnostics);
    assert_eq!(path_of(errors[0]), "thing_id");
}

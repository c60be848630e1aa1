//! The framework at the RPC level: a `FrameworkServer` serving the `testfw` example provider, called the way
//! Terraform calls it, with msgpack values. One module per area; the helpers below play Terraform's part
//! (building proposed new states, carrying plans into apply).

#[path = "../../examples/testprovider/echo.rs"]
mod echo;
#[path = "../../examples/testprovider/provider.rs"]
mod provider;
#[path = "../../examples/testprovider/store.rs"]
mod store;
#[path = "../../examples/testprovider/thing.rs"]
mod thing;

mod failed_apply;
mod fuzz;
mod lifecycle;
mod misbehaving;
mod nested;
mod provider_rpcs;
mod serving;
mod stop;
mod upgrade_import;
mod validation;
mod write_only;

use std::collections::BTreeMap;
use std::path::PathBuf;

use tfplugin_framework::{FrameworkServer, Provider, Resource};
use tfplugin_proto::ProviderServer;
use tfplugin_proto::value::{Number, Type, Value};
use tfplugin_proto::wire::{
    ClientCapabilities, Diagnostic, DynamicValue, apply_resource_change, configure_provider,
    plan_resource_change,
};

use crate::provider::TestProvider;
use crate::store::Store;
use crate::thing::ThingResource;

pub const THING: &str = "testfw_thing";

/// A configured provider with its store in a temporary directory.
pub struct Env {
    pub server: FrameworkServer<TestProvider>,
    dir: tempfile::TempDir,
}

/// Configures `server` with `config` of type `ty` as Terraform does, failing the test on any diagnostic.
pub async fn configure<P: Provider>(server: &FrameworkServer<P>, config: &Value, ty: &Type) {
    let response = server
        .configure_provider(configure_provider::Request {
            terraform_version: "1.15.5".into(),
            config: Some(DynamicValue::encode(config, ty).unwrap()),
            client_capabilities: None,
        })
        .await
        .unwrap();
    assert!(
        response.diagnostics.is_empty(),
        "{:?}",
        response.diagnostics
    );
}

impl Env {
    pub async fn new() -> Env {
        let dir = tempfile::tempdir().expect("temp dir");
        let server = FrameworkServer::new(TestProvider);
        let env = Env { server, dir };
        env.configure(&env.store_path()).await;
        env
    }

    pub async fn configure(&self, path: &std::path::Path) {
        let config = Value::Object(BTreeMap::from([(
            "store_path".to_owned(),
            s(path.to_str().expect("utf-8 path")),
        )]));
        configure(
            &self.server,
            &config,
            &Type::object([("store_path", Type::String)]),
        )
        .await;
    }

    pub fn store_path(&self) -> PathBuf {
        self.dir.path().join("store.json")
    }

    /// The store as the provider sees it, for drift and for checking what reached the "remote system".
    pub fn store(&self) -> Store {
        Store::new(self.store_path())
    }
}

pub fn s(text: &str) -> Value {
    Value::String(text.into())
}

pub fn n(v: i64) -> Value {
    Value::Number(Number::from(v))
}

pub fn thing_type() -> Type {
    ThingResource::default().schema().value_type().clone()
}

/// A `testfw_thing` object: the given attributes, every other one null.
pub fn thing(attributes: &[(&str, Value)]) -> Value {
    let Type::Object {
        attributes: all, ..
    } = thing_type()
    else {
        unreachable!("a schema's type is an object")
    };
    let mut object: BTreeMap<String, Value> =
        all.keys().map(|k| (k.clone(), Value::Null)).collect();
    for (name, value) in attributes {
        assert!(object.contains_key(*name), "no attribute {name}");
        object.insert((*name).to_owned(), value.clone());
    }
    Value::Object(object)
}

pub fn encode(value: &Value) -> Option<DynamicValue> {
    Some(DynamicValue::encode(value, &thing_type()).expect("encodable"))
}

pub fn decode(value: &Option<DynamicValue>) -> Value {
    value
        .as_ref()
        .expect("a value")
        .decode(&thing_type())
        .expect("decodable")
}

/// What Terraform core proposes: configured values, and for computed attributes the configuration leaves
/// out, the prior state's value (null when creating).
pub fn proposed(prior: &Value, config: &Value) -> Value {
    let Value::Object(config_attrs) = config else {
        return Value::Null;
    };
    let mut out = config_attrs.clone();
    for name in ["id", "updated_at"] {
        let prior_value = prior.attribute(name).cloned().unwrap_or(Value::Null);
        out.insert(name.to_owned(), prior_value);
    }
    Value::Object(out)
}

/// Terraform 1.11+ client capabilities.
pub fn modern_client() -> Option<ClientCapabilities> {
    Some(ClientCapabilities {
        write_only_attributes_allowed: true,
        ..Default::default()
    })
}

pub async fn plan(env: &Env, prior: &Value, config: &Value) -> plan_resource_change::Response {
    env.server
        .plan_resource_change(plan_resource_change::Request {
            type_name: THING.into(),
            prior_state: encode(prior),
            proposed_new_state: encode(&proposed(prior, config)),
            config: encode(config),
            client_capabilities: modern_client(),
            ..Default::default()
        })
        .await
        .unwrap()
}

pub async fn apply(
    env: &Env,
    prior: &Value,
    planned: &Value,
    config: &Value,
) -> apply_resource_change::Response {
    env.server
        .apply_resource_change(apply_resource_change::Request {
            type_name: THING.into(),
            prior_state: encode(prior),
            planned_state: encode(planned),
            config: encode(config),
            ..Default::default()
        })
        .await
        .unwrap()
}

/// Plans and applies `config` over `prior` (null to create), failing the test on any error.
pub async fn converge(env: &Env, prior: &Value, config: &Value) -> Value {
    let planned = plan(env, prior, config).await;
    assert_no_errors(&planned.diagnostics);
    let applied = apply(env, prior, &decode(&planned.planned_state), config).await;
    assert_no_errors(&applied.diagnostics);
    decode(&applied.new_state)
}

pub fn errors(diagnostics: &[Diagnostic]) -> Vec<&Diagnostic> {
    diagnostics.iter().filter(|d| d.is_error()).collect()
}

pub fn assert_no_errors(diagnostics: &[Diagnostic]) {
    assert!(
        errors(diagnostics).is_empty(),
        "unexpected errors: {diagnostics:#?}"
    );
}

/// A diagnostic's attribute path in Terraform's notation, e.g. `tags["protect"]`.
pub fn path_of(d: &Diagnostic) -> String {
    d.attribute
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default()
}

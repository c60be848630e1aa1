//! The provider at the RPC level: a `FrameworkServer` serving `TinesAuditProvider`, called the way Terraform
//! calls it, against the Tines simulator (and moto for Secrets Manager). The helpers below play Terraform's
//! part: building proposed new states from the schema, carrying plans into apply, importing then reading.
//!
//! | module | what |
//! |---|---|
//! | `provider_config` | provider validation and configure: attribute paths, environment fallbacks |
//! | `tenant_permissions` | `tinesaudit_tenant_permissions`: lifecycle, drift, authoritative, import, refusals |
//! | `api_key` | `tinesaudit_api_key`: store, rotate, revoke, import, validation |
//! | `ingestion_job` | `tinesaudit_ingestion_job`: validation, plans, the job file, drift, import, apply checks; `tinesaudit_secops_reader_policy` |
//! | `schedule` | `tinesaudit_schedule` (moto and SeaweedFS): validation, plan-time derivation from the job file and the package, create to destroy |
//! | `data_sources` | `tinesaudit_user`, `tinesaudit_users`, `tinesaudit_tenant`, `tinesaudit_audit_logs` |
//! | `docs` | `provider/docs/` generated from the schemas and `examples/`, checked for staleness |
//! | `secret_leak` | the managed key and the provider's key never in logs, diagnostics or (write-only) state |

mod api_key;
mod data_sources;
mod docs;
mod ingestion_job;
mod provider_config;
mod schedule;
mod secret_leak;
mod tenant_permissions;

use std::collections::BTreeMap;

use serde_json::{Value as Json, json};
use tfplugin_framework::FrameworkServer;
use tfplugin_proto::ProviderServer;
use tfplugin_proto::value::{Number, Type, Value};
use tfplugin_proto::wire::{
    ClientCapabilities, Diagnostic, DynamicValue, apply_resource_change, configure_provider,
    get_provider_schema, import_resource_state, plan_resource_change, read_data_source,
    read_resource, schema, validate_data_resource_config, validate_provider_config,
    validate_resource_config,
};
use tinesaudit_provider::TinesAuditProvider;
use tinesaudit_testkit::{AwsEmulator, S3Server};

pub const PERMISSIONS: &str = "tinesaudit_tenant_permissions";
pub const API_KEY: &str = "tinesaudit_api_key";
pub const JOB: &str = "tinesaudit_ingestion_job";

/// The schemas of one kind of thing (resource, data source or the provider), as Terraform gets them.
#[derive(Clone)]
pub struct Schemas {
    blocks: BTreeMap<String, schema::Block>,
}

impl Schemas {
    fn block(&self, type_name: &str) -> &schema::Block {
        self.blocks
            .get(type_name)
            .unwrap_or_else(|| panic!("no schema for {type_name}"))
    }
}

/// The cty type of a wire schema block (the provider's schemas have attributes only, some nested).
pub fn block_type(block: &schema::Block) -> Type {
    Type::object(
        block
            .attributes
            .iter()
            .map(|a| (a.name.clone(), attribute_type(a))),
    )
}

fn attribute_type(a: &schema::Attribute) -> Type {
    match &a.nested_type {
        None => Type::from_json(&a.r#type).expect("attribute type"),
        Some(object) => {
            let element = Type::object(
                object
                    .attributes
                    .iter()
                    .map(|a| (a.name.clone(), attribute_type(a))),
            );
            match schema::object::NestingMode::try_from(object.nesting).expect("nesting") {
                schema::object::NestingMode::Single => element,
                schema::object::NestingMode::List => Type::list(element),
                schema::object::NestingMode::Set => Type::set(element),
                schema::object::NestingMode::Map => Type::map(element),
                schema::object::NestingMode::Invalid => panic!("invalid nesting"),
            }
        }
    }
}

/// A configured provider against a fresh simulator, with a tenant-owner key for the provider.
pub struct Env {
    pub server: FrameworkServer<TinesAuditProvider>,
    pub sim: tines_sim::RunningSimulator,
    pub http: reqwest::Client,
    pub owner_key: String,
    pub owner_user_id: u64,
    pub aws: Option<AwsEmulator>,
    /// SeaweedFS, the provider's S3 endpoint when present.
    pub s3: Option<S3Server>,
    resources: Schemas,
    data_sources: Schemas,
    provider: schema::Block,
}

impl Env {
    /// Simulator only, provider configured with a tenant-owner key.
    pub async fn new() -> Env {
        let env = Env::unconfigured(None).await;
        env.configure_ok(&[]).await;
        env
    }

    /// Simulator and moto (Secrets Manager), provider configured for both.
    pub async fn with_aws() -> Env {
        let aws = tokio::task::spawn_blocking(AwsEmulator::start)
            .await
            .unwrap()
            .expect("moto (run `cargo xtask tools`)");
        let env = Env::unconfigured(Some(aws)).await;
        env.configure_ok(&[]).await;
        env
    }

    /// Simulator, moto (Secrets Manager) and SeaweedFS (S3), provider configured for all three. SeaweedFS checks
    /// signatures and moto takes any credentials, so SeaweedFS's serve both.
    pub async fn with_s3() -> Env {
        let (aws, s3) = tokio::join!(
            tokio::task::spawn_blocking(AwsEmulator::start),
            tokio::task::spawn_blocking(S3Server::start)
        );
        let aws = aws.unwrap().expect("moto (run `cargo xtask tools`)");
        let s3 = s3.unwrap().expect("SeaweedFS (run `cargo xtask tools`)");
        let provider = TinesAuditProvider::new()
            .with_env(|_| None)
            .with_aws_credentials(s3.access_key(), s3.secret_key());
        let mut env = Env::unconfigured_with(None, provider).await;
        env.aws = Some(aws);
        env.s3 = Some(s3);
        env.configure_ok(&[]).await;
        env
    }

    pub async fn unconfigured(aws: Option<AwsEmulator>) -> Env {
        Env::unconfigured_with(aws, TinesAuditProvider::new().with_env(|_| None)).await
    }

    pub async fn unconfigured_with(aws: Option<AwsEmulator>, provider: TinesAuditProvider) -> Env {
        let provider = match &aws {
            Some(aws) => provider.with_aws_credentials(aws.access_key(), aws.secret_key()),
            None => provider,
        };
        let server = FrameworkServer::new(provider);
        let schemas = server
            .get_provider_schema(get_provider_schema::Request::default())
            .await
            .unwrap();
        assert_no_errors(&schemas.diagnostics);
        let blocks = |map: BTreeMap<String, tfplugin_proto::wire::Schema>| Schemas {
            blocks: map
                .into_iter()
                .map(|(name, s)| (name, s.block.expect("block")))
                .collect(),
        };
        let sim = tines_sim::spawn(tines_sim::Behaviour::default())
            .await
            .expect("simulator");
        let http = reqwest::Client::new();
        let mut env = Env {
            server,
            sim,
            http,
            owner_key: String::new(),
            owner_user_id: 0,
            aws,
            s3: None,
            resources: blocks(schemas.resource_schemas.into_iter().collect()),
            data_sources: blocks(schemas.data_source_schemas.into_iter().collect()),
            provider: schemas
                .provider
                .and_then(|s| s.block)
                .expect("provider schema"),
        };
        let owner = env
            .control(
                "POST",
                "/_sim/keys",
                Some(json!({"kind": "tenant_owner", "name": "terraform"})),
            )
            .await;
        env.owner_key = owner["token"].as_str().unwrap().to_owned();
        env.owner_user_id = owner["user_id"].as_u64().unwrap();
        env
    }

    /// The provider block with the simulator, the owner key and (with moto) the AWS settings, then `extra`.
    pub fn provider_config(&self, extra: &[(&str, Value)]) -> Value {
        let mut attrs: Vec<(&str, Value)> = vec![
            ("tenant", s(self.sim.base_url())),
            ("api_key", s(&self.owner_key)),
        ];
        if let Some(aws) = &self.aws {
            attrs.push(("aws_region", s(aws.region())));
            attrs.push(("aws_endpoint_url", s(aws.endpoint_url())));
        }
        if let Some(s3) = &self.s3 {
            attrs.push(("aws_s3_endpoint_url", s(s3.endpoint_url())));
            attrs.push(("aws_s3_force_path_style", b(true)));
        }
        attrs.extend(extra.iter().cloned());
        object(&self.provider, &attrs)
    }

    pub fn provider_type(&self) -> Type {
        block_type(&self.provider)
    }

    pub async fn configure(&self, config: &Value) -> Vec<Diagnostic> {
        self.server
            .configure_provider(configure_provider::Request {
                terraform_version: "1.15.5".into(),
                config: Some(DynamicValue::encode(config, &self.provider_type()).unwrap()),
                client_capabilities: None,
            })
            .await
            .unwrap()
            .diagnostics
    }

    pub async fn configure_ok(&self, extra: &[(&str, Value)]) {
        let diagnostics = self.configure(&self.provider_config(extra)).await;
        assert_no_errors(&diagnostics);
    }

    pub async fn validate_provider(&self, config: &Value) -> Vec<Diagnostic> {
        self.server
            .validate_provider_config(validate_provider_config::Request {
                config: Some(DynamicValue::encode(config, &self.provider_type()).unwrap()),
            })
            .await
            .unwrap()
            .diagnostics
    }

    /// A call to the simulator's control API; answers its JSON (null for no content).
    pub async fn control(&self, method: &str, path: &str, body: Option<Json>) -> Json {
        let url = format!("{}{path}", self.sim.base_url());
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self.http.request(method, url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("control API");
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(status.is_success(), "{path}: {status} {text}");
        if text.is_empty() {
            Json::Null
        } else {
            serde_json::from_str(&text).unwrap()
        }
    }

    /// A human user with these permissions; answers the id.
    pub async fn new_user(&self, email: &str, permissions: &[&str]) -> u64 {
        let user = self
            .control(
                "POST",
                "/_sim/users",
                Some(json!({"email": email, "first_name": "Test", "tenant_permissions": permissions})),
            )
            .await;
        user["id"].as_u64().unwrap()
    }

    /// A key of `kind` named `name`: (key id, token, user id).
    pub async fn new_key(&self, kind: &str, name: &str) -> (u64, String, u64) {
        let key = self
            .control(
                "POST",
                "/_sim/keys",
                Some(json!({"kind": kind, "name": name})),
            )
            .await;
        (
            key["id"].as_u64().unwrap(),
            key["token"].as_str().unwrap().to_owned(),
            key["user_id"].as_u64().unwrap(),
        )
    }

    /// A user's permissions as the admin API reports them, sorted.
    pub async fn permissions_of(&self, user_id: u64) -> Vec<String> {
        let client = tines_client::Client::new(tines_client::Config::new(
            self.sim.base_url(),
            self.owner_key.as_str(),
        ))
        .unwrap();
        let mut permissions = client.get_user(user_id).await.unwrap().tenant_permissions;
        permissions.sort();
        permissions
    }

    /// Changes a user's permissions as someone in the Tines UI would.
    pub async fn set_permissions_behind_terraforms_back(&self, user_id: u64, permissions: &[&str]) {
        self.control(
            "PATCH",
            &format!("/_sim/users/{user_id}"),
            Some(json!({"tenant_permissions": permissions})),
        )
        .await;
    }

    pub fn resource_type(&self, type_name: &str) -> Type {
        block_type(self.resources.block(type_name))
    }

    /// A resource object: the given attributes, every other one null.
    pub fn resource(&self, type_name: &str, attrs: &[(&str, Value)]) -> Value {
        object(self.resources.block(type_name), attrs)
    }

    pub fn data_source(&self, type_name: &str, attrs: &[(&str, Value)]) -> Value {
        object(self.data_sources.block(type_name), attrs)
    }

    fn encode(&self, type_name: &str, value: &Value) -> Option<DynamicValue> {
        Some(DynamicValue::encode(value, &self.resource_type(type_name)).expect("encodable"))
    }

    pub fn decode(&self, type_name: &str, value: &Option<DynamicValue>) -> Value {
        value
            .as_ref()
            .expect("a value")
            .decode(&self.resource_type(type_name))
            .expect("decodable")
    }

    /// What Terraform core proposes: configured values, and the prior state's for computed attributes the
    /// configuration leaves out.
    pub fn proposed(&self, type_name: &str, prior: &Value, config: &Value) -> Value {
        if config.is_null() {
            return Value::Null;
        }
        let block = self.resources.block(type_name);
        let mut out = BTreeMap::new();
        for a in &block.attributes {
            let configured = config.attribute(&a.name).cloned().unwrap_or(Value::Null);
            let value = if configured.is_null() && a.computed {
                prior.attribute(&a.name).cloned().unwrap_or(Value::Null)
            } else {
                configured
            };
            out.insert(a.name.clone(), value);
        }
        Value::Object(out)
    }

    pub async fn validate(&self, type_name: &str, config: &Value, modern: bool) -> Vec<Diagnostic> {
        self.server
            .validate_resource_config(validate_resource_config::Request {
                type_name: type_name.into(),
                config: self.encode(type_name, config),
                client_capabilities: if modern { modern_client() } else { None },
            })
            .await
            .unwrap()
            .diagnostics
    }

    pub async fn plan(
        &self,
        type_name: &str,
        prior: &Value,
        config: &Value,
    ) -> plan_resource_change::Response {
        self.server
            .plan_resource_change(plan_resource_change::Request {
                type_name: type_name.into(),
                prior_state: self.encode(type_name, prior),
                proposed_new_state: self
                    .encode(type_name, &self.proposed(type_name, prior, config)),
                config: self.encode(type_name, config),
                client_capabilities: modern_client(),
                ..Default::default()
            })
            .await
            .unwrap()
    }

    pub async fn apply(
        &self,
        type_name: &str,
        prior: &Value,
        planned: &Value,
        config: &Value,
    ) -> apply_resource_change::Response {
        self.server
            .apply_resource_change(apply_resource_change::Request {
                type_name: type_name.into(),
                prior_state: self.encode(type_name, prior),
                planned_state: self.encode(type_name, planned),
                config: self.encode(type_name, config),
                ..Default::default()
            })
            .await
            .unwrap()
    }

    /// Validates, plans and applies `config` over `prior` (null to create, null config to destroy), failing
    /// the test on any error; answers the new state.
    pub async fn converge(&self, type_name: &str, prior: &Value, config: &Value) -> Value {
        if !config.is_null() {
            assert_no_errors(&self.validate(type_name, config, true).await);
        }
        let planned = self.plan(type_name, prior, config).await;
        assert_no_errors(&planned.diagnostics);
        let planned = self.decode(type_name, &planned.planned_state);
        let applied = self.apply(type_name, prior, &planned, config).await;
        assert_no_errors(&applied.diagnostics);
        self.decode(type_name, &applied.new_state)
    }

    pub async fn read(&self, type_name: &str, state: &Value) -> read_resource::Response {
        self.server
            .read_resource(read_resource::Request {
                type_name: type_name.into(),
                current_state: self.encode(type_name, state),
                ..Default::default()
            })
            .await
            .unwrap()
    }

    /// Refreshes `state`, failing on errors; null when the object is gone.
    pub async fn refresh(&self, type_name: &str, state: &Value) -> Value {
        let read = self.read(type_name, state).await;
        assert_no_errors(&read.diagnostics);
        self.decode(type_name, &read.new_state)
    }

    /// `terraform import`: ImportResourceState, then ReadResource on what it gave.
    pub async fn import(&self, type_name: &str, id: &str) -> (Value, Vec<Diagnostic>) {
        let imported = self
            .server
            .import_resource_state(import_resource_state::Request {
                type_name: type_name.into(),
                id: id.into(),
                ..Default::default()
            })
            .await
            .unwrap();
        if has_errors(&imported.diagnostics) {
            return (Value::Null, imported.diagnostics);
        }
        let state = self.decode(type_name, &imported.imported_resources[0].state);
        let read = self.read(type_name, &state).await;
        let mut diagnostics = imported.diagnostics;
        diagnostics.extend(read.diagnostics.clone());
        (self.decode(type_name, &read.new_state), diagnostics)
    }

    /// Validates and reads a data source; answers its state (null on errors) and the diagnostics.
    pub async fn read_data(&self, type_name: &str, config: &Value) -> (Value, Vec<Diagnostic>) {
        let ty = block_type(self.data_sources.block(type_name));
        let encoded = Some(DynamicValue::encode(config, &ty).unwrap());
        let validated = self
            .server
            .validate_data_resource_config(validate_data_resource_config::Request {
                type_name: type_name.into(),
                config: encoded.clone(),
            })
            .await
            .unwrap();
        if has_errors(&validated.diagnostics) {
            return (Value::Null, validated.diagnostics);
        }
        let read = self
            .server
            .read_data_source(read_data_source::Request {
                type_name: type_name.into(),
                config: encoded,
                ..Default::default()
            })
            .await
            .unwrap();
        let mut diagnostics = validated.diagnostics;
        diagnostics.extend(read.diagnostics.clone());
        let state = read
            .state
            .as_ref()
            .map(|v| v.decode(&ty).unwrap())
            .unwrap_or(Value::Null);
        (state, diagnostics)
    }
}

/// An object of a schema block: the given attributes, every other one null.
pub fn object(block: &schema::Block, attrs: &[(&str, Value)]) -> Value {
    let mut out: BTreeMap<String, Value> = block
        .attributes
        .iter()
        .map(|a| (a.name.clone(), Value::Null))
        .collect();
    for (name, value) in attrs {
        assert!(out.contains_key(*name), "no attribute {name}");
        out.insert((*name).to_owned(), value.clone());
    }
    Value::Object(out)
}

pub fn s(text: &str) -> Value {
    Value::String(text.into())
}

pub fn n(v: i64) -> Value {
    Value::Number(Number::from(v))
}

pub fn b(v: bool) -> Value {
    Value::Bool(v)
}

pub fn set(items: &[&str]) -> Value {
    Value::Set(items.iter().map(|i| s(i)).collect())
}

/// A set attribute's strings, sorted.
pub fn strings(value: Option<&Value>) -> Vec<String> {
    let mut out: Vec<String> = match value {
        Some(Value::Set(items) | Value::List(items)) => items
            .iter()
            .map(|v| v.as_str().expect("string").to_owned())
            .collect(),
        other => panic!("not a collection: {other:?}"),
    };
    out.sort();
    out
}

/// Terraform 1.11+ client capabilities.
pub fn modern_client() -> Option<ClientCapabilities> {
    Some(ClientCapabilities {
        write_only_attributes_allowed: true,
        ..Default::default()
    })
}

pub fn errors(diagnostics: &[Diagnostic]) -> Vec<&Diagnostic> {
    diagnostics.iter().filter(|d| d.is_error()).collect()
}

pub fn warnings(diagnostics: &[Diagnostic]) -> Vec<&Diagnostic> {
    diagnostics.iter().filter(|d| d.is_warning()).collect()
}

pub fn has_errors(diagnostics: &[Diagnostic]) -> bool {
    !errors(diagnostics).is_empty()
}

pub fn assert_no_errors(diagnostics: &[Diagnostic]) {
    assert!(
        !has_errors(diagnostics),
        "unexpected errors: {diagnostics:#?}"
    );
}

/// A diagnostic's attribute path in Terraform's notation, e.g. `permissions`.
pub fn path_of(d: &Diagnostic) -> String {
    d.attribute
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default()
}

/// Every diagnostic as one string, for `contains` checks.
pub fn text(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(|d| format!("{} | {} | {}", path_of(d), d.summary, d.detail))
        .collect::<Vec<_>>()
        .join("\n")
}

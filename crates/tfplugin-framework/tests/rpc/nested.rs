//! Defaults, computed unknowns, plan modifiers, validators and read-only attributes inside nested attributes
//! and blocks.

use tfplugin_framework::resource::{
    CreateRequest, CreateResponse, DeleteRequest, DeleteResponse, ReadRequest, ReadResponse,
    UpdateRequest, UpdateResponse,
};
use tfplugin_framework::schema::{Attribute, Block, NestedBlock, Schema};
use tfplugin_framework::{
    ConfigureRequest, ConfigureResponse, FrameworkServer, Provider, Resource, ResourceType,
    plan_modifier, validator,
};
use tfplugin_proto::ProviderServer;
use tfplugin_proto::value::{Type, Value};
use tfplugin_proto::wire::{DynamicValue, plan_resource_change, validate_resource_config};

use crate::{assert_no_errors, errors, modern_client, n, path_of, s};

/// A resource whose handlers do nothing: these tests are about planning and validation.
struct Rules;

impl Resource for Rules {
    fn type_name(&self, provider_type_name: &str) -> String {
        format!("{provider_type_name}_rules")
    }

    fn schema(&self) -> Schema {
        Schema::new()
            .attribute(
                "mode",
                Attribute::string().optional().computed().default("fast"),
            )
            .attribute(
                "rule",
                Attribute::list_nested([
                    (
                        "port",
                        Attribute::int64()
                            .required()
                            .validator(validator::int_between(1, 65535)),
                    ),
                    (
                        "id",
                        Attribute::string()
                            .computed()
                            .plan_modifier(plan_modifier::use_state_for_unknown()),
                    ),
                    (
                        "proto",
                        Attribute::string().optional().computed().default("tcp"),
                    ),
                ])
                .optional(),
            )
            .block(
                "limit",
                NestedBlock::list(
                    Block::new()
                        .attribute(
                            "max",
                            Attribute::int64()
                                .optional()
                                .plan_modifier(plan_modifier::requires_replace()),
                        )
                        .attribute("applied", Attribute::bool().computed()),
                ),
            )
    }

    async fn create(&self, _: CreateRequest, _: &mut CreateResponse) {}
    async fn read(&self, _: ReadRequest, _: &mut ReadResponse) {}
    async fn update(&self, _: UpdateRequest, _: &mut UpdateResponse) {}
    async fn delete(&self, _: DeleteRequest, _: &mut DeleteResponse) {}
}

struct NestProvider;

impl Provider for NestProvider {
    fn type_name(&self) -> String {
        "nest".into()
    }

    async fn configure(&self, _: ConfigureRequest, _: &mut ConfigureResponse) {}

    fn resources(&self) -> Vec<ResourceType> {
        vec![ResourceType::new(|| Rules)]
    }
}

fn ty() -> Type {
    Rules.schema().value_type().clone()
}

fn object(pairs: &[(&str, Value)]) -> Value {
    Value::Object(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
    )
}

fn rule(port: Value, id: Value, proto: Value) -> Value {
    object(&[("port", port), ("id", id), ("proto", proto)])
}

fn limit(max: Value, applied: Value) -> Value {
    object(&[("max", max), ("applied", applied)])
}

fn resource(mode: Value, rules: Vec<Value>, limits: Vec<Value>) -> Value {
    object(&[
        ("mode", mode),
        ("rule", Value::List(rules)),
        ("limit", Value::List(limits)),
    ])
}

fn dv(v: &Value) -> Option<DynamicValue> {
    Some(DynamicValue::encode(v, &ty()).unwrap())
}

/// Plans with Terraform's proposal being the configuration with the prior state's computed values, as core
/// does for these attributes.
async fn plan(prior: &Value, proposed: &Value, config: &Value) -> plan_resource_change::Response {
    FrameworkServer::new(NestProvider)
        .plan_resource_change(plan_resource_change::Request {
            type_name: "nest_rules".into(),
            prior_state: dv(prior),
            proposed_new_state: dv(proposed),
            config: dv(config),
            ..Default::default()
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn defaults_and_unknowns_reach_nested_attributes() {
    let config = resource(
        Value::Null,
        vec![rule(n(80), Value::Null, Value::Null)],
        vec![],
    );
    let response = plan(&Value::Null, &config, &config).await;
    assert_no_errors(&response.diagnostics);
    let planned = response.planned_state.unwrap().decode(&ty()).unwrap();
    assert_eq!(planned.attribute("mode"), Some(&s("fast")));
    let Some(Value::List(rules)) = planned.attribute("rule") else {
        panic!("rules planned")
    };
    assert_eq!(rules[0].attribute("proto"), Some(&s("tcp")));
    assert!(rules[0].attribute("id").unwrap().is_unknown());
}

#[tokio::test]
async fn nested_plan_modifiers_see_their_own_element() {
    let prior = resource(
        s("fast"),
        vec![rule(n(80), s("r-1"), s("tcp"))],
        vec![limit(n(1), Value::Bool(true))],
    );
    let config = resource(
        Value::Null,
        vec![rule(n(81), Value::Null, Value::Null)],
        vec![limit(n(2), Value::Null)],
    );
    // Core proposes the configured values and keeps prior values of computed attributes left out.
    let proposed = resource(
        s("fast"),
        vec![rule(n(81), s("r-1"), s("tcp"))],
        vec![limit(n(2), Value::Bool(true))],
    );
    let response = plan(&prior, &proposed, &config).await;
    assert_no_errors(&response.diagnostics);
    let planned = response.planned_state.unwrap().decode(&ty()).unwrap();
    let Some(Value::List(rules)) = planned.attribute("rule") else {
        panic!("rules planned")
    };
    assert_eq!(
        rules[0].attribute("id"),
        Some(&s("r-1")),
        "use_state_for_unknown inside a list"
    );
    let replaced: Vec<String> = response
        .requires_replace
        .iter()
        .map(|p| {
            let d = tfplugin_proto::wire::Diagnostic {
                attribute: Some(p.clone()),
                ..Default::default()
            };
            path_of(&d)
        })
        .collect();
    assert_eq!(replaced, ["limit[0].max"]);
}

async fn validate(config: &Value) -> Vec<tfplugin_proto::wire::Diagnostic> {
    FrameworkServer::new(NestProvider)
        .validate_resource_config(validate_resource_config::Request {
            type_name: "nest_rules".into(),
            config: dv(config),
            client_capabilities: modern_client(),
        })
        .await
        .unwrap()
        .diagnostics
}

#[tokio::test]
async fn nested_validators_point_at_the_element() {
    let config = resource(
        Value::Null,
        vec![
            rule(n(80), Value::Null, Value::Null),
            rule(n(70000), Value::Null, Value::Null),
        ],
        vec![],
    );
    let diagnostics = validate(&config).await;
    let errors = errors(&diagnostics);
    assert_eq!(errors.len(), 1, "{diagnostics:?}");
    assert_eq!(path_of(errors[0]), "rule[1].port");
}

#[tokio::test]
async fn read_only_attributes_are_refused_in_the_element_that_sets_them() {
    let config = resource(
        Value::Null,
        vec![
            rule(n(80), Value::Null, Value::Null),
            rule(n(81), s("r-9"), Value::Null),
        ],
        vec![limit(n(1), Value::Null), limit(n(2), Value::Bool(false))],
    );
    let diagnostics = validate(&config).await;
    let refused: Vec<String> = errors(&diagnostics)
        .iter()
        .map(|d| {
            assert!(d.detail.contains("read-only"), "{}", d.detail);
            path_of(d)
        })
        .collect();
    assert_eq!(refused, ["rule[1].id", "limit[1].applied"]);
}

//! A create or update that fails: what it leaves decides what Terraform records. The plan as it was
//! (known or not) means nothing was made or changed: no object after a create, the prior state after an
//! update. A recorded, wholly known state means a partly made object (kept, tainted) or a partly
//! applied change.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tfplugin_framework::resource::{
    CreateRequest, CreateResponse, DeleteRequest, DeleteResponse, ReadRequest, ReadResponse,
    UpdateRequest, UpdateResponse,
};
use tfplugin_framework::schema::{Attribute, Schema};
use tfplugin_framework::{
    ConfigureRequest, ConfigureResponse, Diagnostics, FrameworkServer, Known, Provider, Resource,
    ResourceType, SchemaValue,
};
use tfplugin_proto::ProviderServer;
use tfplugin_proto::value::{Type, Value};
use tfplugin_proto::wire::{DynamicValue, apply_resource_change};

use crate::{errors, s};

/// Fails every create and update; with `keeps_partial`, after recording what it did.
struct Failing {
    keeps_partial: bool,
}

/// The plan, before and after the create: `id` unknown, or (`known_plan`) known already.
fn planned_id(known_plan: bool) -> Value {
    if known_plan {
        s("planned")
    } else {
        Value::unknown()
    }
}

#[derive(Serialize, Deserialize)]
struct Model {
    id: Known<String>,
    note: Option<String>,
}

impl Resource for Failing {
    fn type_name(&self, provider_type_name: &str) -> String {
        let name = if self.keeps_partial {
            "partial"
        } else {
            "nothing"
        };
        format!("{provider_type_name}_{name}")
    }

    fn schema(&self) -> Schema {
        Schema::new()
            .attribute("id", Attribute::string().computed())
            .attribute("note", Attribute::string().optional())
    }

    async fn create(&self, request: CreateRequest, response: &mut CreateResponse) {
        self.fail(
            &request.plan,
            &mut response.state,
            &mut response.diagnostics,
        );
    }

    async fn read(&self, _: ReadRequest, _: &mut ReadResponse) {}

    async fn update(&self, request: UpdateRequest, response: &mut UpdateResponse) {
        self.fail(
            &request.plan,
            &mut response.state,
            &mut response.diagnostics,
        );
    }

    async fn delete(&self, _: DeleteRequest, _: &mut DeleteResponse) {}
}

impl Failing {
    fn fail(&self, plan: &SchemaValue, state: &mut SchemaValue, diags: &mut Diagnostics) {
        if self.keeps_partial {
            let Some(mut model) = plan.get::<Model>(diags) else {
                return;
            };
            model.id = Known::Value("half-made".into());
            state.set(&model, diags);
        }
        diags.error("Apply failed", "The API refused the rest.");
    }
}

struct FailingProvider;

impl Provider for FailingProvider {
    fn type_name(&self) -> String {
        "failing".into()
    }

    async fn configure(&self, _: ConfigureRequest, _: &mut ConfigureResponse) {}

    fn resources(&self) -> Vec<ResourceType> {
        [false, true]
            .into_iter()
            .map(|keeps_partial| ResourceType::new(move || Failing { keeps_partial }))
            .collect()
    }
}

fn object(id: Value, note: &str) -> Value {
    Value::Object(BTreeMap::from([
        ("id".to_owned(), id),
        ("note".to_owned(), s(note)),
    ]))
}

/// Applies the plan `note = "mine"` over `prior` (null: a create).
async fn apply(type_name: &str, prior: Value, known_plan: bool) -> (Vec<String>, Value) {
    let ty = Type::object([("id", Type::String), ("note", Type::String)]);
    let encode = |value: &Value| Some(DynamicValue::encode(value, &ty).unwrap());
    let response = FrameworkServer::new(FailingProvider)
        .apply_resource_change(apply_resource_change::Request {
            type_name: type_name.into(),
            prior_state: encode(&prior),
            planned_state: encode(&object(planned_id(known_plan), "mine")),
            config: encode(&object(Value::Null, "mine")),
            ..Default::default()
        })
        .await
        .unwrap();
    let summaries = errors(&response.diagnostics)
        .iter()
        .map(|d| d.summary.clone())
        .collect();
    (summaries, response.new_state.unwrap().decode(&ty).unwrap())
}

#[tokio::test]
async fn a_failed_create_that_recorded_nothing_leaves_no_object() {
    for known_plan in [false, true] {
        let (errors, state) = apply("failing_nothing", Value::Null, known_plan).await;
        assert_eq!(errors, ["Apply failed"], "only the resource's own error");
        assert_eq!(state, Value::Null, "plan known: {known_plan}");
    }
}

#[tokio::test]
async fn a_failed_create_keeps_the_object_it_recorded() {
    let (errors, state) = apply("failing_partial", Value::Null, false).await;
    assert_eq!(errors, ["Apply failed"]);
    assert_eq!(state.attribute("id"), Some(&s("half-made")));
}

#[tokio::test]
async fn a_failed_update_that_recorded_nothing_keeps_the_prior_state() {
    let prior = object(s("42"), "old");
    for known_plan in [false, true] {
        let (errors, state) = apply("failing_nothing", prior.clone(), known_plan).await;
        assert_eq!(errors, ["Apply failed"], "only the resource's own error");
        assert_eq!(state, prior, "plan known: {known_plan}");
    }
}

#[tokio::test]
async fn a_failed_update_keeps_the_change_it_recorded() {
    let (errors, state) = apply("failing_partial", object(s("42"), "old"), false).await;
    assert_eq!(errors, ["Apply failed"]);
    assert_eq!(state, object(s("half-made"), "mine"));
}

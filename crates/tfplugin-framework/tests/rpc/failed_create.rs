//! A create that fails: what it leaves decides whether Terraform records an object. The plan as it was
//! (known or not) means nothing was made; a recorded, wholly known state means a partly made object that
//! Terraform keeps, tainted.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tfplugin_framework::resource::{
    CreateRequest, CreateResponse, DeleteRequest, DeleteResponse, ReadRequest, ReadResponse,
    UpdateRequest, UpdateResponse,
};
use tfplugin_framework::schema::{Attribute, Schema};
use tfplugin_framework::{
    ConfigureRequest, ConfigureResponse, FrameworkServer, Known, Provider, Resource, ResourceType,
};
use tfplugin_proto::ProviderServer;
use tfplugin_proto::value::{Type, Value};
use tfplugin_proto::wire::{DynamicValue, apply_resource_change};

use crate::{errors, s};

/// Fails every create; with `keeps_partial`, after recording the object it made.
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
        if self.keeps_partial {
            let Some(mut model) = request.plan.get::<Model>(&mut response.diagnostics) else {
                return;
            };
            model.id = Known::Value("half-made".into());
            response.state.set(&model, &mut response.diagnostics);
        }
        response
            .diagnostics
            .error("Create failed", "The API refused the rest.");
    }

    async fn read(&self, _: ReadRequest, _: &mut ReadResponse) {}

    async fn update(&self, _: UpdateRequest, _: &mut UpdateResponse) {}

    async fn delete(&self, _: DeleteRequest, _: &mut DeleteResponse) {}
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

async fn create(type_name: &str, known_plan: bool) -> (Vec<String>, Value) {
    let ty = Type::object([("id", Type::String), ("note", Type::String)]);
    let object = |id: Value| {
        let value = Value::Object(BTreeMap::from([
            ("id".to_owned(), id),
            ("note".to_owned(), s("mine")),
        ]));
        Some(DynamicValue::encode(&value, &ty).unwrap())
    };
    let response = FrameworkServer::new(FailingProvider)
        .apply_resource_change(apply_resource_change::Request {
            type_name: type_name.into(),
            prior_state: Some(DynamicValue::encode(&Value::Null, &ty).unwrap()),
            planned_state: object(planned_id(known_plan)),
            config: object(Value::Null),
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
        let (errors, state) = create("failing_nothing", known_plan).await;
        assert_eq!(errors, ["Create failed"], "only the resource's own error");
        assert_eq!(state, Value::Null, "plan known: {known_plan}");
    }
}

#[tokio::test]
async fn a_failed_create_keeps_the_object_it_recorded() {
    let (errors, state) = create("failing_partial", false).await;
    assert_eq!(errors, ["Create failed"]);
    assert_eq!(state.attribute("id"), Some(&s("half-made")));
}

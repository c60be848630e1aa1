//! Resources that break Terraform's rules get errors naming the attribute from the framework, instead of
//! Terraform's generic "Provider produced inconsistent result" or "invalid plan".

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tfplugin_framework::resource::{
    Capabilities, CreateRequest, CreateResponse, DeleteRequest, DeleteResponse, ModifyPlan,
    ModifyPlanRequest, ModifyPlanResponse, ReadRequest, ReadResponse, UpdateRequest,
    UpdateResponse,
};
use tfplugin_framework::schema::{Attribute, Schema};
use tfplugin_framework::{
    AttrPath, ConfigureRequest, ConfigureResponse, FrameworkServer, Known, Provider, Resource,
    ResourceType,
};
use tfplugin_proto::ProviderServer;
use tfplugin_proto::value::{Type, Value};
use tfplugin_proto::wire::{DynamicValue, apply_resource_change, plan_resource_change};

use crate::{errors, path_of, s};

#[derive(Clone, Copy)]
enum Lie {
    /// Create returns a different value for an attribute that was known in the plan.
    ChangesKnownValue,
    /// Create leaves a computed attribute unknown.
    LeavesUnknown,
    /// ModifyPlan plans a configured attribute differently from the configuration.
    PlansAgainstConfig,
}

struct Liar(Lie);

#[derive(Serialize, Deserialize)]
struct Model {
    id: Known<String>,
    note: Option<String>,
}

impl Resource for Liar {
    fn type_name(&self, provider_type_name: &str) -> String {
        let name = match self.0 {
            Lie::ChangesKnownValue => "changes",
            Lie::LeavesUnknown => "unknown",
            Lie::PlansAgainstConfig => "plans",
        };
        format!("{provider_type_name}_{name}")
    }

    fn schema(&self) -> Schema {
        Schema::new()
            .attribute("id", Attribute::string().computed())
            .attribute("note", Attribute::string().optional())
    }

    async fn create(&self, request: CreateRequest, response: &mut CreateResponse) {
        let Some(mut model) = request.plan.get::<Model>(&mut response.diagnostics) else {
            return;
        };
        match self.0 {
            Lie::ChangesKnownValue => {
                model.id = Known::Value("x".into());
                model.note = Some("rewritten by the API".into());
            }
            Lie::LeavesUnknown | Lie::PlansAgainstConfig => {}
        }
        response.state.set(&model, &mut response.diagnostics);
    }

    async fn read(&self, _: ReadRequest, _: &mut ReadResponse) {}

    async fn update(&self, _: UpdateRequest, _: &mut UpdateResponse) {}

    async fn delete(&self, _: DeleteRequest, _: &mut DeleteResponse) {}

    fn capabilities(capabilities: Capabilities<Self>) -> Capabilities<Self> {
        capabilities.modify_plan()
    }
}

impl ModifyPlan for Liar {
    async fn modify_plan(&self, _: ModifyPlanRequest, response: &mut ModifyPlanResponse) {
        if let Lie::PlansAgainstConfig = self.0 {
            response.plan.set_attr(
                &AttrPath::attr("note"),
                &"not what you wrote",
                &mut response.diagnostics,
            );
        }
    }
}

struct LiarProvider;

impl Provider for LiarProvider {
    fn type_name(&self) -> String {
        "liar".into()
    }

    async fn configure(&self, _: ConfigureRequest, _: &mut ConfigureResponse) {}

    fn resources(&self) -> Vec<ResourceType> {
        [
            Lie::ChangesKnownValue,
            Lie::LeavesUnknown,
            Lie::PlansAgainstConfig,
        ]
        .into_iter()
        .map(|lie| ResourceType::new(move || Liar(lie)))
        .collect()
    }
}

fn ty() -> Type {
    Type::object([("id", Type::String), ("note", Type::String)])
}

fn object(id: Value, note: Value) -> Option<DynamicValue> {
    let value = Value::Object(BTreeMap::from([
        ("id".to_owned(), id),
        ("note".to_owned(), note),
    ]));
    Some(DynamicValue::encode(&value, &ty()).unwrap())
}

async fn create(
    server: &FrameworkServer<LiarProvider>,
    type_name: &str,
) -> apply_resource_change::Response {
    server
        .apply_resource_change(apply_resource_change::Request {
            type_name: type_name.into(),
            prior_state: Some(DynamicValue::encode(&Value::Null, &ty()).unwrap()),
            planned_state: object(Value::unknown(), s("mine")),
            config: object(Value::Null, s("mine")),
            ..Default::default()
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn a_changed_known_value_is_an_error_naming_the_attribute() {
    let server = FrameworkServer::new(LiarProvider);
    let response = create(&server, "liar_changes").await;
    let errors = errors(&response.diagnostics);
    assert_eq!(errors.len(), 1, "{:?}", response.diagnostics);
    assert_eq!(path_of(errors[0]), "note");
    assert_eq!(
        errors[0].summary,
        "Provider produced inconsistent result after apply"
    );
    assert!(
        errors[0].detail.contains(r#""mine""#) && errors[0].detail.contains("rewritten"),
        "{}",
        errors[0].detail
    );
    // The real result is still returned so Terraform tracks the object that was created.
    let state = response.new_state.unwrap().decode(&ty()).unwrap();
    assert_eq!(state.attribute("id"), Some(&s("x")));
}

#[tokio::test]
async fn an_unknown_left_after_apply_is_an_error_and_becomes_null() {
    let server = FrameworkServer::new(LiarProvider);
    let response = create(&server, "liar_unknown").await;
    let errors = errors(&response.diagnostics);
    assert_eq!(errors.len(), 1, "{:?}", response.diagnostics);
    assert_eq!(path_of(errors[0]), "id");
    let state = response.new_state.unwrap().decode(&ty()).unwrap();
    assert_eq!(state.attribute("id"), Some(&Value::Null));
}

#[tokio::test]
async fn a_plan_against_the_configuration_is_an_error_naming_the_attribute() {
    let server = FrameworkServer::new(LiarProvider);
    let response = server
        .plan_resource_change(plan_resource_change::Request {
            type_name: "liar_plans".into(),
            prior_state: Some(DynamicValue::encode(&Value::Null, &ty()).unwrap()),
            proposed_new_state: object(Value::Null, s("mine")),
            config: object(Value::Null, s("mine")),
            ..Default::default()
        })
        .await
        .unwrap();
    let errors = errors(&response.diagnostics);
    assert_eq!(errors.len(), 1, "{:?}", response.diagnostics);
    assert_eq!(path_of(errors[0]), "note");
    assert_eq!(errors[0].summary, "Provider produced an invalid plan");
}

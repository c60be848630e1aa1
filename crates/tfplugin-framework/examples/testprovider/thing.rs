//! Resource `testfw_thing`: every framework feature in one resource.
//!
//! * `id`: computed, kept across updates (use_state_for_unknown); import takes it.
//! * `name`: required, validated, changing it replaces the thing.
//! * `note`, `tags`: optional, updated in place. Schema version 0 called `note` `description`.
//! * `secret_wo`: write-only (never in plan or state); `secret_wo_version`: bump it to send the secret again.
//! * `updated_at`: computed, changes on every update.
//! * A thing tagged `protect = "true"` refuses to be destroyed (ModifyPlan sees destroys).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tfplugin_framework::diag::Diagnostics;
use tfplugin_framework::path::AttrPath;
use tfplugin_framework::resource::{
    Capabilities, CreateRequest, CreateResponse, DeleteRequest, DeleteResponse, ImportState,
    ImportStateRequest, ImportStateResponse, ModifyPlan, ModifyPlanRequest, ModifyPlanResponse,
    ReadRequest, ReadResponse, StateUpgrader, UpdateRequest, UpdateResponse, UpgradeState,
    ValidateConfig, ValidateConfigRequest, ValidateConfigResponse,
};
use tfplugin_framework::schema::{Attribute, Schema};
use tfplugin_framework::value::Type;
use tfplugin_framework::{Configure, Known, ProviderData, Resource, plan_modifier, validator};

use crate::store::{RemoteThing, Store, now};

#[derive(Default)]
pub struct ThingResource {
    store: Option<Store>,
}

/// The resource's attributes, as plan and state hold them.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ThingModel {
    pub id: Known<String>,
    pub name: String,
    pub note: Option<String>,
    pub tags: Option<BTreeMap<String, String>>,
    pub secret_wo: Option<String>,
    pub secret_wo_version: Option<i64>,
    pub updated_at: Known<String>,
}

/// Schema version 0, as old states hold it.
#[derive(Deserialize)]
struct ThingModelV0 {
    id: String,
    name: String,
    description: Option<String>,
    tags: Option<BTreeMap<String, String>>,
}

impl ThingResource {
    fn store(&self, diags: &mut Diagnostics) -> Option<&Store> {
        if self.store.is_none() {
            diags.error(
                "Provider not configured",
                "The provider's store_path is not known yet, so the thing cannot be reached.",
            );
        }
        self.store.as_ref()
    }
}

impl Resource for ThingResource {
    fn type_name(&self, provider_type_name: &str) -> String {
        format!("{provider_type_name}_thing")
    }

    fn schema(&self) -> Schema {
        Schema::new()
            .version(1)
            .description("A thing in the test store.")
            .markdown_description("A thing in the **test store**.")
            .attribute(
                "id",
                Attribute::string()
                    .computed()
                    .description("The thing's ID, assigned by the store.")
                    .plan_modifier(plan_modifier::use_state_for_unknown()),
            )
            .attribute(
                "name",
                Attribute::string()
                    .required()
                    .description("Name; lowercase letters, digits and dashes. Changing it replaces the thing.")
                    .validator(validator::string_length(1, 32))
                    .validator(validator::regex_matches(
                        "^[a-z0-9-]+$",
                        "must be lowercase letters, digits and dashes",
                    ))
                    .plan_modifier(plan_modifier::requires_replace()),
            )
            .attribute("note", Attribute::string().optional().description("A free-form note."))
            .attribute(
                "tags",
                Attribute::map(Type::String)
                    .optional()
                    .description("Tags; `protect = \"true\"` refuses destroy."),
            )
            .attribute(
                "secret_wo",
                Attribute::string()
                    .optional()
                    .sensitive()
                    .write_only()
                    .description("A secret sent to the store but never kept in state (Terraform 1.11+)."),
            )
            .attribute(
                "secret_wo_version",
                Attribute::int64()
                    .optional()
                    .description("Change it to send secret_wo again.")
                    .validator(validator::int_between(1, 1_000_000)),
            )
            .attribute(
                "updated_at",
                Attribute::string()
                    .computed()
                    .description("When the store last changed the thing."),
            )
    }

    async fn create(&self, request: CreateRequest, response: &mut CreateResponse) {
        let diags = &mut response.diagnostics;
        let Some(store) = self.store(diags) else {
            return;
        };
        let Some(plan) = request.plan.get::<ThingModel>(diags) else {
            return;
        };
        // Write-only values are only in the configuration (the plan has them null).
        let Some(secret) = request
            .config
            .get_attr::<Option<String>>(&AttrPath::attr("secret_wo"), diags)
        else {
            return;
        };
        let remote = RemoteThing {
            name: plan.name.clone(),
            note: plan.note.clone(),
            tags: plan.tags.clone(),
            updated_at: now(),
            secret,
            secret_version: plan.secret_wo_version,
        };
        let id = match store.create(remote.clone()) {
            Ok(id) => id,
            Err(e) => return diags.error("Cannot create thing", e),
        };
        let state = ThingModel {
            id: Known::Value(id),
            updated_at: Known::Value(remote.updated_at),
            ..plan
        };
        response.state.set(&state, &mut response.diagnostics);
    }

    async fn read(&self, request: ReadRequest, response: &mut ReadResponse) {
        let diags = &mut response.diagnostics;
        let Some(store) = self.store(diags) else {
            return;
        };
        // After an import the state holds only the ID, so read just that and take the rest from the store.
        let Some(Some(id)) = request
            .state
            .get_attr::<Option<String>>(&AttrPath::attr("id"), diags)
        else {
            return;
        };
        match store.get(&id) {
            Ok(Some(remote)) => {
                let refreshed = ThingModel {
                    id: Known::Value(id),
                    name: remote.name,
                    note: remote.note,
                    tags: remote.tags,
                    secret_wo: None,
                    secret_wo_version: remote.secret_version,
                    updated_at: Known::Value(remote.updated_at),
                };
                response.state.set(&refreshed, &mut response.diagnostics);
            }
            Ok(None) => response.state.remove(),
            Err(e) => diags.error("Cannot read thing", e),
        }
    }

    async fn update(&self, request: UpdateRequest, response: &mut UpdateResponse) {
        let diags = &mut response.diagnostics;
        let Some(store) = self.store(diags) else {
            return;
        };
        let (Some(plan), Some(prior)) = (
            request.plan.get::<ThingModel>(diags),
            request.state.get::<ThingModel>(diags),
        ) else {
            return;
        };
        let Some(id) = prior.id.value() else { return };
        let existing = match store.get(id) {
            Ok(Some(existing)) => existing,
            Ok(None) => {
                return diags.error("Cannot update thing", format!("{id} no longer exists."));
            }
            Err(e) => return diags.error("Cannot update thing", e),
        };
        // The secret is only sent when its version changes, as with any write-only attribute.
        let secret = if plan.secret_wo_version != prior.secret_wo_version {
            let Some(secret) = request
                .config
                .get_attr::<Option<String>>(&AttrPath::attr("secret_wo"), diags)
            else {
                return;
            };
            secret
        } else {
            existing.secret
        };
        let remote = RemoteThing {
            name: plan.name.clone(),
            note: plan.note.clone(),
            tags: plan.tags.clone(),
            updated_at: now(),
            secret,
            secret_version: plan.secret_wo_version,
        };
        if let Err(e) = store.put(id, remote.clone()) {
            return diags.error("Cannot update thing", e);
        }
        let state = ThingModel {
            id: Known::Value(id.clone()),
            updated_at: Known::Value(remote.updated_at),
            ..plan
        };
        response.state.set(&state, &mut response.diagnostics);
    }

    async fn delete(&self, request: DeleteRequest, response: &mut DeleteResponse) {
        let diags = &mut response.diagnostics;
        let Some(store) = self.store(diags) else {
            return;
        };
        let Some(state) = request.state.get::<ThingModel>(diags) else {
            return;
        };
        if let Some(id) = state.id.value()
            && let Err(e) = store.delete(id)
        {
            diags.error("Cannot delete thing", e);
        }
    }

    fn capabilities(capabilities: Capabilities<Self>) -> Capabilities<Self> {
        capabilities
            .configure()
            .import_state()
            .upgrade_state()
            .validate_config()
            .modify_plan()
    }
}

impl Configure for ThingResource {
    fn configure(&mut self, data: &ProviderData, diags: &mut Diagnostics) {
        match data.get::<Store>() {
            Some(store) => self.store = Some(store.clone()),
            None => diags.error(
                "Unexpected provider data",
                "The provider gave the resource something other than a store.",
            ),
        }
    }
}

impl ImportState for ThingResource {
    async fn import_state(&self, request: ImportStateRequest, response: &mut ImportStateResponse) {
        response.passthrough_id("id", &request);
    }
}

impl UpgradeState for ThingResource {
    fn state_upgraders(&self) -> BTreeMap<i64, StateUpgrader> {
        let v0 = Schema::new()
            .attribute("id", Attribute::string().computed())
            .attribute("name", Attribute::string().required())
            .attribute("description", Attribute::string().optional())
            .attribute("tags", Attribute::map(Type::String).optional());
        BTreeMap::from([(
            0,
            StateUpgrader::new(v0, |request, response| {
                let Some(old) = request.state.get::<ThingModelV0>(&mut response.diagnostics) else {
                    return;
                };
                let upgraded = ThingModel {
                    id: Known::Value(old.id),
                    name: old.name,
                    note: old.description,
                    tags: old.tags,
                    secret_wo: None,
                    secret_wo_version: None,
                    // Version 0 did not keep it; the refresh that follows reads it from the store.
                    updated_at: Known::Value(String::new()),
                };
                response.state.set(&upgraded, &mut response.diagnostics);
            }),
        )])
    }
}

impl ValidateConfig for ThingResource {
    fn validate_config(
        &self,
        request: &ValidateConfigRequest,
        response: &mut ValidateConfigResponse,
    ) {
        let diags = &mut response.diagnostics;
        let secret = request
            .config
            .get_attr::<Known<Option<String>>>(&AttrPath::attr("secret_wo"), diags);
        let version = request
            .config
            .get_attr::<Known<Option<i64>>>(&AttrPath::attr("secret_wo_version"), diags);
        if matches!(secret, Some(Known::Unknown | Known::Value(Some(_))))
            && matches!(version, Some(Known::Value(None)))
        {
            diags.attribute_error(
                AttrPath::attr("secret_wo_version"),
                "Missing secret_wo_version",
                "Set secret_wo_version with secret_wo, and change it whenever the secret changes: Terraform keeps no copy of a write-only value to compare.",
            );
        }
    }
}

impl ModifyPlan for ThingResource {
    async fn modify_plan(&self, request: ModifyPlanRequest, response: &mut ModifyPlanResponse) {
        if !request.plan.is_null() || request.state.is_null() {
            return;
        }
        let tags = request.state.get_attr::<Option<BTreeMap<String, String>>>(
            &AttrPath::attr("tags"),
            &mut response.diagnostics,
        );
        if tags
            .flatten()
            .and_then(|t| t.get("protect").cloned())
            .as_deref()
            == Some("true")
        {
            response.diagnostics.attribute_error(
                AttrPath::attr("tags").key("protect"),
                "Thing is protected",
                "This thing is tagged protect = \"true\"; remove the tag before destroying it.",
            );
        }
    }
}

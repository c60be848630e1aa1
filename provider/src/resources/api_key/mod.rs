//! Resource `tinesaudit_api_key`: a Tines API key made in the Tines UI, checked against the tenant and handed
//! to the pipeline through an AWS Secrets Manager secret.
//!
//! ```hcl
//! resource "tinesaudit_api_key" "pipeline" {
//!   name              = "secops-audit-pipeline"    # the key's name in Tines
//!   secret_wo         = var.pipeline_key           # Terraform 1.11+; never stored in state
//!   secret_wo_version = 1                          # bump to store a new key
//!   secret_name       = "tinesaudit/pipeline-key"  # the Secrets Manager secret the runner reads
//! }
//! ```
//!
//! The lifecycle below is also the resource's documentation page (`provider/docs/`).
#![doc = include_str!("../../../templates/resources/api_key.md")]

mod check;
mod secret;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tfplugin_framework::diag::Diagnostics;
use tfplugin_framework::path::AttrPath;
use tfplugin_framework::resource::{
    Capabilities, CreateRequest, CreateResponse, DeleteRequest, DeleteResponse, ImportState,
    ImportStateRequest, ImportStateResponse, ModifyPlan, ModifyPlanRequest, ModifyPlanResponse,
    Prior, ReadRequest, ReadResponse, UpdateRequest, UpdateResponse, ValidateConfig,
    ValidateConfigRequest, ValidateConfigResponse,
};
use tfplugin_framework::schema::{Attribute, Schema};
use tfplugin_framework::{
    Configure, Known, ProviderData, Resource, Sensitive, plan_modifier, validator,
};

use crate::clients::{ProviderClients, configured};
use check::{check_new_key, find_user_id, lookup_user_id};
use secret::{
    KeyShape, RecoveryWindow, configured_secret, secret_changes, secret_tags, store_new_secret,
    stored_secret,
};

pub(crate) use check::{KeyCheck, check_key};

const KEY_NAME_TAG: &str = "tinesaudit:key-name";
const RECOVERY_WINDOW_TAG: &str = "tinesaudit:recovery-window-days";
const DEFAULT_RECOVERY_WINDOW_DAYS: i64 = 30;

#[derive(Default)]
pub struct ApiKeyResource {
    clients: Option<Arc<ProviderClients>>,
}

/// The resource's attributes in a plan, and in a state after create or update. `secret_wo` is always null
/// here (write-only values live only in the configuration). The key is `Sensitive`: `Debug` never shows it.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct ApiKeyModel {
    id: Known<String>,
    /// Required, so set in every plan; null only in a state imported from a secret that has no key-name
    /// tag, until the configuration's name is applied.
    name: Option<String>,
    secret_wo: Option<Sensitive>,
    secret_wo_version: Option<i64>,
    secret: Option<Sensitive>,
    secret_name: String,
    recovery_window_in_days: i64,
    secret_arn: Known<String>,
    user_id: Known<Option<i64>>,
    can_read_audit_logs: Known<bool>,
}

impl ApiKeyModel {
    /// The key's name in Tines.
    fn key_name(&self) -> &str {
        self.name.as_deref().unwrap_or_default()
    }

    /// The planned key once stored in secret `arn`, with what the check found.
    fn stored_as(self, arn: String, user_id: Option<i64>, can_read_audit_logs: bool) -> Self {
        ApiKeyModel {
            id: Known::Value(arn.clone()),
            secret_arn: Known::Value(arn),
            user_id: Known::Value(user_id),
            can_read_audit_logs: Known::Value(can_read_audit_logs),
            ..self
        }
    }
}

impl Resource for ApiKeyResource {
    fn type_name(&self, provider_type_name: &str) -> String {
        format!("{provider_type_name}_api_key")
    }

    fn schema(&self) -> Schema {
        Schema::new()
            .description(
                "A Tines API key made in the Tines UI (Tines has no API to create keys), checked against the \
                 tenant and stored in an AWS Secrets Manager secret for the pipeline's runner. Refresh checks \
                 the stored key: a revoked key makes the resource gone, so the plan asks for a new one.",
            )
            .attribute(
                "id",
                Attribute::string()
                    .computed()
                    .description("The secret's ARN; `terraform import` takes the secret's name or ARN.")
                    .plan_modifier(plan_modifier::use_state_for_unknown()),
            )
            .attribute(
                "name",
                Attribute::string()
                    .required()
                    .description(
                        "The key's name in Tines. Tines names the key's service-account user after it, \
                         which is how `user_id` is found.",
                    )
                    .validator(validator::string_length(1, 255)),
            )
            .attribute(
                "secret_wo",
                Attribute::string()
                    .optional()
                    .sensitive()
                    .write_only()
                    .description(
                        "The key's secret, as Tines showed it once. Write-only (Terraform 1.11 and later): \
                         it is never stored in plan or state, so set `secret_wo_version` with it and change \
                         that to store a new key. Pass it from an ephemeral variable, which saved plans do \
                         not keep either. Conflicts with `secret`.",
                    )
                    .validator(KeyShape),
            )
            .attribute(
                "secret_wo_version",
                Attribute::int64()
                    .optional()
                    .description(
                        "Goes with `secret_wo`: any number; changing it checks and stores the current \
                         `secret_wo` (rotation).",
                    ),
            )
            .attribute(
                "secret",
                Attribute::string()
                    .optional()
                    .sensitive()
                    .description(
                        "The key's secret, for Terraform older than 1.11, which cannot use `secret_wo`. \
                         Terraform keeps it in state and in saved plan files, marked sensitive but in plain \
                         text. Changing it stores the new key. Conflicts with `secret_wo`.",
                    )
                    .validator(KeyShape),
            )
            .attribute(
                "secret_name",
                Attribute::string()
                    .required()
                    .description(
                        "The name of the AWS Secrets Manager secret that holds the key, created by this \
                         resource. Changing it moves the key to a new secret. A secret of that name this \
                         provider made before (one left behind when a revoked key made the resource gone, \
                         or one scheduled for deletion) is taken over; any other is an error.",
                    )
                    .validator(validator::regex_matches(
                        r"^[A-Za-z0-9/_+=.@-]{1,512}$",
                        "must be 1 to 512 letters, digits and /_+=.@- characters",
                    ))
                    .plan_modifier(plan_modifier::requires_replace()),
            )
            .attribute(
                "recovery_window_in_days",
                Attribute::int64()
                    .optional()
                    .computed()
                    .default(DEFAULT_RECOVERY_WINDOW_DAYS)
                    .description(
                        "How long Secrets Manager keeps the secret restorable after destroy: 7 to 30 days, \
                         or 0 to delete it at once. Default 30.",
                    )
                    .validator(RecoveryWindow),
            )
            .attribute(
                "secret_arn",
                Attribute::string()
                    .computed()
                    .description("The secret's ARN, for the runner's settings and IAM policies.")
                    .plan_modifier(plan_modifier::use_state_for_unknown()),
            )
            .attribute(
                "user_id",
                Attribute::int64().computed().description(
                    "The id of the key's service-account user (the user whose first name is `name`), to \
                     grant it permissions with `tinesaudit_tenant_permissions`. Null when no such user is \
                     listed, e.g. for a personal key.",
                ),
            )
            .attribute(
                "can_read_audit_logs",
                Attribute::bool().computed().description(
                    "Whether the key can read audit logs now: its user is a tenant owner or holds \
                     AUDIT_LOG_READ. Checked on every refresh.",
                ),
            )
    }

    async fn create(&self, request: CreateRequest, response: &mut CreateResponse) {
        let diags = &mut response.diagnostics;
        let Some(clients) = configured(&self.clients, diags) else {
            return;
        };
        let Some(plan) = request.plan.get::<ApiKeyModel>(diags) else {
            return;
        };
        let Some((secret, attribute)) = configured_secret(&request.config, diags) else {
            return diags.error(
                "Missing secret",
                "Set secret_wo (Terraform 1.11+) or secret to the key's secret.",
            );
        };
        let Some(tines) = clients.tines(diags) else {
            return;
        };
        let Some(can_read) = check_new_key(tines, &secret, attribute, diags).await else {
            return;
        };
        let user_id = find_user_id(tines, plan.key_name(), diags).await;
        let Some(store) = clients.secrets(diags).await else {
            return;
        };
        let Some(arn) = store_new_secret(&store, &plan, &secret, diags).await else {
            return;
        };
        tracing::debug!(secret_arn = %arn, key = %plan.key_name(), "stored the Tines API key in Secrets Manager");
        let state = plan.stored_as(arn, user_id, can_read);
        response.state.set(&state, &mut response.diagnostics);
    }

    async fn read(&self, request: ReadRequest, response: &mut ReadResponse) {
        let diags = &mut response.diagnostics;
        let Some(clients) = configured(&self.clients, diags) else {
            return;
        };
        // After an import the state holds only `id`, the secret's name or ARN.
        let stored = match request.prior::<ApiKeyModel>() {
            Prior::Stored(model) => Some(model),
            Prior::Imported => None,
        };
        let id = match &stored {
            Some(model) => model.id.value().cloned(),
            None => request
                .state
                .get_attr::<Option<String>>(&AttrPath::attr("id"), diags)
                .flatten(),
        };
        let Some(id) = id else {
            return diags.error(
                "Invalid state",
                "The state has no id. This is a bug in the provider.",
            );
        };
        let Some(store) = clients.secrets(diags).await else {
            return;
        };
        let info = match store.describe(&id).await {
            Ok(Some(info)) if !info.deleted => info,
            // Deleted, or scheduled for deletion: gone; Terraform reports it and plans to store the key again.
            Ok(_) => return response.state.remove(),
            Err(e) => return diags.error("Cannot read the secret", format!("Secret {id}: {e}")),
        };
        let secret = match store.value(&info.arn).await {
            Ok(Some(secret)) => secret,
            Ok(None) => return response.state.remove(),
            Err(e) => {
                return diags.error(
                    "Cannot read the secret",
                    format!("Secret {}: {e}", info.name),
                );
            }
        };
        let Some(tines) = clients.tines(diags) else {
            return;
        };
        let can_read = match check_key(tines.budget(), tines.tenant(), &secret).await {
            Ok(KeyCheck::Accepted {
                can_read_audit_logs,
            }) => can_read_audit_logs,
            Ok(KeyCheck::Rejected) => {
                diags.warning(
                    "Tines API key revoked",
                    format!(
                        "Tines no longer accepts the API key stored in secret {}: it was revoked, or its \
                         service account was deleted. The resource is planned to be created again: make a \
                         new key in Tines, then set it in secret_wo and bump secret_wo_version (or set \
                         secret on Terraform older than 1.11).",
                        info.name
                    ),
                );
                return response.state.remove();
            }
            Err(e) => {
                return diags.error(
                    "Cannot check the API key",
                    format!(
                        "Checking the key stored in secret {} failed: {e}",
                        info.name
                    ),
                );
            }
        };
        let name = stored
            .as_ref()
            .and_then(|model| model.name.clone())
            .or_else(|| info.tags.get(KEY_NAME_TAG).cloned());
        let stored_user_id = stored
            .as_ref()
            .and_then(|model| model.user_id.value().copied().flatten());
        let user_id = match &name {
            Some(name) => match lookup_user_id(tines, name).await {
                Ok(found) => found,
                Err(warning) => {
                    diags.push(warning);
                    stored_user_id
                }
            },
            None => stored_user_id,
        };
        let recovery_window = stored
            .as_ref()
            .map(|model| model.recovery_window_in_days)
            .or_else(|| {
                info.tags
                    .get(RECOVERY_WINDOW_TAG)
                    .and_then(|d| d.parse().ok())
            })
            .unwrap_or(DEFAULT_RECOVERY_WINDOW_DAYS);
        let refreshed = ApiKeyModel {
            id: Known::Value(info.arn.clone()),
            name,
            secret_wo: None,
            secret_wo_version: stored.as_ref().and_then(|model| model.secret_wo_version),
            // Kept only where the configuration uses `secret`: refreshed so a changed secret shows as drift.
            secret: stored
                .as_ref()
                .and_then(|model| model.secret.as_ref())
                .map(|_| Sensitive::new(secret.expose())),
            secret_name: info.name.clone(),
            recovery_window_in_days: recovery_window,
            secret_arn: Known::Value(info.arn),
            user_id: Known::Value(user_id),
            can_read_audit_logs: Known::Value(can_read),
        };
        response.state.set(&refreshed, &mut response.diagnostics);
    }

    async fn update(&self, request: UpdateRequest, response: &mut UpdateResponse) {
        let diags = &mut response.diagnostics;
        let Some(clients) = configured(&self.clients, diags) else {
            return;
        };
        let (Some(plan), Some(prior)) = (
            request.plan.get::<ApiKeyModel>(diags),
            request.state.get::<ApiKeyModel>(diags),
        ) else {
            return;
        };
        let Some(arn) = prior.secret_arn.value().cloned() else {
            return diags.error(
                "Invalid state",
                "The state has no secret_arn. This is a bug in the provider.",
            );
        };
        let Some(tines) = clients.tines(diags) else {
            return;
        };
        let Some(store) = clients.secrets(diags).await else {
            return;
        };
        let new_secret = if secret_changes(&plan, &prior) {
            let Some(secret) = configured_secret(&request.config, diags) else {
                return diags.error(
                    "Missing secret",
                    "Set secret_wo (Terraform 1.11+) or secret to the key's secret.",
                );
            };
            Some(secret)
        } else {
            None
        };
        let can_read = match &new_secret {
            Some((secret, attribute)) => {
                let Some(can_read) = check_new_key(tines, secret, attribute, diags).await else {
                    return;
                };
                if let Err(e) = store.put_value(&arn, secret).await {
                    return diags.error("Cannot store the new key", format!("Secret {arn}: {e}"));
                }
                tracing::debug!(secret_arn = %arn, "stored a new Tines API key in Secrets Manager");
                can_read
            }
            None => match plan.can_read_audit_logs {
                Known::Value(known) => known,
                Known::Unknown => {
                    let Some(stored) = stored_secret(&store, &arn, diags).await else {
                        return;
                    };
                    match check_key(tines.budget(), tines.tenant(), &stored).await {
                        Ok(KeyCheck::Accepted {
                            can_read_audit_logs,
                        }) => can_read_audit_logs,
                        Ok(KeyCheck::Rejected) => {
                            return diags.error(
                                "Tines rejected the API key",
                                format!(
                                    "Tines no longer accepts the key stored in secret {}. Set a new key and \
                                     bump secret_wo_version (or change secret).",
                                    plan.secret_name
                                ),
                            );
                        }
                        Err(e) => return diags.error("Cannot check the API key", e.to_string()),
                    }
                }
            },
        };
        let retagged = plan.name != prior.name
            || plan.recovery_window_in_days != prior.recovery_window_in_days;
        if retagged && let Err(e) = store.tag(&arn, &secret_tags(&plan)).await {
            return diags.error("Cannot tag the secret", format!("Secret {arn}: {e}"));
        }
        let user_id = match plan.user_id {
            Known::Value(kept) => kept,
            Known::Unknown => find_user_id(tines, plan.key_name(), diags).await,
        };
        let state = plan.stored_as(arn, user_id, can_read);
        response.state.set(&state, &mut response.diagnostics);
    }

    async fn delete(&self, request: DeleteRequest, response: &mut DeleteResponse) {
        let diags = &mut response.diagnostics;
        let Some(clients) = configured(&self.clients, diags) else {
            return;
        };
        let Some(state) = request.state.get::<ApiKeyModel>(diags) else {
            return;
        };
        let Some(id) = state.secret_arn.value().or(state.id.value()).cloned() else {
            return;
        };
        let Some(store) = clients.secrets(diags).await else {
            return;
        };
        if let Err(e) = store.delete(&id, state.recovery_window_in_days).await {
            diags.error("Cannot delete the secret", format!("Secret {id}: {e}"));
        }
    }

    fn capabilities(capabilities: Capabilities<Self>) -> Capabilities<Self> {
        capabilities
            .configure()
            .import_state()
            .validate_config()
            .modify_plan()
    }
}

impl Configure for ApiKeyResource {
    fn configure(&mut self, data: &ProviderData, diags: &mut Diagnostics) {
        self.clients = ProviderClients::from_data(data, diags);
    }
}

impl ImportState for ApiKeyResource {
    async fn import_state(&self, request: ImportStateRequest, response: &mut ImportStateResponse) {
        if request.id.trim().is_empty() {
            return response.diagnostics.error(
                "Invalid import ID",
                "Expected the name or ARN of the Secrets Manager secret that holds the key.",
            );
        }
        response.passthrough_id("id", &request);
    }
}

impl ValidateConfig for ApiKeyResource {
    fn validate_config(
        &self,
        request: &ValidateConfigRequest,
        response: &mut ValidateConfigResponse,
    ) {
        let diags = &mut response.diagnostics;
        let get_string = |name: &str, diags: &mut Diagnostics| {
            request
                .config
                .get_attr::<Known<Option<String>>>(&AttrPath::attr(name), diags)
        };
        let (Some(secret_wo), Some(secret)) =
            (get_string("secret_wo", diags), get_string("secret", diags))
        else {
            return;
        };
        let Some(version) = request
            .config
            .get_attr::<Known<Option<i64>>>(&AttrPath::attr("secret_wo_version"), diags)
        else {
            return;
        };
        let set = |v: &Known<Option<String>>| !matches!(v, Known::Value(None));
        if set(&secret_wo) && set(&secret) {
            diags.attribute_error(
                AttrPath::attr("secret"),
                "Conflicting secrets",
                "Set either secret_wo (Terraform 1.11+, kept out of state) or secret (older CLIs), not both.",
            );
        }
        if !set(&secret_wo) && !set(&secret) {
            diags.error(
                "Missing secret",
                "Set secret_wo with secret_wo_version (Terraform 1.11+, kept out of state), or secret on older \
                 CLIs, to the key's secret as Tines showed it.",
            );
        }
        if set(&secret_wo) && matches!(version, Known::Value(None)) {
            diags.attribute_error(
                AttrPath::attr("secret_wo_version"),
                "Missing secret_wo_version",
                "Set secret_wo_version with secret_wo, and change it whenever the key changes: Terraform keeps \
                 no copy of a write-only value to compare.",
            );
        }
        if !set(&secret_wo) && matches!(version, Known::Value(Some(_))) {
            diags.attribute_error(
                AttrPath::attr("secret_wo_version"),
                "secret_wo_version without secret_wo",
                "secret_wo_version only counts versions of secret_wo; remove it, or set secret_wo.",
            );
        }
    }
}

impl ModifyPlan for ApiKeyResource {
    /// The service-account user does not change while the name does not: keep `user_id` known through a
    /// rotation, so that a `tinesaudit_tenant_permissions` using it is not replaced.
    async fn modify_plan(&self, request: ModifyPlanRequest, response: &mut ModifyPlanResponse) {
        if request.plan.is_null() || request.state.is_null() {
            return;
        }
        let diags = &mut response.diagnostics;
        let name = AttrPath::attr("name");
        let user_id = AttrPath::attr("user_id");
        let (Some(planned_name), Some(prior_name)) = (
            request.plan.get_attr::<Known<Option<String>>>(&name, diags),
            request.state.get_attr::<Option<String>>(&name, diags),
        ) else {
            return;
        };
        let planned_user = request.plan.get_attr::<Known<Option<i64>>>(&user_id, diags);
        if planned_name == Known::Value(prior_name)
            && planned_user == Some(Known::Unknown)
            && let Some(prior_user) = request.state.get_attr::<Option<i64>>(&user_id, diags)
        {
            response.plan.set_attr(&user_id, &prior_user, diags);
        }
    }
}

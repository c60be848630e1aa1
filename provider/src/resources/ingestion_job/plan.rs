//! Validate and plan: the attributes that conflict or must agree (a state key outside the prefix, a
//! lookback or a start time, not both), defaults that depend on `name`, and `content_sha256` unknown in
//! every plan that changes the job file, so that a schedule wired to it sees the change.

use tfplugin_framework::Known;
use tfplugin_framework::diag::Diagnostics;
use tfplugin_framework::path::AttrPath;
use tfplugin_framework::resource::{
    ModifyPlan, ModifyPlanRequest, ModifyPlanResponse, ValidateConfig, ValidateConfigRequest,
    ValidateConfigResponse,
};
use tfplugin_framework::validator::{ValidateRequest, Validator};
use tfplugin_framework::value::{SchemaValue, Value};
use tines_client::Timestamp;
use tinesaudit_job::settings::{DEFAULT_PREFIX, LOOKBACK_SECONDS};
use tinesaudit_job::sha256_hex;

use super::{INPUTS, IngestionJobResource, JobModel, default_job_file_key, default_state_key};
use crate::aws::s3::{check_prefix, s3_url};
use crate::clients::{ProviderClients, TinesSetup};

/// A string attribute of a configuration or plan: `Value(None)` when not set, `Unknown` when it refers to
/// something not known yet.
pub(super) fn string_attr(
    config: &SchemaValue,
    name: &str,
    diags: &mut Diagnostics,
) -> Known<Option<String>> {
    config
        .get_attr::<Known<Option<String>>>(&AttrPath::attr(name), diags)
        .unwrap_or(Known::Unknown)
}

impl ValidateConfig for IngestionJobResource {
    fn validate_config(
        &self,
        request: &ValidateConfigRequest,
        response: &mut ValidateConfigResponse,
    ) {
        let diags = &mut response.diagnostics;
        let config = &request.config;
        let lookback = config
            .get_attr::<Known<Option<i64>>>(&AttrPath::attr("lookback_seconds"), diags)
            .unwrap_or(Known::Unknown);
        let backfill = string_attr(config, "backfill_from", diags);
        if matches!(lookback, Known::Value(Some(_))) && matches!(backfill, Known::Value(Some(_))) {
            diags.attribute_error(
                AttrPath::attr("backfill_from"),
                "Conflicting start points",
                "Set lookback_seconds (start this far back) or backfill_from (start at this time), not both: \
                 the runner's first run starts at one of them.",
            );
        }

        let Known::Value(prefix) = string_attr(config, "prefix", diags) else {
            return;
        };
        let prefix = prefix.unwrap_or_else(|| DEFAULT_PREFIX.to_owned());
        // The attribute's validator reports a malformed prefix; an empty one would contain every key.
        if check_prefix(&prefix).is_err() {
            return;
        }
        let name = string_attr(config, "name", diags);
        let mut keys = Vec::new();
        for (attribute, what, default) in [
            (
                "state_key",
                "The runner's state object",
                default_state_key as fn(&str) -> String,
            ),
            ("job_file_key", "The job file", default_job_file_key),
        ] {
            let (key, defaulted) = match (string_attr(config, attribute, diags), &name) {
                (Known::Value(Some(key)), _) => (key, false),
                (Known::Value(None), Known::Value(Some(name))) => (default(name), true),
                _ => continue,
            };
            if key.starts_with(&prefix) {
                let (at, key_is, fix) = if defaulted {
                    (
                        "prefix",
                        format!("{key:?} (the default {attribute})"),
                        format!("Set {attribute} to a key outside it, or choose another prefix."),
                    )
                } else {
                    (
                        attribute,
                        format!("{key:?}"),
                        format!("Put {attribute} beside the prefix instead."),
                    )
                };
                diags.attribute_error(
                    AttrPath::attr(at),
                    format!("{attribute} inside the prefix"),
                    format!(
                        "{what} {key_is} lies inside prefix {prefix:?}, which the SecOps feed reads: it would \
                         ingest it as a log record and, with source deletion on, delete it. {fix}"
                    ),
                );
            }
            keys.push((attribute, key));
        }
        if let [(_, state_key), (_, job_file_key)] = keys.as_slice()
            && state_key == job_file_key
        {
            diags.attribute_error(
                AttrPath::attr("job_file_key"),
                "job_file_key is the state_key",
                format!(
                    "The job file and the runner's state object would both be {job_file_key:?}, and overwrite \
                     each other. Give them different keys."
                ),
            );
        }
    }
}

impl ModifyPlan for IngestionJobResource {
    /// Fills the defaults that depend on other values (`tenant` from the provider, the keys from `name`, the
    /// lookback unless `backfill_from` is set), plans `id` and `job_file` from where the file goes, and keeps
    /// `content_sha256` and the informational attributes as they are unless the file or the state object
    /// changes.
    async fn modify_plan(&self, request: ModifyPlanRequest, response: &mut ModifyPlanResponse) {
        if request.plan.is_null() {
            return;
        }
        let diags = &mut response.diagnostics;
        let plan = &mut response.plan;
        let config = &request.config;
        let name = string_attr(config, "name", diags);

        let known_string = |value: Known<Option<String>>| match value {
            Known::Value(Some(v)) => Known::Value(v),
            _ => Known::Unknown,
        };
        if string_attr(config, "tenant", diags) == Known::Value(None) {
            let tenant = match self.clients.as_deref().map(ProviderClients::tines_setup) {
                Some(TinesSetup::Configured(access)) => Known::Value(access.tenant().to_owned()),
                Some(TinesSetup::Absent(_)) => {
                    return diags.attribute_error(
                        AttrPath::attr("tenant"),
                        "Missing Tines tenant",
                        "The provider block names no tenant for this job to default to. Set `tenant` here, \
                         the tenant the runner reads audit logs from (e.g. https://example.tines.com), or \
                         `tenant` and `api_key` in the provider block.",
                    );
                }
                _ => Known::Unknown,
            };
            plan.set_attr(&AttrPath::attr("tenant"), &tenant, diags);
        }
        for (attribute, default) in [
            ("state_key", default_state_key as fn(&str) -> String),
            ("job_file_key", default_job_file_key),
        ] {
            if string_attr(config, attribute, diags) == Known::Value(None) {
                let value = known_string(name.clone()).map(|name| default(&name));
                plan.set_attr(&AttrPath::attr(attribute), &value, diags);
            }
        }
        let lookback = AttrPath::attr("lookback_seconds");
        if config.value_at(&lookback).is_some_and(Value::is_null) {
            let value = match string_attr(config, "backfill_from", diags) {
                Known::Value(None) => Known::Value(Some(LOOKBACK_SECONDS.int_default())),
                Known::Value(Some(_)) => Known::Value(None),
                Known::Unknown => Known::Unknown,
            };
            plan.set_attr(&lookback, &value, diags);
        }

        let planned = |plan: &SchemaValue, name: &str, diags: &mut Diagnostics| {
            known_string(string_attr(plan, name, diags))
        };
        let location = match (
            planned(plan, "bucket", diags),
            planned(plan, "job_file_key", diags),
        ) {
            (Known::Value(bucket), Known::Value(key)) => Known::Value(s3_url(&bucket, &key)),
            _ => Known::Unknown,
        };
        plan.set_attr(&AttrPath::attr("id"), &location, diags);
        plan.set_attr(&AttrPath::attr("job_file"), &location, diags);

        let prior = &request.state;
        let unchanged = |plan: &SchemaValue, attribute: &str| {
            let at = AttrPath::attr(attribute);
            !prior.is_null() && plan.value_at(&at) == prior.value_at(&at)
        };
        let prior_model = if prior.is_null() {
            None
        } else {
            prior.get::<JobModel>(diags)
        };
        let content = match prior_model {
            Some(prior_model)
                if INPUTS.iter().all(|a| unchanged(plan, a))
                    && prior_model.content_sha256.value().cloned().flatten()
                        == Some(sha256_hex(&prior_model.job_file_contents().render())) =>
            {
                prior_model.content_sha256
            }
            _ => Known::Unknown,
        };
        plan.set_attr(&AttrPath::attr("content_sha256"), &content, diags);
        for attribute in ["last_checkpoint", "lag_seconds"] {
            let at = AttrPath::attr(attribute);
            let value = match prior.value_at(&at) {
                Some(value) if unchanged(plan, "bucket") && unchanged(plan, "state_key") => {
                    value.clone()
                }
                _ => Value::unknown(),
            };
            plan.set_value(&at, value, diags);
        }
        if let (Known::Value(tenant), Known::Value(Some(before))) = (
            planned(plan, "tenant", diags),
            string_attr(prior, "tenant", diags),
        ) && tenant != before
            && unchanged(plan, "bucket")
            && unchanged(plan, "state_key")
            && let (Known::Value(bucket), Known::Value(state_key)) = (
                planned(plan, "bucket", diags),
                planned(plan, "state_key", diags),
            )
        {
            diags.attribute_warning(
                AttrPath::attr("tenant"),
                "The runner's checkpoint is the old tenant's",
                format!(
                    "The job moves from {before} to {tenant} but keeps its state object \
                     s3://{bucket}/{state_key}, which counts {before}'s records: the runner refuses to move \
                     on from it. Give the job a new state_key, so that {tenant} starts from its lookback or \
                     backfill_from, or delete that object after this apply."
                ),
            );
        }
    }
}

/// `backfill_from`: the runner cannot start in the future; before Tines' retention it finds nothing.
pub(super) struct NotInFuture;

impl Validator for NotInFuture {
    fn validate(&self, request: &ValidateRequest<'_>, diags: &mut Diagnostics) {
        // Rfc3339 reports what does not parse.
        let Some(at) = request
            .value
            .as_str()
            .and_then(|raw| raw.parse::<Timestamp>().ok())
        else {
            return;
        };
        let now = Timestamp::now();
        if at > now {
            diags.attribute_error(
                request.path.clone(),
                "backfill_from in the future",
                format!(
                    "{} is {at}, after now ({now}): the first run would find nothing to fetch. Use a past \
                     time.",
                    request.path
                ),
            );
        } else if now.as_second() - at.as_second() > LOOKBACK_SECONDS.int_max() {
            diags.attribute_warning(
                request.path.clone(),
                "backfill_from before Tines' retention",
                format!(
                    "{} is {at}, more than two years ago: Tines keeps audit logs two years, so the first run \
                     starts with nothing before that.",
                    request.path
                ),
            );
        }
    }
}

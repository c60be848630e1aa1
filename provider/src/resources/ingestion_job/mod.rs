//! Resource `tinesaudit_ingestion_job`: the job file `tinesaudit-runner` reads, as code: which tenant and key,
//! where in S3 the audit logs go, where the runner keeps its checkpoint, and how it pages.
//!
//! ```hcl
//! resource "tinesaudit_ingestion_job" "secops" {
//!   name               = "secops"
//!   api_key_secret_arn = tinesaudit_api_key.pipeline.secret_arn
//!   bucket             = "acme-secops-tines-audit"   # the feed reads s3://acme-secops-tines-audit/tines/audit/
//!   depends_on         = [tinesaudit_tenant_permissions.pipeline] # the key must read audit logs first
//! }
//! ```
//!
//! The lifecycle below is also the resource's documentation page (`provider/docs/`).
#![doc = include_str!("../../../templates/resources/ingestion_job.md")]

mod apply;
mod plan;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tfplugin_framework::diag::Diagnostics;
use tfplugin_framework::path::AttrPath;
use tfplugin_framework::resource::{
    Capabilities, CreateRequest, CreateResponse, DeleteRequest, DeleteResponse, ImportState,
    ImportStateRequest, ImportStateResponse, ReadRequest, ReadResponse, UpdateRequest,
    UpdateResponse,
};
use tfplugin_framework::schema::{Attribute, Schema};
use tfplugin_framework::{Configure, Known, ProviderData, Resource, plan_modifier, validator};
use tines_client::Timestamp;
use tinesaudit_job::settings::{
    COMPRESSIONS, DEFAULT_PREFIX, FORMATS, LOOKBACK_SECONDS, MAX_PAGES, PAGE_SIZE,
    REQUESTS_PER_MINUTE,
};
use tinesaudit_job::{JobFile, State, sha256_hex};

use crate::aws::s3::{Objects, S3Url, s3_url};
use crate::clients::{ProviderClients, configured};
use crate::provider::TenantUrl;
use crate::validators::{BUCKET_NAME, KEY_PREFIX, OBJECT_KEY, Rfc3339};
use apply::s3_error;
use plan::NotInFuture;

/// The job file's S3 user metadata (`x-amz-meta-tinesaudit-name`): the resource's name, which the runner's
/// keys do not hold, so that an import finds it.
const NAME_METADATA: &str = "tinesaudit-name";

/// Written and deleted under the prefix to prove that it takes writes. A dot file, apart from the runner's
/// date folders; empty, so a feed that sees it ingests nothing.
const WRITE_CHECK_NAME: &str = ".tinesaudit-write-check";

/// The attributes the job file is made of, and where it goes: a change to any of them rewrites it.
const INPUTS: [&str; 14] = [
    "name",
    "tenant",
    "api_key_secret_arn",
    "bucket",
    "prefix",
    "state_key",
    "job_file_key",
    "format",
    "compression",
    "lookback_seconds",
    "backfill_from",
    "page_size",
    "max_pages_per_run",
    "requests_per_minute",
];

fn default_state_key(name: &str) -> String {
    format!("tinesaudit/state/{name}.json")
}

fn default_job_file_key(name: &str) -> String {
    format!("tinesaudit/jobs/{name}.json")
}

#[derive(Default)]
pub struct IngestionJobResource {
    clients: Option<Arc<ProviderClients>>,
}

/// The resource's attributes. Inputs are options because a refreshed state holds what the job file says,
/// which may lack keys; plans at apply time hold every input (configured, or defaulted during plan).
#[derive(Clone, Serialize, Deserialize)]
struct JobModel {
    id: Known<Option<String>>,
    name: Option<String>,
    tenant: Option<String>,
    api_key_secret_arn: Option<String>,
    bucket: Option<String>,
    prefix: Option<String>,
    state_key: Option<String>,
    job_file_key: Option<String>,
    format: Option<String>,
    compression: Option<String>,
    lookback_seconds: Option<i64>,
    backfill_from: Option<String>,
    page_size: Option<i64>,
    max_pages_per_run: Option<i64>,
    requests_per_minute: Option<i64>,
    job_file: Known<Option<String>>,
    content_sha256: Known<Option<String>>,
    last_checkpoint: Known<Option<String>>,
    lag_seconds: Known<Option<i64>>,
}

impl JobModel {
    /// The job file's bucket and key: from the id, or (in a plan) from the attributes.
    fn location(&self) -> Option<S3Url> {
        if let Known::Value(Some(id)) = &self.id
            && let Some(url) = S3Url::parse(id)
        {
            return Some(url);
        }
        Some(S3Url {
            bucket: self.bucket.clone()?,
            key: self.job_file_key.clone()?,
        })
    }

    fn job_file_contents(&self) -> JobFile {
        JobFile {
            api_key_secret_arn: self.api_key_secret_arn.clone(),
            backfill_from: self.backfill_from.clone(),
            bucket: self.bucket.clone(),
            compression: self.compression.clone(),
            format: self.format.clone(),
            lookback_seconds: self.lookback_seconds,
            max_pages: self.max_pages_per_run,
            page_size: self.page_size,
            prefix: self.prefix.clone(),
            requests_per_minute: self.requests_per_minute,
            state_key: self.state_key.clone(),
            tenant: self.tenant.clone(),
        }
    }

    /// Takes the inputs a job file holds.
    fn set_from_job_file(&mut self, file: JobFile) {
        self.api_key_secret_arn = file.api_key_secret_arn;
        self.backfill_from = file.backfill_from;
        self.compression = file.compression;
        self.format = file.format;
        self.lookback_seconds = file.lookback_seconds;
        self.max_pages_per_run = file.max_pages;
        self.page_size = file.page_size;
        self.prefix = file.prefix;
        self.requests_per_minute = file.requests_per_minute;
        self.state_key = file.state_key;
        self.tenant = file.tenant;
    }
}

impl Resource for IngestionJobResource {
    fn type_name(&self, provider_type_name: &str) -> String {
        format!("{provider_type_name}_ingestion_job")
    }

    fn schema(&self) -> Schema {
        let key_form = "S3 key: letters, digits and ! - _ . ' ( ) /, no leading '/', no '//'";
        Schema::new()
            .description(
                "The job file tinesaudit-runner reads (the tenant, the API key's secret, where in S3 the audit \
                 logs go and where the runner keeps its checkpoint), written to S3 after checking that the \
                 bucket takes writes under the prefix and that the key can read audit logs. Destroy deletes the \
                 job file only, never the data or the runner's state.",
            )
            .attribute(
                "id",
                Attribute::string()
                    .computed()
                    .description(
                        "The job file's location, `s3://bucket/job_file_key`; `terraform import` takes it.",
                    ),
            )
            .attribute(
                "name",
                Attribute::string()
                    .required()
                    .description(
                        "The job's name: 1 to 64 letters, digits and . _ - characters, starting with a letter or \
                         digit. It names the default `state_key` and `job_file_key`; changing it replaces the job.",
                    )
                    .validator(validator::regex_matches(
                        r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
                        "must be 1 to 64 letters, digits and . _ - characters, starting with a letter or digit",
                    ))
                    .plan_modifier(plan_modifier::requires_replace()),
            )
            .attribute(
                "tenant",
                Attribute::string()
                    .optional()
                    .computed()
                    .description(
                        "The Tines tenant the runner reads, e.g. `https://example.tines.com`. Default: the \
                         provider's `tenant`. The runner's state object records it and refuses another \
                         tenant's checkpoint, so moving a job to another tenant wants a new `state_key` (the \
                         plan warns otherwise).",
                    )
                    .validator(TenantUrl),
            )
            .attribute(
                "api_key_secret_arn",
                Attribute::string()
                    .required()
                    .description(
                        "The ARN of the Secrets Manager secret holding the runner's Tines API key, e.g. \
                         `tinesaudit_api_key.pipeline.secret_arn`. Apply reads it and checks that the key can \
                         read audit logs (a tenant owner, or a user holding AUDIT_LOG_READ).",
                    )
                    .validator(validator::regex_matches(
                        r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+$",
                        "must be a Secrets Manager secret ARN, \
                         arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME",
                    )),
            )
            .attribute(
                "bucket",
                Attribute::string()
                    .required()
                    .description(
                        "The S3 bucket the runner writes to, and where the job file and the runner's state \
                         live. Changing it replaces the job.",
                    )
                    .validator(BUCKET_NAME)
                    .plan_modifier(plan_modifier::requires_replace()),
            )
            .attribute(
                "prefix",
                Attribute::string()
                    .optional()
                    .computed()
                    .default(DEFAULT_PREFIX)
                    .description(format!(
                        "The folder the runner writes audit logs under, and the SecOps feed reads \
                         (`s3://bucket/prefix`): not empty, ending in '/'; an {key_form}. Default \
                         `{DEFAULT_PREFIX}`."
                    ))
                    .validator(KEY_PREFIX),
            )
            .attribute(
                "state_key",
                Attribute::string()
                    .optional()
                    .computed()
                    .description(format!(
                        "The runner's state object (its checkpoint and lease); outside `prefix`, or the feed \
                         would ingest it. An {key_form}. Default `tinesaudit/state/<name>.json`."
                    ))
                    .validator(OBJECT_KEY),
            )
            .attribute(
                "job_file_key",
                Attribute::string()
                    .optional()
                    .computed()
                    .description(format!(
                        "Where the job file is written in `bucket`; outside `prefix`. An {key_form}. Default \
                         `tinesaudit/jobs/<name>.json`. Changing it replaces the job. Creating a job refuses \
                         a job file that another job wrote there."
                    ))
                    .validator(OBJECT_KEY)
                    .plan_modifier(plan_modifier::requires_replace()),
            )
            .attribute(
                "format",
                Attribute::string()
                    .optional()
                    .computed()
                    .default(FORMATS[0])
                    .description(
                        "`ndjson` (one record per line: what the SecOps TINES parser reads) or `raw_page` (each \
                         object one API page, as the reference Lambda wrote). Default `ndjson`.",
                    )
                    .validator(validator::one_of(FORMATS)),
            )
            .attribute(
                "compression",
                Attribute::string()
                    .optional()
                    .computed()
                    .default(COMPRESSIONS[0])
                    .description(
                        "`none` or `gzip` (objects end in .gz; check once that the feed reads them). Default \
                         `none`.",
                    )
                    .validator(validator::one_of(COMPRESSIONS)),
            )
            .attribute(
                "lookback_seconds",
                Attribute::int64()
                    .optional()
                    .computed()
                    .description(format!(
                        "How far back the first run starts, 0 to {} (two years, Tines' retention). Default {} \
                         unless `backfill_from` is set; conflicts with it. Only the first run (no state object \
                         yet) uses it.",
                        LOOKBACK_SECONDS.max, LOOKBACK_SECONDS.default
                    ))
                    .validator(validator::int_between(
                        LOOKBACK_SECONDS.int_min(),
                        LOOKBACK_SECONDS.int_max(),
                    )),
            )
            .attribute(
                "backfill_from",
                Attribute::string()
                    .optional()
                    .description(
                        "Where the first run starts instead, an RFC 3339 time not in the future such as \
                         `2025-01-01T00:00:00Z`. Conflicts with `lookback_seconds`. Only the first run uses it.",
                    )
                    .validator(Rfc3339)
                    .validator(NotInFuture),
            )
            .attribute(
                "page_size",
                Attribute::int64()
                    .optional()
                    .computed()
                    .default(PAGE_SIZE.int_default())
                    .description(format!(
                        "Records per API page, 1 to {}. Default {}.",
                        PAGE_SIZE.max, PAGE_SIZE.default
                    ))
                    .validator(validator::int_between(PAGE_SIZE.int_min(), PAGE_SIZE.int_max())),
            )
            .attribute(
                "max_pages_per_run",
                Attribute::int64()
                    .optional()
                    .computed()
                    .default(MAX_PAGES.int_default())
                    .description(format!(
                        "Pages one run fetches at most (the runner's `max_pages`); the rest waits for the next \
                         run. 1 to {}. Default {}.",
                        MAX_PAGES.max, MAX_PAGES.default
                    ))
                    .validator(validator::int_between(MAX_PAGES.int_min(), MAX_PAGES.int_max())),
            )
            .attribute(
                "requests_per_minute",
                Attribute::int64()
                    .optional()
                    .computed()
                    .default(REQUESTS_PER_MINUTE.int_default())
                    .description(format!(
                        "The runner's own limit on audit-log requests, 1 to {}. Default {}, the limit Tines \
                         documents per key and address.",
                        REQUESTS_PER_MINUTE.max, REQUESTS_PER_MINUTE.default
                    ))
                    .validator(validator::int_between(
                        REQUESTS_PER_MINUTE.int_min(),
                        REQUESTS_PER_MINUTE.int_max(),
                    )),
            )
            .attribute(
                "job_file",
                Attribute::string().computed().description(
                    "The job file's `s3://` URL, for the runner's `--job` flag or `JOB_FILE`, and a \
                     `tinesaudit_schedule`.",
                ),
            )
            .attribute(
                "content_sha256",
                Attribute::string().computed().description(
                    "The hex SHA-256 of the job file as written; known after apply whenever a plan changes the \
                     file, so whatever is wired to it is updated too.",
                ),
            )
            .attribute(
                "last_checkpoint",
                Attribute::string().computed().description(
                    "Informational, from the runner's state object on refresh: every record created before \
                     this time (RFC 3339) is in S3. Null until the runner's first run.",
                ),
            )
            .attribute(
                "lag_seconds",
                Attribute::int64().computed().description(
                    "Informational: how far `last_checkpoint` was behind the clock at the last refresh. Null \
                     until the runner's first run.",
                ),
            )
    }

    async fn create(&self, request: CreateRequest, response: &mut CreateResponse) {
        self.write(
            &request.plan,
            true,
            &mut response.state,
            &mut response.diagnostics,
        )
        .await;
    }

    async fn read(&self, request: ReadRequest, response: &mut ReadResponse) {
        let diags = &mut response.diagnostics;
        let Some(clients) = configured(&self.clients, diags) else {
            return;
        };
        let Some(mut model) = request.state.get::<JobModel>(diags) else {
            return;
        };
        let Some(S3Url { bucket, key }) = model.location() else {
            return diags.error(
                "Invalid state",
                "The state has no job file location. This is a bug in the provider.",
            );
        };
        let Some(objects) = clients.s3(diags).await else {
            return;
        };
        let url = s3_url(&bucket, &key);
        let object = match objects.get(&bucket, &key, None).await {
            Ok(Some(object)) => object,
            // Terraform reports it deleted and plans to write it again.
            Ok(None) => return response.state.remove(),
            Err(e) => return diags.push(s3_error("read the job file", &url, &e, "job_file_key")),
        };
        let file = match JobFile::parse(&object.body) {
            Ok(file) => file,
            Err(problem) => {
                diags.warning(
                    "Job file unreadable",
                    format!(
                        "The job file {url} is not one the runner can read: {problem}. The resource is planned \
                         to be created again, which rewrites it."
                    ),
                );
                return response.state.remove();
            }
        };
        model.name = object
            .metadata
            .get(NAME_METADATA)
            .cloned()
            .or(model.name)
            .or_else(|| name_from_default_key(&key));
        model.set_from_job_file(file);
        model.bucket = Some(bucket.clone());
        model.job_file_key = Some(key);
        model.id = Known::Value(Some(url.clone()));
        model.job_file = Known::Value(Some(url));
        model.content_sha256 = Known::Value(Some(sha256_hex(&object.body)));
        let progress = match &model.state_key {
            Some(state_key) => runner_progress(&objects, &bucket, state_key, diags).await,
            None => Some((None, None)),
        };
        // Unreadable: the values of the last refresh stay.
        if let Some((checkpoint, lag)) = progress {
            model.last_checkpoint = Known::Value(checkpoint);
            model.lag_seconds = Known::Value(lag);
        }
        response.state.set(&model, &mut response.diagnostics);
    }

    async fn update(&self, request: UpdateRequest, response: &mut UpdateResponse) {
        self.write(
            &request.plan,
            false,
            &mut response.state,
            &mut response.diagnostics,
        )
        .await;
    }

    async fn delete(&self, request: DeleteRequest, response: &mut DeleteResponse) {
        let diags = &mut response.diagnostics;
        let Some(clients) = configured(&self.clients, diags) else {
            return;
        };
        let Some(model) = request.state.get::<JobModel>(diags) else {
            return;
        };
        let Some(S3Url { bucket, key }) = model.location() else {
            return;
        };
        let Some(s3) = clients.s3(diags).await else {
            return;
        };
        if let Err(e) = s3.delete(&bucket, &key).await {
            diags.push(s3_error(
                "delete the job file",
                &s3_url(&bucket, &key),
                &e,
                "job_file_key",
            ));
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

/// What the runner's state object says: the checkpoint and how far it is behind now. `None` (with a warning)
/// when the state object cannot be read; both null when there is none yet.
async fn runner_progress(
    objects: &Objects,
    bucket: &str,
    state_key: &str,
    diags: &mut Diagnostics,
) -> Option<(Option<String>, Option<i64>)> {
    let url = s3_url(bucket, state_key);
    let object = match objects.get(bucket, state_key, None).await {
        Ok(Some(object)) => object,
        Ok(None) => return Some((None, None)),
        Err(e) => {
            diags.attribute_warning(
                AttrPath::attr("last_checkpoint"),
                "Cannot read the runner's state",
                format!("Reading {url} failed, so last_checkpoint and lag_seconds were not refreshed: {e}"),
            );
            return None;
        }
    };
    match serde_json::from_slice::<State>(&object.body) {
        Ok(state) => {
            let at = state.position.created_at;
            let lag = (Timestamp::now().as_second() - at.as_second()).max(0);
            Some((Some(at.to_string()), Some(lag)))
        }
        Err(e) => {
            diags.attribute_warning(
                AttrPath::attr("last_checkpoint"),
                "Runner state unreadable",
                format!(
                    "{url} is not a tinesaudit-runner state object ({e}); the runner will refuse it too."
                ),
            );
            Some((None, None))
        }
    }
}

/// The name in a default job file key, `tinesaudit/jobs/<name>.json`: for an import of a job file whose
/// metadata was lost (an upload by hand replaces it).
fn name_from_default_key(key: &str) -> Option<String> {
    key.strip_prefix("tinesaudit/jobs/")?
        .strip_suffix(".json")
        .filter(|name| !name.is_empty() && !name.contains('/'))
        .map(str::to_owned)
}

impl Configure for IngestionJobResource {
    fn configure(&mut self, data: &ProviderData, diags: &mut Diagnostics) {
        self.clients = ProviderClients::from_data(data, diags);
    }
}

impl ImportState for IngestionJobResource {
    async fn import_state(&self, request: ImportStateRequest, response: &mut ImportStateResponse) {
        if S3Url::parse(&request.id).is_none() {
            return response.diagnostics.error(
                "Invalid import ID",
                format!(
                    "Expected the job file's location, s3://bucket/key (e.g. \
                     s3://my-bucket/tinesaudit/jobs/secops.json); got {:?}.",
                    request.id
                ),
            );
        }
        response.passthrough_id("id", &request);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_imported_default_key_gives_the_name_back() {
        assert_eq!(
            name_from_default_key("tinesaudit/jobs/secops.json").as_deref(),
            Some("secops")
        );
        assert_eq!(name_from_default_key("jobs/secops.json"), None);
        assert_eq!(name_from_default_key("tinesaudit/jobs/a/b.json"), None);
    }
}

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
//! * **Apply** checks before it writes: a zero-byte object written and deleted under `prefix` proves the
//!   bucket exists and takes writes there (zero bytes are zero records, should the feed ever see one); the
//!   key in `api_key_secret_arn` is read from Secrets Manager and must read an audit-log page of `tenant`.
//!   Then the job file (JSON holding the runner's keys only, sorted) goes to `s3://bucket/job_file_key`.
//!   `content_sha256` is the hash of what was written: unknown in every plan that changes the file, so that a
//!   `tinesaudit_schedule` wired to it sees the change.
//! * **Refresh** reads the job file back. Edited values come back as a diff that apply puts right; any other
//!   edit (formatting, a key this resource does not manage) shows as a change of `content_sha256`, which apply
//!   also puts right. A deleted job file makes the resource gone, and so does one that is not a JSON object of
//!   job settings (with a warning): the plan writes it again. `last_checkpoint` and `lag_seconds` come from
//!   the runner's state object; they are informational and never make a plan on their own.
//! * **Destroy** deletes the job file only: the data under `prefix` and the runner's state object stay, so a
//!   job made again with the same `state_key` carries on where the runner stopped.
//! * **Import** by the job file's `s3://bucket/key`.
//!
//! `lookback_seconds` and `backfill_from` only matter to the runner's first run, before its state object
//! exists; changing them later rewrites the job file and moves nothing (`tinesaudit-runner backfill` fetches an
//! older window again).

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tfplugin_framework::diag::Diagnostics;
use tfplugin_framework::path::AttrPath;
use tfplugin_framework::resource::{
    Capabilities, CreateRequest, CreateResponse, DeleteRequest, DeleteResponse, ImportState,
    ImportStateRequest, ImportStateResponse, ModifyPlan, ModifyPlanRequest, ModifyPlanResponse,
    ReadRequest, ReadResponse, UpdateRequest, UpdateResponse, ValidateConfig,
    ValidateConfigRequest, ValidateConfigResponse,
};
use tfplugin_framework::schema::{Attribute, Schema};
use tfplugin_framework::validator::{ValidateRequest, Validator};
use tfplugin_framework::value::{SchemaValue, Value};
use tfplugin_framework::{
    Configure, Diagnostic, Known, ProviderData, Resource, plan_modifier, validator,
};
use tines_client::Timestamp;
use tinesaudit_job::settings::{
    COMPRESSIONS, DEFAULT_PREFIX, FORMATS, LOOKBACK_SECONDS, MAX_PAGES, PAGE_SIZE,
    REQUESTS_PER_MINUTE,
};
use tinesaudit_job::{JobFile, MAX_JOB_FILE_BYTES, State, sha256_hex};

use crate::api_key_resource::{KeyCheck, check_key};
use crate::audit_logs_data_source::Rfc3339;
use crate::aws_calls::AwsError;
use crate::clients::{ProviderClients, TinesSetup, configured};
use crate::provider::TenantUrl;
use crate::s3::{
    BUCKET_NAME, KEY_PREFIX, NO_SUCH_BUCKET, OBJECT_KEY, Objects, S3ErrorKind, S3Url, check_prefix,
    s3_url,
};

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
        // Nothing was written: the job file is as it was.
        if response.diagnostics.has_error() {
            response.state = request.state;
        }
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

impl IngestionJobResource {
    /// Create and update: the checks, then the job file; fills `state`'s computed attributes.
    async fn write(
        &self,
        plan: &SchemaValue,
        creating: bool,
        state: &mut SchemaValue,
        diags: &mut Diagnostics,
    ) {
        let Some(clients) = configured(&self.clients, diags) else {
            return;
        };
        let Some(mut model) = plan.get::<JobModel>(diags) else {
            return;
        };
        let (Some(bucket), Some(key), Some(prefix), Some(tenant), Some(arn), Some(name)) = (
            model.bucket.clone(),
            model.job_file_key.clone(),
            model.prefix.clone(),
            model.tenant.clone(),
            model.api_key_secret_arn.clone(),
            model.name.clone(),
        ) else {
            return diags.error(
                "Incomplete plan",
                "The plan lacks an input of the job file. This is a bug in the provider.",
            );
        };
        let Some(objects) = clients.s3(diags).await else {
            return;
        };
        // Every check runs, so that one apply reports every problem.
        check_writable(&objects, &bucket, &prefix, diags).await;
        check_reader_key(clients, &tenant, &arn, diags).await;
        if creating {
            check_not_another_jobs(&objects, &bucket, &key, &name, diags).await;
        }
        if diags.has_error() {
            return;
        }
        let body = model.job_file_contents().render();
        let url = s3_url(&bucket, &key);
        let metadata = HashMap::from([(NAME_METADATA.to_owned(), name)]);
        if let Err(e) = objects
            .put(&bucket, &key, body.clone(), "application/json", metadata)
            .await
        {
            return diags.push(s3_error("write the job file", &url, &e, "job_file_key"));
        }
        tracing::debug!(job_file = %url, "wrote the ingestion job file");
        model.id = Known::Value(Some(url.clone()));
        model.job_file = Known::Value(Some(url));
        model.content_sha256 = Known::Value(Some(sha256_hex(&body)));
        if model.last_checkpoint.is_unknown() || model.lag_seconds.is_unknown() {
            let (checkpoint, lag) = match &model.state_key {
                Some(state_key) => runner_progress(&objects, &bucket, state_key, diags)
                    .await
                    .unwrap_or_default(),
                None => (None, None),
            };
            model.last_checkpoint = Known::Value(checkpoint);
            model.lag_seconds = Known::Value(lag);
        }
        state.set(&model, diags);
    }
}

/// A create refuses a job file that another job wrote (its name is in the object's metadata): two jobs
/// with one `job_file_key` would overwrite each other's settings. A job file without a name (written by
/// hand, or replaced outside Terraform) is taken over.
async fn check_not_another_jobs(
    objects: &Objects,
    bucket: &str,
    key: &str,
    name: &str,
    diags: &mut Diagnostics,
) {
    let url = s3_url(bucket, key);
    match objects.get(bucket, key, Some(MAX_JOB_FILE_BYTES)).await {
        Ok(Some(object)) => {
            if let Some(owner) = object
                .metadata
                .get(NAME_METADATA)
                .filter(|owner| *owner != name)
            {
                diags.attribute_error(
                    AttrPath::attr("job_file_key"),
                    "Job file belongs to another job",
                    format!(
                        "{url} was written by the ingestion job {owner:?}, and two jobs with one job file \
                         overwrite each other's settings. Give this job another job_file_key, or import \
                         that job file (terraform import <address> {url}) in place of the other job."
                    ),
                );
            }
        }
        Ok(None) => {}
        Err(e) => diags.push(s3_error("read the job file", &url, &e, "job_file_key")),
    }
}

/// The key in the secret can read `tenant`'s audit logs; errors under `api_key_secret_arn` otherwise.
async fn check_reader_key(
    clients: &ProviderClients,
    tenant: &str,
    arn: &str,
    diags: &mut Diagnostics,
) {
    let at = AttrPath::attr("api_key_secret_arn");
    let Some(budget) = clients.client_budget(diags) else {
        return;
    };
    let Some(store) = clients.secrets(diags).await else {
        return;
    };
    let key = match store.value(arn).await {
        Ok(Some(key)) => key,
        Ok(None) => {
            return diags.attribute_error(
                at,
                "API key secret not found",
                format!(
                    "Secrets Manager has no readable secret {arn}: it does not exist, or is scheduled for \
                     deletion. Store the runner's key there first, e.g. with tinesaudit_api_key."
                ),
            );
        }
        Err(e) => {
            return diags.attribute_error(
                at,
                "Cannot read the API key secret",
                format!("Secret {arn}: {e}"),
            );
        }
    };
    match check_key(budget, tenant, &key).await {
        Ok(KeyCheck::Accepted {
            can_read_audit_logs: true,
        }) => {}
        Ok(KeyCheck::Accepted {
            can_read_audit_logs: false,
        }) => diags.attribute_error(
            at,
            "API key cannot read audit logs",
            format!(
                "Tines refused to list audit logs to the key in secret {arn}: its user is neither a tenant \
                 owner nor holds AUDIT_LOG_READ. Grant it with tinesaudit_tenant_permissions (the key's \
                 user_id), and add that resource to this job's depends_on so the grant comes first."
            ),
        ),
        Ok(KeyCheck::Rejected) => diags.attribute_error(
            at,
            "Tines rejected the API key",
            format!(
                "Tines answered 401 to the key in secret {arn}: it is not a key of {tenant}, or it was \
                 revoked."
            ),
        ),
        Err(e) => diags.attribute_error(
            at,
            "Cannot check the API key",
            format!("Checking the key in secret {arn} against {tenant} failed: {e}"),
        ),
    }
}

/// The bucket exists, and these credentials may write under the prefix (an empty object written and
/// deleted). The runner's role is not checked (Terraform does not run as it), but a missing bucket, a
/// bucket policy refusing the prefix or the wrong endpoint is caught before a schedule fails an hour later.
async fn check_writable(objects: &Objects, bucket: &str, prefix: &str, diags: &mut Diagnostics) {
    let key = format!("{prefix}{WRITE_CHECK_NAME}");
    let url = s3_url(bucket, &key);
    let found = objects.bucket_exists(bucket).await.and_then(|exists| {
        exists.then_some(()).ok_or_else(|| AwsError {
            code: Some(NO_SUCH_BUCKET.to_owned()),
            ..AwsError::new("HeadBucket answered 404 Not Found")
        })
    });
    if let Err(e) = found {
        return diags.push(s3_error(
            "find the bucket",
            &s3_url(bucket, ""),
            &e,
            "prefix",
        ));
    }
    if let Err(e) = objects
        .put(
            bucket,
            &key,
            Vec::new(),
            "application/octet-stream",
            HashMap::new(),
        )
        .await
    {
        return diags.push(s3_error("write under the prefix", &url, &e, "prefix"));
    }
    if let Err(e) = objects.delete(bucket, &key).await {
        diags.attribute_warning(
            AttrPath::attr("prefix"),
            "Write check left behind",
            format!(
                "The empty object {url}, written to check that the prefix takes writes, could not be deleted \
                 ({e}). It holds no records; delete it when convenient."
            ),
        );
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

/// An S3 failure as a diagnostic under the attribute the user would change; `key_attribute` names the key
/// that was refused, for access denied.
fn s3_error(action: &str, url: &str, error: &AwsError, key_attribute: &str) -> Diagnostic {
    let (attribute, summary, hint) = match S3ErrorKind::of(error) {
        S3ErrorKind::NoSuchBucket => (
            "bucket",
            "S3 bucket not found",
            "The bucket does not exist (or not at the provider's S3 endpoint): create it first, or fix \
             `bucket`.",
        ),
        S3ErrorKind::AccessDenied => (
            key_attribute,
            "S3 access denied",
            "The credentials Terraform runs with may not do this: they need s3:PutObject, s3:GetObject and \
             s3:DeleteObject on the bucket's keys under the prefix and for the job file.",
        ),
        S3ErrorKind::WrongRegion => (
            "bucket",
            "S3 bucket in another region",
            "The bucket lives in another region than the provider's aws_region; set aws_region to the \
             bucket's region.",
        ),
        S3ErrorKind::Unreachable => (
            "bucket",
            "S3 unreachable",
            "No answer from S3: check aws_s3_endpoint_url / aws_endpoint_url, the network, and the region.",
        ),
        S3ErrorKind::Other => ("bucket", "S3 request failed", ""),
    };
    Diagnostic::error(
        summary,
        format!("Cannot {action} ({url}): {error}. {hint}")
            .trim_end()
            .to_owned(),
    )
    .at(AttrPath::attr(attribute))
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

/// A string attribute of a configuration or plan: `Value(None)` when not set, `Unknown` when it refers to
/// something not known yet.
fn string_attr(config: &SchemaValue, name: &str, diags: &mut Diagnostics) -> Known<Option<String>> {
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
struct NotInFuture;

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

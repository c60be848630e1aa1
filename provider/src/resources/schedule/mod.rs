//! Resource `tinesaudit_schedule`: the runner deployed as an AWS Lambda function, invoked by an EventBridge
//! Scheduler schedule. One schedule per job; AWS does the scheduling.
//!
//! ```hcl
//! resource "tinesaudit_schedule" "audit" {
//!   name            = "tines-audit-sync"             # the function's and the schedule's name
//!   job_file        = "s3://secops-config/jobs/tines-audit.json"
//!   job_file_sha256 = tinesaudit_ingestion_job.audit.content_sha256
//!   expression      = "rate(15 minutes)"
//! }
//! ```
//!
//! The lifecycle below is also the resource's documentation page (`provider/docs/`).
#![doc = include_str!("../../../templates/resources/schedule.md")]

mod deploy;
pub mod expression;
pub mod job;
pub mod package;
mod plan;
mod refresh;
mod roles;
mod validators;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tfplugin_framework::diag::Diagnostics;
use tfplugin_framework::path::AttrPath;
use tfplugin_framework::resource::{
    Capabilities, CreateRequest, CreateResponse, DeleteRequest, DeleteResponse, ImportState,
    ImportStateRequest, ImportStateResponse, Prior, ReadRequest, ReadResponse, UpdateRequest,
    UpdateResponse,
};
use tfplugin_framework::schema::{Attribute, Schema};
use tfplugin_framework::value::Type;
use tfplugin_framework::{Configure, Known, ProviderData, Resource, plan_modifier, validator};

use crate::aws::scheduler::{self};
use crate::clients::{ProviderClients, configured};
use job::LAMBDA_MAX_TIMEOUT_SECONDS;
use refresh::Refreshed;
use roles::delete_created_role;
use validators::{EnvironmentVariables, Expression, JobFileLocation, TimeZoneName, role_arn};

/// The environment variable the runner reads its job file's location from.
const JOB_FILE_ENV: &str = "JOB_FILE";
/// The SHA-256 of the job file the function was deployed for. The runner reads its job file once per
/// execution environment, so a changed job file must change the function's configuration, which makes
/// Lambda start fresh environments; refresh reads it back as `job_file_sha256`.
const JOB_FILE_SHA256_ENV: &str = "JOB_FILE_SHA256";
const RUNNER_ROLE_SUFFIX: &str = "-runner";
const SCHEDULER_ROLE_SUFFIX: &str = "-scheduler";
/// The inline policy of each created role.
const RUNNER_POLICY: &str = "tinesaudit-runner";
const INVOKE_POLICY: &str = "tinesaudit-invoke";
/// Lambda, Scheduler and IAM all allow 64 characters in a name.
const MAX_NAME_LEN: usize = 64;
/// Lambda's limit on all environment variables together.
const MAX_ENVIRONMENT_BYTES: usize = 4096;

const DEFAULT_EXPRESSION: &str = "rate(1 hour)";
const DEFAULT_TIMEZONE: &str = "UTC";
const DEFAULT_RETRY_ATTEMPTS: i64 = 2;
const DEFAULT_MAX_EVENT_AGE_SECONDS: i64 = 3600;
const DEFAULT_MEMORY_MB: i64 = 512;

#[derive(Default)]
pub struct ScheduleResource {
    clients: Option<Arc<ProviderClients>>,
}

/// The resource's attributes in a plan, and in a state after create or update. The configuration is known
/// at apply; the computed attributes may still be unknown in the plan.
#[derive(Clone, Serialize, Deserialize)]
struct ScheduleModel {
    id: Known<String>,
    name: String,
    job_file: String,
    job_file_sha256: Known<Option<String>>,
    role_arn: Known<Option<String>>,
    scheduler_role_arn: Known<Option<String>>,
    expression: String,
    timezone: String,
    flexible_window_minutes: i64,
    enabled: bool,
    retry_attempts: i64,
    max_event_age_seconds: i64,
    memory_mb: i64,
    environment: Option<BTreeMap<String, String>>,
    function_arn: Known<String>,
    schedule_arn: Known<String>,
    timeout_seconds: Known<i64>,
    runner_sha256: Known<Option<String>>,
    input: Known<String>,
}

impl Resource for ScheduleResource {
    fn type_name(&self, provider_type_name: &str) -> String {
        format!("{provider_type_name}_schedule")
    }

    fn schema(&self) -> Schema {
        Schema::new()
            .description(
                "The runner deployed as an AWS Lambda function on the custom runtime, invoked by an \
                 EventBridge Scheduler schedule: one schedule per job. The function's timeout and its \
                 execution role's least-privilege policy follow the job file; the deployed runner is the one \
                 shipped with this provider, so upgrading the provider plans an update of the function.",
            )
            .attribute(
                "id",
                Attribute::string()
                    .computed()
                    .description("The schedule's name; `terraform import` takes it.")
                    .plan_modifier(plan_modifier::use_state_for_unknown()),
            )
            .attribute(
                "name",
                Attribute::string()
                    .required()
                    .description(format!(
                        "The name of the function and the schedule, and the prefix of the roles the resource \
                         creates (`<name>{RUNNER_ROLE_SUFFIX}`, `<name>{SCHEDULER_ROLE_SUFFIX}`): letters, \
                         digits, hyphens and underscores, at most {MAX_NAME_LEN} characters with both roles \
                         given, 54 when the scheduler role is created, 57 when only the execution role is. \
                         Changing it replaces everything."
                    ))
                    .validator(validator::regex_matches(
                        r"^[A-Za-z0-9_-]+$",
                        "must be letters, digits, hyphens and underscores (Lambda's and Scheduler's names)",
                    ))
                    .validator(validator::string_length(1, MAX_NAME_LEN))
                    .plan_modifier(plan_modifier::requires_replace()),
            )
            .attribute(
                "job_file",
                Attribute::string()
                    .required()
                    .description(
                        "The runner's job file, `s3://bucket/key` (what `tinesaudit_ingestion_job` writes), \
                         given to the function as `JOB_FILE`. It must exist when the resource is created.",
                    )
                    .validator(JobFileLocation),
            )
            .attribute(
                "job_file_sha256",
                Attribute::string()
                    .optional()
                    .computed()
                    .description(
                        "The hex SHA-256 of the job file the function's timeout and policy were derived from. \
                         Set it to `tinesaudit_ingestion_job.<name>.content_sha256`, so that a changed job \
                         file updates the function in the same apply (and apply refuses a job file that does \
                         not match). Left out, it is the file's hash as read at plan time, so a job file \
                         edited outside Terraform also shows as a planned update.",
                    )
                    .validator(validator::regex_matches(
                        "^[0-9a-f]{64}$",
                        "must be a SHA-256 in lowercase hex (64 characters)",
                    )),
            )
            .attribute(
                "role_arn",
                Attribute::string()
                    .optional()
                    .computed()
                    .description(format!(
                        "The function's execution role. Left out, the resource creates \
                         `<name>{RUNNER_ROLE_SUFFIX}`, allowed only what the job needs: write records under \
                         the job's prefix, read and write its state object, list the bucket's keys (S3 \
                         answers a missing object with 404 only then), read the job file and the API key's \
                         secret, write the function's logs. The role is the resource's: its trust policy and \
                         policies edited, added or attached outside Terraform show in the plan, and apply \
                         restores them. Give your own role for more, e.g. a KMS key for the bucket."
                    ))
                    .validator(role_arn()),
            )
            .attribute(
                "scheduler_role_arn",
                Attribute::string()
                    .optional()
                    .computed()
                    .description(format!(
                        "The role EventBridge Scheduler assumes to invoke the function. Left out, the resource \
                         creates `<name>{SCHEDULER_ROLE_SUFFIX}`, trusted by scheduler.amazonaws.com of this \
                         account and allowed only to invoke this function; its policies are kept as the \
                         execution role's are."
                    ))
                    .validator(role_arn()),
            )
            .attribute(
                "expression",
                Attribute::string()
                    .optional()
                    .computed()
                    .default(DEFAULT_EXPRESSION)
                    .description(format!(
                        "When the runner runs: `rate(N minute|minutes|hour|hours|day|days)`, \
                         `cron(minutes hours day-of-month month day-of-week year)` or \
                         `at(yyyy-mm-ddThh:mm:ss)` (once), in `timezone`. Default `{DEFAULT_EXPRESSION}`."
                    ))
                    .validator(Expression),
            )
            .attribute(
                "timezone",
                Attribute::string()
                    .optional()
                    .computed()
                    .default(DEFAULT_TIMEZONE)
                    .description(format!(
                        "The IANA time zone `cron` and `at` expressions are read in, e.g. `Europe/Dublin`, \
                         checked against the time zone database of the machine running Terraform. Default \
                         `{DEFAULT_TIMEZONE}`."
                    ))
                    .validator(TimeZoneName),
            )
            .attribute(
                "flexible_window_minutes",
                Attribute::int64()
                    .optional()
                    .computed()
                    .default(0)
                    .description(
                        "Lets Scheduler start each run up to this many minutes late, to spread load: 1 to \
                         1440, or 0 (the default) to run on time.",
                    )
                    .validator(validator::int_between(0, 1440)),
            )
            .attribute(
                "enabled",
                Attribute::bool()
                    .optional()
                    .computed()
                    .default(true)
                    .description(
                        "Whether the schedule invokes the function. Default true; false pauses the sync, which \
                         continues from its checkpoint when enabled again.",
                    ),
            )
            .attribute(
                "retry_attempts",
                Attribute::int64()
                    .optional()
                    .computed()
                    .default(DEFAULT_RETRY_ATTEMPTS)
                    .description(format!(
                        "How often Scheduler retries an invocation Lambda refuses (throttling, the function \
                         being updated): 0 to 185. Default {DEFAULT_RETRY_ATTEMPTS}."
                    ))
                    .validator(validator::int_between(0, 185)),
            )
            .attribute(
                "max_event_age_seconds",
                Attribute::int64()
                    .optional()
                    .computed()
                    .default(DEFAULT_MAX_EVENT_AGE_SECONDS)
                    .description(format!(
                        "How long Scheduler keeps retrying one invocation: 60 to 86400 seconds. Default \
                         {DEFAULT_MAX_EVENT_AGE_SECONDS}."
                    ))
                    .validator(validator::int_between(60, 86_400)),
            )
            .attribute(
                "memory_mb",
                Attribute::int64()
                    .optional()
                    .computed()
                    .default(DEFAULT_MEMORY_MB)
                    .description(format!(
                        "The function's memory, 128 to 10240 MB; Lambda gives CPU in proportion. Default \
                         {DEFAULT_MEMORY_MB}."
                    ))
                    .validator(validator::int_between(128, 10_240)),
            )
            .attribute(
                "environment",
                Attribute::map(Type::String)
                    .optional()
                    .description(format!(
                        "More environment variables for the function, e.g. `AWS_ENDPOINT_URL` and \
                         `S3_FORCE_PATH_STYLE` for an S3-compatible store or an emulator. Not for secrets: \
                         anyone who may read the function's configuration sees them; the API key belongs in \
                         Secrets Manager, named by the job file. Refused: `{JOB_FILE_ENV}` and \
                         `{JOB_FILE_SHA256_ENV}` (from `job_file`), the runner settings the function's policy and timeout are derived from \
                         (they belong in the job file), and names Lambda reserves (`AWS_*` except \
                         `AWS_ENDPOINT_URL*`). At most {MAX_ENVIRONMENT_BYTES} bytes with the resource's own."
                    ))
                    .validator(EnvironmentVariables),
            )
            .attribute(
                "function_arn",
                Attribute::string()
                    .computed()
                    .description("The ARN of the Lambda function the schedule invokes."),
            )
            .attribute(
                "schedule_arn",
                Attribute::string()
                    .computed()
                    .description("The schedule's ARN.")
                    .plan_modifier(plan_modifier::use_state_for_unknown()),
            )
            .attribute(
                "timeout_seconds",
                Attribute::int64().computed().description(format!(
                    "The function's timeout, derived from the job file: `max_pages` pages at \
                     `requests_per_minute` take `max_pages × 60 / requests_per_minute` seconds; the timeout \
                     is that, half as long again, plus {} s, at most {LAMBDA_MAX_TIMEOUT_SECONDS} s. Known \
                     at plan time when the job file can be read then.",
                    job::MARGIN_SECONDS
                )),
            )
            .attribute(
                "input",
                Attribute::string().computed().description(format!(
                    "The event the schedule sends the function: always `{}`, so that the job file alone \
                     says what a run does (the runner would take settings from the event). An input changed \
                     outside Terraform shows here in the plan, and apply restores it.",
                    scheduler::INPUT
                )),
            )
            .attribute(
                "runner_sha256",
                Attribute::string().computed().description(
                    "The hex SHA-256 of the deployment package (Lambda's `CodeSha256`, in hex): the one this \
                     provider ships at plan time, what the function runs after refresh. It changes with a \
                     provider upgrade that brings a new runner; null when the function does not run a \
                     bootstrap on the runner's runtime.",
                ),
            )
    }

    async fn create(&self, request: CreateRequest, response: &mut CreateResponse) {
        let diags = &mut response.diagnostics;
        let deployed = match configured(&self.clients, diags) {
            Some(clients) => match request.plan.get::<ScheduleModel>(diags) {
                Some(plan) => deploy::deploy(clients, &request.config, plan, true, diags).await,
                None => None,
            },
            None => None,
        };
        // Without a state, what was made stays for the next create to take over; Terraform records nothing.
        if let Some(state) = deployed {
            response.state.set(&state, &mut response.diagnostics);
        }
    }

    async fn read(&self, request: ReadRequest, response: &mut ReadResponse) {
        let diags = &mut response.diagnostics;
        let Some(clients) = configured(&self.clients, diags) else {
            return;
        };
        // After an import the state holds only `id`, the schedule's name.
        let stored = match request.prior::<ScheduleModel>() {
            Prior::Stored(model) => Some(refresh::Stored {
                name: model.name,
                importing: false,
                environment_given: model.environment.is_some(),
            }),
            Prior::Imported => request
                .state
                .get_attr::<Option<String>>(&AttrPath::attr("id"), diags)
                .flatten()
                .map(|name| refresh::Stored {
                    name,
                    importing: true,
                    environment_given: false,
                }),
        };
        let Some(stored) = stored else {
            return diags.error(
                "Invalid state",
                "The state has no name. This is a bug in the provider.",
            );
        };
        match refresh::refresh(clients, stored, diags).await {
            Refreshed::Found(state) => response.state.set(&*state, &mut response.diagnostics),
            Refreshed::Gone => response.state.remove(),
            Refreshed::Failed => {}
        }
    }

    async fn update(&self, request: UpdateRequest, response: &mut UpdateResponse) {
        let diags = &mut response.diagnostics;
        let Some(clients) = configured(&self.clients, diags) else {
            return;
        };
        let Some(plan) = request.plan.get::<ScheduleModel>(diags) else {
            return;
        };
        if let Some(state) = deploy::deploy(clients, &request.config, plan, false, diags).await {
            response.state.set(&state, &mut response.diagnostics);
        }
    }

    async fn delete(&self, request: DeleteRequest, response: &mut DeleteResponse) {
        let diags = &mut response.diagnostics;
        let Some(clients) = configured(&self.clients, diags) else {
            return;
        };
        let Some(name) = request
            .state
            .get_attr::<Option<String>>(&AttrPath::attr("name"), diags)
        else {
            return;
        };
        let Some(name) = name else {
            return diags.error(
                "Invalid state",
                "The state has no name. This is a bug in the provider.",
            );
        };
        let (Some(schedules), Some(functions), Some(roles)) = (
            clients.scheduler(diags).await,
            clients.lambda(diags).await,
            clients.iam(diags).await,
        ) else {
            return;
        };
        if let Err(e) = schedules.delete(&name).await {
            return diags.error(
                "Cannot delete the schedule",
                format!("Schedule {name}: {e}"),
            );
        }
        if let Err(e) = functions.delete(&name).await {
            return diags.error(
                "Cannot delete the function",
                format!("Function {name}: {e}"),
            );
        }
        for suffix in [RUNNER_ROLE_SUFFIX, SCHEDULER_ROLE_SUFFIX] {
            let role = format!("{name}{suffix}");
            if let Err(e) = delete_created_role(&roles, &name, &role, None).await {
                return diags.error("Cannot delete the role", format!("Role {role}: {e}"));
            }
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

impl Configure for ScheduleResource {
    fn configure(&mut self, data: &ProviderData, diags: &mut Diagnostics) {
        self.clients = ProviderClients::from_data(data, diags);
    }
}

impl ImportState for ScheduleResource {
    async fn import_state(&self, request: ImportStateRequest, response: &mut ImportStateResponse) {
        let id = request.id.trim();
        let valid = !id.is_empty()
            && id.len() <= MAX_NAME_LEN
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid {
            return response.diagnostics.error(
                "Invalid import ID",
                format!(
                    "Expected the name of the schedule (in the default group), e.g. tines-audit-sync; got \
                     {id:?}."
                ),
            );
        }
        response.passthrough_id("id", &request);
    }
}

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
//! * **The function** runs the runner's `bootstrap` (shipped beside the provider, see `runner_package.rs`)
//!   on the `provided.al2023` runtime, x86_64, with `JOB_FILE` set to `job_file` plus `environment`. Its
//!   timeout follows the job file: `max_pages` at `requests_per_minute`, with an allowance and a margin
//!   (`runner_job.rs`); a job that cannot fit in Lambda's 900 s is refused at plan time. The runner ends
//!   each run before the invocation's deadline and continues on the next.
//! * **Roles**: without `role_arn`, the resource creates `<name>-runner` with a least-privilege policy
//!   derived from the job file (its bucket and prefix, state key, secret, the job file itself, the
//!   function's logs); without `scheduler_role_arn`, `<name>-scheduler`, which may only invoke this
//!   function. Created roles are deleted with the resource, or when a given role replaces them.
//! * **The schedule** lives in the default group and invokes the function with `{}`, with its retry
//!   policy, flexible window, time zone and state (`enabled`).
//! * **Plan** reads the job file (when `job_file` is known and the object exists, and matches
//!   `job_file_sha256` when that is set) for `timeout_seconds` and `job_file_sha256`; otherwise they are
//!   known after apply. `runner_sha256` is the package this provider would deploy, so a provider upgrade
//!   with a new runner shows as an update in place.
//! * **Refresh** reports the function and schedule as AWS has them: code changed outside Terraform (or a
//!   runtime, handler or architecture the runner cannot run on) shows in `runner_sha256`, and timeout,
//!   memory, environment, role, expression, state, the schedule's input and the rest in their attributes;
//!   a created role that was deleted or whose trust policy or policies changed (with a warning saying
//!   how), or a schedule invoking another function, plans an update. A deleted function or
//!   schedule makes the resource gone, and the next apply creates it again.
//! * **Create** takes over what a half-done create or a deleted schedule left behind: a function or role
//!   of that name this provider made (they carry a `tinesaudit:managed-by` tag), and a schedule that
//!   invokes that function. Anything else of that name is an error.
//! * **Import** by the schedule's name: the function, its `JOB_FILE` and roles are found from there.
//!
//! The function's log group (`/aws/lambda/<name>`, made by Lambda on the first run) holds the run history
//! and stays after destroy.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::json;
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
use tfplugin_framework::value::{SchemaValue, Type, Value};
use tfplugin_framework::{Configure, Known, ProviderData, Resource, plan_modifier, validator};

use crate::aws_calls::{Arn, AwsError, MANAGED_BY, MANAGED_BY_TAG, SCHEDULE_TAG};
use crate::clients::{ProviderClients, configured};
use crate::iam_roles::{
    EnsureError, Ensured, RolePolicies, RoleSpec, Roles, policy_document, same_policy,
};
use crate::lambda_functions::{FunctionInfo, FunctionSpec, Functions};
use crate::runner_job::{self, FunctionPlace, JobSettings, LAMBDA_MAX_TIMEOUT_SECONDS};
use crate::runner_package::{Package, code_sha256_to_hex};
use crate::s3::S3Url;
use crate::schedule_expression;
use crate::schedules::{self, ScheduleSpec, Schedules};

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

/// A stored state, which after an import holds only `id`; also what refresh writes back.
#[derive(Serialize, Deserialize)]
struct StoredModel {
    id: Option<String>,
    name: Option<String>,
    job_file: Option<String>,
    job_file_sha256: Option<String>,
    role_arn: Option<String>,
    scheduler_role_arn: Option<String>,
    expression: Option<String>,
    timezone: Option<String>,
    flexible_window_minutes: Option<i64>,
    enabled: Option<bool>,
    retry_attempts: Option<i64>,
    max_event_age_seconds: Option<i64>,
    memory_mb: Option<i64>,
    environment: Option<BTreeMap<String, String>>,
    function_arn: Option<String>,
    schedule_arn: Option<String>,
    timeout_seconds: Option<i64>,
    runner_sha256: Option<String>,
    input: Option<String>,
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
                    runner_job::MARGIN_SECONDS
                )),
            )
            .attribute(
                "input",
                Attribute::string().computed().description(format!(
                    "The event the schedule sends the function: always `{}`, so that the job file alone \
                     says what a run does (the runner would take settings from the event). An input changed \
                     outside Terraform shows here in the plan, and apply restores it.",
                    schedules::INPUT
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
                Some(plan) => deploy(clients, &request.config, plan, true, diags).await,
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
        let Some(stored) = request.state.get::<StoredModel>(diags) else {
            return;
        };
        match refresh(clients, stored, diags).await {
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
        match deploy(clients, &request.config, plan, false, diags).await {
            Some(state) => response.state.set(&state, &mut response.diagnostics),
            // Keep the prior state: the next plan shows what is still to do.
            None => response.state = request.state,
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

impl ValidateConfig for ScheduleResource {
    /// The role names the resource would create must fit IAM's 64 characters.
    fn validate_config(
        &self,
        request: &ValidateConfigRequest,
        response: &mut ValidateConfigResponse,
    ) {
        let diags = &mut response.diagnostics;
        let Some(Known::Value(Some(name))) = request
            .config
            .get_attr::<Known<Option<String>>>(&AttrPath::attr("name"), diags)
        else {
            return;
        };
        if name.len() > MAX_NAME_LEN {
            // The name's own validator says so.
            return;
        }
        for (attribute, suffix) in [
            ("role_arn", RUNNER_ROLE_SUFFIX),
            ("scheduler_role_arn", SCHEDULER_ROLE_SUFFIX),
        ] {
            let given = request
                .config
                .get_attr::<Known<Option<String>>>(&AttrPath::attr(attribute), diags);
            let role = format!("{name}{suffix}");
            if given == Some(Known::Value(None)) && role.len() > MAX_NAME_LEN {
                diags.attribute_error(
                    AttrPath::attr("name"),
                    "Name too long for the created role",
                    format!(
                        "Without {attribute}, the resource creates the role {role}, and IAM allows \
                         {MAX_NAME_LEN} characters in a role name. Shorten name to at most {} characters, or \
                         give {attribute}.",
                        MAX_NAME_LEN - suffix.len()
                    ),
                );
            }
        }
    }
}

impl ModifyPlan for ScheduleResource {
    /// `runner_sha256` from the package this provider ships; `timeout_seconds` and `job_file_sha256` from
    /// the job file when it can be read; created roles and the function's ARN kept only while they are
    /// the ones this resource makes.
    async fn modify_plan(&self, request: ModifyPlanRequest, response: &mut ModifyPlanResponse) {
        if request.plan.is_null() {
            return;
        }
        let diags = &mut response.diagnostics;
        let Some(clients) = configured(&self.clients, diags) else {
            return;
        };
        let plan = &mut response.plan;
        match clients.runner().load().await {
            Ok(package) => plan.set_attr(
                &AttrPath::attr("runner_sha256"),
                &Some(package.sha256()),
                diags,
            ),
            Err(e) => return diags.error("Runner package not available", e.to_string()),
        }
        let Some(name) = plan.get_attr::<Known<String>>(&AttrPath::attr("name"), diags) else {
            return;
        };
        let prior = |attribute: &str, diags: &mut Diagnostics| -> Option<String> {
            if request.state.is_null() {
                return None;
            }
            request
                .state
                .get_attr::<Option<String>>(&AttrPath::attr(attribute), diags)
                .flatten()
        };
        for (attribute, suffix) in [
            ("role_arn", RUNNER_ROLE_SUFFIX),
            ("scheduler_role_arn", SCHEDULER_ROLE_SUFFIX),
        ] {
            let path = AttrPath::attr(attribute);
            if request
                .config
                .get_attr::<Known<Option<String>>>(&path, diags)
                != Some(Known::Value(None))
            {
                continue;
            }
            let kept = match (&name, prior(attribute, diags)) {
                (Known::Value(name), Some(arn)) if is_role(&arn, &format!("{name}{suffix}")) => {
                    Known::Value(arn)
                }
                _ => Known::Unknown,
            };
            plan.set_attr(&path, &kept, diags);
        }
        plan.set_attr(&AttrPath::attr("input"), &schedules::INPUT, diags);
        let function_arn = match (&name, prior("function_arn", diags)) {
            (Known::Value(name), Some(arn)) if is_function(&arn, name) => Known::Value(arn),
            _ => Known::Unknown,
        };
        plan.set_attr(&AttrPath::attr("function_arn"), &function_arn, diags);
        plan_job_file(clients, &request.config, plan, diags).await;
    }
}

/// Sets `timeout_seconds` (and `job_file_sha256` when not configured) from the job file, or unknown when
/// it cannot be read yet. A job file that is there and refused is an error under `job_file`.
async fn plan_job_file(
    clients: &ProviderClients,
    config: &SchemaValue,
    plan: &mut SchemaValue,
    diags: &mut Diagnostics,
) {
    let job_file_path = AttrPath::attr("job_file");
    let sha_path = AttrPath::attr("job_file_sha256");
    let timeout_path = AttrPath::attr("timeout_seconds");
    let (Some(job_file), Some(configured_sha)) = (
        plan.get_attr::<Known<String>>(&job_file_path, diags),
        config.get_attr::<Known<Option<String>>>(&sha_path, diags),
    ) else {
        return;
    };
    let sha_is_computed = configured_sha == Known::Value(None);
    let leave_unknown = |plan: &mut SchemaValue, diags: &mut Diagnostics| {
        plan.set_attr(&timeout_path, &Known::<i64>::Unknown, diags);
        if sha_is_computed {
            plan.set_attr(&sha_path, &Known::<String>::Unknown, diags);
        }
    };
    let (Known::Value(job_file), Known::Value(configured_sha)) = (job_file, configured_sha) else {
        return leave_unknown(plan, diags);
    };
    let Some(url) = S3Url::parse(&job_file) else {
        return;
    };
    if clients.aws_pending() {
        return leave_unknown(plan, diags);
    }
    let Some(s3) = clients.s3(diags).await else {
        return;
    };
    let file = match runner_job::fetch(&s3, &url).await {
        Ok(Some(file)) => file,
        // Not written yet: the apply that writes it will also deploy this.
        Ok(None) => return leave_unknown(plan, diags),
        Err(e) => {
            return diags.attribute_error(
                job_file_path,
                "Cannot read the job file",
                format!("{job_file}: {e}"),
            );
        }
    };
    if configured_sha
        .as_ref()
        .is_some_and(|sha| *sha != file.sha256)
    {
        // The job file is about to be written with the configured content.
        return leave_unknown(plan, diags);
    }
    let Some(timeout) = derive_timeout(&job_file, &file.settings(), diags) else {
        return;
    };
    plan.set_attr(&timeout_path, &timeout, diags);
    plan.set_attr(&sha_path, &file.sha256, diags);
}

/// The function's timeout for the job, or an error under `job_file` naming the job's settings.
fn derive_timeout(
    job_file: &str,
    settings: &Result<JobSettings, String>,
    diags: &mut Diagnostics,
) -> Option<i64> {
    let settings = match settings {
        Ok(settings) => settings,
        Err(problem) => {
            diags.attribute_error(
                AttrPath::attr("job_file"),
                "Job file refused",
                format!("{job_file}: {problem}."),
            );
            return None;
        }
    };
    match settings.timeout_seconds() {
        Ok(timeout) => Some(timeout as i64),
        Err(too_long) => {
            diags.attribute_error(
                AttrPath::attr("job_file"),
                "Job too long for Lambda",
                format!(
                    "The job file {job_file} sets max_pages = {} at requests_per_minute = {}: fetching that \
                     many pages takes at least {} s with the start and end of a run, and Lambda stops a \
                     function after {LAMBDA_MAX_TIMEOUT_SECONDS} s. Lower max_pages to {} or less (the \
                     runner continues where it stopped on the next run), or raise requests_per_minute if \
                     the tenant allows more.",
                    settings.max_pages,
                    settings.requests_per_minute,
                    too_long.least_seconds,
                    too_long.pages_that_fit
                ),
            );
            None
        }
    }
}

/// `arn` is the IAM role `role` (at any path).
fn is_role(arn: &str, role: &str) -> bool {
    Arn::parse(arn).is_some_and(|arn| {
        arn.service == "iam"
            && arn.resource.starts_with("role/")
            && arn.resource.rsplit('/').next() == Some(role)
    })
}

/// `arn` is the unqualified Lambda function `name`.
fn is_function(arn: &str, name: &str) -> bool {
    Arn::parse(arn).is_some_and(|arn| {
        arn.service == "lambda" && arn.resource.strip_prefix("function:") == Some(name)
    })
}

fn tags(name: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (MANAGED_BY_TAG.to_owned(), MANAGED_BY.to_owned()),
        (SCHEDULE_TAG.to_owned(), name.to_owned()),
    ])
}

/// Makes AWS match `plan`: roles, function, schedule. Creating (`creating`), it takes over what this
/// provider left of an earlier deployment and refuses anything else of the same names. Answers the new
/// state.
async fn deploy(
    clients: &ProviderClients,
    config: &SchemaValue,
    plan: ScheduleModel,
    creating: bool,
    diags: &mut Diagnostics,
) -> Option<ScheduleModel> {
    let given = |attribute: &str, diags: &mut Diagnostics| {
        config
            .get_attr::<Option<String>>(&AttrPath::attr(attribute), diags)
            .flatten()
    };
    let given_role = given("role_arn", diags);
    let given_scheduler_role = given("scheduler_role_arn", diags);
    let package = load_package(clients, &plan, diags).await?;
    let job = read_job_file(clients, &plan, diags).await?;
    let (Some(functions), Some(roles), Some(schedules)) = (
        clients.lambda(diags).await,
        clients.iam(diags).await,
        clients.scheduler(diags).await,
    ) else {
        return None;
    };
    let name = plan.name.as_str();
    let tags = tags(name);

    let (role_arn, new_role) = match &given_role {
        Some(arn) => (arn.clone(), false),
        None => {
            let role = format!("{name}{RUNNER_ROLE_SUFFIX}");
            let spec = RoleSpec {
                name: &role,
                description: &format!("Runs the tinesaudit runner of schedule {name}"),
                trust: &CreatedRole::RUNNER.trust(None),
                tags: &tags,
            };
            let ensured = ensure_role(&roles, name, &spec, "role_arn", diags).await?;
            let place = function_place(&functions, name, &ensured.arn, diags)?;
            let policy = job.settings.runner_policy(&job.url, &place);
            set_only_policy(&roles, &role, RUNNER_POLICY, &policy, diags).await?;
            (ensured.arn.clone(), ensured.propagating())
        }
    };

    let mut environment = plan.environment.clone().unwrap_or_default();
    environment.insert(JOB_FILE_ENV.to_owned(), plan.job_file.clone());
    environment.insert(JOB_FILE_SHA256_ENV.to_owned(), job.sha256.clone());
    let description = format!("Tines audit-log runner of schedule {name}; managed by Terraform");
    let spec = FunctionSpec {
        name,
        description: &description,
        role_arn: &role_arn,
        timeout_seconds: job.timeout_seconds,
        memory_mb: plan.memory_mb,
        environment: &environment,
        tags: &tags,
    };
    let function = deploy_function(&functions, &spec, &package, new_role, creating, diags).await?;

    let (scheduler_role_arn, new_scheduler_role) = match &given_scheduler_role {
        Some(arn) => (arn.clone(), false),
        None => {
            let role = format!("{name}{SCHEDULER_ROLE_SUFFIX}");
            let account = Arn::parse(&function.arn).map(|arn| arn.account);
            let spec = RoleSpec {
                name: &role,
                description: &format!(
                    "Lets EventBridge Scheduler invoke the tinesaudit runner {name}"
                ),
                trust: &CreatedRole::SCHEDULER.trust(account),
                tags: &tags,
            };
            let ensured = ensure_role(&roles, name, &spec, "scheduler_role_arn", diags).await?;
            let policy = invoke_policy(&function.arn);
            set_only_policy(&roles, &role, INVOKE_POLICY, &policy, diags).await?;
            (ensured.arn.clone(), ensured.propagating())
        }
    };

    let schedule_spec = ScheduleSpec {
        expression: plan.expression.clone(),
        timezone: plan.timezone.clone(),
        flexible_window_minutes: plan.flexible_window_minutes,
        enabled: plan.enabled,
        target_arn: function.arn.clone(),
        role_arn: scheduler_role_arn.clone(),
        retry_attempts: plan.retry_attempts,
        max_event_age_seconds: plan.max_event_age_seconds,
        input: schedules::INPUT.to_owned(),
    };
    let schedule_arn = deploy_schedule(
        &schedules,
        name,
        &schedule_spec,
        new_scheduler_role,
        creating,
        diags,
    )
    .await?;

    // A given role replaced a created one: the created one has nothing left to do.
    for (given, suffix) in [
        (&given_role, RUNNER_ROLE_SUFFIX),
        (&given_scheduler_role, SCHEDULER_ROLE_SUFFIX),
    ] {
        if let Some(given) = given {
            let role = format!("{name}{suffix}");
            if let Err(e) = delete_created_role(&roles, name, &role, Some(given)).await {
                diags.error(
                    "Cannot delete the role no longer used",
                    format!("Role {role}: {e}"),
                );
                return None;
            }
        }
    }
    tracing::debug!(schedule = name, function = %function.arn, "deployed the runner");

    Some(ScheduleModel {
        id: Known::Value(name.to_owned()),
        job_file_sha256: Known::Value(Some(job.sha256)),
        role_arn: Known::Value(Some(role_arn)),
        scheduler_role_arn: Known::Value(Some(scheduler_role_arn)),
        function_arn: Known::Value(function.arn),
        schedule_arn: Known::Value(schedule_arn),
        timeout_seconds: Known::Value(job.timeout_seconds),
        runner_sha256: Known::Value(Some(package.sha256().to_owned())),
        input: Known::Value(schedules::INPUT.to_owned()),
        ..plan
    })
}

/// The package, which must be the one planned.
async fn load_package(
    clients: &ProviderClients,
    plan: &ScheduleModel,
    diags: &mut Diagnostics,
) -> Option<Arc<Package>> {
    let package = match clients.runner().load().await {
        Ok(package) => package,
        Err(e) => {
            diags.error("Runner package not available", e.to_string());
            return None;
        }
    };
    if let Known::Value(Some(planned)) = &plan.runner_sha256
        && planned != package.sha256()
    {
        diags.error(
            "Runner package changed since the plan",
            format!(
                "The plan deploys the runner package {planned}, but the provider's package is now {}: the \
                 bootstrap file changed between plan and apply. Run terraform plan again.",
                package.sha256()
            ),
        );
        return None;
    }
    Some(package)
}

/// The job file as apply reads it.
struct JobFileRead {
    url: S3Url,
    sha256: String,
    settings: JobSettings,
    timeout_seconds: i64,
}

/// Reads the job file, and checks it against the plan.
async fn read_job_file(
    clients: &ProviderClients,
    plan: &ScheduleModel,
    diags: &mut Diagnostics,
) -> Option<JobFileRead> {
    let job_file = &plan.job_file;
    let Some(url) = S3Url::parse(job_file) else {
        diags.attribute_error(
            AttrPath::attr("job_file"),
            "Invalid job file location",
            format!("{job_file:?} is not an S3 location; use s3://bucket/key."),
        );
        return None;
    };
    let s3 = clients.s3(diags).await?;
    let file = match runner_job::fetch(&s3, &url).await {
        Ok(Some(file)) => file,
        Ok(None) => {
            diags.attribute_error(
                AttrPath::attr("job_file"),
                "Job file not found",
                format!(
                    "{job_file} does not exist. Write the job file first (tinesaudit_ingestion_job does; refer \
                     to its content_sha256 in job_file_sha256 so that Terraform writes it before this)."
                ),
            );
            return None;
        }
        Err(e) => {
            diags.attribute_error(
                AttrPath::attr("job_file"),
                "Cannot read the job file",
                format!("{job_file}: {e}"),
            );
            return None;
        }
    };
    if let Known::Value(Some(expected)) = &plan.job_file_sha256
        && *expected != file.sha256
    {
        diags.attribute_error(
            AttrPath::attr("job_file_sha256"),
            "Job file does not match",
            format!(
                "{job_file} has SHA-256 {}, but the plan expects {expected}: the job file changed after the \
                 plan, or was not written as configured. Run terraform plan again.",
                file.sha256
            ),
        );
        return None;
    }
    let settings = file.settings();
    let timeout = derive_timeout(job_file, &settings, diags)?;
    if let Known::Value(planned) = plan.timeout_seconds
        && planned != timeout
    {
        diags.attribute_error(
            AttrPath::attr("job_file"),
            "Job file changed since the plan",
            format!(
                "The plan gives the function a timeout of {planned} s, but {job_file} now asks for {timeout} s. \
                 Run terraform plan again."
            ),
        );
        return None;
    }
    Some(JobFileRead {
        url,
        sha256: file.sha256,
        settings: settings.ok()?,
        timeout_seconds: timeout,
    })
}

/// Gives a created role `document` as its one policy, removing any others it was given outside Terraform.
async fn set_only_policy(
    roles: &Roles,
    role: &str,
    policy_name: &str,
    document: &str,
    diags: &mut Diagnostics,
) -> Option<()> {
    // Written only where something differs, as the role itself is.
    let set = async {
        let current = roles.policies(role).await?.unwrap_or_default();
        let same = current
            .inline
            .get(policy_name)
            .is_some_and(|current| same_policy(current, document));
        if !same {
            roles.put_policy(role, policy_name, document).await?;
        }
        let others = current.inline.keys().any(|name| name != policy_name);
        if others || !current.attached.is_empty() {
            roles
                .remove_policies_except(role, Some(policy_name))
                .await?;
        }
        Ok::<_, AwsError>(())
    };
    match set.await {
        Ok(_) => Some(()),
        Err(e) => {
            diags.error("Cannot set the role's policy", format!("Role {role}: {e}"));
            None
        }
    }
}

/// The scheduler role's policy: invoke this function, nothing else.
fn invoke_policy(function_arn: &str) -> String {
    policy_document(vec![json!({
        "Sid": "InvokeRunner",
        "Effect": "Allow",
        "Action": "lambda:InvokeFunction",
        "Resource": function_arn,
    })])
    .to_string()
}

/// Where the function lives: its name, the region of the Lambda client, and the partition and account of
/// the role it runs as.
fn function_place<'a>(
    functions: &'a Functions,
    name: &'a str,
    role_arn: &'a str,
    diags: &mut Diagnostics,
) -> Option<FunctionPlace<'a>> {
    let (Some(region), Some(role)) = (functions.region(), Arn::parse(role_arn)) else {
        diags.error(
            "Cannot build the role's policy",
            format!("The region or the account of role {role_arn} is unknown."),
        );
        return None;
    };
    Some(FunctionPlace {
        name,
        partition: role.partition,
        region,
        account: role.account,
    })
}

/// Creates the role `spec` describes, or takes over the one this provider made for the schedule; an error
/// under `attribute` (the attribute that would name a role instead) when a role of that name is someone
/// else's.
async fn ensure_role(
    roles: &Roles,
    schedule: &str,
    spec: &RoleSpec<'_>,
    attribute: &str,
    diags: &mut Diagnostics,
) -> Option<Ensured> {
    let role = spec.name;
    match roles.ensure(spec, schedule).await {
        Ok(ensured) => Some(ensured),
        Err(EnsureError::Foreign { arn }) => {
            diags.attribute_error(
                AttrPath::attr(attribute),
                "Role already exists",
                format!(
                    "IAM already has a role named {role} ({arn}) that this provider did not create for \
                     schedule {schedule}. Give a role in {attribute}, or choose another name."
                ),
            );
            None
        }
        Err(EnsureError::Aws(e)) => {
            diags.error("Cannot create the role", format!("Role {role}: {e}"));
            None
        }
    }
}

/// Creates the function, or brings the one of that name to `spec` and the package.
async fn deploy_function(
    functions: &Functions,
    spec: &FunctionSpec<'_>,
    package: &Package,
    new_role: bool,
    creating: bool,
    diags: &mut Diagnostics,
) -> Option<FunctionInfo> {
    let name = spec.name;
    let failed = |diags: &mut Diagnostics, e: AwsError| {
        diags.error(
            "Cannot deploy the function",
            format!("Function {name}: {e}"),
        );
    };
    let existing = match functions.get(name).await {
        Ok(existing) => existing,
        Err(e) => {
            failed(diags, e);
            return None;
        }
    };
    let Some(mut function) = existing else {
        return match functions.create(spec, package.zip(), new_role).await {
            Ok(function) => Some(function),
            Err(e) => {
                failed(diags, e);
                None
            }
        };
    };
    if creating && !function.is_ours() {
        diags.attribute_error(
            AttrPath::attr("name"),
            "Function already exists",
            format!(
                "Lambda already has a function named {name} ({}) that this provider did not create. Import \
                 its schedule (terraform import <address> {name}) or choose another name.",
                function.arn
            ),
        );
        return None;
    }
    if !function.configured_as(spec) {
        function = match functions.update_configuration(spec, new_role).await {
            Ok(function) => function,
            Err(e) => {
                failed(diags, e);
                return None;
            }
        };
    }
    let deployed = code_sha256_to_hex(&function.code_sha256);
    if deployed.as_deref() != Some(package.sha256()) || !function.has_runner_runtime() {
        function = match functions.update_code(name, package.zip()).await {
            Ok(function) => function,
            Err(e) => {
                failed(diags, e);
                return None;
            }
        };
    }
    if spec
        .tags
        .iter()
        .any(|(k, v)| function.tags.get(k) != Some(v))
        && let Err(e) = functions.tag(&function.arn, spec.tags).await
    {
        failed(diags, e);
        return None;
    }
    Some(function)
}

/// Creates the schedule, or brings the one of that name to `spec`; answers its ARN. Creating, a schedule
/// that invokes another function is someone else's. `new_role`: the schedule's role was made just now.
async fn deploy_schedule(
    schedules: &Schedules,
    name: &str,
    spec: &ScheduleSpec,
    new_role: bool,
    creating: bool,
    diags: &mut Diagnostics,
) -> Option<String> {
    let failed = |diags: &mut Diagnostics, e: AwsError| {
        diags.error(
            "Cannot deploy the schedule",
            format!("Schedule {name}: {e}"),
        );
    };
    let existing = match schedules.get(name).await {
        Ok(existing) => existing,
        Err(e) => {
            failed(diags, e);
            return None;
        }
    };
    let written = match existing {
        None => schedules.create(name, spec, new_role).await,
        Some(existing) if creating && existing.spec.target_arn != spec.target_arn => {
            diags.attribute_error(
                AttrPath::attr("name"),
                "Schedule already exists",
                format!(
                    "EventBridge Scheduler already has a schedule named {name} in the default group, invoking \
                     {}. Choose another name, or delete that schedule.",
                    existing.spec.target_arn
                ),
            );
            return None;
        }
        Some(existing) if existing.spec == *spec => Ok(existing.arn),
        Some(_) => schedules.update(name, spec, new_role).await,
    };
    match written {
        Ok(arn) => Some(arn),
        Err(e) => {
            failed(diags, e);
            None
        }
    }
}

/// Deletes the role `role` when this provider made it for `schedule` (and it is not `keep`).
async fn delete_created_role(
    roles: &Roles,
    schedule: &str,
    role: &str,
    keep: Option<&String>,
) -> Result<(), AwsError> {
    match roles.get(role).await? {
        Some(info) if info.made_for(schedule) && Some(&info.arn) != keep => {
            roles.delete(role).await
        }
        _ => Ok(()),
    }
}

enum Refreshed {
    Found(Box<StoredModel>),
    Gone,
    /// Errors are in the diagnostics.
    Failed,
}

/// The schedule and function as AWS has them now.
async fn refresh(
    clients: &ProviderClients,
    stored: StoredModel,
    diags: &mut Diagnostics,
) -> Refreshed {
    let importing = stored.name.is_none();
    let Some(name) = stored.name.clone().or_else(|| stored.id.clone()) else {
        diags.error(
            "Invalid state",
            "The state has no name. This is a bug in the provider.",
        );
        return Refreshed::Failed;
    };
    let (Some(schedules), Some(functions), Some(roles)) = (
        clients.scheduler(diags).await,
        clients.lambda(diags).await,
        clients.iam(diags).await,
    ) else {
        return Refreshed::Failed;
    };
    let schedule = match schedules.get(&name).await {
        Ok(Some(schedule)) => schedule,
        Ok(None) => return Refreshed::Gone,
        Err(e) => {
            diags.error("Cannot read the schedule", format!("Schedule {name}: {e}"));
            return Refreshed::Failed;
        }
    };
    if importing && !is_function(&schedule.spec.target_arn, &name) {
        diags.error(
            "Not a tinesaudit schedule",
            format!(
                "Schedule {name} invokes {}, but tinesaudit_schedule names its function like its schedule: \
                 only a schedule invoking the Lambda function {name} can be imported.",
                schedule.spec.target_arn
            ),
        );
        return Refreshed::Failed;
    }
    let function = match functions.get(&name).await {
        Ok(Some(function)) => function,
        Ok(None) => return Refreshed::Gone,
        Err(e) => {
            diags.error("Cannot read the function", format!("Function {name}: {e}"));
            return Refreshed::Failed;
        }
    };
    let mut environment = function.environment.clone();
    let job_file = environment.remove(JOB_FILE_ENV);
    let deployed_job_sha256 = environment.remove(JOB_FILE_SHA256_ENV);
    if importing && job_file.is_none() {
        diags.error(
            "Not a tinesaudit schedule",
            format!(
                "Function {name} has no {JOB_FILE_ENV} environment variable, so it does not run the runner \
                 with a job file as tinesaudit_schedule deploys it."
            ),
        );
        return Refreshed::Failed;
    }
    // An empty map and no map are the same to Lambda; keep the configuration's way of saying it.
    let environment = match (environment.is_empty(), &stored.environment) {
        (true, None) => None,
        _ => Some(environment),
    };
    // What the function was deployed for: a job file written since shows as a planned update.
    let job_file_sha256 = match (deployed_job_sha256, &job_file) {
        (Some(sha), _) => Some(sha),
        (None, Some(job_file)) => current_job_sha256(clients, job_file).await,
        (None, None) => None,
    };
    let account = Arn::parse(&function.arn).map(|arn| arn.account);
    let runner_policy = expected_runner_policy(
        clients,
        &functions,
        &name,
        &function.role,
        job_file.as_deref(),
        job_file_sha256.as_deref(),
    )
    .await;
    let Some(role_arn) = created_role_as_deployed(
        &roles,
        &function.role,
        &name,
        CreatedRole::RUNNER,
        account,
        runner_policy.as_deref(),
        diags,
    )
    .await
    else {
        return Refreshed::Failed;
    };
    let Some(scheduler_role_arn) = created_role_as_deployed(
        &roles,
        &schedule.spec.role_arn,
        &name,
        CreatedRole::SCHEDULER,
        account,
        Some(&invoke_policy(&function.arn)),
        diags,
    )
    .await
    else {
        return Refreshed::Failed;
    };
    let runner_sha256 = if function.has_runner_runtime() {
        code_sha256_to_hex(&function.code_sha256)
    } else {
        None
    };
    let spec = schedule.spec;
    Refreshed::Found(Box::new(StoredModel {
        id: Some(name.clone()),
        name: Some(name),
        job_file: Some(job_file.unwrap_or_default()),
        job_file_sha256,
        role_arn,
        scheduler_role_arn,
        expression: Some(spec.expression),
        timezone: Some(spec.timezone),
        flexible_window_minutes: Some(spec.flexible_window_minutes),
        enabled: Some(spec.enabled),
        retry_attempts: Some(spec.retry_attempts),
        max_event_age_seconds: Some(spec.max_event_age_seconds),
        memory_mb: Some(function.memory_mb),
        environment,
        function_arn: Some(spec.target_arn),
        schedule_arn: Some(schedule.arn),
        timeout_seconds: Some(function.timeout_seconds),
        runner_sha256,
        input: Some(spec.input),
    }))
}

/// A role the resource creates when not given one: its name after the schedule's, and its one policy.
#[derive(Clone, Copy)]
struct CreatedRole {
    suffix: &'static str,
    policy: &'static str,
    /// The attribute that names a role of the user's own instead.
    attribute: &'static str,
    /// The service that assumes it.
    service: &'static str,
    /// Whether the trust is only on behalf of the function's account, as AWS advises for Scheduler.
    same_account_only: bool,
}

impl CreatedRole {
    /// The trust policy: `service` may assume the role, on behalf of `account` only when
    /// `same_account_only`.
    fn trust(self, account: Option<&str>) -> String {
        let mut statement = json!({
            "Effect": "Allow",
            "Principal": {"Service": self.service},
            "Action": "sts:AssumeRole",
        });
        if let (true, Some(account)) = (self.same_account_only, account) {
            statement["Condition"] = json!({"StringEquals": {"aws:SourceAccount": account}});
        }
        policy_document(vec![statement]).to_string()
    }

    const RUNNER: CreatedRole = CreatedRole {
        suffix: RUNNER_ROLE_SUFFIX,
        policy: RUNNER_POLICY,
        attribute: "role_arn",
        service: "lambda.amazonaws.com",
        same_account_only: false,
    };
    const SCHEDULER: CreatedRole = CreatedRole {
        suffix: SCHEDULER_ROLE_SUFFIX,
        policy: INVOKE_POLICY,
        attribute: "scheduler_role_arn",
        service: "scheduler.amazonaws.com",
        same_account_only: true,
    };
}

/// `arn`, unless it is the role this resource created and that role is gone or no longer as deployed:
/// then null, so that the plan sets it up again, with a warning saying what changed. `account` is the
/// function's; `expected` is the document of the role's policy, when it can be known here. `None` when IAM
/// could not be read (the error is in `diags`).
async fn created_role_as_deployed(
    roles: &Roles,
    arn: &str,
    schedule: &str,
    created: CreatedRole,
    account: Option<&str>,
    expected: Option<&str>,
    diags: &mut Diagnostics,
) -> Option<Option<String>> {
    let role = format!("{schedule}{}", created.suffix);
    if !is_role(arn, &role) {
        return Some(Some(arn.to_owned()));
    }
    let trust = created.trust(account);
    match created_role_change(roles, &role, schedule, created, &trust, expected).await {
        Ok(None) => Some(Some(arn.to_owned())),
        Ok(Some(change)) => {
            diags.warning(
                format!("Role {role} changed outside Terraform"),
                format!(
                    "{change}. The role belongs to this resource: apply restores its trust policy and its \
                     one policy {}, and removes any other. Give a role of your own in {} to manage it \
                     yourself.",
                    created.policy, created.attribute
                ),
            );
            Some(None)
        }
        Err(e) => {
            diags.error("Cannot read the role", format!("Role {arn}: {e}"));
            None
        }
    }
}

/// How the role `role` this resource created changed outside Terraform, if it did; someone's own role
/// that happens to have the name is theirs to manage.
async fn created_role_change(
    roles: &Roles,
    role: &str,
    schedule: &str,
    created: CreatedRole,
    trust: &str,
    expected: Option<&str>,
) -> Result<Option<String>, AwsError> {
    match roles.get(role).await? {
        None => return Ok(Some("It was deleted".to_owned())),
        Some(info) if !info.made_for(schedule) => return Ok(None),
        Some(info) if !same_policy(&info.trust, trust) => {
            return Ok(Some(
                "Its trust policy was edited, so others may assume it".to_owned(),
            ));
        }
        Some(_) => {}
    }
    Ok(match roles.policies(role).await? {
        Some(policies) => policy_drift(&policies, created.policy, expected),
        None => Some("It was deleted".to_owned()),
    })
}

/// What a created role was given or lost outside Terraform, if anything: policies besides `policy_name`,
/// or `policy_name` deleted, or its document not `expected`.
fn policy_drift(
    policies: &RolePolicies,
    policy_name: &str,
    expected: Option<&str>,
) -> Option<String> {
    let others: Vec<&str> = policies
        .inline
        .keys()
        .map(String::as_str)
        .filter(|name| *name != policy_name)
        .chain(policies.attached.iter().map(String::as_str))
        .collect();
    if !others.is_empty() {
        return Some(format!("It was given {}", others.join(", ")));
    }
    let Some(document) = policies.inline.get(policy_name) else {
        return Some(format!("Its policy {policy_name} was deleted"));
    };
    match expected {
        Some(expected) if !same_policy(document, expected) => {
            Some(format!("Its policy {policy_name} was edited"))
        }
        _ => None,
    }
}

/// The runner role's policy for the job file the function was deployed with, while that file is there
/// as deployed. A job file changed since is a planned update already, which sets the policy again.
async fn expected_runner_policy(
    clients: &ProviderClients,
    functions: &Functions,
    name: &str,
    role_arn: &str,
    job_file: Option<&str>,
    deployed_sha256: Option<&str>,
) -> Option<String> {
    let url = S3Url::parse(job_file?)?;
    let s3 = clients.s3(&mut Diagnostics::new()).await?;
    let file = runner_job::fetch(&s3, &url).await.ok().flatten()?;
    if Some(file.sha256.as_str()) != deployed_sha256 {
        return None;
    }
    let settings = file.settings().ok()?;
    let role = Arn::parse(role_arn)?;
    let place = FunctionPlace {
        name,
        partition: role.partition,
        region: functions.region()?,
        account: role.account,
    };
    Some(settings.runner_policy(&url, &place))
}

/// The job file's hash now, for an import; `None` when it cannot be read (the plan reads it again).
async fn current_job_sha256(clients: &ProviderClients, job_file: &str) -> Option<String> {
    let url = S3Url::parse(job_file)?;
    let s3 = clients.s3(&mut Diagnostics::new()).await?;
    runner_job::fetch(&s3, &url)
        .await
        .ok()
        .flatten()
        .map(|file| file.sha256)
}

/// `job_file`: an S3 location.
struct JobFileLocation;

impl Validator for JobFileLocation {
    fn validate(&self, request: &ValidateRequest<'_>, diags: &mut Diagnostics) {
        let Some(url) = request.value.as_str() else {
            return;
        };
        if S3Url::parse(url).is_none() {
            diags.attribute_error(
                request.path.clone(),
                "Invalid job file location",
                format!(
                    "{url:?} is not an S3 location; use s3://bucket/key, e.g. s3://secops-config/jobs/tines.json."
                ),
            );
        }
    }
}

/// `role_arn`, `scheduler_role_arn`: an IAM role's ARN.
fn role_arn() -> impl Validator {
    validator::regex_matches(
        r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$",
        "must be an IAM role ARN such as arn:aws:iam::123456789012:role/tines-audit",
    )
}

/// `timezone`: a name in the IANA time zone database, as Scheduler takes it. Checked against the database
/// of the machine running Terraform when it has one; by its form alone otherwise.
struct TimeZoneName;

impl Validator for TimeZoneName {
    fn validate(&self, request: &ValidateRequest<'_>, diags: &mut Diagnostics) {
        let Some(name) = request.value.as_str() else {
            return;
        };
        if let Err(problem) = time_zone_problem(name, jiff::tz::db()) {
            diags.attribute_error(
                request.path.clone(),
                "Invalid time zone",
                format!(
                    "{name:?} {problem}; use an IANA time zone name such as UTC or Europe/Dublin."
                ),
            );
        }
    }
}

fn time_zone_problem(name: &str, db: &jiff::tz::TimeZoneDatabase) -> Result<(), &'static str> {
    let well_formed = !name.is_empty()
        && name.len() <= 50
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+/-".contains(c));
    if !well_formed {
        return Err("is not the name of a time zone");
    }
    if !db.is_definitively_empty() && db.get(name).is_err() {
        return Err("is not in the time zone database");
    }
    Ok(())
}

/// `expression`: see `schedule_expression.rs`.
struct Expression;

impl Validator for Expression {
    fn validate(&self, request: &ValidateRequest<'_>, diags: &mut Diagnostics) {
        let Some(expression) = request.value.as_str() else {
            return;
        };
        if let Err(problem) = schedule_expression::check(expression) {
            diags.attribute_error(
                request.path.clone(),
                "Invalid schedule expression",
                format!("{problem}."),
            );
        }
    }
}

/// The runner settings the function's policy and timeout are derived from, by environment variable: set
/// in the environment, they would override the job file in the runner behind the derivation's back.
const DERIVED_SETTINGS: &[(&str, &str)] = &[
    ("S3_BUCKET", "bucket"),
    ("S3_PREFIX", "prefix"),
    ("STATE_KEY", "state_key"),
    ("TINES_API_KEY_SECRET_ARN", "api_key_secret_arn"),
    ("MAX_PAGES", "max_pages"),
    ("REQUESTS_PER_MINUTE", "requests_per_minute"),
];

/// Names Lambda reserves outside `AWS_*`.
const LAMBDA_RESERVED: &[&str] = &["LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "TZ"];

/// Why `key` may not be set in `environment`, if it may not.
fn refused_variable(key: &str) -> Option<String> {
    let mut chars = key.chars();
    let well_formed = key.len() >= 2
        && chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !well_formed {
        return Some(
            "Lambda accepts names of two or more letters, digits and underscores, starting with a letter"
                .to_owned(),
        );
    }
    if key == JOB_FILE_ENV || key == JOB_FILE_SHA256_ENV {
        return Some("the resource sets it from job_file".to_owned());
    }
    if key == "TINES_API_KEY" {
        return Some(
            "it would put the API key where anyone who may read the function's configuration sees it; keep \
             the key in Secrets Manager (tinesaudit_api_key) and name its secret in the job file's \
             api_key_secret_arn"
                .to_owned(),
        );
    }
    if let Some((_, job_key)) = DERIVED_SETTINGS.iter().find(|(env, _)| *env == key) {
        return Some(format!(
            "the function's policy and timeout follow the job file, which this would override in the runner; \
             set \"{job_key}\" in the job file instead"
        ));
    }
    if (key.starts_with("AWS_") && !key.starts_with("AWS_ENDPOINT_URL"))
        || LAMBDA_RESERVED.contains(&key)
    {
        return Some(
            "Lambda reserves it (of AWS_* only AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_* may be set)"
                .to_owned(),
        );
    }
    None
}

/// `environment`: names Lambda accepts and the resource does not set itself, within Lambda's size limit.
struct EnvironmentVariables;

impl Validator for EnvironmentVariables {
    fn validate(&self, request: &ValidateRequest<'_>, diags: &mut Diagnostics) {
        let Value::Map(variables) = request.value else {
            return;
        };
        for key in variables.keys() {
            if let Some(reason) = refused_variable(key) {
                diags.attribute_error(
                    request.path.clone().key(key.clone()),
                    "Environment variable not accepted",
                    format!("{key} cannot be set in environment: {reason}."),
                );
            }
        }
        let job_file = request
            .config
            .attribute("job_file")
            .and_then(Value::as_str)
            .unwrap_or_default();
        // The job file's hash is 64 hex digits.
        let size: usize = JOB_FILE_ENV.len()
            + job_file.len()
            + JOB_FILE_SHA256_ENV.len()
            + 64
            + variables
                .iter()
                .map(|(k, v)| k.len() + v.as_str().map_or(0, str::len))
                .sum::<usize>();
        if size > MAX_ENVIRONMENT_BYTES {
            diags.attribute_error(
                request.path.clone(),
                "Environment too large",
                format!(
                    "Lambda allows {MAX_ENVIRONMENT_BYTES} bytes of environment variables in all; these are \
                     {size} bytes with the variables the resource sets itself."
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_created_role_drifts_by_any_policy_change_but_not_by_spacing() {
        let expected = invoke_policy("arn:aws:lambda:us-east-1:123456789012:function:sync");
        let respaced = serde_json::to_string_pretty(
            &serde_json::from_str::<serde_json::Value>(&expected).unwrap(),
        )
        .unwrap();
        let only = |document: &str| RolePolicies {
            inline: BTreeMap::from([(INVOKE_POLICY.to_owned(), document.to_owned())]),
            attached: Vec::new(),
        };
        assert_eq!(
            policy_drift(&only(&respaced), INVOKE_POLICY, Some(&expected)),
            None
        );
        // Unknown expectations (the job file changed since) leave the document alone.
        assert_eq!(policy_drift(&only("{}"), INVOKE_POLICY, None), None);
        assert_eq!(
            policy_drift(&only(&invoke_policy("*")), INVOKE_POLICY, Some(&expected)).as_deref(),
            Some("Its policy tinesaudit-invoke was edited")
        );
        assert_eq!(
            policy_drift(&only("not json"), INVOKE_POLICY, Some(&expected)).as_deref(),
            Some("Its policy tinesaudit-invoke was edited")
        );
        assert_eq!(
            policy_drift(&RolePolicies::default(), INVOKE_POLICY, Some(&expected)).as_deref(),
            Some("Its policy tinesaudit-invoke was deleted")
        );
        let mut extra = only(&expected);
        extra.inline.insert("console".to_owned(), "{}".to_owned());
        extra
            .attached
            .push("arn:aws:iam::aws:policy/AdministratorAccess".to_owned());
        assert_eq!(
            policy_drift(&extra, INVOKE_POLICY, Some(&expected)).as_deref(),
            Some("It was given console, arn:aws:iam::aws:policy/AdministratorAccess")
        );
    }

    #[test]
    fn created_roles_and_functions_are_recognised_by_name() {
        assert!(is_role(
            "arn:aws:iam::123456789012:role/sync-runner",
            "sync-runner"
        ));
        assert!(is_role(
            "arn:aws:iam::123456789012:role/team/sync-runner",
            "sync-runner"
        ));
        assert!(!is_role(
            "arn:aws:iam::123456789012:role/other-runner",
            "sync-runner"
        ));
        assert!(!is_role(
            "arn:aws:iam::123456789012:user/sync-runner",
            "sync-runner"
        ));
        assert!(is_function(
            "arn:aws:lambda:us-east-1:123456789012:function:sync",
            "sync"
        ));
        assert!(!is_function(
            "arn:aws:lambda:us-east-1:123456789012:function:sync:live",
            "sync"
        ));
        assert!(!is_function(
            "arn:aws:sqs:us-east-1:123456789012:sync",
            "sync"
        ));
    }

    #[test]
    fn the_environment_refuses_what_the_resource_or_lambda_owns() {
        for accepted in [
            "AWS_ENDPOINT_URL",
            "AWS_ENDPOINT_URL_S3",
            "S3_FORCE_PATH_STYLE",
            "RUST_LOG",
            "Ab1_",
        ] {
            assert_eq!(refused_variable(accepted), None, "{accepted}");
        }
        let reason = |key| refused_variable(key).unwrap_or_default();
        assert!(reason("JOB_FILE").contains("job_file"));
        assert!(reason("AWS_REGION").contains("reserves"));
        assert!(reason("AWS_ACCESS_KEY_ID").contains("reserves"));
        assert!(reason("TZ").contains("reserves"));
        assert!(reason("MAX_PAGES").contains("\"max_pages\""));
        assert!(reason("S3_BUCKET").contains("\"bucket\""));
        assert!(reason("TINES_API_KEY").contains("Secrets Manager"));
        for malformed in ["A", "1ABC", "_HANDLER", "MY-VAR", "MY VAR", ""] {
            assert!(
                reason(malformed).contains("letters, digits and underscores"),
                "{malformed}"
            );
        }
    }

    #[test]
    fn time_zones_are_names_in_the_database() {
        let db = jiff::tz::db();
        // The test machines have a time zone database; without one only the form is checked.
        assert!(!db.is_definitively_empty());
        for zone in [
            "UTC",
            "Europe/Dublin",
            "America/Argentina/Buenos_Aires",
            "Etc/GMT+5",
        ] {
            assert_eq!(time_zone_problem(zone, db), Ok(()), "{zone}");
        }
        assert_eq!(
            time_zone_problem("Mars/Olympus_Mons", db),
            Err("is not in the time zone database")
        );
        for malformed in ["", "Europe/Dub lin", "UTC;rm", &"A".repeat(51)] {
            assert_eq!(
                time_zone_problem(malformed, db),
                Err("is not the name of a time zone"),
                "{malformed}"
            );
        }
    }

    #[test]
    fn trust_policies_limit_the_scheduler_to_this_account() {
        let account = Some("123456789012");
        let lambda: serde_json::Value =
            serde_json::from_str(&CreatedRole::RUNNER.trust(account)).unwrap();
        assert_eq!(
            lambda["Statement"][0]["Principal"]["Service"],
            "lambda.amazonaws.com"
        );
        assert!(lambda["Statement"][0].get("Condition").is_none());
        let scheduler: serde_json::Value =
            serde_json::from_str(&CreatedRole::SCHEDULER.trust(account)).unwrap();
        assert_eq!(
            scheduler["Statement"][0]["Condition"]["StringEquals"]["aws:SourceAccount"],
            "123456789012"
        );
    }
}

//! Validate and plan: names that fit AWS's limits, and the job file read at plan time, which decides
//! the function's timeout (a job that cannot finish within Lambda's 900 s is refused here, not at the
//! first run).

use tfplugin_framework::Known;
use tfplugin_framework::diag::Diagnostics;
use tfplugin_framework::path::AttrPath;
use tfplugin_framework::resource::{
    ModifyPlan, ModifyPlanRequest, ModifyPlanResponse, ValidateConfig, ValidateConfigRequest,
    ValidateConfigResponse,
};
use tfplugin_framework::value::SchemaValue;

use super::deploy::{is_function, is_role};
use super::job::{JobSettings, LAMBDA_MAX_TIMEOUT_SECONDS};
use super::package::Architecture;
use super::{MAX_NAME_LEN, RUNNER_ROLE_SUFFIX, SCHEDULER_ROLE_SUFFIX, ScheduleResource, job};
use crate::aws::s3::S3Url;
use crate::aws::scheduler::{self};
use crate::clients::{ProviderClients, configured};

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
        let runner_sha256 = AttrPath::attr("runner_sha256");
        let architecture = plan.get_attr::<Known<String>>(&AttrPath::attr("architecture"), diags);
        match architecture {
            Some(Known::Value(name)) => {
                // The validator has reported any other name.
                let Some(architecture) = Architecture::parse(&name) else {
                    return;
                };
                match clients.runner().load(architecture).await {
                    Ok(package) => plan.set_attr(&runner_sha256, &Some(package.sha256()), diags),
                    Err(e) => return diags.error("Runner package not available", e.to_string()),
                }
            }
            Some(Known::Unknown) => {
                plan.set_attr(&runner_sha256, &Known::<Option<String>>::Unknown, diags)
            }
            None => return,
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
        plan.set_attr(&AttrPath::attr("input"), &scheduler::INPUT, diags);
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
pub(super) async fn plan_job_file(
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
    let file = match job::fetch(&s3, &url).await {
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
pub(super) fn derive_timeout(
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

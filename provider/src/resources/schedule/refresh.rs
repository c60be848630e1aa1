//! Refresh: the schedule, function and roles as AWS has them now. What changed outside Terraform comes
//! back as a diff the next apply puts right; what is gone comes back as null, so the plan makes it again.

use tfplugin_framework::Known;
use tfplugin_framework::diag::Diagnostics;

use super::deploy::is_function;
use super::package::code_sha256_to_hex;
use super::roles::{CreatedRole, created_role_as_deployed, expected_runner_policy, invoke_policy};
use super::{JOB_FILE_ENV, JOB_FILE_SHA256_ENV, ScheduleModel, job};
use crate::aws::calls::Arn;
use crate::aws::s3::S3Url;
use crate::clients::ProviderClients;

pub(super) enum Refreshed {
    Found(Box<ScheduleModel>),
    Gone,
    /// Errors are in the diagnostics.
    Failed,
}

/// What refresh needs of the stored state.
pub(super) struct Stored {
    pub(super) name: String,
    /// The state is an import's, so nothing says yet that this is a tinesaudit schedule.
    pub(super) importing: bool,
    /// The configuration sets `environment` (an empty map and none are the same to Lambda).
    pub(super) environment_given: bool,
}

/// The schedule and function as AWS has them now.
pub(super) async fn refresh(
    clients: &ProviderClients,
    stored: Stored,
    diags: &mut Diagnostics,
) -> Refreshed {
    let Stored {
        name,
        importing,
        environment_given,
    } = stored;
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
    let environment = (environment_given || !environment.is_empty()).then_some(environment);
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
    Refreshed::Found(Box::new(ScheduleModel {
        id: Known::Value(name.clone()),
        name,
        job_file: job_file.unwrap_or_default(),
        job_file_sha256: Known::Value(job_file_sha256),
        role_arn: Known::Value(role_arn),
        scheduler_role_arn: Known::Value(scheduler_role_arn),
        expression: spec.expression,
        timezone: spec.timezone,
        flexible_window_minutes: spec.flexible_window_minutes,
        enabled: spec.enabled,
        retry_attempts: spec.retry_attempts,
        max_event_age_seconds: spec.max_event_age_seconds,
        memory_mb: function.memory_mb,
        environment,
        function_arn: Known::Value(spec.target_arn),
        schedule_arn: Known::Value(schedule.arn),
        timeout_seconds: Known::Value(function.timeout_seconds),
        runner_sha256: Known::Value(runner_sha256),
        input: Known::Value(spec.input),
    }))
}

/// The job file's hash now, for an import; `None` when it cannot be read (the plan reads it again).
pub(super) async fn current_job_sha256(
    clients: &ProviderClients,
    job_file: &str,
) -> Option<String> {
    let url = S3Url::parse(job_file)?;
    let s3 = clients.s3(&mut Diagnostics::new()).await?;
    job::fetch(&s3, &url)
        .await
        .ok()
        .flatten()
        .map(|file| file.sha256)
}

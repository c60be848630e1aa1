//! Apply: roles, function and schedule made to match the plan, in that order (the function needs its
//! role, the schedule needs both). Creating takes over what this provider left of an earlier, half-done
//! create (recognised by its tags) and refuses anything else of the same names.

use std::collections::BTreeMap;
use std::sync::Arc;

use tfplugin_framework::Known;
use tfplugin_framework::diag::Diagnostics;
use tfplugin_framework::path::AttrPath;
use tfplugin_framework::value::SchemaValue;

use super::job::{FunctionPlace, JobSettings};
use super::package::{Architecture, Package, code_sha256_to_hex};
use super::plan::derive_timeout;
use super::roles::{CreatedRole, delete_created_role, ensure_role, invoke_policy, set_only_policy};
use super::{
    INVOKE_POLICY, JOB_FILE_ENV, JOB_FILE_SHA256_ENV, RUNNER_POLICY, RUNNER_ROLE_SUFFIX,
    SCHEDULER_ROLE_SUFFIX, ScheduleModel, job,
};
use crate::aws::calls::{Arn, AwsError, MANAGED_BY, MANAGED_BY_TAG, SCHEDULE_TAG};
use crate::aws::iam::RoleSpec;
use crate::aws::lambda::{FunctionInfo, FunctionSpec, Functions};
use crate::aws::s3::S3Url;
use crate::aws::scheduler::{self, ScheduleSpec, Schedules};
use crate::clients::ProviderClients;

/// `arn` is the IAM role `role` (at any path).
pub(super) fn is_role(arn: &str, role: &str) -> bool {
    Arn::parse(arn).is_some_and(|arn| {
        arn.service == "iam"
            && arn.resource.starts_with("role/")
            && arn.resource.rsplit('/').next() == Some(role)
    })
}

/// `arn` is the unqualified Lambda function `name`.
pub(super) fn is_function(arn: &str, name: &str) -> bool {
    Arn::parse(arn).is_some_and(|arn| {
        arn.service == "lambda" && arn.resource.strip_prefix("function:") == Some(name)
    })
}

pub(super) fn tags(name: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (MANAGED_BY_TAG.to_owned(), MANAGED_BY.to_owned()),
        (SCHEDULE_TAG.to_owned(), name.to_owned()),
    ])
}

/// Makes AWS match `plan`: roles, function, schedule. Creating (`creating`), it takes over what this
/// provider left of an earlier deployment and refuses anything else of the same names. Answers the new
/// state.
pub(super) async fn deploy(
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
    let (architecture, package) = load_package(clients, &plan, diags).await?;
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
        architecture,
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
        input: scheduler::INPUT.to_owned(),
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
        input: Known::Value(scheduler::INPUT.to_owned()),
        ..plan
    })
}

/// The architecture, and its package, which must be the one planned.
pub(super) async fn load_package(
    clients: &ProviderClients,
    plan: &ScheduleModel,
    diags: &mut Diagnostics,
) -> Option<(Architecture, Arc<Package>)> {
    let Some(architecture) = Architecture::parse(&plan.architecture) else {
        diags.attribute_error(
            AttrPath::attr("architecture"),
            "Unknown architecture",
            format!(
                "{:?} is not an architecture the runner is built for: x86_64 or arm64.",
                plan.architecture
            ),
        );
        return None;
    };
    let package = match clients.runner().load(architecture).await {
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
    Some((architecture, package))
}

/// The job file as apply reads it.
pub(super) struct JobFileRead {
    pub(super) url: S3Url,
    sha256: String,
    pub(super) settings: JobSettings,
    pub(super) timeout_seconds: i64,
}

/// Reads the job file, and checks it against the plan.
pub(super) async fn read_job_file(
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
    let file = match job::fetch(&s3, &url).await {
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

/// Where the function lives: its name, the region of the Lambda client, and the partition and account of
/// the role it runs as.
pub(super) fn function_place<'a>(
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

/// Creates the function, or brings the one of that name to `spec` and the package.
pub(super) async fn deploy_function(
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
    if deployed.as_deref() != Some(package.sha256())
        || !function.has_runner_runtime()
        || function.architecture() != Some(spec.architecture)
    {
        function = match functions
            .update_code(name, spec.architecture, package.zip())
            .await
        {
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
pub(super) async fn deploy_schedule(
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

#[cfg(test)]
mod tests {
    use super::*;

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
}

//! `tinesaudit_schedule` through Terraform, against moto (IAM, Lambda, Scheduler) and SeaweedFS (the job
//! file), on every CLI one after another, with a provider block of the AWS side only (no Tines tenant).
//!
//! * `lifecycle`: create with created roles; import-verify; update expression, state and memory; a runner
//!   upgrade (another bootstrap file: a planned update of `runner_sha256`, then the function's code hash
//!   matches); then one drift at a time, each shown by the plan and undone by the apply: code, timeout,
//!   memory and environment, role, runtime and handler, a deleted created role, a disabled schedule, an
//!   edited expression, another input, a created role's policy edited, another inline policy, a managed
//!   policy attached, a trust policy edited, a deleted schedule, a deleted function. Destroy leaves no
//!   function, schedule or role.
//! * `given_roles`: roles of the user's own; switching to a created execution role and back, which
//!   deletes it again; the user's roles stay after destroy.
//! * `architectures`: an arm64 function running the arm64 bootstrap; import-verify; its code replaced
//!   behind Terraform's back shows as drift and is put back; then x86_64 in place, with the x86_64
//!   bootstrap (moto keeps a function's first architecture, so the function's own is checked only there).
//!
//! The bootstrap is a small file the test writes (moto never runs code), and the job file is put into
//! SeaweedFS directly, as `tinesaudit_ingestion_job` would.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

use aws_sdk_scheduler::types::{FlexibleTimeWindow, FlexibleTimeWindowMode, ScheduleState, Target};
use serde_json::json;
use sha2::{Digest as _, Sha256};
use tfplugin_framework::FrameworkServer;
use tfplugin_harness::{Action, BoxError, Context, PlanCheck, ProviderSource, StateCheck, Step};
use tinesaudit_provider::{ADDRESS, Architecture, RunnerPackages, TinesAuditProvider};
use tinesaudit_testkit::test_case;
use tinesaudit_testkit::{AwsEmulator, S3Server};

const ADDR: &str = "tinesaudit_schedule.sync";
const BUCKET: &str = "pipeline";
const JOB_KEY: &str = "jobs/acceptance.json";
const ACCOUNT: &str = "123456789012";

type Hook = Box<dyn Fn(&Context<'_>) -> Result<(), BoxError> + Send + Sync>;

/// moto and SeaweedFS with SDK clients for hooks (plain threads), which block on a runtime of their own.
struct Cloud {
    aws: AwsEmulator,
    s3: S3Server,
    dir: tempfile::TempDir,
    lambda: aws_sdk_lambda::Client,
    scheduler: aws_sdk_scheduler::Client,
    iam: aws_sdk_iam::Client,
    objects: aws_sdk_s3::Client,
    // Dropped last: the clients above keep their connections on it.
    runtime: tokio::runtime::Runtime,
}

impl Cloud {
    fn start() -> Arc<Cloud> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let aws = AwsEmulator::start().expect("moto (run `cargo xtask tools`)");
        let s3 = S3Server::start().expect("SeaweedFS (run `cargo xtask tools`)");
        let moto = aws.sdk_config();
        let objects = s3.client();
        runtime.block_on(s3.create_bucket(BUCKET)).expect("bucket");
        Arc::new(Cloud {
            lambda: aws_sdk_lambda::Client::new(&moto),
            scheduler: aws_sdk_scheduler::Client::new(&moto),
            iam: aws_sdk_iam::Client::new(&moto),
            objects,
            aws,
            s3,
            dir: tempfile::tempdir().expect("temporary folder"),
            runtime,
        })
    }

    fn bootstrap(&self) -> PathBuf {
        self.dir.path().join("tinesaudit-runner-bootstrap")
    }

    /// A stand-in for the runner's binary; each version differs.
    fn write_bootstrap(&self, version: u32) -> Result<(), BoxError> {
        std::fs::write(
            self.bootstrap(),
            format!("#!/bin/sh\necho 'tinesaudit-runner {version}'\n"),
        )?;
        Ok(())
    }

    /// The arm64 stand-in, beside the x86_64 one as a release archive has it.
    fn write_arm64_bootstrap(&self) -> Result<(), BoxError> {
        std::fs::write(
            self.dir.path().join("tinesaudit-runner-bootstrap-arm64"),
            "#!/bin/sh\necho 'tinesaudit-runner for arm64'\n",
        )?;
        Ok(())
    }

    /// The function's architectures, as Lambda reports them.
    fn architectures(&self, name: &str) -> Result<Vec<String>, BoxError> {
        let function = self.runtime.block_on(
            self.lambda
                .get_function_configuration()
                .function_name(name)
                .send(),
        )?;
        Ok(function
            .architectures()
            .iter()
            .map(|a| a.as_str().to_owned())
            .collect())
    }

    /// Moves the function to `architecture` as a console user would, with code of their own.
    fn set_architecture(&self, name: &str, architecture: &str) -> Result<(), BoxError> {
        self.runtime.block_on(
            self.lambda
                .update_function_code()
                .function_name(name)
                .architectures(architecture.into())
                .zip_file(b"moved by hand".to_vec().into())
                .send(),
        )?;
        Ok(())
    }

    /// The provider in-process, deploying the test's bootstrap, with SeaweedFS's credentials (moto takes
    /// any).
    fn provider(self: &Arc<Self>) -> ProviderSource {
        let cloud = Arc::clone(self);
        ProviderSource::in_process(ADDRESS, move || {
            FrameworkServer::new(
                TinesAuditProvider::new()
                    .with_env(|_| None)
                    .with_runner_bootstrap(cloud.bootstrap())
                    .with_aws_credentials(cloud.s3.access_key(), cloud.s3.secret_key()),
            )
        })
    }

    /// Writes the job file; answers its hex SHA-256.
    fn put_job(&self) -> Result<String, BoxError> {
        self.put_job_bytes(job_bytes())
    }

    /// Writes `bytes` as the job file; answers their hex SHA-256.
    fn put_job_bytes(&self, bytes: Vec<u8>) -> Result<String, BoxError> {
        let sha256 = hex(&Sha256::digest(&bytes));
        self.runtime.block_on(
            self.objects
                .put_object()
                .bucket(BUCKET)
                .key(JOB_KEY)
                .body(bytes.into())
                .send(),
        )?;
        Ok(sha256)
    }

    /// The job file's hash the function was deployed for (its `JOB_FILE_SHA256`).
    fn deployed_job_sha256(&self, name: &str) -> Result<Option<String>, BoxError> {
        let function = self.runtime.block_on(
            self.lambda
                .get_function_configuration()
                .function_name(name)
                .send(),
        )?;
        Ok(function
            .environment()
            .and_then(|env| env.variables())
            .and_then(|vars| vars.get("JOB_FILE_SHA256"))
            .cloned())
    }

    /// The function's code hash in hex, as `runner_sha256` shows it.
    fn code_sha256(&self, name: &str) -> Result<String, BoxError> {
        let function = self
            .runtime
            .block_on(self.lambda.get_function().function_name(name).send())?;
        let base64 = function
            .configuration()
            .and_then(|c| c.code_sha256())
            .ok_or("no CodeSha256")?;
        let bytes = base64_decode(base64)?;
        Ok(hex(&bytes))
    }

    fn function_names(&self) -> Result<BTreeSet<String>, BoxError> {
        let functions = self.runtime.block_on(self.lambda.list_functions().send())?;
        Ok(functions
            .functions()
            .iter()
            .filter_map(|f| f.function_name().map(str::to_owned))
            .collect())
    }

    fn schedule_names(&self) -> Result<BTreeSet<String>, BoxError> {
        let schedules = self
            .runtime
            .block_on(self.scheduler.list_schedules().send())?;
        Ok(schedules
            .schedules()
            .iter()
            .filter_map(|s| s.name().map(str::to_owned))
            .collect())
    }

    fn role_names(&self) -> Result<BTreeSet<String>, BoxError> {
        let roles = self.runtime.block_on(self.iam.list_roles().send())?;
        Ok(roles
            .roles()
            .iter()
            .map(|r| r.role_name().to_owned())
            .collect())
    }

    /// Makes a role of the user's own, unless it exists.
    fn own_role(&self, name: &str, service: &str) -> Result<(), BoxError> {
        if self.role_names()?.contains(name) {
            return Ok(());
        }
        let trust = policy_document(
            json!({"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}),
        );
        self.runtime.block_on(
            self.iam
                .create_role()
                .role_name(name)
                .assume_role_policy_document(trust)
                .send(),
        )?;
        Ok(())
    }

    fn delete_role(&self, name: &str) -> Result<(), BoxError> {
        self.runtime.block_on(async {
            let policies = self.iam.list_role_policies().role_name(name).send().await?;
            for policy in policies.policy_names() {
                self.iam
                    .delete_role_policy()
                    .role_name(name)
                    .policy_name(policy)
                    .send()
                    .await?;
            }
            self.iam.delete_role().role_name(name).send().await?;
            Ok(())
        })
    }

    /// Adds an inline policy to a role, or replaces the one of that name.
    fn put_role_policy(
        &self,
        role: &str,
        policy: &str,
        statement: serde_json::Value,
    ) -> Result<(), BoxError> {
        self.runtime.block_on(
            self.iam
                .put_role_policy()
                .role_name(role)
                .policy_name(policy)
                .policy_document(policy_document(statement))
                .send(),
        )?;
        Ok(())
    }

    /// Attaches a managed policy of the user's own to a role.
    fn attach_own_policy(&self, role: &str) -> Result<(), BoxError> {
        self.runtime.block_on(async {
            let document =
                policy_document(json!({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}));
            let name = format!("{role}-extra");
            // Made by the run on an earlier CLI, the policy outlives the role it was attached to.
            let made = self
                .iam
                .create_policy()
                .policy_name(&name)
                .policy_document(document)
                .send()
                .await;
            if let Err(e) = made
                && e.as_service_error().and_then(|e| e.meta().code()) != Some("EntityAlreadyExists")
            {
                return Err(e.into());
            }
            self.iam
                .attach_role_policy()
                .role_name(role)
                .policy_arn(format!("arn:aws:iam::{ACCOUNT}:policy/{name}"))
                .send()
                .await?;
            Ok(())
        })
    }

    /// Changes the schedule as someone in the console would: Scheduler's update replaces all of it.
    /// `edit` gets the expression, the state and the event sent to the function.
    fn edit_schedule(
        &self,
        name: &str,
        edit: impl FnOnce(&mut String, &mut ScheduleState, &mut Option<String>),
    ) -> Result<(), BoxError> {
        self.runtime.block_on(async {
            let current = self.scheduler.get_schedule().name(name).send().await?;
            let mut expression = current.schedule_expression().unwrap_or_default().to_owned();
            let mut state = current.state().cloned().unwrap_or(ScheduleState::Enabled);
            let target = current.target().ok_or("no target")?;
            let mut input = target.input().map(str::to_owned);
            edit(&mut expression, &mut state, &mut input);
            let target = Target::builder()
                .arn(target.arn())
                .role_arn(target.role_arn())
                .set_input(input)
                .set_retry_policy(target.retry_policy().cloned())
                .build()?;
            self.scheduler
                .update_schedule()
                .name(name)
                .schedule_expression(expression)
                .set_schedule_expression_timezone(
                    current.schedule_expression_timezone().map(str::to_owned),
                )
                .flexible_time_window(
                    FlexibleTimeWindow::builder()
                        .mode(FlexibleTimeWindowMode::Off)
                        .build()?,
                )
                .target(target)
                .state(state)
                .send()
                .await?;
            Ok(())
        })
    }

    /// A hook that changes something behind Terraform's back.
    fn hook(
        self: &Arc<Self>,
        change: impl Fn(&Cloud) -> Result<(), BoxError> + Send + Sync + 'static,
    ) -> Hook {
        let cloud = Arc::clone(self);
        Box::new(move |_| change(&cloud))
    }
}

/// An IAM policy document with one statement.
fn policy_document(statement: serde_json::Value) -> String {
    json!({"Version": "2012-10-17", "Statement": [statement]}).to_string()
}

fn job_bytes() -> Vec<u8> {
    // 100 pages at 600 a minute: 10 s of fetching, planned 15 s, plus the 60 s margin.
    serde_json::to_vec_pretty(&json!({
        "bucket": BUCKET,
        "tenant": "https://example.tines.com",
        "api_key_secret_arn": format!("arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:tines-AbCdEf"),
        "max_pages": 100,
        "requests_per_minute": 600,
    }))
    .expect("JSON")
}

/// The job file with another page size: nothing the function's timeout or policy follow changes.
fn job_bytes_with_smaller_pages() -> Vec<u8> {
    let mut job: serde_json::Value = serde_json::from_slice(&job_bytes()).expect("JSON");
    job["page_size"] = json!(100);
    serde_json::to_vec_pretty(&job).expect("JSON")
}

fn job_sha256() -> String {
    hex(&Sha256::digest(job_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn base64_decode(text: &str) -> Result<Vec<u8>, BoxError> {
    use base64::Engine as _;
    Ok(base64::engine::general_purpose::STANDARD.decode(text)?)
}

/// How one step configures the resource.
#[derive(Clone)]
struct Settings {
    name: &'static str,
    expression: &'static str,
    enabled: bool,
    memory_mb: i64,
    role_arn: Option<String>,
    scheduler_role_arn: Option<String>,
    /// `job_file_sha256` set, as with `tinesaudit_ingestion_job`; otherwise read at plan time.
    pin_job: bool,
    /// `architecture`, when set.
    architecture: Option<&'static str>,
}

impl Settings {
    fn new(name: &'static str) -> Settings {
        Settings {
            name,
            expression: "rate(1 hour)",
            enabled: true,
            memory_mb: 512,
            role_arn: None,
            scheduler_role_arn: None,
            pin_job: true,
            architecture: None,
        }
    }
}

fn config(cloud: &Cloud, settings: &Settings) -> String {
    let optional = |name: &str, value: &Option<String>| {
        value
            .as_ref()
            .map(|v| format!("  {name} = {v:?}\n"))
            .unwrap_or_default()
    };
    let pinned = if settings.pin_job {
        format!("  job_file_sha256 = {:?}\n", job_sha256())
    } else {
        String::new()
    };
    format!(
        r#"terraform {{
  required_providers {{
    tinesaudit = {{ source = "tinesaudit/tinesaudit" }}
  }}
}}

# The AWS side only: no tenant, no key.
provider "tinesaudit" {{
  aws_region              = {region:?}
  aws_endpoint_url        = {moto:?}
  aws_s3_endpoint_url     = {seaweed:?}
  aws_s3_force_path_style = true
}}

resource "tinesaudit_schedule" "sync" {{
  name       = {name:?}
  job_file   = "s3://{BUCKET}/{JOB_KEY}"
{pinned}  expression = {expression:?}
  enabled    = {enabled}
  memory_mb  = {memory}
{role}{scheduler_role}{architecture}  environment = {{
    AWS_ENDPOINT_URL    = {moto:?}
    S3_FORCE_PATH_STYLE = "true"
  }}
}}
"#,
        region = cloud.aws.region(),
        moto = cloud.aws.endpoint_url(),
        seaweed = cloud.s3.endpoint_url(),
        name = settings.name,
        expression = settings.expression,
        enabled = settings.enabled,
        memory = settings.memory_mb,
        role = optional("role_arn", &settings.role_arn),
        scheduler_role = optional("scheduler_role_arn", &settings.scheduler_role_arn),
        architecture = optional("architecture", &settings.architecture.map(str::to_owned)),
    )
}

fn role_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/{name}")
}

/// The function runs the package the state records.
fn code_matches_state(cloud: &Arc<Cloud>, name: &'static str) -> StateCheck {
    let cloud = Arc::clone(cloud);
    StateCheck::custom("the function's code is the planned package", move |state| {
        let recorded = state.attr_str(ADDR, "runner_sha256")?;
        let deployed = cloud.code_sha256(name)?;
        if recorded == deployed {
            Ok(())
        } else {
            Err(format!("the function runs {deployed}, the state says {recorded}").into())
        }
    })
}

/// A drift step: `change` behind Terraform's back, then the plan shows the drift and the planned action,
/// and the apply undoes it (the harness then requires an empty plan).
fn drift(
    cloud: &Arc<Cloud>,
    hcl: &str,
    found: Action,
    planned: Action,
    change: impl Fn(&Cloud) -> Result<(), BoxError> + Send + Sync + 'static,
) -> Step {
    Step::config(hcl)
        .pre_config(cloud.hook(change))
        .plan_check(PlanCheck::drift(ADDR, found))
        .plan_check(PlanCheck::action(ADDR, planned))
}

#[test]
fn lifecycle() {
    let cloud = Cloud::start();
    let name = "acc-sync";
    let base = Settings::new(name);
    let hcl = |settings: &Settings| config(&cloud, settings);
    let updated = Settings {
        expression: "cron(0 8 ? * MON-FRI *)",
        enabled: false,
        memory_mb: 1024,
        ..base.clone()
    };
    let unpinned = Settings {
        pin_job: false,
        ..updated.clone()
    };
    let runner_role = format!("{name}-runner");
    let scheduler_role_arn = role_arn(&format!("{name}-scheduler"));
    let cloud_for_check = Arc::clone(&cloud);

    test_case(cloud.provider())
        .sequential()
        .step(
            Step::config(hcl(&base))
                .pre_config(cloud.hook(|cloud| {
                    cloud.write_bootstrap(1)?;
                    cloud.put_job()?;
                    Ok(())
                }))
                .plan_check(PlanCheck::action(ADDR, Action::Create))
                .plan_check(PlanCheck::known(ADDR, "timeout_seconds", 75))
                .plan_check(PlanCheck::known(ADDR, "job_file_sha256", job_sha256()))
                .plan_check(PlanCheck::unknown(ADDR, "function_arn"))
                .plan_check(PlanCheck::unknown(ADDR, "role_arn"))
                .plan_check(PlanCheck::custom("runner_sha256 is known", |plan| {
                    let after = &plan.change(ADDR)?["after"]["runner_sha256"];
                    match after.as_str() {
                        Some(hash) if hash.len() == 64 => Ok(()),
                        _ => Err(format!("runner_sha256 is planned as {after}").into()),
                    }
                }))
                .state_check(StateCheck::attr(ADDR, "id", name))
                .state_check(StateCheck::attr(
                    ADDR,
                    "function_arn",
                    format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}"),
                ))
                .state_check(StateCheck::attr(ADDR, "role_arn", role_arn(&runner_role)))
                .state_check(StateCheck::attr(
                    ADDR,
                    "scheduler_role_arn",
                    scheduler_role_arn.clone(),
                ))
                .state_check(StateCheck::attr(ADDR, "timeout_seconds", 75))
                .state_check(code_matches_state(&cloud, name)),
        )
        .step(Step::import(ADDR).verify())
        .step(
            Step::config(hcl(&updated))
                .plan_check(PlanCheck::action(ADDR, Action::Update))
                .plan_check(PlanCheck::known(
                    ADDR,
                    "function_arn",
                    format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}"),
                ))
                .state_check(StateCheck::attr(ADDR, "enabled", false))
                .state_check(StateCheck::attr(ADDR, "memory_mb", 1024)),
        )
        // A job file rewritten with nothing the timeout or policy follow: the function's configuration
        // still changes (its JOB_FILE_SHA256), so warm execution environments holding the old job go.
        .step(
            Step::config(hcl(&unpinned))
                .pre_config(cloud.hook(|cloud| {
                    cloud.put_job_bytes(job_bytes_with_smaller_pages())?;
                    Ok(())
                }))
                .plan_check(PlanCheck::action(ADDR, Action::Update))
                .state_check({
                    let cloud = Arc::clone(&cloud);
                    StateCheck::custom("the function runs the new job file", move |state| {
                        let recorded = state.attr_str(ADDR, "job_file_sha256")?;
                        let expected = hex(&Sha256::digest(job_bytes_with_smaller_pages()));
                        let deployed = cloud.deployed_job_sha256(name)?;
                        if recorded == expected && deployed.as_deref() == Some(expected.as_str()) {
                            Ok(())
                        } else {
                            Err(format!(
                                "state {recorded}, function {deployed:?}, job file {expected}"
                            )
                            .into())
                        }
                    })
                }),
        )
        .step(
            Step::config(hcl(&unpinned))
                .pre_config(cloud.hook(|cloud| {
                    cloud.put_job()?;
                    Ok(())
                }))
                .plan_check(PlanCheck::action(ADDR, Action::Update)),
        )
        // A provider upgrade bringing a new runner: the same configuration plans an update of the code.
        .step(
            Step::config(hcl(&updated))
                .pre_config(cloud.hook(|cloud| cloud.write_bootstrap(2)))
                .plan_check(PlanCheck::action(ADDR, Action::Update))
                .plan_check(PlanCheck::custom("runner_sha256 changes", |plan| {
                    let change = plan.change(ADDR)?;
                    let (before, after) = (
                        &change["before"]["runner_sha256"],
                        &change["after"]["runner_sha256"],
                    );
                    if before != after && after.is_string() {
                        Ok(())
                    } else {
                        Err(format!("runner_sha256 goes from {before} to {after}").into())
                    }
                }))
                .state_check(code_matches_state(&cloud, name)),
        )
        .step(drift(
            &cloud,
            &hcl(&updated),
            Action::Update,
            Action::Update,
            move |cloud| {
                cloud.runtime.block_on(
                    cloud
                        .lambda
                        .update_function_code()
                        .function_name(name)
                        .zip_file(b"not the runner".to_vec().into())
                        .send(),
                )?;
                Ok(())
            },
        ))
        .step(drift(
            &cloud,
            &hcl(&updated),
            Action::Update,
            Action::Update,
            move |cloud| {
                let environment = aws_sdk_lambda::types::Environment::builder()
                    .variables("JOB_FILE", format!("s3://{BUCKET}/{JOB_KEY}"))
                    .variables("EXTRA", "added in the console")
                    .build();
                cloud.runtime.block_on(
                    cloud
                        .lambda
                        .update_function_configuration()
                        .function_name(name)
                        .timeout(3)
                        .memory_size(128)
                        .environment(environment)
                        .send(),
                )?;
                Ok(())
            },
        ))
        .step(drift(
            &cloud,
            &hcl(&updated),
            Action::Update,
            Action::Update,
            {
                let other_role = scheduler_role_arn.clone();
                move |cloud| {
                    cloud.runtime.block_on(
                        cloud
                            .lambda
                            .update_function_configuration()
                            .function_name(name)
                            .role(&other_role)
                            .send(),
                    )?;
                    Ok(())
                }
            },
        ))
        .step(drift(
            &cloud,
            &hcl(&updated),
            Action::Update,
            Action::Update,
            move |cloud| {
                cloud.runtime.block_on(
                    cloud
                        .lambda
                        .update_function_configuration()
                        .function_name(name)
                        .runtime(aws_sdk_lambda::types::Runtime::Python312)
                        .handler("main.handler")
                        .send(),
                )?;
                Ok(())
            },
        ))
        .step(drift(
            &cloud,
            &hcl(&updated),
            Action::Update,
            Action::Update,
            {
                let runner_role = runner_role.clone();
                move |cloud| cloud.delete_role(&runner_role)
            },
        ))
        // Enabled again, for the schedule's own drift.
        .step(Step::config(hcl(&base)).plan_check(PlanCheck::action(ADDR, Action::Update)))
        .step(drift(
            &cloud,
            &hcl(&base),
            Action::Update,
            Action::Update,
            move |cloud| cloud.edit_schedule(name, |_, state, _| *state = ScheduleState::Disabled),
        ))
        .step(drift(
            &cloud,
            &hcl(&base),
            Action::Update,
            Action::Update,
            move |cloud| {
                cloud.edit_schedule(name, |expression, _, _| {
                    *expression = "rate(5 minutes)".to_owned()
                })
            },
        ))
        // The runner takes settings from the event over the job file: another bucket, say.
        .step(
            drift(
                &cloud,
                &hcl(&base),
                Action::Update,
                Action::Update,
                move |cloud| {
                    cloud.edit_schedule(name, |_, _, input| {
                        *input = Some(r#"{"bucket": "somewhere-else"}"#.to_owned())
                    })
                },
            )
            .plan_check(PlanCheck::known(ADDR, "input", "{}")),
        )
        .step(drift(
            &cloud,
            &hcl(&base),
            Action::Update,
            Action::Update,
            {
                let runner_role = runner_role.clone();
                move |cloud| {
                    cloud.put_role_policy(
                        &runner_role,
                        "tinesaudit-runner",
                        json!({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}),
                    )
                }
            },
        ))
        .step(drift(
            &cloud,
            &hcl(&base),
            Action::Update,
            Action::Update,
            {
                let scheduler_role = format!("{name}-scheduler");
                move |cloud| {
                    cloud.put_role_policy(
                        &scheduler_role,
                        "added-in-the-console",
                        json!({"Effect": "Allow", "Action": "lambda:*", "Resource": "*"}),
                    )
                }
            },
        ))
        .step(drift(
            &cloud,
            &hcl(&base),
            Action::Update,
            Action::Update,
            {
                let runner_role = runner_role.clone();
                move |cloud| cloud.attach_own_policy(&runner_role)
            },
        ))
        // Another account may now assume the runner role, and read the API key with it.
        .step(drift(
            &cloud,
            &hcl(&base),
            Action::Update,
            Action::Update,
            {
                let runner_role = runner_role.clone();
                move |cloud| {
                    let trust = policy_document(json!({
                        "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
                        "Action": "sts:AssumeRole",
                    }));
                    cloud.runtime.block_on(
                        cloud
                            .iam
                            .update_assume_role_policy()
                            .role_name(&runner_role)
                            .policy_document(trust)
                            .send(),
                    )?;
                    Ok(())
                }
            },
        ))
        .step(drift(
            &cloud,
            &hcl(&base),
            Action::Delete,
            Action::Create,
            move |cloud| {
                cloud
                    .runtime
                    .block_on(cloud.scheduler.delete_schedule().name(name).send())?;
                Ok(())
            },
        ))
        .step(
            drift(
                &cloud,
                &hcl(&base),
                Action::Delete,
                Action::Create,
                move |cloud| {
                    cloud
                        .runtime
                        .block_on(cloud.lambda.delete_function().function_name(name).send())?;
                    Ok(())
                },
            )
            .state_check(code_matches_state(&cloud, name)),
        )
        .check_destroy(move |_| {
            let cloud = &cloud_for_check;
            let left = (
                cloud.function_names()?,
                cloud.schedule_names()?,
                cloud.role_names()?,
            );
            if left.0.is_empty() && left.1.is_empty() && left.2.is_empty() {
                Ok(())
            } else {
                Err(format!("destroy left functions, schedules, roles: {left:?}").into())
            }
        })
        .run();
}

#[test]
fn given_roles() {
    let cloud = Cloud::start();
    let name = "acc-given";
    let own_runner = "acc-own-runner";
    let own_scheduler = "acc-own-scheduler";
    let given = Settings {
        role_arn: Some(role_arn(own_runner)),
        scheduler_role_arn: Some(role_arn(own_scheduler)),
        pin_job: false,
        ..Settings::new(name)
    };
    let created_runner = Settings {
        role_arn: None,
        ..given.clone()
    };
    let hcl = |settings: &Settings| config(&cloud, settings);
    let created = format!("{name}-runner");
    let roles_are = |cloud: &Arc<Cloud>, expected: &'static [&'static str]| {
        let cloud = Arc::clone(cloud);
        StateCheck::custom("the roles in IAM", move |_| {
            let roles = cloud.role_names()?;
            let expected: BTreeSet<String> = expected.iter().map(|r| (*r).to_owned()).collect();
            if roles == expected {
                Ok(())
            } else {
                Err(format!("IAM has the roles {roles:?}, expected {expected:?}").into())
            }
        })
    };
    let cloud_for_check = Arc::clone(&cloud);

    test_case(cloud.provider())
        .sequential()
        .step(
            Step::config(hcl(&given))
                .pre_config(cloud.hook(move |cloud| {
                    cloud.write_bootstrap(1)?;
                    cloud.put_job()?;
                    cloud.own_role(own_runner, "lambda.amazonaws.com")?;
                    cloud.own_role(own_scheduler, "scheduler.amazonaws.com")?;
                    Ok(())
                }))
                .plan_check(PlanCheck::known(ADDR, "role_arn", role_arn(own_runner)))
                .plan_check(PlanCheck::known(ADDR, "job_file_sha256", job_sha256()))
                .state_check(StateCheck::attr(ADDR, "role_arn", role_arn(own_runner)))
                .state_check(StateCheck::attr(
                    ADDR,
                    "scheduler_role_arn",
                    role_arn(own_scheduler),
                ))
                .state_check(roles_are(&cloud, &["acc-own-runner", "acc-own-scheduler"])),
        )
        .step(Step::import(ADDR).verify())
        .step(
            Step::config(hcl(&created_runner))
                .plan_check(PlanCheck::action(ADDR, Action::Update))
                .plan_check(PlanCheck::unknown(ADDR, "role_arn"))
                .state_check(StateCheck::attr(ADDR, "role_arn", role_arn(&created)))
                .state_check(roles_are(
                    &cloud,
                    &["acc-given-runner", "acc-own-runner", "acc-own-scheduler"],
                )),
        )
        .step(
            Step::config(hcl(&given))
                .plan_check(PlanCheck::action(ADDR, Action::Update))
                .state_check(StateCheck::attr(ADDR, "role_arn", role_arn(own_runner)))
                .state_check(roles_are(&cloud, &["acc-own-runner", "acc-own-scheduler"])),
        )
        .check_destroy(move |_| {
            let cloud = &cloud_for_check;
            let roles = cloud.role_names()?;
            let functions = cloud.function_names()?;
            let schedules = cloud.schedule_names()?;
            if !functions.is_empty() || !schedules.is_empty() {
                return Err(format!("destroy left {functions:?} and {schedules:?}").into());
            }
            if !roles.contains(own_runner) || !roles.contains(own_scheduler) || roles.len() != 2 {
                return Err(format!(
                    "after destroy IAM has the roles {roles:?}; the user's two should stay"
                )
                .into());
            }
            Ok(())
        })
        .run();
}

#[test]
fn architectures() {
    let cloud = Cloud::start();
    let name = "acc-arch";
    let arm = Settings {
        architecture: Some("arm64"),
        ..Settings::new(name)
    };
    let intel = Settings {
        architecture: Some("x86_64"),
        ..arm.clone()
    };
    let hcl = |settings: &Settings| config(&cloud, settings);
    let runs_on = |cloud: &Arc<Cloud>, expected: &'static str| {
        let cloud = Arc::clone(cloud);
        StateCheck::custom("the function's architecture", move |_| {
            let architectures = cloud.architectures(name)?;
            if architectures == [expected] {
                Ok(())
            } else {
                Err(format!("the function runs on {architectures:?}, not {expected}").into())
            }
        })
    };
    let arm64_package = |cloud: &Arc<Cloud>| {
        let cloud = Arc::clone(cloud);
        StateCheck::custom("runner_sha256 is the arm64 bootstrap's", move |state| {
            let recorded = state.attr_str(ADDR, "runner_sha256")?;
            let packages = RunnerPackages::from_file(cloud.bootstrap());
            let arm64 = cloud
                .runtime
                .block_on(packages.load(Architecture::Arm64))
                .map_err(|e| e.to_string())?;
            if recorded == arm64.sha256() {
                Ok(())
            } else {
                Err(format!("the state records {recorded}, not the arm64 package").into())
            }
        })
    };

    test_case(cloud.provider())
        .sequential()
        .step(
            Step::config(hcl(&arm))
                .pre_config(cloud.hook(|cloud| {
                    cloud.write_bootstrap(1)?;
                    cloud.write_arm64_bootstrap()?;
                    cloud.put_job()?;
                    Ok(())
                }))
                .state_check(StateCheck::attr(ADDR, "architecture", "arm64"))
                .state_check(arm64_package(&cloud))
                .state_check(code_matches_state(&cloud, name))
                .state_check(runs_on(&cloud, "arm64")),
        )
        .step(Step::import(ADDR).verify())
        .step(
            drift(
                &cloud,
                &hcl(&arm),
                Action::Update,
                Action::Update,
                move |cloud| cloud.set_architecture(name, "x86_64"),
            )
            .state_check(runs_on(&cloud, "arm64"))
            .state_check(code_matches_state(&cloud, name)),
        )
        // In place, with the x86_64 package. moto keeps the architecture a function was created with
        // (its UpdateFunctionCode ignores `Architectures`, which Lambda applies), so its refresh still
        // reads arm64 afterwards and the next plan is not empty; against Lambda it is.
        .step(
            Step::config(hcl(&intel))
                .plan_check(PlanCheck::action(ADDR, Action::Update))
                .state_check(StateCheck::attr(ADDR, "architecture", "x86_64"))
                .state_check(code_matches_state(&cloud, name))
                .expect_non_empty_plan(),
        )
        .run();
}

//! The whole pipeline through Terraform against AWS as it answers in production: moto behind the test
//! kit's fault proxy, which throttles 10 % of the calls of every service in that service's own error
//! shape, refuses a role to Lambda and Scheduler for 2 s after IAM created it or changed who may assume
//! it, and keeps a function `Pending` or `InProgress` for 2 s after each create or update (answering 409
//! to a second update meanwhile); once, an update meets someone else's, begun after the provider saw
//! the function ready (409 too).
//!
//! On 1.11 and later: the quickstart's create (key in Secrets Manager, grant, job file, roles, function,
//! schedule); a provider upgrade that changes the runner's code and its environment in one apply; the
//! runner role's trust policy changed outside Terraform, shown as drift and repaired; destroy, which
//! leaves nothing. After each apply the plan is empty (the harness checks it), and the proxy's counts
//! show every fault was given.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tfplugin_framework::FrameworkServer;
use tfplugin_harness::{Action, BoxError, PlanCheck, ProviderSource, Step};
use tinesaudit_provider::{ADDRESS, TinesAuditProvider};
use tinesaudit_testkit::test_case;
use tinesaudit_testkit::{AwsEmulator, AwsFault, AwsFaults, FaultProxy, S3Server};

use crate::support::{OWNER_TOKEN, Tines, moto};

const SCHEDULE: &str = "tinesaudit_schedule.sync";
const NAME: &str = "acc-production";
const KEY_NAME: &str = "acc-production-pipeline";
const TOKEN: &str = "acc-production-pipeline-token";
const BUCKET: &str = "production";

/// Every AWS service the provider calls, as the proxy names them.
const SERVICES: [&str; 4] = ["iam", "lambda", "scheduler", "secretsmanager"];

struct World {
    tines: Arc<Tines>,
    aws: AwsEmulator,
    s3: S3Server,
    proxy: FaultProxy,
    iam: aws_sdk_iam::Client,
    lambda: aws_sdk_lambda::Client,
    scheduler: aws_sdk_scheduler::Client,
    secrets: aws_sdk_secretsmanager::Client,
    dir: tempfile::TempDir,
}

impl World {
    fn start() -> Arc<World> {
        let tines = Tines::start();
        let aws = moto();
        let s3 = S3Server::start().expect("SeaweedFS (run `cargo xtask tools`)");
        let faults = AwsFaults {
            throttle_ratio: 0.1,
            seed: 19,
            role_propagation: Duration::from_secs(2),
            function_settling: Duration::from_secs(2),
            racing_updates: 1,
        };
        let proxy = tines
            .block_on(FaultProxy::start_aws(aws.endpoint_url(), faults))
            .expect("fault proxy");
        tines.block_on(s3.create_bucket(BUCKET)).expect("bucket");
        // Behind the hooks' backs, straight to moto: what a person does in the console.
        let direct = aws.sdk_config();
        Arc::new(World {
            iam: aws_sdk_iam::Client::new(&direct),
            lambda: aws_sdk_lambda::Client::new(&direct),
            scheduler: aws_sdk_scheduler::Client::new(&direct),
            secrets: aws_sdk_secretsmanager::Client::new(&direct),
            tines,
            aws,
            s3,
            proxy,
            dir: tempfile::tempdir().expect("temporary folder"),
        })
    }

    fn write_bootstrap(&self, version: u32) -> Result<(), BoxError> {
        std::fs::write(
            self.dir.path().join("bootstrap"),
            format!("#!/bin/sh\necho 'tinesaudit-runner {version}'\n"),
        )?;
        Ok(())
    }

    fn provider(self: &Arc<Self>) -> ProviderSource {
        let world = Arc::clone(self);
        ProviderSource::in_process(ADDRESS, move || {
            FrameworkServer::new(
                TinesAuditProvider::new()
                    .with_env(|_| None)
                    .with_runner_bootstrap(world.dir.path().join("bootstrap"))
                    .with_aws_credentials(world.s3.access_key(), world.s3.secret_key()),
            )
        })
    }

    /// The quickstart's resources, with the runner's environment at `version`.
    fn config(&self, version: u32) -> String {
        format!(
            r#"terraform {{
  required_providers {{
    tinesaudit = {{ source = "tinesaudit/tinesaudit" }}
  }}
}}

provider "tinesaudit" {{
  tenant                  = {tenant:?}
  api_key                 = {OWNER_TOKEN:?}
  aws_region              = {region:?}
  aws_endpoint_url        = {proxy:?}
  aws_s3_endpoint_url     = {seaweed:?}
  aws_s3_force_path_style = true
}}

variable "pipeline_key" {{
  type      = string
  ephemeral = true
}}

resource "tinesaudit_api_key" "pipeline" {{
  name                    = "{KEY_NAME}"
  secret_wo               = var.pipeline_key
  secret_wo_version       = 1
  secret_name             = "tinesaudit/{KEY_NAME}"
  recovery_window_in_days = 0
}}

resource "tinesaudit_tenant_permissions" "pipeline" {{
  user_id     = tinesaudit_api_key.pipeline.user_id
  permissions = ["AUDIT_LOG_READ"]
}}

resource "tinesaudit_ingestion_job" "secops" {{
  name               = "secops"
  api_key_secret_arn = tinesaudit_api_key.pipeline.secret_arn
  bucket             = "{BUCKET}"
  depends_on         = [tinesaudit_tenant_permissions.pipeline]
}}

resource "tinesaudit_schedule" "sync" {{
  name     = "{NAME}"
  job_file = tinesaudit_ingestion_job.secops.job_file
  environment = {{
    RUNNER_RELEASE = "{version}"
  }}
}}
"#,
            tenant = self.tines.url(),
            region = self.aws.region(),
            proxy = self.proxy.endpoint_url(),
            seaweed = self.s3.endpoint_url(),
        )
    }

    /// Another account may assume the runner role: a change made in the console.
    fn open_runner_trust(&self) -> Result<(), BoxError> {
        let trust = json!({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
            "Action": "sts:AssumeRole",
        }]});
        self.tines.block_on(
            self.iam
                .update_assume_role_policy()
                .role_name(format!("{NAME}-runner"))
                .policy_document(trust.to_string())
                .send(),
        )?;
        Ok(())
    }

    /// What the pipeline left in AWS: roles, functions, schedules and secrets, by name.
    fn left_behind(&self) -> Result<BTreeSet<String>, BoxError> {
        self.tines.block_on(async {
            let mut left = BTreeSet::new();
            let roles = self.iam.list_roles().send().await?;
            left.extend(
                roles
                    .roles()
                    .iter()
                    .map(|r| format!("role {}", r.role_name())),
            );
            let functions = self.lambda.list_functions().send().await?;
            left.extend(
                functions
                    .functions()
                    .iter()
                    .filter_map(|f| f.function_name().map(|n| format!("function {n}"))),
            );
            let schedules = self.scheduler.list_schedules().send().await?;
            left.extend(
                schedules
                    .schedules()
                    .iter()
                    .filter_map(|s| s.name().map(|n| format!("schedule {n}"))),
            );
            let secrets = self.secrets.list_secrets().send().await?;
            left.extend(
                secrets
                    .secret_list()
                    .iter()
                    .filter_map(|s| s.name().map(|n| format!("secret {n}"))),
            );
            Ok::<_, BoxError>(left)
        })
    }
}

#[test]
fn the_pipeline_converges_on_aws_as_it_answers_in_production() {
    let world = World::start();
    let first = {
        let world = Arc::clone(&world);
        move |_: &tfplugin_harness::Context<'_>| -> Result<(), BoxError> {
            world.tines.reset()?;
            world.tines.new_key("service", KEY_NAME, TOKEN)?;
            world.write_bootstrap(1)
        }
    };
    let upgrade = {
        let world = Arc::clone(&world);
        move |_: &tfplugin_harness::Context<'_>| world.write_bootstrap(2)
    };
    let console_edit = {
        let world = Arc::clone(&world);
        move |_: &tfplugin_harness::Context<'_>| world.open_runner_trust()
    };
    let for_destroy = Arc::clone(&world);
    test_case(world.provider())
        .min_version(1, 11)
        .sequential()
        .env("TF_VAR_pipeline_key", TOKEN)
        .step(
            Step::config(world.config(1))
                .pre_config(first)
                .plan_check(PlanCheck::action(SCHEDULE, Action::Create)),
        )
        // A new provider release: another runner binary, and its environment changed in the same apply.
        .step(
            Step::config(world.config(2))
                .pre_config(upgrade)
                .plan_check(PlanCheck::action(SCHEDULE, Action::Update)),
        )
        .step(
            Step::config(world.config(2))
                .pre_config(console_edit)
                .plan_check(PlanCheck::drift(SCHEDULE, Action::Update))
                .plan_check(PlanCheck::action(SCHEDULE, Action::Update)),
        )
        .check_destroy(move |_| {
            let left = for_destroy.left_behind()?;
            if left.is_empty() {
                Ok(())
            } else {
                Err(format!("destroy left {left:?}").into())
            }
        })
        .run();

    let counts = world.proxy.aws_counts();
    for service in SERVICES {
        let throttled: u64 = counts
            .faults
            .iter()
            .filter(|((fault, call), _)| *fault == AwsFault::Throttled && call.service == service)
            .map(|(_, n)| n)
            .sum();
        assert!(throttled > 0, "{service} was never throttled:\n{counts}");
    }
    assert_eq!(
        counts.not_given(),
        [],
        "every fault was given, a racing update's 409 included:\n{counts}"
    );
}

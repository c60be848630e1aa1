//! The provider's job file drives the runner. `tinesaudit_ingestion_job`, applied through Terraform against
//! the simulator, moto and SeaweedFS, writes the job file; the runner's own settings code accepts it with
//! the values configured (every key a job-file key, attribute names mapped right); `tinesaudit-runner sync
//! --job s3://…` then delivers every seeded record with it, reading the key from the secret
//! `tinesaudit_api_key` stored; and a refresh shows the runner's checkpoint without a plan.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, Result, bail, ensure};
use serde_json::{Value, json};
use tfplugin_framework::FrameworkServer;
use tfplugin_harness::{BoxError, ProviderSource, StateCheck, Step};
use tinesaudit_provider::{ADDRESS, TinesAuditProvider};
use tinesaudit_runner::settings::{ApiKeySource, RawSettings, StartPoint};
use tinesaudit_runner::sink::{Compression, Format};
use tinesaudit_testkit::test_case;
use tinesaudit_testkit::{AwsEmulator, S3Server, Tools};

const JOB: &str = "tinesaudit_ingestion_job.secops";
const BUCKET: &str = "e2e-secops-audit";
const JOB_KEY: &str = "tinesaudit/jobs/secops.json";
const PIPELINE_KEY: &str = "secops-pipeline";
const SEEDED: u64 = 240;

/// Everything the hooks (plain threads) need, with a runtime to drive the async clients.
struct World {
    // Dropped before the runtime that serves it.
    sim: tines_sim::RunningSimulator,
    runtime: tokio::runtime::Runtime,
    aws: AwsEmulator,
    s3_server: S3Server,
    s3: aws_sdk_s3::Client,
    owner_token: String,
    pipeline_token: String,
}

impl World {
    fn start() -> Result<World> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()?;
        let sim = runtime.block_on(tines_sim::spawn(tines_sim::Behaviour::default()))?;
        let aws = AwsEmulator::start()?;
        let s3_server = S3Server::start()?;
        let s3 = s3_server.client();
        runtime.block_on(s3_server.create_bucket(BUCKET))?;
        let mut world = World {
            sim,
            runtime,
            aws,
            s3_server,
            s3,
            owner_token: String::new(),
            pipeline_token: String::new(),
        };
        world.owner_token = world.new_key("tenant_owner", "terraform")?;
        world.pipeline_token = world.new_key("service", PIPELINE_KEY)?;
        let now = jiff::Timestamp::now();
        world.control(
            "/_sim/events",
            json!({
                "count": SEEDED,
                "from": (now - jiff::SignedDuration::from_hours(2)).to_string(),
                "to": (now - jiff::SignedDuration::from_mins(5)).to_string(),
            }),
        )?;
        Ok(world)
    }

    fn control(&self, path: &str, body: Value) -> Result<Value> {
        let url = format!("{}{path}", self.sim.base_url());
        self.runtime.block_on(async {
            let response = reqwest::Client::new()
                .post(url)
                .json(&body)
                .send()
                .await?
                .error_for_status()?;
            Ok(response.json().await?)
        })
    }

    fn new_key(&self, kind: &str, name: &str) -> Result<String> {
        let key = self.control("/_sim/keys", json!({"kind": kind, "name": name}))?;
        Ok(key["token"].as_str().context("a token")?.to_owned())
    }

    fn object(&self, key: &str) -> Result<Option<Vec<u8>>> {
        self.runtime.block_on(async {
            match self.s3.get_object().bucket(BUCKET).key(key).send().await {
                Ok(output) => Ok(Some(output.body.collect().await?.to_vec())),
                Err(e) if e.as_service_error().is_some_and(|e| e.is_no_such_key()) => Ok(None),
                Err(e) => Err(e.into()),
            }
        })
    }

    fn config(&self) -> String {
        format!(
            r#"terraform {{
  required_providers {{
    tinesaudit = {{ source = "tinesaudit/tinesaudit" }}
  }}
}}

provider "tinesaudit" {{
  tenant                  = "{tenant}"
  api_key                 = var.owner_key
  aws_region              = "{region}"
  aws_endpoint_url        = "{moto}"
  aws_s3_endpoint_url     = "{s3}"
  aws_s3_force_path_style = true
}}

variable "owner_key" {{
  type      = string
  sensitive = true
}}

variable "pipeline_key" {{
  type      = string
  sensitive = true
}}

resource "tinesaudit_api_key" "pipeline" {{
  name                    = "{PIPELINE_KEY}"
  secret                  = var.pipeline_key
  secret_name             = "tinesaudit/e2e-pipeline"
  recovery_window_in_days = 0
}}

resource "tinesaudit_tenant_permissions" "pipeline" {{
  user_id     = tinesaudit_api_key.pipeline.user_id
  permissions = ["AUDIT_LOG_READ"]
}}

resource "tinesaudit_ingestion_job" "secops" {{
  name                = "secops"
  api_key_secret_arn  = tinesaudit_api_key.pipeline.secret_arn
  bucket              = "{BUCKET}"
  prefix              = "logs/tines/"
  lookback_seconds    = 10800
  page_size           = 50
  max_pages_per_run   = 100
  requests_per_minute = 6000
  compression         = "gzip"
  depends_on          = [tinesaudit_tenant_permissions.pipeline]
}}
"#,
            tenant = self.sim.base_url(),
            region = self.aws.region(),
            moto = self.aws.endpoint_url(),
            s3 = self.s3_server.endpoint_url(),
        )
    }

    /// The runner as a scheduler would start it: its job file, and AWS endpoints and credentials from the
    /// environment (SeaweedFS's; moto takes any).
    fn runner(&self, binary: &PathBuf, arn_for_checks: &str) -> Result<Value> {
        let output = Command::new(binary)
            .arg("sync")
            .env_clear()
            .env("JOB_FILE", format!("s3://{BUCKET}/{JOB_KEY}"))
            .env("S3_FORCE_PATH_STYLE", "true")
            .env("AWS_ENDPOINT_URL_S3", self.s3_server.endpoint_url())
            .env("AWS_ENDPOINT_URL_SECRETS_MANAGER", self.aws.endpoint_url())
            .env("AWS_ACCESS_KEY_ID", self.s3_server.access_key())
            .env("AWS_SECRET_ACCESS_KEY", self.s3_server.secret_key())
            .env("AWS_REGION", self.s3_server.region())
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .output()?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        ensure!(
            output.status.success(),
            "the runner failed ({}):\n{stdout}\n{stderr}",
            output.status
        );
        ensure!(
            !stdout.contains(&self.pipeline_token) && !stderr.contains(&self.pipeline_token),
            "the runner printed the key read from {arn_for_checks}"
        );
        Ok(serde_json::from_str(stdout.trim())?)
    }
}

/// The job file as the runner's settings code reads it: refused keys or values fail here, and the values
/// must be the ones configured.
fn runner_accepts(job_file: &[u8], arn: &str, tenant: &str) -> Result<()> {
    let job: Value = serde_json::from_slice(job_file)?;
    let mut raw = RawSettings::default();
    raw.add_job(&job)?;
    ensure!(
        raw.missing_required().is_empty(),
        "the job file lacks {:?}",
        raw.missing_required()
    );
    let settings = raw.resolve()?;
    let checks = [
        ("bucket", settings.bucket == BUCKET),
        ("prefix", settings.prefix == "logs/tines/"),
        (
            "state_key",
            settings.state_key == "tinesaudit/state/secops.json",
        ),
        ("tenant", settings.tenant == tenant),
        (
            "api_key_secret_arn",
            settings.api_key == ApiKeySource::SecretsManager(arn.to_owned()),
        ),
        (
            "lookback_seconds",
            settings.start == StartPoint::Lookback(Duration::from_secs(10800)),
        ),
        ("page_size", settings.page_size == 50),
        ("max_pages_per_run", settings.max_pages == 100),
        ("requests_per_minute", settings.requests_per_minute == 6000),
        ("format", settings.format == Format::Ndjson),
        ("compression", settings.compression == Compression::Gzip),
    ];
    let wrong: Vec<&str> = checks
        .iter()
        .filter(|(_, ok)| !ok)
        .map(|(name, _)| *name)
        .collect();
    if !wrong.is_empty() {
        bail!("the runner read {wrong:?} differently from the configuration: {settings:?}");
    }
    Ok(())
}

#[test]
fn the_runner_syncs_with_the_job_file_the_provider_wrote() -> Result<()> {
    // The runner as shipped (`cargo xtask bundle`): Cargo builds only the tested package's binaries.
    let runner = tinesaudit_testkit::runner_bootstrap()?;
    let world = Arc::new(World::start()?);
    let newest = Tools::locate()?.newest_terraform_cli()?;
    let (access_key, secret_key) = (
        world.s3_server.access_key().to_owned(),
        world.s3_server.secret_key().to_owned(),
    );
    let source = ProviderSource::in_process(ADDRESS, move || {
        FrameworkServer::new(
            TinesAuditProvider::new().with_aws_credentials(&access_key, &secret_key),
        )
    });

    let sync = Arc::clone(&world);
    let gone = Arc::clone(&world);
    test_case(source)
        .clis(vec![newest])
        .env("TF_VAR_owner_key", &world.owner_token)
        .env("TF_VAR_pipeline_key", &world.pipeline_token)
        .step(Step::config(world.config()).state_check(StateCheck::attr(
            JOB,
            "last_checkpoint",
            Value::Null,
        )))
        .step(
            Step::refresh()
                .pre_config(move |ctx| -> Result<(), BoxError> {
                    let state = ctx.state()?;
                    let arn = state.attr_str(JOB, "api_key_secret_arn")?.to_owned();
                    let file = sync
                        .object(JOB_KEY)?
                        .ok_or("the provider wrote no job file")?;
                    runner_accepts(&file, &arn, sync.sim.base_url())?;
                    let summary = sync.runner(&runner, &arn)?;
                    if summary["outcome"] != "completed" || summary["records"] != SEEDED {
                        return Err(format!(
                            "expected all {SEEDED} records delivered, the runner said {summary}"
                        )
                        .into());
                    }
                    Ok(())
                })
                .state_check(StateCheck::attr_set(JOB, "last_checkpoint"))
                .state_check(StateCheck::attr_set(JOB, "lag_seconds")),
        )
        .check_destroy(move |_| {
            if gone.object(JOB_KEY)?.is_some() {
                return Err("destroy left the job file".into());
            }
            if gone.object("tinesaudit/state/secops.json")?.is_none() {
                return Err("destroy removed the runner's state".into());
            }
            Ok(())
        })
        .run();
    Ok(())
}

//! `examples/quickstart` for real, on loopback: a simulated Tines tenant, SeaweedFS for S3, moto for the
//! rest of AWS, a Terraform CLI applying the example with the provider from the dist folder, and then what
//! the schedule would run: the deployed function's package and environment, read back from AWS, run under
//! a Lambda runtime API emulator with the schedule's input.
//!
//! `cargo xtask demo` prints it step by step; the e2e suite asserts on it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};
use base64::Engine as _;
use serde_json::{Value, json};
use tinesaudit_provider::{Architecture, BOOTSTRAP_FILE_NAME, RunnerPackages};
use tinesaudit_testkit::{AwsEmulator, LambdaEmulator, S3Server, ScratchDir, TerraformCli, Tools};

/// The bucket the example writes to; the example expects it to exist.
pub const BUCKET: &str = "secops-tines-audit";
const PIPELINE_KEY_NAME: &str = "secops-audit-pipeline";
const SCHEDULE_NAME: &str = "tines-audit";
/// How far behind now the runner's windows end, here and in `verify`. Records arrive all through the
/// demo; with the default (60 s) a run would deliver only what arrived a minute before it, so the demo
/// would wait minutes before a scheduled run found anything new. The simulator has no late commits
/// for the margin to cover.
pub const SETTLE_SECONDS: u64 = 10;
/// The saved plan's file, in the example's folder.
const SAVED_PLAN: &str = "quickstart.tfplan";

/// A request to the simulator's control API (`/_sim/...`): seeding keys, users and events (POST),
/// changing a user as an admin would in the Tines UI (PATCH).
pub async fn sim_send(
    http: &reqwest::Client,
    tines: &tines_sim::RunningSimulator,
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> Result<Value> {
    Ok(http
        .request(method, format!("{}{path}", tines.base_url()))
        .json(&body)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?)
}

/// Rewrites the example in `dir` as the API key's docs tell users of Terraform before 1.11 to
/// write it: those CLIs refuse write-only arguments and ephemeral variables, so the key goes in as
/// `secret`, from variables that are not ephemeral, and the version constraint goes. Each line it
/// replaces must be there as many times as the example has it today, so that a change to the
/// example cannot leave this variant applying something else unnoticed.
fn before_terraform_1_11(dir: &Path) -> Result<()> {
    let rewrite = |file: &str, edit: &dyn Fn(&str) -> Option<Option<String>>, expected: usize| {
        let path = dir.join(file);
        let text = std::fs::read_to_string(&path)?;
        let mut edited = 0;
        let mut lines = Vec::new();
        for line in text.lines() {
            match edit(line.trim()) {
                Some(replacement) => {
                    edited += 1;
                    lines.extend(replacement);
                }
                None => lines.push(line.to_owned()),
            }
        }
        ensure!(
            edited == expected,
            "{file}: {edited} lines to rewrite for Terraform before 1.11, expected {expected}"
        );
        std::fs::write(&path, lines.join("\n") + "\n")?;
        anyhow::Ok(())
    };
    fn words(line: &str) -> Vec<&str> {
        line.split_whitespace().collect()
    }
    rewrite(
        "main.tf",
        &|line| match words(line).as_slice() {
            ["required_version", ..] | ["secret_wo_version", ..] => Some(None),
            ["secret_wo", "=", value] => Some(Some(format!("  secret = {value}"))),
            _ => None,
        },
        3,
    )?;
    rewrite(
        "variables.tf",
        &|line| (words(line) == ["ephemeral", "=", "true"]).then_some(None),
        2,
    )
}

/// Everything the example runs against, started and seeded.
pub struct Quickstart {
    pub tines: tines_sim::RunningSimulator,
    pub s3: S3Server,
    pub aws: AwsEmulator,
    terraform: TerraformCli,
    /// The CA file Terraform trusts (`SSL_CERT_FILE`) when it installs the provider over HTTPS.
    ca_file: Option<PathBuf>,
    workdir: ScratchDir,
    dist: PathBuf,
    owner_token: String,
    pipeline_token: String,
    /// The pipeline key's service account.
    pipeline_user_id: u64,
    /// Where Terraform sends its AWS calls: moto, or a proxy in front of it.
    aws_endpoint_for_terraform: String,
    http: reqwest::Client,
}

impl Quickstart {
    /// A tenant with `records` audit records spread over the last six hours (and `arrivals_per_second`
    /// more arriving), an owner key for Terraform, the pipeline's service key without any permission yet,
    /// an empty bucket, and the example copied into a scratch folder.
    pub async fn start(records: u64, arrivals_per_second: u64) -> Result<Quickstart> {
        let terraform = Tools::locate()?.newest_terraform_cli()?;
        Quickstart::start_on(terraform, records, arrivals_per_second).await
    }

    /// The same, applied by `terraform`. Before 1.11 the example is applied as the API key's docs
    /// tell users of those CLIs to write it ([`before_terraform_1_11`]).
    pub async fn start_on(
        terraform: TerraformCli,
        records: u64,
        arrivals_per_second: u64,
    ) -> Result<Quickstart> {
        let bootstrap = tinesaudit_testkit::runner_bootstrap()?;
        let dist = bootstrap
            .parent()
            .context("the bootstrap has no folder")?
            .to_path_buf();
        ensure!(
            dist.join("terraform-provider-tinesaudit").is_file(),
            "{} has no terraform-provider-tinesaudit; run `cargo xtask bundle`",
            dist.display()
        );

        let tines = tines_sim::spawn(tines_sim::Behaviour::default()).await?;
        let http = reqwest::Client::new();
        let control = async |path: &str, body: Value| {
            sim_send(&http, &tines, reqwest::Method::POST, path, body).await
        };
        let owner = control(
            "/_sim/keys",
            json!({"kind": "tenant_owner", "name": "platform-admin"}),
        )
        .await?;
        let pipeline = control(
            "/_sim/keys",
            json!({"kind": "service", "name": PIPELINE_KEY_NAME}),
        )
        .await?;
        let now = jiff::Timestamp::now();
        // Ending a settling time ago, so that the first run delivers every seeded record, and only
        // that long ago, so that arrivals follow on closely.
        let settled = jiff::SignedDuration::from_secs(SETTLE_SECONDS.cast_signed());
        // The simulator refuses to seed no records; a tenant without any is simply not seeded.
        if records > 0 {
            control(
                "/_sim/events",
                json!({
                    "count": records,
                    "from": now - jiff::SignedDuration::from_hours(6),
                    "to": now - settled,
                }),
            )
            .await?;
        }
        if arrivals_per_second > 0 {
            http.put(format!("{}/_sim/events/stream", tines.base_url()))
                .json(&json!({"rate_per_second": arrivals_per_second}))
                .send()
                .await?
                .error_for_status()?;
        }

        // Side by side: moto's Python start-up is most of the wait.
        let s3 = tokio::task::spawn_blocking(S3Server::start);
        let aws = tokio::task::spawn_blocking(AwsEmulator::start);
        let (s3, aws) = (s3.await??, aws.await??);
        s3.create_bucket(BUCKET).await?;

        let workdir = ScratchDir::new("quickstart")?;
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/quickstart");
        for entry in std::fs::read_dir(&example)? {
            let entry = entry?;
            if entry.path().extension().is_some_and(|ext| ext == "tf") {
                std::fs::copy(entry.path(), workdir.path().join(entry.file_name()))?;
            }
        }
        if !terraform.at_least(1, 11) {
            before_terraform_1_11(workdir.path())?;
        }
        // The provider from the dist folder, where its runner package lies beside it; no registry.
        std::fs::write(
            workdir.path().join("cli.tfrc"),
            format!(
                "provider_installation {{\n  dev_overrides {{\n    \"tinesaudit/tinesaudit\" = {:?}\n  }}\n  direct {{}}\n}}\n",
                dist.display().to_string()
            ),
        )?;
        Ok(Quickstart {
            owner_token: owner["token"].as_str().unwrap_or_default().to_owned(),
            pipeline_token: pipeline["token"].as_str().unwrap_or_default().to_owned(),
            pipeline_user_id: pipeline["user_id"]
                .as_u64()
                .context("the simulator made a service key without a user")?,
            aws_endpoint_for_terraform: aws.endpoint_url().to_owned(),
            tines,
            s3,
            aws,
            terraform,
            ca_file: None,
            workdir,
            dist,
            http,
        })
    }

    /// Installs the provider as `cli_config` (a CLI configuration's text) says instead of from the
    /// dist folder, trusting the HTTPS servers that `ca_file` signed; `terraform init` comes next.
    pub fn install_from(&mut self, cli_config: &str, ca_file: &Path) -> Result<()> {
        std::fs::write(self.cli_config(), cli_config)?;
        self.ca_file = Some(ca_file.to_owned());
        Ok(())
    }

    /// Sends Terraform's AWS calls (not S3's, nor the deployed runner's) to `endpoint`, e.g. a
    /// `FaultProxy` in front of [`Self::aws`].
    pub fn route_terraform_aws_calls(&mut self, endpoint: String) {
        self.aws_endpoint_for_terraform = endpoint;
    }

    pub fn terraform_version(&self) -> &str {
        &self.terraform.version
    }

    pub fn tenant_url(&self) -> &str {
        self.tines.base_url()
    }

    /// The example's folder, where its state is.
    pub fn workdir(&self) -> &Path {
        self.workdir.path()
    }

    /// The CLI config that installs the provider from the dist folder.
    pub fn cli_config(&self) -> PathBuf {
        self.workdir.path().join("cli.tfrc")
    }

    pub fn terraform_path(&self) -> &Path {
        &self.terraform.path
    }

    /// The shipped runner, which the schedule's function runs and `verify` is a subcommand of.
    pub fn bootstrap(&self) -> PathBuf {
        self.dist.join(BOOTSTRAP_FILE_NAME)
    }

    /// The folder the provider is installed from, with the runner's bootstrap beside it.
    pub fn dist(&self) -> &Path {
        &self.dist
    }

    pub fn pipeline_key_name(&self) -> &str {
        PIPELINE_KEY_NAME
    }

    pub fn pipeline_user_id(&self) -> u64 {
        self.pipeline_user_id
    }

    /// The example's variables for the local servers, and the AWS credentials, as Terraform gets
    /// them.
    pub fn terraform_env(&self) -> Vec<EnvVar> {
        let runner_environment = json!({
            "AWS_ENDPOINT_URL": self.aws.endpoint_url(),
            "AWS_ENDPOINT_URL_S3": self.s3.endpoint_url(),
            "S3_FORCE_PATH_STYLE": "true",
            "SETTLE_SECONDS": SETTLE_SECONDS.to_string(),
        });
        let mut env = vec![
            EnvVar::plain("TF_VAR_tines_tenant", self.tines.base_url()),
            EnvVar::secret("TF_VAR_tines_owner_key", &self.owner_token),
            EnvVar::plain("TF_VAR_pipeline_key_name", PIPELINE_KEY_NAME),
            EnvVar::secret("TF_VAR_pipeline_key", &self.pipeline_token),
            EnvVar::plain("TF_VAR_secret_recovery_window_in_days", "0"),
            EnvVar::plain("TF_VAR_bucket", BUCKET),
            EnvVar::plain("TF_VAR_lookback_seconds", (8 * 3600).to_string()),
            EnvVar::plain("TF_VAR_aws_region", self.aws.region()),
            EnvVar::plain("TF_VAR_aws_endpoint_url", &self.aws_endpoint_for_terraform),
            EnvVar::plain("TF_VAR_s3_endpoint_url", self.s3.endpoint_url()),
            EnvVar::plain("TF_VAR_runner_environment", runner_environment.to_string()),
        ];
        // One credential pair for both servers: SeaweedFS checks it, moto accepts anything.
        env.extend(self.aws_env(self.aws.region()));
        env
    }

    /// What `tinesaudit-runner verify` needs, with the pipeline's key.
    pub fn verify_env(&self) -> Vec<EnvVar> {
        let mut env = vec![
            EnvVar::plain("S3_BUCKET", BUCKET),
            EnvVar::plain("TINES_BASE_URL", self.tines.base_url()),
            EnvVar::secret("TINES_API_KEY", &self.pipeline_token),
            EnvVar::plain("S3_FORCE_PATH_STYLE", "true"),
            EnvVar::plain("SETTLE_SECONDS", SETTLE_SECONDS.to_string()),
            EnvVar::plain("AWS_ENDPOINT_URL", self.s3.endpoint_url()),
        ];
        env.extend(self.aws_env(self.s3.region()));
        env
    }

    fn aws_env(&self, region: &str) -> [EnvVar; 4] {
        [
            EnvVar::secret("AWS_ACCESS_KEY_ID", self.s3.access_key()),
            EnvVar::secret("AWS_SECRET_ACCESS_KEY", self.s3.secret_key()),
            EnvVar::plain("AWS_REGION", region),
            EnvVar::plain("AWS_EC2_METADATA_DISABLED", "true"),
        ]
    }

    /// `terraform <args>` in the example's folder with its variables set for the local servers.
    pub fn terraform(&self, args: &[&str]) -> tokio::process::Command {
        let mut command = self.terraform.command(self.cli_config());
        command.current_dir(self.workdir.path()).args(args);
        for var in self.terraform_env() {
            command.env(var.name, var.value);
        }
        if let Some(ca_file) = &self.ca_file {
            command.env("SSL_CERT_FILE", ca_file);
        }
        command.into()
    }

    /// Runs `terraform <args>`, returning its output, failing with it when Terraform fails.
    pub async fn run_terraform(&self, args: &[&str]) -> Result<String> {
        let output = self.terraform(args).output().await?;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        if !output.status.success() {
            bail!("`terraform {}` failed:\n{text}", args.join(" "));
        }
        Ok(text)
    }

    /// `terraform apply` of the example.
    pub async fn apply(&self) -> Result<String> {
        self.run_terraform(&["apply", "-auto-approve", "-no-color"])
            .await
    }

    /// Whether `terraform plan` proposes nothing (exit code 0 of `-detailed-exitcode`), and its text.
    pub async fn plan_is_empty(&self) -> Result<(bool, String)> {
        let output = self
            .terraform(&["plan", "-detailed-exitcode", "-no-color"])
            .output()
            .await?;
        let text = String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr);
        match output.status.code() {
            Some(0) => Ok((true, text)),
            Some(2) => Ok((false, text)),
            _ => bail!("`terraform plan` failed:\n{text}"),
        }
    }

    /// `terraform plan -out` of the example into a saved plan, and where the owner or the pipeline key is in
    /// it: in what `terraform show -json` prints of it, or in a file it holds. Places only, never a key.
    pub async fn save_plan(&self) -> Result<Vec<String>> {
        self.run_terraform(&["plan", "-no-color", &format!("-out={SAVED_PLAN}")])
            .await?;
        let mut places = vec![(
            "terraform show -json".to_owned(),
            self.run_terraform(&["show", "-json", SAVED_PLAN])
                .await?
                .into_bytes(),
        )];
        places.extend(tinesaudit_testkit::saved_plan_files(
            &self.workdir.path().join(SAVED_PLAN),
        )?);
        Ok(places
            .iter()
            .flat_map(|(place, bytes)| {
                self.keys_in(bytes)
                    .into_iter()
                    .map(move |name| format!("{name} in {place}"))
            })
            .collect())
    }

    /// Which of the owner and the pipeline key `bytes` holds, by name.
    pub fn keys_in(&self, bytes: &[u8]) -> Vec<&'static str> {
        [
            ("owner key", &self.owner_token),
            ("pipeline key", &self.pipeline_token),
        ]
        .into_iter()
        .filter(|(_, key)| bytes.windows(key.len()).any(|w| w == key.as_bytes()))
        .map(|(name, _)| name)
        .collect()
    }

    /// `terraform apply` of the plan [`Self::save_plan`] saved; ephemeral variables are given again, as
    /// Terraform requires.
    pub async fn apply_saved_plan(&self) -> Result<String> {
        self.run_terraform(&["apply", "-no-color", SAVED_PLAN])
            .await
    }

    /// `terraform destroy` of the example.
    pub async fn destroy(&self) -> Result<String> {
        self.run_terraform(&["destroy", "-auto-approve", "-no-color"])
            .await
    }

    /// What the schedule points at, read back from AWS: the function, its environment and package hash,
    /// and the input the schedule sends. Fails unless the deployed package is the one the provider builds
    /// from the dist folder's bootstrap, which [`Self::scheduled_run`] then runs.
    pub async fn deployed(&self) -> Result<Deployed> {
        let config = self.aws.sdk_config();
        let scheduler = aws_sdk_scheduler::Client::new(&config);
        let schedule = scheduler.get_schedule().name(SCHEDULE_NAME).send().await?;
        let target = schedule.target().context("the schedule has no target")?;
        let function = aws_sdk_lambda::Client::new(&config)
            .get_function_configuration()
            .function_name(target.arn())
            .send()
            .await?;
        let deployed = Deployed {
            schedule_expression: schedule
                .schedule_expression()
                .unwrap_or_default()
                .to_owned(),
            schedule_enabled: schedule.state()
                == Some(&aws_sdk_scheduler::types::ScheduleState::Enabled),
            input: target.input().unwrap_or("{}").to_owned(),
            function_arn: function.function_arn().unwrap_or_default().to_owned(),
            runtime: function
                .runtime()
                .map(|runtime| runtime.as_str().to_owned())
                .unwrap_or_default(),
            handler: function.handler().unwrap_or_default().to_owned(),
            timeout_seconds: function.timeout().unwrap_or_default(),
            code_sha256: base64::engine::general_purpose::STANDARD
                .decode(function.code_sha256().unwrap_or_default())
                .map(|digest| digest.iter().map(|byte| format!("{byte:02x}")).collect())
                .unwrap_or_default(),
            environment: function
                .environment()
                .and_then(|env| env.variables())
                .map(|vars| vars.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
        };
        let local = self.local_package_sha256().await?;
        ensure!(
            local == deployed.code_sha256,
            "the deployed package ({}) is not the one built from {} ({local})",
            deployed.code_sha256,
            self.bootstrap().display()
        );
        Ok(deployed)
    }

    /// The SHA-256 (hex) of the deployment package the provider builds from the dist folder's bootstrap.
    async fn local_package_sha256(&self) -> Result<String> {
        let package = RunnerPackages::from_file(self.bootstrap())
            .load(Architecture::X86_64)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(package.sha256().to_owned())
    }

    /// One scheduled invocation: the dist folder's `bootstrap` (checked by [`Self::deployed`] to be the
    /// deployed package) started as Lambda starts it, with the function's environment, under a runtime API
    /// emulator, invoked with the schedule's input. Returns the runner's summary.
    pub async fn scheduled_run(&self, deployed: &Deployed) -> Result<Value> {
        let emulator = tokio::task::spawn_blocking(LambdaEmulator::start).await??;
        let mut function = tokio::process::Command::new(self.bootstrap());
        function
            .env_clear()
            .envs(&deployed.environment)
            .env("AWS_LAMBDA_RUNTIME_API", emulator.runtime_api())
            // What Lambda gives the function from its execution role.
            .env("AWS_ACCESS_KEY_ID", self.s3.access_key())
            .env("AWS_SECRET_ACCESS_KEY", self.s3.secret_key())
            .env("AWS_REGION", self.aws.region())
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true);
        let mut function = function.spawn().context("starting the bootstrap")?;
        // Read as it comes, so that a full pipe never stalls the function.
        let mut stderr = function.stderr.take().context("the bootstrap's stderr")?;
        let log = tokio::spawn(async move {
            let mut log = String::new();
            let _ = tokio::io::AsyncReadExt::read_to_string(&mut stderr, &mut log).await;
            log
        });
        let input = deployed.input.clone();
        let timeout =
            Duration::from_secs(u64::try_from(deployed.timeout_seconds).unwrap_or(1).max(1));
        let invocation =
            tokio::task::spawn_blocking(move || emulator.invoke(&input, timeout)).await??;
        let _ = function.kill().await;
        let log = log.await?;
        ensure!(
            invocation.succeeded,
            "the invocation failed: {}\n{log}",
            invocation.output
        );
        // The runner hashes the job file it reads as the provider did when it deployed the function.
        ensure!(
            !log.contains("JOB_FILE_SHA256"),
            "the function found another job file than the one it was deployed with:\n{log}"
        );
        serde_json::from_str(invocation.output.trim())
            .with_context(|| format!("not a summary: {}", invocation.output))
    }

    /// `tinesaudit-runner verify` over `from..to` with the pipeline's key: S3 against Tines, run by the
    /// shipped runner (a subcommand makes the bootstrap an ordinary command line).
    pub async fn verify(&self, from: jiff::Timestamp, to: jiff::Timestamp) -> Result<Value> {
        let mut command = tokio::process::Command::new(self.bootstrap());
        command
            .args([
                "verify",
                "--from",
                &from.to_string(),
                "--to",
                &to.to_string(),
            ])
            .env_clear();
        for var in self.verify_env() {
            command.env(var.name, var.value);
        }
        let output = command.output().await?;
        serde_json::from_slice(output.stdout.trim_ascii()).with_context(|| {
            format!(
                "verify printed no report: {}",
                String::from_utf8_lossy(&output.stderr)
            )
        })
    }

    /// The bucket's objects, as (key, size), in key order.
    pub async fn objects(&self) -> Result<Vec<(String, i64)>> {
        let s3 = self.s3.client();
        let mut objects = Vec::new();
        let mut pages = s3.list_objects_v2().bucket(BUCKET).into_paginator().send();
        while let Some(page) = pages.next().await {
            for object in page?.contents() {
                objects.push((
                    object.key().unwrap_or_default().to_owned(),
                    object.size().unwrap_or_default(),
                ));
            }
        }
        Ok(objects)
    }

    /// An object's bytes.
    pub async fn object(&self, key: &str) -> Result<Vec<u8>> {
        self.get_object(BUCKET, key).await
    }

    async fn get_object(&self, bucket: &str, key: &str) -> Result<Vec<u8>> {
        let body = self
            .s3
            .client()
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await?;
        Ok(body.body.collect().await?.into_bytes().to_vec())
    }

    /// Sets the tenant permissions of the pipeline key's service account as an admin would in the
    /// Tines UI, behind Terraform's back.
    pub async fn set_pipeline_permissions_in_ui(&self, permissions: &[&str]) -> Result<()> {
        sim_send(
            &self.http,
            &self.tines,
            reqwest::Method::PATCH,
            &format!("/_sim/users/{}", self.pipeline_user_id),
            json!({ "tenant_permissions": permissions }),
        )
        .await
        .map(drop)
    }

    /// The pipeline key's service account as the admin API shows it, read with the owner key.
    pub async fn pipeline_user(&self) -> Result<tines_client::User> {
        let config = tines_client::Config::new(self.tines.base_url(), self.owner_token.as_str());
        Ok(tines_client::Client::new(config)?
            .get_user(self.pipeline_user_id)
            .await?)
    }

    /// The job file the deployed function reads (`JOB_FILE`, an `s3://` URL), as JSON.
    pub async fn job_file(&self, deployed: &Deployed) -> Result<Value> {
        let url = deployed
            .environment
            .get("JOB_FILE")
            .context("the function has no JOB_FILE")?;
        let (bucket, key) = url
            .strip_prefix("s3://")
            .and_then(|rest| rest.split_once('/'))
            .with_context(|| format!("JOB_FILE {url} is not s3://BUCKET/KEY"))?;
        Ok(serde_json::from_slice(
            &self.get_object(bucket, key).await?,
        )?)
    }

    /// Every audit-log id the tenant holds, from the simulator's control API.
    pub async fn tines_ids(&self) -> Result<Vec<u64>> {
        let ids: Value = self
            .http
            .get(format!("{}/_sim/events/ids", self.tines.base_url()))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok(ids["ids"]
            .as_array()
            .map(|ids| ids.iter().filter_map(Value::as_u64).collect())
            .unwrap_or_default())
    }
}

/// An environment variable of a command the demo runs, which a user may run again by hand.
pub struct EnvVar {
    pub name: &'static str,
    pub value: String,
    /// A key or credential: never printed.
    pub secret: bool,
}

impl EnvVar {
    fn plain(name: &'static str, value: impl Into<String>) -> EnvVar {
        EnvVar {
            name,
            value: value.into(),
            secret: false,
        }
    }

    fn secret(name: &'static str, value: impl Into<String>) -> EnvVar {
        EnvVar {
            name,
            value: value.into(),
            secret: true,
        }
    }
}

/// What the schedule runs, as AWS holds it.
#[derive(Debug)]
pub struct Deployed {
    pub schedule_expression: String,
    pub schedule_enabled: bool,
    pub input: String,
    pub function_arn: String,
    pub runtime: String,
    pub handler: String,
    pub timeout_seconds: i32,
    /// Lambda's `CodeSha256`, in hex like `runner_sha256`.
    pub code_sha256: String,
    pub environment: BTreeMap<String, String>,
}

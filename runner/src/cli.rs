//! The command line: `sync`, `backfill`, `verify` and `adopt-state`, their exit codes, and wiring settings
//! into an [`Engine`].
//!
//! Exit codes:
//! - 0: the run did its work (`completed`, `partial` or `skipped`), or `verify` found nothing amiss;
//! - 1: the run failed (Tines, S3 or the state object), or `verify` found missing or duplicated records;
//! - 2: the configuration or command line was refused before any work;
//! - 3: the run lost its lease to another run and stopped without moving the checkpoint.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::ffi::OsString;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use clap::parser::ValueSource;
use clap::{ArgAction, ArgMatches, Args, Command, FromArgMatches, Parser, Subcommand};
use jiff::Timestamp;
use tines_client::{Client, Config, RateLimits, Secret};

use crate::aws_error::{self, Endpoint};
use crate::pipeline::{Engine, Progress, Summary};
use crate::progress;
use crate::settings::{ApiKeySource, FIELDS, RawSettings, Settings, parse_time};
use crate::store::ObjectStore;
use crate::verify;
use crate::window::{RequestedWindow, Settled};

#[derive(Parser)]
#[command(
    name = "tinesaudit-runner",
    version,
    about = "Syncs Tines audit logs into S3, exactly once",
    after_help = format!("{OVERVIEW}\n\n{LOGGING}")
)]
struct Cli {
    #[command(subcommand)]
    command: Commands,
}

#[derive(Subcommand)]
enum Commands {
    /// One run: deliver the window in flight or a new one ending SETTLE_SECONDS before now.
    Sync {
        #[command(flatten)]
        run: RunFlags,
        #[command(flatten)]
        settings: SettingFlags,
    },
    /// The same engine over an explicit window, writing only the records S3 does not hold yet
    /// (the repair after `verify` reports a gap). It never reaches past the sync's checkpoint,
    /// and one backfill runs at a time.
    Backfill {
        /// Start of the window (RFC 3339).
        #[arg(long, value_parser = parse_time)]
        from: Timestamp,
        /// End of the window (RFC 3339) [default: now minus SETTLE_SECONDS].
        #[arg(long, value_parser = parse_time)]
        to: Option<Timestamp>,
        #[command(flatten)]
        run: RunFlags,
        #[command(flatten)]
        settings: SettingFlags,
    },
    /// Compares what is in S3 with what Tines holds for a window; exit 1 on any difference.
    Verify {
        /// Start of the window (RFC 3339).
        #[arg(long, value_parser = parse_time)]
        from: Timestamp,
        /// End of the window (RFC 3339).
        #[arg(long, value_parser = parse_time)]
        to: Timestamp,
        #[command(flatten)]
        settings: SettingFlags,
    },
    /// Takes over from the vendor guide's reference Lambda (disable its schedule first): starts
    /// the sync where that Lambda's `{"since": ...}` state stopped, counting the records of that
    /// second already in S3, so the first sync fetches none twice and skips none.
    AdoptState {
        /// The reference Lambda's state object [default: PREFIX + state.json].
        #[arg(long, value_name = "KEY")]
        reference_state: Option<String>,
        #[command(flatten)]
        settings: SettingFlags,
    },
}

/// The top-level help's epilogue: what a scheduler needs besides the flags.
const OVERVIEW: &str = "Examples:
  # One sync with the reference Lambda's environment variables, unchanged:
  S3_BUCKET=acme-secops TINES_BASE_URL=https://acme.tines.com TINES_API_KEY=... tinesaudit-runner sync
  # The job file tinesaudit_ingestion_job wrote; flags and environment override its keys:
  tinesaudit-runner sync --job s3://acme-config/tinesaudit/jobs/secops.json

Exit codes:
  0  the run did its work (completed, partial or skipped), or verify found nothing amiss
  1  the run failed (Tines, S3 or the state object), or verify found missing or duplicated records
  2  the configuration or command line was refused before any work
  3  the run lost its lease to another run and stopped without moving the checkpoint

Lambda mode: started as `bootstrap` (or with AWS_LAMBDA_RUNTIME_API set) and no arguments, the
runner serves Lambda invocations: the environment and an event's keys (e.g. {\"max_pages\": 50}) are
its settings, and each run ends before the invocation's deadline.

A flag beats its environment variable, which beats the job file's key. The API key comes from
TINES_API_KEY or the Secrets Manager secret TINES_API_KEY_SECRET_ARN names, never from a flag.";

/// Cron, systemd and Kubernetes show stderr; how much goes there is otherwise undiscoverable.
const LOGGING: &str = "Logging: RUST_LOG sets what is logged on stderr, as for other Rust tools \
(e.g. RUST_LOG=debug, or RUST_LOG=tinesaudit_runner=debug,tines_client=trace); the default is \
warn. LOG_LEVEL, the older name, is read when RUST_LOG is unset. No level logs the API key. \
Each run prints one JSON summary line on stdout; a failed run also prints its reason on stderr.";

/// How long a run may take, for schedulers that kill jobs (cron wrappers, a Kubernetes Job's
/// `activeDeadlineSeconds`).
#[derive(Args)]
struct RunFlags {
    /// Seconds from start after which the run starts no request, waits for no retry and ends
    /// `partial` with what it wrote checkpointed; set it at least 5 s below the hard limit, which
    /// must leave time for the last writes and their S3 retries [default: no limit]
    #[arg(long, env = "RUN_DEADLINE_SECONDS", hide_env_values = true, value_parser = parse_seconds)]
    deadline_seconds: Option<Limit>,
}

impl RunFlags {
    fn limit(&self) -> Option<Duration> {
        self.deadline_seconds.and_then(|limit| limit.0)
    }
}

/// A time limit; empty means none, as an empty environment variable does for every setting.
#[derive(Clone, Copy)]
struct Limit(Option<Duration>);

fn parse_seconds(raw: &str) -> Result<Limit, String> {
    if raw.trim().is_empty() {
        return Ok(Limit(None));
    }
    raw.trim()
        .parse::<f64>()
        .ok()
        .filter(|s| (0.0..=MAX_DEADLINE_SECONDS).contains(s))
        .map(|s| Limit(Some(Duration::from_secs_f64(s))))
        .ok_or_else(|| format!("use seconds between 0 and {MAX_DEADLINE_SECONDS}"))
}

/// A week: any longer is a mistake, and the bound keeps `Instant` arithmetic far from overflow.
const MAX_DEADLINE_SECONDS: f64 = 7.0 * 24.0 * 3600.0;

/// The flags of every setting in [`FIELDS`], plus `--job`.
struct SettingFlags {
    job: Option<String>,
    values: BTreeMap<&'static str, String>,
}

impl FromArgMatches for SettingFlags {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        // Environment variables are shown in the help by clap but read by `RawSettings`, which
        // names them in its errors.
        let given = |flag: &str| matches.value_source(flag) == Some(ValueSource::CommandLine);
        let values = FIELDS
            .iter()
            .filter_map(|field| Some((field, field.flag.filter(|flag| given(flag))?)))
            .filter_map(|(field, flag)| {
                let value = if field.is_switch() {
                    matches.get_flag(flag).to_string()
                } else {
                    matches.get_one::<String>(flag)?.clone()
                };
                Some((flag, value))
            })
            .collect();
        Ok(Self {
            job: matches.get_one::<String>("job").cloned(),
            values,
        })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl Args for SettingFlags {
    fn augment_args(command: Command) -> Command {
        let job = clap::Arg::new("job")
            .long("job")
            .value_name("JOB_FILE")
            .env("JOB_FILE")
            .hide_env_values(true)
            .help("Job file (JSON) from a local path or s3://bucket/key; flags and environment override it");
        FIELDS.iter().fold(
            command.arg(job).after_help(LOGGING),
            |command, field| match field.flag {
                Some(flag) => {
                    let arg = clap::Arg::new(flag)
                        .long(flag)
                        .env(field.env)
                        .hide_env_values(true)
                        .help(field.help);
                    command.arg(if field.is_switch() {
                        // Any environment value passes here; `RawSettings` judges it.
                        arg.action(ArgAction::SetTrue)
                            .value_parser(|raw: &str| Ok::<bool, Infallible>(raw == "true"))
                    } else {
                        arg.value_name(field.key.to_ascii_uppercase())
                    })
                }
                None => command,
            },
        )
    }

    fn augment_args_for_update(command: Command) -> Command {
        Self::augment_args(command)
    }
}

/// Why a run stopped before doing any work.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("configuration refused: {0}")]
    Settings(#[from] crate::settings::SettingsError),
    #[error("configuration refused: {0}")]
    Client(#[from] tines_client::Error),
    #[error("cannot read the job file {location}: {detail}")]
    JobFile { location: String, detail: String },
    #[error("cannot read the Tines API key from Secrets Manager secret {arn}: {detail}")]
    Secret { arn: String, detail: String },
}

/// Runs the command line and maps the outcome to an exit code.
pub async fn main(args: Vec<OsString>) -> ExitCode {
    let started = Instant::now();
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let mut adopt = None;
    let (flags, backfill, verify_window, limit) = match cli.command {
        Commands::Sync { run, settings } => (settings, None, None, run.limit()),
        Commands::AdoptState {
            reference_state,
            settings,
        } => {
            adopt = Some(reference_state);
            (settings, None, None, None)
        }
        Commands::Backfill {
            from,
            to,
            run,
            settings,
        } => (
            settings,
            Some(RequestedWindow { from, to }),
            None,
            run.limit(),
        ),
        Commands::Verify { from, to, settings } => (
            settings,
            None,
            Some(RequestedWindow { from, to: Some(to) }),
            None,
        ),
    };
    // Counted from the start of the process, as the scheduler that kills it counts.
    let deadline = limit.map_or_else(far_future, |limit| started + limit);
    let aws = aws_config().await;
    let prepared = match prepare(&aws, &flags, |name| std::env::var(name).ok()).await {
        Ok(prepared) => prepared,
        Err(error) => {
            eprintln!("tinesaudit-runner: {error}");
            return ExitCode::from(2);
        }
    };
    if let Some(reference_state) = adopt {
        return crate::adopt::run(&prepared, reference_state.as_deref()).await;
    }
    let settle = prepared.settings.settle;
    let now = Timestamp::now();
    let checked = |requested: RequestedWindow| match requested.check(settle, now) {
        Ok((window, warning)) => {
            if let Some(warning) = warning {
                eprintln!("tinesaudit-runner: warning: {warning}");
            }
            Ok(window)
        }
        Err(error) => {
            eprintln!("tinesaudit-runner: window refused: {error}");
            Err(ExitCode::from(2))
        }
    };
    if let Some(requested) = verify_window {
        return match checked(requested) {
            Ok(window) => verify::run(&prepared, window.fixed(settle, now)).await,
            Err(code) => code,
        };
    }
    let backfill = match backfill.map(checked).transpose() {
        Ok(backfill) => backfill,
        Err(code) => return code,
    };
    let engine = prepared.into_engine();
    // A backfill shows its progress on stderr; a sync, run by a scheduler, only its summary.
    let mut progress: Box<dyn Progress> = match backfill {
        Some(_) => progress::for_stderr(),
        None => Box::new(()),
    };
    let summary = engine.run(backfill, deadline, progress.as_mut()).await;
    progress.finish();
    finish(
        if backfill.is_some() {
            "backfill"
        } else {
            "sync"
        },
        &summary,
    )
}

/// Prints the summary line and picks the exit code. A failure's reason also goes to stderr,
/// the one stream cron mail, `kubectl logs` and journald show at the default log level.
pub fn finish(command: &str, summary: &Summary) -> ExitCode {
    println!("{}", serde_json::to_string(summary).unwrap_or_default());
    if summary.outcome == "failed" {
        let reason = summary.error.as_deref().unwrap_or("no reason recorded");
        eprintln!("tinesaudit-runner: {command} failed: {reason}");
    }
    match summary.outcome {
        "failed"
            if summary
                .error
                .as_deref()
                .is_some_and(|e| e.contains("lost its lease")) =>
        {
            ExitCode::from(3)
        }
        "failed" => ExitCode::FAILURE,
        _ => ExitCode::SUCCESS,
    }
}

/// The AWS configuration every client of the runner is built from. S3 answers `SlowDown` or 503
/// when a prefix is busy; the SDK sends such requests again after a backoff. The waits are kept
/// within the run's deadline: 4 retries at most 1 s apart wait 4 s at worst, inside the margin a
/// run keeps before its hard limit for its last writes (Lambda's up to 5 s, or what
/// `RUN_DEADLINE_SECONDS` leaves). The summary counts these retries.
pub(crate) async fn aws_config() -> aws_config::SdkConfig {
    let retry = RetryConfig::standard()
        .with_max_attempts(5)
        .with_max_backoff(Duration::from_secs(1));
    aws_config::defaults(BehaviorVersion::latest())
        .retry_config(retry)
        .load()
        .await
}

fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(365 * 24 * 3600)
}

/// Settings resolved, and the clients built from them. Clones share the clients.
#[derive(Clone)]
pub struct Prepared {
    pub settings: Settings,
    pub client: Client,
    pub store: ObjectStore,
}

impl Prepared {
    pub fn into_engine(self) -> Engine {
        Engine {
            client: self.client,
            store: self.store,
            run_id: run_id(),
            lease_for: self.settings.lease,
            settings: self.settings,
        }
    }
}

fn run_id() -> String {
    format!("{}-{:016x}", std::process::id(), fastrand::u64(..))
}

/// Resolves settings (flags, then `env`, then the job file) and builds the clients.
async fn prepare(
    aws: &aws_config::SdkConfig,
    flags: &SettingFlags,
    env: impl Fn(&'static str) -> Option<String>,
) -> Result<Prepared, SetupError> {
    let mut raw = RawSettings::from_flags(|flag| flags.values.get(flag).cloned());
    raw.add_env(&env);
    let job = flags.job.clone().or_else(|| env("JOB_FILE"));
    if let Some(location) = job {
        let expected = env("JOB_FILE_SHA256");
        let job = load_job(aws, &raw, &location, expected.as_deref()).await?;
        raw.add_job(&job)?;
    }
    build(aws, raw.resolve()?).await
}

/// Reads a job file from a local path or an `s3://` URL. It may live in the bucket it
/// configures, so S3 access needs no setting of its own beyond path-style addressing, taken
/// from the settings given so far.
///
/// `expected_sha256` is `JOB_FILE_SHA256`, which `tinesaudit_schedule` sets to the hash of the
/// file it deployed with. Other content is still used, since only the file's owners can write
/// it, but said on stderr: the file was edited outside Terraform, or an apply is between
/// writing the new file and updating the function.
pub(crate) async fn load_job(
    aws: &aws_config::SdkConfig,
    raw: &RawSettings,
    location: &str,
    expected_sha256: Option<&str>,
) -> Result<serde_json::Value, SetupError> {
    let bytes = read_job(aws, raw.force_path_style_hint(), location).await?;
    if let Some(expected) = expected_sha256.filter(|expected| !expected.is_empty()) {
        let actual = tinesaudit_job::sha256_hex(&bytes);
        if !actual.eq_ignore_ascii_case(expected) {
            eprintln!(
                "tinesaudit-runner: warning: the job file {location} has SHA-256 {actual}, not the \
                 {expected} of JOB_FILE_SHA256: it was changed outside Terraform (`terraform plan` \
                 shows it, `terraform apply` restores it) or an apply is under way"
            );
        }
    }
    serde_json::from_slice(&bytes).map_err(|e| SetupError::JobFile {
        location: location.to_owned(),
        detail: format!("not valid JSON: {e}"),
    })
}

/// Builds the Tines and S3 clients for resolved settings, reading the API key from Secrets
/// Manager when that is where it lives.
pub(crate) async fn build(
    aws: &aws_config::SdkConfig,
    settings: Settings,
) -> Result<Prepared, SetupError> {
    let key = match &settings.api_key {
        ApiKeySource::Value(key) => Secret::new(key.0.clone()),
        ApiKeySource::SecretsManager(arn) => read_secret(aws, arn).await?,
    };
    let client = Client::new(
        Config::new(settings.tenant.clone(), key)
            .request_timeout(settings.http_timeout)
            .retry(settings.retry_policy())
            .rate_limits(RateLimits {
                audit_logs: Some(settings.requests_per_minute),
                ..RateLimits::default()
            }),
    )?;
    Ok(Prepared {
        store: ObjectStore::new(aws, settings.force_path_style, settings.bucket.clone()),
        client,
        settings,
    })
}

/// The bytes of a job file.
async fn read_job(
    aws: &aws_config::SdkConfig,
    force_path_style: bool,
    location: &str,
) -> Result<Vec<u8>, SetupError> {
    let failed = |detail: String| SetupError::JobFile {
        location: location.to_owned(),
        detail,
    };
    match location.strip_prefix("s3://") {
        Some(rest) => {
            let (bucket, key) = rest
                .split_once('/')
                .filter(|(b, k)| !b.is_empty() && !k.is_empty())
                .ok_or_else(|| {
                    failed("an S3 location must look like s3://bucket/key".to_owned())
                })?;
            let store = ObjectStore::new(aws, force_path_style, bucket);
            let object = store
                .get(key)
                .await
                .map_err(|e| failed(e.to_string()))?
                .ok_or_else(|| failed("no such object".to_owned()))?;
            Ok(object.body.to_vec())
        }
        None => std::fs::read(location).map_err(|e| failed(e.to_string())),
    }
}

async fn read_secret(aws: &aws_config::SdkConfig, arn: &str) -> Result<Secret, SetupError> {
    let client = aws_sdk_secretsmanager::Client::new(aws);
    let failed = |detail: String| SetupError::Secret {
        arn: arn.to_owned(),
        detail,
    };
    let secret = client
        .get_secret_value()
        .secret_id(arn)
        .send()
        .await
        .map_err(|e| {
            failed(aws_error::describe(
                &e,
                &Endpoint::of(aws, "Secrets Manager"),
            ))
        })?;
    let value = secret
        .secret_string()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| failed("the secret has no string value".to_owned()))?;
    Ok(Secret::new(value.to_owned()))
}

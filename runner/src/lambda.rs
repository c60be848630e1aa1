//! Lambda mode: the same binary serving the AWS Lambda runtime API, one sync per invocation.
//!
//! The binary is in Lambda mode when it is started without a subcommand, either under the name
//! `bootstrap` (what the `provided.al2023` runtime runs) or with `AWS_LAMBDA_RUNTIME_API` set.
//! A subcommand always wins, so `bootstrap sync` is the ordinary command line.
//!
//! # Init, once per execution environment
//!
//! The AWS configuration is loaded, the settings are read from the environment and, when
//! `JOB_FILE` names one, from the job file; when those settings are complete, they are checked
//! and the Tines client and S3 client are built (the API key read from Secrets Manager if that
//! is where it lives). Anything wrong that no event can put right (an unreadable job file, a
//! refused value, an unreadable secret) is reported to the runtime's init error endpoint and
//! the process exits. Settings that are merely missing may come with each event instead.
//!
//! # Each invocation
//!
//! The event payload, a JSON object with job-file keys, fills in settings the environment does
//! not set: the environment wins over the event, and the event over the job file. The settings
//! are resolved again per invocation (cheap), and the clients built at init are reused when
//! the event changes nothing. An empty payload, `null` or `{}` changes nothing; an EventBridge
//! event envelope (with `source` and `detail-type`) contributes its `detail` object.
//!
//! A warm execution environment outlives a key rotation (`tinesaudit_api_key` stores the new key in
//! the same secret): when Tines refuses the key held since init and the key lives in Secrets
//! Manager, the secret is read again, the clients rebuilt and kept, and the run repeated once.
//!
//! The run's deadline is the invocation's `Lambda-Runtime-Deadline-Ms` less a safety margin
//! (a fifth of the time left, at most [`MAX_MARGIN`]) that leaves time to drop the unfinished
//! object, give the lease back and post the result. A run that ends `completed`, `partial` or
//! `skipped` posts its JSON summary as the invocation response; a failed run, or an event or
//! settings that are refused, posts to the invocation error endpoint, so that Lambda's retries
//! and EventBridge's retry policy see it. The summary line is also printed to stdout, which
//! Lambda sends to CloudWatch Logs, followed by the run's metrics as a CloudWatch Embedded
//! Metric Format line ([`crate::metrics`]): records, lag_seconds and outcome, to alarm on.

use std::ffi::{OsStr, OsString};
use std::path::Path;
use std::process::ExitCode;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use reqwest::{StatusCode, Url};
use serde_json::{Value, json};

use crate::cli::{self, Prepared, SetupError};
use crate::metrics;
use crate::settings::{ApiKeySource, RawSettings, SettingsError};

/// The longest safety margin taken off an invocation's remaining time.
pub const MAX_MARGIN: Duration = Duration::from_secs(5);

/// Used when an invocation carries no deadline: Lambda's longest timeout.
const NO_DEADLINE_GIVEN: Duration = Duration::from_secs(15 * 60);

/// Deadlines below this many milliseconds are not Unix times (it is September 2001).
const PLAUSIBLE_UNIX_MS: u64 = 1_000_000_000_000;

/// Whether the command line asks for Lambda mode: no subcommand, and either started as
/// `bootstrap` or with the runtime API named in the environment.
pub fn requested(args: &[OsString], runtime_api: Option<&OsStr>) -> bool {
    if args.len() > 1 {
        return false;
    }
    let started_as_bootstrap = args
        .first()
        .and_then(|arg0| Path::new(arg0).file_name())
        .is_some_and(|name| name == "bootstrap");
    started_as_bootstrap || runtime_api.is_some_and(|api| !api.is_empty())
}

/// Serves invocations until the runtime API goes away. Exit codes: 2 when init failed (after
/// telling the runtime), 1 when the runtime API could not be reached.
pub async fn serve() -> ExitCode {
    let Some(address) = std::env::var("AWS_LAMBDA_RUNTIME_API")
        .ok()
        .filter(|a| !a.trim().is_empty())
    else {
        eprintln!(
            "tinesaudit-runner: started as bootstrap, but AWS_LAMBDA_RUNTIME_API is not set; \
             outside Lambda, run `tinesaudit-runner sync` (see --help)"
        );
        return ExitCode::from(2);
    };
    let runtime = match RuntimeApi::new(&address) {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("tinesaudit-runner: {error}");
            return ExitCode::from(2);
        }
    };
    let function = match Function::init(|name| std::env::var(name).ok()).await {
        Ok(function) => function,
        Err(error) => {
            let message = error.to_string();
            eprintln!("tinesaudit-runner: Lambda init failed: {message}");
            if let Err(posting) = runtime.init_failed("Runner.InitFailed", &message).await {
                eprintln!("tinesaudit-runner: {posting}");
            }
            return ExitCode::from(2);
        }
    };
    loop {
        let invocation = match runtime.next().await {
            Ok(invocation) => invocation,
            Err(error) => {
                eprintln!("tinesaudit-runner: {error}");
                return ExitCode::FAILURE;
            }
        };
        let posted = match function.invoke(&invocation).await {
            Ok(body) => runtime.respond(&invocation.request_id, body).await,
            Err(failure) => {
                eprintln!(
                    "tinesaudit-runner: invocation {} failed: {}",
                    invocation.request_id, failure.message
                );
                runtime
                    .fail(&invocation.request_id, failure.kind, &failure.message)
                    .await
            }
        };
        if let Err(error) = posted {
            eprintln!("tinesaudit-runner: {error}");
            return ExitCode::FAILURE;
        }
    }
}

/// What init prepared, kept for every invocation of this execution environment.
struct Function {
    /// `AWS_LAMBDA_FUNCTION_NAME`, the `function` dimension of the run's metrics.
    name: String,
    aws: aws_config::SdkConfig,
    /// Settings from the environment.
    env: RawSettings,
    /// The job file named by `JOB_FILE`, read once.
    job: Option<Value>,
    /// Clients for the settings of environment and job file, when those are complete; replaced
    /// when the key they hold was rotated.
    base: Mutex<Option<Prepared>>,
}

/// Why an invocation failed: the error type and message posted to the runtime.
#[derive(Debug)]
struct Failure {
    kind: &'static str,
    message: String,
}

impl Failure {
    fn configuration(message: impl ToString) -> Self {
        Self {
            kind: "Runner.InvalidConfiguration",
            message: message.to_string(),
        }
    }
}

impl From<SettingsError> for Failure {
    fn from(error: SettingsError) -> Self {
        Failure::configuration(format!("configuration refused: {error}"))
    }
}

impl From<SetupError> for Failure {
    fn from(error: SetupError) -> Self {
        Failure::configuration(error)
    }
}

impl Function {
    async fn init(env: impl Fn(&'static str) -> Option<String>) -> Result<Self, SetupError> {
        let aws = cli::aws_config().await;
        let mut raw = RawSettings::default();
        raw.add_env(&env);
        let job = match env("JOB_FILE").filter(|location| !location.is_empty()) {
            Some(location) => {
                let expected = env("JOB_FILE_SHA256");
                Some(cli::load_job(&aws, &raw, &location, expected.as_deref()).await?)
            }
            None => None,
        };
        let mut complete = raw.clone();
        if let Some(job) = &job {
            complete.add_job(job)?;
        }
        let base = match complete.resolve() {
            Ok(settings) => Some(cli::build(&aws, settings).await?),
            Err(_) if !complete.missing_required().is_empty() => {
                eprintln!(
                    "tinesaudit-runner: {} not set in the environment or job file; each event must supply {}",
                    complete.missing_required().join(", "),
                    if complete.missing_required().len() == 1 {
                        "it"
                    } else {
                        "them"
                    }
                );
                None
            }
            Err(error) => return Err(error.into()),
        };
        Ok(Self {
            name: env("AWS_LAMBDA_FUNCTION_NAME")
                .filter(|name| !name.is_empty())
                .unwrap_or_else(|| "tinesaudit-runner".to_owned()),
            aws,
            env: raw,
            job,
            base: Mutex::new(base),
        })
    }

    /// One sync: the JSON summary, or why the invocation failed.
    async fn invoke(&self, invocation: &Invocation) -> Result<Vec<u8>, Failure> {
        let deadline = run_deadline(invocation.deadline_ms, SystemTime::now(), Instant::now());
        let overrides = event_settings(&invocation.payload)?;
        let prepared = self.prepare(overrides.as_ref()).await?;
        let mut summary = prepared
            .clone()
            .into_engine()
            .run(None, deadline, &mut ())
            .await;
        if summary.key_rejected
            && matches!(prepared.settings.api_key, ApiKeySource::SecretsManager(_))
        {
            eprintln!("tinesaudit-runner: Tines refused the API key; reading its secret again");
            let fresh = cli::build(&self.aws, prepared.settings.clone()).await?;
            self.keep_if_base(&fresh);
            summary = fresh.into_engine().run(None, deadline, &mut ()).await;
        }
        let line = serde_json::to_string(&summary).unwrap_or_default();
        println!("{line}");
        println!(
            "{}",
            metrics::emf_line(&summary, &self.name, unix_ms(SystemTime::now()))
        );
        if summary.outcome == "failed" {
            let error = summary.error.unwrap_or_default();
            let kind = if error.contains("lost its lease") {
                "Runner.LeaseLost"
            } else {
                "Runner.RunFailed"
            };
            return Err(Failure {
                kind,
                message: format!("{error} (summary: {line})"),
            });
        }
        Ok(line.into_bytes())
    }

    /// Settings for one event (environment, then event, then job file), and clients for them.
    async fn prepare(&self, event: Option<&Value>) -> Result<Prepared, Failure> {
        let mut raw = self.env.clone();
        if let Some(event) = event {
            raw.add_event(event)?;
        }
        if let Some(job) = &self.job {
            raw.add_job(job)?;
        }
        let settings = raw.resolve()?;
        let base = self
            .base
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        match base {
            Some(base) if base.settings == settings => Ok(base),
            _ => Ok(cli::build(&self.aws, settings).await?),
        }
    }

    /// Keeps `fresh` (clients with a key read again) for later invocations when it replaces the
    /// clients built at init.
    fn keep_if_base(&self, fresh: &Prepared) {
        let mut base = self.base.lock().unwrap_or_else(PoisonError::into_inner);
        if base
            .as_ref()
            .is_some_and(|base| base.settings == fresh.settings)
        {
            *base = Some(fresh.clone());
        }
    }
}

/// The settings an event payload carries, if any.
fn event_settings(payload: &[u8]) -> Result<Option<Value>, Failure> {
    if payload.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let event: Value = serde_json::from_slice(payload)
        .map_err(|e| Failure::configuration(format!("the event payload is not JSON: {e}")))?;
    match event {
        Value::Null => Ok(None),
        Value::Object(object)
            if object.contains_key("detail-type") && object.contains_key("source") =>
        {
            match object.get("detail") {
                Some(detail @ Value::Object(_)) => Ok(Some(detail.clone())),
                _ => Ok(None),
            }
        }
        object @ Value::Object(_) => Ok(Some(object)),
        _ => Err(Failure::configuration(
            "the event payload must be a JSON object of job-file keys, such as {\"max_pages\": 100}",
        )),
    }
}

/// The instant a run must stop by: the invocation's deadline less the safety margin.
///
/// Lambda sends the deadline as Unix time in milliseconds. cargo-lambda's local emulator sends
/// the function's timeout itself (600000 for its default of ten minutes); a value that cannot
/// be a Unix time is read that way, as milliseconds from now.
fn run_deadline(deadline_ms: Option<u64>, now: SystemTime, now_instant: Instant) -> Instant {
    let now_ms = unix_ms(now);
    let remaining = match deadline_ms {
        Some(ms) if ms >= PLAUSIBLE_UNIX_MS => Duration::from_millis(ms.saturating_sub(now_ms)),
        Some(ms) => Duration::from_millis(ms),
        None => NO_DEADLINE_GIVEN,
    };
    let margin = (remaining / 5).min(MAX_MARGIN);
    now_instant + (remaining - margin)
}

fn unix_ms(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// One invocation, as `GET /runtime/invocation/next` hands it out.
#[derive(Debug)]
struct Invocation {
    request_id: String,
    deadline_ms: Option<u64>,
    payload: Bytes,
}

#[derive(Debug, thiserror::Error)]
#[error("Lambda runtime API {what}: {detail}")]
struct RuntimeError {
    what: &'static str,
    detail: String,
}

/// A client of the Lambda runtime API (version 2018-06-01).
struct RuntimeApi {
    http: reqwest::Client,
    /// `http://HOST:PORT[/PATH]/2018-06-01/runtime/`
    base: Url,
}

impl RuntimeApi {
    /// `address` is `AWS_LAMBDA_RUNTIME_API`: `host:port` in Lambda; local emulators may add a
    /// scheme and a path prefix.
    fn new(address: &str) -> Result<Self, RuntimeError> {
        let address = address.trim().trim_end_matches('/');
        let root = if address.contains("://") {
            address.to_owned()
        } else {
            format!("http://{address}")
        };
        let refused = |detail: String| RuntimeError {
            what: "address refused",
            detail,
        };
        let base = Url::parse(&format!("{root}/2018-06-01/runtime/"))
            .map_err(|e| refused(format!("AWS_LAMBDA_RUNTIME_API={address}: {e}")))?;
        // No overall timeout: `next` waits for as long as no invocation comes.
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| refused(e.to_string()))?;
        Ok(Self { http, base })
    }

    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    /// Waits for the next invocation. A connection refused is tried again a few times.
    async fn next(&self) -> Result<Invocation, RuntimeError> {
        let failed = |detail: String| RuntimeError {
            what: "GET invocation/next failed",
            detail,
        };
        let url = self.url(&["invocation", "next"]);
        let mut attempt = 0;
        let response = loop {
            attempt += 1;
            match self.http.get(url.clone()).send().await {
                Ok(response) => break response,
                Err(error) if error.is_connect() && attempt < 3 => {
                    tokio::time::sleep(Duration::from_millis(200) * attempt).await;
                }
                Err(error) => return Err(failed(error.to_string())),
            }
        };
        if response.status() != StatusCode::OK {
            return Err(failed(format!("HTTP {}", response.status())));
        }
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let request_id = header("lambda-runtime-aws-request-id")
            .filter(|id| !id.is_empty())
            .ok_or_else(|| failed("no Lambda-Runtime-Aws-Request-Id header".to_owned()))?;
        let deadline_ms = header("lambda-runtime-deadline-ms").and_then(|v| v.trim().parse().ok());
        let payload = response
            .bytes()
            .await
            .map_err(|e| failed(format!("reading the event: {e}")))?;
        Ok(Invocation {
            request_id,
            deadline_ms,
            payload,
        })
    }

    async fn respond(&self, request_id: &str, body: Vec<u8>) -> Result<(), RuntimeError> {
        let url = self.url(&["invocation", request_id, "response"]);
        self.post(url, body, None, "POST invocation/{id}/response failed")
            .await
    }

    async fn fail(&self, request_id: &str, kind: &str, message: &str) -> Result<(), RuntimeError> {
        let url = self.url(&["invocation", request_id, "error"]);
        self.post(
            url,
            error_body(kind, message),
            Some(kind),
            "POST invocation/{id}/error failed",
        )
        .await
    }

    async fn init_failed(&self, kind: &str, message: &str) -> Result<(), RuntimeError> {
        let url = self.url(&["init", "error"]);
        self.post(
            url,
            error_body(kind, message),
            Some(kind),
            "POST init/error failed",
        )
        .await
    }

    async fn post(
        &self,
        url: Url,
        body: Vec<u8>,
        error_type: Option<&str>,
        what: &'static str,
    ) -> Result<(), RuntimeError> {
        let mut request = self
            .http
            .post(url)
            .timeout(Duration::from_secs(30))
            .header("content-type", "application/json")
            .body(body);
        if let Some(kind) = error_type {
            request = request.header("lambda-runtime-function-error-type", kind);
        }
        let response = request.send().await.map_err(|e| RuntimeError {
            what,
            detail: e.to_string(),
        })?;
        if response.status().is_success() {
            Ok(())
        } else {
            let status = response.status();
            let text = response.text().await.unwrap_or_default();
            Err(RuntimeError {
                what,
                detail: format!("HTTP {status}: {text}"),
            })
        }
    }
}

fn error_body(kind: &str, message: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "errorType": kind,
        "errorMessage": message,
        "stackTrace": [],
    }))
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn lambda_mode_needs_no_subcommand_and_bootstrap_or_the_runtime_api() {
        let api = Some(OsStr::new("127.0.0.1:9001"));
        assert!(requested(&args(&["/var/task/bootstrap"]), None));
        assert!(requested(&args(&["bootstrap"]), api));
        assert!(requested(&args(&["tinesaudit-runner"]), api));
        assert!(!requested(&args(&["tinesaudit-runner"]), None));
        assert!(!requested(
            &args(&["tinesaudit-runner"]),
            Some(OsStr::new(""))
        ));
        assert!(!requested(&args(&["/var/task/bootstrap", "sync"]), api));
        assert!(!requested(
            &args(&["/opt/bootstrap.d/tinesaudit-runner"]),
            None
        ));
    }

    #[test]
    fn the_deadline_keeps_a_margin_and_reads_lambda_and_emulator_values() {
        let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let at = Instant::now();
        let in_ms = |ms: u64| Some(1_800_000_000_000 + ms);
        // 15 minutes left: a 5 s margin.
        assert_eq!(
            run_deadline(in_ms(900_000), now, at),
            at + Duration::from_secs(895)
        );
        // 10 s left: a fifth of it.
        assert_eq!(
            run_deadline(in_ms(10_000), now, at),
            at + Duration::from_secs(8)
        );
        // Already past: no time at all.
        assert_eq!(run_deadline(Some(1_799_999_999_000), now, at), at);
        // cargo-lambda's emulator: the timeout itself.
        assert_eq!(
            run_deadline(Some(600_000), now, at),
            at + Duration::from_secs(595)
        );
        assert_eq!(
            run_deadline(None, now, at),
            at + NO_DEADLINE_GIVEN - MAX_MARGIN
        );
    }

    #[test]
    fn event_payloads_give_settings_or_nothing() {
        assert!(event_settings(b"").unwrap().is_none());
        assert!(event_settings(b" null ").unwrap().is_none());
        assert_eq!(event_settings(b"{}").unwrap(), Some(json!({})));
        assert_eq!(
            event_settings(br#"{"max_pages": 5}"#).unwrap(),
            Some(json!({"max_pages": 5}))
        );
        let envelope = br#"{"version":"0","id":"1","detail-type":"Scheduled Event","source":"aws.events","detail":{"page_size":100}}"#;
        assert_eq!(
            event_settings(envelope).unwrap(),
            Some(json!({"page_size": 100}))
        );
        let empty_detail =
            br#"{"detail-type":"Scheduled Event","source":"aws.scheduler","detail":"{}"}"#;
        assert!(event_settings(empty_detail).unwrap().is_none());
        let refused = event_settings(b"[1]").unwrap_err();
        assert_eq!(refused.kind, "Runner.InvalidConfiguration");
        assert!(
            event_settings(b"{")
                .unwrap_err()
                .message
                .contains("not JSON")
        );
    }

    #[test]
    fn runtime_api_urls_from_lambda_and_emulator_addresses() {
        let lambda = RuntimeApi::new("127.0.0.1:9001").unwrap();
        assert_eq!(
            lambda.url(&["invocation", "next"]).as_str(),
            "http://127.0.0.1:9001/2018-06-01/runtime/invocation/next"
        );
        let emulator = RuntimeApi::new("http://127.0.0.1:9000/.rt").unwrap();
        assert_eq!(
            emulator.url(&["invocation", "a/b", "error"]).as_str(),
            "http://127.0.0.1:9000/.rt/2018-06-01/runtime/invocation/a%2Fb/error"
        );
        assert_eq!(
            emulator.url(&["init", "error"]).as_str(),
            "http://127.0.0.1:9000/.rt/2018-06-01/runtime/init/error"
        );
    }
}

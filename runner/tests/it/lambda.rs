//! Lambda mode: the shipped binary (`cargo xtask bundle`, built against Lambda's glibc), started
//! as `bootstrap`, serving a Lambda runtime API.
//!
//! The first tests run it under cargo-lambda's local emulator (`cargo lambda watch
//! --only-lambda-apis` serves the runtime API without building anything; the shipped binary
//! connects to it as the function) and invoke it with `cargo lambda invoke`. The emulator sends
//! no real deadline and reports errors loosely, so the deadline and error-endpoint details are
//! checked against a small runtime API written here, which records exactly what was posted.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use tines_sim::{Behaviour, Order};
use tinesaudit_testkit::{AwsEmulator, LambdaEmulator, ScratchDir, runner_bootstrap};
use tokio::sync::mpsc;

use crate::support::{World, assert_exactly_once};

/// A link named `bootstrap` to the shipped runner, as the Lambda custom runtime starts it.
fn bootstrap(scratch: &ScratchDir) -> PathBuf {
    let link = scratch.path().join("bootstrap");
    std::os::unix::fs::symlink(runner_bootstrap().unwrap(), &link).unwrap();
    link
}

/// cargo-lambda's emulator, shared with the blocking calls that drive it.
async fn emulator() -> Arc<LambdaEmulator> {
    Arc::new(
        tokio::task::spawn_blocking(LambdaEmulator::start)
            .await
            .unwrap()
            .expect("cargo-lambda's emulator starts (run `cargo xtask tools` first)"),
    )
}

/// `cargo lambda invoke`: whether it succeeded, and what it printed.
async fn invoke(emulator: &Arc<LambdaEmulator>, payload: &str) -> (bool, String) {
    let emulator = Arc::clone(emulator);
    let payload = payload.to_owned();
    let invocation =
        tokio::task::spawn_blocking(move || emulator.invoke(&payload, Duration::from_secs(120)))
            .await
            .unwrap()
            .expect("the invocation ends");
    (invocation.succeeded, invocation.output)
}

fn summary_of(output: &str) -> Value {
    serde_json::from_str(output.trim()).unwrap_or(Value::Null)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_cargo_lambda_each_invocation_is_one_sync_and_errors_reach_the_invoker() {
    let world = World::start().await;
    world.seed(1_234, 3_000, 60).await;
    let emulator = emulator().await;
    let scratch = ScratchDir::new("lambda").unwrap();
    let mut function = world
        .command(
            &bootstrap(&scratch),
            &[("AWS_LAMBDA_RUNTIME_API", &emulator.runtime_api())],
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();

    // The event fills in what the environment leaves open (records per object) and cannot
    // move what it sets (the bucket).
    let (ok, output) = invoke(
        &emulator,
        r#"{"records_per_object": 500, "bucket": "elsewhere"}"#,
    )
    .await;
    assert!(ok, "{output}");
    let first = summary_of(&output);
    assert_eq!(first["outcome"], "completed", "{output}");
    assert_eq!(first["records"], 1_234);
    assert_eq!(first["objects"], 3, "500 records per object: {output}");

    world.seed(100, 50, 30).await;
    let (ok, output) = invoke(&emulator, "{}").await;
    assert!(ok, "{output}");
    assert_eq!(summary_of(&output)["records"], 100, "{output}");

    // A refused setting fails the invocation, and the function goes on serving.
    let (ok, output) = invoke(&emulator, r#"{"page_size": 9000}"#).await;
    assert!(!ok, "{output}");
    assert!(
        output.contains("Runner.InvalidConfiguration") && output.contains("page_size"),
        "{output}"
    );
    let (ok, output) = invoke(&emulator, "null").await;
    assert!(ok, "{output}");
    assert_eq!(summary_of(&output)["records"], 0, "{output}");

    assert!(
        function.try_wait().unwrap().is_none(),
        "one process served every invocation"
    );
    function.kill().await.unwrap();
    assert_exactly_once(&world.delivered_lines().await, &world.tines_records().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_warm_function_reads_a_rotated_key_again() {
    let world = World::start().await;
    world.seed(200, 3_000, 60).await;
    let moto = tokio::task::spawn_blocking(AwsEmulator::start)
        .await
        .unwrap()
        .expect("moto starts (run `cargo xtask tools` first)");
    // The pipeline's own key (the world's key stays for reading Tines back at the end).
    let first = world
        .control(
            "POST",
            "/_sim/keys",
            json!({"kind": "tenant_owner", "name": "pipeline-first"}),
        )
        .await;
    let secrets = aws_sdk_secretsmanager::Client::new(&moto.sdk_config());
    let arn = secrets
        .create_secret()
        .name("tinesaudit/rotated")
        .secret_string(first["token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .arn()
        .unwrap()
        .to_owned();
    let emulator = emulator().await;
    let scratch = ScratchDir::new("lambda").unwrap();
    let mut command = world.command(
        &bootstrap(&scratch),
        &[
            ("AWS_LAMBDA_RUNTIME_API", &emulator.runtime_api()),
            ("TINES_API_KEY_SECRET_ARN", &arn),
            ("AWS_ENDPOINT_URL_S3", world.s3_server.endpoint_url()),
            ("AWS_ENDPOINT_URL_SECRETS_MANAGER", moto.endpoint_url()),
        ],
    );
    command
        .env_remove("TINES_API_KEY")
        .env_remove("AWS_ENDPOINT_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    let mut function = command.spawn().unwrap();
    let (ok, output) = invoke(&emulator, "{}").await;
    assert!(ok, "{output}");
    assert_eq!(summary_of(&output)["records"], 200, "{output}");

    // Rotation as tinesaudit_api_key does it: a new key in the same secret, the old one revoked.
    let new = world
        .control(
            "POST",
            "/_sim/keys",
            json!({"kind": "tenant_owner", "name": "pipeline-second"}),
        )
        .await;
    secrets
        .put_secret_value()
        .secret_id(&arn)
        .secret_string(new["token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    let first_id = first["id"].as_u64().unwrap();
    world
        .control("DELETE", &format!("/_sim/keys/{first_id}"), json!(null))
        .await;
    world.seed(50, 50, 30).await;
    let (ok, output) = invoke(&emulator, "{}").await;
    assert!(ok, "the same warm function, with the new key: {output}");
    assert_eq!(summary_of(&output)["records"], 50, "{output}");
    assert!(function.try_wait().unwrap().is_none(), "no cold start");
    function.kill().await.unwrap();
    assert_exactly_once(&world.delivered_lines().await, &world.tines_records().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_cargo_lambda_a_refused_environment_is_an_init_error() {
    let world = World::start().await;
    let emulator = emulator().await;
    let scratch = ScratchDir::new("lambda").unwrap();
    // The emulator hands an init error to the invocation waiting for the function.
    let invocation = invoke(&emulator, "{}");
    let function = async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        world
            .command(
                &bootstrap(&scratch),
                &[
                    ("AWS_LAMBDA_RUNTIME_API", &emulator.runtime_api()),
                    ("STATE_KEY", "tines/audit/state.json"),
                ],
            )
            .output()
            .await
            .unwrap()
    };
    let ((_, output), exited) = tokio::join!(invocation, function);
    assert_eq!(exited.status.code(), Some(2));
    assert!(
        output.contains("Runner.InitFailed") && output.contains("inside the data prefix"),
        "{output}"
    );
    assert!(world.objects().await.is_empty());
}

/// A runtime API of our own: it hands out queued events with real deadlines and records what
/// the function posts back.
#[derive(Clone)]
struct FakeRuntime {
    events: Arc<tokio::sync::Mutex<mpsc::Receiver<(String, u64, String)>>>,
    posted: mpsc::UnboundedSender<Posted>,
}

#[derive(Debug)]
struct Posted {
    /// `response`, `error` or `init-error`.
    endpoint: &'static str,
    request_id: Option<String>,
    error_type: Option<String>,
    body: Value,
}

struct RuntimeHandle {
    address: String,
    events: mpsc::Sender<(String, u64, String)>,
    posted: mpsc::UnboundedReceiver<Posted>,
}

impl RuntimeHandle {
    async fn start() -> RuntimeHandle {
        let (events_tx, events_rx) = mpsc::channel(8);
        let (posted_tx, posted_rx) = mpsc::unbounded_channel();
        let runtime = FakeRuntime {
            events: Arc::new(tokio::sync::Mutex::new(events_rx)),
            posted: posted_tx,
        };
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(respond),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(fail))
            .route("/2018-06-01/runtime/init/error", post(init_failed))
            .with_state(runtime);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap().to_string();
        tokio::spawn(async move { axum::serve(listener, app).await });
        RuntimeHandle {
            address,
            events: events_tx,
            posted: posted_rx,
        }
    }

    /// Queues an event whose deadline is `seconds` from now.
    async fn invoke(&self, id: &str, seconds: f64, payload: Value) {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        let deadline = (now + Duration::from_secs_f64(seconds)).as_millis() as u64;
        self.events
            .send((id.to_owned(), deadline, payload.to_string()))
            .await
            .unwrap();
    }

    async fn posted(&mut self) -> Posted {
        tokio::time::timeout(Duration::from_secs(60), self.posted.recv())
            .await
            .expect("the function posts within a minute")
            .unwrap()
    }
}

async fn next(State(runtime): State<FakeRuntime>) -> Response {
    let Some((id, deadline, payload)) = runtime.events.lock().await.recv().await else {
        return StatusCode::GONE.into_response();
    };
    (
        [
            ("lambda-runtime-aws-request-id", id),
            ("lambda-runtime-deadline-ms", deadline.to_string()),
            (
                "lambda-runtime-invoked-function-arn",
                "arn:aws:lambda:us-east-1:123456789012:function:tinesaudit".to_owned(),
            ),
        ],
        payload,
    )
        .into_response()
}

fn record(
    runtime: &FakeRuntime,
    endpoint: &'static str,
    request_id: Option<String>,
    headers: &HeaderMap,
    body: &Bytes,
) -> StatusCode {
    let _ = runtime.posted.send(Posted {
        endpoint,
        request_id,
        error_type: headers
            .get("lambda-runtime-function-error-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body: serde_json::from_slice(body).unwrap_or(Value::Null),
    });
    StatusCode::ACCEPTED
}

async fn respond(
    State(runtime): State<FakeRuntime>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    record(&runtime, "response", Some(id), &headers, &body)
}

async fn fail(
    State(runtime): State<FakeRuntime>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    record(&runtime, "error", Some(id), &headers, &body)
}

async fn init_failed(
    State(runtime): State<FakeRuntime>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    record(&runtime, "init-error", None, &headers, &body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_invocation_deadline_bounds_the_run_and_failures_go_to_the_error_endpoint() {
    let world = World::with(Behaviour {
        order: Order::OldestFirst,
        ..Behaviour::default()
    })
    .await;
    world.seed(2_000, 3_000, 60).await;
    let mut runtime = RuntimeHandle::start().await;
    let scratch = ScratchDir::new("lambda").unwrap();
    // No key in the environment: each event brings one (an event fills what the environment
    // leaves open), so init cannot build the Tines client and leaves it to each invocation.
    let mut command = world.command(
        &bootstrap(&scratch),
        &[
            ("AWS_LAMBDA_RUNTIME_API", &runtime.address),
            ("PAGE_SIZE", "100"),
            ("RECORDS_PER_OBJECT", "100"),
        ],
    );
    command
        .env_remove("TINES_API_KEY")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    let mut function = command.spawn().unwrap();

    // A key Tines refuses: the run fails, and says so on the error endpoint.
    runtime
        .invoke("wrong-key", 60.0, json!({"api_key": "tk_live_WRONG"}))
        .await;
    let failed = runtime.posted().await;
    assert_eq!(failed.endpoint, "error", "{failed:?}");
    assert_eq!(failed.request_id.as_deref(), Some("wrong-key"));
    assert_eq!(failed.error_type.as_deref(), Some("Runner.RunFailed"));
    assert_eq!(failed.body["errorType"], "Runner.RunFailed");
    let message = failed.body["errorMessage"].as_str().unwrap();
    assert!(message.contains("401"), "{message}");
    assert!(!message.contains("tk_live_WRONG"), "the key never shows");

    // Pages that take 2 s each and 5 s left: the run stops at 4 s (a fifth kept as margin)
    // and answers before Lambda would kill it.
    world
        .set_faults(
            json!([{"kind": "latency", "millis": 2_000, "path_prefix": "/api/v1/audit_logs"}]),
        )
        .await;
    let started = Instant::now();
    runtime
        .invoke("short", 5.0, json!({"api_key": world.key}))
        .await;
    let partial = runtime.posted().await;
    let took = started.elapsed();
    assert_eq!(partial.endpoint, "response", "{partial:?}");
    assert_eq!(partial.request_id.as_deref(), Some("short"));
    assert_eq!(partial.body["outcome"], "partial", "{partial:?}");
    assert_eq!(partial.body["stopped_by"], "deadline", "{partial:?}");
    assert!(
        took < Duration::from_secs(5),
        "answered within the invocation's time: {took:?}"
    );
    world.clear_faults().await;

    runtime
        .invoke("rest", 60.0, json!({"api_key": world.key}))
        .await;
    let completed = runtime.posted().await;
    assert_eq!(completed.endpoint, "response", "{completed:?}");
    assert_eq!(completed.body["outcome"], "completed", "{completed:?}");
    assert_eq!(
        completed.body["records"].as_u64().unwrap() + partial.body["records"].as_u64().unwrap(),
        2_000
    );
    assert!(function.try_wait().unwrap().is_none());
    function.kill().await.unwrap();
    assert_exactly_once(&world.delivered_lines().await, &world.tines_records().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_errors_go_to_the_init_error_endpoint_and_end_the_process() {
    let world = World::start().await;
    let mut runtime = RuntimeHandle::start().await;
    let scratch = ScratchDir::new("lambda").unwrap();
    let exited = world
        .command(
            &bootstrap(&scratch),
            &[
                ("AWS_LAMBDA_RUNTIME_API", &runtime.address),
                ("JOB_FILE", "/nonexistent/job.json"),
            ],
        )
        .output()
        .await
        .unwrap();
    assert_eq!(exited.status.code(), Some(2));
    let posted = runtime.posted().await;
    assert_eq!(posted.endpoint, "init-error");
    assert_eq!(posted.error_type.as_deref(), Some("Runner.InitFailed"));
    assert!(
        posted.body["errorMessage"]
            .as_str()
            .unwrap()
            .contains("/nonexistent/job.json"),
        "{posted:?}"
    );

    // Started as bootstrap with no runtime API to talk to: a clear message, exit 2.
    let lost = world
        .command(&bootstrap(&ScratchDir::new("lambda").unwrap()), &[])
        .output()
        .await
        .unwrap();
    assert_eq!(lost.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&lost.stderr).contains("AWS_LAMBDA_RUNTIME_API"),
        "{lost:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_invocation_prints_its_metrics_for_cloudwatch_and_warns_when_behind() {
    let world = World::start().await;
    world.seed(1_000, 3_000, 60).await;
    let mut runtime = RuntimeHandle::start().await;
    let scratch = ScratchDir::new("lambda").unwrap();
    let mut function = world
        .command(
            &bootstrap(&scratch),
            &[
                ("AWS_LAMBDA_RUNTIME_API", &runtime.address),
                ("AWS_LAMBDA_FUNCTION_NAME", "tinesaudit-sync"),
                ("PAGE_SIZE", "100"),
            ],
        )
        .kill_on_drop(true)
        .spawn()
        .unwrap();

    // Two pages of a ten-page window: behind, and said so.
    runtime
        .invoke("budget", 60.0, json!({"max_pages": 2}))
        .await;
    let partial = runtime.posted().await;
    assert_eq!(partial.body["outcome"], "partial", "{partial:?}");
    assert_eq!(partial.body["stopped_by"], "page_budget", "{partial:?}");
    assert_eq!(partial.body["behind"]["records_left"], 900, "{partial:?}");
    runtime.invoke("rest", 60.0, json!({})).await;
    let completed = runtime.posted().await;
    assert_eq!(completed.body["outcome"], "completed", "{completed:?}");
    function.kill().await.unwrap();
    let output = function.wait_with_output().await.unwrap();

    let stdout = String::from_utf8_lossy(&output.stdout);
    let metrics: Vec<Value> = stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line.get("_aws").is_some())
        .collect();
    assert_eq!(
        metrics.len(),
        2,
        "one metrics line per invocation: {stdout}"
    );
    for (line, summary) in metrics.iter().zip([&partial.body, &completed.body]) {
        assert_eq!(line["outcome"], summary["outcome"], "{line}");
        assert_eq!(line["records"], summary["records"], "{line}");
        assert_eq!(line["lag_seconds"], summary["lag_seconds"], "{line}");
        assert_eq!(line["function"], "tinesaudit-sync");
        let directive = &line["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "tinesaudit");
        assert_eq!(
            directive["Dimensions"],
            json!([["function"], ["function", "outcome"]])
        );
    }
    assert_eq!(metrics[0]["records"], 100);
    assert!(metrics[0]["lag_seconds"].as_i64().unwrap() > 2_000);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("spent its page budget (MAX_PAGES=2) with 900 records of its window left"),
        "{stderr}"
    );
    assert_exactly_once(&world.delivered_lines().await, &world.tines_records().await);
}

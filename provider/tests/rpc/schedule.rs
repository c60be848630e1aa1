//! `tinesaudit_schedule` against moto (IAM, Lambda, Scheduler) and SeaweedFS (the job file): what validation
//! refuses, what plan derives from the job file and the runner package, and one pass from create to
//! destroy.

use std::path::PathBuf;

use serde_json::{Value as Json, json};
use sha2::{Digest as _, Sha256};
use tfplugin_proto::value::Value;
use tinesaudit_provider::TinesAuditProvider;
use tinesaudit_testkit::{AwsEmulator, S3Server};

use crate::{Env, assert_no_errors, b, errors, n, path_of, s, text};

pub const SCHEDULE: &str = "tinesaudit_schedule";
const BUCKET: &str = "pipeline";

/// The provider with a bootstrap of its own, configured for moto and SeaweedFS.
struct Deployment {
    env: Env,
    aws: AwsEmulator,
    s3: S3Server,
    bootstrap: PathBuf,
    _dir: tempfile::TempDir,
}

impl Deployment {
    async fn start() -> Deployment {
        let aws = tokio::task::spawn_blocking(AwsEmulator::start);
        let s3 = tokio::task::spawn_blocking(S3Server::start);
        let aws = aws.await.unwrap().expect("moto (run `cargo xtask tools`)");
        let s3 = s3
            .await
            .unwrap()
            .expect("SeaweedFS (run `cargo xtask tools`)");
        let dir = tempfile::tempdir().unwrap();
        let bootstrap = dir.path().join("tinesaudit-runner-bootstrap");
        std::fs::write(&bootstrap, b"#!/bin/sh\necho 'runner v1'\n").unwrap();
        // SeaweedFS checks signatures; moto takes any credentials, so these serve both.
        let provider = TinesAuditProvider::new()
            .with_env(|_| None)
            .with_runner_bootstrap(&bootstrap)
            .with_aws_credentials(s3.access_key(), s3.secret_key());
        let env = Env::unconfigured_with(None, provider).await;
        let deployment = Deployment {
            env,
            aws,
            s3,
            bootstrap,
            _dir: dir,
        };
        deployment
            .env
            .configure_ok(&[
                ("aws_region", s(deployment.aws.region())),
                ("aws_endpoint_url", s(deployment.aws.endpoint_url())),
                ("aws_s3_endpoint_url", s(deployment.s3.endpoint_url())),
                ("aws_s3_force_path_style", b(true)),
            ])
            .await;
        deployment
            .s3
            .client()
            .create_bucket()
            .bucket(BUCKET)
            .send()
            .await
            .unwrap();
        deployment
    }

    /// Writes a job file; answers its location and hex SHA-256.
    async fn put_job(&self, key: &str, job: &Json) -> (String, String) {
        let bytes = serde_json::to_vec_pretty(job).unwrap();
        let sha256: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        self.s3
            .client()
            .put_object()
            .bucket(BUCKET)
            .key(key)
            .body(bytes.into())
            .send()
            .await
            .unwrap();
        (format!("s3://{BUCKET}/{key}"), sha256)
    }

    fn config(&self, attrs: &[(&str, Value)]) -> Value {
        self.env.resource(SCHEDULE, attrs)
    }
}

fn job(max_pages: u64, requests_per_minute: u64) -> Json {
    json!({
        "bucket": BUCKET,
        "tenant": "https://example.tines.com",
        "api_key_secret_arn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:tines-AbCdEf",
        "max_pages": max_pages,
        "requests_per_minute": requests_per_minute,
    })
}

/// IAM answers policy documents URL-encoded.
fn percent_decoded(text: &str) -> String {
    let mut bytes = Vec::new();
    let mut rest = text.as_bytes();
    while let Some((&first, tail)) = rest.split_first() {
        match (first, tail) {
            (b'%', [high, low, tail @ ..]) => {
                let hex = std::str::from_utf8(&[*high, *low]).unwrap().to_owned();
                bytes.push(u8::from_str_radix(&hex, 16).unwrap());
                rest = tail;
            }
            _ => {
                bytes.push(first);
                rest = tail;
            }
        }
    }
    String::from_utf8(bytes).unwrap()
}

fn attr<'v>(value: &'v Value, name: &str) -> &'v Value {
    value.attribute(name).unwrap_or_else(|| panic!("no {name}"))
}

fn string(value: &Value, name: &str) -> String {
    attr(value, name)
        .as_str()
        .unwrap_or_else(|| panic!("{name} is not a known string: {:?}", attr(value, name)))
        .to_owned()
}

#[tokio::test]
async fn validation_refuses_bad_values_under_their_attribute() {
    let env = Env::unconfigured_with(None, TinesAuditProvider::new().with_env(|_| None)).await;
    let base = |extra: &[(&str, Value)]| {
        let mut attrs = vec![("name", s("sync")), ("job_file", s("s3://b/job.json"))];
        attrs.extend(extra.iter().cloned());
        env.resource(SCHEDULE, &attrs)
    };
    assert_no_errors(&env.validate(SCHEDULE, &base(&[]), true).await);
    let env_with = |key: &str, value: &str| Value::Map([(key.to_owned(), s(value))].into());
    // (attribute, value, where the error is, what it says)
    let cases = vec![
        (
            "expression",
            s("rate(5 minute)"),
            "expression",
            "rate(5 minutes)",
        ),
        ("expression", s("cron(0 8 * * *)"), "expression", "six"),
        (
            "expression",
            s("at(2030-02-30T00:00:00)"),
            "expression",
            "yyyy-mm-ddThh:mm:ss",
        ),
        (
            "expression",
            s("every hour"),
            "expression",
            "not a schedule expression",
        ),
        ("name", s("sync.prod"), "name", "letters, digits, hyphens"),
        ("name", s(&"a".repeat(65)), "name", "64"),
        // Both roles created: `<name>-scheduler` must fit 64 characters.
        ("name", s(&"a".repeat(55)), "name", "at most 54"),
        (
            "job_file",
            s("https://b/job.json"),
            "job_file",
            "s3://bucket/key",
        ),
        (
            "job_file_sha256",
            s("ABC"),
            "job_file_sha256",
            "lowercase hex",
        ),
        ("role_arn", s("my-role"), "role_arn", "IAM role ARN"),
        ("memory_mb", n(64), "memory_mb", "128"),
        ("retry_attempts", n(186), "retry_attempts", "185"),
        (
            "max_event_age_seconds",
            n(59),
            "max_event_age_seconds",
            "60",
        ),
        (
            "flexible_window_minutes",
            n(1441),
            "flexible_window_minutes",
            "1440",
        ),
        ("timezone", s("Mars Time"), "timezone", "IANA"),
        (
            "timezone",
            s("Mars/Olympus_Mons"),
            "timezone",
            "not in the time zone database",
        ),
        (
            "environment",
            env_with("JOB_FILE", "x"),
            "environment[\"JOB_FILE\"]",
            "job_file",
        ),
        (
            "environment",
            env_with("AWS_REGION", "x"),
            "environment[\"AWS_REGION\"]",
            "reserves",
        ),
        (
            "environment",
            env_with("MAX_PAGES", "5"),
            "environment[\"MAX_PAGES\"]",
            "job file",
        ),
        (
            "environment",
            env_with("BIG", &"x".repeat(4100)),
            "environment",
            "4096 bytes",
        ),
    ];
    for (attribute, value, path, expected) in cases {
        let extra = [(attribute, value)];
        let diagnostics = env.validate(SCHEDULE, &base(&extra), true).await;
        let errors = errors(&diagnostics);
        assert_eq!(errors.len(), 1, "{extra:?}: {}", text(&diagnostics));
        assert_eq!(
            path_of(errors[0]),
            path,
            "{extra:?}: {}",
            text(&diagnostics)
        );
        assert!(
            errors[0].detail.contains(expected),
            "{extra:?}: expected {expected:?} in {}",
            text(&diagnostics)
        );
    }
    // With both roles given, a name of 64 characters is fine; endpoint overrides are accepted.
    let given = base(&[
        ("name", s(&"a".repeat(64))),
        ("role_arn", s("arn:aws:iam::123456789012:role/runner")),
        (
            "scheduler_role_arn",
            s("arn:aws:iam::123456789012:role/scheduler"),
        ),
        (
            "environment",
            Value::Map(
                [
                    ("AWS_ENDPOINT_URL".to_owned(), s("http://127.0.0.1:1")),
                    ("S3_FORCE_PATH_STYLE".to_owned(), s("true")),
                ]
                .into(),
            ),
        ),
    ]);
    assert_no_errors(&env.validate(SCHEDULE, &given, true).await);
}

#[tokio::test]
async fn plan_derives_the_timeout_and_hashes_from_the_job_file_and_the_package() {
    let d = Deployment::start().await;
    // 100 pages at 600 a minute: 10 s of fetching, 15 s planned, plus the 60 s margin.
    let (job_file, sha256) = d.put_job("jobs/plan.json", &job(100, 600)).await;
    let config = d.config(&[("name", s("plan")), ("job_file", s(&job_file))]);
    let planned = d.env.plan(SCHEDULE, &Value::Null, &config).await;
    assert_no_errors(&planned.diagnostics);
    let plan = d.env.decode(SCHEDULE, &planned.planned_state);
    assert_eq!(attr(&plan, "timeout_seconds"), &n(75));
    assert_eq!(attr(&plan, "job_file_sha256"), &s(&sha256));
    let runner = string(&plan, "runner_sha256");
    assert_eq!(runner.len(), 64, "{runner}");
    assert!(attr(&plan, "function_arn").is_unknown());
    assert!(attr(&plan, "role_arn").is_unknown());
    assert_eq!(attr(&plan, "expression"), &s("rate(1 hour)"));
    assert_eq!(attr(&plan, "memory_mb"), &n(512));

    // The same package every time; another bootstrap, another hash.
    let again = d.env.plan(SCHEDULE, &Value::Null, &config).await;
    assert_eq!(d.env.decode(SCHEDULE, &again.planned_state), plan);
    std::fs::write(&d.bootstrap, b"#!/bin/sh\necho 'runner v2, upgraded'\n").unwrap();
    let upgraded = d.env.plan(SCHEDULE, &Value::Null, &config).await;
    let upgraded = d.env.decode(SCHEDULE, &upgraded.planned_state);
    assert_ne!(string(&upgraded, "runner_sha256"), runner);

    // A configured hash that matches: derived as well.
    let pinned = d.config(&[
        ("name", s("plan")),
        ("job_file", s(&job_file)),
        ("job_file_sha256", s(&sha256)),
    ]);
    let planned = d.env.plan(SCHEDULE, &Value::Null, &pinned).await;
    assert_no_errors(&planned.diagnostics);
    let plan = d.env.decode(SCHEDULE, &planned.planned_state);
    assert_eq!(attr(&plan, "timeout_seconds"), &n(75));
}

#[tokio::test]
async fn what_the_job_file_decides_stays_unknown_until_it_can_be_read() {
    let d = Deployment::start().await;
    let (job_file, _) = d.put_job("jobs/now.json", &job(10, 60)).await;
    let unknown_after_plan = |config: Value| {
        let d = &d;
        async move {
            let planned = d.env.plan(SCHEDULE, &Value::Null, &config).await;
            assert_no_errors(&planned.diagnostics);
            let plan = d.env.decode(SCHEDULE, &planned.planned_state);
            assert!(attr(&plan, "timeout_seconds").is_unknown(), "{plan:?}");
            assert!(attr(&plan, "job_file_sha256").is_unknown(), "{plan:?}");
            // The package does not depend on the job.
            assert!(attr(&plan, "runner_sha256").as_str().is_some(), "{plan:?}");
        }
    };
    // job_file refers to a resource not created yet.
    unknown_after_plan(d.config(&[("name", s("later")), ("job_file", Value::unknown())])).await;
    // The job file is not written yet.
    unknown_after_plan(d.config(&[
        ("name", s("later")),
        ("job_file", s(&format!("s3://{BUCKET}/jobs/missing.json"))),
    ]))
    .await;
    // Nor its bucket.
    unknown_after_plan(d.config(&[
        ("name", s("later")),
        ("job_file", s("s3://no-such-bucket/job.json")),
    ]))
    .await;
    // The job file will be rewritten: its hash is known, but S3 still has the old content.
    let planned = d
        .env
        .plan(
            SCHEDULE,
            &Value::Null,
            &d.config(&[
                ("name", s("later")),
                ("job_file", s(&job_file)),
                ("job_file_sha256", s(&"0".repeat(64))),
            ]),
        )
        .await;
    assert_no_errors(&planned.diagnostics);
    let plan = d.env.decode(SCHEDULE, &planned.planned_state);
    assert!(attr(&plan, "timeout_seconds").is_unknown());
    assert_eq!(attr(&plan, "job_file_sha256"), &s(&"0".repeat(64)));
    // Its hash unknown too.
    let planned = d
        .env
        .plan(
            SCHEDULE,
            &Value::Null,
            &d.config(&[
                ("name", s("later")),
                ("job_file", s(&job_file)),
                ("job_file_sha256", Value::unknown()),
            ]),
        )
        .await;
    assert_no_errors(&planned.diagnostics);
    let plan = d.env.decode(SCHEDULE, &planned.planned_state);
    assert!(attr(&plan, "timeout_seconds").is_unknown());
}

#[tokio::test]
async fn a_job_longer_than_lambda_allows_is_refused_at_plan() {
    let d = Deployment::start().await;
    let (job_file, _) = d.put_job("jobs/long.json", &job(20_000, 1000)).await;
    let config = d.config(&[("name", s("long")), ("job_file", s(&job_file))]);
    let planned = d.env.plan(SCHEDULE, &Value::Null, &config).await;
    let errors = errors(&planned.diagnostics);
    assert_eq!(errors.len(), 1, "{}", text(&planned.diagnostics));
    assert_eq!(path_of(errors[0]), "job_file");
    for expected in [
        "max_pages = 20000",
        "requests_per_minute = 1000",
        "900 s",
        "9333 or less",
    ] {
        assert!(
            errors[0].detail.contains(expected),
            "{expected:?} in {}",
            errors[0].detail
        );
    }

    // A job file the runner would refuse is an error too, naming the key.
    let (job_file, _) = d
        .put_job(
            "jobs/bad.json",
            &json!({"bucket": BUCKET, "max_pages": "many"}),
        )
        .await;
    let config = d.config(&[("name", s("bad")), ("job_file", s(&job_file))]);
    let planned = d.env.plan(SCHEDULE, &Value::Null, &config).await;
    assert!(
        text(&planned.diagnostics).contains("\"max_pages\""),
        "{}",
        text(&planned.diagnostics)
    );

    // So is an object too large to be a job file, which is not read.
    let (job_file, _) = d
        .put_job(
            "jobs/huge.json",
            &json!({"bucket": BUCKET, "padding": "x".repeat(1024 * 1024)}),
        )
        .await;
    let config = d.config(&[("name", s("huge")), ("job_file", s(&job_file))]);
    let planned = d.env.plan(SCHEDULE, &Value::Null, &config).await;
    let refused = self::errors(&planned.diagnostics);
    assert_eq!(refused.len(), 1, "{}", text(&planned.diagnostics));
    assert_eq!(path_of(refused[0]), "job_file");
    assert!(
        refused[0].detail.contains("at most 1048576"),
        "{}",
        refused[0].detail
    );
}

#[tokio::test]
async fn a_missing_bootstrap_fails_the_plan_with_its_path() {
    let d = Deployment::start().await;
    let (job_file, _) = d.put_job("jobs/nobootstrap.json", &job(10, 60)).await;
    std::fs::remove_file(&d.bootstrap).unwrap();
    let config = d.config(&[("name", s("nobootstrap")), ("job_file", s(&job_file))]);
    let planned = d.env.plan(SCHEDULE, &Value::Null, &config).await;
    let diagnostics = text(&planned.diagnostics);
    assert!(
        diagnostics.contains(&d.bootstrap.display().to_string()),
        "{diagnostics}"
    );
    assert!(diagnostics.contains("cargo xtask bundle"), "{diagnostics}");
}

#[tokio::test]
async fn create_refresh_import_update_and_destroy() {
    let d = Deployment::start().await;
    let (job_file, sha256) = d.put_job("jobs/life.json", &job(100, 600)).await;
    let config = |memory: i64| {
        d.config(&[
            ("name", s("life")),
            ("job_file", s(&job_file)),
            ("job_file_sha256", s(&sha256)),
            ("memory_mb", n(memory)),
        ])
    };
    let state = d.env.converge(SCHEDULE, &Value::Null, &config(512)).await;
    assert_eq!(attr(&state, "id"), &s("life"));
    assert_eq!(
        attr(&state, "function_arn"),
        &s("arn:aws:lambda:us-east-1:123456789012:function:life")
    );
    assert_eq!(
        attr(&state, "role_arn"),
        &s("arn:aws:iam::123456789012:role/life-runner")
    );
    assert_eq!(
        attr(&state, "scheduler_role_arn"),
        &s("arn:aws:iam::123456789012:role/life-scheduler")
    );

    let moto = d.aws.sdk_config();
    let lambda = aws_sdk_lambda::Client::new(&moto);
    let function = lambda
        .get_function()
        .function_name("life")
        .send()
        .await
        .unwrap();
    let configuration = function.configuration().unwrap();
    assert_eq!(configuration.timeout(), Some(75));
    assert_eq!(configuration.handler(), Some("bootstrap"));
    assert_eq!(
        configuration
            .environment()
            .and_then(|e| e.variables())
            .and_then(|v| v.get("JOB_FILE"))
            .map(String::as_str),
        Some(job_file.as_str())
    );
    let policy = aws_sdk_iam::Client::new(&moto)
        .get_role_policy()
        .role_name("life-runner")
        .policy_name("tinesaudit-runner")
        .send()
        .await
        .unwrap();
    let policy: Json = serde_json::from_str(&percent_decoded(policy.policy_document())).unwrap();
    assert!(
        policy["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["Resource"]
                == "arn:aws:secretsmanager:us-east-1:123456789012:secret:tines-AbCdEf"),
        "{policy}"
    );

    // Refresh changes nothing; import finds the same.
    let refreshed = d.env.refresh(SCHEDULE, &state).await;
    assert_eq!(refreshed, state);
    let (imported, diagnostics) = d.env.import(SCHEDULE, "life").await;
    assert_no_errors(&diagnostics);
    assert_eq!(imported, state);

    // Memory in place.
    let updated = d.env.converge(SCHEDULE, &state, &config(1024)).await;
    assert_eq!(attr(&updated, "memory_mb"), &n(1024));
    let function = lambda
        .get_function()
        .function_name("life")
        .send()
        .await
        .unwrap();
    assert_eq!(function.configuration().unwrap().memory_size(), Some(1024));

    // Destroy leaves nothing.
    d.env.converge(SCHEDULE, &updated, &Value::Null).await;
    assert!(
        lambda
            .get_function()
            .function_name("life")
            .send()
            .await
            .is_err()
    );
    let scheduler = aws_sdk_scheduler::Client::new(&moto);
    assert!(scheduler.get_schedule().name("life").send().await.is_err());
    let roles = aws_sdk_iam::Client::new(&moto)
        .list_roles()
        .send()
        .await
        .unwrap();
    assert!(roles.roles().is_empty(), "{:?}", roles.roles());
}

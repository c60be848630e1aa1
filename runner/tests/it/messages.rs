//! What a person reads when a run fails or its input is refused: the reason on stderr, with
//! the permission, the address, the endpoint or the format it needs named.

use serde_json::json;
use tokio::net::TcpListener;

use crate::support::{BUCKET, Run, World};

/// A loopback port with nothing listening on it.
async fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

/// The run failed with exit code 1, said so once on stderr, and the reason contains `says`.
fn assert_failed_saying(run: &Run, says: &str) {
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let reason = run.summary["error"].as_str().unwrap_or_default();
    assert!(reason.contains(says), "{says}: {reason}");
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(
        lines,
        [format!("tinesaudit-runner: sync failed: {reason}")],
        "one line on stderr at the default log level"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_sync_says_why_on_stderr_naming_what_tines_needs_or_sent() {
    let world = World::start().await;
    world.seed(10, 3_000, 60).await;
    let team = world
        .control(
            "POST",
            "/_sim/keys",
            json!({"kind": "team", "name": "team"}),
        )
        .await;
    let team_key = team["token"].as_str().unwrap();
    let forbidden = world.sync(&[("TINES_API_KEY", team_key)]).await;
    assert_failed_saying(
        &forbidden,
        "without the AUDIT_LOG_READ tenant permission (tenant owners have it): grant it to the \
         key's user with the tinesaudit_tenant_permissions Terraform resource, or in Tines",
    );
    assert!(!forbidden.stderr.contains(team_key) && !forbidden.stdout.contains(team_key));

    world
        .set_faults(json!([{"kind": "html_page", "status": 200}]))
        .await;
    let proxied = world.sync(&[("HTTP_RETRIES", "0")]).await;
    assert_failed_saying(
        &proxied,
        "invalid response (HTTP 200): expected JSON, got an HTML page (Content-Type: text/html; \
         charset=utf-8): \"200 OK\"",
    );
    world.clear_faults().await;

    let port = closed_port().await;
    let tenant = format!("http://127.0.0.1:{port}");
    // A state key of its own: the other one holds the first tenant's checkpoint.
    let unreachable = world
        .sync(&[
            ("TINES_BASE_URL", &tenant),
            ("HTTP_RETRIES", "0"),
            ("STATE_KEY", "tines/state/unreachable.json"),
        ])
        .await;
    assert_failed_saying(
        &unreachable,
        &format!("could not connect to 127.0.0.1:{port}: connection refused"),
    );
    assert!(world.objects().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_aws_endpoint_is_named_with_the_cause() {
    let world = World::start().await;
    let port = closed_port().await;
    let dead = format!("http://127.0.0.1:{port}");
    let refused = format!("no answer from {dead}: connection refused");
    let once = ("AWS_MAX_ATTEMPTS", "1");

    let run = world.sync(&[("AWS_ENDPOINT_URL", &dead), once]).await;
    assert_failed_saying(
        &run,
        &format!("S3 GetObject of s3://{BUCKET}/tines/state/audit.json failed: {refused}"),
    );
    assert!(!run.stdout.contains("dispatch failure"), "{}", run.stdout);

    let unknown = world
        .sync(&[
            ("AWS_ENDPOINT_URL", "http://s3.tinesaudit-test.invalid:9000"),
            once,
        ])
        .await;
    assert_failed_saying(
        &unknown,
        "no answer from http://s3.tinesaudit-test.invalid:9000: DNS lookup failed",
    );

    let job = format!("s3://{BUCKET}/jobs/audit.json");
    let run = world
        .run(
            &["sync", "--job", &job],
            &[("AWS_ENDPOINT_URL", &dead), once],
        )
        .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "cannot read the job file {job}: S3 GetObject of {job} failed: {refused}"
        )),
        "{}",
        run.stderr
    );

    let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:tines-key-AbCdEf";
    let mut command = world.runner(&[
        ("TINES_API_KEY_SECRET_ARN", arn),
        ("AWS_ENDPOINT_URL_SECRETS_MANAGER", &dead),
        once,
    ]);
    let output = command
        .env_remove("TINES_API_KEY")
        .arg("sync")
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "cannot read the Tines API key from Secrets Manager secret {arn}: {refused}"
        )),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_time_names_the_flag_or_variable_and_rfc_3339() {
    let world = World::start().await;
    let expected = "expected an RFC 3339 time such as 2024-05-01T00:00:00Z";
    for (args, env, names) in [
        (&["backfill", "--from", "yesterday"][..], None, "--from"),
        (
            &[
                "backfill",
                "--from",
                "2024-05-01T00:00:00Z",
                "--to",
                "2024-05-02",
            ][..],
            None,
            "--to",
        ),
        (
            &[
                "verify",
                "--from",
                "2024-05-01 00:00",
                "--to",
                "2024-05-02T00:00:00Z",
            ][..],
            None,
            "--from",
        ),
        (
            &["sync"][..],
            Some(("BACKFILL_FROM", "last week")),
            "environment variable BACKFILL_FROM",
        ),
    ] {
        let run = world.run(args, env.as_slice()).await;
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains(names) && run.stderr.contains(expected),
            "{args:?}: {}",
            run.stderr
        );
    }
}

#[tokio::test]
async fn help_says_how_logging_is_set() {
    for args in [
        &["--help"][..],
        &["sync", "--help"],
        &["backfill", "--help"],
    ] {
        let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_tinesaudit-runner"))
            .args(args)
            .env_clear()
            .output()
            .await
            .unwrap();
        let help = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{args:?}");
        assert!(
            help.contains("RUST_LOG sets what is logged on stderr")
                && help.contains("the default is warn")
                && help.contains("LOG_LEVEL, the older name, is read when RUST_LOG is unset"),
            "{args:?}: {help}"
        );
    }
}

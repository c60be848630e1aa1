//! The main job end to end, on embedded defaults: `cargo xtask demo` runs this.
//!
//! 1. A Tines tenant (the simulator) with 25,000 audit records from the last six hours, many
//!    sharing a second, and new records arriving all the time; a service key for the pipeline
//!    holding `AUDIT_LOG_READ`.
//! 2. An S3 bucket (SeaweedFS on loopback).
//! 3. `tinesaudit-runner sync` as the reference Lambda was configured (MAX_PAGES=20, hourly),
//!    run until it has caught up: the reference would have stored the newest 10,000 records
//!    and lost the other 15,000.
//! 4. `tinesaudit-runner verify`: every record in S3 exactly once.
//! 5. What landed: the objects, and the first lines of one.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result, bail};
use aws_sdk_s3::config::{Credentials, Region};
use serde_json::{Value, json};
use tinesaudit_testkit::S3Server;

const BUCKET: &str = "secops-tines-audit";

#[tokio::main]
async fn main() -> Result<()> {
    println!("==> starting a simulated Tines tenant");
    let sim = tines_sim::spawn(tines_sim::Behaviour::default()).await?;
    let base = sim.base_url().to_owned();
    let http = reqwest::Client::new();
    let control = |path: &str, body: Value| {
        let request = http.post(format!("{base}{path}")).json(&body);
        async move {
            anyhow::Ok(
                request
                    .send()
                    .await?
                    .error_for_status()?
                    .json::<Value>()
                    .await
                    .unwrap_or(Value::Null),
            )
        }
    };
    let owner = control(
        "/_sim/keys",
        json!({"kind": "tenant_owner", "name": "platform-admin"}),
    )
    .await?;
    let service = control(
        "/_sim/keys",
        json!({"kind": "service", "name": "secops-pipeline"}),
    )
    .await?;
    let pipeline_user = service["user_id"]
        .as_u64()
        .context("service key has a user")?;
    http.put(format!("{base}/api/v1/admin/users/{pipeline_user}"))
        .bearer_auth(owner["token"].as_str().unwrap_or_default())
        .json(&json!({"tenant_permissions": ["AUDIT_LOG_READ"]}))
        .send()
        .await?
        .error_for_status()?;
    let now = jiff::Timestamp::now();
    let seeded = control(
        "/_sim/events",
        json!({"count": 25_000, "from": now - jiff::SignedDuration::from_hours(6), "to": now - jiff::SignedDuration::from_secs(90)}),
    )
    .await?;
    http.put(format!("{base}/_sim/events/stream"))
        .json(&json!({"rate_per_second": 5}))
        .send()
        .await?
        .error_for_status()?;
    println!(
        "    tenant {base}: {} records seeded, 5 more arriving every second",
        seeded["count"]
    );

    println!("==> starting S3 (SeaweedFS)");
    let s3_server = tokio::task::spawn_blocking(S3Server::start).await??;
    let s3 = s3_client(&s3_server);
    s3.create_bucket().bucket(BUCKET).send().await?;
    println!("    {} bucket {BUCKET}", s3_server.endpoint_url());

    let runner = sibling_binary("tinesaudit-runner")?;
    let env = [
        ("S3_BUCKET", BUCKET.to_owned()),
        ("TINES_BASE_URL", base.clone()),
        (
            "TINES_API_KEY",
            service["token"].as_str().unwrap_or_default().to_owned(),
        ),
        ("LOOKBACK_SECONDS", "28800".to_owned()),
        ("MAX_PAGES", "20".to_owned()),
        ("S3_FORCE_PATH_STYLE", "true".to_owned()),
        ("AWS_ENDPOINT_URL", s3_server.endpoint_url().to_owned()),
        ("AWS_ACCESS_KEY_ID", s3_server.access_key().to_owned()),
        ("AWS_SECRET_ACCESS_KEY", s3_server.secret_key().to_owned()),
        ("AWS_REGION", s3_server.region().to_owned()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
    ];
    let run = |args: &[&str]| {
        let mut command = Command::new(&runner);
        command
            .args(args)
            .env_clear()
            .envs(env.iter().map(|(k, v)| (*k, v)));
        command
    };

    println!(
        "==> tinesaudit-runner sync, as the reference Lambda was set up (MAX_PAGES=20), until caught up"
    );
    let started = jiff::Timestamp::now();
    for attempt in 1..=10 {
        let output = tokio::task::spawn_blocking({
            let mut command = run(&["sync"]);
            move || command.output()
        })
        .await??;
        let summary: Value =
            serde_json::from_slice(output.stdout.trim_ascii()).unwrap_or(Value::Null);
        println!(
            "    run {attempt}: {} — {} records in {} objects from {} pages, {} s behind",
            summary["outcome"],
            summary["records"],
            summary["objects"],
            summary["pages"],
            summary["lag_seconds"]
        );
        if !output.status.success() {
            bail!(
                "the runner failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        if summary["outcome"] == "completed" {
            break;
        }
    }

    println!("==> tinesaudit-runner verify: S3 against Tines, for the window synced");
    let verify = run(&[
        "verify",
        "--from",
        &(now - jiff::SignedDuration::from_hours(8)).to_string(),
        "--to",
        &(started - jiff::SignedDuration::from_secs(60)).to_string(),
    ])
    .output()?;
    let report: Value = serde_json::from_slice(verify.stdout.trim_ascii()).unwrap_or(Value::Null);
    println!(
        "    {} records in Tines, {} in S3, {} missing, {} duplicated",
        report["tines_records"],
        report["s3_records"],
        report["missing"].as_array().map_or(0, Vec::len),
        report["duplicated"].as_array().map_or(0, Vec::len)
    );

    println!("==> what landed in s3://{BUCKET}/");
    let listed = s3.list_objects_v2().bucket(BUCKET).send().await?;
    for object in listed.contents() {
        println!(
            "    {:>9} bytes  {}",
            object.size().unwrap_or_default(),
            object.key().unwrap_or_default()
        );
    }
    if let Some(first) = listed
        .contents()
        .iter()
        .find(|o| o.key().is_some_and(|k| k.ends_with(".ndjson")))
    {
        let body = s3
            .get_object()
            .bucket(BUCKET)
            .key(first.key().unwrap_or_default())
            .send()
            .await?;
        let body = body.body.collect().await?.into_bytes();
        println!(
            "==> the first two lines of {}",
            first.key().unwrap_or_default()
        );
        for line in String::from_utf8_lossy(&body).lines().take(2) {
            println!("    {line}");
        }
    }
    if !verify.status.success() {
        bail!("verify found differences");
    }
    Ok(())
}

fn s3_client(server: &S3Server) -> aws_sdk_s3::Client {
    let config = aws_sdk_s3::config::Builder::new()
        .behavior_version_latest()
        .endpoint_url(server.endpoint_url())
        .region(Region::new(server.region().to_owned()))
        .credentials_provider(Credentials::new(
            server.access_key(),
            server.secret_key(),
            None,
            None,
            "demo",
        ))
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

/// A binary built into the same target folder as this example (`target/debug/`).
fn sibling_binary(name: &str) -> Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let path = exe
        .parent()
        .and_then(|examples| examples.parent())
        .map(|dir| dir.join(name))
        .context("cannot find the target folder")?;
    if !path.is_file() {
        bail!(
            "{} is missing; build it with `cargo build -p {name}`",
            path.display()
        );
    }
    Ok(path)
}

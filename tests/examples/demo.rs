//! The main job end to end, on embedded defaults: `cargo xtask demo` runs this.
//!
//! 1. A Tines tenant (the simulator) with 25,000 audit records from the last six hours, many sharing a
//!    second, and new records arriving all the time; the pipeline's service key, with no permission yet.
//! 2. S3 (SeaweedFS) with an empty bucket, and the rest of AWS (moto) on loopback.
//! 3. `terraform apply` of `examples/quickstart`: the key into Secrets Manager, AUDIT_LOG_READ for its
//!    service account, the job file, and the runner deployed as a Lambda function with an hourly
//!    EventBridge schedule; then a second plan, which must be empty.
//! 4. What the schedule would run: the deployed function's package (checked against the bootstrap beside
//!    the provider) and environment, invoked with the schedule's input under a Lambda runtime emulator.
//! 5. `tinesaudit-runner verify`: every record in S3 exactly once. Then what landed.

use anyhow::{Result, bail};
use tinesaudit_e2e::quickstart::{BUCKET, Quickstart};

#[tokio::main]
async fn main() -> Result<()> {
    let started = jiff::Timestamp::now();
    println!("==> a simulated Tines tenant, S3 (SeaweedFS) and AWS (moto) on loopback");
    let quickstart = Quickstart::start(25_000, 5).await?;
    println!(
        "    tenant {}: 25,000 records from the last six hours, 5 more arriving every second",
        quickstart.tenant_url()
    );
    println!("    S3 {} bucket {BUCKET}", quickstart.s3.endpoint_url());
    println!("    AWS {}", quickstart.aws.endpoint_url());

    println!(
        "==> terraform apply examples/quickstart (Terraform {})",
        quickstart.terraform_version()
    );
    let applied = quickstart.apply()?;
    for line in applied
        .lines()
        .filter(|line| line.contains("Creation complete") || line.starts_with("Apply complete"))
    {
        println!("    {line}");
    }
    let (empty, plan) = quickstart.plan_is_empty()?;
    if !empty {
        bail!("the plan after apply is not empty:\n{plan}");
    }
    println!("    a second plan: no changes");

    println!("==> what the schedule runs, read back from AWS");
    let deployed = quickstart.deployed().await?;
    println!(
        "    schedule {} ({}), input {}",
        deployed.schedule_expression,
        if deployed.schedule_enabled {
            "enabled"
        } else {
            "disabled"
        },
        deployed.input
    );
    println!(
        "    function {}: {} / {}, timeout {} s, package sha256 {}",
        deployed.function_arn,
        deployed.runtime,
        deployed.handler,
        deployed.timeout_seconds,
        deployed.code_sha256
    );
    for (name, value) in &deployed.environment {
        println!("      {name}={value}");
    }

    println!("==> invoking it as the schedule would, until caught up");
    for invocation in 1..=5 {
        let summary = quickstart.scheduled_run(&deployed).await?;
        println!(
            "    invocation {invocation}: {} — {} records in {} objects from {} pages, {} s behind",
            summary["outcome"],
            summary["records"],
            summary["objects"],
            summary["pages"],
            summary["lag_seconds"]
        );
        if summary["outcome"] == "completed" {
            break;
        }
    }

    println!("==> tinesaudit-runner verify: S3 against Tines, for the window synced");
    let report = quickstart.verify(
        started - jiff::SignedDuration::from_hours(8),
        jiff::Timestamp::now() - jiff::SignedDuration::from_secs(120),
    )?;
    println!(
        "    {} records in Tines, {} in S3, {} missing, {} duplicated",
        report["tines_records"],
        report["s3_records"],
        report["missing"].as_array().map_or(0, Vec::len),
        report["duplicated"].as_array().map_or(0, Vec::len)
    );

    println!("==> what landed in s3://{BUCKET}/");
    let objects = quickstart.objects().await?;
    for (key, size) in &objects {
        println!("    {size:>9} bytes  {key}");
    }
    if let Some((key, _)) = objects.iter().find(|(key, _)| key.ends_with(".ndjson")) {
        println!("==> the first two lines of {key}");
        for line in String::from_utf8_lossy(&quickstart.object(key).await?)
            .lines()
            .take(2)
        {
            println!("    {line}");
        }
    }
    if report["missing"].as_array().is_none_or(|m| !m.is_empty())
        || report["duplicated"]
            .as_array()
            .is_none_or(|d| !d.is_empty())
    {
        bail!("verify found differences");
    }
    Ok(())
}

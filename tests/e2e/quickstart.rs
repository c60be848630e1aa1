//! `examples/quickstart` end to end: planned into a saved plan that holds neither key, that plan applied
//! with the provider from the dist folder on the newest Terraform CLI, a second plan empty, what the
//! schedule deployed run as Lambda runs it, every record in S3 exactly once, and a destroy that leaves
//! nothing in AWS.

use anyhow::{Result, ensure};
use tinesaudit_e2e::quickstart::Quickstart;

const RECORDS: u64 = 3_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_quickstart_deploys_a_runner_that_delivers_every_record_once() -> Result<()> {
    let quickstart = Quickstart::start(RECORDS, 0).await?;
    // The example passes both keys in ephemeral variables, which a saved plan does not keep.
    let keys = quickstart.save_plan()?;
    ensure!(keys.is_empty(), "the saved plan holds keys: {keys:?}");
    let applied = quickstart.apply_saved_plan()?;
    ensure!(applied.contains("Apply complete"), "{applied}");
    let (empty, plan) = quickstart.plan_is_empty()?;
    ensure!(empty, "the plan after apply is not empty:\n{plan}");

    let deployed = quickstart.deployed().await?;
    ensure!(deployed.runtime == "provided.al2023", "{deployed:?}");
    ensure!(deployed.handler == "bootstrap", "{deployed:?}");
    ensure!(
        deployed.schedule_expression == "rate(1 hour)",
        "{deployed:?}"
    );
    ensure!(deployed.schedule_enabled, "{deployed:?}");
    ensure!(
        deployed
            .environment
            .get("JOB_FILE")
            .is_some_and(|job| job.starts_with("s3://")),
        "{deployed:?}"
    );

    let summary = quickstart.scheduled_run(&deployed).await?;
    ensure!(summary["outcome"] == "completed", "{summary}");
    ensure!(summary["records"] == RECORDS, "{summary}");

    // Every record of the tenant, in the data objects, exactly once.
    let mut delivered = Vec::new();
    for (key, _) in quickstart.objects().await? {
        if key.ends_with(".ndjson") {
            for line in String::from_utf8(quickstart.object(&key).await?)?.lines() {
                let record: serde_json::Value = serde_json::from_str(line)?;
                delivered.extend(record["id"].as_u64());
            }
        }
    }
    delivered.sort_unstable();
    ensure!(
        delivered == quickstart.tines_ids().await?,
        "{} records delivered, {RECORDS} in Tines",
        delivered.len()
    );

    // A second scheduled run finds nothing new and writes nothing.
    let again = quickstart.scheduled_run(&deployed).await?;
    ensure!(again["records"] == 0, "{again}");

    let destroyed = quickstart.destroy()?;
    ensure!(destroyed.contains("Destroy complete"), "{destroyed}");
    let config = quickstart.aws.sdk_config();
    let functions = aws_sdk_lambda::Client::new(&config)
        .list_functions()
        .send()
        .await?;
    ensure!(functions.functions().is_empty(), "{functions:?}");
    let schedules = aws_sdk_scheduler::Client::new(&config)
        .list_schedules()
        .send()
        .await?;
    ensure!(schedules.schedules().is_empty(), "{schedules:?}");
    let roles = aws_sdk_iam::Client::new(&config)
        .list_roles()
        .send()
        .await?;
    ensure!(roles.roles().is_empty(), "{roles:?}");
    Ok(())
}

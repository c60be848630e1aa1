//! `examples/quickstart` end to end: planned into a saved plan that holds neither key, that plan applied
//! with the provider from the dist folder on the newest Terraform CLI, a second plan empty, what the
//! schedule deployed run as Lambda runs it, every record in S3 exactly once, and a destroy that leaves
//! nothing in AWS. Then the story `cargo xtask demo` tells, with fewer records.

use std::time::{Duration, Instant};

use anyhow::{Result, ensure};
use tinesaudit_e2e::quickstart::Quickstart;
use tinesaudit_e2e::story::{self, Narrator, Story, thousands};

const RECORDS: u64 = 3_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_quickstart_deploys_a_runner_that_delivers_every_record_once() -> Result<()> {
    let quickstart = Quickstart::start(RECORDS, 0).await?;
    // The example passes both keys in ephemeral variables, which a saved plan does not keep.
    let keys = quickstart.save_plan().await?;
    ensure!(keys.is_empty(), "the saved plan holds keys: {keys:?}");
    let applied = quickstart.apply_saved_plan().await?;
    ensure!(applied.contains("Apply complete"), "{applied}");
    let (empty, plan) = quickstart.plan_is_empty().await?;
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

    let destroyed = quickstart.destroy().await?;
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

/// What a reader of the demo sees, in this order; the story itself checks each phase's outcome.
const DEMO_PHASES: [&str; 11] = [
    "a simulated Tines tenant",
    "terraform apply",
    "terraform plan",
    "what the schedule runs",
    "the first scheduled run",
    "drift: an admin removes AUDIT_LOG_READ",
    "the schedule's next run (1 of 2",
    "the schedule's next run (2 of 2",
    "what landed",
    "the same example on a real tenant",
    "tinesaudit-runner verify",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_story_repairs_drift_then_each_run_delivers_what_arrived_since() -> Result<()> {
    let mut narrator = Narrator::new(Instant::now());
    let told = story::tell(
        &Story {
            records: 2_000,
            arrivals_per_second: 5,
            later_runs: 2,
            between_runs: Duration::from_secs(5),
        },
        &mut narrator,
    )
    .await?;
    let lines = narrator.lines();

    let phases: Vec<&str> = lines
        .iter()
        .filter_map(|line| line.strip_prefix("==> "))
        .collect();
    ensure!(
        phases.len() == DEMO_PHASES.len()
            && phases
                .iter()
                .zip(DEMO_PHASES)
                .all(|(phase, expected)| phase.starts_with(expected)),
        "the phases: {phases:#?}"
    );
    // The catch-up, then two runs that each found new records (the story refuses an empty one).
    ensure!(told.runs.len() >= 3, "{:?}", told.runs);
    let delivered = thousands(
        told.runs
            .iter()
            .map(|run| run["records"].as_u64().unwrap_or(0))
            .sum(),
    );
    let last = lines.last().map(String::as_str).unwrap_or_default();
    ensure!(
        last == format!("{delivered} records in Tines, {delivered} in S3, 0 missing, 0 duplicated"),
        "the last line: {last}"
    );
    let keys = told.quickstart.keys_in(lines.join("\n").as_bytes());
    ensure!(keys.is_empty(), "the story printed the {keys:?}");
    Ok(())
}

//! The story `cargo xtask demo` tells, phase by phase, on [`Quickstart`]; an e2e test tells it with
//! fewer records, so CI keeps it working:
//!
//! 1. a simulated tenant with records from the last six hours and more arriving, S3 and AWS;
//! 2. `terraform apply` of `examples/quickstart`, then a plan with nothing to change;
//! 3. what the schedule runs, read back from AWS, and its first run: the catch-up;
//! 4. drift: AUDIT_LOG_READ revoked in the Tines UI, reported by `terraform plan`, put back by
//!    `terraform apply` with the user's other permissions untouched;
//! 5. later scheduled runs, each delivering the records that arrived since the one before;
//! 6. what landed in S3, and how to point the example at a real tenant and AWS account;
//! 7. `tinesaudit-runner verify` over everything delivered, whose result is the last line.
//!
//! Every check a reader relies on is made here, so the demo fails where the test would.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use jiff::Timestamp;
use serde_json::Value;

use crate::quickstart::{BUCKET, Deployed, Quickstart, SETTLE_SECONDS};

/// The permission the example grants, which the story revokes behind Terraform's back.
const GRANTED: &str = "AUDIT_LOG_READ";
/// A permission the pipeline's user holds that the example does not manage: it must survive the
/// repair of the grant.
pub const UNMANAGED: &str = "TUNNEL_MANAGE";
/// How often a long wait says it is still going.
const TICK: Duration = Duration::from_secs(10);

/// How big the story is.
pub struct Story {
    /// Records in the tenant before the demo, spread over the last six hours.
    pub records: u64,
    /// New records every second, all through the story.
    pub arrivals_per_second: u64,
    /// Scheduled runs after the catch-up.
    pub later_runs: u32,
    /// The wait before each later run: the schedule's hour, shortened.
    pub between_runs: Duration,
}

/// What the story printed and found.
pub struct Told {
    /// Still running, for a user to look at (`cargo xtask demo --keep`).
    pub quickstart: Quickstart,
    /// The summaries of the scheduled runs, the catch-up's first.
    pub runs: Vec<Value>,
    /// The window of the final verify: from where the first run started to where the last one's
    /// window ended.
    pub verified: (Timestamp, Timestamp),
}

/// Prints the story and keeps every line for the test to read.
pub struct Narrator {
    /// When the demo started (for `cargo xtask demo`, before its builds).
    started: Instant,
    lines: Vec<String>,
}

impl Narrator {
    pub fn new(started: Instant) -> Narrator {
        Narrator {
            started,
            lines: Vec::new(),
        }
    }

    /// Every line printed so far, in order.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    fn say(&mut self, line: impl Into<String>) {
        let line = line.into();
        println!("{line}");
        self.lines.push(line);
    }

    fn phase(&mut self, title: impl std::fmt::Display) -> Phase {
        self.say(format!("==> {title}"));
        Phase {
            started: Instant::now(),
        }
    }

    /// The phase's time, which is what a benchmark of the demo reads.
    fn end(&mut self, phase: Phase) {
        self.say(format!(
            "    took {:.1} s",
            phase.started.elapsed().as_secs_f64()
        ));
    }

    /// Awaits `work`, saying every ten seconds how long `what` has been going.
    async fn ticking<T>(&mut self, what: &str, work: impl Future<Output = T>) -> T {
        let started = Instant::now();
        let mut work = std::pin::pin!(work);
        loop {
            tokio::select! {
                done = &mut work => return done,
                () = tokio::time::sleep(TICK) => {
                    self.say(format!("    … {what}: {} s so far", started.elapsed().as_secs()));
                }
            }
        }
    }
}

struct Phase {
    started: Instant,
}

/// Tells the story from the start.
pub async fn tell(story: &Story, out: &mut Narrator) -> Result<Told> {
    let quickstart = start(story, out).await?;

    let phase = out.phase(format!(
        "terraform apply examples/quickstart (Terraform {}, the provider from {})",
        quickstart.terraform_version(),
        quickstart.dist().display()
    ));
    let applied = out.ticking("terraform apply", quickstart.apply()).await?;
    say_completions(out, &applied, "    ");
    out.end(phase);

    let phase = out.phase("terraform plan: Tines and AWS read back, nothing to change");
    let (empty, plan) = out
        .ticking("terraform plan", quickstart.plan_is_empty())
        .await?;
    ensure!(empty, "the plan after apply is not empty:\n{plan}");
    out.say("    No changes. Your infrastructure matches the configuration.");
    out.end(phase);

    let phase = out.phase("what the schedule runs, read back from AWS");
    let deployed = quickstart.deployed().await?;
    let job = quickstart.job_file(&deployed).await?;
    describe_deployment(out, &deployed, &job);
    out.end(phase);

    let mut runs = catch_up(out, &quickstart, &deployed).await?;
    let mut last_run = Instant::now();

    drift(out, &quickstart).await?;

    for later in 1..=story.later_runs {
        let phase = out.phase(format!(
            "the schedule's next run ({later} of {}; hourly in AWS, here at least {} s after the one before)",
            story.later_runs,
            story.between_runs.as_secs()
        ));
        let wait = story.between_runs.saturating_sub(last_run.elapsed());
        if !wait.is_zero() {
            out.say(format!(
                "    waiting {} s while records keep arriving",
                wait.as_secs_f64().round()
            ));
            out.ticking("waiting", tokio::time::sleep(wait)).await;
        }
        let summary = scheduled_run(out, &quickstart, &deployed, runs.len() + 1).await?;
        last_run = Instant::now();
        ensure!(
            summary["outcome"] == "completed" && summary["records"].as_u64() > Some(0),
            "a later run delivered nothing new: {summary}"
        );
        describe_run(out, runs.len() + 1, &summary, false);
        runs.push(summary);
        out.end(phase);
    }

    let phase = out.phase(format!("what landed in s3://{BUCKET}/"));
    describe_bucket(out, &quickstart).await?;
    out.end(phase);

    let phase = out.phase("the same example on a real tenant and AWS account");
    for line in REAL_TENANT {
        out.say(format!("    {line}"));
    }
    out.end(phase);

    let verified = final_verify(out, &quickstart, story, &runs).await?;
    Ok(Told {
        quickstart,
        runs,
        verified,
    })
}

/// The simulated tenant, S3 and AWS, started and seeded.
async fn start(story: &Story, out: &mut Narrator) -> Result<Quickstart> {
    let phase = out.phase("a simulated Tines tenant, S3 (SeaweedFS) and AWS (moto) on loopback");
    let quickstart = out
        .ticking(
            "starting them",
            Quickstart::start(story.records, story.arrivals_per_second),
        )
        .await?;
    // Given before the example ever ran: the repair of the grant must leave it alone.
    quickstart
        .set_pipeline_permissions_in_ui(&[UNMANAGED])
        .await?;
    out.say(format!(
        "    tenant {}: {} records created over the last six hours, {} more arriving every second",
        quickstart.tenant_url(),
        thousands(story.records),
        story.arrivals_per_second
    ));
    out.say(format!(
        "    the pipeline's service key {}; its user {} holds {UNMANAGED} (given in the UI), not yet \
         {GRANTED}",
        quickstart.pipeline_key_name(),
        quickstart.pipeline_user_id()
    ));
    out.say(format!(
        "    S3 {}, bucket {BUCKET} (empty)",
        quickstart.s3.endpoint_url()
    ));
    out.say(format!("    AWS {}", quickstart.aws.endpoint_url()));
    out.end(phase);
    Ok(quickstart)
}

/// The first scheduled run, and more while it stops short (`partial`); their summaries.
async fn catch_up(
    out: &mut Narrator,
    quickstart: &Quickstart,
    deployed: &Deployed,
) -> Result<Vec<Value>> {
    let phase = out.phase(
        "the first scheduled run: the catch-up, invoked as EventBridge Scheduler would (moto stores \
         schedules without firing them, so the demo is the scheduler)",
    );
    let mut runs: Vec<Value> = Vec::new();
    loop {
        let summary = scheduled_run(out, quickstart, deployed, runs.len() + 1).await?;
        describe_run(out, runs.len() + 1, &summary, runs.is_empty());
        let completed = summary["outcome"] == "completed";
        runs.push(summary);
        if completed {
            break;
        }
        ensure!(runs.len() < 5, "five runs did not catch up: {runs:?}");
    }
    out.end(phase);
    Ok(runs)
}

/// The grant revoked in the Tines UI, reported by a plan and put back by an apply, with the user's
/// other permissions as they were.
async fn drift(out: &mut Narrator, quickstart: &Quickstart) -> Result<()> {
    let phase = out.phase(format!(
        "drift: an admin removes {GRANTED} from user {} in the Tines UI",
        quickstart.pipeline_user_id()
    ));
    let held = quickstart.pipeline_user().await?.tenant_permissions;
    let kept: Vec<&str> = held
        .iter()
        .map(String::as_str)
        .filter(|p| *p != GRANTED)
        .collect();
    quickstart.set_pipeline_permissions_in_ui(&kept).await?;
    out.say(format!(
        "    user {} held {}; now it holds {}",
        quickstart.pipeline_user_id(),
        held.join(", "),
        kept.join(", ")
    ));

    out.say("    terraform plan reports it:");
    let (empty, plan) = out
        .ticking("terraform plan", quickstart.plan_is_empty())
        .await?;
    ensure!(!empty, "the plan after the revocation is empty:\n{plan}");
    let reported = drift_lines(&plan);
    ensure!(
        reported.iter().any(|line| line.contains(GRANTED)),
        "the plan does not name {GRANTED}:\n{plan}"
    );
    for line in reported {
        out.say(format!("      {line}"));
    }

    out.say("    terraform apply puts it back:");
    let applied = out.ticking("terraform apply", quickstart.apply()).await?;
    say_completions(out, &applied, "      ");
    let user = quickstart.pipeline_user().await?;
    let now_held = &user.tenant_permissions;
    let others_kept = kept.iter().all(|p| now_held.iter().any(|held| held == p));
    ensure!(
        now_held.iter().any(|p| p == GRANTED) && others_kept,
        "after the repair user {} holds {now_held:?}, before the revocation {held:?}",
        user.id
    );
    out.say(format!(
        "    user {} holds {}: {GRANTED} is back, and {}, which the example does not manage, untouched",
        user.id,
        now_held.join(", "),
        kept.join(", ")
    ));
    out.end(phase);
    Ok(())
}

/// The lines of Terraform's output that say a resource is done, and its summary.
fn say_completions(out: &mut Narrator, output: &str, indent: &str) {
    for line in output.lines().filter(|line| {
        line.contains("Creation complete")
            || line.contains("Modifications complete")
            || line.starts_with("Apply complete")
    }) {
        out.say(format!("{indent}{line}"));
    }
}

/// What changes for production: only the example's variables and where the provider comes from.
const REAL_TENANT: [&str; 13] = [
    "In a copy of examples/quickstart, set what is yours (TF_VAR_… or a .tfvars file):",
    "  tines_tenant      = \"https://YOUR-TENANT.tines.com\"",
    "  tines_owner_key   = a tenant-owner API key (the admin API: users and their permissions)",
    "  pipeline_key      = the service key made in Tines (Settings › API keys › Service),",
    "                      and pipeline_key_name its name",
    "  bucket            = the existing bucket the SecOps feed reads",
    "  aws_region        = your region (us-east-1 by default)",
    "and leave aws_endpoint_url, s3_endpoint_url and runner_environment unset: they point at the demo's \
     local servers.",
    "AWS credentials come from your usual AWS profile or role (the AWS SDK's standard chain).",
    "The provider and the runner bootstrap it deploys are side by side in target/dist-release/: point a \
     dev_overrides",
    "block at that folder, as the demo's cli.tfrc does, and run terraform apply in your copy.",
    "EventBridge Scheduler then runs the runner hourly; give the feed's reader the secops_reader_policy \
     output,",
    "and compare S3 with Tines whenever you like: tinesaudit-runner verify --from T1 --to T2",
];

/// One scheduled invocation, saying how long it has been running while it does.
async fn scheduled_run(
    out: &mut Narrator,
    quickstart: &Quickstart,
    deployed: &Deployed,
    number: usize,
) -> Result<Value> {
    let summary = out
        .ticking(&format!("run {number}"), quickstart.scheduled_run(deployed))
        .await?;
    ensure!(
        summary["outcome"] == "completed" || summary["outcome"] == "partial",
        "run {number} ended {}: {summary}",
        summary["outcome"]
    );
    Ok(summary)
}

fn describe_deployment(out: &mut Narrator, deployed: &Deployed, job: &Value) {
    out.say(format!(
        "    schedule {} ({}), input {}",
        deployed.schedule_expression,
        if deployed.schedule_enabled {
            "enabled"
        } else {
            "disabled"
        },
        deployed.input
    ));
    out.say(format!(
        "    function {}: {} / {}, timeout {} s",
        deployed.function_arn, deployed.runtime, deployed.handler, deployed.timeout_seconds
    ));
    out.say(format!(
        "    its package's sha256 {}: the zip the provider builds from the bootstrap beside it",
        deployed.code_sha256
    ));
    out.say("    its environment:");
    for (name, value) in &deployed.environment {
        out.say(format!("      {name}={value}"));
    }
    out.say(format!("    the job file it reads: {job}"));
    out.say(format!(
        "    SETTLE_SECONDS={SETTLE_SECONDS} in its environment: each run's window ends {SETTLE_SECONDS} s before \
         it starts (60 s by default), so that the demo's later runs find records that arrived a moment ago"
    ));
}

/// One run's summary in words: what it delivered, from where to where, and how old the newest
/// delivered record is.
fn describe_run(out: &mut Narrator, number: usize, summary: &Value, first: bool) {
    let count = |field: &str| summary[field].as_u64().unwrap_or(0);
    let time = |field: &str| summary[field].as_str().unwrap_or("?").to_owned();
    out.say(format!(
        "    run {number}: {} in {:.1} s: delivered {} in {}, read from {} of Tines",
        summary["outcome"].as_str().unwrap_or("?"),
        count("duration_ms") as f64 / 1000.0,
        counted(count("records"), "record"),
        counted(count("objects"), "object"),
        counted(count("pages"), "page")
    ));
    let from = if first {
        format!(
            "from {} (LOOKBACK_SECONDS before the first run)",
            time("window_after")
        )
    } else {
        format!(
            "after the newest record delivered before, at {}",
            time("window_after")
        )
    };
    out.say(format!(
        "      the records created {from}, up to {} (SETTLE_SECONDS before this run)",
        time("window_before")
    ));
    if count("duplicates_dropped") > 0 {
        out.say(format!(
            "      skipped {} read again: already delivered (the second the previous run stopped in is \
             read again, so that none of it is missed)",
            counted(count("duplicates_dropped"), "record")
        ));
    }
    out.say(format!(
        "      the newest delivered record is {} s old; records younger than SETTLE_SECONDS \
         ({SETTLE_SECONDS} s) wait for the next run",
        summary["lag_seconds"].as_i64().unwrap_or_default()
    ));
}

/// The changes a plan proposes, without the refresh lines before them: the resources' blocks and
/// the `Plan:` line.
fn drift_lines(plan: &str) -> Vec<&str> {
    plan.lines()
        .skip_while(|line| !line.trim_start().starts_with('#'))
        .take_while(|line| !line.starts_with("Plan:"))
        .chain(plan.lines().filter(|line| line.starts_with("Plan:")))
        .filter(|line| !line.trim().is_empty())
        .collect()
}

async fn describe_bucket(out: &mut Narrator, quickstart: &Quickstart) -> Result<()> {
    let objects = quickstart.objects().await?;
    let (data, other): (Vec<_>, Vec<_>) = objects
        .iter()
        .partition(|(key, _)| key.ends_with(".ndjson"));
    out.say(format!(
        "    {} data objects, {} bytes in all, each named after its content (the first and the last two):",
        data.len(),
        thousands(data.iter().map(|(_, size)| *size as u64).sum())
    ));
    let shown: BTreeMap<usize, &(String, i64)> = data
        .iter()
        .enumerate()
        .filter(|(i, _)| *i == 0 || *i + 2 >= data.len())
        .map(|(i, object)| (i, *object))
        .collect();
    for (key, size) in shown.values() {
        out.say(format!("    {size:>9} bytes  {key}"));
    }
    out.say("    and the other objects: the job file and the runner's state, which the feed never reads:");
    for (key, size) in &other {
        out.say(format!("    {size:>9} bytes  {key}"));
    }
    if let Some((key, _)) = data.first() {
        out.say(format!("    the first two lines of {key}:"));
        for line in String::from_utf8_lossy(&quickstart.object(key).await?)
            .lines()
            .take(2)
        {
            out.say(format!("      {line}"));
        }
    }
    Ok(())
}

/// `tinesaudit-runner verify` from where the first run started to where the last one's window
/// ended; its result is the story's last line.
async fn final_verify(
    out: &mut Narrator,
    quickstart: &Quickstart,
    story: &Story,
    runs: &[Value],
) -> Result<(Timestamp, Timestamp)> {
    let bound = |run: Option<&Value>, field: &str| -> Result<Timestamp> {
        run.and_then(|run| run[field].as_str())
            .with_context(|| format!("a run summary without {field}"))?
            .parse()
            .with_context(|| format!("a run summary's {field}"))
    };
    let from = bound(runs.first(), "window_after")?;
    let to = bound(runs.last(), "window_before")?;
    let phase = out.phase("tinesaudit-runner verify: S3 against Tines, over everything delivered");
    out.say(format!(
        "    the window: from {from}, where the first run started (LOOKBACK_SECONDS before it), to {to},"
    ));
    out.say(format!(
        "    where the last run's window ended (SETTLE_SECONDS, {SETTLE_SECONDS} s, before it started): \
         records after that wait for the next run"
    ));
    let report = out.ticking("verify", quickstart.verify(from, to)).await?;
    let counted = |field: &str| report[field].as_u64().unwrap_or(0);
    let listed = |field: &str| report[field].as_array().map_or(0, Vec::len);
    let in_tines = counted("tines_records");
    let delivered: Vec<u64> = runs
        .iter()
        .map(|run| run["records"].as_u64().unwrap_or(0))
        .collect();
    out.say(format!(
        "    in Tines: the {} records seeded before the demo and {} that arrived during it, up to {to}",
        thousands(story.records),
        thousands(in_tines.saturating_sub(story.records))
    ));
    out.say(format!(
        "    delivered by the {} runs: {} = {}",
        runs.len(),
        delivered
            .iter()
            .map(|n| thousands(*n))
            .collect::<Vec<_>>()
            .join(" + "),
        thousands(delivered.iter().sum())
    ));
    ensure!(
        listed("missing") == 0 && listed("duplicated") == 0,
        "verify found differences: {report}"
    );
    ensure!(
        delivered.iter().sum::<u64>() == in_tines && counted("s3_records") == in_tines,
        "the runs delivered {delivered:?}, verify counts {report}"
    );
    out.end(phase);
    out.say(format!(
        "    the whole demo, builds included: {}",
        minutes(out.started.elapsed())
    ));
    out.say(format!(
        "{} records in Tines, {} in S3, {} missing, {} duplicated",
        thousands(in_tines),
        thousands(counted("s3_records")),
        listed("missing"),
        listed("duplicated")
    ));
    Ok((from, to))
}

/// `35 s`, `16 min 28 s`.
fn minutes(elapsed: Duration) -> String {
    match elapsed.as_secs() {
        s @ 0..60 => format!("{s} s"),
        s => format!("{} min {} s", s / 60, s % 60),
    }
}

/// `1 record`, `25,000 records`.
fn counted(n: u64, noun: &str) -> String {
    let s = if n == 1 { "" } else { "s" };
    format!("{} {noun}{s}", thousands(n))
}

/// `25000` as `25,000`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_written_for_people() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(25_000), "25,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(counted(1, "object"), "1 object");
        assert_eq!(counted(25_013, "record"), "25,013 records");
        assert_eq!(minutes(Duration::from_secs(35)), "35 s");
        assert_eq!(minutes(Duration::from_secs(988)), "16 min 28 s");
    }

    #[test]
    fn drift_lines_are_the_change_and_the_plan_line() {
        let plan = "tinesaudit_api_key.pipeline: Refreshing state... [id=1]\n\nTerraform will perform the \
                    following actions:\n\n  # tinesaudit_tenant_permissions.pipeline will be updated in-place\n  \
                    ~ resource \"tinesaudit_tenant_permissions\" \"pipeline\" {\n      ~ permissions = [\n          \
                    + \"AUDIT_LOG_READ\",\n        ]\n    }\n\nPlan: 0 to add, 1 to change, 0 to destroy.\n";
        let lines = drift_lines(plan);
        assert_eq!(
            lines.first().map(|l| l.trim()),
            Some("# tinesaudit_tenant_permissions.pipeline will be updated in-place")
        );
        assert!(lines.iter().any(|l| l.contains("+ \"AUDIT_LOG_READ\"")));
        assert_eq!(
            lines.last(),
            Some(&"Plan: 0 to add, 1 to change, 0 to destroy.")
        );
        assert!(!lines.iter().any(|l| l.contains("Refreshing")));
    }
}

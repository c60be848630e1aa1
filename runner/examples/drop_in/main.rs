//! The drop-in case: the release `tinesaudit-runner` with the reference Lambda's own settings,
//! against the reference Lambda itself, in the same run.
//!
//! ```text
//! cargo xtask bench drop-in [-- --records N --max-pages N]
//! cargo run --release -p tinesaudit-runner --example drop_in [-- ...]
//! ```
//!
//! One simulated tenant (its documented limit of 1000 audit-log requests a minute on, every page
//! answered after 300 ms) holds N records (default 60,000) from the last hour, newest first as
//! Tines serves them. Each side has an API key and a bucket of its own, and the reference
//! settings: `MAX_PAGES=20`, `PAGE_SIZE=500`, `LOOKBACK_SECONDS=3600`.
//!
//! - The reference Lambda (`reference_lambda.py` beside this file, Python with boto3 from the
//!   tools' venv) runs once per process, as a cold Lambda start does, until a run finds nothing
//!   new.
//! - The runner runs `tinesaudit-runner sync` once per process until a run ends `completed`.
//!
//! Both are measured from process start to exit. `RUST_LOG`, `CONCURRENCY` and
//! `RECORDS_PER_OBJECT` in the bench's environment are passed on (with `--logs DIR`, each run's
//! stderr is kept there). The report gives, per side: runs, records
//! delivered (and lost), wall time of all runs, records/s (delivered over that time), the share
//! of the API's ceiling (500 records x 1000 requests/min = 8,333 records/s), peak RSS of the
//! largest run, and each run's time. Goals (issue 13): the runner at >= 5x the reference's
//! records/s, and its peak RSS at most a quarter of the reference's.

#[path = "../common/measure.rs"]
mod measure;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Parser;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use tines_sim::Behaviour;
use tinesaudit_testkit::{S3Server, ScratchDir, Tools};

const CEILING: f64 = 500.0 * 1000.0 / 60.0;
const PAGE_LATENCY_MS: u64 = 300;
/// More runs than this means something is wrong.
const MAX_RUNS: usize = 100;

#[derive(Parser)]
#[command(about = "The runner against the reference Lambda, with the reference's settings")]
struct Args {
    /// Records in the tenant, spread over the last hour.
    #[arg(long, default_value_t = 60_000)]
    records: u64,
    /// MAX_PAGES of both sides.
    #[arg(long, default_value_t = 20)]
    max_pages: u64,
    /// Keep each run's stderr in this folder (with `RUST_LOG` passed on, to see where a run's
    /// time goes) instead of a scratch folder removed at the end.
    #[arg(long)]
    logs: Option<PathBuf>,
    /// The runner to measure [default: this checkout's, built in release]: for instance an
    /// earlier commit's, to compare with in the same session.
    #[arg(long)]
    runner: Option<PathBuf>,
}

/// One side's runs.
#[derive(Default)]
struct Side {
    runs: Vec<measure::Measured>,
    records: u64,
}

impl Side {
    fn wall(&self) -> Duration {
        self.runs.iter().map(|r| r.wall).sum()
    }

    fn cpu(&self) -> Duration {
        self.runs.iter().map(|r| r.cpu).sum()
    }

    fn rate(&self) -> f64 {
        self.records as f64 / self.wall().as_secs_f64()
    }

    fn peak_rss_mib(&self) -> f64 {
        self.runs.iter().map(|r| r.peak_rss_kib).max().unwrap_or(0) as f64 / 1024.0
    }
}

struct World {
    sim: tines_sim::RunningSimulator,
    s3: S3Server,
    http: reqwest::Client,
    logs: PathBuf,
}

impl World {
    async fn control(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Value,
    ) -> anyhow::Result<Value> {
        let response = self
            .http
            .request(method, format!("{}{path}", self.sim.base_url()))
            .json(&body)
            .send()
            .await?
            .error_for_status()?;
        Ok(response.json().await.unwrap_or(Value::Null))
    }

    async fn key(&self, name: &str) -> anyhow::Result<String> {
        let key = self
            .control(
                reqwest::Method::POST,
                "/_sim/keys",
                json!({"kind": "tenant_owner", "name": name}),
            )
            .await?;
        Ok(key["token"]
            .as_str()
            .context("no token in /_sim/keys")?
            .to_owned())
    }

    /// A side's process: the reference settings, its own key and bucket.
    async fn launch(&self, program: &Path, side: &str, max_pages: u64) -> anyhow::Result<Launch> {
        let key = self.key(side).await?;
        let bucket = format!("drop-in-{side}");
        self.s3.create_bucket(&bucket).await?;
        let env = [
            ("S3_BUCKET", bucket.as_str()),
            ("S3_FORCE_PATH_STYLE", "true"),
            ("TINES_BASE_URL", self.sim.base_url()),
            ("TINES_API_KEY", &key),
            ("MAX_PAGES", &max_pages.to_string()),
            ("PAGE_SIZE", "500"),
            ("LOOKBACK_SECONDS", "3600"),
            ("AWS_ENDPOINT_URL", self.s3.endpoint_url()),
            ("AWS_ACCESS_KEY_ID", self.s3.access_key()),
            ("AWS_SECRET_ACCESS_KEY", self.s3.secret_key()),
            ("AWS_REGION", self.s3.region()),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ];
        // RUST_LOG, and the runner's settings the reference does not have, from this bench's
        // environment: to see where a run's time goes, or what another setting changes.
        let passed_on = ["RUST_LOG", "CONCURRENCY", "RECORDS_PER_OBJECT"]
            .into_iter()
            .filter_map(|name| Some((name.to_owned(), std::env::var(name).ok()?)));
        Ok(Launch {
            program: program.to_owned(),
            args: Vec::new(),
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .chain(passed_on)
                .collect(),
        })
    }

    /// Runs `command` once per process until `done` says so; `records` reads what a run delivered.
    fn runs(
        &self,
        side: &str,
        launch: &Launch,
        records: impl Fn(&Value) -> anyhow::Result<u64>,
        done: impl Fn(&Value) -> bool,
    ) -> anyhow::Result<Side> {
        let mut measured = Side::default();
        for run in 1..=MAX_RUNS {
            let log = self.logs.join(format!("{side}-{run}.log"));
            let mut command = launch.command();
            command.stderr(std::fs::File::create(&log)?);
            let result = measure::run_measured(command)?;
            let stdout = String::from_utf8_lossy(&result.output.stdout).into_owned();
            let summary: Value = stdout
                .lines()
                .last()
                .and_then(|line| serde_json::from_str(line).ok())
                .unwrap_or(Value::Null);
            if !result.output.status.success() {
                let stderr = std::fs::read_to_string(&log).unwrap_or_default();
                bail!(
                    "{side} run {run} exited with {}: {stdout}\n{}",
                    result.output.status,
                    measure::tail(&stderr, 20)
                );
            }
            measured.records += records(&summary)?;
            measured.runs.push(result);
            if done(&summary) {
                return Ok(measured);
            }
        }
        bail!("{side} was not caught up after {MAX_RUNS} runs")
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let runner = match &args.runner {
        Some(runner) => runner.clone(),
        None => measure::build_runner()?,
    };
    let tools = Tools::locate()?;
    let python = tools.root().join("venv/bin/python");
    let reference =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/drop_in/reference_lambda.py");

    let sim = tines_sim::spawn(Behaviour::default()).await?;
    let s3 = tokio::task::spawn_blocking(S3Server::start)
        .await?
        .context("SeaweedFS does not start (run `cargo xtask tools` first)")?;
    let scratch = ScratchDir::new("drop-in")?;
    let logs = match &args.logs {
        Some(logs) => {
            std::fs::create_dir_all(logs)?;
            logs.clone()
        }
        None => scratch.path().to_owned(),
    };
    let world = World {
        sim,
        s3,
        http: reqwest::Client::new(),
        logs,
    };
    let now = Timestamp::now();
    world
        .control(
            reqwest::Method::POST,
            "/_sim/events",
            json!({
                "count": args.records,
                "from": now - SignedDuration::from_mins(55),
                "to": now - SignedDuration::from_mins(2),
            }),
        )
        .await?;
    world
        .control(
            reqwest::Method::PUT,
            "/_sim/faults",
            json!([{"kind": "latency", "millis": PAGE_LATENCY_MS, "path_prefix": "/api/v1/audit_logs"}]),
        )
        .await?;

    let mut reference_launch = world.launch(&python, "reference", args.max_pages).await?;
    reference_launch.args.push(reference.display().to_string());
    let mut runner_launch = world.launch(&runner, "runner", args.max_pages).await?;
    runner_launch.args.push("sync".to_owned());

    // The simulator and S3 go on serving on the runtime's other threads.
    eprintln!("the reference Lambda, until a run finds nothing new ...");
    let reference_side = tokio::task::block_in_place(|| {
        world.runs(
            "reference",
            &reference_launch,
            |summary| {
                summary["records"]
                    .as_u64()
                    .context("no records in the reference's line")
            },
            |summary| summary["records"] == 0,
        )
    })?;
    eprintln!("tinesaudit-runner sync, until a run ends completed ...");
    let runner_side = tokio::task::block_in_place(|| {
        world.runs(
            "runner",
            &runner_launch,
            |summary| {
                if summary["outcome"] == "failed" || summary["outcome"] == "skipped" {
                    bail!("a runner run ended {summary}");
                }
                summary["records"]
                    .as_u64()
                    .context("no records in the runner's summary")
            },
            |summary| summary["outcome"] == "completed",
        )
    })?;
    if runner_side.records != args.records {
        bail!(
            "the runner delivered {} records of {}",
            runner_side.records,
            args.records
        );
    }
    report(&args, &reference_side, &runner_side);
    Ok(())
}

/// A program, its arguments and its whole environment, started afresh for each run.
struct Launch {
    program: PathBuf,
    args: Vec<String>,
    env: Vec<(String, String)>,
}

impl Launch {
    fn command(&self) -> Command {
        let mut command = Command::new(&self.program);
        command
            .args(&self.args)
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        command
    }
}

fn report(args: &Args, reference: &Side, runner: &Side) {
    println!();
    println!(
        "drop-in: {} records from the last hour, newest first; MAX_PAGES={}, PAGE_SIZE=500, {PAGE_LATENCY_MS} ms a page, \
         1000 requests/min; ceiling {CEILING:.0} records/s",
        args.records, args.max_pages
    );
    println!();
    println!(
        "{:<18}  {:>4}  {:>9}  {:>7}  {:>7}  {:>6}  {:>10}  {:>9}  {:>12}",
        "",
        "runs",
        "delivered",
        "lost",
        "wall s",
        "CPU s",
        "records/s",
        "% ceiling",
        "peak RSS MiB"
    );
    for (name, side) in [
        ("reference Lambda", reference),
        ("tinesaudit-runner", runner),
    ] {
        println!(
            "{name:<18}  {:>4}  {:>9}  {:>7}  {:>7.2}  {:>6.2}  {:>10.0}  {:>7.1} %  {:>12.1}",
            side.runs.len(),
            side.records,
            args.records.saturating_sub(side.records),
            side.wall().as_secs_f64(),
            side.cpu().as_secs_f64(),
            side.rate(),
            100.0 * side.rate() / CEILING,
            side.peak_rss_mib(),
        );
    }
    for (name, side) in [("reference", reference), ("runner", runner)] {
        let each: Vec<String> = side
            .runs
            .iter()
            .map(|r| {
                format!(
                    "{:.2}/{:.1}",
                    r.wall.as_secs_f64(),
                    r.peak_rss_kib as f64 / 1024.0
                )
            })
            .collect();
        println!("{name} runs, wall s/peak RSS MiB: {}", each.join(" "));
    }
    let ratio = runner.rate() / reference.rate();
    let memory = runner.peak_rss_mib() / reference.peak_rss_mib();
    println!();
    println!(
        "records/s: {ratio:.1}x the reference (goal >= 5x: {})",
        if ratio >= 5.0 { "met" } else { "MISSED" }
    );
    println!(
        "peak RSS: {:.0} % of the reference's (goal <= 25 %: {})",
        100.0 * memory,
        if memory <= 0.25 { "met" } else { "MISSED" }
    );
}

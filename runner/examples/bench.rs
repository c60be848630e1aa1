//! Backfill throughput, CPU and memory of the release `tinesaudit-runner`, next to the API's
//! ceiling.
//!
//! ```text
//! cargo run --release -p tinesaudit-runner --example bench [-- --records N | --million]
//! ```
//!
//! Starts the Tines simulator (its server-side rate limits off, so the runner's own client-side
//! limit of the documented 1000 requests per minute is what paces it) and SeaweedFS, seeds N
//! audit records (default 200,000), then runs the real release binary as a child process:
//! `tinesaudit-runner backfill --from ... --to ...` over the seeded day, once per page latency
//! (a simulator latency fault on every audit-log request; default 0 and 300 ms), each into a
//! fresh bucket. It prints, per latency:
//!
//! - records/s: records delivered over the child's wall time, start to exit;
//! - the ratio of that to the ceiling the API allows: 500 records × 1000 requests per minute =
//!   8,333 records/s;
//! - CPU seconds per 10,000 records: the child's user + system time;
//! - peak RSS: the child's high-water mark of resident memory.
//!
//! Targets (issue 4): at 300 ms at least 90 % of the ceiling; peak RSS under 64 MB for a
//! 1,000,000-record backfill.
//!
//! CPU and memory are read from `/proc`, as `common/measure.rs` says.

#[path = "common/measure.rs"]
mod measure;

use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use serde_json::{Value, json};
use tines_sim::{Behaviour, RateLimits};
use tinesaudit_testkit::{S3Server, ScratchDir};

/// The ceiling: full pages at the documented rate limit.
const PER_PAGE: f64 = 500.0;
const REQUESTS_PER_MINUTE: f64 = 1000.0;
const CEILING: f64 = PER_PAGE * REQUESTS_PER_MINUTE / 60.0;
const WINDOW_FROM: &str = "2024-05-01T00:00:00Z";
const WINDOW_TO: &str = "2024-05-02T00:00:00Z";

#[derive(Parser)]
#[command(about = "Backfill throughput, CPU and memory of the release tinesaudit-runner")]
struct Args {
    /// Records to seed and backfill.
    #[arg(long, default_value_t = 200_000)]
    records: u64,
    /// Shorthand for --records 1000000.
    #[arg(long)]
    million: bool,
    /// Page latencies to measure, in milliseconds.
    #[arg(long, value_delimiter = ',', default_values_t = [0, 300])]
    latency_ms: Vec<u64>,
    /// Passed to the runner as CONCURRENCY [default: the runner's default].
    #[arg(long)]
    concurrency: Option<u32>,
    /// Show the runner's stderr (its progress bar on a terminal) instead of keeping it in a log.
    #[arg(long)]
    show_progress: bool,
}

struct Measured {
    latency_ms: u64,
    records: u64,
    wall: Duration,
    cpu: Duration,
    peak_rss_kib: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let records = if args.million {
        1_000_000
    } else {
        args.records
    };
    let runner = measure::build_runner()?;

    let sim = tines_sim::spawn(Behaviour {
        rate_limits: RateLimits {
            audit_logs: None,
            admin_users: None,
            default: None,
        },
        ..Behaviour::default()
    })
    .await?;
    let http = reqwest::Client::new();
    let control = |method: reqwest::Method, path: &str, body: Value| {
        http.request(method, format!("{}{path}", sim.base_url()))
            .json(&body)
            .send()
    };
    let key: Value = control(
        reqwest::Method::POST,
        "/_sim/keys",
        json!({"kind": "tenant_owner", "name": "bench"}),
    )
    .await?
    .error_for_status()?
    .json()
    .await?;
    let key = key["token"]
        .as_str()
        .context("no token in /_sim/keys")?
        .to_owned();
    let seeding = Instant::now();
    control(
        reqwest::Method::POST,
        "/_sim/events",
        json!({"count": records, "from": WINDOW_FROM, "to": WINDOW_TO}),
    )
    .await?
    .error_for_status()?;
    eprintln!(
        "seeded {records} records in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );

    let s3_server = tokio::task::spawn_blocking(S3Server::start)
        .await?
        .context("SeaweedFS does not start (run `cargo xtask tools` first)")?;
    let s3 = s3_server.client();
    let scratch = ScratchDir::new("bench")?;

    let mut results = Vec::new();
    for &latency_ms in &args.latency_ms {
        let faults = if latency_ms == 0 {
            json!([])
        } else {
            json!([{"kind": "latency", "millis": latency_ms, "path_prefix": "/api/v1/audit_logs"}])
        };
        control(reqwest::Method::PUT, "/_sim/faults", faults)
            .await?
            .error_for_status()?;
        let bucket = format!("bench-{latency_ms}ms");
        s3.create_bucket().bucket(&bucket).send().await?;

        let mut command = Command::new(&runner);
        command
            .args(["backfill", "--from", WINDOW_FROM, "--to", WINDOW_TO])
            .env_clear()
            .env("S3_BUCKET", &bucket)
            .env("S3_FORCE_PATH_STYLE", "true")
            .env("TINES_BASE_URL", sim.base_url())
            .env("TINES_API_KEY", &key)
            .env("SETTLE_SECONDS", "0")
            // One run for the whole window: the per-run page budget (default 1000) would
            // otherwise end it `partial` halfway through a million records.
            .env("MAX_PAGES", (records / 500 + 10).to_string())
            .env("AWS_ENDPOINT_URL", s3_server.endpoint_url())
            .env("AWS_ACCESS_KEY_ID", s3_server.access_key())
            .env("AWS_SECRET_ACCESS_KEY", s3_server.secret_key())
            .env("AWS_REGION", s3_server.region())
            .env("AWS_EC2_METADATA_DISABLED", "true");
        if let Some(concurrency) = args.concurrency {
            command.env("CONCURRENCY", concurrency.to_string());
        }
        eprintln!("backfill at {latency_ms} ms page latency ...");
        let log = scratch.path().join(format!("runner-{latency_ms}ms.log"));
        if args.show_progress {
            command.stderr(Stdio::inherit());
            if let Some(term) = std::env::var_os("TERM") {
                command.env("TERM", term);
            }
        } else {
            command.stderr(File::create(&log)?);
        }
        let measured = tokio::task::spawn_blocking(move || run_measured(command, &log)).await??;
        let (summary, wall, cpu, peak_rss_kib) = measured;
        if summary["outcome"] != "completed" || summary["records"] != records {
            bail!("the backfill did not deliver every record: {summary}");
        }
        results.push(Measured {
            latency_ms,
            records,
            wall,
            cpu,
            peak_rss_kib,
        });
    }
    report(&results, records, args.concurrency);
    Ok(())
}

/// Runs the child to its end: its summary line, wall time, CPU time and peak RSS (KiB).
fn run_measured(command: Command, log: &Path) -> anyhow::Result<(Value, Duration, Duration, u64)> {
    let measured = measure::run_measured(command)?;
    let stdout = String::from_utf8_lossy(&measured.output.stdout);
    let summary = stdout
        .lines()
        .last()
        .and_then(|line| serde_json::from_str(line).ok())
        .unwrap_or(Value::Null);
    if !measured.output.status.success() {
        let stderr = std::fs::read_to_string(log).unwrap_or_default();
        bail!(
            "the runner exited with {}: {stdout}\n{}",
            measured.output.status,
            measure::tail(&stderr, 20)
        );
    }
    Ok((summary, measured.wall, measured.cpu, measured.peak_rss_kib))
}

fn report(results: &[Measured], records: u64, concurrency: Option<u32>) {
    let concurrency = concurrency.map_or_else(|| "default".to_owned(), |c| c.to_string());
    println!();
    println!(
        "tinesaudit-runner backfill of {records} records: 500 per page, client limit 1000 requests/min, concurrency {concurrency}"
    );
    println!(
        "ceiling: 500 records x 1000 requests/min = {CEILING:.0} records/s; targets: >= 90 % at 300 ms, peak RSS < 64 MiB at 1,000,000 records"
    );
    println!();
    println!(
        "{:>8}  {:>8}  {:>10}  {:>10}  {:>12}  {:>12}",
        "latency", "wall s", "records/s", "% ceiling", "CPU s / 10k", "peak RSS MiB"
    );
    for m in results {
        let rate = m.records as f64 / m.wall.as_secs_f64();
        println!(
            "{:>5} ms  {:>8.1}  {:>10.0}  {:>9.1} %  {:>12.3}  {:>12.1}",
            m.latency_ms,
            m.wall.as_secs_f64(),
            rate,
            100.0 * rate / CEILING,
            m.cpu.as_secs_f64() * 10_000.0 / m.records as f64,
            m.peak_rss_kib as f64 / 1024.0,
        );
    }
    let mut verdicts = Vec::new();
    if let Some(m) = results.iter().find(|m| m.latency_ms == 300) {
        let ratio = m.records as f64 / m.wall.as_secs_f64() / CEILING;
        verdicts.push(format!(
            "300 ms throughput target (>= 90 %): {}",
            if ratio >= 0.9 { "met" } else { "MISSED" }
        ));
    }
    if records >= 1_000_000 {
        let peak = results.iter().map(|m| m.peak_rss_kib).max().unwrap_or(0);
        verdicts.push(format!(
            "memory target (< 64 MiB): {}",
            if peak < 64 * 1024 { "met" } else { "MISSED" }
        ));
    }
    if !verdicts.is_empty() {
        println!();
        for verdict in verdicts {
            println!("{verdict}");
        }
    }
}

//! The shipped Lambda `bootstrap`: its size, and its cold start under cargo-lambda's runtime
//! emulator (the time from starting the process to its first invocation's answer).
//!
//! ```text
//! cargo xtask bench cold-start [-- --runs N --bootstrap PATH]
//! cargo run --release -p tinesaudit-runner --example cold_start [-- ...]
//! ```
//!
//! Each run queues one invocation (`{}`) with the emulator, then starts a fresh `bootstrap`
//! process and waits for the answer: init (AWS configuration, settings, clients), polling the
//! runtime API, one sync of an empty tenant (the state object read, the lease taken, one Tines
//! page, the lease given back) and posting the result. The process is stopped after each
//! answer, so every run is a cold start. The simulator and SeaweedFS answer from this machine,
//! so their share is small and the same for any build; `--bootstrap` measures another build
//! (for instance one on another runtime client) the same way.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use serde_json::{Value, json};
use tines_sim::Behaviour;
use tinesaudit_testkit::{LambdaEmulator, S3Server, ScratchDir, runner_bootstrap};

#[derive(Parser)]
#[command(about = "Size and cold start of the runner's Lambda bootstrap")]
struct Args {
    /// Cold starts to measure.
    #[arg(long, default_value_t = 15)]
    runs: usize,
    /// The bootstrap to measure [default: the one `cargo xtask bundle` shipped].
    #[arg(long)]
    bootstrap: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.runs == 0 {
        bail!("--runs must be at least 1");
    }
    let shipped = match args.bootstrap {
        Some(path) => path,
        None => runner_bootstrap()?,
    };
    let scratch = ScratchDir::new("cold-start")?;
    // Started as `bootstrap`, as Lambda's custom runtime starts it.
    let bootstrap = scratch.path().join("bootstrap");
    std::os::unix::fs::symlink(&shipped, &bootstrap)?;

    let sim = tines_sim::spawn(Behaviour::default()).await?;
    let key: Value = reqwest::Client::new()
        .post(format!("{}/_sim/keys", sim.base_url()))
        .json(&json!({"kind": "tenant_owner", "name": "cold-start"}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let key = key["token"].as_str().context("no token")?.to_owned();
    let s3 = tokio::task::spawn_blocking(S3Server::start)
        .await?
        .context("SeaweedFS does not start (run `cargo xtask tools` first)")?;
    s3.create_bucket("cold-start").await?;
    let emulator = tokio::task::spawn_blocking(LambdaEmulator::start)
        .await?
        .context("cargo-lambda's emulator does not start (run `cargo xtask tools` first)")?;

    let mut times = Vec::new();
    for run in 1..=args.runs {
        let mut function = Command::new(&bootstrap);
        function
            .env_clear()
            .env("AWS_LAMBDA_RUNTIME_API", emulator.runtime_api())
            // What Lambda sets for every function.
            .env("AWS_LAMBDA_FUNCTION_NAME", "tinesaudit-cold-start")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("S3_BUCKET", "cold-start")
            .env("S3_FORCE_PATH_STYLE", "true")
            .env("TINES_BASE_URL", sim.base_url())
            .env("TINES_API_KEY", &key)
            .env("AWS_ENDPOINT_URL", s3.endpoint_url())
            .env("AWS_ACCESS_KEY_ID", s3.access_key())
            .env("AWS_SECRET_ACCESS_KEY", s3.secret_key())
            .env("AWS_REGION", s3.region())
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let took = tokio::task::block_in_place(|| -> anyhow::Result<Duration> {
            std::thread::scope(|scope| {
                // Queued first: the emulator holds it until a function asks for work.
                let invocation = scope.spawn(|| emulator.invoke("{}", Duration::from_secs(60)));
                std::thread::sleep(Duration::from_millis(300));
                let started = Instant::now();
                let mut child = function.spawn().context("cannot start the bootstrap")?;
                let answered = invocation
                    .join()
                    .map_err(|_| anyhow::anyhow!("the invocation thread panicked"))??;
                let took = started.elapsed();
                let _ = child.kill();
                let _ = child.wait();
                if !answered.succeeded {
                    bail!("run {run}: the invocation failed: {}", answered.output);
                }
                Ok(took)
            })
        })?;
        times.push(took);
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let size = std::fs::metadata(&shipped)?.len();
    println!();
    println!("{}", shipped.display());
    println!("size: {:.2} MiB ({size} bytes)", size as f64 / 1_048_576.0);
    // The nearest-rank percentiles: of 15 runs, the 8th and the 14th.
    let rank = |p: usize| times[(times.len() * p).div_ceil(100).max(1) - 1];
    println!(
        "cold start to the first answer, {} runs: median {:.0} ms, p90 {:.0} ms, fastest {:.0} ms, slowest {:.0} ms",
        times.len(),
        ms(rank(50)),
        ms(rank(90)),
        ms(times[0]),
        ms(times[times.len() - 1]),
    );
    Ok(())
}

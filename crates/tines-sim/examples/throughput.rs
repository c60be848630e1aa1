//! How many audit records per second the simulator serves, next to a baseline.
//!
//! ```text
//! cargo run --release -p tines-sim --example throughput [-- PAGES]
//! ```
//!
//! The baseline is a plain axum route returning one fixed page of the same size from memory:
//! the cost of HTTP and JSON transfer alone, measured in the same run on the same machine. The
//! ratio shows how much the simulator's own work (filtering, paging, assembling) costs on top.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};
use tines_sim::{Behaviour, RateLimits};

const PER_PAGE: u64 = 500;
const WORKERS: u64 = 4;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let pages: u64 = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(400);
    let http = reqwest::Client::new();

    let behaviour = Behaviour {
        rate_limits: RateLimits {
            audit_logs: None,
            admin_users: None,
            default: None,
        },
        ..Behaviour::default()
    };
    let sim = tines_sim::spawn(behaviour).await?;
    let base = sim.base_url().to_owned();
    let key: Value = http
        .post(format!("{base}/_sim/keys"))
        .json(&json!({"kind": "tenant_owner", "name": "bench"}))
        .send()
        .await?
        .json()
        .await?;
    let key = key["token"].as_str().context("no token")?.to_owned();
    let seeded = 200_000;
    http.post(format!("{base}/_sim/events"))
        .json(
            &json!({"count": seeded, "from": "2024-01-01T00:00:00Z", "to": "2024-01-02T00:00:00Z"}),
        )
        .send()
        .await?
        .error_for_status()?;
    let available_pages = seeded / PER_PAGE;

    let sim_url = move |n: u64| {
        format!(
            "{base}/api/v1/audit_logs?per_page={PER_PAGE}&page={}",
            n % available_pages + 1
        )
    };
    let sample = http
        .get(sim_url(0))
        .bearer_auth(&key)
        .send()
        .await?
        .bytes()
        .await?;
    let served = measure(&http, &key, pages, sim_url).await?;

    let fixed_page = axum::body::Bytes::from(sample.to_vec());
    let baseline_app = axum::Router::new().route(
        "/page",
        axum::routing::get(move || {
            let page = fixed_page.clone();
            async move { page }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let baseline_base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, baseline_app).await });
    let baseline = measure(&http, &key, pages, move |_| format!("{baseline_base}/page")).await?;

    println!(
        "page size: {PER_PAGE} records, {} bytes; {pages} pages, {WORKERS} concurrent requests",
        sample.len()
    );
    println!("simulator: {:>10.0} records/s", served);
    println!(
        "baseline:  {:>10.0} records/s (a fixed page of the same size from memory)",
        baseline
    );
    println!(
        "ratio:     {:>10.2} (simulator / baseline)",
        served / baseline
    );
    Ok(())
}

/// Fetches `pages` pages with a few concurrent workers; answers records per second.
async fn measure(
    http: &reqwest::Client,
    key: &str,
    pages: u64,
    url: impl Fn(u64) -> String + Send + Sync + 'static,
) -> anyhow::Result<f64> {
    let next = Arc::new(AtomicU64::new(0));
    let url = Arc::new(url);
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..WORKERS {
        let (http, key, next, url) = (http.clone(), key.to_owned(), next.clone(), url.clone());
        workers.push(tokio::spawn(async move {
            let mut bytes = 0usize;
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= pages {
                    return anyhow::Ok(bytes);
                }
                let response = http.get(url(n)).bearer_auth(&key).send().await?;
                if !response.status().is_success() {
                    bail!("page {n}: {}", response.status());
                }
                bytes += response.bytes().await?.len();
            }
        }));
    }
    for worker in workers {
        worker.await??;
    }
    let elapsed = started.elapsed().max(Duration::from_micros(1));
    Ok((pages * PER_PAGE) as f64 / elapsed.as_secs_f64())
}

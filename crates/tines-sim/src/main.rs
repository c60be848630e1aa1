//! `tines-sim`: serves the Tines API simulator until interrupted.
//!
//! ```text
//! tines-sim --listen 127.0.0.1:8080 --oldest-first --after-inclusive --no-retry-after
//! ```
//!
//! Every switch can also be changed while it runs, through `PATCH /_sim/config`.

use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use tines_sim::{Behaviour, ErrorBodyStyle, Order};

#[derive(Parser)]
#[command(version, about = "A Tines API simulator for tests and demos")]
struct Args {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Serve audit logs oldest first instead of newest first.
    #[arg(long)]
    oldest_first: bool,
    /// Make `after` match records created at exactly that second.
    #[arg(long)]
    after_inclusive: bool,
    /// Send 429 responses without a `Retry-After` header.
    #[arg(long)]
    no_retry_after: bool,
    /// Shape of error bodies.
    #[arg(long, value_enum, default_value = "errors-object")]
    error_body: ErrorBody,
    /// Turn off the documented per-minute rate limits (for benchmarks).
    #[arg(long)]
    no_rate_limits: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ErrorBody {
    ErrorsObject,
    ErrorsArray,
    Text,
}

impl Args {
    fn behaviour(&self) -> Behaviour {
        let mut behaviour = Behaviour {
            order: if self.oldest_first {
                Order::OldestFirst
            } else {
                Order::NewestFirst
            },
            after_inclusive: self.after_inclusive,
            retry_after: !self.no_retry_after,
            error_body: match self.error_body {
                ErrorBody::ErrorsObject => ErrorBodyStyle::ErrorsObject,
                ErrorBody::ErrorsArray => ErrorBodyStyle::ErrorsArray,
                ErrorBody::Text => ErrorBodyStyle::Text,
            },
            ..Behaviour::default()
        };
        if self.no_rate_limits {
            behaviour.rate_limits.audit_logs = None;
            behaviour.rate_limits.admin_users = None;
            behaviour.rate_limits.default = None;
        }
        behaviour
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("tines-sim: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    // One line on stdout that scripts wait for, carrying the port actually bound.
    println!("tines-sim listening on http://{}", listener.local_addr()?);
    tokio::select! {
        served = tines_sim::serve(listener, args.behaviour()) => served.context("serving failed"),
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}

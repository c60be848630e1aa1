//! `tinesaudit-runner`: syncs Tines audit logs into S3. See the library's `cli` module for the
//! commands and exit codes, and its `lambda` module for Lambda mode (started as `bootstrap`).

use std::process::ExitCode;

use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    // Logs go to stderr so that stdout carries only the one JSON summary line. RUST_LOG as every
    // Rust tool reads it; LOG_LEVEL, which earlier versions read instead, still works without it.
    let filter = ["RUST_LOG", "LOG_LEVEL"]
        .into_iter()
        .filter_map(|variable| std::env::var(variable).ok())
        // Empty counts as unset, as for every setting of the runner.
        .filter(|value| !value.trim().is_empty())
        .find_map(|value| EnvFilter::try_new(value).ok())
        .unwrap_or_else(|| EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter)
        .init();
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let runtime_api = std::env::var_os("AWS_LAMBDA_RUNTIME_API");
    if tinesaudit_runner::lambda::requested(&args, runtime_api.as_deref()) {
        return tinesaudit_runner::lambda::serve().await;
    }
    tinesaudit_runner::cli::main(args).await
}

//! `tinesaudit-runner`: syncs Tines audit logs into S3. See the library's `cli` module for the
//! commands and exit codes, and its `lambda` module for Lambda mode (started as `bootstrap`).

use std::process::ExitCode;

use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    // Logs go to stderr so that stdout carries only the one JSON summary line.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            EnvFilter::try_from_env("LOG_LEVEL").unwrap_or_else(|_| EnvFilter::new("warn")),
        )
        .init();
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let runtime_api = std::env::var_os("AWS_LAMBDA_RUNTIME_API");
    if tinesaudit_runner::lambda::requested(&args, runtime_api.as_deref()) {
        return tinesaudit_runner::lambda::serve().await;
    }
    tinesaudit_runner::cli::main(args).await
}

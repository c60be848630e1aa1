//! Serving a provider: [`serve`] for a provider binary's `main`, [`serve_in_process`] for tests that run a
//! real Terraform against a provider living in the test process.

use std::process::ExitCode;

use tfplugin_proto::{DebugOptions, RunningProvider, ServeError, ServeOptions};

use crate::provider::Provider;
use crate::server::FrameworkServer;

/// Serves `provider` for the rest of the process and returns the exit code for `main`:
///
/// * launched by Terraform: the go-plugin handshake with AutoMTLS, until Terraform shuts the provider down;
/// * with `--debug` (or `-debug`, as Go providers spell it): debug mode, printing the
///   `TF_REATTACH_PROVIDERS` value under `provider_address` (e.g. `registry.terraform.io/tinesaudit/tinesaudit`)
///   and serving until SIGINT or SIGTERM.
///
/// ```no_run
/// # struct MyProvider;
/// # impl tfplugin_framework::Provider for MyProvider {
/// #     fn type_name(&self) -> String { "my".into() }
/// #     async fn configure(&self, _: tfplugin_framework::ConfigureRequest, _: &mut tfplugin_framework::ConfigureResponse) {}
/// #     fn resources(&self) -> Vec<tfplugin_framework::ResourceType> { Vec::new() }
/// # }
/// #[tokio::main]
/// async fn main() -> std::process::ExitCode {
///     tfplugin_framework::serve(MyProvider, "registry.terraform.io/example/my").await
/// }
/// ```
pub async fn serve<P: Provider>(provider: P, provider_address: &str) -> ExitCode {
    // A second subscriber can only come from the binary itself, which then logs the way it chose.
    let _ = tfplugin_proto::logging::init();
    let server = FrameworkServer::new(provider);
    let debug = std::env::args()
        .skip(1)
        .any(|arg| arg == "--debug" || arg == "-debug");
    let result = if debug {
        match tfplugin_proto::serve_debug(server, DebugOptions::new(provider_address)).await {
            Ok(running) => running.stop_on_signal().await,
            Err(e) => Err(e),
        }
    } else {
        tfplugin_proto::serve(server, ServeOptions::from_env()).await
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

/// A provider served in debug mode inside this process, for tests that drive a real Terraform CLI.
pub struct InProcessProvider {
    running: RunningProvider,
    address: String,
}

impl InProcessProvider {
    /// The value for Terraform's `TF_REATTACH_PROVIDERS`. It names this process's PID, which Terraform 1.0
    /// kills if it cannot reach the provider: keep the provider running while Terraform runs.
    pub fn reattach_json(&self) -> String {
        self.running.reattach_json(&self.address)
    }

    /// The provider's source address, the key in the reattach JSON.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Stops serving and removes the socket.
    pub async fn stop(self) -> Result<(), ServeError> {
        self.running.stop().await
    }
}

/// Starts `provider` in debug mode on a unix socket in the temp dir without printing anything; Terraform
/// attaches through [`InProcessProvider::reattach_json`] and may run any number of commands against it
/// (the provider is configured once per command).
pub async fn serve_in_process<P: Provider>(
    provider: P,
    provider_address: &str,
) -> Result<InProcessProvider, ServeError> {
    let mut options = DebugOptions::new(provider_address);
    options.print_reattach = false;
    let running = tfplugin_proto::serve_debug(FrameworkServer::new(provider), options).await?;
    Ok(InProcessProvider {
        running,
        address: provider_address.to_owned(),
    })
}

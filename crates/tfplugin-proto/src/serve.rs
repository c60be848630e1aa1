//! Serving a [`ProviderServer`]: the managed mode Terraform launches ([`serve`], or [`start`] without the
//! stdout handshake), and debug mode ([`serve_debug`]), where the provider runs on its own and Terraform
//! attaches to it through `TF_REATTACH_PROVIDERS`.

use std::io::{self, Write as _};
use std::path::PathBuf;
use std::time::Duration;

use tokio::task::JoinHandle;
use tonic::transport::Server;

use crate::handshake::{NOT_LAUNCHED_BY_TERRAFORM, PluginEnv, handshake_line, reattach_json};
use crate::listener::{Listener, PluginAddr};
use crate::provider::ProviderServer;
use crate::service::{OnShutdownRpc, Services};
use crate::shutdown::ShutdownSignal;
use crate::tls::AutoMtls;

/// terraform-plugin-go's limit for messages in either direction; tonic's default of 4 MiB is too small for
/// large states and configurations.
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 256 << 20;

/// After a shutdown request, how long open connections get to close before serving stops regardless.
/// Terraform kills a provider 2 s after Shutdown, so this must stay well below that.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(750);

/// How the provider listens.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Network {
    /// A unix socket in `PLUGIN_UNIX_SOCKET_DIR` or the temp dir, as go-plugin does on every unix.
    #[default]
    Unix,
    /// 127.0.0.1 on a port in `PLUGIN_MIN_PORT..=PLUGIN_MAX_PORT` (or one the OS picks).
    Tcp,
}

/// Options for a provider launched by Terraform.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    pub env: PluginEnv,
    pub network: Network,
    pub max_message_size: usize,
}

impl ServeOptions {
    /// Options from this process's environment, listening on a unix socket.
    pub fn from_env() -> ServeOptions {
        ServeOptions {
            env: PluginEnv::from_process(),
            network: Network::Unix,
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
        }
    }
}

/// Options for debug mode.
#[derive(Clone, Debug)]
pub struct DebugOptions {
    /// The provider's source address, the key of the reattach configuration, e.g.
    /// `registry.terraform.io/tinesaudit/tinesaudit`.
    pub provider_address: String,
    pub network: Network,
    /// Where to create the unix socket; the temp dir when `None`.
    pub unix_socket_dir: Option<PathBuf>,
    pub max_message_size: usize,
    /// Print the `TF_REATTACH_PROVIDERS` line on stdout (and instructions on stderr). A test harness that
    /// serves in-process takes the value from [`RunningProvider::reattach_json`] instead.
    pub print_reattach: bool,
}

impl DebugOptions {
    pub fn new(provider_address: impl Into<String>) -> DebugOptions {
        DebugOptions {
            provider_address: provider_address.into(),
            network: Network::Unix,
            unix_socket_dir: None,
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            print_reattach: true,
        }
    }
}

/// Why a provider could not be served. A provider binary prints it to stderr and exits with status 1.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The magic cookie is missing: someone ran the binary by hand.
    #[error("{NOT_LAUNCHED_BY_TERRAFORM}")]
    NotLaunchedByTerraform,
    #[error("PLUGIN_CLIENT_CERT is unusable: {0}")]
    ClientCertificate(String),
    #[error("TLS setup failed: {0}")]
    Tls(String),
    #[error("cannot listen for Terraform: {0}")]
    Listen(#[source] io::Error),
    #[error("cannot write to stdout: {0}")]
    Stdout(#[source] io::Error),
    #[error("cannot handle signals: {0}")]
    Signals(#[source] io::Error),
    #[error("serving failed: {0}")]
    Server(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Serves `provider` to the Terraform process that launched this one, until Terraform says it is done
/// (`GRPCController.Shutdown`) or the process gets SIGTERM. Performs go-plugin's handshake: checks the magic
/// cookie, listens, sets up AutoMTLS when Terraform asked for it, prints the handshake line on stdout, and
/// ignores SIGINT (a Ctrl-C reaches the whole process group; Terraform handles it and calls StopProvider).
pub async fn serve<P: ProviderServer>(
    provider: P,
    options: ServeOptions,
) -> Result<(), ServeError> {
    let running = start(provider, options).await?;
    ignore_interrupts().map_err(ServeError::Signals)?;
    stop_on(&running, tokio::signal::unix::SignalKind::terminate()).map_err(ServeError::Signals)?;
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "{}", running.handshake_line())
        .and_then(|()| stdout.flush())
        .map_err(ServeError::Stdout)?;
    drop(stdout);
    running.wait().await
}

/// Everything [`serve`] does except printing the handshake line and handling signals: for tests that play
/// Terraform's part, and for binaries that want to announce themselves differently.
pub async fn start<P: ProviderServer>(
    provider: P,
    options: ServeOptions,
) -> Result<RunningProvider, ServeError> {
    let env = &options.env;
    if !env.launched_by_terraform() {
        return Err(ServeError::NotLaunchedByTerraform);
    }
    if !env.client_accepts_our_protocol() {
        tracing::warn!(
            offered = env.protocol_versions.as_deref().unwrap_or_default(),
            "Terraform does not offer plugin protocol 6 and will refuse this provider; upgrade to Terraform 1.0.3 or newer"
        );
    }
    let tls = env.client_cert().map(AutoMtls::new).transpose()?;
    if tls.is_none() {
        tracing::info!(
            "no PLUGIN_CLIENT_CERT (Terraform runs with TF_DISABLE_PLUGIN_TLS): serving without TLS"
        );
    }
    let listener = match options.network {
        Network::Unix => Listener::unix(
            &env.unix_socket_dir
                .clone()
                .unwrap_or_else(std::env::temp_dir),
        ),
        Network::Tcp => Listener::tcp(env.port_range()).await,
    }
    .map_err(ServeError::Listen)?;
    let shutdown = ShutdownSignal::new();
    let services = Services::new(
        provider,
        &shutdown,
        OnShutdownRpc::Stop,
        options.max_message_size,
    );
    Ok(launch(listener, tls, services, shutdown))
}

/// Serves `provider` in debug mode: plaintext, no magic cookie, and `GRPCController.Shutdown` ignored, so one
/// process serves any number of Terraform commands (which may configure it many times). Terraform finds it
/// through the `TF_REATTACH_PROVIDERS` value, printed on stdout as `TF_REATTACH_PROVIDERS='<json>'` when
/// [`DebugOptions::print_reattach`] is set. Runs until [`RunningProvider::stop`] (or, for a binary,
/// [`RunningProvider::stop_on_signal`]).
pub async fn serve_debug<P: ProviderServer>(
    provider: P,
    options: DebugOptions,
) -> Result<RunningProvider, ServeError> {
    let listener = match options.network {
        Network::Unix => Listener::unix(
            &options
                .unix_socket_dir
                .clone()
                .unwrap_or_else(std::env::temp_dir),
        ),
        Network::Tcp => Listener::tcp(0..=0).await,
    }
    .map_err(ServeError::Listen)?;
    let shutdown = ShutdownSignal::new();
    let services = Services::new(
        provider,
        &shutdown,
        OnShutdownRpc::Ignore,
        options.max_message_size,
    );
    let running = launch(listener, None, services, shutdown);
    if options.print_reattach {
        let json = running.reattach_json(&options.provider_address);
        eprintln!(
            "Provider {} is running in debug mode. Set this in the environment of Terraform commands to use it:",
            options.provider_address
        );
        let mut stdout = io::stdout().lock();
        if let Err(e) =
            writeln!(stdout, "TF_REATTACH_PROVIDERS='{json}'").and_then(|()| stdout.flush())
        {
            // Nobody can attach to a server whose address was not announced.
            running.shutdown.trigger();
            return Err(ServeError::Stdout(e));
        }
    }
    Ok(running)
}

fn launch<P: ProviderServer>(
    listener: Listener,
    tls: Option<AutoMtls>,
    services: Services<P>,
    shutdown: ShutdownSignal,
) -> RunningProvider {
    let addr = listener.addr().clone();
    let (acceptor, server_cert_der) = match tls {
        Some(tls) => (Some(tls.acceptor), Some(tls.server_cert_der.to_vec())),
        None => (None, None),
    };
    let (incoming, socket_file) = listener.incoming(acceptor, shutdown.clone());
    let router = Server::builder()
        .add_service(services.provider)
        .add_service(services.controller)
        .add_service(services.stdio)
        .add_service(services.broker)
        .add_service(services.health);
    let task = tokio::spawn({
        let shutdown = shutdown.clone();
        async move {
            let graceful = router.serve_with_incoming_shutdown(incoming, {
                let shutdown = shutdown.clone();
                async move { shutdown.wait().await }
            });
            let deadline = async {
                shutdown.wait().await;
                tokio::time::sleep(SHUTDOWN_GRACE).await;
            };
            let result = tokio::select! {
                result = graceful => result.map_err(|e| ServeError::Server(Box::new(e))),
                () = deadline => {
                    tracing::debug!("connections still open after shutdown; stopping anyway");
                    Ok(())
                }
            };
            drop(socket_file);
            result
        }
    });
    tracing::debug!(network = addr.network(), address = %addr, tls = server_cert_der.is_some(), "serving");
    RunningProvider {
        addr,
        server_cert_der,
        shutdown,
        task,
    }
}

/// A provider being served in the background.
pub struct RunningProvider {
    addr: PluginAddr,
    server_cert_der: Option<Vec<u8>>,
    shutdown: ShutdownSignal,
    task: JoinHandle<Result<(), ServeError>>,
}

impl RunningProvider {
    pub fn addr(&self) -> &PluginAddr {
        &self.addr
    }

    /// The DER of the server certificate when serving with AutoMTLS.
    pub fn server_certificate_der(&self) -> Option<&[u8]> {
        self.server_cert_der.as_deref()
    }

    /// The line go-plugin expects on stdout: `1|6|unix|<path>|grpc|<cert>`.
    pub fn handshake_line(&self) -> String {
        handshake_line(&self.addr, self.server_cert_der.as_deref())
    }

    /// The `TF_REATTACH_PROVIDERS` value for this provider under `provider_address`, with this process's PID.
    /// Note that Terraform 1.0 kills that PID if it cannot reach the address.
    pub fn reattach_json(&self, provider_address: &str) -> String {
        reattach_json(provider_address, &self.addr, std::process::id())
    }

    /// Waits until serving ends: in managed mode when Terraform sends Shutdown, otherwise on a signal
    /// installed with [`stop_on_signal`](Self::stop_on_signal) or [`serve`].
    pub async fn wait(self) -> Result<(), ServeError> {
        self.task
            .await
            .map_err(|e| ServeError::Server(Box::new(e)))?
    }

    /// Stops serving: open connections get a short grace period, the socket file is removed.
    pub async fn stop(self) -> Result<(), ServeError> {
        self.shutdown.trigger();
        self.wait().await
    }

    /// For debug-mode binaries: serves until SIGINT or SIGTERM, then stops.
    pub async fn stop_on_signal(self) -> Result<(), ServeError> {
        use tokio::signal::unix::SignalKind;
        stop_on(&self, SignalKind::interrupt()).map_err(ServeError::Signals)?;
        stop_on(&self, SignalKind::terminate()).map_err(ServeError::Signals)?;
        self.wait().await
    }
}

/// Triggers a graceful stop when the process receives `kind`.
fn stop_on(running: &RunningProvider, kind: tokio::signal::unix::SignalKind) -> io::Result<()> {
    let mut signal = tokio::signal::unix::signal(kind)?;
    let shutdown = running.shutdown.clone();
    tokio::spawn(async move {
        if signal.recv().await.is_some() {
            tracing::debug!(signal = kind.as_raw_value(), "stopping on signal");
            shutdown.trigger();
        }
    });
    Ok(())
}

/// Installing a handler replaces the default action (terminate), so draining it is what ignoring means.
fn ignore_interrupts() -> io::Result<()> {
    let mut interrupts = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
    tokio::spawn(async move {
        while interrupts.recv().await.is_some() {
            tracing::debug!("ignoring SIGINT: Terraform handles interrupts and calls StopProvider");
        }
    });
    Ok(())
}

//! Where the provider under test comes from, and how Terraform is pointed at it for one run.

use std::fs;
use std::future::Future;
use std::io::{BufRead as _, BufReader};
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use tfplugin_proto::{DebugOptions, ProviderServer, RunningProvider, ServeError};
use tokio::runtime::Runtime;

use crate::error::Failure;

type Started = Pin<Box<dyn Future<Output = Result<RunningProvider, ServeError>> + Send>>;
type StartFn = dyn Fn(DebugOptions) -> Started + Send + Sync;

/// How long a provider binary in debug mode gets to print its reattach line.
const DEBUG_START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a provider binary gets to stop after SIGTERM before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(3);

/// The provider a [`TestCase`](crate::TestCase) tests.
pub struct ProviderSource {
    kind: Kind,
}

enum Kind {
    InProcess {
        address: String,
        start: Arc<StartFn>,
    },
    DebugBinary {
        program: PathBuf,
    },
    Mirror {
        program: PathBuf,
        /// An invalid address is kept and reported when the case runs.
        address: Result<SourceAddress, String>,
        version: String,
    },
}

/// `registry.terraform.io/NAMESPACE/TYPE`, from a full or short (`NAMESPACE/TYPE`) source address.
#[derive(Clone, Debug, PartialEq, Eq)]
struct SourceAddress {
    host: String,
    namespace: String,
    kind: String,
}

impl SourceAddress {
    fn parse(address: &str) -> Result<SourceAddress, String> {
        let parts: Vec<&str> = address.split('/').collect();
        let (host, namespace, kind) = match parts.as_slice() {
            [namespace, kind] => ("registry.terraform.io", *namespace, *kind),
            [host, namespace, kind] => (*host, *namespace, *kind),
            _ => {
                return Err(format!(
                    "{address:?} is not a provider source address (HOST/NAMESPACE/TYPE or NAMESPACE/TYPE)"
                ));
            }
        };
        if [host, namespace, kind].iter().any(|p| p.is_empty()) {
            return Err(format!("{address:?} has an empty part"));
        }
        Ok(SourceAddress {
            host: host.to_owned(),
            namespace: namespace.to_owned(),
            kind: kind.to_owned(),
        })
    }
}

impl ProviderSource {
    /// Serves a provider inside the test process for each run (`serve_debug`, plaintext on a unix socket) and
    /// attaches Terraform through `TF_REATTACH_PROVIDERS`. The fastest source; `factory` makes a fresh
    /// provider for every CLI run. `address` is the provider's source address as the configuration's
    /// `required_providers` names it, e.g. `registry.terraform.io/tinesaudit/tinesaudit`.
    pub fn in_process<P, F>(address: &str, factory: F) -> ProviderSource
    where
        P: ProviderServer,
        F: Fn() -> P + Send + Sync + 'static,
    {
        let start = move |options: DebugOptions| -> Started {
            Box::pin(tfplugin_proto::serve_debug(factory(), options))
        };
        ProviderSource {
            kind: Kind::InProcess {
                address: address.to_owned(),
                start: Arc::new(start),
            },
        }
    }

    /// Starts the provider binary at `program` with `--debug` for each run, reads the
    /// `TF_REATTACH_PROVIDERS='…'` line it prints, and attaches Terraform through it. The process gets the
    /// case's [`env`](crate::TestCase::env); it is stopped with SIGTERM after the run.
    pub fn debug_binary(program: impl Into<PathBuf>) -> ProviderSource {
        ProviderSource {
            kind: Kind::DebugBinary {
                program: program.into(),
            },
        }
    }

    /// Installs the provider binary at `program` into a filesystem mirror
    /// (`HOST/NAMESPACE/TYPE/VERSION/linux_amd64/terraform-provider-TYPE_vVERSION`) and runs
    /// `terraform init -plugin-dir=MIRROR`: Terraform then launches the provider itself, with AutoMTLS, as
    /// for a real install. The configuration must require `address` at a version `version` satisfies.
    pub fn mirror(
        program: impl Into<PathBuf>,
        address: &str,
        version: impl Into<String>,
    ) -> ProviderSource {
        ProviderSource {
            kind: Kind::Mirror {
                program: program.into(),
                address: SourceAddress::parse(address),
                version: version.into(),
            },
        }
    }

    /// Problems with the source itself, found before any CLI runs.
    pub(crate) fn check(&self) -> Result<(), String> {
        match &self.kind {
            Kind::InProcess { address, .. } => SourceAddress::parse(address).map(|_| ()),
            Kind::DebugBinary { program } => check_program(program),
            Kind::Mirror {
                program,
                address,
                version,
            } => {
                check_program(program)?;
                address.as_ref().map_err(Clone::clone)?;
                if version.is_empty() || version.contains('/') {
                    return Err(format!("{version:?} is not a provider version"));
                }
                Ok(())
            }
        }
    }

    /// Whether this source needs the harness's tokio runtime.
    pub(crate) fn needs_runtime(&self) -> bool {
        matches!(self.kind, Kind::InProcess { .. })
    }

    /// A short description for logs.
    pub(crate) fn describe(&self) -> String {
        match &self.kind {
            Kind::InProcess { address, .. } => format!("{address} served in-process"),
            Kind::DebugBinary { program } => format!("{} --debug", program.display()),
            Kind::Mirror {
                program, version, ..
            } => format!("{} v{version} from a filesystem mirror", program.display()),
        }
    }

    /// Makes the provider available to Terraform for one run whose files live in `scratch`.
    pub(crate) fn attach(
        &self,
        scratch: &Path,
        env: &[(String, String)],
        runtime: Option<&Runtime>,
    ) -> Result<Attached, Failure> {
        match &self.kind {
            Kind::InProcess { address, start } => {
                let runtime = runtime.ok_or_else(|| {
                    Failure::new("internal error: no runtime for an in-process provider")
                })?;
                let mut options = DebugOptions::new(address.clone());
                options.print_reattach = false;
                options.unix_socket_dir = Some(scratch.to_owned());
                let running = runtime
                    .block_on(start(options))
                    .map_err(|e| Failure::new(format!("cannot serve the provider: {e}")))?;
                // serve_debug returns once the socket is bound, so Terraform can connect right away; that
                // matters because Terraform 1.0 kills the reattach PID (here: this test process) when it
                // cannot connect.
                let reattach = running.reattach_json(address);
                Ok(Attached {
                    env: vec![("TF_REATTACH_PROVIDERS".to_owned(), reattach)],
                    init_args: Vec::new(),
                    guard: Guard::InProcess(running),
                })
            }
            Kind::DebugBinary { program } => {
                let (child, reattach) = start_debug_binary(program, scratch, env)?;
                Ok(Attached {
                    env: vec![("TF_REATTACH_PROVIDERS".to_owned(), reattach)],
                    init_args: Vec::new(),
                    guard: Guard::Process(ProcessGuard(Some(child))),
                })
            }
            Kind::Mirror {
                program,
                address,
                version,
            } => {
                let address = address.as_ref().map_err(|e| Failure::new(e.clone()))?;
                let mirror = scratch.join("mirror");
                install_into_mirror(program, &mirror, address, version)?;
                Ok(Attached {
                    env: Vec::new(),
                    init_args: vec![format!("-plugin-dir={}", mirror.display())],
                    guard: Guard::None,
                })
            }
        }
    }
}

fn check_program(program: &Path) -> Result<(), String> {
    let meta =
        fs::metadata(program).map_err(|e| format!("provider binary {}: {e}", program.display()))?;
    if !meta.is_file() || meta.permissions().mode() & 0o111 == 0 {
        return Err(format!(
            "provider binary {} is not an executable file",
            program.display()
        ));
    }
    Ok(())
}

/// The provider as one run sees it: extra environment for Terraform, extra `init` arguments, and what to
/// stop at the end.
pub(crate) struct Attached {
    pub env: Vec<(String, String)>,
    pub init_args: Vec<String>,
    guard: Guard,
}

enum Guard {
    InProcess(RunningProvider),
    Process(ProcessGuard),
    None,
}

impl Attached {
    /// Stops the provider (the in-process server through `runtime`). Problems are returned for the report.
    pub fn stop(self, runtime: Option<&Runtime>) -> Result<(), Failure> {
        match self.guard {
            Guard::InProcess(running) => match runtime {
                Some(runtime) => runtime
                    .block_on(running.stop())
                    .map_err(|e| Failure::new(format!("the in-process provider failed: {e}"))),
                None => Ok(()),
            },
            Guard::Process(mut guard) => guard.stop(),
            Guard::None => Ok(()),
        }
    }
}

/// A provider process; stopped on drop at the latest, so an early return cannot leak it.
struct ProcessGuard(Option<Child>);

impl ProcessGuard {
    fn stop(&mut self) -> Result<(), Failure> {
        let Some(mut child) = self.0.take() else {
            return Ok(());
        };
        // SIGTERM lets the provider remove its socket file; std only offers SIGKILL, hence kill(1).
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + STOP_GRACE;
        while Instant::now() < deadline {
            match child.try_wait() {
                Ok(Some(status)) if status.success() => return Ok(()),
                Ok(Some(status)) => {
                    return Err(Failure::new(format!(
                        "the provider process ended with {status} when stopped"
                    )));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(10)),
                Err(_) => break,
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        Err(Failure::new(format!(
            "the provider process did not stop within {STOP_GRACE:?} of SIGTERM and was killed"
        )))
    }
}

impl Drop for ProcessGuard {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

/// Starts `program --debug` and returns it with the `TF_REATTACH_PROVIDERS` value it printed, after checking
/// that the value names this very process (Terraform 1.0 kills whatever PID it is given).
fn start_debug_binary(
    program: &Path,
    scratch: &Path,
    env: &[(String, String)],
) -> Result<(Child, String), Failure> {
    let log_path = scratch.join("provider.log");
    let log = fs::File::create(&log_path)
        .map_err(|e| Failure::new(format!("cannot create {}: {e}", log_path.display())))?;
    let mut child = Command::new(program)
        .arg("--debug")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .map_err(|e| Failure::new(format!("cannot start {}: {e}", program.display())))?;
    let pid = child.id();
    let mut guard = ProcessGuard(None);

    let (lines, received) = mpsc::channel();
    if let Some(stdout) = child.stdout.take() {
        // Reads the first line for us, then keeps draining so the provider never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let _ = lines.send(line);
            let _ = std::io::copy(&mut reader, &mut std::io::sink());
        });
    }
    guard.0 = Some(child);
    let fail = |message: String| {
        let log = fs::read_to_string(&log_path).unwrap_or_default();
        Failure::new(format!(
            "{message}\n--- provider stderr ---\n{}",
            log.trim_end()
        ))
    };
    let line = received.recv_timeout(DEBUG_START_TIMEOUT).map_err(|_| {
        fail(format!(
            "{} --debug printed no line within {DEBUG_START_TIMEOUT:?}",
            program.display()
        ))
    })?;
    let value = line
        .trim()
        .strip_prefix("TF_REATTACH_PROVIDERS=")
        .map(|v| v.trim_matches('\''))
        .ok_or_else(|| {
            fail(format!(
                "{} --debug printed {line:?}, not TF_REATTACH_PROVIDERS='…'",
                program.display()
            ))
        })?;
    let json: serde_json::Value = serde_json::from_str(value).map_err(|e| {
        fail(format!(
            "the reattach configuration {value:?} is not JSON: {e}"
        ))
    })?;
    let pids: Vec<Option<u64>> = json
        .as_object()
        .into_iter()
        .flat_map(|providers| providers.values())
        .map(|provider| provider["Pid"].as_u64())
        .collect();
    if pids.is_empty() || pids.iter().any(|p| *p != Some(u64::from(pid))) {
        return Err(fail(format!(
            "the reattach configuration {value} must name the provider process (PID {pid}): Terraform 1.0 kills the PID it names when it cannot connect"
        )));
    }
    let child = guard
        .0
        .take()
        .ok_or_else(|| Failure::new("internal error: the provider process went missing"))?;
    Ok((child, value.to_owned()))
}

/// Lays the binary out as Terraform's filesystem mirror expects it. A hard link when possible: the mirror is
/// made for every run, and a debug provider binary is tens of megabytes.
fn install_into_mirror(
    program: &Path,
    mirror: &Path,
    address: &SourceAddress,
    version: &str,
) -> Result<(), Failure> {
    let dir = mirror
        .join(&address.host)
        .join(&address.namespace)
        .join(&address.kind)
        .join(version)
        .join("linux_amd64");
    fs::create_dir_all(&dir)
        .map_err(|e| Failure::new(format!("cannot create {}: {e}", dir.display())))?;
    let target = dir.join(format!("terraform-provider-{}_v{version}", address.kind));
    if fs::hard_link(program, &target).is_err() {
        fs::copy(program, &target).map_err(|e| {
            Failure::new(format!(
                "cannot copy {} to {}: {e}",
                program.display(),
                target.display()
            ))
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_addresses_default_to_the_public_registry() {
        let short = SourceAddress::parse("tinesaudit/fixture").unwrap();
        assert_eq!(short.host, "registry.terraform.io");
        assert_eq!(
            (short.namespace.as_str(), short.kind.as_str()),
            ("tinesaudit", "fixture")
        );
        let full = SourceAddress::parse("example.com/a/b").unwrap();
        assert_eq!(full.host, "example.com");
        assert!(SourceAddress::parse("fixture").is_err());
        assert!(SourceAddress::parse("a//b").is_err());
        assert!(SourceAddress::parse("h/a/b/c").is_err());
    }

    #[test]
    fn invalid_sources_are_reported_before_running() {
        let missing = ProviderSource::debug_binary("/nonexistent/provider");
        assert!(
            missing
                .check()
                .unwrap_err()
                .contains("/nonexistent/provider")
        );
        let scratch = tempfile::tempdir().unwrap();
        let plain_file = scratch.path().join("provider");
        fs::write(&plain_file, "").unwrap();
        fs::set_permissions(&plain_file, fs::Permissions::from_mode(0o644)).unwrap();
        let not_executable = ProviderSource::mirror(&plain_file, "a/b", "1.0.0");
        assert!(
            not_executable
                .check()
                .unwrap_err()
                .contains("not an executable")
        );
        let bad_address = ProviderSource::mirror("/bin/sh", "fixture", "1.0.0");
        assert!(bad_address.check().unwrap_err().contains("source address"));
        let bad_version = ProviderSource::mirror("/bin/sh", "a/b", "");
        assert!(bad_version.check().unwrap_err().contains("version"));
    }
}

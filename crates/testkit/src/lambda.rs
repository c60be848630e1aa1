use std::fs;
use std::net::{Ipv4Addr, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::Tools;
use crate::process::{self, ScratchDir, ServerProcess};

/// cargo-lambda's local Lambda emulator (`cargo lambda watch --only-lambda-apis`): it serves the Lambda
/// runtime API that a function process (a `bootstrap`) polls for events, and an invoke endpoint that
/// [`LambdaEmulator::invoke`] sends events to, as `cargo lambda invoke`. It builds nothing: the function is
/// whatever process connects to [`LambdaEmulator::runtime_api`]. Stopped on drop.
#[derive(Debug)]
pub struct LambdaEmulator {
    _process: ServerProcess,
    scratch: ScratchDir,
    cargo_lambda: PathBuf,
    port: u16,
    invocations: AtomicU64,
}

/// What one invocation answered.
#[derive(Debug)]
pub struct Invocation {
    /// Whether the function answered with a result (not an error).
    pub succeeded: bool,
    /// The result, or the error as the emulator reports it.
    pub output: String,
}

impl LambdaEmulator {
    /// Starts the emulator and returns once its port answers.
    pub fn start() -> Result<LambdaEmulator> {
        let cargo_lambda = Tools::locate()?.venv_bin("cargo-lambda")?;
        let scratch = ScratchDir::new("lambda-emulator")?;
        // The emulator reads a Cargo manifest for its function names even when it builds nothing; a
        // package with one binary called `bootstrap` is all it needs.
        let project = scratch.path().join("function");
        fs::create_dir_all(project.join("src"))?;
        fs::write(
            project.join("Cargo.toml"),
            "[package]\nname = \"function\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\n\
             [[bin]]\nname = \"bootstrap\"\npath = \"src/main.rs\"\n",
        )?;
        fs::write(project.join("src/main.rs"), "fn main() {}\n")?;

        let pick_port = || Ok(process::free_ports(1, false)?[0]);
        let command = |port: &u16| {
            let mut command = Command::new(&cargo_lambda);
            command
                .args(["lambda", "watch", "--only-lambda-apis", "--ignore-changes"])
                .args(["--invoke-address", "127.0.0.1", "--invoke-port"])
                .arg(port.to_string())
                .current_dir(&project);
            Ok(command)
        };
        let ready = |port: &u16| TcpStream::connect((Ipv4Addr::LOCALHOST, *port)).is_ok();
        let (process, port) = process::start(
            "cargo lambda watch",
            scratch.path(),
            pick_port,
            command,
            ready,
        )?;
        Ok(LambdaEmulator {
            _process: process,
            scratch,
            cargo_lambda,
            port,
            invocations: AtomicU64::new(0),
        })
    }

    /// What the function process gets as `AWS_LAMBDA_RUNTIME_API`.
    pub fn runtime_api(&self) -> String {
        format!("http://127.0.0.1:{}/.rt", self.port)
    }

    /// Sends one event (`payload`, JSON) and waits up to `timeout` for the function's answer.
    pub fn invoke(&self, payload: &str, timeout: Duration) -> Result<Invocation> {
        let number = self.invocations.fetch_add(1, Ordering::Relaxed);
        let output_path = self.scratch.path().join(format!("invocation-{number}.out"));
        let output = fs::File::create(&output_path)
            .with_context(|| format!("could not create {}", output_path.display()))?;
        // Output to a file rather than a pipe: the process is polled for its end (often enough for the
        // cold-start bench to time the answer), and a full pipe would stall it.
        let mut child = Command::new(&self.cargo_lambda)
            .args(["lambda", "invoke", "--invoke-address", "127.0.0.1"])
            .args(["--invoke-port", &self.port.to_string()])
            .args(["--data-ascii", payload, "--output-format", "json"])
            .stdin(Stdio::null())
            .stdout(output.try_clone()?)
            .stderr(output)
            .spawn()
            .context("could not run `cargo lambda invoke`")?;
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait()? {
                break status;
            }
            if started.elapsed() > timeout {
                let _ = child.kill();
                let _ = child.wait();
                bail!(
                    "the invocation did not end within {timeout:?}: {}",
                    fs::read_to_string(&output_path).unwrap_or_default()
                );
            }
            thread::sleep(Duration::from_millis(5));
        };
        let output = fs::read_to_string(&output_path)
            .with_context(|| format!("could not read {}", output_path.display()))?;
        Ok(Invocation {
            succeeded: status.success(),
            output,
        })
    }
}

//! Running a server process for a test: free ports, a scratch folder, a log, readiness, cleanup.

use std::fs::{self, File};
use std::net::{Ipv4Addr, TcpListener};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// Below the kernel's ephemeral range (32768 and up by default), so outgoing connections never
/// take them, and with room for port + 10,000, which SeaweedFS uses for gRPC.
const PORT_RANGE: Range<u16> = 10_000..20_000;
pub(crate) const GRPC_OFFSET: u16 = 10_000;

/// Generous: a loaded CI machine compiling in parallel can slow a ~1 s start a lot.
const READY_TIMEOUT: Duration = Duration::from_secs(60);
const POLL_INTERVAL: Duration = Duration::from_millis(20);

/// Another test can take a port between our check and the server binding it; the server then
/// exits with one of these in its log and is started again on other ports.
const PORT_TAKEN_MARKERS: [&str; 3] = ["is not available", "already in use", "is in use"];
const ATTEMPTS: usize = 5;

/// A fresh folder under the system temp dir, removed with everything in it on drop.
#[derive(Debug)]
pub struct ScratchDir {
    path: PathBuf,
}

impl ScratchDir {
    /// `label` goes into the folder's name, to tell leftovers apart.
    pub fn new(label: &str) -> Result<ScratchDir> {
        let path = std::env::temp_dir().join(format!(
            "tinesaudit-{label}-{}-{:08x}",
            std::process::id(),
            fastrand::u32(..)
        ));
        fs::create_dir_all(&path)
            .with_context(|| format!("could not create {}", path.display()))?;
        Ok(ScratchDir { path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        // Best effort: a leftover temp folder must not fail the test that used it.
        let _ = fs::remove_dir_all(&self.path);
    }
}

/// A running server; killed (and reaped) on drop at the latest.
#[derive(Debug)]
pub(crate) struct ServerProcess {
    child: Child,
}

impl ServerProcess {
    /// Kills the server and waits for it to exit; doing it again does nothing.
    pub fn stop(&mut self) {
        // SIGKILL rather than a graceful stop: the data is thrown away anyway, and SeaweedFS takes
        // about 4 s to honour SIGTERM.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Starts `name` on ports from `pick_ports` and waits until `ready` holds, retrying on other
/// ports when a port was taken in the meantime. Output goes to `server.log` in `scratch`; its
/// tail is part of every error.
pub(crate) fn start<P>(
    name: &str,
    scratch: &Path,
    pick_ports: impl Fn() -> Result<P>,
    command: impl Fn(&P) -> Result<Command>,
    ready: impl Fn(&P) -> bool,
) -> Result<(ServerProcess, P)> {
    let log_path = scratch.join("server.log");
    for _ in 0..ATTEMPTS {
        let ports = pick_ports()?;
        let log = File::create(&log_path)
            .with_context(|| format!("could not create {}", log_path.display()))?;
        let mut command = command(&ports)?;
        command
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        let child = command
            .spawn()
            .with_context(|| format!("could not start {name} ({:?})", command.get_program()))?;
        let mut process = ServerProcess { child };

        let started = Instant::now();
        loop {
            if let Some(status) = process.child.try_wait()? {
                let tail = log_tail(&log_path);
                if PORT_TAKEN_MARKERS
                    .iter()
                    .any(|marker| tail.contains(marker))
                {
                    break;
                }
                bail!("{name} exited during start-up ({status}); end of its log:\n{tail}");
            }
            // Still alive after answering: otherwise the answer came from whoever took its port.
            if ready(&ports) && process.child.try_wait()?.is_none() {
                return Ok((process, ports));
            }
            if started.elapsed() > READY_TIMEOUT {
                bail!(
                    "{name} was not ready after {READY_TIMEOUT:?}; end of its log:\n{}",
                    log_tail(&log_path)
                );
            }
            thread::sleep(POLL_INTERVAL);
        }
    }
    bail!(
        "{name} found its ports taken {ATTEMPTS} times in a row; end of its last log:\n{}",
        log_tail(&log_path)
    )
}

/// `count` distinct loopback ports that are free now; with `grpc`, port + 10,000 is free too.
pub(crate) fn free_ports(count: usize, grpc: bool) -> Result<Vec<u16>> {
    let mut ports: Vec<u16> = Vec::with_capacity(count);
    for _ in 0..1000 {
        if ports.len() == count {
            break;
        }
        let port = fastrand::u16(PORT_RANGE);
        let free =
            !ports.contains(&port) && is_free(port) && (!grpc || is_free(port + GRPC_OFFSET));
        if free {
            ports.push(port);
        }
    }
    if ports.len() < count {
        bail!(
            "found only {} of {count} free loopback ports in {PORT_RANGE:?}",
            ports.len()
        );
    }
    Ok(ports)
}

fn is_free(port: u16) -> bool {
    TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok()
}

/// The last lines of a server log, for error messages.
fn log_tail(path: &Path) -> String {
    const LINES: usize = 30;
    match fs::read_to_string(path) {
        Ok(text) => {
            let lines: Vec<&str> = text.lines().collect();
            lines[lines.len().saturating_sub(LINES)..].join("\n")
        }
        Err(err) => format!("(could not read {}: {err})", path.display()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_ports_are_distinct_and_bindable_with_their_grpc_twins() {
        let ports = free_ports(5, true).unwrap();
        assert_eq!(ports.len(), 5);
        for (i, port) in ports.iter().enumerate() {
            assert!(PORT_RANGE.contains(port));
            assert!(!ports[i + 1..].contains(port));
            assert!(is_free(port + GRPC_OFFSET));
        }
    }

    #[test]
    fn a_server_that_exits_reports_its_log() {
        let scratch = ScratchDir::new("process-test").unwrap();
        let err = start(
            "failing server",
            scratch.path(),
            || Ok(()),
            |()| {
                let mut command = Command::new("sh");
                command.args(["-c", "echo boom: bad flag; exit 3"]);
                Ok(command)
            },
            |()| false,
        )
        .unwrap_err();
        let message = format!("{err:#}");
        assert!(message.contains("failing server exited"), "{message}");
        assert!(message.contains("boom: bad flag"), "{message}");
    }

    #[test]
    fn a_taken_port_means_another_attempt() {
        let scratch = ScratchDir::new("process-test").unwrap();
        let attempts = std::cell::Cell::new(0);
        let err = start(
            "unlucky server",
            scratch.path(),
            || {
                attempts.set(attempts.get() + 1);
                Ok(())
            },
            |()| {
                let mut command = Command::new("sh");
                command.args(["-c", "echo port 1 is not available; exit 1"]);
                Ok(command)
            },
            |()| false,
        )
        .unwrap_err();
        assert_eq!(attempts.get(), ATTEMPTS);
        assert!(format!("{err:#}").contains("ports taken"), "{err:#}");
    }

    #[test]
    fn the_scratch_dir_goes_away_on_drop() {
        let scratch = ScratchDir::new("process-test").unwrap();
        let path = scratch.path().to_owned();
        fs::write(path.join("file"), "x").unwrap();
        drop(scratch);
        assert!(!path.exists());
    }
}

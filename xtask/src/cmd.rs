//! Running external programs with errors that say which command failed and why.

use std::io::IsTerminal as _;
use std::process::{Command, Output};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// Runs `cmd` with inherited stdio; an error names the command and its exit status.
pub fn run(cmd: &mut Command) -> Result<()> {
    let status = cmd
        .status()
        .with_context(|| format!("could not start `{}`", describe(cmd)))?;
    if !status.success() {
        bail!("`{}` failed ({status})", describe(cmd));
    }
    Ok(())
}

/// Runs a cargo build as [`run`] does, saying how long it took. On a terminal cargo shows its own
/// progress bar, which lines of ours would break up; elsewhere (a CI log, a pipe) it prints a line
/// per crate, and one big crate can compile for minutes, so the [`Ticker`] ticks there.
pub fn run_building(cmd: &mut Command, what: &str) -> Result<()> {
    let _ticker = Ticker::start(what, !std::io::stderr().is_terminal());
    run(cmd)
}

/// Runs `cmd` and returns its stdout; an error names the command and carries its stderr.
pub fn output(cmd: &mut Command) -> Result<String> {
    let Output {
        status,
        stdout,
        stderr,
    } = cmd
        .output()
        .with_context(|| format!("could not start `{}`", describe(cmd)))?;
    if !status.success() {
        bail!(
            "`{}` failed ({status}):\n{}",
            describe(cmd),
            String::from_utf8_lossy(&stderr).trim_end()
        );
    }
    String::from_utf8(stdout).with_context(|| format!("`{}` printed non-UTF-8", describe(cmd)))
}

/// Whether `cmd` starts and exits with success; its output is discarded.
pub fn succeeds(cmd: &mut Command) -> bool {
    cmd.output().is_ok_and(|out| out.status.success())
}

/// The command line as a shell user would type it (environment changes left out).
pub fn describe(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Prints how long a phase took when dropped, and with `tick` how long it has been running every
/// ten seconds until then: a user watching a quiet terminal (pip installs quietly, cargo says
/// nothing while one big crate compiles) must see that something is still going on.
pub struct Ticker {
    what: String,
    started: Instant,
    stop: Option<mpsc::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Ticker {
    pub fn start(what: impl Into<String>, tick: bool) -> Ticker {
        let what = what.into();
        let started = Instant::now();
        let (stop, stopped) = mpsc::channel::<()>();
        let label = what.clone();
        let thread = tick.then(|| {
            thread::spawn(move || {
                // Ends when the sender is dropped, which disconnects the channel.
                while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(TICK) {
                    println!("    … {label}: {} s so far", started.elapsed().as_secs());
                }
            })
        });
        Ticker {
            what,
            started,
            stop: Some(stop),
            thread,
        }
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        println!(
            "    {}: {:.1} s",
            self.what,
            self.started.elapsed().as_secs_f64()
        );
    }
}

const TICK: Duration = Duration::from_secs(10);

/// The first file named `program` in `PATH`.
pub fn on_path(program: &str) -> Option<std::path::PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

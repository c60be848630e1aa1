//! Running one Terraform CLI in one working directory, capturing everything a failure report needs.

use std::fmt;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::cli::TerraformCli;

use crate::error::Failure;

/// One finished Terraform command, as a failure report shows it.
#[derive(Clone, Debug)]
pub struct CommandOutput {
    /// The command line, e.g. `terraform plan -no-color -input=false -refresh=false -detailed-exitcode`.
    pub command: String,
    /// The directory it ran in.
    pub dir: PathBuf,
    /// `None` when it was killed (by a signal, or by the harness after the command timeout).
    pub exit_code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl CommandOutput {
    pub fn succeeded(&self) -> bool {
        self.exit_code == Some(0)
    }

    /// stdout then stderr: where Terraform puts a message depends on the command and the version.
    pub fn combined(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

impl fmt::Display for CommandOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = self
            .exit_code
            .map_or_else(|| "killed".to_owned(), |c| c.to_string());
        writeln!(f, "command: {}", self.command)?;
        writeln!(f, "in: {}", self.dir.display())?;
        writeln!(f, "exit status: {status} after {:.2?}", self.elapsed)?;
        writeln!(f, "--- stdout ---\n{}", self.stdout.trim_end())?;
        write!(f, "--- stderr ---\n{}", self.stderr.trim_end())
    }
}

/// A Terraform CLI set up for one test run: its CLI config file, the extra environment (reattach
/// configuration, the test's own variables), where to keep output, and how long a command may take.
pub(crate) struct Terraform {
    pub cli: TerraformCli,
    cli_config: PathBuf,
    env: Vec<(String, String)>,
    logs: PathBuf,
    timeout: Duration,
    /// One line per command run so far, for the report: what ran, how it ended, how long it took.
    pub transcript: Vec<String>,
}

/// Flags every command gets: machine-independent output, and never a prompt. `show` has no `-input`.
fn common_flags(subcommand: &str) -> &'static [&'static str] {
    match subcommand {
        "show" | "version" => &["-no-color"],
        _ => &["-no-color", "-input=false"],
    }
}

impl Terraform {
    pub fn new(
        cli: TerraformCli,
        cli_config: PathBuf,
        env: Vec<(String, String)>,
        logs: PathBuf,
        timeout: Duration,
    ) -> Terraform {
        Terraform {
            cli,
            cli_config,
            env,
            logs,
            timeout,
            transcript: Vec::new(),
        }
    }

    /// Runs `terraform <subcommand> <common flags> <args>` in `dir`. A non-zero exit is not an error here
    /// (callers decide what it means); failing to start, or running past the timeout, is.
    pub fn run(
        &mut self,
        dir: &Path,
        subcommand: &str,
        args: &[&str],
    ) -> Result<CommandOutput, Failure> {
        // Flags before the arguments: Terraform stops reading flags at the first positional argument (a plan
        // file, an address).
        let mut words = vec![subcommand];
        words.extend_from_slice(common_flags(subcommand));
        words.extend_from_slice(args);
        let command_line = format!("terraform {}", words.join(" "));

        // Output goes to files rather than pipes: nothing to drain concurrently, and the files are there
        // to read in the scratch directory while a run is being debugged.
        let seq = self.transcript.len() + 1;
        let stdout_path = self.logs.join(format!("{seq:03}-{subcommand}.stdout"));
        let stderr_path = self.logs.join(format!("{seq:03}-{subcommand}.stderr"));
        let create = |path: &Path| {
            File::create(path)
                .map_err(|e| Failure::new(format!("cannot create {}: {e}", path.display())))
        };
        let mut command = self.cli.command(&self.cli_config);
        command
            .args(&words)
            .current_dir(dir)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::from(create(&stdout_path)?))
            .stderr(Stdio::from(create(&stderr_path)?));

        let started = Instant::now();
        let mut child = command.spawn().map_err(|e| {
            Failure::new(format!(
                "cannot start {} for `{command_line}`: {e}",
                self.cli.path.display()
            ))
        })?;
        let mut poll = Duration::from_millis(1);
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if started.elapsed() > self.timeout => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break None;
                }
                Ok(None) => {
                    std::thread::sleep(poll);
                    // Most commands take a few hundred milliseconds; start polling fast, then back off.
                    poll = (poll * 2).min(Duration::from_millis(20));
                }
                Err(e) => {
                    let _ = child.kill();
                    return Err(Failure::new(format!(
                        "cannot wait for `{command_line}`: {e}"
                    )));
                }
            }
        };
        let elapsed = started.elapsed();
        let read = |path: &Path| {
            std::fs::read(path)
                .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
                .unwrap_or_else(|e| format!("(cannot read {}: {e})", path.display()))
        };
        let output = CommandOutput {
            command: command_line,
            dir: dir.to_owned(),
            exit_code: status.and_then(|s| s.code()),
            stdout: read(&stdout_path),
            stderr: read(&stderr_path),
            elapsed,
        };
        self.transcript.push(format!(
            "{} -> {} ({:.2?})",
            output.command,
            output
                .exit_code
                .map_or_else(|| "killed".to_owned(), |c| format!("exit {c}")),
            elapsed
        ));
        if status.is_none() {
            return Err(Failure::with_output(
                format!("timed out after {:?}", self.timeout),
                output,
            ));
        }
        Ok(output)
    }

    /// Like [`run`](Self::run), but a non-zero exit is a failure described by `what`.
    pub fn run_ok(
        &mut self,
        dir: &Path,
        subcommand: &str,
        args: &[&str],
        what: &str,
    ) -> Result<CommandOutput, Failure> {
        let output = self.run(dir, subcommand, args)?;
        if output.succeeded() {
            Ok(output)
        } else {
            Err(Failure::with_output(format!("{what} failed"), output))
        }
    }
}

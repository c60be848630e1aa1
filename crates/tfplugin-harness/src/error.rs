//! What a failed case reports: for every CLI that failed, its version, the step, the message, and the
//! command with its full output, plus the commands that ran before it.

use std::fmt;
use std::path::PathBuf;

use crate::terraform::CommandOutput;

/// The error type user closures (hooks, custom checks, destroy checks) return, so they can use `?` on
/// anything and `Err("…".into())`.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Something went wrong inside a step: a message, and the Terraform command it is about, if any (boxed:
/// every internal function returns this, and the output is large).
#[derive(Debug)]
pub(crate) struct Failure {
    pub message: String,
    pub output: Option<Box<CommandOutput>>,
}

impl Failure {
    pub fn new(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            output: None,
        }
    }

    pub fn with_output(message: impl Into<String>, output: CommandOutput) -> Failure {
        Failure {
            message: message.into(),
            output: Some(Box::new(output)),
        }
    }
}

/// Where in a run a failure happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Checking the case, locating the CLIs, or starting the provider.
    Setup,
    /// Step number (from 1) and what kind of step it is.
    Step(usize, String),
    /// The `terraform destroy` after the steps, or the case's destroy check.
    Destroy,
    /// Stopping the provider after the run.
    Teardown,
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Phase::Setup => f.write_str("setup"),
            Phase::Step(n, kind) => write!(f, "step {n} ({kind})"),
            Phase::Destroy => f.write_str("destroy"),
            Phase::Teardown => f.write_str("stopping the provider"),
        }
    }
}

/// One CLI's run failed.
#[derive(Debug)]
pub struct CliFailure {
    /// The CLI's version, e.g. `1.0.3`; empty when no CLI was involved (an invalid case).
    pub version: String,
    pub cli_path: PathBuf,
    pub phase: Phase,
    pub message: String,
    /// The command the failure is about, with its full output.
    pub output: Option<CommandOutput>,
    /// Every command of this run up to the failure, with exit status and duration.
    pub transcript: Vec<String>,
}

impl fmt::Display for CliFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.version.is_empty() {
            write!(f, "{}: {}", self.phase, self.message)?;
        } else {
            write!(
                f,
                "Terraform {} ({}), {}: {}",
                self.version,
                self.cli_path.display(),
                self.phase,
                self.message
            )?;
        }
        if let Some(output) = &self.output {
            write!(f, "\n{output}")?;
        }
        if !self.transcript.is_empty() {
            write!(f, "\n--- commands run ---")?;
            for line in &self.transcript {
                write!(f, "\n{line}")?;
            }
        }
        Ok(())
    }
}

/// A case failed on at least one CLI. Displays every failure in full.
#[derive(Debug)]
pub struct CaseFailure {
    pub failures: Vec<CliFailure>,
    /// The runs that completed, passed or not.
    pub summary: crate::Summary,
}

impl CaseFailure {
    /// The failure on the CLI of this version, if that one failed.
    pub fn for_version(&self, version: &str) -> Option<&CliFailure> {
        self.failures.iter().find(|f| f.version == version)
    }
}

impl fmt::Display for CaseFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "test case failed on {} run(s)", self.failures.len())?;
        for failure in &self.failures {
            write!(f, "\n\n===== {failure}")?;
        }
        Ok(())
    }
}

impl std::error::Error for CaseFailure {}

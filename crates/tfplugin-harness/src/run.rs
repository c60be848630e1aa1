//! Running a [`TestCase`]: on every CLI (in parallel), each in its own scratch directory, step by step, then
//! `terraform destroy` and the destroy check.

use std::collections::BTreeSet;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value as Json;
use tempfile::TempDir;
use tokio::runtime::Runtime;

use crate::cli::TerraformCli;
use crate::error::{BoxError, CaseFailure, CliFailure, Failure, Phase};
use crate::json::{CheckError, Plan, State, flatten};
use crate::source::{Attached, ProviderSource};
use crate::step::{Import, ImportId, ImportMethod, Kind, Pattern, Step};
use crate::terraform::{CommandOutput, Terraform};

type DestroyCheck = dyn Fn(&Context<'_>) -> Result<(), BoxError> + Send + Sync;

/// The default limit for one Terraform command; a hung provider must not hang the test run.
const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(300);

/// What hooks and the destroy check get: the CLI being run, and the state the previous steps left.
pub struct Context<'a> {
    cli: &'a TerraformCli,
    state: Option<&'a State>,
    work_dir: &'a Path,
}

impl Context<'_> {
    /// The Terraform CLI of this run, e.g. to do something only from a version on
    /// ([`TerraformCli::at_least`]).
    pub fn cli(&self) -> &TerraformCli {
        self.cli
    }

    /// The state after the last step that produced one (for the destroy check: just before the destroy),
    /// e.g. to find the `id` of the remote object to change or look up.
    pub fn state(&self) -> Result<&State, CheckError> {
        self.state
            .ok_or_else(|| CheckError("no step has produced a state yet".to_owned()))
    }

    /// The working directory Terraform runs in.
    pub fn work_dir(&self) -> &Path {
        self.work_dir
    }
}

/// A provider test: a provider source, steps, and a destroy check, run on every Terraform CLI.
pub struct TestCase {
    source: ProviderSource,
    steps: Vec<Step>,
    env: Vec<(String, String)>,
    check_destroy: Option<Box<DestroyCheck>>,
    clis: Option<Vec<TerraformCli>>,
    min_version: Option<(u64, u64)>,
    parallel: bool,
    command_timeout: Duration,
}

/// How one CLI's run went.
#[derive(Clone, Debug)]
pub struct RunSummary {
    pub version: String,
    pub cli_path: PathBuf,
    pub passed: bool,
    /// The whole case was skipped on this CLI ([`TestCase::min_version`]).
    pub skipped: bool,
    pub steps_run: usize,
    pub steps_skipped: usize,
    pub commands: usize,
    pub elapsed: Duration,
}

impl RunSummary {
    fn new(cli: &TerraformCli) -> RunSummary {
        RunSummary {
            version: cli.version.clone(),
            cli_path: cli.path.clone(),
            passed: false,
            skipped: false,
            steps_run: 0,
            steps_skipped: 0,
            commands: 0,
            elapsed: Duration::ZERO,
        }
    }
}

/// How every run went.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub runs: Vec<RunSummary>,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, run) in self.runs.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            let outcome = match (run.skipped, run.passed) {
                (true, _) => "skipped",
                (false, true) => "passed",
                (false, false) => "FAILED",
            };
            write!(
                f,
                "Terraform {}: {outcome}, {} step(s) run, {} skipped, {} command(s) in {:.1?}",
                run.version, run.steps_run, run.steps_skipped, run.commands, run.elapsed
            )?;
        }
        Ok(())
    }
}

impl TestCase {
    pub fn new(source: ProviderSource) -> TestCase {
        TestCase {
            source,
            steps: Vec::new(),
            env: Vec::new(),
            check_destroy: None,
            clis: None,
            min_version: None,
            parallel: true,
            command_timeout: DEFAULT_COMMAND_TIMEOUT,
        }
    }

    pub fn step(mut self, step: Step) -> TestCase {
        self.steps.push(step);
        self
    }

    /// An environment variable for every Terraform command, and so for provider processes Terraform
    /// starts; a debug-binary provider gets it too.
    pub fn env(mut self, name: impl Into<String>, value: impl Into<String>) -> TestCase {
        self.env.push((name.into(), value.into()));
        self
    }

    /// After the steps, `terraform destroy` runs and then `check`, which should verify that the remote
    /// objects are gone. [`Context::state`] is the state just before the destroy.
    pub fn check_destroy(
        mut self,
        check: impl Fn(&Context<'_>) -> Result<(), BoxError> + Send + Sync + 'static,
    ) -> TestCase {
        self.check_destroy = Some(Box::new(check));
        self
    }

    /// Runs on these CLIs instead of those `TF_ACC_TERRAFORM_PATH` names (or the `terraform` on `PATH`).
    pub fn clis(mut self, clis: Vec<TerraformCli>) -> TestCase {
        self.clis = Some(clis);
        self
    }

    /// Skips the whole case on CLIs older than `major.minor`.
    pub fn min_version(mut self, major: u64, minor: u64) -> TestCase {
        self.min_version = Some((major, minor));
        self
    }

    /// Runs the CLIs one after another instead of in parallel (hooks then never run concurrently).
    pub fn sequential(mut self) -> TestCase {
        self.parallel = false;
        self
    }

    /// The most one Terraform command may take before it is killed and the run fails (default 5 minutes).
    pub fn command_timeout(mut self, timeout: Duration) -> TestCase {
        self.command_timeout = timeout;
        self
    }

    /// Runs the case and panics with the full report if it fails on any CLI; prints the summary otherwise.
    /// Call it from a plain `#[test]`: the harness runs its own tokio runtime for in-process providers.
    pub fn run(&self) {
        match self.try_run() {
            Ok(summary) => eprintln!("{summary}"),
            Err(failure) => panic!("{failure}"),
        }
    }

    /// Runs the case on every CLI; `Err` holds every CLI's failure in full.
    pub fn try_run(&self) -> Result<Summary, CaseFailure> {
        let setup_failure = |message: String| CaseFailure {
            failures: vec![CliFailure {
                version: String::new(),
                cli_path: PathBuf::new(),
                phase: Phase::Setup,
                message,
                output: None,
                transcript: Vec::new(),
            }],
            summary: Summary::default(),
        };
        let problems = self.problems();
        if !problems.is_empty() {
            return Err(setup_failure(format!(
                "the test case is invalid:\n  {}",
                problems.join("\n  ")
            )));
        }
        let clis = match &self.clis {
            Some(clis) => clis.clone(),
            None => TerraformCli::from_environment()
                .map_err(|e| setup_failure(format!("cannot find the Terraform CLIs: {e}")))?,
        };
        if clis.is_empty() {
            return Err(setup_failure("no Terraform CLI to run on".to_owned()));
        }
        let runtime = if self.source.needs_runtime() {
            if tokio::runtime::Handle::try_current().is_ok() {
                return Err(setup_failure(
                    "an in-process provider needs the harness's own tokio runtime: run the case from a plain #[test], not from inside a tokio runtime".to_owned(),
                ));
            }
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .map_err(|e| setup_failure(format!("cannot start a tokio runtime: {e}")))?;
            Some(runtime)
        } else {
            None
        };

        let results: Vec<(RunSummary, Vec<CliFailure>)> = if self.parallel && clis.len() > 1 {
            std::thread::scope(|scope| {
                let handles: Vec<_> = clis
                    .iter()
                    .map(|cli| scope.spawn(|| self.run_on(cli, runtime.as_ref())))
                    .collect();
                handles
                    .into_iter()
                    .zip(&clis)
                    .map(|(handle, cli)| {
                        handle.join().unwrap_or_else(|panic| {
                            crashed(cli, format!("the run panicked: {}", panic_text(&*panic)))
                        })
                    })
                    .collect()
            })
        } else {
            clis.iter()
                .map(|cli| self.run_on(cli, runtime.as_ref()))
                .collect()
        };

        let mut summary = Summary::default();
        let mut failures = Vec::new();
        for (run, run_failures) in results {
            summary.runs.push(run);
            failures.extend(run_failures);
        }
        if failures.is_empty() {
            Ok(summary)
        } else {
            Err(CaseFailure { failures, summary })
        }
    }

    /// Mistakes in the case itself, reported before anything runs.
    fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.steps.is_empty() {
            problems.push("it has no steps".to_owned());
        }
        if let Err(e) = self.source.check() {
            problems.push(e);
        }
        for (i, step) in self.steps.iter().enumerate() {
            for pattern in step.patterns() {
                if let Err(e) = &pattern.regex {
                    problems.push(format!(
                        "step {}: invalid regex /{}/: {e}",
                        i + 1,
                        pattern.source
                    ));
                }
            }
            for mistake in &step.mistakes {
                problems.push(format!("step {}: {mistake}", i + 1));
            }
        }
        if matches!(self.steps.first(), Some(step) if matches!(step.kind, Kind::Import(_) | Kind::Refresh))
        {
            problems
                .push("step 1 must bring a configuration (a config or plan-only step)".to_owned());
        }
        problems
    }

    /// One CLI's run: never panics, always cleans up.
    fn run_on(
        &self,
        cli: &TerraformCli,
        runtime: Option<&Runtime>,
    ) -> (RunSummary, Vec<CliFailure>) {
        let started = Instant::now();
        let mut summary = RunSummary::new(cli);
        if let Some((major, minor)) = self.min_version
            && !cli.at_least(major, minor)
        {
            eprintln!(
                "[tfplugin-harness] Terraform {}: case skipped (needs {major}.{minor} or later)",
                cli.version
            );
            summary.skipped = true;
            summary.passed = true;
            return (summary, Vec::new());
        }
        let mut failures = Vec::new();
        let mut fail = |phase: Phase, failure: Failure, transcript: &[String]| {
            failures.push(CliFailure {
                version: cli.version.clone(),
                cli_path: cli.path.clone(),
                phase,
                message: failure.message,
                output: failure.output.map(|output| *output),
                transcript: transcript.to_vec(),
            });
        };

        let mut run = match Run::start(self, cli, runtime) {
            Ok(run) => run,
            Err(failure) => {
                fail(Phase::Setup, failure, &[]);
                summary.elapsed = started.elapsed();
                return (summary, failures);
            }
        };
        for (i, step) in self.steps.iter().enumerate() {
            let n = i + 1;
            if let Some((major, minor)) = step.min_version
                && !cli.at_least(major, minor)
            {
                eprintln!(
                    "[tfplugin-harness] Terraform {}: step {n} ({}) skipped (needs {major}.{minor} or later)",
                    cli.version,
                    step.label()
                );
                summary.steps_skipped += 1;
                continue;
            }
            let step_started = Instant::now();
            let result =
                catch_unwind(AssertUnwindSafe(|| run.step(n, step))).unwrap_or_else(|panic| {
                    Err(Failure::new(format!("panicked: {}", panic_text(&*panic))))
                });
            summary.steps_run += 1;
            match result {
                Ok(()) => eprintln!(
                    "[tfplugin-harness] Terraform {}: step {n} ({}) passed in {:.1?}",
                    cli.version,
                    step.label(),
                    step_started.elapsed()
                ),
                Err(failure) => {
                    fail(
                        Phase::Step(n, step.label().to_owned()),
                        failure,
                        &run.tf.transcript,
                    );
                    // Later steps build on this one; only the cleanup still makes sense.
                    break;
                }
            }
        }
        let destroyed =
            catch_unwind(AssertUnwindSafe(|| run.destroy(self))).unwrap_or_else(|panic| {
                Err(Failure::new(format!("panicked: {}", panic_text(&*panic))))
            });
        if let Err(failure) = destroyed {
            fail(Phase::Destroy, failure, &run.tf.transcript);
        }
        summary.commands = run.tf.transcript.len();
        if let Err(failure) = run.stop(runtime) {
            fail(Phase::Teardown, failure, &[]);
        }
        summary.passed = failures.is_empty();
        summary.elapsed = started.elapsed();
        (summary, failures)
    }
}

fn crashed(cli: &TerraformCli, message: String) -> (RunSummary, Vec<CliFailure>) {
    let failure = CliFailure {
        version: cli.version.clone(),
        cli_path: cli.path.clone(),
        phase: Phase::Setup,
        message,
        output: None,
        transcript: Vec::new(),
    };
    (RunSummary::new(cli), vec![failure])
}

fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "(no message)".to_owned())
}

/// Expectations about how a command may end.
#[derive(Clone, Copy)]
enum Exit {
    /// Exit 0.
    Success,
    /// `plan -detailed-exitcode`: 0 (no changes) or 2 (changes).
    Plan,
}

/// One CLI's run in progress: its scratch directory, Terraform, and what the steps have left.
struct Run {
    tf: Terraform,
    /// Kept for its `Drop`: the directory goes away with the run.
    scratch: TempDir,
    work: PathBuf,
    attached: Option<Attached>,
    /// The configuration in `main.tf` now, and what `init` last ran for (see [`init_signature`]).
    config: Option<String>,
    initialised: Option<BTreeSet<String>>,
    /// The last configuration a step completed with: the one to destroy with, since the current one may be
    /// a deliberately broken one from an `expect_error` step.
    last_good: Option<String>,
    /// The state as last read, and whether a command may have changed it since: reading it costs a
    /// Terraform command, so it is read when something needs it (state checks, hooks, imports, the destroy).
    state: Option<State>,
    state_stale: bool,
}

impl Run {
    fn start(
        case: &TestCase,
        cli: &TerraformCli,
        runtime: Option<&Runtime>,
    ) -> Result<Run, Failure> {
        let scratch = tempfile::Builder::new()
            .prefix(&format!("tfplugin-harness-{}-", cli.version))
            .tempdir()
            .map_err(|e| Failure::new(format!("cannot create a scratch directory: {e}")))?;
        let work = scratch.path().join("work");
        let logs = scratch.path().join("logs");
        for dir in [&work, &logs] {
            std::fs::create_dir_all(dir)
                .map_err(|e| Failure::new(format!("cannot create {}: {e}", dir.display())))?;
        }
        // An explicit, empty CLI configuration: the machine's own (or a TF_CLI_CONFIG_FILE naming a missing
        // file, which makes every command warn) must not change what Terraform does. Reattach needs no
        // configuration and the mirror is passed to `init -plugin-dir`.
        let cli_config = scratch.path().join("terraformrc");
        std::fs::write(
            &cli_config,
            "# Written by tfplugin-harness: intentionally empty.\n",
        )
        .map_err(|e| Failure::new(format!("cannot write {}: {e}", cli_config.display())))?;
        let attached = case.source.attach(scratch.path(), &case.env, runtime)?;
        let mut env = case.env.clone();
        env.extend(attached.env.iter().cloned());
        eprintln!(
            "[tfplugin-harness] Terraform {} ({}): {} in {}",
            cli.version,
            cli.path.display(),
            case.source.describe(),
            scratch.path().display()
        );
        let tf = Terraform::new(cli.clone(), cli_config, env, logs, case.command_timeout);
        Ok(Run {
            tf,
            scratch,
            work,
            attached: Some(attached),
            config: None,
            initialised: None,
            last_good: None,
            state: None,
            state_stale: false,
        })
    }

    fn stop(&mut self, runtime: Option<&Runtime>) -> Result<(), Failure> {
        match self.attached.take() {
            Some(attached) => attached.stop(runtime),
            None => Ok(()),
        }
    }

    fn context(&self) -> Context<'_> {
        Context {
            cli: &self.tf.cli,
            state: self.state.as_ref(),
            work_dir: &self.work,
        }
    }

    fn step(&mut self, n: usize, step: &Step) -> Result<(), Failure> {
        if let Some(hook) = &step.pre_config {
            self.fresh_state()?;
            hook(&self.context())
                .map_err(|e| Failure::new(format!("the pre_config hook failed: {e}")))?;
        }
        let expected = match &step.error_below {
            Some(((major, minor), pattern)) if !self.tf.cli.at_least(*major, *minor) => {
                Some(pattern)
            }
            _ => step.expect_error.as_ref(),
        };
        match &step.kind {
            Kind::Config { hcl, plan_only } => self.config_step(n, step, hcl, *plan_only, expected),
            Kind::Refresh => self.refresh_step(n, step, expected),
            Kind::Import(import) => self.import_step(n, step, import, expected),
        }
    }

    /// Runs a command where the step's expected error may show up. `Ok(None)`: it did, the step is done.
    fn expectable(
        &mut self,
        dir: &Path,
        subcommand: &str,
        args: &[&str],
        exit: Exit,
        expected: Option<&Pattern>,
    ) -> Result<Option<CommandOutput>, Failure> {
        let output = self.tf.run(dir, subcommand, args)?;
        let ok = match exit {
            Exit::Success => output.exit_code == Some(0),
            Exit::Plan => matches!(output.exit_code, Some(0 | 2)),
        };
        if ok {
            return Ok(Some(output));
        }
        match expected {
            Some(pattern) if pattern.is_match(&output.combined()) => Ok(None),
            Some(pattern) => Err(Failure::with_output(
                format!(
                    "terraform {subcommand} failed, but not with the expected error /{}/",
                    pattern.source
                ),
                output,
            )),
            None => Err(Failure::with_output(
                format!("terraform {subcommand} failed"),
                output,
            )),
        }
    }

    fn write_config(&mut self, dir: &Path, hcl: &str) -> Result<(), Failure> {
        let path = dir.join("main.tf");
        std::fs::write(&path, hcl)
            .map_err(|e| Failure::new(format!("cannot write {}: {e}", path.display())))
    }

    /// `terraform init` in `dir` (with the source's arguments, e.g. `-plugin-dir`).
    fn init(&mut self, dir: &Path, expected: Option<&Pattern>) -> Result<Option<()>, Failure> {
        let init_args: Vec<String> = self
            .attached
            .as_ref()
            .map(|a| a.init_args.clone())
            .unwrap_or_default();
        let args: Vec<&str> = init_args.iter().map(String::as_str).collect();
        Ok(self
            .expectable(dir, "init", &args, Exit::Success, expected)?
            .map(|_| ()))
    }

    /// Puts `hcl` in the main working directory, running `init` first and whenever the configuration's
    /// modules or providers may have changed.
    fn use_config(&mut self, hcl: &str, expected: Option<&Pattern>) -> Result<Option<()>, Failure> {
        let work = self.work.clone();
        if self.config.as_deref() != Some(hcl) {
            self.write_config(&work, hcl)?;
            self.config = Some(hcl.to_owned());
        }
        let signature = init_signature(hcl);
        if self.initialised.as_ref() == Some(&signature) {
            return Ok(Some(()));
        }
        let done = self.init(&work, expected)?;
        if done.is_some() {
            self.initialised = Some(signature);
        }
        Ok(done)
    }

    /// Puts back the last configuration a step completed with, in case the last step deliberately broke it.
    fn restore_good_config(&mut self) -> Result<(), Failure> {
        if let Some(good) = self.last_good.clone()
            && self.config.as_deref() != Some(good.as_str())
        {
            self.use_config(&good, None)?;
        }
        Ok(())
    }

    /// Reads the state of the main working directory.
    fn snapshot(&mut self) -> Result<&State, Failure> {
        let work = self.work.clone();
        let output = self
            .tf
            .run_ok(&work, "show", &["-json"], "terraform show -json")?;
        let state =
            State::from_show_json(&output.stdout).map_err(|e| Failure::with_output(e.0, output))?;
        self.state_stale = false;
        Ok(self.state.insert(state))
    }

    /// Reads the state again if a command may have changed it since it was last read.
    fn fresh_state(&mut self) -> Result<(), Failure> {
        if self.state_stale {
            self.snapshot()?;
        }
        Ok(())
    }

    /// After a command that changed the state: runs the step's state checks on it now if it has any, and
    /// otherwise leaves reading it to whoever needs it next.
    fn state_changed(&mut self, step: &Step) -> Result<(), Failure> {
        self.state_stale = true;
        if step.state_checks.is_empty() {
            return Ok(());
        }
        let state = self.snapshot()?;
        Run::check_state(step, state)
    }

    fn check_state(step: &Step, state: &State) -> Result<(), Failure> {
        for check in &step.state_checks {
            check.run(state).map_err(|message| {
                Failure::new(format!("{message}\n--- state ---\n{:#}", state.json()))
            })?;
        }
        Ok(())
    }

    /// The step's expectations about a plan: its human-readable output, then (reading the plan file) the
    /// plan checks.
    fn check_plan(
        &mut self,
        dir: &Path,
        step: &Step,
        planfile: &str,
        plan_output: &CommandOutput,
    ) -> Result<(), Failure> {
        for pattern in &step.plan_output {
            if !pattern.is_match(&plan_output.stdout) {
                return Err(Failure::with_output(
                    format!("the plan's output does not match /{}/", pattern.source),
                    plan_output.clone(),
                ));
            }
        }
        if step.plan_checks.is_empty() {
            return Ok(());
        }
        let plan = self.read_plan(dir, planfile)?;
        for check in &step.plan_checks {
            check
                .run(&plan)
                .map_err(|message| Failure::with_output(message, plan_output.clone()))?;
        }
        Ok(())
    }

    fn read_plan(&mut self, dir: &Path, planfile: &str) -> Result<Plan, Failure> {
        let output = self.tf.run_ok(
            dir,
            "show",
            &["-json", planfile],
            "terraform show -json of the plan",
        )?;
        Plan::from_show_json(&output.stdout).map_err(|e| Failure::with_output(e.0, output))
    }

    /// The emptiness rule for the plan that ends a step.
    fn check_emptiness(step: &Step, output: CommandOutput, what: &str) -> Result<(), Failure> {
        match (output.exit_code, step.expect_non_empty_plan) {
            (Some(0), false) | (Some(2), true) => Ok(()),
            (Some(2), false) => Err(Failure::with_output(
                format!("{what} was not empty"),
                output,
            )),
            (Some(0), true) => Err(Failure::with_output(
                format!("expected a non-empty plan, but {what} was empty"),
                output,
            )),
            _ => Err(Failure::with_output(format!("{what} failed"), output)),
        }
    }

    fn succeeded_unexpectedly(expected: &Pattern) -> Failure {
        Failure::new(format!(
            "expected an error matching /{}/, but the step succeeded",
            expected.source
        ))
    }

    fn config_step(
        &mut self,
        n: usize,
        step: &Step,
        hcl: &str,
        plan_only: bool,
        expected: Option<&Pattern>,
    ) -> Result<(), Failure> {
        if self.use_config(hcl, expected)?.is_none() {
            return Ok(());
        }
        let work = self.work.clone();
        let planfile = format!("step{n}.tfplan");
        let out = format!("-out={planfile}");
        if plan_only {
            let Some(plan) = self.expectable(
                &work,
                "plan",
                &["-detailed-exitcode", &out],
                Exit::Plan,
                expected,
            )?
            else {
                return Ok(());
            };
            if let Some(expected) = expected {
                return Err(Run::succeeded_unexpectedly(expected));
            }
            self.check_plan(&work, step, &planfile, &plan)?;
            Run::check_emptiness(step, plan, "the plan")?;
            self.last_good = Some(hcl.to_owned());
            return Ok(());
        }

        let Some(plan) = self.expectable(&work, "plan", &[&out], Exit::Success, expected)? else {
            return Ok(());
        };
        self.check_plan(&work, step, &planfile, &plan)?;
        if self
            .expectable(&work, "apply", &[&planfile], Exit::Success, expected)?
            .is_none()
        {
            return Ok(());
        }
        if let Some(expected) = expected {
            return Err(Run::succeeded_unexpectedly(expected));
        }
        self.last_good = Some(hcl.to_owned());
        self.state_changed(step)?;

        if step.expect_non_empty_plan {
            let plan = self.tf.run(&work, "plan", &["-detailed-exitcode"])?;
            return Run::check_emptiness(step, plan, "the plan after applying this step");
        }
        // As terraform-plugin-testing does: a plan from the state as applied catches a provider whose apply
        // result does not converge with the configuration; a plan that refreshes first catches one whose read
        // disagrees with what it applied (a perpetual diff). terraform-plugin-testing refreshes with a
        // separate command first; a refreshing plan finds the same differences with one command less, and
        // leaves the state as applied for the next step.
        let plan = self
            .tf
            .run(&work, "plan", &["-refresh=false", "-detailed-exitcode"])?;
        Run::check_emptiness(
            step,
            plan,
            "After applying this step, the plan (without refresh)",
        )?;
        let plan = self.tf.run(&work, "plan", &["-detailed-exitcode"])?;
        Run::check_emptiness(
            step,
            plan,
            "After applying this step and refreshing, the plan",
        )
    }

    fn refresh_step(
        &mut self,
        n: usize,
        step: &Step,
        expected: Option<&Pattern>,
    ) -> Result<(), Failure> {
        self.restore_good_config()?;
        let work = self.work.clone();
        if self
            .expectable(
                &work,
                "apply",
                &["-refresh-only", "-auto-approve"],
                Exit::Success,
                expected,
            )?
            .is_none()
        {
            return Ok(());
        }
        let planfile = format!("step{n}.tfplan");
        let out = format!("-out={planfile}");
        let Some(plan) = self.expectable(
            &work,
            "plan",
            &["-detailed-exitcode", &out],
            Exit::Plan,
            expected,
        )?
        else {
            return Ok(());
        };
        if let Some(expected) = expected {
            return Err(Run::succeeded_unexpectedly(expected));
        }
        self.state_changed(step)?;
        self.check_plan(&work, step, &planfile, &plan)?;
        Run::check_emptiness(step, plan, "the plan after refreshing")
    }

    fn import_step(
        &mut self,
        n: usize,
        step: &Step,
        import: &Import,
        expected: Option<&Pattern>,
    ) -> Result<(), Failure> {
        let config = import
            .config
            .clone()
            .or_else(|| self.last_good.clone())
            .ok_or_else(|| {
                Failure::new("no configuration to import with: no earlier step completed, and the import step has none (with_config)")
            })?;
        self.fresh_state()?;
        let id = match &import.id {
            ImportId::Fixed(id) => id.clone(),
            ImportId::FromStateId => self
                .context()
                .state()
                .and_then(|state| state.attr_str(&import.address, "id").map(str::to_owned))
                .map_err(|e| Failure::new(format!("cannot find the ID to import: {e}")))?,
            ImportId::Computed(id) => {
                let state = self
                    .context()
                    .state()
                    .map_err(|e| Failure::new(format!("cannot compute the ID to import: {e}")))?
                    .clone();
                id(&state)
                    .map_err(|e| Failure::new(format!("cannot compute the ID to import: {e}")))?
            }
        };
        // A directory of its own, so that the main state (which the following steps and the destroy need)
        // stays as it is, as in terraform-plugin-testing without ImportStatePersist.
        let dir = self.scratch.path().join(format!("import-step{n}"));
        std::fs::create_dir_all(&dir)
            .map_err(|e| Failure::new(format!("cannot create {}: {e}", dir.display())))?;
        let use_block =
            import.method == ImportMethod::BlockWhereSupported && self.tf.cli.at_least(1, 5);
        let hcl = if use_block {
            format!(
                "{config}\n\nimport {{\n  to = {}\n  id = {}\n}}\n",
                import.address,
                hcl_string(&id)
            )
        } else {
            config
        };
        self.write_config(&dir, &hcl)?;
        if self.init(&dir, expected)?.is_none() {
            return Ok(());
        }

        let planfile = "import.tfplan";
        let out = format!("-out={planfile}");
        let imported = if use_block {
            let Some(plan_output) =
                self.expectable(&dir, "plan", &[&out], Exit::Success, expected)?
            else {
                return Ok(());
            };
            if let Some(expected) = expected {
                return Err(Run::succeeded_unexpectedly(expected));
            }
            self.check_plan(&dir, step, planfile, &plan_output)?;
            let plan = self.read_plan(&dir, planfile)?;
            let change = plan
                .change(&import.address)
                .map_err(|e| Failure::with_output(e.0, plan_output.clone()))?;
            if change.get("importing").is_none_or(Json::is_null) {
                return Err(Failure::with_output(
                    format!("the plan does not import {}", import.address),
                    plan_output,
                ));
            }
            // Nothing is applied: what the import (and the refresh after it) produced is the prior state.
            State::single(&import.address, "managed", change["before"].clone())
        } else {
            if self
                .expectable(
                    &dir,
                    "import",
                    &[&import.address, &id],
                    Exit::Success,
                    expected,
                )?
                .is_none()
            {
                return Ok(());
            }
            if let Some(expected) = expected {
                return Err(Run::succeeded_unexpectedly(expected));
            }
            if !step.plan_checks.is_empty() || !step.plan_output.is_empty() {
                let plan = self
                    .tf
                    .run_ok(&dir, "plan", &[&out], "the plan after the import")?;
                self.check_plan(&dir, step, planfile, &plan)?;
            }
            let output = self
                .tf
                .run_ok(&dir, "show", &["-json"], "terraform show -json")?;
            State::from_show_json(&output.stdout).map_err(|e| Failure::with_output(e.0, output))?
        };
        Run::check_state(step, &imported)?;

        if let Some(ignored) = &import.verify {
            let applied = self
                .context()
                .state()
                .ok()
                .and_then(|s| s.resource(&import.address))
                .cloned()
                .ok_or_else(|| {
                    Failure::new(format!(
                        "import verify: {} is not in the state of the previous steps",
                        import.address
                    ))
                })?;
            let imported = imported.resource(&import.address).ok_or_else(|| {
                Failure::new(format!("the import produced no {}", import.address))
            })?;
            let differences = import_differences(&applied, imported, ignored);
            if !differences.is_empty() {
                return Err(Failure::new(format!(
                    "import verify: the imported state of {} differs from the applied state (ignoring {:?}):\n  {}",
                    import.address,
                    ignored,
                    differences.join("\n  ")
                )));
            }
        }
        Ok(())
    }

    /// `terraform destroy` with the last configuration that worked, then the case's destroy check.
    fn destroy(&mut self, case: &TestCase) -> Result<(), Failure> {
        if self.config.is_none() {
            // Nothing was ever written, so nothing can have been created.
            return Ok(());
        }
        self.restore_good_config()?;
        let remaining = self.snapshot()?.managed_count();
        if remaining > 0 {
            let work = self.work.clone();
            self.tf
                .run_ok(&work, "destroy", &["-auto-approve"], "terraform destroy")?;
        }
        if let Some(check) = &case.check_destroy {
            check(&self.context())
                .map_err(|e| Failure::new(format!("the destroy check failed: {e}")))?;
        }
        Ok(())
    }
}

/// What decides whether `terraform init` must run again for a new configuration: the lines that can call
/// modules or require providers (any line mentioning a source or a version, or starting a block that can),
/// and the provider prefix of every resource and data source type. A change
/// anywhere else (attribute values, which is what steps mostly change) needs no init, and skipping it saves
/// a Terraform command per step. Counting a line too many only costs an init.
fn init_signature(hcl: &str) -> BTreeSet<String> {
    const KEYWORDS: [&str; 7] = [
        "terraform",
        "module",
        "provider",
        "required_providers",
        "backend",
        "cloud",
        "import",
    ];
    let mut signature = BTreeSet::new();
    for line in hcl.lines().map(str::trim) {
        let mut words = line.split(|c: char| c.is_whitespace() || c == '=' || c == '{');
        let first = words.next().unwrap_or_default();
        let mentions = |word: &str| {
            line.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .any(|w| w == word)
        };
        if KEYWORDS.contains(&first) || mentions("source") || mentions("version") {
            signature.insert(line.to_owned());
        } else if matches!(first, "resource" | "data" | "ephemeral") {
            let kind = words.find(|w| !w.is_empty()).unwrap_or_default();
            let provider = kind.trim_matches('"').split('_').next().unwrap_or_default();
            signature.insert(format!("{first} of provider {provider}"));
        }
    }
    signature
}

/// `value` as an HCL string literal: JSON's escapes are HCL's, and template sequences are escaped.
fn hcl_string(value: &str) -> String {
    serde_json::Value::String(value.to_owned())
        .to_string()
        .replace("${", "$${")
        .replace("%{", "%%{")
}

/// Attributes whose values differ between the applied and the imported state, except those at or under an
/// ignored path.
fn import_differences(applied: &Json, imported: &Json, ignored: &[String]) -> Vec<String> {
    let applied = flatten(applied);
    let imported = flatten(imported);
    let is_ignored = |key: &str| {
        ignored.iter().any(|path| {
            key == path
                || key
                    .strip_prefix(path.as_str())
                    .is_some_and(|rest| rest.starts_with('.'))
        })
    };
    let show = |v: Option<&Json>| v.map_or_else(|| "absent".to_owned(), Json::to_string);
    let mut keys: Vec<&String> = applied.keys().chain(imported.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|key| !is_ignored(key))
        .filter(|key| applied.get(*key) != imported.get(*key))
        .map(|key| {
            format!(
                "{key}: applied {}, imported {}",
                show(applied.get(key)),
                show(imported.get(key))
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn import_differences_respect_the_ignore_list() {
        let applied = json!({"id": "1", "secret": "s", "tags": {"a": "1", "b": "2"}, "list": []});
        let imported = json!({"id": "1", "secret": null, "tags": {"a": "1"}, "list": null});
        let all = import_differences(&applied, &imported, &[]);
        assert_eq!(
            all,
            [
                "list: applied [], imported null",
                "secret: applied \"s\", imported null",
                "tags.b: applied \"2\", imported absent",
            ]
        );
        let some = import_differences(
            &applied,
            &imported,
            &["secret".to_owned(), "tags".to_owned(), "lis".to_owned()],
        );
        assert_eq!(some, ["list: applied [], imported null"]);
    }

    #[test]
    fn init_runs_again_only_when_modules_or_providers_may_change() {
        let base = "terraform {\n  required_providers {\n    x = { source = \"a/x\" }\n  }\n}\nresource \"x_thing\" \"a\" {\n  name = \"1\"\n}\n";
        let same = init_signature(base);
        assert_eq!(init_signature(&base.replace("\"1\"", "\"2\"")), same);
        assert_eq!(init_signature(&base.replace("\"a\"", "\"b\"")), same);
        assert_ne!(init_signature(&base.replace("a/x", "b/x")), same);
        assert_ne!(
            init_signature(&format!("{base}resource \"y_thing\" \"b\" {{}}\n")),
            same
        );
        assert_ne!(
            init_signature(&format!("{base}module \"m\" {{\n  source = \"./m\"\n}}\n")),
            same
        );
        assert_ne!(
            init_signature(&format!("{base}data \"z_echo\" \"e\" {{}}\n")),
            same
        );
    }

    #[test]
    fn hcl_strings_escape_quotes_and_templates() {
        assert_eq!(hcl_string("a\"b"), r#""a\"b""#);
        assert_eq!(hcl_string("${x}%{y}"), r#""$${x}%%{y}""#);
    }

    #[test]
    fn invalid_cases_fail_before_running_anything() {
        let case = TestCase::new(ProviderSource::debug_binary("/nonexistent"))
            .step(Step::import("x.y").expect_non_empty_plan())
            .step(Step::config("").expect_error("(").import_id("1"))
            .clis(Vec::new());
        let failure = case.try_run().unwrap_err();
        assert_eq!(failure.failures.len(), 1);
        let message = failure.to_string();
        for expected in [
            "/nonexistent",
            "step 1 must bring a configuration",
            "step 1: expect_non_empty_plan is not for import steps",
            "step 2: invalid regex /(/",
            "step 2: import_id is for import steps, not config steps",
        ] {
            assert!(
                message.contains(expected),
                "{expected:?} not in:\n{message}"
            );
        }
        let no_steps = TestCase::new(ProviderSource::debug_binary("/bin/sh")).try_run();
        assert!(
            no_steps
                .unwrap_err()
                .to_string()
                .contains("it has no steps")
        );
    }
}

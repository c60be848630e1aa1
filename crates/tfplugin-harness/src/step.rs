//! Test steps: what each kind runs, and the expectations a step can carry.

use regex::Regex;

use crate::check::{PlanCheck, StateCheck};
use crate::error::BoxError;
use crate::json::State;
use crate::run::Context;

pub(crate) type Hook = dyn Fn(&Context<'_>) -> Result<(), BoxError> + Send + Sync;
pub(crate) type IdFn = dyn Fn(&State) -> Result<String, BoxError> + Send + Sync;

/// A regular expression given to a builder method; an invalid one fails the case before any CLI runs, rather
/// than panicking where it was written.
pub(crate) struct Pattern {
    pub source: String,
    pub regex: Result<Regex, String>,
}

impl Pattern {
    fn new(source: &str) -> Pattern {
        Pattern {
            source: source.to_owned(),
            regex: Regex::new(source).map_err(|e| e.to_string()),
        }
    }

    /// Whether the pattern matches `text`, either as Terraform printed it or with its line wrapping undone:
    /// Terraform wraps diagnostics at 78 columns and frames them with `│`, which would otherwise split a
    /// message that a test quotes in one piece.
    pub fn is_match(&self, text: &str) -> bool {
        let Ok(regex) = &self.regex else {
            return false;
        };
        regex.is_match(text) || regex.is_match(&unwrap_lines(text))
    }
}

/// The text with the diagnostic frame characters removed and every run of whitespace (line breaks
/// included) folded into one space.
pub(crate) fn unwrap_lines(text: &str) -> String {
    text.lines()
        .map(|line| line.trim_start_matches(['│', '╷', '╵', ' ']))
        .flat_map(str::split_whitespace)
        .collect::<Vec<_>>()
        .join(" ")
}

/// How the import step brings the resource in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ImportMethod {
    /// `terraform import ADDR ID`, on every CLI.
    Command,
    /// An `import` block and a plan on Terraform 1.5 and later; `terraform import` on older CLIs, which
    /// have no import blocks.
    BlockWhereSupported,
}

pub(crate) enum ImportId {
    /// The resource's `id` attribute in the state of the previous steps.
    FromStateId,
    Fixed(String),
    Computed(Box<IdFn>),
}

pub(crate) enum Kind {
    Config { hcl: String, plan_only: bool },
    Refresh,
    Import(Import),
}

pub(crate) struct Import {
    pub address: String,
    pub id: ImportId,
    pub method: ImportMethod,
    /// `None`: no verification; `Some(ignored)`: compare with the applied state, except these paths.
    pub verify: Option<Vec<String>>,
    pub config: Option<String>,
}

/// One step of a [`TestCase`](crate::TestCase). Build it with [`Step::config`], [`Step::plan_only`],
/// [`Step::refresh`] or [`Step::import`], then add expectations.
pub struct Step {
    pub(crate) kind: Kind,
    pub(crate) pre_config: Option<Box<Hook>>,
    pub(crate) plan_checks: Vec<PlanCheck>,
    pub(crate) state_checks: Vec<StateCheck>,
    pub(crate) expect_error: Option<Pattern>,
    pub(crate) expect_non_empty_plan: bool,
    pub(crate) plan_output: Vec<Pattern>,
    pub(crate) min_version: Option<(u64, u64)>,
    pub(crate) error_below: Option<((u64, u64), Pattern)>,
    /// Settings that make no sense for this kind of step, reported before anything runs.
    pub(crate) mistakes: Vec<String>,
}

impl Step {
    fn new(kind: Kind) -> Step {
        Step {
            kind,
            pre_config: None,
            plan_checks: Vec::new(),
            state_checks: Vec::new(),
            expect_error: None,
            expect_non_empty_plan: false,
            plan_output: Vec::new(),
            min_version: None,
            error_below: None,
            mistakes: Vec::new(),
        }
    }

    /// Applies `hcl`: plan (plan checks run on it), apply (state checks run after it), then the plan must be
    /// empty, both without and with a refresh, unless [`expect_non_empty_plan`](Self::expect_non_empty_plan).
    pub fn config(hcl: impl Into<String>) -> Step {
        Step::new(Kind::Config {
            hcl: hcl.into(),
            plan_only: false,
        })
    }

    /// Plans `hcl` (with refresh) without applying it. The plan must be empty unless
    /// [`expect_non_empty_plan`](Self::expect_non_empty_plan); plan checks run on it.
    pub fn plan_only(hcl: impl Into<String>) -> Step {
        Step::new(Kind::Config {
            hcl: hcl.into(),
            plan_only: true,
        })
    }

    /// Refreshes the state with the configuration as it is (`terraform apply -refresh-only`), runs the
    /// state checks, then plans: the plan must be empty unless
    /// [`expect_non_empty_plan`](Self::expect_non_empty_plan), and plan checks run on it. With a
    /// [`pre_config`](Self::pre_config) hook that changes the remote object, this is a drift test.
    pub fn refresh() -> Step {
        Step::new(Kind::Refresh)
    }

    /// Imports the resource at `address` into a fresh working directory with the current configuration
    /// (its own state; the main one is untouched). The ID is the resource's `id` attribute in the state
    /// unless [`import_id`](Self::import_id) or [`import_id_from`](Self::import_id_from) says otherwise.
    /// State checks run on the imported state.
    pub fn import(address: &str) -> Step {
        Step::new(Kind::Import(Import {
            address: address.to_owned(),
            id: ImportId::FromStateId,
            method: ImportMethod::Command,
            verify: None,
            config: None,
        }))
    }

    /// Runs `hook` before the step, e.g. to change or delete the remote object.
    pub fn pre_config(
        mut self,
        hook: impl Fn(&Context<'_>) -> Result<(), BoxError> + Send + Sync + 'static,
    ) -> Step {
        self.pre_config = Some(Box::new(hook));
        self
    }

    pub fn plan_check(mut self, check: PlanCheck) -> Step {
        self.plan_checks.push(check);
        self
    }

    pub fn state_check(mut self, check: StateCheck) -> Step {
        self.state_checks.push(check);
        self
    }

    /// The step must fail with output (stdout or stderr of the failing command) matching `regex`. Nothing
    /// else of the step is checked then.
    pub fn expect_error(mut self, regex: &str) -> Step {
        self.expect_error = Some(Pattern::new(regex));
        self
    }

    /// On CLIs older than `major.minor`, the step must fail with output matching `regex` (a feature the old
    /// CLI lacks, such as write-only attributes before 1.11); on the others it runs as written.
    pub fn expect_error_below(mut self, major: u64, minor: u64, regex: &str) -> Step {
        self.error_below = Some(((major, minor), Pattern::new(regex)));
        self
    }

    /// The plan after this step is expected not to be empty (and must not be).
    pub fn expect_non_empty_plan(mut self) -> Step {
        if matches!(self.kind, Kind::Import(_)) {
            self.mistakes
                .push("expect_non_empty_plan is not for import steps".to_owned());
        }
        self.expect_non_empty_plan = true;
        self
    }

    /// The human-readable output of the step's plan must match `regex`, e.g. `has been deleted` for drift.
    pub fn expect_plan_output(mut self, regex: &str) -> Step {
        self.plan_output.push(Pattern::new(regex));
        self
    }

    /// Skips the step on CLIs older than `major.minor`.
    pub fn min_version(mut self, major: u64, minor: u64) -> Step {
        self.min_version = Some((major, minor));
        self
    }

    /// Import steps: the ID to import.
    pub fn import_id(self, id: impl Into<String>) -> Step {
        let id = id.into();
        self.import_setting("import_id", |import| {
            import.id = ImportId::Fixed(id);
        })
    }

    /// Import steps: computes the ID from the state of the previous steps.
    pub fn import_id_from(
        self,
        id: impl Fn(&State) -> Result<String, BoxError> + Send + Sync + 'static,
    ) -> Step {
        self.import_setting("import_id_from", |import| {
            import.id = ImportId::Computed(Box::new(id));
        })
    }

    /// Import steps: the imported state must equal the state the previous steps left, attribute by attribute.
    pub fn verify(self) -> Step {
        self.verify_ignoring(&[])
    }

    /// Import steps: like [`verify`](Self::verify), but attributes at or under these paths may differ (those
    /// the remote API does not return, such as passwords).
    pub fn verify_ignoring(self, paths: &[&str]) -> Step {
        let paths = paths.iter().map(|p| (*p).to_owned()).collect();
        self.import_setting("verify", |import| import.verify = Some(paths))
    }

    /// Import steps: use an `import` block and `terraform plan` on CLIs that have them (1.5 and later),
    /// `terraform import` on older ones. Nothing is applied: the imported state is the plan's prior state.
    pub fn with_import_block(self) -> Step {
        self.import_setting("with_import_block", |import| {
            import.method = ImportMethod::BlockWhereSupported;
        })
    }

    /// Import steps: the configuration to import with, instead of the last config step's.
    pub fn with_config(self, hcl: impl Into<String>) -> Step {
        let hcl = hcl.into();
        self.import_setting("with_config", |import| import.config = Some(hcl))
    }

    fn import_setting(mut self, name: &str, set: impl FnOnce(&mut Import)) -> Step {
        match &mut self.kind {
            Kind::Import(import) => set(import),
            _ => self.mistakes.push(format!(
                "{name} is for import steps, not {} steps",
                self.label()
            )),
        }
        self
    }

    /// A short name for reports.
    pub(crate) fn label(&self) -> &'static str {
        match &self.kind {
            Kind::Config {
                plan_only: false, ..
            } => "config",
            Kind::Config {
                plan_only: true, ..
            } => "plan-only",
            Kind::Refresh => "refresh",
            Kind::Import(_) => "import",
        }
    }

    /// Every pattern of the step, to reject invalid ones up front.
    pub(crate) fn patterns(&self) -> impl Iterator<Item = &Pattern> {
        self.expect_error
            .iter()
            .chain(&self.plan_output)
            .chain(self.error_below.as_ref().map(|(_, p)| p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_across_terraforms_line_wrapping() {
        let output = "╷\n│ Error: names starting with \"invalid\" are\n│ refused\n│ \n│   with fixture_thing.a,\n╵\n";
        let pattern = Pattern::new("names starting with \"invalid\" are refused");
        assert!(pattern.is_match(output));
        assert!(Pattern::new(r"(?m)^│ refused$").is_match(output));
        assert!(!Pattern::new("accepted").is_match(output));
        assert!(Pattern::new("(unclosed").regex.is_err());
        assert!(!Pattern::new("(unclosed").is_match("(unclosed"));
    }
}

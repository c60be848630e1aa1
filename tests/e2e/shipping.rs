//! What ships beside the binaries for teams that do not run Lambda: `runner/Dockerfile` passes
//! hadolint and packs a binary the release has, and the Kubernetes example passes its schemas
//! strictly (kubernetes-validate, which carries them), while a misspelt field would not.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Result, ensure};
use tinesaudit_testkit::{ScratchDir, Tools};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs a linter from the tools: whether it passed, and what it said.
fn lint(program: &str, args: &[&str], file: &Path) -> Result<(bool, String)> {
    let out = Command::new(Tools::locate()?.venv_bin(program)?)
        .args(args)
        .arg(file)
        .output()?;
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    Ok((out.status.success(), text))
}

#[test]
fn the_runner_dockerfile_passes_hadolint_and_runs_the_released_binary_as_non_root() -> Result<()> {
    let dockerfile = repo().join("runner/Dockerfile");
    let (passed, said) = lint("hadolint", &[], &dockerfile)?;
    ensure!(passed, "hadolint: {said}");

    let text = std::fs::read_to_string(&dockerfile)?;
    ensure!(
        text.contains("FROM gcr.io/distroless/static-debian12:nonroot")
            && text.contains("USER 65532:65532"),
        "not a distroless image run as non-root:\n{text}"
    );
    // The file it copies is the name a release gives its static binaries.
    ensure!(
        text.contains("COPY --chmod=0555 tinesaudit-runner_${VERSION}_linux_${TARGETARCH} "),
        "{text}"
    );
    Ok(())
}

#[test]
fn the_kubernetes_cronjob_passes_its_schema_strictly() -> Result<()> {
    let example = repo().join("examples/kubernetes/cronjob.yaml");
    let (passed, said) = lint("kubernetes-validate", &["--strict"], &example)?;
    ensure!(passed, "{said}");
    ensure!(
        said.contains("passed for resource cronjob/tinesaudit-runner"),
        "{said}"
    );

    // The check is real: the same file with one field misspelt fails it.
    let scratch = ScratchDir::new("cronjob")?;
    let misspelt = scratch.path().join("cronjob.yaml");
    std::fs::write(
        &misspelt,
        std::fs::read_to_string(&example)?.replace("concurrencyPolicy", "concurrencyPolcy"),
    )?;
    let (passed, said) = lint("kubernetes-validate", &["--strict"], &misspelt)?;
    ensure!(!passed && said.contains("concurrencyPolcy"), "{said}");
    Ok(())
}

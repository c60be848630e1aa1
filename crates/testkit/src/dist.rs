use std::env;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};

const HINT: &str = "run `cargo xtask bundle` at the repository root to build it";

/// The runner as shipped to AWS Lambda: the `tinesaudit-runner-bootstrap` that `cargo xtask
/// bundle` builds against glibc 2.34 into `<target dir>/dist/`.
///
/// `TINESAUDIT_RUNNER_BOOTSTRAP` names it when set (`cargo xtask test` sets it). Otherwise the
/// target dir is found from the test executable, which cargo puts in `<target dir>/<profile>/deps/`.
pub fn runner_bootstrap() -> Result<PathBuf> {
    if let Some(path) = env::var_os("TINESAUDIT_RUNNER_BOOTSTRAP") {
        let path = PathBuf::from(path);
        if !path.is_file() {
            bail!(
                "TINESAUDIT_RUNNER_BOOTSTRAP names {}, which is not a file; {HINT}",
                path.display()
            );
        }
        return Ok(path);
    }
    let exe = env::current_exe().context("could not locate the test executable")?;
    let Some(target_dir) = exe.ancestors().nth(3) else {
        bail!(
            "the test executable {} is not in <target dir>/<profile>/deps/; set \
             TINESAUDIT_RUNNER_BOOTSTRAP to the bootstrap's path",
            exe.display()
        );
    };
    let path = target_dir.join("dist/tinesaudit-runner-bootstrap");
    if !path.is_file() {
        bail!(
            "the runner's Lambda bootstrap {} is missing; {HINT}",
            path.display()
        );
    }
    Ok(path)
}

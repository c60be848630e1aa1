use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::{Context, Result, bail};

const HINT: &str = "run `cargo xtask bundle` at the repository root to build it";

/// What the bootstrap is built from, relative to the repository root: a file changed after the
/// bootstrap was built means the tests would run yesterday's runner.
const RUNNER_SOURCES: [&str; 5] = [
    "runner/src",
    "runner/Cargo.toml",
    "crates/tines-client/src",
    "crates/tines-client/Cargo.toml",
    "Cargo.lock",
];

/// The runner as shipped to AWS Lambda: the `tinesaudit-runner-bootstrap` that `cargo xtask
/// bundle` builds against glibc 2.34 into `<target dir>/dist/`, refused when a runner source
/// changed after it was built.
///
/// `TINESAUDIT_RUNNER_BOOTSTRAP` names it when set (`cargo xtask test` sets it). Otherwise the
/// target dir is found from the test executable, which cargo puts in `<target dir>/<profile>/deps/`.
pub fn runner_bootstrap() -> Result<PathBuf> {
    let path = match env::var_os("TINESAUDIT_RUNNER_BOOTSTRAP") {
        Some(path) => {
            let path = PathBuf::from(path);
            if !path.is_file() {
                bail!(
                    "TINESAUDIT_RUNNER_BOOTSTRAP names {}, which is not a file; {HINT}",
                    path.display()
                );
            }
            path
        }
        None => {
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
            path
        }
    };
    let built = fs::metadata(&path)
        .and_then(|metadata| metadata.modified())
        .with_context(|| format!("could not read the age of {}", path.display()))?;
    // This crate is `<root>/crates/testkit`.
    let testkit = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = testkit.ancestors().nth(2).unwrap_or(testkit);
    if let Some(changed) = RUNNER_SOURCES
        .iter()
        .find_map(|source| changed_since(&root.join(source), built))
    {
        bail!(
            "the runner's Lambda bootstrap {} is older than {}; {HINT} again",
            path.display(),
            changed.display()
        );
    }
    Ok(path)
}

/// A file at or below `path` modified after `time`, if any.
fn changed_since(path: &Path, time: SystemTime) -> Option<PathBuf> {
    let metadata = fs::metadata(path).ok()?;
    if metadata.is_dir() {
        fs::read_dir(path)
            .ok()?
            .filter_map(|entry| entry.ok())
            .find_map(|entry| changed_since(&entry.path(), time))
    } else {
        (metadata.modified().ok()? > time).then(|| path.to_owned())
    }
}

/// The folder `cargo xtask release` (or `cargo xtask release --dev`) filled for this workspace's
/// version: `TINESAUDIT_RELEASE_DIR` when set (`cargo xtask test` sets it), else
/// `<target dir>/releases/<version>/`.
pub fn release_dir() -> Result<PathBuf> {
    const RELEASE_HINT: &str = "run `cargo xtask release --dev` at the repository root to build it";
    let dir = match env::var_os("TINESAUDIT_RELEASE_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => {
            let exe = env::current_exe().context("could not locate the test executable")?;
            let target_dir = exe.ancestors().nth(3).with_context(|| {
                format!(
                    "the test executable {} is not in <target dir>/<profile>/deps/; set \
                     TINESAUDIT_RELEASE_DIR",
                    exe.display()
                )
            })?;
            target_dir.join("releases").join(env!("CARGO_PKG_VERSION"))
        }
    };
    if !dir.join("RELEASE_NOTES.md").is_file() {
        bail!("{} holds no release; {RELEASE_HINT}", dir.display());
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ScratchDir;

    #[test]
    fn a_file_changed_after_the_build_is_found_below_folders() {
        let scratch = ScratchDir::new("dist-test").unwrap();
        let nested = scratch.path().join("src/sink");
        fs::create_dir_all(&nested).unwrap();
        fs::write(nested.join("old.rs"), "").unwrap();
        let built = SystemTime::now();
        assert_eq!(changed_since(scratch.path(), built), None);
        std::thread::sleep(std::time::Duration::from_millis(20));
        fs::write(nested.join("new.rs"), "").unwrap();
        assert_eq!(
            changed_since(scratch.path(), built),
            Some(nested.join("new.rs"))
        );
    }
}

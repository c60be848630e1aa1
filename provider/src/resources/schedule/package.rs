//! The runner's Lambda deployment package, built by the provider around the runner's `bootstrap` binary.
//!
//! The provider ships with the runner: `cargo xtask bundle` (and a release archive) puts
//! `tinesaudit-runner-bootstrap` (the runner built for Lambda's `provided.al2023` runtime on x86_64) and
//! `tinesaudit-runner-bootstrap-arm64` (on arm64) in the same folder as the provider binary, and the
//! provider deploys the one of the schedule's `architecture`. [`TinesAuditProvider::with_runner_bootstrap`]
//! names another x86_64 file, for tests and embedding; its arm64 sibling has the same name with `-arm64`.
//!
//! The zip is built in memory and deterministically ([`lambda_package`], which `cargo xtask release`
//! zips its Lambda archives with too): one entry `bootstrap`, Unix mode 0755, a fixed timestamp,
//! deflate at a fixed level. The same binary therefore always gives the same zip, and the same
//! Lambda `CodeSha256` (the zip's SHA-256 in base64), which is how refresh tells the function still runs
//! this package. A package is tens of megabytes, so it is built once per provider process and file
//! version (size and modification time), not once per resource.
//!
//! [`TinesAuditProvider::with_runner_bootstrap`]: crate::TinesAuditProvider::with_runner_bootstrap

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use base64::Engine as _;
use tinesaudit_job::package::lambda_package;
use tinesaudit_job::sha256_hex;
use tokio::sync::Mutex;

/// The runner's Lambda binary, beside the provider's executable.
pub const BOOTSTRAP_FILE_NAME: &str = "tinesaudit-runner-bootstrap";

/// The Lambda architectures the runner is built for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Architecture {
    X86_64,
    Arm64,
}

impl Architecture {
    pub const ALL: [Architecture; 2] = [Architecture::X86_64, Architecture::Arm64];

    /// Lambda's name: `x86_64` or `arm64`.
    pub fn as_str(self) -> &'static str {
        match self {
            Architecture::X86_64 => "x86_64",
            Architecture::Arm64 => "arm64",
        }
    }

    pub fn parse(name: &str) -> Option<Architecture> {
        Architecture::ALL.into_iter().find(|a| a.as_str() == name)
    }

    /// The bootstrap's file name beside `x86_64`, the x86_64 one: the same with `-arm64` for arm64.
    fn bootstrap(self, x86_64: &Path) -> PathBuf {
        match self {
            Architecture::X86_64 => x86_64.to_owned(),
            Architecture::Arm64 => {
                let mut name = x86_64.file_name().unwrap_or_default().to_owned();
                name.push("-arm64");
                x86_64.with_file_name(name)
            }
        }
    }
}

/// A built deployment package.
pub struct Package {
    zip: Vec<u8>,
    sha256: String,
}

impl Package {
    /// Builds the package around the bytes of a `bootstrap` binary.
    fn build(bootstrap: &[u8]) -> Result<Package, String> {
        let zip = lambda_package(bootstrap)
            .map_err(|e| format!("could not build the deployment zip: {e}"))?;
        let sha256 = sha256_hex(&zip);
        Ok(Package { zip, sha256 })
    }

    /// The zip, as Lambda's `ZipFile`.
    pub fn zip(&self) -> &[u8] {
        &self.zip
    }

    /// The zip's SHA-256 in lowercase hex: `runner_sha256`.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }
}

/// Lambda's `CodeSha256` (base64) as `runner_sha256` (hex); `None` when it is not base64 of 32 bytes.
pub fn code_sha256_to_hex(code_sha256: &str) -> Option<String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(code_sha256)
        .ok()?;
    (bytes.len() == 32).then(|| bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Why no package could be built: the path, and what to do.
#[derive(Debug)]
pub struct PackageError {
    pub path: Option<PathBuf>,
    pub problem: String,
}

impl fmt::Display for PackageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            Some(path) => write!(
                f,
                "The runner's Lambda binary {} {}. The provider deploys the file {BOOTSTRAP_FILE_NAME} (x86_64) \
                 or {BOOTSTRAP_FILE_NAME}-arm64 from the folder of its own executable: install the provider \
                 from a release archive, which has all three, or run `cargo xtask bundle` and use the provider \
                 binary in target/dist/, where the x86_64 bootstrap is built next to it (`cargo xtask release` \
                 builds both).",
                path.display(),
                self.problem
            ),
            None => write!(f, "{}", self.problem),
        }
    }
}

/// Where the bootstraps come from, and the package last built from each.
pub struct RunnerPackages {
    /// The x86_64 bootstrap; `None`: beside the provider's executable.
    bootstrap: Option<PathBuf>,
    cache: Mutex<HashMap<Architecture, Cached>>,
}

struct Cached {
    path: PathBuf,
    stamp: FileStamp,
    package: Arc<Package>,
}

/// What tells one version of the file from another without reading it.
#[derive(Clone, Copy, PartialEq, Eq)]
struct FileStamp {
    len: u64,
    modified: Option<SystemTime>,
}

impl RunnerPackages {
    /// The bootstrap beside the provider's executable.
    pub fn beside_executable() -> Arc<Self> {
        Arc::new(Self {
            bootstrap: None,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// The x86_64 bootstrap at `path`, the arm64 one beside it with `-arm64` added to the name.
    pub fn from_file(path: impl Into<PathBuf>) -> Arc<Self> {
        Arc::new(Self {
            bootstrap: Some(path.into()),
            cache: Mutex::new(HashMap::new()),
        })
    }

    fn path(&self, architecture: Architecture) -> Result<PathBuf, PackageError> {
        if let Some(path) = &self.bootstrap {
            return Ok(architecture.bootstrap(path));
        }
        let executable = std::env::current_exe().map_err(|e| PackageError {
            path: None,
            problem: format!(
                "The provider cannot find its own executable ({e}), and so not the runner's Lambda binary \
                 {BOOTSTRAP_FILE_NAME} beside it."
            ),
        })?;
        Ok(architecture.bootstrap(
            &executable
                .parent()
                .unwrap_or_else(|| Path::new("."))
                .join(BOOTSTRAP_FILE_NAME),
        ))
    }

    /// The package for `architecture`'s bootstrap as it is now; built again only when the file changed.
    pub async fn load(&self, architecture: Architecture) -> Result<Arc<Package>, PackageError> {
        let path = self.path(architecture)?;
        let failed = |problem: String| PackageError {
            path: Some(path.clone()),
            problem,
        };
        let metadata = tokio::fs::metadata(&path).await.map_err(|e| {
            failed(match e.kind() {
                std::io::ErrorKind::NotFound => "does not exist".to_owned(),
                _ => format!("cannot be read: {e}"),
            })
        })?;
        if !metadata.is_file() {
            return Err(failed("is not a file".to_owned()));
        }
        let stamp = FileStamp {
            len: metadata.len(),
            modified: metadata.modified().ok(),
        };
        let mut cache = self.cache.lock().await;
        if let Some(cached) = cache.get(&architecture)
            && cached.path == path
            && cached.stamp == stamp
            && stamp.modified.is_some()
        {
            return Ok(Arc::clone(&cached.package));
        }
        let read_from = path.clone();
        let package = tokio::task::spawn_blocking(move || {
            let bootstrap =
                std::fs::read(&read_from).map_err(|e| format!("cannot be read: {e}"))?;
            if bootstrap.is_empty() {
                return Err("is empty".to_owned());
            }
            Package::build(&bootstrap)
        })
        .await
        .map_err(|e| failed(format!("could not be packaged: {e}")))?
        .map_err(failed)?;
        let package = Arc::new(package);
        cache.insert(
            architecture,
            Cached {
                path,
                stamp,
                package: Arc::clone(&package),
            },
        );
        Ok(package)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest as _, Sha256};

    #[test]
    fn the_same_binary_always_gives_the_same_zip() {
        let first = Package::build(b"#!/bin/sh\necho runner\n").unwrap();
        let second = Package::build(b"#!/bin/sh\necho runner\n").unwrap();
        assert_eq!(first.zip(), second.zip());
        assert_eq!(first.sha256(), second.sha256());
        assert_eq!(first.sha256(), sha256_hex(first.zip()));
        let other = Package::build(b"#!/bin/sh\necho other\n").unwrap();
        assert_ne!(first.sha256(), other.sha256());
    }

    #[test]
    fn the_hash_is_lowercase_hex_sha256() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn lambda_code_hashes_convert_to_hex() {
        let package = Package::build(b"x").unwrap();
        let base64 =
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(package.zip()));
        assert_eq!(
            code_sha256_to_hex(&base64).as_deref(),
            Some(package.sha256())
        );
        assert_eq!(code_sha256_to_hex("not base64!"), None);
        assert_eq!(code_sha256_to_hex("AAAA"), None);
    }

    #[tokio::test]
    async fn a_missing_bootstrap_names_the_path_and_the_way_to_get_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(BOOTSTRAP_FILE_NAME);
        let packages = RunnerPackages::from_file(&path);
        let error = packages
            .load(Architecture::X86_64)
            .await
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains(&path.display().to_string()), "{error}");
        assert!(error.contains("does not exist"), "{error}");
        assert!(error.contains("cargo xtask bundle"), "{error}");

        std::fs::write(&path, b"").unwrap();
        let error = packages
            .load(Architecture::X86_64)
            .await
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("is empty"), "{error}");
    }

    #[tokio::test]
    async fn by_default_the_bootstrap_is_beside_the_executable() {
        let expected = std::env::current_exe()
            .unwrap()
            .with_file_name(BOOTSTRAP_FILE_NAME);
        let error = RunnerPackages::beside_executable()
            .load(Architecture::X86_64)
            .await
            .err()
            .unwrap();
        assert_eq!(error.path.as_deref(), Some(expected.as_path()));
    }

    #[tokio::test]
    async fn the_arm64_bootstrap_is_the_x86_64_ones_name_with_arm64_added() {
        let dir = tempfile::tempdir().unwrap();
        let x86_64 = dir.path().join(BOOTSTRAP_FILE_NAME);
        std::fs::write(&x86_64, b"x86_64 runner").unwrap();
        std::fs::write(
            dir.path().join(format!("{BOOTSTRAP_FILE_NAME}-arm64")),
            b"arm64 runner",
        )
        .unwrap();
        let packages = RunnerPackages::from_file(&x86_64);
        let intel = packages.load(Architecture::X86_64).await.unwrap();
        let arm = packages.load(Architecture::Arm64).await.unwrap();
        assert_eq!(
            arm.sha256(),
            Package::build(b"arm64 runner").unwrap().sha256()
        );
        assert_ne!(intel.sha256(), arm.sha256());
        assert!(Arc::ptr_eq(
            &intel,
            &packages.load(Architecture::X86_64).await.unwrap()
        ));
    }

    #[tokio::test]
    async fn the_package_is_built_again_only_when_the_file_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bootstrap-v1");
        std::fs::write(&path, b"version one").unwrap();
        let packages = RunnerPackages::from_file(&path);
        let first = packages.load(Architecture::X86_64).await.unwrap();
        let again = packages.load(Architecture::X86_64).await.unwrap();
        assert!(Arc::ptr_eq(&first, &again), "cached");

        std::fs::write(&path, b"version two, longer").unwrap();
        let upgraded = packages.load(Architecture::X86_64).await.unwrap();
        assert_ne!(first.sha256(), upgraded.sha256());
    }
}

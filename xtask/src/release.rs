//! `cargo xtask release`: everything a release publishes, into `<target dir>/releases/<version>/`.
//!
//! - `terraform-provider-tinesaudit_<V>_<os>_<arch>.zip`, the layout the Terraform registry and
//!   network mirror protocols expect: the provider as `terraform-provider-tinesaudit_v<V>` and,
//!   beside it, the runner's Lambda bootstraps it deploys (`tinesaudit-runner-bootstrap` for x86_64,
//!   `tinesaudit-runner-bootstrap-arm64` for a schedule's `architecture = "arm64"`).
//!   Linux providers are static (musl), as Go providers are, so they start on any distribution.
//! - `tinesaudit-runner_<V>_lambda_<x86_64|arm64>.zip`: the runner for Lambda's `provided.al2023`
//!   (one entry `bootstrap`, linked against its glibc 2.34), zipped as the provider zips it, so
//!   the file's SHA-256 is the schedule's `runner_sha256`.
//! - `tinesaudit-runner_<V>_linux_<amd64|arm64>`: the runner as a static binary, for cron,
//!   Kubernetes and shells.
//! - `terraform-provider-tinesaudit_<V>_manifest.json`, from `terraform-registry-manifest.json`.
//! - `terraform-provider-tinesaudit_<V>_SHA256SUMS` over every file above, its detached OpenPGP
//!   signature `..._SHA256SUMS.sig` made with a throw-away key generated for this release (GnuPG),
//!   the key's public half `..._signing-key.asc`, and `RELEASE_NOTES.md` saying how to check them.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail, ensure};
use tinesaudit_job::package::{deterministic_zip, lambda_package};

use crate::bundle::{self, Arch};
use crate::{cmd, tools};

pub const HELP: &str = "usage: cargo xtask release [--platforms LIST] [--dev]

Builds release VERSION (the workspace's) into <target dir>/releases/VERSION/:
  terraform-provider-tinesaudit_VERSION_OS_ARCH.zip   the provider (static on Linux) with the
                                                      runner's Lambda bootstraps (x86_64, arm64)
                                                      beside it
  tinesaudit-runner_VERSION_lambda_x86_64.zip         the runner for AWS Lambda provided.al2023
  tinesaudit-runner_VERSION_lambda_arm64.zip          (entry `bootstrap`, glibc 2.34)
  tinesaudit-runner_VERSION_linux_amd64               the runner as a static Linux binary
  tinesaudit-runner_VERSION_linux_arm64
  terraform-provider-tinesaudit_VERSION_manifest.json (protocol 6.0)
  terraform-provider-tinesaudit_VERSION_SHA256SUMS    every file above
  terraform-provider-tinesaudit_VERSION_SHA256SUMS.sig  detached OpenPGP signature (GnuPG), made
  terraform-provider-tinesaudit_VERSION_signing-key.asc with a key generated for this release
  RELEASE_NOTES.md                                    how to verify, sizes, what was not built

--platforms LIST  provider platforms, comma-separated (default: linux_amd64,linux_arm64).
                  darwin_amd64, darwin_arm64 and windows_amd64 are refused with the reason.
--dev             the provider and the static runners with cargo's dev profile (unoptimised,
                  built in a fraction of the time; the Lambda bootstraps as released): what
                  `cargo xtask test` installs. Never publish such a release.
Needs the tools (`cargo xtask tools`: Zig and cargo-zigbuild), the Rust targets
x86_64-unknown-linux-musl, aarch64-unknown-linux-musl and aarch64-unknown-linux-gnu (added with
rustup when missing) and gpg.";

const RUNNER_ARCHIVE: &str = "tinesaudit-runner";
const BOOTSTRAP: &str = "tinesaudit-runner-bootstrap";
const MANIFEST: &str = "terraform-registry-manifest.json";

/// A provider platform, as Terraform names it (`linux_amd64`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Platform {
    os: &'static str,
    arch: Arch,
}

impl Platform {
    fn name(self) -> String {
        let arch = match self.arch {
            Arch::X86_64 => "amd64",
            Arch::Arm64 => "arm64",
        };
        format!("{}_{arch}", self.os)
    }

    /// The static (musl) target the provider and the runner's Linux binary are built for.
    fn musl_target(self) -> String {
        format!("{}-unknown-linux-musl", self.arch.rust())
    }
}

const LINUX_AMD64: Platform = Platform {
    os: "linux",
    arch: Arch::X86_64,
};
const LINUX_ARM64: Platform = Platform {
    os: "linux",
    arch: Arch::Arm64,
};

/// Platforms a user may ask for that this toolchain cannot build, and why.
const UNBUILDABLE: [(&str, &str); 3] = [
    ("darwin_amd64", DARWIN),
    ("darwin_arm64", DARWIN),
    ("windows_amd64", WINDOWS),
];
const DARWIN: &str = "Zig links macOS binaries without Apple's SDK, and the provider's TLS stack \
                      (rustls-platform-verifier, security-framework) links the Security and \
                      CoreFoundation frameworks, which only that SDK has";
const WINDOWS: &str = "the plugin wire layer (crates/tfplugin-proto/src/listener.rs) serves \
                       Terraform over a Unix socket with Unix permissions; go-plugin on Windows \
                       needs a loopback TCP listener, which it does not have yet";

/// Options of one `cargo xtask release`.
pub struct Options {
    platforms: Vec<Platform>,
    /// Cargo's dev profile instead of `release` for the provider and the static runners.
    dev: bool,
}

impl Options {
    pub fn parse(args: &[&str]) -> Result<Options> {
        let mut platforms = vec![LINUX_AMD64, LINUX_ARM64];
        let mut dev = false;
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match *arg {
                "--platforms" => {
                    let list = args.next().context("--platforms needs a list")?;
                    platforms = list.split(',').map(parse_platform).collect::<Result<_>>()?;
                }
                "--dev" => dev = true,
                other => bail!("unknown option `{other}` of `release`\n\n{HELP}"),
            }
        }
        Ok(Options { platforms, dev })
    }

    /// The dev-profile build `cargo xtask test` installs: every file, both Linux platforms.
    pub fn for_tests() -> Options {
        Options {
            platforms: vec![LINUX_AMD64, LINUX_ARM64],
            dev: true,
        }
    }

    /// The profile of the provider and the static runners. The bootstraps are always built as
    /// released (`bundle` builds the x86_64 one anyway).
    fn profile(&self) -> &'static str {
        if self.dev { "dev" } else { "release" }
    }
}

fn parse_platform(name: &str) -> Result<Platform> {
    if let Some((_, why)) = UNBUILDABLE.iter().find(|(known, _)| *known == name) {
        bail!("--platforms: {name} cannot be built here: {why}");
    }
    [LINUX_AMD64, LINUX_ARM64]
        .into_iter()
        .find(|platform| platform.name() == name)
        .with_context(|| {
            format!("--platforms: unknown platform `{name}` (linux_amd64 or linux_arm64)")
        })
}

/// Builds the release and returns its folder.
pub fn run(repo: &Path, options: &Options) -> Result<PathBuf> {
    let started = Instant::now();
    let version = env!("CARGO_PKG_VERSION");
    cmd::output(Command::new("gpg").arg("--version")).context(
        "gpg (GnuPG) signs the SHA256SUMS file and was not found; install it (apt-get install gnupg)",
    )?;
    let tools_dir = tools::install(repo)?;
    add_rust_targets(options)?;

    let profile = options.profile();
    let mut bootstraps = Vec::new();
    for arch in [Arch::X86_64, Arch::Arm64] {
        let built = bundle::build_bootstrap(repo, &tools_dir, arch)?;
        bootstraps.push((arch, built));
    }
    let mut statics = Vec::new();
    for &platform in &options.platforms {
        statics.push((platform, build_static(repo, &tools_dir, platform, profile)?));
    }

    let out = bundle::target_dir(repo).join("releases").join(version);
    if out.exists() {
        fs::remove_dir_all(&out).with_context(|| format!("could not empty {}", out.display()))?;
    }
    fs::create_dir_all(&out).with_context(|| format!("could not create {}", out.display()))?;
    let prefix = format!("{}_{version}", bundle::PROVIDER);

    let x86_bootstrap = read(&bootstraps[0].1)?;
    let arm64_bootstrap = read(&bootstraps[1].1)?;
    let mut files = Vec::new();
    for (platform, dir) in &statics {
        let provider = read(&dir.join(bundle::PROVIDER))?;
        let name = format!("{prefix}_{}.zip", platform.name());
        let archive = deterministic_zip(&[
            (&format!("{}_v{version}", bundle::PROVIDER), &provider),
            (BOOTSTRAP, &x86_bootstrap),
            (&format!("{BOOTSTRAP}-arm64"), &arm64_bootstrap),
        ])?;
        write(&out, &name, &archive)?;
        files.push(name);
        let name = format!("{RUNNER_ARCHIVE}_{version}_{}", platform.name());
        write(&out, &name, &read(&dir.join(bundle::RUNNER))?)?;
        set_executable(&out.join(&name))?;
        files.push(name);
    }
    for (arch, bootstrap) in &bootstraps {
        let name = format!("{RUNNER_ARCHIVE}_{version}_lambda_{}.zip", arch.lambda());
        write(&out, &name, &lambda_package(&read(bootstrap)?)?)?;
        files.push(name);
    }
    let manifest = format!("{prefix}_manifest.json");
    write(&out, &manifest, &read(&repo.join(MANIFEST))?)?;
    files.push(manifest);
    files.sort();

    let sums_name = format!("{prefix}_SHA256SUMS");
    let mut sums = String::new();
    for name in &files {
        writeln!(
            sums,
            "{}  {name}",
            tinesaudit_job::sha256_hex(&read(&out.join(name))?)
        )?;
    }
    write(&out, &sums_name, sums.as_bytes())?;
    let key = sign(&out, &sums_name, &format!("{prefix}_signing-key.asc"))?;

    let mut notes = release_notes(&out, version, &files, &key, started.elapsed().as_secs())?;
    if options.dev {
        notes.insert_str(
            0,
            "**Built with `--dev`: unoptimised, for tests. Do not publish.**\n\n",
        );
    }
    write(&out, "RELEASE_NOTES.md", notes.as_bytes())?;
    println!("{notes}");
    println!("release {version} in {}", out.display());
    Ok(out)
}

/// The Rust standard libraries the release's targets need, added by rustup (a no-op when there).
fn add_rust_targets(options: &Options) -> Result<()> {
    let mut targets = vec!["aarch64-unknown-linux-gnu".to_owned()];
    targets.extend(options.platforms.iter().map(|p| p.musl_target()));
    cmd::run(
        Command::new("rustup")
            .args(["target", "add"])
            .args(&targets),
    )
    .context("could not add the release's Rust targets with rustup")
}

/// Builds the provider and the runner as static binaries for `platform` in one cargo run (they
/// share most dependencies), returning the folder they are in.
fn build_static(
    repo: &Path,
    tools_dir: &Path,
    platform: Platform,
    profile: &str,
) -> Result<PathBuf> {
    let target = platform.musl_target();
    let mut build = bundle::zigbuild(tools_dir);
    build
        .current_dir(repo)
        .args(["--profile", profile, "--target", &target])
        .args(["-p", bundle::PROVIDER, "-p", bundle::RUNNER]);
    let what = format!("building the {} provider and runner", platform.name());
    println!("{what}: {}", cmd::describe(&build));
    cmd::run_building(&mut build, &what).with_context(|| format!("{what} failed"))?;
    Ok(bundle::target_dir(repo)
        .join(target)
        .join(if profile == "dev" { "debug" } else { profile }))
}

/// Signs `sums` in `out` with a key made for this release only, in a keyring that is deleted
/// afterwards: `<sums>.sig` (binary, as Terraform reads it) and the armored public key in
/// `key_file`. Returns the key's id and armored public key.
fn sign(out: &Path, sums: &str, key_file: &str) -> Result<SigningKey> {
    let home = private_dir(out, ".gnupg")?;
    let gpg = |args: &[&str]| {
        let mut command = Command::new("gpg");
        command
            .env("GNUPGHOME", &home)
            .args(["--batch", "--quiet", "--pinentry-mode", "loopback"])
            .args(["--passphrase", ""])
            .args(args)
            .current_dir(out);
        command
    };
    cmd::output(&mut gpg(&[
        "--quick-gen-key",
        "tinesaudit release (throw-away key of one release) <release@tinesaudit.invalid>",
        "rsa3072",
        "sign",
        "never",
    ]))
    .context("gpg could not generate the release's signing key")?;
    let listing = cmd::output(&mut gpg(&["--with-colons", "--list-secret-keys"]))?;
    let fingerprint = listing
        .lines()
        .find_map(|line| line.strip_prefix("fpr:"))
        .and_then(|rest| rest.split(':').find(|field| !field.is_empty()))
        .context("gpg listed no fingerprint for the key it generated")?
        .to_owned();
    cmd::output(&mut gpg(&[
        "--local-user",
        &fingerprint,
        "--detach-sign",
        "--output",
        &format!("{sums}.sig"),
        sums,
    ]))
    .context("gpg could not sign the SHA256SUMS file")?;
    let armor = cmd::output(&mut gpg(&["--armor", "--export", &fingerprint]))?;
    write(out, key_file, armor.as_bytes())?;
    // gpg-agent keeps running for a GNUPGHOME until told otherwise.
    let _ = Command::new("gpgconf")
        .env("GNUPGHOME", &home)
        .args(["--kill", "gpg-agent"])
        .status();
    fs::remove_dir_all(&home).with_context(|| format!("could not remove {}", home.display()))?;
    Ok(SigningKey {
        key_id: fingerprint[fingerprint.len() - 16..].to_owned(),
        fingerprint,
        armor,
    })
}

struct SigningKey {
    key_id: String,
    fingerprint: String,
    armor: String,
}

/// A fresh folder `out/name` that only this user can read (gpg refuses others).
fn private_dir(out: &Path, name: &str) -> Result<PathBuf> {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = out.join(name);
    fs::create_dir_all(&dir).with_context(|| format!("could not create {}", dir.display()))?;
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o700))?;
    Ok(dir)
}

fn release_notes(
    out: &Path,
    version: &str,
    files: &[String],
    key: &SigningKey,
    seconds: u64,
) -> Result<String> {
    let prefix = format!("{}_{version}", bundle::PROVIDER);
    let mut notes = format!(
        "# tinesaudit {version}\n\nSee CHANGELOG.md for what changed. Built in {} min {} s.\n\n\
         | file | size |\n|---|---|\n",
        seconds / 60,
        seconds % 60
    );
    for name in files {
        let size = fs::metadata(out.join(name))?.len();
        writeln!(notes, "| `{name}` | {:.1} MiB |", size as f64 / 1_048_576.0)?;
    }
    write!(
        notes,
        "\nNot built: {}.\n\n## Verifying\n\n\
         `{prefix}_SHA256SUMS` lists the SHA-256 of every file; `{prefix}_SHA256SUMS.sig` is its \
         detached signature by the key below (id `{}`, fingerprint `{}`), generated for this \
         release only and kept nowhere.\n\n\
         ```sh\n\
         gpg --import {prefix}_signing-key.asc\n\
         gpg --verify {prefix}_SHA256SUMS.sig {prefix}_SHA256SUMS\n\
         sha256sum --check --ignore-missing {prefix}_SHA256SUMS\n\
         ```\n\n```\n{}```\n",
        UNBUILDABLE
            .iter()
            .map(|(name, why)| format!("{name} ({why})"))
            .collect::<Vec<_>>()
            .join("; "),
        key.key_id,
        key.fingerprint,
        key.armor
    )?;
    Ok(notes)
}

fn read(path: &Path) -> Result<Vec<u8>> {
    fs::read(path).with_context(|| format!("could not read {}", path.display()))
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> Result<()> {
    let path = dir.join(name);
    ensure!(!path.exists(), "{} was written twice", path.display());
    fs::write(&path, bytes).with_context(|| format!("could not write {}", path.display()))
}

fn set_executable(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755))
        .with_context(|| format!("could not make {} executable", path.display()))
}

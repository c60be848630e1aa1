//! What `cargo xtask release` publishes (`cargo xtask test` builds it with `--dev`), checked file
//! by file, then installed by every Terraform CLI the two ways teams install providers: from a
//! provider network mirror, and from a provider registry, for which `terraform init` checks the
//! signature of the SHA256SUMS. Both are static HTTPS servers on loopback whose CA the CLI trusts
//! through `SSL_CERT_FILE`.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail, ensure};
use object::read::elf::{ElfFile64, FileHeader as _, ProgramHeader as _};
use serde_json::json;
use tinesaudit_e2e::quickstart::Quickstart;
use tinesaudit_provider::{Architecture, RunnerPackages};
use tinesaudit_testkit::{ScratchDir, StaticHttps, TerraformCli, Tools};

const VERSION: &str = env!("CARGO_PKG_VERSION");
const PROVIDER: &str = "terraform-provider-tinesaudit";
const BOOTSTRAP: &str = "tinesaudit-runner-bootstrap";
/// This machine's platform, the only one whose binaries can run here.
const HOST: &str = "linux_amd64";
const PLATFORMS: [&str; 2] = ["linux_amd64", "linux_arm64"];

/// A release folder, with its SHA256SUMS read.
struct Release {
    dir: PathBuf,
    /// File name → lowercase hex SHA-256, as SHA256SUMS lists them.
    sums: BTreeMap<String, String>,
}

impl Release {
    fn open() -> Result<Release> {
        let dir = tinesaudit_testkit::release_dir()?;
        let text = std::fs::read_to_string(dir.join(Release::sums_name()))?;
        let mut sums = BTreeMap::new();
        for line in text.lines() {
            let (hash, name) = line
                .split_once("  ")
                .with_context(|| format!("{line:?} is not `HASH  NAME`"))?;
            sums.insert(name.to_owned(), hash.to_owned());
        }
        Ok(Release { dir, sums })
    }

    fn sums_name() -> String {
        format!("{PROVIDER}_{VERSION}_SHA256SUMS")
    }

    fn provider_zip(platform: &str) -> String {
        format!("{PROVIDER}_{VERSION}_{platform}.zip")
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn sha256(&self, name: &str) -> Result<&str> {
        self.sums
            .get(name)
            .map(String::as_str)
            .with_context(|| format!("{name} is not in the SHA256SUMS"))
    }

    /// The armored public key, and its 16-digit key id.
    fn signing_key(&self) -> Result<(String, String)> {
        let file = self.path(&format!("{PROVIDER}_{VERSION}_signing-key.asc"));
        let armor = std::fs::read_to_string(&file)?;
        let home = gpg_home()?;
        let listing = output(
            Command::new("gpg")
                .env("GNUPGHOME", home.path())
                .args(["--batch", "--with-colons", "--show-keys"])
                .arg(&file),
        )?;
        let fingerprint = listing
            .lines()
            .find_map(|line| line.strip_prefix("fpr:"))
            .and_then(|rest| rest.split(':').find(|field| !field.is_empty()))
            .context("gpg found no key in the release's key file")?;
        Ok((armor, fingerprint[fingerprint.len() - 16..].to_owned()))
    }
}

/// What a file in a release should be: its name and, for binaries, the machine it is built for.
fn expected_files() -> Vec<String> {
    let mut names = vec![
        format!("{PROVIDER}_{VERSION}_manifest.json"),
        format!("tinesaudit-runner_{VERSION}_lambda_x86_64.zip"),
        format!("tinesaudit-runner_{VERSION}_lambda_arm64.zip"),
    ];
    for platform in PLATFORMS {
        names.push(Release::provider_zip(platform));
        names.push(format!("tinesaudit-runner_{VERSION}_{platform}"));
    }
    names.sort();
    names
}

#[test]
fn the_release_lists_every_artifact_in_its_signed_sha256sums() -> Result<()> {
    let release = Release::open()?;
    ensure!(
        release.sums.keys().cloned().collect::<Vec<_>>() == expected_files(),
        "SHA256SUMS lists {:?}",
        release.sums.keys()
    );
    for (name, hash) in &release.sums {
        let actual = tinesaudit_job::sha256_hex(&std::fs::read(release.path(name))?);
        ensure!(
            &actual == hash,
            "{name} has SHA-256 {actual}, SHA256SUMS says {hash}"
        );
    }
    let manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(
        release.path(&format!("{PROVIDER}_{VERSION}_manifest.json")),
    )?)?;
    ensure!(
        manifest["metadata"]["protocol_versions"] == json!(["6.0"]),
        "{manifest}"
    );

    // The signature checks out with the published key, and fails for SHA256SUMS changed by a byte.
    let home = gpg_home()?;
    let gpg = || {
        let mut command = Command::new("gpg");
        command.env("GNUPGHOME", home.path()).arg("--batch");
        command
    };
    output(
        gpg()
            .arg("--import")
            .arg(release.path(&format!("{PROVIDER}_{VERSION}_signing-key.asc"))),
    )?;
    let sig = release.path(&format!("{}.sig", Release::sums_name()));
    output(
        gpg()
            .arg("--verify")
            .arg(&sig)
            .arg(release.path(&Release::sums_name())),
    )?;
    let mut tampered = std::fs::read(release.path(&Release::sums_name()))?;
    tampered[0] = if tampered[0] == b'0' { b'1' } else { b'0' };
    let tampered_file = home.path().join("SHA256SUMS");
    std::fs::write(&tampered_file, tampered)?;
    let check = gpg()
        .arg("--verify")
        .arg(&sig)
        .arg(&tampered_file)
        .output()?;
    ensure!(
        !check.status.success(),
        "gpg accepted the signature for changed SHA256SUMS"
    );
    Ok(())
}

#[test]
fn each_archive_holds_binaries_for_its_platform_and_the_host_provider_shakes_hands() -> Result<()> {
    let release = Release::open()?;
    let unpacked = ScratchDir::new("release-unpacked")?;
    for platform in PLATFORMS {
        let entries = unzip(&release.path(&Release::provider_zip(platform)))?;
        let names: Vec<&str> = entries.keys().map(String::as_str).collect();
        let provider_name = format!("{PROVIDER}_v{VERSION}");
        let arm64_bootstrap = format!("{BOOTSTRAP}-arm64");
        ensure!(
            names == [provider_name.as_str(), BOOTSTRAP, arm64_bootstrap.as_str()],
            "{platform}: {names:?}"
        );
        let provider = &entries[&provider_name];
        check_elf(&provider.1, platform, &provider_name)?;
        ensure!(
            provider.0 & 0o111 != 0,
            "{platform}: the provider is not executable"
        );
        check_elf(&entries[BOOTSTRAP].1, "lambda_x86_64", BOOTSTRAP)?;
        check_elf(
            &entries[&arm64_bootstrap].1,
            "lambda_arm64",
            &arm64_bootstrap,
        )?;

        let runner =
            std::fs::read(release.path(&format!("tinesaudit-runner_{VERSION}_{platform}")))?;
        check_elf(&runner, platform, "the static runner")?;
        if platform == HOST {
            let binary = unpacked.path().join(&provider_name);
            write_executable(&binary, &provider.1)?;
            handshake(&binary)?;
            let runner_file = unpacked.path().join("tinesaudit-runner");
            write_executable(&runner_file, &runner)?;
            let help = output(Command::new(&runner_file).arg("--help"))?;
            ensure!(help.contains("sync"), "{help}");
        }
    }
    for arch in ["x86_64", "arm64"] {
        let zip = release.path(&format!("tinesaudit-runner_{VERSION}_lambda_{arch}.zip"));
        let entries = unzip(&zip)?;
        ensure!(
            entries.keys().collect::<Vec<_>>() == ["bootstrap"],
            "{}: {:?}",
            zip.display(),
            entries.keys()
        );
        let (mode, bytes) = &entries["bootstrap"];
        ensure!(mode & 0o777 == 0o755, "bootstrap has mode {mode:o}");
        check_elf(bytes, &format!("lambda_{arch}"), "bootstrap")?;
        // provided.al2023 has glibc 2.34: a newer symbol version would not start there.
        let file = unpacked.path().join(format!("bootstrap-{arch}"));
        write_executable(&file, bytes)?;
        let needed = tinesaudit_testkit::glibc_versions_needed(&file)?;
        let newest = needed
            .iter()
            .max()
            .context("the bootstrap needs no glibc at all")?;
        ensure!(
            newest.0 <= vec![2, 34],
            "the {arch} bootstrap needs {}; Lambda's provided.al2023 has glibc 2.34",
            newest.1
        );
    }
    Ok(())
}

/// The released Lambda zips are byte for byte the packages the provider builds from the bootstraps it
/// ships, so a function deployed from either shows no code drift.
#[tokio::test]
async fn the_released_lambda_zips_are_the_packages_the_provider_deploys() -> Result<()> {
    let release = Release::open()?;
    let entries = unzip(&release.path(&Release::provider_zip(HOST)))?;
    let dir = ScratchDir::new("release-bootstrap")?;
    for name in [BOOTSTRAP.to_owned(), format!("{BOOTSTRAP}-arm64")] {
        write_executable(&dir.path().join(&name), &entries[&name].1)?;
    }
    let packages = RunnerPackages::from_file(dir.path().join(BOOTSTRAP));
    for architecture in Architecture::ALL {
        let package = packages
            .load(architecture)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let zip = format!(
            "tinesaudit-runner_{VERSION}_lambda_{}.zip",
            architecture.as_str()
        );
        ensure!(
            package.sha256() == release.sha256(&zip)?,
            "the provider deploys {} for {}, the release's {zip} differs",
            package.sha256(),
            architecture.as_str()
        );
    }
    Ok(())
}

#[test]
fn every_cli_installs_the_release_from_a_network_mirror() -> Result<()> {
    let release = Release::open()?;
    let (_root, server) = network_mirror(&release, &PLATFORMS, "network-mirror")?;
    let cli_config = mirror_cli_config(&server);

    for_each_cli(|cli| {
        let work = ScratchDir::new("mirror-install")?;
        std::fs::write(work.path().join("cli.tfrc"), &cli_config)?;
        std::fs::write(
            work.path().join("main.tf"),
            required_provider("tinesaudit/tinesaudit"),
        )?;
        let init = terraform(cli, work.path(), &server, &["init", "-no-color"])?;
        ensure!(
            init.contains(&format!("Installed tinesaudit/tinesaudit v{VERSION}")),
            "{init}"
        );
        let lock = std::fs::read_to_string(work.path().join(".terraform.lock.hcl"))?;
        // From a mirror, Terraform records only the `h1:` hash of what it unpacked (seen on 1.0.3
        // and 1.15), not the mirror's `zh:`: a lock file for this platform alone. The registry's
        // signed SHA256SUMS is what puts every platform's `zh:` in it (the test below).
        ensure!(
            lock.contains("\"h1:"),
            "no h1: hash in the lock file:\n{lock}"
        );
        ensure!(
            work.path()
                .join(format!(
                    ".terraform/providers/registry.terraform.io/tinesaudit/tinesaudit/{VERSION}/{HOST}/{BOOTSTRAP}"
                ))
                .is_file(),
            "the runner's bootstrap was not installed beside the provider"
        );
        // Terraform starts the installed provider for its schema.
        let validate = terraform(cli, work.path(), &server, &["validate", "-no-color"])?;
        ensure!(
            validate.contains("The configuration is valid"),
            "{validate}"
        );
        Ok(())
    })
}

#[test]
fn every_cli_installs_the_release_from_a_registry_that_signs_it() -> Result<()> {
    let release = Release::open()?;
    let (armor, key_id) = release.signing_key()?;
    let root = ScratchDir::new("registry")?;
    let server = StaticHttps::serve(root.path())?;
    lay_out_registry(&release, root.path(), &server, &armor, &key_id)?;
    let source = format!("{}/tinesaudit/tinesaudit", server.host());

    for_each_cli(|cli| {
        let work = ScratchDir::new("registry-install")?;
        std::fs::write(work.path().join("cli.tfrc"), "")?;
        std::fs::write(work.path().join("main.tf"), required_provider(&source))?;
        let init = terraform(cli, work.path(), &server, &["init", "-no-color"])?;
        ensure!(
            init.contains(&format!("Installed {source} v{VERSION}"))
                && init.to_lowercase().contains(&key_id.to_lowercase()),
            "init did not say it installed the provider signed by key {key_id}:\n{init}"
        );
        let lock_file = work.path().join(".terraform.lock.hcl");
        let lock = std::fs::read_to_string(&lock_file)?;
        has_every_platforms_zh(&release, &lock, "in the lock file")?;

        std::fs::remove_file(&lock_file)?;
        terraform(
            cli,
            work.path(),
            &server,
            &[
                "providers",
                "lock",
                "-platform=linux_arm64",
                "-platform=linux_amd64",
            ],
        )?;
        let lock = std::fs::read_to_string(&lock_file)?;
        ensure!(
            lock.matches("\"h1:").count() >= 2,
            "providers lock recorded no h1: hash of both platforms:\n{lock}"
        );
        has_every_platforms_zh(&release, &lock, "after providers lock")?;

        // The same archives under SHA256SUMS that their signature does not cover are refused.
        let tampered = format!("{}/tampered/tinesaudit", server.host());
        std::fs::write(work.path().join("main.tf"), required_provider(&tampered))?;
        std::fs::remove_file(&lock_file)?;
        let refused = terraform(cli, work.path(), &server, &["init", "-no-color"]);
        let Err(refused) = refused else {
            bail!("init installed a provider whose SHA256SUMS signature does not match");
        };
        ensure!(
            format!("{refused:#}").contains("signature"),
            "init failed, but not for the signature: {refused:#}"
        );
        Ok(())
    })?;
    ensure!(
        server
            .requests()
            .iter()
            .any(|request| request.starts_with("200 /files/") && request.ends_with(".sig")),
        "nobody fetched the signature: {:?}",
        server.requests()
    );
    Ok(())
}

/// `examples/quickstart` itself, its provider installed from the network mirror, plans on every
/// CLI it supports (1.11 on: write-only attributes).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_quickstart_plans_with_the_provider_from_the_network_mirror() -> Result<()> {
    let release = Release::open()?;
    let (_root, server) = network_mirror(&release, &[HOST], "quickstart-mirror")?;
    let clis: Vec<TerraformCli> = Tools::locate()?
        .terraform_clis()?
        .into_iter()
        .filter(|cli| cli.at_least(1, 11))
        .collect();
    ensure!(!clis.is_empty(), "no Terraform CLI from 1.11 on");
    for cli in clis {
        let version = cli.version.clone();
        let mut quickstart = Quickstart::start_on(cli, 10, 0).await?;
        quickstart.install_from(&mirror_cli_config(&server), &server.ca_file())?;
        quickstart
            .run_terraform(&["init", "-no-color"])
            .await
            .with_context(|| format!("terraform {version}"))?;
        let (empty, plan) = quickstart.plan_is_empty().await?;
        ensure!(
            !empty && plan.contains("tinesaudit_schedule.audit will be created"),
            "terraform {version}:\n{plan}"
        );
    }
    Ok(())
}

/// A registry for `HOST/tinesaudit/tinesaudit` (and `HOST/tampered/tinesaudit`, whose SHA256SUMS
/// differs from what was signed) under `root`, served by `server`.
fn lay_out_registry(
    release: &Release,
    root: &Path,
    server: &StaticHttps,
    armor: &str,
    key_id: &str,
) -> Result<()> {
    write_json(
        &root.join(".well-known/terraform.json"),
        &json!({"providers.v1": "/v1/providers/"}),
    )?;
    let files = root.join("files");
    std::fs::create_dir_all(&files)?;
    for name in release.sums.keys() {
        std::os::unix::fs::symlink(release.path(name), files.join(name))?;
    }
    let sums = Release::sums_name();
    for extra in [sums.clone(), format!("{sums}.sig")] {
        std::os::unix::fs::symlink(release.path(&extra), files.join(&extra))?;
    }
    let mut tampered = std::fs::read_to_string(release.path(&sums))?;
    tampered.push_str(&format!("{}  unsigned.zip\n", "0".repeat(64)));
    std::fs::write(files.join("tampered_SHA256SUMS"), tampered)?;

    for (namespace, sums_file) in [
        ("tinesaudit", sums.as_str()),
        ("tampered", "tampered_SHA256SUMS"),
    ] {
        let base = root.join(format!("v1/providers/{namespace}/tinesaudit"));
        let platforms: Vec<_> = PLATFORMS
            .iter()
            .map(|platform| {
                let (os, arch) = platform.split_once('_').unwrap_or_default();
                json!({"os": os, "arch": arch})
            })
            .collect();
        write_json(
            &base.join("versions"),
            &json!({"versions": [{"version": VERSION, "protocols": ["6.0"], "platforms": platforms}]}),
        )?;
        for platform in PLATFORMS {
            let (os, arch) = platform.split_once('_').unwrap_or_default();
            let zip = Release::provider_zip(platform);
            write_json(
                &base.join(format!("{VERSION}/download/{os}/{arch}")),
                &json!({
                    "protocols": ["6.0"],
                    "os": os,
                    "arch": arch,
                    "filename": zip,
                    "download_url": format!("{}/files/{zip}", server.url()),
                    "shasums_url": format!("{}/files/{sums_file}", server.url()),
                    "shasums_signature_url": format!("{}/files/{sums}.sig", server.url()),
                    "shasum": release.sha256(&zip)?,
                    "signing_keys": {"gpg_public_keys": [{"key_id": key_id, "ascii_armor": armor}]},
                }),
            )?;
        }
    }
    Ok(())
}

/// A provider network mirror of `release`'s archives for `platforms`: `index.json`, the version's
/// file with each zip's `zh:` hash, and the zips, served over HTTPS from a folder that lives as
/// long as the returned `ScratchDir`.
fn network_mirror(
    release: &Release,
    platforms: &[&str],
    name: &str,
) -> Result<(ScratchDir, StaticHttps)> {
    let root = ScratchDir::new(name)?;
    let folder = root
        .path()
        .join("registry.terraform.io/tinesaudit/tinesaudit");
    std::fs::create_dir_all(&folder)?;
    let mut archives = serde_json::Map::new();
    for platform in platforms {
        let zip = Release::provider_zip(platform);
        std::os::unix::fs::symlink(release.path(&zip), folder.join(&zip))?;
        archives.insert(
            (*platform).to_owned(),
            json!({"url": zip, "hashes": [format!("zh:{}", release.sha256(&zip)?)]}),
        );
    }
    write_json(
        &folder.join("index.json"),
        &json!({"versions": {VERSION: {}}}),
    )?;
    write_json(
        &folder.join(format!("{VERSION}.json")),
        &json!({"archives": archives}),
    )?;
    let server = StaticHttps::serve(root.path())?;
    Ok((root, server))
}

/// `lock` (a `.terraform.lock.hcl`) holds the `zh:` hash of every platform's archive.
fn has_every_platforms_zh(release: &Release, lock: &str, when: &str) -> Result<()> {
    for platform in PLATFORMS {
        let zh = format!("zh:{}", release.sha256(&Release::provider_zip(platform))?);
        ensure!(lock.contains(&zh), "no {zh} {when}:\n{lock}");
    }
    Ok(())
}

fn mirror_cli_config(server: &StaticHttps) -> String {
    format!(
        "provider_installation {{\n  network_mirror {{\n    url = \"{}/\"\n  }}\n}}\n",
        server.url()
    )
}

fn required_provider(source: &str) -> String {
    format!(
        "terraform {{\n  required_providers {{\n    tinesaudit = {{\n      source  = \"{source}\"\n      \
         version = \"~> {}\"\n    }}\n  }}\n}}\n",
        &VERSION[..VERSION.rfind('.').unwrap_or(VERSION.len())]
    )
}

/// Runs `check` for every Terraform CLI, naming the CLI in its error.
fn for_each_cli(check: impl Fn(&TerraformCli) -> Result<()>) -> Result<()> {
    let clis = Tools::locate()?.terraform_clis()?;
    for cli in &clis {
        check(cli).with_context(|| format!("terraform {}", cli.version))?;
    }
    Ok(())
}

/// `terraform ARGS` in `dir` with its `cli.tfrc`, trusting `server`; the output, or an error
/// holding it.
fn terraform(
    cli: &TerraformCli,
    dir: &Path,
    server: &StaticHttps,
    args: &[&str],
) -> Result<String> {
    output(
        cli.command(dir.join("cli.tfrc"))
            .current_dir(dir)
            .env("SSL_CERT_FILE", server.ca_file())
            .args(args),
    )
    .with_context(|| format!("terraform {}", args.join(" ")))
}

/// Runs `command`; its stdout and stderr, or an error holding them.
fn output(command: &mut Command) -> Result<String> {
    let out = command.stdin(Stdio::null()).output()?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if !out.status.success() {
        bail!(
            "{:?} failed ({}):\n{text}",
            command.get_program(),
            out.status
        );
    }
    Ok(text)
}

/// A keyring folder of its own, which gpg wants private.
fn gpg_home() -> Result<ScratchDir> {
    use std::os::unix::fs::PermissionsExt as _;
    let home = ScratchDir::new("gnupg")?;
    std::fs::set_permissions(home.path(), std::fs::Permissions::from_mode(0o700))?;
    Ok(home)
}

/// Every entry of a zip: name → (Unix mode, bytes).
fn unzip(path: &Path) -> Result<BTreeMap<String, (u32, Vec<u8>)>> {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path)?)
        .with_context(|| format!("{} is not a zip", path.display()))?;
    let mut entries = BTreeMap::new();
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index)?;
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes)?;
        entries.insert(
            entry.name()?.into_owned(),
            (entry.unix_mode().unwrap_or(0), bytes),
        );
    }
    Ok(entries)
}

/// `bytes` is an ELF executable for `platform` (`linux_arm64`, `lambda_x86_64`, ...); the Linux
/// ones static (no program interpreter), as the release promises.
fn check_elf(bytes: &[u8], platform: &str, what: &str) -> Result<()> {
    let elf = ElfFile64::<object::Endianness>::parse(bytes)
        .with_context(|| format!("{what} for {platform} is not a 64-bit ELF file"))?;
    let endian = elf.endian();
    let machine = elf.elf_header().e_machine(endian);
    let expected = if platform.ends_with("arm64") {
        object::elf::EM_AARCH64
    } else {
        object::elf::EM_X86_64
    };
    ensure!(
        machine == expected,
        "{what} for {platform} is for ELF machine {machine}, not {expected}"
    );
    let dynamic = elf
        .elf_program_headers()
        .iter()
        .any(|header| header.p_type(endian) == object::elf::PT_INTERP);
    ensure!(
        platform.starts_with("lambda") || !dynamic,
        "{what} for {platform} is not static: it names a program interpreter"
    );
    Ok(())
}

/// Starts the provider as Terraform does and reads go-plugin's handshake line: core protocol 1,
/// plugin protocol 6, a Unix socket, gRPC.
fn handshake(binary: &Path) -> Result<()> {
    let mut child = Command::new(binary)
        .env(
            "TF_PLUGIN_MAGIC_COOKIE",
            "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
        )
        .env("PLUGIN_PROTOCOL_VERSIONS", "6")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let mut line = String::new();
    let read = std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().context("no stdout")?),
        &mut line,
    );
    let _ = child.kill();
    let _ = child.wait();
    read?;
    let fields: Vec<&str> = line.trim_end().split('|').collect();
    ensure!(
        fields.len() >= 5 && fields[..3] == ["1", "6", "unix"] && fields[4] == "grpc",
        "the handshake line is {line:?}"
    );
    Ok(())
}

fn write_executable(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::write(path, bytes)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))?;
    Ok(())
}

fn write_json(path: &Path, value: &serde_json::Value) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, serde_json::to_vec_pretty(value)?)?;
    Ok(())
}

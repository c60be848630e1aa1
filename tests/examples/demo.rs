//! The main job end to end, on embedded defaults: `cargo xtask demo` runs this (the story is in
//! `tinesaudit_e2e::story`). With `--keep`, the simulated tenant, S3 and moto stay up afterwards, with
//! the commands to look at them, until Ctrl-C.

use std::os::unix::fs::OpenOptionsExt as _;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use tinesaudit_e2e::quickstart::{EnvVar, Quickstart};
use tinesaudit_e2e::story::{Narrator, Story, Told, UNMANAGED, tell};

/// The case the reference Lambda gets wrong: more records than the newest 10,000 it keeps.
const DEMO: Story = Story {
    records: 25_000,
    arrivals_per_second: 5,
    later_runs: 2,
    between_runs: Duration::from_secs(10),
};

#[tokio::main]
async fn main() -> Result<()> {
    let keep = match std::env::args().skip(1).collect::<Vec<_>>().as_slice() {
        [] => false,
        [flag] if flag == "--keep" => true,
        other => bail!("unknown arguments {other:?}; the demo takes only --keep"),
    };
    let mut narrator = Narrator::new(demo_started());
    let Told {
        quickstart,
        verified: (from, to),
        ..
    } = tell(&DEMO, &mut narrator).await?;
    if keep {
        print_keep(&quickstart, from, to)?;
        tokio::signal::ctrl_c().await?;
        println!("stopping the simulated tenant, S3 and moto");
    }
    Ok(())
}

/// When `cargo xtask demo` started, before its builds (it says so in `TINESAUDIT_DEMO_STARTED`, in
/// milliseconds since the epoch), else now.
fn demo_started() -> Instant {
    let since_epoch = |at: SystemTime| at.duration_since(UNIX_EPOCH).unwrap_or_default();
    let before = std::env::var("TINESAUDIT_DEMO_STARTED")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map(Duration::from_millis)
        .map(|started| since_epoch(SystemTime::now()).saturating_sub(started))
        .unwrap_or_default();
    Instant::now()
        .checked_sub(before)
        .unwrap_or_else(Instant::now)
}

/// The commands to look at what the demo left running. The keys and credentials go into a file
/// only its owner can read, which the commands source, so that none of them is printed.
fn print_keep(quickstart: &Quickstart, from: jiff::Timestamp, to: jiff::Timestamp) -> Result<()> {
    let folder = quickstart.workdir();
    let secrets_file = folder.join("secrets.env");
    let terraform_env = quickstart.terraform_env();
    let verify_env = quickstart.verify_env();
    let mut secrets = std::collections::BTreeMap::new();
    for var in terraform_env.iter().chain(&verify_env).filter(|v| v.secret) {
        secrets.insert(var.name, shell_quoted(&var.value));
    }
    let secrets: String = secrets
        .iter()
        .map(|(name, value)| format!("export {name}={value}\n"))
        .collect();
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&secrets_file)
        .and_then(|mut file| std::io::Write::write_all(&mut file, secrets.as_bytes()))
        .with_context(|| format!("could not write {}", secrets_file.display()))?;
    let plain = |env: &[EnvVar]| -> Vec<String> {
        env.iter()
            .filter(|var| !var.secret)
            .map(|var| format!("{}={}", var.name, shell_quoted(&var.value)))
            .collect()
    };

    println!("==> the simulated tenant, S3 and moto keep running until Ctrl-C; in another shell:");
    println!("  cd {}", folder.display());
    println!(
        "  . ./secrets.env   # the simulated tenant's keys and the local AWS credentials, kept out of this output"
    );
    println!(
        "  export TF_CLI_CONFIG_FILE={}",
        quickstart.cli_config().display()
    );
    for assignment in plain(&terraform_env) {
        println!("  export {assignment}");
    }
    println!(
        "  {} plan   # Tines and AWS read back: no changes",
        quickstart.terraform_path().display()
    );
    println!(
        "  # tinesaudit-runner verify over the demo's window (the Lambda bootstrap is the runner):"
    );
    println!(
        "  {} {} verify --from {from} --to {to}",
        plain(&verify_env).join(" "),
        quickstart.bootstrap().display()
    );
    println!("  # revoke the grant as an admin in the Tines UI would, then plan again:");
    println!(
        "  curl -X PATCH {}/_sim/users/{} -H 'content-type: application/json' -d '{{\"tenant_permissions\": [\"{UNMANAGED}\"]}}'",
        quickstart.tenant_url(),
        quickstart.pipeline_user_id()
    );
    Ok(())
}

/// `value` quoted for a POSIX shell.
fn shell_quoted(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

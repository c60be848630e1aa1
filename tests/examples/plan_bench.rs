//! `cargo xtask bench plan`: what tinesaudit adds to `terraform plan` and `apply`, next to the same
//! count of Terraform's own `terraform_data` measured in the same run.
//!
//! Against a simulated tenant with no rate limit of its own (so every wait is the client's), on the
//! newest Terraform CLI here and on 1.0.3, medians of paired runs (ours, then the baseline, in turn):
//!
//! - a plan (with refresh) of N (`--count`, 50 by default) `tinesaudit_tenant_permissions`, one
//!   per user;
//! - the same plan with `-refresh=false`;
//! - a plan of N `data "tinesaudit_secops_reader_policy"` (no network);
//! - an apply of the N grants (destroyed again between runs, untimed).
//!
//! Each case also reports peak resident memory, sampled from /proc while it runs: the provider's
//! (the plugin process Terraform starts) and Terraform's own, against Terraform's own with the
//! built-in resources, which need no plugin.
//!
//! 1.0.3 has no `terraform_data` (1.4+); its baseline is N `terraform_remote_state` data sources
//! reading one local state file, the only thing its built-in provider offers.
//!
//! Usage: `plan_bench PROVIDER_DIR [--baseline-provider DIR] [--runs N] [--count N]`. With a
//! baseline provider (e.g. built from an earlier commit), every tinesaudit case is also run with
//! it, in the same turns.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use serde_json::{Value, json};
use tinesaudit_e2e::quickstart::sim_send;
use tinesaudit_testkit::{ScratchDir, TerraformCli, Tools};

struct Args {
    provider: PathBuf,
    baseline: Option<PathBuf>,
    runs: usize,
    count: usize,
}

fn args() -> Result<Args> {
    let mut raw = std::env::args().skip(1);
    let mut provider = None;
    let mut baseline = None;
    let mut runs = 7;
    let mut count = 50;
    while let Some(arg) = raw.next() {
        match arg.as_str() {
            "--baseline-provider" => baseline = raw.next().map(PathBuf::from),
            "--runs" => {
                runs = raw
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|n| *n >= 1)
                    .context("--runs takes a whole number of at least 1")?;
            }
            "--count" => {
                count = raw
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|n| *n >= 1)
                    .context("--count takes a whole number of at least 1")?;
            }
            dir if provider.is_none() => provider = Some(PathBuf::from(dir)),
            other => bail!("unexpected argument {other:?}"),
        }
    }
    let provider = provider.context(
        "usage: plan_bench PROVIDER_DIR [--baseline-provider DIR] [--runs N] [--count N]",
    )?;
    for dir in std::iter::once(&provider).chain(&baseline) {
        ensure!(
            dir.join("terraform-provider-tinesaudit").is_file(),
            "{} holds no terraform-provider-tinesaudit",
            dir.display()
        );
    }
    Ok(Args {
        provider,
        baseline,
        runs,
        count,
    })
}

/// A working folder with one configuration, run by one CLI with one provider.
struct Workdir {
    dir: ScratchDir,
    cli: TerraformCli,
    tenant: String,
    owner_key: String,
}

impl Workdir {
    fn new(
        label: &str,
        cli: &TerraformCli,
        provider: Option<&Path>,
        config: &str,
        tenant: &str,
        owner_key: &str,
    ) -> Result<Workdir> {
        let dir = ScratchDir::new(label)?;
        std::fs::write(dir.path().join("main.tf"), config)?;
        let overrides = provider.map_or(String::new(), |provider| {
            format!(
                "provider_installation {{\n  dev_overrides {{\n    \"tinesaudit/tinesaudit\" = {:?}\n  }}\n  direct {{}}\n}}\n",
                provider.display().to_string()
            )
        });
        std::fs::write(dir.path().join("cli.tfrc"), overrides)?;
        std::fs::write(
            dir.path().join("other.tfstate"),
            json!({"version": 4, "terraform_version": "1.0.3", "serial": 1, "lineage": "bench",
                   "outputs": {"x": {"value": "1", "type": "string"}}, "resources": []})
            .to_string(),
        )?;
        Ok(Workdir {
            dir,
            cli: cli.clone(),
            tenant: tenant.to_owned(),
            owner_key: owner_key.to_owned(),
        })
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = self.cli.command(self.dir.path().join("cli.tfrc"));
        command
            .current_dir(self.dir.path())
            .args(args)
            .arg("-no-color")
            .env("TINES_TENANT", &self.tenant)
            .env("TINES_API_KEY", &self.owner_key);
        command
    }

    /// Runs `terraform ARGS`; its wall time and peak memory.
    fn time(&self, args: &[&str]) -> Result<Measured> {
        let started = Instant::now();
        let child = self
            .command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("running terraform {}", args.join(" ")))?;
        let (output, peaks) = peak_memory_until_exit(child)?;
        let took = started.elapsed();
        ensure!(
            output.status.success(),
            "terraform {} failed in {}:\n{}{}",
            args.join(" "),
            self.dir.path().display(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        Ok(Measured { took, peaks })
    }
}

/// One Terraform command: its wall time, and the peak resident memory of Terraform and of the
/// provider it started (KiB; 0 when it started none).
#[derive(Clone, Copy, Default)]
struct Measured {
    took: Duration,
    peaks: Peaks,
}

#[derive(Clone, Copy, Default)]
struct Peaks {
    terraform: u64,
    provider: u64,
}

/// `VmHWM` of a process, its peak resident set so far, in KiB.
fn high_water_mark(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The processes whose parent is `parent`.
fn children(parent: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                // The parent is the 2nd field after the command, which is in parentheses.
                .and_then(|stat| {
                    stat.rsplit_once(')')?
                        .1
                        .split_whitespace()
                        .nth(1)?
                        .parse()
                        .ok()
                })
                == Some(parent)
        })
        .collect()
}

/// Waits for `child`, sampling every 20 ms the peak memory of it and of the provider it started.
/// `VmHWM` only grows, so the last sample before a process exits holds its peak.
fn peak_memory_until_exit(mut child: Child) -> Result<(std::process::Output, Peaks)> {
    let pid = child.id();
    let mut peaks = Peaks::default();
    // Drained beside the sampling: a full pipe would block Terraform.
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let stdout = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        peaks.terraform = peaks.terraform.max(high_water_mark(pid).unwrap_or(0));
        for plugin in children(pid) {
            let name = std::fs::read_to_string(format!("/proc/{plugin}/comm")).unwrap_or_default();
            // The kernel keeps 15 characters of the name.
            if name.starts_with("terraform-provi") {
                peaks.provider = peaks.provider.max(high_water_mark(plugin).unwrap_or(0));
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let output = std::process::Output {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    };
    Ok((output, peaks))
}

fn grants(users: &[u64]) -> String {
    let count = users.len();
    let ids: Vec<String> = users.iter().map(u64::to_string).collect();
    format!(
        "terraform {{\n  required_providers {{\n    tinesaudit = {{ source = \"tinesaudit/tinesaudit\" }}\n  }}\n}}\n\n\
         locals {{\n  users = [{}]\n}}\n\n\
         resource \"tinesaudit_tenant_permissions\" \"grant\" {{\n  count       = {count}\n  user_id     = local.users[count.index]\n  permissions = [\"AUDIT_LOG_READ\"]\n}}\n",
        ids.join(", ")
    )
}

fn reader_policies(count: usize) -> String {
    format!(
        "terraform {{\n  required_providers {{\n    tinesaudit = {{ source = \"tinesaudit/tinesaudit\" }}\n  }}\n}}\n\n\
         provider \"tinesaudit\" {{}}\n\n\
         data \"tinesaudit_secops_reader_policy\" \"feed\" {{\n  count  = {count}\n  bucket = \"secops-tines-audit\"\n  prefix = \"tines/audit/${{count.index}}/\"\n}}\n"
    )
}

/// Terraform's own resources of the same count, the baseline.
fn built_in(cli: &TerraformCli, count: usize) -> String {
    if cli.at_least(1, 4) {
        format!(
            "resource \"terraform_data\" \"same\" {{\n  count = {count}\n  input = count.index\n}}\n"
        )
    } else {
        format!(
            "data \"terraform_remote_state\" \"same\" {{\n  count   = {count}\n  backend = \"local\"\n  config = {{\n    path = \"other.tfstate\"\n  }}\n}}\n"
        )
    }
}

fn median(runs: &[Measured]) -> Duration {
    let mut times: Vec<Duration> = runs.iter().map(|run| run.took).collect();
    times.sort();
    times[times.len() / 2]
}

fn mebibytes(kib: u64) -> String {
    format!("{:.0} MiB", kib as f64 / 1024.0)
}

/// One line of the table: each variant's median time and its ratio to the last (the baseline), then
/// the highest peak memory of any run: the provider's, and Terraform's own.
fn report(case: &str, variants: &[(&str, Vec<Measured>)]) {
    let Some((_, baseline)) = variants.last() else {
        return;
    };
    let baseline = median(baseline).as_secs_f64();
    let cells: Vec<String> = variants
        .iter()
        .map(|(name, runs)| {
            let seconds = median(runs).as_secs_f64();
            let provider = runs.iter().map(|run| run.peaks.provider).max().unwrap_or(0);
            let terraform = runs
                .iter()
                .map(|run| run.peaks.terraform)
                .max()
                .unwrap_or(0);
            let memory = if provider == 0 {
                format!("terraform {}", mebibytes(terraform))
            } else {
                format!(
                    "provider {}, terraform {}",
                    mebibytes(provider),
                    mebibytes(terraform)
                )
            };
            format!(
                "{name} {seconds:.3} s ({:.2}x; peak {memory})",
                seconds / baseline
            )
        })
        .collect();
    println!("  {case:<46} {}", cells.join(" | "));
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = args()?;
    let tools = Tools::locate()?;
    let clis = tools.terraform_clis()?;
    let newest = tools.newest_terraform_cli()?;
    let oldest = clis
        .iter()
        .min_by_key(|cli| cli.version.clone())
        .context("no Terraform CLI")?
        .clone();

    let tines = tines_sim::spawn(tines_sim::Behaviour {
        rate_limits: tines_sim::RateLimits {
            audit_logs: None,
            admin_users: None,
            default: None,
        },
        ..tines_sim::Behaviour::default()
    })
    .await?;
    let http = reqwest::Client::new();
    let control = async |path: &str, body: Value| {
        sim_send(&http, &tines, reqwest::Method::POST, path, body).await
    };
    let owner = control(
        "/_sim/keys",
        json!({"kind": "tenant_owner", "name": "platform-admin"}),
    )
    .await?;
    let owner_key = owner["token"].as_str().unwrap_or_default().to_owned();
    let mut users = Vec::new();
    for n in 0..args.count {
        let user = control(
            "/_sim/users",
            json!({"email": format!("user{n}@example.com"), "first_name": "Bench", "tenant_permissions": []}),
        )
        .await?;
        users.push(user["id"].as_u64().context("a user id")?);
    }

    let mut providers = vec![("now", args.provider.clone())];
    if let Some(baseline) = &args.baseline {
        providers.insert(0, ("before", baseline.clone()));
    }
    println!(
        "plan and apply of {count} tinesaudit objects against {count} built-in ones; median of {} paired runs",
        args.runs,
        count = args.count
    );
    for cli in [&newest, &oldest] {
        println!("Terraform {}:", cli.version);
        let tenant = tines.base_url().to_owned();
        let work = |label: &str, provider: Option<&Path>, config: &str| {
            Workdir::new(label, cli, provider, config, &tenant, &owner_key)
        };
        let ours: Vec<(&str, Workdir, Workdir)> = providers
            .iter()
            .map(|(name, dir)| -> Result<_> {
                Ok((
                    *name,
                    work("bench-grants", Some(dir), &grants(&users))?,
                    work("bench-policies", Some(dir), &reader_policies(args.count))?,
                ))
            })
            .collect::<Result<_>>()?;
        let baseline = work("bench-builtin", None, &built_in(cli, args.count))?;

        let mut apply: Vec<Vec<Measured>> = vec![Vec::new(); ours.len() + 1];
        let mut plan: Vec<Vec<Measured>> = vec![Vec::new(); ours.len() + 1];
        let mut plan_cached: Vec<Vec<Measured>> = vec![Vec::new(); ours.len() + 1];
        let mut policies: Vec<Vec<Measured>> = vec![Vec::new(); ours.len() + 1];
        let applying = ["apply", "-auto-approve", "-input=false"];
        for _ in 0..args.runs {
            for (index, (_, grants, _)) in ours.iter().enumerate() {
                apply[index].push(grants.time(&applying)?);
                grants.time(&["destroy", "-auto-approve", "-input=false"])?;
            }
            apply[ours.len()].push(baseline.time(&applying)?);
            baseline.time(&["destroy", "-auto-approve", "-input=false"])?;
        }
        for (_, grants, _) in &ours {
            grants.time(&applying)?;
        }
        baseline.time(&applying)?;
        for _ in 0..args.runs {
            for (index, (_, grants, policy)) in ours.iter().enumerate() {
                plan[index].push(grants.time(&["plan", "-input=false"])?);
                plan_cached[index].push(grants.time(&[
                    "plan",
                    "-input=false",
                    "-refresh=false",
                ])?);
                policies[index].push(policy.time(&["plan", "-input=false"])?);
            }
            let base = baseline.time(&["plan", "-input=false"])?;
            plan[ours.len()].push(base);
            plan_cached[ours.len()].push(baseline.time(&[
                "plan",
                "-input=false",
                "-refresh=false",
            ])?);
            policies[ours.len()].push(base);
        }
        let named = |times: Vec<Vec<Measured>>| -> Vec<(&str, Vec<Measured>)> {
            let mut names: Vec<&str> = ours.iter().map(|(name, _, _)| *name).collect();
            names.push("built-in");
            names.into_iter().zip(times).collect()
        };
        report(
            &format!("plan, {} tenant_permissions", args.count),
            &named(plan),
        );
        report(
            &format!("plan -refresh=false, {} tenant_permissions", args.count),
            &named(plan_cached),
        );
        report(
            &format!("plan, {} secops_reader_policy data sources", args.count),
            &named(policies),
        );
        report(
            &format!("apply, {} tenant_permissions", args.count),
            &named(apply),
        );
    }
    Ok(())
}

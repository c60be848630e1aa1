//! `cargo xtask bench plan`: what tinesaudit adds to `terraform plan` and `apply`, next to the same
//! count of Terraform's own `terraform_data` measured in the same run.
//!
//! Against a simulated tenant with no rate limit of its own (so every wait is the client's), on the
//! newest Terraform CLI here and on 1.0.3, medians of paired runs (ours, then the baseline, in turn):
//!
//! - a plan (with refresh) of 50 `tinesaudit_tenant_permissions`, one per user;
//! - the same plan with `-refresh=false`;
//! - a plan of 50 `data "tinesaudit_secops_reader_policy"` (no network);
//! - an apply of the 50 grants (destroyed again between runs, untimed).
//!
//! 1.0.3 has no `terraform_data` (1.4+); its baseline is 50 `terraform_remote_state` data sources
//! reading one local state file, the only thing its built-in provider offers.
//!
//! Usage: `plan_bench PROVIDER_DIR [--baseline-provider DIR] [--runs N]`. With a baseline provider
//! (e.g. built from an earlier commit), every tinesaudit case is also run with it, in the same turns.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use serde_json::{Value, json};
use tinesaudit_e2e::quickstart::sim_send;
use tinesaudit_testkit::{ScratchDir, TerraformCli, Tools};

const COUNT: usize = 50;

struct Args {
    provider: PathBuf,
    baseline: Option<PathBuf>,
    runs: usize,
}

fn args() -> Result<Args> {
    let mut raw = std::env::args().skip(1);
    let mut provider = None;
    let mut baseline = None;
    let mut runs = 7;
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
            dir if provider.is_none() => provider = Some(PathBuf::from(dir)),
            other => bail!("unexpected argument {other:?}"),
        }
    }
    let provider =
        provider.context("usage: plan_bench PROVIDER_DIR [--baseline-provider DIR] [--runs N]")?;
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

    /// Runs `terraform ARGS`; its wall time.
    fn time(&self, args: &[&str]) -> Result<Duration> {
        let started = Instant::now();
        let output = self
            .command(args)
            .output()
            .with_context(|| format!("running terraform {}", args.join(" ")))?;
        let took = started.elapsed();
        ensure!(
            output.status.success(),
            "terraform {} failed in {}:\n{}{}",
            args.join(" "),
            self.dir.path().display(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        Ok(took)
    }
}

fn grants(users: &[u64]) -> String {
    let ids: Vec<String> = users.iter().map(u64::to_string).collect();
    format!(
        "terraform {{\n  required_providers {{\n    tinesaudit = {{ source = \"tinesaudit/tinesaudit\" }}\n  }}\n}}\n\n\
         locals {{\n  users = [{}]\n}}\n\n\
         resource \"tinesaudit_tenant_permissions\" \"grant\" {{\n  count       = {COUNT}\n  user_id     = local.users[count.index]\n  permissions = [\"AUDIT_LOG_READ\"]\n}}\n",
        ids.join(", ")
    )
}

fn reader_policies() -> String {
    format!(
        "terraform {{\n  required_providers {{\n    tinesaudit = {{ source = \"tinesaudit/tinesaudit\" }}\n  }}\n}}\n\n\
         provider \"tinesaudit\" {{}}\n\n\
         data \"tinesaudit_secops_reader_policy\" \"feed\" {{\n  count  = {COUNT}\n  bucket = \"secops-tines-audit\"\n  prefix = \"tines/audit/${{count.index}}/\"\n}}\n"
    )
}

/// Terraform's own resources of the same count, the baseline.
fn built_in(cli: &TerraformCli) -> String {
    if cli.at_least(1, 4) {
        format!(
            "resource \"terraform_data\" \"same\" {{\n  count = {COUNT}\n  input = count.index\n}}\n"
        )
    } else {
        format!(
            "data \"terraform_remote_state\" \"same\" {{\n  count   = {COUNT}\n  backend = \"local\"\n  config = {{\n    path = \"other.tfstate\"\n  }}\n}}\n"
        )
    }
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// One line of the table: each variant's median, and its ratio to the last (the baseline).
fn report(case: &str, variants: &[(&str, Vec<Duration>)]) {
    let Some((_, baseline)) = variants.last() else {
        return;
    };
    let baseline = median(baseline.clone()).as_secs_f64();
    let cells: Vec<String> = variants
        .iter()
        .map(|(name, times)| {
            let seconds = median(times.clone()).as_secs_f64();
            format!("{name} {seconds:.3} s ({:.2}x)", seconds / baseline)
        })
        .collect();
    println!("  {case:<44} {}", cells.join(" | "));
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
    for n in 0..COUNT {
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
        "plan and apply of {COUNT} tinesaudit objects against {COUNT} built-in ones; median of {} paired runs",
        args.runs
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
                    work("bench-policies", Some(dir), &reader_policies())?,
                ))
            })
            .collect::<Result<_>>()?;
        let baseline = work("bench-builtin", None, &built_in(cli))?;

        let mut apply: Vec<Vec<Duration>> = vec![Vec::new(); ours.len() + 1];
        let mut plan: Vec<Vec<Duration>> = vec![Vec::new(); ours.len() + 1];
        let mut plan_cached: Vec<Vec<Duration>> = vec![Vec::new(); ours.len() + 1];
        let mut policies: Vec<Vec<Duration>> = vec![Vec::new(); ours.len() + 1];
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
        let named = |times: Vec<Vec<Duration>>| -> Vec<(&str, Vec<Duration>)> {
            let mut names: Vec<&str> = ours.iter().map(|(name, _, _)| *name).collect();
            names.push("built-in");
            names.into_iter().zip(times).collect()
        };
        report(&format!("plan, {COUNT} tenant_permissions"), &named(plan));
        report(
            &format!("plan -refresh=false, {COUNT} tenant_permissions"),
            &named(plan_cached),
        );
        report(
            &format!("plan, {COUNT} secops_reader_policy data sources"),
            &named(policies),
        );
        report(&format!("apply, {COUNT} tenant_permissions"), &named(apply));
    }
    Ok(())
}

//! `terraform apply` of `examples/quickstart` interrupted as Ctrl-C interrupts it (SIGINT to
//! Terraform's whole process group, the provider included) while one of its AWS calls is in flight:
//! the call reached moto, and its answer is held back by a `FaultProxy` until after the interrupt.
//! At each point, on every CLI (before 1.11, the example as written for those CLIs): the
//! interrupted apply fails and leaves state Terraform can read; the next apply completes without an
//! "inconsistent result"; the plan after it is empty; and a destroy leaves nothing in moto, so
//! nothing was orphaned. Then everything the apply made is deleted behind Terraform's back, and the
//! plan shows it as drift to create again, not an error.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use tinesaudit_e2e::quickstart::Quickstart;
use tinesaudit_testkit::{AwsFaults, FaultProxy, TerraformCli, Tools};

/// Where the apply is interrupted: the AWS operation whose answer is held back.
const POINTS: [(&str, &str); 3] = [
    ("mid key creation", "CreateSecret"),
    ("mid Lambda deploy", "CreateFunction"),
    ("mid schedule creation", "CreateSchedule"),
];

/// Longer than Terraform waits for the provider after an interrupt: the answer comes too late.
const HELD_FOR: Duration = Duration::from_secs(60);

/// Runs `terraform apply`, interrupts it once the held call reached moto, and returns its output.
async fn interrupted_apply(quickstart: &Quickstart, proxy: &FaultProxy) -> Result<String> {
    let mut apply = quickstart.terraform(&["apply", "-auto-approve", "-no-color"]);
    // Its own process group, as a shell gives a foreground job, so that the group can be signalled.
    apply
        .process_group(0)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    let mut child = apply.spawn()?;
    let group = child.id().context("terraform has no process id")?;
    // Read beside the wait, so that what Terraform said is there to show if it does not stop.
    let read = |pipe: Option<Box<dyn tokio::io::AsyncRead + Send + Unpin>>| {
        tokio::spawn(async move {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = tokio::io::AsyncReadExt::read_to_end(&mut pipe, &mut bytes).await;
            }
            bytes
        })
    };
    let stdout = read(child.stdout.take().map(|p| Box::new(p) as _));
    let stderr = read(child.stderr.take().map(|p| Box::new(p) as _));
    let started = Instant::now();
    let held_before = proxy.answers_held();
    while proxy.answers_held() == held_before {
        ensure!(
            started.elapsed() < Duration::from_secs(120),
            "the apply never made the call to interrupt"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // `--`: without it procps' kill takes `-PGID` for an option, signals nothing and exits 0.
    let sent = tokio::process::Command::new("kill")
        .args(["-INT", "--", &format!("-{group}")])
        .status()
        .await?;
    ensure!(sent.success(), "kill -INT -- -{group} failed");
    let status = tokio::time::timeout(Duration::from_secs(50), child.wait()).await;
    if status.is_err() {
        // The provider too, which would otherwise hold the pipes open.
        let _ = tokio::process::Command::new("kill")
            .args(["-KILL", "--", &format!("-{group}")])
            .status()
            .await;
    }
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&stdout.await?),
        String::from_utf8_lossy(&stderr.await?)
    );
    let Ok(status) = status else {
        bail!("terraform did not stop within 50 s of SIGINT; it said:\n{text}");
    };
    ensure!(
        !status?.success(),
        "the interrupted apply succeeded:\n{text}"
    );
    Ok(text)
}

/// Everything the quickstart makes in moto that outlives a destroy if orphaned.
async fn left_in_aws(quickstart: &Quickstart) -> Result<Vec<String>> {
    let config = quickstart.aws.sdk_config();
    let mut left = Vec::new();
    let secrets = aws_sdk_secretsmanager::Client::new(&config)
        .list_secrets()
        .send()
        .await?;
    left.extend(
        secrets
            .secret_list()
            .iter()
            .filter(|secret| secret.deleted_date().is_none())
            .map(|secret| format!("secret {}", secret.name().unwrap_or_default())),
    );
    let functions = aws_sdk_lambda::Client::new(&config)
        .list_functions()
        .send()
        .await?;
    left.extend(
        functions
            .functions()
            .iter()
            .map(|f| format!("function {}", f.function_name().unwrap_or_default())),
    );
    let schedules = aws_sdk_scheduler::Client::new(&config)
        .list_schedules()
        .send()
        .await?;
    left.extend(
        schedules
            .schedules()
            .iter()
            .map(|s| format!("schedule {}", s.name().unwrap_or_default())),
    );
    let roles = aws_sdk_iam::Client::new(&config)
        .list_roles()
        .send()
        .await?;
    left.extend(
        roles
            .roles()
            .iter()
            .map(|r| format!("role {}", r.role_name())),
    );
    Ok(left)
}

async fn interrupt_at(quickstart: &Quickstart, proxy: &FaultProxy, operation: &str) -> Result<()> {
    proxy.hold_answers(operation, 1, HELD_FOR);
    let interrupted = interrupted_apply(quickstart, proxy).await?;
    ensure!(
        interrupted.contains("Interrupt received"),
        "Terraform did not take the SIGINT as an interrupt:\n{interrupted}"
    );
    quickstart
        .run_terraform(&["show", "-json"])
        .await
        .context("the state after the interrupt is unreadable")?;

    let applied = quickstart.apply().await?;
    ensure!(
        !applied.contains("inconsistent"),
        "the apply after the interrupt:\n{applied}"
    );
    let (empty, plan) = quickstart.plan_is_empty().await?;
    ensure!(empty, "the plan after the converging apply:\n{plan}");

    let destroyed = quickstart.destroy().await?;
    ensure!(destroyed.contains("Destroy complete"), "{destroyed}");
    let left = left_in_aws(quickstart).await?;
    ensure!(
        left.is_empty(),
        "orphaned by the interrupted apply: {left:?}"
    );
    Ok(())
}

/// Deletes what the apply made in AWS as someone else would; the plan must propose to create it
/// again.
async fn deleted_behind_terraforms_back_is_drift(quickstart: &Quickstart) -> Result<()> {
    quickstart.apply().await?;
    let config = quickstart.aws.sdk_config();
    let scheduler = aws_sdk_scheduler::Client::new(&config);
    for schedule in scheduler.list_schedules().send().await?.schedules() {
        scheduler
            .delete_schedule()
            .name(schedule.name().unwrap_or_default())
            .send()
            .await?;
    }
    let lambda = aws_sdk_lambda::Client::new(&config);
    for function in lambda.list_functions().send().await?.functions() {
        lambda
            .delete_function()
            .function_name(function.function_name().unwrap_or_default())
            .send()
            .await?;
    }
    let secrets = aws_sdk_secretsmanager::Client::new(&config);
    for secret in secrets.list_secrets().send().await?.secret_list() {
        secrets
            .delete_secret()
            .secret_id(secret.arn().unwrap_or_default())
            .force_delete_without_recovery(true)
            .send()
            .await?;
    }
    let (empty, plan) = quickstart.plan_is_empty().await?;
    ensure!(!empty, "deleted objects left the plan empty:\n{plan}");
    for address in ["tinesaudit_api_key.pipeline", "tinesaudit_schedule.audit"] {
        ensure!(
            plan.contains(&format!("# {address} will be created")),
            "the plan does not create {address} again:\n{plan}"
        );
    }
    quickstart.apply().await?;
    let (empty, plan) = quickstart.plan_is_empty().await?;
    ensure!(empty, "the plan after repairing the drift:\n{plan}");
    quickstart.destroy().await?;
    Ok(())
}

async fn on(cli: TerraformCli) -> Result<()> {
    let mut quickstart = Quickstart::start_on(cli, 0, 0).await?;
    let proxy = FaultProxy::start_aws(quickstart.aws.endpoint_url(), AwsFaults::default()).await?;
    quickstart.route_terraform_aws_calls(proxy.endpoint_url());
    for (point, operation) in POINTS {
        interrupt_at(&quickstart, &proxy, operation)
            .await
            .with_context(|| format!("interrupted {point} ({operation})"))?;
    }
    deleted_behind_terraforms_back_is_drift(&quickstart)
        .await
        .context("deleted behind Terraform's back")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_apply_leaves_state_the_next_apply_converges_with_nothing_orphaned()
-> Result<()> {
    // Each CLI in a world of its own, all at once: they wait on Terraform and the emulators far
    // more than they compute, and one after another they were most of the suite's wall time.
    let mut runs = tokio::task::JoinSet::new();
    for cli in Tools::locate()?.terraform_clis()? {
        let version = cli.version.clone();
        runs.spawn(async move {
            on(cli)
                .await
                .with_context(|| format!("Terraform {version}"))
        });
    }
    while let Some(run) = runs.join_next().await {
        run??;
    }
    Ok(())
}

//! The installed tools work: every Terraform CLI runs and applies a config, SeaweedFS enforces
//! conditional writes and signatures, and moto answers S3 and its control API.

use std::fs;
use std::time::Instant;

use anyhow::{Context, Result, bail, ensure};
use aws_sdk_s3::Client;
use aws_sdk_s3::config::Credentials;
use aws_sdk_s3::primitives::ByteStream;
use tinesaudit_testkit::{AwsEmulator, S3Server, ScratchDir, TerraformCli, Tools};

#[test]
fn every_terraform_cli_reports_its_version() -> Result<()> {
    let clis = Tools::locate()?.terraform_clis()?;
    for cli in &clis {
        let out = cli.command("/dev/null").arg("version").output()?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        println!("{}:\n{stdout}", cli.path.display());
        ensure!(out.status.success(), "`terraform version` failed: {out:?}");
        let first_line = stdout.lines().next().unwrap_or_default();
        ensure!(
            first_line == format!("Terraform v{}", cli.version),
            "{} says {first_line:?} but `version -json` said {}",
            cli.path.display(),
            cli.version
        );
    }

    let versions: Vec<&str> = clis.iter().map(|cli| cli.version.as_str()).collect();
    ensure!(
        versions.contains(&"1.0.3"),
        "no Terraform 1.0.3 in {versions:?}"
    );
    ensure!(
        versions.iter().any(|v| v.starts_with("1.15.")),
        "no Terraform 1.15.x in {versions:?}"
    );
    Ok(())
}

#[test]
fn every_terraform_cli_applies_a_config_offline() -> Result<()> {
    for cli in Tools::locate()?.terraform_clis()? {
        init_and_apply(&cli).with_context(|| format!("Terraform {}", cli.version))?;
    }
    Ok(())
}

/// `terraform_data` (1.4+) is a builtin resource that needs no provider download; older CLIs get
/// an output-only config, which still runs init, apply and state handling.
fn init_and_apply(cli: &TerraformCli) -> Result<()> {
    let dir = ScratchDir::new("terraform-smoke")?;
    let config = if cli.at_least(1, 4) {
        "resource \"terraform_data\" \"smoke\" {\n  input = \"hello\"\n}\n\
         output \"echo\" {\n  value = terraform_data.smoke.output\n}\n"
    } else {
        "output \"echo\" {\n  value = \"hello\"\n}\n"
    };
    fs::write(dir.path().join("main.tf"), config)?;

    for args in [
        &["init", "-input=false", "-no-color"][..],
        &["apply", "-auto-approve", "-input=false", "-no-color"],
    ] {
        let out = cli
            .command("/dev/null")
            .args(args)
            .current_dir(dir.path())
            .output()?;
        ensure!(
            out.status.success(),
            "`terraform {}` failed:\n{}{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    let out = cli
        .command("/dev/null")
        .args(["output", "-json"])
        .current_dir(dir.path())
        .output()?;
    ensure!(
        out.status.success(),
        "`terraform output -json` failed: {out:?}"
    );
    let outputs: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    ensure!(
        outputs["echo"]["value"] == "hello",
        "unexpected outputs after apply: {outputs}"
    );
    Ok(())
}

#[tokio::test]
async fn seaweedfs_enforces_conditional_writes_and_signatures() -> Result<()> {
    let started = Instant::now();
    let server = S3Server::start()?;
    println!(
        "SeaweedFS ready at {} after {:?}",
        server.endpoint_url(),
        started.elapsed()
    );

    let client = server.client();
    create_only_once(&client).await?;

    let forger = Client::from_conf(
        client
            .config()
            .to_builder()
            .credentials_provider(Credentials::new(
                server.access_key(),
                "not-the-secret",
                None,
                None,
                "forger",
            ))
            .build(),
    );
    let err = forger
        .list_objects_v2()
        .bucket("smoke")
        .send()
        .await
        .err()
        .context("a request signed with the wrong secret was accepted")?;
    ensure!(
        status(&err) == Some(403),
        "wrong secret: expected 403, got {err:?}"
    );
    Ok(())
}

#[tokio::test]
async fn moto_serves_s3_and_runs_lambda_without_docker() -> Result<()> {
    let started = Instant::now();
    let aws = AwsEmulator::start()?;
    println!(
        "moto ready at {} after {:?}",
        aws.endpoint_url(),
        started.elapsed()
    );

    let client = Client::from_conf(
        aws_sdk_s3::config::Builder::from(&aws.sdk_config())
            .force_path_style(true)
            .build(),
    );
    create_only_once(&client).await?;

    let config: serde_json::Value = reqwest::get(format!("{}/moto-api/config", aws.endpoint_url()))
        .await?
        .error_for_status()?
        .json()
        .await?;
    ensure!(
        config["lambda"]["use_docker"] == false,
        "moto's Lambda still wants Docker: {config}"
    );
    Ok(())
}

/// The runner's exactly-once guarantee rests on this: a PUT with `If-None-Match: *` succeeds for
/// a new key and fails with 412 once the key exists, leaving the first body in place.
async fn create_only_once(client: &Client) -> Result<()> {
    client.create_bucket().bucket("smoke").send().await?;
    let put = |body: &'static str| {
        client
            .put_object()
            .bucket("smoke")
            .key("audit/0001.jsonl")
            .if_none_match("*")
            .body(ByteStream::from_static(body.as_bytes()))
            .send()
    };
    put("first")
        .await
        .context("the first conditional PUT failed")?;
    match put("second").await {
        Ok(_) => bail!("the second PUT with If-None-Match: * overwrote the object"),
        Err(err) => ensure!(
            status(&err) == Some(412),
            "second PUT: expected 412, got {err:?}"
        ),
    }

    let stored = client
        .get_object()
        .bucket("smoke")
        .key("audit/0001.jsonl")
        .send()
        .await?;
    let body = stored.body.collect().await?.into_bytes();
    ensure!(body.as_ref() == b"first", "the object holds {body:?}");
    Ok(())
}

fn status<E>(
    err: &aws_sdk_s3::error::SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
) -> Option<u16> {
    err.raw_response()
        .map(|response| response.status().as_u16())
}

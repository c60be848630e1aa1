use std::process::Command;

use anyhow::{Context, Result, bail};
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_s3::config::{Credentials, SharedCredentialsProvider};

use crate::Tools;
use crate::http;
use crate::process::{self, ScratchDir, ServerProcess};

/// moto accepts any credentials unless started with authentication on; these are just non-empty.
const ACCESS_KEY: &str = "testing";
const SECRET_KEY: &str = "testing";
const REGION: &str = "us-east-1";

/// The moto server on loopback: IAM, Lambda, EventBridge Scheduler, STS, S3 and more on one port,
/// account `123456789012`, state in memory. Lambda runs without Docker (invocations echo their
/// payload). Authentication is off, so any credentials are accepted. Stopped on drop.
#[derive(Debug)]
pub struct AwsEmulator {
    _process: ServerProcess,
    _scratch: ScratchDir,
    endpoint_url: String,
}

impl AwsEmulator {
    /// Starts moto and returns once `GET /moto-api/` answers 200 and Lambda is switched to its
    /// Docker-free backend (this machine has no Docker daemon).
    pub fn start() -> Result<AwsEmulator> {
        let moto = Tools::locate()?.venv_bin("moto_server")?;
        let scratch = ScratchDir::new("moto")?;

        let pick_port = || Ok(process::free_ports(1, false)?[0]);
        let command = |port: &u16| {
            let mut command = Command::new(&moto);
            command
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .current_dir(scratch.path());
            Ok(command)
        };
        let ready = |port: &u16| {
            http::request(*port, "GET", "/moto-api/", None).is_ok_and(|r| r.status == 200)
        };
        let (process, port) =
            process::start("moto_server", scratch.path(), pick_port, command, ready)?;

        // Only possible through this API in server mode, and it must happen before any function
        // is created: functions live in one backend or the other.
        let response = http::request(
            port,
            "POST",
            "/moto-api/config",
            Some(r#"{"lambda":{"use_docker":false}}"#),
        )
        .context("could not switch moto's Lambda to the Docker-free backend")?;
        if !(200..300).contains(&response.status) {
            bail!(
                "moto answered {} to switching Lambda to the Docker-free backend: {}",
                response.status,
                response.body
            );
        }

        Ok(AwsEmulator {
            _process: process,
            _scratch: scratch,
            endpoint_url: format!("http://127.0.0.1:{port}"),
        })
    }

    /// `http://127.0.0.1:PORT`, for every service.
    pub fn endpoint_url(&self) -> &str {
        &self.endpoint_url
    }

    pub fn region(&self) -> &str {
        REGION
    }

    pub fn access_key(&self) -> &str {
        ACCESS_KEY
    }

    pub fn secret_key(&self) -> &str {
        SECRET_KEY
    }

    /// What every SDK client for moto is built from (`aws_sdk_iam::Client::new(&aws.sdk_config())`).
    pub fn sdk_config(&self) -> SdkConfig {
        sdk_config(&self.endpoint_url, REGION, ACCESS_KEY, SECRET_KEY)
    }
}

/// The SDK configuration for a server of ours: its endpoint, region and credentials, and nothing else.
/// `aws_config::defaults` would also read the developer's profile and `AWS_*` variables.
pub(crate) fn sdk_config(
    endpoint_url: &str,
    region: &str,
    access_key: &str,
    secret_key: &str,
) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(endpoint_url)
        .region(Region::new(region.to_owned()))
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            access_key,
            secret_key,
            None,
            None,
            "tinesaudit-testkit",
        )))
        .build()
}

//! A provider with an empty schema, for measuring and testing the protocol layer as a real process.
//!
//! * launched by Terraform (or a test playing Terraform): serves, exactly as a real provider would;
//! * `--debug`: serves in debug mode and prints the `TF_REATTACH_PROVIDERS` line, until SIGINT/SIGTERM;
//! * `bench [RUNS]`: starts itself RUNS times the way Terraform does (magic cookie, AutoMTLS with a P-521
//!   client certificate) and reports the time from spawning the process to reading its handshake line.
//!   Measure a release build; see `tls.rs` for why `AWS_LC_SYS_NO_JITTER_ENTROPY=1` matters here.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use tfplugin_proto::handshake::{MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE};
use tfplugin_proto::wire::{
    Schema, apply_resource_change, configure_provider, get_provider_schema, import_resource_state,
    plan_resource_change, read_data_source, read_resource, schema, stop_provider,
    upgrade_resource_state, validate_data_resource_config, validate_provider_config,
    validate_resource_config,
};
use tfplugin_proto::{DebugOptions, ProviderServer, RpcResult, ServeOptions};

struct EmptyProvider;

impl ProviderServer for EmptyProvider {
    async fn get_provider_schema(
        &self,
        _: get_provider_schema::Request,
    ) -> RpcResult<get_provider_schema::Response> {
        Ok(get_provider_schema::Response {
            provider: Some(Schema {
                version: 0,
                block: Some(schema::Block::default()),
            }),
            ..Default::default()
        })
    }

    async fn validate_provider_config(
        &self,
        _: validate_provider_config::Request,
    ) -> RpcResult<validate_provider_config::Response> {
        Ok(Default::default())
    }

    async fn validate_resource_config(
        &self,
        _: validate_resource_config::Request,
    ) -> RpcResult<validate_resource_config::Response> {
        Ok(Default::default())
    }

    async fn validate_data_resource_config(
        &self,
        _: validate_data_resource_config::Request,
    ) -> RpcResult<validate_data_resource_config::Response> {
        Ok(Default::default())
    }

    async fn upgrade_resource_state(
        &self,
        _: upgrade_resource_state::Request,
    ) -> RpcResult<upgrade_resource_state::Response> {
        Ok(Default::default())
    }

    async fn configure_provider(
        &self,
        _: configure_provider::Request,
    ) -> RpcResult<configure_provider::Response> {
        Ok(Default::default())
    }

    async fn read_resource(&self, _: read_resource::Request) -> RpcResult<read_resource::Response> {
        Ok(Default::default())
    }

    async fn plan_resource_change(
        &self,
        _: plan_resource_change::Request,
    ) -> RpcResult<plan_resource_change::Response> {
        Ok(Default::default())
    }

    async fn apply_resource_change(
        &self,
        _: apply_resource_change::Request,
    ) -> RpcResult<apply_resource_change::Response> {
        Ok(Default::default())
    }

    async fn import_resource_state(
        &self,
        _: import_resource_state::Request,
    ) -> RpcResult<import_resource_state::Response> {
        Ok(Default::default())
    }

    async fn read_data_source(
        &self,
        _: read_data_source::Request,
    ) -> RpcResult<read_data_source::Response> {
        Ok(Default::default())
    }

    async fn stop_provider(&self, _: stop_provider::Request) -> RpcResult<stop_provider::Response> {
        Ok(Default::default())
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let _ = tfplugin_proto::logging::init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] => tfplugin_proto::serve(EmptyProvider, ServeOptions::from_env())
            .await
            .map_err(|e| e.to_string()),
        ["--debug"] => debug().await,
        ["bench"] => bench(50),
        ["bench", runs] => match runs.parse() {
            Ok(runs) if runs > 0 => bench(runs),
            _ => Err(format!("not a positive number of runs: {runs}")),
        },
        _ => Err("usage: minimal_provider [--debug | bench [RUNS]]".to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

async fn debug() -> Result<(), String> {
    let options = DebugOptions::new("registry.terraform.io/tinesaudit/minimal");
    let running = tfplugin_proto::serve_debug(EmptyProvider, options)
        .await
        .map_err(|e| e.to_string())?;
    running.stop_on_signal().await.map_err(|e| e.to_string())
}

fn bench(runs: usize) -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this binary: {e}"))?;
    let client_cert = terraform_like_client_cert()?;
    // Sockets of killed runs would otherwise pile up in the temp dir.
    let socket_dir = std::env::temp_dir().join(format!("tfplugin-bench-{}", std::process::id()));
    std::fs::create_dir_all(&socket_dir)
        .map_err(|e| format!("cannot create {}: {e}", socket_dir.display()))?;

    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        let mut child = Command::new(&exe)
            .env(MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE)
            .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
            .env("PLUGIN_MIN_PORT", "10000")
            .env("PLUGIN_MAX_PORT", "25000")
            .env("PLUGIN_CLIENT_CERT", &client_cert)
            .env("PLUGIN_UNIX_SOCKET_DIR", &socket_dir)
            .env_remove("TF_LOG")
            .env_remove("TF_LOG_PROVIDER")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
        let mut line = String::new();
        let read = child
            .stdout
            .take()
            .map(|out| BufReader::new(out).read_line(&mut line));
        let elapsed = started.elapsed();
        let _ = child.kill();
        let _ = child.wait();
        match read {
            Some(Ok(_)) if line.starts_with("1|6|unix|") => times.push(elapsed),
            _ => return Err(format!("no handshake line from the provider, got {line:?}")),
        }
    }
    let _ = std::fs::remove_dir_all(&socket_dir);

    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "process start to handshake line over {runs} runs: median {:.2} ms, min {:.2} ms, p90 {:.2} ms, max {:.2} ms",
        ms(times[runs / 2]),
        ms(times[0]),
        ms(times[(runs * 9 / 10).min(runs - 1)]),
        ms(times[runs - 1]),
    );
    Ok(())
}

/// A certificate shaped like the one Terraform passes: self-signed CA, ECDSA P-521, for `localhost`.
fn terraform_like_client_cert() -> Result<String, String> {
    use rcgen::{
        BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, KeyPair,
        KeyUsagePurpose,
    };
    let err = |e: rcgen::Error| format!("cannot create a client certificate: {e}");
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).map_err(err)?;
    let mut params = CertificateParams::new(vec!["localhost".to_owned()]).map_err(err)?;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyCertSign,
    ];
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ClientAuth,
        ExtendedKeyUsagePurpose::ServerAuth,
    ];
    let der = params.self_signed(&key).map_err(err)?.der().to_vec();
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect();
    Ok(format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        lines.join("\n")
    ))
}

//! The handshake as a real process, the way Terraform runs a provider: environment in, handshake line on
//! stdout, exit code out.

mod common;

use std::io::{BufRead as _, BufReader, Read as _};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{
    ClientAuth, ClientCert, TempDir, connect_unix, get_schema, parse_handshake, tls_config,
};
use tfplugin_proto::client::{Empty, GrpcControllerClient};
use tfplugin_proto::handshake::{MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE};

const PROVIDER: &str = env!("CARGO_BIN_EXE_minimal_provider");

fn provider_command(dir: &TempDir) -> Command {
    let mut command = Command::new(PROVIDER);
    command
        .env_clear()
        .env("PLUGIN_UNIX_SOCKET_DIR", &dir.0)
        .env("TF_LOG_PROVIDER", "TRACE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn first_line(child: &mut Child) -> String {
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    line
}

fn send_signal(child: &Child, signal: &str) {
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("kill -{signal} {}", child.id()))
        .status()
        .unwrap();
    assert!(status.success());
}

/// Waits for the process to exit, for at most `limit`.
fn exit_within(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    None
}

fn stderr_of(child: &mut Child) -> String {
    let mut stderr = String::new();
    child
        .stderr
        .as_mut()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    stderr
}

#[test]
fn run_by_hand_it_explains_itself_and_exits_1() {
    let dir = TempDir::new("by-hand");
    let output = provider_command(&dir).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    assert!(String::from_utf8_lossy(&output.stderr).contains("not meant to be run directly"));
    assert_eq!(dir.entries(), 0);
}

#[tokio::test]
async fn launched_like_terraform_it_handshakes_ignores_sigint_and_exits_on_shutdown() {
    let dir = TempDir::new("launched");
    let terraform = ClientCert::terraform_like();
    let mut child = provider_command(&dir)
        .env(MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
        .env("PLUGIN_MIN_PORT", "10000")
        .env("PLUGIN_MAX_PORT", "25000")
        .env("PLUGIN_CLIENT_CERT", &terraform.pem)
        .spawn()
        .unwrap();

    let handshake = parse_handshake(&first_line(&mut child));
    assert_eq!(handshake.network, "unix");
    assert!(handshake.address.starts_with(dir.0.to_str().unwrap()));
    let tls = tls_config(
        &handshake.server_cert_der.expect("AutoMTLS certificate"),
        ClientAuth::Cert(&terraform),
        false,
    );
    assert!(
        get_schema(&handshake.address, Some(tls.clone()))
            .await
            .is_ok()
    );

    // A terminal Ctrl-C reaches the provider too; Terraform handles it, the provider carries on.
    send_signal(&child, "INT");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        child.try_wait().unwrap().is_none(),
        "SIGINT ended the provider"
    );
    assert!(
        get_schema(&handshake.address, Some(tls.clone()))
            .await
            .is_ok()
    );

    let channel = connect_unix(&handshake.address, Some(tls)).await.unwrap();
    GrpcControllerClient::new(channel)
        .shutdown(Empty {})
        .await
        .expect("Shutdown is answered");
    let status = exit_within(&mut child, Duration::from_secs(2))
        .expect("exits before Terraform would kill it");
    assert!(status.success(), "{status:?}");
    assert_eq!(dir.entries(), 0, "the socket file is removed");

    let stderr = stderr_of(&mut child);
    let lines: Vec<serde_json::Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).expect(l))
        .collect();
    assert!(
        lines
            .iter()
            .all(|l| l["@module"] == "provider" && l["@timestamp"].is_string())
    );
    assert!(
        lines.iter().any(|l| l["tf_rpc"] == "GetProviderSchema"),
        "{stderr}"
    );
}

#[tokio::test]
async fn debug_mode_prints_the_reattach_value_and_stops_on_sigterm() {
    let dir = TempDir::new("debug-process");
    let mut child = provider_command(&dir).arg("--debug").spawn().unwrap();
    let line = first_line(&mut child);
    let json = line
        .trim_end()
        .strip_prefix("TF_REATTACH_PROVIDERS='")
        .and_then(|rest| rest.strip_suffix('\''))
        .unwrap_or_else(|| panic!("not a reattach line: {line:?}"));
    let reattach: serde_json::Value = serde_json::from_str(json).unwrap();
    let entry = &reattach["registry.terraform.io/tinesaudit/minimal"];
    assert_eq!(entry["Pid"], child.id());
    assert_eq!(entry["Test"], true);
    let socket = entry["Addr"]["String"].as_str().unwrap();

    let channel = connect_unix(socket, None).await.unwrap();
    GrpcControllerClient::new(channel)
        .shutdown(Empty {})
        .await
        .unwrap();
    assert!(
        get_schema(socket, None).await.is_ok(),
        "Shutdown does not end debug mode"
    );

    send_signal(&child, "TERM");
    let status = exit_within(&mut child, Duration::from_secs(2)).expect("stops on SIGTERM");
    assert!(status.success(), "{status:?}");
    assert_eq!(dir.entries(), 0, "the socket file is removed");
}

//! Serving in-process without TLS: the go-plugin services, Shutdown, message size limits, TCP, the magic
//! cookie, and debug mode.

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use common::{TempDir, TestProvider, connect_unix, get_schema, parse_handshake, terraform_env};
use futures_util::StreamExt as _;
use tfplugin_proto::client::{
    Empty, GrpcControllerClient, GrpcStdioClient, HealthCheckRequest, HealthClient, ProviderClient,
    health_check_response::ServingStatus,
};
use tfplugin_proto::serve::DEFAULT_MAX_MESSAGE_SIZE;
use tfplugin_proto::wire::{
    DynamicValue, configure_provider, get_functions, get_provider_schema, validate_resource_config,
};
use tfplugin_proto::{DebugOptions, Network, PluginAddr, ServeError, ServeOptions};
use tonic::Code;

fn plaintext_options(dir: &TempDir) -> ServeOptions {
    ServeOptions {
        env: terraform_env(None, &dir.0),
        network: Network::Unix,
        max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
    }
}

#[tokio::test]
async fn serves_the_go_plugin_services_and_exits_on_shutdown() {
    let dir = TempDir::new("serve");
    let running = tfplugin_proto::start(TestProvider::default(), plaintext_options(&dir))
        .await
        .unwrap();
    let handshake = parse_handshake(&running.handshake_line());
    assert_eq!(
        handshake.server_cert_der, None,
        "no certificate field in plaintext mode"
    );
    assert!(
        get_schema(&handshake.address, None)
            .await
            .unwrap()
            .provider
            .is_some()
    );

    let channel = connect_unix(&handshake.address, None).await.unwrap();

    let mut health = HealthClient::new(channel.clone());
    for service in ["plugin", ""] {
        let response = health
            .check(HealthCheckRequest {
                service: service.into(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(response.status, ServingStatus::Serving as i32);
    }
    let unknown = health
        .check(HealthCheckRequest {
            service: "nope".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Code::NotFound);

    // Terraform opens the stdio stream right after connecting; it stays open and silent.
    let mut stdio = GrpcStdioClient::new(channel.clone())
        .stream_stdio(())
        .await
        .unwrap()
        .into_inner();
    assert!(
        tokio::time::timeout(Duration::from_millis(200), stdio.next())
            .await
            .is_err()
    );

    let unimplemented = ProviderClient::new(channel.clone())
        .get_functions(get_functions::Request {})
        .await;
    assert_eq!(unimplemented.unwrap_err().code(), Code::Unimplemented);

    GrpcControllerClient::new(channel)
        .shutdown(Empty {})
        .await
        .expect("Shutdown is answered");
    tokio::time::timeout(Duration::from_secs(2), running.wait())
        .await
        .expect("serving ends well within Terraform's 2 s")
        .unwrap();
    assert!(
        stdio.next().await.is_none_or(|item| item.is_err()),
        "the stdio stream ends with the server"
    );
    assert_eq!(dir.entries(), 0, "the socket file is removed");
}

#[tokio::test]
async fn messages_beyond_tonics_default_4_mib_get_through() {
    let dir = TempDir::new("large");
    let provider = TestProvider {
        schema_description_bytes: 5 << 20,
        ..TestProvider::default()
    };
    let running = tfplugin_proto::start(provider, plaintext_options(&dir))
        .await
        .unwrap();
    let handshake = parse_handshake(&running.handshake_line());
    let channel = connect_unix(&handshake.address, None).await.unwrap();
    let mut client = ProviderClient::new(channel)
        .max_decoding_message_size(DEFAULT_MAX_MESSAGE_SIZE)
        .max_encoding_message_size(DEFAULT_MAX_MESSAGE_SIZE);

    let schema = client
        .get_provider_schema(get_provider_schema::Request {})
        .await
        .unwrap()
        .into_inner();
    let description = schema
        .provider
        .and_then(|s| s.block)
        .map(|b| b.description.len());
    assert_eq!(description, Some(5 << 20));

    let config = DynamicValue {
        msgpack: vec![0xc0; 6 << 20],
        json: Vec::new(),
    };
    let request = validate_resource_config::Request {
        config: Some(config),
        ..Default::default()
    };
    let response = client
        .validate_resource_config(request)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(response.diagnostics[0].summary, (6 << 20).to_string());
    running.stop().await.unwrap();
}

#[tokio::test]
async fn tcp_listens_on_localhost_within_the_port_range() {
    let dir = TempDir::new("tcp");
    let options = ServeOptions {
        network: Network::Tcp,
        ..plaintext_options(&dir)
    };
    let running = tfplugin_proto::start(TestProvider::default(), options)
        .await
        .unwrap();
    let handshake = parse_handshake(&running.handshake_line());
    assert_eq!(handshake.network, "tcp");
    let PluginAddr::Tcp(addr) = running.addr().clone() else {
        panic!("not tcp")
    };
    assert_eq!(handshake.address, addr.to_string());
    assert!(addr.ip().is_loopback());
    assert!((10000..=25000).contains(&addr.port()));

    let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let schema = ProviderClient::new(channel)
        .get_provider_schema(get_provider_schema::Request {})
        .await
        .unwrap();
    assert!(schema.into_inner().provider.is_some());
    running.stop().await.unwrap();
}

#[tokio::test]
async fn refuses_to_run_without_the_magic_cookie() {
    let dir = TempDir::new("cookie");
    let mut options = plaintext_options(&dir);
    options.env.magic_cookie = None;
    let err = tfplugin_proto::start(TestProvider::default(), options)
        .await
        .err()
        .expect("refused");
    assert!(matches!(err, ServeError::NotLaunchedByTerraform));
    assert!(
        err.to_string().contains("not meant to be run directly"),
        "{err}"
    );
    assert_eq!(dir.entries(), 0, "nothing was bound");
}

#[tokio::test]
async fn debug_mode_survives_many_clients_and_shutdown_requests() {
    let dir = TempDir::new("debug");
    let provider = TestProvider::default();
    let configured = Arc::clone(&provider.configured);
    let mut options = DebugOptions::new("registry.terraform.io/tinesaudit/tinesaudit");
    options.unix_socket_dir = Some(dir.0.clone());
    options.print_reattach = false;
    let running = tfplugin_proto::serve_debug(provider, options)
        .await
        .unwrap();

    let reattach: serde_json::Value =
        serde_json::from_str(&running.reattach_json("registry.terraform.io/tinesaudit/tinesaudit"))
            .unwrap();
    let entry = &reattach["registry.terraform.io/tinesaudit/tinesaudit"];
    assert_eq!(entry["Protocol"], "grpc");
    assert_eq!(entry["ProtocolVersion"], 6);
    assert_eq!(entry["Test"], true);
    assert_eq!(entry["Pid"], std::process::id());
    assert_eq!(entry["Addr"]["Network"], "unix");
    let socket = entry["Addr"]["String"].as_str().unwrap().to_owned();
    assert_eq!(running.addr(), &PluginAddr::Unix(socket.clone().into()));

    // Each Terraform command connects anew, configures the provider and may send Shutdown.
    for _ in 0..3 {
        let channel = connect_unix(&socket, None).await.unwrap();
        let mut client = ProviderClient::new(channel.clone());
        client
            .get_provider_schema(get_provider_schema::Request {})
            .await
            .unwrap();
        client
            .configure_provider(configure_provider::Request::default())
            .await
            .unwrap();
        GrpcControllerClient::new(channel)
            .shutdown(Empty {})
            .await
            .unwrap();
    }
    assert_eq!(configured.load(Ordering::SeqCst), 3);
    assert!(
        get_schema(&socket, None).await.is_ok(),
        "still serving after Shutdown requests"
    );

    running.stop().await.unwrap();
    assert_eq!(dir.entries(), 0, "the socket file is removed when stopped");
}

//! AutoMTLS against a provider served in-process: only Terraform's own certificate, with its key, gets in.

mod common;

use common::{
    ClientAuth, ClientCert, TempDir, TestProvider, get_schema, parse_handshake, terraform_env,
    tls_config,
};
use tfplugin_proto::{Network, PluginAddr, ServeOptions, serve::DEFAULT_MAX_MESSAGE_SIZE};

fn options(client_cert: &ClientCert, dir: &TempDir) -> ServeOptions {
    ServeOptions {
        env: terraform_env(Some(client_cert), &dir.0),
        network: Network::Unix,
        max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
    }
}

#[tokio::test]
async fn only_the_pinned_client_certificate_is_admitted() {
    let dir = TempDir::new("mtls");
    let terraform = ClientCert::terraform_like();
    let running = tfplugin_proto::start(TestProvider::default(), options(&terraform, &dir))
        .await
        .unwrap();

    let handshake = parse_handshake(&running.handshake_line());
    assert_eq!(handshake.network, "unix");
    assert_eq!(
        running.addr(),
        &PluginAddr::Unix(handshake.address.clone().into())
    );
    let server_cert = handshake
        .server_cert_der
        .expect("a certificate in the handshake line under AutoMTLS");
    assert_eq!(
        Some(server_cert.as_slice()),
        running.server_certificate_der()
    );
    let socket = handshake.address.as_str();

    let schema = get_schema(
        socket,
        Some(tls_config(
            &server_cert,
            ClientAuth::Cert(&terraform),
            false,
        )),
    )
    .await;
    let schema = schema.expect("Terraform's certificate is admitted");
    assert!(schema.provider.is_some());

    let stranger = ClientCert::terraform_like();
    let refused = get_schema(
        socket,
        Some(tls_config(&server_cert, ClientAuth::Cert(&stranger), false)),
    )
    .await;
    assert!(
        refused.is_err(),
        "a different client certificate was admitted"
    );

    let refused = get_schema(
        socket,
        Some(tls_config(&server_cert, ClientAuth::None, false)),
    )
    .await;
    assert!(
        refused.is_err(),
        "a client without a certificate was admitted"
    );

    let refused = get_schema(
        socket,
        Some(tls_config(
            &server_cert,
            ClientAuth::StolenCert(&terraform),
            false,
        )),
    )
    .await;
    assert!(
        refused.is_err(),
        "Terraform's certificate without its key was admitted"
    );

    let refused = get_schema(socket, None).await;
    assert!(refused.is_err(), "a plaintext client was admitted");

    // Refusals leave the server serving, over TLS 1.2 as well.
    let tls12 = get_schema(
        socket,
        Some(tls_config(&server_cert, ClientAuth::Cert(&terraform), true)),
    )
    .await;
    assert!(
        tls12.is_ok(),
        "TLS 1.2 with Terraform's certificate: {tls12:?}"
    );
    let tls12_stolen = get_schema(
        socket,
        Some(tls_config(
            &server_cert,
            ClientAuth::StolenCert(&terraform),
            true,
        )),
    )
    .await;
    assert!(
        tls12_stolen.is_err(),
        "TLS 1.2 with Terraform's certificate without its key was admitted"
    );

    running.stop().await.unwrap();
    assert_eq!(dir.entries(), 0, "the socket file is removed on exit");
}

#[tokio::test]
async fn unusable_client_certificate_fails_closed() {
    let dir = TempDir::new("mtls-bad");
    let mut opts = options(&ClientCert::terraform_like(), &dir);
    opts.env.client_cert_pem =
        Some("-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n".into());
    let err = tfplugin_proto::start(TestProvider::default(), opts)
        .await
        .err()
        .expect("a bad PEM is refused");
    assert!(err.to_string().contains("PLUGIN_CLIENT_CERT"), "{err}");
    assert_eq!(dir.entries(), 0);
}

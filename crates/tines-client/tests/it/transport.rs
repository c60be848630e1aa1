//! A request that never got an answer says where it went and why: DNS, refused, timed out,
//! TLS.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tines_client::{Client, Config, Error, RateLimits, RetryPolicy};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use crate::harness::{Harness, OWNER_KEY, fast_retry};

/// One attempt with a short timeout, so that each failure shows once and quickly.
async fn one_try(url: &str) -> Error {
    let config = Config::new(url, OWNER_KEY)
        .request_timeout(Duration::from_millis(500))
        .retry(RetryPolicy {
            max_attempts: 1,
            ..fast_retry()
        })
        .rate_limits(RateLimits::unlimited());
    let error = Client::new(config).unwrap().info().await.unwrap_err();
    assert!(error.is_transport(), "{error}");
    assert!(!error.to_string().contains(OWNER_KEY), "{error}");
    error
}

/// A loopback port with nothing listening on it.
async fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

/// Accepts connections and completes TLS handshakes where the client lets it, with a
/// certificate no one trusts. The handle keeps it serving.
async fn untrusted_tls_server() -> (u16, tokio::task::JoinHandle<()>) {
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let key = rustls::pki_types::PrivatePkcs8KeyDer::from(certified.signing_key.serialize_der());
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![certified.cert.der().clone()], key.into())
    .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let serving = tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move { acceptor.accept(socket).await.ok() });
        }
    });
    (port, serving)
}

#[tokio::test]
async fn a_refused_connection_names_the_address_and_says_refused() {
    let port = closed_port().await;
    let error = one_try(&format!("http://127.0.0.1:{port}")).await;
    assert!(
        error.to_string().contains(&format!(
            "could not connect to 127.0.0.1:{port}: connection refused"
        )),
        "{error}"
    );
}

#[tokio::test]
async fn an_unknown_host_is_a_dns_failure() {
    // `.invalid` never resolves (RFC 6761).
    let error = one_try("https://tinesaudit-test.invalid").await;
    assert!(
        error
            .to_string()
            .contains("could not connect to tinesaudit-test.invalid:443: DNS lookup failed"),
        "{error}"
    );
}

#[tokio::test]
async fn a_certificate_or_a_server_without_tls_is_a_tls_failure() {
    let (port, _serving) = untrusted_tls_server().await;
    let error = one_try(&format!("https://127.0.0.1:{port}")).await;
    assert!(
        error.to_string().contains(&format!(
            "could not connect to 127.0.0.1:{port}: TLS handshake failed: invalid peer certificate"
        )),
        "{error}"
    );

    let h = Harness::start().await;
    let plain = h.sim.base_url().replace("http://", "https://");
    let error = one_try(&plain).await;
    assert!(
        error.to_string().contains("TLS handshake failed"),
        "{error}"
    );
}

#[tokio::test]
async fn a_silent_server_times_out_naming_the_address() {
    let h = Harness::start().await;
    h.faults(json!([{"kind": "stall", "millis": 5_000}])).await;
    let url = h.sim.base_url().to_owned();
    let address = url.trim_start_matches("http://").trim_end_matches('/');
    let error = one_try(&url).await;
    assert!(error.is_timeout(), "{error}");
    assert!(
        error
            .to_string()
            .contains(&format!("timed out waiting for {address} to answer")),
        "{error}"
    );
}

//! A static HTTPS file server on loopback with a certificate authority made for it: enough for
//! Terraform's provider network mirror protocol and its provider registry protocol, both of
//! which are plain GETs of JSON documents and files, over HTTPS only.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use anyhow::{Context, Result};
use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair, KeyUsagePurpose, SanType,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::sync::oneshot;

use crate::ScratchDir;

/// Serves the files under a folder at `https://localhost:PORT/`, until dropped.
///
/// Its certificate is signed by a CA generated at start, whose PEM file [`StaticHttps::ca_file`]
/// names: Go programs such as Terraform trust it when `SSL_CERT_FILE` names that file. The
/// certificate is valid for `localhost` and `127.0.0.1`.
pub struct StaticHttps {
    addr: SocketAddr,
    ca: ScratchDir,
    requests: Arc<Mutex<Vec<String>>>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl StaticHttps {
    /// Starts serving `root` (read at each request, so files may be added later).
    pub fn serve(root: impl Into<PathBuf>) -> Result<StaticHttps> {
        let root = root.into();
        let (tls, ca_pem) = tls_config().context("making the test server's certificates")?;
        let ca = ScratchDir::new("https-ca")?;
        std::fs::write(ca.path().join("ca.pem"), ca_pem)?;

        // Bound here, served on a thread of its own with its own runtime: `serve` may be called from
        // synchronous tests and from inside a Tokio runtime alike.
        let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (stop, stopped) = oneshot::channel();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));
        let log = requests.clone();
        let thread = std::thread::spawn(move || {
            runtime.block_on(async move {
                let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                    return;
                };
                tokio::select! {
                    _ = stopped => {}
                    () = accept(listener, acceptor, root, log) => {}
                }
            });
        });
        Ok(StaticHttps {
            addr,
            ca,
            requests,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// `https://localhost:PORT`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("https://{}", self.host())
    }

    /// `localhost:PORT`, as a Terraform provider source address's hostname.
    pub fn host(&self) -> String {
        format!("localhost:{}", self.addr.port())
    }

    /// The PEM file of the CA that signed the server's certificate.
    pub fn ca_file(&self) -> PathBuf {
        self.ca.path().join("ca.pem")
    }

    /// Every request so far as `STATUS PATH`, in order.
    pub fn requests(&self) -> Vec<String> {
        self.requests
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}

impl Drop for StaticHttps {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn accept(
    listener: tokio::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    root: PathBuf,
    log: Arc<Mutex<Vec<String>>>,
) {
    let root = Arc::new(root);
    while let Ok((stream, _)) = listener.accept().await {
        let (acceptor, root, log) = (acceptor.clone(), root.clone(), log.clone());
        tokio::spawn(async move {
            let Ok(stream) = acceptor.accept(stream).await else {
                return;
            };
            let service = service_fn(move |request: Request<hyper::body::Incoming>| {
                let answer = answer(&root, request.uri().path());
                log.lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .push(format!(
                        "{} {}",
                        answer.status().as_u16(),
                        request.uri().path()
                    ));
                async move { Ok::<_, std::convert::Infallible>(answer) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// The file at `path` under `root`, or 404; a path leaving `root` is never served.
fn answer(root: &Path, path: &str) -> Response<Full<Bytes>> {
    let relative = Path::new(path.trim_start_matches('/'));
    let inside = relative
        .components()
        .all(|part| matches!(part, Component::Normal(_)));
    let file = root.join(relative);
    match std::fs::read(&file) {
        Ok(bytes) if inside && file.is_file() => {
            let kind = match file.extension().and_then(|ext| ext.to_str()) {
                Some("zip" | "sig") => "application/octet-stream",
                Some("asc") => "text/plain",
                _ if path.ends_with("SHA256SUMS") => "text/plain",
                _ => "application/json",
            };
            let mut response = Response::new(Full::new(Bytes::from(bytes)));
            response.headers_mut().insert(
                hyper::header::CONTENT_TYPE,
                hyper::header::HeaderValue::from_static(kind),
            );
            response
        }
        _ => {
            let mut response = Response::new(Full::new(Bytes::from_static(b"not found\n")));
            *response.status_mut() = StatusCode::NOT_FOUND;
            response
        }
    }
}

/// A server config whose certificate a new CA signed, and that CA's PEM.
fn tls_config() -> Result<(rustls::ServerConfig, String)> {
    let mut ca_params = CertificateParams::new(Vec::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "tinesaudit test CA");
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate()?)?;

    let mut params = CertificateParams::new(Vec::new())?;
    params.subject_alt_names = vec![
        SanType::DnsName("localhost".try_into()?),
        SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)),
    ];
    let key = KeyPair::generate()?;
    let cert = params.signed_by(&key, &ca)?;

    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone(), CertificateDer::from(ca.der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok((config, ca.pem()))
}

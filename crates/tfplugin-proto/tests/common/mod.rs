//! Playing Terraform's part: certificates like the ones Terraform makes, gRPC channels over the provider's unix
//! socket with and without TLS, and a trivial provider to serve.

#![allow(dead_code)] // each test file uses a different part of this module

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use hyper_util::rt::TokioIo;
use rcgen::{
    BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose,
};
use rustls::client::ResolvesClientCert;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use rustls::sign::CertifiedKey;
use rustls::{ClientConfig, RootCertStore, SignatureScheme};
use tfplugin_proto::client::ProviderClient;
use tfplugin_proto::handshake::MAGIC_COOKIE_VALUE;
use tfplugin_proto::wire::{
    Schema, apply_resource_change, configure_provider, get_provider_schema, import_resource_state,
    plan_resource_change, read_data_source, read_resource, schema, stop_provider,
    upgrade_resource_state, validate_data_resource_config, validate_provider_config,
    validate_resource_config,
};
use tfplugin_proto::{PluginEnv, ProviderServer, RpcResult};
use tokio::net::UnixStream;
use tonic::transport::{Channel, Endpoint, Uri};

/// A client certificate shaped like Terraform's: self-signed CA, ECDSA P-521, `localhost`.
pub struct ClientCert {
    pub der: CertificateDer<'static>,
    pub pem: String,
    pub key: PrivateKeyDer<'static>,
}

impl ClientCert {
    pub fn terraform_like() -> ClientCert {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).unwrap();
        let mut params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "localhost");
        params
            .distinguished_name
            .push(rcgen::DnType::OrganizationName, "HashiCorp");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
            KeyUsagePurpose::KeyAgreement,
            KeyUsagePurpose::KeyCertSign,
        ];
        params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ClientAuth,
            ExtendedKeyUsagePurpose::ServerAuth,
        ];
        let cert = params.self_signed(&key).unwrap();
        ClientCert {
            der: cert.der().clone(),
            pem: cert.pem(),
            key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        }
    }
}

/// The environment Terraform gives a provider, with AutoMTLS when `client_cert` is set.
pub fn terraform_env(client_cert: Option<&ClientCert>, socket_dir: &Path) -> PluginEnv {
    PluginEnv {
        magic_cookie: Some(MAGIC_COOKIE_VALUE.to_owned()),
        protocol_versions: Some("5,6".to_owned()),
        client_cert_pem: client_cert.map(|c| c.pem.clone()),
        unix_socket_dir: Some(socket_dir.to_owned()),
        min_port: Some(10000),
        max_port: Some(25000),
    }
}

/// A fresh directory for sockets, removed with everything in it when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!(
            "tfplugin-{name}-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    pub fn entries(&self) -> usize {
        std::fs::read_dir(&self.0).unwrap().count()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The parts of a handshake line, checked for the shape Terraform requires.
pub struct Handshake {
    pub network: String,
    pub address: String,
    pub server_cert_der: Option<Vec<u8>>,
}

pub fn parse_handshake(line: &str) -> Handshake {
    use base64::Engine as _;
    let fields: Vec<&str> = line.trim_end_matches('\n').split('|').collect();
    assert_eq!(fields.len(), 6, "handshake line {line:?}");
    assert_eq!(&fields[..2], ["1", "6"]);
    assert_eq!(fields[4], "grpc");
    let server_cert_der = (!fields[5].is_empty()).then(|| {
        base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(fields[5])
            .expect("unpadded standard base64")
    });
    Handshake {
        network: fields[2].to_owned(),
        address: fields[3].to_owned(),
        server_cert_der,
    }
}

/// How a test client authenticates.
pub enum ClientAuth<'a> {
    None,
    Cert(&'a ClientCert),
    /// Presents `cert` but signs the handshake with a different key, as someone who copied the
    /// certificate (it is in the environment of the provider process) but not Terraform's key would.
    StolenCert(&'a ClientCert),
}

pub fn tls_config(
    server_cert_der: &[u8],
    auth: ClientAuth<'_>,
    tls12_only: bool,
) -> Arc<ClientConfig> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from(server_cert_der.to_vec()))
        .unwrap();
    let versions: &[&rustls::SupportedProtocolVersion] = if tls12_only {
        &[&rustls::version::TLS12]
    } else {
        &[&rustls::version::TLS13, &rustls::version::TLS12]
    };
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_protocol_versions(versions)
        .unwrap()
        .with_root_certificates(roots);
    let mut config = match auth {
        ClientAuth::None => builder.with_no_client_auth(),
        ClientAuth::Cert(cert) => builder
            .with_client_auth_cert(vec![cert.der.clone()], cert.key.clone_key())
            .unwrap(),
        ClientAuth::StolenCert(cert) => {
            let impostor = ClientCert::terraform_like();
            let key = rustls::crypto::aws_lc_rs::sign::any_supported_type(&impostor.key).unwrap();
            let certified = CertifiedKey::new(vec![cert.der.clone()], key);
            builder.with_client_cert_resolver(Arc::new(Fixed(Arc::new(certified))))
        }
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    Arc::new(config)
}

/// Always offers the same certificate and key, whether or not they belong together.
#[derive(Debug)]
struct Fixed(Arc<CertifiedKey>);

impl ResolvesClientCert for Fixed {
    fn resolve(&self, _hints: &[&[u8]], _schemes: &[SignatureScheme]) -> Option<Arc<CertifiedKey>> {
        Some(Arc::clone(&self.0))
    }

    fn has_certs(&self) -> bool {
        true
    }
}

fn endpoint() -> Endpoint {
    Endpoint::from_static("http://localhost").connect_timeout(Duration::from_secs(5))
}

/// A channel over the unix socket at `path`, plaintext or TLS.
pub async fn connect_unix(
    path: &str,
    tls: Option<Arc<ClientConfig>>,
) -> Result<Channel, tonic::transport::Error> {
    let path = PathBuf::from(path);
    match tls {
        None => {
            endpoint()
                .connect_with_connector(tower::service_fn(move |_: Uri| {
                    let path = path.clone();
                    async move { UnixStream::connect(path).await.map(TokioIo::new) }
                }))
                .await
        }
        Some(config) => {
            endpoint()
                .connect_with_connector(tower::service_fn(move |_: Uri| {
                    let path = path.clone();
                    let connector = tokio_rustls::TlsConnector::from(Arc::clone(&config));
                    async move {
                        let stream = UnixStream::connect(path).await?;
                        let name = ServerName::try_from("localhost").expect("valid name");
                        connector.connect(name, stream).await.map(TokioIo::new)
                    }
                }))
                .await
        }
    }
}

/// Connects and calls GetProviderSchema, folding every failure into a message.
pub async fn get_schema(
    path: &str,
    tls: Option<Arc<ClientConfig>>,
) -> Result<get_provider_schema::Response, String> {
    let attempt = async {
        let channel = connect_unix(path, tls)
            .await
            .map_err(|e| format!("connect: {e:?}"))?;
        ProviderClient::new(channel)
            .get_provider_schema(get_provider_schema::Request {})
            .await
            .map(tonic::Response::into_inner)
            .map_err(|s| format!("call: {s:?}"))
    };
    tokio::time::timeout(Duration::from_secs(10), attempt)
        .await
        .unwrap_or_else(|_| Err("timed out".to_owned()))
}

/// A provider with an empty schema that counts ConfigureProvider calls and can be told to answer with a
/// schema of a given size.
#[derive(Default)]
pub struct TestProvider {
    pub configured: Arc<AtomicUsize>,
    pub schema_description_bytes: usize,
}

impl ProviderServer for TestProvider {
    async fn get_provider_schema(
        &self,
        _: get_provider_schema::Request,
    ) -> RpcResult<get_provider_schema::Response> {
        let block = schema::Block {
            description: "x".repeat(self.schema_description_bytes),
            ..Default::default()
        };
        Ok(get_provider_schema::Response {
            provider: Some(Schema {
                version: 0,
                block: Some(block),
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
        request: validate_resource_config::Request,
    ) -> RpcResult<validate_resource_config::Response> {
        // Echo the config size back so a test can tell a large request arrived whole.
        let size = request.config.map_or(0, |c| c.msgpack.len());
        let diagnostic = tfplugin_proto::wire::Diagnostic {
            summary: size.to_string(),
            ..Default::default()
        };
        Ok(validate_resource_config::Response {
            diagnostics: vec![diagnostic],
        })
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
        self.configured.fetch_add(1, Ordering::SeqCst);
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

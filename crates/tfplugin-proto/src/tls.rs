//! AutoMTLS: the TLS side of go-plugin's handshake, with real client authentication.
//!
//! Terraform passes its own freshly generated certificate in `PLUGIN_CLIENT_CERT` and learns ours from the
//! handshake line. Only a connection presenting exactly Terraform's certificate, and proving it holds the key,
//! may talk to the provider. Three details make that work where stock setups fail:
//!
//! * Terraform's key is ECDSA P-521. rustls' ring provider cannot verify P-521 signatures, so Go's TLS client
//!   finds no acceptable scheme and sends no certificate at all. The aws-lc-rs provider can.
//! * Terraform's certificate is a self-signed CA certificate, which webpki refuses as an end entity. Pinning the
//!   exact DER is both stricter and what go-plugin's own server effectively does (a pool of one).
//! * grpc-go ≥ 1.67, in current Terraform releases, refuses TLS connections without a negotiated ALPN
//!   protocol: we offer `h2` (Terraform 1.0.3's grpc-go did not check).
//!
//! Startup cost: the first random bytes a process asks aws-lc for (here, for the server key) seed its RNG,
//! by default partly from CPU jitter, which takes some 40–60 ms. Building with
//! `AWS_LC_SYS_NO_JITTER_ENTROPY=1` leaves the operating system's RNG as the source (as Go's crypto/rand and
//! ring use) and brings the time to the handshake line down to a few milliseconds.

use std::fmt;
use std::sync::Arc;

use rcgen::{
    CertificateParams, DnType, ExtendedKeyUsagePurpose, KeyPair, KeyUsagePurpose,
    PKCS_ECDSA_P256_SHA256,
};
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{
    CertificateError, DigitallySignedStruct, DistinguishedName, ServerConfig, SignatureScheme,
};
use tokio_rustls::TlsAcceptor;

use crate::serve::ServeError;

/// go-plugin's own certificates are valid from 30 s ago (clock skew) for about 30 years; ours match so that
/// a long-running provider process never outlives its certificate.
const NOT_BEFORE_SKEW: time::Duration = time::Duration::seconds(30);
const VALIDITY: time::Duration = time::Duration::hours(262_980);

/// A TLS acceptor that only admits Terraform, and the server certificate to announce in the handshake line.
pub(crate) struct AutoMtls {
    pub(crate) acceptor: TlsAcceptor,
    pub(crate) server_cert_der: CertificateDer<'static>,
}

impl AutoMtls {
    /// Sets up TLS for the client certificate(s) in `client_cert_pem`, the value of `PLUGIN_CLIENT_CERT`.
    pub(crate) fn new(client_cert_pem: &str) -> Result<AutoMtls, ServeError> {
        let pinned = CertificateDer::pem_slice_iter(client_cert_pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ServeError::ClientCertificate(format!("not valid PEM: {e}")))?;
        if pinned.is_empty() {
            return Err(ServeError::ClientCertificate(
                "no certificate in the PEM text".to_owned(),
            ));
        }

        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let (server_cert_der, server_key) = server_certificate()?;
        let verifier = PinnedClientCert {
            pinned,
            algorithms: provider.signature_verification_algorithms,
        };
        let mut config = ServerConfig::builder_with_provider(Arc::clone(&provider))
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .map_err(tls_error)?
            .with_client_cert_verifier(Arc::new(verifier))
            .with_single_cert(vec![server_cert_der.clone()], server_key)
            .map_err(tls_error)?;
        config.alpn_protocols = vec![b"h2".to_vec()];
        Ok(AutoMtls {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            server_cert_der,
        })
    }
}

fn tls_error(e: rustls::Error) -> ServeError {
    ServeError::Tls(e.to_string())
}

/// A fresh self-signed P-256 certificate for `localhost`, the name Terraform verifies.
fn server_certificate() -> Result<(CertificateDer<'static>, PrivateKeyDer<'static>), ServeError> {
    let rcgen_error =
        |e: rcgen::Error| ServeError::Tls(format!("cannot create the server certificate: {e}"));
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(rcgen_error)?;
    let mut params = CertificateParams::new(vec!["localhost".to_owned()]).map_err(rcgen_error)?;
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - NOT_BEFORE_SKEW;
    params.not_after = now + VALIDITY;
    let cert = params.self_signed(&key).map_err(rcgen_error)?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    Ok((cert.der().clone(), key))
}

/// Requires a client certificate, accepts only the pinned one(s), and checks the handshake signature with the
/// crypto provider's algorithms, so presenting the certificate without its key gets nowhere.
struct PinnedClientCert {
    pinned: Vec<CertificateDer<'static>>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl fmt::Debug for PinnedClientCert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PinnedClientCert")
            .field("pinned", &self.pinned.len())
            .finish_non_exhaustive()
    }
}

impl ClientCertVerifier for PinnedClientCert {
    fn client_auth_mandatory(&self) -> bool {
        true
    }

    /// No hints: Go's client then offers its only certificate, whatever its issuer (verified with
    /// Terraform 1.0.3 and 1.15.5).
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if self
            .pinned
            .iter()
            .any(|pinned| pinned.as_ref() == end_entity.as_ref())
        {
            Ok(ClientCertVerified::assertion())
        } else {
            tracing::warn!("refused a TLS client presenting a certificate other than Terraform's");
            Err(rustls::Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_provider_verifies_terraforms_p521_signatures() {
        let schemes = rustls::crypto::aws_lc_rs::default_provider()
            .signature_verification_algorithms
            .supported_schemes();
        assert!(
            schemes.contains(&SignatureScheme::ECDSA_NISTP521_SHA512),
            "{schemes:?}"
        );
    }

    #[test]
    fn bad_client_certificate_text_is_an_error() {
        assert!(matches!(
            AutoMtls::new("garbage"),
            Err(ServeError::ClientCertificate(_))
        ));
        let truncated = "-----BEGIN CERTIFICATE-----\nMIIB\n";
        assert!(matches!(
            AutoMtls::new(truncated),
            Err(ServeError::ClientCertificate(_))
        ));
    }
}

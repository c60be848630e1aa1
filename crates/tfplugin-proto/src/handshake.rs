//! The go-plugin handshake as Terraform (the go-plugin client) expects it: what Terraform puts in the
//! environment, the line the provider prints on stdout, and the `TF_REATTACH_PROVIDERS` value of debug mode.

use std::path::PathBuf;

use base64::Engine as _;

use crate::listener::PluginAddr;

/// The environment variable that proves Terraform started us, and its fixed value for Terraform providers.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

/// go-plugin's own protocol version, the first field of the handshake line.
const CORE_PROTOCOL_VERSION: u32 = 1;

/// The Terraform plugin protocol this crate speaks.
pub const PROTOCOL_VERSION: u32 = 6;

/// What Terraform tells a provider process through its environment.
#[derive(Clone, Debug, Default)]
pub struct PluginEnv {
    /// `TF_PLUGIN_MAGIC_COOKIE`.
    pub magic_cookie: Option<String>,
    /// `PLUGIN_PROTOCOL_VERSIONS`, e.g. `5,6`.
    pub protocol_versions: Option<String>,
    /// `PLUGIN_CLIENT_CERT`: Terraform's certificate in PEM when AutoMTLS is on (unless the user set
    /// `TF_DISABLE_PLUGIN_TLS`).
    pub client_cert_pem: Option<String>,
    /// `PLUGIN_UNIX_SOCKET_DIR`, where to create the socket instead of the temp dir.
    pub unix_socket_dir: Option<PathBuf>,
    /// `PLUGIN_MIN_PORT` and `PLUGIN_MAX_PORT`, the range for TCP listening.
    pub min_port: Option<u16>,
    pub max_port: Option<u16>,
}

impl PluginEnv {
    /// Reads the variables from this process's environment.
    pub fn from_process() -> PluginEnv {
        let var = |key: &str| std::env::var(key).ok();
        let port = |key: &str| var(key).and_then(|v| v.trim().parse().ok());
        PluginEnv {
            magic_cookie: var(MAGIC_COOKIE_KEY),
            protocol_versions: var("PLUGIN_PROTOCOL_VERSIONS"),
            client_cert_pem: var("PLUGIN_CLIENT_CERT"),
            unix_socket_dir: std::env::var_os("PLUGIN_UNIX_SOCKET_DIR")
                .filter(|d| !d.is_empty())
                .map(PathBuf::from),
            min_port: port("PLUGIN_MIN_PORT"),
            max_port: port("PLUGIN_MAX_PORT"),
        }
    }

    pub(crate) fn launched_by_terraform(&self) -> bool {
        self.magic_cookie.as_deref() == Some(MAGIC_COOKIE_VALUE)
    }

    /// AutoMTLS applies when Terraform passed a certificate; an empty value means it did not.
    pub(crate) fn client_cert(&self) -> Option<&str> {
        self.client_cert_pem
            .as_deref()
            .filter(|pem| !pem.trim().is_empty())
    }

    /// Whether Terraform accepts protocol 6. go-plugin announces the version anyway when it does not, and
    /// Terraform then names the mismatch ("incompatible API version with plugin"), which is the clearest
    /// message the user can get; so this only decides whether to warn.
    pub(crate) fn client_accepts_our_protocol(&self) -> bool {
        match &self.protocol_versions {
            // Without the variable go-plugin falls back to the server's version.
            None => true,
            Some(list) => list
                .split(',')
                .any(|v| v.trim().parse() == Ok(PROTOCOL_VERSION)),
        }
    }

    /// The TCP ports to try; go-plugin reads missing bounds as 0, which lets the OS choose.
    pub(crate) fn port_range(&self) -> std::ops::RangeInclusive<u16> {
        match (self.min_port.unwrap_or(0), self.max_port.unwrap_or(0)) {
            (0, 0) => 0..=0,
            (min, 0) => min..=u16::MAX,
            (min, max) => min..=max,
        }
    }
}

/// `1|6|unix|/tmp/plugin…|grpc|<cert>`: go-plugin's protocol, ours, network, address, `grpc`, and the server
/// certificate as unpadded standard base64 of its DER (left empty in plaintext mode).
///
/// No seventh field: that one announces gRPC multiplexing, only allowed when `PLUGIN_MULTIPLEX_GRPC` asks for
/// it, and Terraform 1.0's go-plugin would glue it onto the certificate.
pub(crate) fn handshake_line(addr: &PluginAddr, server_cert_der: Option<&[u8]>) -> String {
    let cert =
        server_cert_der.map(|der| base64::engine::general_purpose::STANDARD_NO_PAD.encode(der));
    format!(
        "{CORE_PROTOCOL_VERSION}|{PROTOCOL_VERSION}|{}|{addr}|grpc|{}",
        addr.network(),
        cert.unwrap_or_default()
    )
}

/// The `TF_REATTACH_PROVIDERS` value that points Terraform at an already running provider. `Test` must be
/// true: only then does Terraform take `ProtocolVersion` as negotiated (else it assumes protocol 5, and 1.15
/// crashes), and only then does it leave the process running between commands.
pub(crate) fn reattach_json(provider_address: &str, addr: &PluginAddr, pid: u32) -> String {
    let config = serde_json::json!({
        provider_address: {
            "Protocol": "grpc",
            "ProtocolVersion": PROTOCOL_VERSION,
            "Pid": pid,
            "Test": true,
            "Addr": { "Network": addr.network(), "String": addr.to_string() },
        }
    });
    config.to_string()
}

/// What a user sees when running the binary by hand.
pub(crate) const NOT_LAUNCHED_BY_TERRAFORM: &str = "This binary is a Terraform provider plugin and is not meant to \
be run directly: Terraform starts it whenever a configuration uses the provider.";

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use super::*;

    #[test]
    fn handshake_line_has_six_fields_and_unpadded_base64() {
        let addr = PluginAddr::Unix("/tmp/plugin123".into());
        // Two bytes encode to three base64 characters plus one "=" of padding, which must not appear.
        assert_eq!(
            handshake_line(&addr, Some(&[0xff, 0xee])),
            "1|6|unix|/tmp/plugin123|grpc|/+4"
        );
        let tcp = PluginAddr::Tcp(SocketAddr::from(([127, 0, 0, 1], 10001)));
        assert_eq!(handshake_line(&tcp, None), "1|6|tcp|127.0.0.1:10001|grpc|");
    }

    #[test]
    fn reattach_json_matches_terraforms_format() {
        let json = reattach_json(
            "registry.terraform.io/tinesaudit/tinesaudit",
            &PluginAddr::Unix("/tmp/p".into()),
            42,
        );
        let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
        let entry = &parsed["registry.terraform.io/tinesaudit/tinesaudit"];
        assert_eq!(entry["Protocol"], "grpc");
        assert_eq!(entry["ProtocolVersion"], 6);
        assert_eq!(entry["Pid"], 42);
        assert_eq!(entry["Test"], true);
        assert_eq!(
            entry["Addr"],
            serde_json::json!({"Network": "unix", "String": "/tmp/p"})
        );
    }

    #[test]
    fn protocol_negotiation() {
        let env = |v: Option<&str>| PluginEnv {
            protocol_versions: v.map(str::to_owned),
            ..PluginEnv::default()
        };
        assert!(env(Some("5,6")).client_accepts_our_protocol());
        assert!(env(Some(" 6 , 5")).client_accepts_our_protocol());
        assert!(env(None).client_accepts_our_protocol());
        assert!(!env(Some("5")).client_accepts_our_protocol());
        assert!(!env(Some("")).client_accepts_our_protocol());
    }

    #[test]
    fn magic_cookie_and_client_cert() {
        let mut env = PluginEnv::default();
        assert!(!env.launched_by_terraform());
        env.magic_cookie = Some("wrong".into());
        assert!(!env.launched_by_terraform());
        env.magic_cookie = Some(MAGIC_COOKIE_VALUE.into());
        assert!(env.launched_by_terraform());
        env.client_cert_pem = Some("  \n".into());
        assert_eq!(env.client_cert(), None);
    }

    #[test]
    fn port_ranges() {
        let env = |min, max| PluginEnv {
            min_port: min,
            max_port: max,
            ..PluginEnv::default()
        };
        assert_eq!(env(None, None).port_range(), 0..=0);
        assert_eq!(env(Some(10000), Some(25000)).port_range(), 10000..=25000);
        assert_eq!(env(Some(10000), None).port_range(), 10000..=u16::MAX);
    }
}

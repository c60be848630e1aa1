//! Why a connection failed, in a person's words.
//!
//! HTTP stacks report "error sending request" or "dispatch failure" and keep the reason several
//! sources down: a resolver's error, an `io::Error` of a socket, a `rustls::Error` wrapped in an
//! `io::Error`. The client reads its own failures with this, and the runner its AWS SDK calls.

use std::error::Error as StdError;
use std::io;

/// The reason an error's source chain gives for a failed connection: DNS, refused, timed out,
/// TLS (certificates included) or closed, with the detail the lower layer gave; otherwise the
/// chain's messages, each once.
pub fn connection_failure(error: &(dyn StdError + 'static)) -> String {
    let mut dns = false;
    let mut messages: Vec<String> = Vec::new();
    let mut link = Some(error);
    while let Some(current) = link {
        if let Some(tls) = current.downcast_ref::<rustls::Error>() {
            return format!("TLS handshake failed: {tls}");
        }
        let message = current.to_string();
        // hyper-util's connector says only this, with the resolver's error as its source.
        dns |= message == "dns error";
        let io = current.downcast_ref::<io::Error>();
        if let Some(reason) = io.and_then(|io| io_reason(io, dns)) {
            return reason;
        }
        // Wrappers often repeat their source's message; each is worth saying once.
        if !messages.iter().any(|seen| seen.contains(&message)) {
            messages.retain(|seen| !message.contains(seen.as_str()));
            messages.push(message);
        }
        // An `io::Error`'s source is its payload's source, skipping the payload: a
        // `rustls::Error`, or another `io::Error` wrapping one.
        link = match io.and_then(io::Error::get_ref) {
            Some(payload) => Some(payload as &(dyn StdError + 'static)),
            None => current.source(),
        };
    }
    let chain = messages.join(": ");
    if dns {
        format!("DNS lookup failed ({chain})")
    } else {
        chain
    }
}

fn io_reason(error: &io::Error, after_dns: bool) -> Option<String> {
    let text = error.to_string();
    // The resolver's own wording; std reports a failed getaddrinfo with no ErrorKind of its own.
    if let Some(detail) = text.strip_prefix("failed to lookup address information: ") {
        return Some(format!("DNS lookup failed ({detail})"));
    }
    if after_dns {
        return Some(format!("DNS lookup failed ({text})"));
    }
    let reason = match error.kind() {
        io::ErrorKind::ConnectionRefused => "connection refused (nothing is listening there)",
        io::ErrorKind::TimedOut => "timed out",
        io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe
        | io::ErrorKind::UnexpectedEof => "the connection was closed by the other end",
        io::ErrorKind::NetworkUnreachable | io::ErrorKind::HostUnreachable => {
            "no route to the host (network unreachable)"
        }
        _ => return None,
    };
    Some(reason.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Wrapper(&'static str, Box<dyn StdError + Send + Sync>);

    impl std::fmt::Display for Wrapper {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }

    impl StdError for Wrapper {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            Some(&*self.1)
        }
    }

    fn wrapped(outer: &'static str, inner: impl StdError + Send + Sync + 'static) -> Wrapper {
        Wrapper(outer, Box::new(inner))
    }

    #[test]
    fn each_cause_is_found_below_the_wrappers() {
        let certificate =
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let cases = [
            (
                wrapped(
                    "dispatch failure",
                    io::Error::from(io::ErrorKind::ConnectionRefused),
                ),
                "connection refused (nothing is listening there)",
            ),
            (
                wrapped(
                    "dns error",
                    io::Error::other(
                        "failed to lookup address information: Name or service not known",
                    ),
                ),
                "DNS lookup failed (Name or service not known)",
            ),
            (
                wrapped(
                    "io error",
                    io::Error::new(io::ErrorKind::InvalidData, certificate),
                ),
                "TLS handshake failed: invalid peer certificate: UnknownIssuer",
            ),
            (
                wrapped(
                    "dispatch failure",
                    io::Error::other("dispatch failure: odd"),
                ),
                "dispatch failure: odd",
            ),
        ];
        for (error, says) in cases {
            assert_eq!(connection_failure(&error), says);
        }
    }
}

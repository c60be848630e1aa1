//! What a [`Client`](crate::Client) is built from, and the checks it passes first.

use std::net::IpAddr;
use std::time::Duration;

use reqwest::Url;
use reqwest::header::HeaderValue;

use crate::error::Error;
use crate::secret::Secret;

/// Everything a [`Client`](crate::Client) needs: where the tenant is, the key, and the
/// budgets for time, retries and request rate.
///
/// Nothing is checked until [`Client::new`](crate::Client::new), which names the offending
/// field in its error.
#[derive(Debug, Clone)]
pub struct Config {
    pub(crate) tenant_url: String,
    pub(crate) api_key: Secret,
    pub(crate) request_timeout: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) rate_limits: RateLimits,
}

impl Config {
    /// A tenant such as `https://example.tines.com` and its API key, with default budgets.
    pub fn new(tenant_url: impl Into<String>, api_key: impl Into<Secret>) -> Self {
        Self {
            tenant_url: tenant_url.into(),
            api_key: api_key.into(),
            request_timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            rate_limits: RateLimits::default(),
        }
    }

    /// How long one attempt may take, response body included (default 30 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    pub fn rate_limits(mut self, rate_limits: RateLimits) -> Self {
        self.rate_limits = rate_limits;
        self
    }
}

/// How hard one call tries before giving up.
///
/// Only idempotent requests (GET, PUT, DELETE) are retried, on 429, 5xx, transport failures
/// and malformed bodies. A `Retry-After` is honoured exactly; without one the wait doubles from
/// `initial_backoff` up to `max_backoff`, with jitter. A wait that would end past the deadline is
/// not started: the call fails at once, so a caller with a hard stop (a Lambda) keeps its time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Sends per call, the first included (default 5).
    pub max_attempts: u32,
    /// Time from the start of a call after which no attempt starts and no wait begins
    /// (default 2 minutes). Each page of [`Client::list_users`](crate::Client::list_users) is
    /// a call of its own.
    pub deadline: Duration,
    /// The first backoff without `Retry-After` (default 500 ms).
    pub initial_backoff: Duration,
    /// The longest backoff without `Retry-After` (default 30 s).
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            deadline: Duration::from_secs(120),
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
        }
    }
}

/// Client-side request limits per minute by endpoint group; `None` turns one off.
///
/// Tines limits each (client IP, API key) pair per endpoint group and minute. A budget of this
/// many requests in any 60 seconds, shared by every clone of a client and every task using it,
/// keeps this process under the server's limit instead of learning it from 429s, and spends it
/// as soon as it is asked for. The budget is per process: what another process spends on the
/// same key comes back as 429s, which the retry loop waits out (honouring `Retry-After`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// `GET /api/v1/audit_logs` (documented: 1000 per minute).
    pub audit_logs: Option<u32>,
    /// `/api/v1/admin/users` (documented: 500 per minute).
    pub admin_users: Option<u32>,
    /// Everything else (documented: 5000 per minute).
    pub other: Option<u32>,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            audit_logs: Some(1000),
            admin_users: Some(500),
            other: Some(5000),
        }
    }
}

impl RateLimits {
    /// No client-side limiting at all.
    pub fn unlimited() -> Self {
        Self {
            audit_logs: None,
            admin_users: None,
            other: None,
        }
    }
}

/// Longest timeout or deadline accepted; anything longer is a mistake, and the bound keeps
/// deadline arithmetic far from overflowing.
const MAX_DURATION: Duration = Duration::from_secs(24 * 60 * 60);

/// A [`Config`] that passed every check.
pub(crate) struct Checked {
    pub base_url: Url,
    /// `Bearer <key>`, marked sensitive so that reqwest and http never print it.
    pub authorization: HeaderValue,
    /// The key as sent, for redacting it from server messages that might echo it.
    pub api_key: Secret,
    pub request_timeout: Duration,
    pub retry: RetryPolicy,
    pub rate_limits: RateLimits,
}

impl Config {
    /// Runs every check [`Client::new`](crate::Client::new) runs, without building a client:
    /// for validating settings (a Terraform `validate`) where no request will follow.
    pub fn validate(&self) -> Result<(), Error> {
        self.check().map(drop)
    }

    pub(crate) fn check(&self) -> Result<Checked, Error> {
        let retry = self.retry;
        for (field, duration) in [
            ("request_timeout", self.request_timeout),
            ("retry.deadline", retry.deadline),
        ] {
            if duration.is_zero() || duration > MAX_DURATION {
                return Err(Error::invalid_config(
                    field,
                    "must be longer than zero and at most 24 hours",
                ));
            }
        }
        if retry.max_attempts == 0 {
            return Err(Error::invalid_config(
                "retry.max_attempts",
                "must be at least 1 (1 means no retries)",
            ));
        }
        if retry.initial_backoff > retry.max_backoff {
            return Err(Error::invalid_config(
                "retry.initial_backoff",
                "must not be longer than retry.max_backoff",
            ));
        }
        for (field, limit) in [
            ("rate_limits.audit_logs", self.rate_limits.audit_logs),
            ("rate_limits.admin_users", self.rate_limits.admin_users),
            ("rate_limits.other", self.rate_limits.other),
        ] {
            if limit == Some(0) {
                return Err(Error::invalid_config(
                    field,
                    "must be at least 1 request per minute, or None for no limit",
                ));
            }
        }
        let api_key = Secret::new(self.api_key.expose().trim());
        Ok(Checked {
            base_url: tenant_url(&self.tenant_url)?,
            authorization: authorization(&api_key)?,
            api_key,
            request_timeout: self.request_timeout,
            retry,
            rate_limits: self.rate_limits,
        })
    }
}

const ACCEPTED_URL: &str =
    "https://<tenant>.tines.com, or http:// only on a loopback host (127.0.0.0/8, ::1, localhost)";

/// Parses the tenant URL: https, or plain http to a loopback host (a local simulator), and
/// nothing but scheme, host and port, because the client appends the `/api/v1/...` paths itself.
///
/// The URL is never echoed back, since a mistyped one may carry a password.
fn tenant_url(raw: &str) -> Result<Url, Error> {
    let field = "tenant_url";
    let url = Url::parse(raw.trim()).map_err(|e| {
        Error::invalid_config(
            field,
            format!("is not a URL ({e}); expected {ACCEPTED_URL}"),
        )
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::invalid_config(
            field,
            "must not contain credentials; the key belongs in api_key",
        ));
    }
    let host = url.host_str().unwrap_or_default();
    match url.scheme() {
        "https" if !host.is_empty() => {}
        "http" if is_loopback(host) => {}
        "http" => {
            return Err(Error::invalid_config(
                field,
                format!("uses http with a non-loopback host; expected {ACCEPTED_URL}"),
            ));
        }
        _ => {
            return Err(Error::invalid_config(
                field,
                format!("has an unsupported scheme or no host; expected {ACCEPTED_URL}"),
            ));
        }
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(Error::invalid_config(
            field,
            "must have no path, query or fragment (the client adds /api/v1/...); expected \
             https://<tenant>.tines.com",
        ));
    }
    Ok(url)
}

/// The key may not be empty or contain what a header cannot carry; surrounding whitespace (a
/// trailing newline from a file or an environment variable) is dropped before this.
fn authorization(key: &Secret) -> Result<HeaderValue, Error> {
    let key = key.expose();
    let field = "api_key";
    if key.is_empty() {
        return Err(Error::invalid_config(field, "is empty"));
    }
    if key
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || !c.is_ascii())
    {
        return Err(Error::invalid_config(
            field,
            "may contain only visible ASCII characters, without spaces",
        ));
    }
    let mut value = HeaderValue::from_str(&format!("Bearer {key}"))
        .map_err(|_| Error::invalid_config(field, "cannot be sent in an HTTP header"))?;
    value.set_sensitive(true);
    Ok(value)
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => bare.eq_ignore_ascii_case("localhost"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_https_and_loopback_http() {
        for ok in [
            "https://example.tines.com",
            "https://example.tines.com/",
            "https://example.tines.io:8443/",
            "http://127.0.0.1:3000",
            "http://127.1.2.3/",
            "http://[::1]:8080",
            "http://localhost:9",
            "http://LOCALHOST",
            " https://padded.tines.com ",
        ] {
            let url = tenant_url(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
            assert_eq!(url.path(), "/");
        }
    }

    #[test]
    fn refuses_everything_else_naming_the_field() {
        for (bad, why) in [
            ("http://example.tines.com", "non-loopback"),
            ("http://10.0.0.1", "non-loopback"),
            ("http://[::2]", "non-loopback"),
            ("http://localhost.example.com", "non-loopback"),
            ("ftp://example.tines.com", "unsupported scheme"),
            ("example.tines.com", "is not a URL"),
            ("", "is not a URL"),
            ("https://example.tines.com/api/v1", "no path"),
            ("https://example.tines.com/?x=1", "no path, query"),
            ("https://example.tines.com/#top", "fragment"),
            ("https://user:hunter2@example.tines.com", "credentials"),
        ] {
            let error = tenant_url(bad).unwrap_err();
            let text = error.to_string();
            assert!(error.is_invalid_config(), "{bad}");
            assert!(text.contains("`tenant_url`"), "{bad}: {text}");
            assert!(text.contains(why), "{bad}: {text}");
            assert!(!text.contains("hunter2"), "{text}");
        }
    }

    #[test]
    fn budgets_are_checked() {
        let base = Config::new("https://t.tines.com", "key");
        let zero_attempts = base.clone().retry(RetryPolicy {
            max_attempts: 0,
            ..RetryPolicy::default()
        });
        let error = zero_attempts.check().err().unwrap();
        assert!(
            error.to_string().contains("`retry.max_attempts`"),
            "{error}"
        );
        let zero_rate = base.clone().rate_limits(RateLimits {
            admin_users: Some(0),
            ..RateLimits::default()
        });
        let error = zero_rate.check().err().unwrap();
        assert!(
            error.to_string().contains("`rate_limits.admin_users`"),
            "{error}"
        );
        let error = base
            .clone()
            .request_timeout(Duration::ZERO)
            .check()
            .err()
            .unwrap();
        assert!(error.to_string().contains("`request_timeout`"), "{error}");
        let forever = base.clone().retry(RetryPolicy {
            deadline: Duration::MAX,
            ..RetryPolicy::default()
        });
        let error = forever.check().err().unwrap();
        assert!(error.to_string().contains("`retry.deadline`"), "{error}");
        assert!(base.check().is_ok());
    }

    #[test]
    fn the_key_is_trimmed_checked_and_never_echoed() {
        let checked = Config::new("https://t.tines.com", " tok_SECRET\n")
            .check()
            .ok()
            .unwrap();
        assert_eq!(checked.authorization.to_str().unwrap(), "Bearer tok_SECRET");
        assert!(checked.authorization.is_sensitive());
        assert_eq!(checked.api_key.expose(), "tok_SECRET");
        for bad in ["", "  ", "tok SECRET", "tok_SECRÉT", "tok\u{7}SECRET"] {
            let error = Config::new("https://t.tines.com", bad)
                .check()
                .err()
                .unwrap();
            let text = format!("{error} {error:?}");
            assert!(text.contains("`api_key`"), "{text}");
            assert!(!text.contains("SECR"), "{text}");
        }
    }
}

//! The client handle and the one path every request takes: limit, send, classify, retry.

use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use reqwest::{Method, StatusCode, Url};
use tokio::time::Instant;

use crate::config::{Config, RateLimits, RetryPolicy};
use crate::error::{Error, ErrorKind, ForeignBody, message_from_body};
use crate::net::connection_failure;
use crate::ratelimit::Limiters;
use crate::retry::{Retry, backoff, retry_after};
use crate::secret::Secret;

const USER_AGENT: &str = concat!("tinesaudit/", env!("CARGO_PKG_VERSION"));

/// A client for one Tines tenant.
///
/// Cheap to clone: clones share the connection pool and the rate limiters, so tasks running in
/// parallel together stay under the configured rates.
#[derive(Clone)]
pub struct Client {
    shared: Arc<Shared>,
    /// An absolute stop set by [`Client::with_deadline`], on top of the per-call deadline.
    hard_deadline: Option<Instant>,
}

struct Shared {
    /// Built at the first request: building one (TLS roots, connector) costs milliseconds that a
    /// Terraform provider configured for a plan with nothing to ask Tines should not pay, in a
    /// process Terraform starts three times per plan.
    http: OnceLock<reqwest::Client>,
    base_url: Url,
    authorization: HeaderValue,
    api_key: Secret,
    request_timeout: Duration,
    retry: RetryPolicy,
    rate_limits: RateLimits,
    limiters: Limiters,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shared = &*self.shared;
        f.debug_struct("Client")
            .field("tenant_url", &shared.base_url.as_str())
            .field("api_key", &shared.api_key)
            .field("request_timeout", &shared.request_timeout)
            .field("retry", &shared.retry)
            .field("rate_limits", &shared.rate_limits)
            .field("hard_deadline", &self.hard_deadline)
            .finish()
    }
}

impl Client {
    /// Checks the configuration; no request is sent, and the HTTP client is built at the first.
    pub fn new(config: Config) -> Result<Self, Error> {
        let checked = config.check()?;
        Ok(Self {
            shared: Arc::new(Shared {
                http: OnceLock::new(),
                base_url: checked.base_url,
                authorization: checked.authorization,
                api_key: checked.api_key,
                request_timeout: checked.request_timeout,
                retry: checked.retry,
                rate_limits: checked.rate_limits,
                limiters: Limiters::new(checked.rate_limits),
            }),
            hard_deadline: None,
        })
    }

    /// A clone whose calls never run past `deadline`: no attempt starts and no wait begins that
    /// would end after it, and a running attempt is cut off at it. For a runner that must stop
    /// cleanly before its own time is up.
    pub fn with_deadline(&self, deadline: std::time::Instant) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
            hard_deadline: Some(Instant::from_std(deadline)),
        }
    }

    /// The tenant URL as checked, always ending in `/`.
    pub fn tenant_url(&self) -> &Url {
        &self.shared.base_url
    }

    /// The absolute URL of an API path such as `api/v1/info`.
    pub(crate) fn url(&self, path: &str) -> Result<Url, Error> {
        self.shared.base_url.join(path).map_err(|e| {
            Error::new(
                ErrorKind::InvalidConfig,
                format!("cannot build the URL of {path}"),
            )
            .with_source(e)
        })
    }

    /// Sends a request until it succeeds or the budget runs out, and hands a 2xx body to
    /// `parse`. An `Err` from `parse` names what is wrong with the body; it counts as an invalid
    /// response and is retried like a transport failure when the method is idempotent.
    pub(crate) async fn execute<T>(
        &self,
        method: Method,
        url: Url,
        body: Option<Vec<u8>>,
        parse: impl Fn(&[u8]) -> Result<T, String>,
    ) -> Result<T, Error> {
        let shared = &*self.shared;
        let policy = &shared.retry;
        // PATCH and POST are not idempotent by definition; the API uses only POST of the two.
        let idempotent = !matches!(method, Method::POST | Method::PATCH);
        let label = format!("{method} {}", url.path());
        let deadline = self.call_deadline();
        let limiter = shared.limiters.for_path(url.path());
        let mut attempt = 0;
        loop {
            if let Some(limiter) = limiter {
                limiter.acquire().await;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(Error::new(
                    ErrorKind::Transport,
                    "the retry deadline passed before the request could be sent",
                )
                .with_timeout(true)
                .for_request(label, attempt));
            }
            attempt += 1;
            let started = Instant::now();
            let outcome = self
                .attempt(&method, &url, body.as_deref(), left, &parse)
                .await;
            let failure = match outcome {
                Ok((value, status)) => {
                    trace(&method, &url, Some(status), attempt, started);
                    return Ok(value);
                }
                Err(failure) => failure,
            };
            trace(&method, &url, failure.error.status(), attempt, started);
            let Failure { error, retry } = failure;
            let error = error.for_request(label.clone(), attempt);
            if !retry.allows(idempotent) || attempt >= policy.max_attempts {
                return Err(error);
            }
            let wait = error
                .retry_after()
                .unwrap_or_else(|| backoff(policy, attempt));
            // The wait comes from the server and may be absurd; an overflow means "too long".
            if Instant::now()
                .checked_add(wait)
                .is_none_or(|end| end >= deadline)
            {
                return Err(error);
            }
            tokio::time::sleep(wait).await;
        }
    }

    fn call_deadline(&self) -> Instant {
        let per_call = Instant::now() + self.shared.retry.deadline;
        self.hard_deadline
            .map_or(per_call, |hard| hard.min(per_call))
    }

    fn http(&self) -> Result<&reqwest::Client, Error> {
        let shared = &*self.shared;
        if let Some(http) = shared.http.get() {
            return Ok(http);
        }
        let built = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            // The API never redirects; following one could carry the key somewhere else.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(shared.request_timeout)
            .build()
            .map_err(|e| {
                Error::new(ErrorKind::Transport, "could not build the HTTP client").with_source(e)
            })?;
        // Two first requests at once may both build one; either is fine to keep.
        Ok(shared.http.get_or_init(|| built))
    }

    async fn attempt<T>(
        &self,
        method: &Method,
        url: &Url,
        body: Option<&[u8]>,
        time_left: Duration,
        parse: &impl Fn(&[u8]) -> Result<T, String>,
    ) -> Result<(T, u16), Failure> {
        let shared = &*self.shared;
        let cut_by_deadline = time_left < shared.request_timeout;
        let mut request = self
            .http()
            .map_err(|error| Failure {
                error,
                retry: Retry::Never,
            })?
            .request(method.clone(), url.clone())
            .header(AUTHORIZATION, shared.authorization.clone())
            .header(ACCEPT, "application/json")
            .timeout(shared.request_timeout.min(time_left));
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(body.to_vec());
        }
        let response = request
            .send()
            .await
            .map_err(|e| Failure::transport(e, url, cut_by_deadline))?;
        let status = response.status();
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let wait = header(RETRY_AFTER).and_then(|v| retry_after(&v, jiff::Timestamp::now()));
        let content_type = header(CONTENT_TYPE);
        let bytes = response
            .bytes()
            .await
            .map_err(|e| Failure::transport(e, url, cut_by_deadline))?;
        if status.is_success() {
            return match parse(&bytes) {
                Ok(value) => Ok((value, status.as_u16())),
                Err(what) => {
                    let what = match ForeignBody::of(content_type.as_deref(), &bytes) {
                        Some(foreign) => self.redact(format!("expected JSON, got {foreign}")),
                        None => what,
                    };
                    Err(Failure {
                        error: Error::new(ErrorKind::InvalidResponse, what)
                            .with_status(status.as_u16()),
                        retry: Retry::IfIdempotent,
                    })
                }
            };
        }
        Err(self.refused(status, content_type.as_deref(), &bytes, wait))
    }

    /// Maps a non-2xx answer to an error carrying the server's message, or saying what came
    /// instead of one.
    fn refused(
        &self,
        status: StatusCode,
        content_type: Option<&str>,
        body: &[u8],
        wait: Option<Duration>,
    ) -> Failure {
        let (kind, retry) = match status.as_u16() {
            401 => (ErrorKind::Unauthorized, Retry::Never),
            403 => (ErrorKind::Forbidden, Retry::Never),
            404 => (ErrorKind::NotFound, Retry::Never),
            429 => (ErrorKind::RateLimited, Retry::IfIdempotent),
            400..=499 => (ErrorKind::Rejected, Retry::Never),
            500..=599 => (ErrorKind::Server, Retry::IfIdempotent),
            _ => (ErrorKind::InvalidResponse, Retry::Never),
        };
        let page = ForeignBody::of(content_type, body).filter(ForeignBody::is_html);
        let message = match page
            .map(|page| page.to_string())
            .or_else(|| message_from_body(body))
        {
            Some(message) => self.redact(message),
            None if kind == ErrorKind::InvalidResponse => {
                format!("unexpected status {status} from the API")
            }
            None => status.canonical_reason().unwrap_or_default().to_owned(),
        };
        Failure {
            error: Error::new(kind, message)
                .with_status(status.as_u16())
                .with_retry_after(wait.filter(|_| retry == Retry::IfIdempotent)),
            retry,
        }
    }

    /// Server messages are stored in errors, which get logged; a server that echoes the key
    /// back must not put it there.
    fn redact(&self, message: String) -> String {
        let key = self.shared.api_key.expose();
        if message.contains(key) {
            message.replace(key, "<redacted>")
        } else {
            message
        }
    }
}

/// A failed attempt and whether it may be repeated.
struct Failure {
    error: Error,
    retry: Retry,
}

impl Failure {
    /// Names the host and port, since a wrong tenant URL or a proxy on the way is the usual
    /// cause, and the reason below reqwest's "error sending request".
    fn transport(error: reqwest::Error, url: &Url, cut_by_deadline: bool) -> Self {
        let connect = error.is_connect();
        let retry = if connect {
            Retry::Always
        } else {
            Retry::IfIdempotent
        };
        let timeout = error.is_timeout();
        let address = format!(
            "{}:{}",
            url.host_str().unwrap_or_default(),
            url.port_or_known_default().unwrap_or_default()
        );
        // A connection that hangs meets the request timeout before the equal connect timeout,
        // so the two phases cannot be told apart here.
        let what = if timeout && cut_by_deadline {
            format!("timed out at the retry deadline waiting for {address} to answer")
        } else if timeout {
            format!("timed out waiting for {address} to answer")
        } else if connect {
            format!(
                "could not connect to {address}: {}",
                connection_failure(&error)
            )
        } else if error.is_body() || error.is_decode() {
            format!(
                "the connection to {address} failed while reading the response: {}",
                connection_failure(&error)
            )
        } else {
            format!(
                "the request to {address} failed: {}",
                connection_failure(&error)
            )
        };
        Failure {
            error: Error::new(ErrorKind::Transport, what)
                .with_timeout(timeout)
                .with_source(error),
            retry,
        }
    }
}

fn trace(method: &Method, url: &Url, status: Option<u16>, attempt: u32, started: Instant) {
    tracing::debug!(
        method = %method,
        path = url.path(),
        status,
        attempt,
        duration_ms = started.elapsed().as_millis() as u64,
        "Tines request"
    );
}

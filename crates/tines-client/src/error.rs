//! The one error type of the crate, and reading Tines' error bodies into a message.

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use serde_json::Value;

/// What went wrong, in the terms a caller decides on.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The [`Config`](crate::Config) was refused; the message names the field and what is
    /// accepted.
    InvalidConfig,
    /// 401: the key is unknown or revoked, or the user of a personal key was deactivated.
    Unauthorized,
    /// 403: the key is valid but may not do this (for example no `AUDIT_LOG_READ`, not a tenant
    /// owner, or users managed by SCIM). The server's message is kept.
    Forbidden,
    /// 404: the object (or path) does not exist.
    NotFound,
    /// Any other 4xx: the server refused the request itself, e.g. an unknown tenant permission
    /// or an email already taken. Never retried.
    Rejected,
    /// 429, still refused when the retry budget ran out, or asking for a longer wait than the
    /// deadline leaves.
    RateLimited,
    /// 5xx, still failing when the retry budget ran out.
    Server,
    /// A body that is truncated, is not JSON, or lacks a field the client needs; or a status
    /// the API never uses, such as a redirect.
    InvalidResponse,
    /// The request or its response did not get through: connect failure, reset, or timeout.
    Transport,
}

impl ErrorKind {
    fn describe(self) -> &'static str {
        match self {
            ErrorKind::InvalidConfig => "invalid client configuration",
            ErrorKind::Unauthorized => "unauthorized (API key unknown, revoked or deactivated)",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::NotFound => "not found",
            ErrorKind::Rejected => "rejected by the server",
            ErrorKind::RateLimited => "rate limited",
            ErrorKind::Server => "server error",
            ErrorKind::InvalidResponse => "invalid response",
            ErrorKind::Transport => "transport error",
        }
    }
}

/// An error from the Tines client.
///
/// It never contains the API key: the key only travels in a request header, which no error
/// records, and a server message that echoes it is redacted before it is stored.
pub struct Error {
    inner: Box<Inner>,
}

#[derive(Debug)]
struct Inner {
    kind: ErrorKind,
    message: String,
    status: Option<u16>,
    request: Option<String>,
    attempts: u32,
    retry_after: Option<Duration>,
    timeout: bool,
    hint: Option<&'static str>,
    source: Option<Box<dyn StdError + Send + Sync>>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            inner: Box::new(Inner {
                kind,
                message: message.into(),
                status: None,
                request: None,
                attempts: 0,
                retry_after: None,
                timeout: false,
                hint: None,
                source: None,
            }),
        }
    }

    pub(crate) fn invalid_config(field: &str, problem: impl fmt::Display) -> Self {
        Self::new(ErrorKind::InvalidConfig, format!("`{field}` {problem}"))
    }

    pub(crate) fn with_status(mut self, status: u16) -> Self {
        self.inner.status = Some(status);
        self
    }

    pub(crate) fn with_source(mut self, source: impl StdError + Send + Sync + 'static) -> Self {
        self.inner.source = Some(Box::new(source));
        self
    }

    pub(crate) fn with_retry_after(mut self, wait: Option<Duration>) -> Self {
        self.inner.retry_after = wait;
        self
    }

    pub(crate) fn with_timeout(mut self, timeout: bool) -> Self {
        self.inner.timeout = timeout;
        self
    }

    /// What the caller can do about it, where the status alone leaves that open.
    pub(crate) fn with_hint(mut self, hint: &'static str) -> Self {
        self.inner.hint = Some(hint);
        self
    }

    pub(crate) fn for_request(mut self, request: String, attempts: u32) -> Self {
        self.inner.request = Some(request);
        self.inner.attempts = attempts;
        self
    }

    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The server's message for a refused request, or what the client found wrong.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The HTTP status of the last response, if one arrived.
    pub fn status(&self) -> Option<u16> {
        self.inner.status
    }

    /// How many times the request was sent (0 when it never was, e.g. a config error).
    pub fn attempts(&self) -> u32 {
        self.inner.attempts
    }

    /// The wait the server asked for with `Retry-After` on its last 429 or 5xx.
    pub fn retry_after(&self) -> Option<Duration> {
        self.inner.retry_after
    }

    pub fn is_invalid_config(&self) -> bool {
        self.kind() == ErrorKind::InvalidConfig
    }

    pub fn is_unauthorized(&self) -> bool {
        self.kind() == ErrorKind::Unauthorized
    }

    pub fn is_forbidden(&self) -> bool {
        self.kind() == ErrorKind::Forbidden
    }

    pub fn is_not_found(&self) -> bool {
        self.kind() == ErrorKind::NotFound
    }

    pub fn is_rejected(&self) -> bool {
        self.kind() == ErrorKind::Rejected
    }

    pub fn is_rate_limited(&self) -> bool {
        self.kind() == ErrorKind::RateLimited
    }

    pub fn is_server(&self) -> bool {
        self.kind() == ErrorKind::Server
    }

    pub fn is_invalid_response(&self) -> bool {
        self.kind() == ErrorKind::InvalidResponse
    }

    pub fn is_transport(&self) -> bool {
        self.kind() == ErrorKind::Transport
    }

    /// A transport error caused by the request timeout or the retry deadline.
    pub fn is_timeout(&self) -> bool {
        self.inner.timeout
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        if let Some(request) = &inner.request {
            write!(f, "{request}: ")?;
        }
        f.write_str(inner.kind.describe())?;
        if let Some(status) = inner.status {
            write!(f, " (HTTP {status})")?;
        }
        if !inner.message.is_empty() {
            write!(f, ": {}", inner.message)?;
        }
        if inner.attempts > 1 {
            write!(f, " (after {} attempts)", inner.attempts)?;
        }
        if let Some(hint) = inner.hint {
            write!(f, ". {hint}")?;
        }
        Ok(())
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|source| source as &(dyn StdError + 'static))
    }
}

/// Longest server message kept: an HTML error page from a proxy is noise past this.
const MAX_MESSAGE_CHARS: usize = 500;

/// Reads a message out of an error body in any of the shapes Tines uses, which its own SDK
/// calls inconsistent between endpoints: `{"errors": [{"message", "details"}]}`, a bare array
/// of such objects, or plain text. Anything else is kept as (clipped) text.
pub(crate) fn message_from_body(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let message = serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|value| json_message(&value))
        .unwrap_or_else(|| text.to_owned());
    Some(clip(&message, MAX_MESSAGE_CHARS))
}

fn json_message(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => non_empty(text),
        Value::Array(items) => {
            let messages: Vec<String> = items.iter().filter_map(json_message).collect();
            (!messages.is_empty()).then(|| messages.join("; "))
        }
        Value::Object(object) => {
            if let Some(errors) = object.get("errors").and_then(json_message) {
                return Some(errors);
            }
            let text = |key: &str| object.get(key).and_then(Value::as_str).and_then(non_empty);
            match (text("message").or_else(|| text("error")), text("details")) {
                // Details that only repeat the message (often the status reason) add nothing.
                (Some(message), Some(details))
                    if !message.to_lowercase().contains(&details.to_lowercase()) =>
                {
                    Some(format!("{message} ({details})"))
                }
                (Some(message), _) => Some(message),
                (None, details) => details,
            }
        }
        _ => None,
    }
}

/// Longest snippet of a foreign body kept: enough to recognise who answered.
const MAX_SNIPPET_CHARS: usize = 80;

/// A body that is not the API's JSON: what a proxy, a load balancer or a login wall in front
/// of the tenant answers with. A person recognises it by its content type and a few words of
/// text, while markup or a JSON parser's "expected value at line 1 column 1" tells them nothing.
pub(crate) struct ForeignBody {
    shape: Shape,
    content_type: Option<String>,
    snippet: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Empty,
    Html,
    Text,
}

impl ForeignBody {
    /// `None` for JSON, or what starts like JSON: the parser's message says what is wrong
    /// with a truncated body better than a snippet would.
    pub(crate) fn of(content_type: Option<&str>, body: &[u8]) -> Option<Self> {
        let text = String::from_utf8_lossy(body);
        let text = text.trim();
        let html = content_type.is_some_and(|t| t.to_ascii_lowercase().contains("html"))
            || text.starts_with('<');
        let (shape, snippet) = if text.is_empty() {
            (Shape::Empty, String::new())
        } else if html {
            (
                Shape::Html,
                html_title(text).unwrap_or_else(|| strip_tags(text)),
            )
        } else if text.starts_with(['{', '[']) {
            return None;
        } else {
            (Shape::Text, text.to_owned())
        };
        Some(Self {
            shape,
            content_type: content_type.map(|t| readable(t, MAX_SNIPPET_CHARS)),
            snippet: readable(&snippet, MAX_SNIPPET_CHARS),
        })
    }

    pub(crate) fn is_html(&self) -> bool {
        self.shape == Shape::Html
    }
}

impl fmt::Display for ForeignBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.shape {
            Shape::Empty => "an empty body",
            Shape::Html => "an HTML page",
            Shape::Text => "a body that is not JSON",
        })?;
        match &self.content_type {
            Some(content_type) => write!(f, " (Content-Type: {content_type})")?,
            None => f.write_str(" (no Content-Type)")?,
        }
        if !self.snippet.is_empty() {
            write!(f, ": \"{}\"", self.snippet)?;
        }
        Ok(())
    }
}

/// The text of an HTML page's `<title>`, which names the error on every proxy page seen.
fn html_title(page: &str) -> Option<String> {
    // ASCII lowercasing keeps byte offsets valid in `page`.
    let lower = page.to_ascii_lowercase();
    let open = lower.find("<title")?;
    let start = open + lower[open..].find('>')? + 1;
    let end = start + lower[start..].find("</title")?;
    Some(page[start..end].to_owned()).filter(|title| !title.trim().is_empty())
}

fn strip_tags(page: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in page.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}

/// One line of printable text: whitespace and control characters collapse to single spaces,
/// so a hostile body cannot forge lines in a log.
fn readable(text: &str, max_chars: usize) -> String {
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|word| !word.is_empty())
        .collect();
    clip(&words.join(" "), max_chars)
}

fn non_empty(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

fn clip(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(body: &str) -> Option<String> {
        message_from_body(body.as_bytes())
    }

    #[test]
    fn reads_all_three_documented_shapes() {
        assert_eq!(
            message(
                r#"{"errors":[{"message":"Forbidden: no AUDIT_LOG_READ","details":"Forbidden"}]}"#
            ),
            Some("Forbidden: no AUDIT_LOG_READ".to_owned())
        );
        assert_eq!(
            message(r#"[{"message":"Bad input","details":"email is taken"},{"message":"Also"}]"#),
            Some("Bad input (email is taken); Also".to_owned())
        );
        assert_eq!(
            message("Unauthorized: missing key\n"),
            Some("Unauthorized: missing key".to_owned())
        );
    }

    #[test]
    fn tolerates_other_shapes_and_empty_bodies() {
        assert_eq!(message(""), None);
        assert_eq!(message("  \n"), None);
        assert_eq!(message(r#"{"error":"nope"}"#), Some("nope".to_owned()));
        assert_eq!(
            message(r#"{"message":"User 7 not found","details":"Not Found"}"#),
            Some("User 7 not found".to_owned())
        );
        assert_eq!(message(r#"{"errors":["a","b"]}"#), Some("a; b".to_owned()));
        assert_eq!(
            message(r#"{"errors":[{"details":"only details"}]}"#),
            Some("only details".to_owned())
        );
        assert_eq!(message(r#"{"other":1}"#), Some(r#"{"other":1}"#.to_owned()));
        assert_eq!(message("42"), Some("42".to_owned()));
        assert_eq!(
            message_from_body(b"\xff\xfebad"),
            Some("\u{fffd}\u{fffd}bad".to_owned())
        );
    }

    #[test]
    fn long_bodies_are_clipped_on_a_char_boundary() {
        let page = "é".repeat(2000);
        let clipped = message(&page).unwrap();
        assert_eq!(clipped.chars().count(), MAX_MESSAGE_CHARS + 1);
        assert!(clipped.ends_with('…'));
    }

    #[test]
    fn foreign_bodies_are_named_with_a_short_single_line_snippet() {
        let described = |content_type, body: &str| {
            ForeignBody::of(content_type, body.as_bytes()).map(|body| body.to_string())
        };
        assert_eq!(
            described(
                Some("text/html"),
                "<html><body>\n<h1>Access\r\ndenied</h1>\u{1b}[2J</body>"
            ),
            Some("an HTML page (Content-Type: text/html): \"Access denied [2J\"".to_owned())
        );
        assert_eq!(
            described(None, " \n"),
            Some("an empty body (no Content-Type)".to_owned())
        );
        let long = described(Some("text/plain"), &"word ".repeat(100)).unwrap();
        assert!(long.starts_with("a body that is not JSON (Content-Type: text/plain): \"word"));
        assert!(long.ends_with("…\""), "{long}");
        assert!(described(Some("application/json"), "{\"audit_logs\": [").is_none());
    }

    #[test]
    fn display_names_the_request_status_and_attempts() {
        let error = Error::new(ErrorKind::Server, "Injected server error")
            .with_status(503)
            .for_request("GET /api/v1/audit_logs".to_owned(), 3);
        assert_eq!(
            error.to_string(),
            "GET /api/v1/audit_logs: server error (HTTP 503): Injected server error (after 3 attempts)"
        );
        let config = Error::invalid_config("tenant_url", "must use https");
        assert_eq!(
            config.to_string(),
            "invalid client configuration: `tenant_url` must use https"
        );
        assert!(config.is_invalid_config() && !config.is_timeout());
    }
}

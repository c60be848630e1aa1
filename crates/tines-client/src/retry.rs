//! When a failed attempt may be sent again, and how long to wait first.

use std::time::Duration;

use jiff::Timestamp;
use jiff::fmt::rfc2822::DateTimeParser;

use crate::config::RetryPolicy;

/// Whether sending the same request again is safe after a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retry {
    /// The answer will not change (4xx other than 429, a redirect).
    Never,
    /// The request may have reached the server: safe only for idempotent methods.
    IfIdempotent,
    /// The request never left (connect failure): safe for every method.
    Always,
}

impl Retry {
    pub fn allows(self, idempotent: bool) -> bool {
        match self {
            Retry::Never => false,
            Retry::IfIdempotent => idempotent,
            Retry::Always => true,
        }
    }
}

/// The wait before attempt `attempt + 1` when the server gave no `Retry-After`: doubling from
/// the initial backoff, capped, and jittered over its upper half so that clients failing
/// together do not come back together, yet never retry almost at once.
pub(crate) fn backoff(policy: &RetryPolicy, attempt: u32) -> Duration {
    let doublings = attempt.saturating_sub(1).min(20);
    let ceiling = policy
        .initial_backoff
        .saturating_mul(1 << doublings)
        .min(policy.max_backoff);
    let half = ceiling / 2;
    half + half.mul_f64(fastrand::f64())
}

static HTTP_DATE: DateTimeParser = DateTimeParser::new();

/// Reads `Retry-After` as delay-seconds or as an HTTP date (which RFC 2822 parsing covers,
/// `GMT` included). A date in the past means "now".
pub(crate) fn retry_after(value: &str, now: Timestamp) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Too many digits for a u64 is still a (very long) wait, not an unreadable header.
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let at = HTTP_DATE.parse_timestamp(value).ok()?;
    let wait = at.duration_since(now);
    Some(Duration::try_from(wait).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now: Timestamp = "2024-05-01T00:00:00Z".parse().unwrap();
        assert_eq!(retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            retry_after("Wed, 01 May 2024 00:00:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            retry_after("Tue, 30 Apr 2024 23:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(
            retry_after("99999999999999999999", now),
            Some(Duration::from_secs(u64::MAX))
        );
        assert_eq!(retry_after("soon", now), None);
        assert_eq!(retry_after("", now), None);
        assert_eq!(retry_after("-5", now), None);
    }

    #[test]
    fn backoff_doubles_within_jitter_and_stops_at_the_cap() {
        let policy = RetryPolicy {
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(1000),
            ..RetryPolicy::default()
        };
        for _ in 0..200 {
            let first = backoff(&policy, 1);
            assert!((50..=100).contains(&first.as_millis()), "{first:?}");
            let third = backoff(&policy, 3);
            assert!((200..=400).contains(&third.as_millis()), "{third:?}");
            let late = backoff(&policy, 40);
            assert!((500..=1000).contains(&late.as_millis()), "{late:?}");
        }
    }

    #[test]
    fn only_idempotent_requests_retry_after_reaching_the_server() {
        assert!(Retry::IfIdempotent.allows(true));
        assert!(!Retry::IfIdempotent.allows(false));
        assert!(Retry::Always.allows(false));
        assert!(!Retry::Never.allows(true));
    }
}

//! Timestamps in the two formats Tines uses: seconds for audit logs, milliseconds for users.

use jiff::Timestamp;

/// `2022-06-24T08:35:21Z`: audit-log `created_at` and `updated_at`.
pub(crate) fn audit_timestamp(second: i64) -> String {
    Timestamp::from_second(second)
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// `2019-07-08T14:16:11.967Z`: user `created_at` and `updated_at`.
pub(crate) fn user_timestamp(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Parses a query or control timestamp: RFC 3339 with `Z` or an offset, optional fraction.
pub(crate) fn parse(value: &str) -> Result<Timestamp, String> {
    value
        .parse::<Timestamp>()
        .map_err(|_| format!("'{value}' is not an RFC 3339 timestamp such as 2023-01-22T23:01:21Z"))
}

pub(crate) fn now_second() -> i64 {
    Timestamp::now().as_second()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_match_the_documented_samples() {
        assert_eq!(audit_timestamp(1_656_059_721), "2022-06-24T08:35:21Z");
        let at = parse("2019-07-08T14:16:11.967Z").unwrap();
        assert_eq!(user_timestamp(at), "2019-07-08T14:16:11.967Z");
        assert_eq!(
            user_timestamp(parse("2019-07-08T14:16:11Z").unwrap()),
            "2019-07-08T14:16:11.000Z"
        );
    }

    #[test]
    fn parse_accepts_offsets_and_rejects_garbage() {
        assert_eq!(
            parse("2023-01-22T23:01:21+01:00").unwrap(),
            parse("2023-01-22T22:01:21Z").unwrap()
        );
        assert!(parse("yesterday").unwrap_err().contains("RFC 3339"));
    }
}

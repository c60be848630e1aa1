//! Who is calling: the API key from either documented header, and what its user may do.

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;

/// The key and user behind an authenticated request, as handlers see it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Caller {
    pub key_id: u64,
    /// Tenant owner: may use the admin API and read audit logs.
    pub admin: bool,
    pub can_read_audit_logs: bool,
}

/// The key from `Authorization: Bearer <key>` or, as Tines still accepts, `X-User-Token: <key>`.
/// `X-User-Email` is legacy and ignored.
pub(crate) fn presented_key(headers: &HeaderMap) -> Option<&str> {
    if let Some(value) = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        let (scheme, token) = value.split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then_some(token.trim())
            .filter(|t| !t.is_empty());
    }
    headers
        .get("x-user-token")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(n, v)| (n.parse().unwrap(), v.parse().unwrap()))
            .collect()
    }

    #[test]
    fn reads_both_documented_headers() {
        assert_eq!(
            presented_key(&headers(&[("authorization", "Bearer abc")])),
            Some("abc")
        );
        assert_eq!(
            presented_key(&headers(&[("authorization", "bearer abc")])),
            Some("abc")
        );
        assert_eq!(
            presented_key(&headers(&[("x-user-token", "xyz")])),
            Some("xyz")
        );
        assert_eq!(
            presented_key(&headers(&[("authorization", "Basic abc")])),
            None
        );
        assert_eq!(presented_key(&headers(&[("x-user-email", "a@b.c")])), None);
        assert_eq!(presented_key(&headers(&[])), None);
    }
}

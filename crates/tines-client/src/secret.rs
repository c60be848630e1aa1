//! The API key, wrapped so that it cannot leak through formatting.

use std::fmt;

/// A Tines API key.
///
/// `Debug` and `Display` print `<redacted>`, so a key inside a [`Config`](crate::Config), a
/// [`Client`](crate::Client) or anything else that derives `Debug` never reaches a log line. The
/// value itself is readable only inside this crate, where it becomes the `Authorization` header.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting_never_shows_the_value() {
        let secret = Secret::new("tok_live_123");
        assert_eq!(format!("{secret:?}"), "<redacted>");
        assert_eq!(format!("{secret}"), "<redacted>");
        assert_eq!(
            format!("{:#?}", Some(secret.clone())),
            "Some(\n    <redacted>,\n)"
        );
        assert_eq!(secret.expose(), "tok_live_123");
    }
}

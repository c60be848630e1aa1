//! [`Sensitive`]: a secret in a model, which no `Debug`, log line or diagnostic can show.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A string attribute that holds a secret (a key, a password). It reads and writes as the plain
/// string Terraform holds, but formats as `<sensitive>`, so a model holding one can derive `Debug`
/// and be logged without leaking it. [`expose`](Sensitive::expose) is the one way to the value:
/// call it only where the value leaves for the service that needs it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Sensitive(String);

impl Sensitive {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Sensitive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<sensitive>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::path::AttrPath;
    use crate::value::{Value, from_value, to_value};

    #[test]
    fn reads_and_writes_as_the_plain_string_but_never_formats_it() {
        let read: Sensitive =
            from_value(&Value::String("s3cret".into()), AttrPath::root()).unwrap();
        assert_eq!(read.expose(), "s3cret");
        assert_eq!(to_value(&read).unwrap(), Value::String("s3cret".into()));
        assert_eq!(
            format!("{read:?} {:?}", Some(&read)),
            "<sensitive> Some(<sensitive>)"
        );
    }
}

//! Validators: checks on configured attribute values, run by the Validate*Config RPCs. A validator reports
//! problems as diagnostics with the attribute path, so Terraform shows them under the offending line.
//!
//! The server only calls validators for known, non-null values: null is for `required` to judge (Terraform
//! does), and unknown values are checked again once known, during apply's final plan.
//!
//! | constructor | file |
//! |---|---|
//! | [`string_length`] | `string_length.rs` |
//! | [`one_of`] | `one_of.rs` |
//! | [`regex_matches`] | `regex_matches.rs` |
//! | [`int_between`] | `int_between.rs` |
//! | [`each_one_of`] | `each_one_of.rs` |

mod each_one_of;
mod int_between;
mod one_of;
mod regex_matches;
mod string_length;

pub use each_one_of::each_one_of;
pub use int_between::int_between;
pub use one_of::one_of;
pub use regex_matches::regex_matches;
pub use string_length::string_length;

use crate::diag::Diagnostics;
use crate::path::AttrPath;
use crate::value::Value;

/// A check on one attribute's configured value.
pub trait Validator: Send + Sync {
    fn validate(&self, request: &ValidateRequest<'_>, diags: &mut Diagnostics);
}

/// What a validator sees.
pub struct ValidateRequest<'a> {
    /// Where the value is; use it for diagnostics.
    pub path: &'a AttrPath,
    /// The attribute's value: known and not null.
    pub value: &'a Value,
    /// The whole configuration, for checks that involve other attributes.
    pub config: &'a Value,
    /// The attribute (or one it is nested in) is sensitive or write-only: messages must not show the value.
    pub sensitive: bool,
}

impl ValidateRequest<'_> {
    /// `text` for a message, or a placeholder when the value must not be shown.
    pub fn shown(&self, text: impl std::fmt::Display) -> String {
        if self.sensitive {
            "(sensitive value)".to_owned()
        } else {
            text.to_string()
        }
    }
}

/// Runs `validator` on a string value; other values are left to the type system.
fn with_string(request: &ValidateRequest<'_>, f: impl FnOnce(&str)) {
    if let Some(s) = request.value.as_str() {
        f(s);
    }
}

#[cfg(test)]
fn check(validator: &dyn Validator, value: Value) -> Diagnostics {
    let path = AttrPath::attr("a");
    let mut diags = Diagnostics::new();
    validator.validate(
        &ValidateRequest {
            path: &path,
            value: &value,
            config: &Value::Null,
            sensitive: false,
        },
        &mut diags,
    );
    diags
}

//! Validators that more than one resource or data source uses: S3's naming rules, and RFC 3339 times.

use tfplugin_framework::diag::Diagnostics;
use tfplugin_framework::validator::{ValidateRequest, Validator};
use tines_client::Timestamp;

use crate::aws::s3::{check_bucket_name, check_object_key, check_prefix};

/// A validator from one of S3's naming rules (`aws::s3`), reporting under the attribute.
pub struct S3Name {
    what: &'static str,
    check: fn(&str) -> Result<(), String>,
}

pub const BUCKET_NAME: S3Name = S3Name {
    what: "Invalid S3 bucket name",
    check: check_bucket_name,
};

pub const KEY_PREFIX: S3Name = S3Name {
    what: "Invalid S3 key prefix",
    check: check_prefix,
};

pub const OBJECT_KEY: S3Name = S3Name {
    what: "Invalid S3 object key",
    check: check_object_key,
};

impl Validator for S3Name {
    fn validate(&self, request: &ValidateRequest<'_>, diags: &mut Diagnostics) {
        let Some(value) = request.value.as_str() else {
            return;
        };
        if let Err(problem) = (self.check)(value) {
            diags.attribute_error(
                request.path.clone(),
                self.what,
                format!("{} {problem} (got {value:?}).", request.path),
            );
        }
    }
}

/// `after`, `before`: RFC 3339 timestamps. Also an ingestion job's `backfill_from`.
pub struct Rfc3339;

impl Validator for Rfc3339 {
    fn validate(&self, request: &ValidateRequest<'_>, diags: &mut Diagnostics) {
        let Some(raw) = request.value.as_str() else {
            return;
        };
        if raw.parse::<Timestamp>().is_err() {
            diags.attribute_error(
                request.path.clone(),
                "Invalid timestamp",
                format!(
                    "{} must be an RFC 3339 timestamp such as 2025-01-01T00:00:00Z; got {raw:?}.",
                    request.path
                ),
            );
        }
    }
}

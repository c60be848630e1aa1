//! Resource-level configuration checks, after the attributes' own validators.

use super::Resource;
use crate::diag::Diagnostics;
use crate::value::SchemaValue;

/// Opt-in capability: check the configuration as a whole (attributes that conflict or go together).
/// Declare it in [`Resource::capabilities`] with `.validate_config()`.
///
/// Runs before the provider is configured, so it has no API access; values may be unknown.
pub trait ValidateConfig: Resource {
    fn validate_config(
        &self,
        request: &ValidateConfigRequest,
        response: &mut ValidateConfigResponse,
    );
}

/// What [`ValidateConfig::validate_config`] gets.
pub struct ValidateConfigRequest {
    pub config: SchemaValue,
}

/// What [`ValidateConfig::validate_config`] returns.
#[derive(Default)]
pub struct ValidateConfigResponse {
    pub diagnostics: Diagnostics,
}

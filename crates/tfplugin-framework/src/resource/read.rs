//! Read (refresh): report what the remote object looks like now.

use crate::diag::Diagnostics;
use crate::private::Private;
use crate::value::SchemaValue;

/// What [`Resource::read`](super::Resource::read) gets. There is no configuration: refresh works from state
/// alone.
pub struct ReadRequest {
    /// The stored state (never null).
    pub state: SchemaValue,
    pub private: Private,
}

/// What [`Resource::read`](super::Resource::read) returns.
pub struct ReadResponse {
    /// The refreshed state; starts as the stored one. Call [`SchemaValue::remove`] when the remote object is
    /// gone: Terraform then reports it deleted and plans to create it again.
    pub state: SchemaValue,
    pub private: Private,
    pub diagnostics: Diagnostics,
}

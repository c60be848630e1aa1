//! Delete: destroy the remote object.

use crate::diag::Diagnostics;
use crate::private::Private;
use crate::value::SchemaValue;

/// What [`Resource::delete`](super::Resource::delete) gets.
pub struct DeleteRequest {
    /// The state of the object to destroy.
    pub state: SchemaValue,
    pub private: Private,
}

/// What [`Resource::delete`](super::Resource::delete) returns. Without errors the resource is gone from
/// state; with errors the prior state is kept, so the next run tries again. An object that is already gone
/// is not an error.
#[derive(Default)]
pub struct DeleteResponse {
    pub diagnostics: Diagnostics,
}

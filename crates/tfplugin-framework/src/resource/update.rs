//! Update: change the remote object in place to match the plan.

use crate::diag::Diagnostics;
use crate::private::Private;
use crate::value::SchemaValue;

/// What [`Resource::update`](super::Resource::update) gets.
pub struct UpdateRequest {
    /// The configuration (wholly known; the only place write-only values can be read).
    pub config: SchemaValue,
    /// The plan.
    pub plan: SchemaValue,
    /// The state before the update.
    pub state: SchemaValue,
}

/// What [`Resource::update`](super::Resource::update) returns.
pub struct UpdateResponse {
    /// The new state; starts as the plan. Fill in its unknowns; leave its known values unchanged.
    pub state: SchemaValue,
    /// Starts as the private data planned.
    pub private: Private,
    pub diagnostics: Diagnostics,
}

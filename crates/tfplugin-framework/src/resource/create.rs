//! Create: make the remote object the plan describes.

use crate::diag::Diagnostics;
use crate::private::Private;
use crate::value::SchemaValue;

/// What [`Resource::create`](super::Resource::create) gets.
pub struct CreateRequest {
    /// The configuration, wholly known at apply time. The only place write-only values can be read.
    pub config: SchemaValue,
    /// The plan: configured values, defaults, and unknowns for computed attributes the provider must fill.
    pub plan: SchemaValue,
}

/// What [`Resource::create`](super::Resource::create) returns.
pub struct CreateResponse {
    /// The new state; starts as the plan. Replace every unknown with the real value, and leave every known
    /// planned value as it is (the server reports a changed one as an error naming the attribute).
    pub state: SchemaValue,
    /// Starts as the private data planned (empty unless the plan set some).
    pub private: Private,
    /// Errors leave the new state as returned when the resource recorded an object (a partly created
    /// object is still tracked, as tainted); with an error and a state that is null, still the plan, or
    /// still holding unknowns, nothing is recorded.
    pub diagnostics: Diagnostics,
}

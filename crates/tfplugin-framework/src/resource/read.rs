//! Read (refresh): report what the remote object looks like now.

use serde::de::DeserializeOwned;

use crate::diag::Diagnostics;
use crate::path::AttrPath;
use crate::private::Private;
use crate::value::{SchemaValue, from_value};

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

/// The stored state as [`ReadRequest::prior`] finds it.
pub enum Prior<M> {
    /// A state the resource wrote (create, update or an earlier read): the whole model.
    Stored(M),
    /// A state `terraform import` has just made: only what the resource's `import_state` set (read it
    /// with [`SchemaValue::get_attr`]); the read fills in the rest.
    Imported,
}

impl ReadRequest {
    /// The stored state as the resource's one model `M`. Every state the resource writes is a whole
    /// model (the framework checks each result against the schema), so one that is not can only be
    /// an import's: a resource needs no second, all-optional copy of its model to read one.
    pub fn prior<M: DeserializeOwned>(&self) -> Prior<M> {
        match from_value(self.state.value(), AttrPath::root()) {
            Ok(model) => Prior::Stored(model),
            Err(_) => Prior::Imported,
        }
    }
}

//! Import: start tracking an existing remote object by its ID (`terraform import`, `import {}` blocks).

use std::future::Future;

use super::Resource;
use crate::diag::Diagnostics;
use crate::path::AttrPath;
use crate::private::Private;
use crate::value::SchemaValue;

/// Opt-in capability: import by ID. Declare it in [`Resource::capabilities`] with `.import_state()`.
///
/// Set as much state as the ID gives (usually just the `id` attribute); Terraform then calls Read to fill in
/// the rest, and reports "Cannot import non-existent remote object" if Read removes it.
pub trait ImportState: Resource {
    fn import_state(
        &self,
        request: ImportStateRequest,
        response: &mut ImportStateResponse,
    ) -> impl Future<Output = ()> + Send;
}

/// What [`ImportState::import_state`] gets.
pub struct ImportStateRequest {
    /// The ID the user gave.
    pub id: String,
}

/// What [`ImportState::import_state`] returns.
pub struct ImportStateResponse {
    /// Starts null; must be set (at least partly) unless there are errors.
    pub state: SchemaValue,
    pub private: Private,
    pub diagnostics: Diagnostics,
}

impl ImportStateResponse {
    /// Sets the string attribute `attribute` to the imported ID and leaves the rest null for Read to fill:
    /// the import most resources need.
    pub fn passthrough_id(&mut self, attribute: &str, request: &ImportStateRequest) {
        self.state.set_attr(
            &AttrPath::attr(attribute),
            &request.id,
            &mut self.diagnostics,
        );
    }
}

//! State upgrades: read state stored by an older schema version.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::Resource;
use crate::diag::Diagnostics;
use crate::schema::Schema;
use crate::value::SchemaValue;

/// Opt-in capability: upgrade state stored with older schema versions. Declare it in
/// [`Resource::capabilities`] with `.upgrade_state()`.
///
/// Each upgrader goes straight from its version to the current one (not version by version), so old state
/// needs one step whatever its age.
pub trait UpgradeState: Resource {
    /// Upgraders by the schema version they read.
    fn state_upgraders(&self) -> BTreeMap<i64, StateUpgrader>;
}

type UpgradeFn = dyn Fn(&UpgradeStateRequest, &mut UpgradeStateResponse) + Send + Sync;

/// Reads state of one older schema version and writes it in the current schema.
pub struct StateUpgrader {
    pub(crate) prior_schema: Arc<Schema>,
    pub(crate) upgrade: Box<UpgradeFn>,
}

impl StateUpgrader {
    /// `prior_schema` is the schema the old state was written with (attributes no longer in it are dropped
    /// when reading); `upgrade` reads the old state and sets the new one.
    pub fn new(
        prior_schema: Schema,
        upgrade: impl Fn(&UpgradeStateRequest, &mut UpgradeStateResponse) + Send + Sync + 'static,
    ) -> StateUpgrader {
        StateUpgrader {
            prior_schema: Arc::new(prior_schema),
            upgrade: Box::new(upgrade),
        }
    }
}

/// What an upgrader gets.
pub struct UpgradeStateRequest {
    /// The stored state, read with the prior schema.
    pub state: SchemaValue,
}

/// What an upgrader returns.
pub struct UpgradeStateResponse {
    /// The state in the current schema; starts null and must be set.
    pub state: SchemaValue,
    pub diagnostics: Diagnostics,
}

//! Managed resources: the [`Resource`] trait (schema and create/read/update/delete), opt-in capabilities
//! as separate traits, and one request/response pair per operation.
//!
//! | file | what |
//! |---|---|
//! | `create.rs` `read.rs` `update.rs` `delete.rs` | the core operations |
//! | `import_state.rs` | [`ImportState`] |
//! | `upgrade_state.rs` | [`UpgradeState`], [`StateUpgrader`] |
//! | `modify_plan.rs` | [`ModifyPlan`] |
//! | `validate_config.rs` | [`ValidateConfig`] |
//! | `capabilities.rs` | [`Capabilities`]: how a resource declares the traits it implements |
//! | `registry.rs` | [`ResourceType`]: a resource as the provider lists it |
//!
//! Rust cannot ask a type "do you implement `ImportState`?" the way Go asks an interface, so a resource
//! declares its capabilities in [`Resource::capabilities`]; each declaration only compiles when the trait is
//! implemented.

mod capabilities;
mod create;
mod delete;
mod import_state;
mod modify_plan;
mod read;
mod registry;
mod update;
mod upgrade_state;
mod validate_config;

use std::future::Future;

pub use capabilities::Capabilities;
pub use create::{CreateRequest, CreateResponse};
pub use delete::{DeleteRequest, DeleteResponse};
pub use import_state::{ImportState, ImportStateRequest, ImportStateResponse};
pub use modify_plan::{ModifyPlan, ModifyPlanRequest, ModifyPlanResponse};
pub use read::{Prior, ReadRequest, ReadResponse};
pub(crate) use registry::ResourceInstance;
pub use registry::ResourceType;
pub use update::{UpdateRequest, UpdateResponse};
pub use upgrade_state::{StateUpgrader, UpgradeState, UpgradeStateRequest, UpgradeStateResponse};
pub use validate_config::{ValidateConfig, ValidateConfigRequest, ValidateConfigResponse};

use crate::schema::Schema;

/// A managed resource type. A fresh value is made (by the factory given to [`ResourceType::new`]) for
/// every operation, so it holds nothing but what [`Configure`](crate::Configure) gives it.
///
/// Handlers return nothing: they write the new state and any diagnostics into the response.
pub trait Resource: Send + Sync + Sized + 'static {
    /// The full type name, usually `format!("{provider_type_name}_thing")`.
    fn type_name(&self, provider_type_name: &str) -> String;

    fn schema(&self) -> Schema;

    fn create(
        &self,
        request: CreateRequest,
        response: &mut CreateResponse,
    ) -> impl Future<Output = ()> + Send;

    fn read(
        &self,
        request: ReadRequest,
        response: &mut ReadResponse,
    ) -> impl Future<Output = ()> + Send;

    fn update(
        &self,
        request: UpdateRequest,
        response: &mut UpdateResponse,
    ) -> impl Future<Output = ()> + Send;

    fn delete(
        &self,
        request: DeleteRequest,
        response: &mut DeleteResponse,
    ) -> impl Future<Output = ()> + Send;

    /// The opt-in capabilities this resource implements, e.g.
    /// `capabilities.import_state().upgrade_state()`. None by default.
    fn capabilities(capabilities: Capabilities<Self>) -> Capabilities<Self> {
        capabilities
    }
}

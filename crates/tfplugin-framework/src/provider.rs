//! [`Provider`]: the provider as a whole: its name, its own configuration, and the resources and data
//! sources it offers. Configuring it produces [`ProviderData`] (an API client, typically), which is handed
//! to every resource and data source that implements [`Configure`].

use std::any::Any;
use std::future::Future;
use std::sync::Arc;

use crate::datasource::DataSourceType;
use crate::diag::Diagnostics;
use crate::resource::ResourceType;
use crate::schema::Schema;
use crate::stop::StopSignal;
use crate::value::SchemaValue;

/// A Terraform provider, served with [`serve`](crate::serve()) or [`FrameworkServer`](crate::FrameworkServer).
pub trait Provider: Send + Sync + 'static {
    /// The provider's type name, the prefix of its resources' names (`testfw` for `testfw_thing`).
    fn type_name(&self) -> String;

    /// The schema of the `provider "…" {}` block; empty by default.
    fn schema(&self) -> Schema {
        Schema::new()
    }

    /// Reads the provider configuration and sets [`ConfigureResponse::data`]. Called once per provider
    /// process by Terraform, and many times on one process in debug mode; the latest data wins.
    /// The configuration can contain unknown values when it refers to resources not yet created.
    fn configure(
        &self,
        request: ConfigureRequest,
        response: &mut ConfigureResponse,
    ) -> impl Future<Output = ()> + Send;

    /// The managed resources, e.g. `vec![ResourceType::new(ThingResource::default)]`.
    fn resources(&self) -> Vec<ResourceType>;

    /// The data sources.
    fn data_sources(&self) -> Vec<DataSourceType> {
        Vec::new()
    }
}

/// What [`Provider::configure`] gets.
pub struct ConfigureRequest {
    /// The `provider` block.
    pub config: SchemaValue,
    /// The Terraform CLI's version, e.g. `1.15.5`.
    pub terraform_version: String,
    /// Fires when Terraform asks the provider to stop (Ctrl-C); for the provider's long waits.
    pub stop: StopSignal,
}

/// What [`Provider::configure`] returns.
#[derive(Default)]
pub struct ConfigureResponse {
    /// Handed to resources and data sources through [`Configure`]; see [`set_data`](Self::set_data).
    pub data: Option<ProviderData>,
    pub diagnostics: Diagnostics,
}

impl ConfigureResponse {
    pub fn set_data<T: Any + Send + Sync>(&mut self, data: T) {
        self.data = Some(ProviderData::new(data));
    }
}

/// Whatever the provider's configure step produced, shared with resources and data sources.
#[derive(Clone)]
pub struct ProviderData(Arc<dyn Any + Send + Sync>);

impl ProviderData {
    pub fn new<T: Any + Send + Sync>(data: T) -> ProviderData {
        ProviderData(Arc::new(data))
    }

    /// The data as `T`, or `None` if it is something else.
    pub fn get<T: Any + Send + Sync>(&self) -> Option<&T> {
        self.0.downcast_ref()
    }
}

impl std::fmt::Debug for ProviderData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProviderData(..)")
    }
}

/// Opt-in capability of resources and data sources: receive the provider's data before each operation.
/// Not called before the provider is configured (validation runs earlier), so keep the data in an `Option`
/// and report an error from operations that need it when it is missing.
pub trait Configure {
    fn configure(&mut self, data: &ProviderData, diags: &mut Diagnostics);
}

//! Data sources: read-only lookups. The [`DataSource`] trait, its one operation in `read.rs`, and
//! [`DataSourceType`] in `registry.rs`.

mod read;
mod registry;

use std::future::Future;

pub use read::{ReadDataSourceRequest, ReadDataSourceResponse};
pub use registry::DataSourceType;

use crate::diag::Diagnostics;
use crate::provider::{Configure, ProviderData};
use crate::schema::Schema;

/// A data source type. Like resources, a fresh value is made for each operation.
pub trait DataSource: Send + Sync + Sized + 'static {
    /// The full type name, usually `format!("{provider_type_name}_echo")`.
    fn type_name(&self, provider_type_name: &str) -> String;

    fn schema(&self) -> Schema;

    /// Reads the data. Terraform plans data sources whose configuration is not yet known itself, so the
    /// configuration here is wholly known.
    fn read(
        &self,
        request: ReadDataSourceRequest,
        response: &mut ReadDataSourceResponse,
    ) -> impl Future<Output = ()> + Send;

    /// The opt-in capabilities this data source implements.
    fn capabilities(capabilities: Capabilities<Self>) -> Capabilities<Self> {
        capabilities
    }
}

type ConfigureFn<D> = fn(&mut D, &ProviderData, &mut Diagnostics);

/// The opt-in capabilities of data source `D`.
pub struct Capabilities<D> {
    configure: Option<ConfigureFn<D>>,
}

impl<D: DataSource> Capabilities<D> {
    /// `D` implements [`Configure`].
    pub fn configure(mut self) -> Self
    where
        D: Configure,
    {
        self.configure = Some(D::configure);
        self
    }
}

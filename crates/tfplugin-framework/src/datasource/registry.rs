//! [`DataSourceType`]: a data source with its type erased.

use std::sync::Arc;

use futures_util::future::BoxFuture;

use super::{Capabilities, DataSource, ReadDataSourceRequest, ReadDataSourceResponse};
use crate::diag::Diagnostics;
use crate::provider::ProviderData;
use crate::schema::Schema;

/// A data source type for [`Provider::data_sources`](crate::Provider::data_sources).
#[derive(Clone)]
pub struct DataSourceType {
    factory: Arc<dyn Fn() -> Box<dyn ErasedDataSource> + Send + Sync>,
}

impl DataSourceType {
    /// `factory` makes a fresh data source value for each operation.
    pub fn new<D: DataSource>(factory: impl Fn() -> D + Send + Sync + 'static) -> DataSourceType {
        let capabilities = Arc::new(D::capabilities(Capabilities { configure: None }));
        DataSourceType {
            factory: Arc::new(move || {
                Box::new(Typed {
                    data_source: factory(),
                    capabilities: capabilities.clone(),
                })
            }),
        }
    }

    pub(crate) fn instance(
        &self,
        data: Option<&ProviderData>,
        diags: &mut Diagnostics,
    ) -> DataSourceInstance {
        let mut data_source = (self.factory)();
        if let Some(data) = data {
            data_source.configure(data, diags);
        }
        DataSourceInstance(data_source)
    }
}

pub(crate) struct DataSourceInstance(Box<dyn ErasedDataSource>);

impl std::ops::Deref for DataSourceInstance {
    type Target = dyn ErasedDataSource;

    fn deref(&self) -> &Self::Target {
        &*self.0
    }
}

pub(crate) trait ErasedDataSource: Send + Sync {
    fn type_name(&self, provider_type_name: &str) -> String;
    fn schema(&self) -> Schema;
    fn configure(&mut self, data: &ProviderData, diags: &mut Diagnostics);
    fn read<'a>(
        &'a self,
        req: ReadDataSourceRequest,
        resp: &'a mut ReadDataSourceResponse,
    ) -> BoxFuture<'a, ()>;
}

struct Typed<D> {
    data_source: D,
    capabilities: Arc<Capabilities<D>>,
}

impl<D: DataSource> ErasedDataSource for Typed<D> {
    fn type_name(&self, provider_type_name: &str) -> String {
        self.data_source.type_name(provider_type_name)
    }

    fn schema(&self) -> Schema {
        self.data_source.schema()
    }

    fn configure(&mut self, data: &ProviderData, diags: &mut Diagnostics) {
        if let Some(configure) = self.capabilities.configure {
            configure(&mut self.data_source, data, diags);
        }
    }

    fn read<'a>(
        &'a self,
        req: ReadDataSourceRequest,
        resp: &'a mut ReadDataSourceResponse,
    ) -> BoxFuture<'a, ()> {
        Box::pin(self.data_source.read(req, resp))
    }
}

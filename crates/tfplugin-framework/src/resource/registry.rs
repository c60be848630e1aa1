//! [`ResourceType`]: a resource as a provider lists it, with its type erased so one provider can serve
//! many resource types. The server makes a [`ResourceInstance`] for each operation.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures_util::future::BoxFuture;

use super::capabilities::Capabilities;
use super::{
    CreateRequest, CreateResponse, DeleteRequest, DeleteResponse, ImportStateRequest,
    ImportStateResponse, ModifyPlanRequest, ModifyPlanResponse, ReadRequest, ReadResponse,
    Resource, StateUpgrader, UpdateRequest, UpdateResponse, ValidateConfigRequest,
    ValidateConfigResponse,
};
use crate::diag::Diagnostics;
use crate::provider::ProviderData;
use crate::schema::Schema;

/// A resource type for [`Provider::resources`](crate::Provider::resources).
#[derive(Clone)]
pub struct ResourceType {
    factory: Arc<dyn Fn() -> Box<dyn ErasedResource> + Send + Sync>,
}

impl ResourceType {
    /// `factory` makes a fresh resource value for each operation (`ThingResource::default`, say).
    pub fn new<R: Resource>(factory: impl Fn() -> R + Send + Sync + 'static) -> ResourceType {
        let capabilities = Arc::new(R::capabilities(Capabilities::none()));
        ResourceType {
            factory: Arc::new(move || {
                Box::new(Typed {
                    resource: factory(),
                    capabilities: capabilities.clone(),
                })
            }),
        }
    }

    /// A fresh instance, configured with the provider's data when there is some.
    pub(crate) fn instance(
        &self,
        data: Option<&ProviderData>,
        diags: &mut Diagnostics,
    ) -> ResourceInstance {
        let mut resource = (self.factory)();
        if let Some(data) = data {
            resource.configure(data, diags);
        }
        ResourceInstance(resource)
    }
}

/// One resource value, ready for one operation.
pub(crate) struct ResourceInstance(Box<dyn ErasedResource>);

impl std::ops::Deref for ResourceInstance {
    type Target = dyn ErasedResource;

    fn deref(&self) -> &Self::Target {
        &*self.0
    }
}

/// [`Resource`] and its capabilities without the type. The optional operations return `None` when the
/// resource did not declare them.
pub(crate) trait ErasedResource: Send + Sync {
    fn type_name(&self, provider_type_name: &str) -> String;
    fn schema(&self) -> Schema;
    fn configure(&mut self, data: &ProviderData, diags: &mut Diagnostics);
    fn create<'a>(&'a self, req: CreateRequest, resp: &'a mut CreateResponse) -> BoxFuture<'a, ()>;
    fn read<'a>(&'a self, req: ReadRequest, resp: &'a mut ReadResponse) -> BoxFuture<'a, ()>;
    fn update<'a>(&'a self, req: UpdateRequest, resp: &'a mut UpdateResponse) -> BoxFuture<'a, ()>;
    fn delete<'a>(&'a self, req: DeleteRequest, resp: &'a mut DeleteResponse) -> BoxFuture<'a, ()>;
    fn import_state<'a>(
        &'a self,
        req: ImportStateRequest,
        resp: &'a mut ImportStateResponse,
    ) -> Option<BoxFuture<'a, ()>>;
    fn modify_plan<'a>(
        &'a self,
        req: ModifyPlanRequest,
        resp: &'a mut ModifyPlanResponse,
    ) -> Option<BoxFuture<'a, ()>>;
    fn state_upgraders(&self) -> BTreeMap<i64, StateUpgrader>;
    fn validate_config(&self, req: &ValidateConfigRequest, resp: &mut ValidateConfigResponse);
}

struct Typed<R> {
    resource: R,
    capabilities: Arc<Capabilities<R>>,
}

impl<R: Resource> ErasedResource for Typed<R> {
    fn type_name(&self, provider_type_name: &str) -> String {
        self.resource.type_name(provider_type_name)
    }

    fn schema(&self) -> Schema {
        self.resource.schema()
    }

    fn configure(&mut self, data: &ProviderData, diags: &mut Diagnostics) {
        if let Some(configure) = self.capabilities.configure {
            configure(&mut self.resource, data, diags);
        }
    }

    fn create<'a>(&'a self, req: CreateRequest, resp: &'a mut CreateResponse) -> BoxFuture<'a, ()> {
        Box::pin(self.resource.create(req, resp))
    }

    fn read<'a>(&'a self, req: ReadRequest, resp: &'a mut ReadResponse) -> BoxFuture<'a, ()> {
        Box::pin(self.resource.read(req, resp))
    }

    fn update<'a>(&'a self, req: UpdateRequest, resp: &'a mut UpdateResponse) -> BoxFuture<'a, ()> {
        Box::pin(self.resource.update(req, resp))
    }

    fn delete<'a>(&'a self, req: DeleteRequest, resp: &'a mut DeleteResponse) -> BoxFuture<'a, ()> {
        Box::pin(self.resource.delete(req, resp))
    }

    fn import_state<'a>(
        &'a self,
        req: ImportStateRequest,
        resp: &'a mut ImportStateResponse,
    ) -> Option<BoxFuture<'a, ()>> {
        self.capabilities
            .import_state
            .map(|import| import(&self.resource, req, resp))
    }

    fn modify_plan<'a>(
        &'a self,
        req: ModifyPlanRequest,
        resp: &'a mut ModifyPlanResponse,
    ) -> Option<BoxFuture<'a, ()>> {
        self.capabilities
            .modify_plan
            .map(|modify| modify(&self.resource, req, resp))
    }

    fn state_upgraders(&self) -> BTreeMap<i64, StateUpgrader> {
        self.capabilities
            .upgrade_state
            .map(|upgraders| upgraders(&self.resource))
            .unwrap_or_default()
    }

    fn validate_config(&self, req: &ValidateConfigRequest, resp: &mut ValidateConfigResponse) {
        if let Some(validate) = self.capabilities.validate_config {
            validate(&self.resource, req, resp);
        }
    }
}

//! [`FrameworkServer`]: serves a [`Provider`] as a protocol-level [`ProviderServer`].
//!
//! Each RPC lives in its own file and has the same shape: look the resource type up, decode the request's
//! values with its schema (`convert`), run the framework's steps and the resource's handler, check the
//! result the way Terraform core will (`walk`), encode. Problems become diagnostics; the RPC itself only
//! fails when Terraform asks for something the protocol does not allow.
//!
//! | file | RPCs |
//! |---|---|
//! | `schema.rs` | GetProviderSchema, GetMetadata |
//! | `validate.rs` | ValidateProviderConfig, ValidateResourceConfig, ValidateDataResourceConfig |
//! | `configure.rs` | ConfigureProvider |
//! | `upgrade.rs` | UpgradeResourceState |
//! | `read.rs` | ReadResource |
//! | `plan.rs` | PlanResourceChange |
//! | `apply.rs` | ApplyResourceChange |
//! | `import.rs` | ImportResourceState |
//! | `data_source.rs` | ReadDataSource |

mod apply;
mod configure;
mod convert;
mod data_source;
mod display;
mod import;
mod plan;
mod read;
mod schema;
mod upgrade;
mod validate;
mod walk;

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use tfplugin_proto::wire::{
    apply_resource_change, configure_provider, get_functions, get_metadata, get_provider_schema,
    get_resource_identity_schemas, import_resource_state, plan_resource_change, read_data_source,
    read_resource, stop_provider, upgrade_resource_state, validate_data_resource_config,
    validate_provider_config, validate_resource_config,
};
use tfplugin_proto::{ProviderServer, RpcResult};

use crate::datasource::DataSourceType;
use crate::diag::Diagnostics;
use crate::provider::{Provider, ProviderData};
use crate::resource::ResourceType;
use crate::schema::{Schema, SchemaKind, check_schema};
use crate::stop::{StopHandle, StopSignal};

/// A [`Provider`] served over the plugin protocol. Build it with [`FrameworkServer::new`] and hand it to
/// [`serve`](crate::serve()), or call its RPC methods directly in tests.
pub struct FrameworkServer<P> {
    provider: P,
    type_name: String,
    provider_schema: Arc<Schema>,
    resources: BTreeMap<String, Registered<ResourceType>>,
    data_sources: BTreeMap<String, Registered<DataSourceType>>,
    /// Problems with the schemas themselves, reported by GetProviderSchema so the first plan shows them.
    schema_problems: Diagnostics,
    /// The latest ConfigureProvider's result. Debug mode configures one process many times; the latest wins.
    data: RwLock<Option<ProviderData>>,
    /// Fired by StopProvider; each ConfigureProvider hands the provider a fresh signal of it.
    stop: StopHandle,
}

struct Registered<T> {
    kind: T,
    schema: Arc<Schema>,
}

impl<P: Provider> FrameworkServer<P> {
    pub fn new(provider: P) -> FrameworkServer<P> {
        let type_name = provider.type_name();
        let mut schema_problems = Diagnostics::new();
        let provider_schema = Arc::new(provider.schema());
        schema_problems.extend(check_schema(
            &provider_schema,
            SchemaKind::Provider,
            &format!("provider {type_name}"),
        ));

        let mut resources = BTreeMap::new();
        for kind in provider.resources() {
            let instance = kind.instance(None, &mut schema_problems);
            let name = instance.type_name(&type_name);
            let schema = Arc::new(instance.schema());
            schema_problems.extend(check_schema(
                &schema,
                SchemaKind::Resource,
                &format!("resource {name}"),
            ));
            for version in instance.state_upgraders().keys() {
                if *version >= schema.version {
                    schema_problems.error(
                        format!("Invalid schema for resource {name}"),
                        format!(
                            "There is a state upgrader from version {version}, but the schema is version {}; upgraders are for older versions. This is a bug in the provider.",
                            schema.version
                        ),
                    );
                }
            }
            if resources
                .insert(name.clone(), Registered { kind, schema })
                .is_some()
            {
                schema_problems.error(
                    "Duplicate resource type",
                    format!(
                        "The provider lists resource {name} twice. This is a bug in the provider."
                    ),
                );
            }
        }
        let mut data_sources = BTreeMap::new();
        for kind in provider.data_sources() {
            let instance = kind.instance(None, &mut schema_problems);
            let name = instance.type_name(&type_name);
            let schema = Arc::new(instance.schema());
            schema_problems.extend(check_schema(
                &schema,
                SchemaKind::DataSource,
                &format!("data source {name}"),
            ));
            if data_sources
                .insert(name.clone(), Registered { kind, schema })
                .is_some()
            {
                schema_problems.error(
                    "Duplicate data source type",
                    format!("The provider lists data source {name} twice. This is a bug in the provider."),
                );
            }
        }
        FrameworkServer {
            provider,
            type_name,
            provider_schema,
            resources,
            data_sources,
            schema_problems,
            data: RwLock::new(None),
            stop: StopSignal::channel().0,
        }
    }

    /// The provider's data from the latest ConfigureProvider.
    fn provider_data(&self) -> Option<ProviderData> {
        // A poisoned lock only means a panic elsewhere while replacing the data; the data is still whole.
        self.data
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    fn resource(
        &self,
        type_name: &str,
        diags: &mut Diagnostics,
    ) -> Option<&Registered<ResourceType>> {
        let found = self.resources.get(type_name);
        if found.is_none() {
            diags.error(
                "Unknown resource type",
                format!(
                    "The provider {} has no resource type {type_name:?}.",
                    self.type_name
                ),
            );
        }
        found
    }

    fn data_source(
        &self,
        type_name: &str,
        diags: &mut Diagnostics,
    ) -> Option<&Registered<DataSourceType>> {
        let found = self.data_sources.get(type_name);
        if found.is_none() {
            diags.error(
                "Unknown data source type",
                format!(
                    "The provider {} has no data source type {type_name:?}.",
                    self.type_name
                ),
            );
        }
        found
    }
}

impl<P: Provider> ProviderServer for FrameworkServer<P> {
    async fn get_provider_schema(
        &self,
        request: get_provider_schema::Request,
    ) -> RpcResult<get_provider_schema::Response> {
        Ok(self.get_provider_schema_rpc(request))
    }

    async fn get_metadata(
        &self,
        request: get_metadata::Request,
    ) -> RpcResult<get_metadata::Response> {
        Ok(self.get_metadata_rpc(request))
    }

    /// Terraform 1.12+ asks for identity schemas after the provider schema; resources here have no
    /// identities, which an empty answer says.
    async fn get_resource_identity_schemas(
        &self,
        _: get_resource_identity_schemas::Request,
    ) -> RpcResult<get_resource_identity_schemas::Response> {
        Ok(Default::default())
    }

    /// No provider functions: an empty list rather than "unimplemented", which some CLIs log as an error.
    async fn get_functions(&self, _: get_functions::Request) -> RpcResult<get_functions::Response> {
        Ok(Default::default())
    }

    async fn validate_provider_config(
        &self,
        request: validate_provider_config::Request,
    ) -> RpcResult<validate_provider_config::Response> {
        Ok(self.validate_provider_config_rpc(request))
    }

    async fn validate_resource_config(
        &self,
        request: validate_resource_config::Request,
    ) -> RpcResult<validate_resource_config::Response> {
        tracing::debug!(rpc = "ValidateResourceConfig", type_name = %request.type_name, "handling");
        Ok(self.validate_resource_config_rpc(request))
    }

    async fn validate_data_resource_config(
        &self,
        request: validate_data_resource_config::Request,
    ) -> RpcResult<validate_data_resource_config::Response> {
        tracing::debug!(rpc = "ValidateDataResourceConfig", type_name = %request.type_name, "handling");
        Ok(self.validate_data_resource_config_rpc(request))
    }

    async fn upgrade_resource_state(
        &self,
        request: upgrade_resource_state::Request,
    ) -> RpcResult<upgrade_resource_state::Response> {
        tracing::debug!(rpc = "UpgradeResourceState", type_name = %request.type_name, "handling");
        Ok(self.upgrade_resource_state_rpc(request))
    }

    async fn configure_provider(
        &self,
        request: configure_provider::Request,
    ) -> RpcResult<configure_provider::Response> {
        Ok(self.configure_provider_rpc(request).await)
    }

    async fn read_resource(
        &self,
        request: read_resource::Request,
    ) -> RpcResult<read_resource::Response> {
        tracing::debug!(rpc = "ReadResource", type_name = %request.type_name, "handling");
        Ok(self.read_resource_rpc(request).await)
    }

    async fn plan_resource_change(
        &self,
        request: plan_resource_change::Request,
    ) -> RpcResult<plan_resource_change::Response> {
        tracing::debug!(rpc = "PlanResourceChange", type_name = %request.type_name, "handling");
        Ok(self.plan_resource_change_rpc(request).await)
    }

    async fn apply_resource_change(
        &self,
        request: apply_resource_change::Request,
    ) -> RpcResult<apply_resource_change::Response> {
        tracing::debug!(rpc = "ApplyResourceChange", type_name = %request.type_name, "handling");
        Ok(self.apply_resource_change_rpc(request).await)
    }

    async fn import_resource_state(
        &self,
        request: import_resource_state::Request,
    ) -> RpcResult<import_resource_state::Response> {
        tracing::debug!(rpc = "ImportResourceState", type_name = %request.type_name, "handling");
        Ok(self.import_resource_state_rpc(request).await)
    }

    async fn read_data_source(
        &self,
        request: read_data_source::Request,
    ) -> RpcResult<read_data_source::Response> {
        tracing::debug!(rpc = "ReadDataSource", type_name = %request.type_name, "handling");
        Ok(self.read_data_source_rpc(request).await)
    }

    /// The user pressed Ctrl-C: fires the [`StopSignal`] the provider got at configure, so that its long
    /// waits end early. Operations in flight are not dropped: one stopped half-way could leave something
    /// made and not recorded.
    async fn stop_provider(&self, _: stop_provider::Request) -> RpcResult<stop_provider::Response> {
        tracing::info!("Terraform asked the provider to stop");
        self.stop.stop();
        Ok(Default::default())
    }
}

//! GetProviderSchema and GetMetadata.

use tfplugin_proto::wire::{ServerCapabilities, get_metadata, get_provider_schema};

use super::{FrameworkServer, convert};
use crate::provider::Provider;

/// What this framework supports: Terraform may cache schemas per run (`get_provider_schema_optional`),
/// and plans destroys through PlanResourceChange (`plan_destroy`) so ModifyPlan sees them. Moving state
/// between resource types is not supported, so `move_resource_state` stays off.
fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        plan_destroy: true,
        get_provider_schema_optional: true,
        move_resource_state: false,
        generate_resource_config: false,
    }
}

impl<P: Provider> FrameworkServer<P> {
    pub(super) fn get_provider_schema_rpc(
        &self,
        _: get_provider_schema::Request,
    ) -> get_provider_schema::Response {
        get_provider_schema::Response {
            provider: Some(convert::schema(&self.provider_schema)),
            resource_schemas: self
                .resources
                .iter()
                .map(|(name, r)| (name.clone(), convert::schema(&r.schema)))
                .collect(),
            data_source_schemas: self
                .data_sources
                .iter()
                .map(|(name, d)| (name.clone(), convert::schema(&d.schema)))
                .collect(),
            diagnostics: convert::diagnostics(&self.schema_problems),
            server_capabilities: Some(capabilities()),
            ..Default::default()
        }
    }

    pub(super) fn get_metadata_rpc(&self, _: get_metadata::Request) -> get_metadata::Response {
        get_metadata::Response {
            server_capabilities: Some(capabilities()),
            resources: self
                .resources
                .keys()
                .map(|name| get_metadata::ResourceMetadata {
                    type_name: name.clone(),
                })
                .collect(),
            data_sources: self
                .data_sources
                .keys()
                .map(|name| get_metadata::DataSourceMetadata {
                    type_name: name.clone(),
                })
                .collect(),
            diagnostics: convert::diagnostics(&self.schema_problems),
            ..Default::default()
        }
    }
}

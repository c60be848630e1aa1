//! Data source `tinesaudit_tenant`: what `GET /api/v1/info` says about the tenant's stack, e.g. the egress
//! addresses to allow in a firewall.
//!
//! ```hcl
//! data "tinesaudit_tenant" "this" {}
//! ```
//!
//! Any valid key may read it, so it is also the cheapest check that `tenant` and `api_key` work.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tfplugin_framework::datasource::{
    Capabilities, DataSource, ReadDataSourceRequest, ReadDataSourceResponse,
};
use tfplugin_framework::diag::Diagnostics;
use tfplugin_framework::schema::{Attribute, Schema};
use tfplugin_framework::value::Type;
use tfplugin_framework::{Configure, ProviderData};

use crate::clients::{ProviderClients, configured};
use crate::tines::errors::provider_key_error;

#[derive(Default)]
pub struct TenantDataSource {
    clients: Option<Arc<ProviderClients>>,
}

#[derive(Serialize, Deserialize)]
struct TenantModel {
    tenant: Option<String>,
    stack_name: Option<String>,
    stack_type: Option<String>,
    region: Option<String>,
    egress_ips: Option<Vec<String>>,
}

impl DataSource for TenantDataSource {
    fn type_name(&self, provider_type_name: &str) -> String {
        format!("{provider_type_name}_tenant")
    }

    fn schema(&self) -> Schema {
        let computed = |text: &str| Attribute::string().computed().description(text);
        Schema::new()
            .description("The Tines tenant the provider talks to, as `GET /api/v1/info` describes its stack.")
            .attribute("tenant", computed("The tenant URL the provider is configured with."))
            .attribute("stack_name", computed("The stack's name; null if Tines does not say."))
            .attribute("stack_type", computed("The stack's type, e.g. dedicated or shared; null if Tines does not say."))
            .attribute("region", computed("The stack's region; null if Tines does not say."))
            .attribute(
                "egress_ips",
                Attribute::list(Type::String)
                    .computed()
                    .description("The addresses the tenant's outbound requests come from."),
            )
    }

    async fn read(&self, _request: ReadDataSourceRequest, response: &mut ReadDataSourceResponse) {
        let diags = &mut response.diagnostics;
        let Some(clients) = configured(&self.clients, diags) else {
            return;
        };
        let Some(tines) = clients.tines(diags) else {
            return;
        };
        let info = match tines.admin().info().await {
            Ok(info) => info,
            Err(e) => return diags.push(provider_key_error("read the tenant's info", &e)),
        };
        let stack = info.stack;
        let state = TenantModel {
            tenant: Some(tines.tenant().to_owned()),
            stack_name: stack.name,
            stack_type: stack.kind,
            region: stack.region,
            egress_ips: Some(stack.egress_ips),
        };
        response.state.set(&state, &mut response.diagnostics);
    }

    fn capabilities(capabilities: Capabilities<Self>) -> Capabilities<Self> {
        capabilities.configure()
    }
}

impl Configure for TenantDataSource {
    fn configure(&mut self, data: &ProviderData, diags: &mut Diagnostics) {
        self.clients = ProviderClients::from_data(data, diags);
    }
}

//! ConfigureProvider.

use tfplugin_proto::wire::configure_provider;

use super::{FrameworkServer, convert};
use crate::diag::Diagnostics;
use crate::provider::{ConfigureRequest, ConfigureResponse, Provider};

impl<P: Provider> FrameworkServer<P> {
    /// Runs the provider's configure and keeps its data for later operations. Terraform configures a
    /// managed process once, but a debug-mode process once per run: each call replaces the data.
    pub(super) async fn configure_provider_rpc(
        &self,
        request: configure_provider::Request,
    ) -> configure_provider::Response {
        let mut diags = Diagnostics::new();
        if let Some(config) = convert::decode(
            request.config.as_ref(),
            &self.provider_schema,
            "provider configuration",
            &mut diags,
        ) {
            let mut response = ConfigureResponse::default();
            self.provider
                .configure(
                    ConfigureRequest {
                        config,
                        terraform_version: request.terraform_version,
                        stop: self.stop.renew(),
                    },
                    &mut response,
                )
                .await;
            diags.extend(response.diagnostics);
            if let Some(data) = response.data {
                *self
                    .data
                    .write()
                    .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(data);
            }
        }
        configure_provider::Response {
            diagnostics: convert::diagnostics(&diags),
        }
    }
}

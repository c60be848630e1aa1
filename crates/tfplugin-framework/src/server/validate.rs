//! ValidateProviderConfig, ValidateResourceConfig and ValidateDataResourceConfig. Terraform itself checks
//! types, required attributes and block counts; the framework adds the refusal of read-only attributes
//! (Terraform accepts them in a configuration), deprecation warnings, write-only support, int64 ranges, the
//! attributes' validators and the resource's own checks. Resources and data sources get the same checks
//! from the schema, so none can forget one.

use tfplugin_proto::wire::{
    validate_data_resource_config, validate_provider_config, validate_resource_config,
};

use super::walk::{Body, validate};
use super::{FrameworkServer, convert};
use crate::diag::Diagnostics;
use crate::path::AttrPath;
use crate::provider::Provider;
use crate::resource::{ValidateConfigRequest, ValidateConfigResponse};
use crate::schema::Schema;
use crate::value::SchemaValue;

fn validate_attributes(
    config: &SchemaValue,
    schema: &Schema,
    write_only_allowed: bool,
    diags: &mut Diagnostics,
) {
    validate(
        Body::of(schema.body()),
        &AttrPath::root(),
        config.value(),
        config.value(),
        write_only_allowed,
        false,
        diags,
    );
}

impl<P: Provider> FrameworkServer<P> {
    pub(super) fn validate_provider_config_rpc(
        &self,
        request: validate_provider_config::Request,
    ) -> validate_provider_config::Response {
        let mut diags = Diagnostics::new();
        if let Some(config) = convert::decode(
            request.config.as_ref(),
            &self.provider_schema,
            "provider configuration",
            &mut diags,
        ) {
            validate_attributes(&config, &self.provider_schema, false, &mut diags);
        }
        validate_provider_config::Response {
            diagnostics: convert::diagnostics(&diags),
        }
    }

    pub(super) fn validate_resource_config_rpc(
        &self,
        request: validate_resource_config::Request,
    ) -> validate_resource_config::Response {
        let mut diags = Diagnostics::new();
        // Terraform before 1.11 sends no client capabilities, and it would store write-only values in
        // state: refuse them there with a message that says why.
        let write_only_allowed = request
            .client_capabilities
            .is_some_and(|c| c.write_only_attributes_allowed);
        if let Some(resource) = self.resource(&request.type_name, &mut diags)
            && let Some(config) = convert::decode(
                request.config.as_ref(),
                &resource.schema,
                "configuration",
                &mut diags,
            )
        {
            validate_attributes(&config, &resource.schema, write_only_allowed, &mut diags);
            // Validation runs before the provider is configured: the resource gets no provider data.
            let instance = resource.kind.instance(None, &mut diags);
            let mut response = ValidateConfigResponse::default();
            instance.validate_config(&ValidateConfigRequest { config }, &mut response);
            diags.extend(response.diagnostics);
        }
        validate_resource_config::Response {
            diagnostics: convert::diagnostics(&diags),
        }
    }

    pub(super) fn validate_data_resource_config_rpc(
        &self,
        request: validate_data_resource_config::Request,
    ) -> validate_data_resource_config::Response {
        let mut diags = Diagnostics::new();
        if let Some(data_source) = self.data_source(&request.type_name, &mut diags)
            && let Some(config) = convert::decode(
                request.config.as_ref(),
                &data_source.schema,
                "configuration",
                &mut diags,
            )
        {
            validate_attributes(&config, &data_source.schema, false, &mut diags);
        }
        validate_data_resource_config::Response {
            diagnostics: convert::diagnostics(&diags),
        }
    }
}

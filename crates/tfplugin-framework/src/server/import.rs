//! ImportResourceState.

use tfplugin_proto::wire::import_resource_state;

use super::walk::{Body, null_write_only, require_known};
use super::{FrameworkServer, convert};
use crate::diag::Diagnostics;
use crate::private::Private;
use crate::provider::Provider;
use crate::resource::{ImportStateRequest, ImportStateResponse};
use crate::value::SchemaValue;

impl<P: Provider> FrameworkServer<P> {
    /// Imports one object by ID. Terraform wants exactly one imported resource with its type name; it then
    /// calls ReadResource on it.
    pub(super) async fn import_resource_state_rpc(
        &self,
        request: import_resource_state::Request,
    ) -> import_resource_state::Response {
        let mut diags = Diagnostics::new();
        let mut response = import_resource_state::Response::default();
        if let Some(resource) = self.resource(&request.type_name, &mut diags) {
            let instance = resource
                .kind
                .instance(self.provider_data().as_ref(), &mut diags);
            let mut import = ImportStateResponse {
                state: SchemaValue::null(resource.schema.clone()),
                private: Private::default(),
                diagnostics: Diagnostics::new(),
            };
            let supported =
                match instance.import_state(ImportStateRequest { id: request.id }, &mut import) {
                    Some(run) => {
                        run.await;
                        true
                    }
                    None => false,
                };
            if !supported {
                import.diagnostics.error(
                    "Resource import not implemented",
                    format!(
                        "The resource type {} does not support import.",
                        request.type_name
                    ),
                );
            }
            diags.extend(import.diagnostics);
            let mut state = import.state.into_value();
            if !diags.has_error() && state.is_null() {
                diags.error(
                    "Missing resource import state",
                    "The import set no state, so Terraform would have nothing to read. This is a bug in the provider.",
                );
            }
            if !diags.has_error() {
                null_write_only(Body::of(resource.schema.body()), &mut state);
                require_known(&mut state, "import", &mut diags);
                response.imported_resources = vec![import_resource_state::ImportedResource {
                    type_name: request.type_name,
                    state: convert::encode(&state, &resource.schema, "imported state", &mut diags),
                    private: import.private.encode(),
                    identity: None,
                }];
            }
        }
        response.diagnostics = convert::diagnostics(&diags);
        response
    }
}

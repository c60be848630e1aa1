//! ReadResource (refresh).

use tfplugin_proto::wire::read_resource;

use super::walk::{Body, null_write_only, require_known};
use super::{FrameworkServer, convert};
use crate::diag::Diagnostics;
use crate::private::Private;
use crate::provider::Provider;
use crate::resource::{ReadRequest, ReadResponse};

impl<P: Provider> FrameworkServer<P> {
    /// Refreshes one object. A null result (the resource called `state.remove()`) tells Terraform the
    /// object is gone: it reports it deleted outside Terraform and plans to create it.
    pub(super) async fn read_resource_rpc(
        &self,
        request: read_resource::Request,
    ) -> read_resource::Response {
        let mut diags = Diagnostics::new();
        // Until a refresh succeeds the answer is the state as it was: a null state would mean "deleted",
        // and no failure may turn into that.
        let mut response = read_resource::Response {
            new_state: request.current_state.clone(),
            private: request.private.clone(),
            ..Default::default()
        };
        if let Some(resource) = self.resource(&request.type_name, &mut diags)
            && let Some(state) = convert::decode(
                request.current_state.as_ref(),
                &resource.schema,
                "state",
                &mut diags,
            )
        {
            let private = Private::decode(&request.private, &mut diags);
            let instance = resource
                .kind
                .instance(self.provider_data().as_ref(), &mut diags);
            if !diags.has_error() && !state.is_null() {
                let mut read = ReadResponse {
                    state: state.clone(),
                    private: private.clone(),
                    diagnostics: Diagnostics::new(),
                };
                instance
                    .read(ReadRequest { state, private }, &mut read)
                    .await;
                diags.extend(read.diagnostics);
                let mut new = read.state.into_value();
                null_write_only(Body::of(resource.schema.body()), &mut new);
                require_known(&mut new, "refresh", &mut diags);
                response.new_state = convert::encode(&new, &resource.schema, "state", &mut diags);
                response.private = read.private.encode();
            }
        }
        response.diagnostics = convert::diagnostics(&diags);
        response
    }
}

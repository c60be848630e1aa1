//! ReadDataSource.

use tfplugin_proto::wire::read_data_source;

use super::walk::require_known;
use super::{FrameworkServer, convert};
use crate::datasource::{ReadDataSourceRequest, ReadDataSourceResponse};
use crate::diag::Diagnostics;
use crate::provider::Provider;

impl<P: Provider> FrameworkServer<P> {
    pub(super) async fn read_data_source_rpc(
        &self,
        request: read_data_source::Request,
    ) -> read_data_source::Response {
        let mut diags = Diagnostics::new();
        let mut response = read_data_source::Response::default();
        if let Some(data_source) = self.data_source(&request.type_name, &mut diags)
            && let Some(config) = convert::decode(
                request.config.as_ref(),
                &data_source.schema,
                "configuration",
                &mut diags,
            )
        {
            let instance = data_source
                .kind
                .instance(self.provider_data().as_ref(), &mut diags);
            if !diags.has_error() {
                let mut read = ReadDataSourceResponse {
                    state: config.clone(),
                    diagnostics: Diagnostics::new(),
                };
                instance
                    .read(ReadDataSourceRequest { config }, &mut read)
                    .await;
                diags.extend(read.diagnostics);
                let mut state = read.state.into_value();
                if state.is_null() && !diags.has_error() {
                    diags.error(
                        "Missing data source state",
                        "The data source's read set no state. This is a bug in the provider.",
                    );
                }
                require_known(&mut state, "read", &mut diags);
                response.state = convert::encode(&state, &data_source.schema, "state", &mut diags);
            }
        }
        response.diagnostics = convert::diagnostics(&diags);
        response
    }
}

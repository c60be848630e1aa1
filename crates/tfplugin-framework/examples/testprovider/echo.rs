//! Data source `testfw_echo`: echoes its input and counts the things in the store.

use serde::{Deserialize, Serialize};
use tfplugin_framework::datasource::{
    Capabilities, DataSource, ReadDataSourceRequest, ReadDataSourceResponse,
};
use tfplugin_framework::diag::Diagnostics;
use tfplugin_framework::schema::{Attribute, Schema};
use tfplugin_framework::{Configure, Known, ProviderData, validator};

use crate::store::Store;

#[derive(Default)]
pub struct EchoDataSource {
    store: Option<Store>,
}

#[derive(Serialize, Deserialize)]
struct EchoModel {
    text: String,
    result: Known<Option<String>>,
    thing_count: Known<Option<i64>>,
}

impl DataSource for EchoDataSource {
    fn type_name(&self, provider_type_name: &str) -> String {
        format!("{provider_type_name}_echo")
    }

    fn schema(&self) -> Schema {
        Schema::new()
            .description("Echoes text back, and counts the things in the store.")
            .attribute(
                "text",
                Attribute::string()
                    .required()
                    .description("The text to echo.")
                    .validator(validator::string_length(1, 256)),
            )
            .attribute(
                "result",
                Attribute::string()
                    .computed()
                    .description("`echo:` and the text."),
            )
            .attribute(
                "thing_count",
                Attribute::int64()
                    .computed()
                    .description("How many things the store holds."),
            )
    }

    async fn read(&self, request: ReadDataSourceRequest, response: &mut ReadDataSourceResponse) {
        let diags = &mut response.diagnostics;
        let Some(config) = request.config.get::<EchoModel>(diags) else {
            return;
        };
        let Some(store) = &self.store else {
            return diags.error(
                "Provider not configured",
                "The provider's store_path is not known yet.",
            );
        };
        let count = match store.count() {
            Ok(n) => i64::try_from(n).unwrap_or(i64::MAX),
            Err(e) => return diags.error("Cannot read the store", e),
        };
        let state = EchoModel {
            result: Known::Value(Some(format!("echo:{}", config.text))),
            thing_count: Known::Value(Some(count)),
            text: config.text,
        };
        response.state.set(&state, &mut response.diagnostics);
    }

    fn capabilities(capabilities: Capabilities<Self>) -> Capabilities<Self> {
        capabilities.configure()
    }
}

impl Configure for EchoDataSource {
    fn configure(&mut self, data: &ProviderData, diags: &mut Diagnostics) {
        match data.get::<Store>() {
            Some(store) => self.store = Some(store.clone()),
            None => diags.error(
                "Unexpected provider data",
                "The provider gave the data source something other than a store.",
            ),
        }
    }
}

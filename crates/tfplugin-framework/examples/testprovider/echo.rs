//! Data source `testfw_echo`: echoes its input and, given a thing's ID, looks up the thing's name in the
//! store. Its result depends only on its configuration and the store, so plans stay stable.

use serde::{Deserialize, Serialize};
use tfplugin_framework::datasource::{
    Capabilities, DataSource, ReadDataSourceRequest, ReadDataSourceResponse,
};
use tfplugin_framework::diag::Diagnostics;
use tfplugin_framework::path::AttrPath;
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
    thing_id: Option<String>,
    thing_name: Known<Option<String>>,
}

impl DataSource for EchoDataSource {
    fn type_name(&self, provider_type_name: &str) -> String {
        format!("{provider_type_name}_echo")
    }

    fn schema(&self) -> Schema {
        Schema::new()
            .description("Echoes text back, and looks a thing up by ID.")
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
                "thing_id",
                Attribute::string()
                    .optional()
                    .description("The ID of a thing to look up."),
            )
            .attribute(
                "thing_name",
                Attribute::string().computed().description(
                    "The name of the thing `thing_id` names; null without `thing_id`.",
                ),
            )
    }

    async fn read(&self, request: ReadDataSourceRequest, response: &mut ReadDataSourceResponse) {
        let diags = &mut response.diagnostics;
        let Some(config) = request.config.get::<EchoModel>(diags) else {
            return;
        };
        let thing_name = match &config.thing_id {
            None => None,
            Some(id) => {
                let Some(store) = &self.store else {
                    return diags.error(
                        "Provider not configured",
                        "The provider's store_path is not known yet.",
                    );
                };
                match store.get(id) {
                    Ok(Some(thing)) => Some(thing.name),
                    Ok(None) => {
                        return diags.attribute_error(
                            AttrPath::attr("thing_id"),
                            "No such thing",
                            format!("The store has no thing {id:?}."),
                        );
                    }
                    Err(e) => return diags.error("Cannot read the store", e),
                }
            }
        };
        let state = EchoModel {
            result: Known::Value(Some(format!("echo:{}", config.text))),
            thing_name: Known::Value(thing_name),
            ..config
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

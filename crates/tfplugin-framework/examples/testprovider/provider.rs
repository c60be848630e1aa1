//! The `testfw` provider.

use serde::Deserialize;
use tfplugin_framework::schema::{Attribute, Schema};
use tfplugin_framework::{
    ConfigureRequest, ConfigureResponse, DataSourceType, Known, Provider, ResourceType,
};

use crate::echo::EchoDataSource;
use crate::store::Store;
use crate::thing::ThingResource;

pub struct TestProvider;

#[derive(Deserialize)]
struct ProviderModel {
    store_path: Known<String>,
}

impl Provider for TestProvider {
    fn type_name(&self) -> String {
        "testfw".to_owned()
    }

    fn schema(&self) -> Schema {
        Schema::new()
            .description("A provider for testing the framework; its remote system is a JSON file.")
            .attribute(
                "store_path",
                Attribute::string().required().description(
                    "Path of the JSON file that holds the remote objects; created when missing.",
                ),
            )
    }

    async fn configure(&self, request: ConfigureRequest, response: &mut ConfigureResponse) {
        let Some(config) = request
            .config
            .get::<ProviderModel>(&mut response.diagnostics)
        else {
            return;
        };
        match config.store_path {
            Known::Value(path) => response.set_data(Store::new(path.into())),
            // Terraform configures with unknowns when the path comes from a resource not yet created;
            // without data, operations that need the store say so.
            Known::Unknown => {}
        }
    }

    fn resources(&self) -> Vec<ResourceType> {
        vec![ResourceType::new(ThingResource::default)]
    }

    fn data_sources(&self) -> Vec<DataSourceType> {
        vec![DataSourceType::new(EchoDataSource::default)]
    }
}

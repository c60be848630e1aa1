//! `testfw`: a provider that exists to exercise the framework, as a real binary Terraform can run.
//!
//! ```text
//! cargo build -p tfplugin-framework --example testprovider
//! target/debug/examples/testprovider --debug     # prints TF_REATTACH_PROVIDERS='…'
//! ```
//!
//! Launched by Terraform (installed as `terraform-provider-testfw`) it serves normally. Its "remote
//! system" is a JSON file named by the provider's `store_path`, so a test can change or delete objects
//! behind Terraform's back. The same modules are compiled into the framework's RPC tests.
//!
//! | file | what |
//! |---|---|
//! | `provider.rs` | the provider: `store_path`, resources and data sources |
//! | `store.rs` | the JSON file store |
//! | `thing.rs` | resource `testfw_thing` |
//! | `echo.rs` | data source `testfw_echo` |

mod echo;
mod provider;
mod store;
mod thing;

/// The source address tests use in `required_providers` and the reattach JSON.
const ADDRESS: &str = "registry.terraform.io/tinesaudit/testfw";

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tfplugin_framework::serve(provider::TestProvider, ADDRESS).await
}

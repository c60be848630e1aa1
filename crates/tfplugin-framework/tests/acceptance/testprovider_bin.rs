//! The `testprovider` example (`examples/testprovider/`) as the binary `tfplugin-framework-testprovider`, so
//! that the acceptance tests can install it into a filesystem mirror through `CARGO_BIN_EXE_…`: the same
//! modules, the same `main`.

#[path = "../../examples/testprovider/echo.rs"]
mod echo;
#[path = "../../examples/testprovider/provider.rs"]
mod provider;
#[path = "../../examples/testprovider/store.rs"]
mod store;
#[path = "../../examples/testprovider/thing.rs"]
mod thing;

/// The source address, as in the example.
const ADDRESS: &str = "registry.terraform.io/tinesaudit/testfw";

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tfplugin_framework::serve(provider::TestProvider, ADDRESS).await
}

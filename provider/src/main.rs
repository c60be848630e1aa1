//! `terraform-provider-tinesaudit`: the Terraform provider binary.
//!
//! Terraform starts it and talks to it over the plugin protocol; with `--debug` it serves on its own and
//! prints the `TF_REATTACH_PROVIDERS` value to attach a Terraform run to it. Run by hand without either,
//! it explains that it is a plugin and exits 1.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    tfplugin_framework::serve(
        tinesaudit_provider::TinesAuditProvider::new(),
        tinesaudit_provider::ADDRESS,
    )
    .await
}

//! `terraform-provider-tinesaudit`: the Terraform provider binary.
//!
//! Terraform starts providers itself; run by hand, the binary explains that and exits 1, as
//! HashiCorp's go-plugin servers do when the magic cookie is missing.

use std::process::ExitCode;

/// The go-plugin handshake cookie Terraform sets in a provider's environment.
const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
const MAGIC_COOKIE_VALUE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

fn main() -> ExitCode {
    if std::env::var(MAGIC_COOKIE_KEY).as_deref() != Ok(MAGIC_COOKIE_VALUE) {
        eprintln!(
            "This binary is a plugin. These are not meant to be executed directly.\n\
             Please execute the program that consumes these plugins, which will\n\
             load any plugins automatically"
        );
        return ExitCode::FAILURE;
    }
    eprintln!("terraform-provider-tinesaudit: the plugin protocol is not implemented yet");
    ExitCode::FAILURE
}

//! Generates the tfplugin6, go-plugin and health service code from `proto/` with a vendored `protoc`, so a
//! build never depends on a compiler installed on the machine.

// Edition 2024 makes `std::env::set_var` unsafe because another thread could read the environment at the same
// time. A build script is single-threaded at this point, and prost-build only finds protoc through `PROTOC`.
#![allow(unsafe_code)]

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protoc = protoc_bin_vendored::protoc_bin_path()?;
    // SAFETY: no other thread exists yet in this build script (see the allow above).
    unsafe { std::env::set_var("PROTOC", protoc) };

    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        .compile_protos(
            &[
                "proto/tfplugin6.proto",
                "proto/plugin/grpc_controller.proto",
                "proto/plugin/grpc_stdio.proto",
                "proto/plugin/grpc_broker.proto",
                "proto/grpc/health/v1/health.proto",
            ],
            &["proto"],
        )?;
    Ok(())
}

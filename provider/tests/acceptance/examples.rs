//! Every example in `examples/` passes `terraform validate` against the provider's real schema, on every CLI
//! that has write-only attributes and ephemeral variables (1.11 and later), so the docs never show HCL
//! that does not work.

use std::path::Path;

use tinesaudit_provider::{ADDRESS, TinesAuditProvider};
use tinesaudit_testkit::{ScratchDir, Tools};

/// The example files, under names that keep them apart in one directory.
fn example_files() -> Vec<(String, String)> {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut files = Vec::new();
    for kind in ["provider", "resources", "data-sources"] {
        let dir = examples.join(kind);
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for entry in entries {
            let candidates = if entry.is_dir() {
                ["resource.tf", "data-source.tf"]
                    .iter()
                    .map(|f| entry.join(f))
                    .collect()
            } else {
                vec![entry.clone()]
            };
            for file in candidates.into_iter().filter(|f| f.is_file()) {
                let name = format!(
                    "{kind}-{}-{}",
                    entry.file_name().unwrap().to_string_lossy(),
                    file.file_name().unwrap().to_string_lossy()
                );
                files.push((name, std::fs::read_to_string(&file).unwrap()));
            }
        }
    }
    files
}

#[test]
fn examples_validate_on_every_cli_from_1_11() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let files = example_files();
    assert!(files.len() >= 7, "{files:?}");
    let clis = Tools::locate()
        .and_then(|t| t.terraform_clis())
        .expect("Terraform CLIs (run `cargo xtask tools`)");
    let mut validated = 0;
    for cli in clis.iter().filter(|cli| cli.at_least(1, 11)) {
        let scratch = ScratchDir::new(&format!("examples-{}", cli.version)).unwrap();
        for (name, content) in &files {
            std::fs::write(
                scratch.path().join(name.replace(".tf", "") + ".tf"),
                content,
            )
            .unwrap();
        }
        let provider = runtime
            .block_on(tfplugin_framework::serve_in_process(
                TinesAuditProvider::new(),
                ADDRESS,
            ))
            .unwrap();
        for args in [
            &["init", "-no-color", "-input=false"][..],
            &["validate", "-no-color"],
        ] {
            let output = cli
                .command("/dev/null")
                .args(args)
                .current_dir(scratch.path())
                .env("TF_REATTACH_PROVIDERS", provider.reattach_json())
                .output()
                .unwrap();
            assert!(
                output.status.success(),
                "Terraform {}: terraform {}:\n{}\n{}",
                cli.version,
                args[0],
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        runtime.block_on(provider.stop()).unwrap();
        validated += 1;
    }
    assert!(
        validated > 0,
        "no Terraform CLI 1.11 or later to validate with"
    );
}

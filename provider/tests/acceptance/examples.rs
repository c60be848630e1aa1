//! Every example in `examples/` passes `terraform validate` against the provider's real schema, on every CLI
//! that has write-only attributes and ephemeral variables (1.11 and later), so the docs never show HCL
//! that does not work. `examples/production` and `examples/migration` too, which nothing applies: a
//! backend is left out of `init` (`-backend=false`), as a CI without the team's AWS credentials would.

use std::path::{Path, PathBuf};

use tinesaudit_provider::{ADDRESS, TinesAuditProvider};
use tinesaudit_testkit::{ScratchDir, TerraformCli, Tools};

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples")
}

/// The example files, under names that keep them apart in one directory.
fn example_files() -> Vec<(String, String)> {
    let examples = examples();
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
        let reattach = provider.reattach_json();
        validate(cli, scratch.path(), &reattach, &[]);
        for folder in ["production", "migration"] {
            let copy = ScratchDir::new(&format!("{folder}-{}", cli.version)).unwrap();
            for entry in std::fs::read_dir(examples().join(folder)).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|ext| ext == "tf") {
                    std::fs::copy(&path, copy.path().join(path.file_name().unwrap())).unwrap();
                }
            }
            validate(cli, copy.path(), &reattach, &["-backend=false"]);
        }
        runtime.block_on(provider.stop()).unwrap();
        validated += 1;
    }
    assert!(
        validated > 0,
        "no Terraform CLI 1.11 or later to validate with"
    );
}

/// `terraform init` (with `init_args`) and `terraform validate` in `dir`, against the provider that
/// `reattach` names.
fn validate(cli: &TerraformCli, dir: &Path, reattach: &str, init_args: &[&str]) {
    let init: Vec<&str> = ["init", "-no-color", "-input=false"]
        .into_iter()
        .chain(init_args.iter().copied())
        .collect();
    for args in [init.as_slice(), &["validate", "-no-color"]] {
        let output = cli
            .command("/dev/null")
            .args(args)
            .current_dir(dir)
            .env("TF_REATTACH_PROVIDERS", reattach)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "Terraform {}: terraform {} in {}:\n{}\n{}",
            cli.version,
            args.join(" "),
            dir.display(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

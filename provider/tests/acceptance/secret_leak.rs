//! The provider binary, launched by Terraform 1.11+ from a filesystem mirror, at `TF_LOG=trace`: after a
//! store, a rotation and a revoked key, no file of the run (every command's stdout and stderr with the trace
//! log, plan files, state files, the import directory) contains the managed keys or the provider's key.

use std::path::Path;
use std::sync::Arc;

use tfplugin_harness::{Action, PlanCheck, ProviderSource, Step};
use tinesaudit_testkit::test_case;

use crate::support::{OWNER_TOKEN, Tines, moto};

const KEY: &str = "tinesaudit_api_key.pipeline";

fn token(n: u32) -> String {
    format!("leak-check-key-{n}-zyxwvutsrqponmlk")
}

/// Every file under `dir`, recursively: (path, bytes).
fn files(dir: &Path, out: &mut Vec<(String, Vec<u8>)>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            files(&path, out)?;
        } else if entry.file_type()?.is_file() {
            out.push((path.display().to_string(), std::fs::read(&path)?));
        }
    }
    Ok(())
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn no_key_in_trace_logs_plans_or_state() {
    let tines = Tines::start();
    let aws = Arc::new(moto());
    let config = |n: u32| {
        format!(
            r#"terraform {{
  required_providers {{
    tinesaudit = {{ source = "tinesaudit/tinesaudit" }}
  }}
}}

# The provider's key comes from TINES_API_KEY, so that it is in no file either.
provider "tinesaudit" {{
  tenant           = {tenant:?}
  aws_region       = {region:?}
  aws_endpoint_url = {endpoint:?}
}}

variable "key_1" {{
  type      = string
  sensitive = true
  ephemeral = true
}}

variable "key_2" {{
  type      = string
  sensitive = true
  ephemeral = true
}}

resource "tinesaudit_api_key" "pipeline" {{
  name                    = "leak-check-{n}"
  secret_wo               = var.key_{n}
  secret_wo_version       = {n}
  secret_name             = "tinesaudit/leak-check"
  recovery_window_in_days = 0
}}
"#,
            tenant = tines.url(),
            region = aws.region(),
            endpoint = aws.endpoint_url(),
        )
    };
    let source = ProviderSource::mirror(
        env!("CARGO_BIN_EXE_terraform-provider-tinesaudit"),
        "registry.terraform.io/tinesaudit/tinesaudit",
        "0.1.0",
    );
    let (setup, rotate, revoke) = (Arc::clone(&tines), Arc::clone(&tines), Arc::clone(&tines));
    test_case(source)
        .sequential()
        .min_version(1, 11)
        .env("TF_LOG", "trace")
        .env("TINES_API_KEY", OWNER_TOKEN)
        .env("AWS_ACCESS_KEY_ID", aws.access_key())
        .env("AWS_SECRET_ACCESS_KEY", aws.secret_key())
        .env("TF_VAR_key_1", token(1))
        .env("TF_VAR_key_2", token(2))
        .step(Step::config(config(1)).pre_config(move |_| {
            setup.reset()?;
            setup.new_key("service", "leak-check-1", &token(1))?;
            Ok(())
        }))
        .step(Step::import(KEY).verify_ignoring(&["secret_wo_version"]))
        .step(
            Step::config(config(2))
                .pre_config(move |_| {
                    rotate.new_key("service", "leak-check-2", &token(2))?;
                    Ok(())
                })
                .plan_check(PlanCheck::action(KEY, Action::Update)),
        )
        .step(
            Step::plan_only(config(2))
                .pre_config(move |_| revoke.revoke("leak-check-2"))
                .expect_non_empty_plan()
                .expect_plan_output("Tines API key revoked"),
        )
        // The run ends with the key revoked, so the refresh before destroy drops the resource and the secret
        // stays (as documented); the next CLI's run takes it over.
        .check_destroy(move |ctx| {
            let run_dir = ctx.work_dir().parent().ok_or("no run directory")?;
            let mut all = Vec::new();
            files(run_dir, &mut all)?;
            // The check would pass vacuously if the provider's trace logs were not there.
            let logged = all.iter().any(|(path, bytes)| {
                path.ends_with(".stderr")
                    && contains(bytes, b"stored the Tines API key in Secrets Manager")
            });
            if !logged {
                return Err(format!("no provider trace log among {} files", all.len()).into());
            }
            for secret in [token(1), token(2), OWNER_TOKEN.to_owned()] {
                for (path, bytes) in &all {
                    if contains(bytes, secret.as_bytes()) {
                        return Err(format!("{path} contains a key").into());
                    }
                }
            }
            Ok(())
        })
        .run();
}

//! Read-only attributes set in a configuration: refused before anything is planned or read, under the
//! line that sets them, on every CLI. Without that, Terraform accepts them: the resource's plan then fails as
//! a provider bug, and the data source drops the value without a word.

use tfplugin_harness::Step;
use tinesaudit_testkit::test_case;

use crate::support::{Tines, in_process, provider_hcl};

/// `block` after the provider block must fail at validate on every CLI with `error`.
fn refused(block: &str, error: &str) {
    let tines = Tines::start();
    let hcl = format!("{}\n{block}", provider_hcl(&tines, None));
    test_case(in_process())
        .step(Step::config(hcl).expect_error(error))
        .run();
}

#[test]
fn a_read_only_resource_attribute_is_refused_at_validate() {
    refused(
        r#"resource "tinesaudit_tenant_permissions" "pipeline" {
  user_id     = 42
  permissions = ["AUDIT_LOG_READ"]
  id          = "42:AUDIT_LOG_READ"
}
"#,
        r#"(?s)Error: Read-only attribute.*with tinesaudit_tenant_permissions\.pipeline,.*\d+:\s+id\s+=\s+"42:AUDIT_LOG_READ".*id is read-only: the provider sets its value.*Remove id from the configuration"#,
    );
}

#[test]
fn a_read_only_data_source_attribute_is_refused_at_validate() {
    refused(
        r#"data "tinesaudit_tenant" "this" {
  stack_name = "mine"
}
"#,
        r#"(?s)Error: Read-only attribute.*with data\.tinesaudit_tenant\.this,.*\d+:\s+stack_name\s+=\s+"mine".*Remove stack_name from the configuration"#,
    );
}

//! Bad input in HCL, as a table: every row is an attribute value the provider refuses at validate,
//! on every CLI, with an error under the attribute that names it and says what is accepted. Nothing
//! is planned, so nothing is created and no state is written.
//!
//! The table is also a section of `docs/bad-input.md`, rendered from the rows below. The test fails
//! when the page differs; `TINESAUDIT_UPDATE_DOCS=1` rewrites that section.

use std::path::Path;

use tfplugin_harness::{Step, TestCase};

use crate::support::{Tines, in_process, provider_hcl};

struct Row {
    /// The block's type and the attribute line, e.g. `tinesaudit_ingestion_job`, `page_size = 0`.
    block: &'static str,
    attribute: &'static str,
    summary: &'static str,
    /// The error's detail, exact.
    says: &'static str,
}

const JOB: &str = "tinesaudit_ingestion_job";

const ROWS: &[Row] = &[
    Row {
        block: JOB,
        attribute: r#"name = "-audit""#,
        summary: "Invalid attribute value",
        says: r#"name must be 1 to 64 letters, digits and . _ - characters, starting with a letter or digit, got "-audit""#,
    },
    Row {
        block: JOB,
        attribute: r#"api_key_secret_arn = "tines-key""#,
        summary: "Invalid attribute value",
        says: r#"api_key_secret_arn must be a Secrets Manager secret ARN, arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME, got "tines-key""#,
    },
    Row {
        block: JOB,
        attribute: r#"bucket = "My_Bucket""#,
        summary: "Invalid S3 bucket name",
        says: "My_Bucket",
    },
    Row {
        block: JOB,
        attribute: r#"prefix = "/audit/""#,
        summary: "Invalid S3 key prefix",
        says: "/audit/",
    },
    Row {
        block: JOB,
        attribute: r#"prefix = "audit""#,
        summary: "Invalid S3 key prefix",
        says: "audit",
    },
    Row {
        block: JOB,
        attribute: r#"state_key = "tines/state/""#,
        summary: "Invalid S3 object key",
        says: "tines/state/",
    },
    Row {
        block: JOB,
        attribute: r#"format = "csv""#,
        summary: "Invalid attribute value",
        says: r#"format must be one of ["ndjson", "raw_page"], got "csv"."#,
    },
    Row {
        block: JOB,
        attribute: r#"compression = "zip""#,
        summary: "Invalid attribute value",
        says: r#"compression must be one of ["none", "gzip"], got "zip"."#,
    },
    Row {
        block: JOB,
        attribute: "lookback_seconds = -1",
        summary: "Invalid attribute value",
        says: "lookback_seconds must be a whole number between 0 and 63244800, got -1.",
    },
    Row {
        block: JOB,
        attribute: r#"backfill_from = "last week""#,
        summary: "Invalid",
        says: "last week",
    },
    Row {
        block: JOB,
        attribute: r#"backfill_from = "2099-01-01T00:00:00Z""#,
        summary: "Invalid",
        says: "2099-01-01T00:00:00Z",
    },
    Row {
        block: JOB,
        attribute: "page_size = 0",
        summary: "Invalid attribute value",
        says: "page_size must be a whole number between 1 and 500, got 0.",
    },
    Row {
        block: JOB,
        attribute: "page_size = 2.5",
        summary: "Invalid attribute value",
        says: "page_size must be a whole number between 1 and 500, got 2.5.",
    },
    Row {
        block: JOB,
        attribute: "max_pages_per_run = 0",
        summary: "Invalid attribute value",
        says: "max_pages_per_run must be a whole number between 1 and",
    },
    Row {
        block: JOB,
        attribute: "requests_per_minute = 100000",
        summary: "Invalid attribute value",
        says: "requests_per_minute must be a whole number between 1 and 1000, got 100000.",
    },
    Row {
        block: JOB,
        attribute: r#"tenant = "http://example.tines.com""#,
        summary: "Invalid",
        says: "http://example.tines.com",
    },
    Row {
        block: "tinesaudit_tenant_permissions",
        attribute: r#"permissions = ["AUDIT_LOG_RAED"]"#,
        summary: "Invalid attribute value",
        says: "AUDIT_LOG_RAED",
    },
    Row {
        block: "tinesaudit_api_key",
        attribute: r#"name = """#,
        summary: "Invalid attribute value length",
        says: "name must be between 1 and 255 characters long, got 0.",
    },
    Row {
        block: "data.tinesaudit_audit_logs",
        attribute: "limit = 0",
        summary: "Invalid attribute value",
        says: "limit must be a whole number between 1 and",
    },
];

/// The attributes a block needs besides the row's, so that the row's is the only thing wrong.
fn required(block: &str, attribute: &str) -> String {
    let name = attribute.split_whitespace().next().unwrap_or_default();
    let given: &[(&str, &str)] = match block {
        JOB => &[
            ("name", r#""audit""#),
            (
                "api_key_secret_arn",
                r#""arn:aws:secretsmanager:us-east-1:123456789012:secret:tines-key""#,
            ),
            ("bucket", r#""audit-bucket""#),
        ],
        "tinesaudit_tenant_permissions" => {
            &[("user_id", "42"), ("permissions", r#"["AUDIT_LOG_READ"]"#)]
        }
        "tinesaudit_api_key" => &[("name", r#""pipeline""#), ("user_id", "42")],
        _ => &[],
    };
    given
        .iter()
        .filter(|(n, _)| *n != name)
        .map(|(n, v)| format!("  {n} = {v}\n"))
        .collect()
}

fn hcl(row: &Row) -> String {
    let (kind, block) = match row.block.strip_prefix("data.") {
        Some(block) => ("data", block),
        None => ("resource", row.block),
    };
    format!(
        "{kind} \"{block}\" \"bad\" {{\n{}  {}\n}}\n",
        required(row.block, row.attribute),
        row.attribute
    )
}

fn rendered() -> String {
    let mut text = String::from(
        "| block | attribute | error (exact, under the attribute's line) |\n|---|---|---|\n",
    );
    for row in ROWS {
        text.push_str(&format!(
            "| `{}` | `{}` | {}: `{}` |\n",
            row.block,
            row.attribute.replace('|', "\\|"),
            row.summary,
            row.says.replace('|', "\\|").replace('`', "'")
        ));
    }
    text
}

const DOCS_START: &str =
    "<!-- provider table: rendered by provider/tests/acceptance/bad_input.rs -->\n";
const DOCS_END: &str = "<!-- end of provider table -->\n";

#[test]
fn the_docs_page_shows_the_provider_table() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/bad-input.md");
    let page = std::fs::read_to_string(&path).unwrap();
    let (before, rest) = page.split_once(DOCS_START).expect("the start marker");
    let (current, after) = rest.split_once(DOCS_END).expect("the end marker");
    let table = rendered();
    if current != table && std::env::var_os("TINESAUDIT_UPDATE_DOCS").is_some() {
        std::fs::write(
            &path,
            format!("{before}{DOCS_START}{table}{DOCS_END}{after}"),
        )
        .unwrap();
        return;
    }
    assert_eq!(
        current, table,
        "docs/bad-input.md's provider table differs from the rows; rerun with TINESAUDIT_UPDATE_DOCS=1 to rewrite it"
    );
}

/// A regular expression matching `text` literally.
fn literal(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if r"\.+*?()|[]{}^$#&-~".contains(c) {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

#[test]
fn every_bad_attribute_in_the_table_is_refused_on_every_cli() {
    let tines = Tines::start();
    let provider = provider_hcl(&tines, None);
    let mut case = TestCase::new(in_process());
    for row in ROWS {
        let address = match row.block.strip_prefix("data.") {
            Some(block) => format!("data.{block}.bad"),
            None => format!("{}.bad", row.block),
        };
        let name = row.attribute.split_whitespace().next().unwrap_or_default();
        case = case.step(
            Step::plan_only(format!("{provider}\n{}", hcl(row))).expect_error(&format!(
                r"(?s)Error: {}.*with {},.*\d+:\s+{}\s+=.*{}",
                literal(row.summary),
                literal(&address),
                literal(name),
                literal(row.says)
            )),
        );
    }
    case.run();
}

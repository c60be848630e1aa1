//! Bad input in HCL, as a table: every row is an attribute value the provider refuses at validate,
//! on every CLI, with an error under the attribute that names it and says what is accepted. Nothing
//! is planned, so nothing is created and no state is written.
//!
//! The table is also a section of `docs/bad-input.md`, rendered from the rows below. The test fails
//! when the page differs; `TINESAUDIT_UPDATE_DOCS=1` rewrites that section.

use std::path::Path;

use tfplugin_harness::Step;
use tinesaudit_testkit::test_case;

use crate::support::{Tines, in_process, provider_hcl};

struct Row {
    /// The block's type and the attribute line, e.g. `tinesaudit_ingestion_job`, `page_size = 0`.
    block: &'static str,
    attribute: &'static str,
    summary: &'static str,
    /// The error's detail, exact and whole; `…` stands for a part that changes from run to run
    /// (the time now).
    says: &'static str,
}

const JOB: &str = "tinesaudit_ingestion_job";

const ROWS: &[Row] = &[
    Row {
        block: JOB,
        attribute: r#"name = "-audit""#,
        summary: "Invalid attribute value",
        says: r#"name must be 1 to 64 letters, digits and . _ - characters, starting with a letter or digit, got "-audit" (pattern ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$)."#,
    },
    Row {
        block: JOB,
        attribute: r#"api_key_secret_arn = "tines-key""#,
        summary: "Invalid attribute value",
        says: r#"api_key_secret_arn must be a Secrets Manager secret ARN, arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME, got "tines-key" (pattern ^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+$)."#,
    },
    Row {
        block: JOB,
        attribute: r#"bucket = "My_Bucket""#,
        summary: "Invalid S3 bucket name",
        says: r#"bucket may contain only lowercase letters, digits, dots and hyphens; found 'M' (got "My_Bucket")."#,
    },
    Row {
        block: JOB,
        attribute: r#"prefix = "/audit/""#,
        summary: "Invalid S3 key prefix",
        says: r#"prefix must not start with '/': S3 keys have no leading slash (got "/audit/")."#,
    },
    Row {
        block: JOB,
        attribute: r#"prefix = "audit""#,
        summary: "Invalid S3 key prefix",
        says: r#"prefix must end with '/', e.g. audit/, so that the feed reads one folder and not every key that starts the same way (got "audit")."#,
    },
    Row {
        block: JOB,
        attribute: r#"state_key = "tines/state/""#,
        summary: "Invalid S3 object key",
        says: r#"state_key must name an object, not a folder: it must not end with '/' (got "tines/state/")."#,
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
        summary: "Invalid timestamp",
        says: r#"backfill_from must be an RFC 3339 timestamp such as 2025-01-01T00:00:00Z; got "last week"."#,
    },
    Row {
        block: JOB,
        attribute: r#"backfill_from = "2099-01-01T00:00:00Z""#,
        summary: "backfill_from in the future",
        says: "backfill_from is 2099-01-01T00:00:00Z, after now (…): the first run would find nothing to fetch. Use a past time.",
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
        says: "max_pages_per_run must be a whole number between 1 and 1000000, got 0.",
    },
    Row {
        block: JOB,
        attribute: "requests_per_minute = 100001",
        summary: "Invalid attribute value",
        says: "requests_per_minute must be a whole number between 1 and 100000, got 100001.",
    },
    Row {
        block: JOB,
        attribute: r#"tenant = "http://example.tines.com""#,
        summary: "Invalid Tines tenant",
        says: "`tenant` uses http with a non-loopback host; expected https://<tenant>.tines.com, or http:// only on a loopback host (127.0.0.0/8, ::1, localhost).",
    },
    Row {
        block: "tinesaudit_tenant_permissions",
        attribute: r#"permissions = ["audit_log_read"]"#,
        summary: "Invalid tenant permission",
        says: r#""audit_log_read" is not a tenant permission name: names are upper-case letters, digits and underscores, like AUDIT_LOG_READ. Did you mean "AUDIT_LOG_READ"? Names are case-sensitive."#,
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
        says: "limit must be a whole number between 1 and 1000, got 0.",
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
        "tinesaudit_api_key" => &[
            ("name", r#""pipeline""#),
            ("secret_name", r#""tinesaudit/pipeline""#),
            ("secret", r#""tk_pipeline""#),
        ],
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
    let mut case = test_case(in_process());
    for row in ROWS {
        let address = match row.block.strip_prefix("data.") {
            Some(block) => format!("data.{block}.bad"),
            None => format!("{}.bad", row.block),
        };
        // One diagnostic, whole: its summary, its address, the attribute's line as the row gives
        // it, then the detail and nothing else before the output ends or the next diagnostic.
        let says: Vec<String> = row.says.split('…').map(literal).collect();
        case = case.step(
            Step::plan_only(format!("{provider}\n{}", hcl(row))).expect_error(&format!(
                r#"Error: {} with {}, on main\.tf line \d+, in [^:]+: \d+: {} {}\s*(?:\z|Error:|Warning:)"#,
                literal(row.summary),
                literal(&address),
                literal(row.attribute),
                says.join(".*?")
            )),
        );
    }
    case.run();
}

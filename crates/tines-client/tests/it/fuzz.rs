//! Fuzz target for the audit-log page parser (budget from `tinesaudit_testkit::fuzz::config`): what a
//! broken proxy or a hostile server might answer `GET /api/v1/audit_logs` with. Pages built from
//! records and `meta` objects of any shape, and the same bytes damaged. The parser answers each with
//! an error or with a page whose records are the JSON they came from, and reading the page's order and
//! its links to other pages never panics.

use proptest::prelude::*;
use serde_json::{Value, json};
use tines_client::{AuditLogPage, SortOrder};
use tinesaudit_testkit::fuzz::{self, damaged};

/// A value of any JSON type, weighted towards what the field would hold.
fn field(likely: BoxedStrategy<Value>) -> BoxedStrategy<Value> {
    prop_oneof![
        6 => likely,
        1 => Just(Value::Null),
        1 => any::<i64>().prop_map(Value::from),
        1 => any::<f64>().prop_map(Value::from),
        1 => any::<String>().prop_map(Value::from),
        1 => Just(json!([])),
        1 => Just(json!({})),
    ]
    .boxed()
}

fn record() -> impl Strategy<Value = Value> {
    let id = prop_oneof![any::<u64>(), Just(u64::MAX), 0u64..1000].prop_map(Value::from);
    let time = prop_oneof![
        (0i64..4_000_000_000, 0u32..1_000_000_000).prop_map(|(s, ns)| {
            jiff::Timestamp::new(s, ns as i32).map_or(Value::Null, |t| Value::from(t.to_string()))
        }),
        Just(Value::from("2024-05-01T00:00:00+14:00")),
        Just(Value::from("9999-12-31T23:59:59.999999999Z")),
        Just(Value::from("2024-02-30T00:00:00Z")),
    ];
    (field(id.boxed()), field(time.clone().boxed()), field(time.boxed()), any::<String>())
        .prop_map(|(id, created_at, updated_at, text)| {
            json!({"id": id, "created_at": created_at, "updated_at": updated_at, "operation_name": text, "inputs": {"n": [1, {"k": null}]}})
        })
}

fn meta() -> impl Strategy<Value = Value> {
    let number = prop_oneof![Just(0u64), Just(u64::MAX), Just(u64::MAX - 1), 0u64..10];
    let link = prop_oneof![
        number.clone().prop_map(|page| Value::from(format!(
            "https://t.tines.com/api/v1/audit_logs?per_page=5&page={page}"
        ))),
        Just(Value::from("null")),
        Just(Value::from("not a url")),
        Just(Value::from(
            "https://t.tines.com/api/v1/audit_logs?page=-1&page=99999999999999999999999"
        )),
    ];
    let number = || field(number.clone().prop_map(Value::from).boxed());
    (field(link.clone().boxed()), field(link.boxed()), number(), number(), number(), number())
        .prop_map(|(current_page, next_page, next_page_number, per_page, pages, count)| {
            json!({"current_page": current_page, "next_page": next_page, "next_page_number": next_page_number,
                   "per_page": per_page, "pages": pages, "count": count})
        })
}

fn page() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::collection::vec(record(), 0..6),
        prop::option::of(meta()),
    )
        .prop_map(|(records, meta)| {
            let mut page = json!({"audit_logs": records});
            if let Some(meta) = meta {
                page["meta"] = meta;
            }
            serde_json::to_vec(&page).unwrap()
        })
}

fn check(body: &[u8]) -> Result<(), TestCaseError> {
    let Ok(page) = AuditLogPage::parse(body) else {
        return Ok(());
    };
    for record in page.records() {
        let parsed: Value = serde_json::from_str(record.json()).map_err(|e| {
            TestCaseError::fail(format!("record {} is not JSON: {e}", record.json()))
        })?;
        prop_assert_eq!(parsed["id"].as_u64(), Some(record.id()));
    }
    let meta = page.meta();
    if let Some(next) = meta.next_page() {
        prop_assert!(next > 0, "page {next} follows");
    }
    let _ = (meta.last_page(), meta.current_page_number(), page.order());
    let count = page.records().len();
    prop_assert_eq!(page.into_oldest_first(SortOrder::NewestFirst).len(), count);
    Ok(())
}

proptest! {
    #![proptest_config(fuzz::config())]

    #[test]
    fn fuzz_audit_log_pages(body in page()) {
        check(&body)?;
    }

    #[test]
    fn fuzz_damaged_audit_log_pages(body in page().prop_flat_map(damaged)) {
        check(&body)?;
    }
}

//! What S3 already holds: the records under the data prefix, read back from the objects.
//!
//! `verify` compares it with Tines, and a backfill writes only what is not in it yet, so a
//! backfill over a window that the sync (or an earlier backfill) delivered repeats nothing,
//! and one over a gap that `verify` reported fills exactly the gap.

use std::collections::BTreeMap;
use std::io::Read;

use jiff::Timestamp;
use serde::Deserialize;

use crate::sink::first_record_time;
use crate::store::{ObjectStore, StoreError};
use crate::window::ExplicitWindow;

#[derive(Debug, thiserror::Error)]
pub enum ReadBackError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "cannot read back s3://{bucket}/{key}, which lies under the data prefix: {detail}. Only the runner's \
         NDJSON or page-shaped objects (optionally gzip) belong there; move other files elsewhere"
    )]
    Unreadable {
        bucket: String,
        key: String,
        detail: String,
    },
}

#[derive(Deserialize)]
struct Keys {
    id: u64,
    created_at: Timestamp,
}

#[derive(Deserialize)]
struct Page {
    audit_logs: Vec<Keys>,
}

/// The vendor guide's Lambda keeps its state (`{"since": ...}`) under the prefix it writes pages
/// to; a bucket moved over from it (`adopt-state`) still has it there, holding no record.
fn is_reference_state(text: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(text)
        .is_ok_and(|object| object.len() == 1 && object.contains_key("since"))
}

/// How many times each record created inside `window` appears in the objects under `prefix`.
///
/// An object is named after its first record, so objects whose first record is at or after
/// the window's end are not read; any other object may reach into the window and is.
pub async fn count_in_window(
    store: &ObjectStore,
    prefix: &str,
    window: ExplicitWindow,
) -> Result<BTreeMap<u64, u32>, ReadBackError> {
    let inside = |at: Timestamp| at >= window.from && at < window.to;
    let mut delivered: BTreeMap<u64, u32> = BTreeMap::new();
    for key in store.list(prefix).await? {
        if first_record_time(prefix, &key).is_some_and(|first| first >= window.to) {
            continue;
        }
        let Some(object) = store.get(&key).await? else {
            continue;
        };
        let records =
            records_in(&key, &object.body).map_err(|detail| ReadBackError::Unreadable {
                bucket: store.bucket().to_owned(),
                key: key.clone(),
                detail,
            })?;
        for record in records.into_iter().filter(|r| inside(r.created_at)) {
            *delivered.entry(record.id).or_default() += 1;
        }
    }
    Ok(delivered)
}

/// The ids and times of the records in one object, whatever format and compression it has.
fn records_in(key: &str, body: &[u8]) -> Result<Vec<Keys>, String> {
    let mut text = Vec::new();
    if key.ends_with(".gz") {
        flate2::read::GzDecoder::new(body)
            .read_to_end(&mut text)
            .map_err(|e| format!("not gzip: {e}"))?;
    } else {
        text.extend_from_slice(body);
    }
    if key.trim_end_matches(".gz").ends_with(".json") {
        if is_reference_state(&text) {
            return Ok(Vec::new());
        }
        let page: Page =
            serde_json::from_slice(&text).map_err(|e| format!("not an audit-log page: {e}"))?;
        return Ok(page.audit_logs);
    }
    text.split(|b| *b == b'\n')
        .filter(|line| !line.is_empty())
        .map(|line| {
            serde_json::from_slice(line)
                .map_err(|e| format!("not an audit-log record per line: {e}"))
        })
        .collect()
}

//! `adopt-state`: takes over from the vendor guide's reference Lambda without fetching a record
//! twice or skipping one.
//!
//! That Lambda keeps `{"since": "<created_at of the newest record it wrote>"}` in
//! `<prefix>state.json` and asks Tines for the records after it. Every record created before
//! that second is in S3 by then, and of the records created in it, exactly those its pages hold.
//! So the sync's state is created at that second with the ids S3 holds for it: the position a
//! sync would have reached itself. The first sync asks for the whole second again and writes only
//! the rest. The Lambda's state object is left where it is (read-back passes over it), so the
//! Lambda could still be switched back on; adopting again before the first sync changes nothing.

use std::process::ExitCode;

use jiff::{SignedDuration, Timestamp};
use serde_json::json;

use crate::checkpoint::{Checkpoint, Position, whole_second};
use crate::cli::Prepared;
use crate::delivered;
use crate::window::ExplicitWindow;

/// The reference Lambda's state key, under the prefix it writes to.
const REFERENCE_STATE: &str = "state.json";

/// Why adopting was refused (exit 2) or failed (exit 1).
enum Refusal {
    Config(String),
    Failed(String),
}

/// Adopts the state at `reference_key` (default `<prefix>state.json`) and prints one JSON line.
pub async fn run(prepared: &Prepared, reference_key: Option<&str>) -> ExitCode {
    let settings = &prepared.settings;
    let key = reference_key.map_or_else(
        || format!("{}{REFERENCE_STATE}", settings.prefix),
        str::to_owned,
    );
    match adopt(prepared, &key).await {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(Refusal::Config(reason)) => {
            eprintln!("tinesaudit-runner adopt-state: {reason}");
            ExitCode::from(2)
        }
        Err(Refusal::Failed(reason)) => {
            eprintln!("tinesaudit-runner adopt-state: {reason}");
            ExitCode::FAILURE
        }
    }
}

async fn adopt(prepared: &Prepared, key: &str) -> Result<serde_json::Value, Refusal> {
    let (store, settings) = (&prepared.store, &prepared.settings);
    let failed = |e: &dyn std::fmt::Display| Refusal::Failed(e.to_string());
    let location = format!("s3://{}/{key}", store.bucket());
    let Some(object) = store.get(key).await.map_err(|e| failed(&e))? else {
        return Err(Refusal::Config(format!(
            "there is no reference state at {location}; name it with --reference-state KEY"
        )));
    };
    let since = since_of(&object.body)
        .map_err(|reason| Refusal::Config(format!("{location}: {reason}")))?;

    let second = whole_second(since);
    let window = ExplicitWindow {
        from: second,
        to: second + SignedDuration::from_secs(1),
    };
    let held = delivered::count_in_window(store, &settings.prefix, window)
        .await
        .map_err(|e| failed(&e))?;
    let position = Position {
        created_at: second,
        delivered_ids: held.keys().copied().collect(),
    };
    let (existing, created) = Checkpoint::sync_frontier(
        store,
        &settings.state_key,
        &settings.tenant,
        position.clone(),
    )
    .await
    .map_err(|e| failed(&e))?;
    if !created && existing != position {
        return Err(Refusal::Config(format!(
            "the sync's state s3://{}/{} already exists (delivered up to {}); adopt-state only \
             starts a job that has not synced yet, from {location}",
            store.bucket(),
            settings.state_key,
            existing.created_at
        )));
    }
    Ok(json!({
        "outcome": "adopted",
        "reference_state": key,
        "since": since,
        "state_key": settings.state_key,
        "starts_at": second,
        "records_of_that_second_in_s3": position.delivered_ids.len(),
    }))
}

/// The `since` time of a reference state object.
fn since_of(body: &[u8]) -> Result<Timestamp, String> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| format!("not the reference Lambda's state (JSON with `since`): {e}"))?;
    let since = value
        .get("since")
        .ok_or("not the reference Lambda's state: it has no `since` field")?;
    since
        .as_str()
        .and_then(|text| text.parse::<Timestamp>().ok())
        .ok_or_else(|| format!("`since` is {since}, not an RFC 3339 time"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_since_and_names_the_field_when_it_is_wrong() {
        assert_eq!(
            since_of(br#"{"since": "2024-05-01T12:00:07Z"}"#).unwrap(),
            "2024-05-01T12:00:07Z".parse::<Timestamp>().unwrap()
        );
        let missing = since_of(br#"{"after": "2024-05-01T12:00:07Z"}"#).unwrap_err();
        assert!(missing.contains("no `since` field"), "{missing}");
        let wrong = since_of(br#"{"since": 1714564807}"#).unwrap_err();
        assert!(wrong.contains("`since` is 1714564807"), "{wrong}");
    }
}

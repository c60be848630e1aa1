//! `verify`: reads back what is in S3 and compares it with what Tines holds for a window.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::process::ExitCode;

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::json;

use crate::cli::Prepared;
use crate::pipeline::ExplicitWindow;
use crate::source::WindowWalk;

#[derive(Deserialize)]
struct Keys {
    id: u64,
    created_at: Timestamp,
}

#[derive(Deserialize)]
struct Page {
    audit_logs: Vec<Keys>,
}

/// Prints one JSON line: counts, then every missing and every duplicated id.
pub async fn run(prepared: &Prepared, window: ExplicitWindow) -> ExitCode {
    match compare(prepared, window).await {
        Ok((report, clean)) => {
            println!("{report}");
            if clean {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(error) => {
            eprintln!("tinesaudit-runner verify: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn compare(
    prepared: &Prepared,
    window: ExplicitWindow,
) -> anyhow::Result<(serde_json::Value, bool)> {
    let inside = |at: Timestamp| at >= window.from && at < window.to;
    let mut delivered: BTreeMap<u64, u32> = BTreeMap::new();
    for key in prepared.store.list(&prepared.settings.prefix).await? {
        let Some(object) = prepared.store.get(&key).await? else {
            continue;
        };
        for record in records_in(&key, &object.body)? {
            if inside(record.created_at) {
                *delivered.entry(record.id).or_default() += 1;
            }
        }
    }

    let mut in_tines = BTreeSet::new();
    let after = window.from - jiff::SignedDuration::from_secs(1);
    let mut walk = WindowWalk::open(
        &prepared.client,
        after,
        window.to,
        500,
        prepared.settings.concurrency,
        u64::MAX,
    )
    .await?;
    while let Some(page) = walk.next_page().await? {
        in_tines.extend(
            page.iter()
                .filter(|r| inside(r.created_at()))
                .map(|r| r.id()),
        );
    }

    let missing: Vec<u64> = in_tines
        .iter()
        .filter(|id| !delivered.contains_key(id))
        .copied()
        .collect();
    let duplicated: Vec<u64> = delivered
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(id, _)| *id)
        .collect();
    let clean = missing.is_empty() && duplicated.is_empty();
    let report = json!({
        "window_from": window.from,
        "window_to": window.to,
        "tines_records": in_tines.len(),
        "s3_records": delivered.values().map(|n| u64::from(*n)).sum::<u64>(),
        "missing": missing,
        "duplicated": duplicated,
    });
    Ok((report, clean))
}

/// The ids and times of the records in one object, whatever format and compression it has.
fn records_in(key: &str, body: &[u8]) -> anyhow::Result<Vec<Keys>> {
    let mut text = Vec::new();
    if key.ends_with(".gz") {
        flate2::read::GzDecoder::new(body).read_to_end(&mut text)?;
    } else {
        text.extend_from_slice(body);
    }
    if key.trim_end_matches(".gz").ends_with(".json") {
        let page: Page =
            serde_json::from_slice(&text).map_err(|e| anyhow::anyhow!("{key}: {e}"))?;
        return Ok(page.audit_logs);
    }
    text.split(|b| *b == b'\n')
        .filter(|line| !line.is_empty())
        .map(|line| serde_json::from_slice(line).map_err(|e| anyhow::anyhow!("{key}: {e}")))
        .collect()
}

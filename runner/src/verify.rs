//! `verify`: reads back what is in S3 and compares it with what Tines holds for a window.

use std::collections::BTreeSet;
use std::process::ExitCode;

use jiff::Timestamp;
use serde_json::json;

use crate::cli::Prepared;
use crate::delivered;
use crate::source::WindowWalk;
use crate::window::ExplicitWindow;

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
    let delivered =
        delivered::count_in_window(&prepared.store, &prepared.settings.prefix, window).await?;

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
    let mut report = json!({
        "window_from": window.from,
        "window_to": window.to,
        "tines_records": in_tines.len(),
        "s3_records": delivered.values().map(|n| u64::from(*n)).sum::<u64>(),
        "missing": missing,
        "duplicated": duplicated,
    });
    if !missing.is_empty() {
        // A backfill writes only what S3 does not hold, so the same window is the repair.
        report["repair"] = json!(format!(
            "tinesaudit-runner backfill --from {} --to {}",
            window.from, window.to
        ));
    }
    Ok((report, clean))
}

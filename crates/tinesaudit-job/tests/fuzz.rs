//! Fuzz targets for the contract's two files (budget from `tinesaudit_testkit::fuzz::config`): job
//! files and state objects as written, then damaged byte by byte, as a person editing them by hand,
//! a foreign tool or a truncated upload leaves them. What parses is what it says: it writes and
//! parses back to itself.

use jiff::Timestamp;
use proptest::prelude::*;
use tinesaudit_job::{JobFile, Lease, Position, RequestedWindow, STATE_VERSION, State};
use tinesaudit_testkit::fuzz::{self, damaged};

fn text() -> impl Strategy<Value = Option<String>> {
    prop::option::of(prop_oneof![
        "[a-z0-9/._-]{1,20}",
        any::<String>(),
        Just("https://example.tines.com".to_owned())
    ])
}

fn number() -> impl Strategy<Value = Option<i64>> {
    prop::option::of(prop_oneof![any::<i64>(), 0i64..1000])
}

fn job_file() -> impl Strategy<Value = JobFile> {
    (
        (text(), text(), text(), text(), text(), text()),
        (number(), number(), number(), number(), text(), text()),
    )
        .prop_map(
            |(
                (api_key_secret_arn, backfill_from, bucket, compression, format, prefix),
                (lookback_seconds, max_pages, page_size, requests_per_minute, state_key, tenant),
            )| JobFile {
                api_key_secret_arn,
                backfill_from,
                bucket,
                compression,
                format,
                lookback_seconds,
                max_pages,
                page_size,
                prefix,
                requests_per_minute,
                state_key,
                tenant,
            },
        )
}

fn timestamp() -> impl Strategy<Value = Timestamp> {
    (
        Timestamp::MIN.as_second()..=Timestamp::MAX.as_second(),
        0i32..1_000_000_000,
    )
        .prop_filter_map("a time jiff holds", |(second, nanos)| {
            Timestamp::new(second, nanos).ok()
        })
}

fn state() -> impl Strategy<Value = State> {
    (
        prop_oneof![Just(STATE_VERSION), any::<u32>()],
        timestamp(),
        prop::collection::btree_set(any::<u64>(), 0..4),
        prop::option::of(timestamp()),
        prop::option::of(("[a-z0-9-]{1,12}", timestamp())),
        timestamp(),
        text(),
        prop::option::of((timestamp(), prop::option::of(timestamp()))),
    )
        .prop_map(
            |(
                version,
                created_at,
                delivered_ids,
                window_end,
                lease,
                updated_at,
                tenant,
                backfill,
            )| {
                State {
                    version,
                    position: Position {
                        created_at,
                        delivered_ids,
                    },
                    window_end,
                    lease: lease.map(|(owner, expires_at)| Lease { owner, expires_at }),
                    updated_at,
                    tenant,
                    backfill: backfill.map(|(from, to)| RequestedWindow { from, to }),
                }
            },
        )
}

proptest! {
    #![proptest_config(fuzz::config())]

    #[test]
    fn fuzz_job_files(bytes in job_file().prop_flat_map(|job| damaged(job.render()))) {
        if let Ok(job) = JobFile::parse(&bytes) {
            prop_assert_eq!(JobFile::parse(&job.render()), Ok(job));
        }
    }

    #[test]
    fn fuzz_state_objects(bytes in state().prop_flat_map(|state| damaged(serde_json::to_vec(&state).unwrap()))) {
        if let Ok(state) = serde_json::from_slice::<State>(&bytes) {
            let written = serde_json::to_vec(&state).unwrap();
            prop_assert_eq!(serde_json::from_slice::<State>(&written).ok(), Some(state));
        }
    }
}

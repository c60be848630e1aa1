//! Fuzz target for the job file as the runner reads it (budget from
//! `tinesaudit_testkit::fuzz::config`): job files the provider would write, damaged byte by byte.
//! The runner refuses or reads each without a panic, and where both the runner and the provider's
//! reading of the contract (`tinesaudit_job::JobFile`) accept a file, they read the same numbers:
//! `terraform plan` shows what the runner does.

use proptest::prelude::*;
use serde_json::{Value, json};
use std::time::Duration;
use tinesaudit_job::JobFile;

use tinesaudit_runner::settings::{RawSettings, StartPoint};
use tinesaudit_testkit::fuzz::{self, damaged};

fn job_file() -> impl Strategy<Value = Vec<u8>> {
    let number = || {
        prop_oneof![
            3 => (0i64..2000).prop_map(Value::from),
            1 => (0i64..2000).prop_map(|n| Value::from(format!(" {n}"))),
            1 => any::<i64>().prop_map(Value::from),
            1 => Just(Value::Null),
        ]
    };
    (number(), number(), number(), number(), "[a-z0-9/]{0,12}")
        .prop_map(|(page_size, max_pages, lookback, per_minute, prefix)| {
            let job = json!({
                "bucket": "audit-bucket",
                "tenant": "https://example.tines.com",
                "page_size": page_size,
                "max_pages": max_pages,
                "lookback_seconds": lookback,
                "requests_per_minute": per_minute,
                "prefix": format!("{prefix}/"),
                "format": "ndjson",
            });
            serde_json::to_vec_pretty(&job).unwrap()
        })
        // A quarter undamaged: most damaged files are refused by one side, and the comparison below
        // must also run on files both sides read.
        .prop_flat_map(|job| prop_oneof![1 => Just(job.clone()), 3 => damaged(job)])
}

proptest! {
    #![proptest_config(fuzz::config())]

    #[test]
    fn fuzz_job_files_read_alike_by_runner_and_provider(bytes in job_file()) {
        let Ok(value) = serde_json::from_slice::<Value>(&bytes) else {
            return Ok(());
        };
        let mut raw = RawSettings::from_flags(|_| None);
        raw.add_env(|name| (name == "TINES_API_KEY").then(|| "tk_fuzz".to_owned()));
        let runner = raw.add_job(&value).and_then(|()| raw.resolve());
        let (Ok(runner), Ok(provider)) = (runner, JobFile::parse(&bytes)) else {
            return Ok(());
        };
        if let Some(page_size) = provider.page_size {
            prop_assert_eq!(i64::from(runner.page_size), page_size);
        }
        if let Some(max_pages) = provider.max_pages {
            prop_assert_eq!(i64::try_from(runner.max_pages).ok(), Some(max_pages));
        }
        if let Some(per_minute) = provider.requests_per_minute {
            prop_assert_eq!(i64::from(runner.requests_per_minute), per_minute);
        }
        if let Some(lookback) = provider.lookback_seconds {
            let seconds = u64::try_from(lookback).ok().map(Duration::from_secs);
            prop_assert_eq!(seconds.map(StartPoint::Lookback), Some(runner.start));
        }
        if let Some(prefix) = &provider.prefix {
            prop_assert_eq!(prefix.trim(), runner.prefix.as_str());
        }
        prop_assert_eq!(provider.bucket.as_deref().map(str::trim), Some(runner.bucket.as_str()));
        prop_assert_eq!(provider.tenant.as_deref().map(str::trim), Some(runner.tenant.as_str()));
    }
}

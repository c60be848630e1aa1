//! The job file as `tinesaudit_ingestion_job` writes it and `tinesaudit_schedule` reads it.
//!
//! The runner reads the same file key by key (`settings::FIELDS`), merged with its flags and
//! environment; a test below keeps every key written here one the runner knows.

use serde::{Deserialize, Deserializer, Serialize};

/// A job file is a small JSON object; anything much larger is something else.
pub const MAX_JOB_FILE_BYTES: i64 = 1024 * 1024;

/// The runner's settings under their job-file keys. Fields are in key order, so the JSON is sorted;
/// absent values are left out (the runner then uses its default). Reading accepts what the runner
/// accepts for these keys (numbers written as strings) and ignores other keys.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobFile {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_key_secret_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backfill_from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compression: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        default,
        deserialize_with = "runner_integer"
    )]
    pub lookback_seconds: Option<i64>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        default,
        deserialize_with = "runner_integer"
    )]
    pub max_pages: Option<i64>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        default,
        deserialize_with = "runner_integer"
    )]
    pub page_size: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        default,
        deserialize_with = "runner_integer"
    )]
    pub requests_per_minute: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
}

impl JobFile {
    /// The bytes written: pretty JSON (a person may well read it), with a final newline.
    pub fn render(&self) -> Vec<u8> {
        // Plain strings and integers under string keys: serialising cannot fail.
        let mut bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }

    /// `Err` says why the bytes are not a job file.
    pub fn parse(bytes: &[u8]) -> Result<JobFile, String> {
        let value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| format!("it is not JSON: {e}"))?;
        if !value.is_object() {
            return Err("it is not a JSON object".to_owned());
        }
        serde_json::from_value(value).map_err(|e| e.to_string())
    }
}

/// An integer as the runner reads one: a JSON number, or a string holding one; null is absent.
fn runner_integer<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Number(i64),
        Text(String),
    }
    match Option::<Raw>::deserialize(deserializer)? {
        None => Ok(None),
        Some(Raw::Number(n)) => Ok(Some(n)),
        Some(Raw::Text(text)) => text
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format!("{text:?} is not a whole number"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::FIELDS;

    fn full() -> JobFile {
        JobFile {
            api_key_secret_arn: Some(
                "arn:aws:secretsmanager:eu-west-1:123456789012:secret:k".into(),
            ),
            backfill_from: None,
            bucket: Some("audit-bucket".into()),
            compression: Some("none".into()),
            format: Some("ndjson".into()),
            lookback_seconds: Some(3600),
            max_pages: Some(1000),
            page_size: Some(500),
            prefix: Some("tines/audit/".into()),
            requests_per_minute: Some(1000),
            state_key: Some("tinesaudit/state/a.json".into()),
            tenant: Some("https://example.tines.com".into()),
        }
    }

    #[test]
    fn the_job_file_has_sorted_runner_keys_and_no_nulls() {
        let bytes = full().render();
        let text = String::from_utf8(bytes.clone()).unwrap();
        let keys: Vec<&str> = text
            .lines()
            .filter_map(|line| line.trim().strip_prefix('"')?.split('"').next())
            .collect();
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        assert_eq!(keys, sorted);
        assert!(keys.contains(&"max_pages") && !keys.contains(&"backfill_from"));
        assert!(!text.contains("null") && text.ends_with("}\n"), "{text}");
        assert_eq!(JobFile::parse(&bytes), Ok(full()));
        assert_eq!(full().render(), bytes, "deterministic");
    }

    #[test]
    fn reading_takes_what_the_runner_takes_and_refuses_what_it_cannot_read() {
        let parsed =
            JobFile::parse(br#"{"page_size": "200", "max_pages": null, "settle_seconds": 5}"#)
                .unwrap();
        assert_eq!(parsed.page_size, Some(200));
        assert_eq!(parsed.max_pages, None);
        for bad in [
            &b"not json"[..],
            b"[1]",
            br#"{"page_size": "many"}"#,
            br#"{"bucket": 7}"#,
        ] {
            assert!(
                JobFile::parse(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn every_key_written_is_a_runner_setting() {
        let written: serde_json::Value = serde_json::from_slice(&full().render()).unwrap();
        for key in written.as_object().unwrap().keys() {
            assert!(
                FIELDS.iter().any(|field| field.key == key),
                "the runner does not know {key}"
            );
        }
    }
}

//! Configuration: flags, then the reference Lambda's environment variables, then (in Lambda
//! mode) the invocation's event payload, then a job file — resolved and checked before any
//! work starts.
//!
//! Every setting is described once in [`FIELDS`]: its job-file key, its environment variable
//! (the reference's names, accepted unchanged) and its flag. Errors name the setting, where its
//! value came from, and what is accepted.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use jiff::Timestamp;
use serde_json::Value;

pub use tinesaudit_job::settings::FIELDS;
use tinesaudit_job::settings::{
    self as limits, COMPRESSIONS, DEFAULT_PREFIX, DEFAULT_STATE_KEY, FORMATS, Field, Whole,
};

use crate::sink::{Compression, Format};

/// Where a raw value came from, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Flag(&'static str),
    Env(&'static str),
    JobFile(&'static str),
    /// A key of a Lambda invocation's event payload.
    Event(&'static str),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Flag(flag) => write!(f, "--{flag}"),
            Origin::Env(var) => write!(f, "environment variable {var}"),
            Origin::JobFile(key) => write!(f, "job file key \"{key}\""),
            Origin::Event(key) => write!(f, "event payload key \"{key}\""),
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{origin}: {problem}")]
pub struct SettingsError {
    pub origin: Origin,
    pub problem: String,
}

fn missing(field: &Field, why: &str) -> SettingsError {
    SettingsError {
        origin: Origin::Env(field.env),
        problem: format!(
            "{why}; set {} or the job file key \"{}\"",
            field.env, field.key
        ),
    }
}

/// Raw values by job-file key, highest priority first: flags, environment, event, job file.
#[derive(Default, Clone)]
pub struct RawSettings {
    values: BTreeMap<&'static str, (String, Origin)>,
}

impl fmt::Debug for RawSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print values: one of them is an API key.
        f.debug_list().entries(self.values.keys()).finish()
    }
}

impl RawSettings {
    /// Adds values from a lower-priority source; values already present win.
    fn fill(&mut self, key: &'static str, value: String, origin: Origin) {
        self.values.entry(key).or_insert((value, origin));
    }

    pub fn from_flags(flags: impl Fn(&'static str) -> Option<String>) -> Self {
        let mut raw = Self::default();
        for field in FIELDS {
            if let Some((flag, value)) = field.flag.and_then(|flag| Some((flag, flags(flag)?))) {
                raw.fill(field.key, value, Origin::Flag(flag));
            }
        }
        raw
    }

    pub fn add_env(&mut self, env: impl Fn(&'static str) -> Option<String>) {
        for field in FIELDS {
            if let Some(value) = env(field.env).filter(|v| !v.is_empty()) {
                self.fill(field.key, value, Origin::Env(field.env));
            }
        }
    }

    /// Adds a job file's JSON object, refusing keys it does not know.
    pub fn add_job(&mut self, job: &Value) -> Result<(), SettingsError> {
        self.add_object(job, "a job file", Origin::JobFile)
    }

    /// Adds a Lambda event payload: a JSON object with job-file keys.
    pub fn add_event(&mut self, event: &Value) -> Result<(), SettingsError> {
        self.add_object(event, "an event payload", Origin::Event)
    }

    fn add_object(
        &mut self,
        source: &Value,
        what: &str,
        origin: fn(&'static str) -> Origin,
    ) -> Result<(), SettingsError> {
        let object = source.as_object().ok_or_else(|| SettingsError {
            origin: origin("(root)"),
            problem: format!("{what} must be a JSON object"),
        })?;
        for (key, value) in object {
            let Some(field) = FIELDS.iter().find(|f| f.key == key) else {
                let known: Vec<_> = FIELDS.iter().map(|f| f.key).collect();
                return Err(SettingsError {
                    origin: origin("(root)"),
                    problem: format!("unknown key \"{key}\"; accepted: {}", known.join(", ")),
                });
            };
            let text = match value {
                Value::Null => continue,
                Value::String(s) => s.clone(),
                Value::Number(_) | Value::Bool(_) => value.to_string(),
                _ => {
                    return Err(SettingsError {
                        origin: origin(field.key),
                        problem: "must be a string, number or boolean".to_owned(),
                    });
                }
            };
            self.fill(field.key, text, origin(field.key));
        }
        Ok(())
    }

    /// The required settings not given so far: `bucket`, `tenant`, and the API key (either
    /// `api_key` or `api_key_secret_arn`), by job-file key.
    pub fn missing_required(&self) -> Vec<&'static str> {
        let given = |key: &str| self.get(key).is_some_and(|(v, _)| !v.trim().is_empty());
        let mut missing = Vec::new();
        for key in ["bucket", "tenant"] {
            if !given(key) {
                missing.push(key);
            }
        }
        if !given("api_key") && !given("api_key_secret_arn") {
            missing.push("api_key");
        }
        missing
    }

    /// Whether path-style S3 addressing was asked for so far, before the job file is read:
    /// reading the job file from S3 needs it.
    pub fn force_path_style_hint(&self) -> bool {
        self.get("s3_force_path_style").is_some_and(|(value, _)| {
            matches!(value.trim().to_ascii_lowercase().as_str(), "true" | "1")
        })
    }

    fn get(&self, key: &str) -> Option<&(String, Origin)> {
        self.values.get(key)
    }

    /// Checks every value and applies defaults.
    pub fn resolve(&self) -> Result<Settings, SettingsError> {
        let field = |key: &str| FIELDS.iter().find(|f| f.key == key).unwrap_or(&FIELDS[0]);
        let text = |key: &str| self.get(key).map(|(v, o)| (v.trim(), o));
        let number = |limit: Whole| -> Result<u64, SettingsError> {
            match text(limit.key) {
                None => Ok(limit.default),
                Some((raw, origin)) => limit.accept(raw).map_err(|problem| SettingsError {
                    origin: origin.clone(),
                    problem,
                }),
            }
        };

        let (bucket, bucket_origin) =
            text("bucket").ok_or_else(|| missing(field("bucket"), "no S3 bucket given"))?;
        check_bucket_name(bucket).map_err(|problem| SettingsError {
            origin: bucket_origin.clone(),
            problem,
        })?;

        let (prefix, prefix_origin) = text("prefix")
            .map_or((DEFAULT_PREFIX, Origin::Env("S3_PREFIX")), |(v, o)| {
                (v, o.clone())
            });
        if prefix.is_empty() || prefix.starts_with('/') || !prefix.ends_with('/') {
            return Err(SettingsError {
                origin: prefix_origin,
                problem: format!(
                    "'{prefix}' is not accepted; use a non-empty key prefix ending in '/' and not starting with '/', e.g. tines/audit/"
                ),
            });
        }
        let (state_key, state_origin) = text("state_key")
            .map_or((DEFAULT_STATE_KEY, Origin::Env("STATE_KEY")), |(v, o)| {
                (v, o.clone())
            });
        if state_key.is_empty() || state_key.ends_with('/') || state_key.starts_with('/') {
            return Err(SettingsError {
                origin: state_origin,
                problem: format!(
                    "'{state_key}' is not accepted; use an object key such as tines/state/audit.json"
                ),
            });
        }
        if state_key.starts_with(prefix) {
            return Err(SettingsError {
                origin: state_origin,
                problem: format!(
                    "'{state_key}' lies inside the data prefix '{prefix}'. The SecOps feed reading that prefix would ingest \
                     the state object as a log record and, with source deletion on, delete it, so the next run would \
                     start over. Put it beside the prefix instead, e.g. tines/state/audit.json"
                ),
            });
        }

        let (tenant, _) =
            text("tenant").ok_or_else(|| missing(field("tenant"), "no Tines tenant URL given"))?;
        let api_key = match (text("api_key"), text("api_key_secret_arn")) {
            (Some((key, _)), _) if !key.is_empty() => ApiKeySource::Value(ApiKey(key.to_owned())),
            (_, Some((arn, origin))) => {
                if !arn.starts_with("arn:") || !arn.contains(":secretsmanager:") {
                    return Err(SettingsError {
                        origin: origin.clone(),
                        problem: format!(
                            "'{arn}' is not a Secrets Manager secret ARN (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME)"
                        ),
                    });
                }
                ApiKeySource::SecretsManager(arn.to_owned())
            }
            _ => {
                return Err(missing(
                    field("api_key"),
                    "no Tines API key given; set TINES_API_KEY or TINES_API_KEY_SECRET_ARN",
                ));
            }
        };

        let start = match text("backfill_from") {
            Some((raw, origin)) => {
                let from = parse_time(raw).map_err(|problem| SettingsError {
                    origin: origin.clone(),
                    problem: format!("'{raw}': {problem}"),
                })?;
                // A start in the future would become a checkpoint claiming that every record
                // created until then was delivered: they would be skipped, and every run in
                // between would report success.
                let now = Timestamp::now();
                if from > now {
                    return Err(SettingsError {
                        origin: origin.clone(),
                        problem: format!(
                            "'{raw}' is in the future (now is {now}); use a time in the past, where the first run starts"
                        ),
                    });
                }
                StartPoint::From(from)
            }
            None => StartPoint::Lookback(Duration::from_secs(number(limits::LOOKBACK_SECONDS)?)),
        };

        let enumerated = |key: &str, accepted: &[&str]| -> Result<Option<usize>, SettingsError> {
            match text(key) {
                None => Ok(None),
                Some((raw, origin)) => accepted
                    .iter()
                    .position(|a| a.eq_ignore_ascii_case(raw))
                    .map(Some)
                    .ok_or_else(|| SettingsError {
                        origin: origin.clone(),
                        problem: format!(
                            "'{raw}' is not accepted; use one of: {}",
                            accepted.join(", ")
                        ),
                    }),
            }
        };
        let force_path_style = matches!(
            enumerated("s3_force_path_style", &["false", "true", "0", "1"])?,
            Some(1 | 3)
        );
        let format = match enumerated("format", &FORMATS)? {
            Some(1) => Format::RawPage,
            _ => Format::Ndjson,
        };
        let compression = match enumerated("compression", &COMPRESSIONS)? {
            Some(1) => Compression::Gzip,
            _ => Compression::None,
        };
        let http_timeout = match text("http_timeout") {
            None => Duration::from_secs(30),
            Some((raw, origin)) => raw
                .parse::<f64>()
                .ok()
                .filter(|s| (0.1..=900.0).contains(s))
                .map(Duration::from_secs_f64)
                .ok_or_else(|| SettingsError {
                    origin: origin.clone(),
                    problem: format!("'{raw}' is not accepted; use seconds between 0.1 and 900"),
                })?,
        };

        Ok(Settings {
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
            state_key: state_key.to_owned(),
            tenant: tenant.to_owned(),
            api_key,
            start,
            page_size: number(limits::PAGE_SIZE)? as u32,
            max_pages: number(limits::MAX_PAGES)?,
            http_timeout,
            http_retries: number(limits::HTTP_RETRIES)? as u32,
            settle: Duration::from_secs(number(limits::SETTLE_SECONDS)?),
            force_path_style,
            format,
            compression,
            records_per_object: number(limits::RECORDS_PER_OBJECT)? as usize,
            requests_per_minute: number(limits::REQUESTS_PER_MINUTE)? as u32,
            concurrency: number(limits::CONCURRENCY)? as usize,
            lease: Duration::from_secs(number(limits::LEASE_SECONDS)?),
        })
    }
}

/// Reads a time given by a person: `BACKFILL_FROM`, and `--from` and `--to`, whose errors name
/// the flag themselves. The parser's reason alone ("failed to find offset component") does not
/// say which format is wanted.
pub fn parse_time(raw: &str) -> Result<Timestamp, String> {
    raw.trim()
        .parse::<Timestamp>()
        .map_err(|e| format!("expected an RFC 3339 time such as 2024-05-01T00:00:00Z ({e})"))
}

/// S3 bucket naming rules: 3 to 63 lowercase letters, digits, dots and hyphens, starting and
/// ending with a letter or digit.
pub fn check_bucket_name(name: &str) -> Result<(), String> {
    let valid_chars = name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
    let edges = name
        .bytes()
        .next()
        .zip(name.bytes().last())
        .is_some_and(|(first, last)| first.is_ascii_alphanumeric() && last.is_ascii_alphanumeric());
    if (3..=63).contains(&name.len()) && valid_chars && edges && !name.contains("..") {
        Ok(())
    } else {
        Err(format!(
            "'{name}' is not a valid S3 bucket name; use 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit"
        ))
    }
}

/// The Tines API key. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(pub String);

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiKeySource {
    Value(ApiKey),
    SecretsManager(String),
}

impl Settings {
    /// How hard the Tines client tries per request: `HTTP_RETRIES` retries, within the
    /// client's default per-call deadline (and never past the run's own deadline).
    pub fn retry_policy(&self) -> tines_client::RetryPolicy {
        tines_client::RetryPolicy {
            max_attempts: self.http_retries + 1,
            ..tines_client::RetryPolicy::default()
        }
    }
}

/// Where a first run starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartPoint {
    Lookback(Duration),
    From(Timestamp),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub bucket: String,
    pub prefix: String,
    pub state_key: String,
    pub tenant: String,
    pub api_key: ApiKeySource,
    pub start: StartPoint,
    pub page_size: u32,
    pub max_pages: u64,
    pub http_timeout: Duration,
    pub http_retries: u32,
    pub settle: Duration,
    pub force_path_style: bool,
    pub format: Format,
    pub compression: Compression,
    pub records_per_object: usize,
    pub requests_per_minute: u32,
    pub concurrency: usize,
    /// Renewed at every checkpoint write, so it only has to outlast the gap between two.
    pub lease: Duration,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    type Vars = &'static [(&'static str, &'static str)];

    fn env(
        pairs: &'static [(&'static str, &'static str)],
    ) -> impl Fn(&'static str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    fn resolve(pairs: Vars) -> Result<Settings, SettingsError> {
        let mut raw = RawSettings::default();
        raw.add_env(env(pairs));
        raw.resolve()
    }

    const MINIMAL: &[(&str, &str)] = &[
        ("S3_BUCKET", "audit-bucket"),
        ("TINES_BASE_URL", "https://example.tines.com"),
        ("TINES_API_KEY", "k3y-s3cret"),
    ];

    #[test]
    fn the_reference_variables_work_unchanged_with_defaults() {
        let settings = resolve(MINIMAL).unwrap();
        assert_eq!(settings.prefix, "tines/audit/");
        assert_eq!(settings.state_key, "tines/state/audit.json");
        assert_eq!(settings.page_size, 500);
        assert_eq!(settings.settle, Duration::from_secs(60));
        assert_eq!(
            settings.start,
            StartPoint::Lookback(Duration::from_secs(3600))
        );
        assert_eq!(settings.format, Format::Ndjson);
        assert!(
            !format!("{settings:?}").contains("k3y-s3cret"),
            "the key never shows in Debug"
        );
    }

    #[test]
    fn a_state_key_inside_the_prefix_is_refused_with_the_reason() {
        let err = resolve(&[
            ("S3_BUCKET", "audit-bucket"),
            ("TINES_BASE_URL", "https://example.tines.com"),
            ("TINES_API_KEY", "k"),
            ("STATE_KEY", "tines/audit/state.json"),
        ])
        .unwrap_err();
        assert_eq!(err.origin, Origin::Env("STATE_KEY"));
        assert!(
            err.problem.contains("inside the data prefix") && err.problem.contains("ingest"),
            "{err}"
        );
    }

    #[test]
    fn bad_values_name_the_setting_and_what_is_accepted() {
        let cases: [(Vars, &str, &str); 7] = [
            (&[("PAGE_SIZE", "900")], "PAGE_SIZE", "1..=500"),
            (&[("HTTP_TIMEOUT", "soon")], "HTTP_TIMEOUT", "seconds"),
            (&[("COMPRESSION", "zstd")], "COMPRESSION", "none, gzip"),
            (
                &[("S3_FORCE_PATH_STYLE", "yes")],
                "S3_FORCE_PATH_STYLE",
                "true",
            ),
            (
                &[("BACKFILL_FROM", "last week")],
                "BACKFILL_FROM",
                "'last week': expected an RFC 3339 time such as 2024-05-01T00:00:00Z",
            ),
            (&[("S3_PREFIX", "/tines")], "S3_PREFIX", "ending in '/'"),
            (
                &[("BACKFILL_FROM", "2099-01-01T00:00:00Z")],
                "BACKFILL_FROM",
                "is in the future",
            ),
        ];
        for (extra, var, accepted) in cases {
            let mut raw = RawSettings::default();
            raw.add_env(env(extra));
            raw.add_env(env(MINIMAL));
            let err = raw.resolve().unwrap_err();
            assert_eq!(err.origin, Origin::Env(var));
            assert!(err.to_string().contains(accepted), "{err}");
        }
        let err = resolve(&[("S3_BUCKET", "Bad_Bucket")]).unwrap_err();
        assert!(err.problem.contains("bucket name"), "{err}");
        let err =
            resolve(&[("S3_BUCKET", "ok-bucket"), ("TINES_BASE_URL", "https://t")]).unwrap_err();
        assert!(err.problem.contains("TINES_API_KEY"), "{err}");
    }

    #[test]
    fn flags_beat_environment_beats_job_file() {
        let mut raw =
            RawSettings::from_flags(|flag| (flag == "page-size").then(|| "100".to_owned()));
        raw.add_env(env(&[
            ("PAGE_SIZE", "200"),
            ("MAX_PAGES", "7"),
            ("TINES_API_KEY", "k"),
        ]));
        raw.add_job(&json!({
            "bucket": "job-bucket", "tenant": "https://example.tines.com",
            "page_size": 300, "max_pages": 9, "compression": "gzip", "backfill_from": null
        }))
        .unwrap();
        let settings = raw.resolve().unwrap();
        assert_eq!(settings.page_size, 100);
        assert_eq!(settings.max_pages, 7);
        assert_eq!(settings.bucket, "job-bucket");
        assert_eq!(settings.compression, Compression::Gzip);

        let err = RawSettings::default()
            .add_job(&json!({"buckett": "x"}))
            .unwrap_err();
        assert!(
            err.problem.contains("buckett") && err.problem.contains("bucket"),
            "{err}"
        );
        let err = RawSettings::default()
            .add_job(&json!({"page_size": [1]}))
            .unwrap_err();
        assert_eq!(err.origin, Origin::JobFile("page_size"));
    }

    #[test]
    fn an_event_fills_what_the_environment_leaves_open_and_names_itself_in_errors() {
        let mut raw = RawSettings::default();
        raw.add_env(env(MINIMAL));
        raw.add_event(&json!({"bucket": "event-bucket", "max_pages": 3}))
            .unwrap();
        raw.add_job(&json!({"max_pages": 9, "page_size": 100}))
            .unwrap();
        let settings = raw.resolve().unwrap();
        assert_eq!(settings.bucket, "audit-bucket", "the environment wins");
        assert_eq!(settings.max_pages, 3, "the event beats the job file");
        assert_eq!(settings.page_size, 100);

        let mut raw = RawSettings::default();
        raw.add_event(&json!({"page_size": 9000})).unwrap();
        raw.add_env(env(MINIMAL));
        let err = raw.resolve().unwrap_err();
        assert_eq!(err.origin, Origin::Event("page_size"));
        assert!(
            err.to_string()
                .starts_with("event payload key \"page_size\""),
            "{err}"
        );
        let err = RawSettings::default().add_event(&json!([])).unwrap_err();
        assert!(err.problem.contains("an event payload"), "{err}");
    }

    #[test]
    fn missing_required_settings_are_named() {
        assert_eq!(
            RawSettings::default().missing_required(),
            ["bucket", "tenant", "api_key"]
        );
        let mut raw = RawSettings::default();
        raw.add_env(env(&[
            ("S3_BUCKET", "b-bucket"),
            (
                "TINES_API_KEY_SECRET_ARN",
                "arn:aws:secretsmanager:us-east-1:1:secret:k",
            ),
        ]));
        assert_eq!(raw.missing_required(), ["tenant"]);
        raw.add_env(env(MINIMAL));
        assert!(raw.missing_required().is_empty());
    }
}

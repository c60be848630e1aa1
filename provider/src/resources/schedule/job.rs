//! The runner's job file as `tinesaudit_schedule` sees it: read from S3, it decides the function's timeout
//! (how long `max_pages` take at `requests_per_minute`) and its execution role's least-privilege policy
//! (the bucket, prefix, state key and secret it names).
//!
//! The keys read here (`bucket`, `prefix`, `state_key`, `api_key_secret_arn`, `max_pages`,
//! `requests_per_minute`) are read as the runner reads them: any scalar as text, with the defaults and
//! ranges of the contract crate (`tinesaudit_job::settings`); the runner remains the judge of everything
//! else in the file.

use serde_json::{Map, Value, json};
use tinesaudit_job::settings::{
    DEFAULT_PREFIX, DEFAULT_STATE_KEY, MAX_PAGES, REQUESTS_PER_MINUTE, Whole,
};
use tinesaudit_job::{MAX_JOB_FILE_BYTES, sha256_hex};

use crate::aws::calls::AwsError;
use crate::aws::iam::policy_document;
use crate::aws::s3::{Objects, S3Url};

/// Lambda stops a function after at most 15 minutes.
pub const LAMBDA_MAX_TIMEOUT_SECONDS: u64 = 900;
/// Time a run needs besides fetching pages: init (job file, secret, state object and lease), the end of the
/// run (the last object, the lease given back, the result), and one slow request.
pub const MARGIN_SECONDS: u64 = 60;
/// Pages seldom come at the full rate (latency, retries after 429 and 5xx answers): the fetching time is
/// planned half as long again.
const SAFETY_NUMERATOR: u64 = 3;
const SAFETY_DENOMINATOR: u64 = 2;

/// A job file read from S3.
pub struct JobFile {
    /// Lowercase hex SHA-256 of its bytes.
    pub sha256: String,
    bytes: Vec<u8>,
}

impl JobFile {
    /// The settings the deployment depends on; `Err` names the key and what is accepted.
    pub fn settings(&self) -> Result<JobSettings, String> {
        JobSettings::parse(&self.bytes)
    }
}

/// Reads the job file; `None` when the object (or its bucket) does not exist yet.
pub async fn fetch(objects: &Objects, url: &S3Url) -> Result<Option<JobFile>, AwsError> {
    let object = objects
        .get(&url.bucket, &url.key, Some(MAX_JOB_FILE_BYTES))
        .await?;
    Ok(object.map(|object| JobFile {
        sha256: sha256_hex(&object.body),
        bytes: object.body,
    }))
}

/// What the function's timeout and policy are derived from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobSettings {
    pub bucket: String,
    pub prefix: String,
    pub state_key: String,
    pub api_key_secret_arn: Option<String>,
    pub max_pages: u64,
    pub requests_per_minute: u64,
}

/// A job that cannot finish within Lambda's limit.
#[derive(Debug, PartialEq, Eq)]
pub struct TooLong {
    /// Fetching `max_pages` at the full rate, plus the margin.
    pub least_seconds: u64,
    /// The most pages a run can take at this rate with the usual allowance.
    pub pages_that_fit: u64,
}

impl JobSettings {
    fn parse(bytes: &[u8]) -> Result<JobSettings, String> {
        let job: Value = serde_json::from_slice(bytes)
            .map_err(|e| format!("the job file is not valid JSON: {e}"))?;
        let Value::Object(job) = job else {
            return Err("the job file is not a JSON object".to_owned());
        };
        let bucket = text(&job, "bucket")?.ok_or_else(|| {
            "the job file has no \"bucket\"; the runner needs the bucket it writes to".to_owned()
        })?;
        Ok(JobSettings {
            bucket,
            prefix: text(&job, "prefix")?.unwrap_or_else(|| DEFAULT_PREFIX.to_owned()),
            state_key: text(&job, "state_key")?.unwrap_or_else(|| DEFAULT_STATE_KEY.to_owned()),
            api_key_secret_arn: text(&job, "api_key_secret_arn")?,
            max_pages: number(&job, MAX_PAGES)?,
            requests_per_minute: number(&job, REQUESTS_PER_MINUTE)?,
        })
    }

    /// The function's timeout: fetching `max_pages` at `requests_per_minute` takes at least
    /// `max_pages / (requests_per_minute / 60)` seconds; that, half as long again, plus
    /// [`MARGIN_SECONDS`], at most Lambda's 900 s. A job whose bare fetching time plus the margin does not
    /// fit in 900 s is refused.
    pub fn timeout_seconds(&self) -> Result<u64, TooLong> {
        let fetching = (self.max_pages * 60).div_ceil(self.requests_per_minute);
        if fetching + MARGIN_SECONDS > LAMBDA_MAX_TIMEOUT_SECONDS {
            let allowance = (LAMBDA_MAX_TIMEOUT_SECONDS - MARGIN_SECONDS) * SAFETY_DENOMINATOR
                / SAFETY_NUMERATOR;
            return Err(TooLong {
                least_seconds: fetching + MARGIN_SECONDS,
                pages_that_fit: allowance * self.requests_per_minute / 60,
            });
        }
        let planned = (fetching * SAFETY_NUMERATOR).div_ceil(SAFETY_DENOMINATOR) + MARGIN_SECONDS;
        Ok(planned.min(LAMBDA_MAX_TIMEOUT_SECONDS))
    }

    /// The execution role's policy: the function may write records under the prefix, read and write its
    /// state object, read the job file and the API key's secret, and write its own logs; nothing else.
    pub fn runner_policy(&self, job_file: &S3Url, function: &FunctionPlace<'_>) -> String {
        let p = function.partition;
        let s3 = |bucket: &str, key: &str| format!("arn:{p}:s3:::{bucket}/{key}");
        let log_group = format!(
            "arn:{p}:logs:{}:{}:log-group:/aws/lambda/{}",
            function.region, function.account, function.name
        );
        let mut statements = vec![
            json!({
                "Sid": "WriteRecords",
                "Effect": "Allow",
                "Action": ["s3:PutObject", "s3:GetObject"],
                "Resource": s3(&self.bucket, &format!("{}*", self.prefix)),
            }),
            json!({
                "Sid": "KeepState",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject"],
                "Resource": s3(&self.bucket, &self.state_key),
            }),
            // Key names only. Without it S3 answers a missing object with 403 instead of 404, and the first
            // run, which finds no state object yet, would fail.
            json!({
                "Sid": "TellMissingObjects",
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": format!("arn:{p}:s3:::{}", self.bucket),
            }),
            json!({
                "Sid": "ReadJobFile",
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": s3(&job_file.bucket, &job_file.key),
            }),
        ];
        if let Some(secret) = &self.api_key_secret_arn {
            statements.push(json!({
                "Sid": "ReadApiKey",
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": secret,
            }));
        }
        statements.push(json!({
            "Sid": "WriteLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [log_group.clone(), format!("{log_group}:*")],
        }));
        policy_document(statements).to_string()
    }
}

/// Where the function lives, for ARNs in its policy.
pub struct FunctionPlace<'a> {
    pub name: &'a str,
    pub partition: &'a str,
    pub region: &'a str,
    pub account: &'a str,
}

/// A string setting, as the runner reads it: a string, number or boolean; null or blank is absent.
fn text(job: &Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    match job.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_owned()).filter(|s| !s.is_empty())),
        Some(value @ (Value::Number(_) | Value::Bool(_))) => Ok(Some(value.to_string())),
        Some(_) => Err(format!(
            "job file key \"{key}\" must be a string, number or boolean"
        )),
    }
}

/// A whole-number setting as the runner reads it, its default when absent.
fn number(job: &Map<String, Value>, limit: Whole) -> Result<u64, String> {
    match text(job, limit.key)? {
        None => Ok(limit.default),
        Some(raw) => limit
            .accept(&raw)
            .map_err(|problem| format!("job file key \"{}\": {problem}", limit.key)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(job: Value) -> Result<JobSettings, String> {
        JobSettings::parse(job.to_string().as_bytes())
    }

    fn with(max_pages: u64, requests_per_minute: u64) -> JobSettings {
        settings(json!({
            "bucket": "b",
            "max_pages": max_pages,
            "requests_per_minute": requests_per_minute.to_string(),
        }))
        .unwrap()
    }

    #[test]
    fn settings_take_the_runners_defaults() {
        let job = settings(json!({"bucket": "logs", "tenant": "https://t.tines.com"})).unwrap();
        assert_eq!(job.prefix, "tines/audit/");
        assert_eq!(job.state_key, "tines/state/audit.json");
        assert_eq!(job.api_key_secret_arn, None);
        assert_eq!((job.max_pages, job.requests_per_minute), (1000, 1000));
    }

    #[test]
    fn refused_settings_name_the_key_and_what_is_accepted() {
        let error = settings(json!({"tenant": "x"})).unwrap_err();
        assert!(error.contains("\"bucket\""), "{error}");
        let error = settings(json!({"bucket": "b", "max_pages": 0})).unwrap_err();
        assert!(
            error.contains("\"max_pages\"") && error.contains("1..=1000000"),
            "{error}"
        );
        let error = settings(json!({"bucket": "b", "requests_per_minute": "fast"})).unwrap_err();
        assert!(error.contains("\"requests_per_minute\""), "{error}");
        let error = settings(json!({"bucket": ["b"]})).unwrap_err();
        assert!(error.contains("string, number or boolean"), "{error}");
        assert!(
            JobSettings::parse(b"[1]")
                .unwrap_err()
                .contains("JSON object")
        );
        assert!(
            JobSettings::parse(b"{")
                .unwrap_err()
                .contains("not valid JSON")
        );
    }

    #[test]
    fn the_timeout_fits_the_pages_at_the_rate() {
        // 1000 pages at 1000 a minute: 60 s of fetching, 90 s planned, plus the margin.
        assert_eq!(with(1000, 1000).timeout_seconds(), Ok(150));
        // 10 pages at 60 a minute: 10 s, 15 s planned.
        assert_eq!(with(10, 60).timeout_seconds(), Ok(75));
        // 1 page at 7 a minute: 9 s (rounded up), 14 s planned.
        assert_eq!(with(1, 7).timeout_seconds(), Ok(74));
        // 800 s of fetching fits, but not half as long again: capped at Lambda's limit.
        assert_eq!(with(800, 60).timeout_seconds(), Ok(900));
    }

    #[test]
    fn a_job_longer_than_lambda_allows_says_how_many_pages_fit() {
        let too_long = with(20_000, 1000).timeout_seconds().unwrap_err();
        assert_eq!(too_long.least_seconds, 1200 + MARGIN_SECONDS);
        assert_eq!(too_long.pages_that_fit, 9333);
        assert_eq!(with(9333, 1000).timeout_seconds(), Ok(900));
        assert!(with(841, 60).timeout_seconds().is_err());
        assert_eq!(with(840, 60).timeout_seconds(), Ok(900));
    }

    #[test]
    fn the_policy_grants_only_what_the_job_names() {
        let job = settings(json!({
            "bucket": "logs",
            "prefix": "tines/audit/",
            "state_key": "tines/state/audit.json",
            "api_key_secret_arn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:key-AbCdEf",
        }))
        .unwrap();
        let place = FunctionPlace {
            name: "sync",
            partition: "aws",
            region: "eu-west-1",
            account: "123456789012",
        };
        let url = S3Url::parse("s3://config/jobs/tines.json").unwrap();
        let policy: Value = serde_json::from_str(&job.runner_policy(&url, &place)).unwrap();
        let statements = policy["Statement"].as_array().unwrap();
        let resources: Vec<String> = statements
            .iter()
            .flat_map(|s| match &s["Resource"] {
                Value::Array(all) => all.iter().map(|r| r.as_str().unwrap().to_owned()).collect(),
                one => vec![one.as_str().unwrap().to_owned()],
            })
            .collect();
        assert_eq!(
            resources,
            [
                "arn:aws:s3:::logs/tines/audit/*",
                "arn:aws:s3:::logs/tines/state/audit.json",
                "arn:aws:s3:::logs",
                "arn:aws:s3:::config/jobs/tines.json",
                "arn:aws:secretsmanager:eu-west-1:123456789012:secret:key-AbCdEf",
                "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/sync",
                "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/sync:*",
            ]
        );
        assert!(
            statements
                .iter()
                .all(|s| s["Effect"] == "Allow" && !s["Action"].to_string().contains('*')),
            "{policy}"
        );

        let without_secret = settings(json!({"bucket": "logs"})).unwrap();
        let policy = without_secret.runner_policy(&url, &place);
        assert!(!policy.contains("secretsmanager"), "{policy}");
    }
}

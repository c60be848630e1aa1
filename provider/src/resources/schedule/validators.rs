//! The attribute validators only this resource uses: S3 locations, role ARNs, time zones, schedule
//! expressions, and the environment variables Lambda or the resource itself owns.

use tfplugin_framework::diag::Diagnostics;
use tfplugin_framework::validator;
use tfplugin_framework::validator::{ValidateRequest, Validator};
use tfplugin_framework::value::Value;

use super::{JOB_FILE_ENV, JOB_FILE_SHA256_ENV, MAX_ENVIRONMENT_BYTES, expression};
use crate::aws::s3::S3Url;

/// `job_file`: an S3 location.
pub(super) struct JobFileLocation;

impl Validator for JobFileLocation {
    fn validate(&self, request: &ValidateRequest<'_>, diags: &mut Diagnostics) {
        let Some(url) = request.value.as_str() else {
            return;
        };
        if S3Url::parse(url).is_none() {
            diags.attribute_error(
                request.path.clone(),
                "Invalid job file location",
                format!(
                    "{url:?} is not an S3 location; use s3://bucket/key, e.g. s3://secops-config/jobs/tines.json."
                ),
            );
        }
    }
}

/// `role_arn`, `scheduler_role_arn`: an IAM role's ARN.
pub(super) fn role_arn() -> impl Validator {
    validator::regex_matches(
        r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$",
        "must be an IAM role ARN such as arn:aws:iam::123456789012:role/tines-audit",
    )
}

/// `timezone`: a name in the IANA time zone database, as Scheduler takes it. Checked against the database
/// of the machine running Terraform when it has one; by its form alone otherwise.
pub(super) struct TimeZoneName;

impl Validator for TimeZoneName {
    fn validate(&self, request: &ValidateRequest<'_>, diags: &mut Diagnostics) {
        let Some(name) = request.value.as_str() else {
            return;
        };
        if let Err(problem) = time_zone_problem(name, jiff::tz::db()) {
            diags.attribute_error(
                request.path.clone(),
                "Invalid time zone",
                format!(
                    "{name:?} {problem}; use an IANA time zone name such as UTC or Europe/Dublin."
                ),
            );
        }
    }
}

pub(super) fn time_zone_problem(
    name: &str,
    db: &jiff::tz::TimeZoneDatabase,
) -> Result<(), &'static str> {
    let well_formed = !name.is_empty()
        && name.len() <= 50
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+/-".contains(c));
    if !well_formed {
        return Err("is not the name of a time zone");
    }
    if !db.is_definitively_empty() && db.get(name).is_err() {
        return Err("is not in the time zone database");
    }
    Ok(())
}

/// `expression`: see `schedule_expression.rs`.
pub(super) struct Expression;

impl Validator for Expression {
    fn validate(&self, request: &ValidateRequest<'_>, diags: &mut Diagnostics) {
        let Some(expression) = request.value.as_str() else {
            return;
        };
        if let Err(problem) = expression::check(expression) {
            diags.attribute_error(
                request.path.clone(),
                "Invalid schedule expression",
                format!("{problem}."),
            );
        }
    }
}

/// The runner settings the function's policy and timeout are derived from, by environment variable: set
/// in the environment, they would override the job file in the runner behind the derivation's back.
pub(super) const DERIVED_SETTINGS: &[(&str, &str)] = &[
    ("S3_BUCKET", "bucket"),
    ("S3_PREFIX", "prefix"),
    ("STATE_KEY", "state_key"),
    ("TINES_API_KEY_SECRET_ARN", "api_key_secret_arn"),
    ("MAX_PAGES", "max_pages"),
    ("REQUESTS_PER_MINUTE", "requests_per_minute"),
];

/// Names Lambda reserves outside `AWS_*`.
pub(super) const LAMBDA_RESERVED: &[&str] = &["LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "TZ"];

/// Why `key` may not be set in `environment`, if it may not.
pub(super) fn refused_variable(key: &str) -> Option<String> {
    let mut chars = key.chars();
    let well_formed = key.len() >= 2
        && chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !well_formed {
        return Some(
            "Lambda accepts names of two or more letters, digits and underscores, starting with a letter"
                .to_owned(),
        );
    }
    if key == JOB_FILE_ENV || key == JOB_FILE_SHA256_ENV {
        return Some("the resource sets it from job_file".to_owned());
    }
    if key == "TINES_API_KEY" {
        return Some(
            "it would put the API key where anyone who may read the function's configuration sees it; keep \
             the key in Secrets Manager (tinesaudit_api_key) and name its secret in the job file's \
             api_key_secret_arn"
                .to_owned(),
        );
    }
    if let Some((_, job_key)) = DERIVED_SETTINGS.iter().find(|(env, _)| *env == key) {
        return Some(format!(
            "the function's policy and timeout follow the job file, which this would override in the runner; \
             set \"{job_key}\" in the job file instead"
        ));
    }
    if (key.starts_with("AWS_") && !key.starts_with("AWS_ENDPOINT_URL"))
        || LAMBDA_RESERVED.contains(&key)
    {
        return Some(
            "Lambda reserves it (of AWS_* only AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_* may be set)"
                .to_owned(),
        );
    }
    None
}

/// `environment`: names Lambda accepts and the resource does not set itself, within Lambda's size limit.
pub(super) struct EnvironmentVariables;

impl Validator for EnvironmentVariables {
    fn validate(&self, request: &ValidateRequest<'_>, diags: &mut Diagnostics) {
        let Value::Map(variables) = request.value else {
            return;
        };
        for key in variables.keys() {
            if let Some(reason) = refused_variable(key) {
                diags.attribute_error(
                    request.path.clone().key(key.clone()),
                    "Environment variable not accepted",
                    format!("{key} cannot be set in environment: {reason}."),
                );
            }
        }
        let job_file = request
            .config
            .attribute("job_file")
            .and_then(Value::as_str)
            .unwrap_or_default();
        // The job file's hash is 64 hex digits.
        let size: usize = JOB_FILE_ENV.len()
            + job_file.len()
            + JOB_FILE_SHA256_ENV.len()
            + 64
            + variables
                .iter()
                .map(|(k, v)| k.len() + v.as_str().map_or(0, str::len))
                .sum::<usize>();
        if size > MAX_ENVIRONMENT_BYTES {
            diags.attribute_error(
                request.path.clone(),
                "Environment too large",
                format!(
                    "Lambda allows {MAX_ENVIRONMENT_BYTES} bytes of environment variables in all; these are \
                     {size} bytes with the variables the resource sets itself."
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_refuses_what_the_resource_or_lambda_owns() {
        for accepted in [
            "AWS_ENDPOINT_URL",
            "AWS_ENDPOINT_URL_S3",
            "S3_FORCE_PATH_STYLE",
            "RUST_LOG",
            "Ab1_",
        ] {
            assert_eq!(refused_variable(accepted), None, "{accepted}");
        }
        let reason = |key| refused_variable(key).unwrap_or_default();
        assert!(reason("JOB_FILE").contains("job_file"));
        assert!(reason("AWS_REGION").contains("reserves"));
        assert!(reason("AWS_ACCESS_KEY_ID").contains("reserves"));
        assert!(reason("TZ").contains("reserves"));
        assert!(reason("MAX_PAGES").contains("\"max_pages\""));
        assert!(reason("S3_BUCKET").contains("\"bucket\""));
        assert!(reason("TINES_API_KEY").contains("Secrets Manager"));
        for malformed in ["A", "1ABC", "_HANDLER", "MY-VAR", "MY VAR", ""] {
            assert!(
                reason(malformed).contains("letters, digits and underscores"),
                "{malformed}"
            );
        }
    }

    #[test]
    fn time_zones_are_names_in_the_database() {
        let db = jiff::tz::db();
        // The test machines have a time zone database; without one only the form is checked.
        assert!(!db.is_definitively_empty());
        for zone in [
            "UTC",
            "Europe/Dublin",
            "America/Argentina/Buenos_Aires",
            "Etc/GMT+5",
        ] {
            assert_eq!(time_zone_problem(zone, db), Ok(()), "{zone}");
        }
        assert_eq!(
            time_zone_problem("Mars/Olympus_Mons", db),
            Err("is not in the time zone database")
        );
        for malformed in ["", "Europe/Dub lin", "UTC;rm", &"A".repeat(51)] {
            assert_eq!(
                time_zone_problem(malformed, db),
                Err("is not the name of a time zone"),
                "{malformed}"
            );
        }
    }
}

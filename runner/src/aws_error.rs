//! What the runner says when an AWS call fails.
//!
//! When the service answered, its error code and message say it all. When it did not, the
//! SDK's own text is "dispatch failure", which names neither where the request went nor why it
//! got no answer: a wrong `AWS_ENDPOINT_URL`, a region without network access, a proxy that
//! replaces certificates. So those messages name the endpoint and the cause found down the
//! error's source chain.

use std::error::Error as StdError;
use std::fmt;

use aws_config::SdkConfig;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_types::service_config::ServiceConfigKey;

/// Where an AWS client sends its requests, as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// Set by `AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL` or a profile's `endpoint_url`.
    Url(String),
    /// The service's AWS endpoint for the configured region, if any.
    Default { region: Option<String> },
}

impl Endpoint {
    /// The endpoint the SDK picks for `service_id` (as in `AWS_ENDPOINT_URL_<SERVICE>`: "S3",
    /// "Secrets Manager"), looked up in the same order as the SDK's client config does.
    pub fn of(aws: &SdkConfig, service_id: &str) -> Self {
        let configured = ServiceConfigKey::builder()
            .service_id(service_id)
            .env("AWS_ENDPOINT_URL")
            .profile("endpoint_url")
            .build()
            .ok()
            .and_then(|key| aws.service_config()?.load_config(key));
        match configured.or_else(|| aws.endpoint_url().map(str::to_owned)) {
            Some(url) => Endpoint::Url(url),
            None => Endpoint::Default {
                region: aws.region().map(ToString::to_string),
            },
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Url(url) => f.write_str(url),
            Endpoint::Default {
                region: Some(region),
            } => write!(f, "the default AWS endpoint for region {region}"),
            Endpoint::Default { region: None } => {
                f.write_str("the default AWS endpoint (no region configured)")
            }
        }
    }
}

/// The service's code and message, or the endpoint and why the request got no answer.
pub fn describe<E, R>(error: &SdkError<E, R>, endpoint: &Endpoint) -> String
where
    E: ProvideErrorMetadata + StdError + 'static,
    R: fmt::Debug,
{
    match error {
        SdkError::ServiceError(service) => {
            let e = service.err();
            format!(
                "{} ({})",
                e.code().unwrap_or("unknown error code"),
                e.message().unwrap_or("no message")
            )
        }
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => {
            format!("no answer from {endpoint}: {}", cause(error))
        }
        SdkError::ResponseError(_) => {
            format!("unreadable answer from {endpoint}: {}", cause(error))
        }
        _ => cause(error),
    }
}

fn cause<E, R>(error: &SdkError<E, R>) -> String
where
    E: StdError + 'static,
    R: fmt::Debug,
{
    error
        .source()
        .map_or_else(|| error.to_string(), tines_client::connection_failure)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_config::Region;

    #[test]
    fn without_an_endpoint_url_the_default_endpoint_of_the_region_is_named() {
        let aws = SdkConfig::builder()
            .region(Region::new("eu-west-3"))
            .build();
        assert_eq!(
            Endpoint::of(&aws, "S3").to_string(),
            "the default AWS endpoint for region eu-west-3"
        );
        let nowhere = SdkConfig::builder().build();
        assert_eq!(
            Endpoint::of(&nowhere, "S3").to_string(),
            "the default AWS endpoint (no region configured)"
        );
        let local = SdkConfig::builder()
            .endpoint_url("http://127.0.0.1:8333")
            .build();
        assert_eq!(
            Endpoint::of(&local, "S3"),
            Endpoint::Url("http://127.0.0.1:8333".to_owned())
        );
    }
}

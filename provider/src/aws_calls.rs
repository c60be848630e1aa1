//! What the modules that wrap an AWS service for `tinesaudit_schedule` share: calls with the SDK's logging
//! switched off, one error type for every SDK's errors, and the tags that mark what this provider made.

use std::fmt;
use std::future::Future;
use std::time::{Duration, Instant};

use aws_sdk_lambda::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use tracing::instrument::WithSubscriber as _;
use tracing::subscriber::NoSubscriber;

/// Tag on every function and role the provider creates; what it takes over must carry it.
pub const MANAGED_BY_TAG: &str = "tinesaudit:managed-by";
pub const MANAGED_BY: &str = "terraform-provider-tinesaudit";
/// Tag naming the `tinesaudit_schedule` a function or role belongs to.
pub const SCHEDULE_TAG: &str = "tinesaudit:schedule";

/// Runs one SDK call with tracing switched off: at trace level the SDK logs requests, and these carry
/// a deployment package of tens of megabytes and the function's environment.
pub async fn quiet<F: Future>(call: F) -> F::Output {
    call.with_subscriber(NoSubscriber::default()).await
}

/// How long a service may refuse a role IAM just created: IAM takes seconds to tell other services.
const NEW_ROLE_TIMEOUT: Duration = Duration::from_secs(90);
const NEW_ROLE_POLL: Duration = Duration::from_secs(3);

/// Runs `call` and, when it uses a role made just now (`new_role`) and fails as `refused` says a service
/// fails for a role it cannot assume yet, runs it again for up to 90 seconds.
pub async fn while_role_is_new<T, F, Fut>(
    new_role: bool,
    refused: impl Fn(&AwsError) -> bool,
    mut call: F,
) -> Result<T, AwsError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, AwsError>>,
{
    let started = Instant::now();
    loop {
        match call().await {
            Err(e) if new_role && refused(&e) && started.elapsed() < NEW_ROLE_TIMEOUT => {
                tokio::time::sleep(NEW_ROLE_POLL).await;
            }
            result => return result,
        }
    }
}

/// A failed AWS call, from any of the SDKs (they share one error type).
#[derive(Debug)]
pub struct AwsError {
    /// The AWS error code, e.g. `ResourceNotFoundException`, when AWS answered.
    pub code: Option<String>,
    pub message: String,
}

impl AwsError {
    pub fn from_sdk<E, R>(error: SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: fmt::Debug,
    {
        let code = match &error {
            SdkError::ServiceError(service) => service.err().code().map(str::to_owned),
            _ => None,
        };
        Self {
            code,
            message: DisplayErrorContext(error).to_string(),
        }
    }

    /// An answer AWS gave without an error but without what the call promises.
    pub fn incomplete(what: &str) -> Self {
        Self {
            code: None,
            message: format!("AWS answered without {what}"),
        }
    }

    pub fn is(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The parts of an ARN (`arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`) policies are built from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    pub fn parse(arn: &'a str) -> Option<Arn<'a>> {
        let mut parts = arn.splitn(6, ':');
        if parts.next()? != "arn" {
            return None;
        }
        let arn = Arn {
            partition: parts.next()?,
            service: parts.next()?,
            region: parts.next()?,
            account: parts.next()?,
            resource: parts.next()?,
        };
        (!arn.partition.is_empty() && !arn.service.is_empty() && !arn.resource.is_empty())
            .then_some(arn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_split_into_their_parts() {
        let arn = Arn::parse("arn:aws:lambda:eu-west-1:123456789012:function:sync").unwrap();
        assert_eq!(arn.partition, "aws");
        assert_eq!(arn.service, "lambda");
        assert_eq!(arn.region, "eu-west-1");
        assert_eq!(arn.account, "123456789012");
        assert_eq!(arn.resource, "function:sync");
        let role = Arn::parse("arn:aws-cn:iam::123456789012:role/a-runner").unwrap();
        assert_eq!((role.partition, role.region), ("aws-cn", ""));
        assert_eq!(role.resource, "role/a-runner");
        assert_eq!(Arn::parse("arn:aws:iam::123"), None);
        assert_eq!(Arn::parse("not-an-arn:aws:iam::1:role/x"), None);
    }
}

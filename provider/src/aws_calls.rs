//! What the modules that wrap an AWS service share: calls with the SDK's logging switched off, one error
//! type for every SDK's errors (never holding what a request sent, so never a secret), and the tags that
//! mark what this provider made.

use std::fmt;
use std::future::Future;
use std::time::{Duration, Instant};

// Every SDK re-exports the same smithy error and response types; Lambda's path is as good as any.
use aws_sdk_lambda::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use tfplugin_framework::StopSignal;
use tracing::instrument::WithSubscriber as _;
use tracing::subscriber::NoSubscriber;

/// Tag on every secret, function and role the provider creates; what it takes over must carry it.
pub const MANAGED_BY_TAG: &str = "tinesaudit:managed-by";
pub const MANAGED_BY: &str = "terraform-provider-tinesaudit";
/// Tag naming the `tinesaudit_schedule` a function or role belongs to.
pub const SCHEDULE_TAG: &str = "tinesaudit:schedule";

/// Runs one SDK call with tracing switched off: at trace level the SDK logs requests, and these carry
/// secret values, a deployment package of tens of megabytes and the function's environment.
pub async fn quiet<F: Future>(call: F) -> F::Output {
    call.with_subscriber(NoSubscriber::default()).await
}

/// Sends one SDK request (`builder.send()`) with tracing switched off, its error as an [`AwsError`].
pub async fn call<T, E>(
    request: impl Future<Output = Result<T, SdkError<E>>>,
) -> Result<T, AwsError>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    quiet(request).await.map_err(AwsError::from_sdk)
}

/// The call's output, or `None` when AWS answered with one of `not_found`, the codes by which its service
/// says that what the call names does not exist: for reads and deletes of what may be gone.
pub fn found<T>(result: Result<T, AwsError>, not_found: &[&str]) -> Result<Option<T>, AwsError> {
    match result {
        Ok(output) => Ok(Some(output)),
        Err(e) if not_found.iter().any(|code| e.is(code)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// How long a service may refuse a role IAM just created: IAM takes seconds to tell other services.
const NEW_ROLE_TIMEOUT: Duration = Duration::from_secs(90);
const NEW_ROLE_POLL: Duration = Duration::from_secs(3);

/// Runs `call` and, when it uses a role made just now (`new_role`) and fails as `refused` says a service
/// fails for a role it cannot assume yet, runs it again for up to 90 seconds, or until Terraform asks the
/// provider to stop.
pub async fn while_role_is_new<T, F, Fut>(
    stop: &StopSignal,
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
                pause(
                    stop,
                    NEW_ROLE_POLL,
                    &format!("waiting for IAM to hand over the new role ({e})"),
                )
                .await?;
            }
            result => return result,
        }
    }
}

/// Waits `poll` before an operation polls again, or fails at once when Terraform asks the provider to
/// stop: the user pressed Ctrl-C, and Terraform waits for this operation to return.
pub async fn pause(stop: &StopSignal, poll: Duration, waiting_for: &str) -> Result<(), AwsError> {
    tokio::select! {
        () = tokio::time::sleep(poll) => Ok(()),
        () = stop.stopped() => Err(AwsError::new(format!(
            "Terraform asked the provider to stop while {waiting_for}; run the apply again to finish"
        ))),
    }
}

/// A failed AWS call, from any of the SDKs (they share one error type). The message is the SDK's (the AWS
/// code and text, or why no answer came), which never echoes what the request sent.
#[derive(Debug)]
pub struct AwsError {
    /// The AWS error code, e.g. `ResourceNotFoundException`, when AWS answered with one.
    pub code: Option<String>,
    /// The HTTP status of AWS's error answer: S3 answers some requests (HEAD, redirects) without a code.
    pub status: Option<u16>,
    /// No answer came: endpoint, network, DNS or TLS, or a timeout.
    pub unreachable: bool,
    pub message: String,
}

impl AwsError {
    /// A failure the provider found in what AWS answered, described by `message`.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            code: None,
            status: None,
            unreachable: false,
            message: message.into(),
        }
    }

    pub fn from_sdk<E>(error: SdkError<E>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let (code, status) = match &error {
            SdkError::ServiceError(service) => (
                service.err().code().map(str::to_owned),
                Some(service.raw().status().as_u16()),
            ),
            _ => (None, None),
        };
        Self {
            code,
            status,
            unreachable: matches!(
                error,
                SdkError::DispatchFailure(_) | SdkError::TimeoutError(_)
            ),
            message: DisplayErrorContext(error).to_string(),
        }
    }

    /// An answer AWS gave without an error but without what the call promises.
    pub fn incomplete(what: &str) -> Self {
        Self::new(format!("AWS answered without {what}"))
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
    fn only_the_services_not_found_codes_make_nothing_found() {
        let answered = |code: &str| AwsError {
            code: Some(code.to_owned()),
            ..AwsError::new("AWS said no")
        };
        let not_found = &["NoSuchKey", "NoSuchBucket"];
        assert_eq!(found(Ok(7), not_found).unwrap(), Some(7));
        assert_eq!(
            found::<()>(Err(answered("NoSuchBucket")), not_found).unwrap(),
            None
        );
        let refused = found::<()>(Err(answered("AccessDenied")), not_found).unwrap_err();
        assert!(refused.is("AccessDenied"), "{refused}");
        assert!(found::<()>(Err(AwsError::new("no answer")), not_found).is_err());
    }

    #[tokio::test]
    async fn waiting_for_a_new_role_ends_when_terraform_asks_to_stop() {
        let (handle, stop) = StopSignal::channel();
        let not_yet = || async { Err::<(), _>(AwsError::new("the role cannot be assumed")) };
        let started = Instant::now();
        let waiting =
            tokio::spawn(async move { while_role_is_new(&stop, true, |_| true, not_yet).await });
        tokio::time::sleep(Duration::from_millis(100)).await;
        handle.stop();
        let error = waiting.await.unwrap().unwrap_err();
        assert!(
            error.message.contains("asked the provider to stop"),
            "{error}"
        );
        assert!(
            error.message.contains("the role cannot be assumed"),
            "{error}"
        );
        // Well before the next poll, let alone the 90 s.
        assert!(
            started.elapsed() < NEW_ROLE_POLL,
            "stopped after {:?}",
            started.elapsed()
        );
    }

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

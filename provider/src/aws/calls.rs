//! What the modules that wrap an AWS service share: calls with the SDK's logging switched off, one error
//! type for every SDK's errors (never holding what a request sent, so never a secret), and the tags that
//! mark what this provider made.

use std::fmt;
use std::future::Future;
use std::time::{Duration, Instant};

// Every SDK re-exports the same smithy error and response types; Lambda's path is as good as any.
use aws_sdk_lambda::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_lambda::operation::RequestId as _;
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
///
/// The SDK retries throttling and server errors inside `send()` (up to the provider's
/// `aws_max_retries`), backing off for up to 20 seconds between attempts; when Terraform asks the provider
/// to stop (Ctrl-C), the call ends at once instead. Dropping a request in flight leaves nothing behind
/// that the next apply cannot handle: every AWS object the provider makes is found again by its name and
/// taken over.
pub async fn call<T, E>(
    stop: &StopSignal,
    request: impl Future<Output = Result<T, SdkError<E>>>,
) -> Result<T, AwsError>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    tokio::select! {
        result = quiet(request) => result.map_err(AwsError::from_sdk),
        () = stop.stopped() => Err(AwsError::new(format!(
            "{}: Terraform asked the provider to stop while AWS was answering or the call was \
             waiting to be retried; run the apply again to finish",
            Operation::of::<E>()
        ))),
    }
}

/// The service and operation of an SDK call, read from its error type's path (each SDK names it
/// `aws_sdk_<service>::operation::<snake_case>::<OperationName>Error`), for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    pub service: &'static str,
    /// The service's prefix in IAM actions, e.g. `iam` in `iam:CreateRole`.
    pub action_prefix: &'static str,
    pub name: &'static str,
}

impl Operation {
    pub fn of<E>() -> Self {
        Self::from_type_name(std::any::type_name::<E>())
    }

    fn from_type_name(path: &'static str) -> Self {
        let crate_name = path.split("::").next().unwrap_or_default();
        let (service, action_prefix) = match crate_name {
            "aws_sdk_iam" => ("IAM", "iam"),
            "aws_sdk_lambda" => ("Lambda", "lambda"),
            "aws_sdk_scheduler" => ("EventBridge Scheduler", "scheduler"),
            "aws_sdk_secretsmanager" => ("Secrets Manager", "secretsmanager"),
            "aws_sdk_s3" => ("S3", "s3"),
            "aws_sdk_sts" => ("STS", "sts"),
            _ => ("AWS", ""),
        };
        let type_name = path.rsplit("::").next().unwrap_or_default();
        let name = type_name.strip_suffix("Error").unwrap_or(type_name);
        Self {
            service,
            action_prefix,
            name,
        }
    }

    /// The IAM action that allows the call, e.g. `iam:CreateRole`.
    pub fn action(&self) -> String {
        format!("{}:{}", self.action_prefix, self.name)
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.service, self.name)
    }
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

    /// What a person needs of a failed call: the operation, AWS's code, message and request id, and for
    /// the codes people meet most, what to do. Never the SDK's debug rendering (response headers, body
    /// buffers), which says all of that in a form nobody can act on.
    pub fn from_sdk<E>(error: SdkError<E>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let operation = Operation::of::<E>();
        match &error {
            SdkError::ServiceError(service) => {
                let answered = service.err();
                let code = answered.code().map(str::to_owned);
                let text = answered.message().unwrap_or("no message");
                let mut message = match &code {
                    Some(code) => format!("{operation} failed: {code}: {text}"),
                    None => format!(
                        "{operation} failed: HTTP {}: {text}",
                        service.raw().status().as_u16()
                    ),
                };
                if let Some(id) = answered.meta().request_id() {
                    message.push_str(&format!(" (request id {id})"));
                }
                if let Some(advice) = code
                    .as_deref()
                    .and_then(|code| advice(operation, code, text))
                {
                    message.push_str(". ");
                    message.push_str(&advice);
                }
                Self {
                    code,
                    status: Some(service.raw().status().as_u16()),
                    unreachable: false,
                    message,
                }
            }
            SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => Self {
                unreachable: true,
                ..Self::new(format!(
                    "{operation} failed: no answer from AWS: {}",
                    cause(&error)
                ))
            },
            _ => Self::new(format!("{operation} failed: {}", cause(&error))),
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

/// Why no answer came, from the deepest error that says (connection refused, DNS, TLS, timeout), without
/// the SDK's debug rendering of the request.
fn cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut deepest = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        deepest = inner.to_string();
        source = inner.source();
    }
    deepest
}

/// The service codes of "slow down": each service has its own.
const THROTTLING: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "SlowDown",
];

/// What to do about the codes users meet most.
fn advice(operation: Operation, code: &str, message: &str) -> Option<String> {
    if THROTTLING.contains(&code) {
        return Some(format!(
            "AWS went on throttling {} after every retry the provider's aws_max_retries allows (default \
             {DEFAULT_AWS_MAX_RETRIES}): raise it in the provider block, or apply again when fewer calls \
             share the account's {} limits",
            operation.service, operation.service
        ));
    }
    if code.starts_with("AccessDenied") || code == "UnauthorizedOperation" {
        // AWS names the action and resource: "... is not authorized to perform: ACTION on resource: ARN".
        let action =
            word_after(message, "perform: ").map_or_else(|| operation.action(), str::to_owned);
        let needed = match word_after(message, "on resource: ") {
            Some(resource) => format!("{action} on {resource}"),
            None => action,
        };
        return Some(format!(
            "The credentials Terraform runs with need {needed}: allow it in their IAM policy (or the \
             permission boundary or SCP that denies it)"
        ));
    }
    (code == "ResourceConflictException").then(|| {
        "Lambda was still applying an earlier change to the function (it finishes one update before it \
         takes the next): apply again once `aws lambda get-function` shows LastUpdateStatus Successful"
            .to_owned()
    })
}

/// The word that follows `marker` in `message`, up to a space or comma.
fn word_after<'m>(message: &'m str, marker: &str) -> Option<&'m str> {
    let (_, rest) = message.split_once(marker)?;
    rest.split([' ', ','])
        .next()
        .filter(|word| !word.is_empty())
}

/// The AWS provider's default for its `max_retries`, which users run beside this provider.
pub const DEFAULT_AWS_MAX_RETRIES: u32 = 25;

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

    #[tokio::test]
    async fn a_call_the_sdk_is_still_retrying_ends_when_terraform_asks_to_stop() {
        type CreateRole = aws_sdk_iam::operation::create_role::CreateRoleError;
        let (handle, stop) = StopSignal::channel();
        let retrying = std::future::pending::<Result<(), SdkError<CreateRole>>>();
        let call = tokio::spawn(async move { call(&stop, retrying).await });
        tokio::time::sleep(Duration::from_millis(50)).await;
        handle.stop();
        let error = tokio::time::timeout(Duration::from_secs(1), call)
            .await
            .expect("the call ended at once")
            .unwrap()
            .unwrap_err();
        assert!(
            error
                .message
                .starts_with("IAM CreateRole: Terraform asked the provider to stop"),
            "{error}"
        );
    }

    #[test]
    fn an_operation_is_read_from_its_error_type() {
        let create_role = Operation::of::<aws_sdk_iam::operation::create_role::CreateRoleError>();
        assert_eq!(create_role.to_string(), "IAM CreateRole");
        assert_eq!(create_role.action(), "iam:CreateRole");
        let update = Operation::of::<
            aws_sdk_lambda::operation::update_function_code::UpdateFunctionCodeError,
        >();
        assert_eq!(update.to_string(), "Lambda UpdateFunctionCode");
        let unknown = Operation::from_type_name("somewhere::Else");
        assert_eq!(unknown.to_string(), "AWS Else");
    }

    #[test]
    fn the_codes_people_meet_most_say_what_to_do() {
        let create_role = Operation::of::<aws_sdk_iam::operation::create_role::CreateRoleError>();
        let denied = advice(
            create_role,
            "AccessDenied",
            "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: iam:CreateRole on \
             resource: arn:aws:iam::123456789012:role/tines-audit-runner because no identity-based policy \
             allows the iam:CreateRole action",
        )
        .unwrap();
        assert!(
            denied.contains(
                "need iam:CreateRole on arn:aws:iam::123456789012:role/tines-audit-runner"
            ),
            "{denied}"
        );
        let terse = advice(create_role, "AccessDeniedException", "Access denied").unwrap();
        assert!(terse.contains("need iam:CreateRole:"), "{terse}");
        let throttled = advice(create_role, "Throttling", "Rate exceeded").unwrap();
        assert!(throttled.contains("aws_max_retries"), "{throttled}");
        let conflict = advice(create_role, "ResourceConflictException", "busy").unwrap();
        assert!(conflict.contains("earlier change"), "{conflict}");
        assert_eq!(advice(create_role, "EntityAlreadyExists", "exists"), None);
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

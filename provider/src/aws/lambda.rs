//! AWS Lambda: the function `tinesaudit_schedule` runs the runner in, on the custom runtime
//! (`provided.al2023`, handler `bootstrap`, x86_64 or arm64).
//!
//! Lambda changes a function asynchronously: after a create it is `Pending`, after an update its
//! `LastUpdateStatus` is `InProgress`, and a further change in the meantime is refused. Every change here
//! waits until the function is ready again.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::time::{Duration, Instant};

use aws_sdk_lambda::Client;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{
    Environment, FunctionCode, FunctionConfiguration, LastUpdateStatus, Runtime, State,
};

use crate::aws::calls::{
    AwsError, MANAGED_BY, MANAGED_BY_TAG, call, found, pause, while_role_is_new,
};
use crate::resources::schedule::package::Architecture;
use tfplugin_framework::StopSignal;

pub const RUNTIME: &str = "provided.al2023";
pub const HANDLER: &str = "bootstrap";

const NOT_FOUND: &[&str] = &["ResourceNotFoundException"];

/// How long a function may stay pending or in an update before we give up.
const READY_TIMEOUT: Duration = Duration::from_secs(300);
const POLL: Duration = Duration::from_secs(2);

/// A function as the resource wants it.
pub struct FunctionSpec<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub role_arn: &'a str,
    pub timeout_seconds: i64,
    pub memory_mb: i64,
    pub environment: &'a BTreeMap<String, String>,
    pub tags: &'a BTreeMap<String, String>,
    pub architecture: Architecture,
}

/// What Lambda says about a function.
#[derive(Debug, Clone)]
pub struct FunctionInfo {
    pub arn: String,
    pub role: String,
    pub runtime: Option<String>,
    pub handler: Option<String>,
    pub architectures: Vec<String>,
    pub timeout_seconds: i64,
    pub memory_mb: i64,
    pub environment: BTreeMap<String, String>,
    /// Base64 SHA-256 of the deployment zip.
    pub code_sha256: String,
    pub tags: BTreeMap<String, String>,
}

impl FunctionInfo {
    fn from_configuration(
        configuration: &FunctionConfiguration,
        tags: Option<&HashMap<String, String>>,
    ) -> Result<Self, AwsError> {
        Ok(FunctionInfo {
            arn: configuration
                .function_arn()
                .ok_or_else(|| AwsError::incomplete("the function's ARN"))?
                .to_owned(),
            role: configuration.role().unwrap_or_default().to_owned(),
            runtime: configuration.runtime().map(|r| r.as_str().to_owned()),
            handler: configuration.handler().map(str::to_owned),
            architectures: configuration
                .architectures()
                .iter()
                .map(|a| a.as_str().to_owned())
                .collect(),
            timeout_seconds: configuration.timeout().unwrap_or_default().into(),
            memory_mb: configuration.memory_size().unwrap_or_default().into(),
            environment: configuration
                .environment()
                .and_then(|e| e.variables())
                .map(|vars| vars.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
            code_sha256: configuration.code_sha256().unwrap_or_default().to_owned(),
            tags: tags
                .map(|tags| tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
        })
    }

    /// Made by this provider.
    pub fn is_ours(&self) -> bool {
        self.tags.get(MANAGED_BY_TAG).map(String::as_str) == Some(MANAGED_BY)
    }

    /// Runs a `bootstrap` on the custom runtime, as the runner needs, on an architecture it is built for.
    pub fn has_runner_runtime(&self) -> bool {
        self.runtime.as_deref() == Some(RUNTIME)
            && self.handler.as_deref() == Some(HANDLER)
            && self.architecture().is_some()
    }

    /// The one architecture the function runs on, when the runner is built for it (an empty list is
    /// Lambda's default, x86_64).
    pub fn architecture(&self) -> Option<Architecture> {
        match self.architectures.as_slice() {
            [] => Some(Architecture::X86_64),
            [one] => Architecture::parse(one),
            _ => None,
        }
    }

    /// Whether the configuration already is what `spec` asks for.
    pub fn configured_as(&self, spec: &FunctionSpec<'_>) -> bool {
        self.role == spec.role_arn
            && self.runtime.as_deref() == Some(RUNTIME)
            && self.handler.as_deref() == Some(HANDLER)
            && self.timeout_seconds == spec.timeout_seconds
            && self.memory_mb == spec.memory_mb
            && self.environment == *spec.environment
    }
}

/// A Lambda client with the calls `tinesaudit_schedule` needs.
pub struct Functions {
    client: Client,
    /// Ends its waits when Terraform asks the provider to stop.
    stop: StopSignal,
}

fn environment(variables: &BTreeMap<String, String>) -> Environment {
    Environment::builder()
        .set_variables(Some(
            variables
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ))
        .build()
}

/// Lambda's answer while IAM has not yet told it about a new role.
fn role_not_assumable(error: &AwsError) -> bool {
    error.is("InvalidParameterValueException") && error.message.contains("cannot be assumed")
}

fn seconds(value: i64) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

impl Functions {
    pub fn new(config: &aws_config::SdkConfig, stop: StopSignal) -> Self {
        Self {
            client: Client::new(config),
            stop,
        }
    }

    /// The region functions are made in, for ARNs in policies.
    pub fn region(&self) -> Option<&str> {
        self.client.config().region().map(|r| r.as_ref())
    }

    /// The function with its tags; `None` when there is none of that name.
    pub async fn get(&self, name: &str) -> Result<Option<FunctionInfo>, AwsError> {
        let Some(output) = found(
            call(
                &self.stop,
                self.client.get_function().function_name(name).send(),
            )
            .await,
            NOT_FOUND,
        )?
        else {
            return Ok(None);
        };
        let configuration = output
            .configuration()
            .ok_or_else(|| AwsError::incomplete("the function's configuration"))?;
        FunctionInfo::from_configuration(configuration, output.tags()).map(Some)
    }

    /// Creates the function and waits until it is active. With `new_role`, a role Lambda cannot assume
    /// yet is waited for.
    pub async fn create(
        &self,
        spec: &FunctionSpec<'_>,
        zip: &[u8],
        new_role: bool,
    ) -> Result<FunctionInfo, AwsError> {
        while_role_is_new(&self.stop, new_role, role_not_assumable, || async {
            call(
                &self.stop,
                self.client
                    .create_function()
                    .function_name(spec.name)
                    .description(spec.description)
                    .runtime(Runtime::from(RUNTIME))
                    .handler(HANDLER)
                    .architectures(spec.architecture.as_str().into())
                    .role(spec.role_arn)
                    .timeout(seconds(spec.timeout_seconds))
                    .memory_size(seconds(spec.memory_mb))
                    .environment(environment(spec.environment))
                    .code(FunctionCode::builder().zip_file(Blob::new(zip)).build())
                    .set_tags(Some(
                        spec.tags
                            .iter()
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect(),
                    ))
                    .send(),
            )
            .await
        })
        .await?;
        self.wait_until_ready(spec.name).await
    }

    /// Replaces the code and the architecture, which only changes with the code.
    pub async fn update_code(
        &self,
        name: &str,
        architecture: Architecture,
        zip: &[u8],
    ) -> Result<FunctionInfo, AwsError> {
        self.when_ready(name, || {
            call(
                &self.stop,
                self.client
                    .update_function_code()
                    .function_name(name)
                    .architectures(architecture.as_str().into())
                    .zip_file(Blob::new(zip))
                    .send(),
            )
        })
        .await?;
        self.wait_until_ready(name).await
    }

    /// Sends `update` once the function is ready. Someone else's change can begin between that
    /// wait and the call (a console edit, another pipeline's apply): Lambda then answers 409
    /// `ResourceConflictException`, and the update waits for that change and goes again.
    async fn when_ready<T, F, Fut>(&self, name: &str, mut update: F) -> Result<T, AwsError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, AwsError>>,
    {
        let started = Instant::now();
        loop {
            self.wait_until_ready(name).await?;
            match update().await {
                Err(e)
                    if e.is("ResourceConflictException") && started.elapsed() < READY_TIMEOUT => {}
                result => return result,
            }
        }
    }

    /// Sets the configuration `spec` describes; with `new_role`, as [`create`](Self::create).
    pub async fn update_configuration(
        &self,
        spec: &FunctionSpec<'_>,
        new_role: bool,
    ) -> Result<FunctionInfo, AwsError> {
        self.when_ready(spec.name, || {
            while_role_is_new(&self.stop, new_role, role_not_assumable, || async {
                call(
                    &self.stop,
                    self.client
                        .update_function_configuration()
                        .function_name(spec.name)
                        .description(spec.description)
                        .runtime(Runtime::from(RUNTIME))
                        .handler(HANDLER)
                        .role(spec.role_arn)
                        .timeout(seconds(spec.timeout_seconds))
                        .memory_size(seconds(spec.memory_mb))
                        .environment(environment(spec.environment))
                        .send(),
                )
                .await
            })
        })
        .await?;
        self.wait_until_ready(spec.name).await
    }

    /// Adds or overwrites tags.
    pub async fn tag(&self, arn: &str, tags: &BTreeMap<String, String>) -> Result<(), AwsError> {
        call(
            &self.stop,
            self.client
                .tag_resource()
                .resource(arn)
                .set_tags(Some(
                    tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                ))
                .send(),
        )
        .await?;
        Ok(())
    }

    /// Deletes the function; one already gone is not an error.
    pub async fn delete(&self, name: &str) -> Result<(), AwsError> {
        found(
            call(
                &self.stop,
                self.client.delete_function().function_name(name).send(),
            )
            .await,
            NOT_FOUND,
        )?;
        Ok(())
    }

    /// Waits until the function is active and no update is in progress; answers it then.
    async fn wait_until_ready(&self, name: &str) -> Result<FunctionInfo, AwsError> {
        let started = Instant::now();
        loop {
            let output = call(
                &self.stop,
                self.client.get_function().function_name(name).send(),
            )
            .await?;
            let configuration = output
                .configuration()
                .ok_or_else(|| AwsError::incomplete("the function's configuration"))?;
            let state = configuration.state();
            let update = configuration.last_update_status();
            let failed = |what: &str, reason: Option<&str>| {
                AwsError::new(format!(
                    "Lambda reports function {name} {what}: {}",
                    reason.unwrap_or("no reason given")
                ))
            };
            if state == Some(&State::Failed) {
                return Err(failed("failed", configuration.state_reason()));
            }
            if update == Some(&LastUpdateStatus::Failed) {
                return Err(failed(
                    "failed its last update",
                    configuration.last_update_status_reason(),
                ));
            }
            let busy =
                state == Some(&State::Pending) || update == Some(&LastUpdateStatus::InProgress);
            if !busy {
                return FunctionInfo::from_configuration(configuration, output.tags());
            }
            if started.elapsed() > READY_TIMEOUT {
                return Err(failed(
                    "still busy after 5 minutes",
                    Some("try the apply again later"),
                ));
            }
            pause(
                &self.stop,
                POLL,
                &format!("waiting for Lambda to finish with function {name}"),
            )
            .await?;
        }
    }
}

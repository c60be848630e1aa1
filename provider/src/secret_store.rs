//! AWS Secrets Manager: where `tinesaudit_api_key` keeps a key for the runner, which reads the secret's
//! string as the key, and where `tinesaudit_ingestion_job` reads it back to check it.
//!
//! Every SDK call runs with tracing switched off: at trace level the SDK logs requests, and a
//! `PutSecretValue` request carries the key. Errors are the SDK's messages, which never echo a secret string.

use std::collections::BTreeMap;
use std::fmt;

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_secretsmanager::types::Tag;
use tracing::instrument::WithSubscriber as _;
use tracing::subscriber::NoSubscriber;

/// A secret's value: a Tines API key. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretValue(String);

impl SecretValue {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value, for the one request that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// What Secrets Manager says about a secret, without its value.
#[derive(Debug, Clone)]
pub struct SecretInfo {
    pub arn: String,
    pub name: String,
    /// Scheduled for deletion: unreadable until restored.
    pub deleted: bool,
    pub tags: BTreeMap<String, String>,
}

/// A failed Secrets Manager call.
#[derive(Debug)]
pub struct StoreError {
    /// The AWS error code, e.g. `ResourceExistsException`, when AWS answered.
    pub code: Option<String>,
    pub message: String,
}

impl StoreError {
    fn from_sdk<E>(error: SdkError<E>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
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

    fn is(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }

    pub fn is_not_found(&self) -> bool {
        self.is("ResourceNotFoundException")
    }

    pub fn already_exists(&self) -> bool {
        self.is("ResourceExistsException")
    }

    /// Reading a secret scheduled for deletion fails with this code.
    pub fn is_invalid_request(&self) -> bool {
        self.is("InvalidRequestException")
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// A Secrets Manager client with the calls `tinesaudit_api_key` needs.
pub struct SecretStore {
    client: Client,
}

fn tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

impl SecretStore {
    pub fn new(config: &aws_config::SdkConfig) -> Self {
        Self {
            client: Client::new(config),
        }
    }

    /// Creates the secret with its first value; answers its ARN.
    pub async fn create(
        &self,
        name: &str,
        description: &str,
        value: &SecretValue,
        with_tags: &BTreeMap<String, String>,
    ) -> Result<String, StoreError> {
        let output = self
            .client
            .create_secret()
            .name(name)
            .description(description)
            .secret_string(value.expose())
            .set_tags(Some(tags(with_tags)))
            .send()
            .with_subscriber(NoSubscriber::default())
            .await
            .map_err(StoreError::from_sdk)?;
        Ok(output.arn().unwrap_or_default().to_owned())
    }

    /// The secret by name or ARN; `None` when there is no such secret.
    pub async fn describe(&self, id: &str) -> Result<Option<SecretInfo>, StoreError> {
        let output = match self
            .client
            .describe_secret()
            .secret_id(id)
            .send()
            .with_subscriber(NoSubscriber::default())
            .await
            .map_err(StoreError::from_sdk)
        {
            Ok(output) => output,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e),
        };
        Ok(Some(SecretInfo {
            arn: output.arn().unwrap_or_default().to_owned(),
            name: output.name().unwrap_or_default().to_owned(),
            deleted: output.deleted_date().is_some(),
            tags: output
                .tags()
                .iter()
                .filter_map(|t| Some((t.key()?.to_owned(), t.value()?.to_owned())))
                .collect(),
        }))
    }

    /// The current string value; `None` when there is no such secret, or it is scheduled for deletion.
    pub async fn value(&self, id: &str) -> Result<Option<SecretValue>, StoreError> {
        match self
            .client
            .get_secret_value()
            .secret_id(id)
            .send()
            .with_subscriber(NoSubscriber::default())
            .await
            .map_err(StoreError::from_sdk)
        {
            Ok(output) => Ok(output.secret_string().map(|s| SecretValue::new(s.trim()))),
            Err(e) if e.is_not_found() || e.is_invalid_request() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Stores a new current value.
    pub async fn put_value(&self, id: &str, value: &SecretValue) -> Result<(), StoreError> {
        self.client
            .put_secret_value()
            .secret_id(id)
            .secret_string(value.expose())
            .send()
            .with_subscriber(NoSubscriber::default())
            .await
            .map_err(StoreError::from_sdk)?;
        Ok(())
    }

    /// Cancels a scheduled deletion.
    pub async fn restore(&self, id: &str) -> Result<(), StoreError> {
        self.client
            .restore_secret()
            .secret_id(id)
            .send()
            .with_subscriber(NoSubscriber::default())
            .await
            .map_err(StoreError::from_sdk)?;
        Ok(())
    }

    /// Adds or overwrites tags.
    pub async fn tag(
        &self,
        id: &str,
        with_tags: &BTreeMap<String, String>,
    ) -> Result<(), StoreError> {
        self.client
            .tag_resource()
            .secret_id(id)
            .set_tags(Some(tags(with_tags)))
            .send()
            .with_subscriber(NoSubscriber::default())
            .await
            .map_err(StoreError::from_sdk)?;
        Ok(())
    }

    /// Deletes the secret: at once with a window of 0 days, else after the window (7 to 30 days), during
    /// which it can be restored. A secret already gone is not an error.
    pub async fn delete(&self, id: &str, recovery_window_days: i64) -> Result<(), StoreError> {
        let request = self.client.delete_secret().secret_id(id);
        let request = if recovery_window_days == 0 {
            request.force_delete_without_recovery(true)
        } else {
            request.recovery_window_in_days(recovery_window_days)
        };
        match request
            .send()
            .with_subscriber(NoSubscriber::default())
            .await
            .map_err(StoreError::from_sdk)
        {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e),
        }
    }
}

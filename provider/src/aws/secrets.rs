//! AWS Secrets Manager: where `tinesaudit_api_key` keeps a key for the runner, which reads the secret's
//! string as the key, and where `tinesaudit_ingestion_job` reads it back to check it.
//!
//! Every SDK call runs with tracing switched off (`aws::calls::call`): at trace level the SDK logs requests,
//! and a `PutSecretValue` request carries the key. Errors are [`AwsError`]s, which never echo a secret string.

use std::collections::BTreeMap;
use std::fmt;

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::types::Tag;

use tfplugin_framework::StopSignal;

use crate::aws::calls::{AwsError, call, found};

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

/// Secrets Manager's codes for a secret that does not exist, and for reading one scheduled for deletion.
const NOT_FOUND: &str = "ResourceNotFoundException";
const SCHEDULED_FOR_DELETION: &str = "InvalidRequestException";
/// Secrets Manager's answer to creating a secret whose name is taken.
pub const ALREADY_EXISTS: &str = "ResourceExistsException";

/// A Secrets Manager client with the calls `tinesaudit_api_key` needs.
pub struct SecretStore {
    client: Client,
    /// Ends its calls when Terraform asks the provider to stop.
    stop: StopSignal,
}

fn tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

impl SecretStore {
    pub fn new(config: &aws_config::SdkConfig, stop: StopSignal) -> Self {
        Self {
            client: Client::new(config),
            stop,
        }
    }

    /// Creates the secret with its first value; answers its ARN.
    pub async fn create(
        &self,
        name: &str,
        description: &str,
        value: &SecretValue,
        with_tags: &BTreeMap<String, String>,
    ) -> Result<String, AwsError> {
        let output = call(
            &self.stop,
            self.client
                .create_secret()
                .name(name)
                .description(description)
                .secret_string(value.expose())
                .set_tags(Some(tags(with_tags)))
                .send(),
        )
        .await?;
        Ok(output.arn().unwrap_or_default().to_owned())
    }

    /// The secret by name or ARN; `None` when there is no such secret.
    pub async fn describe(&self, id: &str) -> Result<Option<SecretInfo>, AwsError> {
        let Some(output) = found(
            call(
                &self.stop,
                self.client.describe_secret().secret_id(id).send(),
            )
            .await,
            &[NOT_FOUND],
        )?
        else {
            return Ok(None);
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
    pub async fn value(&self, id: &str) -> Result<Option<SecretValue>, AwsError> {
        let output = found(
            call(
                &self.stop,
                self.client.get_secret_value().secret_id(id).send(),
            )
            .await,
            &[NOT_FOUND, SCHEDULED_FOR_DELETION],
        )?;
        Ok(output.and_then(|output| output.secret_string().map(|s| SecretValue::new(s.trim()))))
    }

    /// Stores a new current value.
    pub async fn put_value(&self, id: &str, value: &SecretValue) -> Result<(), AwsError> {
        call(
            &self.stop,
            self.client
                .put_secret_value()
                .secret_id(id)
                .secret_string(value.expose())
                .send(),
        )
        .await?;
        Ok(())
    }

    /// Cancels a scheduled deletion.
    pub async fn restore(&self, id: &str) -> Result<(), AwsError> {
        call(
            &self.stop,
            self.client.restore_secret().secret_id(id).send(),
        )
        .await?;
        Ok(())
    }

    /// Adds or overwrites tags.
    pub async fn tag(
        &self,
        id: &str,
        with_tags: &BTreeMap<String, String>,
    ) -> Result<(), AwsError> {
        call(
            &self.stop,
            self.client
                .tag_resource()
                .secret_id(id)
                .set_tags(Some(tags(with_tags)))
                .send(),
        )
        .await?;
        Ok(())
    }

    /// Deletes the secret: at once with a window of 0 days, else after the window (7 to 30 days), during
    /// which it can be restored. A secret already gone is not an error.
    pub async fn delete(&self, id: &str, recovery_window_days: i64) -> Result<(), AwsError> {
        let request = self.client.delete_secret().secret_id(id);
        let request = if recovery_window_days == 0 {
            request.force_delete_without_recovery(true)
        } else {
            request.recovery_window_in_days(recovery_window_days)
        };
        found(call(&self.stop, request.send()).await, &[NOT_FOUND])?;
        Ok(())
    }
}

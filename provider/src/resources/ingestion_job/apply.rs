//! Create and update: checks before anything is written (the bucket takes writes under the prefix, the
//! key in the secret reads this tenant's audit logs, the job file is not another job's), then the job
//! file; and S3 failures worded under the attribute a user would change.

use std::collections::HashMap;

use tfplugin_framework::diag::Diagnostics;
use tfplugin_framework::path::AttrPath;
use tfplugin_framework::value::SchemaValue;
use tfplugin_framework::{Diagnostic, Known};
use tinesaudit_job::{MAX_JOB_FILE_BYTES, sha256_hex};

use super::{IngestionJobResource, JobModel, NAME_METADATA, WRITE_CHECK_NAME, runner_progress};
use crate::aws::calls::AwsError;
use crate::aws::s3::{NO_SUCH_BUCKET, Objects, S3ErrorKind, s3_url};
use crate::clients::{ProviderClients, configured};
use crate::resources::api_key::{KeyCheck, check_key};

impl IngestionJobResource {
    /// Create and update: the checks, then the job file; fills `state`'s computed attributes.
    pub(super) async fn write(
        &self,
        plan: &SchemaValue,
        creating: bool,
        state: &mut SchemaValue,
        diags: &mut Diagnostics,
    ) {
        let Some(clients) = configured(&self.clients, diags) else {
            return;
        };
        let Some(mut model) = plan.get::<JobModel>(diags) else {
            return;
        };
        let (Some(bucket), Some(key), Some(prefix), Some(tenant), Some(arn), Some(name)) = (
            model.bucket.clone(),
            model.job_file_key.clone(),
            model.prefix.clone(),
            model.tenant.clone(),
            model.api_key_secret_arn.clone(),
            model.name.clone(),
        ) else {
            return diags.error(
                "Incomplete plan",
                "The plan lacks an input of the job file. This is a bug in the provider.",
            );
        };
        let Some(objects) = clients.s3(diags).await else {
            return;
        };
        // Every check runs, so that one apply reports every problem.
        check_writable(&objects, &bucket, &prefix, diags).await;
        check_reader_key(clients, &tenant, &arn, diags).await;
        if creating {
            check_not_another_jobs(&objects, &bucket, &key, &name, diags).await;
        }
        if diags.has_error() {
            return;
        }
        let body = model.job_file_contents().render();
        let url = s3_url(&bucket, &key);
        let metadata = HashMap::from([(NAME_METADATA.to_owned(), name)]);
        if let Err(e) = objects
            .put(&bucket, &key, body.clone(), "application/json", metadata)
            .await
        {
            return diags.push(s3_error("write the job file", &url, &e, "job_file_key"));
        }
        tracing::debug!(job_file = %url, "wrote the ingestion job file");
        model.id = Known::Value(Some(url.clone()));
        model.job_file = Known::Value(Some(url));
        model.content_sha256 = Known::Value(Some(sha256_hex(&body)));
        if model.last_checkpoint.is_unknown() || model.lag_seconds.is_unknown() {
            let (checkpoint, lag) = match &model.state_key {
                Some(state_key) => runner_progress(&objects, &bucket, state_key, diags)
                    .await
                    .unwrap_or_default(),
                None => (None, None),
            };
            model.last_checkpoint = Known::Value(checkpoint);
            model.lag_seconds = Known::Value(lag);
        }
        state.set(&model, diags);
    }
}

/// A create refuses a job file that another job wrote (its name is in the object's metadata): two jobs
/// with one `job_file_key` would overwrite each other's settings. A job file without a name (written by
/// hand, or replaced outside Terraform) is taken over.
pub(super) async fn check_not_another_jobs(
    objects: &Objects,
    bucket: &str,
    key: &str,
    name: &str,
    diags: &mut Diagnostics,
) {
    let url = s3_url(bucket, key);
    match objects.get(bucket, key, Some(MAX_JOB_FILE_BYTES)).await {
        Ok(Some(object)) => {
            if let Some(owner) = object
                .metadata
                .get(NAME_METADATA)
                .filter(|owner| *owner != name)
            {
                diags.attribute_error(
                    AttrPath::attr("job_file_key"),
                    "Job file belongs to another job",
                    format!(
                        "{url} was written by the ingestion job {owner:?}, and two jobs with one job file \
                         overwrite each other's settings. Give this job another job_file_key, or import \
                         that job file (terraform import <address> {url}) in place of the other job."
                    ),
                );
            }
        }
        Ok(None) => {}
        Err(e) => diags.push(s3_error("read the job file", &url, &e, "job_file_key")),
    }
}

/// The key in the secret can read `tenant`'s audit logs; errors under `api_key_secret_arn` otherwise.
pub(super) async fn check_reader_key(
    clients: &ProviderClients,
    tenant: &str,
    arn: &str,
    diags: &mut Diagnostics,
) {
    let at = AttrPath::attr("api_key_secret_arn");
    let Some(budget) = clients.client_budget(diags) else {
        return;
    };
    let Some(store) = clients.secrets(diags).await else {
        return;
    };
    let key = match store.value(arn).await {
        Ok(Some(key)) => key,
        Ok(None) => {
            return diags.attribute_error(
                at,
                "API key secret not found",
                format!(
                    "Secrets Manager has no readable secret {arn}: it does not exist, or is scheduled for \
                     deletion. Store the runner's key there first, e.g. with tinesaudit_api_key."
                ),
            );
        }
        Err(e) => {
            return diags.attribute_error(
                at,
                "Cannot read the API key secret",
                format!("Secret {arn}: {e}"),
            );
        }
    };
    match check_key(budget, tenant, &key).await {
        Ok(KeyCheck::Accepted {
            can_read_audit_logs: true,
        }) => {}
        Ok(KeyCheck::Accepted {
            can_read_audit_logs: false,
        }) => diags.attribute_error(
            at,
            "API key cannot read audit logs",
            format!(
                "Tines refused to list audit logs to the key in secret {arn}: its user is neither a tenant \
                 owner nor holds AUDIT_LOG_READ. Grant it with tinesaudit_tenant_permissions (the key's \
                 user_id), and add that resource to this job's depends_on so the grant comes first."
            ),
        ),
        Ok(KeyCheck::Rejected) => diags.attribute_error(
            at,
            "Tines rejected the API key",
            format!(
                "Tines answered 401 to the key in secret {arn}: it is not a key of {tenant}, or it was \
                 revoked."
            ),
        ),
        Err(e) => diags.attribute_error(
            at,
            "Cannot check the API key",
            format!("Checking the key in secret {arn} against {tenant} failed: {e}"),
        ),
    }
}

/// The bucket exists, and these credentials may write under the prefix (an empty object written and
/// deleted). The runner's role is not checked (Terraform does not run as it), but a missing bucket, a
/// bucket policy refusing the prefix or the wrong endpoint is caught before a schedule fails an hour later.
pub(super) async fn check_writable(
    objects: &Objects,
    bucket: &str,
    prefix: &str,
    diags: &mut Diagnostics,
) {
    let key = format!("{prefix}{WRITE_CHECK_NAME}");
    let url = s3_url(bucket, &key);
    let found = objects.bucket_exists(bucket).await.and_then(|exists| {
        exists.then_some(()).ok_or_else(|| AwsError {
            code: Some(NO_SUCH_BUCKET.to_owned()),
            ..AwsError::new("HeadBucket answered 404 Not Found")
        })
    });
    if let Err(e) = found {
        return diags.push(s3_error(
            "find the bucket",
            &s3_url(bucket, ""),
            &e,
            "prefix",
        ));
    }
    if let Err(e) = objects
        .put(
            bucket,
            &key,
            Vec::new(),
            "application/octet-stream",
            HashMap::new(),
        )
        .await
    {
        return diags.push(s3_error("write under the prefix", &url, &e, "prefix"));
    }
    if let Err(e) = objects.delete(bucket, &key).await {
        diags.attribute_warning(
            AttrPath::attr("prefix"),
            "Write check left behind",
            format!(
                "The empty object {url}, written to check that the prefix takes writes, could not be deleted \
                 ({e}). It holds no records; delete it when convenient."
            ),
        );
    }
}

/// An S3 failure as a diagnostic under the attribute the user would change; `key_attribute` names the key
/// that was refused, for access denied.
pub(super) fn s3_error(
    action: &str,
    url: &str,
    error: &AwsError,
    key_attribute: &str,
) -> Diagnostic {
    let (attribute, summary, hint) = match S3ErrorKind::of(error) {
        S3ErrorKind::NoSuchBucket => (
            "bucket",
            "S3 bucket not found",
            "The bucket does not exist (or not at the provider's S3 endpoint): create it first, or fix \
             `bucket`.",
        ),
        S3ErrorKind::AccessDenied => (
            key_attribute,
            "S3 access denied",
            "The credentials Terraform runs with may not do this: they need s3:PutObject, s3:GetObject and \
             s3:DeleteObject on the bucket's keys under the prefix and for the job file.",
        ),
        S3ErrorKind::WrongRegion => (
            "bucket",
            "S3 bucket in another region",
            "The bucket lives in another region than the provider's aws_region; set aws_region to the \
             bucket's region.",
        ),
        S3ErrorKind::Unreachable => (
            "bucket",
            "S3 unreachable",
            "No answer from S3: check aws_s3_endpoint_url / aws_endpoint_url, the network, and the region.",
        ),
        S3ErrorKind::Other => ("bucket", "S3 request failed", ""),
    };
    Diagnostic::error(
        summary,
        format!("Cannot {action} ({url}): {error}. {hint}")
            .trim_end()
            .to_owned(),
    )
    .at(AttrPath::attr(attribute))
}

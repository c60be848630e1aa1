//! Data source `tinesaudit_secops_reader_policy`: the IAM policy the Google SecOps "Amazon S3 V2" feed's AWS
//! identity needs to read what the runner writes, and the feed's S3 URI.
//!
//! ```hcl
//! data "tinesaudit_secops_reader_policy" "feed" {
//!   bucket = tinesaudit_ingestion_job.secops.bucket
//!   prefix = tinesaudit_ingestion_job.secops.prefix
//! }
//!
//! resource "aws_iam_policy" "secops_feed" {
//!   policy = data.tinesaudit_secops_reader_policy.feed.json
//! }
//! ```
//!
//! The feed is Google's Storage Transfer Service underneath, which lists the bucket under the feed's path
//! (`s3:ListBucket`, always needed) and reads the objects it finds (`s3:GetObject`); with the feed's source
//! deletion on, it deletes what it transferred (`s3:DeleteObject`). Listing is limited to the prefix with an
//! `s3:prefix` condition, so the feed's identity sees neither the runner's state nor the job file. Objects
//! encrypted with a customer managed KMS key also need `kms:Decrypt` on that key.
//!
//! The document is computed without any AWS call, in a fixed layout (statements in a fixed order, a single
//! action or resource as a string, as IAM returns them), so an `aws_iam_policy` using it shows no diff.

use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};
use tfplugin_framework::DataSource;
use tfplugin_framework::datasource::{ReadDataSourceRequest, ReadDataSourceResponse};
use tfplugin_framework::schema::{Attribute, Schema};
use tfplugin_framework::validator;
use tinesaudit_job::settings::DEFAULT_PREFIX;

use crate::aws::iam::policy_document;
use crate::aws::s3::s3_url;
use crate::validators::{BUCKET_NAME, KEY_PREFIX};

#[derive(Default)]
pub struct SecopsReaderPolicyDataSource;

#[derive(Serialize, Deserialize)]
struct PolicyModel {
    bucket: String,
    prefix: Option<String>,
    kms_key_arn: Option<String>,
    allow_source_deletion: Option<bool>,
    json: Option<String>,
    s3_uri: Option<String>,
}

impl DataSource for SecopsReaderPolicyDataSource {
    fn type_name(&self, provider_type_name: &str) -> String {
        format!("{provider_type_name}_secops_reader_policy")
    }

    fn schema(&self) -> Schema {
        Schema::new()
            .description(
                "The IAM policy document that lets the Google SecOps Amazon S3 V2 feed read the audit logs the \
                 runner writes under one prefix (list the prefix, get its objects), and the S3 URI to give the \
                 feed. Computed locally, without AWS calls.",
            )
            .attribute(
                "bucket",
                Attribute::string()
                    .required()
                    .description("The bucket the runner writes to, e.g. `tinesaudit_ingestion_job.x.bucket`.")
                    .validator(BUCKET_NAME),
            )
            .attribute(
                "prefix",
                Attribute::string()
                    .optional()
                    .computed()
                    .description(format!(
                        "The folder the feed reads, e.g. `tinesaudit_ingestion_job.x.prefix`: not empty, ending \
                         in '/'. Default `{DEFAULT_PREFIX}`, the ingestion job's default."
                    ))
                    .validator(KEY_PREFIX),
            )
            .attribute(
                "kms_key_arn",
                Attribute::string()
                    .optional()
                    .description(
                        "The customer managed KMS key the bucket encrypts objects with, if any: adds \
                         kms:Decrypt on it. The key's ARN, not an alias's: IAM checks kms:Decrypt against the \
                         key.",
                    )
                    .validator(validator::regex_matches(
                        r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$",
                        "must be a KMS key ARN, arn:aws:kms:REGION:ACCOUNT:key/KEY-ID (not an alias)",
                    )),
            )
            .attribute(
                "allow_source_deletion",
                Attribute::bool().optional().description(
                    "Adds s3:DeleteObject under the prefix, which the feed needs when its source deletion \
                     option is on (delete files after a successful transfer). Default false.",
                ),
            )
            .attribute(
                "json",
                Attribute::string()
                    .computed()
                    .description("The policy document, for `aws_iam_policy.policy` or a role's inline policy."),
            )
            .attribute(
                "s3_uri",
                Attribute::string()
                    .computed()
                    .description("`s3://bucket/prefix`: the feed's S3 URI."),
            )
    }

    async fn read(&self, request: ReadDataSourceRequest, response: &mut ReadDataSourceResponse) {
        let diags = &mut response.diagnostics;
        let Some(mut model) = request.config.get::<PolicyModel>(diags) else {
            return;
        };
        let prefix = model
            .prefix
            .get_or_insert_with(|| DEFAULT_PREFIX.to_owned())
            .clone();
        model.json = Some(policy(
            &model.bucket,
            &prefix,
            model.kms_key_arn.as_deref(),
            model.allow_source_deletion.unwrap_or(false),
        ));
        model.s3_uri = Some(s3_url(&model.bucket, &prefix));
        response.state.set(&model, diags);
    }
}

/// The policy document, pretty-printed like `aws_iam_policy_document`'s.
fn policy(bucket: &str, prefix: &str, kms_key_arn: Option<&str>, delete: bool) -> String {
    let read = if delete {
        json!(["s3:DeleteObject", "s3:GetObject"])
    } else {
        json!("s3:GetObject")
    };
    let mut statements: Vec<Json> = vec![
        json!({
            "Sid": "ListFeedPrefix",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": format!("arn:aws:s3:::{bucket}"),
            "Condition": {"StringLike": {"s3:prefix": format!("{prefix}*")}},
        }),
        json!({
            "Sid": "ReadFeedObjects",
            "Effect": "Allow",
            "Action": read,
            "Resource": format!("arn:aws:s3:::{bucket}/{prefix}*"),
        }),
    ];
    if let Some(key) = kms_key_arn {
        statements.push(json!({
            "Sid": "DecryptFeedObjects",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": key,
        }));
    }
    let document = policy_document(statements);
    // A tree of strings under string keys: serialising cannot fail.
    serde_json::to_string_pretty(&document).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_lists_and_reads_the_prefix_only() {
        let text = policy("audit-bucket", "tines/audit/", None, false);
        let document: Json = serde_json::from_str(&text).unwrap();
        assert_eq!(
            document,
            json!({
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "ListFeedPrefix",
                        "Effect": "Allow",
                        "Action": "s3:ListBucket",
                        "Resource": "arn:aws:s3:::audit-bucket",
                        "Condition": {"StringLike": {"s3:prefix": "tines/audit/*"}}
                    },
                    {
                        "Sid": "ReadFeedObjects",
                        "Effect": "Allow",
                        "Action": "s3:GetObject",
                        "Resource": "arn:aws:s3:::audit-bucket/tines/audit/*"
                    }
                ]
            })
        );
        assert!(
            text.starts_with("{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": ["),
            "keys in a fixed order, two-space indent: {text}"
        );
    }

    #[test]
    fn deletion_and_kms_add_what_they_need() {
        let key = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        let document: Json = serde_json::from_str(&policy("b-b", "p/", Some(key), true)).unwrap();
        let statements = document["Statement"].as_array().unwrap();
        assert_eq!(
            statements[1]["Action"],
            json!(["s3:DeleteObject", "s3:GetObject"])
        );
        assert_eq!(statements[2]["Action"], "kms:Decrypt");
        assert_eq!(statements[2]["Resource"], key);
    }
}

//! `tinesaudit_ingestion_job` and `tinesaudit_secops_reader_policy` through Terraform, on every CLI, against
//! the simulator, moto (the key's secret) and SeaweedFS (the job file).
//!
//! One run: a key stored by `tinesaudit_api_key`, granted AUDIT_LOG_READ, and a job using it → the job file
//! and the reader policy; a changed page size; the job file edited in S3 (the plan puts it right) and
//! deleted (the plan writes it again); the runner's first checkpoint seen on refresh with an empty plan;
//! import-verify; apply refused for a missing bucket and for a key that cannot read audit logs; destroy
//! leaves the runner's state but no job file.

use std::sync::Arc;

use aws_sdk_s3::primitives::ByteStream;
use serde_json::{Value as Json, json};
use tfplugin_harness::{Action, BoxError, Context, PlanCheck, StateCheck, Step};
use tinesaudit_testkit::test_case;
use tinesaudit_testkit::{AwsEmulator, S3Server};

use crate::support::{Tines, in_process_with_credentials, moto, provider_hcl_with_s3};

const JOB: &str = "tinesaudit_ingestion_job.secops";
const POLICY: &str = "data.tinesaudit_secops_reader_policy.feed";
const BUCKET: &str = "acc-secops-audit";
const JOB_KEY: &str = "tinesaudit/jobs/secops.json";
const STATE_KEY: &str = "tinesaudit/state/secops.json";
const KEY_NAME: &str = "secops-ingestion";
const TOKEN: &str = "acc-ingestion-key-0123456789abcdef";
const UNGRANTED_NAME: &str = "secops-ungranted";
const UNGRANTED_TOKEN: &str = "acc-ungranted-key-0123456789abcdef";
const CHECKPOINT: &str = "2025-03-01T10:00:00Z";

/// SeaweedFS, driven from the harness's hooks on the simulator's runtime.
struct Bucket {
    tines: Arc<Tines>,
    client: aws_sdk_s3::Client,
}

impl Bucket {
    fn new(tines: &Arc<Tines>, server: &S3Server) -> Bucket {
        Bucket {
            tines: Arc::clone(tines),
            client: server.client(),
        }
    }

    /// The bucket, existing and empty.
    fn reset(&self) -> Result<(), BoxError> {
        self.tines.block_on(async {
            if self
                .client
                .head_bucket()
                .bucket(BUCKET)
                .send()
                .await
                .is_err()
            {
                self.client.create_bucket().bucket(BUCKET).send().await?;
            }
            let listed = self.client.list_objects_v2().bucket(BUCKET).send().await?;
            for object in listed.contents() {
                if let Some(key) = object.key() {
                    self.client
                        .delete_object()
                        .bucket(BUCKET)
                        .key(key)
                        .send()
                        .await?;
                }
            }
            Ok(())
        })
    }

    fn get(&self, key: &str) -> Result<Option<Json>, BoxError> {
        self.tines.block_on(async {
            match self
                .client
                .get_object()
                .bucket(BUCKET)
                .key(key)
                .send()
                .await
            {
                Ok(output) => {
                    let bytes = output.body.collect().await?.to_vec();
                    Ok(Some(serde_json::from_slice(&bytes)?))
                }
                Err(e) if e.as_service_error().is_some_and(|e| e.is_no_such_key()) => Ok(None),
                Err(e) => Err(e.into()),
            }
        })
    }

    fn put(&self, key: &str, body: &Json) -> Result<(), BoxError> {
        self.tines.block_on(async {
            self.client
                .put_object()
                .bucket(BUCKET)
                .key(key)
                .body(ByteStream::from(body.to_string().into_bytes()))
                .send()
                .await?;
            Ok(())
        })
    }

    fn delete(&self, key: &str) -> Result<(), BoxError> {
        self.tines.block_on(async {
            self.client
                .delete_object()
                .bucket(BUCKET)
                .key(key)
                .send()
                .await?;
            Ok(())
        })
    }

    fn job_file(&self) -> Result<Json, BoxError> {
        self.get(JOB_KEY)?
            .ok_or_else(|| format!("no job file at s3://{BUCKET}/{JOB_KEY}").into())
    }
}

/// What one step's configuration adds to the job.
#[derive(Clone, Copy)]
enum Extra {
    None,
    /// A second job whose bucket does not exist.
    MissingBucket,
    /// A second key, never granted AUDIT_LOG_READ, and a job using it.
    UngrantedKey,
}

fn config(tines: &Tines, aws: &AwsEmulator, s3: &S3Server, page_size: u32, extra: Extra) -> String {
    let extra = match extra {
        Extra::None => String::new(),
        Extra::MissingBucket => r#"
resource "tinesaudit_ingestion_job" "missing_bucket" {
  name               = "missing-bucket"
  api_key_secret_arn = tinesaudit_api_key.pipeline.secret_arn
  bucket             = "acc-no-such-bucket"
  depends_on         = [tinesaudit_tenant_permissions.pipeline]
}
"#
        .to_owned(),
        Extra::UngrantedKey => format!(
            r#"
resource "tinesaudit_api_key" "ungranted" {{
  name                    = "{UNGRANTED_NAME}"
  secret                  = var.ungranted_key
  secret_name             = "tinesaudit/acc-ungranted"
  recovery_window_in_days = 0
}}

resource "tinesaudit_ingestion_job" "ungranted" {{
  name               = "ungranted"
  api_key_secret_arn = tinesaudit_api_key.ungranted.secret_arn
  bucket             = "{BUCKET}"
}}
"#
        ),
    };
    format!(
        r#"{provider}
variable "key" {{
  type      = string
  sensitive = true
}}

variable "ungranted_key" {{
  type      = string
  sensitive = true
}}

resource "tinesaudit_api_key" "pipeline" {{
  name                    = "{KEY_NAME}"
  secret                  = var.key
  secret_name             = "tinesaudit/acc-ingestion"
  recovery_window_in_days = 0
}}

resource "tinesaudit_tenant_permissions" "pipeline" {{
  user_id     = tinesaudit_api_key.pipeline.user_id
  permissions = ["AUDIT_LOG_READ"]
}}

resource "tinesaudit_ingestion_job" "secops" {{
  name               = "secops"
  api_key_secret_arn = tinesaudit_api_key.pipeline.secret_arn
  bucket             = "{BUCKET}"
  page_size          = {page_size}
  compression        = "gzip"
  depends_on         = [tinesaudit_tenant_permissions.pipeline]
}}

data "tinesaudit_secops_reader_policy" "feed" {{
  bucket = tinesaudit_ingestion_job.secops.bucket
  prefix = tinesaudit_ingestion_job.secops.prefix
}}
{extra}"#,
        provider = provider_hcl_with_s3(tines, Some(aws), Some(s3)),
    )
}

type Hook = Box<dyn Fn(&Context<'_>) -> Result<(), BoxError> + Send + Sync>;

fn hook(
    bucket: &Arc<Bucket>,
    f: impl Fn(&Bucket) -> Result<(), BoxError> + Send + Sync + 'static,
) -> Hook {
    let bucket = Arc::clone(bucket);
    Box::new(move |_| f(&bucket))
}

/// Fails unless the job file in S3 has this page size.
fn expect_page_size(bucket: &Bucket, expected: u32) -> Result<(), BoxError> {
    let file = bucket.job_file()?;
    if file["page_size"] == json!(expected) {
        Ok(())
    } else {
        Err(format!(
            "the job file's page_size is {}, expected {expected}",
            file["page_size"]
        )
        .into())
    }
}

#[test]
fn ingestion_job_lifecycle() {
    let tines = Tines::start();
    let aws = moto();
    let server = S3Server::start().expect("SeaweedFS (run `cargo xtask tools`)");
    let bucket = Arc::new(Bucket::new(&tines, &server));
    let config = |page_size, extra| config(&tines, &aws, &server, page_size, extra);
    let url = format!("s3://{BUCKET}/{JOB_KEY}");

    let first = {
        let tines = Arc::clone(&tines);
        hook(&bucket, move |b| {
            tines.reset()?;
            tines.new_key("service", KEY_NAME, TOKEN)?;
            tines.new_key("service", UNGRANTED_NAME, UNGRANTED_TOKEN)?;
            b.reset()
        })
    };
    let for_destroy = Arc::clone(&bucket);
    test_case(in_process_with_credentials(
        server.access_key(),
        server.secret_key(),
    ))
    .sequential()
    .env("TF_VAR_key", TOKEN)
    .env("TF_VAR_ungranted_key", UNGRANTED_TOKEN)
    .step(
        Step::config(config(500, Extra::None))
            .pre_config(first)
            .plan_check(PlanCheck::action(JOB, Action::Create))
            .plan_check(PlanCheck::known(JOB, "job_file", url.as_str()))
            .plan_check(PlanCheck::known(JOB, "state_key", STATE_KEY))
            .plan_check(PlanCheck::unknown(JOB, "content_sha256"))
            .state_check(StateCheck::attr(JOB, "id", url.as_str()))
            .state_check(StateCheck::attr(JOB, "tenant", tines.url()))
            .state_check(StateCheck::attr(JOB, "prefix", "tines/audit/"))
            .state_check(StateCheck::attr(JOB, "lookback_seconds", 3600))
            .state_check(StateCheck::attr_set(JOB, "content_sha256"))
            .state_check(StateCheck::attr(JOB, "last_checkpoint", Json::Null))
            .state_check(StateCheck::attr(
                POLICY,
                "s3_uri",
                format!("s3://{BUCKET}/tines/audit/"),
            ))
            .state_check(StateCheck::attr_set(POLICY, "json")),
    )
    // A changed setting rewrites the file in place; the hash is unknown until then.
    .step(
        Step::config(config(200, Extra::None))
            .pre_config(hook(&bucket, |b| expect_page_size(b, 500)))
            .plan_check(PlanCheck::action(JOB, Action::Update))
            .plan_check(PlanCheck::unknown(JOB, "content_sha256"))
            .plan_check(PlanCheck::known(JOB, "job_file", url.as_str()))
            .state_check(StateCheck::attr(JOB, "page_size", 200)),
    )
    // Edited in S3: refresh shows it, the plan puts it back.
    .step(
        Step::config(config(200, Extra::None))
            .pre_config(hook(&bucket, |b| {
                expect_page_size(b, 200)?;
                let mut file = b.job_file()?;
                file["page_size"] = json!(100);
                b.put(JOB_KEY, &file)
            }))
            .plan_check(PlanCheck::drift(JOB, Action::Update))
            .plan_check(PlanCheck::action(JOB, Action::Update))
            .state_check(StateCheck::attr(JOB, "page_size", 200)),
    )
    // Deleted in S3: the plan writes it again.
    .step(
        Step::plan_only(config(200, Extra::None))
            .pre_config(hook(&bucket, |b| {
                expect_page_size(b, 200)?;
                b.delete(JOB_KEY)
            }))
            .expect_non_empty_plan()
            .plan_check(PlanCheck::drift(JOB, Action::Delete))
            .plan_check(PlanCheck::action(JOB, Action::Create)),
    )
    .step(Step::config(config(200, Extra::None)).plan_check(PlanCheck::action(JOB, Action::Create)))
    // The runner's first run: refresh shows its checkpoint, and the plan stays empty.
    .step(
        Step::refresh()
            .pre_config(hook(&bucket, |b| {
                expect_page_size(b, 200)?;
                b.put(
                    STATE_KEY,
                    &json!({
                        "version": 1,
                        "position": {"created_at": CHECKPOINT, "delivered_ids": [1]},
                        "window_end": null,
                        "lease": null,
                        "updated_at": CHECKPOINT,
                    }),
                )
            }))
            .state_check(StateCheck::attr(JOB, "last_checkpoint", CHECKPOINT))
            .state_check(StateCheck::attr_set(JOB, "lag_seconds")),
    )
    // The lag is measured at each refresh.
    .step(Step::import(JOB).verify_ignoring(&["lag_seconds"]))
    .step(
        Step::config(config(200, Extra::MissingBucket))
            .expect_error(r#"S3 bucket not found(?s:.*)acc-no-such-bucket"#),
    )
    .step(
        Step::config(config(200, Extra::UngrantedKey))
            .expect_error(r"API key cannot read audit logs(?s:.*)AUDIT_LOG_READ"),
    )
    .check_destroy(move |_| {
        if for_destroy.get(JOB_KEY)?.is_some() {
            return Err("the job file is still there after destroy".into());
        }
        if for_destroy.get("tinesaudit/jobs/ungranted.json")?.is_some() {
            return Err("the refused job wrote its file".into());
        }
        match for_destroy.get(STATE_KEY)? {
            Some(_) => Ok(()),
            None => Err("destroy deleted the runner's state object".into()),
        }
    })
    .run();
}

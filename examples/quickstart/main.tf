# The whole pipeline in one apply: the pipeline's Tines key in Secrets Manager, its AUDIT_LOG_READ grant, the
# job file the runner reads, and the runner deployed to AWS Lambda with an hourly EventBridge schedule.
# `cargo xtask demo` applies this against the Tines simulator and local AWS emulators; for a real tenant and
# account, leave the endpoint variables unset.

terraform {
  required_version = ">= 1.11" # secret_wo and ephemeral variables: no key reaches a saved plan or state
  required_providers {
    tinesaudit = {
      source = "tinesaudit/tinesaudit"
    }
  }
}

provider "tinesaudit" {
  tenant                  = var.tines_tenant
  api_key                 = var.tines_owner_key
  aws_region              = var.aws_region
  aws_endpoint_url        = var.aws_endpoint_url
  aws_s3_endpoint_url     = var.s3_endpoint_url
  aws_s3_force_path_style = var.s3_endpoint_url != null
}

# The service key made in Tines (Settings › API keys › Service), checked and stored for the runner.
resource "tinesaudit_api_key" "pipeline" {
  name                    = var.pipeline_key_name
  secret_wo               = var.pipeline_key
  secret_wo_version       = 1 # bump to store a rotated key
  secret_name             = "tinesaudit/${var.pipeline_key_name}"
  recovery_window_in_days = var.secret_recovery_window_in_days
}

# What the vendor guide ticks by hand: the key's service account may read audit logs.
resource "tinesaudit_tenant_permissions" "pipeline" {
  user_id     = tinesaudit_api_key.pipeline.user_id
  permissions = ["AUDIT_LOG_READ"]
}

# The job file: where records go, and how the runner pages through Tines.
resource "tinesaudit_ingestion_job" "audit" {
  name               = "tines-audit"
  api_key_secret_arn = tinesaudit_api_key.pipeline.secret_arn
  bucket             = var.bucket
  prefix             = "tines/audit/"
  lookback_seconds   = var.lookback_seconds

  # The job's apply checks that the key can read audit logs, which needs the grant first.
  depends_on = [tinesaudit_tenant_permissions.pipeline]
}

# The runner as a Lambda function, invoked hourly by EventBridge Scheduler.
resource "tinesaudit_schedule" "audit" {
  name            = "tines-audit"
  job_file        = tinesaudit_ingestion_job.audit.job_file
  job_file_sha256 = tinesaudit_ingestion_job.audit.content_sha256
  expression      = "rate(1 hour)"
  environment     = var.runner_environment
}

# For the SecOps "Amazon S3 V2" feed's reader: attach it with your own AWS tooling.
data "tinesaudit_secops_reader_policy" "feed" {
  bucket = var.bucket
  prefix = tinesaudit_ingestion_job.audit.prefix
}

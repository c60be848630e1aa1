# Taking over what the vendor guide set up by hand, where it maps onto this provider's resources: the
# key's secret, the grant of its service account, and an existing schedule. Run `terraform plan` and
# read it before the first apply: import adopts, and apply then changes what differs.

terraform {
  required_version = ">= 1.11"

  required_providers {
    tinesaudit = {
      source  = "tinesaudit/tinesaudit"
      version = "~> 0.1"
    }
  }
}

provider "tinesaudit" {
  tenant     = var.tines_tenant
  api_key    = var.tines_owner_key
  aws_region = var.aws_region
}

# The key the Lambda reads, when it is already in Secrets Manager (by the secret's name or ARN). A key kept
# in the Lambda's environment instead has nothing to import: this resource stores it in a new secret.
import {
  to = tinesaudit_api_key.pipeline
  id = "tines/audit-api-key"
}

resource "tinesaudit_api_key" "pipeline" {
  name              = "secops-audit-pipeline"
  secret_wo         = var.pipeline_key
  secret_wo_version = 1
  secret_name       = "tines/audit-api-key"
}

# The AUDIT_LOG_READ the guide ticks in the Tines UI, as USER_ID:PERMISSION: only that grant is managed,
# whatever else the user holds.
import {
  to = tinesaudit_tenant_permissions.pipeline
  id = "${var.pipeline_user_id}:AUDIT_LOG_READ"
}

resource "tinesaudit_tenant_permissions" "pipeline" {
  user_id     = tinesaudit_api_key.pipeline.user_id
  permissions = ["AUDIT_LOG_READ"]
}

# The same bucket and prefix, and the page-shaped objects the feed already reads.
resource "tinesaudit_ingestion_job" "audit" {
  name               = "tines-audit"
  api_key_secret_arn = tinesaudit_api_key.pipeline.secret_arn
  bucket             = var.bucket
  prefix             = "tines/audit/"
  format             = "raw_page"

  depends_on = [tinesaudit_tenant_permissions.pipeline]
}

# The EventBridge schedule (in the default group) and the function of the same name: apply replaces the
# Python code with the runner and points it at the job file. Import it only after `adopt-state` (see the
# guide), so the first run of the runner starts where the Lambda stopped.
import {
  to = tinesaudit_schedule.audit
  id = var.schedule_name
}

resource "tinesaudit_schedule" "audit" {
  name            = var.schedule_name
  job_file        = tinesaudit_ingestion_job.audit.job_file
  job_file_sha256 = tinesaudit_ingestion_job.audit.content_sha256
  expression      = "rate(1 hour)"
}

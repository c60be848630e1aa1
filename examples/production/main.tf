# The pipeline for a real Tines tenant and a real AWS account, as a platform team runs it: the provider
# from the registry at a pinned minor version, state in S3, keys only in ephemeral variables (set them
# with TF_VAR_tines_owner_key and TF_VAR_pipeline_key from your secret store, never in a file), the
# bucket the SecOps feed reads made and owned elsewhere. CI checks it with `terraform validate`; nothing
# applies it there.

terraform {
  required_version = ">= 1.11" # write-only attributes and ephemeral variables

  required_providers {
    tinesaudit = {
      source  = "tinesaudit/tinesaudit"
      version = "~> 0.1"
    }
  }

  # One state per tenant and account. S3's own lock file (Terraform 1.10 on) keeps two applies apart.
  backend "s3" {
    bucket       = "acme-terraform-state"
    key          = "security/tinesaudit/terraform.tfstate"
    region       = "eu-west-1"
    encrypt      = true
    use_lockfile = true
  }
}

provider "tinesaudit" {
  tenant     = var.tines_tenant
  api_key    = var.tines_owner_key
  aws_region = var.aws_region
}

# The pipeline's service key (Settings › API keys › Service in Tines), checked and kept in Secrets Manager.
resource "tinesaudit_api_key" "pipeline" {
  name                    = var.pipeline_key_name
  secret_wo               = var.pipeline_key
  secret_wo_version       = var.pipeline_key_version
  secret_name             = "tinesaudit/${var.pipeline_key_name}"
  recovery_window_in_days = 30
}

resource "tinesaudit_tenant_permissions" "pipeline" {
  user_id     = tinesaudit_api_key.pipeline.user_id
  permissions = ["AUDIT_LOG_READ"]
}

resource "tinesaudit_ingestion_job" "audit" {
  name               = "tines-audit"
  api_key_secret_arn = tinesaudit_api_key.pipeline.secret_arn
  bucket             = var.bucket
  prefix             = var.prefix
  format             = var.format
  # The first run starts here: Tines keeps two years, so a backfill of what came before is possible too.
  backfill_from = var.backfill_from

  depends_on = [tinesaudit_tenant_permissions.pipeline]
}

resource "tinesaudit_schedule" "audit" {
  name            = "tines-audit"
  job_file        = tinesaudit_ingestion_job.audit.job_file
  job_file_sha256 = tinesaudit_ingestion_job.audit.content_sha256
  expression      = "rate(15 minutes)"
  # Graviton: the same runner built for arm64, at Lambda's lower arm64 price.
  architecture = "arm64"
  # Spreads the runs of many schedules; a run still delivers everything since the last one.
  flexible_window_minutes = 5
}

# Attach this to the AWS identity of the SecOps "Amazon S3 V2" feed, with the tooling that owns it.
data "tinesaudit_secops_reader_policy" "feed" {
  bucket = tinesaudit_ingestion_job.audit.bucket
  prefix = tinesaudit_ingestion_job.audit.prefix
}

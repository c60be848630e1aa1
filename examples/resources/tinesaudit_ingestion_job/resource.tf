# The job file the runner reads: the tenant and key (here the ones the other examples manage), the bucket
# the SecOps feed reads, and where the runner keeps its checkpoint (outside the feed's prefix).
resource "tinesaudit_ingestion_job" "secops" {
  name               = "secops"
  api_key_secret_arn = tinesaudit_api_key.pipeline.secret_arn
  bucket             = "acme-secops-tines-audit"
  # prefix        = "tines/audit/"                # the feed's S3 URI: s3://acme-secops-tines-audit/tines/audit/
  # state_key     = "tinesaudit/state/secops.json"
  # job_file_key  = "tinesaudit/jobs/secops.json"
  backfill_from = "2025-01-01T00:00:00Z" # the first run starts here instead of an hour back

  # Apply checks that the key can read audit logs: grant it first.
  depends_on = [tinesaudit_tenant_permissions.pipeline]
}

# For the runner: tinesaudit-runner sync --job <this>, or JOB_FILE.
output "job_file" {
  value = tinesaudit_ingestion_job.secops.job_file
}

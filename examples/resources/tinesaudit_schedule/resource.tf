# The runner on AWS Lambda, every 15 minutes. The function's timeout and its execution role's policy follow
# the job file; the runner binary is the one shipped with the provider.
resource "tinesaudit_schedule" "audit" {
  name = "tines-audit-sync"
  # The job file tinesaudit_ingestion_job writes, and its hash: a changed job updates the function in the
  # same apply.
  job_file        = tinesaudit_ingestion_job.secops.job_file
  job_file_sha256 = tinesaudit_ingestion_job.secops.content_sha256
  expression      = "rate(15 minutes)"
}

# Weekdays at 06:30 Dublin time, with roles of your own (for instance one that may use the bucket's KMS key).
resource "tinesaudit_schedule" "weekdays" {
  name               = "tines-audit-weekdays"
  job_file           = "s3://secops-config/jobs/tines-audit-weekdays.json"
  expression         = "cron(30 6 ? * MON-FRI *)"
  timezone           = "Europe/Dublin"
  role_arn           = "arn:aws:iam::123456789012:role/tines-audit-runner"
  scheduler_role_arn = "arn:aws:iam::123456789012:role/tines-audit-scheduler"
  memory_mb          = 1024
  retry_attempts     = 0
}

output "runner_function" {
  value = tinesaudit_schedule.audit.function_arn
}

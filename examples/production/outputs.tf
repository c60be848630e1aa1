output "job_file" {
  description = "For the runner outside Lambda (examples/kubernetes): its JOB_FILE."
  value       = tinesaudit_ingestion_job.audit.job_file
}

output "function_arn" {
  value = tinesaudit_schedule.audit.function_arn
}

output "secops_feed_s3_uri" {
  description = "The feed's S3 URI."
  value       = data.tinesaudit_secops_reader_policy.feed.s3_uri
}

output "secops_feed_policy" {
  description = "The feed's IAM policy document."
  value       = data.tinesaudit_secops_reader_policy.feed.json
}

output "job_file" {
  value = tinesaudit_ingestion_job.audit.job_file
}

output "function_arn" {
  value = tinesaudit_schedule.audit.function_arn
}

output "schedule_arn" {
  value = tinesaudit_schedule.audit.schedule_arn
}

output "secops_reader_policy" {
  value = data.tinesaudit_secops_reader_policy.feed.json
}

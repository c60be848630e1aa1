data "tinesaudit_user" "pipeline" {
  email = "secops-audit-pipeline@example.com" # or: id = 42
}

output "pipeline_can_read_audit_logs" {
  value = data.tinesaudit_user.pipeline.can_read_audit_logs
}

# The latest permission changes, e.g. to check that a grant took effect.
data "tinesaudit_audit_logs" "user_edits" {
  operation_names = ["UserEdit"]
  after           = "2025-01-01T00:00:00Z"
  limit           = 20
}

output "last_user_edit" {
  value = try(data.tinesaudit_audit_logs.user_edits.records[0].created_at, null)
}

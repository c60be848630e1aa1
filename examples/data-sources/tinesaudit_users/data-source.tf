# Who can read the audit logs through a permission (tenant owners can anyway).
data "tinesaudit_users" "audit_readers" {
  with_permission = "AUDIT_LOG_READ"
}

output "audit_reader_emails" {
  value = data.tinesaudit_users.audit_readers.users[*].email
}

# Let the pipeline's key read audit logs; the service account's other permissions are left alone.
resource "tinesaudit_tenant_permissions" "pipeline" {
  user_id     = tinesaudit_api_key.pipeline.user_id
  permissions = ["AUDIT_LOG_READ"]
}

# A user whose tenant permissions must be exactly these: anything added in the Tines UI is removed again.
data "tinesaudit_user" "auditor" {
  email = "auditor@example.com"
}

resource "tinesaudit_tenant_permissions" "auditor" {
  user_id       = data.tinesaudit_user.auditor.id
  permissions   = ["AUDIT_LOG_READ"]
  authoritative = true
}

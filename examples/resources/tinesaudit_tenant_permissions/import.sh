# USER_ID:PERMISSION,... imports a grant of those permissions (not authoritative)...
terraform import tinesaudit_tenant_permissions.pipeline 42:AUDIT_LOG_READ

# ...USER_ID alone an authoritative resource holding everything the user has.
terraform import tinesaudit_tenant_permissions.auditor 43

# Terraform 1.11 and later: the key is write-only and never reaches plan or state. Make the key in Tines
# (Settings › API keys › Service), then pass it in, e.g. TF_VAR_pipeline_key.
variable "pipeline_key" {
  type      = string
  sensitive = true
  ephemeral = true
}

resource "tinesaudit_api_key" "pipeline" {
  name              = "secops-audit-pipeline" # the key's name in Tines
  secret_wo         = var.pipeline_key
  secret_wo_version = 1 # bump to store a rotated key
  secret_name       = "tinesaudit/secops-audit-pipeline"
}

# The runner reads the key from this secret.
output "pipeline_key_secret_arn" {
  value = tinesaudit_api_key.pipeline.secret_arn
}

# Terraform before 1.11 cannot send write-only values; use `secret` there, from a variable without
# `ephemeral` (Terraform refuses ephemeral values elsewhere). Terraform then keeps the key in state and in
# saved plan files, marked sensitive but in plain text:
#
# resource "tinesaudit_api_key" "pipeline" {
#   name        = "secops-audit-pipeline"
#   secret      = var.pipeline_key
#   secret_name = "tinesaudit/secops-audit-pipeline"
# }

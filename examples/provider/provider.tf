terraform {
  required_providers {
    tinesaudit = {
      source = "tinesaudit/tinesaudit"
    }
  }
}

# Every argument may be left out: tenant and api_key then come from TINES_TENANT and TINES_API_KEY, and AWS
# from the standard chain (AWS_REGION, AWS_PROFILE, instance or task role).
provider "tinesaudit" {
  tenant     = "https://example.tines.com"
  api_key    = var.tines_owner_key # a tenant-owner key: the admin API takes no other
  aws_region = "eu-west-1"

  request_timeout_seconds = 30
  max_retries             = 4
}

# Ephemeral (Terraform 1.10 and later): the key is kept out of saved plan files and state, where a variable
# that is only sensitive is stored in plain text. On older Terraform, leave out `ephemeral`, or the
# `api_key` argument and set TINES_API_KEY instead.
variable "tines_owner_key" {
  type      = string
  sensitive = true
  ephemeral = true
}

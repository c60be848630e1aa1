variable "tines_tenant" {
  description = "The tenant's URL, e.g. https://example.tines.com."
  type        = string
}

variable "tines_owner_key" {
  description = "A tenant-owner API key, for the admin API (users and their permissions)."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "pipeline_key_name" {
  description = "The name of the pipeline's service key in Tines."
  type        = string
  default     = "secops-audit-pipeline"
}

variable "pipeline_key" {
  description = "The pipeline's service key, as Tines showed it once."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "secret_recovery_window_in_days" {
  description = "How long Secrets Manager keeps the key's secret restorable after destroy (0: delete at once)."
  type        = number
  default     = 30
}

variable "bucket" {
  description = "The S3 bucket the SecOps feed reads; it must exist."
  type        = string
}

variable "lookback_seconds" {
  description = "How far back the first run starts."
  type        = number
  default     = 3600
}

variable "aws_region" {
  type    = string
  default = "us-east-1"
}

variable "aws_endpoint_url" {
  description = "Only for emulators: every AWS service's endpoint."
  type        = string
  default     = null
}

variable "s3_endpoint_url" {
  description = "Only for emulators: an S3-compatible store's endpoint (path-style addressing)."
  type        = string
  default     = null
}

variable "runner_environment" {
  description = "Only for emulators: extra environment for the runner's function, e.g. endpoint overrides."
  type        = map(string)
  default     = {}
}

variable "tines_tenant" {
  description = "The tenant's URL, e.g. https://acme.tines.com."
  type        = string
}

variable "tines_owner_key" {
  description = "A tenant-owner API key, for the admin API; only during plan and apply."
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

variable "pipeline_key_version" {
  description = "Bump it when you rotate the key: the next apply stores the new one."
  type        = number
  default     = 1
}

variable "aws_region" {
  description = "Where the secret, the function and its schedule live: the bucket's region."
  type        = string
  default     = "eu-west-1"
}

variable "bucket" {
  description = "The bucket the SecOps feed reads; it must exist."
  type        = string
}

variable "prefix" {
  description = "The folder the feed reads. Keep the vendor guide's when moving over from its Lambda."
  type        = string
  default     = "tines/audit/"
}

variable "format" {
  description = "ndjson for a new feed; raw_page to keep a feed set up for the vendor guide's Lambda."
  type        = string
  default     = "ndjson"
}

variable "backfill_from" {
  description = "Where the first run starts (RFC 3339); null for an hour ago."
  type        = string
  default     = null
}

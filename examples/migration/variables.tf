variable "tines_tenant" {
  type = string
}

variable "tines_owner_key" {
  type      = string
  sensitive = true
  ephemeral = true
}

variable "pipeline_key" {
  description = "The key the Lambda used, so that the imported secret keeps holding it."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "pipeline_user_id" {
  description = "The key's service-account user id (Settings › Team in Tines, or the tinesaudit_user data source)."
  type        = number
}

variable "aws_region" {
  type = string
}

variable "bucket" {
  description = "The bucket the Lambda writes to and the feed reads."
  type        = string
}

variable "schedule_name" {
  description = "The name of the Lambda's EventBridge schedule, which is also the function's."
  type        = string
  default     = "tines-audit-logs"
}

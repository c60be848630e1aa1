# By the name or ARN of the Secrets Manager secret that holds the key.
terraform import tinesaudit_api_key.pipeline tinesaudit/secops-audit-pipeline

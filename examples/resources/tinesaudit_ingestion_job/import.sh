# By the job file's location.
terraform import tinesaudit_ingestion_job.secops s3://acme-secops-tines-audit/tinesaudit/jobs/secops.json

# What the Google SecOps Amazon S3 V2 feed's AWS identity may do: list the job's prefix and read what is
# under it; nothing else in the bucket (the runner's state, the job file).
data "tinesaudit_secops_reader_policy" "feed" {
  bucket = tinesaudit_ingestion_job.secops.bucket
  prefix = tinesaudit_ingestion_job.secops.prefix
}

# E.g. resource "aws_iam_policy" "secops_feed" { policy = data.tinesaudit_secops_reader_policy.feed.json },
# attached to the IAM user or role whose credentials the feed uses.
output "secops_feed_policy" {
  value = data.tinesaudit_secops_reader_policy.feed.json
}

# The feed's S3 URI.
output "secops_feed_s3_uri" {
  value = data.tinesaudit_secops_reader_policy.feed.s3_uri
}

//! S3 for the job file: the naming rules (checked at plan time by `validators.rs`) (bucket names, key prefixes, object keys),
//! `s3://` URLs, and the few object calls `tinesaudit_ingestion_job` and `tinesaudit_schedule` make (get,
//! put, delete), with errors sorted into what a user can act on.
//!
//! Every SDK call runs with tracing switched off (`aws::calls::call`): the provider never lets the AWS SDK
//! log.

use std::collections::HashMap;

use aws_sdk_s3::Client;
use aws_sdk_s3::primitives::ByteStream;

use tfplugin_framework::StopSignal;

use crate::aws::calls::{AwsError, call, found, quiet};

/// S3's codes for a missing object or bucket: `NotFound` is how S3-compatible stores may say either.
const NOT_FOUND: &[&str] = &["NoSuchKey", "NoSuchBucket", "NotFound"];
pub const NO_SUCH_BUCKET: &str = "NoSuchBucket";

/// The characters accepted in prefixes and keys: the ones AWS calls safe in object keys, without `*`,
/// which IAM would read as a wildcard in the reader policy's resources and conditions.
const KEY_CHARACTERS: &str = "letters, digits and ! - _ . ' ( ) /";

/// Leaves room under a prefix for the runner's object names (date folders and a content-derived file name,
/// under 100 characters) within S3's 1024-byte key limit.
const MAX_PREFIX_LENGTH: usize = 512;
const MAX_KEY_LENGTH: usize = 1024;

const LEADING_SLASH: &str = "must not start with '/': S3 keys have no leading slash";

/// S3's rules for general purpose bucket names, as the AWS documentation lists them. `Err` says what is
/// wrong, for a message that also names the attribute.
pub fn check_bucket_name(name: &str) -> Result<(), String> {
    if !(3..=63).contains(&name.len()) {
        return Err(format!(
            "must be 3 to 63 characters long; got {}",
            name.len()
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '.' || *c == '-'))
    {
        return Err(format!(
            "may contain only lowercase letters, digits, dots and hyphens; found {c:?}"
        ));
    }
    let alphanumeric = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !alphanumeric(name.chars().next()) || !alphanumeric(name.chars().last()) {
        return Err("must start and end with a letter or digit".to_owned());
    }
    if name.contains("..") {
        return Err("must not contain two adjacent dots".to_owned());
    }
    if name.split('.').count() == 4 && name.split('.').all(|part| part.parse::<u8>().is_ok()) {
        return Err("must not be formatted as an IP address".to_owned());
    }
    // Reserved for internationalised domain names, access point aliases, S3 Express, Tables and AWS examples.
    for reserved in ["xn--", "sthree-", "amzn-s3-demo-"] {
        if name.starts_with(reserved) {
            return Err(format!(
                "must not start with {reserved:?}, which S3 reserves"
            ));
        }
    }
    for reserved in ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"] {
        if name.ends_with(reserved) {
            return Err(format!("must not end with {reserved:?}, which S3 reserves"));
        }
    }
    Ok(())
}

/// A key prefix the runner writes data under and the SecOps feed reads: not empty (the runner refuses an
/// empty one, and everything in the bucket would be fed), ending in `/`.
pub fn check_prefix(prefix: &str) -> Result<(), String> {
    if prefix.is_empty() {
        return Err(
            "must not be empty: the SecOps feed would read the whole bucket, state and job files included; \
             use a folder such as tines/audit/"
                .to_owned(),
        );
    }
    if !prefix.ends_with('/') {
        return Err(format!(
            "must end with '/', e.g. {prefix}/, so that the feed reads one folder and not every key that \
             starts the same way"
        ));
    }
    if prefix.starts_with('/') {
        return Err(LEADING_SLASH.to_owned());
    }
    check_length(prefix, MAX_PREFIX_LENGTH)?;
    check_key_form(&prefix[..prefix.len() - 1])
}

/// An object key: the state object's or the job file's.
pub fn check_object_key(key: &str) -> Result<(), String> {
    if key.is_empty() {
        return Err("must not be empty".to_owned());
    }
    if key.ends_with('/') {
        return Err("must name an object, not a folder: it must not end with '/'".to_owned());
    }
    check_length(key, MAX_KEY_LENGTH)?;
    check_key_form(key)
}

fn check_length(key: &str, max: usize) -> Result<(), String> {
    if key.len() > max {
        return Err(format!(
            "must be at most {max} bytes long; got {}",
            key.len()
        ));
    }
    Ok(())
}

/// What prefixes and keys share: no leading `/`, no empty, `.` or `..` folder (SDKs and consoles
/// normalise those away), and only characters that need no escaping anywhere the key goes.
fn check_key_form(key: &str) -> Result<(), String> {
    if key.starts_with('/') {
        return Err(LEADING_SLASH.to_owned());
    }
    if let Some(c) = key
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "!-_.'()/".contains(*c)))
    {
        return Err(format!("may contain only {KEY_CHARACTERS}; found {c:?}"));
    }
    if key.split('/').any(|part| part.is_empty()) {
        return Err("must not contain '//'".to_owned());
    }
    if key.split('/').any(|part| part == "." || part == "..") {
        return Err("must not contain a '.' or '..' folder".to_owned());
    }
    Ok(())
}

/// `s3://bucket/key`.
pub fn s3_url(bucket: &str, key: &str) -> String {
    format!("s3://{bucket}/{key}")
}

/// The bucket and key of an object, as `s3://bucket/key` names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Url {
    pub bucket: String,
    pub key: String,
}

impl S3Url {
    /// `None` unless `url` is `s3://bucket/key` with a bucket (no whitespace in it) and a key.
    pub fn parse(url: &str) -> Option<S3Url> {
        let (bucket, key) = url.strip_prefix("s3://")?.split_once('/')?;
        (!bucket.is_empty() && !key.is_empty() && !bucket.contains(char::is_whitespace)).then(
            || S3Url {
                bucket: bucket.to_owned(),
                key: key.to_owned(),
            },
        )
    }
}

/// A failed S3 call, sorted by what the user can do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum S3ErrorKind {
    NoSuchBucket,
    AccessDenied,
    /// The bucket is in another region than the provider's (S3 answers with a redirect).
    WrongRegion,
    /// No answer: endpoint, network, DNS or TLS.
    Unreachable,
    Other,
}

impl S3ErrorKind {
    pub fn of(error: &AwsError) -> S3ErrorKind {
        match (error.code.as_deref(), error.status) {
            (Some(NO_SUCH_BUCKET), _) => S3ErrorKind::NoSuchBucket,
            (Some("AccessDenied" | "AllAccessDisabled" | "InvalidAccessKeyId"), _) => {
                S3ErrorKind::AccessDenied
            }
            (Some("PermanentRedirect" | "AuthorizationHeaderMalformed"), _) | (_, Some(301)) => {
                S3ErrorKind::WrongRegion
            }
            (_, Some(403)) => S3ErrorKind::AccessDenied,
            _ if error.unreachable => S3ErrorKind::Unreachable,
            _ => S3ErrorKind::Other,
        }
    }
}

/// An object as read: its bytes and its user metadata (`x-amz-meta-*`, keys without the prefix).
pub struct Object {
    pub body: Vec<u8>,
    pub metadata: HashMap<String, String>,
}

/// The object calls of the job file and the runner's state, on the provider's S3 client.
pub struct Objects {
    client: Client,
    /// Ends its calls when Terraform asks the provider to stop.
    stop: StopSignal,
}

impl Objects {
    pub fn new(client: Client, stop: StopSignal) -> Self {
        Self { client, stop }
    }

    /// Whether the bucket exists. Some S3-compatible stores create a bucket on the first write to it, so a
    /// write alone proves nothing. Credentials without s3:ListBucket get 403 here, which says nothing about
    /// existence: that counts as existing, and the write that follows decides.
    pub async fn bucket_exists(&self, bucket: &str) -> Result<bool, AwsError> {
        match call(&self.stop, self.client.head_bucket().bucket(bucket).send()).await {
            Ok(_) => Ok(true),
            Err(e) if e.is("NotFound") => Ok(false),
            Err(e) if S3ErrorKind::of(&e) == S3ErrorKind::AccessDenied => Ok(true),
            Err(e) => Err(e),
        }
    }

    /// The object, or `None` when the key or the whole bucket does not exist. With `max_bytes`, an object
    /// that S3 says is larger is refused unread.
    pub async fn get(
        &self,
        bucket: &str,
        key: &str,
        max_bytes: Option<i64>,
    ) -> Result<Option<Object>, AwsError> {
        let Some(output) = found(
            call(
                &self.stop,
                self.client.get_object().bucket(bucket).key(key).send(),
            )
            .await,
            NOT_FOUND,
        )?
        else {
            return Ok(None);
        };
        if let (Some(max), Some(length)) = (max_bytes, output.content_length())
            && length > max
        {
            return Err(AwsError::new(format!(
                "the object is {length} bytes long; at most {max} are accepted"
            )));
        }
        let metadata = output.metadata().cloned().unwrap_or_default();
        let body = quiet(output.body.collect()).await.map_err(|e| AwsError {
            unreachable: true,
            ..AwsError::new(format!("reading the object's body failed: {e}"))
        })?;
        Ok(Some(Object {
            body: body.to_vec(),
            metadata,
        }))
    }

    /// Writes (or overwrites) the object.
    pub async fn put(
        &self,
        bucket: &str,
        key: &str,
        body: Vec<u8>,
        content_type: &str,
        metadata: HashMap<String, String>,
    ) -> Result<(), AwsError> {
        call(
            &self.stop,
            self.client
                .put_object()
                .bucket(bucket)
                .key(key)
                .content_type(content_type)
                .set_metadata(Some(metadata))
                .body(ByteStream::from(body))
                .send(),
        )
        .await?;
        Ok(())
    }

    /// Deletes the object; one already gone (or in a bucket that is gone) is not an error.
    pub async fn delete(&self, bucket: &str, key: &str) -> Result<(), AwsError> {
        found(
            call(
                &self.stop,
                self.client.delete_object().bucket(bucket).key(key).send(),
            )
            .await,
            &[NO_SUCH_BUCKET],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names_follow_s3s_rules() {
        for good in [
            "abc",
            "secops-tines-audit",
            "logs.example.com",
            "a1-b2.c3",
            &"a".repeat(63),
        ] {
            assert_eq!(check_bucket_name(good), Ok(()), "{good}");
        }
        let bad = [
            ("ab", "3 to 63"),
            (&"a".repeat(64), "3 to 63"),
            ("Audit-Logs", "lowercase"),
            ("audit_logs", "lowercase"),
            ("-audit", "start and end"),
            ("audit.", "start and end"),
            ("audit..logs", "adjacent dots"),
            ("192.168.5.4", "IP address"),
            ("xn--audit", "\"xn--\""),
            ("sthree-audit", "\"sthree-\""),
            ("amzn-s3-demo-audit", "\"amzn-s3-demo-\""),
            ("audit-s3alias", "\"-s3alias\""),
            ("audit--ol-s3", "\"--ol-s3\""),
            ("audit.mrap", "\".mrap\""),
            ("audit--x-s3", "\"--x-s3\""),
            ("audit--table-s3", "\"--table-s3\""),
        ];
        for (name, problem) in bad {
            let err = check_bucket_name(name).unwrap_err();
            assert!(err.contains(problem), "{name}: {err}");
        }
        // Four dot-separated parts that are not all octets are a name, not an address.
        assert_eq!(check_bucket_name("1.2.3.999"), Ok(()));
    }

    #[test]
    fn prefixes_are_folders_of_plain_characters() {
        for good in ["tines/audit/", "a/", "logs/tines.audit/2024/", "x!_.'()-/"] {
            assert_eq!(check_prefix(good), Ok(()), "{good}");
        }
        let bad = [
            ("", "must not be empty"),
            ("tines/audit", "end with '/'"),
            ("/tines/", "leading slash"),
            ("tines//audit/", "'//'"),
            ("/", "leading slash"),
            ("tines//", "'//'"),
            ("tines/../audit/", "'..'"),
            ("tines/*/", "found '*'"),
            ("tines audit/", "found ' '"),
            ("tïnes/", "found 'ï'"),
        ];
        for (prefix, problem) in bad {
            let err = check_prefix(prefix).unwrap_err();
            assert!(err.contains(problem), "{prefix:?}: {err}");
        }
        let longest = format!("{}/", "a".repeat(MAX_PREFIX_LENGTH - 1));
        assert_eq!(check_prefix(&longest), Ok(()));
        assert!(
            check_prefix(&format!("a{longest}"))
                .unwrap_err()
                .contains("at most 512")
        );
    }

    #[test]
    fn object_keys_name_objects() {
        assert_eq!(check_object_key("tinesaudit/state/job.json"), Ok(()));
        assert_eq!(check_object_key("job.json"), Ok(()));
        for (key, problem) in [
            ("", "empty"),
            ("tinesaudit/state/", "not a folder"),
            ("/job.json", "leading slash"),
            ("a/./job.json", "'.'"),
            ("a\\b.json", "found '\\\\'"),
        ] {
            let err = check_object_key(key).unwrap_err();
            assert!(err.contains(problem), "{key:?}: {err}");
        }
    }

    #[test]
    fn s3_urls_round_trip() {
        let url = s3_url("bucket", "tinesaudit/jobs/a.json");
        assert_eq!(url, "s3://bucket/tinesaudit/jobs/a.json");
        assert_eq!(
            S3Url::parse(&url),
            Some(S3Url {
                bucket: "bucket".into(),
                key: "tinesaudit/jobs/a.json".into()
            })
        );
        for bad in [
            "bucket/key",
            "s3://bucket",
            "s3://bucket/",
            "s3:///key",
            "s3://my bucket/key",
            "https://b/k",
            "/tmp/job.json",
        ] {
            assert_eq!(S3Url::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn s3_errors_are_sorted_by_what_the_user_can_do() {
        let answered = |code: Option<&str>, status: u16| AwsError {
            code: code.map(str::to_owned),
            status: Some(status),
            ..AwsError::new("S3 said no")
        };
        for (error, kind) in [
            (
                answered(Some("NoSuchBucket"), 404),
                S3ErrorKind::NoSuchBucket,
            ),
            (
                answered(Some("AccessDenied"), 403),
                S3ErrorKind::AccessDenied,
            ),
            (
                answered(Some("InvalidAccessKeyId"), 403),
                S3ErrorKind::AccessDenied,
            ),
            // HEAD answers carry no code.
            (answered(None, 403), S3ErrorKind::AccessDenied),
            (
                answered(Some("PermanentRedirect"), 301),
                S3ErrorKind::WrongRegion,
            ),
            (answered(None, 301), S3ErrorKind::WrongRegion),
            (
                answered(Some("AuthorizationHeaderMalformed"), 400),
                S3ErrorKind::WrongRegion,
            ),
            (answered(Some("InternalError"), 500), S3ErrorKind::Other),
            (
                AwsError {
                    unreachable: true,
                    ..AwsError::new("dispatch failure")
                },
                S3ErrorKind::Unreachable,
            ),
            (AwsError::new("something else"), S3ErrorKind::Other),
        ] {
            assert_eq!(S3ErrorKind::of(&error), kind, "{error:?}");
        }
    }
}

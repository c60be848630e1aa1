//! `tinesaudit_ingestion_job` against the simulator, moto (the key's secret) and SeaweedFS (the job file):
//! what validation refuses and where, what plans hold, the job file written, read back, drifted and
//! imported, the checks at apply; and `tinesaudit_secops_reader_policy`'s document.

use aws_sdk_s3::primitives::ByteStream;
use serde_json::{Value as Json, json};
use tfplugin_proto::value::Value;
use tfplugin_proto::wire::Diagnostic;

use crate::api_key::secrets_client;
use crate::{Env, JOB, assert_no_errors, errors, has_errors, n, path_of, s, text, warnings};

const BUCKET: &str = "secops-audit";
const JOB_KEY: &str = "tinesaudit/jobs/secops.json";
const STATE_KEY: &str = "tinesaudit/state/secops.json";
const PLACEHOLDER_ARN: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret:k-AbCdEf";

/// S3 as the runner and the feed see it.
fn s3(env: &Env) -> aws_sdk_s3::Client {
    env.s3.as_ref().expect("SeaweedFS").client()
}

async fn create_bucket(env: &Env, bucket: &str) {
    s3(env).create_bucket().bucket(bucket).send().await.unwrap();
}

/// An object's bytes, `None` when it does not exist.
async fn object(env: &Env, key: &str) -> Option<Vec<u8>> {
    let output = s3(env)
        .get_object()
        .bucket(BUCKET)
        .key(key)
        .send()
        .await
        .ok()?;
    Some(output.body.collect().await.unwrap().to_vec())
}

async fn put_object(env: &Env, key: &str, body: &[u8]) {
    s3(env)
        .put_object()
        .bucket(BUCKET)
        .key(key)
        .body(ByteStream::from(body.to_vec()))
        .send()
        .await
        .unwrap();
}

async fn keys(env: &Env) -> Vec<String> {
    let listed = s3(env)
        .list_objects_v2()
        .bucket(BUCKET)
        .send()
        .await
        .unwrap();
    listed
        .contents()
        .iter()
        .filter_map(|o| o.key().map(str::to_owned))
        .collect()
}

/// A key of `kind` stored in a secret of its own; answers the secret's ARN and the key's user.
async fn key_in_secret(env: &Env, kind: &str, name: &str) -> (String, u64) {
    let (_, token, user_id) = env.new_key(kind, name).await;
    let created = secrets_client(env)
        .create_secret()
        .name(name)
        .secret_string(token)
        .send()
        .await
        .unwrap();
    (created.arn().unwrap().to_owned(), user_id)
}

fn job(env: &Env, arn: &str, extra: &[(&str, Value)]) -> Value {
    let mut attrs = vec![
        ("name", s("secops")),
        ("api_key_secret_arn", s(arn)),
        ("bucket", s(BUCKET)),
    ];
    attrs.extend(extra.iter().cloned());
    env.resource(JOB, &attrs)
}

fn attr<'a>(value: &'a Value, name: &str) -> &'a Value {
    value
        .attribute(name)
        .unwrap_or_else(|| panic!("no attribute {name}"))
}

fn with_attr(value: &Value, name: &str, new: Value) -> Value {
    let mut value = value.clone();
    if let Value::Object(attrs) = &mut value {
        attrs.insert(name.to_owned(), new);
    }
    value
}

/// Plans and applies, answering the apply's diagnostics and new state (errors allowed).
async fn try_converge(env: &Env, prior: &Value, config: &Value) -> (Value, Vec<Diagnostic>) {
    let planned = env.plan(JOB, prior, config).await;
    assert_no_errors(&planned.diagnostics);
    let plan = env.decode(JOB, &planned.planned_state);
    let applied = env.apply(JOB, prior, &plan, config).await;
    (env.decode(JOB, &applied.new_state), applied.diagnostics)
}

fn json_of(bytes: &[u8]) -> Json {
    serde_json::from_slice(bytes).unwrap()
}

#[tokio::test]
async fn validation_names_the_attribute_and_what_is_accepted() {
    let env = Env::unconfigured(None).await;
    let valid = job(&env, PLACEHOLDER_ARN, &[]);
    assert_no_errors(&env.validate(JOB, &valid, true).await);
    let with = |extra: &[(&str, Value)]| job(&env, PLACEHOLDER_ARN, extra);
    let cases: Vec<(Value, &str, &str)> = vec![
        (with(&[("name", s("-x"))]), "name", "letters, digits"),
        (with(&[("name", s("a/b"))]), "name", "letters, digits"),
        (
            with(&[("tenant", s("http://example.com"))]),
            "tenant",
            "loopback",
        ),
        (
            with(&[("api_key_secret_arn", s("my-secret"))]),
            "api_key_secret_arn",
            "Secrets Manager secret ARN",
        ),
        (
            with(&[("bucket", s("Audit_Bucket"))]),
            "bucket",
            "lowercase",
        ),
        (with(&[("bucket", s("10.0.0.1"))]), "bucket", "IP address"),
        (with(&[("bucket", s("xn--audit"))]), "bucket", "reserves"),
        (
            with(&[("bucket", s("audit-s3alias"))]),
            "bucket",
            "reserves",
        ),
        (with(&[("prefix", s(""))]), "prefix", "must not be empty"),
        (
            with(&[("prefix", s("tines/audit"))]),
            "prefix",
            "end with '/'",
        ),
        (with(&[("prefix", s("/tines/"))]), "prefix", "leading slash"),
        (with(&[("prefix", s("tines//audit/"))]), "prefix", "'//'"),
        (with(&[("prefix", s("tines/*/"))]), "prefix", "found '*'"),
        (
            with(&[("state_key", s("state/"))]),
            "state_key",
            "not a folder",
        ),
        (
            with(&[("state_key", s("tines/audit/state.json"))]),
            "state_key",
            "lies inside prefix \"tines/audit/\"",
        ),
        (
            with(&[("job_file_key", s("tines/audit/job.json"))]),
            "job_file_key",
            "lies inside prefix",
        ),
        // The default state_key falls inside this prefix: the error points at the prefix.
        (
            with(&[("prefix", s("tinesaudit/state/"))]),
            "prefix",
            "(the default state_key) lies inside prefix",
        ),
        (
            with(&[("state_key", s("a.json")), ("job_file_key", s("a.json"))]),
            "job_file_key",
            "overwrite each other",
        ),
        (with(&[("format", s("json"))]), "format", "ndjson"),
        (with(&[("compression", s("zstd"))]), "compression", "gzip"),
        (
            with(&[("lookback_seconds", n(-1))]),
            "lookback_seconds",
            "between 0",
        ),
        (
            with(&[("lookback_seconds", n(2 * 366 * 24 * 3600 + 1))]),
            "lookback_seconds",
            "between 0",
        ),
        (
            with(&[("backfill_from", s("yesterday"))]),
            "backfill_from",
            "RFC 3339",
        ),
        (
            with(&[("backfill_from", s("2999-01-01T00:00:00Z"))]),
            "backfill_from",
            "in the future",
        ),
        (
            with(&[
                ("lookback_seconds", n(60)),
                ("backfill_from", s("2025-01-01T00:00:00Z")),
            ]),
            "backfill_from",
            "not both",
        ),
        (
            with(&[("page_size", n(0))]),
            "page_size",
            "between 1 and 500",
        ),
        (
            with(&[("page_size", n(501))]),
            "page_size",
            "between 1 and 500",
        ),
        (
            with(&[("max_pages_per_run", n(0))]),
            "max_pages_per_run",
            "between 1",
        ),
        (
            with(&[("requests_per_minute", n(100_001))]),
            "requests_per_minute",
            "between 1",
        ),
    ];
    for (config, path, message) in cases {
        let diagnostics = env.validate(JOB, &config, true).await;
        let errors = errors(&diagnostics);
        assert_eq!(errors.len(), 1, "{path}: {}", text(&diagnostics));
        assert_eq!(path_of(errors[0]), path, "{}", text(&diagnostics));
        assert!(
            text(&diagnostics).contains(message),
            "{path}: expected {message:?} in {}",
            text(&diagnostics)
        );
    }

    // Before Tines' retention: allowed, with a warning.
    let old = with(&[("backfill_from", s("2001-01-01T00:00:00Z"))]);
    let diagnostics = env.validate(JOB, &old, true).await;
    assert!(!has_errors(&diagnostics), "{}", text(&diagnostics));
    assert!(
        warnings(&diagnostics)
            .iter()
            .any(|d| d.summary.contains("retention")),
        "{}",
        text(&diagnostics)
    );

    // Unknown values are checked once known, not refused now.
    let unknown = with(&[("prefix", Value::unknown()), ("name", Value::unknown())]);
    assert_no_errors(&env.validate(JOB, &unknown, true).await);
}

#[tokio::test]
async fn plans_fill_defaults_and_change_the_hash_only_with_the_file() {
    let env = Env::with_s3().await;
    create_bucket(&env, BUCKET).await;
    let (arn, _) = key_in_secret(&env, "tenant_owner", "owner-key").await;
    let config = job(&env, &arn, &[]);

    let planned = env.plan(JOB, &Value::Null, &config).await;
    assert_no_errors(&planned.diagnostics);
    let plan = env.decode(JOB, &planned.planned_state);
    let url = format!("s3://{BUCKET}/{JOB_KEY}");
    for (name, expected) in [
        ("tenant", s(env.sim.base_url())),
        ("prefix", s("tines/audit/")),
        ("state_key", s(STATE_KEY)),
        ("job_file_key", s(JOB_KEY)),
        ("format", s("ndjson")),
        ("compression", s("none")),
        ("lookback_seconds", n(3600)),
        ("page_size", n(500)),
        ("max_pages_per_run", n(1000)),
        ("requests_per_minute", n(1000)),
        // Known before apply, so a schedule can be planned with it.
        ("id", s(&url)),
        ("job_file", s(&url)),
    ] {
        assert_eq!(attr(&plan, name), &expected, "{name}");
    }
    for name in ["content_sha256", "last_checkpoint", "lag_seconds"] {
        assert!(attr(&plan, name).is_unknown(), "{name} known on create");
    }

    let state = env.converge(JOB, &Value::Null, &config).await;
    assert_eq!(attr(&state, "last_checkpoint"), &Value::Null, "no run yet");
    assert_eq!(attr(&state, "lag_seconds"), &Value::Null);
    let hash = attr(&state, "content_sha256").clone();

    // Nothing changed: the plan is the state, hash included.
    let planned = env.plan(JOB, &state, &config).await;
    assert_eq!(env.decode(JOB, &planned.planned_state), state);

    // A changed input: the hash is unknown, the location stays known, nothing is replaced.
    let bigger = job(&env, &arn, &[("page_size", n(200))]);
    let planned = env.plan(JOB, &state, &bigger).await;
    assert_no_errors(&planned.diagnostics);
    assert!(planned.requires_replace.is_empty());
    let plan = env.decode(JOB, &planned.planned_state);
    assert!(attr(&plan, "content_sha256").is_unknown());
    assert_eq!(attr(&plan, "id"), &s(&url));
    assert_eq!(
        attr(&plan, "last_checkpoint"),
        &Value::Null,
        "the state object stays where it is"
    );

    // backfill_from instead of the default lookback.
    let backfill = job(&env, &arn, &[("backfill_from", s("2025-01-01T00:00:00Z"))]);
    let plan = env.decode(JOB, &env.plan(JOB, &state, &backfill).await.planned_state);
    assert_eq!(attr(&plan, "lookback_seconds"), &Value::Null);

    // A new name moves the default keys: a replacement.
    let renamed = job(&env, &arn, &[("name", s("other"))]);
    let planned = env.plan(JOB, &state, &renamed).await;
    let replaced: Vec<String> = planned
        .requires_replace
        .iter()
        .map(|p| format!("{p:?}"))
        .collect();
    assert!(
        replaced.iter().any(|p| p.contains("\"name\""))
            && replaced.iter().any(|p| p.contains("\"job_file_key\"")),
        "{replaced:?}"
    );

    // The runner's first run: refresh shows its checkpoint, and the plan stays empty.
    put_object(
        &env,
        STATE_KEY,
        br#"{"version":1,"position":{"created_at":"2025-03-01T10:00:00Z","delivered_ids":[7]},"window_end":null,"lease":null,"updated_at":"2025-03-01T10:01:00Z"}"#,
    )
    .await;
    let refreshed = env.refresh(JOB, &state).await;
    assert_eq!(
        attr(&refreshed, "last_checkpoint"),
        &s("2025-03-01T10:00:00Z")
    );
    let lag = attr(&refreshed, "lag_seconds")
        .as_number()
        .unwrap()
        .as_i64()
        .unwrap();
    assert!(lag > 3600, "{lag}");
    assert_eq!(attr(&refreshed, "content_sha256"), &hash);
    let planned = env.plan(JOB, &refreshed, &config).await;
    assert_eq!(
        env.decode(JOB, &planned.planned_state),
        refreshed,
        "informational attributes plan nothing"
    );
    // A change of the file keeps them: the state object has not moved.
    let plan = env.decode(JOB, &env.plan(JOB, &refreshed, &bigger).await.planned_state);
    assert_eq!(
        attr(&plan, "last_checkpoint"),
        attr(&refreshed, "last_checkpoint")
    );
    // A new state_key does not.
    let moved = job(&env, &arn, &[("state_key", s("tinesaudit/state/new.json"))]);
    let plan = env.decode(JOB, &env.plan(JOB, &refreshed, &moved).await.planned_state);
    assert!(attr(&plan, "last_checkpoint").is_unknown());
    let applied = env.apply(JOB, &refreshed, &plan, &moved).await;
    assert_no_errors(&applied.diagnostics);
    let applied = env.decode(JOB, &applied.new_state);
    assert_eq!(attr(&applied, "last_checkpoint"), &Value::Null);
}

#[tokio::test]
async fn the_job_file_is_written_read_back_restored_and_left_alone_by_destroy() {
    let env = Env::with_s3().await;
    create_bucket(&env, BUCKET).await;
    let (arn, _) = key_in_secret(&env, "tenant_owner", "owner-key").await;
    let config = job(
        &env,
        &arn,
        &[("compression", s("gzip")), ("max_pages_per_run", n(20))],
    );
    let state = env.converge(JOB, &Value::Null, &config).await;

    let written = object(&env, JOB_KEY).await.expect("the job file");
    assert_eq!(
        json_of(&written),
        json!({
            "api_key_secret_arn": arn,
            "bucket": BUCKET,
            "compression": "gzip",
            "format": "ndjson",
            "lookback_seconds": 3600,
            "max_pages": 20,
            "page_size": 500,
            "prefix": "tines/audit/",
            "requests_per_minute": 1000,
            "state_key": STATE_KEY,
            "tenant": env.sim.base_url(),
        })
    );
    let text_written = String::from_utf8(written.clone()).unwrap();
    let first_keys: Vec<&str> = text_written
        .lines()
        .filter_map(|l| l.trim().strip_prefix('"')?.split('"').next())
        .collect();
    let mut sorted = first_keys.clone();
    sorted.sort_unstable();
    assert_eq!(first_keys, sorted, "keys sorted");
    assert_eq!(
        attr(&state, "content_sha256"),
        &s(&sha256(&written)),
        "the hash of the bytes written"
    );
    assert_eq!(
        keys(&env).await,
        [JOB_KEY],
        "the write check leaves nothing under the prefix"
    );
    assert_eq!(env.refresh(JOB, &state).await, state);

    // A value edited in S3 comes back as a diff, which apply puts right.
    let mut edited = json_of(&written);
    edited["page_size"] = json!("100");
    put_object(&env, JOB_KEY, edited.to_string().as_bytes()).await;
    let refreshed = env.refresh(JOB, &state).await;
    assert_eq!(attr(&refreshed, "page_size"), &n(100));
    assert_ne!(
        attr(&refreshed, "content_sha256"),
        attr(&state, "content_sha256")
    );
    let plan = env.decode(JOB, &env.plan(JOB, &refreshed, &config).await.planned_state);
    assert_eq!(attr(&plan, "page_size"), &n(500));
    assert!(attr(&plan, "content_sha256").is_unknown());
    let restored = env.converge(JOB, &refreshed, &config).await;
    assert_eq!(restored, state, "the same file as before");
    assert_eq!(object(&env, JOB_KEY).await.unwrap(), written);

    // The same values written differently (and a key this resource does not manage): only the hash shows
    // it, and apply rewrites the file.
    let mut reformatted = json_of(&written);
    reformatted["settle_seconds"] = json!(30);
    put_object(&env, JOB_KEY, reformatted.to_string().as_bytes()).await;
    let refreshed = env.refresh(JOB, &state).await;
    assert_eq!(
        with_attr(&refreshed, "content_sha256", Value::Null),
        with_attr(&state, "content_sha256", Value::Null)
    );
    let plan = env.decode(JOB, &env.plan(JOB, &refreshed, &config).await.planned_state);
    assert!(attr(&plan, "content_sha256").is_unknown());
    assert_eq!(env.converge(JOB, &refreshed, &config).await, state);
    assert_eq!(object(&env, JOB_KEY).await.unwrap(), written);

    // Not a job file at all: a warning, and the resource is gone, so the plan writes it again.
    put_object(&env, JOB_KEY, b"{ not json").await;
    let read = env.read(JOB, &state).await;
    assert_no_errors(&read.diagnostics);
    assert_eq!(
        warnings(&read.diagnostics).len(),
        1,
        "{}",
        text(&read.diagnostics)
    );
    assert!(text(&read.diagnostics).contains("not JSON"));
    assert_eq!(env.decode(JOB, &read.new_state), Value::Null);
    assert_eq!(env.converge(JOB, &Value::Null, &config).await, state);

    // Deleted: gone.
    s3(&env)
        .delete_object()
        .bucket(BUCKET)
        .key(JOB_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(env.refresh(JOB, &state).await, Value::Null);
    let state = env.converge(JOB, &Value::Null, &config).await;

    // Import by the job file's location gives the same state back.
    let (imported, diagnostics) = env.import(JOB, &format!("s3://{BUCKET}/{JOB_KEY}")).await;
    assert_no_errors(&diagnostics);
    assert_eq!(imported, state);
    let (_, diagnostics) = env
        .import(JOB, "secops-audit/tinesaudit/jobs/secops.json")
        .await;
    assert!(
        text(&diagnostics).contains("s3://bucket/key"),
        "{}",
        text(&diagnostics)
    );

    // Destroy deletes the job file and nothing else.
    put_object(&env, STATE_KEY, b"{}").await;
    put_object(&env, "tines/audit/2025/01/01/00/records.ndjson", b"{}\n").await;
    env.converge(JOB, &state, &Value::Null).await;
    let mut left = keys(&env).await;
    left.sort();
    assert_eq!(
        left,
        ["tines/audit/2025/01/01/00/records.ndjson", STATE_KEY]
    );
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test]
async fn apply_checks_the_bucket_and_the_key_and_writes_nothing_when_they_fail() {
    let env = Env::with_s3().await;
    create_bucket(&env, BUCKET).await;
    let (reader, _) = key_in_secret(&env, "tenant_owner", "reader").await;
    let (no_grant, user_id) = key_in_secret(&env, "service", "no-grant").await;

    // No such bucket.
    let missing = job(&env, &reader, &[("bucket", s("no-such-bucket"))]);
    let (state, diagnostics) = try_converge(&env, &Value::Null, &missing).await;
    let errs = errors(&diagnostics);
    assert_eq!(errs.len(), 1, "{}", text(&diagnostics));
    assert_eq!(path_of(errs[0]), "bucket");
    assert_eq!(errs[0].summary, "S3 bucket not found");
    assert!(
        errs[0].detail.contains("no-such-bucket"),
        "{}",
        errs[0].detail
    );
    assert_eq!(state, Value::Null, "nothing recorded");

    // A key whose user may not read audit logs, then the same once granted.
    let config = job(&env, &no_grant, &[]);
    let (state, diagnostics) = try_converge(&env, &Value::Null, &config).await;
    let errs = errors(&diagnostics);
    assert_eq!(errs.len(), 1, "{}", text(&diagnostics));
    assert_eq!(path_of(errs[0]), "api_key_secret_arn");
    assert!(
        errs[0].detail.contains("AUDIT_LOG_READ"),
        "{}",
        errs[0].detail
    );
    assert_eq!(state, Value::Null);
    assert_eq!(object(&env, JOB_KEY).await, None, "no job file written");
    env.set_permissions_behind_terraforms_back(user_id, &["AUDIT_LOG_READ"])
        .await;
    env.converge(JOB, &Value::Null, &config).await;

    // A secret that does not exist, and a revoked key; both problems of one apply are reported.
    let gone = PLACEHOLDER_ARN.replace("k-AbCdEf", "gone-AbCdEf");
    let both = job(
        &env,
        &gone,
        &[("bucket", s("no-such-bucket")), ("name", s("both"))],
    );
    let (_, diagnostics) = try_converge(&env, &Value::Null, &both).await;
    let mut paths: Vec<String> = errors(&diagnostics).into_iter().map(path_of).collect();
    paths.sort();
    assert_eq!(
        paths,
        ["api_key_secret_arn", "bucket"],
        "{}",
        text(&diagnostics)
    );
    assert!(text(&diagnostics).contains("no readable secret"));

    let (key_id, token, _) = env.new_key("tenant_owner", "revoked").await;
    let revoked = secrets_client(&env)
        .create_secret()
        .name("revoked")
        .secret_string(&token)
        .send()
        .await
        .unwrap()
        .arn()
        .unwrap()
        .to_owned();
    env.control("DELETE", &format!("/_sim/keys/{key_id}"), None)
        .await;
    let (_, diagnostics) = try_converge(
        &env,
        &Value::Null,
        &job(&env, &revoked, &[("name", s("revoked"))]),
    )
    .await;
    assert_eq!(
        errors(&diagnostics)[0].summary,
        "Tines rejected the API key"
    );
    assert!(!text(&diagnostics).contains(&token), "the key never shows");
}

#[tokio::test]
async fn the_reader_policy_lists_and_reads_the_prefix() {
    let env = Env::unconfigured(None).await;
    let policy = "tinesaudit_secops_reader_policy";
    let (state, diagnostics) = env
        .read_data(policy, &env.data_source(policy, &[("bucket", s(BUCKET))]))
        .await;
    assert_no_errors(&diagnostics);
    assert_eq!(
        state.attribute("s3_uri"),
        Some(&s("s3://secops-audit/tines/audit/"))
    );
    let document = state
        .attribute("json")
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        json_of(document.as_bytes()),
        json!({
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "ListFeedPrefix",
                    "Effect": "Allow",
                    "Action": "s3:ListBucket",
                    "Resource": "arn:aws:s3:::secops-audit",
                    "Condition": {"StringLike": {"s3:prefix": "tines/audit/*"}}
                },
                {
                    "Sid": "ReadFeedObjects",
                    "Effect": "Allow",
                    "Action": "s3:GetObject",
                    "Resource": "arn:aws:s3:::secops-audit/tines/audit/*"
                }
            ]
        })
    );
    // The same input, the same bytes.
    let (again, _) = env
        .read_data(policy, &env.data_source(policy, &[("bucket", s(BUCKET))]))
        .await;
    assert_eq!(again.attribute("json"), state.attribute("json"));

    let key = "arn:aws:kms:us-east-1:123456789012:key/mrk-1234abcd";
    let (state, diagnostics) = env
        .read_data(
            policy,
            &env.data_source(
                policy,
                &[
                    ("bucket", s(BUCKET)),
                    ("prefix", s("logs/tines/")),
                    ("kms_key_arn", s(key)),
                    ("allow_source_deletion", crate::b(true)),
                ],
            ),
        )
        .await;
    assert_no_errors(&diagnostics);
    let document = json_of(
        state
            .attribute("json")
            .unwrap()
            .as_str()
            .unwrap()
            .as_bytes(),
    );
    assert_eq!(
        document["Statement"][1],
        json!({
            "Sid": "ReadFeedObjects",
            "Effect": "Allow",
            "Action": ["s3:DeleteObject", "s3:GetObject"],
            "Resource": "arn:aws:s3:::secops-audit/logs/tines/*"
        })
    );
    assert_eq!(document["Statement"][2]["Resource"], key);

    for (attrs, path) in [
        (vec![("bucket", s("Bad"))], "bucket"),
        (
            vec![("bucket", s(BUCKET)), ("prefix", s("tines"))],
            "prefix",
        ),
        (
            vec![
                ("bucket", s(BUCKET)),
                (
                    "kms_key_arn",
                    s("arn:aws:kms:us-east-1:123456789012:alias/audit"),
                ),
            ],
            "kms_key_arn",
        ),
    ] {
        let (_, diagnostics) = env
            .read_data(policy, &env.data_source(policy, &attrs))
            .await;
        let errs = errors(&diagnostics);
        assert_eq!(errs.len(), 1, "{}", text(&diagnostics));
        assert_eq!(path_of(errs[0]), path);
    }
}

#[tokio::test]
async fn without_tines_in_the_provider_block_a_job_names_its_tenant_and_its_key_is_still_checked() {
    let env = Env::with_s3().await;
    create_bucket(&env, BUCKET).await;
    let (granted, _) = key_in_secret(&env, "tenant_owner", "pipeline-key").await;
    let (no_grant, _) = key_in_secret(&env, "service", "no-grant").await;
    env.configure_ok(&[("tenant", Value::Null), ("api_key", Value::Null)])
        .await;

    let planned = env.plan(JOB, &Value::Null, &job(&env, &granted, &[])).await;
    let errs = errors(&planned.diagnostics);
    assert_eq!(errs.len(), 1, "{}", text(&planned.diagnostics));
    assert_eq!(path_of(errs[0]), "tenant");
    assert!(
        errs[0].detail.contains("names no tenant"),
        "{}",
        errs[0].detail
    );

    let tenant = ("tenant", s(env.sim.base_url()));
    let refused = job(&env, &no_grant, std::slice::from_ref(&tenant));
    let (state, diagnostics) = try_converge(&env, &Value::Null, &refused).await;
    let errs = errors(&diagnostics);
    assert_eq!(errs.len(), 1, "{}", text(&diagnostics));
    assert_eq!(path_of(errs[0]), "api_key_secret_arn");
    assert_eq!(state, Value::Null);

    env.converge(JOB, &Value::Null, &job(&env, &granted, &[tenant]))
        .await;
    assert!(
        object(&env, JOB_KEY).await.is_some(),
        "the job file is written"
    );
}

#[tokio::test]
async fn a_second_job_on_the_same_job_file_is_refused_and_leaves_it_alone() {
    let env = Env::with_s3().await;
    create_bucket(&env, BUCKET).await;
    let (arn, _) = key_in_secret(&env, "tenant_owner", "pipeline-key").await;
    env.converge(JOB, &Value::Null, &job(&env, &arn, &[])).await;
    let first = object(&env, JOB_KEY).await.expect("the first job's file");

    let second = job(
        &env,
        &arn,
        &[
            ("name", s("second")),
            ("job_file_key", s(JOB_KEY)),
            ("prefix", s("second/")),
            ("state_key", s("state/second.json")),
        ],
    );
    let (state, diagnostics) = try_converge(&env, &Value::Null, &second).await;
    let errs = errors(&diagnostics);
    assert_eq!(errs.len(), 1, "{}", text(&diagnostics));
    assert_eq!(path_of(errs[0]), "job_file_key");
    assert!(
        errs[0].detail.contains("ingestion job \"secops\""),
        "{}",
        errs[0].detail
    );
    assert_eq!(state, Value::Null);
    assert_eq!(
        object(&env, JOB_KEY).await,
        Some(first),
        "the first job's file is untouched"
    );

    // A job file written by hand carries no job's name: a create takes it over.
    put_object(&env, "tinesaudit/jobs/by-hand.json", b"{}").await;
    env.converge(
        JOB,
        &Value::Null,
        &job(&env, &arn, &[("name", s("by-hand"))]),
    )
    .await;
}

#[tokio::test]
async fn moving_a_job_to_another_tenant_warns_while_it_keeps_its_state_key() {
    let env = Env::with_s3().await;
    create_bucket(&env, BUCKET).await;
    let (arn, _) = key_in_secret(&env, "tenant_owner", "pipeline-key").await;
    let state = env.converge(JOB, &Value::Null, &job(&env, &arn, &[])).await;

    let moved = job(&env, &arn, &[("tenant", s("https://other.tines.com"))]);
    let planned = env.plan(JOB, &state, &moved).await;
    assert_no_errors(&planned.diagnostics);
    let warned = warnings(&planned.diagnostics);
    assert_eq!(warned.len(), 1, "{}", text(&planned.diagnostics));
    assert_eq!(path_of(warned[0]), "tenant");
    assert!(warned[0].detail.contains(STATE_KEY), "{}", warned[0].detail);

    let with_own_state = job(
        &env,
        &arn,
        &[
            ("tenant", s("https://other.tines.com")),
            ("state_key", s("tinesaudit/state/other.json")),
        ],
    );
    let planned = env.plan(JOB, &state, &with_own_state).await;
    assert!(
        planned.diagnostics.is_empty(),
        "{}",
        text(&planned.diagnostics)
    );
}

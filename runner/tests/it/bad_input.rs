//! Bad input, as a table: every row is something a careless or hostile operator, a broken proxy
//! or a bad day at S3 gives the runner, and what the runner says about it, word for word.
//!
//! Every row runs the real binary at `RUST_LOG=trace` against a world that already holds a
//! delivered sync, and asserts: the exit code; the message, which names the field or the
//! answer that was wrong and what is accepted; no panic; no data object written or changed;
//! the state object byte for byte as before; and neither the Tines key nor the AWS secret key
//! anywhere in stdout or stderr.
//!
//! The table is also a section of `docs/bad-input.md`, rendered from the rows below. The test
//! fails when the page differs; `TINESAUDIT_UPDATE_DOCS=1` rewrites that section.

use std::path::Path;

use serde_json::Value;
use tinesaudit_testkit::{AwsFaults, FaultProxy, LostAnswer, ScratchDir};

use crate::support::{BUCKET, STATE_KEY, World};

/// What a row changes around the run, besides its flags and environment.
enum Setup {
    Nothing,
    /// Replaces the simulator's faults (the control API's JSON array).
    Tines(&'static str),
    /// Puts these bytes at `STATE_KEY` first.
    State(&'static str),
    /// Writes this job file and passes it with `--job`.
    JobFile(&'static str),
    /// Sends S3 requests through a fault proxy that answers every request 503 SlowDown.
    S3SlowDown,
    /// Sends S3 requests through a fault proxy that answers every read of the state object 500.
    S3StateReadFails,
}

struct Row {
    /// The input, as the docs show it.
    input: &'static str,
    setup: Setup,
    args: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
    code: i32,
    /// Part of stderr, exact: what the runner says.
    says: &'static str,
}

const fn row(
    input: &'static str,
    args: &'static [&'static str],
    code: i32,
    says: &'static str,
) -> Row {
    Row {
        input,
        setup: Setup::Nothing,
        args,
        env: &[],
        code,
        says,
    }
}

const SYNC: &[&str] = &["sync"];

/// A server that ignores `page`: every page is page 1, which claims more pages than any tenant has.
const ENDLESS: &str = r#"[{"kind": "body", "body": "{\"audit_logs\": [{\"id\": 1, \"created_at\": \"2024-05-01T00:00:01Z\"}, {\"id\": 2, \"created_at\": \"2024-05-01T00:00:02Z\"}], \"meta\": {\"pages\": 18446744073709551615, \"per_page\": 2}}"}]"#;

fn rows() -> Vec<Row> {
    let env = |input, env, code, says| Row {
        env,
        ..row(input, SYNC, code, says)
    };
    let with = |input, setup, code, says| Row {
        setup,
        // No retries: the answer is the same every time, and a row's time is the suite's.
        env: &[("HTTP_RETRIES", "0"), ("AWS_MAX_ATTEMPTS", "1")],
        ..row(input, SYNC, code, says)
    };
    vec![
        // Environment variables.
        env(
            "`S3_BUCKET` unset",
            &[("S3_BUCKET", "")],
            2,
            "configuration refused: environment variable S3_BUCKET: no S3 bucket given; set S3_BUCKET or the job file key \"bucket\"",
        ),
        env(
            "`S3_BUCKET=My_Bucket`",
            &[("S3_BUCKET", "My_Bucket")],
            2,
            "environment variable S3_BUCKET: 'My_Bucket' is not a valid S3 bucket name; use 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit",
        ),
        env(
            "`S3_PREFIX=/audit/`",
            &[("S3_PREFIX", "/audit/")],
            2,
            "environment variable S3_PREFIX: '/audit/' is not accepted; use a non-empty key prefix ending in '/' and not starting with '/', e.g. tines/audit/",
        ),
        env(
            "`S3_PREFIX=audit` (no slash)",
            &[("S3_PREFIX", "audit")],
            2,
            "environment variable S3_PREFIX: 'audit' is not accepted; use a non-empty key prefix ending in '/'",
        ),
        env(
            "`STATE_KEY=tines/audit/state.json` (inside the prefix)",
            &[("STATE_KEY", "tines/audit/state.json")],
            2,
            "environment variable STATE_KEY: 'tines/audit/state.json' lies inside the data prefix 'tines/audit/'. The SecOps feed reading that prefix would ingest the state object",
        ),
        env(
            "`STATE_KEY=tines/state/` (a folder)",
            &[("STATE_KEY", "tines/state/")],
            2,
            "environment variable STATE_KEY: 'tines/state/' is not accepted; use an object key such as tines/state/audit.json",
        ),
        env(
            "`TINES_BASE_URL` unset",
            &[("TINES_BASE_URL", "")],
            2,
            "environment variable TINES_BASE_URL: no Tines tenant URL given; set TINES_BASE_URL or the job file key \"tenant\"",
        ),
        env(
            "`TINES_API_KEY` unset, no `TINES_API_KEY_SECRET_ARN`",
            &[("TINES_API_KEY", "")],
            2,
            "no Tines API key given; set TINES_API_KEY or TINES_API_KEY_SECRET_ARN",
        ),
        env(
            "`TINES_API_KEY_SECRET_ARN=tines-key` (a name, not an ARN)",
            &[
                ("TINES_API_KEY", ""),
                ("TINES_API_KEY_SECRET_ARN", "tines-key"),
            ],
            2,
            "environment variable TINES_API_KEY_SECRET_ARN: 'tines-key' is not a Secrets Manager secret ARN (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME)",
        ),
        env(
            "`PAGE_SIZE=0`",
            &[("PAGE_SIZE", "0")],
            2,
            "environment variable PAGE_SIZE: '0' is not accepted; use a whole number in 1..=500",
        ),
        env(
            "`PAGE_SIZE=1000` (above Tines' 500)",
            &[("PAGE_SIZE", "1000")],
            2,
            "environment variable PAGE_SIZE: '1000' is not accepted; use a whole number in 1..=500",
        ),
        env(
            "`MAX_PAGES=-1`",
            &[("MAX_PAGES", "-1")],
            2,
            "environment variable MAX_PAGES: '-1' is not accepted; use a whole number in 1..=1000000",
        ),
        env(
            "`LOOKBACK_SECONDS=1h`",
            &[("LOOKBACK_SECONDS", "1h")],
            2,
            "environment variable LOOKBACK_SECONDS: '1h' is not accepted; use a whole number in 0..=63244800",
        ),
        env(
            "`HTTP_TIMEOUT=0`",
            &[("HTTP_TIMEOUT", "0")],
            2,
            "environment variable HTTP_TIMEOUT: '0' is not accepted; use seconds between 0.1 and 900",
        ),
        env(
            "`HTTP_RETRIES=100`",
            &[("HTTP_RETRIES", "100")],
            2,
            "environment variable HTTP_RETRIES: '100' is not accepted; use a whole number in 0..=20",
        ),
        env(
            "`SETTLE_SECONDS=7200`",
            &[("SETTLE_SECONDS", "7200")],
            2,
            "environment variable SETTLE_SECONDS: '7200' is not accepted; use a whole number in 0..=3600",
        ),
        env(
            "`FORMAT=csv`",
            &[("FORMAT", "csv")],
            2,
            "environment variable FORMAT: 'csv' is not accepted; use one of: ndjson, raw_page",
        ),
        env(
            "`COMPRESSION=zip`",
            &[("COMPRESSION", "zip")],
            2,
            "environment variable COMPRESSION: 'zip' is not accepted; use one of: none, gzip",
        ),
        env(
            "`S3_FORCE_PATH_STYLE=yes`",
            &[("S3_FORCE_PATH_STYLE", "yes")],
            2,
            "environment variable S3_FORCE_PATH_STYLE: 'yes' is not accepted; use one of: false, true, 0, 1",
        ),
        env(
            "`BACKFILL_FROM=\"last week\"`",
            &[("BACKFILL_FROM", "last week")],
            2,
            "environment variable BACKFILL_FROM: 'last week': expected an RFC 3339 time such as 2024-05-01T00:00:00Z",
        ),
        // Flags.
        row(
            "`sync --page-size 0`",
            &["sync", "--page-size", "0"],
            2,
            "--page-size: '0' is not accepted; use a whole number in 1..=500",
        ),
        row(
            "`sync --bucket`",
            &["sync", "--bucket"],
            2,
            "error: a value is required for '--bucket <BUCKET>' but none was supplied",
        ),
        row(
            "`sync --frmo 2024-05-01T00:00:00Z` (a misspelt flag)",
            &["sync", "--frmo", "2024-05-01T00:00:00Z"],
            2,
            "error: unexpected argument '--frmo' found",
        ),
        row(
            "`backfill --from yesterday`",
            &["backfill", "--from", "yesterday"],
            2,
            "error: invalid value 'yesterday' for '--from <FROM>': expected an RFC 3339 time such as 2024-05-01T00:00:00Z",
        ),
        row(
            "`backfill --from 2099-01-01T00:00:00Z`",
            &["backfill", "--from", "2099-01-01T00:00:00Z"],
            2,
            "window refused: --from 2099-01-01T00:00:00Z is in the future",
        ),
        row(
            "`verify --from 2024-05-02T00:00:00Z --to 2024-05-01T00:00:00Z`",
            &[
                "verify",
                "--from",
                "2024-05-02T00:00:00Z",
                "--to",
                "2024-05-01T00:00:00Z",
            ],
            2,
            "window refused: --from 2024-05-02T00:00:00Z is not before --to 2024-05-01T00:00:00Z",
        ),
        // Job files.
        Row {
            setup: Setup::JobFile("bucket = \"audit\""),
            ..row(
                "a job file that is not JSON (`bucket = \"audit\"`)",
                SYNC,
                2,
                "cannot read the job file",
            )
        },
        Row {
            setup: Setup::JobFile("[\"audit-bucket\"]"),
            ..row(
                "a job file holding a JSON array",
                SYNC,
                2,
                "must be a JSON object",
            )
        },
        Row {
            setup: Setup::JobFile("{\"buckt\": \"audit-bucket\"}"),
            ..row(
                "a job file key misspelt (`\"buckt\"`)",
                SYNC,
                2,
                "unknown key \"buckt\"; accepted: ",
            )
        },
        Row {
            setup: Setup::JobFile("{\"page_size\": 0}"),
            ..row(
                "job file `\"page_size\": 0`",
                SYNC,
                2,
                "job file key \"page_size\": '0' is not accepted; use a whole number in 1..=500",
            )
        },
        Row {
            setup: Setup::JobFile("{\"prefix\": {\"path\": \"tines/\"}}"),
            ..row(
                "job file `\"prefix\"` holding an object",
                SYNC,
                2,
                "job file key \"prefix\": must be a string, number or boolean",
            )
        },
        row(
            "`--job /nonexistent/job.json`",
            &["sync", "--job", "/nonexistent/job.json"],
            2,
            "cannot read the job file /nonexistent/job.json",
        ),
        // The state object.
        Row {
            setup: Setup::State("{\"since\": \"2024-05-01T00:00:00Z\"}"),
            ..row(
                "the reference Lambda's `state.json` at `STATE_KEY`",
                SYNC,
                1,
                "is not a valid tinesaudit state: unknown field `since`, expected one of `version`, `position`, `window_end`, `lease`, `updated_at`, `tenant`, `backfill` at line 1 column 8. It looks like the reference Lambda's state ({\"since\": \"2024-05-01T00:00:00Z\"}), which this runner does not continue: give the runner a STATE_KEY of its own",
            )
        },
        Row {
            setup: Setup::State("\u{1f}\u{8b}\u{8}garbage"),
            ..row(
                "a state object that is not JSON",
                SYNC,
                1,
                "is not a valid tinesaudit state: expected value at line 1 column 1. Restore an earlier version of the object if the bucket keeps versions",
            )
        },
        Row {
            setup: Setup::State("{\"version\": 99}"),
            ..row(
                "a state object of a later version (`\"version\": 99`)",
                SYNC,
                1,
                "is not a valid tinesaudit state: ",
            )
        },
        Row {
            setup: Setup::State("[1, 2, 3]"),
            ..row(
                "a state object holding a JSON array",
                SYNC,
                1,
                "is not a valid tinesaudit state: invalid type: integer `2`, expected struct Position at line 1 column 5. Restore an earlier version of the object",
            )
        },
        // Tines answers.
        with(
            "Tines answers 200 with an HTML page (a login wall)",
            Setup::Tines(r#"[{"kind": "html_page", "status": 200}]"#),
            1,
            "invalid response (HTTP 200): expected JSON, got an HTML page (Content-Type: text/html; charset=utf-8): \"200 OK\"",
        ),
        with(
            "Tines answers 200 with an empty body",
            Setup::Tines(r#"[{"kind": "empty_body"}]"#),
            1,
            "invalid response (HTTP 200): expected JSON, got an empty body",
        ),
        with(
            "Tines answers 200 with JSON cut in half",
            Setup::Tines(r#"[{"kind": "truncate"}]"#),
            1,
            "invalid response (HTTP 200): the audit-log page is not the expected JSON: EOF while parsing",
        ),
        with(
            "`audit_logs` is an object, not a list",
            Setup::Tines(
                r#"[{"kind": "body", "body": "{\"audit_logs\": {\"id\": 1}, \"meta\": {}}"}]"#,
            ),
            1,
            "the audit-log page is not the expected JSON: invalid type: map, expected a sequence",
        ),
        with(
            "no `audit_logs` at all (`{\"data\": []}`)",
            Setup::Tines(r#"[{"kind": "body", "body": "{\"data\": []}"}]"#),
            1,
            "the audit-log page is not the expected JSON: missing field `audit_logs`",
        ),
        with(
            "a record's `id` is a string",
            Setup::Tines(
                r#"[{"kind": "body", "body": "{\"audit_logs\": [{\"id\": \"7\", \"created_at\": \"2024-05-01T00:00:00Z\"}], \"meta\": {\"pages\": 1}}"}]"#,
            ),
            1,
            "audit-log record 0 of the page lacks a usable id or created_at: invalid type: string \"7\", expected u64",
        ),
        with(
            "a record's `created_at` is not RFC 3339",
            Setup::Tines(
                r#"[{"kind": "body", "body": "{\"audit_logs\": [{\"id\": 7, \"created_at\": \"05/01/2024\"}]}"}]"#,
            ),
            1,
            "audit-log record 7 has created_at \"05/01/2024\", which is not an RFC 3339 timestamp",
        ),
        with(
            "a page sorted neither way",
            Setup::Tines(
                r#"[{"kind": "body", "body": "{\"audit_logs\": [{\"id\": 1, \"created_at\": \"2024-05-01T00:00:01Z\"}, {\"id\": 3, \"created_at\": \"2024-05-01T00:00:03Z\"}, {\"id\": 2, \"created_at\": \"2024-05-01T00:00:02Z\"}]}"}]"#,
            ),
            1,
            "Tines returned audit logs that are not sorted by created_at on page 1; stopping rather than guessing which records were seen",
        ),
        with(
            "endless pagination: every page the same records, and `meta.pages` 18446744073709551615",
            Setup::Tines(ENDLESS),
            1,
            "Tines answered page 2 with the records of page 1 (ids 1 to 2): it ignores the page parameter, so paging would never end; stopping before writing anything of this window",
        ),
        with(
            "Tines answers 503 with an HTML page (a proxy)",
            Setup::Tines(r#"[{"kind": "html_page", "status": 503}]"#),
            1,
            "server error (HTTP 503): an HTML page (Content-Type: text/html; charset=utf-8): \"503 Service Unavailable\"",
        ),
        with(
            "Tines answers 429 however long the runner waits",
            Setup::Tines(r#"[{"kind": "rate_limit", "retry_after_seconds": 1}]"#),
            1,
            "rate limited (HTTP 429)",
        ),
        Row {
            env: &[
                ("HTTP_RETRIES", "0"),
                ("TINES_API_KEY", "tk_live_REVOKED_0000"),
            ],
            ..with(
                "an API key Tines does not know",
                Setup::Nothing,
                1,
                "unauthorized (API key unknown, revoked or deactivated) (HTTP 401)",
            )
        },
        // S3.
        Row {
            env: &[
                ("AWS_MAX_ATTEMPTS", "1"),
                ("AWS_SECRET_ACCESS_KEY", "not-the-secret-key-0000"),
            ],
            ..with(
                "a wrong AWS secret key (S3 answers 403)",
                Setup::Nothing,
                1,
                "S3 GetObject of s3://audit-bucket/tines/state/audit.json failed: SignatureDoesNotMatch",
            )
        },
        Row {
            env: &[
                ("AWS_MAX_ATTEMPTS", "1"),
                ("S3_BUCKET", "no-such-bucket-here"),
            ],
            ..with(
                "a bucket that does not exist (S3 answers 404)",
                Setup::Nothing,
                1,
                "NoSuchBucket",
            )
        },
        with(
            "S3 answers every request 503 SlowDown",
            Setup::S3SlowDown,
            1,
            "SlowDown",
        ),
        with(
            "S3 answers 500 to every read of the state object",
            Setup::S3StateReadFails,
            1,
            "S3 GetObject of s3://audit-bucket/tines/state/audit.json failed: InternalError",
        ),
    ]
}

/// A row's run ends long before this; one that does not is a hang, and fails the row.
const ROW_TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(30);

/// What a row ran into: its own output, and the secrets that must not be in it.
struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
}

async fn run_row(world: &World, row: &Row, scratch: &Path) -> Outcome {
    let mut env: Vec<(&str, String)> = vec![("RUST_LOG", "trace".to_owned())];
    let mut args: Vec<String> = row.args.iter().map(|a| (*a).to_owned()).collect();
    let mut proxy = None;
    match &row.setup {
        Setup::Nothing => {}
        Setup::Tines(faults) => {
            let faults: Value = serde_json::from_str(faults).expect("a row's faults are JSON");
            world.set_faults(faults).await;
        }
        Setup::State(bytes) => {
            world
                .s3
                .put_object()
                .bucket(BUCKET)
                .key(STATE_KEY)
                .body(bytes.as_bytes().to_vec().into())
                .send()
                .await
                .unwrap();
        }
        Setup::JobFile(text) => {
            let path = scratch.join("job.json");
            std::fs::write(&path, text).unwrap();
            args.extend(["--job".to_owned(), path.display().to_string()]);
        }
        Setup::S3SlowDown => {
            let started = FaultProxy::start_aws(
                world.s3_server.endpoint_url(),
                AwsFaults {
                    throttle_ratio: 1.0,
                    ..AwsFaults::default()
                },
            )
            .await
            .unwrap();
            env.push(("AWS_ENDPOINT_URL", started.endpoint_url()));
            proxy = Some(started);
        }
        Setup::S3StateReadFails => {
            let started = FaultProxy::start(world.s3_server.endpoint_url())
                .await
                .unwrap();
            started.lose_answers("GET", STATE_KEY, u32::MAX, LostAnswer::ServerError);
            env.push(("AWS_ENDPOINT_URL", started.endpoint_url()));
            proxy = Some(started);
        }
    }
    let mut all_env: Vec<(&str, &str)> = row.env.to_vec();
    all_env.extend(env.iter().map(|(k, v)| (*k, v.as_str())));
    let mut command = world.runner(&all_env);
    for (name, value) in row.env {
        if value.is_empty() {
            command.env_remove(name);
        }
    }
    let output = tokio::time::timeout(
        ROW_TIME_LIMIT,
        command.args(&args).kill_on_drop(true).output(),
    )
    .await;
    drop(proxy);
    if matches!(row.setup, Setup::Tines(_)) {
        world.clear_faults().await;
    }
    match output {
        Ok(output) => {
            let output = output.expect("runner starts");
            Outcome {
                code: output.status.code().unwrap_or(-1),
                stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            }
        }
        Err(_) => Outcome {
            code: -1,
            stdout: String::new(),
            stderr: format!("(still running after {ROW_TIME_LIMIT:?}, killed)"),
        },
    }
}

async fn state_bytes(world: &World) -> Option<Vec<u8>> {
    let object = world
        .s3
        .get_object()
        .bucket(BUCKET)
        .key(STATE_KEY)
        .send()
        .await
        .ok()?;
    Some(object.body.collect().await.unwrap().to_vec())
}

/// The state object without what every run writes before it reads Tines (its lease, the end of
/// the window it froze, the time it wrote): the checkpoint, that is the position and its tenant.
fn checkpoint(state: &[u8]) -> Option<Value> {
    let mut state: Value = serde_json::from_slice(state).ok()?;
    let object = state.as_object_mut()?;
    for written_by_every_run in ["lease", "window_end", "updated_at"] {
        object.remove(written_by_every_run);
    }
    Some(state)
}

/// The rows as the docs page shows them.
fn rendered(rows: &[Row]) -> String {
    let mut text = String::from(
        "| input | command | exit | what the runner says (exact, at any log level) |\n|---|---|---|---|\n",
    );
    for row in rows {
        let job = if matches!(row.setup, Setup::JobFile(_)) {
            " --job FILE"
        } else {
            ""
        };
        let cell = |text: &str| text.replace('|', "\\|");
        text.push_str(&format!(
            "| {} | `{}{job}` | {} | {} |\n",
            cell(row.input),
            row.args.join(" "),
            row.code,
            cell(&format!("`{}`", row.says.replace('`', "'"))),
        ));
    }
    text
}

const DOCS_START: &str = "<!-- runner table: rendered by runner/tests/it/bad_input.rs -->\n";
const DOCS_END: &str = "<!-- end of runner table -->\n";

fn check_docs(rows: &[Row]) -> Result<(), String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/bad-input.md");
    let page = std::fs::read_to_string(&path).unwrap();
    let (before, rest) = page
        .split_once(DOCS_START)
        .ok_or_else(|| format!("{} has no line {DOCS_START:?}", path.display()))?;
    let (current, after) = rest
        .split_once(DOCS_END)
        .ok_or_else(|| format!("{} has no line {DOCS_END:?}", path.display()))?;
    let table = rendered(rows);
    if current == table {
        return Ok(());
    }
    if std::env::var_os("TINESAUDIT_UPDATE_DOCS").is_some() {
        std::fs::write(
            &path,
            format!("{before}{DOCS_START}{table}{DOCS_END}{after}"),
        )
        .unwrap();
        return Ok(());
    }
    Err(format!(
        "docs/bad-input.md's runner table differs from the rows; rerun with TINESAUDIT_UPDATE_DOCS=1 to rewrite it:\n{table}"
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_input_in_the_table_is_refused_as_documented_with_nothing_written() {
    let rows = rows();
    check_docs(&rows).unwrap();
    let world = World::start().await;
    world.seed(40, 3_000, 60).await;
    let delivered = world.sync(&[]).await;
    assert_eq!(delivered.code, 0, "{}", delivered.stderr);
    let objects = world.objects().await;
    assert!(!objects.is_empty());
    let state = state_bytes(&world).await.expect("the sync wrote its state");
    let scratch = ScratchDir::new("bad-input").unwrap();
    let secrets = [world.key.clone(), world.s3_server.secret_key().to_owned()];

    let mut failures = Vec::new();
    for row in &rows {
        let started = std::time::Instant::now();
        let outcome = run_row(&world, row, scratch.path()).await;
        eprintln!("{:>6.2} s  {}", started.elapsed().as_secs_f64(), row.input);
        let mut wrong = Vec::new();
        if outcome.code != row.code {
            wrong.push(format!("exit {} instead of {}", outcome.code, row.code));
        }
        if !outcome.stderr.contains(row.says) {
            wrong.push(format!("stderr lacks {:?}", row.says));
        }
        let output = format!("{}{}", outcome.stdout, outcome.stderr);
        if output.contains("panicked") {
            wrong.push("a panic".to_owned());
        }
        for secret in &secrets {
            if output.contains(secret.as_str()) {
                wrong.push("a secret in the output".to_owned());
            }
        }
        if world.objects().await != objects {
            wrong.push("the data objects changed".to_owned());
        }
        let now = state_bytes(&world).await.unwrap_or_default();
        let unchanged = match row.setup {
            // Never read as a state, so never written.
            Setup::State(bytes) => now == bytes.as_bytes(),
            _ => checkpoint(&now) == checkpoint(&state),
        };
        if !unchanged {
            wrong.push(format!(
                "the checkpoint changed: {}",
                String::from_utf8_lossy(&now)
            ));
        }
        if let Setup::State(_) = row.setup {
            world
                .s3
                .put_object()
                .bucket(BUCKET)
                .key(STATE_KEY)
                .body(state.clone().into())
                .send()
                .await
                .unwrap();
        }
        if !wrong.is_empty() {
            let tail: Vec<&str> = outcome.stderr.lines().rev().take(3).collect();
            failures.push(format!(
                "{}: {}\n    last lines of stderr: {tail:?}",
                row.input,
                wrong.join("; ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}

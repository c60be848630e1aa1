//! A world for runner tests: the Tines simulator in-process, SeaweedFS as S3, and the real
//! `tinesaudit-runner` binary run as a child process with the reference's environment variables.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Stdio;

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use tines_client::AuditLogPage;
use tines_sim::{Behaviour, RunningSimulator};
use tinesaudit_testkit::S3Server;

pub const BUCKET: &str = "audit-bucket";
pub const PREFIX: &str = "tines/audit/";
pub const STATE_KEY: &str = "tines/state/audit.json";

pub struct World {
    pub sim: RunningSimulator,
    pub s3_server: S3Server,
    pub s3: aws_sdk_s3::Client,
    pub http: reqwest::Client,
    pub key: String,
}

/// The result of one runner process.
pub struct Run {
    pub code: i32,
    pub summary: Value,
    pub stderr: String,
    pub stdout: String,
}

impl World {
    pub async fn start() -> World {
        Self::with(Behaviour::default()).await
    }

    pub async fn with(behaviour: Behaviour) -> World {
        let sim = tines_sim::spawn(behaviour).await.expect("simulator starts");
        let s3_server = tokio::task::spawn_blocking(S3Server::start)
            .await
            .unwrap()
            .expect("SeaweedFS starts (run `cargo xtask tools` first)");
        let s3 = s3_server.client();
        s3_server
            .create_bucket(BUCKET)
            .await
            .expect("bucket created");
        let http = reqwest::Client::new();
        let world = World {
            sim,
            s3_server,
            s3,
            http,
            key: String::new(),
        };
        let key = world
            .control(
                "POST",
                "/_sim/keys",
                json!({"kind": "tenant_owner", "name": "pipeline", "token": "tk_live_SECRET_4f1e"}),
            )
            .await;
        World {
            key: key["token"].as_str().unwrap().to_owned(),
            ..world
        }
    }

    pub async fn control(&self, method: &str, path: &str, body: Value) -> Value {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let response = self
            .http
            .request(method, format!("{}{path}", self.sim.base_url()))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.unwrap_or(Value::Null)
    }

    /// Seeds `count` records spread over the seconds `from_ago..to_ago` before now.
    /// Replaces the simulator's faults with `faults` (a JSON array of the control API's fault objects).
    pub async fn set_faults(&self, faults: Value) {
        self.control("PUT", "/_sim/faults", faults).await;
    }

    pub async fn clear_faults(&self) {
        self.control("DELETE", "/_sim/faults", json!(null)).await;
    }

    pub async fn seed(&self, count: u64, from_ago: i64, to_ago: i64) {
        let now = Timestamp::now();
        let from = now - SignedDuration::from_secs(from_ago);
        let to = now - SignedDuration::from_secs(to_ago);
        self.control(
            "POST",
            "/_sim/events",
            json!({"count": count, "from": from, "to": to}),
        )
        .await;
    }

    /// Seeds `count` records all in one second.
    pub async fn seed_at(&self, count: u64, at: Timestamp) {
        self.control(
            "POST",
            "/_sim/events",
            json!({"count": count, "from": at, "to": at}),
        )
        .await;
    }

    pub fn runner(&self, env: &[(&str, &str)]) -> tokio::process::Command {
        self.command(Path::new(env!("CARGO_BIN_EXE_tinesaudit-runner")), env)
    }

    /// `program` (the runner, or a link to it) with this world's environment and `env` on top.
    pub fn command(&self, program: &Path, env: &[(&str, &str)]) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(program);
        command
            .env_clear()
            .env("S3_BUCKET", BUCKET)
            .env("TINES_BASE_URL", self.sim.base_url())
            .env("TINES_API_KEY", &self.key)
            .env("S3_FORCE_PATH_STYLE", "true")
            .env("SETTLE_SECONDS", "0")
            .env("AWS_ENDPOINT_URL", self.s3_server.endpoint_url())
            .env("AWS_ACCESS_KEY_ID", self.s3_server.access_key())
            .env("AWS_SECRET_ACCESS_KEY", self.s3_server.secret_key())
            .env("AWS_REGION", self.s3_server.region())
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (name, value) in env {
            command.env(name, value);
        }
        command
    }

    pub async fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let output = self
            .runner(env)
            .args(args)
            .output()
            .await
            .expect("runner starts");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        let summary = stdout
            .lines()
            .last()
            .and_then(|l| serde_json::from_str(l).ok())
            .unwrap_or(Value::Null);
        Run {
            code: output.status.code().unwrap_or(-1),
            summary,
            stderr,
            stdout,
        }
    }

    pub async fn sync(&self, env: &[(&str, &str)]) -> Run {
        self.run(&["sync"], env).await
    }

    /// Every data object under the prefix: key → body.
    pub async fn objects(&self) -> BTreeMap<String, Vec<u8>> {
        let mut objects = BTreeMap::new();
        let listed = self
            .s3
            .list_objects_v2()
            .bucket(BUCKET)
            .prefix(PREFIX)
            .send()
            .await
            .unwrap();
        for object in listed.contents() {
            let key = object.key().unwrap().to_owned();
            let body = self
                .s3
                .get_object()
                .bucket(BUCKET)
                .key(&key)
                .send()
                .await
                .unwrap();
            objects.insert(key, body.body.collect().await.unwrap().to_vec());
        }
        objects
    }

    /// Every NDJSON line in S3, in key order.
    pub async fn delivered_lines(&self) -> Vec<String> {
        self.objects()
            .await
            .values()
            .flat_map(|body| {
                String::from_utf8(body.clone())
                    .unwrap()
                    .lines()
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// Every record the simulator holds, as Tines serves it: id → exact JSON.
    pub async fn tines_records(&self) -> BTreeMap<u64, String> {
        let mut records = BTreeMap::new();
        for page in 1.. {
            let body = self
                .http
                .get(format!(
                    "{}/api/v1/audit_logs?per_page=500&page={page}",
                    self.sim.base_url()
                ))
                .bearer_auth(&self.key)
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
            let page = AuditLogPage::parse(&body).unwrap();
            if page.records().is_empty() {
                break;
            }
            records.extend(page.records().iter().map(|r| (r.id(), r.json().to_owned())));
        }
        records
    }

    pub async fn state(&self) -> (Value, String) {
        let object = self
            .s3
            .get_object()
            .bucket(BUCKET)
            .key(STATE_KEY)
            .send()
            .await
            .unwrap();
        let etag = object.e_tag().unwrap().to_owned();
        let body = object.body.collect().await.unwrap().to_vec();
        (serde_json::from_slice(&body).unwrap(), etag)
    }

    pub async fn put_state(&self, state: &Value) {
        self.s3
            .put_object()
            .bucket(BUCKET)
            .key(STATE_KEY)
            .body(serde_json::to_vec(state).unwrap().into())
            .send()
            .await
            .unwrap();
    }
}

/// Ids of NDJSON lines.
pub fn ids(lines: &[String]) -> Vec<u64> {
    lines
        .iter()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["id"]
                .as_u64()
                .unwrap()
        })
        .collect()
}

/// Every record Tines holds is in S3 exactly once, byte for byte as Tines sent it.
pub fn assert_exactly_once(delivered: &[String], tines: &BTreeMap<u64, String>) {
    let delivered_ids = ids(delivered);
    let unique: BTreeSet<u64> = delivered_ids.iter().copied().collect();
    assert_eq!(
        unique.len(),
        delivered_ids.len(),
        "no record delivered twice"
    );
    let expected: BTreeSet<u64> = tines.keys().copied().collect();
    let missing: Vec<_> = expected.difference(&unique).collect();
    assert!(
        missing.is_empty(),
        "{} records never delivered, e.g. {:?}",
        missing.len(),
        &missing[..missing.len().min(5)]
    );
    for line in delivered {
        let id = ids(std::slice::from_ref(line))[0];
        assert_eq!(
            line, &tines[&id],
            "record {id} is byte-for-byte what Tines sent"
        );
    }
}

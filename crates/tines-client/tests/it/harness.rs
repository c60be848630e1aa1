//! A simulator per test, a raw HTTP client to drive its control API, and fast client budgets.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use tines_client::{Client, Config, RateLimits, RetryPolicy};
use tines_sim::{Behaviour, RunningSimulator};

/// The tenant-owner key of every harness; tests assert it never shows up in any output.
pub const OWNER_KEY: &str = "tok-owner-5ecr3t-d0-not-print";

pub struct Harness {
    pub sim: RunningSimulator,
    pub http: reqwest::Client,
}

/// Retries quick enough for tests: four attempts, backoff from 10 ms, a 5 s deadline.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        deadline: Duration::from_secs(5),
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(50),
    }
}

impl Harness {
    pub async fn start() -> Self {
        let sim = tines_sim::spawn(Behaviour::default())
            .await
            .expect("simulator starts");
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        let harness = Self { sim, http };
        harness
            .control(
                Method::POST,
                "/_sim/keys",
                json!({"kind": "tenant_owner", "name": "owner", "token": OWNER_KEY}),
            )
            .await;
        harness
    }

    pub fn config(&self, key: &str) -> Config {
        Config::new(self.sim.base_url(), key)
            .request_timeout(Duration::from_secs(2))
            .retry(fast_retry())
            .rate_limits(RateLimits::unlimited())
    }

    /// A client with the owner key and the fast budgets.
    pub fn client(&self) -> Client {
        Client::new(self.config(OWNER_KEY)).expect("valid config")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sim.base_url())
    }

    pub async fn control(&self, method: Method, path: &str, body: Value) -> Value {
        let mut request = self.http.request(method, self.url(path));
        if !body.is_null() {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.unwrap_or(Value::Null)
    }

    pub async fn configure(&self, patch: Value) {
        self.control(Method::PATCH, "/_sim/config", patch).await;
    }

    pub async fn faults(&self, rules: Value) {
        self.control(Method::PUT, "/_sim/faults", rules).await;
    }

    pub async fn seed(&self, body: Value) -> Value {
        self.control(Method::POST, "/_sim/events", body).await
    }

    /// Every stored event id, oldest first.
    pub async fn event_ids(&self) -> Vec<u64> {
        let ids = self
            .control(Method::GET, "/_sim/events/ids", Value::Null)
            .await;
        ids["ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|id| id.as_u64().unwrap())
            .collect()
    }

    /// How many requests the simulator saw for a route such as `GET /api/v1/audit_logs`.
    pub async fn requests(&self, route: &str) -> u64 {
        let stats = self.control(Method::GET, "/_sim/stats", Value::Null).await;
        stats["requests"][route].as_u64().unwrap_or(0)
    }

    /// Creates a key of another kind; returns (token, user id).
    pub async fn key(&self, kind: &str, name: &str) -> (String, u64) {
        let key = self
            .control(
                Method::POST,
                "/_sim/keys",
                json!({"kind": kind, "name": name}),
            )
            .await;
        (
            key["token"].as_str().unwrap().to_owned(),
            key["user_id"].as_u64().unwrap(),
        )
    }
}

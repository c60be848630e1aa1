//! What the acceptance cases share: a simulator on its own runtime that hooks can drive synchronously, moto,
//! the provider source, and HCL for the provider block.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use serde_json::{Value as Json, json};
use tfplugin_framework::FrameworkServer;
use tfplugin_harness::{BoxError, ProviderSource};
use tinesaudit_provider::{ADDRESS, TinesAuditProvider};
use tinesaudit_testkit::{AwsEmulator, S3Server};

/// The provider's tenant-owner key, fixed so that it survives a simulator reset between CLI runs.
pub const OWNER_TOKEN: &str = "acc-owner-token-0123456789";

/// The Tines simulator, served on a runtime of its own so that the harness's hooks (plain threads) can call
/// its control API by blocking on that runtime.
pub struct Tines {
    // Dropped before the runtime that serves it.
    sim: tines_sim::RunningSimulator,
    http: reqwest::Client,
    /// Key ids by key name, to revoke a key by name.
    keys: Mutex<BTreeMap<String, u64>>,
    runtime: tokio::runtime::Runtime,
}

impl Tines {
    pub fn start() -> Arc<Tines> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        // No rate limits: CLIs run back to back and refresh a lot.
        let behaviour = tines_sim::Behaviour {
            rate_limits: tines_sim::RateLimits {
                audit_logs: None,
                admin_users: None,
                default: None,
            },
            ..tines_sim::Behaviour::default()
        };
        let sim = runtime
            .block_on(tines_sim::spawn(behaviour))
            .expect("simulator");
        let tines = Tines {
            sim,
            http: reqwest::Client::new(),
            keys: Mutex::new(BTreeMap::new()),
            runtime,
        };
        tines.reset().expect("reset");
        Arc::new(tines)
    }

    /// Runs `future` on the simulator's runtime, from a hook's plain thread.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    pub fn url(&self) -> &str {
        self.sim.base_url()
    }

    /// A control-API call; answers its JSON (null for no content).
    pub fn control(&self, method: &str, path: &str, body: Option<Json>) -> Result<Json, BoxError> {
        let url = format!("{}{path}", self.sim.base_url());
        let method = reqwest::Method::from_bytes(method.as_bytes())?;
        self.runtime.block_on(async {
            let mut request = self.http.request(method, url);
            if let Some(body) = body {
                request = request.json(&body);
            }
            let response = request.send().await?;
            let status = response.status();
            let text = response.text().await?;
            if !status.is_success() {
                return Err(format!("{path}: {status} {text}").into());
            }
            Ok(if text.is_empty() {
                Json::Null
            } else {
                serde_json::from_str(&text)?
            })
        })
    }

    /// Forgets everything, then makes the provider's tenant-owner key again.
    pub fn reset(&self) -> Result<(), BoxError> {
        self.control("POST", "/_sim/reset", None)?;
        self.new_key("tenant_owner", "terraform", OWNER_TOKEN)?;
        Ok(())
    }

    /// A key with a fixed token: (key id, user id).
    pub fn new_key(&self, kind: &str, name: &str, token: &str) -> Result<(u64, u64), BoxError> {
        let key = self.control(
            "POST",
            "/_sim/keys",
            Some(json!({"kind": kind, "name": name, "token": token})),
        )?;
        let id = key["id"].as_u64().ok_or("no key id")?;
        self.keys.lock().unwrap().insert(name.to_owned(), id);
        Ok((id, key["user_id"].as_u64().ok_or("no user id")?))
    }

    /// Revokes the key made last under `name`: it answers 401 from now on.
    pub fn revoke(&self, name: &str) -> Result<(), BoxError> {
        let id = *self
            .keys
            .lock()
            .unwrap()
            .get(name)
            .ok_or_else(|| format!("no key named {name}"))?;
        self.control("DELETE", &format!("/_sim/keys/{id}"), None)?;
        Ok(())
    }

    pub fn new_user(&self, email: &str, permissions: &[&str]) -> Result<u64, BoxError> {
        let user = self.control(
            "POST",
            "/_sim/users",
            Some(json!({"email": email, "first_name": "Acceptance", "tenant_permissions": permissions})),
        )?;
        Ok(user["id"].as_u64().ok_or("no user id")?)
    }

    pub fn set_permissions(&self, user_id: u64, permissions: &[&str]) -> Result<(), BoxError> {
        self.control(
            "PATCH",
            &format!("/_sim/users/{user_id}"),
            Some(json!({"tenant_permissions": permissions})),
        )?;
        Ok(())
    }

    /// A user's permissions as the admin API reports them, sorted; `None` when the user does not exist.
    pub fn permissions(&self, user_id: u64) -> Result<Option<Vec<String>>, BoxError> {
        let url = format!("{}/api/v1/admin/users/{user_id}", self.sim.base_url());
        self.runtime.block_on(async {
            let response = self.http.get(url).bearer_auth(OWNER_TOKEN).send().await?;
            if response.status() == reqwest::StatusCode::NOT_FOUND {
                return Ok(None);
            }
            let user: Json = response.error_for_status()?.json().await?;
            let mut names: Vec<String> = user["tenant_permissions"]
                .as_array()
                .ok_or("no tenant_permissions")?
                .iter()
                .filter_map(|p| p.as_str().map(str::to_owned))
                .collect();
            names.sort();
            Ok(Some(names))
        })
    }
}

/// Fails a hook unless `user_id` holds exactly `expected`.
pub fn expect_permissions(tines: &Tines, user_id: u64, expected: &[&str]) -> Result<(), BoxError> {
    let found = tines.permissions(user_id)?;
    let expected: Vec<String> = expected.iter().map(|p| (*p).to_owned()).collect();
    if found.as_ref() == Some(&expected) {
        Ok(())
    } else {
        Err(format!("user {user_id} has {found:?}, expected {expected:?}").into())
    }
}

/// The string of the Secrets Manager secret `name` in moto; `None` when it cannot be read (missing or
/// scheduled for deletion).
pub fn stored_secret(tines: &Tines, aws: &AwsEmulator, name: &str) -> Option<String> {
    tines.block_on(async {
        aws_sdk_secretsmanager::Client::new(&aws.sdk_config())
            .get_secret_value()
            .secret_id(name)
            .send()
            .await
            .ok()
            .and_then(|o| o.secret_string().map(str::to_owned))
    })
}

/// moto, started once per case.
pub fn moto() -> AwsEmulator {
    AwsEmulator::start().expect("moto (run `cargo xtask tools`)")
}

/// The provider served in-process, a fresh one per CLI run, with moto's credentials.
pub fn in_process() -> ProviderSource {
    in_process_with_credentials("testing", "testing")
}

/// The same with these AWS credentials: SeaweedFS's, which moto accepts too.
pub fn in_process_with_credentials(access_key: &str, secret_key: &str) -> ProviderSource {
    let (access_key, secret_key) = (access_key.to_owned(), secret_key.to_owned());
    ProviderSource::in_process(ADDRESS, move || {
        FrameworkServer::new(
            TinesAuditProvider::new().with_aws_credentials(&access_key, &secret_key),
        )
    })
}

/// `terraform { required_providers }` and the provider block for the simulator (and moto).
pub fn provider_hcl(tines: &Tines, aws: Option<&AwsEmulator>) -> String {
    provider_hcl_with_s3(tines, aws, None)
}

/// The same with SeaweedFS as the S3 endpoint.
pub fn provider_hcl_with_s3(
    tines: &Tines,
    aws: Option<&AwsEmulator>,
    s3: Option<&S3Server>,
) -> String {
    let mut aws = aws
        .map(|aws| {
            format!(
                "  aws_region       = {:?}\n  aws_endpoint_url = {:?}\n",
                aws.region(),
                aws.endpoint_url()
            )
        })
        .unwrap_or_default();
    if let Some(s3) = s3 {
        aws.push_str(&format!(
            "  aws_s3_endpoint_url     = {:?}\n  aws_s3_force_path_style = true\n",
            s3.endpoint_url()
        ));
    }
    format!(
        r#"terraform {{
  required_providers {{
    tinesaudit = {{ source = "tinesaudit/tinesaudit" }}
  }}
}}

provider "tinesaudit" {{
  tenant  = {:?}
  api_key = {OWNER_TOKEN:?}
{aws}}}
"#,
        tines.url()
    )
}

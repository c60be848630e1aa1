//! The managed key and the provider's key never reach a log line (at trace, every library included), a
//! diagnostic, a plan or, for `secret_wo`, a state.

use std::io::Write;
use std::sync::{Arc, Mutex};

use tfplugin_proto::value::Value;
use tracing::instrument::WithSubscriber as _;
use tracing_subscriber::fmt::MakeWriter;

use crate::api_key::{stored, write_only};
use crate::{API_KEY, Env, PERMISSIONS, n, set, text};

/// Everything logged, in memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[tokio::test]
async fn no_secret_in_logs_diagnostics_plans_or_write_only_state() {
    let logs = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(logs.clone())
        .finish();
    let outputs = lifecycle().with_subscriber(subscriber).await;

    let logged = logs.text();
    assert!(
        logged.contains("stored the Tines API key in Secrets Manager"),
        "the capture works: {logged:.2000}"
    );
    for (what, secret) in [
        ("managed key", &outputs.secrets[0]),
        ("rotated key", &outputs.secrets[1]),
        ("provider key", &outputs.secrets[2]),
    ] {
        assert!(
            !logged.contains(secret.as_str()),
            "the {what} is in the logs"
        );
        assert!(
            !outputs.everything.contains(secret.as_str()),
            "the {what} is in a plan, state or diagnostic"
        );
    }
}

struct Outputs {
    /// The managed key, its rotation, the provider's key.
    secrets: [String; 3],
    /// Every plan, state and diagnostic of the run, printed.
    everything: String,
}

/// Create, refresh, rotate, grant, a refused key, revoke and destroy.
async fn lifecycle() -> Outputs {
    let env = Env::with_aws().await;
    let mut everything = String::new();
    let (key_id, token, user) = env.new_key("service", "leak-check").await;
    let (_, rotated, _) = env.new_key("service", "leak-check-2").await;

    let config = write_only(&env, "leak-check", &token, 1, "leak");
    let planned = env.plan(API_KEY, &Value::Null, &config).await;
    everything += &format!("{planned:?}");
    let state = env.converge(API_KEY, &Value::Null, &config).await;
    everything += &format!("{state:?}");
    let read = env.read(API_KEY, &state).await;
    everything += &format!("{read:?}");

    let bumped = write_only(&env, "leak-check", &rotated, 2, "leak");
    let planned = env.plan(API_KEY, &state, &bumped).await;
    everything += &format!("{planned:?}");
    let state = env.converge(API_KEY, &state, &bumped).await;
    everything += &format!("{state:?}");
    assert_eq!(
        stored(&env, "leak").await.as_deref(),
        Some(rotated.as_str())
    );

    let grant = env.resource(
        PERMISSIONS,
        &[
            ("user_id", n(user as i64)),
            ("permissions", set(&["AUDIT_LOG_READ"])),
        ],
    );
    let granted = env.converge(PERMISSIONS, &Value::Null, &grant).await;
    everything += &format!("{granted:?}");

    // A key Tines refuses: the error must not quote it.
    let refused = write_only(&env, "leak-check", "refused-KEY-value", 3, "leak");
    let planned = env.plan(API_KEY, &state, &refused).await;
    let applied = env
        .apply(
            API_KEY,
            &state,
            &env.decode(API_KEY, &planned.planned_state),
            &refused,
        )
        .await;
    assert!(
        text(&applied.diagnostics).contains("rejected"),
        "{}",
        text(&applied.diagnostics)
    );
    everything += &format!("{applied:?}");
    assert!(!everything.contains("refused-KEY-value"));

    env.control("DELETE", &format!("/_sim/keys/{key_id}"), None)
        .await;
    let read = env.read(API_KEY, &state).await;
    everything += &format!("{read:?}");
    let applied = env.apply(API_KEY, &state, &Value::Null, &Value::Null).await;
    everything += &format!("{applied:?}");

    Outputs {
        secrets: [token, rotated, env.owner_key.clone()],
        everything,
    }
}

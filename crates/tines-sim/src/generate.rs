//! Plausible audit records, with the variety real payloads show.
//!
//! Real records differ in ways a consumer must survive: `inputs` null or nested, `outputs`
//! missing from older records, `story_id` present, null or absent, non-ASCII names and escaped
//! characters. The generator mixes all of these so that byte-for-byte delivery is tested.

use serde_json::{Value, json};

use crate::events::{AuditLog, StoredEvent, StoryId};
use crate::time::audit_timestamp;

/// Who an event is attributed to.
#[derive(Debug, Clone)]
pub(crate) struct Actor {
    pub id: u64,
    pub email: String,
    pub name: String,
}

/// The actors used when a seed names none and the tenant has no human users.
pub(crate) fn default_actors() -> Vec<Actor> {
    [
        (9001, "alice@example.com", "Alice Example"),
        (9002, "bob@example.com", "Bob \"Bobby\" Example"),
        (9003, "zoe@example.com", "Zoë Ünicode-Ñame"),
        (9004, "svc-ci@example.com", "CI Service\tAccount"),
    ]
    .into_iter()
    .map(|(id, email, name)| Actor {
        id,
        email: email.to_owned(),
        name: name.to_owned(),
    })
    .collect()
}

/// Operation names from the published list, weighted towards the common ones.
const OPERATIONS: [&str; 10] = [
    "Login",
    "StoryItemsMovement",
    "StoryItemsMovement",
    "ActionsUpdate",
    "UserEdit",
    "AuthenticationTokenCreation",
    "AuthenticationTokenDeletion",
    "StoryCreation",
    "TenantConfigChange",
    "CredentialUpdate",
];

const USER_AGENTS: [&str; 3] = [
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "Tines/GoSdk",
    "python-requests/2.31.0",
];

fn inputs_for(operation: &str, rng: &mut fastrand::Rng) -> Option<Value> {
    match operation {
        "Login" => None,
        "AuthenticationTokenCreation" => Some(json!({
            "inputs": {"isServiceToken": rng.bool(), "name": format!("key-{}", rng.u16(..))}
        })),
        "AuthenticationTokenDeletion" => Some(json!({
            "inputs": {"authenticationTokenId": rng.u32(1..100_000)}
        })),
        "CredentialUpdate" => Some(json!({
            "inputs": {"id": rng.u32(1..10_000), "value": "REDACTED", "description": "line one\nline \"two\""}
        })),
        _ => Some(json!({
            "storyId": rng.u32(1..5_000),
            "inputs": {"actionIds": [rng.u32(1..100_000), rng.u32(1..100_000)], "liveEvents": rng.bool()}
        })),
    }
}

/// Makes one record; `operation` overrides the random choice when the caller restricts it, and
/// `updated_after` (seconds) makes `updated_at` differ from `created_at`.
pub(crate) fn audit_event(
    rng: &mut fastrand::Rng,
    id: u64,
    created_at: i64,
    tenant_id: u64,
    actor: &Actor,
    operation: Option<&str>,
    updated_after: i64,
) -> serde_json::Result<StoredEvent> {
    let operation = operation.unwrap_or(OPERATIONS[rng.usize(..OPERATIONS.len())]);
    let timestamp = audit_timestamp(created_at);
    let updated_at = audit_timestamp(created_at + updated_after);
    let ip = format!("203.0.113.{}", rng.u8(1..255));
    let story_id = match rng.u8(..10) {
        0 => StoryId::Null(()),
        1 => StoryId::Absent,
        _ => StoryId::Present(rng.u64(1..5_000)),
    };
    let log = AuditLog {
        id,
        created_at: &timestamp,
        updated_at: &updated_at,
        operation_name: operation,
        inputs: inputs_for(operation, rng),
        // Older records carry no `outputs` key at all.
        outputs: (rng.u8(..5) != 0).then(|| json!({})),
        request_ip: &ip,
        request_user_agent: USER_AGENTS[rng.usize(..USER_AGENTS.len())],
        tenant_id,
        user_email: &actor.email,
        user_id: actor.id,
        user_name: &actor.name,
        story_id,
    };
    StoredEvent::new(created_at, &log)
}

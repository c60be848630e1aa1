//! The test-only control API under `/_sim/`: keys, users, events, faults, switches, stats.
//!
//! Control requests need no key and are never rate limited or faulted. Errors come back as
//! `{"error": "..."}` with status 400 or 404, whatever the Tines error-body switch says.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::api;
use crate::app::{ApiError, Shared};
use crate::faults::FaultRule;
use crate::generate::{Actor, audit_event, default_actors};
use crate::pages::{query_pairs, single};
use crate::state::{Sim, Tenant, lock, read, write};
use crate::time;
use crate::users::KeyKind;

/// A refused control request, answered as `{"error": "..."}`.
pub(crate) struct Refusal(StatusCode, String);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "error": self.1 }))).into_response()
    }
}

impl From<ApiError> for Refusal {
    fn from(error: ApiError) -> Self {
        Refusal(error.status, error.message)
    }
}

fn refuse(message: impl Into<String>) -> Refusal {
    Refusal(StatusCode::BAD_REQUEST, message.into())
}

fn parse<T: DeserializeOwned>(body: &Bytes) -> Result<T, Refusal> {
    serde_json::from_slice(body).map_err(|e| refuse(e.to_string()))
}

type Answer = Result<Response, Refusal>;

/// `GET /_sim/config`
pub(crate) async fn get_config(State(sim): State<Shared>) -> Response {
    Json(sim.behaviour()).into_response()
}

/// `PATCH /_sim/config` with any subset of the switches.
pub(crate) async fn patch_config(State(sim): State<Shared>, body: Bytes) -> Answer {
    let patch: Value = parse(&body)?;
    let mut behaviour = write(&sim.behaviour);
    *behaviour = behaviour.patched(patch).map_err(refuse)?;
    Ok(Json(behaviour.clone()).into_response())
}

/// `POST /_sim/reset`
pub(crate) async fn reset(State(sim): State<Shared>) -> Response {
    sim.reset();
    StatusCode::NO_CONTENT.into_response()
}

/// Body of `POST /_sim/keys`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewKey {
    pub kind: KeyKind,
    /// The key's name, which is also its service-account user's name.
    pub name: String,
    /// The user a personal key acts as (personal keys only).
    #[serde(default)]
    pub user_id: Option<u64>,
    /// A fixed secret; a random one by default.
    #[serde(default)]
    pub token: Option<String>,
}

/// `POST /_sim/keys`: answers `{"id", "token", "kind", "name", "user_id"}`.
pub(crate) async fn create_key(State(sim): State<Shared>, body: Bytes) -> Answer {
    let new: NewKey = parse(&body)?;
    if new.user_id.is_some() && new.kind != KeyKind::Personal {
        return Err(refuse("'user_id' applies only to personal keys"));
    }
    let token = new.token.unwrap_or_else(|| {
        let mut rng = lock(&sim.rng);
        (0..32).map(|_| rng.alphanumeric()).collect()
    });
    let key = write(&sim.tenant)
        .add_key(new.kind, new.name, token, new.user_id)
        .map_err(refuse)?;
    let answer = json!({"id": key.id, "token": key.token, "kind": key.kind, "name": key.name, "user_id": key.user_id});
    Ok((StatusCode::CREATED, Json(answer)).into_response())
}

/// `DELETE /_sim/keys/{id}`: the key answers 401 from now on.
pub(crate) async fn revoke_key(State(sim): State<Shared>, Path(id): Path<u64>) -> Answer {
    let mut tenant = write(&sim.tenant);
    let before = tenant.keys.len();
    tenant.keys.retain(|k| k.id != id);
    if tenant.keys.len() == before {
        return Err(Refusal(
            StatusCode::NOT_FOUND,
            format!("no key with id {id}"),
        ));
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /_sim/users`: the admin-API create, without a key and whatever SCIM says.
pub(crate) async fn create_user(State(sim): State<Shared>, body: Bytes) -> Answer {
    let user = api::create(&mut write(&sim.tenant), api::user_change(&body)?)?;
    Ok((StatusCode::CREATED, Json(user)).into_response())
}

/// `PATCH /_sim/users/{id}`: a change made in the Tines UI, behind Terraform's back.
pub(crate) async fn update_user(
    State(sim): State<Shared>,
    Path(id): Path<u64>,
    body: Bytes,
) -> Answer {
    let user = api::update(&mut write(&sim.tenant), id, api::user_change(&body)?)?;
    Ok(Json(user).into_response())
}

/// `DELETE /_sim/users/{id}`
pub(crate) async fn delete_user(State(sim): State<Shared>, Path(id): Path<u64>) -> Answer {
    api::delete(&mut write(&sim.tenant), id)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Body of `POST /_sim/events`: `count` records spread evenly over `[from, to)`, so that
/// when `count` exceeds the seconds in the span many records share one second.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    pub count: u64,
    /// RFC 3339; default one hour before `to`.
    #[serde(default)]
    pub from: Option<String>,
    /// RFC 3339; default now. Equal to `from` puts every record in one second.
    #[serde(default)]
    pub to: Option<String>,
    /// Attribute records to these users (round robin); default the tenant's human users, or
    /// four built-in actors when it has none.
    #[serde(default)]
    pub user_ids: Option<Vec<u64>>,
    /// Use only these operation names (round robin); default a realistic mix.
    #[serde(default)]
    pub operation_names: Option<Vec<String>>,
    /// Stamp `updated_at` this many seconds after `created_at` (default 0: equal, as in every
    /// published sample).
    #[serde(default)]
    pub updated_after_seconds: u32,
}

const MAX_SEED: u64 = 5_000_000;

/// `POST /_sim/events`: answers `{"count", "first_id", "last_id"}`.
pub(crate) async fn seed(State(sim): State<Shared>, body: Bytes) -> Answer {
    let seeded = seed_events(&sim, &parse(&body)?).map_err(refuse)?;
    Ok((StatusCode::CREATED, Json(seeded)).into_response())
}

fn seed_events(sim: &Sim, seed: &Seed) -> Result<Value, String> {
    if seed.count == 0 || seed.count > MAX_SEED {
        return Err(format!(
            "'count' must be 1..={MAX_SEED}, got {}",
            seed.count
        ));
    }
    let to = match &seed.to {
        Some(raw) => time::parse(raw)
            .map_err(|e| format!("'to': {e}"))?
            .as_second(),
        None => time::now_second(),
    };
    let from = match &seed.from {
        Some(raw) => time::parse(raw)
            .map_err(|e| format!("'from': {e}"))?
            .as_second(),
        None => to - 3600,
    };
    if from > to {
        return Err("'from' must not be after 'to'".to_owned());
    }
    let actors = actors_for(&read(&sim.tenant), seed.user_ids.as_deref());
    let operations = seed.operation_names.as_deref().unwrap_or_default();
    let span = (to - from) as u64;
    let seconds = (0..seed.count)
        .map(|n| from + (u128::from(n) * u128::from(span) / u128::from(seed.count)) as i64);
    let (first, last) = add_events(
        sim,
        seconds,
        &actors,
        operations,
        i64::from(seed.updated_after_seconds),
    )
    .map_err(|e| e.to_string())?;
    Ok(json!({"count": seed.count, "first_id": first, "last_id": last}))
}

fn actors_for(tenant: &Tenant, user_ids: Option<&[u64]>) -> Vec<Actor> {
    let actor = |user: &crate::users::User| Actor {
        id: user.id,
        email: user.email.clone(),
        name: user.display_name(),
    };
    match user_ids {
        Some(ids) if !ids.is_empty() => ids
            .iter()
            .map(|id| {
                tenant.users.get(id).map(actor).unwrap_or_else(|| Actor {
                    id: *id,
                    email: format!("user{id}@example.com"),
                    name: format!("User {id}"),
                })
            })
            .collect(),
        _ => {
            let humans: Vec<Actor> = tenant
                .users
                .values()
                .filter(|u| !u.service_account)
                .map(actor)
                .collect();
            if humans.is_empty() {
                default_actors()
            } else {
                humans
            }
        }
    }
}

/// Generates and stores one record per second given; returns the first and last id.
fn add_events(
    sim: &Sim,
    seconds: impl Iterator<Item = i64>,
    actors: &[Actor],
    operations: &[String],
    updated_after: i64,
) -> serde_json::Result<(u64, u64)> {
    let tenant_id = read(&sim.behaviour).tenant_id;
    let mut rng = lock(&sim.rng);
    let mut events = write(&sim.events);
    let mut batch = Vec::new();
    for (n, second) in seconds.enumerate() {
        let operation = (!operations.is_empty()).then(|| operations[n % operations.len()].as_str());
        let id = events.allocate_id();
        batch.push(audit_event(
            &mut rng,
            id,
            second,
            tenant_id,
            &actors[n % actors.len()],
            operation,
            updated_after,
        )?);
    }
    let first = batch.first().map_or(0, |e| e.id);
    let last = batch.last().map_or(0, |e| e.id);
    events.insert(batch);
    Ok((first, last))
}

/// Body of `PUT /_sim/events/stream`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Arrivals {
    /// New records per second, stamped with the current time.
    pub rate_per_second: u32,
}

const ARRIVAL_TICK: Duration = Duration::from_millis(100);

/// `PUT /_sim/events/stream`: keeps records arriving until `DELETE` or reset.
pub(crate) async fn start_arrivals(State(sim): State<Shared>, body: Bytes) -> Answer {
    let arrivals: Arrivals = parse(&body)?;
    if arrivals.rate_per_second == 0 || arrivals.rate_per_second > 100_000 {
        return Err(refuse("'rate_per_second' must be 1..=100000"));
    }
    let task = tokio::spawn(keep_arriving(Arc::clone(&sim), arrivals.rate_per_second));
    if let Some(previous) = lock(&sim.arrivals).replace(task.abort_handle()) {
        previous.abort();
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn keep_arriving(sim: Shared, rate_per_second: u32) {
    let started = tokio::time::Instant::now();
    let mut made: u64 = 0;
    let mut tick = tokio::time::interval(ARRIVAL_TICK);
    loop {
        tick.tick().await;
        let due = (started.elapsed().as_secs_f64() * f64::from(rate_per_second)) as u64;
        if due > made {
            let actors = actors_for(&read(&sim.tenant), None);
            let now = time::now_second();
            // Generation cannot fail for these records; a failure would only skip one tick.
            let _ = add_events(
                &sim,
                std::iter::repeat_n(now, (due - made) as usize),
                &actors,
                &[],
                0,
            );
            made = due;
        }
    }
}

/// `DELETE /_sim/events/stream`
pub(crate) async fn stop_arrivals(State(sim): State<Shared>) -> Response {
    if let Some(task) = lock(&sim.arrivals).take() {
        task.abort();
    }
    StatusCode::NO_CONTENT.into_response()
}

/// `GET /_sim/events/ids[?after=T][&before=T]`: ids oldest first, bounds strict.
pub(crate) async fn event_ids(State(sim): State<Shared>, RawQuery(query): RawQuery) -> Answer {
    let pairs = query_pairs(query.as_deref());
    let bound = |name: &str| {
        single(&pairs, name)
            .map(|raw| time::parse(raw).map_err(|e| refuse(format!("'{name}': {e}"))))
            .transpose()
    };
    let (after, before) = (bound("after")?, bound("before")?);
    let events = read(&sim.events);
    let ids: Vec<u64> = events
        .ids(events.time_range(after, false, before))
        .collect();
    Ok(Json(json!({"count": ids.len(), "ids": ids})).into_response())
}

/// `GET /_sim/faults`
pub(crate) async fn get_faults(State(sim): State<Shared>) -> Response {
    Json(lock(&sim.faults).rules()).into_response()
}

/// `PUT /_sim/faults` with a list of [`FaultRule`]s, replacing the current ones.
pub(crate) async fn put_faults(State(sim): State<Shared>, body: Bytes) -> Answer {
    let rules: Vec<FaultRule> = parse(&body)?;
    for rule in &rules {
        rule.validate().map_err(refuse)?;
    }
    lock(&sim.faults).replace(rules);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `DELETE /_sim/faults`
pub(crate) async fn clear_faults(State(sim): State<Shared>) -> Response {
    lock(&sim.faults).replace(Vec::new());
    StatusCode::NO_CONTENT.into_response()
}

/// `GET /_sim/stats`: `{"requests": {"GET /api/v1/audit_logs": n}, "responses": {"200": n}}`.
pub(crate) async fn stats(State(sim): State<Shared>) -> Response {
    let stats = lock(&sim.stats);
    Json(json!({"requests": stats.requests, "responses": stats.responses})).into_response()
}

//! Handlers of the Tines paths. The gate has already authenticated the caller.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde_json::{Value, json};

use crate::app::{ApiError, Shared};
use crate::auth::Caller;
use crate::behaviour::Order;
use crate::events::Filter;
use crate::pages::{Paging, QueryPairs, meta, multi, query_pairs, single};
use crate::state::{Tenant, read, write};
use crate::time;
use crate::users::UserChange;

/// The tenant URL as the client addressed it, for the page URLs in `meta`.
fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    format!("http://{host}")
}

/// `GET /api/v1/audit_logs`
pub(crate) async fn audit_logs(
    State(sim): State<Shared>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    if !caller.can_read_audit_logs {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "Forbidden: reading audit logs needs a tenant owner or the AUDIT_LOG_READ tenant permission",
        ));
    }
    let pairs = query_pairs(query.as_deref());
    let behaviour = sim.behaviour();
    let (filter, paging) =
        audit_query(&pairs, behaviour.after_inclusive).map_err(ApiError::bad_request)?;

    let events = read(&sim.events);
    let selection = events.select(&filter);
    let count = selection.len();
    let window = paging.window(count);
    let mut body = String::with_capacity(64 + window.len() * 640);
    body.push_str("{\"audit_logs\":[");
    for (n, position) in window.enumerate() {
        if n > 0 {
            body.push(',');
        }
        let position = match behaviour.order {
            Order::OldestFirst => position,
            Order::NewestFirst => count - 1 - position,
        };
        body.push_str(events.json(selection.get(position)).get());
    }
    drop(events);
    body.push_str("],\"meta\":");
    body.push_str(
        &meta(
            &base_url(&headers),
            "/api/v1/audit_logs",
            &pairs,
            paging,
            count,
        )
        .to_string(),
    );
    body.push('}');
    Ok((
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body,
    )
        .into_response())
}

fn audit_query(pairs: &QueryPairs, after_inclusive: bool) -> Result<(Filter, Paging), String> {
    let timestamp = |name: &str| -> Result<Option<Timestamp>, String> {
        single(pairs, name)
            .map(|raw| time::parse(raw).map_err(|e| format!("'{name}': {e}")))
            .transpose()
    };
    let user_ids = multi(pairs, "user_id")
        .map(|raw| {
            raw.parse::<u64>()
                .map_err(|_| format!("'user_id' must be a numeric user id, got '{raw}'"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let filter = Filter {
        after: timestamp("after")?,
        after_inclusive,
        before: timestamp("before")?,
        user_ids,
        operation_names: multi(pairs, "operation_name").map(str::to_owned).collect(),
    };
    Ok((filter, Paging::from_query(pairs)?))
}

fn require_owner(caller: Caller) -> Result<(), ApiError> {
    if caller.admin {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "Forbidden: the admin API needs a tenant owner API key",
        ))
    }
}

fn refuse_under_scim(sim: &Shared) -> Result<(), ApiError> {
    if read(&sim.behaviour).scim_enabled {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "Forbidden: users on this tenant are managed by SCIM; change them in your identity provider",
        ))
    } else {
        Ok(())
    }
}

fn user_not_found(id: u64) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, format!("User {id} not found"))
}

/// Reads a user create or update body, naming the offending field in the error.
pub(crate) fn user_change(body: &Bytes) -> Result<UserChange, ApiError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("the request body is not valid JSON: {e}")))?;
    UserChange::from_json(&value).map_err(ApiError::bad_request)
}

/// `GET /api/v1/admin/users`
pub(crate) async fn list_users(
    State(sim): State<Shared>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    require_owner(caller)?;
    let pairs = query_pairs(query.as_deref());
    let paging = Paging::from_query(&pairs).map_err(ApiError::bad_request)?;
    let owners_only = match single(&pairs, "filter") {
        None => false,
        Some("TENANT_OWNER") => true,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "'filter' accepts only TENANT_OWNER, got '{other}'"
            )));
        }
    };
    let with_teams =
        single(&pairs, "include").is_some_and(|i| i.split(',').any(|i| i == "team_memberships"));
    let list_service_accounts = read(&sim.behaviour).list_service_accounts;
    let tenant = read(&sim.tenant);
    let users: Vec<_> = tenant
        .users
        .values()
        .filter(|u| list_service_accounts || !u.service_account)
        .filter(|u| !owners_only || u.admin)
        .collect();
    let page: Vec<Value> = users[paging.window(users.len())]
        .iter()
        .map(|u| u.to_json(with_teams))
        .collect();
    let meta = meta(
        &base_url(&headers),
        "/api/v1/admin/users",
        &pairs,
        paging,
        users.len(),
    );
    Ok(axum::Json(json!({ "admin/users": page, "meta": meta })).into_response())
}

/// `POST /api/v1/admin/users`
pub(crate) async fn create_user(
    State(sim): State<Shared>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Result<Response, ApiError> {
    require_owner(caller)?;
    refuse_under_scim(&sim)?;
    let user = create(&mut write(&sim.tenant), user_change(&body)?)?;
    Ok((StatusCode::CREATED, axum::Json(user)).into_response())
}

/// Creates a user from an admin-API or control-API body; `email` is required and unique.
pub(crate) fn create(tenant: &mut Tenant, change: UserChange) -> Result<Value, ApiError> {
    let Some(email) = change.email.clone().filter(|e| e.contains('@')) else {
        return Err(ApiError::bad_request(
            "'email' is required and must be an email address",
        ));
    };
    refuse_taken_email(tenant, &email, None)?;
    let now = Timestamp::now();
    let mut user = Tenant::blank_user(now);
    change.apply(&mut user, now);
    let id = tenant.add_user(user);
    Ok(tenant.users[&id].to_json(false))
}

/// `GET /api/v1/admin/users/{id}`
pub(crate) async fn get_user(
    State(sim): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<u64>,
) -> Result<Response, ApiError> {
    require_owner(caller)?;
    let tenant = read(&sim.tenant);
    let user = tenant.users.get(&id).ok_or_else(|| user_not_found(id))?;
    Ok(axum::Json(user.to_json(false)).into_response())
}

/// `PUT /api/v1/admin/users/{id}`: fields present replace, fields absent stay.
pub(crate) async fn update_user(
    State(sim): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<u64>,
    body: Bytes,
) -> Result<Response, ApiError> {
    require_owner(caller)?;
    refuse_under_scim(&sim)?;
    let user = update(&mut write(&sim.tenant), id, user_change(&body)?)?;
    Ok(axum::Json(user).into_response())
}

/// Applies a change to a user, keeping emails unique.
pub(crate) fn update(tenant: &mut Tenant, id: u64, change: UserChange) -> Result<Value, ApiError> {
    if let Some(email) = &change.email {
        refuse_taken_email(tenant, email, Some(id))?;
    }
    let user = tenant
        .users
        .get_mut(&id)
        .ok_or_else(|| user_not_found(id))?;
    change.apply(user, Timestamp::now());
    Ok(user.to_json(false))
}

fn refuse_taken_email(tenant: &Tenant, email: &str, except: Option<u64>) -> Result<(), ApiError> {
    let taken = tenant
        .users
        .values()
        .any(|u| Some(u.id) != except && u.email.eq_ignore_ascii_case(email));
    if taken {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("'email': {email} has already been taken"),
        ));
    }
    Ok(())
}

/// Deletes a user. Their personal keys stop working, and so does the key of a deleted service
/// account, since a key authenticates as its user.
pub(crate) fn delete(tenant: &mut Tenant, id: u64) -> Result<(), ApiError> {
    tenant
        .users
        .remove(&id)
        .map(drop)
        .ok_or_else(|| user_not_found(id))
}

/// `DELETE /api/v1/admin/users/{id}`
pub(crate) async fn delete_user(
    State(sim): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<u64>,
) -> Result<Response, ApiError> {
    require_owner(caller)?;
    refuse_under_scim(&sim)?;
    delete(&mut write(&sim.tenant), id)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /api/v1/info`
pub(crate) async fn info() -> Response {
    axum::Json(json!({
        "stack": {"name": "tines-sim", "type": "simulator", "region": "local", "egress_ips": ["127.0.0.1"]}
    }))
    .into_response()
}

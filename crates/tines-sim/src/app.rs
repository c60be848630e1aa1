//! The router, the gate every Tines request passes (faults, auth, limits), and serving.

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch, post, put};
use serde_json::json;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::api;
use crate::auth::{Caller, presented_key};
use crate::behaviour::{Behaviour, ErrorBodyStyle};
use crate::control;
use crate::faults::FaultAction;
use crate::ratelimit::EndpointGroup;
use crate::state::{Sim, lock, read};

pub(crate) type Shared = Arc<Sim>;

/// The simulator as a router, for callers that serve it themselves.
///
/// Serve it with `into_make_service_with_connect_info::<SocketAddr>()` so that rate limits are
/// kept per client IP; without connect info every client counts as 127.0.0.1.
pub fn app(behaviour: Behaviour) -> Router {
    router(Arc::new(Sim::new(behaviour)))
}

fn router(sim: Shared) -> Router {
    let tines = Router::new()
        .route("/api/v1/audit_logs", get(api::audit_logs))
        .route(
            "/api/v1/admin/users",
            get(api::list_users).post(api::create_user),
        )
        .route(
            "/api/v1/admin/users/{id}",
            get(api::get_user)
                .put(api::update_user)
                .delete(api::delete_user),
        )
        .route("/api/v1/info", get(api::info))
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "Not found") })
        .layer(middleware::from_fn_with_state(sim.clone(), gate));
    let control = Router::new()
        .route(
            "/_sim/config",
            get(control::get_config).patch(control::patch_config),
        )
        .route("/_sim/reset", post(control::reset))
        .route("/_sim/keys", post(control::create_key))
        .route("/_sim/keys/{id}", delete(control::revoke_key))
        .route("/_sim/users", post(control::create_user))
        .route(
            "/_sim/users/{id}",
            patch(control::update_user).delete(control::delete_user),
        )
        .route("/_sim/events", post(control::seed))
        .route(
            "/_sim/events/stream",
            put(control::start_arrivals).delete(control::stop_arrivals),
        )
        .route("/_sim/events/ids", get(control::event_ids))
        .route(
            "/_sim/faults",
            get(control::get_faults)
                .put(control::put_faults)
                .delete(control::clear_faults),
        )
        .route("/_sim/stats", get(control::stats));
    control.merge(tines).with_state(sim)
}

/// Serves the simulator on a bound listener until the task is dropped.
pub async fn serve(listener: TcpListener, behaviour: Behaviour) -> io::Result<()> {
    axum::serve(
        listener,
        app(behaviour).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await
}

/// A simulator serving on a free loopback port in the background; stops when dropped.
pub struct RunningSimulator {
    base_url: String,
    task: JoinHandle<io::Result<()>>,
}

impl RunningSimulator {
    /// `http://127.0.0.1:<port>`: the tenant URL to give clients.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }
}

impl Drop for RunningSimulator {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts a simulator on `127.0.0.1` with a free port, on the current Tokio runtime.
pub async fn spawn(behaviour: Behaviour) -> io::Result<RunningSimulator> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
    let base_url = format!("http://{}", listener.local_addr()?);
    let task = tokio::spawn(serve(listener, behaviour));
    Ok(RunningSimulator { base_url, task })
}

/// A refused Tines request. Handlers return it without knowing the error-body switch; the gate
/// renders it in the selected shape.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}

/// An error in the body shape the behaviour switches select.
fn error_response(style: ErrorBodyStyle, status: StatusCode, message: &str) -> Response {
    let error =
        json!({"message": message, "details": status.canonical_reason().unwrap_or_default()});
    match style {
        ErrorBodyStyle::ErrorsObject => {
            (status, axum::Json(json!({ "errors": [error] }))).into_response()
        }
        ErrorBodyStyle::ErrorsArray => (status, axum::Json(json!([error]))).into_response(),
        ErrorBodyStyle::Text => (status, message.to_owned()).into_response(),
    }
}

fn error(sim: &Sim, status: StatusCode, message: &str) -> Response {
    error_response(read(&sim.behaviour).error_body, status, message)
}

/// Every Tines request passes here: injected faults, then the key, then the per-minute limit.
async fn gate(State(sim): State<Shared>, request: Request, next: Next) -> Response {
    let route = format!("{} {}", request.method(), route_name(request.uri().path()));
    *lock(&sim.stats).requests.entry(route).or_default() += 1;
    let response = admit_and_run(&sim, request, next).await;
    *lock(&sim.stats)
        .responses
        .entry(response.status().as_u16())
        .or_default() += 1;
    response
}

async fn admit_and_run(sim: &Sim, mut request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let plan = {
        let mut rng = lock(&sim.rng);
        lock(&sim.faults).plan(&path, &mut rng)
    };
    if !plan.delay.is_zero() {
        tokio::time::sleep(plan.delay).await;
    }
    let mut truncate = false;
    match plan.action {
        None => {}
        Some(FaultAction::ServerError(status)) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            return error(sim, status, "Injected server error");
        }
        Some(FaultAction::RateLimit(seconds)) => return too_many_requests(sim, seconds),
        Some(FaultAction::Reset) => return dropped_connection(),
        Some(FaultAction::Stall(length)) => tokio::time::sleep(length).await,
        Some(FaultAction::Truncate) => truncate = true,
        Some(FaultAction::HtmlPage(status)) => return html_page(status),
        Some(FaultAction::EmptyBody(status)) => return fault_status(status).into_response(),
        Some(FaultAction::Body(status, body)) => {
            return (
                fault_status(status),
                [(header::CONTENT_TYPE, "application/json")],
                body,
            )
                .into_response();
        }
    }

    let caller = {
        let tenant = read(&sim.tenant);
        let Some((key, user)) =
            presented_key(request.headers()).and_then(|k| tenant.authenticate(k))
        else {
            return error(
                sim,
                StatusCode::UNAUTHORIZED,
                "Unauthorized: missing, unknown or revoked API key",
            );
        };
        Caller {
            key_id: key.id,
            admin: user.admin,
            can_read_audit_logs: user.can_read_audit_logs(),
        }
    };

    let client = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::LOCALHOST), |c| c.0.ip());
    let limits = read(&sim.behaviour).rate_limits;
    let admitted = lock(&sim.limiter).admit(
        client,
        caller.key_id,
        EndpointGroup::of_path(&path),
        &limits,
        Instant::now(),
    );
    if let Err(wait) = admitted {
        return too_many_requests(sim, wait.as_secs_f64().ceil() as u64);
    }

    request.extensions_mut().insert(caller);
    let mut response = next.run(request).await;
    if let Some(refused) = response.extensions_mut().remove::<ApiError>() {
        response = error(sim, refused.status, &refused.message);
    }
    if truncate {
        truncated(response).await
    } else {
        response
    }
}

fn too_many_requests(sim: &Sim, retry_after_seconds: u64) -> Response {
    let mut response = error(sim, StatusCode::TOO_MANY_REQUESTS, "Rate limit exceeded");
    if read(&sim.behaviour).retry_after {
        response.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(retry_after_seconds.max(1)),
        );
    }
    response
}

/// A status the fault rules checked, or 502 should one slip through unchecked.
fn fault_status(status: u16) -> StatusCode {
    StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY)
}

/// The kind of page a load balancer answers with when the tenant behind it does not.
fn html_page(status: u16) -> Response {
    let status = fault_status(status);
    let reason = status.canonical_reason().unwrap_or("Error");
    let page = format!(
        "<!DOCTYPE html>\n<html>\n<head><title>{code} {reason}</title></head>\n<body>\n\
         <center><h1>{code} {reason}</h1></center>\n<hr><center>nginx</center>\n</body>\n</html>\n",
        code = status.as_u16()
    );
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page,
    )
        .into_response()
}

/// A response whose body fails at once, so the server drops the connection mid-response.
fn dropped_connection() -> Response {
    let failing = futures_util::stream::once(async {
        Err::<Bytes, io::Error>(io::Error::new(
            io::ErrorKind::ConnectionReset,
            "injected connection reset",
        ))
    });
    Response::new(Body::from_stream(failing))
}

/// The same status and headers, but only the first half of the body.
async fn truncated(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return dropped_connection();
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(bytes.slice(..bytes.len() / 2)))
}

/// Collapses ids in paths so stats count routes, not individual users.
fn route_name(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
                "{id}"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

//! Production AWS's answers, given by [`FaultProxy::start_aws`](crate::FaultProxy::start_aws) in
//! front of an AWS emulator.
//!
//! moto answers at once and is always consistent. Real AWS is neither, and the provider must
//! converge all the same. With [`AwsFaults`] switched on, the proxy models:
//!
//! - **Throttling** ([`AwsFault::Throttled`]). IAM, Lambda, EventBridge Scheduler, Secrets
//!   Manager and S3 refuse calls over their rate limits; IAM's are per account and low. Each answers in
//!   its own protocol's shape, because that is where the SDK reads the error code from: IAM (Query
//!   protocol) 400 with `Throttling` in an XML `ErrorResponse`; Lambda (REST-JSON) 429 with
//!   `TooManyRequestsException` in the `x-amzn-ErrorType` header; Scheduler (REST-JSON) 400 with
//!   `ThrottlingException` in that header; Secrets Manager (JSON 1.1) 400 with
//!   `ThrottlingException` in the body's `__type`; S3 503 `SlowDown` in an XML `Error`. A throttled
//!   request never reaches the emulator.
//! - **IAM propagation** ([`AwsFault::RoleNotAssumable`]). IAM is eventually consistent: for some
//!   seconds after a role is created or its trust policy changes, Lambda and Scheduler cannot
//!   assume it yet. Until `role_propagation` has passed since a CreateRole or
//!   UpdateAssumeRolePolicy for role R succeeded, Lambda's CreateFunction and
//!   UpdateFunctionConfiguration with `Role` R answer 400 `InvalidParameterValueException`, and
//!   Scheduler's CreateSchedule and UpdateSchedule with `Target.RoleArn` R answer 400
//!   `ValidationException`, in AWS's words. They are not forwarded.
//! - **Lambda's asynchronous states.** A function is `State: Pending` after CreateFunction
//!   ([`AwsFault::FunctionPending`]) and `LastUpdateStatus: InProgress` after UpdateFunctionCode or
//!   UpdateFunctionConfiguration ([`AwsFault::UpdateInProgress`]), for `function_settling`: the
//!   answers to those calls, GetFunction and GetFunctionConfiguration say so. Meanwhile another
//!   code or configuration update is refused with 409 `ResourceConflictException`
//!   ([`AwsFault::UpdateConflict`]) and not forwarded; so are the first `racing_updates` updates of
//!   a function that looks ready, as when someone else's change began after the caller looked.
//!
//! Each request is recognised by its service (the SigV4 credential scope) and operation (the Query
//! protocol's `Action`, the JSON protocol's `X-Amz-Target`, or the REST method and path) and
//! counted in [`AwsCounts`], so that a test can prove it met every fault it claims to survive.
//! Requests that are not signed, such as moto's own `/moto-api/`, pass unchanged and uncounted.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE};
use hyper::http::request;
use hyper::{Method, Response, StatusCode};
use percent_encoding::percent_decode_str;
use serde_json::{Value, json};

/// Which faults the proxy gives. The default gives none, so a test names each one it wants.
#[derive(Debug, Clone, Default)]
pub struct AwsFaults {
    /// The share of IAM, Lambda, Scheduler and Secrets Manager requests answered as throttled,
    /// from 0 to 1.
    pub throttle_ratio: f64,
    /// Seeds the choice of throttled requests, so that the same sequence of requests meets the
    /// same throttling on every run.
    pub seed: u64,
    /// How long a role stays unassumable after it was created or its trust policy changed.
    pub role_propagation: Duration,
    /// How long a function stays Pending after its creation, or InProgress after an update.
    pub function_settling: Duration,
    /// How many Lambda code or configuration updates meet someone else's update, begun after the
    /// caller last saw the function ready: answered 409 although nothing here was settling.
    pub racing_updates: u32,
}

/// A kind of fault the proxy gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AwsFault {
    /// A request refused as over the rate limit.
    Throttled,
    /// A Lambda or Scheduler request refused because its role has not propagated yet.
    RoleNotAssumable,
    /// A function shown as `State: Pending`.
    FunctionPending,
    /// A function shown as `LastUpdateStatus: InProgress`.
    UpdateInProgress,
    /// A function update refused with 409 because the function is still pending or updating.
    UpdateConflict,
}

impl AwsFault {
    pub const ALL: [AwsFault; 5] = [
        AwsFault::Throttled,
        AwsFault::RoleNotAssumable,
        AwsFault::FunctionPending,
        AwsFault::UpdateInProgress,
        AwsFault::UpdateConflict,
    ];
}

/// One AWS API operation: the SigV4 signing name of its service (`iam`, `lambda`, `scheduler`,
/// `secretsmanager`, `sts`, `s3`) and the operation (`CreateRole`). Operations the proxy does not
/// know by name are their method and path (`PUT /bucket/key`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AwsCall {
    pub service: String,
    pub operation: String,
}

impl fmt::Display for AwsCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.service, self.operation)
    }
}

/// What the proxy saw and gave so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwsCounts {
    /// Every signed request received, faulted or not.
    pub requests: BTreeMap<AwsCall, u64>,
    /// The faults given, by kind and by the operation they were given to.
    pub faults: BTreeMap<(AwsFault, AwsCall), u64>,
}

impl AwsCounts {
    /// How many faults of this kind were given, to any operation.
    pub fn given(&self, fault: AwsFault) -> u64 {
        self.faults
            .iter()
            .filter(|((kind, _), _)| *kind == fault)
            .map(|(_, count)| count)
            .sum()
    }

    /// The kinds of fault never given. A test of convergence asserts this is empty, or it proves
    /// less than it claims.
    pub fn not_given(&self) -> Vec<AwsFault> {
        AwsFault::ALL
            .into_iter()
            .filter(|fault| self.given(*fault) == 0)
            .collect()
    }
}

/// One line per operation and per fault given, for a test's failure message.
impl fmt::Display for AwsCounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (call, count) in &self.requests {
            writeln!(f, "{call}: {count} requests")?;
        }
        for ((fault, call), count) in &self.faults {
            writeln!(f, "{call}: {count} × {fault:?}")?;
        }
        Ok(())
    }
}

/// The services that throttle here: those the provider and the runner call. STS passes untouched.
const THROTTLING: [&str; 5] = ["iam", "lambda", "scheduler", "secretsmanager", "s3"];

/// A request recognised as an AWS call.
pub(crate) struct Recognised {
    pub(crate) call: AwsCall,
    /// The role (IAM) or function (Lambda) the call is about, by name.
    resource: Option<String>,
}

/// What to do with a request.
pub(crate) enum Verdict {
    /// Answer this instead of forwarding.
    Answer(Response<Bytes>),
    /// Forward it; an AWS call is handed to [`Shaper::after`] with its answer.
    Forward(Option<Recognised>),
}

/// The state of the AWS mode, shared by every connection of one proxy.
pub(crate) struct Shaper {
    faults: AwsFaults,
    state: Mutex<State>,
}

struct State {
    rng: fastrand::Rng,
    /// Roles not assumable yet, and until when.
    new_roles: HashMap<String, Instant>,
    /// Functions being created or updated, by name.
    settling: HashMap<String, Settling>,
    /// Updates still to meet a racing update (`AwsFaults::racing_updates`).
    races_left: u32,
    counts: AwsCounts,
}

struct Settling {
    until: Instant,
    /// Pending after a creation, InProgress after an update.
    fault: AwsFault,
    arn: String,
}

impl State {
    fn count(&mut self, fault: AwsFault, call: &AwsCall) {
        *self.counts.faults.entry((fault, call.clone())).or_default() += 1;
    }

    fn settling(&self, function: &str, now: Instant) -> Option<&Settling> {
        self.settling.get(function).filter(|s| now < s.until)
    }

    /// A request id in the form AWS gives, for the answers the proxy makes up.
    fn request_id(&mut self) -> String {
        let rng = &mut self.rng;
        format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            rng.u32(..),
            rng.u16(..),
            rng.u16(..0x1000),
            rng.u16(..0x1000),
            rng.u64(..1 << 48)
        )
    }
}

impl Shaper {
    pub(crate) fn new(faults: AwsFaults) -> Shaper {
        let state = State {
            rng: fastrand::Rng::with_seed(faults.seed),
            races_left: faults.racing_updates,
            new_roles: HashMap::new(),
            settling: HashMap::new(),
            counts: AwsCounts::default(),
        };
        Shaper {
            faults,
            state: Mutex::new(state),
        }
    }

    pub(crate) fn counts(&self) -> AwsCounts {
        self.lock().counts.clone()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Counts the request and decides whether production AWS would refuse it.
    pub(crate) fn before(&self, parts: &request::Parts, body: &[u8]) -> Verdict {
        let Some(recognised) = recognise(parts, body) else {
            return Verdict::Forward(None);
        };
        let mut state = self.lock();
        let call = &recognised.call;
        *state.counts.requests.entry(call.clone()).or_default() += 1;
        match self.refusal(&mut state, &recognised, body) {
            Some((fault, answer)) => {
                state.count(fault, call);
                Verdict::Answer(answer)
            }
            None => Verdict::Forward(Some(recognised)),
        }
    }

    /// The refusal production AWS might give instead of applying the request.
    fn refusal(
        &self,
        state: &mut State,
        recognised: &Recognised,
        body: &[u8],
    ) -> Option<(AwsFault, Response<Bytes>)> {
        let service = recognised.call.service.as_str();
        // Drawn for every request of a throttling service, so that a seed gives the same
        // sequence whatever the other faults do.
        if THROTTLING.contains(&service) && state.rng.f64() < self.faults.throttle_ratio {
            let id = state.request_id();
            return Some((AwsFault::Throttled, throttled(service, &id)));
        }
        let now = Instant::now();
        let refusal = update_conflict(state, recognised, now)
            .or_else(|| role_not_assumable(state, recognised, body, now))?;
        let id = state.request_id();
        let answer = rest_json(refusal.status, refusal.code, &refusal.message, &id);
        Some((refusal.fault, answer))
    }

    /// Opens the windows a successful call starts, and shows a settling function as AWS would.
    pub(crate) fn after(
        &self,
        recognised: &Recognised,
        answer: Response<Bytes>,
    ) -> Response<Bytes> {
        let Some(resource) = recognised.resource.as_deref() else {
            return answer;
        };
        if !answer.status().is_success() {
            return answer;
        }
        let call = &recognised.call;
        let now = Instant::now();
        let mut state = self.lock();
        let started = match (call.service.as_str(), call.operation.as_str()) {
            ("iam", "CreateRole" | "UpdateAssumeRolePolicy") => {
                if !self.faults.role_propagation.is_zero() {
                    let until = now + self.faults.role_propagation;
                    state.new_roles.insert(resource.to_owned(), until);
                }
                return answer;
            }
            ("lambda", "DeleteFunction") => {
                state.settling.remove(resource);
                return answer;
            }
            ("lambda", "CreateFunction") => AwsFault::FunctionPending,
            ("lambda", "UpdateFunctionCode" | "UpdateFunctionConfiguration") => {
                AwsFault::UpdateInProgress
            }
            ("lambda", "GetFunction" | "GetFunctionConfiguration") => {
                let Some(fault) = state.settling(resource, now).map(|s| s.fault) else {
                    return answer;
                };
                state.count(fault, call);
                return show_settling(answer, fault);
            }
            _ => return answer,
        };
        if self.faults.function_settling.is_zero() {
            return answer;
        }
        let arn = serde_json::from_slice(answer.body())
            .ok()
            .and_then(|body: Value| Some(body.get("FunctionArn")?.as_str()?.to_owned()))
            .unwrap_or_default();
        let settling = Settling {
            until: now + self.faults.function_settling,
            fault: started,
            arn,
        };
        state.settling.insert(resource.to_owned(), settling);
        state.count(started, call);
        show_settling(answer, started)
    }
}

/// A Lambda or Scheduler refusal, in the REST-JSON shape both give.
struct Refusal {
    fault: AwsFault,
    status: StatusCode,
    code: &'static str,
    message: String,
}

/// Lambda's refusal of a code or configuration update of a function still settling.
fn update_conflict(state: &mut State, recognised: &Recognised, now: Instant) -> Option<Refusal> {
    let call = &recognised.call;
    let updates = ["UpdateFunctionCode", "UpdateFunctionConfiguration"];
    if call.service != "lambda" || !updates.contains(&call.operation.as_str()) {
        return None;
    }
    let function = recognised.resource.as_deref()?;
    let message = "The operation cannot be performed at this time.";
    let message = match state.settling(function, now) {
        Some(settling) if settling.fault == AwsFault::FunctionPending => {
            format!("{message} The function is currently in the following state: Pending")
        }
        Some(settling) => format!(
            "{message} An update is in progress for resource: {}",
            settling.arn
        ),
        None if state.races_left > 0 => {
            state.races_left -= 1;
            format!("{message} An update is in progress for resource: {function}")
        }
        None => return None,
    };
    Some(Refusal {
        fault: AwsFault::UpdateConflict,
        status: StatusCode::CONFLICT,
        code: "ResourceConflictException",
        message,
    })
}

/// The refusal of a Lambda or Scheduler request whose role has not propagated yet.
fn role_not_assumable(
    state: &State,
    recognised: &Recognised,
    body: &[u8],
    now: Instant,
) -> Option<Refusal> {
    let call = &recognised.call;
    let (role, (code, message)) = match (call.service.as_str(), call.operation.as_str()) {
        ("lambda", "CreateFunction" | "UpdateFunctionConfiguration") => (
            json_string(body, &["Role"])?,
            (
                "InvalidParameterValueException",
                "The role defined for the function cannot be assumed by Lambda.",
            ),
        ),
        ("scheduler", "CreateSchedule" | "UpdateSchedule") => (
            json_string(body, &["Target", "RoleArn"])?,
            (
                "ValidationException",
                "The execution role you provide must allow AWS EventBridge Scheduler to assume \
                 the role.",
            ),
        ),
        _ => return None,
    };
    // A role's ARN ends in its name, after any path; names are unique across paths.
    let name = role.rsplit('/').next().unwrap_or(&role);
    let until = state.new_roles.get(name)?;
    (now < *until).then(|| Refusal {
        fault: AwsFault::RoleNotAssumable,
        status: StatusCode::BAD_REQUEST,
        code,
        message: message.to_owned(),
    })
}

/// The service a request was signed for, from the credential scope of its SigV4 `Authorization`
/// header (`... Credential=AKID/20240101/us-east-1/iam/aws4_request, ...`).
fn signing_service(parts: &request::Parts) -> Option<&str> {
    let authorization = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (_, credential) = authorization.split_once("Credential=")?;
    let scope = credential.split([',', ' ']).next()?;
    scope.split('/').nth(3)
}

/// The call a signed request makes. An operation the proxy does not shape may still be known by
/// name (IAM's and Secrets Manager's all are); otherwise it is its method and path.
fn recognise(parts: &request::Parts, body: &[u8]) -> Option<Recognised> {
    let service = signing_service(parts)?;
    let path = parts.uri.path();
    let known = match service {
        "iam" | "sts" => query_operation(body),
        "secretsmanager" => parts
            .headers
            .get("x-amz-target")
            .and_then(|target| target.to_str().ok()?.split_once('.'))
            .map(|(_, operation)| (operation.to_owned(), None)),
        "lambda" => lambda_operation(&parts.method, path, body),
        "scheduler" => scheduler_operation(&parts.method, path).map(|op| (op.to_owned(), None)),
        _ => None,
    };
    let (operation, resource) = known.unwrap_or_else(|| (format!("{} {path}", parts.method), None));
    Some(Recognised {
        call: AwsCall {
            service: service.to_owned(),
            operation,
        },
        resource,
    })
}

/// The Query protocol's `Action` and the role it names, from the form the SDK posts.
fn query_operation(body: &[u8]) -> Option<(String, Option<String>)> {
    let mut action = None;
    let mut role = None;
    for (key, value) in form_urlencoded::parse(body) {
        match key.as_ref() {
            "Action" => action = Some(value.into_owned()),
            "RoleName" => role = Some(value.into_owned()),
            _ => {}
        }
    }
    Some((action?, role))
}

/// Lambda's REST operations the proxy shapes, and the function they are about.
fn lambda_operation(method: &Method, path: &str, body: &[u8]) -> Option<(String, Option<String>)> {
    let segments = segments_under(path, "/2015-03-31/functions")?;
    let operation = match (method, segments.as_slice()) {
        (&Method::POST, []) => "CreateFunction",
        (&Method::GET, []) => "ListFunctions",
        (&Method::GET, [_]) => "GetFunction",
        (&Method::DELETE, [_]) => "DeleteFunction",
        (&Method::GET, [_, "configuration"]) => "GetFunctionConfiguration",
        (&Method::PUT, [_, "configuration"]) => "UpdateFunctionConfiguration",
        (&Method::PUT, [_, "code"]) => "UpdateFunctionCode",
        _ => return None,
    };
    let name = match segments.first() {
        Some(name) => Some(percent_decode_str(name).decode_utf8().ok()?.into_owned()),
        None => json_string(body, &["FunctionName"]),
    };
    Some((operation.to_owned(), name.map(|name| function_name(&name))))
}

/// A function's name, from its name or its ARN (`arn:aws:lambda:REGION:ACCOUNT:function:NAME`).
fn function_name(name_or_arn: &str) -> String {
    match name_or_arn.strip_prefix("arn:") {
        Some(arn) => arn.split(':').nth(5).unwrap_or(arn).to_owned(),
        None => name_or_arn.to_owned(),
    }
}

fn scheduler_operation(method: &Method, path: &str) -> Option<&'static str> {
    let segments = segments_under(path, "/schedules")?;
    Some(match (method, segments.as_slice()) {
        (&Method::GET, []) => "ListSchedules",
        (&Method::POST, [_]) => "CreateSchedule",
        (&Method::PUT, [_]) => "UpdateSchedule",
        (&Method::GET, [_]) => "GetSchedule",
        (&Method::DELETE, [_]) => "DeleteSchedule",
        _ => return None,
    })
}

/// The segments of `path` after `prefix`, when `path` is `prefix` or under it.
fn segments_under<'a>(path: &'a str, prefix: &str) -> Option<Vec<&'a str>> {
    let rest = path.strip_prefix(prefix)?;
    if !(rest.is_empty() || rest.starts_with('/')) {
        return None;
    }
    Some(
        rest.split('/')
            .filter(|segment| !segment.is_empty())
            .collect(),
    )
}

/// The string at `path` in a JSON body.
fn json_string(body: &[u8], path: &[&str]) -> Option<String> {
    let body: Value = serde_json::from_slice(body).ok()?;
    let value = path.iter().try_fold(&body, |value, key| value.get(key))?;
    Some(value.as_str()?.to_owned())
}

fn throttled(service: &str, request_id: &str) -> Response<Bytes> {
    const MESSAGE: &str = "Rate exceeded";
    match service {
        "iam" => {
            let xml = format!(
                "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\
                 <Error><Type>Sender</Type><Code>Throttling</Code><Message>{MESSAGE}</Message>\
                 </Error><RequestId>{request_id}</RequestId></ErrorResponse>"
            );
            answer(StatusCode::BAD_REQUEST, "text/xml", xml, request_id)
        }
        "lambda" => rest_json(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequestsException",
            MESSAGE,
            request_id,
        ),
        "scheduler" => rest_json(
            StatusCode::BAD_REQUEST,
            "ThrottlingException",
            MESSAGE,
            request_id,
        ),
        "s3" => {
            let xml = format!(
                "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message>\
                 <RequestId>{request_id}</RequestId></Error>"
            );
            answer(
                StatusCode::SERVICE_UNAVAILABLE,
                "application/xml",
                xml,
                request_id,
            )
        }
        _ => {
            let body = json!({"__type": "ThrottlingException", "message": MESSAGE});
            answer(
                StatusCode::BAD_REQUEST,
                "application/x-amz-json-1.1",
                body.to_string(),
                request_id,
            )
        }
    }
}

/// An error as Lambda and Scheduler give it: the code in the `x-amzn-ErrorType` header, which is
/// where REST-JSON clients read it, and the message in the body.
fn rest_json(status: StatusCode, code: &str, message: &str, request_id: &str) -> Response<Bytes> {
    let body = json!({"Type": "User", "message": message}).to_string();
    let mut answer = answer(status, "application/json", body, request_id);
    if let Ok(code) = code.parse() {
        answer.headers_mut().insert("x-amzn-ErrorType", code);
    }
    answer
}

fn answer(
    status: StatusCode,
    content_type: &str,
    body: String,
    request_id: &str,
) -> Response<Bytes> {
    Response::builder()
        .status(status)
        .header(CONTENT_TYPE, content_type)
        .header("x-amzn-RequestId", request_id)
        .body(Bytes::from(body))
        .unwrap_or_default()
}

/// The answer with the function's configuration (the whole body, or its `Configuration` for
/// GetFunction) showing it Pending or InProgress.
fn show_settling(answer: Response<Bytes>, fault: AwsFault) -> Response<Bytes> {
    let Ok(mut body) = serde_json::from_slice::<Value>(answer.body()) else {
        return answer;
    };
    let configuration = match body.get_mut("Configuration") {
        Some(configuration) => configuration,
        None => &mut body,
    };
    let Some(configuration) = configuration.as_object_mut() else {
        return answer;
    };
    if fault == AwsFault::FunctionPending {
        configuration.insert("State".into(), "Pending".into());
        configuration.insert(
            "StateReason".into(),
            "The function is being created.".into(),
        );
        configuration.insert("StateReasonCode".into(), "Creating".into());
    } else {
        configuration.insert("LastUpdateStatus".into(), "InProgress".into());
        // They would explain a finished update.
        configuration.remove("LastUpdateStatusReason");
        configuration.remove("LastUpdateStatusReasonCode");
    }
    let (parts, _) = answer.into_parts();
    Response::from_parts(parts, Bytes::from(body.to_string()))
}

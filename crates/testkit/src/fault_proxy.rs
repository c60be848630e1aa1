//! An HTTP proxy on loopback, in front of an emulator, that can lose answers.
//!
//! Emulators answer every request they apply. Real networks do not always: a load balancer
//! answers 500 after the server applied a write, or a connection is cut before the answer
//! arrives. Clients that retry then meet the effect of their own first attempt. The proxy
//! forwards every request as it came (its `Host` header too, so SigV4 signatures still verify)
//! and, for the requests a test names, lets the server apply them and then loses the answer.
//!
//! Started with [`FaultProxy::start_aws`], it also makes an AWS emulator answer as production
//! AWS does (throttling, IAM propagation, Lambda's asynchronous states): see [`crate::aws_faults`].

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use anyhow::{Context, Result};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{CONNECTION, CONTENT_LENGTH, TRANSFER_ENCODING};
use hyper::http::request;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::aws_faults::{AwsCounts, AwsFaults, Shaper, Verdict};

/// How an answer is lost, once the server has applied the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LostAnswer {
    /// A 500 `InternalError` in S3's shape, as a gateway gives when the backend's answer failed.
    ServerError,
    /// The connection closes without any answer.
    CutConnection,
}

#[derive(Debug, Clone)]
struct Rule {
    method: String,
    path_part: String,
    remaining: u32,
    how: LostAnswer,
}

/// Answers to hold back: the next `remaining` calls of `operation`.
#[derive(Debug, Clone)]
struct Hold {
    operation: String,
    remaining: u32,
    hold: Duration,
}

#[derive(Default)]
struct Shared {
    rules: Mutex<Vec<Rule>>,
    lost: AtomicU64,
    holds: Mutex<Vec<Hold>>,
    held: AtomicU64,
}

/// Why a connection was cut on purpose.
#[derive(Debug)]
struct Cut;

impl std::fmt::Display for Cut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the fault proxy cut the connection")
    }
}

impl std::error::Error for Cut {}

pub struct FaultProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    aws: Option<Arc<Shaper>>,
    accept: JoinHandle<()>,
}

impl FaultProxy {
    /// Starts forwarding to `upstream` (e.g. `http://127.0.0.1:8333`). Needs a Tokio runtime.
    pub async fn start(upstream: &str) -> Result<FaultProxy> {
        FaultProxy::start_with(upstream, None).await
    }

    /// Starts forwarding to an AWS emulator (`AwsEmulator::endpoint_url`) and answering as
    /// production AWS does, with the `faults` given; see [`AwsFaults`].
    pub async fn start_aws(upstream: &str, faults: AwsFaults) -> Result<FaultProxy> {
        FaultProxy::start_with(upstream, Some(Arc::new(Shaper::new(faults)))).await
    }

    async fn start_with(upstream: &str, aws: Option<Arc<Shaper>>) -> Result<FaultProxy> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .context("binding the fault proxy to a loopback port")?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::default());
        let forward = Forward {
            upstream: upstream.trim_end_matches('/').to_owned(),
            http: reqwest::Client::builder()
                .no_proxy()
                .build()
                .context("building the fault proxy's client")?,
            shared: shared.clone(),
            aws: aws.clone(),
        };
        let accept = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let forward = forward.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request| {
                        let forward = forward.clone();
                        async move { forward.handle(request).await }
                    });
                    // A cut connection ends here with an error, which is the point.
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(FaultProxy {
            addr,
            shared,
            aws,
            accept,
        })
    }

    pub fn endpoint_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The next `count` requests with `method` whose path contains `path_part` reach the
    /// server, and then their answers are lost as `how` says.
    pub fn lose_answers(&self, method: &str, path_part: &str, count: u32, how: LostAnswer) {
        lock(&self.shared.rules).push(Rule {
            method: method.to_owned(),
            path_part: path_part.to_owned(),
            remaining: count,
            how,
        });
    }

    /// The next `count` calls of the AWS API `operation` (e.g. `CreateFunction`) reach the
    /// server, and their answers are held back for `hold`: long enough for a test to interrupt
    /// the caller in the middle of the call ([`answers_held`](Self::answers_held) says when).
    /// Only a proxy started with [`start_aws`](Self::start_aws) knows operations by name.
    pub fn hold_answers(&self, operation: &str, count: u32, hold: Duration) {
        lock(&self.shared.holds).push(Hold {
            operation: operation.to_owned(),
            remaining: count,
            hold,
        });
    }

    /// How many answers are or were held back so far.
    pub fn answers_held(&self) -> u64 {
        self.shared.held.load(Ordering::SeqCst)
    }

    /// How many answers were lost so far: a test checks it to know its fault really happened.
    pub fn answers_lost(&self) -> u64 {
        self.shared.lost.load(Ordering::SeqCst)
    }

    /// What the AWS mode saw and gave so far; empty for a proxy not started with
    /// [`start_aws`](Self::start_aws).
    pub fn aws_counts(&self) -> AwsCounts {
        self.aws
            .as_ref()
            .map(|aws| aws.counts())
            .unwrap_or_default()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

#[derive(Clone)]
struct Forward {
    upstream: String,
    http: reqwest::Client,
    shared: Arc<Shared>,
    aws: Option<Arc<Shaper>>,
}

impl Forward {
    async fn handle(&self, request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Cut> {
        let (parts, body) = request.into_parts();
        let body = match body.collect().await {
            Ok(body) => body.to_bytes(),
            Err(error) => return Ok(bad_gateway(error.into()).map(Full::new)),
        };
        let mut shaped = None;
        if let Some(aws) = &self.aws {
            match aws.before(&parts, &body) {
                Verdict::Answer(answer) => return Ok(answer.map(Full::new)),
                Verdict::Forward(call) => shaped = call.map(|call| (aws, call)),
            }
        }
        // Only now: a request the AWS mode answered itself never reached the server, so it
        // must not use up a rule about losing answers.
        let lose = self.take_rule(parts.method.as_str(), parts.uri.path());
        let mut answer = self.forward(parts, body).await;
        if let Some((aws, call)) = shaped {
            answer = aws.after(&call, answer);
            if let Some(hold) = self.take_hold(&call.call.operation) {
                self.shared.held.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(hold).await;
            }
        }
        let answer = answer.map(Full::new);
        match lose {
            None => Ok(answer),
            Some(how) => {
                self.shared.lost.fetch_add(1, Ordering::SeqCst);
                match how {
                    LostAnswer::CutConnection => Err(Cut),
                    LostAnswer::ServerError => Ok(internal_error()),
                }
            }
        }
    }

    fn take_hold(&self, operation: &str) -> Option<Duration> {
        let mut holds = lock(&self.shared.holds);
        let hold = holds
            .iter_mut()
            .find(|hold| hold.remaining > 0 && hold.operation == operation)?;
        hold.remaining -= 1;
        Some(hold.hold)
    }

    fn take_rule(&self, method: &str, path: &str) -> Option<LostAnswer> {
        let mut rules = lock(&self.shared.rules);
        let rule = rules.iter_mut().find(|rule| {
            rule.remaining > 0 && rule.method == method && path.contains(&rule.path_part)
        })?;
        rule.remaining -= 1;
        Some(rule.how)
    }

    /// The upstream's answer, or a 502 naming what failed.
    async fn forward(&self, parts: request::Parts, body: Bytes) -> Response<Bytes> {
        self.try_forward(parts, body)
            .await
            .unwrap_or_else(bad_gateway)
    }

    async fn try_forward(&self, parts: request::Parts, body: Bytes) -> Result<Response<Bytes>> {
        let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
        let mut outgoing = self
            .http
            .request(parts.method, format!("{}{path}", self.upstream))
            .body(body);
        for (name, value) in &parts.headers {
            if ![CONNECTION, TRANSFER_ENCODING, CONTENT_LENGTH].contains(name) {
                outgoing = outgoing.header(name, value);
            }
        }
        let answer = outgoing.send().await?;
        let mut response = Response::builder().status(answer.status());
        for (name, value) in answer.headers() {
            if ![CONNECTION, TRANSFER_ENCODING, CONTENT_LENGTH].contains(name) {
                response = response.header(name, value);
            }
        }
        Ok(response.body(answer.bytes().await?)?)
    }
}

fn bad_gateway(error: anyhow::Error) -> Response<Bytes> {
    Response::builder()
        .status(StatusCode::BAD_GATEWAY)
        .body(Bytes::from(format!("fault proxy: {error:#}")))
        .unwrap_or_default()
}

fn internal_error() -> Response<Full<Bytes>> {
    let xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>InternalError</Code>\
               <Message>We encountered an internal error. Please try again.</Message></Error>";
    Response::builder()
        .status(StatusCode::INTERNAL_SERVER_ERROR)
        .header("content-type", "application/xml")
        .body(Full::new(Bytes::from_static(xml.as_bytes())))
        .unwrap_or_default()
}

//! The S3 operations the runner needs, each with the conditional-write semantics spelled out.
//!
//! Data objects are written create-only (`If-None-Match: *`): a 412 means an earlier attempt
//! already delivered exactly this object. The state object is replaced only by compare-and-swap
//! (`If-Match: <etag>`): a 412 means another run changed it, so this run has lost its lease.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::config::interceptors::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_sdk_s3::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_s3::error::BoxError;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use bytes::Bytes;

use crate::aws_error::{Endpoint, describe};

/// An object body with the ETag it had when read.
#[derive(Debug, Clone)]
pub struct Versioned {
    pub body: Bytes,
    pub etag: String,
}

/// The result of a create-only write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Created {
    /// The object did not exist and now holds our bytes.
    New { etag: String },
    /// An object with this key already exists; nothing was written.
    AlreadyExists,
}

/// The result of a compare-and-swap write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Swapped {
    Done {
        etag: String,
    },
    /// The object changed (or vanished) since it was read; nothing was written.
    Conflict,
}

#[derive(Debug, thiserror::Error)]
#[error("S3 {operation} of s3://{bucket}/{key} failed: {detail}")]
pub struct StoreError {
    operation: &'static str,
    bucket: String,
    key: String,
    detail: String,
}

#[derive(Clone)]
pub struct ObjectStore {
    client: aws_sdk_s3::Client,
    bucket: String,
    /// Named in errors, which the client cannot tell afterwards.
    endpoint: Endpoint,
    attempts: CountAttempts,
}

/// Requests the store's client made, and attempts it sent for them: S3 answers `SlowDown` or 503
/// when a prefix is busy, the SDK sends the request again after a backoff, and a run's summary
/// counts how often.
#[derive(Debug, Clone, Default)]
struct CountAttempts(Arc<Attempts>);

#[derive(Debug, Default)]
struct Attempts {
    requests: AtomicU64,
    sent: AtomicU64,
}

impl Intercept for CountAttempts {
    fn name(&self) -> &'static str {
        "CountS3Retries"
    }

    fn read_before_execution(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.requests.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.sent.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

impl ObjectStore {
    /// A store for `bucket` with the AWS configuration given; path-style addressing is for
    /// S3-compatible stores.
    pub fn new(
        aws: &aws_config::SdkConfig,
        force_path_style: bool,
        bucket: impl Into<String>,
    ) -> Self {
        let attempts = CountAttempts::default();
        let config = aws_sdk_s3::config::Builder::from(aws)
            .force_path_style(force_path_style)
            .interceptor(attempts.clone())
            .build();
        Self {
            client: aws_sdk_s3::Client::from_conf(config),
            bucket: bucket.into(),
            endpoint: Endpoint::of(aws, "S3"),
            attempts,
        }
    }

    /// How many requests this store (and its clones) sent again so far.
    pub fn retries(&self) -> u64 {
        let Attempts { requests, sent } = &*self.attempts.0;
        sent.load(Ordering::Relaxed)
            .saturating_sub(requests.load(Ordering::Relaxed))
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    fn error<E, R>(&self, operation: &'static str, key: &str, err: &SdkError<E, R>) -> StoreError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        StoreError {
            operation,
            bucket: self.bucket.clone(),
            key: key.to_owned(),
            detail: describe(err, &self.endpoint),
        }
    }

    /// Reads an object; `None` only when S3 says the key does not exist. Every other failure
    /// (access denied, throttling, timeouts) is an error, never "not there".
    pub async fn get(&self, key: &str) -> Result<Option<Versioned>, StoreError> {
        let response = match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(response) => response,
            Err(err) if err.as_service_error().is_some_and(|e| e.is_no_such_key()) => {
                return Ok(None);
            }
            Err(err) => return Err(self.error("GetObject", key, &err)),
        };
        let etag = response.e_tag().unwrap_or_default().to_owned();
        let body = response.body.collect().await.map_err(|e| StoreError {
            operation: "GetObject",
            bucket: self.bucket.clone(),
            key: key.to_owned(),
            detail: format!("reading the body: {e}"),
        })?;
        Ok(Some(Versioned {
            body: body.into_bytes(),
            etag,
        }))
    }

    /// Writes an object only if no object has this key.
    pub async fn create(
        &self,
        key: &str,
        body: Bytes,
        content_type: &str,
    ) -> Result<Created, StoreError> {
        let sent = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .if_none_match("*")
            .content_type(content_type)
            .body(ByteStream::from(body))
            .send()
            .await;
        match sent {
            Ok(output) => Ok(Created::New {
                etag: output.e_tag().unwrap_or_default().to_owned(),
            }),
            Err(err) if precondition_failed(&err) => Ok(Created::AlreadyExists),
            Err(err) => Err(self.error("PutObject (If-None-Match)", key, &err)),
        }
    }

    /// Replaces an object only if it still has `etag`.
    pub async fn swap(&self, key: &str, body: Bytes, etag: &str) -> Result<Swapped, StoreError> {
        let sent = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .if_match(etag)
            .content_type("application/json")
            .body(ByteStream::from(body))
            .send()
            .await;
        match sent {
            Ok(output) => Ok(Swapped::Done {
                etag: output.e_tag().unwrap_or_default().to_owned(),
            }),
            // AWS answers 404 when the object vanished; some S3-compatible stores answer 412.
            Err(err) if precondition_failed(&err) || is_not_found(&err) || is_conflict(&err) => {
                Ok(Swapped::Conflict)
            }
            Err(err) => Err(self.error("PutObject (If-Match)", key, &err)),
        }
    }

    /// Every key under `prefix`, in S3's (lexicographic) order.
    pub async fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let mut keys = Vec::new();
        let mut pages = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(prefix)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| self.error("ListObjectsV2", prefix, &e))?;
            keys.extend(
                page.contents()
                    .iter()
                    .filter_map(|o| o.key().map(str::to_owned)),
            );
        }
        Ok(keys)
    }
}

fn status<E>(err: &SdkError<E, HttpResponse>) -> Option<u16> {
    err.raw_response().map(|r| r.status().as_u16())
}

fn precondition_failed<E>(err: &SdkError<E, HttpResponse>) -> bool {
    status(err) == Some(412)
}

fn is_not_found<E>(err: &SdkError<E, HttpResponse>) -> bool {
    status(err) == Some(404)
}

/// S3 answers 409 ConditionalRequestConflict when a conflicting write is in progress.
fn is_conflict<E>(err: &SdkError<E, HttpResponse>) -> bool {
    status(err) == Some(409)
}

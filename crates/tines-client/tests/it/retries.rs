//! Faults between client and server: which are retried, how long, and what is left when the
//! budget runs out.

use std::time::{Duration, Instant};

use serde_json::json;
use tines_client::{AuditLogQuery, Client, ErrorKind, NewUser, RetryPolicy};

use crate::harness::{Harness, fast_retry};

async fn page(client: &Client) -> Result<usize, tines_client::Error> {
    let page = client.audit_logs_page(&AuditLogQuery::default()).await?;
    Ok(page.records().len())
}

async fn seeded() -> Harness {
    let h = Harness::start().await;
    h.seed(json!({"count": 30})).await;
    h
}

#[tokio::test]
async fn server_errors_are_retried_then_succeed_or_end_as_server_errors() {
    let h = seeded().await;
    let client = h.client();
    h.faults(json!([{"kind": "server_error", "status": 502, "count": 2}]))
        .await;
    assert_eq!(page(&client).await.unwrap(), 20);
    assert_eq!(h.requests("GET /api/v1/audit_logs").await, 3);

    h.faults(json!([{"kind": "server_error"}])).await;
    let error = page(&client).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Server);
    assert_eq!(error.status(), Some(503));
    assert_eq!(error.attempts(), 4);
    assert_eq!(
        error.message(),
        "Injected server error (Service Unavailable)"
    );
    assert_eq!(h.requests("GET /api/v1/audit_logs").await, 7);
    assert!(error.to_string().contains("after 4 attempts"), "{error}");
}

#[tokio::test]
async fn a_rate_limit_without_retry_after_backs_off_and_retries() {
    let h = seeded().await;
    h.configure(json!({"retry_after": false})).await;
    let client = h.client();
    h.faults(json!([{"kind": "rate_limit", "count": 2}])).await;
    assert_eq!(page(&client).await.unwrap(), 20);
    assert_eq!(h.requests("GET /api/v1/audit_logs").await, 3);

    h.faults(json!([{"kind": "rate_limit"}])).await;
    let error = page(&client).await.unwrap_err();
    assert!(error.is_rate_limited());
    assert_eq!(error.retry_after(), None);
    assert_eq!(error.attempts(), 4);
}

#[tokio::test]
async fn a_retry_after_longer_than_the_deadline_fails_at_once() {
    let h = seeded().await;
    let client = h.client();
    // The fault answers 429 with Retry-After: 60, far past the 5 s deadline.
    h.faults(json!([{"kind": "rate_limit", "count": 1}])).await;
    let started = Instant::now();
    let error = page(&client).await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(error.is_rate_limited());
    assert_eq!(error.retry_after(), Some(Duration::from_secs(60)));
    assert_eq!(error.attempts(), 1);
    assert_eq!(page(&client).await.unwrap(), 20, "the fault is used up");
}

#[tokio::test]
async fn the_servers_own_limit_ends_in_rate_limited_with_its_wait() {
    let h = seeded().await;
    h.configure(json!({"rate_limits": {"audit_logs": 3}})).await;
    let client = h.client();
    for _ in 0..3 {
        page(&client).await.unwrap();
    }
    let started = Instant::now();
    let error = page(&client).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(error.is_rate_limited());
    let wait = error.retry_after().unwrap();
    assert!(
        wait > Duration::from_secs(50) && wait <= Duration::from_secs(60),
        "{wait:?}"
    );
    assert!(
        client.info().await.is_ok(),
        "other endpoints keep their budget"
    );
}

#[tokio::test]
async fn a_truncated_body_is_retried_and_reported_when_it_persists() {
    let h = seeded().await;
    let client = h.client();
    h.faults(json!([{"kind": "truncate", "count": 1}])).await;
    assert_eq!(page(&client).await.unwrap(), 20);

    h.faults(json!([{"kind": "truncate"}])).await;
    let error = page(&client).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidResponse);
    assert_eq!(error.status(), Some(200));
    assert_eq!(error.attempts(), 4);
    assert!(error.message().contains("EOF while parsing"), "{error}");
}

#[tokio::test]
async fn a_reset_connection_is_retried_and_reported_when_it_persists() {
    let h = seeded().await;
    let client = h.client();
    h.faults(json!([{"kind": "reset", "count": 2}])).await;
    assert_eq!(page(&client).await.unwrap(), 20);
    assert_eq!(h.requests("GET /api/v1/audit_logs").await, 3);

    h.faults(json!([{"kind": "reset"}])).await;
    let error = page(&client).await.unwrap_err();
    assert!(error.is_transport());
    assert!(!error.is_timeout());
    assert_eq!(error.attempts(), 4);
    assert!(std::error::Error::source(&error).is_some());
}

#[tokio::test]
async fn a_stalled_server_times_out() {
    let h = seeded().await;
    let client = Client::new(
        h.config(crate::harness::OWNER_KEY)
            .request_timeout(Duration::from_millis(200))
            .retry(RetryPolicy {
                max_attempts: 2,
                ..fast_retry()
            }),
    )
    .unwrap();
    h.faults(json!([{"kind": "stall", "millis": 5000}])).await;
    let started = Instant::now();
    let error = page(&client).await.unwrap_err();
    let took = started.elapsed();
    assert!(error.is_transport() && error.is_timeout(), "{error}");
    assert_eq!(error.attempts(), 2);
    assert!(
        took >= Duration::from_millis(400) && took < Duration::from_secs(3),
        "{took:?}"
    );
}

#[tokio::test]
async fn a_hard_deadline_cuts_a_call_short() {
    let h = seeded().await;
    h.faults(json!([{"kind": "stall", "millis": 5000}])).await;
    let client = h
        .client()
        .with_deadline(std::time::Instant::now() + Duration::from_millis(300));
    let started = Instant::now();
    let error = page(&client).await.unwrap_err();
    let took = started.elapsed();
    assert!(error.is_timeout(), "{error}");
    assert!(error.message().contains("deadline"), "{error}");
    assert!(took < Duration::from_secs(2), "{took:?}");
    let after = page(&client).await.unwrap_err();
    assert!(after.is_timeout() && after.attempts() == 0, "{after}");
}

#[tokio::test]
async fn a_post_is_never_sent_twice() {
    let h = Harness::start().await;
    let client = h.client();
    for fault in [
        json!({"kind": "server_error", "count": 1}),
        json!({"kind": "rate_limit", "count": 1}),
        json!({"kind": "reset", "count": 1}),
        json!({"kind": "truncate", "count": 1}),
    ] {
        h.faults(json!([fault])).await;
        let before = h.requests("POST /api/v1/admin/users").await;
        let error = client
            .create_user(&NewUser::new(format!("p{before}@example.com")))
            .await
            .unwrap_err();
        assert_eq!(error.attempts(), 1, "{fault}: {error}");
        assert_eq!(
            h.requests("POST /api/v1/admin/users").await,
            before + 1,
            "{fault}"
        );
    }
}

#[tokio::test]
async fn idempotent_user_calls_are_retried() {
    let h = Harness::start().await;
    let client = h.client();
    let user = client
        .create_user(&NewUser::new("r@example.com"))
        .await
        .unwrap();
    h.faults(json!([{"kind": "server_error", "count": 1}, {"kind": "reset", "count": 1}]))
        .await;
    let update = tines_client::UserUpdate {
        first_name: Some("Retried".to_owned()),
        ..Default::default()
    };
    assert_eq!(
        client
            .update_user(user.id, &update)
            .await
            .unwrap()
            .first_name,
        "Retried"
    );
    assert_eq!(h.requests("PUT /api/v1/admin/users/{id}").await, 3);
}

//! The client-side limiter spaces requests across clones and tasks.

use std::time::{Duration, Instant};

use serde_json::json;
use tines_client::{AuditLogQuery, Client, RateLimits};

use crate::harness::{Harness, OWNER_KEY};

#[tokio::test]
async fn clones_share_one_limiter_per_endpoint_group() {
    let h = Harness::start().await;
    h.seed(json!({"count": 5})).await;
    // 600 a minute: one audit-log request every 100 ms, whichever clone sends it.
    let client = Client::new(h.config(OWNER_KEY).rate_limits(RateLimits {
        audit_logs: Some(600),
        ..RateLimits::unlimited()
    }))
    .unwrap();
    let started = Instant::now();
    let tasks: Vec<_> = (0..3)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                for _ in 0..2 {
                    client
                        .audit_logs_page(&AuditLogQuery::default())
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(500), "6 requests in {took:?}");
    assert!(took < Duration::from_secs(3), "6 requests in {took:?}");

    let other_group = Instant::now();
    for _ in 0..6 {
        client.info().await.unwrap();
    }
    assert!(
        other_group.elapsed() < Duration::from_millis(400),
        "info is not limited"
    );
}

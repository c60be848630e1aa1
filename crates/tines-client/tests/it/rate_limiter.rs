//! The client-side budget is shared across clones and tasks, and spent without waiting.

use std::time::{Duration, Instant};

use serde_json::json;
use tines_client::{AuditLogQuery, Client, RateLimits};

use crate::harness::{Harness, OWNER_KEY};

#[tokio::test]
async fn clones_share_one_budget_per_endpoint_group_spent_without_waiting() {
    let h = Harness::start().await;
    h.seed(json!({"count": 5})).await;
    // Six audit-log requests a minute, whichever clone sends them.
    let client = Client::new(h.config(OWNER_KEY).rate_limits(RateLimits {
        audit_logs: Some(6),
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
    assert!(
        took < Duration::from_secs(1),
        "the budget's 6 requests went out at once: {took:?}"
    );

    // The seventh, from yet another clone, waits for the first to leave the window.
    let seventh = client.clone();
    let waited = tokio::time::timeout(
        Duration::from_millis(1_500),
        seventh.audit_logs_page(&AuditLogQuery::default()),
    )
    .await;
    assert!(waited.is_err(), "the 7th request in a minute must wait");

    let other_group = Instant::now();
    for _ in 0..6 {
        client.info().await.unwrap();
    }
    assert!(
        other_group.elapsed() < Duration::from_millis(400),
        "info is not limited"
    );
}

//! The API key never appears in any formatted output of the crate's types.

use std::time::Duration;

use serde_json::json;
use tines_client::{AuditLogQuery, Client, Config, RetryPolicy};

use crate::harness::{Harness, OWNER_KEY};

fn assert_hidden(what: &str, text: &str) {
    assert!(!text.contains(OWNER_KEY), "{what} shows the key: {text}");
    assert!(
        !text.contains("5ecr3t"),
        "{what} shows part of the key: {text}"
    );
}

#[tokio::test]
async fn the_key_is_absent_from_config_client_and_error_output() {
    let h = Harness::start().await;
    let config = h.config(OWNER_KEY);
    assert_hidden("config", &format!("{config:?} {config:#?}"));
    let client = Client::new(config).unwrap();
    assert_hidden("client", &format!("{client:?} {client:#?}"));
    assert!(format!("{client:?}").contains("<redacted>"));

    let mut errors = Vec::new();
    let bad_url = Client::new(Config::new("http://example.com", OWNER_KEY)).unwrap_err();
    errors.push(bad_url);
    let bad_retry = Client::new(Config::new(h.sim.base_url(), OWNER_KEY).retry(RetryPolicy {
        max_attempts: 0,
        ..RetryPolicy::default()
    }))
    .unwrap_err();
    errors.push(bad_retry);
    let revoked = Client::new(h.config(&format!("{OWNER_KEY}-revoked"))).unwrap();
    errors.push(revoked.info().await.unwrap_err());
    h.faults(json!([{"kind": "reset", "count": 4}])).await;
    errors.push(client.info().await.unwrap_err());
    h.faults(json!([{"kind": "stall", "millis": 2000}])).await;
    let impatient = Client::new(
        h.config(OWNER_KEY)
            .request_timeout(Duration::from_millis(100))
            .retry(RetryPolicy {
                max_attempts: 1,
                ..RetryPolicy::default()
            }),
    )
    .unwrap();
    errors.push(
        impatient
            .audit_logs_page(&AuditLogQuery::default())
            .await
            .unwrap_err(),
    );
    h.faults(json!([{"kind": "truncate"}])).await;
    errors.push(client.info().await.unwrap_err());

    for error in &errors {
        let mut text = format!("{error} {error:?} {error:#?}");
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            text.push_str(&format!(" {cause} {cause:?}"));
            source = cause.source();
        }
        assert_hidden(&format!("{:?} error", error.kind()), &text);
    }
}

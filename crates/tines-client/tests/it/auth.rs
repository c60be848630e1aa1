//! Keys: accepted, unknown, revoked, and valid but not allowed.

use reqwest::Method;
use serde_json::Value;
use tines_client::{AuditLogQuery, Client, ErrorKind, UserUpdate};

use crate::harness::Harness;

#[tokio::test]
async fn the_owner_key_reads_info() {
    let h = Harness::start().await;
    let info = h.client().info().await.unwrap();
    assert_eq!(info.stack.name.as_deref(), Some("tines-sim"));
    assert_eq!(info.stack.kind.as_deref(), Some("simulator"));
    assert_eq!(info.stack.egress_ips, ["127.0.0.1"]);
}

#[tokio::test]
async fn unknown_and_revoked_keys_are_unauthorized_and_not_retried() {
    let h = Harness::start().await;
    let unknown = Client::new(h.config("not-a-key")).unwrap();
    let error = unknown.info().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Unauthorized);
    assert!(error.is_unauthorized());
    assert_eq!(error.status(), Some(401));
    assert_eq!(error.attempts(), 1);
    assert!(error.message().contains("revoked API key"), "{error}");

    let key = h
        .control(
            Method::POST,
            "/_sim/keys",
            serde_json::json!({"kind": "service", "name": "short-lived"}),
        )
        .await;
    let client = Client::new(h.config(key["token"].as_str().unwrap())).unwrap();
    client.info().await.unwrap();
    let id = key["id"].as_u64().unwrap();
    h.control(Method::DELETE, &format!("/_sim/keys/{id}"), Value::Null)
        .await;
    assert!(client.info().await.unwrap_err().is_unauthorized());
    assert_eq!(h.requests("GET /api/v1/info").await, 3);
}

#[tokio::test]
async fn a_key_without_audit_log_read_is_forbidden_until_granted() {
    let h = Harness::start().await;
    let (token, user_id) = h.key("service", "secops-pipeline").await;
    let service = Client::new(h.config(&token)).unwrap();

    let error = service
        .audit_logs_page(&AuditLogQuery::default())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Forbidden);
    assert_eq!(error.status(), Some(403));
    assert!(error.message().contains("AUDIT_LOG_READ"), "{error}");
    let admin = service.list_users().await.unwrap_err();
    assert!(admin.is_forbidden());
    assert!(admin.message().contains("tenant owner"), "{admin}");

    // The provider's job in one call: the owner grants the service account the permission.
    let grant = UserUpdate {
        tenant_permissions: Some(vec!["AUDIT_LOG_READ".to_owned()]),
        ..UserUpdate::default()
    };
    h.client().update_user(user_id, &grant).await.unwrap();
    let page = service
        .audit_logs_page(&AuditLogQuery::default())
        .await
        .unwrap();
    assert!(page.records().is_empty());
}

//! Every error-body shape Tines might use ends up as the same message, and a body that is no
//! answer of Tines' (a proxy's page, nothing at all) is described instead of parsed.

use serde_json::json;
use tines_client::{AuditLogQuery, Client, ErrorKind, RetryPolicy, UserUpdate};

use crate::harness::{Harness, OWNER_KEY, fast_retry};

#[tokio::test]
async fn all_three_error_body_shapes_give_the_server_message() {
    let h = Harness::start().await;
    let (token, _) = h.key("team", "team-key").await;
    let team = Client::new(h.config(&token)).unwrap();
    let stranger = Client::new(h.config("nobody")).unwrap();
    for style in ["errors_object", "errors_array", "text"] {
        h.configure(json!({"error_body": style})).await;
        let unauthorized = stranger.info().await.unwrap_err();
        assert_eq!(
            unauthorized.message(),
            "Unauthorized: missing, unknown or revoked API key",
            "{style}"
        );
        let forbidden = team
            .audit_logs_page(&AuditLogQuery::default())
            .await
            .unwrap_err();
        assert!(forbidden.is_forbidden(), "{style}");
        assert!(
            forbidden
                .message()
                .starts_with("Forbidden: reading audit logs needs a tenant owner"),
            "{style}: {forbidden}"
        );
        let missing = h.client().get_user(424242).await.unwrap_err();
        assert!(missing.is_not_found(), "{style}");
        assert_eq!(missing.message(), "User 424242 not found", "{style}");
    }
}

#[tokio::test]
async fn a_refused_change_is_rejected_with_the_reason_and_not_retried() {
    let h = Harness::start().await;
    let client = h.client();
    let user = client
        .create_user(&tines_client::NewUser::new("ana@example.com"))
        .await
        .unwrap();
    let bad = UserUpdate {
        tenant_permissions: Some(vec!["STORY_DELETE_ALL".to_owned()]),
        ..UserUpdate::default()
    };
    let error = client.update_user(user.id, &bad).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Rejected);
    assert_eq!(error.status(), Some(400));
    assert!(error.message().contains("STORY_DELETE_ALL"), "{error}");
    assert_eq!(error.attempts(), 1);

    let taken = client
        .create_user(&tines_client::NewUser::new("ana@example.com"))
        .await
        .unwrap_err();
    assert!(taken.is_rejected());
    assert_eq!(taken.status(), Some(422));
    assert!(taken.message().contains("already been taken"), "{taken}");
}

#[tokio::test]
async fn a_forbidden_audit_log_read_names_the_permission_and_how_to_grant_it() {
    let h = Harness::start().await;
    let (token, _) = h.key("team", "team-key").await;
    let team = Client::new(h.config(&token)).unwrap();
    let forbidden = team
        .audit_logs_page(&AuditLogQuery::default())
        .await
        .unwrap_err();
    let text = forbidden.to_string();
    assert!(forbidden.is_forbidden(), "{text}");
    for needed in [
        "without the AUDIT_LOG_READ tenant permission",
        "tinesaudit_tenant_permissions Terraform resource",
        "Settings > Users",
    ] {
        assert!(text.contains(needed), "{needed}: {text}");
    }
    assert!(!text.contains(&token), "{text}");

    // The admin API's 403 has other causes; the hint is only where it is the answer.
    let admin = team.list_users().await.unwrap_err();
    assert!(admin.is_forbidden(), "{admin}");
    assert!(!admin.to_string().contains("AUDIT_LOG_READ"), "{admin}");
}

#[tokio::test]
async fn a_proxy_page_or_an_empty_body_is_described_not_parsed() {
    let h = Harness::start().await;
    let once = RetryPolicy {
        max_attempts: 1,
        ..fast_retry()
    };
    let client = Client::new(h.config(OWNER_KEY).retry(once)).unwrap();
    let html = "an HTML page (Content-Type: text/html; charset=utf-8)";
    for (fault, status, says) in [
        (
            json!({"kind": "html_page", "status": 200}),
            200,
            format!("expected JSON, got {html}: \"200 OK\""),
        ),
        (
            json!({"kind": "html_page", "status": 502}),
            502,
            format!("{html}: \"502 Bad Gateway\""),
        ),
        (
            json!({"kind": "empty_body"}),
            200,
            "expected JSON, got an empty body (no Content-Type)".to_owned(),
        ),
    ] {
        h.faults(json!([fault])).await;
        let error = client
            .audit_logs_page(&AuditLogQuery::default())
            .await
            .unwrap_err();
        let text = error.to_string();
        assert_eq!(error.status(), Some(status), "{text}");
        assert!(text.contains(&format!("(HTTP {status})")), "{text}");
        assert!(text.contains(&says), "{says}: {text}");
        assert!(
            !text.contains('<') && !text.contains("line 1 column"),
            "{text}"
        );
        assert!(!text.contains(OWNER_KEY), "{text}");
    }
}

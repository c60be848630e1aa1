//! Every error-body shape Tines might use ends up as the same message.

use serde_json::json;
use tines_client::{AuditLogQuery, Client, ErrorKind, UserUpdate};

use crate::harness::Harness;

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

//! The admin users API: a full round trip and a list longer than one page.

use serde_json::json;
use tines_client::{NewUser, UserUpdate};

use crate::harness::Harness;

#[tokio::test]
async fn create_read_update_and_delete_a_user() {
    let h = Harness::start().await;
    let client = h.client();
    let created = client
        .create_user(&NewUser {
            first_name: Some("Ana".to_owned()),
            tenant_permissions: Some(vec!["TUNNEL_MANAGE".to_owned()]),
            ..NewUser::new("ana@example.com")
        })
        .await
        .unwrap();
    assert_eq!(created.email, "ana@example.com");
    assert_eq!(created.first_name, "Ana");
    assert_eq!(created.last_name, "");
    assert_eq!(created.tenant_permissions, ["TUNNEL_MANAGE"]);
    assert!(created.is_active && !created.admin);
    assert_eq!(created.scim_uid, None);
    assert_eq!(created.last_seen, None);
    assert_eq!(client.get_user(created.id).await.unwrap(), created);

    let renamed = client
        .update_user(
            created.id,
            &UserUpdate {
                last_name: Some("Lopez".to_owned()),
                ..UserUpdate::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(renamed.last_name, "Lopez");
    assert_eq!(
        renamed.tenant_permissions,
        ["TUNNEL_MANAGE"],
        "not sent, not changed"
    );
    assert!(renamed.updated_at >= created.updated_at);

    let replaced = client
        .update_user(
            created.id,
            &UserUpdate {
                tenant_permissions: Some(vec!["AUDIT_LOG_READ".to_owned()]),
                ..UserUpdate::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        replaced.tenant_permissions,
        ["AUDIT_LOG_READ"],
        "the set is replaced"
    );
    assert_eq!(replaced.last_name, "Lopez");
    let cleared = client
        .update_user(
            created.id,
            &UserUpdate {
                tenant_permissions: Some(Vec::new()),
                is_active: Some(false),
                ..UserUpdate::default()
            },
        )
        .await
        .unwrap();
    assert!(cleared.tenant_permissions.is_empty() && !cleared.is_active);
    assert_eq!(client.get_user(created.id).await.unwrap(), cleared);

    let listed = client.list_users().await.unwrap();
    assert!(listed.contains(&cleared));

    client.delete_user(created.id).await.unwrap();
    assert!(
        client
            .get_user(created.id)
            .await
            .unwrap_err()
            .is_not_found()
    );
    assert!(
        client
            .delete_user(created.id)
            .await
            .unwrap_err()
            .is_not_found()
    );
    let missing = client
        .update_user(created.id, &UserUpdate::default())
        .await
        .unwrap_err();
    assert!(missing.is_not_found());
}

#[tokio::test]
async fn list_users_reads_every_page() {
    let h = Harness::start().await;
    // 520 users plus the owner key's service account: two pages of 500.
    for n in 0..520 {
        h.control(
            reqwest::Method::POST,
            "/_sim/users",
            json!({"email": format!("user{n}@example.com")}),
        )
        .await;
    }
    let users = h.client().list_users().await.unwrap();
    assert_eq!(users.len(), 521);
    let mut ids: Vec<u64> = users.iter().map(|u| u.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 521);
    assert_eq!(h.requests("GET /api/v1/admin/users").await, 2);
}

//! The data sources against the simulator.

use serde_json::json;
use tfplugin_proto::value::Value;

use crate::{Env, assert_no_errors, b, errors, n, path_of, s, strings, text};

const USER: &str = "tinesaudit_user";
const USERS: &str = "tinesaudit_users";
const TENANT: &str = "tinesaudit_tenant";
const AUDIT_LOGS: &str = "tinesaudit_audit_logs";

#[tokio::test]
async fn user_by_id_or_email() {
    let env = Env::new().await;
    let id = env.new_user("Jane@Example.com", &["AUDIT_LOG_READ"]).await;

    let (by_id, diagnostics) = env
        .read_data(USER, &env.data_source(USER, &[("id", n(id as i64))]))
        .await;
    assert_no_errors(&diagnostics);
    assert_eq!(by_id.attribute("email"), Some(&s("Jane@Example.com")));
    assert_eq!(
        strings(by_id.attribute("tenant_permissions")),
        ["AUDIT_LOG_READ"]
    );
    assert_eq!(by_id.attribute("can_read_audit_logs"), Some(&b(true)));
    assert_eq!(by_id.attribute("admin"), Some(&b(false)));
    assert_eq!(by_id.attribute("last_seen"), Some(&Value::Null));

    let (by_email, diagnostics) = env
        .read_data(
            USER,
            &env.data_source(USER, &[("email", s("jane@example.COM"))]),
        )
        .await;
    assert_no_errors(&diagnostics);
    assert_eq!(by_email, by_id);

    let (_, diagnostics) = env.read_data(USER, &env.data_source(USER, &[])).await;
    assert!(text(&diagnostics).contains("Set either id or email"));
    let (_, diagnostics) = env
        .read_data(USER, &env.data_source(USER, &[("id", n(999_999))]))
        .await;
    let errors = errors(&diagnostics);
    assert_eq!(path_of(errors[0]), "id");
}

#[tokio::test]
async fn users_filtered_by_permission_and_role() {
    let env = Env::new().await;
    let reader = env
        .new_user("reader@example.com", &["AUDIT_LOG_READ"])
        .await;
    env.new_user("other@example.com", &["TUNNEL_MANAGE"]).await;

    let (all, diagnostics) = env.read_data(USERS, &env.data_source(USERS, &[])).await;
    assert_no_errors(&diagnostics);
    let Some(Value::List(ids)) = all.attribute("ids") else {
        panic!("ids")
    };
    assert_eq!(ids.len(), 3, "the owner's service account and two humans");

    let (readers, _) = env
        .read_data(
            USERS,
            &env.data_source(USERS, &[("with_permission", s("AUDIT_LOG_READ"))]),
        )
        .await;
    assert_eq!(
        readers.attribute("ids"),
        Some(&Value::List(vec![n(reader as i64)]))
    );

    let (owners, _) = env
        .read_data(
            USERS,
            &env.data_source(USERS, &[("tenant_owners_only", b(true))]),
        )
        .await;
    assert_eq!(
        owners.attribute("ids"),
        Some(&Value::List(vec![n(env.owner_user_id as i64)]))
    );
    let Some(Value::List(users)) = owners.attribute("users") else {
        panic!("users")
    };
    assert_eq!(users[0].attribute("first_name"), Some(&s("terraform")));
    assert_eq!(users[0].attribute("can_read_audit_logs"), Some(&b(true)));
}

#[tokio::test]
async fn tenant_info() {
    let env = Env::new().await;
    let (tenant, diagnostics) = env.read_data(TENANT, &env.data_source(TENANT, &[])).await;
    assert_no_errors(&diagnostics);
    assert_eq!(tenant.attribute("stack_name"), Some(&s("tines-sim")));
    assert_eq!(tenant.attribute("tenant"), Some(&s(env.sim.base_url())));
    assert_eq!(
        tenant.attribute("egress_ips"),
        Some(&Value::List(vec![s("127.0.0.1")]))
    );
}

/// The ids of the records in a data source state, in order.
fn record_ids(state: &Value) -> Vec<i64> {
    let Some(Value::List(records)) = state.attribute("records") else {
        panic!("records")
    };
    records
        .iter()
        .map(|r| {
            r.attribute("id")
                .unwrap()
                .as_number()
                .unwrap()
                .as_i64()
                .unwrap()
        })
        .collect()
}

#[tokio::test]
async fn audit_logs_newest_first_whatever_the_server_order() {
    let env = Env::new().await;
    let seeded = env
        .control(
            "POST",
            "/_sim/events",
            Some(json!({"count": 30, "operation_names": ["Login", "UserEdit"]})),
        )
        .await;
    let last = seeded["last_id"].as_i64().unwrap();

    let config = env.data_source(AUDIT_LOGS, &[("limit", n(7))]);
    let (newest, diagnostics) = env.read_data(AUDIT_LOGS, &config).await;
    assert_no_errors(&diagnostics);
    let ids = record_ids(&newest);
    assert_eq!(ids, (last - 6..=last).rev().collect::<Vec<_>>());

    // A server that pages oldest first gives the same answer.
    env.control(
        "PATCH",
        "/_sim/config",
        Some(json!({"order": "oldest_first"})),
    )
    .await;
    let (oldest_paged, diagnostics) = env.read_data(AUDIT_LOGS, &config).await;
    assert_no_errors(&diagnostics);
    assert_eq!(record_ids(&oldest_paged), ids);

    let only_edits = env.data_source(
        AUDIT_LOGS,
        &[
            ("operation_names", Value::List(vec![s("UserEdit")])),
            ("limit", n(100)),
        ],
    );
    let (edits, diagnostics) = env.read_data(AUDIT_LOGS, &only_edits).await;
    assert_no_errors(&diagnostics);
    let Some(Value::List(records)) = edits.attribute("records") else {
        panic!()
    };
    assert_eq!(records.len(), 15);
    assert!(
        records
            .iter()
            .all(|r| r.attribute("operation_name") == Some(&s("UserEdit")))
    );
    let json = records[0].attribute("json").unwrap().as_str().unwrap();
    assert!(json.contains("\"operation_name\":\"UserEdit\""), "{json}");
}

#[tokio::test]
async fn audit_logs_validate_timestamps_and_explain_a_refusal() {
    let env = Env::new().await;
    let (_, diagnostics) = env
        .read_data(
            AUDIT_LOGS,
            &env.data_source(AUDIT_LOGS, &[("after", s("yesterday"))]),
        )
        .await;
    let errors = errors(&diagnostics);
    assert_eq!(path_of(errors[0]), "after");

    // A reversed or empty window would read as "no records": an error on `before` instead.
    for before in ["2025-01-01T00:00:00Z", "2024-06-01T00:00:00Z"] {
        let window = [("after", s("2025-01-01T00:00:00Z")), ("before", s(before))];
        let (_, diagnostics) = env
            .read_data(AUDIT_LOGS, &env.data_source(AUDIT_LOGS, &window))
            .await;
        let refused = self::errors(&diagnostics);
        assert_eq!(refused.len(), 1, "{}", text(&diagnostics));
        assert_eq!(path_of(refused[0]), "before");
        assert!(
            text(&diagnostics).contains("must be later than after"),
            "{}",
            text(&diagnostics)
        );
    }

    let (_, service_token, _) = env.new_key("service", "no-audit").await;
    env.configure_ok(&[("api_key", s(&service_token))]).await;
    let (_, diagnostics) = env
        .read_data(AUDIT_LOGS, &env.data_source(AUDIT_LOGS, &[]))
        .await;
    assert!(
        text(&diagnostics).contains("AUDIT_LOG_READ"),
        "{}",
        text(&diagnostics)
    );
}

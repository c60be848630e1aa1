//! `tinesaudit_tenant_permissions` against the simulator: the lifecycle, drift both ways, authoritative
//! versus not, import, and the refusals users must be able to act on.

use serde_json::json;
use tfplugin_proto::value::Value;

use crate::{
    Env, PERMISSIONS, assert_no_errors, b, errors, n, path_of, s, set, strings, text, warnings,
};

fn config(env: &Env, user_id: u64, permissions: &[&str], authoritative: Option<bool>) -> Value {
    let mut attrs = vec![
        ("user_id", n(user_id as i64)),
        ("permissions", set(permissions)),
    ];
    if let Some(authoritative) = authoritative {
        attrs.push(("authoritative", b(authoritative)));
    }
    env.resource(PERMISSIONS, &attrs)
}

#[tokio::test]
async fn grant_leaves_other_permissions_alone_plans_empty_and_destroy_removes_only_the_grant() {
    let env = Env::new().await;
    let user = env.new_user("jane@example.com", &["TUNNEL_MANAGE"]).await;
    let config = config(&env, user, &["AUDIT_LOG_READ"], None);

    let planned = env.plan(PERMISSIONS, &Value::Null, &config).await;
    assert_no_errors(&planned.diagnostics);
    let plan = env.decode(PERMISSIONS, &planned.planned_state);
    let id = format!("{user}:AUDIT_LOG_READ");
    assert_eq!(
        plan.attribute("id"),
        Some(&s(&id)),
        "known from the configuration"
    );
    assert_eq!(
        plan.attribute("authoritative"),
        Some(&b(false)),
        "the default"
    );

    let state = env.converge(PERMISSIONS, &Value::Null, &config).await;
    assert_eq!(state.attribute("id"), Some(&s(&id)));
    assert_eq!(
        env.permissions_of(user).await,
        ["AUDIT_LOG_READ", "TUNNEL_MANAGE"]
    );

    // Refresh then plan: nothing to do.
    let refreshed = env.refresh(PERMISSIONS, &state).await;
    assert_eq!(refreshed, state);
    let again = env.plan(PERMISSIONS, &refreshed, &config).await;
    assert_no_errors(&again.diagnostics);
    assert_eq!(env.decode(PERMISSIONS, &again.planned_state), state);

    // Destroy removes only what the resource manages.
    let gone = env.converge(PERMISSIONS, &state, &Value::Null).await;
    assert_eq!(gone, Value::Null);
    assert_eq!(env.permissions_of(user).await, ["TUNNEL_MANAGE"]);
}

#[tokio::test]
async fn a_permission_removed_in_tines_shows_as_drift_and_apply_restores_it() {
    let env = Env::new().await;
    let (_, _, service_user) = env.new_key("service", "secops-pipeline").await;
    let config = config(&env, service_user, &["AUDIT_LOG_READ"], None);
    let state = env.converge(PERMISSIONS, &Value::Null, &config).await;

    env.set_permissions_behind_terraforms_back(service_user, &[])
        .await;
    let refreshed = env.refresh(PERMISSIONS, &state).await;
    assert!(strings(refreshed.attribute("permissions")).is_empty());

    let planned = env.plan(PERMISSIONS, &refreshed, &config).await;
    assert_no_errors(&planned.diagnostics);
    let plan = env.decode(PERMISSIONS, &planned.planned_state);
    assert_eq!(strings(plan.attribute("permissions")), ["AUDIT_LOG_READ"]);
    assert!(
        planned.requires_replace.is_empty(),
        "an update, not a replacement"
    );

    let applied = env.apply(PERMISSIONS, &refreshed, &plan, &config).await;
    assert_no_errors(&applied.diagnostics);
    assert_eq!(env.permissions_of(service_user).await, ["AUDIT_LOG_READ"]);
    let after = env
        .refresh(PERMISSIONS, &env.decode(PERMISSIONS, &applied.new_state))
        .await;
    let empty = env.plan(PERMISSIONS, &after, &config).await;
    assert_eq!(env.decode(PERMISSIONS, &empty.planned_state), after);
}

#[tokio::test]
async fn non_authoritative_ignores_a_manual_addition_authoritative_removes_it() {
    let env = Env::new().await;
    let user = env.new_user("ops@example.com", &[]).await;

    let loose = config(&env, user, &["AUDIT_LOG_READ"], Some(false));
    let state = env.converge(PERMISSIONS, &Value::Null, &loose).await;
    env.set_permissions_behind_terraforms_back(user, &["AUDIT_LOG_READ", "TUNNEL_MANAGE"])
        .await;
    let refreshed = env.refresh(PERMISSIONS, &state).await;
    assert_eq!(
        refreshed, state,
        "a permission it does not manage is not drift"
    );
    let planned = env.plan(PERMISSIONS, &refreshed, &loose).await;
    assert_eq!(env.decode(PERMISSIONS, &planned.planned_state), refreshed);

    // Becoming authoritative removes TUNNEL_MANAGE.
    let strict = config(&env, user, &["AUDIT_LOG_READ"], Some(true));
    let state = env.converge(PERMISSIONS, &refreshed, &strict).await;
    assert_eq!(env.permissions_of(user).await, ["AUDIT_LOG_READ"]);

    // Added again in the UI: drift, and apply removes it.
    env.set_permissions_behind_terraforms_back(user, &["TUNNEL_MANAGE", "AUDIT_LOG_READ"])
        .await;
    let refreshed = env.refresh(PERMISSIONS, &state).await;
    assert_eq!(
        strings(refreshed.attribute("permissions")),
        ["AUDIT_LOG_READ", "TUNNEL_MANAGE"]
    );
    let state = env.converge(PERMISSIONS, &refreshed, &strict).await;
    assert_eq!(env.permissions_of(user).await, ["AUDIT_LOG_READ"]);

    // Destroying an authoritative resource clears the user's permissions.
    env.converge(PERMISSIONS, &state, &Value::Null).await;
    assert!(env.permissions_of(user).await.is_empty());
}

#[tokio::test]
async fn dropping_a_permission_from_the_list_removes_only_that_one() {
    let env = Env::new().await;
    let user = env.new_user("ff@example.com", &["TUNNEL_MANAGE"]).await;
    let both = config(&env, user, &["AUDIT_LOG_READ", "FEATURE_FLAG_MANAGE"], None);
    let state = env.converge(PERMISSIONS, &Value::Null, &both).await;
    let one = config(&env, user, &["AUDIT_LOG_READ"], None);
    env.converge(PERMISSIONS, &state, &one).await;
    assert_eq!(
        env.permissions_of(user).await,
        ["AUDIT_LOG_READ", "TUNNEL_MANAGE"]
    );
}

#[tokio::test]
async fn a_deleted_user_makes_the_resource_gone() {
    let env = Env::new().await;
    let user = env.new_user("leaver@example.com", &[]).await;
    let state = env
        .converge(
            PERMISSIONS,
            &Value::Null,
            &config(&env, user, &["AUDIT_LOG_READ"], None),
        )
        .await;
    env.control("DELETE", &format!("/_sim/users/{user}"), None)
        .await;
    assert_eq!(env.refresh(PERMISSIONS, &state).await, Value::Null);
    // Destroying it anyway is fine.
    let applied = env
        .apply(PERMISSIONS, &state, &Value::Null, &Value::Null)
        .await;
    assert_no_errors(&applied.diagnostics);
}

#[tokio::test]
async fn importing_the_id_reproduces_the_applied_state() {
    let env = Env::new().await;
    let user = env
        .new_user("imp@example.com", &["FEATURE_FLAG_MANAGE"])
        .await;
    for authoritative in [false, true] {
        let config = config(
            &env,
            user,
            &["AUDIT_LOG_READ", "TUNNEL_MANAGE"],
            Some(authoritative),
        );
        let state = env.converge(PERMISSIONS, &Value::Null, &config).await;
        let id = state.attribute("id").unwrap().as_str().unwrap().to_owned();
        let expected = if authoritative {
            user.to_string()
        } else {
            format!("{user}:AUDIT_LOG_READ,TUNNEL_MANAGE")
        };
        assert_eq!(id, expected);
        let (imported, diagnostics) = env.import(PERMISSIONS, &id).await;
        assert_no_errors(&diagnostics);
        assert_eq!(imported, state, "import {id}");
        env.converge(PERMISSIONS, &state, &Value::Null).await;
    }

    let (_, diagnostics) = env.import(PERMISSIONS, "jane").await;
    assert!(text(&diagnostics).contains("Invalid import ID"));
    let (gone, diagnostics) = env.import(PERMISSIONS, "999999").await;
    assert_no_errors(&diagnostics);
    assert_eq!(gone, Value::Null, "Terraform reports a missing object");
}

#[tokio::test]
async fn switching_authoritative_off_keeps_what_the_user_holds() {
    let env = Env::new().await;
    let user = env.new_user("switch@example.com", &[]).await;
    // Imported as a whole: authoritative, everything the user holds.
    env.set_permissions_behind_terraforms_back(user, &["AUDIT_LOG_READ", "TUNNEL_MANAGE"])
        .await;
    let (imported, diagnostics) = env.import(PERMISSIONS, &user.to_string()).await;
    assert_no_errors(&diagnostics);
    assert_eq!(imported.attribute("authoritative"), Some(&b(true)));
    assert_eq!(
        strings(imported.attribute("permissions")),
        ["AUDIT_LOG_READ", "TUNNEL_MANAGE"]
    );
    // Managing only AUDIT_LOG_READ from now on releases TUNNEL_MANAGE instead of removing it.
    let loose = config(&env, user, &["AUDIT_LOG_READ"], None);
    let state = env.converge(PERMISSIONS, &imported, &loose).await;
    assert_eq!(
        state.attribute("id"),
        Some(&s(&format!("{user}:AUDIT_LOG_READ")))
    );
    assert_eq!(
        env.permissions_of(user).await,
        ["AUDIT_LOG_READ", "TUNNEL_MANAGE"]
    );
}

#[tokio::test]
async fn changing_the_user_replaces_the_resource() {
    let env = Env::new().await;
    let first = env.new_user("a@example.com", &[]).await;
    let second = env.new_user("b@example.com", &[]).await;
    let state = env
        .converge(
            PERMISSIONS,
            &Value::Null,
            &config(&env, first, &["AUDIT_LOG_READ"], None),
        )
        .await;
    let planned = env
        .plan(
            PERMISSIONS,
            &state,
            &config(&env, second, &["AUDIT_LOG_READ"], None),
        )
        .await;
    assert_no_errors(&planned.diagnostics);
    assert_eq!(planned.requires_replace.len(), 1);
}

#[tokio::test]
async fn scim_managed_tenants_get_a_clear_error() {
    let env = Env::new().await;
    let user = env.new_user("scim@example.com", &[]).await;
    env.control("PATCH", "/_sim/config", Some(json!({"scim_enabled": true})))
        .await;
    let config = config(&env, user, &["AUDIT_LOG_READ"], None);
    let planned = env.plan(PERMISSIONS, &Value::Null, &config).await;
    let applied = env
        .apply(
            PERMISSIONS,
            &Value::Null,
            &env.decode(PERMISSIONS, &planned.planned_state),
            &config,
        )
        .await;
    let errors = errors(&applied.diagnostics);
    assert_eq!(errors.len(), 1, "{}", text(&applied.diagnostics));
    assert_eq!(errors[0].summary, "Users are managed by SCIM");
    assert!(errors[0].detail.contains("identity provider"));
    assert_eq!(
        env.decode(PERMISSIONS, &applied.new_state),
        Value::Null,
        "nothing recorded"
    );
}

#[tokio::test]
async fn a_provider_key_that_is_not_a_tenant_owner_gets_a_clear_error() {
    let env = Env::new().await;
    let user = env.new_user("x@example.com", &[]).await;
    let (_, service_token, _) = env.new_key("service", "not-an-owner").await;
    env.configure_ok(&[("api_key", s(&service_token))]).await;
    let config = config(&env, user, &["AUDIT_LOG_READ"], None);
    let planned = env.plan(PERMISSIONS, &Value::Null, &config).await;
    let applied = env
        .apply(
            PERMISSIONS,
            &Value::Null,
            &env.decode(PERMISSIONS, &planned.planned_state),
            &config,
        )
        .await;
    let all = text(&applied.diagnostics);
    assert!(
        all.contains("Provider API key is not a tenant owner"),
        "{all}"
    );
    assert!(!all.contains(&service_token), "{all}");
}

#[tokio::test]
async fn unknown_names_warn_at_validation_and_tines_has_the_last_word() {
    let env = Env::new().await;
    let user = env.new_user("y@example.com", &[]).await;
    let config = config(&env, user, &["AUDIT_LOG_READ", "STORY_EXPORT"], None);
    let diagnostics = env.validate(PERMISSIONS, &config, true).await;
    assert_no_errors(&diagnostics);
    let warnings = warnings(&diagnostics);
    assert_eq!(warnings.len(), 1);
    assert_eq!(path_of(warnings[0]), "permissions");

    // The simulator, like a strict tenant, refuses the name.
    let planned = env.plan(PERMISSIONS, &Value::Null, &config).await;
    let applied = env
        .apply(
            PERMISSIONS,
            &Value::Null,
            &env.decode(PERMISSIONS, &planned.planned_state),
            &config,
        )
        .await;
    let all = text(&applied.diagnostics);
    assert!(all.contains("STORY_EXPORT"), "{all}");
    assert!(env.permissions_of(user).await.is_empty());

    let lower = self::config(&env, user, &["audit_log_read"], None);
    let diagnostics = env.validate(PERMISSIONS, &lower, true).await;
    assert!(
        text(&diagnostics).contains("Did you mean"),
        "{}",
        text(&diagnostics)
    );
}

#[tokio::test]
async fn an_unknown_user_is_an_error_under_user_id() {
    let env = Env::new().await;
    let config = config(&env, 424_242, &["AUDIT_LOG_READ"], None);
    let planned = env.plan(PERMISSIONS, &Value::Null, &config).await;
    let applied = env
        .apply(
            PERMISSIONS,
            &Value::Null,
            &env.decode(PERMISSIONS, &planned.planned_state),
            &config,
        )
        .await;
    let errors = errors(&applied.diagnostics);
    assert_eq!(errors.len(), 1);
    assert_eq!(path_of(errors[0]), "user_id");
}

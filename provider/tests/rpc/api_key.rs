//! `tinesaudit_api_key` against the simulator and moto: storing a checked key, rotation, a revoked key,
//! the pre-1.11 `secret`, import, and what validation refuses.

use tfplugin_proto::value::Value;

use crate::{
    API_KEY, Env, PERMISSIONS, assert_no_errors, b, errors, n, path_of, s, set, text, warnings,
};

/// Secrets Manager as the runner sees it.
pub fn secrets_client(env: &Env) -> aws_sdk_secretsmanager::Client {
    aws_sdk_secretsmanager::Client::new(&env.aws.as_ref().expect("moto").sdk_config())
}

/// The secret's current string, or `None` when it cannot be read (missing or scheduled for deletion).
pub async fn stored(env: &Env, name: &str) -> Option<String> {
    secrets_client(env)
        .get_secret_value()
        .secret_id(name)
        .send()
        .await
        .ok()
        .and_then(|o| o.secret_string().map(str::to_owned))
}

pub fn write_only(env: &Env, name: &str, secret: &str, version: i64, secret_name: &str) -> Value {
    env.resource(
        API_KEY,
        &[
            ("name", s(name)),
            ("secret_wo", s(secret)),
            ("secret_wo_version", n(version)),
            ("secret_name", s(secret_name)),
            ("recovery_window_in_days", n(0)),
        ],
    )
}

fn legacy(env: &Env, name: &str, secret: &str, secret_name: &str) -> Value {
    env.resource(
        API_KEY,
        &[
            ("name", s(name)),
            ("secret", s(secret)),
            ("secret_name", s(secret_name)),
            ("recovery_window_in_days", n(0)),
        ],
    )
}

/// Plans and applies, answering the apply's diagnostics and new state (errors allowed).
async fn try_converge(
    env: &Env,
    prior: &Value,
    config: &Value,
) -> (Value, Vec<tfplugin_proto::wire::Diagnostic>) {
    let planned = env.plan(API_KEY, prior, config).await;
    assert_no_errors(&planned.diagnostics);
    let plan = env.decode(API_KEY, &planned.planned_state);
    let applied = env.apply(API_KEY, prior, &plan, config).await;
    (env.decode(API_KEY, &applied.new_state), applied.diagnostics)
}

#[tokio::test]
async fn stores_a_checked_key_finds_its_user_and_sees_a_grant() {
    let env = Env::with_aws().await;
    let (_, token, service_user) = env.new_key("service", "secops-pipeline").await;
    let config = write_only(&env, "secops-pipeline", &token, 1, "tinesaudit/pipeline");

    let planned = env.plan(API_KEY, &Value::Null, &config).await;
    assert_no_errors(&planned.diagnostics);
    let plan = env.decode(API_KEY, &planned.planned_state);
    assert_eq!(
        plan.attribute("secret_wo"),
        Some(&Value::Null),
        "never planned"
    );
    assert!(plan.attribute("user_id").unwrap().is_unknown());

    let state = env.converge(API_KEY, &Value::Null, &config).await;
    assert_eq!(state.attribute("secret_wo"), Some(&Value::Null));
    assert_eq!(state.attribute("secret"), Some(&Value::Null));
    assert_eq!(state.attribute("user_id"), Some(&n(service_user as i64)));
    assert_eq!(state.attribute("can_read_audit_logs"), Some(&b(false)));
    let arn = state
        .attribute("secret_arn")
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned();
    assert!(arn.starts_with("arn:aws:secretsmanager:"), "{arn}");
    assert_eq!(state.attribute("id"), Some(&s(&arn)));
    assert_eq!(
        stored(&env, "tinesaudit/pipeline").await.as_deref(),
        Some(token.as_str())
    );

    // Refresh and plan again: nothing to do.
    let refreshed = env.refresh(API_KEY, &state).await;
    assert_eq!(refreshed, state);
    let again = env.plan(API_KEY, &refreshed, &config).await;
    assert_eq!(env.decode(API_KEY, &again.planned_state), refreshed);

    // Granting AUDIT_LOG_READ to the key's user shows on the next refresh.
    let grant = env.resource(
        PERMISSIONS,
        &[
            ("user_id", n(service_user as i64)),
            ("permissions", set(&["AUDIT_LOG_READ"])),
        ],
    );
    env.converge(PERMISSIONS, &Value::Null, &grant).await;
    let refreshed = env.refresh(API_KEY, &state).await;
    assert_eq!(refreshed.attribute("can_read_audit_logs"), Some(&b(true)));

    // Destroy with a recovery window of 0 deletes the secret at once.
    env.converge(API_KEY, &refreshed, &Value::Null).await;
    assert_eq!(stored(&env, "tinesaudit/pipeline").await, None);
}

#[tokio::test]
async fn rotation_stores_the_new_key_in_place_and_keeps_user_id_known() {
    let env = Env::with_aws().await;
    let (_, first, service_user) = env.new_key("service", "rotating").await;
    let state = env
        .converge(
            API_KEY,
            &Value::Null,
            &write_only(&env, "rotating", &first, 1, "rot"),
        )
        .await;
    let arn = state.attribute("secret_arn").cloned();

    // Same version, other secret: write-only values are not compared, so nothing happens.
    let (_, second, _) = env.new_key("tenant_owner", "rotating-new").await;
    let unbumped = write_only(&env, "rotating", &second, 1, "rot");
    let planned = env.plan(API_KEY, &state, &unbumped).await;
    assert_eq!(env.decode(API_KEY, &planned.planned_state), state);

    let bumped = write_only(&env, "rotating", &second, 2, "rot");
    let planned = env.plan(API_KEY, &state, &bumped).await;
    assert_no_errors(&planned.diagnostics);
    assert!(planned.requires_replace.is_empty(), "an update in place");
    let plan = env.decode(API_KEY, &planned.planned_state);
    assert_eq!(
        plan.attribute("user_id"),
        Some(&n(service_user as i64)),
        "known through rotation"
    );
    assert!(plan.attribute("can_read_audit_logs").unwrap().is_unknown());

    let applied = env.apply(API_KEY, &state, &plan, &bumped).await;
    assert_no_errors(&applied.diagnostics);
    let rotated = env.decode(API_KEY, &applied.new_state);
    assert_eq!(rotated.attribute("secret_arn"), arn.as_ref());
    assert_eq!(
        rotated.attribute("can_read_audit_logs"),
        Some(&b(true)),
        "an owner key"
    );
    assert_eq!(stored(&env, "rot").await.as_deref(), Some(second.as_str()));
}

#[tokio::test]
async fn a_revoked_key_makes_the_resource_gone_with_a_warning_and_a_new_key_takes_its_secret() {
    let env = Env::with_aws().await;
    let (key_id, token, _) = env.new_key("service", "revoked").await;
    let state = env
        .converge(
            API_KEY,
            &Value::Null,
            &write_only(&env, "revoked", &token, 1, "rev"),
        )
        .await;

    env.control("DELETE", &format!("/_sim/keys/{key_id}"), None)
        .await;
    let read = env.read(API_KEY, &state).await;
    assert_no_errors(&read.diagnostics);
    let warnings = warnings(&read.diagnostics);
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].summary, "Tines API key revoked");
    assert!(warnings[0].detail.contains("secret_wo_version"));
    assert_eq!(env.decode(API_KEY, &read.new_state), Value::Null);

    // Creating it again with the revoked key fails and stores nothing...
    let (_, diagnostics) = try_converge(
        &env,
        &Value::Null,
        &write_only(&env, "revoked", &token, 1, "rev"),
    )
    .await;
    let errors = errors(&diagnostics);
    assert_eq!(errors.len(), 1, "{}", text(&diagnostics));
    assert_eq!(path_of(errors[0]), "secret_wo");
    assert_eq!(stored(&env, "rev").await.as_deref(), Some(token.as_str()));

    // ...a new key takes over the secret this provider made.
    let (_, fresh, _) = env.new_key("service", "revoked-2").await;
    let (state, diagnostics) = try_converge(
        &env,
        &Value::Null,
        &write_only(&env, "revoked", &fresh, 2, "rev"),
    )
    .await;
    assert_no_errors(&diagnostics);
    assert_eq!(stored(&env, "rev").await.as_deref(), Some(fresh.as_str()));
    assert_eq!(env.refresh(API_KEY, &state).await, state);
}

#[tokio::test]
async fn a_deleted_secret_makes_the_resource_gone() {
    let env = Env::with_aws().await;
    let (_, token, _) = env.new_key("service", "lost").await;
    let state = env
        .converge(
            API_KEY,
            &Value::Null,
            &write_only(&env, "lost", &token, 1, "lost"),
        )
        .await;
    secrets_client(&env)
        .delete_secret()
        .secret_id("lost")
        .force_delete_without_recovery(true)
        .send()
        .await
        .unwrap();
    assert_eq!(env.refresh(API_KEY, &state).await, Value::Null);
}

#[tokio::test]
async fn the_pre_1_11_secret_is_stored_rotated_and_refreshed() {
    let env = Env::with_aws().await;
    let (_, token, _) = env.new_key("service", "legacy").await;
    let config = legacy(&env, "legacy", &token, "legacy");
    assert_no_errors(&env.validate(API_KEY, &config, false).await);
    let state = env.converge(API_KEY, &Value::Null, &config).await;
    assert_eq!(state.attribute("secret"), Some(&s(&token)));
    assert_eq!(
        stored(&env, "legacy").await.as_deref(),
        Some(token.as_str())
    );

    // Another valid key put in Secrets Manager by hand: drift on `secret`, and apply puts the configured
    // key back.
    let (_, other, _) = env.new_key("service", "legacy-other").await;
    secrets_client(&env)
        .put_secret_value()
        .secret_id("legacy")
        .secret_string(&other)
        .send()
        .await
        .unwrap();
    let refreshed = env.refresh(API_KEY, &state).await;
    assert_eq!(refreshed.attribute("secret"), Some(&s(&other)));
    let restored = env.converge(API_KEY, &refreshed, &config).await;
    assert_eq!(restored.attribute("secret"), Some(&s(&token)));
    assert_eq!(
        stored(&env, "legacy").await.as_deref(),
        Some(token.as_str())
    );
}

#[tokio::test]
async fn import_by_name_or_arn_reproduces_the_applied_state() {
    let env = Env::with_aws().await;
    let (_, token, _) = env.new_key("service", "imported").await;
    let state = env
        .converge(
            API_KEY,
            &Value::Null,
            &write_only(&env, "imported", &token, 3, "imp"),
        )
        .await;
    let arn = state
        .attribute("secret_arn")
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned();
    for id in ["imp", arn.as_str()] {
        let (imported, diagnostics) = env.import(API_KEY, id).await;
        assert_no_errors(&diagnostics);
        // Terraform cannot know the write-only version from the secret.
        let mut expected = state.clone();
        if let Value::Object(attrs) = &mut expected {
            attrs.insert("secret_wo_version".into(), Value::Null);
        }
        assert_eq!(imported, expected, "import {id}");
    }
}

#[tokio::test]
async fn a_key_tines_rejects_is_never_stored() {
    let env = Env::with_aws().await;
    let config = write_only(&env, "nope", "not-a-real-key", 1, "nope");
    let (state, diagnostics) = try_converge(&env, &Value::Null, &config).await;
    let errors = errors(&diagnostics);
    assert_eq!(errors.len(), 1, "{}", text(&diagnostics));
    assert_eq!(errors[0].summary, "Tines rejected the API key");
    assert!(!text(&diagnostics).contains("not-a-real-key"));
    assert_eq!(state, Value::Null);
    assert_eq!(stored(&env, "nope").await, None);
}

#[tokio::test]
async fn a_secret_this_provider_did_not_make_is_not_taken_over() {
    let env = Env::with_aws().await;
    secrets_client(&env)
        .create_secret()
        .name("someone-elses")
        .secret_string("theirs")
        .send()
        .await
        .unwrap();
    let (_, token, _) = env.new_key("service", "mine").await;
    let (_, diagnostics) = try_converge(
        &env,
        &Value::Null,
        &write_only(&env, "mine", &token, 1, "someone-elses"),
    )
    .await;
    let errors = errors(&diagnostics);
    assert_eq!(errors.len(), 1, "{}", text(&diagnostics));
    assert_eq!(path_of(errors[0]), "secret_name");
    assert_eq!(
        stored(&env, "someone-elses").await.as_deref(),
        Some("theirs")
    );
}

#[tokio::test]
async fn destroy_with_a_recovery_window_then_create_restores_the_secret() {
    let env = Env::with_aws().await;
    let (_, token, _) = env.new_key("service", "windowed").await;
    let mut config = write_only(&env, "windowed", &token, 1, "windowed");
    if let Value::Object(attrs) = &mut config {
        attrs.insert("recovery_window_in_days".into(), Value::Null);
    }
    let state = env.converge(API_KEY, &Value::Null, &config).await;
    assert_eq!(
        state.attribute("recovery_window_in_days"),
        Some(&n(30)),
        "the default"
    );
    env.converge(API_KEY, &state, &Value::Null).await;
    assert_eq!(
        stored(&env, "windowed").await,
        None,
        "scheduled for deletion"
    );
    let again = env.converge(API_KEY, &Value::Null, &config).await;
    assert_eq!(again.attribute("secret_arn"), state.attribute("secret_arn"));
    assert_eq!(
        stored(&env, "windowed").await.as_deref(),
        Some(token.as_str())
    );
}

#[tokio::test]
async fn validation_refuses_conflicting_missing_and_unversioned_secrets() {
    let env = Env::unconfigured(None).await;
    let base = [("name", s("k")), ("secret_name", s("k"))];
    let with = |extra: &[(&str, Value)]| {
        let mut attrs = base.to_vec();
        attrs.extend(extra.iter().cloned());
        env.resource(API_KEY, &attrs)
    };
    let cases: [(Value, &str, &str); 5] = [
        (
            with(&[
                ("secret_wo", s("a")),
                ("secret_wo_version", n(1)),
                ("secret", s("b")),
            ]),
            "secret",
            "Conflicting secrets",
        ),
        (with(&[]), "", "Missing secret"),
        (
            with(&[("secret_wo", s("a"))]),
            "secret_wo_version",
            "Missing secret_wo_version",
        ),
        (
            with(&[("secret", s("b")), ("secret_wo_version", n(1))]),
            "secret_wo_version",
            "without secret_wo",
        ),
        (
            with(&[("secret", s("b")), ("recovery_window_in_days", n(3))]),
            "recovery_window_in_days",
            "Invalid recovery window",
        ),
    ];
    for (config, path, summary) in cases {
        let diagnostics = env.validate(API_KEY, &config, true).await;
        let errors = errors(&diagnostics);
        assert_eq!(errors.len(), 1, "{summary}: {}", text(&diagnostics));
        assert_eq!(path_of(errors[0]), path, "{summary}");
        assert!(errors[0].summary.contains(summary), "{}", errors[0].summary);
    }

    // Terraform before 1.11 cannot send write-only values: the framework says so under the attribute.
    let diagnostics = env
        .validate(
            API_KEY,
            &with(&[("secret_wo", s("a")), ("secret_wo_version", n(1))]),
            false,
        )
        .await;
    let errors = errors(&diagnostics);
    assert_eq!(path_of(errors[0]), "secret_wo");
    assert!(errors[0].detail.contains("1.11"), "{}", errors[0].detail);

    // A malformed key is refused without showing it.
    let diagnostics = env
        .validate(API_KEY, &with(&[("secret", s("two WORDS-SECRET"))]), false)
        .await;
    assert!(has_path(&diagnostics, "secret"));
    assert!(!text(&diagnostics).contains("WORDS-SECRET"));
}

fn has_path(diagnostics: &[tfplugin_proto::wire::Diagnostic], path: &str) -> bool {
    errors(diagnostics).iter().any(|d| path_of(d) == path)
}

//! The provider block: malformed values refused at validation under their attribute, missing ones at
//! configure, environment fallbacks, unknown values deferred, and the key never in a message.

use tfplugin_proto::value::Value;
use tinesaudit_provider::TinesAuditProvider;

use crate::{Env, assert_no_errors, errors, n, path_of, s, text};

#[tokio::test]
async fn malformed_values_are_refused_at_validation_under_their_attribute() {
    let env = Env::unconfigured(None).await;
    let good = env.provider_config(&[]);
    assert_no_errors(&env.validate_provider(&good).await);

    for (attribute, value, expected) in [
        ("tenant", s("http://example.tines.com"), "loopback"),
        ("tenant", s("https://example.tines.com/api/v1"), "no path"),
        ("tenant", s("example.tines.com"), "not a URL"),
        ("max_retries", n(-1), ""),
        ("request_timeout_seconds", n(0), ""),
        ("retry_deadline_seconds", n(100_000), ""),
        ("aws_region", s("Europe"), "region"),
        ("aws_endpoint_url", s("localhost:4566"), "URL"),
    ] {
        let config = env.provider_config(&[(attribute, value)]);
        let diagnostics = env.validate_provider(&config).await;
        let errors = errors(&diagnostics);
        assert_eq!(errors.len(), 1, "{attribute}: {}", text(&diagnostics));
        assert_eq!(path_of(errors[0]), attribute);
        assert!(
            errors[0].detail.contains(expected),
            "{attribute}: {}",
            errors[0].detail
        );
    }
}

#[tokio::test]
async fn a_malformed_key_is_refused_without_showing_it() {
    let env = Env::unconfigured(None).await;
    let config = env.provider_config(&[("api_key", s("tok HUNTER2-SECRET"))]);
    let diagnostics = env.validate_provider(&config).await;
    let errors = errors(&diagnostics);
    assert_eq!(errors.len(), 1, "{}", text(&diagnostics));
    assert_eq!(path_of(errors[0]), "api_key");
    assert!(
        !text(&diagnostics).contains("HUNTER2"),
        "{}",
        text(&diagnostics)
    );
}

#[tokio::test]
async fn missing_tenant_and_key_are_reported_at_configure_naming_the_variables() {
    let env = Env::unconfigured(None).await;
    let no_tenant = env.provider_config(&[("tenant", Value::Null)]);
    let diagnostics = env.configure(&no_tenant).await;
    let errors = errors(&diagnostics);
    assert_eq!(errors.len(), 1, "{}", text(&diagnostics));
    assert_eq!(path_of(errors[0]), "tenant");
    assert!(errors[0].detail.contains("TINES_TENANT"));

    let no_key = env.provider_config(&[("api_key", Value::Null)]);
    let diagnostics = env.configure(&no_key).await;
    let key_errors = crate::errors(&diagnostics);
    assert_eq!(path_of(key_errors[0]), "api_key");
    assert!(key_errors[0].detail.contains("TINES_API_KEY"));
}

#[tokio::test]
async fn without_tenant_and_key_only_what_needs_the_admin_api_fails() {
    let env = Env::unconfigured(None).await;
    env.configure_ok(&[("tenant", Value::Null), ("api_key", Value::Null)])
        .await;
    let (_, diagnostics) = env
        .read_data(
            "tinesaudit_tenant",
            &env.data_source("tinesaudit_tenant", &[]),
        )
        .await;
    let errors = errors(&diagnostics);
    assert_eq!(errors.len(), 1, "{}", text(&diagnostics));
    assert_eq!(errors[0].summary, "No Tines tenant configured");
    assert!(
        errors[0].detail.contains("TINES_TENANT"),
        "{}",
        errors[0].detail
    );

    let (policy, diagnostics) = env
        .read_data(
            "tinesaudit_secops_reader_policy",
            &env.data_source(
                "tinesaudit_secops_reader_policy",
                &[("bucket", s("secops-audit"))],
            ),
        )
        .await;
    assert_no_errors(&diagnostics);
    assert!(
        policy
            .attribute("json")
            .is_some_and(|json| *json != Value::Null)
    );
}

#[tokio::test]
async fn environment_fallbacks_configure_the_provider() {
    let probe = Env::unconfigured(None).await;
    let (tenant, key) = (probe.sim.base_url().to_owned(), probe.owner_key.clone());
    let provider = TinesAuditProvider::new().with_env(move |name| match name {
        "TINES_TENANT" => Some(tenant.clone()),
        "TINES_API_KEY" => Some(key.clone()),
        _ => None,
    });
    let env = Env::unconfigured_with(None, provider).await;
    let config = env.provider_config(&[("tenant", Value::Null), ("api_key", Value::Null)]);
    assert_no_errors(&env.configure(&config).await);
    // The environment named the first simulator; its tenant answers.
    let (tenant, diagnostics) = env
        .read_data(
            "tinesaudit_tenant",
            &env.data_source("tinesaudit_tenant", &[]),
        )
        .await;
    assert_no_errors(&diagnostics);
    assert_eq!(tenant.attribute("tenant"), Some(&s(probe.sim.base_url())));
}

#[tokio::test]
async fn unknown_configuration_defers_errors_to_the_operations_that_need_tines() {
    let env = Env::unconfigured(None).await;
    let config = env.provider_config(&[("api_key", Value::unknown())]);
    assert_no_errors(&env.configure(&config).await);
    let (_, diagnostics) = env
        .read_data(
            "tinesaudit_tenant",
            &env.data_source("tinesaudit_tenant", &[]),
        )
        .await;
    assert!(
        text(&diagnostics).contains("not known yet"),
        "{}",
        text(&diagnostics)
    );
}

#[tokio::test]
async fn a_revoked_provider_key_is_named_as_such() {
    let env = Env::new().await;
    env.control("POST", "/_sim/reset", None).await;
    let (_, diagnostics) = env
        .read_data(
            "tinesaudit_users",
            &env.data_source("tinesaudit_users", &[]),
        )
        .await;
    let all = text(&diagnostics);
    assert!(all.contains("rejected the provider's API key"), "{all}");
    assert!(!all.contains(&env.owner_key), "{all}");
}

//! The key in AWS Secrets Manager: which attribute it came from, when a new one is stored, the tags that
//! mark the secret as this provider's, creating or taking over the secret, reading the key back, and the
//! shapes a key and a recovery window may take. No message shows a key.

use std::collections::BTreeMap;

use tfplugin_framework::diag::Diagnostics;
use tfplugin_framework::path::AttrPath;
use tfplugin_framework::validator::{ValidateRequest, Validator};
use tfplugin_framework::value::SchemaValue;

use super::{ApiKeyModel, KEY_NAME_TAG, RECOVERY_WINDOW_TAG};
use crate::aws::calls::{MANAGED_BY, MANAGED_BY_TAG};
use crate::aws::secrets::{ALREADY_EXISTS, SecretInfo, SecretStore, SecretValue};

/// The key from the configuration, and the attribute it came from.
pub(super) fn configured_secret(
    config: &SchemaValue,
    diags: &mut Diagnostics,
) -> Option<(SecretValue, &'static str)> {
    for attribute in ["secret_wo", "secret"] {
        let value = config.get_attr::<Option<String>>(&AttrPath::attr(attribute), diags)?;
        if let Some(value) = value {
            return Some((SecretValue::new(value.trim()), attribute));
        }
    }
    None
}

/// A new key is to be stored: `secret` changed, or `secret_wo_version` did (which includes switching from
/// one attribute to the other).
pub(super) fn secret_changes(plan: &ApiKeyModel, prior: &ApiKeyModel) -> bool {
    plan.secret != prior.secret || plan.secret_wo_version != prior.secret_wo_version
}

pub(super) fn secret_tags(plan: &ApiKeyModel) -> BTreeMap<String, String> {
    BTreeMap::from([
        (MANAGED_BY_TAG.to_owned(), MANAGED_BY.to_owned()),
        (KEY_NAME_TAG.to_owned(), plan.key_name().to_owned()),
        (
            RECOVERY_WINDOW_TAG.to_owned(),
            plan.recovery_window_in_days.to_string(),
        ),
    ])
}

/// Creates the secret, or takes over one this provider made before (one left behind when refresh found its
/// key revoked, or one scheduled for deletion by an earlier destroy). Answers the ARN.
pub(super) async fn store_new_secret(
    store: &SecretStore,
    plan: &ApiKeyModel,
    secret: &SecretValue,
    diags: &mut Diagnostics,
) -> Option<String> {
    let description = format!(
        "Tines API key {:?} for the tinesaudit audit-log pipeline; managed by Terraform.",
        plan.key_name()
    );
    let tags = secret_tags(plan);
    let failed = |diags: &mut Diagnostics, e: &dyn std::fmt::Display| {
        diags.error(
            "Cannot store the key in Secrets Manager",
            format!("Secret {}: {e}", plan.secret_name),
        );
    };
    match store
        .create(&plan.secret_name, &description, secret, &tags)
        .await
    {
        Ok(arn) => return Some(arn),
        Err(e) if e.is(ALREADY_EXISTS) => {}
        Err(e) => {
            failed(diags, &e);
            return None;
        }
    }
    let info: SecretInfo = match store.describe(&plan.secret_name).await {
        Ok(Some(info)) => info,
        Ok(None) => {
            failed(diags, &"it exists, then could not be found; try again");
            return None;
        }
        Err(e) => {
            failed(diags, &e);
            return None;
        }
    };
    if info.tags.get(MANAGED_BY_TAG).map(String::as_str) != Some(MANAGED_BY) {
        diags.attribute_error(
            AttrPath::attr("secret_name"),
            "Secret already exists",
            format!(
                "Secrets Manager already has a secret named {:?} that this provider did not create. Import it \
                 (terraform import <address> {}) or choose another secret_name.",
                plan.secret_name, info.arn
            ),
        );
        return None;
    }
    if info.deleted
        && let Err(e) = store.restore(&info.arn).await
    {
        failed(diags, &e);
        return None;
    }
    if let Err(e) = store.put_value(&info.arn, secret).await {
        failed(diags, &e);
        return None;
    }
    if let Err(e) = store.tag(&info.arn, &tags).await {
        failed(diags, &e);
        return None;
    }
    Some(info.arn)
}

/// The key currently stored in the secret.
pub(super) async fn stored_secret(
    store: &SecretStore,
    arn: &str,
    diags: &mut Diagnostics,
) -> Option<SecretValue> {
    match store.value(arn).await {
        Ok(Some(secret)) => Some(secret),
        Ok(None) => {
            diags.error(
                "Secret not found",
                format!("Secret {arn} no longer exists or is scheduled for deletion; refresh to recreate it."),
            );
            None
        }
        Err(e) => {
            diags.error("Cannot read the secret", format!("Secret {arn}: {e}"));
            None
        }
    }
}

/// `secret_wo`, `secret`: what an HTTP header can carry. Messages never show the value.
pub(super) struct KeyShape;

impl Validator for KeyShape {
    fn validate(&self, request: &ValidateRequest<'_>, diags: &mut Diagnostics) {
        let Some(key) = request.value.as_str() else {
            return;
        };
        let key = key.trim();
        if key.is_empty()
            || key
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || !c.is_ascii())
        {
            diags.attribute_error(
                request.path.clone(),
                "Invalid API key",
                format!(
                    "{} must be the key's secret as Tines showed it: visible ASCII characters, without \
                     spaces.",
                    request.path
                ),
            );
        }
    }
}

/// `recovery_window_in_days`: 0, or what Secrets Manager accepts, 7 to 30.
pub(super) struct RecoveryWindow;

impl Validator for RecoveryWindow {
    fn validate(&self, request: &ValidateRequest<'_>, diags: &mut Diagnostics) {
        let Some(days) = request.value.as_number().and_then(|n| n.as_i64()) else {
            return;
        };
        if days != 0 && !(7..=30).contains(&days) {
            diags.attribute_error(
                request.path.clone(),
                "Invalid recovery window",
                format!("Secrets Manager keeps deleted secrets 7 to 30 days; use 0 to delete at once. Got {days}."),
            );
        }
    }
}

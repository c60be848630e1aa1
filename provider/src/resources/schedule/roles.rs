//! The roles the resource creates when not given one: their names, trust and one inline policy each;
//! what counts as drift on them (a policy edited, added or deleted outside Terraform, not a respacing);
//! and their deletion with the resource. A role someone else made under the same name is theirs.

use serde_json::json;
use tfplugin_framework::diag::Diagnostics;
use tfplugin_framework::path::AttrPath;

use super::deploy::is_role;
use super::job::FunctionPlace;
use super::{INVOKE_POLICY, RUNNER_POLICY, RUNNER_ROLE_SUFFIX, SCHEDULER_ROLE_SUFFIX, job};
use crate::aws::calls::{Arn, AwsError};
use crate::aws::iam::{
    EnsureError, Ensured, RolePolicies, RoleSpec, Roles, policy_document, same_policy,
};
use crate::aws::lambda::Functions;
use crate::aws::s3::S3Url;
use crate::clients::ProviderClients;

/// Gives a created role `document` as its one policy, removing any others it was given outside Terraform.
pub(super) async fn set_only_policy(
    roles: &Roles,
    role: &str,
    policy_name: &str,
    document: &str,
    diags: &mut Diagnostics,
) -> Option<()> {
    // Written only where something differs, as the role itself is.
    let set = async {
        let current = roles.policies(role).await?.unwrap_or_default();
        let same = current
            .inline
            .get(policy_name)
            .is_some_and(|current| same_policy(current, document));
        if !same {
            roles.put_policy(role, policy_name, document).await?;
        }
        let others = current.inline.keys().any(|name| name != policy_name);
        if others || !current.attached.is_empty() {
            roles
                .remove_policies_except(role, Some(policy_name))
                .await?;
        }
        Ok::<_, AwsError>(())
    };
    match set.await {
        Ok(_) => Some(()),
        Err(e) => {
            diags.error("Cannot set the role's policy", format!("Role {role}: {e}"));
            None
        }
    }
}

/// The scheduler role's policy: invoke this function, nothing else.
pub(super) fn invoke_policy(function_arn: &str) -> String {
    policy_document(vec![json!({
        "Sid": "InvokeRunner",
        "Effect": "Allow",
        "Action": "lambda:InvokeFunction",
        "Resource": function_arn,
    })])
    .to_string()
}

/// Creates the role `spec` describes, or takes over the one this provider made for the schedule; an error
/// under `attribute` (the attribute that would name a role instead) when a role of that name is someone
/// else's.
pub(super) async fn ensure_role(
    roles: &Roles,
    schedule: &str,
    spec: &RoleSpec<'_>,
    attribute: &str,
    diags: &mut Diagnostics,
) -> Option<Ensured> {
    let role = spec.name;
    match roles.ensure(spec, schedule).await {
        Ok(ensured) => Some(ensured),
        Err(EnsureError::Foreign { arn }) => {
            diags.attribute_error(
                AttrPath::attr(attribute),
                "Role already exists",
                format!(
                    "IAM already has a role named {role} ({arn}) that this provider did not create for \
                     schedule {schedule}. Give a role in {attribute}, or choose another name."
                ),
            );
            None
        }
        Err(EnsureError::Aws(e)) => {
            diags.error("Cannot create the role", format!("Role {role}: {e}"));
            None
        }
    }
}

/// Deletes the role `role` when this provider made it for `schedule` (and it is not `keep`).
pub(super) async fn delete_created_role(
    roles: &Roles,
    schedule: &str,
    role: &str,
    keep: Option<&String>,
) -> Result<(), AwsError> {
    match roles.get(role).await? {
        Some(info) if info.made_for(schedule) && Some(&info.arn) != keep => {
            roles.delete(role).await
        }
        _ => Ok(()),
    }
}

/// A role the resource creates when not given one: its name after the schedule's, and its one policy.
#[derive(Clone, Copy)]
pub(super) struct CreatedRole {
    pub(super) suffix: &'static str,
    pub(super) policy: &'static str,
    /// The attribute that names a role of the user's own instead.
    pub(super) attribute: &'static str,
    /// The service that assumes it.
    pub(super) service: &'static str,
    /// Whether the trust is only on behalf of the function's account, as AWS advises for Scheduler.
    pub(super) same_account_only: bool,
}

impl CreatedRole {
    /// The trust policy: `service` may assume the role, on behalf of `account` only when
    /// `same_account_only`.
    pub(super) fn trust(self, account: Option<&str>) -> String {
        let mut statement = json!({
            "Effect": "Allow",
            "Principal": {"Service": self.service},
            "Action": "sts:AssumeRole",
        });
        if let (true, Some(account)) = (self.same_account_only, account) {
            statement["Condition"] = json!({"StringEquals": {"aws:SourceAccount": account}});
        }
        policy_document(vec![statement]).to_string()
    }

    pub(super) const RUNNER: CreatedRole = CreatedRole {
        suffix: RUNNER_ROLE_SUFFIX,
        policy: RUNNER_POLICY,
        attribute: "role_arn",
        service: "lambda.amazonaws.com",
        same_account_only: false,
    };
    pub(super) const SCHEDULER: CreatedRole = CreatedRole {
        suffix: SCHEDULER_ROLE_SUFFIX,
        policy: INVOKE_POLICY,
        attribute: "scheduler_role_arn",
        service: "scheduler.amazonaws.com",
        same_account_only: true,
    };
}

/// `arn`, unless it is the role this resource created and that role is gone or no longer as deployed:
/// then null, so that the plan sets it up again, with a warning saying what changed. `account` is the
/// function's; `expected` is the document of the role's policy, when it can be known here. `None` when IAM
/// could not be read (the error is in `diags`).
pub(super) async fn created_role_as_deployed(
    roles: &Roles,
    arn: &str,
    schedule: &str,
    created: CreatedRole,
    account: Option<&str>,
    expected: Option<&str>,
    diags: &mut Diagnostics,
) -> Option<Option<String>> {
    let role = format!("{schedule}{}", created.suffix);
    if !is_role(arn, &role) {
        return Some(Some(arn.to_owned()));
    }
    let trust = created.trust(account);
    match created_role_change(roles, &role, schedule, created, &trust, expected).await {
        Ok(None) => Some(Some(arn.to_owned())),
        Ok(Some(change)) => {
            diags.warning(
                format!("Role {role} changed outside Terraform"),
                format!(
                    "{change}. The role belongs to this resource: apply restores its trust policy and its \
                     one policy {}, and removes any other. Give a role of your own in {} to manage it \
                     yourself.",
                    created.policy, created.attribute
                ),
            );
            Some(None)
        }
        Err(e) => {
            diags.error("Cannot read the role", format!("Role {arn}: {e}"));
            None
        }
    }
}

/// How the role `role` this resource created changed outside Terraform, if it did; someone's own role
/// that happens to have the name is theirs to manage.
pub(super) async fn created_role_change(
    roles: &Roles,
    role: &str,
    schedule: &str,
    created: CreatedRole,
    trust: &str,
    expected: Option<&str>,
) -> Result<Option<String>, AwsError> {
    match roles.get(role).await? {
        None => return Ok(Some("It was deleted".to_owned())),
        Some(info) if !info.made_for(schedule) => return Ok(None),
        Some(info) if !same_policy(&info.trust, trust) => {
            return Ok(Some(
                "Its trust policy was edited, so others may assume it".to_owned(),
            ));
        }
        Some(_) => {}
    }
    Ok(match roles.policies(role).await? {
        Some(policies) => policy_drift(&policies, created.policy, expected),
        None => Some("It was deleted".to_owned()),
    })
}

/// What a created role was given or lost outside Terraform, if anything: policies besides `policy_name`,
/// or `policy_name` deleted, or its document not `expected`.
pub(super) fn policy_drift(
    policies: &RolePolicies,
    policy_name: &str,
    expected: Option<&str>,
) -> Option<String> {
    let others: Vec<&str> = policies
        .inline
        .keys()
        .map(String::as_str)
        .filter(|name| *name != policy_name)
        .chain(policies.attached.iter().map(String::as_str))
        .collect();
    if !others.is_empty() {
        return Some(format!("It was given {}", others.join(", ")));
    }
    let Some(document) = policies.inline.get(policy_name) else {
        return Some(format!("Its policy {policy_name} was deleted"));
    };
    match expected {
        Some(expected) if !same_policy(document, expected) => {
            Some(format!("Its policy {policy_name} was edited"))
        }
        _ => None,
    }
}

/// The runner role's policy for the job file the function was deployed with, while that file is there
/// as deployed. A job file changed since is a planned update already, which sets the policy again.
pub(super) async fn expected_runner_policy(
    clients: &ProviderClients,
    functions: &Functions,
    name: &str,
    role_arn: &str,
    job_file: Option<&str>,
    deployed_sha256: Option<&str>,
) -> Option<String> {
    let url = S3Url::parse(job_file?)?;
    let s3 = clients.s3(&mut Diagnostics::new()).await?;
    let file = job::fetch(&s3, &url).await.ok().flatten()?;
    if Some(file.sha256.as_str()) != deployed_sha256 {
        return None;
    }
    let settings = file.settings().ok()?;
    let role = Arn::parse(role_arn)?;
    let place = FunctionPlace {
        name,
        partition: role.partition,
        region: functions.region()?,
        account: role.account,
    };
    Some(settings.runner_policy(&url, &place))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn a_created_role_drifts_by_any_policy_change_but_not_by_spacing() {
        let expected = invoke_policy("arn:aws:lambda:us-east-1:123456789012:function:sync");
        let respaced = serde_json::to_string_pretty(
            &serde_json::from_str::<serde_json::Value>(&expected).unwrap(),
        )
        .unwrap();
        let only = |document: &str| RolePolicies {
            inline: BTreeMap::from([(INVOKE_POLICY.to_owned(), document.to_owned())]),
            attached: Vec::new(),
        };
        assert_eq!(
            policy_drift(&only(&respaced), INVOKE_POLICY, Some(&expected)),
            None
        );
        // Unknown expectations (the job file changed since) leave the document alone.
        assert_eq!(policy_drift(&only("{}"), INVOKE_POLICY, None), None);
        assert_eq!(
            policy_drift(&only(&invoke_policy("*")), INVOKE_POLICY, Some(&expected)).as_deref(),
            Some("Its policy tinesaudit-invoke was edited")
        );
        assert_eq!(
            policy_drift(&only("not json"), INVOKE_POLICY, Some(&expected)).as_deref(),
            Some("Its policy tinesaudit-invoke was edited")
        );
        assert_eq!(
            policy_drift(&RolePolicies::default(), INVOKE_POLICY, Some(&expected)).as_deref(),
            Some("Its policy tinesaudit-invoke was deleted")
        );
        let mut extra = only(&expected);
        extra.inline.insert("console".to_owned(), "{}".to_owned());
        extra
            .attached
            .push("arn:aws:iam::aws:policy/AdministratorAccess".to_owned());
        assert_eq!(
            policy_drift(&extra, INVOKE_POLICY, Some(&expected)).as_deref(),
            Some("It was given console, arn:aws:iam::aws:policy/AdministratorAccess")
        );
    }

    #[test]
    fn trust_policies_limit_the_scheduler_to_this_account() {
        let account = Some("123456789012");
        let lambda: serde_json::Value =
            serde_json::from_str(&CreatedRole::RUNNER.trust(account)).unwrap();
        assert_eq!(
            lambda["Statement"][0]["Principal"]["Service"],
            "lambda.amazonaws.com"
        );
        assert!(lambda["Statement"][0].get("Condition").is_none());
        let scheduler: serde_json::Value =
            serde_json::from_str(&CreatedRole::SCHEDULER.trust(account)).unwrap();
        assert_eq!(
            scheduler["Statement"][0]["Condition"]["StringEquals"]["aws:SourceAccount"],
            "123456789012"
        );
    }
}

//! AWS IAM: the roles `tinesaudit_schedule` creates when it is not given them, `<name>-runner` (the
//! function runs as it) and `<name>-scheduler` (EventBridge Scheduler assumes it to invoke the function),
//! each with one inline policy.

use std::collections::BTreeMap;

use aws_sdk_iam::Client;
use aws_sdk_iam::types::Tag;
use percent_encoding::percent_decode_str;

use tfplugin_framework::StopSignal;

use crate::aws::calls::{AwsError, MANAGED_BY, MANAGED_BY_TAG, SCHEDULE_TAG, call, found, quiet};

const NOT_FOUND: &[&str] = &["NoSuchEntity"];

/// What IAM says about a role.
#[derive(Debug, Clone)]
pub struct RoleInfo {
    pub arn: String,
    pub tags: BTreeMap<String, String>,
    /// The trust (assume-role) policy document.
    pub trust: String,
}

impl RoleInfo {
    /// Made by this provider for the schedule `schedule`.
    pub fn made_for(&self, schedule: &str) -> bool {
        self.tags.get(MANAGED_BY_TAG).map(String::as_str) == Some(MANAGED_BY)
            && self.tags.get(SCHEDULE_TAG).map(String::as_str) == Some(schedule)
    }
}

/// What a role is allowed besides its trust policy.
#[derive(Debug, Clone, Default)]
pub struct RolePolicies {
    /// Inline policies: name to document (JSON).
    pub inline: BTreeMap<String, String>,
    /// The ARNs of the managed policies attached.
    pub attached: Vec<String>,
}

/// A role as the resource wants it.
pub struct RoleSpec<'a> {
    pub name: &'a str,
    pub description: &'a str,
    /// The trust (assume-role) policy document.
    pub trust: &'a str,
    pub tags: &'a BTreeMap<String, String>,
}

/// What [`Roles::ensure`] did.
pub struct Ensured {
    pub arn: String,
    /// Made just now.
    pub created: bool,
    /// Who may assume it changed just now (a role taken over with another trust policy).
    pub trust_changed: bool,
}

impl Ensured {
    /// IAM takes seconds to tell other services of a new role, or of a change to who may assume one:
    /// until then Lambda and Scheduler refuse it, and their calls wait.
    pub fn propagating(&self) -> bool {
        self.created || self.trust_changed
    }
}

/// Two policy documents say the same, however spaced and with their keys in any order.
pub fn same_policy(a: &str, b: &str) -> bool {
    let parse = |text: &str| serde_json::from_str::<serde_json::Value>(text).ok();
    parse(a).is_some_and(|a| Some(a) == parse(b))
}

/// Why [`Roles::ensure`] failed.
pub enum EnsureError {
    Aws(AwsError),
    /// A role of that name exists that this provider did not make for this schedule.
    Foreign {
        arn: String,
    },
}

impl From<AwsError> for EnsureError {
    fn from(error: AwsError) -> Self {
        EnsureError::Aws(error)
    }
}

/// An IAM client with the calls `tinesaudit_schedule` needs.
pub struct Roles {
    client: Client,
    /// Ends its calls when Terraform asks the provider to stop.
    stop: StopSignal,
}

fn tags(tags: &BTreeMap<String, String>) -> Result<Vec<Tag>, AwsError> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| AwsError::incomplete(&e.to_string()))
        })
        .collect()
}

/// An IAM policy document of `statements`, in the current policy language.
pub fn policy_document(statements: Vec<serde_json::Value>) -> serde_json::Value {
    serde_json::json!({"Version": "2012-10-17", "Statement": statements})
}

/// IAM answers policy documents URL-encoded.
fn url_decoded(document: &str) -> String {
    percent_decode_str(document)
        .decode_utf8_lossy()
        .into_owned()
}

impl Roles {
    pub fn new(config: &aws_config::SdkConfig, stop: StopSignal) -> Self {
        Self {
            client: Client::new(config),
            stop,
        }
    }

    /// The role; `None` when there is none of that name.
    pub async fn get(&self, name: &str) -> Result<Option<RoleInfo>, AwsError> {
        let Some(output) = found(
            call(&self.stop, self.client.get_role().role_name(name).send()).await,
            NOT_FOUND,
        )?
        else {
            return Ok(None);
        };
        let role = output
            .role()
            .ok_or_else(|| AwsError::incomplete("the role"))?;
        Ok(Some(RoleInfo {
            arn: role.arn().to_owned(),
            tags: role
                .tags()
                .iter()
                .map(|t| (t.key().to_owned(), t.value().to_owned()))
                .collect(),
            trust: role
                .assume_role_policy_document()
                .map(url_decoded)
                .unwrap_or_default(),
        }))
    }

    /// Creates the role, or takes over one of that name this provider made for `schedule` (left by a
    /// create that failed half-way, or by a schedule deleted outside Terraform), bringing its trust
    /// policy and tags to `spec`. IAM is written only where something differs: its limits are per
    /// account and low, and every apply of every schedule would otherwise spend them.
    pub async fn ensure(
        &self,
        spec: &RoleSpec<'_>,
        schedule: &str,
    ) -> Result<Ensured, EnsureError> {
        if let Some(existing) = self.get(spec.name).await? {
            return self.take_over(existing, spec, schedule).await;
        }
        let created = call(
            &self.stop,
            self.client
                .create_role()
                .role_name(spec.name)
                .description(spec.description)
                .assume_role_policy_document(spec.trust)
                .set_tags(Some(tags(spec.tags)?))
                .send(),
        )
        .await;
        match created {
            Ok(output) => {
                let role = output
                    .role()
                    .ok_or_else(|| AwsError::incomplete("the role"))?;
                Ok(Ensured {
                    arn: role.arn().to_owned(),
                    created: true,
                    trust_changed: true,
                })
            }
            // Made between our read and our create, e.g. by a retried create whose answer was lost.
            Err(e) if e.is("EntityAlreadyExists") => {
                let existing = self
                    .get(spec.name)
                    .await?
                    .ok_or_else(|| AwsError::incomplete("the role it said exists; try again"))?;
                self.take_over(existing, spec, schedule).await
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn take_over(
        &self,
        existing: RoleInfo,
        spec: &RoleSpec<'_>,
        schedule: &str,
    ) -> Result<Ensured, EnsureError> {
        if !existing.made_for(schedule) {
            return Err(EnsureError::Foreign { arn: existing.arn });
        }
        let trust_changed = !same_policy(&existing.trust, spec.trust);
        if trust_changed {
            call(
                &self.stop,
                self.client
                    .update_assume_role_policy()
                    .role_name(spec.name)
                    .policy_document(spec.trust)
                    .send(),
            )
            .await?;
        }
        if spec
            .tags
            .iter()
            .any(|(key, value)| existing.tags.get(key) != Some(value))
        {
            call(
                &self.stop,
                self.client
                    .tag_role()
                    .role_name(spec.name)
                    .set_tags(Some(tags(spec.tags)?))
                    .send(),
            )
            .await?;
        }
        Ok(Ensured {
            arn: existing.arn,
            created: false,
            trust_changed,
        })
    }

    /// Sets the role's inline policy `policy_name` to `document`.
    pub async fn put_policy(
        &self,
        role: &str,
        policy_name: &str,
        document: &str,
    ) -> Result<(), AwsError> {
        call(
            &self.stop,
            self.client
                .put_role_policy()
                .role_name(role)
                .policy_name(policy_name)
                .policy_document(document)
                .send(),
        )
        .await?;
        Ok(())
    }

    /// The role's inline policies with their documents, and the managed policies attached to it; `None`
    /// when the role is gone.
    pub async fn policies(&self, role: &str) -> Result<Option<RolePolicies>, AwsError> {
        let Some(names) = self.inline_policy_names(role).await? else {
            return Ok(None);
        };
        let Some(attached) = self.attached_policy_arns(role).await? else {
            return Ok(None);
        };
        let mut inline = BTreeMap::new();
        for name in names {
            let Some(output) = found(
                call(
                    &self.stop,
                    self.client
                        .get_role_policy()
                        .role_name(role)
                        .policy_name(&name)
                        .send(),
                )
                .await,
                NOT_FOUND,
            )?
            else {
                continue;
            };
            inline.insert(name, url_decoded(output.policy_document()));
        }
        Ok(Some(RolePolicies { inline, attached }))
    }

    /// Deletes the role's inline policies but `keep` and detaches its managed ones. Answers false when
    /// the role is gone.
    pub async fn remove_policies_except(
        &self,
        role: &str,
        keep: Option<&str>,
    ) -> Result<bool, AwsError> {
        let Some(inline) = self.inline_policy_names(role).await? else {
            return Ok(false);
        };
        for policy in inline.iter().filter(|name| Some(name.as_str()) != keep) {
            found(
                call(
                    &self.stop,
                    self.client
                        .delete_role_policy()
                        .role_name(role)
                        .policy_name(policy)
                        .send(),
                )
                .await,
                NOT_FOUND,
            )?;
        }
        let Some(attached) = self.attached_policy_arns(role).await? else {
            return Ok(false);
        };
        for policy_arn in attached {
            found(
                call(
                    &self.stop,
                    self.client
                        .detach_role_policy()
                        .role_name(role)
                        .policy_arn(&policy_arn)
                        .send(),
                )
                .await,
                NOT_FOUND,
            )?;
        }
        Ok(true)
    }

    /// Deletes the role, first removing its policies as IAM requires. A role already gone is not an
    /// error.
    pub async fn delete(&self, name: &str) -> Result<(), AwsError> {
        if !self.remove_policies_except(name, None).await? {
            return Ok(());
        }
        found(
            call(&self.stop, self.client.delete_role().role_name(name).send()).await,
            NOT_FOUND,
        )?;
        Ok(())
    }

    /// `None` when the role is gone.
    async fn inline_policy_names(&self, role: &str) -> Result<Option<Vec<String>>, AwsError> {
        let mut names = Vec::new();
        let mut pages = self
            .client
            .list_role_policies()
            .role_name(role)
            .into_paginator()
            .send();
        while let Some(page) = quiet(pages.next()).await {
            let Some(page) = found(page.map_err(AwsError::from_sdk), NOT_FOUND)? else {
                return Ok(None);
            };
            names.extend(page.policy_names().iter().cloned());
        }
        Ok(Some(names))
    }

    /// `None` when the role is gone.
    async fn attached_policy_arns(&self, role: &str) -> Result<Option<Vec<String>>, AwsError> {
        let mut arns = Vec::new();
        let mut pages = self
            .client
            .list_attached_role_policies()
            .role_name(role)
            .into_paginator()
            .send();
        while let Some(page) = quiet(pages.next()).await {
            let Some(page) = found(page.map_err(AwsError::from_sdk), NOT_FOUND)? else {
                return Ok(None);
            };
            arns.extend(
                page.attached_policies()
                    .iter()
                    .filter_map(|p| p.policy_arn().map(str::to_owned)),
            );
        }
        Ok(Some(arns))
    }
}

//! `provider "tinesaudit"`: where the tenant is, the key that manages it, how hard to try, and where AWS is.
//!
//! ```hcl
//! provider "tinesaudit" {
//!   tenant     = "https://example.tines.com" # or TINES_TENANT
//!   api_key    = var.tines_owner_key          # or TINES_API_KEY; a tenant-owner key, ephemeral variable
//!   aws_region = "eu-west-1"                  # or the standard AWS chain
//! }
//! ```
//!
//! Malformed values are refused when Terraform validates the configuration, under the attribute; a tenant
//! without a key or a key without a tenant (and malformed environment values) when it configures the
//! provider, at the start of a plan. Neither is a configuration of the AWS side only: what needs the Tines
//! admin API then fails with an error saying so, and ingestion jobs name their own tenant. The key
//! never appears in a message: Tines client errors never contain it, and ours never format it.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_secretsmanager::config::Credentials;
use serde::Deserialize;
use tfplugin_framework::diag::Diagnostics;
use tfplugin_framework::path::AttrPath;
use tfplugin_framework::schema::{Attribute, Schema};
use tfplugin_framework::validator::{ValidateRequest, Validator};
use tfplugin_framework::{
    ConfigureRequest, ConfigureResponse, DataSourceType, Known, Provider, ResourceType, Sensitive,
    validator,
};
use tines_client::{Config, RetryPolicy};

use crate::aws::calls::DEFAULT_AWS_MAX_RETRIES;
use crate::clients::{
    AwsAccess, AwsSettings, ClientBudget, ProviderClients, TinesAccess, TinesSetup,
};
use crate::data_sources::audit_logs::AuditLogsDataSource;
use crate::data_sources::secops_reader_policy::SecopsReaderPolicyDataSource;
use crate::data_sources::tenant::TenantDataSource;
use crate::data_sources::user::UserDataSource;
use crate::data_sources::users::UsersDataSource;
use crate::resources::api_key::ApiKeyResource;
use crate::resources::ingestion_job::IngestionJobResource;
use crate::resources::schedule::ScheduleResource;
use crate::resources::schedule::package::RunnerPackages;
use crate::resources::tenant_permissions::TenantPermissionsResource;

/// The provider's type name, the prefix of every resource and data source.
pub const TYPE_NAME: &str = "tinesaudit";

/// The source address users put in `required_providers`, and the key of the reattach JSON in debug mode.
pub const ADDRESS: &str = "registry.terraform.io/tinesaudit/tinesaudit";

pub(crate) const TENANT_ENV: &str = "TINES_TENANT";
pub(crate) const API_KEY_ENV: &str = "TINES_API_KEY";

const DEFAULT_TIMEOUT_SECONDS: i64 = 30;
const DEFAULT_MAX_RETRIES: i64 = 4;
const DEFAULT_RETRY_DEADLINE_SECONDS: i64 = 120;

/// Reads an environment variable; the process environment unless a test gives its own.
type EnvLookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// The `tinesaudit` provider.
#[derive(Clone)]
pub struct TinesAuditProvider {
    env: EnvLookup,
    aws_credentials: Option<Credentials>,
    /// Shared by every configure of this provider value, so the package is built once per process.
    runner: Arc<RunnerPackages>,
}

impl Default for TinesAuditProvider {
    fn default() -> Self {
        Self::new()
    }
}

impl TinesAuditProvider {
    /// The provider as Terraform runs it: environment fallbacks from the process, AWS credentials from the
    /// standard chain, the runner's Lambda binary beside the provider's executable.
    pub fn new() -> Self {
        Self {
            env: Arc::new(|name| std::env::var(name).ok()),
            aws_credentials: None,
            runner: RunnerPackages::beside_executable(),
        }
    }

    /// The same provider reading its environment fallbacks (`TINES_TENANT`, `TINES_API_KEY`) from `env`
    /// instead of the process, for tests and embedding.
    pub fn with_env(
        mut self,
        env: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.env = Arc::new(env);
        self
    }

    /// The same provider with fixed AWS credentials instead of the standard chain, for tests against an
    /// AWS emulator in the same process (whose environment a test cannot safely change).
    pub fn with_aws_credentials(mut self, access_key_id: &str, secret_access_key: &str) -> Self {
        self.aws_credentials = Some(Credentials::new(
            access_key_id,
            secret_access_key,
            None,
            None,
            "tinesaudit-provider-fixed",
        ));
        self
    }

    /// The same provider deploying the runner's Lambda binary at `path` instead of the
    /// `tinesaudit-runner-bootstrap` beside its executable, for tests and embedding.
    pub fn with_runner_bootstrap(mut self, path: impl Into<PathBuf>) -> Self {
        self.runner = RunnerPackages::from_file(path);
        self
    }
}

/// The `provider` block as Terraform sends it; anything may be unknown when it refers to resources not yet
/// created.
#[derive(Deserialize)]
struct ProviderModel {
    tenant: Known<Option<String>>,
    api_key: Known<Option<Sensitive>>,
    request_timeout_seconds: Known<Option<i64>>,
    max_retries: Known<Option<i64>>,
    retry_deadline_seconds: Known<Option<i64>>,
    aws_region: Known<Option<String>>,
    aws_endpoint_url: Known<Option<String>>,
    aws_s3_endpoint_url: Known<Option<String>>,
    aws_s3_force_path_style: Known<Option<bool>>,
    aws_max_retries: Known<Option<i64>>,
}

impl Provider for TinesAuditProvider {
    fn type_name(&self) -> String {
        TYPE_NAME.to_owned()
    }

    fn schema(&self) -> Schema {
        Schema::new()
            .description(
                "Sets up the Tines audit-log pipeline to Google SecOps: the API key the pipeline uses (kept \
                 in AWS Secrets Manager), the tenant permissions that let it read audit logs, the job file \
                 the runner reads from S3, and the runner itself on AWS Lambda, invoked by EventBridge \
                 Scheduler.",
            )
            .attribute(
                "tenant",
                Attribute::string()
                    .optional()
                    .description(
                        "The tenant's URL, e.g. `https://example.tines.com`: https, with no path. Plain http \
                         is accepted only for a loopback address (a local simulator). Falls back to the \
                         `TINES_TENANT` environment variable. Leave out both this and `api_key` for a \
                         configuration of the AWS side only (jobs and schedules whose key is managed \
                         elsewhere): the resources and data sources that call the Tines admin API then say \
                         so.",
                    )
                    .validator(TenantUrl),
            )
            .attribute(
                "api_key",
                Attribute::string()
                    .optional()
                    .sensitive()
                    .description(
                        "A tenant-owner API key: the admin API, which reads users and changes their tenant \
                         permissions, takes no other. Falls back to the `TINES_API_KEY` environment variable. \
                         Pass it from an ephemeral variable (Terraform 1.10 and later): a saved plan file \
                         keeps the value of a variable that is only sensitive, in plain text.",
                    )
                    .validator(ApiKeyShape),
            )
            .attribute(
                "request_timeout_seconds",
                Attribute::int64()
                    .optional()
                    .description(format!(
                        "How long one request to Tines may take, response included. Default \
                         {DEFAULT_TIMEOUT_SECONDS}."
                    ))
                    .validator(validator::int_between(1, 3600)),
            )
            .attribute(
                "max_retries",
                Attribute::int64()
                    .optional()
                    .description(format!(
                        "How many times a request to Tines is sent again after a rate limit (429), a server \
                         error (5xx) or a network failure; only requests that are safe to repeat are. \
                         Default {DEFAULT_MAX_RETRIES}; 0 turns retries off."
                    ))
                    .validator(validator::int_between(0, 20)),
            )
            .attribute(
                "retry_deadline_seconds",
                Attribute::int64()
                    .optional()
                    .description(format!(
                        "The longest one call to Tines may take with all its retries and waits. Default \
                         {DEFAULT_RETRY_DEADLINE_SECONDS}."
                    ))
                    .validator(validator::int_between(1, 3600)),
            )
            .attribute(
                "aws_region",
                Attribute::string()
                    .optional()
                    .description(
                        "The AWS region of everything the provider makes in AWS (secrets, job files, functions, \
                         schedules). Without \
                         it the standard AWS chain decides (`AWS_REGION`, then the profile).",
                    )
                    .validator(validator::regex_matches(
                        "^[a-z]{2}(-[a-z0-9]+)+-[0-9]+$",
                        "must be an AWS region name such as eu-west-1",
                    )),
            )
            .attribute(
                "aws_endpoint_url",
                Attribute::string()
                    .optional()
                    .description(
                        "Sends every AWS request to this URL instead of the service's regional endpoint, \
                         e.g. for an emulator or a VPC endpoint. Credentials always come from the standard \
                         AWS chain (environment, profile, instance or task role).",
                    )
                    .validator(endpoint_url()),
            )
            .attribute(
                "aws_s3_endpoint_url",
                Attribute::string()
                    .optional()
                    .description(
                        "Sends S3 requests (job files, the write check) to this URL, over \
                         `aws_endpoint_url`: for an S3-compatible store apart from the rest of AWS.",
                    )
                    .validator(endpoint_url()),
            )
            .attribute(
                "aws_s3_force_path_style",
                Attribute::bool().optional().description(
                    "Addresses S3 buckets in the path (`https://host/bucket/key`) instead of the host name, \
                     as most S3-compatible stores need. Default false.",
                ),
            )
            .attribute(
                "aws_max_retries",
                Attribute::int64()
                    .optional()
                    .description(format!(
                        "How many times an AWS request is sent again after throttling, a server error or a \
                         network failure, with the AWS SDK's backoff (up to 20 seconds between attempts). \
                         Default {DEFAULT_AWS_MAX_RETRIES}, as the AWS provider's `max_retries`: IAM's \
                         limits are per account and low, and an apply that meets them waits rather than \
                         fails. Ctrl-C ends the waiting at once."
                    ))
                    .validator(validator::int_between(0, 100)),
            )
    }

    async fn configure(&self, request: ConfigureRequest, response: &mut ConfigureResponse) {
        let diags = &mut response.diagnostics;
        let Some(model) = request.config.get::<ProviderModel>(diags) else {
            return;
        };
        let tines = resolve_tines(&model, &*self.env, diags);
        let aws = match (
            model.aws_region,
            model.aws_endpoint_url,
            model.aws_s3_endpoint_url,
            model.aws_s3_force_path_style,
            model.aws_max_retries,
        ) {
            (
                Known::Value(region),
                Known::Value(endpoint_url),
                Known::Value(s3_endpoint_url),
                Known::Value(s3_force_path_style),
                Known::Value(max_retries),
            ) => AwsAccess::new(AwsSettings {
                region,
                endpoint_url,
                s3_endpoint_url,
                s3_force_path_style: s3_force_path_style.unwrap_or(false),
                credentials: self.aws_credentials.clone(),
                max_retries: max_retries
                    .and_then(|n| u32::try_from(n).ok())
                    .unwrap_or(DEFAULT_AWS_MAX_RETRIES),
            }),
            _ => AwsAccess::pending(),
        };
        if diags.has_error() {
            return;
        }
        response.set_data(Arc::new(ProviderClients::new(
            tines,
            aws,
            Arc::clone(&self.runner),
            request.stop,
        )));
    }

    fn resources(&self) -> Vec<ResourceType> {
        vec![
            ResourceType::new(TenantPermissionsResource::default),
            ResourceType::new(ApiKeyResource::default),
            ResourceType::new(ScheduleResource::default),
            ResourceType::new(IngestionJobResource::default),
        ]
    }

    fn data_sources(&self) -> Vec<DataSourceType> {
        vec![
            DataSourceType::new(UserDataSource::default),
            DataSourceType::new(UsersDataSource::default),
            DataSourceType::new(TenantDataSource::default),
            DataSourceType::new(AuditLogsDataSource::default),
            DataSourceType::new(SecopsReaderPolicyDataSource::default),
        ]
    }
}

/// The Tines settings from configuration, then environment, checked. Neither tenant nor key is a
/// configuration of the AWS side only; one without the other is an error. With an error in `diags` the
/// answer is `NotKnownYet`, which configure never hands on.
fn resolve_tines(
    model: &ProviderModel,
    env: &(dyn Fn(&str) -> Option<String> + Send + Sync),
    diags: &mut Diagnostics,
) -> TinesSetup {
    let (
        Known::Value(tenant),
        Known::Value(api_key),
        Known::Value(timeout),
        Known::Value(retries),
        Known::Value(deadline),
    ) = (
        &model.tenant,
        &model.api_key,
        &model.request_timeout_seconds,
        &model.max_retries,
        &model.retry_deadline_seconds,
    )
    else {
        return TinesSetup::NotKnownYet;
    };
    let seconds = |value: i64| Duration::from_secs(value.max(1) as u64);
    let budget = ClientBudget {
        request_timeout: seconds(timeout.unwrap_or(DEFAULT_TIMEOUT_SECONDS)),
        retry: RetryPolicy {
            max_attempts: u32::try_from(retries.unwrap_or(DEFAULT_MAX_RETRIES).max(0)).unwrap_or(0)
                + 1,
            deadline: seconds(deadline.unwrap_or(DEFAULT_RETRY_DEADLINE_SECONDS)),
            ..RetryPolicy::default()
        },
    };
    let from_env = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    let (tenant, api_key) = match (
        tenant.clone().or_else(|| from_env(TENANT_ENV)),
        api_key
            .as_ref()
            .map(|key| key.expose().to_owned())
            .or_else(|| from_env(API_KEY_ENV)),
    ) {
        (Some(tenant), Some(api_key)) => (tenant, api_key),
        (None, None) => return TinesSetup::Absent(budget),
        (None, Some(_)) => {
            diags.attribute_error(
                AttrPath::attr("tenant"),
                "Missing Tines tenant",
                format!(
                    "An API key is given, so set `tenant` in the provider block, or the {TENANT_ENV} \
                     environment variable, to the tenant's URL, e.g. https://example.tines.com."
                ),
            );
            return TinesSetup::NotKnownYet;
        }
        (Some(_), None) => {
            diags.attribute_error(
                AttrPath::attr("api_key"),
                "Missing Tines API key",
                format!(
                    "A tenant is given, so set `api_key` in the provider block, or the {API_KEY_ENV} \
                     environment variable, to a tenant-owner API key (Settings › API keys in Tines)."
                ),
            );
            return TinesSetup::NotKnownYet;
        }
    };
    let source = |attribute: &str, from_config: bool, variable: &'static str| {
        if from_config {
            format!("`{attribute}`")
        } else {
            variable.to_owned()
        }
    };
    let tenant_source = source(
        "tenant",
        model.tenant.value().is_some_and(Option::is_some),
        TENANT_ENV,
    );
    let key_source = source(
        "api_key",
        model.api_key.value().is_some_and(Option::is_some),
        API_KEY_ENV,
    );
    match budget.client_with_key(&tenant, &api_key) {
        Ok(client) => TinesSetup::Configured(TinesAccess::new(client, tenant, budget)),
        Err(error) => {
            let (attribute, problem) = config_problem(error.message());
            let source = match attribute {
                "tenant" => tenant_source,
                "api_key" => key_source,
                _ => attribute.to_owned(),
            };
            diags.attribute_error(
                AttrPath::attr(attribute),
                "Invalid provider configuration",
                format!("{source} {problem}."),
            );
            TinesSetup::NotKnownYet
        }
    }
}

/// Maps a `tines-client` configuration error ("`tenant_url` is not a URL ...") to the provider attribute
/// it is about and the problem without the client's field name.
fn config_problem(message: &str) -> (&'static str, String) {
    let fields = [
        ("`tenant_url`", "tenant"),
        ("`api_key`", "api_key"),
        ("`request_timeout`", "request_timeout_seconds"),
        ("`retry.max_attempts`", "max_retries"),
        ("`retry.deadline`", "retry_deadline_seconds"),
    ];
    for (field, attribute) in fields {
        if let Some(rest) = message.strip_prefix(field) {
            let problem = rest.trim().replace("tenant_url", "tenant");
            return (attribute, problem);
        }
    }
    ("tenant", message.to_owned())
}

/// An AWS endpoint override.
fn endpoint_url() -> impl Validator {
    validator::regex_matches(
        r"^https?://[^\s/?#]+(/[^\s]*)?$",
        "must be an http or https URL",
    )
}

/// `tenant`: the checks of `tines-client` itself, at validation time, without building a client. Also an ingestion job's `tenant`.
pub(crate) struct TenantUrl;

impl Validator for TenantUrl {
    fn validate(&self, request: &ValidateRequest<'_>, diags: &mut Diagnostics) {
        let Some(tenant) = request.value.as_str() else {
            return;
        };
        if let Err(error) = Config::new(tenant, "placeholder").validate() {
            let (_, problem) = config_problem(error.message());
            diags.attribute_error(
                request.path.clone(),
                "Invalid Tines tenant",
                format!("`tenant` {problem}."),
            );
        }
    }
}

/// `api_key`: what an HTTP header can carry. The message never shows the key.
struct ApiKeyShape;

impl Validator for ApiKeyShape {
    fn validate(&self, request: &ValidateRequest<'_>, diags: &mut Diagnostics) {
        let Some(key) = request.value.as_str() else {
            return;
        };
        if let Err(error) = Config::new("https://tenant.invalid", key).validate() {
            let (_, problem) = config_problem(error.message());
            diags.attribute_error(
                request.path.clone(),
                "Invalid Tines API key",
                format!("`api_key` {problem}."),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(tenant: Option<&str>, key: Option<&str>) -> ProviderModel {
        ProviderModel {
            tenant: Known::Value(tenant.map(str::to_owned)),
            api_key: Known::Value(key.map(Sensitive::new)),
            request_timeout_seconds: Known::Value(None),
            max_retries: Known::Value(None),
            retry_deadline_seconds: Known::Value(None),
            aws_region: Known::Value(None),
            aws_endpoint_url: Known::Value(None),
            aws_s3_endpoint_url: Known::Value(None),
            aws_s3_force_path_style: Known::Value(None),
            aws_max_retries: Known::Value(None),
        }
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn configured(setup: TinesSetup) -> Option<TinesAccess> {
        match setup {
            TinesSetup::Configured(access) => Some(access),
            TinesSetup::Absent(_) | TinesSetup::NotKnownYet => None,
        }
    }

    #[test]
    fn neither_tenant_nor_key_is_a_configuration_of_the_aws_side_only() {
        let mut diags = Diagnostics::new();
        let setup = resolve_tines(&model(None, None), &no_env, &mut diags);
        assert!(matches!(setup, TinesSetup::Absent(_)));
        assert!(diags.is_empty(), "{diags}");
    }

    #[test]
    fn configuration_wins_over_environment() {
        let env = |name: &str| match name {
            TENANT_ENV => Some("https://env.tines.com".to_owned()),
            API_KEY_ENV => Some("env-key".to_owned()),
            _ => None,
        };
        let mut diags = Diagnostics::new();
        let access = resolve_tines(
            &model(Some("https://cfg.tines.com"), None),
            &env,
            &mut diags,
        );
        assert!(!diags.has_error(), "{diags}");
        assert_eq!(
            configured(access).unwrap().tenant(),
            "https://cfg.tines.com"
        );
        let access = configured(resolve_tines(&model(None, None), &env, &mut diags)).unwrap();
        assert_eq!(access.tenant(), "https://env.tines.com");
    }

    #[test]
    fn missing_values_name_the_attribute_and_the_variable() {
        let mut diags = Diagnostics::new();
        assert!(configured(resolve_tines(&model(None, Some("k")), &no_env, &mut diags)).is_none());
        let d = diags.iter().next().unwrap();
        assert_eq!(d.path, Some(AttrPath::attr("tenant")));
        assert!(d.detail.contains(TENANT_ENV), "{d}");

        let mut diags = Diagnostics::new();
        let blank_key = |name: &str| (name == API_KEY_ENV).then(|| "  ".to_owned());
        assert!(
            configured(resolve_tines(
                &model(Some("https://t.tines.com"), None),
                &blank_key,
                &mut diags
            ))
            .is_none()
        );
        let d = diags.iter().next().unwrap();
        assert_eq!(d.path, Some(AttrPath::attr("api_key")));
    }

    #[test]
    fn malformed_environment_values_point_at_the_attribute_and_the_variable() {
        let env = |name: &str| (name == TENANT_ENV).then(|| "http://tines.example.com".to_owned());
        let mut diags = Diagnostics::new();
        assert!(configured(resolve_tines(&model(None, Some("k")), &env, &mut diags)).is_none());
        let d = diags.iter().next().unwrap();
        assert_eq!(d.path, Some(AttrPath::attr("tenant")));
        assert!(d.detail.starts_with(TENANT_ENV), "{d}");
        assert!(d.detail.contains("loopback"), "{d}");
    }

    #[test]
    fn unknown_configuration_defers_without_errors() {
        let mut unknown = model(Some("https://t.tines.com"), None);
        unknown.api_key = Known::Unknown;
        let mut diags = Diagnostics::new();
        assert!(matches!(
            resolve_tines(&unknown, &no_env, &mut diags),
            TinesSetup::NotKnownYet
        ));
        assert!(diags.is_empty());
    }

    #[test]
    fn key_problems_never_show_the_key() {
        let mut diags = Diagnostics::new();
        let bad = "tok SECRET-VALUE";
        assert!(
            configured(resolve_tines(
                &model(Some("https://t.tines.com"), Some(bad)),
                &no_env,
                &mut diags
            ))
            .is_none()
        );
        let text = diags.to_string();
        assert!(text.contains("api_key"), "{text}");
        assert!(!text.contains("SECRET"), "{text}");
    }
}

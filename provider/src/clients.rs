//! What configuring the provider hands to every resource and data source: the Tines client (and what is
//! needed to build one for another key), lazy AWS access, the runner's deployment package, and locks that
//! serialise changes to one user.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_sdk_secretsmanager::config::{Credentials, Region};
use tfplugin_framework::diag::Diagnostics;
use tfplugin_framework::{ProviderData, StopSignal};
use tines_client::{Client, Config, RetryPolicy, Secret};
use tokio::sync::{OnceCell, OwnedMutexGuard};

use crate::aws::calls::quiet;
use crate::aws::iam::Roles;
use crate::aws::lambda::Functions;
use crate::aws::s3::Objects;
use crate::aws::scheduler::Schedules;
use crate::aws::secrets::SecretStore;
use crate::provider::{API_KEY_ENV, TENANT_ENV};
use crate::resources::schedule::package::RunnerPackages;

/// The provider's data, shared by all resources and data sources of one configured provider.
pub struct ProviderClients {
    tines: TinesSetup,
    /// Fires when Terraform asks the provider to stop, for the AWS clients' waits.
    stop: StopSignal,
    aws: AwsAccess,
    runner: Arc<RunnerPackages>,
    users: UserLocks,
}

impl ProviderClients {
    pub fn new(
        tines: TinesSetup,
        aws: AwsAccess,
        runner: Arc<RunnerPackages>,
        stop: StopSignal,
    ) -> Self {
        Self {
            tines,
            stop,
            aws,
            runner,
            users: UserLocks::default(),
        }
    }

    /// The provider data as a resource gets it, or an error saying it is something else.
    pub fn from_data(data: &ProviderData, diags: &mut Diagnostics) -> Option<Arc<ProviderClients>> {
        match data.get::<Arc<ProviderClients>>() {
            Some(clients) => Some(Arc::clone(clients)),
            None => {
                diags.error(
                    "Unexpected provider data",
                    "The provider handed over something other than its clients. This is a bug in the provider.",
                );
                None
            }
        }
    }

    /// The Tines side with the provider's key, or an error when the provider block names no tenant or
    /// its configuration is not known yet.
    pub fn tines(&self, diags: &mut Diagnostics) -> Option<&TinesAccess> {
        match &self.tines {
            TinesSetup::Configured(access) => Some(access),
            TinesSetup::Absent(_) => {
                diags.error(
                    "No Tines tenant configured",
                    format!(
                        "This needs the Tines admin API, but the tinesaudit provider block sets neither tenant \
                         nor api_key (nor {TENANT_ENV} and {API_KEY_ENV}). Set both to the tenant's URL and \
                         a tenant-owner API key; a configuration without them can use only the AWS \
                         resources and data sources."
                    ),
                );
                None
            }
            TinesSetup::NotKnownYet => {
                diags.error(
                    "Provider configuration not known yet",
                    "The tinesaudit provider's tenant or api_key refers to something Terraform only knows \
                     after apply, so Tines cannot be reached during this plan. Give the provider values \
                     known at plan time.",
                );
                None
            }
        }
    }

    /// How clients for a key other than the provider's are built, e.g. to check the pipeline's key; an
    /// error while the provider configuration is not known yet.
    pub fn client_budget(&self, diags: &mut Diagnostics) -> Option<&ClientBudget> {
        match &self.tines {
            TinesSetup::Configured(access) => Some(&access.budget),
            TinesSetup::Absent(budget) => Some(budget),
            TinesSetup::NotKnownYet => self.tines(diags).map(|access| &access.budget),
        }
    }

    /// A Secrets Manager client, loading the AWS configuration on first use.
    pub async fn secrets(&self, diags: &mut Diagnostics) -> Option<SecretStore> {
        let (config, _) = self.aws.config(diags).await?;
        Some(SecretStore::new(config, self.stop.clone()))
    }

    /// The Tines side as configured, for defaults computed during plan, where an absent or unknown
    /// tenant is no error.
    pub fn tines_setup(&self) -> &TinesSetup {
        &self.tines
    }

    /// S3's object calls, on a client with the provider's S3 endpoint and addressing style.
    pub async fn s3(&self, diags: &mut Diagnostics) -> Option<Objects> {
        let (config, settings) = self.aws.config(diags).await?;
        let mut builder = aws_sdk_s3::config::Builder::from(config)
            .force_path_style(settings.s3_force_path_style);
        if let Some(url) = &settings.s3_endpoint_url {
            builder = builder.endpoint_url(url.clone());
        }
        Some(Objects::new(
            aws_sdk_s3::Client::from_conf(builder.build()),
            self.stop.clone(),
        ))
    }

    /// A Lambda client.
    pub async fn lambda(&self, diags: &mut Diagnostics) -> Option<Functions> {
        let (config, _) = self.aws.config(diags).await?;
        Some(Functions::new(config, self.stop.clone()))
    }

    /// An EventBridge Scheduler client.
    pub async fn scheduler(&self, diags: &mut Diagnostics) -> Option<Schedules> {
        let (config, _) = self.aws.config(diags).await?;
        Some(Schedules::new(config, self.stop.clone()))
    }

    /// An IAM client.
    pub async fn iam(&self, diags: &mut Diagnostics) -> Option<Roles> {
        let (config, _) = self.aws.config(diags).await?;
        Some(Roles::new(config, self.stop.clone()))
    }

    /// Whether the provider's AWS settings are still unknown (they refer to resources not yet created): a
    /// plan then leaves what it would read from AWS unknown instead of failing.
    pub fn aws_pending(&self) -> bool {
        self.aws.settings.is_none()
    }

    /// The runner's Lambda deployment package.
    pub fn runner(&self) -> &RunnerPackages {
        &self.runner
    }

    /// Holds changes to `user_id` from this provider one at a time: two resources granting permissions to
    /// one user both read, modify and write the whole array, and must not interleave.
    pub async fn lock_user(&self, user_id: u64) -> OwnedMutexGuard<()> {
        self.users.lock(user_id).await
    }
}

/// The provider's clients as a resource or data source holds them, or an error when it was never
/// configured (the framework configures it before every operation that needs it).
pub fn configured<'a>(
    clients: &'a Option<Arc<ProviderClients>>,
    diags: &mut Diagnostics,
) -> Option<&'a ProviderClients> {
    if clients.is_none() {
        diags.error(
            "Provider not configured",
            "The tinesaudit provider was not configured before this operation. This is a bug in the provider.",
        );
    }
    clients.as_deref()
}

/// The Tines side of the provider's configuration.
pub enum TinesSetup {
    /// The provider's tenant and key.
    Configured(TinesAccess),
    /// Neither tenant nor key given: a configuration of the AWS side only, which may still check the
    /// pipeline's key against a job's own tenant.
    Absent(ClientBudget),
    /// The configuration refers to resources not yet created.
    NotKnownYet,
}

/// The Tines client of the provider's key, and the settings to build one for another key.
pub struct TinesAccess {
    client: Client,
    tenant: String,
    budget: ClientBudget,
}

impl TinesAccess {
    pub fn new(client: Client, tenant: String, budget: ClientBudget) -> Self {
        Self {
            client,
            tenant,
            budget,
        }
    }

    /// The client that uses the provider's (tenant-owner) key.
    pub fn admin(&self) -> &Client {
        &self.client
    }

    /// The tenant URL as configured.
    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    /// How clients for other keys are built.
    pub fn budget(&self) -> &ClientBudget {
        &self.budget
    }
}

/// The provider's time budgets for Tines requests, for clients of keys other than the provider's.
#[derive(Debug, Clone, Copy)]
pub struct ClientBudget {
    pub request_timeout: Duration,
    pub retry: RetryPolicy,
}

impl ClientBudget {
    /// A client for `tenant` (the provider's, or an ingestion job's) using `key`: to check a key the
    /// pipeline uses.
    pub fn client_with_key(&self, tenant: &str, key: &str) -> Result<Client, tines_client::Error> {
        Client::new(
            Config::new(tenant, Secret::new(key))
                .request_timeout(self.request_timeout)
                .retry(self.retry),
        )
    }
}

/// The AWS settings, and the AWS configuration loaded from them the first time a resource needs it: most
/// runs never touch AWS, and loading walks the credential chain.
pub struct AwsAccess {
    /// `None` while the provider's AWS settings are not known yet.
    settings: Option<AwsSettings>,
    loaded: OnceCell<aws_config::SdkConfig>,
}

pub struct AwsSettings {
    pub region: Option<String>,
    /// Every service's endpoint, e.g. an emulator's.
    pub endpoint_url: Option<String>,
    /// S3's endpoint, over `endpoint_url`: S3-compatible stores often live apart from the rest.
    pub s3_endpoint_url: Option<String>,
    pub s3_force_path_style: bool,
    pub credentials: Option<Credentials>,
    /// How often every AWS client sends a throttled or failed request again.
    pub max_retries: u32,
}

impl AwsAccess {
    pub fn new(settings: AwsSettings) -> Self {
        Self {
            settings: Some(settings),
            loaded: OnceCell::new(),
        }
    }

    pub fn pending() -> Self {
        Self {
            settings: None,
            loaded: OnceCell::new(),
        }
    }

    /// The loaded configuration every AWS client is built from, or an error when the settings are not
    /// known yet or name no region.
    async fn config(
        &self,
        diags: &mut Diagnostics,
    ) -> Option<(&aws_config::SdkConfig, &AwsSettings)> {
        let Some(settings) = &self.settings else {
            diags.error(
                "Provider configuration not known yet",
                "The tinesaudit provider's AWS settings refer to something Terraform only knows after apply.",
            );
            return None;
        };
        let config = self
            .loaded
            .get_or_init(|| async {
                // The SDK's standard retries with its backoff, but as many attempts as the AWS provider
                // makes by default: IAM's account-wide limits are low, and an apply that meets them
                // should wait, not fail after the SDK's default of three attempts.
                let mut loader = aws_config::defaults(BehaviorVersion::latest()).retry_config(
                    RetryConfig::standard()
                        .with_max_attempts(settings.max_retries.saturating_add(1)),
                );
                if let Some(region) = &settings.region {
                    loader = loader.region(Region::new(region.clone()));
                }
                if let Some(url) = &settings.endpoint_url {
                    loader = loader.endpoint_url(url.clone());
                }
                if let Some(credentials) = &settings.credentials {
                    loader = loader.credentials_provider(credentials.clone());
                }
                quiet(loader.load()).await
            })
            .await;
        if config.region().is_none() {
            diags.error(
                "No AWS region",
                "The tinesaudit provider keeps keys in Secrets Manager and deploys the runner to AWS, which \
                 needs a region: set aws_region in the provider block, or AWS_REGION in the environment.",
            );
            return None;
        }
        Some((config, settings))
    }
}

/// One lock per user id, made on first use.
#[derive(Default)]
struct UserLocks(Mutex<HashMap<u64, Arc<tokio::sync::Mutex<()>>>>);

impl UserLocks {
    async fn lock(&self, user_id: u64) -> OwnedMutexGuard<()> {
        let lock = {
            let mut locks = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(locks.entry(user_id).or_default())
        };
        lock.lock_owned().await
    }
}

//! The fault proxy's AWS mode, through the SDK clients the provider uses, in front of moto: every
//! fault reaches the SDK as the error code production AWS gives, and Lambda's states show as
//! Lambda shows them.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use aws_config::retry::RetryConfig;
use aws_sdk_iam::error::ProvideErrorMetadata;
use aws_sdk_iam::operation::RequestId;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{Environment, FunctionCode, LastUpdateStatus, Runtime, State};
use aws_sdk_scheduler::types::{FlexibleTimeWindow, FlexibleTimeWindowMode, Target};
use tinesaudit_testkit::{AwsCall, AwsEmulator, AwsFault, AwsFaults, FaultProxy};

/// An empty zip archive (its end-of-central-directory record alone), enough for moto.
const EMPTY_ZIP: [u8; 22] = *b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";
const HOURLY: &str = "rate(1 hour)";
const TRUST_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["lambda.amazonaws.com","scheduler.amazonaws.com"]},"Action":"sts:AssumeRole"}]}"#;

struct World {
    _moto: AwsEmulator,
    proxy: FaultProxy,
    /// Clients built from this try each request once, so that every fault given is seen.
    config: SdkConfig,
}

impl World {
    async fn start(faults: AwsFaults) -> World {
        let moto = tokio::task::spawn_blocking(AwsEmulator::start)
            .await
            .unwrap()
            .expect("moto starts (run `cargo xtask tools` first)");
        let proxy = FaultProxy::start_aws(moto.endpoint_url(), faults)
            .await
            .unwrap();
        let config = moto
            .sdk_config()
            .to_builder()
            .endpoint_url(proxy.endpoint_url())
            .retry_config(RetryConfig::disabled())
            .build();
        World {
            _moto: moto,
            proxy,
            config,
        }
    }

    fn iam(&self) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::new(&self.config)
    }

    fn lambda(&self) -> aws_sdk_lambda::Client {
        aws_sdk_lambda::Client::new(&self.config)
    }

    fn scheduler(&self) -> aws_sdk_scheduler::Client {
        aws_sdk_scheduler::Client::new(&self.config)
    }

    fn secrets(&self) -> aws_sdk_secretsmanager::Client {
        aws_sdk_secretsmanager::Client::new(&self.config)
    }

    /// Creates a role Lambda and Scheduler may assume; answers its ARN.
    async fn create_role(&self, name: &str) -> String {
        let created = self
            .iam()
            .create_role()
            .role_name(name)
            .assume_role_policy_document(TRUST_POLICY)
            .send()
            .await
            .unwrap();
        created.role().unwrap().arn().to_owned()
    }

    async fn create_function(
        &self,
        name: &str,
        role_arn: &str,
    ) -> Result<aws_sdk_lambda::operation::create_function::CreateFunctionOutput, String> {
        self.lambda()
            .create_function()
            .function_name(name)
            .runtime(Runtime::Providedal2023)
            .handler("bootstrap")
            .role(role_arn)
            .code(
                FunctionCode::builder()
                    .zip_file(Blob::new(EMPTY_ZIP))
                    .build(),
            )
            .send()
            .await
            .map_err(|error| code_and_message(&error))
    }

    async fn update_configuration(&self, name: &str, role_arn: &str) -> Result<(), String> {
        self.lambda()
            .update_function_configuration()
            .function_name(name)
            .role(role_arn)
            .environment(
                Environment::builder()
                    .variables("CHANGED_AT", format!("{:?}", Instant::now()))
                    .build(),
            )
            .send()
            .await
            .map(drop)
            .map_err(|error| code_and_message(&error))
    }

    async fn update_code(&self, name: &str) -> Result<(), String> {
        self.lambda()
            .update_function_code()
            .function_name(name)
            .zip_file(Blob::new(EMPTY_ZIP))
            .send()
            .await
            .map(drop)
            .map_err(|error| code_and_message(&error))
    }

    /// The state and update status GetFunction shows, asked by the function's name or ARN.
    async fn function_status(&self, name_or_arn: &str) -> (State, LastUpdateStatus) {
        let function = self
            .lambda()
            .get_function()
            .function_name(name_or_arn)
            .send()
            .await
            .unwrap();
        let configuration = function.configuration().unwrap();
        (
            configuration.state().unwrap().clone(),
            configuration
                .last_update_status()
                .cloned()
                .unwrap_or(LastUpdateStatus::Successful),
        )
    }

    /// Creates (or with `update`, updates) a schedule that runs `function` as `role_arn`.
    async fn put_schedule(
        &self,
        name: &str,
        function_arn: &str,
        role_arn: &str,
        update: bool,
    ) -> Result<(), String> {
        let target = Target::builder()
            .arn(function_arn)
            .role_arn(role_arn)
            .build()
            .unwrap();
        let window = FlexibleTimeWindow::builder()
            .mode(FlexibleTimeWindowMode::Off)
            .build()
            .unwrap();
        let scheduler = self.scheduler();
        // The two builders share no type, so each is spelled out.
        if update {
            let request = scheduler
                .update_schedule()
                .name(name)
                .schedule_expression(HOURLY);
            let request = request.target(target).flexible_time_window(window);
            request
                .send()
                .await
                .map(drop)
                .map_err(|e| code_and_message(&e))
        } else {
            let request = scheduler
                .create_schedule()
                .name(name)
                .schedule_expression(HOURLY);
            let request = request.target(target).flexible_time_window(window);
            request
                .send()
                .await
                .map(drop)
                .map_err(|e| code_and_message(&e))
        }
    }
}

fn code_and_message(error: &impl ProvideErrorMetadata) -> String {
    let code = error.code().unwrap_or("no code");
    format!("{code}: {}", error.message().unwrap_or("no message"))
}

fn call(service: &str, operation: &str) -> AwsCall {
    AwsCall {
        service: service.to_owned(),
        operation: operation.to_owned(),
    }
}

/// Waits until `window` has passed since `since`.
async fn outlast(since: Instant, window: Duration) {
    tokio::time::sleep_until((since + window + Duration::from_millis(100)).into()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_service_throttles_in_its_own_shape_with_a_request_id() {
    let world = World::start(AwsFaults {
        throttle_ratio: 1.0,
        ..AwsFaults::default()
    })
    .await;

    let iam = world.iam().list_roles().send().await.unwrap_err();
    assert_eq!(iam.code(), Some("Throttling"), "{iam:?}");
    assert_eq!(iam.message(), Some("Rate exceeded"));
    assert!(iam.request_id().is_some(), "{iam:?}");

    let lambda = world.lambda().list_functions().send().await.unwrap_err();
    assert_eq!(
        lambda.code(),
        Some("TooManyRequestsException"),
        "{lambda:?}"
    );
    assert!(lambda.request_id().is_some(), "{lambda:?}");

    let secrets = world.secrets().list_secrets().send().await.unwrap_err();
    assert_eq!(secrets.code(), Some("ThrottlingException"), "{secrets:?}");
    assert!(secrets.request_id().is_some(), "{secrets:?}");

    let scheduler = world.scheduler().list_schedules().send().await.unwrap_err();
    assert_eq!(
        scheduler.code(),
        Some("ThrottlingException"),
        "{scheduler:?}"
    );
    assert!(scheduler.request_id().is_some(), "{scheduler:?}");

    let counts = world.proxy.aws_counts();
    assert_eq!(counts.given(AwsFault::Throttled), 4, "{counts}");
    assert_eq!(
        counts.not_given(),
        [
            AwsFault::RoleNotAssumable,
            AwsFault::FunctionPending,
            AwsFault::UpdateInProgress,
            AwsFault::UpdateConflict
        ]
    );
}

/// The shapes are only useful if the SDK takes them for throttling and retries them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sdk_retries_every_throttled_answer() {
    let world = World::start(AwsFaults {
        throttle_ratio: 1.0,
        ..AwsFaults::default()
    })
    .await;
    let retries = RetryConfig::standard()
        .with_max_attempts(3)
        .with_initial_backoff(Duration::from_millis(1));
    let config = world.config.to_builder().retry_config(retries).build();

    let _ = aws_sdk_iam::Client::new(&config).list_roles().send().await;
    let _ = aws_sdk_lambda::Client::new(&config)
        .list_functions()
        .send()
        .await;
    let _ = aws_sdk_secretsmanager::Client::new(&config)
        .list_secrets()
        .send()
        .await;
    let _ = aws_sdk_scheduler::Client::new(&config)
        .list_schedules()
        .send()
        .await;

    let counts = world.proxy.aws_counts();
    for throttled in [
        call("iam", "ListRoles"),
        call("lambda", "ListFunctions"),
        call("secretsmanager", "ListSecrets"),
        call("scheduler", "ListSchedules"),
    ] {
        assert_eq!(
            counts.requests.get(&throttled),
            Some(&3),
            "{throttled}: {counts}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seed_throttles_the_same_requests_on_every_run() {
    let faults = AwsFaults {
        throttle_ratio: 0.5,
        seed: 19,
        ..AwsFaults::default()
    };
    let mut runs = Vec::new();
    for _ in 0..2 {
        let world = World::start(faults.clone()).await;
        let mut throttled = Vec::new();
        for _ in 0..20 {
            throttled.push(world.secrets().list_secrets().send().await.is_err());
        }
        let given = throttled.iter().filter(|t| **t).count();
        assert_eq!(
            world.proxy.aws_counts().given(AwsFault::Throttled),
            given as u64
        );
        runs.push(throttled);
    }
    assert_eq!(runs[0], runs[1]);
    assert!(
        runs[0].contains(&true) && runs[0].contains(&false),
        "{:?}",
        runs[0]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_is_refused_until_its_creation_or_trust_change_has_propagated() {
    let propagation = Duration::from_secs(1);
    let world = World::start(AwsFaults {
        role_propagation: propagation,
        ..AwsFaults::default()
    })
    .await;
    let role = world.create_role("runner").await;
    let created = Instant::now();
    let lambda_refusal = "InvalidParameterValueException: \
                          The role defined for the function cannot be assumed by Lambda.";
    let scheduler_refusal = "ValidationException: The execution role you provide must allow \
                             AWS EventBridge Scheduler to assume the role.";

    let refused = world.create_function("runner", &role).await.unwrap_err();
    assert_eq!(refused, lambda_refusal);
    let function_arn = "arn:aws:lambda:us-east-1:123456789012:function:runner";
    let refused = world
        .put_schedule("hourly", function_arn, &role, false)
        .await;
    assert_eq!(refused.unwrap_err(), scheduler_refusal);

    outlast(created, propagation).await;
    let function = world.create_function("runner", &role).await.unwrap();
    assert_eq!(function.function_arn(), Some(function_arn));
    world
        .put_schedule("hourly", function_arn, &role, false)
        .await
        .unwrap();

    // A change of who may assume the role counts as a new role.
    world
        .iam()
        .update_assume_role_policy()
        .role_name("runner")
        .policy_document(TRUST_POLICY)
        .send()
        .await
        .unwrap();
    let changed = Instant::now();
    let refused = world.update_configuration("runner", &role).await;
    assert_eq!(refused.unwrap_err(), lambda_refusal);
    let refused = world
        .put_schedule("hourly", function_arn, &role, true)
        .await;
    assert_eq!(refused.unwrap_err(), scheduler_refusal);

    outlast(changed, propagation).await;
    world.update_configuration("runner", &role).await.unwrap();
    world
        .put_schedule("hourly", function_arn, &role, true)
        .await
        .unwrap();

    let counts = world.proxy.aws_counts();
    let refusals: BTreeSet<_> = counts
        .faults
        .iter()
        .map(|((fault, call), count)| (*fault, call.to_string(), *count))
        .collect();
    let expected: BTreeSet<_> = [
        "lambda:CreateFunction",
        "lambda:UpdateFunctionConfiguration",
        "scheduler:CreateSchedule",
        "scheduler:UpdateSchedule",
    ]
    .into_iter()
    .map(|call| (AwsFault::RoleNotAssumable, call.to_owned(), 1))
    .collect();
    assert_eq!(refusals, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_function_is_pending_then_in_progress_and_refuses_a_second_update_meanwhile() {
    let settling = Duration::from_secs(1);
    let world = World::start(AwsFaults {
        function_settling: settling,
        ..AwsFaults::default()
    })
    .await;
    let role = world.create_role("runner").await;

    let created = world.create_function("runner", &role).await.unwrap();
    let since = Instant::now();
    let arn = created.function_arn().unwrap().to_owned();
    assert_eq!(created.state(), Some(&State::Pending));
    assert_eq!(world.function_status("runner").await.0, State::Pending);
    let conflict = world.update_code("runner").await.unwrap_err();
    assert_eq!(
        conflict,
        "ResourceConflictException: The operation cannot be performed at this time. \
         The function is currently in the following state: Pending"
    );

    outlast(since, settling).await;
    let settled = (State::Active, LastUpdateStatus::Successful);
    assert_eq!(world.function_status("runner").await, settled);
    world.update_configuration("runner", &role).await.unwrap();
    let since = Instant::now();
    // Asked by ARN, as the provider may: the same function.
    let status = world.function_status(&arn).await;
    assert_eq!(status, (State::Active, LastUpdateStatus::InProgress));
    let configuration = world
        .lambda()
        .get_function_configuration()
        .function_name("runner")
        .send()
        .await
        .unwrap();
    assert_eq!(
        configuration.last_update_status(),
        Some(&LastUpdateStatus::InProgress)
    );
    let conflict = world.update_code("runner").await.unwrap_err();
    assert_eq!(
        conflict,
        format!(
            "ResourceConflictException: The operation cannot be performed at this time. \
             An update is in progress for resource: {arn}"
        )
    );

    outlast(since, settling).await;
    assert_eq!(world.function_status("runner").await, settled);
    world.update_code("runner").await.unwrap();
    assert_eq!(
        world.function_status("runner").await,
        (State::Active, LastUpdateStatus::InProgress)
    );

    let counts = world.proxy.aws_counts();
    assert_eq!(counts.given(AwsFault::FunctionPending), 2, "{counts}");
    assert_eq!(counts.given(AwsFault::UpdateConflict), 2, "{counts}");
    assert_eq!(
        counts.given(AwsFault::UpdateInProgress),
        5,
        "two updates answered, three reads: {counts}"
    );
}

/// Every operation the provider calls is known by its name, from the requests the SDK really
/// sends; a function is known by its name when the SDK names it by ARN.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operations_the_provider_calls_are_recognised() {
    let world = World::start(AwsFaults::default()).await;
    let role = world.create_role("runner").await;
    world
        .iam()
        .update_assume_role_policy()
        .role_name("runner")
        .policy_document(TRUST_POLICY)
        .send()
        .await
        .unwrap();
    let function = world.create_function("runner", &role).await.unwrap();
    let arn = function.function_arn().unwrap();
    world.function_status(arn).await;
    world
        .lambda()
        .get_function_configuration()
        .function_name("runner")
        .send()
        .await
        .unwrap();
    world.update_code("runner").await.unwrap();
    world.update_configuration("runner", &role).await.unwrap();
    world
        .put_schedule("hourly", arn, &role, false)
        .await
        .unwrap();
    world
        .put_schedule("hourly", arn, &role, true)
        .await
        .unwrap();
    world
        .scheduler()
        .get_schedule()
        .name("hourly")
        .send()
        .await
        .unwrap();
    world
        .scheduler()
        .delete_schedule()
        .name("hourly")
        .send()
        .await
        .unwrap();
    world
        .lambda()
        .delete_function()
        .function_name(arn)
        .send()
        .await
        .unwrap();
    world
        .secrets()
        .create_secret()
        .name("tines")
        .secret_string("key")
        .send()
        .await
        .unwrap();

    let seen: Vec<String> = world
        .proxy
        .aws_counts()
        .requests
        .keys()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        seen,
        [
            "iam:CreateRole",
            "iam:UpdateAssumeRolePolicy",
            "lambda:CreateFunction",
            "lambda:DeleteFunction",
            "lambda:GetFunction",
            "lambda:GetFunctionConfiguration",
            "lambda:UpdateFunctionCode",
            "lambda:UpdateFunctionConfiguration",
            "scheduler:CreateSchedule",
            "scheduler:DeleteSchedule",
            "scheduler:GetSchedule",
            "scheduler:UpdateSchedule",
            "secretsmanager:CreateSecret",
        ]
    );
}

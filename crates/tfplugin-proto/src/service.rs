//! The gRPC services a go-plugin server registers, on top of the generated tonic code:
//! `tfplugin6.Provider` (forwarding to a [`ProviderServer`]), `plugin.GRPCController`, `plugin.GRPCStdio`,
//! `plugin.GRPCBroker` and `grpc.health.v1.Health`.
//!
//! Logging here never includes message contents, which carry configuration and state and so secrets: RPC
//! names and timings at debug, message sizes at trace.

use std::future::{Future, ready};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

use futures_util::{Stream, StreamExt, stream};
use prost::Message;
use tonic::{Code, Request, Response, Status, Streaming};

use crate::generated::health::health_check_response::ServingStatus;
use crate::generated::health::health_server::{Health, HealthServer};
use crate::generated::health::{HealthCheckRequest, HealthCheckResponse};
use crate::generated::plugin::grpc_broker_server::{GrpcBroker, GrpcBrokerServer};
use crate::generated::plugin::grpc_controller_server::{GrpcController, GrpcControllerServer};
use crate::generated::plugin::grpc_stdio_server::{GrpcStdio, GrpcStdioServer};
use crate::generated::plugin::{ConnInfo, Empty, StdioData};
use crate::generated::tfplugin6::provider_server::{
    Provider, ProviderServer as ProviderGrpcServer,
};
use crate::provider::{ProviderServer, RpcCode, RpcError, RpcResult, RpcStream};
use crate::shutdown::ShutdownSignal;
use crate::wire::{
    apply_resource_change, call_function, close_ephemeral_resource, configure_provider,
    configure_state_store, delete_state, generate_resource_config, get_functions, get_metadata,
    get_provider_schema, get_resource_identity_schemas, get_states, import_resource_state,
    invoke_action, list_resource, lock_state, move_resource_state, open_ephemeral_resource,
    plan_action, plan_resource_change, read_data_source, read_resource, read_state_bytes,
    renew_ephemeral_resource, stop_provider, unlock_state, upgrade_resource_identity,
    upgrade_resource_state, validate_action_config, validate_data_resource_config,
    validate_ephemeral_resource_config, validate_list_resource_config, validate_provider_config,
    validate_resource_config, validate_state_store, write_state_bytes,
};

/// The name go-plugin registers with the health service.
const HEALTH_SERVICE_NAME: &str = "plugin";

type StatusStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

/// Every service, ready to add to a tonic router.
pub(crate) struct Services<P: ProviderServer> {
    pub(crate) provider: ProviderGrpcServer<ProviderService<P>>,
    pub(crate) controller: GrpcControllerServer<Controller>,
    pub(crate) stdio: GrpcStdioServer<Stdio>,
    pub(crate) broker: GrpcBrokerServer<Broker>,
    pub(crate) health: HealthServer<HealthService>,
}

/// What `GRPCController.Shutdown` does.
#[derive(Clone, Copy)]
pub(crate) enum OnShutdownRpc {
    /// Answer, then stop serving: Terraform is done with this process.
    Stop,
    /// Answer and keep serving: in debug mode the process outlives any one Terraform run.
    Ignore,
}

impl<P: ProviderServer> Services<P> {
    pub(crate) fn new(
        provider: P,
        shutdown: &ShutdownSignal,
        on_shutdown_rpc: OnShutdownRpc,
        max_message_size: usize,
    ) -> Services<P> {
        Services {
            provider: ProviderGrpcServer::new(ProviderService {
                provider: Arc::new(provider),
            })
            .max_decoding_message_size(max_message_size)
            .max_encoding_message_size(max_message_size),
            controller: GrpcControllerServer::new(Controller {
                shutdown: shutdown.clone(),
                on_shutdown_rpc,
            }),
            stdio: GrpcStdioServer::new(Stdio {
                shutdown: shutdown.clone(),
            }),
            broker: GrpcBrokerServer::new(Broker {
                shutdown: shutdown.clone(),
            }),
            health: HealthServer::new(HealthService {
                shutdown: shutdown.clone(),
            }),
        }
    }
}

fn to_status(err: RpcError) -> Status {
    let code = match err.code() {
        RpcCode::Unimplemented => Code::Unimplemented,
        RpcCode::InvalidArgument => Code::InvalidArgument,
        RpcCode::Cancelled => Code::Cancelled,
        RpcCode::Internal => Code::Internal,
    };
    Status::new(code, err.message())
}

fn from_status(status: Status) -> RpcError {
    let code = match status.code() {
        Code::Unimplemented => RpcCode::Unimplemented,
        Code::InvalidArgument => RpcCode::InvalidArgument,
        Code::Cancelled => RpcCode::Cancelled,
        _ => RpcCode::Internal,
    };
    RpcError::new(code, status.message())
}

fn to_status_stream<T: Send + 'static>(stream: RpcStream<T>) -> StatusStream<T> {
    Box::pin(stream.map(|item| item.map_err(to_status)))
}

/// A stream that sends nothing and ends when `until` completes: for go-plugin streams that must stay open.
fn silent_until<T: Send + 'static>(
    until: impl Future<Output = ()> + Send + 'static,
) -> impl Stream<Item = T> + Send + 'static {
    stream::once(until).filter_map(|()| ready(None))
}

/// Whole microseconds: precise enough for fast RPCs, and an integer in the log.
fn micros(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX)
}

fn log_request(rpc: &'static str, request: &impl Message) {
    tracing::trace!(
        tf_rpc = rpc,
        request_bytes = request.encoded_len(),
        "received request"
    );
}

fn finish<T: Message>(
    rpc: &'static str,
    started: Instant,
    result: RpcResult<T>,
) -> Result<Response<T>, Status> {
    let duration_us = micros(started);
    match result {
        Ok(response) => {
            tracing::trace!(
                tf_rpc = rpc,
                response_bytes = response.encoded_len(),
                "sending response"
            );
            tracing::debug!(tf_rpc = rpc, duration_us, "served request");
            Ok(Response::new(response))
        }
        Err(err) => {
            tracing::debug!(tf_rpc = rpc, duration_us, error = %err, "request failed");
            Err(to_status(err))
        }
    }
}

/// Adapts a [`ProviderServer`] to the generated tonic service.
pub(crate) struct ProviderService<P> {
    provider: Arc<P>,
}

/// Writes the adapter impl: the unary methods from the list, plus the streaming ones given verbatim. The
/// `async_trait` attribute has to sit on the generated impl, so the whole impl is generated.
macro_rules! provider_service {
    (unary { $( $method:ident($module:ident) = $rpc:literal; )* } streaming { $($streaming:tt)* }) => {
        #[tonic::async_trait]
        impl<P: ProviderServer> Provider for ProviderService<P> {
            $(
                async fn $method(
                    &self,
                    request: Request<$module::Request>,
                ) -> Result<Response<$module::Response>, Status> {
                    let request = request.into_inner();
                    log_request($rpc, &request);
                    let started = Instant::now();
                    let result = self.provider.$method(request).await;
                    finish($rpc, started, result)
                }
            )*
            $($streaming)*
        }
    };
}

provider_service! {
    unary {
        get_metadata(get_metadata) = "GetMetadata";
        get_provider_schema(get_provider_schema) = "GetProviderSchema";
        validate_provider_config(validate_provider_config) = "ValidateProviderConfig";
        validate_resource_config(validate_resource_config) = "ValidateResourceConfig";
        validate_data_resource_config(validate_data_resource_config) = "ValidateDataResourceConfig";
        upgrade_resource_state(upgrade_resource_state) = "UpgradeResourceState";
        get_resource_identity_schemas(get_resource_identity_schemas) = "GetResourceIdentitySchemas";
        upgrade_resource_identity(upgrade_resource_identity) = "UpgradeResourceIdentity";
        configure_provider(configure_provider) = "ConfigureProvider";
        read_resource(read_resource) = "ReadResource";
        plan_resource_change(plan_resource_change) = "PlanResourceChange";
        apply_resource_change(apply_resource_change) = "ApplyResourceChange";
        import_resource_state(import_resource_state) = "ImportResourceState";
        move_resource_state(move_resource_state) = "MoveResourceState";
        read_data_source(read_data_source) = "ReadDataSource";
        generate_resource_config(generate_resource_config) = "GenerateResourceConfig";
        validate_ephemeral_resource_config(validate_ephemeral_resource_config) = "ValidateEphemeralResourceConfig";
        open_ephemeral_resource(open_ephemeral_resource) = "OpenEphemeralResource";
        renew_ephemeral_resource(renew_ephemeral_resource) = "RenewEphemeralResource";
        close_ephemeral_resource(close_ephemeral_resource) = "CloseEphemeralResource";
        validate_list_resource_config(validate_list_resource_config) = "ValidateListResourceConfig";
        get_functions(get_functions) = "GetFunctions";
        call_function(call_function) = "CallFunction";
        validate_state_store_config(validate_state_store) = "ValidateStateStoreConfig";
        configure_state_store(configure_state_store) = "ConfigureStateStore";
        lock_state(lock_state) = "LockState";
        unlock_state(unlock_state) = "UnlockState";
        get_states(get_states) = "GetStates";
        delete_state(delete_state) = "DeleteState";
        plan_action(plan_action) = "PlanAction";
        validate_action_config(validate_action_config) = "ValidateActionConfig";
        stop_provider(stop_provider) = "StopProvider";
    }
    streaming {
        type ListResourceStream = StatusStream<list_resource::Event>;

        async fn list_resource(
            &self,
            request: Request<list_resource::Request>,
        ) -> Result<Response<Self::ListResourceStream>, Status> {
            let request = request.into_inner();
            log_request("ListResource", &request);
            let started = Instant::now();
            let result = self.provider.list_resource(request).await.map(to_status_stream);
            stream_response("ListResource", started, result)
        }

        type ReadStateBytesStream = StatusStream<read_state_bytes::Response>;

        async fn read_state_bytes(
            &self,
            request: Request<read_state_bytes::Request>,
        ) -> Result<Response<Self::ReadStateBytesStream>, Status> {
            let request = request.into_inner();
            log_request("ReadStateBytes", &request);
            let started = Instant::now();
            let result = self.provider.read_state_bytes(request).await.map(to_status_stream);
            stream_response("ReadStateBytes", started, result)
        }

        type InvokeActionStream = StatusStream<invoke_action::Event>;

        async fn invoke_action(
            &self,
            request: Request<invoke_action::Request>,
        ) -> Result<Response<Self::InvokeActionStream>, Status> {
            let request = request.into_inner();
            log_request("InvokeAction", &request);
            let started = Instant::now();
            let result = self.provider.invoke_action(request).await.map(to_status_stream);
            stream_response("InvokeAction", started, result)
        }

        async fn write_state_bytes(
            &self,
            request: Request<Streaming<write_state_bytes::RequestChunk>>,
        ) -> Result<Response<write_state_bytes::Response>, Status> {
            tracing::trace!(tf_rpc = "WriteStateBytes", "received streaming request");
            let chunks: RpcStream<write_state_bytes::RequestChunk> =
                Box::pin(request.into_inner().map(|chunk| chunk.map_err(from_status)));
            let started = Instant::now();
            let result = self.provider.write_state_bytes(chunks).await;
            finish("WriteStateBytes", started, result)
        }
    }
}

/// Like [`finish`] for RPCs whose response is a stream; the time is until the stream starts.
fn stream_response<S>(
    rpc: &'static str,
    started: Instant,
    result: RpcResult<S>,
) -> Result<Response<S>, Status> {
    let duration_us = micros(started);
    match result {
        Ok(stream) => {
            tracing::debug!(tf_rpc = rpc, duration_us, "streaming response");
            Ok(Response::new(stream))
        }
        Err(err) => {
            tracing::debug!(tf_rpc = rpc, duration_us, error = %err, "request failed");
            Err(to_status(err))
        }
    }
}

pub(crate) struct Controller {
    shutdown: ShutdownSignal,
    on_shutdown_rpc: OnShutdownRpc,
}

#[tonic::async_trait]
impl GrpcController for Controller {
    async fn shutdown(&self, _request: Request<Empty>) -> Result<Response<Empty>, Status> {
        match self.on_shutdown_rpc {
            OnShutdownRpc::Stop => {
                tracing::debug!("Terraform is done with this provider process; shutting down");
                // Serving stops gracefully, so this response still goes out before the connection closes.
                self.shutdown.trigger();
            }
            OnShutdownRpc::Ignore => {
                tracing::debug!("ignoring a Shutdown request: debug mode serves until stopped")
            }
        }
        Ok(Response::new(Empty {}))
    }
}

/// Terraform opens the stdio stream after connecting; providers write their logs to stderr, which Terraform
/// reads directly, so nothing is ever sent here.
pub(crate) struct Stdio {
    shutdown: ShutdownSignal,
}

#[tonic::async_trait]
impl GrpcStdio for Stdio {
    type StreamStdioStream = StatusStream<StdioData>;

    async fn stream_stdio(
        &self,
        _request: Request<()>,
    ) -> Result<Response<Self::StreamStdioStream>, Status> {
        let shutdown = self.shutdown.clone();
        Ok(Response::new(Box::pin(silent_until(async move {
            shutdown.wait().await
        }))))
    }
}

/// Terraform starts the broker stream and ignores it; providers never open extra connections. The stream is
/// kept open, and what the client sends is drained, until either side is done.
pub(crate) struct Broker {
    shutdown: ShutdownSignal,
}

#[tonic::async_trait]
impl GrpcBroker for Broker {
    type StartStreamStream = StatusStream<ConnInfo>;

    async fn start_stream(
        &self,
        request: Request<Streaming<ConnInfo>>,
    ) -> Result<Response<Self::StartStreamStream>, Status> {
        let mut inbound = request.into_inner();
        let shutdown = self.shutdown.clone();
        let drained = async move {
            let drain = async {
                while let Some(Ok(info)) = inbound.next().await {
                    tracing::debug!(
                        service_id = info.service_id,
                        "ignoring a broker connection offer"
                    );
                }
            };
            tokio::select! {
                () = drain => {}
                () = shutdown.wait() => {}
            }
        };
        Ok(Response::new(Box::pin(silent_until(drained))))
    }
}

pub(crate) struct HealthService {
    shutdown: ShutdownSignal,
}

impl HealthService {
    fn status_of(service: &str) -> Option<ServingStatus> {
        (service.is_empty() || service == HEALTH_SERVICE_NAME).then_some(ServingStatus::Serving)
    }
}

#[tonic::async_trait]
impl Health for HealthService {
    async fn check(
        &self,
        request: Request<HealthCheckRequest>,
    ) -> Result<Response<HealthCheckResponse>, Status> {
        let service = request.into_inner().service;
        match HealthService::status_of(&service) {
            Some(status) => Ok(Response::new(HealthCheckResponse {
                status: status as i32,
            })),
            None => Err(Status::not_found(format!("unknown service {service:?}"))),
        }
    }

    type WatchStream = StatusStream<HealthCheckResponse>;

    async fn watch(
        &self,
        request: Request<HealthCheckRequest>,
    ) -> Result<Response<Self::WatchStream>, Status> {
        let status = HealthService::status_of(&request.into_inner().service)
            .unwrap_or(ServingStatus::ServiceUnknown);
        let shutdown = self.shutdown.clone();
        let first = stream::once(ready(Ok(HealthCheckResponse {
            status: status as i32,
        })));
        Ok(Response::new(Box::pin(first.chain(silent_until(
            async move { shutdown.wait().await },
        )))))
    }
}

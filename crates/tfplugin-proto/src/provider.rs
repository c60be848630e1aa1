//! The trait a provider implements to be served: one method per `tfplugin6.Provider` RPC, taking and returning
//! the [`wire`](crate::wire) messages, with no gRPC types in sight.
//!
//! The twelve RPCs of protocol 6.0 are required because every Terraform version calls them. The rest default
//! to "unimplemented", which is how gRPC says "not supported": Terraform tolerates that for the RPCs it probes
//! (GetResourceIdentitySchemas, GetMetadata), and only calls the others for features the provider advertises
//! in its schema.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use futures_util::Stream;

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

/// The outcome of an RPC. Problems the user should see belong in the response's diagnostics; an `Err` becomes
/// a gRPC error status, which Terraform reports as a generic failure of the plugin call.
pub type RpcResult<T> = Result<T, RpcError>;

/// A stream of messages for the streaming RPCs, in either direction.
pub type RpcStream<T> = Pin<Box<dyn Stream<Item = RpcResult<T>> + Send + 'static>>;

/// An RPC failed as a whole rather than with diagnostics.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct RpcError {
    code: RpcCode,
    message: String,
}

/// The gRPC status codes a provider has reason to return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RpcCode {
    /// The provider does not support this RPC.
    Unimplemented,
    /// The request could not be understood (e.g. a value that does not match the schema).
    InvalidArgument,
    /// The call was cancelled, typically by the client going away.
    Cancelled,
    /// Anything else went wrong.
    Internal,
}

impl fmt::Display for RpcCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RpcCode::Unimplemented => "unimplemented",
            RpcCode::InvalidArgument => "invalid argument",
            RpcCode::Cancelled => "cancelled",
            RpcCode::Internal => "internal error",
        })
    }
}

impl RpcError {
    pub fn new(code: RpcCode, message: impl Into<String>) -> RpcError {
        RpcError {
            code,
            message: message.into(),
        }
    }

    /// The provider does not implement `rpc` (the RPC's protocol name, e.g. `"GetFunctions"`).
    pub fn unimplemented(rpc: &str) -> RpcError {
        RpcError::new(
            RpcCode::Unimplemented,
            format!("{rpc} is not implemented by this provider"),
        )
    }

    pub fn invalid_argument(message: impl Into<String>) -> RpcError {
        RpcError::new(RpcCode::InvalidArgument, message)
    }

    pub fn internal(message: impl Into<String>) -> RpcError {
        RpcError::new(RpcCode::Internal, message)
    }

    pub fn code(&self) -> RpcCode {
        self.code
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

/// Declares the trait's methods: `required` ones have no body, `optional` ones answer "unimplemented".
/// Written as a macro because the 36 signatures differ only in names.
macro_rules! provider_server_trait {
    (
        required { $( $(#[$rdoc:meta])* fn $rname:ident($rmod:ident); )* }
        optional { $( $(#[$odoc:meta])* fn $oname:ident($omod:ident) = $orpc:literal; )* }
    ) => {
        /// A Terraform provider as the protocol sees it. Implement it with `async fn`s; the futures must be
        /// `Send` because RPCs are served on a multi-threaded runtime and may run concurrently.
        ///
        /// Streaming RPCs ([`list_resource`](Self::list_resource), [`read_state_bytes`](Self::read_state_bytes),
        /// [`invoke_action`](Self::invoke_action), [`write_state_bytes`](Self::write_state_bytes)) are declared
        /// separately because their shapes differ.
        pub trait ProviderServer: Send + Sync + 'static {
            $(
                $(#[$rdoc])*
                fn $rname(&self, request: $rmod::Request)
                    -> impl Future<Output = RpcResult<$rmod::Response>> + Send;
            )*
            $(
                $(#[$odoc])*
                fn $oname(&self, request: $omod::Request)
                    -> impl Future<Output = RpcResult<$omod::Response>> + Send {
                    let _ = request;
                    std::future::ready(Err(RpcError::unimplemented($orpc)))
                }
            )*

            /// Server-streaming: list instances of a list resource (Terraform 1.13+ `terraform query`).
            fn list_resource(&self, request: list_resource::Request)
                -> impl Future<Output = RpcResult<RpcStream<list_resource::Event>>> + Send {
                let _ = request;
                std::future::ready(Err(RpcError::unimplemented("ListResource")))
            }

            /// Server-streaming: read a state from a provider-implemented state store (Terraform 1.15+).
            fn read_state_bytes(&self, request: read_state_bytes::Request)
                -> impl Future<Output = RpcResult<RpcStream<read_state_bytes::Response>>> + Send {
                let _ = request;
                std::future::ready(Err(RpcError::unimplemented("ReadStateBytes")))
            }

            /// Client-streaming: write a state to a provider-implemented state store in chunks (Terraform 1.15+).
            fn write_state_bytes(&self, chunks: RpcStream<write_state_bytes::RequestChunk>)
                -> impl Future<Output = RpcResult<write_state_bytes::Response>> + Send {
                let _ = chunks;
                std::future::ready(Err(RpcError::unimplemented("WriteStateBytes")))
            }

            /// Server-streaming: run an action and report progress (Terraform 1.14+).
            fn invoke_action(&self, request: invoke_action::Request)
                -> impl Future<Output = RpcResult<RpcStream<invoke_action::Event>>> + Send {
                let _ = request;
                std::future::ready(Err(RpcError::unimplemented("InvokeAction")))
            }
        }
    };
}

provider_server_trait! {
    required {
        /// Every schema the provider has. Called at the start of every provider process unless an earlier
        /// response set `server_capabilities.get_provider_schema_optional`. The response must include
        /// `provider` (an empty block is fine).
        fn get_provider_schema(get_provider_schema);
        fn validate_provider_config(validate_provider_config);
        fn validate_resource_config(validate_resource_config);
        fn validate_data_resource_config(validate_data_resource_config);
        /// Convert stored state (JSON, written with `request.version` of the schema) to the current schema.
        /// Called for every instance before refresh, even when the version has not changed.
        fn upgrade_resource_state(upgrade_resource_state);
        /// May be called more than once per process (debug mode serves many Terraform runs).
        fn configure_provider(configure_provider);
        /// Refresh; a null `new_state` means the remote object is gone.
        fn read_resource(read_resource);
        fn plan_resource_change(plan_resource_change);
        fn apply_resource_change(apply_resource_change);
        fn import_resource_state(import_resource_state);
        fn read_data_source(read_data_source);
        /// The user interrupted Terraform: cancel what is in flight. Not the end of the process.
        fn stop_provider(stop_provider);
    }
    optional {
        /// Only used by provider multiplexers, not by Terraform itself.
        fn get_metadata(get_metadata) = "GetMetadata";
        /// Terraform 1.12+ calls this after GetProviderSchema and tolerates "unimplemented".
        fn get_resource_identity_schemas(get_resource_identity_schemas) = "GetResourceIdentitySchemas";
        fn upgrade_resource_identity(upgrade_resource_identity) = "UpgradeResourceIdentity";
        /// Only called when the provider sets `server_capabilities.move_resource_state`.
        fn move_resource_state(move_resource_state) = "MoveResourceState";
        fn generate_resource_config(generate_resource_config) = "GenerateResourceConfig";
        fn validate_ephemeral_resource_config(validate_ephemeral_resource_config) = "ValidateEphemeralResourceConfig";
        fn open_ephemeral_resource(open_ephemeral_resource) = "OpenEphemeralResource";
        fn renew_ephemeral_resource(renew_ephemeral_resource) = "RenewEphemeralResource";
        fn close_ephemeral_resource(close_ephemeral_resource) = "CloseEphemeralResource";
        fn validate_list_resource_config(validate_list_resource_config) = "ValidateListResourceConfig";
        fn get_functions(get_functions) = "GetFunctions";
        fn call_function(call_function) = "CallFunction";
        fn validate_state_store_config(validate_state_store) = "ValidateStateStoreConfig";
        fn configure_state_store(configure_state_store) = "ConfigureStateStore";
        fn lock_state(lock_state) = "LockState";
        fn unlock_state(unlock_state) = "UnlockState";
        fn get_states(get_states) = "GetStates";
        fn delete_state(delete_state) = "DeleteState";
        fn plan_action(plan_action) = "PlanAction";
        fn validate_action_config(validate_action_config) = "ValidateActionConfig";
    }
}

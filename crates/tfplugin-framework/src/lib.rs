//! A framework for Terraform providers on plugin protocol 6, in the spirit of HashiCorp's
//! terraform-plugin-framework: a provider is a [`Provider`] with [`Resource`]s and [`DataSource`]s, each with
//! a [`Schema`]; handlers read and write plain serde models; [`FrameworkServer`] turns all of it into the
//! protocol and enforces what Terraform core checks, so that a resource cannot produce an invalid plan or an
//! inconsistent result by accident.
//!
//! | module | what |
//! |---|---|
//! | [`provider`] | [`Provider`], [`ProviderData`] handed to resources, the [`Configure`] capability |
//! | [`resource`] | [`Resource`] (schema, create, read, update, delete), opt-in capabilities ([`ImportState`](resource::ImportState), [`UpgradeState`](resource::UpgradeState), [`ModifyPlan`](resource::ModifyPlan), [`ValidateConfig`](resource::ValidateConfig)), one request/response pair per operation |
//! | [`datasource`] | [`DataSource`] and its read |
//! | [`schema`] | the schema builder: [`Attribute`], [`Block`], [`NestedBlock`] |
//! | [`validator`] | attribute validators: string length, one of, regex, int range, each element one of |
//! | [`plan_modifier`] | use state for unknown, requires replace, requires replace if |
//! | [`value`] | [`SchemaValue`] (config, plan or state with typed get/set), [`Known`] for values unknown in a plan, the cty value types |
//! | [`diag`] | [`Diagnostics`]: errors and warnings with optional attribute paths |
//! | [`path`] | [`AttrPath`]: `name`, `tags["env"]`, `rule[0].port` |
//! | `private` | [`Private`]: per-key JSON data kept with a resource's state |
//! | `server` | [`FrameworkServer`]: the protocol's `ProviderServer`, one file per RPC, plus the edge conversions |
//! | `serve` | [`serve`](serve()) for a provider's `main`, [`serve_in_process`] for tests that run Terraform |
//! | `stop` | [`StopSignal`]: StopProvider (Ctrl-C) for the provider's long waits, handed over at configure |
//!
//! **Architecture invariant:** the framework knows nothing of any particular API, and resources written on it
//! never see msgpack, prost or gRPC: only `server` converts between framework types and the wire
//! (`server/convert.rs`).
//!
//! What the server does for every resource, whatever its handlers do:
//!
//! * **Plan** (PlanResourceChange): defaults where the configuration leaves an attribute out; write-only
//!   attributes planned null; when the plan changes anything, computed attributes the configuration leaves
//!   out become unknown; attribute plan modifiers; the resource's ModifyPlan; a check that configured values
//!   are planned as configured (an error naming the attribute otherwise); replacement requested only for
//!   attributes whose value really changes. Destroys plan null.
//! * **Apply** (ApplyResourceChange): dispatches to create, update or delete; drops write-only values; reports
//!   every value left unknown and every value known in the plan that came back different, naming the attribute.
//! * **Refresh** (ReadResource): a removed state tells Terraform the object is gone; errors never do.
//! * **Upgrade** (UpgradeResourceState): always returns the state, drops attributes no longer in the schema,
//!   runs the upgrader for the stored version.
//! * **Validate** (resources and data sources alike): an error on every read-only (computed-only) attribute the
//!   configuration sets, at any depth; attribute validators on known values, int64 ranges, deprecation
//!   warnings, and a clear error when a write-only attribute is set on a Terraform older than 1.11.
//!
//! A resource, in short (see `examples/testprovider/thing.rs` for a complete one):
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use tfplugin_framework::resource::*;
//! use tfplugin_framework::schema::{Attribute, Schema};
//! use tfplugin_framework::{Known, Resource, plan_modifier};
//!
//! #[derive(Default)]
//! struct Widget;
//!
//! #[derive(Serialize, Deserialize)]
//! struct WidgetModel {
//!     id: Known<String>,
//!     name: String,
//! }
//!
//! impl Resource for Widget {
//!     fn type_name(&self, provider: &str) -> String {
//!         format!("{provider}_widget")
//!     }
//!
//!     fn schema(&self) -> Schema {
//!         Schema::new()
//!             .attribute("id", Attribute::string().computed().plan_modifier(plan_modifier::use_state_for_unknown()))
//!             .attribute("name", Attribute::string().required().plan_modifier(plan_modifier::requires_replace()))
//!     }
//!
//!     async fn create(&self, request: CreateRequest, response: &mut CreateResponse) {
//!         let Some(plan) = request.plan.get::<WidgetModel>(&mut response.diagnostics) else { return };
//!         let state = WidgetModel { id: Known::Value(format!("w-{}", plan.name)), ..plan };
//!         response.state.set(&state, &mut response.diagnostics);
//!     }
//!
//!     async fn read(&self, _: ReadRequest, _: &mut ReadResponse) {}
//!     async fn update(&self, _: UpdateRequest, _: &mut UpdateResponse) {}
//!     async fn delete(&self, _: DeleteRequest, _: &mut DeleteResponse) {}
//! }
//! ```

pub mod datasource;
pub mod diag;
pub mod path;
pub mod plan_modifier;
mod private;
pub mod provider;
pub mod resource;
pub mod schema;
mod serve;
mod server;
mod stop;
pub mod validator;
pub mod value;

pub use datasource::{DataSource, DataSourceType};
pub use diag::{Diagnostic, Diagnostics, Severity};
pub use path::{AttrPath, PathStep};
pub use private::Private;
pub use provider::{Configure, ConfigureRequest, ConfigureResponse, Provider, ProviderData};
pub use resource::{Resource, ResourceType};
pub use schema::{Attribute, Block, NestedBlock, Schema};
pub use serve::{InProcessProvider, serve, serve_in_process};
pub use server::FrameworkServer;
pub use stop::{StopHandle, StopSignal};
pub use tfplugin_proto::ServeError;
pub use value::{Known, SchemaValue, Sensitive};

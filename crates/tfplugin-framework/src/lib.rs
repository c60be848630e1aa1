//! A framework for Terraform providers on plugin protocol 6, in the spirit of HashiCorp's
//! terraform-plugin-framework.
//!
//! placeholder: module map follows once the server is in.

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
pub use tfplugin_proto::ServeError;
pub use value::{Known, SchemaValue};

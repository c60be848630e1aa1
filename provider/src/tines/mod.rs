//! What the provider knows about Tines beyond the client (`tines-client` speaks HTTP; this does
//! not): the tenant permissions Tines publishes, and its errors worded as what a user should do.

pub mod errors;
pub mod permissions;

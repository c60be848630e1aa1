//! One module per API area, each adding its calls to [`Client`](crate::Client).

pub(crate) mod audit_logs;
pub(crate) mod info;
pub(crate) mod users;

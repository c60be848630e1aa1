//! `GET /api/v1/info`: the cheapest call that proves a key works.

use reqwest::Method;
use serde::Deserialize;

use crate::client::Client;
use crate::error::Error;

/// What `GET /api/v1/info` says about the tenant's stack.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Info {
    pub stack: Stack,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Stack {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    /// The addresses the tenant's outbound requests come from.
    #[serde(default)]
    pub egress_ips: Vec<String>,
}

impl Client {
    /// Reads the tenant's stack information; any valid key may.
    pub async fn info(&self) -> Result<Info, Error> {
        let url = self.url("api/v1/info")?;
        self.execute(Method::GET, url, None, |body| {
            serde_json::from_slice(body)
                .map_err(|e| format!("the info object is not as documented: {e}"))
        })
        .await
    }
}

//! Data source `tinesaudit_audit_logs`: the most recent audit-log records, with the API's filters; e.g. to
//! check that a grant took effect, or that the pipeline's key can read them at all.
//!
//! ```hcl
//! data "tinesaudit_audit_logs" "recent_edits" {
//!   operation_names = ["UserEdit"]
//!   after           = "2025-01-01T00:00:00Z"
//!   limit           = 20
//! }
//! ```
//!
//! Records come newest first whatever order Tines sends pages in. Needs a tenant-owner key or one whose
//! user holds AUDIT_LOG_READ.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use tfplugin_framework::datasource::{
    Capabilities, DataSource, ReadDataSourceRequest, ReadDataSourceResponse,
};
use tfplugin_framework::diag::Diagnostics;
use tfplugin_framework::schema::{Attribute, Schema};
use tfplugin_framework::value::Type;
use tfplugin_framework::{AttrPath, Configure, ProviderData, validator};
use tines_client::{
    AuditLogPage, AuditLogQuery, AuditLogRecord, Client, MAX_PER_PAGE, PageOrder, SortOrder,
    Timestamp,
};

use crate::clients::{ProviderClients, configured};
use crate::tines::errors::provider_key_error;
use crate::validators::Rfc3339;

const DEFAULT_LIMIT: i64 = 100;
const MAX_LIMIT: i64 = 1000;

#[derive(Default)]
pub struct AuditLogsDataSource {
    clients: Option<Arc<ProviderClients>>,
}

#[derive(Serialize, Deserialize)]
struct AuditLogsModel {
    after: Option<String>,
    before: Option<String>,
    user_ids: Option<Vec<i64>>,
    operation_names: Option<Vec<String>>,
    limit: Option<i64>,
    records: Option<Vec<RecordEntry>>,
}

#[derive(Serialize, Deserialize)]
struct RecordEntry {
    id: i64,
    created_at: String,
    operation_name: Option<String>,
    user_id: Option<i64>,
    user_email: Option<String>,
    user_name: Option<String>,
    request_ip: Option<String>,
    request_user_agent: Option<String>,
    tenant_id: Option<i64>,
    inputs_json: Option<String>,
    json: String,
}

impl RecordEntry {
    fn from_record(record: &AuditLogRecord) -> Self {
        let fields: Json = serde_json::from_str(record.json()).unwrap_or(Json::Null);
        let text = |name: &str| fields.get(name).and_then(Json::as_str).map(str::to_owned);
        let number = |name: &str| fields.get(name).and_then(Json::as_i64);
        Self {
            id: record.id() as i64,
            created_at: record.created_at().to_string(),
            operation_name: text("operation_name"),
            user_id: number("user_id"),
            user_email: text("user_email"),
            user_name: text("user_name"),
            request_ip: text("request_ip"),
            request_user_agent: text("request_user_agent"),
            tenant_id: number("tenant_id"),
            inputs_json: fields
                .get("inputs")
                .filter(|v| !v.is_null())
                .map(Json::to_string),
            json: record.json().to_owned(),
        }
    }
}

impl DataSource for AuditLogsDataSource {
    fn type_name(&self, provider_type_name: &str) -> String {
        format!("{provider_type_name}_audit_logs")
    }

    fn schema(&self) -> Schema {
        let text = |t: &str| Attribute::string().computed().description(t);
        let number = |t: &str| Attribute::int64().computed().description(t);
        Schema::new()
            .description(
                "The most recent Tines audit-log records, newest first, filtered as the audit-log API allows. \
                 Needs a tenant-owner key or one holding AUDIT_LOG_READ.",
            )
            .attribute(
                "after",
                Attribute::string()
                    .optional()
                    .description("Only records created after this time (RFC 3339, e.g. 2025-01-01T00:00:00Z).")
                    .validator(Rfc3339),
            )
            .attribute(
                "before",
                Attribute::string()
                    .optional()
                    .description("Only records created before this time (RFC 3339).")
                    .validator(Rfc3339),
            )
            .attribute(
                "user_ids",
                Attribute::list(Type::Number)
                    .optional()
                    .description("Only records of these users."),
            )
            .attribute(
                "operation_names",
                Attribute::list(Type::String)
                    .optional()
                    .description("Only these operations, e.g. UserEdit, Login (case-sensitive)."),
            )
            .attribute(
                "limit",
                Attribute::int64()
                    .optional()
                    .description(format!(
                        "How many records at most, 1 to {MAX_LIMIT}. Default {DEFAULT_LIMIT}."
                    ))
                    .validator(validator::int_between(1, MAX_LIMIT)),
            )
            .attribute(
                "records",
                Attribute::list_nested([
                    ("id", number("The record's id.")),
                    ("created_at", text("When it happened (RFC 3339).")),
                    ("operation_name", text("The operation, e.g. UserEdit.")),
                    ("user_id", number("Who did it.")),
                    ("user_email", text("Their email.")),
                    ("user_name", text("Their name.")),
                    ("request_ip", text("The address the request came from.")),
                    ("request_user_agent", text("The client's user agent.")),
                    ("tenant_id", number("The tenant's numeric id.")),
                    ("inputs_json", text("The operation's inputs as JSON; null when there are none.")),
                    ("json", text("The whole record as Tines sent it.")),
                ])
                .computed()
                .description("The records, newest first."),
            )
    }

    async fn read(&self, request: ReadDataSourceRequest, response: &mut ReadDataSourceResponse) {
        let diags = &mut response.diagnostics;
        let Some(clients) = configured(&self.clients, diags) else {
            return;
        };
        let Some(config) = request.config.get::<AuditLogsModel>(diags) else {
            return;
        };
        let Some(tines) = clients.tines(diags) else {
            return;
        };
        let timestamp =
            |raw: &Option<String>| raw.as_deref().and_then(|t| t.parse::<Timestamp>().ok());
        if let (Some(after), Some(before)) = (timestamp(&config.after), timestamp(&config.before))
            && after >= before
        {
            // Tines would answer an empty list, which reads as "nothing happened".
            return diags.attribute_error(
                AttrPath::attr("before"),
                "Empty time window",
                format!(
                    "before ({before}) must be later than after ({after}): no record can lie between them. \
                     Swap them if they were given the wrong way round."
                ),
            );
        }
        let limit = config.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT) as usize;
        let query = AuditLogQuery {
            after: timestamp(&config.after),
            before: timestamp(&config.before),
            per_page: Some((limit as u32).min(MAX_PER_PAGE)),
            user_ids: config
                .user_ids
                .iter()
                .flatten()
                .map(|id| (*id).max(0) as u64)
                .collect(),
            operation_names: config.operation_names.clone().unwrap_or_default(),
            ..AuditLogQuery::default()
        };
        let records = match most_recent(tines.admin(), &query, limit).await {
            Ok(records) => records,
            Err(e) if e.is_forbidden() => {
                return diags.error(
                    "Cannot read audit logs",
                    format!(
                        "Tines refused: reading audit logs needs a tenant-owner key or one whose user holds \
                         AUDIT_LOG_READ. Tines said: {}",
                        e.message()
                    ),
                );
            }
            Err(e) => return diags.push(provider_key_error("read audit logs", &e)),
        };
        let state = AuditLogsModel {
            records: Some(records.iter().map(RecordEntry::from_record).collect()),
            ..config
        };
        response.state.set(&state, &mut response.diagnostics);
    }

    fn capabilities(capabilities: Capabilities<Self>) -> Capabilities<Self> {
        capabilities.configure()
    }
}

impl Configure for AuditLogsDataSource {
    fn configure(&mut self, data: &ProviderData, diags: &mut Diagnostics) {
        self.clients = ProviderClients::from_data(data, diags);
    }
}

/// Up to `limit` of the newest records matching `query`, newest first. Tines does not document its order, so
/// the first page tells: newest first, read forwards; oldest first, read from the last page backwards.
async fn most_recent(
    client: &Client,
    query: &AuditLogQuery,
    limit: usize,
) -> Result<Vec<AuditLogRecord>, tines_client::Error> {
    let per_page = query.per_page.unwrap_or(MAX_PER_PAGE).max(1) as usize;
    // Enough pages for `limit` records plus one that overlaps; a confused server cannot keep us going.
    let max_pages = limit.div_ceil(per_page) + 1;
    let first = client.audit_logs_page(&query.at_page(1)).await?;
    let last_page = first.meta().last_page().unwrap_or(1);
    let mut records = Vec::new();
    if first.order() == PageOrder::Sorted(SortOrder::OldestFirst) && last_page > 1 {
        let pages = (1..=last_page).rev().take(max_pages);
        for number in pages {
            let page = client.audit_logs_page(&query.at_page(number)).await?;
            records.extend(page.into_records());
            if records.len() >= limit {
                break;
            }
        }
    } else {
        let mut next = first.meta().next_page();
        records.extend(first.into_records());
        let mut read = 1;
        while let Some(number) = next.filter(|_| records.len() < limit && read < max_pages) {
            let page: AuditLogPage = client.audit_logs_page(&query.at_page(number)).await?;
            next = page.meta().next_page().filter(|n| *n > number);
            records.extend(page.into_records());
            read += 1;
        }
    }
    Ok(newest_first(records, limit))
}

/// Sorted newest first by time then id, without duplicates (pages can overlap while records arrive).
fn newest_first(mut records: Vec<AuditLogRecord>, limit: usize) -> Vec<AuditLogRecord> {
    records.sort_by_key(|r| std::cmp::Reverse((r.created_at(), r.id())));
    records.dedup_by_key(|r| r.id());
    records.truncate(limit);
    records
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(list: &[(u64, &str)]) -> Vec<AuditLogRecord> {
        let body: Vec<String> = list
            .iter()
            .map(|(id, at)| {
                format!(r#"{{"id":{id},"created_at":"{at}","operation_name":"Login"}}"#)
            })
            .collect();
        let page = format!(r#"{{"audit_logs":[{}]}}"#, body.join(","));
        AuditLogPage::parse(page.as_bytes()).unwrap().into_records()
    }

    #[test]
    fn newest_first_sorts_dedups_and_limits() {
        let out = newest_first(
            records(&[
                (1, "2025-01-01T00:00:01Z"),
                (3, "2025-01-01T00:00:02Z"),
                (2, "2025-01-01T00:00:02Z"),
                (3, "2025-01-01T00:00:02Z"),
            ]),
            2,
        );
        let ids: Vec<u64> = out.iter().map(AuditLogRecord::id).collect();
        assert_eq!(ids, [3, 2]);
    }

    #[test]
    fn entries_carry_the_fields_and_the_raw_record() {
        let record = &records(&[(7, "2025-01-01T00:00:01Z")])[0];
        let entry = RecordEntry::from_record(record);
        assert_eq!(entry.operation_name.as_deref(), Some("Login"));
        assert_eq!(entry.user_id, None);
        assert_eq!(entry.json, record.json());
    }
}

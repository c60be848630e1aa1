//! `GET /api/v1/audit_logs`: one page at a time, records kept as the bytes the server sent.

use std::cmp::Ordering;

use jiff::Timestamp;
use reqwest::{Method, Url};
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use crate::client::Client;
use crate::error::{Error, ErrorKind};
use crate::paginate::Meta;

/// The documented largest page; the server's behaviour above it is unknown, so the client
/// never asks for more.
pub const MAX_PER_PAGE: u32 = 500;

/// Tines' 403 says only "forbidden"; the one permission this endpoint needs, and the two ways to
/// grant it, are what the person reading the error has to find out next.
const NEEDS_AUDIT_LOG_READ: &str = "Tines refuses audit logs to an API key without the \
    AUDIT_LOG_READ tenant permission (tenant owners have it): grant it to the key's user with \
    the tinesaudit_tenant_permissions Terraform resource, or in Tines under Settings > Users > \
    (the key's user) > Tenant permissions";

/// Which audit logs to fetch, and which page of them.
///
/// `after` and `before` are sent as RFC 3339 exactly as given; the client filters nothing
/// itself. Whether Tines treats `after` as strict or inclusive is not documented, so a caller
/// that resumes from a watermark should query from slightly before it and drop the ids it
/// already has; both behaviours then give the same result.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditLogQuery {
    pub after: Option<Timestamp>,
    pub before: Option<Timestamp>,
    /// Page number, from 1 (the server's default is 1).
    pub page: Option<u64>,
    /// Records per page, clamped to 1..=[`MAX_PER_PAGE`] (the server's default is 20).
    pub per_page: Option<u32>,
    /// Sent as `user_id[]=`, one per id.
    pub user_ids: Vec<u64>,
    /// Sent as `operation_name[]=`, one per name; names are case-sensitive.
    pub operation_names: Vec<String>,
}

impl AuditLogQuery {
    /// The same query, for another page.
    pub fn at_page(&self, page: u64) -> Self {
        Self {
            page: Some(page),
            ..self.clone()
        }
    }

    fn apply_to(&self, url: &mut Url) {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if let Some(after) = self.after {
            pairs.push(("after", after.to_string()));
        }
        if let Some(before) = self.before {
            pairs.push(("before", before.to_string()));
        }
        pairs.extend(self.user_ids.iter().map(|id| ("user_id[]", id.to_string())));
        pairs.extend(
            self.operation_names
                .iter()
                .map(|name| ("operation_name[]", name.clone())),
        );
        if let Some(per_page) = self.per_page {
            pairs.push(("per_page", per_page.clamp(1, MAX_PER_PAGE).to_string()));
        }
        if let Some(page) = self.page {
            pairs.push(("page", page.max(1).to_string()));
        }
        // Touching the query at all would leave a bare `?` behind.
        if !pairs.is_empty() {
            url.query_pairs_mut().extend_pairs(pairs);
        }
    }
}

/// One audit-log record: its exact bytes, and the two fields a consumer orders and
/// deduplicates by.
#[derive(Debug, Clone)]
pub struct AuditLogRecord {
    id: u64,
    created_at: Timestamp,
    updated_after_creation: bool,
    raw: Box<RawValue>,
}

impl AuditLogRecord {
    pub fn id(&self) -> u64 {
        self.id
    }

    pub fn created_at(&self) -> Timestamp {
        self.created_at
    }

    /// Whether `updated_at` differs from `created_at`. Every record seen so far has the two
    /// equal; a consumer that pages by `created_at` would never see a later change, so it is
    /// worth counting when it happens.
    pub fn updated_after_creation(&self) -> bool {
        self.updated_after_creation
    }

    /// The record exactly as the server sent it: same bytes, same field order.
    pub fn json(&self) -> &str {
        self.raw.get()
    }

    pub fn into_raw(self) -> Box<RawValue> {
        self.raw
    }
}

/// Which way a page is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SortOrder {
    NewestFirst,
    OldestFirst,
}

/// What one page shows about the sort order, which Tines does not document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PageOrder {
    Sorted(SortOrder),
    /// Fewer than two records, or the first and last share `created_at` and `id`: no evidence.
    Undetermined,
    /// `created_at` goes both ways within the page: the caller should stop rather than guess.
    Unsorted,
}

/// One page of audit logs.
#[derive(Debug, Clone)]
pub struct AuditLogPage {
    records: Vec<AuditLogRecord>,
    meta: Meta,
}

#[derive(Deserialize)]
struct PageBody {
    audit_logs: Vec<Box<RawValue>>,
    meta: Option<Value>,
}

#[derive(Deserialize)]
struct RecordKeys<'a> {
    id: u64,
    #[serde(borrow)]
    created_at: std::borrow::Cow<'a, str>,
    #[serde(borrow, default)]
    updated_at: Option<std::borrow::Cow<'a, str>>,
}

impl AuditLogPage {
    /// Parses a response body of `GET /api/v1/audit_logs`. Also useful for fixtures.
    ///
    /// Fails, naming the problem, when the body is not JSON (a truncated body included), has no
    /// `audit_logs` array, or has a record without an integer `id` or an RFC 3339 `created_at`.
    /// Everything else in a record is left untouched and unread.
    pub fn parse(body: &[u8]) -> Result<Self, Error> {
        Self::parse_body(body).map_err(|what| Error::new(ErrorKind::InvalidResponse, what))
    }

    fn parse_body(body: &[u8]) -> Result<Self, String> {
        let page: PageBody = serde_json::from_slice(body)
            .map_err(|e| format!("the audit-log page is not the expected JSON: {e}"))?;
        let records = page
            .audit_logs
            .into_iter()
            .enumerate()
            .map(|(position, raw)| {
                let keys: RecordKeys<'_> = serde_json::from_str(raw.get()).map_err(|e| {
                    format!("audit-log record {position} of the page lacks a usable id or created_at: {e}")
                })?;
                let created_at = keys.created_at.parse::<Timestamp>().map_err(|_| {
                    format!(
                        "audit-log record {} has created_at {:?}, which is not an RFC 3339 timestamp",
                        keys.id, keys.created_at
                    )
                })?;
                Ok(AuditLogRecord {
                    id: keys.id,
                    created_at,
                    updated_after_creation: keys.updated_at.is_some_and(|u| u != keys.created_at),
                    raw,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(Self {
            records,
            meta: Meta::from_json(page.meta.as_ref()),
        })
    }

    /// The records in the order the server sent them.
    pub fn records(&self) -> &[AuditLogRecord] {
        &self.records
    }

    pub fn into_records(self) -> Vec<AuditLogRecord> {
        self.records
    }

    pub fn meta(&self) -> &Meta {
        &self.meta
    }

    /// The records oldest first, given the order the pages come in.
    pub fn into_oldest_first(self, order: SortOrder) -> Vec<AuditLogRecord> {
        let mut records = self.records;
        if order == SortOrder::NewestFirst {
            records.reverse();
        }
        records
    }

    /// Works out the sort order from this page: the direction from the first and last record
    /// by `created_at`, then by `id` when they share a second; then every neighbour must agree
    /// on `created_at`. Ids within one second are not checked, since nothing says how Tines
    /// orders them; a consumer deduplicating by id does not need to know.
    pub fn order(&self) -> PageOrder {
        let (Some(first), Some(last)) = (self.records.first(), self.records.last()) else {
            return PageOrder::Undetermined;
        };
        let direction = match (first.created_at, first.id).cmp(&(last.created_at, last.id)) {
            Ordering::Greater => SortOrder::NewestFirst,
            Ordering::Less => SortOrder::OldestFirst,
            Ordering::Equal => return PageOrder::Undetermined,
        };
        let consistent = self.records.windows(2).all(|pair| {
            let step = pair[0].created_at.cmp(&pair[1].created_at);
            match direction {
                SortOrder::NewestFirst => step != Ordering::Less,
                SortOrder::OldestFirst => step != Ordering::Greater,
            }
        });
        if consistent {
            PageOrder::Sorted(direction)
        } else {
            PageOrder::Unsorted
        }
    }
}

impl Client {
    /// Fetches one page of audit logs. Needs a tenant-owner key or one whose user holds
    /// `AUDIT_LOG_READ`; otherwise the error is [`ErrorKind::Forbidden`].
    pub async fn audit_logs_page(&self, query: &AuditLogQuery) -> Result<AuditLogPage, Error> {
        let mut url = self.url("api/v1/audit_logs")?;
        query.apply_to(&mut url);
        self.execute(Method::GET, url, None, AuditLogPage::parse_body)
            .await
            .map_err(|error| match error.kind() {
                ErrorKind::Forbidden => error.with_hint(NEEDS_AUDIT_LOG_READ),
                _ => error,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(records: &[(u64, &str)]) -> AuditLogPage {
        let records: Vec<String> = records
            .iter()
            .map(|(id, at)| format!(r#"{{"id":{id},"created_at":"{at}"}}"#))
            .collect();
        let body = format!(r#"{{"audit_logs":[{}],"meta":{{}}}}"#, records.join(","));
        AuditLogPage::parse(body.as_bytes()).unwrap()
    }

    const T1: &str = "2024-05-01T00:00:01Z";
    const T2: &str = "2024-05-01T00:00:02Z";
    const T3: &str = "2024-05-01T00:00:03Z";

    #[test]
    fn order_from_created_at_then_id() {
        let newest = page(&[(9, T3), (8, T2), (7, T2), (6, T1)]);
        assert_eq!(newest.order(), PageOrder::Sorted(SortOrder::NewestFirst));
        let oldest = page(&[(6, T1), (7, T2), (8, T2), (9, T3)]);
        assert_eq!(oldest.order(), PageOrder::Sorted(SortOrder::OldestFirst));
        let one_second_by_id = page(&[(3, T1), (2, T1), (1, T1)]);
        assert_eq!(
            one_second_by_id.order(),
            PageOrder::Sorted(SortOrder::NewestFirst)
        );
        let ids_unordered_within_a_second = page(&[(5, T3), (1, T2), (2, T2), (0, T1)]);
        assert_eq!(
            ids_unordered_within_a_second.order(),
            PageOrder::Sorted(SortOrder::NewestFirst)
        );
    }

    #[test]
    fn order_without_evidence_or_with_contradictions() {
        assert_eq!(page(&[]).order(), PageOrder::Undetermined);
        assert_eq!(page(&[(1, T1)]).order(), PageOrder::Undetermined);
        assert_eq!(page(&[(1, T1), (1, T1)]).order(), PageOrder::Undetermined);
        assert_eq!(
            page(&[(1, T3), (2, T1), (3, T2), (4, T1)]).order(),
            PageOrder::Unsorted
        );
    }

    #[test]
    fn oldest_first_reverses_only_newest_first_pages() {
        let ids = |records: Vec<AuditLogRecord>| records.iter().map(|r| r.id()).collect::<Vec<_>>();
        let newest = page(&[(3, T3), (2, T2), (1, T1)]);
        assert_eq!(
            ids(newest.clone().into_oldest_first(SortOrder::NewestFirst)),
            [1, 2, 3]
        );
        assert_eq!(
            ids(newest.into_oldest_first(SortOrder::OldestFirst)),
            [3, 2, 1]
        );
    }

    #[test]
    fn records_keep_their_bytes_and_the_rest_is_unread() {
        let body = br#"{"meta":{"count":1}, "audit_logs":[ {"zeta":1,"id":7,"inputs":null,"created_at":"2022-06-24T08:35:21Z","user_name":"Zo\u00eb \"Z\"","n":1.50} ]}"#;
        let page = AuditLogPage::parse(body).unwrap();
        let record = &page.records()[0];
        assert_eq!(
            record.json(),
            r#"{"zeta":1,"id":7,"inputs":null,"created_at":"2022-06-24T08:35:21Z","user_name":"Zo\u00eb \"Z\"","n":1.50}"#
        );
        assert_eq!(record.id(), 7);
        assert_eq!(record.created_at().to_string(), "2022-06-24T08:35:21Z");
        assert_eq!(page.meta().count, Some(1));
    }

    #[test]
    fn records_updated_after_creation_are_told_apart() {
        let body = br#"{"audit_logs":[
            {"id":1,"created_at":"2024-05-01T00:00:00Z","updated_at":"2024-05-01T00:00:00Z"},
            {"id":2,"created_at":"2024-05-01T00:00:00Z","updated_at":"2024-05-01T00:09:00Z"},
            {"id":3,"created_at":"2024-05-01T00:00:00Z"}
        ]}"#;
        let page = AuditLogPage::parse(body).unwrap();
        let updated: Vec<bool> = page
            .records()
            .iter()
            .map(AuditLogRecord::updated_after_creation)
            .collect();
        assert_eq!(updated, [false, true, false]);
    }

    #[test]
    fn malformed_pages_name_the_problem() {
        let cases: [(&[u8], &str); 5] = [
            (
                br#"{"audit_logs":[{"id":1,"created_at":"2024-05-01T00:0"#,
                "EOF",
            ),
            (br#"{"meta":{}}"#, "audit_logs"),
            (
                br#"{"audit_logs":[{"created_at":"2024-05-01T00:00:00Z"}]}"#,
                "record 0",
            ),
            (
                br#"{"audit_logs":[{"id":"7","created_at":"2024-05-01T00:00:00Z"}]}"#,
                "record 0",
            ),
            (
                br#"{"audit_logs":[{"id":7,"created_at":"yesterday"}]}"#,
                "\"yesterday\"",
            ),
        ];
        for (body, needle) in cases {
            let error = AuditLogPage::parse(body).unwrap_err();
            assert!(error.is_invalid_response());
            assert!(error.message().contains(needle), "{needle}: {error}");
        }
    }

    #[test]
    fn query_parameters_use_the_documented_names() {
        let mut url = Url::parse("https://t.tines.com/api/v1/audit_logs").unwrap();
        AuditLogQuery {
            after: Some("2024-05-01T00:00:00Z".parse().unwrap()),
            before: Some("2024-05-01T01:00:00.5Z".parse().unwrap()),
            page: Some(0),
            per_page: Some(9000),
            user_ids: vec![7, 9],
            operation_names: vec!["Login".into(), "UserEdit".into()],
        }
        .apply_to(&mut url);
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let expected = [
            ("after", "2024-05-01T00:00:00Z"),
            ("before", "2024-05-01T01:00:00.5Z"),
            ("user_id[]", "7"),
            ("user_id[]", "9"),
            ("operation_name[]", "Login"),
            ("operation_name[]", "UserEdit"),
            ("per_page", "500"),
            ("page", "1"),
        ];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        assert_eq!(pairs, expected);
        let mut bare = Url::parse("https://t.tines.com/api/v1/audit_logs").unwrap();
        AuditLogQuery::default().apply_to(&mut bare);
        assert_eq!(bare.query(), None);
    }
}

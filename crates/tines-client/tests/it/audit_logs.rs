//! Pages, paging in both sort orders, order detection, filters, and byte-exact records.

use serde_json::json;
use tines_client::{AuditLogQuery, AuditLogRecord, Client, PageOrder, SortOrder, Timestamp};

use crate::harness::{Harness, OWNER_KEY};

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

/// The walk the runner does: learn the order and the last page from page 1, then read the
/// pages so that the oldest record comes first.
async fn walk_oldest_first(client: &Client, query: &AuditLogQuery) -> (SortOrder, Vec<u64>) {
    let first = client.audit_logs_page(&query.at_page(1)).await.unwrap();
    let PageOrder::Sorted(order) = first.order() else {
        panic!("page 1 shows no order: {:?}", first.order());
    };
    let last = first.meta().last_page().unwrap();
    let pages: Vec<u64> = match order {
        SortOrder::NewestFirst => (1..=last).rev().collect(),
        SortOrder::OldestFirst => (1..=last).collect(),
    };
    let mut ids = Vec::new();
    for number in pages {
        let page = client
            .audit_logs_page(&query.at_page(number))
            .await
            .unwrap();
        assert_ne!(page.order(), PageOrder::Unsorted, "page {number}");
        ids.extend(page.into_oldest_first(order).iter().map(AuditLogRecord::id));
    }
    (order, ids)
}

#[tokio::test]
async fn every_record_once_oldest_first_in_both_sort_orders() {
    let h = Harness::start().await;
    // 137 records in 40 seconds: most seconds hold several, and pages split seconds.
    h.seed(json!({"count": 137, "from": "2024-05-01T00:00:00Z", "to": "2024-05-01T00:00:40Z"}))
        .await;
    let expected = h.event_ids().await;
    let client = h.client();
    let query = AuditLogQuery {
        per_page: Some(20),
        ..AuditLogQuery::default()
    };

    let (order, ids) = walk_oldest_first(&client, &query).await;
    assert_eq!(order, SortOrder::NewestFirst, "the simulator's default");
    assert_eq!(ids, expected);

    h.configure(json!({"order": "oldest_first"})).await;
    let (order, ids) = walk_oldest_first(&client, &query).await;
    assert_eq!(order, SortOrder::OldestFirst);
    assert_eq!(ids, expected);
}

#[tokio::test]
async fn following_next_page_reaches_the_last_page_with_consistent_meta() {
    let h = Harness::start().await;
    h.seed(json!({"count": 45})).await;
    let client = h.client();
    let query = AuditLogQuery {
        per_page: Some(20),
        ..AuditLogQuery::default()
    };
    let mut page_number = 1;
    let mut seen = 0;
    loop {
        let page = client
            .audit_logs_page(&query.at_page(page_number))
            .await
            .unwrap();
        let meta = page.meta();
        assert_eq!(meta.count, Some(45));
        assert_eq!(meta.pages, Some(3));
        assert_eq!(meta.per_page, Some(20));
        assert_eq!(meta.current_page_number(), Some(page_number));
        seen += page.records().len();
        match meta.next_page() {
            Some(next) => page_number = next,
            None => break,
        }
    }
    assert_eq!((page_number, seen), (3, 45));
}

#[tokio::test]
async fn order_is_undetermined_with_one_record() {
    let h = Harness::start().await;
    h.seed(json!({"count": 1})).await;
    let page = h
        .client()
        .audit_logs_page(&AuditLogQuery::default())
        .await
        .unwrap();
    assert_eq!(page.records().len(), 1);
    assert_eq!(page.order(), PageOrder::Undetermined);
}

#[tokio::test]
async fn records_are_byte_identical_to_what_the_server_sent() {
    let h = Harness::start().await;
    // Enough records to include null inputs, missing outputs, null and absent story_id,
    // escaped quotes, tabs and non-ASCII names.
    h.seed(json!({"count": 120, "from": "2024-05-01T00:00:00Z", "to": "2024-05-01T00:02:00Z"}))
        .await;
    let query = AuditLogQuery {
        per_page: Some(50),
        page: Some(2),
        ..AuditLogQuery::default()
    };
    let page = h.client().audit_logs_page(&query).await.unwrap();
    let raw = h
        .http
        .get(h.url("/api/v1/audit_logs?per_page=50&page=2"))
        .bearer_auth(OWNER_KEY)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(page.records().len(), 50);
    let joined: Vec<&str> = page.records().iter().map(AuditLogRecord::json).collect();
    let expected = format!("{{\"audit_logs\":[{}],\"meta\":", joined.join(","));
    assert!(raw.starts_with(&expected), "records differ from the body");
    assert!(joined.iter().any(|r| r.contains("\\\"")), "escapes covered");
    assert!(joined.iter().any(|r| r.contains('ë')), "non-ASCII covered");
    for record in page.records() {
        assert!(
            record
                .json()
                .starts_with(&format!("{{\"id\":{},", record.id()))
        );
    }
}

#[tokio::test]
async fn filters_reach_the_server() {
    let h = Harness::start().await;
    h.seed(json!({
        "count": 30,
        "from": "2024-05-01T00:00:00Z",
        "to": "2024-05-01T00:00:30Z",
        "user_ids": [7, 8, 9],
        "operation_names": ["Login", "UserEdit"]
    }))
    .await;
    let client = h.client();
    let count = |query: AuditLogQuery| {
        let client = client.clone();
        async move {
            let page = client.audit_logs_page(&query).await.unwrap();
            (page.meta().count.unwrap(), page.into_records())
        }
    };
    let (n, records) = count(AuditLogQuery {
        user_ids: vec![7, 9],
        operation_names: vec!["Login".to_owned()],
        per_page: Some(100),
        ..AuditLogQuery::default()
    })
    .await;
    // Users cycle 7,8,9 and operations Login,UserEdit: ids 7 and 9 on Login are 10 of 30.
    assert_eq!((n, records.len()), (10, 10));
    let (n, records) = count(AuditLogQuery {
        after: Some(at("2024-05-01T00:00:09Z")),
        before: Some(at("2024-05-01T00:00:20Z")),
        per_page: Some(100),
        ..AuditLogQuery::default()
    })
    .await;
    assert_eq!(n, 10, "strict bounds: seconds 10..=19");
    assert!(records.iter().all(|r| {
        r.created_at() > at("2024-05-01T00:00:09Z") && r.created_at() < at("2024-05-01T00:00:20Z")
    }));
}

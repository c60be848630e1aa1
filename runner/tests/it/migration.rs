//! Moving over from the vendor guide's reference Lambda: its page objects and its
//! `{"since": ...}` state under the feed's prefix, adopted by `adopt-state`, then synced on with
//! the same bucket, prefix and `FORMAT=raw_page`: every record of the tenant in S3 exactly once.

use std::collections::{BTreeMap, BTreeSet};

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use crate::support::{BUCKET, PREFIX, World};

/// What the reference Lambda leaves after its last run: every record Tines held up to `since`
/// in page objects named as it names them, and `since` in `<prefix>state.json`.
async fn reference_lambda_ran(world: &World, since: Timestamp) -> usize {
    let records: Vec<String> = world
        .tines_records()
        .await
        .into_values()
        .filter(|json| created_at(json) <= since)
        .collect();
    let stamp = jiff::fmt::strtime::format("%Y/%m/%d/%H%M%S", since).unwrap();
    for (number, page) in records.chunks(500).enumerate() {
        let body = format!(
            "{{\"audit_logs\":[{}],\"meta\":{{\"count\":{}}}}}",
            page.join(","),
            page.len()
        );
        let key = format!("{PREFIX}{stamp}-tines-audit-{:05}.json", number + 1);
        put(world, &key, body.into_bytes()).await;
    }
    let state = format!("{{\"since\": \"{since}\"}}");
    put(world, &format!("{PREFIX}state.json"), state.into_bytes()).await;
    records.len()
}

async fn put(world: &World, key: &str, body: Vec<u8>) {
    world
        .s3
        .put_object()
        .bucket(BUCKET)
        .key(key)
        .body(body.into())
        .send()
        .await
        .unwrap();
}

fn created_at(json: &str) -> Timestamp {
    let record: Value = serde_json::from_str(json).unwrap();
    record["created_at"].as_str().unwrap().parse().unwrap()
}

/// Every record in the page objects under the prefix (the Lambda's state left aside): id → how
/// many times.
async fn delivered_counts(world: &World) -> BTreeMap<u64, u32> {
    let mut counts = BTreeMap::new();
    let state = format!("{PREFIX}state.json");
    for (key, body) in world
        .objects()
        .await
        .into_iter()
        .filter(|(key, _)| *key != state)
    {
        assert!(key.ends_with(".json"), "{key} is not a page object");
        let page: Value = serde_json::from_slice(&body).unwrap();
        for record in page["audit_logs"].as_array().unwrap() {
            *counts.entry(record["id"].as_u64().unwrap()).or_default() += 1;
        }
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adopting_the_reference_lambdas_state_loses_and_repeats_nothing() {
    let world = World::start().await;
    let since = Timestamp::from_second(Timestamp::now().as_second() - 600).unwrap();
    world.seed(400, 3_000, 700).await;
    // The Lambda's last run saw three records of its newest second...
    world.seed_at(3, since).await;
    let by_reference = reference_lambda_ran(&world, since).await;
    assert_eq!(by_reference, 403);
    // ...and two more were created in that second after it read them, then others later.
    world.seed_at(2, since).await;
    world.seed(100, 500, 60).await;

    let env = [("FORMAT", "raw_page")];
    let adopted = world.run(&["adopt-state"], &env).await;
    assert_eq!(adopted.code, 0, "{}{}", adopted.stdout, adopted.stderr);
    assert_eq!(adopted.summary["outcome"], "adopted", "{}", adopted.stdout);
    assert_eq!(
        adopted.summary["records_of_that_second_in_s3"], 3,
        "{}",
        adopted.stdout
    );
    // Adopting again before the first sync changes nothing.
    let again = world.run(&["adopt-state"], &env).await;
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(again.summary, adopted.summary);

    let synced = world.sync(&env).await;
    assert_eq!(synced.code, 0, "{}", synced.stderr);
    assert_eq!(synced.summary["records"], 102, "{}", synced.stdout);

    let counts = delivered_counts(&world).await;
    let in_tines: BTreeSet<u64> = world.tines_records().await.into_keys().collect();
    let lost: Vec<_> = in_tines
        .iter()
        .filter(|id| !counts.contains_key(id))
        .collect();
    let duplicated: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    assert_eq!(in_tines.len(), 505);
    assert!(lost.is_empty(), "lost across the switch: {lost:?}");
    assert!(
        duplicated.is_empty(),
        "duplicated across the switch: {duplicated:?}"
    );

    // `verify` reads the Lambda's objects and the runner's alike: 0 missing, 0 duplicated.
    let from = (since - SignedDuration::from_secs(3_600)).to_string();
    let to = Timestamp::now().to_string();
    let verify = world
        .run(&["verify", "--from", &from, "--to", &to], &env)
        .await;
    assert_eq!(verify.code, 0, "{}{}", verify.stdout, verify.stderr);
    assert_eq!(verify.summary["tines_records"], 505, "{}", verify.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adopt_state_leaves_a_job_that_already_synced_alone() {
    let world = World::start().await;
    world.seed(50, 3_000, 700).await;
    let since = Timestamp::from_second(Timestamp::now().as_second() - 600).unwrap();
    reference_lambda_ran(&world, since).await;
    // The runner was started without adopting: it has a state of its own now.
    let synced = world.sync(&[("FORMAT", "raw_page")]).await;
    assert_eq!(synced.code, 0, "{}", synced.stderr);

    let adopted = world.run(&["adopt-state"], &[]).await;
    assert_eq!(adopted.code, 2, "{}", adopted.stdout);
    assert!(
        adopted.stderr.contains("already exists") && adopted.stderr.contains("not synced yet"),
        "{}",
        adopted.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adopt_state_without_a_reference_state_says_how_to_name_one() {
    let world = World::start().await;
    let adopted = world.run(&["adopt-state"], &[]).await;
    assert_eq!(adopted.code, 2, "{}", adopted.stdout);
    assert!(
        adopted
            .stderr
            .contains("no reference state at s3://audit-bucket/tines/audit/state.json")
            && adopted.stderr.contains("--reference-state KEY"),
        "{}",
        adopted.stderr
    );
}

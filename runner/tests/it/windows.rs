//! Windows from a person: `BACKFILL_FROM`, `backfill --from/--to` and `verify --from/--to`.
//! What cannot be meant is refused before anything is written, and across sync and any mix of
//! backfills each record is delivered once in total, including the repair after `verify`.

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use crate::support::{BUCKET, PREFIX, Run, World, assert_exactly_once};

const ENV: [(&str, &str); 3] = [
    ("REQUESTS_PER_MINUTE", "100000"),
    ("RECORDS_PER_OBJECT", "400"),
    ("LOOKBACK_SECONDS", "14400"),
];

fn ago(seconds: i64) -> String {
    (Timestamp::now() - SignedDuration::from_secs(seconds)).to_string()
}

async fn state_keys(world: &World) -> Vec<String> {
    let listed = world
        .s3
        .list_objects_v2()
        .bucket(BUCKET)
        .prefix("tines/state/")
        .send()
        .await
        .unwrap();
    listed
        .contents()
        .iter()
        .filter_map(|o| o.key().map(str::to_owned))
        .collect()
}

/// A gap made on purpose: an object deleted under the prefix.
async fn lose(world: &World, key: &str) {
    world
        .s3
        .delete_object()
        .bucket(BUCKET)
        .key(key)
        .send()
        .await
        .unwrap();
}

async fn completed(world: &World, args: &[&str]) -> Run {
    let run = world.run(args, &ENV).await;
    assert_eq!(run.code, 0, "{args:?}: {}\n{}", run.stdout, run.stderr);
    assert_eq!(
        run.summary["outcome"], "completed",
        "{args:?}: {}\n{}",
        run.stdout, run.stderr
    );
    run
}

/// The `verify` report, and its exit code.
async fn verify(world: &World, from: &str, to: &str) -> (i32, Value) {
    let run = world
        .run(&["verify", "--from", from, "--to", to], &ENV)
        .await;
    (run.code, run.summary)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn windows_that_cannot_be_meant_are_refused_before_anything_is_written() {
    let world = World::start().await;
    world.seed(500, 3_600, 60).await;
    let (past, earlier) = (ago(600), ago(3_000));

    let future_start = world
        .run(&["sync"], &[("BACKFILL_FROM", "2099-01-01T00:00:00Z")])
        .await;
    assert_eq!(future_start.code, 2, "{}", future_start.stderr);
    assert!(
        future_start.stderr.contains("BACKFILL_FROM")
            && future_start.stderr.contains("is in the future"),
        "{}",
        future_start.stderr
    );

    let cases: [(&[&str], &str); 3] = [
        (
            &["backfill", "--from", "2099-01-01T00:00:00Z"],
            "is in the future",
        ),
        (
            &["backfill", "--from", &past, "--to", &earlier],
            "is not before --to",
        ),
        (
            &["verify", "--from", &past, "--to", &earlier],
            "is not before --to",
        ),
    ];
    for (args, says) in cases {
        let run = world.run(args, &ENV).await;
        assert_eq!(run.code, 2, "{args:?}: {}\n{}", run.stdout, run.stderr);
        assert!(run.stderr.contains(says), "{args:?}: {}", run.stderr);
        assert!(!run.stdout.contains("missing"), "no report: {}", run.stdout);
    }
    assert_eq!(state_keys(&world).await, Vec::<String>::new());
    assert!(world.objects().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backfill_over_what_the_sync_delivered_writes_nothing_again() {
    let world = World::start().await;
    world.seed(2_400, 7_200, 60).await;
    completed(&world, &["sync"]).await;
    let delivered = world.objects().await;

    // The end lies in the future: clamped, with a warning that says so.
    let (from, to) = (ago(9_000), ago(-3_600));
    let backfill = completed(&world, &["backfill", "--from", &from, "--to", &to]).await;
    assert!(
        backfill
            .stderr
            .contains("later than now minus SETTLE_SECONDS"),
        "{}",
        backfill.stderr
    );
    assert_eq!(backfill.summary["records"], 0, "{}", backfill.stdout);
    assert_eq!(
        backfill.summary["records_already_in_s3"], 2_400,
        "{}",
        backfill.stdout
    );
    assert_eq!(world.objects().await, delivered, "nothing written");
    assert_exactly_once(&world.delivered_lines().await, &world.tines_records().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gaps_made_on_purpose_are_repaired_by_the_documented_backfill_once() {
    let world = World::start().await;
    world.seed(4_000, 7_200, 60).await;
    completed(&world, &["sync"]).await;

    // Gaps: three objects lost, among them the newest, which holds the sync's checkpoint
    // second.
    let keys: Vec<String> = world.objects().await.into_keys().collect();
    assert!(keys.len() >= 10, "{keys:?}");
    for key in [&keys[1], &keys[5], &keys[keys.len() - 1]] {
        lose(&world, key).await;
    }
    let (from, to) = (ago(9_000), ago(0));
    let (code, report) = verify(&world, &from, &to).await;
    assert_eq!(code, 1, "{report}");
    let missing = report["missing"].as_array().unwrap().len();
    assert!(missing >= 1_000, "{report}");

    // The repair is what the report says to run, word for word.
    let repair: Vec<String> = report["repair"]
        .as_str()
        .expect("the report names the repair")
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    assert_eq!(repair[..2], ["tinesaudit-runner", "backfill"]);
    let args: Vec<&str> = repair[1..].iter().map(String::as_str).collect();
    let repaired = completed(&world, &args).await;
    assert_eq!(
        repaired.summary["records"].as_u64(),
        Some(missing as u64),
        "{}",
        repaired.stdout
    );

    // Backfills overlapping it and each other, and the sync, repeat nothing.
    for (from, to) in [(ago(8_000), ago(3_000)), (ago(5_000), ago(1_000))] {
        let again = completed(&world, &["backfill", "--from", &from, "--to", &to]).await;
        assert_eq!(again.summary["records"], 0, "{}", again.stdout);
    }
    assert_eq!(completed(&world, &["sync"]).await.summary["records"], 0);
    let (code, report) = verify(&world, &from, &to).await;
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["missing"], serde_json::json!([]));
    assert_eq!(report["duplicated"], serde_json::json!([]));
    assert_exactly_once(&world.delivered_lines().await, &world.tines_records().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backfill_before_the_first_sync_ends_where_the_sync_starts() {
    let world = World::start().await;
    world.seed(3_000, 10_800, 60).await;
    let env = [
        ("REQUESTS_PER_MINUTE", "100000"),
        ("LOOKBACK_SECONDS", "3600"),
    ];
    let from = ago(11_000);
    let backfill = world.run(&["backfill", "--from", &from], &env).await;
    assert_eq!(
        backfill.summary["outcome"], "completed",
        "{}",
        backfill.stderr
    );
    assert!(
        backfill.stderr.contains("are the sync's to deliver"),
        "{}",
        backfill.stderr
    );
    let backfilled = backfill.summary["records"].as_u64().unwrap();
    assert!((2_000..3_000).contains(&backfilled), "{}", backfill.stdout);

    let sync = world.sync(&env).await;
    assert_eq!(sync.summary["outcome"], "completed", "{}", sync.stderr);
    assert_eq!(
        sync.summary["records"].as_u64().unwrap() + backfilled,
        3_000,
        "the sync starts exactly where the backfill ended"
    );
    assert_exactly_once(&world.delivered_lines().await, &world.tines_records().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_backfills_at_once_never_write_a_record_twice() {
    let world = World::start().await;
    world.seed(6_000, 7_200, 60).await;
    completed(&world, &["sync"]).await;
    for key in world.objects().await.into_keys().step_by(2) {
        lose(&world, &key).await;
    }
    // Slow pages, so that the two runs overlap.
    world
        .set_faults(serde_json::json!([{"kind": "latency", "millis": 300}]))
        .await;
    let (a_from, a_to, b_from) = (ago(9_000), ago(2_000), ago(5_000));
    let a = ["backfill", "--from", &a_from, "--to", &a_to];
    let b = ["backfill", "--from", &b_from];
    let (first, second) = tokio::join!(world.run(&a, &ENV), world.run(&b, &ENV));
    let outcomes = [&first.summary["outcome"], &second.summary["outcome"]];
    assert!(
        outcomes.contains(&&Value::from("skipped")),
        "one backfill at a time: {outcomes:?}\n{}\n{}",
        first.stderr,
        second.stderr
    );
    world.clear_faults().await;
    completed(&world, &a).await;
    completed(&world, &b).await;
    assert!(world.objects().await.keys().all(|k| k.starts_with(PREFIX)));
    assert_exactly_once(&world.delivered_lines().await, &world.tines_records().await);
}

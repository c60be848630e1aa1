//! The delivery guarantees under the conditions that break the reference Lambda: a crowded
//! boundary second, records arriving during runs, kills at random points, overlapping runs,
//! a flaky API, and S3 slowing down.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use tines_sim::{Behaviour, Order};
use tinesaudit_testkit::{AwsFault, AwsFaults, FaultProxy};

use crate::support::{World, assert_exactly_once};

/// Runs `sync` until a run completes its window; every run must succeed.
async fn sync_until_completed(world: &World, env: &[(&str, &str)]) -> u32 {
    for runs in 1..=50 {
        let run = world.sync(env).await;
        assert_eq!(run.code, 0, "run {runs}: {}\n{}", run.stdout, run.stderr);
        if run.summary["outcome"] == "completed" {
            return runs;
        }
    }
    panic!("50 runs did not complete the window");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_records_in_one_second_in_every_order_and_after_semantics() {
    for order in [Order::NewestFirst, Order::OldestFirst] {
        for after_inclusive in [false, true] {
            let world = World::with(Behaviour {
                order,
                after_inclusive,
                ..Behaviour::default()
            })
            .await;
            world
                .seed_at(2_000, Timestamp::now() - SignedDuration::from_secs(300))
                .await;
            // Small budgets and objects, so runs and objects end in the middle of the second.
            let env = [
                ("PAGE_SIZE", "300"),
                ("MAX_PAGES", "2"),
                ("RECORDS_PER_OBJECT", "250"),
            ];
            let runs = sync_until_completed(&world, &env).await;
            assert!(
                runs > 3,
                "{order:?}/{after_inclusive}: the second was split over {runs} runs"
            );
            assert_exactly_once(&world.delivered_lines().await, &world.tines_records().await);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_arriving_at_50_per_second_during_runs_are_delivered_once() {
    let world = World::start().await;
    world.seed(3_000, 1_800, 5).await;
    world
        .control("PUT", "/_sim/events/stream", json!({"rate_per_second": 50}))
        .await;
    let env = [("SETTLE_SECONDS", "1"), ("PAGE_SIZE", "200")];
    for _ in 0..6 {
        let run = world.sync(&env).await;
        assert_eq!(run.code, 0, "{}", run.stderr);
        tokio::time::sleep(Duration::from_millis(700)).await;
    }
    world
        .control("DELETE", "/_sim/events/stream", json!(null))
        .await;
    // Past the settle delay, the last arrivals fall inside a window.
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    sync_until_completed(&world, &env).await;
    let tines = world.tines_records().await;
    assert!(
        tines.len() > 3_100,
        "{} records, some of them arrivals",
        tines.len()
    );
    assert_exactly_once(&world.delivered_lines().await, &tines);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_at_random_points_of_a_100k_backfill_reruns_lose_and_repeat_nothing() {
    let world = World::start().await;
    let from = Timestamp::now() - SignedDuration::from_hours(20);
    let to = Timestamp::now() - SignedDuration::from_secs(60);
    world
        .control(
            "POST",
            "/_sim/events",
            json!({"count": 100_000, "from": from, "to": to}),
        )
        .await;
    let (from, to) = (from.to_string(), to.to_string());
    let args = ["backfill", "--from", from.as_str(), "--to", to.as_str()];
    // A short lease, so that a rerun need not wait long for the killed run's lease to lapse.
    let env = [
        ("REQUESTS_PER_MINUTE", "100000"),
        ("LEASE_SECONDS", "1"),
        ("RECORDS_PER_OBJECT", "2000"),
    ];
    let mut rng = fastrand::Rng::with_seed(7);
    for _ in 0..4 {
        let mut child = world.runner(&env).args(args).spawn().unwrap();
        tokio::time::sleep(Duration::from_millis(rng.u64(300..1_500))).await;
        child.start_kill().unwrap();
        let _ = child.wait().await;
        tokio::time::sleep(Duration::from_millis(1_100)).await;
    }
    loop {
        let run = world.run(&args, &env).await;
        assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
        if run.summary["outcome"] == "completed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1_100)).await;
    }
    // No sync had run, so the backfill ended where the first sync starts (LOOKBACK_SECONDS
    // before it began); the sync delivers the rest.
    sync_until_completed(&world, &env).await;
    assert_exactly_once(&world.delivered_lines().await, &world.tines_records().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runs_started_together_write_nothing_twice() {
    let world = World::start().await;
    world.seed(20_000, 3_000, 60).await;
    let env = [
        ("REQUESTS_PER_MINUTE", "100000"),
        ("RECORDS_PER_OBJECT", "1000"),
    ];
    let (a, b) = tokio::join!(world.sync(&env), world.sync(&env));
    let outcomes = [a.summary["outcome"].clone(), b.summary["outcome"].clone()];
    for run in [&a, &b] {
        assert!(
            run.code == 0 || run.code == 3,
            "{}\n{}",
            run.stdout,
            run.stderr
        );
    }
    assert!(outcomes.contains(&json!("completed")), "{outcomes:?}");
    let (state, _) = world.state().await;
    let position = state["position"]["created_at"].as_str().unwrap().to_owned();
    // Whatever the other run did, a later run finds the checkpoint where the winner left it.
    let again = world.sync(&env).await;
    assert_eq!(again.summary["records"], 0, "{}", again.stdout);
    let (state, _) = world.state().await;
    assert!(
        state["position"]["created_at"].as_str().unwrap() >= position.as_str(),
        "checkpoint moved backwards"
    );
    assert_exactly_once(&world.delivered_lines().await, &world.tines_records().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_percent_5xx_and_ten_percent_429_still_deliver_everything_once() {
    let world = World::start().await;
    world.seed(8_000, 3_000, 60).await;
    world
        .set_faults(json!([
                {"kind": "server_error", "ratio": 0.1, "path_prefix": "/api/v1/audit_logs"},
                {"kind": "rate_limit", "ratio": 0.1, "retry_after_seconds": 1, "path_prefix": "/api/v1/audit_logs"}
            ])).await;
    let run = world.sync(&[("HTTP_RETRIES", "10")]).await;
    assert_eq!(
        run.summary["outcome"], "completed",
        "{}\n{}",
        run.stdout, run.stderr
    );
    let stats = world.control("GET", "/_sim/stats", json!(null)).await;
    assert!(
        stats["responses"]["429"].as_u64().unwrap_or(0) > 0,
        "429s were injected: {stats}"
    );
    assert!(
        stats["responses"]["503"].as_u64().unwrap_or(0) > 0,
        "5xx were injected: {stats}"
    );
    world.clear_faults().await;
    assert_exactly_once(&world.delivered_lines().await, &world.tines_records().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_s3_outage_mid_run_fails_clearly_without_moving_the_checkpoint_past_what_was_written() {
    let mut world = World::start().await;
    world.seed(40_000, 3_000, 60).await;
    // Slow pages, so that the outage lands in the middle of the run.
    world
        .set_faults(json!([{"kind": "latency", "millis": 100}]))
        .await;
    let env = [
        ("RECORDS_PER_OBJECT", "1000"),
        ("CONCURRENCY", "2"),
        ("REQUESTS_PER_MINUTE", "100000"),
        // Releasing the lease fails with S3 down; reruns must not wait 15 minutes for it.
        ("LEASE_SECONDS", "2"),
    ];
    let child = world.runner(&env).arg("sync").spawn().unwrap();
    tokio::time::sleep(Duration::from_millis(2_000)).await;
    world.s3_server.stop();
    let output = child.wait_with_output().await.unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let summary: serde_json::Value =
        serde_json::from_str(stdout.lines().last().unwrap_or("null")).unwrap();
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert_eq!(summary["outcome"], "failed");
    assert!(
        summary["error"].as_str().unwrap().contains("S3"),
        "{stdout}"
    );
    assert!(
        summary["objects"].as_u64().unwrap() > 0,
        "the outage came after some objects: {stdout}"
    );

    world.s3_server.restart().unwrap();
    world.clear_faults().await;
    let (state, _) = world.state().await;
    let at: Timestamp = state["position"]["created_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let at_ids: Vec<u64> =
        serde_json::from_value(state["position"]["delivered_ids"].clone()).unwrap();
    let delivered: std::collections::BTreeSet<u64> =
        crate::support::ids(&world.delivered_lines().await)
            .into_iter()
            .collect();
    for (id, json) in world.tines_records().await {
        let record: serde_json::Value = serde_json::from_str(&json).unwrap();
        let created: Timestamp = record["created_at"].as_str().unwrap().parse().unwrap();
        if created < at || (created == at && at_ids.contains(&id)) {
            assert!(
                delivered.contains(&id),
                "the checkpoint covers record {id}, which is not in S3"
            );
        }
    }
    // The failed run could not release its lease; let it lapse.
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    sync_until_completed(&world, &env).await;
    assert_exactly_once(&world.delivered_lines().await, &world.tines_records().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_committed_late_inside_the_window_during_a_run_are_not_skipped() {
    // Newest first, a record inserted near the window's end shifts every older record one
    // place down the pages: a walk that went on regardless would skip one record per insert
    // at each page boundary it had not reached yet.
    let world = World::start().await;
    world.seed(20_000, 3_000, 200).await;
    world
        .set_faults(json!([{"kind": "latency", "millis": 100}]))
        .await;
    let env = [
        ("CONCURRENCY", "2"),
        ("REQUESTS_PER_MINUTE", "100000"),
        ("RECORDS_PER_OBJECT", "1000"),
    ];
    let child = world.runner(&env).arg("sync").spawn().unwrap();
    // Insert once the walk is under way: after some pages, well before the last.
    loop {
        let stats = world.control("GET", "/_sim/stats", json!(null)).await;
        if stats["requests"]["GET /api/v1/audit_logs"]
            .as_u64()
            .unwrap_or(0)
            >= 6
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    world.seed(50, 150, 100).await;
    let output = child.wait_with_output().await.unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    world.clear_faults().await;
    sync_until_completed(&world, &[]).await;
    assert_exactly_once(&world.delivered_lines().await, &world.tines_records().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_slowing_down_a_fifth_of_the_requests_is_retried_counted_and_delivers_once() {
    let world = World::start().await;
    world.seed(6_000, 3_000, 60).await;
    let proxy = FaultProxy::start_aws(
        world.s3_server.endpoint_url(),
        AwsFaults {
            throttle_ratio: 0.2,
            seed: 5,
            ..AwsFaults::default()
        },
    )
    .await
    .unwrap();
    let endpoint = proxy.endpoint_url();
    let env = [
        ("AWS_ENDPOINT_URL", endpoint.as_str()),
        ("REQUESTS_PER_MINUTE", "100000"),
        ("RECORDS_PER_OBJECT", "250"),
    ];
    let run = world.sync(&env).await;
    assert_eq!(
        run.summary["outcome"], "completed",
        "{}\n{}",
        run.stdout, run.stderr
    );
    let slowed = proxy.aws_counts().given(AwsFault::Throttled);
    assert!(slowed > 0, "{}", proxy.aws_counts());
    assert_eq!(
        run.summary["s3_retries"].as_u64(),
        Some(slowed),
        "each SlowDown was sent again, and counted: {}",
        run.stdout
    );
    assert_exactly_once(&world.delivered_lines().await, &world.tines_records().await);
}

//! The run deadline (`--deadline-seconds`, `RUN_DEADLINE_SECONDS`): the Tines client's requests,
//! retries and backoff end with it, the run ends `partial`, and nothing is lost or repeated.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use serde_json::{Value, json};
use tines_sim::{Behaviour, Order};

use crate::support::{World, assert_exactly_once, ids};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_out_of_time_ends_partial_and_a_rerun_delivers_the_rest_exactly_once() {
    // Oldest first, page 1 is delivered (one object) before time runs out; newest first it
    // is held back to the end, so nothing is written. Both must stop in time, lose nothing.
    for order in [Order::OldestFirst, Order::NewestFirst] {
        let world = World::with(Behaviour {
            order,
            ..Behaviour::default()
        })
        .await;
        world.seed(3_000, 3_000, 60).await;
        world
            .set_faults(
                json!([{"kind": "latency", "millis": 2_000, "path_prefix": "/api/v1/audit_logs"}]),
            )
            .await;
        let env = [("PAGE_SIZE", "100"), ("RECORDS_PER_OBJECT", "100")];
        let started = Instant::now();
        let run = world
            .sync(&[env[0], env[1], ("RUN_DEADLINE_SECONDS", "3")])
            .await;
        let took = started.elapsed();
        assert_eq!(run.code, 0, "{order:?}: {}\n{}", run.stdout, run.stderr);
        assert_eq!(
            run.summary["outcome"], "partial",
            "{order:?}: {}",
            run.stdout
        );
        assert_eq!(run.summary["stopped_by"], "deadline", "{}", run.stdout);
        assert!(
            took < Duration::from_secs(6),
            "{order:?}: a 3 s deadline with 2 s pages took {took:?}"
        );

        let delivered = world.delivered_lines().await;
        let expected_records = if order == Order::OldestFirst { 100 } else { 0 };
        assert_eq!(
            delivered.len(),
            expected_records,
            "{order:?}: {}",
            run.stdout
        );
        assert_eq!(run.summary["records"], expected_records);
        let (state, _) = world.state().await;
        assert!(state["lease"].is_null(), "lease released: {state}");
        assert!(
            !state["window_end"].is_null(),
            "the window stays in flight for the next run: {state}"
        );
        world.clear_faults().await;
        assert_checkpoint_matches_delivery(&state, &delivered, &world).await;

        let rerun = world.sync(&env).await;
        assert_eq!(rerun.summary["outcome"], "completed", "{}", rerun.stdout);
        assert_eq!(rerun.summary["records"], 3_000 - expected_records as u64);
        assert_exactly_once(&world.delivered_lines().await, &world.tines_records().await);
    }
}

/// Every record the checkpoint says is delivered is in S3, and nothing in S3 lies past it.
async fn assert_checkpoint_matches_delivery(state: &Value, delivered: &[String], world: &World) {
    let at: Timestamp = state["position"]["created_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let ids_at: BTreeSet<u64> = state["position"]["delivered_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| id.as_u64().unwrap())
        .collect();
    let covered = |created_at: Timestamp, id: u64| {
        created_at < at || (created_at == at && ids_at.contains(&id))
    };
    let in_s3: BTreeSet<u64> = ids(delivered).into_iter().collect();
    for (id, json) in world.tines_records().await {
        let record: Value = serde_json::from_str(&json).unwrap();
        let created_at: Timestamp = record["created_at"].as_str().unwrap().parse().unwrap();
        assert_eq!(
            covered(created_at, id),
            in_s3.contains(&id),
            "record {id} at {created_at}: checkpoint {state}"
        );
    }
}

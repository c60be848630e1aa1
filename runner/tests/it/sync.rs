//! `tinesaudit-runner sync` against the simulator and SeaweedFS: exactly once, whatever happens.

use std::collections::BTreeSet;

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use tines_sim::{Behaviour, Order};
use tinesaudit_job::sha256_hex;

use crate::support::{World, assert_exactly_once};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_run_delivers_the_lookback_window_as_ndjson_and_a_rerun_adds_nothing() {
    let world = World::start().await;
    world.seed(2_345, 3_000, 60).await;
    let run = world.sync(&[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.summary["outcome"], "completed", "{}", run.stdout);
    assert_eq!(run.summary["records"], 2_345);
    assert_eq!(
        run.summary["objects"], 1,
        "5000 records per object by default"
    );
    assert_eq!(run.summary["records_updated_after_creation"], 0);

    let delivered = world.delivered_lines().await;
    assert_exactly_once(&delivered, &world.tines_records().await);
    let times: Vec<_> = delivered
        .iter()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["created_at"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "oldest first within the object"
    );

    let again = world.sync(&[]).await;
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(again.summary["records"], 0);
    assert_eq!(world.objects().await.len(), 1, "no empty objects");
    let (state, _) = world.state().await;
    assert!(state["lease"].is_null(), "lease released: {state}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_pages_is_a_budget_and_what_is_left_comes_next_run_never_lost() {
    // The reference Lambda's loss: 25,000 records, 20 pages of 500 per run.
    let world = World::start().await;
    world.seed(25_000, 3_000, 60).await;
    let env = [("MAX_PAGES", "20"), ("PAGE_SIZE", "500")];
    let first = world.sync(&env).await;
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert_eq!(first.summary["outcome"], "partial");
    assert_eq!(first.summary["pages"], 20);
    // Newest first, page 1 is read to learn the order and is delivered last: 19 pages this run.
    assert_eq!(first.summary["records"], 9_500);
    assert_eq!(first.summary["objects"], 2);
    // The window frozen by the write that took the lease is the one walked, and stays in
    // flight for the next runs.
    let (state, _) = world.state().await;
    assert_eq!(
        state["window_end"], first.summary["window_before"],
        "{state}"
    );
    assert!(state["lease"].is_null(), "{state}");
    // Falling behind is said: what is left, and the budget or schedule that keeps up.
    let behind = &first.summary["behind"];
    assert_eq!(behind["records_left"], 15_500, "{}", first.stdout);
    assert_eq!(behind["max_pages_to_catch_up"], 31);
    // 25,000 records over the hour of the first window.
    assert_eq!(behind["max_pages_for_hourly_runs"], 50, "{}", first.stdout);
    assert_eq!(behind["minutes_between_runs"], 24, "{}", first.stdout);
    assert!(
        first.stderr.contains("WARN")
            && first.stderr.contains(
                "spent its page budget (MAX_PAGES=20) with 15500 records of its window left"
            )
            && first
                .stderr
                .contains("MAX_PAGES=31 would deliver them in one run")
            && first.stderr.contains("MAX_PAGES=50 for hourly runs"),
        "{}",
        first.stderr
    );
    let mut runs = 1;
    loop {
        let run = world.sync(&env).await;
        runs += 1;
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(
            run.summary["window_before"], first.summary["window_before"],
            "{}",
            run.stdout
        );
        if run.summary["outcome"] == "completed" {
            assert!(run.summary.get("behind").is_none(), "{}", run.stdout);
            assert!(!run.stderr.contains("page budget"), "{}", run.stderr);
            break;
        }
        assert!(runs < 10, "the backlog must shrink every run");
    }
    assert_exactly_once(&world.delivered_lines().await, &world.tines_records().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn newest_first_and_oldest_first_pages_deliver_the_same_objects() {
    let mut keys = Vec::new();
    for order in [Order::NewestFirst, Order::OldestFirst] {
        let world = World::with(Behaviour {
            order,
            ..Behaviour::default()
        })
        .await;
        world
            .control(
                "POST",
                "/_sim/events",
                json!({"count": 3_210, "from": "2024-05-01T00:00:00Z", "to": "2024-05-01T00:20:00Z"}),
            )
            .await;
        let run = world
            .sync(&[
                ("RECORDS_PER_OBJECT", "1000"),
                ("PAGE_SIZE", "100"),
                ("BACKFILL_FROM", "2024-05-01T00:00:00Z"),
            ])
            .await;
        assert_eq!(
            run.summary["outcome"], "completed",
            "{:?}: {}",
            order, run.stderr
        );
        assert_exactly_once(&world.delivered_lines().await, &world.tines_records().await);
        keys.push(world.objects().await.keys().cloned().collect::<Vec<_>>());
    }
    assert_eq!(keys[0].len(), 4);
    assert_eq!(
        keys[0], keys[1],
        "same seed, same records, same object keys"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_of_the_boundary_second_are_neither_lost_nor_repeated() {
    for after_inclusive in [false, true] {
        let world = World::with(Behaviour {
            after_inclusive,
            ..Behaviour::default()
        })
        .await;
        let boundary = Timestamp::now() - SignedDuration::from_secs(120);
        world.seed_at(30, boundary).await;
        let first = world.sync(&[]).await;
        assert_eq!(first.summary["records"], 30, "{}", first.stderr);
        // Records committed late with the boundary second, after the first run read it.
        world.seed_at(5, boundary).await;
        let second = world.sync(&[]).await;
        assert_eq!(
            second.summary["records"], 5,
            "after_inclusive={after_inclusive}: {}",
            second.stdout
        );
        let third = world.sync(&[]).await;
        assert_eq!(third.summary["records"], 0);
        assert_exactly_once(&world.delivered_lines().await, &world.tines_records().await);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rerun_after_a_crash_before_the_checkpoint_rewrites_nothing() {
    let world = World::start().await;
    world.seed(12_000, 3_000, 60).await;
    // A run that wrote its objects, then died before its checkpoint writes landed: modelled
    // by putting the state object back as it was before the run.
    let env = [("RECORDS_PER_OBJECT", "2500"), ("MAX_PAGES", "12")];
    let before = world
        .sync(&[("MAX_PAGES", "1"), ("RECORDS_PER_OBJECT", "2500")])
        .await;
    assert_eq!(before.summary["outcome"], "partial", "{}", before.stdout);
    let (state_before, _) = world.state().await;
    let crashed = world.sync(&env).await;
    assert_eq!(crashed.summary["outcome"], "partial", "{}", crashed.stdout);
    assert!(crashed.summary["objects"].as_u64().unwrap() >= 2);
    let objects_after_crash = world.objects().await;
    world.put_state(&state_before).await;

    let rerun = world.sync(&env).await;
    assert_eq!(rerun.code, 0, "{}", rerun.stderr);
    assert_eq!(
        rerun.summary["objects_already_present"], crashed.summary["objects"],
        "the rerun cut exactly the objects the dead run had written: {}",
        rerun.stdout
    );
    let objects = world.objects().await;
    for key in objects_after_crash.keys() {
        assert!(objects.contains_key(key));
    }
    while world.sync(&env).await.summary["outcome"] != "completed" {}
    assert_exactly_once(&world.delivered_lines().await, &world.tines_records().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_the_last_object_of_a_budget_run_before_its_release_repeats_nothing() {
    let world = World::start().await;
    world.seed(12_000, 3_000, 60).await;
    let env = [("RECORDS_PER_OBJECT", "2500"), ("MAX_PAGES", "12")];
    // A first run freezes the window; the next one spends its budget: full objects, each
    // checkpointed, then a shorter last one whose checkpoint rides on the release write.
    let first = world
        .sync(&[("MAX_PAGES", "1"), ("RECORDS_PER_OBJECT", "2500")])
        .await;
    assert_eq!(first.summary["outcome"], "partial", "{}", first.stdout);
    let before: BTreeSet<String> = world.objects().await.into_keys().collect();
    let crashed = world.sync(&env).await;
    assert_eq!(crashed.summary["outcome"], "partial", "{}", crashed.stdout);
    let (released, _) = world.state().await;

    // The run died after writing its last object and before the release: the state object
    // holds what the last full object's checkpoint wrote (position past it, window in flight,
    // the dead run's lease, expired by now).
    let objects = world.objects().await;
    let mut written: Vec<Vec<Value>> = objects
        .iter()
        .filter(|(key, _)| !before.contains(*key))
        .map(|(_, body)| {
            String::from_utf8_lossy(body)
                .lines()
                .map(|line| serde_json::from_str(line).unwrap())
                .collect()
        })
        .collect();
    let key_of = |r: &Value| {
        (
            r["created_at"]
                .as_str()
                .unwrap()
                .parse::<Timestamp>()
                .unwrap(),
            r["id"].as_u64().unwrap(),
        )
    };
    written.sort_by_key(|records| key_of(&records[0]));
    assert!(written.len() >= 2, "{}", crashed.stdout);
    let last = written.pop().unwrap();
    assert!(last.len() < 2_500, "the last object is a short one");
    let (at, _) = key_of(written.last().unwrap().last().unwrap());
    let delivered_ids: Vec<u64> = objects
        .values()
        .flat_map(|body| {
            String::from_utf8_lossy(body)
                .lines()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .map(|line| key_of(&serde_json::from_str(&line).unwrap()))
        .filter(|(created, id)| {
            *created == at && !last.iter().any(|r| r["id"].as_u64() == Some(*id))
        })
        .map(|(_, id)| id)
        .collect();
    let mut dead = released.clone();
    dead["position"] = json!({"created_at": at, "delivered_ids": delivered_ids});
    dead["lease"] = json!({"owner": "the-dead-run", "expires_at": Timestamp::now() - SignedDuration::from_secs(1)});
    assert!(!dead["window_end"].is_null(), "{dead}");
    world.put_state(&dead).await;

    let rerun = world.sync(&env).await;
    assert_eq!(rerun.code, 0, "{}", rerun.stderr);
    assert_eq!(
        rerun.summary["objects_already_present"], 1,
        "the rerun cut the dead run's last object as it did: {}",
        rerun.stdout
    );
    while world.sync(&env).await.summary["outcome"] != "completed" {}
    assert_exactly_once(&world.delivered_lines().await, &world.tines_records().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_tines_failures_are_retried_without_loss_or_repeats() {
    let world = World::start().await;
    world.seed(6_000, 3_000, 60).await;
    world
        .set_faults(json!([
            {"kind": "server_error", "ratio": 0.2, "path_prefix": "/api/v1/audit_logs"},
            {"kind": "truncate", "ratio": 0.1, "path_prefix": "/api/v1/audit_logs"},
            {"kind": "reset", "ratio": 0.1, "path_prefix": "/api/v1/audit_logs"}
        ]))
        .await;
    let run = world
        .sync(&[("PAGE_SIZE", "200"), ("HTTP_RETRIES", "8")])
        .await;
    assert_eq!(
        run.summary["outcome"], "completed",
        "{}\n{}",
        run.stdout, run.stderr
    );
    world.clear_faults().await;
    assert_exactly_once(&world.delivered_lines().await, &world.tines_records().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_tines_stops_the_run_without_moving_the_checkpoint() {
    let world = World::start().await;
    world.seed(100, 3_000, 60).await;
    world
        .set_faults(json!([{"kind": "server_error", "status": 502}]))
        .await;
    let run = world.sync(&[("HTTP_RETRIES", "1")]).await;
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(run.summary["outcome"], "failed");
    assert!(
        run.summary["error"].as_str().unwrap().contains("502"),
        "{}",
        run.stdout
    );
    assert!(world.objects().await.is_empty());
    world.clear_faults().await;
    let run = world.sync(&[]).await;
    assert_eq!(run.summary["records"], 100, "{}", run.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_state_object_stops_the_run_instead_of_starting_over() {
    let world = World::start().await;
    world.seed(50, 3_000, 60).await;
    world
        .s3
        .put_object()
        .bucket(crate::support::BUCKET)
        .key(crate::support::STATE_KEY)
        .body(b"{\"since\": \"2024-01-01T00:00:00Z\"}".to_vec().into())
        .send()
        .await
        .unwrap();
    let run = world.sync(&[]).await;
    assert_eq!(run.code, 1);
    let error = run.summary["error"].as_str().unwrap();
    assert!(error.contains("not a valid tinesaudit state"), "{error}");
    // The reference Lambda's state: the way over names its own `since` time.
    assert!(
        error.contains("reference Lambda's state")
            && error.contains("tinesaudit-runner adopt-state --reference-state KEY")
            && error.contains("2024-01-01T00:00:00Z"),
        "{error}"
    );
    assert!(world.objects().await.is_empty());

    // Anything else that is not a state: restore or delete, then verify and backfill.
    world
        .s3
        .put_object()
        .bucket(crate::support::BUCKET)
        .key(crate::support::STATE_KEY)
        .body(b"{\"position\": 17".to_vec().into())
        .send()
        .await
        .unwrap();
    let corrupt = world.sync(&[]).await;
    assert_eq!(corrupt.code, 1);
    let error = corrupt.summary["error"].as_str().unwrap();
    assert!(
        error.contains("Restore an earlier version") && error.contains("backfill"),
        "{error}"
    );

    // Credentials S3 refuses: an error, never "no state yet".
    let denied = world.sync(&[("AWS_SECRET_ACCESS_KEY", "wrong")]).await;
    assert_eq!(denied.code, 1, "{}", denied.stdout);
    assert!(
        denied.summary["error"]
            .as_str()
            .unwrap()
            .contains("GetObject"),
        "{}",
        denied.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_checkpoint_of_another_tenant_stops_the_run_and_one_of_no_tenant_is_adopted() {
    let world = World::start().await;
    world.seed(50, 3_000, 60).await;
    let first = world.sync(&[]).await;
    assert_eq!(first.summary["records"], 50, "{}", first.stderr);
    let (state, _) = world.state().await;
    assert_eq!(state["tenant"], world.sim.base_url());

    // Another job's state key, say: its position says nothing about this tenant's records.
    let mut other = state.clone();
    other["tenant"] = "https://other.tines.com".into();
    world.put_state(&other).await;
    world.seed(10, 30, 20).await;
    let refused = world.sync(&[]).await;
    assert_eq!(refused.code, 1, "{}", refused.stdout);
    let error = refused.summary["error"].as_str().unwrap();
    assert!(
        error.contains("holds the checkpoint of tenant https://other.tines.com"),
        "{error}"
    );
    assert_eq!(world.state().await.0, other, "the state is left as it was");

    // A state written before tenants were recorded belongs to whoever runs next.
    let mut older = state;
    older.as_object_mut().unwrap().remove("tenant");
    world.put_state(&older).await;
    let adopted = world.sync(&[]).await;
    assert_eq!(adopted.summary["records"], 10, "{}", adopted.stderr);
    assert_eq!(world.state().await.0["tenant"], world.sim.base_url());
    assert_exactly_once(&world.delivered_lines().await, &world.tines_records().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_lease_makes_a_second_run_skip_and_an_expired_one_is_taken_over() {
    let world = World::start().await;
    world.seed(40, 3_000, 60).await;
    assert_eq!(world.sync(&[]).await.summary["records"], 40);
    world.seed(10, 50, 30).await;
    let (mut state, _) = world.state().await;
    state["lease"] = json!({"owner": "someone-else", "expires_at": Timestamp::now() + SignedDuration::from_secs(600)});
    world.put_state(&state).await;
    let skipped = world.sync(&[]).await;
    assert_eq!(skipped.code, 0);
    assert_eq!(skipped.summary["outcome"], "skipped");
    assert_eq!(skipped.summary["records"], 0);

    state["lease"] = json!({"owner": "someone-else", "expires_at": Timestamp::now() - SignedDuration::from_secs(1)});
    world.put_state(&state).await;
    let taken = world.sync(&[]).await;
    assert_eq!(taken.summary["outcome"], "completed", "{}", taken.stdout);
    assert_eq!(taken.summary["records"], 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_configuration_exits_2_naming_the_setting() {
    let world = World::start().await;
    let cases = [
        (
            "STATE_KEY",
            "tines/audit/state.json",
            "inside the data prefix",
        ),
        ("PAGE_SIZE", "5000", "PAGE_SIZE"),
        ("TINES_BASE_URL", "http://tines.example.com", "https"),
    ];
    for (name, value, needle) in cases {
        let run = world.sync(&[(name, value)]).await;
        assert_eq!(run.code, 2, "{name}={value}: {}", run.stderr);
        assert!(run.stderr.contains(needle), "{name}: {}", run.stderr);
    }
    assert!(world.objects().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gzip_and_raw_page_formats() {
    let world = World::start().await;
    world.seed(300, 3_000, 60).await;
    let run = world
        .sync(&[("COMPRESSION", "gzip"), ("FORMAT", "raw_page")])
        .await;
    assert_eq!(run.summary["records"], 300, "{}", run.stderr);
    let objects = world.objects().await;
    let (key, body) = objects.iter().next().unwrap();
    assert!(key.ends_with(".json.gz"), "{key}");
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&body[..]), &mut text).unwrap();
    let page: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(page["audit_logs"].as_array().unwrap().len(), 300);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_finds_missing_and_duplicated_records() {
    let world = World::start().await;
    world.seed(1_200, 3_000, 60).await;
    let run = world.sync(&[("RECORDS_PER_OBJECT", "500")]).await;
    assert_eq!(run.summary["objects"], 3, "{}", run.stderr);
    let from = (Timestamp::now() - SignedDuration::from_secs(3_600)).to_string();
    let to = Timestamp::now().to_string();
    let verify = ["verify", "--from", &from, "--to", &to];
    let clean = world.run(&verify, &[]).await;
    assert_eq!(clean.code, 0, "{}{}", clean.stdout, clean.stderr);
    assert_eq!(clean.summary["tines_records"], 1_200);

    let objects = world.objects().await;
    let mut keys = objects.keys();
    let (first, second) = (keys.next().unwrap(), keys.next().unwrap());
    world
        .s3
        .delete_object()
        .bucket(crate::support::BUCKET)
        .key(first)
        .send()
        .await
        .unwrap();
    world
        .s3
        .put_object()
        .bucket(crate::support::BUCKET)
        .key(format!("{}copy.ndjson", crate::support::PREFIX))
        .body(objects[second].clone().into())
        .send()
        .await
        .unwrap();
    let dirty = world.run(&verify, &[]).await;
    assert_eq!(dirty.code, 1, "{}", dirty.stdout);
    assert_eq!(dirty.summary["missing"].as_array().unwrap().len(), 500);
    assert_eq!(dirty.summary["duplicated"].as_array().unwrap().len(), 500);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_key_never_appears_in_output_even_at_trace() {
    let world = World::start().await;
    world.seed(20, 3_000, 60).await;
    let run = world.sync(&[("RUST_LOG", "trace")]).await;
    assert_eq!(run.summary["records"], 20, "{}", run.stderr);
    assert!(
        run.stderr.contains("TRACE"),
        "RUST_LOG turns trace logging on"
    );
    for text in [&run.stdout, &run.stderr] {
        assert!(!text.contains(&world.key), "the key leaked");
        assert!(
            !text.contains(world.s3_server.secret_key()),
            "the AWS secret key leaked"
        );
    }
    for body in world.objects().await.values() {
        assert!(!String::from_utf8_lossy(body).contains(&world.key));
    }
    // LOG_LEVEL, the older name, counts only without RUST_LOG.
    let older = world.sync(&[("LOG_LEVEL", "debug")]).await;
    assert!(older.stderr.contains("DEBUG"), "{}", older.stderr);
    let both = world
        .sync(&[("LOG_LEVEL", "trace"), ("RUST_LOG", "error")])
        .await;
    assert_eq!(both.stderr, "", "RUST_LOG wins");
    let failed = world
        .sync(&[
            ("TINES_API_KEY", "tk_live_WRONG_9d3c"),
            ("RUST_LOG", "trace"),
        ])
        .await;
    assert_eq!(failed.code, 1);
    assert!(
        !failed.stdout.contains("tk_live_WRONG_9d3c")
            && !failed.stderr.contains("tk_live_WRONG_9d3c")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_updated_after_creation_are_counted() {
    let world = World::start().await;
    let now = Timestamp::now();
    world
        .control(
            "POST",
            "/_sim/events",
            json!({"count": 7, "from": now - SignedDuration::from_secs(600), "to": now - SignedDuration::from_secs(300), "updated_after_seconds": 90}),
        )
        .await;
    let run = world.sync(&[]).await;
    assert_eq!(run.summary["records"], 7, "{}", run.stderr);
    assert_eq!(run.summary["records_updated_after_creation"], 7);
    assert!(
        run.stderr.contains("updated after it was created"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_can_come_from_a_job_file_in_s3() {
    let world = World::start().await;
    world.seed(120, 3_000, 60).await;
    let job = json!({
        "bucket": crate::support::BUCKET,
        "tenant": world.sim.base_url(),
        "prefix": "jobs/tines/",
        "state_key": "jobs/state.json",
        "compression": "gzip"
    });
    world
        .s3
        .put_object()
        .bucket(crate::support::BUCKET)
        .key("config/job.json")
        .body(serde_json::to_vec(&job).unwrap().into())
        .send()
        .await
        .unwrap();
    let location = format!("s3://{}/config/job.json", crate::support::BUCKET);
    let mut command = world.runner(&[]);
    command
        .env_remove("S3_BUCKET")
        .env_remove("TINES_BASE_URL")
        .args(["sync", "--job", &location]);
    let output = command.output().await.unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("\"records\":120"), "{stdout}");
    let listed = world
        .s3
        .list_objects_v2()
        .bucket(crate::support::BUCKET)
        .prefix("jobs/tines/")
        .send()
        .await
        .unwrap();
    assert!(
        listed
            .contents()
            .iter()
            .all(|o| o.key().unwrap().ends_with(".ndjson.gz"))
    );
    assert_eq!(listed.contents().len(), 1);

    // tinesaudit_schedule deploys with the hash of the job file it wrote: a file with that
    // content runs quietly, one edited since is still used, and reported.
    let deployed = sha256_hex(&serde_json::to_vec(&job).unwrap());
    let unchanged = world
        .run(
            &["sync", "--job", &location],
            &[("JOB_FILE_SHA256", &deployed)],
        )
        .await;
    assert_eq!(unchanged.code, 0, "{}", unchanged.stderr);
    assert!(
        !unchanged.stderr.contains("JOB_FILE_SHA256"),
        "{}",
        unchanged.stderr
    );
    let other = "0".repeat(64);
    let edited = world
        .run(
            &["sync", "--job", &location],
            &[("JOB_FILE_SHA256", &other)],
        )
        .await;
    assert_eq!(edited.code, 0, "{}", edited.stderr);
    assert!(
        edited.stderr.contains(&format!(
            "has SHA-256 {deployed}, not the {other} of JOB_FILE_SHA256"
        )),
        "{}",
        edited.stderr
    );

    let missing = world
        .run(
            &["sync", "--job", "s3://audit-bucket/config/nope.json"],
            &[],
        )
        .await;
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("nope.json"), "{}", missing.stderr);
}

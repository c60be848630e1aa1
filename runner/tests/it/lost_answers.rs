//! Writes whose answer was lost: S3 applied them, then answered 500 or the connection was cut.
//! The SDK's retry then meets the run's own write (a 412), which is not another run.

use tinesaudit_testkit::{FaultProxy, LostAnswer};

use crate::support::{PREFIX, STATE_KEY, World, assert_exactly_once};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_recognises_its_own_writes_when_their_answers_are_lost() {
    for how in [LostAnswer::ServerError, LostAnswer::CutConnection] {
        let world = World::start().await;
        world.seed(3_000, 3_000, 60).await;
        let proxy = FaultProxy::start(world.s3_server.endpoint_url())
            .await
            .unwrap();
        let endpoint = proxy.endpoint_url();
        let env = [
            ("AWS_ENDPOINT_URL", endpoint.as_str()),
            ("REQUESTS_PER_MINUTE", "100000"),
            ("RECORDS_PER_OBJECT", "500"),
        ];
        // Every attempt the SDK makes at the state object's create (5), then two at the next state
        // write, and one data object's.
        proxy.lose_answers("PUT", STATE_KEY, 7, how);
        proxy.lose_answers("PUT", PREFIX, 1, how);

        let run = world.sync(&env).await;
        assert_eq!(proxy.answers_lost(), 8, "{how:?}: every fault was given");
        assert_eq!(run.code, 0, "{how:?}: {}\n{}", run.stdout, run.stderr);
        assert_eq!(
            run.summary["outcome"], "completed",
            "{how:?}: {}",
            run.stdout
        );
        assert!(
            run.summary["s3_retries"].as_u64() >= Some(7),
            "{how:?}: the SDK sent each request whose answer was lost again, and the summary counts it: {}",
            run.stdout
        );
        assert!(
            run.stderr.contains("holds this run's write; carrying on"),
            "{how:?}: the run says what happened: {}",
            run.stderr
        );

        // The lease was given back: the next run goes ahead at once, with nothing to do.
        let (state, _) = world.state().await;
        assert_eq!(state["lease"], serde_json::Value::Null, "{state}");
        let next = world.sync(&env).await;
        assert_eq!(next.summary["outcome"], "completed", "{}", next.stdout);
        assert_eq!(next.summary["records"], 0, "{}", next.stdout);
        assert_exactly_once(&world.delivered_lines().await, &world.tines_records().await);
    }
}

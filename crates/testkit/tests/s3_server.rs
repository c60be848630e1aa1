//! The S3 server's promises to the tests that use it, against the installed SeaweedFS.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use aws_sdk_s3::config::retry::RetryConfig;
use tinesaudit_testkit::S3Server;

const BUCKET: &str = "probe-bucket";
const OUTAGES: usize = 4;
const WRITERS: usize = 3;

/// A client that tries each request once, so that a server not ready yet fails here instead of
/// being waited out by the SDK's retries.
fn impatient_client(server: &S3Server) -> aws_sdk_s3::Client {
    let config = server.client().config().to_builder();
    aws_sdk_s3::Client::from_conf(config.retry_config(RetryConfig::disabled()).build())
}

/// Writes numbered objects under `prefix` until `outage` is set; returns what the server
/// acknowledged.
async fn write_until(
    outage: Arc<AtomicBool>,
    s3: aws_sdk_s3::Client,
    prefix: String,
) -> BTreeMap<String, String> {
    let mut acknowledged = BTreeMap::new();
    let mut n = 0;
    while !outage.load(Ordering::Relaxed) {
        let key = format!("{prefix}/{n}");
        // Sizes from a few bytes to a few hundred kilobytes, as the runner writes.
        let body = format!("{key} {}", "x".repeat(n % 5 * 50_000));
        let written = s3
            .put_object()
            .bucket(BUCKET)
            .key(&key)
            .body(body.clone().into_bytes().into())
            .send()
            .await;
        if written.is_ok() {
            acknowledged.insert(key, body);
        }
        n += 1;
    }
    acknowledged
}

/// The runner tests kill the server in the middle of writes and read what it acknowledged as soon
/// as it is back. SeaweedFS's gateway can answer seconds before its volume server has registered
/// again, and reads then fail with a 500, so `restart` must wait for more than the gateway.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_a_killed_server_acknowledged_can_be_read_as_soon_as_it_is_back() {
    let mut server = tokio::task::spawn_blocking(S3Server::start)
        .await
        .unwrap()
        .expect("SeaweedFS starts (run `cargo xtask tools` first)");
    let s3 = impatient_client(&server);
    s3.create_bucket().bucket(BUCKET).send().await.unwrap();

    let mut acknowledged = BTreeMap::new();
    for round in 0..OUTAGES {
        let outage = Arc::new(AtomicBool::new(false));
        let writers: Vec<_> = (0..WRITERS)
            .map(|writer| {
                let prefix = format!("{round}/{writer}");
                tokio::spawn(write_until(outage.clone(), s3.clone(), prefix))
            })
            .collect();
        // On a loaded machine the restarted server may take longer than the writers' first
        // attempts: stop it only once it has taken a write again, then give the writers time.
        let mut ready = false;
        for _ in 0..120 {
            let probe = s3
                .put_object()
                .bucket(BUCKET)
                .key(format!("{round}/ready"))
                .body(Vec::new().into())
                .send()
                .await;
            if probe.is_ok() {
                ready = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        assert!(ready, "round {round}: the server took no write in 30 s");
        tokio::time::sleep(Duration::from_millis(500)).await;
        server.stop();
        outage.store(true, Ordering::Relaxed);
        let before = acknowledged.len();
        for writer in writers {
            acknowledged.extend(writer.await.unwrap());
        }
        assert!(
            acknowledged.len() > before,
            "round {round}: no write succeeded before the outage"
        );

        server = tokio::task::spawn_blocking(move || server.restart().map(|()| server))
            .await
            .unwrap()
            .expect("SeaweedFS restarts");
        for (key, body) in &acknowledged {
            let object = s3
                .get_object()
                .bucket(BUCKET)
                .key(key)
                .send()
                .await
                .unwrap_or_else(|err| panic!("round {round}: reading {key} when back: {err:?}"));
            let read = object.body.collect().await.unwrap().into_bytes();
            assert_eq!(read.as_ref(), body.as_bytes(), "round {round}: {key}");
        }
    }
}

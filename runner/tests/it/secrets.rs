//! The Tines API key from AWS Secrets Manager (`TINES_API_KEY_SECRET_ARN`), served by moto,
//! while S3 is SeaweedFS: one endpoint per service through `AWS_ENDPOINT_URL_S3` and
//! `AWS_ENDPOINT_URL_SECRETS_MANAGER`, which the AWS SDK reads on its own.

use tinesaudit_testkit::AwsEmulator;

use crate::support::{World, assert_exactly_once};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_key_comes_from_a_secrets_manager_secret() {
    let world = World::start().await;
    world.seed(321, 3_000, 60).await;
    let moto = tokio::task::spawn_blocking(AwsEmulator::start)
        .await
        .unwrap()
        .expect("moto starts (run `cargo xtask tools` first)");
    let secrets = aws_sdk_secretsmanager::Client::new(&moto.sdk_config());
    let created = secrets
        .create_secret()
        .name("tinesaudit/tines-api-key")
        .secret_string(format!("{}\n", world.key))
        .send()
        .await
        .unwrap();
    let arn = created.arn().unwrap().to_owned();
    assert!(arn.starts_with("arn:aws:secretsmanager:"), "{arn}");

    let endpoints = |arn: &str| {
        let mut command = world.runner(&[
            ("TINES_API_KEY_SECRET_ARN", arn),
            ("AWS_ENDPOINT_URL_S3", world.s3_server.endpoint_url()),
            ("AWS_ENDPOINT_URL_SECRETS_MANAGER", moto.endpoint_url()),
            ("LOG_LEVEL", "debug"),
        ]);
        command
            .env_remove("TINES_API_KEY")
            .env_remove("AWS_ENDPOINT_URL")
            .arg("sync");
        command
    };

    let output = endpoints(&arn).output().await.unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    let summary: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(summary["outcome"], "completed", "{stdout}");
    assert_eq!(summary["records"], 321);
    for text in [&stdout, &stderr] {
        assert!(!text.contains(&world.key), "the key never shows");
    }
    assert_exactly_once(&world.delivered_lines().await, &world.tines_records().await);

    // A secret that is not there: refused before any work, naming the secret.
    let missing = format!("{}-gone", arn.rsplit_once('-').unwrap().0);
    let output = endpoints(&missing).output().await.unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("Secrets Manager") && stderr.contains(&missing),
        "{stderr}"
    );
}

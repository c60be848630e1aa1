//! What the simulator cannot show: a short `Retry-After` honoured to the second, and the exact
//! request headers. A scripted server on loopback answers one connection per response.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tines_client::{Client, Config, RateLimits};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::harness::{OWNER_KEY, fast_retry};

type Seen = Arc<Mutex<Vec<(Instant, String)>>>;

/// Serves the responses in order, recording each request head and when it arrived.
async fn scripted(responses: Vec<String>) -> (String, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen: Seen = Arc::default();
    let log = Arc::clone(&seen);
    tokio::spawn(async move {
        for response in responses {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut head = Vec::new();
            let mut buffer = [0u8; 1024];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                let read = socket.read(&mut buffer).await.unwrap();
                if read == 0 {
                    break;
                }
                head.extend_from_slice(&buffer[..read]);
            }
            let head = String::from_utf8_lossy(&head).into_owned();
            log.lock().unwrap().push((Instant::now(), head));
            socket.write_all(response.as_bytes()).await.unwrap();
            socket.shutdown().await.ok();
        }
    });
    (url, seen)
}

fn response(status: &str, headers: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\nConnection: close\r\nContent-Type: application/json\r\n{headers}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

const INFO: &str = r#"{"stack":{"name":"stub","type":"test","region":"local","egress_ips":[]}}"#;

#[tokio::test]
async fn a_short_retry_after_is_waited_out_then_the_request_succeeds() {
    let (url, seen) = scripted(vec![
        response(
            "429 Too Many Requests",
            "Retry-After: 1\r\n",
            r#"{"errors":[{"message":"Rate limit exceeded"}]}"#,
        ),
        response("200 OK", "", INFO),
    ])
    .await;
    let info = client_for(url).info().await.unwrap();
    assert_eq!(info.stack.name.as_deref(), Some("stub"));
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    let waited = seen[1].0 - seen[0].0;
    assert!(
        waited >= Duration::from_secs(1) && waited < Duration::from_secs(3),
        "waited {waited:?}, not the 1 s asked for"
    );
}

#[tokio::test]
async fn requests_carry_bearer_auth_json_accept_and_the_user_agent() {
    let (url, seen) = scripted(vec![response("200 OK", "", INFO)]).await;
    let client = Client::new(Config::new(url, OWNER_KEY)).unwrap();
    client.info().await.unwrap();
    let seen = seen.lock().unwrap();
    let head = seen[0].1.to_ascii_lowercase();
    assert!(head.starts_with("get /api/v1/info http/1.1\r\n"), "{head}");
    assert!(
        head.contains(&format!(
            "\r\nauthorization: bearer {}\r\n",
            OWNER_KEY.to_ascii_lowercase()
        )),
        "{head}"
    );
    assert!(head.contains("\r\naccept: application/json\r\n"), "{head}");
    let agent = format!(
        "\r\nuser-agent: tinesaudit/{}\r\n",
        env!("CARGO_PKG_VERSION")
    );
    assert!(head.contains(&agent), "{head}");
}

#[tokio::test]
async fn a_redirect_is_not_followed() {
    let (url, seen) = scripted(vec![response(
        "301 Moved Permanently",
        "Location: https://elsewhere.example/api/v1/info\r\n",
        "",
    )])
    .await;
    let client = Client::new(Config::new(url, OWNER_KEY).retry(fast_retry())).unwrap();
    let error = client.info().await.unwrap_err();
    assert!(error.is_invalid_response(), "{error}");
    assert_eq!(error.status(), Some(301));
    assert_eq!(error.attempts(), 1);
    assert_eq!(seen.lock().unwrap().len(), 1);
}

fn client_for(url: String) -> Client {
    Client::new(
        Config::new(url, OWNER_KEY)
            .retry(fast_retry())
            .rate_limits(RateLimits::unlimited()),
    )
    .unwrap()
}

#[tokio::test]
async fn an_absurd_retry_after_fails_at_once_and_an_unreadable_one_means_backoff() {
    let (url, _) = scripted(vec![response(
        "429 Too Many Requests",
        "Retry-After: 99999999999999999999\r\n",
        "",
    )])
    .await;
    let error = client_for(url).info().await.unwrap_err();
    assert!(error.is_rate_limited(), "{error}");
    assert_eq!(error.attempts(), 1);
    assert_eq!(
        error.message(),
        "Too Many Requests",
        "an empty body gives the reason"
    );

    let (url, seen) = scripted(vec![
        response(
            "503 Service Unavailable",
            "Retry-After: soon\r\n",
            "upstream down",
        ),
        response("200 OK", "", INFO),
    ])
    .await;
    client_for(url).info().await.unwrap();
    assert_eq!(seen.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn a_refused_connection_is_retried_even_for_a_post() {
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let error = client_for(url)
        .create_user(&tines_client::NewUser::new("x@example.com"))
        .await
        .unwrap_err();
    assert!(error.is_transport() && !error.is_timeout(), "{error}");
    assert_eq!(
        error.attempts(),
        4,
        "nothing was sent, so a POST may be sent again"
    );
    assert!(error.to_string().contains("could not connect"), "{error}");
}

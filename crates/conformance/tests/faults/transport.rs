//! A server that behaves as uvicorn does after an unhandled exception: it answers 500 without
//! `Connection: close`, then closes the kept-alive connection when the next request arrives
//! on it. A browser sends an idempotent request once more on a new connection; the harness
//! must too (and say so), and must never send a POST twice.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use accord_conformance::contract::Contract;
use accord_conformance::http::{Body, Http, Request};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Reads one request head (and a body of its `Content-Length`); `None` at end of stream.
pub async fn read_request(socket: &mut tokio::net::TcpStream) -> Option<String> {
    read_request_and_body(socket).await.map(|(head, _)| head)
}

/// [`read_request`], with the body.
pub async fn read_request_and_body(
    socket: &mut tokio::net::TcpStream,
) -> Option<(String, Vec<u8>)> {
    let mut buffer = Vec::new();
    let mut byte = [0u8; 1];
    while !buffer.ends_with(b"\r\n\r\n") {
        match socket.read(&mut byte).await {
            Ok(1) => buffer.push(byte[0]),
            _ => return None,
        }
    }
    let head = String::from_utf8_lossy(&buffer).into_owned();
    let length = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
        })
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    socket.read_exact(&mut body).await.ok()?;
    Some((head, body))
}

/// The server; counts the requests that reached it, per method.
async fn closing_after_500() -> (String, Arc<AtomicU32>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let posts = Arc::new(AtomicU32::new(0));
    let counted = posts.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let posts = counted.clone();
            tokio::spawn(async move {
                let mut crashed = false;
                while let Some(head) = read_request(&mut socket).await {
                    if head.starts_with("POST") {
                        posts.fetch_add(1, Ordering::SeqCst);
                    }
                    if crashed {
                        // The kept-alive connection is closed under the next request.
                        return;
                    }
                    let (status, body) = if head.starts_with("GET /crash") {
                        crashed = true;
                        ("500 Internal Server Error", "Internal Server Error")
                    } else {
                        ("200 OK", "{}")
                    };
                    let answer = format!(
                        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if socket.write_all(answer.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (format!("http://{address}"), posts)
}

fn http(base: &str) -> Http {
    let spec = accord_spec::Spec::parse(
        r#"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}}"#,
        "t.json",
    )
    .unwrap();
    Http::new(base, Arc::new(Contract::new(spec)), Duration::from_secs(3)).unwrap()
}

#[tokio::test]
async fn a_get_on_a_connection_closed_after_a_500_is_sent_again_once() {
    let (base, _) = closing_after_500().await;
    let http = http(&base);
    assert_eq!(
        http.send(Request::new("GET", "/crash"))
            .await
            .unwrap()
            .status,
        500
    );
    let after = http.send(Request::new("GET", "/items")).await;
    assert_eq!(after.map(|e| e.status), Ok(200));
    let notes = http.notes();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("GET /items was sent again on a new connection")),
        "{notes:?}"
    );
}

/// After a burst of 500s, every pooled connection may be dead: the second try goes on a
/// connection of its own, not on the next pooled one.
#[tokio::test]
async fn a_get_sent_again_after_a_burst_of_500s_reaches_the_backend() {
    let (base, _) = closing_after_500().await;
    let http = http(&base);
    let crashes =
        futures_util::future::join_all((0..4).map(|_| http.send(Request::new("GET", "/crash"))))
            .await;
    assert!(
        crashes
            .iter()
            .all(|c| c.as_ref().is_ok_and(|e| e.status == 500))
    );
    for _ in 0..3 {
        let after = http.send(Request::new("GET", "/items")).await;
        assert_eq!(after.map(|e| e.status), Ok(200), "{:?}", http.notes());
    }
}

#[tokio::test]
async fn after_a_500_a_post_goes_on_a_fresh_connection_once() {
    let (base, posts) = closing_after_500().await;
    let http = http(&base);
    assert_eq!(
        http.send(Request::new("GET", "/crash"))
            .await
            .unwrap()
            .status,
        500
    );
    let request = Request::new("POST", "/items").body(Body::Json(serde_json::json!({"a": 1})));
    let answer = http.send(request).await;
    assert_eq!(answer.map(|e| e.status), Ok(200));
    assert_eq!(posts.load(Ordering::SeqCst), 1, "the POST was sent twice");
    assert!(
        http.notes().iter().all(|n| !n.contains("POST")),
        "a POST is never sent again: {:?}",
        http.notes()
    );
}

#[tokio::test]
async fn a_backend_that_closes_under_a_post_is_a_transport_failure() {
    // Closes every connection without answering: nothing to retry, and a POST never twice.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let posts = Arc::new(AtomicU32::new(0));
    let counted = posts.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            if let Some(head) = read_request(&mut socket).await
                && head.starts_with("POST")
            {
                counted.fetch_add(1, Ordering::SeqCst);
            }
        }
    });
    let http = http(&format!("http://{address}"));
    let request = Request::new("POST", "/items").body(Body::Json(serde_json::json!({"a": 1})));
    let error = http.send(request).await.unwrap_err();
    assert!(error.starts_with("transport: "), "{error}");
    assert_eq!(posts.load(Ordering::SeqCst), 1, "the POST was sent twice");
}

/// A backend that takes every connection and closes it unanswered: the scenarios that sign in
/// fail as `transport` (the backend did not answer), never as `setup` (the harness could not
/// do what the profile says), which would send the user to their profile for nothing.
#[tokio::test]
async fn a_sign_in_the_backend_never_answers_is_a_transport_failure() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let _ = read_request(&mut socket).await;
        }
    });
    let run = crate::harness(format!("http://{address}"), Some("@refresh")).await;
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    let failed: Vec<&serde_json::Value> = run.results["scenarios"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["verdict"] == "failed")
        .collect();
    assert!(!failed.is_empty(), "{}", run.stdout);
    for s in &failed {
        assert_eq!(s["rule"], "transport", "{s}");
        assert!(
            s["detail"]
                .as_str()
                .is_some_and(|d| d.contains("did not answer")),
            "{s}"
        );
    }
}

/// A host other than the backend (the storage a presigned upload goes to) refusing its
/// connection says nothing of the backend's life; the backend itself refusing one after it
/// answered is its going down.
#[tokio::test]
async fn only_the_backend_refusing_connections_is_its_going_down() {
    let (base, _) = closing_after_500().await;
    let http = http(&base);
    assert_eq!(
        http.send(Request::new("GET", "/items"))
            .await
            .unwrap()
            .status,
        200
    );
    // A port nothing listens on: bound, then let go.
    let gone = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let storage = format!("http://{}/bucket", gone.local_addr().unwrap());
    drop(gone);
    assert!(
        http.send(Request::new("POST", storage.clone()))
            .await
            .is_err()
    );
    assert_eq!(http.went_down(), None);
    // The backend's own address, refused after it answered.
    let dead = http_on_refused_backend().await;
    assert!(dead.went_down().is_some(), "{:?}", dead.notes());
}

/// An `Http` whose backend answered once, then stopped listening, and was asked again.
async fn http_on_refused_backend() -> Http {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        read_request(&mut socket).await;
        let _ = socket
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}")
            .await;
    });
    let http = http(&format!("http://{address}"));
    assert_eq!(
        http.send(Request::new("GET", "/items"))
            .await
            .unwrap()
            .status,
        200
    );
    server.await.unwrap();
    assert!(http.send(Request::new("GET", "/items")).await.is_err());
    http
}

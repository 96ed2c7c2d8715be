//! The client takes and returns the shared model types of `api-types`, not copies of its own.

use api_client::Client;
use api_types::{NewItem, Problem};

#[tokio::test]
async fn client_sends_shared_types_and_decodes_errors_into_the_shared_problem() {
    // A server that answers with a 422 problem document, on loopback.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = vec![0u8; 8192];
        let n = socket.read(&mut request).await.unwrap();
        let body = r#"{"type":"about:blank","title":"Unprocessable Entity","status":422,"code":"validation_failed","errors":[{"field":"/name","message":"too long","code":"max_length"}],"request_id":"r-1"}"#;
        let response = format!(
            "HTTP/1.1 422 Unprocessable Entity\r\ncontent-type: application/problem+json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        socket.write_all(response.as_bytes()).await.unwrap();
        String::from_utf8_lossy(&request[..n]).into_owned()
    });

    let client = Client::new(&format!("http://{address}"));
    let item: NewItem = serde_json::from_value(serde_json::json!({"name": "lamp"})).unwrap();
    let error = client
        .create_item(&item)
        .await
        .expect_err("the server answers 422");
    let problem: &Problem = match &error {
        api_client::Error::ErrorResponse(response) => response,
        other => panic!("expected a typed error response, got {other:?}"),
    };
    assert_eq!(
        (problem.status, problem.code.as_str()),
        (422, "validation_failed")
    );
    assert_eq!(problem.errors[0].field, "/name");
    assert_eq!(problem.request_id.as_deref(), Some("r-1"));

    let request = server.await.unwrap();
    assert!(request.starts_with("POST /api/v1/items "), "{request}");
    assert!(request.contains(r#"{"name":"lamp"}"#), "{request}");
}

//! A WebSocket server beside the wiremock backend, sharing its tokens and item events:
//! correct, or broken in one way (a fault of `Fault::Ws*`).

use axum::extract::ws::{Message, WebSocketUpgrade};
use axum::extract::{FromRequestParts, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::mock::{Fault, Mock};

const ALLOWED_ORIGIN: &str = "http://localhost:5173";

/// Serves the WebSocket on loopback; returns its `ws://` URL. Stops with the test's runtime.
pub async fn serve(mock: Mock) -> String {
    let app = axum::Router::new().route(
        "/ws",
        axum::routing::get(move |request: Request| handshake(mock.clone(), request)),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("ws://{address}/ws")
}

async fn handshake(mock: Mock, request: Request) -> Response {
    let fault = mock.fault;
    let origin = request
        .headers()
        .get("origin")
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    if origin.is_some_and(|o| o != ALLOWED_ORIGIN) && fault != Fault::WsForeignOriginAccepted {
        return StatusCode::FORBIDDEN.into_response();
    }
    let subprotocol = request
        .headers()
        .get("sec-websocket-protocol")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("access_token, "))
        .map(String::from);
    let token = if fault == Fault::WsSubprotocolOnly {
        subprotocol
    } else {
        request
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(String::from)
            .or_else(|| {
                request.uri().query().and_then(|q| {
                    url::form_urlencoded::parse(q.as_bytes())
                        .find(|(k, _)| k == "token")
                        .map(|(_, v)| v.into_owned())
                })
            })
    };
    let user = match token.as_deref().map(|t| mock.user_of(t)) {
        None if fault == Fault::WsNoTokenAccepted => "anyone".to_string(),
        Some(Err(())) if fault == Fault::WsExpiredAccepted => "expired".to_string(),
        Some(Ok(Some(user))) => user,
        _ => return StatusCode::UNAUTHORIZED.into_response(),
    };
    let (mut parts, _) = request.into_parts();
    let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection.into_response(),
    };
    let upgrade = if fault == Fault::WsSubprotocolOnly {
        upgrade.protocols(["access_token"])
    } else {
        upgrade
    };
    let mut events = mock.subscribe();
    upgrade.on_upgrade(move |mut socket| async move {
        while let Ok((owner, item)) = events.recv().await {
            if owner != user {
                continue;
            }
            let event = serde_json::json!({"type": "item.created", "item_id": item, "at": "2024-01-01T00:00:00Z"});
            if socket.send(Message::Text(event.to_string().into())).await.is_err() {
                return;
            }
        }
    })
}

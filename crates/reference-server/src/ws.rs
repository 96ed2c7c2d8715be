//! The WebSocket of `x-accord-websocket`: `GET /ws`, authenticated at the handshake.
//!
//! The access token comes in `Authorization: Bearer` or, for browsers, the `token` query
//! parameter. A missing or refused token is a 401 and an `Origin` outside the CORS allow-list
//! a 403 (cross-site WebSocket hijacking), both before the upgrade, in the problem envelope.
//! A connection then gets the user's item events and a heartbeat, and is closed with 4401
//! when its token expires. The query (and so the token) is never logged: the log line names
//! the route only.

use std::sync::Arc;
use std::time::Duration;

use api_server::rt::{self, axum};
use api_types::{ServerEvent, ServerEventType};
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

use crate::api::{Backend, problem_at, problem_response};
use crate::request_id::RequestId;

/// The path of the WebSocket, as the contract's `x-accord-websocket.path` says.
pub const PATH: &str = "/ws";
/// The close code of a connection whose access token expired.
pub const CLOSE_EXPIRED: u16 = 4401;

fn refuse(request: &Request, status: u16, code: &str, detail: &str) -> Response {
    let request_id = request.extensions().get::<RequestId>().map(|r| r.0.clone());
    let problem = problem_at(status, code, detail, Some(PATH), request_id);
    let mut response = problem_response(&problem);
    if status == 401 {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer error=\"invalid_token\""),
        );
    }
    response
}

/// The token of a handshake: the bearer header first, then the `token` query parameter.
fn token_of(request: &Request) -> Option<String> {
    if let Some(value) = request.headers().get(header::AUTHORIZATION) {
        let value = value.to_str().ok()?;
        let (kind, token) = value.split_once(' ')?;
        return kind
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim().to_string())
            .filter(|t| !t.is_empty());
    }
    let query = request.uri().query()?;
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned())
        .filter(|t| !t.is_empty())
}

/// `GET /ws`.
pub async fn handshake(State(backend): State<Arc<Backend>>, request: Request) -> Response {
    let mut response = answer(backend, request).await;
    response.extensions_mut().insert(rt::Served {
        operation_id: "websocket",
        route: PATH,
    });
    response
}

async fn answer(backend: Arc<Backend>, request: Request) -> Response {
    if let Some(origin) = request.headers().get(header::ORIGIN) {
        let allowed = origin
            .to_str()
            .is_ok_and(|o| backend.config.cors_origins.iter().any(|a| a == o));
        if !allowed {
            return refuse(
                &request,
                403,
                "origin_refused",
                "WebSocket connections are only accepted from allowed origins",
            );
        }
    }
    let Some(token) = token_of(&request) else {
        return refuse(
            &request,
            401,
            "unauthorized",
            "An access token is required, in Authorization or the token query parameter",
        );
    };
    let (user, expires_at) = match backend.keys.verify_until(&token) {
        Ok(verified) => verified,
        Err(reason) => {
            tracing::debug!(%reason, "a WebSocket token was refused");
            return refuse(
                &request,
                401,
                "unauthorized",
                "The access token is invalid or expired",
            );
        }
    };
    let (mut parts, _) = request.into_parts();
    let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection.into_response(),
    };
    let heartbeat = backend.config.ws_heartbeat;
    upgrade.on_upgrade(move |socket| serve(socket, backend, user, expires_at, heartbeat))
}

async fn send_event(socket: &mut WebSocket, event: &ServerEvent) -> bool {
    match serde_json::to_string(event) {
        Ok(text) => socket.send(Message::Text(text.into())).await.is_ok(),
        Err(_) => false,
    }
}

async fn serve(
    mut socket: WebSocket,
    backend: Arc<Backend>,
    user: Uuid,
    expires_at: i64,
    heartbeat: Duration,
) {
    let mut events = backend.events.subscribe();
    let mut beat = tokio::time::interval(heartbeat);
    beat.tick().await;
    let left = (expires_at - chrono::Utc::now().timestamp()).max(0) as u64;
    let expiry = tokio::time::sleep(Duration::from_secs(left));
    tokio::pin!(expiry);
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Ok((owner, event)) if owner == user => {
                    if !send_event(&mut socket, &event).await {
                        return;
                    }
                }
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return,
            },
            _ = beat.tick() => {
                let event = ServerEvent {
                    type_: ServerEventType::Heartbeat,
                    item_id: None,
                    at: chrono::Utc::now(),
                };
                if !send_event(&mut socket, &event).await {
                    return;
                }
            }
            _ = &mut expiry => {
                let _ = socket
                    .send(Message::Close(Some(CloseFrame {
                        code: CLOSE_EXPIRED,
                        reason: "the access token expired".into(),
                    })))
                    .await;
                return;
            }
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                // Pings are answered by the protocol layer; anything else is ignored.
                Some(Ok(_)) => {}
            },
        }
    }
}

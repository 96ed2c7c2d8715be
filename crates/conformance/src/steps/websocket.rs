//! WebSocket authentication: the handshake of the spec's WebSocket (`x-accord-websocket`)
//! refuses missing, forged, expired tokens and refused origins; a valid token connects, in
//! the header or the query, and an event follows a write through the REST API.

use std::time::Duration;

use cucumber::{then, when};
use futures_util::StreamExt as _;
use tokio_tungstenite::tungstenite::{self, client::IntoClientRequest as _};

use super::AccordWorld;
use super::auth::Credentials;
use crate::context::Identity;
use crate::rules::{Failure, Outcome, Rule};

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// How a handshake ended.
pub enum Opened {
    /// The server answered the handshake with this status (and body).
    Refused(u16, String),
    /// Upgraded, then closed at once with this code (a refusal after the upgrade).
    Closed(u16),
    /// Upgraded and open.
    Open(Box<Socket>),
}

impl std::fmt::Debug for Opened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Opened::Refused(status, _) => write!(f, "refused with {status}"),
            Opened::Closed(code) => write!(f, "closed with {code}"),
            Opened::Open(_) => f.write_str("open"),
        }
    }
}

/// Where the token goes.
enum Token<'a> {
    None,
    Header(&'a str),
    /// Where a browser puts it: the query, or the `Sec-WebSocket-Protocol` header, as the
    /// profile says.
    Browser(&'a str),
}

/// Opens the WebSocket with `token`, from `origin`; a connection that is upgraded and then
/// closed within a second counts as refused with its close code.
async fn open(w: &AccordWorld, token: Token<'_>, origin: Option<&str>) -> Result<Opened, Failure> {
    let (path, query) = w.ctx.websocket().ok_or_else(|| {
        Failure::setup("neither the spec (x-accord-websocket), an AsyncAPI document beside it (websocket.asyncapi) nor websocket.path names the WebSocket")
    })?;
    // The path on the backend (ws:// for http, wss:// for https), or a WebSocket of its own
    // (`wss://realtime.example/ws`).
    let mut url = if path.starts_with("ws://") || path.starts_with("wss://") {
        path
    } else {
        let base = w.ctx.http.base.trim_end_matches('/');
        match base.split_once("://") {
            Some(("http", rest)) => format!("ws://{rest}{path}"),
            Some(("https", rest)) => format!("wss://{rest}{path}"),
            _ => return Err(Failure::setup(format!("{base} is not an http(s) URL"))),
        }
    };
    let settings = w.ctx.profile.websocket.clone();
    let subprotocol = settings
        .as_ref()
        .is_some_and(|s| s.token == Some(crate::profile::WsToken::Subprotocol));
    if let (Token::Browser(t), false) = (&token, subprotocol) {
        let separator = if url.contains('?') { '&' } else { '?' };
        url = format!(
            "{url}{separator}{}={}",
            crate::http::urlencode(&query),
            crate::http::urlencode(t)
        );
    }
    let mut request = url
        .as_str()
        .into_client_request()
        .map_err(|e| Failure::setup(format!("{}: {e}", crate::http::redact_url(&url))))?;
    let headers = request.headers_mut();
    match token {
        Token::Header(t) => {
            let value = format!("Bearer {t}")
                .parse()
                .map_err(|_| Failure::setup("the token cannot be a header"))?;
            headers.insert("authorization", value);
        }
        Token::Browser(t) if subprotocol => {
            let protocols = match settings.as_ref().and_then(|s| s.subprotocol.as_ref()) {
                Some(name) => format!("{name}, {t}"),
                None => t.to_string(),
            };
            let value = protocols
                .parse()
                .map_err(|_| Failure::setup("the token cannot be a subprotocol"))?;
            headers.insert("sec-websocket-protocol", value);
        }
        _ => {}
    }
    if let Some(origin) = origin
        && let Ok(value) = origin.parse()
    {
        headers.insert("origin", value);
    }
    let connected = tokio::time::timeout(
        Duration::from_secs(10),
        tokio_tungstenite::connect_async(request),
    )
    .await
    .map_err(|_| Failure::setup("the WebSocket handshake timed out"))?;
    match connected {
        Err(tungstenite::Error::Http(response)) => {
            let body = response
                .body()
                .as_ref()
                .map(|b| crate::http::redact_text(&String::from_utf8_lossy(b)))
                .unwrap_or_default();
            Ok(Opened::Refused(response.status().as_u16(), body))
        }
        Err(e) => Err(Failure::setup(format!(
            "the WebSocket handshake failed: {e}"
        ))),
        Ok((mut socket, _)) => {
            match tokio::time::timeout(Duration::from_secs(1), socket.next()).await {
                Ok(Some(Ok(tungstenite::Message::Close(frame)))) => {
                    Ok(Opened::Closed(frame.map_or(1005, |f| u16::from(f.code))))
                }
                Ok(None) | Ok(Some(Err(_))) => Ok(Opened::Closed(1006)),
                _ => Ok(Opened::Open(Box::new(socket))),
            }
        }
    }
}

#[when(expr = "the WebSocket is opened with {credentials}")]
async fn open_with(w: &mut AccordWorld, credentials: Credentials) -> Outcome {
    let outcome = open_with_checked(w, credentials).await;
    w.keep(&outcome);
    outcome
}

async fn open_with_checked(w: &mut AccordWorld, credentials: Credentials) -> Outcome {
    let token = match credentials {
        Credentials::None => None,
        Credentials::Forged(kind) => match crate::steps::auth::forged(w, kind).await? {
            Some(token) => Some(token),
            None => return Ok(()),
        },
    };
    let opened = match &token {
        Some(t) => open(w, Token::Browser(t), None).await?,
        None => open(w, Token::None, None).await?,
    };
    w.socket = Some(opened);
    w.expect = Some(Rule::WsRefused);
    Ok(())
}

#[when("the WebSocket is opened with an expired token")]
async fn open_expired(w: &mut AccordWorld) -> Outcome {
    let outcome = open_expired_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn open_expired_checked(w: &mut AccordWorld) -> Outcome {
    match w.ctx.expired_token().await {
        Ok(token) => {
            w.socket = Some(open(w, Token::Browser(&token), None).await?);
            w.expect = Some(Rule::WsExpired);
        }
        Err(reason) => w.skip = Some(reason.to_string()),
    }
    Ok(())
}

#[when("the WebSocket is opened with the user's token from a refused origin")]
async fn open_refused_origin(w: &mut AccordWorld) -> Outcome {
    let outcome = open_refused_origin_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn open_refused_origin_checked(w: &mut AccordWorld) -> Outcome {
    let token = w.access()?;
    let origin = w.ctx.refused_origin();
    w.socket = Some(open(w, Token::Browser(&token), Some(&origin)).await?);
    w.expect = Some(Rule::WsOrigin);
    Ok(())
}

fn judge_refused(w: &mut AccordWorld, what: &str) -> Outcome {
    if w.skip.is_some() {
        return Ok(());
    }
    let rule = w.expect.unwrap_or(Rule::WsRefused);
    match w.socket.take() {
        Some(Opened::Refused(status, _)) if (400..500).contains(&status) => Ok(()),
        Some(Opened::Refused(status, body)) => Err(Failure::new(
            rule,
            format!("the handshake {what} answered {status}, not a 4xx: {body}"),
        )),
        Some(Opened::Closed(code)) if code >= 4000 || code == 1008 => Ok(()),
        Some(Opened::Closed(code)) => Err(Failure::new(
            rule,
            format!(
                "the handshake {what} was upgraded, then closed with {code} (not a documented refusal)"
            ),
        )),
        Some(Opened::Open(_)) => Err(Failure::new(
            rule,
            format!("the handshake {what} was accepted and the connection stays open"),
        )),
        None => Err(Failure::setup("no handshake was made")),
    }
}

#[then("the handshake is refused")]
async fn refused(w: &mut AccordWorld) -> Outcome {
    let outcome = refused_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn refused_checked(w: &mut AccordWorld) -> Outcome {
    judge_refused(w, "without a valid token")
}

#[then("the handshake is refused as expired")]
async fn refused_expired(w: &mut AccordWorld) -> Outcome {
    let outcome = refused_expired_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn refused_expired_checked(w: &mut AccordWorld) -> Outcome {
    judge_refused(w, "with an expired token")
}

#[then("the handshake is refused for its origin")]
async fn refused_origin(w: &mut AccordWorld) -> Outcome {
    let outcome = refused_origin_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn refused_origin_checked(w: &mut AccordWorld) -> Outcome {
    judge_refused(w, "from a refused origin")
}

#[when("the WebSocket is opened with the user's token in the header")]
async fn open_header(w: &mut AccordWorld) -> Outcome {
    let outcome = open_header_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn open_header_checked(w: &mut AccordWorld) -> Outcome {
    let token = w.access()?;
    if w.ctx.profile.websocket.as_ref().is_some_and(|s| !s.header) {
        // The backend takes the token only where a browser puts it: connect that way.
        let origin = w.ctx.allowed_origin();
        w.socket = Some(open(w, Token::Browser(&token), origin.as_deref()).await?);
        return Ok(());
    }
    w.socket = Some(open(w, Token::Header(&token), None).await?);
    Ok(())
}

#[when("the WebSocket is opened with the user's token in the query")]
async fn open_query(w: &mut AccordWorld) -> Outcome {
    let outcome = open_query_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn open_query_checked(w: &mut AccordWorld) -> Outcome {
    let token = w.access()?;
    let origin = w.ctx.allowed_origin();
    w.socket = Some(open(w, Token::Browser(&token), origin.as_deref()).await?);
    Ok(())
}

#[then("it connects")]
async fn connects(w: &mut AccordWorld) -> Outcome {
    let outcome = connects_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn connects_checked(w: &mut AccordWorld) -> Outcome {
    match &w.socket {
        Some(Opened::Open(_)) => Ok(()),
        Some(other) => Err(Failure::new(
            Rule::WsConnects,
            format!("a valid token's handshake was {other:?}"),
        )),
        None => Err(Failure::setup("no handshake was made")),
    }
}

#[when("the user creates a resource through the REST API")]
async fn create(w: &mut AccordWorld) -> Outcome {
    let outcome = create_checked(w).await;
    w.keep(&outcome);
    outcome
}

/// How many kinds of resource the write before an event makes, one of each.
const KINDS_WRITTEN: usize = 5;

async fn create_checked(w: &mut AccordWorld) -> Outcome {
    let resources = crate::behaviour::resources(&w.ctx);
    // The spec does not say which write the socket tells of (a REST spec has no events):
    // one of each kind the spec creates at the top (up to five), as a user's first session
    // makes them. Each is deleted with the rest of the run's.
    let kinds: Vec<_> = resources
        .iter()
        .filter(|r| !w.ctx.session_operations.contains(&r.create.id) && !r.collection.contains('{'))
        .take(KINDS_WRITTEN)
        .collect();
    if kinds.is_empty() {
        return Err(Failure::setup("the spec has no resource to create"));
    }
    let mut refused = None;
    let mut made = 0;
    for resource in kinds {
        let op = resource.create.clone();
        let inputs = crate::behaviour::example_inputs(&w.ctx, &op);
        let request = crate::behaviour::request(&w.ctx, &op, &inputs);
        let e = crate::behaviour::send_as(&w.ctx, Identity::First, request).await?;
        w.exchanges.push(e.clone());
        if !(200..300).contains(&e.status) {
            refused.get_or_insert((op.id.clone(), e));
            continue;
        }
        made += 1;
        crate::behaviour::remember_created(
            &w.ctx,
            &op,
            &e,
            &resources,
            crate::context::Identity::First,
        );
    }
    match refused {
        Some((id, e)) if made == 0 => {
            Err(Failure::setup(format!("{id} answered {}", e.status)).with(&e))
        }
        _ => Ok(()),
    }
}

#[then("the WebSocket receives an event")]
async fn receives(w: &mut AccordWorld) -> Outcome {
    let outcome = receives_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn receives_checked(w: &mut AccordWorld) -> Outcome {
    let timeout = w
        .ctx
        .profile
        .websocket
        .as_ref()
        .map_or(10, |s| s.event_timeout_secs);
    let Some(Opened::Open(socket)) = w.socket.as_mut() else {
        return Err(Failure::setup("no WebSocket is open"));
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(timeout);
    let heartbeat = |text: &str| {
        serde_json::from_str::<serde_json::Value>(text)
            .ok()
            .and_then(|v| {
                v.get("type")
                    .and_then(|t| t.as_str())
                    .map(|t| t == "heartbeat")
            })
            .unwrap_or(false)
    };
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match tokio::time::timeout(left, socket.next()).await {
            Ok(Some(Ok(tungstenite::Message::Text(text)))) if !heartbeat(&text) => return Ok(()),
            Ok(Some(Ok(tungstenite::Message::Binary(_)))) => return Ok(()),
            Ok(Some(Ok(tungstenite::Message::Close(frame)))) => {
                return Err(Failure::new(
                    Rule::WsEvents,
                    format!("the WebSocket closed ({frame:?}) before any event"),
                ));
            }
            Ok(Some(Ok(_))) => continue,
            Ok(Some(Err(e))) => {
                return Err(Failure::new(
                    Rule::WsEvents,
                    format!("the WebSocket failed: {e}"),
                ));
            }
            Ok(None) | Err(_) => {
                return Err(Failure::new(
                    Rule::WsEvents,
                    format!("no event within {timeout} s of a write through the REST API"),
                ));
            }
        }
    }
}

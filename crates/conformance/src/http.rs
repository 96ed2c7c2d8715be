//! The harness's HTTP: one pooled client, a timeout per request, a cap on response size, no
//! redirects followed but a framework's trailing-slash one on the same backend. Every
//! exchange is checked against the spec and can describe itself for a report with its
//! secrets redacted.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use crate::contract::Contract;
pub use crate::exchange::{
    Exchange, add_secret_name, is_secret_name, redact_header, redact_text, redact_url,
};

/// Responses larger than this are a failure, not a hang or an allocation without end. A
/// backend's own spec is among its answers (NetBox's `GET /api/schema/` is 10 MB).
pub const MAX_RESPONSE_BYTES: usize = 32 * 1024 * 1024;

/// `target` with `name=value` added to its query, both encoded.
pub fn with_query(target: &str, name: &str, value: &str) -> String {
    let separator = if target.contains('?') { '&' } else { '?' };
    format!(
        "{target}{separator}{}={}",
        urlencode(name),
        urlencode(value)
    )
}

/// A request target's path, without its query.
pub fn without_query(target: &str) -> &str {
    target.split('?').next().unwrap_or_default()
}

/// The integers of `value` beyond what a JavaScript number holds exactly (`Number.MAX_SAFE_INTEGER`,
/// 2^53 - 1), each with its pointer (under `at`) and its digits.
fn beyond_javascript(value: &Value, at: String, found: &mut Vec<(String, String)>) {
    const SAFE: u64 = (1 << 53) - 1;
    match value {
        Value::Number(n) => {
            let beyond = n
                .as_u64()
                .map(|u| u > SAFE)
                .or_else(|| n.as_i64().map(|i| i.unsigned_abs() > SAFE));
            if beyond == Some(true) {
                found.push((at, n.to_string()));
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                beyond_javascript(item, format!("{at}/{i}"), found);
            }
        }
        Value::Object(members) => {
            for (k, v) in members {
                beyond_javascript(v, format!("{at}/{}", accord_spec::escape_token(k)), found);
            }
        }
        _ => {}
    }
}

/// The runs of 16 digits or more in `text`: the integers past 2^53 - 1 it may hold.
fn long_digit_runs(text: &str) -> Vec<&str> {
    text.split(|c: char| !c.is_ascii_digit())
        .filter(|run| run.len() >= 16)
        .collect()
}

/// How long the run reads a stream's answer for its first event ([`is_stream_media`]).
pub const STREAM_WINDOW: Duration = Duration::from_secs(1);

/// How much of a stream's answer the run reads at most.
const MAX_STREAM_BYTES: usize = 64 * 1024;

/// Whether `media` (its essence) is a stream that stays open while it has events to send:
/// server-sent events, newline-delimited JSON.
pub fn is_stream_media(media: &str) -> bool {
    matches!(
        media,
        "text/event-stream"
            | "application/x-ndjson"
            | "application/ndjson"
            | "application/jsonl"
            | "application/x-jsonlines"
            | "application/stream+json"
    )
}

pub struct Http {
    client: reqwest::Client,
    /// A client that keeps no connection: once the backend has answered a 5xx (after which
    /// servers such as uvicorn close the kept-alive connection without saying so), requests
    /// that must not be sent twice go on a connection of their own.
    fresh: reqwest::Client,
    server_errors: std::sync::atomic::AtomicBool,
    /// The 503s without `Retry-After` sent again so far ([`Http::send_politely`]).
    busy_retries: std::sync::atomic::AtomicU32,
    /// The operations still answering 503 once sent again: not sent again any more.
    busy_operations: Mutex<std::collections::HashSet<String>>,
    /// The operations whose 503 persists and comes before any credential is looked at
    /// ([`Http::not_offered`]), with what the backend said.
    not_offered: Mutex<std::collections::HashMap<String, String>>,
    pub base: String,
    contract: Arc<Contract>,
    stats: Mutex<BTreeMap<String, u32>>,
    /// The operations that answered a 2xx, each with the members of the first accepted
    /// request's JSON body ([`members`]) and its query's names ([`query_names`]).
    accepted: Mutex<std::collections::BTreeMap<String, Vec<String>>>,
    requests: std::sync::atomic::AtomicU64,
    /// The shape of the ids the backend answers, once an answer showed one ([`IdShape`]).
    id_shape: std::sync::OnceLock<crate::sample::IdShape>,
    /// How the user's token travels, as the spec's security scheme says.
    placement: Placement,
    /// The run mode's gate: what may leave the process.
    gate: Gate,
    /// What the run should know of its own conduct: requests sent again, writes the gate let
    /// through under `--read-only`.
    notes: Mutex<Vec<String>>,
    /// Every exchange's spec violations, one finding per (operation, status, kind).
    pub findings: crate::findings::Findings,
    /// Whether the backend went down under the run, and the requests it left unanswered.
    down: Mutex<Down>,
    /// The POSTs of the run with their distinctive text ([`Posted`]).
    posted: Mutex<Vec<Posted>>,
    /// Whether the backend stopped answering in time under the run ([`Stall`]).
    stall: Mutex<Stall>,
    /// The `ETag` last answered for each path on the backend: what a frontend that read a
    /// resource sends back as `If-Match` with its write ([`Http::send`]).
    etags: Mutex<std::collections::HashMap<String, String>>,
    /// The parameters the run sets to one value wherever an operation declares them
    /// ([`Fixed`]).
    fixed: Vec<Fixed>,
    /// The long runs of digits the run has sent (the boundary pass's 64-bit edges): a number
    /// past 2^53 read back is the run's own, not the backend's id.
    sent_numbers: Mutex<std::collections::HashSet<String>>,
}

/// A parameter the deployment defines, which the run cannot make up (a tenant's header):
/// its value from the profile's `[parameters]`, or a required header's example in the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fixed {
    pub location: String,
    pub name: String,
    pub value: String,
}

/// A backend that stops answering in time: [`STALL_AFTER`] requests in a row got no answer
/// within the request timeout, and neither did a GET of the base URL sent then (one
/// operation that hangs is that operation's; the base URL answering says the rest is up).
/// While it lasts, requests are not sent, but one each [`STALL_PROBE`], which ends it when
/// answered: a run does not pile load on a backend that cannot take it (Prefect's server,
/// its in-memory event queue full, answered nothing for minutes).
#[derive(Debug, Default, Clone)]
struct Stall {
    /// The requests that timed out since the last answer.
    in_a_row: Vec<String>,
    /// Whether a GET of the base URL is being sent to tell a stall from one hanging route.
    probing: bool,
    /// When it stalled; `None` while the backend answers.
    since: Option<std::time::Instant>,
    /// When the last request was let through to see whether it answers again.
    probed: Option<std::time::Instant>,
    /// The requests that timed out in a row when it stalled.
    by: Vec<String>,
    /// The requests not sent while it was stalled.
    skipped: u64,
    /// Whether it answered again after it stalled.
    back: bool,
    /// The last GET the backend answered with a 2xx, credentials and all: sent again with
    /// the base URL to tell a stall from one hanging route. Semaphore's base answers from
    /// memory while every route that reads its database hangs.
    answered_get: Option<Arc<reqwest::Request>>,
    /// The last writes the backend took (a 2xx), with when: what it may still be working
    /// on when it stops answering (Prefect's automation that reacts to every event, its
    /// own too, answered 201 before the server answered nothing). Kept as sent (method,
    /// target, body, status), and redacted and written out only if it stalls.
    taken: std::collections::VecDeque<(std::time::Instant, [String; 3], u16)>,
    /// [`Stall::taken`] when it stalled, each with how long before.
    taken_before: Vec<String>,
}

/// How many of the last writes taken a stall names ([`Stall::taken`]).
const TAKEN_KEPT: usize = 4;

/// How many requests in a row without an answer in time make a stall ([`Stall`]).
const STALL_AFTER: usize = 3;
/// How often a request goes through to a stalled backend to see whether it answers again.
const STALL_PROBE: Duration = Duration::from_secs(15);

/// A POST of the run: what it was sent to, how it was answered, and the distinctive text of
/// its body ([`distinctive_texts`]). A backend that stores what it answers a server error
/// for (Homebox's template, the NestJS Conduit's article), or makes what its answer does not
/// name (Directus's `POST /folders?fields=...`, `{"data": {}}`), lists an item holding that
/// text after the run.
#[derive(Debug, Clone)]
pub struct Posted {
    /// The path it was sent to, without the query.
    pub path: String,
    pub status: u16,
    /// Its distinctive texts, each by its [`text_hash`]: a run keeps those of every POST,
    /// 10,000-character edge values among them.
    pub texts: Vec<u64>,
}

/// What [`Posted::texts`] keeps of a text.
pub fn text_hash(text: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish()
}

/// The strings of a JSON body that no one else's data holds by chance: eight characters or
/// more, not one character repeated (`xxxx...`).
pub fn distinctive_texts(body: &Value) -> Vec<String> {
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::String(s) => {
                let mut chars = s.chars();
                let first = chars.next();
                if s.chars().count() >= 8 && chars.any(|c| Some(c) != first) {
                    out.push(s.clone());
                }
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            Value::Object(members) => members.values().for_each(|m| walk(m, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(body, &mut out);
    out
}

/// What took the backend down: the requests whose connection it closed without an answer,
/// and whether it has refused a connection since, after answering earlier in the run.
#[derive(Debug, Default, Clone)]
struct Down {
    answered: bool,
    /// When each was closed: only those around the first refused connection count.
    unanswered: Vec<(std::time::Instant, String)>,
    /// When the first connection was refused; `None` while up.
    since: Option<std::time::Instant>,
    refused: u64,
    back: bool,
}

/// How long before the first refused connection a connection closed unanswered counts as
/// what took the backend down; and how long after it, since the request whose connection
/// closed may be seen closed only after another's connection was refused.
const SUSPECT_WINDOW: Duration = Duration::from_secs(3);
const SUSPECT_LATE: Duration = Duration::from_secs(1);

/// The words every failure met after the backend went down carries.
pub const WENT_DOWN: &str = "the backend went down under the run";

/// How the backend went down under the run: what [`Http::went_down`] reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WentDown {
    /// The requests whose connection the backend closed without an answer before it
    /// refused connections (method, target and body, redacted); empty where none did.
    pub unanswered: Vec<String>,
    /// The requests of the run refused a connection since.
    pub refused: u64,
    /// Whether it answered again later (restarted by a supervisor).
    pub back: bool,
    /// Whether it stopped answering in time, rather than refusing connections: then
    /// `unanswered` are the requests that timed out in a row, and `refused` the requests
    /// the run did not send while it lasted ([`Stall`]).
    pub stalled: bool,
    /// Where it stalled, the last writes it took before, each with how long before.
    pub taken: Vec<String>,
}

impl WentDown {
    /// One sentence: what took the backend down, as far as the run can tell.
    pub fn describe(&self) -> String {
        if self.stalled {
            return format!(
                "{WENT_DOWN}: it stopped answering in time: {} request(s) in a row got no answer within the request timeout, and neither did a GET of its base URL ({}); the run sent {} request(s) fewer while it lasted{}",
                self.unanswered.len(),
                self.unanswered.join("; "),
                self.refused,
                if self.back {
                    " (it answered again later)"
                } else {
                    ""
                }
            ) + &match self.taken.as_slice() {
                [] => String::new(),
                taken => format!(
                    "; the last writes it took before, whose work it may still have been doing: {}",
                    taken.join("; ")
                ),
            };
        }
        let what = match self.unanswered.as_slice() {
            [] => "it stopped accepting connections (no request's connection was closed unanswered before: it may have been stopped from outside)".to_string(),
            [one] => format!("it closed the connection of {one} without an answer"),
            many => format!(
                "it closed the connections of {} requests without an answer, one of which took it down: {}",
                many.len(),
                many.join("; ")
            ),
        };
        format!(
            "{WENT_DOWN}: {what}, and refused the connections of {} request(s) after it{}",
            self.refused,
            if self.back {
                " (it answered again later: restarted)"
            } else {
                ""
            }
        )
    }
}

/// How a user's token is put on a request: by the security scheme of the spec that carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// `Authorization: Bearer <token>` (http bearer, OAuth2, OpenID Connect).
    Bearer,
    /// `Authorization: Basic <base64 of the token>` (http basic; the token is `user:password`).
    Basic,
    /// A header of this name, the token after `prefix` (`apiKey` in a header; `Token `).
    Header { name: String, prefix: String },
    /// A query parameter of this name (`apiKey` in the query).
    Query { name: String },
    /// A cookie of this name (`apiKey` in a cookie).
    Cookie { name: String },
}

impl Placement {
    /// The challenge scheme a 401 must carry (RFC 6750 for bearer, RFC 7617 for basic), if
    /// the scheme defines one.
    pub fn challenge(&self) -> Option<&'static str> {
        match self {
            Placement::Bearer => Some("Bearer"),
            Placement::Basic => Some("Basic"),
            _ => None,
        }
    }

    /// The word this placement puts before a token (`Bearer `, `Token `), if any.
    pub fn word(&self) -> Option<&str> {
        match self {
            Placement::Bearer => Some("Bearer "),
            Placement::Header { prefix, .. } if !prefix.trim().is_empty() => Some(prefix),
            _ => None,
        }
    }

    /// `token` without the word this placement puts before it, where the sign-in answered
    /// it with that word already (Homebox's `{"token": "Bearer 5EHU..."}`, which its
    /// frontend sends as given): `None` where it has none.
    pub fn bare<'a>(&self, token: &'a str) -> Option<&'a str> {
        let word = self.word()?;
        let head = token.get(..word.len())?;
        let rest = token[word.len()..].trim_start();
        (head.eq_ignore_ascii_case(word) && !rest.is_empty()).then_some(rest)
    }

    /// `request` carrying `token` where this placement says.
    pub fn apply(&self, mut request: Request, token: &str) -> Request {
        match self {
            Placement::Bearer => request.header("authorization", format!("Bearer {token}")),
            Placement::Basic => request.header("authorization", format!("Basic {}", basic(token))),
            Placement::Header { name, prefix } => request.header(name, format!("{prefix}{token}")),
            Placement::Query { name } => {
                request.target = with_query(&request.target, name, token);
                request
            }
            Placement::Cookie { name } => {
                match request.headers.iter_mut().find(|(k, _)| k == "cookie") {
                    Some((_, v)) => *v = format!("{v}; {name}={token}"),
                    None => request = request.header("cookie", format!("{name}={token}")),
                }
                request
            }
        }
    }

    /// How a token travels this way, in words (`as \`Authorization: Bearer\``, `in the
    /// \`Authorization\` header after \`Token\``): the run's first line and its findings.
    pub fn described(&self) -> String {
        match self {
            Placement::Bearer => "as `Authorization: Bearer`".to_string(),
            Placement::Basic => {
                "as `Authorization: Basic`, the token being `user:password`".to_string()
            }
            Placement::Header { name, prefix } if prefix.is_empty() => {
                format!("in the `{name}` header")
            }
            Placement::Header { name, prefix } => {
                format!("in the `{name}` header after `{}`", prefix.trim_end())
            }
            Placement::Query { name } => format!("in the `{name}` query parameter"),
            Placement::Cookie { name } => format!("in the `{name}` cookie"),
        }
    }

    /// The header, parameter or cookie name that holds the secret, for redaction.
    pub fn secret_name(&self) -> Option<&str> {
        match self {
            Placement::Bearer | Placement::Basic => None,
            Placement::Header { name, .. }
            | Placement::Query { name }
            | Placement::Cookie { name } => Some(name),
        }
    }
}

/// What may leave the process. Under `--read-only` only GET, HEAD and OPTIONS, apart from
/// the sign-in operations (each identity signs in once; each such write is noted).
#[derive(Debug, Clone, Default)]
pub struct Gate {
    pub read_only: bool,
    /// (method, path) of the operations a read-only run may still call: the sign-in.
    pub sign_in: Vec<(String, String)>,
}

impl Gate {
    fn allows(&self, method: &str, path: &str) -> Result<bool, String> {
        if !self.read_only || matches!(method, "GET" | "HEAD" | "OPTIONS") {
            return Ok(false);
        }
        let path = path.split('?').next().unwrap_or(path);
        if self
            .sign_in
            .iter()
            .any(|(m, p)| m.eq_ignore_ascii_case(method) && p == path)
        {
            return Ok(true);
        }
        Err(format!(
            "read-only: {method} {} was not sent (--read-only sends only GET, HEAD and OPTIONS, and the sign-in)",
            redact_url(path)
        ))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    None,
    Json(Value),
    Form(Vec<(String, String)>),
    Raw {
        content_type: Option<String>,
        bytes: Vec<u8>,
    },
    Multipart {
        fields: Vec<(String, String)>,
        file_content_type: String,
        file: Vec<u8>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub method: String,
    /// A path on the backend (`/api/v1/items`) or an absolute URL (a storage endpoint).
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Body,
    /// The user's token, put where the spec's security scheme says when the request is sent.
    pub credential: Option<String>,
    /// Housekeeping (the end-of-run cleanup), not under test: its answer is no spec finding.
    pub housekeeping: bool,
    /// Sent without the `If-Match` the run adds to a write that declares one
    /// ([`Http::send`]): the check that the backend requires it.
    pub unconditional: bool,
}

/// The credentials of `Authorization: Basic` for `token`: `user:password` base64-encoded,
/// as the scheme asks; a token that is already so encoded (what `curl -u` sends, which a
/// user may copy) goes as it is, not encoded twice.
fn basic(token: &str) -> String {
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::STANDARD;
    let encoded = !token.contains(':')
        && engine
            .decode(token)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .is_some_and(|pair| pair.contains(':'));
    if encoded {
        token.to_string()
    } else {
        engine.encode(token)
    }
}

/// The names of the query parameters of `url`, each as `?name`, beside a body's
/// [`members`].
pub fn query_names(url: &str) -> Vec<String> {
    let Some((_, query)) = url.split_once('?') else {
        return Vec::new();
    };
    let mut names: Vec<String> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| format!("?{}", pair.split('=').next().unwrap_or_default()))
        .collect();
    names.dedup();
    names
}

/// The members of a JSON body, as pointers, objects' members within objects (not array
/// items'): `{"article": {"title": "x", "tagList": []}}` has `/article`, `/article/tagList`
/// and `/article/title`.
pub fn members(body: &Value) -> Vec<String> {
    fn walk(v: &Value, at: &str, out: &mut Vec<String>) {
        if let Value::Object(map) = v {
            for (k, inner) in map {
                let pointer = format!("{at}/{}", accord_spec::escape_token(k));
                out.push(pointer.clone());
                walk(inner, &pointer, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(body, "", &mut out);
    out
}

impl Request {
    pub fn new(method: &str, target: impl Into<String>) -> Request {
        Request {
            method: method.to_uppercase(),
            target: target.into(),
            headers: Vec::new(),
            body: Body::None,
            credential: None,
            housekeeping: false,
            unconditional: false,
        }
    }
    /// The request without the `If-Match` the run would add ([`Request::unconditional`]).
    pub fn unconditional(mut self) -> Request {
        self.unconditional = true;
        self
    }
    /// The request as housekeeping: sent and answered, but not checked against the spec.
    pub fn housekeeping(mut self) -> Request {
        self.housekeeping = true;
        self
    }
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Request {
        self.headers.push((name.to_ascii_lowercase(), value.into()));
        self
    }
    /// The request carrying the user's `token` (none for `None`), placed as the backend's
    /// security scheme says when it is sent (`Authorization: Bearer` for a bearer scheme,
    /// `Authorization: Token ...` for an `apiKey` one with that prefix, a query parameter...).
    pub fn bearer(mut self, token: Option<&str>) -> Request {
        // An empty token is none: an anonymous run's session has no credential to send.
        self.credential = token.filter(|t| !t.is_empty()).map(String::from);
        self
    }
    pub fn body(mut self, body: Body) -> Request {
        self.body = body;
        self
    }
}

impl Http {
    pub fn new(base: &str, contract: Arc<Contract>, timeout: Duration) -> anyhow::Result<Http> {
        Http::with(base, contract, timeout, Placement::Bearer, Gate::default())
    }

    /// A client placing the user's token as `placement` says, behind `gate`.
    pub fn with(
        base: &str,
        contract: Arc<Contract>,
        timeout: Duration,
        placement: Placement,
        gate: Gate,
    ) -> anyhow::Result<Http> {
        if let Some(name) = placement.secret_name() {
            add_secret_name(name);
        }
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(16)
            .build()?;
        let fresh = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(0)
            .build()?;
        Ok(Http {
            client,
            fresh,
            server_errors: Default::default(),
            busy_retries: Default::default(),
            busy_operations: Default::default(),
            not_offered: Default::default(),
            base: base.trim_end_matches('/').to_string(),
            contract,
            stats: Mutex::new(BTreeMap::new()),
            accepted: Mutex::new(std::collections::BTreeMap::new()),
            id_shape: std::sync::OnceLock::new(),
            requests: Default::default(),
            placement,
            gate,
            notes: Mutex::new(Vec::new()),
            findings: Default::default(),
            down: Mutex::new(Down::default()),
            posted: Mutex::new(Vec::new()),
            stall: Mutex::new(Stall::default()),
            etags: Mutex::new(Default::default()),
            fixed: Vec::new(),
            sent_numbers: Mutex::new(Default::default()),
        })
    }

    /// Whether the backend went down under the run: it had answered, closed a connection
    /// unanswered (the request that crashed it) and then refused connections.
    pub fn went_down(&self) -> Option<WentDown> {
        let down = self.down.lock().ok()?;
        let Some(since) = down.since else {
            let stall = self.stall.lock().ok()?;
            // Stalled at all in the run: the requests that timed out then are kept.
            return (!stall.by.is_empty()).then(|| WentDown {
                unanswered: stall.by.clone(),
                refused: stall.skipped,
                back: stall.back,
                stalled: true,
                taken: stall.taken_before.clone(),
            });
        };
        // The first closed first: the request that took it down closed its connection
        // before the others went with the process.
        let unanswered = down
            .unanswered
            .iter()
            .filter(|(at, _)| {
                since.saturating_duration_since(*at) < SUSPECT_WINDOW
                    && at.saturating_duration_since(since) < SUSPECT_LATE
            })
            .map(|(_, r)| r.clone())
            .take(8)
            .collect();
        Some(WentDown {
            unanswered,
            refused: down.refused,
            back: down.back,
            stalled: false,
            taken: Vec::new(),
        })
    }

    /// Keeps what an exchange says of the backend's life: an answer, a connection closed
    /// unanswered (`unanswered`: the request), or a refused connection.
    fn witness(&self, answered: bool, unanswered: Option<String>, refused: bool) {
        let Ok(mut down) = self.down.lock() else {
            return;
        };
        if answered {
            down.answered = true;
            if down.since.is_some() {
                down.back = true;
            }
            if let Ok(mut stall) = self.stall.lock() {
                stall.in_a_row.clear();
                if stall.since.take().is_some() {
                    stall.back = true;
                }
            }
        }
        let now = std::time::Instant::now();
        if let Some(request) = unanswered
            && down
                .since
                .is_none_or(|since| now.saturating_duration_since(since) < SUSPECT_LATE)
        {
            // A kept-alive connection a server closes as idle is no crash: only the last
            // few seconds' unanswered requests are suspects.
            if down.since.is_none() {
                down.unanswered
                    .retain(|(at, _)| now.duration_since(*at) < SUSPECT_WINDOW);
            }
            down.unanswered.push((now, request));
        }
        if refused && down.answered {
            down.refused += 1;
            if down.since.is_none() {
                down.since = Some(now);
            }
        }
    }

    /// Waits while a GET of the base URL tells a stall from one route that hangs
    /// ([`Http::timed_out`]): what the other lanes would send meanwhile waits past the
    /// timeout too, on a backend that cannot take it.
    async fn await_probe(&self) {
        while self.stall.lock().is_ok_and(|s| s.probing) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Why `url` is not sent, where the backend has stalled ([`Stall`]): `None` for a
    /// request that goes through, one each [`STALL_PROBE`].
    fn stalled_skip(&self, url: &str) -> Option<String> {
        let mut stall = self.stall.lock().ok()?;
        stall.since?;
        if stall.probed.is_none_or(|p| p.elapsed() >= STALL_PROBE) {
            stall.probed = Some(std::time::Instant::now());
            return None;
        }
        stall.skipped += 1;
        Some(format!(
            "{}: not sent: {WENT_DOWN}: it stopped answering in time",
            redact_url(url)
        ))
    }

    /// Keeps a request of the backend's that got no answer in time (`shown`); at the
    /// [`STALL_AFTER`]th in a row, a GET of the base URL tells a stall from one route that
    /// hangs. Whether the backend has stalled.
    async fn timed_out(&self, shown: String) -> bool {
        let probe = {
            let Ok(mut stall) = self.stall.lock() else {
                return false;
            };
            if stall.since.is_some() {
                return true;
            }
            stall.in_a_row.push(shown);
            let answered = self.down.lock().is_ok_and(|d| d.answered);
            let probe = answered && stall.in_a_row.len() >= STALL_AFTER && !stall.probing;
            if probe {
                stall.probing = true;
            }
            probe
        };
        if !probe {
            return false;
        }
        // The base URL, and a read that answered before: a backend whose base answers
        // while its reads hang (its database locked) is stalled all the same.
        let read = self
            .stall
            .lock()
            .ok()
            .and_then(|s| s.answered_get.clone())
            .and_then(|r| r.try_clone());
        let alive = self.client.get(&self.base).send().await.is_ok()
            && match read {
                Some(read) => self.client.execute(read).await.is_ok(),
                None => true,
            };
        let Ok(mut stall) = self.stall.lock() else {
            return false;
        };
        stall.probing = false;
        if alive {
            stall.in_a_row.clear();
            return false;
        }
        let now = std::time::Instant::now();
        stall.since = Some(now);
        stall.probed = Some(now);
        stall.by = stall.in_a_row.iter().take(8).cloned().collect();
        stall.taken_before = stall
            .taken
            .iter()
            .rev()
            .map(|(at, [method, target, body], status)| {
                let body: String = redact_text(body).chars().take(200).collect();
                format!(
                    "{method} {} {body} ({status}), {} s before it was seen",
                    redact_url(target),
                    now.saturating_duration_since(*at).as_secs()
                )
            })
            .collect();
        true
    }

    /// Why a connection was refused, where the backend went down under the run.
    fn down_reason(&self) -> Option<String> {
        self.went_down().map(|d| d.describe())
    }

    /// How the user's token travels.
    pub fn placement(&self) -> &Placement {
        &self.placement
    }

    /// Sends the user's token as `placement` from now on (where the backend takes it, when
    /// that is not where the spec's scheme puts it).
    pub fn set_placement(&mut self, placement: Placement) {
        self.placement = placement;
    }

    /// Sets `fixed` on every request from now on ([`Fixed`]).
    pub fn set_fixed(&mut self, fixed: Vec<Fixed>) {
        self.fixed = fixed;
    }

    /// Whether the run sets the parameter `name` in `location` itself ([`Fixed`]).
    pub fn fixed(&self, location: &str, name: &str) -> bool {
        self.fixed.iter().any(|f| {
            f.location == location
                && (f.name == name || (location == "header" && f.name.eq_ignore_ascii_case(name)))
        })
    }

    /// Adds each [`Fixed`] parameter the operation of `request` declares and the request
    /// does not set itself.
    fn add_fixed(&self, request: &mut Request) {
        if self.fixed.is_empty() {
            return;
        }
        let path = without_query(&request.target).to_string();
        for f in &self.fixed {
            // A header goes on every request, as the frontend's client sets it once for all
            // (a tenant's header refused first would hide the answer to an unknown route or
            // method). A query value goes where the operation declares it, and on a method
            // the path does not have (the check that it answers 405) where its other
            // methods do.
            let declared = |method: &str| {
                f.location == "header"
                    || self
                        .contract
                        .parameter(method, &path, &f.location, &f.name)
                        .is_some()
            };
            let undocumented = self.contract.operation_id(&request.method, &path).is_none();
            let declared_on_path = undocumented
                && ["GET", "POST", "PUT", "PATCH", "DELETE"]
                    .iter()
                    .any(|m| declared(m));
            if !declared(&request.method) && !declared_on_path {
                continue;
            }
            let set = match f.location.as_str() {
                "header" => request
                    .headers
                    .iter()
                    .any(|(k, _)| k.eq_ignore_ascii_case(&f.name)),
                _ => query_names(&request.target).contains(&format!("?{}", f.name)),
            };
            if set {
                continue;
            }
            match f.location.as_str() {
                "header" => request
                    .headers
                    .push((f.name.to_ascii_lowercase(), f.value.clone())),
                "query" => request.target = with_query(&request.target, &f.name, &f.value),
                _ => {}
            }
        }
    }

    /// Whether the run may send only safe methods (and the sign-in).
    pub fn read_only(&self) -> bool {
        self.gate.read_only
    }

    /// The notes on the run's own conduct, each once.
    pub fn notes(&self) -> Vec<String> {
        self.notes.lock().map(|n| n.clone()).unwrap_or_default()
    }

    /// Whether the backend can be reached at all: one GET of the base URL, which any answer
    /// (a 404 too) passes. A refused connection or a name that does not resolve is the
    /// reason, naming the URL: every check would fail on it alike, each as its own failure.
    /// Not an exchange of the run (no operation of the spec is called).
    /// A connection the server accepts and then drops is the backend's failure, not this.
    pub async fn unreachable(&self) -> Option<String> {
        let e = self.client.get(&self.base).send().await.err()?;
        let why = describe_transport(&self.base, &e);
        let text = why.to_ascii_lowercase();
        let nothing_there = [
            "refused",
            "dns error",
            "failed to lookup",
            "name or service not known",
            "no route to host",
            "network is unreachable",
        ]
        .iter()
        .any(|w| text.contains(w));
        (e.is_connect() && nothing_there).then_some(why)
    }

    /// Notes something the run should know of its own conduct (each note once).
    pub fn note(&self, note: String) {
        if let Ok(mut notes) = self.notes.lock()
            && !notes.contains(&note)
        {
            notes.push(note);
        }
    }

    pub fn contract(&self) -> &Contract {
        &self.contract
    }

    /// Operations exercised, with how many calls each.
    pub fn operations(&self) -> BTreeMap<String, u32> {
        self.stats.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Whether `operation` has answered a 2xx in this run.
    pub fn accepted_before(&self, operation: &str) -> bool {
        self.accepted
            .lock()
            .is_ok_and(|accepted| accepted.contains_key(operation))
    }

    /// The members (JSON pointers) of the first request body `operation` accepted in this
    /// run, where it accepted one.
    pub fn accepted_members(&self, operation: &str) -> Option<Vec<String>> {
        self.accepted
            .lock()
            .ok()
            .and_then(|accepted| accepted.get(operation).cloned())
    }

    /// The POSTs of this run with distinctive text.
    pub fn posted(&self) -> Vec<Posted> {
        self.posted.lock().map(|f| f.clone()).unwrap_or_default()
    }

    /// The shape of the ids the backend answers, once an answer showed one.
    pub fn id_shape(&self) -> Option<crate::sample::IdShape> {
        self.id_shape.get().copied()
    }

    pub fn request_count(&self) -> u64 {
        self.requests.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Sends as a well-mannered client: a 429 or 503 with `Retry-After` (at most 30 s) is
    /// waited out and the request sent again, up to three times. A 503 without it is the
    /// backend saying it cannot serve the request now, not that it failed on it (Prefect
    /// answers so while its database is busy, "for errors clients can retry on", and its
    /// own client does): sent again after one second, then two, and noted; at most
    /// [`BUSY_RETRIES`] times in a run, and no more for an operation still answering 503
    /// then, so that one that always does is judged without the run waiting on it. One
    /// still answered 503 is judged as before.
    pub async fn send_politely(&self, request: Request) -> Result<Exchange, String> {
        use std::sync::atomic::Ordering;
        let mut attempt = 0;
        let mut busy = 0;
        loop {
            let e = self.send(request.clone()).await?;
            match retry_after_secs(&e).filter(|s| *s <= 30) {
                Some(secs) if matches!(e.status, 429 | 503) && attempt < 3 => {
                    attempt += 1;
                    tokio::time::sleep(std::time::Duration::from_secs(secs.max(1))).await;
                }
                None if e.status == 503 && e.header("retry-after").is_none() => {
                    let operation = self
                        .contract
                        .operation_id(&request.method, &self.path_of(&e))
                        .unwrap_or_default()
                        .to_string();
                    let again = match self.busy_operations.lock() {
                        Ok(mut given_up) if busy == 2 => {
                            given_up.insert(operation.clone());
                            false
                        }
                        Ok(given_up) => !given_up.contains(&operation),
                        Err(_) => false,
                    };
                    if !again {
                        self.probe_not_offered(&request, &operation, &e).await;
                        return Ok(e);
                    }
                    let spent = self.busy_retries.fetch_add(1, Ordering::Relaxed);
                    if spent >= BUSY_RETRIES {
                        self.probe_not_offered(&request, &operation, &e).await;
                        return Ok(e);
                    }
                    if spent == 0 {
                        self.note(format!(
                            "busy: the backend answered 503 without `Retry-After` (first to {} {}): each such request was sent again after a pause of one, then two seconds, as a client of a busy server does (at most {BUSY_RETRIES} times a run); one still answered 503 is judged",
                            request.method,
                            redact_url(without_query(&request.target))
                        ));
                    }
                    busy += 1;
                    tokio::time::sleep(std::time::Duration::from_secs(busy)).await;
                }
                _ => return Ok(e),
            }
        }
    }

    /// Where `request` carried the user's credentials and its 503 `e` persists: the same
    /// request without them, once per operation. A 503 to that too comes before the backend
    /// looks at who asks: a feature the deployment has switched off (LNbits's block
    /// explorer: `{"detail": "Block explorer is not enabled."}`), recorded for
    /// [`Http::not_offered`]. An operation that answers 401 without them, and 503 to the
    /// user, fails for the user, and is judged so.
    async fn probe_not_offered(&self, request: &Request, operation: &str, e: &Exchange) {
        let probed = match self.not_offered.lock() {
            Ok(known) => known.contains_key(operation),
            Err(_) => true,
        };
        if request.credential.is_none() || operation.is_empty() || probed {
            return;
        }
        let mut bare = request.clone().bearer(None);
        bare.headers
            .retain(|(k, _)| !k.eq_ignore_ascii_case("cookie"));
        let Ok(answer) = self.send(bare).await else {
            return;
        };
        if answer.status == 503
            && let Ok(mut known) = self.not_offered.lock()
        {
            let said = redact_text(&String::from_utf8_lossy(&e.response_body))
                .chars()
                .take(160)
                .collect::<String>();
            known.insert(operation.to_string(), said);
        }
    }

    /// What the backend said with the 503 `operation` answers whoever asks, credentials or
    /// none ([`Http::probe_not_offered`]): a feature switched off on this deployment.
    pub fn not_offered(&self, operation: &str) -> Option<String> {
        self.not_offered.lock().ok()?.get(operation).cloned()
    }

    /// The path of `e`'s request under the base URL, without its query: what a path
    /// template of the spec matches.
    pub fn path_of(&self, e: &Exchange) -> String {
        without_query(e.url.strip_prefix(&self.base).unwrap_or(&e.url)).to_string()
    }

    /// [`Http::send_politely`] for a sign-in or sign-up, which the run cannot do without: a
    /// 429 is also waited out where only the rate limit's reset says when (`RateLimit-Reset`
    /// or `X-RateLimit-Reset`, as Vikunja answers its limit of ten sign-ins a minute), for
    /// at most 65 s, twice at most, and noted.
    pub async fn send_patiently(&self, request: Request) -> Result<Exchange, String> {
        let mut waited = 0;
        loop {
            let e = self.send_politely(request.clone()).await?;
            match rate_limit_reset_secs(&e).filter(|s| *s <= 65) {
                Some(secs) if e.status == 429 && waited < 2 => {
                    waited += 1;
                    self.note(format!(
                        "rate limit: {} {} answered 429; waited {} s, until the limit's reset, as a sign-in must",
                        request.method,
                        redact_url(&request.target),
                        secs.max(1)
                    ));
                    tokio::time::sleep(std::time::Duration::from_secs(secs.max(1))).await;
                }
                _ => return Ok(e),
            }
        }
    }

    /// Sends `request` through the run mode's gate, the user's token placed as the spec's
    /// security scheme says. An idempotent request whose pooled connection the server closed
    /// before answering (as servers do after a 500) is sent once more, as browsers do, and
    /// noted. A transport failure (timeout, reset, oversized response) is an `Err` starting
    /// `transport:`, a request the gate kept back one starting `read-only:`; never a panic.
    pub async fn send(&self, mut request: Request) -> Result<Exchange, String> {
        let on_backend =
            !request.target.starts_with("http://") && !request.target.starts_with("https://");
        if on_backend {
            if self.gate.allows(&request.method, &request.target)? {
                self.note(format!(
                    "read-only: signed in with {} {} (the one write a read-only run makes per identity)",
                    request.method, request.target
                ));
            }
        } else if self.gate.read_only && !matches!(request.method.as_str(), "GET" | "HEAD") {
            return Err(format!(
                "read-only: {} {} was not sent (--read-only)",
                request.method,
                redact_url(&request.target)
            ));
        }
        if let Some(token) = request.credential.take() {
            request = self.placement.apply(request, &token);
        }
        let spec_path = request.target.clone();
        if on_backend {
            self.add_fixed(&mut request);
            // The JSON the operation answers, as a frontend's client asks for it (axios sends
            // `application/json, text/plain, */*`): a backend that negotiates answers XML to
            // a bare `*/*` where the spec also declares XML.
            if !request
                .headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("accept"))
                && let Some(media) = self
                    .contract
                    .json_response_media(&request.method, without_query(&request.target))
            {
                request
                    .headers
                    .push(("accept".into(), format!("{media}, */*;q=0.8")));
            }
        }
        let conditional = on_backend && self.add_precondition(&mut request);
        let mut exchange = self.send_retried(&request, on_backend, &spec_path).await?;
        // The tag the run held is stale (a write whose answer carried none moved it on): the
        // resource is read again, as a frontend reloads it, and the write sent once more.
        if conditional
            && exchange.status == 412
            && let Some(tag) = self.reread_etag(&request, on_backend).await?
        {
            self.note(format!(
                "precondition: {} {} answered 412 to the ETag the run held; sent again with the one a new read answered",
                request.method,
                redact_url(&request.target)
            ));
            request
                .headers
                .retain(|(k, _)| !k.eq_ignore_ascii_case("if-match"));
            request.headers.push(("if-match".into(), tag));
            exchange = self.send_retried(&request, on_backend, &spec_path).await?;
        }
        if on_backend {
            self.keep_etag(&request, &exchange);
        }
        // A redirect to the same path with or without its trailing slash (a framework's path
        // normalization: FastAPI's 307, Django's and gin's 301) is followed, as the browser
        // under a frontend follows it, and judged as the path the spec names; a preflight is
        // never followed (browsers refuse a redirected preflight), nor anything elsewhere.
        let mut hops = 0;
        while on_backend && hops < 3 {
            let Some(next) = slash_redirect(&request.method, &request.target, &exchange) else {
                break;
            };
            hops += 1;
            self.note(format!(
                "redirect: {} {} answered {} to {next}, followed as a browser does",
                request.method,
                redact_url(&request.target),
                exchange.status
            ));
            // A 301, 302 or 303 after a write is followed with a GET, as browsers do.
            if matches!(exchange.status, 301..=303)
                && request.method != "GET"
                && request.method != "HEAD"
            {
                request.method = "GET".into();
                request.body = Body::None;
            }
            request.target = next;
            exchange = self.send_retried(&request, on_backend, &spec_path).await?;
        }
        Ok(exchange)
    }

    /// Adds `If-Match` with the `ETag` the run last got for the path of `request`, a write
    /// whose operation declares that header (`PUT /notes/{id}` guarded against lost
    /// updates: 428 without it, 412 with a stale one), as the backend's frontend sends back
    /// what it read; never over one the request sets itself. Whether it added one.
    fn add_precondition(&self, request: &mut Request) -> bool {
        if request.unconditional
            || !matches!(request.method.as_str(), "PUT" | "PATCH" | "DELETE")
            || request
                .headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("if-match"))
        {
            return false;
        }
        let path = without_query(&request.target);
        if self
            .contract
            .header_parameter(&request.method, path, "If-Match")
            .is_none()
        {
            return false;
        }
        let Some(tag) = self.etag(path) else {
            return false;
        };
        request.headers.push(("if-match".into(), tag));
        true
    }

    /// The `ETag` the run last got for `path` on the backend (no query), if any.
    pub fn etag(&self, path: &str) -> Option<String> {
        self.etags
            .lock()
            .ok()?
            .get(path.trim_end_matches('/'))
            .cloned()
    }

    /// Keeps the `ETag` of a 2xx answer: for the path read or written, or for a create the
    /// item its `Location` names; forgets a deleted one's.
    fn keep_etag(&self, request: &Request, e: &Exchange) {
        if !(200..300).contains(&e.status) {
            return;
        }
        let path = without_query(&request.target);
        let Ok(mut tags) = self.etags.lock() else {
            return;
        };
        let key = match request.method.as_str() {
            "DELETE" => {
                tags.remove(path.trim_end_matches('/'));
                return;
            }
            "GET" | "PUT" | "PATCH" => path.to_string(),
            "POST" => match e.header("location") {
                Some(location) => location_target(&self.base, &e.url, location),
                None => return,
            },
            _ => return,
        };
        if let Some(tag) = e.header("etag").filter(|t| !t.is_empty()) {
            tags.insert(key.trim_end_matches('/').to_string(), tag.to_string());
        }
    }

    /// The `ETag` a new read of `request`'s path answers, where it differs from the one
    /// the request sent.
    async fn reread_etag(
        &self,
        request: &Request,
        on_backend: bool,
    ) -> Result<Option<String>, String> {
        let path = without_query(&request.target);
        let mut read = Request::new("GET", path);
        read.headers = request
            .headers
            .iter()
            .filter(|(k, _)| {
                !["if-match", "content-type"].contains(&k.to_ascii_lowercase().as_str())
            })
            .cloned()
            .collect();
        let e = self.send_retried(&read, on_backend, path).await?;
        let sent = request
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("if-match"))
            .map(|(_, v)| v.as_str());
        Ok(e.header("etag")
            .filter(|t| (200..300).contains(&e.status) && Some(*t) != sent)
            .map(String::from))
    }

    /// [`Http::send_once`], once more on a new connection when the pooled one was closed
    /// before the server answered an idempotent request.
    async fn send_retried(
        &self,
        request: &Request,
        on_backend: bool,
        spec_path: &str,
    ) -> Result<Exchange, String> {
        let idempotent = matches!(
            request.method.as_str(),
            "GET" | "HEAD" | "OPTIONS" | "PUT" | "DELETE"
        );
        // Whether a write goes on a pooled connection: only until the backend has answered a
        // 5xx, after which servers such as uvicorn close their kept-alive connections.
        let pooled = !self
            .server_errors
            .load(std::sync::atomic::Ordering::Relaxed);
        match self
            .send_once(request, on_backend, idempotent, false, spec_path)
            .await
        {
            // A write on a pooled connection the backend closed before answering, as a 5xx
            // to another request was answered on it meanwhile: the request never reached the
            // application, and goes once more on a connection of its own.
            Err(Transport { message, retry })
                if retry
                    && !idempotent
                    && pooled
                    && self
                        .server_errors
                        .load(std::sync::atomic::Ordering::Relaxed) =>
            {
                self.note(format!(
                    "transport: {} {} was sent again on a new connection: the pooled one was closed before answering, as the backend closes its connections after a 5xx ({message})",
                    request.method,
                    redact_url(&request.target)
                ));
                self.send_once(request, on_backend, idempotent, true, spec_path)
                    .await
                    .map_err(|t| format!("transport: {}", t.message))
            }
            Err(Transport { message, retry }) if retry && idempotent => {
                self.note(format!(
                    "transport: {} {} was sent again on a new connection after the pooled one closed before answering ({message})",
                    request.method,
                    redact_url(&request.target)
                ));
                // Not from the pool: the backend may have closed several of its connections
                // at once (after a burst of 5xx), and the next pooled one be as dead.
                self.send_once(request, on_backend, idempotent, true, spec_path)
                    .await
                    .map_err(|t| format!("transport: {}", t.message))
            }
            other => other.map_err(|t| format!("transport: {}", t.message)),
        }
    }

    /// One exchange, checked against the spec as `spec_path` (the target the caller asked
    /// for, which a followed redirect keeps); on a connection of its own if `fresh`.
    async fn send_once(
        &self,
        request: &Request,
        on_backend: bool,
        idempotent: bool,
        fresh: bool,
        spec_path: &str,
    ) -> Result<Exchange, Transport> {
        self.requests
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let request = request.clone();
        let (sent_method, sent_target) = (request.method.clone(), request.target.clone());
        let url = if on_backend {
            format!("{}{}", self.base, request.target)
        } else {
            request.target.clone()
        };
        let fail = |message: String| Transport {
            message,
            retry: false,
        };
        if on_backend {
            self.await_probe().await;
        }
        if on_backend && let Some(why) = self.stalled_skip(&url) {
            return Err(fail(why));
        }
        let method = reqwest::Method::from_bytes(request.method.as_bytes())
            .map_err(|e| fail(e.to_string()))?;
        let client = if fresh
            || !idempotent
                && self
                    .server_errors
                    .load(std::sync::atomic::Ordering::Relaxed)
        {
            &self.fresh
        } else {
            &self.client
        };
        let mut builder = client.request(method, &url);
        let mut request_headers = request.headers.clone();
        for (k, v) in &request.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        let request_body = match request.body {
            Body::None => String::new(),
            Body::Json(v) => {
                let text = v.to_string();
                // A content type the request sets is sent as set (the checks of a wrong
                // one); else the one the operation declares for JSON.
                if !request
                    .headers
                    .iter()
                    .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
                {
                    let media = on_backend
                        .then(|| self.contract.json_request_media(&request.method, spec_path))
                        .flatten()
                        .unwrap_or_else(|| "application/json".to_string());
                    request_headers.push(("content-type".into(), media.clone()));
                    builder = builder.header("content-type", media);
                }
                builder = builder.body(text.clone());
                text
            }
            Body::Form(pairs) => {
                let text = pairs
                    .iter()
                    .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
                    .collect::<Vec<_>>()
                    .join("&");
                request_headers.push((
                    "content-type".into(),
                    "application/x-www-form-urlencoded".into(),
                ));
                builder = builder
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(text.clone());
                text
            }
            Body::Raw {
                content_type,
                bytes,
            } => {
                if let Some(ct) = content_type {
                    request_headers.push(("content-type".into(), ct.clone()));
                    builder = builder.header("content-type", ct);
                }
                let text = String::from_utf8_lossy(&bytes).into_owned();
                builder = builder.body(bytes);
                text
            }
            Body::Multipart {
                fields,
                file_content_type,
                file,
            } => {
                let mut form = reqwest::multipart::Form::new();
                let mut described = Vec::new();
                for (k, v) in fields {
                    described.push(format!("{k}={v}"));
                    form = form.text(k, v);
                }
                described.push(format!(
                    "file=<{} bytes of {file_content_type}>",
                    file.len()
                ));
                let part = reqwest::multipart::Part::bytes(file)
                    .file_name("accord-upload")
                    .mime_str(&file_content_type)
                    .map_err(|e| fail(e.to_string()))?;
                builder = builder.multipart(form.part("file", part));
                request_headers.push(("content-type".into(), "multipart/form-data".into()));
                described.join("&")
            }
        };
        let built = builder.build().map_err(|e| fail(e.to_string()))?;
        // A GET's copy, kept once it is answered (see `Stall::answered_get`).
        let get_copy = (on_backend && request.method == "GET")
            .then(|| built.try_clone())
            .flatten();
        let response = match client.execute(built).await {
            Ok(response) => response,
            Err(e) => {
                let closed = closed_before_answer(&e);
                let mut message = describe_transport(&url, &e);
                let described = message.to_ascii_lowercase();
                let refused = e.is_connect() && described.contains("refused");
                // A connection reset as the request went out (hyper may report it as the
                // connection's failure) is a request the backend took and never answered.
                let reset = e.is_connect() && described.contains("reset");
                let mut shown = format!("{} {}", request.method, redact_url(&request.target));
                if !request_body.is_empty() {
                    let body = redact_text(&request_body);
                    let cut: String = body.chars().take(300).collect();
                    shown.push(' ');
                    shown.push_str(&cut);
                    if cut.len() < body.len() {
                        shown.push('…');
                    }
                }
                // Only the backend's life: a storage host a presigned upload goes to is
                // another server, whose refusal says nothing of the backend's.
                if on_backend && e.is_timeout() && self.timed_out(shown.clone()).await {
                    message.push_str(": ");
                    message.push_str(&self.down_reason().unwrap_or_default());
                }
                if on_backend {
                    self.witness(false, (closed || reset).then_some(shown), refused);
                }
                if refused
                    && on_backend
                    && let Some(why) = self.down_reason()
                {
                    message.push_str(": ");
                    message.push_str(&why);
                }
                return Err(Transport {
                    message,
                    retry: closed,
                });
            }
        };
        if on_backend {
            self.witness(true, None, false);
        }
        let status = response.status().as_u16();
        if let Some(copy) = get_copy.filter(|_| (200..300).contains(&status))
            && let Ok(mut stall) = self.stall.lock()
        {
            stall.answered_get = Some(Arc::new(copy));
        }
        if on_backend
            && (200..300).contains(&status)
            && !matches!(request.method.as_str(), "GET" | "HEAD" | "OPTIONS")
            && let Ok(mut stall) = self.stall.lock()
        {
            let write = [
                request.method.clone(),
                request.target.clone(),
                request_body.clone(),
            ];
            stall
                .taken
                .push_back((std::time::Instant::now(), write, status));
            while stall.taken.len() > TAKEN_KEPT {
                stall.taken.pop_front();
            }
        }
        if status >= 500 {
            self.server_errors
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
        let response_headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut body = Vec::new();
        let mut response = response;
        // A stream (server-sent events, NDJSON) stays open for as long as it has events to
        // send: its first event is read, or what comes within STREAM_WINDOW, and the
        // connection is closed, as a client that has what it asked for.
        let stream_media = response_headers
            .iter()
            .find(|(k, _)| k == "content-type")
            .map(|(_, v)| accord_spec::media::essence(v))
            .filter(|m| is_stream_media(m));
        if let Some(media) = &stream_media {
            let deadline = tokio::time::Instant::now() + STREAM_WINDOW;
            while let Ok(next) = tokio::time::timeout_at(deadline, response.chunk()).await {
                let Some(chunk) = next.map_err(|e| fail(describe_transport(&url, &e)))? else {
                    break;
                };
                body.extend_from_slice(&chunk);
                let event_end: &[u8] = if media == "text/event-stream" {
                    b"\n\n"
                } else {
                    b"\n"
                };
                if body.windows(event_end.len()).any(|w| w == event_end)
                    || body.len() > MAX_STREAM_BYTES
                {
                    break;
                }
            }
            if on_backend {
                let op = self
                    .contract
                    .operation_id(&request.method, spec_path)
                    .unwrap_or("an operation");
                self.note(format!(
                    "stream: {op} answers a stream ({media}): the run reads its first event, or what comes within {} s, then closes the connection",
                    STREAM_WINDOW.as_secs()
                ));
            }
        }
        while stream_media.is_none()
            && let Some(chunk) = response
                .chunk()
                .await
                .map_err(|e| fail(describe_transport(&url, &e)))?
        {
            if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(fail(format!(
                    "{} {url}: the response is larger than {MAX_RESPONSE_BYTES} bytes",
                    request.method
                )));
            }
            body.extend_from_slice(&chunk);
        }
        if on_backend && let Ok(mut numbers) = self.sent_numbers.lock() {
            for run in [request.target.as_str(), request_body.as_str()].map(long_digit_runs) {
                numbers.extend(run.into_iter().map(String::from));
            }
        }
        let path = spec_path.to_string();
        let (operation, mut violations) = if on_backend {
            let content_type = response_headers
                .iter()
                .find(|(k, _)| k == "content-type")
                .map(|(_, v)| v.as_str());
            let operation = self
                .contract
                .operation_id(&request.method, &path)
                .map(str::to_string);
            (
                operation,
                self.contract
                    .check(&request.method, &path, status, content_type, &body),
            )
        } else {
            (None, Vec::new())
        };
        // An integer a JavaScript number cannot hold exactly (a Snowflake id, an int64
        // counter), which the run did not send itself: the frontend's `JSON.parse` reads it
        // rounded, and writes back, or asks for, another record's id.
        // Parsed only where the answer holds 16 digits in a row (2^53 has 16): most hold none.
        if let Some(op) = operation.as_ref().filter(|_| on_backend)
            && !long_digit_runs(&String::from_utf8_lossy(&body)).is_empty()
            && let Ok(json) = serde_json::from_slice::<Value>(&body)
            && let Ok(sent) = self.sent_numbers.lock()
        {
            let mut found = Vec::new();
            beyond_javascript(&json, String::new(), &mut found);
            for (pointer, n) in found {
                // One the run wrote itself (the boundary pass's 64-bit edges), read back, or
                // echoed as the double a backend read it as (huma's refusal names the value
                // it refused, 9223372036854775807 as 9223372036854776000).
                let digits = n.trim_start_matches('-');
                let double = |d: &str| d.parse::<f64>().ok();
                if sent.contains(digits)
                    || sent
                        .iter()
                        .any(|s| double(s).is_some_and(|s| Some(s) == double(digits)))
                {
                    continue;
                }
                violations.push(crate::contract::Violation {
                    operation: op.clone(),
                    status,
                    pointer,
                    message: format!(
                        "is an integer beyond what a JavaScript number holds exactly (2^53 - 1) ({n}): a frontend's JSON.parse reads it rounded; send it as a string"
                    ),
                });
            }
        }
        // A 429 is the backend defending itself, which a well-mannered client waits out:
        // few specs document it, and one that does not has no gap a client would meet
        // otherwise than every client does. Noted once per operation, not a spec finding.
        if status == 429 {
            let before = violations.len();
            violations.retain(|v| !v.message.starts_with("status "));
            if violations.len() < before {
                self.note(format!(
                    "rate limit: {} answered 429, which its spec does not document: the backend defending itself (waited out where it said how long), not a spec finding",
                    operation.as_deref().unwrap_or("?")
                ));
            }
        }
        if let Some(op) = &operation
            && let Ok(mut stats) = self.stats.lock()
        {
            *stats.entry(op.clone()).or_default() += 1;
        }
        if operation.is_some()
            && (200..300).contains(&status)
            && self.id_shape.get().is_none()
            && let Some(shape) = serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|b| crate::sample::IdShape::of_answer(&b))
        {
            let _ = self.id_shape.set(shape);
        }
        if operation.is_some()
            && request.method == "POST"
            && let Ok(body) = serde_json::from_str::<Value>(&request_body)
            && let Ok(mut posted) = self.posted.lock()
        {
            let texts: Vec<u64> = distinctive_texts(&body)
                .iter()
                .map(|t| text_hash(t))
                .collect();
            if !texts.is_empty() {
                posted.push(Posted {
                    path: without_query(&path).to_string(),
                    status,
                    texts,
                });
            }
        }
        if let Some(op) = &operation
            && (200..300).contains(&status)
            && let Ok(mut accepted) = self.accepted.lock()
            && !accepted.contains_key(op)
        {
            let body = serde_json::from_str(&request_body).unwrap_or(Value::Null);
            let mut sent = members(&body);
            sent.extend(query_names(&url));
            accepted.insert(op.clone(), sent);
        }
        let request_method = request.method.clone();
        let housekeeping = request.housekeeping;
        let exchange = Exchange {
            method: request_method,
            url,
            request_headers,
            request_body,
            status,
            response_headers,
            response_body: body,
            operation,
            violations,
        };
        // A redirect that is followed is no answer the frontend sees.
        let followed =
            on_backend && slash_redirect(&sent_method, &sent_target, &exchange).is_some();
        if !housekeeping && !followed {
            self.findings.record(&exchange);
        }
        Ok(exchange)
    }
}

/// Where `e`, the answer to `request`, redirects when it sends it to the same path with or
/// without its trailing slash on the same backend: the new target (path and query), for a
/// request other than a preflight.
fn slash_redirect(method: &str, target: &str, e: &Exchange) -> Option<String> {
    if !matches!(e.status, 301 | 302 | 303 | 307 | 308) || method == "OPTIONS" {
        return None;
    }
    let location = e.header("location")?;
    let sent = reqwest::Url::parse(&e.url).ok()?;
    let next = sent.join(location).ok()?;
    let same_origin = next.scheme() == sent.scheme()
        && next.host_str() == sent.host_str()
        && next.port_or_known_default() == sent.port_or_known_default();
    let same_path = next.path() != sent.path()
        && next.path().trim_end_matches('/') == sent.path().trim_end_matches('/');
    if !same_origin || !same_path {
        return None;
    }
    // The target is relative to the base URL: the path's change is the trailing slash.
    let (path, query) = target
        .split_once('?')
        .map_or((target, None), |(p, q)| (p, Some(q)));
    let path = if next.path().ends_with('/') {
        format!("{}/", path.trim_end_matches('/'))
    } else {
        path.trim_end_matches('/').to_string()
    };
    Some(match next.query().or(query) {
        Some(q) => format!("{path}?{q}"),
        None => path,
    })
}

/// A failed exchange, and whether it failed because a pooled connection was closed before
/// the server answered (worth one more try on a new connection).
struct Transport {
    message: String,
    retry: bool,
}

/// Whether `e` is a connection the server closed before it answered: hyper's incomplete
/// message or a reset, never a timeout or a refused connection.
fn closed_before_answer(e: &reqwest::Error) -> bool {
    if e.is_timeout() || e.is_connect() {
        return false;
    }
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(s) = source {
        let text = s.to_string().to_ascii_lowercase();
        if text.contains("connection closed before message completed")
            || text.contains("connection reset")
            || text.contains("broken pipe")
            || text.contains("incomplete message")
        {
            return true;
        }
        source = s.source();
    }
    false
}

fn describe_transport(url: &str, e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "the response broke off"
    } else {
        "the exchange failed"
    };
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(e);
    let mut cause = String::new();
    while let Some(s) = source {
        cause = s.to_string();
        source = s.source();
    }
    format!(
        "{}: {what}{}",
        redact_url(url),
        if cause.is_empty() {
            String::new()
        } else {
            format!(" ({cause})")
        }
    )
}

pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// How many 503s without `Retry-After` a run sends again ([`Http::send_politely`]).
pub const BUSY_RETRIES: u32 = 40;

/// `Retry-After` in seconds: a number of seconds or an HTTP date (RFC 9110 §10.2.3).
/// When a rate limit lifts, by `Retry-After`, else by its reset: `RateLimit-Reset` (seconds,
/// as the IETF draft has it) or `X-RateLimit-Reset` (seconds, or the moment as Unix time
/// where it is that large).
pub fn rate_limit_reset_secs(e: &Exchange) -> Option<u64> {
    if let Some(secs) = retry_after_secs(e) {
        return Some(secs);
    }
    let value: u64 = ["ratelimit-reset", "x-ratelimit-reset"]
        .iter()
        .find_map(|name| e.header(name))?
        .trim()
        .parse()
        .ok()?;
    if value > 1_000_000_000 {
        let now = chrono::Utc::now().timestamp().max(0) as u64;
        Some(value.saturating_sub(now) + 1)
    } else {
        Some(value)
    }
}

pub fn retry_after_secs(e: &Exchange) -> Option<u64> {
    let value = e.header("retry-after")?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(secs);
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let left = at.timestamp() - chrono::Utc::now().timestamp();
    Some(left.max(0) as u64)
}

/// Where a `Location` answered to `request_url` points, resolved as a browser resolves it
/// against the URL of the request it answered: `/api/owners/55` is on the backend's origin,
/// whatever path its base URL has (Spring PetClinic's leaves out its `/petclinic` context
/// path, which a frontend then misses), and `55` is beside the request's path. A path on the
/// backend where the result lies under the base URL, else the absolute URL.
pub fn location_target(base: &str, request_url: &str, location: &str) -> String {
    let resolved = reqwest::Url::parse(request_url)
        .and_then(|u| u.join(location))
        .map(String::from)
        .unwrap_or_else(|_| location.to_string());
    resolved
        .strip_prefix(base.trim_end_matches('/'))
        .filter(|rest| rest.starts_with('/') || rest.is_empty())
        .map(String::from)
        .unwrap_or(resolved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_limit_s_reset_says_when_it_lifts() {
        let answer = |headers: &[(&str, String)]| {
            let mut e = Exchange::none();
            e.status = 429;
            e.response_headers = headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect();
            e
        };
        assert_eq!(
            rate_limit_reset_secs(&answer(&[("retry-after", "7".into())])),
            Some(7)
        );
        assert_eq!(
            rate_limit_reset_secs(&answer(&[("ratelimit-reset", "12".into())])),
            Some(12)
        );
        let at = chrono::Utc::now().timestamp() + 30;
        let secs = rate_limit_reset_secs(&answer(&[("x-ratelimit-reset", at.to_string())]));
        assert!(secs.is_some_and(|s| (29..=32).contains(&s)), "{secs:?}");
        assert_eq!(rate_limit_reset_secs(&answer(&[])), None);
    }

    #[test]
    fn only_a_trailing_slash_redirect_on_the_same_backend_is_followed() {
        let answer = |status: u16, location: &str| {
            let mut e = Exchange::none();
            e.url = "http://127.0.0.1:8000/api/items?limit=5".into();
            e.status = status;
            e.response_headers = vec![("location".into(), location.into())];
            e
        };
        let target = "/items?limit=5";
        for status in [301, 302, 303, 307, 308] {
            assert_eq!(
                slash_redirect("GET", target, &answer(status, "/api/items/?limit=5")).as_deref(),
                Some("/items/?limit=5"),
                "{status}"
            );
        }
        assert_eq!(
            slash_redirect(
                "POST",
                target,
                &answer(307, "http://127.0.0.1:8000/api/items/")
            )
            .as_deref(),
            Some("/items/?limit=5")
        );
        // Not a preflight, not elsewhere, not another path, not another status.
        assert_eq!(
            slash_redirect("OPTIONS", target, &answer(307, "/api/items/")),
            None
        );
        assert_eq!(
            slash_redirect(
                "GET",
                target,
                &answer(307, "http://evil.example/api/items/")
            ),
            None
        );
        assert_eq!(
            slash_redirect(
                "GET",
                target,
                &answer(307, "http://127.0.0.1:9000/api/items/")
            ),
            None
        );
        assert_eq!(slash_redirect("GET", target, &answer(302, "/login")), None);
        assert_eq!(
            slash_redirect("GET", target, &answer(200, "/api/items/")),
            None
        );
    }

    #[test]
    fn the_read_only_gate_lets_out_reads_and_the_sign_in_only() {
        let gate = Gate {
            read_only: true,
            sign_in: vec![("POST".into(), "/api/login".into())],
        };
        for method in ["GET", "HEAD", "OPTIONS"] {
            assert_eq!(gate.allows(method, "/api/items/1"), Ok(false), "{method}");
        }
        assert_eq!(gate.allows("POST", "/api/login?next=1"), Ok(true));
        for (method, path) in [
            ("POST", "/api/items"),
            ("PUT", "/api/login"),
            ("DELETE", "/api/items/1"),
            ("PATCH", "/api/x"),
        ] {
            let refused = gate.allows(method, path).unwrap_err();
            assert!(refused.starts_with("read-only: "), "{refused}");
        }
        let open = Gate::default();
        assert_eq!(open.allows("DELETE", "/api/items/1"), Ok(false));
    }

    #[test]
    fn descriptions_never_show_secrets() {
        let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
        let exchange = Exchange {
            method: "POST".into(),
            url: "https://store.example/b/k?X-Amz-Credential=AK%2F1&X-Amz-Signature=abcdef&x=1".into(),
            request_headers: vec![
                ("authorization".into(), format!("Bearer {jwt}")),
                ("cookie".into(), "refresh_token=r-secret".into()),
                ("content-type".into(), "application/json".into()),
            ],
            request_body: r#"{"email":"a@b.co","password":"hunter2","refresh_token":"r-secret"}"#.into(),
            status: 200,
            response_headers: vec![("set-cookie".into(), "refresh_token=r-new; HttpOnly".into())],
            response_body: format!(r#"{{"access_token":"{jwt}","note":"{jwt}","fields":{{"policy":"p-secret","x-amz-signature":"s-secret","key":"k"}}}}"#).into_bytes(),
            operation: None,
            violations: vec![],
        };
        let text = exchange.describe();
        for secret in [
            jwt, "hunter2", "r-secret", "r-new", "p-secret", "s-secret", "abcdef", "AK%2F1",
        ] {
            assert!(!text.contains(secret), "{secret} leaked:\n{text}");
        }
        for kept in ["a@b.co", "Bearer <redacted>", "\"key\":\"k\"", "x=1"] {
            assert!(text.contains(kept), "{kept} missing:\n{text}");
        }
        let form = redact_text("username=ada&password=hunter2&grant_type=password");
        assert!(!form.contains("hunter2"), "{form}");
    }
}

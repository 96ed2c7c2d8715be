//! What every scenario shares: the profile, the spec, the HTTP client, and the ways to call
//! the backend's operations as the profile describes them.

use base64::Engine as _;
use serde_json::{Value, json};
use tokio::sync::OnceCell;

use crate::contract::Contract;
use crate::http::{Body, Http, Request};
use crate::profile::{Encoding, Profile};
use crate::sample;

/// Why the context could not do what a scenario asked of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CtxError {
    /// The backend did not answer: a refused connection, a reset, a timeout.
    Transport(String),
    /// It answered, but not as the spec and profile say it would (a sign-in refused, no token
    /// where the profile points), or they do not say enough (an operation not in the spec).
    Setup(String),
    /// A sign-in the backend refused (`again`: earlier in the run, and not sent again: a
    /// well-mannered client does not repeat a refused sign-in). One scenario fails for it,
    /// the others that need it are skipped ([`crate::rules::Failure::once`]).
    Refused { why: String, again: bool },
}

impl std::fmt::Display for CtxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CtxError::Transport(m) => write!(f, "the backend did not answer: {m}"),
            CtxError::Setup(m) => f.write_str(m),
            CtxError::Refused { why, again: false } => f.write_str(why),
            CtxError::Refused { why, again: true } => {
                write!(f, "{why} (refused earlier in the run; not sent again)")
            }
        }
    }
}

impl std::error::Error for CtxError {}

impl From<&str> for CtxError {
    fn from(message: &str) -> CtxError {
        CtxError::Setup(message.to_string())
    }
}

impl From<String> for CtxError {
    fn from(message: String) -> CtxError {
        CtxError::Setup(message)
    }
}

impl CtxError {
    /// The failure of a scenario whose context failed while `doing` something: `transport`
    /// when the backend did not answer, `setup` otherwise.
    pub fn failure(self, doing: &str) -> crate::rules::Failure {
        match self {
            CtxError::Transport(_) => crate::rules::Failure::new(
                crate::rules::Rule::Transport,
                format!("{doing}: {self}"),
            ),
            CtxError::Setup(m) => crate::rules::Failure::setup(format!("{doing}: {m}")),
            CtxError::Refused { .. } => {
                crate::rules::Failure::setup(format!("{doing}: {self}")).once()
            }
        }
    }
}

impl From<CtxError> for String {
    fn from(e: CtxError) -> String {
        e.to_string()
    }
}

impl From<CtxError> for crate::rules::Failure {
    fn from(e: CtxError) -> crate::rules::Failure {
        match e {
            CtxError::Transport(_) => {
                crate::rules::Failure::new(crate::rules::Rule::Transport, e.to_string())
            }
            CtxError::Setup(m) => crate::rules::Failure::setup(m),
            CtxError::Refused { .. } => e.failure("signing in"),
        }
    }
}

mod apikey;
mod cors;
mod errors;
pub use errors::{Known, routed_elsewhere};
mod placement;
mod practice;
mod sessions;
pub use sessions::{BROKEN_SIGN_IN, NOT_YET_ACTIVE};
mod tokens;
mod uploads;
mod websocket;

#[derive(Debug, Clone)]
pub struct Tokens {
    pub access: String,
    pub refresh: Option<String>,
    pub cookies: Vec<(String, String)>,
}

/// An operation of the spec, for calling it.
#[derive(Debug, Clone)]
pub struct OpInfo {
    pub id: String,
    pub method: String,
    pub path: String,
    /// The operation object, shared: a spec of a thousand operations (NetBox's) is read
    /// over and over, never copied.
    pub op: std::sync::Arc<Value>,
}

impl OpInfo {
    /// Whether the operation opens a WebSocket, as its spec says: a documented `101`, or a
    /// GET whose summary or description names a WebSocket. An HTTP request is no call of it:
    /// the HTTP checks leave it out, and the `@websocket` checks open it.
    pub fn websocket(&self) -> bool {
        let text = |key: &str| {
            self.op
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_ascii_lowercase()
        };
        self.op.pointer("/responses/101").is_some()
            || (self.method == "GET"
                && (text("summary").contains("websocket")
                    || text("description").contains("websocket")))
    }
}

pub struct Presign {
    pub id: String,
    pub url: String,
    pub key: String,
    pub fields: Vec<(String, String)>,
    pub max_size: Option<u64>,
}

pub struct Ctx {
    pub profile: Profile,
    pub http: Http,
    pub error_schema: Option<Value>,
    pub error_schema_root: Value,
    base_token: OnceCell<String>,
    /// Whether the backend answers the allowed origin's preflight without any CORS header
    /// (the CORS checks): asked once.
    pub cors_absent: OnceCell<bool>,
    /// Every operation of the spec with whether it needs credentials ([`operations_in`]).
    operations: std::sync::OnceLock<Vec<(OpInfo, bool)>>,
    /// The backend's answer to a route it does not have, asked once ([`Ctx::unknown_answer`]).
    unknown_answer: OnceCell<Option<crate::http::Exchange>>,
    /// The backend's answer to the error scenarios' malformed JSON, sent once for the
    /// behaviour phase's passes ([`Ctx::malformed_answer`]).
    malformed_answer: OnceCell<Option<crate::http::Exchange>>,
    /// Whether a GET of the spec's without path parameters is answered otherwise than an
    /// unknown route, asked once: where none is, no path is judged not served.
    some_route_served: OnceCell<bool>,
    /// Each operation found not served ([`Ctx::not_served`]), by operationId.
    not_served: tokio::sync::Mutex<std::collections::HashMap<String, bool>>,
    /// An access token left to expire, shared by every scenario that needs one.
    expired: OnceCell<Result<String, CtxError>>,
    sessions: tokio::sync::Mutex<std::collections::HashMap<Identity, Tokens>>,
    /// One sign-in at a time per identity, and never one identity's waiting on another's:
    /// a second account signing in (two password hashes on a backend that makes it) holds
    /// up no request of the first.
    signing: [tokio::sync::Mutex<()>; 4],
    /// Whether each identity's account was registered in this run; held through its
    /// sign-in, so that one sign-up is sent per identity.
    registered: [tokio::sync::Mutex<bool>; 4],
    /// Why each identity's sign-in was refused, once it was ([`CtxError::Refused`]).
    refused_sign_ins: std::sync::Mutex<std::collections::HashMap<Identity, String>>,
    /// Whether a sign-in by the profile's login operation answered with a session in this
    /// run: one that answers a server error later was broken by a request sent since.
    pub signed_in_once: std::sync::atomic::AtomicBool,
    /// Held across each call on the spare account, whose answer may void the token it was
    /// sent with (see [`Ctx::renew_from`]): two calls at once would race on one token.
    pub spare_calls: tokio::sync::Mutex<()>,
    /// The boundary pass's requests in flight at once, over all operations
    /// (`behaviour.concurrency`).
    pub in_flight: tokio::sync::Semaphore,
    /// What the run created and has not deleted yet: (owner, the path that deletes it).
    pub created: std::sync::Mutex<Vec<(Identity, String)>>,
    /// Every path the run made something at, deleted since or not: what a list names after
    /// the run that is none of these is none of the run's making.
    pub ever_made: std::sync::Mutex<std::collections::BTreeSet<String>>,
    /// What each kind's list named before the scenarios (its path, and the ids on it): what
    /// a create answers that one of them named was there before the run, and is never the
    /// run's to write to or delete.
    pub listed_before: std::sync::Mutex<Vec<(String, std::collections::BTreeSet<String>)>>,
    /// The parent each identity creates a kind under where the run can make none of that
    /// parent's kind and the backend lists them (Unleash's `default` project, which
    /// `GET /api/admin/projects` lists): by identity and the parent's collection, asked once.
    pub listed_parents:
        tokio::sync::Mutex<std::collections::HashMap<(Identity, String), Option<String>>>,
    /// The collection each such create goes to for the first identity (its concrete path,
    /// by the create's operation id): where its generated calls go too.
    pub listed_bases: std::sync::Mutex<std::collections::HashMap<String, String>>,
    /// The scenario each created path belongs to (see `behaviour::SCENARIO`): a scenario's
    /// writes bind only to what it created itself, so concurrent scenarios never race on a
    /// resource one of them updates, moves or deletes.
    pub owners: std::sync::Mutex<std::collections::HashMap<String, u64>>,
    /// The accounts the behaviour phase's accepted calls of the sign-up made: with them the
    /// cleanup deletes each (see [`MadeAccount`]) and says how many it left.
    pub made_accounts: std::sync::Mutex<Vec<MadeAccount>>,
    /// Operations the run signs in, refreshes or signs out with: the behaviour phase leaves
    /// them alone.
    pub session_operations: Vec<String>,
    /// The seed of the behaviour phase's generated inputs (`--seed` repeats a run).
    pub seed: u64,
    /// The security scheme of the spec that carries the user's token (see
    /// [`crate::security::user_scheme`]); `None` when the spec declares none.
    pub user_scheme: Option<String>,
    /// The AsyncAPI document describing the WebSocket, when there is one.
    pub asyncapi: Option<Value>,
    /// The scenarios the run sets out to run, as (feature, scenario) with an outline's name
    /// unexpanded (`Secured operations refuse <credentials>`): a check whose cause another
    /// selected scenario judges under its own rule leaves it to that one.
    pub selected: Vec<(String, String)>,
    /// The texts of the selected scenarios' steps (`a second signed-in user`).
    pub selected_steps: std::collections::BTreeSet<String>,
    /// Whether the backend did not know the first identity's account, which the run then
    /// signed up: a fresh backend, which knows the second's no better.
    pub first_signed_up: std::sync::atomic::AtomicBool,
    /// Each secured operation's answer to a request without a token and to a malformed
    /// one, by (`"no token"` or `"a malformed token"`, operation id): its status and what
    /// puts it outside the error envelope, if anything. A forged token answered the same
    /// wrong way is that one cause.
    pub refusals: std::sync::Mutex<std::collections::HashMap<(&'static str, String), Refusal>>,
    /// The operations that got no answer in a scenario that calls many, while the backend
    /// answered the others (see `steps::one_of_many`): not sent again by such scenarios.
    pub unanswered: std::sync::Mutex<std::collections::HashSet<String>>,
    /// Whether the spec secures no operation and the backend refuses its reads without the
    /// profile's credentials all the same ([`Ctx::security_in_practice`]): the run then holds
    /// every operation but its own sign-in and sign-up as secured by the user's token.
    pub secured_in_practice: bool,
    /// The statuses whose answers the spec declares in the profile's envelope schema (a
    /// `#/...` reference), by any operation ([`Ctx::envelope_statuses`]).
    envelope_statuses: std::sync::OnceLock<std::collections::BTreeSet<u16>>,
    /// What the run's modules work out once and keep, by type ([`crate::memo::Memo`]).
    pub memo: crate::memo::Memo,
    /// Held while the behaviour phase makes the referents of its operations' bodies, so
    /// that two scenarios do not both make one.
    pub referents_making: tokio::sync::Mutex<()>,
    /// For each identity and kind of resource (by item path template), the one the run made
    /// for other resources' bodies to refer to (its id and the create's answer), `None`
    /// where it could not make one.
    pub referents: std::sync::Mutex<std::collections::HashMap<(Identity, String), Referent>>,
}

/// A resource the run made for other resources' bodies to refer to: its id and the create's
/// answer; `None` where the run could not make one.
pub type Referent = Option<(String, crate::http::Exchange)>;

impl Ctx {
    /// The statuses some operation of the spec declares its answer in the profile's
    /// envelope schema for (`errors.schema = "#/components/schemas/..."`); empty where the
    /// schema is a file of its own, or no operation names it.
    pub fn envelope_statuses(&self) -> &std::collections::BTreeSet<u16> {
        self.envelope_statuses.get_or_init(|| {
            let reference = self
                .error_schema
                .as_ref()
                .and_then(|s| s.get("$ref"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let mut out = std::collections::BTreeSet::new();
            if reference.is_empty() {
                return out;
            }
            let doc = self.doc();
            for (op, _) in self.operations() {
                for (status, response) in op
                    .op
                    .get("responses")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    let Ok(status) = status.parse::<u16>() else {
                        continue;
                    };
                    let response = accord_spec::follow_ref(doc, response);
                    let names = response
                        .get("content")
                        .and_then(Value::as_object)
                        .into_iter()
                        .flatten()
                        .any(|(_, m)| {
                            m.pointer("/schema/$ref").and_then(Value::as_str)
                                == Some(reference.as_str())
                        });
                    if names {
                        out.insert(status);
                    }
                }
            }
            out
        })
    }

    /// Whether the run sets out to run `scenario` (an outline by its unexpanded name) of the
    /// feature named `feature`.
    pub fn runs(&self, feature: &str, scenario: &str) -> bool {
        self.selected
            .iter()
            .any(|(f, s)| f == feature && s == scenario)
    }
}

/// The error cases of `features/errors.feature`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, cucumber::Parameter)]
#[param(
    name = "error_case",
    regex = "a request to an unknown route|a request with a wrong method|a request without credentials|a body of malformed JSON|a body with a wrong content type|a body missing a required field|a body with a field of a wrong type|a request for a missing resource"
)]
pub enum ErrorCase {
    UnknownRoute,
    WrongMethod,
    NoCredentials,
    MalformedJson,
    WrongContentType,
    MissingField,
    WrongType,
    MissingResource,
}

impl ErrorCase {
    /// The case as the feature names it.
    pub fn described(self) -> &'static str {
        match self {
            ErrorCase::UnknownRoute => "a request to an unknown route",
            ErrorCase::WrongMethod => "a request with a wrong method",
            ErrorCase::NoCredentials => "a request without credentials",
            ErrorCase::MalformedJson => "a body of malformed JSON",
            ErrorCase::WrongContentType => "a body with a wrong content type",
            ErrorCase::MissingField => "a body missing a required field",
            ErrorCase::WrongType => "a body with a field of a wrong type",
            ErrorCase::MissingResource => "a request for a missing resource",
        }
    }
}

impl std::str::FromStr for ErrorCase {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        [
            ErrorCase::UnknownRoute,
            ErrorCase::WrongMethod,
            ErrorCase::NoCredentials,
            ErrorCase::MalformedJson,
            ErrorCase::WrongContentType,
            ErrorCase::MissingField,
            ErrorCase::WrongType,
            ErrorCase::MissingResource,
        ]
        .into_iter()
        .find(|c| c.described() == s)
        .ok_or_else(|| format!("unknown error case `{s}`"))
    }
}

/// The ways the suite forges a bearer token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forgery {
    /// Not a JWT at all.
    Malformed,
    /// A real token with one character of its signature changed.
    AlteredSignature,
    /// A real token's claims under `alg: none`, unsigned.
    AlgNone,
    /// A real token's claims signed by a key the backend never published.
    UnknownKey,
}

impl Forgery {
    /// What the forged token is, as the features name it.
    pub fn described(self) -> &'static str {
        match self {
            Forgery::Malformed => "malformed token",
            Forgery::AlteredSignature => "token with an altered signature",
            Forgery::AlgNone => "alg none token",
            Forgery::UnknownKey => "token signed by an unknown key",
        }
    }
}

/// A secured operation's answer to a request without a valid token ([`Ctx::refusals`]): its
/// status, and what puts it outside the error envelope, if anything.
pub type Refusal = (u16, Option<String>);

/// An account a generated sign-up made, as the cleanup deletes it: in the session its
/// answer holds while that holds, else by the privileged identity through the spec's delete of
/// an account by its id (read from the answer), else signed in to with what it was signed up
/// with (a password check apiece, which a backend's login rate limit counts).
#[derive(Debug, Clone)]
pub struct MadeAccount {
    /// The sign-up's body (`null` for one that is not JSON).
    pub body: Value,
    /// The session the sign-up answered, if it answered one.
    pub tokens: Option<Tokens>,
    /// The sign-up's JSON answer (`null` for none).
    pub answer: Value,
}

/// Whose session a request is made in: the profile's user, or a second one for the
/// cross-user checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Identity {
    First,
    Second,
    /// The profile's privileged identity (an admin), for what the first is refused.
    Privileged,
    /// An account the run registers for itself (the first's sign-up body, another address):
    /// the operations on the signed-in account itself (`PATCH /users/me`, a password change)
    /// go to it, never to an account the run was given.
    Spare,
}

impl Identity {
    /// Its place in a per-identity array.
    fn slot(self) -> usize {
        match self {
            Identity::First => 0,
            Identity::Second => 1,
            Identity::Privileged => 2,
            Identity::Spare => 3,
        }
    }
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The claims of the JWT `token`, where it is one, read without verifying it (the backend
/// verifies).
pub fn jwt_claims(token: &str) -> Option<Value> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The claim `name` of the JWT `token`, where it is a whole number.
pub fn jwt_claim_u64(token: &str, name: &str) -> Option<u64> {
    jwt_claims(token)?.get(name)?.as_u64()
}

/// The `exp` claim of a JWT.
pub fn jwt_exp(token: &str) -> Option<u64> {
    jwt_claim_u64(token, "exp")
}

/// The cookie jar after an answer set `set`, as a browser keeps it: what the answer set
/// replaces, the rest of `jar` stays (a CSRF cookie set at login is still sent after a
/// refresh that set only the refresh cookie).
pub fn keep_jar(jar: &[(String, String)], mut set: Vec<(String, String)>) -> Vec<(String, String)> {
    for (name, value) in jar {
        if !set.iter().any(|(n, _)| n == name) {
            set.push((name.clone(), value.clone()));
        }
    }
    set
}

/// A JSON value as text: a string as it is, anything else as JSON.
pub fn as_text(v: &Value) -> String {
    v.as_str()
        .map(String::from)
        .unwrap_or_else(|| v.to_string())
}

/// A JSON value as a body in `encoding`.
pub fn encode(value: Value, encoding: Encoding) -> Body {
    match encoding {
        Encoding::Json => Body::Json(value),
        Encoding::Form => Body::Form(
            value
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.clone(), as_text(v)))
                .collect(),
        ),
    }
}

/// The spare account's sign-up or sign-in body: the first's, with another address or name
/// (`ada+accord-spare-1a2b@example.com`), marked with `run` (the run's own, so that a later
/// run registers afresh).
pub fn spare_identity(value: Value, run: u64) -> Value {
    renamed(value, &format!("accord-spare-{:04x}", run & 0xffff))
}

/// The second identity's version of a sign-in body: the same password, another account
/// (an email gets `+accord2` before its `@`, a user name `accord2` after it), in nested
/// objects too (`{"user": {"email": ...}}`).
pub fn second_identity(value: Value) -> Value {
    renamed(value, "accord2")
}

/// The second account's sign-up body where the profile names its sign-in (`second_body`)
/// and the first's sign-up (`register_body`) but not the second's: the first's sign-up with
/// each value it shares with the first's sign-in (its address, its password) replaced by the
/// second sign-in's at the same place, and any other account name in it marked as
/// [`second_identity`] marks it. Registered with a made-up address and signed in with the
/// given one, the second account could never sign in on a fresh backend.
pub fn second_sign_up(register: Value, body: &Value, second: &Value) -> Value {
    fn pairs(first: &Value, second: &Value, map: &mut std::collections::HashMap<String, String>) {
        match (first, second) {
            (Value::Object(a), Value::Object(b)) => {
                for (k, v) in a {
                    if let Some(w) = b.get(k) {
                        pairs(v, w, map);
                    }
                }
            }
            (Value::String(a), Value::String(b)) => {
                map.insert(a.clone(), b.clone());
            }
            _ => {}
        }
    }
    fn carry(original: &Value, out: &mut Value, map: &std::collections::HashMap<String, String>) {
        match (original, out) {
            (Value::Object(a), Value::Object(w)) => {
                for (k, v) in a {
                    if let Some(o) = w.get_mut(k) {
                        carry(v, o, map);
                    }
                }
            }
            (Value::String(s), out) => {
                if let Some(m) = map.get(s) {
                    *out = Value::String(m.clone());
                }
            }
            _ => {}
        }
    }
    let mut map = std::collections::HashMap::new();
    pairs(body, second, &mut map);
    let mut out = second_identity(register.clone());
    carry(&register, &mut out, &map);
    out
}

/// `value` with each account name in it (`email`, `username`...) marked with `mark`: a
/// `+mark` tag before an address's `@`, else the mark's letters and digits after the name
/// (`ada` becomes `adaaccord2`): a backend's rule for user names, which its spec seldom
/// states, takes letters and digits where many refuse a `-` (LNbits: `Invalid username.`)
/// or a `_`.
fn renamed(mut value: Value, mark: &str) -> Value {
    fn walk(value: &mut Value, mark: &str) {
        for (key, v) in value.as_object_mut().into_iter().flatten() {
            if v.is_object() {
                walk(v, mark);
                continue;
            }
            let k = key.to_ascii_lowercase();
            if ![
                "email",
                "username",
                "user",
                "login",
                "user_name",
                "name",
                "handle",
            ]
            .contains(&k.as_str())
            {
                continue;
            }
            if let Value::String(s) = v {
                *s = match s.split_once('@') {
                    Some((local, domain)) => format!("{local}+{mark}@{domain}"),
                    None => {
                        let letters: String =
                            mark.chars().filter(char::is_ascii_alphanumeric).collect();
                        format!("{s}{letters}")
                    }
                };
            }
        }
    }
    walk(&mut value, mark);
    value
}

/// Whether the operation `op` requires credentials: its own `security`, else the
/// document's (`global`), has alternatives and none of them is empty (anonymous).
pub fn requires_credentials(op: &Value, global: &Value) -> bool {
    op.get("security")
        .unwrap_or(global)
        .as_array()
        .is_some_and(|alts| {
            !alts.is_empty()
                && alts
                    .iter()
                    .all(|a| a.as_object().is_some_and(|m| !m.is_empty()))
        })
}

/// Every operation of `doc`, in document order, with whether its effective security (its
/// own, else the document's) requires credentials.
pub fn operations_in(doc: &Value) -> Vec<(OpInfo, bool)> {
    let global = doc.get("security").cloned().unwrap_or(Value::Null);
    let mut out = Vec::new();
    for (path, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for (method, op) in item.as_object().into_iter().flatten() {
            if !["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                continue;
            }
            let secured = requires_credentials(op, &global);
            let id = op
                .get("operationId")
                .and_then(Value::as_str)
                .unwrap_or(path)
                .to_string();
            out.push((
                OpInfo {
                    id,
                    method: method.to_uppercase(),
                    path: path.clone(),
                    op: std::sync::Arc::new(op.clone()),
                },
                secured,
            ));
        }
    }
    out
}

impl Ctx {
    /// Whether the run can make an account of its own ([`Identity::Spare`]): a sign-in with
    /// a sign-up beside it, in a run that may write.
    pub fn spare_possible(&self) -> bool {
        !self.read_only()
            && self.profile.auth.as_ref().is_some_and(|a| {
                *a.kind.get_ref() == crate::profile::AuthKind::Login && a.register.is_some()
            })
    }

    pub fn new(
        profile: Profile,
        http: Http,
        error_schema: Option<Value>,
        error_schema_root: Value,
    ) -> Ctx {
        let mut session_operations: Vec<String> = Vec::new();
        if let Some(a) = &profile.auth {
            session_operations.extend(a.operation.iter().map(|o| o.get_ref().clone()));
            session_operations.extend(a.register.iter().map(|o| o.get_ref().clone()));
        }
        if let Some(r) = &profile.refresh {
            session_operations.push(r.operation.get_ref().clone());
            session_operations.extend(r.logout.iter().map(|o| o.get_ref().clone()));
        }
        let in_flight = profile.behaviour.concurrency.max(1);
        Ctx {
            profile,
            http,
            error_schema,
            error_schema_root,
            base_token: OnceCell::new(),
            cors_absent: OnceCell::new(),
            operations: Default::default(),
            expired: OnceCell::new(),
            unknown_answer: OnceCell::new(),
            malformed_answer: OnceCell::new(),
            some_route_served: OnceCell::new(),
            not_served: Default::default(),
            sessions: Default::default(),
            signing: Default::default(),
            refused_sign_ins: Default::default(),
            signed_in_once: Default::default(),
            registered: Default::default(),
            spare_calls: Default::default(),
            in_flight: tokio::sync::Semaphore::new(in_flight),
            created: Default::default(),
            ever_made: Default::default(),
            listed_before: Default::default(),
            listed_parents: Default::default(),
            listed_bases: Default::default(),
            owners: Default::default(),
            made_accounts: Default::default(),
            session_operations,
            seed: 0,
            selected: Vec::new(),
            selected_steps: Default::default(),
            first_signed_up: Default::default(),
            refusals: Default::default(),
            unanswered: Default::default(),
            secured_in_practice: false,
            envelope_statuses: Default::default(),
            memo: Default::default(),
            referents: Default::default(),
            referents_making: Default::default(),
            user_scheme: None,
            asyncapi: None,
        }
    }

    /// Whether the run is `--read-only` (the HTTP gate's mode: one place knows it).
    pub fn read_only(&self) -> bool {
        self.http.read_only()
    }

    fn contract(&self) -> &Contract {
        self.http.contract()
    }

    pub fn doc(&self) -> &Value {
        &self.contract().spec.document
    }

    pub fn op(&self, id: &str) -> Result<OpInfo, CtxError> {
        self.operations()
            .iter()
            .find(|(o, _)| o.id == id)
            .map(|(o, _)| o.clone())
            .ok_or_else(|| CtxError::Setup(format!("the spec has no operation `{id}`")))
    }

    /// Every operation of the spec, read once, with whether the spec secures it.
    pub(crate) fn operations(&self) -> &[(OpInfo, bool)] {
        self.operations.get_or_init(|| operations_in(self.doc()))
    }

    /// Every operation of the spec, in document order, with whether it needs credentials:
    /// as the spec says, or, where it secures none and the backend does
    /// ([`Ctx::security_in_practice`]), every operation but those the run signs in with.
    /// A health check ([`health_check`]) is never taken as secured: the probe that calls it
    /// sends no credentials.
    pub fn all_operations(&self) -> Vec<(OpInfo, bool)> {
        if !self.secured_in_practice {
            let health: Vec<String> = self
                .operations()
                .iter()
                .filter(|(op, secured)| *secured && health_check(op))
                .map(|(op, _)| format!("{} {} ({})", op.method, op.path, op.id))
                .collect();
            if !health.is_empty() {
                self.http.note(format!(
                    "auth: the credentials the spec asks of {} are not checked: a health check answers a load balancer's probe, which sends none",
                    health.join(", ")
                ));
            }
            return self
                .operations()
                .iter()
                .map(|(op, secured)| (op.clone(), *secured && !health_check(op)))
                .collect();
        }
        // Held secured as the backend answers: all but the run's own sign-in and sign-up, a
        // health check and the API's root (Jupyter's `GET /api/`, its version), which a
        // backend answers anyone.
        self.operations()
            .iter()
            .map(|(op, _)| {
                (
                    op.clone(),
                    !self.session_operations.contains(&op.id)
                        && !health_check(op)
                        && !self.api_root(op),
                )
            })
            .collect()
    }

    /// Whether `op` reads the API's root: a GET without parameters at a path every other
    /// path of the spec lies under (`GET /api/` beside `/api/contents`, `/api/kernels`),
    /// which names the API (its version, its links) rather than anything in it.
    pub fn api_root(&self, op: &OpInfo) -> bool {
        if op.method != "GET" || op.path.contains('{') {
            return false;
        }
        let root = op.path.trim_end_matches('/');
        let Some(paths) = self
            .doc()
            .get("paths")
            .and_then(serde_json::Value::as_object)
        else {
            return false;
        };
        let others: Vec<&String> = paths.keys().filter(|p| **p != op.path).collect();
        others.len() >= 2
            && others
                .iter()
                .all(|p| p.starts_with(&format!("{root}/")) && p.trim_end_matches('/') != root)
    }

    /// Whether `op` needs credentials only as the backend answers, the spec securing none.
    pub fn secured_only_in_practice(&self, op: &str) -> bool {
        self.secured_in_practice
            && !self.session_operations.iter().any(|o| o == op)
            && self
                .operations()
                .iter()
                .any(|(o, secured)| o.id == op && !secured)
    }

    /// Every operation whose effective security requires credentials.
    pub fn secured_operations(&self) -> Vec<OpInfo> {
        self.all_operations()
            .into_iter()
            .filter_map(|(op, secured)| secured.then_some(op))
            .collect()
    }

    /// Whether the run has no credentials (no `[auth]`): the behaviour phase then calls the
    /// operations the spec leaves open, as a visitor, and lists the secured ones as left out.
    pub fn anonymous(&self) -> bool {
        self.profile.auth.is_none()
    }

    /// The security alternatives of `op` of which the run's token satisfies none (see
    /// [`crate::security::unmet_security`]); for an anonymous run, every alternative of a
    /// secured operation.
    pub fn unmet_security(&self, op: &OpInfo) -> Option<Vec<String>> {
        if self.anonymous() {
            return crate::security::alternatives(self.doc(), &op.op);
        }
        let user = crate::security::UserScheme {
            name: self.user_scheme.clone(),
            placement: self.http.placement().clone(),
        };
        crate::security::unmet_security(self.doc(), &op.op, &user)
            .filter(|_| self.behaviour_key(op).is_none())
    }

    /// The variable `[apikey] key_env` names, where it names one.
    fn behaviour_key_env(&self) -> Option<&str> {
        self.profile.apikey.as_ref()?.key_env.as_deref()
    }

    /// [`Ctx::behaviour_key`] for a request of `method` to `target`: nothing is looked up
    /// where the profile names no key.
    pub fn behaviour_key_for(&self, method: &str, target: &str) -> Option<String> {
        self.behaviour_key_env()?;
        let path = crate::http::without_query(target);
        let id = self.http.contract().operation_id(method, path)?;
        self.behaviour_key(&self.op(id).ok()?)
    }

    /// The API key the first identity sends to `op` in the behaviour phase, where `op` takes
    /// the `[apikey]` scheme alone and not the user's token, and the profile gives a key
    /// (`key_env`), as the user's own frontend sends its key: LNbits's wallet API (payments,
    /// a wallet's own settings) takes a wallet's `X-API-KEY` and no bearer token. A key the
    /// run makes for the `@apikey` checks is theirs alone.
    pub fn behaviour_key(&self, op: &OpInfo) -> Option<String> {
        let secret = std::env::var(self.behaviour_key_env()?)
            .ok()
            .filter(|k| !k.is_empty())?;
        let (scheme, _, _) = self.api_key_scheme()?;
        let user = crate::security::UserScheme {
            name: self.user_scheme.clone(),
            placement: self.http.placement().clone(),
        };
        crate::security::unmet_security(self.doc(), &op.op, &user)?;
        let global = self.doc().get("security").unwrap_or(&Value::Null);
        apikey::secured_by_alone(&op.op, global, &scheme).then_some(secret)
    }

    /// The secured operations the user's token opens: those with a security alternative of
    /// the user's scheme alone (operations secured only by a refresh cookie and a CSRF header,
    /// or by a service's API key, belong to other checks). Under `--read-only`, the safe ones.
    pub fn token_operations(&self) -> Vec<OpInfo> {
        let secured = self.secured_operations();
        let by_scheme: Vec<OpInfo> = match &self.user_scheme {
            Some(scheme) => self.operations_secured_by(scheme),
            None => secured.clone(),
        };
        secured
            .into_iter()
            .filter(|o| {
                by_scheme
                    .iter()
                    .any(|b| b.method == o.method && b.path == o.path)
            })
            .filter(|o| !self.read_only() || o.method == "GET")
            .filter(|o| !o.websocket())
            .filter(|o| !self.signs_in_or_out(o))
            .collect()
    }

    /// Whether `op` begins or ends a session, as its path says (`/auth/logout`,
    /// `/auth/oidc/{provider}/login`, a redirect under `oidc`): a sign-in is open to whoever
    /// has no session yet, and a sign-out with no session has none to end, so that answering
    /// either without a token is no hole, though the spec's global security covers them
    /// (Semaphore's `POST /auth/logout` answers 204). Noted.
    pub fn signs_in_or_out(&self, op: &OpInfo) -> bool {
        let segments: Vec<String> = op
            .path
            .split('/')
            .filter(|s| !s.is_empty() && !s.starts_with('{'))
            .map(|s| s.to_ascii_lowercase().replace(['-', '_'], ""))
            .collect();
        let flow = segments.last().is_some_and(|last| {
            ["login", "logout", "signin", "signout", "logon", "logoff"].contains(&last.as_str())
        }) || segments
            .iter()
            .any(|s| ["oidc", "oauth", "oauth2", "sso", "saml"].contains(&s.as_str()));
        if flow {
            self.http.note(format!(
                "auth: {} {} signs in or out (its path says so): the token checks do not hold it to refusing a request without a session",
                op.method, op.path
            ));
            return true;
        }
        // The sign-up the run registers with is open to whoever has no account yet, though
        // a global `security` covers it (springdoc's `POST /api/v1/auth/sign-up`).
        let sign_up = self
            .profile
            .auth
            .as_ref()
            .and_then(|a| a.register.as_ref())
            .is_some_and(|r| *r.get_ref() == op.id);
        if sign_up {
            self.http.note(format!(
                "auth: {} {} is the sign-up the run registers with: the token checks do not hold it to refusing a request without a session",
                op.method, op.path
            ));
        }
        sign_up
    }

    /// Whether `op` renews the session it is called in, by the token it carries alone: named
    /// for a refresh or renewal, with no body to send a refresh token in, and not the
    /// profile's own refresh (Homebox's `GET /v1/users/refresh`, after which the token it was
    /// called with is refused). Called with the run's shared session, it would end it.
    pub fn renews_session(&self, op: &OpInfo) -> bool {
        let lowered = format!("{} {}", op.id, op.path).to_ascii_lowercase();
        (lowered.contains("refresh") || lowered.contains("renew"))
            && op.op.get("requestBody").is_none()
            && !self.session_operations.contains(&op.id)
    }

    /// Whether a 403 from `op` may refuse the identity, as another role's operation: not
    /// where `op` took a request before (its 403 refuses the input, as Spring Boot's `/error`
    /// answers every error), nor for the sign-up or sign-in (open to whoever has no session).
    pub fn may_refuse_the_identity(&self, op: &str) -> bool {
        !self.http.accepted_before(op) && !self.session_operations.iter().any(|o| o == op)
    }

    /// Notes that the signed-in identity is refused `op` (a 403 to a valid request): an
    /// operation for another role, left out of the checks rather than failed, or checked
    /// with the privileged identity when the profile names one.
    pub fn forbidden(&self, op: &str) {
        self.http.note(if self.has_privileged() {
            format!(
                "forbidden: {op} refuses the signed-in identity (403); its checks ran as the privileged identity"
            )
        } else {
            format!(
                "forbidden: {op} refuses the signed-in identity (403) and was left out of the checks that need it (auth.privileged_body names an identity that may call it)"
            )
        });
    }

    /// Whether the profile names a privileged identity.
    pub fn has_privileged(&self) -> bool {
        self.profile
            .auth
            .as_ref()
            .is_some_and(crate::profile::Auth::has_privileged_identity)
    }

    /// The status a missing or bad token gets on `op`, as the spec documents it.
    pub fn refusal_status(&self, op: &OpInfo) -> u16 {
        crate::security::refusal_status(&op.op, self.profile.auth.as_ref())
    }

    /// The statuses a missing or bad token may get on `op` ([`crate::security::refusals`]).
    pub fn refusals(&self, op: &OpInfo) -> Vec<u16> {
        crate::security::refusals(&op.op, self.profile.auth.as_ref())
    }

    /// A GET the user's token opens, without path parameters: where a token is tried. The
    /// read of the signed-in user comes first, as any signed-in user may make it, and a read
    /// under an administrator's path last: Vikunja answers its `GET /admin/overview` 404 to
    /// a user who is no administrator, whose token then seems refused everywhere.
    pub fn probe_operation(&self) -> Option<OpInfo> {
        let plain_read = |o: &OpInfo| o.method == "GET" && !o.path.contains('{');
        let mut reads: Vec<OpInfo> = self
            .token_operations()
            .into_iter()
            .filter(plain_read)
            .collect();
        reads.sort_by_key(|o| (!names_current_user(&o.path), administrative(&o.path)));
        reads.into_iter().next().or_else(|| {
            // A spec that secures nothing (memos's, generated from its protos) still has
            // the read of the signed-in user (`GET /api/v1/auth/me`): a token works there
            // or nowhere.
            if !self.secured_operations().is_empty() || self.anonymous() {
                return None;
            }
            self.all_operations()
                .into_iter()
                .map(|(o, _)| o)
                .filter(plain_read)
                .find(|o| names_current_user(&o.path))
        })
    }

    pub fn cors_path(&self) -> String {
        self.profile
            .cors
            .as_ref()
            .and_then(|c| c.path.clone())
            .or_else(|| self.probe_operation().map(|o| o.path))
            .unwrap_or_else(|| "/".into())
    }

    /// The operation's parameters (the path item's and its own), references followed.
    pub fn parameters(&self, op: &OpInfo) -> Vec<Value> {
        let doc = self.doc();
        let mut params: Vec<Value> = Vec::new();
        if let Some(item) = doc.get("paths").and_then(|p| p.get(&op.path)) {
            params.extend(
                item.get("parameters")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default(),
            );
        }
        params.extend(
            op.op
                .get("parameters")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
        );
        params
            .into_iter()
            .map(|p| accord_spec::follow_ref(doc, &p).clone())
            .collect()
    }

    /// The name of an input of `op` that is itself a credential (a parameter or a member of
    /// its body named like a token, password or secret: a password reset's `token`, a
    /// sign-in's `password`), where it takes one: a 401 to it may refuse that input, which
    /// the run makes up, rather than the session it is sent in.
    pub fn credential_input(&self, op: &OpInfo) -> Option<String> {
        // A header or a cookie is the session's, not an input of the operation's own: FastAPI
        // declares LNbits's session cookie, `cookie_access_token`, on every operation.
        let params = self.parameters(op).into_iter().filter_map(|p| {
            (!matches!(
                p.get("in").and_then(Value::as_str),
                Some("header" | "cookie")
            ))
            .then(|| p.get("name").and_then(Value::as_str).map(str::to_string))
            .flatten()
        });
        let members = self
            .body_schema(op)
            .map(|schema| {
                let doc = self.doc();
                let schema = accord_spec::follow_ref(doc, &schema).clone();
                let mut names: Vec<String> = Vec::new();
                let mut parts = vec![schema];
                parts.extend(
                    ["allOf", "oneOf", "anyOf"]
                        .iter()
                        .filter_map(|k| parts[0].get(*k).and_then(Value::as_array).cloned())
                        .flatten()
                        .map(|s| accord_spec::follow_ref(doc, &s).clone())
                        .collect::<Vec<_>>(),
                );
                for part in parts {
                    if let Some(props) = part.get("properties").and_then(Value::as_object) {
                        names.extend(props.keys().cloned());
                    }
                }
                names
            })
            .unwrap_or_default();
        // What only describes a credential (`tokenName`, `token_type`, `secretId`) is none.
        let describes = |name: &str| {
            let n = name.to_ascii_lowercase();
            [
                "name",
                "type",
                "id",
                "ids",
                "at",
                "description",
                "count",
                "length",
                "policy",
            ]
            .iter()
            .any(|w| n.ends_with(w))
        };
        let declared = params.chain(members).find(|name| {
            crate::exchange::is_secret_name(name) && !describes(name) && names_a_credential(name)
        });
        // Named for checking or resetting a token or password the spec leaves undeclared
        // (Unleash's `GET /auth/reset/validate`, `validateToken`, which reads `?token=`).
        // A password's reset or recovery is a public flow whatever the spec secures (Unleash's
        // `sendResetPasswordEmail` answers 404 for an unknown address, and 429 after a few).
        let undeclared = self.parameters(op).is_empty() && op.op.get("requestBody").is_none();
        declared.or_else(|| {
            let words = name_words(op);
            let has = |list: &[&str]| words.iter().find(|w| list.contains(&w.as_str())).cloned();
            if let (Some(_), Some(flow)) = (
                has(&["password"]),
                has(&["reset", "forgot", "forgotten", "recover", "recovery"]),
            ) {
                return Some(format!("the password {flow} it starts"));
            }
            undeclared.then_some(())?;
            let secret = has(&["token", "password", "code", "otp"])?;
            has(&[
                "reset", "validate", "verify", "confirm", "forgot", "recover", "activate", "invite",
            ])
            .map(|_| format!("the {secret} its name says it checks"))
        })
    }

    /// Whether the 401 `e` may refuse a credential the operation takes as an input
    /// ([`Ctx::credential_input`]) rather than the session it was sent in: noted once, and
    /// not held against the token.
    pub fn refuses_own_credential(&self, e: &crate::http::Exchange) -> bool {
        let Some(op) = e.operation.as_deref().and_then(|id| self.op(id).ok()) else {
            return false;
        };
        let Some(input) = self.credential_input(&op) else {
            return false;
        };
        self.http.note(format!(
            "{} answered 401: it takes a credential of its own (`{input}`), which the run makes up, so its refusal is not held against the session",
            op.id
        ));
        true
    }

    /// Whether `e`, a refusal (4xx) other than the `expected` one to a request without valid
    /// credentials, comes from an operation that takes a credential of its own (an invite's
    /// token in its path): it may refuse that credential, which the run makes up, before it
    /// asks for the session's; refused all the same, noted and not judged.
    /// A 429 is the backend defending itself, whatever the request: noted, not judged.
    pub fn refusal_not_judged(&self, e: &crate::http::Exchange, expected: &str) -> bool {
        if !(400..500).contains(&e.status) {
            return false;
        }
        if e.status == 429 {
            self.http.note(format!(
                "auth: {} answered 429 (a rate limit), not {expected}: the backend defends itself; not judged",
                e.operation.as_deref().unwrap_or("a request")
            ));
            return true;
        }
        let Some(op) = e.operation.as_deref().and_then(|id| self.op(id).ok()) else {
            return false;
        };
        let Some(input) = self.credential_input(&op) else {
            return false;
        };
        self.http.note(format!(
            "auth: {} refuses with {} (not {expected}) a request whose credential of its own (`{input}`) the run makes up: refused, if not for the session; not judged",
            op.id, e.status
        ));
        true
    }

    /// `op`'s path with its parameters filled. A write (any method but GET, HEAD and
    /// OPTIONS) gets ids that name nothing (a random one of the parameter's type), never the
    /// spec's sample ids: those may name a real resource the run did not create.
    pub fn fill_path(&self, op: &OpInfo) -> String {
        let write = !matches!(op.method.as_str(), "GET" | "HEAD" | "OPTIONS");
        self.fill_path_with(op, write)
    }

    /// `op`'s path with its parameters filled: with `unused`, ids that name nothing.
    pub fn fill_path_with(&self, op: &OpInfo, unused: bool) -> String {
        let string = json!({"type": "string"});
        let mut path = op.path.clone();
        for p in self.parameters(op) {
            if p.get("in").and_then(Value::as_str) == Some("path") {
                let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
                let schema = p.get("schema").unwrap_or(&string);
                let value = if unused {
                    sample::unused_id(self.doc(), schema, self.http.id_shape())
                } else {
                    sample::valid(self.doc(), schema)
                };
                let text = match value {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                path = path.replace(&format!("{{{name}}}"), &crate::http::urlencode(&text));
            }
        }
        path
    }

    /// The schema of the operation's request body in the first media type `kind` says yes to.
    fn body_schema_in(&self, op: &OpInfo, kind: fn(&str) -> bool) -> Option<Value> {
        let body = accord_spec::follow_ref(self.doc(), op.op.get("requestBody")?);
        let content = body.get("content")?.as_object()?;
        content
            .iter()
            .find(|(m, _)| kind(m))
            .and_then(|(_, m)| m.get("schema").cloned())
    }

    /// The schema of the operation's JSON request body, if it takes one. For a JSON Patch
    /// ([`crate::contract::takes_json_patch`]), the object it patches, every member optional:
    /// the body of the create beside it (`POST /notes` for `PATCH /notes/{id}`), else what
    /// the item's read answers. The run writes that object, and it goes as the patch.
    pub fn json_body_schema(&self, op: &OpInfo) -> Option<Value> {
        if crate::contract::takes_json_patch(self.doc(), &op.op)
            && let Some(target) = self.patched_schema(op)
        {
            return Some(target);
        }
        self.body_schema_in(op, accord_spec::media::is_json)
    }

    /// The schema of what the JSON Patch operation `op` patches, every member optional.
    fn patched_schema(&self, op: &OpInfo) -> Option<Value> {
        let doc = self.doc();
        let parent = op
            .path
            .rsplit_once('/')
            .filter(|(_, last)| last.starts_with('{'))
            .map(|(parent, _)| parent)?;
        let paths = doc.get("paths")?;
        let create = paths
            .get(parent)
            .and_then(|item| item.get("post"))
            .and_then(|post| post.get("requestBody"))
            .map(|b| accord_spec::follow_ref(doc, b))
            .and_then(|b| b.get("content"))
            .and_then(Value::as_object)
            .and_then(|c| accord_spec::media::json_content(c).and_then(|(_, m)| m.get("schema")));
        let read = || {
            let get = paths.get(&op.path)?.get("get")?;
            let (_, response) = get
                .get("responses")?
                .as_object()?
                .iter()
                .find(|(status, _)| status.starts_with('2'))?;
            accord_spec::media::json_content(
                accord_spec::follow_ref(doc, response)
                    .get("content")?
                    .as_object()?,
            )?
            .1
            .get("schema")
        };
        let schema = accord_spec::follow_ref(doc, create.or_else(read)?);
        if schema.get("type").and_then(Value::as_str) == Some("array") {
            return None;
        }
        let mut schema = schema.clone();
        if let Some(o) = schema.as_object_mut() {
            o.remove("required");
        }
        Some(schema)
    }

    /// The schema of `op`'s body as generated inputs send it: the JSON one, or, where the
    /// spec offers a form (`application/x-www-form-urlencoded`) and no JSON, the form's.
    pub fn body_schema(&self, op: &OpInfo) -> Option<Value> {
        self.json_body_schema(op)
            .or_else(|| self.body_schema_in(op, accord_spec::media::is_form))
    }

    /// Whether `op`'s body goes as a form: each field text, where a number and the string of
    /// its digits are one value, and `null` is no field at all.
    pub fn form_body(&self, op: &OpInfo) -> bool {
        self.json_body_schema(op).is_none() && self.body_schema(op).is_some()
    }

    /// The media type of `op`'s required body when generated inputs cannot send it (neither
    /// JSON nor a form: a `multipart/form-data` upload, raw bytes).
    pub fn unsendable_body(&self, op: &OpInfo) -> Option<String> {
        let body = accord_spec::follow_ref(self.doc(), op.op.get("requestBody")?);
        if self.body_schema(op).is_some() || body.get("required") != Some(&Value::Bool(true)) {
            return None;
        }
        let content = body.get("content")?.as_object()?;
        Some(content.keys().cloned().collect::<Vec<_>>().join(", "))
    }

    /// A request for `op` with path parameters and a body that satisfy the spec.
    pub fn request_for(&self, op: &OpInfo) -> Request {
        let mut request = Request::new(&op.method, self.fill_path(op));
        if let Some(schema) = self.body_schema(op) {
            request = request.body(self.body_for(op, sample::valid(self.doc(), &schema)));
        }
        request
    }

    /// `value` as `op`'s body is sent: in its encoding, and for a JSON Patch operation the
    /// object it means as the patch that makes it ([`crate::contract::json_patch_of`]).
    pub fn body_for(&self, op: &OpInfo, mut value: Value) -> crate::http::Body {
        // A form asks for a password twice and sends one value in both.
        crate::sample::mirror_confirmations(&mut value);
        let value = if crate::contract::takes_json_patch(self.doc(), &op.op) {
            crate::contract::json_patch_of(value)
        } else {
            value
        };
        encode(value, self.encoding_for(op, None))
    }

    /// How `op`'s body is sent: the profile's override, else the spec's request body media
    /// type (JSON when it offers JSON, a form when it offers only a form).
    pub fn encoding_for(&self, op: &OpInfo, preferred: Option<Encoding>) -> Encoding {
        if let Some(e) = preferred {
            return e;
        }
        let media: Vec<String> = op
            .op
            .get("requestBody")
            .map(|b| accord_spec::follow_ref(self.doc(), b))
            .and_then(|b| b.get("content"))
            .and_then(Value::as_object)
            .map(|c| c.keys().cloned().collect())
            .unwrap_or_default();
        let json = media.iter().any(|m| accord_spec::media::is_json(m));
        let form = media
            .iter()
            .any(|m| accord_spec::media::is_form(m) || accord_spec::media::is_multipart(m));
        if form && !json {
            Encoding::Form
        } else {
            Encoding::Json
        }
    }

    fn body_of(
        &self,
        table: &Option<toml::Table>,
        encoding: Encoding,
        vars: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Body, CtxError> {
        let Some(table) = table else {
            return Ok(Body::None);
        };
        let value = crate::profile::fill(table, vars)?;
        Ok(encode(value, encoding))
    }
}

/// Whether `path` lies under an administrator's segment (`/admin/overview`,
/// `/api/admin/users`): operations another role than the run's user's may be refused.
pub fn administrative(path: &str) -> bool {
    path.split('/').any(|segment| {
        let s = segment.to_ascii_lowercase();
        s == "admin" || s.starts_with("admin_") || s.starts_with("admin-") || s == "superuser"
    })
}

/// The words of `op`'s name: its operationId split at case changes and punctuation, and the
/// literal segments of its path (`deleteSubscriberByQuery`, `/subscribers/query/delete`:
/// delete, subscriber, by, query, subscribers), lower-cased.
pub fn name_words(op: &OpInfo) -> Vec<String> {
    let literal: Vec<&str> = op.path.split('/').filter(|s| !s.contains('{')).collect();
    words(&format!("{}/{}", op.id, literal.join("/")))
}

/// The words of `text`, split at case changes and at anything but letters and digits,
/// lower-cased (`newPassword`, `api_key`: new, password, api, key).
pub fn words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut previous_lower = false;
    for c in text.chars() {
        if (!c.is_ascii_alphanumeric() || (c.is_ascii_uppercase() && previous_lower))
            && !word.is_empty()
        {
            words.push(std::mem::take(&mut word).to_ascii_lowercase());
        }
        if c.is_ascii_alphanumeric() {
            word.push(c);
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
    }
    if !word.is_empty() {
        words.push(word.to_ascii_lowercase());
    }
    words
}

/// Whether `op` is a health check: a GET without parameters in its path whose last segment
/// names one (`/health`, `/ready`, `/livez`, `/api/ping`). A load balancer's or an
/// orchestrator's probe sends no credentials, so one answers without them whatever the spec
/// says (Unleash's spec secures its `/health` and `/ready` as it does every route).
pub fn health_check(op: &OpInfo) -> bool {
    let last = op
        .path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    op.method == "GET"
        && !op.path.contains('{')
        && [
            "health",
            "healthz",
            "healthcheck",
            "health-check",
            "health_check",
            "ready",
            "readyz",
            "readiness",
            "live",
            "livez",
            "liveness",
            "ping",
            "heartbeat",
        ]
        .contains(&last.as_str())
}

/// Whether a parameter or member `name` names a credential by one of its words (`token`,
/// `newPassword`, `api_key`, `X-Signature`): `llm_last_tokens_used`, a count of tokens, names
/// none.
fn names_a_credential(name: &str) -> bool {
    let words = words(name);
    words.iter().enumerate().any(|(i, w)| {
        matches!(
            w.as_str(),
            "token"
                | "password"
                | "passwd"
                | "secret"
                | "signature"
                | "credential"
                | "credentials"
                | "authorization"
                | "apikey"
        ) || (w == "key" && i > 0 && words[i - 1] == "api")
    })
}

/// Whether `path` reads the signed-in user: its last segment is `me`, `whoami`, `current`
/// or `user` (`/api/v1/auth/me`, `/user`, `/users/current`).
pub fn names_current_user(path: &str) -> bool {
    let last = path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    [
        "me",
        "whoami",
        "current",
        "user",
        "current_user",
        "current-user",
    ]
    .contains(&last.as_str())
}

/// The parameters the spec declares, each followed, from every path and operation.
fn declared_parameters(doc: &Value) -> Vec<Value> {
    let mut declared: Vec<Value> = Vec::new();
    for item in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|p| p.values())
    {
        let item = accord_spec::follow_ref(doc, item);
        let mut lists = vec![item.get("parameters")];
        lists.extend(
            [
                "get", "put", "post", "delete", "options", "head", "patch", "trace",
            ]
            .iter()
            .map(|m| item.get(*m).and_then(|op| op.get("parameters"))),
        );
        for p in lists
            .into_iter()
            .flatten()
            .filter_map(Value::as_array)
            .flatten()
        {
            declared.push(accord_spec::follow_ref(doc, p).clone());
        }
    }
    declared
}

/// The required headers of the spec that the run sets to one value (a tenant's `X-Tenant`,
/// which every operation declares: a made-up one is refused before anything else is looked
/// at), each with the value the spec gives (its example, default or single `enum` value),
/// if any. Not those the run sets otherwise (the credential, the media types, `If-Match`),
/// nor one that must differ from request to request (an idempotency key, a request or
/// correlation id), which is generated each time.
pub fn required_headers(doc: &Value) -> Vec<(String, Option<String>)> {
    let field = |p: &Value, k: &str| p.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let generated_each_time = |n: &str| {
        [
            "idempotency",
            "request-id",
            "requestid",
            "correlation",
            "trace",
            "nonce",
        ]
        .iter()
        .any(|w| n.contains(w))
    };
    let set_by_the_run = [
        "authorization",
        "content-type",
        "accept",
        "if-match",
        "cookie",
    ];
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    for p in declared_parameters(doc) {
        let name = field(&p, "name");
        let lower = name.to_ascii_lowercase();
        if field(&p, "in") != "header"
            || p.get("required") != Some(&Value::Bool(true))
            || set_by_the_run.contains(&lower.as_str())
            || generated_each_time(&lower)
            || out.iter().any(|(n, _)| n.eq_ignore_ascii_case(&name))
        {
            continue;
        }
        let schema = p.get("schema").map(|s| accord_spec::follow_ref(doc, s));
        let single_enum = schema
            .and_then(|s| s.get("enum"))
            .and_then(Value::as_array)
            .filter(|e| e.len() == 1)
            .and_then(|e| e.first());
        let value = p
            .get("example")
            .or_else(|| {
                p.get("examples")
                    .and_then(Value::as_object)
                    .and_then(|e| e.values().next())
                    .map(|e| accord_spec::follow_ref(doc, e))
                    .and_then(|e| e.get("value"))
            })
            .or_else(|| schema.and_then(|s| s.get("example")))
            .or_else(|| schema.and_then(|s| s.get("default")))
            .or(single_enum)
            .filter(|v| !v.is_null())
            .map(|v| {
                v.as_str()
                    .map(String::from)
                    .unwrap_or_else(|| v.to_string())
            });
        out.push((name, value));
    }
    out
}

/// The parameters the run sets to one value wherever an operation declares them
/// ([`crate::http::Fixed`]), with a note on each: those the profile's `[parameters]` names
/// (their `${ENV}` placeholders filled), and each of the spec's [`required_headers`] at the
/// value it gives; one it gives none for is noted, saying how to name one. An error names a
/// placeholder whose variable is unset.
pub fn fixed_parameters(
    doc: &Value,
    given: &toml::Table,
) -> Result<(Vec<crate::http::Fixed>, Vec<String>), String> {
    let mut fixed: Vec<crate::http::Fixed> = Vec::new();
    let mut notes = Vec::new();
    let declared = declared_parameters(doc);
    let field = |p: &Value, k: &str| p.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    for (name, value) in given {
        let text = match value {
            toml::Value::String(s) => {
                crate::profile::fill_text(s).map_err(|e| format!("[parameters] {name}: {e}"))?
            }
            other => other.to_string(),
        };
        let location = declared
            .iter()
            .find(|p| {
                let n = field(p, "name");
                n == *name || (field(p, "in") == "header" && n.eq_ignore_ascii_case(name))
            })
            .map(|p| field(p, "in"));
        let Some(location) = location.filter(|l| l == "header" || l == "query") else {
            notes.push(format!(
                "parameters: `{name}` is no header or query parameter of the spec; it is not sent"
            ));
            continue;
        };
        notes.push(format!(
            "parameters: `{name}` ({location}) goes as the profile gives it wherever an operation declares it"
        ));
        fixed.push(crate::http::Fixed {
            location,
            name: name.clone(),
            value: text,
        });
    }
    for (name, value) in required_headers(doc) {
        if fixed
            .iter()
            .any(|f| f.location == "header" && f.name.eq_ignore_ascii_case(&name))
        {
            continue;
        }
        match value {
            Some(value) => {
                notes.push(format!(
                    "parameters: the required header `{name}` goes as the spec's `{value}` wherever an operation declares it (give the deployment's in [parameters] if it differs)"
                ));
                fixed.push(crate::http::Fixed {
                    location: "header".into(),
                    name,
                    value,
                });
            }
            None => notes.push(format!(
                "parameters: the required header `{name}` has no example in the spec, so the run makes one up; if the backend takes only its own values, give one in [parameters]"
            )),
        }
    }
    Ok((fixed, notes))
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_redirect_signs_in_only_where_it_sets_a_session_cookie() {
        use crate::http::Exchange;
        let answer = |status: u16, cookies: &[&str]| {
            let mut e = Exchange::none();
            e.status = status;
            e.response_headers = cookies
                .iter()
                .map(|c| ("set-cookie".to_string(), c.to_string()))
                .collect();
            e
        };
        assert!(super::sessions::signed_in(&answer(200, &[])));
        assert!(super::sessions::signed_in(&answer(
            302,
            &["JSESSIONID=abc; Path=/; HttpOnly"]
        )));
        assert!(!super::sessions::signed_in(&answer(302, &[])));
        assert!(!super::sessions::signed_in(&answer(
            302,
            &["JSESSIONID=; Max-Age=0"]
        )));
        assert!(!super::sessions::signed_in(&answer(
            401,
            &["JSESSIONID=abc"]
        )));
    }
    #[test]
    fn a_credential_is_named_by_a_word_of_its_name() {
        for name in [
            "token",
            "accessToken",
            "new_password",
            "api_key",
            "X-Signature",
            "apikey",
        ] {
            assert!(super::names_a_credential(name), "{name}");
        }
        for name in ["llm_last_tokens_used", "passwords_count", "keyboard"] {
            assert!(!super::names_a_credential(name), "{name}");
        }
    }

    #[test]
    fn a_backend_that_does_not_answer_is_a_transport_failure_not_a_setup_one() {
        use super::CtxError;
        use crate::rules::Rule;
        let f = CtxError::Transport("connection refused".into()).failure("signing in");
        assert_eq!(f.rule, Rule::Transport);
        assert_eq!(
            f.message,
            "signing in: the backend did not answer: connection refused"
        );
        let f = CtxError::Setup("no token at /access_token".into()).failure("signing in");
        assert_eq!(f.rule, Rule::Setup);
        assert_eq!(f.message, "signing in: no token at /access_token");
        // Whatever else converts a context error keeps the distinction.
        let f: crate::rules::Failure = CtxError::Transport("reset".into()).into();
        assert_eq!(f.rule, Rule::Transport);
    }

    #[test]
    fn a_refresh_keeps_the_cookies_it_did_not_set() {
        let pair = |k: &str, v: &str| (k.to_string(), v.to_string());
        let jar = vec![pair("refresh", "r1"), pair("csrf", "c1")];
        let kept = super::keep_jar(&jar, vec![pair("refresh", "r2")]);
        assert_eq!(kept, vec![pair("refresh", "r2"), pair("csrf", "c1")]);
    }
}

//! The profile: one TOML file per environment. Secrets come only from environment variables,
//! through `${NAME}` placeholders. Unknown keys and bad values are errors naming the key and
//! the line.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Where the backend is; `--base-url` overrides it.
    pub base_url: Spanned<String>,
    /// The spec: a path (relative to the profile) or an http(s) URL.
    pub spec: Spanned<String>,
    /// Per-request timeout, seconds (default 10).
    #[serde(default)]
    pub request_timeout_secs: Option<u64>,
    /// The whole run's deadline, seconds (default 300).
    #[serde(default)]
    pub deadline_secs: Option<u64>,
    #[serde(default)]
    pub auth: Option<Auth>,
    #[serde(default)]
    pub refresh: Option<Refresh>,
    #[serde(default)]
    pub cors: Option<Cors>,
    #[serde(default)]
    pub errors: Option<Errors>,
    #[serde(default)]
    pub uploads: Option<Uploads>,
    #[serde(default)]
    pub behaviour: Behaviour,
    #[serde(default)]
    pub apikey: Option<ApiKey>,
    #[serde(default)]
    pub cookies: Option<Cookies>,
    #[serde(default)]
    pub ratelimit: Option<RateLimit>,
    #[serde(default)]
    pub websocket: Option<WebSocket>,
    /// Values of parameters the deployment defines, by the parameter's name (a tenant's
    /// `X-Tenant-Id` header, an `api-version` query): sent on every request to an operation
    /// that declares the parameter, where the run cannot make one up. `${ENV}` placeholders
    /// are filled from the environment.
    #[serde(default)]
    pub parameters: toml::Table,
    /// Whether this is the profile `init` derives, kept in memory for a run with `--spec`
    /// alone: what it says of the backend is what the spec says, which the backend may
    /// contradict (the run then goes as the backend answers, saying so).
    #[serde(skip)]
    pub derived: bool,
}

/// `@apikey`: the operations an `apiKey` security scheme secures.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKey {
    /// The scheme in `components.securitySchemes` (default: the spec's first `apiKey` one).
    #[serde(default)]
    pub scheme: Option<Spanned<String>>,
    /// A valid key, from this environment variable...
    #[serde(default)]
    pub key_env: Option<String>,
    /// ...or created by this operation as the signed-in user.
    #[serde(default)]
    pub create: Option<Spanned<String>>,
    /// The create body (default: `{ name = "accord-conformance" }`).
    #[serde(default)]
    pub create_body: Option<toml::Table>,
    /// JSON pointers into the create answer: the secret and the key's id.
    #[serde(default = "default_key_pointer")]
    pub key: String,
    #[serde(default = "default_id_pointer")]
    pub id: String,
    /// The operation revoking a key, called with its id as the path parameter.
    #[serde(default)]
    pub revoke: Option<Spanned<String>>,
    /// What goes before the key in its header (`"Bearer "`); unset where the scheme is
    /// `Authorization`, the word the backend takes is learned (none, `Bearer`, `Token`, `JWT`).
    #[serde(default)]
    pub prefix: Option<String>,
}

fn default_key_pointer() -> String {
    "/key".into()
}
fn default_id_pointer() -> String {
    "/id".into()
}

/// `@cookies`: the refresh token in a cookie, and the CSRF defence that needs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cookies {
    /// The refresh cookie's name, as login sets it.
    pub refresh_cookie: String,
    /// Whether the cookies must be `Secure` (false only for plain-http development).
    #[serde(default = "yes")]
    pub secure: bool,
    /// The `Path` the refresh cookie must be scoped to (default: any but `/`).
    #[serde(default)]
    pub path: Option<String>,
    /// Double-submit: the cookie whose value the CSRF header must carry.
    #[serde(default)]
    pub csrf_cookie: Option<String>,
    #[serde(default = "default_csrf_header")]
    pub csrf_header: String,
}

fn default_csrf_header() -> String {
    "X-CSRF-Token".into()
}

/// `@ratelimit`: a bounded burst that must meet a 429. Loopback only, unless allowed.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// The operation to burst (default: `auth.operation`, with the login body).
    #[serde(default)]
    pub operation: Option<Spanned<String>>,
    /// At most this many requests...
    #[serde(default = "default_burst")]
    pub burst: u32,
    /// ...at this many per second.
    #[serde(default = "default_rate")]
    pub per_second: u32,
    /// The longest `Retry-After` the suite waits out to see the limit lift.
    #[serde(default = "default_max_wait")]
    pub max_wait_secs: u64,
    /// A backend off loopback (a staging one, never production) may be burst too.
    #[serde(default)]
    pub allow_remote: bool,
}

fn default_burst() -> u32 {
    50
}
fn default_rate() -> u32 {
    20
}
fn default_max_wait() -> u64 {
    60
}

/// `@websocket`: the WebSocket the spec describes (`x-accord-websocket`, or an AsyncAPI
/// document beside it); every key overrides what they say.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebSocket {
    /// The path on the backend (default: `x-accord-websocket.path`, else the AsyncAPI
    /// document's `ws` server and channel; `wss://` when the base URL is https), or a
    /// `ws://`/`wss://` URL when the WebSocket is served elsewhere.
    #[serde(default)]
    pub path: Option<String>,
    /// An AsyncAPI document (2.x or 3.x, relative to the profile) describing the WebSocket;
    /// default: `asyncapi.yaml`, `.yml` or `.json` beside the spec.
    #[serde(default)]
    pub asyncapi: Option<String>,
    /// The query parameter a browser puts the token in (default: the spec's `token.query`,
    /// else `token`).
    #[serde(default)]
    pub token_query: Option<String>,
    /// Where a browser puts the token: `query` (default) or `subprotocol`
    /// (`Sec-WebSocket-Protocol`, after the `subprotocol` name when one is given).
    #[serde(default)]
    pub token: Option<WsToken>,
    /// With `token = "subprotocol"`: the protocol named before the token
    /// (`Sec-WebSocket-Protocol: access_token, <token>`); none sends the token alone.
    #[serde(default)]
    pub subprotocol: Option<String>,
    /// Whether the backend also takes the token in the `Authorization` header (for clients
    /// that can set headers; default true).
    #[serde(default = "yes")]
    pub header: bool,
    /// How long to wait for an event after a write.
    #[serde(default = "default_event_timeout")]
    pub event_timeout_secs: u64,
}

/// Where a browser puts the WebSocket's token.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum WsToken {
    Query,
    Subprotocol,
}

fn default_event_timeout() -> u64 {
    10
}

/// The behaviour phase (`@behaviour`): generated from the spec; these only tune it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Behaviour {
    /// Generated requests per operation (the spec's own example comes first).
    #[serde(default = "default_examples")]
    pub examples: u32,
    /// How long the expired-token check may wait for a token to expire, seconds (0: never).
    #[serde(default = "default_expiry_wait")]
    pub expiry_wait_secs: u64,
    /// The clock skew the backend allows past `exp`, seconds.
    #[serde(default = "default_leeway")]
    pub expiry_leeway_secs: u64,
    /// Operations the phase leaves alone (operationIds).
    #[serde(default)]
    pub skip_operations: Vec<String>,
    /// Boundary inputs per operation, at most (the deterministic pass before the random one).
    #[serde(default = "default_boundary")]
    pub boundary_cases: u32,
    /// Body fields whose values a policy of the deployment restricts beyond what the spec can
    /// state (a configured allow-list of content types), as `OPERATION_ID /POINTER`: generated
    /// requests send the spec's example there, and a refusal of an edge value there is no
    /// spec gap.
    #[serde(default)]
    pub policy_fields: Vec<toml::Spanned<String>>,
    /// Operations the positive and boundary passes call at once (the writes under the run's
    /// own resources go one at a time after them), and the boundary pass's requests in flight
    /// at once over all of them; 1 for one request at a time.
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    /// Operations of another role than the signed-in identity's (an admin's), by
    /// operationId: the `@roles` check calls each as that identity and expects a refusal.
    #[serde(default)]
    pub privileged_operations: Vec<toml::Spanned<String>>,
    /// The backend is a test instance whose data may go: the phase also calls the writes
    /// named for deleting what the run did not create (`POST /subscribers/query/delete`) or
    /// for restarting the service (`POST /admin/reload`), which it otherwise leaves out.
    #[serde(default)]
    pub disposable: bool,
}

fn default_concurrency() -> usize {
    4
}

impl Behaviour {
    /// The body pointers of `operation` named in `policy_fields`.
    pub fn policy_pointers(&self, operation: &str) -> Vec<&str> {
        self.policy_fields
            .iter()
            .filter_map(|f| f.get_ref().split_once(' '))
            .filter(|(op, _)| *op == operation)
            .map(|(_, pointer)| pointer.trim())
            .collect()
    }
}

fn default_boundary() -> u32 {
    120
}

impl Default for Behaviour {
    fn default() -> Behaviour {
        Behaviour {
            examples: default_examples(),
            expiry_wait_secs: default_expiry_wait(),
            expiry_leeway_secs: default_leeway(),
            skip_operations: Vec::new(),
            boundary_cases: default_boundary(),
            policy_fields: Vec::new(),
            concurrency: default_concurrency(),
            privileged_operations: Vec::new(),
            disposable: false,
        }
    }
}

fn default_examples() -> u32 {
    10
}
fn default_expiry_wait() -> u64 {
    120
}
fn default_leeway() -> u64 {
    60
}

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    #[default]
    Json,
    Form,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum AuthKind {
    /// Log in through an operation of the spec.
    Login,
    /// A token from an environment variable.
    Static,
    /// A token printed by a command (for Clerk-issued tokens and the like).
    Command,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Auth {
    pub kind: Spanned<AuthKind>,
    /// `login`: the operationId of the login operation.
    #[serde(default)]
    pub operation: Option<Spanned<String>>,
    /// `login`: an operation that creates the account, sent when the sign-in is refused
    /// (a fresh backend); a 409 is fine.
    #[serde(default)]
    pub register: Option<Spanned<String>>,
    /// `login`: the request body, with `${ENV}` placeholders.
    #[serde(default)]
    pub body: Option<toml::Table>,
    /// `login`: the register body, when it differs from `body`.
    #[serde(default)]
    pub register_body: Option<toml::Table>,
    /// `login`: how the login body is sent, when not as the spec says (its request body's
    /// media type decides otherwise, for every operation).
    #[serde(default)]
    pub encoding: Option<Encoding>,
    /// `login`: the second identity's login body (default: `body` with the user name or
    /// email made another, registered by the harness).
    #[serde(default)]
    pub second_body: Option<toml::Table>,
    /// `login`: the second identity's register body (default: derived like `second_body`).
    #[serde(default)]
    pub second_register_body: Option<toml::Table>,
    /// `static`: the variable holding the second identity's token.
    #[serde(default)]
    pub second_token_env: Option<Spanned<String>>,
    /// `command`: the program printing the second identity's token.
    #[serde(default)]
    pub second_command: Option<Spanned<Vec<String>>>,
    /// `login`: where the access token is: `body:/json/pointer`, `body:*` (a member named like
    /// a token, or a JWT, wherever the answer holds it: where the spec does not say),
    /// `cookie:NAME` or `header:NAME`.
    #[serde(default)]
    pub access_token: Option<Spanned<String>>,
    /// `login`: where the refresh token is.
    #[serde(default)]
    pub refresh_token: Option<Spanned<String>>,
    /// `static`: the variable holding the token.
    #[serde(default)]
    pub token_env: Option<Spanned<String>>,
    /// `command`: the program and its arguments; its standard output is the token.
    #[serde(default)]
    pub command: Option<Spanned<Vec<String>>>,
    /// `login`: the sign-in body of a privileged identity (an admin) for the operations
    /// the first identity is refused (403); never registered by the harness.
    #[serde(default)]
    pub privileged_body: Option<toml::Table>,
    /// `login`: HTTP basic credentials (`"${ACCORD_USER}:${ACCORD_PASSWORD}"`) the sign-in
    /// is sent with, where its security is basic: a session or token made from a name and a
    /// password (gotify's `POST /auth/local/login`, `POST /client`).
    #[serde(default)]
    pub basic: Option<Spanned<String>>,
    /// `login`: the second identity's basic credentials.
    #[serde(default)]
    pub second_basic: Option<Spanned<String>>,
    /// `login`: the privileged identity's basic credentials.
    #[serde(default)]
    pub privileged_basic: Option<Spanned<String>>,
    /// `static`: the variable holding the privileged identity's token.
    #[serde(default)]
    pub privileged_token_env: Option<Spanned<String>>,
    /// `command`: the program printing the privileged identity's token.
    #[serde(default)]
    pub privileged_command: Option<Spanned<Vec<String>>>,
    /// The security scheme (in `components.securitySchemes`) the user's token is sent by
    /// (default: the spec's first http bearer, OAuth2 or OpenID Connect scheme, else its
    /// first `apiKey` scheme in the `Authorization` header).
    #[serde(default)]
    pub scheme: Option<Spanned<String>>,
    /// For an `apiKey` scheme: what goes before the token, for example `"Token "`. Where the
    /// spec names no scheme, what goes before it in `Authorization` (`"Token"`), `"Basic"`
    /// sending the token (`user:password`) as HTTP basic credentials.
    #[serde(default)]
    pub prefix: Option<String>,
    /// The status a missing or bad token gets where the spec documents neither 401 nor 403
    /// for an operation (default 401).
    #[serde(default)]
    pub refusal_status: Option<u16>,
}

impl Auth {
    /// Whether a privileged identity is named, for the operations another role is refused.
    pub fn has_privileged_identity(&self) -> bool {
        match self.kind.get_ref() {
            AuthKind::Login => self.privileged_body.is_some() || self.privileged_basic.is_some(),
            AuthKind::Static => self.privileged_token_env.is_some(),
            AuthKind::Command => self.privileged_command.is_some(),
        }
    }

    /// Whether a second identity can be signed in: registered by the harness, or named.
    pub fn has_second_identity(&self) -> bool {
        match self.kind.get_ref() {
            AuthKind::Login => {
                self.register.is_some() || self.second_body.is_some() || self.second_basic.is_some()
            }
            AuthKind::Static => self.second_token_env.is_some(),
            AuthKind::Command => self.second_command.is_some(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Refresh {
    pub operation: Spanned<String>,
    /// The body; `${refresh_token}` is the token being refreshed.
    #[serde(default)]
    pub body: Option<toml::Table>,
    /// How the body is sent, when not as the spec says.
    #[serde(default)]
    pub encoding: Option<Encoding>,
    /// The refresh token travels in this cookie instead of the body.
    #[serde(default)]
    pub cookie: Option<String>,
    /// The refresh token travels as `Authorization: Bearer`, as the refresh operation's own
    /// security scheme asks (flask-jwt-extended's `@jwt_required(refresh=True)`: Flask
    /// AppBuilder's `POST /api/v1/security/refresh`, secured by `jwt_refresh`).
    #[serde(default)]
    pub bearer: bool,
    #[serde(default = "yes")]
    pub rotation: bool,
    #[serde(default = "yes")]
    pub reuse_detection: bool,
    #[serde(default)]
    pub logout: Option<Spanned<String>>,
    #[serde(default)]
    pub logout_body: Option<toml::Table>,
}

impl Refresh {
    /// Whether the refresh's body carries the refresh token (`${refresh_token}` in it).
    pub fn token_in_body(&self) -> bool {
        self.body
            .as_ref()
            .is_some_and(|b| b.to_string().contains("${refresh_token}"))
    }

    /// Whether the profile says where the refresh token goes: its body, a cookie, or
    /// `Authorization`.
    pub fn token_placed(&self) -> bool {
        self.cookie.is_some() || self.token_in_body() || self.bearer
    }
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cors {
    pub allowed_origins: Vec<Spanned<String>>,
    #[serde(default = "default_refused")]
    pub refused_origins: Vec<String>,
    /// Whether the frontend sends credentials (cookies) across origins; unset, whether a
    /// cookie carries the session, as the spec and the rest of the profile say.
    #[serde(default)]
    pub credentials: Option<bool>,
    #[serde(default)]
    pub expose_headers: Vec<String>,
    /// A path to send preflights and requests to (default: the first secured GET of the spec).
    #[serde(default)]
    pub path: Option<String>,
}

fn default_refused() -> Vec<String> {
    vec!["https://evil.example".into()]
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Envelope {
    /// RFC 9457: `type`, `title`, `status`; `status` equals the HTTP status.
    Problem,
    /// FastAPI: `{"detail": ...}`.
    Fastapi,
    /// A schema of the spec (`schema = "#/components/schemas/Error"`) or a JSON Schema file.
    Schema,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Errors {
    pub envelope: Spanned<Envelope>,
    /// For `schema`: a pointer into the spec, or a JSON Schema file relative to the profile.
    #[serde(default)]
    pub schema: Option<Spanned<String>>,
    /// The expected media type (default: problem+json for `problem`, JSON otherwise).
    #[serde(default)]
    pub content_type: Option<String>,
    /// Whether `request_id` in the envelope must equal the `X-Request-Id` header (problem only).
    #[serde(default = "yes")]
    pub request_id: bool,
    /// The status of a body the backend cannot take, where the spec documents neither 400
    /// nor 422 for the operation (default 422).
    #[serde(default)]
    pub validation_status: Option<u16>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Uploads {
    pub operation: Spanned<String>,
    /// The presign body; `${file_name}`, `${content_type}`, `${size_bytes}` are filled in.
    pub body: toml::Table,
    /// JSON pointers into the presign response.
    #[serde(default = "default_url")]
    pub url: String,
    #[serde(default = "default_fields")]
    pub fields: String,
    #[serde(default = "default_key")]
    pub key: String,
    #[serde(default = "default_id")]
    pub id: String,
    /// The storage's success status (204 by default, 201 with `success_action_status`).
    #[serde(default = "default_storage_status")]
    pub storage_status: u16,
    /// The size limit to probe the backend with (a declaration above it must be refused).
    pub max_bytes: u64,
    pub content_type: String,
    /// A content type the backend must refuse to presign.
    #[serde(default)]
    pub refused_content_type: Option<String>,
    /// The operation reporting the stored object, called with `id`.
    #[serde(default)]
    pub status_operation: Option<Spanned<String>>,
    /// JSON pointer and value in its response that mean "stored".
    #[serde(default)]
    pub stored: Option<(String, String)>,
}

fn default_url() -> String {
    "/url".into()
}
fn default_fields() -> String {
    "/fields".into()
}
fn default_key() -> String {
    "/key".into()
}
fn default_id() -> String {
    "/upload_id".into()
}
fn default_storage_status() -> u16 {
    204
}

/// A profile error: the file, the line, the key and what is wrong.
#[derive(Debug, thiserror::Error)]
#[error("{}:{line}: {message}", path.display())]
pub struct ProfileError {
    pub path: PathBuf,
    pub line: usize,
    pub message: String,
}

/// A loaded profile and where it came from.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub profile: Profile,
    pub path: PathBuf,
    source: String,
}

impl Loaded {
    /// The line of a byte offset of the profile.
    pub fn line_of(&self, offset: usize) -> usize {
        self.source[..offset.min(self.source.len())]
            .matches('\n')
            .count()
            + 1
    }

    pub fn error(&self, span: std::ops::Range<usize>, message: impl Into<String>) -> ProfileError {
        ProfileError {
            path: self.path.clone(),
            line: self.line_of(span.start),
            message: message.into(),
        }
    }

    /// The spec's location: a URL, or a path relative to the profile's folder.
    pub fn spec_location(&self) -> String {
        let spec = self.profile.spec.get_ref();
        if spec.starts_with("http://") || spec.starts_with("https://") {
            spec.clone()
        } else {
            self.path
                .parent()
                .unwrap_or(Path::new("."))
                .join(spec)
                .display()
                .to_string()
        }
    }
}

pub fn load(path: &Path) -> Result<Loaded, ProfileError> {
    let source = std::fs::read_to_string(path).map_err(|e| ProfileError {
        path: path.to_path_buf(),
        line: 0,
        message: format!("cannot read the profile: {e}"),
    })?;
    parse(&source, path)
}

pub fn parse(source: &str, path: &Path) -> Result<Loaded, ProfileError> {
    let profile: Profile = toml::from_str(source).map_err(|e| {
        let line = e
            .span()
            .map(|s| source[..s.start.min(source.len())].matches('\n').count() + 1)
            .unwrap_or(0);
        ProfileError {
            path: path.to_path_buf(),
            line,
            message: e.message().to_string(),
        }
    })?;
    let loaded = Loaded {
        profile,
        path: path.to_path_buf(),
        source: source.to_string(),
    };
    check(&loaded)?;
    Ok(loaded)
}

fn check(loaded: &Loaded) -> Result<(), ProfileError> {
    let p = &loaded.profile;
    let base = p.base_url.get_ref();
    if !(base.starts_with("http://") || base.starts_with("https://")) {
        return Err(loaded.error(
            p.base_url.span(),
            format!("base_url: `{base}` is not an http(s) URL"),
        ));
    }
    if let Some(auth) = &p.auth {
        let need = |field: bool, key: &str| -> Result<(), ProfileError> {
            if field {
                Ok(())
            } else {
                Err(loaded.error(
                    auth.kind.span(),
                    format!(
                        "auth: kind = \"{}\" needs `{key}`",
                        kind_name(*auth.kind.get_ref())
                    ),
                ))
            }
        };
        match auth.kind.get_ref() {
            AuthKind::Login => {
                need(auth.operation.is_some(), "operation")?;
                need(auth.body.is_some(), "body")?;
                need(auth.access_token.is_some(), "access_token")?;
                for locator in [&auth.access_token, &auth.refresh_token]
                    .into_iter()
                    .flatten()
                {
                    Locator::parse(locator.get_ref())
                        .map_err(|m| loaded.error(locator.span(), m))?;
                }
            }
            AuthKind::Static => need(auth.token_env.is_some(), "token_env")?,
            AuthKind::Command => need(
                auth.command
                    .as_ref()
                    .is_some_and(|c| !c.get_ref().is_empty()),
                "command",
            )?,
        }
    }
    if let Some(errors) = &p.errors
        && *errors.envelope.get_ref() == Envelope::Schema
        && errors.schema.is_none()
    {
        return Err(loaded.error(
            errors.envelope.span(),
            "errors: envelope = \"schema\" needs `schema`",
        ));
    }
    if let Some(cors) = &p.cors {
        for origin in &cors.allowed_origins {
            let o = origin.get_ref();
            if o == "*" || o == "null" || !(o.starts_with("http://") || o.starts_with("https://")) {
                return Err(loaded.error(
                    origin.span(),
                    format!("cors.allowed_origins: `{o}` is not an exact origin"),
                ));
            }
        }
    }
    Ok(())
}

/// The placeholders the harness fills itself; every other `${NAME}` is an environment
/// variable.
const HARNESS_VARIABLES: &[&str] = &["refresh_token", "file_name", "content_type", "size_bytes"];

/// Every `${NAME}` of the profile's bodies names a set environment variable, and so do the
/// `*_env` keys: a missing one is a profile error naming it and its line, before anything is
/// sent.
pub fn check_variables(loaded: &Loaded) -> Result<(), ProfileError> {
    let p = &loaded.profile;
    let mut tables: Vec<(&str, &toml::Table)> = Vec::new();
    if let Some(a) = &p.auth {
        for (key, table) in [
            ("auth.body", &a.body),
            ("auth.register_body", &a.register_body),
            ("auth.second_body", &a.second_body),
            ("auth.second_register_body", &a.second_register_body),
            ("auth.privileged_body", &a.privileged_body),
        ] {
            tables.extend(table.iter().map(|t| (key, t)));
        }
    }
    if let Some(r) = &p.refresh {
        tables.extend(r.body.iter().map(|t| ("refresh.body", t)));
        tables.extend(r.logout_body.iter().map(|t| ("refresh.logout_body", t)));
    }
    if let Some(k) = &p.apikey {
        tables.extend(k.create_body.iter().map(|t| ("apikey.create_body", t)));
    }
    if let Some(u) = &p.uploads {
        tables.push(("uploads.body", &u.body));
    }
    tables.push(("parameters", &p.parameters));
    let line_of_key = |key: &str| {
        let last = key.rsplit('.').next().unwrap_or(key);
        loaded
            .source
            .lines()
            .position(|l| l.trim_start().starts_with(last) || l.trim() == format!("[{key}]"))
            .map(|i| i + 1)
            .unwrap_or(0)
    };
    for (key, table) in tables {
        for name in placeholders(&toml::Value::Table(table.clone())) {
            if HARNESS_VARIABLES.contains(&name.as_str()) || std::env::var_os(&name).is_some() {
                continue;
            }
            return Err(ProfileError {
                path: loaded.path.clone(),
                line: line_of_key(key),
                message: format!(
                    "{key}: the environment variable `{name}` is not set (export it before the run)"
                ),
            });
        }
    }
    // The basic credentials of each identity are text with placeholders too.
    for (key, basic) in p.auth.iter().flat_map(|a| {
        [
            ("auth.basic", &a.basic),
            ("auth.second_basic", &a.second_basic),
            ("auth.privileged_basic", &a.privileged_basic),
        ]
    }) {
        let Some(basic) = basic else { continue };
        for name in placeholders(&toml::Value::String(basic.get_ref().clone())) {
            if std::env::var_os(&name).is_none() {
                return Err(loaded.error(
                    basic.span(),
                    format!("{key}: the environment variable `{name}` is not set (export it before the run)"),
                ));
            }
        }
    }
    let mut variables: Vec<(&str, &Spanned<String>)> = Vec::new();
    if let Some(a) = &p.auth
        && *a.kind.get_ref() == AuthKind::Static
    {
        variables.extend(a.token_env.iter().map(|v| ("auth.token_env", v)));
        variables.extend(
            a.second_token_env
                .iter()
                .map(|v| ("auth.second_token_env", v)),
        );
    }
    for (key, variable) in variables {
        if std::env::var_os(variable.get_ref()).is_none() {
            return Err(loaded.error(
                variable.span(),
                format!(
                    "{key}: the environment variable `{}` is not set",
                    variable.get_ref()
                ),
            ));
        }
    }
    Ok(())
}

/// The `${NAME}` placeholders of every string in `value`.
fn placeholders(value: &toml::Value) -> Vec<String> {
    match value {
        toml::Value::String(s) => {
            let mut out = Vec::new();
            let mut rest = s.as_str();
            while let Some(start) = rest.find("${") {
                let Some(end) = rest[start..].find('}') else {
                    break;
                };
                out.push(rest[start + 2..start + end].to_string());
                rest = &rest[start + end + 1..];
            }
            out
        }
        toml::Value::Array(items) => items.iter().flat_map(placeholders).collect(),
        toml::Value::Table(t) => t.values().flat_map(placeholders).collect(),
        _ => Vec::new(),
    }
}

fn kind_name(kind: AuthKind) -> &'static str {
    match kind {
        AuthKind::Login => "login",
        AuthKind::Static => "static",
        AuthKind::Command => "command",
    }
}

/// Where a token is in a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Locator {
    Body(String),
    Cookie(String),
    /// A response header (`Authorization: Bearer <jwt>` as devise-jwt answers a sign-in,
    /// `X-Auth-Token`): the token is its last word.
    Header(String),
}

impl Locator {
    pub fn parse(s: &str) -> Result<Locator, String> {
        match s.split_once(':') {
            // `body:*`: wherever the answer holds it ([`find_token`]): the spec does not say.
            Some(("body", pointer)) if pointer.starts_with('/') || pointer == "*" => {
                Ok(Locator::Body(pointer.into()))
            }
            // `cookie:*`: the one cookie the sign-in sets, whatever the spec calls it.
            Some(("cookie", name)) if !name.is_empty() => Ok(Locator::Cookie(name.into())),
            Some(("header", name)) if !name.is_empty() => Ok(Locator::Header(name.into())),
            _ => Err(format!(
                "`{s}` is none of `body:/json/pointer`, `body:*`, `cookie:NAME` and `header:NAME`"
            )),
        }
    }
}

/// The names a sign-in's answer gives its token, the likeliest first (`key`: NetBox's token
/// provision answers `{"key": ...}`).
pub const TOKEN_PROPERTIES: &[&str] = &[
    "access_token",
    "accessToken",
    "token",
    "jwt",
    "id_token",
    "idToken",
    "key",
];

/// Where a sign-in's answer `body` holds its token, when no schema says: the shallowest
/// text member named like one ([`TOKEN_PROPERTIES`], a RealWorld `{"user": {"token"}}`), else
/// the shallowest JWT. Its pointer and the token.
pub fn find_token(body: &serde_json::Value) -> Option<(String, String)> {
    use serde_json::Value;
    let jwt = |t: &str| {
        t.starts_with("eyJ")
            && t.split('.').count() == 3
            && t.split('.').all(|p| {
                !p.is_empty()
                    && p.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-_=".contains(&b))
            })
    };
    let mut level: Vec<(String, &Value)> = vec![(String::new(), body)];
    let mut first_jwt = None;
    while !level.is_empty() {
        let mut next = Vec::new();
        for (at, value) in level {
            let Value::Object(map) = value else {
                continue;
            };
            let named = TOKEN_PROPERTIES.iter().find_map(|name| {
                let token = map.get(*name)?.as_str().filter(|t| !t.is_empty())?;
                Some((
                    format!("{at}/{}", accord_spec::escape_token(name)),
                    token.to_string(),
                ))
            });
            if named.is_some() {
                return named;
            }
            for (key, member) in map {
                let here = format!("{at}/{}", accord_spec::escape_token(key));
                match member {
                    Value::String(t) if first_jwt.is_none() && jwt(t) => {
                        first_jwt = Some((here, t.clone()));
                    }
                    Value::Object(_) => next.push((here, member)),
                    _ => {}
                }
            }
        }
        if first_jwt.is_some() {
            return first_jwt;
        }
        level = next;
    }
    None
}

/// Replaces `${NAME}` in every string of `table` with `vars(NAME)`, or the environment
/// variable `NAME`; a missing variable is an error naming it.
pub fn fill(
    table: &toml::Table,
    vars: &dyn Fn(&str) -> Option<String>,
) -> Result<serde_json::Value, String> {
    fn walk(
        value: &toml::Value,
        vars: &dyn Fn(&str) -> Option<String>,
    ) -> Result<serde_json::Value, String> {
        Ok(match value {
            toml::Value::String(s) => {
                // A string that is exactly one placeholder of a number stays a number.
                let filled = substitute(s, vars)?;
                if s.starts_with("${")
                    && s.ends_with('}')
                    && s.matches("${").count() == 1
                    && let Ok(n) = filled.parse::<i64>()
                {
                    return Ok(serde_json::Value::from(n));
                }
                serde_json::Value::String(filled)
            }
            toml::Value::Integer(i) => serde_json::Value::from(*i),
            toml::Value::Float(f) => serde_json::Value::from(*f),
            toml::Value::Boolean(b) => serde_json::Value::Bool(*b),
            toml::Value::Datetime(d) => serde_json::Value::String(d.to_string()),
            toml::Value::Array(items) => serde_json::Value::Array(
                items
                    .iter()
                    .map(|i| walk(i, vars))
                    .collect::<Result<_, _>>()?,
            ),
            toml::Value::Table(t) => serde_json::Value::Object(
                t.iter()
                    .map(|(k, v)| Ok((k.clone(), walk(v, vars)?)))
                    .collect::<Result<_, String>>()?,
            ),
        })
    }
    walk(&toml::Value::Table(table.clone()), vars)
}

/// `s` with each `${NAME}` replaced by the environment variable `NAME`; a missing one is an
/// error naming it.
pub fn fill_text(s: &str) -> Result<String, String> {
    substitute(s, &|_| None)
}

fn substitute(s: &str, vars: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}') else {
            return Err(format!("`{s}` has an unclosed `${{`"));
        };
        let name = &rest[start + 2..start + end];
        let value = vars(name)
            .or_else(|| std::env::var(name).ok())
            .ok_or_else(|| format!("the environment variable `{name}` is not set"))?;
        out.push_str(&value);
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

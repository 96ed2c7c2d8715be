//! What every scenario shares: the profile, the spec, the HTTP client, and the ways to call
//! the backend's operations as the profile describes them.

use base64::Engine as _;
use serde_json::{Value, json};
use tokio::sync::OnceCell;

use crate::contract::Contract;
use crate::http::{Body, Exchange, Http, Request};
use crate::profile::{AuthKind, Encoding, Locator, Profile};
use crate::sample;

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
    pub op: Value,
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
    base_token: OnceCell<Result<String, String>>,
    /// An access token left to expire, shared by every scenario that needs one.
    expired: OnceCell<Result<String, String>>,
    sessions: tokio::sync::Mutex<std::collections::HashMap<Identity, Tokens>>,
    registered: tokio::sync::Mutex<std::collections::HashSet<Identity>>,
    /// What the run created and has not deleted yet: (owner, the path that deletes it).
    pub created: std::sync::Mutex<Vec<(Identity, String)>>,
    /// The scenario each created path belongs to (see `behaviour::SCENARIO`): a scenario's
    /// writes bind only to what it created itself, so concurrent scenarios never race on a
    /// resource one of them updates, moves or deletes.
    pub owners: std::sync::Mutex<std::collections::HashMap<String, u64>>,
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

impl std::str::FromStr for ErrorCase {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "a request to an unknown route" => ErrorCase::UnknownRoute,
            "a request with a wrong method" => ErrorCase::WrongMethod,
            "a request without credentials" => ErrorCase::NoCredentials,
            "a body of malformed JSON" => ErrorCase::MalformedJson,
            "a body with a wrong content type" => ErrorCase::WrongContentType,
            "a body missing a required field" => ErrorCase::MissingField,
            "a body with a field of a wrong type" => ErrorCase::WrongType,
            "a request for a missing resource" => ErrorCase::MissingResource,
            other => return Err(format!("unknown error case `{other}`")),
        })
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

/// Whose session a request is made in: the profile's user, or a second one for the
/// cross-user checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Identity {
    First,
    Second,
    /// The profile's privileged identity (an admin), for what the first is refused.
    Privileged,
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The `exp` claim of a JWT, read without verifying it (the backend verifies).
pub fn jwt_exp(token: &str) -> Option<u64> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice::<Value>(&bytes)
        .ok()?
        .get("exp")?
        .as_u64()
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

/// The second identity's version of a sign-in body: the same password, another account
/// (an email gets `+accord2` before its `@`, a user name `-accord2` after it), in nested
/// objects too (`{"user": {"email": ...}}`).
pub fn second_identity(mut value: Value) -> Value {
    fn walk(value: &mut Value) {
        for (key, v) in value.as_object_mut().into_iter().flatten() {
            if v.is_object() {
                walk(v);
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
                    Some((local, domain)) => format!("{local}+accord2@{domain}"),
                    None => format!("{s}-accord2"),
                };
            }
        }
    }
    walk(&mut value);
    value
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
            let security = op.get("security").unwrap_or(&global);
            let secured = security.as_array().is_some_and(|alts| {
                !alts.is_empty()
                    && alts
                        .iter()
                        .all(|a| a.as_object().is_some_and(|m| !m.is_empty()))
            });
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
                    op: op.clone(),
                },
                secured,
            ));
        }
    }
    out
}

impl Ctx {
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
        Ctx {
            profile,
            http,
            error_schema,
            error_schema_root,
            base_token: OnceCell::new(),
            expired: OnceCell::new(),
            sessions: Default::default(),
            registered: Default::default(),
            created: Default::default(),
            owners: Default::default(),
            session_operations,
            seed: 0,
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

    pub fn op(&self, id: &str) -> Result<OpInfo, String> {
        self.contract()
            .operation(id)
            .map(|(path, method, op)| OpInfo {
                id: id.into(),
                method: method.to_uppercase(),
                path: path.into(),
                op: op.clone(),
            })
            .ok_or_else(|| format!("the spec has no operation `{id}`"))
    }

    /// Every operation of the spec, in document order, with whether it needs credentials.
    pub fn all_operations(&self) -> Vec<(OpInfo, bool)> {
        operations_in(self.doc())
    }

    /// Every operation whose effective security requires credentials.
    pub fn secured_operations(&self) -> Vec<OpInfo> {
        self.all_operations()
            .into_iter()
            .filter_map(|(op, secured)| secured.then_some(op))
            .collect()
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
            .collect()
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

    /// A GET the user's token opens, without path parameters: where a token is tried.
    pub fn probe_operation(&self) -> Option<OpInfo> {
        self.token_operations()
            .into_iter()
            .find(|o| o.method == "GET" && !o.path.contains('{'))
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
                    sample::unused_id(self.doc(), schema)
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

    /// The schema of the operation's JSON request body, if it takes one.
    pub fn json_body_schema(&self, op: &OpInfo) -> Option<Value> {
        let body = accord_spec::follow_ref(self.doc(), op.op.get("requestBody")?);
        let content = body.get("content")?.as_object()?;
        content
            .iter()
            .find(|(m, _)| accord_spec::media::is_json(m))
            .and_then(|(_, m)| m.get("schema").cloned())
    }

    /// A request for `op` with path parameters and a body that satisfy the spec.
    pub fn request_for(&self, op: &OpInfo) -> Request {
        let mut request = Request::new(&op.method, self.fill_path(op));
        if let Some(schema) = self.json_body_schema(op) {
            request = request.body(Body::Json(sample::valid(self.doc(), &schema)));
        }
        request
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
    ) -> Result<Body, String> {
        let Some(table) = table else {
            return Ok(Body::None);
        };
        let value = crate::profile::fill(table, vars)?;
        Ok(encode(value, encoding))
    }

    /// Signs `identity` in as the profile says, once per run: the session is reused by every
    /// scenario, and renewed only when its access token is about to expire.
    pub async fn session(&self, identity: Identity) -> Result<Tokens, String> {
        let mut sessions = self.sessions.lock().await;
        if let Some(tokens) = sessions.get(&identity) {
            let fresh = match jwt_exp(&tokens.access) {
                Some(exp) => exp > unix_now() + 2,
                None => true,
            };
            if fresh {
                return Ok(tokens.clone());
            }
        }
        let (tokens, _) = self.sign_in(identity).await?;
        sessions.insert(identity, tokens.clone());
        Ok(tokens)
    }

    /// Proves the second identity another user than the first: another subject in its JWT,
    /// or another answer from a "current user" operation (`GET .../me`, `.../user`). A
    /// registration answered 409 followed by a working login may sign the second identity in
    /// as the first: every cross-user check would then compare a user with themself.
    pub async fn distinct_identities(&self) -> Result<(), String> {
        let first = self.session(Identity::First).await?;
        let second = self.session(Identity::Second).await?;
        if first.access == second.access {
            return Err("the second identity was given the first identity's token".into());
        }
        let subject = |t: &str| -> Option<String> {
            let payload = t.split('.').nth(1)?;
            let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload.trim_end_matches('='))
                .ok()?;
            let claims: Value = serde_json::from_slice(&bytes).ok()?;
            claims.get("sub").map(as_text)
        };
        if let (Some(a), Some(b)) = (subject(&first.access), subject(&second.access)) {
            return if a == b {
                Err(format!(
                    "the second identity signed in as the first: both tokens have the subject `{a}` (name another account with auth.second_body)"
                ))
            } else {
                Ok(())
            };
        }
        let me = self.token_operations().into_iter().find(|o| {
            let p = o.path.trim_end_matches('/').to_ascii_lowercase();
            o.method == "GET"
                && !p.contains('{')
                && ["/me", "/user", "/whoami", "/users/current", "/account"]
                    .iter()
                    .any(|end| p.ends_with(end))
        });
        let Some(me) = me else {
            return Ok(());
        };
        let mut answers = Vec::new();
        for tokens in [&first, &second] {
            let e = self
                .http
                .send_politely(Request::new("GET", me.path.clone()).bearer(Some(&tokens.access)))
                .await?;
            answers.push(((200..300).contains(&e.status), e.json()));
        }
        if answers[0].0 && answers[1].0 && answers[0].1.is_some() && answers[0].1 == answers[1].1 {
            return Err(format!(
                "the second identity signed in as the first: {} answers the same user to both (name another account with auth.second_body)",
                me.id
            ));
        }
        Ok(())
    }

    /// Signs `identity` in anew (a session of its own, for scenarios that use up or end
    /// their session); returns the tokens and the exchanges made.
    pub async fn sign_in(&self, identity: Identity) -> Result<(Tokens, Vec<Exchange>), String> {
        let auth = self
            .profile
            .auth
            .as_ref()
            .ok_or("the profile has no [auth]")?;
        let second = identity == Identity::Second;
        let privileged = identity == Identity::Privileged;
        let bare = |token: String| Tokens {
            access: token.trim().to_string(),
            refresh: None,
            cookies: vec![],
        };
        match auth.kind.get_ref() {
            AuthKind::Static => {
                let (variable, key) = match identity {
                    Identity::First => (&auth.token_env, "auth.token_env"),
                    Identity::Second => (&auth.second_token_env, "auth.second_token_env"),
                    Identity::Privileged => {
                        (&auth.privileged_token_env, "auth.privileged_token_env")
                    }
                };
                let name = variable
                    .as_ref()
                    .map(|t| t.get_ref().clone())
                    .ok_or_else(|| format!("{key} names no such identity"))?;
                let token = std::env::var(&name)
                    .map_err(|_| format!("the environment variable `{name}` is not set"))?;
                Ok((bare(token), vec![]))
            }
            AuthKind::Command => {
                let (command, key) = match identity {
                    Identity::First => (&auth.command, "auth.command"),
                    Identity::Second => (&auth.second_command, "auth.second_command"),
                    Identity::Privileged => (&auth.privileged_command, "auth.privileged_command"),
                };
                let command = command
                    .as_ref()
                    .map(|c| c.get_ref().clone())
                    .filter(|c| !c.is_empty())
                    .ok_or_else(|| format!("{key} names no such identity"))?;
                let output = tokio::process::Command::new(&command[0])
                    .args(&command[1..])
                    .output()
                    .await
                    .map_err(|e| format!("cannot run `{}`: {e}", command[0]))?;
                if !output.status.success() {
                    return Err(format!("`{}` failed with {}", command[0], output.status));
                }
                Ok((
                    bare(String::from_utf8_lossy(&output.stdout).into_owned()),
                    vec![],
                ))
            }
            AuthKind::Login => {
                let mut exchanges = Vec::new();
                let no_vars = |_: &str| None;
                let identity_body = |own: Option<&toml::Table>,
                                     explicit: Option<&toml::Table>|
                 -> Result<Value, String> {
                    if privileged {
                        let body = auth
                            .privileged_body
                            .as_ref()
                            .ok_or("auth.privileged_body names no privileged identity")?;
                        return crate::profile::fill(body, &no_vars);
                    }
                    match (second, explicit) {
                        (true, Some(b)) => crate::profile::fill(b, &no_vars),
                        _ => {
                            let v =
                                crate::profile::fill(own.ok_or("auth.body is missing")?, &no_vars)?;
                            Ok(if second { second_identity(v) } else { v })
                        }
                    }
                };
                // A privileged account exists already: the harness never registers one.
                if let Some(register) = auth
                    .register
                    .as_ref()
                    .filter(|_| !self.read_only() && !privileged)
                {
                    let mut registered = self.registered.lock().await;
                    if !registered.contains(&identity) {
                        let op = self.op(register.get_ref())?;
                        // The second account registers with its own body: the one named
                        // for its registration, else (when registering takes the login's
                        // body) the one it signs in with.
                        let second_register = auth.second_register_body.as_ref().or(auth
                            .second_body
                            .as_ref()
                            .filter(|_| auth.register_body.is_none()));
                        let value = identity_body(
                            auth.register_body.as_ref().or(auth.body.as_ref()),
                            second_register,
                        )?;
                        let body = encode(value, self.encoding_for(&op, None));
                        let e = self
                            .http
                            .send_politely(Request::new(&op.method, op.path.clone()).body(body))
                            .await?;
                        exchanges.push(e); // 201, or 409 when the account exists: both fine.
                        registered.insert(identity);
                    }
                }
                let op = self.op(auth
                    .operation
                    .as_ref()
                    .map(|o| o.get_ref().as_str())
                    .unwrap_or_default())?;
                let value = identity_body(auth.body.as_ref(), auth.second_body.as_ref())?;
                let body = encode(value, self.encoding_for(&op, auth.encoding));
                let e = self
                    .http
                    .send_politely(Request::new(&op.method, op.path.clone()).body(body))
                    .await?;
                exchanges.push(e.clone());
                if !(200..300).contains(&e.status) {
                    return Err(format!("login answered {}", e.status));
                }
                let tokens = self.tokens_from(&e)?;
                Ok((tokens, exchanges))
            }
        }
    }

    fn extract(exchange: &Exchange, locator: &Locator) -> Option<String> {
        match locator {
            Locator::Body(pointer) => exchange
                .json()?
                .pointer(pointer)?
                .as_str()
                .map(String::from),
            Locator::Cookie(name) => exchange.headers("set-cookie").iter().find_map(|c| {
                let (k, rest) = c.split_once('=')?;
                (k.trim() == name).then(|| rest.split(';').next().unwrap_or("").to_string())
            }),
        }
    }

    pub fn tokens_from(&self, e: &Exchange) -> Result<Tokens, String> {
        let auth = self
            .profile
            .auth
            .as_ref()
            .ok_or("the profile has no [auth]")?;
        let access_locator = Locator::parse(
            auth.access_token
                .as_ref()
                .map(|a| a.get_ref().as_str())
                .unwrap_or("body:/access_token"),
        )?;
        let access = Self::extract(e, &access_locator)
            .ok_or("no access token where the profile says it is")?;
        let refresh = match &auth.refresh_token {
            Some(r) => Self::extract(e, &Locator::parse(r.get_ref())?),
            None => None,
        };
        let cookies = e
            .headers("set-cookie")
            .iter()
            .filter_map(|c| {
                c.split(';')
                    .next()?
                    .split_once('=')
                    .map(|(k, v)| (k.trim().to_string(), v.to_string()))
            })
            .collect();
        Ok(Tokens {
            access,
            refresh,
            cookies,
        })
    }

    /// A token to forge others from: a real one when the profile can sign in.
    async fn base_token(&self) -> Result<String, String> {
        self.base_token
            .get_or_init(|| async {
                if self.profile.auth.is_some() {
                    self.session(Identity::First).await.map(|t| t.access)
                } else {
                    let header = json!({"alg": "RS256", "typ": "JWT"});
                    let now = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map(|d| d.as_secs())
                        .unwrap_or(0);
                    let claims = json!({"sub": "accord-conformance", "iat": now, "exp": now + 600});
                    let b64 = |v: &Value| {
                        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
                    };
                    Ok(format!(
                        "{}.{}.{}",
                        b64(&header),
                        b64(&claims),
                        "c2lnbmF0dXJl"
                    ))
                }
            })
            .await
            .clone()
    }

    /// A token forged the way `kind` says, from a real one when the profile can sign in.
    pub async fn forged_token(&self, kind: Forgery) -> Result<String, String> {
        let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        if kind == Forgery::Malformed {
            return Ok("not-a-jwt".into());
        }
        let base = self.base_token().await?;
        let parts: Vec<&str> = base.split('.').collect();
        let [header, payload, signature] = parts.as_slice() else {
            return Err(
                "the backend's token is not a JWT; only the malformed-token check applies".into(),
            );
        };
        let decode = |s: &str| -> Result<Value, String> {
            let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(s)
                .map_err(|e| e.to_string())?;
            serde_json::from_slice(&bytes).map_err(|e| e.to_string())
        };
        match kind {
            Forgery::AlteredSignature => {
                let mut sig: Vec<char> = signature.chars().collect();
                if let Some(c) = sig.get_mut(0) {
                    *c = if *c == 'A' { 'B' } else { 'A' };
                }
                Ok(format!(
                    "{header}.{payload}.{}",
                    sig.into_iter().collect::<String>()
                ))
            }
            Forgery::AlgNone => Ok(format!(
                "{}.{payload}.",
                b64(br#"{"alg":"none","typ":"JWT"}"#)
            )),
            Forgery::UnknownKey => {
                let original = decode(header)?;
                let claims = decode(payload)?;
                let pem = tokio::task::spawn_blocking(|| {
                    use rsa::pkcs8::EncodePrivateKey;
                    rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048)
                        .map_err(|e| e.to_string())
                        .and_then(|k| {
                            k.to_pkcs8_pem(rsa::pkcs8::LineEnding::LF)
                                .map(|p| p.to_string())
                                .map_err(|e| e.to_string())
                        })
                })
                .await
                .map_err(|e| e.to_string())??;
                let key = jsonwebtoken::EncodingKey::from_rsa_pem(pem.as_bytes())
                    .map_err(|e| e.to_string())?;
                let mut h = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
                h.kid = original
                    .get("kid")
                    .and_then(Value::as_str)
                    .map(String::from);
                jsonwebtoken::encode(&h, &claims, &key).map_err(|e| e.to_string())
            }
            Forgery::Malformed => Ok("not-a-jwt".into()),
        }
    }

    /// Presents `tokens`' refresh token as the profile says.
    pub async fn refresh(&self, tokens: &Tokens) -> (Result<Tokens, String>, Exchange) {
        let failed = |message: String| (Err(message), Exchange::none());
        let Some(refresh) = &self.profile.refresh else {
            return failed("the profile has no [refresh]".into());
        };
        let op = match self.op(refresh.operation.get_ref()) {
            Ok(op) => op,
            Err(e) => return failed(e),
        };
        let token = tokens.refresh.clone().unwrap_or_default();
        let vars = |name: &str| (name == "refresh_token").then(|| token.clone());
        let encoding = self.encoding_for(&op, refresh.encoding);
        let body = match self.body_of(&refresh.body, encoding, &vars) {
            Ok(b) => b,
            Err(e) => return failed(e),
        };
        let request =
            self.with_session_cookies(Request::new(&op.method, op.path.clone()).body(body), tokens);
        let exchange = match self.http.send_politely(request).await {
            Ok(e) => e,
            Err(e) => return failed(e),
        };
        if !(200..300).contains(&exchange.status) {
            return (
                Err(format!("refresh answered {}", exchange.status)),
                exchange,
            );
        }
        // Without rotation a backend may answer with the access token only: the refresh
        // token stays the one presented.
        let result = self.tokens_from(&exchange).map(|mut t| {
            if t.refresh.is_none() && !refresh.rotation {
                t.refresh = tokens.refresh.clone();
            }
            t.cookies = keep_jar(&tokens.cookies, std::mem::take(&mut t.cookies));
            t
        });
        (result, exchange)
    }

    pub async fn logout(&self, tokens: &Tokens) -> Result<Exchange, String> {
        let refresh = self
            .profile
            .refresh
            .as_ref()
            .ok_or("the profile has no [refresh]")?;
        let id = refresh
            .logout
            .as_ref()
            .ok_or("the profile names no logout operation")?;
        let op = self.op(id.get_ref())?;
        let token = tokens.refresh.clone().unwrap_or_default();
        let vars = |name: &str| (name == "refresh_token").then(|| token.clone());
        let body = self.body_of(&refresh.logout_body, self.encoding_for(&op, None), &vars)?;
        let request = self.with_session_cookies(
            Request::new(&op.method, op.path.clone())
                .body(body)
                .bearer(Some(&tokens.access)),
            tokens,
        );
        self.http.send_politely(request).await
    }

    /// What a browser sends with a cookie-authenticated request of `tokens`' session (when
    /// the profile puts the refresh token in a cookie): the refresh cookie, the CSRF cookie and
    /// its header (double-submit), and the allowed origin the frontend runs on.
    pub fn with_session_cookies(&self, request: Request, tokens: &Tokens) -> Request {
        if self
            .profile
            .refresh
            .as_ref()
            .and_then(|r| r.cookie.as_ref())
            .is_none()
        {
            return request;
        }
        let origin = self
            .profile
            .cookies
            .as_ref()
            .and_then(|_| self.allowed_origin());
        self.cookie_request(request, tokens, origin, true)
    }

    /// `request` carrying `tokens`' cookies as a browser sends them: every cookie the session
    /// set, the refresh cookie holding `tokens.refresh`, from `origin`, and with `csrf` the
    /// double-submit header equal to the CSRF cookie.
    pub fn cookie_request(
        &self,
        mut request: Request,
        tokens: &Tokens,
        origin: Option<String>,
        csrf: bool,
    ) -> Request {
        let refresh_cookie = self
            .profile
            .refresh
            .as_ref()
            .and_then(|r| r.cookie.clone())
            .or_else(|| {
                self.profile
                    .cookies
                    .as_ref()
                    .map(|c| c.refresh_cookie.clone())
            });
        let mut jar: Vec<String> = tokens
            .cookies
            .iter()
            .filter(|(k, _)| Some(k) != refresh_cookie.as_ref())
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        if let Some(name) = &refresh_cookie {
            jar.push(format!(
                "{name}={}",
                tokens.refresh.clone().unwrap_or_default()
            ));
        }
        if let Some(cookies) = self.profile.cookies.as_ref().filter(|_| csrf)
            && let Some(csrf) = &cookies.csrf_cookie
            && let Some((_, value)) = tokens.cookies.iter().find(|(k, _)| k == csrf)
        {
            request = request.header(&cookies.csrf_header, value.clone());
        }
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request.header("cookie", jar.join("; "))
    }

    /// The first refused origin of the profile's `[cors]` (`https://evil.example` without one).
    pub fn refused_origin(&self) -> String {
        self.profile
            .cors
            .as_ref()
            .and_then(|c| c.refused_origins.first().cloned())
            .unwrap_or_else(|| "https://evil.example".into())
    }

    /// The first allowed origin of the profile's `[cors]`.
    pub fn allowed_origin(&self) -> Option<String> {
        self.profile
            .cors
            .as_ref()
            .and_then(|c| c.allowed_origins.first())
            .map(|o| o.get_ref().clone())
    }

    /// An access token that has expired (past its `exp` and the backend's leeway): signed in
    /// anew and waited out once per run, shared by every scenario that needs one. `Err` says
    /// why there is none (the reason a scenario is skipped).
    pub async fn expired_token(&self) -> Result<String, String> {
        self.expired
            .get_or_init(|| async {
                let (tokens, _) = self.sign_in(Identity::First).await?;
                let settings = &self.profile.behaviour;
                let exp = jwt_exp(&tokens.access)
                    .ok_or("the access token is not a JWT with `exp`")?;
                let until = exp + settings.expiry_leeway_secs + 1;
                let wait = until.saturating_sub(unix_now());
                if settings.expiry_wait_secs == 0 || wait > settings.expiry_wait_secs {
                    return Err(format!(
                        "the access token expires in {wait} s (leeway included), beyond behaviour.expiry_wait_secs = {}",
                        settings.expiry_wait_secs
                    ));
                }
                tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
                Ok(tokens.access)
            })
            .await
            .clone()
    }

    /// The `apiKey` security scheme of `[apikey]` (or the spec's first): its name, where the
    /// key goes (`header`, `query`, `cookie`) and under which name.
    pub fn api_key_scheme(&self) -> Option<(String, String, String)> {
        let wanted = self
            .profile
            .apikey
            .as_ref()
            .and_then(|k| k.scheme.as_ref())
            .map(|s| s.get_ref().clone());
        let schemes = self
            .doc()
            .pointer("/components/securitySchemes")?
            .as_object()?;
        schemes.iter().find_map(|(name, scheme)| {
            let scheme = accord_spec::follow_ref(self.doc(), scheme);
            let fits = match &wanted {
                Some(w) => w == name,
                None => {
                    scheme.get("type").and_then(Value::as_str) == Some("apiKey")
                        && self.user_scheme.as_ref() != Some(name)
                }
            };
            fits.then(|| {
                (
                    name.clone(),
                    scheme
                        .get("in")
                        .and_then(Value::as_str)
                        .unwrap_or("header")
                        .to_string(),
                    scheme
                        .get("name")
                        .and_then(Value::as_str)
                        .unwrap_or("X-API-Key")
                        .to_string(),
                )
            })
        })
    }

    /// The operations whose security accepts `scheme` alone (an alternative of just it).
    pub fn operations_secured_by(&self, scheme: &str) -> Vec<OpInfo> {
        let global = self.doc().get("security").cloned().unwrap_or(Value::Null);
        self.all_operations()
            .into_iter()
            .filter(|(op, _)| {
                op.op
                    .get("security")
                    .unwrap_or(&global)
                    .as_array()
                    .is_some_and(|alternatives| {
                        alternatives.iter().any(|a| {
                            a.as_object()
                                .is_some_and(|m| m.len() == 1 && m.contains_key(scheme))
                        })
                    })
            })
            .map(|(op, _)| op)
            .collect()
    }

    /// `request` carrying `key` where the scheme says.
    pub fn with_api_key(&self, request: Request, key: &str) -> Request {
        use crate::http::Placement;
        let Some((_, location, name)) = self.api_key_scheme() else {
            return request;
        };
        let placement = match location.as_str() {
            "query" => Placement::Query { name },
            "cookie" => Placement::Cookie { name },
            _ => Placement::Header {
                name,
                prefix: String::new(),
            },
        };
        placement.apply(request, key)
    }

    /// The WebSocket to check: its path (the profile's, else the spec's `x-accord-websocket`
    /// or `x-websocket` extension's `path`) and the query parameter a browser puts the token
    /// in (the profile's, else the extension's `token.query`, else `token`).
    /// The AsyncAPI document's `ws` server and channel come last.
    pub fn websocket(&self) -> Option<(String, String)> {
        let profile = self.profile.websocket.as_ref()?;
        let spec = ["x-accord-websocket", "x-websocket"]
            .iter()
            .find_map(|k| self.doc().get(*k));
        let asyncapi = self.asyncapi.as_ref().and_then(crate::asyncapi::socket);
        let path = profile
            .path
            .clone()
            .or_else(|| spec?.get("path")?.as_str().map(String::from))
            .or_else(|| asyncapi.as_ref().map(|s| s.path.clone()))?;
        let query = profile
            .token_query
            .clone()
            .or_else(|| spec?.pointer("/token/query")?.as_str().map(String::from))
            .or_else(|| asyncapi.as_ref()?.token_query.clone())
            .unwrap_or_else(|| "token".into());
        Some((path, query))
    }

    /// The statuses the spec lets an error case get on `op`: what it documents for it
    /// (400 or 422 for a body it cannot take, 401 or 403 without credentials), the profile's
    /// choice where it says nothing (`errors.validation_status`, `auth.refusal_status`).
    pub fn error_statuses(&self, case: ErrorCase, op: Option<&OpInfo>) -> Vec<u16> {
        let documented =
            |candidates: &[u16]| op.map(|o| crate::security::documented_among(&o.op, candidates));
        let validation = self
            .profile
            .errors
            .as_ref()
            .and_then(|e| e.validation_status)
            .unwrap_or(422);
        match case {
            ErrorCase::UnknownRoute | ErrorCase::MissingResource => vec![404],
            ErrorCase::WrongMethod => vec![405],
            ErrorCase::NoCredentials => match op {
                Some(op) => vec![self.refusal_status(op)],
                None => vec![401],
            },
            ErrorCase::MalformedJson => match documented(&[400, 422]).unwrap_or_default() {
                d if d.is_empty() => vec![400, validation],
                d => d,
            },
            ErrorCase::WrongContentType => {
                let mut d = documented(&[415, 400, 422]).unwrap_or_default();
                if !d.contains(&415) {
                    d.insert(0, 415);
                }
                d
            }
            ErrorCase::MissingField | ErrorCase::WrongType => {
                match documented(&[422, 400]).unwrap_or_default() {
                    d if d.is_empty() => vec![validation],
                    d => d,
                }
            }
        }
    }

    /// The request of an error case of `features/errors.feature`, and the operation it
    /// calls (none for a route or method the spec does not have).
    pub fn error_request(
        &self,
        case: ErrorCase,
        token: Option<&str>,
    ) -> Result<(Request, Option<OpInfo>), String> {
        self.error_request_except(case, token, &[])
    }

    /// [`Self::error_request`] on an operation other than those of `refused` (operations
    /// that refused the signed-in identity with 403: meant for another role).
    pub fn error_request_except(
        &self,
        case: ErrorCase,
        token: Option<&str>,
        refused: &[String],
    ) -> Result<(Request, Option<OpInfo>), String> {
        let open = |o: &OpInfo| !refused.contains(&o.id);
        // A missing or mistyped field needs a body with a required one.
        let needs_required = matches!(case, ErrorCase::MissingField | ErrorCase::WrongType);
        let with_body = self
            .token_operations()
            .into_iter()
            .filter(open)
            .find(|o| {
                token.is_some()
                    && self.json_body_schema(o).is_some_and(|s| {
                        !needs_required || !sample::required(self.doc(), &s).is_empty()
                    })
            })
            .ok_or("the spec has no secured operation with a JSON body the identity may call");
        Ok(match case {
            ErrorCase::UnknownRoute => (
                Request::new(
                    "GET",
                    format!("/accord-conformance-{}", uuid::Uuid::new_v4().simple()),
                ),
                None,
            ),
            ErrorCase::WrongMethod => {
                let doc = self.doc();
                let (path, item) = doc
                    .get("paths")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                    .find(|(p, _)| !p.contains('{'))
                    .ok_or("the spec has no path without parameters")?;
                let method = ["PUT", "DELETE", "PATCH", "POST"]
                    .into_iter()
                    .find(|m| item.get(m.to_ascii_lowercase()).is_none())
                    .ok_or("every method is documented on the path")?;
                (Request::new(method, path.clone()).bearer(token), None)
            }
            ErrorCase::NoCredentials => {
                let op = self
                    .token_operations()
                    .into_iter()
                    .next()
                    .ok_or("the spec secures no operation with the user's token")?;
                (self.request_for(&op), Some(op))
            }
            ErrorCase::MalformedJson => {
                let op = with_body?;
                let request = Request::new(&op.method, self.fill_path(&op))
                    .bearer(token)
                    .body(Body::Raw {
                        content_type: Some("application/json".into()),
                        bytes: b"{\"accord\": ".to_vec(),
                    });
                (request, Some(op))
            }
            ErrorCase::WrongContentType => {
                let op = with_body?;
                let request = Request::new(&op.method, self.fill_path(&op))
                    .bearer(token)
                    .body(Body::Raw {
                        content_type: Some("text/plain".into()),
                        bytes: b"accord".to_vec(),
                    });
                (request, Some(op))
            }
            ErrorCase::MissingField | ErrorCase::WrongType => {
                let op = with_body?;
                let schema = self.json_body_schema(&op).unwrap_or(json!({}));
                let mut value = sample::valid(self.doc(), &schema);
                let required = sample::required(self.doc(), &schema);
                let field = required
                    .first()
                    .ok_or_else(|| format!("the body of `{}` has no required field", op.id))?;
                if let Some(obj) = value.as_object_mut() {
                    if case == ErrorCase::MissingField {
                        obj.remove(field);
                    } else {
                        let wrong = sample::wrong_type(obj.get(field).unwrap_or(&Value::Null));
                        obj.insert(field.clone(), wrong);
                    }
                }
                let request = Request::new(&op.method, self.fill_path(&op))
                    .bearer(token)
                    .body(Body::Json(value));
                (request, Some(op))
            }
            ErrorCase::MissingResource => {
                // A secured read by id, else a public one.
                let by_id = |o: &OpInfo| o.method == "GET" && o.path.contains('{') && open(o);
                let op = self
                    .token_operations()
                    .into_iter()
                    .find(by_id)
                    .or_else(|| {
                        self.all_operations()
                            .into_iter()
                            .map(|(o, _)| o)
                            .find(by_id)
                    })
                    .ok_or("the spec has no GET of a resource by id")?;
                // An id that names nothing: the spec's sample id may name a real resource.
                let path = self.fill_path_with(&op, true);
                (Request::new("GET", path).bearer(token), Some(op))
            }
        })
    }

    pub fn presign_request(
        &self,
        token: Option<&str>,
        file_name: &str,
        content_type: &str,
        size: u64,
    ) -> Request {
        let Some(uploads) = &self.profile.uploads else {
            return Request::new("GET", "/");
        };
        let Ok(op) = self.op(uploads.operation.get_ref()) else {
            return Request::new("GET", "/");
        };
        let vars = |name: &str| match name {
            "file_name" => Some(file_name.to_string()),
            "content_type" => Some(content_type.to_string()),
            "size_bytes" => Some(size.to_string()),
            _ => None,
        };
        let body = crate::profile::fill(&uploads.body, &vars)
            .map(Body::Json)
            .unwrap_or(Body::None);
        Request::new(&op.method, op.path.clone())
            .bearer(token)
            .body(body)
    }

    pub async fn presign(
        &self,
        token: &str,
        file_name: &str,
        content_type: &str,
        size: u64,
    ) -> (Result<Presign, String>, Exchange) {
        let request = self.presign_request(Some(token), file_name, content_type, size);
        let exchange = match self.http.send(request).await {
            Ok(e) => e,
            Err(e) => return (Err(format!("presign: {e}")), Exchange::none()),
        };
        let Some(uploads) = &self.profile.uploads else {
            return (Err("no [uploads]".into()), exchange);
        };
        if !(200..300).contains(&exchange.status) {
            return (
                Err(format!("presigning answered {}", exchange.status)),
                exchange,
            );
        }
        let Some(body) = exchange.json() else {
            return (Err("the presign answer is not JSON".into()), exchange);
        };
        let text = |p: &str| body.pointer(p).and_then(Value::as_str).map(String::from);
        let fields: Vec<(String, String)> = match body.pointer(&uploads.fields) {
            Some(Value::Object(m)) => m.iter().map(|(k, v)| (k.clone(), as_text(v))).collect(),
            _ => return (Err(format!("no fields at {}", uploads.fields)), exchange),
        };
        let Some(url) = text(&uploads.url) else {
            return (Err(format!("no url at {}", uploads.url)), exchange);
        };
        let presign = Presign {
            id: body
                .pointer(&uploads.id)
                .map(|v| {
                    v.as_str()
                        .map(String::from)
                        .unwrap_or_else(|| v.to_string())
                })
                .unwrap_or_default(),
            url,
            key: text(&uploads.key)
                .or_else(|| {
                    fields
                        .iter()
                        .find(|(k, _)| k == "key")
                        .map(|(_, v)| v.clone())
                })
                .unwrap_or_default(),
            fields,
            max_size: Some(size),
        };
        (Ok(presign), exchange)
    }

    /// Whether the backend reports the upload stored, when the profile names how to ask.
    pub async fn upload_status(&self, token: &str, id: &str) -> Option<(bool, Exchange)> {
        let uploads = self.profile.uploads.as_ref()?;
        let op = self.op(uploads.status_operation.as_ref()?.get_ref()).ok()?;
        let path = op
            .path
            .split('/')
            .map(|s| {
                if s.starts_with('{') {
                    id.to_string()
                } else {
                    s.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let e = self
            .http
            .send(Request::new(&op.method, path).bearer(Some(token)))
            .await
            .ok()?;
        let (pointer, value) = uploads
            .stored
            .clone()
            .unwrap_or(("/status".into(), "stored".into()));
        let stored = e
            .json()
            .and_then(|b| b.pointer(&pointer).cloned())
            .is_some_and(|v| v.as_str() == Some(value.as_str()) || v == value);
        Some((stored, e))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_refresh_keeps_the_cookies_it_did_not_set() {
        let pair = |k: &str, v: &str| (k.to_string(), v.to_string());
        let jar = vec![pair("refresh", "r1"), pair("csrf", "c1")];
        let kept = super::keep_jar(&jar, vec![pair("refresh", "r2")]);
        assert_eq!(kept, vec![pair("refresh", "r2"), pair("csrf", "c1")]);
    }
}

//! The behaviour phase (`@behaviour`): the API's own behaviour, generated from the spec for
//! every operation. Valid inputs (the spec's examples first, then proptest-generated ones,
//! shrunk to a minimal request on failure), resources followed from create to read, list,
//! update and delete, a second user trying the first user's resources, and inputs that break
//! one constraint each. Writes only touch what the run created.

pub mod boundary;
pub mod generate;
pub mod mutate;
pub mod owned;

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{Value, json};

use crate::context::{Ctx, Identity, OpInfo, as_text as text};
use crate::http::{Body, Exchange, Request};
use crate::rules::{Failure, Rule};

/// A parameter of an operation.
#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    pub location: String,
    pub required: bool,
    pub schema: Value,
    /// How a query value is written, as the parameter's `style`, `explode` and `content`
    /// say.
    pub style: QueryStyle,
}

/// How a query parameter's value is written (OpenAPI's `style` and `explode`, or a
/// `content` media type).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryStyle {
    /// `form` with `explode` (the default): a list as `id=1&id=2`, an object's members as
    /// parameters of their own (`size=10&number=1`).
    Exploded,
    /// `form` without `explode`: `id=1,2`, an object as `page=size,10,number,1`.
    Joined(char),
    /// `deepObject`: `page[size]=10&page[number]=1`.
    Deep,
    /// A `content` media type (JSON): the value as JSON text (`filter={"limit":1}`).
    Json,
}

impl QueryStyle {
    /// The style the parameter object `p` declares.
    fn of(p: &Value) -> QueryStyle {
        if p.get("schema").is_none() && p.get("content").is_some() {
            return QueryStyle::Json;
        }
        let style = p.get("style").and_then(Value::as_str).unwrap_or("form");
        let explode = p
            .get("explode")
            .and_then(Value::as_bool)
            .unwrap_or(style == "form");
        match style {
            "deepObject" => QueryStyle::Deep,
            "spaceDelimited" if !explode => QueryStyle::Joined(' '),
            "pipeDelimited" if !explode => QueryStyle::Joined('|'),
            "form" if !explode => QueryStyle::Joined(','),
            _ => QueryStyle::Exploded,
        }
    }

    /// `name=value` pairs for the query, not yet encoded.
    fn pairs(self, name: &str, value: &Value) -> Vec<(String, String)> {
        match (self, value) {
            (_, Value::Null) => Vec::new(),
            (QueryStyle::Json, v) => vec![(name.to_string(), v.to_string())],
            (QueryStyle::Exploded, Value::Array(items)) => {
                items.iter().map(|i| (name.to_string(), text(i))).collect()
            }
            (QueryStyle::Exploded, Value::Object(members)) => members
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), text(v)))
                .collect(),
            (QueryStyle::Joined(by), Value::Array(items)) => vec![(
                name.to_string(),
                items
                    .iter()
                    .map(text)
                    .collect::<Vec<_>>()
                    .join(&by.to_string()),
            )],
            (QueryStyle::Joined(by), Value::Object(members)) => vec![(
                name.to_string(),
                members
                    .iter()
                    .flat_map(|(k, v)| [k.clone(), text(v)])
                    .collect::<Vec<_>>()
                    .join(&by.to_string()),
            )],
            (QueryStyle::Deep, Value::Object(members)) => members
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (format!("{name}[{k}]"), text(v)))
                .collect(),
            (QueryStyle::Deep, Value::Array(items)) => {
                items.iter().map(|i| (name.to_string(), text(i))).collect()
            }
            (_, v) => vec![(name.to_string(), text(v))],
        }
    }
}

/// The inputs of one call: parameter values and the body.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    pub params: Vec<(Param, Value)>,
    pub body: Option<Value>,
}

/// What a request to `op` takes.
pub fn params(ctx: &Ctx, op: &OpInfo) -> Vec<Param> {
    ctx.parameters(op)
        .into_iter()
        .filter_map(|p| {
            let location = p.get("in")?.as_str()?.to_string();
            let name = p.get("name")?.as_str()?.to_string();
            // The harness sets these itself (a write's `If-Match` the `ETag` the run read,
            // as a frontend sends it back).
            if location == "header"
                && ["authorization", "content-type", "accept", "if-match"]
                    .contains(&name.to_ascii_lowercase().as_str())
            {
                return None;
            }
            if location == "cookie" || ctx.http.fixed(&location, &name) {
                return None;
            }
            // A parameter of a `content` media type (LoopBack's JSON `filter`) takes the
            // media type's schema, and is written as JSON.
            let content_schema = || {
                p.get("content")?
                    .as_object()?
                    .iter()
                    .find(|(media, _)| accord_spec::media::is_json(media))
                    .and_then(|(_, m)| m.get("schema"))
                    .cloned()
            };
            Some(Param {
                required: location == "path" || p.get("required") == Some(&Value::Bool(true)),
                schema: p
                    .get("schema")
                    .cloned()
                    .or_else(content_schema)
                    .unwrap_or(json!({"type": "string"})),
                style: QueryStyle::of(&p),
                name,
                location,
            })
        })
        .collect()
}

fn path_encode(s: &str) -> String {
    crate::http::urlencode(s).replace('+', "%20")
}

/// The request of `op` with `inputs`, the body sent as the spec says.
pub fn request(ctx: &Ctx, op: &OpInfo, inputs: &Inputs) -> Request {
    let mut path = op.path.clone();
    let mut query = Vec::new();
    let mut headers = Vec::new();
    for (p, v) in &inputs.params {
        match p.location.as_str() {
            "path" => path = path.replace(&format!("{{{}}}", p.name), &path_encode(&text(v))),
            "query" => {
                for (name, value) in p.style.pairs(&p.name, v) {
                    query.push(format!(
                        "{}={}",
                        crate::http::urlencode(&name),
                        crate::http::urlencode(&value)
                    ));
                }
            }
            "header" => headers.push((p.name.clone(), text(v))),
            _ => {}
        }
    }
    if !query.is_empty() {
        path = format!("{path}?{}", query.join("&"));
    }
    let mut request = Request::new(&op.method, path);
    for (k, v) in headers {
        request = request.header(&k, v);
    }
    if let Some(body) = &inputs.body {
        request = request.body(ctx.body_for(op, body.clone()));
    }
    request
}

/// A request as one line for a report: method, target and body, secrets redacted.
pub fn describe(request: &Request) -> String {
    let body = match &request.body {
        Body::Json(v) => format!(" {}", crate::http::redact_text(&v.to_string())),
        Body::Form(pairs) => format!(
            " {}",
            crate::http::redact_text(
                &Value::Object(pairs.iter().map(|(k, v)| (k.clone(), json!(v))).collect())
                    .to_string()
            )
        ),
        _ => String::new(),
    };
    crate::exchange::elide_runs(&format!(
        "{} {}{body}",
        request.method,
        crate::http::redact_url(&request.target)
    ))
}

/// Sends as a well-mannered client (see [`crate::http::Http::send_politely`]).
pub async fn send(ctx: &Ctx, request: Request) -> Result<Exchange, Failure> {
    // A backend that did not answer is `transport`, not the harness's own `setup`.
    ctx.http
        .send_politely(request.clone())
        .await
        .map_err(|e| Failure::unsent(&request, e))
}

/// `request` as the backend's frontend sends it in a cookie session (the user's token a
/// cookie): with the other cookies the sign-in set, and on a write the CSRF header a
/// double-submit frontend copies from the CSRF cookie ([`Ctx::csrf_pair`]).
/// Without it, a session backend refuses every write with 403, and the run would take each
/// for another role's operation.
pub fn as_the_browser(ctx: &Ctx, mut request: Request, token: &crate::context::Tokens) -> Request {
    let crate::http::Placement::Cookie { name } = ctx.http.placement() else {
        return request;
    };
    let others: Vec<String> = token
        .cookies
        .iter()
        .filter(|(k, _)| k != name)
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    if !others.is_empty() {
        let others = others.join("; ");
        match request.headers.iter_mut().find(|(k, _)| k == "cookie") {
            Some((_, v)) => *v = format!("{v}; {others}"),
            None => request = request.header("cookie", others),
        }
    }
    if matches!(request.method.as_str(), "GET" | "HEAD" | "OPTIONS") {
        return request;
    }
    // The header holds the cookie's value, as the frontend copies it, whatever else the
    // request put there: a spec that declares the header as a parameter of each write (a
    // required `X-CSRF-Token`) has the run fill it with an example it cannot know.
    if let Some((cookie, header)) = ctx.csrf_pair(token)
        && let Some((_, value)) = token.cookies.iter().find(|(k, _)| *k == cookie)
    {
        request
            .headers
            .retain(|(k, _)| !k.eq_ignore_ascii_case(&header));
        request = request.header(&header, value.clone());
    }
    request
}

/// Sends `request` in `identity`'s session.
pub async fn send_as(ctx: &Ctx, identity: Identity, request: Request) -> Result<Exchange, Failure> {
    // One call at a time on the spare account: an answer may renew its token.
    let _one = match identity {
        Identity::Spare => Some(ctx.spare_calls.lock().await),
        _ => None,
    };
    let token = ctx
        .session(identity)
        .await
        .map_err(|e| e.failure(&format!("signing in ({identity:?}) failed")))?;
    // An operation that takes the API key alone gets the first identity's key, as its
    // frontend sends it ([`Ctx::behaviour_key`]); the others' token, which it refuses.
    let keyed = (identity == Identity::First)
        .then(|| ctx.behaviour_key_for(&request.method, &request.target))
        .flatten();
    let request = match keyed {
        Some(key) => ctx.with_api_key(request, &key),
        None => as_the_browser(ctx, request, &token).bearer(Some(&token.access)),
    };
    let e = send(ctx, request).await?;
    // An answer on the account may carry the session's next token (see `Ctx::renew_from`).
    if identity == Identity::Spare {
        ctx.renew_from(identity, &e).await;
    }
    Ok(e)
}

/// What a server error for a valid request `e` adds when its operation answered a 2xx
/// earlier in the run: what that accepted request had and this one leaves out (optional
/// members the backend may need all the same: a list it reads without checking), and that
/// the cause may be an input accepted then, which left the backend in a state it now fails
/// on (gotify stores any `sortKey`, and every later create fails).
pub fn state_hint(ctx: &Ctx, e: &Exchange) -> String {
    let operation = e.operation.as_deref().unwrap_or_default();
    let Some(accepted) = ctx.http.accepted_members(operation) else {
        return String::new();
    };
    let body = serde_json::from_str(&e.request_body).unwrap_or(Value::Null);
    let mut here = crate::http::members(&body);
    here.extend(crate::http::query_names(&e.url));
    // A query parameter this request sends and the accepted one did not: its value is
    // what differs (JHipster's `GET /api/operations?sort=0`, a sort by a column it does
    // not have), not the backend's state.
    let added: Vec<String> = here
        .iter()
        .filter(|m| m.starts_with('?') && !accepted.contains(m))
        .take(4)
        .map(|m| format!("`{}`", &m[1..]))
        .collect();
    if !added.is_empty() {
        return format!(
            "; it answered a 2xx earlier in this run to a request without {}, which this one sends",
            added.join(", ")
        );
    }
    let left_out: Vec<&String> = accepted
        .iter()
        .filter(|m| !here.contains(m))
        // A member under one left out is left out with it.
        .filter(|m| {
            !accepted
                .iter()
                .any(|o| !here.contains(o) && m.starts_with(&format!("{o}/")))
        })
        .collect();
    if left_out.is_empty() {
        return "; it answered a 2xx earlier in this run: an input it accepted then may have left the backend in a state it now fails on".into();
    }
    let named: Vec<String> = left_out.iter().take(4).map(|m| format!("`{m}`")).collect();
    format!(
        "; it answered a 2xx earlier in this run to a request with {}, which this one leaves out (the spec does not require it): the backend may need it all the same, or an input accepted then may have left the backend in a state it now fails on",
        named.join(", ")
    )
}

/// Why an answer to a valid request is wrong, if it is.
/// Where an answer hands the browser a stored password or its hash: a member named like a
/// password holding text, or text in the shape of a password hash anywhere (bcrypt's `$2b$`,
/// argon2's, Django's `pbkdf2_sha256$`, werkzeug's `pbkdf2:`/`scrypt:`). Its pointer and
/// what it holds in words; never the value. What a JSON Schema in the answer shows as an
/// example is documentation, not a stored value (Prefect's block schemas: a secret's
/// `examples`, `{"password": "s3cr3t", "username": "johndoe"}`).
pub fn stored_password(body: &Value) -> Option<(String, &'static str)> {
    fn hash(text: &str) -> Option<&'static str> {
        if ["$2a$", "$2b$", "$2y$"].iter().any(|p| text.starts_with(p)) && text.len() == 60 {
            Some("a bcrypt hash")
        } else if text.starts_with("$argon2") {
            Some("an argon2 hash")
        } else if text.starts_with("pbkdf2_sha256$") || text.starts_with("pbkdf2:sha256:") {
            Some("a PBKDF2 hash")
        } else if text.starts_with("scrypt:") || text.starts_with("$scrypt$") {
            Some("a scrypt hash")
        } else {
            None
        }
    }
    fn named(name: &str) -> bool {
        let plain: String = name
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        matches!(
            plain.as_str(),
            "password" | "passwd" | "hashedpassword" | "passwordhash" | "encryptedpassword"
        )
    }
    fn find(v: &Value, at: String, depth: u8) -> Option<(String, &'static str)> {
        match v {
            Value::String(text) => hash(text).map(|what| (at, what)),
            Value::Object(members) if depth > 0 => members.iter().find_map(|(k, m)| {
                let here = format!("{at}/{}", accord_spec::pointer::escape(k));
                let schema = ["type", "properties", "$ref", "anyOf", "oneOf", "allOf"]
                    .iter()
                    .any(|w| members.contains_key(*w));
                if schema
                    && ["examples", "example", "default", "const", "enum"].contains(&k.as_str())
                {
                    return None;
                }
                match m {
                    // Masked (`**********`, Directus's) is no password.
                    Value::String(text)
                        if named(k) && !text.chars().all(|c| matches!(c, '*' | '•' | '●')) =>
                    {
                        Some((here, hash(text).unwrap_or("a password")))
                    }
                    _ => find(m, here, depth - 1),
                }
            }),
            Value::Array(items) if depth > 0 => items
                .iter()
                .enumerate()
                .find_map(|(i, m)| find(m, format!("{at}/{i}"), depth - 1)),
            _ => None,
        }
    }
    find(body, String::new(), 8)
}

/// Where `e` is a 5xx but 500 that its operation documents (Jupyter's `POST /api/sessions`:
/// 501, "Session not available", for a kernel it does not have), or a 501 Not Implemented,
/// why it is the backend's own answer, a refusal, not a crash: the status's description
/// (`which its spec documents (...)`), or that the backend says it does not offer the
/// operation here (LNbits's node API, `{"detail": "Not implemented"}` on a wallet without
/// a node; the spec's gap is a spec finding of its own). A 500 is a crash whatever the spec
/// says.
pub fn documented_unavailable(ctx: &Ctx, e: &Exchange) -> Option<String> {
    if e.status <= 500 || e.status >= 600 {
        return None;
    }
    let op = ctx.op(e.operation.as_deref()?).ok()?;
    let Some(documented) = op.op.pointer(&format!("/responses/{}", e.status)) else {
        if e.status == 503
            && let Some(said) = ctx.http.not_offered(&op.id)
        {
            return Some(format!(
                "as it answers a request without credentials, before it looks at who asks: the deployment does not offer the operation ({said})"
            ));
        }
        return (e.status == 501).then(|| {
            "which says the backend does not offer the operation here (Not Implemented)".into()
        });
    };
    let documented = accord_spec::follow_ref(ctx.doc(), documented);
    Some(format!(
        "which its spec documents ({})",
        documented
            .get("description")
            .and_then(Value::as_str)
            .filter(|d| !d.is_empty())
            .unwrap_or("no description")
    ))
}

/// Whether `e` is a server error the run holds against the backend: any 5xx but one its
/// operation documents ([`documented_unavailable`]).
pub fn crashed(ctx: &Ctx, e: &Exchange) -> bool {
    e.status >= 500 && documented_unavailable(ctx, e).is_none()
}

fn positive_problem(ctx: &Ctx, e: &Exchange) -> Option<String> {
    // A stored password or its hash in an answer is the browser's to read, and the
    // frontend's to leak (Kinto's `GET /accounts` answers each account's bcrypt hash).
    if (200..300).contains(&e.status)
        && let Some((at, what)) = e.json().as_ref().and_then(stored_password)
    {
        return Some(format!(
            "the answer carries a stored password at {at} ({what}): a browser gets what only the server should hold"
        ));
    }
    if let Some(why) = documented_unavailable(ctx, e) {
        ctx.http.note(format!(
            "behaviour: {} answers a valid request {}, {why}: its own answer, not a crash",
            e.operation.as_deref().unwrap_or("?"),
            e.status,
        ));
        return None;
    }
    if e.status >= 500 {
        return Some(format!(
            "a server error ({}) for a valid request{}",
            e.status,
            state_hint(ctx, e)
        ));
    }
    // What the answer breaks of the spec is a spec finding of its own (one per operation,
    // status and kind), not a failure of this check.
    if e.status == 401 {
        // A run without credentials calls as a visitor: a backend asking for them is
        // defending itself (what the spec leaves undocumented of it is a spec finding).
        if ctx.anonymous() {
            if let Some(op) = &e.operation {
                ctx.http.note(format!(
                    "behaviour: {op} asks for credentials (401), and the run has none (the profile has no [auth]): its answers are a visitor's, not judged"
                ));
            }
            return None;
        }
        // An operation that takes a credential of its own (a password reset's `token`, a
        // sign-in's `password`) refuses the made-up one, not the session.
        if ctx.refuses_own_credential(e) {
            return None;
        }
        // A read the token check calls too is judged there, once: the same refusal is one
        // cause (Unleash's frontend API wants a token of another kind than the spec says).
        if let Some(op) = e.operation.as_deref().and_then(|id| ctx.op(id).ok())
            && op.method == "GET"
            && ctx.runs("Authentication", "A valid token is accepted")
            && ctx.token_operations().iter().any(|t| t.id == op.id)
        {
            ctx.http.note(format!(
                "behaviour: {} refused the signed-in identity's valid request with 401: `A valid token is accepted` judges it",
                op.id
            ));
            return None;
        }
        return Some("a signed-in valid request was refused with 401".into());
    }
    if e.status == 403 {
        // The token was accepted; the user lacks the role: an operation for another identity
        // (unless it took a request before, or is the sign-up: then the input's refusal).
        if let Some(op) = &e.operation
            && ctx.may_refuse_the_identity(op)
        {
            ctx.forbidden(op);
        }
        return None;
    }
    if (400..500).contains(&e.status)
        && let Some(problem) = crate::envelope::envelope_problem_beyond_spec(ctx, e)
    {
        return Some(format!("a refusal outside the envelope: {problem}"));
    }
    None
}

fn op_seed(seed: u64, op: &str) -> [u8; 32] {
    // FNV-1a of the operation over the run's seed: each operation's cases depend only on the
    // seed and its id, not on what ran before it.
    let mut h: u64 = 0xcbf29ce484222325 ^ seed;
    for b in op.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    let mut out = [0u8; 32];
    for (i, chunk) in out.chunks_mut(8).enumerate() {
        chunk.copy_from_slice(&(h.rotate_left(i as u32 * 16) ^ seed).to_le_bytes());
    }
    out
}

/// A strategy for one parameter's values. An empty path segment is another route
/// (`/articles/` is the list): it is neither generated nor shrunk to.
fn param_strategy(
    doc: &Value,
    schema: &Value,
    location: &str,
) -> proptest::strategy::BoxedStrategy<Value> {
    let s = generate::strategy(doc, schema, generate::Optional::Maybe);
    if location != "path" {
        return s;
    }
    s.prop_filter("a path segment is never empty", |v| v.as_str() != Some(""))
        .boxed()
}

/// A strategy for the inputs of `op`.
fn inputs_strategy(ctx: &Ctx, op: &OpInfo) -> proptest::strategy::BoxedStrategy<Inputs> {
    let doc = ctx.doc().clone();
    let ps = params(ctx, op);
    let param_strategies: Vec<_> = ps
        .iter()
        .map(|p| {
            let s = param_strategy(&doc, &p.schema, &p.location);
            let p2 = p.clone();
            if p.required {
                s.prop_map(move |v| Some((p2.clone(), v))).boxed()
            } else {
                proptest::option::of(s.prop_map(move |v| (p2.clone(), v))).boxed()
            }
        })
        .collect();
    let body = ctx
        .body_schema(op)
        .map(|schema| generate::strategy(&doc, &schema, generate::Optional::Maybe));
    match body {
        Some(b) => (param_strategies, b)
            .prop_map(|(ps, body)| Inputs {
                params: ps.into_iter().flatten().collect(),
                body: Some(body),
            })
            .boxed(),
        None => param_strategies
            .prop_map(|ps| Inputs {
                params: ps.into_iter().flatten().collect(),
                body: None,
            })
            .boxed(),
    }
}

/// The inputs the spec itself gives: examples, defaults, the first enum values.
pub fn example_inputs(ctx: &Ctx, op: &OpInfo) -> Inputs {
    let doc = ctx.doc();
    Inputs {
        params: params(ctx, op)
            .into_iter()
            .filter(|p| p.required || p.schema.get("example").is_some())
            .map(|p| {
                let v = crate::sample::valid(doc, &p.schema);
                (p, v)
            })
            .collect(),
        body: ctx.body_schema(op).map(|s| {
            // The example the spec writes beside the body's media type, as it is; else one
            // made from the schema (its own examples, defaults, first values).
            let mut body = media_example(ctx, op).unwrap_or_else(|| crate::sample::valid(doc, &s));
            bind_made(ctx, op, caller(ctx, op), &mut body);
            body
        }),
    }
}

/// What the boundary and broken-input passes learned of each top-level create, by
/// operation id ([`learn_accepted`]): the body the backend accepted from the run where it
/// refused the spec's example for what that leaves out (Baby Buddy's feeding needs a
/// `child`, a `start` and an `end` its spec leaves optional), else `None`.
#[derive(Default)]
struct LearnedBases(std::sync::Mutex<std::collections::HashMap<String, Option<Value>>>);

fn learned_base(ctx: &Ctx, op: &OpInfo) -> Option<Option<Value>> {
    ctx.memo
        .get_or_init(LearnedBases::default)
        .0
        .lock()
        .ok()
        .and_then(|bases| bases.get(&op.id).cloned())
}

/// The inputs the boundary and broken-input passes change one thing of: the spec's own
/// ([`example_inputs`]), with, for a top-level create whose example the backend refuses,
/// the body it accepted from the run ([`learn_accepted`]), its references bound to what
/// the run made as the operation's caller. A value sent in a body the backend refuses for
/// another reason (a field its spec leaves optional and it requires) is refused before it
/// reaches the code it could break, and its verdict would say nothing.
pub fn base_inputs(ctx: &Ctx, op: &OpInfo) -> Inputs {
    let mut inputs = example_inputs(ctx, op);
    if let (Some(Some(mut body)), Some(_)) = (learned_base(ctx, op), inputs.body.as_ref()) {
        bind_made(ctx, op, caller(ctx, op), &mut body);
        inputs.body = Some(body);
    }
    inputs
}

/// Whether [`base_inputs`] sends a body the backend accepted from the run for `op`.
pub fn accepted_known(ctx: &Ctx, op: &OpInfo) -> bool {
    matches!(learned_base(ctx, op), Some(Some(_)))
}

/// Learns, once per run, the base of the boundary and broken-input passes of `op`, the
/// create of a top-level resource: the spec's example is sent; where the backend takes it,
/// it is the base, and so it is where the answer is a server error or a refusal of the
/// identity (the passes judge those). Only where the backend refuses the example's body
/// is one of its kind made as the resource chain makes its own (its optional references
/// left out but for those the backend asks for: naming one may consume it, as a Baby Buddy
/// feeding stops and deletes its timer), and the body it took is the base. What either
/// made is in the ledger, and deleted with the rest. The same whatever the other
/// scenarios did before: a verdict does not hang on their order.
pub async fn learn_accepted(ctx: &Ctx, op: &OpInfo, resources: &[Resource]) -> Result<(), Failure> {
    if ctx.read_only() || has_path_params(op) || ctx.body_schema(op).is_none() {
        return Ok(());
    }
    let Some(resource) = resources
        .iter()
        .find(|r| r.create.id == op.id && !r.chosen && r.parent.is_none())
    else {
        return Ok(());
    };
    if learned_base(ctx, op).is_some() {
        return Ok(());
    }
    let _one_at_a_time = ctx.referents_making.lock().await;
    if learned_base(ctx, op).is_some() {
        return Ok(());
    }
    let learned = learn(ctx, op, resource, resources).await?;
    if let Ok(mut bases) = ctx.memo.get_or_init(LearnedBases::default).0.lock() {
        bases.insert(op.id.clone(), learned);
    }
    Ok(())
}

/// [`learn_accepted`]'s answer: the body to send in place of the example, if any.
async fn learn(
    ctx: &Ctx,
    op: &OpInfo,
    resource: &Resource,
    resources: &[Resource],
) -> Result<Option<Value>, Failure> {
    let who = caller(ctx, op);
    let e = send_as(ctx, who, request(ctx, op, &example_inputs(ctx, op))).await?;
    remember_created(ctx, op, &e, resources, who);
    if !(400..500).contains(&e.status) || [401, 403, 404, 405, 409, 429].contains(&e.status) {
        return Ok(None);
    }
    let collection = resource.collection.clone();
    match create_bound(ctx, resource, who, 0x1ea2, &collection, &[], Some(&[])).await {
        Ok(Some(created)) => Ok(Some(created.sent)),
        Ok(None) => Ok(None),
        // A create the backend refuses is the chain's finding; the passes keep the example.
        Err(f) if f.rule == Rule::Created => Ok(None),
        Err(f) => Err(f),
    }
}

/// The example the spec writes beside `op`'s JSON request body (`content.application/json
/// .example`, or the first of its `examples`), which no schema holds.
fn media_example(ctx: &Ctx, op: &OpInfo) -> Option<Value> {
    let doc = ctx.doc();
    let body = accord_spec::follow_ref(doc, op.op.get("requestBody")?);
    let content = body.get("content")?.as_object()?;
    let (_, media) = accord_spec::media::json_content(content)?;
    if let Some(example) = media.get("example") {
        return Some(example.clone());
    }
    let first = media.get("examples")?.as_object()?.values().next()?;
    accord_spec::follow_ref(doc, first).get("value").cloned()
}

pub fn has_path_params(op: &OpInfo) -> bool {
    op.path.contains('{')
}

pub fn safe(op: &OpInfo) -> bool {
    matches!(op.method.as_str(), "GET" | "HEAD" | "OPTIONS")
}

/// The operations a phase calls, each with whether it is secured.
pub type Planned = Vec<(OpInfo, bool)>;
/// The operations a phase leaves out, each (`METHOD path`, why).
pub type LeftOut = Vec<(String, String)>;

/// Whether `op` changes the signed-in account itself: a secured write without path
/// parameters on a path naming the caller (`PATCH /users/me`, `PUT /user`,
/// `POST /account/password`), but for a create in a collection of items (`POST /user`
/// beside `/user/{id}` makes a user; it does not change the caller, where `PATCH /user`
/// beside `GET /user/{id}` still does). The run sends these as its spare account
/// ([`Identity::Spare`]), never as an account it was given.
pub fn account_op(ctx: &Ctx, op: &OpInfo, secured: bool) -> bool {
    // A spec that declares no security scheme says nothing of which operations need the
    // session: a run that signs in holds those on the account's paths as the account's, and
    // never sends them as an account it was given (JHipster's `POST /api/account`, which
    // rewrites the signed-in user's e-mail address, and `/api/account/change-password`).
    let declares_none = ctx
        .doc()
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
        .is_none_or(|schemes| schemes.is_empty());
    account_op_in(ctx.doc(), op, secured || declares_none && !ctx.anonymous())
}

/// [`account_op`] in the document `doc`.
fn account_op_in(doc: &Value, op: &OpInfo, secured: bool) -> bool {
    // A write named for deleting the account is the account's whether or not the spec
    // secures it (Vikunja's `POST /user/deletion/request`, whose security its spec leaves
    // out): never sent as an account the run was given.
    let deletes = {
        let lowered = format!("{} {}", op.id, op.path).to_ascii_lowercase();
        ["delet", "deactivat", "disable_account", "close_account"]
            .iter()
            .any(|w| lowered.contains(w))
    };
    (secured || deletes)
        && !safe(op)
        && !has_path_params(op)
        && op.path.split('/').any(|segment| {
            [
                "me", "user", "account", "self", "profile", "current", "whoami",
            ]
            .contains(&segment.to_ascii_lowercase().as_str())
        })
        && !(op.method == "POST" && has_items(doc, &op.path))
}

/// Whether the spec has an item path under `path` (`{path}/{id}`): `path` is a collection.
fn has_items(doc: &Value, path: &str) -> bool {
    doc.get("paths")
        .and_then(Value::as_object)
        .is_some_and(|paths| {
            paths.keys().any(|p| {
                p.strip_prefix(path)
                    .and_then(|rest| rest.strip_prefix("/{"))
                    .is_some_and(|rest| rest.ends_with('}') && !rest.contains('/'))
            })
        })
}

/// Whether `op`'s body requires the account's current password (`current_password`,
/// `oldPassword`...), as a password change does.
fn asks_current_password(ctx: &Ctx, op: &OpInfo) -> bool {
    let doc = ctx.doc();
    let Some(schema) = ctx.body_schema(op) else {
        return false;
    };
    let schema = accord_spec::follow_ref(doc, &schema);
    // Required, or only declared where the spec requires nothing (JHipster's
    // `PasswordChangeDTO {currentPassword, newPassword}`, its checks in the code).
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let declared: Vec<&str> = schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|p| p.keys().map(String::as_str))
        .collect();
    let names = if required.is_empty() {
        declared
    } else {
        required
    };
    names
        .into_iter()
        .map(str::to_ascii_lowercase)
        .any(|name| name.contains("password") && (name.contains("current") || name.contains("old")))
}

/// Whose session `op` is called in by the behaviour phase: the spare account's for an
/// operation on the signed-in account ([`account_op`]), else the first identity's.
pub fn caller(ctx: &Ctx, op: &OpInfo) -> Identity {
    let global = ctx.doc().get("security").unwrap_or(&Value::Null);
    let secured = crate::context::requires_credentials(&op.op, global);
    if account_op(ctx, op, secured) {
        Identity::Spare
    } else {
        Identity::First
    }
}

/// Keeps the account a sign-up's answer `e` says it made, for the cleanup (see
/// [`Ctx::made_accounts`]).
pub fn keep_account(ctx: &Ctx, op: &OpInfo, e: &Exchange) {
    if (200..300).contains(&e.status)
        && registers(ctx, op)
        && let Ok(mut made) = ctx.made_accounts.lock()
    {
        made.push(crate::context::MadeAccount {
            body: serde_json::from_str(&e.request_body).unwrap_or(Value::Null),
            tokens: ctx.tokens_from(e).ok(),
            answer: e.json().unwrap_or(Value::Null),
        });
    }
}

/// The parameter of an item path: its last segment, `{param}`, and its only one
/// (`/pettypes/{petTypeId}`).
fn item_param(path: &str) -> Option<&str> {
    let (_, last) = path.trim_end_matches('/').rsplit_once('/')?;
    let param = last.strip_prefix('{')?.strip_suffix('}')?;
    (path.matches('{').count() == 1).then_some(param)
}

/// The operation that deletes an account by its id, and its path parameter: a DELETE of an
/// item path whose read answers what the sign-up `sign_up` answers (the template's `DELETE
/// /users/{user_id}` beside `GET /users/{user_id}` and the sign-up, all a `UserPublic`). Only
/// where the profile has a privileged identity, which such an operation is for.
fn account_delete_by_id(ctx: &Ctx, sign_up: &OpInfo) -> Option<(OpInfo, String)> {
    if !ctx.has_privileged() {
        return None;
    }
    let made = success_schema(ctx, sign_up)?;
    let resolved = |schema: &Value| accord_spec::follow_ref(ctx.doc(), schema).clone();
    let ops = ctx.all_operations();
    ops.iter().find_map(|(delete, _)| {
        if delete.method != "DELETE" {
            return None;
        }
        let param = item_param(&delete.path)?;
        let read = ops
            .iter()
            .find(|(o, _)| o.method == "GET" && o.path == delete.path)?;
        let reads = success_schema(ctx, &read.0)?;
        (reads == made || resolved(&reads) == resolved(&made))
            .then(|| (delete.clone(), param.to_string()))
    })
}

/// Deletes each account the sign-up made for generated inputs (see
/// [`crate::context::MadeAccount`]) with `delete` (the operation that deletes the signed-in
/// account) or the privileged identity's delete by id: how many were deleted, and why the
/// others were not.
async fn delete_made_accounts(ctx: &Ctx, delete: Option<&OpInfo>) -> (usize, Option<String>) {
    use futures_util::StreamExt as _;
    let made: Vec<crate::context::MadeAccount> = ctx
        .made_accounts
        .lock()
        .map(|m| m.clone())
        .unwrap_or_default();
    let total = made.len();
    if total == 0 {
        return (0, None);
    }
    let sign_up = ctx
        .all_operations()
        .into_iter()
        .map(|(o, _)| o)
        .find(|o| registers(ctx, o));
    let by_id = sign_up.and_then(|s| account_delete_by_id(ctx, &s));
    if delete.is_none() && by_id.is_none() {
        return (0, Some(why_left(total, None, None)));
    }
    let gone = |e: &Exchange| (200..300).contains(&e.status) || e.status == 404;
    let by_id = &by_id;
    let one = |account: crate::context::MadeAccount| async move {
        let delete_with = |tokens: crate::context::Tokens| async move {
            let delete = delete?;
            let request = Request::new("DELETE", delete.path.clone())
                .housekeeping()
                .bearer(Some(&tokens.access));
            send(ctx, request).await.ok()
        };
        // The session the sign-up answered, as long as it holds: a sign-in per account is
        // a password check apiece, and a burst of them what a login's rate limit is for.
        if let Some(tokens) = account.tokens.clone()
            && let Some(e) = delete_with(tokens).await
            && e.status != 401
        {
            return gone(&e).then_some(());
        }
        // The privileged identity's delete by the id the sign-up answered: one session for
        // them all.
        if let Some((op, param)) = by_id
            && let Some(id) = find_id(&account.answer, &id_names(param))
        {
            let path = op.path.replace(&format!("{{{param}}}"), &path_encode(&id));
            let request = Request::new("DELETE", path).housekeeping();
            if let Ok(e) = send_as(ctx, Identity::Privileged, request).await
                && gone(&e)
            {
                return Some(());
            }
        }
        let e = delete_with(ctx.sign_in_made(&account.body).await?).await?;
        gone(&e).then_some(())
    };
    let deleted = futures_util::stream::iter(made)
        .map(one)
        .buffer_unordered(ctx.profile.behaviour.concurrency.max(1))
        .filter(|d| std::future::ready(d.is_some()))
        .count()
        .await;
    let left = total - deleted;
    let why = (left > 0).then(|| why_left(left, delete, by_id.as_ref()));
    (deleted, why)
}

/// Why `left` accounts generated sign-ups made are left, by the ways the run had to delete
/// them.
fn why_left(left: usize, delete: Option<&OpInfo>, by_id: Option<&(OpInfo, String)>) -> String {
    let what = format!("the {left} account(s) the sign-up made for generated inputs");
    match (delete, by_id) {
        (Some(d), _) => format!(
            "{what} (the run could not sign in to them with what it signed them up with, or {} {} refused them)",
            d.method, d.path
        ),
        (None, Some((op, _))) => format!(
            "{what} (the privileged identity's {} {} refused them, and the spec has no operation that deletes the signed-in account)",
            op.method, op.path
        ),
        (None, None) => {
            format!("{what} (the spec has no operation that deletes the signed-in account)")
        }
    }
}

/// Whether `op` can be called now: an operation on the signed-in account needs the spare
/// account signed in, and a backend may refuse it (a sign-up closed, an address to confirm
/// first). Then the operation is left out, and the note says why; never a failure of the
/// scenario.
pub async fn callable(ctx: &Ctx, op: &OpInfo) -> bool {
    if caller(ctx, op) != Identity::Spare {
        return true;
    }
    match ctx.session(Identity::Spare).await {
        Ok(_) => true,
        Err(e) => {
            left_out_once(
                ctx,
                op,
                &format!("the run's spare account, which it needs, could not sign in ({e})"),
            );
            false
        }
    }
}

/// Whether a write of `op` would name a record the run did not make: its body requires a
/// reference to a kind the run made none of (its create was refused), so the spec's example
/// id (`"project": 1`) or a made-up one would name someone else's (Label Studio took a task
/// into a project the run had not made, the spec's example's). Noted once, and the passes
/// leave it out; `[behaviour] disposable` sends it on a test instance.
pub fn names_unmade(ctx: &Ctx, op: &OpInfo) -> bool {
    if ctx.profile.behaviour.disposable || safe(op) {
        return false;
    }
    let Some(slot) = unmade_reference(ctx, op, caller(ctx, op), None) else {
        return false;
    };
    left_out_once(
        ctx,
        op,
        &format!(
            "{} (`[behaviour] disposable = true` sends it on a test instance)",
            unmade_said(&slot)
        ),
    );
    true
}

/// Notes that `op` is left out of the generated calls, and `why`: once per operation,
/// though each pass asks again.
fn left_out_once(ctx: &Ctx, op: &OpInfo, why: &str) {
    let said = format!("behaviour: {} is left out of the generated calls", op.id);
    if !ctx.http.notes().iter().any(|n| n.starts_with(&said)) {
        ctx.http.note(format!("{said}: {why}"));
    }
}

/// Why a write naming `slot`'s kind, of which the run made none, is not sent.
fn unmade_said(slot: &RefSlot) -> String {
    format!(
        "its body requires `{}`, a reference to {} ({}), and the run made none (its create was refused): the spec's example or a made-up id would name a record the run did not make",
        slot.pointer, slot.kind.collection, slot.kind.create.id
    )
}

/// The reference `op`'s body requires to a top-level kind of which neither the run (as
/// `identity`) nor `made` (a chain's own) holds one.
fn unmade_reference(
    ctx: &Ctx,
    op: &OpInfo,
    identity: Identity,
    made: Option<&[Created]>,
) -> Option<RefSlot> {
    reference_slots(ctx, op).into_iter().find(|slot| {
        slot.required
            && !slot.own
            && slot.kind.parent.is_none()
            && made_value(ctx, slot, identity).is_none()
            && !made
                .unwrap_or_default()
                .iter()
                .any(|c| c.resource.item == slot.kind.item)
    })
}

/// Whether `resource` is a kind of account: a top-level collection named for users or
/// accounts (`/users`, `/api/accounts/`); a team's members (`/teams/{id}/members`) are the
/// team's, no directory.
pub fn is_account_kind(resource: &Resource) -> bool {
    if resource.parent.is_some() {
        return false;
    }
    let last = resource
        .collection
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default();
    kind_names(last)
        .iter()
        .any(|n| ["user", "account"].contains(&n.as_str()))
}

/// Whether `op` is the profile's sign-up: unlike the sign-in, which the run's session
/// rests on, it is called like any operation (an unauthenticated form, where a NUL or a
/// `null` crashes a backend as readily as anywhere).
fn registers(ctx: &Ctx, op: &OpInfo) -> bool {
    ctx.profile
        .auth
        .as_ref()
        .and_then(|a| a.register.as_ref())
        .is_some_and(|r| *r.get_ref() == op.id)
        && ctx
            .profile
            .auth
            .as_ref()
            .is_none_or(|a| a.operation.as_ref().is_none_or(|o| *o.get_ref() != op.id))
}

/// What the error cases choose their operations by (see [`crate::context::Known`]).
pub fn known(ctx: &Ctx) -> crate::context::Known {
    let kinds = kinds(ctx);
    let paths = spec_paths(ctx);
    crate::context::Known {
        creates: kinds.iter().map(|r| r.create.id.clone()).collect(),
        reads: kinds
            .iter()
            .filter_map(|r| r.read.as_ref().map(|o| o.id.clone()))
            .collect(),
        beyond: match ctx.profile.behaviour.disposable {
            true => Vec::new(),
            false => ctx
                .all_operations()
                .iter()
                .filter(|(o, _)| reaches_beyond_own(ctx, o, &kinds, &paths).is_some())
                .map(|(o, _)| o.id.clone())
                .collect(),
        },
    }
}

/// Every path of the spec, once.
fn spec_paths(ctx: &Ctx) -> Vec<String> {
    let mut paths: Vec<String> = ctx
        .all_operations()
        .into_iter()
        .map(|(o, _)| o.path)
        .collect();
    paths.sort();
    paths.dedup();
    paths
}

/// Why `op` reaches beyond what the run creates, where its name or its shape says so: a POST
/// without path parameters that is no create of the run's resources,
/// - named for deleting (listmonk's `POST /subscribers/query/delete`, which deletes every
///   subscriber a query matches) or for restarting the service (`POST /admin/reload`);
/// - or a command on what the backend holds: it takes no input (no body, no required
///   parameter), names no collection (no path lies under it), and is named for no read
///   (Homebox's `POST /v1/actions/zero-item-time-fields`, which zeroes every item's dates;
///   Directus's `POST /users/me/tfa/enable`, on the given account).
///
/// - or a write of the one record its path's GET reads (an object holding every member of
///   the body): the service's own settings (Label Studio's `POST /api/jwt/settings`, whose
///   `api_tokens_enabled: false` locks every API client of the organization out, the run's
///   own token too).
///
/// A run leaves data it did not make as it found it, and the service running: `[behaviour]
/// disposable` lifts this on a test instance. `paths` are every path of the spec.
pub fn reaches_beyond_own(
    ctx: &Ctx,
    op: &OpInfo,
    resources: &[Resource],
    paths: &[String],
) -> Option<String> {
    const DELETES: [&str; 12] = [
        "delete", "remove", "purge", "destroy", "erase", "wipe", "clear", "truncate", "drop",
        "flush", "prune", "cleanup",
    ];
    const STOPS: [&str; 5] = ["reload", "restart", "reboot", "shutdown", "halt"];
    // Words of a switch of the whole service's mode: Unleash's `POST /api/admin/maintenance`
    // turns every write of every user into a 503 until it is switched back.
    const MODES: [&str; 3] = ["maintenance", "lockdown", "readonly"];
    // Words of an operation that runs the requests its body names: generated ones could
    // reach anything (Kinto's `POST /batch`).
    const TUNNELS: [&str; 1] = ["batch"];
    // Words of a command that only reads or tries: FastAPI's `POST /login/test-token`.
    const READS: [&str; 12] = [
        "test", "check", "ping", "echo", "verify", "validate", "whoami", "preview", "health",
        "status", "search", "query",
    ];
    // Another write without path parameters, or one with them outside the run's own
    // resources, is left out by its method and path alone (see [`plan`]).
    if op.method != "POST" || has_path_params(op) || resources.iter().any(|r| r.create.id == op.id)
    {
        return None;
    }
    let words = crate::context::name_words(op);
    let named = |list: &[&str]| words.iter().find(|w| list.contains(&w.as_str())).cloned();
    if let Some(word) = named(&DELETES) {
        return Some(format!(
            "its name says it deletes (`{word}`) and no resource the run creates lies under it: it would reach data the run did not create (`[behaviour] disposable = true` calls it on a test instance)"
        ));
    }
    if let Some(word) = named(&TUNNELS) {
        return Some(format!(
            "its name says it runs the requests its body names (`{word}`): generated ones could reach data the run did not create (`[behaviour] disposable = true` calls it on a test instance)"
        ));
    }
    if let Some(word) = named(&MODES) {
        return Some(format!(
            "its name says it switches the whole service's mode (`{word}`): the run leaves the service as it found it (`[behaviour] disposable = true` calls it on a test instance)"
        ));
    }
    if let Some(word) = named(&STOPS) {
        return Some(format!(
            "its name says it restarts or stops the service (`{word}`): the run leaves it running (`[behaviour] disposable = true` calls it on a test instance)"
        ));
    }
    if writes_what_its_path_reads(ctx, op) {
        return Some(
            "it writes the one record its path's GET reads (the service's settings, or another record the run did not create): the run leaves it as it found it (`[behaviour] disposable = true` calls it on a test instance)".to_string(),
        );
    }
    let takes_input = op.op.get("requestBody").is_some()
        || op
            .op
            .get("parameters")
            .and_then(Value::as_array)
            .is_some_and(|ps| {
                ps.iter()
                    .any(|p| p.get("required").and_then(Value::as_bool) == Some(true))
            });
    let collection = paths.iter().any(|p| {
        p.len() > op.path.len() && p.starts_with(&format!("{}/", op.path.trim_end_matches('/')))
    });
    (!takes_input && !collection && named(&READS).is_none()).then(|| {
        "it takes no input and names no collection: a command on what the backend already holds (its records, its settings, the signed-in account), not on what the run made (`[behaviour] disposable = true` calls it on a test instance)".to_string()
    })
}

/// Whether the body of `op` writes the one record a GET of its own path reads: that GET
/// answers an object (no list) holding every member of the body.
fn writes_what_its_path_reads(ctx: &Ctx, op: &OpInfo) -> bool {
    let doc = ctx.doc();
    let members = |schema: &Value| -> Vec<String> {
        crate::sample::object_branch(doc, schema)
            .get("properties")
            .and_then(Value::as_object)
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default()
    };
    let Some(body) = ctx.body_schema(op) else {
        return false;
    };
    let written = members(&body);
    if written.is_empty() {
        return false;
    }
    ctx.all_operations().iter().any(|(read, _)| {
        read.method == "GET"
            && read.path == op.path
            && success_schema(ctx, read).is_some_and(|answer| {
                let answer = accord_spec::follow_ref(doc, &answer);
                answer.get("type").and_then(Value::as_str) != Some("array")
                    && answer.get("items").is_none()
                    && {
                        let read = members(answer);
                        written.iter().all(|m| read.contains(m))
                    }
            })
    })
}

/// Whether `op` (`lowered`: its id and path, lower-cased) is named like a sign-in, a token
/// exchange or a refresh: a POST that takes credentials or a token and answers a session. A
/// sign-up is not: the run makes up the account it asks for.
fn exchanges_credentials(op: &OpInfo, lowered: &str) -> bool {
    op.method == "POST"
        && [
            "login",
            "signin",
            "sign_in",
            "sign-in",
            "authenticate",
            "token",
            "session",
            "refresh",
        ]
        .iter()
        .any(|w| lowered.contains(w))
        && !["register", "signup", "sign_up", "sign-up"]
            .iter()
            .any(|w| lowered.contains(w))
}

/// The operations the positive and negative phases call, and why the others are left out.
pub fn plan(ctx: &Ctx) -> (Planned, LeftOut) {
    let mut run = Vec::new();
    let mut left = Vec::new();
    let skip = &ctx.profile.behaviour.skip_operations;
    let kinds = resources(ctx);
    let paths = spec_paths(ctx);
    for (op, secured) in ctx.all_operations() {
        let lowered = format!("{} {}", op.id, op.path).to_ascii_lowercase();
        let unsendable = ctx.unsendable_body(&op).map(|media| {
            format!(
                "its body is {media}, which generated inputs do not send (neither JSON nor a form)"
            )
        });
        let unmet = secured.then(|| ctx.unmet_security(&op)).flatten().map(|alternatives| {
            if ctx.anonymous() {
                format!(
                    "it is secured ({}), and the run has no credentials (the profile has no [auth]; `accord-conformance init` writes one)",
                    alternatives.join(", or ")
                )
            } else {
                format!(
                    "its security asks for credentials the run does not send ({}; the run's token goes by `{}`)",
                    alternatives.join(", or "),
                    ctx.user_scheme.as_deref().unwrap_or_default()
                )
            }
        });
        let beyond = (!ctx.profile.behaviour.disposable)
            .then(|| reaches_beyond_own(ctx, &op, &kinds, &paths))
            .flatten();
        let reason = if skip.contains(&op.id) {
            Some("behaviour.skip_operations names it")
        } else if op.websocket() {
            Some(
                "it opens a WebSocket (its spec says so), which HTTP requests do not: the @websocket checks open it",
            )
        } else if let Some(why) = &unmet {
            Some(why.as_str())
        } else if ctx.session_operations.contains(&op.id) && !registers(ctx, &op) {
            Some("the run signs in and out with it")
        } else if ctx.anonymous() && exchanges_credentials(&op, &lowered) {
            Some(
                "it exchanges credentials or a token for a session, and the run holds none (the profile has no [auth]): a refusal of generated ones is its job",
            )
        } else if ["logout", "signout", "sign_out", "sign-out", "revoke"]
            .iter()
            .any(|w| lowered.contains(w))
        {
            Some("it would end the run's session")
        } else if !ctx.anonymous() && ctx.renews_session(&op) {
            Some(
                "it renews the session it is called in (named for a refresh, without a body): the run's shared session would end with it",
            )
        } else if ctx.read_only() && !safe(&op) {
            Some("--read-only")
        } else if let Some(why) = &unsendable {
            Some(why.as_str())
        } else if account_op(ctx, &op, secured) && op.method == "DELETE" {
            Some("it deletes the signed-in account")
        } else if account_op(ctx, &op, secured) && asks_current_password(ctx, &op) {
            Some(
                "it asks for the signed-in account's current password, which generated inputs never hold: the backend would refuse each one alike",
            )
        } else if account_op(ctx, &op, secured) && !ctx.spare_possible() {
            Some(
                "it changes the signed-in account, and the run has no account of its own to change (a sign-up, auth.register, gives it one)",
            )
        } else if op.method == "DELETE" && kinds.iter().any(|r| r.item == op.path) {
            Some("deleting what the run created is the resource chain's check")
        } else if let Some(why) = &beyond {
            Some(why.as_str())
        } else if !safe(&op)
            && !account_op(ctx, &op, secured)
            && (has_path_params(&op) || op.method != "POST")
            && !owned::owned(&op, &kinds)
            && !kinds.iter().any(|r| r.create.id == op.id)
        {
            Some(
                "it changes data the run did not create: no resource the run creates lies above it",
            )
        } else {
            None
        };
        match reason {
            Some(r) => left.push((op.id.clone(), r.to_string())),
            None => run.push((op, secured)),
        }
    }
    // Writes under the run's own resources come after everything that may create them,
    // parents before children.
    run.sort_by_key(|(op, _)| (owned::owned(op, &kinds), op.path.matches('{').count()));
    (run, left)
}

/// One operation's failure in the positive phase, shrunk.
pub struct Finding {
    pub op: String,
    pub problem: String,
    pub minimal: String,
    pub exchange: Exchange,
}

/// The requests a shrink may send, and the steps it may take (most steps on a request
/// already sent cost nothing).
const SHRINK_REQUESTS: u32 = 64;
const SHRINK_STEPS: u32 = 1024;

/// Calls `op` with the spec's example, then with `cases` generated inputs; the first failing
/// generated input is shrunk to a minimal one. Creates are recorded for cleanup.
pub async fn positive(
    ctx: &Ctx,
    op: &OpInfo,
    cases: u32,
    resources: &[Resource],
) -> Result<Option<Finding>, Failure> {
    if !callable(ctx, op).await || names_unmade(ctx, op) {
        return Ok(None);
    }
    // Each sign-up accepted is an account to sign in to and delete again, or to leave behind
    // where the spec cannot delete it: a few random ones, beside the boundary pass's, whose
    // edge values find what breaks a sign-up. So for every operation that sets a password
    // (an admin's create of a user, an account update): each accepted one is a password
    // hash, which a backend makes slow on purpose, and its edges are the boundary pass's.
    let cases = if registers(ctx, op) || sets_password(ctx, op) {
        cases.min(SIGN_UP_EXAMPLES)
    } else {
        cases
    };
    positive_as(ctx, op, cases, resources, caller(ctx, op)).await
}

/// Whether `op`'s body has a password to set: a property named like one, or of `format:
/// password`, at its top or one object down (`{"user": {"password": ...}}`).
fn sets_password(ctx: &Ctx, op: &OpInfo) -> bool {
    sets_password_within(ctx, op, 1)
}

/// [`sets_password`], looking `depth` objects into the body.
fn sets_password_within(ctx: &Ctx, op: &OpInfo, depth: u8) -> bool {
    fn find(doc: &Value, schema: &Value, depth: u8) -> bool {
        let schema = accord_spec::follow_ref(doc, schema);
        schema
            .get("properties")
            .and_then(Value::as_object)
            .is_some_and(|properties| {
                properties.iter().any(|(name, prop)| {
                    let prop = accord_spec::follow_ref(doc, prop);
                    // A password is text: an object named for one (Semaphore's access key's
                    // `login_password: {login, password}`) is a credential it stores.
                    let text = prop
                        .get("type")
                        .and_then(Value::as_str)
                        .is_none_or(|t| t == "string");
                    (text && name.to_ascii_lowercase().contains("password"))
                        || prop.get("format").and_then(Value::as_str) == Some("password")
                        || (depth > 0 && find(doc, prop, depth - 1))
                })
            })
    }
    ctx.body_schema(op)
        .is_some_and(|schema| find(ctx.doc(), &schema, depth))
}

/// The most random inputs the sign-up gets (see [`positive`]).
const SIGN_UP_EXAMPLES: u32 = 2;

/// [`positive`] in `identity`'s session; an operation the first identity is refused (403)
/// goes again as the privileged identity when the profile names one.
async fn positive_as(
    ctx: &Ctx,
    op: &OpInfo,
    cases: u32,
    resources: &[Resource],
    identity: Identity,
) -> Result<Option<Finding>, Failure> {
    let judge = |e: &Exchange| positive_problem(ctx, e);
    let own = owned::owned(op, resources);
    // A write under the run's own resource goes to one the run created, or nowhere.
    let put = |mut r: Request| -> Option<Request> {
        (!own || owned::own_path(ctx, op, &mut r)).then_some(r)
    };
    // The spec's own example first: without path parameters it must succeed.
    let Some(example) = put(request(ctx, op, &example_inputs(ctx, op))) else {
        ctx.http.note(format!(
            "behaviour: {} is left out of the generated calls: the run created no resource it applies to",
            op.id
        ));
        return Ok(None);
    };
    let e = send_as(ctx, identity, example.clone()).await?;
    owned::follow_move(ctx, op, resources, &example, &e);
    if e.status == 403 && identity == Identity::First && ctx.has_privileged() {
        ctx.forbidden(&op.id);
        return Box::pin(positive_as(ctx, op, cases, resources, Identity::Privileged)).await;
    }
    remember_created(ctx, op, &e, resources, identity);
    // A route without parameters answered 404: an administrator's that the backend hides
    // from other users (Vikunja's `GET /admin/overview`), or one it does not serve at all,
    // which is the spec's finding ([`Ctx::not_served`]), not a generated input's.
    if e.status == 404 && !has_path_params(op) {
        if crate::context::administrative(&op.path) {
            ctx.http.note(format!(
                "behaviour: {} answers the signed-in identity 404 under an administrator's path, as a route hidden from another role: left out of the generated calls",
                op.id
            ));
            return Ok(None);
        }
        if ctx.not_served(op).await {
            return Ok(None);
        }
    }
    // No input brings a method the route does not allow: every generated call would get the
    // same 405 (Baby Buddy's spec documents `PUT` on items it routes only `PATCH` for; that
    // status is the spec's finding, and the errors checks').
    if e.status == 405 {
        ctx.http.note(format!(
            "behaviour: {} is left out of the rest of the generated calls: the backend answers its own example 405, its method not allowed on the route",
            op.id
        ));
        return Ok(None);
    }
    // A 404 unlike an unknown route's (JSON where that is a page): the route is served, and
    // finds nothing for what the request sends or leaves out (Label Studio's `GET /api/ml/`,
    // `No Project matches the given query.`, without the `project` its spec leaves optional).
    let served_404 = e.status == 404
        && ctx.unknown_answer().await.is_some()
        && !ctx.answered_as_unknown(&e).await;
    let problem = judge(&e).or_else(|| {
        let example = spec_has_example(ctx, op)?;
        // A refusal for want of credentials is about the caller, not the request.
        // Nor is a rate limit (the backend defending itself) or a conflict with what the
        // backend holds (a name the run has taken already), which no example can foresee.
        // Nor an operation that judges a credential it is given (a password's strength).
        (!has_path_params(op)
            && !(200..300).contains(&e.status)
            && !matches!(e.status, 401 | 403 | 409 | 429)
            && ctx.credential_input(op).is_none())
        .then_some(())?;
        match (e.status, example) {
            (404, _) if served_404 => Some("the spec's own example was answered 404, as no unknown route is: the route is served and finds nothing for what the request sends or leaves out (it may need a parameter the spec leaves optional)".to_string()),
            (404, _) => Some("the spec's own example was answered 404: the backend does not serve the route (a feature off in this deployment, or a route missing; `behaviour.skip_operations` leaves it out)".to_string()),
            (status, Example::Written) => Some(format!("the spec's own example was answered {status}")),
            // The spec writes nothing the request could hold: what the backend asks for
            // beyond it is the spec's to say (shiori's `POST /api/v1/accounts`, whose body
            // its spec leaves out), a finding of the spec's.
            (_, Example::NothingToInvent) => {
                ctx.http.findings.record(&e.as_finding(
                    &op.id,
                    "",
                    "a request with only what the spec requires (it writes no example) was answered so: the backend asks for more than the spec states".into(),
                ));
                None
            }
        }
    });
    let strategy = inputs_strategy(ctx, op);
    let mut runner = TestRunner::new_with_rng(
        Config {
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &op_seed(ctx.seed, &op.id)),
    );
    if let Some(problem) = problem {
        // The search stops at this first problem; but where the operation creates what
        // other operations work under, generated inputs go on, unjudged, until one is
        // created, so that those operations are not left out for want of a parent (the
        // NestJS Conduit's create crashes on the spec's example, which has no `tagList`,
        // and takes one that has).
        if !(200..300).contains(&e.status) && resources.iter().any(|r| r.create.id == op.id) {
            for _ in 0..cases {
                let Ok(tree) = strategy.new_tree(&mut runner) else {
                    break;
                };
                let Some(input) = put(request(ctx, op, &pinned(ctx, op, tree.current()))) else {
                    break;
                };
                let made = send_as(ctx, identity, input.clone()).await?;
                owned::follow_move(ctx, op, resources, &input, &made);
                remember_created(ctx, op, &made, resources, identity);
                if (200..300).contains(&made.status) {
                    break;
                }
            }
        }
        return Ok(Some(Finding {
            op: op.id.clone(),
            problem,
            minimal: describe(&example),
            exchange: e,
        }));
    }
    // Each distinct request is sent once: a generated input whose request is one already
    // sent (an operation without inputs, a value the path pins to the run's own resource)
    // adds nothing but load, and in the shrink below has the answer it had.
    let mut sent: Vec<(Request, bool)> = vec![(example, false)];
    for _ in 0..cases {
        let Ok(mut tree) = strategy.new_tree(&mut runner) else {
            break;
        };
        let Some(first) = put(request(ctx, op, &pinned(ctx, op, tree.current()))) else {
            break;
        };
        if sent.iter().any(|(r, _)| *r == first) {
            continue;
        }
        let e = send_as(ctx, identity, first.clone()).await?;
        owned::follow_move(ctx, op, resources, &first, &e);
        remember_created(ctx, op, &e, resources, identity);
        // The backend limits how often it may be called: nothing more is sent to it, the
        // limit left to what the run cannot do without (its sign-ins).
        if e.status == 429 {
            ctx.http.note(format!(
                "behaviour: {} is left out of the rest of the generated calls: the backend limits how often it may be called (429)",
                op.id
            ));
            break;
        }
        let Some(problem) = judge(&e) else {
            sent.push((first, false));
            continue;
        };
        sent.push((first.clone(), true));
        // Shrink: simpler inputs while they still fail, bounded in requests sent and in
        // steps (a step whose request was sent before costs none).
        let mut found = Finding {
            op: op.id.clone(),
            problem,
            minimal: describe(&first),
            exchange: e,
        };
        // proptest's protocol: after a failing value simplify, after a passing one
        // complicate, and test whatever the tree holds now.
        let mut more = tree.simplify();
        let mut budget = SHRINK_REQUESTS;
        for _ in 0..SHRINK_STEPS {
            if !more || budget == 0 {
                break;
            }
            let Some(candidate) = put(request(ctx, op, &pinned(ctx, op, tree.current()))) else {
                break;
            };
            if let Some((_, failed)) = sent.iter().find(|(r, _)| *r == candidate) {
                more = if *failed {
                    tree.simplify()
                } else {
                    tree.complicate()
                };
                continue;
            }
            budget -= 1;
            let e = send_as(ctx, identity, candidate.clone()).await?;
            owned::follow_move(ctx, op, resources, &candidate, &e);
            remember_created(ctx, op, &e, resources, identity);
            let problem = judge(&e);
            sent.push((candidate.clone(), problem.is_some()));
            more = match problem {
                Some(problem) => {
                    found = Finding {
                        op: op.id.clone(),
                        problem,
                        minimal: describe(&candidate),
                        exchange: e,
                    };
                    tree.simplify()
                }
                None => tree.complicate(),
            };
        }
        return Ok(Some(found));
    }
    Ok(None)
}

/// `inputs` with the body fields a deployment's policy restricts (`behaviour.policy_fields`)
/// set to the spec's example, which the policy is expected to admit.
fn pinned(ctx: &Ctx, op: &OpInfo, mut inputs: Inputs) -> Inputs {
    if let Some(body) = inputs.body.as_mut() {
        bind_made(ctx, op, caller(ctx, op), body);
    }
    let policy = ctx.profile.behaviour.policy_pointers(&op.id);
    if policy.is_empty() {
        return inputs;
    }
    let example = example_inputs(ctx, op).body;
    if let (Some(body), Some(example)) = (inputs.body.as_mut(), example) {
        for pointer in policy {
            if let Some(value) = example.pointer(pointer) {
                boundary::set(body, pointer, value.clone());
            }
        }
    }
    inputs
}

/// What the spec says of the request sent first: an example it writes, or nothing to
/// invent (no body, and no example of its parameters).
#[derive(Clone, Copy, PartialEq)]
enum Example {
    Written,
    NothingToInvent,
}

/// Whether the operation's body or parameters carry an explicit example in the spec, or it
/// has nothing to invent.
fn spec_has_example(ctx: &Ctx, op: &OpInfo) -> Option<Example> {
    let doc = ctx.doc();
    // A body the run does not send (a `multipart/form-data` upload) leaves the request short
    // of what the spec describes, whatever examples it gives.
    if op.op.get("requestBody").is_some() && ctx.body_schema(op).is_none() {
        return None;
    }
    // Where the request is written: an example among the responses is no input's.
    let mut found = [op.op.get("parameters"), op.op.get("requestBody")]
        .iter()
        .flatten()
        .any(|part| part.to_string().contains("\"example"));
    if let Some(schema) = ctx.body_schema(op) {
        let resolved = accord_spec::follow_ref(doc, &schema);
        found |= resolved.get("example").is_some()
            || resolved
                .get("properties")
                .and_then(Value::as_object)
                .is_some_and(|p| {
                    let required = crate::sample::required(doc, resolved);
                    !required.is_empty()
                        && required.iter().all(|r| {
                            p.get(r).is_some_and(|s| {
                                let s = accord_spec::follow_ref(doc, s);
                                s.get("example").is_some()
                                    || s.get("default").is_some()
                                    || s.get("enum").is_some()
                            })
                        })
                });
    } else if !found {
        // Nothing to invent: the example is the request.
        return Some(Example::NothingToInvent);
    }
    found.then_some(Example::Written)
}

// ---- resources --------------------------------------------------------------------------

/// A kind of resource the spec can create and then address by id.
#[derive(Debug, Clone)]
pub struct Resource {
    pub create: OpInfo,
    pub list: Option<OpInfo>,
    pub read: Option<OpInfo>,
    pub update: Option<OpInfo>,
    pub delete: Option<OpInfo>,
    /// The item path template (`/items/{item_id}`) and its parameter.
    pub item: String,
    pub param: String,
    /// For a resource under another (`/articles/{slug}/comments`), the parent's item path
    /// template (`/articles/{slug}`): it is created under a parent the run created.
    pub parent: Option<String>,
    /// Where the run can make no parent of that kind (the spec has no create for it), the
    /// collection that lists the parents the backend has (Unleash's `GET
    /// /api/admin/projects`, for `POST /api/admin/projects/{projectId}/features`): it is
    /// created under the first one listed, which the run never writes or deletes.
    pub parent_listed: Option<String>,
    /// The path template its items are made in: the create's path, or, where the client
    /// names the item, the item path without its last parameter.
    pub collection: String,
    /// Whether the client names each item: its create is a PUT at the item's own path that
    /// documents 201 (Jupyter's `PUT /api/contents/{path}`), the run choosing the name.
    pub chosen: bool,
}

/// Whether `op` documents a 201.
fn documents_201(op: &OpInfo) -> bool {
    op.op.pointer("/responses/201").is_some()
}

/// Where `create`'s documented 2xx answer is a JSON object that holds no id and is not the
/// item's (as `item`'s read answers it), that answer's name: `POST /notifications` answering
/// `models.Message` marks them all read, it makes none.
fn answers_no_resource(ctx: &Ctx, create: &OpInfo, item: &str, param: &str) -> Option<String> {
    let doc = ctx.doc();
    let schema_of = |op: &OpInfo| -> Option<Value> {
        let responses = op.op.get("responses")?.as_object()?;
        responses
            .iter()
            .filter(|(status, _)| status.starts_with('2'))
            .find_map(|(_, r)| {
                let r = accord_spec::follow_ref(doc, r);
                r.pointer("/content/application~1json/schema").cloned()
            })
    };
    let answer = schema_of(create)?;
    let name = answer
        .get("$ref")
        .and_then(Value::as_str)
        .map(|r| r.rsplit('/').next().unwrap_or(r).to_string())?;
    let read = ctx
        .all_operations()
        .into_iter()
        .find(|(o, _)| o.method == "GET" && o.path == item)
        .and_then(|(o, _)| schema_of(&o));
    if read.as_ref().and_then(|r| r.get("$ref")) == answer.get("$ref") {
        return None;
    }
    let resolved = accord_spec::follow_ref(doc, &answer);
    let props = resolved.get("properties")?.as_object()?;
    // The id under the item parameter's names, a resource name (AIP-122) or a link.
    let ids = id_names(param);
    let names_it = props.keys().any(|k| {
        ids.contains(k)
            || ["name", "location", "href", "url"].contains(&k.to_ascii_lowercase().as_str())
    });
    (!names_it && !props.is_empty()).then_some(name)
}

/// The resources of the spec: a POST on a collection path next to a path of the same
/// collection with one more parameter segment; a collection under another resource's item
/// (`/articles/{slug}/comments`) is a resource under that parent. Parents come first.
pub fn resources(ctx: &Ctx) -> Vec<Resource> {
    let ops = ctx.all_operations();
    let mut out: Vec<Resource> = Vec::new();
    // An operation whose security the run's credentials cannot meet is none of the chain's
    // (an anonymous run calls what the spec leaves open).
    let callable = |o: &OpInfo, secured: bool| !secured || ctx.unmet_security(o).is_none();
    // The create is the POST on a collection path; where the collection has none, its PUT
    // (Vikunja's `PUT /projects`, answered 201 with the project).
    let creates = ops.iter().filter(|(o, _)| {
        o.method == "POST"
            || (o.method == "PUT"
                && !ops
                    .iter()
                    .any(|(p, _)| p.method == "POST" && p.path == o.path))
    });
    for (create, secured) in creates {
        if ctx.session_operations.contains(&create.id) {
            continue;
        }
        let prefix = format!("{}/{{", create.path.trim_end_matches('/'));
        let item = ops.iter().find_map(|(o, _)| {
            // `/items/{id}`, or with the trailing slash a Django route has: `/items/{id}/`.
            let rest = o.path.strip_prefix(&prefix)?;
            let param = rest.strip_suffix('}').or_else(|| rest.strip_suffix("}/"))?;
            (!param.contains('/') && !param.contains('{'))
                .then(|| (o.path.clone(), param.to_string()))
        });
        // Else an item under the collection's singular beside it (Semaphore makes projects
        // with `POST /projects` and reads one at `/project/{project_id}/`).
        let item = item.or_else(|| {
            let (parent, last) = create.path.trim_end_matches('/').rsplit_once('/')?;
            let names = kind_names(last);
            ops.iter().find_map(|(o, _)| {
                let rest = o.path.strip_prefix(parent)?.strip_prefix('/')?;
                let (segment, rest) = rest.split_once("/{")?;
                let param = rest.strip_suffix('}').or_else(|| rest.strip_suffix("}/"))?;
                (segment != last
                    && !segment.contains(['/', '{'])
                    && names.contains(&plain_name(segment))
                    && !param.contains(['/', '{']))
                .then(|| (o.path.clone(), param.to_string()))
            })
        });
        let Some((item, param)) = item else { continue };
        if create.method == "PUT" && has_path_params(create) && !documents_201(create) {
            // A PUT under a parent that names no new item (`PUT /projects/{id}/tasks` is
            // one; a replace of a sub-collection is not) creates only where it says 201.
            continue;
        }
        if let Some(answer) = answers_no_resource(ctx, create, &item, &param) {
            ctx.http.note(format!(
                "behaviour: {} is no create of the resources at {item}: its documented answer ({answer}) holds no id, nor is it the item's; an action on the collection",
                create.id
            ));
            continue;
        }
        if !callable(create, *secured) {
            ctx.http.note(format!(
                "behaviour: the resources at {item} are left out of the resource chain: their create, {}, asks for credentials the run does not send",
                create.id
            ));
            continue;
        }
        let find = |method: &str, path: &str| {
            ops.iter()
                .find(|(o, s)| o.method == method && o.path == path && callable(o, *s))
                .map(|(o, _)| o.clone())
        };
        // Where the collection has no read of its own, the one beside it that names the same
        // kind (changedetection.io makes a tag at `/tag` and lists them at `/tags`).
        let beside = || {
            let (parent, last) = create.path.trim_end_matches('/').rsplit_once('/')?;
            let names = kind_names(last);
            ops.iter()
                .find(|(o, s)| {
                    o.method == "GET"
                        && callable(o, *s)
                        && o.path
                            .trim_end_matches('/')
                            .strip_prefix(parent)
                            .and_then(|rest| rest.strip_prefix('/'))
                            .is_some_and(|other| {
                                other != last
                                    && !other.contains('/')
                                    && !other.contains('{')
                                    && kind_names(other).iter().any(|n| names.contains(n))
                            })
                })
                .map(|(o, _)| o.clone())
        };
        out.push(Resource {
            create: create.clone(),
            list: find("GET", &create.path).or_else(beside),
            read: find("GET", &item),
            // Where the item has neither PATCH nor PUT, its POST (Vikunja's `POST
            // /projects/{id}`).
            update: find("PATCH", &item)
                .or_else(|| find("PUT", &item))
                .or_else(|| find("POST", &item)),
            delete: find("DELETE", &item),
            item,
            param,
            parent: None,
            parent_listed: None,
            collection: create.path.clone(),
            chosen: false,
        });
    }
    // A kind whose items the client names: a PUT at the item's own path documenting 201
    // (Jupyter's `PUT /api/contents/{path}`: "the requester specifies the name"), where
    // nothing else makes items there. Its update is its PATCH, or the same PUT.
    for (put, secured) in ops.iter().filter(|(o, _)| o.method == "PUT") {
        if ctx.session_operations.contains(&put.id)
            || !documents_201(put)
            || out.iter().any(|r| r.item == put.path)
        {
            continue;
        }
        let trimmed = put.path.trim_end_matches('/');
        let Some((collection, last)) = trimmed.rsplit_once('/') else {
            continue;
        };
        let Some(param) = last.strip_prefix('{').and_then(|l| l.strip_suffix('}')) else {
            continue;
        };
        if param.contains('{') || !callable(put, *secured) {
            continue;
        }
        let find = |method: &str, path: &str| {
            ops.iter()
                .find(|(o, s)| {
                    o.method == method
                        && o.path.trim_end_matches('/') == path.trim_end_matches('/')
                        && callable(o, *s)
                })
                .map(|(o, _)| o.clone())
        };
        out.push(Resource {
            create: put.clone(),
            list: find("GET", collection),
            read: find("GET", &put.path),
            update: find("PATCH", &put.path).or_else(|| Some(put.clone())),
            delete: find("DELETE", &put.path),
            item: put.path.clone(),
            param: param.to_string(),
            parent: None,
            parent_listed: None,
            collection: collection.to_string(),
            chosen: true,
        });
    }
    // A create path with parameters needs a parent among the resources: the longest item
    // template it extends. Without one, the run cannot name its parent: it is left out.
    // Without one, a create with one path parameter whose collection the backend lists
    // (and the run can read) goes under a parent it lists.
    let items: Vec<String> = out.iter().map(|r| r.item.clone()).collect();
    out.retain_mut(|r| {
        if !r.collection.contains('{') {
            return true;
        }
        // Segment by segment, a parameter matching a parameter of any name: Vikunja's views
        // are made at `/projects/{project}/views`, its projects read at `/projects/{id}`.
        r.parent = items
            .iter()
            .filter(|i| under_template(&r.collection, i).is_some())
            .max_by_key(|i| i.len())
            .cloned();
        if r.parent.is_none()
            && r.collection.matches('{').count() == 1
            && let Some((collection, rest)) = r.collection.split_once("/{")
            && let Some((param, _)) = rest.split_once('}')
            && ops.iter().any(|(o, s)| {
                o.method == "GET" && o.path.trim_end_matches('/') == collection && callable(o, *s)
            })
        {
            r.parent = Some(format!("{collection}/{{{param}}}"));
            r.parent_listed = Some(collection.to_string());
        }
        r.parent.is_some()
    });
    out.sort_by_key(|r| r.collection.matches('{').count());
    out
}

/// The id of what a create answered: by the response's OpenAPI links, a body property named
/// like the item parameter (or `id`), or the last segment of `Location`.
pub fn created_id(ctx: &Ctx, resource: &Resource, e: &Exchange) -> Option<String> {
    // An item the client names is named by the path it was put at.
    if resource.chosen {
        let path = ctx.http.path_of(e);
        return path
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .filter(|s| !s.is_empty())
            .map(path_decode);
    }
    let body = e.json();
    let response = accord_spec::response_for(&resource.create.op, e.status)
        .map(|r| accord_spec::follow_ref(ctx.doc(), r));
    if let Some(links) = response
        .and_then(|r| r.get("links"))
        .and_then(Value::as_object)
    {
        for link in links.values() {
            let link = accord_spec::follow_ref(ctx.doc(), link);
            let Some(expr) = link
                .pointer(&format!("/parameters/{}", resource.param))
                .and_then(Value::as_str)
            else {
                continue;
            };
            if let Some(pointer) = expr.strip_prefix("$response.body#")
                && let Some(v) = body.as_ref().and_then(|b| b.pointer(pointer))
            {
                return Some(text(v));
            }
            if let Some(header) = expr.strip_prefix("$response.header.")
                && let Some(v) = e.header(header)
            {
                return Some(v.rsplit('/').next().unwrap_or(v).to_string());
            }
        }
    }
    if let Some(b) = &body
        && let Some(v) = item_id(ctx, &resource.item, &resource.param, b)
    {
        return Some(v);
    }
    if let Some(v) = body
        .as_ref()
        .and_then(|b| resource_name_id(b, &resource.item))
    {
        return Some(v);
    }
    e.header("location")
        .map(|l| l.split('?').next().unwrap_or(l).trim_end_matches('/'))
        .and_then(|l| l.rsplit('/').next())
        .filter(|s| !s.is_empty())
        .map(String::from)
        .or_else(|| body.as_ref().and_then(name_as_id))
}

/// Whether the item `item`'s path parameter `param` is text that is no id (Gitea's
/// `/orgs/{org}`, the organization's name, where `POST /orgs` answers
/// `{"id": 13, "name": "...", "username": "..."}`): a parameter named like an id (`id`,
/// `org_id`, `orgId`), or one whose schema is a number or has a format, is the id's.
pub fn named_by_text(ctx: &Ctx, item: &str, param: &str) -> bool {
    let lower = param.to_ascii_lowercase();
    if lower == "id" || lower.ends_with("id") || lower.ends_with("uuid") || lower.ends_with("pk") {
        return false;
    }
    let Some((op, _)) = ctx.operations().iter().find(|(op, _)| op.path == item) else {
        return false;
    };
    ctx.parameters(op)
        .into_iter()
        .find_map(|p| {
            (p.get("in").and_then(Value::as_str) == Some("path")
                && p.get("name").and_then(Value::as_str) == Some(param))
            .then(|| p.get("schema").cloned())
            .flatten()
        })
        .is_some_and(|schema| {
            let schema = accord_spec::follow_ref(ctx.doc(), &schema);
            schema.get("type").and_then(Value::as_str) == Some("string")
                && schema.get("format").is_none()
        })
}

/// The text that names an item [`named_by_text`] in `body`, where its `id` is a number: a
/// member named like the parameter, else `name`, `username`, `login` or `slug`.
fn text_name(body: &Value, param: &str) -> Option<String> {
    let object = body.as_object()?;
    if !object.get("id").is_some_and(Value::is_number) {
        return None;
    }
    id_names(param)
        .iter()
        .filter(|n| *n != "id")
        .map(String::as_str)
        .chain(["name", "username", "login", "slug"])
        .find_map(|k| object.get(k).and_then(Value::as_str))
        .filter(|s| !s.is_empty())
        .map(String::from)
}

/// The id of the item at `item` (its path parameter `param`) that `body` is: its text name
/// where the parameter is one ([`named_by_text`]), else [`find_id`]'s.
pub fn item_id(ctx: &Ctx, item: &str, param: &str, body: &Value) -> Option<String> {
    id_of(body, param, named_by_text(ctx, item, param))
}

/// [`item_id`] with whether the item is named by text (`by_text`) known.
fn id_of(body: &Value, param: &str, by_text: bool) -> Option<String> {
    by_text
        .then(|| text_name(body, param))
        .flatten()
        .or_else(|| find_id(body, &id_names(param)))
}

/// The `name` of an answer that has no id at all, as what names the resource: Jupyter's
/// terminal answers `{"name": "2", "last_activity": ...}` for `/api/terminals/{terminal_id}`.
/// Its read then says whether it is.
fn name_as_id(body: &Value) -> Option<String> {
    let object = body.as_object()?;
    if object
        .keys()
        .any(|k| k == "id" || k.ends_with("_id") || k.ends_with("Id"))
    {
        return None;
    }
    match object.get("name")? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The id in a resource name, as APIs designed after Google's (AIP-122) name what they make
/// (memos answers a memo as `{"name": "memos/Ab3x", ...}` for `/api/v1/memos/{memo}`): the
/// segment after the item path's collection, in a `name` of the answer or of the one object
/// it wraps.
fn resource_name_id(body: &Value, item: &str) -> Option<String> {
    let segments: Vec<&str> = item.trim_end_matches('/').split('/').collect();
    let collection = match segments.as_slice() {
        [.., collection, last] if last.starts_with('{') && !collection.starts_with('{') => {
            *collection
        }
        _ => return None,
    };
    let of = |v: &Value| -> Option<String> {
        let (of, id) = resource_name(v.get("name")?.as_str()?)?;
        (of == collection).then(|| id.to_string())
    };
    of(body).or_else(|| {
        let members = body.as_object()?;
        match members.values().collect::<Vec<_>>().as_slice() {
            [only] if only.is_object() => of(only),
            _ => None,
        }
    })
}

/// The names an id may have in an answer, most telling first: the path parameter itself
/// (`article_slug`), its camelCase (`articleSlug`), its last word (`slug`), and `id`.
pub fn id_names(param: &str) -> Vec<String> {
    let mut camel = String::new();
    let mut upper = false;
    for c in param.chars() {
        if c == '_' || c == '-' {
            upper = true;
        } else if upper {
            camel.extend(c.to_uppercase());
            upper = false;
        } else {
            camel.push(c);
        }
    }
    // The last word: after the last `_` or `-`, or from the last capital of a camelCase
    // name (`featureName`'s `name`, not `ame`).
    let after_separator = param.rfind(['_', '-']).map_or(0, |i| i + 1);
    let from_capital = param
        .char_indices()
        .filter(|(i, c)| {
            *i > after_separator
                && c.is_ascii_uppercase()
                && !param[..*i].ends_with(|p: char| p.is_ascii_uppercase())
        })
        .map(|(i, _)| i)
        .next_back()
        .unwrap_or(after_separator);
    let last = param[from_capital..].to_ascii_lowercase();
    let mut names = vec![param.to_string(), camel];
    if param.ends_with("Id") || param.ends_with("ID") {
        names.push("id".into());
    }
    names.push(last);
    names.push("id".into());
    names.dedup();
    let mut unique = Vec::new();
    for n in names {
        if !n.is_empty() && !unique.contains(&n) {
            unique.push(n);
        }
    }
    unique
}

/// The id in an answer: a string or number under one of `names` at the top, else inside
/// the object the answer wraps the resource in (`{"article": {"slug": ...}}`, `{"data":
/// {...}, "code": 0}`). An answer that is the resource itself (more than a few fields of
/// its own beside its objects) wraps nothing: the `id` of an object in it is another
/// resource's (Unleash's invite token answers its `role`, `{"id": 3, ...}`, beside seven
/// fields, and no id of its own).
pub fn find_id(body: &Value, names: &[String]) -> Option<String> {
    let here = |v: &Value| {
        names.iter().find_map(|n| {
            v.get(n)
                .filter(|x| x.is_string() || x.is_number())
                .map(text)
        })
    };
    if let Some(id) = here(body) {
        return Some(id);
    }
    let members = body.as_object()?;
    let own_fields = members
        .values()
        .filter(|v| !v.is_object() && !v.is_array())
        .count();
    if own_fields > 3 {
        return None;
    }
    members.values().filter(|v| v.is_object()).find_map(here)
}

/// The resource in an answer: the answer itself, or the one object it wraps the resource in
/// when the answer has no field of `fields` and one object member does.
pub fn unwrap_resource<'a>(body: &'a Value, fields: &[&str]) -> &'a Value {
    let has = |v: &Value| fields.iter().any(|f| v.get(f).is_some());
    if has(body) || fields.is_empty() {
        return body;
    }
    body.as_object()
        .and_then(|m| m.values().find(|v| v.is_object() && has(v)))
        .unwrap_or(body)
}

/// The operations of another role than the signed-in identity's, each with why: those the
/// profile names (`behaviour.privileged_operations`), and those whose every security
/// alternative asks for an OAuth2 or OpenID Connect scope the identity's token lacks (read
/// from its `scope`, `scp` or `scopes` claim; a token without one says nothing).
pub async fn other_roles(ctx: &Ctx) -> Result<Vec<(OpInfo, String, Identity)>, Failure> {
    let mut out: Vec<(OpInfo, String, Identity)> = Vec::new();
    for id in &ctx.profile.behaviour.privileged_operations {
        let op = ctx.op(id.get_ref()).map_err(Failure::from)?;
        out.push((
            op,
            "behaviour.privileged_operations names it".into(),
            Identity::First,
        ));
    }
    let token = ctx
        .session(Identity::First)
        .await
        .map_err(|e| Failure::setup(format!("signing in failed: {e}")))?;
    if let Some(granted) = granted_scopes(&token.access) {
        scoped_roles(ctx, &granted, &mut out);
    }
    administrators_only(ctx, &mut out).await;
    Ok(out)
}

/// The words by which a spec says an operation is an administrator's.
const ADMIN_WORDS: &[&str] = &[
    "admin",
    "administrator",
    "administrators",
    "superuser",
    "superusers",
    "staff",
];

/// The operations the spec says are an administrator's alone, called as the second
/// identity: a secured read without path parameters (no object of someone's: a
/// refusal of one is the cross-user checks') that documents 403 and whose summary,
/// description or 403 says it is for administrators (`description: Administrators only.`),
/// or that sits under an administrator's path (`/admin/users`) and documents 403. Only
/// where the profile names a second identity that nothing shows to be an administrator
/// itself (its JWT's `role`, `roles`, `is_admin` or `admin`, or the same in the answer of a
/// "current user" read): the first identity is often the backend's administrator.
async fn administrators_only(ctx: &Ctx, out: &mut Vec<(OpInfo, String, Identity)>) {
    if !ctx
        .profile
        .auth
        .as_ref()
        .is_some_and(crate::profile::Auth::has_second_identity)
    {
        return;
    }
    let mut found = Vec::new();
    for op in ctx.token_operations() {
        // Reads alone: a write the spec keeps for administrators (`DELETE /admin/cache`,
        // `POST /admin/reindex`) that a broken backend let through would act on data the
        // run never made; one the profile names is the user's to choose.
        if !safe(&op)
            || has_path_params(&op)
            || out.iter().any(|(o, _, _)| o.id == op.id)
            || ctx.signs_in_or_out(&op)
            || account_op(ctx, &op, true)
            || op.op.pointer("/responses/403").is_none()
        {
            continue;
        }
        let forbidden = op
            .op
            .pointer("/responses/403")
            .map(|r| accord_spec::follow_ref(ctx.doc(), r))
            .and_then(|r| r.get("description"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        let said = [
            op.op
                .get("summary")
                .and_then(Value::as_str)
                .unwrap_or_default(),
            op.op
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or_default(),
            forbidden,
        ]
        .join(" ");
        let says = crate::context::words(&said)
            .iter()
            .any(|w| ADMIN_WORDS.contains(&w.as_str()));
        if says || crate::context::administrative(&op.path) {
            found.push(op);
        }
    }
    if found.is_empty() {
        return;
    }
    if let Some(why) = privileged_second(ctx).await {
        ctx.http.note(format!(
            "roles: the spec says {} are an administrator's, and the second identity may be one ({why}): not checked",
            found
                .iter()
                .map(|o| o.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
        return;
    }
    for op in found {
        out.push((
            op,
            "its spec documents 403 and says it is an administrator's; called as the second identity"
                .into(),
            Identity::Second,
        ));
    }
}

/// Why the second identity may be an administrator, if anything says so: a claim of its
/// JWT, or its "current user" answer (`is_admin`, `is_superuser`, `is_staff`, `admin`
/// true; a `role` or `roles` naming an administrator).
async fn privileged_second(ctx: &Ctx) -> Option<String> {
    let Ok(tokens) = ctx.session(Identity::Second).await else {
        return Some("it could not sign in".into());
    };
    if let Some(claims) = crate::context::jwt_claims(&tokens.access)
        && let Some(why) = privileged_flags(&claims)
    {
        return Some(format!("its token's {why}"));
    }
    let me = ctx.current_user_read()?;
    let e = send_as(ctx, Identity::Second, Request::new("GET", me.path.clone()))
        .await
        .ok()?;
    let body = e.json()?;
    privileged_flags(&body).map(|why| format!("{} answers {why}", me.id))
}

/// The members of a user that, `true`, make it an administrator.
const ADMIN_FLAGS: &[&str] = &[
    "is_admin",
    "isadmin",
    "admin",
    "is_superuser",
    "issuperuser",
    "superuser",
    "is_staff",
    "isstaff",
    "owner",
    "is_owner",
];

/// What in `value` (an object, or one it wraps) says its user is an administrator.
fn privileged_flags(value: &Value) -> Option<String> {
    let object = value.as_object()?;
    for (k, v) in object {
        let key = k.to_ascii_lowercase();
        if ADMIN_FLAGS.contains(&key.as_str()) && v == &Value::Bool(true) {
            return Some(format!("`{k}: true`"));
        }
        if ["role", "roles", "authorities", "groups"].contains(&key.as_str()) {
            let texts: Vec<String> = match v {
                Value::String(s) => vec![s.clone()],
                Value::Array(items) => items.iter().map(text).collect(),
                _ => Vec::new(),
            };
            if texts.iter().any(|t| {
                let t = t.to_ascii_lowercase();
                ["admin", "superuser", "root", "owner"]
                    .iter()
                    .any(|w| t.contains(w))
            }) {
                return Some(format!("`{k}` {v}"));
            }
        }
        if v.is_object()
            && let Some(why) = privileged_flags(v)
        {
            return Some(why);
        }
    }
    None
}

/// The operations whose OAuth2 scopes the token lacks.
fn scoped_roles(ctx: &Ctx, granted: &[String], out: &mut Vec<(OpInfo, String, Identity)>) {
    let doc = ctx.doc();
    let scoped_schemes: Vec<&String> = doc
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(_, s)| {
            matches!(
                s.get("type").and_then(Value::as_str),
                Some("oauth2" | "openIdConnect")
            )
        })
        .map(|(name, _)| name)
        .collect();
    for (op, secured) in ctx.all_operations() {
        if !secured || out.iter().any(|(o, _, _)| o.id == op.id) {
            continue;
        }
        let requirements = op
            .op
            .get("security")
            .or_else(|| doc.get("security"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        // The scopes each alternative asks for of the schemes that carry scopes.
        let missing: Vec<Vec<String>> = requirements
            .iter()
            .filter_map(Value::as_object)
            .map(|alt| {
                alt.iter()
                    .filter(|(scheme, _)| scoped_schemes.contains(scheme))
                    .flat_map(|(_, scopes)| scopes.as_array().cloned().unwrap_or_default())
                    .filter_map(|s| s.as_str().map(String::from))
                    .filter(|s| !granted.contains(s))
                    .collect()
            })
            .collect();
        if !missing.is_empty() && missing.iter().all(|m| !m.is_empty()) {
            out.push((
                op,
                format!(
                    "it asks for scope `{}`, which the token lacks",
                    missing[0].join(" ")
                ),
                Identity::First,
            ));
        }
    }
}

/// The scopes a JWT grants: its `scope` (space-separated), `scp` or `scopes` claim; `None`
/// when it is no JWT or has none of them.
fn granted_scopes(token: &str) -> Option<Vec<String>> {
    let claims = crate::context::jwt_claims(token)?;
    let words = |v: &Value| -> Vec<String> {
        match v {
            Value::String(s) => s.split_whitespace().map(String::from).collect(),
            Value::Array(a) => a
                .iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect(),
            _ => Vec::new(),
        }
    };
    ["scope", "scp", "scopes"]
        .iter()
        .find_map(|k| claims.get(*k))
        .map(words)
}

/// After a create answered 2xx: is what it created found where the answer says? The class
/// Schemathesis calls "created resource not found" (ST302): an answer naming it by an empty
/// id (a slug made of nothing), or a read of it answered 404 or 410. `Some` with why and the
/// exchange that shows it.
pub async fn created_not_found(
    ctx: &Ctx,
    op: &OpInfo,
    resources: &[Resource],
    request: &Request,
    e: &Exchange,
) -> Result<Option<(String, Exchange)>, Failure> {
    if !(200..300).contains(&e.status) {
        return Ok(None);
    }
    let Some(resource) = resources.iter().find(|r| r.create.id == op.id) else {
        return Ok(None);
    };
    let Some(id) = created_id(ctx, resource, e) else {
        return Ok(None);
    };
    if id.trim().is_empty() {
        return Ok(Some((
            format!(
                "created, but named by an empty `{}`: it cannot be addressed",
                resource.param
            ),
            e.clone(),
        )));
    }
    if resource.read.is_none() {
        return Ok(None);
    }
    let base = request.target.split('?').next().unwrap_or_default();
    let path = item_path_in(resource, base, &id);
    let read = send_as(ctx, Identity::First, Request::new("GET", path.clone())).await?;
    Ok(matches!(read.status, 404 | 410).then(|| {
        (
            format!("created, then not found at {path} ({})", read.status),
            read,
        )
    }))
}

/// The item path of `id` in the collection of `resource` at `base` (a concrete path:
/// `/articles/a-1/comments`), with the trailing slash the spec's item template has (Django's
/// `/api/dcim/sites/{id}/`, where a write to the path without it is redirected, or refused).
pub fn item_path_in(resource: &Resource, base: &str, id: &str) -> String {
    let mut base = base.trim_end_matches('/');
    // An item the client names is put at its own path: `base` may be that path already.
    if resource.chosen
        && let Some((parent, last)) = base.rsplit_once('/')
        && (last == path_encode(id) || path_decode(last) == id)
    {
        base = parent;
    }
    // An item under the collection's singular beside it (`/projects` makes
    // `/project/{project_id}/`): the base's last segment is the item's.
    let singular = resource
        .item
        .trim_end_matches('/')
        .rsplit_once("/{")
        .and_then(|(above, _)| above.rsplit_once('/'))
        .map(|(_, segment)| segment)
        .filter(|segment| {
            resource
                .collection
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .is_some_and(|last| last != *segment)
        });
    let base = match (singular, base.rsplit_once('/')) {
        (Some(segment), Some((parent, _))) => format!("{parent}/{segment}"),
        _ => base.to_string(),
    };
    format!(
        "{}/{}{}",
        base,
        path_encode(id),
        if resource.item.ends_with('/') {
            "/"
        } else {
            ""
        }
    )
}

/// The item path of `id`.
pub fn item_path(resource: &Resource, id: &str) -> String {
    item_path_in(resource, &resource.collection, id)
}

/// Where the resource `id` that the create `e` made lives: under the collection the create
/// was sent to (`/articles/a-1/comments/7` for a comment of `a-1`), never under the spec's
/// template (`/articles/{slug}/comments/7`, which names nothing).
pub fn created_path(ctx: &Ctx, resource: &Resource, e: &Exchange, id: &str) -> String {
    match e.url.strip_prefix(&ctx.http.base) {
        Some(target) if target.starts_with('/') => {
            item_path_in(resource, target.split('?').next().unwrap_or_default(), id)
        }
        _ => item_path(resource, id),
    }
}

pub fn remember_created(
    ctx: &Ctx,
    op: &OpInfo,
    e: &Exchange,
    resources: &[Resource],
    identity: Identity,
) {
    if !(200..300).contains(&e.status) {
        return;
    }
    keep_account(ctx, op, e);
    let Some(resource) = resources.iter().find(|r| r.create.id == op.id) else {
        made_elsewhere(ctx, op, e, resources, identity);
        return;
    };
    if resource.delete.is_none() {
        return;
    }
    if let Some(id) = created_id(ctx, resource, e) {
        record_id(ctx, identity, resource, e, &id);
    }
}

/// The `$ref` of the JSON schema `op` documents for its answer with `status`.
fn answer_ref(ctx: &Ctx, op: &OpInfo, status: u16) -> Option<String> {
    let response = accord_spec::follow_ref(ctx.doc(), accord_spec::response_for(&op.op, status)?);
    accord_spec::media::json_content(response.get("content")?.as_object()?)
        .and_then(|(_, content)| content.pointer("/schema/$ref"))
        .and_then(Value::as_str)
        .map(String::from)
}

/// Enters in the ledger what an operation other than its kind's create made: an answer 201
/// (Created) in the schema a read of one item of a kind answers, named by an id that no
/// segment of the request's path holds. Homebox's `POST /v1/entities/{id}/duplicate`
/// answers the new entity, a `repo.EntityOut` as `GET /v1/entities/{id}` answers one; the
/// cleanup deletes it with the rest, where it was left behind, one per duplicate sent.
fn made_elsewhere(ctx: &Ctx, op: &OpInfo, e: &Exchange, resources: &[Resource], who: Identity) {
    if e.status != 201 {
        return;
    }
    let Some(made) = answer_ref(ctx, op, 201) else {
        return;
    };
    let target = ctx.http.path_of(e);
    // Only a kind of its own collection: an item under a parent lives under the parent it
    // was made in, which the answer need not say.
    let kind = resources.iter().find(|r| {
        r.delete.is_some()
            && r.parent.is_none()
            && r.parent_listed.is_none()
            && !r.chosen
            && r.read
                .as_ref()
                .and_then(|read| answer_ref(ctx, read, 200))
                .is_some_and(|reads| reads == made)
    });
    let Some(kind) = kind else {
        return;
    };
    let Some(id) = created_id(ctx, kind, e).filter(|id| !id.trim().is_empty()) else {
        return;
    };
    // An answer naming an item the request names is that item, not a new one.
    if target.split('/').any(|segment| path_decode(segment) == id) {
        return;
    }
    let path = item_path(kind, &id);
    if !recorded(ctx, &path) && pre_existing(ctx, kind, e, &id).is_none() {
        record(ctx, who, path);
    }
}

tokio::task_local! {
    /// The scenario a behaviour step runs for (set around the step's body): what it creates
    /// is its own in the ledger.
    pub static SCENARIO: u64;
}

/// The scenario the current step runs for; 0 outside one.
pub fn scenario() -> u64 {
    SCENARIO.try_with(|s| *s).unwrap_or(0)
}

/// Why what a create of `resource` answered (`e`), named `id`, was there before the run, if
/// it was: the kind's list named it before the scenarios, or, where the answer is not a 201
/// (Created, which says it was made now), the answer says it was created ten minutes or
/// more before the backend's own `Date` of that answer, a time the request did not set. A
/// get-or-create answers what it has (a tag or a flow of a name it holds already); the run
/// then never writes to it, nor deletes it.
pub fn pre_existing(ctx: &Ctx, resource: &Resource, e: &Exchange, id: &str) -> Option<String> {
    if let Some(list) = &resource.list
        && ctx.listed_before.lock().is_ok_and(|before| {
            before
                .iter()
                .any(|(path, ids)| *path == list.path && ids.contains(id))
        })
    {
        return Some(format!("GET {} listed it before the run", list.path));
    }
    if e.status == 201 {
        return None;
    }
    let now = chrono::DateTime::parse_from_rfc2822(e.header("date")?).ok()?;
    let sent = crate::http::members(&serde_json::from_str(&e.request_body).unwrap_or(Value::Null));
    const CREATED: [&str; 10] = [
        "created_at",
        "createdAt",
        "created",
        "date_created",
        "dateCreated",
        "creation_date",
        "creationDate",
        "inserted_at",
        "createTime",
        "create_time",
    ];
    let body = e.json()?;
    // The answer, or the object it wraps the resource in (`{"article": {...}}`).
    let resource = unwrap_resource(&body, &CREATED);
    for key in CREATED {
        if sent.iter().any(|m| m.rsplit('/').next() == Some(key)) {
            continue;
        }
        let Some(when) = resource.get(key).and_then(Value::as_str) else {
            continue;
        };
        if let Ok(made) = chrono::DateTime::parse_from_rfc3339(when.trim())
            && now.signed_duration_since(made) >= chrono::Duration::minutes(10)
        {
            return Some(format!(
                "its `{key}` ({when}) is well before the backend's `Date` of the answer"
            ));
        }
    }
    None
}

/// Enters what the create `e` of `resource` made, named `id`, in the ledger the cleanup
/// deletes at the end. A resource named by an empty id (an empty slug) has no path of its
/// own: its would be the collection's, and a DELETE there may take everything in it.
pub fn record_id(ctx: &Ctx, identity: Identity, resource: &Resource, e: &Exchange, id: &str) {
    let path = created_path(ctx, resource, e, id);
    // An item the client names is entered once: a write to it answers it again (Jupyter's
    // PUT). Any other create made one more, at the same path or not (a backend that gives
    // two articles of one title one slug has two to delete there).
    if resource.chosen && recorded(ctx, &path) {
        return;
    }
    if id.trim().is_empty() {
        ctx.http.note(format!(
            "cleanup: a resource the run created in {path} is named by an empty id: nothing addresses it, so the run cannot delete it"
        ));
        return;
    }
    if let Some(why) = pre_existing(ctx, resource, e, id) {
        ctx.http.note(format!(
            "cleanup: {} answered {} with {path}, which was there before the run ({why}): the run did not make it, so it neither writes to it nor deletes it",
            resource.create.id, e.status
        ));
        return;
    }
    record(ctx, identity, path);
}

/// Enters `path`, created by `identity` in the current scenario, in the ledger the cleanup
/// deletes at the end.
pub fn record(ctx: &Ctx, identity: Identity, path: String) {
    // An empty last segment is no resource's own path (see [`record_id`]).
    if path.ends_with("//") {
        ctx.http.note(format!(
            "cleanup: a resource the run created in {path} is named by an empty id: nothing addresses it, so the run cannot delete it"
        ));
        return;
    }
    if let Ok(mut owners) = ctx.owners.lock() {
        owners.insert(path.clone(), scenario());
    }
    if let Ok(mut made) = ctx.ever_made.lock() {
        made.insert(path.clone());
    }
    // Once: a get-or-create answers one resource to several creates (LNbits's short link of
    // one URL), which one delete removes; a second would be refused and said undeleted.
    if let Ok(mut created) = ctx.created.lock()
        && !created.iter().any(|(i, p)| *i == identity && *p == path)
    {
        created.push((identity, path));
    }
}

/// Whether the ledger's `path` was created by the current scenario.
pub fn own_entry(ctx: &Ctx, path: &str) -> bool {
    ctx.owners
        .lock()
        .is_ok_and(|o| o.get(path).copied().unwrap_or(0) == scenario())
}

/// Follows a resource the run created to where an update moved it, in the cleanup's ledger,
/// and what the run created under it with it (`/articles/a/comments/7` to
/// `/articles/b/comments/7`).
pub fn moved(ctx: &Ctx, from: &str, to: &str) {
    // Paths with a trailing slash (Django's) move as those without it.
    let (from, to) = (from.trim_end_matches('/'), to.trim_end_matches('/'));
    let follow = |path: &str| -> Option<String> {
        let rest = path.strip_prefix(from)?;
        (rest.is_empty() || rest.starts_with('/')).then(|| format!("{to}{rest}"))
    };
    if let Ok(mut created) = ctx.created.lock() {
        for (_, path) in created.iter_mut() {
            if let Some(now) = follow(path) {
                *path = now;
            }
        }
    }
    if let Ok(mut owners) = ctx.owners.lock() {
        let moving: Vec<String> = owners
            .keys()
            .filter(|p| follow(p).is_some())
            .cloned()
            .collect();
        for path in moving {
            if let (Some(owner), Some(now)) = (owners.remove(&path), follow(&path)) {
                owners.insert(now, owner);
            }
        }
    }
}

/// Forgets a deleted resource.
pub fn forget(ctx: &Ctx, path: &str) {
    if let Ok(mut created) = ctx.created.lock() {
        created.retain(|(_, p)| p != path);
    }
}

/// Whether the run has made something at `path` that it has not deleted (the cleanup's
/// ledger holds it).
pub fn recorded(ctx: &Ctx, path: &str) -> bool {
    ctx.created
        .lock()
        .is_ok_and(|created| created.iter().any(|(_, p)| p == path))
}

/// Deletes what the run created and did not delete: how many were deleted, and what could
/// not be (the path and why), for the run to list.
pub async fn cleanup(ctx: &Ctx) -> (usize, Vec<String>) {
    let left: Vec<(Identity, String)> = ctx
        .created
        .lock()
        .map(|mut c| std::mem::take(&mut *c))
        .unwrap_or_default();
    let (mut deleted, mut kept) = delete_all(ctx, left).await;
    // The spare account goes last, with what it made, by the operation that deletes the
    // signed-in account; where the spec has none, it is listed.
    let global = ctx.doc().get("security").cloned().unwrap_or(Value::Null);
    let delete = ctx.all_operations().into_iter().find(|(o, secured)| {
        o.method == "DELETE"
            && account_op(ctx, o, *secured)
            && crate::context::requires_credentials(&o.op, &global)
    });
    // The accounts generated sign-ups made, each signed in to and deleted; then the spare.
    let (made, why) = delete_made_accounts(ctx, delete.as_ref().map(|(op, _)| op)).await;
    deleted += made;
    kept.extend(why);
    if ctx.signed_in(Identity::Spare).await {
        match delete {
            Some((op, _)) => {
                let request = Request::new("DELETE", op.path.clone()).housekeeping();
                match send_as(ctx, Identity::Spare, request).await {
                    Ok(e) if (200..300).contains(&e.status) || e.status == 404 => deleted += 1,
                    Ok(e) => kept.push(format!(
                        "the run's spare account ({} {} answered {})",
                        op.method, op.path, e.status
                    )),
                    Err(f) => kept.push(format!("the run's spare account ({})", f.message)),
                }
            }
            None => kept.push(
                "the run's spare account (the spec has no operation that deletes the signed-in account)"
                    .into(),
            ),
        }
    }
    (deleted, kept)
}

/// Deletes what the run created under `path` (a comment of an article), before the
/// resource itself is deleted: a backend whose foreign keys do not cascade keeps such
/// children, which nothing could address once their parent is gone. What could not be
/// deleted, with why.
pub async fn delete_under(ctx: &Ctx, path: &str) -> Vec<String> {
    let own = path.trim_end_matches('/');
    let prefix = format!("{own}/");
    let under: Vec<(Identity, String)> = ctx
        .created
        .lock()
        .map(|mut c| {
            // Not the resource itself, whose path may end with the slash (Django's).
            let (under, rest) = std::mem::take(&mut *c)
                .into_iter()
                .partition(|(_, p)| p.starts_with(&prefix) && p.trim_end_matches('/') != own);
            *c = rest;
            under
        })
        .unwrap_or_default();
    delete_all(ctx, under).await.1
}

/// Deletes each of `left` as the identity that created it, the newest first (what was
/// created under a resource goes before it): how many were deleted, and what could not be.
/// Up to `behaviour.concurrency` go at once, never one under another (a comment beside its
/// article): a run leaves some hundreds on a backend of many kinds (Baby Buddy's), one
/// request apiece. One refused (409: something still refers to it, another of the run's
/// resources being deleted beside it or made later by another scenario; or a database busy
/// with the deletes beside it) is tried again alone once the others are gone.
async fn delete_all(ctx: &Ctx, left: Vec<(Identity, String)>) -> (usize, Vec<String>) {
    let mut deleted = 0;
    let mut kept = Vec::new();
    let mut again = Vec::new();
    let at_once = ctx.profile.behaviour.concurrency.max(1);
    let nested = |a: &str, b: &str| {
        let (a, b) = (a.trim_end_matches('/'), b.trim_end_matches('/'));
        a.starts_with(&format!("{b}/")) || b.starts_with(&format!("{a}/")) || a == b
    };
    let mut rest = left.into_iter().rev().peekable();
    while rest.peek().is_some() {
        let mut window: Vec<(Identity, String)> = Vec::new();
        while let Some((_, path)) = rest.peek() {
            if window.len() >= at_once || window.iter().any(|(_, p)| nested(p, path)) {
                break;
            }
            window.extend(rest.next());
        }
        let answers = futures_util::future::join_all(window.iter().map(|(identity, path)| {
            send_as(
                ctx,
                *identity,
                Request::new("DELETE", path.clone()).housekeeping(),
            )
        }))
        .await;
        let unanswered = answers
            .iter()
            .all(|a| a.as_ref().is_err_and(|f| f.rule == Rule::Transport));
        for ((identity, path), answer) in window.into_iter().zip(answers) {
            match answer {
                Ok(e) if (200..300).contains(&e.status) || e.status == 404 => deleted += 1,
                _ => again.push((identity, path)),
            }
        }
        // A backend that answers none of them (hung, or gone) answers no more: each delete
        // would wait out its timeout, minutes past the run's deadline on a run that made
        // hundreds. What is left is said, not sent.
        if unanswered {
            let reason = "not sent: the backend answered none of the cleanup's last deletes";
            kept.extend(again.drain(..).map(|(_, p)| format!("{p} ({reason})")));
            kept.extend(rest.map(|(_, p)| format!("{p} ({reason})")));
            return (deleted, kept);
        }
    }
    let mut again = again.into_iter();
    while let Some((identity, path)) = again.next() {
        let request = Request::new("DELETE", path.clone()).housekeeping();
        match send_as(ctx, identity, request).await {
            Ok(e) if (200..300).contains(&e.status) || e.status == 404 => deleted += 1,
            Ok(e) => kept.push(format!("{path} (DELETE answered {})", e.status)),
            Err(f) if f.rule == Rule::Transport => {
                kept.push(format!("{path} ({})", f.message));
                let reason = "not sent: the backend stopped answering the cleanup";
                kept.extend(again.map(|(_, p)| format!("{p} ({reason})")));
                break;
            }
            Err(f) => kept.push(format!("{path} ({})", f.message)),
        }
    }
    (deleted, kept)
}

/// A resource the run created, and what it sent.
#[derive(Debug, Clone)]
pub struct Created {
    pub resource: Resource,
    pub id: String,
    pub path: String,
    /// The collection it was created in (its create path, the parent's id filled in).
    pub base: String,
    pub sent: Value,
    pub answer: Exchange,
}

/// An update `body` with the id member the create's `answer` names the resource `id` by
/// (`id`, or `...Id`/`..._id` holding it), where the body has no such member: the object as
/// a frontend sends back what it read. The member's name, and the body.
pub fn adding_own_id(body: &Value, answer: &Exchange, id: &str) -> Option<(String, Value)> {
    let fields = body.as_object()?;
    let json = answer.json()?;
    let members = json.as_object()?;
    let holds = |v: &Value| {
        v.as_str()
            .map(String::from)
            .unwrap_or_else(|| v.to_string())
            == id
    };
    let (name, value) = members.iter().find(|(k, v)| {
        let lower = k.to_ascii_lowercase();
        (lower == "id" || lower.ends_with("_id") || k.ends_with("Id")) && holds(v)
    })?;
    if fields.contains_key(name) {
        return None;
    }
    let mut out = fields.clone();
    out.insert(name.clone(), value.clone());
    Some((name.clone(), Value::Object(out)))
}

/// A body for a write whose effect is read back: every optional property present, none
/// `null`, no free text empty ([`generate::Optional::All`]).
/// An update body made of what the create `sent` and the backend took, each plain text of
/// it (no pattern, enum or format) changed to other text within its bounds: what a
/// generated update that the backend refuses (NetBox's, whose random references name no
/// object) is retried with. `None` where `op` takes no JSON object.
pub fn retouched(ctx: &Ctx, op: &OpInfo, sent: &Value, seed: u64) -> Option<Value> {
    fn walk(doc: &Value, schema: &Value, sent: &Value, tag: &str) -> Option<Value> {
        let schema = crate::sample::object_branch(doc, schema);
        let properties = schema.get("properties")?.as_object()?;
        let mut out = serde_json::Map::new();
        for (name, value) in sent.as_object()? {
            let Some(prop) = properties.get(name) else {
                continue;
            };
            let prop = accord_spec::follow_ref(doc, prop);
            if prop.get("readOnly") == Some(&Value::Bool(true)) {
                continue;
            }
            // Nor is text its name gives a form (an address, a link, a time), nor a short
            // code (a color, an identifier of ten characters), which other text would break.
            let plain = prop.get("type").and_then(Value::as_str) == Some("string")
                && ["pattern", "enum", "format", "const"]
                    .iter()
                    .all(|k| prop.get(*k).is_none())
                && named_format(name, prop).is_none()
                && prop
                    .get("maxLength")
                    .and_then(Value::as_u64)
                    .is_none_or(|max| max >= 16)
                && !crate::http::is_secret_name(name);
            let changed = match value {
                Value::String(old) if plain && !old.is_empty() => {
                    let max = prop.get("maxLength").and_then(Value::as_u64).unwrap_or(64) as usize;
                    let min = prop
                        .get("minLength")
                        .and_then(Value::as_u64)
                        .unwrap_or(0)
                        .min(crate::sample::LONGEST_TEXT) as usize;
                    let mut text: String =
                        format!("accord-{tag}-{old}").chars().take(max).collect();
                    let short = min.saturating_sub(text.chars().count());
                    text.push_str(&"x".repeat(short));
                    Value::String(text)
                }
                Value::Object(_) => walk(doc, prop, value, tag).unwrap_or_else(|| value.clone()),
                other => other.clone(),
            };
            out.insert(name.clone(), changed);
        }
        Some(Value::Object(out))
    }
    let schema = ctx.body_schema(op)?;
    walk(ctx.doc(), &schema, sent, &format!("{:x}", seed & 0xffff))
}

pub fn write_body(ctx: &Ctx, op: &OpInfo, seed: u64) -> Option<Value> {
    // One object, where the body may also be a list of them (NetBox's bulk create answers
    // `[]` to `[]`, which names nothing).
    let schema = crate::sample::object_branch(ctx.doc(), &ctx.body_schema(op)?);
    let strategy = generate::strategy(ctx.doc(), &schema, generate::Optional::All);
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(
            RngAlgorithm::ChaCha,
            &op_seed(seed, &format!("{}#write", op.id)),
        ),
    );
    strategy.new_tree(&mut runner).ok().map(|t| t.current())
}

/// [`write_body`] of `op` as `identity` sends it: its references bound to what the run made
/// ([`bind_made`]), and an optional one the run made none for left out (a random id names
/// nothing: NetBox refuses an update whose generated tags do not exist).
/// `body` without what is at `slots`.
fn without_slots(body: &Value, slots: &[RefSlot]) -> Value {
    let mut lean = body.clone();
    for slot in slots {
        unset(&mut lean, &slot.pointer);
    }
    lean
}

/// `body` of `op` without its optional references: a form's empty selects. Naming one may
/// change what the write says (Baby Buddy's feeding takes its times from the timer it
/// names, and stops it).
pub fn without_optional_references(ctx: &Ctx, op: &OpInfo, body: &Value) -> Value {
    let optional: Vec<RefSlot> = reference_slots(ctx, op)
        .into_iter()
        .filter(|slot| !slot.required)
        .collect();
    without_slots(body, &optional)
}

pub fn bound_write_body(ctx: &Ctx, op: &OpInfo, identity: Identity, seed: u64) -> Option<Value> {
    let mut body = write_body(ctx, op, seed)?;
    bind_body(ctx, op, identity, None, &mut body, None);
    Some(body)
}

/// `body` of `op` as `identity` writes it: each reference to the run's referent of its kind
/// ([`bind_made`]); an optional one the run made nothing for is left out (a generated id
/// names nothing: NetBox refuses a device role whose random `parent` or tags do not exist).
/// In the resource chain's creates (`made`: what the chain made before), a required
/// reference names the chain's own resource of its kind where there is one (a device the
/// chain's own site); an optional one names the run's referent, never the chain's own:
/// naming one may change what it names (Baby Buddy's feeding stops, and deletes, the timer
/// it names), and the chain checks its resources as it made them.
fn bind_body(
    ctx: &Ctx,
    op: &OpInfo,
    identity: Identity,
    made: Option<&[Created]>,
    body: &mut Value,
    base: Option<&str>,
) {
    let mut bound = bind_made_in(ctx, op, identity, body, base);
    let slots = reference_slots(ctx, op);
    for slot in slots.iter().filter(|s| !s.own && s.required) {
        let Some(c) = made
            .unwrap_or_default()
            .iter()
            .find(|c| c.resource.item == slot.kind.item && c.base == c.resource.collection)
        else {
            continue;
        };
        if body.pointer(&slot.pointer).is_none() {
            continue;
        }
        if let Some(value) = slot_value(slot, &c.id, &c.answer) {
            let value = if slot.list { json!([value]) } else { value };
            boundary::set(body, &slot.pointer, value);
            bound.push(slot.pointer.clone());
        }
    }
    for slot in slots
        .iter()
        .filter(|s| !s.required && !bound.contains(&s.pointer))
    {
        unset(body, &slot.pointer);
    }
}

/// Creates one `resource` as `identity`: a generated body with every property, and, when
/// the backend refuses it, the spec's own example. `Ok(None)` when the identity may not
/// create it (403: an operation for another role, noted).
pub async fn create(
    ctx: &Ctx,
    resource: &Resource,
    identity: Identity,
    salt: u64,
) -> Result<Option<Created>, Failure> {
    create_in(ctx, resource, identity, salt, &resource.collection).await
}

/// One of each of `resources` created as `identity`, each under the first parent created
/// before it (the resources come parents first); one left out for want of a parent is noted.
pub async fn create_each(
    ctx: &Ctx,
    resources: &[Resource],
    identity: Identity,
) -> Result<Creates, Failure> {
    let mut out: Vec<Created> = Vec::new();
    let mut failed = Vec::new();
    for (i, r) in resources.iter().enumerate() {
        let base = match &r.parent {
            None => r.collection.clone(),
            Some(parent) => match out.iter().find(|c| &c.resource.item == parent) {
                Some(p) => format!(
                    "{}{}",
                    p.path.trim_end_matches('/'),
                    under_template(&r.collection, parent).unwrap_or_default()
                ),
                None if r.parent_listed.is_some() => {
                    let Some(base) = listed_base(ctx, r, identity).await? else {
                        continue;
                    };
                    base
                }
                None => {
                    ctx.http.note(format!(
                        "behaviour: {} is left out: no {parent} was created to put it under",
                        r.create.id
                    ));
                    continue;
                }
            },
        };
        // Its references name what this chain made before it where it can (a device the
        // chain's own site), so that the chain's deletes meet what refers to them.
        let create = create_bound(ctx, r, identity, i as u64 + 1, &base, &[], Some(&out)).await;
        // A create that got no answer while the backend answers the rest (Label Studio's
        // webhook, waiting on an address it cannot reach) is that kind's failure to be made:
        // the others are checked.
        let create = create.map_err(|f| match f.rule {
            Rule::Transport if ctx.http.went_down().is_none() => Failure::new(
                Rule::Created,
                format!("{} got no answer: {}", r.create.id, f.message),
            ),
            _ => f,
        });
        match create {
            Ok(Some(created)) => out.push(created),
            Ok(None) => {}
            // One resource the backend would not make leaves the others to check: the
            // scenario about creating reports it, the others say it is left out.
            Err(f) if f.rule == Rule::Created => {
                ctx.http.note(format!(
                    "behaviour: {} is left out of the resource checks: it could not be created ({})",
                    r.create.id,
                    f.message.lines().next().unwrap_or_default()
                ));
                // Under a parent the run did not make (one the backend lists, maybe
                // another user's), a refusal may be right: noted, not failed.
                if r.parent_listed.is_none() {
                    failed.push(f);
                }
            }
            Err(f) => return Err(f),
        }
    }
    Ok(Creates { made: out, failed })
}

/// The collection `r` is created in under the first parent the backend lists to `identity`
/// (`r.parent_listed`), noted once; `None`, noted, where it lists none. The parent is none
/// of the run's: never written, never deleted.
pub async fn listed_base(
    ctx: &Ctx,
    r: &Resource,
    identity: Identity,
) -> Result<Option<String>, Failure> {
    let (Some(collection), Some(parent)) = (&r.parent_listed, &r.parent) else {
        return Ok(None);
    };
    let key = (identity, collection.clone());
    let mut memo = ctx.listed_parents.lock().await;
    let concrete = match memo.get(&key) {
        Some(known) => known.clone(),
        None => {
            let e = send_as(ctx, identity, Request::new("GET", collection.clone())).await?;
            let param = parent
                .rsplit_once("/{")
                .map(|(_, p)| p.trim_end_matches('}'))
                .unwrap_or_default();
            let first = (200..300)
                .contains(&e.status)
                .then(|| e.json())
                .flatten()
                .and_then(|body| first_listed(&body).cloned());
            let id = first.and_then(|item| item_id(ctx, parent, param, &item));
            let concrete = id.map(|id| parent.replace(&format!("{{{param}}}"), &path_encode(&id)));
            ctx.http.note(match &concrete {
                Some(path) => format!(
                    "behaviour: the run can make no {parent}, so what goes under one goes under {path}, the first the backend lists (GET {collection}), which the run never writes or deletes"
                ),
                None => format!(
                    "behaviour: the run can make no {parent}, and GET {collection} lists none ({}): what goes under one is left out",
                    e.status
                ),
            });
            memo.insert(key, concrete.clone());
            concrete
        }
    };
    drop(memo);
    let Some(concrete) = concrete else {
        return Ok(None);
    };
    let base = format!(
        "{concrete}{}",
        under_template(&r.collection, parent).unwrap_or_default()
    );
    if identity == Identity::First
        && let Ok(mut bases) = ctx.listed_bases.lock()
    {
        bases.insert(r.create.id.clone(), base.clone());
    }
    Ok(Some(base))
}

/// Asks, once, for the parent each kind of `resources` made under a listed parent goes
/// under ([`listed_base`]), so that the generated calls of its create go there too.
pub async fn listed_bases(ctx: &Ctx, resources: &[Resource]) -> Result<(), Failure> {
    if ctx.read_only() {
        return Ok(());
    }
    for r in resources.iter().filter(|r| r.parent_listed.is_some()) {
        listed_base(ctx, r, Identity::First).await?;
    }
    Ok(())
}

/// Sets the members of `body` named like the parent's path parameter (`project` or
/// `projectId` for `{projectId}`) to the parent `base` lies under: a frontend sends the
/// project it creates the flag in, and a backend that takes the path's (Unleash answers
/// the flag in `default` whatever the body says) must not read back otherwise.
fn name_parent(resource: &Resource, base: &str, body: &mut Value) {
    let Some(parent) = &resource.parent else {
        return;
    };
    // The parameter as the create's own path names it (`{project}`, where the parent's
    // item path says `{id}`), at the parent's last parameter.
    let depth = parent.trim_end_matches('/').split('/').count();
    let template: Vec<&str> = resource.collection.split('/').collect();
    let concrete: Vec<&str> = base.split('/').collect();
    let Some((at, param)) = template[..depth.min(template.len())]
        .iter()
        .enumerate()
        .rev()
        .find_map(|(i, s)| Some((i, s.strip_prefix('{')?.strip_suffix('}')?)))
    else {
        return;
    };
    let Some(id) = concrete.get(at).map(|s| path_decode(s)) else {
        return;
    };
    let plain = plain_name(param);
    let stem = plain
        .strip_suffix("id")
        .filter(|s| !s.is_empty())
        .unwrap_or(&plain)
        .to_string();
    let Some(members) = body.as_object_mut() else {
        return;
    };
    for (name, value) in members.iter_mut() {
        let own = plain_name(name);
        // Never the body's own `id`; `project`, `projectId` or `project_id` for `{project}`.
        if own == "id" || (own != plain && own != stem && own != format!("{stem}id")) {
            continue;
        }
        *value = match value {
            Value::Number(_) => id
                .parse::<i64>()
                .map(Value::from)
                .unwrap_or(Value::String(id.clone())),
            _ => Value::String(id.clone()),
        };
    }
}

/// What `path` adds to the item template `item` it lies under (`/views` for
/// `/projects/{project}/views` under `/projects/{id}`), segment by segment, a parameter
/// matching a parameter of any name; `None` where it does not lie under it.
fn under_template(path: &str, item: &str) -> Option<String> {
    // A Django route's trailing slash (`/sites/{id}/children/`) is the path's to keep.
    let slash = if path.ends_with('/') { "/" } else { "" };
    let path: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let item: Vec<&str> = item.trim_end_matches('/').split('/').collect();
    if path.len() <= item.len() {
        return None;
    }
    let param = |s: &str| s.starts_with('{') && s.ends_with('}');
    item.iter()
        .zip(&path)
        .all(|(i, p)| i == p || param(i) && param(p))
        .then(|| format!("/{}{slash}", path[item.len()..].join("/")))
}

/// A path segment's text, its `%XX` escapes decoded (the inverse of [`path_encode`]).
fn path_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).and_then(|b| hex(*b)),
            bytes.get(i + 2).and_then(|b| hex(*b)),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The first item of a list's answer: the answer itself as an array, or its first member
/// that is an array of objects (`{"version": 1, "projects": [...]}`).
fn first_listed(body: &Value) -> Option<&Value> {
    let items = match body {
        Value::Array(items) => items,
        Value::Object(members) => members
            .values()
            .filter_map(Value::as_array)
            .find(|items| items.first().is_some_and(Value::is_object))?,
        _ => return None,
    };
    items.first().filter(|v| v.is_object())
}

/// The items of the list `body`, each with its id: each item's (an array of objects, or the
/// one array of objects an object wraps), its text name where the item's parameter is one
/// (`by_text`, [`named_by_text`]), or the keys of an object keyed by its items' ids.
fn listed_items(body: &Value, param: &str, by_text: bool) -> Vec<(String, Value)> {
    let items = match body {
        Value::Array(items) => Some(items),
        Value::Object(members) => members
            .values()
            .filter_map(Value::as_array)
            .find(|items| items.first().is_some_and(Value::is_object)),
        _ => None,
    };
    if let Some(items) = items {
        return items
            .iter()
            .filter_map(|i| id_of(i, param, by_text).map(|id| (id, i.clone())))
            .collect();
    }
    match body {
        Value::Object(m) if !m.is_empty() && m.values().all(Value::is_object) => {
            m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
        }
        _ => Vec::new(),
    }
}

/// Where a create answered no id, the item the body names by the item's own parameter: an
/// association the client chooses (Semaphore's `POST /project/{id}/users` with `user_id`, read
/// at `/project/{id}/users/{user_id}`).
fn named_in_body(resource: &Resource, body: &Value) -> Option<String> {
    match body.get(&resource.param)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Where a create answered no id (Semaphore's `POST /project/{id}/keys`: a 204), the item
/// of its collection's list holding every free text of at least four characters the create
/// `sent` (the run's own, unique) where nothing else on the list holds them all: its id,
/// noted. `None` where the kind has no list, the body no such text, or not one item holds it.
async fn found_in_list(
    ctx: &Ctx,
    resource: &Resource,
    base: &str,
    identity: Identity,
    sent: &Value,
) -> Option<String> {
    let list = resource.list.as_ref()?;
    // Free text only: a value of an enum or a format may be any item's.
    let schema = ctx.body_schema(&resource.create)?;
    let schema = crate::sample::object_branch(ctx.doc(), &schema);
    let free = |name: &str| {
        schema
            .get("properties")
            .and_then(|p| p.get(name))
            .map(|p| accord_spec::follow_ref(ctx.doc(), p))
            .is_some_and(|p| p.get("enum").is_none() && p.get("format").is_none())
    };
    let texts: Vec<(&String, &str)> = sent
        .as_object()?
        .iter()
        .filter(|(k, _)| free(k))
        .filter_map(|(k, v)| Some((k, v.as_str().filter(|t| t.chars().count() >= 4)?)))
        .collect();
    if texts.is_empty() {
        return None;
    }
    let mut request = request(ctx, list, &Inputs::default());
    request.target = base.to_string();
    let e = send_as(ctx, identity, request).await.ok()?;
    if !(200..300).contains(&e.status) {
        return None;
    }
    let by_text = named_by_text(ctx, &resource.item, &resource.param);
    let holding: Vec<String> = listed_items(&e.json()?, &resource.param, by_text)
        .into_iter()
        .filter(|(_, item)| {
            texts
                .iter()
                .all(|(k, t)| item.get(k.as_str()).and_then(Value::as_str) == Some(*t))
        })
        .map(|(id, _)| id)
        .collect();
    let [id] = holding.as_slice() else {
        return None;
    };
    ctx.http.note(format!(
        "behaviour: {} answers no id for what it makes: the run found it on {} by the text it sent ({})",
        resource.create.id,
        list.id,
        texts
            .iter()
            .map(|(k, _)| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    Some(id.clone())
}

/// What each list names, by path: each item by its id.
pub type Listed = Vec<(String, std::collections::BTreeMap<String, Value>)>;

/// What each kind's list (a GET without path parameters) names to the first identity: the
/// list's path and the ids on it. Read before the scenarios and after the cleanup, so that
/// the run can say what it leaves that it did not make itself.
pub async fn listed_now(ctx: &Ctx) -> Listed {
    let mut out = Vec::new();
    if ctx.read_only() {
        return out;
    }
    for r in kinds(ctx).iter() {
        let Some(list) = r.list.as_ref().filter(|l| !has_path_params(l)) else {
            continue;
        };
        if out.iter().any(|(path, _)| *path == list.path) {
            continue;
        }
        let Ok(e) = send_as(ctx, Identity::First, Request::new("GET", list.path.clone())).await
        else {
            continue;
        };
        if !(200..300).contains(&e.status) {
            continue;
        }
        let items = e
            .json()
            .map(|b| listed_items(&b, &r.param, named_by_text(ctx, &r.item, &r.param)))
            .unwrap_or_default();
        out.push((list.path.clone(), items.into_iter().collect()));
    }
    out
}

/// What the lists name after the run that they did not before (`before`, [`listed_now`]),
/// less what the run made at any time (a backend that keeps what is deleted lists it still)
/// and could not delete (`kept`, paths), and empty ids: one note per list. An item holding
/// the distinctive text of a write to its collection that the backend answered with a server
/// error is the run's, stored though the answer said it failed (Homebox's templates): it is
/// deleted, and the note says which write made it, for a frontend told that its write
/// failed sends it again, and makes another. The others the backend made from the run's
/// writes (a watch's `tag` makes a tag), or someone else did meanwhile: the run never
/// deletes what it did not make, so they are left. How many it deleted.
pub async fn say_what_is_left(ctx: &Ctx, before: &Listed, kept: &[String]) -> usize {
    let posted = ctx.http.posted();
    let spec = ctx.doc().to_string();
    let kinds = kinds(ctx);
    let mut deleted = 0;
    for (path, now) in listed_now(ctx).await {
        let Some((_, then)) = before.iter().find(|(p, _)| *p == path) else {
            continue;
        };
        // The collections this list names the items of: its own path, and that of a kind
        // listed here (a tag made at `/tag`, listed at `/tags`).
        let collections: Vec<String> = std::iter::once(path.clone())
            .chain(
                kinds
                    .iter()
                    .filter(|k| k.list.as_ref().is_some_and(|l| l.path == path))
                    .map(|k| k.collection.clone()),
            )
            .map(|c| c.trim_end_matches('/').to_string())
            .collect();
        // Whether `item` is the item `id`'s of this list: `/api/predictions/11/` is no
        // project 11. Whether the run could not delete it (said then); whether the run made
        // it at any time.
        let at = |item: &str, id: &str| {
            let item = item.strip_prefix(ctx.http.base.as_str()).unwrap_or(item);
            item.trim_end_matches('/')
                .strip_suffix(&format!("/{}", path_encode(id)))
                .is_some_and(|parent| collections.iter().any(|c| c == parent))
        };
        let kept_it = |id: &str| {
            kept.iter()
                .any(|k| at(k.split_whitespace().next().unwrap_or_default(), id))
        };
        let made = |id: &str| {
            kept_it(id)
                || ctx
                    .ever_made
                    .lock()
                    .is_ok_and(|ever| ever.iter().any(|p| at(p, id)))
        };
        let fresh = now
            .iter()
            .filter(|(id, _)| !then.contains_key(*id))
            // An empty id names nothing the run could delete (said where it was made).
            .filter(|(id, _)| !id.is_empty());
        let (still, new): (Vec<_>, Vec<_>) = fresh.partition(|(id, _)| made(id));
        // What the run made and deleted (its delete answered a 2xx or 404), or kept, yet
        // listed: kept ones were said; the others the backend lists though it no longer
        // serves them at their path (the NestJS Conduit's article of a 10,000-character
        // title, whose slug its own read answers 404).
        let deleted_yet_listed: Vec<String> = still
            .iter()
            .filter(|(id, _)| !kept_it(id))
            .map(|(id, _)| crate::exchange::truncate(id, 40))
            .collect();
        if !deleted_yet_listed.is_empty() {
            ctx.http.note(format!(
                "cleanup: GET {path} still lists {} item(s) the run made and deleted (their DELETE answered a 2xx or 404): {}{}; the backend lists what it does not serve at its own path, or keeps what is deleted",
                deleted_yet_listed.len(),
                deleted_yet_listed.iter().take(5).cloned().collect::<Vec<_>>().join(", "),
                if deleted_yet_listed.len() > 5 { ", ..." } else { "" }
            ));
        }
        // Which of the run's POSTs to this collection each new item holds the text of.
        let kind = kinds
            .iter()
            .find(|r| r.list.as_ref().is_some_and(|l| l.path == path) && r.delete.is_some());
        // Each new item with how the run's POSTs whose text it holds were answered: none,
        // and it is not the run's to delete.
        let (stored, others): (Vec<_>, Vec<_>) = new
            .into_iter()
            .map(|(id, item)| {
                let statuses: std::collections::BTreeSet<u16> = match kind {
                    Some(_) => writers(&posted, &path, item, &spec)
                        .iter()
                        .map(|w| w.status)
                        .collect(),
                    None => Default::default(),
                };
                (id, statuses)
            })
            .partition(|(_, statuses)| !statuses.is_empty());
        if let Some(kind) = kind
            && !stored.is_empty()
        {
            let mut by_write: std::collections::BTreeMap<&std::collections::BTreeSet<u16>, usize> =
                Default::default();
            let mut left = Vec::new();
            for (id, statuses) in &stored {
                *by_write.entry(statuses).or_default() += 1;
                let request = Request::new("DELETE", item_path(kind, id)).housekeeping();
                match send_as(ctx, Identity::First, request).await {
                    Ok(e) if (200..300).contains(&e.status) || e.status == 404 => deleted += 1,
                    Ok(e) => left.push(format!("{} (DELETE answered {})", id, e.status)),
                    Err(f) => left.push(format!("{id} ({})", f.message)),
                }
            }
            let said: Vec<(String, bool)> = by_write
                .iter()
                .map(|(statuses, n)| made_by(&format!("POST {path}"), statuses, *n))
                .collect();
            let writes: Vec<String> = said.iter().map(|(w, _)| w.clone()).collect();
            let failed = said.iter().any(|(_, failed)| *failed);
            ctx.http.note(format!(
                "cleanup: GET {path} lists {} item(s) holding the text of a write of the run's that did not name them ({}){}; the run deleted them as its own{}",
                stored.len(),
                writes.join("; "),
                if failed {
                    ": the backend stored what it said it did not, and a frontend told so sends the write again and makes another"
                } else {
                    ""
                },
                if left.is_empty() {
                    String::new()
                } else {
                    format!(", but for {}", left.join(", "))
                }
            ));
        }
        if others.is_empty() {
            continue;
        }
        let shown: Vec<String> = others
            .iter()
            .take(5)
            .map(|(id, _)| crate::exchange::truncate(id, 40))
            .collect();
        ctx.http.note(format!(
            "cleanup: GET {path} lists {} item(s) it did not list before the run, none of them a resource the run knows it made: {}{} (the run's writes made them without naming them, the backend made them of the run's writes, or someone else did meanwhile); the run deletes only what it knows it made, so they are left: delete them by hand if they are the run's",
            others.len(),
            shown.join(", "),
            if others.len() > shown.len() { ", ..." } else { "" }
        ));
    }
    deleted
}

/// The run's POSTs to the collection `path` whose distinctive text the listed `item` holds as
/// its own values: of those holding any, the ones it holds most of (many POSTs share a
/// generated URL; one alone sent the title). More than one where several sent the same
/// text: which of them made it, the run cannot tell. No text of the spec's own (`spec`,
/// the document's text) counts: anyone trying the API from its documentation sends its
/// examples too (Directus's folder `Amsterdam`).
fn writers<'a>(
    posted: &'a [crate::http::Posted],
    path: &str,
    item: &Value,
    spec: &str,
) -> Vec<&'a crate::http::Posted> {
    let held: Vec<u64> = crate::http::distinctive_texts(item)
        .into_iter()
        .filter(|t| !spec.contains(t.as_str()))
        .map(|t| crate::http::text_hash(&t))
        .collect();
    let counted: Vec<(usize, &crate::http::Posted)> = posted
        .iter()
        .filter(|w| w.path.trim_end_matches('/') == path.trim_end_matches('/'))
        .map(|w| (w.texts.iter().filter(|t| held.contains(t)).count(), w))
        .filter(|(n, _)| *n > 0)
        .collect();
    let most = counted.iter().map(|(n, _)| *n).max().unwrap_or(0);
    counted
        .into_iter()
        .filter(|(n, _)| *n == most)
        .map(|(_, w)| w)
        .collect()
}

/// How the POSTs to `what` that may have made `n` items were answered (`statuses`), and
/// whether each of them said the write failed.
fn made_by(what: &str, statuses: &std::collections::BTreeSet<u16>, n: usize) -> (String, bool) {
    let all = |f: fn(u16) -> bool| statuses.iter().all(|s| f(*s));
    let listed: Vec<String> = statuses.iter().map(u16::to_string).collect();
    let listed = listed.join(" or ");
    if all(|s| s >= 500) {
        (
            format!("{what} answered {listed}, a server error, yet made {n}"),
            true,
        )
    } else if all(|s| (400..500).contains(&s)) {
        (
            format!("{what} answered {listed}, a refusal, yet made {n}"),
            true,
        )
    } else if all(|s| s < 300) {
        (
            format!("{what} answered {listed} without naming what it made: {n}"),
            false,
        )
    } else {
        (
            format!(
                "{what} answered {listed}, and which of those that sent the text made it the run cannot tell: {n}"
            ),
            false,
        )
    }
}

/// What [`create_each`] made, and why each resource it could not make was not made.
#[derive(Default)]
pub struct Creates {
    pub made: Vec<Created>,
    pub failed: Vec<Failure>,
}

/// [`create`] in the collection at `base` (for a resource under a parent the run created).
pub async fn create_in(
    ctx: &Ctx,
    resource: &Resource,
    identity: Identity,
    salt: u64,
    base: &str,
) -> Result<Option<Created>, Failure> {
    create_bound(ctx, resource, identity, salt, base, &[], None).await
}

/// The query parameters `op` requires, with the values of its example inputs.
fn required_query(ctx: &Ctx, op: &OpInfo) -> Vec<(Param, Value)> {
    example_inputs(ctx, op)
        .params
        .into_iter()
        .filter(|(p, _)| p.location == "query" && p.required)
        .collect()
}

/// The forms of singular and plural a name of a kind of resource takes, lower case, without
/// `-` and `_` (`device-types` gives `devicetypes` and `devicetype`; `categories`,
/// `category`).
fn kind_names(name: &str) -> Vec<String> {
    let plain = plain_name(name);
    let mut out = vec![plain.clone()];
    if let Some(stem) = plain.strip_suffix("ies") {
        out.push(format!("{stem}y"));
    }
    if let Some(stem) = plain.strip_suffix("es").filter(|s| {
        ["s", "x", "z", "ch", "sh"]
            .iter()
            .any(|end| s.ends_with(end))
    }) {
        out.push(stem.to_string());
    }
    if let Some(stem) = plain.strip_suffix("ves") {
        out.extend([format!("{stem}f"), format!("{stem}fe")]);
    }
    if let Some(stem) = plain.strip_suffix('s') {
        out.push(stem.to_string());
    }
    // The plurals English makes otherwise (`/children/` names a `child`).
    for (plural, singular) in IRREGULAR_PLURALS {
        if let Some(stem) = plain.strip_suffix(plural) {
            out.push(format!("{stem}{singular}"));
        }
    }
    out.retain(|n| !n.is_empty());
    out
}

/// Plurals not made by adding `s` or `es`, as a collection's path names its kind.
const IRREGULAR_PLURALS: [(&str, &str); 8] = [
    ("children", "child"),
    ("people", "person"),
    ("men", "man"),
    ("mice", "mouse"),
    ("geese", "goose"),
    ("teeth", "tooth"),
    ("feet", "foot"),
    ("indices", "index"),
];

/// `name` in lower case without `-` and `_`: `device_type`, `device-types` and
/// `deviceType` meet as `devicetype(s)`.
fn plain_name(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '-' && *c != '_')
        .collect::<String>()
        .to_ascii_lowercase()
}

/// Words a path parameter is named that say how an item is addressed, not what it is.
const ADDRESS_WORDS: &[&str] = &[
    "name",
    "slug",
    "key",
    "path",
    "uuid",
    "guid",
    "code",
    "handle",
    "identifier",
    "ref",
];

/// The kind of resource among `kinds` a body property named `name` refers to by id, if it
/// names one: `manufacturer`, `manufacturer_id` or `manufacturerId` to what
/// `POST /manufacturers` creates, `device_type` to `/device-types/`; a kind under a parent
/// only from an operation under the same parent (`under`, its path), where its id means
/// something: Semaphore's repository's `ssh_key_id`, a key of the repository's project.
fn referent<'a>(name: &str, kinds: &'a [Resource], under: &str) -> Option<&'a Resource> {
    let plain = plain_name(name);
    // A list of ids (`tagIds`) names the kind as one id does.
    let stem = plain
        .strip_suffix("ids")
        .filter(|s| !s.is_empty())
        .or_else(|| plain.strip_suffix("id"))
        .or_else(|| plain.strip_suffix("pk"))
        .filter(|s| !s.is_empty())
        .unwrap_or(&plain);
    let names = |r: &&Resource| {
        let collection = r
            .collection
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or_default();
        // The parameter of an item the client names (`{path}`, `{key}`, `{name}`) is a name
        // like any other member's: no member refers to the kind by it. Nor by a parameter
        // that says how an item is addressed rather than what it is: a flow's own `name` is
        // no reference to Prefect's work pools, read at `/work_pools/{name}`; a member
        // naming the kind and that word is one (a deployment's `work_pool_name`).
        let param = plain_name(&r.param);
        let address = ADDRESS_WORDS.contains(&param.as_str());
        let by_address = || {
            address
                && kind_names(collection)
                    .iter()
                    .any(|k| plain == format!("{k}{param}"))
        };
        let param =
            (!r.chosen && !address).then(|| param.strip_suffix("id").unwrap_or(&param).to_string());
        kind_names(collection)
            .iter()
            .chain(param.as_ref())
            .any(|n| n == stem)
            || by_address()
    };
    // A kind of its own, else one under the same parent as the operation (Semaphore's
    // repository names an access key of its project: `ssh_key_id`, `/project/{id}/keys`).
    kinds
        .iter()
        .filter(|r| r.parent.is_none())
        .find(names)
        .or_else(|| {
            kinds
                .iter()
                .filter(|r| {
                    r.parent.as_ref().is_some_and(|p| {
                        let p = p.trim_end_matches('/');
                        under.starts_with(&format!("{p}/")) && !under.starts_with(&r.collection)
                    })
                })
                .find(names)
                .or_else(|| {
                    // `ssh_key_id` names a `key`: the last word of a compound name.
                    let last = name
                        .trim_end_matches("_id")
                        .trim_end_matches("Id")
                        .rsplit('_')
                        .next()
                        .filter(|w| w.len() > 2 && *w != name)?;
                    referent(last, kinds, under).filter(|r| r.parent.is_some())
                })
        })
}

/// The collection of a kind under a parent (`/project/{project_id}/keys`) under the same
/// concrete parent as `base` (`/project/22/repositories`): `/project/22/keys`.
fn sibling_base(kind: &Resource, base: &str) -> Option<String> {
    let parent = kind.parent.as_ref()?.trim_end_matches('/');
    let depth = parent.trim_start_matches('/').split('/').count();
    let concrete: Vec<&str> = base
        .trim_start_matches('/')
        .split('/')
        .take(depth)
        .collect();
    if concrete.len() < depth {
        return None;
    }
    let rest = kind.collection.strip_prefix(parent)?;
    Some(format!("/{}{rest}", concrete.join("/")))
}

/// The key of the referent of `kind` made in `base`: the kind's item template, and the
/// concrete collection for a kind under a parent.
fn referent_key(identity: Identity, kind: &Resource, base: &str) -> (Identity, String) {
    if base == kind.collection {
        (identity, kind.item.clone())
    } else {
        (identity, format!("{}@{base}", kind.item))
    }
}

/// How a property of `schema` takes a reference: by its id as a number, as text, or as the
/// object a read of it answers.
#[derive(Clone, Copy, PartialEq)]
enum RefForm {
    Integer,
    Text,
    Object,
}

fn ref_form(doc: &Value, schema: &Value) -> Option<RefForm> {
    let schema = accord_spec::follow_ref(doc, schema);
    let mut forms = Vec::new();
    // An object made of `allOf` members (PetClinic's `PetType`: its fields and an `id`).
    if schema
        .get("allOf")
        .and_then(Value::as_array)
        .is_some_and(|all| {
            all.iter()
                .any(|m| ref_form(doc, m) == Some(RefForm::Object))
        })
    {
        forms.push(RefForm::Object);
    }
    for branch in ["oneOf", "anyOf"]
        .iter()
        .filter_map(|k| schema.get(*k).and_then(Value::as_array))
        .flatten()
    {
        forms.extend(ref_form(doc, branch));
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("integer") => forms.push(RefForm::Integer),
        Some("string") if schema.get("enum").is_none() => forms.push(RefForm::Text),
        Some("object") => forms.push(RefForm::Object),
        _ if schema.get("properties").is_some() => forms.push(RefForm::Object),
        _ => {}
    }
    // An id where one is taken: the object form only where nothing else is.
    [RefForm::Integer, RefForm::Text, RefForm::Object]
        .into_iter()
        .find(|f| forms.contains(f))
}

/// The most kinds of resource a create makes first for its body's references, one inside
/// another (a device's type's manufacturer).
const REFERENCE_DEPTH: usize = 3;

/// A property of an operation's body that names another kind of resource by id: where it
/// is, the kind, and how it takes the reference.
#[derive(Clone)]
pub struct RefSlot {
    pub pointer: String,
    kind: Resource,
    form: RefForm,
    /// A list of references (NetBox's `tags`): it is set to one, the run's.
    pub list: bool,
    /// The names of the properties the reference's object form declares (for an object,
    /// only those are sent: NetBox looks a nested tag up by each attribute it is given).
    fields: Vec<String>,
    /// Whether the body must carry it: an optional one is left out of the chain's first
    /// create, as a frontend leaves an empty select out, and of any body where the run
    /// cannot bind it.
    pub required: bool,
    /// A reference to the kind the operation writes itself (a device role's `parent`): the
    /// run binds none, and leaves an optional one out of its creates.
    own: bool,
}

/// Each operation's [`reference_slots`], by operation id, kept in the run's memo.
#[derive(Default)]
struct SlotsByOperation(std::sync::Mutex<std::collections::HashMap<String, Vec<RefSlot>>>);

/// The spec's kinds of resource ([`resources`]), read once per run (kept in its memo).
pub fn kinds(ctx: &Ctx) -> std::sync::Arc<Vec<Resource>> {
    ctx.memo.get_or_init(|| resources(ctx))
}

/// The properties of `op`'s body (at its top level, or one object down: `{"device":
/// {"site": 1}}`) that name another kind of resource by id (see [`referent`]); never the
/// kind `op` writes itself, nor an account (each is a sign-up, a password hash, and a field
/// naming a user is the caller's or an admin's business). Read once per operation.
pub fn reference_slots(ctx: &Ctx, op: &OpInfo) -> Vec<RefSlot> {
    let memo = ctx.memo.get_or_init(SlotsByOperation::default);
    if let Some(known) = memo.0.lock().ok().and_then(|m| m.get(&op.id).cloned()) {
        return known;
    }
    let mut out = Vec::new();
    if let Some(schema) = ctx.body_schema(op) {
        let doc = ctx.doc();
        // One object's, where the body may also be a list of them (NetBox's bulk create).
        let schema = crate::sample::object_branch(doc, &schema);
        let kinds = kinds(ctx);
        let kinds = kinds.as_slice();
        // (pointer, name, schema, required)
        let mut props: Vec<(String, String, Value, bool)> = Vec::new();
        let required = crate::sample::required(doc, &schema);
        for (name, prop) in mutate::properties_as_written(doc, &schema) {
            let here = format!("/{}", accord_spec::pointer::escape(&name));
            if accord_spec::follow_ref(doc, &prop)
                .get("properties")
                .is_some()
            {
                let inner_required = crate::sample::required(doc, &prop);
                for (inner, inner_prop) in mutate::properties_as_written(doc, &prop) {
                    props.push((
                        format!("{here}/{}", accord_spec::pointer::escape(&inner)),
                        inner.clone(),
                        inner_prop,
                        inner_required.contains(&inner),
                    ));
                }
            }
            let needed = required.contains(&name);
            props.push((here, name, prop, needed));
        }
        props.extend(json_api_relationships(doc, &schema));
        // The kinds by the schema a read of one answers: a property of that schema refers
        // to one (Spring PetClinic's pet's `type`, a `PetType`, what `GET
        // /pettypes/{petTypeId}` answers), whatever it is called.
        let read_as: Vec<(String, &Resource)> = kinds
            .iter()
            .filter(|k| k.parent.is_none())
            .filter_map(|k| {
                let read = k.read.as_ref()?;
                let answers = success_schema(ctx, read)?
                    .get("$ref")
                    .and_then(Value::as_str)?
                    .to_string();
                Some((answers, k))
            })
            .collect();
        for (pointer, name, prop, required) in props {
            // A list of references is bound by its items (`tags`: `[NestedTagRequest]`).
            let items = accord_spec::follow_ref(doc, &prop)
                .get("items")
                .filter(|_| {
                    accord_spec::follow_ref(doc, &prop)
                        .get("type")
                        .and_then(Value::as_str)
                        == Some("array")
                })
                .cloned();
            let list = items.is_some();
            let prop = items.unwrap_or(prop);
            let by_schema = || {
                let reference = prop.get("$ref").and_then(Value::as_str)?;
                read_as
                    .iter()
                    .find(|(answers, _)| answers == reference)
                    .map(|(_, k)| *k)
            };
            let Some(kind) = referent(&name, kinds, &op.path).or_else(by_schema) else {
                continue;
            };
            let own = op.path == kind.collection || op.path == kind.item;
            // Never an account: a sign-up, a kind named for users, or one whose create sets a
            // password of its own (a credential object inside it, Semaphore's access key's
            // `login_password`, is no account).
            if registers(ctx, &kind.create)
                || is_account_kind(kind)
                || sets_password_within(ctx, &kind.create, 0)
            {
                continue;
            }
            // An object of one's own kind is the body's wrapper (`{"article": {...}}`), no
            // reference.
            if let Some(form) = ref_form(doc, &prop).filter(|f| !(own && *f == RefForm::Object)) {
                let fields =
                    mutate::properties_as_written(doc, &crate::sample::object_branch(doc, &prop))
                        .into_iter()
                        .map(|(name, _)| name)
                        .collect();
                out.push(RefSlot {
                    pointer,
                    kind: kind.clone(),
                    form,
                    list,
                    fields,
                    required,
                    own,
                });
            }
        }
    }
    if let Ok(mut m) = memo.0.lock() {
        m.insert(op.id.clone(), out.clone());
    }
    out
}

/// The to-one relationships of a JSON:API document's body (`{"data": {"relationships":
/// {"note": {"data": {"type": "notes", "id": "1"}}}}}`), each as a reference at its `id`
/// named by its `type` (the kind whose collection is named so), whether the relationship is
/// required: (pointer, name, schema, required).
fn json_api_relationships(doc: &Value, schema: &Value) -> Vec<(String, String, Value, bool)> {
    let property = |schema: &Value, name: &str| -> Option<Value> {
        accord_spec::follow_ref(doc, schema)
            .pointer(&format!("/properties/{name}"))
            .map(|p| accord_spec::follow_ref(doc, p).clone())
    };
    let Some(relationships) = property(schema, "data").and_then(|d| property(&d, "relationships"))
    else {
        return Vec::new();
    };
    let required = crate::sample::required(doc, &relationships);
    let mut out = Vec::new();
    for (name, relationship) in mutate::properties_as_written(doc, &relationships) {
        let Some(data) = property(&relationship, "data") else {
            continue;
        };
        let (Some(kind), Some(id)) = (property(&data, "type"), property(&data, "id")) else {
            continue;
        };
        let Some(kind) = kind
            .get("enum")
            .and_then(Value::as_array)
            .and_then(|e| e.first())
            .and_then(Value::as_str)
        else {
            continue;
        };
        out.push((
            format!(
                "/data/relationships/{}/data/id",
                accord_spec::pointer::escape(&name)
            ),
            kind.to_string(),
            id,
            required.contains(&name),
        ));
    }
    out
}

/// Makes, as `identity`, one of each kind `op`'s body refers to that the run has not made
/// yet ([`referent_made`]); nothing under `--read-only`. `chain`: the kinds being made for
/// the references around this one.
pub async fn make_referents(
    ctx: &Ctx,
    op: &OpInfo,
    identity: Identity,
    chain: &[String],
) -> Result<(), Failure> {
    if ctx.read_only() {
        return Ok(());
    }
    for slot in reference_slots(ctx, op) {
        if !slot.own && !chain.contains(&slot.kind.item) && slot.kind.parent.is_none() {
            referent_made(ctx, &slot.kind, identity, chain, &slot.kind.collection).await?;
        }
    }
    Ok(())
}

/// [`make_referents`] for the kinds `op`'s body refers to under the same parent as `base`,
/// where `op` is called (a repository's access key, made in the repository's project).
async fn make_sibling_referents(
    ctx: &Ctx,
    op: &OpInfo,
    identity: Identity,
    base: &str,
    chain: &[String],
) -> Result<(), Failure> {
    if ctx.read_only() {
        return Ok(());
    }
    for slot in reference_slots(ctx, op) {
        if slot.own || chain.contains(&slot.kind.item) {
            continue;
        }
        if let Some(kind_base) = sibling_base(&slot.kind, base) {
            referent_made(ctx, &slot.kind, identity, chain, &kind_base).await?;
        }
    }
    Ok(())
}

/// [`make_referents`] for each of `ops`, as the identity each is called as: once per kind,
/// before the behaviour phase sends any of them.
pub async fn prepare_referents(ctx: &Ctx, ops: &Planned) -> Result<(), Failure> {
    let _one_at_a_time = ctx.referents_making.lock().await;
    for (op, _) in ops {
        // An operation that refers to nothing the run makes needs no referent, nor its
        // caller's session here: the spare account signs in while the phase goes on.
        if ctx.read_only() || reference_slots(ctx, op).is_empty() {
            continue;
        }
        // An operation whose caller cannot sign in (the spare account a backend does not
        // let sign in yet) is left out, and so are its referents.
        if !callable(ctx, op).await {
            continue;
        }
        make_referents(ctx, op, caller(ctx, op), &[]).await?;
    }
    Ok(())
}

/// `body` of `op` with each property that names another kind of resource by id set to the
/// one the run made for it as `identity` ([`Ctx::referents`]): an example's or a random id
/// names nothing of the backend's (NetBox refuses a device type whose manufacturer 1 does
/// not exist), or someone else's data, which a cascading delete then takes with it
/// (Spring PetClinic's seeded pet type). A property the body leaves out, or whose kind the
/// run could not make, is left as it was.
pub fn bind_made(ctx: &Ctx, op: &OpInfo, identity: Identity, body: &mut Value) -> Vec<String> {
    bind_made_in(ctx, op, identity, body, None)
}

/// [`bind_made`] for `op` called at `base`: a kind under the same parent is the one made
/// under that parent.
fn bind_made_in(
    ctx: &Ctx,
    op: &OpInfo,
    identity: Identity,
    body: &mut Value,
    base: Option<&str>,
) -> Vec<String> {
    let mut bound = Vec::new();
    for slot in reference_slots(ctx, op) {
        if slot.own || body.pointer(&slot.pointer).is_none() {
            continue;
        }
        let kind_base = match (&slot.kind.parent, base) {
            (None, _) => slot.kind.collection.clone(),
            (Some(_), Some(base)) => match sibling_base(&slot.kind, base) {
                Some(b) => b,
                None => continue,
            },
            (Some(_), None) => continue,
        };
        let Some(value) = made_value_in(ctx, &slot, identity, &kind_base) else {
            continue;
        };
        let value = if slot.list { json!([value]) } else { value };
        boundary::set(body, &slot.pointer, value);
        bound.push(slot.pointer);
    }
    bound
}

/// What `slot` takes to name the one of its kind the run made as `identity` (one item of a
/// list), if the run made one.
pub fn made_value(ctx: &Ctx, slot: &RefSlot, identity: Identity) -> Option<Value> {
    made_value_in(ctx, slot, identity, &slot.kind.collection)
}

/// [`made_value`] of the one made in `base`.
fn made_value_in(ctx: &Ctx, slot: &RefSlot, identity: Identity, base: &str) -> Option<Value> {
    let key = referent_key(identity, &slot.kind, base);
    let (id, answer) = ctx
        .referents
        .lock()
        .ok()
        .and_then(|m| m.get(&key).cloned())
        .flatten()?;
    slot_value(slot, &id, &answer)
}

/// What `slot` takes to name the resource of id `id` whose create answered `answer`.
fn slot_value(slot: &RefSlot, id: &str, answer: &Exchange) -> Option<Value> {
    match slot.form {
        RefForm::Integer => integer_id(id, answer.json()),
        RefForm::Text => Some(json!(id)),
        RefForm::Object => {
            let read = answer.json().unwrap_or(Value::Null);
            let names = id_names(&slot.kind.param);
            let fields: Vec<&str> = names.iter().map(String::as_str).collect();
            let object = unwrap_resource(&read, &fields).as_object()?;
            // What the reference's schema declares of what the create answered, where it
            // declares any.
            let kept: serde_json::Map<String, Value> = object
                .iter()
                .filter(|(k, _)| slot.fields.is_empty() || slot.fields.contains(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            Some(Value::Object(kept))
        }
    }
}

/// The number that names the resource of id `id`, whose create answered `answer`: the id
/// itself, or, for a kind addressed by a slug, the number its answer holds (Django's
/// `child` takes the child's `id`, its path `/children/{slug}/`).
fn integer_id(id: &str, answer: Option<Value>) -> Option<Value> {
    if let Ok(n) = id.parse::<i64>() {
        return Some(json!(n));
    }
    let answer = answer?;
    let object = unwrap_resource(&answer, &["id", "pk"]).as_object()?;
    ["id", "pk"]
        .iter()
        .find_map(|k| object.get(*k).filter(|v| v.is_i64()).cloned())
}

/// `body` of `op` with only the properties its schema requires ([`required_only`]).
pub fn required_only_of(ctx: &Ctx, op: &OpInfo, body: &Value) -> Value {
    match ctx.body_schema(op) {
        Some(schema) => required_only(
            ctx.doc(),
            &crate::sample::object_branch(ctx.doc(), &schema),
            body,
        ),
        None => body.clone(),
    }
}

/// `body` (of `schema`) with only the properties the schema requires, at its top level and
/// in the objects they hold.
fn required_only(doc: &Value, schema: &Value, body: &Value) -> Value {
    let properties = mutate::properties_as_written(doc, schema);
    // A map (no declared properties) is kept whole.
    let Some(members) = body.as_object().filter(|_| !properties.is_empty()) else {
        return body.clone();
    };
    let required = crate::sample::required(doc, schema);
    let kept = members
        .iter()
        .filter(|(k, _)| required.contains(k))
        .map(|(k, v)| {
            let inner = properties
                .iter()
                .find(|(name, _)| name == k)
                .map(|(_, p)| required_only(doc, accord_spec::follow_ref(doc, p), v))
                .unwrap_or_else(|| v.clone());
            (k.clone(), inner)
        })
        .collect();
    Value::Object(kept)
}

/// A resource name's collection (its last) and id: `("reactions", "2")` of
/// `memos/Ab3/reactions/2`; none where either is empty.
fn resource_name(name: &str) -> Option<(&str, &str)> {
    let (prefix, id) = name.rsplit_once('/')?;
    let collection = prefix.rsplit('/').next()?;
    (!collection.is_empty() && !id.is_empty()).then_some((collection, id))
}

/// The kind of text a property's name asks for where its schema says only `string` (no
/// format, pattern or choices): listmonk's `email`, a `website_url`.
fn named_format(name: &str, prop: &Value) -> Option<&'static str> {
    let plain = prop.get("type").and_then(Value::as_str) == Some("string")
        && ["format", "pattern", "enum", "const"]
            .iter()
            .all(|k| prop.get(k).is_none());
    if !plain {
        return None;
    }
    let word = crate::sample::squash(name);
    if word == "mail" || word.ends_with("email") {
        Some("email")
    } else if word.ends_with("url") || word.ends_with("uri") || word == "website" {
        Some("uri")
    } else if ["created", "updated", "modified", "timestamp"].contains(&word.as_str())
        || name.ends_with("_at")
        || name.ends_with("At")
        || word.ends_with("date")
        || word.ends_with("time")
    {
        // Vikunja's `created`, `due_date`: Go's `time.Time`, which its spec types as text.
        Some("date-time")
    } else {
        None
    }
}

/// Whether a member named `name` holds the user who made or owns a record, whom a server
/// sets itself: `owner`, `author`, `creator`, `created_by`, `updatedBy`.
fn names_the_caller(name: &str) -> bool {
    let word = crate::sample::squash(name);
    [
        "owner",
        "author",
        "creator",
        "createdby",
        "updatedby",
        "modifiedby",
    ]
    .contains(&word.as_str())
}

/// Whether a member named `name` is a time the server stamps on a record: `created`,
/// `updated_at`, `modifiedAt`.
fn stamped(name: &str) -> bool {
    let word = crate::sample::squash(name);
    [
        "created",
        "updated",
        "modified",
        "createdat",
        "updatedat",
        "modifiedat",
        "createdon",
        "updatedon",
    ]
    .contains(&word.as_str())
}

/// The plain text fields of `body` (of `schema`) alone, each as its name asks
/// ([`named_values`]): strings without choices that name no record (`id`, `parent_id`,
/// `tagIds`); `None` where that leaves nothing out, or nothing.
fn plain_text_of(doc: &Value, schema: &Value, body: &Value) -> Option<Value> {
    let members = body.as_object()?;
    let mut out = serde_json::Map::new();
    for (name, prop) in mutate::properties_as_written(doc, schema) {
        let prop = accord_spec::follow_ref(doc, &prop);
        let lowered = name.to_ascii_lowercase();
        let text = prop.get("type").and_then(Value::as_str) == Some("string")
            && prop.get("enum").is_none()
            && prop.get("readOnly") != Some(&Value::Bool(true))
            && !lowered.ends_with("id")
            && !lowered.ends_with("ids");
        if let Some(value) = members.get(&name).filter(|v| text && v.is_string()) {
            out.insert(name, value.clone());
        }
    }
    if out.is_empty() || out.len() == members.len() {
        return None;
    }
    let plain = Value::Object(out);
    Some(named_values(doc, schema, &plain, false, 0).unwrap_or(plain))
}

/// `body` (of `schema`) with the values the names of its plain text properties ask for (an
/// address in `email`), at its top level and one object down; with `add`, also where `body`
/// has none. Where nothing is renamed, `None`.
fn named_values(doc: &Value, schema: &Value, body: &Value, add: bool, depth: u8) -> Option<Value> {
    let mut out = body.as_object()?.clone();
    let mut changed = false;
    for (name, prop) in mutate::properties_as_written(doc, schema) {
        let prop = accord_spec::follow_ref(doc, &prop);
        if prop.get("readOnly") == Some(&Value::Bool(true)) {
            continue;
        }
        // A time is given where the body has one, never added.
        if let Some(format) = named_format(&name, prop)
            && (add && format != "date-time" || out.contains_key(&name))
        {
            let value = crate::sample::valid(doc, &json!({"type": "string", "format": format}));
            let fits = prop
                .get("maxLength")
                .and_then(Value::as_u64)
                .is_none_or(|max| value.as_str().is_some_and(|v| v.len() as u64 <= max));
            if fits {
                out.insert(name, value);
                changed = true;
            }
        } else if depth > 0
            && let Some(inner) = out.get(&name)
            && let Some(named) = named_values(doc, prop, inner, add, depth - 1)
        {
            out.insert(name, named);
            changed = true;
        }
    }
    changed.then_some(Value::Object(out))
}

/// `body` of `op` with its dates as a user logging what just happened sends them
/// ([`with_recent_times`]; `slot` moves them by hours).
/// Who takes recent times ([`recent_of`]): each has slots of its own, so that a period
/// one writes never meets another's (a backend may refuse an entry that overlaps another
/// of its kind, which would be no verdict on the value sent).
#[derive(Clone, Copy)]
pub enum Lane {
    /// The resource chain's and the referents' creates and updates.
    Chain,
    /// The boundary pass's cases, each and the request without its value.
    Boundary,
    /// The broken-input pass's cases.
    Negative,
}

impl Lane {
    /// The slot ([`with_recent_times`]) of the `n`th body of this lane.
    pub fn slot(self, n: u64) -> u64 {
        match self {
            Lane::Boundary => n % 1000,
            Lane::Negative => 1000 + n % 500,
            Lane::Chain => 1500 + n % 500,
        }
    }
}

pub fn recent_of(ctx: &Ctx, op: &OpInfo, body: &Value, slot: u64) -> Option<Value> {
    ctx.body_schema(op).map(|schema| {
        with_recent_times(
            ctx.doc(),
            &crate::sample::object_branch(ctx.doc(), &schema),
            body,
            slot,
        )
    })
}

/// `body` (of `schema`) with its dates and times as a frontend sends them when a user logs
/// what just happened: a time an hour or more ago, a date a day or more ago, and a period's
/// bounds in order, minutes apart (its start by a name like `start`, `begin` or `from`, its
/// end like `end`, `finish` or `until`). `slot` moves the whole by hours, so that two
/// creates' periods do not meet (a backend may refuse one that overlaps another of its
/// kind). A generated body's random dates break what the spec cannot state: Baby Buddy
/// refuses a feeding that ends before it starts, lasts over a day or lies in the future.
fn with_recent_times(doc: &Value, schema: &Value, body: &Value, slot: u64) -> Value {
    let properties = mutate::properties_as_written(doc, schema);
    let Some(members) = body.as_object().filter(|_| !properties.is_empty()) else {
        return body.clone();
    };
    let anchor = chrono::Utc::now() - chrono::Duration::hours(1 + (slot % 2000) as i64 * 3);
    let order = |name: &str| -> i64 {
        let name = name.to_ascii_lowercase();
        if ["start", "begin", "from", "since"]
            .iter()
            .any(|w| name.contains(w))
        {
            -40
        } else if ["end", "finish", "stop", "until"]
            .iter()
            .any(|w| name.contains(w))
            || name == "to"
            || name.ends_with("_to")
        {
            0
        } else {
            -20
        }
    };
    let kept = members
        .iter()
        .map(|(k, v)| {
            let Some((_, prop)) = properties.iter().find(|(name, _)| name == k) else {
                return (k.clone(), v.clone());
            };
            let prop = accord_spec::follow_ref(doc, prop);
            let at = anchor + chrono::Duration::minutes(order(k));
            let value = match (prop.get("format").and_then(Value::as_str), v) {
                (Some("date-time"), Value::String(_)) => {
                    json!(at.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                }
                (Some("date"), Value::String(_)) => {
                    json!(
                        (at - chrono::Duration::days(1))
                            .format("%Y-%m-%d")
                            .to_string()
                    )
                }
                (_, Value::Object(_)) => with_recent_times(doc, prop, v, slot),
                _ => v.clone(),
            };
            (k.clone(), value)
        })
        .collect();
    Value::Object(kept)
}

/// `value` without what `pointer` names, if it names something in an object.
fn unset(value: &mut Value, pointer: &str) {
    let Some((parent, last)) = pointer.rsplit_once('/') else {
        return;
    };
    let key = accord_spec::unescape_token(last);
    if let Some(Value::Object(map)) = value.pointer_mut(parent) {
        map.remove(&key);
    }
}

/// One `kind` the run made as `identity` to refer to (its id and the create's answer):
/// the one made before, or one made now (its references made first, up to
/// [`REFERENCE_DEPTH`] kinds deep). `None` where it cannot be made.
async fn referent_made(
    ctx: &Ctx,
    kind: &Resource,
    identity: Identity,
    chain: &[String],
    base: &str,
) -> Result<Option<(String, Exchange)>, Failure> {
    let key = referent_key(identity, kind, base);
    if let Some(made) = ctx.referents.lock().ok().and_then(|m| m.get(&key).cloned()) {
        return Ok(made);
    }
    let made = if chain.len() >= REFERENCE_DEPTH {
        None
    } else {
        let mut inner = chain.to_vec();
        inner.push(kind.item.clone());
        match Box::pin(create_bound(ctx, kind, identity, 0x7ef, base, &inner, None)).await {
            Ok(Some(created)) => {
                let paths = ctx.memo.get_or_init(ReferentPaths::default);
                if let Ok(mut paths) = paths.0.lock() {
                    paths.insert(key.clone(), created.path.clone());
                }
                Some((created.id, created.answer))
            }
            Ok(None) => None,
            // A referent the backend will not make: the reference stays as it was, and the
            // create that needs it says what it got.
            Err(f) if f.rule == Rule::Created => None,
            Err(f) => return Err(f),
        }
    };
    if let Ok(mut m) = ctx.referents.lock() {
        m.insert(key, made.clone());
    }
    Ok(made)
}

/// `lean`, a body without its `optional` references, with those the refusal `e` names
/// (a property's name quoted in its body: DRF's `{"child": ["This field is required."]}`,
/// FastAPI's `"loc": ["body", "child"]`) as `full` has them.
fn asked_for(e: &Exchange, optional: &[RefSlot], lean: &Value, full: &Value) -> Value {
    let text = e.text();
    let mut asked = lean.clone();
    for slot in optional {
        let name = slot.pointer.rsplit('/').next().unwrap_or_default();
        if name.is_empty() || !text.contains(&format!("\"{name}\"")) {
            continue;
        }
        if let Some(value) = full.pointer(&slot.pointer) {
            boundary::set(&mut asked, &slot.pointer, value.clone());
        }
    }
    asked
}

/// Where each referent the run made is ([`referent_made`]), by identity and kind.
#[derive(Default)]
struct ReferentPaths(std::sync::Mutex<std::collections::HashMap<(Identity, String), String>>);

/// Forgets each referent `op`'s body names as `identity` that no longer reads (404, 410:
/// the backend consumed it, as a feeding its timer), so that the next binding makes
/// another; whether any was forgotten.
async fn evict_gone_referents(ctx: &Ctx, op: &OpInfo, identity: Identity) -> bool {
    let paths = ctx.memo.get_or_init(ReferentPaths::default);
    let mut kinds: Vec<String> = reference_slots(ctx, op)
        .iter()
        .map(|slot| slot.kind.item.clone())
        .collect();
    kinds.sort();
    kinds.dedup();
    let mut evicted = false;
    for kind in kinds {
        let key = (identity, kind);
        let Some(path) = paths.0.lock().ok().and_then(|p| p.get(&key).cloned()) else {
            continue;
        };
        let Ok(e) = send_as(ctx, identity, Request::new("GET", path)).await else {
            continue;
        };
        if matches!(e.status, 404 | 410) {
            if let Ok(mut referents) = ctx.referents.lock() {
                referents.remove(&key);
            }
            if let Ok(mut paths) = paths.0.lock() {
                paths.remove(&key);
            }
            evicted = true;
        }
    }
    evicted
}

/// [`create_in`], its body's references bound first ([`bind_made`]); `chain` as in
/// [`make_referents`].
async fn create_bound(
    ctx: &Ctx,
    resource: &Resource,
    identity: Identity,
    salt: u64,
    base: &str,
    chain: &[String],
    made: Option<&[Created]>,
) -> Result<Option<Created>, Failure> {
    let op = &resource.create;
    // A required reference to a kind neither the run nor this chain made: the create would
    // name someone else's record ([`names_unmade`]).
    let unmade = unmade_reference(ctx, op, identity, made);
    if let Some(slot) = unmade.filter(|_| !ctx.profile.behaviour.disposable) {
        ctx.http.note(format!(
            "behaviour: {} is left out of the resource checks: {}",
            op.id,
            unmade_said(&slot)
        ));
        return Ok(None);
    }
    let recent = |body: &Value| recent_of(ctx, op, body, Lane::Chain.slot(salt ^ scenario()));
    // The name the run gives an item the client names: its own, never one that exists.
    let chosen = resource.chosen.then(|| chosen_name(ctx, salt));
    let mut bodies = Vec::new();
    // Each scenario's creates differ: a backend that keeps a field unique (a title made a
    // slug) would refuse a second scenario's identical body.
    if let Some(b) = write_body(ctx, op, ctx.seed ^ salt ^ scenario().rotate_left(17)) {
        // Then the same with only what the schema requires: an optional field the run
        // cannot fill truthfully (a reference to one of its own kind, NetBox's `parent`; a
        // choice the deployment restricts) leaves the create to what must be there.
        let minimal = required_only_of(ctx, op, &b);
        // Then with its dates as of a moment ago.
        let recent = recent(&b);
        bodies.push(b);
        for body in recent.into_iter().chain([minimal]) {
            if !bodies.contains(&body) {
                bodies.push(body);
            }
        }
    }
    let mut named = Vec::new();
    if let Some(schema) = ctx.body_schema(op) {
        let schema = crate::sample::object_branch(ctx.doc(), &schema);
        let example = crate::sample::valid(ctx.doc(), &schema);
        if !bodies.contains(&example) {
            bodies.push(example);
        }
        // Last, the values the names of plain text fields ask for: listmonk's subscriber
        // takes only an address in the `email` its spec types as any string. Its required
        // fields with those named fields alone (a random choice in another field may be
        // refused, or crash it), then the generated body so.
        if let Some(full) = bodies.first().cloned() {
            let minimal = required_only(ctx.doc(), &schema, &full);
            // And its plain text alone, as a form of text inputs sends it, where the spec
            // requires nothing and the backend refuses what the generated body makes up
            // around it (Vikunja's project: a made-up parent, an owner, a subscription).
            let plain = plain_text_of(ctx.doc(), &schema, &full);
            for body in [
                named_values(ctx.doc(), &schema, &minimal, true, 1),
                named_values(ctx.doc(), &schema, &full, false, 1),
                plain,
            ]
            .into_iter()
            .flatten()
            {
                if !bodies.contains(&body) {
                    named.push(body.clone());
                    bodies.push(body);
                }
            }
        }
    }
    if bodies.is_empty() {
        bodies.push(Value::Null);
    }
    let mut chain = chain.to_vec();
    chain.push(resource.item.clone());
    let unbound = bodies;
    let optional: Vec<RefSlot> = reference_slots(ctx, op)
        .into_iter()
        .filter(|slot| !slot.required)
        .collect();
    let (mut last, mut empty, mut nameless) = (None, None, None);
    let mut crashed: Option<Exchange> = None;
    // Twice at most: a referent the backend has since consumed (a feeding stops, and
    // deletes, the timer it names) is made again, and the bodies bound to the new one.
    for attempt in 0..2 {
        if attempt == 1 && !evict_gone_referents(ctx, op, identity).await {
            break;
        }
        make_referents(ctx, op, identity, &chain).await?;
        make_sibling_referents(ctx, op, identity, base, &chain).await?;
        let mut bodies = unbound.clone();
        for body in &mut bodies {
            bind_body(ctx, op, identity, made, body, Some(base));
            name_parent(resource, base, body);
            if let Some(id) = &chosen {
                *body = named_item(resource, id, std::mem::take(body));
            }
        }
        // The named bodies come last.
        let named_bound = bodies[bodies.len() - named.len()..].to_vec();
        // The chain's create goes first as a frontend's form is sent: without the optional
        // references (an empty select), then with those the backend's refusal names.
        let full = bodies.first().cloned();
        let lean = full
            .clone()
            .filter(|_| made.is_some())
            .map(|full| without_slots(&full, &optional));
        let mut bodies: std::collections::VecDeque<(Value, bool)> =
            bodies.into_iter().map(|b| (b, false)).collect();
        if let Some(lean) = lean.filter(|lean| full.as_ref() != Some(lean)) {
            bodies.push_front((lean, true));
        }
        while let Some((body, is_lean)) = bodies.pop_front() {
            let inputs = Inputs {
                params: Vec::new(),
                body: (!body.is_null()).then(|| body.clone()),
            };
            let mut sent = request(ctx, op, &inputs);
            sent.target = match &chosen {
                Some(id) => item_path_in(resource, base, id),
                None => base.to_string(),
            };
            // The query the create requires, as the spec's example (or its schema) gives it:
            // LNbits's `POST /api/v1/tinyurl?url=...` makes its short URL from `url` alone.
            for (p, v) in required_query(ctx, op) {
                for (name, value) in p.style.pairs(&p.name, &v) {
                    sent.target = crate::http::with_query(&sent.target, &name, &value);
                }
            }
            let e = send_as(ctx, identity, sent).await?;
            if (200..300).contains(&e.status) {
                // What the answer breaks of the spec is a spec finding of its own; the chain goes on
                // as long as the answer names the resource.
                let id = match created_id(ctx, resource, &e)
                    .or_else(|| named_in_body(resource, &body))
                {
                    Some(id) => Some(id),
                    None => found_in_list(ctx, resource, base, identity, &body).await,
                };
                let Some(id) = id else {
                    let failure = Failure::new(
                        Rule::Created,
                        format!(
                            "{} answered {} without an id: no link, no `{}` or `id` in the body, no Location",
                            op.id, e.status, resource.param
                        ),
                    )
                    .with(&e);
                    // A later body may name it (the lean body left out the `user_id` that
                    // names what an association makes).
                    if bodies.is_empty() {
                        return Err(failure);
                    }
                    nameless = Some(failure);
                    continue;
                };
                if id.is_empty() {
                    // Made, and named by nothing: no path reaches it (a slug of a title without
                    // a letter). The chain needs one it can address: the next body is tried.
                    ctx.http.note(format!(
                        "behaviour: {} answered {} with an empty id for {}: nothing can address what it made, and the run cannot delete it",
                        op.id,
                        e.status,
                        describe(&request(ctx, op, &inputs))
                    ));
                    empty = Some(e);
                    continue;
                }
                let path = item_path_in(resource, base, &id);
                if let Some(why) = pre_existing(ctx, resource, &e, &id) {
                    // A get-or-create answered what it had: none of the chain's to check.
                    ctx.http.note(format!(
                        "behaviour: {} answered {} with {path}, which was there before the run ({why}): the chain leaves it alone and tries its next body",
                        op.id, e.status
                    ));
                    last = Some(e);
                    continue;
                }
                if resource.delete.is_some() {
                    record(ctx, identity, path.clone());
                }
                if named_bound.contains(&body) {
                    ctx.http.note(format!(
                        "behaviour: {} took a body only with the values the names of its plain text fields ask for (an address in `email`): the spec does not say so (a `format` would)",
                        op.id
                    ));
                }
                if let Some(crash) = &crashed {
                    ctx.http.note(format!(
                        "behaviour: {} answered a server error ({}) to a body before the one that made its resource: the generated calls judge it",
                        op.id, crash.status
                    ));
                }
                return Ok(Some(Created {
                    resource: resource.clone(),
                    id,
                    path,
                    base: base.to_string(),
                    sent: body,
                    answer: e,
                }));
            }
            if e.status == 403 && ctx.refusal_status(op) != 403 {
                ctx.forbidden(&op.id);
                return Ok(None);
            }
            // An administrator's route answered 404 is hidden from the signed-in identity
            // (Vikunja's `POST /admin/users`), as a 403 would refuse it.
            if e.status == 404 && crate::context::administrative(&op.path) {
                ctx.http.note(format!(
                    "behaviour: {} answers the signed-in identity 404 under an administrator's path, as a route hidden from another role: no resource of it is made",
                    op.id
                ));
                return Ok(None);
            }
            // A run without credentials asks as a visitor; a create that asks for them is
            // the backend defending itself (Kinto's `POST /buckets`).
            if matches!(e.status, 401 | 403) && ctx.anonymous() {
                ctx.http.note(format!(
                    "behaviour: {} asks for credentials ({}) to create, and the run has none (the profile has no [auth])",
                    op.id, e.status
                ));
                return Ok(None);
            }
            // A server error for one body (Homebox's 500 for a `parentId` that names
            // nothing) is the generated calls' finding; the simpler bodies after it may make
            // the resource the chain's checks need. Only when none does is it the reason.
            if e.status >= 500 {
                crashed.get_or_insert(e);
                continue;
            }
            if is_lean && let Some(full) = &full {
                let asked = asked_for(&e, &optional, &body, full);
                if asked != body {
                    // And with its dates as of a moment ago, before any body that names more.
                    if let Some(recent) = recent(&asked).filter(|r| *r != asked) {
                        bodies.push_front((recent, false));
                    }
                    bodies.push_front((asked, false));
                }
            }
            last = Some(e);
        }
    }
    if let Some(e) = crashed {
        return Err(Failure::new(
            Rule::Created,
            format!("{} answered a server error ({})", op.id, e.status),
        )
        .with(&e));
    }
    if let Some(failure) = nameless {
        return Err(failure);
    }
    if let Some(e) = empty {
        return Err(Failure::new(
            Rule::Created,
            format!(
                "{} answered {} with an empty id: what it made can be neither read nor deleted",
                op.id, e.status
            ),
        )
        .with(&e));
    }
    let e = last.unwrap_or_else(Exchange::none);
    Err(Failure::new(
        Rule::Created,
        format!(
            "{} refused a generated body, its required fields alone{} and the spec's own example ({})",
            op.id,
            if named.is_empty() {
                ""
            } else {
                ", the values the names of its fields ask for"
            },
            e.status
        ),
    )
    .with(&e))
}

/// The properties of `sent` a read of the resource (answered with `read_schema`, when the
/// read documents one) must return as sent, and the first difference, if any. Only what the
/// spec says persists is compared: secrets, write-only and read-only fields, fields the read's
/// schema lacks or types otherwise, and a field declared nullable that reads back `null` (the
/// server fills it later) are left out. A wrapped answer (`{"article": {...}}`) is unwrapped.
pub fn differs(
    ctx: &Ctx,
    op: &OpInfo,
    sent: &Value,
    read: &Value,
    read_schema: Option<&Value>,
    previous: Option<&Value>,
) -> Option<String> {
    let doc = ctx.doc();
    let schema = ctx.body_schema(op)?;
    let fields: Vec<&str> = sent.as_object()?.keys().map(String::as_str).collect();
    let unwrapped = unwrap_resource(read, &fields);
    let read_schema = read_schema.map(|s| {
        let s = accord_spec::follow_ref(doc, s).clone();
        if std::ptr::eq(unwrapped, read) {
            return s;
        }
        // The read's schema of a wrapped answer: the wrapping property's schema.
        s.get("properties")
            .and_then(Value::as_object)
            .and_then(|p| {
                let (name, _) = read
                    .as_object()?
                    .iter()
                    .find(|(_, v)| std::ptr::eq(*v, unwrapped))?;
                p.get(name).map(|v| accord_spec::follow_ref(doc, v).clone())
            })
            .unwrap_or(s)
    });
    // A `name` the backend answers as the resource's own name (AIP-122's
    // `identity-providers/Gus4`, a segment of the write's path before its id) is the
    // server's to give, whatever was sent: the spec's generator marks it no `readOnly`.
    let mut sent = sent.clone();
    if let Some(Value::String(own)) = unwrapped.get("name")
        && let Some((collection, _)) = resource_name(own)
        && op.path.split('/').any(|segment| segment == collection)
        && let Some(members) = sent.as_object_mut()
    {
        members.remove("name");
    }
    compare(
        doc,
        &schema,
        read_schema.as_ref(),
        &sent,
        unwrapped,
        "",
        previous,
    )
}

/// The members of `c`'s create body that the backend sets itself at creation: a flag or a
/// choice (a boolean, a value of an `enum`) that the create's own answer gives otherwise
/// than it was sent, and that `read` (what reads back) gives as that answer did, as a new
/// to-do that is never complete whatever is sent (springdoc marks no such field
/// `readOnly`). With `c`'s body without them, for the read-back comparison; what was made
/// is what reads back, and the spec's gap is a finding of its own.
pub fn set_at_create(ctx: &Ctx, c: &Created, read: &Value) -> (Value, Vec<String>) {
    let mut sent = c.sent.clone();
    let Some(members) = c.sent.as_object() else {
        return (sent, Vec::new());
    };
    let fields: Vec<&str> = members.keys().map(String::as_str).collect();
    let answer = c.answer.json().unwrap_or(Value::Null);
    let answered = unwrap_resource(&answer, &fields);
    let read = unwrap_resource(read, &fields);
    let schema = ctx.body_schema(&c.resource.create).unwrap_or(Value::Null);
    let choice = |name: &str, value: &Value| {
        value.is_boolean()
            || schema
                .pointer(&format!("/properties/{}", accord_spec::escape_token(name)))
                .map(|p| accord_spec::follow_ref(ctx.doc(), p))
                .is_some_and(|p| p.get("enum").is_some())
    };
    let decided: Vec<String> = members
        .iter()
        .filter(|(name, value)| {
            choice(name, value)
                && answered.get(name.as_str()).is_some_and(|a| {
                    !a.is_null() && a != *value && read.get(name.as_str()) == Some(a)
                })
        })
        .map(|(name, _)| name.clone())
        .collect();
    if let Some(body) = sent.as_object_mut() {
        for name in &decided {
            body.remove(name);
        }
    }
    (sent, decided)
}

/// A new name of the run's for an item the client names (`Resource::chosen`): its own,
/// never one that exists (`salt` tells one caller's from another's).
pub fn chosen_name(ctx: &Ctx, salt: u64) -> String {
    static MADE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    format!(
        "accord-{:08x}-{}",
        (ctx.seed ^ salt) as u32,
        MADE.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    )
}

/// `body` of a write to an item the client names (`resource.chosen`) with the members that
/// name the item set to `id`: one named like its path parameter (`path` for `{path}`) and a
/// `name`, as a frontend sends the name it puts the item at (Jupyter takes the path's and
/// ignores the body's, which would read back otherwise). Any other body as it is.
pub fn named_item(resource: &Resource, id: &str, mut body: Value) -> Value {
    if !resource.chosen {
        return body;
    }
    let param = plain_name(&resource.param);
    if let Some(object) = body.as_object_mut() {
        for (name, value) in object.iter_mut() {
            let own = plain_name(name);
            if (own == param || own == "name") && value.is_string() {
                *value = json!(id);
            }
        }
    }
    body
}

/// `body` with the resource's own `id` where it carries one, at its top or in the one object
/// that wraps it (`{"data": {"id": ...}}`): an update sends back the id it read, a number
/// where the body had a number.
pub fn with_own_id(mut body: Value, id: &str) -> Value {
    fn set(object: &mut serde_json::Map<String, Value>, id: &str) -> bool {
        let Some(slot) = object.get_mut("id") else {
            return false;
        };
        *slot = match (&*slot, id.parse::<i64>()) {
            (Value::Number(_), Ok(n)) => json!(n),
            _ => json!(id),
        };
        true
    }
    if let Some(object) = body.as_object_mut()
        && !set(object, id)
        && object.len() <= 2
    {
        for inner in object.values_mut() {
            if let Some(inner) = inner.as_object_mut()
                && set(inner, id)
            {
                break;
            }
        }
    }
    body
}

/// Whether `value` is of the JSON Schema `type` (an integer is a number).
fn json_type_fits(value: &Value, r#type: &str) -> bool {
    match value {
        Value::Null => r#type == "null",
        Value::Bool(_) => r#type == "boolean",
        Value::Number(n) => {
            r#type == "number" || (r#type == "integer" && (n.is_i64() || n.is_u64()))
        }
        Value::String(_) => r#type == "string",
        Value::Array(_) => r#type == "array",
        Value::Object(_) => r#type == "object",
    }
}

/// Whether `read` is what was `written`: text alike but for case and surrounding space,
/// numbers equal; a reference written as an id reads back as the object it names (`5` as
/// `{"id": 5, "name": ...}`, NetBox's); an object reads back with at least what was written
/// of it (a nested tag written as `{"name", "slug"}` reads back with its `id` and `url` too);
/// a list stored as a set (tags) comes back in the server's order: the same items, whatever
/// the order.
fn reads_as(written: &Value, read: &Value) -> bool {
    match (written, read) {
        // One instant, however written: `2012-12-22T09:27:12Z` reads back from a JavaScript
        // `Date` as `2012-12-22T09:27:12.000Z`, from Python as `...+00:00`.
        // Trimmed, as many frameworks store text (DRF's `trim_whitespace`); lower-cased only
        // where it is one word (an address, a user name, a code, which a backend may
        // normalize): a title or a name read back in another case was changed.
        (Value::String(a), Value::String(b)) => {
            let (a, b) = (a.trim(), b.trim());
            a == b
                || (!a.contains(char::is_whitespace) && a.to_lowercase() == b)
                || matches!(
                    (
                        chrono::DateTime::parse_from_rfc3339(a),
                        chrono::DateTime::parse_from_rfc3339(b),
                    ),
                    (Ok(x), Ok(y)) if x == y
                )
        }
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::Number(_) | Value::String(_), Value::Object(named)) => {
            named.get("id").is_some_and(|id| reads_as(written, id))
        }
        (Value::Object(a), Value::Object(b)) => a
            .iter()
            .filter(|(_, v)| !v.is_null())
            .all(|(k, v)| b.get(k).is_some_and(|got| reads_as(v, got))),
        (Value::Array(a), Value::Array(b)) => {
            if a.len() != b.len() {
                return false;
            }
            let mut left: Vec<&Value> = b.iter().collect();
            a.iter()
                .all(|w| match left.iter().position(|r| reads_as(w, r)) {
                    Some(i) => {
                        left.remove(i);
                        true
                    }
                    None => false,
                })
        }
        (a, b) => a == b,
    }
}

/// The first difference between what was `sent` (of `schema`) and what was `read` (of
/// `read_schema`), member by member and into nested objects.
/// Whether a property's name says it counts something (`count`, `bookmark_count`,
/// `favoritesCount`, `total`).
fn counts(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower == "count"
        || lower == "total"
        || lower.ends_with("_count")
        || lower.ends_with("count") && name.contains("Count")
}

/// `previous`: what was written before this write (`null` for a create), where a list may
/// come back with items the server adds to what was written (Kinto keeps its caller in an
/// object's `write` principals), never with what was written before (a write that merged
/// where it should have replaced); `None`: lists come back as written.
fn compare(
    doc: &Value,
    schema: &Value,
    read_schema: Option<&Value>,
    sent: &Value,
    read: &Value,
    at: &str,
    previous: Option<&Value>,
) -> Option<String> {
    let schema = accord_spec::follow_ref(doc, schema);
    let read_schema = read_schema.map(|s| accord_spec::follow_ref(doc, s));
    for (name, value) in sent.as_object()? {
        let prop = schema
            .pointer(&format!("/properties/{name}"))
            .map(|p| accord_spec::follow_ref(doc, p).clone())
            .unwrap_or(json!({}));
        if prop.get("writeOnly") == Some(&Value::Bool(true))
            || prop.get("format").and_then(Value::as_str) == Some("password")
            || crate::http::is_secret_name(name)
        {
            continue;
        }
        // `null` in a write means "clear" to some frameworks and "leave" to others.
        if value.is_null() {
            continue;
        }
        // The resource's own `id` is the server's to give: one a create sent is no value
        // written (Vikunja's project schema, one struct for both ways, has a plain `id`).
        if at.is_empty() && name == "id" {
            continue;
        }
        // Links are the server's to make, wherever they sit: JSON:API's `links` (a
        // document's schema for both ways, its `self` the resource's own URL), HAL's
        // `_links`.
        if name == "links" || name == "_links" {
            continue;
        }
        let Some(got) = read.get(name) else { continue };
        // A count the server keeps (shiori's tag `bookmark_count`, a `commentsCount`) is its
        // own, whatever a write sends: the spec's generator wrote one struct for both ways.
        if value.is_number() && got.is_number() && counts(name) {
            continue;
        }
        // So is a time it stamps (Vikunja's `created` and `updated`, in a schema that is one
        // struct for both ways).
        if at.is_empty() && stamped(name) {
            continue;
        }
        let mut read_prop = None;
        if let Some(rs) = read_schema {
            let found = rs
                .pointer(&format!("/properties/{name}"))
                .map(|p| accord_spec::follow_ref(doc, p).clone());
            // The read's schema does not carry it back: nothing to compare.
            if found.is_none() && rs.get("properties").is_some() {
                continue;
            }
            let rp = found.unwrap_or(json!({}));
            if rp.get("readOnly") == Some(&Value::Bool(true)) {
                continue;
            }
            // Declared nullable and read back `null`: the server fills it in later.
            if got.is_null() && rp.get("nullable") == Some(&Value::Bool(true)) {
                continue;
            }
            let type_of = |p: &Value| p.get("type").and_then(Value::as_str).map(String::from);
            if let (Some(a), Some(b)) = (type_of(&prop), type_of(&rp))
                && a != b
            {
                continue;
            }
            // Written as one JSON type, read as another the read's schema declares: an id
            // written that reads back as the object it names, a choice's value that reads
            // back as `{"value", "label"}` (NetBox's, where the write's schema is a `oneOf`
            // of both): the read types it otherwise, nothing to compare.
            if let Some(b) = type_of(&rp)
                && !json_type_fits(value, &b)
            {
                continue;
            }
            // Written as a value the read's schema says it never reads back as (Jupyter's
            // contents: any text written as `type`, read as one of `directory`, `file`,
            // `notebook`): the read's own values are its to give.
            if rp
                .get("enum")
                .and_then(Value::as_array)
                .is_some_and(|e| !e.contains(value))
            {
                continue;
            }
            read_prop = Some(rp);
        }
        let here = format!("{at}{name}");
        // An object the server resolved to a record of its own reads back with an id the
        // write did not give it: the creator Vikunja sets in `created_by`, whatever a body
        // says there. Nothing of it was written. Another id than the one written is a
        // reference not kept (a pet's `type`), but where the member names the caller, whom
        // the server sets (`owner`, `author`, `created_by`).
        if value.is_object()
            && let Some(id) = got.get("id").filter(|id| !id.is_null())
            && value.get("id") != Some(id)
            && (value.get("id").is_none() || names_the_caller(name))
        {
            continue;
        }
        if value.is_object() && got.is_object() {
            if let Some(d) = compare(
                doc,
                &prop,
                read_prop.as_ref(),
                value,
                got,
                &format!("{here}."),
                previous.map(|p| p.get(name).unwrap_or(&Value::Null)),
            ) {
                return Some(d);
            }
            continue;
        }
        if let Some(previous) = previous
            && let (Value::Array(written), Value::Array(items)) = (value, got)
            && items.len() > written.len()
        {
            let before: Vec<&Value> = previous
                .get(name)
                .and_then(Value::as_array)
                .map(|b| b.iter().collect())
                .unwrap_or_default();
            let mut left: Vec<&Value> = items.iter().collect();
            let kept = written
                .iter()
                .all(|w| match left.iter().position(|r| reads_as(w, r)) {
                    Some(i) => {
                        left.remove(i);
                        true
                    }
                    None => false,
                });
            if kept
                && !left
                    .iter()
                    .any(|extra| before.iter().any(|b| reads_as(b, extra)))
            {
                continue;
            }
        }
        if !reads_as(value, got) {
            return Some(format!(
                "`{here}` was written as {value} and reads back as {got}"
            ));
        }
    }
    None
}

/// What `created`'s create body refers to by id: an object in it (at any depth, an array's
/// items too) whose schema is the one a read of an item answers (`GET /pettypes/{petTypeId}`,
/// one path parameter, last), whether the run can create such items or not (Spring
/// PetClinic's pet names its `type`, a `PetType`), each as the pointer it is at and the item
/// path of what it names.
pub fn references(ctx: &Ctx, created: &Created) -> Vec<(String, String)> {
    let Some(schema) = ctx.body_schema(&created.resource.create) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    refs_in(
        ctx.doc(),
        &schema,
        &created.sent,
        String::new(),
        0,
        &mut found,
    );
    if found.is_empty() {
        return Vec::new();
    }
    // The reads of one item, by the schema they answer.
    let reads: Vec<(String, String, String)> = ctx
        .all_operations()
        .into_iter()
        .filter(|(o, _)| o.method == "GET")
        .filter_map(|(o, _)| {
            let param = item_param(&o.path)?.to_string();
            let answers = success_schema(ctx, &o)?
                .get("$ref")
                .and_then(Value::as_str)?
                .to_string();
            Some((o.path.clone(), param, answers))
        })
        .collect();
    let mut out: Vec<(String, String)> = Vec::new();
    for (pointer, reference, object) in found {
        for (item, param, _) in reads.iter().filter(|(_, _, a)| *a == reference) {
            let Some(id) = find_id(&object, &id_names(param)) else {
                continue;
            };
            let path = item.replace(&format!("{{{param}}}"), &path_encode(&id));
            if path != created.path && !out.iter().any(|(_, p)| *p == path) {
                out.push((pointer.clone(), path));
            }
        }
    }
    out
}

/// The objects of `value` (a body of `schema`) whose property schema is a `$ref`: each with
/// its pointer, the reference and the object.
fn refs_in(
    doc: &Value,
    schema: &Value,
    value: &Value,
    at: String,
    depth: usize,
    out: &mut Vec<(String, String, Value)>,
) {
    let Some(members) = value.as_object().filter(|_| depth <= 4) else {
        return;
    };
    for (name, v) in members {
        let Some((_, property)) = mutate::properties_as_written(doc, schema)
            .into_iter()
            .find(|(k, _)| k == name)
        else {
            continue;
        };
        let here = format!("{at}/{}", accord_spec::pointer::escape(name));
        let mut visit = |schema: &Value, v: &Value, pointer: String| {
            if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
                out.push((pointer.clone(), reference.to_string(), v.clone()));
            }
            refs_in(doc, schema, v, pointer, depth + 1, out);
        };
        match v {
            Value::Object(_) => visit(&property, v, here),
            Value::Array(items) => {
                if let Some(item) = accord_spec::follow_ref(doc, &property).get("items") {
                    for (i, v) in items.iter().enumerate().filter(|(_, v)| v.is_object()) {
                        visit(item, v, format!("{here}/{i}"));
                    }
                }
            }
            _ => {}
        }
    }
}

/// The JSON schema of `op`'s first success answer (a 2xx, or the `default` of an operation
/// that documents no 2xx).
pub fn success_schema(ctx: &Ctx, op: &OpInfo) -> Option<Value> {
    let (_, response) = accord_spec::success_responses(&op.op).into_iter().next()?;
    let response = accord_spec::follow_ref(ctx.doc(), response);
    accord_spec::media::json_content(response.get("content")?.as_object()?)
        .and_then(|(_, m)| m.get("schema").cloned())
}

/// Whether `text` names the id `id`: is it, or a resource name or path ending in it
/// (`memos/m0008x`, AIP-122's).
fn names_id(text: &str, id: &str) -> bool {
    text == id || resource_name(text).is_some_and(|(_, last)| last == id)
}

/// Whether a JSON answer holds `id` anywhere as a string or number.
pub fn contains_id(value: &Value, id: &str) -> bool {
    match value {
        Value::String(s) => names_id(s, id),
        Value::Number(n) => n.to_string() == id,
        Value::Array(items) => items.iter().any(|i| contains_id(i, id)),
        // A list answered as an object keyed by the items' ids (changedetection.io's
        // watches: `{"<uuid>": {...}, ...}`) names each by its key.
        Value::Object(m) => m
            .iter()
            .any(|(k, v)| (v.is_object() && names_id(k, id)) || contains_id(v, id)),
        _ => false,
    }
}

/// Whether the answer `e` shows the created resource `c` to whoever asked: a 2xx whose body
/// has an object naming its id under an id-like member (`id`, `vehicle_id`, `slug`), or any
/// answer with an object naming its id beside text the create sent. An error that echoes
/// the id it was asked for (`{"detail": {"params": {"id": 12}}}`) shows nothing, nor does a
/// count that happens to equal it (`{"items": [], "total": 12}`).
pub fn shows(e: &Exchange, c: &Created) -> bool {
    fn id_like(key: &str) -> bool {
        let lower = key.to_ascii_lowercase();
        lower.ends_with("id")
            || [
                "slug", "uuid", "pk", "key", "name", "username", "handle", "code",
            ]
            .contains(&lower.as_str())
    }
    fn walk(v: &Value, id: &str, ok: bool, sent: &[String]) -> bool {
        match v {
            Value::Array(items) => items.iter().any(|i| walk(i, id, ok, sent)),
            Value::Object(m) => {
                let named = m.iter().any(|(k, v)| {
                    let is_id = match v {
                        Value::String(s) => names_id(s, id),
                        Value::Number(n) => n.to_string() == id,
                        _ => false,
                    };
                    is_id
                        && ((ok && id_like(k)) || {
                            let mut here = Vec::new();
                            texts(&Value::Object(m.clone()), &mut here);
                            here.iter().any(|t| sent.contains(t))
                        })
                });
                named || m.values().any(|i| walk(i, id, ok, sent))
            }
            _ => false,
        }
    }
    let Some(body) = e.json() else {
        return false;
    };
    let mut sent = Vec::new();
    texts(&c.sent, &mut sent);
    walk(&body, &c.id, (200..300).contains(&e.status), &sent)
}

/// Whether the list answer `e` names `c` as one of its items, strictly: an object holding
/// `c`'s id under the member the create's answer named it by (`id`, `slug`...), or an `ids`
/// array holding it (Flask AppBuilder's lists). Where [`shows`] also takes an object beside
/// text the create sent, a deleted feeding is not taken for another that shares its type.
pub fn lists(e: &Exchange, c: &Created) -> bool {
    (200..300).contains(&e.status)
        && e.json()
            .is_some_and(|body| lists_in(&body, &c.answer.json().unwrap_or(Value::Null), &c.id))
}

/// Whether the list `body` names the item `id`, which the create answered `answer` for
/// ([`lists`]).
fn lists_in(body: &Value, answer: &Value, id: &str) -> bool {
    // The records are the objects of an array, each named by its own member: what they
    // embed (a user's `roles: [{"id": 6}]`, its `changed_by`) names other records.
    fn walk(v: &Value, key: &str, id: &str) -> bool {
        match v {
            Value::Array(items) => items.iter().any(|i| match i {
                Value::Object(record) => record.get(key).is_some_and(|v| names_item(v, id)),
                other => walk(other, key, id),
            }),
            Value::Object(m) => m.iter().any(|(k, v)| {
                (k == "ids"
                    && v.as_array()
                        .is_some_and(|a| a.iter().any(|i| names_item(i, id))))
                    || walk(v, key, id)
            }),
            _ => false,
        }
    }
    walk(body, &own_member(answer, id), id)
}

/// The member the create's `answer` names the item `id` by (`id` first, at most two
/// objects deep), `id` where it names it by none.
fn own_member(answer: &Value, id: &str) -> String {
    fn member(v: &Value, id: &str, depth: usize) -> Option<String> {
        let m = v.as_object()?;
        if m.get("id").is_some_and(|v| names_item(v, id)) {
            return Some("id".into());
        }
        m.iter()
            .find(|(_, v)| names_item(v, id))
            .map(|(k, _)| k.clone())
            .or_else(|| {
                (depth < 2)
                    .then(|| m.values().find_map(|v| member(v, id, depth + 1)))
                    .flatten()
            })
    }
    member(answer, id, 0).unwrap_or_else(|| "id".into())
}

/// Whether `v` (a member's value) is the item id `id`.
fn names_item(v: &Value, id: &str) -> bool {
    match v {
        Value::String(s) => names_id(s, id),
        Value::Number(n) => n.to_string() == id,
        _ => false,
    }
}

/// The record `c` as the list answer `e` holds it: the object of one of its arrays named
/// by `c`'s id under the member the create's answer named it by ([`lists`]). What a
/// resource without a read of its own reads back as.
pub fn listed_record(e: &Exchange, c: &Created) -> Option<Value> {
    fn find(v: &Value, key: &str, id: &str) -> Option<Value> {
        match v {
            Value::Array(items) => items.iter().find_map(|i| match i {
                Value::Object(record) if record.get(key).is_some_and(|v| names_item(v, id)) => {
                    Some(i.clone())
                }
                other => find(other, key, id),
            }),
            Value::Object(m) => m.values().find_map(|v| find(v, key, id)),
            _ => None,
        }
    }
    let body = e.json()?;
    let answer = c.answer.json().unwrap_or(Value::Null);
    find(&body, &own_member(&answer, &c.id), &c.id)
}

/// The text of `v` long enough (6 characters) to tell one resource from another.
fn texts(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) if s.chars().count() >= 6 => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|i| texts(i, out)),
        Value::Object(m) => m.values().for_each(|i| texts(i, out)),
        _ => {}
    }
}

/// Whether the answer `e` (a read of `c`'s path) is another resource than `c`: the create
/// sent text to tell it by, and none of it is in the answer.
pub fn another_resource(e: &Exchange, c: &Created) -> bool {
    let mut sent = Vec::new();
    texts(&c.sent, &mut sent);
    let mut here = Vec::new();
    if let Some(body) = e.json() {
        texts(&body, &mut here);
    }
    !sent.is_empty() && !here.iter().any(|t| sent.contains(t))
}

/// The list request, with a page size parameter at its largest.
pub fn list_request(ctx: &Ctx, list: &OpInfo) -> (Request, Option<u64>) {
    list_request_sized(ctx, list, None)
}

/// [`list_request`] asking for pages of `page` items (its largest when `None`).
pub fn list_request_sized(ctx: &Ctx, list: &OpInfo, page: Option<u64>) -> (Request, Option<u64>) {
    let mut inputs = Inputs::default();
    let mut size = None;
    for p in params(ctx, list) {
        let lname = p.name.to_ascii_lowercase();
        if p.location == "query"
            && [
                "limit",
                "per_page",
                "page_size",
                "pagesize",
                "perpage",
                "size",
                "max_results",
            ]
            .contains(&lname.as_str())
        {
            let max = page.unwrap_or_else(|| {
                p.schema
                    .get("maximum")
                    .and_then(Value::as_u64)
                    .unwrap_or(100)
            });
            size = Some(max);
            inputs.params.push((p, json!(max)));
        } else if p.required {
            let v = crate::sample::valid(ctx.doc(), &p.schema);
            inputs.params.push((p, v));
        }
    }
    (request(ctx, list, &inputs), size)
}

/// [`list_request`] on the collection at `base` (the list of a resource under a parent).
pub fn list_request_in(ctx: &Ctx, list: &OpInfo, base: &str) -> (Request, Option<u64>) {
    list_request_sized_in(ctx, list, base, None)
}

/// [`list_request_sized`] in the collection at `base`.
pub fn list_request_sized_in(
    ctx: &Ctx,
    list: &OpInfo,
    base: &str,
    page: Option<u64>,
) -> (Request, Option<u64>) {
    let (mut request, size) = list_request_sized(ctx, list, page);
    // A list beside the collection (`/tags` for what `/tag` makes) is read at its own last
    // segment, under the same parent.
    let last = |p: &str| p.trim_end_matches('/').rsplit('/').next().map(String::from);
    let at = match (
        base.trim_end_matches('/').rsplit_once('/'),
        last(&list.path),
    ) {
        (Some((parent, own)), Some(listed)) if own != listed && !listed.contains('{') => {
            format!("{parent}/{listed}")
        }
        _ => base.to_string(),
    };
    retarget(&mut request, &at);
    (request, size)
}

/// `request`, a read of `list`, filtered by the references the create of `c` sent that the
/// list takes as query parameters of the same name: a task made in a project is listed with
/// `?project=` that project, as a frontend lists it (Label Studio's `GET /api/tasks/`
/// answers 404 without one).
pub fn filtered_by_references(
    ctx: &Ctx,
    list: &OpInfo,
    c: &Created,
    mut request: Request,
) -> Request {
    let references: Vec<String> = reference_slots(ctx, &c.resource.create)
        .into_iter()
        .filter(|slot| !slot.list)
        .map(|slot| slot.pointer)
        .collect();
    for p in params(ctx, list).iter().filter(|p| p.location == "query") {
        let pointer = format!("/{}", accord_spec::pointer::escape(&p.name));
        if !references.contains(&pointer) {
            continue;
        }
        let value = match c.sent.pointer(&pointer) {
            Some(Value::String(text)) => text.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => continue,
        };
        if crate::http::query_names(&request.target).contains(&format!("?{}", p.name)) {
            continue;
        }
        request.target = crate::http::with_query(&request.target, &p.name, &value);
    }
    request
}

/// Sends `request` to `path` instead, its query kept.
pub fn retarget(request: &mut Request, path: &str) {
    let query = request
        .target
        .split_once('?')
        .map(|(_, q)| format!("?{q}"))
        .unwrap_or_default();
    request.target = format!("{path}{query}");
}

/// The largest array in a list answer: its page.
/// The total a list's answer states, where its spec documents one: a response header named
/// like a total or count (`X-Total-Count`), else an integer property of the body so named
/// (`total`, `count`, `articlesCount`). With where it was read.
pub fn list_total(ctx: &Ctx, list: &OpInfo, e: &Exchange) -> Option<(u64, String)> {
    let doc = ctx.doc();
    // A count of pages is no count of items (Spring Data's `Page` has `totalPages` beside
    // `totalElements`, and springdoc may write it first).
    let named = |n: &str| {
        let n = n.to_ascii_lowercase();
        (n.contains("total") || n.ends_with("count")) && !n.contains("page")
    };
    let response = list
        .op
        .pointer(&format!("/responses/{}", e.status))
        .map(|r| accord_spec::follow_ref(doc, r))?;
    for name in response
        .get("headers")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(k, _)| k)
        .filter(|k| named(k))
    {
        if let Some(n) = e.header(name).and_then(|v| v.trim().parse::<u64>().ok()) {
            return Some((n, format!("header {name}")));
        }
    }
    // `X-Total-Count`, the convention a paginating frontend reads (react-admin, json-server),
    // where the backend sends it though the spec does not say (FastAPI's generated specs
    // have no response headers): a total it states is held to the page it answers.
    if let Some(n) = e
        .header("x-total-count")
        .and_then(|v| v.trim().parse::<u64>().ok())
    {
        return Some((
            n,
            "header X-Total-Count, which the spec does not document".into(),
        ));
    }
    let schema = response
        .get("content")
        .and_then(Value::as_object)
        .and_then(accord_spec::media::json_content)
        .and_then(|(_, m)| m.get("schema"))
        .map(|s| accord_spec::follow_ref(doc, s))?;
    let body = e.json()?;
    schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(k, p)| {
            // A count typed `number` (Flask AppBuilder's `count`) holds whole numbers too.
            named(k)
                && matches!(
                    accord_spec::follow_ref(doc, p)
                        .get("type")
                        .and_then(Value::as_str),
                    Some("integer" | "number")
                )
        })
        .find_map(|(k, _)| {
            body.get(k)
                .and_then(Value::as_u64)
                .map(|n| (n, format!("`{k}`")))
        })
}

/// How many items the list answer `value` holds: the longest array of records (objects) in
/// it, else the longest array: beside its records a page may carry longer lists of another
/// kind (Flask AppBuilder's `list_columns`, sixteen names beside eleven users).
pub fn page_len(value: &Value) -> usize {
    fn longest(value: &Value, records: bool) -> usize {
        match value {
            Value::Array(items) if !records || items.iter().any(Value::is_object) => items.len(),
            Value::Array(_) => 0,
            Value::Object(m) => m.values().map(|v| longest(v, records)).max().unwrap_or(0),
            _ => 0,
        }
    }
    match longest(value, true) {
        0 => longest(value, false),
        n => n,
    }
}

/// Negative cases for `op`: each input with one constraint broken.
pub fn negative_cases(ctx: &Ctx, op: &OpInfo) -> Vec<(String, Request)> {
    let mut out = Vec::new();
    let base = base_inputs(ctx, op);
    let ps = params(ctx, op);
    for p in &ps {
        // Parameters travel as text: only numbers, booleans, formats and bounds can break.
        let mut broken = mutate::broken_values(&p.schema, true);
        // A list's items (`?tag=a&tag=b`): one item broken.
        let schema = accord_spec::follow_ref(ctx.doc(), &p.schema);
        if schema.get("type").and_then(Value::as_str) == Some("array")
            && let Some(items) = schema.get("items")
        {
            let items = accord_spec::follow_ref(ctx.doc(), items);
            broken.extend(
                mutate::broken_values(items, true)
                    .into_iter()
                    .map(|(what, v)| (format!("{what} in an item"), json!([v]))),
            );
        }
        // A text parameter cannot have a wrong JSON type; only numbers and booleans can.
        broken.retain(|(what, _)| what != "null where not nullable");
        if p.location == "path" {
            // Only what cannot name a real resource: malformed ids.
            broken.retain(|(what, _)| {
                what.starts_with("wrong type") || what.starts_with("bad format")
            });
            // Where the parameter is no text (an id that is a number), text with a percent
            // sign, encoded as a client encodes it (`%25`): what a server's URL firewall
            // refuses before any route (Spring Security's, with a page of its own, not the
            // API's error). No slash and no `..`: a router that decodes them would take
            // `DELETE /message/x/..` for `DELETE /message`, every message.
            let kind = schema
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("string");
            if kind != "string" {
                broken.push(("percent-encoded text".into(), json!("accord%ZZ")));
            }
        }
        for (what, value) in broken {
            let mut inputs = base.clone();
            inputs
                .params
                .retain(|(q, _)| q.name != p.name || q.location != p.location);
            inputs.params.push((p.clone(), value));
            out.push((
                format!("{what} ({} parameter `{}`)", p.location, p.name),
                request(ctx, op, &inputs),
            ));
        }
        if p.required && p.location == "query" {
            let mut inputs = base.clone();
            inputs.params.retain(|(q, _)| q.name != p.name);
            out.push((
                format!("missing required query parameter `{}`", p.name),
                request(ctx, op, &inputs),
            ));
        }
    }
    let own = owned::owned(op, &resources(ctx));
    if (!has_path_params(op) || safe(op) || own)
        && let (Some(schema), Some(valid)) = (ctx.body_schema(op), base.body.clone())
    {
        let mark = op.id.bytes().fold(u64::from(ctx.seed as u32), |h, b| {
            h.wrapping_mul(31).wrapping_add(u64::from(b))
        });
        let learned = accepted_known(ctx, op);
        for (i, m) in mutate::body(ctx.doc(), &schema, &valid, ctx.form_body(op), mark)
            .into_iter()
            .enumerate()
        {
            let mut value = m.value;
            // A body the backend accepted from the run holds times of a moment ago: each
            // case's are its own, where the case leaves them as they were, so that one
            // accepted case's period does not make the next refused for meeting it.
            if learned
                && let Some(Value::Object(moved)) =
                    recent_of(ctx, op, &valid, Lane::Negative.slot(mark % 400 + i as u64))
                && let (Some(kept), Some(was)) = (value.as_object_mut(), valid.as_object())
            {
                for (k, v) in moved {
                    if was.get(&k) != Some(&v) && kept.get(&k) == was.get(&k) {
                        kept.insert(k, v);
                    }
                }
            }
            let inputs = Inputs {
                params: base.params.clone(),
                body: Some(value),
            };
            let mut request = request(ctx, op, &inputs);
            // Under the run's own resource, or not at all.
            if own && !owned::own_path(ctx, op, &mut request) {
                break;
            }
            out.push((m.what, request));
        }
    }
    out
}

#[cfg(test)]
mod privileged_tests {
    use super::privileged_flags;
    use serde_json::json;

    /// A user shown to be an administrator, by a flag or a role, at the top or one object
    /// down; an ordinary user is not.
    #[test]
    fn an_administrator_is_told_by_a_flag_or_a_role() {
        assert!(privileged_flags(&json!({"id": 1, "is_superuser": true})).is_some());
        assert!(privileged_flags(&json!({"user": {"admin": true}})).is_some());
        assert!(privileged_flags(&json!({"roles": ["ROLE_USER", "ROLE_ADMIN"]})).is_some());
        assert!(privileged_flags(&json!({"role": "owner"})).is_some());
        assert!(privileged_flags(&json!({"owner": true})).is_some());
        assert!(privileged_flags(&json!({"is_superuser": false, "role": "editor"})).is_none());
        assert!(privileged_flags(&json!({"roles": ["ROLE_USER"], "name": "admin-fan"})).is_none());
        assert!(privileged_flags(&json!([{"admin": true}])).is_none());
    }
}

#[cfg(test)]
mod query_style_tests {
    use super::QueryStyle;
    use serde_json::json;

    fn pairs(param: serde_json::Value, value: serde_json::Value) -> Vec<(String, String)> {
        QueryStyle::of(&param).pairs("p", &value)
    }

    /// Each style writes a list and an object as OpenAPI says: exploded by default, joined
    /// without `explode`, a deep object's members in brackets, a `content` parameter as
    /// JSON.
    #[test]
    fn a_query_value_is_written_as_its_style_says() {
        let list = json!([1, 2]);
        let object = json!({"size": 10, "number": 1});
        let p = |k: &str, v: &str| (k.to_string(), v.to_string());
        assert_eq!(
            pairs(json!({"schema": {}}), list.clone()),
            vec![p("p", "1"), p("p", "2")]
        );
        assert_eq!(
            pairs(json!({"schema": {}}), object.clone()),
            vec![p("size", "10"), p("number", "1")]
        );
        assert_eq!(
            pairs(json!({"schema": {}, "explode": false}), list.clone()),
            vec![p("p", "1,2")]
        );
        assert_eq!(
            pairs(
                json!({"schema": {}, "style": "pipeDelimited", "explode": false}),
                list
            ),
            vec![p("p", "1|2")]
        );
        assert_eq!(
            pairs(
                json!({"schema": {}, "style": "deepObject", "explode": true}),
                object.clone()
            ),
            vec![p("p[size]", "10"), p("p[number]", "1")]
        );
        assert_eq!(
            pairs(
                json!({"content": {"application/json": {"schema": {}}}}),
                object
            ),
            vec![p("p", r#"{"size":10,"number":1}"#)]
        );
        assert_eq!(pairs(json!({"schema": {}}), json!(null)), Vec::new());
        assert_eq!(
            pairs(json!({"schema": {}}), json!("a b")),
            vec![p("p", "a b")]
        );
    }
}

#[cfg(test)]
mod scope_tests {
    use super::granted_scopes;
    use base64::Engine as _;

    fn jwt(claims: &str) -> String {
        let b = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        format!("{}.{}.sig", b(r#"{"alg":"HS256"}"#), b(claims))
    }

    #[test]
    fn a_path_parameter_is_never_generated_or_shrunk_empty() {
        use proptest::strategy::{Strategy, ValueTree};
        let doc = serde_json::json!({});
        let schema = serde_json::json!({"type": "string"});
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let mut shrunk_empty_in_query = false;
        for _ in 0..50 {
            for location in ["path", "query"] {
                let strategy = super::param_strategy(&doc, &schema, location);
                let mut tree = strategy.new_tree(&mut runner).unwrap();
                // Shrink as far as it goes, as the phase does while a failure persists.
                while tree.simplify() {}
                let empty = tree.current().as_str() == Some("");
                if location == "path" {
                    assert!(!empty, "a path parameter shrunk to an empty segment");
                } else {
                    shrunk_empty_in_query |= empty;
                }
            }
        }
        // Elsewhere the empty string stays the simplest value.
        assert!(shrunk_empty_in_query);
    }

    #[test]
    fn a_tokens_scopes_are_read_from_scope_scp_or_scopes() {
        assert_eq!(
            granted_scopes(&jwt(r#"{"scope":"read write"}"#)),
            Some(vec!["read".to_string(), "write".to_string()])
        );
        assert_eq!(
            granted_scopes(&jwt(r#"{"scp":["items:read"]}"#)),
            Some(vec!["items:read".to_string()])
        );
        assert_eq!(granted_scopes(&jwt(r#"{"sub":"a"}"#)), None);
        assert_eq!(granted_scopes("not-a-jwt"), None);
    }
}

#[cfg(test)]
mod password_tests {
    use super::stored_password;
    use serde_json::json;

    #[test]
    fn a_stored_password_or_its_hash_is_found_and_a_masked_one_is_not() {
        let bcrypt = "$2b$12$crHtcKF/7lDEvm/GPya6HO/39slEQOAgPR2.ZP8xnWKgGaOz7m1Mm";
        assert_eq!(
            stored_password(&json!({"data": [{"id": "admin", "password": bcrypt}]})),
            Some(("/data/0/password".to_string(), "a bcrypt hash"))
        );
        assert_eq!(
            stored_password(&json!({"user": {"hashed_password": "s3cret"}})),
            Some(("/user/hashed_password".to_string(), "a password"))
        );
        // A hash under any name.
        assert_eq!(
            stored_password(&json!({"secret_field": "pbkdf2_sha256$600000$abc$def"})),
            Some(("/secret_field".to_string(), "a PBKDF2 hash"))
        );
        assert_eq!(stored_password(&json!({"password": "**********"})), None);
        // A schema's examples are documentation.
        let schema = json!([{"fields": {"properties": {"value": {
            "type": "string",
            "examples": ["sk-1", {"password": "s3cr3t", "username": "johndoe"}]
        }}}}]);
        assert_eq!(stored_password(&schema), None);
        assert!(stored_password(&json!({"examples": [{"password": "s3cr3t"}]})).is_some());
        assert_eq!(stored_password(&json!({"password": ""})), None);
        assert_eq!(
            stored_password(&json!({"password_changed_at": "2026-01-01", "has_password": true})),
            None
        );
    }
}

#[cfg(test)]
mod account_tests {
    use super::account_op_in;
    use crate::context::OpInfo;
    use serde_json::json;

    fn op(method: &str, path: &str) -> OpInfo {
        OpInfo {
            id: format!("{method} {path}"),
            method: method.into(),
            path: path.into(),
            op: std::sync::Arc::new(json!({})),
        }
    }

    #[test]
    fn a_create_in_a_users_collection_is_not_the_signed_in_account() {
        // gotify: `POST /user` makes a user, `/user/{id}` is one; `/current/user/password`
        // changes the caller's.
        let gotify =
            json!({"paths": {"/user": {}, "/user/{id}": {}, "/current/user/password": {}}});
        assert!(!account_op_in(&gotify, &op("POST", "/user"), true));
        assert!(account_op_in(
            &gotify,
            &op("POST", "/current/user/password"),
            true
        ));
        // A change of `/user` beside `/user/{id}` (GitHub's `PATCH /user`) is still the caller's.
        assert!(account_op_in(&gotify, &op("PATCH", "/user"), true));
        // RealWorld: `PUT /user` is the caller's, and there is no `/user/{id}`.
        let realworld = json!({"paths": {"/user": {}, "/users": {}, "/profiles/{username}": {}}});
        assert!(account_op_in(&realworld, &op("PUT", "/user"), true));
        assert!(account_op_in(&realworld, &op("POST", "/user"), true));
        // Unsecured, or a read: never.
        assert!(!account_op_in(&realworld, &op("PUT", "/user"), false));
        assert!(!account_op_in(&realworld, &op("GET", "/user"), true));
    }
}

#[cfg(test)]
mod read_back_tests {
    use super::compare;
    use serde_json::json;

    #[test]
    fn a_list_read_back_in_another_order_is_what_was_written() {
        let doc = json!({});
        let schema = json!({"type": "object", "properties": {
            "tags": {"type": "array", "items": {"type": "string"}},
            "title": {"type": "string"}}});
        let sent = json!({"tags": ["b", "a", "c"], "title": "x"});
        assert_eq!(
            compare(
                &doc,
                &schema,
                None,
                &sent,
                &json!({"tags": ["a", "b", "c"], "title": "x"}),
                "",
                None
            ),
            None
        );
        // Another value is still a difference.
        let d = compare(
            &doc,
            &schema,
            None,
            &sent,
            &json!({"tags": ["a", "b"], "title": "x"}),
            "",
            None,
        );
        assert!(d.is_some_and(|d| d.starts_with("`tags` was written as")));
    }

    /// A list may come back with what the server adds (Kinto keeps the caller among a
    /// bucket's writers), never with what was written before: that update merged.
    #[test]
    fn a_list_the_server_adds_to_is_what_was_written_but_not_a_merge() {
        let doc = json!({});
        let schema = json!({"type": "object", "properties": {
            "write": {"type": "array", "items": {"type": "string"}}}});
        let sent = json!({"write": ["b"]});
        let added = json!({"write": ["account:alice", "b"]});
        let before = json!({"write": ["old"]});
        assert_eq!(
            compare(&doc, &schema, None, &sent, &added, "", Some(&before)),
            None
        );
        // Strict where nothing says what came before.
        assert!(compare(&doc, &schema, None, &sent, &added, "", None).is_some());
        // What was written before still there: the update merged.
        let merged = json!({"write": ["old", "b"]});
        assert!(compare(&doc, &schema, None, &sent, &merged, "", Some(&before)).is_some());
    }

    /// A count the server keeps reads back as its own; another number written is compared.
    #[test]
    fn a_count_the_server_keeps_is_not_what_was_written() {
        let doc = json!({});
        let schema = json!({"type": "object", "properties": {
            "name": {"type": "string"},
            "bookmark_count": {"type": "integer"},
            "favoritesCount": {"type": "integer"},
            "priority": {"type": "integer"}}});
        let sent = json!({"name": "x", "bookmark_count": 645, "favoritesCount": 3, "priority": 2});
        let kept = json!({"name": "x", "bookmark_count": 0, "favoritesCount": 0, "priority": 2});
        assert_eq!(compare(&doc, &schema, None, &sent, &kept, "", None), None);
        let moved = json!({"name": "x", "bookmark_count": 0, "favoritesCount": 0, "priority": 5});
        let d = compare(&doc, &schema, None, &sent, &moved, "", None);
        assert!(d.is_some_and(|d| d.starts_with("`priority` was written as")));
    }

    /// Jupyter's contents take any text as `type` and read back one of the three its read
    /// schema lists: what was written outside them is not compared; within them it is.
    #[test]
    fn a_value_the_read_schema_never_answers_is_not_compared() {
        let doc = json!({});
        let write = json!({"type": "object", "properties": {"type": {"type": "string"}}});
        let read = json!({"type": "object", "properties": {
            "type": {"type": "string", "enum": ["directory", "file", "notebook"]}}});
        let got = json!({"type": "file"});
        assert_eq!(
            compare(
                &doc,
                &write,
                Some(&read),
                &json!({"type": "Yqrdl6885"}),
                &got,
                "",
                None
            ),
            None
        );
        assert!(
            compare(
                &doc,
                &write,
                Some(&read),
                &json!({"type": "notebook"}),
                &got,
                "",
                None
            )
            .is_some()
        );
    }
}

#[cfg(test)]
mod reference_tests {
    use super::{RefForm, integer_id, kind_names, ref_form};
    use serde_json::json;

    #[test]
    fn a_reference_is_taken_by_id_where_it_can_be_and_as_an_object_of_all_of_members() {
        let doc = json!({"components": {"schemas": {
            "Fields": {"type": "object", "properties": {"name": {"type": "string"}}},
            "PetType": {"allOf": [
                {"$ref": "#/components/schemas/Fields"},
                {"type": "object", "properties": {"id": {"type": "integer"}}}
            ]}
        }}});
        let pet_type = json!({"$ref": "#/components/schemas/PetType"});
        assert!(ref_form(&doc, &pet_type) == Some(RefForm::Object));
        let either =
            json!({"oneOf": [{"type": "integer"}, {"$ref": "#/components/schemas/PetType"}]});
        assert!(ref_form(&doc, &either) == Some(RefForm::Integer));
        assert!(ref_form(&doc, &json!({"type": "string"})) == Some(RefForm::Text));
        assert!(ref_form(&doc, &json!({"type": "string", "enum": ["a"]})).is_none());
    }

    #[test]
    fn a_reference_reads_back_as_what_it_names() {
        use super::reads_as;
        assert!(reads_as(&json!(5), &json!({"id": 5, "name": "t"})));
        assert!(!reads_as(&json!(5), &json!({"id": 6, "name": "t"})));
        let tag = json!([{"name": "a", "slug": "a"}]);
        assert!(reads_as(
            &tag,
            &json!([{"id": 7, "name": "a", "slug": "a", "url": "u"}])
        ));
        assert!(!reads_as(
            &tag,
            &json!([{"id": 7, "name": "b", "slug": "a"}])
        ));
        assert!(reads_as(&json!(["b", "a"]), &json!(["a", "b"])));
        assert!(!reads_as(&json!(["a", "a"]), &json!(["a", "b"])));
        assert!(reads_as(&json!(" Title "), &json!("title")));
        assert!(!reads_as(&json!("5"), &json!(5)));
    }

    #[test]
    fn a_kind_addressed_by_a_slug_is_named_by_the_number_its_create_answered() {
        assert_eq!(integer_id("12", None), Some(json!(12)));
        let child = json!({"id": 7, "slug": "ada-lovelace", "first_name": "Ada"});
        assert_eq!(integer_id("ada-lovelace", Some(child)), Some(json!(7)));
        let wrapped = json!({"child": {"pk": 8, "slug": "b"}});
        assert_eq!(integer_id("b", Some(wrapped)), Some(json!(8)));
        assert_eq!(integer_id("b", Some(json!({"slug": "b"}))), None);
    }

    fn kind(collection: &str, item: &str, parent: Option<&str>) -> super::Resource {
        let op = crate::context::OpInfo {
            id: "create".into(),
            method: "POST".into(),
            path: collection.into(),
            op: std::sync::Arc::new(json!({})),
        };
        super::Resource {
            create: op,
            list: None,
            read: None,
            update: None,
            delete: None,
            item: item.into(),
            param: "id".into(),
            parent: parent.map(String::from),
            parent_listed: None,
            collection: collection.into(),
            chosen: false,
        }
    }

    #[test]
    fn a_top_level_users_collection_is_a_directory_and_a_team_s_members_are_not() {
        use super::is_account_kind;
        assert!(is_account_kind(&kind("/users", "/users/{id}", None)));
        assert!(is_account_kind(&kind(
            "/api/accounts/",
            "/api/accounts/{id}/",
            None
        )));
        assert!(!is_account_kind(&kind(
            "/teams/{team}/members",
            "/teams/{team}/members/{id}",
            Some("/teams/{team}")
        )));
        assert!(!is_account_kind(&kind("/articles", "/articles/{id}", None)));
    }

    #[test]
    fn a_kind_under_the_same_parent_is_made_in_the_same_parent() {
        use super::sibling_base;
        let keys = kind(
            "/project/{project_id}/keys",
            "/project/{project_id}/keys/{key_id}",
            Some("/project/{project_id}/"),
        );
        assert_eq!(
            sibling_base(&keys, "/project/22/repositories").as_deref(),
            Some("/project/22/keys")
        );
        assert_eq!(sibling_base(&keys, "/projects"), None);
        assert_eq!(
            sibling_base(&kind("/keys", "/keys/{id}", None), "/project/22/x"),
            None
        );
    }

    #[test]
    fn a_parameter_that_says_how_an_item_is_addressed_names_no_kind_alone() {
        use super::referent;
        let mut pools = kind("/work_pools/", "/work_pools/{name}", None);
        pools.param = "name".into();
        let mut projects = kind("/projects", "/projects/{projectId}", None);
        projects.param = "projectId".into();
        let kinds = [pools, projects];
        // A flow's own name, Prefect's: no reference to a work pool.
        assert!(referent("name", &kinds, "/flows/").is_none());
        // A deployment's `work_pool_name` is one, and a parameter naming its kind still is.
        let by_name = referent("work_pool_name", &kinds, "/deployments/");
        assert_eq!(by_name.map(|k| k.item.as_str()), Some("/work_pools/{name}"));
        let project = referent("project", &kinds, "/tasks");
        assert_eq!(
            project.map(|k| k.item.as_str()),
            Some("/projects/{projectId}")
        );
    }

    #[test]
    fn a_kind_is_named_in_the_singular_and_the_plural() {
        assert_eq!(
            kind_names("device-types"),
            vec!["devicetypes", "devicetype"]
        );
        assert!(kind_names("categories").contains(&"category".to_string()));
        assert!(kind_names("boxes").contains(&"box".to_string()));
        assert!(kind_names("branches").contains(&"branch".to_string()));
        assert!(kind_names("shelves").contains(&"shelf".to_string()));
        assert!(kind_names("children").contains(&"child".to_string()));
        assert!(kind_names("salespeople").contains(&"salesperson".to_string()));
    }
}

#[cfg(test)]
mod lists_tests {
    use serde_json::json;

    /// A list names an item by the member its create named it by, or in an `ids` array;
    /// another item sharing its text, or a count equal to its id, does not.
    #[test]
    fn a_list_names_an_item_by_its_own_id_member() {
        let answer = json!({"id": 6, "type": "breast milk", "child": 1});
        let other = json!({"count": 6, "results": [{"id": 7, "child": 6, "type": "breast milk"}]});
        assert!(!super::lists_in(&other, &answer, "6"));
        let listed = json!({"count": 2, "results": [{"id": 7}, {"id": 6}]});
        assert!(super::lists_in(&listed, &answer, "6"));
        // A record that embeds another by its id does not list that one.
        let users = json!({"ids": [1, 7], "result": [{"id": 7, "roles": [{"id": 6}], "changed_by": {"id": 6}}]});
        assert!(!super::lists_in(&users, &answer, "6"));
        // Flask AppBuilder: the create answers `{"id", "result"}`, the list its ids apart.
        let fab = json!({"count": 1, "ids": [6], "result": [{"name": "x"}]});
        assert!(super::lists_in(
            &fab,
            &json!({"id": 6, "result": {"name": "x"}}),
            "6"
        ));
        // A slug, as the create named the article by it.
        let article = json!({"article": {"slug": "a-b", "title": "A b"}});
        let list = json!({"articles": [{"slug": "a-b"}], "articlesCount": 1});
        assert!(super::lists_in(&list, &article, "a-b"));
        assert!(!super::lists_in(
            &json!({"articles": [{"title": "a-b"}]}),
            &article,
            "a-b"
        ));
    }

    /// A page's length is its records', not a longer list of names beside them.
    #[test]
    fn a_page_holds_its_records_not_its_column_names() {
        let users = json!({"count": 2, "ids": [1, 2], "list_columns": ["id", "name", "email"],
            "result": [{"id": 1}, {"id": 2}]});
        assert_eq!(super::page_len(&users), 2);
        assert_eq!(super::page_len(&json!({"slugs": ["a", "b", "c"]})), 3);
        assert_eq!(super::page_len(&json!([1, 2])), 2);
        assert_eq!(super::page_len(&json!({"items": []})), 0);
    }
}

#[cfg(test)]
mod tests {
    use super::id_names;

    #[test]
    fn a_path_lies_under_an_item_whatever_its_parameters_are_named() {
        use super::under_template;
        assert_eq!(
            under_template("/projects/{project}/views", "/projects/{id}").as_deref(),
            Some("/views")
        );
        assert_eq!(
            under_template("/sites/{id}/children/", "/sites/{id}/").as_deref(),
            Some("/children/")
        );
        assert_eq!(under_template("/projects/{id}", "/projects/{id}"), None);
        assert_eq!(under_template("/labels/{id}/tasks", "/projects/{id}"), None);
    }

    #[test]
    fn text_reads_back_in_its_own_case_but_one_word_may_be_lower_cased() {
        use serde_json::json;
        // A name read back in capitals was changed (oapi-codegen's petstore, broken).
        assert!(!super::reads_as(&json!("WOyjJs2l"), &json!("WOYJJS2L")));
        assert!(!super::reads_as(
            &json!("My first note"),
            &json!("my first note")
        ));
        // An address or a user name the backend normalizes, and text it trims.
        assert!(super::reads_as(
            &json!("Ada@Example.com"),
            &json!("ada@example.com")
        ));
        assert!(super::reads_as(&json!("  padded "), &json!("padded")));
    }

    #[test]
    fn one_instant_reads_as_itself_however_written() {
        use serde_json::json;
        assert!(super::reads_as(
            &json!("2012-12-22T09:27:12Z"),
            &json!("2012-12-22T09:27:12.000Z")
        ));
        assert!(super::reads_as(
            &json!("2012-12-22T10:27:12+01:00"),
            &json!("2012-12-22T09:27:12Z")
        ));
        assert!(!super::reads_as(
            &json!("2012-12-22T09:27:12Z"),
            &json!("2012-12-22T09:27:13.000Z")
        ));
    }

    #[test]
    fn an_id_s_names_end_with_its_parameter_s_last_word() {
        assert_eq!(id_names("featureName"), ["featureName", "name", "id"]);
        assert_eq!(
            id_names("article_slug"),
            ["article_slug", "articleSlug", "slug", "id"]
        );
        assert_eq!(id_names("petTypeId"), ["petTypeId", "id"]);
        assert_eq!(id_names("userID"), ["userID", "id"]);
    }
}

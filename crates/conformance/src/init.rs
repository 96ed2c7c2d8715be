//! `accord-conformance init --spec LOCATION [--base-url URL]`: a first profile, read from the
//! spec, so a new user fills in only credentials and origins. What it finds, and why:
//! - the scheme that carries the user's token ([`crate::security::user_scheme`]);
//! - the login: an OAuth2 `password` or `clientCredentials` flow's `tokenUrl`, else an unsecured POST named like a
//!   sign-in; its body from the request schema, secrets as `${ACCORD_*}` placeholders; where
//!   the token is in its answer (`access_token`, `token`... at any depth);
//! - the registration, refresh and logout operations, by name and shape;
//! - the error envelope: RFC 9457 problems, FastAPI's `detail`, or the schema most of the
//!   documented error answers share;
//! - which features apply, and why the others are left out.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;

use crate::security;

/// An operation of the spec, as init reads it.
#[derive(Clone)]
struct Op {
    id: String,
    method: String,
    path: String,
    op: std::sync::Arc<Value>,
    secured: bool,
}

fn operations(doc: &Value) -> Vec<Op> {
    crate::context::operations_in(doc)
        .into_iter()
        .map(|(o, secured)| Op {
            id: o.id,
            method: o.method,
            path: o.path,
            op: o.op,
            secured,
        })
        .collect()
}

/// Whether `schema` (a sign-in's answer) is Simple JWT's pair: `access` and `refresh`,
/// both strings.
fn jwt_pair(doc: &Value, schema: &Value) -> bool {
    let schema = accord_spec::follow_ref(doc, schema);
    ["access", "refresh"].iter().all(|name| {
        schema
            .pointer(&format!("/properties/{name}"))
            .map(|p| accord_spec::follow_ref(doc, p))
            .and_then(|p| p.get("type"))
            .and_then(Value::as_str)
            == Some("string")
    })
}

/// The name of an http `bearer` scheme that `op`'s own security requires, if one does.
fn bearer_scheme(doc: &Value, op: &Value) -> Option<String> {
    op.get("security")?
        .as_array()?
        .iter()
        .filter_map(Value::as_object)
        .flat_map(|alternative| alternative.keys())
        .find(|name| {
            doc.pointer(&format!("/components/securitySchemes/{name}"))
                .map(|s| accord_spec::follow_ref(doc, s))
                .is_some_and(|s| {
                    s.get("type").and_then(Value::as_str) == Some("http")
                        && s.get("scheme")
                            .and_then(Value::as_str)
                            .is_some_and(|v| v.eq_ignore_ascii_case("bearer"))
                })
        })
        .cloned()
}

fn named_like(op: &Op, words: &[&str]) -> bool {
    let text = format!("{} {}", op.id, op.path)
        .to_ascii_lowercase()
        .replace(['-', '_'], "");
    words.iter().any(|w| text.contains(w))
}

fn request_schema<'a>(doc: &'a Value, op: &'a Value) -> Option<(String, &'a Value)> {
    let body = accord_spec::follow_ref(doc, op.get("requestBody")?);
    let content = body.get("content")?.as_object()?;
    let (media, m) = content
        .iter()
        .find(|(m, _)| accord_spec::media::is_json(m))
        .or_else(|| content.iter().next())?;
    Some((
        media.clone(),
        accord_spec::follow_ref(doc, m.get("schema")?),
    ))
}

use crate::profile::TOKEN_PROPERTIES;

fn success_schema<'a>(doc: &'a Value, op: &'a Value) -> Option<&'a Value> {
    let (_, r) = accord_spec::success_responses(op).into_iter().next()?;
    let r = accord_spec::follow_ref(doc, r);
    let (_, m) = accord_spec::media::json_content(r.get("content")?.as_object()?)?;
    Some(accord_spec::follow_ref(doc, m.get("schema")?))
}

/// A sign-in body for `schema`: credentials as placeholders, other required fields from
/// the spec's samples; nested objects (`{"user": {...}}`) followed.
fn body_of(doc: &Value, schema: &Value, depth: usize) -> Value {
    let schema = accord_spec::follow_ref(doc, schema);
    let mut out = serde_json::Map::new();
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    // Beside an email, a user name is a name of its own, not the email again.
    let has_email = schema
        .get("properties")
        .and_then(Value::as_object)
        .is_some_and(|p| p.keys().any(|k| k.to_ascii_lowercase().contains("email")));
    // Beside the user's own password (an OAuth2 password grant: FastAPI's form), an
    // optional client id and secret are an OAuth2 client's, which a backend without clients
    // ignores: left out, not filled with the user's name and password.
    let user_password = schema
        .get("properties")
        .and_then(Value::as_object)
        .is_some_and(|p| {
            p.keys()
                .any(|k| k.to_ascii_lowercase().contains("password"))
        });
    for (name, prop) in schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let prop = accord_spec::follow_ref(doc, prop);
        let lower = name.to_ascii_lowercase();
        if user_password
            && ["client_id", "clientid", "client_secret", "clientsecret"].contains(&lower.as_str())
            && !required.contains(&name.as_str())
        {
            continue;
        }
        // An object of credentials, however named (memos's `passwordCredentials`, written as
        // `allOf: [$ref]` to carry a description), is filled in; another optional one (the
        // same sign-in's `ssoCredentials`... an SSO code exchange) is left out.
        if let Some(object) = object_of(doc, prop).filter(|_| depth < 3) {
            let credentials = ["password", "credential", "user", "login", "auth", "account"]
                .iter()
                .any(|w| lower.contains(w))
                && !["sso", "oauth", "oidc", "saml", "provider"]
                    .iter()
                    .any(|w| lower.contains(w));
            if credentials || required.contains(&name.as_str()) {
                out.insert(name.clone(), body_of(doc, object, depth + 1));
            }
            continue;
        }
        // A credential is text: a flag or a number named like one (Directus's
        // `email_notifications`) is none.
        let text = prop
            .get("type")
            .and_then(Value::as_str)
            .is_none_or(|t| t == "string");
        if !text {
            if required.contains(&name.as_str()) {
                out.insert(name.clone(), crate::sample::valid(doc, prop));
            } else if let Some(example) = choice_example(prop) {
                out.insert(name.clone(), example);
            }
            continue;
        }
        let value = if lower.contains("password")
            || ["secret", "client_secret", "clientsecret"].contains(&lower.as_str())
        {
            Value::String("${ACCORD_PASSWORD}".into())
        } else if ["client_id", "clientid"].contains(&lower.as_str()) {
            // An OAuth2 client's credentials stand for the user's: the id and the secret.
            Value::String("${ACCORD_USER}".into())
        } else if has_email && (lower.contains("username") || lower == "name" || lower == "handle")
        {
            Value::String("${ACCORD_NAME}".into())
        } else if lower.contains("email")
            || lower.contains("user")
            || ["login", "auth", "identifier", "identity"].contains(&lower.as_str())
            || lower == "name" && required.contains(&name.as_str())
            || names_the_user(prop)
        {
            Value::String("${ACCORD_USER}".into())
        } else if lower == "grant_type" {
            // The password grant where the schema takes it, else the client's own.
            let grants = prop.get("enum").and_then(Value::as_array);
            let client_only = grants.is_some_and(|g| {
                g.contains(&Value::from("client_credentials"))
                    && !g.contains(&Value::from("password"))
            });
            Value::String(
                if client_only {
                    "client_credentials"
                } else {
                    "password"
                }
                .into(),
            )
        } else if required.contains(&name.as_str()) {
            crate::sample::valid(doc, prop)
        } else if let Some(example) = choice_example(prop) {
            // An optional choice the spec shows (Flask AppBuilder's `provider: db`, which
            // its sign-in crashes without, and `refresh: true`, without which it answers no
            // refresh token): what the backend's frontend sends.
            example
        } else {
            continue;
        };
        out.insert(name.clone(), value);
    }
    Value::Object(out)
}

/// The example of an optional sign-in member that is a choice (an enum, or a flag), if the
/// spec shows one.
fn choice_example(prop: &Value) -> Option<Value> {
    let example = prop.get("example")?;
    let choice = match prop.get("enum").and_then(Value::as_array) {
        Some(values) => values.contains(example),
        None => example.is_boolean(),
    };
    choice.then(|| example.clone())
}

/// Whether a sign-in body's member says it takes the user's name or address (Semaphore's
/// `auth`: "Username/Email address").
fn names_the_user(prop: &Value) -> bool {
    let described = prop
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_ascii_lowercase();
    ["username", "user name", "email", "login name"]
        .iter()
        .any(|w| described.contains(w))
}

/// `body` (a sign-in's, of `schema`) with `${ACCORD_NAME}` where a member named like a user
/// name holds `${ACCORD_USER}`, where it has no email member and its schema does not say it
/// takes an address (Homebox's `username`, whose example is `admin@admin.com`); whether any
/// was.
fn name_for_user(doc: &Value, schema: Option<&Value>, body: &mut Value) -> bool {
    let Some(members) = body.as_object_mut() else {
        return false;
    };
    if members
        .keys()
        .any(|k| k.to_ascii_lowercase().contains("email"))
    {
        return false;
    }
    let properties = schema
        .and_then(|s| object_of(doc, s))
        .and_then(|s| s.get("properties"));
    let mut changed = false;
    for (name, value) in members.iter_mut() {
        let lower = name.to_ascii_lowercase();
        let prop = properties.and_then(|p| p.get(name));
        if value == "${ACCORD_USER}"
            && (lower.contains("username") || lower == "login")
            && !prop.is_some_and(|p| takes_address(doc, p))
        {
            *value = Value::String("${ACCORD_NAME}".into());
            changed = true;
        } else if value.is_object() {
            changed |= name_for_user(doc, prop, value);
        }
    }
    changed
}

/// Whether `prop` says it takes an email address: its format, its example, or its
/// description.
fn takes_address(doc: &Value, prop: &Value) -> bool {
    let prop = accord_spec::follow_ref(doc, prop);
    let text = |key: &str| prop.get(key).and_then(Value::as_str).unwrap_or_default();
    text("format") == "email"
        || text("example").contains('@')
        || prop
            .get("examples")
            .and_then(Value::as_array)
            .is_some_and(|e| {
                e.iter()
                    .any(|e| e.as_str().is_some_and(|e| e.contains('@')))
            })
        || text("description").to_ascii_lowercase().contains("email")
}

/// The object schema `prop` is, where it is one: with `type: object` or properties of its
/// own, or an `allOf` whose one member is.
fn object_of<'a>(doc: &'a Value, prop: &'a Value) -> Option<&'a Value> {
    let prop = accord_spec::follow_ref(doc, prop);
    if prop.get("type").and_then(Value::as_str) == Some("object")
        || prop.get("properties").is_some()
    {
        return Some(prop);
    }
    match prop
        .get("allOf")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
    {
        Some([only]) => object_of(doc, only),
        _ => None,
    }
}

/// The JSON pointer of the first property named one of `names` in `schema`, at any depth.
fn find_property(doc: &Value, schema: &Value, names: &[&str], depth: usize) -> Option<String> {
    let schema = accord_spec::follow_ref(doc, schema);
    let props = schema.get("properties").and_then(Value::as_object);
    for (name, _) in props.into_iter().flatten() {
        if names.contains(&name.as_str()) {
            return Some(format!("/{}", accord_spec::escape_token(name)));
        }
    }
    if depth >= 3 {
        return None;
    }
    // The members of a composition hold their properties at this level (3.1's nullable
    // body, `anyOf: [{$ref: RefreshTokenSchema}, {type: null}]`).
    for key in ["allOf", "anyOf", "oneOf"] {
        for member in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(found) = find_property(doc, member, names, depth + 1) {
                return Some(found);
            }
        }
    }
    for (name, prop) in props.into_iter().flatten() {
        if let Some(rest) = find_property(doc, prop, names, depth + 1) {
            return Some(format!("/{}{rest}", accord_spec::escape_token(name)));
        }
    }
    None
}

/// A TOML inline table of a JSON object.
fn toml_inline(value: &Value) -> String {
    match value {
        Value::Object(m) => format!(
            "{{ {} }}",
            m.iter()
                .map(|(k, v)| {
                    let key = if k
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                    {
                        k.clone()
                    } else {
                        format!("{k:?}")
                    };
                    format!("{key} = {}", toml_inline(v))
                })
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::String(s) => format!("{s:?}"),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(toml_inline).collect::<Vec<_>>().join(", ")
        ),
        Value::Null => "\"\"".into(),
        other => other.to_string(),
    }
}

/// The error envelope most documented error answers share: (envelope, schema pointer, why).
fn envelope(doc: &Value, ops: &[Op]) -> (String, Option<String>, String) {
    let mut media_counts: BTreeMap<String, u32> = BTreeMap::new();
    let mut schema_counts: BTreeMap<String, u32> = BTreeMap::new();
    let mut detail = 0;
    let mut total = 0;
    for op in ops {
        for (status, response) in op
            .op
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            // A `default` that is the operation's only word on success is no error answer.
            let error = status.starts_with('4')
                || status.starts_with('5')
                || (status == "default" && !accord_spec::default_is_success(&op.op));
            if !error {
                continue;
            }
            let response = accord_spec::follow_ref(doc, response);
            for (media, m) in response
                .get("content")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                total += 1;
                *media_counts
                    .entry(accord_spec::media::essence(media))
                    .or_default() += 1;
                if let Some(r) = m.pointer("/schema/$ref").and_then(Value::as_str) {
                    *schema_counts.entry(r.to_string()).or_default() += 1;
                }
                let schema = m.get("schema").map(|s| accord_spec::follow_ref(doc, s));
                if schema.is_some_and(|s| s.pointer("/properties/detail").is_some()) {
                    detail += 1;
                }
            }
        }
    }
    if total == 0 {
        return (
            "problem".into(),
            None,
            "the spec documents no error body; RFC 9457 problems assumed: check it".into(),
        );
    }
    if media_counts
        .get("application/problem+json")
        .copied()
        .unwrap_or(0)
        * 2
        >= total
    {
        return (
            "problem".into(),
            None,
            format!(
                "{} of {total} documented error bodies are application/problem+json",
                media_counts["application/problem+json"]
            ),
        );
    }
    if let Some((schema, n)) = schema_counts.iter().max_by_key(|(_, n)| **n) {
        if detail * 2 >= total && schema.ends_with("HTTPValidationError") {
            return (
                "fastapi".into(),
                None,
                format!("{detail} of {total} documented error bodies carry FastAPI's `detail`"),
            );
        }
        // The envelope is the shape most error answers share: one schema on a few of them
        // (a library's own routes beside the app's untyped ones) is theirs, not the API's.
        if n * 2 >= total {
            return (
                "schema".into(),
                Some(schema.clone()),
                format!("{n} of {total} documented error bodies are `{schema}`"),
            );
        }
    }
    if detail * 2 >= total {
        return (
            "fastapi".into(),
            None,
            format!("{detail} of {total} documented error bodies carry `detail`"),
        );
    }
    (
        "problem".into(),
        None,
        "no shared error schema found; RFC 9457 problems assumed: check it".into(),
    )
}

/// The path of the spec's first server (`/api/v1` of `servers: [{url: /api/v1}]` or of
/// `https://api.example.com/api/v1`, its variables at their defaults), where it has one
/// other than `/`.
pub fn server_path(doc: &Value) -> Option<String> {
    let server = doc.pointer("/servers/0")?;
    let mut url = server.get("url")?.as_str()?.to_string();
    if let Some(vars) = server.get("variables").and_then(Value::as_object) {
        for (name, var) in vars {
            if let Some(default) = var.get("default").and_then(Value::as_str) {
                url = url.replace(&format!("{{{name}}}"), default);
            }
        }
    }
    let path = match ["http://", "https://"]
        .iter()
        .find_map(|s| url.strip_prefix(s))
    {
        Some(rest) => rest.find('/').map(|i| rest[i..].to_string())?,
        None if url.starts_with('/') => url,
        None => return None,
    };
    let path = path.trim_end_matches('/').to_string();
    (!path.is_empty() && !path.contains('{')).then_some(path)
}

/// `base`, a base URL without a path of its own (`http://127.0.0.1:8000`, or with only
/// `/`), under the spec's server path: the operations' paths are under it on every
/// deployment (`servers: [{url: /api/v1}]`). `None` where `base` names a path, the
/// spec's server has none, or its paths start with it already.
pub fn under_server_path(base: &str, doc: &Value) -> Option<String> {
    let rest = ["http://", "https://"]
        .iter()
        .find_map(|s| base.strip_prefix(s))?;
    let path = rest.find('/').map_or("", |i| &rest[i..]);
    if !path.trim_end_matches('/').is_empty() {
        return None;
    }
    let server = server_path(doc)?;
    // Paths that already start with it say the server's path is theirs (a spec that writes
    // both): it is not put twice.
    let prefixed = doc
        .get("paths")
        .and_then(Value::as_object)
        .is_some_and(|paths| paths.keys().any(|p| p.starts_with(&format!("{server}/"))));
    if prefixed {
        return None;
    }
    Some(format!("{}{server}", base.trim_end_matches('/')))
}

/// The commented profile for the spec at `location` (its document `doc`).
pub fn profile(doc: &Value, location: &str, base_url: Option<&str>) -> String {
    let ops = operations(doc);
    let mut t = String::new();
    // The base URL: the spec's first absolute server, else the origin the spec was fetched
    // from (with the first server's path, when it has one).
    // An absolute server on a loopback host other than the one that served the spec
    // (swaggo's `@host localhost:8080`, written while developing, served by a backend
    // elsewhere; a Swagger 2.0 document without `schemes`, read as `https`) is a
    // placeholder: the origin the spec came from, with that server's path, is the backend.
    let absolute = doc
        .pointer("/servers/0/url")
        .and_then(Value::as_str)
        .filter(|u| u.starts_with("http://") || u.starts_with("https://"));
    let origin = |url: &str| -> Option<(String, String)> {
        let (scheme, rest) = url.split_once("://")?;
        let authority = rest.split('/').next()?;
        Some((
            format!("{scheme}://{authority}"),
            rest[authority.len()..].to_string(),
        ))
    };
    let fetched_origin = ["http://", "https://"]
        .iter()
        .any(|scheme| location.starts_with(scheme))
        .then(|| origin(location).map(|(o, _)| o))
        .flatten();
    let placeholder = absolute.and_then(origin).filter(|(o, _)| {
        let host = o.split("://").nth(1).unwrap_or_default();
        let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
        ["localhost", "127.0.0.1", "[::1]", "0.0.0.0"].contains(&host)
            && fetched_origin.as_ref().is_some_and(|f| f != o)
    });
    let server_path = doc
        .pointer("/servers/0/url")
        .and_then(Value::as_str)
        .filter(|u| u.starts_with('/'))
        .map(String::from)
        .or_else(|| placeholder.as_ref().map(|(_, path)| path.clone()))
        .map(|u| u.trim_end_matches('/').to_string())
        .unwrap_or_default();
    let fetched_from = fetched_origin.map(|o| format!("{o}{server_path}"));
    let server = absolute
        .filter(|_| placeholder.is_none())
        .map(String::from)
        .or(fetched_from);
    let server = server.as_deref();
    let _ = writeln!(
        t,
        "# A profile written by `accord-conformance init` from {location}.\n\
         # Fill in what the spec cannot say (credentials through environment variables, the\n\
         # origins of your frontend), then run:\n\
         #   accord-conformance --profile THIS_FILE [--read-only]\n"
    );
    let _ = writeln!(
        t,
        "base_url = {:?}{}",
        base_url.or(server).unwrap_or("http://127.0.0.1:8000"),
        if base_url.or(server).is_none() {
            "  # the spec names no absolute server: set yours"
        } else {
            ""
        }
    );
    let _ = writeln!(
        t,
        "spec = {location:?}\nrequest_timeout_secs = 10\ndeadline_secs = 300\n"
    );

    // ---- auth
    let scheme = security::user_scheme(doc, None).ok();
    let token_url = doc
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .find_map(|(_, s)| {
            s.pointer("/flows/password/tokenUrl")
                .or_else(|| s.pointer("/flows/clientCredentials/tokenUrl"))
                .and_then(Value::as_str)
        })
        .map(|u| {
            let path = u
                .split("://")
                .nth(1)
                .map(|r| r.find('/').map(|i| &r[i..]).unwrap_or("/"))
                .unwrap_or(u);
            format!("/{}", path.trim_start_matches('/'))
        });
    let login = ops
        .iter()
        .find(|o| {
            o.method == "POST"
                && token_url
                    .as_deref()
                    .is_some_and(|u| o.path.trim_end_matches('/') == u.trim_end_matches('/'))
        })
        .map(|o| {
            (
                o,
                format!("the OAuth2 flow's tokenUrl is {}", o.path),
            )
        })
        .or_else(|| {
            ops.iter()
                .find(|o| {
                    o.method == "POST"
                        && !o.secured
                        && named_like(
                            o,
                            &[
                                "login",
                                "signin",
                                "authenticate",
                                "accesstoken",
                                "token",
                                "session",
                            ],
                        )
                        && !named_like(o, &["refresh", "logout", "signout", "revoke"])
                        && asks_password(doc, o)
                })
                .map(|o| {
                    (
                        o,
                        format!(
                            "{} {} is an unsecured POST named like a sign-in",
                            o.method, o.path
                        ),
                    )
                })
        })
        .or_else(|| {
            // A sign-in the spec marks secured, as drf-spectacular marks every operation with
            // the API's authentication classes (NetBox's `POST /api/users/tokens/provision/`,
            // "Non-authenticated REST API endpoint via which a user may create a Token"): named
            // like one, it takes a password and answers a token. It is called without one.
            ops.iter()
                .find(|o| {
                    o.method == "POST"
                        && o.secured
                        && named_like(o, &["login", "signin", "authenticate", "token", "session"])
                        && !named_like(o, &["refresh", "logout", "signout", "revoke"])
                        && asks_password(doc, o)
                        && success_schema(doc, &o.op)
                            .and_then(|s| find_property(doc, s, TOKEN_PROPERTIES, 0))
                            .is_some()
                })
                .map(|o| {
                    (
                        o,
                        format!(
                            "{} {} is named like a sign-in, takes a password and answers a token (the spec secures it; it is called without credentials)",
                            o.method, o.path
                        ),
                    )
                })
        })
        .or_else(|| {
            // A session made from HTTP basic credentials (gotify's `POST /auth/local/login`).
            ops.iter()
                .find(|o| {
                    o.method == "POST"
                        && basic_only(doc, &o.op)
                        && named_like(o, &["login", "signin", "session", "authenticate"])
                        && !named_like(o, &["refresh", "logout", "signout", "revoke"])
                })
                .map(|o| {
                    (
                        o,
                        format!(
                            "{} {} is a POST named like a sign-in, secured by HTTP basic alone",
                            o.method, o.path
                        ),
                    )
                })
        });
    // Whether `op`'s every security alternative is HTTP basic alone.
    fn basic_only(doc: &Value, op: &Value) -> bool {
        let schemes = doc.pointer("/components/securitySchemes");
        op.get("security")
            .and_then(Value::as_array)
            .filter(|alternatives| !alternatives.is_empty())
            .is_some_and(|alternatives| {
                alternatives.iter().all(|a| {
                    a.as_object().is_some_and(|names| {
                        names.len() == 1
                            && names.keys().all(|name| {
                                schemes
                                    .and_then(|s| s.get(name))
                                    .map(|s| accord_spec::follow_ref(doc, s))
                                    .is_some_and(|s| {
                                        s.get("type").and_then(Value::as_str) == Some("http")
                                            && s.get("scheme")
                                                .and_then(Value::as_str)
                                                .is_some_and(|b| b.eq_ignore_ascii_case("basic"))
                                    })
                            })
                    })
                })
            })
    }
    // A sign-in takes a password: an OAuth code exchange (`code`, `code_verifier`) or a
    // session named from HTTP basic credentials is named like one and is not.
    fn asks_password(doc: &Value, o: &Op) -> bool {
        request_schema(doc, &o.op)
            .map(|(_, s)| {
                body_of(doc, s, 0)
                    .to_string()
                    .contains("${ACCORD_PASSWORD}")
            })
            .unwrap_or(false)
    }
    // A header of the sign-in's success answer that carries the token (`Authorization`,
    // as devise-jwt answers one, `X-Auth-Token`, `access-token`).
    fn token_header(op: &Value) -> Option<String> {
        accord_spec::success_responses(op)
            .into_iter()
            .filter_map(|(_, r)| r.get("headers")?.as_object())
            .flat_map(|h| h.keys())
            .find(|name| {
                let lower = name.to_ascii_lowercase();
                lower == "authorization" || lower.contains("token") || lower.contains("jwt")
            })
            .cloned()
    }
    // The sign-up: of the unsecured POSTs named like one, first one that takes a password
    // (an account made without one cannot sign in), then one named for signing up, then one
    // outside an admin's paths. A spec that declares no security leaves JHipster's
    // `POST /api/admin/users` (`createUser`, no password) beside `POST /api/register`.
    // Where the spec secures the sign-in too (springdoc's and drf-spectacular's global
    // `security`, on every operation), a sign-up it secures alike is one all the same when
    // named for signing up and taking a password: it is called without credentials.
    let secured_everywhere = login.as_ref().is_some_and(|(l, _)| l.secured);
    let register = ops
        .iter()
        .filter(|o| {
            o.method == "POST"
                && (!o.secured
                    || (secured_everywhere
                        && named_like(o, &["register", "signup"])
                        && asks_password(doc, o)))
                && (named_like(o, &["register", "signup", "createuser"])
                    || o.path.trim_end_matches('/').ends_with("/users"))
        })
        .min_by_key(|o| {
            (
                !asks_password(doc, o),
                !named_like(o, &["register", "signup"]),
                o.path.to_ascii_lowercase().contains("admin"),
            )
        });
    // A sign-in that answers nothing to read a token from (Semaphore's 204) sets a session
    // cookie: where the spec has a scheme for one, that is the user's, not the bearer token
    // the sign-in never answers.
    let scheme = match (&scheme, &login) {
        (Some(s), Some((l, _)))
            if !matches!(s.placement, crate::http::Placement::Cookie { .. })
                && success_schema(doc, &l.op).is_none()
                && token_header(&l.op).is_none() =>
        {
            security::session_scheme(doc).or(scheme)
        }
        _ => scheme,
    };
    match (&scheme, &login) {
        (Some(scheme), Some((login, why))) => {
            let _ = writeln!(
                t,
                "[auth]\n# The sign-in: {why}.\nkind = \"login\"\noperation = {:?}",
                login.id
            );
            if let Some(r) = register {
                let _ = writeln!(
                    t,
                    "# {} {} creates the account when the sign-in is refused (a fresh backend).\nregister = {:?}",
                    r.method, r.path, r.id
                );
            }
            let login_schema = request_schema(doc, &login.op).map(|(_, s)| s);
            let mut body = login_schema
                .map(|s| body_of(doc, s, 0))
                .unwrap_or(Value::Object(Default::default()));
            let register_body = register
                .and_then(|r| request_schema(doc, &r.op))
                .map(|(_, s)| body_of(doc, s, 0));
            // A sign-up that takes a user name beside an email, before a sign-in by user name
            // (memos's `{"passwordCredentials": {"username", "password"}}`): the sign-in's is
            // the sign-up's name, not its email.
            let by_name = register_body
                .as_ref()
                .is_some_and(|rb| rb.to_string().contains("${ACCORD_NAME}"))
                && name_for_user(doc, login_schema, &mut body);
            let _ = writeln!(
                t,
                "# Credentials come from the environment: export {}ACCORD_PASSWORD.\nbody = {}",
                if by_name {
                    "ACCORD_NAME (the user name), ACCORD_USER (the sign-up's email) and "
                } else if register_body
                    .as_ref()
                    .is_some_and(|rb| rb.to_string().contains("${ACCORD_NAME}"))
                {
                    "ACCORD_USER, ACCORD_NAME (the sign-up's name) and "
                } else {
                    "ACCORD_USER and "
                },
                toml_inline(&body)
            );
            if basic_only(doc, &login.op) {
                let _ = writeln!(
                    t,
                    "# Its security is HTTP basic: the name and password go there.\nbasic = \"${{ACCORD_USER}}:${{ACCORD_PASSWORD}}\""
                );
            }
            if let Some(rb) = register_body.filter(|rb| *rb != body) {
                let _ = writeln!(t, "register_body = {}", toml_inline(&rb));
            }
            let answer = success_schema(doc, &login.op);
            // Simple JWT's pair (`{"access", "refresh"}`, Django REST framework's common
            // sign-in) names its tokens by their kind alone.
            let pair = answer.is_some_and(|s| jwt_pair(doc, s));
            let in_body = answer
                .and_then(|s| find_property(doc, s, TOKEN_PROPERTIES, 0))
                .or_else(|| pair.then(|| "/access".to_string()));
            // Where no schema says, the run finds the token in the answer and says where.
            let access = in_body.clone().unwrap_or_else(|| "*".into());
            let sets_cookie = accord_spec::success_responses(&login.op)
                .into_iter()
                .filter_map(|(_, r)| r.get("headers")?.as_object())
                .any(|h| h.keys().any(|k| k.eq_ignore_ascii_case("set-cookie")));
            let in_cookie = matches!(scheme.placement, crate::http::Placement::Cookie { .. });
            match token_header(&login.op).filter(|_| in_body.is_none()) {
                None if in_body.is_none() && in_cookie && answer.is_none() => {
                    let _ = writeln!(
                        t,
                        "# The login answers no body: the session is the cookie it sets (name it, `cookie:NAME`,\n# when it sets several).\naccess_token = \"cookie:*\""
                    );
                }
                // An answer whose schema holds no token (`{"user": ...}`) beside a scheme
                // that is a cookie: the session is that cookie.
                None if in_body.is_none() && in_cookie => {
                    let name = match &scheme.placement {
                        crate::http::Placement::Cookie { name } if name != "*" => name.clone(),
                        _ => "*".into(),
                    };
                    let _ = writeln!(
                        t,
                        "# The login's answer holds no token: the session is the cookie the spec's scheme names.\naccess_token = \"cookie:{name}\""
                    );
                }
                None if in_body.is_none() && sets_cookie => {
                    let _ = writeln!(
                        t,
                        "# The login answers no token in its body and sets a cookie the spec does not name: the\n# session's token is that cookie's value (name it, `cookie:NAME`, when it sets several).\naccess_token = \"cookie:*\""
                    );
                }
                Some(header) => {
                    let _ = writeln!(
                        t,
                        "# The login answers the token in its `{header}` header (the last word of it).\naccess_token = \"header:{header}\""
                    );
                }
                None => {
                    let _ = writeln!(
                        t,
                        "# Where the login's answer has the token{}.\naccess_token = \"body:{access}\"",
                        match (in_body.is_some(), answer.is_some()) {
                            (true, _) => String::new(),
                            (false, documented) => format!(
                                " ({}: `*`, the run looks for a member named like a token or a JWT, and notes where it found it)",
                                if documented {
                                    "the spec does not say"
                                } else {
                                    "the spec documents no JSON answer"
                                }
                            ),
                        }
                    );
                }
            }
            if let Some(refresh) = answer
                .and_then(|s| find_property(doc, s, &["refresh_token", "refreshToken"], 0))
                .or_else(|| pair.then(|| "/refresh".to_string()))
            {
                let _ = writeln!(t, "refresh_token = \"body:{refresh}\"");
            }
            let _ = writeln!(t, "# The token goes {}.", describe(scheme));
            if in_cookie && let Some(name) = &scheme.name {
                let _ = writeln!(t, "scheme = {name:?}");
            }
            if let crate::http::Placement::Header { name, prefix } = &scheme.placement {
                if prefix.is_empty() && name.eq_ignore_ascii_case("authorization") {
                    // The spec does not say what comes before the token in `Authorization`
                    // (Directus's `Auth` scheme): the run finds it out (see the README).
                    let _ = writeln!(
                        t,
                        "# Security scheme `{}`: an apiKey in `{name}`, no word before the token said: the run tries\n# none, `Bearer`, `Token` and `JWT`, and says which the backend takes; name it to fix it:\nscheme = {:?}\n# prefix = \"Bearer \"",
                        scheme.name.as_deref().unwrap_or(""),
                        scheme.name.as_deref().unwrap_or("")
                    );
                } else {
                    let _ = writeln!(
                        t,
                        "# Security scheme `{}`: an apiKey in `{name}`; the prefix before the token:\nscheme = {:?}\nprefix = {prefix:?}",
                        scheme.name.as_deref().unwrap_or(""),
                        scheme.name.as_deref().unwrap_or("")
                    );
                }
            }
            let _ = writeln!(
                t,
                "# A second account for the cross-user checks (another user than the first):\n# second_body = {}{}\n",
                toml_inline(&body)
                    .replace("${ACCORD_USER}", "${ACCORD_USER_2}")
                    .replace("${ACCORD_NAME}", "${ACCORD_NAME_2}")
                    .replace("${ACCORD_PASSWORD}", "${ACCORD_PASSWORD_2}"),
                if basic_only(doc, &login.op) {
                    "\n# second_basic = \"${ACCORD_USER_2}:${ACCORD_PASSWORD_2}\""
                } else {
                    ""
                }
            );
        }
        // A spec that secures nothing and names no scheme: the run is a visitor's, and an
        // [auth] would only ask for a token nothing in the spec takes.
        (Some(_), None)
            if !ops.iter().any(|o| o.secured)
                && doc
                    .pointer("/components/securitySchemes")
                    .and_then(Value::as_object)
                    .is_none_or(|m| m.is_empty()) =>
        {
            let _ = writeln!(
                t,
                "# [auth] left out: the spec secures no operation and names no security scheme, so the run\n# calls every operation without credentials (the checks that need a user are skipped).\n# Where the deployment asks for them all the same, give a token:\n# [auth]\n# kind = \"static\"\n# token_env = \"ACCORD_TOKEN\"\n# prefix = \"Basic\"  # for HTTP basic credentials, ACCORD_TOKEN=user:password\n"
            );
        }
        (Some(scheme), None) => {
            let _ = writeln!(
                t,
                "# No sign-in operation found: give a token the spec's scheme accepts ({}).\n[auth]\nkind = \"static\"\ntoken_env = \"ACCORD_TOKEN\"\n",
                describe(scheme)
            );
        }
        (None, _) => {}
    }

    // ---- refresh
    let refresh = ops
        .iter()
        .find(|o| o.method == "POST" && named_like(o, &["refresh"]));
    let logout = ops
        .iter()
        .find(|o| o.method == "POST" && named_like(o, &["logout", "signout"]));
    match refresh {
        Some(r) => {
            let _ = writeln!(
                t,
                "[refresh]\n# {} {} is named like a refresh.\noperation = {:?}",
                r.method, r.path, r.id
            );
            // Simple JWT's refresh takes the token as `refresh`, a string.
            if let Some(pointer) = request_schema(doc, &r.op).and_then(|(_, s)| {
                find_property(doc, s, &["refresh_token", "refreshToken"], 0).or_else(|| {
                    let refresh = accord_spec::follow_ref(doc, s).pointer("/properties/refresh")?;
                    (accord_spec::follow_ref(doc, refresh)
                        .get("type")
                        .and_then(Value::as_str)
                        == Some("string"))
                    .then(|| "/refresh".to_string())
                })
            }) {
                let name = pointer.rsplit('/').next().unwrap_or("refresh_token");
                let _ = writeln!(t, "body = {{ {name} = \"${{refresh_token}}\" }}");
            } else if let Some(scheme) = bearer_scheme(doc, &r.op) {
                // No body to carry it, and a bearer scheme of its own securing it: the
                // refresh token goes in `Authorization` (flask-jwt-extended's refresh).
                let _ = writeln!(
                    t,
                    "# It takes no body and is secured by the bearer scheme `{scheme}`: the refresh token goes\n# as `Authorization: Bearer`.\nbearer = true"
                );
            } else {
                let _ = writeln!(
                    t,
                    "# No refresh token in its body: it is probably a cookie; name it:\n# cookie = \"refresh_token\""
                );
            }
            // An answer that documents an access token and no refresh token rotates none:
            // the checks of a used refresh token refused have nothing to judge.
            if let Some(answer) = success_schema(doc, &r.op)
                && find_property(doc, answer, TOKEN_PROPERTIES, 0).is_some()
                && find_property(
                    doc,
                    answer,
                    &["refresh_token", "refreshToken", "refresh"],
                    0,
                )
                .is_none()
            {
                let _ = writeln!(
                    t,
                    "# Its answer documents a new access token and no refresh token: it does not rotate them.\nrotation = false\nreuse_detection = false"
                );
            }
            if let Some(l) = logout {
                let _ = writeln!(t, "logout = {:?}", l.id);
                // A logout that takes the refresh token in its body revokes that one.
                if let Some(pointer) = request_schema(doc, &l.op)
                    .and_then(|(_, s)| find_property(doc, s, &["refresh_token", "refreshToken"], 0))
                {
                    let name = pointer.rsplit('/').next().unwrap_or("refresh_token");
                    let _ = writeln!(t, "logout_body = {{ {name} = \"${{refresh_token}}\" }}");
                }
            }
            t.push('\n');
        }
        None => {
            let _ = writeln!(
                t,
                "# [refresh] left out: no operation is named like a token refresh (the @refresh checks are skipped).\n"
            );
        }
    }

    // ---- cors
    // Credentials (cookies) cross origins only where a cookie carries something: a token in a
    // header needs none, and a public API may answer `*`.
    let cookies = crate::security::spec_sends_cookies(doc)
        || refresh.is_some_and(|r| request_schema(doc, &r.op).is_none());
    let _ = writeln!(
        t,
        "# [cors]: the spec cannot say where your frontend runs; name its origins to run the @cors checks.\n\
         # [cors]\n# allowed_origins = [\"http://localhost:5173\"]\n# {}\n",
        if cookies {
            "credentials = true   # a cookie carries the session: credentials must be allowed"
        } else {
            "credentials = false  # the token travels in a header: no credentials needed (`*` is fine)"
        }
    );

    // ---- errors
    let (envelope, schema, why) = envelope(doc, &ops);
    match why.strip_suffix("; RFC 9457 problems assumed: check it") {
        // Nothing to go by: no envelope is held against the backend where the spec is
        // silent (the statuses still are, and the bodies the spec declares).
        Some(why) => {
            let _ = writeln!(
                t,
                "# [errors] left out: {why}, so no envelope is checked where it is silent (the statuses are).\n\
                 # Name the one your backend answers to check it:\n\
                 # [errors]\n\
                 # envelope = \"problem\"  # or \"fastapi\", or \"schema\" with schema = \"#/components/schemas/Error\"\n"
            );
        }
        None => {
            let _ = writeln!(t, "[errors]\n# {why}.\nenvelope = {envelope:?}");
            if let Some(schema) = schema {
                let _ = writeln!(t, "schema = {schema:?}");
            }
            if envelope == "problem" {
                let _ = writeln!(
                    t,
                    "# true when every problem carries a `request_id` equal to its X-Request-Id header.\nrequest_id = false"
                );
            }
            t.push('\n');
        }
    }
    finish(t, doc, scheme.as_ref())
}

/// The operations that make and revoke a service's API key, as the spec shows them.
struct KeyOperations {
    create: Op,
    revoke: Op,
    /// The create's body: its required members, a `name` named for the run.
    body: Value,
    /// JSON pointers into the create's answer: the secret, and the key's id.
    key: String,
    id: String,
}

/// A secured POST on a path named for keys (`/api/keys`, `/api-keys`, `/users/me/apikeys`),
/// whose answer has the secret (`key`, `api_key`, `secret`, `token`) and an id, beside a
/// DELETE of one of them (`/api/keys/{key_id}`): the run makes its own key with them as the
/// signed-in user, and revokes it, so that no key need be exported.
fn key_operations(doc: &Value) -> Option<KeyOperations> {
    let ops = operations(doc);
    ops.iter()
        .filter(|o| {
            o.method.eq_ignore_ascii_case("post")
                && o.secured
                && (named_like(o, &["key"])
                    || named_like(o, &["token"])
                        && !named_like(o, &["refresh", "login", "signin", "revoke", "verify"]))
        })
        .find_map(|create| {
            let answer = success_schema(doc, &create.op)?;
            // An API token whose id is the secret (Semaphore's `POST /user/tokens` answers
            // `{"id", "created", "expired"}`, and the token is sent as `Bearer <id>`).
            let id_is_token = || {
                named_like(create, &["token"])
                    .then(|| find_property(doc, answer, &["id"], 0))
                    .flatten()
            };
            let key = find_property(
                doc,
                answer,
                &[
                    "key",
                    "api_key",
                    "apiKey",
                    "secret",
                    "token",
                    "plaintext",
                    "value",
                ],
                0,
            )
            .or_else(id_is_token)?;
            // A key the request gives is the client's own (an SSH public key, Gitea's
            // `POST /admin/users/{username}/keys`), never one the service issues.
            let key_name = key.rsplit('/').next().unwrap_or_default();
            let given = request_schema(doc, &create.op).is_some_and(|(_, schema)| {
                accord_spec::follow_ref(doc, schema)
                    .get("properties")
                    .and_then(Value::as_object)
                    .is_some_and(|p| p.contains_key(key_name))
            });
            if given {
                return None;
            }
            let id = find_property(doc, answer, &["id", "key_id", "keyId", "uuid"], 0)?;
            let revoke = ops.iter().find(|o| {
                o.method.eq_ignore_ascii_case("delete")
                    && o.path
                        .strip_prefix(&create.path)
                        .and_then(|rest| rest.strip_prefix("/{"))
                        .is_some_and(|rest| rest.ends_with('}') && !rest.contains('/'))
            })?;
            let mut body = request_schema(doc, &create.op)
                .map(|(_, schema)| required_sample(doc, schema))
                .unwrap_or_else(|| serde_json::json!({}));
            if let Some(m) = body.as_object_mut()
                && m.contains_key("name")
            {
                m.insert("name".into(), Value::String("accord-conformance".into()));
            }
            Some(KeyOperations {
                create: create.clone(),
                revoke: revoke.clone(),
                body,
                key,
                id,
            })
        })
}

/// The required members of an object schema, each a valid sample of its own.
fn required_sample(doc: &Value, schema: &Value) -> Value {
    let schema = accord_spec::follow_ref(doc, schema);
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut out = serde_json::Map::new();
    for (name, prop) in schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(name, _)| required.contains(&name.as_str()))
    {
        out.insert(name.clone(), crate::sample::valid(doc, prop));
    }
    Value::Object(out)
}

/// The end of the profile: the service's API key, what only the user knows, and
/// `[behaviour]`.
fn finish(mut t: String, doc: &Value, scheme: Option<&security::UserScheme>) -> String {
    // ---- api keys
    let key_scheme = doc
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .find(|(name, s)| {
            // An apiKey in a cookie is the browser's session (Django's `sessionid`), never
            // a service's key.
            s.get("type").and_then(Value::as_str) == Some("apiKey")
                && !security::is_session_cookie(s)
                && scheme.and_then(|u| u.name.as_ref()) != Some(*name)
        });
    match key_scheme {
        Some((name, _)) => match key_operations(doc) {
            Some(k) => {
                let _ = writeln!(
                    t,
                    "[apikey]\n# Security scheme `{name}` is a service's API key: the run makes one with {} {} (the\n# signed-in user's), finds it at {} of the answer and its id at {}, and revokes it with\n# {} {}.\nscheme = {name:?}\ncreate = {:?}\ncreate_body = {}\nkey = {:?}\nid = {:?}\nrevoke = {:?}\n",
                    k.create.method.to_uppercase(),
                    k.create.path,
                    k.key,
                    k.id,
                    k.revoke.method.to_uppercase(),
                    k.revoke.path,
                    k.create.id,
                    toml_inline(&k.body),
                    k.key,
                    k.id,
                    k.revoke.id,
                );
            }
            None => {
                let _ = writeln!(
                    t,
                    "[apikey]\n# Security scheme `{name}` is a service's API key: export one as ACCORD_API_KEY.\nscheme = {name:?}\nkey_env = \"ACCORD_API_KEY\"\n"
                );
            }
        },
        None => {
            let _ = writeln!(
                t,
                "# [apikey] left out: no apiKey scheme besides the user's token.\n"
            );
        }
    }
    // ---- parameters only the deployment knows
    let unknown: Vec<String> = crate::context::required_headers(doc)
        .into_iter()
        .filter(|(_, value)| value.is_none())
        .map(|(name, _)| name)
        .collect();
    if !unknown.is_empty() {
        let _ = writeln!(
            t,
            "[parameters]\n# Required headers the spec gives no value for: the run sends these on every\n# operation that declares them (a made-up one is refused before anything else).\n{}\n",
            unknown
                .iter()
                .map(|n| format!("# {n:?} = \"...\""))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    let _ = writeln!(
        t,
        "# [uploads], [cookies], [ratelimit] and [websocket] need what only you know (the presign body,\n\
         # the refresh cookie's name, a burst allowed on this backend, the socket's path): see the README.\n\n\
         [behaviour]\nexamples = 10\n# How long the expired-token check may wait for a token to expire (0: never).\nexpiry_wait_secs = 0"
    );
    t
}

/// The error envelope the spec shows, for a run whose profile has no `[errors]`: `None`
/// where the spec documents no error body (nothing to go by).
pub fn discovered_errors(doc: &Value) -> Option<(crate::profile::Errors, String)> {
    let ops = operations(doc);
    let (envelope, schema, why) = envelope(doc, &ops);
    if why.contains("assumed") {
        return None;
    }
    let envelope = match envelope.as_str() {
        "problem" => crate::profile::Envelope::Problem,
        "fastapi" => crate::profile::Envelope::Fastapi,
        _ => crate::profile::Envelope::Schema,
    };
    Some((
        crate::profile::Errors {
            envelope: toml::Spanned::new(0..0, envelope),
            schema: schema.map(|s| toml::Spanned::new(0..0, s)),
            content_type: None,
            request_id: false,
            validation_status: None,
        },
        why,
    ))
}

fn describe(scheme: &security::UserScheme) -> String {
    use crate::http::Placement;
    let by = scheme
        .name
        .as_deref()
        .map(|n| format!(" (security scheme `{n}`)"))
        .unwrap_or_default();
    match &scheme.placement {
        Placement::Bearer => format!("as `Authorization: Bearer`{by}"),
        Placement::Basic => format!("as `Authorization: Basic`{by}: the token is `user:password`"),
        Placement::Header { name, prefix } => format!("in `{name}: {prefix}<token>`{by}"),
        Placement::Query { name } => format!("in the `{name}` query parameter{by}"),
        Placement::Cookie { name } if name == security::SESSION_COOKIE => {
            format!("in the session cookie the sign-in sets{by}")
        }
        Placement::Cookie { name } => format!("in the `{name}` cookie{by}"),
    }
}

#[cfg(test)]
mod tests {

    /// A base URL without a path goes under the spec's server path (relative, absolute,
    /// with a variable at its default); one with a path, a server without one, or paths
    /// that carry it already, leave the base as it is.
    #[test]
    fn an_oauth2_client_credentials_flow_signs_in_as_the_client() {
        let doc = serde_json::json!({
            "openapi": "3.0.3",
            "components": {"securitySchemes": {"oauth": {"type": "oauth2", "flows": {
                "clientCredentials": {"tokenUrl": "https://auth.example.com/oauth/token", "scopes": {}}}}}},
            "security": [{"oauth": []}],
            "paths": {
                "/oauth/token": {"post": {"operationId": "issueToken", "security": [],
                    "requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {
                        "type": "object", "required": ["grant_type", "client_id", "client_secret"],
                        "properties": {"grant_type": {"type": "string", "enum": ["client_credentials"]},
                            "client_id": {"type": "string"}, "client_secret": {"type": "string"}}}}}},
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
                        "type": "object", "properties": {"access_token": {"type": "string"}}}}}}}}},
                "/things": {"get": {"responses": {"200": {"description": "ok"}}}}
            }
        });
        let written = super::profile(&doc, "spec.yaml", Some("http://127.0.0.1:1"));
        assert!(written.contains("operation = \"issueToken\""), "{written}");
        assert!(
            written.contains("body = { grant_type = \"client_credentials\", client_id = \"${ACCORD_USER}\", client_secret = \"${ACCORD_PASSWORD}\" }"),
            "{written}"
        );
        assert!(
            written.contains("access_token = \"body:/access_token\""),
            "{written}"
        );
    }

    /// FastAPI's OAuth2 password form: the user's name and password, and an optional
    /// client id and secret, which are an OAuth2 client's and left out.
    #[test]
    fn an_oauth2_password_form_s_optional_client_credentials_are_left_out() {
        let doc = serde_json::json!({
            "openapi": "3.1.0",
            "components": {"securitySchemes": {"cookie": {"type": "apiKey", "in": "cookie", "name": "session"}}},
            "security": [{"cookie": []}],
            "paths": {
                "/auth/login": {"post": {"operationId": "login", "security": [],
                    "requestBody": {"required": true, "content": {"application/x-www-form-urlencoded": {"schema": {
                        "type": "object", "required": ["username", "password"],
                        "properties": {
                            "grant_type": {"anyOf": [{"type": "string", "pattern": "^password$"}, {"type": "null"}]},
                            "username": {"type": "string"}, "password": {"type": "string", "format": "password"},
                            "scope": {"type": "string", "default": ""},
                            "client_id": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                            "client_secret": {"anyOf": [{"type": "string"}, {"type": "null"}], "format": "password"}}}}}},
                    "responses": {"204": {"description": "signed in"}, "400": {"description": "bad credentials"}}}},
                "/things": {"get": {"responses": {"200": {"description": "ok"}}}}
            }
        });
        let written = super::profile(&doc, "spec.yaml", Some("http://127.0.0.1:1"));
        let body = written
            .lines()
            .find(|l| l.starts_with("body = "))
            .unwrap_or_else(|| panic!("{written}"));
        assert!(body.contains("password = \"${ACCORD_PASSWORD}\""), "{body}");
        assert!(!body.contains("client_"), "{body}");
    }

    /// Flask AppBuilder's security API: a sign-in whose optional `provider` it crashes
    /// without and whose `refresh` flag asks for a refresh token, both shown by example; a
    /// refresh secured by a bearer scheme of its own, with no body, that answers an access
    /// token alone.
    #[test]
    fn a_refresh_secured_by_its_own_bearer_scheme_takes_the_refresh_token_there() {
        let doc = serde_json::json!({
            "openapi": "3.0.2",
            "components": {"securitySchemes": {
                "jwt": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "jwt_refresh": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
            "paths": {
                "/api/v1/security/login": {"post": {"operationId": "login",
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {
                        "type": "object", "properties": {
                            "username": {"type": "string", "example": "admin"},
                            "password": {"type": "string", "example": "complex-password"},
                            "provider": {"type": "string", "enum": ["db", "ldap"], "example": "db"},
                            "refresh": {"type": "boolean", "example": true}}}}}},
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
                        "type": "object", "properties": {
                            "access_token": {"type": "string"}, "refresh_token": {"type": "string"}}}}}}}}},
                "/api/v1/security/refresh": {"post": {"operationId": "refresh",
                    "security": [{"jwt_refresh": []}],
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
                        "type": "object", "properties": {"access_token": {"type": "string"}}}}}}}}},
                "/api/v1/contact/": {"get": {"security": [{"jwt": []}],
                    "responses": {"200": {"description": "ok"}}}}
            }
        });
        let written = super::profile(&doc, "spec.json", Some("http://127.0.0.1:1"));
        assert!(
            written.contains("body = { username = \"${ACCORD_USER}\", password = \"${ACCORD_PASSWORD}\", provider = \"db\", refresh = true }"),
            "{written}"
        );
        assert!(
            written.contains("refresh_token = \"body:/refresh_token\""),
            "{written}"
        );
        assert!(written.contains("\nbearer = true\n"), "{written}");
        assert!(
            written.contains("\nrotation = false\nreuse_detection = false\n"),
            "{written}"
        );
    }

    #[test]
    fn a_required_header_without_a_value_is_left_for_the_user_to_give() {
        let doc = serde_json::json!({
            "openapi": "3.0.3",
            "paths": {"/notes": {
                "parameters": [
                    {"name": "X-Tenant", "in": "header", "required": true, "schema": {"type": "string"}},
                    {"name": "X-Region", "in": "header", "required": true, "schema": {"type": "string"}, "example": "eu"},
                    {"name": "Idempotency-Key", "in": "header", "required": true, "schema": {"type": "string"}}
                ],
                "get": {"responses": {"200": {"description": "ok"}}}
            }}
        });
        let written = super::profile(&doc, "spec.yaml", Some("http://127.0.0.1:1"));
        assert!(written.contains("[parameters]"), "{written}");
        assert!(written.contains("# \"X-Tenant\" = \"...\""), "{written}");
        assert!(!written.contains("X-Region"), "{written}");
        assert!(!written.contains("Idempotency-Key"), "{written}");
        let parsed: toml::Table = toml::from_str(&written).unwrap();
        assert!(parsed["parameters"].as_table().unwrap().is_empty());
    }

    #[test]
    fn a_base_url_without_a_path_goes_under_the_server_path() {
        use super::under_server_path;
        let doc = |server: serde_json::Value| serde_json::json!({"servers": [server], "paths": {"/tasks": {}}});
        let relative = doc(serde_json::json!({"url": "/api/v1"}));
        assert_eq!(
            under_server_path("http://127.0.0.1:8000", &relative).as_deref(),
            Some("http://127.0.0.1:8000/api/v1")
        );
        assert_eq!(
            under_server_path("http://127.0.0.1:8000/", &relative).as_deref(),
            Some("http://127.0.0.1:8000/api/v1")
        );
        assert_eq!(
            under_server_path("http://127.0.0.1:8000/api", &relative),
            None
        );
        let absolute = doc(serde_json::json!({
            "url": "https://api.example.com/{version}",
            "variables": {"version": {"default": "v2"}}
        }));
        assert_eq!(
            under_server_path("http://127.0.0.1:8000", &absolute).as_deref(),
            Some("http://127.0.0.1:8000/v2")
        );
        let root = doc(serde_json::json!({"url": "https://api.example.com"}));
        assert_eq!(under_server_path("http://127.0.0.1:8000", &root), None);
        let both = serde_json::json!({"servers": [{"url": "/api"}], "paths": {"/api/tasks": {}}});
        assert_eq!(under_server_path("http://127.0.0.1:8000", &both), None);
    }
    use super::*;
    use std::path::Path;

    fn doc(path: &str) -> Value {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        accord_spec::Document::load(root.join(path))
            .unwrap()
            .document
    }

    #[test]
    fn the_reference_contract_gives_its_login_refresh_and_problem_envelope() {
        let text = profile(&doc("openapi/api.yaml"), "../../openapi/api.yaml", None);
        for line in [
            "operation = \"login\"",
            "register = \"register\"",
            "access_token = \"body:/access_token\"",
            "refresh_token = \"body:/refresh_token\"",
            "operation = \"refresh\"",
            "body = { refresh_token = \"${refresh_token}\" }",
            "logout = \"logout\"",
            "logout_body = { refresh_token = \"${refresh_token}\" }",
            "envelope = \"problem\"",
            "scheme = \"apiKeyAuth\"",
        ] {
            assert!(text.contains(line), "`{line}` missing:\n{text}");
        }
        let parsed = crate::profile::parse(&text, Path::new("init.toml"));
        assert!(parsed.is_ok(), "{:?}\n{text}", parsed.err());
    }

    /// A server on a loopback host the spec was not served from is a placeholder written
    /// while developing (swaggo's `@host localhost:8080`, a Swagger 2.0 document without
    /// `schemes` read as `https`): the base is where the spec came from, with its path. A
    /// server elsewhere, or the very origin that served the spec, is kept.
    #[test]
    fn a_loopback_server_the_spec_did_not_come_from_is_a_placeholder() {
        let base = |server: &str, location: &str| {
            let doc = serde_json::json!({"openapi": "3.0.3", "servers": [{"url": server}],
                "paths": {"/bottles": {"get": {"responses": {"200": {"description": "ok"}}}}}});
            let text = profile(&doc, location, None);
            text.lines()
                .find_map(|l| l.strip_prefix("base_url = "))
                .map(|l| l.trim_matches('"').to_string())
                .unwrap_or_default()
        };
        assert_eq!(
            base(
                "https://localhost:8080/api/v1",
                "http://127.0.0.1:8931/swagger/doc.json"
            ),
            "http://127.0.0.1:8931/api/v1"
        );
        assert_eq!(
            base(
                "http://127.0.0.1:8931/api/v1",
                "http://127.0.0.1:8931/swagger/doc.json"
            ),
            "http://127.0.0.1:8931/api/v1"
        );
        assert_eq!(
            base(
                "https://api.example.com/v1",
                "http://127.0.0.1:8931/swagger/doc.json"
            ),
            "https://api.example.com/v1"
        );
        assert_eq!(
            base("https://localhost:8080/api/v1", "docs/swagger.yaml"),
            "https://localhost:8080/api/v1"
        );
    }

    /// Simple JWT behind drf-spectacular: the pair `{"access", "refresh"}` its sign-in
    /// answers, and the refresh that takes `{"refresh"}` and answers a new pair (rotation).
    #[test]
    fn simple_jwt_s_pair_names_its_tokens_by_their_kind() {
        let doc = serde_json::json!({
            "openapi": "3.0.3",
            "components": {
                "securitySchemes": {"jwtAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
                "schemas": {
                    "TokenObtainPair": {"type": "object", "properties": {
                        "access": {"type": "string", "readOnly": true}, "refresh": {"type": "string", "readOnly": true}}},
                    "TokenObtainPairRequest": {"type": "object", "required": ["username", "password"], "properties": {
                        "username": {"type": "string", "writeOnly": true}, "password": {"type": "string", "writeOnly": true}}},
                    "TokenRefresh": {"type": "object", "properties": {
                        "access": {"type": "string", "readOnly": true}, "refresh": {"type": "string"}}},
                    "TokenRefreshRequest": {"type": "object", "required": ["refresh"], "properties": {
                        "refresh": {"type": "string", "minLength": 1}}}}},
            "security": [{"jwtAuth": []}],
            "paths": {
                "/api/token/": {"post": {"operationId": "token_create", "security": [],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TokenObtainPairRequest"}}}},
                    "responses": {"200": {"description": "", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TokenObtainPair"}}}}}}},
                "/api/token/refresh/": {"post": {"operationId": "token_refresh_create", "security": [],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TokenRefreshRequest"}}}},
                    "responses": {"200": {"description": "", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TokenRefresh"}}}}}}},
                "/api/notes/": {"get": {"operationId": "notes_list", "responses": {"200": {"description": ""}}}}
            }
        });
        let written = super::profile(&doc, "schema.json", Some("http://127.0.0.1:1"));
        for line in [
            "access_token = \"body:/access\"",
            "refresh_token = \"body:/refresh\"",
            "body = { refresh = \"${refresh_token}\" }",
        ] {
            assert!(written.contains(line), "`{line}` missing:\n{written}");
        }
        assert!(!written.contains("rotation = false"), "{written}");
    }

    #[test]
    fn another_style_gives_its_token_prefix_wrapped_token_and_error_schema() {
        let text = profile(
            &doc("fixtures/backends/articles-token.yaml"),
            "articles.yaml",
            Some("http://127.0.0.1:9"),
        );
        for line in [
            "base_url = \"http://127.0.0.1:9\"",
            "operation = \"login\"",
            "body = { user = { email = \"${ACCORD_USER}\", password = \"${ACCORD_PASSWORD}\" } }",
            "access_token = \"body:/user/token\"",
            "scheme = \"Token\"",
            "prefix = \"Token \"",
            "envelope = \"schema\"",
            "schema = \"#/components/schemas/Errors\"",
            "[refresh] left out",
        ] {
            assert!(text.contains(line), "`{line}` missing:\n{text}");
        }
        assert!(
            crate::profile::parse(&text, Path::new("init.toml")).is_ok(),
            "{text}"
        );
    }

    /// A sign-in whose credentials sit in an object named for them, written as a one-member
    /// `allOf` (memos's generated `SignInRequest`), beside an optional SSO object; a sign-up
    /// with a user name and an email: the sign-in sends the user name, and no SSO code.
    #[test]
    fn credentials_in_a_composed_object_are_filled_in_by_user_name() {
        let spec = serde_json::json!({
            "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {
                "/api/v1/auth/signin": {"post": {
                    "operationId": "SignIn",
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SignIn"}}}},
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
                        "type": "object", "properties": {"accessToken": {"type": "string"}}}}}}}
                }},
                "/api/v1/users": {"post": {
                    "operationId": "CreateUser",
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/User"}}}},
                    "responses": {"200": {"description": "ok"}}
                }}
            },
            "components": {"schemas": {
                "SignIn": {"type": "object", "properties": {
                    "passwordCredentials": {"allOf": [{"$ref": "#/components/schemas/Password"}], "description": "by password"},
                    "ssoCredentials": {"allOf": [{"$ref": "#/components/schemas/Sso"}], "description": "by SSO"}
                }},
                "Password": {"type": "object", "required": ["username", "password"], "properties": {
                    "username": {"type": "string"}, "password": {"type": "string"}}},
                "Sso": {"type": "object", "required": ["idpName", "code"], "properties": {
                    "idpName": {"type": "string"}, "code": {"type": "string"}}},
                "User": {"type": "object", "required": ["username"], "properties": {
                    "username": {"type": "string"}, "email": {"type": "string"}, "password": {"type": "string"}}}
            }}
        });
        let text = profile(&spec, "memos.yaml", None);
        for line in [
            "body = { passwordCredentials = { username = \"${ACCORD_NAME}\", password = \"${ACCORD_PASSWORD}\" } }",
            "export ACCORD_NAME (the user name), ACCORD_USER (the sign-up's email) and ACCORD_PASSWORD",
            "register_body = { username = \"${ACCORD_NAME}\", email = \"${ACCORD_USER}\", password = \"${ACCORD_PASSWORD}\" }",
            "access_token = \"body:/accessToken\"",
        ] {
            assert!(text.contains(line), "`{line}` missing:\n{text}");
        }
        assert!(!text.contains("ssoCredentials"), "{text}");
    }

    /// An apiKey scheme in `Authorization` that says no word before the token (Directus's
    /// `Auth`): no `prefix` is written, so the run finds the one the backend takes; a flag
    /// named like a credential (`email_notifications`) is no credential.
    #[test]
    fn an_authorization_key_without_a_word_leaves_the_prefix_to_the_run() {
        let spec = serde_json::json!({
            "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {
                "/auth/login": {"post": {
                    "operationId": "login",
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {
                        "type": "object", "required": ["email", "password"],
                        "properties": {"email": {"type": "string"}, "password": {"type": "string"}}}}}},
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
                        "type": "object", "properties": {"data": {"type": "object", "properties": {
                            "access_token": {"type": "string"}}}}}}}}}
                }},
                "/users": {"post": {
                    "operationId": "createUser",
                    "requestBody": {"content": {"application/json": {"schema": {
                        "type": "object", "properties": {
                            "email": {"type": "string"}, "password": {"type": "string"},
                            "email_notifications": {"type": "boolean"}}}}}},
                    "responses": {"200": {"description": "ok"}}
                }},
                "/presets": {"get": {
                    "operationId": "getPresets", "security": [{"Auth": []}],
                    "responses": {"200": {"description": "ok"}}
                }}
            },
            "components": {"securitySchemes": {
                "Auth": {"type": "apiKey", "in": "header", "name": "Authorization"}}}
        });
        let text = profile(&spec, "directus.json", None);
        assert!(
            text.contains("scheme = \"Auth\"\n# prefix = \"Bearer \""),
            "{text}"
        );
        assert!(!text.contains("\nprefix = "), "{text}");
        assert!(!text.contains("email_notifications"), "{text}");
        assert!(
            crate::profile::parse(&text, Path::new("init.toml")).is_ok(),
            "{text}"
        );
    }

    /// An OAuth code exchange named like a token endpoint (gotify's
    /// `POST /auth/oidc/external/token`, `code` and `code_verifier`) asks for no password: it
    /// is no sign-in, and without one the profile takes a token from the environment.
    #[test]
    fn a_code_exchange_named_like_a_token_endpoint_is_no_sign_in() {
        let spec = serde_json::json!({
            "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "components": {"securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Key"}}},
            "security": [{"key": []}],
            "paths": {
                "/auth/external/token": {"post": {
                    "operationId": "externalToken", "security": [],
                    "requestBody": {"content": {"application/json": {"schema": {
                        "type": "object", "required": ["code", "code_verifier"],
                        "properties": {"code": {"type": "string"}, "code_verifier": {"type": "string"}}}}}},
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
                        "type": "object", "properties": {"token": {"type": "string"}}}}}}}
                }},
                "/auth/login": {"post": {
                    "operationId": "login", "security": [],
                    "requestBody": {"content": {"application/json": {"schema": {
                        "type": "object", "required": ["name", "password"],
                        "properties": {"name": {"type": "string"}, "password": {"type": "string"}}}}}},
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
                        "type": "object", "properties": {"token": {"type": "string"}}}}}}}
                }}
            }
        });
        let text = profile(&spec, "spec.json", Some("http://127.0.0.1:9"));
        assert!(text.contains("operation = \"login\""), "{text}");
        let mut only_exchange = spec.clone();
        only_exchange["paths"]
            .as_object_mut()
            .unwrap()
            .remove("/auth/login");
        let text = profile(&only_exchange, "spec.json", Some("http://127.0.0.1:9"));
        assert!(!text.contains("externalToken"), "{text}");
        assert!(text.contains("kind = \"static\""), "{text}");
    }

    /// A refresh body that may be `null` (3.1's `anyOf` with `{type: null}`, as Django
    /// Ninja writes an optional body) still names where the refresh token goes.
    #[test]
    fn a_nullable_refresh_body_still_names_its_token() {
        let spec = serde_json::json!({
            "openapi": "3.1.0", "info": {"title": "t", "version": "1"},
            "paths": {"/auth/refresh/": {"post": {"operationId": "refresh",
                "requestBody": {"content": {"application/json": {"schema": {"anyOf": [
                    {"$ref": "#/components/schemas/Refresh"}, {"type": "null"}]}}}},
                "responses": {"200": {"description": "ok"}}}}},
            "components": {"schemas": {"Refresh": {"type": "object",
                "properties": {"refresh_token": {"type": "string"}}}}}
        });
        let text = profile(&spec, "spec.json", Some("http://127.0.0.1:9"));
        assert!(
            text.contains("body = { refresh_token = \"${refresh_token}\" }"),
            "{text}"
        );
    }

    /// A spec that makes and revokes service keys (`POST /api/keys` answering the secret,
    /// `DELETE /api/keys/{key_id}`) gets an `[apikey]` that makes its own key, not one that
    /// asks for a key in the environment.
    #[test]
    fn a_key_the_spec_can_make_is_made_by_the_run() {
        let bearer = serde_json::json!([{"bearer": []}]);
        let spec = serde_json::json!({
            "openapi": "3.1.0", "info": {"title": "t", "version": "1"},
            "paths": {
                "/api/keys": {"post": {"operationId": "create_key", "security": bearer,
                    "requestBody": {"content": {"application/json": {"schema": {"type": "object",
                        "required": ["name"], "properties": {"name": {"type": "string"}}}}}},
                    "responses": {"201": {"description": "ok", "content": {"application/json": {"schema": {
                        "type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"},
                        "key": {"type": "string"}}}}}}}}},
                "/api/keys/{key_id}": {"delete": {"operationId": "revoke_key", "security": bearer,
                    "parameters": [{"name": "key_id", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "responses": {"204": {"description": "gone"}}}},
                "/api/models": {"get": {"operationId": "list", "security": [{"bearer": []}, {"key": []}],
                    "responses": {"200": {"description": "ok"}}}}
            },
            "components": {"securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "key": {"type": "apiKey", "in": "header", "name": "X-API-Key"}}}
        });
        // A create that takes the key it answers makes the client's own (Gitea's SSH keys,
        // `POST /admin/users/{username}/keys`), which no request is authorized by.
        let mut ssh = spec.clone();
        ssh["paths"]["/api/keys"]["post"]["requestBody"]["content"]["application/json"]["schema"]
            ["properties"]["key"] = serde_json::json!({"type": "string"});
        let text = profile(&ssh, "spec.json", Some("http://127.0.0.1:9"));
        assert!(!text.contains("create = \"create_key\""), "{text}");
        let text = profile(&spec, "spec.json", Some("http://127.0.0.1:9"));
        for line in [
            "create = \"create_key\"",
            "create_body = { name = \"accord-conformance\" }",
            "key = \"/key\"",
            "id = \"/id\"",
            "revoke = \"revoke_key\"",
        ] {
            assert!(text.contains(line), "{line}\n{text}");
        }
        assert!(!text.contains("key_env"), "{text}");
    }

    /// One schema on a few of the documented error bodies (Django Ninja's spec: a JWT
    /// library's `{"error_code"}` on one route, the app's 30 untyped) is no envelope.
    #[test]
    fn a_schema_on_a_minority_of_error_bodies_is_no_envelope() {
        let mut paths = serde_json::Map::new();
        for n in 0..3 {
            paths.insert(
                format!("/items{n}"),
                serde_json::json!({"get": {"operationId": format!("list{n}"), "responses": {
                    "200": {"description": "ok"},
                    "404": {"description": "none", "content": {"application/json": {"schema": {"title": "Response"}}}}}}}),
            );
        }
        paths.insert(
            "/auth/sessions/{id}".into(),
            serde_json::json!({"delete": {"operationId": "revoke", "responses": {
                "200": {"description": "ok"},
                "404": {"description": "none", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/LibError"}}}}}}}),
        );
        let spec = serde_json::json!({
            "openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": paths,
            "components": {"schemas": {"LibError": {"type": "object", "required": ["error_code"],
                "properties": {"error_code": {"type": "string"}}}}}
        });
        let text = profile(&spec, "spec.json", Some("http://127.0.0.1:9"));
        assert!(
            text.contains("# [errors] left out: no shared error schema found"),
            "{text}"
        );
        assert!(!text.contains("envelope = \"schema\""), "{text}");
    }

    /// A spec that documents no error body says nothing of the envelope: the profile names
    /// none (a commented section says how to), so none is held against the backend; with
    /// one documented, it is written.
    #[test]
    fn no_envelope_is_assumed_where_the_spec_documents_no_error_body() {
        let mut spec = serde_json::json!({
            "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {"/items": {"get": {"operationId": "list", "responses": {
                "200": {"description": "ok"}, "404": {"description": "none"}}}}}
        });
        let text = profile(&spec, "spec.json", Some("http://127.0.0.1:9"));
        assert!(
            text.contains("# [errors] left out: the spec documents no error body"),
            "{text}"
        );
        let parsed: toml::Value = toml::from_str(&text).unwrap();
        assert!(parsed.get("errors").is_none(), "{text}");
        spec["paths"]["/items"]["get"]["responses"]["404"]["content"] = serde_json::json!({
            "application/problem+json": {"schema": {"type": "object"}}});
        let text = profile(&spec, "spec.json", Some("http://127.0.0.1:9"));
        let parsed: toml::Value = toml::from_str(&text).unwrap();
        assert_eq!(
            parsed["errors"]["envelope"].as_str(),
            Some("problem"),
            "{text}"
        );
    }

    /// A spec that secures nothing and names no scheme (Spring PetClinic's) gets no [auth]: a
    /// token nothing takes would only stop the run on an unset variable. A scheme named, or an
    /// operation secured, asks for one.
    #[test]
    fn no_token_is_asked_for_where_the_spec_secures_nothing() {
        let mut spec = serde_json::json!({
            "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {"/owners": {"get": {"operationId": "list", "responses": {
                "200": {"description": "ok"}}}}}
        });
        let text = profile(&spec, "spec.json", Some("http://127.0.0.1:9"));
        assert!(
            text.contains("# [auth] left out: the spec secures no operation"),
            "{text}"
        );
        let parsed: toml::Value = toml::from_str(&text).unwrap();
        assert!(parsed.get("auth").is_none(), "{text}");
        spec["components"] = serde_json::json!({"securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"}}});
        spec["security"] = serde_json::json!([{"bearer": []}]);
        let text = profile(&spec, "spec.json", Some("http://127.0.0.1:9"));
        let parsed: toml::Value = toml::from_str(&text).unwrap();
        assert_eq!(parsed["auth"]["kind"].as_str(), Some("static"), "{text}");
    }

    /// JHipster's spec secures nothing, so an admin's create of a user (no password) is as
    /// unsecured as the sign-up: the sign-up is the one that takes a password.
    #[test]
    fn the_sign_up_is_the_create_of_a_user_that_takes_a_password() {
        let user = |password: bool| {
            let mut props = serde_json::json!({
                "login": {"type": "string"}, "email": {"type": "string"}});
            if password {
                props["password"] = serde_json::json!({"type": "string"});
            }
            serde_json::json!({"content": {"application/json": {"schema": {
                "type": "object", "properties": props}}}})
        };
        let created = serde_json::json!({"201": {"description": "made"}});
        let spec = serde_json::json!({
            "openapi": "3.1.0", "info": {"title": "t", "version": "1"},
            "paths": {
                "/api/admin/users": {"post": {"operationId": "createUser",
                    "requestBody": user(false), "responses": created}},
                "/api/authenticate": {"post": {"operationId": "authorize",
                    "requestBody": {"content": {"application/json": {"schema": {
                        "type": "object", "properties": {
                            "username": {"type": "string"}, "password": {"type": "string"}}}}}},
                    "responses": {"200": {"description": "ok"}}}},
                "/api/register": {"post": {"operationId": "registerAccount",
                    "requestBody": user(true), "responses": created}}
            }
        });
        let text = profile(&spec, "spec.json", Some("http://127.0.0.1:9"));
        assert!(text.contains("register = \"registerAccount\""), "{text}");
    }

    /// springdoc's spec: a global `security` secures the sign-in and the sign-up too, and
    /// every answer is `*/*` (a controller naming no `produces`). The sign-in is found by the
    /// token its `*/*` answer holds, and the sign-up beside it.
    #[test]
    fn springdoc_s_secured_sign_in_and_sign_up_answering_any_media_type_are_found() {
        let credentials = serde_json::json!({"content": {"application/json": {"schema": {
            "type": "object", "required": ["username", "password"], "properties": {
                "username": {"type": "string"}, "password": {"type": "string"}}}}}});
        let token = serde_json::json!({"200": {"description": "OK", "content": {"*/*": {
            "schema": {"type": "object", "properties": {"token": {"type": "string"}}}}}}});
        let spec = serde_json::json!({
            "openapi": "3.0.1", "info": {"title": "t", "version": "1"},
            "security": [{"bearerAuth": []}],
            "components": {"securitySchemes": {"bearerAuth": {
                "type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
            "paths": {
                "/api/v1/auth/sign-up": {"post": {"operationId": "signUp",
                    "requestBody": credentials, "responses": token}},
                "/api/v1/auth/sign-in": {"post": {"operationId": "signIn",
                    "requestBody": credentials, "responses": token}},
                "/api/v1/todo": {"get": {"operationId": "getAll", "responses": {
                    "200": {"description": "OK"}}}}
            }
        });
        let text = profile(&spec, "spec.json", Some("http://127.0.0.1:9"));
        assert!(text.contains("operation = \"signIn\""), "{text}");
        assert!(text.contains("register = \"signUp\""), "{text}");
        assert!(text.contains("access_token = \"body:/token\""), "{text}");
    }

    /// A sign-in secured by HTTP basic alone (gotify's `POST /auth/local/login`), answering
    /// its session in a cookie the spec does not name: the basic credentials and the cookie.
    #[test]
    fn a_sign_in_secured_by_basic_alone_sends_basic_credentials_and_reads_its_cookie() {
        let spec = serde_json::json!({
            "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "components": {"securitySchemes": {
                "basicAuth": {"type": "http", "scheme": "basic"},
                "clientToken": {"type": "apiKey", "in": "header", "name": "X-Key"}}},
            "security": [{"clientToken": []}],
            "paths": {"/auth/local/login": {"post": {
                "operationId": "localLogin", "security": [{"basicAuth": []}],
                "requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {
                    "type": "object", "required": ["name"],
                    "properties": {"name": {"type": "string"}}}}}},
                "responses": {"200": {"description": "ok",
                    "headers": {"Set-Cookie": {"schema": {"type": "string"}}},
                    "content": {"application/json": {"schema": {
                        "type": "object", "properties": {"id": {"type": "integer"}}}}}}}
            }}}
        });
        let text = profile(&spec, "spec.json", Some("http://127.0.0.1:9"));
        for line in [
            "operation = \"localLogin\"",
            "basic = \"${ACCORD_USER}:${ACCORD_PASSWORD}\"",
            "access_token = \"cookie:*\"",
            "# second_basic = \"${ACCORD_USER_2}:${ACCORD_PASSWORD_2}\"",
        ] {
            assert!(text.contains(line), "`{line}` missing:\n{text}");
        }
        assert!(
            crate::profile::parse(&text, Path::new("init.toml")).is_ok(),
            "{text}"
        );
    }

    /// A sign-in whose answer's schema holds no token (`{"data": {"user": ...}}`) beside a
    /// scheme that is a cookie: the session is the cookie the scheme names.
    #[test]
    fn a_sign_in_answering_no_token_beside_a_cookie_scheme_reads_that_cookie() {
        let spec = serde_json::json!({
            "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "components": {"securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "sid"}}},
            "security": [{"session": []}],
            "paths": {"/auth/login": {"post": {
                "operationId": "login", "security": [],
                "requestBody": {"content": {"application/json": {"schema": {
                    "type": "object", "required": ["username", "password"],
                    "properties": {"username": {"type": "string"}, "password": {"type": "string"}}}}}},
                "responses": {"200": {"description": "ok",
                    "content": {"application/json": {"schema": {
                        "type": "object", "properties": {"data": {"type": "object",
                            "properties": {"user": {"type": "string"}}}}}}}}}
            }}}
        });
        let text = profile(&spec, "spec.json", Some("http://127.0.0.1:9"));
        assert!(text.contains("access_token = \"cookie:sid\""), "{text}");
        assert!(
            crate::profile::parse(&text, Path::new("init.toml")).is_ok(),
            "{text}"
        );
    }

    /// A sign-in that documents its token in a header of its answer (devise-jwt's
    /// `Authorization: Bearer <jwt>`), with none in its body, is read there.
    #[test]
    fn a_token_in_the_sign_in_answer_header_is_read_there() {
        let spec = serde_json::json!({
            "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "components": {"securitySchemes": {"jwt": {"type": "http", "scheme": "bearer"}}},
            "security": [{"jwt": []}],
            "paths": {"/users/sign_in": {"post": {
                "operationId": "signIn", "security": [],
                "requestBody": {"content": {"application/json": {"schema": {
                    "type": "object", "required": ["user"],
                    "properties": {"user": {"type": "object", "required": ["email", "password"],
                        "properties": {"email": {"type": "string"}, "password": {"type": "string"}}}}}}}},
                "responses": {"200": {"description": "signed in",
                    "headers": {"Authorization": {"schema": {"type": "string"}}},
                    "content": {"application/json": {"schema": {
                        "type": "object", "properties": {"email": {"type": "string"}}}}}}}
            }}}
        });
        let text = profile(&spec, "spec.json", Some("http://127.0.0.1:9"));
        assert!(
            text.contains("access_token = \"header:Authorization\""),
            "{text}"
        );
        assert!(
            crate::profile::parse(&text, Path::new("init.toml")).is_ok(),
            "{text}"
        );
    }
}

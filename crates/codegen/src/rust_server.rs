//! The Rust server target: axum stubs over the shared model types.
//!
//! For each operation the output has a response enum (one variant per documented status,
//! with its typed body and headers) and a method of the `Api` trait taking typed inputs; the
//! `router` function wires every route, authenticates secured operations through the
//! implementation's authenticator, decodes and validates inputs (`accord-server-runtime`),
//! and renders every failure the framework produces through the implementation's
//! `render_error`, so any error envelope can be served.
//!
//! Routes are registered with positional parameter names (`/items/{p0}`), so paths whose
//! parameters are named differently at the same place (`/a/{id}/b`, `/a/{name}/c`) do not
//! collide in axum's router; inputs are still reported by their spec names.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use accord_spec::{Problem, Spec, join};
use serde_json::{Map, Value, json};

use crate::rust_types::{self, ModelTypes, rust_name};
use crate::{CodegenError, Origin, Output};

const TARGET: &str = "rust server";
const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Generates a standalone server module: the model types (`pub mod types`) and the stubs.
pub fn generate(spec: &Spec, origin: &Origin<'_>) -> Result<Output, CodegenError> {
    let model = rust_types::generate(spec, origin)?;
    let types_body = model
        .output
        .text
        .strip_prefix(&origin.header("//"))
        .unwrap_or(&model.output.text)
        .to_string();
    let mut notes = Vec::new();
    let server = stubs(spec, &model, &mut notes);
    let source = format!(
        "/// The model types: one per schema of the spec.\n#[allow(clippy::all)]\npub mod types {{\n{types_body}\n}}\n{server}"
    );
    finish(origin, &source, notes)
}

/// Generates the server module using the shared model types of the crate `types_crate`,
/// re-exported as `types`.
pub fn generate_using(
    spec: &Spec,
    origin: &Origin<'_>,
    model: &ModelTypes,
    types_crate: &str,
) -> Result<Output, CodegenError> {
    let mut notes = Vec::new();
    let server = stubs(spec, model, &mut notes);
    let source =
        format!("/// The shared model types.\npub use ::{types_crate} as types;\n{server}");
    finish(origin, &source, notes)
}

fn finish(origin: &Origin<'_>, source: &str, notes: Vec<Problem>) -> Result<Output, CodegenError> {
    let file = syn::parse_str::<syn::File>(source).map_err(|e| CodegenError::Failed {
        target: TARGET,
        message: format!("generated unparsable code ({e}); please report this spec"),
    })?;
    Ok(Output {
        text: format!("{}{}", origin.header("//"), prettyplease::unparse(&file)),
        notes,
    })
}

// ---------------------------------------------------------------------------------------
// The model of the stubs, read from the document.

struct Operation {
    id: String,
    /// snake_case method name of the trait.
    method_name: String,
    /// PascalCase stem of the response enum.
    type_stem: String,
    http_method: &'static str,
    path: String,
    route: String,
    summary: Option<String>,
    description: Option<String>,
    params: Vec<Param>,
    body: Option<Body>,
    responses: Vec<Response>,
    security: Security,
}

struct Param {
    name: String,
    ident: String,
    location: &'static str,
    /// The positional route key for a path parameter.
    route_key: String,
    required: bool,
    explode: bool,
    rust: String,
    schema: Value,
    description: Option<String>,
}

enum BodyKind {
    Typed,
    Raw,
}

struct Body {
    kind: BodyKind,
    accepted: Vec<String>,
    rust: String,
    schema: Value,
    required: bool,
}

struct Response {
    code: String,
    variant: String,
    description: String,
    body: Option<ResponseBody>,
    headers: Vec<Header>,
}

struct ResponseBody {
    media: String,
    rust: String,
    encoding: Encoding,
}

#[derive(Clone, Copy)]
enum Encoding {
    Json,
    Text,
    Bytes,
}

struct Header {
    name: String,
    ident: String,
    rust: String,
    required: bool,
}

#[derive(Default)]
struct Security {
    alternatives: Vec<Vec<String>>,
    optional: bool,
}

impl Security {
    fn secured(&self) -> bool {
        !self.alternatives.is_empty()
    }
}

/// Follows `$ref` chains within the document.
fn resolve<'v>(doc: &'v Value, value: &'v Value) -> &'v Value {
    accord_spec::follow_ref(doc, value)
}

/// The Rust type of a schema: a shared model type for a named schema, a std type otherwise.
fn rust_type(doc: &Value, model: &ModelTypes, schema: &Value, depth: usize) -> String {
    const VALUE: &str = "::serde_json::Value";
    if depth > 16 {
        return VALUE.into();
    }
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference
            .strip_prefix("#/components/schemas/")
            .map(|n| n.replace("~1", "/").replace("~0", "~"));
        return match name.and_then(|n| model.types.get(&n)) {
            Some((rust, _)) => format!("types::{rust}"),
            None => rust_type(doc, model, resolve(doc, schema), depth + 1),
        };
    }
    let format = schema.get("format").and_then(Value::as_str);
    let has = |k: &str| schema.get(k).is_some();
    if has("allOf") || has("oneOf") || has("anyOf") || has("enum") && !is_string(schema) {
        return VALUE.into();
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("string") => match format {
            Some("date-time") => "::chrono::DateTime<::chrono::Utc>".into(),
            Some("date") => "::chrono::NaiveDate".into(),
            Some("uuid") => "::uuid::Uuid".into(),
            _ => "::std::string::String".into(),
        },
        Some("integer") => match format {
            Some("int32") => "i32".into(),
            Some("uint32") => "u32".into(),
            Some("uint64") => "u64".into(),
            _ => "i64".into(),
        },
        Some("number") => "f64".into(),
        Some("boolean") => "bool".into(),
        Some("array") => {
            let items = schema.get("items").unwrap_or(&Value::Null);
            format!(
                "::std::vec::Vec<{}>",
                rust_type(doc, model, items, depth + 1)
            )
        }
        Some("object") | None if !has("properties") => match schema.get("additionalProperties") {
            Some(inner @ Value::Object(m)) if !m.is_empty() => format!(
                "::std::collections::HashMap<::std::string::String, {}>",
                rust_type(doc, model, inner, depth + 1)
            ),
            _ if schema.get("type").is_some() => {
                "::serde_json::Map<::std::string::String, ::serde_json::Value>".into()
            }
            _ => VALUE.into(),
        },
        _ => VALUE.into(),
    }
}

fn is_string(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("string")
}

/// A Rust identifier in snake_case, never a keyword.
fn snake(name: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && prev_lower && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        } else {
            if !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
            prev_lower = false;
        }
    }
    let out = out.trim_matches('_').to_string();
    let out = if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("v_{out}")
    } else {
        out
    };
    if KEYWORDS.contains(&out.as_str()) {
        format!("{out}_")
    } else {
        out
    }
}

/// A PascalCase identifier, ASCII only (any other letter may not start an identifier).
fn pascal(name: &str) -> String {
    let out: String = rust_name(name)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("Op{out}")
    } else {
        out
    }
}

const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen", "union",
];

/// Names the trait reserves for itself, and the arguments every handler takes.
const RESERVED_METHODS: &[&str] = &["authenticate", "render_error", "body_limit"];
const RESERVED_ARGS: &[&str] = &[
    "ctx",
    "principal",
    "body",
    "api",
    "request",
    "inputs",
    "payload",
    "path",
    "response",
    "error",
];

fn unique(taken: &mut BTreeSet<String>, wanted: String, reserved: &[&str]) -> String {
    let mut candidate = wanted.clone();
    let mut n = 2;
    while taken.contains(&candidate) || reserved.contains(&candidate.as_str()) {
        candidate = format!("{wanted}_{n}");
        n += 1;
    }
    taken.insert(candidate.clone());
    candidate
}

fn variant_name(code: &str) -> String {
    let code = code.to_ascii_uppercase();
    let name = match code.as_str() {
        "DEFAULT" => "Default",
        "1XX" => "Informational",
        "2XX" => "Success",
        "3XX" => "Redirection",
        "4XX" => "ClientError",
        "5XX" => "ServerError",
        "100" => "Continue",
        "200" => "Ok",
        "201" => "Created",
        "202" => "Accepted",
        "203" => "NonAuthoritativeInformation",
        "204" => "NoContent",
        "205" => "ResetContent",
        "206" => "PartialContent",
        "301" => "MovedPermanently",
        "302" => "Found",
        "303" => "SeeOther",
        "304" => "NotModified",
        "307" => "TemporaryRedirect",
        "308" => "PermanentRedirect",
        "400" => "BadRequest",
        "401" => "Unauthorized",
        "402" => "PaymentRequired",
        "403" => "Forbidden",
        "404" => "NotFound",
        "405" => "MethodNotAllowed",
        "406" => "NotAcceptable",
        "408" => "RequestTimeout",
        "409" => "Conflict",
        "410" => "Gone",
        "411" => "LengthRequired",
        "412" => "PreconditionFailed",
        "413" => "PayloadTooLarge",
        "414" => "UriTooLong",
        "415" => "UnsupportedMediaType",
        "416" => "RangeNotSatisfiable",
        "417" => "ExpectationFailed",
        "418" => "ImATeapot",
        "422" => "UnprocessableEntity",
        "423" => "Locked",
        "424" => "FailedDependency",
        "425" => "TooEarly",
        "426" => "UpgradeRequired",
        "428" => "PreconditionRequired",
        "429" => "TooManyRequests",
        "431" => "RequestHeaderFieldsTooLarge",
        "451" => "UnavailableForLegalReasons",
        "500" => "InternalServerError",
        "501" => "NotImplemented",
        "502" => "BadGateway",
        "503" => "ServiceUnavailable",
        "504" => "GatewayTimeout",
        other => return format!("Status{}", other.to_ascii_uppercase()),
    };
    name.to_string()
}

/// The status class of a range key (`4XX` is 4), `None` for `default`.
fn range_class(code: &str) -> Option<Option<u16>> {
    let code = code.to_ascii_uppercase();
    match code.as_str() {
        "DEFAULT" => Some(None),
        c if c.len() == 3 && c.ends_with("XX") => c[..1].parse().ok().map(Some),
        _ => None,
    }
}

fn is_json(media: &str) -> bool {
    let essence = media
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || essence.ends_with("+json")
}

fn text_of(value: Option<&Value>) -> Option<String> {
    value
        .and_then(Value::as_str)
        .map(str::to_string)
        .filter(|s| !s.trim().is_empty())
}

fn read_operations(doc: &Value, model: &ModelTypes, notes: &mut Vec<Problem>) -> Vec<Operation> {
    let mut ops = Vec::new();
    let mut method_names = BTreeSet::new();
    let mut type_stems = BTreeSet::new();
    let global_security = doc.get("security");
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return ops;
    };
    for (path, item) in paths {
        let item = resolve(doc, item);
        let path_params = item
            .get("parameters")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for method in METHODS {
            let Some(op) = item.get(*method).and_then(Value::as_object) else {
                continue;
            };
            let pointer = join(&join("/paths", path), method);
            let label = format!("{} {path}", method.to_uppercase());
            let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                notes.push(Problem::new(
                    &pointer,
                    format!("{label} has no operationId; left out of the server"),
                ));
                continue;
            };
            let route = match route_of(path) {
                Ok(route) => route,
                Err(why) => {
                    notes.push(Problem::new(
                        &pointer,
                        format!("{label}: {why}; left out of the server"),
                    ));
                    continue;
                }
            };
            let mut arg_names: BTreeSet<String> = BTreeSet::new();
            let params = read_params(doc, model, path, &path_params, op, &mut arg_names);
            let body = op
                .get("requestBody")
                .map(|b| read_body(doc, model, b, &pointer, &label, notes));
            let responses = read_responses(doc, model, op, &pointer, &label, notes);
            let security = read_security(
                doc,
                op.get("security").or(global_security),
                &pointer,
                &label,
                notes,
            );
            ops.push(Operation {
                id: id.to_string(),
                method_name: unique(&mut method_names, snake(id), RESERVED_METHODS),
                type_stem: unique(&mut type_stems, pascal(id), &[]),
                http_method: method,
                path: path.clone(),
                route,
                summary: text_of(op.get("summary")),
                description: text_of(op.get("description")),
                params,
                body,
                responses,
                security,
            });
        }
    }
    ops
}

/// The axum route of a path template, with positional parameter names.
fn route_of(path: &str) -> Result<String, String> {
    if !path.starts_with('/') {
        return Err("the path does not start with `/`".into());
    }
    let mut out = String::new();
    let mut index = 0;
    for (i, segment) in path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        if segment.starts_with('{') && segment.ends_with('}') && segment.matches('{').count() == 1 {
            write!(out, "{{p{index}}}").ok();
            index += 1;
        } else if segment.contains(['{', '}']) {
            return Err(format!(
                "the segment `{segment}` mixes a parameter with text, which axum's router cannot match"
            ));
        } else if segment.starts_with('*') || segment.starts_with(':') {
            return Err(format!(
                "the segment `{segment}` would be a wildcard in axum's router"
            ));
        } else {
            out.push_str(segment);
        }
    }
    Ok(out)
}

fn read_params(
    doc: &Value,
    model: &ModelTypes,
    path: &str,
    path_level: &[Value],
    op: &Map<String, Value>,
    arg_names: &mut BTreeSet<String>,
) -> Vec<Param> {
    // Operation parameters override path-level ones of the same name and location.
    let mut merged: Vec<&Value> = Vec::new();
    let own: Vec<&Value> = op
        .get("parameters")
        .and_then(Value::as_array)
        .map(|a| a.iter().map(|p| resolve(doc, p)).collect())
        .unwrap_or_default();
    let key = |p: &Value| {
        (
            p.get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            p.get("in")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        )
    };
    for p in path_level.iter().map(|p| resolve(doc, p)) {
        if !own.iter().any(|o| key(o) == key(p)) {
            merged.push(p);
        }
    }
    merged.extend(own);
    let positions: Vec<String> = path
        .split('/')
        .filter(|s| s.starts_with('{') && s.ends_with('}'))
        .map(|s| s[1..s.len() - 1].to_string())
        .collect();

    let order = ["path", "query", "header", "cookie"];
    let mut params = Vec::new();
    for location in order {
        for p in merged
            .iter()
            .filter(|p| p.get("in").and_then(Value::as_str) == Some(location))
        {
            let name = p
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let route_key = match positions.iter().position(|n| *n == name) {
                Some(i) => format!("p{i}"),
                None if location == "path" => continue,
                None => String::new(),
            };
            let schema = p
                .get("schema")
                .cloned()
                .or_else(|| {
                    p.get("content")
                        .and_then(Value::as_object)
                        .and_then(|c| c.values().next())
                        .and_then(|m| m.get("schema"))
                        .cloned()
                })
                .unwrap_or_else(|| json!({}));
            let resolved = resolve(doc, &schema);
            let required = location == "path"
                || p.get("required").and_then(Value::as_bool).unwrap_or(false)
                || resolved.get("default").is_some();
            let style_form = p
                .get("style")
                .and_then(Value::as_str)
                .is_none_or(|s| s == "form");
            let explode = p
                .get("explode")
                .and_then(Value::as_bool)
                .unwrap_or(style_form);
            let inner = rust_type(doc, model, &schema, 0);
            let rust = if required {
                inner
            } else {
                format!("::std::option::Option<{inner}>")
            };
            params.push(Param {
                ident: unique(arg_names, snake(&name), RESERVED_ARGS),
                name,
                location,
                route_key,
                required,
                explode,
                rust,
                schema,
                description: text_of(p.get("description")),
            });
        }
    }
    params
}

fn read_body(
    doc: &Value,
    model: &ModelTypes,
    body: &Value,
    pointer: &str,
    label: &str,
    notes: &mut Vec<Problem>,
) -> Body {
    let body = resolve(doc, body);
    let required = body
        .get("required")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let content = body
        .get("content")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let json: Vec<(&String, &Value)> = content.iter().filter(|(m, _)| is_json(m)).collect();
    let form = content.iter().find(|(m, _)| {
        m.split(';').next().map(str::trim) == Some("application/x-www-form-urlencoded")
    });
    let (kind, accepted, schema) = if let Some((_, media)) = json.first() {
        let others: Vec<&str> = content
            .keys()
            .filter(|m| !is_json(m))
            .map(String::as_str)
            .collect();
        if !others.is_empty() {
            notes.push(Problem::new(
                join(pointer, "requestBody"),
                format!(
                    "{label}: the server accepts the JSON body only, not {}",
                    others.join(", ")
                ),
            ));
        }
        let accepted = json.iter().map(|(m, _)| (*m).clone()).collect();
        (
            BodyKind::Typed,
            accepted,
            media.get("schema").cloned().unwrap_or_else(|| json!({})),
        )
    } else if let Some((media, m)) = form {
        let schema = m.get("schema").cloned().unwrap_or_else(|| json!({}));
        (BodyKind::Typed, vec![media.clone()], schema)
    } else if content.is_empty() {
        (BodyKind::Raw, vec!["*/*".to_string()], json!({}))
    } else {
        (BodyKind::Raw, content.keys().cloned().collect(), json!({}))
    };
    let inner = match kind {
        BodyKind::Typed => rust_type(doc, model, &schema, 0),
        BodyKind::Raw => "rt::RawBody".to_string(),
    };
    let rust = if required {
        inner
    } else {
        format!("::std::option::Option<{inner}>")
    };
    Body {
        kind,
        accepted,
        rust,
        schema,
        required,
    }
}

fn read_responses(
    doc: &Value,
    model: &ModelTypes,
    op: &Map<String, Value>,
    pointer: &str,
    label: &str,
    notes: &mut Vec<Problem>,
) -> Vec<Response> {
    let mut out = Vec::new();
    let Some(responses) = op.get("responses").and_then(Value::as_object) else {
        return out;
    };
    let mut variants = BTreeSet::new();
    for (code, response) in responses {
        let response = resolve(doc, response);
        let here = join(&join(pointer, "responses"), code);
        let content = response
            .get("content")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let chosen = content
            .iter()
            .find(|(m, _)| is_json(m))
            .or_else(|| content.iter().next());
        let body = chosen.map(|(media, m)| {
            if content.len() > 1 {
                notes.push(Problem::new(
                    &here,
                    format!("{label} {code}: the server answers `{media}` only"),
                ));
            }
            let essence = media
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            let (encoding, rust) = if is_json(media) {
                let schema = m.get("schema").cloned().unwrap_or_else(|| json!({}));
                (Encoding::Json, rust_type(doc, model, &schema, 0))
            } else if essence.starts_with("text/") {
                (Encoding::Text, "::std::string::String".to_string())
            } else {
                (Encoding::Bytes, "::std::vec::Vec<u8>".to_string())
            };
            ResponseBody {
                media: media.clone(),
                rust,
                encoding,
            }
        });
        let mut header_names = BTreeSet::new();
        let mut headers = Vec::new();
        for (name, header) in response
            .get("headers")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if name.eq_ignore_ascii_case("content-type") {
                continue;
            }
            let header = resolve(doc, header);
            let schema = header
                .get("schema")
                .cloned()
                .unwrap_or_else(|| json!({"type": "string"}));
            let rust = match rust_type(doc, model, &schema, 0) {
                t if t.starts_with("::serde_json") => "::std::string::String".to_string(),
                t => t,
            };
            let required = header
                .get("required")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            headers.push(Header {
                ident: unique(&mut header_names, snake(name), &["body", "status"]),
                name: name.clone(),
                rust: if required {
                    rust
                } else {
                    format!("::std::option::Option<{rust}>")
                },
                required,
            });
        }
        out.push(Response {
            variant: {
                let wanted = variant_name(code);
                let v = unique(&mut variants, wanted, &[]);
                v.replace('_', "")
            },
            code: code.clone(),
            description: text_of(response.get("description")).unwrap_or_default(),
            body,
            headers,
        });
    }
    out
}

fn read_security(
    doc: &Value,
    security: Option<&Value>,
    pointer: &str,
    label: &str,
    notes: &mut Vec<Problem>,
) -> Security {
    let mut out = Security::default();
    let Some(requirements) = security.and_then(Value::as_array) else {
        return out;
    };
    for requirement in requirements {
        let Some(schemes) = requirement.as_object() else {
            continue;
        };
        if schemes.is_empty() {
            out.optional = true;
            continue;
        }
        let mut alternative = Vec::new();
        for name in schemes.keys() {
            match scheme_expr(doc, name) {
                Some(expr) => alternative.push(expr),
                None => {
                    notes.push(Problem::new(
                        join(pointer, "security"),
                        format!("{label}: the security scheme `{name}` carries no credential the server can read; that alternative never holds"),
                    ));
                    alternative.clear();
                    break;
                }
            }
        }
        if !alternative.is_empty() {
            out.alternatives.push(alternative);
        }
    }
    if out.alternatives.is_empty() && !requirements.is_empty() && !out.optional {
        // Every alternative is unreadable: keep the operation closed, never open.
        out.alternatives.push(Vec::new());
    }
    out
}

/// The runtime's description of a security scheme, as Rust source.
fn scheme_expr(doc: &Value, name: &str) -> Option<String> {
    let scheme = doc.pointer(&join("/components/securitySchemes", name))?;
    let scheme = resolve(doc, scheme);
    let lit = string_literal(name);
    match scheme.get("type").and_then(Value::as_str)? {
        "http" => match scheme
            .get("scheme")
            .and_then(Value::as_str)?
            .to_ascii_lowercase()
            .as_str()
        {
            "bearer" => Some(format!("rt::auth::Scheme::Bearer {{ name: {lit} }}")),
            "basic" => Some(format!("rt::auth::Scheme::Basic {{ name: {lit} }}")),
            _ => None,
        },
        "oauth2" | "openIdConnect" => Some(format!("rt::auth::Scheme::Bearer {{ name: {lit} }}")),
        "apiKey" => {
            let location = match scheme.get("in").and_then(Value::as_str)? {
                "header" => "Header",
                "query" => "Query",
                "cookie" => "Cookie",
                _ => return None,
            };
            let key = string_literal(scheme.get("name").and_then(Value::as_str)?);
            Some(format!(
                "rt::auth::Scheme::ApiKey {{ name: {lit}, location: rt::Location::{location}, key: {key} }}"
            ))
        }
        _ => None,
    }
}

fn string_literal(s: &str) -> String {
    // serde_json's string escaping is valid Rust string syntax for every char it emits
    // (`\"`, `\\`, `\n`, `\uXXXX` is not: replace it).
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                write!(out, "\\u{{{:x}}}", c as u32).ok();
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Doc attributes, one per line, as `///` comments would be.
fn doc_attr(text: &str) -> String {
    text.lines()
        .map(|line| match line.trim_end() {
            "" => "#[doc = \"\"]".to_string(),
            line => format!("#[doc = {}]", string_literal(&format!(" {line}"))),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

// ---------------------------------------------------------------------------------------
// Emitting the stubs.

fn stubs(spec: &Spec, model: &ModelTypes, notes: &mut Vec<Problem>) -> String {
    let mut doc = spec.document.clone();
    crate::hoist::inline_body_schemas(&mut doc);
    let ops = read_operations(&doc, model, notes);
    let secured = ops.iter().any(|o| o.security.secured());
    let mut out = String::new();

    out.push_str("/// The runtime the stubs call: context, errors, authentication, inputs, replies.\npub use ::accord_server_runtime as rt;\n");

    // Schemas the validator needs, as embedded JSON.
    let components = json!({"components": {"schemas": doc.pointer("/components/schemas").cloned().unwrap_or_else(|| json!({}))}});
    writeln!(out, "/// Every named schema of the spec, for the references of the schemas below.\nstatic COMPONENTS: rt::Schema = rt::Schema::new({});", string_literal(&components.to_string())).ok();

    // The trait.
    out.push_str("/// The API: one method per operation of the spec.\n///\n/// Implement it and serve [`router`]. Every method receives decoded, validated inputs and\n/// returns its operation's response enum, which can hold only the statuses the spec documents.\npub trait Api: Send + Sync + 'static {\n");
    if secured {
        out.push_str("/// Who an accepted credential belongs to; handed to every secured operation.\ntype Principal: Send + Sync + 'static;\n");
        out.push_str("/// Verifies a credential of one of the spec's security schemes. A rejection becomes\n/// the 401 of [`Api::render_error`] and the operation's handler is never called.\nfn authenticate(&self, ctx: &rt::Context, credential: rt::auth::Credential) -> impl ::std::future::Future<Output = ::std::result::Result<Self::Principal, rt::auth::Rejection>> + Send;\n");
    }
    out.push_str("/// Renders a failure the framework produced (400, 401, 404, 405, 413, 415, 422, 500) in\n/// the API's error envelope. The status, `Allow` on a 405 and `WWW-Authenticate` on a 401\n/// are set afterwards when missing.\nfn render_error(&self, ctx: &rt::Context, error: &rt::Error) -> rt::Response;\n");
    out.push_str("/// The largest request body accepted, in bytes; larger ones get a 413.\nfn body_limit(&self) -> usize { rt::DEFAULT_BODY_LIMIT }\n");
    for op in &ops {
        let mut docs = format!("`{} {}`", op.http_method.to_uppercase(), op.path);
        if let Some(summary) = &op.summary {
            write!(docs, ": {summary}").ok();
        }
        if let Some(description) = &op.description {
            write!(docs, "\n\n{description}").ok();
        }
        let described: Vec<String> = op
            .params
            .iter()
            .filter_map(|p| {
                let d = p.description.as_ref()?;
                Some(format!(
                    "- `{}` ({} `{}`): {}",
                    p.ident,
                    p.location,
                    p.name,
                    d.trim()
                ))
            })
            .collect();
        if !described.is_empty() {
            write!(docs, "\n\n{}", described.join("\n")).ok();
        }
        writeln!(out, "{}", doc_attr(&docs)).ok();
        writeln!(out, "{};", signature(op)).ok();
    }
    out.push_str("}\n");
    emit_arc_impl(&mut out, &ops, secured);

    for op in &ops {
        emit_response_enum(&mut out, op);
    }
    for op in &ops {
        emit_handler(&mut out, op);
    }
    emit_router(&mut out, &ops, notes);
    out.push_str(
        "fn reject<A: Api>(api: &A, ctx: &rt::Context, error: rt::Error) -> rt::Response {\n\
         let response = api.render_error(ctx, &error);\n\
         ctx.mark(rt::finish(&error, response))\n}\n",
    );
    out
}

/// The trait method of an operation, without its body.
fn signature(op: &Operation) -> String {
    let mut out = format!("fn {}(&self, ctx: &rt::Context", op.method_name);
    if op.security.secured() {
        if op.security.optional {
            out.push_str(", principal: ::std::option::Option<Self::Principal>");
        } else {
            out.push_str(", principal: Self::Principal");
        }
    }
    for p in &op.params {
        write!(out, ", {}: {}", p.ident, p.rust).ok();
    }
    if let Some(body) = &op.body {
        write!(out, ", body: {}", body.rust).ok();
    }
    write!(
        out,
        ") -> impl ::std::future::Future<Output = {}Response> + Send",
        op.type_stem
    )
    .ok();
    out
}

/// `Arc<T>` serves as `T` does, so an implementation can be shared with the rest of a program.
fn emit_arc_impl(out: &mut String, ops: &[Operation], secured: bool) {
    out.push_str("impl<T: Api> Api for ::std::sync::Arc<T> {\n");
    if secured {
        out.push_str("type Principal = T::Principal;\nfn authenticate(&self, ctx: &rt::Context, credential: rt::auth::Credential) -> impl ::std::future::Future<Output = ::std::result::Result<Self::Principal, rt::auth::Rejection>> + Send {\n(**self).authenticate(ctx, credential)\n}\n");
    }
    out.push_str("fn render_error(&self, ctx: &rt::Context, error: &rt::Error) -> rt::Response {\n(**self).render_error(ctx, error)\n}\nfn body_limit(&self) -> usize {\n(**self).body_limit()\n}\n");
    for op in ops {
        let mut args = vec!["ctx".to_string()];
        if op.security.secured() {
            args.push("principal".into());
        }
        args.extend(op.params.iter().map(|p| p.ident.clone()));
        if op.body.is_some() {
            args.push("body".into());
        }
        writeln!(
            out,
            "{} {{\n(**self).{}({})\n}}",
            signature(op),
            op.method_name,
            args.join(", ")
        )
        .ok();
    }
    out.push_str("}\n");
}

fn emit_response_enum(out: &mut String, op: &Operation) {
    writeln!(
        out,
        "{}",
        doc_attr(&format!("The responses `{}` documents.", op.id))
    )
    .ok();
    writeln!(
        out,
        "#[derive(Debug)]\npub enum {}Response {{",
        op.type_stem
    )
    .ok();
    for r in &op.responses {
        let mut docs = format!("{}", r.code);
        if !r.description.is_empty() {
            write!(docs, ": {}", r.description).ok();
        }
        writeln!(out, "{}", doc_attr(&docs)).ok();
        let ranged = range_class(&r.code).is_some();
        if !ranged && r.headers.is_empty() {
            match &r.body {
                None => writeln!(out, "{},", r.variant),
                Some(b) => writeln!(out, "{}({}),", r.variant, b.rust),
            }
            .ok();
            continue;
        }
        writeln!(out, "{} {{", r.variant).ok();
        if ranged {
            out.push_str("status: rt::axum::http::StatusCode,\n");
        }
        if let Some(b) = &r.body {
            writeln!(out, "body: {},", b.rust).ok();
        }
        for h in &r.headers {
            writeln!(
                out,
                "{}\n{}: {},",
                doc_attr(&format!("The `{}` header.", h.name)),
                h.ident,
                h.rust
            )
            .ok();
        }
        out.push_str("},\n");
    }
    out.push_str("}\n");

    writeln!(out, "impl rt::IntoReply for {}Response {{\nfn into_reply(self) -> ::std::result::Result<rt::Response, rt::Error> {{\nmatch self {{", op.type_stem).ok();
    for r in &op.responses {
        let ranged = range_class(&r.code);
        let start = match ranged {
            Some(class) => {
                let class = class.map_or("None".to_string(), |c| format!("Some({c})"));
                format!("rt::Reply::status_in(status, {class})?")
            }
            None => format!(
                "rt::Reply::status({})?",
                r.code.parse::<u16>().unwrap_or(500)
            ),
        };
        let pattern = if ranged.is_none() && r.headers.is_empty() {
            match &r.body {
                None => format!("Self::{}", r.variant),
                Some(_) => format!("Self::{}(body)", r.variant),
            }
        } else {
            let mut fields = Vec::new();
            if ranged.is_some() {
                fields.push("status".to_string());
            }
            if r.body.is_some() {
                fields.push("body".to_string());
            }
            fields.extend(r.headers.iter().map(|h| h.ident.clone()));
            format!("Self::{} {{ {} }}", r.variant, fields.join(", "))
        };
        let mut chain = start;
        for h in &r.headers {
            let method = if h.required {
                "header"
            } else {
                "optional_header"
            };
            write!(
                chain,
                ".{method}({}, &{})?",
                string_literal(&h.name),
                h.ident
            )
            .ok();
        }
        let finish = match &r.body {
            None => ".empty()".to_string(),
            Some(b) => match b.encoding {
                Encoding::Json => format!(".json({}, &body)", string_literal(&b.media)),
                Encoding::Text => format!(".text({}, body)", string_literal(&b.media)),
                Encoding::Bytes => format!(".bytes({}, body)", string_literal(&b.media)),
            },
        };
        writeln!(out, "{pattern} => {chain}{finish},").ok();
    }
    out.push_str("}\n}\n}\n");
}

fn static_name(op: &Operation, suffix: &str) -> String {
    format!("{}_{}", snake(&op.id).trim_end_matches('_'), suffix).to_ascii_uppercase()
}

fn emit_handler(out: &mut String, op: &Operation) {
    // Schemas of the inputs.
    for p in &op.params {
        writeln!(
            out,
            "static {}: rt::Schema = rt::Schema::new({});",
            static_name(op, &format!("{}_{}", p.location, p.ident)),
            string_literal(&p.schema.to_string())
        )
        .ok();
    }
    if let Some(body) = &op.body {
        if matches!(body.kind, BodyKind::Typed) {
            writeln!(
                out,
                "static {}: rt::Schema = rt::Schema::new({});",
                static_name(op, "BODY"),
                string_literal(&body.schema.to_string())
            )
            .ok();
        }
    }

    writeln!(
        out,
        "async fn {}<A: Api>(api: ::std::sync::Arc<A>, request: rt::Request) -> rt::Response {{",
        handler_name(op)
    )
    .ok();
    writeln!(
        out,
        "let (ctx, _body, path) = rt::Context::split({}, {}, request).await;",
        string_literal(&op.id),
        string_literal(&op.path)
    )
    .ok();
    let mut args = vec!["&ctx".to_string()];
    if op.security.secured() {
        let alternatives: Vec<String> = op
            .security
            .alternatives
            .iter()
            .map(|a| match a.is_empty() {
                true => "&[] as &[rt::auth::Scheme]".to_string(),
                false => format!("&[{}]", a.join(", ")),
            })
            .collect();
        let function = if op.security.optional {
            "authenticate_optional"
        } else {
            "authenticate"
        };
        writeln!(
            out,
            "let principal = match rt::auth::{function}(&ctx, &[{}], |credential| api.authenticate(&ctx, credential)).await {{\nOk(principal) => principal,\nErr(error) => return reject(&*api, &ctx, error),\n}};",
            alternatives.join(", ")
        )
        .ok();
        args.push("principal".into());
    }
    out.push_str("let path = match path {\nOk(path) => path,\nErr(error) => return reject(&*api, &ctx, error),\n};\n");
    if let Some(body) = &op.body {
        let accepted: Vec<String> = body.accepted.iter().map(|m| string_literal(m)).collect();
        writeln!(
            out,
            "let payload = match rt::read_body(&ctx, _body, api.body_limit(), &[{}]).await {{\nOk(payload) => payload,\nErr(error) => return reject(&*api, &ctx, error),\n}};",
            accepted.join(", ")
        )
        .ok();
    }
    let takes_inputs = !op.params.is_empty() || op.body.is_some();
    let binding = if takes_inputs {
        "let mut inputs"
    } else {
        "let inputs"
    };
    writeln!(out, "{binding} = rt::Inputs::new(&ctx, &COMPONENTS, path);").ok();
    let mut decoded = Vec::new();
    for p in &op.params {
        let schema = static_name(op, &format!("{}_{}", p.location, p.ident));
        let name = string_literal(&p.name);
        let call = match p.location {
            "path" => format!(
                "inputs.path::<{}>({name}, {}, &{schema})",
                p.rust,
                string_literal(&p.route_key)
            ),
            "query" => format!(
                "inputs.query::<{}>({name}, &{schema}, {}, {})",
                p.rust, p.required, p.explode
            ),
            "header" => format!(
                "inputs.header::<{}>({name}, &{schema}, {})",
                p.rust, p.required
            ),
            _ => format!(
                "inputs.cookie::<{}>({name}, &{schema}, {})",
                p.rust, p.required
            ),
        };
        writeln!(out, "let {} = {call};", p.ident).ok();
        decoded.push(p.ident.clone());
        args.push(p.ident.clone());
    }
    if let Some(body) = &op.body {
        match body.kind {
            BodyKind::Typed => writeln!(
                out,
                "let body = inputs.body::<{}>(payload, &{}, {});",
                body.rust,
                static_name(op, "BODY"),
                body.required
            ),
            BodyKind::Raw => writeln!(
                out,
                "let body = inputs.raw_body(payload, {});",
                body.required
            ),
        }
        .ok();
        decoded.push("body".into());
        args.push("body".into());
    }
    out.push_str("if let Err(error) = inputs.finish() {\nreturn reject(&*api, &ctx, error);\n}\n");
    if !decoded.is_empty() {
        let somes: Vec<String> = decoded.iter().map(|d| format!("Some({d})")).collect();
        writeln!(
            out,
            "let ({},) = ({},) else {{\nreturn reject(&*api, &ctx, rt::Error::Internal {{ message: \"an input was neither decoded nor reported\".into() }});\n}};",
            somes.join(", "),
            decoded.join(", ")
        )
        .ok();
    }
    if let Some(Body {
        kind: BodyKind::Raw,
        required: true,
        ..
    }) = &op.body
    {
        out.push_str("let Some(body) = body else {\nreturn reject(&*api, &ctx, rt::Error::Internal { message: \"a required body was not reported missing\".into() });\n};\n");
    }
    writeln!(
        out,
        "let response = api.{}({}).await;\nmatch rt::IntoReply::into_reply(response) {{\nOk(response) => ctx.mark(response),\nErr(error) => reject(&*api, &ctx, error),\n}}\n}}",
        op.method_name,
        args.join(", ")
    )
    .ok();
}

fn handler_name(op: &Operation) -> String {
    format!("handle_{}", op.method_name.trim_end_matches('_'))
}

fn emit_router(out: &mut String, ops: &[Operation], notes: &mut Vec<Problem>) {
    // Group operations by route; a second operation with the same route and method is left out.
    let mut routes: BTreeMap<&str, Vec<&Operation>> = BTreeMap::new();
    let mut order: Vec<&str> = Vec::new();
    for op in ops {
        let group = routes.entry(op.route.as_str()).or_insert_with(|| {
            order.push(op.route.as_str());
            Vec::new()
        });
        if let Some(first) = group.iter().find(|o| o.http_method == op.http_method) {
            notes.push(Problem::new(
                join(&join("/paths", &op.path), op.http_method),
                format!(
                    "{} {} matches the same requests as `{}` ({}); left out of the server",
                    op.http_method.to_uppercase(),
                    op.path,
                    first.id,
                    first.path
                ),
            ));
            continue;
        }
        group.push(op);
    }

    out.push_str("/// An axum router serving every operation of the spec through `api`.\n///\n/// Unknown paths get a 404 and known paths with another method a 405 (with `Allow`), both\n/// rendered by [`Api::render_error`].\npub fn router<A: Api>(api: A) -> rt::axum::Router {\nlet api = ::std::sync::Arc::new(api);\nrt::axum::Router::new()\n");
    for route in order {
        let group = &routes[route];
        let mut allow: Vec<String> = group.iter().map(|o| o.http_method.to_uppercase()).collect();
        if allow.iter().any(|m| m == "GET") && !allow.iter().any(|m| m == "HEAD") {
            allow.push("HEAD".into());
        }
        let method_order = [
            "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE",
        ];
        allow.sort_by_key(|m| method_order.iter().position(|o| o == m));
        write!(
            out,
            ".route({}, rt::axum::routing::MethodRouter::new()",
            string_literal(route)
        )
        .ok();
        for op in group {
            write!(
                out,
                ".{}({{ let api = api.clone(); move |request: rt::Request| {}(api, request) }})",
                op.http_method,
                handler_name(op)
            )
            .ok();
        }
        writeln!(
            out,
            ".fallback({{ let api = api.clone(); move |request: rt::Request| async move {{ let ctx = rt::Context::unrouted(request); reject(&*api, &ctx, rt::Error::MethodNotAllowed {{ allow: {} }}) }} }}))",
            string_literal(&allow.join(", "))
        )
        .ok();
    }
    out.push_str(".fallback(move |request: rt::Request| async move { let ctx = rt::Context::unrouted(request); reject(&*api, &ctx, rt::Error::NotFound) })\n}\n");
}

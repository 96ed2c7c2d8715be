//! Reading: the server's model of each operation, from the prepared, typed spec.
//!
//! Structure (operations, parameters and their locations, bodies, statuses, headers,
//! security) comes from the typed `openapiv3` model; the JSON Schemas the validator embeds
//! come from the same document by JSON pointer, as written. Every Rust name is chosen here
//! (one [`crate::names`] for all), so emitting ([`super::emit`]) makes no decision.

use std::collections::BTreeSet;

use accord_spec::media::is_json;
use accord_spec::openapiv3::{
    APIKeyLocation, OpenAPI, Parameter, ParameterSchemaOrContent, PathStyle, QueryStyle,
    ReferenceOr, RequestBody, Responses, SecurityRequirement, SecurityScheme, StatusCode,
};
use accord_spec::{OperationRef, Problem, Resolve, Spec, join};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::{Value, json};

use crate::names::{pascal, snake, unique};
use crate::rust_types::ModelTypes;

pub(super) struct Operation {
    pub id: String,
    /// snake_case method name of the trait.
    pub method_name: String,
    /// PascalCase stem of the response enum.
    pub type_stem: String,
    /// Lowercase, as axum's `MethodRouter` names its methods.
    pub http_method: &'static str,
    pub path: String,
    pub route: String,
    /// The segments that mix a parameter with text (`{name}:verb`): route key, the text
    /// before the parameter and after it. The router captures the whole segment, and the
    /// operation serves it only when the text is there.
    pub affixes: Vec<(String, String, String)>,
    /// The segments holding several parameters (`{origin}-{destination}`): route key, the
    /// text between the parameters, and the route keys of the second parameter on.
    pub splits: Vec<(String, Vec<String>, Vec<String>)>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub params: Vec<Param>,
    pub body: Option<Body>,
    pub responses: Vec<Response>,
    pub security: Security,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Location {
    Path,
    Query,
    Header,
    Cookie,
}

impl Location {
    pub fn as_str(self) -> &'static str {
        match self {
            Location::Path => "path",
            Location::Query => "query",
            Location::Header => "header",
            Location::Cookie => "cookie",
        }
    }
}

pub(super) struct Param {
    pub name: String,
    pub ident: String,
    pub location: Location,
    /// The positional route key of a path parameter (`p0`...).
    pub route_key: String,
    pub required: bool,
    pub explode: bool,
    /// The runtime's `Style` variant of a path or query parameter written other than its
    /// location's default way (`Label`, `PipeDelimited`, `Json`...).
    pub style: Option<&'static str>,
    /// A path parameter whose schema refuses some text (a type other than string, a format,
    /// a pattern, an enum, a length): it can tell this operation's requests from another's
    /// of the same route.
    pub constrains: bool,
    pub rust: TokenStream,
    pub schema: Value,
    pub description: Option<String>,
}

pub(super) enum BodyKind {
    /// Decoded from JSON or a form into a Rust value, validated against its schema.
    Typed,
    /// Handed over as bytes with their media type.
    Raw,
}

pub(super) struct Body {
    pub kind: BodyKind,
    pub accepted: Vec<String>,
    pub rust: TokenStream,
    pub schema: Value,
    pub required: bool,
}

pub(super) struct Response {
    /// The status key as the spec writes it (`200`, `4XX`, `default`).
    pub code: String,
    /// `Some(class)` for a range (`Some(Some(4))` for `4XX`, `Some(None)` for `default`).
    pub range: Option<Option<u16>>,
    pub variant: String,
    pub description: String,
    pub body: Option<ResponseBody>,
    pub headers: Vec<Header>,
}

pub(super) struct ResponseBody {
    pub media: String,
    pub rust: TokenStream,
    pub encoding: Encoding,
}

#[derive(Clone, Copy)]
pub(super) enum Encoding {
    Json,
    Text,
    Bytes,
}

pub(super) struct Header {
    pub name: String,
    pub ident: String,
    pub rust: TokenStream,
    pub required: bool,
}

/// A security scheme as the runtime reads it.
pub(super) enum Scheme {
    Bearer {
        name: String,
    },
    Basic {
        name: String,
    },
    ApiKey {
        name: String,
        location: Location,
        key: String,
    },
}

#[derive(Default)]
pub(super) struct Security {
    /// Each alternative is a set of schemes that must all hold; an empty alternative never
    /// holds (every scheme of the requirement was unreadable: closed, never open).
    pub alternatives: Vec<Vec<Scheme>>,
    /// `{}` among the requirements: anonymous callers are let through.
    pub optional: bool,
}

impl Security {
    pub fn secured(&self) -> bool {
        !self.alternatives.is_empty()
    }
}

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

/// Every operation the server can serve, in document order; what it cannot is noted.
pub(super) fn read(spec: &Spec, model: &ModelTypes, notes: &mut Vec<Problem>) -> Vec<Operation> {
    let reader = Reader {
        api: &spec.openapi,
        doc: &spec.document,
        model,
    };
    let mut ops = Vec::new();
    let mut method_names = BTreeSet::new();
    let mut type_stems = BTreeSet::new();
    for op in spec.operations() {
        let pointer = op.pointer();
        let label = op.label();
        let Some(id) = op.operation.operation_id.as_deref() else {
            notes.push(Problem::new(
                &pointer,
                format!("{label} has no operationId{}", crate::LEFT_OUT_OF_SERVER),
            ));
            continue;
        };
        let (route, affixes, splits) = match route_of(op.path) {
            Ok(routed) => routed,
            Err(why) => {
                notes.push(Problem::new(
                    &pointer,
                    format!("{label}: {why}{}", crate::LEFT_OUT_OF_SERVER),
                ));
                continue;
            }
        };
        let params = reader.params(&op);
        let body = op
            .operation
            .request_body
            .as_ref()
            .map(|b| reader.body(b, &join(&pointer, "requestBody"), &label, notes));
        let responses = reader.responses(&op.operation.responses, &pointer, &label, notes);
        let security = reader.security(
            op.operation
                .security
                .as_ref()
                .or(spec.openapi.security.as_ref()),
            &pointer,
            &label,
            notes,
        );
        ops.push(Operation {
            id: id.to_string(),
            method_name: unique(&mut method_names, snake(id), RESERVED_METHODS),
            type_stem: unique(&mut type_stems, pascal(id), &[]),
            http_method: op.method.as_str(),
            path: op.path.to_string(),
            route,
            affixes,
            splits,
            summary: text(op.operation.summary.as_deref()),
            description: text(op.operation.description.as_deref()),
            params,
            body,
            responses,
            security,
        });
    }
    ops
}

fn text(value: Option<&str>) -> Option<String> {
    value.map(str::to_string).filter(|s| !s.trim().is_empty())
}

/// The route key, text before and text after of a segment that mixes one parameter with text.
type Affix = (String, String, String);

/// A segment holding several parameters: route key, the text between them, the other keys.
type Split = (String, Vec<String>, Vec<String>);

/// The text pieces of a segment around its parameters (`a{x}b{y}c` -> `[a, b, c]`), or
/// `None` when its braces do not pair up.
fn pieces(segment: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = segment;
    while let Some((text, after)) = rest.split_once('{') {
        let (name, tail) = after.split_once('}')?;
        if name.is_empty() || name.contains('{') {
            return None;
        }
        out.push(text.to_string());
        rest = tail;
    }
    if rest.contains('}') {
        return None;
    }
    out.push(rest.to_string());
    Some(out)
}

/// The axum route of a path template, with positional parameter names; the segments that
/// mix a parameter with text (`{name}:verb`, `v{version}.json`): the route captures the whole
/// segment; the text around the parameter is matched when the request is served; and the
/// segments holding several parameters (`{origin}-{destination}`), cut at the text between
/// them.
fn route_of(path: &str) -> Result<(String, Vec<Affix>, Vec<Split>), String> {
    if !path.starts_with('/') {
        return Err("the path does not start with `/`".into());
    }
    let mut out = Vec::new();
    let mut affixes = Vec::new();
    let mut splits = Vec::new();
    let mut index = 0;
    for segment in path.split('/') {
        let pieces = if segment.contains(['{', '}']) {
            pieces(segment).ok_or_else(|| format!("the segment `{segment}` has unpaired braces"))?
        } else {
            Vec::new()
        };
        if pieces.len() >= 2 {
            let (before, after) = (&pieces[0], &pieces[pieces.len() - 1]);
            let between = &pieces[1..pieces.len() - 1];
            if between.iter().any(String::is_empty) {
                return Err(format!(
                    "the segment `{segment}` holds two parameters with no text between them, which the router cannot tell apart"
                ));
            }
            if !before.is_empty() || !after.is_empty() {
                affixes.push((format!("p{index}"), before.clone(), after.clone()));
            }
            if !between.is_empty() {
                let keys = (1..=between.len())
                    .map(|k| format!("p{}", index + k))
                    .collect();
                splits.push((format!("p{index}"), between.to_vec(), keys));
            }
            out.push(format!("{{p{index}}}"));
            index += pieces.len() - 1;
        } else if segment.starts_with('*') || segment.starts_with(':') {
            return Err(format!(
                "the segment `{segment}` would be a wildcard in axum's router"
            ));
        } else {
            out.push(segment.to_string());
        }
    }
    Ok((out.join("/"), affixes, splits))
}

struct Reader<'a> {
    api: &'a OpenAPI,
    doc: &'a Value,
    model: &'a ModelTypes,
}

impl<'a> Reader<'a> {
    /// Where a `$ref` chain starting at `pointer` ends.
    fn target(&self, pointer: String) -> String {
        match self.doc.pointer(&pointer) {
            Some(value) => accord_spec::pointer::follow(self.doc, value)
                .1
                .unwrap_or(pointer),
            None => pointer,
        }
    }

    /// The JSON Schema at `pointer`, as written (`{}` when there is none).
    fn schema_at(&self, pointer: &str) -> Value {
        self.doc
            .pointer(pointer)
            .cloned()
            .unwrap_or_else(|| json!({}))
    }

    /// The parameters of the operation at `pointer` (path-level ones first, overridden by
    /// the operation's own of the same name and location), grouped by location.
    fn params(&self, op: &OperationRef<'a>) -> Vec<Param> {
        let path = op.path;
        let pointer = op.pointer();
        let item_pointer = join("/paths", path);
        let listed =
            |list: &'a [ReferenceOr<Parameter>], at: &str| -> Vec<(String, &'a Parameter)> {
                list.iter()
                    .enumerate()
                    .filter_map(|(i, p)| {
                        let resolved = self.api.resolve(p)?;
                        Some((self.target(join(at, &i.to_string())), resolved))
                    })
                    .collect()
            };
        let own = listed(&op.operation.parameters, &join(&pointer, "parameters"));
        let mut merged: Vec<(String, &Parameter)> =
            listed(&op.item.parameters, &join(&item_pointer, "parameters"))
                .into_iter()
                .filter(|(_, shared)| !own.iter().any(|(_, p)| same(p, shared)))
                .collect();
        merged.extend(own);
        // Every parameter of the template in order (a segment may hold text and several).
        let positions: Vec<&str> = path
            .split('{')
            .skip(1)
            .filter_map(|s| s.split_once('}').map(|(name, _)| name))
            .collect();

        let mut arg_names = BTreeSet::new();
        let mut params = Vec::new();
        for location in [
            Location::Path,
            Location::Query,
            Location::Header,
            Location::Cookie,
        ] {
            for (at, p) in merged.iter().filter(|(_, p)| location_of(p) == location) {
                let data = p.parameter_data_ref();
                let route_key = match positions.iter().position(|n| *n == data.name) {
                    Some(i) => format!("p{i}"),
                    None if location == Location::Path => continue,
                    None => String::new(),
                };
                let schema_pointer = match &data.format {
                    ParameterSchemaOrContent::Schema(_) => join(at, "schema"),
                    ParameterSchemaOrContent::Content(content) => match content.keys().next() {
                        Some(media) => join(&join(&join(at, "content"), media), "schema"),
                        None => String::new(),
                    },
                };
                let schema = self.schema_at(&schema_pointer);
                let has_default = accord_spec::follow_ref(self.doc, &schema)
                    .get("default")
                    .is_some();
                let required = location == Location::Path || data.required || has_default;
                // `explode` is true by default in the `form` style only (queries' and
                // cookies' default), false in every other.
                let style_form = match p {
                    Parameter::Query { style, .. } => *style == QueryStyle::Form,
                    Parameter::Cookie { .. } => true,
                    _ => false,
                };
                let json_content = matches!(&data.format, ParameterSchemaOrContent::Content(_));
                let style = match p {
                    _ if json_content => Some("Json"),
                    Parameter::Path { style, .. } => match style {
                        PathStyle::Label => Some("Label"),
                        PathStyle::Matrix => Some("Matrix"),
                        PathStyle::Simple => None,
                    },
                    Parameter::Query { style, .. } => match style {
                        QueryStyle::SpaceDelimited => Some("SpaceDelimited"),
                        QueryStyle::PipeDelimited => Some("PipeDelimited"),
                        _ => None,
                    },
                    _ => None,
                };
                let explode = data.explode.unwrap_or(style_form);
                let constrains = location == Location::Path && {
                    let target = accord_spec::follow_ref(self.doc, &schema);
                    let typed = target
                        .get("type")
                        .and_then(Value::as_str)
                        .is_some_and(|t| t != "string");
                    typed
                        || [
                            "format",
                            "pattern",
                            "enum",
                            "const",
                            "minLength",
                            "maxLength",
                        ]
                        .iter()
                        .any(|k| target.get(*k).is_some())
                };
                let inner = self.rust_type(&schema, 0);
                let rust = if required {
                    inner
                } else {
                    quote!(::std::option::Option<#inner>)
                };
                params.push(Param {
                    ident: unique(&mut arg_names, snake(&data.name), RESERVED_ARGS),
                    name: data.name.clone(),
                    location,
                    route_key,
                    required,
                    explode,
                    style,
                    constrains,
                    rust,
                    schema,
                    description: text(data.description.as_deref()),
                });
            }
        }
        params
    }

    fn body(
        &self,
        body: &ReferenceOr<RequestBody>,
        pointer: &str,
        label: &str,
        notes: &mut Vec<Problem>,
    ) -> Body {
        let at = self.target(pointer.to_string());
        let (required, media_types): (bool, Vec<String>) = self
            .api
            .resolve(body)
            .map(|b| (b.required, b.content.keys().cloned().collect()))
            .unwrap_or_default();
        let schema_of =
            |media: &str| self.schema_at(&join(&join(&join(&at, "content"), media), "schema"));
        let json: Vec<&String> = media_types.iter().filter(|m| is_json(m)).collect();
        let form = media_types.iter().find(|m| {
            m.split(';').next().map(str::trim) == Some("application/x-www-form-urlencoded")
        });
        let (kind, accepted, schema) = if let Some(first) = json.first() {
            let others: Vec<&str> = media_types
                .iter()
                .filter(|m| !is_json(m))
                .map(String::as_str)
                .collect();
            if !others.is_empty() {
                notes.push(Problem::new(
                    pointer,
                    format!(
                        "{label}: the server accepts the JSON body only, not {}",
                        others.join(", ")
                    ),
                ));
            }
            let accepted = json.iter().map(|m| (*m).clone()).collect();
            (BodyKind::Typed, accepted, schema_of(first))
        } else if let Some(media) = form {
            (BodyKind::Typed, vec![media.clone()], schema_of(media))
        } else if media_types.is_empty() {
            (BodyKind::Raw, vec!["*/*".to_string()], json!({}))
        } else {
            (BodyKind::Raw, media_types.clone(), json!({}))
        };
        let inner = match kind {
            BodyKind::Typed => self.rust_type(&schema, 0),
            BodyKind::Raw => quote!(rt::RawBody),
        };
        let rust = if required {
            inner
        } else {
            quote!(::std::option::Option<#inner>)
        };
        Body {
            kind,
            accepted,
            rust,
            schema,
            required,
        }
    }

    fn responses(
        &self,
        typed: &Responses,
        pointer: &str,
        label: &str,
        notes: &mut Vec<Problem>,
    ) -> Vec<Response> {
        let mut out = Vec::new();
        let base = join(pointer, "responses");
        let Some(written) = self.doc.pointer(&base).and_then(Value::as_object) else {
            return out;
        };
        let mut variants = BTreeSet::new();
        for code in written.keys() {
            let here = join(&base, code);
            let at = self.target(here.clone());
            let response = match status_code(code) {
                Some(status) => typed.responses.get(&status),
                None => typed.default.as_ref(),
            };
            let Some(response) = response.and_then(|r| self.api.resolve(r)) else {
                continue;
            };
            let range = range_class(code);
            let chosen = response
                .content
                .keys()
                .find(|m| is_json(m))
                .or_else(|| response.content.keys().next());
            let body = chosen.map(|media| {
                if response.content.len() > 1 {
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
                    let schema =
                        self.schema_at(&join(&join(&join(&at, "content"), media), "schema"));
                    (Encoding::Json, self.rust_type(&schema, 0))
                } else if essence.starts_with("text/") {
                    (Encoding::Text, quote!(::std::string::String))
                } else {
                    (Encoding::Bytes, quote!(::std::vec::Vec<u8>))
                };
                ResponseBody {
                    media: media.clone(),
                    rust,
                    encoding,
                }
            });
            let mut header_names = BTreeSet::new();
            let mut headers = Vec::new();
            for (name, header) in &response.headers {
                if name.eq_ignore_ascii_case("content-type") {
                    continue;
                }
                let Some(typed) = self.api.resolve(header) else {
                    continue;
                };
                let header_at = self.target(join(&join(&at, "headers"), name));
                let schema = match self.doc.pointer(&join(&header_at, "schema")) {
                    Some(schema) => schema.clone(),
                    None => json!({"type": "string"}),
                };
                let rust = self.rust_type(&schema, 0);
                let rust = if rust.to_string().starts_with(":: serde_json") {
                    quote!(::std::string::String)
                } else {
                    rust
                };
                headers.push(Header {
                    ident: unique(&mut header_names, snake(name), &["body", "status"]),
                    name: name.clone(),
                    rust: if typed.required {
                        rust
                    } else {
                        quote!(::std::option::Option<#rust>)
                    },
                    required: typed.required,
                });
            }
            out.push(Response {
                variant: unique(&mut variants, variant_name(code), &[]).replace('_', ""),
                code: code.clone(),
                range,
                description: text(Some(&response.description)).unwrap_or_default(),
                body,
                headers,
            });
        }
        out
    }

    fn security(
        &self,
        requirements: Option<&Vec<SecurityRequirement>>,
        pointer: &str,
        label: &str,
        notes: &mut Vec<Problem>,
    ) -> Security {
        let mut out = Security::default();
        let Some(requirements) = requirements else {
            return out;
        };
        for requirement in requirements {
            if requirement.is_empty() {
                out.optional = true;
                continue;
            }
            let mut alternative = Vec::new();
            for name in requirement.keys() {
                match self.scheme(name) {
                    Some(scheme) => alternative.push(scheme),
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

    fn scheme(&self, name: &str) -> Option<Scheme> {
        let scheme = self
            .api
            .components
            .as_ref()?
            .security_schemes
            .get(name)
            .and_then(|s| self.api.resolve(s))?;
        let name = name.to_string();
        match scheme {
            SecurityScheme::HTTP { scheme, .. } => match scheme.to_ascii_lowercase().as_str() {
                "bearer" => Some(Scheme::Bearer { name }),
                "basic" => Some(Scheme::Basic { name }),
                _ => None,
            },
            SecurityScheme::OAuth2 { .. } | SecurityScheme::OpenIDConnect { .. } => {
                Some(Scheme::Bearer { name })
            }
            SecurityScheme::APIKey {
                location,
                name: key,
                ..
            } => Some(Scheme::ApiKey {
                name,
                location: match location {
                    APIKeyLocation::Header => Location::Header,
                    APIKeyLocation::Query => Location::Query,
                    APIKeyLocation::Cookie => Location::Cookie,
                },
                key: key.clone(),
            }),
        }
    }

    /// The Rust type of a schema: a shared model type for a named schema, a std type
    /// otherwise.
    fn rust_type(&self, schema: &Value, depth: usize) -> TokenStream {
        let value = quote!(::serde_json::Value);
        if depth > 16 {
            return value;
        }
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let name = reference
                .strip_prefix("#/components/schemas/")
                .map(accord_spec::unescape_token);
            return match name.and_then(|n| self.model.types.get(&n)) {
                Some((rust, _)) => {
                    let ident = format_ident!("{}", rust);
                    quote!(types::#ident)
                }
                None => self.rust_type(accord_spec::follow_ref(self.doc, schema), depth + 1),
            };
        }
        let format = schema.get("format").and_then(Value::as_str);
        let has = |k: &str| schema.get(k).is_some();
        let is_string = schema.get("type").and_then(Value::as_str) == Some("string");
        if has("allOf") || has("oneOf") || has("anyOf") || has("enum") && !is_string {
            return value;
        }
        match schema.get("type").and_then(Value::as_str) {
            Some("string") => match format {
                Some("date-time") => quote!(::chrono::DateTime<::chrono::Utc>),
                Some("date") => quote!(::chrono::NaiveDate),
                Some("uuid") => quote!(::uuid::Uuid),
                _ => quote!(::std::string::String),
            },
            Some("integer") => match format {
                Some("int32") => quote!(i32),
                Some("uint32") => quote!(u32),
                Some("uint64") => quote!(u64),
                _ => quote!(i64),
            },
            Some("number") => quote!(f64),
            Some("boolean") => quote!(bool),
            Some("array") => {
                let items = self.rust_type(schema.get("items").unwrap_or(&Value::Null), depth + 1);
                quote!(::std::vec::Vec<#items>)
            }
            Some("object") | None if !has("properties") => {
                match schema.get("additionalProperties") {
                    Some(inner @ Value::Object(m)) if !m.is_empty() => {
                        let inner = self.rust_type(inner, depth + 1);
                        quote!(::std::collections::HashMap<::std::string::String, #inner>)
                    }
                    _ if schema.get("type").is_some() => {
                        quote!(::serde_json::Map<::std::string::String, ::serde_json::Value>)
                    }
                    _ => value,
                }
            }
            _ => value,
        }
    }
}

fn location_of(p: &Parameter) -> Location {
    match p {
        Parameter::Path { .. } => Location::Path,
        Parameter::Query { .. } => Location::Query,
        Parameter::Header { .. } => Location::Header,
        Parameter::Cookie { .. } => Location::Cookie,
    }
}

fn same(a: &Parameter, b: &Parameter) -> bool {
    location_of(a) == location_of(b) && a.parameter_data_ref().name == b.parameter_data_ref().name
}

/// The status class of a range key (`4XX` is `Some(Some(4))`), `Some(None)` for `default`,
/// `None` for a single status.
fn range_class(code: &str) -> Option<Option<u16>> {
    let code = code.to_ascii_uppercase();
    match code.as_str() {
        "DEFAULT" => Some(None),
        c if c.len() == 3 && c.ends_with("XX") => c[..1].parse().ok().map(Some),
        _ => None,
    }
}

/// The typed status key of a written one.
fn status_code(code: &str) -> Option<StatusCode> {
    match range_class(code) {
        Some(Some(class)) => Some(StatusCode::Range(class)),
        Some(None) => None,
        None => code.parse().ok().map(StatusCode::Code),
    }
}

/// The response enum's variant for a status key.
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

//! A handler's inputs (path, query, headers, cookies, body) checked against the operation's
//! schemas before they are typed.

use std::sync::OnceLock;

use accord_validate::{Direction, Validator};
use serde::de::DeserializeOwned;
use serde_json::{Map, Number, Value};

use crate::body::Payload;
use crate::{Context, Error, FieldError, Location, RawBody};

/// A schema embedded in generated code as JSON text, parsed once on first use.
#[derive(Debug)]
pub struct Schema {
    json: &'static str,
    parsed: OnceLock<Value>,
}

impl Schema {
    pub const fn new(json: &'static str) -> Self {
        Schema {
            json,
            parsed: OnceLock::new(),
        }
    }

    /// The schema; generated code always embeds valid JSON, and anything else would
    /// constrain nothing rather than fail every request.
    pub fn get(&self) -> &Value {
        self.parsed
            .get_or_init(|| serde_json::from_str(self.json).unwrap_or(Value::Bool(true)))
    }
}

/// Decodes an operation's inputs, collecting every failure for one 422.
///
/// Each input is coerced from its text by its schema (a query `limit=5` becomes the number 5),
/// defaulted, validated against the schema (lengths, patterns, ranges, formats...) and only then
/// deserialized into its Rust type. A failed input returns `None` and is recorded;
/// [`Inputs::finish`] turns the record into `Error::Validation`.
pub struct Inputs<'c> {
    ctx: &'c Context,
    root: &'static Schema,
    path: Vec<(String, String)>,
    query: Vec<(String, String)>,
    errors: Vec<FieldError>,
}

impl<'c> Inputs<'c> {
    /// `root` holds what schemas refer to (`{"components": {"schemas": ...}}`).
    pub fn new(ctx: &'c Context, root: &'static Schema, path: Vec<(String, String)>) -> Self {
        let query = ctx
            .uri
            .query()
            .map(|q| {
                form_urlencoded::parse(q.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        Inputs {
            ctx,
            root,
            path,
            query,
            errors: Vec::new(),
        }
    }

    fn validator(&self) -> Validator<'static> {
        Validator::new(self.root.get(), Direction::Request)
    }

    /// A path parameter (always required): `name` in the spec, `key` in the route.
    pub fn path<T: DeserializeOwned>(
        &mut self,
        name: &str,
        key: &str,
        schema: &'static Schema,
    ) -> Option<T> {
        let raw: Vec<String> = self
            .path
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect();
        self.parameter(
            Location::Path,
            name,
            schema,
            true,
            Style::Simple,
            false,
            raw,
        )
    }

    /// A query parameter; `explode` as the spec says (form style: `true` unless stated).
    pub fn query<T: DeserializeOwned>(
        &mut self,
        name: &str,
        schema: &'static Schema,
        required: bool,
        explode: bool,
    ) -> Option<T> {
        let raw: Vec<String> = self
            .query
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect();
        self.parameter(
            Location::Query,
            name,
            schema,
            required,
            Style::Form,
            explode,
            raw,
        )
    }

    /// A header parameter (simple style: arrays are comma-separated).
    pub fn header<T: DeserializeOwned>(
        &mut self,
        name: &str,
        schema: &'static Schema,
        required: bool,
    ) -> Option<T> {
        let raw = self.header_text(name);
        self.parameter(
            Location::Header,
            name,
            schema,
            required,
            Style::Simple,
            false,
            raw,
        )
    }

    /// A header's values as one text, joined by commas as the `simple` style writes them;
    /// nothing when it is absent.
    fn header_text(&self, name: &str) -> Vec<String> {
        let values: Vec<&str> = self
            .ctx
            .headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        if values.is_empty() {
            vec![]
        } else {
            vec![values.join(",")]
        }
    }

    /// A path, query or header parameter in a style other than its location's default:
    /// `label` or `matrix` in a path (`.1.2`, `;id=1,2`), `spaceDelimited` or `pipeDelimited`
    /// in a query (`1%202`, `1|2`), or a value described by `content` (`{"a":1}`, a string
    /// as itself). `key` is the route key of a path parameter (unused elsewhere).
    #[allow(clippy::too_many_arguments)]
    pub fn styled<T: DeserializeOwned>(
        &mut self,
        location: Location,
        name: &str,
        key: &str,
        schema: &'static Schema,
        required: bool,
        style: Style,
        explode: bool,
    ) -> Option<T> {
        let raw: Vec<String> = match location {
            Location::Header => self.header_text(name),
            _ => {
                let (source, wanted) = match location {
                    Location::Path => (&self.path, key),
                    _ => (&self.query, name),
                };
                source
                    .iter()
                    .filter(|(k, _)| k == wanted)
                    .map(|(_, v)| v.clone())
                    .collect()
            }
        };
        self.parameter(location, name, schema, required, style, explode, raw)
    }

    /// A cookie parameter.
    pub fn cookie<T: DeserializeOwned>(
        &mut self,
        name: &str,
        schema: &'static Schema,
        required: bool,
    ) -> Option<T> {
        let raw = self.ctx.cookies(name);
        self.parameter(
            Location::Cookie,
            name,
            schema,
            required,
            Style::Form,
            false,
            raw,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn parameter<T: DeserializeOwned>(
        &mut self,
        location: Location,
        name: &str,
        schema: &'static Schema,
        required: bool,
        style: Style,
        explode: bool,
        raw: Vec<String>,
    ) -> Option<T> {
        let validator = self.validator();
        let schema = schema.get();
        let resolved = validator.resolve(schema).unwrap_or(schema);
        let value = if raw.is_empty() {
            match resolved.get("default") {
                Some(default) => default.clone(),
                None if required => {
                    self.errors
                        .push(FieldError::new(location, name, "is required", "required"));
                    return None;
                }
                None => return self.deserialize(location, name, Value::Null),
            }
        } else {
            decode(&validator, resolved, &raw, name, style, explode)
        };
        let violations = validator.validate(schema, &value);
        if !violations.is_empty() {
            for v in violations {
                let field = format!("{name}{}", v.pointer);
                self.errors
                    .push(FieldError::new(location, &field, v.message, v.keyword));
            }
            return None;
        }
        self.deserialize(location, name, value)
    }

    fn deserialize<T: DeserializeOwned>(
        &mut self,
        location: Location,
        name: &str,
        value: Value,
    ) -> Option<T> {
        match serde_path_to_error::deserialize::<_, T>(value) {
            Ok(v) => Some(v),
            Err(e) => {
                let path = e.path().to_string();
                let field = if path == "." || location != Location::Body {
                    name.to_string()
                } else {
                    format!("{name}/{}", path.replace('.', "/"))
                };
                self.errors.push(FieldError::new(
                    location,
                    &field,
                    e.inner().to_string(),
                    "type",
                ));
                None
            }
        }
    }

    /// A JSON or form body decoded into its type (`T = Option<_>` when the body is optional).
    pub fn body<T: DeserializeOwned>(
        &mut self,
        payload: Option<Payload>,
        schema: &'static Schema,
        required: bool,
    ) -> Option<T> {
        let validator = self.validator();
        let schema = schema.get();
        // A body sent as JSON `null` is a body: the schema judges it (an optional body that is
        // absent is not checked).
        let present = payload.is_some();
        let value = match payload {
            None if required => {
                self.errors.push(FieldError::new(
                    Location::Body,
                    "",
                    "a request body is required",
                    "required",
                ));
                return None;
            }
            None => Value::Null,
            Some(Payload::Json(value)) => value,
            Some(Payload::Form(pairs)) => form_object(&validator, schema, pairs),
            Some(Payload::Raw(_)) => {
                self.errors.push(FieldError::new(
                    Location::Body,
                    "",
                    "the body could not be decoded",
                    "type",
                ));
                return None;
            }
        };
        if present || required {
            let violations = validator.validate(schema, &value);
            if !violations.is_empty() {
                for v in violations {
                    self.errors.push(FieldError::new(
                        Location::Body,
                        &v.pointer,
                        v.message,
                        v.keyword,
                    ));
                }
                return None;
            }
        }
        self.deserialize(Location::Body, "", value)
    }

    /// A body handed over as it came (multipart, binary, text).
    pub fn raw_body(
        &mut self,
        payload: Option<Payload>,
        required: bool,
    ) -> Option<Option<RawBody>> {
        match payload {
            Some(Payload::Raw(raw)) => Some(Some(raw)),
            None if !required => Some(None),
            None => {
                self.errors.push(FieldError::new(
                    Location::Body,
                    "",
                    "a request body is required",
                    "required",
                ));
                None
            }
            Some(_) => {
                self.errors.push(FieldError::new(
                    Location::Body,
                    "",
                    "the body could not be decoded",
                    "type",
                ));
                None
            }
        }
    }

    /// `Err(Error::Validation)` with every failure recorded, if any.
    pub fn finish(self) -> Result<(), Error> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(Error::Validation {
                errors: self.errors,
            })
        }
    }
}

/// The `type` a schema declares, looking through `allOf` and alternatives when it declares none.
fn declared_type<'v>(validator: &'v Validator<'_>, schema: &'v Value) -> Option<&'v str> {
    let schema = validator.resolve(schema).ok()?;
    if let Some(t) = schema.get("type").and_then(Value::as_str) {
        return Some(t);
    }
    ["allOf", "oneOf", "anyOf"].iter().find_map(|key| {
        schema
            .get(*key)
            .and_then(Value::as_array)?
            .iter()
            .find_map(|member| declared_type(validator, member))
    })
}

/// Whether a path segment's text, read by `schema` (`root` holding what it refers to), is
/// valid: what tells two operations of one route apart.
pub(crate) fn fits(root: &'static Schema, schema: &'static Schema, text: &str) -> bool {
    let validator = Validator::new(root.get(), Direction::Request);
    let schema = schema.get();
    let resolved = validator.resolve(schema).unwrap_or(schema);
    let value = decode(
        &validator,
        resolved,
        &[text.to_string()],
        "",
        Style::Simple,
        false,
    );
    validator.validate(schema, &value).is_empty()
}

/// How a parameter's value is written in its text (OpenAPI's `style`, and JSON `content`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Path and header default: `1,2`; an object `a,1,b,2` (`a=1,b=2` exploded).
    Simple,
    /// Query and cookie default: `id=1&id=2` exploded, `id=1,2` not.
    Form,
    /// `.1.2` exploded, `.1,2` not.
    Label,
    /// `;id=1;id=2` exploded, `;id=1,2` not; an object `;a=1;b=2` or `;id=a,1,b,2`.
    Matrix,
    /// `1%202`.
    SpaceDelimited,
    /// `1|2`.
    PipeDelimited,
    /// Described by `content`: the value as JSON text, a string as itself.
    Json,
}

/// Turns a parameter's text, written in `style`, into the JSON value its schema describes;
/// text that does not fit stays a string, for validation to report.
fn decode(
    validator: &Validator<'_>,
    schema: &Value,
    raw: &[String],
    name: &str,
    style: Style,
    explode: bool,
) -> Value {
    let kind = declared_type(validator, schema);
    if style == Style::Json {
        return match kind {
            Some("string") => Value::String(raw[0].clone()),
            _ => serde_json::from_str(&raw[0]).unwrap_or_else(|_| Value::String(raw[0].clone())),
        };
    }
    let object = kind == Some("object")
        || (kind.is_none()
            && validator
                .resolve(schema)
                .is_ok_and(|s| s.get("properties").is_some()));
    if style == Style::Form && !object {
        return coerce(validator, schema, raw, explode);
    }
    let named = format!("{name}=");
    let text = raw.join(",");
    // The value's text without what its style puts before it.
    let body = match style {
        Style::Label => text.strip_prefix('.').unwrap_or(&text),
        Style::Matrix => {
            let body = text.strip_prefix(';').unwrap_or(&text);
            if explode && (object || kind == Some("array")) {
                body
            } else {
                body.strip_prefix(named.as_str()).unwrap_or(body)
            }
        }
        _ => &text,
    };
    let separator = match (style, explode) {
        (Style::Label, true) => '.',
        (Style::Matrix, true) => ';',
        (Style::SpaceDelimited, _) => ' ',
        (Style::PipeDelimited, _) => '|',
        _ => ',',
    };
    if object {
        let items: Vec<&str> = body.split(separator).filter(|i| !i.is_empty()).collect();
        // Exploded (`a=1,b=2`) or not (`a,1,b,2`): every item holds `=` only in the first.
        let pairs: Vec<(String, String)> = if items.iter().all(|i| i.contains('=')) {
            items
                .iter()
                .filter_map(|i| i.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        } else {
            items
                .chunks(2)
                .map(|pair| (pair[0].to_string(), pair.get(1).unwrap_or(&"").to_string()))
                .collect()
        };
        return form_object(validator, schema, pairs);
    }
    if kind == Some("array") {
        let items: Vec<String> = body
            .split(separator)
            .map(|i| match style {
                Style::Matrix => i.strip_prefix(named.as_str()).unwrap_or(i).to_string(),
                _ => i.to_string(),
            })
            .collect();
        return coerce(validator, schema, &items, true);
    }
    coerce(validator, schema, &[body.to_string()], explode)
}

/// Turns parameter text into the JSON value its schema describes; text that does not fit stays
/// a string, for validation to report.
fn coerce(validator: &Validator<'_>, schema: &Value, raw: &[String], explode: bool) -> Value {
    match declared_type(validator, schema) {
        Some("array") => {
            let items_schema = validator
                .resolve(schema)
                .ok()
                .and_then(|s| s.get("items"))
                .cloned()
                .unwrap_or(Value::Bool(true));
            let parts: Vec<String> = if raw.len() > 1 || explode {
                raw.to_vec()
            } else {
                raw[0].split(',').map(str::to_string).collect()
            };
            Value::Array(
                parts
                    .into_iter()
                    .filter(|p| !p.is_empty())
                    .map(|p| coerce(validator, &items_schema, &[p], true))
                    .collect(),
            )
        }
        kind => scalar(kind, &raw[0]),
    }
}

fn scalar(kind: Option<&str>, text: &str) -> Value {
    let parsed = match kind {
        Some("integer") => text
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| text.parse::<u64>().map(Value::from))
            .ok(),
        Some("number") => text
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number),
        Some("boolean") => match text {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        },
        _ => None,
    };
    parsed.unwrap_or_else(|| Value::String(text.to_string()))
}

/// A form body as the JSON object its schema describes: each field coerced by its property's
/// schema, repeated fields kept as arrays where the property is one.
fn form_object(validator: &Validator<'_>, schema: &Value, pairs: Vec<(String, String)>) -> Value {
    let mut grouped: Vec<(String, Vec<String>)> = Vec::new();
    for (k, v) in pairs {
        match grouped.iter_mut().find(|(name, _)| *name == k) {
            Some((_, values)) => values.push(v),
            None => grouped.push((k, vec![v])),
        }
    }
    let mut object = Map::new();
    for (name, values) in grouped {
        let property = property_schema(validator, schema, &name).unwrap_or(Value::Bool(true));
        object.insert(name, coerce(validator, &property, &values, true));
    }
    Value::Object(object)
}

fn property_schema(validator: &Validator<'_>, schema: &Value, name: &str) -> Option<Value> {
    let schema = validator.resolve(schema).ok()?;
    if let Some(p) = schema.get("properties").and_then(|p| p.get(name)) {
        return Some(p.clone());
    }
    schema
        .get("allOf")
        .and_then(Value::as_array)?
        .iter()
        .find_map(|member| property_schema(validator, member, name))
}

//! Validation of JSON values against OpenAPI 3.0 schema objects (the shape `accord-spec`
//! normalizes every document into, 3.1 included).
//!
//! Typed deserialization checks types; it misses what a schema says about values: string
//! lengths, patterns, numeric ranges, formats such as `email` and `uuid`, array and object
//! sizes, `additionalProperties: false`, alternatives. [`Validator::validate`] checks all of
//! them and reports every failure with the JSON pointer of the offending value, so a 422 can
//! name each field.
//!
//! Schemas may `$ref` into the document they come from (`#/components/schemas/...`), which
//! the validator is given once. It never panics: an unresolvable reference, a pattern that
//! does not compile or a keyword of the wrong type is reported as a violation of that value,
//! never as a crash.

mod formats;
pub use formats::canonical as canonical_format;
pub mod media;
pub mod pointer;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{Map, Value};

/// Which side of an exchange a value is on: a `readOnly` property is never required in a
/// request, a `writeOnly` one never in a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Request,
    Response,
}

/// One failed constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// JSON pointer into the validated value (`""` for the value itself).
    pub pointer: String,
    /// The schema keyword that failed (`"maxLength"`, `"required"`, `"format"`...).
    pub keyword: &'static str,
    /// What is wrong, for a person.
    pub message: String,
}

/// References deeper than this are reported instead of followed (a schema that refers to
/// itself without consuming any of the value would otherwise never end).
const MAX_DEPTH: usize = 128;

/// Validates values against schemas whose references resolve in one document.
#[derive(Debug, Clone)]
pub struct Validator<'a> {
    root: &'a Value,
    direction: Direction,
}

impl<'a> Validator<'a> {
    /// `root` is the document `$ref`s resolve in (a whole OpenAPI document, or any value
    /// with `components.schemas`).
    pub fn new(root: &'a Value, direction: Direction) -> Self {
        Validator { root, direction }
    }

    /// Every violation of `schema` by `value`; empty when the value is valid.
    pub fn validate(&self, schema: &Value, value: &Value) -> Vec<Violation> {
        let mut out = Vec::new();
        let mut pointer = String::new();
        self.check(schema, value, &mut pointer, 0, &mut out);
        out
    }

    /// Whether `value` satisfies `schema`.
    pub fn is_valid(&self, schema: &Value, value: &Value) -> bool {
        let mut out = Vec::new();
        self.check(schema, value, &mut String::new(), 0, &mut out);
        out.is_empty()
    }

    /// Follows `$ref` chains from `schema` to the schema they name.
    pub fn resolve<'s>(&'s self, mut schema: &'s Value) -> Result<&'s Value, String> {
        for _ in 0..pointer::REF_DEPTH {
            match schema.get("$ref").and_then(Value::as_str) {
                Some(reference) => {
                    schema = lookup(self.root, reference).ok_or_else(|| {
                        format!("schema reference `{reference}` does not resolve")
                    })?;
                }
                None => return Ok(schema),
            }
        }
        Err("schema references form a cycle".to_string())
    }

    fn check(
        &self,
        schema: &Value,
        value: &Value,
        pointer: &mut String,
        depth: usize,
        out: &mut Vec<Violation>,
    ) {
        if depth > MAX_DEPTH {
            push(
                out,
                pointer,
                "$ref",
                "the schema nests too deeply to check".into(),
            );
            return;
        }
        let schema = match self.resolve(schema) {
            Ok(s) => s,
            Err(message) => {
                push(out, pointer, "$ref", message);
                return;
            }
        };
        let Some(obj) = schema.as_object() else {
            // `true`/`{}`-like schemas accept everything; `false` nothing.
            if schema == &Value::Bool(false) {
                push(out, pointer, "false", "no value is allowed here".into());
            }
            return;
        };

        for member in array(obj, "allOf") {
            self.check(member, value, pointer, depth + 1, out);
        }
        if let Some(alternatives) = obj.get("anyOf").and_then(Value::as_array)
            && !alternatives.iter().any(|a| self.passes(a, value, depth))
        {
            push(
                out,
                pointer,
                "anyOf",
                "does not match any of the allowed shapes".into(),
            );
        }
        if let Some(alternatives) = obj.get("oneOf").and_then(Value::as_array) {
            let matching = alternatives
                .iter()
                .filter(|a| self.passes(a, value, depth))
                .count();
            if matching == 0 {
                push(
                    out,
                    pointer,
                    "oneOf",
                    "does not match any of the allowed shapes".into(),
                );
            } else if matching > 1 && !obj.contains_key("discriminator") {
                push(
                    out,
                    pointer,
                    "oneOf",
                    format!("matches {matching} of the shapes; exactly one is allowed"),
                );
            }
        }
        if let Some(not) = obj.get("not")
            && self.passes(not, value, depth)
        {
            push(
                out,
                pointer,
                "not",
                "matches a shape that is not allowed".into(),
            );
        }

        if value.is_null() {
            let nullable = obj
                .get("nullable")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            if let Some(values) = obj.get("enum").and_then(Value::as_array) {
                if !nullable && !values.contains(&Value::Null) {
                    push(
                        out,
                        pointer,
                        "enum",
                        format!("must be one of {}", list(values)),
                    );
                }
                return;
            }
            if !nullable && obj.contains_key("type") {
                push(out, pointer, "nullable", "must not be null".into());
            }
            return;
        }

        if let Some(expected) = obj.get("type").and_then(Value::as_str)
            && !has_type(value, expected)
        {
            push(
                out,
                pointer,
                "type",
                format!("must be {}", article(expected)),
            );
            return;
        }
        if let Some(values) = obj.get("enum").and_then(Value::as_array)
            && !values.contains(value)
        {
            push(
                out,
                pointer,
                "enum",
                format!("must be one of {}", list(values)),
            );
        }
        match value {
            Value::String(s) => self.check_string(obj, s, pointer, out),
            Value::Number(_) => check_number(obj, value, pointer, out),
            Value::Array(items) => self.check_array(obj, items, pointer, depth, out),
            Value::Object(members) => self.check_object(obj, members, pointer, depth, out),
            _ => {}
        }
    }

    fn passes(&self, schema: &Value, value: &Value, depth: usize) -> bool {
        let mut out = Vec::new();
        self.check(schema, value, &mut String::new(), depth + 1, &mut out);
        out.is_empty()
    }

    fn check_string(
        &self,
        obj: &Map<String, Value>,
        s: &str,
        pointer: &str,
        out: &mut Vec<Violation>,
    ) {
        let length = s.chars().count() as u64;
        if let Some(min) = obj.get("minLength").and_then(Value::as_u64)
            && length < min
        {
            let message = if min == 1 {
                "must not be empty".to_string()
            } else {
                format!("must be at least {min} characters long")
            };
            push(out, pointer, "minLength", message);
        }
        if let Some(max) = obj.get("maxLength").and_then(Value::as_u64)
            && length > max
        {
            push(
                out,
                pointer,
                "maxLength",
                format!("must be at most {max} characters long"),
            );
        }
        // A pattern no reading makes a regular expression of says nothing of the value:
        // none is held to it.
        if let Some(pattern) = obj.get("pattern").and_then(Value::as_str)
            && let Some(re) = regex(pattern)
            && re.find(s).is_none()
        {
            push(
                out,
                pointer,
                "pattern",
                format!("must match the pattern `{pattern}`"),
            );
        }
        if let Some(format) = obj.get("format").and_then(Value::as_str)
            && let Some(problem) = formats::check(format, s)
        {
            push(out, pointer, "format", problem);
        }
    }

    fn check_array(
        &self,
        obj: &Map<String, Value>,
        items: &[Value],
        pointer: &mut String,
        depth: usize,
        out: &mut Vec<Violation>,
    ) {
        let count = items.len() as u64;
        if let Some(min) = obj.get("minItems").and_then(Value::as_u64)
            && count < min
        {
            push(
                out,
                pointer,
                "minItems",
                format!("must have at least {min} items"),
            );
        }
        if let Some(max) = obj.get("maxItems").and_then(Value::as_u64)
            && count > max
        {
            push(
                out,
                pointer,
                "maxItems",
                format!("must have at most {max} items"),
            );
        }
        if obj.get("uniqueItems").and_then(Value::as_bool) == Some(true) {
            let duplicate = items
                .iter()
                .enumerate()
                .any(|(i, a)| items[..i].contains(a));
            if duplicate {
                push(
                    out,
                    pointer,
                    "uniqueItems",
                    "must not contain the same item twice".into(),
                );
            }
        }
        if let Some(item_schema) = obj.get("items") {
            for (index, item) in items.iter().enumerate() {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&index.to_string());
                self.check(item_schema, item, pointer, depth + 1, out);
                pointer.truncate(len);
            }
        }
    }

    /// The schema of property `name` where `obj` requires it without declaring it: in one of
    /// its `allOf` branches (PetClinic's `Vet` requires a read-only `id` its second branch
    /// declares), at any depth.
    fn declared_in_branches<'s>(
        &'s self,
        obj: &'s Map<String, Value>,
        name: &str,
        depth: usize,
    ) -> Option<&'s Value> {
        if depth > 16 {
            return None;
        }
        array(obj, "allOf").iter().find_map(|branch| {
            let branch = self.resolve(branch).ok()?.as_object()?;
            branch
                .get("properties")
                .and_then(Value::as_object)
                .and_then(|p| p.get(name))
                .and_then(|s| self.resolve(s).ok())
                .or_else(|| self.declared_in_branches(branch, name, depth + 1))
        })
    }

    fn check_object(
        &self,
        obj: &Map<String, Value>,
        members: &Map<String, Value>,
        pointer: &mut String,
        depth: usize,
        out: &mut Vec<Violation>,
    ) {
        let properties = obj.get("properties").and_then(Value::as_object);
        for name in array(obj, "required").iter().filter_map(|n| n.as_str()) {
            if members.contains_key(name) {
                continue;
            }
            let property = properties
                .and_then(|p| p.get(name))
                .and_then(|s| self.resolve(s).ok())
                .or_else(|| self.declared_in_branches(obj, name, 0));
            let skip = match (self.direction, property) {
                (Direction::Request, Some(s)) => flag(s, "readOnly"),
                (Direction::Response, Some(s)) => flag(s, "writeOnly"),
                _ => false,
            };
            if !skip {
                let child = format!("{pointer}/{}", escape(name));
                push(out, &child, "required", "is required".into());
            }
        }
        let count = members.len() as u64;
        if let Some(min) = obj.get("minProperties").and_then(Value::as_u64)
            && count < min
        {
            push(
                out,
                pointer,
                "minProperties",
                format!("must have at least {min} properties"),
            );
        }
        if let Some(max) = obj.get("maxProperties").and_then(Value::as_u64)
            && count > max
        {
            push(
                out,
                pointer,
                "maxProperties",
                format!("must have at most {max} properties"),
            );
        }
        let additional = obj.get("additionalProperties");
        for (name, member) in members {
            let len = pointer.len();
            pointer.push('/');
            pointer.push_str(&escape(name));
            match properties.and_then(|p| p.get(name)) {
                Some(property) => self.check(property, member, pointer, depth + 1, out),
                None => match additional {
                    Some(Value::Bool(false)) => push(
                        out,
                        pointer,
                        "additionalProperties",
                        "is not a known field".into(),
                    ),
                    Some(schema @ Value::Object(_)) => {
                        self.check(schema, member, pointer, depth + 1, out)
                    }
                    _ => {}
                },
            }
            pointer.truncate(len);
        }
    }
}

fn check_number(obj: &Map<String, Value>, value: &Value, pointer: &str, out: &mut Vec<Violation>) {
    let Some(n) = value.as_f64() else { return };
    // 3.0 has boolean exclusive flags; a 3.1 leftover may carry the bound itself.
    let bound = |key: &str, exclusive_key: &str| -> Option<(f64, bool)> {
        match (obj.get(key).and_then(Value::as_f64), obj.get(exclusive_key)) {
            (Some(b), Some(Value::Bool(e))) => Some((b, *e)),
            (Some(b), _) => Some((b, false)),
            (None, Some(Value::Number(b))) => b.as_f64().map(|b| (b, true)),
            _ => None,
        }
    };
    if let Some((min, exclusive)) = bound("minimum", "exclusiveMinimum")
        && (n < min || (exclusive && n == min))
    {
        let relation = if exclusive {
            "greater than"
        } else {
            "at least"
        };
        push(
            out,
            pointer,
            "minimum",
            format!("must be {relation} {}", number(min)),
        );
    }
    if let Some((max, exclusive)) = bound("maximum", "exclusiveMaximum")
        && (n > max || (exclusive && n == max))
    {
        let relation = if exclusive { "less than" } else { "at most" };
        push(
            out,
            pointer,
            "maximum",
            format!("must be {relation} {}", number(max)),
        );
    }
    if let Some(step) = obj.get("multipleOf").and_then(Value::as_f64)
        && step > 0.0
    {
        let ratio = n / step;
        if (ratio - ratio.round()).abs() > 1e-9 {
            push(
                out,
                pointer,
                "multipleOf",
                format!("must be a multiple of {}", number(step)),
            );
        }
    }
    let format = obj.get("format").and_then(Value::as_str);
    let range = match format {
        Some("int32") => Some((i32::MIN as f64, i32::MAX as f64)),
        Some("int64") => Some((i64::MIN as f64, i64::MAX as f64)),
        _ => None,
    };
    if let (Some((lo, hi)), Some(format)) = (range, format)
        && (n < lo || n > hi)
    {
        push(out, pointer, "format", format!("does not fit in {format}"));
    }
}

fn has_type(value: &Value, expected: &str) -> bool {
    match expected {
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        "number" => value.is_number(),
        "integer" => match value {
            Value::Number(n) => {
                n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            _ => false,
        },
        // An unknown type name constrains nothing rather than rejecting everything.
        _ => true,
    }
}

fn article(kind: &str) -> String {
    match kind {
        "integer" | "array" | "object" => format!("an {kind}"),
        "boolean" | "string" | "number" => format!("a {kind}"),
        other => format!("of type {other}"),
    }
}

fn flag(schema: &Value, key: &str) -> bool {
    schema.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn array<'v>(obj: &'v Map<String, Value>, key: &str) -> &'v [Value] {
    obj.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn list(values: &[Value]) -> String {
    let shown: Vec<String> = values.iter().take(10).map(Value::to_string).collect();
    let more = if values.len() > 10 { ", ..." } else { "" };
    format!("{}{more}", shown.join(", "))
}

fn number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

fn push(out: &mut Vec<Violation>, pointer: &str, keyword: &'static str, message: String) {
    out.push(Violation {
        pointer: pointer.to_string(),
        keyword,
        message,
    });
}

pub use pointer::escape;
use pointer::lookup;

/// `pattern` with each escape `\\c` that `rewrite(c, in_class)` gives text for written as
/// that text (`in_class`: inside a `[...]` class); every other character as it is.
pub fn map_escapes(pattern: &str, rewrite: impl Fn(char, bool) -> Option<&'static str>) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut in_class = false;
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(e) => match rewrite(e, in_class) {
                    Some(text) => out.push_str(text),
                    None => {
                        out.push('\\');
                        out.push(e);
                    }
                },
                None => out.push('\\'),
            },
            '[' if !in_class => {
                in_class = true;
                out.push(c);
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// `pattern` with the anchors of Python's and PCRE's patterns (`\A`, `\Z`, `\z`), which
/// Django writes into the specs it serves (a slug's `^[-\w]+\Z`), as ECMA-262's `^` and
/// `$`: ECMA-262 has none of them, and its legacy mode would read `\z` as the letter `z`,
/// which no author of such a pattern means.
pub fn python_anchors(pattern: &str) -> String {
    map_escapes(pattern, |c, in_class| match (c, in_class) {
        ('A', false) => Some("^"),
        ('Z' | 'z', false) => Some("$"),
        _ => None,
    })
}

/// `pattern` with what Java's and PCRE's patterns have and ECMA-262's lack written as the
/// nearest ECMA-262: an atomic group `(?>X)` as `(?:X)`, a possessive quantifier (`X++`,
/// `X*+`, `X?+`, `X{n}+`) as the greedy one, and Python's anchors ([`python_anchors`]).
/// Bean Validation's `@Pattern` reaches specs so (JHipster's login pattern is
/// `^(?>[a-zA-Z0-9!$&*+=?^_`{|}~.-]+@...)|(?>[_.@A-Za-z0-9-]+)$`); the two differ only in
/// how a match backtracks, which a well-formed validation pattern does not lean on.
pub fn ecma_pattern(pattern: &str) -> String {
    let read = python_anchors(pattern);
    let mut out = String::with_capacity(read.len());
    let mut in_class = false;
    // Whether the last thing written is a quantifier, which a `+` would make possessive.
    let mut quantified = false;
    let mut chars = read.chars().peekable();
    while let Some(c) = chars.next() {
        let was_quantified = std::mem::take(&mut quantified);
        match c {
            '\\' => {
                out.push(c);
                if let Some(e) = chars.next() {
                    out.push(e);
                }
            }
            '[' if !in_class => {
                in_class = true;
                out.push(c);
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            _ if in_class => out.push(c),
            '(' if chars.peek() == Some(&'?') => {
                out.push_str("(?");
                chars.next();
                if chars.peek() == Some(&'>') {
                    chars.next();
                    out.push(':');
                }
            }
            '+' if was_quantified => {}
            '*' | '+' | '?' | '}' => {
                out.push(c);
                quantified = true;
            }
            _ => out.push(c),
        }
    }
    out
}

/// Compiled patterns, shared: a schema's pattern is compiled once per process.
fn regex(pattern: &str) -> Option<Arc<regress::Regex>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Option<Arc<regress::Regex>>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut cache = match cache.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    };
    if let Some(found) = cache.get(pattern) {
        return found.clone();
    }
    // JSON Schema's patterns are ECMA-262's in Unicode mode (`\p{L}`, code points, not
    // UTF-16 units); a pattern only the legacy mode reads (`\-` outside a class), as many
    // specs hold, is read in that mode.
    let read = python_anchors(pattern);
    let compiled = regress::Regex::with_flags(&read, "u")
        .or_else(|_| regress::Regex::new(&read))
        .or_else(|_| regress::Regex::with_flags(&ecma_pattern(pattern), "u"))
        .ok()
        .map(Arc::new);
    if cache.len() < 4096 {
        cache.insert(pattern.to_string(), compiled.clone());
    }
    compiled
}

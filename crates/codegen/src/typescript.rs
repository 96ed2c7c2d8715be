//! The TypeScript target: types shaped like openapi-typescript's output, so that
//! `createClient<paths>()` from openapi-fetch works on them, plus one named export per schema.
//!
//! Our own emitter over the normalized document; no Node runs at generation time.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use accord_spec::{Document, Problem};
use serde_json::{Map, Value};

use crate::{CodegenError, Origin, Output};

use accord_spec::METHODS;
const LOCATIONS: &[&str] = &["query", "header", "path", "cookie"];
const COMPONENT_SECTIONS: &[(&str, &str)] = &[
    ("schemas", "schemas"),
    ("responses", "responses"),
    ("parameters", "parameters"),
    ("requestBodies", "requestBodies"),
    ("headers", "headers"),
];

/// Generates the `.d.ts` text of the spec.
pub fn generate(spec: &Document, origin: &Origin<'_>) -> Result<Output, CodegenError> {
    let doc = &spec.document;
    // The file's two halves are written side by side, each by an emitter of its own: the
    // paths and the components, and the operations with the named exports.
    let (mut first, second) = std::thread::scope(|scope| {
        let second = scope.spawn(|| {
            let mut e = Emitter::new(doc);
            e.operations();
            e.named_exports();
            e
        });
        let mut e = Emitter::new(doc);
        e.out.push_str(&origin.header("//"));
        e.paths();
        e.out
            .push_str("export type webhooks = Record<string, never>;\n");
        e.components();
        e.out
            .push_str("export type $defs = Record<string, never>;\n");
        let second = second
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (e, second)
    });
    first.out.push_str(&second.out);
    first.notes.extend(second.notes);
    Ok(Output {
        text: first.out,
        notes: first.notes,
    })
}

struct Emitter<'a> {
    doc: &'a Value,
    /// `components.schemas`, looked up once.
    schemas: Option<&'a Map<String, Value>>,
    out: String,
    notes: Vec<Problem>,
    /// The `$ref` of the component schema being emitted, to cut composition cycles back to it.
    current: Option<String>,
}

/// The keywords of a schema the emitter reads, found in one pass over its entries: a schema
/// has a handful of entries, and a lookup by key hashes the key each time.
#[derive(Default)]
struct Keywords<'a> {
    reference: Option<&'a str>,
    nullable: bool,
    enumeration: Option<&'a Vec<Value>>,
    ty: Option<&'a str>,
    items: Option<&'a Value>,
    properties: Option<&'a Map<String, Value>>,
    additional: Option<&'a Value>,
    required: Option<&'a Vec<Value>>,
    all_of: Option<&'a Vec<Value>>,
    one_of: Option<&'a Vec<Value>>,
    any_of: Option<&'a Vec<Value>>,
}

impl<'a> Keywords<'a> {
    fn of(map: &'a Map<String, Value>) -> Keywords<'a> {
        let mut k = Keywords::default();
        for (key, value) in map {
            match key.as_str() {
                "$ref" => k.reference = value.as_str(),
                "nullable" => k.nullable = value == &Value::Bool(true),
                "enum" => k.enumeration = value.as_array(),
                "type" => k.ty = value.as_str(),
                "items" => k.items = Some(value),
                "properties" => k.properties = value.as_object(),
                "additionalProperties" => k.additional = Some(value),
                "required" => k.required = value.as_array(),
                "allOf" => k.all_of = value.as_array(),
                "oneOf" => k.one_of = value.as_array(),
                "anyOf" => k.any_of = value.as_array(),
                _ => {}
            }
        }
        k
    }
}

fn obj(value: Option<&Value>) -> Option<&Map<String, Value>> {
    value.and_then(Value::as_object)
}

/// The entries of an object, or none: read in place, never copied.
fn entries(value: Option<&Value>) -> impl Iterator<Item = (&String, &Value)> {
    obj(value).into_iter().flatten()
}

impl<'a> Emitter<'a> {
    fn new(doc: &'a Value) -> Emitter<'a> {
        Emitter {
            doc,
            schemas: obj(doc.pointer("/components/schemas")),
            out: String::new(),
            notes: Vec::new(),
            current: None,
        }
    }

    fn line(&mut self, depth: usize, text: &str) {
        for _ in 0..depth {
            self.out.push_str("    ");
        }
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn doc_comment(&mut self, depth: usize, node: &Value) {
        // One pass over the entries (see `Keywords`).
        let (mut description, mut summary, mut deprecated, mut format) = (None, None, false, None);
        for (key, value) in node.as_object().into_iter().flatten() {
            match key.as_str() {
                "description" => description = Some(value),
                "summary" => summary = Some(value),
                "deprecated" => deprecated = value == &Value::Bool(true),
                "format" => format = value.as_str(),
                _ => {}
            }
        }
        let description = description
            .or(summary)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|d| !d.is_empty());
        let count = description.map_or(0, |d| d.lines().count())
            + usize::from(deprecated)
            + usize::from(format.is_some());
        if count == 0 {
            return;
        }
        let lines = description
            .into_iter()
            .flat_map(str::lines)
            .enumerate()
            .map(|(i, l)| (if i == 0 { "@description " } else { "" }, l))
            .chain(deprecated.then_some(("@deprecated", "")))
            .chain(format.map(|f| ("Format: ", f)));
        let pad = "    ".repeat(depth);
        if count == 1 {
            for (prefix, text) in lines {
                let _ = writeln!(self.out, "{pad}/** {prefix}{} */", close_safe(text));
            }
            return;
        }
        let _ = writeln!(self.out, "{pad}/**");
        for (prefix, text) in lines {
            let line = format!(" * {prefix}{}", close_safe(text));
            let _ = writeln!(self.out, "{pad}{}", line.trim_end());
        }
        let _ = writeln!(self.out, "{pad} */");
    }

    fn paths(&mut self) {
        self.line(0, "export interface paths {");
        let doc = self.doc;
        for (path, item) in entries(doc.get("paths")) {
            self.line(1, &format!("{}: {{", quote(path)));
            self.parameters_block(2, item.get("parameters"), None);
            for method in METHODS {
                match item
                    .get(*method)
                    .and_then(|op| op.get("operationId"))
                    .and_then(Value::as_str)
                {
                    Some(id) => {
                        self.doc_comment(2, &item[*method]);
                        self.line(2, &format!("{method}: operations[{}];", quote(id)));
                    }
                    None => self.line(2, &format!("{method}?: never;")),
                }
            }
            self.line(1, "};");
        }
        self.line(0, "}");
    }

    /// `parameters: { query?: ...; header?: ...; path?: ...; cookie?: ... }` from one or two lists.
    fn parameters_block(
        &mut self,
        depth: usize,
        shared: Option<&'a Value>,
        own: Option<&'a Value>,
    ) {
        // (reference or item, resolved); an operation's own parameter replaces a shared one.
        let mut params: Vec<(&'a Value, &'a Value)> = Vec::new();
        for list in [shared, own].into_iter().flatten() {
            for p in list.as_array().into_iter().flatten() {
                let resolved = self.resolve(p);
                let key = |v: &Value| (v.get("name").cloned(), v.get("in").cloned());
                params.retain(|(_, r)| key(r) != key(resolved));
                params.push((p, resolved));
            }
        }
        self.line(depth, "parameters: {");
        for location in LOCATIONS {
            let here: Vec<(&'a Value, &'a Value)> = params
                .iter()
                .copied()
                .filter(|(_, r)| r.get("in").and_then(Value::as_str) == Some(location))
                .collect();
            if here.is_empty() {
                self.line(depth + 1, &format!("{location}?: never;"));
                continue;
            }
            let required = here
                .iter()
                .any(|(_, r)| r.get("required") == Some(&Value::Bool(true)));
            self.line(
                depth + 1,
                &format!("{location}{}: {{", if required { "" } else { "?" }),
            );
            for (original, resolved) in here {
                let name = resolved
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let ty = match reference_name(original, "parameters") {
                    Some(r) => format!("components[\"parameters\"][{}]", quote(&r)),
                    None => self.schema_or_unknown(resolved.get("schema"), depth + 2),
                };
                let optional = resolved.get("required") != Some(&Value::Bool(true));
                self.doc_comment(depth + 2, resolved);
                self.line(
                    depth + 2,
                    &format!(
                        "{}{}: {ty};",
                        property_name(name),
                        if optional { "?" } else { "" }
                    ),
                );
            }
            self.line(depth + 1, "};");
        }
        self.line(depth, "};");
    }

    fn components(&mut self) {
        self.line(0, "export interface components {");
        let components = self.doc.get("components");
        for (section, key) in COMPONENT_SECTIONS {
            let section_entries = components.and_then(|c| c.get(*section));
            if obj(section_entries).is_none_or(Map::is_empty) {
                self.line(1, &format!("{key}: never;"));
                continue;
            }
            self.line(1, &format!("{key}: {{"));
            for (name, value) in entries(section_entries) {
                let text = match *section {
                    "schemas" => {
                        self.doc_comment(2, value);
                        self.current = Some(format!(
                            "#/components/schemas/{}",
                            accord_spec::escape_token(name)
                        ));
                        let ty = self.schema(value, 2);
                        self.current = None;
                        ty
                    }
                    "responses" => self.response(value, 2),
                    "parameters" => self.schema_or_unknown(self.resolve(value).get("schema"), 2),
                    "requestBodies" => self.request_body_inner(value, 2),
                    _ => self.schema_or_unknown(self.resolve(value).get("schema"), 2),
                };
                self.line(2, &format!("{}: {text};", property_name(name)));
            }
            self.line(1, "};");
        }
        self.line(1, "pathItems: never;");
        self.line(0, "}");
    }

    fn operations(&mut self) {
        self.line(0, "export interface operations {");
        let doc = self.doc;
        for o in accord_spec::json_operations(doc.get("paths")) {
            let (item, op) = (o.item, o.op);
            let id = op
                .get("operationId")
                .and_then(Value::as_str)
                .unwrap_or_default();
            self.line(1, &format!("{}: {{", property_name(id)));
            self.parameters_block(2, item.get("parameters"), op.get("parameters"));
            match op.get("requestBody") {
                None => self.line(2, "requestBody?: never;"),
                Some(body) => {
                    let required = self.resolve(body).get("required") == Some(&Value::Bool(true));
                    let ty = match reference_name(body, "requestBodies") {
                        Some(r) => format!("components[\"requestBodies\"][{}]", quote(&r)),
                        None => self.request_body_inner(body, 2),
                    };
                    self.line(
                        2,
                        &format!("requestBody{}: {ty};", if required { "" } else { "?" }),
                    );
                }
            }
            self.line(2, "responses: {");
            for (code, response) in entries(op.get("responses")) {
                let key = if code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit()) {
                    code.clone()
                } else {
                    quote(code)
                };
                let ty = match reference_name(response, "responses") {
                    Some(r) => format!("components[\"responses\"][{}]", quote(&r)),
                    None => self.response(response, 3),
                };
                self.line(3, &format!("{key}: {ty};"));
            }
            self.line(2, "};");
            self.line(1, "};");
        }
        self.line(0, "}");
    }

    fn named_exports(&mut self) {
        // The file's own exports, and the global types of TypeScript's standard library and
        // the DOM that a module-level alias would shadow (`Record` is used by this file).
        let reserved: BTreeSet<&str> = ["paths", "webhooks", "components", "operations", "$defs"]
            .into_iter()
            .chain(TS_GLOBALS.iter().copied())
            .collect();
        let mut taken: BTreeSet<String> = BTreeSet::new();
        let Some(schemas) = self.schemas else {
            return;
        };
        if schemas.is_empty() {
            return;
        }
        self.out.push('\n');
        for name in schemas.keys() {
            let mut ident = identifier(name);
            if reserved.contains(ident.as_str()) || taken.contains(&ident) {
                let base = format!("{ident}Schema");
                ident = base.clone();
                let mut n = 2;
                while taken.contains(&ident) || reserved.contains(ident.as_str()) {
                    ident = format!("{base}{n}");
                    n += 1;
                }
                self.notes.push(Problem::new(
                    accord_spec::join("/components/schemas", name),
                    format!("schema `{name}` is exported as `{ident}`"),
                ));
            }
            taken.insert(ident.clone());
            self.line(
                0,
                &format!(
                    "export type {ident} = components[\"schemas\"][{}];",
                    quote(name)
                ),
            );
        }
    }

    /// `{ headers: {...}; content: {...} }` of a response (reference or item).
    fn response(&mut self, response: &'a Value, depth: usize) -> String {
        let response = self.resolve(response);
        let mut s = String::from("{\n");
        let pad = "    ".repeat(depth + 1);
        let _ = writeln!(s, "{pad}headers: {{");
        for (name, header) in entries(response.get("headers")) {
            let resolved = self.resolve(header);
            let ty = match reference_name(header, "headers") {
                Some(r) => format!("components[\"headers\"][{}]", quote(&r)),
                None => self.schema_or_unknown(resolved.get("schema"), depth + 2),
            };
            let optional = resolved.get("required") != Some(&Value::Bool(true));
            let _ = writeln!(
                s,
                "{pad}    {}{}: {ty};",
                property_name(name),
                if optional { "?" } else { "" }
            );
        }
        let _ = writeln!(s, "{pad}    [name: string]: unknown;");
        let _ = writeln!(s, "{pad}}};");
        s.push_str(&self.content(response.get("content"), depth + 1));
        let _ = write!(s, "{}}}", "    ".repeat(depth));
        s
    }

    /// `{ content: {...} }` of a request body.
    fn request_body_inner(&mut self, body: &'a Value, depth: usize) -> String {
        let body = self.resolve(body);
        let mut s = String::from("{\n");
        s.push_str(&self.content(body.get("content"), depth + 1));
        let _ = write!(s, "{}}}", "    ".repeat(depth));
        s
    }

    fn content(&mut self, content: Option<&'a Value>, depth: usize) -> String {
        let pad = "    ".repeat(depth);
        if obj(content).is_none_or(Map::is_empty) {
            return format!("{pad}content?: never;\n");
        }
        let mut s = format!("{pad}content: {{\n");
        for (name, m) in entries(content) {
            let ty = self.schema_or_unknown(m.get("schema"), depth + 1);
            let _ = writeln!(s, "{pad}    {}: {ty};", quote(name));
        }
        let _ = writeln!(s, "{pad}}};");
        s
    }

    fn schema_or_unknown(&mut self, schema: Option<&'a Value>, depth: usize) -> String {
        match schema {
            Some(s) => self.schema(s, depth),
            None => "unknown".into(),
        }
    }

    /// The TypeScript type of a schema, formatted for `depth` levels of indentation.
    fn schema(&mut self, schema: &'a Value, depth: usize) -> String {
        let Some(map) = schema.as_object() else {
            return if schema == &Value::Bool(false) {
                "never".into()
            } else {
                "unknown".into()
            };
        };
        let k = Keywords::of(map);
        if let Some(reference) = k.reference {
            return match reference.strip_prefix("#/components/schemas/") {
                Some(name) => format!(
                    "components[\"schemas\"][{}]",
                    quote(&accord_spec::unescape_token(name))
                ),
                None => "unknown".into(),
            };
        }
        let nullable = k.nullable;
        let mut parts: Vec<String> = Vec::new();
        if let Some(values) = k.enumeration {
            let literals: Vec<String> = values
                .iter()
                .filter(|v| !(v.is_null() && nullable))
                .map(literal)
                .collect();
            parts.push(if literals.is_empty() {
                "never".into()
            } else {
                literals.join(" | ")
            });
        } else if let Some(t) = k.ty {
            parts.push(match t {
                "string" => "string".into(),
                "integer" | "number" => "number".into(),
                "boolean" => "boolean".into(),
                "array" => {
                    let item = k
                        .items
                        .map(|i| self.schema(i, depth))
                        .unwrap_or_else(|| "unknown".into());
                    if item.contains(' ') && !item.starts_with('{') {
                        format!("({item})[]")
                    } else {
                        format!("{item}[]")
                    }
                }
                "object" => self.object(&k, depth),
                _ => "unknown".into(),
            });
        } else if k.properties.is_some() || k.additional.is_some() {
            parts.push(self.object(&k, depth));
        }
        if let Some(all) = k.all_of {
            let members: Vec<String> = all
                .iter()
                .map(|s| self.schema(s, depth))
                .map(|t| paren(&t))
                .collect();
            if !members.is_empty() {
                parts.push(members.join(" & "));
            }
        }
        for list in [k.one_of, k.any_of].into_iter().flatten() {
            let kept: Vec<&'a Value> = list.iter().filter(|s| !self.leads_back(s)).collect();
            // An alternative that is an array of the component itself (a JSON value's
            // `Value[]`) is circular too where it stands in the component's own annotation:
            // its items are `unknown`.
            let members: Vec<String> = kept
                .into_iter()
                .map(|s| {
                    let target = self.resolve(s);
                    let items_lead_back = target.get("type").and_then(Value::as_str)
                        == Some("array")
                        && target.get("items").is_some_and(|i| self.leads_back(i));
                    if items_lead_back {
                        "unknown[]".to_string()
                    } else {
                        self.schema(s, depth)
                    }
                })
                .collect();
            if !members.is_empty() {
                parts.push(format!("({})", members.join(" | ")));
            }
        }
        let mut ty = match parts.len() {
            0 => "unknown".to_string(),
            1 => parts.remove(0),
            _ => parts
                .iter()
                .map(|p| paren(p))
                .collect::<Vec<_>>()
                .join(" & "),
        };
        if nullable && ty != "unknown" {
            ty.push_str(" | null");
        }
        ty
    }

    /// Whether `schema` leads back to the component being emitted through composition alone,
    /// which TypeScript rejects as a circular type (TS2502).
    fn leads_back(&self, schema: &Value) -> bool {
        let (Some(current), Some(schemas)) = (&self.current, self.schemas) else {
            return false;
        };
        crate::progenitor_compat::leads_to(schemas, schema, current, &mut BTreeSet::new())
    }

    fn object(&mut self, k: &Keywords<'a>, depth: usize) -> String {
        let required: BTreeSet<&str> = k
            .required
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let props = k.properties;
        let no_props = props.is_none_or(Map::is_empty);
        let extra = match k.additional {
            None | Some(Value::Bool(true)) if no_props => Some("unknown".to_string()),
            None | Some(Value::Bool(false)) => None,
            Some(Value::Bool(true)) => Some("unknown".to_string()),
            Some(s) if s.as_object().is_some_and(Map::is_empty) => Some("unknown".to_string()),
            Some(s) => Some(self.schema(s, depth + 1)),
        };
        if no_props {
            return match extra {
                Some(t) => format!(
                    "{{\n{}[key: string]: {t};\n{}}}",
                    "    ".repeat(depth + 1),
                    "    ".repeat(depth)
                ),
                None => "Record<string, never>".into(),
            };
        }
        let pad = "    ".repeat(depth + 1);
        let mut s = String::from("{\n");
        for (name, prop) in props.into_iter().flatten() {
            let saved = std::mem::take(&mut self.out);
            self.doc_comment(depth + 1, prop);
            let comment = std::mem::replace(&mut self.out, saved);
            s.push_str(&comment);
            let ty = self.schema(prop, depth + 1);
            let optional = if required.contains(name.as_str()) {
                ""
            } else {
                "?"
            };
            let _ = writeln!(s, "{pad}{}{optional}: {ty};", property_name(name));
        }
        let _ = write!(s, "{}}}", "    ".repeat(depth));
        if let Some(t) = extra {
            let _ = write!(
                s,
                " & {{\n{pad}[key: string]: {t};\n{}}}",
                "    ".repeat(depth)
            );
        }
        s
    }

    fn resolve(&self, value: &'a Value) -> &'a Value {
        accord_spec::follow_ref(self.doc, value)
    }
}

/// `text` with any `*/` escaped, so that it cannot end the comment it is written in.
fn close_safe(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains("*/") {
        text.replace("*/", "*\\/").into()
    } else {
        text.into()
    }
}

fn reference_name(value: &Value, section: &str) -> Option<String> {
    let reference = value.get("$ref")?.as_str()?;
    reference
        .strip_prefix(&format!("#/components/{section}/"))
        .map(accord_spec::unescape_token)
}

fn paren(t: &str) -> String {
    if t.contains(" | ") && !(t.starts_with('(') && t.ends_with(')')) {
        format!("({t})")
    } else {
        t.to_string()
    }
}

fn literal(v: &Value) -> String {
    match v {
        Value::String(_) | Value::Number(_) | Value::Bool(_) | Value::Null => v.to_string(),
        _ => "unknown".into(),
    }
}

/// A string literal in double quotes.
fn quote(s: &str) -> String {
    Value::String(s.to_string()).to_string()
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

/// A property key: bare when it is an identifier, quoted otherwise.
fn property_name(s: &str) -> String {
    if is_identifier(s) {
        s.to_string()
    } else {
        quote(s)
    }
}

/// A TypeScript type name for a schema name: PascalCase of its alphanumeric words.
fn identifier(name: &str) -> String {
    let mut out = String::new();
    for word in name.split(|c: char| !c.is_ascii_alphanumeric() && c != '_' && c != '$') {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "Schema");
    }
    out
}

/// Global types a module-level `export type X` would shadow for the module and its importers.
const TS_GLOBALS: &[&str] = &[
    "Record",
    "Partial",
    "Required",
    "Readonly",
    "Pick",
    "Omit",
    "Exclude",
    "Extract",
    "NonNullable",
    "Parameters",
    "ReturnType",
    "InstanceType",
    "Awaited",
    "NoInfer",
    "Uppercase",
    "Lowercase",
    "Capitalize",
    "Uncapitalize",
    "ThisType",
    "Array",
    "ReadonlyArray",
    "Promise",
    "PromiseLike",
    "Date",
    "Error",
    "Object",
    "String",
    "Number",
    "Boolean",
    "Symbol",
    "BigInt",
    "Function",
    "Map",
    "Set",
    "WeakMap",
    "WeakSet",
    "JSON",
    "Math",
    "RegExp",
    "Iterable",
    "Iterator",
    "ArrayBuffer",
    "DataView",
    "Uint8Array",
    "Blob",
    "File",
    "FormData",
    "Headers",
    "Request",
    "Response",
    "URL",
    "Event",
    "Node",
    "Element",
    "Document",
    "Window",
    "Location",
    "Storage",
    "never",
    "unknown",
    "any",
    "object",
    "string",
    "number",
    "boolean",
    "symbol",
    "bigint",
    "undefined",
    "null",
    "void",
];

/// The error envelope of the spec for `@accord/api-fetch` (`src/generated/envelope.ts`): the
/// component schema most of the documented error answers (4xx, 5xx, `default`) use, its
/// required properties for a runtime check, and the media types errors come in. A spec whose
/// errors share no component schema gets `Record<string, unknown>` and no required check.
pub fn error_envelope(spec: &Document, origin: &Origin<'_>) -> Output {
    let doc = &spec.document;
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    let mut media: BTreeSet<String> = BTreeSet::new();
    for operation in accord_spec::json_operations(doc.get("paths")) {
        let Some(responses) = obj(operation.op.get("responses")) else {
            continue;
        };
        for (status, response) in responses {
            let error = status == "default" || status.starts_with('4') || status.starts_with('5');
            if !error {
                continue;
            }
            let response = accord_spec::follow_ref(doc, response);
            for (m, content) in obj(response.get("content")).into_iter().flatten() {
                media.insert(m.to_ascii_lowercase());
                if let Some(name) = content
                    .get("schema")
                    .and_then(|s| s.get("$ref"))
                    .and_then(Value::as_str)
                    .and_then(|r| r.strip_prefix("#/components/schemas/"))
                {
                    *counts.entry(name.to_string()).or_default() += 1;
                }
            }
        }
    }
    let chosen = counts
        .iter()
        .max_by_key(|(name, n)| (**n, std::cmp::Reverse((*name).clone())))
        .map(|(name, _)| name.clone());
    let mut out = origin.header("//");
    let quote = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
    let required: Vec<String> = chosen
        .as_ref()
        .and_then(|name| {
            doc.pointer(&format!(
                "/components/schemas/{}",
                accord_spec::escape_token(name)
            ))
        })
        .and_then(|s| s.get("required"))
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).map(&quote).collect())
        .unwrap_or_default();
    match &chosen {
        Some(name) => {
            out.push_str("import type { components } from \"@accord/api-types\";\n\n");
            let _ = writeln!(
                out,
                "/** The spec's error envelope: `#/components/schemas/{name}`. */\nexport type ErrorEnvelope = components[\"schemas\"][{}];",
                quote(name)
            );
        }
        None => out.push_str(
            "/** The spec's errors share no component schema: any JSON object. */\nexport type ErrorEnvelope = Record<string, unknown>;\n",
        ),
    }
    let media: Vec<String> = media.iter().map(|m| quote(m)).collect();
    let _ = writeln!(
        out,
        "\n/** The media types the spec's error answers come in. */\nexport const errorMediaTypes: readonly string[] = [{}];\n\nconst required: readonly string[] = [{}];\n\n/** Whether a decoded error body is the envelope (an object with its required properties). */\nexport function isErrorEnvelope(value: unknown): value is ErrorEnvelope {{\n    return typeof value === \"object\" && value !== null && !Array.isArray(value) && required.every((k) => k in value);\n}}",
        media.join(", "),
        required.join(", ")
    );
    Output {
        text: out,
        notes: Vec::new(),
    }
}

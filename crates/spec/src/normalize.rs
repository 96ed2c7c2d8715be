//! Normalization of an OpenAPI 3.1 document into the 3.0 shape the rest of accord reads.
//!
//! Works on the raw JSON value, before typed parsing, and records a note for every change
//! so that `xtask generate` can tell a team what it did to their document.

use serde_json::{Map, Value, json};

use crate::error::{PointerBuf, Problem, join};

/// Rewrites a 3.1 document in place as 3.0.3 and returns what it changed.
pub fn openapi_31_to_30(doc: &mut Value) -> Vec<Problem> {
    let mut notes = Vec::new();
    let Some(root) = doc.as_object_mut() else {
        return notes;
    };
    let from = root
        .get("openapi")
        .and_then(Value::as_str)
        .unwrap_or("3.1")
        .to_string();
    root.insert("openapi".into(), json!("3.0.3"));
    notes.push(Problem::new(
        "/openapi",
        format!("converted OpenAPI {from} to 3.0.3"),
    ));
    if root.remove("jsonSchemaDialect").is_some() {
        notes.push(Problem::new(
            "/jsonSchemaDialect",
            "left out: not part of OpenAPI 3.0",
        ));
    }
    // 3.0 has no webhooks; `x-webhooks` is where 3.0 tools (Redoc) read them, and where the
    // breaking-change gate compares them.
    if let Some(webhooks) = root.remove("webhooks") {
        root.insert("x-webhooks".into(), webhooks);
        notes.push(Problem::new(
            "/webhooks",
            "not generated (not part of OpenAPI 3.0); kept as `x-webhooks` for the breaking-change gate",
        ));
    }
    if !root.contains_key("paths") {
        root.insert("paths".into(), json!({}));
    }
    if let Some(components) = root.get_mut("components").and_then(Value::as_object_mut)
        && components.remove("pathItems").is_some()
    {
        notes.push(Problem::new(
            "/components/pathItems",
            "left out: not part of OpenAPI 3.0",
        ));
    }
    if let Some(license) = root
        .get_mut("info")
        .and_then(|i| i.get_mut("license"))
        .and_then(Value::as_object_mut)
        && let Some(id) = license.remove("identifier")
        && !license.contains_key("url")
        && let Some(id) = id.as_str()
    {
        license.insert(
            "url".into(),
            json!(format!("https://spdx.org/licenses/{id}.html")),
        );
    }
    mutual_tls(doc, &mut notes);
    walk_document(doc, &mut PointerBuf::new(""), &mut notes);
    notes
}

/// 3.1's `mutualTLS` schemes, which 3.0 cannot name: the certificate is the TLS layer's, which
/// neither the generated client nor the server sees. Each scheme is left out and taken out of
/// every security requirement (one that named only it asks for nothing more over HTTP).
fn mutual_tls(doc: &mut Value, notes: &mut Vec<Problem>) {
    let Some(schemes) = doc
        .pointer_mut("/components/securitySchemes")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let names: Vec<String> = schemes
        .iter()
        .filter(|(_, s)| s.get("type").and_then(Value::as_str) == Some("mutualTLS"))
        .map(|(n, _)| n.clone())
        .collect();
    if names.is_empty() {
        return;
    }
    for name in &names {
        schemes.remove(name);
        notes.push(Problem::new(
            join("/components/securitySchemes", name),
            "left out: a mutualTLS scheme is the TLS layer's (the client's certificate), not part of OpenAPI 3.0",
        ));
    }
    let strip = |requirements: &mut Value| {
        for requirement in requirements.as_array_mut().into_iter().flatten() {
            if let Some(r) = requirement.as_object_mut() {
                r.retain(|k, _| !names.contains(k));
            }
        }
    };
    if let Some(top) = doc.get_mut("security") {
        strip(top);
    }
    crate::model::json_operations_mut(doc.get_mut("paths"), |_, _, op| {
        if let Some(security) = op.get_mut("security") {
            strip(security);
        }
    });
}

/// Finds every schema of the document: under `components/schemas` and every `schema` key,
/// walking the model as every pass does (`enters`: data and extensions left alone, maps of
/// names entered as names, so a parameter named `schema` is no schema), and the webhooks this
/// pass keeps as `x-webhooks`.
fn walk_document(value: &mut Value, pointer: &mut PointerBuf, notes: &mut Vec<Problem>) {
    walk_document_under(value, "", pointer, notes);
}

fn walk_document_under(
    value: &mut Value,
    parent: &str,
    pointer: &mut PointerBuf,
    notes: &mut Vec<Problem>,
) {
    match value {
        Value::Object(map) => {
            let in_components = pointer.as_str() == "/components";
            let names = crate::validate::is_name_map(parent);
            for (key, child) in map.iter_mut() {
                let boolean_schema = !names && key == "schema" && child.is_boolean();
                let webhooks = key == "x-webhooks" && pointer.as_str().is_empty();
                if !boolean_schema && !webhooks && !crate::validate::enters(key, child, names) {
                    continue;
                }
                let at = pointer.push(key);
                if !names && key == "schema" && (child.is_object() || child.is_boolean()) {
                    schema(child, pointer, notes);
                } else if key == "schemas" && in_components {
                    if let Some(schemas) = child.as_object_mut() {
                        for (name, s) in schemas.iter_mut() {
                            let at = pointer.push(name);
                            schema(s, pointer, notes);
                            pointer.pop(at);
                        }
                    }
                } else {
                    walk_document_under(
                        child,
                        crate::validate::parent_of(key, names),
                        pointer,
                        notes,
                    );
                }
                pointer.pop(at);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                let at = pointer.push_index(i);
                walk_document_under(child, "", pointer, notes);
                pointer.pop(at);
            }
        }
        _ => {}
    }
}

/// JSON Schema keywords 3.0 has no word for that only name or organize: dropped.
const DROPPED: &[&str] = &[
    "$schema",
    "$id",
    "$anchor",
    "$comment",
    "$defs",
    "$dynamicRef",
    "$dynamicAnchor",
];

/// The extension under which a schema keeps the JSON Schema keywords 3.0 has no word for
/// that restrict values (`contains`, `if`, `dependentRequired`...).
pub const KEPT: &str = "x-jsonschema";

/// JSON Schema keywords 3.0 has no word for that restrict which values a schema admits:
/// taken out of the schema and kept under [`KEPT`].
const VALIDATION: &[&str] = &[
    "prefixItems",
    "patternProperties",
    "propertyNames",
    "unevaluatedProperties",
    "unevaluatedItems",
    "dependentRequired",
    "dependentSchemas",
    "contains",
    "minContains",
    "maxContains",
    "if",
    "then",
    "else",
];

fn schema(value: &mut Value, buf: &mut PointerBuf, notes: &mut Vec<Problem>) {
    // 3.1's boolean schemas: `true` admits anything (`{}`), `false` nothing (`{"not": {}}`).
    if let Value::Bool(admits) = *value {
        *value = if admits {
            json!({})
        } else {
            json!({"not": {}})
        };
        notes.push(Problem::new(
            buf.as_str(),
            if admits {
                "the schema `true` became `{}`"
            } else {
                "the schema `false` became `{\"not\": {}}`"
            },
        ));
        return;
    }
    let Some(map) = value.as_object_mut() else {
        return;
    };

    // Children first, so a parent sees normalized children.
    if let Some(props) = map.get_mut("properties").and_then(Value::as_object_mut) {
        let at = buf.push("properties");
        for (name, child) in props.iter_mut() {
            let at = buf.push(name);
            schema(child, buf, notes);
            buf.pop(at);
        }
        buf.pop(at);
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(child) = map.get_mut(key) {
            // 3.0 has `additionalProperties: false` and `true` of its own.
            if key == "additionalProperties" && child.is_boolean() {
                continue;
            }
            let at = buf.push(key);
            schema(child, buf, notes);
            buf.pop(at);
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(list) = map.get_mut(key).and_then(Value::as_array_mut) {
            let at = buf.push(key);
            for (i, child) in list.iter_mut().enumerate() {
                if is_null_schema(child) {
                    continue;
                }
                let at = buf.push_index(i);
                schema(child, buf, notes);
                buf.pop(at);
            }
            buf.pop(at);
        }
    }
    let pointer = buf.as_str();

    // Most schemas need none of what follows: one pass over their keys says so, where each
    // step below would look its keyword up (and a lookup hashes the key).
    let needs_work = map.iter().any(|(k, v)| match k.as_str() {
        "type" => !v.is_string() || v.as_str() == Some("null"),
        "anyOf" | "oneOf" | "const" | "examples" | "exclusiveMinimum" | "exclusiveMaximum"
        | "contentEncoding" | "contentMediaType" | "$ref" => true,
        other => DROPPED.contains(&other) || VALIDATION.contains(&other),
    });
    if !needs_work {
        return;
    }

    let mut kept = serde_json::Map::new();
    for key in DROPPED.iter().chain(VALIDATION) {
        if let Some(value) = map.remove(*key) {
            notes.push(Problem::new(
                join(pointer, key),
                "left out: not expressible in OpenAPI 3.0",
            ));
            if VALIDATION.contains(key) {
                kept.insert((*key).to_string(), value);
            }
        }
    }
    // What a 3.0 schema cannot say still constrains values: kept aside, under an extension
    // the generators ignore, for the breaking-change gate to compare.
    if !kept.is_empty() {
        map.insert(KEPT.into(), Value::Object(kept));
    }

    // `type: [T, "null"]` and `type: "null"`.
    match map
        .get("type")
        .filter(|t| !t.is_string() || t.as_str() == Some("null"))
        .cloned()
    {
        Some(Value::Array(types)) => {
            type_list(map, &types);
            notes.push(Problem::new(
                join(pointer, "type"),
                "type array became a 3.0 type with nullable",
            ));
        }
        Some(Value::String(t)) if t == "null" => {
            map.remove("type");
            map.insert("nullable".into(), json!(true));
            map.insert("enum".into(), json!([null]));
            notes.push(Problem::new(
                join(pointer, "type"),
                "type null became nullable",
            ));
        }
        _ => {}
    }

    // `anyOf`/`oneOf` with a `{type: "null"}` member.
    for key in ["anyOf", "oneOf"] {
        let Some(list) = map.get_mut(key).and_then(Value::as_array_mut) else {
            continue;
        };
        let before = list.len();
        list.retain(|s| !is_null_schema(s));
        if list.len() == before {
            continue;
        }
        let remaining = list.len();
        map.insert("nullable".into(), json!(true));
        if remaining == 1 {
            let only = map.remove(key).unwrap_or_default();
            match only.get(0).and_then(Value::as_object) {
                Some(member) if !member.contains_key("$ref") => {
                    for (k, v) in member {
                        map.entry(k.clone()).or_insert_with(|| v.clone());
                    }
                }
                _ => {
                    map.insert("allOf".into(), only);
                }
            }
        } else if remaining == 0 {
            map.remove(key);
        }
        notes.push(Problem::new(
            join(pointer, key),
            "a null member became nullable",
        ));
    }

    if let Some(value) = map.remove("const") {
        map.insert("enum".into(), Value::Array(vec![value]));
        notes.push(Problem::new(
            join(pointer, "const"),
            "const became a one-value enum",
        ));
    }
    if let Some(examples) = map.remove("examples")
        && let Some(first) = examples.as_array().and_then(|a| a.first())
    {
        map.entry("example").or_insert_with(|| first.clone());
    }
    for (exclusive, inclusive) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if let Some(bound) = map.get(exclusive).filter(|v| v.is_number()).cloned() {
            map.insert(inclusive.into(), bound);
            map.insert(exclusive.into(), json!(true));
        }
    }
    if map.contains_key("contentEncoding") || map.contains_key("contentMediaType") {
        let encoding = map.remove("contentEncoding");
        map.remove("contentMediaType");
        let format = if encoding.as_ref().and_then(Value::as_str) == Some("base64") {
            "byte"
        } else {
            "binary"
        };
        map.entry("format").or_insert_with(|| json!(format));
    }
    strip_ref_siblings(map);
}

fn is_null_schema(s: &Value) -> bool {
    s.get("type").and_then(Value::as_str) == Some("null") || s.get("enum") == Some(&json!([null]))
}

/// 3.1 allows keywords beside `$ref`; 3.0 ignores them. Keep the description, drop the rest.
fn strip_ref_siblings(map: &mut Map<String, Value>) {
    if map.contains_key("$ref") && map.len() > 1 {
        let nullable = map.get("nullable") == Some(&json!(true));
        if nullable {
            let reference = map.remove("$ref").unwrap_or_default();
            map.insert("allOf".into(), json!([{ "$ref": reference }]));
        } else {
            map.retain(|k, _| k == "$ref");
        }
    }
}

/// Gives every operation an operationId the generators can name functions after: a missing
/// or empty one gets a readable name from its method and path (`GET /users/{id}/repos` ->
/// `get_users_by_id_repos`), and a repeated one a numbered name, each made unique and noted.
pub fn name_operations(doc: &mut Value) -> Vec<Problem> {
    let mut notes = Vec::new();
    let mut taken: std::collections::HashSet<String> =
        crate::model::json_operations(doc.get("paths"))
            .iter()
            .filter_map(|o| o.op.get("operationId").and_then(Value::as_str))
            .filter(|id| !id.trim().is_empty())
            .map(str::to_string)
            .collect();
    let mut seen = std::collections::HashSet::new();
    crate::model::json_operations_mut(doc.get_mut("paths"), |path, method, op| {
        let here = join(&join("/paths", path), method);
        let upper = method.to_uppercase();
        let given = op
            .get("operationId")
            .and_then(Value::as_str)
            .filter(|id| !id.trim().is_empty())
            .map(str::to_string);
        let (base, why) = match &given {
            Some(id) if seen.insert(id.clone()) => return,
            Some(id) => (id.clone(), format!("operationId `{id}` is used twice")),
            None => (
                operation_name(method, path),
                "the operation has no operationId".to_string(),
            ),
        };
        let mut name = base.clone();
        let mut n = 2;
        while given.as_deref() != Some(name.as_str()) && taken.contains(&name)
            || given.as_deref() == Some(name.as_str())
        {
            name = format!("{base}_{n}");
            n += 1;
        }
        taken.insert(name.clone());
        seen.insert(name.clone());
        op.insert("operationId".into(), Value::String(name.clone()));
        notes.push(Problem::new(
            &here,
            format!("{why}; {upper} {path} is named `{name}`"),
        ));
    });
    notes
}

/// `get` and `/users/{userId}/repos` -> `get_users_by_user_id_repos`.
fn operation_name(method: &str, path: &str) -> String {
    let mut words = vec![method.to_string()];
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(param) => {
                words.push("by".into());
                words.push(snake(param));
            }
            None => words.push(snake(segment)),
        }
    }
    if words.len() == 1 {
        words.push("root".into());
    }
    words.retain(|w| !w.is_empty());
    words.join("_")
}

/// `userId`, `user-id`, `User.ID` -> `user_id`.
fn snake(s: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && prev_lower {
                out.push('_');
            }
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
            out.push(c.to_ascii_lowercase());
        } else {
            if !out.ends_with('_') && !out.is_empty() {
                out.push('_');
            }
            prev_lower = false;
        }
    }
    out.trim_end_matches('_').to_string()
}

/// Integer bounds a 64-bit integer cannot hold: the typed model (and every generated
/// client) keeps integers as `i64`, so a `minimum` below `i64::MIN` or a `maximum` above
/// `i64::MAX` bounds nothing an `i64` can carry and is dropped, and a fractional bound on an
/// integer is rounded inward; each with a located note, never a refusal of the document.
pub fn fit_integers(doc: &mut Value) -> Vec<Problem> {
    let mut notes = Vec::new();
    crate::validate::walk_model_mut(doc, "", &mut |map, pointer, names| {
        if !names && map.get("type").and_then(Value::as_str) == Some("integer") {
            for key in ["minimum", "maximum", "multipleOf"] {
                let Some(n) = map.get(key).and_then(Value::as_number).cloned() else {
                    continue;
                };
                if n.as_i64().is_some() {
                    continue;
                }
                let f = n.as_f64().unwrap_or(f64::NAN);
                let here = join(pointer, key);
                let fitted = match key {
                    "minimum" if f.ceil() >= i64::MIN as f64 && f.ceil() < i64::MAX as f64 => {
                        Some(f.ceil() as i64)
                    }
                    "maximum" if f.floor() > i64::MIN as f64 && f.floor() < i64::MAX as f64 => {
                        Some(f.floor() as i64)
                    }
                    _ => None,
                };
                match fitted {
                    Some(v) => {
                        map.insert(key.into(), Value::from(v));
                        notes.push(Problem::new(
                            here,
                            format!("integer `{key}` {n} rounded to {v}"),
                        ));
                    }
                    None => {
                        map.remove(key);
                        notes.push(Problem::new(
                        here,
                        format!(
                            "integer `{key}` {n} is beyond the 64-bit range the generated code uses; left out"
                        ),
                    ));
                    }
                }
            }
        }
    });
    notes
}

#[cfg(test)]
mod naming_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn missing_and_repeated_operation_ids_get_unique_readable_names() {
        let mut doc = json!({"paths": {
            "/users/{userId}/repos": {"get": {}, "post": {"operationId": "list"}},
            "/": {"get": {"operationId": ""}},
            "/a": {"get": {"operationId": "list"}, "put": {"operationId": "get_users_by_user_id_repos"}},
        }});
        let notes = name_operations(&mut doc);
        let id = |p: &str, m: &str| {
            doc["paths"][p][m]["operationId"]
                .as_str()
                .unwrap()
                .to_string()
        };
        assert_eq!(
            id("/users/{userId}/repos", "get"),
            "get_users_by_user_id_repos_2"
        );
        assert_eq!(id("/users/{userId}/repos", "post"), "list");
        assert_eq!(id("/", "get"), "get_root");
        assert_eq!(id("/a", "get"), "list_2");
        assert_eq!(id("/a", "put"), "get_users_by_user_id_repos");
        assert_eq!(notes.len(), 3, "{notes:?}");
        assert!(
            notes[0]
                .pointer
                .starts_with("/paths/~1users~1{userId}~1repos/get")
        );
    }

    #[test]
    fn integer_bounds_beyond_64_bits_are_left_out_with_a_note() {
        let mut doc = json!({"s": {"type": "integer", "minimum": -1e30, "maximum": 18446744073709551615u64, "multipleOf": 2},
                             "t": {"type": "integer", "minimum": 0.5, "maximum": 9.5},
                             "n": {"type": "number", "maximum": 1e300}});
        let notes = fit_integers(&mut doc);
        assert!(doc["s"].get("minimum").is_none());
        assert!(doc["s"].get("maximum").is_none());
        assert_eq!(doc["t"]["minimum"], 1);
        assert_eq!(doc["t"]["maximum"], 9);
        assert_eq!(doc["n"]["maximum"], 1e300);
        assert_eq!(notes.len(), 4);
        assert_eq!(notes[0].pointer, "/s/minimum");
    }
}

/// An `info` without a `title` or `version` string (both required, both often forgotten in
/// documents written by hand): a placeholder, noted. Names of generated packages come from
/// the title; nothing depends on the version.
pub fn fill_info(doc: &mut Value) -> Vec<Problem> {
    let mut notes = Vec::new();
    let Some(root) = doc.as_object_mut() else {
        return notes;
    };
    let info = root.entry("info").or_insert_with(|| json!({}));
    if !info.is_object() {
        notes.push(Problem::new("/info", "`info` is not an object; replaced"));
        *info = json!({});
    }
    if let Some(info) = info.as_object_mut() {
        for (key, placeholder) in [("title", "API"), ("version", "0.0.0")] {
            match info.get(key) {
                Some(Value::String(_)) => {}
                Some(Value::Number(n)) => {
                    let text = n.to_string();
                    notes.push(Problem::new(
                        format!("/info/{key}"),
                        format!("`info.{key}` is a number; read as the string \"{text}\""),
                    ));
                    info.insert(key.into(), Value::String(text));
                }
                _ => {
                    notes.push(Problem::new(
                        "/info",
                        format!("`info.{key}` is missing; `{placeholder}` is used"),
                    ));
                    info.insert(key.into(), Value::String(placeholder.into()));
                }
            }
        }
    }
    notes
}

/// A schema whose `type` is `"null"` beside alternatives (Vercel's
/// `EdgeConfigItemValue: {type: "null", oneOf: [string, number, ...]}`): taken to the letter
/// it admits only a null that one alternative also admits, nothing when none does; what its
/// authors mean is "one of these, or null": read so (the alternatives, `nullable`), noted.
pub fn null_type_beside_alternatives(doc: &mut Value) -> Vec<Problem> {
    let mut notes = Vec::new();
    crate::walk_model_mut(doc, "", &mut |map, pointer, names| {
        if names
            || map.get("type").and_then(Value::as_str) != Some("null")
            || !["oneOf", "anyOf"].iter().any(|k| map.contains_key(*k))
        {
            return;
        }
        map.remove("type");
        map.insert("nullable".into(), Value::Bool(true));
        notes.push(Problem::new(
            crate::join(pointer, "type"),
            "`type: \"null\"` beside alternatives is read as the alternatives, `nullable`",
        ));
    });
    notes
}

/// A `type` given as a list (`type: [string, 'null']`, OpenAPI 3.1's way) in a 2.0 or 3.0
/// document, which the typed model cannot hold: Semaphore's hand-written Swagger 2.0
/// `ProjectBackup` writes `alert_chat` so, and Schemathesis and openapi-typescript read it.
/// Read as 3.1 means it: one type with `nullable`, or several as `anyOf`; noted.
pub fn type_arrays(doc: &mut Value) -> Vec<Problem> {
    let mut notes = Vec::new();
    crate::walk_model_mut(doc, "", &mut |map, pointer, names| {
        if names {
            return;
        }
        let Some(Value::Array(types)) = map.get("type").cloned() else {
            return;
        };
        type_list(map, &types);
        notes.push(Problem::new(
            crate::join(pointer, "type"),
            "a list of types (OpenAPI 3.1's way) is read as one type with `nullable`, or `anyOf`",
        ));
    });
    notes
}

/// `type: [T, ...]` as 3.0 says it: the types but `null` as one `type` or an `anyOf` of
/// them, `nullable` where `null` is among them.
fn type_list(map: &mut Map<String, Value>, types: &[Value]) {
    let mut rest: Vec<Value> = types
        .iter()
        .filter(|t| t.as_str() != Some("null"))
        .cloned()
        .collect();
    map.remove("type");
    if rest.len() != types.len() {
        map.insert("nullable".into(), json!(true));
    }
    match rest.len() {
        0 => {}
        1 => {
            map.insert("type".into(), rest.remove(0));
        }
        _ => {
            let variants = rest.into_iter().map(|t| json!({ "type": t })).collect();
            map.insert("anyOf".into(), Value::Array(variants));
        }
    }
}

/// An operation's callback given as a `$ref` (`#/components/callbacks/searchIndex`,
/// PeerTube's), which the typed model cannot hold (it knows callbacks only written out): the
/// callback it names copied in place, noted; one that does not resolve is dropped, noted.
pub fn inline_callback_refs(doc: &mut Value) -> Vec<Problem> {
    let mut notes = Vec::new();
    let components = doc.pointer("/components/callbacks").cloned();
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return notes;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in item.iter_mut() {
            let Some(callbacks) = op.get_mut("callbacks").and_then(Value::as_object_mut) else {
                continue;
            };
            let mut dropped = Vec::new();
            for (name, callback) in callbacks.iter_mut() {
                let Some(reference) = callback.get("$ref").and_then(Value::as_str) else {
                    continue;
                };
                let pointer = crate::join(
                    &crate::join(
                        &crate::join(&crate::join("/paths", path), method),
                        "callbacks",
                    ),
                    name,
                );
                let target = reference
                    .strip_prefix("#/components/callbacks/")
                    .and_then(|key| components.as_ref()?.get(key))
                    .filter(|t| t.get("$ref").is_none())
                    .cloned();
                match target {
                    Some(target) => {
                        notes.push(Problem::new(
                            &pointer,
                            format!("the callback `{reference}` is copied in place"),
                        ));
                        *callback = target;
                    }
                    None => {
                        notes.push(Problem::new(
                            &pointer,
                            format!("the callback `{reference}` does not resolve; left out"),
                        ));
                        dropped.push(name.clone());
                    }
                }
            }
            for name in dropped {
                callbacks.remove(&name);
            }
        }
    }
    notes
}

/// `$ref`s that point inside a definition rather than at one (OpenAI's
/// `#/components/schemas/CreateImageRequest/properties/size`): a schema so reached becomes a
/// component of its own (`CreateImageRequest_size`), anything else is copied in place; each
/// rewritten `$ref` noted. References that do not resolve are left for validation to report.
pub fn hoist_deep_refs(doc: &mut Value) -> Vec<Problem> {
    let mut notes = Vec::new();
    for _ in 0..8 {
        let mut found: Vec<(String, String)> = Vec::new();
        collect_deep_refs(doc, "", &mut found);
        if found.is_empty() {
            break;
        }
        let mut hoisted: std::collections::BTreeMap<String, String> = Default::default();
        for (at, reference) in found {
            let Some(local) = crate::pointer::local(&reference) else {
                continue;
            };
            let Some(target) = doc.pointer(&local).cloned() else {
                continue;
            };
            // A reference to a value that is no schema (a shared `description` string) is
            // copied in place.
            let is_schema = target.is_object()
                && (reference.starts_with("#/components/schemas/")
                    || reference.contains("/schema/")
                    || reference.ends_with("/schema"));
            let replacement = if is_schema {
                let name = match hoisted.get(&reference) {
                    Some(name) => name.clone(),
                    None => {
                        let base: String = local
                            .split('/')
                            .skip_while(|t| t.is_empty() || *t == "components" || *t == "schemas")
                            .filter(|t| *t != "properties" && *t != "items")
                            .map(|t| t.replace("~1", "_").replace("~0", "_"))
                            .collect::<Vec<_>>()
                            .join("_")
                            // `{`, `.`, spaces (a path's or a media type's name): one `_` each run.
                            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                            .filter(|w| !w.is_empty())
                            .collect::<Vec<_>>()
                            .join("_");
                        let schemas = doc
                            .as_object_mut()
                            .map(|r| r.entry("components").or_insert_with(|| json!({})))
                            .and_then(Value::as_object_mut)
                            .map(|c| c.entry("schemas").or_insert_with(|| json!({})))
                            .and_then(Value::as_object_mut);
                        let Some(schemas) = schemas else { continue };
                        let mut name = base.clone();
                        let mut n = 2;
                        while schemas.contains_key(&name) {
                            name = format!("{base}_{n}");
                            n += 1;
                        }
                        schemas.insert(name.clone(), target.clone());
                        hoisted.insert(reference.clone(), name.clone());
                        name
                    }
                };
                notes.push(Problem::new(
                    &at,
                    format!("$ref `{reference}` points inside a schema; it now names the component `{name}`"),
                ));
                json!({"$ref": format!("#/components/schemas/{}", crate::escape_token(&name))})
            } else {
                notes.push(Problem::new(
                    &at,
                    format!("$ref `{reference}` points inside a definition; copied in place"),
                ));
                target
            };
            if let Some(slot) = doc.pointer_mut(at.strip_suffix("/$ref").unwrap_or(&at)) {
                *slot = replacement;
            }
        }
    }
    notes
}

fn collect_deep_refs(value: &Value, pointer: &str, found: &mut Vec<(String, String)>) {
    crate::validate::walk_refs(value, "", pointer, &mut |r, at| {
        let deep = r.strip_prefix("#/").is_some_and(|local| {
            let segments: Vec<&str> = local.split('/').collect();
            !(segments.len() == 3 && segments[0] == "components")
        });
        if deep {
            found.push((at.to_string(), r.to_string()));
        }
    });
}

#[cfg(test)]
mod deep_ref_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_ref_into_a_schema_names_a_component_of_its_own() {
        let mut doc = json!({"components": {"schemas": {
            "A": {"type": "object", "properties": {"size": {"type": "string", "enum": ["s", "m"]}}},
            "B": {"type": "object", "properties": {
                "size": {"$ref": "#/components/schemas/A/properties/size"},
                "again": {"$ref": "#/components/schemas/A/properties/size"}}}
        }}});
        let notes = hoist_deep_refs(&mut doc);
        assert_eq!(
            doc["components"]["schemas"]["A_size"]["enum"],
            json!(["s", "m"])
        );
        assert_eq!(
            doc["components"]["schemas"]["B"]["properties"]["size"]["$ref"],
            "#/components/schemas/A_size"
        );
        assert_eq!(
            doc["components"]["schemas"]["B"]["properties"]["again"]["$ref"],
            "#/components/schemas/A_size"
        );
        assert_eq!(notes.len(), 2);
        assert_eq!(
            notes[0].pointer,
            "/components/schemas/B/properties/size/$ref"
        );
    }
}

#[cfg(test)]
mod callback_tests {
    use serde_json::json;

    /// A callback given by reference is copied in place so the document types; one that
    /// does not resolve is left out; each noted.
    #[test]
    fn a_referenced_callback_is_copied_in_place() {
        let hook = json!({"https://hook": {"post": {"responses": {"200": {"description": "ok"}}}}});
        let mut doc = json!({
            "paths": {"/search": {"get": {
                "callbacks": {
                    "index": {"$ref": "#/components/callbacks/searchIndex"},
                    "gone": {"$ref": "#/components/callbacks/missing"},
                },
                "responses": {"200": {"description": "ok"}},
            }}},
            "components": {"callbacks": {"searchIndex": hook.clone()}},
        });
        let notes = super::inline_callback_refs(&mut doc);
        assert_eq!(
            doc["paths"]["/search"]["get"]["callbacks"],
            json!({"index": hook})
        );
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert_eq!(notes[0].pointer, "/paths/~1search/get/callbacks/index");
    }
}

#[cfg(test)]
mod null_type_tests {
    use serde_json::json;

    #[test]
    fn a_list_of_types_in_a_3_0_document_is_read_as_3_1_means_it() {
        let mut doc = json!({"components": {"schemas": {
            "Backup": {"type": "object", "properties": {
                "alert_chat": {"type": ["string", "null"]},
                "size": {"type": ["integer", "string"]},
                "type": {"type": "string"}
            }}
        }}});
        let notes = super::type_arrays(&mut doc);
        let props = &doc["components"]["schemas"]["Backup"]["properties"];
        assert_eq!(
            props["alert_chat"],
            json!({"type": "string", "nullable": true})
        );
        assert_eq!(
            props["size"],
            json!({"anyOf": [{"type": "integer"}, {"type": "string"}]})
        );
        // A property named `type` is a name, not the keyword.
        assert_eq!(props["type"], json!({"type": "string"}));
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(notes[0].pointer.contains("alert_chat"), "{notes:?}");
    }

    #[test]
    fn a_null_type_beside_alternatives_is_read_as_nullable_alternatives() {
        let mut doc = json!({"components": {"schemas": {
            "Value": {"type": "null", "oneOf": [{"type": "string"}, {"type": "array", "items": {"$ref": "#/components/schemas/Value"}}]},
            "Nothing": {"type": "null"},
        }}});
        let notes = super::null_type_beside_alternatives(&mut doc);
        let value = &doc["components"]["schemas"]["Value"];
        assert!(value.get("type").is_none());
        assert_eq!(value["nullable"], true);
        assert_eq!(
            doc["components"]["schemas"]["Nothing"],
            json!({"type": "null"})
        );
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].pointer, "/components/schemas/Value/type");
    }
}

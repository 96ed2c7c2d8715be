//! Normalization of an OpenAPI 3.1 document into the 3.0 shape the rest of accord reads.
//!
//! Works on the raw JSON value, before typed parsing, and records a note for every change
//! so that `xtask generate` can tell a team what it did to their document.

use serde_json::{Map, Value, json};

use crate::error::{Problem, join};

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
    for key in ["webhooks", "jsonSchemaDialect"] {
        if root.remove(key).is_some() {
            notes.push(Problem::new(
                join("", key),
                "left out: not part of OpenAPI 3.0",
            ));
        }
    }
    if !root.contains_key("paths") {
        root.insert("paths".into(), json!({}));
    }
    if let Some(components) = root.get_mut("components").and_then(Value::as_object_mut) {
        if components.remove("pathItems").is_some() {
            notes.push(Problem::new(
                "/components/pathItems",
                "left out: not part of OpenAPI 3.0",
            ));
        }
    }
    if let Some(license) = root
        .get_mut("info")
        .and_then(|i| i.get_mut("license"))
        .and_then(Value::as_object_mut)
    {
        if let Some(id) = license.remove("identifier") {
            if !license.contains_key("url") {
                if let Some(id) = id.as_str() {
                    license.insert(
                        "url".into(),
                        json!(format!("https://spdx.org/licenses/{id}.html")),
                    );
                }
            }
        }
    }
    walk_document(doc, "", &mut notes);
    notes
}

/// Finds every schema of the document: under `components/schemas` and every `schema` key.
fn walk_document(value: &mut Value, pointer: &str, notes: &mut Vec<Problem>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                let here = join(pointer, key);
                if key == "schema" && child.is_object() {
                    schema(child, &here, notes);
                } else if key == "schemas" && pointer == "/components" {
                    if let Some(schemas) = child.as_object_mut() {
                        for (name, s) in schemas.iter_mut() {
                            schema(s, &join(&here, name), notes);
                        }
                    }
                } else if key != "example" && key != "examples" {
                    walk_document(child, &here, notes);
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                walk_document(child, &join(pointer, &i.to_string()), notes);
            }
        }
        _ => {}
    }
}

const DROPPED: &[&str] = &[
    "$schema",
    "$id",
    "$anchor",
    "$comment",
    "$defs",
    "$dynamicRef",
    "$dynamicAnchor",
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

fn schema(value: &mut Value, pointer: &str, notes: &mut Vec<Problem>) {
    let Some(map) = value.as_object_mut() else {
        return;
    };

    // Children first, so a parent sees normalized children.
    for key in ["properties"] {
        if let Some(props) = map.get_mut(key).and_then(Value::as_object_mut) {
            for (name, child) in props.iter_mut() {
                schema(child, &join(&join(pointer, key), name), notes);
            }
        }
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(child) = map.get_mut(key) {
            schema(child, &join(pointer, key), notes);
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(list) = map.get_mut(key).and_then(Value::as_array_mut) {
            for (i, child) in list.iter_mut().enumerate() {
                if is_null_schema(child) {
                    continue;
                }
                schema(child, &join(&join(pointer, key), &i.to_string()), notes);
            }
        }
    }

    for key in DROPPED {
        if map.remove(*key).is_some() {
            notes.push(Problem::new(
                join(pointer, key),
                "left out: not expressible in OpenAPI 3.0",
            ));
        }
    }

    // `type: [T, "null"]` and `type: "null"`.
    match map.get("type").cloned() {
        Some(Value::Array(types)) => {
            let mut rest: Vec<Value> = types
                .iter()
                .filter(|t| t.as_str() != Some("null"))
                .cloned()
                .collect();
            let nullable = rest.len() != types.len();
            map.remove("type");
            if nullable {
                map.insert("nullable".into(), json!(true));
            }
            match rest.len() {
                0 => {}
                1 => {
                    map.insert("type".into(), rest.remove(0));
                }
                _ => {
                    let variants: Vec<Value> =
                        rest.into_iter().map(|t| json!({ "type": t })).collect();
                    map.insert("anyOf".into(), Value::Array(variants));
                }
            }
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
    if let Some(examples) = map.remove("examples") {
        if let Some(first) = examples.as_array().and_then(|a| a.first()) {
            map.entry("example").or_insert_with(|| first.clone());
        }
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

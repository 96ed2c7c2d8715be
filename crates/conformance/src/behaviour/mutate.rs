//! The negative cases: a valid request with exactly one constraint broken, named for the
//! report (`missing required /name`, `out of range /limit`, ...).

use serde_json::{Value, json};

/// One broken constraint of a JSON body.
#[derive(Debug, Clone)]
pub struct Mutation {
    /// What was broken, and where.
    pub what: String,
    pub value: Value,
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    accord_spec::follow_ref(doc, schema)
}

/// The schema's top-level properties, merged over `allOf`, each as written (a `$ref` kept).
pub fn properties_as_written(doc: &Value, schema: &Value) -> Vec<(String, Value)> {
    let schema = resolve(doc, schema);
    let mut out: Vec<(String, Value)> = schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for member in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        out.extend(properties_as_written(doc, member));
    }
    out
}

/// The schema's top-level properties, merged over `allOf`, each resolved.
fn properties(doc: &Value, schema: &Value) -> Vec<(String, Value)> {
    properties_as_written(doc, schema)
        .into_iter()
        .map(|(k, v)| {
            let resolved = resolve(doc, &v).clone();
            (k, resolved)
        })
        .collect()
}

/// Values that break `schema` (of a JSON value, so types count), each with what it breaks.
pub fn broken_values(schema: &Value, as_text: bool) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let kind = schema.get("type").and_then(Value::as_str).unwrap_or("");
    let nullable = schema.get("nullable") == Some(&Value::Bool(true));
    match kind {
        "integer" | "number" => out.push(("wrong type".into(), json!("not-a-number"))),
        "boolean" => out.push(("wrong type".into(), json!("not-a-boolean"))),
        "string" if !as_text => out.push(("wrong type".into(), json!(12345))),
        "array" if !as_text => out.push(("wrong type".into(), json!({"not": "an array"}))),
        "object" if !as_text => out.push(("wrong type".into(), json!(["not", "an", "object"]))),
        _ => {}
    }
    if !nullable && !as_text && !kind.is_empty() {
        out.push(("null where not nullable".into(), Value::Null));
    }
    if let Some(min) = schema.get("minimum").and_then(Value::as_f64) {
        let below = if kind == "integer" {
            json!(min as i64 - 1)
        } else {
            json!(min - 1.0)
        };
        out.push(("below the minimum".into(), below));
    }
    if let Some(max) = schema.get("maximum").and_then(Value::as_f64) {
        let above = if kind == "integer" {
            json!(max as i64 + 1)
        } else {
            json!(max + 1.0)
        };
        out.push(("above the maximum".into(), above));
    }
    if let Some(max) = schema
        .get("maxLength")
        .and_then(Value::as_u64)
        .filter(|m| *m < crate::sample::LONGEST_TEXT)
    {
        out.push(("too long".into(), json!("x".repeat(max as usize + 1))));
    }
    if let Some(min) = schema
        .get("minLength")
        .and_then(Value::as_u64)
        .filter(|m| *m > 0 && *m <= crate::sample::LONGEST_TEXT)
    {
        out.push(("too short".into(), json!("x".repeat(min as usize - 1))));
    }
    match schema
        .get("format")
        .and_then(Value::as_str)
        .map(accord_validate::canonical_format)
    {
        Some("uuid") => out.push(("bad format (uuid)".into(), json!("not-a-uuid"))),
        Some("email") => out.push(("bad format (email)".into(), json!("not-an-email"))),
        Some("date-time") => out.push(("bad format (date-time)".into(), json!("not-a-date-time"))),
        Some("date") => out.push(("bad format (date)".into(), json!("not-a-date"))),
        _ => {}
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array)
        && values.iter().all(Value::is_string)
    {
        out.push(("outside the enum".into(), json!("accord-not-in-the-enum")));
    }
    out
}

/// Every single-constraint break of a body that `valid` satisfies: a JSON body, or a form's
/// (`as_text`: each field text, so a string where a number goes is no break, nor is `null`).
/// The breaks reach into nested objects and into an array's first item (`/article/title`,
/// `/tagList/0`), as deep as [`DEPTH`].
///
/// A string's wrong type is a number of its own per case, counted from `mark` (the
/// operation's): the same number sent as a title to a create and then to an update would
/// collide on what a backend keeps unique (a slug made of the title), and the 500 of that
/// clash be blamed on the type.
pub fn body(doc: &Value, schema: &Value, valid: &Value, as_text: bool, mark: u64) -> Vec<Mutation> {
    if !valid.is_object() {
        return Vec::new();
    }
    let mut out = Vec::new();
    // The whole body `null` where the schema is an object that is not nullable: a server
    // reading an optional body as absent when it is `null` accepts what the schema refuses.
    if !as_text && resolve(doc, schema).get("nullable") != Some(&Value::Bool(true)) {
        out.push(Mutation {
            what: "the body null".into(),
            value: Value::Null,
        });
    }
    object(doc, schema, valid, "", 0, as_text, &mut out);
    for (i, m) in out.iter_mut().enumerate() {
        if let Some(pointer) = m.what.strip_prefix("wrong type ")
            && m.value.pointer(pointer) == Some(&json!(12345))
            && let Some(slot) = m.value.pointer_mut(pointer)
        {
            *slot = json!(10_000_000 + (mark % 100_000) * 100 + i as u64);
        }
    }
    out
}

/// How deep into nested objects and arrays the breaks go.
const DEPTH: usize = 3;

/// The breaks of the object `schema` at `at` in `valid` (which holds an object there).
fn object(
    doc: &Value,
    schema: &Value,
    valid: &Value,
    at: &str,
    depth: usize,
    as_text: bool,
    out: &mut Vec<Mutation>,
) {
    let Some(here) = valid.pointer(at).and_then(Value::as_object) else {
        return;
    };
    let with = |pointer: &str, new: Option<Value>| {
        let mut v = valid.clone();
        let (parent, name) = pointer.rsplit_once('/').unwrap_or(("", pointer));
        let name = accord_spec::unescape_token(name);
        match (new, v.pointer_mut(parent)) {
            (Some(new), Some(Value::Array(items))) => {
                if let Some(item) = name.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                    *item = new;
                }
            }
            (Some(new), Some(Value::Object(o))) => {
                o.insert(name, new);
            }
            (None, Some(Value::Object(o))) => {
                o.remove(&name);
            }
            _ => {}
        }
        v
    };
    for name in crate::sample::required(doc, schema) {
        if here.contains_key(&name) {
            let pointer = format!("{at}/{}", accord_spec::escape_token(&name));
            out.push(Mutation {
                what: format!("missing required {pointer}"),
                value: with(&pointer, None),
            });
        }
    }
    let props = properties(doc, schema);
    let names: Vec<&str> = props.iter().map(|(n, _)| n.as_str()).collect();
    for (name, prop) in &props {
        // A second entry of a password is sent as the first's value: its breaks are the
        // first's.
        if prop.get("readOnly") == Some(&Value::Bool(true))
            || crate::sample::confirms(name, names.iter().copied()).is_some()
        {
            continue;
        }
        let pointer = format!("{at}/{}", accord_spec::escape_token(name));
        for (what, broken) in broken_values(prop, as_text) {
            out.push(Mutation {
                what: format!("{what} {pointer}"),
                value: with(&pointer, Some(broken)),
            });
        }
        // A form's fields are flat text: nothing nests in them.
        if as_text || depth + 1 >= DEPTH {
            continue;
        }
        match valid.pointer(&pointer) {
            Some(Value::Object(_)) => {
                object(doc, prop, valid, &pointer, depth + 1, as_text, out);
            }
            Some(Value::Array(items)) if !items.is_empty() => {
                let Some(item) = prop.get("items").map(|i| resolve(doc, i).clone()) else {
                    continue;
                };
                let first = format!("{pointer}/0");
                for (what, broken) in broken_values(&item, false) {
                    out.push(Mutation {
                        what: format!("{what} {first}"),
                        value: with(&first, Some(broken)),
                    });
                }
                if items[0].is_object() {
                    object(doc, &item, valid, &first, depth + 1, as_text, out);
                }
            }
            _ => {}
        }
    }
    if resolve(doc, schema).get("additionalProperties") == Some(&Value::Bool(false)) {
        let pointer = format!("{at}/accord_unexpected");
        out.push(Mutation {
            what: format!("a forbidden extra property {pointer}"),
            value: with(&pointer, Some(json!(true))),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breaks_reach_nested_objects_and_array_items_and_each_breaks_the_schema() {
        let doc = json!({});
        let schema = json!({
            "type": "object", "required": ["article"],
            "properties": {"article": {
                "type": "object", "required": ["title"],
                "properties": {
                    "title": {"type": "string", "maxLength": 5},
                    "tagList": {"type": "array", "items": {"type": "string", "maxLength": 3}},
                    "author": {"type": "object", "required": ["name"], "properties": {
                        "name": {"type": "string"},
                        "age": {"type": "integer", "minimum": 0}
                    }}
                }
            }}
        });
        let valid = json!({"article": {"title": "ab", "tagList": ["x"], "author": {"name": "a", "age": 3}}});
        let validator = accord_validate::Validator::new(&doc, accord_validate::Direction::Request);
        assert!(validator.validate(&schema, &valid).is_empty());
        let mutations = body(&doc, &schema, &valid, false, 7);
        for m in &mutations {
            assert!(
                !validator.validate(&schema, &m.value).is_empty(),
                "{} does not break the schema: {}",
                m.what,
                m.value
            );
        }
        let names: Vec<&str> = mutations.iter().map(|m| m.what.as_str()).collect();
        for expected in [
            "wrong type /article",
            "missing required /article/title",
            "wrong type /article/title",
            "too long /article/title",
            "wrong type /article/tagList",
            "too long /article/tagList/0",
            "wrong type /article/tagList/0",
            "missing required /article/author/name",
            "below the minimum /article/author/age",
        ] {
            assert!(
                names.contains(&expected),
                "{expected} missing from {names:?}"
            );
        }
        // A string's wrong type is a number of its own, per case and per operation.
        let title = |mutations: &[Mutation]| {
            mutations
                .iter()
                .find(|m| m.what == "wrong type /article/title")
                .map(|m| m.value["article"]["title"].clone())
                .unwrap()
        };
        let other = body(&doc, &schema, &valid, false, 8);
        assert!(title(&mutations).is_u64() && title(&mutations) != title(&other));
        let name = mutations
            .iter()
            .find(|m| m.what == "wrong type /article/author/name")
            .unwrap();
        assert_ne!(name.value["article"]["author"]["name"], title(&mutations));
        // The array keeps its shape: only its first item is broken.
        let tag = mutations
            .iter()
            .find(|m| m.what == "too long /article/tagList/0")
            .unwrap();
        assert_eq!(tag.value["article"]["tagList"], json!(["xxxx"]));
        // A form's fields are text and flat: no `null`, no wrong type of a string.
        let form = body(&doc, &schema, &valid, true, 7);
        assert!(
            form.iter().all(|m| !m.what.contains("/article/")),
            "{:?}",
            form.iter().map(|m| &m.what).collect::<Vec<_>>()
        );
    }

    #[test]
    fn every_mutation_breaks_the_schema_and_only_one_thing() {
        let doc = json!({});
        let schema = json!({
            "type": "object", "required": ["name", "size"], "additionalProperties": false,
            "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": 5},
                "size": {"type": "integer", "minimum": 1, "maximum": 9},
                "id": {"type": "string", "format": "uuid", "nullable": true},
                "kind": {"type": "string", "enum": ["a", "b"]}
            }
        });
        let valid = json!({"name": "ab", "size": 3, "id": null, "kind": "a"});
        let validator = accord_validate::Validator::new(&doc, accord_validate::Direction::Request);
        assert!(validator.validate(&schema, &valid).is_empty());
        let mutations = body(&doc, &schema, &valid, false, 7);
        assert!(mutations.len() >= 10, "{mutations:?}");
        for m in &mutations {
            let violations = validator.validate(&schema, &m.value);
            assert!(
                !violations.is_empty(),
                "{} does not break the schema: {}",
                m.what,
                m.value
            );
        }
        let names: Vec<&str> = mutations.iter().map(|m| m.what.as_str()).collect();
        for expected in [
            "missing required /name",
            "too long /name",
            "below the minimum /size",
            "above the maximum /size",
            "bad format (uuid) /id",
            "outside the enum /kind",
            "a forbidden extra property /accord_unexpected",
        ] {
            assert!(
                names.contains(&expected),
                "{expected} missing from {names:?}"
            );
        }
    }
}

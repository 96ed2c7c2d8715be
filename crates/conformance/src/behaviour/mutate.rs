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

/// The schema's top-level properties, merged over `allOf`.
fn properties(doc: &Value, schema: &Value) -> Vec<(String, Value)> {
    let schema = resolve(doc, schema);
    let mut out: Vec<(String, Value)> = schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), resolve(doc, v).clone()))
        .collect();
    for member in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        out.extend(properties(doc, member));
    }
    out
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
    if let Some(max) = schema.get("maxLength").and_then(Value::as_u64) {
        out.push(("too long".into(), json!("x".repeat(max as usize + 1))));
    }
    if let Some(min) = schema
        .get("minLength")
        .and_then(Value::as_u64)
        .filter(|m| *m > 0)
    {
        out.push(("too short".into(), json!("x".repeat(min as usize - 1))));
    }
    match schema.get("format").and_then(Value::as_str) {
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
pub fn body(doc: &Value, schema: &Value, valid: &Value, as_text: bool) -> Vec<Mutation> {
    let Some(object) = valid.as_object() else {
        return Vec::new();
    };
    let _ = object;
    let mut out = Vec::new();
    // The whole body `null` where the schema is an object that is not nullable: a server
    // reading an optional body as absent when it is `null` accepts what the schema refuses.
    if !as_text && resolve(doc, schema).get("nullable") != Some(&Value::Bool(true)) {
        out.push(Mutation {
            what: "the body null".into(),
            value: Value::Null,
        });
    }
    for name in crate::sample::required(doc, schema) {
        if object.contains_key(&name) {
            let mut v = valid.clone();
            v.as_object_mut().map(|o| o.remove(&name));
            out.push(Mutation {
                what: format!("missing required /{name}"),
                value: v,
            });
        }
    }
    for (name, prop) in properties(doc, schema) {
        if prop.get("readOnly") == Some(&Value::Bool(true)) {
            continue;
        }
        for (what, broken) in broken_values(&prop, as_text) {
            let mut v = valid.clone();
            v.as_object_mut().map(|o| o.insert(name.clone(), broken));
            out.push(Mutation {
                what: format!("{what} /{name}"),
                value: v,
            });
        }
    }
    if resolve(doc, schema).get("additionalProperties") == Some(&Value::Bool(false)) {
        let mut v = valid.clone();
        v.as_object_mut()
            .map(|o| o.insert("accord_unexpected".into(), json!(true)));
        out.push(Mutation {
            what: "a forbidden extra property /accord_unexpected".into(),
            value: v,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let mutations = body(&doc, &schema, &valid, false);
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

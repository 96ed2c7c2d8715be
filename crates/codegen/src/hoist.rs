//! Gives every inline body schema a name, so that the shared model types cover it.
//!
//! The model types crate holds one type per `components.schemas` entry; a request or
//! response body described inline would otherwise get a type of the client's own and none at
//! all on the server side. Each inline object, composition or enum found in a body moves to
//! `components.schemas` under a name derived from its operation (`CreatePetBody`,
//! `ListPetsResponse`, `ListPetsResponse404`; array items get `Item`), and the body refers
//! to it. The meaning of the document does not change.

use accord_spec::escape_token;
use serde_json::{Map, Value, json};

use crate::names::rust_name;

pub(crate) fn inline_body_schemas(doc: &mut Value) {
    let mut hoisted: Vec<(String, Value)> = Vec::new();
    let mut taken: Vec<String> = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let mut ctx = Hoister {
        hoisted: &mut hoisted,
        taken: &mut taken,
    };

    accord_spec::json_operations_mut(doc.get_mut("paths"), |_, _, op| {
        let base = op
            .get("operationId")
            .and_then(Value::as_str)
            .map(rust_name)
            .unwrap_or_default();
        if base.is_empty() {
            return;
        }
        if let Some(body) = op.get_mut("requestBody") {
            ctx.content(body, &format!("{base}Body"));
        }
        let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
            return;
        };
        let first_success = responses.keys().find(|k| k.starts_with('2')).cloned();
        for (code, response) in responses.iter_mut() {
            let name = if Some(code) == first_success.as_ref() {
                format!("{base}Response")
            } else {
                format!("{base}Response{}", rust_name(code))
            };
            ctx.content(response, &name);
        }
    });
    for (section, suffix) in [("requestBodies", "Body"), ("responses", "Response")] {
        let pointer = format!("/components/{section}");
        if let Some(entries) = doc.pointer_mut(&pointer).and_then(Value::as_object_mut) {
            for (name, entry) in entries.iter_mut() {
                let base = rust_name(name);
                let name = if base.ends_with(suffix) {
                    base
                } else {
                    format!("{base}{suffix}")
                };
                ctx.content(entry, &name);
            }
        }
    }

    if hoisted.is_empty() {
        return;
    }
    if !doc.get("components").is_some_and(Value::is_object) {
        doc["components"] = json!({});
    }
    if !doc["components"]
        .get("schemas")
        .is_some_and(Value::is_object)
    {
        doc["components"]["schemas"] = json!({});
    }
    if let Some(schemas) = doc["components"]["schemas"].as_object_mut() {
        for (name, schema) in hoisted {
            schemas.insert(name, schema);
        }
    }
}

struct Hoister<'a> {
    hoisted: &'a mut Vec<(String, Value)>,
    taken: &'a mut Vec<String>,
}

impl Hoister<'_> {
    /// Hoists the schemas of every media type of a body or response (not of a `$ref` to one:
    /// the component it names is hoisted once, under its own name).
    fn content(&mut self, holder: &mut Value, name: &str) {
        if holder.get("$ref").is_some() {
            return;
        }
        let Some(content) = holder.get_mut("content").and_then(Value::as_object_mut) else {
            return;
        };
        for media in content.values_mut() {
            if let Some(schema) = media.get_mut("schema") {
                self.schema(schema, name);
            }
        }
    }

    fn schema(&mut self, schema: &mut Value, name: &str) {
        let Some(obj) = schema.as_object_mut() else {
            return;
        };
        if obj.contains_key("$ref") {
            return;
        }
        if is_array_of_plain(obj) {
            if let Some(items) = obj.get_mut("items") {
                self.schema(items, &format!("{name}Item"));
            }
            return;
        }
        if !needs_a_name(obj) {
            return;
        }
        let value = Value::Object(obj.clone());
        let chosen = match self.hoisted.iter().find(|(_, v)| *v == value) {
            Some((existing, _)) => existing.clone(),
            None => {
                let chosen = self.unique(name);
                self.hoisted.push((chosen.clone(), value));
                chosen
            }
        };
        *schema = json!({ "$ref": format!("#/components/schemas/{}", escape_token(&chosen)) });
    }

    fn unique(&mut self, name: &str) -> String {
        let mut candidate = name.to_string();
        let mut n = 2;
        while self.taken.contains(&candidate) {
            candidate = format!("{name}{n}");
            n += 1;
        }
        self.taken.push(candidate.clone());
        candidate
    }
}

/// An array schema with nothing of its own but `items` (and documentation).
fn is_array_of_plain(obj: &Map<String, Value>) -> bool {
    obj.get("type").and_then(Value::as_str) == Some("array")
        && !obj
            .keys()
            .any(|k| ["allOf", "oneOf", "anyOf", "properties"].contains(&k.as_str()))
}

/// Whether typify would make a type of its own for this schema.
fn needs_a_name(obj: &Map<String, Value>) -> bool {
    ["properties", "allOf", "oneOf", "anyOf", "enum"]
        .iter()
        .any(|k| obj.contains_key(*k))
        || obj
            .get("additionalProperties")
            .is_some_and(Value::is_object)
}

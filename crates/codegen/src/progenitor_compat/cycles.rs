//! `allOf` cycles typify recurses into forever: broken, noted; and the walk over schema
//! references that finds them.

use accord_spec::{Problem, join};
use serde_json::{Map, Value};

/// typify recurses forever when an `allOf` member leads back to the schema holding the
/// `allOf` through `$ref`, `allOf`, `anyOf`, `oneOf` or `not` alone (the usual shape of
/// polymorphism: `Dog: allOf [Pet]` with `Pet: oneOf [Dog, Cat]`). Such a member is replaced
/// by a copy of itself, resolved, without those keywords: it keeps its own properties.
pub(super) fn break_all_of_cycles(doc: &mut Value, notes: &mut Vec<Problem>) {
    let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .cloned()
    else {
        return;
    };
    for (name, schema) in &schemas {
        let Some(members) = schema.get("allOf").and_then(Value::as_array) else {
            continue;
        };
        let target = format!("#/components/schemas/{}", accord_spec::escape_token(name));
        let mut changed = false;
        let mut kept = Vec::new();
        for member in members {
            let mut seen = std::collections::BTreeSet::new();
            if !leads_to(&schemas, member, &target, &mut seen) {
                kept.push(member.clone());
                continue;
            }
            changed = true;
            let mut copy = resolve_schema(&schemas, member).clone();
            if let Some(m) = copy.as_object_mut() {
                for key in ["oneOf", "anyOf", "allOf", "not", "discriminator"] {
                    m.remove(key);
                }
            }
            let label = member
                .get("$ref")
                .and_then(Value::as_str)
                .unwrap_or("an inline member")
                .to_string();
            notes.push(Problem::new(
                join(&join("/components/schemas", name), "allOf"),
                format!(
                    "`{label}` leads back to `{name}`; the Rust types keep only its own properties"
                ),
            ));
            kept.push(copy);
        }
        if changed
            && let Some(slot) = doc.pointer_mut(&join(&join("/components/schemas", name), "allOf"))
        {
            *slot = Value::Array(kept);
        }
    }
    // What remains are alternatives that lead back to their own schema (`A: anyOf [X, A]`),
    // which add nothing to the type and on which typify recurses forever: drop them.
    let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .cloned()
    else {
        return;
    };
    for name in schemas.keys() {
        let target = format!("#/components/schemas/{}", accord_spec::escape_token(name));
        let pointer = join("/components/schemas", name);
        if let Some(schema) = doc.pointer_mut(&pointer) {
            prune_alternatives(&schemas, schema, &target, &pointer, notes);
        }
    }
}

pub(super) fn prune_alternatives(
    schemas: &Map<String, Value>,
    schema: &mut Value,
    target: &str,
    pointer: &str,
    notes: &mut Vec<Problem>,
) {
    for key in ["anyOf", "oneOf", "allOf"] {
        let Some(members) = schema.get_mut(key).and_then(Value::as_array_mut) else {
            continue;
        };
        let here = join(pointer, key);
        if key != "allOf" {
            let before = members.len();
            members
                .retain(|m| !leads_to(schemas, m, target, &mut std::collections::BTreeSet::new()));
            if members.len() != before {
                notes.push(Problem::new(&here, "alternatives that lead back to this schema add nothing; left out of the Rust types"));
            }
        }
        for (i, member) in members.iter_mut().enumerate() {
            if member.get("$ref").is_none() {
                prune_alternatives(schemas, member, target, &join(&here, &i.to_string()), notes);
            }
        }
    }
}

/// Whether `schema` reaches the reference `target` through composition alone.
pub(crate) fn leads_to(
    schemas: &Map<String, Value>,
    schema: &Value,
    target: &str,
    seen: &mut std::collections::BTreeSet<String>,
) -> bool {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        if reference == target {
            return true;
        }
        if !seen.insert(reference.to_string()) {
            return false;
        }
        return leads_to(schemas, resolve_schema(schemas, schema), target, seen);
    }
    let members = ["allOf", "anyOf", "oneOf"]
        .into_iter()
        .filter_map(|k| schema.get(k).and_then(Value::as_array))
        .flatten();
    members
        .chain(schema.get("not"))
        .any(|m| leads_to(schemas, m, target, seen))
}

pub(crate) fn resolve_schema<'a>(schemas: &'a Map<String, Value>, schema: &'a Value) -> &'a Value {
    accord_spec::pointer::follow_with(schema, |pointer| {
        let name = pointer.strip_prefix("/components/schemas/")?;
        schemas.get(&accord_spec::unescape_token(name))
    })
    .0
}

//! Names that collide once made Rust identifiers (properties, schemas, operations, the
//! client's own methods): made distinct, noted, and every `$ref` rewritten to follow.

use std::collections::{BTreeMap, BTreeSet};

use accord_spec::{Problem, join};
use serde_json::{Map, Value, json};

/// The root extension recording the schemas renamed for Rust: new name -> the spec's name.
pub(crate) const RENAMED_SCHEMAS: &str = "x-accord-renamed-schemas";

/// typify names a struct field by the snake_case of its property: `authorize_url` and
/// `authorizeUrl` in one object (Cohere's connectors) would be one field declared twice, and
/// the crate would not compile. Each later property of a taken field name is left out of the
/// Rust types (and of `required`), noted; serde ignores it when it arrives.
pub(super) fn distinct_property_names(value: &mut Value, pointer: &str, notes: &mut Vec<Problem>) {
    accord_spec::walk_model_mut(value, pointer, &mut |map, pointer, names| {
        if !names {
            distinct_fields(map, pointer, notes);
        }
    });
}

/// The fields of one object schema: its properties, then the `required` names with no
/// property of their own (typify makes those fields of any JSON value, as Cohere's
/// `required: [authorizeUrl]` beside the property `authorize_url`).
pub(super) fn distinct_fields(
    map: &mut Map<String, Value>,
    pointer: &str,
    notes: &mut Vec<Problem>,
) {
    let mut fields = BTreeSet::new();
    let mut dropped = Vec::new();
    let mut listed = BTreeSet::new();
    if let Some(Value::Object(properties)) = map.get_mut("properties") {
        properties.retain(|name, _| {
            if fields.insert(field_ident(name)) {
                listed.insert(name.clone());
                true
            } else {
                dropped.push(name.clone());
                false
            }
        });
    }
    let mut orphans = Vec::new();
    if let Some(Value::Array(required)) = map.get_mut("required") {
        required.retain(|r| {
            let Some(name) = r.as_str() else {
                return true;
            };
            if listed.contains(name) {
                return true;
            }
            if dropped.iter().any(|d| d == name) {
                return false;
            }
            if fields.insert(field_ident(name)) {
                true
            } else {
                orphans.push(name.to_string());
                false
            }
        });
    }
    for name in dropped {
        notes.push(Problem::new(
            join(&join(pointer, "properties"), &name),
            format!(
                "property `{name}` is the Rust field `{}` of another property; left out of the Rust types",
                field_ident(&name)
            ),
        ));
    }
    for name in orphans {
        notes.push(Problem::new(
            join(pointer, "required"),
            format!(
                "`{name}` is required but has no property, and is the Rust field `{}` of another; left out of `required` in the Rust types",
                field_ident(&name)
            ),
        ));
    }
}

/// typify's field name of a property: snake_case of it, with what is not an identifier
/// character as a word break.
pub(super) fn field_ident(name: &str) -> String {
    use heck::ToSnakeCase;
    name.replace('\'', "")
        .replace(|c: char| !(c.is_alphanumeric() || c == '_'), "-")
        .to_snake_case()
}

/// progenitor's Rust name of a parameter: snake_case of its words.
pub(super) fn parameter_ident(name: &str) -> String {
    use heck::ToSnakeCase;
    let words: String = name
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    words.to_snake_case()
}

/// typify names each schema by its PascalCase: `Record` and `record`, or `max_page` and
/// `MaxPage`, would be one Rust type defined twice. Every later schema of a taken Rust name
/// is renamed (`record` -> `record_2`, every `$ref` to it rewritten) and the renaming
/// recorded under [`RENAMED_SCHEMAS`], so a target can map the spec's names to Rust's.
pub(super) fn distinct_schema_names(doc: &mut Value, notes: &mut Vec<Problem>) {
    use crate::names::rust_name;
    let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return;
    };
    // The names typify derives for inline schemas: `{Parent}{Property}` for a property's
    // own schema, and `Item` after it for an array's items. A component of such a name
    // (Stripe's `financial_connections.account_ownership` beside the inline `ownership` of
    // `financial_connections.account`) is renamed as well.
    let mut derived: std::collections::HashSet<String> = std::collections::HashSet::new();
    for (name, schema) in schemas {
        for (property, sub) in schema
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if sub.get("$ref").is_some() {
                continue;
            }
            let base = rust_name(&format!("{name}-{property}"));
            derived.insert(format!("{base}Item"));
            derived.insert(base);
        }
    }
    let mut taken: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut renames: Vec<(String, String)> = Vec::new();
    for name in schemas.keys() {
        let rust = rust_name(name);
        if !derived.contains(&rust) && taken.insert(rust.clone()) {
            continue;
        }
        let mut n = 2;
        let renamed = loop {
            let candidate = format!("{name}_{n}");
            let rust = rust_name(&candidate);
            if !schemas.contains_key(&candidate)
                && !taken.contains(&rust)
                && !derived.contains(&rust)
            {
                break candidate;
            }
            n += 1;
        };
        taken.insert(rust_name(&renamed));
        notes.push(Problem::new(
            join("/components/schemas", name),
            format!(
                "schema `{name}` is the Rust type `{}`: `{rust}` is another type's",
                rust_name(&renamed)
            ),
        ));
        renames.push((name.clone(), renamed));
    }
    rename_schemas(doc, renames);
}

/// The methods progenitor's `Client` has of its own: its constructors, `ClientInfo`'s accessors
/// and `ClientHooks`' hooks, which every generated method calls as `self.pre(..)`,
/// `self.exec(..)`, `self.post(..)`; an operation method of the same name would hide them.
pub(super) const CLIENT_METHODS: &[&str] = &[
    "new",
    "new_with_client",
    "api_version",
    "baseurl",
    "client",
    "pre",
    "exec",
    "post",
];

/// progenitor names a client method after its operation's id in snake_case, and its builder
/// in PascalCase: ids that differ only in case or punctuation (`generateMobileOTPUsingPOST`
/// beside `generateMobileOtpUsingPOST`) would define one method twice, and an id such as
/// `post` would hide the hook every method calls. Those are renamed for the client, noted.
pub(super) fn distinct_operation_names(doc: &mut Value, notes: &mut Vec<Problem>) {
    use heck::ToSnakeCase;
    // progenitor's own spellings: heck's snake_case, and typify's PascalCase.
    let keys = |id: &str| {
        let words: String = id
            .chars()
            .map(|c| if c.is_alphanumeric() { c } else { '_' })
            .collect();
        (words.to_snake_case(), crate::names::rust_name(id))
    };
    let ids: BTreeSet<String> = accord_spec::json_operations(doc.get("paths"))
        .iter()
        .filter_map(|o| o.op.get("operationId").and_then(Value::as_str))
        .map(str::to_string)
        .collect();
    let mut snakes: BTreeSet<String> = CLIENT_METHODS.iter().map(|m| m.to_string()).collect();
    let mut pascals = BTreeSet::new();
    accord_spec::json_operations_mut(doc.get_mut("paths"), |path, method, op| {
        let Some(id) = op
            .get("operationId")
            .and_then(Value::as_str)
            .map(str::to_string)
        else {
            return;
        };
        let (snake, pascal) = keys(&id);
        if !snakes.contains(&snake) && !pascals.contains(&pascal) {
            snakes.insert(snake);
            pascals.insert(pascal);
            return;
        }
        let reserved = CLIENT_METHODS.contains(&snake.as_str());
        let mut n = 2;
        let (renamed, snake, pascal) = loop {
            let candidate = if reserved && n == 2 {
                format!("{id}_operation")
            } else {
                format!("{id}_{n}")
            };
            let (snake, pascal) = keys(&candidate);
            if !ids.contains(&candidate) && !snakes.contains(&snake) && !pascals.contains(&pascal) {
                break (candidate, snake, pascal);
            }
            n += 1;
        };
        snakes.insert(snake.clone());
        pascals.insert(pascal);
        let why = if reserved {
            "the client's own method of that name (a constructor, accessor or hook) would be hidden"
        } else {
            "another operation's id has its name"
        };
        notes.push(Problem::new(
            join(&join("/paths", path), method),
            format!("operationId `{id}` is the client method `{snake}`: {why}"),
        ));
        op.insert("operationId".into(), Value::String(renamed));
    });
}

/// Renames components (`from` -> `to`), rewrites every `$ref` to them and records each under
/// [`RENAMED_SCHEMAS`] with the spec's own name.
pub(super) fn rename_schemas(doc: &mut Value, renames: Vec<(String, String)>) {
    if renames.is_empty() {
        return;
    }
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        let old = std::mem::take(schemas);
        for (k, v) in old {
            let k = renames
                .iter()
                .find(|(from, _)| *from == k)
                .map_or(k, |(_, to)| to.clone());
            schemas.insert(k, v);
        }
    }
    let refs: BTreeMap<String, String> = renames
        .iter()
        .map(|(from, to)| {
            (
                format!("#/components/schemas/{}", accord_spec::escape_token(from)),
                format!("#/components/schemas/{}", accord_spec::escape_token(to)),
            )
        })
        .collect();
    rewrite_refs(doc, &refs);
    if let Some(root) = doc.as_object_mut() {
        let record = root.entry(RENAMED_SCHEMAS).or_insert_with(|| json!({}));
        if let Some(record) = record.as_object_mut() {
            for (from, to) in renames {
                let original = record
                    .remove(&from)
                    .unwrap_or_else(|| Value::String(from.clone()));
                record.insert(to, original);
            }
        }
    }
}

/// After a run of typify: every Rust type name it defined twice in `types` (a component and a
/// type it derived for an inline schema elsewhere) whose component can be renamed is renamed
/// (`x` -> `x_2`), noted; the caller runs typify again. Returns whether anything was renamed.
pub(crate) fn rename_duplicate_types(
    doc: &mut Value,
    tokens: &str,
    notes: &mut Vec<Problem>,
) -> bool {
    use crate::names::rust_name;
    let Ok(file) = syn::parse_str::<syn::File>(tokens) else {
        return false;
    };
    let items = file.items.iter().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "types" => m.content.as_ref().map(|(_, i)| i),
        _ => None,
    });
    let Some(items) = items else { return false };
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for item in items {
        let name = match item {
            syn::Item::Struct(s) => s.ident.to_string(),
            syn::Item::Enum(e) => e.ident.to_string(),
            syn::Item::Type(t) => t.ident.to_string(),
            _ => continue,
        };
        *seen.entry(name).or_default() += 1;
    }
    let twice: BTreeSet<&String> = seen
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(k, _)| k)
        .collect();
    if twice.is_empty() {
        return false;
    }
    let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return false;
    };
    let already: BTreeSet<String> = doc
        .get(RENAMED_SCHEMAS)
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let mut renames = Vec::new();
    let mut blank = Vec::new();
    for name in schemas.keys() {
        let rust = rust_name(name);
        if !twice.contains(&rust) {
            continue;
        }
        if already.contains(name) {
            // Renamed once and still defined twice: typify defines this schema twice by
            // itself (some nullable alternatives); any JSON value instead.
            let original = doc
                .get(RENAMED_SCHEMAS)
                .and_then(|r| r.get(name))
                .and_then(Value::as_str)
                .unwrap_or(name);
            notes.push(Problem::new(
                join("/components/schemas", original),
                format!("schema `{original}` is any JSON value in Rust: typify defines `{rust}` twice for it"),
            ));
            blank.push(name.clone());
            continue;
        }
        let mut n = 2;
        let renamed = loop {
            let candidate = format!("{name}_{n}");
            if !schemas.contains_key(&candidate) && !seen.contains_key(&rust_name(&candidate)) {
                break candidate;
            }
            n += 1;
        };
        notes.push(Problem::new(
            join("/components/schemas", name),
            format!(
                "schema `{name}` is the Rust type `{}`: typify names another type `{rust}`",
                rust_name(&renamed)
            ),
        ));
        renames.push((name.clone(), renamed));
    }
    let changed = !renames.is_empty() || !blank.is_empty();
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for name in &blank {
            schemas.insert(name.clone(), json!({}));
        }
    }
    rename_schemas(doc, renames);
    changed
}

/// Rewrites the model's `$ref`s named in `refs`: a `$ref` inside an example or an extension
/// is data, and stays as written; a property named `example` is a schema.
pub(super) fn rewrite_refs(value: &mut Value, refs: &BTreeMap<String, String>) {
    accord_spec::walk_model_mut(value, "", &mut |map, _, names| {
        if !names
            && let Some(Value::String(r)) = map.get_mut("$ref")
            && let Some(to) = refs.get(r.as_str())
        {
            *r = to.clone();
        }
    });
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    #[test]
    fn a_rename_follows_the_model_and_leaves_examples_as_written() {
        let old = "#/components/schemas/record";
        let refs = BTreeMap::from([(old.to_string(), "#/components/schemas/record_2".to_string())]);
        let mut doc = json!({"components": {"schemas": {"Page": {
            "properties": {
                "item": {"$ref": old},
                "example": {"$ref": old}
            },
            "example": {"item": {"$ref": old}},
            "x-vendor": {"$ref": old}
        }}}});
        super::rewrite_refs(&mut doc, &refs);
        let page = &doc["components"]["schemas"]["Page"];
        assert_eq!(
            page["properties"]["item"]["$ref"],
            "#/components/schemas/record_2"
        );
        assert_eq!(
            page["properties"]["example"]["$ref"],
            "#/components/schemas/record_2"
        );
        assert_eq!(page["example"]["item"]["$ref"], old, "an example is data");
        assert_eq!(
            page["x-vendor"]["$ref"], old,
            "an extension is not the model"
        );
    }
}

//! Rewrites a document into the subset progenitor handles without panicking.
//!
//! progenitor accepts one media type per body, only `application/json` as typed JSON, one
//! success type and one error type per operation, and enums whose variant names stay
//! unique. Real documents break each of these; this module reshapes a copy of the
//! document so they hold, and records every change as a note.

use std::collections::{BTreeMap, BTreeSet};

use accord_spec::media::is_json;
use accord_spec::{Problem, join};
use serde_json::{Map, Value, json};

use accord_spec::METHODS;

/// Reshapes `doc` in place; returns what it changed, including the operations it left out.
pub fn reshape(doc: &mut Value) -> Vec<Problem> {
    let mut notes = Vec::new();
    let mut left_out = Vec::new();
    distinct_schema_names(doc, &mut notes);
    distinct_operation_names(doc, &mut notes);
    path_parameters_into_operations(doc);
    let renamed = json_renamed(doc);
    let components = doc.get("components").cloned().unwrap_or(Value::Null);
    let paths: Vec<String> = doc
        .get("paths")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    for path in paths {
        for method in METHODS {
            let pointer = join(&join("/paths", &path), method);
            let Some(op) = doc.pointer_mut(&pointer).and_then(Value::as_object_mut) else {
                continue;
            };
            let label = format!("{} {path}", method.to_uppercase());
            let reshaped = if matches!(*method, "options" | "trace") {
                // progenitor calls `reqwest::Client::{method}`, which these two lack.
                Err(format!(
                    "the Rust client cannot send {} requests",
                    method.to_uppercase()
                ))
            } else {
                reshape_operation(op, &components, &pointer, &label, &mut notes)
            };
            if let Err(reason) = reshaped {
                let id = op
                    .get("operationId")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                left_out.push((id, format!("{label}: {reason}")));
            }
        }
    }
    for (id, reason) in &left_out {
        remove_operation(doc, id);
        notes.push(Problem::new(
            "",
            format!("{}{id}` ({reason})", crate::LEFT_OUT_OF_CLIENT),
        ));
    }
    if !renamed.is_empty() {
        notes.push(Problem::new(
            "",
            format!(
                "the client reads {} as `application/json`",
                renamed.join(", ")
            ),
        ));
    }
    dedupe_enums(doc, "", &mut notes);
    distinct_property_names(doc, "", "", &mut notes);
    break_all_of_cycles(doc, &mut notes);
    drop_bad_defaults(doc, "", &mut notes);
    notes
}

/// typify refuses the whole document over one `default` its schema does not admit
/// (OpenAI's `max_tokens: {type: integer, default: "inf"}`): such a default is dropped.
fn drop_bad_defaults(value: &mut Value, pointer: &str, notes: &mut Vec<Problem>) {
    match value {
        Value::Object(map) => {
            if let Some(default) = map.get("default") {
                let nullable = map.get("nullable") == Some(&json!(true));
                let fits_type = match (map.get("type").and_then(Value::as_str), default) {
                    (_, Value::Null) => nullable || !map.contains_key("type"),
                    (Some("integer"), d) => d.is_i64() || d.is_u64(),
                    (Some("number"), d) => d.is_number(),
                    (Some("string"), d) => d.is_string(),
                    (Some("boolean"), d) => d.is_boolean(),
                    (Some("array"), d) => d.is_array(),
                    (Some("object"), d) => d.is_object(),
                    _ => true,
                };
                let fits_enum = map
                    .get("enum")
                    .and_then(Value::as_array)
                    .is_none_or(|e| e.contains(default) || (default.is_null() && nullable));
                if !(fits_type && fits_enum) {
                    notes.push(Problem::new(
                        join(pointer, "default"),
                        format!(
                            "default {default} does not fit its schema; left out of the Rust types"
                        ),
                    ));
                    map.remove("default");
                }
            }
            for (key, child) in map.iter_mut() {
                // Server variables are no schemas (their `default` is required, whatever their
                // `enum`), and extensions are no part of the document's meaning.
                let skipped = matches!(
                    key.as_str(),
                    "example" | "examples" | "enum" | "default" | "servers"
                ) || key.starts_with("x-");
                if !skipped {
                    drop_bad_defaults(child, &join(pointer, key), notes);
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                drop_bad_defaults(child, &join(pointer, &i.to_string()), notes);
            }
        }
        _ => {}
    }
}

/// typify recurses forever when an `allOf` member leads back to the schema holding the
/// `allOf` through `$ref`, `allOf`, `anyOf`, `oneOf` or `not` alone (the usual shape of
/// polymorphism: `Dog: allOf [Pet]` with `Pet: oneOf [Dog, Cat]`). Such a member is replaced
/// by a copy of itself, resolved, without those keywords: it keeps its own properties.
fn break_all_of_cycles(doc: &mut Value, notes: &mut Vec<Problem>) {
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

fn prune_alternatives(
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

/// The JSON media types other than `application/json` used by responses, in order of appearance.
fn json_renamed(original: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut visit = |content: &Value| {
        for name in content.as_object().into_iter().flat_map(|m| m.keys()) {
            let quoted = format!("`{name}`");
            if is_json(name) && name != "application/json" && !out.contains(&quoted) {
                out.push(quoted);
            }
        }
    };
    for response in original
        .pointer("/components/responses")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|m| m.values())
    {
        visit(response.get("content").unwrap_or(&Value::Null));
    }
    for item in original
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|m| m.values())
    {
        for op in item.as_object().into_iter().flat_map(|m| m.values()) {
            for response in op
                .get("responses")
                .and_then(Value::as_object)
                .into_iter()
                .flat_map(|m| m.values())
            {
                visit(response.get("content").unwrap_or(&Value::Null));
            }
        }
    }
    out
}

/// Removes the operation with this operationId from the document.
pub fn remove_operation(doc: &mut Value, operation_id: &str) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut() {
        if let Some(item) = item.as_object_mut() {
            item.retain(|method, op| {
                !(METHODS.contains(&method.as_str())
                    && op.get("operationId").and_then(Value::as_str) == Some(operation_id))
            });
        }
    }
    paths.retain(|_, item| {
        item.as_object()
            .is_none_or(|m| m.keys().any(|k| METHODS.contains(&k.as_str())))
    });
}

fn reshape_operation(
    op: &mut Map<String, Value>,
    components: &Value,
    pointer: &str,
    label: &str,
    notes: &mut Vec<Problem>,
) -> Result<(), String> {
    // Parameters: inline references, path parameters are always required.
    let op_has_body = op.contains_key("requestBody");
    if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
        params.retain(|p| {
            let resolved = inline(p, components);
            let cookie = resolved.get("in").and_then(Value::as_str) == Some("cookie");
            if cookie {
                let name = resolved.get("name").and_then(Value::as_str).unwrap_or_default();
                notes.push(Problem::new(
                    join(pointer, "parameters"),
                    format!("{label}: cookie parameter `{name}` left out; the client sends cookies from its reqwest cookie store"),
                ));
            }
            !cookie
        });
        for (i, p) in params.iter_mut().enumerate() {
            let mut resolved = inline(p, components);
            if resolved.get("in").and_then(Value::as_str) == Some("path")
                && resolved.get("required") != Some(&json!(true))
            {
                resolved["required"] = json!(true);
                notes.push(Problem::new(
                    join(&join(pointer, "parameters"), &i.to_string()),
                    "a path parameter is always required",
                ));
            }
            // A path segment, a header or a query value is never null on the wire (absence is
            // an optional parameter's null): a nullable schema would make the client's
            // argument an `Option<Option<_>>` it cannot put in the URL or a header.
            let place = resolved
                .get("in")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            if let Some(schema) = resolved.get_mut("schema").and_then(Value::as_object_mut)
                && schema.remove("nullable") == Some(json!(true))
            {
                notes.push(Problem::new(
                    join(&join(pointer, "parameters"), &i.to_string()),
                    format!("a {place} parameter is never null; `nullable` left out"),
                ));
            }
            // progenitor puts a path or header value in place with `to_string()`, which
            // neither the untagged enum typify makes of a `oneOf` (an id or a slug) nor a
            // `Vec` or a struct has, and only in the `simple` style: the client takes such a
            // value as the text the parameter's style makes of it (`a,b,c` for a simple array,
            // `.a.b` for a label one), which the caller writes.
            if place == "path" || place == "header" {
                let shape = resolved.get("schema").and_then(|schema| {
                    let target = inline(schema, components);
                    if ["oneOf", "anyOf", "allOf"]
                        .iter()
                        .any(|k| target.get(*k).is_some())
                    {
                        return Some("of alternatives");
                    }
                    match target.get("type").and_then(Value::as_str) {
                        Some("array") => Some("that is an array"),
                        Some("object") => Some("that is an object"),
                        _ if target.get("properties").is_some() => Some("that is an object"),
                        _ => None,
                    }
                });
                let style = resolved
                    .get("style")
                    .and_then(Value::as_str)
                    .filter(|s| *s != "simple")
                    .map(str::to_string);
                let why = match (shape, &style) {
                    (Some(shape), _) => Some(shape.to_string()),
                    (None, Some(style)) => Some(format!("in the `{style}` style")),
                    (None, None) => None,
                };
                if let Some(why) = why {
                    let style = style.unwrap_or_else(|| "simple".into());
                    resolved["schema"] = json!({"type": "string"});
                    if let Some(map) = resolved.as_object_mut() {
                        map.remove("style");
                        map.remove("explode");
                    }
                    notes.push(Problem::new(
                        join(&join(pointer, "parameters"), &i.to_string()),
                        format!("a {place} parameter {why}: the client takes it as text, its `{style}`-style serialization written by the caller"),
                    ));
                }
            }
            if resolved != *p {
                *p = resolved;
            }
        }
        // progenitor sends path and header parameters in the `simple` style and query ones
        // in `form` only, each with a `schema` (not `content`): any other is left out when
        // optional, and leaves the operation out when required.
        let mut unsupported: Option<String> = None;
        params.retain(|p| {
            let place = p.get("in").and_then(Value::as_str).unwrap_or_default();
            let style = p.get("style").and_then(Value::as_str);
            let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
            let why = if p.get("schema").is_none() {
                Some("is described by `content`, not `schema`".to_string())
            } else {
                match (place, style) {
                    (_, None) | ("path" | "header", Some("simple")) | ("query", Some("form")) => None,
                    (_, Some(style)) => Some(format!("has style `{style}`")),
                }
            };
            let Some(why) = why else { return true };
            if p.get("required") == Some(&json!(true)) {
                unsupported.get_or_insert_with(|| {
                    format!("required {place} parameter `{name}` {why}, which the Rust client cannot send")
                });
                return true;
            }
            notes.push(Problem::new(
                join(pointer, "parameters"),
                format!("{label}: optional {place} parameter `{name}` left out of the client: it {why}"),
            ));
            false
        });
        if let Some(reason) = unsupported {
            return Err(reason);
        }
        // progenitor binds each parameter to its snake_case name, beside `body`: names that
        // differ only in case or punctuation (`max-results`, `MaxResults`), or one name in
        // two locations, would bind one identifier twice. The first keeps it; a later
        // optional one is left out, a later required one leaves the operation out.
        let mut bound: Vec<String> = Vec::new();
        if op_has_body {
            bound.push("body".into());
        }
        let mut clash: Option<String> = None;
        params.retain(|p| {
            let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
            let ident = parameter_ident(name);
            if !bound.contains(&ident) {
                bound.push(ident);
                return true;
            }
            let place = p.get("in").and_then(Value::as_str).unwrap_or("query");
            if p.get("required") == Some(&json!(true)) {
                clash.get_or_insert_with(|| {
                    format!("required {place} parameter `{name}` has the Rust name `{ident}` of another input")
                });
                return true;
            }
            notes.push(Problem::new(
                join(pointer, "parameters"),
                format!("{label}: optional {place} parameter `{name}` left out of the client; its Rust name `{ident}` is another input's"),
            ));
            false
        });
        if let Some(reason) = clash {
            return Err(reason);
        }
    }

    // The request body: one media type progenitor can send.
    if let Some(body) = op.get("requestBody") {
        let mut body = inline(body, components);
        let here = join(pointer, "requestBody");
        let content = body
            .get("content")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let (chosen, mut media) = choose_request_media(&content).ok_or_else(|| {
            let types: Vec<&str> = content.keys().map(String::as_str).collect();
            format!(
                "no request body media type the Rust client can send (found {})",
                types.join(", ")
            )
        })?;
        if content.len() > 1 || !content.contains_key(&chosen) {
            notes.push(Problem::new(
                &here,
                format!("{label}: the client sends the body as `{chosen}` only"),
            ));
        }
        if let Some(m) = media.as_object_mut() {
            m.remove("encoding");
            m.remove("examples");
            if chosen == "application/octet-stream" {
                m.insert(
                    "schema".into(),
                    json!({ "type": "string", "format": "binary" }),
                );
            } else if chosen == "text/plain" {
                // progenitor takes a text body as one `String`, whatever the schema said.
                let plain = m.get("schema").map(|s| inline(s, components));
                if plain
                    .as_ref()
                    .and_then(|s| s.get("type"))
                    .and_then(Value::as_str)
                    != Some("string")
                {
                    notes.push(Problem::new(
                        &here,
                        format!("{label}: the client takes the text body as a `String` the caller writes, not as its schema's type"),
                    ));
                }
                m.insert("schema".into(), json!({ "type": "string" }));
            } else {
                m.entry("schema").or_insert_with(|| json!({}));
            }
        }
        body["content"] = json!({ chosen: media });
        op.insert("requestBody".into(), body);
    }

    // Responses: one JSON media type, `default` as errors, one success and one error shape.
    let error_title = format!(
        "{}Error",
        crate::names::rust_name(
            op.get("operationId")
                .and_then(Value::as_str)
                .unwrap_or("operation")
        )
    );
    let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
        return Ok(());
    };
    let has_success = responses.keys().any(|k| k.starts_with('2'));
    if has_success && let Some(default) = responses.shift_remove("default") {
        for range in ["4XX", "5XX"] {
            responses.entry(range).or_insert_with(|| default.clone());
        }
        notes.push(Problem::new(
            join(&join(pointer, "responses"), "default"),
            format!("{label}: `default` became the 4XX and 5XX errors"),
        ));
    }
    for (code, response) in responses.iter_mut() {
        let mut resolved = inline(response, components);
        let here = join(&join(pointer, "responses"), code);
        if let Some(content) = resolved.get("content").and_then(Value::as_object).cloned() {
            if let Some((chosen, mut media)) = choose_json(&content) {
                if content.len() > 1 {
                    notes.push(Problem::new(
                        &here,
                        format!("{label} {code}: the client reads only `{chosen}`"),
                    ));
                }
                if let Some(m) = media.as_object_mut() {
                    m.remove("encoding");
                    m.entry("schema").or_insert_with(|| json!({}));
                }
                resolved["content"] = json!({ "application/json": media });
            } else if let Some((first, _)) = content.iter().next() {
                resolved["content"] = json!({ first.clone(): {} });
            }
        }
        *response = resolved;
    }

    // progenitor allows one response shape among the successes and one among the errors.
    let shapes: Vec<(String, bool, String)> = responses
        .iter()
        .map(|(code, r)| (code.clone(), is_success(code, has_success), shape(r)))
        .collect();
    let success: Vec<&(String, bool, String)> = shapes.iter().filter(|s| s.1).collect();
    if let Some(first) = success.first() {
        for (code, _, s) in success.iter().skip(1).map(|x| (&x.0, x.1, &x.2)) {
            if *s != first.2 {
                responses.shift_remove(code.as_str());
                notes.push(Problem::new(
                    join(&join(pointer, "responses"), code),
                    format!("{label}: {code} left out of the client, its body differs from {}; it arrives as an unexpected response", first.0),
                ));
            }
        }
    }
    let errors: Vec<&(String, bool, String)> = shapes.iter().filter(|s| !s.1).collect();
    let distinct: std::collections::BTreeSet<&String> = errors.iter().map(|s| &s.2).collect();
    // Errors of several JSON shapes are one type of alternatives (typify's untagged enum, the
    // documented shapes in order); an error without a body beside them arrives as an
    // unexpected response with its status. Only a non-JSON error body makes them raw bytes.
    let json_shapes: Vec<&&(String, bool, String)> =
        errors.iter().filter(|s| s.2.starts_with("json:")).collect();
    if distinct.len() > 1 && !distinct.iter().any(|s| *s == "raw") && !json_shapes.is_empty() {
        let mut alternatives: Vec<Value> = Vec::new();
        for (code, _, _) in &json_shapes {
            let schema = responses
                .get(code.as_str())
                .and_then(|r| r.pointer("/content/application~1json/schema"))
                .cloned()
                .unwrap_or_else(|| json!({}));
            if !alternatives.contains(&schema) {
                alternatives.push(schema);
            }
        }
        let one = if alternatives.len() == 1 {
            alternatives.remove(0)
        } else {
            // Named for what it is (typify takes the title), not `{Operation}Response`.
            json!({ "title": error_title, "oneOf": alternatives })
        };
        let mut bodiless = Vec::new();
        for (code, _, s) in &errors {
            if s.starts_with("json:") {
                if let Some(r) = responses.get_mut(code.as_str()) {
                    r["content"] = json!({ "application/json": { "schema": one.clone() } });
                }
            } else {
                responses.shift_remove(code.as_str());
                bodiless.push(code.clone());
            }
        }
        notes.push(Problem::new(
            join(pointer, "responses"),
            if bodiless.is_empty() {
                format!("{label}: its errors have different bodies; the client reads them as one type of alternatives")
            } else {
                format!(
                    "{label}: its errors have different bodies; the client reads them as one type of alternatives, and {} (no body) as an unexpected response",
                    bodiless.join(", ")
                )
            },
        ));
    } else if distinct.len() > 1 {
        for (code, _, _) in &errors {
            if let Some(r) = responses.get_mut(code.as_str()) {
                r["content"] = json!({ "application/octet-stream": {} });
            }
        }
        notes.push(Problem::new(
            join(pointer, "responses"),
            format!(
                "{label}: its errors have different bodies; the client returns them as raw bytes"
            ),
        ));
    }
    Ok(())
}

fn is_success(code: &str, has_success: bool) -> bool {
    code.starts_with('2') || code.starts_with('1') || (code == "default" && !has_success)
}

/// A key that is equal for two responses exactly when progenitor gives them the same type.
fn shape(response: &Value) -> String {
    match response.get("content").and_then(Value::as_object) {
        None => "none".into(),
        Some(c) if c.is_empty() => "none".into(),
        Some(c) => match c.get("application/json") {
            Some(media) => format!("json:{}", media.get("schema").unwrap_or(&Value::Null)),
            None => "raw".into(),
        },
    }
}

fn choose_json(content: &Map<String, Value>) -> Option<(String, Value)> {
    let exact = content
        .iter()
        .find(|(k, _)| k.split(';').next().map(str::trim) == Some("application/json"));
    exact
        .or_else(|| content.iter().find(|(k, _)| is_json(k)))
        .map(|(k, v)| (k.clone(), v.clone()))
}

fn choose_request_media(content: &Map<String, Value>) -> Option<(String, Value)> {
    if let Some((_, media)) = choose_json(content) {
        return Some(("application/json".into(), media));
    }
    for wanted in [
        "application/x-www-form-urlencoded",
        "application/octet-stream",
        "text/plain",
    ] {
        if let Some((_, v)) = content
            .iter()
            .find(|(k, _)| k.split(';').next().map(str::trim) == Some(wanted))
        {
            return Some((wanted.to_string(), v.clone()));
        }
    }
    // What progenitor has no helper for, sent by what it has: a wildcard (`*/*`, Kubernetes'
    // every body) with a structured schema as JSON, else as bytes; other text (`text/xml`,
    // `application/xml`, `text/csv`) as text; any other single type (`image/png`,
    // `application/pdf`, `application/tar`) as bytes. `multipart/form-data` stays out.
    content
        .iter()
        .filter(|(k, _)| !accord_spec::media::is_multipart(k))
        .map(|(k, v)| {
            let essence = accord_spec::media::essence(k);
            let structured = v.get("schema").is_some_and(|s| {
                s.get("$ref").is_some()
                    || s.get("properties").is_some()
                    || matches!(
                        s.get("type").and_then(Value::as_str),
                        Some("object" | "array")
                    )
            });
            let chosen = match essence.as_str() {
                "*/*" | "application/*" if structured => "application/json",
                "*/*" | "application/*" => "application/octet-stream",
                e if e.starts_with("text/") || e.ends_with("/xml") || e.ends_with("+xml") => {
                    "text/plain"
                }
                _ => "application/octet-stream",
            };
            (chosen.to_string(), v.clone())
        })
        .next()
}

/// Resolves a `#/components/...` reference to a copy of its target (chains followed).
fn inline(value: &Value, components: &Value) -> Value {
    accord_spec::pointer::follow_under(components, "/components", value)
        .0
        .clone()
}

/// Drops string enums whose values typify would turn into the same Rust variant name.
fn dedupe_enums(value: &mut Value, pointer: &str, notes: &mut Vec<Problem>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Array(values)) = map.get("enum") {
                let mut seen: BTreeMap<String, usize> = BTreeMap::new();
                let collides = values.iter().filter_map(Value::as_str).any(|v| {
                    let key: String = v
                        .chars()
                        .filter(|c| c.is_ascii_alphanumeric())
                        .collect::<String>()
                        .to_ascii_lowercase();
                    let count = seen.entry(key).or_default();
                    *count += 1;
                    *count > 1
                });
                if collides {
                    map.remove("enum");
                    notes.push(Problem::new(
                        join(pointer, "enum"),
                        "enum values collide once turned into Rust names; the client types it as a plain string",
                    ));
                }
            }
            for (key, child) in map.iter_mut() {
                if key == "example" || key == "examples" || key == "default" {
                    continue;
                }
                dedupe_enums(child, &join(pointer, key), notes);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                dedupe_enums(child, &join(pointer, &i.to_string()), notes);
            }
        }
        _ => {}
    }
}

/// typify names a struct field by the snake_case of its property: `authorize_url` and
/// `authorizeUrl` in one object (Cohere's connectors) would be one field declared twice, and
/// the crate would not compile. Each later property of a taken field name is left out of the
/// Rust types (and of `required`), noted; serde ignores it when it arrives.
fn distinct_property_names(
    value: &mut Value,
    parent: &str,
    pointer: &str,
    notes: &mut Vec<Problem>,
) {
    match value {
        Value::Object(map) => {
            let in_names = matches!(parent, "properties" | "schemas" | "patternProperties");
            if !in_names {
                distinct_fields(map, pointer, notes);
            }
            for (key, child) in map.iter_mut() {
                let data = !in_names
                    && matches!(
                        key.as_str(),
                        "example" | "examples" | "enum" | "default" | "const"
                    );
                if !data {
                    distinct_property_names(
                        child,
                        if in_names { "" } else { key },
                        &join(pointer, key),
                        notes,
                    );
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                distinct_property_names(child, "", &join(pointer, &i.to_string()), notes);
            }
        }
        _ => {}
    }
}

/// The fields of one object schema: its properties, then the `required` names with no
/// property of their own (typify makes those fields of any JSON value, as Cohere's
/// `required: [authorizeUrl]` beside the property `authorize_url`).
fn distinct_fields(map: &mut Map<String, Value>, pointer: &str, notes: &mut Vec<Problem>) {
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
fn field_ident(name: &str) -> String {
    use heck::ToSnakeCase;
    name.replace('\'', "")
        .replace(|c: char| !(c.is_alphanumeric() || c == '_'), "-")
        .to_snake_case()
}

/// progenitor's Rust name of a parameter: snake_case of its words.
fn parameter_ident(name: &str) -> String {
    use heck::ToSnakeCase;
    let words: String = name
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    words.to_snake_case()
}

/// Parameters declared on a path item belong to each of its operations (an operation's own
/// parameter of the same name and location wins): moved there, so each operation's inputs
/// are seen, and checked, in one list.
fn path_parameters_into_operations(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut().filter_map(Value::as_object_mut) {
        let Some(Value::Array(shared)) = item.remove("parameters") else {
            continue;
        };
        for method in METHODS {
            let Some(op) = item.get_mut(*method).and_then(Value::as_object_mut) else {
                continue;
            };
            let own = op
                .entry("parameters")
                .or_insert_with(|| json!([]))
                .as_array_mut();
            let Some(own) = own else { continue };
            let key = |p: &Value| {
                (
                    p.get("name").cloned(),
                    p.get("in").cloned(),
                    p.get("$ref").cloned(),
                )
            };
            let mut merged: Vec<Value> = shared
                .iter()
                .filter(|s| !own.iter().any(|o| key(o) == key(s)))
                .cloned()
                .collect();
            merged.append(own);
            *own = merged;
        }
    }
}

/// The root extension recording the schemas renamed for Rust: new name -> the spec's name.
pub(crate) const RENAMED_SCHEMAS: &str = "x-accord-renamed-schemas";

/// typify names each schema by its PascalCase: `Record` and `record`, or `max_page` and
/// `MaxPage`, would be one Rust type defined twice. Every later schema of a taken Rust name
/// is renamed (`record` -> `record_2`, every `$ref` to it rewritten) and the renaming
/// recorded under [`RENAMED_SCHEMAS`], so a target can map the spec's names to Rust's.
fn distinct_schema_names(doc: &mut Value, notes: &mut Vec<Problem>) {
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
const CLIENT_METHODS: &[&str] = &[
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
fn distinct_operation_names(doc: &mut Value, notes: &mut Vec<Problem>) {
    use heck::ToSnakeCase;
    // progenitor's own spellings: heck's snake_case, and typify's PascalCase.
    let keys = |id: &str| {
        let words: String = id
            .chars()
            .map(|c| if c.is_alphanumeric() { c } else { '_' })
            .collect();
        (words.to_snake_case(), crate::names::rust_name(id))
    };
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    let ids: BTreeSet<String> = paths
        .values()
        .filter_map(Value::as_object)
        .flat_map(|item| item.values())
        .filter_map(|op| op.get("operationId").and_then(Value::as_str))
        .map(str::to_string)
        .collect();
    let mut snakes: BTreeSet<String> = CLIENT_METHODS.iter().map(|m| m.to_string()).collect();
    let mut pascals = BTreeSet::new();
    for (path, item) in paths.iter_mut() {
        for method in METHODS {
            let Some(op) = item.get_mut(*method).and_then(Value::as_object_mut) else {
                continue;
            };
            let Some(id) = op
                .get("operationId")
                .and_then(Value::as_str)
                .map(str::to_string)
            else {
                continue;
            };
            let (snake, pascal) = keys(&id);
            if !snakes.contains(&snake) && !pascals.contains(&pascal) {
                snakes.insert(snake);
                pascals.insert(pascal);
                continue;
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
                if !ids.contains(&candidate)
                    && !snakes.contains(&snake)
                    && !pascals.contains(&pascal)
                {
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
        }
    }
}

/// Renames components (`from` -> `to`), rewrites every `$ref` to them and records each under
/// [`RENAMED_SCHEMAS`] with the spec's own name.
fn rename_schemas(doc: &mut Value, renames: Vec<(String, String)>) {
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

fn rewrite_refs(value: &mut Value, refs: &BTreeMap<String, String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                match (key.as_str(), child) {
                    ("$ref", Value::String(r)) => {
                        if let Some(to) = refs.get(r.as_str()) {
                            *r = to.clone();
                        }
                    }
                    (_, child) => rewrite_refs(child, refs),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite_refs(v, refs)),
        _ => {}
    }
}

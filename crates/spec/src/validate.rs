//! Structural checks on the raw document that typed parsing would report badly or not at all.
//!
//! Each check yields a [`Problem`] with the JSON pointer of the offending value, so the
//! user can jump straight to it.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::error::{PointerBuf, Problem, join};

pub use crate::model::METHODS;

/// Runs every check and returns all problems found, in document order.
pub fn check(doc: &Value) -> Vec<Problem> {
    let Some(root) = doc.as_object() else {
        return vec![Problem::new("", "the document is not an object")];
    };
    // Every `$ref` of the document is checked on a second thread, the walk over all of it
    // being most of the work, while this one checks the rest.
    let (mut problems, ref_problems) = std::thread::scope(|scope| {
        let refs = scope.spawn(|| {
            let mut problems = Vec::new();
            check_refs(doc, doc, "", &mut problems);
            problems
        });
        let mut problems = Vec::new();
        check_root(doc, root, &mut problems);
        let refs = refs
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (problems, refs)
    });
    problems.extend(ref_problems);
    if problems.is_empty() {
        check_direct_cycles(doc, &mut problems);
    }
    problems
}

/// `info` and every path item.
fn check_root(doc: &Value, root: &serde_json::Map<String, Value>, problems: &mut Vec<Problem>) {
    match root.get("info") {
        Some(Value::Object(info)) => {
            for key in ["title", "version"] {
                if !info.get(key).is_some_and(Value::is_string) {
                    problems.push(Problem::new(
                        "/info",
                        format!("`info.{key}` is required and must be a string"),
                    ));
                }
            }
        }
        _ => problems.push(Problem::new(
            "/info",
            "`info` is required and must be an object with `title` and `version`",
        )),
    }
    match root.get("paths") {
        Some(Value::Object(paths)) => {
            let mut ids: BTreeMap<String, String> = BTreeMap::new();
            for (path, item) in paths {
                check_path(doc, path, item, &mut ids, problems);
            }
        }
        Some(_) => problems.push(Problem::new("/paths", "`paths` must be an object")),
        None => problems.push(Problem::new("/paths", "`paths` is required")),
    }
}

fn check_path(
    doc: &Value,
    path: &str,
    item: &Value,
    ids: &mut BTreeMap<String, String>,
    problems: &mut Vec<Problem>,
) {
    let here = join("/paths", path);
    if !path.starts_with('/') {
        problems.push(Problem::new(
            &here,
            format!("path `{path}` must start with `/`"),
        ));
    }
    let Some(item) = item.as_object() else {
        problems.push(Problem::new(&here, "a path item must be an object"));
        return;
    };
    check_parameter_locations(
        doc,
        item.get("parameters"),
        &join(&here, "parameters"),
        problems,
    );
    for method in METHODS {
        if let Some(params) = item.get(*method).and_then(|op| op.get("parameters")) {
            check_parameter_locations(
                doc,
                Some(params),
                &join(&join(&here, method), "parameters"),
                problems,
            );
        }
    }
    for method in METHODS {
        let Some(op) = item.get(*method) else {
            continue;
        };
        let op_ptr = join(&here, method);
        let upper = method.to_uppercase();
        let Some(op_map) = op.as_object() else {
            problems.push(Problem::new(
                &op_ptr,
                format!("{upper} {path}: an operation must be an object"),
            ));
            continue;
        };
        match op_map.get("operationId") {
            Some(Value::String(id)) if !id.trim().is_empty() => {
                if let Some(first) = ids.insert(id.clone(), format!("{upper} {path}")) {
                    problems.push(Problem::new(
                        join(&op_ptr, "operationId"),
                        format!("{upper} {path}: operationId `{id}` is already used by {first}; operationIds must be unique"),
                    ));
                }
            }
            _ => problems.push(Problem::new(
                &op_ptr,
                format!("{upper} {path} has no operationId; add one, accord names the generated functions after it"),
            )),
        }
        match op_map.get("responses") {
            Some(Value::Object(responses)) if !responses.is_empty() => {
                for code in responses.keys() {
                    if !is_status_key(code) {
                        problems.push(Problem::new(
                            join(&join(&op_ptr, "responses"), code),
                            format!("{upper} {path}: `{code}` is not a status code; use `200`..`599`, `4XX` or `default`"),
                        ));
                    }
                }
            }
            Some(_) => problems.push(Problem::new(
                join(&op_ptr, "responses"),
                format!("{upper} {path}: `responses` must be an object"),
            )),
            None => {}
        }
    }
}

fn check_parameter_locations(
    doc: &Value,
    params: Option<&Value>,
    pointer: &str,
    problems: &mut Vec<Problem>,
) {
    for (i, p) in params
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let resolved = follow(doc, p);
        let location = resolved
            .get("in")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !["query", "header", "path", "cookie"].contains(&location) {
            let name = resolved.get("name").and_then(Value::as_str).unwrap_or("?");
            let hint = if location == "body" || location == "formData" {
                "; a body is a `requestBody` in OpenAPI 3"
            } else {
                ""
            };
            problems.push(Problem::new(
                join(&join(pointer, &i.to_string()), "in"),
                format!("parameter `{name}` has `in: {location}`; use query, header, path or cookie{hint}"),
            ));
        }
    }
}

fn is_status_key(code: &str) -> bool {
    if code == "default" {
        return true;
    }
    let b = code.as_bytes();
    b.len() == 3
        && (b'1'..=b'5').contains(&b[0])
        && ((b[1].is_ascii_digit() && b[2].is_ascii_digit()) || (b[1] == b'X' && b[2] == b'X'))
}

/// The `{name}` segments of a path template.
pub fn template_params(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        out.push(rest[start + 1..start + len].to_string());
        rest = &rest[start + len + 1..];
    }
    out
}

/// Follows local `$ref` chains in the JSON document (bounded), returning the value itself
/// when it is not a reference or the reference does not resolve.
pub fn follow<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    crate::pointer::follow(doc, value).0
}

/// Whether `key` names a map whose keys are names the document chose (a property called
/// `x-rate`, a schema called `x-thing`), not keywords: an `x-` key there is no extension.
pub fn is_name_map(key: &str) -> bool {
    matches!(
        key,
        "properties"
            | "patternProperties"
            | "schemas"
            | "responses"
            | "parameters"
            | "examples"
            | "requestBodies"
            | "headers"
            | "securitySchemes"
            | "links"
            | "callbacks"
            | "content"
            | "encoding"
            | "variables"
            | "mapping"
            | "paths"
            | "webhooks"
            | "pathItems"
    )
}

/// Keys whose values are data, not schema or document structure: a `$ref` inside is data.
pub fn is_data(key: &str) -> bool {
    matches!(key, "example" | "examples" | "enum" | "default" | "const")
}

fn check_refs(doc: &Value, value: &Value, pointer: &str, problems: &mut Vec<Problem>) {
    walk_refs(value, "", pointer, &mut |reference, at| {
        check_ref(doc, reference, at, problems)
    });
}

/// Whether a walk over the model goes into `child`, found under `key` in an object that is a
/// map of names (`names`) or not. Data, and specification extensions, are content accord
/// never reads (code samples, vendor examples), so whatever a `$ref` inside points at, even
/// another file, does not concern the model. In a map of names (`properties`, `schemas`...)
/// those keys are names like any other.
pub fn enters(key: &str, child: &Value, names: bool) -> bool {
    matches!(child, Value::Object(_) | Value::Array(_))
        && (names || !(is_data(key) || key.starts_with("x-")))
}

/// What a walk passes down as the parent of the child found under `key`: below a map of
/// names the key is a name (a property called `properties`), not the keyword that says what
/// the child is.
pub(crate) fn parent_of(key: &str, names: bool) -> &str {
    if names { "" } else { key }
}

/// What [`walk_model_mut`] calls on each object: the object, its pointer, and whether it is a
/// map of names.
pub type ModelVisit<'a> = dyn FnMut(&mut serde_json::Map<String, Value>, &str, bool) + 'a;

/// Calls `visit(object, pointer, names)` for every object of the model under `value` (at
/// `pointer`), each before what is inside it, which it may change: `names` when the object is
/// a map of names (`properties`, `schemas`...), whose keys are names, not keywords. Data
/// (examples, defaults, enums), extensions and `servers` (no schema there: a server
/// variable's `default` and `enum` are its own) are not entered. The one walk of the passes
/// that rewrite the model.
pub fn walk_model_mut(value: &mut Value, pointer: &str, visit: &mut ModelVisit<'_>) {
    walk_model_mut_under(value, "", pointer, visit);
}

fn walk_model_mut_under(
    value: &mut Value,
    parent: &str,
    pointer: &str,
    visit: &mut ModelVisit<'_>,
) {
    match value {
        Value::Object(map) => {
            let names = is_name_map(parent);
            visit(map, pointer, names);
            for (key, child) in map.iter_mut() {
                if (key == "servers" && !names) || !enters(key, child, names) {
                    continue;
                }
                walk_model_mut_under(child, parent_of(key, names), &join(pointer, key), visit);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                walk_model_mut_under(child, "", &join(pointer, &i.to_string()), visit);
            }
        }
        _ => {}
    }
}

/// Calls `found(reference, pointer_of_the_$ref)` for every `$ref` of the model under
/// `value` (at `pointer`, below a key `parent`), skipping data and extensions.
pub fn walk_refs(value: &Value, parent: &str, pointer: &str, found: &mut dyn FnMut(&str, &str)) {
    walk_refs_at(value, parent, &mut Vec::new(), &mut |reference, tokens| {
        let mut at = PointerBuf::new(pointer);
        for token in tokens {
            match token {
                Token::Key(key) => at.push(key),
                Token::Index(i) => at.push_index(*i),
            };
        }
        at.push("$ref");
        found(reference, at.as_str());
    });
}

/// One step of the path a walk took: the pointer is spelled out only where a `$ref` is.
enum Token<'v> {
    Key(&'v str),
    Index(usize),
}

fn walk_refs_at<'v>(
    value: &'v Value,
    parent: &str,
    tokens: &mut Vec<Token<'v>>,
    found: &mut dyn FnMut(&str, &[Token<'v>]),
) {
    match value {
        Value::Object(map) => {
            let names = is_name_map(parent);
            for (key, child) in map {
                if key == "$ref" {
                    if let Value::String(reference) = child {
                        found(reference, tokens);
                    }
                    continue;
                }
                if !enters(key, child, names) {
                    continue;
                }
                tokens.push(Token::Key(key));
                walk_refs_at(child, parent_of(key, names), tokens, found);
                tokens.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                if !matches!(child, Value::Object(_) | Value::Array(_)) {
                    continue;
                }
                tokens.push(Token::Index(i));
                walk_refs_at(child, "", tokens, found);
                tokens.pop();
            }
        }
        _ => {}
    }
}

fn check_ref(doc: &Value, reference: &str, pointer: &str, problems: &mut Vec<Problem>) {
    let Some(local) = crate::pointer::local(reference) else {
        problems.push(Problem::new(
            pointer,
            format!("$ref `{reference}` names another file, which can be followed only when the spec is loaded from its own file"),
        ));
        return;
    };
    let segments: Vec<&str> = local.split('/').collect();
    let local = local.as_str();
    let shape_ok = segments.len() == 4
        && segments[0].is_empty()
        && segments[1] == "components"
        && !segments[3].is_empty();
    if !shape_ok && doc.pointer(local).is_none() {
        // A deep reference is hoisted or copied when it names something; this one does not.
        problems.push(Problem::new(
            pointer,
            format!("$ref `{reference}` points to nothing in this document (a JSON pointer: `~1` is `/`, `~0` is `~`, `%20` is a space; `+` is itself)"),
        ));
        return;
    }
    if !shape_ok {
        problems.push(Problem::new(
            pointer,
            format!("$ref `{reference}` must have the form `#/components/<section>/<name>`"),
        ));
        return;
    }
    if doc.pointer(local).is_none() {
        problems.push(Problem::new(
            pointer,
            format!("dangling $ref `{reference}`: nothing is defined there"),
        ));
    }
}

/// A schema that requires itself through `$ref` and `allOf` alone, with no property, array
/// item, map value or alternative (`oneOf`, `anyOf`) in between, is an endless intersection;
/// generators recurse forever on it.
fn check_direct_cycles(doc: &Value, problems: &mut Vec<Problem>) {
    let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return;
    };
    for (name, schema) in schemas {
        let start = join("/components/schemas", name);
        let target = format!("#{start}");
        let mut seen = BTreeSet::new();
        if let Some(pointer) = reaches(doc, schema, &start, &target, &mut seen) {
            problems.push(Problem::new(
                pointer,
                format!("schema `{name}` requires itself through $ref/allOf with no property, array or oneOf/anyOf in between; such a type never ends"),
            ));
        }
    }
}

fn reaches(
    doc: &Value,
    schema: &Value,
    pointer: &str,
    target: &str,
    seen: &mut BTreeSet<String>,
) -> Option<String> {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        if reference == target {
            return Some(join(pointer, "$ref"));
        }
        if !seen.insert(reference.to_string()) {
            return None;
        }
        let next = crate::pointer::lookup(doc, reference)?;
        return reaches(doc, next, pointer, target, seen);
    }
    for (i, member) in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        if let Some(found) = reaches(
            doc,
            member,
            &join(&join(pointer, "allOf"), &i.to_string()),
            target,
            seen,
        ) {
            return Some(found);
        }
    }
    None
}

#[cfg(test)]
mod name_map_tests {
    #[test]
    fn an_x_property_is_a_name_and_an_x_keyword_an_extension() {
        use serde_json::json;
        let doc = json!({
            "components": {"schemas": {"A": {"properties": {"x-rate": {"$ref": "#/components/schemas/B"}}},
                "x-thing": {"$ref": "#/components/schemas/C"}},
            "x-samples": {"$ref": "other.yaml#/D"}}
        });
        let mut found = Vec::new();
        super::walk_refs(&doc, "", "", &mut |r, at| {
            found.push((r.to_string(), at.to_string()))
        });
        assert_eq!(
            found,
            vec![
                (
                    "#/components/schemas/B".into(),
                    "/components/schemas/A/properties/x-rate/$ref".into()
                ),
                (
                    "#/components/schemas/C".into(),
                    "/components/schemas/x-thing/$ref".into()
                ),
            ]
        );
    }
}

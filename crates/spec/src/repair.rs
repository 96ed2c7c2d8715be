//! Repairs of documents that break a "MUST" of the OpenAPI specification but whose meaning is
//! unambiguous: what peers such as openapi-typescript and oasdiff read, accord reads too.
//!
//! Each repair is a located note. Those that mend a broken "MUST" are also returned apart
//! (`broken`), so a strict load (a project's own contract, `--strict`) can refuse them; what
//! 3.1 makes optional (an operation without `responses`) is a note only.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use crate::error::{Problem, join};
use crate::validate::{METHODS, follow, template_params};

/// What [`repair`] changed: every repair in `notes`; those that mended a broken rule of the
/// specification also in `broken`.
#[derive(Debug, Default)]
pub struct Repairs {
    pub notes: Vec<Problem>,
    pub broken: Vec<Problem>,
}

impl Repairs {
    fn broke(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        let problem = Problem::new(pointer, message);
        self.notes.push(problem.clone());
        self.broken.push(problem);
    }
}

/// Repairs `doc` in place, before it is validated; `v31` when the document declared 3.1.
pub fn repair(doc: &mut Value, v31: bool) -> Repairs {
    let mut out = Repairs::default();
    // A document without `paths` (3.0 requires it; 3.1 does not) declares no operations.
    if let Some(root) = doc.as_object_mut()
        && !root.contains_key("paths")
    {
        root.insert("paths".into(), json!({}));
        if !v31 {
            out.broke(
                "/paths",
                "`paths` is required in OpenAPI 3.0; read as no paths (no operations)",
            );
        }
    }
    undeclared_schemes(doc, &mut out);
    // `x-` keys of `paths` are extensions, not paths (a path item `$ref` to one is copied in
    // place when the document is read).
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        let extensions: Vec<String> = paths
            .keys()
            .filter(|k| k.starts_with("x-"))
            .cloned()
            .collect();
        // A path item that is a `$ref` to one of them takes a copy first.
        let snapshot: Map<String, Value> = paths.clone();
        for (path, item) in paths.iter_mut() {
            let target = item
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/paths/"))
                .map(crate::unescape_token)
                .filter(|key| key.starts_with("x-"));
            if let Some(key) = target
                && let Some(copy) = snapshot.get(&key)
            {
                *item = copy.clone();
                out.notes.push(Problem::new(
                    join(&join("/paths", path), "$ref"),
                    format!("the path item `{key}` it names is copied in place"),
                ));
            }
        }
        for key in extensions {
            paths.remove(&key);
            out.notes.push(Problem::new(
                join("/paths", &key),
                format!("`{key}` is an extension of `paths`, not a path: no operation"),
            ));
        }
    }
    // What the walk over the paths needs of the components, read before it borrows the paths.
    let snapshot = doc.clone();
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            if let Some(item) = item.as_object_mut() {
                repair_path(&snapshot, path, item, v31, &mut out);
            }
        }
    }
    if let Some(components) = doc.get_mut("components").and_then(Value::as_object_mut) {
        for (kind, repair_one) in [
            (
                "responses",
                repair_response as fn(&mut Value, &str, &mut Repairs),
            ),
            ("parameters", repair_parameter),
            ("headers", repair_header),
        ] {
            let Some(map) = components.get_mut(kind).and_then(Value::as_object_mut) else {
                continue;
            };
            for (name, value) in map.iter_mut() {
                repair_one(value, &join(&join("/components", kind), name), &mut out);
            }
        }
    }
    out
}

fn repair_path(
    doc: &Value,
    path: &str,
    item: &mut Map<String, Value>,
    v31: bool,
    out: &mut Repairs,
) {
    let here = join("/paths", path);
    let template: BTreeSet<String> = template_params(path).into_iter().collect();
    // Path parameters declared for the whole path but absent from its template name nothing.
    if let Some(shared) = item.get_mut("parameters").and_then(Value::as_array_mut) {
        tidy_parameters(doc, shared, &template, &join(&here, "parameters"), out);
    }
    let shared = path_params(doc, item.get("parameters"));
    for method in METHODS {
        let Some(op) = item.get_mut(*method).and_then(Value::as_object_mut) else {
            continue;
        };
        let at = join(&here, method);
        let upper = method.to_uppercase();
        // `x-` keys of `responses` are extensions, not statuses.
        if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
            let extensions: Vec<String> = responses
                .keys()
                .filter(|k| k.starts_with("x-"))
                .cloned()
                .collect();
            for key in extensions {
                responses.remove(&key);
                out.notes.push(Problem::new(
                    join(&join(&at, "responses"), &key),
                    format!("{upper} {path}: `{key}` is an extension of `responses`, not a status"),
                ));
            }
        }
        match op.get("responses") {
            None => {
                let message = format!(
                    "{upper} {path} documents no `responses`; read as answering anything (`default`) with no body described"
                );
                if v31 {
                    out.notes.push(Problem::new(&at, message));
                } else {
                    out.broke(&at, message);
                }
                op.insert("responses".into(), undocumented());
            }
            Some(Value::Object(map)) if map.is_empty() => {
                out.broke(
                    join(&at, "responses"),
                    format!("{upper} {path}: `responses` is empty; read as answering anything (`default`) with no body described"),
                );
                op.insert("responses".into(), undocumented());
            }
            _ => {}
        }
        if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
            // `2xx` is `2XX` in any reader's eyes: the specification spells ranges upper-case.
            let lower: Vec<String> = responses
                .keys()
                .filter(|code| {
                    let b = code.as_bytes();
                    b.len() == 3 && (b'1'..=b'5').contains(&b[0]) && &code[1..] == "xx"
                })
                .cloned()
                .collect();
            for code in lower {
                let upper_code = code.to_ascii_uppercase();
                if responses.contains_key(&upper_code) {
                    continue;
                }
                if let Some(response) = responses.remove(&code) {
                    out.broke(
                        join(&join(&at, "responses"), &code),
                        format!(
                            "{upper} {path}: the status range `{code}` is read as `{upper_code}`"
                        ),
                    );
                    responses.insert(upper_code, response);
                }
            }
            for (code, response) in responses.iter_mut() {
                repair_response(response, &join(&join(&at, "responses"), code), out);
            }
        }
        let params_at = join(&at, "parameters");
        if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
            tidy_parameters(doc, params, &template, &params_at, out);
        }
        let mut declared = shared.clone();
        declared.extend(path_params(doc, op.get("parameters")));
        let missing: Vec<&String> = template.iter().filter(|n| !declared.contains(*n)).collect();
        if !missing.is_empty() {
            let params = op
                .entry("parameters")
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(params) = params {
                for name in missing {
                    out.broke(
                        &at,
                        format!("{upper} {path}: path parameter `{name}` is not declared; read as a required string"),
                    );
                    params.push(json!({
                        "name": name, "in": "path", "required": true, "schema": {"type": "string"}
                    }));
                }
            }
        }
        if let Some(body) = op.get_mut("requestBody").and_then(Value::as_object_mut)
            && !body.contains_key("$ref")
            && !body.contains_key("content")
        {
            out.broke(
                join(&at, "requestBody"),
                format!("{upper} {path}: the request body has no `content`; read as no body"),
            );
            op.remove("requestBody");
        }
    }
}

/// A `default` response without a body: what an operation that documents none answers.
fn undocumented() -> Value {
    json!({"default": {"description": "not documented"}})
}

/// Repairs each parameter of `params` (at `at`) and removes the path parameters whose name
/// is not in the path's `template`.
fn tidy_parameters(
    doc: &Value,
    params: &mut Vec<Value>,
    template: &BTreeSet<String>,
    at: &str,
    out: &mut Repairs,
) {
    let mut keep = Vec::with_capacity(params.len());
    for (i, p) in params.iter_mut().enumerate() {
        let here = join(at, &i.to_string());
        let resolved = follow(doc, p);
        let untemplated = resolved.get("in").and_then(Value::as_str) == Some("path")
            && resolved
                .get("name")
                .and_then(Value::as_str)
                .is_some_and(|name| !template.contains(name));
        if untemplated {
            let name = resolved["name"].as_str().unwrap_or_default();
            out.broke(
                here,
                format!("path parameter `{name}` is declared but `{{{name}}}` is not in the path; left out"),
            );
        } else {
            repair_parameter(p, &here, out);
        }
        keep.push(!untemplated);
    }
    let mut keep = keep.into_iter();
    params.retain(|_| keep.next().unwrap_or(true));
}

fn path_params(doc: &Value, params: Option<&Value>) -> BTreeSet<String> {
    params
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|p| follow(doc, p))
        .filter(|p| p.get("in").and_then(Value::as_str) == Some("path"))
        .filter_map(|p| p.get("name").and_then(Value::as_str).map(str::to_string))
        .collect()
}

fn repair_response(response: &mut Value, at: &str, out: &mut Repairs) {
    let Some(map) = response.as_object_mut() else {
        return;
    };
    if map.contains_key("$ref") {
        return;
    }
    if !map.get("description").is_some_and(Value::is_string) {
        out.broke(at, "a response has no `description`; read as an empty one");
        map.insert("description".into(), Value::String(String::new()));
    }
    if let Some(headers) = map.get_mut("headers").and_then(Value::as_object_mut) {
        for (name, header) in headers.iter_mut() {
            repair_header(header, &join(&join(at, "headers"), name), out);
        }
    }
}

/// A parameter without `schema` or `content` is read as a string; a path parameter is
/// required whatever it says.
fn repair_parameter(parameter: &mut Value, at: &str, out: &mut Repairs) {
    let Some(map) = parameter.as_object_mut() else {
        return;
    };
    if map.contains_key("$ref") {
        return;
    }
    let name = map
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("?")
        .to_string();
    if !map.contains_key("schema") && !map.contains_key("content") {
        out.broke(
            at,
            format!("parameter `{name}` has neither `schema` nor `content`; read as a string"),
        );
        map.insert("schema".into(), json!({"type": "string"}));
    }
    if map.get("in").and_then(Value::as_str) == Some("path")
        && map.get("required") != Some(&Value::Bool(true))
    {
        out.broke(
            at,
            format!("path parameter `{name}` is not `required: true`; a path parameter always is"),
        );
        map.insert("required".into(), Value::Bool(true));
    }
}

fn repair_header(header: &mut Value, at: &str, out: &mut Repairs) {
    let Some(map) = header.as_object_mut() else {
        return;
    };
    if !map.contains_key("$ref") && !map.contains_key("schema") && !map.contains_key("content") {
        out.broke(
            at,
            "a header has neither `schema` nor `content`; read as a string",
        );
        map.insert("schema".into(), json!({"type": "string"}));
    }
}

/// A security requirement naming a scheme the document does not declare: kept (the
/// operation is secured by something), noted.
fn undeclared_schemes(doc: &Value, out: &mut Repairs) {
    let schemes: BTreeSet<&str> = doc
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let mut check = |requirements: &Value, pointer: String| {
        for (i, requirement) in requirements.as_array().into_iter().flatten().enumerate() {
            for name in requirement.as_object().into_iter().flat_map(|m| m.keys()) {
                if !schemes.contains(name.as_str()) {
                    out.broke(
                        join(&pointer, &i.to_string()),
                        format!("security scheme `{name}` is not defined in `components.securitySchemes`; its credential is unknown"),
                    );
                }
            }
        }
    };
    if let Some(global) = doc.get("security") {
        check(global, "/security".into());
    }
    for (path, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for method in METHODS {
            if let Some(security) = item.get(*method).and_then(|op| op.get("security")) {
                check(
                    security,
                    join(&join(&join("/paths", path), method), "security"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(paths: Value) -> Value {
        json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": paths})
    }

    #[test]
    fn a_missing_or_empty_responses_becomes_an_undocumented_default() {
        let mut d = doc(json!({"/a": {"get": {}, "post": {"responses": {}}}}));
        let r = repair(&mut d, false);
        assert_eq!(r.broken.len(), 2, "{:?}", r.broken);
        assert_eq!(r.broken[0].pointer, "/paths/~1a/get");
        assert_eq!(r.broken[1].pointer, "/paths/~1a/post/responses");
        assert_eq!(
            d.pointer("/paths/~1a/get/responses/default/description"),
            Some(&json!("not documented"))
        );
        // What 3.1 makes optional is a note, never a broken rule.
        let mut d = doc(json!({"/a": {"get": {}}}));
        let r = repair(&mut d, true);
        assert_eq!((r.notes.len(), r.broken.len()), (1, 0));
    }

    #[test]
    fn path_parameters_are_matched_to_the_template() {
        let mut d = doc(json!({"/a/{id}": {
            "parameters": [{"name": "gone", "in": "path", "required": true, "schema": {}}],
            "get": {"parameters": [{"name": "other", "in": "path", "schema": {}},
                                    {"name": "q", "in": "query"}],
                    "responses": {"200": {}}}}}));
        let r = repair(&mut d, false);
        let messages: Vec<String> = r.broken.iter().map(ToString::to_string).collect();
        assert_eq!(r.broken.len(), 5, "{messages:#?}");
        let get = d.pointer("/paths/~1a~1{id}/get").unwrap();
        assert_eq!(
            get["parameters"],
            json!([{"name": "q", "in": "query", "schema": {"type": "string"}},
                   {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}])
        );
        assert_eq!(get["responses"]["200"]["description"], json!(""));
        assert_eq!(d.pointer("/paths/~1a~1{id}/parameters"), Some(&json!([])));
    }

    #[test]
    fn a_lower_case_status_range_is_read_upper_case() {
        let mut d = doc(json!({"/a": {"get": {"responses": {"2xx": {"description": "ok"}}}}}));
        let r = repair(&mut d, false);
        assert_eq!(r.broken.len(), 1, "{:?}", r.broken);
        assert_eq!(r.broken[0].pointer, "/paths/~1a/get/responses/2xx");
        assert!(
            d.pointer("/paths/~1a/get/responses/2XX/description")
                .is_some()
        );
    }

    #[test]
    fn a_sound_document_is_left_alone() {
        let sound = doc(json!({"/a/{id}": {"get": {
            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
            "responses": {"200": {"description": "ok", "headers": {"X": {"schema": {}}}}}}}}));
        let mut d = sound.clone();
        let r = repair(&mut d, false);
        assert!(r.notes.is_empty(), "{:?}", r.notes);
        assert_eq!(d, sound);
    }
}

//! Each operation reshaped into what progenitor takes: one request media type, one success
//! and one error type, path parameters on the operation; or left out, named.

use accord_spec::media::is_json;
use accord_spec::{METHODS, Problem, join};
use serde_json::{Map, Value, json};

use super::names::parameter_ident;

/// The JSON media types other than `application/json` used by responses, in order of appearance.
pub(super) fn json_renamed(original: &Value) -> Vec<String> {
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

pub(super) fn reshape_operation(
    op: &mut Map<String, Value>,
    components: &Value,
    pointer: &str,
    label: &str,
    notes: &mut Vec<Problem>,
) -> Result<(), String> {
    // Parameters: inline references, path parameters are always required.
    let op_has_body = op.contains_key("requestBody");
    let mut query_styles: Vec<Value> = Vec::new();
    let mut styled: Vec<Value> = Vec::new();
    let mut cookies: Vec<Value> = Vec::new();
    let mut renamed_path: Vec<Value> = Vec::new();
    if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
        // A cookie parameter goes to progenitor as a header of its name, which the client
        // generator sends as `Cookie: name=value` (`CLIENT_EXTENSION`); one described by
        // `content`, or named like a header of the operation, is left out.
        let headers: Vec<String> = params
            .iter()
            .map(|p| inline(p, components))
            .filter(|p| p.get("in").and_then(Value::as_str) == Some("header"))
            .filter_map(|p| {
                p.get("name")
                    .and_then(Value::as_str)
                    .map(str::to_ascii_lowercase)
            })
            .collect();
        params.retain_mut(|p| {
            let mut resolved = inline(p, components);
            if resolved.get("in").and_then(Value::as_str) != Some("cookie") {
                return true;
            }
            let name = resolved
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let why = if resolved.get("schema").is_none() {
                Some("it is described by `content`")
            } else if headers.contains(&name.to_ascii_lowercase()) {
                Some("a header of the operation has its name")
            } else if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)) {
                Some("its name cannot be a header's")
            } else {
                None
            };
            if let Some(why) = why {
                notes.push(Problem::new(
                    join(pointer, "parameters"),
                    format!("{label}: cookie parameter `{name}` left out: {why}; the client sends cookies from its reqwest cookie store"),
                ));
                return false;
            }
            let explode = resolved.get("explode").and_then(Value::as_bool) != Some(false);
            if let Some(map) = resolved.as_object_mut() {
                map.insert("in".into(), json!("header"));
                map.remove("style");
                map.remove("explode");
            }
            cookies.push(json!({"name": name, "explode": explode}));
            *p = resolved;
            true
        });
        for (i, p) in params.iter_mut().enumerate() {
            let mut resolved = inline(p, components);
            // A parameter described by `content` rather than `schema` goes as its value's
            // JSON text (a string as itself) where its media type is JSON or its schema a
            // scalar: the client sends it with its schema's type (`CLIENT_EXTENSION`).
            if let Some(schema) = content_schema(&resolved, components)
                && let Some(map) = resolved.as_object_mut()
            {
                map.remove("content");
                map.remove("style");
                map.remove("explode");
                map.insert("schema".into(), schema);
                let name = map.get("name").and_then(Value::as_str).unwrap_or_default();
                match map.get("in").and_then(Value::as_str) {
                    Some("query") => query_styles.push(json!({"name": name, "as": "json"})),
                    Some(place @ ("path" | "header")) => styled.push(json!({
                        "name": name,
                        "in": place,
                        "ident": parameter_ident(name),
                        "style": "json",
                        "explode": false,
                    })),
                    _ => {}
                }
                if map.get("in").and_then(Value::as_str) == Some("path") {
                    map.insert("required".into(), json!(true));
                }
                *p = resolved;
                continue;
            }
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
            // `Vec` or a struct has, and only in the `simple` style: such a parameter keeps
            // its type and the client generator writes it in its style (`a,b,c` for a simple
            // array, `.a.b` for a label one, `;id=5` for a matrix scalar; `CLIENT_EXTENSION`).
            let cookie = place == "header"
                && cookies
                    .iter()
                    .any(|c| c.get("name") == resolved.get("name"));
            if (place == "path" || place == "header") && !cookie {
                let structured = resolved.get("schema").is_some_and(|schema| {
                    let target = inline(schema, components);
                    ["oneOf", "anyOf", "allOf"]
                        .iter()
                        .any(|k| target.get(*k).is_some())
                        || target.get("properties").is_some()
                        || matches!(
                            target.get("type").and_then(Value::as_str),
                            Some("array" | "object")
                        )
                });
                let style = resolved
                    .get("style")
                    .and_then(Value::as_str)
                    .unwrap_or("simple")
                    .to_string();
                let known = match place.as_str() {
                    "path" => matches!(style.as_str(), "simple" | "label" | "matrix"),
                    _ => style == "simple",
                };
                if !known {
                    // A style the location does not have: the caller writes the text.
                    resolved["schema"] = json!({"type": "string"});
                    notes.push(Problem::new(
                        join(&join(pointer, "parameters"), &i.to_string()),
                        format!("a {place} parameter in the `{style}` style, which {place} parameters do not have: the client takes it as text, written by the caller"),
                    ));
                } else if structured || style != "simple" {
                    let explode = resolved.get("explode").and_then(Value::as_bool) == Some(true);
                    if let Some(name) = resolved.get("name").and_then(Value::as_str) {
                        styled.push(json!({
                            "name": name,
                            "in": place,
                            "ident": parameter_ident(name),
                            "style": style,
                            "explode": explode,
                        }));
                    }
                }
                if let Some(map) = resolved.as_object_mut() {
                    map.remove("style");
                    map.remove("explode");
                }
            }
            if resolved != *p {
                *p = resolved;
            }
        }
        // A path parameter whose Rust name is another input's (TfL's `Lat` beside the query's
        // `lat`) is renamed: its name is not on the wire, only its place in the template,
        // which `reshape` renames with it.
        let others: Vec<String> = params
            .iter()
            .filter(|p| p.get("in").and_then(Value::as_str) != Some("path"))
            .filter_map(|p| p.get("name").and_then(Value::as_str))
            .map(parameter_ident)
            .collect();
        for p in params.iter_mut() {
            let Some(name) = p
                .get("name")
                .and_then(Value::as_str)
                .filter(|n| others.contains(&parameter_ident(n)))
                .map(str::to_string)
            else {
                continue;
            };
            if p.get("in").and_then(Value::as_str) != Some("path") {
                continue;
            }
            let new = format!("{name}_path");
            notes.push(Problem::new(
                join(pointer, "parameters"),
                format!(
                    "{label}: path parameter `{name}` has the Rust name of another input; the client calls it `{}`",
                    parameter_ident(&new)
                ),
            ));
            p["name"] = json!(new);
            renamed_path.push(json!([name, new]));
        }
        // progenitor sends path and header parameters in the `simple` style and query ones
        // in `form` only, each with a `schema` (not `content`): any other is left out when
        // optional, and leaves the operation out when required.
        let mut unsupported: Option<String> = None;
        // A query parameter in the `deepObject` style, or in the `spaceDelimited` or
        // `pipeDelimited` one unexploded, goes to progenitor as `form`; the client generator
        // writes it as `name[key]=value`, `name=a%20b` or `name=a|b` (`CLIENT_EXTENSION`).
        for p in params.iter_mut() {
            if p.get("in").and_then(Value::as_str) != Some("query") {
                continue;
            }
            let name = p
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let Some(map) = p.as_object_mut() else {
                continue;
            };
            if map.get("schema").is_none() {
                continue;
            }
            let explode = map.get("explode").and_then(Value::as_bool) == Some(true);
            let written = match map.get("style").and_then(Value::as_str) {
                Some("deepObject") => Some("deep"),
                Some("spaceDelimited") if !explode => Some("space"),
                Some("pipeDelimited") if !explode => Some("pipe"),
                // Exploded, each item is a `name=value` pair of its own: `form`.
                Some("spaceDelimited" | "pipeDelimited") => None,
                _ => continue,
            };
            map.remove("style");
            map.remove("explode");
            if let Some(written) = written {
                query_styles.push(json!({"name": name, "as": written}));
            }
        }
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

    if !query_styles.is_empty() {
        mark(op, "query_styles", Value::Array(query_styles));
    }
    if !styled.is_empty() {
        mark(op, "styled", Value::Array(styled));
    }
    if !cookies.is_empty() {
        mark(op, "cookies", Value::Array(cookies));
    }
    if !renamed_path.is_empty() {
        mark(op, "renamed_path_params", Value::Array(renamed_path));
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
        // The media type the request really goes as, where progenitor's helper sends another:
        // the generated method is then given it (`CLIENT_EXTENSION`, see `rust_client`).
        let declared = content
            .iter()
            .find(|(_, v)| *v == &media)
            .map(|(k, _)| k.clone())
            .unwrap_or_else(|| chosen.clone());
        let essence = accord_spec::media::essence(&declared);
        if chosen == MULTIPART {
            // Sent as bytes by progenitor's helper; the method takes a typed form instead.
            let schema = media
                .get("schema")
                .map(|s| inline(s, components))
                .unwrap_or_else(|| json!({}));
            let parts = multipart_parts(&schema, components);
            mark(op, "multipart", Value::Array(parts));
            media = json!({});
            if content.len() > 1 {
                notes.push(Problem::new(
                    &here,
                    format!("{label}: the client sends the body as `multipart/form-data` only"),
                ));
            }
        } else if matches!(chosen.as_str(), "application/octet-stream" | "text/plain")
            && essence != chosen
            && !essence.contains('*')
        {
            mark(op, "media", Value::String(essence.clone()));
            if content.len() > 1 {
                notes.push(Problem::new(
                    &here,
                    format!("{label}: the client sends the body as `{essence}` only"),
                ));
            }
        } else if chosen == "application/octet-stream" && essence.contains('*') {
            // A range (`*/*`, `image/*`): the caller names the type of what it sends.
            mark(op, "content_type_param", Value::String(essence.clone()));
        } else if content.len() > 1 || !content.contains_key(&chosen) {
            notes.push(Problem::new(
                &here,
                format!("{label}: the client sends the body as `{chosen}` only"),
            ));
        }
        let chosen = if chosen == MULTIPART {
            "application/octet-stream".to_string()
        } else {
            chosen
        };
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
    // progenitor counts `default` among the errors too, also where it is the success (no 2XX).
    let errors: Vec<&(String, bool, String)> =
        shapes.iter().filter(|s| !s.1 || s.0 == "default").collect();
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

pub(super) fn is_success(code: &str, has_success: bool) -> bool {
    code.starts_with('2') || code.starts_with('1') || (code == "default" && !has_success)
}

/// A key that is equal for two responses exactly when progenitor gives them the same type.
pub(super) fn shape(response: &Value) -> String {
    match response.get("content").and_then(Value::as_object) {
        None => "none".into(),
        Some(c) if c.is_empty() => "none".into(),
        Some(c) => match c.get("application/json") {
            Some(media) => format!("json:{}", media.get("schema").unwrap_or(&Value::Null)),
            None => "raw".into(),
        },
    }
}

pub(super) fn choose_json(content: &Map<String, Value>) -> Option<(String, Value)> {
    let exact = content
        .iter()
        .find(|(k, _)| k.split(';').next().map(str::trim) == Some("application/json"));
    exact
        .or_else(|| content.iter().find(|(k, _)| is_json(k)))
        .map(|(k, v)| (k.clone(), v.clone()))
}

pub(super) fn choose_request_media(content: &Map<String, Value>) -> Option<(String, Value)> {
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
    // `application/pdf`, `application/tar`) as bytes, each with its own content type.
    // `multipart/form-data` last: a typed form the method encodes itself.
    let other = content
        .iter()
        .find(|(k, _)| !accord_spec::media::is_multipart(k));
    let Some((k, v)) = other else {
        return content
            .iter()
            .next()
            .map(|(_, v)| (MULTIPART.to_string(), v.clone()));
    };
    Some((k, v)).map(|(k, v)| {
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
}

const MULTIPART: &str = "multipart/form-data";

/// The operation extension that tells the client generator what progenitor cannot: the real
/// media type of a body sent as bytes or text (`{"media": "image/png"}`), the parts of a
/// `multipart/form-data` body (`{"multipart": [...]}`), or the method of an operation moved
/// under another (`{"method": "OPTIONS", "path": "/..."}`).
pub const CLIENT_EXTENSION: &str = "x-accord-client";

/// Adds `key` to the operation's [`CLIENT_EXTENSION`] mark.
/// The schema of a parameter described by `content` (one media type) that the client can
/// send as text: a JSON media type, or any whose schema is a scalar.
fn content_schema(p: &Value, components: &Value) -> Option<Value> {
    if p.get("schema").is_some() {
        return None;
    }
    let content = p.get("content").and_then(Value::as_object)?;
    let (media, described) = content.iter().next().filter(|_| content.len() == 1)?;
    let schema = described.get("schema")?;
    let target = inline(schema, components);
    let scalar = matches!(
        target.get("type").and_then(Value::as_str),
        Some("string" | "integer" | "number" | "boolean")
    );
    (is_json(media) || scalar).then(|| schema.clone())
}

pub(super) fn mark(op: &mut Map<String, Value>, key: &str, value: Value) {
    let entry = op
        .entry(CLIENT_EXTENSION.to_string())
        .or_insert_with(|| json!({}));
    if let Some(m) = entry.as_object_mut() {
        m.insert(key.into(), value);
    }
}

/// The parts of a multipart body's object schema: each property's name, kind (`file`,
/// `text`, `integer`, `number`, `boolean`, `json`) and whether it is required.
fn multipart_parts(schema: &Value, components: &Value) -> Vec<Value> {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    properties
        .iter()
        .map(|(name, prop)| {
            let prop = inline(prop, components);
            let ty = prop.get("type").and_then(Value::as_str).unwrap_or("");
            let format = prop.get("format").and_then(Value::as_str).unwrap_or("");
            let kind = match (ty, format) {
                ("string", "binary" | "byte") => "file",
                // An array of files: several parts of one name.
                ("array", _)
                    if prop
                        .pointer("/items/format")
                        .and_then(Value::as_str)
                        .is_some_and(|f| f == "binary") =>
                {
                    "files"
                }
                ("string", _) => "text",
                ("integer", _) => "integer",
                ("number", _) => "number",
                ("boolean", _) => "boolean",
                // No type: a file part is the likelier, as a form field's `{}` says nothing.
                ("", _) if prop.as_object().is_none_or(|m| m.is_empty()) => "file",
                _ => "json",
            };
            json!({
                "name": name,
                "kind": kind,
                "required": required.contains(&name.as_str()),
            })
        })
        .collect()
}

/// Resolves a `#/components/...` reference to a copy of its target (chains followed).
pub(super) fn inline(value: &Value, components: &Value) -> Value {
    accord_spec::pointer::follow_under(components, "/components", value)
        .0
        .clone()
}

/// Parameters declared on a path item belong to each of its operations (an operation's own
/// parameter of the same name and location wins): moved there, so each operation's inputs
/// are seen, and checked, in one list.
pub(super) fn path_parameters_into_operations(doc: &mut Value) {
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

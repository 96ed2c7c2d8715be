//! Swagger 2.0 read as OpenAPI 3.0.3: the spec of many Go, Java and Python backends (go-swagger,
//! swaggo, Springfox, drf-yasg) is 2.0, and the tools beside accord (Schemathesis among them)
//! read it. The rewrite is the one the 3.0 specification describes: `definitions`,
//! `parameters`, `responses` and `securityDefinitions` move under `components`; a body or form
//! parameter becomes the `requestBody`, in each media type of `consumes`; a response's `schema`
//! goes in each media type of `produces`; `host`, `basePath` and `schemes` become `servers`.
//! What 3.0 cannot say is named in a note.

use serde_json::{Map, Value, json};

use crate::error::{Problem, join, unescape_token};

/// What is known of the whole document while one operation is rewritten.
struct Globals {
    consumes: Vec<String>,
    produces: Vec<String>,
    /// The document's `parameters`, as written (a `$ref` to a body or form parameter is
    /// rewritten into the request body, so it needs the parameter itself).
    parameters: Map<String, Value>,
}

/// Rewrites a Swagger 2.0 document in place as OpenAPI 3.0.3 and returns what it changed.
pub fn swagger_20_to_30(doc: &mut Value) -> Vec<Problem> {
    let mut notes = vec![Problem::new(
        "/swagger",
        "converted Swagger 2.0 to OpenAPI 3.0.3",
    )];
    let Some(root) = doc.as_object_mut() else {
        return notes;
    };
    root.remove("swagger");
    let media = |root: &Map<String, Value>, key: &str| media_types(root, key).unwrap_or_default();
    let globals = Globals {
        consumes: media(root, "consumes"),
        produces: media(root, "produces"),
        parameters: root
            .get("parameters")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default(),
    };
    let mut out = Map::new();
    out.insert("openapi".into(), json!("3.0.3"));
    if let Some(servers) = servers(root) {
        out.insert("servers".into(), servers);
    }
    let mut components = Map::new();
    if let Some(Value::Object(definitions)) = root.remove("definitions") {
        components.insert("schemas".into(), Value::Object(definitions));
    }
    // A document-wide body parameter is a request body of components'; a form one has no
    // place there (it is merged into each operation's form).
    let mut parameters = Map::new();
    let mut request_bodies = Map::new();
    for (name, parameter) in &globals.parameters {
        let pointer = join("/parameters", name);
        match parameter.get("in").and_then(Value::as_str) {
            Some("body") => {
                let body = body_request(parameter, &globals.consumes);
                request_bodies.insert(name.clone(), body);
            }
            Some("formData") => {}
            _ => {
                parameters.insert(
                    name.clone(),
                    convert_parameter(parameter, &pointer, &mut notes),
                );
            }
        }
    }
    if !parameters.is_empty() {
        components.insert("parameters".into(), Value::Object(parameters));
    }
    if !request_bodies.is_empty() {
        components.insert("requestBodies".into(), Value::Object(request_bodies));
    }
    root.remove("parameters");
    if let Some(Value::Object(responses)) = root.remove("responses") {
        let responses = responses
            .into_iter()
            .map(|(name, r)| (name, convert_response(r, &globals.produces)))
            .collect();
        components.insert("responses".into(), Value::Object(responses));
    }
    if let Some(Value::Object(schemes)) = root.remove("securityDefinitions") {
        let schemes = schemes
            .into_iter()
            .map(|(name, s)| {
                let pointer = join("/securityDefinitions", &name);
                (name, security_scheme(s, &pointer, &mut notes))
            })
            .collect();
        components.insert("securitySchemes".into(), Value::Object(schemes));
    }
    if let Some(Value::Object(paths)) = root.remove("paths") {
        let mut converted = Map::new();
        for (path, item) in paths {
            let pointer = join("/paths", &path);
            converted.insert(
                path,
                convert_path_item(item, &pointer, &globals, &mut notes),
            );
        }
        out.insert("paths".into(), Value::Object(converted));
    } else {
        out.insert("paths".into(), json!({}));
    }
    if !components.is_empty() {
        out.insert("components".into(), Value::Object(components));
    }
    for key in ["host", "basePath", "schemes", "consumes", "produces"] {
        root.remove(key);
    }
    // What is left (`info`, `tags`, `security`, `externalDocs`, extensions) is the same.
    for (key, value) in std::mem::take(root) {
        out.entry(key).or_insert(value);
    }
    *doc = Value::Object(out);
    convert_model(doc);
    notes
}

/// The media types listed at `key` (`consumes`, `produces`) of `object`, if it lists them.
fn media_types(object: &Map<String, Value>, key: &str) -> Option<Vec<String>> {
    object.get(key).and_then(Value::as_array).map(|a| {
        a.iter()
            .filter_map(Value::as_str)
            .map(String::from)
            .collect()
    })
}

/// `servers` from `host`, `basePath` and `schemes`: without a host, the base path relative to
/// where the document is served.
fn servers(root: &Map<String, Value>) -> Option<Value> {
    let base = root
        .get("basePath")
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim_end_matches('/');
    let Some(host) = root.get("host").and_then(Value::as_str) else {
        return (!base.is_empty()).then(|| json!([{ "url": base }]));
    };
    let schemes: Vec<&str> = root
        .get("schemes")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .filter(|s: &Vec<&str>| !s.is_empty())
        .unwrap_or_else(|| vec!["https"]);
    Some(Value::Array(
        schemes
            .into_iter()
            .map(|scheme| json!({ "url": format!("{scheme}://{host}{base}") }))
            .collect(),
    ))
}

fn convert_path_item(
    item: Value,
    pointer: &str,
    globals: &Globals,
    notes: &mut Vec<Problem>,
) -> Value {
    let Value::Object(mut item) = item else {
        return item;
    };
    // Path-level body and form parameters belong to each operation's request body.
    let shared: Vec<Value> = item
        .remove("parameters")
        .and_then(|p| p.as_array().cloned())
        .unwrap_or_default();
    let (shared_plain, shared_payload): (Vec<Value>, Vec<Value>) =
        shared.into_iter().partition(|p| !is_payload(p, globals));
    let mut out = Map::new();
    if !shared_plain.is_empty() {
        let at = join(pointer, "parameters");
        out.insert(
            "parameters".into(),
            Value::Array(
                shared_plain
                    .iter()
                    .map(|p| convert_parameter(p, &at, notes))
                    .collect(),
            ),
        );
    }
    for (key, value) in item {
        let method = matches!(
            key.as_str(),
            "get" | "put" | "post" | "delete" | "options" | "head" | "patch"
        );
        if method && let Value::Object(op) = value {
            let at = join(pointer, &key);
            out.insert(
                key,
                convert_operation(op, &shared_payload, &at, globals, notes),
            );
        } else {
            out.insert(key, value);
        }
    }
    Value::Object(out)
}

/// Whether `parameter` (written, or a `$ref` to the document's) is a body or form parameter.
fn is_payload(parameter: &Value, globals: &Globals) -> bool {
    let resolved = resolve_parameter(parameter, globals);
    matches!(
        resolved.get("in").and_then(Value::as_str),
        Some("body" | "formData")
    )
}

/// `parameter` itself, or the document's parameter its `$ref` names.
fn resolve_parameter<'a>(parameter: &'a Value, globals: &'a Globals) -> &'a Value {
    parameter
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/parameters/"))
        .and_then(|name| globals.parameters.get(&unescape_token(name)))
        .unwrap_or(parameter)
}

fn convert_operation(
    mut op: Map<String, Value>,
    shared_payload: &[Value],
    pointer: &str,
    globals: &Globals,
    notes: &mut Vec<Problem>,
) -> Value {
    let list = |op: &Map<String, Value>, key: &str, global: &[String]| -> Vec<String> {
        media_types(op, key).unwrap_or_else(|| global.to_vec())
    };
    let consumes = list(&op, "consumes", &globals.consumes);
    let produces = list(&op, "produces", &globals.produces);
    op.remove("consumes");
    op.remove("produces");
    let own: Vec<Value> = op
        .remove("parameters")
        .and_then(|p| p.as_array().cloned())
        .unwrap_or_default();
    let at = join(pointer, "parameters");
    let mut parameters = Vec::new();
    let mut body = None;
    let mut form: Vec<Value> = Vec::new();
    // An operation's own parameter overrides the path's of the same name and place; the
    // path's payload comes first so that the operation's replaces it.
    for parameter in shared_payload.iter().chain(own.iter()) {
        let resolved = resolve_parameter(parameter, globals);
        match resolved.get("in").and_then(Value::as_str) {
            Some("body") => {
                body = Some(match parameter.get("$ref").and_then(Value::as_str) {
                    Some(r) => json!({
                        "$ref": r.replace("#/parameters/", "#/components/requestBodies/")
                    }),
                    None => body_request(parameter, &consumes),
                });
            }
            Some("formData") => {
                let name = resolved.get("name").cloned();
                form.retain(|p| p.get("name") != name.as_ref());
                form.push(resolved.clone());
            }
            _ => parameters.push(convert_parameter(parameter, &at, notes)),
        }
    }
    let mut out = Map::new();
    for (key, value) in op {
        match key.as_str() {
            "responses" => {
                let responses = match value {
                    Value::Object(rs) => Value::Object(
                        rs.into_iter()
                            .map(|(code, r)| (code, convert_response(r, &produces)))
                            .collect(),
                    ),
                    other => other,
                };
                out.insert(key, responses);
            }
            _ => {
                out.insert(key, value);
            }
        }
    }
    if !parameters.is_empty() {
        out.insert("parameters".into(), Value::Array(parameters));
    }
    if let Some(body) = body {
        out.insert("requestBody".into(), body);
    } else if !form.is_empty() {
        out.insert("requestBody".into(), form_request(&form, &consumes));
    }
    Value::Object(out)
}

/// `schema` in each of the media `types` (JSON where none is named), with the example
/// `example(type)` gives for it.
fn content<'a>(
    schema: &Value,
    types: &[String],
    example: impl Fn(&str) -> Option<&'a Value>,
) -> Map<String, Value> {
    let json = ["application/json".to_string()];
    let types = if types.is_empty() { &json[..] } else { types };
    types
        .iter()
        .map(|t| {
            let mut media = json!({ "schema": schema.clone() });
            if let Some(example) = example(t) {
                media["example"] = example.clone();
            }
            (t.clone(), media)
        })
        .collect()
}

/// A body parameter as a request body, in each media type the operation consumes.
fn body_request(parameter: &Value, consumes: &[String]) -> Value {
    let schema = parameter
        .get("schema")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let content = content(&schema, consumes, |_| parameter.get("x-example"));
    let mut out = json!({ "content": content });
    if let Some(d) = parameter.get("description") {
        out["description"] = d.clone();
    }
    if parameter.get("required").and_then(Value::as_bool) == Some(true) {
        out["required"] = json!(true);
    }
    out
}

/// Form parameters as one request body: multipart where a file is sent or the operation
/// consumes only multipart, a URL-encoded form otherwise.
fn form_request(form: &[Value], consumes: &[String]) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    let mut file = false;
    for parameter in form {
        let Some(name) = parameter.get("name").and_then(Value::as_str) else {
            continue;
        };
        file |= parameter.get("type").and_then(Value::as_str) == Some("file");
        properties.insert(name.to_string(), parameter_schema(parameter));
        if parameter.get("required").and_then(Value::as_bool) == Some(true) {
            required.push(json!(name));
        }
    }
    let mut schema = json!({ "type": "object", "properties": properties });
    if !required.is_empty() {
        schema["required"] = Value::Array(required.clone());
    }
    let multipart = "multipart/form-data";
    let urlencoded = "application/x-www-form-urlencoded";
    let mut types: Vec<&str> = consumes
        .iter()
        .map(String::as_str)
        .filter(|t| *t == multipart || *t == urlencoded)
        .collect();
    if file {
        types = vec![multipart];
    } else if types.is_empty() {
        types = vec![urlencoded];
    }
    let content: Map<String, Value> = types
        .into_iter()
        .map(|t| (t.to_string(), json!({ "schema": schema.clone() })))
        .collect();
    let mut out = json!({ "content": content });
    if !required.is_empty() {
        out["required"] = json!(true);
    }
    out
}

/// The keywords a 2.0 parameter or header shares with a schema.
const SCHEMA_KEYWORDS: &[&str] = &[
    "type",
    "format",
    "items",
    "default",
    "enum",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
    "multipleOf",
    "x-nullable",
];

/// The schema of a non-body parameter, a header or an `items` of theirs.
fn parameter_schema(parameter: &Value) -> Value {
    let mut schema = Map::new();
    for key in SCHEMA_KEYWORDS {
        if let Some(v) = parameter.get(*key) {
            let v = if *key == "items" {
                parameter_schema(v)
            } else {
                v.clone()
            };
            schema.insert((*key).to_string(), v);
        }
    }
    Value::Object(schema)
}

fn convert_parameter(parameter: &Value, pointer: &str, notes: &mut Vec<Problem>) -> Value {
    if let Some(r) = parameter.get("$ref") {
        return json!({ "$ref": r });
    }
    let mut out = Map::new();
    for key in ["name", "in", "description", "required", "allowEmptyValue"] {
        if let Some(v) = parameter.get(key) {
            out.insert(key.into(), v.clone());
        }
    }
    if parameter.get("in").and_then(Value::as_str) == Some("path") {
        out.insert("required".into(), json!(true));
    }
    let extensions = parameter.as_object().into_iter().flatten();
    for (key, value) in extensions.filter(|(k, _)| k.starts_with("x-")) {
        if key == "x-example" {
            out.insert("example".into(), value.clone());
        } else if key != "x-nullable" {
            out.insert(key.clone(), value.clone());
        }
    }
    out.insert("schema".into(), parameter_schema(parameter));
    let place = parameter.get("in").and_then(Value::as_str).unwrap_or("");
    let array = parameter.get("type").and_then(Value::as_str) == Some("array");
    if array {
        let format = parameter
            .get("collectionFormat")
            .and_then(Value::as_str)
            .unwrap_or("csv");
        let (style, explode) = match (format, place) {
            ("multi", _) => ("form", true),
            ("ssv", _) => ("spaceDelimited", false),
            ("pipes", _) => ("pipeDelimited", false),
            ("csv", "query" | "cookie") => ("form", false),
            ("csv", _) => ("simple", false),
            (other, _) => {
                notes.push(Problem::new(
                    join(pointer, parameter.get("name").and_then(Value::as_str).unwrap_or("")),
                    format!(
                        "collectionFormat `{other}` has no OpenAPI 3.0 style; read as comma-separated"
                    ),
                ));
                (if place == "query" { "form" } else { "simple" }, false)
            }
        };
        out.insert("style".into(), json!(style));
        out.insert("explode".into(), json!(explode));
    }
    Value::Object(out)
}

fn convert_response(response: Value, produces: &[String]) -> Value {
    let Value::Object(mut response) = response else {
        return response;
    };
    if response.contains_key("$ref") {
        return Value::Object(response);
    }
    let mut out = Map::new();
    out.insert(
        "description".into(),
        response.remove("description").unwrap_or_else(|| json!("")),
    );
    let examples = response.remove("examples");
    if let Some(schema) = response.remove("schema") {
        let content = content(&schema, produces, |t| examples.as_ref()?.get(t));
        out.insert("content".into(), Value::Object(content));
    }
    if let Some(Value::Object(headers)) = response.remove("headers") {
        let headers = headers
            .into_iter()
            .map(|(name, h)| {
                let mut header = json!({ "schema": parameter_schema(&h) });
                if let Some(d) = h.get("description") {
                    header["description"] = d.clone();
                }
                (name, header)
            })
            .collect();
        out.insert("headers".into(), Value::Object(headers));
    }
    for (key, value) in response {
        out.entry(key).or_insert(value);
    }
    Value::Object(out)
}

fn security_scheme(scheme: Value, pointer: &str, notes: &mut Vec<Problem>) -> Value {
    let Value::Object(mut scheme) = scheme else {
        return scheme;
    };
    let description = scheme.remove("description");
    let mut out = match scheme.get("type").and_then(Value::as_str) {
        Some("basic") => json!({ "type": "http", "scheme": "basic" }),
        Some("apiKey") => json!({
            "type": "apiKey",
            "name": scheme.get("name").cloned().unwrap_or(json!("")),
            "in": scheme.get("in").cloned().unwrap_or(json!("header")),
        }),
        Some("oauth2") => {
            let flow = match scheme.get("flow").and_then(Value::as_str) {
                Some("implicit") => "implicit",
                Some("password") => "password",
                Some("application") => "clientCredentials",
                _ => "authorizationCode",
            };
            let mut f = Map::new();
            for key in ["authorizationUrl", "tokenUrl"] {
                if let Some(v) = scheme.get(key) {
                    f.insert(key.into(), v.clone());
                }
            }
            f.insert(
                "scopes".into(),
                scheme.get("scopes").cloned().unwrap_or_else(|| json!({})),
            );
            json!({ "type": "oauth2", "flows": { flow: f } })
        }
        other => {
            notes.push(Problem::new(
                pointer,
                format!(
                    "security scheme type {other:?} is not one of Swagger 2.0's; kept as written"
                ),
            ));
            return Value::Object(scheme);
        }
    };
    if let Some(d) = description {
        out["description"] = d;
    }
    for (key, value) in scheme.into_iter().filter(|(k, _)| k.starts_with("x-")) {
        out[key] = value;
    }
    out
}

/// What 2.0 says of a schema (and a `$ref`) as 3.0 says it, on every object of the model:
/// `x-nullable` is `nullable`, a file is binary text, a discriminator names its property in
/// an object, and a `$ref` to a 2.0 place goes to its 3.0 one.
fn convert_model(doc: &mut Value) {
    crate::validate::walk_model_mut(doc, "", &mut |map, _, names| {
        if names {
            return;
        }
        if let Some(Value::String(r)) = map.get_mut("$ref") {
            for (from, to) in [
                ("#/definitions/", "#/components/schemas/"),
                ("#/parameters/", "#/components/parameters/"),
                ("#/responses/", "#/components/responses/"),
            ] {
                if let Some(rest) = r.strip_prefix(from) {
                    *r = format!("{to}{rest}");
                }
            }
        }
        if let Some(n) = map.remove("x-nullable") {
            map.insert("nullable".into(), n);
        }
        if map.get("type").and_then(Value::as_str) == Some("file") {
            map.insert("type".into(), json!("string"));
            map.insert("format".into(), json!("binary"));
        }
        if let Some(Value::String(property)) = map.get("discriminator").cloned() {
            map.insert("discriminator".into(), json!({ "propertyName": property }));
        }
    });
}

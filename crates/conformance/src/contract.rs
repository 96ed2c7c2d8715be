//! Every exchange the harness makes is checked against the spec: the status documented, the
//! content type declared, the body valid against the schema (3.0 and 3.1 documents alike,
//! both normalized by `accord-spec`). A violation names the operation, the status and the
//! JSON pointer.

use std::fmt;

use accord_spec::Spec;
use accord_validate::{Direction, Validator};
use serde_json::Value;

struct Operation {
    id: String,
    method: String,
    segments: Vec<Option<String>>,
    pointer: String,
}

/// The spec as the harness uses it.
pub struct Contract {
    pub spec: Spec,
    operations: Vec<Operation>,
}

/// A response that breaks the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub operation: String,
    pub status: u16,
    /// JSON pointer into the response body (`""` for the body itself, or the status/header).
    pub pointer: String,
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pointer.is_empty() {
            write!(f, "{} {}: {}", self.operation, self.status, self.message)
        } else {
            write!(
                f,
                "{} {} at {}: {}",
                self.operation, self.status, self.pointer, self.message
            )
        }
    }
}

use accord_spec::media::{admits_json, essence, is_json};

/// RFC 6902's media type.
const JSON_PATCH: &str = "application/json-patch+json";

/// Whether the operation `op` of `doc` takes a JSON Patch (RFC 6902) as its JSON body: it
/// declares `application/json-patch+json`, or its JSON body is a list of objects with an
/// `op` and a `path` (ASP.NET's `Operation[]`). The run writes such a body as the object it
/// means, and sends it as the patch that makes it ([`json_patch_of`]).
pub fn takes_json_patch(doc: &Value, op: &Value) -> bool {
    let Some(content) = op
        .get("requestBody")
        .map(|b| accord_spec::follow_ref(doc, b))
        .and_then(|b| b.get("content"))
        .and_then(Value::as_object)
    else {
        return false;
    };
    content
        .iter()
        .filter(|(m, _)| is_json(m))
        .any(|(m, media)| {
            essence(m) == JSON_PATCH
                || media
                    .get("schema")
                    .map(|s| accord_spec::follow_ref(doc, s))
                    .filter(|s| s.get("type").and_then(Value::as_str) == Some("array"))
                    .and_then(|s| s.get("items"))
                    .map(|i| accord_spec::follow_ref(doc, i))
                    .and_then(|i| i.get("properties"))
                    .is_some_and(|p| p.get("op").is_some() && p.get("path").is_some())
        })
}

/// The JSON Patch that makes the members of `object` what it says: one `replace` per member,
/// as a frontend's form sends the fields it edits. Anything but an object is sent as it is.
pub fn json_patch_of(object: Value) -> Value {
    match object {
        Value::Object(members) => Value::Array(
            members
                .into_iter()
                .map(|(k, v)| {
                    serde_json::json!({
                        "op": "replace",
                        "path": format!("/{}", accord_spec::escape_token(&k)),
                        "value": v,
                    })
                })
                .collect(),
        ),
        other => other,
    }
}

impl Contract {
    pub fn new(spec: Spec) -> Contract {
        let mut operations = Vec::new();
        for o in accord_spec::json_operations(spec.document.get("paths")) {
            let id =
                o.op.get("operationId")
                    .and_then(Value::as_str)
                    .unwrap_or(o.path)
                    .to_string();
            let segments = o
                .path
                .trim_start_matches('/')
                .split('/')
                .map(|s| {
                    if s.starts_with('{') && s.ends_with('}') {
                        None
                    } else {
                        Some(s.to_string())
                    }
                })
                .collect();
            operations.push(Operation {
                id,
                method: o.method.to_uppercase(),
                segments,
                pointer: o.pointer("/paths"),
            });
        }
        // Literal segments win over parameters, as routers match.
        operations.sort_by_key(|o| o.segments.iter().filter(|s| s.is_none()).count());
        Contract { spec, operations }
    }

    /// The operationId serving `method path`, if the spec has one.
    pub fn operation_id(&self, method: &str, path: &str) -> Option<&str> {
        self.find(method, path).map(|o| o.id.as_str())
    }

    fn find(&self, method: &str, path: &str) -> Option<&Operation> {
        let path = path.split('?').next().unwrap_or("");
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        self.operations.iter().find(|o| {
            o.method.eq_ignore_ascii_case(method)
                && o.segments.len() == parts.len()
                && o.segments.iter().zip(&parts).all(|(s, p)| match s {
                    Some(literal) => literal == p,
                    None => !p.is_empty(),
                })
        })
    }

    /// The JSON media type the operation serving `method path` declares for its request body,
    /// where it is not `application/json` (JSON:API's `application/vnd.api+json`, a merge
    /// patch's `application/merge-patch+json`): a JSON body goes in it, as the backend's
    /// own client sends it (a JSON:API server answers 415 to anything else). `None` where the
    /// operation declares `application/json` beside it, or no JSON body.
    pub fn json_request_media(&self, method: &str, path: &str) -> Option<String> {
        let o = self.find(method, path)?;
        let op = self.spec.document.pointer(&o.pointer)?;
        let body = accord_spec::follow_ref(&self.spec.document, op.get("requestBody")?);
        let content = body.get("content")?.as_object()?;
        let json: Vec<&String> = content.keys().filter(|m| is_json(m)).collect();
        // A JSON Patch goes as one, where the operation also declares plain JSON beside it
        // (ASP.NET's `JsonPatchDocument` lists `application/json-patch+json` first).
        if let Some(patch) = json.iter().find(|m| essence(m) == JSON_PATCH) {
            return Some(essence(patch));
        }
        if json.iter().any(|m| essence(m) == "application/json") {
            return None;
        }
        json.first().map(|m| essence(m))
    }

    /// Whether the operation serving `method path` declares the header parameter `name`
    /// (its own or its path's, by any case), and if so whether it requires it: `If-Match`,
    /// where the backend guards its writes with the `ETag` it answered.
    pub fn header_parameter(&self, method: &str, path: &str, name: &str) -> Option<bool> {
        self.parameter(method, path, "header", name)
    }

    /// Whether the operation serving `method path` declares the parameter `name` in
    /// `location` (`header` by any case, else by its exact name), and if so whether it
    /// requires it.
    pub fn parameter(&self, method: &str, path: &str, location: &str, name: &str) -> Option<bool> {
        let o = self.find(method, path)?;
        let doc = &self.spec.document;
        let item = doc.pointer(&o.pointer[..o.pointer.rfind('/')?]);
        [doc.pointer(&o.pointer), item]
            .into_iter()
            .flatten()
            .filter_map(|at| at.get("parameters").and_then(Value::as_array))
            .flatten()
            .map(|p| accord_spec::follow_ref(doc, p))
            .find(|p| {
                p.get("in").and_then(Value::as_str) == Some(location)
                    && p.get("name").and_then(Value::as_str).is_some_and(|n| {
                        n == name || (location == "header" && n.eq_ignore_ascii_case(name))
                    })
            })
            .map(|p| p.get("required") == Some(&Value::Bool(true)))
    }

    /// The JSON media type the operation serving `method path` answers its success in (its
    /// 2xx responses' first, `default`'s where it has none), for the `Accept` a frontend
    /// sends: a backend that negotiates (Jersey, Spring with an XML converter) answers XML
    /// to `*/*` where it can.
    pub fn json_response_media(&self, method: &str, path: &str) -> Option<String> {
        let o = self.find(method, path)?;
        let doc = &self.spec.document;
        let op = doc.pointer(&o.pointer)?;
        let responses = op.get("responses")?.as_object()?;
        let success = responses
            .iter()
            .filter(|(status, _)| status.starts_with('2'))
            .chain(responses.iter().filter(|(status, _)| *status == "default"));
        for (_, response) in success {
            let content = accord_spec::follow_ref(doc, response)
                .get("content")
                .and_then(Value::as_object);
            if let Some(media) = content
                .into_iter()
                .flatten()
                .map(|(m, _)| m)
                .find(|m| is_json(m))
            {
                return Some(essence(media));
            }
        }
        None
    }

    /// The operation JSON by operationId.
    pub fn operation(&self, id: &str) -> Option<(&str, &str, &Value)> {
        accord_spec::json_operations(self.spec.document.get("paths"))
            .into_iter()
            .find(|o| o.op.get("operationId").and_then(Value::as_str) == Some(id))
            .map(|o| (o.path, o.method, o.op))
    }

    /// Whether the operation `id` declares a JSON body schema for `status` (by its code, its
    /// range or `default`): the spec then says what that answer's body is. An error status
    /// that only a `default` covers, where that `default` is the operation's one word on
    /// success (NestJS's Swagger module writes the success schema as `default`), is not
    /// declared so: that the error breaks it is one spec finding, and the error is judged by
    /// the profile's envelope.
    pub fn declares_json_body(&self, id: &str, status: u16) -> bool {
        let Some((_, _, op)) = self.operation(id) else {
            return false;
        };
        let doc = &self.spec.document;
        let Some(found) = accord_spec::response_for(op, status) else {
            return false;
        };
        if status >= 400
            && accord_spec::default_is_success(op)
            && op
                .pointer("/responses/default")
                .is_some_and(|d| std::ptr::eq(d, found))
        {
            return false;
        }
        let response = accord_spec::follow_ref(doc, found);
        response
            .get("content")
            .and_then(Value::as_object)
            .is_some_and(|c| {
                c.iter()
                    .any(|(media, m)| admits_json(media) && m.get("schema").is_some())
            })
    }

    /// The violations of one exchange (none when the spec has no such operation: calls to
    /// unknown routes are made on purpose).
    pub fn check(
        &self,
        method: &str,
        path: &str,
        status: u16,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Vec<Violation> {
        let Some(op) = self.find(method, path) else {
            return Vec::new();
        };
        let violation = |pointer: &str, message: String| Violation {
            operation: op.id.clone(),
            status,
            pointer: pointer.into(),
            message,
        };
        let doc = &self.spec.document;
        let Some(operation) = doc.pointer(&op.pointer) else {
            return Vec::new();
        };
        let Some(responses) = operation.get("responses") else {
            return Vec::new();
        };
        let Some(response) = accord_spec::response_for(operation, status) else {
            let documented: Vec<&String> = responses
                .as_object()
                .map(|m| m.keys().collect())
                .unwrap_or_default();
            let undocumented = violation(
                "",
                format!(
                    "status {status} is not documented (documented: {})",
                    documented
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            // A success the spec documents under another 2xx (a 201 where it says 200): the
            // frontend's client reads it as that one, so its body is held to that one's.
            let other = documented
                .iter()
                .filter_map(|s| s.parse::<u16>().ok())
                .find(|s| (200..300).contains(s) && *s != 204);
            return match other.filter(|_| (200..300).contains(&status) && status != 204) {
                Some(other) => std::iter::once(undocumented)
                    .chain(
                        self.check(method, path, other, content_type, body)
                            .into_iter()
                            .map(|mut v| {
                                v.status = status;
                                v.message =
                                    format!("{} (read as its documented {other})", v.message);
                                v
                            }),
                    )
                    .collect(),
                None => vec![undocumented],
            };
        };
        let response = accord_spec::follow_ref(doc, response);
        let content = response.get("content").and_then(Value::as_object);
        let empty = body.iter().all(u8::is_ascii_whitespace);
        let Some(content) = content.filter(|c| !c.is_empty()) else {
            // An error's text where the spec documents no body (Go's `http.Error`, a
            // framework's default page) is what a client reads as the error's words at
            // most, whatever the spec says: no finding. A JSON body there is structure no
            // generated type holds, one finding per media type, not per size.
            let json = content_type.is_some_and(is_json);
            return if empty || method.eq_ignore_ascii_case("HEAD") || (status >= 400 && !json) {
                Vec::new()
            } else {
                vec![violation(
                    "",
                    format!(
                        "a body ({}) is sent where the spec documents none",
                        content_type
                            .map(essence)
                            .as_deref()
                            .unwrap_or("no Content-Type")
                    ),
                )]
            };
        };
        if method.eq_ignore_ascii_case("HEAD") || status == 204 || status == 304 {
            return Vec::new();
        }
        let Some(content_type) = content_type else {
            return vec![violation(
                "",
                format!(
                    "no Content-Type; the spec declares {}",
                    content.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            )];
        };
        let received = essence(content_type);
        let media = content.iter().find(|(declared, _)| {
            let declared = essence(declared);
            declared == received
                || declared == "*/*"
                || declared
                    .strip_suffix("/*")
                    .is_some_and(|kind| received.split('/').next() == Some(kind))
        });
        let Some((declared, media)) = media else {
            return vec![violation(
                "",
                format!(
                    "Content-Type `{received}` is not declared (declared: {})",
                    content.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            )];
        };
        // A range (springdoc's `*/*`) describes the JSON answered in it by its schema.
        let described = is_json(declared) || (admits_json(declared) && is_json(&received));
        if !described {
            return Vec::new();
        }
        let value: Value = match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(e) => return vec![violation("", format!("the body is not JSON ({e})"))],
        };
        let Some(schema) = media.get("schema") else {
            return Vec::new();
        };
        Validator::new(doc, Direction::Response)
            .validate(schema, &value)
            .into_iter()
            .map(|v| violation(&v.pointer, v.message))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::Contract;

    fn contract() -> Contract {
        let spec = accord_spec::Spec::parse(
            r#"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {
                "/tasks/{id}": {"get": {"operationId": "get_task",
                    "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
                    "responses": {"200": {"description": "ok"}, "404": {"description": "not found"}}}}}}"#,
            "t.json",
        )
        .unwrap();
        Contract::new(spec)
    }

    /// An error's text where the spec documents no body is no finding; a JSON body there
    /// is one, named by its media type (never its size, which would split one cause into
    /// many findings).
    #[test]
    fn a_body_where_the_spec_documents_none() {
        let c = contract();
        let text = Some("text/plain; charset=utf-8");
        assert!(
            c.check("GET", "/tasks/1", 404, text, b"not found\n")
                .is_empty()
        );
        let json = c.check(
            "GET",
            "/tasks/1",
            404,
            Some("application/json"),
            b"{\"error\":\"x\"}",
        );
        assert_eq!(json.len(), 1);
        assert_eq!(
            json[0].message,
            "a body (application/json) is sent where the spec documents none"
        );
        let ok = c.check("GET", "/tasks/1", 200, text, b"hello");
        assert_eq!(
            ok[0].message,
            "a body (text/plain) is sent where the spec documents none"
        );
        assert!(c.check("GET", "/tasks/1", 200, None, b"").is_empty());
    }

    /// springdoc declares every answer of a controller naming no `produces` as `*/*`: the
    /// JSON answered in it is held to its schema (a string id where the spec says integer),
    /// and text answered in it is not read as JSON.
    #[test]
    fn json_answered_in_a_range_is_held_to_its_schema() {
        let spec = accord_spec::Spec::parse(
            r#"{"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, "paths": {
                "/todo": {"get": {"operationId": "getAll", "responses": {"200": {
                    "description": "OK", "content": {"*/*": {"schema": {"type": "array",
                    "items": {"type": "object", "properties": {"id": {"type": "integer"}}}}}}}}}}}}"#,
            "t.json",
        )
        .unwrap();
        let c = Contract::new(spec);
        let json = Some("application/json");
        let wrong = c.check("GET", "/todo", 200, json, br#"[{"id": "7"}]"#);
        assert_eq!(wrong.len(), 1, "{wrong:?}");
        assert_eq!(wrong[0].pointer, "/0/id");
        assert!(
            c.check("GET", "/todo", 200, json, br#"[{"id": 7}]"#)
                .is_empty()
        );
        assert!(
            c.check("GET", "/todo", 200, Some("text/plain"), b"[oops")
                .is_empty()
        );
    }
}

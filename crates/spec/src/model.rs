//! Read access to the normalized model: operations in document order and `$ref` resolution.

use openapiv3::{
    Header, OpenAPI, Operation, Parameter, PathItem, ReferenceOr, RequestBody, Response, Schema,
    SecurityScheme,
};

use crate::Spec;
use crate::error::join;

/// The method keys of a path item, lowercase, in the specification's order; the one list every
/// crate walks (`Method::ALL` is the same as an enum).
pub const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// One operation of a document's JSON view: where it is, and its object.
#[derive(Debug, Clone, Copy)]
pub struct JsonOperation<'v> {
    /// The path template (or webhook name) it sits under.
    pub path: &'v str,
    /// Its method, lowercase.
    pub method: &'static str,
    /// The path item holding it (shared `parameters` are there).
    pub item: &'v serde_json::Value,
    /// The operation object.
    pub op: &'v serde_json::Value,
}

impl JsonOperation<'_> {
    /// Its JSON pointer under `root` (`/paths`, `/x-webhooks`).
    pub fn pointer(&self, root: &str) -> String {
        join(&join(root, self.path), self.method)
    }
}

/// The operations of a map of path items (a document's `paths`, its `x-webhooks`), in the
/// map's order and then the methods' order: the one walk every crate makes over the JSON
/// view.
pub fn json_operations(path_items: Option<&serde_json::Value>) -> Vec<JsonOperation<'_>> {
    let mut out = Vec::new();
    for (path, item) in path_items
        .and_then(serde_json::Value::as_object)
        .into_iter()
        .flatten()
    {
        for method in METHODS {
            if let Some(op) = item.get(*method) {
                out.push(JsonOperation {
                    path,
                    method,
                    item,
                    op,
                });
            }
        }
    }
    out
}

/// The response an operation documents for `status`: by its code, else its range (`4XX`),
/// else `default` (unresolved: follow a `$ref` with [`crate::follow_ref`]).
pub fn response_for(op: &serde_json::Value, status: u16) -> Option<&serde_json::Value> {
    let responses = op.get("responses")?;
    responses
        .get(status.to_string())
        .or_else(|| responses.get(format!("{}XX", status / 100)))
        .or_else(|| responses.get(format!("{}xx", status / 100)))
        .or_else(|| responses.get("default"))
}

/// The responses an operation documents for success, with their keys, in the spec's order:
/// its 2xx ones (by code or `2XX`); where it documents none, its `default`, which then says
/// what every answer is (NestJS's Swagger module writes only `default` for an operation
/// without a status of its own), the success among them.
pub fn success_responses(op: &serde_json::Value) -> Vec<(&str, &serde_json::Value)> {
    let Some(responses) = op.get("responses").and_then(serde_json::Value::as_object) else {
        return Vec::new();
    };
    let ok: Vec<(&str, &serde_json::Value)> = responses
        .iter()
        .filter(|(code, _)| code.starts_with('2'))
        .map(|(code, r)| (code.as_str(), r))
        .collect();
    if !ok.is_empty() {
        return ok;
    }
    responses
        .get("default")
        .map(|r| vec![("default", r)])
        .unwrap_or_default()
}

/// Whether an operation's `default` response is its only word on success (it documents no
/// 2xx): that `default` is then no error answer.
pub fn default_is_success(op: &serde_json::Value) -> bool {
    success_responses(op)
        .first()
        .is_some_and(|(code, _)| *code == "default")
}

/// Calls `f(path, method, operation)` for each operation of a map of path items, in the
/// map's order and then the methods' order, with the operation to change: the walk of the
/// passes that rewrite the document, as [`json_operations`] is the walk of those that read.
pub fn json_operations_mut(
    path_items: Option<&mut serde_json::Value>,
    mut f: impl FnMut(&str, &'static str, &mut serde_json::Map<String, serde_json::Value>),
) {
    for (path, item) in path_items
        .and_then(serde_json::Value::as_object_mut)
        .into_iter()
        .flatten()
    {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for method in METHODS {
            if let Some(op) = item
                .get_mut(*method)
                .and_then(serde_json::Value::as_object_mut)
            {
                f(path, method, op);
            }
        }
    }
}

/// An HTTP method of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Method {
    Get,
    Put,
    Post,
    Delete,
    Options,
    Head,
    Patch,
    Trace,
}

impl Method {
    pub const ALL: [Method; 8] = [
        Method::Get,
        Method::Put,
        Method::Post,
        Method::Delete,
        Method::Options,
        Method::Head,
        Method::Patch,
        Method::Trace,
    ];

    /// The lowercase name, as a key of a path item.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Put => "put",
            Method::Post => "post",
            Method::Delete => "delete",
            Method::Options => "options",
            Method::Head => "head",
            Method::Patch => "patch",
            Method::Trace => "trace",
        }
    }

    /// The uppercase name, as on the wire.
    pub fn upper(self) -> String {
        self.as_str().to_ascii_uppercase()
    }

    fn of(self, item: &PathItem) -> Option<&Operation> {
        match self {
            Method::Get => item.get.as_ref(),
            Method::Put => item.put.as_ref(),
            Method::Post => item.post.as_ref(),
            Method::Delete => item.delete.as_ref(),
            Method::Options => item.options.as_ref(),
            Method::Head => item.head.as_ref(),
            Method::Patch => item.patch.as_ref(),
            Method::Trace => item.trace.as_ref(),
        }
    }
}

/// One operation of the document, with where it stands.
#[derive(Debug, Clone, Copy)]
pub struct OperationRef<'a> {
    pub path: &'a str,
    pub method: Method,
    pub item: &'a PathItem,
    pub operation: &'a Operation,
}

impl<'a> OperationRef<'a> {
    /// The operationId (validation guarantees there is one).
    pub fn id(&self) -> &'a str {
        self.operation.operation_id.as_deref().unwrap_or_default()
    }

    /// The JSON pointer of the operation in the document.
    pub fn pointer(&self) -> String {
        join(&join("/paths", self.path), self.method.as_str())
    }

    /// `GET /path`, for messages.
    pub fn label(&self) -> String {
        format!("{} {}", self.method.upper(), self.path)
    }

    /// Path-level and operation-level parameters, resolved; the operation's win on a clash.
    pub fn parameters(&self, api: &'a OpenAPI) -> Vec<&'a Parameter> {
        let resolved = |list: &'a [ReferenceOr<Parameter>]| {
            list.iter()
                .filter_map(|p| api.resolve(p))
                .collect::<Vec<_>>()
        };
        let own = resolved(&self.operation.parameters);
        let mut out: Vec<&Parameter> = resolved(&self.item.parameters)
            .into_iter()
            .filter(|shared| !own.iter().any(|p| same_parameter(p, shared)))
            .collect();
        out.extend(own);
        out
    }
}

fn same_parameter(a: &Parameter, b: &Parameter) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
        && a.parameter_data_ref().name == b.parameter_data_ref().name
}

impl Spec {
    /// Every operation, in document order.
    pub fn operations(&self) -> Vec<OperationRef<'_>> {
        let mut out = Vec::new();
        for (path, item) in self.openapi.paths.paths.iter() {
            let ReferenceOr::Item(item) = item else {
                continue;
            };
            for method in Method::ALL {
                if let Some(operation) = method.of(item) {
                    out.push(OperationRef {
                        path,
                        method,
                        item,
                        operation,
                    });
                }
            }
        }
        out
    }
}

/// Resolution of `#/components/<section>/<name>` references, following chains.
pub trait Resolve<T> {
    fn resolve<'a>(&'a self, r: &'a ReferenceOr<T>) -> Option<&'a T>;
}

macro_rules! resolve_section {
    ($ty:ty, $section:literal, $field:ident) => {
        impl Resolve<$ty> for OpenAPI {
            fn resolve<'a>(&'a self, r: &'a ReferenceOr<$ty>) -> Option<&'a $ty> {
                let mut current = r;
                for _ in 0..crate::pointer::REF_DEPTH {
                    match current {
                        ReferenceOr::Item(item) => return Some(item),
                        ReferenceOr::Reference { reference } => {
                            let pointer = crate::pointer::local(reference)?;
                            let name =
                                pointer.strip_prefix(concat!("/components/", $section, "/"))?;
                            let name = crate::pointer::unescape(name);
                            current = self.components.as_ref()?.$field.get(&name)?;
                        }
                    }
                }
                None
            }
        }
    };
}

resolve_section!(Schema, "schemas", schemas);
resolve_section!(Parameter, "parameters", parameters);
resolve_section!(Response, "responses", responses);
resolve_section!(RequestBody, "requestBodies", request_bodies);
resolve_section!(Header, "headers", headers);
resolve_section!(SecurityScheme, "securitySchemes", security_schemes);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_default_alone_is_the_success_and_beside_a_2xx_an_error() {
        let only_default = json!({"responses": {"default": {"description": "any"}}});
        assert_eq!(
            success_responses(&only_default)
                .iter()
                .map(|(c, _)| *c)
                .collect::<Vec<_>>(),
            ["default"]
        );
        assert!(default_is_success(&only_default));
        let both = json!({"responses": {"default": {"description": "error"},
            "201": {"description": "made"}, "2XX": {"description": "other"}}});
        assert_eq!(
            success_responses(&both)
                .iter()
                .map(|(c, _)| *c)
                .collect::<Vec<_>>(),
            ["201", "2XX"]
        );
        assert!(!default_is_success(&both));
        assert!(success_responses(&json!({"responses": {"404": {}}})).is_empty());
    }

    #[test]
    fn a_status_s_response_is_its_code_then_its_range_then_default() {
        let op = json!({"responses": {"404": {"description": "code"}, "4XX": {"description": "range"},
            "default": {"description": "default"}}});
        let described = |s| response_for(&op, s).map(|r| r["description"].clone());
        assert_eq!(described(404), Some(json!("code")));
        assert_eq!(described(409), Some(json!("range")));
        assert_eq!(described(500), Some(json!("default")));
        assert_eq!(response_for(&json!({"responses": {"200": {}}}), 500), None);
    }
}

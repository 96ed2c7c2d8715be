//! The request context a handler receives: method, path, headers, the matched route and
//! what the layers recorded about it.

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::{Extensions, HeaderMap, Method, Uri};

use crate::{Error, FieldError, Location};

/// The request an operation serves, without its body.
#[derive(Debug)]
pub struct Context {
    /// The operationId being served; empty for routes the spec does not have.
    pub operation_id: &'static str,
    /// The spec's path template of the operation (`/items/{item_id}`); empty when unrouted.
    pub route: &'static str,
    pub method: Method,
    pub uri: Uri,
    pub headers: HeaderMap,
    /// Whatever middleware put there (a request id, a tracing span...).
    pub extensions: Extensions,
}

impl Context {
    /// Splits a request into its context, its body and its decoded path parameters.
    pub async fn split(
        operation_id: &'static str,
        route: &'static str,
        request: crate::Request,
    ) -> (
        Context,
        axum::body::Body,
        Result<Vec<(String, String)>, Error>,
    ) {
        let (mut parts, body) = request.into_parts();
        let params = match RawPathParams::from_request_parts(&mut parts, &()).await {
            Ok(raw) => Ok(raw
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()),
            Err(rejection) => Err(Error::Validation {
                errors: vec![FieldError::new(
                    Location::Path,
                    "",
                    rejection.body_text(),
                    "format",
                )],
            }),
        };
        let context = Context {
            operation_id,
            route,
            method: parts.method,
            uri: parts.uri,
            headers: parts.headers,
            extensions: parts.extensions,
        };
        (context, body, params)
    }

    /// A context for a request no operation serves (unknown route, wrong method).
    pub fn unrouted(request: crate::Request) -> Context {
        let (parts, _) = request.into_parts();
        Context {
            operation_id: "",
            route: "",
            method: parts.method,
            uri: parts.uri,
            headers: parts.headers,
            extensions: parts.extensions,
        }
    }

    /// A header's value, when present and visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Every value of the cookie `name`, in the order the `Cookie` headers give them.
    pub fn cookies(&self, name: &str) -> Vec<String> {
        self.headers
            .get_all(axum::http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .filter(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
            .collect()
    }

    /// A value middleware stored in the request's extensions.
    pub fn extension<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.extensions.get::<T>()
    }
}

/// Put in every response's extensions by the generated router: which operation answered,
/// for logs and metrics in middleware. Absent for unknown routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Served {
    pub operation_id: &'static str,
    /// The spec's path template (`/items/{item_id}`), never the concrete path.
    pub route: &'static str,
}

impl Context {
    /// Marks `response` as served by this context's operation (see [`Served`]).
    pub fn mark(&self, mut response: crate::Response) -> crate::Response {
        if !self.operation_id.is_empty() {
            response.extensions_mut().insert(Served {
                operation_id: self.operation_id,
                route: self.route,
            });
        }
        response
    }
}

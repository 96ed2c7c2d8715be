//! A handler's answer: its documented status, headers and body, built into a response.

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use serde::Serialize;
use serde_json::Value;

use crate::{Error, Response};

/// What an operation's response enum turns into: the documented status, its headers and body.
pub trait IntoReply {
    /// `Err` only when a value cannot be encoded (a header with a line break, a status outside
    /// the documented range); the router then answers with the implementation's 500.
    fn into_reply(self) -> Result<Response, Error>;
}

/// Builds one response.
#[derive(Debug)]
pub struct Reply {
    status: StatusCode,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl Reply {
    /// A documented status code.
    pub fn status(code: u16) -> Result<Self, Error> {
        let status = StatusCode::from_u16(code).map_err(|_| Error::Internal {
            message: format!("{code} is not an HTTP status"),
        })?;
        Ok(Reply {
            status,
            headers: Vec::new(),
        })
    }

    /// A status of a documented range (`4XX` is class 4), or of `default` (class `None`).
    pub fn status_in(status: StatusCode, class: Option<u16>) -> Result<Self, Error> {
        match class {
            Some(class) if status.as_u16() / 100 != class => Err(Error::Internal {
                message: format!("status {status} is outside the documented {class}XX"),
            }),
            _ => Ok(Reply {
                status,
                headers: Vec::new(),
            }),
        }
    }

    /// A typed header: strings as they are, numbers and booleans as text, anything else as JSON.
    pub fn header<T: Serialize>(mut self, name: &'static str, value: &T) -> Result<Self, Error> {
        // `Set-Cookie` is the one header that is never folded (RFC 6265 §3): one per cookie.
        if name.eq_ignore_ascii_case("set-cookie")
            && let Ok(Value::Array(cookies)) = serde_json::to_value(value)
        {
            for cookie in cookies {
                self = self.header(name, &cookie)?;
            }
            return Ok(self);
        }
        let text = match serde_json::to_value(value) {
            Ok(Value::String(s)) => s,
            Ok(Value::Array(items)) => items
                .iter()
                .map(|i| match i {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(","),
            Ok(other) => other.to_string(),
            Err(e) => {
                return Err(Error::Internal {
                    message: format!("header {name}: {e}"),
                });
            }
        };
        let value = HeaderValue::from_str(&text).map_err(|_| Error::Internal {
            message: format!("header {name} has characters a header cannot carry"),
        })?;
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| Error::Internal {
            message: format!("{name} is not a header name"),
        })?;
        self.headers.push((name, value));
        Ok(self)
    }

    /// An optional typed header, left out when `None`.
    pub fn optional_header<T: Serialize>(
        self,
        name: &'static str,
        value: &Option<T>,
    ) -> Result<Self, Error> {
        match value {
            Some(v) => self.header(name, v),
            None => Ok(self),
        }
    }

    fn finish(self, content_type: Option<&str>, body: Body) -> Result<Response, Error> {
        let mut response = Response::new(body);
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        if let Some(content_type) = content_type {
            let value = HeaderValue::from_str(content_type).map_err(|_| Error::Internal {
                message: format!("{content_type} is not a media type"),
            })?;
            headers.insert(header::CONTENT_TYPE, value);
        }
        for (name, value) in self.headers {
            headers.append(name, value);
        }
        Ok(response)
    }

    /// A JSON body of the documented media type.
    pub fn json<T: Serialize>(self, media_type: &str, body: &T) -> Result<Response, Error> {
        let bytes = serde_json::to_vec(body).map_err(|e| Error::Internal {
            message: format!("the response body does not serialize: {e}"),
        })?;
        self.finish(Some(media_type), Body::from(bytes))
    }

    /// A text body.
    pub fn text(self, media_type: &str, body: String) -> Result<Response, Error> {
        self.finish(Some(media_type), Body::from(body))
    }

    /// A binary body.
    pub fn bytes(self, media_type: &str, body: Vec<u8>) -> Result<Response, Error> {
        self.finish(Some(media_type), Body::from(body))
    }

    /// No body.
    pub fn empty(self) -> Result<Response, Error> {
        self.finish(None, Body::empty())
    }
}

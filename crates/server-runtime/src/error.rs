//! The runtime's errors, where a failing input was, and how each becomes the contract's error
//! response.

use std::fmt;

use axum::http::{HeaderValue, StatusCode, header};

/// Where a failing input was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    Path,
    Query,
    Header,
    Cookie,
    Body,
}

impl Location {
    pub fn as_str(self) -> &'static str {
        match self {
            Location::Path => "path",
            Location::Query => "query",
            Location::Header => "header",
            Location::Cookie => "cookie",
            Location::Body => "body",
        }
    }
}

/// One input that failed its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub location: Location,
    /// For a body, the JSON pointer of the value (`/email`, `""` for the body itself);
    /// for a parameter, its name.
    pub name: String,
    pub message: String,
    /// The schema keyword that failed (`required`, `maxLength`, `format`, `type`...).
    pub keyword: &'static str,
}

impl FieldError {
    pub fn new(
        location: Location,
        name: &str,
        message: impl Into<String>,
        keyword: &'static str,
    ) -> Self {
        FieldError {
            location,
            name: name.to_string(),
            message: message.into(),
            keyword,
        }
    }

    /// How the field is named to a client: a body's JSON pointer (`/email`, `/` for the body
    /// itself), or a parameter as `query.limit`, `path.item_id`, `header.x-api-version`.
    pub fn field(&self) -> String {
        match self.location {
            Location::Body if self.name.is_empty() => "/".to_string(),
            Location::Body => self.name.clone(),
            other => format!("{}.{}", other.as_str(), self.name),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.field(), self.message)
    }
}

/// Why a credential was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthFailure {
    /// No credential of any accepted scheme was sent.
    Missing,
    /// A credential was sent and refused; the reason is for logs, never echoes the credential.
    Rejected(String),
}

/// Every failure the framework produces before or after an operation's handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// 400: the body is not parsable as its content type says.
    MalformedBody { message: String },
    /// 401: no credential, or a refused one. `challenge` is the `WWW-Authenticate` value.
    Unauthorized {
        failure: AuthFailure,
        challenge: Option<String>,
    },
    /// 404: no route matches the path.
    NotFound,
    /// 405: the path exists, not with this method. `allow` lists the path's methods.
    MethodNotAllowed { allow: &'static str },
    /// 413: the body is larger than the configured limit.
    PayloadTooLarge { limit: usize },
    /// 415: the body's content type is not one the operation accepts.
    UnsupportedMediaType {
        received: Option<String>,
        accepted: &'static [&'static str],
    },
    /// 422: parameters or body failed their schema.
    Validation { errors: Vec<FieldError> },
    /// 500: the handler's reply could not be encoded (the message is for logs only).
    Internal { message: String },
}

impl Error {
    /// A failure of the implementation (a query, a call to another service): a 500 whose
    /// `message` is logged by the renderer, never shown to the client. For `?`:
    /// `db.query(...).await.map_err(rt::Error::internal)?`.
    pub fn internal(cause: impl fmt::Display) -> Error {
        Error::Internal {
            message: cause.to_string(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Error::MalformedBody { .. } => StatusCode::BAD_REQUEST,
            Error::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Error::NotFound => StatusCode::NOT_FOUND,
            Error::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Error::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Error::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Error::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Error::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A stable machine-readable code: `malformed_body`, `unauthorized`, `not_found`,
    /// `method_not_allowed`, `payload_too_large`, `unsupported_media_type`,
    /// `validation_failed`, `internal_error`.
    pub fn code(&self) -> &'static str {
        match self {
            Error::MalformedBody { .. } => "malformed_body",
            Error::Unauthorized { .. } => "unauthorized",
            Error::NotFound => "not_found",
            Error::MethodNotAllowed { .. } => "method_not_allowed",
            Error::PayloadTooLarge { .. } => "payload_too_large",
            Error::UnsupportedMediaType { .. } => "unsupported_media_type",
            Error::Validation { .. } => "validation_failed",
            Error::Internal { .. } => "internal_error",
        }
    }

    /// A short human title (the status's reason phrase).
    pub fn title(&self) -> &'static str {
        self.status().canonical_reason().unwrap_or("Error")
    }

    /// A sentence safe to show a client: it never contains credentials or internal causes.
    pub fn detail(&self) -> String {
        match self {
            Error::MalformedBody { message } => format!("The request body is malformed: {message}"),
            Error::Unauthorized {
                failure: AuthFailure::Missing,
                ..
            } => "Credentials are required".to_string(),
            Error::Unauthorized {
                failure: AuthFailure::Rejected(_),
                ..
            } => "The credentials are invalid or expired".to_string(),
            Error::NotFound => "No resource matches this path".to_string(),
            Error::MethodNotAllowed { allow } => format!("This path allows {allow}"),
            Error::PayloadTooLarge { limit } => {
                format!("The request body is larger than {limit} bytes")
            }
            Error::UnsupportedMediaType { received, accepted } => format!(
                "The body must be {}; got {}",
                accepted.join(" or "),
                received.as_deref().unwrap_or("no Content-Type")
            ),
            Error::Validation { errors } => match errors.as_slice() {
                [one] => format!("{one}"),
                many => format!("{} fields are invalid", many.len()),
            },
            Error::Internal { .. } => "The server could not complete the request".to_string(),
        }
    }

    /// The failing fields of a 422 (empty otherwise).
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            Error::Validation { errors } => errors,
            _ => &[],
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Internal { message } => write!(f, "{}: {message}", self.status()),
            Error::Unauthorized {
                failure: AuthFailure::Rejected(why),
                ..
            } => {
                write!(f, "{}: {why}", self.status())
            }
            _ => write!(f, "{}: {}", self.status(), self.detail()),
        }
    }
}

impl std::error::Error for Error {}

/// Makes an implementation's rendering of `error` honour HTTP whatever the renderer did: the
/// error's status, `Allow` on a 405 and the challenge on a 401 when the renderer set none.
pub fn finish(error: &Error, mut response: crate::Response) -> crate::Response {
    *response.status_mut() = error.status();
    let headers = response.headers_mut();
    match error {
        Error::MethodNotAllowed { allow } if !headers.contains_key(header::ALLOW) => {
            headers.insert(header::ALLOW, HeaderValue::from_static(allow));
        }
        Error::Unauthorized {
            challenge: Some(challenge),
            ..
        } if !headers.contains_key(header::WWW_AUTHENTICATE) => {
            if let Ok(value) = HeaderValue::from_str(challenge) {
                headers.insert(header::WWW_AUTHENTICATE, value);
            }
        }
        _ => {}
    }
    response
}

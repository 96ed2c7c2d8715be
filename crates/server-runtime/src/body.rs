//! Reading a request body within its size limit, as JSON or raw bytes by its content type.

use bytes::Bytes;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde_json::Value;

use accord_validate::media::is_json;

use crate::{Context, Error};

/// A request body, decoded as far as its media type allows.
#[derive(Debug, Clone)]
pub enum Payload {
    /// `application/json` and `+json` media types.
    Json(Value),
    /// `application/x-www-form-urlencoded`: its pairs, in order.
    Form(Vec<(String, String)>),
    /// Anything else (`multipart/form-data`, `application/octet-stream`, `text/plain`...).
    Raw(RawBody),
}

/// A body handed to the handler as it came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawBody {
    /// The full `Content-Type` header (with its parameters, such as a multipart boundary).
    pub content_type: String,
    pub bytes: Bytes,
}

/// Reads a request body of at most `limit` bytes whose media type is one of `accepted`
/// (media ranges such as `image/*` allowed). `Ok(None)` when the body is empty.
///
/// 413 when it is too large (by `Content-Length` or by what arrives), 415 when its media type
/// is missing or not accepted, 400 when JSON does not parse.
pub async fn read_body(
    ctx: &Context,
    body: axum::body::Body,
    limit: usize,
    accepted: &'static [&'static str],
) -> Result<Option<Payload>, Error> {
    let declared = ctx
        .header("content-length")
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(Error::PayloadTooLarge { limit });
    }
    let bytes = match Limited::new(body, limit).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => {
            return Err(Error::PayloadTooLarge { limit });
        }
        Err(_) => {
            return Err(Error::MalformedBody {
                message: "the body could not be read to its end".to_string(),
            });
        }
    };
    let content_type = ctx.header("content-type").map(str::to_string);
    if bytes.is_empty() {
        return Ok(None);
    }
    let Some(content_type) = content_type else {
        return Err(Error::UnsupportedMediaType {
            received: None,
            accepted,
        });
    };
    let essence = essence(&content_type);
    let Some(matched) = accepted.iter().find(|a| matches(a, &essence)) else {
        return Err(Error::UnsupportedMediaType {
            received: Some(essence),
            accepted,
        });
    };
    if is_json(matched) || is_json(&essence) && matched.contains('*') {
        return serde_json::from_slice(&bytes)
            .map(|v| Some(Payload::Json(v)))
            .map_err(|e| Error::MalformedBody {
                message: format!(
                    "invalid JSON at line {} column {}: {}",
                    e.line(),
                    e.column(),
                    describe(&e)
                ),
            });
    }
    if essence == "application/x-www-form-urlencoded" {
        let pairs = form_urlencoded::parse(&bytes)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        return Ok(Some(Payload::Form(pairs)));
    }
    Ok(Some(Payload::Raw(RawBody {
        content_type,
        bytes,
    })))
}

fn describe(e: &serde_json::Error) -> &'static str {
    use serde_json::error::Category;
    match e.classify() {
        Category::Eof => "the document ends early",
        Category::Syntax => "unexpected character",
        Category::Data => "unexpected value",
        Category::Io => "unreadable",
    }
}

/// The media type without parameters, lowercased: `application/json`.
pub(crate) fn essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

fn matches(accepted: &str, essence: &str) -> bool {
    let accepted = accepted.to_ascii_lowercase();
    match accepted.strip_suffix("/*") {
        Some("*") => true,
        Some(kind) => essence.split('/').next() == Some(kind),
        None => accepted == essence,
    }
}

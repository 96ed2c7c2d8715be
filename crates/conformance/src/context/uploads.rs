//! Presigned uploads: the presign request, the upload itself, and the stored status.

use serde_json::Value;

use super::{Ctx, CtxError, Presign, as_text};
use crate::http::{Body, Exchange, Request};

impl Ctx {
    pub fn presign_request(
        &self,
        token: Option<&str>,
        file_name: &str,
        content_type: &str,
        size: u64,
    ) -> Request {
        let Some(uploads) = &self.profile.uploads else {
            return Request::new("GET", "/");
        };
        let Ok(op) = self.op(uploads.operation.get_ref()) else {
            return Request::new("GET", "/");
        };
        let vars = |name: &str| match name {
            "file_name" => Some(file_name.to_string()),
            "content_type" => Some(content_type.to_string()),
            "size_bytes" => Some(size.to_string()),
            _ => None,
        };
        let body = crate::profile::fill(&uploads.body, &vars)
            .map(Body::Json)
            .unwrap_or(Body::None);
        Request::new(&op.method, op.path.clone())
            .bearer(token)
            .body(body)
    }

    pub async fn presign(
        &self,
        token: &str,
        file_name: &str,
        content_type: &str,
        size: u64,
    ) -> (Result<Presign, CtxError>, Exchange) {
        let request = self.presign_request(Some(token), file_name, content_type, size);
        let exchange = match self.http.send(request).await {
            Ok(e) => e,
            Err(e) => {
                return (
                    Err(CtxError::Transport(format!("presign: {e}"))),
                    Exchange::none(),
                );
            }
        };
        let Some(uploads) = &self.profile.uploads else {
            return (Err("no [uploads]".into()), exchange);
        };
        if !(200..300).contains(&exchange.status) {
            return (
                Err(CtxError::Setup(format!(
                    "presigning answered {}",
                    exchange.status
                ))),
                exchange,
            );
        }
        let Some(body) = exchange.json() else {
            return (Err("the presign answer is not JSON".into()), exchange);
        };
        let text = |p: &str| body.pointer(p).and_then(Value::as_str).map(String::from);
        let fields: Vec<(String, String)> = match body.pointer(&uploads.fields) {
            Some(Value::Object(m)) => m.iter().map(|(k, v)| (k.clone(), as_text(v))).collect(),
            _ => {
                return (
                    Err(CtxError::Setup(format!("no fields at {}", uploads.fields))),
                    exchange,
                );
            }
        };
        let Some(url) = text(&uploads.url) else {
            return (
                Err(CtxError::Setup(format!("no url at {}", uploads.url))),
                exchange,
            );
        };
        let presign = Presign {
            id: body
                .pointer(&uploads.id)
                .map(|v| {
                    v.as_str()
                        .map(String::from)
                        .unwrap_or_else(|| v.to_string())
                })
                .unwrap_or_default(),
            url,
            key: text(&uploads.key)
                .or_else(|| {
                    fields
                        .iter()
                        .find(|(k, _)| k == "key")
                        .map(|(_, v)| v.clone())
                })
                .unwrap_or_default(),
            fields,
            max_size: Some(size),
        };
        (Ok(presign), exchange)
    }

    /// Whether the backend reports the upload stored, when the profile names how to ask.
    pub async fn upload_status(&self, token: &str, id: &str) -> Option<(bool, Exchange)> {
        let uploads = self.profile.uploads.as_ref()?;
        let op = self.op(uploads.status_operation.as_ref()?.get_ref()).ok()?;
        let path = op
            .path
            .split('/')
            .map(|s| {
                if s.starts_with('{') {
                    id.to_string()
                } else {
                    s.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let e = self
            .http
            .send(Request::new(&op.method, path).bearer(Some(token)))
            .await
            .ok()?;
        let (pointer, value) = uploads
            .stored
            .clone()
            .unwrap_or(("/status".into(), "stored".into()));
        let stored = e
            .json()
            .and_then(|b| b.pointer(&pointer).cloned())
            .is_some_and(|v| v.as_str() == Some(value.as_str()) || v == value);
        Some((stored, e))
    }
}

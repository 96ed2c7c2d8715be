//! The harness's HTTP: one pooled client, a timeout per request, a cap on response size, no
//! redirects followed. Every exchange is checked against the spec and can describe itself
//! for a report with its secrets redacted.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use crate::contract::{Contract, Violation};

/// Responses larger than this are a failure, not a hang or an allocation without end.
pub const MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;

pub struct Http {
    client: reqwest::Client,
    pub base: String,
    contract: Arc<Contract>,
    stats: Mutex<BTreeMap<String, u32>>,
    requests: std::sync::atomic::AtomicU64,
}

#[derive(Debug, Clone)]
pub enum Body {
    None,
    Json(Value),
    Form(Vec<(String, String)>),
    Raw {
        content_type: Option<String>,
        bytes: Vec<u8>,
    },
    Multipart {
        fields: Vec<(String, String)>,
        file_content_type: String,
        file: Vec<u8>,
    },
}

#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// A path on the backend (`/api/v1/items`) or an absolute URL (a storage endpoint).
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Body,
}

impl Request {
    pub fn new(method: &str, target: impl Into<String>) -> Request {
        Request {
            method: method.to_uppercase(),
            target: target.into(),
            headers: Vec::new(),
            body: Body::None,
        }
    }
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Request {
        self.headers.push((name.to_ascii_lowercase(), value.into()));
        self
    }
    pub fn bearer(self, token: Option<&str>) -> Request {
        match token {
            Some(t) => self.header("authorization", format!("Bearer {t}")),
            None => self,
        }
    }
    pub fn body(mut self, body: Body) -> Request {
        self.body = body;
        self
    }
}

#[derive(Debug, Clone)]
pub struct Exchange {
    pub method: String,
    pub url: String,
    pub request_headers: Vec<(String, String)>,
    pub request_body: String,
    pub status: u16,
    pub response_headers: Vec<(String, String)>,
    pub response_body: Vec<u8>,
    pub operation: Option<String>,
    pub violations: Vec<Violation>,
}

impl Exchange {
    /// No exchange: what a failure carries when the request could not be sent.
    pub fn none() -> Exchange {
        Exchange {
            method: String::new(),
            url: String::new(),
            request_headers: vec![],
            request_body: String::new(),
            status: 0,
            response_headers: vec![],
            response_body: vec![],
            operation: None,
            violations: vec![],
        }
    }

    /// This exchange with every occurrence of `secret` replaced, for secrets the generic
    /// redaction cannot know (an API key in a field named `key`).
    pub fn without(&self, secret: &str) -> Exchange {
        if secret.is_empty() {
            return self.clone();
        }
        let scrub = |s: &str| s.replace(secret, "<redacted>");
        let mut e = self.clone();
        e.url = scrub(&e.url);
        e.request_body = scrub(&e.request_body);
        for (_, v) in e
            .request_headers
            .iter_mut()
            .chain(e.response_headers.iter_mut())
        {
            *v = scrub(v);
        }
        e.response_body = scrub(&String::from_utf8_lossy(&e.response_body)).into_bytes();
        e
    }

    /// Whether `secret` appears anywhere in the answer (headers or body).
    pub fn echoes(&self, secret: &str) -> bool {
        !secret.is_empty()
            && (self
                .response_headers
                .iter()
                .any(|(_, v)| v.contains(secret))
                || String::from_utf8_lossy(&self.response_body).contains(secret))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.response_headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn headers(&self, name: &str) -> Vec<&str> {
        self.response_headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.response_body).ok()
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.response_body).into_owned()
    }

    /// The exchange for a report: request line, headers and bodies, secrets redacted.
    pub fn describe(&self) -> String {
        let mut out = format!("  > {} {}\n", self.method, redact_url(&self.url));
        for (k, v) in &self.request_headers {
            out.push_str(&format!("  > {k}: {}\n", redact_header(k, v)));
        }
        if !self.request_body.is_empty() {
            out.push_str(&format!(
                "  > {}\n",
                truncate(&redact_text(&self.request_body), 600)
            ));
        }
        out.push_str(&format!("  < {}\n", self.status));
        for (k, v) in &self.response_headers {
            out.push_str(&format!("  < {k}: {}\n", redact_header(k, v)));
        }
        let body = self.text();
        if !body.is_empty() {
            out.push_str(&format!("  < {}\n", truncate(&redact_text(&body), 800)));
        }
        out
    }
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!(
            "{}... ({} bytes)",
            s.chars().take(n).collect::<String>(),
            s.len()
        )
    }
}

const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "cookie",
    "set-cookie",
    "proxy-authorization",
    "x-api-key",
];
const SECRET_WORDS: &[&str] = &[
    "token",
    "password",
    "secret",
    "signature",
    "policy",
    "credential",
    "authorization",
    "api-key",
    "api_key",
    "apikey",
];

/// Whether a header, field or parameter of this name holds a secret.
pub fn is_secret_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    SECRET_WORDS.iter().any(|w| name.contains(w))
}

pub fn redact_header(name: &str, value: &str) -> String {
    if SECRET_HEADERS.contains(&name.to_ascii_lowercase().as_str()) || is_secret_name(name) {
        match value.split_once(' ') {
            Some((scheme, _)) if name.eq_ignore_ascii_case("authorization") => {
                format!("{scheme} <redacted>")
            }
            _ => "<redacted>".into(),
        }
    } else {
        value.to_string()
    }
}

pub fn redact_url(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_string();
    };
    let parts: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if is_secret_name(k) => format!("{k}=<redacted>"),
            _ => pair.to_string(),
        })
        .collect();
    format!("{base}?{}", parts.join("&"))
}

/// Redacts secret-looking members of JSON text, and JWT-shaped strings anywhere.
pub fn redact_text(text: &str) -> String {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(map) => {
                for (k, child) in map.iter_mut() {
                    if is_secret_name(k) && !child.is_null() {
                        *child = Value::String("<redacted>".into());
                    } else {
                        walk(child);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            Value::String(s) if looks_like_jwt(s) => *s = "<redacted>".into(),
            _ => {}
        }
    }
    match serde_json::from_str::<Value>(text) {
        Ok(mut v) => {
            walk(&mut v);
            v.to_string()
        }
        Err(_) => text
            .split(|c: char| c.is_whitespace() || c == '&' || c == '"')
            .fold(text.to_string(), |acc, word| {
                let secret = looks_like_jwt(word)
                    || word
                        .split_once('=')
                        .is_some_and(|(k, v)| is_secret_name(k) && !v.is_empty());
                if secret && !word.is_empty() {
                    acc.replace(word, "<redacted>")
                } else {
                    acc
                }
            }),
    }
}

fn looks_like_jwt(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 3 && parts[0].starts_with("eyJ") && parts[1].len() > 4
}

impl Http {
    pub fn new(base: &str, contract: Arc<Contract>, timeout: Duration) -> anyhow::Result<Http> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(16)
            .build()?;
        Ok(Http {
            client,
            base: base.trim_end_matches('/').to_string(),
            contract,
            stats: Mutex::new(BTreeMap::new()),
            requests: Default::default(),
        })
    }

    pub fn contract(&self) -> &Contract {
        &self.contract
    }

    /// Operations exercised, with how many calls each.
    pub fn operations(&self) -> BTreeMap<String, u32> {
        self.stats.lock().map(|s| s.clone()).unwrap_or_default()
    }

    pub fn request_count(&self) -> u64 {
        self.requests.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Sends as a well-mannered client: a 429 or 503 with `Retry-After` (at most 30 s) is
    /// waited out and the request sent again, up to three times.
    pub async fn send_politely(&self, request: Request) -> Result<Exchange, String> {
        let mut attempt = 0;
        loop {
            let e = self.send(request.clone()).await?;
            match retry_after_secs(&e).filter(|s| *s <= 30) {
                Some(secs) if matches!(e.status, 429 | 503) && attempt < 3 => {
                    attempt += 1;
                    tokio::time::sleep(std::time::Duration::from_secs(secs.max(1))).await;
                }
                _ => return Ok(e),
            }
        }
    }

    /// Sends `request`; a transport failure (timeout, reset, oversized response) is an `Err`
    /// saying so, never a panic or a hang.
    pub async fn send(&self, request: Request) -> Result<Exchange, String> {
        self.requests
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let on_backend =
            !request.target.starts_with("http://") && !request.target.starts_with("https://");
        let url = if on_backend {
            format!("{}{}", self.base, request.target)
        } else {
            request.target.clone()
        };
        let method =
            reqwest::Method::from_bytes(request.method.as_bytes()).map_err(|e| e.to_string())?;
        let mut builder = self.client.request(method, &url);
        let mut request_headers = request.headers.clone();
        for (k, v) in &request.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        let request_body = match request.body {
            Body::None => String::new(),
            Body::Json(v) => {
                request_headers.push(("content-type".into(), "application/json".into()));
                let text = v.to_string();
                builder = builder
                    .header("content-type", "application/json")
                    .body(text.clone());
                text
            }
            Body::Form(pairs) => {
                let text = pairs
                    .iter()
                    .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
                    .collect::<Vec<_>>()
                    .join("&");
                request_headers.push((
                    "content-type".into(),
                    "application/x-www-form-urlencoded".into(),
                ));
                builder = builder
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(text.clone());
                text
            }
            Body::Raw {
                content_type,
                bytes,
            } => {
                if let Some(ct) = content_type {
                    request_headers.push(("content-type".into(), ct.clone()));
                    builder = builder.header("content-type", ct);
                }
                let text = String::from_utf8_lossy(&bytes).into_owned();
                builder = builder.body(bytes);
                text
            }
            Body::Multipart {
                fields,
                file_content_type,
                file,
            } => {
                let mut form = reqwest::multipart::Form::new();
                let mut described = Vec::new();
                for (k, v) in fields {
                    described.push(format!("{k}={v}"));
                    form = form.text(k, v);
                }
                described.push(format!(
                    "file=<{} bytes of {file_content_type}>",
                    file.len()
                ));
                let part = reqwest::multipart::Part::bytes(file)
                    .file_name("accord-upload")
                    .mime_str(&file_content_type)
                    .map_err(|e| e.to_string())?;
                builder = builder.multipart(form.part("file", part));
                request_headers.push(("content-type".into(), "multipart/form-data".into()));
                described.join("&")
            }
        };
        let response = builder
            .send()
            .await
            .map_err(|e| describe_transport(&url, &e))?;
        let status = response.status().as_u16();
        let response_headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut body = Vec::new();
        let mut response = response;
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| describe_transport(&url, &e))?
        {
            if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(format!(
                    "{} {url}: the response is larger than {MAX_RESPONSE_BYTES} bytes",
                    request.method
                ));
            }
            body.extend_from_slice(&chunk);
        }
        let path = url.strip_prefix(&self.base).unwrap_or(&url).to_string();
        let (operation, violations) = if on_backend {
            let content_type = response_headers
                .iter()
                .find(|(k, _)| k == "content-type")
                .map(|(_, v)| v.as_str());
            let operation = self
                .contract
                .operation_id(&request.method, &path)
                .map(str::to_string);
            (
                operation,
                self.contract
                    .check(&request.method, &path, status, content_type, &body),
            )
        } else {
            (None, Vec::new())
        };
        if let Some(op) = &operation {
            if let Ok(mut stats) = self.stats.lock() {
                *stats.entry(op.clone()).or_default() += 1;
            }
        }
        Ok(Exchange {
            method: request.method,
            url,
            request_headers,
            request_body,
            status,
            response_headers,
            response_body: body,
            operation,
            violations,
        })
    }
}

fn describe_transport(url: &str, e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "the response broke off"
    } else {
        "the exchange failed"
    };
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(e);
    let mut cause = String::new();
    while let Some(s) = source {
        cause = s.to_string();
        source = s.source();
    }
    format!(
        "{}: {what}{}",
        redact_url(url),
        if cause.is_empty() {
            String::new()
        } else {
            format!(" ({cause})")
        }
    )
}

pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_never_show_secrets() {
        let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
        let exchange = Exchange {
            method: "POST".into(),
            url: "https://store.example/b/k?X-Amz-Credential=AK%2F1&X-Amz-Signature=abcdef&x=1".into(),
            request_headers: vec![
                ("authorization".into(), format!("Bearer {jwt}")),
                ("cookie".into(), "refresh_token=r-secret".into()),
                ("content-type".into(), "application/json".into()),
            ],
            request_body: r#"{"email":"a@b.co","password":"hunter2","refresh_token":"r-secret"}"#.into(),
            status: 200,
            response_headers: vec![("set-cookie".into(), "refresh_token=r-new; HttpOnly".into())],
            response_body: format!(r#"{{"access_token":"{jwt}","note":"{jwt}","fields":{{"policy":"p-secret","x-amz-signature":"s-secret","key":"k"}}}}"#).into_bytes(),
            operation: None,
            violations: vec![],
        };
        let text = exchange.describe();
        for secret in [
            jwt, "hunter2", "r-secret", "r-new", "p-secret", "s-secret", "abcdef", "AK%2F1",
        ] {
            assert!(!text.contains(secret), "{secret} leaked:\n{text}");
        }
        for kept in ["a@b.co", "Bearer <redacted>", "\"key\":\"k\"", "x=1"] {
            assert!(text.contains(kept), "{kept} missing:\n{text}");
        }
        let form = redact_text("username=ada&password=hunter2&grant_type=password");
        assert!(!form.contains("hunter2"), "{form}");
    }
}

/// `Retry-After` in seconds: a number of seconds or an HTTP date (RFC 9110 §10.2.3).
pub fn retry_after_secs(e: &Exchange) -> Option<u64> {
    let value = e.header("retry-after")?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(secs);
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let left = at.timestamp() - chrono::Utc::now().timestamp();
    Some(left.max(0) as u64)
}

//! One exchange with the backend (what was sent, what came back, what it breaks of the spec)
//! and its description for a report, every secret redacted: authorization headers, cookies,
//! secret-looking members, JWT-shaped strings, signed URL parameters, and the names the
//! spec's own security schemes give their secrets.

use serde_json::Value;

use crate::contract::Violation;

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

    /// This exchange as one spec finding: `message` of `operation`'s answer (its status), at
    /// `pointer` into its body (`""` for the answer as a whole).
    pub fn as_finding(&self, operation: &str, pointer: &str, message: String) -> Exchange {
        let mut finding = self.clone();
        finding.violations = vec![crate::contract::Violation {
            operation: operation.to_string(),
            status: self.status,
            pointer: pointer.to_string(),
            message,
        }];
        finding
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
    /// A list-valued header (`Allow`, `Vary`) as one value: its lines joined with commas, as
    /// RFC 9110 (5.3) reads a field sent on several lines (go-chi sends `Allow: GET` and
    /// `Allow: POST` apart).
    pub fn list_header(&self, name: &str) -> Option<String> {
        let lines = self.headers(name);
        (!lines.is_empty()).then(|| lines.join(", "))
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

    /// The answer's body on one line, at most `n` characters, secrets redacted: what a
    /// message quotes of it.
    pub fn excerpt(&self, n: usize) -> String {
        let text = self.text();
        let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
        truncate(&redact_text(&line), n)
    }

    /// The exchange for a report: request line, headers and bodies, secrets redacted.
    pub fn describe(&self) -> String {
        let mut out = format!(
            "  > {} {}\n",
            self.method,
            elide_runs(&redact_url(&self.url))
        );
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

/// `text` with each run of one character longer than [`RUN`] written as its first
/// characters and its length: a boundary case's 10,000 `x` in a URL or a body is shown,
/// not printed whole (a report of a dozen such requests would be megabytes of `x`).
pub fn elide_runs(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(4096));
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let mut n = 1;
        while chars.peek() == Some(&c) {
            chars.next();
            n += 1;
        }
        if n > RUN {
            out.extend(std::iter::repeat_n(c, 8));
            out.push_str(&format!("…({n} × `{c}`)"));
        } else {
            out.extend(std::iter::repeat_n(c, n));
        }
    }
    out
}

/// The longest run of one character [`elide_runs`] prints whole.
const RUN: usize = 64;

/// `s` cut to `n` characters, saying how long it was.
pub(crate) fn truncate(s: &str, n: usize) -> String {
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

/// Names the backend's own security schemes give their secrets (an `apiKey` header such as
/// `X-Session`), learnt from the spec when the run starts.
static SCHEME_SECRETS: std::sync::RwLock<Vec<String>> = std::sync::RwLock::new(Vec::new());

/// Makes `name` (a header, query parameter or cookie of a security scheme) a secret name.
pub fn add_secret_name(name: &str) {
    if let Ok(mut names) = SCHEME_SECRETS.write() {
        let name = name.to_ascii_lowercase();
        if !names.contains(&name) {
            names.push(name);
        }
    }
}

/// Whether a header, field or parameter of this name holds a secret. CORS headers never do
/// (`Access-Control-Allow-Credentials: true` says only that credentials are allowed).
pub fn is_secret_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    if name.starts_with("access-control-") {
        return false;
    }
    SECRET_WORDS.iter().any(|w| name.contains(w))
        || SCHEME_SECRETS
            .read()
            .is_ok_and(|names| names.contains(&name))
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

#[cfg(test)]
mod tests {
    #[test]
    fn a_long_run_of_one_character_is_shown_by_its_length() {
        let url = format!("/items?q={}&n=1", "x".repeat(10_000));
        assert_eq!(
            super::elide_runs(&url),
            "/items?q=xxxxxxxx…(10000 × `x`)&n=1"
        );
        let short = format!("a{}b", "x".repeat(64));
        assert_eq!(super::elide_runs(&short), short);
    }
}

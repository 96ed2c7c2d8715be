//! What every scenario shares: the profile, the spec, the HTTP client, and the ways to call
//! the backend's operations as the profile describes them.

use base64::Engine as _;
use serde_json::{Value, json};
use tokio::sync::OnceCell;

use crate::contract::Contract;
use crate::http::{Body, Exchange, Http, Request};
use crate::profile::{AuthKind, Encoding, Locator, Profile};
use crate::sample;

#[derive(Debug, Clone)]
pub struct Tokens {
    pub access: String,
    pub refresh: Option<String>,
    pub cookies: Vec<(String, String)>,
}

/// An operation of the spec, for calling it.
#[derive(Debug, Clone)]
pub struct OpInfo {
    pub id: String,
    pub method: String,
    pub path: String,
    pub op: Value,
}

pub struct Presign {
    pub id: String,
    pub url: String,
    pub key: String,
    pub fields: Vec<(String, String)>,
    pub max_size: Option<u64>,
}

pub struct Ctx {
    pub profile: Profile,
    pub http: Http,
    pub error_schema: Option<Value>,
    pub error_schema_root: Value,
    base_token: OnceCell<Result<String, String>>,
}

impl Ctx {
    pub fn new(
        profile: Profile,
        http: Http,
        error_schema: Option<Value>,
        error_schema_root: Value,
    ) -> Ctx {
        Ctx {
            profile,
            http,
            error_schema,
            error_schema_root,
            base_token: OnceCell::new(),
        }
    }

    fn contract(&self) -> &Contract {
        self.http.contract()
    }

    fn doc(&self) -> &Value {
        &self.contract().spec.document
    }

    pub fn op(&self, id: &str) -> Result<OpInfo, String> {
        self.contract()
            .operation(id)
            .map(|(path, method, op)| OpInfo {
                id: id.into(),
                method: method.to_uppercase(),
                path: path.into(),
                op: op.clone(),
            })
            .ok_or_else(|| format!("the spec has no operation `{id}`"))
    }

    /// Every operation whose effective security requires credentials.
    pub fn secured_operations(&self) -> Vec<OpInfo> {
        let doc = self.doc();
        let global = doc.get("security").cloned().unwrap_or(Value::Null);
        let mut out = Vec::new();
        for (path, item) in doc
            .get("paths")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            for (method, op) in item.as_object().into_iter().flatten() {
                if !["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                    continue;
                }
                let security = op.get("security").unwrap_or(&global);
                let secured = security.as_array().is_some_and(|alts| {
                    !alts.is_empty()
                        && alts
                            .iter()
                            .all(|a| a.as_object().is_some_and(|m| !m.is_empty()))
                });
                if secured {
                    let id = op
                        .get("operationId")
                        .and_then(Value::as_str)
                        .unwrap_or(path)
                        .to_string();
                    out.push(OpInfo {
                        id,
                        method: method.to_uppercase(),
                        path: path.clone(),
                        op: op.clone(),
                    });
                }
            }
        }
        out
    }

    /// A secured GET without path parameters: where a token is tried.
    pub fn probe_operation(&self) -> Option<OpInfo> {
        self.secured_operations()
            .into_iter()
            .find(|o| o.method == "GET" && !o.path.contains('{'))
    }

    pub fn cors_path(&self) -> String {
        self.profile
            .cors
            .as_ref()
            .and_then(|c| c.path.clone())
            .or_else(|| self.probe_operation().map(|o| o.path))
            .unwrap_or_else(|| "/".into())
    }

    fn parameters(&self, op: &OpInfo) -> Vec<Value> {
        let doc = self.doc();
        let mut params: Vec<Value> = Vec::new();
        if let Some(item) = doc.get("paths").and_then(|p| p.get(&op.path)) {
            params.extend(
                item.get("parameters")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default(),
            );
        }
        params.extend(
            op.op
                .get("parameters")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
        );
        params
            .into_iter()
            .map(|p| accord_spec::follow_ref(doc, &p).clone())
            .collect()
    }

    fn fill_path(&self, op: &OpInfo) -> String {
        let mut path = op.path.clone();
        for p in self.parameters(op) {
            if p.get("in").and_then(Value::as_str) == Some("path") {
                let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
                let value = sample::valid(
                    self.doc(),
                    p.get("schema").unwrap_or(&json!({"type": "string"})),
                );
                let text = match value {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                path = path.replace(&format!("{{{name}}}"), &crate::http::urlencode(&text));
            }
        }
        path
    }

    fn json_body_schema(&self, op: &OpInfo) -> Option<Value> {
        let body = accord_spec::follow_ref(self.doc(), op.op.get("requestBody")?);
        let content = body.get("content")?.as_object()?;
        content
            .iter()
            .find(|(m, _)| m.starts_with("application/json") || m.ends_with("+json"))
            .and_then(|(_, m)| m.get("schema").cloned())
    }

    /// A request for `op` with path parameters and a body that satisfy the spec.
    pub fn request_for(&self, op: &OpInfo) -> Request {
        let mut request = Request::new(&op.method, self.fill_path(op));
        if let Some(schema) = self.json_body_schema(op) {
            request = request.body(Body::Json(sample::valid(self.doc(), &schema)));
        }
        request
    }

    fn body_of(
        &self,
        table: &Option<toml::Table>,
        encoding: Encoding,
        vars: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Body, String> {
        let Some(table) = table else {
            return Ok(Body::None);
        };
        let value = crate::profile::fill(table, vars)?;
        Ok(match encoding {
            Encoding::Json => Body::Json(value),
            Encoding::Form => Body::Form(
                value
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| {
                        (
                            k.clone(),
                            v.as_str()
                                .map(String::from)
                                .unwrap_or_else(|| v.to_string()),
                        )
                    })
                    .collect(),
            ),
        })
    }

    fn extract(exchange: &Exchange, locator: &Locator) -> Option<String> {
        match locator {
            Locator::Body(pointer) => exchange
                .json()?
                .pointer(pointer)?
                .as_str()
                .map(String::from),
            Locator::Cookie(name) => exchange.headers("set-cookie").iter().find_map(|c| {
                let (k, rest) = c.split_once('=')?;
                (k.trim() == name).then(|| rest.split(';').next().unwrap_or("").to_string())
            }),
        }
    }

    /// Signs in as the profile says; returns the tokens and the exchanges made.
    pub async fn sign_in(&self) -> Result<(Tokens, Vec<Exchange>), String> {
        let auth = self
            .profile
            .auth
            .as_ref()
            .ok_or("the profile has no [auth]")?;
        match auth.kind.get_ref() {
            AuthKind::Static => {
                let name = auth
                    .token_env
                    .as_ref()
                    .map(|t| t.get_ref().clone())
                    .unwrap_or_default();
                let token = std::env::var(&name)
                    .map_err(|_| format!("the environment variable `{name}` is not set"))?;
                Ok((
                    Tokens {
                        access: token.trim().to_string(),
                        refresh: None,
                        cookies: vec![],
                    },
                    vec![],
                ))
            }
            AuthKind::Command => {
                let command = auth
                    .command
                    .as_ref()
                    .map(|c| c.get_ref().clone())
                    .unwrap_or_default();
                let output = tokio::process::Command::new(&command[0])
                    .args(&command[1..])
                    .output()
                    .await
                    .map_err(|e| format!("cannot run `{}`: {e}", command[0]))?;
                if !output.status.success() {
                    return Err(format!("`{}` failed with {}", command[0], output.status));
                }
                let token = String::from_utf8_lossy(&output.stdout).trim().to_string();
                Ok((
                    Tokens {
                        access: token,
                        refresh: None,
                        cookies: vec![],
                    },
                    vec![],
                ))
            }
            AuthKind::Login => {
                let mut exchanges = Vec::new();
                let no_vars = |_: &str| None;
                if let Some(register) = &auth.register {
                    let op = self.op(register.get_ref())?;
                    let body = self.body_of(
                        if auth.register_body.is_some() {
                            &auth.register_body
                        } else {
                            &auth.body
                        },
                        auth.encoding,
                        &no_vars,
                    )?;
                    let e = self
                        .http
                        .send(Request::new(&op.method, op.path.clone()).body(body))
                        .await?;
                    exchanges.push(e); // 201, or 409 when the account exists: both fine.
                }
                let op = self.op(auth
                    .operation
                    .as_ref()
                    .map(|o| o.get_ref().as_str())
                    .unwrap_or_default())?;
                let body = self.body_of(&auth.body, auth.encoding, &no_vars)?;
                let e = self
                    .http
                    .send(Request::new(&op.method, op.path.clone()).body(body))
                    .await?;
                exchanges.push(e.clone());
                if !(200..300).contains(&e.status) {
                    return Err(format!("login answered {}", e.status));
                }
                let tokens = self.tokens_from(&e)?;
                Ok((tokens, exchanges))
            }
        }
    }

    fn tokens_from(&self, e: &Exchange) -> Result<Tokens, String> {
        let auth = self
            .profile
            .auth
            .as_ref()
            .ok_or("the profile has no [auth]")?;
        let access_locator = Locator::parse(
            auth.access_token
                .as_ref()
                .map(|a| a.get_ref().as_str())
                .unwrap_or("body:/access_token"),
        )?;
        let access = Self::extract(e, &access_locator)
            .ok_or("no access token where the profile says it is")?;
        let refresh = match &auth.refresh_token {
            Some(r) => Self::extract(e, &Locator::parse(r.get_ref())?),
            None => None,
        };
        let cookies = e
            .headers("set-cookie")
            .iter()
            .filter_map(|c| {
                c.split(';')
                    .next()?
                    .split_once('=')
                    .map(|(k, v)| (k.trim().to_string(), v.to_string()))
            })
            .collect();
        Ok(Tokens {
            access,
            refresh,
            cookies,
        })
    }

    /// A token to forge others from: a real one when the profile can sign in.
    async fn base_token(&self) -> Result<String, String> {
        self.base_token
            .get_or_init(|| async {
                if self.profile.auth.is_some() {
                    self.sign_in().await.map(|(t, _)| t.access)
                } else {
                    let header = json!({"alg": "RS256", "typ": "JWT"});
                    let now = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map(|d| d.as_secs())
                        .unwrap_or(0);
                    let claims = json!({"sub": "accord-conformance", "iat": now, "exp": now + 600});
                    let b64 = |v: &Value| {
                        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
                    };
                    Ok(format!(
                        "{}.{}.{}",
                        b64(&header),
                        b64(&claims),
                        "c2lnbmF0dXJl"
                    ))
                }
            })
            .await
            .clone()
    }

    /// A token of the kind a feature names.
    pub async fn forged_token(&self, kind: &str) -> Result<String, String> {
        let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        if kind == "a malformed token" {
            return Ok("not-a-jwt".into());
        }
        let base = self.base_token().await?;
        let parts: Vec<&str> = base.split('.').collect();
        let [header, payload, signature] = parts.as_slice() else {
            return Err(
                "the backend's token is not a JWT; only the malformed-token check applies".into(),
            );
        };
        let decode = |s: &str| -> Result<Value, String> {
            let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(s)
                .map_err(|e| e.to_string())?;
            serde_json::from_slice(&bytes).map_err(|e| e.to_string())
        };
        match kind {
            "a token with an altered signature" => {
                let mut sig: Vec<char> = signature.chars().collect();
                if let Some(c) = sig.get_mut(0) {
                    *c = if *c == 'A' { 'B' } else { 'A' };
                }
                Ok(format!(
                    "{header}.{payload}.{}",
                    sig.into_iter().collect::<String>()
                ))
            }
            "an alg none token" => Ok(format!(
                "{}.{payload}.",
                b64(br#"{"alg":"none","typ":"JWT"}"#)
            )),
            "a token signed by an unknown key" => {
                let original = decode(header)?;
                let claims = decode(payload)?;
                let pem = tokio::task::spawn_blocking(|| {
                    use rsa::pkcs8::EncodePrivateKey;
                    rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048)
                        .map_err(|e| e.to_string())
                        .and_then(|k| {
                            k.to_pkcs8_pem(rsa::pkcs8::LineEnding::LF)
                                .map(|p| p.to_string())
                                .map_err(|e| e.to_string())
                        })
                })
                .await
                .map_err(|e| e.to_string())??;
                let key = jsonwebtoken::EncodingKey::from_rsa_pem(pem.as_bytes())
                    .map_err(|e| e.to_string())?;
                let mut h = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
                h.kid = original
                    .get("kid")
                    .and_then(Value::as_str)
                    .map(String::from);
                jsonwebtoken::encode(&h, &claims, &key).map_err(|e| e.to_string())
            }
            other => Err(format!("unknown token kind `{other}`")),
        }
    }

    /// Presents `tokens`' refresh token as the profile says.
    pub async fn refresh(&self, tokens: &Tokens) -> (Result<Tokens, String>, Exchange) {
        let failed = |message: String| {
            let e = Exchange {
                method: String::new(),
                url: String::new(),
                request_headers: vec![],
                request_body: String::new(),
                status: 0,
                response_headers: vec![],
                response_body: vec![],
                operation: None,
                violations: vec![],
            };
            (Err(message), e)
        };
        let Some(refresh) = &self.profile.refresh else {
            return failed("the profile has no [refresh]".into());
        };
        let op = match self.op(refresh.operation.get_ref()) {
            Ok(op) => op,
            Err(e) => return failed(e),
        };
        let token = tokens.refresh.clone().unwrap_or_default();
        let vars = |name: &str| (name == "refresh_token").then(|| token.clone());
        let body = match self.body_of(&refresh.body, refresh.encoding, &vars) {
            Ok(b) => b,
            Err(e) => return failed(e),
        };
        let mut request = Request::new(&op.method, op.path.clone()).body(body);
        if let Some(cookie) = &refresh.cookie {
            request = request.header("cookie", format!("{cookie}={token}"));
        }
        let exchange = match self.http.send(request).await {
            Ok(e) => e,
            Err(e) => return failed(e),
        };
        if !(200..300).contains(&exchange.status) {
            return (
                Err(format!("refresh answered {}", exchange.status)),
                exchange,
            );
        }
        // Without rotation a backend may answer with the access token only: the refresh
        // token stays the one presented.
        let result = self.tokens_from(&exchange).map(|mut t| {
            if t.refresh.is_none() && !refresh.rotation {
                t.refresh = tokens.refresh.clone();
            }
            t
        });
        (result, exchange)
    }

    pub async fn logout(&self, tokens: &Tokens) -> Result<Exchange, String> {
        let refresh = self
            .profile
            .refresh
            .as_ref()
            .ok_or("the profile has no [refresh]")?;
        let id = refresh
            .logout
            .as_ref()
            .ok_or("the profile names no logout operation")?;
        let op = self.op(id.get_ref())?;
        let token = tokens.refresh.clone().unwrap_or_default();
        let vars = |name: &str| (name == "refresh_token").then(|| token.clone());
        let body = self.body_of(&refresh.logout_body, refresh.encoding, &vars)?;
        let mut request = Request::new(&op.method, op.path.clone())
            .body(body)
            .bearer(Some(&tokens.access));
        if let Some(cookie) = &refresh.cookie {
            request = request.header("cookie", format!("{cookie}={token}"));
        }
        self.http.send(request).await
    }

    /// The request of an error case of `features/errors.feature`.
    pub fn error_request(&self, case: &str, token: Option<&str>) -> Result<Request, String> {
        let with_body = self
            .secured_operations()
            .into_iter()
            .find(|o| self.json_body_schema(o).is_some() && token.is_some())
            .ok_or("the spec has no secured operation with a JSON body");
        Ok(match case {
            "a request to an unknown route" => Request::new(
                "GET",
                format!("/accord-conformance-{}", uuid::Uuid::new_v4().simple()),
            ),
            "a request with a wrong method" => {
                let doc = self.doc();
                let (path, item) = doc
                    .get("paths")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                    .find(|(p, _)| !p.contains('{'))
                    .ok_or("the spec has no path without parameters")?;
                let method = ["PUT", "DELETE", "PATCH", "POST"]
                    .into_iter()
                    .find(|m| item.get(m.to_ascii_lowercase()).is_none())
                    .ok_or("every method is documented on the path")?;
                Request::new(method, path.clone()).bearer(token)
            }
            "a request without credentials" => {
                let op = self
                    .secured_operations()
                    .into_iter()
                    .next()
                    .ok_or("the spec secures no operation")?;
                self.request_for(&op)
            }
            "a body of malformed JSON" => {
                let op = with_body?;
                Request::new(&op.method, self.fill_path(&op))
                    .bearer(token)
                    .body(Body::Raw {
                        content_type: Some("application/json".into()),
                        bytes: b"{\"accord\": ".to_vec(),
                    })
            }
            "a body with a wrong content type" => {
                let op = with_body?;
                Request::new(&op.method, self.fill_path(&op))
                    .bearer(token)
                    .body(Body::Raw {
                        content_type: Some("text/plain".into()),
                        bytes: b"accord".to_vec(),
                    })
            }
            "a body missing a required field" | "a body with a field of a wrong type" => {
                let op = with_body?;
                let schema = self.json_body_schema(&op).unwrap_or(json!({}));
                let mut value = sample::valid(self.doc(), &schema);
                let required = sample::required(self.doc(), &schema);
                let field = required
                    .first()
                    .ok_or_else(|| format!("the body of `{}` has no required field", op.id))?;
                if let Some(obj) = value.as_object_mut() {
                    if case == "a body missing a required field" {
                        obj.remove(field);
                    } else {
                        let wrong = sample::wrong_type(obj.get(field).unwrap_or(&Value::Null));
                        obj.insert(field.clone(), wrong);
                    }
                }
                Request::new(&op.method, self.fill_path(&op))
                    .bearer(token)
                    .body(Body::Json(value))
            }
            "a request for a missing resource" => {
                let op = self
                    .secured_operations()
                    .into_iter()
                    .find(|o| o.method == "GET" && o.path.contains('{'))
                    .ok_or("the spec has no GET of a resource by id")?;
                Request::new("GET", self.fill_path(&op)).bearer(token)
            }
            other => return Err(format!("unknown case `{other}`")),
        })
    }

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
    ) -> (Result<Presign, String>, Exchange) {
        let request = self.presign_request(Some(token), file_name, content_type, size);
        let exchange = match self.http.send(request).await {
            Ok(e) => e,
            Err(e) => panic!("presign: {e}"),
        };
        let Some(uploads) = &self.profile.uploads else {
            return (Err("no [uploads]".into()), exchange);
        };
        if !(200..300).contains(&exchange.status) {
            return (
                Err(format!("presigning answered {}", exchange.status)),
                exchange,
            );
        }
        let Some(body) = exchange.json() else {
            return (Err("the presign answer is not JSON".into()), exchange);
        };
        let text = |p: &str| body.pointer(p).and_then(Value::as_str).map(String::from);
        let fields: Vec<(String, String)> = match body.pointer(&uploads.fields) {
            Some(Value::Object(m)) => m
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str()
                            .map(String::from)
                            .unwrap_or_else(|| v.to_string()),
                    )
                })
                .collect(),
            _ => return (Err(format!("no fields at {}", uploads.fields)), exchange),
        };
        let Some(url) = text(&uploads.url) else {
            return (Err(format!("no url at {}", uploads.url)), exchange);
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
            .is_some_and(|v| v.as_str() == Some(value.as_str()) || v.to_string() == value);
        Some((stored, e))
    }
}

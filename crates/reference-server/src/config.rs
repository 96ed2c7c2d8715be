//! Configuration: defaults that suit a developer's machine, overridden by environment
//! variables (secrets only ever come from there) and the command line.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Where records, keys and (for the embedded store) objects live.
#[derive(Debug, Clone)]
pub enum DataDir {
    /// A directory that outlives the process.
    Persistent(PathBuf),
    /// A fresh temporary directory, removed when the server stops.
    Temporary,
}

/// The object store uploads go to.
#[derive(Clone)]
pub enum Storage {
    /// The store the server starts itself (s3s-fs), on `listen`, under the data directory.
    Embedded { listen: SocketAddr, bucket: String },
    /// Any S3-compatible endpoint (Cloudflare R2, AWS S3, MinIO...).
    External {
        endpoint: String,
        region: String,
        bucket: String,
        access_key: String,
        secret_key: String,
    },
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Storage::Embedded { listen, bucket } => {
                write!(f, "Embedded {{ listen: {listen}, bucket: {bucket} }}")
            }
            Storage::External {
                endpoint,
                region,
                bucket,
                ..
            } => {
                write!(
                    f,
                    "External {{ endpoint: {endpoint}, region: {region}, bucket: {bucket}, credentials: <redacted> }}"
                )
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: DataDir,
    pub issuer: String,
    pub audience: String,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    /// Exact origins allowed by CORS (scheme, host and port).
    pub cors_origins: Vec<String>,
    pub storage: Storage,
    pub upload_max_bytes: u64,
    pub upload_content_types: Vec<String>,
    pub presign_ttl: Duration,
    pub body_limit: usize,
    /// `--demo`: an account created at start, for a frontend developer to sign in with.
    pub demo_user: Option<(String, String)>,
    /// How many items one page holds at most.
    pub max_page: u32,
    /// Where the refresh token travels: the body (default) or an HttpOnly cookie.
    pub refresh_cookie: Option<CookieMode>,
    /// Rate limits on login and refresh (and, optionally, every other route).
    pub rate_limits: RateLimits,
    /// How often a WebSocket connection gets a `heartbeat` event.
    pub ws_heartbeat: Duration,
    /// How far past `exp` (and before `nbf`) an access token is still accepted.
    pub token_leeway: Duration,
}

/// The refresh token in a cookie, and the CSRF defence that needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieMode {
    /// `Secure` on the cookies; off only for plain-http development.
    pub secure: bool,
    /// `SameSite=Strict` (true) or `Lax`.
    pub same_site_strict: bool,
    /// A double-submit token: the `X-CSRF-Token` header must equal the `accord_csrf` cookie.
    pub double_submit: bool,
}

impl Default for CookieMode {
    fn default() -> Self {
        CookieMode {
            secure: true,
            same_site_strict: true,
            double_submit: false,
        }
    }
}

/// `count` requests per `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub count: u32,
    pub window: Duration,
}

impl Limit {
    pub const fn per_minute(count: u32) -> Limit {
        Limit {
            count,
            window: Duration::from_secs(60),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimits {
    /// Login attempts per client address.
    pub login: Option<Limit>,
    /// Login attempts per account (the email), from any address.
    pub login_account: Option<Limit>,
    /// Refreshes per client address.
    pub refresh: Option<Limit>,
    /// Every other request per client address (off by default).
    pub other: Option<Limit>,
    /// How many addresses and accounts are tracked at most; the oldest are forgotten first.
    pub max_tracked: usize,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            login: Some(Limit::per_minute(60)),
            login_account: Some(Limit::per_minute(20)),
            refresh: Some(Limit::per_minute(120)),
            other: None,
            max_tracked: 10_000,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: DataDir::Temporary,
            issuer: "accord-reference".into(),
            audience: "accord-api".into(),
            access_token_ttl: Duration::from_secs(15 * 60),
            refresh_token_ttl: Duration::from_secs(30 * 24 * 3600),
            cors_origins: vec![
                "http://localhost:5173".into(),
                "http://127.0.0.1:5173".into(),
                "http://localhost:4173".into(),
            ],
            storage: Storage::Embedded {
                listen: SocketAddr::from(([127, 0, 0, 1], 0)),
                bucket: "uploads".into(),
            },
            upload_max_bytes: 10 * 1024 * 1024,
            upload_content_types: [
                "image/png",
                "image/jpeg",
                "image/gif",
                "image/webp",
                "application/pdf",
                "text/plain",
            ]
            .map(String::from)
            .to_vec(),
            presign_ttl: Duration::from_secs(15 * 60),
            body_limit: 1024 * 1024,
            demo_user: None,
            max_page: 100,
            refresh_cookie: None,
            rate_limits: RateLimits::default(),
            ws_heartbeat: Duration::from_secs(25),
            token_leeway: Duration::from_secs(crate::tokens::LEEWAY_SECS),
        }
    }
}

/// A configuration value that does not parse, named by its variable.
#[derive(Debug, thiserror::Error)]
#[error("{name}: {message}")]
pub struct ConfigError {
    pub name: String,
    pub message: String,
}

impl Config {
    /// Applies the `ACCORD_*` environment variables over `self`.
    pub fn from_env(mut self) -> Result<Self, ConfigError> {
        self.apply(|name| std::env::var(name).ok())?;
        Ok(self)
    }

    /// Applies variables looked up by `get` (the environment, or a map in tests).
    pub fn apply(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        let secs = |name: &str| -> Result<Option<Duration>, ConfigError> {
            get(name)
                .map(|v| {
                    v.trim()
                        .parse::<u64>()
                        .ok()
                        .filter(|s| *s > 0)
                        .map(Duration::from_secs)
                        .ok_or_else(|| ConfigError {
                            name: name.into(),
                            message: format!("`{v}` is not a positive number of seconds"),
                        })
                })
                .transpose()
        };
        let list = |v: String| -> Vec<String> {
            v.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        };
        if let Some(v) = get("ACCORD_DATA_DIR") {
            self.data_dir = DataDir::Persistent(PathBuf::from(v));
        }
        if let Some(v) = secs("ACCORD_ACCESS_TOKEN_TTL")? {
            self.access_token_ttl = v;
        }
        if let Some(v) = secs("ACCORD_REFRESH_TOKEN_TTL")? {
            self.refresh_token_ttl = v;
        }
        if let Some(v) = secs("ACCORD_PRESIGN_TTL")? {
            self.presign_ttl = v;
        }
        if let Some(v) = get("ACCORD_CORS_ORIGINS") {
            let origins = list(v);
            if let Some(bad) = origins.iter().find(|o| {
                *o == "*"
                    || *o == "null"
                    || !(o.starts_with("http://") || o.starts_with("https://"))
                    || o.ends_with('/')
            }) {
                return Err(ConfigError {
                    name: "ACCORD_CORS_ORIGINS".into(),
                    message: format!(
                        "`{bad}` is not an exact origin such as https://app.example.com (`*` and `null` are never allowed)"
                    ),
                });
            }
            self.cors_origins = origins;
        }
        if let Some(v) = get("ACCORD_UPLOAD_MAX_BYTES") {
            self.upload_max_bytes =
                v.trim()
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| ConfigError {
                        name: "ACCORD_UPLOAD_MAX_BYTES".into(),
                        message: format!("`{v}` is not a positive number of bytes"),
                    })?;
        }
        if let Some(v) = get("ACCORD_UPLOAD_CONTENT_TYPES") {
            self.upload_content_types = list(v)
                .into_iter()
                .map(|t| t.to_ascii_lowercase())
                .collect();
        }
        let flag = |name: &str| -> Result<Option<bool>, ConfigError> {
            get(name)
                .map(|v| match v.trim().to_ascii_lowercase().as_str() {
                    "1" | "true" | "yes" | "on" => Ok(true),
                    "0" | "false" | "no" | "off" => Ok(false),
                    _ => Err(ConfigError {
                        name: name.into(),
                        message: format!("`{v}` is neither true nor false"),
                    }),
                })
                .transpose()
        };
        match get("ACCORD_REFRESH_MODE").as_deref().map(str::trim) {
            None | Some("body") => {}
            Some("cookie") => self.refresh_cookie = Some(CookieMode::default()),
            Some(other) => {
                return Err(ConfigError {
                    name: "ACCORD_REFRESH_MODE".into(),
                    message: format!("`{other}` is neither `body` nor `cookie`"),
                });
            }
        }
        if let Some(mode) = self.refresh_cookie.as_mut() {
            if let Some(secure) = flag("ACCORD_COOKIE_SECURE")? {
                mode.secure = secure;
            }
            if let Some(v) = get("ACCORD_COOKIE_SAMESITE") {
                mode.same_site_strict = match v.trim().to_ascii_lowercase().as_str() {
                    "strict" => true,
                    "lax" => false,
                    _ => {
                        return Err(ConfigError {
                            name: "ACCORD_COOKIE_SAMESITE".into(),
                            message: format!(
                                "`{v}` is neither `strict` nor `lax` (`none` is never allowed for the refresh cookie)"
                            ),
                        });
                    }
                };
            }
            if let Some(double_submit) = flag("ACCORD_CSRF_DOUBLE_SUBMIT")? {
                mode.double_submit = double_submit;
            }
        }
        let limit = |name: &str| -> Result<Option<Option<Limit>>, ConfigError> {
            get(name)
                .map(|v| {
                    if v.trim() == "off" {
                        return Ok(None);
                    }
                    let parsed = v.trim().split_once('/').and_then(|(count, secs)| {
                        Some(Limit {
                            count: count.trim().parse().ok().filter(|c| *c > 0)?,
                            window: Duration::from_secs(
                                secs.trim().parse().ok().filter(|s| *s > 0)?,
                            ),
                        })
                    });
                    parsed.map(Some).ok_or_else(|| ConfigError {
                        name: name.into(),
                        message: format!("`{v}` is not COUNT/SECONDS (for example 10/60) or `off`"),
                    })
                })
                .transpose()
        };
        if let Some(v) = limit("ACCORD_RATE_LIMIT_LOGIN")? {
            self.rate_limits.login = v;
        }
        if let Some(v) = limit("ACCORD_RATE_LIMIT_LOGIN_ACCOUNT")? {
            self.rate_limits.login_account = v;
        }
        if let Some(v) = limit("ACCORD_RATE_LIMIT_REFRESH")? {
            self.rate_limits.refresh = v;
        }
        if let Some(v) = limit("ACCORD_RATE_LIMIT_OTHER")? {
            self.rate_limits.other = v;
        }
        if let Some(v) = secs("ACCORD_WS_HEARTBEAT")? {
            self.ws_heartbeat = v;
        }
        if let Some(v) = get("ACCORD_TOKEN_LEEWAY") {
            self.token_leeway = v
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|s| *s <= 300)
                .map(Duration::from_secs)
                .ok_or_else(|| ConfigError {
                    name: "ACCORD_TOKEN_LEEWAY".into(),
                    message: format!("`{v}` is not a number of seconds from 0 to 300"),
                })?;
        }
        if let Some(endpoint) = get("ACCORD_S3_ENDPOINT") {
            let need = |name: &str| {
                get(name)
                    .filter(|v| !v.is_empty())
                    .ok_or_else(|| ConfigError {
                        name: name.into(),
                        message: "is required when ACCORD_S3_ENDPOINT is set".into(),
                    })
            };
            self.storage = Storage::External {
                endpoint: endpoint.trim_end_matches('/').to_string(),
                region: get("ACCORD_S3_REGION").unwrap_or_else(|| "auto".into()),
                bucket: need("ACCORD_S3_BUCKET")?,
                access_key: need("ACCORD_S3_ACCESS_KEY_ID")?,
                secret_key: need("ACCORD_S3_SECRET_ACCESS_KEY")?,
            };
        }
        Ok(())
    }
}

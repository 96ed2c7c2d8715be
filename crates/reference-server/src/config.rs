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

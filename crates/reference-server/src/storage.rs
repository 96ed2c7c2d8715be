//! Object storage: presigned POST uploads, HEAD to see whether an object arrived, presigned
//! GET downloads. The embedded default is s3s-fs, started in-process on loopback; it enforces
//! POST policies (key, content type, size range, expiry, signature).

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, SystemTime};

use std::sync::Arc;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder as ConnBuilder;
use rand::RngCore;
use tokio::task::JoinHandle;

use crate::config::Storage;
use crate::sigv4::{Fields, Signer};

pub struct Store {
    signer: Signer,
    endpoint: String,
    bucket: String,
    http: reqwest::Client,
    server: Option<JoinHandle<()>>,
}

impl Drop for Store {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut buf);
    hex::encode(buf)
}

impl Store {
    /// Connects to the configured store, starting the embedded one (objects under `data_dir`).
    pub async fn start(
        config: &Storage,
        data_dir: &Path,
        cors_origins: &[String],
    ) -> anyhow::Result<Store> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()?;
        match config {
            Storage::External {
                endpoint,
                region,
                bucket,
                access_key,
                secret_key,
            } => Ok(Store {
                signer: Signer {
                    access_key: access_key.clone(),
                    secret_key: secret_key.clone(),
                    region: region.clone(),
                },
                endpoint: endpoint.clone(),
                bucket: bucket.clone(),
                http,
                server: None,
            }),
            Storage::Embedded { listen, bucket } => {
                let root = data_dir.join("storage");
                std::fs::create_dir_all(root.join(bucket))?;
                let signer = Signer {
                    access_key: format!("AK{}", random_hex(8).to_uppercase()),
                    secret_key: random_hex(20),
                    region: "us-east-1".into(),
                };
                let (address, server) =
                    serve_embedded(&root, *listen, &signer, cors_origins).await?;
                Ok(Store {
                    signer,
                    endpoint: format!("http://{address}"),
                    bucket: bucket.clone(),
                    http,
                    server: Some(server),
                })
            }
        }
    }

    /// The store's base URL.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// Where a presigned POST goes (path-style: the bucket's URL).
    pub fn post_url(&self) -> String {
        format!("{}/{}", self.endpoint, self.bucket)
    }

    fn object_url(&self, key: &str) -> String {
        format!(
            "{}/{}/{}",
            self.endpoint,
            self.bucket,
            crate::sigv4::encode(key, false)
        )
    }

    pub fn presign_post(
        &self,
        key: &str,
        content_type: &str,
        max_size: u64,
        ttl: Duration,
    ) -> Fields {
        self.signer.presign_post(
            &self.bucket,
            key,
            content_type,
            max_size,
            SystemTime::now(),
            ttl,
        )
    }

    pub fn download_url(&self, key: &str, ttl: Duration) -> Result<String, String> {
        self.signer
            .presign_url("GET", &self.object_url(key), SystemTime::now(), ttl)
    }

    /// The stored object's size in bytes, `None` when there is none (HEAD with a presigned
    /// URL).
    pub async fn stored_size(&self, key: &str) -> Result<Option<u64>, String> {
        let url = self.signer.presign_url(
            "HEAD",
            &self.object_url(key),
            SystemTime::now(),
            Duration::from_secs(60),
        )?;
        let response = self
            .http
            .head(url)
            .send()
            .await
            .map_err(|e| format!("storage unreachable: {e}"))?;
        match response.status().as_u16() {
            200 => response
                .headers()
                .get("content-length")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok())
                .map(Some)
                .ok_or_else(|| "storage answered HEAD without a Content-Length".to_string()),
            404 => Ok(None),
            status => Err(format!("storage answered HEAD with {status}")),
        }
    }
}

/// Serves an s3s-fs store of the folders under `root` (one per bucket) on `listen`, accepting
/// requests signed with `signer`'s credentials. Abort the handle to stop it.
pub async fn serve_embedded(
    root: &Path,
    listen: SocketAddr,
    signer: &Signer,
    cors_origins: &[String],
) -> anyhow::Result<(SocketAddr, JoinHandle<()>)> {
    let fs = s3s_fs::FileSystem::new(root)
        .map_err(|e| anyhow::anyhow!("cannot open the storage folder {}: {e:?}", root.display()))?;
    let service = {
        let mut builder = s3s::service::S3ServiceBuilder::new(fs);
        builder.set_auth(s3s::auth::SimpleAuth::from_single(
            signer.access_key.clone(),
            signer.secret_key.clone(),
        ));
        builder.build()
    };
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let address = listener.local_addr()?;
    let origins: Arc<Vec<String>> = Arc::new(cors_origins.to_vec());
    let server = tokio::spawn(async move {
        let http = ConnBuilder::new(TokioExecutor::new());
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                continue;
            };
            let (service, origins) = (service.clone(), origins.clone());
            let with_cors = hyper::service::service_fn(move |request| {
                let (service, origins) = (service.clone(), origins.clone());
                store_cors(service, origins, request)
            });
            let connection = http
                .serve_connection(TokioIo::new(socket), with_cors)
                .into_owned();
            tokio::spawn(async move {
                let _ = connection.await;
            });
        }
    });
    Ok((address, server))
}

/// CORS for the embedded store, as an R2 or S3 bucket's CORS rules would give it: a page on
/// an allowed origin posts its upload straight to the store and reads the answer. Other
/// origins get no CORS headers (the browser then hides the answer).
async fn store_cors(
    service: s3s::service::S3Service,
    origins: Arc<Vec<String>>,
    request: hyper::Request<hyper::body::Incoming>,
) -> Result<hyper::Response<s3s::Body>, s3s::HttpError> {
    use hyper::http::{HeaderValue, Method, StatusCode, header};
    let origin = request
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .filter(|o| origins.iter().any(|a| a == o))
        .and_then(|o| HeaderValue::from_str(o).ok());
    let preflight = request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let mut response = if preflight {
        let mut response = hyper::Response::new(s3s::Body::empty());
        *response.status_mut() = StatusCode::NO_CONTENT;
        if origin.is_some() {
            let h = response.headers_mut();
            h.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET, HEAD, POST"),
            );
            if let Some(requested) = request
                .headers()
                .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
            {
                h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, requested.clone());
            }
            h.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("600"),
            );
        }
        response
    } else {
        hyper::service::Service::call(&service, request).await?
    };
    let h = response.headers_mut();
    h.append(header::VARY, HeaderValue::from_static("Origin"));
    if let Some(origin) = origin {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        h.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("ETag, Location"),
        );
    }
    Ok(response)
}

/// A file name safe inside an object key: the last path component, no `..`, no control
/// characters, only `[A-Za-z0-9._-]` (anything else becomes `_`), at most 100 characters.
pub fn sanitize_file_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut cleaned = cleaned.replace("..", "_");
    while cleaned.starts_with('.') {
        cleaned.remove(0);
    }
    let cleaned: String = cleaned.chars().take(100).collect();
    if cleaned.trim_matches(['_', '.']).is_empty() {
        "file".to_string()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::sanitize_file_name;

    #[test]
    fn file_names_never_escape_their_prefix() {
        for (given, expected) in [
            ("cat.png", "cat.png"),
            ("../../etc/passwd", "passwd"),
            ("..\\..\\boot.ini", "boot.ini"),
            ("..", "file"),
            ("a..b.txt", "a_b.txt"),
            ("evil\u{0}\n.png", "evil.png"),
            (".hidden", "hidden"),
            ("my photo (1).jpg", "my_photo__1_.jpg"),
            ("", "file"),
            ("/", "file"),
        ] {
            assert_eq!(sanitize_file_name(given), expected, "{given:?}");
        }
        let long = "x".repeat(300);
        assert_eq!(sanitize_file_name(&long).len(), 100);
    }
}

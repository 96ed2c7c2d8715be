//! The reference backend of `openapi/api.yaml`: the embedded default that `cargo xtask verify`
//! and `cargo xtask serve` start, and the model answer to the conformance suite.
//!
//! [`prepare`] opens (or creates) the data directory, applies the migrations, loads or makes the
//! signing key and starts or connects to the object store; [`app`] is the generated router with
//! the request id, CORS, logging and panic layers around it, apart from serving; [`start`]
//! serves it.

pub mod api;
pub mod config;
pub mod db;
pub mod events;
pub mod layers;
pub mod limits;
pub mod passwords;
pub mod request_id;
pub mod sigv4;
pub mod storage;
pub mod tokens;
pub mod ws;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use api_server::rt::axum;
use axum::middleware::{from_fn, from_fn_with_state};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use config::{Config, CookieMode, DataDir, Limit, RateLimits, Storage};

/// A running server; dropping it (or [`Running::stop`]) stops the API and the embedded store.
pub struct Running {
    pub api_url: String,
    pub address: SocketAddr,
    pub storage_url: String,
    pub bucket: String,
    pub data_dir: PathBuf,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    _temporary: Option<tempfile::TempDir>,
}

impl Running {
    /// Stops accepting, lets requests in flight finish (at most 10 s), then returns.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(10), task).await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// What the API serves from, made ready by [`prepare`]: the backend state (database,
/// signing keys, object store, limits) and where its data lives.
pub struct Prepared {
    pub backend: Arc<api::Backend>,
    pub storage_url: String,
    pub bucket: String,
    pub data_dir: PathBuf,
    temporary: Option<tempfile::TempDir>,
}

/// Opens (or creates) the data directory, applies the migrations, loads or makes the signing
/// key, starts or connects to the object store and seeds the demo user: everything [`app`]
/// needs, without listening anywhere.
pub async fn prepare(config: Config) -> anyhow::Result<Prepared> {
    let (data_dir, temporary) = match &config.data_dir {
        DataDir::Persistent(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create the data directory {}", dir.display()))?;
            (dir.clone(), None)
        }
        DataDir::Temporary => {
            let temp = tempfile::Builder::new()
                .prefix("accord-reference-")
                .tempdir()?;
            (temp.path().to_path_buf(), Some(temp))
        }
    };
    let db_path = data_dir.join("accord.sqlite3");
    let db =
        db::Db::open(&db_path).with_context(|| format!("cannot open {}", db_path.display()))?;
    let key_path = data_dir.join("keys").join("jwt-rs256.pem");
    let keys = {
        let (issuer, audience, ttl) = (
            config.issuer.clone(),
            config.audience.clone(),
            config.access_token_ttl,
        );
        tokio::task::spawn_blocking(move || {
            tokens::Keys::load_or_create(Some(&key_path), &issuer, &audience, ttl)
        })
        .await??
        .with_leeway(config.token_leeway)
    };
    let store = storage::Store::start(&config.storage, &data_dir, &config.cors_origins)
        .await
        .context("cannot start the object store")?;
    let storage_url = store.endpoint().to_string();
    let bucket = store.bucket().to_string();

    if let Some((email, password)) = config.demo_user.clone() {
        let password_for_hash = password.clone();
        let hash = tokio::task::spawn_blocking(move || passwords::hash(&password_for_hash))
            .await?
            .map_err(anyhow::Error::msg)?;
        let email = email.to_lowercase();
        db.call(move |c| db::create_user(c, &email, &hash, Some("Demo user")))
            .await?;
    }
    let limits = Arc::new(limits::Limits::new(&config.rate_limits));
    let backend = Arc::new(api::Backend {
        db,
        keys,
        store,
        config,
        limits,
        events: events::Events::default(),
    });
    Ok(Prepared {
        backend,
        storage_url,
        bucket,
        data_dir,
        temporary,
    })
}

/// The whole HTTP application over `backend`: the generated router and the WebSocket, with
/// the request id and log, CORS, rate-limit and panic layers around them. Serving it is
/// [`start`]'s business; a test drives it as a `tower::Service`, with no socket.
pub fn app(backend: Arc<api::Backend>) -> axum::Router {
    let cors = Arc::new(layers::Cors {
        origins: backend.config.cors_origins.clone(),
    });
    let limits = backend.limits.clone();
    let websocket = axum::Router::new()
        .route(ws::PATH, axum::routing::get(ws::handshake))
        .with_state(backend.clone());
    api_server::router(backend)
        .merge(websocket)
        .layer(from_fn(layers::catch_panic))
        .layer(from_fn_with_state(limits, layers::rate_limit))
        .layer(from_fn_with_state(cors, layers::cors))
        .layer(from_fn(layers::request_id_and_log))
}

/// Starts the backend as `config` says: [`prepare`], then [`app`] served on `config.listen`.
pub async fn start(config: Config) -> anyhow::Result<Running> {
    let listen = config.listen;
    let prepared = prepare(config).await?;
    let app = app(prepared.backend.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let address = listener.local_addr()?;
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, app).with_graceful_shutdown(async {
            let _ = rx.await;
        });
        if let Err(e) = served.await {
            tracing::error!(error = %e, "the server stopped");
        }
    });
    Ok(Running {
        api_url: format!("http://{address}"),
        address,
        storage_url: prepared.storage_url,
        bucket: prepared.bucket,
        data_dir: prepared.data_dir,
        shutdown: Some(tx),
        task: Some(task),
        _temporary: prepared.temporary,
    })
}

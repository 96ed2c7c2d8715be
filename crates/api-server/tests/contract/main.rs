//! The generated server stubs of `openapi/api.yaml`, served on 127.0.0.1 and called through
//! the generated client (round trip) and through raw HTTP (the framework's own failures).

mod app;
mod framework;
mod round_trip;

use api_server::rt::axum;

/// Serves `app` on a free loopback port; the server stops with the test's runtime.
pub async fn serve(app: app::Memory) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let address = listener.local_addr().expect("bound");
    tokio::spawn(async move {
        axum::serve(listener, api_server::router(app)).await.ok();
    });
    format!("http://{address}")
}

/// Serves a shared `app`, for tests that change its state while it serves.
pub async fn serve_shared(app: std::sync::Arc<app::Memory>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let address = listener.local_addr().expect("bound");
    tokio::spawn(async move {
        axum::serve(listener, api_server::router(app)).await.ok();
    });
    format!("http://{address}")
}

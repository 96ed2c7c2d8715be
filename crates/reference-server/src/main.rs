//! `reference-server`: runs the reference backend until Ctrl-C (or SIGTERM).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use reference_server::{Config, DataDir, Storage};

/// The reference backend of openapi/api.yaml, with its object store.
#[derive(Debug, Parser)]
#[command(name = "reference-server", version)]
struct Args {
    /// Address of the API.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Address of the embedded object store (ignored with ACCORD_S3_ENDPOINT).
    #[arg(long, default_value = "127.0.0.1:9000")]
    storage_listen: SocketAddr,
    /// Where records, keys and stored objects live (default: ACCORD_DATA_DIR, else a temporary directory).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Create a demo account (demo@example.com) and print its credentials.
    #[arg(long)]
    demo: bool,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new("info,s3s=warn,s3s_fs=warn")
            }),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let mut config = Config {
        listen: args.listen,
        storage: Storage::Embedded {
            listen: args.storage_listen,
            bucket: "uploads".into(),
        },
        ..Config::default()
    };
    if let Err(e) = config.apply(|name| std::env::var(name).ok()) {
        eprintln!("reference-server: error: {e}");
        return ExitCode::from(2);
    }
    if let Some(dir) = args.data_dir {
        config.data_dir = DataDir::Persistent(dir);
    }
    let demo_password = args.demo.then(|| "demo-password-1".to_string());
    if let Some(password) = &demo_password {
        config.demo_user = Some(("demo@example.com".into(), password.clone()));
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("reference-server: error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let running = match reference_server::start(config).await {
            Ok(running) => running,
            Err(e) => {
                eprintln!("reference-server: error: {e:#}");
                return ExitCode::FAILURE;
            }
        };
        println!("reference-server: API      {}", running.api_url);
        println!(
            "reference-server: storage  {} (bucket {})",
            running.storage_url, running.bucket
        );
        println!("reference-server: data     {}", running.data_dir.display());
        if let Some(password) = &demo_password {
            println!("reference-server: demo     demo@example.com / {password}");
        }
        println!("reference-server: ready; Ctrl-C stops");
        shutdown_signal().await;
        println!("reference-server: stopping");
        running.stop().await;
        ExitCode::SUCCESS
    })
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

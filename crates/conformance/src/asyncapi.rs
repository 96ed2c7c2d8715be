//! The WebSocket as an AsyncAPI document describes it (2.x and 3.x): the path a browser
//! connects to (the `ws`/`wss` server's path and the channel's address) and the query
//! parameter its token goes in (the channel's `ws` binding's `query`). The document is the
//! profile's `websocket.asyncapi`, else `asyncapi.yaml`, `.yml` or `.json` beside the spec.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The names a query parameter carrying a token goes by, most telling first.
const TOKEN_NAMES: &[&str] = &[
    "token",
    "access_token",
    "accessToken",
    "jwt",
    "auth",
    "authorization",
];

/// What an AsyncAPI document says of its WebSocket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Socket {
    /// The path on the backend (`/ws`, `/api/v1/ws`).
    pub path: String,
    /// The query parameter of the token, when the binding names one.
    pub token_query: Option<String>,
}

/// The AsyncAPI document to read: `named` (relative to `profile_dir`), else one beside the
/// spec file; `Ok(None)` when there is none. A named document that does not read is an error.
pub fn load(named: Option<&str>, profile_dir: &Path, spec: &str) -> Result<Option<Value>, String> {
    let candidates: Vec<PathBuf> = match named {
        Some(n) => vec![profile_dir.join(n)],
        None if spec.starts_with("http://") || spec.starts_with("https://") => Vec::new(),
        None => {
            let dir = Path::new(spec).parent().unwrap_or(Path::new("."));
            ["asyncapi.yaml", "asyncapi.yml", "asyncapi.json"]
                .iter()
                .map(|n| dir.join(n))
                .collect()
        }
    };
    for path in candidates {
        let Ok(text) = std::fs::read_to_string(&path) else {
            if named.is_some() {
                return Err(format!(
                    "websocket.asyncapi: cannot read {}",
                    path.display()
                ));
            }
            continue;
        };
        let value: Value = serde_yaml::from_str(&text)
            .map_err(|e| format!("{}: not an AsyncAPI document: {e}", path.display()))?;
        if value.get("asyncapi").is_none() {
            return Err(format!("{}: no `asyncapi` version field", path.display()));
        }
        return Ok(Some(value));
    }
    Ok(None)
}

/// The path of a server URL or `pathname` (`ws://host:8000/api` -> `/api`).
fn server_path(server: &Value) -> String {
    if let Some(pathname) = server.get("pathname").and_then(Value::as_str) {
        return pathname.trim_end_matches('/').to_string();
    }
    let url = server
        .get("url")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    match rest.find('/') {
        Some(i) => rest[i..].trim_end_matches('/').to_string(),
        None => String::new(),
    }
}

/// The WebSocket of `doc`: its first `ws`/`wss` server and the first channel (one with a
/// `ws` binding first).
pub fn socket(doc: &Value) -> Option<Socket> {
    let servers = doc.get("servers").and_then(Value::as_object);
    let ws_server = servers.and_then(|s| {
        s.values().find(|v| {
            matches!(
                v.get("protocol").and_then(Value::as_str),
                Some("ws" | "wss")
            )
        })
    });
    // Without servers the channel is the whole path; with only other protocols, no WebSocket.
    if servers.is_some_and(|s| !s.is_empty()) && ws_server.is_none() {
        return None;
    }
    let base = ws_server.map(server_path).unwrap_or_default();
    let channels = doc.get("channels")?.as_object()?;
    let (name, channel) = channels
        .iter()
        .find(|(_, c)| c.pointer("/bindings/ws").is_some())
        .or_else(|| channels.iter().next())?;
    // 3.x names the address; 2.x uses the channel's key.
    let address = channel
        .get("address")
        .and_then(Value::as_str)
        .unwrap_or(name.as_str());
    let address = if address.starts_with('/') || address.is_empty() {
        address.to_string()
    } else {
        format!("/{address}")
    };
    let query = channel.pointer("/bindings/ws/query");
    let props = query
        .and_then(|q| q.get("properties"))
        .and_then(Value::as_object);
    let token_query = props.and_then(|p| {
        TOKEN_NAMES
            .iter()
            .find(|n| p.contains_key(**n))
            .map(|n| n.to_string())
            .or_else(|| {
                let required = query?.get("required")?.as_array()?;
                required.first()?.as_str().map(String::from)
            })
    });
    Some(Socket {
        path: format!("{base}{address}"),
        token_query,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_2x_document_names_the_path_and_the_token_parameter() {
        let doc = json!({
            "asyncapi": "2.6.0",
            "servers": {"api": {"url": "ws://localhost:8000/api/v1", "protocol": "ws"}},
            "channels": {"/ws": {"bindings": {"ws": {"query": {
                "type": "object", "properties": {"access_token": {"type": "string"}}}}}}}
        });
        assert_eq!(
            socket(&doc),
            Some(Socket {
                path: "/api/v1/ws".into(),
                token_query: Some("access_token".into())
            })
        );
    }

    #[test]
    fn a_3x_document_reads_pathname_and_address() {
        let doc = json!({
            "asyncapi": "3.0.0",
            "servers": {"prod": {"host": "api.example.com", "protocol": "wss", "pathname": "/realtime"}},
            "channels": {"events": {"address": "notifications", "bindings": {"ws": {"query": {
                "type": "object", "required": ["ticket"], "properties": {"ticket": {"type": "string"}}}}}}}
        });
        assert_eq!(
            socket(&doc),
            Some(Socket {
                path: "/realtime/notifications".into(),
                token_query: Some("ticket".into())
            })
        );
    }

    #[test]
    fn a_document_of_other_protocols_has_no_websocket() {
        let doc = json!({
            "asyncapi": "2.6.0",
            "servers": {"broker": {"url": "mqtt://broker:1883", "protocol": "mqtt"}},
            "channels": {"events": {}}
        });
        assert_eq!(socket(&doc), None);
    }

    #[test]
    fn a_document_beside_the_spec_is_found_and_a_named_one_must_read() {
        let dir = tempfile::tempdir().unwrap();
        let spec = dir.path().join("openapi.yaml");
        std::fs::write(&spec, "openapi: 3.0.3").unwrap();
        std::fs::write(
            dir.path().join("asyncapi.yaml"),
            "asyncapi: 2.6.0\nchannels:\n  /ws: {}\n",
        )
        .unwrap();
        let found = load(None, dir.path(), &spec.display().to_string()).unwrap();
        assert_eq!(socket(&found.unwrap()).unwrap().path, "/ws");
        let missing = load(Some("nope.yaml"), dir.path(), "x").unwrap_err();
        assert!(
            missing.contains("websocket.asyncapi: cannot read"),
            "{missing}"
        );
    }
}

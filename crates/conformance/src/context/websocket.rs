//! The WebSocket: where it is and how its token goes.

use super::Ctx;

impl Ctx {
    /// The WebSocket to check: its path (the profile's, else the spec's `x-accord-websocket`
    /// or `x-websocket` extension's `path`) and the query parameter a browser puts the token
    /// in (the profile's, else the extension's `token.query`, else `token`).
    /// The AsyncAPI document's `ws` server and channel come last.
    pub fn websocket(&self) -> Option<(String, String)> {
        let profile = self.profile.websocket.as_ref()?;
        let spec = ["x-accord-websocket", "x-websocket"]
            .iter()
            .find_map(|k| self.doc().get(*k));
        let asyncapi = self.asyncapi.as_ref().and_then(crate::asyncapi::socket);
        let path = profile
            .path
            .clone()
            .or_else(|| spec?.get("path")?.as_str().map(String::from))
            .or_else(|| asyncapi.as_ref().map(|s| s.path.clone()))?;
        let query = profile
            .token_query
            .clone()
            .or_else(|| spec?.pointer("/token/query")?.as_str().map(String::from))
            .or_else(|| asyncapi.as_ref()?.token_query.clone())
            .unwrap_or_else(|| "token".into());
        Some((path, query))
    }
}

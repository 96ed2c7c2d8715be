//! The origins the CORS checks send: one the profile allows, one it does not.

use super::Ctx;

impl Ctx {
    /// The first refused origin of the profile's `[cors]` (`https://evil.example` without one).
    pub fn refused_origin(&self) -> String {
        self.profile
            .cors
            .as_ref()
            .and_then(|c| c.refused_origins.first().cloned())
            .unwrap_or_else(|| "https://evil.example".into())
    }

    /// The first allowed origin of the profile's `[cors]`.
    pub fn allowed_origin(&self) -> Option<String> {
        self.profile
            .cors
            .as_ref()
            .and_then(|c| c.allowed_origins.first())
            .map(|o| o.get_ref().clone())
    }
}

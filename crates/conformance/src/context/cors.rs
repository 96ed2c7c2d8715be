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

    /// Whether the frontend sends credentials across origins: as `[cors] credentials` says,
    /// or else whether a cookie carries the session (a cookie security scheme, the token or
    /// the refresh token in a cookie, `[cookies]`). A token in a header needs none, and a
    /// backend answering `*` serves such a frontend.
    pub fn cors_credentials(&self) -> bool {
        if let Some(c) = self.profile.cors.as_ref().and_then(|c| c.credentials) {
            return c;
        }
        let auth = self.profile.auth.as_ref();
        crate::security::spec_sends_cookies(self.doc())
            || self.profile.cookies.is_some()
            || auth.is_some_and(|a| {
                [&a.access_token, &a.refresh_token]
                    .into_iter()
                    .flatten()
                    .any(|t| t.get_ref().starts_with("cookie:"))
            })
            || self
                .profile
                .refresh
                .as_ref()
                .is_some_and(|r| r.cookie.is_some())
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

//! A spec that secures no operation, for a backend that refuses requests without
//! credentials all the same (Django REST framework's own schema generator never writes
//! `security`; neither does a FastAPI app that reads its token from a plain header). The run
//! finds it out once, on the reads the token opens, and goes on as the backend answers:
//! with one spec finding, and every operation held as secured by the user's token, rather
//! than skipping every check of credentials.

use crate::exchange::Exchange;

use super::{Ctx, Identity};

/// How many reads are tried without credentials.
const TRIED: usize = 3;

impl Ctx {
    /// Where the spec secures no operation and the profile gives credentials: the refused
    /// answer to a read without them, carrying the one spec finding, when every read tried
    /// (GETs without parameters of their own, up to three, sign-ins, health checks and the
    /// API's root aside: those answer anyone) is refused
    /// without them (401 or 403) and answered with the first identity's token. `None`
    /// where the spec secures any operation, a read answers without credentials (the
    /// backend secures some and not others, which only the spec could say), or none is
    /// answered with the token.
    pub async fn security_in_practice(&self) -> Option<Exchange> {
        self.profile.auth.as_ref()?;
        if !self.secured_operations().is_empty() {
            return None;
        }
        let reads: Vec<_> = self
            .all_operations()
            .into_iter()
            .map(|(op, _)| op)
            .filter(|o| {
                o.method == "GET"
                    && !o.path.contains('{')
                    && !super::health_check(o)
                    && !self.api_root(o)
                    && !self.session_operations.contains(&o.id)
                    && !self.parameters(o).iter().any(|p| {
                        p.get("required").and_then(serde_json::Value::as_bool) == Some(true)
                    })
            })
            .take(TRIED)
            .collect();
        if reads.is_empty() {
            return None;
        }
        let tokens = self.session(Identity::First).await.ok()?;
        if tokens.access.is_empty() && tokens.cookies.is_empty() {
            return None;
        }
        let mut first_refused: Option<(Exchange, u16)> = None;
        for op in &reads {
            let bare = self.http.send(self.request_for(op)).await.ok()?;
            if !matches!(bare.status, 401 | 403) {
                return None;
            }
            let signed = self.with_session_cookies(self.request_for(op), &tokens);
            let signed = self.http.placement().apply(signed, &tokens.access);
            let answered = self.http.send(signed).await.ok()?;
            if !(200..300).contains(&answered.status) {
                return None;
            }
            first_refused.get_or_insert((bare, answered.status));
        }
        let (refused, answered) = first_refused?;
        let op = refused.operation.clone().unwrap_or_default();
        Some(refused.as_finding(
            &op,
            "",
            format!(
                "the spec secures no operation, yet the backend refuses this read without credentials ({}) and answers it with the profile's ({answered}), as it does {} read(s) tried: the run holds every operation but its own sign-in and sign-up, a health check and the API's root as secured by the user's token; declare the scheme (components.securitySchemes) and where it applies (security)",
                refused.status,
                reads.len()
            ),
        ))
    }
}

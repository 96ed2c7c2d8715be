//! Where the backend takes the user's token, when that is not where the spec's security
//! scheme puts it: the run finds out once, on a read the token opens, and goes on the way
//! the backend's frontend must send it, with one spec finding, rather than failing every
//! signed-in check on one wrong scheme.

use crate::exchange::Exchange;
use crate::http::Placement;

use super::{Ctx, Identity};

/// The words a frontend puts before a token in `Authorization`, in the order tried.
pub(super) const PREFIXES: [&str; 4] = ["Bearer ", "Token ", "JWT ", ""];

/// The other ways of sending a token in `Authorization` than `placement`, which puts it
/// there; none when `placement` puts it elsewhere.
fn alternatives(placement: &Placement) -> Vec<Placement> {
    let current = match placement {
        Placement::Bearer => "Bearer ",
        Placement::Header { name, prefix } if name.eq_ignore_ascii_case("authorization") => {
            prefix.as_str()
        }
        _ => return Vec::new(),
    };
    // The word is learned, not the spec's: an apiKey scheme's token sent after `Bearer` is
    // no http bearer scheme, whose 401 owes RFC 6750's challenge.
    PREFIXES
        .iter()
        .filter(|p| !p.eq_ignore_ascii_case(current))
        .map(|p| Placement::Header {
            name: "Authorization".into(),
            prefix: (*p).into(),
        })
        .collect()
}

impl Ctx {
    /// Where the spec's scheme puts the token in `Authorization` and the backend refuses
    /// the first identity's fresh token there (on a GET without path parameters that the
    /// token opens), the other way of sending it in that header (`Bearer`, `Token`, `JWT`,
    /// or bare) that the backend takes, with the refused exchange, which carries the one
    /// spec finding. `None` where the token is taken as the spec says, the profile names its
    /// `prefix`, the run has no session, or no other way is taken.
    pub async fn placement_taken(&self) -> Option<(Placement, Exchange)> {
        let auth = self.profile.auth.as_ref()?;
        if auth.prefix.is_some() {
            return None;
        }
        let candidates = alternatives(self.http.placement());
        if candidates.is_empty() {
            return None;
        }
        let op = self.probe_operation()?;
        let tokens = self.session(Identity::First).await.ok()?;
        if tokens.access.is_empty() {
            return None;
        }
        let send = |placement: &Placement| {
            let request = self.with_session_cookies(self.request_for(&op), &tokens);
            let request = placement.apply(request, &tokens.access);
            async move { self.http.send(request).await.ok() }
        };
        let refused = send(self.http.placement()).await?;
        if !matches!(refused.status, 401 | 403) {
            return None;
        }
        for placement in candidates {
            let Some(answer) = send(&placement).await else {
                continue;
            };
            if (200..300).contains(&answer.status) {
                let finding = refused.as_finding(
                    &op.id,
                    "",
                    format!(
                        "refuses the token where the spec's security scheme puts it ({}: {}) and takes it {} ({}): the run sends it so, as the backend's frontend must; correct the scheme, or name the `prefix` in the profile's [auth]",
                        self.http.placement().described(),
                        refused.status,
                        placement.described(),
                        answer.status
                    ),
                );
                return Some((placement, finding));
            }
        }
        None
    }

    /// Where the token travels in a session cookie the spec does not name (its scheme is
    /// the `Cookie` header), the cookie the first identity's sign-in sets it in: the one
    /// holding the session's token, else the only one. `None` where the placement names its
    /// cookie, or the sign-in sets none.
    pub async fn session_cookie_learned(&self) -> Option<String> {
        match self.http.placement() {
            Placement::Cookie { name } if name == crate::security::SESSION_COOKIE => {}
            _ => return None,
        }
        let tokens = self.session(Identity::First).await.ok()?;
        let holding = tokens
            .cookies
            .iter()
            .find(|(_, v)| !v.is_empty() && *v == tokens.access);
        match (holding, tokens.cookies.as_slice()) {
            (Some((name, _)), _) | (None, [(name, _)]) => Some(name.clone()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_other_ways_in_authorization_leave_out_the_spec_s_own() {
        let words = |p: &Placement| p.described();
        assert_eq!(
            alternatives(&Placement::Bearer)
                .iter()
                .map(words)
                .collect::<Vec<_>>(),
            [
                "in the `Authorization` header after `Token`",
                "in the `Authorization` header after `JWT`",
                "in the `Authorization` header"
            ]
        );
        let token = Placement::Header {
            name: "Authorization".into(),
            prefix: "Token ".into(),
        };
        assert_eq!(
            alternatives(&token).first().map(words).as_deref(),
            Some("in the `Authorization` header after `Bearer`")
        );
        assert_eq!(
            alternatives(&token).first().and_then(Placement::challenge),
            None
        );
        assert!(
            alternatives(&Placement::Cookie {
                name: "session".into()
            })
            .is_empty()
        );
    }
}

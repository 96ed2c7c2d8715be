//! The refresh token in a cookie: its attributes, refresh from the cookie alone, logout
//! clearing it, and the CSRF defence (a refused origin, a missing double-submit header).

use cucumber::{then, when};

use super::AccordWorld;
use crate::context::Tokens;
use crate::http::{Exchange, Request};
use crate::profile::Cookies;
use crate::rules::{Failure, Outcome, Rule};

/// One `Set-Cookie`: its name, value and attributes (names lower-cased).
struct SetCookie {
    name: String,
    value: String,
    attributes: Vec<(String, String)>,
}

impl SetCookie {
    fn parse(header: &str) -> Option<SetCookie> {
        let mut parts = header.split(';');
        let (name, value) = parts.next()?.split_once('=')?;
        let attributes = parts
            .map(|a| {
                let (k, v) = a.split_once('=').unwrap_or((a, ""));
                (k.trim().to_ascii_lowercase(), v.trim().to_string())
            })
            .collect();
        Some(SetCookie {
            name: name.trim().to_string(),
            value: value.trim().to_string(),
            attributes,
        })
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Whether it deletes the cookie: an empty value, `Max-Age` ≤ 0 or an `Expires` past.
    fn clears(&self) -> bool {
        let max_age_gone = self
            .get("max-age")
            .and_then(|v| v.parse::<i64>().ok())
            .is_some_and(|n| n <= 0);
        let expired = self
            .get("expires")
            .and_then(|v| chrono::DateTime::parse_from_rfc2822(v).ok())
            .is_some_and(|t| t.timestamp() <= chrono::Utc::now().timestamp());
        max_age_gone || expired || self.value.is_empty() || self.value == "\"\""
    }
}

fn settings(w: &AccordWorld) -> Result<Cookies, Failure> {
    w.ctx
        .profile
        .cookies
        .clone()
        .ok_or_else(|| Failure::setup("the profile has no [cookies]"))
}

/// The refresh cookie an exchange sets, if it does.
fn refresh_cookie_of(e: &Exchange, name: &str) -> Option<SetCookie> {
    e.headers("set-cookie")
        .into_iter()
        .filter_map(SetCookie::parse)
        .find(|c| c.name == name)
}

#[then("the refresh cookie is HttpOnly, Secure, SameSite Lax or Strict, scoped and bounded")]
async fn attributes(w: &mut AccordWorld) -> Outcome {
    let outcome = attributes_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn attributes_checked(w: &mut AccordWorld) -> Outcome {
    let s = settings(w)?;
    let Some((e, cookie)) = w
        .exchanges
        .iter()
        .rev()
        .find_map(|e| refresh_cookie_of(e, &s.refresh_cookie).map(|c| (e.clone(), c)))
    else {
        return Err(Failure::new(
            Rule::CookieAttributes,
            format!("login set no `{}` cookie", s.refresh_cookie),
        ));
    };
    let fail = |message: String| Err(Failure::new(Rule::CookieAttributes, message).with(&e));
    if !cookie.has("httponly") {
        return fail(
            "the refresh cookie is not HttpOnly: any script on the page can read it".into(),
        );
    }
    let same_site = cookie.get("samesite").map(str::to_ascii_lowercase);
    if same_site.as_deref() == Some("none") && !cookie.has("secure") {
        return fail("the refresh cookie is SameSite=None without Secure: browsers drop it, and it rides on every cross-site request".into());
    }
    if !matches!(same_site.as_deref(), Some("lax" | "strict")) {
        return fail(format!(
            "the refresh cookie is SameSite={}, not Lax or Strict: it is sent with cross-site requests",
            same_site.as_deref().unwrap_or("(unset)")
        ));
    }
    if s.secure && !cookie.has("secure") {
        return fail("the refresh cookie is not Secure: it travels over plain http".into());
    }
    match (&s.path, cookie.get("path")) {
        (Some(want), Some(got)) if got != want => {
            return fail(format!("the refresh cookie's Path is {got}, not {want}"));
        }
        (Some(want), None) => return fail(format!("the refresh cookie has no Path (want {want})")),
        (None, None | Some("/")) => {
            return fail("the refresh cookie is not scoped: Path is `/` or unset, so every request carries it".into());
        }
        _ => {}
    }
    if !cookie.has("max-age") && !cookie.has("expires") {
        return fail("the refresh cookie has neither Max-Age nor Expires".into());
    }
    Ok(())
}

/// The refresh operation's request carrying the session's cookies as a browser would send
/// them: from `origin`, with the CSRF header when `csrf_header` and double-submit is on.
fn cookie_refresh(
    w: &AccordWorld,
    tokens: &Tokens,
    origin: Option<String>,
    csrf_header: bool,
) -> Result<Request, Failure> {
    let refresh = w
        .ctx
        .profile
        .refresh
        .as_ref()
        .ok_or_else(|| Failure::setup("the profile has no [refresh]"))?;
    let op = w
        .ctx
        .op(refresh.operation.get_ref())
        .map_err(Failure::setup)?;
    let request = Request::new(&op.method, op.path.clone());
    Ok(w.ctx.cookie_request(request, tokens, origin, csrf_header))
}

#[when("the session is refreshed with the cookie alone from an allowed origin")]
async fn refresh_allowed(w: &mut AccordWorld) -> Outcome {
    let outcome = refresh_allowed_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn refresh_allowed_checked(w: &mut AccordWorld) -> Outcome {
    let tokens = w.tokens()?.clone();
    let request = cookie_refresh(w, &tokens, w.ctx.allowed_origin(), true)?;
    let e = w.send(request).await?;
    w.judged = vec![e];
    Ok(())
}

#[then("a new access token is issued and the cookie is renewed")]
async fn renewed(w: &mut AccordWorld) -> Outcome {
    let outcome = renewed_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn renewed_checked(w: &mut AccordWorld) -> Outcome {
    let s = settings(w)?;
    let e = w
        .judged
        .first()
        .cloned()
        .ok_or_else(|| Failure::setup("no refresh was sent"))?;
    if !(200..300).contains(&e.status) {
        return Err(Failure::new(
            Rule::CookieRefresh,
            format!("a refresh with the cookie alone answered {}", e.status),
        )
        .with(&e));
    }
    let tokens = w.ctx.tokens_from(&e).map_err(|m| {
        Failure::new(Rule::CookieRefresh, format!("the refresh answer: {m}")).with(&e)
    })?;
    match refresh_cookie_of(&e, &s.refresh_cookie) {
        Some(c) if !c.clears() => {}
        _ => {
            return Err(Failure::new(
                Rule::CookieRefresh,
                format!(
                    "the refresh answer sets no new `{}` cookie",
                    s.refresh_cookie
                ),
            )
            .with(&e));
        }
    }
    w.tokens = Some(tokens);
    Ok(())
}

#[then("the refresh cookie is cleared")]
async fn cleared(w: &mut AccordWorld) -> Outcome {
    let outcome = cleared_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn cleared_checked(w: &mut AccordWorld) -> Outcome {
    let s = settings(w)?;
    let logout = w
        .exchanges
        .last()
        .cloned()
        .ok_or_else(|| Failure::setup("no logout was sent"))?;
    match refresh_cookie_of(&logout, &s.refresh_cookie) {
        Some(c) if c.clears() => Ok(()),
        _ => Err(Failure::new(
            Rule::CookieLogout,
            format!(
                "logout does not clear the `{}` cookie (no Set-Cookie with Max-Age=0, a past Expires or an empty value)",
                s.refresh_cookie
            ),
        )
        .with(&logout)),
    }
}

#[then("the cleared session cannot refresh")]
async fn cannot_refresh(w: &mut AccordWorld) -> Outcome {
    let outcome = cannot_refresh_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn cannot_refresh_checked(w: &mut AccordWorld) -> Outcome {
    let tokens = w.tokens()?.clone();
    let request = cookie_refresh(w, &tokens, w.ctx.allowed_origin(), true)?;
    let e = w.send(request).await?;
    if (200..300).contains(&e.status) {
        return Err(Failure::new(
            Rule::CookieLogout,
            "the refresh cookie still refreshes after logout",
        )
        .with(&e));
    }
    Ok(())
}

#[when("the session is refreshed with the cookie from a refused origin")]
async fn refresh_refused_origin(w: &mut AccordWorld) -> Outcome {
    let outcome = refresh_refused_origin_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn refresh_refused_origin_checked(w: &mut AccordWorld) -> Outcome {
    let tokens = w.tokens()?.clone();
    let origin = w.ctx.refused_origin();
    let request = cookie_refresh(w, &tokens, Some(origin), true)?;
    let e = w.send(request).await?;
    w.judged = vec![e];
    w.expect = Some(Rule::CookieCsrfOrigin);
    Ok(())
}

#[when("the session is refreshed with the cookie but without the CSRF header")]
async fn refresh_without_header(w: &mut AccordWorld) -> Outcome {
    let outcome = refresh_without_header_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn refresh_without_header_checked(w: &mut AccordWorld) -> Outcome {
    let tokens = w.tokens()?.clone();
    let request = cookie_refresh(w, &tokens, w.ctx.allowed_origin(), false)?;
    let e = w.send(request).await?;
    w.judged = vec![e];
    w.expect = Some(Rule::CookieDoubleSubmit);
    Ok(())
}

#[then("the request is refused without a new session")]
async fn refused_without_session(w: &mut AccordWorld) -> Outcome {
    let outcome = refused_without_session_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn refused_without_session_checked(w: &mut AccordWorld) -> Outcome {
    let s = settings(w)?;
    let rule = w.expect.unwrap_or(Rule::CookieCsrfOrigin);
    let e = w
        .judged
        .first()
        .cloned()
        .ok_or_else(|| Failure::setup("no request was sent"))?;
    if (200..300).contains(&e.status) {
        let what = match rule {
            Rule::CookieCsrfOrigin
                if e.request_headers.iter().any(|(k, _)| {
                    let k = k.to_ascii_lowercase();
                    k.contains("csrf") || k.contains("xsrf")
                }) =>
            {
                format!(
                    "a cookie refresh from the refused origin {} was accepted ({}): the backend checks no Origin, and only the double-submit header defends it, which a cookie planted from a sibling subdomain defeats (verify Origin too)",
                    w.ctx.refused_origin(),
                    e.status
                )
            }
            Rule::CookieCsrfOrigin => format!(
                "a cookie refresh from the refused origin {} was accepted ({}): any site the user visits can refresh the session",
                w.ctx.refused_origin(),
                e.status
            ),
            _ => format!(
                "a cookie refresh without the CSRF header was accepted ({}): a page on another site can send it",
                e.status
            ),
        };
        return Err(Failure::new(rule, what).with(&e));
    }
    if e.status >= 500 {
        return Err(Failure::new(
            rule,
            format!(
                "a forged cookie refresh caused a server error ({})",
                e.status
            ),
        )
        .with(&e));
    }
    if refresh_cookie_of(&e, &s.refresh_cookie).is_some_and(|c| !c.clears()) {
        return Err(Failure::new(rule, "the refusal still set a new refresh cookie").with(&e));
    }
    Ok(())
}

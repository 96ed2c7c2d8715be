//! The rules the suite checks, as values: every failure names one [`Rule`], the reports group
//! by it, and the fault catalogue asserts it by variant, so renaming a rule breaks the build
//! rather than a substring match.

use std::fmt;

use crate::http::Exchange;

macro_rules! rules {
    ($($variant:ident => $id:literal, $what:literal;)*) => {
        /// A rule of the suite, with a stable id.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Rule { $($variant),* }

        impl Rule {
            pub const ALL: &'static [Rule] = &[$(Rule::$variant),*];

            /// The stable id, as printed: `rule cors.no_wildcard`.
            pub const fn id(self) -> &'static str {
                match self { $(Rule::$variant => $id),* }
            }

            /// What the rule asks of a backend, in one line.
            pub fn what(self) -> &'static str {
                match self { $(Rule::$variant => $what),* }
            }
        }
    };
}

rules! {
    Setup => "setup", "the harness can do what the scenario needs (sign in, build a request)";
    Transport => "transport", "the backend answers: no refused connection, reset or timeout";
    Identity => "identity", "a second identity is another user than the first";
    Spec => "spec", "every answer has a documented status, a declared content type and a body valid against the spec";
    Envelope => "envelope", "every error comes in the configured envelope";
    AuthStatus => "auth.status", "a secured operation refuses missing or invalid credentials with the status the spec documents (401, or 403 where only 403 is documented, where HTTP's own 401 is right too)";
    AuthChallenge => "auth.challenge", "a 401 of a bearer (or basic) scheme carries its `WWW-Authenticate` challenge";
    AuthValid => "auth.valid", "a valid token is accepted";
    AuthCsrf => "auth.csrf", "a write in a cookie session without the CSRF header its sign-in set a cookie for is refused (401 or 403)";
    AuthExpired => "auth.expired", "an expired access token is refused with 401 and `error=\"invalid_token\"`";
    RefreshWorks => "refresh.works", "the tokens from login and refresh are accepted";
    RefreshExchange => "refresh.exchange", "a refresh token is exchanged for a new pair";
    RefreshRotation => "refresh.rotation", "a used refresh token is refused";
    RefreshReuse => "refresh.reuse_detection", "reusing a refresh token revokes its family";
    RefreshLogout => "refresh.logout", "logout ends the refresh token";
    RefreshType => "refresh.type", "an access token is not a refresh token";
    CorsNoWildcard => "cors.no_wildcard", "an allowed origin with credentials never gets `*`";
    CorsExactOrigin => "cors.exact_origin", "an allowed origin is echoed exactly";
    CorsCredentials => "cors.credentials", "credentials are allowed when configured";
    CorsMethods => "cors.methods", "a preflight allows the requested method";
    CorsHeaders => "cors.headers", "a preflight allows the requested headers";
    CorsVary => "cors.vary", "CORS answers vary by Origin";
    CorsExpose => "cors.expose", "the configured headers are exposed";
    CorsRefused => "cors.refused", "a refused origin gets no `Access-Control-Allow-Origin`";
    ErrorsStatus => "errors.status", "each error case gets its status";
    ErrorsMethod => "errors.method", "a method the spec does not document for a path is answered 405, not routed or answered otherwise";
    ErrorsAllow => "errors.allow", "a 405 lists every method the spec documents for the path in `Allow`";
    UploadsPresign => "uploads.presign", "a valid upload is presigned";
    UploadsStorage => "uploads.storage", "the storage accepts a post that follows the policy";
    UploadsPolicy => "uploads.policy", "the storage refuses a post that breaks the policy";
    UploadsStored => "uploads.stored", "the backend reports the object stored";
    UploadsRefuse => "uploads.refuse", "the backend refuses to presign what it must not";
    UploadsKey => "uploads.key", "file names never reach the object key unsanitized";
    Boundary => "behaviour.boundary", "an input at the edge of its schema never gets a 5xx; one the schema refuses gets a 4xx in the envelope";
    Positive => "behaviour.positive", "valid inputs get a documented answer valid against the spec, never a server error";
    Created => "behaviour.created", "a create answers a documented 2xx with the resource and where to find it";
    Location => "behaviour.location", "a create's `Location` resolves to the resource";
    ReadBack => "behaviour.read_back", "a resource reads back as written";
    Listed => "behaviour.listed", "a created resource is listed";
    ListTotal => "behaviour.list_total", "a list's documented total (a header or a field such as `total` or `count`) agrees with the items it answers";
    PageLimit => "behaviour.page_limit", "a list answers no more items than the page size asked for";
    UpdatePersists => "behaviour.update_persists", "an update is what a later read returns";
    Precondition => "behaviour.precondition", "a write the spec guards with `If-Match` is refused with a stale tag (412), and without one where it requires it (428)";
    UseAfterDelete => "behaviour.use_after_delete", "a deleted resource reads as 404 or 410";
    ReferenceKept => "behaviour.reference_kept", "deleting a resource leaves what it only referred to (a pet's type), which others may refer to too";
    CrossUserRead => "behaviour.cross_user_read", "a second user cannot read the first user's resource (403 or 404)";
    CrossUserWrite => "behaviour.cross_user_write", "a second user cannot change or delete the first user's resource";
    CrossUserList => "behaviour.cross_user_list", "a second user's lists never show the first user's resources";
    FunctionLevel => "behaviour.function_level", "a user without a role or scope is refused the operations that need it (401, 403 or 404)";
    Crash => "behaviour.crash", "no request takes the backend down (a connection closed without an answer, and every connection after it refused)";
    Negative => "behaviour.negative", "a request breaking one constraint gets a 4xx in the envelope, never 2xx or 5xx";
    CorsErrors => "cors.errors", "error answers (401, 404, 422, 429) carry the CORS headers an allowed origin needs to read them";
    ApiKeyRefused => "apikey.refused", "a missing, malformed or unknown API key is refused with the status the spec documents (401, or 403 where only 403 is documented, where HTTP's own 401 is right too) in the envelope";
    ApiKeyValid => "apikey.valid", "a valid API key is accepted on every operation its scheme secures";
    ApiKeyRevoked => "apikey.revoked", "a revoked API key is refused";
    ApiKeyEcho => "apikey.echo", "an API key is never echoed in an answer";
    CookieAttributes => "cookies.attributes", "the refresh cookie is HttpOnly, Secure, SameSite Lax or Strict, scoped by Path, with a lifetime";
    CookieRefresh => "cookies.refresh", "the refresh cookie alone refreshes the session";
    CookieLogout => "cookies.logout", "logout clears the refresh cookie and ends it";
    CookieCsrfOrigin => "cookies.csrf_origin", "a state-changing request with the cookie from a refused origin is refused";
    CookieDoubleSubmit => "cookies.double_submit", "a cookie request without the matching CSRF header is refused";
    RateLimitReached => "ratelimit.reached", "a burst past the limit gets 429";
    RateLimitRetryAfter => "ratelimit.retry_after", "a 429 says when to retry in `Retry-After`, in the error envelope";
    RateLimitRecovers => "ratelimit.recovers", "after `Retry-After` seconds the request is allowed again";
    RateLimitCors => "ratelimit.cors", "a 429 carries the CORS headers an allowed origin needs to read it";
    WsRefused => "websocket.refused", "a WebSocket handshake without a valid token is refused";
    WsExpired => "websocket.expired", "a WebSocket handshake with an expired token is refused";
    WsOrigin => "websocket.origin", "a WebSocket handshake from a refused origin is refused";
    WsConnects => "websocket.connects", "a valid token connects, in the header or the query";
    WsEvents => "websocket.events", "a connection receives an event after a write through the REST API";
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rule {}", self.id())
    }
}

/// A failed check: the rule, what happened, and the exchanges that prove it.
#[derive(Debug, Clone)]
pub struct Failure {
    pub rule: Rule,
    pub message: String,
    pub exchanges: Vec<Exchange>,
    /// The smallest request found that still fails, when the failure was shrunk.
    pub minimal: Option<String>,
    /// Its cause fails one scenario of the run, and skips the others it stops (a refused
    /// sign-in): one cause, one failure.
    pub once: bool,
}

impl Failure {
    pub fn new(rule: Rule, message: impl Into<String>) -> Failure {
        Failure {
            rule,
            message: message.into(),
            exchanges: Vec::new(),
            minimal: None,
            once: false,
        }
    }

    /// This failure, as one whose cause fails one scenario only ([`Failure::once`]).
    pub fn once(mut self) -> Failure {
        self.once = true;
        self
    }

    pub fn with(mut self, exchange: &Exchange) -> Failure {
        self.exchanges.push(exchange.clone());
        self
    }

    /// Every failure a step met, as one: the first's rule, each message on a line of its own
    /// (with its rule when another), every exchange; `Ok` when there was none.
    pub fn combine(failures: Vec<Failure>) -> Result<(), Failure> {
        let mut failures = failures.into_iter();
        let Some(mut first) = failures.next() else {
            return Ok(());
        };
        let rest: Vec<Failure> = failures.collect();
        if rest.is_empty() {
            return Err(first);
        }
        let mut message = format!("{} problem(s):\n  - {}", rest.len() + 1, first.message);
        for f in rest {
            if f.rule == first.rule {
                message.push_str(&format!("\n  - {}", f.message));
            } else {
                message.push_str(&format!("\n  - {} (rule {})", f.message, f.rule.id()));
            }
            first.exchanges.extend(f.exchanges);
            first.minimal = first.minimal.or(f.minimal);
        }
        first.message = message;
        Err(first)
    }

    pub fn with_all(mut self, exchanges: &[Exchange]) -> Failure {
        self.exchanges.extend(exchanges.iter().cloned());
        self
    }

    pub fn minimal(mut self, request: impl Into<String>) -> Failure {
        self.minimal = Some(request.into());
        self
    }

    /// A failure of the harness itself to set the scenario up.
    pub fn setup(message: impl Into<String>) -> Failure {
        Failure::new(Rule::Setup, message)
    }

    /// A request that could not be sent: `transport` when the backend did not answer,
    /// `setup` when the harness could not send it (the read-only gate, a bad request).
    pub fn unsent(request: &crate::http::Request, error: String) -> Failure {
        let what = crate::exchange::elide_runs(&format!(
            "{} {}: {error}",
            request.method,
            crate::http::redact_url(&request.target)
        ));
        if error.starts_with("transport:") {
            Failure::new(Rule::Transport, what)
        } else {
            Failure::setup(what)
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}: {}", self.rule, self.message)?;
        if let Some(minimal) = &self.minimal {
            writeln!(f, "  minimal failing request: {minimal}")?;
        }
        for e in self.exchanges.iter().take(3) {
            f.write_str(&e.describe())?;
        }
        if self.exchanges.len() > 3 {
            writeln!(f, "  ... and {} more", self.exchanges.len() - 3)?;
        }
        Ok(())
    }
}

impl std::error::Error for Failure {}

/// What a step returns.
pub type Outcome = Result<(), Failure>;

/// Every problem a step found, not only the first: the first failure's rule leads, and the
/// others follow it in the message, each naming its own rule.
pub fn all(failures: Vec<Failure>) -> Outcome {
    let mut failures = failures.into_iter();
    let Some(mut first) = failures.next() else {
        return Ok(());
    };
    let rest: Vec<Failure> = failures.collect();
    if !rest.is_empty() {
        first.message.push_str(&format!(
            "\n  and {} more problem(s) in this step:",
            rest.len()
        ));
        for f in rest {
            first
                .message
                .push_str(&format!("\n  - {}: {}", f.rule, f.message));
            for e in f.exchanges {
                let shown = e.describe();
                if !first.exchanges.iter().any(|x| x.describe() == shown) {
                    first.exchanges.push(e);
                }
            }
        }
    }
    Err(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_dotted_by_area() {
        let mut ids: Vec<&str> = Rule::ALL.iter().map(|r| r.id()).collect();
        ids.sort();
        let before = ids.len();
        ids.dedup();
        assert_eq!(before, ids.len(), "two rules share an id");
        for rule in Rule::ALL {
            assert!(!rule.what().is_empty());
        }
    }

    #[test]
    fn a_step_reports_every_problem_it_met() {
        assert!(Failure::combine(Vec::new()).is_ok());
        let one = Failure::combine(vec![Failure::new(Rule::ReadBack, "a")]).unwrap_err();
        assert_eq!((one.rule, one.message.as_str()), (Rule::ReadBack, "a"));
        let three = Failure::combine(vec![
            Failure::new(Rule::Listed, "not listed"),
            Failure::new(Rule::Listed, "not listed either"),
            Failure::new(Rule::PageLimit, "3 items for a page of 1"),
        ])
        .unwrap_err();
        assert_eq!(three.rule, Rule::Listed);
        assert_eq!(
            three.message,
            "3 problem(s):\n  - not listed\n  - not listed either\n  - 3 items for a page of 1 (rule behaviour.page_limit)"
        );
    }
}

//! The cucumber World and the steps of `features/*.feature`, one module per domain concept.
//! Steps stay thin: they send requests through [`Http`](crate::http::Http), judge what the
//! profile and the spec say, and return a [`Failure`] naming its [`Rule`] and the exchanges
//! that prove it (secrets redacted).

mod apikey;
mod auth;
mod behaviour;
mod cookies;
mod cors;
mod errors;
mod ratelimit;
mod refresh;
mod uploads;
mod websocket;

use std::sync::{Arc, OnceLock};

use cucumber::{World, given};
use serde_json::Value;

use crate::context::{Ctx, Identity, OpInfo, Tokens};
pub use crate::envelope::{envelope_problem, envelope_problem_beyond_spec};
use crate::http::{Exchange, Request};
pub(crate) use crate::rules::all;
use crate::rules::{Failure, Outcome, Rule};

static CTX: OnceLock<Arc<Ctx>> = OnceLock::new();

/// `items` with those of one key said once: the first of each key kept, the others' names
/// appended to its text (`(and 2 more LABEL: a; b)`); an item `key` gives none is kept as
/// it is. `key` gives an item's key and name.
pub(crate) fn fold_alike<T>(
    items: Vec<T>,
    key: impl Fn(&T) -> Option<(String, String)>,
    text: impl Fn(&mut T) -> &mut String,
    label: &str,
) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    // (key, where its first is in `out`, the others' names)
    let mut groups: Vec<(String, usize, Vec<String>)> = Vec::new();
    for item in items {
        let Some((group, name)) = key(&item) else {
            out.push(item);
            continue;
        };
        match groups.iter_mut().find(|(g, _, _)| *g == group) {
            Some((_, _, names)) => names.push(name),
            None => {
                groups.push((group, out.len(), Vec::new()));
                out.push(item);
            }
        }
    }
    for (_, at, names) in groups.into_iter().filter(|(_, _, n)| !n.is_empty()) {
        let text = text(&mut out[at]);
        *text = format!(
            "{text} (and {} more {label}: {})",
            names.len(),
            names.join("; ")
        );
    }
    out
}

pub fn install(ctx: Arc<Ctx>) {
    let _ = CTX.set(ctx);
}

/// The context of the run, once installed.
pub fn ctx() -> Option<Arc<Ctx>> {
    CTX.get().cloned()
}

#[derive(World)]
#[world(init = Self::new)]
pub struct AccordWorld {
    ctx: Arc<Ctx>,
    exchanges: Vec<Exchange>,
    /// The exchanges the next `Then` judges.
    judged: Vec<Exchange>,
    tokens: Option<Tokens>,
    previous: Option<Tokens>,
    origin: String,
    upload: Option<Value>,
    behaviour: behaviour::State,
    /// The API key the scenario holds, and the one it last sent.
    key: Option<apikey::Key>,
    sent_key: Option<String>,
    /// The scenario's WebSocket handshake.
    socket: Option<websocket::Opened>,
    /// The request a rate limit refused, to send again once it lifts.
    limited: Option<Request>,
    /// The rule a shared `Then` step judges by, set by the `When` before it.
    expect: Option<Rule>,
    /// The statuses the spec lets the error case of the scenario get.
    error_statuses: Option<Vec<u16>>,
    /// The error case sent (see [`ErrorCase`]).
    error_case: Option<crate::context::ErrorCase>,
    /// The path template of the operation the error case went to, when it has one.
    error_path: Option<String>,
    /// Answers that refused the privileged identity too (403).
    privileged_refused: Vec<Exchange>,
    /// The forged token an `@auth` scenario sends, if it sends one (`None`: no token; the
    /// challenge's presence is judged on the no-token answers, once).
    forgery: Option<crate::context::Forgery>,
    /// For each judged exchange of a method a path does not document, the statuses other
    /// than 405 it may get (see `errors::undeclared_methods`).
    tolerated: Vec<Vec<u16>>,
    /// The path template each of `judged` went to, where a step keeps it (the OPTIONS
    /// sent to every path).
    templates: Vec<String>,
    /// Why the scenario could not be checked on this backend, found while it ran (a token
    /// that lives too long to wait for, a spec without resources): reported as skipped.
    pub skip: Option<String>,
    /// The write sent without the CSRF header: its operation, the CSRF cookie and header,
    /// the answer.
    csrf: Option<(String, String, String, Exchange)>,
    /// This scenario's key in the run (from its name, so the same in every run): what its
    /// behaviour steps create is theirs, and their generated bodies differ from another's.
    serial: u64,
    /// When the scenario started.
    started: std::time::Instant,
    /// The failure of the step that failed, as the step returned it: the report reads its
    /// rule from here, never from the text cucumber makes of it.
    pub failure: Option<Failure>,
}

impl AccordWorld {
    /// The first identity's session, where the scenario has none and the run signs in (the
    /// one session the run holds for it, reused): for checks a backend answers only to a
    /// caller it knows (DRF checks credentials before the method).
    pub async fn own_session(&mut self) {
        if self.tokens.is_none() && !self.ctx.anonymous() {
            self.tokens = self.ctx.session(crate::context::Identity::First).await.ok();
        }
    }

    /// Names the scenario this world runs (the run's before-scenario hook calls it).
    pub fn set_scenario(&mut self, name: &str) {
        // FNV-1a, never 0 (0 is "no scenario").
        let mut h: u64 = 0xcbf29ce484222325;
        for b in name.bytes() {
            h ^= b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
        self.serial = h.max(1);
        self.started = std::time::Instant::now();
    }

    /// Keeps a step's failure (the first: a scenario stops at its failing step).
    pub fn keep(&mut self, outcome: &Outcome) {
        if let Err(f) = outcome
            && self.failure.is_none()
        {
            self.failure = Some(f.clone());
        }
    }

    /// How long the scenario has run.
    pub fn seconds(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }
}

impl std::fmt::Debug for AccordWorld {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AccordWorld {{ {} exchanges }}", self.exchanges.len())
    }
}

impl AccordWorld {
    fn new() -> Result<Self, Failure> {
        let ctx = ctx().ok_or_else(|| Failure::setup("the context is not installed"))?;
        Ok(AccordWorld {
            ctx,
            exchanges: Vec::new(),
            judged: Vec::new(),
            tokens: None,
            previous: None,
            origin: String::new(),
            upload: None,
            behaviour: behaviour::State::default(),
            key: None,
            sent_key: None,
            socket: None,
            limited: None,
            expect: None,
            error_statuses: None,
            error_case: None,
            error_path: None,
            privileged_refused: Vec::new(),
            forgery: None,
            tolerated: Vec::new(),
            templates: Vec::new(),
            skip: None,
            csrf: None,
            serial: 0,
            started: std::time::Instant::now(),
            failure: None,
        })
    }

    /// Sends as a well-mannered client (a 429 or 503 with `Retry-After` waited out): the
    /// scenarios that check the rate limit itself send through [`Self::send_raw`].
    async fn send(&mut self, request: Request) -> Result<Exchange, Failure> {
        let request = self.in_session(request);
        let sent = self.ctx.http.send_politely(request.clone()).await;
        self.sent(request, sent)
    }

    /// Sends `request`, of `op`, one of the many operations a scenario calls
    /// ([`one_of_many`]).
    async fn send_each(
        &mut self,
        op: &OpInfo,
        request: Request,
    ) -> Result<Option<Exchange>, Failure> {
        if unanswered_before(&self.ctx, op) {
            return Ok(None);
        }
        let sent = self.send(request).await;
        one_of_many(&self.ctx, op, sent)
    }

    /// Sends once, a 429 left as it is.
    async fn send_raw(&mut self, request: Request) -> Result<Exchange, Failure> {
        let request = self.in_session(request);
        let sent = self.ctx.http.send(request.clone()).await;
        self.sent(request, sent)
    }

    /// `request`, where it carries the scenario's own session, as the backend's frontend
    /// sends it in a cookie session: with the other cookies the sign-in set and, on a
    /// write, the CSRF header ([`crate::behaviour::as_the_browser`]). An error case sent
    /// without them would meet the backend's CSRF defence (403), not the error it checks.
    fn in_session(&self, request: Request) -> Request {
        match &self.tokens {
            Some(tokens) if request.credential.as_deref() == Some(tokens.access.as_str()) => {
                crate::behaviour::as_the_browser(&self.ctx, request, tokens)
            }
            _ => request,
        }
    }

    fn sent(
        &mut self,
        request: Request,
        sent: Result<Exchange, String>,
    ) -> Result<Exchange, Failure> {
        match sent {
            Ok(exchange) => {
                self.exchanges.push(exchange.clone());
                Ok(exchange)
            }
            Err(failure) => Err(Failure::unsent(&request, failure)),
        }
    }

    /// The exchanges of the scenario so far, for the findings' attribution.
    pub fn exchanges(&self) -> &[Exchange] {
        &self.exchanges
    }

    fn tokens(&self) -> Result<&Tokens, Failure> {
        self.tokens
            .as_ref()
            .ok_or_else(|| Failure::setup("a step before this one signs a user in"))
    }

    fn access(&self) -> Result<String, Failure> {
        self.tokens().map(|t| t.access.clone())
    }
}

/// The envelope check as a step result.
fn in_envelope(ctx: &Ctx, exchange: &Exchange) -> Outcome {
    match envelope_problem(ctx, exchange) {
        Some(problem) => Err(Failure::new(Rule::Envelope, problem).with(exchange)),
        None => Ok(()),
    }
}

/// The envelope check of one of the many answers a step judges, naming which (`what`: the
/// operation, or the method and path): `GetCurrentUser: the error's body is not JSON`.
fn named_in_envelope(ctx: &Ctx, exchange: &Exchange, what: &str) -> Option<Failure> {
    envelope_problem(ctx, exchange)
        .map(|problem| Failure::new(Rule::Envelope, format!("{what}: {problem}")).with(exchange))
}

/// `problems` with the answers outside the envelope for the same reason said once, naming
/// the others (`label`: what they are): a backend whose every 401 is plain text is one
/// problem, not one per operation.
fn fold_envelope(problems: Vec<Failure>, label: &str) -> Vec<Failure> {
    fold_alike(
        problems,
        |f| {
            let (what, why) = f.message.split_once(": ")?;
            // The reason without the name it may hold (`get_api_key 401: Content-Type ...`).
            (f.rule == Rule::Envelope).then(|| (why.replace(what, ""), what.to_string()))
        },
        |f| &mut f.message,
        label,
    )
}

// ---- sessions ---------------------------------------------------------------------------

/// The profile's user, in the run's shared session (signed in once, reused).
#[given("a signed-in user")]
async fn signed_in(w: &mut AccordWorld) -> Outcome {
    let outcome = signed_in_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn signed_in_checked(w: &mut AccordWorld) -> Outcome {
    let tokens = w
        .ctx
        .session(Identity::First)
        .await
        .map_err(|e| e.failure("signing in as the profile says failed"))?;
    w.tokens = Some(tokens);
    Ok(())
}

/// Sets the identities the selected scenarios will call signing in, once, as the run
/// starts: the first and the spare account (for the behaviour phase's operations on the
/// signed-in account) at once, the second after the first (whose sign-in says whether the
/// backend is fresh, see `first_signed_up`). A sign-in is a password hash, which a backend
/// makes slow on purpose; one after another they held up every scenario's start. What each
/// answers is kept, as when a scenario asks for it first. Called once, by the run.
pub fn warm_sessions(ctx: &Arc<Ctx>) {
    if ctx.anonymous() {
        return;
    }
    let steps = &ctx.selected_steps;
    if steps.contains("a signed-in user") {
        let ctx = ctx.clone();
        tokio::spawn(async move {
            let _ = ctx.session(Identity::First).await;
        });
    }
    let generated = [
        "every operation is called with valid inputs generated from the spec",
        "every operation is called with boundary inputs from the spec",
        "every operation is called with inputs that break one constraint each",
    ];
    let spare = generated.iter().any(|s| steps.contains(*s))
        && !ctx.read_only()
        && ctx
            .profile
            .auth
            .as_ref()
            .is_some_and(|a| a.register.is_some())
        && crate::behaviour::plan(ctx)
            .0
            .iter()
            .any(|(op, _)| crate::behaviour::caller(ctx, op) == Identity::Spare);
    if spare {
        let ctx = ctx.clone();
        tokio::spawn(async move {
            let _ = ctx.session(Identity::Spare).await;
        });
    }
    if steps.contains("a second signed-in user") {
        let ctx = ctx.clone();
        tokio::spawn(async move {
            if ctx.session(Identity::First).await.is_ok() {
                let _ = ctx.session(Identity::Second).await;
            }
        });
    }
}

/// A session of this scenario's own, for scenarios that use up or end their session.
#[given("a user signed in for this scenario")]
async fn signed_in_anew(w: &mut AccordWorld) -> Outcome {
    let outcome = signed_in_anew_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn signed_in_anew_checked(w: &mut AccordWorld) -> Outcome {
    let (tokens, exchanges) = w
        .ctx
        .sign_in(Identity::First)
        .await
        .map_err(|e| e.failure("signing in as the profile says failed"))?;
    w.exchanges.extend(exchanges);
    w.tokens = Some(tokens);
    Ok(())
}

/// Whether `op` got no answer in a scenario that calls many operations ([`one_of_many`]):
/// such scenarios do not send it again, a timeout apiece.
pub(crate) fn unanswered_before(ctx: &Ctx, op: &OpInfo) -> bool {
    ctx.unanswered.lock().is_ok_and(|u| u.contains(&op.id))
}

/// What was `sent` for `op`, one of the many operations a scenario calls. Where `op` got no
/// answer while the backend still answers (a route waiting on a service it cannot reach:
/// LNbits's `POST /node/api/v1/phoenixd/send`, with no Phoenix node), a note says so once,
/// `None` is returned, and the scenario judges the other operations; no later scenario of
/// that kind sends it again ([`unanswered_before`]). The behaviour phase reports the
/// operation's silence as its problem. A backend that went down ends the scenario, as
/// before.
pub(crate) fn one_of_many(
    ctx: &Ctx,
    op: &OpInfo,
    sent: Result<Exchange, Failure>,
) -> Result<Option<Exchange>, Failure> {
    match sent {
        Ok(e) => Ok(Some(e)),
        Err(f) if f.rule == Rule::Transport && ctx.http.went_down().is_none() => {
            if let Ok(mut u) = ctx.unanswered.lock() {
                u.insert(op.id.clone());
            }
            ctx.http.note(format!(
                "{}: no answer ({}), while the backend answers its other operations: the \
                 checks that call every operation leave it out",
                op.id, f.message
            ));
            Ok(None)
        }
        Err(f) => Err(f),
    }
}

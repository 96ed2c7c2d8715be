//! Authentication: every operation the user's token opens refuses missing or forged
//! credentials with the status its spec documents (and, for a bearer scheme, the RFC 6750
//! challenge) in the envelope, and accepts a valid token.

use std::str::FromStr;

use cucumber::{Parameter, then, when};

use super::{AccordWorld, envelope_problem, fold_envelope, named_in_envelope};
use crate::context::{Forgery, Identity};
use crate::rules::{Failure, Outcome, Rule};

/// The credentials a scenario presents.
#[derive(Debug, Clone, Copy, Parameter)]
#[param(
    name = "credentials",
    regex = "no token|a malformed token|a token with an altered signature|an alg none token|a token signed by an unknown key"
)]
pub enum Credentials {
    None,
    Forged(Forgery),
}

impl FromStr for Credentials {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "no token" => Credentials::None,
            "a malformed token" => Credentials::Forged(Forgery::Malformed),
            "a token with an altered signature" => Credentials::Forged(Forgery::AlteredSignature),
            "an alg none token" => Credentials::Forged(Forgery::AlgNone),
            "a token signed by an unknown key" => Credentials::Forged(Forgery::UnknownKey),
            other => return Err(format!("unknown credentials `{other}`")),
        })
    }
}

#[when(expr = "every secured operation is called with {credentials}")]
async fn secured_with(w: &mut AccordWorld, credentials: Credentials) -> Outcome {
    let outcome = secured_with_checked(w, credentials).await;
    w.keep(&outcome);
    outcome
}

async fn secured_with_checked(w: &mut AccordWorld, credentials: Credentials) -> Outcome {
    // The operations the user's token opens (under --read-only, the safe ones: a forged
    // token is harmless only while authentication works, and that is what is under test).
    // None is no failure of the backend: the scenario is skipped, saying why.
    let ops = w.ctx.token_operations();
    if ops.is_empty() {
        w.skip = Some(if w.ctx.secured_operations().is_empty() {
            "the spec secures no operation: there is no credential to refuse".into()
        } else {
            "the spec secures no operation with the user's token scheme (see auth.scheme)".into()
        });
        return Ok(());
    }
    let token = match credentials {
        Credentials::None => None,
        Credentials::Forged(kind) => match forged(w, kind).await? {
            Some(token) => Some(token),
            None => return Ok(()),
        },
    };
    w.judged.clear();
    w.forgery = match credentials {
        Credentials::None => None,
        Credentials::Forged(kind) => Some(kind),
    };
    let kept_as = kept_as(w.forgery);
    for op in ops {
        let request = w.ctx.request_for(&op).bearer(token.as_deref());
        let Some(exchange) = w.send_each(&op, request).await? else {
            continue;
        };
        if let Some(kept_as) = kept_as
            && let Ok(mut known) = w.ctx.refusals.lock()
        {
            let outside = envelope_problem(&w.ctx, &exchange);
            known.insert((kept_as, op.id.clone()), (exchange.status, outside));
        }
        w.judged.push(exchange);
    }
    Ok(())
}

/// The answers kept for the other scenarios ([`Ctx::refusals`]): those to no token, and
/// to a malformed one.
fn kept_as(forgery: Option<Forgery>) -> Option<&'static str> {
    match forgery {
        None => Some(NO_TOKEN),
        Some(Forgery::Malformed) => Some(MALFORMED),
        Some(_) => None,
    }
}

const NO_TOKEN: &str = "no token";
const MALFORMED: &str = "a malformed token";

/// Whether the backend answers `credentials` ([`NO_TOKEN`] or [`MALFORMED`]) with `status`,
/// where the spec documents another refusal, on any of the operations the user's token
/// opens: that scenario's answers where it has them, one request each for the others
/// (kept for the other scenarios).
async fn answers_with(
    w: &mut AccordWorld,
    credentials: &'static str,
    status: u16,
) -> Result<bool, Failure> {
    let Some(token) = token_of(w, credentials).await else {
        return Ok(false);
    };
    for op in w.ctx.token_operations() {
        let Some((got, _)) = answer_to(w, credentials, token.as_deref(), &op).await? else {
            continue;
        };
        if got == status && w.ctx.refusal_status(&op) != status {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The token `credentials` ([`NO_TOKEN`] or [`MALFORMED`]) sends: `None` inside for no
/// token; `None` when a malformed one cannot be made.
async fn token_of(w: &AccordWorld, credentials: &'static str) -> Option<Option<String>> {
    match credentials {
        NO_TOKEN => Some(None),
        _ => match w.ctx.forged_token(Forgery::Malformed).await {
            Ok(Some(token)) => Some(Some(token)),
            _ => None,
        },
    }
}

/// The scenario that judges this scenario's answer on `op` outside the error envelope
/// (`outside`: why), where one does: the no-token scenario where `op` answers no token
/// outside it for the same reason, or, for a forged signature or algorithm, the malformed
/// token's. A backend whose every bad-token refusal is plain text fails once, not once per
/// forgery.
async fn envelope_judged_by(
    w: &mut AccordWorld,
    op_id: &str,
    outside: &str,
) -> Result<Option<&'static str>, Failure> {
    let Some(forgery) = w.forgery else {
        return Ok(None);
    };
    let Ok(op) = w.ctx.op(op_id) else {
        return Ok(None);
    };
    if !w
        .ctx
        .runs("Authentication", "Secured operations refuse <credentials>")
    {
        return Ok(None);
    }
    let mut judges = vec![NO_TOKEN];
    if forgery != Forgery::Malformed {
        judges.push(MALFORMED);
    }
    for credentials in judges {
        let Some(token) = token_of(w, credentials).await else {
            continue;
        };
        let Some((_, theirs)) = answer_to(w, credentials, token.as_deref(), &op).await? else {
            continue;
        };
        if theirs.as_deref() == Some(outside) {
            return Ok(Some(credentials));
        }
    }
    Ok(None)
}

/// `op_id`'s answer to the signed-in user's valid request, sent in the user's session as
/// the behaviour phase sends it ([`crate::behaviour::send_as`]); `None` where the operation
/// got no answer or the user cannot sign in.
async fn with_the_valid_token(
    w: &mut AccordWorld,
    op_id: &str,
) -> Result<Option<crate::http::Exchange>, Failure> {
    let Ok(op) = w.ctx.op(op_id) else {
        return Ok(None);
    };
    if super::unanswered_before(&w.ctx, &op) {
        return Ok(None);
    }
    let sent = crate::behaviour::send_as(&w.ctx, Identity::First, w.ctx.request_for(&op)).await;
    match sent {
        Err(f) if f.rule != Rule::Transport => Ok(None),
        sent => super::one_of_many(&w.ctx, &op, sent),
    }
}

/// The status `op` answers `credentials` ([`NO_TOKEN`], or [`MALFORMED`] as `token`), and
/// what puts that answer outside the error envelope: that scenario's answer where the run
/// has it, else one request (kept for the others); `None` where `op` got no answer
/// ([`AccordWorld::send_each`]).
async fn answer_to(
    w: &mut AccordWorld,
    credentials: &'static str,
    token: Option<&str>,
    op: &crate::context::OpInfo,
) -> Result<Option<(u16, Option<String>)>, Failure> {
    let key = (credentials, op.id.clone());
    let known = w
        .ctx
        .refusals
        .lock()
        .ok()
        .and_then(|k| k.get(&key).cloned());
    if let Some(got) = known {
        return Ok(Some(got));
    }
    let Some(e) = w.send_each(op, w.ctx.request_for(op).bearer(token)).await? else {
        return Ok(None);
    };
    let got = (e.status, envelope_problem(&w.ctx, &e));
    if let Ok(mut known) = w.ctx.refusals.lock() {
        known.insert(key, got.clone());
    }
    Ok(Some(got))
}

/// Whether the answer `status` to this scenario's token on `op` is no verdict of the
/// spec's: `op` is secured only as the backend answers (the spec secures no operation), and
/// it answers without any token too, neither refusing (401, 403) nor crashing. The spec
/// cannot say which of its operations are open; a forged token let in where no token is
/// refused is still a failure.
async fn open_in_practice(w: &mut AccordWorld, op: &str, status: u16) -> Result<bool, Failure> {
    let answered = |status: u16| !matches!(status, 401 | 403) && status < 500;
    if !answered(status) || !w.ctx.secured_only_in_practice(op) {
        return Ok(false);
    }
    if w.forgery.is_none() {
        return Ok(true);
    }
    let Ok(op) = w.ctx.op(op) else {
        return Ok(false);
    };
    let Some((bare, _)) = answer_to(w, NO_TOKEN, None, &op).await? else {
        return Ok(false);
    };
    Ok(answered(bare))
}

/// The scenario that judges the wrong answer `status` to this scenario's token on `op_id`,
/// where one does: the no-token scenario where the backend answers no token so too, or,
/// for a forged signature or algorithm, the malformed token's where it answers that so. A
/// token taken (2xx) is this scenario's own failure, but where `op_id` answers without any
/// token too: it needs none, which the no-token scenario says, and taking a forged token
/// there says nothing of how the backend checks one (a list left open failed all five
/// token scenarios alike).
async fn judged_by(
    w: &mut AccordWorld,
    op_id: &str,
    status: u16,
) -> Result<Option<&'static str>, Failure> {
    let Some(forgery) = w.forgery else {
        return Ok(None);
    };
    if !w
        .ctx
        .runs("Authentication", "Secured operations refuse <credentials>")
    {
        return Ok(None);
    }
    if (200..300).contains(&status) {
        let Ok(op) = w.ctx.op(op_id) else {
            return Ok(None);
        };
        let Some((bare, _)) = answer_to(w, NO_TOKEN, None, &op).await? else {
            return Ok(None);
        };
        return Ok((200..300).contains(&bare).then_some(NO_TOKEN));
    }
    if answers_with(w, NO_TOKEN, status).await? {
        return Ok(Some(NO_TOKEN));
    }
    if forgery != Forgery::Malformed && answers_with(w, MALFORMED, status).await? {
        return Ok(Some(MALFORMED));
    }
    Ok(None)
}

/// A token forged the way `kind` says; `None` when the backend's token is opaque (not a
/// JWT), and then the scenario is skipped, saying so: an opaque token has no signature or
/// algorithm to forge, and the no-token and malformed-token checks are what apply to it.
pub(crate) async fn forged(w: &mut AccordWorld, kind: Forgery) -> Result<Option<String>, Failure> {
    let token = w
        .ctx
        .forged_token(kind)
        .await
        .map_err(|e| e.failure(&format!("cannot build {kind:?}")))?;
    if token.is_none() {
        w.skip = Some(
            "the backend's token is opaque, not a JWT: it has no signature or algorithm to forge (the no-token and malformed-token checks apply to it)".into(),
        );
    }
    Ok(token)
}

/// What an answer other than the refusal says of the operation: a 2xx that it needs no
/// credentials, though the spec secures it; a 404 on a path with an id, that it looked the
/// resource up before (or without) checking them.
fn why_answered(status: u16, path_has_id: bool) -> &'static str {
    match status {
        200..=299 => ": it answers without valid credentials, though the spec secures it",
        404 if path_has_id => {
            ": it looked the resource up before checking credentials, or needs none, though the spec secures it"
        }
        _ => "",
    }
}

#[then(
    "every answer is refused as the spec documents, with the scheme's challenge, in the error envelope"
)]
async fn all_refused(w: &mut AccordWorld) -> Outcome {
    let outcome = all_refused_checked(w).await;
    w.keep(&outcome);
    outcome
}

/// An answer another scenario judges: its status, the one expected, and that scenario's
/// credentials (`no token`).
type JudgedAnswer = (u16, u16, &'static str);

async fn all_refused_checked(w: &mut AccordWorld) -> Outcome {
    if w.skip.is_some() {
        return Ok(());
    }
    let challenge = w.ctx.http.placement().challenge();
    let mut problems = Vec::new();
    // Whether the backend refuses a request without valid credentials on a secured route
    // with parameters before looking anything up: then such a route answered as one the
    // backend does not have is not served, not a lookup before the credentials.
    // The operations answering as they answer what another scenario judges, said once per
    // answer: (status, expected, that scenario's credentials) and the operations.
    let mut judged_elsewhere: Vec<(JudgedAnswer, Vec<String>)> = Vec::new();
    let refuses_first = w.judged.iter().any(|e| {
        let Some(op) = e.operation.as_deref().and_then(|id| w.ctx.op(id).ok()) else {
            return false;
        };
        op.path.contains('{') && matches!(e.status, 401 | 403)
    });
    for e in w.judged.clone() {
        let e = &e;
        let op_id = e.operation.as_deref().unwrap_or("?");
        let expected = w
            .ctx
            .op(op_id)
            .map(|op| w.ctx.refusal_status(&op))
            .unwrap_or(401);
        // Another refusal the spec allows (a 401 where it documents only 403) is as good.
        let expected = if w
            .ctx
            .op(op_id)
            .is_ok_and(|op| w.ctx.refusals(&op).contains(&e.status))
        {
            e.status
        } else {
            expected
        };
        // A forged token answered wrong as no token, or a forged signature as a malformed
        // token, is one cause, judged once: in that scenario.
        let judge = if e.status != expected {
            judged_by(w, op_id, e.status).await?
        } else {
            None
        };
        if open_in_practice(w, op_id, e.status).await? {
            w.ctx.http.note(format!(
                "auth: {op_id} answers without credentials ({}), though the backend refuses other operations without them; the spec secures none, so it cannot say this one is secured: not judged",
                e.status
            ));
            continue;
        }
        if let Some(judge) = judge {
            let key = (e.status, expected, judge);
            match judged_elsewhere.iter_mut().find(|(k, _)| *k == key) {
                Some((_, ops)) => ops.push(op_id.to_string()),
                None => judged_elsewhere.push((key, vec![op_id.to_string()])),
            }
        } else if e.status != expected {
            // A path the backend does not have at all, or a method it does not have there, is
            // the spec's finding, not a refusal.
            if let Ok(op) = w.ctx.op(op_id) {
                let path = w.ctx.http.path_of(e);
                let unrouted = e.status == 404
                    && op.path.contains('{')
                    && refuses_first
                    && w.ctx.answered_as_unknown(e).await;
                if unrouted {
                    w.ctx.unrouted(&op, e).await;
                }
                if unrouted
                    || (e.status == 405 && w.ctx.method_not_served(&op, &path).await)
                    || w.ctx.not_served(&op).await
                {
                    w.ctx.http.note(format!(
                        "auth: {op_id} answers {} as a route or method the backend does not have: the spec's operation is not served (a spec finding)",
                        e.status
                    ));
                    continue;
                }
            }
            // An operation the backend does not offer here (501, or 503: a feature switched
            // off, LNbits's `Block explorer is not enabled.`) that answers the valid token so
            // too cannot show whether it refuses a request without one.
            if matches!(e.status, 501 | 503)
                && let Some(with_token) = with_the_valid_token(w, op_id).await?
                && with_token.status == e.status
            {
                w.ctx.http.note(format!(
                    "auth: {op_id} answers {} with the valid token too: it is not offered here, and whether it refuses credentials cannot be told",
                    e.status
                ));
                continue;
            }
            // A refusal (4xx) of an operation that takes a credential of its own (an invite's
            // token in its path) may refuse that credential, which the run makes up, before
            // it asks for the session's: refused all the same.
            if w.ctx.refusal_not_judged(e, &expected.to_string()) {
                continue;
            }
            problems.push(
                Failure::new(
                    Rule::AuthStatus,
                    format!(
                        "{op_id} answered {}, not {expected}{}",
                        e.status,
                        why_answered(
                            e.status,
                            w.ctx.op(op_id).is_ok_and(|op| op.path.contains('{'))
                        )
                    ),
                )
                .with(e),
            );
            continue;
        }
        // A 401 without the scheme's challenge is one cause: judged on the no-token answers,
        // not again in each scenario of a malformed or forged token (RFC 6750 asks the same
        // header of them; a backend that never sends it fails once, not five times).
        // A sign-in's 401 refuses the password it was sent, not a token: it owes no challenge.
        let own_credential = w
            .ctx
            .op(op_id)
            .is_ok_and(|op| w.ctx.credential_input(&op).is_some());
        if let Some(scheme) =
            challenge.filter(|_| e.status == 401 && w.forgery.is_none() && !own_credential)
        {
            let header = e.headers("www-authenticate").join(", ");
            if !header
                .to_ascii_lowercase()
                .starts_with(&scheme.to_ascii_lowercase())
            {
                problems.push(
                    Failure::new(
                        Rule::AuthChallenge,
                        format!("{op_id} answered 401 without `WWW-Authenticate: {scheme}`"),
                    )
                    .with(e),
                );
                continue;
            }
        }
        if let Some(outside) = envelope_problem(&w.ctx, e) {
            match envelope_judged_by(w, op_id, &outside).await? {
                Some(judge) => w.ctx.http.note(format!(
                    "auth: {op_id} answers {} outside the error envelope ({outside}), as it answers {judge}: judged in `Secured operations refuse {judge}`",
                    forgery_named(w.forgery),
                )),
                None => problems.extend(named_in_envelope(&w.ctx, e, op_id)),
            }
        }
    }
    for ((status, expected, judge), ops) in judged_elsewhere {
        w.ctx.http.note(format!(
            "auth: {} answer{} {} with {status}, not {expected}, as {} {judge}: judged in `Secured operations refuse {judge}`",
            ops.join(", "),
            if ops.len() == 1 { "s" } else { "" },
            forgery_named(w.forgery),
            if ops.len() == 1 {
                "it answers"
            } else {
                "they answer"
            },
        ));
    }
    super::all(fold_envelope(fold_alike(problems), "operation(s) alike"))
}

/// The token of `forgery` with its article, as the features name it (`an alg none token`).
fn forgery_named(forgery: Option<Forgery>) -> String {
    let described = forgery.map(Forgery::described).unwrap_or("token");
    let article = if described.starts_with('a') {
        "an"
    } else {
        "a"
    };
    format!("{article} {described}")
}

/// `problems` with the wrong refusals that are one habit said once: operations refusing
/// with the same status in place of the same one (Django REST framework's 403 for no token,
/// on each of 92 operations) are one problem naming the others. An operation that answers
/// (2xx) is a hole of its own, each said apart.
fn fold_alike(problems: Vec<Failure>) -> Vec<Failure> {
    super::fold_alike(
        problems,
        |f| {
            let (op, rest) = f.message.split_once(" answered ")?;
            (f.rule == Rule::AuthStatus && !rest.starts_with('2'))
                .then(|| (rest.to_string(), op.to_string()))
        },
        |f| &mut f.message,
        "operation(s) alike",
    )
}

#[when("every secured read operation is called with the user's token")]
async fn secured_reads_with_token(w: &mut AccordWorld) -> Outcome {
    let outcome = secured_reads_with_token_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn secured_reads_with_token_checked(w: &mut AccordWorld) -> Outcome {
    let token = w.access()?;
    w.judged.clear();
    let ctx = w.ctx.clone();
    for op in ctx
        .token_operations()
        .into_iter()
        // A renewal would end the session the reads after it are sent in.
        .filter(|o| o.method == "GET" && !ctx.renews_session(o))
    {
        let request = w.ctx.request_for(&op).bearer(Some(&token));
        let Some(mut e) = w.send_each(&op, request.clone()).await? else {
            continue;
        };
        // Another role's operation: its token is the privileged identity's, when named.
        if e.status == 403 && w.ctx.has_privileged() {
            w.ctx.forbidden(&op.id);
            let privileged = w.ctx.session(Identity::Privileged).await.map_err(|m| {
                Failure::setup(format!("signing the privileged identity in failed: {m}"))
            })?;
            e = w.send(request.bearer(Some(&privileged.access))).await?;
            if e.status == 403 {
                w.privileged_refused.push(e.clone());
            }
        }
        w.judged.push(e);
    }
    Ok(())
}

#[then("no answer refuses the token")]
async fn none_refused(w: &mut AccordWorld) -> Outcome {
    let outcome = none_refused_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn none_refused_checked(w: &mut AccordWorld) -> Outcome {
    let mut problems = Vec::new();
    for e in &w.judged {
        // 403: the token was accepted and the user lacks the role: an operation for another
        // identity, noted. Only a 401 (the token itself refused) fails.
        if e.status == 403 {
            if w.privileged_refused.iter().any(|p| p.url == e.url) {
                problems.push(
                    Failure::new(
                        Rule::AuthValid,
                        format!(
                            "{} refused the privileged identity too (403)",
                            e.operation.as_deref().unwrap_or("?")
                        ),
                    )
                    .with(e),
                );
            } else {
                w.ctx.forbidden(e.operation.as_deref().unwrap_or("?"));
            }
            continue;
        }
        if e.status == 401 && !w.ctx.refuses_own_credential(e) {
            problems.push(
                Failure::new(
                    Rule::AuthValid,
                    format!(
                        "a valid token was refused by {} with {}",
                        e.operation.as_deref().unwrap_or("?"),
                        e.status
                    ),
                )
                .with(e),
            );
        }
    }
    super::all(problems)
}

#[cfg(test)]
mod tests {
    use crate::rules::{Failure, Rule};

    #[test]
    fn one_status_in_place_of_another_is_one_problem_naming_the_operations() {
        let status = |m: &str| Failure::new(Rule::AuthStatus, m);
        let folded = super::fold_alike(vec![
            status("listBMIs answered 403, not 401"),
            status(
                "getBMI answered 404, not 401: it looked the resource up before checking credentials",
            ),
            status("createBMI answered 403, not 401"),
            Failure::new(
                Rule::AuthChallenge,
                "listBMIs answered 401 without `WWW-Authenticate: Bearer`",
            ),
            status("listNotes answered 403, not 401"),
            status("getNote answered 200, not 401: it answers without valid credentials"),
            status("listTags answered 200, not 401: it answers without valid credentials"),
        ]);
        let messages: Vec<&str> = folded.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "listBMIs answered 403, not 401 (and 2 more operation(s) alike: createBMI; listNotes)",
                "getBMI answered 404, not 401: it looked the resource up before checking credentials",
                "listBMIs answered 401 without `WWW-Authenticate: Bearer`",
                "getNote answered 200, not 401: it answers without valid credentials",
                "listTags answered 200, not 401: it answers without valid credentials",
            ]
        );
    }
}

// ---- a write without the CSRF header ----------------------------------------------------

/// Where the session is a cookie and its sign-in set a CSRF cookie (a double-submit
/// frontend copies it into a header: [`crate::context::Ctx::csrf_pair`]), one create the
/// run may send, with a body the backend takes, is sent in the session with every cookie
/// and without the header: what a form on another site makes the browser send. Skipped,
/// saying why, where the session is no cookie, no CSRF cookie was set, or nothing can be
/// created.
#[when("a write is sent in the session without the CSRF header its sign-in set a cookie for")]
async fn write_without_csrf(w: &mut AccordWorld) -> Outcome {
    let outcome = write_without_csrf_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn write_without_csrf_checked(w: &mut AccordWorld) -> Outcome {
    let ctx = w.ctx.clone();
    if !matches!(ctx.http.placement(), crate::http::Placement::Cookie { .. }) {
        w.skip = Some("the session is no cookie: a cross-site form cannot ride on it".into());
        return Ok(());
    }
    let tokens = w.tokens()?.clone();
    let Some((cookie, header)) = ctx.csrf_pair(&tokens) else {
        w.skip = Some(
            "the sign-in set no CSRF cookie (name one in [cookies] csrf_cookie where it has another name)"
                .into(),
        );
        return Ok(());
    };
    let resources = crate::behaviour::resources(&ctx);
    let Some(resource) = resources.iter().find(|r| {
        !crate::behaviour::has_path_params(&r.create)
            && r.delete.is_some()
            && r.parent.is_none()
            && !r.chosen
            && ctx.body_schema(&r.create).is_some()
    }) else {
        w.skip = Some("the spec has no create the run can delete after it".into());
        return Ok(());
    };
    let op = resource.create.clone();
    crate::behaviour::learn_accepted(&ctx, &op, &resources).await?;
    let inputs = crate::behaviour::base_inputs(&ctx, &op);
    let request = crate::behaviour::request(&ctx, &op, &inputs).bearer(Some(&tokens.access));
    let mut request = crate::behaviour::as_the_browser(&ctx, request, &tokens);
    request
        .headers
        .retain(|(k, _)| !k.eq_ignore_ascii_case(&header));
    // Sent as it is: the scenario's own sending would put the header back.
    let e = ctx
        .http
        .send_politely(request.clone())
        .await
        .map_err(|m| Failure::unsent(&request, m))?;
    w.exchanges.push(e.clone());
    crate::behaviour::remember_created(&ctx, &op, &e, &resources, Identity::First);
    w.csrf = Some((op.id.clone(), cookie, header, e));
    Ok(())
}

#[then("it is refused with 401 or 403")]
async fn csrf_refused(w: &mut AccordWorld) -> Outcome {
    let outcome = csrf_refused_checked(w);
    w.keep(&outcome);
    outcome
}

fn csrf_refused_checked(w: &mut AccordWorld) -> Outcome {
    if w.skip.is_some() {
        return Ok(());
    }
    let Some((op, cookie, header, e)) = &w.csrf else {
        return Err(Failure::setup("a step before this one sends the write"));
    };
    match e.status {
        401 | 403 => Ok(()),
        200..=299 => Err(Failure::new(
            Rule::AuthCsrf,
            format!(
                "{op} was taken ({}) in the cookie session without the `{header}` header that copies the `{cookie}` cookie: a form on another site can make a signed-in browser send it",
                e.status
            ),
        )
        .with(e)),
        status => {
            w.ctx.http.note(format!(
                "auth: {op} without the `{header}` header answered {status}, neither taken nor refused as a forgery: the CSRF defence is not judged"
            ));
            Ok(())
        }
    }
}

//! Authentication: every operation the user's token opens refuses missing or forged
//! credentials with the status its spec documents (and, for a bearer scheme, the RFC 6750
//! challenge) in the envelope, and accepts a valid token.

use std::str::FromStr;

use cucumber::{Parameter, then, when};

use super::{AccordWorld, in_envelope};
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
    w.sent_token = token.is_some();
    for op in ops {
        let request = w.ctx.request_for(&op).bearer(token.as_deref());
        let exchange = w.send(request).await?;
        if token.is_none()
            && let Ok(mut known) = w.ctx.no_token_status.lock()
        {
            known.insert(op.id.clone(), exchange.status);
        }
        w.judged.push(exchange);
    }
    Ok(())
}

/// Whether the backend refuses a request without a token with `status` where the spec
/// documents another refusal, on any of the operations the user's token opens: the
/// no-token scenario's answers where it has them, one request each for the others (kept
/// for the other scenarios).
async fn refuses_no_token_with(w: &mut AccordWorld, status: u16) -> Result<bool, Failure> {
    for op in w.ctx.token_operations() {
        let known = w
            .ctx
            .no_token_status
            .lock()
            .ok()
            .and_then(|k| k.get(&op.id).copied());
        let got = match known {
            Some(got) => got,
            None => {
                let e = w.send(w.ctx.request_for(&op).bearer(None)).await?;
                if let Ok(mut known) = w.ctx.no_token_status.lock() {
                    known.insert(op.id.clone(), e.status);
                }
                e.status
            }
        };
        if got == status && w.ctx.refusal_status(&op) != status {
            return Ok(true);
        }
    }
    Ok(false)
}

/// A token forged the way `kind` says; `None` when the backend's token is opaque (not a
/// JWT), and then the scenario is skipped, saying so: an opaque token has no signature or
/// algorithm to forge, and the no-token and malformed-token checks are what apply to it.
pub(crate) async fn forged(w: &mut AccordWorld, kind: Forgery) -> Result<Option<String>, Failure> {
    let token = w
        .ctx
        .forged_token(kind)
        .await
        .map_err(|e| Failure::setup(format!("cannot build {kind:?}: {e}")))?;
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

async fn all_refused_checked(w: &mut AccordWorld) -> Outcome {
    if w.skip.is_some() {
        return Ok(());
    }
    let challenge = w.ctx.http.placement().challenge();
    let mut problems = Vec::new();
    for e in w.judged.clone() {
        let e = &e;
        let op_id = e.operation.as_deref().unwrap_or("?");
        let expected = w
            .ctx
            .op(op_id)
            .map(|op| w.ctx.refusal_status(&op))
            .unwrap_or(401);
        // A forged token refused with the wrong one of 401 and 403, the one the backend
        // refuses no token with too, is one cause, judged once: in the no-token scenario.
        if e.status != expected
            && w.sent_token
            && matches!(e.status, 401 | 403)
            && w.ctx
                .runs("Authentication", "Secured operations refuse <credentials>")
            && refuses_no_token_with(w, e.status).await?
        {
            w.ctx.http.note(format!(
                "auth: {op_id} refuses a forged or malformed token with {}, not {expected}, as the backend refuses no token: judged in `Secured operations refuse no token`",
                e.status
            ));
        } else if e.status != expected {
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
        if let Some(scheme) = challenge.filter(|_| e.status == 401 && !w.sent_token) {
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
        if let Err(f) = in_envelope(&w.ctx, e) {
            problems.push(f);
        }
    }
    super::all(problems)
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
    for op in w
        .ctx
        .token_operations()
        .into_iter()
        .filter(|o| o.method == "GET")
    {
        let request = w.ctx.request_for(&op).bearer(Some(&token));
        let mut e = w.send(request.clone()).await?;
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
        if e.status == 401 {
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

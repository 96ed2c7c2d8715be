//! Error envelopes: each error case gets the status the spec documents for it, in the one
//! envelope the profile names.

use cucumber::{then, when};

use super::{AccordWorld, in_envelope};
use crate::context::ErrorCase;
use crate::rules::{Failure, Outcome, Rule};

#[when(expr = "{error_case} is sent")]
async fn error_case(w: &mut AccordWorld, case: ErrorCase) -> Outcome {
    let token = w.tokens.as_ref().map(|t| t.access.clone());
    // A signed-in case answered 403 met an operation for another role: try the next one.
    let mut refused: Vec<String> = Vec::new();
    loop {
        let (request, op) = w
            .ctx
            .error_request_except(case, token.as_deref(), &refused)
            .map_err(|e| Failure::setup(format!("{case:?}: {e}")))?;
        let e = w.send(request).await?;
        let for_another_role = token.is_some()
            && e.status == 403
            && case != ErrorCase::NoCredentials
            && op.as_ref().is_some_and(|o| w.ctx.refusal_status(o) != 403);
        if let (true, Some(op)) = (for_another_role, &op) {
            w.ctx.forbidden(&op.id);
            refused.push(op.id.clone());
            continue;
        }
        w.error_statuses = Some(w.ctx.error_statuses(case, op.as_ref()));
        w.judged = vec![e];
        return Ok(());
    }
}

#[then(expr = "the answer is {int} in the error envelope")]
async fn answer_in_envelope(w: &mut AccordWorld, status: u16) -> Outcome {
    // The feature names the usual status; the spec's documented one for the operation wins.
    let expected = w.error_statuses.clone().unwrap_or_else(|| vec![status]);
    let mut problems = Vec::new();
    for e in &w.judged {
        if !expected.contains(&e.status) {
            let what: Vec<String> = expected.iter().map(u16::to_string).collect();
            problems.push(
                Failure::new(
                    Rule::ErrorsStatus,
                    format!(
                        "expected {}, got {}{}",
                        what.join(" or "),
                        e.status,
                        e.operation
                            .as_deref()
                            .map(|op| format!(" (from what the spec documents for {op})"))
                            .unwrap_or_default()
                    ),
                )
                .with(e),
            );
        }
        if let Err(f) = in_envelope(&w.ctx, e) {
            problems.push(f);
        }
        if e.status == 405 {
            match e.header("allow") {
                None => problems.push(
                    Failure::new(Rule::ErrorsAllow, "a 405 without an `Allow` header").with(e),
                ),
                Some(allow) => {
                    let missing = missing_methods(&w.ctx, e, allow);
                    if !missing.is_empty() {
                        problems.push(
                            Failure::new(
                                Rule::ErrorsAllow,
                                format!(
                                    "the 405's `Allow: {allow}` leaves out {} of the path's documented methods",
                                    missing.join(", ")
                                ),
                            )
                            .with(e),
                        );
                    }
                }
            }
        }
    }
    super::all(problems)
}

/// The methods the spec documents for the path of `e` that its `Allow` header leaves out.
fn missing_methods(
    ctx: &crate::context::Ctx,
    e: &crate::http::Exchange,
    allow: &str,
) -> Vec<String> {
    let path = e
        .url
        .strip_prefix(&ctx.http.base)
        .unwrap_or(&e.url)
        .split('?')
        .next()
        .unwrap_or_default()
        .to_string();
    let Some(item) = ctx
        .doc()
        .get("paths")
        .and_then(|p| p.get(&path))
        .and_then(serde_json::Value::as_object)
    else {
        return Vec::new();
    };
    let allowed: Vec<String> = allow
        .split(',')
        .map(|m| m.trim().to_ascii_uppercase())
        .collect();
    ["get", "put", "post", "delete", "patch"]
        .iter()
        .filter(|m| item.contains_key(**m))
        .map(|m| m.to_ascii_uppercase())
        .filter(|m| !allowed.contains(m))
        .collect()
}

//! Error envelopes: each error case gets the status the spec documents for it, in the one
//! envelope the profile names.

use cucumber::{then, when};

use super::{AccordWorld, in_envelope};
use crate::context::ErrorCase;
use crate::rules::{Failure, Outcome, Rule};

#[when(expr = "{error_case} is sent")]
async fn error_case(w: &mut AccordWorld, case: ErrorCase) -> Outcome {
    let token = w.tokens.as_ref().map(|t| t.access.clone());
    let (request, op) = w
        .ctx
        .error_request(case, token.as_deref())
        .map_err(|e| Failure::setup(format!("{case:?}: {e}")))?;
    let e = w.send(request).await?;
    w.error_statuses = Some(w.ctx.error_statuses(case, op.as_ref()));
    w.judged = vec![e];
    Ok(())
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
        if e.status == 405 && e.header("allow").is_none() {
            problems
                .push(Failure::new(Rule::ErrorsAllow, "a 405 without an `Allow` header").with(e));
        }
    }
    super::all(problems)
}

//! Error envelopes: each error case gets its status, in the one envelope the profile names.

use cucumber::{then, when};

use super::{AccordWorld, in_envelope};
use crate::context::ErrorCase;
use crate::profile::Envelope;
use crate::rules::{Failure, Outcome, Rule};

#[when(expr = "{error_case} is sent")]
async fn error_case(w: &mut AccordWorld, case: ErrorCase) -> Outcome {
    let token = w.tokens.as_ref().map(|t| t.access.clone());
    let request = w
        .ctx
        .error_request(case, token.as_deref())
        .map_err(|e| Failure::setup(format!("{case:?}: {e}")))?;
    let e = w.send(request).await?;
    w.judged = vec![e];
    Ok(())
}

#[then(expr = "the answer is {int} in the error envelope")]
async fn answer_in_envelope(w: &mut AccordWorld, status: u16) -> Outcome {
    let fastapi = w
        .ctx
        .profile
        .errors
        .as_ref()
        .is_some_and(|e| *e.envelope.get_ref() == Envelope::Fastapi);
    for e in &w.judged {
        // FastAPI reports unparsable bodies and wrong media types as 422.
        let acceptable =
            e.status == status || (fastapi && matches!(status, 400 | 415) && e.status == 422);
        if !acceptable {
            return Err(Failure::new(
                Rule::ErrorsStatus,
                format!("expected {status}, got {}", e.status),
            )
            .with(e));
        }
        in_envelope(&w.ctx, e)?;
        if status == 405 && e.header("allow").is_none() {
            return Err(Failure::new(Rule::ErrorsAllow, "a 405 without an `Allow` header").with(e));
        }
    }
    Ok(())
}

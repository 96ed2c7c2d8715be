//! Rate limits: a paced, bounded burst of sign-ins (or of the profile's operation) meets a
//! 429 in the envelope with `Retry-After` an allowed origin can read; waiting that long lifts
//! it. Aimed only at loopback, or at a backend the profile says may be burst (staging).

use std::time::Duration;

use cucumber::{then, when};

use super::{AccordWorld, envelope_problem};
use crate::context::encode;
use crate::http::{Request, retry_after_secs};
use crate::profile::RateLimit;
use crate::rules::{Failure, Outcome, Rule};

fn settings(w: &AccordWorld) -> Result<RateLimit, Failure> {
    w.ctx
        .profile
        .ratelimit
        .clone()
        .ok_or_else(|| Failure::setup("the profile has no [ratelimit]"))
}

fn on_loopback(base: &str) -> bool {
    let host = base
        .split("://")
        .nth(1)
        .unwrap_or("")
        .split('/')
        .next()
        .unwrap_or("");
    let host = host
        .rsplit_once(':')
        .filter(|(h, port)| !h.is_empty() && port.chars().all(|c| c.is_ascii_digit()))
        .map_or(host, |(h, _)| h);
    matches!(host, "127.0.0.1" | "localhost" | "[::1]" | "::1") || host.starts_with("127.")
}

/// The request the burst repeats: the login with the profile's body, or the named
/// operation as the spec samples it.
async fn burst_request(w: &AccordWorld, s: &RateLimit) -> Result<Request, Failure> {
    let auth = w.ctx.profile.auth.as_ref();
    let login = auth
        .and_then(|a| a.operation.as_ref())
        .map(|o| o.get_ref().clone());
    let id = s
        .operation
        .as_ref()
        .map(|o| o.get_ref().clone())
        .or(login.clone())
        .ok_or_else(|| {
            Failure::setup("ratelimit.operation is unset and there is no auth.operation")
        })?;
    let op = w.ctx.op(&id).map_err(Failure::setup)?;
    if Some(&id) == login.as_ref() {
        let auth = auth.ok_or_else(|| Failure::setup("the profile has no [auth]"))?;
        let body = auth
            .body
            .as_ref()
            .ok_or_else(|| Failure::setup("auth.body is missing"))?;
        let value = crate::profile::fill(body, &|_| None).map_err(Failure::setup)?;
        let encoding = w.ctx.encoding_for(&op, auth.encoding);
        return Ok(Request::new(&op.method, op.path.clone()).body(encode(value, encoding)));
    }
    let token = w
        .ctx
        .session(crate::context::Identity::First)
        .await
        .map_err(Failure::setup)?;
    Ok(w.ctx.request_for(&op).bearer(Some(&token.access)))
}

#[when("a paced burst of sign-ins is sent from an allowed origin")]
async fn burst(w: &mut AccordWorld) -> Outcome {
    let outcome = burst_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn burst_checked(w: &mut AccordWorld) -> Outcome {
    let s = settings(w)?;
    let base = w.ctx.http.base.clone();
    if !on_loopback(&base) && !s.allow_remote {
        w.skip = Some(format!(
            "{base} is not loopback; set ratelimit.allow_remote = true for a staging backend (never production)"
        ));
        return Ok(());
    }
    let mut request = burst_request(w, &s).await?;
    if let Some(origin) = w.ctx.allowed_origin() {
        w.origin = origin.clone();
        request = request.header("origin", origin);
    }
    let pause = Duration::from_secs_f64(1.0 / f64::from(s.per_second.max(1)));
    let mut sent = 0;
    w.judged.clear();
    while sent < s.burst {
        let e = w.send_raw(request.clone()).await?;
        sent += 1;
        if e.status == 429 {
            w.judged = vec![e];
            w.limited = Some(request);
            return Ok(());
        }
        tokio::time::sleep(pause).await;
    }
    Err(Failure::new(
        Rule::RateLimitReached,
        format!(
            "{sent} requests at {} per second never met a 429",
            s.per_second
        ),
    )
    .with_all(&w.exchanges[w.exchanges.len().saturating_sub(2)..]))
}

#[then("it meets a 429 in the error envelope with Retry-After")]
async fn limited(w: &mut AccordWorld) -> Outcome {
    let outcome = limited_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn limited_checked(w: &mut AccordWorld) -> Outcome {
    if w.skip.is_some() {
        return Ok(());
    }
    let e = w
        .judged
        .first()
        .cloned()
        .ok_or_else(|| Failure::setup("the burst met no 429"))?;
    if retry_after_secs(&e).is_none() {
        return Err(Failure::new(
            Rule::RateLimitRetryAfter,
            "the 429 has no usable Retry-After (seconds or an HTTP date)",
        )
        .with(&e));
    }
    if let Some(problem) = envelope_problem(&w.ctx, &e) {
        return Err(Failure::new(Rule::Envelope, format!("the 429: {problem}")).with(&e));
    }
    Ok(())
}

#[then("the 429 carries the CORS headers of the allowed origin")]
async fn limited_cors(w: &mut AccordWorld) -> Outcome {
    let outcome = limited_cors_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn limited_cors_checked(w: &mut AccordWorld) -> Outcome {
    if w.skip.is_some() || w.origin.is_empty() {
        return Ok(());
    }
    let Some(e) = w.judged.first().cloned() else {
        return Ok(());
    };
    if e.header("access-control-allow-origin") != Some(w.origin.as_str()) {
        return Err(Failure::new(
            Rule::RateLimitCors,
            format!(
                "the 429 has Access-Control-Allow-Origin {}, not {}: the frontend cannot read it or its Retry-After",
                e.header("access-control-allow-origin").unwrap_or("(none)"),
                w.origin
            ),
        )
        .with(&e));
    }
    Ok(())
}

#[when("the client waits as long as Retry-After says")]
async fn wait(w: &mut AccordWorld) -> Outcome {
    let outcome = wait_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn wait_checked(w: &mut AccordWorld) -> Outcome {
    if w.skip.is_some() {
        return Ok(());
    }
    let s = settings(w)?;
    let Some(secs) = w.judged.first().and_then(retry_after_secs) else {
        return Ok(());
    };
    if secs > s.max_wait_secs {
        w.skip = Some(format!(
            "Retry-After is {secs} s, beyond ratelimit.max_wait_secs = {}",
            s.max_wait_secs
        ));
        return Ok(());
    }
    tokio::time::sleep(Duration::from_secs(secs)).await;
    Ok(())
}

#[then("the request is allowed again")]
async fn allowed_again(w: &mut AccordWorld) -> Outcome {
    let outcome = allowed_again_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn allowed_again_checked(w: &mut AccordWorld) -> Outcome {
    if w.skip.is_some() {
        return Ok(());
    }
    let Some(request) = w.limited.clone() else {
        return Ok(());
    };
    let e = w.send_raw(request).await?;
    if e.status == 429 {
        return Err(Failure::new(
            Rule::RateLimitRecovers,
            "still 429 after waiting as long as Retry-After said",
        )
        .with(&e));
    }
    Ok(())
}

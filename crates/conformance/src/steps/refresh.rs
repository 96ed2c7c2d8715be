//! Token refresh: the pair from login and from refresh works, a used refresh token dies, a
//! reused one kills its family, logout ends it, and an access token is no refresh token.

use cucumber::{then, when};

use super::AccordWorld;
use crate::context::Tokens;
use crate::rules::{Failure, Outcome, Rule};

/// Why a check of a token's worth is skipped where nothing can try it: the spec's gap, not
/// the backend's.
pub const NO_PROBE: &str = "the spec secures no GET without parameters, nor has one of the signed-in user (`GET /me`), to try a token on: declare its security (components.securitySchemes and security)";

async fn token_accepted(w: &mut AccordWorld, token: String, what: &str) -> Outcome {
    if w.skip.is_some() {
        return Ok(());
    }
    let Some(op) = w.ctx.probe_operation() else {
        w.skip = Some(NO_PROBE.into());
        return Ok(());
    };
    let request = w.ctx.request_for(&op).bearer(Some(&token));
    let e = w.send(request).await?;
    if e.status == 401 || e.status == 403 {
        return Err(Failure::new(
            Rule::RefreshWorks,
            format!("{what} is refused ({})", e.status),
        )
        .with(&e));
    }
    Ok(())
}

#[then("the access token is accepted")]
async fn access_accepted(w: &mut AccordWorld) -> Outcome {
    let outcome = access_accepted_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn access_accepted_checked(w: &mut AccordWorld) -> Outcome {
    let token = w.access()?;
    token_accepted(w, token, "the access token from login").await
}

#[when("the refresh token is exchanged")]
async fn exchange_refresh(w: &mut AccordWorld) -> Outcome {
    let outcome = exchange_refresh_checked(w).await;
    w.keep(&outcome);
    outcome
}

/// Skips the scenario where the session holds no refresh token to present: what the run
/// would send is no refresh token at all. Whether it was skipped.
fn nothing_to_present(w: &mut AccordWorld) -> Result<bool, Failure> {
    if w.skip.is_some() {
        return Ok(true);
    }
    let tokens = w.tokens()?.clone();
    if let Some(why) = w.ctx.no_refresh_token(&tokens) {
        w.skip = Some(format!("{why}: there is no refresh token to present"));
        return Ok(true);
    }
    Ok(false)
}

async fn exchange_refresh_checked(w: &mut AccordWorld) -> Outcome {
    if nothing_to_present(w)? {
        return Ok(());
    }
    let current = w.tokens()?.clone();
    let (result, exchange) = w.ctx.refresh(&current).await;
    w.exchanges.push(exchange.clone());
    let new = result.map_err(|e| Failure::new(Rule::RefreshExchange, e).with(&exchange))?;
    w.previous = Some(current);
    w.tokens = Some(new);
    Ok(())
}

#[then("the new access token is accepted")]
async fn new_access_accepted(w: &mut AccordWorld) -> Outcome {
    let outcome = new_access_accepted_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn new_access_accepted_checked(w: &mut AccordWorld) -> Outcome {
    if w.skip.is_some() {
        return Ok(());
    }
    let token = w.access()?;
    token_accepted(w, token, "the access token from refresh").await
}

async fn expect_refresh_refused(w: &mut AccordWorld, tokens: Tokens, rule: Rule) -> Outcome {
    let (result, exchange) = w.ctx.refresh(&tokens).await;
    w.exchanges.push(exchange.clone());
    if result.is_ok() {
        return Err(Failure::new(rule, "the refresh token was accepted").with(&exchange));
    }
    if !(400..500).contains(&exchange.status) {
        return Err(Failure::new(
            rule,
            format!("a refused refresh must be a 4xx, not {}", exchange.status),
        )
        .with(&exchange));
    }
    Ok(())
}

fn previous(w: &AccordWorld) -> Result<Tokens, Failure> {
    w.previous
        .clone()
        .ok_or_else(|| Failure::setup("no refresh happened before this step"))
}

#[then("the previous refresh token is refused")]
async fn previous_refused(w: &mut AccordWorld) -> Outcome {
    let outcome = previous_refused_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn previous_refused_checked(w: &mut AccordWorld) -> Outcome {
    if w.skip.is_some() {
        return Ok(());
    }
    let previous = previous(w)?;
    expect_refresh_refused(w, previous, Rule::RefreshRotation).await
}

#[when("the previous refresh token is presented again")]
async fn present_previous(w: &mut AccordWorld) -> Outcome {
    let outcome = present_previous_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn present_previous_checked(w: &mut AccordWorld) -> Outcome {
    if w.skip.is_some() {
        return Ok(());
    }
    let previous = previous(w)?;
    let (_, exchange) = w.ctx.refresh(&previous).await;
    w.exchanges.push(exchange);
    Ok(())
}

#[then("the newest refresh token is refused too")]
async fn newest_refused(w: &mut AccordWorld) -> Outcome {
    let outcome = newest_refused_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn newest_refused_checked(w: &mut AccordWorld) -> Outcome {
    if w.skip.is_some() {
        return Ok(());
    }
    let newest = w.tokens()?.clone();
    expect_refresh_refused(w, newest, Rule::RefreshReuse).await
}

#[when("the user logs out")]
async fn logout(w: &mut AccordWorld) -> Outcome {
    let outcome = logout_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn logout_checked(w: &mut AccordWorld) -> Outcome {
    if nothing_to_present(w)? {
        return Ok(());
    }
    let tokens = w.tokens()?.clone();
    let exchange = w
        .ctx
        .logout(&tokens)
        .await
        .map_err(|e| Failure::setup(format!("logout: {e}")))?;
    w.exchanges.push(exchange.clone());
    if !(200..300).contains(&exchange.status) {
        return Err(Failure::new(
            Rule::RefreshLogout,
            format!("logout answered {}", exchange.status),
        )
        .with(&exchange));
    }
    Ok(())
}

#[then("the refresh token is refused")]
async fn refresh_refused(w: &mut AccordWorld) -> Outcome {
    let outcome = refresh_refused_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn refresh_refused_checked(w: &mut AccordWorld) -> Outcome {
    if w.skip.is_some() {
        return Ok(());
    }
    let tokens = w.tokens()?.clone();
    expect_refresh_refused(w, tokens, Rule::RefreshLogout).await
}

#[when("the access token is presented as a refresh token")]
async fn access_as_refresh(w: &mut AccordWorld) -> Outcome {
    let outcome = access_as_refresh_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn access_as_refresh_checked(w: &mut AccordWorld) -> Outcome {
    // Without a place for the refresh token (a body with `${refresh_token}`, a cookie) the
    // refresh sends no token at all, the access token neither.
    let placed = w
        .ctx
        .profile
        .refresh
        .as_ref()
        .is_some_and(crate::profile::Refresh::token_placed);
    if !placed {
        w.skip = Some(
            "the profile's [refresh] names no place for the refresh token (refresh.body with `${refresh_token}`, refresh.cookie or refresh.bearer): there is nothing to present the access token in".into(),
        );
        return Ok(());
    }
    let tokens = w.tokens()?.clone();
    w.previous = Some(Tokens {
        access: tokens.access.clone(),
        refresh: Some(tokens.access.clone()),
        cookies: tokens.cookies.clone(),
    });
    Ok(())
}

#[then("it is refused")]
async fn swapped_refused(w: &mut AccordWorld) -> Outcome {
    let outcome = swapped_refused_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn swapped_refused_checked(w: &mut AccordWorld) -> Outcome {
    if w.skip.is_some() {
        return Ok(());
    }
    let swapped = previous(w)?;
    expect_refresh_refused(w, swapped, Rule::RefreshType).await
}

//! API keys: every operation an `apiKey` scheme secures refuses a missing, malformed,
//! unknown or revoked key with 401 in the envelope, accepts a valid one, and never echoes a
//! key. The scheme (where the key goes, under which name) comes from the spec.

use std::str::FromStr;

use cucumber::{Parameter, given, then, when};
use serde_json::json;

use super::{AccordWorld, envelope_problem};
use crate::context::Identity;
use crate::http::{Body, Exchange};
use crate::rules::{Failure, Outcome, Rule};

/// A key the suite holds: its secret, and its id when the suite created it.
#[derive(Debug, Clone)]
pub struct Key {
    pub secret: String,
    pub id: Option<String>,
    pub revoked: bool,
}

#[derive(Debug, Clone, Copy, Parameter)]
#[param(name = "key", regex = "no key|a malformed key|an unknown key|the key")]
pub enum KeyCase {
    None,
    Malformed,
    Unknown,
    Held,
}

impl FromStr for KeyCase {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "no key" => KeyCase::None,
            "a malformed key" => KeyCase::Malformed,
            "an unknown key" => KeyCase::Unknown,
            "the key" => KeyCase::Held,
            other => return Err(format!("unknown key case `{other}`")),
        })
    }
}

/// A key of the same shape as `real` (or a long random one) that no backend issued.
fn unknown_like(real: Option<&str>) -> String {
    use rand::Rng as _;
    let mut rng = rand::thread_rng();
    let alphabet: Vec<char> = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
        .chars()
        .collect();
    match real {
        // Keep the prefix (`sk_live_`, `acc_`...), replace the rest.
        Some(real) if real.len() > 12 => {
            let keep = real.find('_').map_or(0, |i| i + 1).min(8);
            let tail: String = (keep..real.len())
                .map(|_| alphabet[rng.gen_range(0..alphabet.len())])
                .collect();
            format!("{}{tail}", &real[..keep])
        }
        _ => (0..40)
            .map(|_| alphabet[rng.gen_range(0..alphabet.len())])
            .collect(),
    }
}

fn scheme(w: &AccordWorld) -> Result<String, Failure> {
    w.ctx
        .api_key_scheme()
        .map(|(name, _, _)| name)
        .ok_or_else(|| Failure::setup("the spec has no apiKey security scheme"))
}

#[given("a valid API key")]
async fn valid_key(w: &mut AccordWorld) -> Outcome {
    let outcome = valid_key_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn valid_key_checked(w: &mut AccordWorld) -> Outcome {
    key_held(w).await?;
    // The word before the key in `Authorization`, where the spec does not say it.
    if let (Some(key), Ok(scheme)) = (w.key.as_ref().map(|k| k.secret.clone()), scheme(w))
        && let Some(refused) = w.ctx.key_word_learned(&key, &scheme).await
    {
        w.ctx.http.findings.record(&refused);
    }
    Ok(())
}

/// A valid key held: the environment's, or one made as the signed-in user.
async fn key_held(w: &mut AccordWorld) -> Outcome {
    let settings = w
        .ctx
        .profile
        .apikey
        .clone()
        .ok_or_else(|| Failure::setup("the profile has no [apikey]"))?;
    if let Some(var) = &settings.key_env {
        let secret = std::env::var(var)
            .map_err(|_| Failure::setup(format!("the environment variable `{var}` is not set")))?;
        w.key = Some(Key {
            secret,
            id: None,
            revoked: false,
        });
        return Ok(());
    }
    let create = settings
        .create
        .as_ref()
        .ok_or_else(|| Failure::setup("apikey.create names no operation"))?;
    let op = w.ctx.op(create.get_ref()).map_err(Failure::setup)?;
    let body = match &settings.create_body {
        Some(table) => crate::profile::fill(table, &|_| None).map_err(Failure::setup)?,
        None => json!({"name": "accord-conformance"}),
    };
    let token = w.access()?;
    let request = crate::http::Request::new(&op.method, w.ctx.fill_path(&op))
        .body(Body::Json(body))
        .bearer(Some(&token));
    let e = w
        .ctx
        .http
        .send_politely(request)
        .await
        .map_err(Failure::setup)?;
    let secret = e.json().and_then(|b| {
        b.pointer(&settings.key)
            .and_then(|v| v.as_str())
            .map(String::from)
    });
    let Some(secret) = secret.filter(|_| (200..300).contains(&e.status)) else {
        return Err(Failure::setup(format!(
            "{} answered {} without a key at {}",
            op.id, e.status, settings.key
        ))
        .with(&e));
    };
    let id = e.json().and_then(|b| {
        b.pointer(&settings.id).map(|v| {
            v.as_str()
                .map(String::from)
                .unwrap_or_else(|| v.to_string())
        })
    });
    w.exchanges.push(e.without(&secret));
    // The run revokes what it created when it ends.
    if let (Some(id), Some(revoke)) = (&id, &settings.revoke)
        && !id.trim().is_empty()
        && let Ok(op) = w.ctx.op(revoke.get_ref())
    {
        crate::behaviour::record(&w.ctx, Identity::First, path_with_id(&op.path, id));
    }
    w.key = Some(Key {
        secret,
        id,
        revoked: false,
    });
    Ok(())
}

/// `path` with its one path parameter set to `id`.
fn path_with_id(path: &str, id: &str) -> String {
    match (path.find('{'), path.find('}')) {
        (Some(start), Some(end)) if start < end => format!(
            "{}{}{}",
            &path[..start],
            crate::http::urlencode(id),
            &path[end + 1..]
        ),
        _ => path.to_string(),
    }
}

#[when("the API key is revoked")]
async fn revoke(w: &mut AccordWorld) -> Outcome {
    let outcome = revoke_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn revoke_checked(w: &mut AccordWorld) -> Outcome {
    let settings = w.ctx.profile.apikey.clone();
    let revoke = settings
        .as_ref()
        .and_then(|s| s.revoke.as_ref())
        .ok_or_else(|| Failure::setup("apikey.revoke names no operation"))?;
    let op = w.ctx.op(revoke.get_ref()).map_err(Failure::setup)?;
    let key = w
        .key
        .clone()
        .ok_or_else(|| Failure::setup("no key to revoke"))?;
    let id = key
        .id
        .clone()
        .ok_or_else(|| Failure::setup("the created key's id was not found"))?;
    let token = w.access()?;
    let path = path_with_id(&op.path, &id);
    let e = w
        .ctx
        .http
        .send_politely(crate::http::Request::new(&op.method, path.clone()).bearer(Some(&token)))
        .await
        .map_err(Failure::setup)?;
    w.exchanges.push(e.without(&key.secret));
    if !(200..300).contains(&e.status) {
        return Err(
            Failure::setup(format!("revoking the key answered {}", e.status))
                .with(&e.without(&key.secret)),
        );
    }
    if let Ok(mut created) = w.ctx.created.lock() {
        created.retain(|(_, p)| *p != path);
    }
    w.key = Some(Key {
        revoked: true,
        ..key
    });
    Ok(())
}

#[when(expr = "every operation the API key scheme secures is called with {key}")]
async fn call_with(w: &mut AccordWorld, case: KeyCase) -> Outcome {
    let outcome = call_with_checked(w, case).await;
    w.keep(&outcome);
    outcome
}

async fn call_with_checked(w: &mut AccordWorld, case: KeyCase) -> Outcome {
    let scheme = scheme(w)?;
    // A valid key reaches only reads: a write with it would change data the run did not
    // create. Under --read-only every key reaches only reads.
    let reads_only = w.ctx.read_only() || matches!(case, KeyCase::Held);
    let ops: Vec<_> = w
        .ctx
        .operations_secured_by(&scheme)
        .into_iter()
        .filter(|o| !reads_only || matches!(o.method.as_str(), "GET" | "HEAD"))
        .filter(|o| !o.websocket() && !w.ctx.signs_in_or_out(o))
        .collect();
    // The spec's to say, not the backend's fault (Directus's spec offers its `KeyAuth`
    // only beside its `Auth`): nothing to judge the key on.
    if ops.is_empty() {
        w.skip = Some(format!(
            "no operation{} is secured by `{scheme}` alone, so nothing tells its refusals apart from the other scheme's",
            if reads_only { " that reads" } else { "" }
        ));
        return Ok(());
    }
    let held = w.key.as_ref().map(|k| k.secret.clone());
    let key = match case {
        KeyCase::None => None,
        KeyCase::Malformed => Some("%%% not a key %%%".to_string()),
        KeyCase::Unknown => Some(unknown_like(held.as_deref())),
        KeyCase::Held => Some(held.ok_or_else(|| Failure::setup("no key is held"))?),
    };
    w.judged.clear();
    w.sent_key = key.clone();
    for op in ops {
        if super::unanswered_before(&w.ctx, &op) {
            continue;
        }
        let mut request = w.ctx.request_for(&op);
        if let Some(key) = &key {
            request = w.ctx.with_api_key(request, key);
        }
        let sent = w
            .ctx
            .http
            .send_politely(request.clone())
            .await
            .map_err(|e| Failure::unsent(&request, e));
        let Some(e) = super::one_of_many(&w.ctx, &op, sent)? else {
            continue;
        };
        w.exchanges
            .push(e.without(key.as_deref().unwrap_or_default()));
        w.judged.push(e);
    }
    Ok(())
}

/// The judged exchanges, with the key scrubbed, for a failure's evidence.
fn scrubbed(w: &AccordWorld, e: &Exchange) -> Exchange {
    e.without(w.sent_key.as_deref().unwrap_or_default())
}

#[then("every answer is refused as the spec documents, in the error envelope, without the key")]
async fn all_refused(w: &mut AccordWorld) -> Outcome {
    let outcome = all_refused_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn all_refused_checked(w: &mut AccordWorld) -> Outcome {
    let rule = if w.key.as_ref().is_some_and(|k| k.revoked) {
        Rule::ApiKeyRevoked
    } else {
        Rule::ApiKeyRefused
    };
    // Every operation that answers the key wrong, one failure: the first, and how many
    // others answer as it does (LNbits answers an unknown key 404 on each wallet route).
    let mut wrong: Vec<(&Exchange, String)> = Vec::new();
    for e in &w.judged {
        let op = e.operation.as_deref().unwrap_or("?");
        let expected = w
            .ctx
            .op(op)
            .map(|o| w.ctx.refusals(&o))
            .unwrap_or_else(|_| vec![401]);
        if !expected.contains(&e.status) {
            let expected = expected
                .iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(" or ");
            if w.ctx.refusal_not_judged(e, &expected) {
                continue;
            }
            wrong.push((e, format!("{op} answered {}, not {expected}", e.status)));
            continue;
        }
        if let Some(problem) = envelope_problem(&w.ctx, e) {
            return Err(Failure::new(Rule::Envelope, problem).with(&scrubbed(w, e)));
        }
        no_echo(w, e)?;
    }
    let Some((first, message)) = wrong.first() else {
        return Ok(());
    };
    let alike: Vec<&str> = wrong[1..]
        .iter()
        .filter(|(e, _)| e.status == first.status)
        .filter_map(|(e, _)| e.operation.as_deref())
        .collect();
    let message = if alike.is_empty() {
        message.clone()
    } else {
        format!(
            "{message} (and {} more operation(s) alike: {})",
            alike.len(),
            alike.join("; ")
        )
    };
    Err(Failure::new(rule, message).with(&scrubbed(w, first)))
}

fn no_echo(w: &AccordWorld, e: &Exchange) -> Outcome {
    let Some(key) = &w.sent_key else {
        return Ok(());
    };
    if e.echoes(key) {
        return Err(Failure::new(
            Rule::ApiKeyEcho,
            format!(
                "{} echoed the API key in its answer (shown as <redacted>)",
                e.operation.as_deref().unwrap_or("?")
            ),
        )
        .with(&scrubbed(w, e)));
    }
    Ok(())
}

#[then("no answer refuses the key")]
async fn none_refused(w: &mut AccordWorld) -> Outcome {
    let outcome = none_refused_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn none_refused_checked(w: &mut AccordWorld) -> Outcome {
    for e in &w.judged {
        // 403: the key was taken and lacks a role or scope (Unleash's for a project the open
        // source edition does not have): an operation for another identity, noted.
        if e.status == 403 {
            w.ctx.forbidden(e.operation.as_deref().unwrap_or("?"));
            continue;
        }
        if e.status == 401 && !w.ctx.refuses_own_credential(e) {
            return Err(Failure::new(
                Rule::ApiKeyValid,
                format!(
                    "{} refused a valid API key with {}",
                    e.operation.as_deref().unwrap_or("?"),
                    e.status
                ),
            )
            .with(&scrubbed(w, e)));
        }
    }
    Ok(())
}

#[then("no answer echoes the key")]
async fn none_echo(w: &mut AccordWorld) -> Outcome {
    let outcome = none_echo_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn none_echo_checked(w: &mut AccordWorld) -> Outcome {
    for e in &w.judged {
        no_echo(w, e)?;
    }
    Ok(())
}

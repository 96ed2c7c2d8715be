//! API keys: the scheme the spec declares, the operations it secures, how a key is sent.

use serde_json::Value;

use super::{Ctx, OpInfo};
use crate::exchange::Exchange;
use crate::http::{Placement, Request};

impl Ctx {
    /// The `apiKey` security scheme of `[apikey]` (or the spec's first): its name, where the
    /// key goes (`header`, `query`, `cookie`) and under which name.
    pub fn api_key_scheme(&self) -> Option<(String, String, String)> {
        let wanted = self
            .profile
            .apikey
            .as_ref()
            .and_then(|k| k.scheme.as_ref())
            .map(|s| s.get_ref().clone());
        let schemes = self
            .doc()
            .pointer("/components/securitySchemes")?
            .as_object()?;
        schemes.iter().find_map(|(name, scheme)| {
            let scheme = accord_spec::follow_ref(self.doc(), scheme);
            let fits = match &wanted {
                Some(w) => w == name,
                None => {
                    scheme.get("type").and_then(Value::as_str) == Some("apiKey")
                        && self.user_scheme.as_ref() != Some(name)
                }
            };
            fits.then(|| {
                (
                    name.clone(),
                    scheme
                        .get("in")
                        .and_then(Value::as_str)
                        .unwrap_or("header")
                        .to_string(),
                    scheme
                        .get("name")
                        .and_then(Value::as_str)
                        .unwrap_or("X-API-Key")
                        .to_string(),
                )
            })
        })
    }

    /// The operations whose security accepts `scheme` alone (an alternative of just it).
    pub fn operations_secured_by(&self, scheme: &str) -> Vec<OpInfo> {
        let global = self.doc().get("security").cloned().unwrap_or(Value::Null);
        self.all_operations()
            .into_iter()
            .filter(|(op, _)| !super::health_check(op))
            .filter(|(op, _)| secured_by_alone(&op.op, &global, scheme))
            .map(|(op, _)| op)
            .collect()
    }

    /// `request` carrying `key` where the scheme says.
    pub fn with_api_key(&self, request: Request, key: &str) -> Request {
        let word = self.key_word();
        self.key_placement(&word)
            .map(|p| p.apply(request.clone(), key))
            .unwrap_or(request)
    }

    /// How a key travels by the scheme, after `word` in a header.
    fn key_placement(&self, word: &str) -> Option<Placement> {
        let (_, location, name) = self.api_key_scheme()?;
        Some(match location.as_str() {
            "query" => Placement::Query { name },
            "cookie" => Placement::Cookie { name },
            _ => Placement::Header {
                name,
                prefix: word.to_string(),
            },
        })
    }

    /// The word before the key: the profile's `[apikey] prefix`, else the one learned
    /// ([`Ctx::key_word_learned`]), else none.
    fn key_word(&self) -> String {
        if let Some(prefix) = self.profile.apikey.as_ref().and_then(|k| k.prefix.clone()) {
            return prefix;
        }
        self.memo
            .get_or_init(KeyWord::default)
            .0
            .lock()
            .ok()
            .and_then(|w| w.clone())
            .unwrap_or_default()
    }

    /// Where the key goes in `Authorization` and the profile names no `prefix`: on a GET
    /// the key alone secures, the key bare; refused (401, 403), after `Bearer`, `Token` and
    /// `JWT` in turn (Semaphore's apiKey scheme `Authorization` takes `Bearer <token>`, its
    /// spec says no word). The word taken is kept for the run's every key request; the
    /// refused exchange, with the spec finding it carries, is returned.
    pub async fn key_word_learned(&self, key: &str, scheme: &str) -> Option<Exchange> {
        let learned = self.memo.get_or_init(KeyWord::default);
        if self
            .profile
            .apikey
            .as_ref()
            .is_some_and(|k| k.prefix.is_some())
            || learned.0.lock().map(|w| w.is_some()).unwrap_or(true)
        {
            return None;
        }
        let (_, location, name) = self.api_key_scheme()?;
        if location != "header" || !name.eq_ignore_ascii_case("authorization") {
            return None;
        }
        let op = self
            .operations_secured_by(scheme)
            .into_iter()
            .find(|o| o.method == "GET" && !o.path.contains('{') && !o.websocket())?;
        let send = |word: &'static str| {
            let request = self
                .key_placement(word)
                .map(|p| p.apply(self.request_for(&op), key));
            async move { self.http.send(request?).await.ok() }
        };
        let refused = send("").await?;
        if !matches!(refused.status, 401 | 403) {
            return None;
        }
        // The words a frontend puts before a token, as the user's token's are tried.
        for word in super::placement::PREFIXES.iter().filter(|w| !w.is_empty()) {
            let Some(answer) = send(word).await else {
                continue;
            };
            if (200..300).contains(&answer.status) {
                if let Ok(mut kept) = learned.0.lock() {
                    *kept = Some(word.to_string());
                }
                return Some(refused.without(key).as_finding(
                    &op.id,
                    "",
                    format!(
                        "refuses the API key of scheme `{scheme}` alone in `{name}` ({}) and takes it after `{}` ({}): the run sends it so; say so in the scheme's description, or name `prefix` in the profile's [apikey]",
                        refused.status,
                        word.trim(),
                        answer.status
                    ),
                ));
            }
        }
        None
    }
}

/// The word before an API key the run learned ([`Ctx::key_word_learned`]).
#[derive(Default)]
struct KeyWord(std::sync::Mutex<Option<String>>);

/// Whether `op`'s security (its own, else the document's `global`) has an alternative of
/// `scheme` alone.
pub fn secured_by_alone(op: &Value, global: &Value, scheme: &str) -> bool {
    op.get("security")
        .unwrap_or(global)
        .as_array()
        .is_some_and(|alternatives| {
            alternatives.iter().any(|a| {
                a.as_object()
                    .is_some_and(|m| m.len() == 1 && m.contains_key(scheme))
            })
        })
}

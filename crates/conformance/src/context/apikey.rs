//! API keys: the scheme the spec declares, the operations it secures, how a key is sent.

use serde_json::Value;

use super::{Ctx, OpInfo};
use crate::http::Request;

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
            .filter(|(op, _)| {
                op.op
                    .get("security")
                    .unwrap_or(&global)
                    .as_array()
                    .is_some_and(|alternatives| {
                        alternatives.iter().any(|a| {
                            a.as_object()
                                .is_some_and(|m| m.len() == 1 && m.contains_key(scheme))
                        })
                    })
            })
            .map(|(op, _)| op)
            .collect()
    }

    /// `request` carrying `key` where the scheme says.
    pub fn with_api_key(&self, request: Request, key: &str) -> Request {
        use crate::http::Placement;
        let Some((_, location, name)) = self.api_key_scheme() else {
            return request;
        };
        let placement = match location.as_str() {
            "query" => Placement::Query { name },
            "cookie" => Placement::Cookie { name },
            _ => Placement::Header {
                name,
                prefix: String::new(),
            },
        };
        placement.apply(request, key)
    }
}

//! The backend's security, read from its spec: which security scheme carries the user's
//! token and so how the token travels, which operations that scheme secures, and what a
//! missing or bad credential gets there.

use serde_json::Value;

use crate::http::Placement;
use crate::profile::Auth;

/// The scheme that carries the user's token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserScheme {
    /// Its name in `components.securitySchemes`; `None` when the spec declares none.
    pub name: Option<String>,
    pub placement: Placement,
}

fn schemes(doc: &Value) -> Vec<(String, Value)> {
    doc.pointer("/components/securitySchemes")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), accord_spec::follow_ref(doc, v).clone()))
                .collect()
        })
        .unwrap_or_default()
}

fn field<'a>(scheme: &'a Value, key: &str) -> &'a str {
    scheme.get(key).and_then(Value::as_str).unwrap_or("")
}

/// Whether `scheme` carries a user's token as a bearer: http bearer, OAuth2, OpenID Connect.
fn is_bearer(scheme: &Value) -> bool {
    match field(scheme, "type") {
        "http" => field(scheme, "scheme").eq_ignore_ascii_case("bearer"),
        "oauth2" | "openIdConnect" => true,
        _ => false,
    }
}

/// The token in `Authorization` after the profile's `prefix`: `Basic` sends it (`user:password`)
/// as HTTP basic credentials, `Bearer` as a bearer token; `None` without a prefix.
fn in_authorization(prefix: Option<&str>) -> Option<Placement> {
    match prefix.map(str::trim) {
        Some(p) if p.eq_ignore_ascii_case("basic") => Some(Placement::Basic),
        Some(p) if p.eq_ignore_ascii_case("bearer") => Some(Placement::Bearer),
        Some(p) if !p.is_empty() => Some(Placement::Header {
            name: "Authorization".into(),
            prefix: format!("{p} "),
        }),
        _ => None,
    }
}

/// How a token travels by `scheme`; `prefix` is the profile's for an `apiKey` scheme, and
/// for an http bearer one whose backend wants another word than the spec's `Bearer`
/// (passport-jwt's `fromAuthHeaderWithScheme('Token')` behind a NestJS spec's bearer).
fn placement(scheme: &Value, prefix: Option<&str>) -> Placement {
    match field(scheme, "type") {
        "http" if field(scheme, "scheme").eq_ignore_ascii_case("basic") => Placement::Basic,
        "http" if field(scheme, "scheme").eq_ignore_ascii_case("bearer") => {
            in_authorization(prefix).unwrap_or(Placement::Bearer)
        }
        "apiKey" => {
            let name = field(scheme, "name").to_string();
            match field(scheme, "in") {
                "query" => Placement::Query { name },
                "cookie" => Placement::Cookie { name },
                // The `Cookie` header itself (Semaphore's Swagger 2.0 `cookie` scheme, which
                // 2.0 could not put `in: cookie`): a session cookie the spec does not name,
                // learned from the sign-in (`Ctx::session_cookie_learned`).
                "header" if name.eq_ignore_ascii_case("cookie") => Placement::Cookie {
                    name: SESSION_COOKIE.into(),
                },
                _ => {
                    // `Authorization: Token <jwt>` is the usual shape of an apiKey scheme in
                    // that header; the profile names the prefix, or the description shows it.
                    let described = field(scheme, "description");
                    // The word before the token, as descriptions show it: `Token <jwt>`, or
                    // quoted (drf-spectacular's `required prefix "Token"`).
                    let shows = |word: &str| {
                        [" ", "\"", "'", "`"].iter().any(|after| {
                            described.contains(&format!("{word}{after}"))
                                && (*after == " "
                                    || described.contains(&format!("{after}{word}{after}")))
                        })
                    };
                    let prefix = prefix.map(String::from).unwrap_or_else(|| {
                        if !name.eq_ignore_ascii_case("authorization") {
                            String::new()
                        } else if shows("Token") {
                            "Token ".into()
                        } else if shows("Bearer") {
                            "Bearer ".into()
                        } else {
                            String::new()
                        }
                    });
                    Placement::Header { name, prefix }
                }
            }
        }
        _ => Placement::Bearer,
    }
}

/// The name of a session cookie the spec does not name (its scheme is the `Cookie` header),
/// until the sign-in shows which cookie it sets.
pub const SESSION_COOKIE: &str = "*";

/// Whether `scheme` is a browser's session cookie: an apiKey in a cookie, or in the `Cookie`
/// header itself; never a service's key.
pub fn is_session_cookie(scheme: &Value) -> bool {
    field(scheme, "type") == "apiKey"
        && (field(scheme, "in") == "cookie"
            || field(scheme, "in") == "header"
                && field(scheme, "name").eq_ignore_ascii_case("cookie"))
}

/// The spec's first session-cookie scheme ([`is_session_cookie`]), as the user's.
pub fn session_scheme(doc: &Value) -> Option<UserScheme> {
    schemes(doc)
        .into_iter()
        .find(|(_, s)| is_session_cookie(s))
        .map(|(name, s)| UserScheme {
            placement: placement(&s, None),
            name: Some(name),
        })
}

/// The scheme of the user's token: the profile's `auth.scheme`, else the spec's first http
/// bearer, OAuth2 or OpenID Connect scheme, else its first `apiKey` scheme in the
/// `Authorization` header, else its first http basic one, else its first `apiKey` in a
/// cookie (a session), else its first other `apiKey`; a bearer token where the spec declares
/// none. `Err` names a profile scheme the spec lacks.
pub fn user_scheme(doc: &Value, auth: Option<&Auth>) -> Result<UserScheme, String> {
    let all = schemes(doc);
    let prefix = auth.and_then(|a| a.prefix.as_deref());
    if let Some(wanted) = auth.and_then(|a| a.scheme.as_ref()) {
        let (name, scheme) = all
            .iter()
            .find(|(n, _)| n == wanted.get_ref())
            .ok_or_else(|| {
                format!(
                    "auth.scheme: the spec has no security scheme `{}` (it has: {})",
                    wanted.get_ref(),
                    all.iter()
                        .map(|(n, _)| n.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?;
        return Ok(UserScheme {
            name: Some(name.clone()),
            placement: placement(scheme, prefix),
        });
    }
    let pick = all
        .iter()
        .find(|(_, s)| is_bearer(s))
        .or_else(|| {
            all.iter().find(|(_, s)| {
                field(s, "type") == "apiKey"
                    && field(s, "in") == "header"
                    && field(s, "name").eq_ignore_ascii_case("authorization")
            })
        })
        .or_else(|| {
            all.iter().find(|(_, s)| {
                field(s, "type") == "http" && field(s, "scheme").eq_ignore_ascii_case("basic")
            })
        })
        // A session cookie (Django's `sessionid`), then any other `apiKey`: what the spec
        // secures its operations with, rather than a bearer token it never mentions.
        .or_else(|| all.iter().find(|(_, s)| is_session_cookie(s)))
        .or_else(|| all.iter().find(|(_, s)| field(s, "type") == "apiKey"));
    Ok(match pick {
        Some((name, scheme)) => UserScheme {
            name: Some(name.clone()),
            placement: placement(scheme, prefix),
        },
        // The spec names no scheme (Spring PetClinic's, whose security is HTTP basic once
        // turned on): the profile's `prefix` says what goes before the token in
        // `Authorization`, `Basic` sending it (`user:password`) as basic credentials.
        None => UserScheme {
            name: None,
            placement: in_authorization(prefix).unwrap_or(Placement::Bearer),
        },
    })
}

/// The security alternatives of `op` (its own `security`, else the document's) when none of
/// them is one the run's token satisfies: each alternative names schemes, and the run sends
/// the user's token by `user` only (a scheme of that name, or one that carries a token the
/// same way; a cookie the session may hold counts as sent). `None` when one alternative is
/// satisfied, or the spec says nothing the run could tell from.
pub fn unmet_security(doc: &Value, op: &Value, user: &UserScheme) -> Option<Vec<String>> {
    let user_name = user.name.as_deref()?;
    let alternatives = effective_security(doc, op)?;
    let all = schemes(doc);
    let sent = |name: &str| {
        name == user_name
            || all
                .iter()
                .find(|(n, _)| n == name)
                .is_none_or(|(_, scheme)| {
                    let how = placement(scheme, None);
                    how == user.placement || matches!(how, Placement::Cookie { .. })
                })
    };
    let met = alternatives.iter().any(|a| {
        a.as_object()
            .is_none_or(|names| names.keys().all(|name| sent(name)))
    });
    (!met).then(|| named(alternatives))
}

/// The security alternatives of `op` (its own, or the document's), when it has any.
fn effective_security<'a>(doc: &'a Value, op: &'a Value) -> Option<&'a Vec<Value>> {
    op.get("security")
        .or_else(|| doc.get("security"))?
        .as_array()
        .filter(|a| !a.is_empty())
}

/// Each alternative's schemes, joined by `+`.
fn named(alternatives: &[Value]) -> Vec<String> {
    alternatives
        .iter()
        .filter_map(Value::as_object)
        .map(|names| names.keys().cloned().collect::<Vec<_>>().join(" + "))
        .collect()
}

/// The security alternatives of `op` when none of them is open (`{}`): what a caller
/// without credentials cannot meet.
pub fn alternatives(doc: &Value, op: &Value) -> Option<Vec<String>> {
    let alternatives = effective_security(doc, op)?;
    let open = alternatives
        .iter()
        .any(|a| a.as_object().is_none_or(serde_json::Map::is_empty));
    (!open).then(|| named(alternatives))
}

/// The status a missing or bad token gets on `op`, as the spec documents it: 401 where it
/// documents 401 (authentication), else 403 where it documents only 403 (as FastAPI's
/// `HTTPBearer` answers), else the profile's `auth.refusal_status` (401 by default).
pub fn refusal_status(op: &Value, auth: Option<&Auth>) -> u16 {
    let documented = |code: &str| op.pointer(&format!("/responses/{code}")).is_some();
    if documented("401") {
        401
    } else if documented("403") {
        403
    } else {
        auth.and_then(|a| a.refusal_status).unwrap_or(401)
    }
}

/// The statuses a missing or bad token may get on `op`: [`refusal_status`], and 401 too where
/// that is 403 because the spec documents only 403: HTTP's own refusal of credentials is
/// never wrong (Vikunja's spec documents 403 as "no access to the project"), and the
/// undocumented 401 is a spec finding of its own.
pub fn refusals(op: &Value, auth: Option<&Auth>) -> Vec<u16> {
    let status = refusal_status(op, auth);
    if status == 403 && op.pointer("/responses/403").is_some() {
        vec![403, 401]
    } else {
        vec![status]
    }
}

/// The client-error statuses `op` documents among `candidates`.
pub fn documented_among(op: &Value, candidates: &[u16]) -> Vec<u16> {
    candidates
        .iter()
        .copied()
        .filter(|c| op.pointer(&format!("/responses/{c}")).is_some())
        .collect()
}

/// Whether the spec sends a cookie: a security scheme or a parameter `in: cookie` (a refresh
/// cookie). Then the frontend sends credentials across origins, and
/// `Access-Control-Allow-Origin: *` cannot serve it.
pub fn spec_sends_cookies(doc: &Value) -> bool {
    fn cookie(v: &Value, depth: usize) -> bool {
        match v {
            Value::Object(m) => {
                m.get("in").and_then(Value::as_str) == Some("cookie")
                    || (depth < 8 && m.values().any(|c| cookie(c, depth + 1)))
            }
            Value::Array(items) => depth < 8 && items.iter().any(|c| cookie(c, depth + 1)),
            _ => false,
        }
    }
    [
        "/paths",
        "/components/parameters",
        "/components/securitySchemes",
    ]
    .iter()
    .filter_map(|p| doc.pointer(p))
    .any(|v| cookie(v, 0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(schemes: Value) -> Value {
        json!({"openapi": "3.0.3", "paths": {}, "components": {"securitySchemes": schemes}})
    }

    #[test]
    fn an_operation_only_other_credentials_open_is_unmet() {
        let spec = doc(json!({
            "clientTokenHeader": {"type": "apiKey", "in": "header", "name": "X-Gotify-Key"},
            "appTokenHeader": {"type": "apiKey", "in": "header", "name": "X-Gotify-Key"},
            "basicAuth": {"type": "http", "scheme": "basic"},
            "session": {"type": "apiKey", "in": "cookie", "name": "sid"}
        }));
        let user = UserScheme {
            name: Some("clientTokenHeader".into()),
            placement: Placement::Header {
                name: "X-Gotify-Key".into(),
                prefix: String::new(),
            },
        };
        let unmet =
            |security: Value| unmet_security(&spec, &json!({ "security": security }), &user);
        // Basic only: unmet, named.
        assert_eq!(
            unmet(json!([{"basicAuth": []}])),
            Some(vec!["basicAuth".to_string()])
        );
        // One alternative the token meets, by name or by how it travels.
        assert_eq!(
            unmet(json!([{"basicAuth": []}, {"clientTokenHeader": []}])),
            None
        );
        assert_eq!(unmet(json!([{"appTokenHeader": []}])), None);
        // A cookie the session may hold; an anonymous alternative; no security at all.
        assert_eq!(unmet(json!([{"session": []}])), None);
        assert_eq!(unmet(json!([{"basicAuth": []}, {}])), None);
        assert_eq!(unmet_security(&spec, &json!({}), &user), None);
        // Both of an alternative are needed.
        assert_eq!(
            unmet(json!([{"clientTokenHeader": [], "basicAuth": []}])),
            Some(vec!["clientTokenHeader + basicAuth".to_string()])
        );
    }

    #[test]
    fn a_spec_secured_by_a_session_cookie_or_a_key_alone_is_not_read_as_bearer() {
        let session =
            doc(json!({"session": {"type": "apiKey", "in": "cookie", "name": "sessionid"}}));
        assert_eq!(
            user_scheme(&session, None).unwrap().placement,
            Placement::Cookie {
                name: "sessionid".into()
            }
        );
        let key = doc(json!({"key": {"type": "apiKey", "in": "header", "name": "X-Gotify-Key"}}));
        assert_eq!(
            user_scheme(&key, None).unwrap().placement,
            Placement::Header {
                name: "X-Gotify-Key".into(),
                prefix: String::new()
            }
        );
        // None at all: a bearer token.
        assert_eq!(
            user_scheme(&doc(json!({})), None).unwrap().placement,
            Placement::Bearer
        );
    }

    /// Where the spec names no scheme, the profile's `prefix` says how the token goes in
    /// `Authorization`: `Basic` as HTTP basic credentials (Spring PetClinic's once its
    /// security is on), any other word before the token as it is.
    #[test]
    fn a_spec_without_a_scheme_takes_the_profile_s_prefix() {
        let none = doc(json!({}));
        let with = |prefix: &str| -> Auth {
            toml::from_str(&format!(
                "kind = \"static\"\ntoken_env = \"T\"\nprefix = \"{prefix}\""
            ))
            .unwrap()
        };
        assert_eq!(
            user_scheme(&none, Some(&with("Basic"))).unwrap().placement,
            Placement::Basic
        );
        assert_eq!(
            user_scheme(&none, Some(&with("Token"))).unwrap().placement,
            Placement::Header {
                name: "Authorization".into(),
                prefix: "Token ".into()
            }
        );
        // A bearer scheme whose backend wants `Token`: the profile's prefix says so.
        let bearer = doc(json!({"bearer": {"type": "http", "scheme": "bearer"}}));
        assert_eq!(
            user_scheme(&bearer, Some(&with("Token")))
                .unwrap()
                .placement,
            Placement::Header {
                name: "Authorization".into(),
                prefix: "Token ".into()
            }
        );
        assert_eq!(
            user_scheme(&bearer, Some(&with("Bearer")))
                .unwrap()
                .placement,
            Placement::Bearer
        );
        // `user:password` is encoded; a token encoded already (copied from `curl -u`) is not
        // encoded twice; one that decodes to no pair is text to encode.
        for (token, header) in [
            ("admin:admin", "Basic YWRtaW46YWRtaW4="),
            ("YWRtaW46YWRtaW4=", "Basic YWRtaW46YWRtaW4="),
            ("YWRtaW4=", "Basic WVdSdGFXND0="),
        ] {
            let sent = Placement::Basic.apply(crate::http::Request::new("GET", "/owners"), token);
            assert!(
                sent.headers
                    .iter()
                    .any(|(k, v)| k == "authorization" && v == header),
                "{token}: {:?}",
                sent.headers
            );
        }
    }

    #[test]
    fn the_token_travels_as_the_scheme_says() {
        let bearer = doc(
            json!({"key": {"type": "apiKey", "in": "header", "name": "X-Key"},
                                 "jwt": {"type": "http", "scheme": "bearer"}}),
        );
        assert_eq!(
            user_scheme(&bearer, None).unwrap(),
            UserScheme {
                name: Some("jwt".into()),
                placement: Placement::Bearer
            }
        );
        let token = doc(
            json!({"Token": {"type": "apiKey", "in": "header", "name": "Authorization",
            "description": "Send `Token <jwt>` in the Authorization header"}}),
        );
        assert_eq!(
            user_scheme(&token, None).unwrap().placement,
            Placement::Header {
                name: "Authorization".into(),
                prefix: "Token ".into()
            }
        );
        let query = doc(json!({"q": {"type": "apiKey", "in": "query", "name": "access_token"}}));
        let auth: Auth =
            toml::from_str("kind = \"static\"\ntoken_env = \"T\"\nscheme = \"q\"").unwrap();
        assert_eq!(
            user_scheme(&query, Some(&auth)).unwrap().placement,
            Placement::Query {
                name: "access_token".into()
            }
        );
        let missing: Auth =
            toml::from_str("kind = \"static\"\ntoken_env = \"T\"\nscheme = \"nope\"").unwrap();
        let e = user_scheme(&query, Some(&missing)).unwrap_err();
        assert!(e.contains("`nope`") && e.contains("q"), "{e}");
        let request = Placement::Header {
            name: "Authorization".into(),
            prefix: "Token ".into(),
        }
        .apply(crate::http::Request::new("GET", "/a"), "t1");
        assert_eq!(
            request.headers,
            vec![("authorization".into(), "Token t1".into())]
        );
        assert_eq!(
            Placement::Header {
                name: "X".into(),
                prefix: String::new()
            }
            .challenge(),
            None
        );
    }

    #[test]
    fn the_refusal_is_what_the_spec_documents() {
        assert_eq!(
            refusal_status(
                &json!({"responses": {"200": {}, "401": {}, "403": {}}}),
                None
            ),
            401
        );
        assert_eq!(
            refusal_status(&json!({"responses": {"200": {}, "403": {}}}), None),
            403
        );
        assert_eq!(
            refusal_status(&json!({"responses": {"200": {}}}), None),
            401
        );
        let auth: Auth =
            toml::from_str("kind = \"static\"\ntoken_env = \"T\"\nrefusal_status = 403").unwrap();
        assert_eq!(
            refusal_status(&json!({"responses": {"200": {}}}), Some(&auth)),
            403
        );
    }

    #[test]
    fn a_401_is_taken_where_only_403_is_documented() {
        let only_403 = json!({"responses": {"200": {}, "403": {}}});
        assert_eq!(refusals(&only_403, None), [403, 401]);
        let both = json!({"responses": {"401": {}, "403": {}}});
        assert_eq!(refusals(&both, None), [401]);
        assert_eq!(refusals(&json!({"responses": {"200": {}}}), None), [401]);
    }
}

//! Credentials of the spec's security schemes and the authentication of an operation.
//!
//! The generated router asks the implementation's authenticator for a principal before a
//! secured operation's handler runs; a missing or refused credential becomes a 401 with the
//! scheme's challenge and never reaches the handler.

use std::fmt;
use std::future::Future;

use crate::error::AuthFailure;
use crate::{Context, Error, Location};

/// A security scheme of the spec, as far as finding its credential in a request goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// `type: http, scheme: bearer`, and `oauth2`/`openIdConnect` (bearer tokens too).
    Bearer { name: &'static str },
    /// `type: http, scheme: basic`.
    Basic { name: &'static str },
    /// `type: apiKey` in a header, the query or a cookie.
    ApiKey {
        name: &'static str,
        location: Location,
        key: &'static str,
    },
}

impl Scheme {
    /// The scheme's name in `components.securitySchemes`.
    pub fn name(&self) -> &'static str {
        match self {
            Scheme::Bearer { name } | Scheme::Basic { name } | Scheme::ApiKey { name, .. } => name,
        }
    }

    /// The `WWW-Authenticate` value of a 401 for this scheme (RFC 6750 for bearer tokens).
    pub fn challenge(&self, failure: &AuthFailure) -> Option<String> {
        match (self, failure) {
            (Scheme::Bearer { .. }, AuthFailure::Missing) => Some("Bearer".to_string()),
            (Scheme::Bearer { .. }, AuthFailure::Rejected(_)) => {
                Some("Bearer error=\"invalid_token\"".to_string())
            }
            (Scheme::Basic { .. }, _) => Some("Basic".to_string()),
            (Scheme::ApiKey { .. }, _) => None,
        }
    }

    /// This scheme's credential in the request: `Ok(None)` when absent, `Err` when present
    /// but unusable (an `Authorization` header of another scheme, an empty token).
    pub fn extract(&self, ctx: &Context) -> Result<Option<Credential>, Rejection> {
        let scheme = self.name();
        let from_authorization = |prefix: &str| -> Result<Option<String>, Rejection> {
            let Some(value) = ctx.headers.get(axum::http::header::AUTHORIZATION) else {
                return Ok(None);
            };
            let value = value
                .to_str()
                .map_err(|_| Rejection::new("the Authorization header is not visible ASCII"))?;
            match value.split_once(' ') {
                Some((kind, rest))
                    if kind.eq_ignore_ascii_case(prefix) && !rest.trim().is_empty() =>
                {
                    Ok(Some(rest.trim().to_string()))
                }
                _ => Err(Rejection::new(format!(
                    "the Authorization header is not a {prefix} credential"
                ))),
            }
        };
        let secret = match self {
            Scheme::Bearer { .. } => from_authorization("Bearer")?.map(Secret::Bearer),
            Scheme::Basic { .. } => from_authorization("Basic")?.map(Secret::Basic),
            Scheme::ApiKey { location, key, .. } => {
                let found = match location {
                    Location::Header => ctx.header(key).map(str::to_string),
                    Location::Query => ctx.uri.query().and_then(|q| {
                        form_urlencoded::parse(q.as_bytes())
                            .find(|(k, _)| k == key)
                            .map(|(_, v)| v.into_owned())
                    }),
                    Location::Cookie => ctx.cookies(key).into_iter().next(),
                    Location::Path | Location::Body => None,
                };
                match found {
                    Some(v) if v.is_empty() => {
                        return Err(Rejection::new(format!("the {key} credential is empty")));
                    }
                    other => other.map(Secret::ApiKey),
                }
            }
        };
        Ok(secret.map(|secret| Credential { scheme, secret }))
    }
}

/// A credential found in a request, for the implementation's authenticator.
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    /// The scheme's name in `components.securitySchemes`.
    pub scheme: &'static str,
    pub secret: Secret,
}

/// The secret itself. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub enum Secret {
    /// The token of `Authorization: Bearer <token>`.
    Bearer(String),
    /// The base64 `user:password` of `Authorization: Basic <...>`, undecoded.
    Basic(String),
    /// An API key's value.
    ApiKey(String),
}

impl Secret {
    pub fn expose(&self) -> &str {
        match self {
            Secret::Bearer(s) | Secret::Basic(s) | Secret::ApiKey(s) => s,
        }
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.secret {
            Secret::Bearer(_) => "Bearer",
            Secret::Basic(_) => "Basic",
            Secret::ApiKey(_) => "ApiKey",
        };
        write!(
            f,
            "Credential {{ scheme: {:?}, secret: {kind}(<redacted>) }}",
            self.scheme
        )
    }
}

/// Why an authenticator refused a credential; for logs, and never shown to the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection(pub String);

impl Rejection {
    pub fn new(reason: impl Into<String>) -> Self {
        Rejection(reason.into())
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Authenticates a request for an operation whose security requirement is `alternatives`
/// (any one alternative must hold; every scheme of an alternative must).
///
/// Returns the principal of the first alternative that holds (from its first scheme), and
/// otherwise the 401 error with the challenge of the scheme that refused (or of the first
/// scheme, when no credential was sent).
pub async fn authenticate<P, F, Fut>(
    ctx: &Context,
    alternatives: &[&[Scheme]],
    check: F,
) -> Result<P, Error>
where
    F: FnMut(Credential) -> Fut,
    Fut: Future<Output = Result<P, Rejection>>,
{
    match authenticate_inner(ctx, alternatives, false, check).await {
        Ok(Some(principal)) => Ok(principal),
        Ok(None) => Err(missing(alternatives)),
        Err(error) => Err(error),
    }
}

/// As [`authenticate`], for operations that also allow no credentials (an empty security
/// requirement): `Ok(None)` when none was sent. A credential that was sent must still hold.
pub async fn authenticate_optional<P, F, Fut>(
    ctx: &Context,
    alternatives: &[&[Scheme]],
    check: F,
) -> Result<Option<P>, Error>
where
    F: FnMut(Credential) -> Fut,
    Fut: Future<Output = Result<P, Rejection>>,
{
    authenticate_inner(ctx, alternatives, true, check).await
}

fn missing(alternatives: &[&[Scheme]]) -> Error {
    let failure = AuthFailure::Missing;
    let challenge = any_challenge(alternatives, &failure);
    Error::Unauthorized { failure, challenge }
}

/// The first challenge any scheme of `alternatives` has for `failure`: an API key has none,
/// and a 401 must still name a scheme the client can use (RFC 9110 §11.6.1).
fn any_challenge(alternatives: &[&[Scheme]], failure: &AuthFailure) -> Option<String> {
    alternatives
        .iter()
        .flat_map(|a| a.iter())
        .find_map(|s| s.challenge(failure))
}

async fn authenticate_inner<P, F, Fut>(
    ctx: &Context,
    alternatives: &[&[Scheme]],
    optional: bool,
    mut check: F,
) -> Result<Option<P>, Error>
where
    F: FnMut(Credential) -> Fut,
    Fut: Future<Output = Result<P, Rejection>>,
{
    let mut refused: Option<(Scheme, Rejection)> = None;
    'alternatives: for schemes in alternatives {
        let mut credentials = Vec::with_capacity(schemes.len());
        for scheme in schemes.iter() {
            match scheme.extract(ctx) {
                Ok(Some(credential)) => credentials.push(credential),
                Ok(None) => continue 'alternatives,
                Err(rejection) => {
                    refused.get_or_insert((*scheme, rejection));
                    continue 'alternatives;
                }
            }
        }
        let mut principal = None;
        for (scheme, credential) in schemes.iter().zip(credentials) {
            match check(credential).await {
                Ok(p) => {
                    principal.get_or_insert(p);
                }
                Err(rejection) => {
                    refused.get_or_insert((*scheme, rejection));
                    continue 'alternatives;
                }
            }
        }
        if principal.is_some() {
            return Ok(principal);
        }
    }
    match refused {
        Some((scheme, rejection)) => {
            let failure = AuthFailure::Rejected(rejection.0);
            let challenge = scheme
                .challenge(&failure)
                .or_else(|| any_challenge(alternatives, &AuthFailure::Missing));
            Err(Error::Unauthorized { failure, challenge })
        }
        None if optional => Ok(None),
        None => Err(missing(alternatives)),
    }
}

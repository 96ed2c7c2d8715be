//! Tokens the backend must refuse: forged (bad signature, `alg: none`, other claims) and
//! expired.

use base64::Engine as _;
use serde_json::{Value, json};

use super::{Ctx, CtxError, Forgery, Identity, jwt_exp, unix_now};

impl Ctx {
    /// A token to forge others from: a real one when the profile can sign in.
    async fn base_token(&self) -> Result<String, CtxError> {
        // Kept once made; a sign-in that failed is not kept here (the session keeps why).
        self.base_token
            .get_or_try_init(|| async {
                if self.profile.auth.is_some() {
                    self.session(Identity::First).await.map(|t| t.access)
                } else {
                    let header = json!({"alg": "RS256", "typ": "JWT"});
                    let now = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map(|d| d.as_secs())
                        .unwrap_or(0);
                    let claims = json!({"sub": "accord-conformance", "iat": now, "exp": now + 600});
                    let b64 = |v: &Value| {
                        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
                    };
                    Ok(format!(
                        "{}.{}.{}",
                        b64(&header),
                        b64(&claims),
                        "c2lnbmF0dXJl"
                    ))
                }
            })
            .await
            .cloned()
    }

    /// A token forged the way `kind` says, from a real one when the profile can sign in;
    /// `None` when the backend's token is opaque (not a JWT), which has no signature or
    /// algorithm to forge.
    pub async fn forged_token(&self, kind: Forgery) -> Result<Option<String>, CtxError> {
        let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        if kind == Forgery::Malformed {
            return Ok(Some("not-a-jwt".into()));
        }
        let base = self.base_token().await?;
        let parts: Vec<&str> = base.split('.').collect();
        let [header, payload, signature] = parts.as_slice() else {
            return Ok(None);
        };
        let decode = |s: &str| -> Result<Value, CtxError> {
            let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(s)
                .map_err(|e| e.to_string())?;
            Ok(serde_json::from_slice(&bytes).map_err(|e| e.to_string())?)
        };
        let forged: Result<String, CtxError> = match kind {
            Forgery::AlteredSignature => {
                let mut sig: Vec<char> = signature.chars().collect();
                if let Some(c) = sig.get_mut(0) {
                    *c = if *c == 'A' { 'B' } else { 'A' };
                }
                Ok(format!(
                    "{header}.{payload}.{}",
                    sig.into_iter().collect::<String>()
                ))
            }
            Forgery::AlgNone => Ok(format!(
                "{}.{payload}.",
                b64(br#"{"alg":"none","typ":"JWT"}"#)
            )),
            Forgery::UnknownKey => {
                let original = decode(header)?;
                let claims = decode(payload)?;
                let pem = tokio::task::spawn_blocking(|| {
                    use rsa::pkcs8::EncodePrivateKey;
                    rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048)
                        .map_err(|e| e.to_string())
                        .and_then(|k| {
                            k.to_pkcs8_pem(rsa::pkcs8::LineEnding::LF)
                                .map(|p| p.to_string())
                                .map_err(|e| e.to_string())
                        })
                })
                .await
                .map_err(|e| e.to_string())??;
                let key = jsonwebtoken::EncodingKey::from_rsa_pem(pem.as_bytes())
                    .map_err(|e| e.to_string())?;
                let mut h = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
                h.kid = original
                    .get("kid")
                    .and_then(Value::as_str)
                    .map(String::from);
                Ok(jsonwebtoken::encode(&h, &claims, &key).map_err(|e| e.to_string())?)
            }
            Forgery::Malformed => Ok("not-a-jwt".into()),
        };
        forged.map(Some)
    }

    /// An access token that has expired (past its `exp` and the backend's leeway): signed in
    /// anew and waited out once per run, shared by every scenario that needs one. `Err` says
    /// why there is none (the reason a scenario is skipped).
    pub async fn expired_token(&self) -> Result<String, CtxError> {
        self.expired
            .get_or_init(|| async {
                let settings = &self.profile.behaviour;
                // The run's session says first, without a sign-in of its own (on a backend
                // that hashes a password, a hash): a token that is no JWT with `exp`, or
                // whose lifetime (`exp` less `iat`) is past the wait, is never waited for.
                let shared = self.session(Identity::First).await?;
                let exp = jwt_exp(&shared.access)
                    .ok_or("the access token is not a JWT with `exp`")?;
                if let Some(iat) = super::jwt_claim_u64(&shared.access, "iat") {
                    let wait = exp.saturating_sub(iat) + settings.expiry_leeway_secs + 1;
                    if settings.expiry_wait_secs == 0 || wait > settings.expiry_wait_secs {
                        return Err(CtxError::Setup(format!(
                            "the access token lives {wait} s (leeway included), beyond behaviour.expiry_wait_secs = {}",
                            settings.expiry_wait_secs
                        )));
                    }
                }
                let (tokens, _) = self.sign_in(Identity::First).await?;
                let exp = jwt_exp(&tokens.access)
                    .ok_or("the access token is not a JWT with `exp`")?;
                let until = exp + settings.expiry_leeway_secs + 1;
                let wait = until.saturating_sub(unix_now());
                if settings.expiry_wait_secs == 0 || wait > settings.expiry_wait_secs {
                    return Err(CtxError::Setup(format!(
                        "the access token expires in {wait} s (leeway included), beyond behaviour.expiry_wait_secs = {}",
                        settings.expiry_wait_secs
                    )));
                }
                tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
                Ok(tokens.access)
            })
            .await
            .clone()
    }
}

//! Access tokens: RS256 JWTs with `kid`, `iss`, `aud`, `sub`, `iat`, `nbf`, `exp`, `jti`, and
//! the JWKS that verifies them. Refresh tokens: opaque random strings, stored as SHA-256.

use std::path::Path;
use std::time::Duration;

use base64::Engine as _;
use jsonwebtoken::{
    Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header, encode,
};
use rand::RngCore;
use rsa::RsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::traits::PublicKeyParts;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// Leeway for `exp` and `nbf`, for clocks that disagree a little (the default).
pub const LEEWAY_SECS: u64 = 30;

pub struct Keys {
    kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    /// The public key as a JWK (`kty`, `kid`, `use`, `alg`, `n`, `e`).
    pub jwk: api_types::Jwk,
    issuer: String,
    audience: String,
    ttl: Duration,
    leeway: u64,
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    iss: String,
    aud: String,
    sub: String,
    iat: i64,
    nbf: i64,
    exp: i64,
    jti: String,
}

impl Keys {
    /// Loads the signing key from `path`, or makes a new 2048-bit one and stores it there.
    pub fn load_or_create(
        path: Option<&Path>,
        issuer: &str,
        audience: &str,
        ttl: Duration,
    ) -> anyhow::Result<Keys> {
        let key = match path.filter(|p| p.exists()) {
            Some(p) => {
                let pem = std::fs::read_to_string(p)?;
                RsaPrivateKey::from_pkcs8_pem(&pem)
                    .map_err(|e| anyhow::anyhow!("{}: not an RSA private key: {e}", p.display()))?
            }
            None => {
                let key = RsaPrivateKey::new(&mut rand::thread_rng(), 2048)?;
                if let Some(p) = path {
                    if let Some(dir) = p.parent() {
                        std::fs::create_dir_all(dir)?;
                    }
                    let pem = key.to_pkcs8_pem(LineEnding::LF)?;
                    write_private(p, pem.as_bytes())?;
                }
                key
            }
        };
        Self::from_key(&key, issuer, audience, ttl)
    }

    fn from_key(
        key: &RsaPrivateKey,
        issuer: &str,
        audience: &str,
        ttl: Duration,
    ) -> anyhow::Result<Keys> {
        let b64 = |bytes: Vec<u8>| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        let n = b64(key.n().to_bytes_be());
        let e = b64(key.e().to_bytes_be());
        // RFC 7638 thumbprint.
        let thumbprint =
            Sha256::digest(format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#).as_bytes());
        let kid = b64(thumbprint.to_vec());
        let private_pem = key.to_pkcs8_pem(LineEnding::LF)?;
        let public_pem = key.to_public_key().to_public_key_pem(LineEnding::LF)?;
        Ok(Keys {
            encoding: EncodingKey::from_rsa_pem(private_pem.as_bytes())?,
            decoding: DecodingKey::from_rsa_pem(public_pem.as_bytes())?,
            jwk: api_types::Jwk {
                kty: "RSA".into(),
                kid: kid.clone(),
                use_: Some("sig".into()),
                alg: Some("RS256".into()),
                n,
                e,
            },
            kid,
            issuer: issuer.into(),
            audience: audience.into(),
            ttl,
            leeway: LEEWAY_SECS,
        })
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// The same keys with another leeway for `exp` and `nbf`.
    pub fn with_leeway(mut self, leeway: Duration) -> Keys {
        self.leeway = leeway.as_secs();
        self
    }

    /// A new access token for `user`.
    pub fn issue(&self, user: Uuid) -> anyhow::Result<String> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: user.to_string(),
            iat: now,
            nbf: now,
            exp: now + self.ttl.as_secs() as i64,
            jti: Uuid::new_v4().to_string(),
        };
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        Ok(encode(&header, &claims, &self.encoding)?)
    }

    /// The user an access token was issued to, or why it is refused. Only RS256 with this
    /// server's `kid` is accepted; `iss`, `aud`, `exp` and `nbf` are checked.
    pub fn verify(&self, token: &str) -> Result<Uuid, String> {
        self.verify_until(token).map(|(user, _)| user)
    }

    /// As [`Keys::verify`], with the token's `exp` (seconds since the epoch).
    pub fn verify_until(&self, token: &str) -> Result<(Uuid, i64), String> {
        let header = decode_header(token).map_err(|_| "the token is not a JWT".to_string())?;
        if header.alg != Algorithm::RS256 {
            return Err(format!("algorithm {:?} is not accepted", header.alg));
        }
        if header.kid.as_deref() != Some(self.kid.as_str()) {
            return Err("the token names an unknown key".into());
        }
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.leeway = self.leeway;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
        let data = decode::<Claims>(token, &self.decoding, &validation)
            .map_err(|e| format!("{:?}", e.kind()))?;
        let user = Uuid::parse_str(&data.claims.sub)
            .map_err(|_| "the subject is not a user id".to_string())?;
        Ok((user, data.claims.exp))
    }
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

/// A new opaque refresh token (256 random bits, base64url).
pub fn new_refresh_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// How a refresh token is stored.
pub fn hash_refresh_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// What an API key starts with, so a leaked one is recognisable (by secret scanners too).
pub const API_KEY_PREFIX: &str = "acc_";

/// A new API key: the prefix and 256 random bits, base64url.
pub fn new_api_key() -> String {
    format!("{API_KEY_PREFIX}{}", new_refresh_token())
}

/// How an API key is stored (a high-entropy secret: one SHA-256 is enough).
pub fn hash_api_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

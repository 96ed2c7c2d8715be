//! Access-token attacks, each refused with 401 and the RFC 6750 challenge; refresh rotation,
//! reuse detection and logout.

use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use reference_server::Running;
use serde_json::{Value, json};

use crate::{client, from, problem, sign_up, start};

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn parts(token: &str) -> (Value, Value, String) {
    let mut it = token.split('.');
    let decode = |s: &str| {
        serde_json::from_slice::<Value>(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(s)
                .unwrap(),
        )
        .unwrap()
    };
    let header = decode(it.next().unwrap());
    let claims = decode(it.next().unwrap());
    (header, claims, it.next().unwrap().to_string())
}

/// The server's own signing key, read from its data directory, to forge tokens it would
/// otherwise accept (expired, wrong audience...).
fn server_key(running: &Running) -> EncodingKey {
    let pem = std::fs::read(running.data_dir.join("keys/jwt-rs256.pem")).unwrap();
    EncodingKey::from_rsa_pem(&pem).unwrap()
}

async fn status_and_challenge(running: &Running, token: &str) -> (u16, String, Value) {
    let response = reqwest::Client::new()
        .get(format!("{}/api/v1/users/me", running.api_url))
        .header("authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    if status != 200 {
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
    }
    (status, challenge, response.json().await.unwrap())
}

#[tokio::test]
async fn forged_and_stale_access_tokens_are_refused() {
    let running = start().await;
    let pair = sign_up(&running, "ada@example.com").await;
    let (header, claims, signature) = parts(&pair.access_token);
    assert_eq!(header["alg"], "RS256");
    assert!(header["kid"].is_string());
    for claim in ["iss", "aud", "sub", "iat", "exp", "jti", "nbf"] {
        assert!(!claims[claim].is_null(), "{claim} missing");
    }
    let key = server_key(&running);
    let now = chrono::Utc::now().timestamp();
    let with = |changes: Value| {
        let mut c = claims.clone();
        for (k, v) in changes.as_object().unwrap() {
            c[k] = v.clone();
        }
        c
    };
    let signed = |claims: &Value, kid: Option<&str>| {
        let mut h = Header::new(Algorithm::RS256);
        h.kid = kid.map(String::from);
        encode(&h, claims, &key).unwrap()
    };
    let kid = header["kid"].as_str().unwrap();
    let public_pem = {
        use rsa::pkcs8::{DecodePrivateKey, EncodePublicKey};
        let private = rsa::RsaPrivateKey::from_pkcs8_pem(
            &std::fs::read_to_string(running.data_dir.join("keys/jwt-rs256.pem")).unwrap(),
        )
        .unwrap();
        private
            .to_public_key()
            .to_public_key_pem(rsa::pkcs8::LineEnding::LF)
            .unwrap()
    };
    let stranger = {
        let other = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).unwrap();
        use rsa::pkcs8::EncodePrivateKey;
        EncodingKey::from_rsa_pem(
            other
                .to_pkcs8_pem(rsa::pkcs8::LineEnding::LF)
                .unwrap()
                .as_bytes(),
        )
        .unwrap()
    };
    let mut stranger_header = Header::new(Algorithm::RS256);
    stranger_header.kid = Some(kid.to_string());

    let attacks: Vec<(&str, String)> = vec![
        (
            "alg none",
            format!(
                "{}.{}.",
                b64(br#"{"alg":"none","typ":"JWT"}"#),
                b64(claims.to_string().as_bytes())
            ),
        ),
        ("HS256 signed with the public key", {
            let mut h = Header::new(Algorithm::HS256);
            h.kid = Some(kid.to_string());
            encode(
                &h,
                &claims,
                &EncodingKey::from_secret(public_pem.as_bytes()),
            )
            .unwrap()
        }),
        ("unknown kid", signed(&claims, Some("not-our-key"))),
        ("no kid", signed(&claims, None)),
        (
            "tampered payload",
            format!(
                "{}.{}.{signature}",
                b64(header.to_string().as_bytes()),
                b64(with(json!({"sub": uuid::Uuid::new_v4().to_string()}))
                    .to_string()
                    .as_bytes())
            ),
        ),
        (
            "altered signature",
            format!("{}x", pair.access_token.trim_end_matches(|c| c != '.')),
        ),
        (
            "signed by a stranger's key",
            encode(&stranger_header, &claims, &stranger).unwrap(),
        ),
        (
            "expired",
            signed(
                &with(json!({"exp": now - 120, "iat": now - 1000, "nbf": now - 1000})),
                Some(kid),
            ),
        ),
        (
            "not yet valid",
            signed(&with(json!({"nbf": now + 600})), Some(kid)),
        ),
        (
            "wrong audience",
            signed(&with(json!({"aud": "someone-else"})), Some(kid)),
        ),
        (
            "wrong issuer",
            signed(&with(json!({"iss": "someone-else"})), Some(kid)),
        ),
        ("garbage", "not.a.jwt".to_string()),
    ];
    for (attack, token) in attacks {
        let (status, challenge, body) = status_and_challenge(&running, &token).await;
        assert_eq!(status, 401, "{attack}: {body}");
        assert_eq!(challenge, "Bearer error=\"invalid_token\"", "{attack}");
        assert_eq!(body["code"], "unauthorized", "{attack}");
        assert!(
            !body.to_string().contains(&token),
            "{attack}: the token is echoed"
        );
    }
    // Within the leeway an expired token is still fine; the genuine one is accepted.
    let (status, _, _) =
        status_and_challenge(&running, &signed(&with(json!({"exp": now - 5})), Some(kid))).await;
    assert_eq!(status, 200);
    let (status, _, _) = status_and_challenge(&running, &pair.access_token).await;
    assert_eq!(status, 200);
    running.stop().await;
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_whole_family() {
    let running = start().await;
    let anonymous = client(&running, None);
    let first = sign_up(&running, "ada@example.com").await;

    let second = anonymous
        .refresh(
            None,
            None,
            &from(json!({"refresh_token": first.refresh_token})),
        )
        .await
        .unwrap()
        .into_inner();
    assert_ne!(second.refresh_token, first.refresh_token);
    assert_ne!(second.access_token, first.access_token);
    client(&running, Some(&second.access_token))
        .get_current_user()
        .await
        .expect("the new access token works");
    let third = anonymous
        .refresh(
            None,
            None,
            &from(json!({"refresh_token": second.refresh_token})),
        )
        .await
        .unwrap()
        .into_inner();

    // The first token again: refused, and the newest one dies with it.
    let reused = problem(
        401,
        anonymous
            .refresh(
                None,
                None,
                &from(json!({"refresh_token": first.refresh_token})),
            )
            .await,
    );
    assert_eq!(reused.code, "refresh_token_reused");
    assert_eq!(
        reused.headers()["www-authenticate"],
        "Bearer error=\"invalid_token\""
    );
    let newest = problem(
        401,
        anonymous
            .refresh(
                None,
                None,
                &from(json!({"refresh_token": third.refresh_token})),
            )
            .await,
    );
    assert_eq!(newest.code, "refresh_token_reused");

    // Another session of the same user is untouched.
    let other = anonymous
        .login(&from(
            json!({"email": "ada@example.com", "password": "correct horse battery"}),
        ))
        .await
        .unwrap()
        .into_inner();
    anonymous
        .refresh(
            None,
            None,
            &from(json!({"refresh_token": other.refresh_token})),
        )
        .await
        .expect("another family still works");

    // An access token is not a refresh token; garbage is not either.
    problem(
        401,
        anonymous
            .refresh(
                None,
                None,
                &from(json!({"refresh_token": other.access_token})),
            )
            .await,
    );
    problem(
        401,
        anonymous
            .refresh(None, None, &from(json!({"refresh_token": "garbage"})))
            .await,
    );
    running.stop().await;
}

#[tokio::test]
async fn logout_revokes_the_refresh_token_and_needs_credentials() {
    let running = start().await;
    let anonymous = client(&running, None);
    let pair = sign_up(&running, "ada@example.com").await;
    let signed_in = client(&running, Some(&pair.access_token));
    problem(
        401,
        anonymous
            .logout(
                None,
                None,
                &from(json!({"refresh_token": pair.refresh_token})),
            )
            .await,
    );
    assert_eq!(
        signed_in
            .logout(
                None,
                None,
                &from(json!({"refresh_token": pair.refresh_token}))
            )
            .await
            .unwrap()
            .status()
            .as_u16(),
        204
    );
    problem(
        401,
        anonymous
            .refresh(
                None,
                None,
                &from(json!({"refresh_token": pair.refresh_token})),
            )
            .await,
    );
    // Logging out someone else's token does nothing to it.
    let bob = sign_up(&running, "bob@example.com").await;
    signed_in
        .logout(
            None,
            None,
            &from(json!({"refresh_token": bob.refresh_token})),
        )
        .await
        .unwrap();
    anonymous
        .refresh(
            None,
            None,
            &from(json!({"refresh_token": bob.refresh_token})),
        )
        .await
        .expect("bob's session survives");
    running.stop().await;
}

#[tokio::test]
async fn refresh_tokens_expire_and_are_stored_only_as_hashes() {
    let running = crate::start_with(reference_server::Config {
        refresh_token_ttl: std::time::Duration::from_secs(1),
        ..reference_server::Config::default()
    })
    .await;
    let pair = sign_up(&running, "ada@example.com").await;
    let db = std::fs::read(running.data_dir.join("accord.sqlite3")).unwrap();
    let wal = std::fs::read(running.data_dir.join("accord.sqlite3-wal")).unwrap_or_default();
    let token = pair
        .refresh_token
        .clone()
        .expect("a refresh token in body mode");
    for bytes in [&db, &wal] {
        assert!(
            !bytes.windows(token.len()).any(|w| w == token.as_bytes()),
            "the raw refresh token is stored"
        );
    }
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let expired = problem(
        401,
        client(&running, None)
            .refresh(
                None,
                None,
                &from(json!({"refresh_token": pair.refresh_token})),
            )
            .await,
    );
    assert_eq!(expired.code, "invalid_refresh_token");
    running.stop().await;
}

//! Every operation of the contract through the generated client, against the generated
//! router: each success, and each documented error status decoding into `api_types::Problem`.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::sync::atomic::Ordering;

use api_client::{Client, Error, ResponseValue};
use api_types::Problem;
use serde_json::json;

use crate::app::Memory;

/// The (operationId, status) pairs the test has seen, to compare with what the spec documents.
static SEEN: Mutex<BTreeSet<(String, u16)>> = Mutex::new(BTreeSet::new());

fn seen(op: &str, status: u16) {
    SEEN.lock().unwrap().insert((op.to_string(), status));
}

fn ok<T>(op: &str, result: Result<ResponseValue<T>, Error<Problem>>) -> ResponseValue<T> {
    match result {
        Ok(value) => {
            seen(op, value.status().as_u16());
            value
        }
        Err(e) => panic!("{op}: expected success, got {e:?}"),
    }
}

/// The typed problem of an error response with `status`.
fn problem<T: std::fmt::Debug>(
    op: &str,
    status: u16,
    result: Result<ResponseValue<T>, Error<Problem>>,
) -> ResponseValue<Problem> {
    match result {
        Err(Error::ErrorResponse(response)) => {
            assert_eq!(response.status().as_u16(), status, "{op}");
            assert_eq!(response.status as u16, status, "{op}: the body's status");
            assert_eq!(
                response
                    .headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok()),
                Some("application/problem+json"),
                "{op} {status}"
            );
            seen(op, status);
            response
        }
        other => panic!("{op}: expected a typed {status} problem, got {other:?}"),
    }
}

fn client(base: &str, token: Option<&str>) -> Client {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Some(token) = token {
        headers.insert("authorization", format!("Bearer {token}").parse().unwrap());
    }
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap();
    Client::new_with_client(base, http)
}

fn from<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> T {
    serde_json::from_value(value).expect("a valid value of the shared type")
}

/// Sends a raw request, for what the generated client cannot send (bad JSON, wrong media type).
async fn raw(
    base: &str,
    method: &str,
    path: &str,
    token: &str,
    content_type: &str,
    body: &str,
) -> reqwest::Response {
    reqwest::Client::new()
        .request(method.parse().unwrap(), format!("{base}{path}"))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", content_type)
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn every_operation_and_every_documented_status_round_trips_through_the_generated_client() {
    let app = std::sync::Arc::new(Memory::default());
    let base = crate::serve_shared(app.clone()).await;
    let anonymous = client(&base, None);

    // meta
    let health = ok("health", anonymous.health().await);
    assert_eq!(health.status.to_string(), "ok");
    let jwks = ok("get_jwks", anonymous.get_jwks().await);
    assert_eq!(jwks.keys[0].kid, "k1");

    // register: 201 with Location, 409 on a taken email, 422 from the schema (email format).
    let registration = from(
        json!({"email": "ada@example.com", "password": "correct horse", "display_name": "Ada"}),
    );
    let user = ok("register", anonymous.register(&registration).await);
    assert_eq!(user.status().as_u16(), 201);
    assert_eq!(
        user.headers()["location"],
        format!("/api/v1/users/{}", user.id).as_str()
    );
    assert_eq!(user.email, "ada@example.com");
    let taken = problem("register", 409, anonymous.register(&registration).await);
    assert_eq!(taken.code, "email_taken");
    let invalid = from(json!({"email": "not-an-email", "password": "correct horse"}));
    let invalid = problem("register", 422, anonymous.register(&invalid).await);
    assert_eq!(invalid.errors[0].field, "/email");
    assert_eq!(invalid.errors[0].code, "format");

    // login: 200 with a pair, 401 on a wrong password.
    let pair = ok(
        "login",
        anonymous
            .login(&from(
                json!({"email": "ada@example.com", "password": "correct horse"}),
            ))
            .await,
    );
    assert_eq!(pair.user.id, user.id);
    let wrong = problem(
        "login",
        401,
        anonymous
            .login(&from(
                json!({"email": "ada@example.com", "password": "wrong horse"}),
            ))
            .await,
    );
    assert_eq!(wrong.code, "invalid_credentials");
    assert_eq!(wrong.headers()["www-authenticate"], "Bearer");

    // refresh: 200 rotates, the old token is then 401.
    let rotated = ok(
        "refresh",
        anonymous
            .refresh(
                None,
                None,
                &from(json!({"refresh_token": pair.refresh_token})),
            )
            .await,
    );
    assert_ne!(rotated.refresh_token, pair.refresh_token);
    let reused = problem(
        "refresh",
        401,
        anonymous
            .refresh(
                None,
                None,
                &from(json!({"refresh_token": pair.refresh_token})),
            )
            .await,
    );
    assert_eq!(reused.code, "invalid_refresh_token");

    let signed_in = client(&base, Some(&rotated.access_token));

    // users/me: 200 for the principal, 401 without credentials (the framework, before the handler).
    let me = ok("get_current_user", signed_in.get_current_user().await);
    assert_eq!(me.id, user.id);
    let missing = problem("get_current_user", 401, anonymous.get_current_user().await);
    assert_eq!(missing.code, "unauthorized");
    assert_eq!(missing.headers()["www-authenticate"], "Bearer");
    let forged = problem(
        "get_current_user",
        401,
        client(&base, Some("forged")).get_current_user().await,
    );
    assert_eq!(
        forged.headers()["www-authenticate"],
        "Bearer error=\"invalid_token\""
    );

    // items: create (201 + Location), list (X-Total-Count), get, update, delete, each 404.
    let created = ok(
        "create_item",
        signed_in
            .create_item(&from(json!({"name": "Desk lamp", "description": "brass"})))
            .await,
    );
    assert_eq!(created.status().as_u16(), 201);
    assert_eq!(
        created.headers()["location"],
        format!("/api/v1/items/{}", created.id).as_str()
    );
    ok(
        "create_item",
        signed_in.create_item(&from(json!({"name": "Chair"}))).await,
    );
    let page = ok("list_items", signed_in.list_items(None, None, None).await);
    assert_eq!((page.total, page.items.len()), (2, 2));
    assert_eq!(page.headers()["x-total-count"], "2");
    let q = "lamp".parse().unwrap();
    let filtered = ok(
        "list_items",
        signed_in
            .list_items(Some(1.try_into().unwrap()), Some(0), Some(&q))
            .await,
    );
    assert_eq!(filtered.items[0].id, created.id);
    let negative = problem(
        "list_items",
        422,
        signed_in.list_items(None, Some(-1), None).await,
    );
    assert_eq!(negative.errors[0].field, "query.offset");
    assert_eq!(negative.errors[0].code, "minimum");

    let fetched = ok("get_item", signed_in.get_item(&created.id).await);
    assert_eq!(fetched.name, "Desk lamp");
    let unknown = uuid::Uuid::new_v4();
    problem("get_item", 404, signed_in.get_item(&unknown).await);
    let updated = ok(
        "update_item",
        signed_in
            .update_item(&created.id, &from(json!({"name": "Floor lamp"})))
            .await,
    );
    assert_eq!(updated.name, "Floor lamp");
    problem(
        "update_item",
        404,
        signed_in
            .update_item(&unknown, &from(json!({"name": "x"})))
            .await,
    );
    let deleted = ok("delete_item", signed_in.delete_item(&created.id).await);
    assert_eq!(deleted.status().as_u16(), 204);
    problem("delete_item", 404, signed_in.delete_item(&created.id).await);

    // uploads: 201 with Location, 422 from the handler, get 200 and 404.
    let presigned = ok(
        "create_upload",
        signed_in
            .create_upload(&from(
                json!({"file_name": "cat.png", "content_type": "image/png", "size_bytes": 1024}),
            ))
            .await,
    );
    assert!(presigned.key.ends_with("/cat.png"));
    let refused = problem("create_upload", 422, signed_in.create_upload(&from(json!({"file_name": "a.exe", "content_type": "application/x-msdownload", "size_bytes": 10}))).await);
    assert_eq!(refused.errors[0].field, "/content_type");
    let upload = ok(
        "get_upload",
        signed_in.get_upload(&presigned.upload_id).await,
    );
    assert_eq!(upload.status.to_string(), "pending");
    problem("get_upload", 404, signed_in.get_upload(&unknown).await);

    // API keys: 201 with the secret once, listed and read without it, 404 for another id;
    // the key then reads items in place of a token; revoked: 204, then 404 and 401.
    let created_key = ok(
        "create_api_key",
        signed_in
            .create_api_key(&from(json!({"name": "export"})))
            .await,
    );
    assert_eq!(
        created_key.headers()["location"],
        format!("/api/v1/api-keys/{}", created_key.id).as_str()
    );
    let listed = ok("list_api_keys", signed_in.list_api_keys().await);
    assert_eq!(listed.items[0].id, created_key.id);
    let described = ok("get_api_key", signed_in.get_api_key(&created_key.id).await);
    assert_eq!(described.name, "export");
    problem("get_api_key", 404, signed_in.get_api_key(&unknown).await);
    let with_key = {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("x-api-key", created_key.key.parse().unwrap());
        Client::new_with_client(
            &base,
            reqwest::Client::builder()
                .default_headers(headers)
                .build()
                .unwrap(),
        )
    };
    ok("list_items", with_key.list_items(None, None, None).await);
    ok(
        "revoke_api_key",
        signed_in.revoke_api_key(&created_key.id).await,
    );
    problem(
        "revoke_api_key",
        404,
        signed_in.revoke_api_key(&created_key.id).await,
    );
    let revoked = problem(
        "list_items",
        401,
        with_key.list_items(None, None, None).await,
    );
    assert!(revoked.headers().contains_key("www-authenticate"));

    // 403 (CSRF) and 429 (rate limit, with Retry-After) decode as the shared Problem.
    let wrong_csrf = api_client::types::RefreshXCsrfToken::try_from("wrong".to_string()).unwrap();
    problem(
        "refresh",
        403,
        anonymous
            .refresh(
                Some(&wrong_csrf),
                None,
                &from(json!({"refresh_token": "x"})),
            )
            .await,
    );
    let hurry = api_client::types::RefreshXCsrfToken::try_from("hurry".to_string()).unwrap();
    let limited = problem(
        "refresh",
        429,
        anonymous
            .refresh(Some(&hurry), None, &from(json!({"refresh_token": "x"})))
            .await,
    );
    assert_eq!(limited.headers()["retry-after"], "3");
    let limited = problem(
        "login",
        429,
        anonymous
            .login(&from(
                json!({"email": "limited@example.com", "password": "whatever it is"}),
            ))
            .await,
    );
    assert_eq!(limited.headers()["retry-after"], "7");
    let wrong_csrf = api_client::types::LogoutXCsrfToken::try_from("wrong".to_string()).unwrap();
    problem(
        "logout",
        403,
        signed_in
            .logout(
                Some(&wrong_csrf),
                None,
                &from(json!({"refresh_token": "x"})),
            )
            .await,
    );

    // logout: 204, then the refresh token is refused.
    ok(
        "logout",
        signed_in
            .logout(
                None,
                None,
                &from(json!({"refresh_token": rotated.refresh_token})),
            )
            .await,
    );
    problem(
        "refresh",
        401,
        anonymous
            .refresh(
                None,
                None,
                &from(json!({"refresh_token": rotated.refresh_token})),
            )
            .await,
    );

    // The framework's own statuses on every operation documenting them: 401 without
    // credentials, 422 for a body failing the schema, 400 for malformed JSON, 415 for a
    // wrong media type, each decoded by the client (422, 401) or as the shared Problem.
    let token = rotated.access_token.clone();
    let item = ok(
        "create_item",
        signed_in.create_item(&from(json!({"name": "Shelf"}))).await,
    )
    .into_inner();
    let spec = accord_spec::Spec::load(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../openapi/api.yaml"
    ))
    .unwrap();
    for op in spec.operations() {
        let id = op.id().to_string();
        let path = op
            .path
            .replace("{item_id}", &item.id.to_string())
            .replace("{upload_id}", &presigned.upload_id.to_string())
            .replace("{key_id}", &created_key.id.to_string());
        let method = op.method.as_str().to_uppercase();
        let documented: Vec<u16> = op
            .operation
            .responses
            .responses
            .keys()
            .filter_map(|s| match s {
                accord_spec::openapiv3::StatusCode::Code(c) => Some(*c),
                _ => None,
            })
            .collect();
        for (status, content_type, body, token) in [
            (400u16, "application/json", "{\"name\": ", token.as_str()),
            (415, "text/plain", "name=x", token.as_str()),
            (422, "application/json", "[]", token.as_str()),
            (401, "application/json", "{}", ""),
        ] {
            if !documented.contains(&status) || seen_already(&id, status) {
                continue;
            }
            // Without a body, 422 comes from a parameter failing its schema.
            let path = match (status, op.operation.request_body.is_some()) {
                (422, false) if op.path.contains('{') => op
                    .path
                    .replace("{item_id}", "not-a-uuid")
                    .replace("{upload_id}", "not-a-uuid")
                    .replace("{key_id}", "not-a-uuid"),
                (422, false) => format!("{path}?limit=0"),
                _ => path.clone(),
            };
            let response = raw(&base, &method, &path, token, content_type, body).await;
            assert_eq!(
                response.status().as_u16(),
                status,
                "{method} {path} with {content_type} {body}"
            );
            assert_eq!(
                response.headers()["content-type"],
                "application/problem+json"
            );
            let problem: Problem = response
                .json()
                .await
                .expect("the shared Problem type decodes it");
            assert_eq!(problem.status as u16, status);
            seen(&id, status);
        }
        // 500: the implementation's own failure, through the client.
        if documented.contains(&500) {
            app.fail_next.store(true, Ordering::SeqCst);
            let response = raw(
                &base,
                &method,
                &path,
                &token,
                "application/json",
                &valid_body(&id),
            )
            .await;
            assert_eq!(response.status().as_u16(), 500, "{id}");
            let problem: Problem = response
                .json()
                .await
                .expect("the shared Problem type decodes it");
            assert_eq!(problem.code, "internal_error");
            seen(&id, 500);
        }
    }
    // Typed decoding of a 500 through the client, for one operation of each shape.
    app.fail_next.store(true, Ordering::SeqCst);
    problem("health", 500, anonymous.health().await);
    app.fail_next.store(true, Ordering::SeqCst);
    problem(
        "create_item",
        500,
        signed_in.create_item(&from(json!({"name": "x"}))).await,
    );

    // Every documented status of every operation was exercised.
    let seen = SEEN.lock().unwrap().clone();
    for op in spec.operations() {
        for status in op.operation.responses.responses.keys() {
            if let accord_spec::openapiv3::StatusCode::Code(code) = status {
                assert!(
                    seen.contains(&(op.id().to_string(), *code)),
                    "{} {code} was never exercised",
                    op.id()
                );
            }
        }
    }
}

fn seen_already(op: &str, status: u16) -> bool {
    SEEN.lock().unwrap().contains(&(op.to_string(), status))
}

/// A body each operation accepts, for provoking its 500.
fn valid_body(op: &str) -> String {
    match op {
        "register" => json!({"email": "grace@example.com", "password": "another horse"}),
        "login" => json!({"email": "ada@example.com", "password": "correct horse"}),
        "refresh" | "logout" => json!({"refresh_token": "anything"}),
        "create_item" | "update_item" | "create_api_key" => json!({"name": "x"}),
        "create_upload" => {
            json!({"file_name": "a.png", "content_type": "image/png", "size_bytes": 1})
        }
        _ => return String::new(),
    }
    .to_string()
}

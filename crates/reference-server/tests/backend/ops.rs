//! Every operation: its happy path and each error it documents.

use serde_json::json;

use crate::{client, from, problem, sign_up, start};

#[tokio::test]
async fn meta_and_accounts() {
    let running = start().await;
    let anonymous = client(&running, None);
    assert_eq!(anonymous.health().await.unwrap().status.to_string(), "ok");
    let jwks = anonymous.get_jwks().await.unwrap();
    assert_eq!(jwks.keys.len(), 1);
    assert_eq!(
        (jwks.keys[0].kty.as_str(), jwks.keys[0].alg.as_deref()),
        ("RSA", Some("RS256"))
    );

    let registration = json!({"email": "Ada@Example.com", "password": "correct horse battery", "display_name": "Ada"});
    let user = anonymous
        .register(&from(registration.clone()))
        .await
        .unwrap();
    assert_eq!(user.status().as_u16(), 201);
    assert_eq!(user.headers()["location"], "/api/v1/users/me");
    assert_eq!(
        user.email, "ada@example.com",
        "emails are stored lowercased"
    );
    let taken = problem(
        409,
        anonymous
            .register(&from(
                json!({"email": "ada@example.com", "password": "another password"}),
            ))
            .await,
    );
    assert_eq!(taken.code, "email_taken");
    // The typed client refuses to build a short password; the server refuses it too.
    let short: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/register", running.api_url))
        .json(&json!({"email": "bob@example.com", "password": "short"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            short["status"].as_i64(),
            short["errors"][0]["field"].as_str()
        ),
        (Some(422), Some("/password"))
    );

    // Login never says whether the email exists: same status, code and detail.
    let wrong_password = problem(
        401,
        anonymous
            .login(&from(
                json!({"email": "ada@example.com", "password": "wrong password"}),
            ))
            .await,
    );
    let unknown_email = problem(
        401,
        anonymous
            .login(&from(
                json!({"email": "nobody@example.com", "password": "wrong password"}),
            ))
            .await,
    );
    assert_eq!(
        (
            wrong_password.code.as_str(),
            wrong_password.detail.as_deref()
        ),
        (unknown_email.code.as_str(), unknown_email.detail.as_deref())
    );
    assert_eq!(wrong_password.headers()["www-authenticate"], "Bearer");

    let pair = anonymous
        .login(&from(
            json!({"email": "ADA@example.com", "password": "correct horse battery"}),
        ))
        .await
        .unwrap();
    assert_eq!(pair.token_type.to_string(), "Bearer");
    assert_eq!(pair.expires_in, 900);
    let me = client(&running, Some(&pair.access_token))
        .get_current_user()
        .await
        .unwrap();
    assert_eq!((me.id, me.display_name.as_deref()), (user.id, Some("Ada")));
    let anonymous_me = problem(401, anonymous.get_current_user().await);
    assert_eq!(anonymous_me.headers()["www-authenticate"], "Bearer");
    running.stop().await;
}

#[tokio::test]
async fn items_are_private_to_their_owner() {
    let running = start().await;
    let ada = client(
        &running,
        Some(&sign_up(&running, "ada@example.com").await.access_token),
    );
    let bob = client(
        &running,
        Some(&sign_up(&running, "bob@example.com").await.access_token),
    );

    let lamp = ada
        .create_item(&from(json!({"name": "Desk lamp", "description": "brass"})))
        .await
        .unwrap();
    assert_eq!(lamp.status().as_u16(), 201);
    assert_eq!(
        lamp.headers()["location"],
        format!("/api/v1/items/{}", lamp.id).as_str()
    );
    for name in ["Chair", "Lamp shade", "100% wool rug", "under_score"] {
        ada.create_item(&from(json!({"name": name}))).await.unwrap();
    }
    bob.create_item(&from(json!({"name": "Bob's lamp"})))
        .await
        .unwrap();

    let page = ada.list_items(None, None, None).await.unwrap();
    assert_eq!((page.total, page.items.len()), (5, 5));
    assert_eq!(page.headers()["x-total-count"], "5");
    let q = "LAMP".parse().unwrap();
    let lamps = ada.list_items(None, None, Some(&q)).await.unwrap();
    assert_eq!(
        lamps.total, 2,
        "q matches names case-insensitively, only the caller's"
    );
    let q = "%".parse().unwrap();
    assert_eq!(
        ada.list_items(None, None, Some(&q)).await.unwrap().total,
        1,
        "% is a character, not a wildcard"
    );
    let q = "_".parse().unwrap();
    assert_eq!(
        ada.list_items(None, None, Some(&q)).await.unwrap().total,
        1,
        "_ is a character, not a wildcard"
    );
    let second = ada
        .list_items(Some(2.try_into().unwrap()), Some(2), None)
        .await
        .unwrap();
    assert_eq!((second.total, second.items.len()), (5, 2));
    let zero = problem(
        422,
        reqwest_list(&running, &ada_token(&running).await, "limit=0").await,
    );
    assert_eq!(zero.errors[0].field, "query.limit");

    // Another user's item is a 404, never a 403, for every operation on it.
    problem(404, bob.get_item(&lamp.id).await);
    problem(
        404,
        bob.update_item(&lamp.id, &from(json!({"name": "mine"})))
            .await,
    );
    problem(404, bob.delete_item(&lamp.id).await);
    assert_eq!(ada.get_item(&lamp.id).await.unwrap().name, "Desk lamp");

    let renamed = ada
        .update_item(&lamp.id, &from(json!({"name": "Floor lamp"})))
        .await
        .unwrap();
    assert_eq!(
        (renamed.name.as_str(), renamed.description.as_deref()),
        ("Floor lamp", Some("brass"))
    );
    assert!(renamed.updated_at >= renamed.created_at);
    assert_eq!(
        ada.delete_item(&lamp.id).await.unwrap().status().as_u16(),
        204
    );
    problem(404, ada.get_item(&lamp.id).await);
    problem(404, ada.delete_item(&lamp.id).await);
    running.stop().await;
}

/// `list_items` through raw HTTP, for queries the typed client refuses to build.
async fn reqwest_list(
    running: &reference_server::Running,
    token: &str,
    query: &str,
) -> Result<api_client::ResponseValue<()>, api_client::Error<api_types::Problem>> {
    let response = reqwest::Client::new()
        .get(format!("{}/api/v1/items?{query}", running.api_url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let problem: api_types::Problem = response.json().await.unwrap();
    Err(api_client::Error::ErrorResponse(
        api_client::ResponseValue::new(problem, status, headers),
    ))
}

async fn ada_token(running: &reference_server::Running) -> String {
    let pair = client(running, None)
        .login(&from(
            json!({"email": "ada@example.com", "password": "correct horse battery"}),
        ))
        .await
        .unwrap();
    pair.into_inner().access_token
}

#[tokio::test]
async fn limit_is_capped_not_refused() {
    let running = crate::start_with(reference_server::Config {
        max_page: 3,
        ..reference_server::Config::default()
    })
    .await;
    let ada = client(
        &running,
        Some(&sign_up(&running, "ada@example.com").await.access_token),
    );
    for i in 0..5 {
        ada.create_item(&from(json!({"name": format!("item {i}")})))
            .await
            .unwrap();
    }
    let page = ada
        .list_items(Some(1000.try_into().unwrap()), None, None)
        .await
        .unwrap();
    assert_eq!((page.items.len(), page.total), (3, 5));
    assert_eq!(page.headers()["x-total-count"], "5");
    running.stop().await;
}

#[tokio::test]
async fn framework_failures_are_problems_with_the_request_id() {
    let running = start().await;
    let token = sign_up(&running, "ada@example.com").await.access_token;
    let http = reqwest::Client::new();
    for (status, content_type, body, code) in [
        (400, "application/json", "{\"name\": ", "malformed_body"),
        (415, "text/plain", "name", "unsupported_media_type"),
        (
            422,
            "application/json",
            "{\"name\": \"\"}",
            "validation_failed",
        ),
    ] {
        let response = http
            .post(format!("{}/api/v1/items", running.api_url))
            .bearer_auth(&token)
            .header("content-type", content_type)
            .header("x-request-id", "req-42")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), status);
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
        assert_eq!(response.headers()["x-request-id"], "req-42");
        let problem: api_types::Problem = response.json().await.unwrap();
        assert_eq!(
            (
                problem.status,
                problem.code.as_str(),
                problem.request_id.as_deref()
            ),
            (status as i32, code, Some("req-42"))
        );
    }
    for (method, path, status) in [("GET", "/nothing", 404), ("PUT", "/api/v1/items", 405)] {
        let response = http
            .request(
                method.parse().unwrap(),
                format!("{}{path}", running.api_url),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), status);
        assert!(response.headers().get("x-request-id").is_some());
        let problem: api_types::Problem = response.json().await.unwrap();
        assert_eq!(
            problem.request_id.as_deref().map(str::len),
            Some(36),
            "a generated UUID"
        );
    }
    // An unreasonable incoming id is replaced, not echoed.
    let response = http
        .get(format!("{}/healthz", running.api_url))
        .header("x-request-id", "a b<script>")
        .send()
        .await
        .unwrap();
    assert_ne!(response.headers()["x-request-id"], "a b<script>");
    let big = "x".repeat(2 * 1024 * 1024);
    let response = http
        .post(format!("{}/api/v1/items", running.api_url))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 413);
    running.stop().await;
}

/// The application is a `tower::Service` apart from serving: driven here with no socket, the
/// layers around the router (request id, CORS) answer as they do over HTTP.
#[tokio::test]
async fn the_app_answers_without_a_socket() {
    use api_server::rt::axum::body::Body;
    use tower::ServiceExt as _;
    let prepared = reference_server::prepare(reference_server::Config::default())
        .await
        .expect("the backend is prepared");
    let app = reference_server::app(prepared.backend.clone());
    let request = |uri: &str| {
        api_server::rt::axum::http::Request::builder()
            .uri(uri)
            .body(Body::empty())
            .unwrap()
    };
    let health = app.clone().oneshot(request("/healthz")).await.unwrap();
    assert_eq!(health.status(), 200);
    assert!(
        health.headers().contains_key("x-request-id"),
        "{:?}",
        health.headers()
    );
    let missing = app
        .oneshot(request("/api/v1/items/no-such-item"))
        .await
        .unwrap();
    assert_eq!(
        missing.status(),
        401,
        "the bearer scheme refuses before the lookup"
    );
    let body = http_body_util::BodyExt::collect(missing.into_body())
        .await
        .unwrap()
        .to_bytes();
    let problem: serde_json::Value = serde_json::from_slice(&body).expect("a JSON problem");
    assert_eq!(problem["status"], 401, "{problem}");
}

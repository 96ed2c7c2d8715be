//! The server generated from a FastAPI document (fixtures/specs/fastapi-auth.json) serves what
//! FastAPI clients send: a form-encoded login, a refresh token in a cookie, a bearer token,
//! and answers in the document's own envelope (`{"detail": ...}`), not accord's.

use codegen_output::server_fastapi_auth::{self as server, rt, types};

struct Fake;

fn envelope(code: &str, message: &str) -> types::ErrorEnvelope {
    types::ErrorEnvelope {
        detail: types::ErrorDetail {
            code: code.into(),
            message: message.into(),
            params: Default::default(),
        },
    }
}

impl server::Api for Fake {
    type Principal = i64;

    async fn authenticate(
        &self,
        _: &rt::Context,
        credential: rt::auth::Credential,
    ) -> Result<i64, rt::auth::Rejection> {
        match credential.secret.expose() {
            "token-7" => Ok(7),
            _ => Err(rt::auth::Rejection::new("unknown token")),
        }
    }

    fn render_error(&self, _: &rt::Context, error: &rt::Error) -> rt::Response {
        // FastAPI's shape: {"detail": [{"loc": [...], "msg": ..., "type": ...}]} for 422.
        let body = match error.field_errors() {
            [] => format!(
                r#"{{"detail":{{"code":"{}","message":"{}"}}}}"#,
                error.code(),
                error.detail()
            ),
            errors => {
                let items: Vec<String> = errors
                    .iter()
                    .map(|e| {
                        format!(
                            r#"{{"loc":["{}","{}"],"msg":"{}","type":"{}"}}"#,
                            e.location.as_str(),
                            e.name.trim_start_matches('/'),
                            e.message,
                            e.keyword
                        )
                    })
                    .collect();
                format!(r#"{{"detail":[{}]}}"#, items.join(","))
            }
        };
        let mut response = rt::Response::new(body.into());
        response
            .headers_mut()
            .insert("content-type", "application/json".parse().unwrap());
        response
    }

    async fn login_api_auth_login_post(
        &self,
        _: &rt::Context,
        body: types::BodyLoginApiAuthLoginPost,
    ) -> Result<server::LoginApiAuthLoginPostResponse, rt::Error> {
        Ok({
            if body.username == "ada@example.com" && body.password == "pw" {
                server::LoginApiAuthLoginPostResponse::Ok(types::TokenResponse {
                    access_token: "token-7".into(),
                    expires_in: 900,
                    token_type: "bearer".into(),
                })
            } else {
                server::LoginApiAuthLoginPostResponse::Unauthorized(envelope(
                    "bad_credentials",
                    "Bad credentials",
                ))
            }
        })
    }

    async fn refresh_api_auth_refresh_post(
        &self,
        _: &rt::Context,
        refresh_token: Option<String>,
    ) -> Result<server::RefreshApiAuthRefreshPostResponse, rt::Error> {
        Ok({
            match refresh_token.as_deref() {
                Some("r-1") => {
                    server::RefreshApiAuthRefreshPostResponse::Ok(types::TokenResponse {
                        access_token: "token-7".into(),
                        expires_in: 900,
                        token_type: "bearer".into(),
                    })
                }
                _ => server::RefreshApiAuthRefreshPostResponse::Unauthorized(envelope(
                    "invalid_refresh",
                    "Refresh token invalid",
                )),
            }
        })
    }

    async fn read_me_api_users_me_get(
        &self,
        _: &rt::Context,
        principal: i64,
    ) -> Result<server::ReadMeApiUsersMeGetResponse, rt::Error> {
        Ok({
            server::ReadMeApiUsersMeGetResponse::Ok(types::UserOut {
                id: principal,
                email: "ada@example.com".into(),
                full_name: None,
                roles: vec![],
            })
        })
    }
}

#[tokio::test]
async fn form_login_cookie_refresh_and_bearer_against_the_generated_fastapi_server() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { rt::axum::serve(listener, server::router(Fake)).await.ok() });
    let http = reqwest::Client::new();

    let login = |body: &'static str| {
        http.post(format!("{base}/api/auth/login"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let ok = login("username=ada%40example.com&password=pw")
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(
        ok.text().await.unwrap(),
        r#"{"access_token":"token-7","expires_in":900,"token_type":"bearer"}"#
    );
    assert_eq!(
        login("username=ada%40example.com&password=no")
            .await
            .unwrap()
            .status(),
        401
    );

    // A missing form field and a grant_type failing its pattern: 422 in FastAPI's shape.
    let invalid = login("password=pw&grant_type=implicit").await.unwrap();
    assert_eq!(invalid.status(), 422);
    let text = invalid.text().await.unwrap();
    assert!(
        text.contains(r#"["body","username"]"#) && text.contains(r#""type":"required""#),
        "{text}"
    );
    assert!(
        text.contains(r#"["body","grant_type"]"#) && text.contains(r#""type":"pattern""#),
        "{text}"
    );

    let refresh = |cookie: &'static str| {
        http.post(format!("{base}/api/auth/refresh"))
            .header("cookie", cookie)
            .send()
    };
    assert_eq!(
        refresh("refresh_token=r-1; theme=dark")
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(refresh("refresh_token=stolen").await.unwrap().status(), 401);

    let me = http
        .get(format!("{base}/api/users/me"))
        .bearer_auth("token-7")
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    assert!(me.text().await.unwrap().contains(r#""id":7"#));
    let anonymous = http
        .get(format!("{base}/api/users/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(anonymous.headers()["www-authenticate"], "Bearer");
    assert_eq!(
        anonymous.text().await.unwrap(),
        r#"{"detail":{"code":"unauthorized","message":"Credentials are required"}}"#
    );
}

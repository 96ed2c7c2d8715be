//! CORS: exact origins only, never `*`, credentials allowed, the headers a frontend reads exposed.

use reqwest::Method;

use crate::start;

async fn send(
    base: &str,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = reqwest::Client::new().request(method, format!("{base}{path}"));
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    request.send().await.unwrap()
}

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_string())
}

fn vary(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all("vary")
        .iter()
        .flat_map(|v| {
            v.to_str()
                .unwrap()
                .split(',')
                .map(|s| s.trim().to_string())
                .collect::<Vec<_>>()
        })
        .collect()
}

#[tokio::test]
async fn allowed_origins_get_exactly_their_origin_back() {
    let running = start().await;
    let base = &running.api_url;
    let origin = "http://localhost:5173";
    let preflight = send(
        base,
        Method::OPTIONS,
        "/api/v1/items",
        &[
            ("origin", origin),
            ("access-control-request-method", "POST"),
            (
                "access-control-request-headers",
                "authorization, content-type",
            ),
        ],
    )
    .await;
    assert_eq!(preflight.status(), 204);
    assert_eq!(
        header(&preflight, "access-control-allow-origin").as_deref(),
        Some(origin)
    );
    assert_eq!(
        header(&preflight, "access-control-allow-credentials").as_deref(),
        Some("true")
    );
    assert!(
        header(&preflight, "access-control-allow-methods")
            .unwrap()
            .contains("POST")
    );
    let allowed_headers = header(&preflight, "access-control-allow-headers")
        .unwrap()
        .to_lowercase();
    assert!(allowed_headers.contains("authorization") && allowed_headers.contains("content-type"));
    assert!(vary(&preflight).contains(&"Origin".to_string()));

    let actual = send(base, Method::GET, "/api/v1/items", &[("origin", origin)]).await;
    assert_eq!(actual.status(), 401, "CORS does not authenticate");
    assert_eq!(
        header(&actual, "access-control-allow-origin").as_deref(),
        Some(origin)
    );
    assert_eq!(
        header(&actual, "access-control-allow-credentials").as_deref(),
        Some("true")
    );
    let exposed = header(&actual, "access-control-expose-headers").unwrap();
    for name in ["X-Total-Count", "X-Request-Id", "Location"] {
        assert!(exposed.contains(name), "{name} not exposed: {exposed}");
    }
    assert!(vary(&actual).contains(&"Origin".to_string()));
    running.stop().await;
}

#[tokio::test]
async fn refused_origins_and_null_get_no_allow_origin() {
    let running = start().await;
    let base = &running.api_url;
    for origin in [
        "https://evil.example",
        "null",
        "http://localhost:5173.evil.example",
        "http://LOCALHOST:5173",
        "http://localhost:5174",
    ] {
        let preflight = send(
            base,
            Method::OPTIONS,
            "/api/v1/items",
            &[("origin", origin), ("access-control-request-method", "GET")],
        )
        .await;
        assert_eq!(
            header(&preflight, "access-control-allow-origin"),
            None,
            "{origin}"
        );
        assert_eq!(
            header(&preflight, "access-control-allow-credentials"),
            None,
            "{origin}"
        );
        let actual = send(base, Method::GET, "/healthz", &[("origin", origin)]).await;
        assert_eq!(actual.status(), 200);
        assert_eq!(
            header(&actual, "access-control-allow-origin"),
            None,
            "{origin}"
        );
    }
    // `*` is never sent, whatever is asked.
    let actual = send(base, Method::GET, "/healthz", &[("origin", "*")]).await;
    assert_eq!(header(&actual, "access-control-allow-origin"), None);
    running.stop().await;
}

#[tokio::test]
async fn preflights_for_methods_or_headers_not_allowed_are_refused() {
    let running = start().await;
    let base = &running.api_url;
    let origin = "http://localhost:5173";
    for (method, headers) in [
        ("CONNECT", "content-type"),
        ("TRACE", ""),
        ("POST", "x-evil"),
        ("GET", "authorization, x-forwarded-host"),
    ] {
        let mut request = vec![
            ("origin", origin),
            ("access-control-request-method", method),
        ];
        if !headers.is_empty() {
            request.push(("access-control-request-headers", headers));
        }
        let preflight = send(base, Method::OPTIONS, "/api/v1/items", &request).await;
        assert_eq!(
            header(&preflight, "access-control-allow-origin"),
            None,
            "{method} {headers}"
        );
        assert_eq!(
            header(&preflight, "access-control-allow-methods"),
            None,
            "{method} {headers}"
        );
    }
    running.stop().await;
}

#[tokio::test]
async fn the_allow_list_comes_from_configuration() {
    let mut config = reference_server::Config::default();
    config
        .apply(|name| {
            (name == "ACCORD_CORS_ORIGINS")
                .then(|| "https://app.example.com, https://admin.example.com".to_string())
        })
        .unwrap();
    let running = crate::start_with(config).await;
    let actual = send(
        &running.api_url,
        Method::GET,
        "/healthz",
        &[("origin", "https://admin.example.com")],
    )
    .await;
    assert_eq!(
        header(&actual, "access-control-allow-origin").as_deref(),
        Some("https://admin.example.com")
    );
    let actual = send(
        &running.api_url,
        Method::GET,
        "/healthz",
        &[("origin", "http://localhost:5173")],
    )
    .await;
    assert_eq!(header(&actual, "access-control-allow-origin"), None);
    running.stop().await;

    for bad in ["*", "null", "app.example.com", "https://app.example.com/"] {
        let mut config = reference_server::Config::default();
        let error = config
            .apply(|name| (name == "ACCORD_CORS_ORIGINS").then(|| bad.to_string()))
            .unwrap_err();
        assert_eq!(error.name, "ACCORD_CORS_ORIGINS", "{bad}");
    }
}

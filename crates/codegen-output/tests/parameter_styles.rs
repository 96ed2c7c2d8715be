//! The client and the server generated from fixtures/specs/parameter-styles.yaml, against
//! each other: path and header parameters that are arrays, objects or alternatives, in the
//! `simple`, `label` and `matrix` styles, exploded or not, and query parameters
//! `spaceDelimited`, `pipeDelimited` or described by JSON `content`, and cookie parameters
//! (one `Cookie` header), go on the wire as
//! OpenAPI writes them and reach the server's handler as the values sent.

use codegen_output::client_parameter_styles::{self as client, ClientInfo, types as ct};
use codegen_output::server_parameter_styles::{self as server, rt, types as st};
use serde_json::{Map, Value, json};

struct Echo;

/// What the handler got, beside the request's path, query and headers as they came.
fn echo(ctx: &rt::Context, decoded: Value) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("path".into(), json!(ctx.uri.path()));
    out.insert("query".into(), json!(ctx.uri.query()));
    for name in ["x-kinds", "x-window", "x-meta", "cookie"] {
        out.insert(name.into(), json!(ctx.header(name)));
    }
    out.insert("decoded".into(), decoded);
    out
}

impl server::Api for Echo {
    fn render_error(&self, _: &rt::Context, error: &rt::Error) -> rt::Response {
        rt::Response::new(format!("{error:?}").into())
    }

    async fn styled_inputs(
        &self,
        ctx: &rt::Context,
        cells: Vec<i64>,
        window: st::Window,
        shape: Value,
        x_kinds: Vec<String>,
        x_window: Option<st::Window>,
    ) -> Result<server::StyledInputsResponse, rt::Error> {
        let decoded = json!({
            "cells": cells,
            "window": window,
            "shape": shape,
            "x_kinds": x_kinds,
            "x_window": x_window,
        });
        Ok(server::StyledInputsResponse::Ok(echo(ctx, decoded)))
    }

    async fn matrix_inputs(
        &self,
        ctx: &rt::Context,
        ids: Vec<String>,
        point: i64,
        slot: Value,
    ) -> Result<server::MatrixInputsResponse, rt::Error> {
        let decoded = json!({"ids": ids, "point": point, "slot": slot});
        Ok(server::MatrixInputsResponse::Ok(echo(ctx, decoded)))
    }

    async fn by_content(
        &self,
        ctx: &rt::Context,
        name: String,
        id: ::uuid::Uuid,
        x_meta: st::Window,
    ) -> Result<server::ByContentResponse, rt::Error> {
        let decoded = json!({"name": name, "id": id, "x_meta": x_meta});
        Ok(server::ByContentResponse::Ok(echo(ctx, decoded)))
    }

    async fn session_inputs(
        &self,
        ctx: &rt::Context,
        session: String,
        prefs: Vec<String>,
        theme: Option<String>,
    ) -> Result<server::SessionInputsResponse, rt::Error> {
        let decoded = json!({"session": session, "prefs": prefs, "theme": theme});
        Ok(server::SessionInputsResponse::Ok(echo(ctx, decoded)))
    }

    async fn search(
        &self,
        ctx: &rt::Context,
        filter: st::Window,
        words: Option<Vec<String>>,
        codes: Vec<i64>,
    ) -> Result<server::SearchResponse, rt::Error> {
        let decoded = json!({"filter": filter, "words": words, "codes": codes});
        Ok(server::SearchResponse::Ok(echo(ctx, decoded)))
    }
}

async fn serve() -> client::Client {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = server::router(Echo);
    tokio::spawn(async move { rt::axum::serve(listener, router).await.ok() });
    client::Client::new(&base)
}

#[tokio::test]
async fn path_and_header_parameters_go_in_their_style_and_arrive_as_sent() {
    let client = serve().await;
    let answer = client
        .styled_inputs(
            &vec![1, 2, 3],
            &ct::Window {
                from: 1,
                to: Some(5),
            },
            &ct::StyledInputsShape {
                kind: "tri".into(),
                sides: 3,
            },
            &vec![
                ct::StyledInputsXKindsItem::Round,
                ct::StyledInputsXKindsItem::Square,
            ],
            Some(&ct::Window { from: 7, to: None }),
        )
        .await;
    let answer = match answer {
        Ok(answer) => answer.into_inner(),
        Err(client::Error::UnexpectedResponse(response)) => {
            panic!("refused: {}", response.text().await.unwrap())
        }
        Err(other) => panic!("{other}"),
    };
    // label exploded, matrix not exploded (an object: its name, then keys and values), simple
    // exploded (an object: `key=value`s).
    assert_eq!(
        answer["path"],
        json!("/styles/.1.2.3/;window=from,1,to,5/kind=tri,sides=3")
    );
    assert_eq!(answer["x-kinds"], json!("round,square"));
    assert_eq!(answer["x-window"], json!("from,7"));
    assert_eq!(
        answer["decoded"],
        json!({
            "cells": [1, 2, 3],
            "window": {"from": 1, "to": 5},
            "shape": {"kind": "tri", "sides": 3},
            "x_kinds": ["round", "square"],
            "x_window": {"from": 7},
        })
    );
}

#[tokio::test]
async fn matrix_and_label_scalars_arrays_and_alternatives_arrive_as_sent() {
    let client = serve().await;
    let answer = client
        .matrix_inputs(
            &vec!["a".into(), "b c".into()],
            42,
            &ct::MatrixInputsSlot::Integer(9),
        )
        .await
        .expect("the server takes every styled input")
        .into_inner();
    assert_eq!(
        answer["path"],
        json!("/matrix/;ids=a;ids=b%20c/.42/;slot=9")
    );
    assert_eq!(
        answer["decoded"],
        json!({"ids": ["a", "b c"], "point": 42, "slot": 9})
    );
}

#[tokio::test]
async fn delimited_and_json_query_parameters_go_in_their_style_and_arrive_as_sent() {
    let client = serve().await;
    let answer = client
        .search(
            &vec![4, 5],
            &ct::Window {
                from: 2,
                to: Some(3),
            },
            Some(&vec!["red".into(), "blue".into()]),
        )
        .await
        .expect("the server takes every styled input")
        .into_inner();
    let query = answer["query"].as_str().expect("a query").to_string();
    let url = reqwest::Url::parse(&format!("http://127.0.0.1/?{query}")).unwrap();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no `{name}` in {query}"))
    };
    assert_eq!(get("codes"), "4|5");
    assert_eq!(get("words"), "red blue");
    assert_eq!(
        serde_json::from_str::<Value>(&get("filter")).unwrap(),
        json!({"from": 2, "to": 3})
    );
    assert_eq!(
        answer["decoded"],
        json!({"filter": {"from": 2, "to": 3}, "words": ["red", "blue"], "codes": [4, 5]})
    );
    // Left out, an optional delimited parameter is not sent at all.
    let answer = client
        .search(&vec![6], &ct::Window { from: 0, to: None }, None)
        .await
        .expect("the server takes every styled input")
        .into_inner();
    let query = answer["query"].as_str().expect("a query");
    assert!(!query.contains("words"), "{query}");
    assert_eq!(answer["decoded"]["words"], Value::Null);
}

#[tokio::test]
async fn path_and_header_parameters_described_by_content_arrive_as_sent() {
    let client = serve().await;
    let id = "3f2c8f0e-2a4b-4c1d-9e8f-0a1b2c3d4e5f";
    let answer = client
        .by_content(
            "blocked words",
            &id.parse().unwrap(),
            &ct::Window { from: 1, to: None },
        )
        .await
        .expect("the server takes every input described by content")
        .into_inner();
    // A string as itself, an object as its JSON text.
    assert_eq!(
        answer["path"],
        json!(format!("/by-content/blocked%20words/{id}"))
    );
    assert_eq!(answer["x-meta"], json!(r#"{"from":1}"#));
    assert_eq!(
        answer["decoded"],
        json!({"name": "blocked words", "id": id, "x_meta": {"from": 1}})
    );
}

#[tokio::test]
async fn cookie_parameters_go_in_one_cookie_header_and_arrive_as_sent() {
    let client = serve().await;
    let answer = client
        .session_inputs(
            &vec!["compact".into(), "wide".into()],
            "s3cr3t",
            Some(ct::SessionInputsTheme::Dark),
        )
        .await
        .expect("the server takes every cookie")
        .into_inner();
    assert_eq!(
        answer["cookie"],
        json!("prefs=compact,wide; session=s3cr3t; theme=dark")
    );
    assert_eq!(
        answer["decoded"],
        json!({"session": "s3cr3t", "prefs": ["compact", "wide"], "theme": "dark"})
    );
    // Left out, an optional cookie is not sent.
    let answer = client
        .session_inputs(&vec!["compact".into()], "s", None)
        .await
        .expect("the server takes every cookie")
        .into_inner();
    assert_eq!(answer["cookie"], json!("prefs=compact; session=s"));
}

/// A value the server cannot read in its style is refused as invalid input, never taken as
/// something else.
#[tokio::test]
async fn a_path_value_not_in_its_style_is_refused() {
    let client = serve().await;
    let url = format!("{}/matrix/;ids=a/.x/;slot=9", client.baseurl());
    let status = reqwest::get(&url).await.unwrap().status();
    assert!(status.is_client_error(), "{status}");
}

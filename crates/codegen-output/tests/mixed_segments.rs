//! The server generated from fixtures/specs/mixed-segments.yaml routes segments that mix a
//! parameter with text: `/books/{name}`, `/books/{name}:search` and `/books/{name}:archive`
//! share one route and each request reaches its own operation with the parameter alone;
//! `/reports/v{version}.json` takes the version out of the file name;
//! `/routes/{origin}-{destination}` cuts one segment into two parameters; `/shelves/{shelfId}`,
//! `/shelves/{shelfNumber}` and `/shelves/{shelfName}` share one route, each request served
//! by the operation whose parameter's schema its segment fits (a UUID, an integer, any text).

use codegen_output::server_mixed_segments::{self as server, rt, types};

struct Books;

impl server::Api for Books {
    fn render_error(&self, _: &rt::Context, error: &rt::Error) -> rt::Response {
        rt::Response::new(format!("{{\"error\":\"{}\"}}", error.code()).into())
    }

    async fn get_book(
        &self,
        _: &rt::Context,
        name: String,
    ) -> Result<server::GetBookResponse, rt::Error> {
        Ok(server::GetBookResponse::Ok(types::GetBookResponse {
            name: Some(name),
        }))
    }

    async fn search_books(
        &self,
        _: &rt::Context,
        name: String,
    ) -> Result<server::SearchBooksResponse, rt::Error> {
        Ok({
            server::SearchBooksResponse::Ok(types::SearchBooksResponse {
                found: Some(format!("search {name}")),
            })
        })
    }

    async fn archive_book(
        &self,
        _: &rt::Context,
        name: String,
    ) -> Result<server::ArchiveBookResponse, rt::Error> {
        Ok({
            assert_eq!(name, "dune", "the parameter arrives without its text");
            server::ArchiveBookResponse::NoContent
        })
    }

    async fn get_route(
        &self,
        _: &rt::Context,
        origin: String,
        destination: String,
    ) -> Result<server::GetRouteResponse, rt::Error> {
        Ok(server::GetRouteResponse::Ok(types::GetRouteResponse {
            from: Some(origin),
            to: Some(destination),
        }))
    }

    async fn get_shelf_by_id(
        &self,
        _: &rt::Context,
        shelf_id: uuid::Uuid,
    ) -> Result<server::GetShelfByIdResponse, rt::Error> {
        Ok(server::GetShelfByIdResponse::Ok(shelf("id", shelf_id)))
    }

    async fn get_shelf_by_name(
        &self,
        _: &rt::Context,
        shelf_name: String,
    ) -> Result<server::GetShelfByNameResponse, rt::Error> {
        Ok(server::GetShelfByNameResponse::Ok(shelf(
            "name", shelf_name,
        )))
    }

    async fn get_shelf_by_number(
        &self,
        _: &rt::Context,
        shelf_number: i64,
    ) -> Result<server::GetShelfByNumberResponse, rt::Error> {
        Ok(server::GetShelfByNumberResponse::Ok(shelf(
            "number",
            shelf_number,
        )))
    }

    async fn get_copy(
        &self,
        _: &rt::Context,
        _: String,
    ) -> Result<server::GetCopyResponse, rt::Error> {
        Ok(server::GetCopyResponse::NoContent)
    }

    async fn get_copy_by_label(
        &self,
        _: &rt::Context,
        _: String,
    ) -> Result<server::GetCopyByLabelResponse, rt::Error> {
        unreachable!("left out of the router: `/copies/{{copyName}}` matches the same requests")
    }

    async fn get_report(
        &self,
        _: &rt::Context,
        version: i64,
    ) -> Result<server::GetReportResponse, rt::Error> {
        Ok({
            server::GetReportResponse::Ok(types::GetReportResponse {
                version: Some(version),
            })
        })
    }
}

fn shelf(by: &str, value: impl ToString) -> types::ShelfResponse {
    types::ShelfResponse {
        by: by.into(),
        value: value.to_string(),
    }
}

#[tokio::test]
async fn each_request_reaches_the_operation_its_segment_names() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { rt::axum::serve(listener, server::router(Books)).await.ok() });
    let http = reqwest::Client::new();
    let get = |path: &str| {
        let url = format!("{base}{path}");
        let http = http.clone();
        async move {
            let response = http.get(url).send().await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };

    assert_eq!(get("/books/dune").await, (200, r#"{"name":"dune"}"#.into()));
    assert_eq!(
        get("/books/dune:search").await,
        (200, r#"{"found":"search dune"}"#.into())
    );
    // A verb no operation has is the plain operation's parameter, as the spec's templates say.
    assert_eq!(
        get("/books/dune:other").await,
        (200, r#"{"name":"dune:other"}"#.into())
    );
    let archived = http
        .post(format!("{base}/books/dune:archive"))
        .send()
        .await
        .unwrap();
    assert_eq!(archived.status(), 204);
    // POST has only the affixed operation: without its text the path names nothing.
    let plain = http
        .post(format!("{base}/books/dune"))
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), 404);

    assert_eq!(
        get("/reports/v3.json").await,
        (200, r#"{"version":3}"#.into())
    );
    assert_eq!(get("/reports/v3.xml").await.0, 404);
    // The parameter inside the text is still checked against its schema (minimum 1).
    assert_eq!(get("/reports/v0.json").await.0, 422);

    // Two parameters in one segment, cut at the text between them.
    assert_eq!(
        get("/routes/FRA-JFK").await,
        (200, r#"{"from":"FRA","to":"JFK"}"#.into())
    );
    // Without that text, or with a parameter empty, the path names nothing.
    assert_eq!(get("/routes/FRA").await.0, 404);
    assert_eq!(get("/routes/FRA-").await.0, 404);

    // Three paths that differ only in their parameter's name: the segment's text picks the
    // operation whose schema it fits, the plain text one last.
    let id = "3f2c8f0e-2a4b-4c1d-9e8f-0a1b2c3d4e5f";
    assert_eq!(
        get(&format!("/shelves/{id}")).await,
        (200, format!(r#"{{"by":"id","value":"{id}"}}"#))
    );
    assert_eq!(
        get("/shelves/42").await,
        (200, r#"{"by":"number","value":"42"}"#.into())
    );
    assert_eq!(
        get("/shelves/fiction").await,
        (200, r#"{"by":"name","value":"fiction"}"#.into())
    );
    // Below the number's minimum, the text is a name.
    assert_eq!(
        get("/shelves/0").await,
        (200, r#"{"by":"name","value":"0"}"#.into())
    );
    // Two that nothing tells apart: the first is served.
    assert_eq!(get("/copies/a").await.0, 204);
}

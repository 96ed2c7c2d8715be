//! Every Rust client and server snapshot of `crates/codegen/tests/snapshots`, compiled as one module
//! each (see `build.rs`). This crate has no API; building it is the test.

include!(concat!(env!("OUT_DIR"), "/mods.rs"));

#[cfg(test)]
mod tests {
    /// The snapshot of the contract's client exposes the operations and the problem type.
    #[test]
    fn contract_client_is_typed() {
        use super::client_api::ClientInfo;
        let client = super::client_api::Client::new("http://127.0.0.1:9");
        assert_eq!(client.baseurl(), "http://127.0.0.1:9");
        let problem = super::client_api::types::Problem {
            type_: "about:blank".into(),
            title: "Not Found".into(),
            status: 404,
            code: "not_found".into(),
            detail: None,
            instance: None,
            request_id: None,
            errors: vec![],
        };
        assert_eq!(problem.status, 404);
    }

    /// An array in a path or a header (`fixtures/specs/names-and-numbers.yaml`'s
    /// `POST /hooks/{ids}` with `x-tags`) goes in the `simple` style: `a,b`.
    #[tokio::test]
    async fn an_array_in_a_path_or_a_header_goes_in_the_simple_style() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let seen = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut head = Vec::new();
            let mut buf = [0u8; 1024];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = socket.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                head.extend_from_slice(&buf[..n]);
            }
            socket
                .write_all(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")
                .await
                .unwrap();
            String::from_utf8_lossy(&head).into_owned()
        });
        let client = super::client_names_and_numbers::Client::new(&base);
        client
            .post_operation(
                &vec!["a".into(), "b c".into()],
                &vec![7, 8],
                Some(&vec!["x".into(), "y".into()]),
            )
            .await
            .unwrap();
        let head = seen.await.unwrap();
        assert!(head.starts_with("POST /hooks/a,b%20c HTTP/1.1"), "{head}");
        assert!(head.to_lowercase().contains("x-tags: x,y\r\n"), "{head}");
        assert!(
            head.to_lowercase().contains("x-trace-ids: 7,8\r\n"),
            "{head}"
        );
    }

    /// A `deepObject` query parameter (`fixtures/specs/names-and-numbers.yaml`'s `filter`)
    /// goes as `filter[key]=value`, nested keys and array items included, `null` left out.
    #[test]
    fn a_deep_object_query_parameter_is_written_in_its_style() {
        use super::client_names_and_numbers::DeepObject;
        let value = serde_json::json!({"a": 1, "b": {"c": "x y"}, "n": null, "l": [1, 2]});
        let request = reqwest::Client::new()
            .get("http://127.0.0.1:9/convert")
            .query(&DeepObject::new("filter", &value))
            .build()
            .unwrap();
        let mut pairs: Vec<(String, String)> = request
            .url()
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        pairs.sort();
        let expected: Vec<(String, String)> = [
            ("filter[a]", "1"),
            ("filter[b][c]", "x y"),
            ("filter[l][]", "1"),
            ("filter[l][]", "2"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(pairs, expected);
        // Absent, nothing is sent.
        let none: Option<serde_json::Value> = None;
        let request = reqwest::Client::new()
            .get("http://127.0.0.1:9/convert")
            .query(&DeepObject::new("filter", &none))
            .build()
            .unwrap();
        assert_eq!(request.url().query(), None);
    }
}

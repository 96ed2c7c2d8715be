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
}

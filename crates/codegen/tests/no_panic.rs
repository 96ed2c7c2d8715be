//! No input that the spec loader accepts makes a target panic: arbitrary schemas in an
//! otherwise valid document either generate or fail with an error.
//!
//! `allOf` is left out of the generated schemas: typify 0.8 recurses without end when it
//! merges an `allOf` whose members recurse through maps or alternatives. The shapes seen in
//! practice (polymorphism through `allOf` + `oneOf`) are reshaped before typify sees them and
//! covered by the `composition` snapshot; the rest is a known limitation.

use accord_codegen::{Origin, Prepared, rust_client, rust_server, typescript};
use accord_spec::Spec;
use proptest::prelude::*;
use serde_json::{Value, json};

fn schema() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        prop::sample::select(vec![
            "string", "integer", "number", "boolean", "object", "array", "null"
        ])
        .prop_map(|t| json!({ "type": t })),
        Just(json!({ "$ref": "#/components/schemas/A" })),
        Just(json!({ "$ref": "#/components/schemas/B" })),
        Just(json!({ "type": "string", "enum": ["a-b", "a_b", "A B", ""] })),
        Just(json!({ "type": "string", "format": "uuid", "nullable": true })),
        Just(json!({})),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            inner
                .clone()
                .prop_map(|i| json!({ "type": "array", "items": i })),
            prop::collection::vec(inner.clone(), 1..3).prop_map(|v| json!({ "oneOf": v })),
            prop::collection::vec(inner.clone(), 1..3).prop_map(|v| json!({ "anyOf": v })),
            prop::collection::vec(inner.clone(), 0..3).prop_map(|v| {
                let props: serde_json::Map<String, Value> = v
                    .into_iter()
                    .enumerate()
                    .map(|(i, s)| (format!("p{i}"), s))
                    .collect();
                json!({ "type": "object", "properties": props, "required": ["p0"] })
            }),
            inner.prop_map(|i| json!({ "type": "object", "additionalProperties": i })),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn targets_never_panic(a in schema(), b in schema(), body in schema(), response in schema(), error in schema()) {
        let doc = json!({
            "openapi": "3.0.3",
            "info": { "title": "fuzz", "version": "1" },
            "paths": { "/x/{id}": { "post": {
                "operationId": "op",
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }],
                "requestBody": { "content": { "application/json": { "schema": body } } },
                "responses": {
                    "200": { "description": "ok", "content": { "application/json": { "schema": response } } },
                    "default": { "description": "error", "content": { "application/problem+json": { "schema": error } } }
                }
            } } },
            "components": { "schemas": { "A": a, "B": b } }
        });
        if let Ok(spec) = Spec::from_value(doc, "fuzz.json".into()) {
            let origin = Origin { source: "fuzz.json", command: "test" };
            let _ = rust_client::generate(&Prepared::new(&spec).unwrap(), &origin);
            if let Err(e) = rust_server::generate(&Prepared::new(&spec).unwrap(), &origin) {
                prop_assert!(!e.to_string().contains("unparsable"), "{e}");
            }
            let ts = typescript::generate(&spec, &origin).expect("the TypeScript target never fails");
            prop_assert!(ts.text.contains("export interface paths"));
        }
    }
}

/// Names as real documents have them: words, punctuation, keywords, digits first, unicode.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z_][a-zA-Z0-9_]{0,12}",
        Just("type".to_string()),
        Just("self".to_string()),
        Just("ctx".to_string()),
        Just("api".to_string()),
        Just("body".to_string()),
        "[ -~]{1,12}",
        "\\PC{1,6}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The server target writes Rust text itself: whatever the names in the document, the
    /// text parses (generation fails only with a reason, never with unparsable output).
    #[test]
    fn server_names_always_make_valid_rust(
        op_a in name(), op_b in name(), param in name(), query in name(), header in name(),
        segment in "[a-z{}*:]{1,8}", code in prop_oneof![Just("200"), Just("2XX"), Just("default"), Just("299"), Just("4xx")],
        description in "\\PC{0,30}",
    ) {
        let doc = json!({
            "openapi": "3.0.3",
            "info": { "title": "fuzz", "version": "1" },
            "security": [{ "key": [] }, {}],
            "paths": {
                format!("/{segment}/{{{param}}}"): {
                    "parameters": [{ "name": param, "in": "path", "required": true, "schema": { "type": "integer" } }],
                    "get": {
                        "operationId": op_a,
                        "description": description,
                        "parameters": [
                            { "name": query, "in": "query", "schema": { "type": "array", "items": { "type": "string" } } },
                            { "name": header, "in": "header", "required": true, "schema": { "type": "string", "format": "uuid" } }
                        ],
                        "responses": { code: { "description": description, "headers": { header.clone(): { "schema": { "type": "integer" } } } } }
                    },
                    "put": {
                        "operationId": op_b,
                        "requestBody": { "content": { "text/plain": {} } },
                        "responses": { "204": { "description": "none" } }
                    }
                }
            },
            "components": { "securitySchemes": { "key": { "type": "apiKey", "in": "header", "name": header } } }
        });
        if let Ok(spec) = Spec::from_value(doc, "fuzz.json".into()) {
            let origin = Origin { source: "fuzz.json", command: "test" };
            if let Err(e) = rust_server::generate(&Prepared::new(&spec).unwrap(), &origin) {
                prop_assert!(!e.to_string().contains("unparsable"), "{e}");
            }
        }
    }
}

//! No input that the spec loader accepts makes a target panic: arbitrary schemas in an
//! otherwise valid document either generate or fail with an error.
//!
//! `allOf` is left out of the generated schemas: typify 0.8 recurses without end when it
//! merges an `allOf` whose members recurse through maps or alternatives. The shapes seen in
//! practice (polymorphism through `allOf` + `oneOf`) are reshaped before typify sees them and
//! covered by the `composition` snapshot; the rest is a known limitation.

use accord_codegen::{Origin, rust_client, typescript};
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
            let _ = rust_client::generate(&spec, &origin);
            let ts = typescript::generate(&spec, &origin).expect("the TypeScript target never fails");
            prop_assert!(ts.text.contains("export interface paths"));
        }
    }
}

//! Loading: 3.1 normalization, the model's view of operations, and no panic on any input.

use accord_spec::{Method, Spec};
use proptest::prelude::*;
use serde_json::{Value, json};

mod common;

use common::{at, fixture};

#[test]
fn openapi_31_is_normalized_to_30() {
    let spec = Spec::load(fixture("fixtures/specs/openapi31.yaml")).unwrap();
    assert_eq!(spec.source_version, "3.1.0");
    assert_eq!(spec.openapi.openapi, "3.0.3");
    assert!(spec.document.get("webhooks").is_none());
    let props = "/components/schemas/TicketCreate/properties";
    assert_eq!(
        at(&spec, &format!("{props}/assignee")),
        &json!({"type": "string", "nullable": true})
    );
    assert_eq!(
        at(&spec, &format!("{props}/kind")),
        &json!({"enum": ["ticket"]})
    );
    assert_eq!(
        at(&spec, &format!("{props}/priority")),
        &json!({"type": "integer", "exclusiveMinimum": true, "minimum": 0, "maximum": 5})
    );
    assert_eq!(
        at(&spec, &format!("{props}/title/example")),
        &json!("Printer on fire")
    );
    assert_eq!(
        at(&spec, "/components/schemas/Ticket/properties/closed_at"),
        &json!({"nullable": true, "type": "string", "format": "date-time"})
    );
    assert_eq!(
        at(&spec, "/components/schemas/Ticket/properties/score"),
        &json!({"nullable": true, "anyOf": [{"type": "number"}, {"type": "integer"}]})
    );
    // A nullable reference keeps the reference, wrapped so that `nullable` survives.
    assert_eq!(
        at(&spec, "/paths/~1api~1v1~1tickets/get/parameters/0/schema"),
        &json!({"nullable": true, "allOf": [{"$ref": "#/components/schemas/TicketStatus"}]})
    );
    let notes: Vec<String> = spec.notes.iter().map(ToString::to_string).collect();
    assert!(notes.iter().any(|n| n == "/components/schemas/TicketCreate/properties/kind/const: const became a one-value enum"), "{notes:#?}");
}

#[test]
fn json_documents_load_too() {
    let spec = Spec::load(fixture("fixtures/specs/fastapi-auth.json")).unwrap();
    assert_eq!(spec.title(), "Ticketing API");
    assert_eq!(spec.operations().len(), 3);
}

#[test]
fn operations_come_in_document_order_with_merged_parameters() {
    let spec = Spec::load(fixture("openapi/api.yaml")).unwrap();
    let ops = spec.operations();
    assert_eq!(ops.first().map(|o| o.id()), Some("health"));
    let get_item = ops.iter().find(|o| o.id() == "get_item").unwrap();
    assert_eq!(get_item.method, Method::Get);
    assert_eq!(get_item.label(), "GET /api/v1/items/{item_id}");
    assert_eq!(get_item.pointer(), "/paths/~1api~1v1~1items~1{item_id}/get");
    let names: Vec<&str> = get_item
        .parameters(&spec.openapi)
        .iter()
        .map(|p| p.parameter_data_ref().name.as_str())
        .collect();
    assert_eq!(names, ["item_id"]);
    for op in &ops {
        assert!(
            op.operation.summary.is_some(),
            "{} has no summary",
            op.label()
        );
    }
}

#[test]
fn every_problem_is_reported_at_once() {
    let doc = json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/a": {"get": {"operationId": "a", "parameters": [{"name": "x", "in": "body"}]}},
            "/b": {"get": {"operationId": "b", "responses": {"oops": {"description": "x"}}}}
        }
    });
    let err = Spec::from_value(doc, "inline.json".into()).unwrap_err();
    let pointers: Vec<&str> = err.problems().iter().map(|p| p.pointer.as_str()).collect();
    assert_eq!(
        pointers,
        [
            "/paths/~1a/get/parameters/0/in",
            "/paths/~1b/get/responses/oops"
        ]
    );
}

/// What openapi-typescript and oasdiff read, accord reads: a document that breaks a "MUST"
/// of the specification in a way whose meaning is plain loads, with every repair located;
/// the strict form refuses it, naming each at once. What 3.1 makes optional is no break.
#[test]
fn a_plain_meaning_behind_a_broken_rule_loads_and_the_strict_form_refuses_it() {
    let doc = json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "security": [{"nowhere": []}],
        "paths": {
            "/a/{id}": {"get": {"operationId": "a"}},
            "/b": {"post": {"operationId": "b", "responses": {}}},
            "/c": {"get": {"operationId": "c", "responses": {"200": {"content": {}}}}}
        }
    });
    let spec = Spec::from_value(doc, "inline.json".into()).unwrap();
    let a = spec
        .operations()
        .into_iter()
        .find(|o| o.id() == "a")
        .unwrap();
    assert_eq!(a.parameters(&spec.openapi).len(), 1);
    let repaired: Vec<&str> = spec.repaired.iter().map(|p| p.pointer.as_str()).collect();
    assert_eq!(
        repaired,
        [
            "/security/0",
            "/paths/~1a~1{id}/get",
            "/paths/~1a~1{id}/get",
            "/paths/~1b/post/responses",
            "/paths/~1c/get/responses/200"
        ]
    );
    let err = spec.strict().unwrap_err();
    assert_eq!(err.problems().len(), 5, "{err}");

    let v31 = json!({
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {"/a": {"get": {"operationId": "a"}}}
    });
    let spec = Spec::from_value(v31, "inline.json".into()).unwrap();
    assert!(spec.repaired.is_empty(), "{:?}", spec.repaired);
    assert!(spec.notes.iter().any(|n| n.pointer == "/paths/~1a/get"));
    spec.strict().unwrap();
}

/// A 3.0 document with no `paths` (only components, or servers) declares no operations:
/// read with a located note, refused by the strict form; in 3.1 `paths` is optional.
#[test]
fn a_document_without_paths_declares_no_operations() {
    let doc = |version: &str| {
        json!({
            "openapi": version,
            "info": {"title": "t", "version": "1"},
            "components": {"schemas": {"A": {"type": "string"}}}
        })
    };
    let spec = Spec::from_value(doc("3.0.0"), "inline.json".into()).unwrap();
    assert!(spec.operations().is_empty());
    let repaired: Vec<&str> = spec.repaired.iter().map(|p| p.pointer.as_str()).collect();
    assert_eq!(repaired, ["/paths"]);
    let err = spec.strict().unwrap_err();
    assert!(err.to_string().contains("`paths` is required"), "{err}");
    let spec = Spec::from_value(doc("3.1.0"), "inline.json".into()).unwrap();
    assert!(spec.repaired.is_empty(), "{:?}", spec.repaired);
    spec.strict().unwrap();
}

/// `x-` keys are extensions wherever the specification allows them: in `paths` and in
/// `responses` they are neither paths nor statuses; a path item `$ref` to one takes a copy.
#[test]
fn extensions_of_paths_and_responses_are_no_paths_and_no_statuses() {
    let doc = json!({
        "openapi": "3.0.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "x-null": null,
            "x-shared": {"get": {"operationId": "shared", "responses": {"200": {"description": "ok"}}}},
            "/a": {"$ref": "#/paths/x-shared"},
            "/b": {"post": {"operationId": "b", "responses": {
                "201": {"description": "made"}, "x-note": {"anything": 1}}}}
        }
    });
    let spec = Spec::from_value(doc, "inline.json".into()).unwrap();
    let mut ops: Vec<String> = spec
        .operations()
        .iter()
        .map(|o| format!("{} {}", o.method.as_str(), o.path))
        .collect();
    ops.sort();
    assert_eq!(ops, ["get /a", "post /b"]);
    assert!(spec.repaired.is_empty(), "legal: {:?}", spec.repaired);
    for at in [
        "/paths/x-null",
        "/paths/~1a/$ref",
        "/paths/~1b/post/responses/x-note",
    ] {
        assert!(
            spec.notes.iter().any(|n| n.pointer == at),
            "{at}: {:?}",
            spec.notes
        );
    }
}

/// Real documents often leave operationIds out: they load with names made from the method
/// and the path, noted; the project's own contract can still insist on its own ids.
#[test]
fn operations_without_ids_are_named_and_a_strict_contract_refuses_them() {
    let doc = json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {"/convert": {"get": {"responses": {"200": {"description": "ok"}}}}}
    });
    let spec = Spec::from_value(doc, "inline.json".into()).unwrap();
    assert_eq!(spec.operations()[0].id(), "get_convert");
    assert!(
        spec.notes
            .iter()
            .any(|n| n.message.contains("named `get_convert`"))
    );
    let err = spec.strict().unwrap_err();
    assert_eq!(err.problems()[0].pointer, "/paths/~1convert/get");
}

/// OpenAI's 3.1 document bounds a seed by the 64-bit range, and others go beyond it.
#[test]
fn integer_bounds_of_any_size_load() {
    let yaml = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    get:\n      operationId: x\n      parameters:\n        - {name: seed, in: query, schema: {type: integer, minimum: -9223372036854775808, maximum: 9223372036854775807}}\n        - {name: big, in: query, schema: {type: integer, maximum: 18446744073709551615}}\n        - {name: huge, in: query, schema: {type: integer, maximum: 99999999999999999999}}\n      responses: {'200': {description: ok}}\n";
    let spec = Spec::parse(yaml, "big.yaml").unwrap();
    let params = &spec.document["paths"]["/x"]["get"]["parameters"];
    assert_eq!(params[0]["schema"]["minimum"], json!(i64::MIN));
    assert!(params[1]["schema"].get("maximum").is_none());
    assert!(
        spec.notes
            .iter()
            .any(|n| n.pointer == "/paths/~1x/get/parameters/2/schema/maximum")
    );
}

/// A property may be named like a keyword: `default`, `enum`, an `x-` name. The walk over the
/// model reads it as a name, so its out-of-range bound is left out, noted, as any other
/// property's is; an example's content is data and is left alone.
#[test]
fn a_property_named_like_a_keyword_is_a_schema_like_any_other() {
    let big = json!({"type": "integer", "maximum": 1e30});
    let doc = json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {},
        "components": {"schemas": {"S": {
            "type": "object",
            "properties": {"default": big, "enum": big, "x-rate": big, "properties": big, "other": big},
            "example": {"n": big}
        }}}
    });
    let spec = Spec::from_value(doc, "inline.json".into()).unwrap();
    let properties = &spec.document["components"]["schemas"]["S"]["properties"];
    for name in ["default", "enum", "x-rate", "properties", "other"] {
        assert!(
            properties[name].get("maximum").is_none(),
            "{name}: {properties}"
        );
        let at = format!("/components/schemas/S/properties/{name}/maximum");
        assert!(
            spec.notes.iter().any(|n| n.pointer == at),
            "{at}: {:?}",
            spec.notes
        );
    }
    assert_eq!(
        spec.document["components"]["schemas"]["S"]["example"]["n"]["maximum"],
        json!(1e30),
        "an example is data"
    );
}

/// A 3.1 document's parameter may be named `schema`: it is a name in `components.parameters`,
/// and the parameter's own `schema` is the one rewritten into the 3.0 shape.
#[test]
fn a_parameter_named_schema_is_a_parameter() {
    let doc = json!({
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {"/a": {"get": {
            "operationId": "a",
            "parameters": [{"$ref": "#/components/parameters/schema"}],
            "responses": {"200": {"description": "ok"}}
        }}},
        "components": {"parameters": {
            "schema": {"name": "schema", "in": "query", "schema": {"type": ["string", "null"]}},
            "properties": {"name": "properties", "in": "query", "schema": {"type": ["string", "null"]}}
        }}
    });
    let spec = Spec::from_value(doc, "inline.json".into()).unwrap();
    // And one named `properties`: below a map of names, a name is no keyword.
    for name in ["schema", "properties"] {
        let parameter = &spec.document["components"]["parameters"][name];
        assert_eq!(parameter["name"], name, "{parameter}");
        assert_eq!(
            parameter["schema"],
            json!({"type": "string", "nullable": true}),
            "{parameter}"
        );
    }
}

/// A Swagger 2.0 parameter: any place, name and type, a schema, a collection format, or
/// something that is no parameter at all.
fn swagger_parameter() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(vec![
            "body", "formData", "query", "path", "header", "cookie", "nowhere",
        ]),
        prop::sample::select(vec!["id", "file", "tags", "body", ""]),
        prop::sample::select(vec!["string", "integer", "array", "file", "object"]),
        prop::sample::select(vec!["csv", "multi", "tsv", "pipes", "ssv", "bogus"]),
        arbitrary_json(),
        any::<bool>(),
    )
        .prop_map(|(place, name, kind, format, schema, required)| {
            json!({"in": place, "name": name, "type": kind, "collectionFormat": format,
                "items": {"type": "string"}, "schema": schema, "required": required})
        })
        .boxed()
        .prop_union(arbitrary_json().boxed())
        .boxed()
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        prop::sample::select(vec![
            "string",
            "null",
            "object",
            "#/components/schemas/A",
            "#/x",
            "3.1.0",
            "get",
            "{id}"
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::vec(
                (
                    prop::sample::select(vec![
                        "type",
                        "$ref",
                        "nullable",
                        "anyOf",
                        "oneOf",
                        "allOf",
                        "items",
                        "properties",
                        "schema",
                        "responses",
                        "operationId",
                        "parameters",
                        "in",
                        "name",
                        "content",
                        "const",
                        "examples",
                        "enum",
                        "get",
                        "/p/{id}",
                        "additionalProperties",
                        "required",
                        "default",
                    ]),
                    inner,
                ),
                0..5
            )
            .prop_map(|pairs| Value::Object(
                pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
            )),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,200}") {
        let _ = Spec::parse(&text, "fuzz.yaml");
    }

    #[test]
    fn arbitrary_documents_never_panic(paths in arbitrary_json(), schemas in arbitrary_json(), version in prop::sample::select(vec!["3.0.3", "3.1.0"])) {
        let doc = json!({
            "openapi": version,
            "info": {"title": "fuzz", "version": "1"},
            "paths": paths,
            "components": {"schemas": schemas}
        });
        if let Ok(spec) = Spec::from_value(doc, "fuzz.json".into()) {
            for op in spec.operations() {
                let _ = op.parameters(&spec.openapi);
            }
        }
    }

    #[test]
    fn swagger_20_operations_of_any_parameters_never_panic(
        parameters in prop::collection::vec(swagger_parameter(), 0..5),
        response in arbitrary_json(),
        consumes in prop::sample::select(vec!["application/json", "multipart/form-data", "application/x-www-form-urlencoded", "text/plain"]),
    ) {
        let doc = json!({
            "swagger": "2.0",
            "info": {"title": "fuzz", "version": "1"},
            "consumes": [consumes],
            "parameters": {"shared": {"name": "s", "in": "formData", "type": "file"}},
            "paths": {"/p/{id}": {
                "parameters": [{"$ref": "#/parameters/shared"}],
                "post": {"parameters": parameters, "responses": {"200": {"description": "ok", "schema": response}}}
            }}
        });
        if let Ok(spec) = Spec::from_value(doc, "fuzz.json".into()) {
            for op in spec.operations() {
                let _ = op.parameters(&spec.openapi);
            }
        }
    }

    #[test]
    fn arbitrary_swagger_20_documents_never_panic(
        paths in arbitrary_json(),
        definitions in arbitrary_json(),
        parameters in arbitrary_json(),
        security in arbitrary_json(),
    ) {
        let doc = json!({
            "swagger": "2.0",
            "info": {"title": "fuzz", "version": "1"},
            "host": "example.com",
            "paths": paths,
            "definitions": definitions,
            "parameters": parameters,
            "securityDefinitions": security
        });
        if let Ok(spec) = Spec::from_value(doc, "fuzz.json".into()) {
            for op in spec.operations() {
                let _ = op.parameters(&spec.openapi);
            }
        }
    }
}

/// Vendor extensions hold code samples and examples that documents often keep in other
/// files (`x-fern-examples`, `x-ms-examples`); accord never reads them, so a `$ref` there
/// does not refuse the document. A property that merely starts with `x-` is still checked.
#[test]
fn references_inside_extensions_are_not_followed_but_an_x_property_is() {
    let ok = json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {"/a": {"get": {
            "operationId": "a",
            "x-ms-examples": {"one": {"$ref": "./examples/a.json"}},
            "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
                "type": "object",
                "properties": {"example": {"$ref": "#/components/schemas/Id"}}
            }}}}}
        }}},
        "components": {"schemas": {"Id": {"type": "string"}}}
    });
    Spec::from_value(ok, "inline.json".into()).unwrap();
    let dangling = json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {},
        "components": {"schemas": {"A": {"type": "object", "properties": {
            "x-rate": {"$ref": "#/components/schemas/Missing"}
        }}}}
    });
    let err = Spec::from_value(dangling, "inline.json".into()).unwrap_err();
    assert_eq!(
        err.problems()[0].pointer,
        "/components/schemas/A/properties/x-rate/$ref"
    );
}

/// `info.version` (or the title) left out is a note and a placeholder, not a refusal.
#[test]
fn a_missing_info_version_is_a_note() {
    let doc = json!({
        "openapi": "3.1.0",
        "info": {"title": "Anthropic API"},
        "paths": {}
    });
    let spec = Spec::from_value(doc, "inline.json".into()).unwrap();
    assert_eq!(spec.openapi.info.version, "0.0.0");
    assert!(
        spec.notes
            .iter()
            .any(|n| n.message.contains("`info.version` is missing"))
    );
}

/// Azure's OpenAI document shares a description by `$ref` into another schema's
/// `description`: the string is copied in place, not made a component.
#[test]
fn a_ref_to_a_shared_description_is_copied_in_place() {
    let doc = json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {},
        "components": {"schemas": {
            "includable": {"type": "string", "description": "What to include."},
            "Create": {"type": "object", "properties": {"include": {
                "type": "array",
                "description": {"$ref": "#/components/schemas/includable/description"},
                "items": {"$ref": "#/components/schemas/includable"}
            }}}
        }}
    });
    let spec = Spec::from_value(doc, "inline.json".into()).unwrap();
    assert_eq!(
        spec.document["components"]["schemas"]["Create"]["properties"]["include"]["description"],
        "What to include."
    );
}

#[test]
fn boolean_schemas_and_mutual_tls_of_31_are_read_with_notes() {
    let spec = Spec::parse(
        &std::fs::read_to_string(fixture("fixtures/specs/openapi31-edges.yaml")).unwrap(),
        "openapi31-edges.yaml",
    )
    .expect("a 3.1 document with boolean schemas and mutualTLS loads");
    let props = spec
        .document
        .pointer("/paths/~1things/get/responses/200/content/application~1json/schema/properties")
        .unwrap();
    assert_eq!(props["never"], json!({"not": {}}));
    assert_eq!(props["anything"], json!({}));
    assert_eq!(
        spec.document["paths"]["/things"]["get"]["security"],
        json!([{}, {"bearer": []}])
    );
    assert!(
        spec.document
            .pointer("/components/securitySchemes/mtls")
            .is_none()
    );
    let notes: Vec<String> = spec.notes.iter().map(|n| n.to_string()).collect();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("mutualTLS scheme is the TLS layer's")),
        "{notes:#?}"
    );
    assert!(
        notes
            .iter()
            .any(|n| n.contains("the schema `false` became")),
        "{notes:#?}"
    );
}

/// A Swagger 2.0 document is read as the OpenAPI 3.0 document it describes, with a note.
#[test]
fn swagger_20_is_read_as_openapi_30() {
    let spec = Spec::load(fixture("fixtures/specs/swagger20.yaml")).unwrap();
    assert_eq!(spec.source_version, "2.0");
    assert_eq!(spec.openapi.openapi, "3.0.3");
    assert!(
        spec.notes
            .iter()
            .any(|n| n.message.contains("converted Swagger 2.0")),
        "{:?}",
        spec.notes
    );
    assert_eq!(
        at(&spec, "/servers"),
        &json!([{"url": "https://notes.example.com/api/v1"}, {"url": "http://notes.example.com/api/v1"}])
    );
    // Security schemes.
    assert_eq!(
        at(&spec, "/components/securitySchemes/basic"),
        &json!({"type": "http", "scheme": "basic"})
    );
    assert_eq!(
        at(&spec, "/components/securitySchemes/key"),
        &json!({"type": "apiKey", "name": "X-Notes-Key", "in": "header"})
    );
    assert_eq!(
        at(
            &spec,
            "/components/securitySchemes/oauth/flows/password/tokenUrl"
        ),
        &json!("/oauth/token")
    );
    // Parameters: a shared one, a multi array, a csv array, a path-level one.
    assert_eq!(
        at(&spec, "/components/parameters/limit"),
        &json!({"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}})
    );
    let list = "/paths/~1notes/get";
    assert_eq!(
        at(&spec, &format!("{list}/parameters/0")),
        &json!({"$ref": "#/components/parameters/limit"})
    );
    assert_eq!(
        at(&spec, &format!("{list}/parameters/1")),
        &json!({"name": "tags", "in": "query", "style": "form", "explode": true,
                "schema": {"type": "array", "items": {"type": "string", "maxLength": 20}}})
    );
    assert_eq!(
        at(&spec, &format!("{list}/parameters/2/explode")),
        &json!(false)
    );
    assert_eq!(
        at(&spec, "/paths/~1notes~1{id}/parameters/0"),
        &json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "format": "int64"}})
    );
    // Responses: schema in each produced type, headers, examples, a shared response.
    assert_eq!(
        at(
            &spec,
            &format!("{list}/responses/200/content/application~1json/schema")
        ),
        &json!({"type": "array", "items": {"$ref": "#/components/schemas/Note"}})
    );
    assert_eq!(
        at(
            &spec,
            &format!("{list}/responses/200/content/application~1json/example")
        ),
        &json!([{"id": 1, "title": "first"}])
    );
    assert_eq!(
        at(
            &spec,
            &format!("{list}/responses/200/headers/X-Total-Count")
        ),
        &json!({"schema": {"type": "integer"}, "description": "How many there are"})
    );
    let get = "/paths/~1notes~1{id}/get/responses";
    assert!(
        spec.document
            .pointer(&format!("{get}/200/content/application~1xml"))
            .is_some()
    );
    assert_eq!(
        at(&spec, &format!("{get}/404")),
        &json!({"$ref": "#/components/responses/NotFound"})
    );
    assert_eq!(
        at(
            &spec,
            "/components/responses/NotFound/content/application~1json/schema"
        ),
        &json!({"$ref": "#/components/schemas/Error"})
    );
    // Bodies: a shared body parameter, an operation's own, a multipart form with a file, a
    // URL-encoded form.
    assert_eq!(
        at(&spec, "/paths/~1notes/post/requestBody"),
        &json!({"$ref": "#/components/requestBodies/note"})
    );
    assert_eq!(
        at(&spec, "/components/requestBodies/note"),
        &json!({"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NoteIn"}}}})
    );
    assert_eq!(
        at(
            &spec,
            "/paths/~1notes~1{id}/put/requestBody/content/application~1json/schema"
        ),
        &json!({"$ref": "#/components/schemas/NoteIn"})
    );
    assert_eq!(
        at(&spec, "/paths/~1notes~1{id}~1attachment/post/requestBody"),
        &json!({"required": true, "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary"}, "caption": {"type": "string", "maxLength": 80}}
        }}}})
    );
    assert!(
        spec.document
            .pointer("/paths/~1notes~1{id}~1attachment/post/parameters/1")
            .is_none(),
        "form fields are no parameters"
    );
    assert_eq!(
        at(
            &spec,
            "/paths/~1login/post/requestBody/content/application~1x-www-form-urlencoded/schema/required"
        ),
        &json!(["client"])
    );
    // Schemas: nullable, a discriminator, a property named like a keyword.
    let schemas = "/components/schemas";
    assert_eq!(
        at(&spec, &format!("{schemas}/NoteIn/properties/body")),
        &json!({"type": "string", "nullable": true})
    );
    assert_eq!(
        at(&spec, &format!("{schemas}/NoteIn/properties/default")),
        &json!({"$ref": "#/components/schemas/Tag"})
    );
    assert_eq!(
        at(&spec, &format!("{schemas}/Note/allOf/1/properties/example")),
        &json!({"type": "string", "nullable": true})
    );
    assert_eq!(
        at(&spec, &format!("{schemas}/Tag/discriminator")),
        &json!({"propertyName": "kind"})
    );
    assert_eq!(spec.operations().len(), 6);
}

//! The validator against hand-written documents and generated instances.

use accord_validate::{Direction, Validator, Violation};
use proptest::prelude::*;
use serde_json::{Value, json};

fn doc() -> Value {
    json!({"components": {"schemas": {
        "NewUser": {
            "type": "object",
            "required": ["email", "password", "id"],
            "additionalProperties": false,
            "properties": {
                "id": {"type": "string", "format": "uuid", "readOnly": true},
                "email": {"type": "string", "format": "email", "maxLength": 20},
                "password": {"type": "string", "minLength": 8},
                "age": {"type": "integer", "minimum": 0, "maximum": 150, "nullable": true},
                "tags": {"type": "array", "maxItems": 2, "uniqueItems": true,
                         "items": {"$ref": "#/components/schemas/Tag"}},
                "kind": {"type": "string", "enum": ["a", "b"]}
            }
        },
        "Tag": {"type": "string", "pattern": "^[a-z]+$"},
        "Node": {"type": "object", "properties": {"next": {"$ref": "#/components/schemas/Node"}}},
        "Loop": {"$ref": "#/components/schemas/Loop"}
    }}})
}

fn violations(schema: &str, value: Value) -> Vec<(String, &'static str)> {
    let doc = doc();
    let schema = json!({"$ref": format!("#/components/schemas/{schema}")});
    Validator::new(&doc, Direction::Request)
        .validate(&schema, &value)
        .into_iter()
        .map(
            |Violation {
                 pointer, keyword, ..
             }| (pointer, keyword),
        )
        .collect()
}

#[test]
fn a_valid_request_body_has_no_violations() {
    let found = violations(
        "NewUser",
        json!({"email": "ada@example.com", "password": "correct horse", "age": null, "tags": ["x", "y"], "kind": "a"}),
    );
    assert_eq!(found, vec![], "readOnly `id` is not required in a request");
}

#[test]
fn every_failing_field_is_named_by_pointer_and_keyword() {
    let found = violations(
        "NewUser",
        json!({"email": "not-an-email-but-far-too-long", "password": "short", "age": 151,
               "tags": ["ok", "NO", "ok"], "kind": "c", "extra": 1}),
    );
    let expected = [
        ("/email", "maxLength"),
        ("/email", "format"),
        ("/password", "minLength"),
        ("/age", "maximum"),
        ("/tags", "maxItems"),
        ("/tags", "uniqueItems"),
        ("/tags/1", "pattern"),
        ("/kind", "enum"),
        ("/extra", "additionalProperties"),
    ];
    for e in expected {
        assert!(
            found.contains(&(e.0.to_string(), e.1)),
            "missing {e:?} in {found:?}"
        );
    }
    assert_eq!(found.len(), expected.len(), "{found:?}");
}

#[test]
fn missing_required_and_wrong_types_are_reported() {
    let found = violations("NewUser", json!({"email": 5, "age": "old"}));
    assert_eq!(
        found,
        vec![
            ("/password".to_string(), "required"),
            ("/email".to_string(), "type"),
            ("/age".to_string(), "type"),
        ]
    );
    assert_eq!(
        violations("NewUser", json!([])),
        vec![(String::new(), "type")]
    );
}

#[test]
fn responses_require_read_only_fields() {
    let doc = doc();
    let schema = json!({"$ref": "#/components/schemas/NewUser"});
    let found = Validator::new(&doc, Direction::Response)
        .validate(&schema, &json!({"email": "a@b.co", "password": "12345678"}));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].pointer, "/id");
}

#[test]
fn reference_cycles_and_dangling_references_are_violations_not_crashes() {
    assert_eq!(violations("Loop", json!(1)), vec![(String::new(), "$ref")]);
    assert_eq!(
        violations("Missing", json!(1)),
        vec![(String::new(), "$ref")]
    );
    // Recursion through values is fine, however deep the value goes within the limit.
    let mut value = json!({});
    for _ in 0..50 {
        value = json!({"next": value});
    }
    assert_eq!(violations("Node", value), vec![]);
}

#[test]
fn alternatives_and_exclusive_bounds() {
    let doc = json!({});
    let v = Validator::new(&doc, Direction::Request);
    let one_of = json!({"oneOf": [{"type": "integer"}, {"type": "number"}]});
    assert_eq!(v.validate(&one_of, &json!(1)).len(), 1, "1 matches both");
    assert!(v.is_valid(&one_of, &json!(1.5)));
    let any_of = json!({"anyOf": [{"type": "string"}, {"type": "boolean"}]});
    assert!(!v.is_valid(&any_of, &json!(3)));
    let bounded = json!({"type": "number", "minimum": 0, "exclusiveMinimum": true});
    assert!(!v.is_valid(&bounded, &json!(0)));
    assert!(v.is_valid(&bounded, &json!(0.1)));
    let int32 = json!({"type": "integer", "format": "int32"});
    assert!(!v.is_valid(&int32, &json!(3_000_000_000u64)));
    assert!(!v.is_valid(&json!({"type": "integer"}), &json!(1.5)));
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
        prop_oneof![
            Just("type"),
            Just("$ref"),
            Just("pattern"),
            Just("items"),
            Just("format"),
            Just("minimum"),
            Just("required"),
            Just("properties"),
            Just("oneOf"),
            Just("not")
        ]
        .prop_map(|s| Value::String(s.to_string())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("type".to_string()),
                        Just("$ref".to_string()),
                        Just("pattern".to_string()),
                        Just("items".to_string()),
                        Just("properties".to_string()),
                        Just("required".to_string()),
                        Just("allOf".to_string()),
                        Just("enum".to_string()),
                        ".{0,6}".prop_map(|s| s)
                    ],
                    inner
                ),
                0..5
            )
            .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn never_panics_on_any_schema_or_value(root in arbitrary_json(), schema in arbitrary_json(), value in arbitrary_json()) {
        let _ = Validator::new(&root, Direction::Request).validate(&schema, &value);
    }
}

/// A pattern is read as JSON Schema reads it, in ECMA-262's Unicode mode: `\p{L}` is a letter
/// of any script (Spring PetClinic's names), not a literal `p{L}`; a pattern only the legacy
/// mode reads (`\-` outside a class) still compiles.
#[test]
fn unicode_property_escapes_match_as_json_schema_reads_them() {
    let doc = json!({});
    let name = json!({"type": "string", "pattern": "^[\\p{L}]+([ '-][\\p{L}]+){0,2}$"});
    let v = Validator::new(&doc, Direction::Request);
    for ok in ["George", "Jean-Luc", "Zoë", "Łukasz"] {
        assert!(
            v.is_valid(&name, &json!(ok)),
            "{ok}: {:?}",
            v.validate(&name, &json!(ok))
        );
    }
    for bad in ["Geo7", "", "a  b", "p{L}"] {
        assert!(!v.is_valid(&name, &json!(bad)), "{bad}");
    }
    let legacy = json!({"type": "string", "pattern": "^a\\-b$"});
    assert!(
        v.is_valid(&legacy, &json!("a-b")),
        "{:?}",
        v.validate(&legacy, &json!("a-b"))
    );
}

/// A pattern Django writes with Python's anchors (`\A`, `\Z`, `\z`: a slug's `^[-\w]+\z`)
/// anchors as its author meant, not as ECMA-262's legacy mode reads `\z` (the letter `z`).
#[test]
fn python_anchors_anchor() {
    let doc = json!({});
    let v = Validator::new(&doc, Direction::Request);
    for pattern in ["^[-\\w]+\\z", "\\A[-\\w]+\\Z"] {
        let slug = json!({"type": "string", "pattern": pattern});
        assert!(
            v.is_valid(&slug, &json!("accord-slug_1")),
            "{pattern}: {:?}",
            v.validate(&slug, &json!("accord-slug_1"))
        );
        for bad in ["two words", "accord-slug z", ""] {
            assert!(!v.is_valid(&slug, &json!(bad)), "{pattern}: {bad}");
        }
    }
    // In a class, `\z` stays what it was.
    assert_eq!(accord_validate::python_anchors("[\\z]\\z"), "[\\z]$");
}

/// Java's atomic groups and possessive quantifiers (Bean Validation's `@Pattern`, as
/// JHipster's login pattern reaches its spec) are read as the nearest ECMA-262: a login it
/// admits is valid, one it refuses is not; and a pattern no reading compiles holds no value
/// to it (it says nothing of one).
#[test]
fn java_patterns_are_read_and_an_unreadable_one_refuses_nothing() {
    let doc = json!({});
    let v = Validator::new(&doc, Direction::Request);
    let login = json!({"type": "string", "pattern":
        "^(?>[a-zA-Z0-9!$&*+=?^_`{|}~.-]+@[a-zA-Z0-9-]+(?:\\.[a-zA-Z0-9-]+)*)|(?>[_.@A-Za-z0-9-]+)$"});
    for good in ["user", "user@localhost", "a.b@c.d"] {
        assert!(
            v.is_valid(&login, &json!(good)),
            "{good}: {:?}",
            v.validate(&login, &json!(good))
        );
    }
    // JSON Schema searches for a match, where Bean Validation matches the whole: the
    // pattern's `^A|B$` admits `two words`, whose end is a login; these have none.
    for bad in ["", "a b!", "!"] {
        assert!(!v.is_valid(&login, &json!(bad)), "{bad}");
    }
    let possessive = json!({"type": "string", "pattern": "^[a-z]++[0-9]*+x{2}+$"});
    assert!(v.is_valid(&possessive, &json!("ab12xx")));
    assert!(!v.is_valid(&possessive, &json!("AB")));
    // In a class and escaped, `+` and `(?>` stay what they were.
    assert_eq!(
        accord_validate::ecma_pattern("[+]+\\+++(?>a)"),
        "[+]+\\++(?:a)"
    );
    let unreadable = json!({"type": "string", "pattern": "(?<=a"});
    assert!(v.is_valid(&unreadable, &json!("anything")));
}

/// A property required where it is not declared, but in an `allOf` branch, keeps that
/// branch's `readOnly`: a request need not send it, an answer must.
#[test]
fn a_read_only_property_declared_in_an_all_of_branch_is_not_required_in_a_request() {
    let doc = json!({"components": {"schemas": {
        "Fields": {"type": "object", "properties": {"name": {"type": "string"}}},
        "Vet": {
            "allOf": [
                {"$ref": "#/components/schemas/Fields"},
                {"type": "object", "properties": {"id": {"type": "integer", "readOnly": true}}}
            ],
            "required": ["id", "name"]
        }
    }}});
    let vet = json!({"$ref": "#/components/schemas/Vet"});
    let sent = json!({"name": "James"});
    let request = Validator::new(&doc, Direction::Request);
    assert!(
        request.is_valid(&vet, &sent),
        "{:?}",
        request.validate(&vet, &sent)
    );
    assert!(!request.is_valid(&vet, &json!({"id": 1})));
    let response = Validator::new(&doc, Direction::Response);
    assert!(!response.is_valid(&vet, &sent));
}

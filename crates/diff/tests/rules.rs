//! One change per pair, each asserting the rule, its severity and where it is in both
//! documents; direction where it matters; pairs with no change or only additions report
//! nothing breaking.

use accord_diff::{Rule, Severity, diff};
use accord_spec::Spec;
use serde_json::{Value, json};

fn base() -> Value {
    json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "security": [{"bearer": []}],
        "paths": {
            "/items": {
                "get": {
                    "operationId": "list_items",
                    "parameters": [
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 100}},
                        {"name": "sort", "in": "query", "schema": {"type": "string", "enum": ["name", "date"]}}
                    ],
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}}}}}
                },
                "post": {
                    "operationId": "create_item",
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewItem"}}}},
                    "responses": {"201": {"description": "created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}}}
                }
            },
            "/items/{item_id}": {
                "get": {
                    "operationId": "get_item",
                    "parameters": [{"name": "item_id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}],
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}}}
                },
                "delete": {
                    "operationId": "delete_item",
                    "parameters": [{"name": "item_id", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "responses": {"204": {"description": "gone"}}
                }
            }
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}, "key": {"type": "apiKey", "in": "header", "name": "X-API-Key"}},
            "schemas": {
                "Item": {"type": "object", "required": ["id", "name"], "properties": {
                    "id": {"type": "string"}, "name": {"type": "string"},
                    "status": {"type": "string", "enum": ["open", "closed"]},
                    "note": {"type": "string"}}},
                "NewItem": {"type": "object", "required": ["name"], "properties": {
                    "name": {"type": "string", "maxLength": 80},
                    "kind": {"type": "string", "enum": ["a", "b"]},
                    "note": {"type": "string"}}}
            }
        }
    })
}

fn load(v: Value) -> Spec {
    Spec::from_value(v, "inline.json".into()).expect("the fixture loads")
}

/// Applies `edit` to a copy of the base; the findings of base -> edited.
fn change(edit: impl FnOnce(&mut Value)) -> accord_diff::Report {
    let mut new = base();
    edit(&mut new);
    diff(&load(base()), &load(new))
}

fn reverse(edit: impl FnOnce(&mut Value)) -> accord_diff::Report {
    let mut old = base();
    edit(&mut old);
    diff(&load(old), &load(base()))
}

#[track_caller]
fn expect(report: &accord_diff::Report, rule: Rule, new_pointer: Option<&str>, operation: &str) {
    let found = report.findings.iter().find(|f| f.rule == rule);
    let Some(f) = found else {
        panic!("no {} in:\n{}", rule.id(), report.text());
    };
    assert_eq!(f.new.as_deref(), new_pointer, "{}", report.text());
    assert!(
        f.operations.iter().any(|o| o == operation),
        "{}",
        report.text()
    );
}

#[test]
fn no_change_reports_nothing() {
    let report = diff(&load(base()), &load(base()));
    assert!(report.findings.is_empty(), "{}", report.text());
}

#[test]
fn additions_only_break_nothing() {
    let report = change(|d| {
        d["paths"]["/tags"] =
            json!({"get": {"operationId": "tags", "responses": {"200": {"description": "ok"}}}});
        d["paths"]["/items"]["get"]["parameters"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "q", "in": "query", "schema": {"type": "string"}}));
        d["components"]["schemas"]["Item"]["properties"]["extra"] = json!({"type": "string"});
        d["components"]["schemas"]["NewItem"]["properties"]["extra"] = json!({"type": "string"});
        d["paths"]["/items/{item_id}"]["get"]["responses"]["404"] =
            json!({"description": "missing"});
    });
    assert!(!report.has_breaking(), "{}", report.text());
    expect(
        &report,
        Rule::OperationAdded,
        Some("/paths/~1tags/get"),
        "GET /tags",
    );
    expect(
        &report,
        Rule::ParameterAddedOptional,
        Some("/paths/~1items/get/parameters/2"),
        "GET /items",
    );
    expect(
        &report,
        Rule::ResponsePropertyAdded,
        Some("/components/schemas/Item/properties/extra"),
        "GET /items/{item_id}",
    );
    expect(
        &report,
        Rule::ResponseStatusAdded,
        Some("/paths/~1items~1{item_id}/get/responses/404"),
        "GET /items/{item_id}",
    );
}

#[test]
fn renaming_a_path_parameter_is_no_change() {
    let report = change(|d| {
        let item = d["paths"]
            .as_object_mut()
            .unwrap()
            .remove("/items/{item_id}")
            .unwrap();
        let mut text = item.to_string();
        text = text.replace("\"item_id\"", "\"id\"");
        d["paths"]["/items/{id}"] = serde_json::from_str(&text).unwrap();
    });
    assert!(report.findings.is_empty(), "{}", report.text());
}

#[test]
fn operations_and_paths_removed() {
    let report = change(|d| {
        d["paths"]["/items/{item_id}"]
            .as_object_mut()
            .unwrap()
            .remove("delete");
    });
    expect(
        &report,
        Rule::OperationRemoved,
        None,
        "DELETE /items/{item_id}",
    );
    let report = change(|d| {
        d["paths"]
            .as_object_mut()
            .unwrap()
            .remove("/items/{item_id}");
    });
    expect(&report, Rule::PathRemoved, None, "GET /items/{item_id}");
    assert_eq!(
        report.findings[0].old.as_deref(),
        Some("/paths/~1items~1{item_id}")
    );
    assert_eq!(Rule::PathRemoved.severity(), Severity::Breaking);
}

#[test]
fn parameter_changes() {
    let r = change(|d| {
        d["paths"]["/items"]["get"]["parameters"].as_array_mut().unwrap().push(json!({"name": "org", "in": "query", "required": true, "schema": {"type": "string"}}))
    });
    expect(
        &r,
        Rule::ParameterAddedRequired,
        Some("/paths/~1items/get/parameters/2"),
        "GET /items",
    );
    let r = change(|d| d["paths"]["/items"]["get"]["parameters"][0]["required"] = json!(true));
    expect(
        &r,
        Rule::ParameterMadeRequired,
        Some("/paths/~1items/get/parameters/0"),
        "GET /items",
    );
    let r = change(|d| d["paths"]["/items"]["get"]["parameters"][0]["in"] = json!("header"));
    expect(
        &r,
        Rule::ParameterMoved,
        Some("/paths/~1items/get/parameters/0"),
        "GET /items",
    );
    let r = change(|d| {
        d["paths"]["/items"]["get"]["parameters"]
            .as_array_mut()
            .unwrap()
            .remove(1);
    });
    expect(&r, Rule::ParameterRemoved, None, "GET /items");
    assert_eq!(Rule::ParameterRemoved.severity(), Severity::Warning);
    let r = change(|d| {
        d["paths"]["/items"]["get"]["parameters"][0]["schema"]["type"] = json!("string")
    });
    expect(
        &r,
        Rule::ParameterTypeChanged,
        Some("/paths/~1items/get/parameters/0/schema"),
        "GET /items",
    );
    let r = change(|d| {
        d["paths"]["/items"]["get"]["parameters"][1]["schema"]["enum"] = json!(["name"])
    });
    expect(
        &r,
        Rule::ParameterEnumNarrowed,
        Some("/paths/~1items/get/parameters/1/schema/enum"),
        "GET /items",
    );
    let r =
        change(|d| d["paths"]["/items"]["get"]["parameters"][0]["schema"]["maximum"] = json!(50));
    expect(
        &r,
        Rule::ParameterTightened,
        Some("/paths/~1items/get/parameters/0/schema/maximum"),
        "GET /items",
    );
    // Loosening is not breaking.
    let r =
        change(|d| d["paths"]["/items"]["get"]["parameters"][0]["schema"]["maximum"] = json!(500));
    assert!(!r.has_breaking(), "{}", r.text());
    // A path parameter's format, matched by position.
    let r = change(|d| {
        d["paths"]["/items/{item_id}"]["get"]["parameters"][0]["schema"]["format"] = json!("int64")
    });
    expect(
        &r,
        Rule::ParameterTypeChanged,
        Some("/paths/~1items~1{item_id}/get/parameters/0/schema"),
        "GET /items/{item_id}",
    );
}

#[test]
fn request_changes_break_in_the_request_direction() {
    let r = change(|d| d["components"]["schemas"]["NewItem"]["required"] = json!(["name", "kind"]));
    expect(
        &r,
        Rule::RequestPropertyMadeRequired,
        Some("/components/schemas/NewItem/required"),
        "POST /items",
    );
    let r = change(|d| {
        d["components"]["schemas"]["NewItem"]["properties"]["owner"] = json!({"type": "string"});
        d["components"]["schemas"]["NewItem"]["required"] = json!(["name", "owner"]);
    });
    expect(
        &r,
        Rule::RequestPropertyAddedRequired,
        Some("/components/schemas/NewItem/required"),
        "POST /items",
    );
    let r = change(|d| {
        d["components"]["schemas"]["NewItem"]["properties"]["kind"]["enum"] = json!(["a"])
    });
    expect(
        &r,
        Rule::RequestEnumNarrowed,
        Some("/components/schemas/NewItem/properties/kind/enum"),
        "POST /items",
    );
    let r = change(|d| {
        d["components"]["schemas"]["NewItem"]["properties"]["name"]["maxLength"] = json!(40)
    });
    expect(
        &r,
        Rule::RequestTightened,
        Some("/components/schemas/NewItem/properties/name/maxLength"),
        "POST /items",
    );
    // Two tightenings of one schema are two findings, each at its keyword: allowing one
    // lets only that one through.
    let r = change(|d| {
        let name = &mut d["components"]["schemas"]["NewItem"]["properties"]["name"];
        name["maxLength"] = json!(40);
        name["pattern"] = json!("^[a-z]+$");
    });
    let tightened: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.rule == Rule::RequestTightened)
        .filter_map(|f| f.new.clone())
        .collect();
    assert_eq!(
        tightened,
        [
            "/components/schemas/NewItem/properties/name/maxLength",
            "/components/schemas/NewItem/properties/name/pattern"
        ],
        "{}",
        r.text()
    );
    let r =
        change(|d| d["components"]["schemas"]["NewItem"]["additionalProperties"] = json!(false));
    expect(
        &r,
        Rule::RequestAdditionalPropertiesClosed,
        Some("/components/schemas/NewItem/additionalProperties"),
        "POST /items",
    );
    let r = change(|d| {
        d["components"]["schemas"]["NewItem"]["properties"]["note"]["type"] = json!("integer")
    });
    expect(
        &r,
        Rule::RequestTypeChanged,
        Some("/components/schemas/NewItem/properties/note"),
        "POST /items",
    );
    let r = change(|d| {
        d["components"]["schemas"]["NewItem"]["properties"]
            .as_object_mut()
            .unwrap()
            .remove("note");
    });
    expect(
        &r,
        Rule::RequestPropertyRemoved,
        Some("/components/schemas/NewItem"),
        "POST /items",
    );
    // The other way round, a request loosened: nothing breaks.
    let r = reverse(|d| {
        d["components"]["schemas"]["NewItem"]["properties"]["kind"]["enum"] = json!(["a"])
    });
    assert!(!r.has_breaking(), "{}", r.text());
    let r = change(|d| {
        d["paths"]["/items"]["post"]["requestBody"]["required"] = json!(false);
    });
    assert!(!r.has_breaking(), "{}", r.text());
    let r = reverse(|d| d["paths"]["/items"]["post"]["requestBody"]["required"] = json!(false));
    expect(
        &r,
        Rule::RequestBodyMadeRequired,
        Some("/paths/~1items/post/requestBody"),
        "POST /items",
    );
    let r = change(|d| {
        let c = d["paths"]["/items"]["post"]["requestBody"]["content"]
            .as_object_mut()
            .unwrap();
        let v = c.remove("application/json").unwrap();
        c.insert("application/x-www-form-urlencoded".into(), v);
    });
    expect(&r, Rule::RequestMediaTypeRemoved, None, "POST /items");
}

#[test]
fn response_changes_break_in_the_response_direction_and_are_reported_once_per_ref() {
    let r = change(|d| {
        d["components"]["schemas"]["Item"]["properties"]
            .as_object_mut()
            .unwrap()
            .remove("note");
    });
    expect(
        &r,
        Rule::ResponsePropertyRemoved,
        Some("/components/schemas/Item"),
        "GET /items/{item_id}",
    );
    let f = r
        .findings
        .iter()
        .find(|f| f.rule == Rule::ResponsePropertyRemoved)
        .unwrap();
    assert_eq!(
        r.findings
            .iter()
            .filter(|f| f.rule == Rule::ResponsePropertyRemoved)
            .count(),
        1,
        "{}",
        r.text()
    );
    let mut ops = f.operations.clone();
    ops.sort();
    assert_eq!(
        ops,
        ["GET /items", "GET /items/{item_id}", "POST /items"],
        "one finding, every operation"
    );
    let r = change(|d| d["components"]["schemas"]["Item"]["required"] = json!(["id"]));
    expect(
        &r,
        Rule::ResponsePropertyMadeOptional,
        Some("/components/schemas/Item/properties/name"),
        "GET /items/{item_id}",
    );
    let r = change(|d| {
        d["components"]["schemas"]["Item"]["properties"]["note"]["nullable"] = json!(true)
    });
    expect(
        &r,
        Rule::ResponsePropertyMadeNullable,
        Some("/components/schemas/Item/properties/note/nullable"),
        "GET /items/{item_id}",
    );
    let r = change(|d| {
        d["components"]["schemas"]["Item"]["properties"]["status"]["enum"] =
            json!(["open", "closed", "archived"])
    });
    expect(
        &r,
        Rule::ResponseEnumWidened,
        Some("/components/schemas/Item/properties/status/enum"),
        "GET /items/{item_id}",
    );
    let r = change(|d| {
        d["components"]["schemas"]["Item"]["properties"]["id"]["type"] = json!("integer")
    });
    expect(
        &r,
        Rule::ResponseTypeChanged,
        Some("/components/schemas/Item/properties/id"),
        "GET /items/{item_id}",
    );
    // A response narrowed breaks nobody.
    let r = change(|d| {
        d["components"]["schemas"]["Item"]["properties"]["status"]["enum"] = json!(["open"])
    });
    assert!(
        r.findings
            .iter()
            .all(|f| f.rule != Rule::ResponseEnumWidened),
        "{}",
        r.text()
    );
    let r = change(|d| {
        let resp = d["paths"]["/items/{item_id}"]["get"]["responses"]
            .as_object_mut()
            .unwrap();
        let v = resp.remove("200").unwrap();
        resp.insert("203".into(), v);
    });
    expect(
        &r,
        Rule::ResponseStatusRemoved,
        None,
        "GET /items/{item_id}",
    );
    let r = change(|d| {
        let c = d["paths"]["/items/{item_id}"]["get"]["responses"]["200"]["content"]
            .as_object_mut()
            .unwrap();
        let v = c.remove("application/json").unwrap();
        c.insert("application/xml".into(), v);
    });
    expect(
        &r,
        Rule::ResponseMediaTypeRemoved,
        None,
        "GET /items/{item_id}",
    );
}

#[test]
fn security_changes() {
    let r = change(|d| d["security"] = json!([{"key": []}]));
    expect(&r, Rule::SecurityChanged, Some("/security"), "GET /items");
    // An alternative added keeps today's credentials working.
    let r = change(|d| d["security"] = json!([{"bearer": []}, {"key": []}]));
    assert!(!r.has_breaking(), "{}", r.text());
    let r =
        change(|d| d["paths"]["/items"]["get"]["security"] = json!([{"bearer": [], "key": []}]));
    expect(
        &r,
        Rule::SecurityChanged,
        Some("/paths/~1items/get/security"),
        "GET /items",
    );
}

#[test]
fn a_31_document_compares_with_its_30_form() {
    let mut v31 = base();
    v31["openapi"] = json!("3.1.0");
    v31["components"]["schemas"]["Item"]["properties"]["note"] =
        json!({"type": ["string", "null"]});
    let r = diff(&load(base()), &load(v31));
    expect(
        &r,
        Rule::ResponsePropertyMadeNullable,
        Some("/components/schemas/Item/properties/note/nullable"),
        "GET /items/{item_id}",
    );
}

#[test]
fn what_the_first_gate_let_through_now_breaks() {
    // An enum introduced on a request field and on a parameter.
    let r = change(|d| {
        d["components"]["schemas"]["NewItem"]["properties"]["note"]["enum"] = json!(["x", "y"]);
        d["paths"]["/items"]["get"]["parameters"][0]["schema"]["enum"] = json!([10, 20]);
    });
    expect(
        &r,
        Rule::RequestEnumAdded,
        Some("/components/schemas/NewItem/properties/note/enum"),
        "POST /items",
    );
    expect(
        &r,
        Rule::ParameterEnumAdded,
        Some("/paths/~1items/get/parameters/0/schema/enum"),
        "GET /items",
    );
    // A default changed: clients that omit the field get another behaviour.
    let r = reverse(|d| {
        d["components"]["schemas"]["NewItem"]["properties"]["kind"]["default"] = json!("a");
        d["paths"]["/items"]["get"]["parameters"][0]["schema"]["default"] = json!(20);
    });
    let mut new = base();
    new["components"]["schemas"]["NewItem"]["properties"]["kind"]["default"] = json!("b");
    new["paths"]["/items"]["get"]["parameters"][0]["schema"]["default"] = json!(50);
    let mut old = base();
    old["components"]["schemas"]["NewItem"]["properties"]["kind"]["default"] = json!("a");
    old["paths"]["/items"]["get"]["parameters"][0]["schema"]["default"] = json!(20);
    let changed = diff(&load(old), &load(new));
    expect(
        &changed,
        Rule::RequestDefaultChanged,
        Some("/components/schemas/NewItem/properties/kind/default"),
        "POST /items",
    );
    expect(
        &changed,
        Rule::ParameterDefaultChanged,
        Some("/paths/~1items/get/parameters/0/schema/default"),
        "GET /items",
    );
    // (A default removed is a change too.)
    assert!(
        r.findings
            .iter()
            .any(|f| f.rule == Rule::RequestDefaultChanged),
        "{}",
        r.text()
    );
    // A request body removed.
    let r = change(|d| {
        d["paths"]["/items"]["post"]
            .as_object_mut()
            .unwrap()
            .remove("requestBody");
    });
    expect(&r, Rule::RequestBodyRemoved, None, "POST /items");
    // A nullable request field made non-nullable.
    let r = reverse(|d| {
        d["components"]["schemas"]["NewItem"]["properties"]["note"]["nullable"] = json!(true);
    });
    expect(
        &r,
        Rule::RequestNullableRemoved,
        Some("/components/schemas/NewItem/properties/note"),
        "POST /items",
    );
    // `integer` widened to `number` in an answer (a request may widen).
    let mut old = base();
    old["components"]["schemas"]["Item"]["properties"]["count"] = json!({"type": "integer"});
    old["components"]["schemas"]["NewItem"]["properties"]["count"] = json!({"type": "integer"});
    let mut new = base();
    new["components"]["schemas"]["Item"]["properties"]["count"] = json!({"type": "number"});
    new["components"]["schemas"]["NewItem"]["properties"]["count"] = json!({"type": "number"});
    let widened = diff(&load(old), &load(new));
    expect(
        &widened,
        Rule::ResponseTypeChanged,
        Some("/components/schemas/Item/properties/count"),
        "GET /items/{item_id}",
    );
    assert!(
        !widened
            .findings
            .iter()
            .any(|f| f.rule == Rule::RequestTypeChanged),
        "{}",
        widened.text()
    );
    // A change inside a parameter's items.
    let mut old = base();
    old["paths"]["/items"]["get"]["parameters"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "ids", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}}));
    let mut new = base();
    new["paths"]["/items"]["get"]["parameters"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "ids", "in": "query", "schema": {"type": "array", "items": {"type": "string", "maxLength": 3}}}));
    let inner = diff(&load(old), &load(new));
    expect(
        &inner,
        Rule::RequestTightened,
        Some("/paths/~1items/get/parameters/2/schema/items/maxLength"),
        "GET /items",
    );
    // An allOf member added with a new required property.
    let mut old = base();
    old["components"]["schemas"]["Wrapped"] =
        json!({"allOf": [{"$ref": "#/components/schemas/NewItem"}]});
    old["paths"]["/items"]["post"]["requestBody"]["content"]["application/json"]["schema"] =
        json!({"$ref": "#/components/schemas/Wrapped"});
    let mut new = old.clone();
    new["components"]["schemas"]["Wrapped"]["allOf"]
        .as_array_mut()
        .unwrap()
        .push(json!({"type": "object", "required": ["owner"], "properties": {"owner": {"type": "string"}}}));
    let r = diff(&load(old), &load(new));
    expect(
        &r,
        Rule::RequestPropertyAddedRequired,
        Some("/components/schemas/Wrapped/allOf/1/required"),
        "POST /items",
    );
    // An `x-extensible-enum` value removed from a request field.
    let mut old = base();
    old["components"]["schemas"]["NewItem"]["properties"]["note"]["x-extensible-enum"] =
        json!(["a", "b"]);
    let mut new = base();
    new["components"]["schemas"]["NewItem"]["properties"]["note"]["x-extensible-enum"] =
        json!(["a"]);
    let r = diff(&load(old), &load(new));
    expect(
        &r,
        Rule::RequestEnumNarrowed,
        Some("/components/schemas/NewItem/properties/note/enum"),
        "POST /items",
    );
    // A newly required OAuth scope.
    let oauth = |scopes: Value| {
        let mut d = base();
        d["components"]["securitySchemes"]["oauth"] = json!({"type": "oauth2", "flows": {
            "clientCredentials": {"tokenUrl": "https://auth.example.com/token", "scopes": {"items:read": "", "items:write": ""}}}});
        d["paths"]["/items"]["get"]["security"] = json!([{"oauth": scopes}]);
        d
    };
    let r = diff(
        &load(oauth(json!(["items:read"]))),
        &load(oauth(json!(["items:read", "items:write"]))),
    );
    expect(
        &r,
        Rule::SecurityScopeAdded,
        Some("/paths/~1items/get/security"),
        "GET /items",
    );
    assert!(r.has_breaking(), "{}", r.text());
}

#[test]
fn what_the_first_gate_called_a_break_is_none() {
    // A readOnly property made required in a shared schema: clients do not send it.
    let mut old = base();
    old["components"]["schemas"]["NewItem"]["properties"]["id"] =
        json!({"type": "string", "readOnly": true});
    let mut new = old.clone();
    new["components"]["schemas"]["NewItem"]["required"] = json!(["name", "id"]);
    let r = diff(&load(old), &load(new));
    assert!(!r.has_breaking(), "{}", r.text());
    // A writeOnly property removed from an answer.
    let mut old = base();
    old["components"]["schemas"]["Item"]["properties"]["password"] =
        json!({"type": "string", "writeOnly": true});
    let r = diff(&load(old), &load(base()));
    assert!(!r.has_breaking(), "{}", r.text());
    // A pattern widened to anything.
    let mut old = base();
    old["components"]["schemas"]["NewItem"]["properties"]["note"]["pattern"] = json!("^[a-z]+$");
    let mut new = base();
    new["components"]["schemas"]["NewItem"]["properties"]["note"]["pattern"] = json!(".*");
    let r = diff(&load(old), &load(new));
    assert!(!r.has_breaking(), "{}", r.text());
    // A removal after the operation's announced sunset; a deprecation is in the changelog.
    let mut old = base();
    old["paths"]["/items/{item_id}"]["delete"]["deprecated"] = json!(true);
    old["paths"]["/items/{item_id}"]["delete"]["x-sunset"] = json!("2020-01-31");
    let mut new = base();
    new["paths"]["/items/{item_id}"]
        .as_object_mut()
        .unwrap()
        .remove("delete");
    let r = diff(&load(old), &load(new));
    assert!(!r.has_breaking(), "{}", r.text());
    expect(
        &r,
        Rule::OperationRemovedAfterSunset,
        None,
        "DELETE /items/{item_id}",
    );
    let mut later = base();
    later["paths"]["/items/{item_id}"]["delete"]["deprecated"] = json!(true);
    later["paths"]["/items/{item_id}"]["delete"]["x-sunset"] = json!("2999-01-31");
    let r = diff(&load(base()), &load(later.clone()));
    expect(
        &r,
        Rule::OperationDeprecated,
        Some("/paths/~1items~1{item_id}/delete/deprecated"),
        "DELETE /items/{item_id}",
    );
    assert!(
        r.text().contains("to be removed on 2999-01-31"),
        "{}",
        r.text()
    );
    // Removing it before its sunset still breaks.
    let mut gone = base();
    gone["paths"]["/items/{item_id}"]
        .as_object_mut()
        .unwrap()
        .remove("delete");
    let r = diff(&load(later), &load(gone));
    expect(&r, Rule::OperationRemoved, None, "DELETE /items/{item_id}");
    // Security removed: in the changelog, not a break.
    let r = change(|d| {
        d["paths"]["/items"]["get"]["security"] = json!([]);
    });
    assert!(!r.has_breaking(), "{}", r.text());
    expect(
        &r,
        Rule::SecurityRemoved,
        Some("/paths/~1items/get/security"),
        "GET /items",
    );
}

#[test]
fn every_rule_has_a_test_pair_or_is_informational() {
    // The rules asserted above, by id; a new rule without a pair fails here.
    let covered = [
        "path.removed",
        "operation.removed",
        "operation.added",
        "parameter.removed",
        "parameter.added_required",
        "parameter.added_optional",
        "parameter.moved",
        "parameter.made_required",
        "parameter.type_changed",
        "parameter.enum_narrowed",
        "parameter.tightened",
        "request_body.made_required",
        "request_body.media_type_removed",
        "request.property_added_required",
        "request.property_made_required",
        "request.property_removed",
        "request.type_changed",
        "request.enum_narrowed",
        "request.tightened",
        "request.additional_properties_closed",
        "response.status_removed",
        "response.status_added",
        "response.media_type_removed",
        "response.header_removed",
        "request.alternative_removed",
        "response.alternative_added",
        "response.header_made_optional",
        "response.header_added",
        "response.property_removed",
        "response.property_made_optional",
        "response.property_made_nullable",
        "response.type_changed",
        "response.enum_widened",
        "response.property_added",
        "security.changed",
        "operation.deprecated",
        "operation.removed_after_sunset",
        "parameter.enum_added",
        "parameter.default_changed",
        "request_body.removed",
        "request.enum_added",
        "request.default_changed",
        "request.nullable_removed",
        "security.scope_added",
        "security.removed",
        "request.constraint_added",
        "request.wrapped_in_one_of",
        "request.nothing_accepted",
        "response.constraint_loosened",
        "webhook.removed",
        "type.compatible",
        "discriminator.property_changed",
        "request.discriminator_value_removed",
        "response.discriminator_value_added",
        "operation.stability_decreased",
    ];
    for rule in Rule::ALL {
        assert!(
            covered.contains(&rule.id()),
            "{} has no fixture pair",
            rule.id()
        );
    }
}

/// `Location` on the create answer, required, as an exposed header a frontend reads.
fn with_location(d: &mut Value, required: bool) {
    d["paths"]["/items"]["post"]["responses"]["201"]["headers"] =
        json!({"Location": {"required": required, "schema": {"type": "string"}}});
}

#[test]
fn response_headers_removed_or_made_optional_break_and_added_ones_do_not() {
    let removed = reverse(|d| with_location(d, true));
    assert!(removed.has_breaking(), "{}", removed.text());
    let f = removed
        .findings
        .iter()
        .find(|f| f.rule == Rule::ResponseHeaderRemoved)
        .unwrap_or_else(|| panic!("{}", removed.text()));
    assert_eq!(f.rule.severity(), Severity::Breaking);
    assert_eq!(
        f.old.as_deref(),
        Some("/paths/~1items/post/responses/201/headers/Location")
    );
    assert!(f.operations.iter().any(|o| o == "POST /items"));

    let mut old = base();
    with_location(&mut old, true);
    let mut new = base();
    with_location(&mut new, false);
    let optional = diff(&load(old), &load(new.clone()));
    expect(
        &optional,
        Rule::ResponseHeaderMadeOptional,
        Some("/paths/~1items/post/responses/201/headers/Location"),
        "POST /items",
    );
    // The other direction (optional to required) breaks nothing.
    let mut required = base();
    with_location(&mut required, true);
    let tightened = diff(&load(new), &load(required));
    assert!(!tightened.has_breaking(), "{}", tightened.text());

    let added = change(|d| with_location(d, true));
    assert!(!added.has_breaking(), "{}", added.text());
    expect(
        &added,
        Rule::ResponseHeaderAdded,
        Some("/paths/~1items/post/responses/201/headers/Location"),
        "POST /items",
    );
    // Names compare case-insensitively: `location` is the same header.
    let mut lower = base();
    lower["paths"]["/items"]["post"]["responses"]["201"]["headers"] =
        json!({"location": {"required": true, "schema": {"type": "string"}}});
    let mut upper = base();
    with_location(&mut upper, true);
    let renamed = diff(&load(upper), &load(lower));
    assert!(renamed.findings.is_empty(), "{}", renamed.text());
}

/// `Pet` as a oneOf of `Cat` and `Dog` in the request and the answer of `POST /pets`.
fn with_pets(d: &mut Value, alternatives: &[&str]) {
    let one_of: Vec<Value> = alternatives
        .iter()
        .map(|a| json!({"$ref": format!("#/components/schemas/{a}")}))
        .collect();
    for (name, kind) in [("Cat", "cat"), ("Dog", "dog"), ("Bird", "bird")] {
        d["components"]["schemas"][name] = json!({"type": "object", "required": ["kind"],
            "properties": {"kind": {"type": "string", "enum": [kind]}}});
    }
    d["components"]["schemas"]["Pet"] = json!({"oneOf": one_of});
    d["paths"]["/pets"] = json!({"post": {"operationId": "create_pet",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}},
        "responses": {"201": {"description": "created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}}}}});
}

#[test]
fn alternatives_removed_from_requests_or_added_to_answers_break() {
    let pets = |alternatives: &[&str]| {
        let mut d = base();
        with_pets(&mut d, alternatives);
        d
    };
    // Dog no longer accepted: clients sending a dog are refused.
    let narrowed = diff(&load(pets(&["Cat", "Dog"])), &load(pets(&["Cat"])));
    let f = narrowed
        .findings
        .iter()
        .find(|f| f.rule == Rule::RequestAlternativeRemoved)
        .unwrap_or_else(|| panic!("{}", narrowed.text()));
    assert_eq!(f.old.as_deref(), Some("/components/schemas/Pet/oneOf/1"));
    assert!(f.message.contains("`Dog`"), "{}", f.message);
    assert!(f.operations.iter().any(|o| o == "POST /pets"));
    // A bird may now come back: clients handling cats and dogs meet a new shape.
    let widened = diff(
        &load(pets(&["Cat", "Dog"])),
        &load(pets(&["Bird", "Cat", "Dog"])),
    );
    expect(
        &widened,
        Rule::ResponseAlternativeAdded,
        Some("/components/schemas/Pet/oneOf/0"),
        "POST /pets",
    );
    assert!(
        !widened
            .findings
            .iter()
            .any(|f| f.rule == Rule::RequestAlternativeRemoved),
        "{}",
        widened.text()
    );
    // Reordered alternatives are matched by reference: no change.
    let reordered = diff(&load(pets(&["Cat", "Dog"])), &load(pets(&["Dog", "Cat"])));
    assert!(reordered.findings.is_empty(), "{}", reordered.text());
    // A change inside a matched alternative is still found at its new position.
    let mut changed = pets(&["Dog", "Cat"]);
    changed["components"]["schemas"]["Cat"]["properties"]["kind"] = json!({"type": "integer"});
    let inner = diff(&load(pets(&["Cat", "Dog"])), &load(changed));
    assert!(
        inner
            .findings
            .iter()
            .any(|f| f.rule == Rule::RequestTypeChanged),
        "{}",
        inner.text()
    );
}

/// The base as a 3.1 document, its JSON Schema keywords 3.0 has no word for kept aside.
fn base31(edit: impl FnOnce(&mut Value)) -> Spec {
    let mut d = base();
    d["openapi"] = json!("3.1.0");
    edit(&mut d);
    load(d)
}

#[test]
fn json_schema_constraints_3_0_cannot_say_break_by_direction() {
    let tags = |d: &mut Value, schema: &str, keyword: &str, value: Value| {
        d["components"]["schemas"][schema]["properties"]["tags"] =
            json!({"type": "array", "items": {"type": "string"}});
        d["components"]["schemas"][schema]["properties"]["tags"][keyword] = value;
    };
    let plain = |d: &mut Value| {
        d["components"]["schemas"]["NewItem"]["properties"]["tags"] =
            json!({"type": "array", "items": {"type": "string"}});
        d["components"]["schemas"]["Item"]["properties"]["tags"] =
            json!({"type": "array", "items": {"type": "string"}});
    };
    // Added to a request: breaking; added to an answer: nothing a client must handle.
    let old = base31(plain);
    let new = base31(|d| {
        plain(d);
        tags(d, "NewItem", "contains", json!({"const": "x"}));
        tags(d, "Item", "contains", json!({"const": "x"}));
    });
    let report = diff(&old, &new);
    expect(
        &report,
        Rule::RequestConstraintAdded,
        Some("/components/schemas/NewItem/properties/tags/x-jsonschema/contains"),
        "POST /items",
    );
    assert!(
        !report
            .findings
            .iter()
            .any(|f| f.rule == Rule::ResponseConstraintLoosened),
        "{}",
        report.text()
    );
    // Removed from an answer: clients may meet what it excluded.
    let report = diff(&new, &old);
    expect(
        &report,
        Rule::ResponseConstraintLoosened,
        Some("/components/schemas/Item/properties/tags"),
        "GET /items/{item_id}",
    );
    assert!(
        !report
            .findings
            .iter()
            .any(|f| f.rule == Rule::RequestConstraintAdded),
        "{}",
        report.text()
    );
    // A changed dependentRequired in a request.
    let before = base31(|d| {
        d["components"]["schemas"]["NewItem"]["dependentRequired"] = json!({"note": ["kind"]});
    });
    let after = base31(|d| {
        d["components"]["schemas"]["NewItem"]["dependentRequired"] =
            json!({"note": ["kind", "name"]});
    });
    expect(
        &diff(&before, &after),
        Rule::RequestConstraintAdded,
        Some("/components/schemas/NewItem/x-jsonschema/dependentRequired"),
        "POST /items",
    );
}

#[test]
fn a_request_schema_become_false_or_wrapped_in_one_of_breaks() {
    let report = change(|d| {
        d["components"]["schemas"]["NewItem"]["properties"]["note"] = json!({"not": {}});
    });
    expect(
        &report,
        Rule::RequestNothingAccepted,
        Some("/components/schemas/NewItem/properties/note"),
        "POST /items",
    );
    // The 3.1 boolean schema `false` in a parameter loads, and breaks the same way.
    let old = base31(|_| {});
    let new = base31(|d| {
        d["paths"]["/items"]["get"]["parameters"][0]["schema"] = json!(false);
    });
    assert!(
        diff(&old, &new).has_breaking(),
        "{}",
        diff(&old, &new).text()
    );
    let report = change(|d| {
        let item = d["components"]["schemas"]["NewItem"].clone();
        let mut other = item.clone();
        other["required"] = json!(["note"]);
        d["components"]["schemas"]["NewItem"] = json!({"oneOf": [item, other]});
    });
    expect(
        &report,
        Rule::RequestWrappedInOneOf,
        Some("/components/schemas/NewItem/oneOf"),
        "POST /items",
    );
}

#[test]
fn an_answer_enum_removed_entirely_widens_it() {
    let report = change(|d| {
        d["components"]["schemas"]["Item"]["properties"]["status"] = json!({"type": "string"});
    });
    expect(
        &report,
        Rule::ResponseEnumWidened,
        Some("/components/schemas/Item/properties/status"),
        "GET /items/{item_id}",
    );
}

#[test]
fn a_webhook_removed_breaks_its_subscribers_and_its_payload_is_read_as_an_answer() {
    let hook = |d: &mut Value, name: &str, required: bool| {
        let mut schema = json!({"type": "object", "properties": {"id": {"type": "string"}}});
        if required {
            schema["required"] = json!(["id"]);
        }
        d["webhooks"] = json!({name: {"post": {
            "requestBody": {"content": {"application/json": {"schema": schema}}},
            "responses": {"200": {"description": "ok"}}
        }}});
    };
    let old = base31(|d| hook(d, "orderDeleted", true));
    let renamed = base31(|d| hook(d, "orderUpdated", true));
    expect(
        &diff(&old, &renamed),
        Rule::WebhookRemoved,
        None,
        "webhook orderDeleted (POST)",
    );
    // The payload's `id` no longer always there: subscribers reading it may find nothing.
    let optional = base31(|d| hook(d, "orderDeleted", false));
    expect(
        &diff(&old, &optional),
        Rule::ResponsePropertyMadeOptional,
        Some(
            "/x-webhooks/orderDeleted/post/requestBody/content/application~1json/schema/properties/id",
        ),
        "webhook orderDeleted (POST)",
    );
    // Made required is what subscribers can only gain from.
    assert!(
        !diff(&optional, &old).has_breaking(),
        "{}",
        diff(&optional, &old).text()
    );
}

#[test]
fn a_scalar_query_parameter_made_a_list_takes_what_it_took() {
    let tag = |d: &mut Value, schema: Value| {
        d["paths"]["/items"]["get"]["parameters"][1] =
            json!({"name": "sort", "in": "query", "schema": schema});
    };
    let list = |d: &mut Value| {
        tag(
            d,
            json!({"type": "array", "items": {"type": "string", "enum": ["name", "date"]}}),
        )
    };
    let r = change(list);
    assert!(!r.has_breaking(), "{}", r.text());
    expect(
        &r,
        Rule::TypeCompatible,
        Some("/paths/~1items/get/parameters/1/schema"),
        "GET /items",
    );
    // The list's items are compared with the old value: a value dropped from the enum breaks.
    let r = change(|d| {
        tag(
            d,
            json!({"type": "array", "items": {"type": "string", "enum": ["name"]}}),
        )
    });
    expect(
        &r,
        Rule::ParameterEnumNarrowed,
        Some("/paths/~1items/get/parameters/1/schema/items/enum"),
        "GET /items",
    );
    // Not exploded (`?sort=name,date`), or in a header, a list is another type of value.
    let r = change(|d| {
        list(d);
        d["paths"]["/items"]["get"]["parameters"][1]["explode"] = json!(false);
    });
    expect(
        &r,
        Rule::ParameterTypeChanged,
        Some("/paths/~1items/get/parameters/1/schema"),
        "GET /items",
    );
    // Back from a list to one value refuses the calls that sent two.
    let r = reverse(list);
    expect(
        &r,
        Rule::ParameterTypeChanged,
        Some("/paths/~1items/get/parameters/1/schema"),
        "GET /items",
    );
}

#[test]
fn a_body_that_is_not_json_is_text_a_plain_string_takes() {
    let xml = |d: &mut Value, media: &str, request: Value, answer: Value| {
        d["paths"]["/items"]["post"]["requestBody"]["content"] =
            json!({media: {"schema": request}});
        d["paths"]["/items"]["post"]["responses"]["201"]["content"] =
            json!({media: {"schema": answer}});
    };
    let object = json!({"type": "object"});
    let text = json!({"type": "string"});
    let old = |d: &mut Value| xml(d, "application/xml", object.clone(), text.clone());
    let mut a = base();
    old(&mut a);
    let mut b = base();
    xml(&mut b, "application/xml", text.clone(), object.clone());
    let r = diff(&load(a.clone()), &load(b.clone()));
    assert!(!r.has_breaking(), "{}", r.text());
    for at in [
        "/paths/~1items/post/requestBody/content/application~1xml/schema",
        "/paths/~1items/post/responses/201/content/application~1xml/schema",
    ] {
        assert!(
            r.findings
                .iter()
                .any(|f| f.rule == Rule::TypeCompatible && f.new.as_deref() == Some(at)),
            "{at}: {}",
            r.text()
        );
    }
    // The other way, both break: a string is sent where an object is asked for, and an
    // answer read as an object is now any text.
    let r = diff(&load(b), &load(a));
    expect(
        &r,
        Rule::RequestTypeChanged,
        Some("/paths/~1items/post/requestBody/content/application~1xml/schema"),
        "POST /items",
    );
    expect(
        &r,
        Rule::ResponseTypeChanged,
        Some("/paths/~1items/post/responses/201/content/application~1xml/schema"),
        "POST /items",
    );
    // In JSON, a string and an object are different values.
    let mut a = base();
    xml(&mut a, "application/json", object.clone(), text.clone());
    let mut b = base();
    xml(&mut b, "application/json", text, object);
    let r = diff(&load(a), &load(b));
    expect(
        &r,
        Rule::RequestTypeChanged,
        Some("/paths/~1items/post/requestBody/content/application~1json/schema"),
        "POST /items",
    );
}

#[test]
fn null_in_a_request_is_judged_for_the_whole_one_of() {
    let kind = |d: &mut Value, first: Value, second: Value| {
        d["components"]["schemas"]["NewItem"]["properties"]["kind"] =
            json!({"oneOf": [first, second]});
    };
    // A 3.0 alternative with no `type` takes null too: before, null matched both and was
    // refused; with the first no longer nullable, null matches one and is taken.
    let untyped = json!({"properties": {"street": {"type": "string"}}});
    let mut old = base();
    kind(
        &mut old,
        json!({"type": "string", "nullable": true}),
        untyped.clone(),
    );
    let mut new = base();
    kind(&mut new, json!({"type": "string"}), untyped);
    let r = diff(&load(old), &load(new));
    assert!(!r.has_breaking(), "{}", r.text());
    // With typed alternatives, null was taken by the first alone, and now by none.
    let mut old = base();
    kind(
        &mut old,
        json!({"type": "string", "nullable": true}),
        json!({"type": "integer"}),
    );
    let mut new = base();
    kind(
        &mut new,
        json!({"type": "string"}),
        json!({"type": "integer"}),
    );
    let r = diff(&load(old), &load(new));
    expect(
        &r,
        Rule::RequestNullableRemoved,
        Some("/components/schemas/NewItem/properties/kind/oneOf"),
        "POST /items",
    );
}

#[test]
fn a_schema_pair_met_from_many_operations_and_cycles_credits_each_operation() {
    // Item -> Owner -> Item: a cycle through a shared schema, reached from three operations.
    let shape = |d: &mut Value| {
        d["components"]["schemas"]["Owner"] = json!({"type": "object", "required": ["name"],
            "properties": {"name": {"type": "string"}, "items": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}}});
        d["components"]["schemas"]["Item"]["properties"]["owner"] =
            json!({"$ref": "#/components/schemas/Owner"});
        d["components"]["schemas"]["Item"]["properties"]["parent"] =
            json!({"$ref": "#/components/schemas/Item"});
    };
    let mut old = base();
    shape(&mut old);
    let mut new = old.clone();
    new["components"]["schemas"]["Owner"]["properties"]
        .as_object_mut()
        .unwrap()
        .remove("name");
    new["components"]["schemas"]["Owner"]["required"] = json!([]);
    new["components"]["schemas"]["Item"]["properties"]["status"]["enum"] =
        json!(["open", "closed", "archived"]);
    let r = diff(&load(old), &load(new));
    for (rule, at) in [
        (
            Rule::ResponsePropertyRemoved,
            "/components/schemas/Owner/properties/name",
        ),
        (
            Rule::ResponseEnumWidened,
            "/components/schemas/Item/properties/status/enum",
        ),
    ] {
        let found: Vec<_> = r
            .findings
            .iter()
            .filter(|f| f.rule == rule && f.old.as_deref().is_some_and(|p| p.starts_with(at)))
            .collect();
        assert_eq!(found.len(), 1, "{}", r.text());
        let mut ops = found[0].operations.clone();
        ops.sort();
        assert_eq!(
            ops,
            ["GET /items", "GET /items/{item_id}", "POST /items"],
            "{rule:?}: {}",
            r.text()
        );
    }
}

#[test]
fn an_all_of_is_judged_whole_and_limits_bind_only_their_type() {
    // Two members both require `id`; one drops it: the whole still requires it.
    let members = |d: &mut Value, first_requires: bool| {
        d["components"]["schemas"]["A"] =
            json!({"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}});
        d["components"]["schemas"]["B"] =
            json!({"type": "object", "properties": {"id": {"type": "string"}}});
        if first_requires {
            d["components"]["schemas"]["B"]["required"] = json!(["id"]);
        }
        d["paths"]["/items/{item_id}"]["get"]["responses"]["200"]["content"]["application/json"]
            ["schema"] = json!({"allOf": [{"$ref": "#/components/schemas/A"}, {"$ref": "#/components/schemas/B"}]});
        d["paths"]["/items"]["post"]["requestBody"]["content"]["application/json"]["schema"] = json!({"allOf": [{"$ref": "#/components/schemas/A"}, {"$ref": "#/components/schemas/B"}]});
    };
    let mut old = base();
    members(&mut old, true);
    let mut new = base();
    members(&mut new, false);
    let r = diff(&load(old.clone()), &load(new.clone()));
    assert!(!r.has_breaking(), "{}", r.text());
    // And the other way, B newly requiring what A already required asks nothing new.
    let r = diff(&load(new), &load(old.clone()));
    assert!(!r.has_breaking(), "{}", r.text());
    // Dropped from the only member requiring it, it is optional in the answer.
    let mut alone = old.clone();
    alone["components"]["schemas"]["A"]["required"] = json!([]);
    alone["components"]["schemas"]["B"]["required"] = json!([]);
    let r = diff(&load(old), &load(alone));
    expect(
        &r,
        Rule::ResponsePropertyMadeOptional,
        Some("/components/schemas/A/properties/id"),
        "GET /items/{item_id}",
    );
    // `maxLength` beside an allOf of objects limits no value: tightening it breaks nothing.
    let wrapped = |d: &mut Value, limit: u64| {
        d["components"]["schemas"]["NewItem"]["properties"]["meta"] = json!({
            "maxLength": limit, "allOf": [{"type": "object", "properties": {"keep": {"type": "string"}}}]
        });
    };
    let mut old = base();
    wrapped(&mut old, 10);
    let mut new = base();
    wrapped(&mut new, 5);
    let r = diff(&load(old), &load(new));
    assert!(!r.has_breaking(), "{}", r.text());
    // On a string it does.
    let r = change(|d| {
        d["components"]["schemas"]["NewItem"]["properties"]["name"]["maxLength"] = json!(20)
    });
    expect(
        &r,
        Rule::RequestTightened,
        Some("/components/schemas/NewItem/properties/name/maxLength"),
        "POST /items",
    );
}

#[test]
fn a_discriminator_keeps_its_property_and_the_values_each_side_relies_on() {
    let pets = |d: &mut Value, property: &str, mapping: Value| {
        d["components"]["schemas"]["Dog"] = json!({"type": "object", "properties": {"kind": {"type": "string"}, "barks": {"type": "boolean"}}});
        d["components"]["schemas"]["Cat"] = json!({"type": "object", "properties": {"kind": {"type": "string"}, "purrs": {"type": "boolean"}}});
        d["components"]["schemas"]["Pet"] = json!({
            "oneOf": [{"$ref": "#/components/schemas/Dog"}, {"$ref": "#/components/schemas/Cat"}],
            "discriminator": {"propertyName": property, "mapping": mapping}
        });
        d["paths"]["/items"]["post"]["requestBody"]["content"]["application/json"]["schema"] =
            json!({"$ref": "#/components/schemas/Pet"});
        d["paths"]["/items/{item_id}"]["get"]["responses"]["200"]["content"]["application/json"]
            ["schema"] = json!({"$ref": "#/components/schemas/Pet"});
    };
    let both = json!({"dog": "#/components/schemas/Dog", "cat": "#/components/schemas/Cat"});
    let mut old = base();
    pets(&mut old, "kind", both.clone());
    // `dog` renamed `hound`: clients sending `dog` are refused; answers may say `hound`.
    let mut renamed = base();
    pets(
        &mut renamed,
        "kind",
        json!({"hound": "#/components/schemas/Dog", "cat": "#/components/schemas/Cat"}),
    );
    let r = diff(&load(old.clone()), &load(renamed));
    let f = r
        .findings
        .iter()
        .find(|f| f.rule == Rule::RequestDiscriminatorValueRemoved)
        .unwrap_or_else(|| panic!("{}", r.text()));
    assert_eq!(
        f.old.as_deref(),
        Some("/components/schemas/Pet/discriminator/mapping/dog")
    );
    assert!(
        f.operations.iter().any(|o| o == "POST /items"),
        "{}",
        r.text()
    );
    expect(
        &r,
        Rule::ResponseDiscriminatorValueAdded,
        Some("/components/schemas/Pet/discriminator/mapping/hound"),
        "GET /items/{item_id}",
    );
    // Without a mapping, the values are the schemas' names: a mapping naming them the
    // same changes nothing.
    let mut implicit = base();
    pets(&mut implicit, "kind", json!({}));
    let mut named = base();
    pets(
        &mut named,
        "kind",
        json!({"Dog": "#/components/schemas/Dog", "Cat": "#/components/schemas/Cat"}),
    );
    let r = diff(&load(implicit), &load(named));
    assert!(!r.has_breaking(), "{}", r.text());
    // Another property altogether.
    let mut moved = base();
    pets(&mut moved, "type", both);
    let r = diff(&load(old), &load(moved));
    expect(
        &r,
        Rule::DiscriminatorPropertyChanged,
        Some("/components/schemas/Pet/discriminator/propertyName"),
        "POST /items",
    );
}

#[test]
fn a_schema_refactored_into_an_all_of_is_compared_as_the_whole_it_makes() {
    let split = |d: &mut Value, base_name: Value| {
        d["components"]["schemas"]["Named"] = json!({"type": "object", "required": ["id", "name"],
            "properties": {"id": {"type": "string"}, "name": base_name}});
        d["components"]["schemas"]["Item"] = json!({"allOf": [
            {"$ref": "#/components/schemas/Named"},
            {"type": "object", "properties": {
                "status": {"type": "string", "enum": ["open", "closed"]},
                "note": {"type": "string"}}}
        ]});
    };
    // The same properties, required the same: nothing changed for any client.
    let r = change(|d| split(d, json!({"type": "string"})));
    assert!(!r.has_breaking(), "{}", r.text());
    assert!(
        !r.findings
            .iter()
            .any(|f| f.rule == Rule::ResponsePropertyRemoved),
        "{}",
        r.text()
    );
    // A change inside the new base is found where it is written.
    let r = change(|d| split(d, json!({"type": "integer"})));
    expect(
        &r,
        Rule::ResponseTypeChanged,
        Some("/components/schemas/Named/properties/name"),
        "GET /items/{item_id}",
    );
    // And the other way (the allOf written out) too.
    let r = reverse(|d| split(d, json!({"type": "string"})));
    assert!(!r.has_breaking(), "{}", r.text());
}

#[test]
fn a_draft_or_alpha_operation_promises_nothing_and_a_level_may_not_fall() {
    let level = |d: &mut Value, op: &str, level: &str| {
        d["paths"]["/items/{item_id}"][op]["x-stability-level"] = json!(level);
    };
    let mut old = base();
    level(&mut old, "delete", "alpha");
    // The alpha operation removed: information, not a break.
    let mut gone = old.clone();
    gone["paths"]["/items/{item_id}"]
        .as_object_mut()
        .unwrap()
        .remove("delete");
    let r = diff(&load(old.clone()), &load(gone));
    assert!(!r.has_breaking(), "{}", r.text());
    let f = r
        .findings
        .iter()
        .find(|f| f.rule == Rule::OperationRemoved)
        .unwrap_or_else(|| panic!("{}", r.text()));
    assert_eq!(f.severity(), Severity::Info);
    assert_eq!(f.unstable.as_deref(), Some("alpha"));
    // A shared schema's change reaching a stable operation too still breaks it.
    let mut all = base();
    for op in ["get", "delete"] {
        level(&mut all, op, "alpha");
    }
    let mut changed = all.clone();
    changed["components"]["schemas"]["Item"]["properties"]["name"] = json!({"type": "integer"});
    let r = diff(&load(all), &load(changed));
    let f = r
        .findings
        .iter()
        .find(|f| f.rule == Rule::ResponseTypeChanged)
        .unwrap_or_else(|| panic!("{}", r.text()));
    assert_eq!(
        f.severity(),
        Severity::Breaking,
        "GET /items is stable: {}",
        r.text()
    );
    // stable -> beta is a promise taken back.
    let mut beta = base();
    level(&mut beta, "get", "beta");
    let r = diff(&load(base()), &load(beta.clone()));
    expect(
        &r,
        Rule::StabilityDecreased,
        Some("/paths/~1items~1{item_id}/get/x-stability-level"),
        "GET /items/{item_id}",
    );
    // beta -> stable is one made.
    let r = diff(&load(beta), &load(base()));
    assert!(!r.has_breaking(), "{}", r.text());
}

//! References in a create's body: a gadget names its maker by id (`"maker": 1`, the
//! spec's example) and its designer, another maker, as the object a read of a maker
//! answers (`"designer": {"id": 1, "name": "Seeded"}`, a schema of `allOf` members, as
//! Spring PetClinic's pet does with its `type`); the backend refuses one whose maker or
//! designer does not exist (400), and its labels, a list of references by id (as NetBox's
//! `tags`), each of which must exist; and a
//! maker's delete while gadgets name it (409). The run must make the makers its gadgets
//! name, never name what it did not make (the seeded maker 1 is someone else's), take a
//! maker of 0 or -1 refused as naming nothing for no spec gap, and leave nothing of its own
//! behind. A gadget's body is one gadget or a list of them (NetBox's bulk create), which
//! this backend refuses (400); its optional `parent`, another gadget, names none the run can
//! know of in a generated body or the spec's example, and the run creates without it. An
//! update names its maker too, and is sent with the run's.

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

const SPEC: &str = r##"openapi: 3.0.3
info: { title: Gadgets, version: 1.0.0 }
paths:
  /api/makers:
    get:
      operationId: list_makers
      responses:
        "200": { description: "", content: { application/json: { schema: { type: array, items: { $ref: "#/components/schemas/Maker" } } } } }
    post:
      operationId: create_maker
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: "#/components/schemas/NewMaker" } } }
      responses:
        "201": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Maker" } } } }
        "400": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
  /api/makers/{maker_id}:
    parameters:
      - { name: maker_id, in: path, required: true, schema: { type: integer } }
    get:
      operationId: get_maker
      responses:
        "200": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Maker" } } } }
        "404": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
    delete:
      operationId: delete_maker
      responses:
        "204": { description: "" }
        "404": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
        "409": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
  /api/labels:
    post:
      operationId: create_label
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: "#/components/schemas/NewMaker" } } }
      responses:
        "201": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Maker" } } } }
        "400": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
  /api/labels/{label_id}:
    parameters:
      - { name: label_id, in: path, required: true, schema: { type: integer } }
    get:
      operationId: get_label
      responses:
        "200": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Maker" } } } }
        "404": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
    delete:
      operationId: delete_label
      responses:
        "204": { description: "" }
        "404": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
  /api/gadgets:
    post:
      operationId: create_gadget
      requestBody:
        required: true
        content:
          application/json:
            schema:
              oneOf:
                - $ref: "#/components/schemas/NewGadget"
                - { type: array, items: { $ref: "#/components/schemas/NewGadget" } }
      responses:
        "201": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Gadget" } } } }
        "400": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
  /api/gadgets/{gadget_id}:
    parameters:
      - { name: gadget_id, in: path, required: true, schema: { type: integer } }
    put:
      operationId: update_gadget
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: "#/components/schemas/NewGadget" } } }
      responses:
        "200": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Gadget" } } } }
        "400": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
        "404": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
    get:
      operationId: get_gadget
      responses:
        "200": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Gadget" } } } }
        "404": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
    delete:
      operationId: delete_gadget
      responses:
        "204": { description: "" }
        "404": { description: "", content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
components:
  schemas:
    Error:
      type: object
      required: [message]
      properties: { message: { type: string } }
    NewMaker:
      type: object
      required: [name]
      properties: { name: { type: string, minLength: 1, maxLength: 40, example: Seeded } }
    Maker:
      allOf:
        - $ref: "#/components/schemas/NewMaker"
        - { type: object, required: [id], properties: { id: { type: integer, example: 1 } } }
    NewGadget:
      type: object
      required: [name, maker, designer, labels]
      example: { name: Gadget, maker: 1, designer: { id: 1, name: Seeded }, labels: [{ id: 1 }], parent: 9999 }
      properties:
        parent: { type: integer, description: the gadget this one is a part of }
        name: { type: string, minLength: 1, maxLength: 40 }
        maker: { type: integer, example: 1 }
        designer: { $ref: "#/components/schemas/Maker" }
        labels:
          type: array
          items: { type: object, required: [id], properties: { id: { type: integer, example: 1 } } }
    Gadget:
      type: object
      required: [id, name, maker]
      properties: { id: { type: integer }, name: { type: string }, maker: { type: integer } }
"##;

/// The seeded maker: someone else's.
const SEEDED: i64 = 1;

#[derive(Default)]
struct State {
    next: i64,
    makers: Vec<(i64, String)>,
    labels: Vec<(i64, String)>,
    gadgets: Vec<(i64, String, i64)>,
    /// Every maker a gadget was accepted with.
    named: Vec<i64>,
    /// Every label a gadget was accepted with.
    labelled: Vec<i64>,
}

#[derive(Clone)]
struct Gadgets(Arc<Mutex<State>>);

impl Gadgets {
    fn new() -> Gadgets {
        Gadgets(Arc::new(Mutex::new(State {
            next: 10,
            makers: vec![(SEEDED, "Seeded".into())],
            labels: vec![(SEEDED, "Seeded".into())],
            ..State::default()
        })))
    }
}

fn error(status: u16, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({ "message": message }))
}

impl Respond for Gadgets {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut s = self.0.lock().unwrap();
        let segments: Vec<&str> = request.url.path().trim_matches('/').split('/').collect();
        let body: Option<Value> = serde_json::from_slice(&request.body).ok();
        let name = body
            .as_ref()
            .and_then(|b| b.get("name"))
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty() && n.chars().count() <= 40 && !n.contains('\0'))
            .map(String::from);
        let id = |i: usize| segments.get(i).and_then(|x| x.parse::<i64>().ok());
        match (request.method.as_str(), segments.as_slice()) {
            ("GET", ["api", "makers"]) => ResponseTemplate::new(200).set_body_json(
                s.makers
                    .iter()
                    .map(|(id, name)| json!({"id": id, "name": name}))
                    .collect::<Vec<_>>(),
            ),
            ("POST", ["api", "makers"]) => {
                let Some(name) = name else {
                    return error(400, "name: this field is required");
                };
                s.next += 1;
                let id = s.next;
                s.makers.push((id, name.clone()));
                ResponseTemplate::new(201).set_body_json(json!({"id": id, "name": name}))
            }
            ("GET", ["api", "makers", _]) => {
                match s.makers.iter().find(|(m, _)| Some(*m) == id(2)) {
                    Some((id, name)) => {
                        ResponseTemplate::new(200).set_body_json(json!({"id": id, "name": name}))
                    }
                    None => error(404, "not found"),
                }
            }
            ("DELETE", ["api", "makers", _]) => {
                let Some(m) = id(2).filter(|m| s.makers.iter().any(|(x, _)| x == m)) else {
                    return error(404, "not found");
                };
                if s.gadgets.iter().any(|(_, _, maker)| *maker == m) {
                    return error(409, "gadgets are made by this maker");
                }
                s.makers.retain(|(x, _)| *x != m);
                ResponseTemplate::new(204)
            }
            ("POST", ["api", "labels"]) => {
                let Some(name) = name else {
                    return error(400, "name: this field is required");
                };
                s.next += 1;
                let id = s.next;
                s.labels.push((id, name.clone()));
                ResponseTemplate::new(201).set_body_json(json!({"id": id, "name": name}))
            }
            ("GET", ["api", "labels", _]) => {
                match s.labels.iter().find(|(l, _)| Some(*l) == id(2)) {
                    Some((id, name)) => {
                        ResponseTemplate::new(200).set_body_json(json!({"id": id, "name": name}))
                    }
                    None => error(404, "not found"),
                }
            }
            ("DELETE", ["api", "labels", _]) => {
                let before = s.labels.len();
                s.labels.retain(|(l, _)| Some(*l) != id(2));
                if s.labels.len() == before {
                    return error(404, "not found");
                }
                ResponseTemplate::new(204)
            }
            ("POST", ["api", "gadgets"]) if body.as_ref().is_some_and(Value::is_array) => {
                error(400, "one gadget at a time")
            }
            ("POST", ["api", "gadgets"]) => {
                let (name, maker) = match gadget_of(&mut s, body.as_ref(), name) {
                    Ok(fields) => fields,
                    Err(refused) => return *refused,
                };
                s.next += 1;
                let id = s.next;
                s.gadgets.push((id, name.clone(), maker));
                ResponseTemplate::new(201)
                    .set_body_json(json!({"id": id, "name": name, "maker": maker}))
            }
            ("PUT", ["api", "gadgets", _]) => {
                let Some(g) = id(2).filter(|g| s.gadgets.iter().any(|(x, _, _)| x == g)) else {
                    return error(404, "not found");
                };
                let (name, maker) = match gadget_of(&mut s, body.as_ref(), name) {
                    Ok(fields) => fields,
                    Err(refused) => return *refused,
                };
                for gadget in s.gadgets.iter_mut().filter(|(x, _, _)| *x == g) {
                    gadget.1 = name.clone();
                    gadget.2 = maker;
                }
                ResponseTemplate::new(200)
                    .set_body_json(json!({"id": g, "name": name, "maker": maker}))
            }
            ("GET", ["api", "gadgets", _]) => {
                match s.gadgets.iter().find(|(g, _, _)| Some(*g) == id(2)) {
                    Some((id, name, maker)) => ResponseTemplate::new(200)
                        .set_body_json(json!({"id": id, "name": name, "maker": maker})),
                    None => error(404, "not found"),
                }
            }
            ("DELETE", ["api", "gadgets", _]) => {
                let before = s.gadgets.len();
                s.gadgets.retain(|(g, _, _)| Some(*g) != id(2));
                if s.gadgets.len() == before {
                    return error(404, "not found");
                }
                ResponseTemplate::new(204)
            }
            _ => error(404, "no route"),
        }
    }
}

/// A gadget's name and maker as a create or an update takes them, every reference checked
/// and kept in `named`/`labelled`; the refusal otherwise.
fn gadget_of(
    s: &mut State,
    body: Option<&Value>,
    name: Option<String>,
) -> Result<(String, i64), Box<ResponseTemplate>> {
    let maker = body.and_then(|b| b.get("maker")).and_then(Value::as_i64);
    let (Some(name), Some(maker)) = (name, maker) else {
        return Err(Box::new(error(400, "name and maker are required")));
    };
    let designer = body.and_then(|b| b.get("designer"));
    let designer = match designer.map(|d| (d.get("id"), d.get("name"))) {
        Some((Some(Value::Number(id)), Some(Value::String(name))))
            if (1..=40).contains(&name.chars().count()) =>
        {
            id.as_i64()
        }
        _ => return Err(Box::new(error(400, "designer: a maker, its id and name"))),
    };
    for named in std::iter::once(maker).chain(designer) {
        if !s.makers.iter().any(|(m, _)| *m == named) {
            return Err(Box::new(error(400, "no such maker")));
        }
    }
    // Labels by id, as NetBox takes tags: each must exist.
    let labels: Option<Vec<i64>> = body
        .and_then(|b| b.get("labels"))
        .and_then(Value::as_array)
        .and_then(|l| {
            l.iter()
                .map(|x| x.get("id").and_then(Value::as_i64))
                .collect()
        });
    let Some(labels) = labels else {
        return Err(Box::new(error(
            400,
            "labels: a list of labels, each by its id",
        )));
    };
    if !labels.iter().all(|l| s.labels.iter().any(|(x, _)| x == l)) {
        return Err(Box::new(error(400, "labels: no such label")));
    }
    // A part names the gadget it belongs to, which must exist.
    if let Some(parent) = body.and_then(|b| b.get("parent")) {
        let known = parent
            .as_i64()
            .is_some_and(|p| s.gadgets.iter().any(|(g, _, _)| *g == p));
        if !known {
            return Err(Box::new(error(400, "parent: no such gadget")));
        }
    }
    s.named.push(maker);
    s.named.extend(designer);
    s.labelled.extend(labels);
    Ok((name, maker))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_create_names_only_what_the_run_made_for_it() {
    let backend = Gadgets::new();
    let server = crate::serving(backend.clone()).await;
    let run =
        crate::first_run_with(SPEC, server.uri(), "@behaviour and not @second_user", &[]).await;
    let state = backend.0.lock().unwrap();
    assert!(
        !state.named.is_empty(),
        "no gadget was made\n{}",
        run.stdout
    );
    // No gadget was ever made with the seeded maker, nor one the run did not make.
    assert!(
        !state.named.contains(&SEEDED),
        "a gadget named the seeded maker: {:?}\n{}",
        state.named,
        run.stdout
    );
    assert!(
        !state.labelled.contains(&SEEDED),
        "a gadget named the seeded label: {:?}\n{}",
        state.labelled,
        run.stdout
    );
    assert_eq!(
        state.labels,
        vec![(SEEDED, "Seeded".to_string())],
        "{}",
        run.stdout
    );
    // An update is sent as the owner would: its references the run's, not refused first.
    assert!(
        !run.stdout.contains("refused a generated update"),
        "{}",
        run.stdout
    );
    // Every check passes: the creates, and a maker of 0 or -1 refused as naming nothing,
    // which no spec can say is wrong.
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    // Nothing of the run's is left: its gadgets, then the makers they named.
    assert!(
        state.gadgets.is_empty(),
        "{:?}\n{}",
        state.gadgets,
        run.stdout
    );
    assert_eq!(
        state.makers,
        vec![(SEEDED, "Seeded".to_string())],
        "{}",
        run.stdout
    );
}

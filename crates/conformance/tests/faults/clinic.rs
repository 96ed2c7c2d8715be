//! A backend that secures nothing and keeps data it was seeded with, as Spring PetClinic's
//! REST API does: pets with integer ids, pet 1 seeded (the spec's example id). A path
//! parameter that is not a number crashes the operation (500), as a framework's failed
//! conversion does where nothing maps it to a 4xx; a URL firewall refuses an encoded percent
//! sign with an HTML page; the router decodes an encoded slash and resolves `..`, and
//! `DELETE /pets` deletes every pet. Whatever the run meets, it must never write to the seeded
//! pet: the run did not create it.

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

use crate::Run;

const SPEC: &str = r##"openapi: 3.0.3
info: { title: A clinic's pets, version: "1.0" }
paths:
  /pets:
    post:
      operationId: addPet
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: "#/components/schemas/PetFields" }
      responses:
        "201":
          description: Added
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Pet" }
        "400": { $ref: "#/components/responses/Problem" }
        "404": { $ref: "#/components/responses/Problem" }
    delete:
      operationId: deletePets
      description: Deletes every pet.
      responses:
        "204": { description: Deleted }
  /pets/{petId}:
    parameters:
      - { name: petId, in: path, required: true, schema: { type: integer, minimum: 1, example: 1 } }
    get:
      operationId: getPet
      responses:
        "200":
          description: The pet
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Pet" }
        "400": { $ref: "#/components/responses/Problem" }
        "404": { $ref: "#/components/responses/Problem" }
    delete:
      operationId: deletePet
      responses:
        "204": { description: Deleted }
        "404": { $ref: "#/components/responses/Problem" }
  /owners/{lastName}:
    parameters:
      - { name: lastName, in: path, required: true, schema: { type: string, example: Davis } }
    get:
      operationId: findOwners
      description: The owners of that last name, none or many.
      responses:
        "200":
          description: The owners' names
          content:
            application/json:
              schema: { type: array, items: { type: string } }
  /pettypes/{petTypeId}:
    parameters:
      - { name: petTypeId, in: path, required: true, schema: { type: integer, minimum: 1, example: 1 } }
    get:
      operationId: getPetType
      responses:
        "200":
          description: The pet type
          content:
            application/json:
              schema: { $ref: "#/components/schemas/PetType" }
        "400": { $ref: "#/components/responses/Problem" }
        "404": { $ref: "#/components/responses/Problem" }
components:
  responses:
    Problem:
      description: A problem
      content:
        application/json:
          schema: { $ref: "#/components/schemas/Problem" }
  schemas:
    Problem:
      type: object
      required: [title]
      properties: { title: { type: string } }
    PetType:
      type: object
      required: [id, name]
      properties:
        id: { type: integer, minimum: 1, example: 1 }
        name: { type: string, example: cat }
    PetFields:
      type: object
      required: [name, type]
      properties:
        name: { type: string, minLength: 1, maxLength: 30, example: Leo }
        type: { $ref: "#/components/schemas/PetType" }
    Pet:
      allOf:
        - $ref: "#/components/schemas/PetFields"
        - type: object
          properties:
            id: { type: integer, readOnly: true, example: 1 }
      required: [id, name, type]
"##;

#[derive(Default)]
struct State {
    /// id -> (name, type id); pet 1 is the seeded one.
    pets: Vec<(u32, String, u32)>,
    /// id -> name; type 1 (`cat`) is seeded.
    types: Vec<(u32, String)>,
    next: u32,
    /// Every write that reached the seeded pet.
    seeded_writes: Vec<String>,
}

#[derive(Clone)]
pub struct Clinic {
    /// Deleting a pet deletes its type, and every pet of that type (a JPA `cascade = ALL`
    /// on the pet's type, and a foreign key that cascades).
    cascade: bool,
    /// A path parameter that is not a number is a 404, as where the framework's failed
    /// conversion is mapped, not a crash.
    converts: bool,
    state: Arc<Mutex<State>>,
}

fn problem(status: u16, title: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({ "title": title }))
}

impl Clinic {
    fn new(cascade: bool) -> Clinic {
        let state = State {
            pets: vec![(1, "Leo".into(), 1)],
            types: vec![(1, "cat".into())],
            next: 2,
            ..State::default()
        };
        Clinic {
            cascade,
            converts: false,
            state: Arc::new(Mutex::new(state)),
        }
    }

    fn seeded_writes(&self) -> Vec<String> {
        self.state.lock().unwrap().seeded_writes.clone()
    }

    fn seeded_pet_exists(&self) -> bool {
        self.state
            .lock()
            .unwrap()
            .pets
            .iter()
            .any(|(id, ..)| *id == 1)
    }
}

impl Respond for Clinic {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut s = self.state.lock().unwrap();
        let method = request.method.as_str().to_string();
        // The router decodes an encoded slash and resolves `..`, as gin's does: `/pets/x%2F..`
        // is `/pets`.
        let mut segments: Vec<&str> = Vec::new();
        let decoded = request.url.path().replace("%2F", "/").replace("%2f", "/");
        for segment in decoded.split('/').filter(|s| !s.is_empty() && *s != ".") {
            if segment == ".." {
                segments.pop();
            } else {
                segments.push(segment);
            }
        }
        let path = format!("/{}", segments.join("/"));
        // The owners' search is another service, which takes any text as a name.
        if path.starts_with("/owners/") && method == "GET" {
            return ResponseTemplate::new(200).set_body_json(json!([]));
        }
        // A URL firewall in front of the pets' API refuses an encoded percent sign with
        // the server's own HTML page, before any route (Spring Security's does).
        if path.contains("%25") {
            return ResponseTemplate::new(400)
                .set_body_raw("<html><body>Bad Request</body></html>", "text/html");
        }
        let view = |s: &State, id: u32| {
            let (_, name, kind) = s.pets.iter().find(|(p, ..)| *p == id).unwrap();
            let type_name = s
                .types
                .iter()
                .find(|(t, _)| t == kind)
                .map(|(_, n)| n.clone());
            json!({"id": id, "name": name, "type": {"id": kind, "name": type_name}})
        };
        if path == "/pets" {
            if method == "DELETE" {
                if s.pets.iter().any(|(id, ..)| *id == 1) {
                    s.seeded_writes.push("DELETE /pets".into());
                }
                s.pets.clear();
                return ResponseTemplate::new(204);
            }
            if method != "POST" {
                return problem(405, "method not allowed").insert_header("allow", "POST, DELETE");
            }
            let body = serde_json::from_slice::<Value>(&request.body).unwrap_or(Value::Null);
            let name = body
                .get("name")
                .and_then(Value::as_str)
                .map(String::from)
                .filter(|n| (1..=30).contains(&n.chars().count()));
            let Some(name) = name else {
                return problem(400, "name: 1 to 30 characters");
            };
            let Some(kind) = body.pointer("/type/id").and_then(Value::as_u64) else {
                return problem(400, "type: an id");
            };
            if !s.types.iter().any(|(t, _)| u64::from(*t) == kind) {
                return problem(404, "no such pet type");
            }
            let id = s.next;
            s.next += 1;
            s.pets.push((id, name, kind as u32));
            return ResponseTemplate::new(201).set_body_json(view(&s, id));
        }
        let (collection, id) = match path.strip_prefix("/pets/") {
            Some(id) => ("pets", id),
            None => match path.strip_prefix("/pettypes/") {
                Some(id) => ("pettypes", id),
                None => return problem(404, "no such route"),
            },
        };
        let allowed = if collection == "pets" {
            "GET, DELETE"
        } else {
            "GET"
        };
        if !allowed.split(", ").any(|m| m == method) {
            return problem(405, "method not allowed").insert_header("allow", allowed);
        }
        let Ok(id) = id.parse::<u32>() else {
            if self.converts {
                return problem(404, "no such pet");
            }
            return ResponseTemplate::new(500).set_body_string("NumberFormatException");
        };
        if collection == "pettypes" {
            return match s.types.iter().find(|(t, _)| *t == id) {
                Some((t, n)) => {
                    ResponseTemplate::new(200).set_body_json(json!({"id": t, "name": n}))
                }
                None => problem(404, "no such pet type"),
            };
        }
        if id == 1 && method == "DELETE" {
            s.seeded_writes.push(format!("{method} {path}"));
        }
        let Some(at) = s.pets.iter().position(|(p, ..)| *p == id) else {
            return problem(404, "no such pet");
        };
        if method == "GET" {
            return ResponseTemplate::new(200).set_body_json(view(&s, id));
        }
        let (_, _, kind) = s.pets.remove(at);
        if self.cascade {
            s.types.retain(|(t, _)| *t != kind);
            s.pets.retain(|(_, _, k)| *k != kind);
        }
        ResponseTemplate::new(204)
    }
}

/// Runs the harness on the spec alone (no profile, no credentials: the visitor's run a spec
/// that secures nothing gets) against the clinic.
async fn run_alone(backend: Clinic, tags: &str) -> Run {
    let server = crate::serving(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("clinic.yaml");
    std::fs::write(&spec, SPEC).unwrap();
    let args = vec!["--tags".to_string(), tags.to_string()];
    let run = crate::spec_alone(spec.clone(), server.uri(), args).await;
    drop(dir);
    run
}

/// The broken-input pass asks a valid request of an operation a broken input crashed, to
/// tell the input's fault from the operation's; for a delete of an id the run did not
/// create, that request is not sent: the spec's example names the seeded pet, which it
/// would delete. The crash is the broken input's, reported as such.
#[tokio::test(flavor = "multi_thread")]
async fn a_crash_on_a_malformed_id_never_deletes_the_spec_s_example() {
    let backend = Clinic::new(false);
    let run = run_alone(backend.clone(), "@behaviour and not @expiry").await;
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert_eq!(
        backend.seeded_writes(),
        Vec::<String>::new(),
        "{}",
        run.stdout
    );
    assert!(backend.seeded_pet_exists(), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("deletePet: wrong type (path parameter `petId`): a server error (500)"),
        "{}",
        run.stdout
    );
}

/// An id a client encodes with a percent sign in it is met by the URL firewall
/// in front of the API, whose HTML page is no answer the spec declares: a finding a frontend
/// meets when a user's input lands in a path.
#[tokio::test(flavor = "multi_thread")]
async fn an_encoded_percent_in_an_id_meets_the_firewall_s_undeclared_page() {
    // Ids that are not numbers are refused, not crashed on: an operation's search stops at
    // its first crash, which would come before the percent sign.
    let clinic = Clinic {
        converts: true,
        ..Clinic::new(false)
    };
    let run = run_alone(clinic, "@behaviour and not @expiry").await;
    let firewall = run
        .stdout
        .lines()
        .find(|l| {
            l.starts_with("finding rule spec: ")
                && l.contains(
                    "Content-Type `text/html` is not declared (declared: application/json)",
                )
        })
        .unwrap_or_else(|| panic!("{}", run.stdout));
    assert!(firewall.contains("getPet 400"), "{firewall}");
    // A name is text: one with a percent sign breaks no constraint of it, and a search that
    // takes it breaks nothing (the boundary pass sends such text, expecting no 5xx).
    assert!(
        !run.stdout.contains("findOwners: percent-encoded text"),
        "{}",
        run.stdout
    );
}

/// Deleting what the run created must leave what it only referred to: a pet's type, which
/// the spec's example names (the seeded `cat`). A backend that deletes the type with the pet
/// (and every other pet of that type) fails, naming it; one that keeps it passes.
#[tokio::test(flavor = "multi_thread")]
async fn deleting_a_resource_never_deletes_what_it_only_refers_to() {
    let tags = "@writes and not @second_user";
    let cascades = run_alone(Clinic::new(true), tags).await;
    assert_eq!(cascades.code, Some(1), "{}", cascades.stdout);
    assert!(
        cascades.stdout.contains("rule behaviour.reference_kept")
            && cascades
                .stdout
                .contains("also deleted /pettypes/1, which its `/type` only refers to"),
        "{}",
        cascades.stdout
    );
    let keeps = run_alone(Clinic::new(false), tags).await;
    assert!(!keeps.stdout.contains("reference_kept"), "{}", keeps.stdout);
    assert!(
        keeps
            .stdout
            .contains("Scenario: What is deleted is gone, with what lies under it"),
        "{}",
        keeps.stdout
    );
}

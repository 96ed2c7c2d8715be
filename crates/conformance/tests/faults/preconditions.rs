//! A backend guarding its notes against lost updates, as an API with optimistic concurrency
//! does: every read and write answers an `ETag`, a `PUT` or merge-patch `PATCH` must carry
//! `If-Match` with the current one (428 without, 412 when stale), and the list pages by an
//! opaque cursor it hands out (`?cursor=` with the last page's `next_cursor`; any other
//! value, an empty one too, is refused with 400). Errors are RFC 7807 problems.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

use crate::tagged_run;
use accord_conformance::rules::Rule;

/// The notes by id, each its title and version, and the last id given.
type Store = (BTreeMap<u32, (String, u32)>, u32);

#[derive(Clone, Default)]
struct Notes {
    state: Arc<Mutex<Store>>,
    /// A broken copy: a stale `If-Match` is taken.
    takes_stale: bool,
    /// A broken copy: a write without `If-Match` is taken.
    takes_none: bool,
    /// A correct copy whose writes answer no `ETag`: the next write's tag is stale, and the
    /// resource must be read again for the current one.
    untagged_writes: bool,
    /// `PATCH` takes a JSON Patch (RFC 6902) in `application/json-patch+json`, as ASP.NET's
    /// `JsonPatchDocument` does, and needs no `If-Match`.
    json_patch: bool,
    /// A broken copy of the JSON Patch one: a `title` that is no string crashes it.
    patch_crash: bool,
    /// The list is a Spring Data `Page` (`?page=&size=`, `content`, `totalPages` before
    /// `totalElements`).
    spring_page: bool,
    /// Every request must name the tenant `acme` in `X-Tenant` (400 otherwise), as a
    /// multi-tenant API refuses anything before it knows the tenant.
    tenant: bool,
    /// Every request must ask for `?api-version=2024-01-01` (400 otherwise), as Azure's
    /// APIs do.
    api_version: bool,
}

fn problem(status: u16, detail: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(
        json!({"title": detail, "status": status}).to_string(),
        "application/problem+json",
    )
}

fn tag(id: u32, version: u32) -> String {
    format!("\"{id}-{version}\"")
}

impl Respond for Notes {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let path = request.url.path().to_string();
        let method = request.method.as_str().to_string();
        let body: Option<Value> = serde_json::from_slice(&request.body).ok();
        let mut guard = self.state.lock().unwrap();
        let (notes, next) = &mut *guard;
        let note = |id: u32, (title, version): &(String, u32)| {
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": id, "title": title, "version": version}))
                .insert_header("etag", tag(id, *version).as_str())
        };
        let title_of = |body: &Option<Value>| {
            body.as_ref()
                .and_then(Value::as_object)
                .filter(|b| b.keys().all(|k| k == "title"))
                .and_then(|b| b.get("title")?.as_str())
                .filter(|t| !t.is_empty() && t.chars().count() <= 200 && !t.contains('\0'))
                .map(String::from)
        };
        if self.api_version
            && !request
                .url
                .query_pairs()
                .any(|(k, v)| k == "api-version" && v == "2024-01-01")
        {
            return problem(400, "unsupported api-version");
        }
        if self.tenant
            && request
                .headers
                .get("x-tenant")
                .and_then(|v| v.to_str().ok())
                != Some("acme")
        {
            return problem(400, "unknown tenant");
        }
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        match (method.as_str(), segments.as_slice()) {
            ("GET", ["notes"]) if self.spring_page => {
                let number = |name: &str, default: usize| {
                    request
                        .url
                        .query_pairs()
                        .find(|(k, _)| k == name)
                        .map_or(Some(default), |(_, v)| v.parse().ok())
                };
                let (Some(page), Some(size)) = (number("page", 0), number("size", 20)) else {
                    return problem(400, "page and size are numbers");
                };
                if size == 0 || size > 100 || page > i32::MAX as usize {
                    return problem(400, "size: 1 to 100");
                }
                let all: Vec<Value> = notes
                    .iter()
                    .map(|(id, (t, v))| json!({"id": id, "title": t, "version": v}))
                    .collect();
                let content: Vec<Value> = all
                    .iter()
                    .skip(page.saturating_mul(size))
                    .take(size)
                    .cloned()
                    .collect();
                ResponseTemplate::new(200).set_body_json(json!({
                    "totalPages": all.len().div_ceil(size),
                    "totalElements": all.len(),
                    "size": size,
                    "number": page,
                    "content": content,
                }))
            }
            ("GET", ["notes"]) => {
                let after = match request.url.query_pairs().find(|(k, _)| k == "cursor") {
                    None => 0,
                    Some((_, c)) => match c.strip_prefix("n").and_then(|n| n.parse().ok()) {
                        Some(n) => n,
                        None => return problem(400, "invalid cursor"),
                    },
                };
                let items: Vec<Value> = notes
                    .range(after + 1..)
                    .map(|(id, (t, v))| json!({"id": id, "title": t, "version": v}))
                    .collect();
                ResponseTemplate::new(200)
                    .set_body_json(json!({"items": items, "next_cursor": null}))
            }
            ("POST", ["notes"]) => {
                let Some(title) = title_of(&body) else {
                    return problem(400, "title: 1 to 200 characters");
                };
                *next += 1;
                let id = *next;
                notes.insert(id, (title.clone(), 1));
                ResponseTemplate::new(201)
                    .set_body_json(json!({"id": id, "title": title, "version": 1}))
                    .insert_header("etag", tag(id, 1).as_str())
                    .insert_header("location", format!("/notes/{id}").as_str())
            }
            (_, ["notes", id]) => {
                let Some((id, current)) = id
                    .parse::<u32>()
                    .ok()
                    .and_then(|id| Some((id, notes.get(&id)?.clone())))
                else {
                    return problem(404, "no such note");
                };
                let if_match = request
                    .headers
                    .get("if-match")
                    .and_then(|v| v.to_str().ok());
                match method.as_str() {
                    "GET" => note(id, &current),
                    "DELETE" => {
                        notes.remove(&id);
                        ResponseTemplate::new(204)
                    }
                    "PATCH" if self.json_patch => {
                        let media = request
                            .headers
                            .get("content-type")
                            .and_then(|v| v.to_str().ok());
                        if media != Some("application/json-patch+json") {
                            return problem(415, "send a JSON Patch");
                        }
                        let Some(ops) = body.as_ref().and_then(Value::as_array) else {
                            return problem(400, "a JSON Patch is a list of operations");
                        };
                        let mut title = current.0.clone();
                        for op in ops {
                            if op["op"] != "replace" || op["path"] != "/title" {
                                return problem(400, "only /title can be replaced");
                            }
                            match op["value"].as_str() {
                                Some(t) => title = t.to_string(),
                                None if self.patch_crash => {
                                    return problem(500, "TypeError: value.trim is not a function");
                                }
                                None => return problem(400, "title: a string"),
                            }
                        }
                        let Some(title) = title_of(&Some(json!({ "title": title }))) else {
                            return problem(400, "title: 1 to 200 characters");
                        };
                        let updated = (title, current.1 + 1);
                        notes.insert(id, updated.clone());
                        note(id, &updated)
                    }
                    "PUT" | "PATCH" => {
                        match if_match {
                            None if !self.takes_none => {
                                return problem(428, "send If-Match with the ETag you read");
                            }
                            Some(t) if t != tag(id, current.1) && !self.takes_stale => {
                                return problem(412, "the note changed since you read it");
                            }
                            _ => {}
                        }
                        let Some(title) = title_of(&body) else {
                            return problem(400, "title: 1 to 200 characters");
                        };
                        let updated = (title, current.1 + 1);
                        notes.insert(id, updated.clone());
                        if self.untagged_writes {
                            return ResponseTemplate::new(200).set_body_json(
                                json!({"id": id, "title": updated.0, "version": updated.1}),
                            );
                        }
                        note(id, &updated)
                    }
                    _ => problem(405, "no such method")
                        .insert_header("allow", "GET, PUT, PATCH, DELETE"),
                }
            }
            (_, ["notes"]) => problem(405, "no such method").insert_header("allow", "GET, POST"),
            _ => problem(404, "no such route"),
        }
    }
}

const SPEC: &str = r##"openapi: 3.1.0
info: { title: Notes, version: "1" }
components:
  parameters:
    IfMatch: { name: If-Match, in: header, required: true, schema: { type: string } }
    Id: { name: id, in: path, required: true, schema: { type: integer, minimum: 1 } }
  schemas:
    Problem:
      type: object
      required: [title, status]
      properties: { title: { type: string }, status: { type: integer } }
    Note:
      type: object
      required: [id, title, version]
      properties: { id: { type: integer }, title: { type: string }, version: { type: integer } }
    NoteInput:
      type: object
      additionalProperties: false
      required: [title]
      properties: { title: { type: string, minLength: 1, maxLength: 200 } }
  responses:
    Problem:
      description: refused
      content: { application/problem+json: { schema: { $ref: '#/components/schemas/Problem' } } }
paths:
  /notes:
    get:
      operationId: listNotes
      parameters:
        - { name: cursor, in: query, schema: { type: string }, description: the last page's next_cursor }
      responses:
        "200":
          description: a page
          content:
            application/json:
              schema:
                type: object
                required: [items, next_cursor]
                properties:
                  items: { type: array, items: { $ref: '#/components/schemas/Note' } }
                  next_cursor: { type: [string, "null"] }
        "400": { $ref: '#/components/responses/Problem' }
    post:
      operationId: createNote
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: '#/components/schemas/NoteInput' } } }
      responses:
        "201":
          description: created
          headers: { ETag: { schema: { type: string } } }
          content: { application/json: { schema: { $ref: '#/components/schemas/Note' } } }
        "400": { $ref: '#/components/responses/Problem' }
  /notes/{id}:
    parameters: [ { $ref: '#/components/parameters/Id' } ]
    get:
      operationId: getNote
      responses:
        "200":
          description: the note
          content: { application/json: { schema: { $ref: '#/components/schemas/Note' } } }
        "404": { $ref: '#/components/responses/Problem' }
    patch:
      operationId: updateNote
      parameters: [ { $ref: '#/components/parameters/IfMatch' } ]
      requestBody:
        required: true
        content: { application/merge-patch+json: { schema: { $ref: '#/components/schemas/NoteInput' } } }
      responses:
        "200":
          description: updated
          content: { application/json: { schema: { $ref: '#/components/schemas/Note' } } }
        "400": { $ref: '#/components/responses/Problem' }
        "404": { $ref: '#/components/responses/Problem' }
        "412": { $ref: '#/components/responses/Problem' }
        "428": { $ref: '#/components/responses/Problem' }
    delete:
      operationId: deleteNote
      responses:
        "204": { description: deleted }
        "404": { $ref: '#/components/responses/Problem' }
"##;

const TAGS: &str = "@behaviour and not @second_user and not @roles and not @expiry";

#[tokio::test(flavor = "multi_thread")]
async fn a_write_guarded_by_if_match_is_sent_with_the_tag_read_and_the_guard_is_checked() {
    // The correct backend: the update goes with the ETag the run read (no 428), the guard
    // holds, and the empty cursor it refuses is no gap in its spec.
    let correct = tagged_run(SPEC, Notes::default(), TAGS).await;
    assert_eq!(correct.code, Some(0), "{}", correct.stdout);
    correct.fails_none_of(&[Rule::UpdatePersists, Rule::Precondition, Rule::Boundary]);
    let untagged = tagged_run(
        SPEC,
        Notes {
            untagged_writes: true,
            ..Notes::default()
        },
        TAGS,
    )
    .await;
    assert_eq!(untagged.code, Some(0), "{}", untagged.stdout);
    untagged.says(&[
        "answered 412 to the ETag the run held; sent again with the one a new read answered",
    ]);
    let stale = tagged_run(
        SPEC,
        Notes {
            takes_stale: true,
            ..Notes::default()
        },
        TAGS,
    )
    .await;
    assert!(
        stale.failed_by(
            "What is created reads back, is listed and updates",
            Rule::Precondition,
            "with the `If-Match` tag the resource had before its last update answered 200, not 412"
        ),
        "{}",
        stale.stdout
    );
    let none = tagged_run(
        SPEC,
        Notes {
            takes_none: true,
            ..Notes::default()
        },
        TAGS,
    )
    .await;
    assert!(
        none.failed_by(
            "What is created reads back, is listed and updates",
            Rule::Precondition,
            "without the `If-Match` the spec requires answered 200, not 428"
        ),
        "{}",
        none.stdout
    );
}

/// [`SPEC`] with `PATCH /notes/{id}` taking a JSON Patch, as Swashbuckle writes ASP.NET's
/// `JsonPatchDocument`: `Operation[]` in `application/json-patch+json` and in plain JSON
/// beside it, and no `If-Match`.
fn json_patch_spec() -> String {
    let patch = r##"    patch:
      operationId: updateNote
      requestBody:
        required: true
        content:
          application/json-patch+json: { schema: { type: array, items: { $ref: '#/components/schemas/Operation' } } }
          application/json: { schema: { type: array, items: { $ref: '#/components/schemas/Operation' } } }
      responses:
        "200":
          description: updated
          content: { application/json: { schema: { $ref: '#/components/schemas/Note' } } }
        "400": { $ref: '#/components/responses/Problem' }
        "404": { $ref: '#/components/responses/Problem' }
        "415": { $ref: '#/components/responses/Problem' }
    delete:"##;
    let operation = r##"    Operation:
      type: object
      required: [op, path]
      properties:
        op: { type: string }
        path: { type: string }
        value: {}
    Note:"##;
    let start = SPEC.find("    patch:").unwrap();
    let end = SPEC.find("    delete:").unwrap();
    let spec = format!(
        "{}{patch}{}",
        &SPEC[..start],
        &SPEC[end + "    delete:".len()..]
    );
    spec.replacen("    Note:", operation, 1)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_json_patch_update_goes_as_the_patch_that_makes_the_object_meant() {
    let spec = json_patch_spec();
    let correct = tagged_run(
        &spec,
        Notes {
            json_patch: true,
            ..Notes::default()
        },
        TAGS,
    )
    .await;
    assert_eq!(correct.code, Some(0), "{}", correct.stdout);
    let broken = tagged_run(
        &spec,
        Notes {
            json_patch: true,
            patch_crash: true,
            ..Notes::default()
        },
        TAGS,
    )
    .await;
    assert!(
        broken.failed_by(
            "Inputs that break one constraint are refused",
            Rule::Negative,
            "updateNote: wrong type /title: a server error (500)"
        ),
        "{}",
        broken.stdout
    );
    broken.says(&[r#"[{"op":"replace","path":"/title","value":"#]);
}

/// [`SPEC`] with the list a Spring Data `Page`, as springdoc writes it: `totalPages` first.
fn spring_page_spec() -> String {
    let list = r##"    get:
      operationId: listNotes
      parameters:
        - { name: page, in: query, schema: { type: integer, minimum: 0, default: 0 } }
        - { name: size, in: query, schema: { type: integer, minimum: 1, maximum: 100, default: 20 } }
      responses:
        "200":
          description: a page
          content:
            application/json:
              schema:
                type: object
                properties:
                  totalPages: { type: integer, format: int32 }
                  totalElements: { type: integer, format: int64 }
                  size: { type: integer, format: int32 }
                  number: { type: integer, format: int32 }
                  content: { type: array, items: { $ref: '#/components/schemas/Note' } }
        "400": { $ref: '#/components/responses/Problem' }
    post:"##;
    let start = SPEC.find("    get:\n      operationId: listNotes").unwrap();
    let end = SPEC.find("    post:").unwrap();
    format!(
        "{}{list}{}",
        &SPEC[..start],
        &SPEC[end + "    post:".len()..]
    )
}

/// A Spring Data `Page`'s count of pages is no total of its items: a correct backend
/// passes, its `totalElements` held to the page.
#[tokio::test(flavor = "multi_thread")]
async fn a_spring_page_is_held_to_its_total_of_elements_not_of_pages() {
    let run = tagged_run(
        &spring_page_spec(),
        Notes {
            spring_page: true,
            ..Notes::default()
        },
        TAGS,
    )
    .await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    run.fails_none_of(&[Rule::ListTotal, Rule::PageLimit]);
}

/// [`SPEC`] with every path declaring the required header `X-Tenant`, with the value
/// `example` where one is given.
fn tenant_spec(example: Option<&str>) -> String {
    let example = example
        .map(|e| format!(", example: {e}"))
        .unwrap_or_default();
    SPEC.replacen(
        "  parameters:\n",
        &format!(
            "  parameters:\n    Tenant: {{ name: X-Tenant, in: header, required: true, schema: {{ type: string }}{example} }}\n"
        ),
        1,
    )
    .replacen(
        "  /notes:\n",
        "  /notes:\n    parameters: [ { $ref: '#/components/parameters/Tenant' } ]\n",
        1,
    )
    .replacen(
        "    parameters: [ { $ref: '#/components/parameters/Id' } ]",
        "    parameters: [ { $ref: '#/components/parameters/Id' }, { $ref: '#/components/parameters/Tenant' } ]",
        1,
    )
}

/// A required header the deployment defines goes with one value on every request to an
/// operation declaring it, the error checks' too: the spec's example, else the profile's
/// `[parameters]`; without either, the run says how to give one.
#[tokio::test(flavor = "multi_thread")]
async fn a_required_tenant_header_goes_as_the_spec_or_the_profile_gives_it() {
    let tenant = || Notes {
        tenant: true,
        ..Notes::default()
    };
    let all = "not @expiry and not @roles";
    let with_example = tagged_run(&tenant_spec(Some("acme")), tenant(), all).await;
    assert_eq!(with_example.code, Some(0), "{}", with_example.stdout);
    with_example.says(&["the required header `X-Tenant` goes as the spec's `acme`"]);
    let without = tagged_run(&tenant_spec(None), tenant(), all).await;
    assert_eq!(without.code, Some(1), "{}", without.stdout);
    without.says(&["the required header `X-Tenant` has no example in the spec, so the run makes one up; if the backend takes only its own values, give one in [parameters]"]);
    let server = crate::serving(tenant()).await;
    let (dir, profile) = crate::spec_and_profile(
        &tenant_spec(None),
        "spec.yaml",
        "[parameters]\nX-Tenant = \"${ACCORD_TENANT}\"\n",
    );
    let given = crate::harness_in_env(
        profile,
        server.uri(),
        vec!["--tags".into(), all.into()],
        dir,
        &[("ACCORD_TENANT", "acme")],
    )
    .await;
    assert_eq!(given.code, Some(0), "{}", given.stdout);
    given.says(&["`X-Tenant` (header) goes as the profile gives it"]);
}

/// A required query parameter every operation declares, whose values the spec cannot list
/// (an API version): the profile's `[parameters]` value goes on every operation declaring
/// it; without it, the run makes one up and the backend refuses everything.
#[tokio::test(flavor = "multi_thread")]
async fn a_query_parameter_the_profile_gives_goes_on_every_operation_declaring_it() {
    let versioned = || Notes {
        api_version: true,
        ..Notes::default()
    };
    let version = "{ name: api-version, in: query, required: true, schema: { type: string } }";
    let spec = SPEC
        .replacen(
            "  /notes:\n",
            &format!("  /notes:\n    parameters: [ {version} ]\n"),
            1,
        )
        .replacen(
            "    parameters: [ { $ref: '#/components/parameters/Id' } ]",
            &format!("    parameters: [ {{ $ref: '#/components/parameters/Id' }}, {version} ]"),
            1,
        );
    let tags = "@behaviour and not @second_user and not @roles and not @expiry";
    let without = tagged_run(&spec, versioned(), tags).await;
    assert_eq!(without.code, Some(1), "{}", without.stdout);
    let server = crate::serving(versioned()).await;
    let (dir, profile) = crate::spec_and_profile(
        &spec,
        "spec.yaml",
        "[parameters]\napi-version = \"2024-01-01\"\n",
    );
    let given = crate::harness_in_env(
        profile,
        server.uri(),
        vec!["--tags".into(), tags.into()],
        dir,
        &[],
    )
    .await;
    assert_eq!(given.code, Some(0), "{}", given.stdout);
    given.says(&["`api-version` (query) goes as the profile gives it"]);
}

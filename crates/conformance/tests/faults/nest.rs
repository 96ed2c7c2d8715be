//! A Conduit backend as NestJS writes one, with the spec its Swagger module generates: every
//! answer documented only as `default` (the success schema, errors included), an http bearer
//! scheme declared while the backend takes `Authorization: Token <jwt>` (passport-jwt's
//! `fromAuthHeaderWithScheme('Token')`), and another author's article refused with 400 ("You
//! cannot edit article from other authors"). A new user's first run, `--spec` and the
//! credentials alone, must read the sign-in's token from that `default`, find where the
//! backend takes the token (one spec finding), and judge the refusal the spec leaves open
//! as one.

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

use accord_conformance::rules::Rule;

use crate::Run;

const SPEC: &str = r##"openapi: 3.0.0
info: { title: Conduit API, version: 1.0.0 }
servers: [{ url: /api }]
paths:
  /users:
    post:
      operationId: CreateUser
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: "#/components/schemas/NewUserRequest" }
      responses:
        default:
          description: ""
          content:
            application/json:
              schema: { $ref: "#/components/schemas/UserResponse" }
  /users/login:
    post:
      operationId: Login
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: "#/components/schemas/LoginUserRequest" }
      responses:
        default:
          description: ""
          content:
            application/json:
              schema: { $ref: "#/components/schemas/UserResponse" }
  /user:
    get:
      operationId: GetCurrentUser
      security: [{ bearer: [] }]
      responses:
        default:
          description: ""
          content:
            application/json:
              schema: { $ref: "#/components/schemas/UserResponse" }
  /articles:
    get:
      operationId: GetArticles
      responses:
        default:
          description: ""
          content:
            application/json:
              schema: { $ref: "#/components/schemas/MultipleArticlesResponse" }
    post:
      operationId: CreateArticle
      security: [{ bearer: [] }]
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: "#/components/schemas/NewArticleRequest" }
      responses:
        default:
          description: ""
          content:
            application/json:
              schema: { $ref: "#/components/schemas/SingleArticleResponse" }
  /articles/{slug}:
    parameters:
      - { name: slug, in: path, required: true, schema: { type: string } }
    get:
      operationId: GetArticle
      responses:
        default:
          description: ""
          content:
            application/json:
              schema: { $ref: "#/components/schemas/SingleArticleResponse" }
    put:
      operationId: UpdateArticle
      security: [{ bearer: [] }]
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: "#/components/schemas/UpdateArticleRequest" }
      responses:
        default:
          description: ""
          content:
            application/json:
              schema: { $ref: "#/components/schemas/SingleArticleResponse" }
    delete:
      operationId: DeleteArticle
      security: [{ bearer: [] }]
      responses:
        "200": { description: "" }
components:
  securitySchemes:
    bearer: { type: http, scheme: bearer, bearerFormat: JWT }
  schemas:
    NewUserRequest:
      type: object
      required: [user]
      properties:
        user:
          type: object
          required: [email, username, password]
          properties:
            email: { type: string }
            username: { type: string }
            password: { type: string }
    LoginUserRequest:
      type: object
      required: [user]
      properties:
        user:
          type: object
          required: [email, password]
          properties:
            email: { type: string }
            password: { type: string }
    UserResponse:
      type: object
      required: [user]
      properties:
        user:
          type: object
          required: [email, username, token]
          properties:
            email: { type: string }
            username: { type: string }
            token: { type: string }
    Article:
      type: object
      required: [slug, title, description, body, author]
      properties:
        slug: { type: string }
        title: { type: string }
        description: { type: string }
        body: { type: string }
        author:
          type: object
          required: [username]
          properties: { username: { type: string } }
    SingleArticleResponse:
      type: object
      required: [article]
      properties: { article: { $ref: "#/components/schemas/Article" } }
    MultipleArticlesResponse:
      type: object
      required: [articles, articlesCount]
      properties:
        articles: { type: array, items: { $ref: "#/components/schemas/Article" } }
        articlesCount: { type: number }
    NewArticleRequest:
      type: object
      required: [article]
      properties:
        article:
          type: object
          required: [title, description, body]
          properties:
            title: { type: string }
            description: { type: string }
            body: { type: string }
            tagList: { type: array, items: { type: string } }
    UpdateArticleRequest:
      type: object
      required: [article]
      properties:
        article:
          type: object
          properties:
            title: { type: string }
            description: { type: string }
            body: { type: string }
"##;

/// What the backend answers another user's edit or delete of an article.
#[derive(Clone, Copy, PartialEq)]
pub enum Others {
    /// 400 and nothing changed, as the NestJS Conduit answers.
    Refused400,
    /// 401 and nothing changed: the caller's session is called void.
    Refused401,
    /// The edit and the delete go through.
    Allowed,
}

#[derive(Default)]
struct State {
    /// (email, username, password)
    users: Vec<(String, String, String)>,
    /// (slug, title, description, body, author)
    articles: Vec<(String, String, String, String, String)>,
    next: u32,
}

#[derive(Clone)]
pub struct Nest {
    /// The word before the token in `Authorization` the backend takes.
    scheme: &'static str,
    others: Others,
    /// A create without `tagList` crashes (`undefined.map`), as the NestJS Conduit's does.
    tags_or_crash: bool,
    /// Its CORS layer takes every OPTIONS for a preflight: a bare one is 400 (`Invalid
    /// Preflight Request`, `@fastify/cors`'s), a browser's is answered; without it, every
    /// OPTIONS is 400, a browser's preflight too.
    preflights: bool,
    state: Arc<Mutex<State>>,
}

fn nest_error(status: u16, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({"message": message, "statusCode": status}))
}

impl Nest {
    pub fn new(scheme: &'static str, others: Others) -> Nest {
        Nest {
            scheme,
            others,
            tags_or_crash: false,
            preflights: true,
            state: Arc::new(Mutex::new(State::default())),
        }
    }

    pub fn no_preflights(mut self) -> Nest {
        self.preflights = false;
        self
    }

    pub fn tags_or_crash(mut self) -> Nest {
        self.tags_or_crash = true;
        self
    }
}

fn user_view(email: &str, username: &str) -> Value {
    json!({"user": {"email": email, "username": username, "token": format!("tok-{username}")}})
}

fn article_view(a: &(String, String, String, String, String)) -> Value {
    json!({"slug": a.0, "title": a.1, "description": a.2, "body": a.3,
        "author": {"username": a.4}})
}

impl Respond for Nest {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut s = self.state.lock().unwrap();
        let method = request.method.as_str().to_string();
        if method == "OPTIONS" {
            let preflight = request.headers.contains_key("origin")
                && request
                    .headers
                    .contains_key("access-control-request-method");
            if !(self.preflights && preflight) {
                return ResponseTemplate::new(400)
                    .set_body_raw("Invalid Preflight Request", "text/plain");
            }
            return ResponseTemplate::new(204)
                .insert_header("access-control-allow-origin", "*")
                .insert_header(
                    "access-control-allow-methods",
                    "GET,HEAD,PUT,PATCH,POST,DELETE",
                );
        }
        let Some(path) = request.url.path().strip_prefix("/api") else {
            return nest_error(404, "Cannot find that route");
        };
        let path = path.to_string();
        let body = serde_json::from_slice::<Value>(&request.body).unwrap_or(Value::Null);
        let text = |pointer: &str| {
            body.pointer(pointer)
                .and_then(Value::as_str)
                .map(String::from)
        };
        let caller = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix(self.scheme))
            .and_then(|v| v.strip_prefix(' '))
            .and_then(|t| t.strip_prefix("tok-"))
            .filter(|name| s.users.iter().any(|(_, u, _)| u == name))
            .map(String::from);
        match (method.as_str(), path.as_str()) {
            ("POST", "/users") => {
                let (Some(email), Some(username), Some(password)) = (
                    text("/user/email"),
                    text("/user/username"),
                    text("/user/password"),
                ) else {
                    return nest_error(400, "user must be an object");
                };
                if s.users
                    .iter()
                    .any(|(e, u, _)| *e == email || *u == username)
                {
                    return nest_error(400, "User already exists");
                }
                s.users.push((email.clone(), username.clone(), password));
                ResponseTemplate::new(201).set_body_json(user_view(&email, &username))
            }
            ("POST", "/users/login") => {
                let (email, password) = (text("/user/email"), text("/user/password"));
                match s
                    .users
                    .iter()
                    .find(|(e, _, p)| Some(e) == email.as_ref() && Some(p) == password.as_ref())
                {
                    Some((e, u, _)) => ResponseTemplate::new(200).set_body_json(user_view(e, u)),
                    None => nest_error(401, "Unauthorized"),
                }
            }
            ("GET", "/user") => match caller.and_then(|c| s.users.iter().find(|u| u.1 == c)) {
                Some((e, u, _)) => ResponseTemplate::new(200).set_body_json(user_view(e, u)),
                None => nest_error(401, "Unauthorized"),
            },
            ("GET", "/articles") => {
                let list: Vec<Value> = s.articles.iter().map(article_view).collect();
                ResponseTemplate::new(200)
                    .set_body_json(json!({"articles": list, "articlesCount": list.len()}))
            }
            ("POST", "/articles") => {
                let Some(author) = caller else {
                    return nest_error(401, "Unauthorized");
                };
                if self.tags_or_crash && body.pointer("/article/tagList").is_none() {
                    return nest_error(500, "Internal server error");
                }
                let (Some(title), Some(description), Some(text_body)) = (
                    text("/article/title"),
                    text("/article/description"),
                    text("/article/body"),
                ) else {
                    return nest_error(400, "article must be an object");
                };
                s.next += 1;
                let article = (
                    format!("article-{}", s.next),
                    title,
                    description,
                    text_body,
                    author,
                );
                let view = article_view(&article);
                s.articles.push(article);
                ResponseTemplate::new(201).set_body_json(json!({ "article": view }))
            }
            (_, p) if p.starts_with("/articles/") && !p[10..].contains('/') => {
                let slug = &p[10..];
                let Some(at) = s.articles.iter().position(|a| a.0 == slug) else {
                    return match method.as_str() {
                        "GET" | "PUT" | "DELETE" => nest_error(404, "Article not found"),
                        _ => nest_error(404, &format!("Cannot {method} /api{p}")),
                    };
                };
                if method == "GET" {
                    return ResponseTemplate::new(200)
                        .set_body_json(json!({"article": article_view(&s.articles[at])}));
                }
                if !matches!(method.as_str(), "PUT" | "DELETE") {
                    return nest_error(404, &format!("Cannot {method} /api{p}"));
                }
                let Some(caller) = caller else {
                    return nest_error(401, "Unauthorized");
                };
                if s.articles[at].4 != caller {
                    match self.others {
                        Others::Refused400 => {
                            return nest_error(400, "You cannot edit article from other authors");
                        }
                        Others::Refused401 => return nest_error(401, "Unauthorized"),
                        Others::Allowed => {}
                    }
                }
                if method == "DELETE" {
                    s.articles.remove(at);
                    return ResponseTemplate::new(200);
                }
                let article = &mut s.articles[at];
                if let Some(t) = text("/article/title") {
                    article.1 = t;
                }
                if let Some(d) = text("/article/description") {
                    article.2 = d;
                }
                if let Some(b) = text("/article/body") {
                    article.3 = b;
                }
                ResponseTemplate::new(200).set_body_json(json!({"article": article_view(article)}))
            }
            _ => nest_error(404, &format!("Cannot {method} /api{path}")),
        }
    }
}

/// A new user's first run on `backend`: the spec alone with the first account's credentials
/// in the environment (the sign-up makes it), seed 7, the scenarios of `tags`.
pub async fn first_run(backend: Nest, tags: &str) -> Run {
    let server = crate::serving(backend).await;
    let credentials = [
        ("ACCORD_USER", "accord-a@example.com"),
        ("ACCORD_PASSWORD", "accord-password-1"),
        ("ACCORD_NAME", "accorda"),
    ];
    crate::first_run_with(SPEC, format!("{}/api", server.uri()), tags, &credentials).await
}

fn passed(run: &Run, scenario: &str) -> bool {
    run.results["scenarios"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|s| {
            s["verdict"] == "passed" && s["scenario"].as_str().is_some_and(|n| n.contains(scenario))
        })
}

const TAGS: &str = "(@auth or @writes or @errors) and not @expiry";

/// The sign-in's token is where the `default` answer says (`/user/token`); the articles
/// are created, read back and deleted; an error answer is not judged by a `default` that
/// only says what success is (no envelope is assumed where the spec documents no error body).
#[tokio::test(flavor = "multi_thread")]
async fn a_spec_of_default_answers_alone_is_read_as_its_success() {
    let run = first_run(Nest::new("Token", Others::Refused400), TAGS).await;
    assert!(!run.stdout.contains("rule setup"), "{}", run.stdout);
    assert!(
        passed(&run, "What is created reads back, is listed and updates"),
        "{}",
        run.stdout
    );
    assert!(
        passed(&run, "a request without credentials is answered 401"),
        "{}",
        run.stdout
    );
    // That the 401 breaks the `default` schema is the spec's gap: a finding, once per
    // operation and status.
    assert!(
        run.failed_by(
            "Secured operations refuse no token",
            Rule::Spec,
            "CreateArticle 401 at /article: is required"
        ),
        "{}",
        run.stdout
    );
}

/// The spec's scheme says `Bearer`; the backend takes `Token`: one spec finding naming
/// both, and every signed-in check goes on as the backend's frontend sends the token. A
/// backend that takes what the spec says has no such finding.
#[tokio::test(flavor = "multi_thread")]
async fn a_token_refused_where_the_spec_puts_it_goes_where_the_backend_takes_it() {
    let run = first_run(Nest::new("Token", Others::Refused400), "@auth").await;
    assert!(
        run.stdout.contains(
            "GetCurrentUser 401: refuses the token where the spec's security scheme puts it (as `Authorization: Bearer`: 401) and takes it in the `Authorization` header after `Token` (200)"
        ),
        "{}",
        run.stdout
    );
    assert!(passed(&run, "A valid token is accepted"), "{}", run.stdout);
    assert!(!run.stdout.contains("auth.valid"), "{}", run.stdout);
    assert_eq!(
        run.code,
        Some(1),
        "the finding fails the run: {}",
        run.stdout
    );

    let as_said = first_run(Nest::new("Bearer", Others::Refused400), "@auth").await;
    assert!(
        !as_said.stdout.contains("refuses the token where"),
        "{}",
        as_said.stdout
    );
    assert!(
        passed(&as_said, "A valid token is accepted"),
        "{}",
        as_said.stdout
    );
}

/// Another author's edit and delete refused with 400, where the spec documents neither 403
/// nor 404, is a refusal (the article unchanged); with 401 it says the caller's session is
/// void, and letting them through is the defect itself.
#[tokio::test(flavor = "multi_thread")]
async fn another_user_s_write_is_refused_by_any_4xx_but_401_where_the_spec_names_none() {
    let tags = "@second_user";
    let run = first_run(Nest::new("Token", Others::Refused400), tags).await;
    assert!(
        passed(
            &run,
            "A second user cannot reach the first user's resources"
        ),
        "{}",
        run.stdout
    );
    let void = first_run(Nest::new("Token", Others::Refused401), tags).await;
    assert!(
        void.failed_by(
            "A second user cannot reach",
            Rule::CrossUserWrite,
            "UpdateArticle: answered 401, not 403 or 404 (nor another refusal than 401"
        ),
        "{}",
        void.stdout
    );
    let open = first_run(Nest::new("Token", Others::Allowed), tags).await;
    assert!(
        open.failed_by(
            "A second user cannot reach",
            Rule::CrossUserWrite,
            "the second user's UpdateArticle of the first user's resource answered 200"
        ),
        "{}",
        open.stdout
    );
}

/// The create crashes on the spec's own example (it has no `tagList`) and takes generated
/// inputs that have one: the crash is reported, and the operations under an article still
/// get one the run created, rather than being left out for want of a parent.
#[tokio::test(flavor = "multi_thread")]
async fn a_create_that_crashes_on_the_example_still_gives_its_dependents_a_parent() {
    let run = first_run(
        Nest::new("Token", Others::Refused400).tags_or_crash(),
        "@positive",
    )
    .await;
    assert!(
        run.failed_by(
            "Valid requests get a documented answer",
            Rule::Positive,
            "CreateArticle: a server error (500) for a valid request"
        ),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains(
            "UpdateArticle is left out of the generated calls: the run created no resource"
        ),
        "{}",
        run.stdout
    );
}

/// A bare OPTIONS, which no browser sends, refused by a CORS layer that takes every OPTIONS
/// for a preflight is no missing `Allow` where the same OPTIONS as a browser's preflight is
/// answered (noted); a layer that answers no preflight at all fails.
#[tokio::test(flavor = "multi_thread")]
async fn a_bare_options_refused_by_a_cors_layer_that_serves_preflights_is_noted_not_failed() {
    let scenario = "Every path answers a method it does not document with the methods it has";
    let run = first_run(Nest::new("Token", Others::Refused400), "@errors").await;
    assert!(passed(&run, scenario), "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "answered 400, and as a browser's preflight 204: its CORS layer takes every OPTIONS for a preflight"
        ),
        "{}",
        run.stdout
    );
    let none = first_run(
        Nest::new("Token", Others::Refused400).no_preflights(),
        "@errors",
    )
    .await;
    assert!(
        none.failed_by(
            scenario,
            Rule::ErrorsStatus,
            "answered 400, not 405 with `Allow`"
        ),
        "{}",
        none.stdout
    );
}

//! A backend in another style than the reference (`fixtures/backends/articles-token.yaml`):
//! `Authorization: Token <jwt>`, answers wrapped in an object named after the resource,
//! slugs for ids, 400 for validation in an `{"errors": {...}}` envelope, and a field the
//! server fills in later. Correct, except for one fault at a time; it counts what a run
//! must never send: writes under `--read-only`, and writes to an article the run did not
//! create (the spec's own example slug names a real article here).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{MockServer, Request, Respond, ResponseTemplate};

use crate::{Run, harness_in, root};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    None,
    /// Bob's login answers Alice's token: the second identity is the first.
    SecondIsFirst,
    /// Not a fault: every token's subject is the constant `access`, the user in a `username`
    /// claim of its own (as nsidnev's FastAPI RealWorld app signs them).
    ConstantSubject,
    /// Anyone signed in may update anyone's article.
    NonAuthorUpdates,
    /// Anyone signed in may update anyone's article, and a new title moves it to a new slug.
    NonAuthorMovesArticle,
    /// The list answers without a token.
    ListWithoutToken,
    /// Articles are everyone's to read, with or without a token (where the spec secures
    /// their reads): a missing refusal, not a leak to another user.
    AnonymousReads,
    /// Validation is answered 422, where the spec documents 400.
    Validation422,
    /// Validation errors come as `application/problem+json` (Spring's `ProblemDetail`, to
    /// any `Accept`), where the spec declares `application/json`.
    ValidationAsProblemJson,
    /// A missing token is answered 403, where the spec documents 401.
    Forbidden403,
    /// `views` reads back as another number than the one written.
    ViewsChanged,
    /// The article is answered bare, not wrapped in `{"article": ...}`.
    Unwrapped,
    /// Not a fault: a public API's CORS, `Access-Control-Allow-Origin: *` without credentials.
    PublicCors,
    /// `*` with `Access-Control-Allow-Credentials: true`.
    WildcardWithCredentials,
    /// Not a fault: an update of the title moves the article to a new slug.
    SlugFollowsTitle,
    /// Not a fault (with a spec that says so): anyone signed in reads any article.
    PublicReads,
    /// A delete answers 500 and deletes nothing.
    DeleteFails,
    /// The admin's statistics crash (500): only a privileged identity can see it.
    AdminStatsCrash,
    /// A NUL character in a title crashes the create (500), as a database driver does.
    NulCrash,
    /// A character outside the Basic Multilingual Plane (an emoji) in a title crashes the
    /// create (500), as a database column of 3-byte UTF-8 does.
    EmojiTitleCrash,
    /// A title with markup is refused (422, the backend defending itself), and one with a
    /// path (`../`) crashes the create (500): a refusal of one kind of text hides no crash
    /// of another.
    PathTitleCrash,
    /// As `PathTitleCrash`, the markup refused with an empty 403 (Spring Boot's every error,
    /// forwarded to an `/error` its security lets no one reach): the refusal is the value's,
    /// not the user's, and the search goes on to the path's crash.
    ForbiddenMarkupPathCrash,
    /// Not a fault of the input: the first title with a path crashes the create (500), as a
    /// race with a concurrent request does; the same request sent again is created.
    PathTitleCrashOnce,
    /// A NUL in the feedback form's `message` crashes it (500); the form is otherwise
    /// checked as its schema says (a `rating` of 1 to 5, a `message` of at most 200).
    FormNulCrash,
    /// A title that is not a string (`{"article": {"title": 12345}}`) crashes the create
    /// (500: `title.trim is not a function`), where a wrong type at the top level is refused.
    NestedWrongTypeCrash,
    /// An update accepts a title that is not a string (200), storing it as text.
    NestedWrongTypeAccepted,
    /// An item of the list filter `ids` (`?ids=1&ids=2`, only in `ids_spec`'s document)
    /// that is not a number crashes the list (500), where a correct one refuses it (400).
    ListItemCrash,
    /// The comments of a deleted article are still listed (200, an empty list), not 404.
    CommentsOfDeletedArticle,
    /// Not a fault of the inputs: the signed-in user may not comment (403, outside the
    /// envelope, whatever the comment).
    CommentsForbidden,
    /// Every comment is refused as invalid (400 in the envelope), whatever it holds.
    CommentsRefused,
    /// A negative offset reaches the database (500) instead of a 400.
    NegativeOffsetCrash,
    /// `views: null`, which the schema admits, crashes the create (500).
    NullViewsCrash,
    /// An update whose `body` is longer than 20 characters crashes (500).
    LongBodyUpdateCrash,
    /// A create without `views`, which the spec makes optional, crashes (500): the backend
    /// reads it without checking (Quarkus RealWorld's `tagList`).
    CreateWithoutViewsCrash,
    /// Not a fault: another user's article is not found (404), and the answer names the slug
    /// it was asked for (`{"errors": {"article": ["not found"], "slug": ["..."]}}`).
    NotFoundEchoesSlug,
    /// A deleted article's slug reads as another article of its author's (200), as a
    /// database that gives a deleted row's id to the next one does.
    SlugReusedAfterDelete,
    /// The list sends an `X-Total-Count` the spec does not document, and it is the page
    /// size asked for, not the count.
    TotalHeaderIsPageSize,
    /// A 405's `Allow` names one route's methods, not the path's (as stock Starlette does).
    IncompleteAllow,
    /// Anyone signed in may delete anyone's comment.
    NonAuthorDeletesComment,
    /// An empty article `body`, which the schema admits (no `minLength`), is refused with 400.
    EmptyBodyRefused,
    /// A method `/api/user` does not document is answered 404, as if the path were unknown.
    UndeclaredMethod404,
    /// Every method a path does not document is answered 404, as gin's router does unless
    /// told to answer 405.
    EveryUndeclaredMethod404,
    /// An update that leaves the `body` field out crashes (500): only calls of the update on
    /// an article the run created find it.
    PartialUpdateCrash,
    /// Not a fault: the slug is made from the title and kept unique, so a create or an update
    /// to a title another article has is refused with an undocumented 422, as a database's
    /// unique index makes some backends do: a harness that collides with itself reports it.
    UniqueTitles,
    /// Not a fault: every answer takes 40 ms; when each request arrived is kept.
    Slow,
    /// Anyone signed in reads the admin's statistics (function-level authorization).
    AdminStatsOpen,
    /// The list's `articlesCount` counts five more than there are.
    WrongCount,
    /// Not a fault: the first list counts one more than it answers, as a count and a read in
    /// two queries do when a write falls between them; every later one agrees.
    CountRacesOnce,
    /// Not a fault: every list's count is off by another amount (one more, then one less,
    /// then two more...), as a count and a read in two queries are while writes keep
    /// falling between them.
    CountNeverSettles,
    /// The count never moves (always 100) while the items on the page do, as others write to
    /// the list: a wrong total at rest too, whatever the writes.
    CountStuckWhileItemsMove,
    /// A deleted article reads as 404 but is still listed (a delete that only marks the
    /// record, which the list does not filter).
    DeletedListed,
    /// A create whose body is JSON `null` is taken as an empty article (201).
    NullBodyAccepted,
    /// The slug is the title's ASCII letters and digits: a title with none makes an article
    /// named by an empty slug, which nothing can address.
    EmptySlug,
    /// The slug is what follows the title's first hyphen: a generated title (letters and
    /// digits) makes an article named by an empty slug; the spec's example (`accord-…`) one
    /// that can be found.
    HyphenSlug,
    /// Titles are unique (422 for one taken), and an article's slug is its title's letters
    /// and digits and a number: one of over 64 characters is stored and answered, but never
    /// found again at it (a lookup on an index of 64 characters), as the NestJS Conduit's
    /// article of a 10,000-character title is.
    LongSlugLost,
    /// Once an article whose title holds `%` is stored (which a create accepts), every later
    /// create is a server error, as gotify's creates are once it stored a `sortKey` it cannot
    /// order after.
    StoredTitleBreaksCreates,
    /// Every create is a server error, whatever its input (as one of a required-in-practice
    /// field left out): the boundary values are not the cause.
    CreateCrashes,
}

#[derive(Clone)]
struct Article {
    slug: String,
    title: String,
    body: String,
    author: String,
}

#[derive(Default)]
pub struct Counts {
    /// Requests of a non-safe method other than the login.
    pub writes: u32,
    /// PUT or DELETE of an article no run created (the seeded one).
    pub foreign_writes: u32,
    /// Logins answered.
    pub logins: u32,
}

#[derive(Clone)]
struct Comment {
    id: u32,
    slug: String,
    body: String,
    author: String,
}

#[derive(Default)]
struct State {
    articles: Vec<Article>,
    comments: Vec<Comment>,
    counter: u32,
    /// token -> user
    tokens: HashMap<String, String>,
    counts: Counts,
    /// When each request arrived (kept by `Fault::Slow`).
    arrivals: Vec<std::time::Instant>,
    /// Each write as it arrived: method, path and body.
    writes: Vec<String>,
    /// How many lists were answered.
    lists: u32,
    /// The articles deleted, which `Fault::DeletedListed` still lists.
    deleted: Vec<Article>,
    /// Whether `Fault::PathTitleCrashOnce` has crashed.
    crashed: bool,
}

#[derive(Clone)]
pub struct Articles {
    fault: Fault,
    state: Arc<Mutex<State>>,
    /// The list answers without a token, as a spec that leaves it open says.
    open_list: bool,
}

const SEEDED: &str = "seeded-article";

fn jwt(sub: &str, n: u32) -> String {
    let b64 = |v: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    format!(
        "{}.{}.c2lnLXt{n}",
        b64(json!({"alg": "HS256", "typ": "JWT"})),
        b64(json!({"sub": sub, "n": n}))
    )
}

fn errors(status: u16, field: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({"errors": {field: [message]}}))
}

impl Articles {
    pub fn new(fault: Fault) -> Articles {
        let state = State {
            articles: vec![Article {
                slug: SEEDED.into(),
                title: "Seeded".into(),
                body: "Not the run's".into(),
                author: "alice".into(),
            }],
            ..State::default()
        };
        Articles {
            fault,
            open_list: false,
            state: Arc::new(Mutex::new(state)),
        }
    }

    pub fn counts(&self) -> (u32, u32, u32) {
        let s = self.state.lock().unwrap();
        (s.counts.writes, s.counts.foreign_writes, s.counts.logins)
    }

    /// How many writes reached `method path`.
    pub fn writes_to(&self, method: &str, path: &str) -> usize {
        let prefix = format!("{method} {path} ");
        let s = self.state.lock().unwrap();
        s.writes.iter().filter(|w| w.starts_with(&prefix)).count()
    }

    /// The writes that arrived more than once, exactly alike, with how many times each.
    pub fn repeated_writes(&self) -> Vec<(String, usize)> {
        let s = self.state.lock().unwrap();
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for w in &s.writes {
            *seen.entry(w.as_str()).or_default() += 1;
        }
        let mut out: Vec<(String, usize)> = seen
            .into_iter()
            .filter(|(_, n)| *n > 1)
            .map(|(w, n)| (w.to_string(), n))
            .collect();
        out.sort();
        out
    }

    /// How many requests arrived within `gap` of the one before: requests sent at once.
    pub fn overlapping(&self, gap: std::time::Duration) -> usize {
        let s = self.state.lock().unwrap();
        s.arrivals.windows(2).filter(|w| w[1] - w[0] < gap).count()
    }

    /// The articles and comments the runs left behind (the seeded article aside).
    pub fn left(&self) -> usize {
        let s = self.state.lock().unwrap();
        s.articles.iter().filter(|a| a.slug != SEEDED).count() + s.comments.len()
    }

    fn view(&self, a: &Article) -> Value {
        let article = json!({
            "slug": a.slug, "title": a.title, "body": a.body, "author": a.author,
            "views": if self.fault == Fault::ViewsChanged { json!(424242) } else { Value::Null },
        });
        if self.fault == Fault::Unwrapped {
            article
        } else {
            json!({ "article": article })
        }
    }

    fn min_body(&self) -> usize {
        usize::from(self.fault == Fault::EmptyBodyRefused)
    }

    fn user(&self, request: &Request) -> Option<String> {
        let header = request.headers.get("authorization")?.to_str().ok()?;
        let token = header.strip_prefix("Token ")?;
        self.state.lock().unwrap().tokens.get(token).cloned()
    }

    fn refused(&self) -> ResponseTemplate {
        let status = if self.fault == Fault::Forbidden403 {
            403
        } else {
            401
        };
        errors(status, "token", "missing or invalid")
    }

    fn invalid(&self, field: &str) -> ResponseTemplate {
        let status = if self.fault == Fault::Validation422 {
            422
        } else {
            400
        };
        let answer = errors(status, field, "is invalid");
        if self.fault == Fault::ValidationAsProblemJson {
            let body = serde_json::to_vec(&json!({"errors": {field: ["is invalid"]}})).unwrap();
            return answer.set_body_raw(body, "application/problem+json");
        }
        answer
    }

    /// The title a body sets, if any.
    fn title_of(body: &[u8]) -> Option<String> {
        let value: Value = serde_json::from_slice(body).ok()?;
        value.pointer("/article/title")?.as_str().map(String::from)
    }

    /// The article fields of a body, checked: `Err` names the invalid field.
    fn article_of(
        body: &[u8],
        partial: bool,
        min_body: usize,
    ) -> Result<(Option<String>, Option<String>), String> {
        let value: Value = serde_json::from_slice(body).map_err(|_| "body".to_string())?;
        let article = value
            .get("article")
            .and_then(Value::as_object)
            .ok_or("article")?;
        let text = |name: &str, min: usize, max: usize| -> Result<Option<String>, String> {
            match article.get(name) {
                None if partial => Ok(None),
                None => Err(name.into()),
                Some(Value::String(s)) if (min..=max).contains(&s.chars().count()) => {
                    Ok(Some(s.clone()))
                }
                Some(_) => Err(name.into()),
            }
        };
        let title = text("title", 1, 100)?;
        let body = text("body", min_body, 1000)?;
        match article.get("views") {
            None | Some(Value::Null) => {}
            Some(v) if v.as_i64().is_some_and(|n| (0..=1_000_000).contains(&n)) && !partial => {}
            Some(_) => return Err("views".into()),
        }
        Ok((title, body))
    }
}

impl Respond for Articles {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if request.method.as_str() != "GET" {
            self.state.lock().unwrap().writes.push(format!(
                "{} {} {}",
                request.method,
                request.url.path(),
                String::from_utf8_lossy(&request.body)
            ));
        }
        if self.fault == Fault::Slow {
            self.state
                .lock()
                .unwrap()
                .arrivals
                .push(std::time::Instant::now());
            return self
                .answer(request)
                .set_delay(std::time::Duration::from_millis(40));
        }
        if self.fault == Fault::UniqueTitles {
            // Answers take 0 to 5 ms, at random, as a real backend's do: the scenarios run
            // at once interleave differently from run to run.
            let delay = std::time::Duration::from_micros(rand::random::<u64>() % 5000);
            return self.answer(request).set_delay(delay);
        }
        if !matches!(
            self.fault,
            Fault::PublicCors | Fault::WildcardWithCredentials
        ) {
            return self.answer(request);
        }
        let answer = if request.method.as_str() == "OPTIONS" {
            ResponseTemplate::new(204)
                .insert_header("access-control-allow-methods", "GET, POST, PUT, DELETE")
                .insert_header(
                    "access-control-allow-headers",
                    "authorization, content-type",
                )
        } else {
            self.answer(request)
        };
        let answer = answer.insert_header("access-control-allow-origin", "*");
        if self.fault == Fault::WildcardWithCredentials {
            answer.insert_header("access-control-allow-credentials", "true")
        } else {
            answer
        }
    }
}

impl Articles {
    fn answer(&self, request: &Request) -> ResponseTemplate {
        let method = request.method.as_str().to_string();
        let path = request.url.path().to_string();
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        let is_json = request
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.starts_with("application/json"));
        let login = method == "POST" && path == "/api/users/login";
        if !matches!(method.as_str(), "GET" | "HEAD" | "OPTIONS") && !login {
            let mut s = self.state.lock().unwrap();
            s.counts.writes += 1;
            if matches!(method.as_str(), "PUT" | "DELETE")
                && segments.len() == 3
                && segments[2] == SEEDED
            {
                s.counts.foreign_writes += 1;
            }
        }
        if login {
            let Ok(body) = serde_json::from_slice::<Value>(&request.body) else {
                return self.invalid("body");
            };
            let email = body.pointer("/user/email").and_then(Value::as_str);
            let password = body.pointer("/user/password").and_then(Value::as_str);
            let user = match (email, password) {
                (Some("alice@example.com"), Some("pw-alice")) => "alice",
                (Some("bob@example.com"), Some("pw-bob")) if self.fault == Fault::SecondIsFirst => {
                    "alice"
                }
                (Some("bob@example.com"), Some("pw-bob")) => "bob",
                (Some("carol@example.com"), Some("pw-carol")) => "carol",
                (Some(_), Some(_)) => return errors(401, "credentials", "are wrong"),
                _ => return self.invalid("user"),
            };
            let mut s = self.state.lock().unwrap();
            s.counter += 1;
            s.counts.logins += 1;
            let token = if self.fault == Fault::ConstantSubject {
                let b64 = |v: Value| {
                    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
                };
                format!(
                    "{}.{}.c2lnLXt{}",
                    b64(json!({"alg": "HS256", "typ": "JWT"})),
                    b64(json!({"sub": "access", "username": user, "n": s.counter})),
                    s.counter
                )
            } else {
                jwt(user, s.counter)
            };
            s.tokens.insert(token.clone(), user.to_string());
            return ResponseTemplate::new(200).set_body_json(json!({"user": {
                "email": email, "token": token, "username": user,
            }}));
        }
        if segments.as_slice() == ["api", "admin", "users"] && method == "POST" {
            // An account made by whoever is signed in (only `spec_with_admin_users` has it).
            return ResponseTemplate::new(201)
                .set_body_json(json!({"user": {"email": "x@example.com"}}));
        }
        if segments.as_slice() == ["api", "admin", "stats"] && method == "GET" {
            return match self.user(request).as_deref() {
                None => self.refused(),
                Some("carol") if self.fault == Fault::AdminStatsCrash => {
                    errors(500, "server", "failed")
                }
                Some(user) if user == "carol" || self.fault == Fault::AdminStatsOpen => {
                    let n = self.state.lock().unwrap().articles.len();
                    ResponseTemplate::new(200).set_body_json(json!({ "articles": n }))
                }
                Some(_) => errors(403, "role", "admins only"),
            };
        }
        if let ["api", "articles", slug, "comments", rest @ ..] = segments.as_slice() {
            return self.comments(request, &method, slug, rest);
        }
        let known = matches!(
            (segments.as_slice(), method.as_str()),
            (["api", "user"], "GET")
                | (["api", "articles"], "GET" | "POST")
                | (["api", "articles", _], "GET" | "PUT" | "DELETE")
                | (["api", "feedback"], "POST")
        );
        if !known {
            let allow = match segments.as_slice() {
                ["api", "users", "login"] if self.fault == Fault::IncompleteAllow => Some("GET"),
                ["api", "users", "login"] => Some("POST"),
                ["api", "user"] => Some("GET"),
                ["api", "articles"] => Some("GET, POST"),
                ["api", "articles", _] => Some("GET, PUT, DELETE"),
                ["api", "feedback"] => Some("POST"),
                _ => None,
            };
            return match allow {
                Some(_) if self.fault == Fault::UndeclaredMethod404 && path == "/api/user" => {
                    errors(404, "route", "not found")
                }
                Some(_) if self.fault == Fault::EveryUndeclaredMethod404 => {
                    errors(404, "route", "not found")
                }
                Some(allow) => errors(405, "method", "not allowed").insert_header("allow", allow),
                None => errors(404, "route", "not found"),
            };
        }
        let public = ((self.fault == Fault::ListWithoutToken || self.open_list)
            && method == "GET"
            && segments.as_slice() == ["api", "articles"])
            || (self.fault == Fault::AnonymousReads
                && method == "GET"
                && matches!(
                    segments.as_slice(),
                    ["api", "articles"] | ["api", "articles", _]
                ));
        let user = match self.user(request) {
            Some(u) => u,
            None if public => "anonymous".into(),
            None => return self.refused(),
        };
        match (segments.as_slice(), method.as_str()) {
            (["api", "user"], _) => ResponseTemplate::new(200).set_body_json(json!({"user": {
                "email": format!("{user}@example.com"), "token": "", "username": user,
            }})),
            // A form (`application/x-www-form-urlencoded`), only in `form_spec`'s document.
            (["api", "feedback"], "POST") => {
                let form: HashMap<String, String> = url::form_urlencoded::parse(&request.body)
                    .into_owned()
                    .collect();
                let Some(message) = form.get("message").cloned() else {
                    return self.invalid("message");
                };
                if self.fault == Fault::FormNulCrash && message.contains('\0') {
                    return errors(500, "server", "invalid byte sequence");
                }
                let rating = form.get("rating").and_then(|r| r.parse::<i64>().ok());
                if !rating.is_some_and(|r| (1..=5).contains(&r)) {
                    return self.invalid("rating");
                }
                if message.chars().count() > 200 {
                    return self.invalid("message");
                }
                ResponseTemplate::new(201).set_body_json(json!({"received": true}))
            }
            (["api", "articles"], "GET") => {
                let pairs: HashMap<String, String> =
                    request.url.query_pairs().into_owned().collect();
                let number = |name: &str, default: i64| match pairs.get(name) {
                    None => Ok(default),
                    Some(v) => v.parse::<i64>().map_err(|_| name.to_string()),
                };
                let ids: Vec<String> = request
                    .url
                    .query_pairs()
                    .filter(|(k, _)| k == "ids")
                    .map(|(_, v)| v.into_owned())
                    .collect();
                if ids.iter().any(|i| i.parse::<i64>().is_err()) {
                    if self.fault == Fault::ListItemCrash {
                        return errors(500, "server", "invalid input syntax for type integer");
                    }
                    return self.invalid("ids");
                }
                if self.fault == Fault::NegativeOffsetCrash
                    && number("offset", 0).is_ok_and(|o| o < 0)
                {
                    return errors(500, "server", "OFFSET must not be negative");
                }
                let (limit, offset) = match (number("limit", 20), number("offset", 0)) {
                    (Ok(l), Ok(o)) if (1..=50).contains(&l) && o >= 0 => (l, o),
                    _ => return self.invalid("limit"),
                };
                let mut s = self.state.lock().unwrap();
                let ghosts = if self.fault == Fault::DeletedListed {
                    s.deleted.as_slice()
                } else {
                    &[]
                };
                let mut mine: Vec<Value> = s
                    .articles
                    .iter()
                    .chain(ghosts)
                    .filter(|a| a.author == user || public)
                    .skip(offset as usize)
                    .take(limit as usize)
                    .map(|a| self.view(a)["article"].clone())
                    .collect();
                s.lists += 1;
                if self.fault == Fault::CountStuckWhileItemsMove {
                    // Another writer's articles, one more or fewer on each read.
                    for i in 0..s.lists % 3 {
                        mine.push(json!({"slug": format!("other-{i}"), "title": "another's"}));
                    }
                }
                let count = (mine.len() as i64
                    + match self.fault {
                        Fault::WrongCount => 5,
                        Fault::CountStuckWhileItemsMove => 100 - mine.len() as i64,
                        Fault::CountRacesOnce if s.lists == 1 => 1,
                        Fault::CountNeverSettles => [1, -1, 2, -2, 3][(s.lists as usize - 1) % 5],
                        _ => 0,
                    })
                .max(0);
                let answer = ResponseTemplate::new(200)
                    .set_body_json(json!({"articlesCount": count, "articles": mine}));
                if self.fault == Fault::TotalHeaderIsPageSize {
                    return answer.insert_header("x-total-count", limit.to_string().as_str());
                }
                answer
            }
            (["api", "articles"], "POST") => {
                if !is_json {
                    return self.invalid("body");
                }
                let text = String::from_utf8_lossy(&request.body);
                if self.fault == Fault::NullBodyAccepted && text.trim() == "null" {
                    let mut s = self.state.lock().unwrap();
                    s.counter += 1;
                    let article = Article {
                        slug: format!("article-{}", s.counter),
                        title: String::new(),
                        body: String::new(),
                        author: user,
                    };
                    s.articles.push(article.clone());
                    return ResponseTemplate::new(201).set_body_json(self.view(&article));
                }
                if self.fault == Fault::CreateCrashes {
                    return errors(500, "server", "tagList is not iterable");
                }
                if self.fault == Fault::CreateWithoutViewsCrash
                    && serde_json::from_slice::<Value>(&request.body)
                        .ok()
                        .is_some_and(|b| b["article"].get("views").is_none())
                {
                    return errors(500, "server", "Cannot invoke \"Integer.intValue()\"");
                }
                if self.fault == Fault::StoredTitleBreaksCreates
                    && self
                        .state
                        .lock()
                        .unwrap()
                        .articles
                        .iter()
                        .any(|a| a.title.contains('%'))
                {
                    return errors(500, "server", "invalid order key");
                }
                if self.fault == Fault::NulCrash && text.contains("\\u0000") {
                    return errors(500, "server", "invalid byte sequence");
                }
                if self.fault == Fault::EmojiTitleCrash
                    && Self::title_of(&request.body)
                        .is_some_and(|t| t.chars().any(|c| c as u32 > 0xFFFF))
                {
                    return errors(500, "server", "Incorrect string value for column 'title'");
                }
                if self.fault == Fault::PathTitleCrashOnce
                    && Self::title_of(&request.body).is_some_and(|t| t.contains("../"))
                {
                    let mut s = self.state.lock().unwrap();
                    if !s.crashed {
                        s.crashed = true;
                        return errors(
                            500,
                            "server",
                            "duplicate key value violates unique constraint",
                        );
                    }
                }
                if matches!(
                    self.fault,
                    Fault::PathTitleCrash | Fault::ForbiddenMarkupPathCrash
                ) && let Some(t) = Self::title_of(&request.body)
                {
                    if t.contains('<') && self.fault == Fault::ForbiddenMarkupPathCrash {
                        return ResponseTemplate::new(403);
                    }
                    if t.contains('<') {
                        return errors(422, "title", "must not hold markup");
                    }
                    if t.contains("../") {
                        return errors(500, "server", "ENOENT: no such file or directory");
                    }
                }
                if self.fault == Fault::NestedWrongTypeCrash
                    && serde_json::from_slice::<Value>(&request.body)
                        .ok()
                        .and_then(|v| v.pointer("/article/title").cloned())
                        .is_some_and(|t| !t.is_string())
                {
                    return errors(500, "server", "title.trim is not a function");
                }
                if self.fault == Fault::NullViewsCrash && text.contains("\"views\":null") {
                    return errors(500, "server", "null value in column");
                }
                let (title, body) = match Self::article_of(&request.body, false, self.min_body()) {
                    Ok(fields) => fields,
                    Err(field) => return self.invalid(&field),
                };
                let mut s = self.state.lock().unwrap();
                if matches!(self.fault, Fault::UniqueTitles | Fault::LongSlugLost)
                    && let Some(t) = &title
                    && s.articles.iter().any(|a| &a.title == t)
                {
                    return errors(422, "title", "UNIQUE constraint failed");
                }
                s.counter += 1;
                let slug = match (&self.fault, &title) {
                    (Fault::EmptySlug, Some(t)) => t
                        .chars()
                        .filter(char::is_ascii_alphanumeric)
                        .collect::<String>()
                        .to_lowercase(),
                    (Fault::LongSlugLost, Some(t)) => format!(
                        "{}-{}",
                        t.chars()
                            .filter(char::is_ascii_alphanumeric)
                            .collect::<String>()
                            .to_lowercase(),
                        s.counter
                    ),
                    (Fault::HyphenSlug, Some(t)) => t
                        .split_once('-')
                        .map(|(_, rest)| rest.to_string())
                        .unwrap_or_default(),
                    _ => format!("article-{}", s.counter),
                };
                let article = Article {
                    slug,
                    title: title.unwrap_or_default(),
                    body: body.unwrap_or_default(),
                    author: user,
                };
                s.articles.push(article.clone());
                ResponseTemplate::new(201).set_body_json(self.view(&article))
            }
            ([_, _, slug], _) => {
                let slug = slug.to_string();
                let mut s = self.state.lock().unwrap();
                let lost = |a: &Article| self.fault == Fault::LongSlugLost && a.slug.len() > 64;
                let Some(index) = s.articles.iter().position(|a| a.slug == slug && !lost(a)) else {
                    if self.fault == Fault::SlugReusedAfterDelete
                        && method == "GET"
                        && let Some(other) = s.articles.iter().find(|a| a.author == user)
                    {
                        return ResponseTemplate::new(200).set_body_json(self.view(other));
                    }
                    return errors(404, "article", "not found");
                };
                let mine = s.articles[index].author == user;
                match method.as_str() {
                    "GET"
                        if mine
                            || matches!(self.fault, Fault::PublicReads | Fault::AnonymousReads) =>
                    {
                        ResponseTemplate::new(200).set_body_json(self.view(&s.articles[index]))
                    }
                    "GET" if self.fault == Fault::NotFoundEchoesSlug => ResponseTemplate::new(404)
                        .set_body_json(
                            json!({"errors": {"article": ["not found"], "slug": [slug]}}),
                        ),
                    "GET" => errors(404, "article", "not found"),
                    _ if !mine
                        && (!matches!(
                            self.fault,
                            Fault::NonAuthorUpdates | Fault::NonAuthorMovesArticle
                        ) || method != "PUT") =>
                    {
                        errors(403, "article", "not yours")
                    }
                    "PUT" => {
                        if !is_json {
                            return self.invalid("body");
                        }
                        // A title of another type, taken as its text.
                        let mut sent = request.body.clone();
                        if self.fault == Fault::NestedWrongTypeAccepted
                            && let Ok(mut v) = serde_json::from_slice::<Value>(&sent)
                            && let Some(t) = v.pointer_mut("/article/title")
                            && !t.is_string()
                        {
                            *t = json!(t.to_string());
                            sent = v.to_string().into_bytes();
                        }
                        let (title, body) = match Self::article_of(&sent, true, self.min_body()) {
                            Ok(fields) => fields,
                            Err(field) => return self.invalid(&field),
                        };
                        if self.fault == Fault::LongBodyUpdateCrash
                            && body.as_ref().is_some_and(|b| b.chars().count() > 20)
                        {
                            return errors(
                                500,
                                "server",
                                "value too long for type character varying(20)",
                            );
                        }
                        if self.fault == Fault::PartialUpdateCrash && body.is_none() {
                            return errors(500, "server", "body is None");
                        }
                        if self.fault == Fault::UniqueTitles
                            && let Some(t) = &title
                            && s.articles.iter().any(|a| &a.title == t && a.slug != slug)
                        {
                            return errors(422, "title", "UNIQUE constraint failed");
                        }
                        s.counter += 1;
                        let counter = s.counter;
                        let a = &mut s.articles[index];
                        let mut moved = None;
                        if let Some(t) = title {
                            if matches!(
                                self.fault,
                                Fault::SlugFollowsTitle | Fault::NonAuthorMovesArticle
                            ) {
                                a.slug = format!("moved-{counter}");
                                moved = Some(a.slug.clone());
                            }
                            a.title = t;
                        }
                        if let Some(b) = body {
                            a.body = b;
                        }
                        let a = a.clone();
                        // Its comments belong to the article, wherever it moves.
                        if let Some(now) = moved {
                            for c in s.comments.iter_mut().filter(|c| c.slug == slug) {
                                c.slug = now.clone();
                            }
                        }
                        ResponseTemplate::new(200).set_body_json(self.view(&a))
                    }
                    _ if self.fault == Fault::DeleteFails => errors(500, "server", "failed"),
                    _ => {
                        // Its comments go with it, as a foreign key's cascade takes them; the
                        // backend whose articles move keeps them (no cascade), so a run must
                        // delete them where they moved to.
                        let gone = s.articles.remove(index);
                        s.deleted.push(gone);
                        if self.fault != Fault::SlugFollowsTitle {
                            s.comments.retain(|c| c.slug != slug);
                        }
                        ResponseTemplate::new(204)
                    }
                }
            }
            _ => errors(404, "route", "not found"),
        }
    }
}

impl Articles {
    /// `/api/articles/{slug}/comments[/{id}]`: comments on an article its author can read;
    /// only a comment's author deletes it.
    fn comments(
        &self,
        request: &Request,
        method: &str,
        slug: &str,
        rest: &[&str],
    ) -> ResponseTemplate {
        let allow = if rest.is_empty() {
            "GET, POST"
        } else {
            "DELETE"
        };
        let known = matches!((rest.len(), method), (0, "GET" | "POST") | (1, "DELETE"));
        if !known && self.fault == Fault::EveryUndeclaredMethod404 {
            return errors(404, "route", "not found");
        }
        if !known {
            return errors(405, "method", "not allowed").insert_header("allow", allow);
        }
        let Some(user) = self.user(request) else {
            return self.refused();
        };
        let mut s = self.state.lock().unwrap();
        let readable = s
            .articles
            .iter()
            .any(|a| a.slug == slug && a.author == user);
        let careless = self.fault == Fault::NonAuthorDeletesComment && method == "DELETE";
        if self.fault == Fault::CommentsForbidden && method == "POST" {
            return ResponseTemplate::new(403).set_body_json(json!({"detail": "forbidden"}));
        }
        if self.fault == Fault::CommentsRefused && method == "POST" {
            return ResponseTemplate::new(400)
                .set_body_json(json!({"errors": {"body": ["is not allowed here"]}}));
        }
        let gone = self.fault == Fault::CommentsOfDeletedArticle
            && method == "GET"
            && rest.is_empty()
            && !s.articles.iter().any(|a| a.slug == slug);
        if gone {
            return ResponseTemplate::new(200).set_body_json(json!({"comments": []}));
        }
        if !readable && !careless {
            return errors(404, "article", "not found");
        }
        match (rest, method) {
            ([], "GET") => {
                let comments: Vec<Value> = s
                    .comments
                    .iter()
                    .filter(|c| c.slug == slug)
                    .map(|c| json!({"id": c.id, "body": c.body, "author": c.author}))
                    .collect();
                ResponseTemplate::new(200).set_body_json(json!({ "comments": comments }))
            }
            ([], _) => {
                let body = serde_json::from_slice::<Value>(&request.body)
                    .ok()
                    .and_then(|v| {
                        v.pointer("/comment/body")
                            .and_then(Value::as_str)
                            .map(String::from)
                    })
                    .filter(|b| (1..=500).contains(&b.chars().count()));
                let Some(body) = body else {
                    return self.invalid("comment");
                };
                s.counter += 1;
                let comment = Comment {
                    id: s.counter,
                    slug: slug.to_string(),
                    body,
                    author: user,
                };
                s.comments.push(comment.clone());
                ResponseTemplate::new(201).set_body_json(json!({"comment": {
                    "id": comment.id, "body": comment.body, "author": comment.author,
                }}))
            }
            ([id], _) => {
                let Some(index) = s
                    .comments
                    .iter()
                    .position(|c| c.slug == slug && c.id.to_string() == *id)
                else {
                    return errors(404, "comment", "not found");
                };
                if s.comments[index].author != user && self.fault != Fault::NonAuthorDeletesComment
                {
                    return errors(403, "comment", "not yours");
                }
                s.comments.remove(index);
                ResponseTemplate::new(204)
            }
            _ => errors(404, "route", "not found"),
        }
    }
}

/// The profile a new user writes for this backend.
pub fn profile(dir: &Path, spec: &Path) -> PathBuf {
    let text = format!(
        r##"
base_url = "http://127.0.0.1:1"
spec = "{}"
request_timeout_secs = 3
deadline_secs = 60

[auth]
kind = "login"
operation = "login"
body = {{ user = {{ email = "alice@example.com", password = "pw-alice" }} }}
second_body = {{ user = {{ email = "bob@example.com", password = "pw-bob" }} }}
access_token = "body:/user/token"

[cors]
allowed_origins = ["http://localhost:5173"]

[errors]
envelope = "schema"
schema = "#/components/schemas/Errors"

[behaviour]
examples = 5
expiry_wait_secs = 0
"##,
        spec.display().to_string().replace('\\', "/")
    );
    let path = dir.join("articles.toml");
    std::fs::write(&path, text).unwrap();
    path
}

pub fn spec_path() -> PathBuf {
    root().join("fixtures/backends/articles-token.yaml")
}

/// What a run of the harness printed, and the backend it ran against.
pub async fn run(fault: Fault, tags: &str, extra: &[&str]) -> (Run, Articles) {
    run_with_spec(fault, tags, extra, spec_path()).await
}

pub async fn run_with_spec(
    fault: Fault,
    tags: &str,
    extra: &[&str],
    spec: PathBuf,
) -> (Run, Articles) {
    let server = MockServer::start().await;
    let backend = Articles::new(fault);
    wiremock::Mock::given(any())
        .respond_with(backend.clone())
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let profile = profile(dir.path(), &spec);
    let mut args: Vec<String> = vec!["--tags".into(), tags.into()];
    args.extend(extra.iter().map(|s| s.to_string()));
    let run = harness_in(profile, server.uri(), args, dir).await;
    (run, backend)
}

/// The spec with the list of articles left open (`security: []`), in `dir`.
fn open_list_spec(dir: &Path) -> PathBuf {
    let mut spec = accord_spec::Document::load(spec_path()).unwrap().document;
    spec.pointer_mut("/paths/~1api~1articles/get")
        .and_then(Value::as_object_mut)
        .unwrap()
        .insert("security".into(), json!([]));
    let path = dir.join("open-list.json");
    std::fs::write(&path, spec.to_string()).unwrap();
    path
}

/// A run of `--spec` alone (no profile) with no credentials in the environment, against
/// `backend`, with `args`.
async fn run_spec_alone(backend: Articles, spec: PathBuf, args: &[&str]) -> Run {
    let server = MockServer::start().await;
    wiremock::Mock::given(any())
        .respond_with(backend)
        .mount(&server)
        .await;
    let args = args.iter().map(|a| a.to_string()).collect();
    crate::spec_alone(spec, server.uri(), args).await
}

/// [`run_spec_alone`] against the backend with `fault` whose list is open, under the spec
/// that says so.
async fn run_anonymous(fault: Fault, tags: &str) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let backend = Articles {
        open_list: true,
        ..Articles::new(fault)
    };
    run_spec_alone(backend, open_list_spec(dir.path()), &["--tags", tags]).await
}

/// A spec that secures nothing has no credential for the token checks to refuse: they are
/// skipped, saying so (before, each failed as a setup error), and `--strict` fails them.
#[tokio::test(flavor = "multi_thread")]
async fn a_spec_that_secures_nothing_skips_the_token_checks_saying_why() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = accord_spec::Document::load(spec_path()).unwrap().document;
    fn unsecure(v: &mut Value) {
        if let Some(map) = v.as_object_mut() {
            map.remove("security");
            map.values_mut().for_each(unsecure);
        }
    }
    unsecure(&mut spec);
    let path = dir.path().join("open.json");
    std::fs::write(&path, spec.to_string()).unwrap();
    let tags = ["--tags", "@auth and not @login"];
    let lenient = run_spec_alone(Articles::new(Fault::None), path.clone(), &tags).await;
    let strict = run_spec_alone(
        Articles::new(Fault::None),
        path,
        &[tags[0], tags[1], "--strict"],
    )
    .await;
    let stdout = &lenient.stdout;
    assert_eq!(lenient.code, Some(0), "{stdout}");
    assert!(
        stdout.contains(
            "skipped: Authentication: Secured operations refuse no token (the spec secures no operation: there is no credential to refuse)"
        ),
        "{stdout}"
    );
    assert!(!stdout.contains("Check failed"), "{stdout}");
    assert_eq!(strict.code, Some(1), "{}", strict.stdout);
}

/// Without credentials, the behaviour phase still calls what the spec leaves open, as a
/// visitor, and finds a crash there; what the spec secures is listed as left out, saying
/// why (before, every behaviour scenario was skipped for want of `[auth]`).
#[tokio::test(flavor = "multi_thread")]
async fn a_run_without_credentials_checks_what_the_spec_leaves_open() {
    let run = run_anonymous(Fault::None, "@behaviour or @errors").await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    // The error cases go to the open operations: the sign-in takes the broken bodies.
    assert!(
        run.stdout.contains("tag @errors")
            && !run.stdout.contains("skipped: Error envelopes: a body"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("list_articles ("), "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "note: behaviour: create_article is left out of the generated calls: it is secured (Token), and the run has no credentials"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "note: behaviour: login is left out of the generated calls: it exchanges credentials or a token for a session"
        ),
        "{}",
        run.stdout
    );
    // A backend whose open sign-in answers a broken body with another status than the spec
    // documents fails there.
    let wrong = run_anonymous(Fault::Validation422, "@errors").await;
    assert_eq!(wrong.code, Some(1), "{}", wrong.stdout);
    assert!(
        wrong.stdout.contains(
            "rule errors.status: expected 400, got 422 (from what the spec documents for login)"
        ),
        "{}",
        wrong.stdout
    );
    let broken = run_anonymous(Fault::NegativeOffsetCrash, "@behaviour").await;
    assert_eq!(broken.code, Some(1), "{}", broken.stdout);
    assert!(
        broken
            .stdout
            .contains("Check failed: rule behaviour.boundary: ")
            && broken.stdout.contains(
                "list_articles: a server error (500) for just below the minimum 0 (query parameter `offset`)"
            ),
        "{}",
        broken.stdout
    );
}

/// The checks this backend's style touches; the others need sections it has no use for.
const TAGS: &str = "@auth or @errors or @behaviour";

#[tokio::test(flavor = "multi_thread")]
async fn a_backend_in_another_style_passes_when_read_from_its_spec() {
    let (run, backend) = run(Fault::None, TAGS, &[]).await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert!(
        run.stdout.contains("the user's token goes in the `Authorization` header after `Token` (security scheme `Token`)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains(" 0 failed, "), "{}", run.stdout);
    assert!(
        run.stdout.contains("; 0 spec finding(s);"),
        "{}",
        run.stdout
    );
    // The comments under the article the run created were created, listed and deleted.
    for op in ["create_comment (", "list_comments (", "delete_comment ("] {
        assert!(run.stdout.contains(op), "{op}\n{}", run.stdout);
    }
    // What the generated calls leave out is said, with why.
    for left in [
        "note: behaviour: delete_article is left out of the generated calls: deleting what the run created is the resource chain's check",
        "note: behaviour: login is left out of the generated calls: the run signs in and out with it",
    ] {
        assert!(run.stdout.contains(left), "{left}\n{}", run.stdout);
    }
    // The cross-user, update and delete chain ran on the wrapped, slug-named article.
    assert!(run.stdout.contains("update_article ("), "{}", run.stdout);
    assert!(run.stdout.contains("delete_article ("), "{}", run.stdout);
    let (_, foreign, _) = backend.counts();
    assert_eq!(
        foreign, 0,
        "a write reached an article the run did not create"
    );
    assert_eq!(
        backend.left(),
        0,
        "the run left data behind:\n{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn read_only_sends_nothing_but_reads_and_one_sign_in_per_identity() {
    let (run, backend) = run(Fault::None, TAGS, &["--read-only"]).await;
    let (writes, foreign, logins) = backend.counts();
    assert_eq!(
        writes, 0,
        "--read-only sent {writes} write(s):\n{}",
        run.stdout
    );
    assert_eq!(foreign, 0);
    assert_eq!(
        logins, 1,
        "one sign-in for the one identity a read-only run uses"
    );
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("note: read-only: signed in with POST /api/users/login"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("(--read-only: the scenario writes)"),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_undocumented_401_is_one_spec_finding_and_the_auth_scenarios_pass() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = accord_spec::Document::load(spec_path()).unwrap().document;
    spec.pointer_mut("/paths/~1api~1articles~1{slug}/get/responses")
        .and_then(Value::as_object_mut)
        .unwrap()
        .remove("401");
    let path = dir.path().join("no-401.json");
    std::fs::write(&path, spec.to_string()).unwrap();
    let (run, _) = run_with_spec(Fault::None, "@auth", &[], path).await;
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("6 passed, 0 failed, 0 skipped; 1 spec finding(s)"),
        "{}",
        run.stdout
    );
    let finding = run
        .stdout
        .lines()
        .find(|l| l.starts_with("finding rule spec: get_article 401: status 401 is not documented"))
        .unwrap_or_else(|| panic!("{}", run.stdout));
    // One finding for the one gap, naming the five scenarios that met it.
    assert!(
        finding.contains(
            "(5 exchange(s); met in: Authentication: Secured operations refuse a malformed token;"
        ),
        "{finding}"
    );
    assert!(
        finding.contains("Authentication: Secured operations refuse no token"),
        "{finding}"
    );
}

/// The profile leaves `credentials` out: the spec's token travels in a header, so the
/// frontend sends no credentials across origins, and a backend answering `*` serves it.
#[tokio::test(flavor = "multi_thread")]
async fn a_public_api_answering_any_origin_without_credentials_passes_cors() {
    let (run, _) = run(Fault::PublicCors, "@cors", &[]).await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert!(
        run.stdout.contains("5 passed, 0 failed, 1 skipped"),
        "{}",
        run.stdout
    );
    // Where the spec says a cookie carries the session, `*` cannot serve the frontend.
    let dir = tempfile::tempdir().unwrap();
    let mut spec = accord_spec::Document::load(spec_path()).unwrap().document;
    spec["components"]["securitySchemes"]["session"] =
        serde_json::json!({"type": "apiKey", "in": "cookie", "name": "session"});
    let path = dir.path().join("cookie-session.json");
    std::fs::write(&path, spec.to_string()).unwrap();
    let (cookies, _) = run_with_spec(Fault::PublicCors, "@cors", &[], path).await;
    assert!(
        cookies.stdout.contains("rule cors.no_wildcard"),
        "{}",
        cookies.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_update_that_moves_the_resource_is_followed_and_cleaned_up() {
    let (run, backend) = run(Fault::SlugFollowsTitle, TAGS, &[]).await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert_eq!(
        backend.left(),
        0,
        "the moved article was left behind:\n{}",
        run.stdout
    );
}

/// Another user's update that the backend takes and that moves the article (a new title, a
/// new slug) fails the cross-user check, and the cleanup follows the article to its new slug.
#[tokio::test(flavor = "multi_thread")]
async fn another_user_s_update_that_moves_the_resource_is_followed_and_cleaned_up() {
    let (run, backend) = run(Fault::NonAuthorMovesArticle, "@second_user", &[]).await;
    assert!(
        run.stdout.contains("rule behaviour.cross_user_write"),
        "{}",
        run.stdout
    );
    assert_eq!(
        backend.left(),
        0,
        "the article another user moved was left behind:\n{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_read_the_spec_makes_public_is_no_cross_user_leak() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = accord_spec::Document::load(spec_path()).unwrap().document;
    *spec
        .pointer_mut("/paths/~1api~1articles~1{slug}/get")
        .unwrap()
        .as_object_mut()
        .unwrap()
        .entry("security")
        .or_insert(Value::Null) = json!([]);
    let path = dir.path().join("public-read.json");
    std::fs::write(&path, spec.to_string()).unwrap();
    let (public, _) = run_with_spec(Fault::PublicReads, "@second_user", &[], path.clone()).await;
    assert_eq!(public.code, Some(0), "{}", public.stdout);
    assert!(
        public
            .stdout
            .contains("note: cross-user: the read of create_article is public in the spec"),
        "{}",
        public.stdout
    );
    // The same backend under the spec that secures the read leaks it.
    let (secured, _) = run(Fault::PublicReads, "@second_user", &[]).await;
    assert_eq!(secured.code, Some(1), "{}", secured.stdout);
    assert!(
        secured.stdout.contains("rule behaviour.cross_user_read"),
        "{}",
        secured.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn what_the_run_could_not_delete_is_listed() {
    let (run, backend) = run(Fault::DeleteFails, "@behaviour and @writes", &[]).await;
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(backend.left() > 0);
    let listed = run
        .stdout
        .lines()
        .filter(|l| {
            l.starts_with("cleanup: could not delete /api/articles/article-")
                && l.contains("(DELETE answered 500)")
        })
        .count();
    assert_eq!(listed, backend.left(), "{}", run.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn without_an_errors_section_the_specs_envelope_is_used() {
    let run_without = |fault: Fault| async move {
        let server = MockServer::start().await;
        wiremock::Mock::given(any())
            .respond_with(Articles::new(fault))
            .mount(&server)
            .await;
        let dir = tempfile::tempdir().unwrap();
        let profile = profile(dir.path(), &spec_path());
        let text = std::fs::read_to_string(&profile).unwrap().replace(
            "[errors]\nenvelope = \"schema\"\nschema = \"#/components/schemas/Errors\"\n",
            "",
        );
        assert!(!text.contains("[errors]"));
        std::fs::write(&profile, text).unwrap();
        harness_in(
            profile,
            server.uri(),
            vec!["--tags".into(), "@errors".into()],
            dir,
        )
        .await
    };
    let correct = run_without(Fault::None).await;
    assert_eq!(correct.code, Some(0), "{}", correct.stdout);
    assert!(
        correct
            .stdout
            .contains("documented error bodies are `#/components/schemas/Errors`)"),
        "{}",
        correct.stdout
    );
    assert!(
        correct.stdout.contains("10 passed, 0 failed, 0 skipped"),
        "{}",
        correct.stdout
    );
    let broken = run_without(Fault::Validation422).await;
    assert_eq!(broken.code, Some(1), "{}", broken.stdout);
    assert!(
        broken
            .stdout
            .contains("rule errors.status: expected 400, got 422"),
        "{}",
        broken.stdout
    );
}

/// A new user's first run: `init` writes the profile from the spec, the user names the
/// base URL, exports the credentials and uncomments the second account, and the run passes.
#[tokio::test(flavor = "multi_thread")]
async fn a_profile_from_init_runs_clean_once_the_credentials_are_filled_in() {
    let server = MockServer::start().await;
    let backend = Articles::new(Fault::None);
    wiremock::Mock::given(any())
        .respond_with(backend.clone())
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("init.toml");
    let (spec, out, uri) = (spec_path(), profile.clone(), server.uri());
    let output = tokio::task::spawn_blocking(move || {
        let init = std::process::Command::new(env!("CARGO_BIN_EXE_accord-conformance"))
            .args(["init", "--spec"])
            .arg(&spec)
            .args(["--base-url", &uri, "--out"])
            .arg(&out)
            .output()
            .unwrap();
        assert!(
            init.status.success(),
            "{}",
            String::from_utf8_lossy(&init.stderr)
        );
        let again = std::process::Command::new(env!("CARGO_BIN_EXE_accord-conformance"))
            .args(["init", "--spec"])
            .arg(&spec)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        assert_eq!(again.status.code(), Some(2), "init overwrote a profile");
        let text = std::fs::read_to_string(&out)
            .unwrap()
            .replace("# second_body", "second_body");
        std::fs::write(&out, text).unwrap();
        std::process::Command::new(env!("CARGO_BIN_EXE_accord-conformance"))
            .arg("--profile")
            .arg(&out)
            .args(["--seed", "7", "--tags", TAGS])
            .env("ACCORD_USER", "alice@example.com")
            .env("ACCORD_PASSWORD", "pw-alice")
            .env("ACCORD_USER_2", "bob@example.com")
            .env("ACCORD_PASSWORD_2", "pw-bob")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains(" 0 failed, "), "{stdout}");
    // The second account named in the profile ran the cross-user checks.
    assert!(
        !stdout.contains("skipped: The API's own behaviour: A second user"),
        "{stdout}"
    );
    assert!(stdout.contains("update_article ("), "{stdout}");
    assert_eq!(backend.left(), 0);
    drop(dir);
}

/// A first run with no profile at all: `--spec` derives the one `init` would write. Without
/// credentials in the environment the sections needing them are skipped, each said once; with
/// them the run is the same as with `init`'s file, and a broken backend still fails.
#[tokio::test(flavor = "multi_thread")]
async fn a_run_without_a_profile_reads_the_spec_and_skips_what_needs_credentials() {
    let run = |fault: Fault, credentials: bool| async move {
        let server = MockServer::start().await;
        let backend = Articles::new(fault);
        wiremock::Mock::given(any())
            .respond_with(backend.clone())
            .mount(&server)
            .await;
        let (spec, uri) = (spec_path(), server.uri());
        let output = tokio::task::spawn_blocking(move || {
            let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_accord-conformance"));
            command
                .arg("--spec")
                .arg(&spec)
                .args(["--base-url", &uri, "--seed", "7", "--tags", TAGS])
                .env_remove("ACCORD_USER")
                .env_remove("ACCORD_PASSWORD");
            if credentials {
                command
                    .env("ACCORD_USER", "alice@example.com")
                    .env("ACCORD_PASSWORD", "pw-alice");
            }
            command.output().unwrap()
        })
        .await
        .unwrap();
        (output, backend)
    };
    let (anonymous, _) = run(Fault::None, false).await;
    let stdout = String::from_utf8_lossy(&anonymous.stdout);
    assert_eq!(anonymous.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("note: no profile: the one `accord-conformance init --spec"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "note: [auth] left out: auth.body: the environment variable `ACCORD_USER` is not set"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("(the profile has no [auth] to sign in with)"),
        "{stdout}"
    );
    assert!(!stdout.contains(" 0 passed, "), "nothing ran:\n{stdout}");

    let (signed_in, backend) = run(Fault::None, true).await;
    let stdout = String::from_utf8_lossy(&signed_in.stdout);
    assert_eq!(signed_in.status.code(), Some(0), "{stdout}");
    assert!(!stdout.contains("[auth] left out"), "{stdout}");
    assert!(stdout.contains("update_article ("), "{stdout}");
    assert_eq!(backend.left(), 0);

    let (broken, _) = run(Fault::Validation422, true).await;
    assert_eq!(
        broken.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&broken.stdout)
    );

    // A profile and a spec at once is a usage error.
    let both = std::process::Command::new(env!("CARGO_BIN_EXE_accord-conformance"))
        .args(["--spec", "a.yaml", "--profile", "b.toml"])
        .output()
        .unwrap();
    assert_eq!(both.status.code(), Some(2));
}

/// The same seed gives the same verdicts, spec findings and notes, run after run, on a
/// backend whose titles are unique: concurrent scenarios never write under one another's
/// resources nor collide on the same sample text.
#[tokio::test(flavor = "multi_thread")]
async fn the_same_seed_gives_the_same_verdicts_and_findings() {
    let lines = |run: &Run| {
        let mut kept: Vec<String> = run
            .stdout
            .lines()
            .filter(|l| {
                let t = l.trim_start();
                [
                    "✔",
                    "✘",
                    "Scenario",
                    "finding",
                    "note",
                    "skipped:",
                    "conformance:",
                ]
                .iter()
                .any(|p| t.starts_with(p))
            })
            // The run's duration differs.
            .map(|l| l.split(" requests in ").next().unwrap_or(l).to_string())
            .collect();
        kept.sort();
        kept
    };
    let (first, backend) = run(Fault::UniqueTitles, TAGS, &[]).await;
    assert_eq!(first.code, Some(0), "{}", first.stdout);
    assert!(
        first.stdout.contains("update_article ("),
        "{}",
        first.stdout
    );
    assert_eq!(backend.left(), 0);
    for _ in 0..2 {
        let (again, _) = run(Fault::UniqueTitles, TAGS, &[]).await;
        assert_eq!(lines(&first), lines(&again), "{}", again.stdout);
    }
}

/// `behaviour.concurrency` operations at once: with 4, requests of one scenario overlap (some
/// arrive while another is still being answered); with 1, each waits for the answer before.
#[tokio::test(flavor = "multi_thread")]
async fn the_behaviour_phase_calls_operations_at_once_as_configured() {
    let run_with = |concurrency: usize| async move {
        let server = MockServer::start().await;
        let backend = Articles::new(Fault::Slow);
        wiremock::Mock::given(any())
            .respond_with(backend.clone())
            .mount(&server)
            .await;
        let dir = tempfile::tempdir().unwrap();
        let path = profile(dir.path(), &spec_path());
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str(&format!("concurrency = {concurrency}\n"));
        std::fs::write(&path, text).unwrap();
        let run = harness_in(
            path,
            server.uri(),
            vec![
                "--tags".into(),
                "@positive".into(),
                "--concurrency".into(),
                "1".into(),
            ],
            dir,
        )
        .await;
        (run, backend)
    };
    let (one, backend) = run_with(1).await;
    assert_eq!(one.code, Some(0), "{}", one.stdout);
    assert!(one.stdout.contains("create_article ("), "{}", one.stdout);
    assert_eq!(
        backend.overlapping(std::time::Duration::from_millis(20)),
        0,
        "one at a time"
    );
    let (four, backend) = run_with(4).await;
    assert_eq!(four.code, Some(0), "{}", four.stdout);
    assert!(
        backend.overlapping(std::time::Duration::from_millis(20)) > 0,
        "at once:\n{}",
        four.stdout
    );
}

/// Function-level authorization: an operation the profile names as another role's is refused
/// to the signed-in user on a correct backend, and found when anyone may call it; without a
/// role named, the check is skipped, saying why.
#[tokio::test(flavor = "multi_thread")]
async fn an_operation_of_another_role_open_to_any_user_fails_the_roles_check() {
    let run_roles = |fault: Fault, named: bool| async move {
        let server = MockServer::start().await;
        wiremock::Mock::given(any())
            .respond_with(Articles::new(fault))
            .mount(&server)
            .await;
        let dir = tempfile::tempdir().unwrap();
        let path = profile(dir.path(), &spec_with_admin(dir.path()));
        if named {
            let mut text = std::fs::read_to_string(&path).unwrap();
            text.push_str("privileged_operations = [\"admin_stats\"]\n");
            std::fs::write(&path, text).unwrap();
        }
        let args = vec!["--tags".into(), "@roles".into()];
        harness_in(path, server.uri(), args, dir).await
    };
    let correct = run_roles(Fault::None, true).await;
    assert_eq!(correct.code, Some(0), "{}", correct.stdout);
    assert!(
        correct.stdout.contains("1 passed, 0 failed"),
        "{}",
        correct.stdout
    );
    let open = run_roles(Fault::AdminStatsOpen, true).await;
    assert_eq!(open.code, Some(1), "{}", open.stdout);
    assert!(
        open.stdout.contains("rule behaviour.function_level: 1 problem(s)")
            && open.stdout.contains(
                "- admin_stats (behaviour.privileged_operations names it): a user without that role was answered 200"
            ),
        "{}",
        open.stdout
    );
    // Unnamed, the spec says so itself: a secured operation without path parameters under
    // an administrator's path that documents 403 is called as the second identity.
    let unnamed = run_roles(Fault::AdminStatsOpen, false).await;
    assert_eq!(unnamed.code, Some(1), "{}", unnamed.stdout);
    assert!(
        unnamed.stdout.contains(
            "- admin_stats (its spec documents 403 and says it is an administrator's; called as the second identity): a user without that role was answered 200"
        ),
        "{}",
        unnamed.stdout
    );
    let unnamed_correct = run_roles(Fault::None, false).await;
    assert_eq!(unnamed_correct.code, Some(0), "{}", unnamed_correct.stdout);
    assert!(
        unnamed_correct.stdout.contains("1 passed, 0 failed"),
        "{}",
        unnamed_correct.stdout
    );
}

/// The articles document with a feedback form beside its JSON operations.
fn form_spec(dir: &std::path::Path) -> PathBuf {
    let mut spec = accord_spec::Document::load(spec_path()).unwrap().document;
    spec["paths"]["/api/feedback"] = serde_json::json!({"post": {
        "operationId": "send_feedback",
        "requestBody": {"required": true, "content": {"application/x-www-form-urlencoded": {"schema": {
            "type": "object", "required": ["rating", "message"],
            "properties": {
                "rating": {"type": "integer", "minimum": 1, "maximum": 5},
                "message": {"type": "string", "maxLength": 200}
            }
        }}}},
        "responses": {
            "201": {"description": "received", "content": {"application/json": {"schema": {"type": "object"}}}},
            "400": {"description": "invalid", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}}}
        }
    }});
    spec["paths"]["/api/avatar"] = serde_json::json!({"post": {
        "operationId": "upload_avatar",
        "requestBody": {"required": true, "content": {"multipart/form-data": {"schema": {
            "type": "object", "properties": {"file": {"type": "string", "format": "binary"}}
        }}}},
        "responses": {"204": {"description": "stored"}}
    }});
    let path = dir.join("form.json");
    std::fs::write(&path, spec.to_string()).unwrap();
    path
}

/// A resource the backend will not make fails the scenario about creating (last, after the
/// checks of what was made), and only that one: the delete and second-user scenarios run on
/// the articles that were made, and say the comments are left out. Before, the one refused
/// create failed all three.
#[tokio::test(flavor = "multi_thread")]
async fn a_resource_that_cannot_be_created_fails_only_the_scenario_about_creating() {
    let (run, _) = run(Fault::CommentsRefused, "@writes and @behaviour", &[]).await;
    assert!(
        run.stdout.contains("conformance: 2 passed, 1 failed"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "create_comment is left out of the resource checks: it could not be created (create_comment refused a generated body, its required fields alone and the spec's own example (400))"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.failed_by(
            "What is created reads back",
            accord_conformance::rules::Rule::Created,
            "create_comment refused a generated body"
        ),
        "{}",
        run.stdout
    );
}

/// An operation the identity is refused whatever it sends (403 to a valid request too) is
/// left out of the broken-input pass with its reason: its refusals say nothing of the
/// inputs, and are not reported once per broken constraint.
#[tokio::test(flavor = "multi_thread")]
async fn an_operation_refused_to_the_identity_is_left_out_of_the_broken_input_pass() {
    let tags = "@behaviour and not @writes and not @positive and not @boundary and not @roles and not @expiry";
    let (run, _) = run(Fault::CommentsForbidden, tags, &[]).await;
    assert!(
        run.stdout.contains(
            "create_comment is left out of the broken-input pass: a valid request is refused too (403)"
        ),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("create_comment: missing required"),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("rule behaviour.negative"),
        "{}",
        run.stdout
    );
}

/// A list filter that is an array of numbers gets an item that is not one: the negative
/// pass breaks a query array's items, as it does a body's.
#[tokio::test(flavor = "multi_thread")]
async fn a_query_array_item_of_the_wrong_type_is_sent_and_its_crash_found() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = accord_spec::Document::load(spec_path()).unwrap().document;
    let list = spec["paths"]["/api/articles"]["get"]["parameters"]
        .as_array_mut()
        .unwrap();
    list.push(serde_json::json!({
        "name": "ids", "in": "query", "required": false,
        "schema": {"type": "array", "items": {"type": "integer"}}
    }));
    let path = dir.path().join("ids.json");
    std::fs::write(&path, spec.to_string()).unwrap();
    let tags = "@behaviour and not @writes";
    let (broken, _) = run_with_spec(Fault::ListItemCrash, tags, &[], path.clone()).await;
    assert!(
        broken.stdout.contains("rule behaviour.negative")
            && broken
                .stdout
                .contains("wrong type in an item (query parameter `ids`)"),
        "{}",
        broken.stdout
    );
    let (correct, _) = run_with_spec(Fault::None, tags, &[], path).await;
    assert_eq!(correct.code, Some(0), "{}", correct.stdout);
}

/// An operation whose body is a form gets the same passes as a JSON one, its fields as
/// text: the boundary pass finds a NUL that crashes it, and the correct form passes
/// (no string is sent as a number's wrong type, no field as `null`). An upload is left out
/// with its reason.
#[tokio::test(flavor = "multi_thread")]
async fn a_form_body_gets_boundary_values_and_broken_constraints_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let tags = "@behaviour and not @writes";
    let (broken, _) = run_with_spec(Fault::FormNulCrash, tags, &[], form_spec(dir.path())).await;
    assert!(
        broken.stdout.contains(
            "send_feedback: a server error (500) for a NUL character (body /message) the schema admits"
        ),
        "{}",
        broken.stdout
    );
    let (correct, backend) = run_with_spec(Fault::None, tags, &[], form_spec(dir.path())).await;
    assert_eq!(correct.code, Some(0), "{}", correct.stdout);
    // An upload is no form the run can fill: it is left out, and the run says why.
    assert!(
        correct.stdout.contains(
            "upload_avatar is left out of the generated calls: its body is multipart/form-data, which generated inputs do not send"
        ),
        "{}",
        correct.stdout
    );
    // Each value went as a form, never as JSON.
    let writes = backend.state.lock().unwrap().writes.clone();
    let forms: Vec<&String> = writes
        .iter()
        .filter(|w| w.starts_with("POST /api/feedback "))
        .collect();
    assert!(forms.len() > 10, "{forms:?}\n{}", correct.stdout);
    assert!(
        forms.iter().all(|w| !w.contains('{')),
        "{forms:?}\n{}",
        correct.stdout
    );
}

/// A create chain goes on from a resource it can address: when the generated body makes one
/// named by an empty id, the run says so and creates from the spec's example; nothing is
/// sent under the empty id (`/api/articles//comments`).
#[tokio::test(flavor = "multi_thread")]
async fn a_chain_never_goes_on_from_a_resource_with_an_empty_id() {
    let (run, backend) = run(Fault::HyphenSlug, "@writes and not @second_user", &[]).await;
    assert!(
        run.stdout
            .contains("create_article answered 201 with an empty id for POST /api/articles"),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("rule behaviour.created"),
        "{}",
        run.stdout
    );
    let under_empty: Vec<String> = backend
        .state
        .lock()
        .unwrap()
        .writes
        .iter()
        .filter(|w| w.contains("/api/articles//"))
        .cloned()
        .collect();
    assert!(under_empty.is_empty(), "{under_empty:?}\n{}", run.stdout);
}

/// What a create makes must be found again: an article whose title has no ASCII letter or
/// digit gets an empty slug here, and the boundary pass reports it (Schemathesis's ST302).
#[tokio::test(flavor = "multi_thread")]
async fn a_created_resource_that_cannot_be_found_again_fails_the_boundary_pass() {
    let (broken, backend) = run(Fault::EmptySlug, "@boundary", &[]).await;
    assert_eq!(broken.code, Some(1), "{}", broken.stdout);
    // Nothing is sent to delete it where its empty name leads: the collection.
    let collection: Vec<String> = backend
        .state
        .lock()
        .unwrap()
        .writes
        .iter()
        .filter(|w| {
            w.starts_with("DELETE /api/articles/ ") || w.starts_with("DELETE /api/articles ")
        })
        .cloned()
        .collect();
    assert!(collection.is_empty(), "{collection:?}\n{}", broken.stdout);
    assert!(
        broken
            .stdout
            .contains("is named by an empty id: nothing addresses it, so the run cannot delete it"),
        "{}",
        broken.stdout
    );
    assert!(
        broken.stdout.contains("rule behaviour.boundary:")
            && broken.stdout.contains(
                "create_article: no ASCII letter or digit (body /article/title) created, but named by an empty `slug`: it cannot be addressed"
            ),
        "{}",
        broken.stdout
    );
    let (correct, _) = run(Fault::None, "@boundary", &[]).await;
    assert_eq!(correct.code, Some(0), "{}", correct.stdout);
}

/// What values sent together created and is then not found is reported though none of them
/// alone makes one: alone, the longest title is taken by what they made together.
#[tokio::test(flavor = "multi_thread")]
async fn a_resource_values_together_made_and_never_found_again_is_reported() {
    let (broken, _) = run(Fault::LongSlugLost, "@boundary", &[]).await;
    assert!(
        broken.stdout.contains("rule behaviour.boundary:")
            && broken
                .stdout
                .contains("100 characters (the maximum) (body /article/title)")
            && broken
                .stdout
                .contains(" created, then not found at /api/articles/"),
        "{}",
        broken.stdout
    );
}

/// A body of JSON `null` where the schema is an object must be refused: one taken as an
/// empty article fails the negative pass.
#[tokio::test(flavor = "multi_thread")]
async fn a_null_body_taken_for_an_empty_one_fails_the_negative_pass() {
    let (broken, backend) = run(Fault::NullBodyAccepted, "@behaviour and not @writes", &[]).await;
    assert_eq!(broken.code, Some(1), "{}", broken.stdout);
    assert!(
        broken.stdout.contains("rule behaviour.negative:")
            && broken
                .stdout
                .contains("create_article: the body null: accepted with 201"),
        "{}",
        broken.stdout
    );
    // What the defect created is the run's to delete.
    assert_eq!(backend.left(), 0);
}

/// A deleted article that reads as 404 but is still listed fails
/// behaviour.use_after_delete: the frontend's list shows what is gone.
#[tokio::test(flavor = "multi_thread")]
async fn a_deleted_resource_still_listed_fails() {
    let (broken, _) = run(Fault::DeletedListed, "@writes and not @second_user", &[]).await;
    assert!(
        broken.failed_by(
            "What is deleted is gone",
            accord_conformance::rules::Rule::UseAfterDelete,
            "list_articles still lists the deleted resource"
        ),
        "{}",
        broken.stdout
    );
    let (correct, _) = run(Fault::None, "@writes and not @second_user", &[]).await;
    assert_eq!(
        correct.verdict("What is deleted is gone"),
        "passed",
        "{}",
        correct.stdout
    );
}

/// A list's stated total must agree with what it answers: `articlesCount` five too many
/// fails behaviour.list_total.
#[tokio::test(flavor = "multi_thread")]
async fn a_list_whose_total_disagrees_with_its_items_fails() {
    let (broken, _) = run(Fault::WrongCount, "@writes and not @second_user", &[]).await;
    assert_eq!(broken.code, Some(1), "{}", broken.stdout);
    assert!(
        broken
            .stdout
            .contains("rule behaviour.list_total: list_articles states a total of"),
        "{}",
        broken.stdout
    );
    let (correct, _) = run(Fault::None, "@writes and not @second_user", &[]).await;
    assert_eq!(correct.code, Some(0), "{}", correct.stdout);
    // An `X-Total-Count` the spec does not document is held to the page too.
    let (header, _) = run(
        Fault::TotalHeaderIsPageSize,
        "@writes and not @second_user",
        &[],
    )
    .await;
    assert!(
        header
            .stdout
            .contains("(header X-Total-Count, which the spec does not document)"),
        "{}",
        header.stdout
    );
    // A total that disagreed once, while the collection moved, and agrees when read again.
    let (raced, _) = run(Fault::CountRacesOnce, "@writes and not @second_user", &[]).await;
    assert_eq!(raced.code, Some(0), "{}", raced.stdout);
    // One that disagrees otherwise on every read never came to rest: noted, not judged.
    let (moving, _) = run(
        Fault::CountNeverSettles,
        "@writes and not @second_user",
        &[],
    )
    .await;
    assert_eq!(moving.code, Some(0), "{}", moving.stdout);
    moving.says(&["list_articles's total (`articlesCount`) and its page disagreed in five reads, each time otherwise"]);
    // A total that never moves while the page does is wrong at rest: judged.
    let (stuck, _) = run(
        Fault::CountStuckWhileItemsMove,
        "@writes and not @second_user",
        &[],
    )
    .await;
    assert!(
        stuck.stdout.contains("rule behaviour.list_total")
            && stuck.stdout.contains("states a total of 100"),
        "{}",
        stuck.stdout
    );
}

/// The `@roles` check never writes to an id the run did not create: an update and a delete
/// named as another role's go to ids that name nothing, never the spec's sample slug (an
/// article the signed-in user really owns here).
#[tokio::test(flavor = "multi_thread")]
async fn the_roles_check_writes_only_to_ids_that_name_nothing() {
    let server = MockServer::start().await;
    let backend = Articles::new(Fault::None);
    wiremock::Mock::given(any())
        .respond_with(backend.clone())
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let path = profile(dir.path(), &spec_path());
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("privileged_operations = [\"update_article\", \"delete_article\"]\n");
    std::fs::write(&path, text).unwrap();
    let args = vec!["--tags".into(), "@roles".into()];
    let run = harness_in(
        path.clone(),
        server.uri(),
        args,
        tempfile::tempdir().unwrap(),
    )
    .await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    let (writes, foreign, _) = backend.counts();
    assert_eq!(
        foreign, 0,
        "a write reached the seeded article:\n{}",
        run.stdout
    );
    assert!(writes > 0, "the writes were not called:\n{}", run.stdout);
    // Under --read-only none of them is sent.
    let args = vec!["--tags".into(), "@roles".into(), "--read-only".into()];
    let read_only = harness_in(path, server.uri(), args, dir).await;
    assert_eq!(read_only.code, Some(0), "{}", read_only.stdout);
    assert_eq!(backend.counts().0, writes, "--read-only sent a write");
}

/// The spec with an admin-only operation: `GET /api/admin/stats`, 403 for anyone else.
fn spec_with_admin(dir: &Path) -> PathBuf {
    let mut spec = accord_spec::Document::load(spec_path()).unwrap().document;
    let errors = json!({"description": "refused", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}}});
    spec["paths"]["/api/admin/stats"] = json!({"get": {
        "operationId": "admin_stats",
        "responses": {
            "200": {"description": "counts", "content": {"application/json": {"schema": {
                "type": "object", "required": ["articles"],
                "properties": {"articles": {"type": "integer"}}}}}},
            "401": errors.clone(),
            "403": errors,
        }
    }});
    let path = dir.join("admin.json");
    std::fs::write(&path, spec.to_string()).unwrap();
    path
}

async fn run_admin(fault: Fault, privileged: bool) -> Run {
    let server = MockServer::start().await;
    wiremock::Mock::given(any())
        .respond_with(Articles::new(fault))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let profile = profile(dir.path(), &spec_with_admin(dir.path()));
    if privileged {
        let text = std::fs::read_to_string(&profile).unwrap().replace(
            "access_token = \"body:/user/token\"",
            "access_token = \"body:/user/token\"\nprivileged_body = { user = { email = \"carol@example.com\", password = \"pw-carol\" } }",
        );
        std::fs::write(&profile, text).unwrap();
    }
    let args = vec!["--tags".into(), "@auth or @behaviour".into()];
    harness_in(profile, server.uri(), args, dir).await
}

#[tokio::test(flavor = "multi_thread")]
async fn another_roles_operation_is_left_out_or_checked_as_the_privileged_identity() {
    let plain = run_admin(Fault::None, false).await;
    assert_eq!(plain.code, Some(0), "{}", plain.stdout);
    assert!(
        plain.stdout.contains(
            "note: forbidden: admin_stats refuses the signed-in identity (403) and was left out"
        ),
        "{}",
        plain.stdout
    );
    let privileged = run_admin(Fault::None, true).await;
    assert_eq!(privileged.code, Some(0), "{}", privileged.stdout);
    assert!(privileged.stdout.contains("note: forbidden: admin_stats refuses the signed-in identity (403); its checks ran as the privileged identity"), "{}", privileged.stdout);
    // A crash only an admin can meet: unseen without the privileged identity, found with it.
    let unseen = run_admin(Fault::AdminStatsCrash, false).await;
    assert_eq!(unseen.code, Some(0), "{}", unseen.stdout);
    let found = run_admin(Fault::AdminStatsCrash, true).await;
    assert_eq!(found.code, Some(1), "{}", found.stdout);
    assert!(
        found
            .stdout
            .contains("admin_stats: a server error (500) for a valid request"),
        "{}",
        found.stdout
    );
}

/// The broken-input pass's counterpart: a server error that a valid request of the operation
/// gets too is the operation's (or the backend's state: on gotify, an accepted `sortKey`
/// makes every later create 500), reported once, not blamed on each broken input. A crash
/// that only the broken input causes is still the input's.
#[tokio::test(flavor = "multi_thread")]
async fn a_server_error_a_valid_request_meets_too_is_not_blamed_on_the_broken_input() {
    let tags = "@behaviour and not @writes and not @positive and not @boundary and not @roles and not @expiry";
    let (crashes, _) = run(Fault::CreateCrashes, tags, &[]).await;
    assert_eq!(crashes.code, Some(1), "{}", crashes.stdout);
    let lines: Vec<&str> = crashes
        .stdout
        .lines()
        .filter(|l| l.trim_start().starts_with("- create_article: "))
        .collect();
    assert_eq!(lines.len(), 1, "{}", crashes.stdout);
    assert!(
        lines[0].contains("create_article: a valid request too (first met with")
            && lines[0].contains("a server error (500)"),
        "{}",
        crashes.stdout
    );
    let (nul, _) = run(Fault::NullViewsCrash, tags, &[]).await;
    assert!(
        !nul.stdout.contains("a valid request too"),
        "{}",
        nul.stdout
    );
}

/// A server error for a valid request of an operation that answered a 2xx earlier in the run
/// says so: the cause may be an input accepted then, which broke the backend's state, and not
/// the request shown.
#[tokio::test(flavor = "multi_thread")]
async fn a_server_error_after_the_operation_was_accepted_points_at_an_earlier_input() {
    let (broken, _) = run(Fault::StoredTitleBreaksCreates, "@boundary", &[]).await;
    assert_eq!(broken.code, Some(1), "{}", broken.stdout);
    assert!(
        broken.stdout.contains(
            "create_article: a server error (500) for the request without any edge value too"
        ) && broken
            .stdout
            .contains("may have left the backend in a state it now fails on"),
        "{}",
        broken.stdout
    );
    // Where the operation never answered a 2xx, nothing points back.
    let (crashes, _) = run(Fault::CreateCrashes, "@boundary", &[]).await;
    assert!(
        !crashes.stdout.contains("answered a 2xx earlier"),
        "{}",
        crashes.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_error_the_request_without_the_edge_value_meets_too_is_not_blamed_on_the_value() {
    let (crashes, backend) = run(Fault::CreateCrashes, "@boundary", &[]).await;
    assert_eq!(crashes.code, Some(1), "{}", crashes.stdout);
    let blamed = "create_article: a server error (500) for the request without any edge value too";
    assert_eq!(
        crashes.stdout.matches(blamed).count(),
        1,
        "{}",
        crashes.stdout
    );
    assert!(
        crashes
            .stdout
            .contains("later edge case(s) were not judged"),
        "{}",
        crashes.stdout
    );
    // Found before any value was sent alone: the spec's example, sent once to learn whether
    // the backend takes it as the base of the pass, the first request of values together,
    // and the request without any edge value; none is sent ahead before the operation
    // answers a case without a server error (on a backend that hashes a password first,
    // each crash more is a hash more), and a crash of the example sends none of the
    // chain's bodies.
    let creates = backend.writes_to("POST", "/api/articles");
    assert_eq!(creates, 3, "{}", crashes.stdout);
    // No edge value is named as the cause.
    assert!(
        !crashes
            .stdout
            .contains("create_article: a server error (500) for a NUL character"),
        "{}",
        crashes.stdout
    );
    // A crash the value does cause is still the value's.
    let (nul, _) = run(Fault::NulCrash, "@boundary", &[]).await;
    assert!(
        nul.stdout.contains(
            "create_article: a server error (500) for a NUL character (body /article/title) the schema admits"
        ),
        "{}",
        nul.stdout
    );
    assert!(
        !nul.stdout.contains("without any edge value"),
        "{}",
        nul.stdout
    );
}

/// A server error that does not recur when the same request is sent again is no input's
/// (a race, the backend's state): the run says so in a note, and the boundary rule's verdict
/// does not change from run to run. One that recurs is still the input's.
#[tokio::test(flavor = "multi_thread")]
async fn a_server_error_that_does_not_recur_is_a_note_not_a_failure() {
    let (once, _) = run(Fault::PathTitleCrashOnce, "@boundary", &[]).await;
    // The 500 is still an answer the spec does not document (a spec finding), but the
    // boundary rule does not blame an input for it.
    assert!(
        once.stdout.contains("1 passed, 0 failed")
            && !once.stdout.contains("rule behaviour.boundary"),
        "{}",
        once.stdout
    );
    assert!(
        once.stdout
            .contains("did not recur when the same request was sent again (answered 201)"),
        "{}",
        once.stdout
    );
    let (recurs, _) = run(Fault::PathTitleCrash, "@boundary", &[]).await;
    assert!(
        recurs.stdout.contains("rule behaviour.boundary"),
        "{}",
        recurs.stdout
    );
    assert!(
        !recurs.stdout.contains("did not recur"),
        "{}",
        recurs.stdout
    );
}

/// The search for a minimal failing update sends no request twice: the path is pinned to
/// the article the run created, so many of proptest's simplifications (of the generated
/// slug) give a request already sent, whose answer is known.
#[tokio::test(flavor = "multi_thread")]
async fn a_shrink_sends_no_request_twice() {
    let (run, backend) = run(Fault::LongBodyUpdateCrash, "@positive", &[]).await;
    // The shrink still reaches the edge: a body of 21 characters.
    let minimal = run
        .stdout
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("minimal failing request: PUT /api/articles/")
        })
        .unwrap_or_else(|| panic!("no minimal request\n{}", run.stdout));
    let body: Value = serde_json::from_str(minimal.split_once(' ').unwrap().1).unwrap();
    let text = body["article"]["body"].as_str().unwrap_or_default();
    assert_eq!(text.chars().count(), 21, "{minimal}");
    let updates: Vec<(String, usize)> = backend
        .repeated_writes()
        .into_iter()
        .filter(|(w, _)| w.starts_with("PUT "))
        .collect();
    assert!(updates.is_empty(), "sent more than once: {updates:?}");
}

/// A subject that is the same constant in every token (`access`) with the user named in a
/// claim of its own is two users, not the second signed in as the first; the same subject
/// with nothing else to tell them apart stays one (`SecondIsFirst`, in the catalogue).
#[tokio::test(flavor = "multi_thread")]
async fn a_constant_subject_beside_a_username_claim_is_two_users() {
    let (run, _) = run(Fault::ConstantSubject, "@second_user", &[]).await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
}

/// Reads the backend answers without any credentials are everyone's in practice: the
/// missing refusal is auth.status's finding, and another user reading or listing the
/// article is no leak of its own.
#[tokio::test(flavor = "multi_thread")]
async fn a_read_answered_without_credentials_is_no_cross_user_leak() {
    let (cross, _) = run(Fault::AnonymousReads, "@second_user", &[]).await;
    assert_eq!(cross.code, Some(0), "{}", cross.stdout);
    assert!(
        cross
            .stdout
            .contains("note: cross-user: the read of create_article answers without credentials"),
        "{}",
        cross.stdout
    );
    let (auth, _) = run(Fault::AnonymousReads, "@auth", &[]).await;
    assert_eq!(auth.code, Some(1), "{}", auth.stdout);
    assert!(
        auth.stdout.contains("get_article answered 200, not 401: it answers without valid credentials, though the spec secures it"),
        "{}",
        auth.stdout
    );
}

/// Each fault, the checks to run, and the rule and detail the run must fail with.
const CATALOGUE: &[(Fault, &str, &str, &str)] = &[
    (
        Fault::PartialUpdateCrash,
        "@behaviour",
        "rule behaviour.positive",
        "update_article: a server error (500) for a valid request",
    ),
    (
        Fault::SecondIsFirst,
        "@second_user",
        "rule identity",
        "both tokens have the subject `alice`",
    ),
    (
        Fault::NonAuthorUpdates,
        "@second_user",
        "rule behaviour.cross_user_write",
        "update_article of the first user's resource answered 200",
    ),
    (
        Fault::ListWithoutToken,
        "@auth",
        "rule auth.status",
        "list_articles answered 200, not 401",
    ),
    (
        Fault::Validation422,
        "@errors",
        "rule errors.status",
        "expected 400, got 422 (from what the spec documents for create_article)",
    ),
    (
        Fault::Forbidden403,
        "@auth",
        "rule auth.status",
        "answered 403, not 401",
    ),
    (
        Fault::ViewsChanged,
        "@behaviour and @writes and not @second_user",
        "rule behaviour.read_back",
        "`article.views` was written as",
    ),
    (
        Fault::NulCrash,
        "@behaviour and not @writes",
        "rule behaviour.boundary",
        "create_article: a server error (500) for a NUL character (body /article/title) the schema admits",
    ),
    (
        Fault::EmojiTitleCrash,
        "@behaviour and not @writes",
        "rule behaviour.boundary",
        // Its first crash ends the operation's search: a title of emoji alone.
        "create_article: a server error (500) for no ASCII letter or digit (body /article/title) the schema admits",
    ),
    (
        Fault::PathTitleCrash,
        "@behaviour and not @writes",
        "rule behaviour.boundary",
        "create_article: a server error (500) for a path (body /article/title) the schema admits",
    ),
    (
        Fault::ForbiddenMarkupPathCrash,
        "@behaviour and not @writes",
        "rule behaviour.boundary",
        "create_article: a server error (500) for a path (body /article/title) the schema admits",
    ),
    (
        Fault::NestedWrongTypeCrash,
        "@behaviour and not @writes",
        "rule behaviour.negative",
        "wrong type /article/title",
    ),
    (
        Fault::NestedWrongTypeAccepted,
        "@behaviour",
        "rule behaviour.negative",
        "wrong type /article/title",
    ),
    (
        Fault::CommentsOfDeletedArticle,
        "@behaviour and @writes and not @second_user",
        "rule behaviour.use_after_delete",
        "list_comments under a deleted resource (GET /api/articles/",
    ),
    (
        Fault::NegativeOffsetCrash,
        "@behaviour and not @writes",
        "rule behaviour.boundary",
        "list_articles: a server error (500) for just below the minimum 0 (query parameter `offset`) the schema refuses",
    ),
    (
        Fault::NullViewsCrash,
        "@behaviour and not @writes",
        "rule behaviour.boundary",
        "create_article: a server error (500) for null (body /article/views) the schema admits",
    ),
    (
        Fault::NonAuthorDeletesComment,
        "@second_user",
        "rule behaviour.cross_user_write",
        "delete_comment of the first user's resource answered 204",
    ),
    // The sign-in's path, which the scenario of every path leaves alone (and the envelope's
    // sample of a wrong method too, to judge a 405 once): OPTIONS judges its `Allow`.
    (
        Fault::IncompleteAllow,
        "@errors",
        "rule errors.allow",
        "OPTIONS /api/users/login: `Allow: GET` leaves out POST of the path's documented methods",
    ),
    (
        Fault::EmptyBodyRefused,
        "@behaviour and not @writes",
        "rule behaviour.boundary",
        "create_article: an empty string (body /article/body), which the schema admits, was refused with 400",
    ),
    (
        Fault::UndeclaredMethod404,
        "@errors",
        "rule errors.method",
        "PUT /api/user, a method the spec does not document for the path, answered 404, not 405",
    ),
    (
        Fault::EveryUndeclaredMethod404,
        "@errors",
        "rule errors.method",
        "every method the spec does not document for its path answered 404, not 405 (",
    ),
    (
        Fault::WildcardWithCredentials,
        "@cors",
        "rule cors.no_wildcard",
        "not echoed exactly: `*` with `Access-Control-Allow-Credentials: true`, a pair browsers refuse",
    ),
    (
        Fault::Unwrapped,
        "@behaviour and @writes and not @second_user",
        "finding rule spec: create_article 201",
        "is required",
    ),
];

#[tokio::test(flavor = "multi_thread")]
async fn every_fault_of_the_other_style_is_caught_naming_its_rule() {
    let mut missed = Vec::new();
    for (fault, tags, rule, detail) in CATALOGUE {
        let (run, _) = run(*fault, tags, &[]).await;
        if !(run.code == Some(1) && run.stdout.contains(rule) && run.stdout.contains(detail)) {
            missed.push(format!(
                "{fault:?} (exit {:?}): expected `{rule}` with `{detail}`\n{}",
                run.code, run.stdout
            ));
        }
    }
    assert!(missed.is_empty(), "{}", missed.join("\n\n"));
}

/// An operation whose only security is HTTP basic (a session made from a name and a
/// password, as gotify's `POST /auth/local/login` is) cannot be called with the run's token:
/// it is left out of the generated calls, saying which credentials it asks for, instead of
/// failing as a valid request refused. The backend here does not serve it at all, so a call
/// with the token would fail the positive check.
#[tokio::test(flavor = "multi_thread")]
async fn an_operation_secured_by_credentials_the_run_does_not_send_is_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = accord_spec::Document::load(spec_path()).unwrap().document;
    spec["components"]["securitySchemes"]["basicAuth"] = json!({"type": "http", "scheme": "basic"});
    spec["paths"]["/api/session"] = json!({"get": {
        "operationId": "basic_session",
        "security": [{"basicAuth": []}],
        "responses": {"200": {"description": "the session", "content": {"application/json": {
            "schema": {"type": "object"}}}}}
    }});
    let path = dir.path().join("basic.json");
    std::fs::write(&path, spec.to_string()).unwrap();
    let tags = "@behaviour and @positive";
    let (run, _) = run_with_spec(Fault::None, tags, &[], path).await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "note: behaviour: basic_session is left out of the generated calls: its security asks for credentials the run does not send (basicAuth; the run's token goes by `Token`)"
        ),
        "{}",
        run.stdout
    );
}

/// An operation that opens a WebSocket, as its spec says (a `101`, or a description naming
/// one, as gotify's `GET /stream` has), is no HTTP request to judge: it is left out of the
/// generated calls, saying so. The backend here answers a plain GET there with 404, as a
/// socket endpoint without an upgrade refuses it.
#[tokio::test(flavor = "multi_thread")]
async fn an_operation_that_opens_a_websocket_is_left_out_of_the_generated_calls() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = accord_spec::Document::load(spec_path()).unwrap().document;
    spec["paths"]["/api/stream"] = json!({"get": {
        "operationId": "stream_articles",
        "description": "Websocket, return newly created articles.",
        "responses": {"200": {"description": "the stream", "content": {"application/json": {
            "schema": {"type": "object"}}}}}
    }});
    let path = dir.path().join("stream.json");
    std::fs::write(&path, spec.to_string()).unwrap();
    // The auth checks read every secured operation with a token: not this one either.
    let tags = "(@behaviour and @positive) or (@auth and not @expiry)";
    let (run, _) = run_with_spec(Fault::None, tags, &[], path).await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert!(
        !run.stdout.contains("stream_articles 404"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "note: behaviour: stream_articles is left out of the generated calls: it opens a WebSocket"
        ),
        "{}",
        run.stdout
    );
}

/// An operation that sets a password (an admin's create of a user) gets two random inputs,
/// as the sign-up does, not `behaviour.examples`: each accepted one is a password hash, which
/// a backend makes slow on purpose, and its edge values are the boundary pass's.
#[tokio::test(flavor = "multi_thread")]
async fn an_operation_that_sets_a_password_gets_two_random_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = accord_spec::Document::load(spec_path()).unwrap().document;
    spec["paths"]["/api/admin/users"] = json!({"post": {
        "operationId": "admin_create_user",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {
            "type": "object", "required": ["user"],
            "properties": {"user": {"type": "object", "required": ["email", "password"],
                "properties": {"email": {"type": "string", "format": "email"},
                    "password": {"type": "string", "minLength": 8}}}}}}}},
        "responses": {"201": {"description": "made", "content": {"application/json": {
            "schema": {"type": "object"}}}}}
    }});
    let path = dir.path().join("admin-users.json");
    std::fs::write(&path, spec.to_string()).unwrap();
    let (run, backend) = run_with_spec(Fault::None, "@behaviour and @positive", &[], path).await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    // The spec's example and two random inputs.
    let made = backend.writes_to("POST", "/api/admin/users");
    assert!((2..=3).contains(&made), "{made} creates\n{}", run.stdout);
}

/// An answer in a media type the spec does not declare for its status (validation errors as
/// `application/problem+json` where it declares `application/json`) is one spec finding for
/// the operation and status, not a problem of every edge case the backend refused.
#[tokio::test(flavor = "multi_thread")]
async fn an_undeclared_error_media_type_is_one_finding_not_one_problem_per_edge_case() {
    let (run, _) = run(Fault::ValidationAsProblemJson, "@boundary", &[]).await;
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    let finding = run
        .stdout
        .lines()
        .find(|l| {
            l.starts_with("finding rule spec: ")
                && l.contains("Content-Type `application/problem+json` is not declared")
        })
        .unwrap_or_else(|| panic!("{}", run.stdout));
    assert!(finding.contains("create_article 400"), "{finding}");
    assert!(
        !run.stdout.contains("refused outside the envelope"),
        "{}",
        run.stdout
    );
}

/// The envelope's sample of a wrong method goes to a path the scenario of every path probes
/// (not the sign-in's), so that one cause, a framework's 405, is judged there once: the
/// sign-in path's incomplete `Allow` fails the OPTIONS scenario, and the sample passes.
#[tokio::test(flavor = "multi_thread")]
async fn the_wrong_method_sample_goes_where_every_path_is_probed() {
    let (run, _) = run(Fault::IncompleteAllow, "@errors", &[]).await;
    assert!(
        run.failed_by(
            "Every path answers a method",
            accord_conformance::rules::Rule::ErrorsAllow,
            "/api/users/login"
        ),
        "{}",
        run.stdout
    );
    assert!(
        !run.failed_by(
            "wrong method",
            accord_conformance::rules::Rule::ErrorsAllow,
            ""
        ),
        "{}",
        run.stdout
    );
}

/// A create that crashes without an optional member, after one with it was accepted: the
/// problem names the member the crashing request leaves out, not only a state the backend
/// may be in.
#[tokio::test(flavor = "multi_thread")]
async fn a_crash_without_an_optional_member_names_it() {
    let (run, _) = run(Fault::CreateWithoutViewsCrash, "@behaviour", &[]).await;
    assert!(
        run.stdout.contains(
            "to a request with `/article/views`, which this one leaves out (the spec does not require it)"
        ),
        "{}",
        run.stdout
    );
}

/// Another user's article answered 404 with the slug it was asked for in the error: no read
/// of the first user's resource (the error shows nothing of it), where a 200 would be one.
#[tokio::test(flavor = "multi_thread")]
async fn a_not_found_that_echoes_the_id_asked_for_is_no_leak() {
    let (run, _) = run(Fault::NotFoundEchoesSlug, "@second_user", &[]).await;
    assert!(
        !run.stdout.contains("rule behaviour.cross_user_read"),
        "{}",
        run.stdout
    );
    assert_eq!(run.code, Some(0), "{}", run.stdout);
}

/// A deleted article's slug that reads as another article: `use_after_delete` says another
/// resource holds the deleted one's id now.
#[tokio::test(flavor = "multi_thread")]
async fn a_deleted_id_given_to_another_resource_is_named() {
    let (run, _) = run(Fault::SlugReusedAfterDelete, "@behaviour and @writes", &[]).await;
    assert!(
        run.stdout
            .contains("not 404 or 410: another resource holds its id now"),
        "{}",
        run.stdout
    );
}

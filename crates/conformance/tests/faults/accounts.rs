//! A backend whose users change their own account (`fixtures/backends/accounts.yaml`): the
//! operations on the signed-in account (`PATCH /me`, `DELETE /me`, a password change) must
//! go to an account the run made for itself, never to the one it was given. Correct, except
//! for one fault at a time; it counts every change made to each account.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{MockServer, Request, Respond, ResponseTemplate};

use crate::{Run, harness_in, root};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    None,
    /// `PATCH /me` with `display_name: null`, which the schema admits, crashes (500).
    NullNameCrash,
    /// Not a fault: an account signed up through the API signs in only once its address is
    /// confirmed (403 before), so the run's spare account never signs in.
    ConfirmFirst,
    /// Not a fault: a change of the account voids the token it was made with and answers
    /// the next one in the account's `access_token`, which the backend's frontend stores.
    RotatesOnChange,
    /// Not a fault: the sign-up answers the new account's token, as a sign-in does.
    SignUpSignsIn,
    /// Not a fault: the sign-up answers after 200 ms (a password hash), and notes when each
    /// sign-up arrived.
    SlowSignUp,
    /// A password longer than 60 characters, which the schema admits (64), is refused (422).
    LongPasswordRefused,
    /// Not a fault: a display name, once set, stays taken (409), as a handle a deleted
    /// account keeps reserved; the backend outlives the run.
    KeepsNames,
    /// Not a fault: an administrator (the profile's privileged identity) reads and deletes
    /// any account by its address, `/accounts/{email}`, which the spec documents ([`spec`]).
    AdminDeletes,
}

#[derive(Default)]
struct State {
    /// email -> (password, display name)
    accounts: HashMap<String, (String, Value)>,
    /// token -> email
    tokens: HashMap<String, String>,
    /// email -> the changes made to that account (`PATCH /me`, `DELETE /me`, ...)
    changes: HashMap<String, u32>,
    issued: u32,
    /// email -> the sign-ins to that account
    sign_ins: HashMap<String, u32>,
    /// The sign-ups accepted.
    sign_ups: u32,
    /// The accepted sign-ups' passwords.
    passwords: Vec<String>,
    /// When each generated sign-up arrived.
    arrivals: Vec<std::time::Instant>,
    /// The addresses of the sign-ups refused as invalid.
    refused: Vec<String>,
    /// The addresses of the sign-ups accepted, deleted since or not.
    addresses: Vec<String>,
    /// Every display name set ([`Fault::KeepsNames`]), and the changes refused as taken.
    names: std::collections::HashSet<String>,
    name_conflicts: Vec<String>,
    /// The accounts the administrator deleted ([`Fault::AdminDeletes`]).
    admin_deleted: Vec<String>,
}

#[derive(Clone)]
pub struct Accounts {
    fault: Fault,
    state: Arc<Mutex<State>>,
}

const GIVEN: &str = "alice@example.com";
/// The administrator of [`Fault::AdminDeletes`].
const ADMIN: &str = "root@example.com";

fn problem(status: u16, detail: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({ "detail": detail }))
}

fn password(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .filter(|p| (8..=64).contains(&p.chars().count()))
        .map(String::from)
}

impl Accounts {
    pub fn new(fault: Fault) -> Accounts {
        let mut state = State::default();
        state
            .accounts
            .insert(GIVEN.into(), ("pw-alice-123".into(), json!("Alice")));
        if fault == Fault::AdminDeletes {
            state
                .accounts
                .insert(ADMIN.into(), ("pw-root-123".into(), json!("Root")));
        }
        Accounts {
            fault,
            state: Arc::new(Mutex::new(state)),
        }
    }

    /// The changes made to the account the run was given.
    pub fn given_changes(&self) -> u32 {
        let s = self.state.lock().unwrap();
        s.changes.get(GIVEN).copied().unwrap_or(0)
    }

    /// The shortest time between two generated sign-ups' arrivals.
    pub fn closest_sign_ups(&self) -> Option<std::time::Duration> {
        let s = self.state.lock().unwrap();
        s.arrivals.windows(2).map(|w| w[1] - w[0]).min()
    }

    /// How many sign-ups were accepted.
    pub fn signed_up(&self) -> u32 {
        self.state.lock().unwrap().sign_ups
    }

    /// The accepted sign-ups whose address was refused as invalid before.
    pub fn accepted_after_refusal(&self) -> Vec<String> {
        let s = self.state.lock().unwrap();
        s.refused
            .iter()
            .filter(|e| s.addresses.contains(e))
            .cloned()
            .collect()
    }

    /// The display names refused because they were taken, in their order.
    pub fn name_conflicts(&self) -> Vec<String> {
        self.state.lock().unwrap().name_conflicts.clone()
    }

    /// The passwords the accepted sign-ups set, in their order.
    pub fn passwords(&self) -> Vec<String> {
        self.state.lock().unwrap().passwords.clone()
    }

    /// The accounts signed in to with a password, by address.
    pub fn signed_in(&self) -> Vec<String> {
        let s = self.state.lock().unwrap();
        let mut out: Vec<String> = s.sign_ins.keys().cloned().collect();
        out.sort();
        out
    }

    /// The accounts there are, by address.
    pub fn accounts(&self) -> Vec<String> {
        let s = self.state.lock().unwrap();
        let mut out: Vec<String> = s.accounts.keys().cloned().collect();
        out.sort();
        out
    }

    /// The accounts the administrator deleted, by address.
    pub fn admin_deleted(&self) -> Vec<String> {
        self.state.lock().unwrap().admin_deleted.clone()
    }

    /// The accounts whose owner changed them (all but the run's spare are a defect), and
    /// whether each still exists.
    pub fn changed(&self) -> Vec<(String, bool)> {
        let s = self.state.lock().unwrap();
        let mut out: Vec<(String, bool)> = s
            .changes
            .keys()
            .map(|e| (e.clone(), s.accounts.contains_key(e)))
            .collect();
        out.sort();
        out
    }

    fn answer(&self, request: &Request) -> ResponseTemplate {
        let body: Option<Value> = serde_json::from_slice(&request.body).ok();
        let field = |name: &str| body.as_ref().and_then(|b| b.get(name));
        let mut s = self.state.lock().unwrap();
        let path = request.url.path().to_string();
        let method = request.method.as_str().to_string();
        match (method.as_str(), path.as_str()) {
            ("POST", "/signup") => {
                let email = field("email").and_then(Value::as_str).unwrap_or_default();
                // The generated sign-ups' (not the run's own accounts').
                if email != GIVEN && !email.contains("+accord") {
                    s.arrivals.push(std::time::Instant::now());
                }
                let (true, Some(pw)) = (crate::address(email, 100), password(field("password")))
                else {
                    s.refused.push(email.into());
                    return problem(422, "invalid sign-up");
                };
                if self.fault == Fault::LongPasswordRefused && pw.chars().count() > 60 {
                    s.refused.push(email.into());
                    return problem(422, "password: 60 characters at most");
                }
                if s.accounts.contains_key(email) {
                    return problem(409, "the address is taken");
                }
                s.passwords.push(pw.clone());
                s.addresses.push(email.into());
                s.accounts.insert(email.into(), (pw, Value::Null));
                s.sign_ups += 1;
                let mut answer = json!({"email": email, "display_name": null});
                if self.fault == Fault::SignUpSignsIn {
                    s.issued += 1;
                    let token = format!("tok-{}", s.issued);
                    s.tokens.insert(token.clone(), email.to_string());
                    answer["access_token"] = json!(token);
                }
                return ResponseTemplate::new(201).set_body_json(answer);
            }
            ("POST", "/login") => {
                let email = field("email").and_then(Value::as_str).unwrap_or_default();
                let pw = field("password")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if s.accounts.get(email).is_none_or(|(p, _)| p != pw) {
                    return problem(401, "wrong email or password");
                }
                if self.fault == Fault::ConfirmFirst && email != GIVEN {
                    return problem(403, "confirm your address first");
                }
                s.issued += 1;
                *s.sign_ins.entry(email.to_string()).or_default() += 1;
                let token = format!("tok-{}", s.issued);
                s.tokens.insert(token.clone(), email.to_string());
                return ResponseTemplate::new(200).set_body_json(json!({"access_token": token}));
            }
            _ => {}
        }
        let signed_in = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .and_then(|t| s.tokens.get(t).cloned())
            .filter(|e| s.accounts.contains_key(e));
        if let Some(address) = path.strip_prefix("/accounts/")
            && self.fault == Fault::AdminDeletes
        {
            let address = address.replace("%40", "@").replace("%2B", "+");
            if !["GET", "DELETE"].contains(&method.as_str()) {
                return problem(405, "method not allowed").insert_header("allow", "GET, DELETE");
            }
            match signed_in.as_deref() {
                None => {
                    return problem(401, "sign in first")
                        .insert_header("www-authenticate", "Bearer");
                }
                Some(ADMIN) => {}
                Some(_) => return problem(403, "administrators only"),
            }
            let Some((_, name)) = s.accounts.get(&address).cloned() else {
                return problem(404, "no such account");
            };
            if method == "GET" {
                return ResponseTemplate::new(200)
                    .set_body_json(json!({"email": address, "display_name": name}));
            }
            s.accounts.remove(&address);
            s.admin_deleted.push(address);
            return ResponseTemplate::new(204);
        }
        let known = ["/me", "/me/password"].contains(&path.as_str());
        if !known {
            return problem(404, "no such route");
        }
        let allowed = if path == "/me" {
            "GET, PATCH, DELETE"
        } else {
            "PUT"
        };
        if !allowed.split(", ").any(|m| m == method) {
            return problem(405, "method not allowed").insert_header("allow", allowed);
        }
        let Some(email) = signed_in else {
            return problem(401, "sign in first").insert_header("www-authenticate", "Bearer");
        };
        if method != "GET" {
            *s.changes.entry(email.clone()).or_default() += 1;
        }
        let view = |s: &State| {
            let (_, name) = &s.accounts[&email];
            json!({"email": email, "display_name": name})
        };
        match (method.as_str(), path.as_str()) {
            ("GET", "/me") => ResponseTemplate::new(200).set_body_json(view(&s)),
            ("PATCH", "/me") => {
                let Some(body) = body.as_ref().and_then(Value::as_object) else {
                    return problem(422, "an object, please");
                };
                let name = match body.get("display_name") {
                    None => None,
                    Some(Value::Null) if self.fault == Fault::NullNameCrash => {
                        return ResponseTemplate::new(500).set_body_string("Internal Server Error");
                    }
                    Some(Value::Null) => Some(Value::Null),
                    Some(Value::String(n)) if n.chars().count() <= 50 => {
                        if self.fault == Fault::KeepsNames && !s.names.insert(n.clone()) {
                            s.name_conflicts.push(n.clone());
                            return problem(409, "display_name: already taken");
                        }
                        Some(json!(n))
                    }
                    Some(_) => return problem(422, "display_name: 50 characters at most"),
                };
                if let Some(name) = name {
                    s.accounts.get_mut(&email).unwrap().1 = name;
                }
                let mut answer = view(&s);
                if self.fault == Fault::RotatesOnChange {
                    let presented = request
                        .headers
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.strip_prefix("Bearer "))
                        .unwrap_or_default()
                        .to_string();
                    s.tokens.remove(&presented);
                    s.issued += 1;
                    let token = format!("tok-{}", s.issued);
                    s.tokens.insert(token.clone(), email.clone());
                    answer["access_token"] = json!(token);
                }
                ResponseTemplate::new(200).set_body_json(answer)
            }
            ("DELETE", "/me") => {
                s.accounts.remove(&email);
                ResponseTemplate::new(204)
            }
            _ => {
                let current = field("current_password").and_then(Value::as_str);
                let Some(new) = password(field("new_password")) else {
                    return problem(422, "new_password: 8 to 64 characters");
                };
                if current != Some(s.accounts[&email].0.as_str()) {
                    return problem(400, "Incorrect password");
                }
                s.accounts.get_mut(&email).unwrap().0 = new;
                ResponseTemplate::new(204)
            }
        }
    }
}

impl Respond for Accounts {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let answer = self.answer(request);
        if self.fault == Fault::SlowSignUp && request.url.path() == "/signup" {
            return answer.set_delay(std::time::Duration::from_millis(200));
        }
        answer
    }
}

/// The spec of the backend with `fault`: the fixture, and for [`Fault::AdminDeletes`] the
/// administrator's `/accounts/{email}` beside it.
fn spec(dir: &Path, fault: Fault) -> PathBuf {
    let fixture = root().join("fixtures/backends/accounts.yaml");
    if fault != Fault::AdminDeletes {
        return fixture;
    }
    let admin = r##"paths:
  /accounts/{email}:
    parameters:
      - { name: email, in: path, required: true, schema: { type: string, format: email } }
    get:
      operationId: read_account
      responses:
        "200":
          description: The account
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Account" }
        "401": { $ref: "#/components/responses/Problem" }
        "403": { $ref: "#/components/responses/Problem" }
        "404": { $ref: "#/components/responses/Problem" }
    delete:
      operationId: delete_account
      responses:
        "204": { description: Deleted }
        "401": { $ref: "#/components/responses/Problem" }
        "403": { $ref: "#/components/responses/Problem" }
        "404": { $ref: "#/components/responses/Problem" }
"##;
    let text = std::fs::read_to_string(fixture)
        .unwrap()
        .replacen("paths:\n", admin, 1);
    let path = dir.join("accounts-admin.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

fn profile(dir: &Path, fault: Fault) -> PathBuf {
    let privileged = if fault == Fault::AdminDeletes {
        format!("privileged_body = {{ email = \"{ADMIN}\", password = \"pw-root-123\" }}")
    } else {
        String::new()
    };
    let text = format!(
        r##"
base_url = "http://127.0.0.1:1"
spec = "{}"
request_timeout_secs = 3
deadline_secs = 60

[auth]
kind = "login"
operation = "login"
register = "signup"
body = {{ email = "{GIVEN}", password = "pw-alice-123" }}
access_token = "body:/access_token"
{privileged}

[errors]
envelope = "schema"
schema = "#/components/schemas/Problem"

[behaviour]
examples = 5
expiry_wait_secs = 0
"##,
        spec(dir, fault).display().to_string().replace('\\', "/")
    );
    let path = dir.join("accounts.toml");
    std::fs::write(&path, text).unwrap();
    path
}

async fn run(fault: Fault) -> (Run, Accounts) {
    run_tagged(fault, "@behaviour and not @expiry").await
}

/// Two runs with the seeds given, one after the other against one backend that outlives
/// them, and what the backend had seen by the end of each.
async fn run_twice(fault: Fault, tags: &str, seeds: [u64; 2]) -> (Vec<(Run, usize)>, Accounts) {
    let (server, backend) = serve(fault).await;
    let mut runs = Vec::new();
    for seed in seeds {
        let dir = tempfile::tempdir().unwrap();
        let profile = profile(dir.path(), fault);
        let args = vec![
            "--tags".into(),
            tags.into(),
            "--seed".into(),
            seed.to_string(),
        ];
        let run = harness_in(profile, server.uri(), args, dir).await;
        runs.push((run, backend.name_conflicts().len()));
    }
    (runs, backend)
}

/// The backend with `fault`, served on loopback.
async fn serve(fault: Fault) -> (MockServer, Accounts) {
    let server = MockServer::start().await;
    let backend = Accounts::new(fault);
    wiremock::Mock::given(any())
        .respond_with(backend.clone())
        .mount(&server)
        .await;
    (server, backend)
}

async fn run_tagged(fault: Fault, tags: &str) -> (Run, Accounts) {
    let (server, backend) = serve(fault).await;
    let dir = tempfile::tempdir().unwrap();
    let profile = profile(dir.path(), fault);
    let args = vec!["--tags".into(), tags.into()];
    let run = harness_in(profile, server.uri(), args, dir).await;
    (run, backend)
}

/// The operations on the signed-in account go to the run's spare account, which is deleted
/// at the end; the account the run was given is never changed. The password change, which
/// needs a password no generated input holds, is left out and says why.
#[tokio::test(flavor = "multi_thread")]
async fn the_signed_in_accounts_operations_go_to_an_account_the_run_made() {
    let (run, backend) = run(Fault::None).await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert!(run.stdout.contains("update_me ("), "{}", run.stdout);
    assert_eq!(backend.given_changes(), 0, "{}", run.stdout);
    // Every account changed (the spare, and those the generated sign-ups made, which the
    // cleanup signs in to and deletes) is gone at the end.
    let changed = backend.changed();
    assert!(
        changed.iter().any(|(e, _)| e.contains("+accord-spare-"))
            && changed.iter().all(|(_, exists)| !exists),
        "changed accounts: {changed:?}\n{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "note: behaviour: change_password is left out of the generated calls: it asks for the signed-in account's current password"
        ),
        "{}",
        run.stdout
    );
    // What is left is the given account and the second identity's: the accounts the
    // generated sign-ups made were deleted, and counted with what the run deleted.
    assert!(backend.signed_up() > 2, "{}", run.stdout);
    let left = backend.accounts();
    assert!(
        left.len() == 2
            && left.contains(&GIVEN.to_string())
            && left.iter().any(|a| a.contains("+accord2@")),
        "{left:?}\n{}",
        run.stdout
    );
    assert!(!run.stdout.contains("could not delete"), "{}", run.stdout);
}

/// A crash on the signed-in account's own operation is found, on the spare one.
#[tokio::test(flavor = "multi_thread")]
async fn a_crash_changing_the_signed_in_account_is_found_on_the_spare_one() {
    let (run, backend) = run(Fault::NullNameCrash).await;
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "update_me: a server error (500) for null (body /display_name) the schema admits"
        ),
        "{}",
        run.stdout
    );
    assert_eq!(backend.given_changes(), 0, "{}", run.stdout);
    // A check's failure is printed as one, naming its rule: cucumber's writer calls every
    // failed step a panic, and a user reading "panicked" looks for a bug in the tool.
    assert!(
        run.stdout
            .contains("Check failed: rule behaviour.boundary: ")
            && !run.stdout.contains("panicked"),
        "{}",
        run.stdout
    );
}

/// A spare account that cannot sign in leaves the signed-in account's operations out, and
/// says why; the run's other checks go on and pass.
#[tokio::test(flavor = "multi_thread")]
async fn a_spare_account_that_cannot_sign_in_leaves_the_accounts_operations_out() {
    let tags = "@behaviour and not @expiry and not @second_user";
    let (run, backend) = run_tagged(Fault::ConfirmFirst, tags).await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "note: behaviour: update_me is left out of the generated calls: the run's spare account, which it needs, could not sign in"
        ),
        "{}",
        run.stdout
    );
    assert_eq!(backend.given_changes(), 0, "{}", run.stdout);
    assert!(backend.changed().is_empty(), "{:?}", backend.changed());
}

/// A change of the account that voids its token and answers the next one: the run goes on
/// with the answered token, as the backend's frontend does, so every later call on the
/// account is signed in (with the old token each would be a 401, blamed on the backend).
#[tokio::test(flavor = "multi_thread")]
async fn a_token_the_account_change_answers_is_the_session_s_next() {
    let (run, backend) = run(Fault::RotatesOnChange).await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert!(
        !run.stdout.contains("request was refused with 401"),
        "{}",
        run.stdout
    );
    assert_eq!(backend.given_changes(), 0, "{}", run.stdout);
    // The spare account was deleted at the end, with the last token it was answered.
    assert!(
        backend.changed().iter().all(|(_, exists)| !exists),
        "{:?}\n{}",
        backend.changed(),
        run.stdout
    );
}

/// Random inputs make few accounts: each accepted sign-up is one to delete again, so
/// the sign-up gets its example and two generated inputs (the boundary pass, not run here,
/// sends its edge values).
#[tokio::test(flavor = "multi_thread")]
async fn random_inputs_make_few_accounts() {
    let (run, backend) = run_tagged(Fault::None, "@positive").await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    // The second identity's sign-up and the spare's, and at most three generated ones.
    let made = backend.signed_up();
    assert!((3..=5).contains(&made), "{made} sign-ups\n{}", run.stdout);
}

/// An account the run signs up is signed in by the sign-up's answer when it holds the
/// session, as the backend's frontend does: the password is checked (and hashed) once, by
/// the sign-up, and only the account the run was given signs in with it; the cleanup
/// deletes the generated sign-ups' accounts with the sessions their sign-ups answered.
#[tokio::test(flavor = "multi_thread")]
async fn a_sign_up_that_answers_a_token_is_the_new_account_s_session() {
    let (run, backend) = run(Fault::SignUpSignsIn).await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert!(run.stdout.contains("update_me ("), "{}", run.stdout);
    // No account but the given one is signed in to: the generated sign-ups' accounts are
    // deleted at the end with the session each sign-up answered.
    let signed_in = backend.signed_in();
    assert_eq!(signed_in, [GIVEN.to_string()], "{}", run.stdout);
    assert!(
        run.stdout.contains("cleanup:") && !run.stdout.contains("could not delete"),
        "{}",
        run.stdout
    );
}

/// The kinds of text a field admits (control characters, right-to-left marks, emoji,
/// percent-encoding, a path, markup) go in one request, not one each: each accepted sign-up
/// is an account (and a password hash) more.
#[tokio::test(flavor = "multi_thread")]
async fn the_kinds_of_text_a_field_admits_go_in_one_request() {
    let (run, backend) = run_tagged(Fault::None, "@boundary").await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    let mixed = backend.passwords().into_iter().any(|pw| {
        [
            "\u{1}",
            "\u{202e}",
            "\u{1F600}",
            "%2e",
            "../../etc/passwd",
            "<script>",
        ]
        .iter()
        .all(|kind| pw.contains(kind))
    });
    assert!(mixed, "{:?}\n{}", backend.passwords(), run.stdout);
    // The password's edges (8 and 64 characters, the NUL, the mixed text) and the example
    // or a run's own account: one at a time, the six kinds would be five sign-ups more.
    let made = backend.signed_up();
    assert!(made <= 6, "{made} sign-ups\n{}", run.stdout);
}

/// A value the schema admits refused as invalid is the backend's fault only when the same
/// request without it is accepted. Once a sign-up of the pass was accepted, that request is
/// not sent: one more sign-up (a password hash) would tell nothing new. The refusal is still
/// reported.
#[tokio::test(flavor = "multi_thread")]
async fn a_refused_edge_value_is_judged_without_one_more_sign_up() {
    let (run, backend) = run_tagged(Fault::LongPasswordRefused, "@boundary").await;
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("which the schema admits, was refused with 422"),
        "{}",
        run.stdout
    );
    // The one request holding the address's edge and the long password, refused, sends the
    // address's edge alone, which is accepted; the long password alone, refused too, sends
    // nothing more (before, the same address with a shorter password signed up again).
    let again = backend.accepted_after_refusal();
    assert!(
        again.len() <= 1,
        "signed up again: {again:?}\n{}",
        run.stdout
    );
}

/// A run's edge texts are its own: a second run against a backend that keeps every display
/// name it was given (a username a run cannot delete) meets none of the first run's, so
/// none of its cases is a conflict (before, the second run's texts were the first's: each
/// was refused as taken, and each text mixed in one field sent again alone).
#[tokio::test(flavor = "multi_thread")]
async fn a_second_run_meets_none_of_the_first_run_s_edge_texts() {
    let (runs, backend) = run_twice(Fault::KeepsNames, "@boundary", [7, 8]).await;
    let [(first, before), (second, _)] = &runs[..] else {
        unreachable!()
    };
    assert_eq!(first.code, Some(0), "{}", first.stdout);
    assert!(
        second.stdout.contains("update_me ("),
        "the boundary pass changed no name: {}",
        second.stdout
    );
    // The empty name, which no mark can make a run's own, is the one text both runs send.
    let met: Vec<String> = backend.name_conflicts().split_off(*before);
    assert!(
        met.iter().all(String::is_empty),
        "the second run met names the first had set: {met:?}\n{}",
        second.stdout
    );
}

/// The boundary cases of an operation that writes nothing of the run's are sent several at
/// once: a sign-up that takes 200 ms (a password hash) gets the next case before it answers
/// the last one. Sent one at a time, no two sign-ups would arrive less than 200 ms apart.
#[tokio::test(flavor = "multi_thread")]
async fn independent_boundary_cases_are_sent_at_once() {
    let (run, backend) = run_tagged(Fault::SlowSignUp, "@boundary").await;
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    let closest = backend.closest_sign_ups().expect("sign-ups");
    assert!(
        closest < std::time::Duration::from_millis(100),
        "{closest:?}\n{}",
        run.stdout
    );
}

/// Where the profile has a privileged identity and the spec an operation that deletes an
/// account by its id (read as the sign-up answers it), the cleanup deletes the accounts the
/// generated sign-ups made through it, in the one session the administrator already holds:
/// no sign-in to each of them, which would be a password check apiece and a burst of
/// sign-ins a login's rate limit counts.
#[tokio::test(flavor = "multi_thread")]
async fn an_administrator_deletes_the_generated_accounts_without_signing_in_to_each() {
    let (run, backend) = run(Fault::AdminDeletes).await;
    assert!(backend.signed_up() > 2, "{}", run.stdout);
    // Every generated account is gone, and the administrator deleted them.
    let left = backend.accounts();
    assert!(
        left.len() == 3
            && left.contains(&GIVEN.to_string())
            && left.contains(&ADMIN.to_string())
            && left.iter().any(|a| a.contains("+accord2@")),
        "{left:?}\n{}",
        run.stdout
    );
    assert!(!backend.admin_deleted().is_empty(), "{}", run.stdout);
    // Signed in to: the given account, the second, the spare and the administrator; none
    // of the generated ones.
    let signed_in = backend.signed_in();
    assert!(
        signed_in
            .iter()
            .all(|a| a == GIVEN || a == ADMIN || a.contains("+accord")),
        "{signed_in:?}\n{}",
        run.stdout
    );
    assert!(!run.stdout.contains("could not delete"), "{}", run.stdout);
}

//! A hostile or broken backend is a reported failure, never a hang or a crash: timeouts,
//! oversized and garbage answers, connection resets, redirects to another origin.

use std::time::{Duration, Instant};

use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::harness;

async fn run_against(template: ResponseTemplate) -> (crate::Run, Duration) {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(template)
        .mount(&server)
        .await;
    let started = Instant::now();
    let run = harness(server.uri(), Some("@errors and not @login")).await;
    (run, started.elapsed())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backend_that_never_answers_times_out() {
    let (run, took) =
        run_against(ResponseTemplate::new(200).set_delay(Duration::from_secs(60))).await;
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(run.stdout.contains("timed out"), "{}", run.stdout);
    assert!(took < Duration::from_secs(40), "the run took {took:?}");
}

/// One operation that never answers is the backend's failure, named with its request, not
/// a failure of the harness's own set-up: that operation's problem in the pass, whose other
/// operations are judged.
#[tokio::test(flavor = "multi_thread")]
async fn an_operation_that_never_answers_is_a_transport_failure() {
    use wiremock::matchers::{method, path};
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/items"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(60)))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(crate::mock::Mock::new(
            crate::mock::Fault::None,
            server.uri(),
        ))
        .with_priority(2)
        .mount(&server)
        .await;
    let run = harness(server.uri(), Some("@positive")).await;
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(
        run.stdout.contains("Check failed: rule behaviour.positive")
            && run
                .stdout
                .contains(": no answer: GET /api/v1/items: transport:")
            && run.stdout.contains("timed out"),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn html_garbage_and_huge_answers_are_failures() {
    let (run, _) =
        run_against(ResponseTemplate::new(404).set_body_raw("<html>oops</html>", "text/html"))
            .await;
    assert_eq!(run.code, Some(1));
    assert!(run.stdout.contains("rule envelope"), "{}", run.stdout);

    let (run, _) = run_against(
        ResponseTemplate::new(404)
            .set_body_raw(vec![0xffu8, 0x00, 0x13, 0x37], "application/problem+json"),
    )
    .await;
    assert_eq!(run.code, Some(1));
    assert!(run.stdout.contains("not JSON"), "{}", run.stdout);

    let huge = vec![b'x'; accord_conformance::http::MAX_RESPONSE_BYTES + 1024];
    let (run, _) =
        run_against(ResponseTemplate::new(404).set_body_raw(huge, "application/problem+json"))
            .await;
    assert_eq!(run.code, Some(1));
    assert!(run.stdout.contains("larger than"), "{}", run.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn redirects_are_never_followed() {
    let elsewhere = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .mount(&elsewhere)
        .await;
    let (run, _) = run_against(
        ResponseTemplate::new(302)
            .insert_header("location", format!("{}/steal", elsewhere.uri()).as_str()),
    )
    .await;
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("rule errors.status: expected 404, got 302"),
        "{}",
        run.stdout
    );
    assert!(
        elsewhere
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty(),
        "a redirect was followed to another origin"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn connection_resets_are_failures() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                break;
            };
            // Close at once with a reset (linger 0), without an answer; blocking on drop is
            // what this test wants.
            #[allow(deprecated)]
            let _ = socket.set_linger(Some(Duration::ZERO));
            drop(socket);
        }
    });
    let run = harness(format!("http://{address}"), Some("@errors and not @login")).await;
    server.abort();
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(
        run.stdout.contains("failed") && !run.stdout.contains("panicked at"),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn profile_errors_name_the_key_and_the_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let spec = crate::root()
        .join("openapi/api.yaml")
        .display()
        .to_string()
        .replace('\\', "/");
    for (text, expected) in [
        (
            format!("base_url = \"http://x\"\nspec = \"{spec}\"\nbogus = 1\n"),
            ":3: unknown field `bogus`",
        ),
        (
            format!("base_url = \"ftp://x\"\nspec = \"{spec}\"\n"),
            ":1: base_url: `ftp://x` is not an http(s) URL",
        ),
        (
            format!("base_url = \"http://x\"\nspec = \"{spec}\"\n\n[errors]\nenvelope = \"xml\"\n"),
            ":5: unknown variant `xml`",
        ),
        (
            format!(
                "base_url = \"http://x\"\nspec = \"{spec}\"\n\n[auth]\nkind = \"login\"\noperation = \"sign_in\"\nbody = {{ a = \"b\" }}\naccess_token = \"body:/t\"\n"
            ),
            ":6: auth.operation: the spec has no operation `sign_in`",
        ),
        (
            format!(
                "base_url = \"http://x\"\nspec = \"{spec}\"\n\n[auth]\nkind = \"login\"\noperation = \"login\"\nbody = {{ a = \"b\" }}\naccess_token = \"query:x\"\n"
            ),
            ":8: `query:x` is none of",
        ),
        (
            format!(
                "base_url = \"http://x\"\nspec = \"{spec}\"\n\n[auth]\nkind = \"login\"\noperation = \"login\"\nbody = {{ a = \"b\" }}\naccess_token = \"body:/t\"\nbasic = \"${{ACCORD_NO_SUCH_VARIABLE}}:pw\"\n"
            ),
            ":9: auth.basic: the environment variable `ACCORD_NO_SUCH_VARIABLE` is not set",
        ),
        (
            "base_url = \"http://x\"\nspec = \"missing.yaml\"\n".to_string(),
            "missing.yaml",
        ),
    ] {
        let path = dir.path().join("bad.toml");
        std::fs::write(&path, &text).unwrap();
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_accord-conformance"))
            .arg("--profile")
            .arg(&path)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{text}\n{stderr}");
        assert!(
            stderr.contains(expected),
            "{text}\nexpected `{expected}` in:\n{stderr}"
        );
    }
}

/// A base URL nothing answers on fails the run once, naming it, before any check: not a
/// transport failure in every scenario, as if the backend had failed each.
#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_backend_fails_the_run_once_naming_it() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let run = crate::harness_in(
        crate::profile(dir.path()),
        format!("http://127.0.0.1:{port}"),
        vec![],
        dir,
    )
    .await;
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(
        run.stdout.contains(&format!(
            "conformance: the backend cannot be reached (base_url or --base-url): http://127.0.0.1:{port}: could not connect"
        )),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("Scenario"), "{}", run.stdout);
}

#[test]
fn the_shipped_profiles_parse() {
    for name in ["reference.toml", "fastapi.example.toml"] {
        let path = crate::root().join("fixtures/profiles").join(name);
        accord_conformance::profile::load(&path).unwrap_or_else(|e| panic!("{e}"));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn absent_sections_skip_with_a_reason_and_strict_fails_them_and_reports_are_written() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(crate::mock::Mock::new(
            crate::mock::Fault::None,
            server.uri(),
        ))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let spec = crate::root()
        .join("openapi/api.yaml")
        .display()
        .to_string()
        .replace('\\', "/");
    let profile = dir.path().join("partial.toml");
    std::fs::write(
        &profile,
        format!(
            "base_url = \"{}\"\nspec = \"{spec}\"\n\n[errors]\nenvelope = \"problem\"\n",
            server.uri()
        ),
    )
    .unwrap();
    let (junit, json) = (
        dir.path().join("report.xml"),
        dir.path().join("report.json"),
    );
    let run = move |strict: bool| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_accord-conformance"));
        command
            .arg("--profile")
            .arg(&profile)
            .arg("--junit")
            .arg(&junit)
            .arg("--json")
            .arg(&json);
        if strict {
            command.arg("--strict");
        }
        command.output().unwrap()
    };
    let (lenient, strict) = tokio::task::spawn_blocking(move || (run(false), run(true)))
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&lenient.stdout);
    assert_eq!(lenient.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("skipped: CORS: ") && stdout.contains("(the profile has no [cors])"),
        "{stdout}"
    );
    assert!(
        stdout.contains("(the profile has no [auth] to sign in with)"),
        "{stdout}"
    );
    assert!(stdout.contains("tag @errors"), "{stdout}");
    assert_eq!(
        strict.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&strict.stdout)
    );
    assert!(String::from_utf8_lossy(&strict.stdout).contains("[fails with --strict]"));

    let xml = std::fs::read_to_string(dir.path().join("report.xml")).unwrap();
    assert!(
        xml.contains("<testcase") && xml.contains("unknown route"),
        "{xml}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap())
            .unwrap();
    assert!(
        report
            .as_array()
            .is_some_and(|features| !features.is_empty()),
        "{report}"
    );
}

/// A run the deadline stops is no pass: each scenario it did not finish fails, saying how
/// to go on, though every scenario that finished passed (a correct backend, only slow).
#[tokio::test(flavor = "multi_thread")]
async fn a_run_cut_short_by_its_deadline_fails_the_scenarios_it_did_not_finish() {
    struct Slow(crate::mock::Mock);
    impl wiremock::Respond for Slow {
        fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
            self.0
                .respond(request)
                .set_delay(Duration::from_millis(300))
        }
    }
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(Slow(crate::mock::Mock::new(
            crate::mock::Fault::None,
            server.uri(),
        )))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let profile = crate::profile(dir.path());
    let text = std::fs::read_to_string(&profile)
        .unwrap()
        .replace("deadline_secs = 60", "deadline_secs = 2");
    std::fs::write(&profile, text).unwrap();
    let run = crate::harness_in(
        profile,
        server.uri(),
        vec!["--tags".into(), "@behaviour and not @expiry".into()],
        dir,
    )
    .await;
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with("not finished: The API's own behaviour: ")),
        "{}",
        run.stdout
    );
    assert!(
        run.results["scenarios"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|s| s["verdict"] == "failed"
                && s["detail"].as_str().is_some_and(|d| d.contains(
                    "not finished: the run's deadline (2 s, `deadline_secs`) came first"
                ))),
        "{}",
        run.results
    );
}

/// A server that, as Go's `net/http` does on a handler's panic, closes the connection
/// without an answer when a pet's `tag` holds markup, and otherwise answers its two
/// operations. The boundary pass sends the fields' mixed texts together, gets no answer,
/// and sends each kind of text alone: the failure names the one that got none.
#[tokio::test(flavor = "multi_thread")]
async fn no_answer_for_values_together_is_narrowed_to_the_one_that_gets_none() {
    use tokio::io::AsyncWriteExt;
    const SPEC: &str = r##"openapi: 3.0.3
info: { title: Pets, version: "1" }
paths:
  /pets:
    get:
      operationId: findPets
      responses:
        "200":
          description: the pets
          content: { application/json: { schema: { type: array, items: { $ref: '#/components/schemas/Pet' } } } }
    post:
      operationId: addPet
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: '#/components/schemas/NewPet' } } }
      responses:
        "200":
          description: the pet
          content: { application/json: { schema: { $ref: '#/components/schemas/Pet' } } }
components:
  schemas:
    NewPet:
      type: object
      required: [name]
      properties: { name: { type: string }, tag: { type: string } }
    Pet:
      type: object
      required: [id, name]
      properties: { id: { type: integer }, name: { type: string }, tag: { type: string } }
"##;
    let (address, server) = raw_server(|mut socket| async move {
        while let Some((head, body)) = crate::transport::read_request_and_body(&mut socket).await {
            let body: serde_json::Value =
                serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
            let (status, answer) = if head.starts_with("POST /pets ") {
                if body["tag"].as_str().is_some_and(|t| t.contains("<script")) {
                    // The handler panicked: the connection closes unanswered.
                    return;
                }
                match body["name"].as_str() {
                    Some(name) => ("200 OK", serde_json::json!({"id": 1, "name": name})),
                    None => (
                        "400 Bad Request",
                        serde_json::json!({"message": "name is required"}),
                    ),
                }
            } else {
                ("200 OK", serde_json::json!([]))
            };
            if socket
                .write_all(&json_answer(status, &answer))
                .await
                .is_err()
            {
                return;
            }
        }
    })
    .await;
    let run = crate::first_run_with(SPEC, format!("http://{address}"), "@boundary", &[]).await;
    server.abort();
    assert!(
        run.failed_by(
            "Boundary inputs never crash the backend",
            accord_conformance::rules::Rule::Boundary,
            "addPet: no answer for quotes and markup (body /tag)"
        ),
        "{}",
        run.stdout
    );
}

/// A server-sent events endpoint stays open while it has events to send: the run reads its
/// first event and closes the connection, as a client that has what it asked for, rather
/// than waiting out its timeout and calling the stream a backend that never answers.
#[tokio::test(flavor = "multi_thread")]
async fn a_stream_of_server_sent_events_is_read_to_its_first_event() {
    use tokio::io::AsyncWriteExt;
    const SPEC: &str = r##"openapi: 3.0.3
info: { title: Events, version: "1" }
paths:
  /events:
    get:
      operationId: streamEvents
      parameters:
        - { name: topic, in: query, schema: { type: string } }
      responses:
        "200":
          description: the events
          content: { text/event-stream: { schema: { type: string } } }
        "400":
          description: an unknown topic
          content: { application/json: { schema: { type: object, properties: { message: { type: string } } } } }
"##;
    let (address, server) = raw_server(|mut socket| async move {
                let Some(head) = crate::transport::read_request(&mut socket).await else {
                return;
            };
            if !head.starts_with("GET /events") {
                let missing = serde_json::json!({"message": "no such route"});
                let _ = socket
                    .write_all(&json_answer("404 Not Found", &missing))
                    .await;
                return;
            }
            let _ = socket
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n\r\nevent: hello\ndata: {}\n\n")
                .await;
            // The stream stays open, with nothing more to say for a while.
            tokio::time::sleep(Duration::from_secs(60)).await;
    })
    .await;
    let run = crate::first_run_with(
        SPEC,
        format!("http://{address}"),
        "@behaviour and not @writes and not @roles and not @expiry",
        &[],
    )
    .await;
    server.abort();
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    run.says(&["streamEvents answers a stream (text/event-stream): the run reads its first event"]);
}

/// An HTTP/1.1 answer of `status` (`"200 OK"`) with `body` as JSON, for the raw servers
/// above.
fn json_answer(status: &str, body: &serde_json::Value) -> Vec<u8> {
    let text = body.to_string();
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{text}",
        text.len()
    )
    .into_bytes()
}

/// A server on loopback handing each connection to `handle`, its address and its task.
async fn raw_server<F, Fut>(handle: F) -> (std::net::SocketAddr, tokio::task::JoinHandle<()>)
where
    F: Fn(tokio::net::TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(handle(socket));
        }
    });
    (address, server)
}

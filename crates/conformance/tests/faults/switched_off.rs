//! Operations a deployment does not offer: LNbits answers its node API with `501 {"detail":
//! "Not implemented"}` on a wallet without a node, and its block explorer with `503
//! {"detail": "Block explorer is not enabled."}`, to every request, with a token or without
//! one. A 501 is the backend saying it does not offer the operation, not a crash; an
//! operation that answers the valid token with the same 501 or 503 as a request without one
//! cannot show whether it refuses credentials; nor is a 503 it answers a request without
//! credentials too, before it looks at who asks, a crash. The run said `a server error
//! (501) for a valid request` of each node route, and `answered 503, not 401` and `a server
//! error (503)` of each explorer route.

use accord_conformance::rules::Rule;
use serde_json::json;
use wiremock::{Request, Respond, ResponseTemplate};

const SPEC: &str = r##"openapi: 3.0.3
info: { title: Wallet, version: "1" }
components:
  securitySchemes:
    bearer: { type: http, scheme: bearer }
  schemas:
    Error:
      type: object
      required: [detail]
      properties: { detail: { type: string } }
  responses:
    Refused:
      description: no valid token
      content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } }
security: [{ bearer: [] }]
paths:
  /items:
    get:
      operationId: listItems
      responses:
        "200": { description: The items, content: { application/json: { schema: { type: array, items: { type: object } } } } }
        "401": { $ref: "#/components/responses/Refused" }
  /node/info:
    get:
      operationId: getNodeInfo
      parameters:
        - { name: usr, in: query, required: false, schema: { type: string, format: uuid4 } }
      responses:
        "200": { description: The node, content: { application/json: { schema: { type: object } } } }
        "401": { $ref: "#/components/responses/Refused" }
  /explorer/blocks:
    get:
      operationId: listBlocks
      responses:
        "200": { description: The blocks, content: { application/json: { schema: { type: array, items: { type: object } } } } }
        "401": { $ref: "#/components/responses/Refused" }
"##;

const TOKEN: &str = "wallet-token";

/// The deployment above; `broken`, a copy whose node route crashes for the signed-in user,
/// whose explorer fails for the signed-in user alone (503, where it refuses a request
/// without a token), and whose items answer without a token.
struct Wallet {
    broken: bool,
}

impl Respond for Wallet {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let valid = request
            .headers
            .get("authorization")
            .is_some_and(|v| v.as_bytes() == format!("Bearer {TOKEN}").as_bytes());
        let refused = || {
            ResponseTemplate::new(401)
                .insert_header("www-authenticate", "Bearer error=\"invalid_token\"")
                .set_body_json(json!({"detail": "Missing user ID or access token."}))
        };
        match request.url.path() {
            "/items" if valid || self.broken => ResponseTemplate::new(200).set_body_json(json!([])),
            "/items" => refused(),
            "/node/info" if valid && self.broken => {
                ResponseTemplate::new(500).set_body_json(json!({"detail": "boom"}))
            }
            "/node/info" => {
                ResponseTemplate::new(501).set_body_json(json!({"detail": "Not implemented"}))
            }
            "/explorer/blocks" if !valid && self.broken => refused(),
            "/explorer/blocks" => ResponseTemplate::new(503)
                .set_body_json(json!({"detail": "Block explorer is not enabled."})),
            _ => ResponseTemplate::new(404).set_body_json(json!({"detail": "Not Found"})),
        }
    }
}

async fn run(broken: bool) -> crate::Run {
    let server = crate::serving(Wallet { broken }).await;
    crate::first_run_with(
        SPEC,
        server.uri(),
        "(@behaviour and not (@boundary or @writes or @roles or @expiry)) or (@auth and not @expiry)",
        &[("ACCORD_TOKEN", TOKEN)],
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn an_operation_not_offered_here_is_neither_a_crash_nor_an_open_door() {
    let run = run(false).await;
    assert!(
        run.verdict("Secured operations refuse no token") == "passed"
            && !run.failed_by("", Rule::Positive, "getNodeInfo")
            && !run.failed_by("", Rule::Positive, "listBlocks")
            && run.verdict("Inputs that break one constraint are refused") == "passed"
            && run.stdout.contains("listBlocks answers a valid request 503, as it answers a request without credentials")
            && run.stdout.contains(
                "getNodeInfo answers a valid request 501, which says the backend does not offer the operation here"
            )
            && run
                .stdout
                .contains("listBlocks answers 503 with the valid token too"),
        "{}",
        run.stdout
    );
    let broken = self::run(true).await;
    assert!(
        broken.failed_by("", Rule::Positive, "getNodeInfo: a server error (500)")
            && broken.failed_by("", Rule::Positive, "listBlocks: a server error (503)")
            && broken.failed_by(
                "Secured operations refuse no token",
                Rule::AuthStatus,
                "listItems"
            ),
        "{}",
        broken.stdout
    );
}

const COOKIE_PARAM: &str = r##"openapi: 3.0.3
info: { title: Wallet, version: "1" }
components:
  securitySchemes:
    bearer: { type: http, scheme: bearer }
security: [{ bearer: [] }]
paths:
  /wallets:
    get:
      operationId: listWallets
      parameters:
        - { name: cookie_access_token, in: cookie, required: false, schema: { type: string } }
      responses:
        "200": { description: The wallets, content: { application/json: { schema: { type: array, items: { type: object } } } } }
        "401": { description: no valid token }
"##;

/// A backend that refuses the valid token. FastAPI declares the session
/// cookie LNbits reads, `cookie_access_token`, as a parameter of every operation; the run
/// took it for a credential each operation takes of its own, and so excused every 401 to a
/// signed-in request as a refusal of a credential it had made up.
struct RefusesToken;

impl Respond for RefusesToken {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        ResponseTemplate::new(401).set_body_json(json!({"detail": "Invalid token."}))
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_cookie_declared_as_a_parameter_excuses_no_refused_token() {
    let server = crate::serving(RefusesToken).await;
    let run = crate::first_run_with(
        COOKIE_PARAM,
        server.uri(),
        "@auth and not @expiry",
        &[("ACCORD_TOKEN", TOKEN)],
    )
    .await;
    assert!(
        run.failed_by("A valid token is accepted", Rule::AuthValid, "listWallets")
            && !run.stdout.contains("takes a credential of its own"),
        "{}",
        run.stdout
    );
}

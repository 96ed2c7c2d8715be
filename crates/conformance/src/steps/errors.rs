//! Error envelopes: each error case gets the status the spec documents for it, in the one
//! envelope the profile names.

use cucumber::{then, when};

use super::{AccordWorld, fold_envelope, in_envelope, named_in_envelope};
use crate::context::ErrorCase;
use crate::http::Exchange;
use crate::rules::{Failure, Outcome, Rule};

#[when(expr = "{error_case} is sent")]
async fn error_case(w: &mut AccordWorld, case: ErrorCase) -> Outcome {
    let outcome = error_case_checked(w, case).await;
    w.keep(&outcome);
    outcome
}

async fn error_case_checked(w: &mut AccordWorld, case: ErrorCase) -> Outcome {
    // An anonymous run's session holds no token. A wrong method goes signed in where the
    // run has a session: DRF checks credentials before the method, and refuses a request
    // without them (403) before it could say 405.
    // So does an unknown route: a backend may check credentials before it routes (Unleash
    // under `/api/admin`), and refuse a visitor (401) any path there.
    if matches!(case, ErrorCase::WrongMethod | ErrorCase::UnknownRoute) {
        w.own_session().await;
    }
    let token = w
        .tokens
        .as_ref()
        .map(|t| t.access.clone())
        .filter(|t| !t.is_empty());
    // A signed-in case answered 403 met an operation for another role: try the next one.
    let mut refused: Vec<String> = Vec::new();
    let known = crate::behaviour::known(&w.ctx);
    loop {
        // A case the spec gives nothing to send on (no secured operation, no path without
        // parameters) is skipped, saying so: a gap of the spec, not of the backend.
        let (request, op) =
            match w
                .ctx
                .error_request_except(case, token.as_deref(), &refused, &known)
            {
                Ok(found) => found,
                Err(e) => {
                    w.skip = Some(format!("nothing in the spec to send it on: {e}"));
                    return Ok(());
                }
            };
        // The path template it goes to: a wrong method's goes to a path without parameters.
        let path = match &op {
            Some(op) => Some(op.path.clone()),
            None if case == ErrorCase::WrongMethod => Some(request.target.clone()),
            None => None,
        };
        let e = w.send(request).await?;
        if let Some(op) = &op {
            made_all_the_same(w, op, &e);
        }
        let for_another_role = token.is_some()
            && e.status == 403
            && case != ErrorCase::NoCredentials
            && op.as_ref().is_some_and(|o| w.ctx.refusal_status(o) != 403);
        let for_another_role = match (for_another_role, &op) {
            (true, Some(op)) => !refuses_the_body(w, case, op).await?,
            (other, _) => other,
        };
        if let (true, Some(op)) = (for_another_role, &op) {
            w.ctx.forbidden(&op.id);
            refused.push(op.id.clone());
            continue;
        }
        // An operation the backend does not serve (a feature off in this deployment; its
        // spec finding says so) tells nothing of how a request is refused: the next one.
        if let Some(op) = &op
            && e.status == 404
            && !matches!(case, ErrorCase::UnknownRoute | ErrorCase::MissingResource)
            && w.ctx.not_served(op).await
        {
            w.ctx.http.note(format!(
                "errors: {} is not served, so the error case goes to another operation",
                op.id
            ));
            refused.push(op.id.clone());
            continue;
        }
        // A rate limit met (Unleash's ten sign-ins a minute) is the backend defending
        // itself, whatever the request: it tells nothing of how the case is refused, and
        // another operation tells it without waiting for the limit to lift.
        if let Some(op) = &op
            && e.status == 429
            && !refused.contains(&op.id)
        {
            w.ctx.http.note(format!(
                "errors: {} answered 429 (a rate limit), so the error case goes to another operation",
                op.id
            ));
            refused.push(op.id.clone());
            continue;
        }
        w.error_statuses = Some(w.ctx.error_statuses(case, op.as_ref()));
        w.error_case = Some(case);
        w.error_path = path;
        w.judged = vec![e];
        return Ok(());
    }
}

/// Whether a 403 to the broken body of `case` on `op` refuses the body, not the identity:
/// `op` (a create under no path parameter) takes the identity's valid request, asked once
/// per run as the behaviour passes ask it ([`crate::behaviour::learn_accepted`]). A backend
/// that answers its errors 403 (Spring Boot forwarding a 400 to `/error`, which its security
/// lets no one reach) is judged for it, not left out as another role's.
async fn refuses_the_body(
    w: &AccordWorld,
    case: ErrorCase,
    op: &crate::context::OpInfo,
) -> Result<bool, Failure> {
    let body_case = matches!(
        case,
        ErrorCase::MalformedJson
            | ErrorCase::WrongContentType
            | ErrorCase::MissingField
            | ErrorCase::WrongType
    );
    if !body_case || op.path.contains('{') {
        return Ok(false);
    }
    if !w.ctx.http.accepted_before(&op.id) {
        let resources = crate::behaviour::resources(&w.ctx);
        crate::behaviour::learn_accepted(&w.ctx, op, &resources).await?;
    }
    let accepted = w.ctx.http.accepted_before(&op.id);
    if accepted {
        w.ctx.http.note(format!(
            "errors: {} takes the identity's valid request and answered {} with 403: judged as the refusal of that body",
            op.id,
            case.described()
        ));
    }
    Ok(accepted)
}

#[then(expr = "the answer is {int} in the error envelope")]
async fn answer_in_envelope(w: &mut AccordWorld, status: u16) -> Outcome {
    let outcome = answer_in_envelope_checked(w, status).await;
    w.keep(&outcome);
    outcome
}

async fn answer_in_envelope_checked(w: &mut AccordWorld, status: u16) -> Outcome {
    // The feature names the usual status; the spec's documented one for the operation wins.
    let expected = w.error_statuses.clone().unwrap_or_else(|| vec![status]);
    let as_unknown_route = answered_as_unknown_route(w).await?;
    let mut problems = Vec::new();
    for e in &w.judged {
        let sent = w
            .error_path
            .as_deref()
            .map(|path| (e.method.as_str(), path));
        // A run without credentials asks as a visitor: a backend that asks for them first
        // (Kinto's accounts and buckets, whose spec names no security) is defending itself,
        // not answering the case.
        if !expected.contains(&e.status)
            && matches!(e.status, 401 | 403)
            && w.ctx.anonymous()
            && !matches!(w.error_case, Some(ErrorCase::NoCredentials))
        {
            w.skip = Some(format!(
                "{} asks for credentials ({}), and the run has none (the profile has no [auth])",
                e.operation.as_deref().unwrap_or("the request"),
                e.status
            ));
            return Ok(());
        }
        if !expected.contains(&e.status)
            && let Some(judge) =
                judged_elsewhere(&w.ctx, w.error_case, sent, (200..300).contains(&e.status))
        {
            // One cause, one failure: the scenario that checks it on every operation (or
            // path) says which status, under its own rule; the envelope is still this one's.
            w.ctx.http.note(format!(
                "errors: {} was answered {}, not {}: `{judge}` judges it",
                e.operation.as_deref().unwrap_or("the request"),
                e.status,
                expected
                    .iter()
                    .map(u16::to_string)
                    .collect::<Vec<_>>()
                    .join(" or "),
            ));
        } else if !expected.contains(&e.status) {
            let what: Vec<String> = expected.iter().map(u16::to_string).collect();
            problems.push(
                Failure::new(
                    Rule::ErrorsStatus,
                    format!(
                        "expected {}, got {}{}{}",
                        what.join(" or "),
                        e.status,
                        e.operation
                            .as_deref()
                            .map(|op| format!(" (from what the spec documents for {op})"))
                            .unwrap_or_default(),
                        if (200..300).contains(&e.status) && html_page(e) {
                            " with an HTML page: a web app served beside the API answers the API's own paths too"
                        } else {
                            ""
                        }
                    ),
                )
                .with(e),
            );
        }
        // A 405's envelope and `Allow` are judged on every path where the run sends each
        // path the methods it lacks, this request among them: a framework that never writes
        // them fails there, once.
        let elsewhere = (e.status == 405)
            .then(|| judged_elsewhere(&w.ctx, w.error_case, sent, false))
            .flatten();
        match (elsewhere, in_envelope(&w.ctx, e)) {
            (Some(judge), Err(f)) => w.ctx.http.note(format!(
                "errors: the 405 to {} {} is outside the error envelope ({}): `{judge}` judges it",
                e.method,
                sent.map_or("", |(_, path)| path),
                f.message
            )),
            (None, Err(f)) if as_unknown_route => w.ctx.http.note(format!(
                "errors: the {} to a wrong method is the answer an unknown route gets, outside the error envelope alike ({}): `{UNKNOWN_ROUTE}` judges it",
                e.status, f.message
            )),
            (None, Err(f)) => problems.push(f),
            (_, Ok(())) => {}
        }
        if e.status == 405 && elsewhere.is_none() {
            problems.extend(allow_problem(&w.ctx, e, "").await);
        }
    }
    if !problems.is_empty() && answered_as_missing_field(w).await? {
        w.ctx.http.note(format!(
            "errors: a body with a field of a wrong type is answered as a body missing a required field is ({}): `{MISSING_FIELD}` judges it",
            w.judged.first().map_or(0, |e| e.status)
        ));
        return Ok(());
    }
    // A status no body case may get, answered alike to an earlier one: one cause (every
    // error the backend makes answered so), judged there.
    if problems.iter().any(|p| p.rule == Rule::ErrorsStatus)
        && problems
            .iter()
            .all(|p| matches!(p.rule, Rule::ErrorsStatus | Rule::Envelope))
        && let Some(earlier) = answered_as_an_earlier_case(w).await?
    {
        w.ctx.http.note(format!(
            "errors: {} is answered as {} is ({}, the same body): judged there",
            w.error_case.map_or("the case", ErrorCase::described),
            earlier.described(),
            w.judged.first().map_or(0, |e| e.status)
        ));
        return Ok(());
    }
    // Only outside the envelope, as an earlier body case on the same operation is: one
    // cause (a validator that answers every body it refuses in plain text), judged there.
    if let [only] = problems.as_slice()
        && only.rule == Rule::Envelope
        && let Some(earlier) = outside_as_an_earlier_case(w, &only.message).await?
    {
        w.ctx.http.note(format!(
            "errors: {} is answered outside the error envelope as {} is ({}): judged there",
            w.error_case.map_or("the case", ErrorCase::described),
            earlier.described(),
            only.message
        ));
        return Ok(());
    }
    super::all(problems)
}

/// The body cases of the scenario, in the order their examples judge one cause.
const BODY_CASES: [ErrorCase; 4] = [
    ErrorCase::MalformedJson,
    ErrorCase::WrongContentType,
    ErrorCase::MissingField,
    ErrorCase::WrongType,
];

/// The earlier body case whose request the backend answers on the same operation outside
/// the error envelope for the same reason (`problem`) as this scenario's answer, whatever
/// its status (each is judged on its own): that example judges it (the chi server's OpenAPI
/// validator refuses malformed JSON, a wrong media type, a missing field and a wrong type
/// alike, in plain text where the spec declares JSON; axum's extractors each with their own
/// status, 400, 415 and 422, all in plain text).
async fn outside_as_an_earlier_case(
    w: &mut AccordWorld,
    problem: &str,
) -> Result<Option<ErrorCase>, Failure> {
    let Some(at) = w
        .error_case
        .and_then(|case| BODY_CASES.iter().position(|c| *c == case))
    else {
        return Ok(None);
    };
    // The reason without the status it names (`what the spec declares for 415`).
    let reason = |text: &str, status: u16| text.replace(&status.to_string(), "");
    // Or the same media type that is no JSON at all (Hono's `text/plain` refusals, said
    // once against the operation's declared 400 and once against the profile's envelope).
    let media = |e: &Exchange| {
        e.header("content-type")
            .map(accord_spec::media::essence)
            .filter(|m| !accord_spec::media::is_json(m))
    };
    earlier_case_alike(w, &BODY_CASES[..at], |ctx, mine, other| {
        crate::envelope::envelope_problem(ctx, other).is_some_and(|p| {
            reason(&p, other.status) == reason(problem, mine.status)
                || media(mine).is_some_and(|m| media(other) == Some(m))
        })
    })
    .await
}

/// The first of `earlier` (body cases of this scenario, which run beside it) whose request
/// goes to the operation this scenario's one answer came from and is answered `alike` it
/// (given the context, this answer and that one).
async fn earlier_case_alike(
    w: &mut AccordWorld,
    earlier: &[ErrorCase],
    alike: impl Fn(&crate::context::Ctx, &Exchange, &Exchange) -> bool,
) -> Result<Option<ErrorCase>, Failure> {
    let Some(mine) = w.judged.first().cloned() else {
        return Ok(None);
    };
    if w.judged.len() != 1
        || !w.ctx.runs(
            "Error envelopes",
            "<case> is answered <status> in the error envelope",
        )
    {
        return Ok(None);
    }
    let token = w.tokens.as_ref().map(|t| t.access.clone());
    let known = crate::behaviour::known(&w.ctx);
    for case in earlier {
        let Ok((request, Some(op))) = w.ctx.error_request(*case, token.as_deref(), &known) else {
            continue;
        };
        if mine.operation.as_deref() != Some(op.id.as_str()) {
            continue;
        }
        let other = w.send(request).await?;
        made_all_the_same(w, &op, &other);
        if alike(&w.ctx, &mine, &other) {
            return Ok(Some(*case));
        }
    }
    Ok(None)
}

/// The earlier body case whose request the backend answers on the same operation exactly
/// as this scenario's (the same status, media type and body), where that status is not
/// one the earlier case may get either: one cause, which that example judges (Spring Boot
/// forwarding every error to an `/error` its security lets no one reach: an empty 403 to
/// malformed JSON, a wrong media type, a missing field and a wrong type alike).
async fn answered_as_an_earlier_case(w: &mut AccordWorld) -> Result<Option<ErrorCase>, Failure> {
    let Some(at) = w
        .error_case
        .and_then(|case| BODY_CASES.iter().position(|c| *c == case))
    else {
        return Ok(None);
    };
    let Some(op) = w
        .judged
        .first()
        .and_then(|e| e.operation.clone())
        .and_then(|id| {
            w.ctx
                .all_operations()
                .into_iter()
                .map(|(o, _)| o)
                .find(|o| o.id == id)
        })
    else {
        return Ok(None);
    };
    for case in &BODY_CASES[..at] {
        let due = w.ctx.error_statuses(*case, Some(&op));
        let found = earlier_case_alike(w, &[*case], |_, mine, other| {
            !due.contains(&other.status)
                && other.status == mine.status
                && other.header("content-type") == mine.header("content-type")
                && other.response_body == mine.response_body
        })
        .await?;
        if found.is_some() {
            return Ok(found);
        }
    }
    Ok(None)
}

/// The example of the error envelope's scenario that sends a request to an unknown route.
const UNKNOWN_ROUTE: &str = "a request to an unknown route is answered 404 in the error envelope";

/// Whether this scenario's one answer, to a wrong method, is the 404 an unknown route gets
/// (the same status, media type and envelope verdict), where that example runs: the
/// router's not-found answer for a method the path lacks (Hono's and Fastify's), whose
/// envelope that example judges; the status is `errors.method`'s.
async fn answered_as_unknown_route(w: &mut AccordWorld) -> Result<bool, Failure> {
    let Some(mine) = w.judged.first().cloned() else {
        return Ok(false);
    };
    if w.error_case != Some(ErrorCase::WrongMethod)
        || w.judged.len() != 1
        || mine.status != 404
        || !w.ctx.runs("Error envelopes", UNKNOWN_ROUTE)
    {
        return Ok(false);
    }
    let token = w.tokens.as_ref().map(|t| t.access.clone());
    let known = crate::behaviour::known(&w.ctx);
    let Ok((request, _)) = w
        .ctx
        .error_request(ErrorCase::UnknownRoute, token.as_deref(), &known)
    else {
        return Ok(false);
    };
    let other = w.send(request).await?;
    Ok(other.status == mine.status
        && other.header("content-type") == mine.header("content-type")
        && crate::envelope::envelope_problem(&w.ctx, &other)
            == crate::envelope::envelope_problem(&w.ctx, &mine))
}

/// The example of the error envelope's scenario that sends a body missing a required field.
const MISSING_FIELD: &str = "a body missing a required field is answered 422 in the error envelope";

/// A broken request a create took all the same made something (Jupyter starts a kernel
/// without the `name` its spec requires): the cleanup deletes it.
fn made_all_the_same(w: &AccordWorld, op: &crate::context::OpInfo, e: &crate::exchange::Exchange) {
    if (200..300).contains(&e.status) {
        let kinds = crate::behaviour::kinds(&w.ctx);
        crate::behaviour::remember_created(&w.ctx, op, e, &kinds, crate::context::Identity::First);
    }
}

/// Whether this scenario's answer, to a body with a field of a wrong type, is the one the
/// backend gives a body missing a required field (the same status, media type and body):
/// one cause (a deserializer that refuses both before any validation, as RESTEasy's Jackson
/// does with a plain-text 400), judged once, in that example, which runs beside this one.
async fn answered_as_missing_field(w: &mut AccordWorld) -> Result<bool, Failure> {
    if w.error_case != Some(ErrorCase::WrongType) {
        return Ok(false);
    }
    let found = earlier_case_alike(w, &[ErrorCase::MissingField], |_, mine, other| {
        other.status == mine.status
            && other.header("content-type") == mine.header("content-type")
            && other.response_body == mine.response_body
    })
    .await?;
    Ok(found.is_some())
}

/// The selected scenario that judges the status of `case`'s answer under a rule of its
/// own, on every operation or path, when there is one: a request without credentials
/// answered with anything but the refusal due (`auth.status`), a wrong method's 4xx
/// (`errors.method` judges one other than 405, `errors.allow` a 405's `Allow`). For a wrong
/// method, only where that scenario sends the same method to the same path (`sent`: the
/// method, and the path template it went to); a broken body `accepted` with a 2xx
/// (`behaviour.negative`, which sends every operation such bodies: Fastify's validator
/// turns a number into the text its schema asks for, and takes it).
fn judged_elsewhere(
    ctx: &crate::context::Ctx,
    case: Option<ErrorCase>,
    sent: Option<(&str, &str)>,
    accepted: bool,
) -> Option<&'static str> {
    let (feature, scenario) = match case? {
        // Whatever the answer (a 403, a 404 looked up before the credentials, a 200): that
        // scenario sends the same request to every secured operation and judges it.
        ErrorCase::NoCredentials => ("Authentication", "Secured operations refuse <credentials>"),
        // Any answer (a bare 405, a 404, a web app's 200 page, a 500) is the one that
        // scenario meets on the same path and method.
        ErrorCase::WrongMethod
            if sent.is_some_and(|(method, path)| {
                undeclared_probes(ctx)
                    .iter()
                    .any(|p| p.method == method && p.path == path)
            }) =>
        {
            ("Error envelopes", EVERY_PATH)
        }
        ErrorCase::WrongType | ErrorCase::MissingField if accepted => (
            "The API's own behaviour",
            "Inputs that break one constraint are refused",
        ),
        _ => return None,
    };
    ctx.runs(feature, scenario).then_some(scenario)
}

/// OPTIONS, a safe method (also under `--read-only`), to every path that does not document
/// it, with the user's token when the scenario has one so the route is reached.
#[when("each path is sent OPTIONS where the spec does not document it")]
async fn options_everywhere(w: &mut AccordWorld) -> Outcome {
    let outcome = options_everywhere_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn options_everywhere_checked(w: &mut AccordWorld) -> Outcome {
    // Signed in where the run has a session: a backend whose every operation needs
    // credentials refuses an OPTIONS without them (DRF's 403), defending itself.
    w.own_session().await;
    let token = w.tokens.as_ref().map(|t| t.access.clone());
    let mut requests = Vec::new();
    for (path, item) in w
        .ctx
        .doc()
        .get("paths")
        .and_then(serde_json::Value::as_object)
        .into_iter()
        .flatten()
    {
        if item.get("options").is_some() {
            continue;
        }
        // Any operation of the path fills its parameters with ids that name nothing.
        let Some((op, _)) = w
            .ctx
            .all_operations()
            .into_iter()
            .find(|(o, _)| &o.path == path)
        else {
            continue;
        };
        let target = w.ctx.fill_path_with(&op, true);
        requests.push((
            crate::http::Request::new("OPTIONS", target).bearer(token.as_deref()),
            op.method.clone(),
            path.clone(),
        ));
    }
    w.judged.clear();
    w.templates.clear();
    for (request, method, template) in requests {
        let e = w.send(request.clone()).await?;
        // A CORS layer that takes every OPTIONS for a preflight (`@fastify/cors`, as NestJS on
        // Fastify has it) refuses a bare one, which no browser sends, with 400: where the
        // same OPTIONS sent as the frontend's preflight is answered, the path answers OPTIONS
        // as its frontend sends it (noted), and the methods it has are the preflight's to say.
        if (400..500).contains(&e.status) && !matches!(e.status, 401 | 403 | 404 | 405) {
            let origin = w
                .ctx
                .allowed_origin()
                .unwrap_or_else(|| "http://localhost:5173".into());
            let preflight = crate::http::Request::new("OPTIONS", request.target.clone())
                .header("origin", origin)
                .header("access-control-request-method", method);
            let answer = w.send(preflight).await?;
            if (200..300).contains(&answer.status)
                && answer.header("access-control-allow-origin").is_some()
            {
                w.ctx.http.note(format!(
                    "errors: OPTIONS {} without a preflight's headers answered {}, and as a browser's preflight {}: its CORS layer takes every OPTIONS for a preflight",
                    request.target, e.status, answer.status
                ));
                continue;
            }
        }
        w.judged.push(e);
        w.templates.push(template);
    }
    Ok(())
}

#[then(
    "each answer is a 405 in the error envelope, or a 2xx, with every documented method in Allow"
)]
async fn options_judged(w: &mut AccordWorld) -> Outcome {
    let outcome = options_judged_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn options_judged_checked(w: &mut AccordWorld) -> Outcome {
    let mut problems = Vec::new();
    let templates = w.templates.clone();
    let mut deferred = Vec::new();
    let mut refused_alike = Vec::new();
    let mut refused_path = Vec::new();
    let mut outside_alike = Vec::new();
    for (i, e) in w.judged.clone().iter().enumerate() {
        let path = e
            .url
            .strip_prefix(&w.ctx.http.base)
            .unwrap_or(&e.url)
            .to_string();
        // OPTIONS answered 2xx is HTTP's own way to say what a path allows; a 405 says it
        // too. Anything else (404, 401, 500) means the path's methods are not said.
        let answered = e.status == 405 || (200..300).contains(&e.status);
        if !answered {
            // Answered as the backend answers every method a path lacks (echo's 404 for
            // each, listmonk's): one cause, judged where those are sent.
            if let Some(template) = templates.get(i)
                && alike_elsewhere(w, template, e, Alike::Status).await?
            {
                refused_alike.push(format!("{path} ({})", e.status));
                continue;
            }
            let token = w.tokens.as_ref().map(|t| t.access.clone());
            if let Some(template) = templates.get(i)
                && refused_whole_path(w, template, e, token.as_deref()).await?
            {
                refused_path.push(format!("{path} ({})", e.status));
                continue;
            }
            problems.push(
                Failure::new(
                    Rule::ErrorsStatus,
                    format!("OPTIONS {path} answered {}, not 405 with `Allow`", e.status),
                )
                .with(e),
            );
            continue;
        }
        if e.status == 405
            && let Some(outside) = named_in_envelope(&w.ctx, e, &format!("OPTIONS {path}"))
        {
            match templates.get(i) {
                Some(template) if alike_elsewhere(w, template, e, Alike::Media).await? => {
                    outside_alike.push(path.clone());
                }
                _ => problems.push(outside),
            }
        }
        let wrong = allow_problem(&w.ctx, e, &format!("OPTIONS {path}: ")).await;
        if let Some(f) = wrong {
            match templates.get(i) {
                Some(template) if alike_elsewhere(w, template, e, Alike::Allow).await? => {
                    deferred.push(path);
                }
                _ => problems.push(f),
            }
        }
    }
    if !deferred.is_empty() {
        w.ctx.http.note(format!(
            "errors: the `Allow` of the 405s to OPTIONS on {} path(s) ({}) is what the backend's other 405s carry: `{EVERY_PATH}` judges it",
            deferred.len(),
            deferred.join(", ")
        ));
    }
    if !outside_alike.is_empty() {
        w.ctx.http.note(format!(
            "errors: the 405s to OPTIONS on {} path(s) ({}) are outside the error envelope as the backend's other 405s are: `{EVERY_PATH}` judges it",
            outside_alike.len(),
            outside_alike.join(", ")
        ));
    }
    if !refused_alike.is_empty() {
        w.ctx.http.note(format!(
            "errors: OPTIONS on {} path(s) was answered as the other methods they lack are ({}): `{EVERY_PATH}` judges it",
            refused_alike.len(),
            refused_alike.join(", ")
        ));
    }
    note_refused_paths(w, "OPTIONS request(s)", &refused_path);
    super::all(fold_envelope(problems, "path(s) alike"))
}

/// The scenario that sends every path the methods it lacks.
const EVERY_PATH: &str = "Every path refuses the methods it does not document";

/// Whether the scenario of every path runs and meets what the OPTIONS answer `e` on
/// `template` is: one of its requests to that path, sent as it sends them, gets the same
/// status, and as `alike` asks, a 405 with the same `Allow` (or none alike) or in the same
/// media type. One cause, a framework's answer to a method a path lacks, is judged there.
async fn alike_elsewhere(
    w: &mut AccordWorld,
    template: &str,
    e: &crate::http::Exchange,
    alike: Alike,
) -> Result<bool, Failure> {
    if !w.ctx.runs("Error envelopes", EVERY_PATH) {
        return Ok(false);
    }
    // A 405 without `Allow` is the framework's wherever the scenario meets one too (a path
    // it leaves alone, the sign-in's, included); an incomplete one is the path's own.
    let probes = undeclared_probes(&w.ctx);
    let probe = probes
        .iter()
        .find(|p| p.path == template)
        .or_else(|| probes.first().filter(|_| e.list_header("allow").is_none()));
    let Some(probe) = probe else {
        return Ok(false);
    };
    let answer = w.send(probe.request.clone()).await?;
    Ok(match alike {
        Alike::Allow => {
            answer.status == 405 && answer.list_header("allow") == e.list_header("allow")
        }
        // Go's `ServeMux` answers every 405 in plain text, OPTIONS among them.
        Alike::Media => {
            answer.status == 405
                && probe.path == template
                && answer.header("content-type") == e.header("content-type")
        }
        // A 404 for a method a path lacks is the router's answer to every such method
        // (Fastify's), met on another path as well as on this one (the sign-up's, which the
        // scenario leaves alone).
        Alike::Status => answer.status == e.status && (probe.path == template || e.status == 404),
    })
}

/// What [`alike_elsewhere`] compares beside the status.
#[derive(Clone, Copy)]
enum Alike {
    Status,
    Allow,
    Media,
}

/// Whether `e`, a 401 or 403 to a method `template` does not document, is the backend
/// refusing the identity the whole path before it routes (Spring Security's
/// `/api/admin/**` to a user without JHipster's admin role): the path's documented GET, sent
/// with the same credentials (`token`), is refused alike. That is the backend defending
/// itself, and says nothing of the methods the path has.
async fn refused_whole_path(
    w: &mut AccordWorld,
    template: &str,
    e: &crate::http::Exchange,
    token: Option<&str>,
) -> Result<bool, Failure> {
    if !matches!(e.status, 401 | 403) {
        return Ok(false);
    }
    let Some((op, _)) = w
        .ctx
        .all_operations()
        .into_iter()
        .find(|(o, _)| o.path == template && o.method == "GET")
    else {
        return Ok(false);
    };
    let target = w.ctx.fill_path_with(&op, true);
    let answer = w
        .send(crate::http::Request::new("GET", target).bearer(token))
        .await?;
    Ok(answer.status == e.status)
}

/// The note for the paths whose every method the identity is refused ([`refused_whole_path`]).
fn note_refused_paths(w: &AccordWorld, what: &str, paths: &[String]) {
    if !paths.is_empty() {
        w.ctx.http.note(format!(
            "errors: {} {what} the identity is refused as it is refused the path's documented GET ({}): the backend refuses it the whole path before it routes, so what the path allows is not told",
            paths.len(),
            paths.join(", ")
        ));
    }
}

/// The methods a path is sent where the spec does not document them.
const PROBED: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];

/// Each method of [`PROBED`] a path does not document, sent without credentials and without a
/// body, to a path whose parameters name nothing: a router answers 405 before any handler
/// runs, so nothing can change. Refused for want of credentials (401, 403) as a path the
/// backend does not have is refused (credentials checked before routing), it goes again with
/// the user's, as the frontend's requests go. Under `--read-only` only GET goes. DELETE goes only to paths
/// with parameters (a parameterless path such as `/users/me` names something real), a method
/// another path template routes the same URL to is not sent, and paths that end the session
/// are left alone.
#[when("each path is sent the methods the spec does not document for it")]
async fn undeclared_methods(w: &mut AccordWorld) -> Outcome {
    let outcome = undeclared_methods_checked(w).await;
    w.keep(&outcome);
    outcome
}

/// The requests of [`undeclared_methods`]: each with its method, the path template it is
/// sent to, and the statuses other than 405 it may get.
fn undeclared_probes(ctx: &crate::context::Ctx) -> Vec<Probe> {
    let doc = ctx.doc();
    let Some(paths) = doc.get("paths").and_then(serde_json::Value::as_object) else {
        return Vec::new();
    };
    let operations = ctx.all_operations();
    let mut probes = Vec::new();
    for (path, item) in paths {
        let of_path: Vec<&(crate::context::OpInfo, bool)> =
            operations.iter().filter(|(o, _)| &o.path == path).collect();
        let Some((op, _)) = of_path.first() else {
            continue;
        };
        if ctx.session_path(path) {
            continue;
        }
        let with_params = path.contains('{');
        let secured = of_path.iter().any(|(_, secured)| *secured);
        // What else than 405 the answer may be: a router that looks the resource up first
        // (404, ids that name nothing), authentication before routing (401, 403).
        let mut tolerated = Vec::new();
        if with_params {
            tolerated.push(404);
        }
        if secured {
            tolerated.extend([401, 403]);
        }
        let target = ctx.fill_path_with(op, true);
        for method in PROBED {
            let key = method.to_ascii_lowercase();
            if item.get(&key).is_some()
                || (ctx.read_only() && *method != "GET")
                || (*method == "DELETE" && !with_params)
                || crate::context::routed_elsewhere(paths, path, &key)
            {
                continue;
            }
            probes.push(Probe {
                method,
                path: path.clone(),
                request: crate::http::Request::new(method, target.clone()),
                tolerated: tolerated.clone(),
            });
        }
    }
    probes
}

/// One request of [`undeclared_methods`].
struct Probe {
    method: &'static str,
    /// The path template it is sent to.
    path: String,
    request: crate::http::Request,
    /// What else than 405 it may be answered.
    tolerated: Vec<u16>,
}

async fn undeclared_methods_checked(w: &mut AccordWorld) -> Outcome {
    let probes = undeclared_probes(&w.ctx);
    w.judged.clear();
    w.tolerated.clear();
    let mut refused_path = Vec::new();
    for mut probe in probes {
        let mut e = w.send(probe.request.clone()).await?;
        let mut token_used = None;
        // A backend that checks credentials before it routes refuses a visitor every method
        // alike, as it refuses a path it does not have (Jupyter's 403): the same request
        // signed in reaches its router, which is what the check asks of it. A refusal that
        // differs from a missing path's comes from a route the method reaches (Vikunja's
        // `PUT /migration/vikunja-file/migrate`): that is not sent signed in, where it would
        // run.
        if matches!(e.status, 401 | 403) && w.ctx.answered_as_unknown(&e).await {
            w.own_session().await;
            if let Some(token) = w
                .tokens
                .as_ref()
                .map(|t| t.access.clone())
                .filter(|t| !t.is_empty())
            {
                e = w.send(probe.request.clone().bearer(Some(&token))).await?;
                token_used = Some(token);
            }
        }
        if !probe.tolerated.contains(&e.status)
            && refused_whole_path(w, &probe.path, &e, token_used.as_deref()).await?
        {
            refused_path.push(format!(
                "{} {} ({})",
                probe.method, probe.request.target, e.status
            ));
            probe.tolerated.push(e.status);
        }
        w.judged.push(e);
        w.tolerated.push(probe.tolerated);
    }
    note_refused_paths(
        w,
        "request(s) of a method the spec does not document",
        &refused_path,
    );
    Ok(())
}

#[then("each is answered 405 in the error envelope, with every documented method in Allow")]
async fn undeclared_judged(w: &mut AccordWorld) -> Outcome {
    let outcome = undeclared_judged_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn undeclared_judged_checked(w: &mut AccordWorld) -> Outcome {
    let mut problems = Vec::new();
    let mut refused = Vec::new();
    let mut without_allow = Vec::new();
    for (e, tolerated) in w.judged.iter().zip(&w.tolerated) {
        let path = e
            .url
            .strip_prefix(&w.ctx.http.base)
            .unwrap_or(&e.url)
            .to_string();
        if e.status == 405 {
            problems.extend(named_in_envelope(
                &w.ctx,
                e,
                &format!("{} {path}", e.method),
            ));
            if e.list_header("allow").is_none() {
                without_allow.push((format!("{} {path}", e.method), e));
            } else {
                problems.extend(allow_problem(&w.ctx, e, &format!("{} {path}: ", e.method)).await);
            }
            continue;
        }
        if tolerated.contains(&e.status) {
            continue;
        }
        if !(200..300).contains(&e.status) {
            // A path the backend does not have at all answers every method as such: the
            // spec's finding, not a wrong method's.
            let spec_path = path.split('?').next().unwrap_or_default();
            let mut unserved = false;
            for (op, _) in w.ctx.all_operations() {
                if op.path == spec_path && w.ctx.not_served(&op).await {
                    unserved = true;
                    break;
                }
            }
            if unserved {
                w.ctx.http.note(format!(
                    "errors: {} {path} answers {} as every method of a path the backend does not have: the spec's path is not served (a spec finding)",
                    e.method, e.status
                ));
                continue;
            }
            refused.push((format!("{} {path}", e.method), e));
            continue;
        }
        problems.push(
            Failure::new(
                Rule::ErrorsMethod,
                format!(
                    "{} {path}, a method the spec does not document for the path, answered {}, not 405: {}",
                    e.method,
                    e.status,
                    if html_page(e) {
                        "with an HTML page, as a web app served beside the API answers any path it does not route: a client of the API cannot tell a wrong request from a right one"
                    } else {
                        "the path does something its spec does not document"
                    }
                ),
            )
            .with(e),
        );
    }
    let any_405 = w.judged.iter().any(|e| e.status == 405);
    let all_405_bare = without_allow.len() == w.judged.iter().filter(|e| e.status == 405).count();
    problems.extend(bare_405s(without_allow, all_405_bare));
    let refused = if any_405 {
        unrouted(&w.ctx, refused).await
    } else {
        refused
    };
    problems.extend(wrong_method_refusals(refused, any_405));
    super::all(fold_envelope(problems, "request(s) alike"))
}

/// `refused` without the paths the backend does not route at all, on a backend whose router
/// answers a wrong method 405 elsewhere: a path each of whose undocumented methods is
/// answered as a route the backend does not have is no path it knows (Vikunja's `/test/all`,
/// served only in its testing mode), whose documented method is then not served either: one
/// spec finding per path, where the run could not send that method itself (an open write).
async fn unrouted<'a>(
    ctx: &crate::context::Ctx,
    refused: Vec<(String, &'a crate::http::Exchange)>,
) -> Vec<(String, &'a crate::http::Exchange)> {
    let mut unknown: std::collections::BTreeMap<String, bool> = Default::default();
    for (_, e) in &refused {
        let as_unknown = ctx.answered_as_unknown(e).await;
        *unknown.entry(ctx.http.path_of(e)).or_insert(true) &= as_unknown;
    }
    // A path whose documented operation the run may send is routed unless that operation
    // is not served either (a router answering only its undocumented methods 404 is the
    // wrong-method problem, judged as such).
    for (path, unrouted) in unknown.iter_mut() {
        if !*unrouted {
            continue;
        }
        for (op, _) in ctx.all_operations() {
            if op.path == *path
                && (op.path.contains('{') || ctx.may_ask_method(&op) && !ctx.not_served(&op).await)
            {
                *unrouted = false;
                break;
            }
        }
    }
    let mut kept = Vec::new();
    let mut said = std::collections::BTreeSet::new();
    for (what, e) in refused {
        let path = ctx.http.path_of(e);
        if !unknown.get(&path).copied().unwrap_or(false) {
            kept.push((what, e));
            continue;
        }
        if said.insert(path.clone()) {
            let documented: Vec<_> = ctx
                .all_operations()
                .into_iter()
                .map(|(o, _)| o)
                .filter(|o| o.path == path)
                .collect();
            let methods: Vec<&str> = documented.iter().map(|o| o.method.as_str()).collect();
            ctx.record_unserved(
                documented.first().map(|o| o.id.as_str()).unwrap_or_default(),
                e,
                format!(
                    "the spec's path {path} ({}) is not served: every method the spec does not document there is answered as a route the backend does not have, where its other paths answer one 405",
                    methods.join(", ")
                ),
            );
        }
        ctx.http.note(format!(
            "errors: {what} answers {} as a route the backend does not have, as every other method there: the spec's path is not served (a spec finding)",
            e.status
        ));
    }
    kept
}

/// The 405s without an `Allow` header: one problem each, or one for all when no 405 of the
/// backend's carries one (`all`: a framework that never writes it is one cause).
fn bare_405s(bare: Vec<(String, &crate::http::Exchange)>, all: bool) -> Vec<Failure> {
    if bare.len() > 3 && all {
        let named: Vec<&str> = bare.iter().take(3).map(|(w, _)| w.as_str()).collect();
        let mut failure = Failure::new(
            Rule::ErrorsAllow,
            format!(
                "no 405 carries an `Allow` header ({} answered: {}, and {} more)",
                bare.len(),
                named.join(", "),
                bare.len() - named.len()
            ),
        );
        for (_, e) in bare.iter().take(3) {
            failure = failure.with(e);
        }
        return vec![failure];
    }
    bare.into_iter()
        .map(|(what, e)| {
            Failure::new(
                Rule::ErrorsAllow,
                format!("{what}: a 405 without an `Allow` header"),
            )
            .with(e)
        })
        .collect()
}

/// The refusals other than 405 of methods the spec does not document: one problem each, or
/// one for all when the backend answered no 405 and they all got the same status (a router
/// that answers 404 for any method it lacks, as gin does by default, is one cause, not one
/// per path).
fn wrong_method_refusals(
    refused: Vec<(String, &crate::http::Exchange)>,
    any_405: bool,
) -> Vec<Failure> {
    const WHY: &str = "a client cannot tell a wrong method from a wrong request";
    let statuses: std::collections::BTreeSet<u16> = refused.iter().map(|(_, e)| e.status).collect();
    if refused.len() > 3
        && !any_405
        && let [status] = statuses.into_iter().collect::<Vec<_>>()[..]
    {
        let named: Vec<&str> = refused.iter().take(3).map(|(w, _)| w.as_str()).collect();
        let mut failure = Failure::new(
            Rule::ErrorsMethod,
            format!(
                "every method the spec does not document for its path answered {status}, not 405 ({} tried: {}, and {} more): {WHY}",
                refused.len(),
                named.join(", "),
                refused.len() - named.len()
            ),
        );
        for (_, e) in refused.iter().take(3) {
            failure = failure.with(e);
        }
        return vec![failure];
    }
    refused
        .into_iter()
        .map(|(what, e)| {
            Failure::new(
                Rule::ErrorsMethod,
                format!(
                    "{what}, a method the spec does not document for the path, answered {}, not 405: {WHY}",
                    e.status
                ),
            )
            .with(e)
        })
        .collect()
}

/// What is wrong with the `Allow` of `e` (`context` leads the message): a 405 without one,
/// or one that leaves out a method the spec documents for the path and the backend serves
/// there (one it answers 405 itself is the spec's finding, [`Ctx::method_not_served`]).
///
/// [`Ctx::method_not_served`]: crate::context::Ctx::method_not_served
async fn allow_problem(
    ctx: &crate::context::Ctx,
    e: &crate::http::Exchange,
    context: &str,
) -> Option<Failure> {
    let message = match e.list_header("allow") {
        None if e.status == 405 => format!("{context}a 405 without an `Allow` header"),
        None => return None,
        Some(allow) => {
            let mut missing = Vec::new();
            let path = ctx.http.path_of(e);
            for (method, op) in missing_methods(ctx, e, &allow) {
                // A read-only run sends no write to tell a method the router lacks (the
                // spec's finding) from one its `Allow` leaves out: it says so, and judges
                // neither.
                if let Some(op) = op
                    .as_ref()
                    .filter(|o| ctx.read_only() && !ctx.may_ask_method(o))
                {
                    ctx.http.note(format!(
                        "errors: {context}`Allow: {allow}` leaves out {method}, which the spec documents for {}; a read-only run sends no {method} to tell whether the backend serves it: not judged",
                        op.path
                    ));
                    continue;
                }
                let not_served = match &op {
                    Some(op) => ctx.method_not_served(op, &path).await,
                    None => false,
                };
                if !not_served {
                    missing.push(method);
                }
            }
            if missing.is_empty() {
                return None;
            }
            let whose = if context.is_empty() { "the 405's " } else { "" };
            format!(
                "{context}{whose}`Allow: {allow}` leaves out {} of the path's documented methods",
                missing.join(", ")
            )
        }
    };
    Some(Failure::new(Rule::ErrorsAllow, message).with(e))
}

/// The methods the spec documents for the path of `e` that its `Allow` header leaves out,
/// each with its operation.
fn missing_methods(
    ctx: &crate::context::Ctx,
    e: &crate::http::Exchange,
    allow: &str,
) -> Vec<(String, Option<crate::context::OpInfo>)> {
    let path = ctx.http.path_of(e);
    // The path as sent, else without the trailing slash a followed redirect added: an empty
    // segment names no parameter.
    let item = [path.as_str(), path.trim_end_matches('/')]
        .into_iter()
        .find_map(|path| {
            let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
            ctx.doc()
                .get("paths")
                .and_then(serde_json::Value::as_object)?
                .iter()
                .filter(|(template, _)| {
                    let t: Vec<&str> = template.trim_start_matches('/').split('/').collect();
                    t.len() == segments.len()
                        && t.iter()
                            .zip(&segments)
                            .all(|(a, b)| (a.starts_with('{') && !b.is_empty()) || a == b)
                })
                // The most literal template wins, as routers match.
                .min_by_key(|(template, _)| template.matches('{').count())
        });
    let Some((template, item)) = item else {
        return Vec::new();
    };
    let Some(item) = item.as_object() else {
        return Vec::new();
    };
    let allowed: Vec<String> = allow
        .split(',')
        .map(|m| m.trim().to_ascii_uppercase())
        .collect();
    ["get", "put", "post", "delete", "patch"]
        .iter()
        .filter(|m| item.contains_key(**m))
        .map(|m| m.to_ascii_uppercase())
        .filter(|m| !allowed.contains(m))
        .map(|m| {
            let op = ctx
                .all_operations()
                .into_iter()
                .map(|(o, _)| o)
                .find(|o| o.method == m && o.path == *template);
            (m, op)
        })
        .collect()
}

/// Whether `e` answers with an HTML page (a web app's, served where the API is).
fn html_page(e: &crate::http::Exchange) -> bool {
    e.header("content-type")
        .is_some_and(|c| c.to_ascii_lowercase().starts_with("text/html"))
}

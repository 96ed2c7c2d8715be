//! The error envelope: whether an error answer is in the one the backend's errors share (the
//! spec's own declaration for that status first, the profile's `[errors]` where it is
//! silent). Shared by the steps and the behaviour phase.

use crate::context::Ctx;
use crate::http::Exchange;
use crate::profile::Envelope;

/// Whether `exchange` is in the configured envelope (and, for problems, consistent with the
/// status and the request id); why not otherwise.
/// [`envelope_problem`], unless the answer already breaks what the spec declares for its
/// status (its media type or body schema): that cause is one spec finding (per operation,
/// status and kind), not repeated by every behaviour check that meets it.
pub fn envelope_problem_beyond_spec(ctx: &Ctx, exchange: &Exchange) -> Option<String> {
    let breaks_declared_body = exchange
        .violations
        .iter()
        .any(|v| v.status == exchange.status && !v.message.starts_with("status "));
    envelope_problem(ctx, exchange).filter(|_| !breaks_declared_body)
}

/// The JSON media type the spec declares its errors in, where that is not
/// `application/json` ([`error_media`]).
struct ErrorMedia(Option<String>);

/// The JSON media type of the error answers `doc` declares (4xx, 5xx, `default`), where
/// every one is the same and not `application/json`: JSON:API's errors are
/// `application/vnd.api+json`, and the envelope is expected in it where the profile names
/// none. `application/problem+json` is the problem envelope's own.
pub fn error_media(doc: &serde_json::Value) -> Option<String> {
    let mut found: Option<String> = None;
    for o in accord_spec::json_operations(doc.get("paths")) {
        let Some(responses) = o.op.get("responses").and_then(serde_json::Value::as_object) else {
            continue;
        };
        for (status, response) in responses {
            if !(status.starts_with('4') || status.starts_with('5') || status == "default") {
                continue;
            }
            let response = accord_spec::follow_ref(doc, response);
            let Some(content) = response
                .get("content")
                .and_then(serde_json::Value::as_object)
            else {
                continue;
            };
            for media in content.keys().filter(|m| accord_spec::media::is_json(m)) {
                let media = accord_spec::media::essence(media);
                if media == "application/json" || media == "application/problem+json" {
                    return None;
                }
                match &found {
                    Some(f) if *f != media => return None,
                    _ => found = Some(media),
                }
            }
        }
    }
    found
}

/// Whether `exchange` is in the error envelope. Where the spec declares the body of the
/// operation's answer with that status, that declaration is the envelope (FastAPI's 422
/// `HTTPValidationError` beside its `{"detail": "..."}`); the profile's `[errors]` is the
/// envelope where the spec is silent, and of an envelope schema the spec declares for other
/// statuses only, the top level is (what differs inside it is one spec finding per status).
pub fn envelope_problem(ctx: &Ctx, exchange: &Exchange) -> Option<String> {
    if let Some(op) = &exchange.operation
        && ctx.http.contract().declares_json_body(op, exchange.status)
    {
        return exchange
            .violations
            .iter()
            .find(|v| v.status == exchange.status)
            .map(|v| {
                format!(
                    "the body breaks what the spec declares for {}: {v}",
                    exchange.status
                )
            });
    }
    let errors = ctx.profile.errors.as_ref()?;
    let envelope = *errors.envelope.get_ref();
    let expected_type = errors
        .content_type
        .clone()
        .unwrap_or_else(|| match envelope {
            Envelope::Problem => "application/problem+json".into(),
            _ => ctx
                .memo
                .get_or_init(|| ErrorMedia(error_media(ctx.doc())))
                .0
                .clone()
                .unwrap_or_else(|| "application/json".into()),
        });
    let got = exchange
        .header("content-type")
        .map(accord_spec::media::essence);
    if got.as_deref() != Some(expected_type.as_str()) {
        return Some(format!(
            "the error's Content-Type is {}, not {expected_type}",
            got.as_deref().unwrap_or("missing")
        ));
    }
    let Some(body) = exchange.json() else {
        return Some("the error's body is not JSON".into());
    };
    match envelope {
        Envelope::Problem => {
            // RFC 9457: every member is optional (a missing `type` is `about:blank`), but a
            // problem says what it is by its `type` or its `title`, each text where present,
            // and a `status` present is the HTTP status.
            let text_or_absent = |k: &str| body.get(k).is_none_or(serde_json::Value::is_string);
            if !text_or_absent("type") || !text_or_absent("title") {
                return Some("the problem's `type` or `title` is not text".into());
            }
            if body.get("type").is_none() && body.get("title").is_none() {
                return Some("the problem has neither `type` nor `title`".into());
            }
            if body.get("status").is_some()
                && body["status"].as_u64() != Some(exchange.status as u64)
            {
                return Some(format!(
                    "the problem's `status` is {}, the HTTP status {}",
                    body["status"], exchange.status
                ));
            }
            if errors.request_id {
                let header = exchange.header("x-request-id");
                if header.is_none() || body["request_id"].as_str() != header {
                    return Some(format!(
                        "the problem's `request_id` ({}) does not equal the X-Request-Id header ({})",
                        body["request_id"],
                        header.unwrap_or("missing")
                    ));
                }
            }
            None
        }
        Envelope::Fastapi => body
            .get("detail")
            .is_none()
            .then(|| "the body has no `detail` (FastAPI's envelope)".to_string()),
        Envelope::Schema => {
            let schema = ctx.error_schema.as_ref()?;
            let violations = accord_validate::Validator::new(
                &ctx.error_schema_root,
                accord_validate::Direction::Response,
            )
            .validate(schema, &body);
            let Some(first) = violations.first() else {
                return request_id_problem(ctx, exchange, &body);
            };
            // Where the spec declares the envelope only for other statuses (a 422's
            // validation errors), what it says of this status's body is its top level: the
            // wrapper a frontend's one error handler opens. A body that keeps that and differs
            // inside (`{"errors": ["Not found"]}` beside the 422's `{"errors": [{"msg": ...}]}`)
            // is one spec finding per status, not a failure of every scenario meeting it.
            let declared = ctx.envelope_statuses();
            let inside = |pointer: &str| pointer.matches('/').count() >= 2;
            if !declared.is_empty()
                && !declared.contains(&exchange.status)
                && violations.iter().all(|v| inside(&v.pointer))
            {
                let statuses: Vec<String> = declared.iter().map(u16::to_string).collect();
                let noted = exchange.as_finding(
                    "(every operation)",
                    &first.pointer,
                    format!(
                        "the error envelope, which the spec declares for {} only, differs inside its top level in a {} answer: {} (a frontend reading every error as the spec's gets nothing from it)",
                        statuses.join(", "),
                        exchange.status,
                        first.message
                    ),
                );
                ctx.http.findings.record(&noted);
                return None;
            }
            Some(format!(
                "the body breaks the envelope schema at {}: {}",
                first.pointer, first.message
            ))
        }
    }
}

/// Where the envelope schema has a request id (`request_id`, `requestId`, `trace_id`,
/// `correlation_id`) and the answer an `X-Request-Id` header, whether they differ: the id a
/// user quotes from the error the frontend shows must be the one the logs hold.
fn request_id_problem(ctx: &Ctx, exchange: &Exchange, body: &serde_json::Value) -> Option<String> {
    let header = exchange.header("x-request-id")?;
    let schema = ctx.error_schema.as_ref()?;
    let properties = accord_spec::follow_ref(&ctx.error_schema_root, schema)
        .get("properties")?
        .as_object()?;
    let name = [
        "request_id",
        "requestId",
        "trace_id",
        "traceId",
        "correlation_id",
        "correlationId",
    ]
    .into_iter()
    .find(|n| properties.contains_key(*n))?;
    let value = body.get(name)?.as_str()?;
    (value != header).then(|| {
        format!("the error's `{name}` ({value}) does not equal the X-Request-Id header ({header})")
    })
}

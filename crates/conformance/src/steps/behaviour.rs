//! The behaviour phase's steps: valid inputs, resource chains, a second user, broken inputs
//! and an expired token, all found from the spec (see [`crate::behaviour`]).

use cucumber::{given, then, when};
use serde_json::Value;

use super::{AccordWorld, envelope_problem_beyond_spec};
use crate::behaviour::{self, Created, Finding, Resource};
use crate::context::{Ctx, Identity, OpInfo};
use crate::http::{Exchange, Request};
use crate::rules::{Failure, Outcome, Rule};
use futures_util::{StreamExt as _, stream};

/// What the phase's steps pass on to each other within a scenario.
#[derive(Default)]
pub struct State {
    findings: Vec<Finding>,
    boundary: Vec<(String, String, Exchange)>,
    created: Vec<Created>,
    /// Why each resource the run could not create was not created.
    create_failed: Vec<Failure>,
    negative: Vec<(String, String, Exchange)>,
    /// Each operation of another role as the user called it: what it is, why another role's.
    roles: Vec<(String, Exchange)>,
}

fn resources(w: &AccordWorld) -> Vec<Resource> {
    behaviour::resources(&w.ctx)
}

/// `problems` with those met once the backend had gone down (each says so) as one line
/// after the others: a pass in flight when a backend stalls meets hundreds (854 on
/// Prefect's server), each saying only that.
fn fold_gone(
    problems: Vec<(String, Option<String>, Exchange)>,
) -> Vec<(String, Option<String>, Exchange)> {
    const DOWN: &str = crate::http::WENT_DOWN;
    let (gone, mut kept): (Vec<_>, Vec<_>) =
        problems.into_iter().partition(|(p, _, _)| p.contains(DOWN));
    match gone.as_slice() {
        [] | [_] => kept.extend(gone),
        [(first, minimal, e), ..] => kept.push((
            format!(
                "{} request(s) got no answer once {DOWN} (the first: {first})",
                gone.len()
            ),
            minimal.clone(),
            e.clone(),
        )),
    }
    kept
}

/// Turns findings into one failure listing each, with the first one's exchange.
fn report(rule: Rule, problems: Vec<(String, Option<String>, Exchange)>) -> Outcome {
    let problems = fold_gone(problems);
    let Some((_, minimal, exchange)) = problems.first().cloned() else {
        return Ok(());
    };
    let list: Vec<String> = problems
        .iter()
        .map(|(p, _, _)| format!("  - {p}"))
        .collect();
    let mut failure = Failure::new(
        rule,
        format!("{} problem(s):\n{}", problems.len(), list.join("\n")),
    )
    .with(&exchange);
    if let Some(m) = minimal {
        failure = failure.minimal(m);
    }
    Err(failure)
}

/// `call` on each of `ops`, up to `behaviour.concurrency` lanes at once, the results in
/// `ops`' order. The operations of one lane (`lane` gives the same key) go in turn; each
/// other lane starts as soon as any ends (a window in plan order would wait for the slowest
/// at its head).
async fn in_lanes<'a, T, K, F, Fut>(
    ctx: &Ctx,
    ops: &'a [OpInfo],
    lane: impl Fn(usize, &OpInfo) -> K,
    call: F,
) -> Vec<T>
where
    K: PartialEq,
    F: Fn(&'a OpInfo) -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let mut lanes: Vec<(K, Vec<(usize, &'a OpInfo)>)> = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        let key = lane(i, op);
        match lanes.iter_mut().find(|(k, _)| *k == key) {
            Some((_, members)) => members.push((i, op)),
            None => lanes.push((key, vec![(i, op)])),
        }
    }
    let call = &call;
    let mut found: Vec<(usize, T)> = stream::iter(lanes)
        .map(|(_, members)| async move {
            let mut out = Vec::new();
            for (i, op) in members {
                out.push((i, call(op).await));
            }
            out
        })
        .buffer_unordered(ctx.profile.behaviour.concurrency.max(1))
        .flat_map(stream::iter)
        .collect()
        .await;
    found.sort_by_key(|(i, _)| *i);
    found.into_iter().map(|(_, t)| t).collect()
}

/// `found`, a pass's results of `ops` in their order, as one list: an operation's own
/// transport failure (no answer in time, a connection closed unanswered) while the backend
/// answers the others is that operation's problem (`unanswered` of it, the failure's
/// message and its request), and the pass's other operations are judged; where the backend
/// went down, the pass ends with it, as before. One route that hangs (Label Studio's
/// webhook create, waiting on an address it cannot reach) no longer hides every other
/// operation's verdict in five scenarios.
fn per_operation<T, I: IntoIterator<Item = T>>(
    ctx: &Ctx,
    ops: &[OpInfo],
    found: Vec<Result<I, Failure>>,
    unanswered: impl Fn(&OpInfo, String, String) -> T,
) -> Result<Vec<T>, Failure> {
    let mut out = Vec::new();
    for (op, result) in ops.iter().zip(found) {
        match result {
            Ok(items) => out.extend(items),
            Err(f) if f.rule == Rule::Transport && ctx.http.went_down().is_none() => {
                let request = f
                    .message
                    .split(": transport:")
                    .next()
                    .unwrap_or_default()
                    .to_string();
                out.push(unanswered(op, f.message.clone(), request));
            }
            Err(f) => return Err(f),
        }
    }
    Ok(out)
}

/// A pass's problem for an operation that got no answer ([`per_operation`]).
fn unanswered_problem(op: &OpInfo, message: String, request: String) -> Problem {
    (
        format!("{}: no answer: {message}", op.id),
        request,
        Exchange::none(),
    )
}

/// [`in_lanes`], each operation a lane of its own.
async fn at_once<'a, T, F, Fut>(ctx: &Ctx, ops: &'a [OpInfo], call: F) -> Vec<T>
where
    F: Fn(&'a OpInfo) -> Fut,
    Fut: std::future::Future<Output = T>,
{
    in_lanes(ctx, ops, |i, _| i, call).await
}

/// [`in_lanes`] for the writes under the run's own resources (see [`behaviour::owned`]):
/// those under one resource in turn, the resources at once. A backend with a dozen kinds of
/// resource takes their updates' edge values a dozen at a time, not one.
async fn by_resource<'a, T, F, Fut>(
    ctx: &Ctx,
    ops: &'a [OpInfo],
    resources: &[Resource],
    call: F,
) -> Vec<T>
where
    F: Fn(&'a OpInfo) -> Fut,
    Fut: std::future::Future<Output = T>,
{
    in_lanes(
        ctx,
        ops,
        |_, op| behaviour::owned::lane(op, resources),
        call,
    )
    .await
}

// ---- positive ---------------------------------------------------------------------------

#[when("every operation is called with valid inputs generated from the spec")]
async fn positive(w: &mut AccordWorld) -> Outcome {
    let outcome = positive_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn positive_checked(w: &mut AccordWorld) -> Outcome {
    let scenario = w.serial;
    behaviour::SCENARIO
        .scope(scenario, async move {
            let ctx = w.ctx.clone();
            let (ops, left) = behaviour::plan(&ctx);
            // What the bodies refer to, made once before any is sent (see `bind_made`).
            behaviour::prepare_referents(&ctx, &ops).await?;
            // Never in silence: each operation the generated calls leave out, and why.
            for (id, reason) in left {
                ctx.http.note(format!(
                    "behaviour: {id} is left out of the generated calls: {reason}"
                ));
            }
            let resources = resources(w);
            behaviour::listed_bases(&ctx, &resources).await?;
            let cases = ctx.profile.behaviour.examples;
            let (free, owned) = behaviour::owned::split(ops, &resources);
            // The operations that write under no resource at once (bounded), their findings
            // in plan order; then the writes under this scenario's own resources, those
            // under one resource in turn.
            let unanswered = |op: &OpInfo, message: String, request: String| Finding {
                op: op.id.clone(),
                problem: format!("no answer: {message}"),
                minimal: request,
                exchange: Exchange::none(),
            };
            let found = at_once(&ctx, &free, |op| {
                behaviour::positive(&ctx, op, cases, &resources)
            })
            .await;
            let found = per_operation(&ctx, &free, found, unanswered)?;
            w.behaviour.findings.extend(found);
            let found = by_resource(&ctx, &owned, &resources, |op| {
                behaviour::positive(&ctx, op, cases, &resources)
            })
            .await;
            let found = per_operation(&ctx, &owned, found, unanswered)?;
            w.behaviour.findings.extend(found);
            Ok(())
        })
        .await
}

#[then("every answer is documented, valid against the spec, and never a server error")]
async fn positive_judged(w: &mut AccordWorld) -> Outcome {
    let outcome = positive_judged_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn positive_judged_checked(w: &mut AccordWorld) -> Outcome {
    let problems = w
        .behaviour
        .findings
        .iter()
        .map(|f| {
            (
                format!("{}: {} (minimal request: {})", f.op, f.problem, f.minimal),
                Some(f.minimal.clone()),
                f.exchange.clone(),
            )
        })
        .collect();
    report(Rule::Positive, problems)
}

// ---- boundary inputs -------------------------------------------------------------------

#[when("every operation is called with boundary inputs from the spec")]
async fn boundary(w: &mut AccordWorld) -> Outcome {
    let outcome = boundary_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn boundary_checked(w: &mut AccordWorld) -> Outcome {
    let scenario = w.serial;
    behaviour::SCENARIO
        .scope(scenario, async move {
            let ctx = w.ctx.clone();
            let (ops, _) = behaviour::plan(&ctx);
            behaviour::prepare_referents(&ctx, &ops).await?;
            let resources = resources(w);
            behaviour::listed_bases(&ctx, &resources).await?;
            let limit = ctx.profile.behaviour.boundary_cases as usize;
            let (free, owned) = behaviour::owned::split(ops, &resources);
            let found = at_once(&ctx, &free, |op| boundary_op(&ctx, op, &resources, limit)).await;
            let found = per_operation(&ctx, &free, found, unanswered_problem)?;
            w.behaviour.boundary.extend(found);
            let found = by_resource(&ctx, &owned, &resources, |op| {
                boundary_op(&ctx, op, &resources, limit)
            })
            .await;
            let found = per_operation(&ctx, &owned, found, unanswered_problem)?;
            w.behaviour.boundary.extend(found);
            Ok(())
        })
        .await
}

/// A boundary problem: what broke, the minimal request, the exchange.
type Problem = (String, String, Exchange);

/// What the boundary pass over an operation does next.
// A queue of at most `behaviour.boundary_cases` steps: their size is of no account.
#[allow(clippy::large_enum_variant)]
enum Step {
    /// Send a case (or judge the answer it was sent ahead for).
    Case(behaviour::boundary::Case, Option<Sent>),
    /// Report `problem` (a server error for values sent together) unless one of `parts`
    /// (what each value is, and each kind of text mixed in one) got a server error alone.
    Settle {
        parts: Vec<String>,
        problem: Problem,
        /// The request of the values together, sent again before it is reported, and
        /// what it sends.
        request: Request,
        what: String,
    },
    /// Report `problem` (what the values together created is not found at its path) unless
    /// one of `parts` made one that is not found alone. Alone, a value may meet what the
    /// values together made (a title taken: the NestJS Conduit's 10,000-character title
    /// makes a slug its read answers 404), so the request is not sent again.
    Lost {
        parts: Vec<String>,
        problem: Problem,
    },
    /// Report `problem` (no answer for values sent together: the connection closed, as Go's
    /// `net/http` closes it on a handler's panic) unless one of `parts` got none alone.
    Unanswered {
        parts: Vec<String>,
        problem: Problem,
    },
}

/// The boundary pass over one operation: its problems, in case order.
async fn boundary_op(
    ctx: &Ctx,
    op: &OpInfo,
    resources: &[Resource],
    limit: usize,
) -> Result<Vec<Problem>, Failure> {
    let mut out = Vec::new();
    let who = behaviour::caller(ctx, op);
    if !behaviour::callable(ctx, op).await || behaviour::names_unmade(ctx, op) {
        return Ok(out);
    }
    behaviour::learn_accepted(ctx, op, resources).await?;
    let mut queue: std::collections::VecDeque<Step> = behaviour::boundary::cases(ctx, op, limit)
        .into_iter()
        .map(|case| Step::Case(case, None))
        .collect();
    let mut accepted = None;
    let done = boundary_steps(ctx, op, resources, &mut queue, &mut out, &mut accepted).await;
    // What was sent ahead and not judged when the pass stopped is still in the ledger: the
    // cleanup deletes what it made.
    for step in queue {
        if let Step::Case(_, Some(Ok(e))) = step {
            behaviour::remember_created(ctx, op, &e, resources, who);
        }
    }
    done?;
    if let Some(request) = accepted
        && !out.iter().any(|(p, _, _)| p.contains("a server error"))
    {
        out.extend(submitted_twice(ctx, op, resources, request).await?);
    }
    Ok(out)
}

/// The first request of a create's boundary pass that it accepted, sent once more, as a
/// second click of a form's button sends it: a second resource (2xx) or a refusal (4xx,
/// the value the backend keeps unique taken) is right; a 5xx is the crash of a unique
/// constraint the backend does not check (Baby Buddy's second child of one name: its slug).
/// The run's own edge texts differ from case to case, so nothing else sends one twice.
async fn submitted_twice(
    ctx: &Ctx,
    op: &OpInfo,
    resources: &[Resource],
    request: Request,
) -> Result<Option<Problem>, Failure> {
    let who = behaviour::caller(ctx, op);
    // Not held to the spec's statuses: a conflict the spec does not document is no gap the
    // run reports (a unique title, an address taken), only a crash is.
    let again = request.clone().housekeeping();
    let e = match behaviour::send_as(ctx, who, again).await {
        Ok(e) => e,
        Err(f) if f.rule == Rule::Transport || f.message.contains("transport:") => {
            return Ok(None);
        }
        Err(f) => return Err(f),
    };
    behaviour::remember_created(ctx, op, &e, resources, who);
    if !behaviour::crashed(ctx, &e) {
        return Ok(None);
    }
    Ok(Some((
        format!(
            "{}: a server error ({}) for the same request sent again, which it accepted a moment before: a second submit (a double click, a retry after a timeout) meets what the first one made; a value it keeps unique, taken, is a 409 or 422 in the envelope",
            op.id, e.status
        ),
        behaviour::describe(&request),
        e,
    )))
}

/// The answer to a case sent ahead of its turn (see [`boundary_steps`]).
type Sent = Result<Exchange, Failure>;

/// Sends `request` as `who` once one of the boundary pass's places in flight is free.
async fn send_in_turn(ctx: &Ctx, who: Identity, request: Request) -> Sent {
    let _place = ctx.in_flight.acquire().await;
    behaviour::send_as(ctx, who, request).await
}

/// Works through `queue`, the boundary cases of `op`, adding what is wrong to `out`. Where
/// the cases are independent (no resource of the run's is written, no account's own
/// operation), the next ones are sent at once with each (up to `behaviour.concurrency`,
/// over all operations), and judged in turn.
async fn boundary_steps(
    ctx: &Ctx,
    op: &OpInfo,
    resources: &[Resource],
    queue: &mut std::collections::VecDeque<Step>,
    out: &mut Vec<Problem>,
    accepted: &mut Option<Request>,
) -> Result<(), Failure> {
    let own = behaviour::owned::owned(op, resources);
    let who = behaviour::caller(ctx, op);
    let ahead = if !own && who == Identity::First {
        ctx.profile.behaviour.concurrency.max(1)
    } else {
        1
    };
    // None goes ahead before the operation has answered a case without a server error: one
    // that crashes whatever it is sent (a sign-in library's route that answers 500 after
    // checking the password) costs its first case and the request without any edge value,
    // not a password hash for each case sent ahead.
    let mut answered = false;
    // Once the request without any edge value is a server error too, the operation's 5xx
    // are not the values' doing: one problem says so, and its search stops there (its first
    // failure class found; what it would still send could not be told from it).
    let mut base_ok = false;
    // Whether a request without any edge value was accepted since the pass last had a case
    // accepted: the backend's state is then one it serves, and a later crash's base would
    // be the same request again (on a sign-up that hashes a password first, a hash apiece).
    let mut base_fresh = false;
    // How many items the read without any edge value answers ([`narrowed`]), once asked.
    let mut full = None;
    // Whether the operation's refusals name the inputs they refuse: once one of refused
    // values together names none of them, each refused value goes alone from then on (a
    // request of them together would only add one apiece).
    let mut refusals_name = true;
    while let Some(step) = queue.pop_front() {
        let (mut case, sent) = match step {
            Step::Case(case, None)
                if !refusals_name && !case.admitted && !case.parts.is_empty() =>
            {
                for part in case.parts.into_iter().rev() {
                    queue.push_front(Step::Case(part, None));
                }
                continue;
            }
            Step::Case(case, sent) => (case, sent),
            // A request of values together that got a server error, once each was sent
            // alone: when none of them did, the crash is the combination's.
            Step::Settle {
                parts,
                problem,
                request,
                what,
            } => {
                if !out.iter().any(|(p, _, _): &Problem| {
                    p.contains("a server error") && parts.iter().any(|w| p.contains(w.as_str()))
                }) && recurs(ctx, op, resources, &request, &what).await?
                {
                    out.push(problem);
                    stop_at_crash(ctx, op, &what, queue);
                    return Ok(());
                }
                continue;
            }
            Step::Lost { parts, problem } => {
                if !out.iter().any(|(p, _, _): &Problem| {
                    p.contains(" created, ") && parts.iter().any(|w| p.contains(w.as_str()))
                }) {
                    out.push(problem);
                }
                continue;
            }
            Step::Unanswered { parts, problem } => {
                if !out.iter().any(|(p, _, _): &Problem| {
                    p.contains(": no answer for ") && parts.iter().any(|w| p.contains(w.as_str()))
                }) {
                    out.push(problem);
                }
                continue;
            }
        };
        // A write under the run's own resource goes to one the run created, or nowhere.
        if own
            && !(behaviour::owned::own_path(ctx, op, &mut case.request)
                && behaviour::owned::own_path(ctx, op, &mut case.base))
        {
            ctx.http.note(format!(
                "behaviour: {} is left out of the boundary pass: the run created no resource it applies to",
                op.id
            ));
            return Ok(());
        }
        let minimal = behaviour::describe(&case.request);
        let sent = match sent {
            Some(sent) => sent,
            None => {
                // This case and the next ones not sent yet, at once.
                let mut requests = vec![case.request.clone()];
                let mut at = Vec::new();
                for (i, step) in queue.iter().enumerate() {
                    if requests.len() >= if answered { ahead } else { 1 } {
                        break;
                    }
                    match step {
                        Step::Case(next, None) => {
                            requests.push(next.request.clone());
                            at.push(i);
                        }
                        _ => break,
                    }
                }
                let mut answers = futures_util::future::join_all(
                    requests.into_iter().map(|r| send_in_turn(ctx, who, r)),
                )
                .await
                .into_iter();
                let first = answers
                    .next()
                    .unwrap_or_else(|| Err(Failure::setup("no answer was sent")));
                for (i, answer) in at.into_iter().zip(answers) {
                    if let Some(Step::Case(_, slot)) = queue.get_mut(i) {
                        *slot = Some(answer);
                    }
                }
                first
            }
        };
        let e = match sent {
            Ok(e) => e,
            // The backend did not answer this input: that is its problem, the pass goes on.
            // Values sent together go each alone first, so that the one it fails on is named.
            Err(f) if f.rule == Rule::Transport || f.message.contains("transport:") => {
                let problem = (
                    format!("{}: no answer for {} ({})", op.id, case.what, f.message),
                    minimal,
                    Exchange::none(),
                );
                if case.parts.is_empty() {
                    out.push(problem);
                } else {
                    queue.push_front(Step::Unanswered {
                        parts: case.parts.iter().flat_map(|p| p.names()).collect(),
                        problem,
                    });
                    for part in std::mem::take(&mut case.parts).into_iter().rev() {
                        queue.push_front(Step::Case(part, None));
                    }
                }
                continue;
            }
            Err(f) => return Err(f),
        };
        behaviour::remember_created(ctx, op, &e, resources, who);
        behaviour::owned::follow_move(ctx, op, resources, &case.request, &e);
        answered |= e.status < 500;
        base_ok |= (200..300).contains(&e.status);
        if op.method == "POST" && accepted.is_none() && (200..300).contains(&e.status) {
            *accepted = Some(case.request.clone());
        }
        base_fresh &= !(200..300).contains(&e.status);
        let before = out.len();
        if let Some((why, shown)) =
            behaviour::created_not_found(ctx, op, resources, &case.request, &e).await?
        {
            out.push((
                format!("{}: {} {why}", op.id, case.what),
                minimal.clone(),
                shown,
            ));
        }
        // Refused the caller, or asked to slow down: nothing more is sent, a second submit
        // neither. A 403 from an operation that took the caller's requests is the value's
        // refusal (Spring Boot's every error, forwarded to an `/error` no one may reach):
        // the pass goes on.
        if e.status == 403 && !base_ok && ctx.may_refuse_the_identity(&op.id) {
            ctx.forbidden(&op.id);
            *accepted = None;
            return Ok(());
        }
        // No value brings a method the route does not allow: the operation's every case
        // would get the same 405 (its status is the spec's finding, and the errors checks').
        if e.status == 405 {
            ctx.http.note(not_allowed(&op.id, "boundary pass"));
            return Ok(());
        }
        if e.status == 429 {
            ctx.http.note(rate_limited(&op.id, "boundary pass"));
            *accepted = None;
            return Ok(());
        }
        if !case.parts.is_empty() {
            // Accepted, and nothing it made is lost: each value holds. Otherwise each is
            // sent alone, and judged alone.
            let lost = out.len() > before;
            if (200..300).contains(&e.status) && !lost && case.admitted {
                if !narrowed(ctx, op, &case, &e, &mut full).await {
                    continue;
                }
                // A page the filters emptied hides only what reads its rows: the numbers
                // (a `limit` past 2^63) go alone, the text it accepted holds.
                case.parts
                    .retain(|part| behaviour::boundary::numeric_query(ctx, op, part));
                if case.parts.is_empty() {
                    continue;
                }
            }
            let lost = out.drain(before..).next();
            // Refused: the values the refusal names go alone, the rest together again.
            let regrouped = if (400..500).contains(&e.status) {
                case.regroup(&e.text())
            } else {
                None
            };
            if !case.admitted && (400..500).contains(&e.status) {
                refusals_name &= regrouped.is_some();
                // Refused as the schema asks, the values it names settled: what the refusal
                // breaks of the envelope is their problem together (unsettled, each alone
                // meets the check).
                if let Some(p) = regrouped
                    .as_ref()
                    .and_then(|_| behaviour::boundary::problem(ctx, &case, &e))
                {
                    out.push((format!("{}: {p}", op.id), minimal.clone(), e.clone()));
                }
            }
            let group_crashed = behaviour::crashed(ctx, &e);
            if group_crashed && !base_ok && op.method != "DELETE" {
                // Nothing of the operation's was accepted yet in the pass: the request without
                // any edge value first, before each value is sent alone. When that crashes
                // too, no value is to blame, and splitting would only repeat the crash (on a
                // backend that hashes the password first, a hash apiece).
                match base(ctx, op, resources, &mut case, false).await? {
                    Base::Gone => return Ok(()),
                    Base::Sent(b) if behaviour::crashed(ctx, &b) => {
                        out.push(fails_whatever(ctx, op, &case, b, queue));
                        return Ok(());
                    }
                    Base::Sent(b) => {
                        base_ok = (200..300).contains(&b.status);
                        base_fresh = base_ok;
                    }
                    Base::Accepted => {}
                }
            }
            if behaviour::crashed(ctx, &e) {
                // A part's own parts (the kinds of text mixed in one field) may get the
                // server error alone too: any of them settles it.
                queue.push_front(Step::Settle {
                    request: case.request.clone(),
                    what: format!("{} together", case.what),
                    parts: case.parts.iter().flat_map(|p| p.names()).collect(),
                    problem: (
                        format!(
                            "{}: a server error ({}) for {} together, which the schema {}, though for none of them alone",
                            op.id,
                            e.status,
                            case.what,
                            if case.admitted { "admits" } else { "refuses" }
                        ),
                        minimal,
                        e,
                    ),
                });
            }
            if let Some(problem) = lost {
                queue.push_front(Step::Lost {
                    parts: case.parts.iter().flat_map(|p| p.names()).collect(),
                    problem,
                });
            }
            let parts = regrouped.unwrap_or_else(|| std::mem::take(&mut case.parts));
            for mut part in parts.into_iter().rev() {
                part.crashed_together = group_crashed;
                queue.push_front(Step::Case(part, None));
            }
            continue;
        }
        if behaviour::boundary::needs_base(&case, &e) {
            // Refused as invalid: only the value's fault if the same request without it
            // is accepted.
            match base(ctx, op, resources, &mut case, base_ok).await? {
                Base::Gone => return Ok(()),
                Base::Sent(e) if !(200..300).contains(&e.status) => continue,
                Base::Sent(_) => {
                    base_ok = true;
                    base_fresh = true;
                }
                Base::Accepted => {}
            }
        }
        if behaviour::crashed(ctx, &e) && op.method != "DELETE" {
            // Crashed twice already, beside other values and alone: no race did that.
            if !case.crashed_together
                && !recurs(ctx, op, resources, &case.request, &case.what).await?
            {
                continue;
            }
            // The same request without the value: a server error there too is the operation's
            // (or the resource's state), not the value's. A DELETE is not sent twice.
            // Sent unless one was accepted since the last accepted case (unlike a refusal's,
            // which one accepted case spares): an input accepted earlier may have broken the
            // backend's state, and then every later case crashes whatever its value.
            let base = match base(ctx, op, resources, &mut case, base_fresh).await? {
                Base::Gone => return Ok(()),
                Base::Accepted => None,
                Base::Sent(e) => {
                    base_fresh = (200..300).contains(&e.status);
                    Some(e)
                }
            };
            if let Some(base) = base.filter(|e| behaviour::crashed(ctx, e)) {
                out.push(fails_whatever(ctx, op, &case, base, queue));
                return Ok(());
            }
        }
        if let Some(p) = behaviour::boundary::problem(ctx, &case, &e)
            .filter(|_| !behaviour::boundary::refuses_another_input(ctx, op, &case, &e))
        {
            let crashed = behaviour::crashed(ctx, &e);
            out.push((format!("{}: {p}", op.id), minimal, e));
            // The operation's search stops at its first server error, as a fuzzer's does: a
            // later case could only be another input it crashes on.
            if crashed {
                stop_at_crash(ctx, op, &case.what, queue);
                return Ok(());
            }
        }
    }
    Ok(())
}

/// Whether the answer `e` to a read of values together (`case`) lists fewer items than
/// the read without them (`full`: asked once, then kept). Filters narrow a list, and an
/// offset past its end empties it: a page with no rows never reaches the code that the
/// value at another parameter crashes alone (Django's `limit=2^64` on a list with rows).
/// Then the values are sent alone.
async fn narrowed(
    ctx: &Ctx,
    op: &OpInfo,
    case: &behaviour::boundary::Case,
    e: &Exchange,
    full: &mut Option<Option<usize>>,
) -> bool {
    if !behaviour::safe(op) {
        return false;
    }
    let Some(items) = e.json().and_then(|v| page_len(&v)) else {
        return false;
    };
    if full.is_none() {
        let who = behaviour::caller(ctx, op);
        let answer = behaviour::send_as(ctx, who, case.base.clone()).await;
        *full = Some(
            answer
                .ok()
                .filter(|b| (200..300).contains(&b.status))
                .and_then(|b| b.json())
                .and_then(|v| page_len(&v)),
        );
    }
    full.flatten().is_some_and(|all| items < all)
}

/// The items of a list's answer: the array it is, or the longest array among its members
/// (`{"results": [...], "count": 3}`) and theirs (`{"data": {"items": [...]}}`).
fn page_len(v: &Value) -> Option<usize> {
    match v {
        Value::Array(items) => Some(items.len()),
        Value::Object(map) => map
            .values()
            .filter_map(|m| match m {
                Value::Array(items) => Some(items.len()),
                Value::Object(inner) => inner
                    .values()
                    .filter_map(Value::as_array)
                    .map(Vec::len)
                    .max(),
                _ => None,
            })
            .max(),
        _ => None,
    }
}

/// Notes that the boundary pass of `op` stopped at its first server error (for `what`),
/// with the cases in `queue` it did not send.
fn stop_at_crash(ctx: &Ctx, op: &OpInfo, what: &str, queue: &std::collections::VecDeque<Step>) {
    let left = queue.iter().filter(|s| matches!(s, Step::Case(..))).count();
    if left > 0 {
        ctx.http.note(format!(
            "behaviour: {}: the boundary pass stopped at its first server error ({what}); {left} later case(s) not sent",
            op.id
        ));
    }
}

/// The note of an operation the backend answers 405 (its method not allowed on the route),
/// left out of the rest of `pass`.
/// The note of an operation the backend rate-limits (429): the pass sends it nothing more,
/// leaving the limit to what the run cannot do without (its sign-ins), and judges nothing
/// of it; the backend defends itself.
fn rate_limited(op: &str, pass: &str) -> String {
    format!(
        "behaviour: {op} is left out of the rest of the {pass}: the backend limits how often it may be called (429)"
    )
}

fn not_allowed(op: &str, pass: &str) -> String {
    format!(
        "behaviour: {op} is left out of the rest of the {pass}: the backend answers 405, its method not allowed on the route, whatever the input"
    )
}

/// The problem of an operation whose request without any edge value (`base`, the answer to
/// `case`'s) gets a server error too: the operation's, not the values'; the pass stops there.
fn fails_whatever(
    ctx: &Ctx,
    op: &OpInfo,
    case: &behaviour::boundary::Case,
    base: Exchange,
    queue: &std::collections::VecDeque<Step>,
) -> Problem {
    (
        format!(
            "{}: a server error ({}) for the request without any edge value too (first met with {}): the operation fails whatever the edge value, and its {} later edge case(s) were not judged{}",
            op.id,
            base.status,
            case.what,
            queue.iter().filter(|s| matches!(s, Step::Case(..))).count(),
            behaviour::state_hint(ctx, &base)
        ),
        behaviour::describe(&case.base),
        base,
    )
}

/// What the request of a boundary case without its edge value ([`Case::base`]) got.
enum Base {
    /// The run's resource the case applies to is gone: the pass stops.
    Gone,
    /// Not sent: the operation writes nothing of the run's, and one of its requests was
    /// accepted before in the pass.
    Accepted,
    Sent(Exchange),
}

/// Sends the base of `case` ([`Case::base`]), unless `op` writes nothing of the run's and
/// `accepted` says one of its requests was accepted before in the pass: the base is sent to
/// tell a refusal of the value from one of the backend's state (a conflict, a token), and
/// a fresh request was let through already. A fresh sign-up is no different from the last,
/// and on a backend that hashes passwords each costs a hash.
async fn base(
    ctx: &Ctx,
    op: &OpInfo,
    resources: &[Resource],
    case: &mut behaviour::boundary::Case,
    accepted: bool,
) -> Result<Base, Failure> {
    let own = behaviour::owned::owned(op, resources);
    if accepted && !own {
        return Ok(Base::Accepted);
    }
    // The case may have moved the resource (a renaming update): the base follows.
    if own && !behaviour::owned::own_path(ctx, op, &mut case.base) {
        return Ok(Base::Gone);
    }
    let who = behaviour::caller(ctx, op);
    let e = behaviour::send_as(ctx, who, case.base.clone()).await?;
    behaviour::remember_created(ctx, op, &e, resources, who);
    behaviour::owned::follow_move(ctx, op, resources, &case.base, &e);
    Ok(Base::Sent(e))
}

/// Whether a server error for `request` (`what` it sends) recurs when the request is sent
/// again. One that does not is no input's: a race with a concurrent request (two creates
/// taking one unique slug at once), or the backend's state at the time. It is noted, with
/// both answers, not reported: a verdict that changes from run to run is no gate's.
async fn recurs(
    ctx: &Ctx,
    op: &OpInfo,
    resources: &[Resource],
    request: &Request,
    what: &str,
) -> Result<bool, Failure> {
    let who = behaviour::caller(ctx, op);
    let again = behaviour::send_as(ctx, who, request.clone()).await?;
    behaviour::remember_created(ctx, op, &again, resources, who);
    behaviour::owned::follow_move(ctx, op, resources, request, &again);
    if behaviour::crashed(ctx, &again) {
        return Ok(true);
    }
    ctx.http.note(format!(
        "behaviour: {}: a server error for {what} did not recur when the same request was sent again (answered {}): a race with a concurrent request or the backend's state at the time, not the input; left out of the verdict ({})",
        op.id,
        again.status,
        behaviour::describe(request)
    ));
    Ok(false)
}

#[then("no boundary input gets a server error, and what the spec refuses gets a 4xx")]
async fn boundary_judged(w: &mut AccordWorld) -> Outcome {
    let outcome = boundary_judged_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn boundary_judged_checked(w: &mut AccordWorld) -> Outcome {
    let problems = judged_as_malformed_json(w, "boundary", w.behaviour.boundary.clone()).await;
    let problems = fold_outside_envelope(fold_acceptances(&problems), |p| &p.0, |p| &mut p.0)
        .into_iter()
        .map(|(p, minimal, e)| (format!("{p} (request: {minimal})"), Some(minimal), e))
        .collect();
    report(Rule::Boundary, problems)
}

/// `problems` (a pass's: text, request, answer) without the refusals outside the envelope
/// for the reason the error scenarios' malformed JSON is, where that example runs: one cause
/// (a framework whose every refusal is plain text, axum's extractors), judged there, and
/// said in a note (`pass`: which).
async fn judged_as_malformed_json<T: Clone>(
    w: &mut AccordWorld,
    pass: &str,
    problems: Vec<(String, T, Exchange)>,
) -> Vec<(String, T, Exchange)> {
    const OUTSIDE: &str = ": refused outside the envelope: ";
    let reason = |text: &str, status: u16| text.replace(&status.to_string(), "");
    if !problems.iter().any(|(p, _, _)| p.contains(OUTSIDE))
        || !w.ctx.runs(
            "Error envelopes",
            "a body of malformed JSON is answered 400 in the error envelope",
        )
    {
        return problems;
    }
    let token = w.tokens.as_ref().map(|t| t.access.clone());
    let known = behaviour::known(&w.ctx);
    let Some(malformed) = w.ctx.malformed_answer(token.as_deref(), &known).await else {
        return problems;
    };
    let Some(theirs) =
        crate::envelope::envelope_problem(&w.ctx, &malformed).map(|p| reason(&p, malformed.status))
    else {
        return problems;
    };
    // Alike: the same reason, or the same media type that is not JSON at all (`text/plain`
    // where one operation declares its 400 and another declares none, said otherwise).
    let media = |e: &Exchange| {
        e.header("content-type")
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase())
            .filter(|v| !v.is_empty() && !v.contains("json"))
    };
    let plain = media(&malformed);
    let (judged, kept): (Vec<_>, Vec<_>) = problems.into_iter().partition(|(p, _, e)| {
        p.split_once(OUTSIDE).is_some_and(|(_, why)| {
            reason(why, e.status) == theirs || (plain.is_some() && media(e) == plain)
        })
    });
    if !judged.is_empty() {
        w.ctx.http.note(format!(
            "behaviour: {} refusal(s) of the {pass} pass are outside the error envelope as the error scenarios' malformed JSON is ({}): judged in `a body of malformed JSON is answered 400 in the error envelope`",
            judged.len(),
            judged[0].0.split_once(OUTSIDE).map_or("", |(_, why)| why)
        ));
    }
    kept
}

/// `problems` with the refusals outside the envelope for one reason said once, naming the
/// others: a framework whose every refusal of an input is plain text (axum's extractors)
/// is one problem, not one per value and operation.
fn fold_outside_envelope<T>(
    problems: Vec<T>,
    read: impl Fn(&T) -> &String,
    write: impl Fn(&mut T) -> &mut String,
) -> Vec<T> {
    super::fold_alike(
        problems,
        |p| {
            let (what, why) = read(p).split_once(": refused outside the envelope: ")?;
            Some((why.to_string(), what.to_string()))
        },
        write,
        "refused alike",
    )
}

/// What a refused value let through says of an operation, said once: the first such
/// problem of each operation, with the others' values named after it (an action that
/// ignores its body, Baby Buddy's timer restart, takes every value the schema refuses).
fn fold_acceptances(problems: &[Problem]) -> Vec<Problem> {
    super::fold_alike(
        problems.to_vec(),
        |(p, _, _)| {
            let (op, what) = p
                .strip_suffix(", which the schema refuses")?
                .split_once(": ")?;
            let what = what.split(" accepted with ").next()?;
            Some((op.to_string(), what.to_string()))
        },
        |(p, _, _)| p,
        "refused value(s) accepted",
    )
}

// ---- resource chains --------------------------------------------------------------------

#[when("every resource the spec can create is created")]
async fn create_all(w: &mut AccordWorld) -> Outcome {
    let outcome = create_all_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn create_all_checked(w: &mut AccordWorld) -> Outcome {
    let scenario = w.serial;
    behaviour::SCENARIO
        .scope(scenario, async move {
            if w.skip.is_some() {
                return Ok(());
            }
            let ctx = w.ctx.clone();
            let resources = resources(w);
            if resources.is_empty() {
                w.skip = Some(
                    "the spec has no resource the run may create that is then addressed by id (the notes say which its credentials do not reach)".into(),
                );
                return Ok(());
            }
            let creates = behaviour::create_each(&ctx, &resources, Identity::First).await?;
            for created in creates.made {
                w.exchanges.push(created.answer.clone());
                w.behaviour.created.push(created);
            }
            w.behaviour.create_failed = creates.failed;
            if w.behaviour.created.is_empty() {
                w.skip = Some(if w.behaviour.create_failed.is_empty() {
                    "the signed-in identity may create none of the spec's resources".into()
                } else {
                    "none of the spec's resources could be created (the notes, and the scenario about creating, say why)".into()
                });
            }
            Ok(())
        })
        .await
}

/// The resources the run could not create, each with why: checked last in the scenario about
/// creating, so that the others' checks run first (the other scenarios only note them).
#[then("every resource the spec can create was created")]
async fn all_created(w: &mut AccordWorld) -> Outcome {
    let outcome = Failure::combine(w.behaviour.create_failed.clone());
    w.keep(&outcome);
    outcome
}

use crate::http::location_target;

#[then("each create's Location resolves to it")]
async fn locations(w: &mut AccordWorld) -> Outcome {
    let outcome = locations_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn locations_checked(w: &mut AccordWorld) -> Outcome {
    if w.skip.is_some() {
        return Ok(());
    }
    let mut failures = Vec::new();
    let ctx = w.ctx.clone();
    for c in w.behaviour.created.clone() {
        let Some(location) = c.answer.header("location") else {
            continue;
        };
        let target = location_target(&ctx.http.base, &c.answer.url, location);
        let e = behaviour::send_as(&ctx, Identity::First, Request::new("GET", target)).await?;
        w.exchanges.push(e.clone());
        let found = e.json().is_some_and(|b| behaviour::contains_id(&b, &c.id));
        // The spec documents no read of the item (Jupyter's checkpoints are restored and
        // deleted, never read): its 405 there is the spec's own design, said, not failed.
        if e.status == 405 && c.resource.read.is_none() {
            ctx.http.note(format!(
                "behaviour: {} answered `Location: {location}`, which answers 405: the spec documents no read of what it made",
                c.resource.create.id
            ));
            continue;
        }
        if !(200..300).contains(&e.status) || !found {
            failures.push(
                Failure::new(
                    Rule::Location,
                    format!(
                        "{} answered `Location: {location}`, which answers {}{}",
                        c.resource.create.id,
                        e.status,
                        if found { "" } else { " without the resource" }
                    ),
                )
                .with(&c.answer)
                .with(&e),
            );
            continue;
        }
    }
    Failure::combine(failures)
}

async fn read(w: &mut AccordWorld, identity: Identity, c: &Created) -> Result<Exchange, Failure> {
    let ctx = w.ctx.clone();
    let e = behaviour::send_as(&ctx, identity, Request::new("GET", c.path.clone())).await?;
    w.exchanges.push(e.clone());
    Ok(e)
}

/// The record `c` as the first page of `list` holds it, with that answer: what a resource
/// without a read of its own reads back as ([`behaviour::listed_record`]).
async fn from_list(
    w: &mut AccordWorld,
    list: &OpInfo,
    c: &Created,
) -> Result<(Exchange, Option<serde_json::Value>), Failure> {
    let (request, _) = behaviour::list_request_in(&w.ctx, list, &c.base);
    let e = behaviour::send_as(&w.ctx, Identity::First, request).await?;
    w.exchanges.push(e.clone());
    let record = behaviour::listed_record(&e, c);
    Ok((e, record))
}

/// What `c`'s create sent, without the flags and choices the backend set itself at
/// creation ([`behaviour::set_at_create`]): each such member is a spec finding of the
/// create (the spec lets a client write what the backend decides), not a read-back failure.
fn made_as_answered(w: &AccordWorld, c: &Created, read: &serde_json::Value) -> serde_json::Value {
    let (sent, decided) = behaviour::set_at_create(&w.ctx, c, read);
    if !decided.is_empty() {
        let create = &c.resource.create.id;
        let list = decided
            .iter()
            .map(|m| format!("`{m}`"))
            .collect::<Vec<_>>()
            .join(", ");
        w.ctx.http.findings.record(&c.answer.as_finding(
            create,
            "",
            format!(
                "sets {list} itself at creation: its answer, and what reads back, give another value than the one sent; the spec lets a client write it (mark it readOnly, or keep what is sent)"
            ),
        ));
    }
    sent
}

#[then("each reads back as written")]
async fn read_back(w: &mut AccordWorld) -> Outcome {
    let outcome = read_back_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn read_back_checked(w: &mut AccordWorld) -> Outcome {
    if w.skip.is_some() {
        return Ok(());
    }
    let mut failures = Vec::new();
    for c in w.behaviour.created.clone() {
        // By its own read, else as its list holds it (a record the list does not hold is
        // the listed check's); with neither, said.
        let (e, read_back, read_schema) = match (&c.resource.read, c.resource.list.clone()) {
            (None, None) => {
                w.ctx.http.note(format!(
                    "behaviour: what {} creates is not read back: the spec has no read or list of it",
                    c.resource.create.id
                ));
                continue;
            }
            (None, Some(list)) => {
                let (e, record) = from_list(w, &list, &c).await?;
                (e, record, None)
            }
            (Some(r), _) => {
                let e = read(w, Identity::First, &c).await?;
                if !(200..300).contains(&e.status) {
                    failures.push(
                        Failure::new(
                            Rule::ReadBack,
                            format!(
                                "the resource just created answers {} at {}",
                                e.status, c.path
                            ),
                        )
                        .with(&c.answer)
                        .with(&e),
                    );
                    continue;
                }
                let json = e.json();
                (e, json, behaviour::success_schema(&w.ctx, r))
            }
        };
        if let Some(d) = read_back.and_then(|b| {
            let sent = made_as_answered(w, &c, &b);
            behaviour::differs(
                &w.ctx,
                &c.resource.create,
                &sent,
                &b,
                read_schema.as_ref(),
                Some(&serde_json::Value::Null),
            )
        }) {
            failures.push(Failure::new(Rule::ReadBack, d).with(&c.answer).with(&e));
        }
    }
    Failure::combine(failures)
}

#[then("each is listed")]
async fn listed(w: &mut AccordWorld) -> Outcome {
    let outcome = listed_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn listed_checked(w: &mut AccordWorld) -> Outcome {
    let scenario = w.serial;
    behaviour::SCENARIO
        .scope(scenario, async move {
            if w.skip.is_some() {
                return Ok(());
            }
            let mut failures = Vec::new();
            let ctx = w.ctx.clone();
            for c in w.behaviour.created.clone() {
                let Some(list) = &c.resource.list else {
                    continue;
                };
                let (request, size) = behaviour::list_request_in(&ctx, list, &c.base);
                let request = behaviour::filtered_by_references(&ctx, list, &c, request);
                let mut e = behaviour::send_as(&ctx, Identity::First, request.clone()).await?;
                // A total that disagrees with the page is judged on a collection at rest: the
                // run's other scenarios write to it at once, and a backend that counts and
                // reads in two queries may meet a write between them (a total of 4 beside 5
                // items, then of 7 beside 6). Read again, a little later each time, until
                // two answers in a row agree; five that never do were never at rest, and
                // say nothing of the total.
                let shape = |e: &Exchange| {
                    (
                        behaviour::list_total(&ctx, list, e).map(|(t, _)| t),
                        behaviour::page_len(&e.json().unwrap_or(Value::Null)),
                    )
                };
                let mut previous = None;
                let mut at_rest = true;
                // A total that never moves while the items do (the page size asked, sent as
                // `X-Total-Count`) is wrong at rest too: judged.
                let mut totals = std::collections::BTreeSet::new();
                for attempt in 0..5u32 {
                    let (total, n) = shape(&e);
                    totals.insert(total);
                    let room = size.is_some_and(|s| (n as u64) < s);
                    if total.is_none_or(|t| t >= n as u64 && (!room || t == n as u64))
                        || previous == Some((total, n))
                    {
                        break;
                    }
                    if attempt == 4 {
                        at_rest = totals.len() == 1;
                        break;
                    }
                    previous = Some((total, n));
                    tokio::time::sleep(std::time::Duration::from_millis(50 << attempt)).await;
                    e = behaviour::send_as(&ctx, Identity::First, request.clone()).await?;
                }
                w.exchanges.push(e.clone());
                let body = e.json().unwrap_or(Value::Null);
                if !(200..300).contains(&e.status) {
                    failures.push(
                        Failure::new(Rule::Listed, format!("the list answers {}", e.status))
                            .with(&e),
                    );
                    continue;
                }
                // A full page may hold other resources: only a page with room must show it.
                // Where the run cannot ask for a size (Flask AppBuilder's page size inside a
                // rison `q`), a stated total beyond the items answered says the page is full.
                let n = behaviour::page_len(&body) as u64;
                let full = size.is_some_and(|s| n >= s)
                    || behaviour::list_total(&ctx, list, &e).is_some_and(|(t, _)| t > n);
                // The total it states counts at least what it answers, and exactly that on a
                // first page with room (this one asks for no offset).
                if let Some((total, at)) = behaviour::list_total(&ctx, list, &e) {
                    let n = behaviour::page_len(&body) as u64;
                    // Room is known only where the run asked for a page size.
                    let room = size.is_some_and(|s| n < s);
                    if !at_rest {
                        ctx.http.note(format!(
                            "behaviour: {}'s total ({at}) and its page disagreed in five reads, each time otherwise, while the run wrote to the list: not judged (the last: a total of {total} beside {n} item(s))",
                            list.id
                        ));
                    } else if total < n || (room && total != n) {
                        failures.push(
                            Failure::new(
                                Rule::ListTotal,
                                format!(
                                    "{} states a total of {total} ({at}) beside {n} item(s) on a first page{}",
                                    list.id,
                                    if room { " with room" } else { "" }
                                ),
                            )
                            .with(&e),
                        );
                    }
                }
                if !behaviour::contains_id(&body, &c.id) && !full {
                    failures.push(
                        Failure::new(
                            Rule::Listed,
                            format!(
                                "{} does not list the resource {} just created",
                                list.id, c.id
                            ),
                        )
                        .with(&e),
                    );
                    continue;
                }
                // The page size a client asks for is kept: with two or more to list (one more created
                // when needed), a page of one holds one.
                if size.is_some() {
                    let mut count = behaviour::page_len(&body);
                    // One more only where the run can delete it again.
                    if count < 2
                        && c.resource.delete.is_some()
                        && behaviour::create_in(&ctx, &c.resource, Identity::First, 0x9a9e, &c.base)
                            .await?
                            .is_some()
                    {
                        count += 1;
                    }
                    if count >= 2 {
                        let (request, _) =
                            behaviour::list_request_sized_in(&ctx, list, &c.base, Some(1));
                        let e = behaviour::send_as(&ctx, Identity::First, request).await?;
                        w.exchanges.push(e.clone());
                        let n = behaviour::page_len(&e.json().unwrap_or(Value::Null));
                        if (200..300).contains(&e.status) && n > 1 {
                            failures.push(
                                Failure::new(
                                    Rule::PageLimit,
                                    format!("{} answered {n} items for a page of 1", list.id),
                                )
                                .with(&e),
                            );
                            continue;
                        }
                    }
                }
            }
            Failure::combine(failures)
        })
        .await
}

#[then("each update persists")]
async fn update_persists(w: &mut AccordWorld) -> Outcome {
    let outcome = update_persists_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn update_persists_checked(w: &mut AccordWorld) -> Outcome {
    let scenario = w.serial;
    behaviour::SCENARIO
        .scope(scenario, async move {
            if w.skip.is_some() {
                return Ok(());
            }
            let mut failures = Vec::new();
            let ctx = w.ctx.clone();
            for index in 0..w.behaviour.created.len() {
                let mut c = w.behaviour.created[index].clone();
                let Some(update) = c.resource.update.clone() else {
                    continue;
                };
                // Read back by its own read, else as its list holds it (a to-do API with
                // `GET /todo` and `PATCH /todo/{id}` alone); with neither, said.
                if c.resource.read.is_none() && c.resource.list.is_none() {
                    ctx.http.note(format!(
                        "behaviour: {} is not checked for persisting: the spec has no read or list of what it updates",
                        update.id
                    ));
                    continue;
                }
                let update = &update;
                // An item the client names keeps its name: the members naming it name it.
                let mut body =
                    behaviour::bound_write_body(&ctx, update, Identity::First, ctx.seed ^ 0x5eed)
                        .map(|b| behaviour::named_item(&c.resource, &c.id, b));
                // The resource's own id where the body carries one, as the frontend's edit
                // form sends back what it read (Kinto refuses a `data.id` other than the
                // path's).
                let own = c.id.clone();
                let send = |body: Option<serde_json::Value>| {
                    let body = body.map(|b| behaviour::with_own_id(b, &own));
                    let inputs = behaviour::Inputs { params: vec![], body };
                    let mut request = behaviour::request(&ctx, update, &inputs);
                    request.target = c.path.clone();
                    behaviour::send_as(&ctx, Identity::First, request)
                };
                // As a frontend's form is sent: without the optional references first (a
                // feeding naming a timer takes its times from it), then with them.
                let mut lean = body
                    .as_ref()
                    .map(|b| behaviour::without_optional_references(&ctx, update, b))
                    .filter(|lean| Some(lean) != body.as_ref());
                let first = lean.clone().or(body.clone());
                // The tag a frontend read before this update: stale once it is made.
                let stale = ctx.http.etag(&c.path);
                let mut e = send(first.clone()).await?;
                w.exchanges.push(e.clone());
                // Refused as invalid: with its dates as a user logging what just happened
                // sends them, before it names more (Baby Buddy refuses a feeding that lasts
                // over a day, and one naming a timer takes its times from the timer).
                if matches!(e.status, 400 | 422)
                    && let Some(recent) = first
                        .as_ref()
                        .and_then(|b| {
                            behaviour::recent_of(&ctx, update, b, behaviour::Lane::Chain.slot(ctx.seed))
                        })
                        .filter(|r| Some(r) != first.as_ref())
                {
                    e = send(Some(recent.clone())).await?;
                    w.exchanges.push(e.clone());
                    if (200..300).contains(&e.status) {
                        match &mut lean {
                            Some(lean) => *lean = recent,
                            None => body = Some(recent),
                        }
                    }
                }
                match lean {
                    Some(lean) if (200..300).contains(&e.status) => body = Some(lean),
                    Some(_) if matches!(e.status, 400 | 422) => {
                        e = send(body.clone()).await?;
                        w.exchanges.push(e.clone());
                    }
                    _ => {}
                }
                // Refused as invalid, or a server error (Homebox's 500 for a `parentId` that
                // names nothing, which the generated calls judge): its required fields alone
                // first (an optional field the run cannot fill truthfully, a reference to its
                // own kind, names nothing).
                let unfit = |status: u16| matches!(status, 400 | 422) || status >= 500;
                if unfit(e.status)
                    && let Some(minimal) = body
                        .as_ref()
                        .map(|b| behaviour::required_only_of(&ctx, update, b))
                        .filter(|m| Some(m) != body.as_ref() && m.as_object().is_some_and(|o| !o.is_empty()))
                {
                    body = Some(minimal);
                    e = send(body.clone()).await?;
                    w.exchanges.push(e.clone());
                }
                // A generated update refused as invalid may name what does not exist (a
                // reference by a random id): the spec cannot say which ids exist. It goes
                // again as what the create sent, its plain text changed; only that one's
                // refusal is the backend's.
                if unfit(e.status)
                    && let Some(again) =
                        behaviour::retouched(&ctx, update, &c.sent, ctx.seed ^ 0x5eed)
                {
                    ctx.http.note(format!(
                        "behaviour: {} refused a generated update of {} ({}): sent again as what the create sent, its plain text changed",
                        update.id, c.path, e.status
                    ));
                    body = Some(again);
                    e = send(body.clone()).await?;
                    w.exchanges.push(e.clone());
                }
                // Refused as invalid without the id a frontend sends back with the object it
                // read (Semaphore's `Project ID in body and URL must be the same`), where the
                // schema does not declare it: with it, and a spec finding when that is taken.
                if matches!(e.status, 400 | 422)
                    && let Some((member, with_id)) = body
                        .as_ref()
                        .and_then(|b| behaviour::adding_own_id(b, &c.answer, &c.id))
                {
                    let refused = e.clone();
                    e = send(Some(with_id.clone())).await?;
                    w.exchanges.push(e.clone());
                    if (200..300).contains(&e.status) {
                        body = Some(with_id);
                        ctx.http.findings.record(&refused.as_finding(
                            &update.id,
                            "",
                            format!(
                                "refuses an update without the resource's `{member}` in its body ({}), which its schema does not declare, and takes it with it ({}): declare `{member}` (required) in the request body",
                                refused.status, e.status
                            ),
                        ));
                    }
                }
                // A method the backend does not have on the item (Vikunja's spec writes
                // `PUT /labels/{id}`; it routes `POST`) is the spec's finding: no update is
                // there to persist.
                if e.status == 405 && ctx.method_not_served(update, &c.path).await {
                    ctx.http.note(format!(
                        "behaviour: {} answers 405 on {}: the spec documents a method the backend does not serve there (a spec finding); the update is not checked",
                        update.id, c.path
                    ));
                    continue;
                }
                if !(200..300).contains(&e.status) {
                    failures.push(
                        Failure::new(
                            Rule::UpdatePersists,
                            format!(
                                "{} of the resource just created answered {}{}",
                                update.id,
                                e.status,
                                // What the backend says of it, where it says anything.
                                Some(e.excerpt(160))
                                    .filter(|t| !t.is_empty())
                                    .map(|t| format!(": {t}"))
                                    .unwrap_or_default()
                            ),
                        )
                        .with(&e),
                    );
                    continue;
                }
                // An update may move the resource (a slug made from a new title): the answer names
                // where it is now, and the later steps and the cleanup follow it there.
                let moved = e
                    .json()
                    .and_then(|b| {
                        behaviour::item_id(&w.ctx, &c.resource.item, &c.resource.param, &b)
                    })
                    .filter(|id| *id != c.id);
                let was_moved = moved.is_some();
                if let Some(id) = moved {
                    let path = behaviour::item_path_in(&c.resource, &c.base, &id);
                    behaviour::moved(&ctx, &c.path, &path);
                    c.id = id;
                    c.path = path;
                    w.behaviour.created[index] = c.clone();
                }
                let (after, read_back) = match &c.resource.list {
                    Some(list) if c.resource.read.is_none() => {
                        let (after, record) = from_list(w, list, &c).await?;
                        if record.is_none() {
                            ctx.http.note(format!(
                                "behaviour: {} of {} is not checked for persisting: it has no read of its own, and {} holds no record of it to read it back from",
                                update.id, c.path, list.id
                            ));
                        }
                        (after, record)
                    }
                    _ => {
                        let after = read(w, Identity::First, &c).await?;
                        let json = after.json();
                        (after, json)
                    }
                };
                let read_schema = c
                    .resource
                    .read
                    .as_ref()
                    .and_then(|r| behaviour::success_schema(&ctx, r));
                if let Some(d) = read_back.zip(body.clone()).and_then(|(b, sent)| {
                    let sent = behaviour::with_own_id(sent, &c.id);
                    behaviour::differs(&ctx, update, &sent, &b, read_schema.as_ref(), Some(&c.sent))
                }) {
                    failures.push(Failure::new(Rule::UpdatePersists, d).with(&e).with(&after));
                    continue;
                }
                if !was_moved {
                    let body = body.map(|b| behaviour::with_own_id(b, &own));
                    let guard = precondition_kept(&ctx, update, &c.path, body, stale).await?;
                    w.exchanges.extend(guard.0);
                    failures.extend(guard.1);
                }
            }
            Failure::combine(failures)
        })
        .await
}

/// Where the spec guards `update` with `If-Match` (the `ETag` a frontend read): the update
/// just made, sent again with the tag from before it (`stale`, as a second tab that read the
/// resource earlier sends it), must be refused, 412 (409 where the backend calls it a
/// conflict), and, where the header is required, sent without one, 428 or another refusal:
/// a 2xx there overwrites an edit the writer never saw. Each such write repeats the body
/// the update just made, so a backend that takes it changes nothing. The exchanges sent and
/// the failures.
async fn precondition_kept(
    ctx: &crate::context::Ctx,
    update: &crate::context::OpInfo,
    path: &str,
    body: Option<Value>,
    stale: Option<String>,
) -> Result<(Vec<Exchange>, Vec<Failure>), Failure> {
    let Some(required) = ctx
        .http
        .contract()
        .header_parameter(&update.method, path, "If-Match")
    else {
        return Ok((Vec::new(), Vec::new()));
    };
    let current = ctx.http.etag(path);
    let inputs = behaviour::Inputs {
        params: vec![],
        body,
    };
    let mut request = behaviour::request(ctx, update, &inputs);
    request.target = path.to_string();
    let mut sent = Vec::new();
    let mut failures = Vec::new();
    let refused =
        |status: u16| (400..500).contains(&status) && !matches!(status, 401 | 403 | 404 | 429);
    match stale.filter(|s| Some(s) != current.as_ref()) {
        Some(stale) => {
            let e = behaviour::send_as(ctx, Identity::First, request.clone().header("if-match", stale))
                .await?;
            if !matches!(e.status, 412 | 409) {
                failures.push(
                    Failure::new(
                        Rule::Precondition,
                        format!(
                            "{} with the `If-Match` tag the resource had before its last update answered {}, not 412: {}",
                            update.id,
                            e.status,
                            if (200..300).contains(&e.status) {
                                "a write from a stale read overwrites the edit made since (a lost update)"
                            } else {
                                "the spec guards it with `If-Match`"
                            }
                        ),
                    )
                    .with(&e),
                );
            }
            sent.push(e);
        }
        None => ctx.http.note(format!(
            "behaviour: {} declares `If-Match`, but the backend answered no new `ETag` for {path} across the update: a stale tag is not checked",
            update.id
        )),
    }
    if required {
        let e = behaviour::send_as(ctx, Identity::First, request.unconditional()).await?;
        if !refused(e.status) {
            failures.push(
                Failure::new(
                    Rule::Precondition,
                    format!(
                        "{} without the `If-Match` the spec requires answered {}, not 428",
                        update.id, e.status
                    ),
                )
                .with(&e),
            );
        }
        sent.push(e);
    }
    Ok((sent, failures))
}

#[then("after delete each reads as 404")]
async fn use_after_delete(w: &mut AccordWorld) -> Outcome {
    let outcome = use_after_delete_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn use_after_delete_checked(w: &mut AccordWorld) -> Outcome {
    if w.skip.is_some() {
        return Ok(());
    }
    let mut failures = Vec::new();
    let ctx = w.ctx.clone();
    // The newest first: what was created under a resource is deleted before it, as a
    // backend whose foreign keys do not cascade needs.
    let created = w.behaviour.created.clone();
    for c in created.iter().rev().cloned() {
        let (Some(delete), Some(_)) = (&c.resource.delete, &c.resource.read) else {
            continue;
        };
        // What it, or what the run made under it (an owner's pets), only refers to (a pet's
        // type), read before it is deleted: what reads now must read after it too.
        let under = format!("{}/", c.path);
        let mut references = Vec::new();
        for d in created
            .iter()
            .filter(|d| d.path == c.path || d.path.starts_with(&under))
        {
            for (pointer, path) in behaviour::references(&ctx, d) {
                let by = if d.path == c.path {
                    format!("its `{pointer}`")
                } else {
                    format!("the `{pointer}` of {} under it", d.path)
                };
                if path != c.path
                    && !path.starts_with(&under)
                    && !references.iter().any(|(_, p)| *p == path)
                {
                    references.push((by, path));
                }
            }
        }
        let mut referred = Vec::new();
        for (pointer, path) in references {
            let e = behaviour::send_as(&ctx, Identity::First, Request::new("GET", path.clone()))
                .await?;
            if (200..300).contains(&e.status) {
                referred.push((pointer, path, e));
            }
        }
        // What the run created under it goes first; what cannot go is the cleanup's to list.
        for kept in behaviour::delete_under(&ctx, &c.path).await {
            ctx.http.note(format!(
                "cleanup: could not delete {kept} (made by the run: delete by hand)"
            ));
        }
        let e = behaviour::send_as(
            &ctx,
            Identity::First,
            Request::new("DELETE", c.path.clone()),
        )
        .await?;
        w.exchanges.push(e.clone());
        // A 409: something still refers to it (NetBox's power feed on its panel: a protected
        // reference), which the backend defends; the run's other resources may be what
        // refers to it. Noted, and left to the cleanup, which deletes it once they are gone.
        if e.status == 409 {
            ctx.http.note(format!(
                "behaviour: {} of {} answered 409: something still refers to it; the cleanup deletes it at the end",
                delete.id, c.path
            ));
            continue;
        }
        if !(200..300).contains(&e.status) {
            failures.push(
                Failure::new(
                    Rule::UseAfterDelete,
                    format!("{} answered {}", delete.id, e.status),
                )
                .with(&e),
            );
            continue;
        }
        behaviour::forget(&ctx, &c.path);
        let after = read(w, Identity::First, &c).await?;
        // A refusal as the backend answers one never made (Kinto's 403 for any bucket the
        // user may not know of, lest it say which exist): gone, and not said otherwise.
        let mut as_never = false;
        if (400..500).contains(&after.status) && !matches!(after.status, 404 | 410) {
            let never = c.path.rsplit_once('/').map(|(parent, _)| {
                let id = crate::sample::unused_id(
                    ctx.doc(),
                    &serde_json::json!({"type": "string"}),
                    ctx.http.id_shape(),
                );
                format!(
                    "{parent}/{}",
                    id.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| id.to_string())
                )
            });
            if let Some(never) = never {
                let other =
                    behaviour::send_as(&ctx, Identity::First, Request::new("GET", never)).await?;
                if other.status == after.status {
                    ctx.http.note(format!(
                        "behaviour: a deleted {} reads as {}, as one never made does: the backend does not say which exist",
                        c.resource.create.id, after.status
                    ));
                    as_never = true;
                }
            }
        }
        if !as_never && !matches!(after.status, 404 | 410) {
            // A new resource may have its id now (SQLite's rowid, reused after the largest
            // is deleted): a link the frontend kept to the deleted one shows the other.
            // Or the run itself made one there since, in another scenario: Jupyter names a
            // terminal by the lowest number free, the one just deleted.
            let reused = if (200..300).contains(&after.status) && behaviour::recorded(&ctx, &c.path)
            {
                ": the run has made another resource at that path since (in another scenario), so the backend gives a deleted resource's id to a new one"
            } else if (200..300).contains(&after.status) && behaviour::another_resource(&after, &c)
            {
                ": another resource holds its id now (none of what it was created with is in the answer), so the backend gives a deleted resource's id to a new one"
            } else {
                ""
            };
            failures.push(
                Failure::new(
                    Rule::UseAfterDelete,
                    format!(
                        "a deleted resource reads as {}, not 404 or 410{reused}",
                        after.status
                    ),
                )
                .with(&e)
                .with(&after),
            );
            continue;
        }
        // Gone from its list too: a list that still shows it (a delete that only marks the
        // record, as APIFlask's example renames a deleted pet `Ghost` and lists it on) shows
        // the frontend what is not there. Unless the run has made another at its path since.
        if let Some(list) = &c.resource.list {
            let (request, _) = behaviour::list_request_in(&ctx, list, &c.base);
            let listed = behaviour::send_as(&ctx, Identity::First, request).await?;
            // Named by the member its create named it by: a total that equals its id, or
            // another item sharing its text, is no listing of it.
            if behaviour::lists(&listed, &c) && !behaviour::recorded(&ctx, &c.path) {
                w.exchanges.push(listed.clone());
                failures.push(
                    Failure::new(
                        Rule::UseAfterDelete,
                        format!(
                            "{} still lists the deleted resource {} ({} answered {}, and its read {})",
                            list.id, c.id, delete.id, e.status, after.status
                        ),
                    )
                    .with(&e)
                    .with(&listed),
                );
            }
        }
        // Deleting it deleted nothing it only referred to: a cascade that takes a pet's type
        // with the pet takes every other pet of that type too (Spring PetClinic's
        // `Pet.type` cascades), data no one asked to delete.
        for (pointer, path, before) in referred {
            let now = behaviour::send_as(&ctx, Identity::First, Request::new("GET", path.clone()))
                .await?;
            w.exchanges.push(now.clone());
            if matches!(now.status, 404 | 410) {
                failures.push(
                    Failure::new(
                        Rule::ReferenceKept,
                        format!(
                            "deleting {} ({}) also deleted {path}, which {pointer} only refers to: it read {} before and {} after",
                            c.path, delete.id, before.status, now.status
                        ),
                    )
                    .with(&e)
                    .with(&now),
                );
            }
        }
        // What lies under it is gone with it: a read of its sub-collection (its comments)
        // that still answers tells a frontend the resource is there.
        for (op, _) in ctx.all_operations() {
            let Some(rest) = op
                .path
                .strip_prefix(c.resource.item.trim_end_matches('/'))
                .filter(|r| r.starts_with('/') && !r.contains('{'))
            else {
                continue;
            };
            if op.method != "GET" {
                continue;
            }
            let under = behaviour::send_as(
                &ctx,
                Identity::First,
                Request::new("GET", format!("{}{rest}", c.path.trim_end_matches('/'))),
            )
            .await?;
            w.exchanges.push(under.clone());
            if (200..300).contains(&under.status) {
                failures.push(
                    Failure::new(
                        Rule::UseAfterDelete,
                        format!(
                            "{} under a deleted resource (GET {}{rest}) answers {}, not 404 or 410",
                            op.id, c.path, under.status
                        ),
                    )
                    .with(&e)
                    .with(&under),
                );
            }
        }
    }
    Failure::combine(failures)
}

// ---- a second user ----------------------------------------------------------------------

#[given("a second signed-in user")]
async fn second_user(w: &mut AccordWorld) -> Outcome {
    let outcome = second_user_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn second_user_checked(w: &mut AccordWorld) -> Outcome {
    match w.ctx.session(Identity::Second).await {
        // The second account is the run's own (the profile names none), and the backend
        // asks more of it than the spec can say before it signs in: no defect of the
        // backend's, and nothing the run can check without one the backend has.
        Err(
            crate::context::CtxError::Setup(m) | crate::context::CtxError::Refused { why: m, .. },
        ) if m.contains(crate::context::NOT_YET_ACTIVE)
            && w.ctx.profile.auth.as_ref().is_some_and(|a| {
                a.second_body.is_none()
                    && a.second_register_body.is_none()
                    && a.second_basic.is_none()
            }) =>
        {
            w.skip = Some(format!(
                "the run's second account cannot sign in: {m}; name one the backend has in auth.second_body"
            ));
            return Ok(());
        }
        other => {
            other.map_err(|e| e.failure("signing the second identity in failed"))?;
        }
    }
    w.ctx.distinct_identities().await.map_err(|e| match e {
        crate::context::CtxError::Setup(m) => Failure::new(Rule::Identity, m),
        other => other.failure("proving the two identities distinct"),
    })
}

/// Why `e`, another user's call of `op` on the first user's resource, is no proper refusal.
/// 403 and 404 are; where the spec documents neither for `op`, so is any other 4xx but 401
/// (NestJS's 400 "You cannot edit article from other authors"): the spec leaves the refusal
/// open, and the owner's copy is checked unchanged anyway. A 401 says the caller's session is
/// void, which signs a frontend out.
fn refused(w: &AccordWorld, op: Option<&crate::context::OpInfo>, e: &Exchange) -> Option<String> {
    // A method the route does not have refuses everyone alike: the spec's finding (the
    // update's own check records it).
    if e.status == 405 {
        return None;
    }
    // An operation the first user reaches with the API key alone ([`Ctx::behaviour_key`]):
    // the second user holds none, and sends a token it does not take. Its 401 says nothing
    // of whose resource it is, which only a key of the second user's could show.
    if e.status == 401
        && let Some(op) = op
        && w.ctx.behaviour_key(op).is_some()
    {
        w.ctx.http.note(format!(
            "behaviour: {} takes the API key alone, and the second user holds none: its refusal of the second user's token is not judged as a cross-user check",
            op.id
        ));
        return None;
    }
    let documented = op
        .map(|o| crate::security::documented_among(&o.op, &[403, 404]))
        .unwrap_or_default();
    let open_refusal =
        documented.is_empty() && (400..500).contains(&e.status) && !matches!(e.status, 401 | 429);
    if !matches!(e.status, 403 | 404) && !open_refusal {
        return Some(format!(
            "answered {}, not 403 or 404{}",
            e.status,
            if documented.is_empty() {
                " (nor another refusal than 401: the spec documents none)"
            } else {
                " (as the spec documents)"
            }
        ));
    }
    envelope_problem_beyond_spec(&w.ctx, e).map(|p| format!("refused outside the envelope: {p}"))
}

#[then("the second user cannot read, change or delete them, nor see them listed")]
async fn cross_user(w: &mut AccordWorld) -> Outcome {
    let outcome = cross_user_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn cross_user_checked(w: &mut AccordWorld) -> Outcome {
    let scenario = w.serial;
    behaviour::SCENARIO
        .scope(scenario, async move {
            if w.skip.is_some() {
                return Ok(());
            }
            let ctx = w.ctx.clone();
            // Every resource is tried, and every problem reported, not only the first.
            let mut failures = Vec::new();
            for c in w.behaviour.created.clone() {
                // The owner's copy as it is before the second user tries anything.
                let before = match c.resource.read {
                    Some(_) => read(w, Identity::First, &c).await?.json(),
                    None => None,
                };
                // A read the spec leaves public (no security) is everyone's to make: not a leak.
                let public = |op: &Option<crate::context::OpInfo>| {
                    op.as_ref().is_some_and(|o| {
                        !w.ctx
                            .all_operations()
                            .iter()
                            .any(|(a, secured)| *secured && a.method == o.method && a.path == o.path)
                    })
                };
                let public_read = public(&c.resource.read);
                let public_list = public(&c.resource.list);
                if public_read || public_list {
                    w.ctx.http.note(format!(
                        "cross-user: {} is public in the spec (no security): the second user may read it",
                        if public_read {
                            "the read of"
                        } else {
                            "the list of"
                        }
                        .to_string()
                            + " "
                            + &c.resource.create.id
                    ));
                }
                // A read the backend answers without any credentials is everyone's in
                // practice, whatever the spec says: the missing refusal is auth.status's
                // finding, and another user reading it is no leak of its own.
                let anonymous = |request: Request| {
                    let ctx = ctx.clone();
                    let id = c.id.clone();
                    async move {
                        behaviour::send(&ctx, request).await.is_ok_and(|e| {
                            (200..300).contains(&e.status)
                                && e.json().is_some_and(|b| behaviour::contains_id(&b, &id))
                        })
                    }
                };
                // Under a parent the second user reads too (Gitea's public organization, whose
                // labels any signed-in user reads), what lies under it is shared with it.
                let shared_parent = async |w: &mut AccordWorld| -> Result<Option<String>, Failure> {
                    if c.resource.parent.is_none() {
                        return Ok(None);
                    }
                    let Some((parent, _)) = c.base.trim_end_matches('/').rsplit_once('/') else {
                        return Ok(None);
                    };
                    let e = behaviour::send_as(
                        &w.ctx,
                        Identity::Second,
                        Request::new("GET", parent.to_string()),
                    )
                    .await?;
                    Ok((200..300).contains(&e.status).then(|| parent.to_string()))
                };
                // An account the first user made (an admin's `POST /users`) is in the user
                // directory every signed-in user reads in most apps (to add a teammate): its
                // read and listing are noted, its writes still judged.
                let account = behaviour::is_account_kind(&c.resource);
                let directory = |w: &AccordWorld, what: &str| {
                    w.ctx.http.note(format!(
                        "cross-user: the second user {what} the accounts {} makes (a user directory, which signed-in users share in most apps): not judged",
                        c.resource.create.id
                    ));
                };
                if c.resource.read.is_some() && !public_read {
                    let e = read(w, Identity::Second, &c).await?;
                    let leaked = behaviour::shows(&e, &c);
                    if ((200..300).contains(&e.status) || leaked) && account {
                        directory(w, "reads");
                    } else if ((200..300).contains(&e.status) || leaked)
                        && anonymous(Request::new("GET", c.path.clone())).await
                    {
                        w.ctx.http.note(format!(
                            "cross-user: the read of {} answers without credentials: the second user may read it",
                            c.resource.create.id
                        ));
                    } else if ((200..300).contains(&e.status) || leaked)
                        && let Some(parent) = shared_parent(w).await?
                    {
                        w.ctx.http.note(format!(
                            "cross-user: {} lies under {parent}, which the second user reads too (shared or public): the second user may read what lies under it",
                            c.resource.create.id
                        ));
                    } else if (200..300).contains(&e.status) || leaked {
                        failures.push(Failure::new(
                            Rule::CrossUserRead,
                            format!(
                                "the second user read the first user's resource at {} ({})",
                                c.path, e.status
                            ),
                        )
                        .with(&e));
                    } else if let Some(why) = refused(w, c.resource.read.as_ref(), &e) {
                        failures.push(Failure::new(Rule::CrossUserRead, why).with(&e));
                    }
                }
                if let Some(list) = c.resource.list.as_ref().filter(|_| !public_list) {
                    let (request, _) = behaviour::list_request_in(&ctx, list, &c.base);
                    let e = behaviour::send_as(&ctx, Identity::Second, request.clone()).await?;
                    w.exchanges.push(e.clone());
                    let shown = behaviour::shows(&e, &c);
                    if shown && anonymous(request).await {
                        w.ctx.http.note(format!(
                            "cross-user: {} answers without credentials: the second user may see what it lists",
                            list.id
                        ));
                    } else if shown && let Some(parent) = shared_parent(w).await? {
                        w.ctx.http.note(format!(
                            "cross-user: {} lists what lies under {parent}, which the second user reads too (shared or public)",
                            list.id
                        ));
                    } else if shown && account {
                        directory(w, "lists");
                    } else if shown {
                        failures.push(Failure::new(
                            Rule::CrossUserList,
                            format!(
                                "{} shows the second user the first user's resource {}",
                                list.id, c.id
                            ),
                        )
                        .with(&e));
                    }
                }
                let mut writes = Vec::new();
                if let Some(update) = &c.resource.update {
                    let inputs = behaviour::Inputs {
                        params: vec![],
                        // A body the owner could send: only its authorization may refuse
                        // it, not a reference to nothing nor a value a generated body made
                        // up (Vikunja validates the body before the owner: a made-up
                        // `created` is a 400 to anyone). What the create sent, which the
                        // backend took from the owner, its plain text changed; else a
                        // generated one.
                        body: behaviour::retouched(&ctx, update, &c.sent, ctx.seed ^ 0xbad)
                            .or_else(|| {
                                behaviour::bound_write_body(
                                    &ctx,
                                    update,
                                    Identity::First,
                                    ctx.seed ^ 0xbad,
                                )
                            }),
                    };
                    let mut request = behaviour::request(&ctx, update, &inputs);
                    request.target = c.path.clone();
                    writes.push((update, request));
                }
                if let Some(delete) = &c.resource.delete {
                    writes.push((delete, Request::new("DELETE", c.path.clone())));
                }
                // The writes answered with a 2xx: judged once the owner has read the resource
                // again (a write that did nothing is no breach, but an answer that lies).
                let mut accepted = Vec::new();
                for (op, request) in writes {
                    let id = &op.id;
                    let e = behaviour::send_as(&ctx, Identity::Second, request.clone()).await?;
                    w.exchanges.push(e.clone());
                    if (200..300).contains(&e.status) {
                        // An update the owner's resource should have refused may have moved
                        // it (a new title makes a new slug): the cleanup follows it there.
                        behaviour::owned::follow_move(
                            &ctx,
                            op,
                            std::slice::from_ref(&c.resource),
                            &request,
                            &e,
                        );
                        accepted.push((id.clone(), e));
                    } else if let Some(why) = refused(w, Some(op), &e) {
                        failures.push(Failure::new(Rule::CrossUserWrite, format!("{id}: {why}")).with(&e));
                    }
                }
                // Whatever the answers said, the owner's resource is as it was before, but for
                // what changes by itself (a running timer's `duration`): a member that differs
                // again when the owner reads it once more.
                let mut intact = false;
                if c.resource.read.is_some() {
                    let e = read(w, Identity::First, &c).await?;
                    let own = |v: &Value| other_records_as_ids(v, &c.id, 0);
                    let changed = match (&before, e.json()) {
                        (Some(before), Some(after)) if own(before) != own(&after) => {
                            let again = read(w, Identity::First, &c).await?.json();
                            first_difference(&own(before), &own(&after), again.map(|a| own(&a)).as_ref())
                        }
                        _ => None,
                    };
                    intact = (200..300).contains(&e.status) && changed.is_none();
                    if !intact {
                        failures.push(Failure::new(
                            Rule::CrossUserWrite,
                            format!(
                                "after the second user's attempts the owner's resource {}",
                                changed.unwrap_or_else(|| format!("answers {}", e.status))
                            ),
                        )
                        .with(&e));
                    }
                }
                for (id, e) in accepted {
                    let message = if intact {
                        // Homebox's `DELETE /v1/group/exports/{id}` of another group's export:
                        // 204, and the export is still there.
                        format!(
                            "the second user's {id} of the first user's resource answered {}, yet the owner's resource is unchanged: the backend says it did what it did not, where it should refuse (403 or 404)",
                            e.status
                        )
                    } else {
                        format!(
                            "the second user's {id} of the first user's resource answered {}",
                            e.status
                        )
                    };
                    failures.push(Failure::new(Rule::CrossUserWrite, message).with(&e));
                }
            }
            Failure::combine(failures)
        })
        .await
}

/// `value` (a read of the resource `id`) with each other record it embeds (an object below
/// its top whose `id` is another's: a user's `roles: [{"id": 3, "name": ...}]`) reduced to
/// that id: the run's own scenarios may rename the role meanwhile, which is no change of
/// the user's (Flask AppBuilder's user embeds its roles' names); a reference moved to
/// another record still is.
fn other_records_as_ids(value: &Value, id: &str, depth: usize) -> Value {
    match value {
        Value::Object(m) => {
            let other = m.get("id").filter(|v| {
                depth > 0
                    && v.as_str()
                        .map(String::from)
                        .unwrap_or_else(|| v.to_string())
                        != id
            });
            match other {
                Some(other) => serde_json::json!({ "id": other }),
                None => Value::Object(
                    m.iter()
                        .map(|(k, v)| (k.clone(), other_records_as_ids(v, id, depth + 1)))
                        .collect(),
                ),
            }
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| other_records_as_ids(v, id, depth + 1))
                .collect(),
        ),
        _ => value.clone(),
    }
}

/// The first member that differs between two versions of a resource, in words, leaving
/// out one that differs between `after` and `again` (a later read of the same): it changes
/// by itself. `None` when nothing else differs.
fn first_difference(before: &Value, after: &Value, again: Option<&Value>) -> Option<String> {
    let (Some(b), Some(a)) = (before.as_object(), after.as_object()) else {
        return again
            .is_none_or(|again| again == after)
            .then(|| "changed".into());
    };
    let steady = |k: &str| again.is_none_or(|again| again.get(k) == a.get(k));
    b.iter()
        .find(|(k, v)| a.get(*k) != Some(*v) && steady(k))
        .map(|(k, v)| {
            format!(
                "changed: `{k}` was {v} and is now {}",
                a.get(k).unwrap_or(&Value::Null)
            )
        })
}

// ---- function-level authorization --------------------------------------------------------

#[when("every operation of another role is called by the user")]
async fn other_roles(w: &mut AccordWorld) -> Outcome {
    let outcome = other_roles_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn other_roles_checked(w: &mut AccordWorld) -> Outcome {
    let ctx = w.ctx.clone();
    let ops = behaviour::other_roles(&ctx).await?;
    if ops.is_empty() {
        w.skip = Some(
            "no operation is known to need another role (the spec says none is an administrator's beside a documented 403; name them in behaviour.privileged_operations, or give the spec's OAuth2 scopes and a token with a `scope` claim)"
                .into(),
        );
        return Ok(());
    }
    let resources = resources(w);
    for (op, why, who) in ops {
        let safe = matches!(op.method.as_str(), "GET" | "HEAD" | "OPTIONS");
        if ctx.read_only() && !safe {
            continue;
        }
        // The spec's own example: the request a user of that role would send; a write's ids
        // name nothing (never the spec's sample ids, which may name real data).
        let mut request = behaviour::request(&ctx, &op, &behaviour::example_inputs(&ctx, &op));
        if !safe {
            behaviour::retarget(&mut request, &ctx.fill_path(&op));
        }
        let e = behaviour::send_as(&ctx, who, request).await?;
        // Accepted: a defect, and what it created is the run's to delete.
        behaviour::remember_created(&ctx, &op, &e, &resources, who);
        w.exchanges.push(e.clone());
        w.behaviour.roles.push((format!("{} ({why})", op.id), e));
    }
    Ok(())
}

#[then("each is refused with 401, 403 or 404")]
async fn other_roles_refused(w: &mut AccordWorld) -> Outcome {
    let outcome = other_roles_refused_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn other_roles_refused_checked(w: &mut AccordWorld) -> Outcome {
    let problems = w
        .behaviour
        .roles
        .iter()
        .filter(|(_, e)| !matches!(e.status, 401 | 403 | 404))
        .map(|(what, e)| {
            (
                format!("{what}: a user without that role was answered {}", e.status),
                None,
                e.clone(),
            )
        })
        .collect();
    report(Rule::FunctionLevel, problems)
}

// ---- negative ---------------------------------------------------------------------------

#[when("every operation is called with inputs that break one constraint each")]
async fn negative(w: &mut AccordWorld) -> Outcome {
    let outcome = negative_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn negative_checked(w: &mut AccordWorld) -> Outcome {
    let scenario = w.serial;
    behaviour::SCENARIO
        .scope(scenario, async move {
            let ctx = w.ctx.clone();
            let (ops, _) = behaviour::plan(&ctx);
            behaviour::prepare_referents(&ctx, &ops).await?;
            let resources = resources(w);
            behaviour::listed_bases(&ctx, &resources).await?;
            let mut ops: Vec<_> = ops.into_iter().map(|(o, _)| o).collect();
            // Malformed ids cannot reach a real resource: item reads and deletes take them too.
            if !ctx.read_only() {
                for r in &resources {
                    ops.extend(r.delete.iter().cloned());
                }
            }
            // The writes under a resource go under this scenario's own ones.
            if !ctx.read_only() && ops.iter().any(|o| behaviour::owned::owned(o, &resources)) {
                // A create that fails is the resource chain's finding, not this scenario's.
                let created = behaviour::create_each(&ctx, &resources, Identity::First).await;
                for c in created.unwrap_or_default().made {
                    w.exchanges.push(c.answer.clone());
                }
            }
            // The operations that write under no resource at once (bounded), then the writes
            // under this scenario's own resources, those under one resource in turn; the
            // findings in plan order, each operation's cases in turn (its search stops at its
            // first failure).
            let (free, owned): (Vec<_>, Vec<_>) = ops
                .into_iter()
                .partition(|op| !behaviour::owned::owned(op, &resources));
            let found = at_once(&ctx, &free, |op| negative_op(&ctx, op, &resources)).await;
            let found = per_operation(&ctx, &free, found, unanswered_problem)?;
            w.behaviour.negative.extend(found);
            let found = by_resource(&ctx, &owned, &resources, |op| {
                negative_op(&ctx, op, &resources)
            })
            .await;
            let found = per_operation(&ctx, &owned, found, unanswered_problem)?;
            w.behaviour.negative.extend(found);
            Ok(())
        })
        .await
}

/// The broken-input pass over one operation: what it sent, with the answers, in case order.
/// Its search stops at its first failure, as a fuzzer's does.
async fn negative_op(
    ctx: &Ctx,
    op: &OpInfo,
    resources: &[Resource],
) -> Result<Vec<Problem>, Failure> {
    let mut out = Vec::new();
    let own = behaviour::owned::owned(op, resources);
    if !behaviour::callable(ctx, op).await || behaviour::names_unmade(ctx, op) {
        return Ok(out);
    }
    // Whether the identity is refused the operation whatever it sends: asked once,
    // at its first 401 or 403.
    // The answer to a valid request of the operation: asked once, at its first
    // refusal of the identity (401, 403) or server error.
    let mut valid: Option<(String, Exchange)> = None;
    // A valid request of a write names an id the spec's example gives unless it goes
    // to the run's own resource: data the run did not create (a seeded record) is
    // never written to, so that comparison is not made, and the broken input's
    // answer is judged alone.
    let may_ask_valid = behaviour::safe(op) || !behaviour::has_path_params(op) || own;
    behaviour::learn_accepted(ctx, op, resources).await?;
    let cases = behaviour::negative_cases(ctx, op);
    let count = cases.len();
    for (i, (what, mut request)) in cases.into_iter().enumerate() {
        // An accepted case may have moved the run's resource: each goes where it is now.
        if own
            && !what.contains(" parameter `")
            && !behaviour::owned::own_path(ctx, op, &mut request)
        {
            break;
        }
        let minimal = behaviour::describe(&request);
        let who = behaviour::caller(ctx, op);
        let e = behaviour::send_as(ctx, who, request.clone()).await?;
        if e.status == 405 {
            out.push((format!("{}: {what}", op.id), minimal, e));
            ctx.http.note(not_allowed(&op.id, "broken-input pass"));
            break;
        }
        if e.status == 429 {
            ctx.http.note(rate_limited(&op.id, "broken-input pass"));
            break;
        }
        if (matches!(e.status, 401 | 403) || e.status >= 500) && may_ask_valid {
            if valid.is_none() {
                let mut request = behaviour::request(ctx, op, &behaviour::base_inputs(ctx, op));
                if own && !behaviour::owned::own_path(ctx, op, &mut request) {
                    break;
                }
                let v = behaviour::send_as(ctx, who, request.clone()).await?;
                behaviour::remember_created(ctx, op, &v, resources, who);
                valid = Some((behaviour::describe(&request), v));
            }
            let Some((described, v)) = &valid else {
                break;
            };
            // A refusal of the identity says nothing of the broken input: the
            // operation is left out here (its refusals are `@auth`'s and
            // `@errors`'), and the run says why.
            if matches!(e.status, 401 | 403) && matches!(v.status, 401 | 403) {
                ctx.http.note(format!(
                    "behaviour: {} is left out of the broken-input pass: a valid request is refused too ({}), so the identity may not call it",
                    op.id, v.status
                ));
                break;
            }
            // Nor does a server error that a valid request gets too: the operation
            // fails whatever it is sent (its code, or the backend's state), once.
            if e.status >= 500 && v.status >= 500 {
                out.push((
                    format!(
                        "{}: a valid request too (first met with {what}): the operation fails whatever it is sent, and the broken inputs after it were not sent{}",
                        op.id,
                        behaviour::state_hint(ctx, v)
                    ),
                    described.clone(),
                    v.clone(),
                ));
                break;
            }
        }
        behaviour::remember_created(ctx, op, &e, resources, who);
        behaviour::owned::follow_move(ctx, op, resources, &request, &e);
        // The operation's search stops at its first failure, as a fuzzer's does:
        // what it would still send could only add to what is wrong with it.
        let failed = negative_problem(ctx, &e).is_some();
        out.push((format!("{}: {what}", op.id), minimal, e));
        if failed && i + 1 < count {
            ctx.http.note(format!(
                "behaviour: {}: the broken-input pass stopped at its first failure ({what}); {} later case(s) not sent",
                op.id,
                count - i - 1
            ));
            break;
        }
    }
    Ok(out)
}

#[then("every answer is a 4xx in the error envelope")]
async fn negative_judged(w: &mut AccordWorld) -> Outcome {
    let outcome = negative_judged_checked(w).await;
    w.keep(&outcome);
    outcome
}

/// What is wrong with `e`, the answer to a broken input, if anything: it must be a 4xx in
/// the error envelope. A 5xx that is the backend's own answer (a 501, a 503 to whoever asks,
/// one the spec documents: [`behaviour::crashed`]) says the operation is not offered here,
/// before any input is read: nothing to judge.
fn negative_problem(ctx: &Ctx, e: &Exchange) -> Option<String> {
    if (200..300).contains(&e.status) {
        Some(format!("accepted with {}", e.status))
    } else if e.status >= 500 {
        behaviour::crashed(ctx, e).then(|| format!("a server error ({})", e.status))
    } else if !(400..500).contains(&e.status) {
        Some(format!("answered {}", e.status))
    } else {
        envelope_problem_beyond_spec(ctx, e).map(|p| format!("refused outside the envelope: {p}"))
    }
}

async fn negative_judged_checked(w: &mut AccordWorld) -> Outcome {
    let mut problems = Vec::new();
    for (what, minimal, e) in &w.behaviour.negative {
        if let Some(p) = negative_problem(&w.ctx, e) {
            problems.push((format!("{what}: {p}"), Some(minimal.clone()), e.clone()));
        }
    }
    let problems = judged_as_malformed_json(w, "broken-input", problems).await;
    report(
        Rule::Negative,
        fold_outside_envelope(problems, |p| &p.0, |p| &mut p.0),
    )
}

// ---- an expired token -------------------------------------------------------------------

#[when("the access token is left to expire")]
async fn expire(w: &mut AccordWorld) -> Outcome {
    let outcome = expire_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn expire_checked(w: &mut AccordWorld) -> Outcome {
    match w.ctx.expired_token().await {
        Ok(token) => {
            if let Some(tokens) = w.tokens.as_mut() {
                tokens.access = token;
            }
        }
        Err(reason) => w.skip = Some(reason.to_string()),
    }
    Ok(())
}

#[then("a secured operation refuses it with 401 and error=\"invalid_token\"")]
async fn expired_refused(w: &mut AccordWorld) -> Outcome {
    let outcome = expired_refused_checked(w).await;
    w.keep(&outcome);
    outcome
}

async fn expired_refused_checked(w: &mut AccordWorld) -> Outcome {
    if w.skip.is_some() {
        return Ok(());
    }
    let access = w.access()?;
    let Some(op) = w.ctx.probe_operation() else {
        w.skip = Some(super::refresh::NO_PROBE.into());
        return Ok(());
    };
    let request = w.ctx.request_for(&op).bearer(Some(&access));
    let e = w.send(request).await?;
    let expected = w.ctx.refusal_status(&op);
    if (200..300).contains(&e.status) {
        return Err(Failure::new(
            Rule::AuthExpired,
            format!("{} accepted an expired token ({})", op.id, e.status),
        )
        .with(&e));
    }
    if e.status != expected {
        return Err(Failure::new(
            Rule::AuthExpired,
            format!(
                "{} refused an expired token with {}, not {expected}",
                op.id, e.status
            ),
        )
        .with(&e));
    }
    // RFC 6750 §3.1: a bearer token's refusal says why; other schemes define no challenge.
    let bearer = w.ctx.http.placement().challenge() == Some("Bearer");
    let challenge = e
        .headers("www-authenticate")
        .join(", ")
        .to_ascii_lowercase();
    if bearer && e.status == 401 && !challenge.contains("invalid_token") {
        return Err(Failure::new(
            Rule::AuthExpired,
            "the 401 for an expired token lacks `error=\"invalid_token\"` in `WWW-Authenticate`",
        )
        .with(&e));
    }
    super::in_envelope(&w.ctx, &e)
}

#[cfg(test)]
mod tests {
    use super::location_target;

    /// Refusals outside the envelope for one reason are one problem naming the others; one
    /// for another reason, and any other problem, stay apart.
    #[test]
    fn refusals_outside_the_envelope_for_one_reason_are_said_once() {
        let plain = "refused outside the envelope: the error's Content-Type is text/plain, not application/json";
        let problems = vec![
            format!("create_todo: the body null: {plain}"),
            "create_todo: wrong type /done: a server error (500)".to_string(),
            format!("delete_todo: wrong type (path parameter `id`): {plain}"),
            "mark_done: wrong type /id: refused outside the envelope: the error's body is not JSON"
                .to_string(),
        ];
        let folded = super::fold_outside_envelope(problems, |p| p, |p| p);
        assert_eq!(
            folded,
            [
                format!("create_todo: the body null: {plain} (and 1 more refused alike: delete_todo: wrong type (path parameter `id`))"),
                "create_todo: wrong type /done: a server error (500)".to_string(),
                "mark_done: wrong type /id: refused outside the envelope: the error's body is not JSON".to_string(),
            ]
        );
    }

    /// A renamed role the user embeds is no change of the user; a changed name of the user,
    /// or a role swapped for another, is.
    #[test]
    fn another_record_a_resource_embeds_counts_by_its_id() {
        let user = |name: &str, role: u64, role_name: &str| {
            serde_json::json!({"id": 14, "result": {"id": 14, "first_name": name,
                "roles": [{"id": role, "name": role_name}], "changed_by": {"id": 1}}})
        };
        let own = |v: &serde_json::Value| super::other_records_as_ids(v, "14", 0);
        let before = own(&user("Ada", 3, "reader"));
        assert_eq!(own(&user("Ada", 3, "W")), before);
        assert_ne!(own(&user("Bob", 3, "reader")), before);
        assert_ne!(own(&user("Ada", 4, "reader")), before);
    }

    /// A `Location` resolves against the request it answered, as a browser resolves it: an
    /// absolute path is on the origin, not under the base URL's own path.
    #[test]
    fn a_location_resolves_as_a_browser_resolves_it() {
        let base = "http://127.0.0.1:9966/petclinic/api";
        let asked = "http://127.0.0.1:9966/petclinic/api/owners";
        assert_eq!(
            location_target(base, asked, "/petclinic/api/owners/55"),
            "/owners/55"
        );
        assert_eq!(
            location_target(base, asked, "/api/owners/55"),
            "http://127.0.0.1:9966/api/owners/55"
        );
        assert_eq!(
            location_target(base, "http://127.0.0.1:9966/petclinic/api/owners/", asked),
            "/owners"
        );
        assert_eq!(
            location_target(base, "http://127.0.0.1:9966/petclinic/api/owners/", "55"),
            "/owners/55"
        );
        assert_eq!(
            location_target("http://127.0.0.1:1", "http://127.0.0.1:1/items", "/items/7"),
            "/items/7"
        );
    }

    #[test]
    fn refused_values_let_through_are_said_once_per_operation() {
        let problem = |p: &str| {
            (
                p.to_string(),
                "PATCH /x".to_string(),
                crate::http::Exchange::none(),
            )
        };
        let folded = super::fold_acceptances(&[
            problem(
                "restart: 256 characters (body /name) accepted with 200, which the schema refuses",
            ),
            problem(
                "restart: a server error (500) for a NUL character (body /start) the schema admits",
            ),
            problem("restart: emoji (body /start) accepted with 200, which the schema refuses"),
            problem("restart: a path (body /start) accepted with 200, which the schema refuses"),
            problem("create: emoji (body /start) accepted with 201, which the schema refuses"),
        ]);
        let texts: Vec<&str> = folded.iter().map(|(p, _, _)| p.as_str()).collect();
        assert_eq!(
            texts,
            [
                "restart: 256 characters (body /name) accepted with 200, which the schema refuses (and 2 more refused value(s) accepted: emoji (body /start); a path (body /start))",
                "restart: a server error (500) for a NUL character (body /start) the schema admits",
                "create: emoji (body /start) accepted with 201, which the schema refuses",
            ]
        );
    }
}

#[cfg(test)]
mod fold_tests {
    use super::fold_gone;
    use crate::http::{Exchange, WENT_DOWN};

    #[test]
    fn what_met_the_backend_gone_is_one_line_after_the_findings() {
        let gone = |n: u32| {
            (
                format!("op: no answer for {n} (not sent: {WENT_DOWN}: it stopped answering)"),
                None,
                Exchange::none(),
            )
        };
        let found = (
            "op: a server error (500) for 0".to_string(),
            None,
            Exchange::none(),
        );
        let folded = fold_gone(vec![gone(1), found.clone(), gone(2), gone(3)]);
        assert_eq!(folded.len(), 2);
        assert_eq!(folded[0].0, found.0);
        assert!(folded[1].0.starts_with("3 request(s) got no answer once"));
        assert!(folded[1].0.contains(WENT_DOWN));
        assert_eq!(fold_gone(vec![gone(1)]).len(), 1);
    }
}

//! The boundary pass: before any random input, every operation's inputs at their edges, one
//! input at a time. Numbers at, just inside and just outside their bounds, and where none are
//! declared 0, -1 and the 32- and 64-bit limits and beyond; strings empty, at and beyond their
//! lengths, very long, with NUL and control characters, right-to-left and combining marks,
//! emoji, percent-encoded and path-like text; `null` where the schema admits it; arrays
//! empty, long and with duplicates; dates at the ends of the calendar. Each value is judged
//! in the form the schema gives it: one the schema admits must never get a 5xx; one it refuses
//! must get a 4xx. An ordinary value the schema admits (an empty string, `null`, a number at
//! its bound, an empty array: what a form sends) must not be refused as invalid either: the
//! spec then lets through what the backend refuses, and a typed client with it.

use serde_json::{Value, json};

use super::{Inputs, base_inputs, params, request};
use crate::context::{Ctx, OpInfo};
use crate::http::Request;

/// One boundary case: what it sets, whether the schema admits it, and the request.
#[derive(Debug, Clone)]
pub struct Case {
    pub what: String,
    pub admitted: bool,
    /// A value a frontend's form sends as a matter of course ([`ordinary`]).
    pub ordinary: bool,
    pub request: Request,
    /// The same request without the edge value: when it is refused too, a refusal of the
    /// case is about the backend's state (a conflict, a token the run does not hold), not
    /// about the value.
    pub base: Request,
    /// The cases this one sends in one request, each at its own field ([`group`]), all of
    /// them admitted or all refused: empty for one edge value. Admitted ones are settled by
    /// a 2xx, refused ones by the refusal that names them; otherwise each goes alone, or
    /// those a refusal names alone and the rest together again ([`Case::regroup`]).
    pub parts: Vec<Case>,
    /// The input the case sets, which a refusal may name ([`Case::regroup`]).
    pub field: Option<Field>,
    /// Whether the request of values together that held this one got a server error: a
    /// server error for it alone then recurs, in a request of its own.
    pub crashed_together: bool,
}

/// An input a boundary case sets: a query parameter (by name) or a place in the JSON body
/// (by pointer).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Field {
    Query(String),
    Body(String),
}

impl Field {
    /// The name a backend's validation error gives the input: the parameter's, or the
    /// body property's (the last of its pointer that is no array index).
    fn name(&self) -> &str {
        match self {
            Field::Query(name) => name,
            Field::Body(pointer) => pointer
                .rsplit('/')
                .find(|s| !s.is_empty() && s.parse::<usize>().is_err())
                .unwrap_or_default(),
        }
    }
}

/// Whether `text` has `name` as a word of its own (not inside a longer name): `"child"`,
/// `child must be a number`, `loc: ["body", "child"]`; not `children` or `child_id`.
fn names_word(text: &str, name: &str) -> bool {
    if name.is_empty() {
        return false;
    }
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == '-';
    text.match_indices(name).any(|(at, _)| {
        !text[..at].chars().next_back().is_some_and(word)
            && !text[at + name.len()..].chars().next().is_some_and(word)
    })
}

impl Case {
    /// The cases `parts`, all admitted or all refused, sent as one `request` (`base`
    /// without their values).
    fn together(parts: Vec<Case>, request: Request, base: Request) -> Case {
        Case {
            what: parts
                .iter()
                .map(|p| p.what.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            admitted: parts.iter().all(|p| p.admitted),
            ordinary: false,
            request,
            base,
            parts,
            field: None,
            crashed_together: false,
        }
    }

    /// This case of values together, refused with `refusal`: the values at the inputs the
    /// refusal names (a validation error's field, `{"child": ["Invalid pk"]}`) were refused
    /// by their own field's check, the others together again. One field refusing what the
    /// schema admits (a reference to nothing, a filter that parses dates) then costs a
    /// request of its own, not one per value beside it. Of the named values, an
    /// [`ordinary`] one goes alone, to be judged (refusing it is a spec gap), and so do
    /// kinds of text mixed in one; any other is settled: refusing it is the backend's
    /// right, and alone it meets the same check (a list's seven filters refusing a NUL each
    /// cost one request, not eight). A value the schema refuses that the refusal names is
    /// settled alike: refusing it is what the schema asks. `None` where the refusal names
    /// none of them: each goes alone.
    pub fn regroup(&self, refusal: &str) -> Option<Vec<Case>> {
        // Kinds of text the schema refuses, mixed in one value of one field: a refusal naming
        // the field is its own check's, as the schema asks, and settles them all.
        if !self.admitted
            && self
                .field
                .as_ref()
                .is_some_and(|f| names_word(refusal, f.name()))
        {
            return Some(Vec::new());
        }
        if self.field.is_some() {
            return None;
        }
        let named = |c: &Case| {
            c.field
                .as_ref()
                .is_some_and(|f| names_word(refusal, f.name()))
        };
        let (refused, rest): (Vec<Case>, Vec<Case>) =
            self.parts.iter().cloned().partition(|c| named(c));
        if refused.is_empty() {
            return None;
        }
        let mut out = Vec::new();
        if rest.len() == 1 {
            out.extend(rest);
        } else if !rest.is_empty() {
            let mut request = self.request.clone();
            for field in refused.iter().filter_map(|c| c.field.as_ref()) {
                reset(&mut request, &self.base, field);
            }
            out.push(Case::together(rest, request, self.base.clone()));
        }
        // Kinds of text the schema admits mixed in one value go alone too: the refusal may
        // be of one of them (markup), and another (a path) may crash alone. Those it refuses
        // are settled with their field.
        out.extend(
            refused
                .into_iter()
                .filter(|c| c.admitted && (c.ordinary || !c.parts.is_empty())),
        );
        Some(out)
    }

    /// What this case and each case inside it (at any depth) sets.
    pub fn names(&self) -> Vec<String> {
        let mut out = vec![self.what.clone()];
        for part in &self.parts {
            out.extend(part.names());
        }
        out
    }
}

/// Whether the edge named `what` (by [`edges`]) is a value a frontend sends as a matter of
/// course: `null`, an empty string or array, 0 and -1, a number or a length at its declared
/// bound. NUL and control characters, very long or huge values, markup and paths are not:
/// a backend refusing those where the schema is silent defends itself.
pub fn ordinary(what: &str) -> bool {
    matches!(
        what,
        "null"
            | "an empty string"
            | "an empty array"
            | "true"
            | "false"
            | "0"
            | "-1"
            | "an address with a + tag"
            | "an address at a domain reserved for testing"
    ) || what.starts_with("the minimum ")
        || what.starts_with("the maximum ")
        || what.starts_with("just above the minimum ")
        || what.starts_with("just below the maximum ")
        || what.ends_with(" characters (the minimum)")
        || what.ends_with(" characters (the maximum)")
}

/// Whether the parameter `p` takes only what the backend handed out (a page's cursor, a
/// continuation token: `?cursor=` with the last page's `next_cursor`): a frontend sends
/// those back as it got them, and a backend refusing any other value, an empty one too,
/// defends itself, whatever the schema's plain `string` admits.
fn handed_out(p: &super::Param) -> bool {
    let name = p.name.to_ascii_lowercase().replace(['-', '_'], "");
    let plain_text = p.schema.get("format").is_none();
    name.contains("cursor")
        || name.contains("continuation")
        || [
            "pagetoken",
            "nexttoken",
            "nextpagetoken",
            "startingafter",
            "endingbefore",
        ]
        .contains(&name.as_str())
        || (plain_text && ["after", "before"].contains(&name.as_str()))
}

/// Whether the edge `what` of the body property at `pointer` (of schema `prop`) must be
/// accepted where the schema admits it: an [`ordinary`] value, but 0 or -1 where the
/// property names a record ([`names_a_record`]: they name none), and anything in a file's
/// bytes (`format: binary`: no text a form sends in a JSON body; what the backend makes of
/// `""` there says nothing the spec could).
fn held_to_acceptance(pointer: &str, prop: &Value, what: &str) -> bool {
    let names_nothing = names_a_record(pointer) && matches!(what, "0" | "-1");
    let file = prop.get("format").and_then(Value::as_str) == Some("binary");
    ordinary(what) && !names_nothing && !file
}

/// Whether the body property at `pointer` names a record by its number, as its name says
/// (`user`, `owner_id`, `categoryId`, `parent_pk`), though the spec has no kind of resource
/// for it: 0 or -1 names none, and refusing it is the backend's right (Django's `"Invalid
/// pk \"0\" - object does not exist."`).
fn names_a_record(pointer: &str) -> bool {
    let Some(name) = pointer
        .rsplit('/')
        .find(|segment| segment.parse::<usize>().is_err())
    else {
        return false;
    };
    let lower = name.to_ascii_lowercase();
    name == "id"
        || ["_id", "-id", "_pk", "-pk"]
            .iter()
            .any(|end| lower.ends_with(end))
        || name.ends_with("Id")
        || name.ends_with("ID")
        || [
            "user", "owner", "author", "creator", "account", "parent", "member",
        ]
        .contains(&lower.as_str())
}

/// The statuses a request the schema admits may get without the spec being wrong: refused
/// credentials, a resource that is not there or in another state, a rate limit, a body too
/// large for the server.
const REFUSALS_NOT_OF_THE_INPUT: &[u16] = &[401, 403, 404, 409, 413, 429];

/// Whether the answer `e` to `case` is an ordinary admitted value refused as invalid, which
/// is reported only once the case's base request is accepted ([`Case::base`]).
pub fn needs_base(case: &Case, e: &crate::http::Exchange) -> bool {
    case.admitted && case.ordinary && admitted_refused(&case.what, e).is_some()
}

/// What is wrong with a 4xx answer to a request the schema admits, if it is a refusal of the
/// input: the spec lets through what the backend refuses.
pub fn admitted_refused(what: &str, e: &crate::http::Exchange) -> Option<String> {
    if !(400..500).contains(&e.status) || REFUSALS_NOT_OF_THE_INPUT.contains(&e.status) {
        return None;
    }
    // A value someone holds already (a username taken, an address registered) is a
    // conflict, whatever the status it comes with: the value is admitted, just not free.
    let text = String::from_utf8_lossy(&e.response_body).to_ascii_lowercase();
    if [
        "already exist",
        "already taken",
        "already registered",
        "already in use",
        "already used",
        "duplicate",
        "unique constraint",
    ]
    .iter()
    .any(|w| text.contains(w))
    {
        return None;
    }
    Some(format!(
        "{what}, which the schema admits, was refused with {}: {} (the spec does not state the constraint the backend enforces)",
        e.status,
        e.excerpt(200)
    ))
}

/// The kinds of text that go into one string where the schema admits them all (each kind
/// of character a backend may choke on, none of which is what makes a text alone: empty,
/// long, cut by a NUL, without a letter). A field takes them in one request, not six; if it
/// is refused or crashes, each is sent alone.
const MIXED: &[(&str, &str, &str)] = &[
    // What each is called, its text alone, and what of it goes into a mixed text.
    (
        "control characters",
        "accord\u{1}\u{1f}\u{7f}\u{8}",
        "\u{1}\u{1f}\u{7f}\u{8}",
    ),
    (
        "right-to-left and combining marks",
        "\u{202e}accord\u{301}\u{200d}",
        "\u{202e}a\u{301}\u{200d}",
    ),
    ("emoji", "accord \u{1F600}\u{1F680}", "\u{1F600}\u{1F680}"),
    ("percent-encoded text", "%00%2e%2e%2f%ZZ", "%00%2e%2e%2f%ZZ"),
    ("a path", "../../etc/passwd", "../../etc/passwd"),
    ("quotes and markup", "'\"<script>--;", "'\"<script>--;"),
];

/// A kind of text to mix ([`MIXED`]): its name, what of it goes into a mixed text, its
/// value alone (the case's own), and its case alone.
type Kind = (&'static str, &'static str, Value, Case);

/// Kinds of text mixed in one value: its case, and the value.
type Mixed = (Case, Value);

/// The edge values of `schema`, each named.
pub fn edges(doc: &Value, schema: &Value) -> Vec<(String, Value)> {
    let schema = accord_spec::follow_ref(doc, schema);
    let mut out: Vec<(String, Value)> = Vec::new();
    if schema.get("nullable") == Some(&Value::Bool(true))
        || schema
            .get("type")
            .and_then(Value::as_array)
            .is_some_and(|t| t.iter().any(|x| x == "null"))
    {
        out.push(("null".into(), Value::Null));
    }
    if schema.get("enum").is_some() {
        return out;
    }
    let kind = schema
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match kind {
        "integer" | "number" => {
            let int = kind == "integer";
            let n = |x: f64| if int { json!(x as i64) } else { json!(x) };
            let min = schema.get("minimum").and_then(Value::as_f64);
            let max = schema.get("maximum").and_then(Value::as_f64);
            if let Some(m) = min {
                out.push((format!("the minimum {m}"), n(m)));
                out.push((format!("just above the minimum {m}"), n(m + 1.0)));
                out.push((format!("just below the minimum {m}"), n(m - 1.0)));
            }
            if let Some(m) = max {
                out.push((format!("the maximum {m}"), n(m)));
                out.push((format!("just below the maximum {m}"), n(m - 1.0)));
                out.push((format!("just above the maximum {m}"), n(m + 1.0)));
            }
            for (what, v) in [
                ("0", json!(0)),
                ("-1", json!(-1)),
                ("the 32-bit maximum", json!(i32::MAX)),
                ("past the 32-bit maximum", json!(i64::from(i32::MAX) + 1)),
                ("past the 32-bit minimum", json!(i64::from(i32::MIN) - 1)),
                ("the 64-bit maximum", json!(i64::MAX)),
                ("the 64-bit minimum", json!(i64::MIN)),
                ("past the 64-bit maximum", json!(u64::MAX)),
            ] {
                out.push((what.into(), v));
            }
            if !int {
                out.push(("a huge float".into(), json!(1e308)));
            }
        }
        "string" => {
            let min = schema.get("minLength").and_then(Value::as_u64);
            let max = schema.get("maxLength").and_then(Value::as_u64);
            out.push(("an empty string".into(), json!("")));
            if let Some(m) = min.filter(|m| *m > 1 && *m <= crate::sample::LONGEST_TEXT) {
                out.push((
                    format!("{m} characters (the minimum)"),
                    json!("x".repeat(m as usize)),
                ));
                out.push((
                    format!("{} characters (below the minimum)", m - 1),
                    json!("x".repeat(m as usize - 1)),
                ));
            }
            if let Some(m) = max.filter(|m| *m <= crate::sample::LONGEST_TEXT) {
                out.push((
                    format!("{m} characters (the maximum)"),
                    json!("x".repeat(m as usize)),
                ));
                out.push((
                    format!("{} characters (past the maximum)", m + 1),
                    json!("x".repeat(m as usize + 1)),
                ));
            }
            out.push(("10000 characters".into(), json!("x".repeat(10_000))));
            let format = schema
                .get("format")
                .and_then(Value::as_str)
                .map(accord_validate::canonical_format)
                .unwrap_or_default();
            match format {
                "date-time" => {
                    out.push(("the first date-time".into(), json!("0001-01-01T00:00:00Z")));
                    out.push(("the last date-time".into(), json!("9999-12-31T23:59:59Z")));
                }
                "date" => {
                    out.push(("the first date".into(), json!("0001-01-01")));
                    out.push(("the last date".into(), json!("9999-12-31")));
                }
                "uuid" => {
                    out.push((
                        "the nil UUID".into(),
                        json!("00000000-0000-0000-0000-000000000000"),
                    ));
                }
                // Addresses people sign up with: a `+` tag (a mail filter), and one at a
                // domain reserved for testing (RFC 2606, RFC 6761), as QA's staging accounts are.
                "email" => {
                    out.push((
                        "an address with a + tag".into(),
                        json!("accord+tag@example.com"),
                    ));
                    out.push((
                        "an address at a domain reserved for testing".into(),
                        json!("accord@example.test"),
                    ));
                }
                _ => {}
            }
            out.push(("a NUL character".into(), json!("accord\u{0}nul")));
            for (what, text, _) in MIXED {
                out.push(((*what).into(), json!(text)));
            }
            // Nothing a slug can be made of: a backend that names what it creates by a slug
            // of the title may create something it can never find again.
            out.push((
                "no ASCII letter or digit".into(),
                json!("\u{1F600}\u{1F680}\u{2728}"),
            ));
        }
        "array" => {
            let item = schema
                .get("items")
                .map(|i| crate::sample::valid(doc, i))
                .unwrap_or(json!("accord"));
            out.push(("an empty array".into(), json!([])));
            out.push((
                "two equal items".into(),
                json!([item.clone(), item.clone()]),
            ));
            let long = schema
                .get("maxItems")
                .and_then(Value::as_u64)
                .map(|m| m + 1)
                .unwrap_or(1000)
                .min(1000) as usize;
            out.push((format!("{long} items"), Value::Array(vec![item; long])));
        }
        // Both values: Python's `if done:` where `if done is not None:` was meant fails on
        // `false` alone (Litestar's example, broken).
        "boolean" => {
            out.push(("true".into(), json!(true)));
            out.push(("false".into(), json!(false)));
        }
        _ => {}
    }
    out
}

/// The body properties to set, as JSON pointers with their schemas: the top level, and one
/// level into nested objects (`/article/title`).
fn body_slots(doc: &Value, schema: &Value, at: &str, depth: usize, out: &mut Vec<(String, Value)>) {
    let schema = accord_spec::follow_ref(doc, schema);
    let mut props: Vec<(&String, &Value)> = schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|m| m.iter().collect())
        .unwrap_or_default();
    for member in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let member = accord_spec::follow_ref(doc, member);
        props.extend(
            member
                .get("properties")
                .and_then(Value::as_object)
                .into_iter()
                .flatten(),
        );
    }
    let names: Vec<&str> = props.iter().map(|(n, _)| n.as_str()).collect();
    for (name, prop) in &props {
        let pointer = format!("{at}/{}", accord_spec::escape_token(name));
        let prop = accord_spec::follow_ref(doc, prop);
        // A second entry of a password takes the first's value as it is sent: its edges
        // are the first's.
        if prop.get("readOnly") == Some(&Value::Bool(true))
            || crate::sample::confirms(name, names.iter().copied()).is_some()
        {
            continue;
        }
        if prop.get("type").and_then(Value::as_str) == Some("object") && depth < 2 {
            body_slots(doc, prop, &pointer, depth + 1, out);
        }
        out.push((pointer, prop.clone()));
    }
}

/// Appends `-{mark}` to each free-text string of `body` (no format, pattern or enum; within
/// its `maxLength`; a user name's without the `-`: [`mark_separator`]), and `mark` to the
/// local part of each email address (an account's, which
/// a backend keeps unique).
fn distinguish(doc: &Value, slots: &[(String, Value)], body: &mut Value, mark: &str) {
    for (pointer, prop) in slots {
        let prop = accord_spec::follow_ref(doc, prop);
        let free = free_text(prop);
        let Some(text) = body.pointer(pointer).and_then(Value::as_str) else {
            continue;
        };
        if email(prop) {
            set(body, pointer, json!(own_address(text, mark)));
            continue;
        }
        if !free {
            continue;
        }
        let suffix = format!("{}{mark}", mark_separator(pointer));
        let max = prop
            .get("maxLength")
            .and_then(Value::as_u64)
            .map_or(usize::MAX, |m| m as usize);
        let keep = max.saturating_sub(suffix.len());
        if keep == 0 {
            continue;
        }
        let text: String = text.chars().take(keep).collect::<String>() + &suffix;
        set(body, pointer, json!(text));
    }
}

/// The body `valid` made case `n`'s own ([`distinguish`], by `tag` and `n`), with the
/// request it goes in when `twin` (the base without the edge value goes alone). A body the
/// backend accepted from the run ([`super::base_inputs`]) holds times of a moment ago: each
/// case's, and its twin's, are hours apart from every other's, as its free text differs,
/// so that one request's period does not meet another's (Baby Buddy refuses a pumping
/// that overlaps another, and would refuse a case for its base's).
fn case_base(
    ctx: &Ctx,
    op: &OpInfo,
    slots: &[(String, Value)],
    valid: &Value,
    (tag, n): (&str, usize),
    twin: bool,
) -> Value {
    let mut unique = valid.clone();
    distinguish(ctx.doc(), slots, &mut unique, &format!("{tag}{n}"));
    if super::accepted_known(ctx, op) {
        // The run's and the operation's mark first, so that runs and operations differ.
        let slot = u64::from_str_radix(tag, 16).unwrap_or(0) % 400 + 2 * n as u64 + u64::from(twin);
        if let Some(moved) = super::recent_of(ctx, op, &unique, super::Lane::Boundary.slot(slot)) {
            unique = moved;
        }
    }
    unique
}

/// What goes between a text and the run's mark at `pointer`: a `-`, but nothing in a user
/// name ([`crate::sample::account_name`]), whose rule may take letters and digits alone.
fn mark_separator(pointer: &str) -> &'static str {
    let name = accord_spec::unescape_token(pointer.rsplit('/').next().unwrap_or_default());
    if crate::sample::account_name(&name) {
        ""
    } else {
        "-"
    }
}

/// A string of `format: email` (and no pattern or enum, which the mark could break).
fn email(prop: &Value) -> bool {
    prop.get("format").and_then(Value::as_str) == Some("email")
        && ["pattern", "enum"].iter().all(|k| prop.get(*k).is_none())
}

/// The address `text` made a case's own: `mark` appended to its local part (`a@b.c` to
/// `a7@b.c`), so that an account's email, which a backend keeps unique, differs from case to
/// case; anything that is not an address is kept.
fn own_address(text: &str, mark: &str) -> String {
    match text.rsplit_once('@') {
        Some((local, domain)) if !local.is_empty() && !local.ends_with('"') => {
            format!("{local}{mark}@{domain}")
        }
        _ => text.to_string(),
    }
}

/// A string any text may fill: no format, pattern or enum.
fn free_text(prop: &Value) -> bool {
    prop.get("type").and_then(Value::as_str) == Some("string")
        && ["format", "pattern", "enum"]
            .iter()
            .all(|k| prop.get(*k).is_none())
}

/// The edge value `text` made this case's own, its edge kept: a run of `x` (a length at or
/// past a bound) ends with `tag` at the same length, other text gets `tag` appended where
/// `max` leaves room. The same NUL title sent to a create and then to an update would
/// otherwise collide on what the backend keeps unique (a slug), and the 500 of that clash
/// be blamed on the NUL.
fn own_value(text: &str, tag: &str, max: Option<usize>) -> String {
    let len = text.chars().count();
    if len == 0 {
        return text.to_string();
    }
    // Text without an ASCII letter or digit keeps none: its mark is written in emoji.
    let tag: String = if text.chars().any(|c| c.is_ascii_alphanumeric()) {
        tag.to_string()
    } else {
        tag.chars()
            .filter(char::is_ascii_alphanumeric)
            .filter_map(|c| {
                let offset = match c {
                    '0'..='9' => c as u32 - '0' as u32,
                    _ => 10 + (c.to_ascii_lowercase() as u32 - 'a' as u32),
                };
                char::from_u32(0x1F330 + offset)
            })
            .collect()
    };
    let tag = tag.as_str();
    if text.chars().all(|c| c == 'x') {
        if len <= tag.len() {
            return text.to_string();
        }
        return "x".repeat(len - tag.len()) + tag;
    }
    if max.is_some_and(|m| len + tag.len() > m) {
        return text.to_string();
    }
    format!("{text}{tag}")
}

/// `request` with `field` as `base` has it (left out where `base` has none).
fn reset(request: &mut Request, base: &Request, field: &Field) {
    match field {
        Field::Query(name) => {
            let key = format!("{}=", crate::http::urlencode(name));
            let pairs = |target: &str| -> Vec<String> {
                target
                    .split_once('?')
                    .map(|(_, q)| q.split('&').map(str::to_string).collect())
                    .unwrap_or_default()
            };
            let path = crate::http::without_query(&request.target).to_string();
            let mut query: Vec<String> = pairs(&request.target)
                .into_iter()
                .filter(|p| !p.starts_with(&key))
                .collect();
            query.extend(
                pairs(&base.target)
                    .into_iter()
                    .filter(|p| p.starts_with(&key)),
            );
            request.target = if query.is_empty() {
                path
            } else {
                format!("{path}?{}", query.join("&"))
            };
        }
        Field::Body(pointer) => {
            let (crate::http::Body::Json(body), crate::http::Body::Json(base)) =
                (&mut request.body, &base.body)
            else {
                return;
            };
            match base.pointer(pointer) {
                Some(value) => set(body, pointer, value.clone()),
                None => {
                    let (parent, last) = pointer.rsplit_once('/').unwrap_or(("", pointer));
                    if let Some(map) = body.pointer_mut(parent).and_then(Value::as_object_mut) {
                        map.remove(&accord_spec::unescape_token(last));
                    }
                }
            }
        }
    }
}

/// Sets `pointer` in `value` (creating objects on the way).
pub(super) fn set(value: &mut Value, pointer: &str, new: Value) {
    let mut here = value;
    let tokens: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(accord_spec::unescape_token)
        .collect();
    for (i, token) in tokens.iter().enumerate() {
        if !here.is_object() {
            *here = json!({});
        }
        let Some(map) = here.as_object_mut() else {
            return;
        };
        if i + 1 == tokens.len() {
            map.insert(token.clone(), new);
            return;
        }
        here = map.entry(token.clone()).or_insert_with(|| json!({}));
    }
}

/// Whether `value` can travel as a header parameter's value: HTTP has no header value with
/// NUL or another control character but a tab (a client cannot send one; it is no input the
/// backend could be given), and an optional header sent empty is, to most servers, the
/// header left out (Kinto's `If-Match`), not a value refused.
fn header_value(value: &Value, required: bool) -> bool {
    let text = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    (required || !text.is_empty()) && !text.chars().any(|c| c.is_control() && c != '\t')
}

/// The boundary cases of `op`, at most `limit` (parameters first, then the body).
pub fn cases(ctx: &Ctx, op: &OpInfo, limit: usize) -> Vec<Case> {
    let doc = ctx.doc();
    // A mark of the operation and the run, so that its cases' text differs from another
    // operation's, and from an earlier run's: what a backend keeps unique (a username, a
    // title's slug, an address) stays taken after a run that cannot delete it, and a case
    // meeting its own earlier value would be a conflict, not a verdict on the value (and,
    // sent with others, split into one request each).
    let tag = format!(
        "{:05x}",
        op.id
            .bytes()
            .fold(ctx.seed as u32 ^ (ctx.seed >> 32) as u32, |h, b| {
                h.wrapping_mul(31).wrapping_add(u32::from(b))
            })
            & 0xfffff
    );
    let validator = accord_validate::Validator::new(doc, accord_validate::Direction::Request);
    let base = base_inputs(ctx, op);
    let mut out = Vec::new();
    let safe = matches!(op.method.as_str(), "GET" | "HEAD" | "OPTIONS");
    // The admitted query values, each with its parameter and value, for sending together;
    // and the refused ones, which go together apart from them.
    let mut queries: Vec<(Case, (String, Value))> = Vec::new();
    let mut refused_queries: Vec<(Case, (String, Value))> = Vec::new();
    let all_params = params(ctx, op);
    let on_read = read_shares_queries(ctx, op, &all_params);
    let kinds = super::kinds(ctx);
    for p in all_params.iter().cloned() {
        // A path parameter names a resource: only reads take odd ones.
        if p.location == "path" && !safe {
            continue;
        }
        if on_read.contains(&p.name) {
            continue;
        }
        for (what, value) in edges(doc, &p.schema) {
            // Text parameters cannot carry a JSON null: leaving one out is its null. An empty
            // path segment is another route (`/items/` is the list), not an odd id.
            if (value.is_null() && p.location != "query")
                || (p.location == "path" && value.as_str() == Some(""))
                || (p.location == "header" && !header_value(&value, p.required))
            {
                continue;
            }
            let admitted = validator.is_valid(&p.schema, &value);
            // A filter naming another resource (Label Studio's `?project=`, its
            // `projects`) takes the ids the backend has: refusing one that names nothing
            // (`Select a valid choice`) is its right, as for a body's reference.
            let reference = super::referent(&p.name, &kinds, &op.path).is_some();
            let names_nothing =
                names_a_record(&format!("/{}", p.name)) && matches!(what.as_str(), "0" | "-1");
            let ordinary = ordinary(&what) && !handed_out(&p) && !reference && !names_nothing;
            let mut inputs: Inputs = base.clone();
            inputs
                .params
                .retain(|(q, _)| !(q.name == p.name && q.location == p.location));
            inputs.params.push((p.clone(), value.clone()));
            let case = Case {
                what: format!("{what} ({} parameter `{}`)", p.location, p.name),
                admitted,
                ordinary,
                request: request(ctx, op, &inputs),
                base: request(ctx, op, &base),
                parts: Vec::new(),
                field: (p.location == "query").then(|| Field::Query(p.name.clone())),
                crashed_together: false,
            };
            if p.location == "query" {
                let key = (format!("/{}", p.name), value);
                if admitted {
                    queries.push((case, key));
                } else {
                    refused_queries.push((case, key));
                }
            } else {
                out.push(case);
            }
        }
    }
    // The admitted query values go together, one per parameter, as the body's do below: a
    // list of a dozen filters (Django's) takes each parameter's edges in a few requests, not
    // a dozen each; an answer other than a 2xx sends each alone.
    let groups = group(queries, true)
        .into_iter()
        .chain(group(refused_queries, false));
    for members in groups {
        if members.len() == 1 {
            out.extend(members.into_iter().map(|(case, _)| case));
            continue;
        }
        let mut inputs: Inputs = base.clone();
        for (_, (name, value)) in &members {
            let p = all_params
                .iter()
                .find(|p| p.location == "query" && format!("/{}", p.name) == *name);
            if let Some(p) = p {
                inputs
                    .params
                    .retain(|(q, _)| !(q.name == p.name && q.location == "query"));
                inputs.params.push((p.clone(), value.clone()));
            }
        }
        let parts = members.into_iter().map(|(case, _)| case).collect();
        out.push(Case::together(
            parts,
            request(ctx, op, &inputs),
            request(ctx, op, &base),
        ));
    }
    let params_cases = out.len();
    // Each body case's field and value, for sending admitted ones together.
    let mut edits: Vec<(String, Value)> = Vec::new();
    let mut together = None;
    // The request of `op` with this body and the example's parameters.
    let with = |body| {
        request(
            ctx,
            op,
            &Inputs {
                params: base.params.clone(),
                body: Some(body),
            },
        )
    };
    // A form's fields are text: no field is its `null`, and a nested object has no form.
    let form = ctx.form_body(op);
    if let (Some(schema), Some(valid)) = (ctx.body_schema(op), base.body.clone()) {
        let mut slots = Vec::new();
        body_slots(doc, &schema, "", 0, &mut slots);
        let policy = ctx.profile.behaviour.policy_pointers(&op.id);
        // A property naming another resource by id (or the id inside the object that names
        // one): 0 or -1 names nothing, and refusing it is the backend's right, whatever the
        // schema admits.
        let slots_of_references = super::reference_slots(ctx, op);
        let references: Vec<String> = slots_of_references
            .iter()
            .map(|slot| slot.pointer.clone())
            .collect();
        // A list of references takes its edges (empty, two equal items, long) made of the
        // one the run made: the example's item names someone else's.
        let own_item = |pointer: &str| {
            slots_of_references
                .iter()
                .find(|slot| slot.list && slot.pointer == pointer)
                .and_then(|slot| super::made_value(ctx, slot, super::caller(ctx, op)))
        };
        let mut n = 0;
        // One body case at `pointer`: `value` there in a body of its own.
        let case = |n: usize, pointer: &str, what: String, value: Value, ordinary: bool| {
            let unique = case_base(ctx, op, &slots, &valid, (&tag, n), false);
            let mut body = case_base(ctx, op, &slots, &valid, (&tag, n), true);
            set(&mut body, pointer, value.clone());
            let admitted = validator.is_valid(&schema, &body);
            Case {
                what: format!("{what} (body {pointer})"),
                admitted,
                ordinary,
                request: with(body),
                base: with(unique),
                parts: Vec::new(),
                field: Some(Field::Body(pointer.to_string())),
                crashed_together: false,
            }
        };
        for (pointer, prop) in &slots {
            let prop = accord_spec::follow_ref(doc, prop);
            let max = prop
                .get("maxLength")
                .and_then(Value::as_u64)
                .map(|m| m as usize);
            // The case's own form of an edge value.
            let own = |text: &str, n: usize| {
                if email(prop) {
                    own_address(text, &format!("{tag}{n}"))
                } else if free_text(prop) {
                    own_value(text, &format!("{}{tag}{n}", mark_separator(pointer)), max)
                } else {
                    text.to_string()
                }
            };
            // The admitted texts that go into one ([`MIXED`]), each with its case.
            let mut mixed: Vec<Kind> = Vec::new();
            // And the refused ones (each kind is no date, no address, outside the pattern):
            // one value of them all, which the field's own check refuses once.
            let mut refused_kinds: Vec<Kind> = Vec::new();
            if form && pointer[1..].contains('/') {
                continue;
            }
            let item = own_item(pointer);
            for (what, value) in edges(doc, prop) {
                if form && value.is_null() {
                    continue;
                }
                let value = match (&item, value) {
                    (Some(item), Value::Array(items)) => {
                        Value::Array(items.iter().map(|_| item.clone()).collect())
                    }
                    (_, value) => value,
                };
                // Free text elsewhere in the body differs from case to case, so that a title
                // the backend keeps unique does not make every case after the first a conflict.
                n += 1;
                let value = match value.as_str() {
                    Some(text) => json!(own(text, n)),
                    None => value,
                };
                // A deployment's policy restricts this field beyond the spec: its refusals
                // are no spec gap (a 5xx still is a crash).
                let ordinary = held_to_acceptance(pointer, prop, &what)
                    && !policy.contains(&pointer.as_str())
                    && !references
                        .iter()
                        .any(|r| pointer == r || pointer.starts_with(&format!("{r}/")));
                let one = case(n, pointer, what.clone(), value.clone(), ordinary);
                let raw = MIXED.iter().find(|(name, _, _)| *name == what);
                match raw {
                    Some((name, _, core)) if one.admitted && !email(prop) => {
                        mixed.push((name, core, value, one));
                    }
                    Some((name, _, core)) if !one.admitted => {
                        refused_kinds.push((name, core, value, one));
                    }
                    _ => {
                        out.push(one);
                        edits.push((pointer.clone(), value));
                    }
                }
            }
            // The texts mixed into as few as the field's bounds admit: accepted, each of
            // them is; otherwise each is sent alone. A field takes the kinds of character in
            // one or two requests, not six.
            let mut mix = |chunk: &[Kind]| {
                n += 1;
                let text: Vec<&str> = chunk.iter().map(|(_, text, _, _)| *text).collect();
                let raw = format!("accord{}", text.concat());
                let owned = own(&raw, n);
                // Free text too long for its mark is no wider chunk: it could be an earlier
                // run's, and a conflict then would send each kind again alone.
                let marked = !free_text(prop) || owned != raw;
                let value = json!(owned);
                let names: Vec<&str> = chunk.iter().map(|(name, _, _, _)| *name).collect();
                let all = case(
                    n,
                    pointer,
                    format!("text mixing {}", names.join(", ")),
                    value.clone(),
                    false,
                );
                (all, value, marked)
            };
            // The refused kinds in one value, refused too: a refusal naming the field settles
            // them all; accepted, or a crash, sends each alone.
            if refused_kinds.len() > 1
                && let (all, value, _) = mix(&refused_kinds)
                && !all.admitted
            {
                let mut all = all;
                all.parts = refused_kinds.drain(..).map(|(_, _, _, c)| c).collect();
                out.push(all);
                edits.push((pointer.clone(), value));
            }
            for (_, _, value, one) in refused_kinds {
                out.push(one);
                edits.push((pointer.clone(), value));
            }
            // Each chunk of kinds, and the case mixing them once there are two.
            let mut chunks: Vec<(Vec<Kind>, Option<Mixed>)> = Vec::new();
            for kind in mixed {
                if let Some((chunk, all)) = chunks.last_mut() {
                    let mut wider = chunk.clone();
                    wider.push(kind.clone());
                    let (with, value, marked) = mix(&wider);
                    if with.admitted && marked {
                        *chunk = wider;
                        *all = Some((with, value));
                        continue;
                    }
                }
                chunks.push((vec![kind], None));
            }
            for (chunk, all) in chunks {
                match all {
                    Some((mut all, value)) => {
                        all.parts = chunk.into_iter().map(|(_, _, _, c)| c).collect();
                        out.push(all);
                        edits.push((pointer.clone(), value));
                    }
                    None => {
                        for (_, _, value, one) in chunk {
                            out.push(one);
                            edits.push((pointer.clone(), value));
                        }
                    }
                }
            }
        }
        together = Some((schema, valid, slots, n));
    }
    out.truncate(limit);
    let Some((schema, valid, slots, n)) = together else {
        return out;
    };
    // The admitted body values go together, one per field, in as few requests as their
    // fields allow: an accepted request holds every one of them at once, and an account or
    // a resource made for each alone would cost a password hash, and be left behind, apiece.
    let body_cases = out.split_off(params_cases.min(out.len()));
    let (admitted, refused): (Vec<_>, Vec<_>) = body_cases
        .into_iter()
        .zip(edits)
        .partition(|(case, _)| case.admitted);
    // The refused ones go together too, apart from the admitted: a refusal that names each
    // field it refuses (Django REST framework's, FastAPI's) settles six in one request.
    let mut n = n;
    let groups = group(admitted, false)
        .into_iter()
        .chain(group(refused, false));
    for members in groups {
        if members.len() == 1 {
            out.extend(members.into_iter().map(|(case, _)| case));
            continue;
        }
        n += 1;
        let unique = case_base(ctx, op, &slots, &valid, (&tag, n), false);
        let mut body = case_base(ctx, op, &slots, &valid, (&tag, n), true);
        for (_, (pointer, value)) in &members {
            set(&mut body, pointer, value.clone());
        }
        let admitted = members.iter().all(|(case, _)| case.admitted);
        if admitted && !validator.is_valid(&schema, &body) {
            out.extend(members.into_iter().map(|(case, _)| case));
            continue;
        }
        let parts = members.into_iter().map(|(case, _)| case).collect();
        out.push(Case::together(parts, with(body), with(unique)));
    }
    out
}

/// The query parameters of `op`, a write, that the read of its path takes too, alike (its
/// name and schema): their edges go to the read alone. A generated spec puts a view's
/// filters on every method of its routes (Django REST framework's on an item's GET, PUT,
/// PATCH and DELETE), and one filter code serves them all: on Baby Buddy each write sent
/// the read's dozen filters' edges again, some four hundred requests. Noted once per path.
fn read_shares_queries(ctx: &Ctx, op: &OpInfo, own: &[super::Param]) -> Vec<String> {
    if matches!(op.method.as_str(), "GET" | "HEAD" | "OPTIONS") {
        return Vec::new();
    }
    let Some(read) = ctx
        .operations()
        .iter()
        .map(|(o, _)| o)
        .find(|o| o.path == op.path && o.method == "GET" && !o.websocket())
    else {
        return Vec::new();
    };
    let theirs = params(ctx, read);
    let shared: Vec<String> = own
        .iter()
        .filter(|p| p.location == "query")
        .filter(|p| {
            theirs
                .iter()
                .any(|q| q.location == "query" && q.name == p.name && q.schema == p.schema)
        })
        .map(|p| p.name.clone())
        .collect();
    if !shared.is_empty() {
        ctx.http.note(format!(
            "behaviour: the boundary pass sends the query parameters that GET {} takes too ({}) to the GET alone, not to its writes: one code reads them for every method",
            op.path,
            shared.join(", ")
        ));
    }
    shared
}

/// Whether `case` sets a query parameter of `op` whose schema is a number.
pub fn numeric_query(ctx: &Ctx, op: &OpInfo, case: &Case) -> bool {
    let Some(Field::Query(name)) = &case.field else {
        return false;
    };
    params(ctx, op).iter().any(|p| {
        p.location == "query"
            && &p.name == name
            && matches!(
                accord_spec::follow_ref(ctx.doc(), &p.schema)
                    .get("type")
                    .and_then(Value::as_str),
                Some("integer" | "number")
            )
    })
}

/// The most values one request carries together: a failure splits it into this many.
const TOGETHER: usize = 6;

/// `cases` (each with the field it sets and its value) in groups of at most [`TOGETHER`],
/// no two in a group setting one field, or a field and one inside it; in their order. With
/// `one_number`, no two numbers either: query numbers are a page's `limit` and `offset`,
/// and an offset past the end answers an empty page before the limit that crashes alone
/// (Django's `limit=2^64`) is ever used.
fn group(
    cases: Vec<(Case, (String, Value))>,
    one_number: bool,
) -> Vec<Vec<(Case, (String, Value))>> {
    let clash = |(a, x): (&str, &Value), (b, y): (&str, &Value)| {
        a == b
            || a.starts_with(&format!("{b}/"))
            || b.starts_with(&format!("{a}/"))
            || (one_number && x.is_number() && y.is_number())
    };
    let mut groups: Vec<Vec<(Case, (String, Value))>> = Vec::new();
    for case in cases {
        let (pointer, value) = case.1.clone();
        match groups.iter_mut().find(|g| {
            g.len() < TOGETHER
                && g.iter()
                    .all(|(_, (p, v))| !clash((p, v), (&pointer, &value)))
        }) {
            Some(g) => g.push(case),
            None => groups.push(vec![case]),
        }
    }
    groups
}

/// Whether the refusal `e` of the admitted `case` names another input of `op` (a body
/// property or a parameter) and not the case's own: Vikunja refuses a project without the
/// `title` its spec does not require, whatever edge value `position` holds
/// (`"invalid_fields": ["title: non zero value required"]`), which says nothing of that value.
pub fn refuses_another_input(
    ctx: &Ctx,
    op: &OpInfo,
    case: &Case,
    e: &crate::http::Exchange,
) -> bool {
    let Some(own) = case
        .field
        .as_ref()
        .map(Field::name)
        .filter(|_| case.admitted)
    else {
        return false;
    };
    let text = e.text();
    if !(400..500).contains(&e.status) || names_word(&text, own) {
        return false;
    }
    let mut slots = Vec::new();
    if let Some(schema) = ctx.body_schema(op) {
        body_slots(ctx.doc(), &schema, "", 0, &mut slots);
    }
    let mut names: Vec<String> = slots
        .iter()
        .map(|(pointer, _)| Field::Body(pointer.clone()).name().to_string())
        .collect();
    names.extend(
        ctx.parameters(op)
            .iter()
            .filter_map(|p| p.get("name").and_then(Value::as_str).map(String::from)),
    );
    names
        .iter()
        .any(|name| name != own && name.len() > 2 && names_word(&text, name))
}

/// Why an answer to a boundary case is wrong, if it is.
pub fn problem(ctx: &Ctx, case: &Case, e: &crate::http::Exchange) -> Option<String> {
    if super::crashed(ctx, e) {
        return Some(format!(
            "a server error ({}) for {} the schema {}",
            e.status,
            case.what,
            if case.admitted { "admits" } else { "refuses" }
        ));
    }
    if case.admitted {
        return case
            .ordinary
            .then(|| admitted_refused(&case.what, e))
            .flatten();
    }
    if (200..300).contains(&e.status) {
        return Some(format!(
            "{} accepted with {}, which the schema refuses",
            case.what, e.status
        ));
    }
    if (400..500).contains(&e.status) {
        // What the answer breaks of the spec's declaration for its status (a media type,
        // the body's schema) is one spec finding of its own, not one problem per edge case.
        return crate::envelope::envelope_problem_beyond_spec(ctx, e)
            .map(|p| format!("{}: refused outside the envelope: {p}", case.what));
    }
    None
}

#[cfg(test)]
mod tests {
    #[test]
    fn values_go_together_one_per_field_and_never_a_field_with_one_inside_it() {
        let case = |pointer: &str, n: u32| {
            let what = format!("{n} ({pointer})");
            (
                Case {
                    what,
                    admitted: true,
                    ordinary: false,
                    request: Request::new("POST", "/x"),
                    base: Request::new("POST", "/x"),
                    parts: Vec::new(),
                    field: None,
                    crashed_together: false,
                },
                (pointer.to_string(), json!(n)),
            )
        };
        let mut cases = Vec::new();
        for pointer in ["/user/name", "/user/bio", "/user"] {
            cases.extend((0..3).map(|n| case(pointer, n)));
        }
        cases.extend((0..8).map(|n| case(&format!("/f{n}"), 9)));
        let groups: Vec<Vec<String>> = super::group(cases, false)
            .into_iter()
            .map(|g| g.into_iter().map(|(c, _)| c.what).collect())
            .collect();
        // Round by round: each field's n-th value beside the others'; `/user` (which holds
        // the other two) never beside them; at most six in a request.
        assert_eq!(
            groups[0],
            [
                "0 (/user/name)",
                "0 (/user/bio)",
                "9 (/f0)",
                "9 (/f1)",
                "9 (/f2)",
                "9 (/f3)"
            ]
        );
        assert_eq!(
            groups[1],
            [
                "1 (/user/name)",
                "1 (/user/bio)",
                "9 (/f4)",
                "9 (/f5)",
                "9 (/f6)",
                "9 (/f7)"
            ]
        );
        assert_eq!(groups[2], ["2 (/user/name)", "2 (/user/bio)"]);
        assert_eq!(groups[3], ["0 (/user)"]);
        assert_eq!(groups.len(), 6);
    }

    #[test]
    fn query_numbers_never_go_together() {
        let case = |name: &str, value: Value| {
            (
                Case {
                    what: format!("{value} ({name})"),
                    admitted: true,
                    ordinary: false,
                    request: Request::new("GET", "/x"),
                    base: Request::new("GET", "/x"),
                    parts: Vec::new(),
                    field: None,
                    crashed_together: false,
                },
                (format!("/{name}"), value),
            )
        };
        let cases = vec![
            case("limit", json!(0)),
            case("offset", json!(0)),
            case("name", json!("")),
        ];
        let whats = |groups: Vec<Vec<(Case, (String, Value))>>| -> Vec<Vec<String>> {
            groups
                .into_iter()
                .map(|g| g.into_iter().map(|(c, _)| c.what).collect())
                .collect()
        };
        assert_eq!(
            whats(super::group(cases.clone(), true)),
            [vec!["0 (limit)", "\"\" (name)"], vec!["0 (offset)"]]
        );
        assert_eq!(super::group(cases, false).len(), 1);
    }

    #[test]
    fn a_refusal_naming_some_values_settles_them_and_sends_the_rest_together() {
        let part = |field: Field, what: &str, target: &str, body: Value| Case {
            what: what.into(),
            admitted: true,
            ordinary: what.starts_with('0'),
            request: Request::new("POST", target).body(crate::http::Body::Json(body)),
            base: Request::new("POST", "/x").body(crate::http::Body::Json(json!({"name": "n"}))),
            parts: Vec::new(),
            field: Some(field),
            crashed_together: false,
        };
        let parts = vec![
            part(
                Field::Body("/code".into()),
                "0 (code)",
                "/x",
                json!({"name": "n", "code": 0}),
            ),
            part(
                Field::Body("/note".into()),
                "\"\" (note)",
                "/x",
                json!({"name": "n", "note": ""}),
            ),
            part(
                Field::Body("/tags/0".into()),
                "tag",
                "/x",
                json!({"name": "n", "tags": ["a"]}),
            ),
            part(
                Field::Query("child".into()),
                "child",
                "/x?child=%00",
                json!({"name": "n"}),
            ),
        ];
        // Kinds of text mixed in one title.
        let mut mixed = part(
            Field::Body("/title".into()),
            "text mixing markup, a path",
            "/x",
            json!({"name": "n", "title": "<../"}),
        );
        mixed.parts = vec![mixed.clone()];
        let mut parts = parts;
        parts.push(mixed);
        let together = Case::together(
            parts,
            Request::new("POST", "/x?child=%00&page=2").body(crate::http::Body::Json(
                json!({"name": "n", "code": 0, "note": "", "tags": ["a"], "title": "<../"}),
            )),
            Request::new("POST", "/x?page=2").body(crate::http::Body::Json(json!({"name": "n"}))),
        );
        // DRF names the fields it refuses; `children` and `code_id` are other names.
        let regrouped = together
            .regroup(r#"{"code": ["Invalid pk"], "child": ["Null characters"], "children": 1, "code_id": 2}"#)
            .expect("two of four named");
        let whats: Vec<&str> = regrouped.iter().map(|c| c.what.as_str()).collect();
        // The ordinary 0 alone, to be judged; the NUL the filter refused is settled.
        assert_eq!(
            whats,
            ["\"\" (note), tag, text mixing markup, a path", "0 (code)"]
        );
        let rest = &regrouped[0];
        assert_eq!(rest.request.target, "/x?page=2");
        assert_eq!(
            rest.request.body,
            crate::http::Body::Json(
                json!({"name": "n", "note": "", "tags": ["a"], "title": "<../"})
            )
        );
        // A refusal naming none of them sends each alone.
        assert!(together.regroup(r#"{"detail": "Bad Request"}"#).is_none());
        // One naming every one sends the ordinary ones alone, and the kinds of text mixed
        // in one (markup refused may hide a path that crashes).
        let all = together
            .regroup("code note tags child title")
            .expect("all named");
        let whats: Vec<&str> = all.iter().map(|c| c.what.as_str()).collect();
        assert_eq!(whats, ["0 (code)", "text mixing markup, a path"]);
        assert!(names_word("child must be a number", "child"));
        assert!(!names_word("children", "child"));
    }

    #[test]
    fn an_edge_value_is_made_the_case_s_own_with_its_edge_kept() {
        assert_eq!(
            own_value("accord\u{0}nul", "-a1", None),
            "accord\u{0}nul-a1"
        );
        assert_eq!(own_value("xxxxxx", "-a1", Some(6)), "xxx-a1");
        assert_eq!(own_value("", "-a1", None), "");
        // Text with no ASCII letter or digit keeps none: its mark is in emoji, still its own.
        let (a, b) = (
            own_value("\u{1F600}\u{00E9}", "-a1", None),
            own_value("\u{1F600}\u{00E9}", "-a2", None),
        );
        assert_ne!(a, b);
        assert!(!a.chars().any(|c| c.is_ascii_alphanumeric()), "{a}");
        assert_eq!(own_value("abc", "-a1", Some(4)), "abc");
    }

    use super::*;

    #[test]
    fn a_file_s_bytes_and_a_record_s_number_are_not_held_to_being_accepted() {
        let text = json!({"type": "string"});
        let file = json!({"type": "string", "format": "binary", "nullable": true});
        let number = json!({"type": "integer"});
        assert!(super::held_to_acceptance("/name", &text, "an empty string"));
        assert!(!super::held_to_acceptance(
            "/picture",
            &file,
            "an empty string"
        ));
        assert!(super::held_to_acceptance("/amount", &number, "0"));
        assert!(!super::held_to_acceptance("/child_id", &number, "0"));
        assert!(!super::held_to_acceptance("/user", &number, "-1"));
        assert!(super::held_to_acceptance("/user", &number, "the minimum 1"));
    }

    #[test]
    fn a_property_named_for_a_record_is_one_that_0_names_nothing_in() {
        for named in [
            "/user",
            "/owner_id",
            "/categoryId",
            "/items/0/parent_pk",
            "/id",
        ] {
            assert!(super::names_a_record(named), "{named}");
        }
        for plain in ["/paid", "/amount", "/valid", "/users/0", "/grid"] {
            assert!(!super::names_a_record(plain), "{plain}");
        }
    }

    #[test]
    fn a_length_bound_no_request_reaches_is_no_edge() {
        // JHipster's spec: `@Size(max = Integer.MAX_VALUE)`; a text one past it is 2 GiB.
        let huge =
            json!({"type": "string", "minLength": 2_147_483_647u64, "maxLength": 2_147_483_647u64});
        let all = edges(&json!({}), &huge);
        assert!(
            !all.is_empty()
                && all
                    .iter()
                    .all(|(_, v)| v.as_str().is_none_or(|t| t.len() <= 100_000)),
            "{:?}",
            all.iter().map(|(w, _)| w).collect::<Vec<_>>()
        );
        let broken = crate::behaviour::mutate::broken_values(&huge, false);
        assert!(
            broken
                .iter()
                .all(|(_, v)| v.as_str().is_none_or(|t| t.len() <= 100_000)),
            "{:?}",
            broken.iter().map(|(w, _)| w).collect::<Vec<_>>()
        );
        let sample = crate::sample::valid(&json!({}), &huge);
        assert_eq!(sample.as_str().map(str::len), Some(100_000));
    }

    #[test]
    fn edges_cover_bounds_limits_and_text_that_crashes_backends() {
        let doc = json!({});
        let ints = edges(
            &doc,
            &json!({"type": "integer", "minimum": 0, "maximum": 50}),
        );
        let values: Vec<&Value> = ints.iter().map(|(_, v)| v).collect();
        for v in [
            json!(0),
            json!(1),
            json!(-1),
            json!(50),
            json!(49),
            json!(51),
            json!(i64::MAX),
            json!(i64::MIN),
        ] {
            assert!(values.contains(&&v), "{v} missing from {ints:?}");
        }
        let strings = edges(
            &doc,
            &json!({"type": "string", "maxLength": 5, "nullable": true}),
        );
        let texts: Vec<String> = strings.iter().map(|(_, v)| v.to_string()).collect();
        assert!(texts.iter().any(|t| t.contains("\\u0000")), "{texts:?}");
        assert!(strings.iter().any(|(_, v)| v.is_null()));
        assert!(
            strings
                .iter()
                .any(|(_, v)| v.as_str().is_some_and(|s| s.len() == 6))
        );
        assert!(edges(&doc, &json!({"type": "string", "enum": ["a"]})).is_empty());
        let mut body = json!({"article": {"title": "t"}});
        set(&mut body, "/article/views", json!(null));
        assert_eq!(body, json!({"article": {"title": "t", "views": null}}));
    }

    #[test]
    fn free_text_and_addresses_differ_from_case_to_case_within_their_form() {
        let doc = json!({});
        let schema = json!({"type": "object", "properties": {"article": {"type": "object", "properties": {
            "title": {"type": "string", "maxLength": 8},
            "body": {"type": "string"},
            "email": {"type": "string", "format": "email"}}}}});
        let mut slots = Vec::new();
        body_slots(&doc, &schema, "", 0, &mut slots);
        let mut body =
            json!({"article": {"title": "accord-title", "body": "b", "email": "a@b.co"}});
        distinguish(&doc, &slots, &mut body, "12");
        assert_eq!(
            body,
            json!({"article": {"title": "accor-12", "body": "b-12", "email": "a12@b.co"}})
        );
    }

    #[test]
    fn only_what_a_form_sends_is_held_to_being_accepted() {
        let doc = json!({});
        let held = |schema: Value| -> Vec<String> {
            edges(&doc, &schema)
                .into_iter()
                .map(|(what, _)| what)
                .filter(|what| ordinary(what))
                .collect()
        };
        assert_eq!(
            held(json!({"type": "string", "minLength": 2, "maxLength": 5, "nullable": true})),
            [
                "null",
                "an empty string",
                "2 characters (the minimum)",
                "5 characters (the maximum)"
            ]
        );
        assert_eq!(
            held(json!({"type": "integer", "minimum": 1, "maximum": 9})),
            [
                "the minimum 1",
                "just above the minimum 1",
                "the maximum 9",
                "just below the maximum 9",
                "0",
                "-1"
            ]
        );
        assert_eq!(held(json!({"type": "array"})), ["an empty array"]);
        assert_eq!(
            held(json!({"type": "string", "format": "email"})),
            [
                "an empty string",
                "an address with a + tag",
                "an address at a domain reserved for testing"
            ]
        );
        // Each case's address is its own, its edge kept; what is no address is left alone.
        assert_eq!(
            own_address("accord+tag@example.com", "4e2"),
            "accord+tag4e2@example.com"
        );
        assert_eq!(
            own_address("accord@example.test", "7"),
            "accord7@example.test"
        );
        assert_eq!(own_address("no address", "7"), "no address");
        assert_eq!(own_address("@example.com", "7"), "@example.com");
        let refused = |status: u16| {
            let mut e = crate::http::Exchange::none();
            e.status = status;
            e.response_body = br#"{"errors": {"body": ["can't be blank"]}}"#.to_vec();
            admitted_refused("an empty string (body /article/body)", &e)
        };
        assert!(
            refused(400)
                .is_some_and(|m| m.contains("refused with 400") && m.contains("can't be blank"))
        );
        assert!(refused(422).is_some());
        for status in [401, 403, 404, 409, 413, 429, 500, 201] {
            assert_eq!(refused(status), None, "{status}");
        }
        // A value taken already is a conflict, whatever its status.
        let mut taken = crate::http::Exchange::none();
        taken.status = 400;
        taken.response_body = br#"{"errors": ["user with this username already exists"]}"#.to_vec();
        assert_eq!(
            admitted_refused("an empty string (body /user/username)", &taken),
            None
        );
    }
}

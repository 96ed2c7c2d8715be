//! What changed between two versions of a spec, and which changes break the API's clients.
//!
//! Both documents are loaded by `accord-spec`, so OpenAPI 3.0 and 3.1 are compared in the
//! same normalized shape the generators read. Operations are matched by method and path
//! template (parameter names ignored); parameters by location and name; schemas are walked
//! in the direction they travel: tightening a request breaks clients, tightening a response
//! does not, and the other way round. A change reached through a `$ref` is reported once,
//! with every operation it affects. Every finding is located by JSON pointer in both
//! documents.

mod report;
pub mod rules;
mod schema;
mod walk;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use accord_spec::{Spec, join};
use serde_json::{Value, json};

pub use report::{Finding, Report};
pub use rules::{Rule, Severity};
use schema::*;

/// What identifies a finding: its rule and where it is on each side.
type Key = (Rule, Option<String>, Option<String>);

/// A pair of schemas as walked: both pointers, and what else the walk's verdicts depend
/// on (the direction, the nullability a one-member `allOf` wrapper lends each side, and
/// where the pair stands: see [`Within`]).
type Pair = (String, String, [bool; 3], Within);

/// Where a schema pair stands, when that changes a verdict on it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
struct Within {
    /// An alternative of a request's oneOf/anyOf: null is judged for the whole (another
    /// alternative may take it), not for the member alone.
    alternative: bool,
    /// A member of an `allOf`: the properties the rest of it (its parent and the other
    /// members) requires, old and new. A member dropping `id` from its `required` makes
    /// nothing optional while another member still requires it.
    required_beside: (BTreeSet<String>, BTreeSet<String>),
}

struct Diff<'a> {
    old: &'a Value,
    new: &'a Value,
    /// (rule, old pointer, new pointer) -> finding, so a change reached from many
    /// operations is one finding listing them all.
    found: BTreeMap<Key, Finding>,
    /// Every finding's key, in the order reported: what a walk found is the part of it
    /// written while the walk ran.
    trail: Vec<Key>,
    /// Each schema pair compared once: a pair met again (a `$ref` shared by many
    /// operations) credits the findings its walk reported to the new operation instead of
    /// walking again.
    memo: HashMap<Pair, std::rc::Rc<Vec<Key>>>,
    /// The pairs being walked now, with their depth: a pair met again inside its own walk
    /// is a cycle.
    walking: HashMap<Pair, usize>,
    /// The shallowest depth the walk under way reached back to through a cycle.
    cycle_low: usize,
    /// Pairs walked inside a cycle through a pair still being walked, with the depth their
    /// walk reached back to: kept in `memo` with that pair's findings once it is done.
    pending: Vec<Pair>,
    pending_low: HashMap<Pair, usize>,
    /// Set just before a member of a composition is walked, taken by `schema`.
    within: Within,
    /// Set by `compare` just before it calls `properties`, taken there.
    required_beside: (BTreeSet<String>, BTreeSet<String>),
}

/// Compares two loaded specs.
pub fn diff(old: &Spec, new: &Spec) -> Report {
    let mut d = Diff {
        old: &old.document,
        new: &new.document,
        found: BTreeMap::new(),
        trail: Vec::new(),
        memo: HashMap::new(),
        walking: HashMap::new(),
        cycle_low: usize::MAX,
        pending: Vec::new(),
        pending_low: HashMap::new(),
        within: Within::default(),
        required_beside: Default::default(),
    };
    d.operations();
    d.webhooks();
    // Changes reaching only operations the old document calls `draft` or `alpha` break no
    // promise (as oasdiff reads `x-stability-level`).
    let levels: BTreeMap<String, String> = operations(&old.document)
        .values()
        .filter_map(|o| {
            let level = o.op.get("x-stability-level")?.as_str()?;
            Some((o.label(), level.to_string()))
        })
        .collect();
    for f in d.found.values_mut() {
        let unstable: BTreeSet<&str> = f
            .operations
            .iter()
            .map(|o| levels.get(o).map_or("stable", String::as_str))
            .collect();
        if !f.operations.is_empty() && unstable.iter().all(|l| matches!(*l, "draft" | "alpha")) {
            let level = unstable.into_iter().collect::<Vec<_>>().join(", ");
            if f.rule.severity() == Severity::Breaking {
                f.message.push_str(&format!(
                    " (`x-stability-level: {level}`: no promise broken)"
                ));
            }
            f.unstable = Some(level);
        }
    }
    let mut findings: Vec<Finding> = d.found.into_values().collect();
    findings.sort_by(|a, b| {
        (a.severity(), a.rule.id(), &a.new, &a.old).cmp(&(
            b.severity(),
            b.rule.id(),
            &b.new,
            &b.old,
        ))
    });
    Report { findings }
}

/// `/items/{item_id}` -> `/items/{}`: templates match whatever their parameters are named.
fn template(path: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in path.chars() {
        match c {
            '{' => {
                inside = true;
                out.push_str("{}");
            }
            '}' => inside = false,
            c if !inside => out.push(c),
            _ => {}
        }
    }
    out
}

struct Op<'a> {
    path: &'a str,
    method: &'a str,
    pointer: String,
    op: &'a Value,
    shared: Option<&'a Value>,
}

impl Op<'_> {
    /// `GET /items`: how findings name the operation.
    fn label(&self) -> String {
        format!("{} {}", self.method.to_uppercase(), self.path)
    }
}

fn operations(doc: &Value) -> BTreeMap<(String, String), Op<'_>> {
    accord_spec::json_operations(doc.get("paths"))
        .into_iter()
        .map(|o| {
            (
                (template(o.path), o.method.to_string()),
                Op {
                    path: o.path,
                    method: o.method,
                    pointer: o.pointer("/paths"),
                    op: o.op,
                    shared: o.item.get("parameters"),
                },
            )
        })
        .collect()
}

impl<'a> Diff<'a> {
    fn report(
        &mut self,
        rule: Rule,
        message: String,
        old: Option<String>,
        new: Option<String>,
        operation: &str,
    ) {
        self.trail.push((rule, old.clone(), new.clone()));
        let entry = self
            .found
            .entry((rule, old.clone(), new.clone()))
            .or_insert_with(|| Finding {
                rule,
                message,
                old,
                new,
                operations: Vec::new(),
                unstable: None,
            });
        if !entry.operations.iter().any(|o| o == operation) {
            entry.operations.push(operation.to_string());
        }
    }

    fn operations(&mut self) {
        let old_ops = operations(self.old);
        let new_ops = operations(self.new);
        let new_paths: BTreeSet<String> = new_ops.keys().map(|(p, _)| p.clone()).collect();
        let today = today();
        for (key, op) in &old_ops {
            let label = format!("{} {}", op.method.to_uppercase(), op.path);
            let sunset = op
                .op
                .get("x-sunset")
                .and_then(Value::as_str)
                .filter(|date| date.get(..10).is_some_and(|d| d <= today.as_str()));
            match new_ops.get(key) {
                None if sunset.is_some() => self.report(
                    Rule::OperationRemovedAfterSunset,
                    format!(
                        "{label} removed after its sunset ({})",
                        sunset.unwrap_or_default()
                    ),
                    Some(op.pointer.clone()),
                    None,
                    &label,
                ),
                None if !new_paths.contains(&key.0) => {
                    let pointer = join("/paths", op.path);
                    self.report(
                        Rule::PathRemoved,
                        format!("path `{}` removed", op.path),
                        Some(pointer),
                        None,
                        &label,
                    );
                }
                None => self.report(
                    Rule::OperationRemoved,
                    format!("{label} removed"),
                    Some(op.pointer.clone()),
                    None,
                    &label,
                ),
                Some(new_op) => {
                    let rank = |o: &Op<'_>| {
                        let level = o.op.get("x-stability-level").and_then(Value::as_str);
                        let rank = match level {
                            Some("draft") => 0,
                            Some("alpha") => 1,
                            Some("beta") => 2,
                            _ => 3,
                        };
                        (rank, level.unwrap_or("stable").to_string())
                    };
                    let ((was, old_level), (is, new_level)) = (rank(op), rank(new_op));
                    if is < was {
                        self.report(
                            Rule::StabilityDecreased,
                            format!("{label}: stability `{old_level}` became `{new_level}`"),
                            Some(op.pointer.clone()),
                            Some(join(&new_op.pointer, "x-stability-level")),
                            &label,
                        );
                    }
                    let deprecated = |o: &Op<'_>| o.op.get("deprecated") == Some(&json!(true));
                    if deprecated(new_op) && !deprecated(op) {
                        let sunset = new_op
                            .op
                            .get("x-sunset")
                            .and_then(Value::as_str)
                            .map(|d| format!(", to be removed on {d}"))
                            .unwrap_or_default();
                        self.report(
                            Rule::OperationDeprecated,
                            format!("{label} is deprecated{sunset}"),
                            Some(op.pointer.clone()),
                            Some(join(&new_op.pointer, "deprecated")),
                            &label,
                        );
                    }
                    self.operation(op, new_op, &label);
                }
            }
        }
        for (key, op) in &new_ops {
            if !old_ops.contains_key(key) {
                let label = format!("{} {}", op.method.to_uppercase(), op.path);
                self.report(
                    Rule::OperationAdded,
                    format!("{label} added"),
                    None,
                    Some(op.pointer.clone()),
                    &label,
                );
            }
        }
    }

    /// The webhooks (`x-webhooks`, as the loader keeps a 3.1 document's `webhooks`): one
    /// removed breaks its subscribers; the payload of one kept is what they parse, compared
    /// as an answer is.
    fn webhooks(&mut self) {
        let hooks = |doc: &'a Value| -> Vec<(String, &'a str, &'a Value)> {
            accord_spec::json_operations(doc.get("x-webhooks"))
                .into_iter()
                .map(|o| (o.path.to_string(), o.method, o.op))
                .collect()
        };
        let new_hooks = hooks(self.new);
        for (name, method, op) in hooks(self.old) {
            let label = format!("webhook {name} ({})", method.to_uppercase());
            let optr = join(&join("/x-webhooks", &name), method);
            let Some((_, _, new_op)) = new_hooks
                .iter()
                .find(|(n, m, _)| *n == name && *m == method)
            else {
                self.report(
                    Rule::WebhookRemoved,
                    format!("{label} removed"),
                    Some(optr),
                    None,
                    &label,
                );
                continue;
            };
            let nptr = join(&join("/x-webhooks", &name), method);
            if let (Some(ob), Some(nb)) = (op.get("requestBody"), new_op.get("requestBody")) {
                let (ob, obp) = follow(self.old, ob, &join(&optr, "requestBody"));
                let (nb, nbp) = follow(self.new, nb, &join(&nptr, "requestBody"));
                self.content(
                    Side::new(ob, &obp),
                    Side::new(nb, &nbp),
                    Direction::Response,
                    "the event's payload",
                    &label,
                );
            }
        }
    }

    fn operation(&mut self, old: &Op<'_>, new: &Op<'_>, label: &str) {
        self.parameters(old, new, label);
        self.request_body(old, new, label);
        self.responses(old, new, label);
        self.security(old, new, label);
    }

    /// The parameters of an operation, path-item ones included, by (location, name).
    fn params(doc: &Value, op: &Op<'_>) -> BTreeMap<(String, String), (Value, String)> {
        let mut out = BTreeMap::new();
        let lists = [
            (op.shared, join(&join("/paths", op.path), "parameters")),
            (op.op.get("parameters"), join(&op.pointer, "parameters")),
        ];
        for (list, base) in lists {
            for (i, p) in list
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let (p, pointer) = follow(doc, p, &join(&base, &i.to_string()));
                let place = p.get("in").and_then(Value::as_str).unwrap_or_default();
                let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
                out.insert((place.to_string(), name.to_string()), (p.clone(), pointer));
            }
        }
        out
    }

    fn parameters(&mut self, old: &Op<'_>, new: &Op<'_>, label: &str) {
        let olds = Self::params(self.old, old);
        let news = Self::params(self.new, new);
        let required = |p: &Value| p.get("required") == Some(&json!(true));
        for ((place, name), (op, optr)) in &olds {
            if place == "path" {
                // Path parameters are matched by the template, whatever they are named.
                continue;
            }
            match news.get(&(place.clone(), name.clone())) {
                Some((np, nptr)) => {
                    if !required(op) && required(np) {
                        self.report(
                            Rule::ParameterMadeRequired,
                            format!("{place} parameter `{name}` is now required"),
                            Some(optr.clone()),
                            Some(nptr.clone()),
                            label,
                        );
                    }
                    if let (Some(os), Some(ns)) = (op.get("schema"), np.get("schema")) {
                        // A query parameter of style form, exploded (the default), is sent
                        // once per value: one value is a list of one.
                        let repeated = place == "query"
                            && np.get("style").is_none_or(|s| s == "form")
                            && np.get("explode") != Some(&json!(false));
                        self.parameter_schema(
                            Side::new(os, &join(optr, "schema")),
                            Side::new(ns, &join(nptr, "schema")),
                            place,
                            name,
                            repeated,
                            label,
                        );
                    }
                }
                None => {
                    let moved = news
                        .iter()
                        .find(|((p, n), _)| n == name && p != place)
                        .map(|((p, _), (_, ptr))| (p.clone(), ptr.clone()));
                    match moved {
                        Some((to, nptr)) => self.report(
                            Rule::ParameterMoved,
                            format!("parameter `{name}` moved from the {place} to the {to}"),
                            Some(optr.clone()),
                            Some(nptr),
                            label,
                        ),
                        None => self.report(
                            Rule::ParameterRemoved,
                            format!("{place} parameter `{name}` removed"),
                            Some(optr.clone()),
                            None,
                            label,
                        ),
                    }
                }
            }
        }
        for ((place, name), (np, nptr)) in &news {
            if place == "path" || olds.contains_key(&(place.clone(), name.clone())) {
                continue;
            }
            if olds.keys().any(|(p, n)| n == name && p != place) {
                continue; // reported as moved
            }
            let rule = if required(np) {
                Rule::ParameterAddedRequired
            } else {
                Rule::ParameterAddedOptional
            };
            self.report(
                rule,
                format!(
                    "{} {place} parameter `{name}` added",
                    if required(np) { "required" } else { "optional" }
                ),
                None,
                Some(nptr.clone()),
                label,
            );
        }
        // Path parameters by position: their schemas.
        let positional = |params: &BTreeMap<(String, String), (Value, String)>, path: &str| {
            path.split('/')
                .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
                .filter_map(|n| params.get(&("path".to_string(), n.to_string())).cloned())
                .collect::<Vec<_>>()
        };
        let (op_path, np_path) = (positional(&olds, old.path), positional(&news, new.path));
        for ((op, optr), (np, nptr)) in op_path.iter().zip(np_path.iter()) {
            let name = np.get("name").and_then(Value::as_str).unwrap_or_default();
            if let (Some(os), Some(ns)) = (op.get("schema"), np.get("schema")) {
                self.parameter_schema(
                    Side::new(os, &join(optr, "schema")),
                    Side::new(ns, &join(nptr, "schema")),
                    "path",
                    name,
                    false,
                    label,
                );
            }
        }
    }

    fn parameter_schema(
        &mut self,
        Side {
            value: old,
            at: optr,
        }: Side<'_>,
        Side {
            value: new,
            at: nptr,
        }: Side<'_>,
        place: &str,
        name: &str,
        repeated: bool,
        label: &str,
    ) {
        let (o, optr) = follow(self.old, old, optr);
        let (n, nptr) = follow(self.new, new, nptr);
        let what = format!("{place} parameter `{name}`");
        let ty = |s: &Value| s.get("type").and_then(Value::as_str).map(str::to_string);
        if repeated
            && ty(n).as_deref() == Some("array")
            && !matches!(ty(o).as_deref(), Some("array" | "object"))
            && let Some(items) = n.get("items")
        {
            // `?tag=a` is a list of one: compared with the list's items, every value sent
            // before is still taken unless the items refuse it.
            self.report(
                Rule::TypeCompatible,
                format!("{what}: one value became a list of them (`?{name}=a&{name}=b`); one value is a list of one"),
                Some(optr.clone()),
                Some(nptr.clone()),
                label,
            );
            let items_ptr = join(&nptr, "items");
            let (old, new) = (Side::new(o, &optr), Side::new(items, &items_ptr));
            return self.parameter_schema(old, new, place, name, false, label);
        }
        if let Some(change) = type_change(o, n, Direction::Request) {
            self.report(
                Rule::ParameterTypeChanged,
                format!("{what}: {change}"),
                Some(optr),
                Some(nptr),
                label,
            );
            return;
        }
        self.narrowed(
            o,
            n,
            (&optr, &nptr),
            (Rule::ParameterEnumNarrowed, Rule::ParameterTightened),
            &what,
            label,
        );
        if admits_nothing(n) && !admits_nothing(o) {
            self.report(
                Rule::ParameterTightened,
                format!("{what}: no value is accepted any more (the schema `false`)"),
                Some(optr.clone()),
                Some(nptr.clone()),
                label,
            );
        }
        let pointers = (optr.as_str(), nptr.as_str());
        let rules = (Rule::ParameterEnumAdded, Rule::ParameterDefaultChanged);
        self.newly_restricted(o, n, pointers, rules, &what, label);
        // What is inside: an array's items, a deepObject's properties.
        self.properties(
            Side::new(o, &optr),
            Side::new(n, &nptr),
            Direction::Request,
            &what,
            label,
        );
        if let (Some(os), Some(ns)) = (o.get("items"), n.get("items"))
            && os.is_object()
            && ns.is_object()
        {
            self.schema(
                Side::new(os, &join(&optr, "items")),
                Side::new(ns, &join(&nptr, "items")),
                Direction::Request,
                &format!("{what} items"),
                label,
            );
        }
    }

    fn request_body(&mut self, old: &Op<'_>, new: &Op<'_>, label: &str) {
        let (Some(nb), optr_base, nptr_base) = (
            new.op.get("requestBody"),
            join(&old.pointer, "requestBody"),
            join(&new.pointer, "requestBody"),
        ) else {
            if old.op.get("requestBody").is_some() {
                self.report(
                    Rule::RequestBodyRemoved,
                    "the request body is no longer taken".into(),
                    Some(join(&old.pointer, "requestBody")),
                    None,
                    label,
                );
            }
            return;
        };
        let (nb, nptr) = follow(self.new, nb, &nptr_base);
        let required = |b: &Value| b.get("required") == Some(&json!(true));
        let Some(ob) = old.op.get("requestBody") else {
            if required(nb) {
                self.report(
                    Rule::RequestBodyMadeRequired,
                    "a request body is now required".into(),
                    None,
                    Some(nptr),
                    label,
                );
            }
            return;
        };
        let (ob, optr) = follow(self.old, ob, &optr_base);
        if !required(ob) && required(nb) {
            self.report(
                Rule::RequestBodyMadeRequired,
                "the request body is now required".into(),
                Some(optr.clone()),
                Some(nptr.clone()),
                label,
            );
        }
        self.content(
            Side::new(ob, &optr),
            Side::new(nb, &nptr),
            Direction::Request,
            "the request body",
            label,
        );
    }

    /// The media types of a request body or a response: each one removed, and the schemas
    /// of those kept, in `direction`.
    fn content(
        &mut self,
        old_side: Side<'_>,
        new_side: Side<'_>,
        direction: Direction,
        what: &str,
        label: &str,
    ) {
        let (o, optr, n, nptr) = (old_side.value, old_side.at, new_side.value, new_side.at);
        let (oc, nc) = (map_of(o, "content"), map_of(n, "content"));
        for (media, om) in oc {
            let optr = join(&join(optr, "content"), media);
            let Some(nm) = nc.get(media) else {
                let (rule, message) = match direction {
                    Direction::Request => (
                        Rule::RequestMediaTypeRemoved,
                        format!("{what} no longer takes `{media}`"),
                    ),
                    Direction::Response => (
                        Rule::ResponseMediaTypeRemoved,
                        format!("{what} is no longer sent as `{media}`"),
                    ),
                };
                self.report(rule, message, Some(optr), None, label);
                continue;
            };
            let nptr = join(&join(nptr, "content"), media);
            if let (Some(os), Some(ns)) = (om.get("schema"), nm.get("schema")) {
                if !accord_spec::media::is_json(media)
                    && let Some(change) = self.read_as_text(os, ns, direction)
                {
                    self.report(
                        Rule::TypeCompatible,
                        format!("{what} (`{media}`, text): {change}"),
                        Some(join(&optr, "schema")),
                        Some(join(&nptr, "schema")),
                        label,
                    );
                    continue;
                }
                self.schema(
                    Side::new(os, &join(&optr, "schema")),
                    Side::new(ns, &join(&nptr, "schema")),
                    direction,
                    what,
                    label,
                );
            }
        }
    }

    /// A body of a media type other than JSON (XML, text) is text on the wire: a plain
    /// `string` schema takes any of it. So a request's schema becoming a plain string, or an
    /// answer's plain string becoming another type, changes nothing a client sends or reads;
    /// the change in words, when it is one of those.
    fn read_as_text(&self, old: &Value, new: &Value, direction: Direction) -> Option<String> {
        let (o, n) = (follow(self.old, old, "").0, follow(self.new, new, "").0);
        let ty = |s: &Value| s.get("type").and_then(Value::as_str).map(str::to_string);
        let plain = |s: &Value| {
            ty(s).as_deref() == Some("string")
                && [
                    "enum",
                    "pattern",
                    "maxLength",
                    "minLength",
                    "format",
                    "const",
                ]
                .iter()
                .all(|k| s.get(*k).is_none())
        };
        let (ot, nt) = (ty(o)?, ty(n)?);
        let text = match direction {
            Direction::Request => plain(n),
            Direction::Response => plain(o),
        };
        (ot != nt && text).then(|| format!("type `{ot}` became `{nt}`"))
    }

    fn responses(&mut self, old: &Op<'_>, new: &Op<'_>, label: &str) {
        let (or, nr) = (map_of(old.op, "responses"), map_of(new.op, "responses"));
        let obase = join(&old.pointer, "responses");
        let nbase = join(&new.pointer, "responses");
        for (status, oresp) in or {
            let optr = join(&obase, status);
            let Some(nresp) = nr.get(status) else {
                if status.starts_with('2') {
                    self.report(
                        Rule::ResponseStatusRemoved,
                        format!("status {status} is no longer answered"),
                        Some(optr),
                        None,
                        label,
                    );
                }
                continue;
            };
            let nptr = join(&nbase, status);
            let (oresp, optr) = follow(self.old, oresp, &optr);
            let (nresp, nptr) = follow(self.new, nresp, &nptr);
            self.content(
                Side::new(oresp, &optr),
                Side::new(nresp, &nptr),
                Direction::Response,
                &format!("the {status} answer"),
                label,
            );
            self.response_headers(oresp, nresp, &optr, &nptr, status, label);
        }
        for status in nr.keys() {
            if !or.contains_key(status) {
                self.report(
                    Rule::ResponseStatusAdded,
                    format!("status {status} is now documented"),
                    None,
                    Some(join(&nbase, status)),
                    label,
                );
            }
        }
    }

    /// The headers of one answer, by name (case-insensitive; `Content-Type` is the media
    /// type's business): removed or made optional breaks the clients that read them.
    fn response_headers(
        &mut self,
        oresp: &Value,
        nresp: &Value,
        optr: &str,
        nptr: &str,
        status: &str,
        label: &str,
    ) {
        let headers = |doc: &Value, resp: &Value, base: &str| {
            let mut out: BTreeMap<String, (String, Value, String)> = BTreeMap::new();
            for (name, header) in resp
                .get("headers")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                if name.eq_ignore_ascii_case("content-type") {
                    continue;
                }
                let (header, pointer) = follow(doc, header, &join(&join(base, "headers"), name));
                out.insert(
                    name.to_ascii_lowercase(),
                    (name.clone(), header.clone(), pointer),
                );
            }
            out
        };
        let (old_headers, new_headers) = (
            headers(self.old, oresp, optr),
            headers(self.new, nresp, nptr),
        );
        let required = |h: &Value| h.get("required").and_then(Value::as_bool).unwrap_or(false);
        for (key, (name, oh, op)) in &old_headers {
            match new_headers.get(key) {
                None => self.report(
                    Rule::ResponseHeaderRemoved,
                    format!("the {status} answer no longer has the `{name}` header"),
                    Some(op.clone()),
                    None,
                    label,
                ),
                Some((_, nh, np)) => {
                    if required(oh) && !required(nh) {
                        self.report(
                            Rule::ResponseHeaderMadeOptional,
                            format!(
                                "the {status} answer's `{name}` header is no longer always there"
                            ),
                            Some(op.clone()),
                            Some(np.clone()),
                            label,
                        );
                    }
                    if let (Some(os), Some(ns)) = (oh.get("schema"), nh.get("schema")) {
                        let (os, _) = follow(self.old, os, op);
                        let (ns, _) = follow(self.new, ns, np);
                        if let Some(change) = type_change(os, ns, Direction::Response) {
                            self.report(
                                Rule::ResponseTypeChanged,
                                format!("the {status} answer's `{name}` header: {change}"),
                                Some(op.clone()),
                                Some(np.clone()),
                                label,
                            );
                        }
                    }
                }
            }
        }
        for (key, (name, _, np)) in &new_headers {
            if !old_headers.contains_key(key) {
                self.report(
                    Rule::ResponseHeaderAdded,
                    format!("the {status} answer now has the `{name}` header"),
                    None,
                    Some(np.clone()),
                    label,
                );
            }
        }
    }

    fn security(&mut self, old: &Op<'_>, new: &Op<'_>, label: &str) {
        let effective = |doc: &Value, op: &Op<'_>| -> (Value, String) {
            match op.op.get("security") {
                Some(s) => (s.clone(), join(&op.pointer, "security")),
                None => (
                    doc.get("security").cloned().unwrap_or(json!([])),
                    "/security".into(),
                ),
            }
        };
        let (os, optr) = effective(self.old, old);
        let (ns, nptr) = effective(self.new, new);
        let set = |v: &Value| -> BTreeSet<String> {
            v.as_array()
                .into_iter()
                .flatten()
                .map(|r| {
                    let mut keys: Vec<&String> = r
                        .as_object()
                        .map(|m| m.keys().collect())
                        .unwrap_or_default();
                    keys.sort();
                    keys.into_iter().cloned().collect::<Vec<_>>().join("+")
                })
                .collect()
        };
        let (o, n) = (set(&os), set(&ns));
        if !o.is_empty() && !o.contains("") && (n.is_empty() || n.contains("")) {
            self.report(
                Rule::SecurityRemoved,
                format!(
                    "security was {}, is now none",
                    o.iter().cloned().collect::<Vec<_>>().join(" or ")
                ),
                Some(optr),
                Some(nptr),
                label,
            );
            return;
        }
        if o == n {
            // The same schemes: a scope a token must now carry that it did not need before.
            let scopes = |v: &Value| -> BTreeMap<String, BTreeSet<String>> {
                let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
                for requirement in v.as_array().into_iter().flatten() {
                    for (scheme, list) in requirement.as_object().into_iter().flatten() {
                        out.entry(scheme.clone()).or_default().extend(
                            list.as_array()
                                .into_iter()
                                .flatten()
                                .filter_map(Value::as_str)
                                .map(str::to_string),
                        );
                    }
                }
                out
            };
            let (osc, nsc) = (scopes(&os), scopes(&ns));
            for (scheme, new_scopes) in &nsc {
                let old_scopes = osc.get(scheme).cloned().unwrap_or_default();
                let added: Vec<&String> = new_scopes.difference(&old_scopes).collect();
                if !added.is_empty() {
                    self.report(
                        Rule::SecurityScopeAdded,
                        format!(
                            "`{scheme}` now needs the scope(s) {}",
                            added
                                .iter()
                                .map(|s| format!("`{s}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        Some(optr.clone()),
                        Some(nptr.clone()),
                        label,
                    );
                }
            }
            return;
        }
        if n.is_empty() || n.contains("") {
            return;
        }
        // Still satisfiable by what clients send today: an alternative kept.
        if !o.is_empty() && o.iter().all(|alt| n.contains(alt)) {
            return;
        }
        let show = |s: &BTreeSet<String>| {
            if s.is_empty() {
                "none".to_string()
            } else {
                s.iter().cloned().collect::<Vec<_>>().join(" or ")
            }
        };
        self.report(
            Rule::SecurityChanged,
            format!("security was {}, is now {}", show(&o), show(&n)),
            Some(optr),
            Some(nptr),
            label,
        );
    }
}

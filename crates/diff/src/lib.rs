//! What changed between two versions of a spec, and which changes break the API's clients.
//!
//! Both documents are loaded by `accord-spec`, so OpenAPI 3.0 and 3.1 are compared in the
//! same normalized shape the generators read. Operations are matched by method and path
//! template (parameter names ignored); parameters by location and name; schemas are walked
//! in the direction they travel: tightening a request breaks clients, tightening a response
//! does not, and the other way round. A change reached through a `$ref` is reported once,
//! with every operation it affects. Every finding is located by JSON pointer in both
//! documents.

pub mod rules;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use accord_spec::{Spec, join};
use serde_json::{Value, json};

pub use rules::{Rule, Severity};

/// One change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: Rule,
    pub message: String,
    /// Where in the old document (JSON pointer), when it is there.
    pub old: Option<String>,
    /// Where in the new document, when it is there.
    pub new: Option<String>,
    /// The operations affected, as `GET /items`.
    pub operations: Vec<String>,
}

/// Every change between two documents, breaking ones first.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
}

impl Report {
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.rule.severity() == severity)
            .count()
    }

    pub fn has_breaking(&self) -> bool {
        self.count(Severity::Breaking) > 0
    }

    /// The readable report.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for f in &self.findings {
            out.push_str(&format!(
                "{:<8} {:<38} {}\n  {}\n",
                f.rule.severity().as_str(),
                f.rule.id(),
                f.operations.join(", "),
                f.message
            ));
            out.push_str(&format!(
                "  old: {}  new: {}\n",
                f.old.as_deref().map_or("-".into(), |p| format!("#{p}")),
                f.new.as_deref().map_or("-".into(), |p| format!("#{p}"))
            ));
        }
        out.push_str(&self.summary());
        out.push('\n');
        out
    }

    pub fn summary(&self) -> String {
        format!(
            "diff: {} breaking, {} warning, {} info",
            self.count(Severity::Breaking),
            self.count(Severity::Warning),
            self.count(Severity::Info)
        )
    }

    pub fn json(&self) -> Value {
        json!({
            "breaking": self.count(Severity::Breaking),
            "warning": self.count(Severity::Warning),
            "info": self.count(Severity::Info),
            "findings": self.findings.iter().map(|f| json!({
                "rule": f.rule.id(),
                "severity": f.rule.severity().as_str(),
                "message": f.message,
                "why": f.rule.what(),
                "old": f.old.as_ref().map(|p| format!("#{p}")),
                "new": f.new.as_ref().map(|p| format!("#{p}")),
                "operations": f.operations,
            })).collect::<Vec<_>>(),
        })
    }

    /// A pull-request comment.
    pub fn markdown(&self) -> String {
        let mut out = format!("### API changes\n\n{}\n\n", self.summary());
        if self.findings.is_empty() {
            out.push_str("No change to the API.\n");
            return out;
        }
        out.push_str(
            "| severity | rule | change | operations | where (new) |\n|---|---|---|---|---|\n",
        );
        for f in &self.findings {
            out.push_str(&format!(
                "| {} | `{}` | {} ({}) | {} | `{}` |\n",
                f.rule.severity().as_str(),
                f.rule.id(),
                f.message.replace('|', "\\|"),
                f.rule.what(),
                f.operations.join("<br>"),
                f.new.as_deref().or(f.old.as_deref()).unwrap_or("")
            ));
        }
        out
    }

    /// The release notes: every change in words, grouped by severity.
    pub fn changelog(&self) -> String {
        let mut out = String::from("# Changes\n");
        for (severity, title) in [
            (Severity::Breaking, "Breaking changes"),
            (Severity::Warning, "Changes that may affect clients"),
            (Severity::Info, "Other changes"),
        ] {
            let items: Vec<&Finding> = self
                .findings
                .iter()
                .filter(|f| f.rule.severity() == severity)
                .collect();
            if items.is_empty() {
                continue;
            }
            out.push_str(&format!("\n## {title}\n\n"));
            for f in items {
                out.push_str(&format!("- {}: {}", f.operations.join(", "), f.message));
                if severity != Severity::Info {
                    out.push_str(&format!(" ({})", f.rule.what()));
                }
                out.push('\n');
            }
        }
        out
    }
}

/// Which way a schema travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Direction {
    Request,
    Response,
}

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
    let mut findings: Vec<Finding> = d.found.into_values().collect();
    findings.sort_by(|a, b| {
        (a.rule.severity(), a.rule.id(), &a.new, &a.old).cmp(&(
            b.rule.severity(),
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

/// Follows `$ref`s; the value and the pointer where it is defined.
fn follow<'v>(doc: &'v Value, value: &'v Value, pointer: &str) -> (&'v Value, String) {
    let (value, at) = accord_spec::pointer::follow(doc, value);
    (value, at.unwrap_or_else(|| pointer.to_string()))
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
                    ob,
                    nb,
                    &obp,
                    &nbp,
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
                            os,
                            ns,
                            (&join(optr, "schema"), &join(nptr, "schema")),
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
                    os,
                    ns,
                    (&join(optr, "schema"), &join(nptr, "schema")),
                    "path",
                    name,
                    false,
                    label,
                );
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn parameter_schema(
        &mut self,
        old: &Value,
        new: &Value,
        (optr, nptr): (&str, &str),
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
            return self.parameter_schema(o, items, (&optr, &items_ptr), place, name, false, label);
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
        if let Some(removed) = enum_removed(o, n) {
            self.report(
                Rule::ParameterEnumNarrowed,
                format!("{what}: no longer allows {removed}"),
                Some(join(&optr, "enum")),
                Some(join(&nptr, "enum")),
                label,
            );
        }
        // Each tightening its own finding, at its keyword: an allow-list entry names one.
        let kind = self.only_type(self.new, n);
        for (keyword, change) in tightened(o, n)
            .into_iter()
            .filter(|(k, _)| applies(k, kind.as_deref()))
        {
            self.report(
                Rule::ParameterTightened,
                format!("{what}: {change}"),
                Some(join(&optr, keyword)),
                Some(join(&nptr, keyword)),
                label,
            );
        }
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
        self.properties(o, n, &optr, &nptr, Direction::Request, &what, label);
        if let (Some(os), Some(ns)) = (o.get("items"), n.get("items"))
            && os.is_object()
            && ns.is_object()
        {
            self.schema(
                os,
                ns,
                &join(&optr, "items"),
                &join(&nptr, "items"),
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
            ob,
            nb,
            &optr,
            &nptr,
            Direction::Request,
            "the request body",
            label,
        );
    }

    /// The media types of a request body or a response: each one removed, and the schemas
    /// of those kept, in `direction`.
    #[allow(clippy::too_many_arguments)]
    fn content(
        &mut self,
        o: &Value,
        n: &Value,
        optr: &str,
        nptr: &str,
        direction: Direction,
        what: &str,
        label: &str,
    ) {
        let empty = serde_json::Map::new();
        let oc = o
            .get("content")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let nc = n
            .get("content")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
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
                    os,
                    ns,
                    &join(&optr, "schema"),
                    &join(&nptr, "schema"),
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
        let empty = serde_json::Map::new();
        let or = old
            .op
            .get("responses")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let nr = new
            .op
            .get("responses")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
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
                oresp,
                nresp,
                &optr,
                &nptr,
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

    #[allow(clippy::too_many_arguments)]
    fn schema(
        &mut self,
        old: &Value,
        new: &Value,
        optr: &str,
        nptr: &str,
        direction: Direction,
        what: &str,
        label: &str,
    ) {
        let (o, optr) = follow(self.old, old, optr);
        let (n, nptr) = follow(self.new, new, nptr);
        let within = std::mem::take(&mut self.within);
        // A schema wrapped on one side only (`allOf: [X]` beside `nullable`, as a 3.1
        // `oneOf: [null, X]` is read) is compared with what it wraps.
        if let Some(member) = single_member(n)
            && o.get("allOf").is_none()
        {
            let inner = join(&join(&nptr, "allOf"), "0");
            let merged = with_nullable(follow(self.new, member, &inner).0, n);
            self.within = within;
            return self.schema(o, &merged, &optr, &inner, direction, what, label);
        }
        if let Some(member) = single_member(o)
            && n.get("allOf").is_none()
        {
            let inner = join(&join(&optr, "allOf"), "0");
            let merged = with_nullable(follow(self.old, member, &inner).0, o);
            self.within = within;
            return self.schema(&merged, n, &inner, &nptr, direction, what, label);
        }
        // One side composed with `allOf`, the other written out (a schema refactored into a
        // shared base): compared as the whole the members make.
        if o.get("allOf").is_none()
            && let Some(merged) = flatten_all_of(self.new, n, &nptr)
        {
            self.within = within;
            return self.schema(o, &merged, &optr, &nptr, direction, what, label);
        }
        if n.get("allOf").is_none()
            && let Some(merged) = flatten_all_of(self.old, o, &optr)
        {
            self.within = within;
            return self.schema(&merged, n, &optr, &nptr, direction, what, label);
        }
        let nullable = |s: &Value| s.get("nullable") == Some(&json!(true));
        let pair: Pair = (
            optr.clone(),
            nptr.clone(),
            [direction == Direction::Request, nullable(o), nullable(n)],
            within,
        );
        if let Some(keys) = self.memo.get(&pair).cloned() {
            // Compared already: credit this operation with what that walk found.
            for key in keys.iter() {
                if let Some(f) = self.found.get_mut(key)
                    && !f.operations.iter().any(|x| x == label)
                {
                    f.operations.push(label.to_string());
                }
            }
            self.trail.extend(keys.iter().cloned());
            return;
        }
        // Met again inside the walk under way (a cycle), or walked already inside it as part
        // of a cycle through a pair still being walked: what it finds is reported by that
        // walk, for this operation; the pairs in between share its findings.
        if let Some(&depth) = self.walking.get(&pair) {
            self.cycle_low = self.cycle_low.min(depth);
            return;
        }
        if let Some(&low) = self.pending_low.get(&pair) {
            self.cycle_low = self.cycle_low.min(low);
            return;
        }
        // Tarjan's walk: a pair whose walk reached back no higher than itself is the root of
        // its cycles, and it and the pairs walked inside them find the same things.
        let depth = self.walking.len();
        self.walking.insert(pair.clone(), depth);
        let (start, pending_start) = (self.trail.len(), self.pending.len());
        let outer_low = std::mem::replace(&mut self.cycle_low, usize::MAX);
        self.compare(o, n, &optr, &nptr, direction, &pair.3, what, label);
        self.walking.remove(&pair);
        let low = std::mem::replace(&mut self.cycle_low, outer_low);
        if low >= depth {
            let mut keys = self.trail.split_off(start);
            keys.sort();
            keys.dedup();
            self.trail.extend(keys.iter().cloned());
            let keys = std::rc::Rc::new(keys);
            for member in self.pending.split_off(pending_start) {
                self.pending_low.remove(&member);
                self.memo.insert(member, keys.clone());
            }
            self.memo.insert(pair, keys);
        } else {
            self.cycle_low = self.cycle_low.min(low);
            self.pending_low.insert(pair.clone(), low);
            self.pending.push(pair);
        }
    }

    /// Compares two schemas, `$ref`s followed: the checks of the pair itself, then what is
    /// inside (properties, items, alternatives).
    #[allow(clippy::too_many_arguments)]
    fn compare(
        &mut self,
        o: &Value,
        n: &Value,
        optr: &str,
        nptr: &str,
        direction: Direction,
        within: &Within,
        what: &str,
        label: &str,
    ) {
        let (optr, nptr) = (optr.to_string(), nptr.to_string());
        let request = direction == Direction::Request;
        if let Some(change) = type_change(o, n, direction) {
            let rule = if request {
                Rule::RequestTypeChanged
            } else {
                Rule::ResponseTypeChanged
            };
            self.report(
                rule,
                format!("{what}: {change}"),
                Some(optr),
                Some(nptr),
                label,
            );
            return;
        }
        if request {
            if let Some(removed) = enum_removed(o, n) {
                self.report(
                    Rule::RequestEnumNarrowed,
                    format!("{what}: no longer allows {removed}"),
                    Some(join(&optr, "enum")),
                    Some(join(&nptr, "enum")),
                    label,
                );
            }
            // Each tightening its own finding, at its keyword: an allow-list entry names one.
            let kind = self.only_type(self.new, n);
            for (keyword, change) in tightened(o, n)
                .into_iter()
                .filter(|(k, _)| applies(k, kind.as_deref()))
            {
                self.report(
                    Rule::RequestTightened,
                    format!("{what}: {change}"),
                    Some(join(&optr, keyword)),
                    Some(join(&nptr, keyword)),
                    label,
                );
            }
            for (keyword, change) in kept_changes(o, n) {
                if change != "removed" {
                    self.report(
                        Rule::RequestConstraintAdded,
                        format!("{what}: `{keyword}` {change}"),
                        Some(optr.clone()),
                        Some(join(&join(&nptr, accord_spec::KEPT_JSON_SCHEMA), keyword)),
                        label,
                    );
                }
            }
            if admits_nothing(n) && !admits_nothing(o) {
                self.report(
                    Rule::RequestNothingAccepted,
                    format!("{what}: no value is accepted any more"),
                    Some(optr.clone()),
                    Some(nptr.clone()),
                    label,
                );
            }
            if let Some(items) = n.get("items")
                && admits_nothing(items)
                && o.get("items").is_none_or(|i| !admits_nothing(i))
            {
                self.report(
                    Rule::RequestNothingAccepted,
                    format!("{what}: no item is accepted any more"),
                    Some(optr.clone()),
                    Some(join(&nptr, "items")),
                    label,
                );
            }
            if o.get("oneOf").is_none()
                && let Some(Value::Array(alternatives)) = n.get("oneOf")
                && alternatives.len() > 1
                && (is_object(o) || o.get("$ref").is_some())
            {
                self.report(
                    Rule::RequestWrappedInOneOf,
                    format!(
                        "{what}: now one of {} alternatives, exactly one of which a body must match",
                        alternatives.len()
                    ),
                    Some(optr.clone()),
                    Some(join(&nptr, "oneOf")),
                    label,
                );
            }
            let pointers = (optr.as_str(), nptr.as_str());
            let rules = (Rule::RequestEnumAdded, Rule::RequestDefaultChanged);
            self.newly_restricted(o, n, pointers, rules, what, label);
            let nullable = |s: &Value| s.get("nullable") == Some(&json!(true));
            if !within.alternative && nullable(o) && !nullable(n) {
                self.report(
                    Rule::RequestNullableRemoved,
                    format!("{what}: null is no longer allowed"),
                    Some(join(&optr, "nullable")),
                    Some(nptr.clone()),
                    label,
                );
            }
            let open = |s: &Value| s.get("additionalProperties") != Some(&json!(false));
            if is_object(o) && open(o) && !open(n) {
                self.report(
                    Rule::RequestAdditionalPropertiesClosed,
                    format!("{what}: other properties are no longer allowed"),
                    Some(optr.clone()),
                    Some(join(&nptr, "additionalProperties")),
                    label,
                );
            }
        } else {
            for (keyword, change) in kept_changes(o, n) {
                if change != "added" {
                    self.report(
                        Rule::ResponseConstraintLoosened,
                        format!("{what}: `{keyword}` {change}"),
                        Some(join(&join(&optr, accord_spec::KEPT_JSON_SCHEMA), keyword)),
                        Some(nptr.clone()),
                        label,
                    );
                }
            }
            if o.get("enum").is_some() && n.get("enum").is_none() && n.get("$ref").is_none() {
                self.report(
                    Rule::ResponseEnumWidened,
                    format!("{what}: no longer limited to its enum"),
                    Some(join(&optr, "enum")),
                    Some(nptr.clone()),
                    label,
                );
            }
            if let Some(added) = enum_removed(n, o) {
                self.report(
                    Rule::ResponseEnumWidened,
                    format!("{what}: may now be {added}"),
                    Some(join(&optr, "enum")),
                    Some(join(&nptr, "enum")),
                    label,
                );
            }
            let nullable = |s: &Value| s.get("nullable") == Some(&json!(true));
            if !nullable(o) && nullable(n) {
                self.report(
                    Rule::ResponsePropertyMadeNullable,
                    format!("{what}: may now be null"),
                    Some(optr.clone()),
                    Some(join(&nptr, "nullable")),
                    label,
                );
            }
        }
        self.discriminator(o, n, (&optr, &nptr), direction, what, label);
        self.required_beside = within.required_beside.clone();
        self.properties(o, n, &optr, &nptr, direction, what, label);
        for key in ["items", "additionalProperties", "not"] {
            if let (Some(os), Some(ns)) = (o.get(key), n.get(key))
                && os.is_object()
                && ns.is_object()
            {
                let what = if key == "items" {
                    format!("{what} items")
                } else {
                    format!("{what} values")
                };
                self.schema(
                    os,
                    ns,
                    &join(&optr, key),
                    &join(&nptr, key),
                    direction,
                    &what,
                    label,
                );
            }
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            if let (Some(Value::Array(os)), Some(Value::Array(ns))) = (o.get(key), n.get(key)) {
                let (obase, nbase) = (join(&optr, key), join(&nptr, key));
                let (pairs, removed, added) = alternatives(os, ns);
                for (i, j) in pairs {
                    self.within = Within {
                        alternative: request && key != "allOf",
                        required_beside: if key == "allOf" {
                            let beside = |doc: &Value, s: &Value, members: &[Value], me: usize| {
                                let mut out: BTreeSet<String> =
                                    required_of(s).into_iter().collect();
                                for (k, m) in members.iter().enumerate() {
                                    if k != me {
                                        out.extend(required_of(follow(doc, m, "").0));
                                    }
                                }
                                out
                            };
                            let (old_beside, new_beside) = &within.required_beside;
                            let mut old_side = beside(self.old, o, os, i);
                            old_side.extend(old_beside.iter().cloned());
                            let mut new_side = beside(self.new, n, ns, j);
                            new_side.extend(new_beside.iter().cloned());
                            (old_side, new_side)
                        } else {
                            Default::default()
                        },
                    };
                    self.schema(
                        &os[i],
                        &ns[j],
                        &join(&obase, &i.to_string()),
                        &join(&nbase, &j.to_string()),
                        direction,
                        what,
                        label,
                    );
                }
                // allOf only adds constraints its members already carry: the members' own
                // walk reports them, and a member added to a request's allOf may add required
                // properties. oneOf/anyOf alternatives are shapes a side must know.
                if key == "allOf" {
                    if request {
                        let before = self.required_in(self.old, o);
                        for j in added {
                            let (member, mptr) =
                                follow(self.new, &ns[j], &join(&nbase, &j.to_string()));
                            if required_of(member).is_empty()
                                && member.as_object().is_some_and(|m| !m.is_empty())
                            {
                                let name = ns[j]
                                    .get("$ref")
                                    .and_then(Value::as_str)
                                    .and_then(|r| r.rsplit('/').next())
                                    .map_or_else(|| format!("member {j}"), |r| format!("`{r}`"));
                                self.report(
                                    Rule::RequestConstraintAdded,
                                    format!(
                                        "{what}: allOf {name} added; what it constrains now applies"
                                    ),
                                    Some(optr.clone()),
                                    Some(join(&nbase, &j.to_string())),
                                    label,
                                );
                            }
                            for name in required_of(member) {
                                if !before.contains(&name)
                                    && !self.read_only(self.new, member, &name)
                                {
                                    self.report(
                                        Rule::RequestPropertyAddedRequired,
                                        format!("{what}: required property `{name}` added (allOf)"),
                                        Some(optr.clone()),
                                        Some(join(&mptr, "required")),
                                        label,
                                    );
                                }
                            }
                        }
                    }
                    continue;
                }
                if request && !takes_null(self.new, n) && takes_null(self.old, o) {
                    self.report(
                        Rule::RequestNullableRemoved,
                        format!(
                            "{what}: null is no longer allowed (no {key} alternative takes it)"
                        ),
                        Some(obase.clone()),
                        Some(nbase.clone()),
                        label,
                    );
                }
                let name = |v: &Value, i: usize| {
                    v.get("$ref")
                        .and_then(Value::as_str)
                        .and_then(|r| r.rsplit('/').next())
                        .map_or_else(|| format!("alternative {i}"), |r| format!("`{r}`"))
                };
                if request {
                    for i in removed {
                        self.report(
                            Rule::RequestAlternativeRemoved,
                            format!("{what}: {key} no longer accepts {}", name(&os[i], i)),
                            Some(join(&obase, &i.to_string())),
                            Some(nbase.clone()),
                            label,
                        );
                    }
                } else {
                    for j in added {
                        self.report(
                            Rule::ResponseAlternativeAdded,
                            format!("{what}: {key} may now be {}", name(&ns[j], j)),
                            Some(obase.clone()),
                            Some(join(&nbase, &j.to_string())),
                            label,
                        );
                    }
                }
            }
        }
    }

    /// What a request's value newly gets: a list it must be one of (`rules.0`), another default
    /// when it is left out (`rules.1`).
    fn newly_restricted(
        &mut self,
        o: &Value,
        n: &Value,
        (optr, nptr): (&str, &str),
        (enum_rule, default_rule): (Rule, Rule),
        what: &str,
        label: &str,
    ) {
        if let Some(values) = enum_added(o, n) {
            self.report(
                enum_rule,
                format!("{what}: now only {values}"),
                Some(optr.to_string()),
                Some(join(nptr, "enum")),
                label,
            );
        }
        if let Some(change) = default_changed(o, n) {
            self.report(
                default_rule,
                format!("{what}: {change}"),
                Some(join(optr, "default")),
                Some(join(nptr, "default")),
                label,
            );
        }
    }

    /// A discriminator's property and values: each value names one shape, explicitly
    /// (`mapping`) or by the name of a `$ref`'d alternative. A request must still take every
    /// value clients send; an answer must send no value clients cannot tell apart.
    fn discriminator(
        &mut self,
        o: &Value,
        n: &Value,
        (optr, nptr): (&str, &str),
        direction: Direction,
        what: &str,
        label: &str,
    ) {
        let (Some(od), Some(nd)) = (o.get("discriminator"), n.get("discriminator")) else {
            return;
        };
        let (ondp, nndp) = (join(optr, "discriminator"), join(nptr, "discriminator"));
        let property = |d: &Value| {
            d.get("propertyName")
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        if property(od) != property(nd) {
            self.report(
                Rule::DiscriminatorPropertyChanged,
                format!(
                    "{what}: the discriminator `{}` became `{}`",
                    property(od).unwrap_or_default(),
                    property(nd).unwrap_or_default()
                ),
                Some(join(&ondp, "propertyName")),
                Some(join(&nndp, "propertyName")),
                label,
            );
            return;
        }
        let (old_values, new_values) = (discriminator_values(o), discriminator_values(n));
        // Where a value is: its mapping entry, or the discriminator when a schema's name is it.
        let value_at = |d: &Value, at: &str, value: &str| {
            if d.get("mapping").and_then(|m| m.get(value)).is_some() {
                join(&join(at, "mapping"), value)
            } else {
                at.to_string()
            }
        };
        match direction {
            Direction::Request => {
                for value in old_values.difference(&new_values) {
                    self.report(
                        Rule::RequestDiscriminatorValueRemoved,
                        format!("{what}: the discriminator value `{value}` is no longer taken"),
                        Some(value_at(od, &ondp, value)),
                        Some(nndp.clone()),
                        label,
                    );
                }
            }
            Direction::Response => {
                for value in new_values.difference(&old_values) {
                    self.report(
                        Rule::ResponseDiscriminatorValueAdded,
                        format!("{what}: the discriminator may now be `{value}`"),
                        Some(ondp.clone()),
                        Some(value_at(nd, &nndp, value)),
                        label,
                    );
                }
            }
        }
    }

    /// The one JSON type a value of `s` can have, from its `type` or else its `allOf`
    /// members' (`maxLength` beside `allOf: [{type: object}]` limits nothing).
    fn only_type(&self, doc: &Value, s: &Value) -> Option<String> {
        let ty = |s: &Value| s.get("type").and_then(Value::as_str).map(str::to_string);
        ty(s).or_else(|| {
            s.get("allOf")
                .and_then(Value::as_array)?
                .iter()
                .find_map(|m| ty(follow(doc, m, "").0))
        })
    }

    /// The properties `s` requires, its `allOf` members' included.
    fn required_in(&self, doc: &Value, s: &Value) -> BTreeSet<String> {
        let mut out: BTreeSet<String> = required_of(s).into_iter().collect();
        for member in s
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            out.extend(required_of(follow(doc, member, "").0));
        }
        out
    }

    /// Whether property `name` of `s` is `readOnly` (clients never send it).
    fn read_only(&self, doc: &Value, s: &Value, name: &str) -> bool {
        s.get("properties")
            .and_then(|p| p.get(name))
            .map(|p| follow(doc, p, "").0)
            .is_some_and(|p| p.get("readOnly") == Some(&json!(true)))
    }

    #[allow(clippy::too_many_arguments)]
    fn properties(
        &mut self,
        o: &Value,
        n: &Value,
        optr: &str,
        nptr: &str,
        direction: Direction,
        what: &str,
        label: &str,
    ) {
        let empty = serde_json::Map::new();
        let op = o
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let np = n
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let (old_beside, new_beside) = std::mem::take(&mut self.required_beside);
        let required = |s: &Value| -> BTreeSet<String> { required_of(s).into_iter().collect() };
        let (or, nr) = (required(o), required(n));
        let request = direction == Direction::Request;
        // What a side never sends: clients do not send `readOnly` properties, servers do not
        // answer `writeOnly` ones.
        let flag = if request { "readOnly" } else { "writeOnly" };
        let unsent = |doc: &Value, props: &serde_json::Map<String, Value>, name: &str| {
            props
                .get(name)
                .map(|s| follow(doc, s, "").0)
                .is_some_and(|s| s.get(flag) == Some(&json!(true)))
        };
        for name in nr.difference(&or) {
            // Required already by the rest of an allOf: nothing new is asked of clients.
            if !request || unsent(self.new, np, name) || old_beside.contains(name) {
                continue;
            }
            let (rule, message) = if op.contains_key(name) {
                (
                    Rule::RequestPropertyMadeRequired,
                    format!("{what}: property `{name}` is now required"),
                )
            } else {
                (
                    Rule::RequestPropertyAddedRequired,
                    format!("{what}: required property `{name}` added"),
                )
            };
            self.report(
                rule,
                message,
                Some(optr.to_string()),
                Some(join(nptr, "required")),
                label,
            );
        }
        for (name, os) in op {
            let optr_p = join(&join(optr, "properties"), name);
            if unsent(self.old, op, name) {
                continue;
            }
            match np.get(name) {
                None => {
                    let rule = if request {
                        Rule::RequestPropertyRemoved
                    } else {
                        Rule::ResponsePropertyRemoved
                    };
                    self.report(
                        rule,
                        format!("{what}: property `{name}` removed"),
                        Some(optr_p),
                        Some(nptr.to_string()),
                        label,
                    );
                }
                Some(ns) => {
                    if !request
                        && or.contains(name)
                        && !nr.contains(name)
                        && !new_beside.contains(name)
                    {
                        self.report(
                            Rule::ResponsePropertyMadeOptional,
                            format!("{what}: property `{name}` is no longer always there"),
                            Some(join(optr, "required")),
                            Some(join(&join(nptr, "properties"), name)),
                            label,
                        );
                    }
                    let nptr_p = join(&join(nptr, "properties"), name);
                    self.schema(
                        os,
                        ns,
                        &optr_p,
                        &nptr_p,
                        direction,
                        &format!("{what} `{name}`"),
                        label,
                    );
                }
            }
        }
        if !request {
            for name in np.keys().filter(|k| !op.contains_key(*k)) {
                self.report(
                    Rule::ResponsePropertyAdded,
                    format!("{what}: property `{name}` added"),
                    None,
                    Some(join(&join(nptr, "properties"), name)),
                    label,
                );
            }
        }
    }
}

/// Matches the alternatives of two `allOf`/`oneOf`/`anyOf` lists: by `$ref` where both name
/// one, otherwise by position among the rest. Returns the matched pairs, the old ones left
/// (removed) and the new ones left (added).
fn alternatives(os: &[Value], ns: &[Value]) -> (Vec<(usize, usize)>, Vec<usize>, Vec<usize>) {
    let reference = |v: &Value| v.get("$ref").and_then(Value::as_str).map(str::to_string);
    let mut pairs = Vec::new();
    let mut used_new = vec![false; ns.len()];
    let mut left_old = Vec::new();
    for (i, a) in os.iter().enumerate() {
        match reference(a) {
            Some(r) => match ns
                .iter()
                .enumerate()
                .position(|(j, b)| !used_new[j] && reference(b).as_deref() == Some(r.as_str()))
            {
                Some(j) => {
                    used_new[j] = true;
                    pairs.push((i, j));
                }
                None => left_old.push(i),
            },
            None => left_old.push(i),
        }
    }
    // Inline alternatives (and refs left over) pair by position with the unused inline ones.
    let mut removed = Vec::new();
    let free: Vec<usize> = (0..ns.len())
        .filter(|j| !used_new[*j] && reference(&ns[*j]).is_none())
        .collect();
    let mut free_new = free.into_iter();
    for i in left_old {
        if reference(&os[i]).is_none()
            && let Some(j) = free_new.next()
        {
            used_new[j] = true;
            pairs.push((i, j));
            continue;
        }
        removed.push(i);
    }
    let added = (0..ns.len()).filter(|j| !used_new[*j]).collect();
    pairs.sort_unstable();
    (pairs, removed, added)
}

/// The JSON Schema keywords 3.0 cannot say (kept aside by the loader) that differ between
/// `o` and `n`: each with `added`, `removed` or `changed`.
fn kept_changes<'a>(o: &'a Value, n: &'a Value) -> Vec<(&'a str, &'static str)> {
    let kept = |s: &'a Value| {
        s.get(accord_spec::KEPT_JSON_SCHEMA)
            .and_then(Value::as_object)
    };
    // `true` and `{}` admit anything: as if the keyword were not there.
    let kept = move |s: &'a Value| {
        kept(s).map(|m| {
            m.iter()
                .filter(|(_, v)| **v != Value::Bool(true) && *v != &json!({}))
                .collect::<BTreeMap<&String, &Value>>()
        })
    };
    let (ok, nk) = (kept(o), kept(n));
    let mut out = Vec::new();
    for (key, value) in nk.iter().flatten() {
        match ok.as_ref().and_then(|m| m.get(key)) {
            None => out.push((key.as_str(), "added")),
            Some(old) if old != value => out.push((key.as_str(), "changed")),
            Some(_) => {}
        }
    }
    for key in ok.iter().flatten().map(|(k, _)| *k) {
        if nk.as_ref().is_none_or(|m| !m.contains_key(key)) {
            out.push((key.as_str(), "removed"));
        }
    }
    out
}

/// The one member of a schema that is only `allOf: [X]` (with nothing else beside it but
/// documentation and `nullable`).
fn single_member(s: &Value) -> Option<&Value> {
    let map = s.as_object()?;
    let [member] = map.get("allOf")?.as_array()?.as_slice() else {
        return None;
    };
    map.keys()
        .all(|k| {
            matches!(
                k.as_str(),
                "allOf" | "nullable" | "description" | "title" | "example" | "deprecated"
            ) || k.starts_with("x-")
        })
        .then_some(member)
}

/// An `allOf` of object members as the one object they make: their properties (each a
/// `$ref` to where it is written, so what is found there is located there), `required`
/// and `type` merged into the schema beside them. `None` when `s` has no such `allOf`.
fn flatten_all_of(doc: &Value, s: &Value, at: &str) -> Option<Value> {
    let members = s.get("allOf")?.as_array()?;
    let mut merged = s.as_object()?.clone();
    merged.remove("allOf");
    let mut properties = merged
        .remove("properties")
        .and_then(|p| p.as_object().cloned())
        .unwrap_or_default();
    for (name, value) in properties.iter_mut() {
        if value.get("$ref").is_none() {
            let place = join(&join(at, "properties"), name);
            *value = json!({"$ref": format!("#{place}")});
        }
    }
    let mut required: BTreeSet<String> = required_of(s).into_iter().collect();
    for (i, member) in members.iter().enumerate() {
        let (m, mptr) = follow(doc, member, &join(&join(at, "allOf"), &i.to_string()));
        let m = match flatten_all_of(doc, m, &mptr) {
            Some(inner) => inner,
            None => m.clone(),
        };
        let object = m.get("type").and_then(Value::as_str) == Some("object")
            || (m.get("type").is_none() && m.get("properties").is_some());
        if !object
            || ["oneOf", "anyOf", "not"]
                .iter()
                .any(|k| m.get(*k).is_some())
        {
            return None;
        }
        for (name, value) in m
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let located = if value.get("$ref").is_some() {
                value.clone()
            } else {
                json!({"$ref": format!("#{}", join(&join(&mptr, "properties"), name))})
            };
            properties.entry(name.clone()).or_insert(located);
        }
        required.extend(required_of(&m));
        if let Some(extra) = m.get("additionalProperties")
            && !merged.contains_key("additionalProperties")
        {
            merged.insert("additionalProperties".into(), extra.clone());
        }
    }
    merged.entry("type").or_insert_with(|| json!("object"));
    merged.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        merged.insert("required".into(), json!(required));
    }
    Some(Value::Object(merged))
}

/// Whether `s` takes `null` as OpenAPI 3.0 reads it: `nullable`, an enum listing it, a
/// schema with no `type` (JSON Schema's "anything"), or its composition: exactly one
/// `oneOf` alternative, any `anyOf` one, every `allOf` member.
fn takes_null(doc: &Value, s: &Value) -> bool {
    takes_null_within(doc, s, 0)
}

fn takes_null_within(doc: &Value, s: &Value, depth: usize) -> bool {
    let s = follow(doc, s, "").0;
    if depth > 16 || s.get("nullable") == Some(&json!(true)) {
        return true;
    }
    if let Some(Value::Array(values)) = s.get("enum") {
        return values.contains(&Value::Null);
    }
    if s.get("type").is_some() {
        return false;
    }
    let members = |key: &str| {
        s.get(key).and_then(Value::as_array).map(|m| {
            m.iter()
                .filter(|m| takes_null_within(doc, m, depth + 1))
                .count()
        })
    };
    let all = s.get("allOf").and_then(Value::as_array).map(Vec::len);
    match (members("oneOf"), members("anyOf"), members("allOf")) {
        (Some(n), _, _) => n == 1,
        (_, Some(n), _) => n > 0,
        (_, _, Some(n)) => Some(n) == all,
        _ => !admits_nothing(s),
    }
}

/// `member` as its wrapper `wrapper` has it: nullable when the wrapper is.
fn with_nullable(member: &Value, wrapper: &Value) -> Value {
    let mut out = member.clone();
    if wrapper.get("nullable") == Some(&json!(true))
        && let Some(map) = out.as_object_mut()
    {
        map.insert("nullable".into(), json!(true));
    }
    out
}

/// The schema `false` (as the loader writes it: `{"not": {}}`).
fn admits_nothing(s: &Value) -> bool {
    s.get("not")
        .is_some_and(|n| n.as_object().is_some_and(|m| m.is_empty()))
}

fn is_object(s: &Value) -> bool {
    s.get("type").and_then(Value::as_str) == Some("object") || s.get("properties").is_some()
}

/// Today's date as `YYYY-MM-DD` (UTC), for announced sunsets.
fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()) as i64;
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// The values a schema newly restricts to, where it took any before.
fn enum_added(o: &Value, n: &Value) -> Option<String> {
    if o.get("enum").is_some() || o.get("const").is_some() {
        return None;
    }
    let values = n.get("enum").and_then(Value::as_array)?;
    Some(
        values
            .iter()
            .map(Value::to_string)
            .collect::<Vec<_>>()
            .join(", "),
    )
}

/// A default value changed or removed, in words (one added changes nothing for clients that
/// sent the field, and those that did not got the server's choice before as well).
fn default_changed(o: &Value, n: &Value) -> Option<String> {
    let od = o.get("default")?;
    match n.get("default") {
        Some(nd) if nd == od => None,
        Some(nd) => Some(format!("the default {od} became {nd}")),
        None => Some(format!("the default {od} was removed")),
    }
}

/// The names a schema lists as `required`.
fn required_of(s: &Value) -> Vec<String> {
    s.get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect()
}

/// `type` or `format` changed, in words. An integer becoming a number widens what a server
/// accepts (no break in a request) but is a value clients may not parse in an answer.
fn type_change(o: &Value, n: &Value, direction: Direction) -> Option<String> {
    let ty = |s: &Value| s.get("type").and_then(Value::as_str).map(str::to_string);
    let fmt = |s: &Value| s.get("format").and_then(Value::as_str).map(str::to_string);
    let (ot, nt) = (ty(o), ty(n));
    if ot.is_some() && nt.is_some() && ot != nt {
        let widened = ot.as_deref() == Some("integer") && nt.as_deref() == Some("number");
        if !widened || direction == Direction::Response {
            return Some(format!(
                "type `{}` became `{}`",
                ot.unwrap_or_default(),
                nt.unwrap_or_default()
            ));
        }
    }
    let (of, nf) = (fmt(o), fmt(n));
    if of != nf && nf.is_some() {
        return Some(format!(
            "format `{}` became `{}`",
            of.as_deref().unwrap_or("none"),
            nf.unwrap_or_default()
        ));
    }
    None
}

/// The values a discriminator takes: its `mapping`'s keys, and the component name of each
/// `$ref`'d `oneOf`/`anyOf` alternative no mapping entry names.
fn discriminator_values(s: &Value) -> BTreeSet<String> {
    let mapping = s
        .get("discriminator")
        .and_then(|d| d.get("mapping"))
        .and_then(Value::as_object);
    let mut out: BTreeSet<String> = mapping
        .into_iter()
        .flatten()
        .map(|(k, _)| k.clone())
        .collect();
    let mapped: BTreeSet<&str> = mapping
        .into_iter()
        .flatten()
        .filter_map(|(_, v)| v.as_str())
        .collect();
    for key in ["oneOf", "anyOf"] {
        for member in s.get(key).and_then(Value::as_array).into_iter().flatten() {
            if let Some(r) = member.get("$ref").and_then(Value::as_str)
                && !mapped.contains(r)
                && let Some(name) = r.rsplit('/').next()
            {
                out.insert(accord_spec::unescape_token(name));
            }
        }
    }
    out
}

/// Whether a limit `keyword` constrains values of JSON type `kind` (any, when unknown):
/// string limits limit strings, numeric ones numbers, and so on.
fn applies(keyword: &str, kind: Option<&str>) -> bool {
    let Some(kind) = kind else { return true };
    match keyword {
        "maxLength" | "minLength" | "pattern" => kind == "string",
        "maximum" | "minimum" => matches!(kind, "number" | "integer"),
        "maxItems" | "minItems" => kind == "array",
        "maxProperties" | "minProperties" => kind == "object",
        _ => true,
    }
}

/// The values of `o`'s enum that `n` no longer has, in words.
fn enum_removed(o: &Value, n: &Value) -> Option<String> {
    // `x-extensible-enum` (Zalando's guidelines) lists values the same way.
    let values = |s: &Value| {
        s.get("enum")
            .or_else(|| s.get("x-extensible-enum"))
            .cloned()
    };
    let (Some(Value::Array(ov)), Some(nv)) = (values(o), values(n)) else {
        return None;
    };
    let nv = nv.as_array()?;
    let gone: Vec<String> = ov
        .iter()
        .filter(|v| !nv.contains(v))
        .map(Value::to_string)
        .collect();
    (!gone.is_empty()).then(|| gone.join(", "))
}

/// The limits `n` sets tighter than `o`, in words.
fn tightened(o: &Value, n: &Value) -> Vec<(&'static str, String)> {
    let num = |s: &Value, k: &str| s.get(k).and_then(Value::as_f64);
    let mut out = Vec::new();
    for (key, tighter_when_lower) in [
        ("maxLength", true),
        ("maximum", true),
        ("maxItems", true),
        ("maxProperties", true),
        ("minLength", false),
        ("minimum", false),
        ("minItems", false),
        ("minProperties", false),
    ] {
        let (ov, nv) = (num(o, key), num(n, key));
        let tighter = match (ov, nv) {
            (None, Some(_)) => true,
            (Some(a), Some(b)) => {
                if tighter_when_lower {
                    b < a
                } else {
                    b > a
                }
            }
            _ => false,
        };
        if tighter {
            out.push((
                key,
                match ov {
                    Some(a) => format!("`{key}` {a} became {}", nv.unwrap_or_default()),
                    None => format!("`{key}` {} added", nv.unwrap_or_default()),
                },
            ));
        }
    }
    // A pattern that matches anything (`.*`, `^.*$`) constrains nothing.
    let pattern = |s: &Value| {
        s.get("pattern")
            .and_then(Value::as_str)
            .filter(|p| !matches!(*p, ".*" | "^.*$" | "^.*" | ".*$" | "^(.*)$" | "(.*)"))
            .map(str::to_string)
    };
    if pattern(n).is_some() && pattern(o) != pattern(n) {
        out.push((
            "pattern",
            format!("`pattern` is now {}", pattern(n).unwrap_or_default()),
        ));
    }
    out
}

//! The walk over a pair of schemas: each pair compared once (see `Diff::schema`), in the
//! direction it travels, down its properties, items and alternatives.

use std::collections::BTreeSet;

use accord_spec::join;
use serde_json::{Value, json};

use crate::schema::*;
use crate::{Diff, Pair, Rule, Within};

impl Diff<'_> {
    pub(crate) fn schema(
        &mut self,
        old_side: Side<'_>,
        new_side: Side<'_>,
        direction: Direction,
        what: &str,
        label: &str,
    ) {
        let (old, optr, new, nptr) = (old_side.value, old_side.at, new_side.value, new_side.at);
        let (o, optr) = follow(self.old, old, optr);
        let (n, nptr) = follow(self.new, new, nptr);
        let within = std::mem::take(&mut self.within);
        if let Some((on_new, value, at)) = self.reshaped((o, &optr), (n, &nptr)) {
            self.within = within;
            let (old, new) = if on_new {
                (Side::new(o, &optr), Side::new(&value, &at))
            } else {
                (Side::new(&value, &at), Side::new(n, &nptr))
            };
            return self.schema(old, new, direction, what, label);
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
        self.compare(
            Side::new(o, &optr),
            Side::new(n, &nptr),
            direction,
            &pair.3,
            what,
            label,
        );
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

    /// The pair as it is compared when only one side is an `allOf`: a one-member wrapper
    /// (`allOf: [X]` beside `nullable`, as a 3.1 `oneOf: [null, X]` is read) as what it wraps,
    /// and an `allOf` of objects (a schema refactored into a shared base) as the object its
    /// members make. The side replaced (`true`: the new one), its value and its pointer;
    /// `None` when neither side is reshaped.
    fn reshaped(
        &self,
        (o, optr): (&Value, &str),
        (n, nptr): (&Value, &str),
    ) -> Option<(bool, Value, String)> {
        for (on_new, doc, this, at, other) in
            [(true, self.new, n, nptr, o), (false, self.old, o, optr, n)]
        {
            if other.get("allOf").is_some() {
                continue;
            }
            if let Some(member) = single_member(this) {
                let inner = join(&join(at, "allOf"), "0");
                let merged = with_nullable(follow(doc, member, &inner).0, this);
                return Some((on_new, merged, inner));
            }
            if let Some(merged) = flatten_all_of(doc, this, at) {
                return Some((on_new, merged, at.to_string()));
            }
        }
        None
    }

    /// Compares two schemas, `$ref`s followed: the checks of the pair itself, then what is
    /// inside (properties, items, alternatives).
    fn compare(
        &mut self,
        old_side: Side<'_>,
        new_side: Side<'_>,
        direction: Direction,
        within: &Within,
        what: &str,
        label: &str,
    ) {
        let (o, optr, n, nptr) = (old_side.value, old_side.at, new_side.value, new_side.at);
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
            self.narrowed(
                o,
                n,
                (&optr, &nptr),
                (Rule::RequestEnumNarrowed, Rule::RequestTightened),
                what,
                label,
            );
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
        self.properties(
            Side::new(o, &optr),
            Side::new(n, &nptr),
            direction,
            what,
            label,
        );
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
                    Side::new(os, &join(&optr, key)),
                    Side::new(ns, &join(&nptr, key)),
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
                        Side::new(&os[i], &join(&obase, &i.to_string())),
                        Side::new(&ns[j], &join(&nbase, &j.to_string())),
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

    /// What a value clients send may no longer be: an enum's values removed (`rules.0`), and
    /// each limit tightened, its own finding at its keyword so an allow-list entry names one
    /// (`rules.1`; a limit binds only values of its type).
    pub(crate) fn narrowed(
        &mut self,
        o: &Value,
        n: &Value,
        (optr, nptr): (&str, &str),
        (enum_rule, limit_rule): (Rule, Rule),
        what: &str,
        label: &str,
    ) {
        if let Some(removed) = enum_removed(o, n) {
            self.report(
                enum_rule,
                format!("{what}: no longer allows {removed}"),
                Some(join(optr, "enum")),
                Some(join(nptr, "enum")),
                label,
            );
        }
        let kind = self.only_type(self.new, n);
        for (keyword, change) in tightened(o, n)
            .into_iter()
            .filter(|(k, _)| applies(k, kind.as_deref()))
        {
            self.report(
                limit_rule,
                format!("{what}: {change}"),
                Some(join(optr, keyword)),
                Some(join(nptr, keyword)),
                label,
            );
        }
    }

    /// What a request's value newly gets: a list it must be one of (`rules.0`), another default
    /// when it is left out (`rules.1`).
    pub(crate) fn newly_restricted(
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
    pub(crate) fn only_type(&self, doc: &Value, s: &Value) -> Option<String> {
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

    pub(crate) fn properties(
        &mut self,
        old_side: Side<'_>,
        new_side: Side<'_>,
        direction: Direction,
        what: &str,
        label: &str,
    ) {
        let (o, optr, n, nptr) = (old_side.value, old_side.at, new_side.value, new_side.at);
        let (op, np) = (map_of(o, "properties"), map_of(n, "properties"));
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
                        Side::new(os, &optr_p),
                        Side::new(ns, &nptr_p),
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

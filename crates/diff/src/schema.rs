//! What one schema, or a pair of them, says: read without walking (types, enums, limits,
//! requirements, compositions).

use std::collections::{BTreeMap, BTreeSet};

use accord_spec::join;
use serde_json::{Value, json};

/// Which way a schema travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Direction {
    Request,
    Response,
}

/// One side of a comparison: a value, and where it is in its document (a JSON pointer).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Side<'v> {
    pub value: &'v Value,
    pub at: &'v str,
}

impl<'v> Side<'v> {
    pub(crate) fn new(value: &'v Value, at: &'v str) -> Side<'v> {
        Side { value, at }
    }
}

/// The map under `key` in `s` (`properties`, `content`, `responses`), empty when there is none.
pub(crate) fn map_of<'v>(s: &'v Value, key: &str) -> &'v serde_json::Map<String, Value> {
    static EMPTY: std::sync::LazyLock<serde_json::Map<String, Value>> =
        std::sync::LazyLock::new(serde_json::Map::new);
    s.get(key).and_then(Value::as_object).unwrap_or(&EMPTY)
}

/// Follows `$ref`s; the value and the pointer where it is defined.
pub(crate) fn follow<'v>(doc: &'v Value, value: &'v Value, pointer: &str) -> (&'v Value, String) {
    let (value, at) = accord_spec::pointer::follow(doc, value);
    (value, at.unwrap_or_else(|| pointer.to_string()))
}

/// Matches the alternatives of two `allOf`/`oneOf`/`anyOf` lists: by `$ref` where both name
/// one, otherwise by position among the rest. Returns the matched pairs, the old ones left
/// (removed) and the new ones left (added).
pub(crate) fn alternatives(
    os: &[Value],
    ns: &[Value],
) -> (Vec<(usize, usize)>, Vec<usize>, Vec<usize>) {
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
pub(crate) fn kept_changes<'a>(o: &'a Value, n: &'a Value) -> Vec<(&'a str, &'static str)> {
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
pub(crate) fn single_member(s: &Value) -> Option<&Value> {
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
pub(crate) fn flatten_all_of(doc: &Value, s: &Value, at: &str) -> Option<Value> {
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
pub(crate) fn takes_null(doc: &Value, s: &Value) -> bool {
    takes_null_within(doc, s, 0)
}

pub(crate) fn takes_null_within(doc: &Value, s: &Value, depth: usize) -> bool {
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
pub(crate) fn with_nullable(member: &Value, wrapper: &Value) -> Value {
    let mut out = member.clone();
    if wrapper.get("nullable") == Some(&json!(true))
        && let Some(map) = out.as_object_mut()
    {
        map.insert("nullable".into(), json!(true));
    }
    out
}

/// The schema `false` (as the loader writes it: `{"not": {}}`).
pub(crate) fn admits_nothing(s: &Value) -> bool {
    s.get("not")
        .is_some_and(|n| n.as_object().is_some_and(|m| m.is_empty()))
}

pub(crate) fn is_object(s: &Value) -> bool {
    s.get("type").and_then(Value::as_str) == Some("object") || s.get("properties").is_some()
}

/// Today's date as `YYYY-MM-DD` (UTC), for announced sunsets.
pub(crate) fn today() -> String {
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
pub(crate) fn enum_added(o: &Value, n: &Value) -> Option<String> {
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
pub(crate) fn default_changed(o: &Value, n: &Value) -> Option<String> {
    let od = o.get("default")?;
    match n.get("default") {
        Some(nd) if nd == od => None,
        Some(nd) => Some(format!("the default {od} became {nd}")),
        None => Some(format!("the default {od} was removed")),
    }
}

/// The names a schema lists as `required`.
pub(crate) fn required_of(s: &Value) -> Vec<String> {
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
pub(crate) fn type_change(o: &Value, n: &Value, direction: Direction) -> Option<String> {
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
pub(crate) fn discriminator_values(s: &Value) -> BTreeSet<String> {
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
pub(crate) fn applies(keyword: &str, kind: Option<&str>) -> bool {
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
pub(crate) fn enum_removed(o: &Value, n: &Value) -> Option<String> {
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
pub(crate) fn tightened(o: &Value, n: &Value) -> Vec<(&'static str, String)> {
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

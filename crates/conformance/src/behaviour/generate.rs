//! Values a schema accepts, as proptest strategies: enums, formats, patterns, ranges,
//! lengths, nullable and composition, so that a failing request shrinks to a minimal one.
//! Strings are ASCII letters and digits unless a pattern or format says otherwise, so a
//! backend that normalizes text cannot be mistaken for one that loses it.

use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, Just, Union};
use serde_json::{Map, Value, json};

const MAX_DEPTH: usize = 6;

/// What to generate for an object's optional properties.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Optional {
    /// Each present or absent.
    Maybe,
    /// Every one present, none `null` and no free text empty where the schema lets it hold
    /// some (for writes whose effect is read back: whether `null` or `""` is taken is the
    /// boundary pass's to judge, every run; here, now and then, it would make a verdict that
    /// changes from run to run, as a backend that takes `""` as "unchanged" does).
    All,
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    accord_spec::follow_ref(doc, schema)
}

/// A strategy for the values `schema` accepts.
pub fn strategy(doc: &Value, schema: &Value, optional: Optional) -> BoxedStrategy<Value> {
    at(doc, schema, optional, 0)
}

fn at(doc: &Value, schema: &Value, optional: Optional, depth: usize) -> BoxedStrategy<Value> {
    let schema = resolve(doc, schema);
    if depth > MAX_DEPTH {
        return Just(crate::sample::valid(doc, schema)).boxed();
    }
    let inner = bare(doc, schema, optional, depth);
    if schema.get("nullable") == Some(&Value::Bool(true)) && optional != Optional::All {
        prop_oneof![1 => Just(Value::Null), 4 => inner].boxed()
    } else {
        inner
    }
}

fn bare(doc: &Value, schema: &Value, optional: Optional, depth: usize) -> BoxedStrategy<Value> {
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        let values: Vec<Value> = values.iter().filter(|v| !v.is_null()).cloned().collect();
        if !values.is_empty() {
            return proptest::sample::select(values).boxed();
        }
    }
    if let Some(members) = schema.get("allOf").and_then(Value::as_array) {
        let parts: Vec<BoxedStrategy<Value>> = members
            .iter()
            .map(|m| at(doc, m, optional, depth + 1))
            .collect();
        // A member that only requires a property another describes (`allOf: [Tag,
        // {required: [title]}]`) gives it no value of its own: the describing member's stands.
        let described: Vec<std::collections::HashSet<String>> = members
            .iter()
            .map(|m| crate::sample::described(doc, m))
            .collect();
        return parts
            .prop_map(move |values| {
                let mut merged = Map::new();
                for (v, own) in values.into_iter().zip(&described) {
                    if let Value::Object(o) = v {
                        for (k, v) in o {
                            if own.contains(&k) || !merged.contains_key(&k) {
                                merged.insert(k, v);
                            }
                        }
                    }
                }
                Value::Object(merged)
            })
            .boxed();
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(members) = schema.get(key).and_then(Value::as_array)
            && !members.is_empty()
        {
            // The first member first: it shrinks there.
            return Union::new(members.iter().map(|m| at(doc, m, optional, depth + 1))).boxed();
        }
    }
    let kind = schema.get("type").and_then(Value::as_str).unwrap_or(
        if schema.get("properties").is_some() {
            "object"
        } else if schema.get("items").is_some() {
            "array"
        } else {
            "string"
        },
    );
    match kind {
        "object" => object(doc, schema, optional, depth),
        "array" => {
            let min = schema.get("minItems").and_then(Value::as_u64).unwrap_or(0) as usize;
            let max = schema
                .get("maxItems")
                .and_then(Value::as_u64)
                .map(|m| m as usize)
                .unwrap_or(min + 3)
                .clamp(min, min + 3);
            let items = schema.get("items").cloned().unwrap_or(json!({}));
            proptest::collection::vec(at(doc, &items, optional, depth + 1), min..=max)
                .prop_map(Value::Array)
                .boxed()
        }
        "integer" => {
            let (lo, hi) = int_bounds(schema);
            (lo..=hi).prop_map(|n| json!(n)).boxed()
        }
        "number" => {
            let (lo, hi) = int_bounds(schema);
            (lo as f64..=hi as f64)
                .prop_map(|n| json!((n * 100.0).round() / 100.0))
                .boxed()
        }
        "boolean" => any::<bool>().prop_map(Value::Bool).boxed(),
        _ => string(schema, optional),
    }
}

/// The bounds of a number schema, inclusive, kept within a range every backend can store.
pub fn int_bounds(schema: &Value) -> (i64, i64) {
    let exclusive = |key: &str| schema.get(key) == Some(&Value::Bool(true));
    let mut lo = schema
        .get("minimum")
        .and_then(Value::as_f64)
        .map(|m| m.ceil().max(-1e12) as i64)
        .unwrap_or(0);
    let mut hi = schema
        .get("maximum")
        .and_then(Value::as_f64)
        .map(|m| m.floor().min(1e12) as i64)
        .unwrap_or(lo.saturating_add(1000));
    if exclusive("exclusiveMinimum") {
        lo = lo.saturating_add(1);
    }
    if exclusive("exclusiveMaximum") {
        hi = hi.saturating_sub(1);
    }
    if hi < lo {
        hi = lo;
    }
    (lo, hi)
}

fn object(doc: &Value, schema: &Value, optional: Optional, depth: usize) -> BoxedStrategy<Value> {
    let required: Vec<String> = crate::sample::required(doc, schema);
    let props = schema
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut fields: Vec<BoxedStrategy<Option<(String, Value)>>> = Vec::new();
    for (name, prop) in props {
        if resolve(doc, &prop).get("readOnly") == Some(&Value::Bool(true)) {
            continue;
        }
        let value = at(doc, &prop, optional, depth + 1);
        let key = name.clone();
        if required.contains(&name) || optional == Optional::All {
            fields.push(value.prop_map(move |v| Some((key.clone(), v))).boxed());
        } else {
            fields.push(proptest::option::of(value.prop_map(move |v| (key.clone(), v))).boxed());
        }
    }
    // Required properties the schema does not describe still get a value, a text of its
    // own each time: a backend may keep it unique (a tag's title).
    for name in required {
        if schema.pointer(&format!("/properties/{name}")).is_none() {
            fields.push(
                proptest::string::string_regex("accord-[a-z0-9]{8}")
                    .map(|s| s.prop_map(Value::String).boxed())
                    .unwrap_or_else(|_| Just(json!("accord")).boxed())
                    .prop_map(move |v| Some((name.clone(), v)))
                    .boxed(),
            );
        }
    }
    fields
        .prop_map(|pairs| Value::Object(pairs.into_iter().flatten().collect()))
        .boxed()
}

fn string(schema: &Value, optional: Optional) -> BoxedStrategy<Value> {
    let min = schema
        .get("minLength")
        .and_then(Value::as_u64)
        .unwrap_or(0)
        .min(crate::sample::LONGEST_TEXT) as usize;
    let max = schema
        .get("maxLength")
        .and_then(Value::as_u64)
        .map(|m| m as usize)
        .unwrap_or(min.max(1) + 24)
        .clamp(min, min + 32);
    let format = schema
        .get("format")
        .and_then(Value::as_str)
        .map(accord_validate::canonical_format)
        .unwrap_or("");
    // A write read back takes its dates from the past, as a user logs what happened: a time
    // in the future is one a backend may move to now (Baby Buddy's timer starts now where
    // it is told a start to come), and the verdict would turn on the seed's year.
    let years = if optional == Optional::All {
        2000u32..2026
    } else {
        2000u32..2030
    };
    let by_format: Option<BoxedStrategy<String>> = match format {
        "uuid" => Some(
            any::<u128>()
                .prop_map(|n| {
                    uuid::Builder::from_random_bytes(n.to_le_bytes())
                        .into_uuid()
                        .to_string()
                })
                .boxed(),
        ),
        "email" => Some(
            "[a-z][a-z0-9]{0,11}"
                .prop_map(|l| format!("accord-{l}@example.com"))
                .boxed(),
        ),
        "date-time" => Some(
            (
                years.clone(),
                1u32..=12,
                1u32..=28,
                0u32..24,
                0u32..60,
                0u32..60,
            )
                .prop_map(|(y, mo, d, h, mi, s)| {
                    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
                })
                .boxed(),
        ),
        "date" => Some(
            (years, 1u32..=12, 1u32..=28)
                .prop_map(|(y, mo, d)| format!("{y:04}-{mo:02}-{d:02}"))
                .boxed(),
        ),
        "uri" | "url" => Some(
            "[a-z]{1,12}"
                .prop_map(|p| format!("https://example.com/{p}"))
                .boxed(),
        ),
        "ipv4" => Some(
            any::<[u8; 4]>()
                .prop_map(|b| format!("{}.{}.{}.{}", b[0], b[1], b[2], b[3]))
                .boxed(),
        ),
        _ => None,
    };
    if let Some(s) = by_format {
        return s.prop_map(Value::String).boxed();
    }
    if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
        // A whole match of the pattern satisfies it anchored or not; the generator takes
        // no anchors (Python's `\A` and `\Z` are ECMA-262's `^` and `$`, as the validator
        // reads them).
        let anchored = accord_validate::ecma_pattern(pattern);
        let bare = anchored.strip_prefix('^').unwrap_or(&anchored);
        let bare = bare.strip_suffix('$').unwrap_or(bare);
        if let Ok(s) = proptest::string::string_regex(&ascii_classes(bare)) {
            return s
                .prop_filter("length within the schema's bounds", move |s| {
                    let n = s.chars().count();
                    n >= min && n <= max.max(min)
                })
                .prop_map(Value::String)
                .boxed();
        }
    }
    // Text in a write read back: `""` is the boundary pass's to judge, and so is text of
    // digits alone, which a backend whose field takes a number or a duration as text parses
    // and writes back its own way (Baby Buddy's `next_dose_interval`: "1" reads back as
    // "00:00:01"), where text with a letter first is refused: each run's verdict the same.
    if optional == Optional::All && max > 0 {
        let min = min.max(1);
        let rest = format!("[a-zA-Z0-9]{{{},{}}}", min - 1, max.max(min) - 1);
        return proptest::string::string_regex(&format!("[a-zA-Z]{rest}"))
            .map(|s| s.prop_map(Value::String).boxed())
            .unwrap_or_else(|_| Just(Value::String("accord".into())).boxed());
    }
    proptest::string::string_regex(&format!("[a-zA-Z0-9]{{{min},{max}}}"))
        .map(|s| s.prop_map(Value::String).boxed())
        .unwrap_or_else(|_| Just(Value::String("accord".into())).boxed())
}

/// `pattern` with `\w` and `\d` written as the ASCII classes they are in ECMA-262, which
/// JSON Schema's patterns follow: the generator's regex reads them as Unicode classes, and
/// a slug of `^[-\w]+$` came out in scripts no backend's slug field takes (NetBox's tags).
fn ascii_classes(pattern: &str) -> String {
    accord_validate::map_escapes(pattern, |c, in_class| match (c, in_class) {
        ('w', true) => Some("0-9A-Za-z_"),
        ('w', false) => Some("[0-9A-Za-z_]"),
        ('d', true) => Some("0-9"),
        ('d', false) => Some("[0-9]"),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    use super::*;

    fn check(schema: Value) {
        let doc = json!({});
        let validator = accord_validate::Validator::new(&doc, accord_validate::Direction::Request);
        let mut runner = TestRunner::deterministic();
        let strategy = strategy(&doc, &schema, Optional::Maybe);
        for _ in 0..200 {
            let value = strategy.new_tree(&mut runner).unwrap().current();
            let violations = validator.validate(&schema, &value);
            assert!(
                violations.is_empty(),
                "{value} breaks {schema}: {violations:?}"
            );
        }
    }

    #[test]
    fn a_write_read_back_sends_every_property_no_null_and_no_empty_text() {
        let doc = json!({});
        let schema = json!({"type": "object", "properties": {
            "start": {"type": "string", "format": "date-time"},
            "title": {"type": "string", "nullable": true},
            "code": {"type": "string", "maxLength": 1},
            "none": {"type": "string", "maxLength": 0},
            "views": {"type": "integer", "nullable": true}
        }});
        let mut runner = TestRunner::deterministic();
        let all = strategy(&doc, &schema, Optional::All);
        for _ in 0..200 {
            let value = all.new_tree(&mut runner).unwrap().current();
            assert!(
                value["title"]
                    .as_str()
                    .is_some_and(|t| t.starts_with(|c: char| c.is_ascii_alphabetic()))
                    && value["start"].as_str().is_some_and(|t| t < "2026")
                    && value["code"].as_str().is_some_and(|t| t.len() == 1)
                    && value["none"] == ""
                    && value["views"].is_i64(),
                "{value}"
            );
        }
        // Elsewhere a nullable property is `null` now and then.
        let maybe = strategy(&doc, &schema, Optional::Maybe);
        let nulls = (0..200)
            .filter(|_| {
                maybe.new_tree(&mut runner).unwrap().current().get("title") == Some(&Value::Null)
            })
            .count();
        assert!(nulls > 0);
    }

    /// changedetection.io's `CreateTag` is `allOf: [Tag, {required: [title]}]`, `Tag` itself
    /// `allOf: [WatchBase, ...]`: the title is `WatchBase`'s, a text of its own each time,
    /// never one constant that a backend keeping titles unique takes for the same tag.
    #[test]
    fn a_member_that_only_requires_a_property_leaves_it_its_describer_s_value() {
        let doc = json!({"components": {"schemas": {
            "Base": {"type": "object", "properties": {"title": {"type": "string", "format": "email"}}},
            "Tag": {"allOf": [{"$ref": "#/components/schemas/Base"}, {"type": "object", "properties": {"colour": {"type": "string"}}}]}
        }}});
        let schema = json!({"allOf": [{"$ref": "#/components/schemas/Tag"}, {"type": "object", "required": ["title"]}]});
        let mut runner = TestRunner::deterministic();
        let all = strategy(&doc, &schema, Optional::All);
        let titles: std::collections::HashSet<String> = (0..20)
            .map(|_| {
                all.new_tree(&mut runner).unwrap().current()["title"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect();
        assert!(
            titles.len() > 10 && titles.iter().all(|t| t.contains('@')),
            "{titles:?}"
        );
        // Undescribed anywhere, a required property still gets a text of its own.
        let bare = json!({"type": "object", "required": ["code"]});
        let codes: std::collections::HashSet<String> = (0..20)
            .map(|_| {
                strategy(&doc, &bare, Optional::All)
                    .new_tree(&mut runner)
                    .unwrap()
                    .current()["code"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect();
        assert!(codes.len() > 10, "{codes:?}");
    }

    #[test]
    fn generated_values_satisfy_their_schema() {
        check(json!({"type": "string", "format": "uuid"}));
        check(json!({"type": "string", "format": "email"}));
        check(json!({"type": "string", "format": "date-time"}));
        check(json!({"type": "string", "minLength": 3, "maxLength": 5}));
        check(json!({"type": "string", "pattern": "^[A-Z]{2}-[0-9]{3}$"}));
        // `\w` is ASCII in JSON Schema's patterns (ECMA-262).
        let slug = json!({"type": "string", "pattern": "^[-\\w]+$"});
        let mut runner = TestRunner::deterministic();
        for _ in 0..50 {
            let value = strategy(&json!({}), &slug, Optional::All)
                .new_tree(&mut runner)
                .unwrap()
                .current();
            let text = value.as_str().unwrap();
            assert!(
                text.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
                "{text:?}"
            );
        }
        assert_eq!(
            super::ascii_classes(r"[-\w]+\d\."),
            r"[-0-9A-Za-z_]+[0-9]\."
        );
        // Django's slug, anchored as Python anchors: generated values match it.
        check(json!({"type": "string", "pattern": "^[-a-zA-Z0-9_]+\\Z"}));
        check(json!({"type": "integer", "minimum": 1, "maximum": 100}));
        check(json!({"type": "integer", "minimum": 0, "exclusiveMinimum": true}));
        check(json!({"type": "number", "minimum": -5, "maximum": 5}));
        check(json!({"type": "string", "enum": ["a", "b"], "nullable": true}));
        check(json!({"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 2}));
        check(json!({
            "type": "object", "required": ["name"], "additionalProperties": false,
            "properties": {"name": {"type": "string", "minLength": 1}, "tags": {"type": "array", "items": {"type": "string"}}}
        }));
        check(json!({"oneOf": [{"type": "integer"}, {"type": "string", "format": "date"}]}));
        check(json!({"allOf": [
            {"type": "object", "required": ["a"], "properties": {"a": {"type": "boolean"}}},
            {"type": "object", "required": ["b"], "properties": {"b": {"type": "integer", "minimum": 5}}}
        ]}));
    }
}

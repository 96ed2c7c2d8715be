//! YAML into JSON values without refusing what YAML allows: an integer beyond the 64-bit
//! range (a bound such as `18446744073709551616` in a real spec) becomes the nearest JSON
//! float, as JSON parsers do, instead of failing the whole document. The normalization
//! ([`crate::normalize::fit_integers`]) then notes where such a number was and what was done.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::TScalarStyle;

/// Reads a YAML document into JSON. The common document (one, without tags) is read by
/// yaml-rust2's event parser straight into JSON (an alias repeats its anchor's value), resolving plain scalars by
/// the same rules as `serde_yaml`; anything else, and every error, goes through `serde_yaml`,
/// which also locates errors. A large spec reads in about two thirds of the time.
pub fn parse(text: &str) -> Result<Value, serde_yaml::Error> {
    if let Some(value) = fast(text) {
        return Ok(value);
    }
    serde_yaml::from_str::<Lenient>(text).map(|l| l.0)
}

/// The fast path; `None` for what it leaves to `serde_yaml`.
fn fast(text: &str) -> Option<Value> {
    // A large document is scanned on a second thread while this one builds the JSON: the
    // scanning is most of the work, and the two overlap.
    if text.len() < PARALLEL_FROM {
        let mut parser = Parser::new_from_str(text);
        return build(std::iter::from_fn(|| {
            Some(parser.next_token().ok().map(|(e, _)| e))
        }));
    }
    let (events, received) = std::sync::mpsc::sync_channel::<Vec<Option<Event>>>(64);
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut parser = Parser::new_from_str(text);
            let mut batch = Vec::with_capacity(BATCH);
            loop {
                let event = parser.next_token().ok().map(|(e, _)| e);
                let last = matches!(event, None | Some(Event::StreamEnd));
                batch.push(event);
                if last || batch.len() == BATCH {
                    // The builder stops listening when it gives up: so does the scanner.
                    if events.send(std::mem::take(&mut batch)).is_err() || last {
                        return;
                    }
                    batch.reserve(BATCH);
                }
            }
        });
        build(received.into_iter().flatten())
    })
}

/// Documents from this size on are scanned on a thread of their own.
const PARALLEL_FROM: usize = 256 * 1024;
/// Events sent at a time from the scanning thread.
const BATCH: usize = 2048;

/// JSON from YAML events (`None`: the scanner failed); `None` for what is left to `serde_yaml`.
fn build(mut events: impl Iterator<Item = Option<Event>>) -> Option<Value> {
    enum Open {
        Seq(Vec<Value>),
        Map(Map<String, Value>, Option<String>),
    }
    // Each open collection with its anchor (0: none).
    let mut stack: Vec<(Open, usize)> = Vec::new();
    let mut anchors: std::collections::HashMap<usize, Value> = std::collections::HashMap::new();
    let mut root: Option<Value> = None;
    let mut documents = 0;
    loop {
        let event = events.next()??;
        let value = match event {
            Event::StreamStart | Event::Nothing | Event::DocumentEnd => continue,
            Event::StreamEnd => break,
            Event::DocumentStart => {
                documents += 1;
                if documents > 1 {
                    return None;
                }
                continue;
            }
            Event::Scalar(_, _, _, Some(_))
            | Event::SequenceStart(_, Some(_))
            | Event::MappingStart(_, Some(_)) => return None,
            Event::Alias(id) => anchors.get(&id)?.clone(),
            Event::SequenceStart(anchor, None) => {
                stack.push((Open::Seq(Vec::new()), anchor));
                continue;
            }
            Event::MappingStart(anchor, None) => {
                stack.push((Open::Map(Map::new(), None), anchor));
                continue;
            }
            Event::SequenceEnd => match stack.pop()? {
                (Open::Seq(items), anchor) => anchored(&mut anchors, anchor, Value::Array(items)),
                _ => return None,
            },
            Event::MappingEnd => match stack.pop()? {
                (Open::Map(map, None), anchor) => {
                    anchored(&mut anchors, anchor, Value::Object(map))
                }
                _ => return None,
            },
            Event::Scalar(text, style, anchor, None) => {
                // A mapping key: kept as JSON wants it, a string whatever the scalar.
                if let Some((Open::Map(_, key @ None), _)) = stack.last_mut() {
                    if anchor != 0 {
                        return None;
                    }
                    let resolved = if style == TScalarStyle::Plain {
                        plain(text)
                    } else {
                        Value::String(text)
                    };
                    *key = Some(key_string(resolved).ok()?);
                    continue;
                }
                let value = if style == TScalarStyle::Plain {
                    plain(text)
                } else {
                    Value::String(text)
                };
                anchored(&mut anchors, anchor, value)
            }
        };
        match stack.last_mut() {
            None => root = Some(value),
            Some((Open::Seq(items), _)) => items.push(value),
            Some((Open::Map(map, key), _)) => {
                // A key that is a sequence or a mapping is left to serde_yaml (an error).
                let key = key.take()?;
                map.insert(key, value);
            }
        }
    }
    if !stack.is_empty() {
        return None;
    }
    root
}

/// `value`, kept under `anchor` (unless 0) for the aliases that repeat it.
fn anchored(
    anchors: &mut std::collections::HashMap<usize, Value>,
    anchor: usize,
    value: Value,
) -> Value {
    if anchor != 0 {
        anchors.insert(anchor, value.clone());
    }
    value
}

/// A plain scalar resolved as `serde_yaml` resolves it for a value of any type: null, a
/// boolean, an integer (decimal, `0x`, `0o`, `0b`; leading zeros make text), a float, or text.
fn plain(text: String) -> Value {
    let v = text.as_str();
    if v.is_empty() || matches!(v, "null" | "Null" | "NULL" | "~") {
        return Value::Null;
    }
    match v {
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    // A number starts with a digit, a sign or a dot (`.5`, `.inf`): anything else is text,
    // which is most scalars (keys, names, descriptions).
    if !v.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '+' | '-' | '.')) {
        return Value::String(text);
    }
    type E = de::value::Error;
    let int: Option<Result<Value, E>> = if let Some(n) = unsigned(v, u64::from_str_radix) {
        Some(LenientVisitor.visit_u64(n))
    } else if let Some(n) = negative(v, i64::from_str_radix) {
        Some(LenientVisitor.visit_i64(n))
    } else if let Some(n) = unsigned(v, u128::from_str_radix) {
        Some(LenientVisitor.visit_u128(n))
    } else {
        negative(v, i128::from_str_radix).map(|n| LenientVisitor.visit_i128(n))
    };
    if let Some(Ok(value)) = int {
        return value;
    }
    if !digits_but_not_number(v)
        && let Some(f) = float_text(v)
    {
        return float::<E>(f).unwrap_or(Value::Null);
    }
    Value::String(text)
}

fn radix_prefixed<T>(
    digits: &str,
    negative: bool,
    from_str_radix: fn(&str, u32) -> Result<T, std::num::ParseIntError>,
) -> Option<T> {
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(rest) = digits.strip_prefix(prefix) {
            if rest.starts_with(['+', '-']) {
                return None;
            }
            let parsed = if negative {
                from_str_radix(&format!("-{rest}"), radix)
            } else {
                from_str_radix(rest, radix)
            };
            if let Ok(n) = parsed {
                return Some(n);
            }
        }
    }
    None
}

fn unsigned<T>(
    v: &str,
    from_str_radix: fn(&str, u32) -> Result<T, std::num::ParseIntError>,
) -> Option<T> {
    let unpositive = v.strip_prefix('+').unwrap_or(v);
    if let Some(n) = radix_prefixed(unpositive, false, from_str_radix) {
        return Some(n);
    }
    if unpositive.starts_with(['+', '-']) || digits_but_not_number(v) {
        return None;
    }
    from_str_radix(unpositive, 10).ok()
}

fn negative<T>(
    v: &str,
    from_str_radix: fn(&str, u32) -> Result<T, std::num::ParseIntError>,
) -> Option<T> {
    if let Some(rest) = v.strip_prefix('-')
        && let Some(n) = radix_prefixed(rest, true, from_str_radix)
    {
        return Some(n);
    }
    if digits_but_not_number(v) {
        return None;
    }
    from_str_radix(v, 10).ok()
}

fn float_text(v: &str) -> Option<f64> {
    let unpositive = match v.strip_prefix('+') {
        Some(rest) if rest.starts_with(['+', '-']) => return None,
        Some(rest) => rest,
        None => v,
    };
    match unpositive {
        ".inf" | ".Inf" | ".INF" => return Some(f64::INFINITY),
        _ => {}
    }
    match v {
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    unpositive.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// Leading zeros followed by digits are text in YAML 1.2 (`0123`).
fn digits_but_not_number(v: &str) -> bool {
    let v = v.strip_prefix(['-', '+']).unwrap_or(v);
    v.len() > 1 && v.starts_with('0') && v[1..].bytes().all(|b| b.is_ascii_digit())
}

/// A JSON value read from YAML; integers of any size accepted.
pub struct Lenient(pub Value);

impl<'de> Deserialize<'de> for Lenient {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LenientVisitor).map(Lenient)
    }
}

struct LenientVisitor;

fn float<E: de::Error>(f: f64) -> Result<Value, E> {
    Ok(Number::from_f64(f).map_or(Value::Null, Value::Number))
}

impl<'de> Visitor<'de> for LenientVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        match i64::try_from(v) {
            Ok(v) => Ok(Value::Number(v.into())),
            Err(_) => match u64::try_from(v) {
                Ok(v) => Ok(Value::Number(v.into())),
                Err(_) => float(v as f64),
            },
        }
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        match u64::try_from(v) {
            Ok(v) => Ok(Value::Number(v.into())),
            Err(_) => float(v as f64),
        }
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        float(v)
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Lenient::deserialize(d).map(|l| l.0)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Lenient(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<KeyString>()? {
            let Lenient(v) = map.next_value()?;
            out.insert(key.0, v);
        }
        Ok(Value::Object(out))
    }
}

/// A mapping key as JSON wants it: a string, whatever scalar YAML had (`200:` is a key).
struct KeyString(String);

impl<'de> Deserialize<'de> for KeyString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        key_string(Lenient::deserialize(deserializer)?.0)
            .map(KeyString)
            .map_err(de::Error::custom)
    }
}

fn key_string(key: Value) -> Result<String, &'static str> {
    match key {
        Value::String(s) => Ok(s),
        Value::Null => Ok("null".into()),
        Value::Array(_) | Value::Object(_) => Err("a mapping key must be a scalar"),
        other => Ok(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `serde_yaml` alone reads.
    fn slow(text: &str) -> Value {
        serde_yaml::from_str::<Lenient>(text).unwrap().0
    }

    #[test]
    fn the_fast_path_reads_scalars_as_serde_yaml_does() {
        let text = "\
plain: [~, null, Null, NULL, '', true, True, TRUE, false, FALSE, yes, no, on]
ints: [0, -0, +5, 007, -012, 0x1F, -0x1F, 0o17, 0b101, 0xZZ, 1_000, 18446744073709551615]
big: [99999999999999999999, -99999999999999999999, 340282366920938463463374607431768211456]
floats: [1.5, -2.5e3, +1e10, .inf, -.Inf, +.INF, .nan, inf, NaN, 1e400, 0.1e-2, 1.]
quoted: ['1', \"true\", 'null', \"0x1F\"]
block: |
  line one
  line two */
folded: >
  folded
  text
200: ok
1.10: float key
true: bool key
~: null key
nested:
  - a: 1
    b: {c: [1, 2, {d: e}]}
  - - x
    - y
dup: 1
dup: 2
";
        assert_eq!(fast(text), Some(slow(text)));
    }

    #[test]
    fn tags_and_many_documents_are_left_to_serde_yaml_and_aliases_repeat() {
        for text in [
            "a: !!str 123\n",
            "a: !custom 1\n",
            "a: 1\n---\nb: 2\n",
            "? [a, b]\n: c\n",
        ] {
            assert_eq!(fast(text), None, "{text}");
        }
        let aliases = "a: &x {b: [1, &y two]}\nc: *x\nd: [*y, *x]\n";
        assert_eq!(fast(aliases), Some(slow(aliases)));
        assert_eq!(
            parse("a: !!str 123\n").unwrap(),
            serde_json::json!({"a": "123"})
        );
    }

    #[test]
    fn a_large_document_is_read_on_two_threads_the_same() {
        let mut text = String::from("schemas:\n");
        let mut i = 0;
        while text.len() <= PARALLEL_FROM * 2 {
            text.push_str(&format!(
                "  S{i}:\n    type: object\n    required: &r{i} [id]\n    properties:\n      id: {{type: integer, maximum: 0x{i:x}}}\n      tags: *r{i}\n      note: |\n        line {i}\n        and more\n"
            ));
            i += 1;
        }
        assert_eq!(fast(&text), Some(slow(&text)));
        // A tag early on: the builder gives up while the scanner has much left to send.
        let tagged = text.replacen("type: object", "type: !!str object", 1);
        assert_eq!(fast(&tagged), None);
        assert_eq!(parse(&tagged).unwrap(), slow(&tagged));
        // A syntax error far in: the scanning thread stops, and serde_yaml locates it.
        text.push_str("  broken: [1, 2\n  next: x\n");
        assert_eq!(fast(&text), None);
        assert!(parse(&text).unwrap_err().location().is_some());
    }

    #[test]
    fn an_error_is_located_by_serde_yaml() {
        let err = parse("a: [1, 2\nb: c\n").unwrap_err();
        assert!(err.location().is_some(), "{err}");
    }

    /// Every YAML file of the workspace's fixtures and contract reads the same both ways.
    #[test]
    fn the_fast_path_reads_every_fixture_as_serde_yaml_does() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut checked = 0;
        for dir in ["openapi", "fixtures/specs", "fixtures/diff"] {
            let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if !path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                let Ok(expected) = serde_yaml::from_str::<Lenient>(&text) else {
                    continue;
                };
                assert_eq!(fast(&text), Some(expected.0), "{}", path.display());
                checked += 1;
            }
        }
        assert!(checked >= 5, "only {checked} fixtures read");
    }

    #[test]
    fn integers_of_any_size_and_numeric_keys_load() {
        let Lenient(v) = serde_yaml::from_str(
            "a: -9223372036854775808\nb: 18446744073709551615\nc: 99999999999999999999\n200: ok\n",
        )
        .unwrap();
        assert_eq!(v["a"], serde_json::json!(i64::MIN));
        assert_eq!(v["b"], serde_json::json!(u64::MAX));
        assert_eq!(v["c"].as_f64(), Some(1e20));
        assert_eq!(v["200"], "ok");
    }
}

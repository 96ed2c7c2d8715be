//! YAML into JSON values without refusing what YAML allows: an integer beyond the 64-bit
//! range (a bound such as `18446744073709551616` in a real spec) becomes the nearest JSON
//! float, as JSON parsers do, instead of failing the whole document. The normalization
//! ([`crate::normalize::fit_integers`]) then notes where such a number was and what was done.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

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
        match Lenient::deserialize(deserializer)?.0 {
            Value::String(s) => Ok(KeyString(s)),
            Value::Null => Ok(KeyString("null".into())),
            Value::Array(_) | Value::Object(_) => {
                Err(de::Error::custom("a mapping key must be a scalar"))
            }
            other => Ok(KeyString(other.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

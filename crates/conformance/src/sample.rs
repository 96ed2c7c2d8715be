//! Request bodies built from the spec: a minimal valid value of a schema, and the ways to
//! break it (a missing required field, a field of the wrong type).

use serde_json::{Map, Value, json};

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    accord_spec::follow_ref(doc, schema)
}

/// The shape of the ids a backend answers, where its spec types them as any text: a backend
/// that parses its ids refuses one of another shape as malformed (400), never as missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdShape {
    Uuid,
    Digits,
}

impl IdShape {
    /// The shape of the first `id` an answer holds (at its top, in a wrapper, or in the
    /// first item of a list), where it is a UUID or a number.
    pub fn of_answer(body: &Value) -> Option<IdShape> {
        fn find(v: &Value, depth: u8) -> Option<&Value> {
            match v {
                Value::Object(o) => o.get("id").or_else(|| {
                    (depth > 0)
                        .then(|| o.values().find_map(|m| find(m, depth - 1)))
                        .flatten()
                }),
                Value::Array(items) => items.first().and_then(|i| find(i, depth)),
                _ => None,
            }
        }
        match find(body, 2)? {
            Value::Number(_) => Some(IdShape::Digits),
            Value::String(s) if uuid::Uuid::parse_str(s).is_ok() && s.len() == 36 => {
                Some(IdShape::Uuid)
            }
            Value::String(s)
                if !s.is_empty() && s.len() < 19 && s.bytes().all(|b| b.is_ascii_digit()) =>
            {
                Some(IdShape::Digits)
            }
            _ => None,
        }
    }
}

/// The longest text a run writes: a length bound past it (Java's `@Size(max =
/// Integer.MAX_VALUE)`, `maxLength: 2147483647` in JHipster's spec) is no edge a request
/// can reach, and a text one past it would be 2 GiB.
pub const LONGEST_TEXT: u64 = 100_000;

/// An id of `schema`'s type that names no resource: a random UUID for a `uuid`, a large
/// random integer within the bounds for an integer, a random text otherwise (an enum keeps
/// its first value), of the `shape` the backend's ids have where the schema says only
/// text. Writes to a path that the run did not create go only to such ids.
pub fn unused_id(doc: &Value, schema: &Value, shape: Option<IdShape>) -> Value {
    let schema = resolve(doc, schema);
    if let Some(first) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return first.clone();
    }
    let random = uuid::Uuid::new_v4();
    match schema.get("type").and_then(Value::as_str) {
        Some("integer") | Some("number") => {
            let max = schema
                .get("maximum")
                .and_then(Value::as_i64)
                .unwrap_or(i64::from(i32::MAX));
            let min = schema.get("minimum").and_then(Value::as_i64).unwrap_or(1);
            let span = (max - min).max(0) as u64;
            let offset = (random.as_u128() as u64) % (span / 2 + 1);
            json!(max - offset as i64)
        }
        _ if schema
            .get("format")
            .and_then(Value::as_str)
            .map(accord_validate::canonical_format)
            == Some("uuid")
            || (schema.get("format").is_none() && shape == Some(IdShape::Uuid)) =>
        {
            json!(random.to_string())
        }
        _ if schema.get("format").is_none() && shape == Some(IdShape::Digits) => {
            json!(format!(
                "{}",
                1_000_000_000 + (random.as_u128() % 1_000_000_000) as u64
            ))
        }
        _ => {
            let max = schema
                .get("maxLength")
                .and_then(Value::as_u64)
                .unwrap_or(64) as usize;
            let text = format!("accord-unused-{}", random.simple());
            json!(text.chars().take(max.max(1)).collect::<String>())
        }
    }
}

/// A small value `schema` accepts (best effort: examples, defaults and enums first).
/// The schema of the property `name` of `schema`, through `$ref` and `allOf`.
fn property(doc: &Value, schema: &Value, name: &str, depth: usize) -> Option<Value> {
    let schema = resolve(doc, schema);
    if let Some(p) = schema.pointer(&format!("/properties/{name}")) {
        return Some(p.clone());
    }
    if depth >= 8 {
        return None;
    }
    schema
        .get("allOf")?
        .as_array()?
        .iter()
        .find_map(|m| property(doc, m, name, depth + 1))
}

/// The properties `schema` describes, through `$ref` and `allOf`.
pub fn described(doc: &Value, schema: &Value) -> std::collections::HashSet<String> {
    fn walk(
        doc: &Value,
        schema: &Value,
        depth: usize,
        out: &mut std::collections::HashSet<String>,
    ) {
        let schema = resolve(doc, schema);
        if let Some(p) = schema.get("properties").and_then(Value::as_object) {
            out.extend(p.keys().cloned());
        }
        if depth < 8
            && let Some(members) = schema.get("allOf").and_then(Value::as_array)
        {
            for m in members {
                walk(doc, m, depth + 1, out);
            }
        }
    }
    let mut out = std::collections::HashSet::new();
    walk(doc, schema, 0, &mut out);
    out
}

pub fn valid(doc: &Value, schema: &Value) -> Value {
    valid_at(doc, schema, 0)
}

fn valid_at(doc: &Value, schema: &Value, depth: usize) -> Value {
    let schema = resolve(doc, schema);
    if depth > 8 {
        return Value::Null;
    }
    for key in ["example", "default"] {
        if let Some(v) = schema.get(key) {
            return v.clone();
        }
    }
    if let Some(first) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return first.clone();
    }
    if let Some(members) = schema.get("allOf").and_then(Value::as_array) {
        // A member that only requires a property another describes (`allOf: [Tag,
        // {required: [title]}]`) gives it no value of its own: the describing member's stands.
        let mut merged = Map::new();
        for m in members {
            let own = described(doc, m);
            if let Value::Object(o) = valid_at(doc, m, depth + 1) {
                for (k, v) in o {
                    if own.contains(&k) {
                        merged.insert(k, v);
                    } else if !merged.contains_key(&k) {
                        // Required here, described by another member: that member's value.
                        let v = members
                            .iter()
                            .find_map(|other| property(doc, other, &k, 0))
                            .map(|prop| valid_at(doc, &prop, depth + 1))
                            .unwrap_or(v);
                        merged.insert(k, v);
                    }
                }
            }
        }
        return Value::Object(merged);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(first) = schema
            .get(key)
            .and_then(Value::as_array)
            .and_then(|a| a.first())
        {
            return valid_at(doc, first, depth + 1);
        }
    }
    let kind = schema.get("type").and_then(Value::as_str).unwrap_or(
        if schema.get("properties").is_some() {
            "object"
        } else {
            "string"
        },
    );
    match kind {
        "object" => {
            let mut out = Map::new();
            let props = schema.get("properties").and_then(Value::as_object);
            for name in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                let prop = props
                    .and_then(|p| p.get(name))
                    .cloned()
                    .unwrap_or(json!({}));
                if resolve(doc, &prop).get("readOnly") == Some(&Value::Bool(true)) {
                    continue;
                }
                let mut value = valid_at(doc, &prop, depth + 1);
                if let Value::String(text) = &mut value
                    && account_name(name)
                {
                    text.retain(|c| c.is_ascii_alphanumeric());
                }
                out.insert(name.to_string(), value);
            }
            Value::Object(out)
        }
        "array" => {
            let min = schema.get("minItems").and_then(Value::as_u64).unwrap_or(0);
            let items = schema.get("items").cloned().unwrap_or(json!({}));
            Value::Array((0..min).map(|_| valid_at(doc, &items, depth + 1)).collect())
        }
        "integer" | "number" => {
            let min = schema
                .get("minimum")
                .and_then(Value::as_f64)
                .unwrap_or(1.0)
                .max(1.0);
            let exclusive = schema.get("exclusiveMinimum") == Some(&Value::Bool(true));
            let n = if exclusive { min + 1.0 } else { min };
            if kind == "integer" {
                json!(n as i64)
            } else {
                json!(n)
            }
        }
        "boolean" => json!(true),
        _ => {
            let text = match schema
                .get("format")
                .and_then(Value::as_str)
                .map(accord_validate::canonical_format)
            {
                Some("email") => format!(
                    "accord-{}@example.com",
                    &uuid::Uuid::new_v4().simple().to_string()[..8]
                ),
                Some("uuid") => uuid::Uuid::new_v4().to_string(),
                Some("date-time") => "2024-01-01T00:00:00Z".into(),
                Some("date") => "2024-01-01".into(),
                Some("uri") | Some("url") => "https://example.com/accord".into(),
                Some("password") => "accord-password-123".into(),
                // Free text is often kept unique (a title becomes a slug): each sample its own,
                // so concurrent checks never collide on it, where the length allows.
                None if schema.get("pattern").is_none()
                    && schema
                        .get("maxLength")
                        .and_then(Value::as_u64)
                        .is_none_or(|m| m >= 15) =>
                {
                    format!("accord-{}", &uuid::Uuid::new_v4().simple().to_string()[..8])
                }
                _ => "accord".into(),
            };
            let min = schema
                .get("minLength")
                .and_then(Value::as_u64)
                .unwrap_or(0)
                .min(LONGEST_TEXT) as usize;
            let max = schema
                .get("maxLength")
                .and_then(Value::as_u64)
                .map(|m| m as usize)
                .unwrap_or(usize::MAX);
            let mut text = text;
            let short = min.saturating_sub(text.chars().count());
            text.push_str(&"x".repeat(short));
            Value::String(text.chars().take(max.max(min)).collect())
        }
    }
}

/// The object a body of `schema` is, where `schema` offers one among others: the first
/// `oneOf`/`anyOf` branch that is an object (NetBox's creates take one object or an array
/// of them); `schema` itself otherwise.
pub fn object_branch(doc: &Value, schema: &Value) -> Value {
    let resolved = resolve(doc, schema);
    ["oneOf", "anyOf"]
        .iter()
        .filter_map(|k| resolved.get(*k).and_then(Value::as_array))
        .flatten()
        .map(|b| resolve(doc, b))
        .find(|b| {
            b.get("type").and_then(Value::as_str) == Some("object") || b.get("properties").is_some()
        })
        .cloned()
        .unwrap_or_else(|| resolved.clone())
}

/// The schema's required properties, in order.
pub fn required(doc: &Value, schema: &Value) -> Vec<String> {
    let schema = resolve(doc, schema);
    let mut out: Vec<String> = schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(String::from))
        .collect();
    for member in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        out.extend(required(doc, member));
    }
    out
}

/// A value of another JSON type than `value`.
pub fn wrong_type(value: &Value) -> Value {
    match value {
        Value::String(_) => json!(12345),
        Value::Number(_) => json!("not a number"),
        Value::Bool(_) => json!("not a boolean"),
        Value::Array(_) => json!({"not": "an array"}),
        Value::Object(_) => json!(["not", "an", "object"]),
        Value::Null => json!(12345),
    }
}

/// The property among `siblings` that `name` is the second entry of, as a sign-up or
/// password form asks for a secret or an address twice: `password_repeat` (LNbits),
/// `password_confirmation` (Rails, Laravel), `confirmPassword`, `re_password` (Djoser),
/// `password2` beside `password1` (Django's forms). The form sends one value in both, and a
/// backend refuses two (`Passwords do not match.`) before it reaches the code a value would
/// test. Only a secret, an address or a PIN is asked for twice.
pub fn confirms<'a>(name: &str, siblings: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    const ASKED_TWICE: [&str; 6] = ["pass", "pwd", "secret", "mail", "pin", "phrase"];
    const AFTER: [&str; 10] = [
        "repeat",
        "repeated",
        "confirm",
        "confirmation",
        "confirmed",
        "again",
        "check",
        "verify",
        "verification",
        "retype",
    ];
    const BEFORE: [&str; 5] = ["confirm", "repeat", "retype", "verify", "re"];
    let second = squash(name);
    // The second names the first, so it names what is asked twice: most names end here.
    if !ASKED_TWICE.iter().any(|w| second.contains(w)) {
        return None;
    }
    siblings.into_iter().find(|first| {
        let first_squashed = squash(first);
        if *first == name || !ASKED_TWICE.iter().any(|w| first_squashed.contains(w)) {
            return false;
        }
        AFTER
            .iter()
            .any(|w| second == format!("{first_squashed}{w}"))
            || BEFORE
                .iter()
                .any(|w| second == format!("{w}{first_squashed}"))
            || first_squashed
                .strip_suffix('1')
                .is_some_and(|stem| second == format!("{stem}2"))
    })
}

/// `body` with each second entry of a value ([`confirms`]) set to its first, in nested
/// objects too, as the form that sends both fills them.
pub fn mirror_confirmations(body: &mut Value) {
    let Value::Object(map) = body else {
        return;
    };
    let keys: Vec<String> = map.keys().cloned().collect();
    for key in &keys {
        if let Some(first) = confirms(key, keys.iter().map(String::as_str))
            && let Some(value) = map.get(first).cloned()
        {
            map.insert(key.clone(), value);
        }
    }
    for value in map.values_mut() {
        mirror_confirmations(value);
    }
}

/// `name` in lower case, without what is not a letter or a digit (`user_name`, `userName`
/// and `username` alike).
pub fn squash(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase()
}

/// Whether a property named `name` holds a user name (`username`, `login`, `handle`...):
/// what the run writes there is letters and digits alone, which every backend's rule for
/// user names takes, where many refuse a `-` that the spec does not say they refuse (LNbits:
/// `Invalid username.`).
pub fn account_name(name: &str) -> bool {
    let squashed = squash(name);
    [
        "username",
        "login",
        "loginname",
        "handle",
        "nickname",
        "screenname",
        "accountname",
    ]
    .contains(&squashed.as_str())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    /// The second entries of a password or an address, as frameworks name them, take the
    /// first's value; fields that only look alike do not.
    #[test]
    fn a_value_asked_for_twice_is_sent_twice() {
        for (second, first) in [
            ("password_repeat", "password"),
            ("password_confirmation", "password"),
            ("confirmPassword", "password"),
            ("re_password", "password"),
            ("re_new_password", "new_password"),
            ("password2", "password1"),
            ("emailConfirm", "email"),
        ] {
            assert_eq!(
                super::confirms(second, [first, "username"]),
                Some(first),
                "{second}"
            );
        }
        for (name, sibling) in [
            ("review", "view"),
            ("title2", "title1"),
            ("password", "password"),
            ("old_password", "password"),
        ] {
            assert_eq!(super::confirms(name, [sibling]), None, "{name}");
        }
        let mut body = json!({"user": {"password": "a", "password_repeat": "b"}, "pin": "1"});
        super::mirror_confirmations(&mut body);
        assert_eq!(body["user"]["password_repeat"], "a");
        assert!(super::account_name("user_name") && !super::account_name("name"));
    }

    /// changedetection.io's `CreateWatch` is `allOf: [Watch, {required: [url]}]`: the `url`
    /// is `Watch`'s, a URI, not text made up for a property no schema describes.
    #[test]
    fn a_member_that_only_requires_a_property_leaves_it_its_describer_s_value() {
        let doc = json!({"components": {"schemas": {
            "Watch": {"type": "object", "properties": {"url": {"type": "string", "format": "uri"}}}
        }}});
        let schema = json!({"allOf": [
            {"$ref": "#/components/schemas/Watch"},
            {"type": "object", "required": ["url"]}
        ]});
        assert_eq!(
            super::valid(&doc, &schema)["url"],
            json!("https://example.com/accord")
        );
    }
}

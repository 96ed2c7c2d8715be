//! JSON pointers (RFC 6901) and local `$ref`s, one home for every crate (`accord-spec`
//! re-exports it): escaping a token, reading one back, and following a chain of references,
//! percent-decoded (a `$ref` is a URI reference: `{` in a path's name may be `%7B`) and bounded.

use serde_json::Value;

/// How many references a chain may pass through before it is taken for a cycle.
pub const REF_DEPTH: usize = 32;

/// Escapes one pointer token: `a/b~c` -> `a~1b~0c`.
pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Reads one pointer token back: `a~1b~0c` -> `a/b~c`.
pub fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// The pointer a local reference names, percent-decoded: `#/a/%7Bid%7D` -> `/a/{id}`; `None`
/// for a reference into another document.
pub fn local(reference: &str) -> Option<String> {
    let pointer = reference.strip_prefix('#')?;
    Some(
        percent_encoding::percent_decode_str(pointer)
            .decode_utf8_lossy()
            .into_owned(),
    )
}

/// Looks up a local reference (`#/a/b`) in `root`.
pub fn lookup<'v>(root: &'v Value, reference: &str) -> Option<&'v Value> {
    root.pointer(&local(reference)?)
}

/// Follows the `$ref` chain from `value` through `root`, where `root` is the document or, with
/// `prefix` (`/components`), the value found at that pointer of it. Returns the value at the
/// end of the chain and the pointer where it is defined (`None` when `value` is no reference
/// that resolves); a chain that does not resolve or runs past [`REF_DEPTH`] stops where it is.
pub fn follow_under<'v>(
    root: &'v Value,
    prefix: &str,
    value: &'v Value,
) -> (&'v Value, Option<String>) {
    follow_with(value, |pointer| {
        pointer
            .strip_prefix(prefix)
            .and_then(|rest| root.pointer(rest))
    })
}

/// The `$ref` chain from `value`, each decoded pointer looked up by `lookup` (for a caller
/// holding only part of the document, such as its map of schemas).
pub fn follow_with<'v>(
    mut value: &'v Value,
    lookup: impl Fn(&str) -> Option<&'v Value>,
) -> (&'v Value, Option<String>) {
    let mut at = None;
    for _ in 0..REF_DEPTH {
        let Some(pointer) = value.get("$ref").and_then(Value::as_str).and_then(local) else {
            break;
        };
        let Some(target) = lookup(&pointer) else {
            break;
        };
        value = target;
        at = Some(pointer);
    }
    (value, at)
}

/// [`follow_under`] from the document's root.
pub fn follow<'v>(doc: &'v Value, value: &'v Value) -> (&'v Value, Option<String>) {
    follow_under(doc, "", value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tokens_round_trip() {
        assert_eq!(escape("a/b~c"), "a~1b~0c");
        assert_eq!(unescape(&escape("a/b~c~1")), "a/b~c~1");
    }

    #[test]
    fn chains_are_followed_decoded_and_bounded() {
        let doc = json!({
            "paths": {"/a/{id}": {"x": 1}},
            "components": {"schemas": {
                "A": {"$ref": "#/components/schemas/B"},
                "B": {"type": "string"},
                "Loop": {"$ref": "#/components/schemas/Loop"},
            }}
        });
        let a = json!({"$ref": "#/components/schemas/A"});
        assert_eq!(
            follow(&doc, &a),
            (
                &json!({"type": "string"}),
                Some("/components/schemas/B".into())
            )
        );
        let path = json!({"$ref": "#/paths/~1a~1%7Bid%7D"});
        assert_eq!(follow(&doc, &path).0, &json!({"x": 1}));
        let components = &doc["components"];
        assert_eq!(
            follow_under(components, "/components", &a).0,
            &json!({"type": "string"})
        );
        let looping = json!({"$ref": "#/components/schemas/Loop"});
        assert!(follow(&doc, &looping).0.get("$ref").is_some());
        let missing = json!({"$ref": "#/nowhere"});
        assert_eq!(follow(&doc, &missing), (&missing, None));
    }
}

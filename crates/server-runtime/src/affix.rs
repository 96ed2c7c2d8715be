//! Path segments that mix a parameter with text (`/{name}:verb`, `/v{version}.json`): axum's
//! router captures the whole segment, and these match the text around the parameter and take
//! it off, so that one route can serve several operations told apart by that text.

use axum::extract::{FromRequestParts, RawPathParams};

/// A captured segment's route key, the text before its parameter and the text after it.
pub type Affix = (&'static str, &'static str, &'static str);

/// The parameter inside `value` when it starts with `before` and ends with `after`, and
/// something is left between them.
fn inner<'v>(value: &'v str, before: &str, after: &str) -> Option<&'v str> {
    value
        .strip_prefix(before)?
        .strip_suffix(after)
        .filter(|rest| !rest.is_empty())
}

/// The captured path parameters with the text around each affixed one taken off; `None` when
/// a segment does not carry its text (the request is another operation's).
pub fn strip_affixes(
    mut path: Vec<(String, String)>,
    affixes: &[Affix],
) -> Option<Vec<(String, String)>> {
    for (key, before, after) in affixes {
        let (_, value) = path.iter_mut().find(|(k, _)| k == key)?;
        *value = inner(value, before, after)?.to_string();
    }
    Some(path)
}

/// A captured segment holding several parameters (`{origin}-{destination}`): its route key,
/// the text between the parameters, and the route keys of the second parameter on.
pub type Split = (
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
);

/// The captured path parameters with each split segment cut into its parameters at the text
/// between them (the first occurrence of each, left to right); `None` when a segment does not
/// hold that text or a parameter would be empty (the request names no such resource).
pub fn split_params(
    mut path: Vec<(String, String)>,
    splits: &[Split],
) -> Option<Vec<(String, String)>> {
    for (key, between, keys) in splits {
        let at = path.iter().position(|(k, _)| k == key)?;
        let mut rest = path[at].1.clone();
        let mut values = Vec::new();
        for text in between.iter() {
            let (head, tail) = rest.split_once(text)?;
            values.push(head.to_string());
            rest = tail.to_string();
        }
        values.push(rest);
        if values.iter().any(String::is_empty) || values.len() != keys.len() + 1 {
            return None;
        }
        let mut values = values.into_iter();
        path[at].1 = values.next()?;
        for (k, v) in keys.iter().zip(values) {
            path.push((k.to_string(), v));
        }
    }
    Some(path)
}

/// Whether the request's captured segments carry the text `affixes` name; the request is
/// handed back unchanged.
pub async fn affixes_match(request: crate::Request, affixes: &[Affix]) -> (bool, crate::Request) {
    let (mut parts, body) = request.into_parts();
    let matched = match RawPathParams::from_request_parts(&mut parts, &()).await {
        Ok(raw) => affixes.iter().all(|(key, before, after)| {
            raw.iter()
                .find(|(k, _)| k == key)
                .is_some_and(|(_, v)| inner(v, before, after).is_some())
        }),
        Err(_) => false,
    };
    (matched, crate::Request::from_parts(parts, body))
}

/// A path parameter whose schema tells an operation's requests from another's of the same
/// route and method (a UUID `{AttachmentID}` beside a `{FileName}`): its route key and schema.
pub type Guard = (&'static str, &'static crate::Schema);

/// Whether the request's captured segments carry the text `affixes` name and, that text taken
/// off, each value `guards` names fits its schema (`root` holds what the schemas refer to);
/// the request is handed back unchanged.
pub async fn path_fits(
    request: crate::Request,
    root: &'static crate::Schema,
    affixes: &[Affix],
    guards: &[Guard],
) -> (bool, crate::Request) {
    let (mut parts, body) = request.into_parts();
    let fits = match RawPathParams::from_request_parts(&mut parts, &()).await {
        Ok(raw) => {
            let path: Vec<(String, String)> = raw
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            strip_affixes(path, affixes).is_some_and(|path| {
                guards.iter().all(|(key, schema)| {
                    path.iter()
                        .find(|(k, _)| k == key)
                        .is_some_and(|(_, value)| crate::inputs::fits(root, schema, value))
                })
            })
        }
        Err(_) => false,
    };
    (fits, crate::Request::from_parts(parts, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_segment_of_several_parameters_is_cut_at_the_text_between_them() {
        let path = vec![
            ("p0".to_string(), "FRA-JFK".to_string()),
            ("p2".to_string(), "2026".to_string()),
        ];
        assert_eq!(
            split_params(path.clone(), &[("p0", &["-"], &["p1"])]),
            Some(vec![
                ("p0".to_string(), "FRA".to_string()),
                ("p2".to_string(), "2026".to_string()),
                ("p1".to_string(), "JFK".to_string()),
            ])
        );
        assert_eq!(split_params(path.clone(), &[("p0", &[","], &["p1"])]), None);
        let empty = vec![("p0".to_string(), "FRA-".to_string())];
        assert_eq!(split_params(empty, &[("p0", &["-"], &["p1"])]), None);
    }

    #[test]
    fn the_text_around_a_parameter_is_matched_and_taken_off() {
        let path = vec![("p0".to_string(), "books:search".to_string())];
        assert_eq!(
            strip_affixes(path.clone(), &[("p0", "", ":search")]),
            Some(vec![("p0".to_string(), "books".to_string())])
        );
        assert_eq!(strip_affixes(path.clone(), &[("p0", "", ":list")]), None);
        assert_eq!(strip_affixes(path, &[("p0", "books", ":search")]), None);
        let versioned = vec![("p1".to_string(), "v2.json".to_string())];
        assert_eq!(
            strip_affixes(versioned, &[("p1", "v", ".json")]),
            Some(vec![("p1".to_string(), "2".to_string())])
        );
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

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

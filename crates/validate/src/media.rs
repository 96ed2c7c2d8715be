//! Media types, one home for every crate (re-exported as `accord_spec::media`): what counts as
//! JSON (`application/json`, `text/json` and every `+json` type) and as a form, compared by
//! essence (no parameters, lowercase).

/// The essence of a media type: `Application/JSON; charset=utf-8` -> `application/json`.
pub fn essence(media: &str) -> String {
    media
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// `application/json`, `text/json` (older .NET and Java servers declare it), or any `+json`
/// structured syntax (`application/problem+json`).
pub fn is_json(media: &str) -> bool {
    let m = essence(media);
    m == "application/json" || m == "text/json" || m.ends_with("+json")
}

/// `application/x-www-form-urlencoded`.
pub fn is_form(media: &str) -> bool {
    essence(media) == "application/x-www-form-urlencoded"
}

/// `multipart/form-data`.
pub fn is_multipart(media: &str) -> bool {
    essence(media) == "multipart/form-data"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert!(is_json("application/problem+json; charset=utf-8"));
        assert!(is_json("Application/JSON"));
        assert!(!is_json("application/jsonl"));
        assert!(is_json("text/json"));
        assert!(!is_json("text/plain"));
        assert!(is_form("application/x-www-form-urlencoded"));
        assert!(is_multipart("multipart/form-data; boundary=x"));
        assert_eq!(essence(" Text/Plain ;q=1"), "text/plain");
    }
}

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

/// A media range any JSON answer falls in: `*/*` and `application/*`, as springdoc declares
/// every answer of a controller that names no `produces`.
pub fn admits_json(media: &str) -> bool {
    let m = essence(media);
    is_json(&m) || m == "*/*" || m == "application/*"
}

/// The entry of a `content` map that describes a JSON body: the first JSON media type, else
/// the first range a JSON body falls in ([`admits_json`]: springdoc's `*/*`), whose schema
/// then says what the JSON is.
pub fn json_content(
    content: &serde_json::Map<String, serde_json::Value>,
) -> Option<(&String, &serde_json::Value)> {
    content
        .iter()
        .find(|(m, _)| is_json(m))
        .or_else(|| content.iter().find(|(m, _)| admits_json(m)))
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
        assert!(admits_json("*/*") && admits_json("application/*"));
        assert!(!admits_json("text/*") && !admits_json("text/plain"));
    }

    #[test]
    fn a_json_type_goes_before_a_range_that_admits_json() {
        let content: serde_json::Map<String, serde_json::Value> = serde_json::from_str(
            r#"{"text/plain": {"n": 1}, "*/*": {"n": 2}, "application/problem+json": {"n": 3}}"#,
        )
        .unwrap();
        assert_eq!(
            json_content(&content).unwrap().0,
            "application/problem+json"
        );
        let content: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(r#"{"text/plain": {"n": 1}, "*/*": {"n": 2}}"#).unwrap();
        assert_eq!(json_content(&content).unwrap().0, "*/*");
        let content: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(r#"{"text/plain": {"n": 1}}"#).unwrap();
        assert!(json_content(&content).is_none());
    }
}

//! What progenitor cannot generate, given to the methods it generated: the real media type
//! of a body sent as bytes or text (`image/png`, `text/xml`, not `application/octet-stream`
//! and `text/plain`), the typed `multipart/form-data` form of an upload, and the verb and path
//! of an OPTIONS or TRACE operation (moved under a GET for progenitor), a query parameter in
//! the `deepObject` style (`filter[a]=1`), `spaceDelimited` or `pipeDelimited` (`ids=1|2`), or
//! described by JSON `content` (`filter={"a":1}`), and a path or header parameter that is an
//! array, an object or alternatives, or in the `label` or `matrix` style (`1,2`, `.1.2`,
//! `;id=1`), and a cookie parameter as `Cookie: name=value`. `progenitor_compat`
//! marks each operation with [`CLIENT_EXTENSION`]; each method is found by the line
//! progenitor writes in its doc comment (`Sends a `GET` request to `/path``).

use std::collections::BTreeSet;

use serde_json::Value;

use crate::names::{pascal, snake, unique};
use crate::progenitor_compat::{CLIENT_EXTENSION, MOVED_METHOD};

/// Applies every operation's mark of `doc` to the client's source `text`; returns the
/// `multipart` module to append (empty when no operation takes a form). A marked operation
/// whose method is not there (left out by bisection) is passed over.
pub fn finish(text: &mut String, doc: &Value) -> String {
    let mut forms = Vec::new();
    let mut taken = BTreeSet::new();
    let mut helpers: BTreeSet<&'static str> = BTreeSet::new();
    for o in accord_spec::json_operations(doc.get("paths")) {
        let (path, method, op) = (o.path, o.method, o.op);
        let Some(mark) = op.get(CLIENT_EXTENSION) else {
            continue;
        };
        let marker = format!("Sends a `{}` request to `{path}`", method.to_uppercase());
        let Some((start, end)) = method_block(text, &marker) else {
            continue;
        };
        let mut block = text[start..end].to_string();
        if let Some(media) = mark.get("media").and_then(Value::as_str) {
            for sent in ["application/octet-stream", "text/plain"] {
                block = block.replace(
                    &format!("HeaderValue::from_static(\"{sent}\")"),
                    &format!("HeaderValue::from_static({media:?})"),
                );
            }
        }
        if let (Some(verb), Some(original)) = (
            mark.get("method").and_then(Value::as_str),
            mark.get("path").and_then(Value::as_str),
        ) {
            block = block
                .replace(
                    ".get(url)",
                    &format!(".request(::reqwest::Method::{verb}, url)"),
                )
                .replace(&format!("{MOVED_METHOD}{}\"", verb.to_lowercase()), "\"")
                .replace(
                    &marker,
                    &format!("Sends an `{verb}` request to `{original}`"),
                );
        } else if let Some(original) = mark.get("path").and_then(Value::as_str) {
            // Moved to a template whose parameters were renamed: the doc says the spec's.
            block = block.replace(
                &marker,
                &format!(
                    "Sends a `{}` request to `{original}`",
                    method.to_uppercase()
                ),
            );
        }
        for param in entries(mark, "query_styles") {
            let (Some(name), Some(written)) = (
                param.get("name").and_then(Value::as_str),
                param.get("as").and_then(Value::as_str),
            ) else {
                continue;
            };
            // `progenitor_client::QueryParam::new("name", ...)`, perhaps over lines.
            let literal = format!("{name:?}");
            let pattern = tokens(&[
                "progenitor_client",
                "::",
                "QueryParam",
                "::",
                "new",
                "(",
                &literal,
            ]);
            let (call, helper) = match written {
                "deep" => (format!("DeepObject::new({literal}"), DEEP_OBJECT),
                "space" => (format!("Delimited::new({literal}, \" \""), DELIMITED),
                "pipe" => (format!("Delimited::new({literal}, \"|\""), DELIMITED),
                _ => (format!("JsonQuery::new({literal}"), JSON_QUERY),
            };
            if let Some((start, end, _)) = find_tokens(&block, &pattern, None) {
                block = format!("{}{call}{}", &block[..start], &block[end..]);
                helpers.insert(helper);
            }
        }
        for cookie in entries(mark, "cookies") {
            let Some(name) = cookie.get("name").and_then(Value::as_str) else {
                continue;
            };
            let explode = cookie.get("explode").and_then(Value::as_bool) != Some(false);
            // `header_map.append("name", value.to_string()...)` becomes the `Cookie` header
            // `name=value`, the value in the `form` style.
            if let Some((start, end, Some((i, len)))) = header_appends(name)
                .iter()
                .find_map(|pattern| find_tokens(&block, pattern, None))
            {
                let value = &block[i..i + len];
                block = format!(
                    "{}header_map.insert(::reqwest::header::COOKIE, with_cookie(&header_map, {name:?}, &styled({name:?}, \"form\", {explode}, &{value})){}",
                    &block[..start],
                    &block[end..]
                );
                helpers.insert(STYLED);
                helpers.insert(WITH_COOKIE);
            }
        }
        for param in entries(mark, "styled") {
            let (Some(name), Some(ident), Some(style)) = (
                param.get("name").and_then(Value::as_str),
                param.get("ident").and_then(Value::as_str),
                param.get("style").and_then(Value::as_str),
            ) else {
                continue;
            };
            let explode = param.get("explode").and_then(Value::as_bool) == Some(true);
            let call = format!("styled({name:?}, {style:?}, {explode}, &");
            let before = block.clone();
            if param.get("in").and_then(Value::as_str) == Some("header") {
                for pattern in header_appends(name) {
                    block = rewrite_call(&block, &pattern, None, &call);
                    if block != before {
                        break;
                    }
                }
            } else {
                let pattern = tokens(&["encode_path", "(", "&", "$", ".", "to_string", "(", ")"]);
                block = rewrite_call(&block, &pattern, Some(ident), &call);
            }
            if block != before {
                helpers.insert(STYLED);
            }
        }
        if mark.get("content_type_param").is_some() {
            // Bytes under a media range: the method takes the content type they go as.
            block = block
                .replacen(
                    "body: B,",
                    "body_content_type: &'a str,\n        body: B,",
                    1,
                )
                .replacen(
                    "::reqwest::header::HeaderValue::from_static(\"application/octet-stream\")",
                    "::reqwest::header::HeaderValue::from_str(body_content_type)\n                    .map_err(|e| Error::InvalidRequest(e.to_string()))?",
                    1,
                );
        }
        if let Some(parts) = mark.get("multipart").and_then(Value::as_array) {
            let id = op
                .get("operationId")
                .and_then(Value::as_str)
                .unwrap_or(path);
            let name = unique(&mut taken, format!("{}Form", pascal(id)), &["FilePart"]);
            block = block
                .replacen("<'a, B: Into<reqwest::Body>>(", "<'a>(", 1)
                .replacen("body: B,", &format!("body: &'a multipart::{name},"), 1)
                .replacen(
                    "let url = format!(",
                    "let (content_type, body) = body.encode();\n        let url = format!(",
                    1,
                )
                .replacen(
                    "::reqwest::header::HeaderValue::from_static(\"application/octet-stream\")",
                    "::reqwest::header::HeaderValue::from_str(&content_type)\n                    .map_err(|e| Error::InvalidRequest(e.to_string()))?",
                    1,
                );
            forms.push(form(
                &name,
                &format!("{} {path}", method.to_uppercase()),
                parts,
            ));
        }
        text.replace_range(start..end, &block);
    }
    let mut out = String::new();
    for helper in helpers {
        out.push_str(helper);
    }
    if !forms.is_empty() {
        out.push_str(&format!("{MULTIPART_HEAD}{}}}\n", forms.concat()));
    }
    out
}

/// The entries of the mark's list `key` (none when it has none).
fn entries<'a>(mark: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    mark.get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

/// A match of [`find_tokens`]: its start and end, and where its identifier is (start, length).
type Found = (usize, usize, Option<(usize, usize)>);

/// Where `pattern` first occurs in `block`, token by token with any whitespace between (a
/// call prettyplease broke over lines still matches): its span, and the span of the identifier
/// `$` stands for (which must be `expect`, or `expect_` as progenitor writes a keyword, when
/// given).
fn find_tokens(block: &str, pattern: &[String], expect: Option<&str>) -> Option<Found> {
    let mut from = 0;
    while let Some(found) = block[from..].find(pattern[0].as_str()) {
        let start = from + found;
        let mut at = start;
        let mut ident = None;
        let mut matched = true;
        for token in pattern {
            at += block[at..].len() - block[at..].trim_start().len();
            if token == "$" {
                let len = block[at..]
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(block.len() - at);
                let found = &block[at..at + len];
                if len == 0 || expect.is_some_and(|e| e != found && format!("{e}_") != found) {
                    matched = false;
                    break;
                }
                ident = Some((at, len));
                at += len;
            } else if block[at..].starts_with(token.as_str()) {
                at += token.len();
            } else {
                matched = false;
                break;
            }
        }
        if matched {
            return Some((start, at, ident));
        }
        from = start + pattern[0].len();
    }
    None
}

/// `block` with the first match of `pattern` (ending in `$.to_string()`) made
/// `{call}$)` from the identifier on (`call` opens the helper's call: `styled("ids", ... &`).
fn rewrite_call(block: &str, pattern: &[String], expect: Option<&str>, call: &str) -> String {
    match find_tokens(block, pattern, expect) {
        Some((_, end, Some((i, len)))) => format!(
            "{}{call}{}){}",
            &block[..i],
            &block[i..i + len],
            &block[end..]
        ),
        _ => block.to_string(),
    }
}

/// The patterns of progenitor's `header_map.append("Name", value.to_string()...)` for the
/// header `name`, as the spec spells it and in lower case; `$` the value, whatever progenitor
/// bound it to.
fn header_appends(name: &str) -> [Vec<String>; 2] {
    [name.to_string(), name.to_ascii_lowercase()].map(|spelled| {
        let literal = format!("{spelled:?}");
        tokens(&[
            "header_map",
            ".",
            "append",
            "(",
            &literal,
            ",",
            "$",
            ".",
            "to_string",
            "(",
            ")",
        ])
    })
}

/// A pattern for [`find_tokens`], one entry per token.
fn tokens(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|t| t.to_string()).collect()
}

/// The writer of path and header parameters in their style.
const STYLED: &str = r#"/// A path or header parameter in its style (`simple`, `label`, `matrix`; exploded or
/// not): a scalar as its text (`5`, `.5`, `;id=5`), an array's items (`1,2`, `.1.2`,
/// `;id=1;id=2`), an object's members (`a,1,b,2`, `a=1,b=2`, `;a=1;b=2`); described by
/// `content` (`json`), its JSON text, a string as itself.
#[doc(hidden)]
pub fn styled<T: ::serde::Serialize + ?Sized>(
    name: &str,
    style: &str,
    explode: bool,
    value: &T,
) -> ::std::string::String {
    fn text(value: &::serde_json::Value) -> ::std::string::String {
        match value {
            ::serde_json::Value::String(text) => text.clone(),
            ::serde_json::Value::Null => ::std::string::String::new(),
            other => other.to_string(),
        }
    }
    let value = ::serde_json::to_value(value).unwrap_or(::serde_json::Value::Null);
    if style == "json" {
        // Described by `content`: JSON text, a string as itself.
        return text(&value);
    }
    // The items: an array's values, an object's `key=value` pairs when exploded, else its
    // keys and values in turn; `None` for a scalar.
    let items: ::std::option::Option<::std::vec::Vec<::std::string::String>> = match &value {
        ::serde_json::Value::Array(items) => Some(items.iter().map(text).collect()),
        ::serde_json::Value::Object(members) if explode => Some(
            members
                .iter()
                .map(|(k, v)| format!("{k}={}", text(v)))
                .collect(),
        ),
        ::serde_json::Value::Object(members) => Some(
            members
                .iter()
                .flat_map(|(k, v)| [k.clone(), text(v)])
                .collect(),
        ),
        _ => None,
    };
    let object = value.is_object();
    match (style, items) {
        ("label", None) => format!(".{}", text(&value)),
        ("label", Some(items)) => format!(".{}", items.join(if explode { "." } else { "," })),
        ("matrix", None) => format!(";{name}={}", text(&value)),
        ("matrix", Some(items)) if explode && object => {
            items.iter().map(|i| format!(";{i}")).collect()
        }
        ("matrix", Some(items)) if explode => {
            items.iter().map(|i| format!(";{name}={i}")).collect()
        }
        ("matrix", Some(items)) => format!(";{name}={}", items.join(",")),
        (_, None) => text(&value),
        (_, Some(items)) => items.join(","),
    }
}
"#;

/// The writer of the `Cookie` header, one for every cookie parameter.
const WITH_COOKIE: &str = r#"/// The `Cookie` header with `name=value` added to what `headers` hold already: one header
/// for every cookie parameter, as RFC 6265 has it.
#[doc(hidden)]
pub fn with_cookie(
    headers: &::reqwest::header::HeaderMap,
    name: &str,
    value: &str,
) -> ::std::string::String {
    match headers
        .get(::reqwest::header::COOKIE)
        .and_then(|v| v.to_str().ok())
    {
        Some(before) => format!("{before}; {name}={value}"),
        None => format!("{name}={value}"),
    }
}
"#;

/// The writer of `spaceDelimited` and `pipeDelimited` query parameters.
const DELIMITED: &str = r#"/// A query parameter in the `spaceDelimited` or `pipeDelimited` style, not exploded: an
/// array's items (an object's keys and values in turn) joined by the separator,
/// `ids=1%202` or `ids=1|2`; nothing for `None` or `null`.
#[doc(hidden)]
pub struct Delimited<'a, T: ?Sized> {
    name: &'a str,
    separator: &'a str,
    value: &'a T,
}
impl<'a, T: ?Sized> Delimited<'a, T> {
    pub fn new(name: &'a str, separator: &'a str, value: &'a T) -> Self {
        Self { name, separator, value }
    }
}
impl<T: ::serde::Serialize + ?Sized> ::serde::Serialize for Delimited<'_, T> {
    fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        fn text(value: &::serde_json::Value) -> ::std::string::String {
            match value {
                ::serde_json::Value::String(text) => text.clone(),
                other => other.to_string(),
            }
        }
        let value = ::serde_json::to_value(self.value).map_err(::serde::ser::Error::custom)?;
        let items: ::std::vec::Vec<::std::string::String> = match &value {
            ::serde_json::Value::Null => ::std::vec::Vec::new(),
            ::serde_json::Value::Array(items) => items.iter().map(text).collect(),
            ::serde_json::Value::Object(members) => members
                .iter()
                .flat_map(|(k, v)| [k.clone(), text(v)])
                .collect(),
            other => ::std::vec![text(other)],
        };
        let pairs: ::std::vec::Vec<(&str, ::std::string::String)> = if value.is_null() {
            ::std::vec::Vec::new()
        } else {
            ::std::vec![(self.name, items.join(self.separator))]
        };
        pairs.serialize(serializer)
    }
}
"#;

/// The writer of query parameters described by JSON `content`.
const JSON_QUERY: &str = r#"/// A query parameter described by `content`: its value as JSON text,
/// `filter={"kind":"a"}`, a string as itself; nothing for `None`.
#[doc(hidden)]
pub struct JsonQuery<'a, T: ?Sized> {
    name: &'a str,
    value: &'a T,
}
impl<'a, T: ?Sized> JsonQuery<'a, T> {
    pub fn new(name: &'a str, value: &'a T) -> Self {
        Self { name, value }
    }
}
impl<T: ::serde::Serialize + ?Sized> ::serde::Serialize for JsonQuery<'_, T> {
    fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let value = ::serde_json::to_value(self.value).map_err(::serde::ser::Error::custom)?;
        let pairs: ::std::vec::Vec<(&str, ::std::string::String)> = match value {
            ::serde_json::Value::Null => ::std::vec::Vec::new(),
            ::serde_json::Value::String(text) => ::std::vec![(self.name, text)],
            other => ::std::vec![(self.name, other.to_string())],
        };
        pairs.serialize(serializer)
    }
}
"#;

/// The writer of `deepObject` query parameters, which progenitor writes as `form`.
const DEEP_OBJECT: &str = r#"/// A query parameter in the `deepObject` style: `filter[a]=1&filter[b][c]=x` (an array's
/// items as `filter[a][]=1`); nothing for `None` or `null`.
#[doc(hidden)]
pub struct DeepObject<'a, T> {
    name: &'a str,
    value: &'a T,
}
impl<'a, T> DeepObject<'a, T> {
    pub fn new(name: &'a str, value: &'a T) -> Self {
        Self { name, value }
    }
}
impl<T: ::serde::Serialize> ::serde::Serialize for DeepObject<'_, T> {
    fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        fn walk(
            at: ::std::string::String,
            value: &::serde_json::Value,
            out: &mut ::std::vec::Vec<(::std::string::String, ::std::string::String)>,
        ) {
            match value {
                ::serde_json::Value::Null => {}
                ::serde_json::Value::Object(members) => {
                    for (key, value) in members {
                        walk(format!("{at}[{key}]"), value, out);
                    }
                }
                ::serde_json::Value::Array(items) => {
                    for value in items {
                        walk(format!("{at}[]"), value, out);
                    }
                }
                ::serde_json::Value::String(text) => out.push((at, text.clone())),
                other => out.push((at, other.to_string())),
            }
        }
        let value = ::serde_json::to_value(self.value).map_err(::serde::ser::Error::custom)?;
        let mut pairs = ::std::vec::Vec::new();
        walk(self.name.to_string(), &value, &mut pairs);
        pairs.serialize(serializer)
    }
}
"#;

/// The span of the method whose doc comment holds `marker`: from the comment to the next
/// method's comment (or the end of the `impl`).
fn method_block(text: &str, marker: &str) -> Option<(usize, usize)> {
    // The marker ends with the path's closing backtick: `/items` never finds `/items/{id}`.
    let at = text.find(marker)?;
    let start = text[..at].rfind("/**").unwrap_or(at);
    let body = at + text[at..].find("pub async fn ")?;
    let end = [text[body..].find("\n    /**"), text[body..].find("\n}\n")]
        .into_iter()
        .flatten()
        .min()
        .map_or(text.len(), |e| body + e + 1);
    Some((start, end))
}

/// One operation's form: a struct of its parts and the `encode` that writes them.
fn form(name: &str, label: &str, parts: &[Value]) -> String {
    let mut fields = String::new();
    let mut writes = String::new();
    let mut taken = BTreeSet::new();
    for part in parts {
        let Some(wire) = part.get("name").and_then(Value::as_str) else {
            continue;
        };
        let kind = part.get("kind").and_then(Value::as_str).unwrap_or("text");
        let required = part.get("required").and_then(Value::as_bool) == Some(true);
        let field = unique(&mut taken, snake(wire), &[]);
        let ty = match kind {
            "file" => "FilePart",
            "files" => "::std::vec::Vec<FilePart>",
            "integer" => "i64",
            "number" => "f64",
            "boolean" => "bool",
            "json" => "::serde_json::Value",
            _ => "::std::string::String",
        };
        let write = match kind {
            "file" => format!("w.file({wire:?}, v);"),
            "files" => format!("for f in v {{ w.file({wire:?}, f); }}"),
            "json" => format!("w.text({wire:?}, &v.to_string());"),
            _ => format!("w.text({wire:?}, &v.to_string());"),
        };
        if required || kind == "files" {
            fields.push_str(&format!(
                "        /// The part `{wire}`.\n        pub {field}: {ty},\n"
            ));
            writes.push_str(&format!(
                "            {{ let v = &self.{field}; {write} }}\n"
            ));
        } else {
            fields.push_str(&format!(
                "        /// The part `{wire}` (optional).\n        pub {field}: ::std::option::Option<{ty}>,\n"
            ));
            writes.push_str(&format!(
                "            if let Some(v) = &self.{field} {{ {write} }}\n"
            ));
        }
    }
    format!(
        "    /// The `multipart/form-data` body of `{label}`, one field per part.\n    #[derive(Clone, Debug)]\n    pub struct {name} {{\n{fields}    }}\n    impl {name} {{\n        /// The body's content type (with its boundary) and bytes.\n        pub fn encode(&self) -> (::std::string::String, ::std::vec::Vec<u8>) {{\n            let mut w = Writer::default();\n{writes}            w.finish()\n        }}\n    }}\n"
    )
}

/// The module's fixed part: the file part and the writer every form uses.
const MULTIPART_HEAD: &str = r#"/// The `multipart/form-data` bodies of the operations that take one: a struct per form,
/// one field per part; its `encode` gives the content type and the bytes the method sends.
#[allow(clippy::all)]
pub mod multipart {
    /// A file part: its bytes, the file name sent with it and its content type.
    #[derive(Clone, Debug)]
    pub struct FilePart {
        pub file_name: ::std::string::String,
        pub bytes: ::std::vec::Vec<u8>,
        pub content_type: ::std::string::String,
    }
    impl FilePart {
        /// A part of `bytes` named `file_name`, sent as `application/octet-stream`.
        pub fn new(
            file_name: impl Into<::std::string::String>,
            bytes: impl Into<::std::vec::Vec<u8>>,
        ) -> Self {
            Self {
                file_name: file_name.into(),
                bytes: bytes.into(),
                content_type: "application/octet-stream".into(),
            }
        }
        /// The same part, sent as `content_type`.
        pub fn with_content_type(mut self, content_type: impl Into<::std::string::String>) -> Self {
            self.content_type = content_type.into();
            self
        }
    }
    /// The parts written so far, each as (headers, bytes), joined by a boundary none of them
    /// holds.
    #[derive(Default)]
    struct Writer {
        parts: ::std::vec::Vec<(::std::string::String, ::std::vec::Vec<u8>)>,
    }
    /// A name or file name inside a quoted header parameter: quotes and line breaks
    /// percent-encoded, as browsers send them.
    fn quoted(text: &str) -> ::std::string::String {
        text.replace('"', "%22").replace('\r', "%0D").replace('\n', "%0A")
    }
    impl Writer {
        fn text(&mut self, name: &str, value: &str) {
            self.parts.push((
                format!("Content-Disposition: form-data; name=\"{}\"\r\n", quoted(name)),
                value.as_bytes().to_vec(),
            ));
        }
        fn file(&mut self, name: &str, file: &FilePart) {
            let content_type: ::std::string::String = file
                .content_type
                .chars()
                .filter(|c| !c.is_control())
                .collect();
            self.parts.push((
                format!(
                    "Content-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {}\r\n",
                    quoted(name),
                    quoted(&file.file_name),
                    content_type
                ),
                file.bytes.clone(),
            ));
        }
        fn finish(self) -> (::std::string::String, ::std::vec::Vec<u8>) {
            use ::std::hash::{BuildHasher, Hasher};
            // A boundary that occurs in no part: drawn again until it does not.
            let mut boundary;
            let mut round = 0u64;
            loop {
                let mut h = ::std::collections::hash_map::RandomState::new().build_hasher();
                h.write_u64(round);
                boundary = format!("accord-{:016x}", h.finish());
                let needle = boundary.as_bytes();
                if !self
                    .parts
                    .iter()
                    .any(|(_, b)| b.windows(needle.len()).any(|w| w == needle))
                {
                    break;
                }
                round += 1;
            }
            let mut body = ::std::vec::Vec::new();
            for (headers, bytes) in &self.parts {
                body.extend_from_slice(format!("--{boundary}\r\n{headers}\r\n").as_bytes());
                body.extend_from_slice(bytes);
                body.extend_from_slice(b"\r\n");
            }
            body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
            (format!("multipart/form-data; boundary={boundary}"), body)
        }
    }
"#;

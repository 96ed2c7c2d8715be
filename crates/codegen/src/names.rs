//! Rust names, one home: what typify calls a schema, and the snake_case and PascalCase
//! identifiers the server target derives from operation ids, parameters and headers, never
//! keywords, made unique within their scope.

use std::collections::BTreeSet;

/// typify's name for a schema: heck's PascalCase of it (`HTTPValidationError` becomes
/// `HttpValidationError`), with what is not an identifier character as a word break.
pub fn rust_name(schema: &str) -> String {
    use heck::ToPascalCase;
    let words: String = schema
        .replace('\'', "")
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let out = words.to_pascal_case();
    match out.chars().next() {
        None => "X".to_string(),
        Some(c) if c.is_alphabetic() => out,
        Some(_) => format!("X{out}"),
    }
}

/// A Rust identifier in snake_case, ASCII only, never a keyword.
pub fn snake(name: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && prev_lower && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        } else {
            if !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
            prev_lower = false;
        }
    }
    let out = out.trim_matches('_').to_string();
    let out = if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("v_{out}")
    } else {
        out
    };
    if KEYWORDS.contains(&out.as_str()) {
        format!("{out}_")
    } else {
        out
    }
}

/// A PascalCase identifier, ASCII only (any other letter may not start an identifier).
pub fn pascal(name: &str) -> String {
    let out: String = rust_name(name)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("Op{out}")
    } else {
        out
    }
}

const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen", "union",
];

/// `wanted`, or `wanted_2`, `wanted_3`... (`Wanted2` for a PascalCase name, which a `_`
/// would make non-camel-case): the first not yet `taken` nor `reserved`; taken from then on.
pub fn unique(taken: &mut BTreeSet<String>, wanted: String, reserved: &[&str]) -> String {
    let mut candidate = wanted.clone();
    let separator = if wanted.starts_with(|c: char| c.is_ascii_uppercase()) {
        ""
    } else {
        "_"
    };
    let mut n = 2;
    while taken.contains(&candidate) || reserved.contains(&candidate.as_str()) {
        candidate = format!("{wanted}{separator}{n}");
        n += 1;
    }
    taken.insert(candidate.clone());
    candidate
}

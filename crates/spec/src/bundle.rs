//! Brings the other files a document's `$ref`s name into the document itself, the way a spec
//! split over several files (`paths/pets.yaml`, `schemas/Pet.yaml#/Pet`) is bundled before
//! any tool reads it. Everything downstream then sees one document with local references.
//!
//! A reference is resolved against the file it is written in. What it points at goes where
//! its kind belongs: a schema, parameter, response, request body, header, link, callback or
//! security scheme into `components` (under its own name, made unique, so that
//! cycles between files stay references); anything else (a path item, say) is copied in
//! place. Remote (`http:`) references are refused: accord never fetches while it loads.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::error::{Problem, SpecError, percent_decode};
use crate::validate::{enters, is_name_map};

/// Whether `text` may hold a `$ref` to another file: some `$ref` whose value does not start
/// with `#`. Cheap, so that a document in one file (the common case) is never walked for it.
pub(crate) fn may_refer_out(text: &str) -> bool {
    text.match_indices("$ref").any(|(at, _)| {
        let rest = text[at + 4..].trim_start_matches(['"', '\'', ':', ' ', '\t']);
        !rest.starts_with('#')
    })
}

/// Bundles the files `document` (read from `path`) refers to into it. Returns a note per file
/// brought in; every reference that cannot be followed is a located problem.
pub(crate) fn bundle(document: &mut Value, path: &Path) -> Result<Vec<Problem>, SpecError> {
    let root = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let mut bundler = Bundler {
        root: root.clone(),
        files: HashMap::new(),
        placed: HashMap::new(),
        taken: HashSet::new(),
        existing: HashMap::new(),
        added: Vec::new(),
        inlining: Vec::new(),
        brought: Vec::new(),
        problems: Vec::new(),
    };
    if let Some(components) = document.get("components").and_then(Value::as_object) {
        for (kind, section) in components {
            for (name, value) in section.as_object().into_iter().flatten() {
                bundler.taken.insert((kind.clone(), name.clone()));
                bundler
                    .existing
                    .insert((kind.clone(), name.clone()), value.clone());
            }
        }
    }
    bundler.walk(document, &root, &mut Vec::new(), "");
    if !bundler.problems.is_empty() {
        return Err(SpecError::Invalid {
            path: path.to_path_buf(),
            problems: bundler.problems,
        });
    }
    if !bundler.added.is_empty() {
        let Some(root_map) = document.as_object_mut() else {
            return Ok(Vec::new());
        };
        let components = root_map
            .entry("components")
            .or_insert_with(|| Value::Object(Map::new()));
        if !components.is_object() {
            *components = Value::Object(Map::new());
        }
        for (kind, name, value) in bundler.added {
            if let Some(section) = components
                .as_object_mut()
                .map(|c| c.entry(kind).or_insert_with(|| Value::Object(Map::new())))
                .and_then(Value::as_object_mut)
            {
                section.insert(name, value);
            }
        }
    }
    let base = root.parent().unwrap_or(Path::new(""));
    Ok(bundler
        .brought
        .iter()
        .map(|file| {
            let shown = file.strip_prefix(base).unwrap_or(file);
            Problem::new("", format!("bundled the $refs into `{}`", shown.display()))
        })
        .collect())
}

/// Where a reference points: a file and a JSON pointer in it.
type Target = (PathBuf, String);

struct Bundler {
    root: PathBuf,
    /// Every file read so far, parsed.
    files: HashMap<PathBuf, Value>,
    /// Targets already given a place in `components`: their local `$ref`.
    placed: HashMap<Target, String>,
    /// `(section, name)` of `components` in use.
    taken: HashSet<(String, String)>,
    /// What the root document itself defines in `components`, to reuse an identical copy.
    existing: HashMap<(String, String), Value>,
    /// What to add to `components`, in order.
    added: Vec<(String, String, Value)>,
    /// Targets being copied in place, to refuse a cycle through them.
    inlining: Vec<Target>,
    /// Files brought in, in the order first met.
    brought: Vec<PathBuf>,
    problems: Vec<Problem>,
}

impl Bundler {
    /// Rewrites every reference under `value`, found in `file`; `tokens` is where `value` is
    /// in the bundled document.
    fn walk(&mut self, value: &mut Value, file: &Path, tokens: &mut Vec<String>, parent: &str) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(reference)) = map.get("$ref") {
                    let reference = reference.clone();
                    match self.follow(&reference, file, tokens) {
                        Some(Site::Ref(local)) => {
                            map.insert("$ref".into(), Value::String(local));
                        }
                        Some(Site::Copy(copy)) => {
                            *value = copy;
                            return;
                        }
                        None => {}
                    }
                }
                let names = is_name_map(parent);
                for (key, child) in map.iter_mut() {
                    if key == "$ref" || !enters(key, child, names) {
                        continue;
                    }
                    tokens.push(key.clone());
                    self.walk(child, file, tokens, crate::validate::parent_of(key, names));
                    tokens.pop();
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter_mut().enumerate() {
                    if matches!(child, Value::Object(_) | Value::Array(_)) {
                        tokens.push(i.to_string());
                        self.walk(child, file, tokens, "");
                        tokens.pop();
                    }
                }
            }
            _ => {}
        }
    }

    /// What a `$ref` written in `file` at `tokens` becomes, or `None` to leave it as it is.
    fn follow(&mut self, reference: &str, file: &Path, tokens: &[String]) -> Option<Site> {
        let (file_part, fragment) = reference.split_once('#').unwrap_or((reference, ""));
        if file_part.is_empty() && file == self.root {
            return None;
        }
        let at = pointer_of(tokens);
        if file_part.contains("://") {
            self.problems.push(Problem::new(
                at,
                format!("$ref `{reference}` names a remote document; accord does not fetch while it loads: save it beside the spec and refer to the file"),
            ));
            return None;
        }
        let target_file = if file_part.is_empty() {
            file.to_path_buf()
        } else {
            let joined = file
                .parent()
                .unwrap_or(Path::new(""))
                .join(percent_decode(file_part));
            match joined.canonicalize() {
                Ok(found) => found,
                Err(e) => {
                    self.problems.push(Problem::new(
                        at,
                        format!(
                            "$ref `{reference}`: cannot read `{}`: {e}",
                            joined.display()
                        ),
                    ));
                    return None;
                }
            }
        };
        let pointer = percent_decode(fragment);
        if !pointer.is_empty() && !pointer.starts_with('/') {
            self.problems.push(Problem::new(
                at,
                format!("$ref `{reference}`: the part after `#` must be a JSON pointer such as `#/components/schemas/Pet`"),
            ));
            return None;
        }
        if target_file == self.root {
            // Back into the root document: a local reference, checked like any other.
            return Some(Site::Ref(format!("#{pointer}")));
        }
        let target = (target_file, pointer);
        let content = self.content(&target, reference, &at)?;
        match kind_at(tokens) {
            Some(kind) => Some(Site::Ref(self.place(target, content, kind))),
            None => {
                if self.inlining.contains(&target) {
                    self.problems.push(Problem::new(
                        at,
                        format!("$ref `{reference}` leads back to itself through content that is copied in place (not a component); such a document never ends"),
                    ));
                    return None;
                }
                let mut copy = content;
                self.inlining.push(target.clone());
                let mut here = tokens.to_vec();
                self.walk(
                    &mut copy,
                    &target.0,
                    &mut here,
                    tokens.last().map_or("", |t| t),
                );
                self.inlining.pop();
                Some(Site::Copy(copy))
            }
        }
    }

    /// The value a target points at, reading its file on first use.
    fn content(&mut self, (file, pointer): &Target, reference: &str, at: &str) -> Option<Value> {
        if !self.files.contains_key(file) {
            let parsed = std::fs::read_to_string(file)
                .map_err(|e| e.to_string())
                .and_then(|text| crate::parse_text(&text, file).map_err(|e| e.to_string()));
            match parsed {
                Ok(value) => {
                    self.files.insert(file.clone(), value);
                    self.brought.push(file.clone());
                }
                Err(e) => {
                    self.problems
                        .push(Problem::new(at, format!("$ref `{reference}`: {e}")));
                    return None;
                }
            }
        }
        match self.files[file].pointer(pointer) {
            Some(found) => Some(found.clone()),
            None => {
                self.problems.push(Problem::new(
                    at,
                    format!(
                        "$ref `{reference}`: nothing is at `{pointer}` in `{}`",
                        file.display()
                    ),
                ));
                None
            }
        }
    }

    /// Gives a target its place in `components.<kind>` (once) and returns its local `$ref`.
    fn place(&mut self, target: Target, mut content: Value, kind: &str) -> String {
        if let Some(local) = self.placed.get(&target) {
            return local.clone();
        }
        let wanted = component_name(&target);
        let mut name = wanted.clone();
        let mut n = 1;
        loop {
            let key = (kind.to_string(), name.clone());
            if !self.taken.contains(&key) {
                break;
            }
            if self.existing.get(&key) == Some(&content) {
                // The root document defines the same thing under that name: one copy.
                let local = format!("#/components/{kind}/{}", crate::escape_token(&name));
                self.placed.insert(target, local.clone());
                return local;
            }
            n += 1;
            name = format!("{wanted}{n}");
        }
        self.taken.insert((kind.to_string(), name.clone()));
        let local = format!("#/components/{kind}/{}", crate::escape_token(&name));
        self.placed.insert(target.clone(), local.clone());
        // Its slot is taken before its content is walked, so it comes before what it refers to.
        let slot = self.added.len();
        self.added
            .push((kind.to_string(), name.clone(), Value::Null));
        let mut tokens = vec!["components".to_string(), kind.to_string(), name];
        self.walk(&mut content, &target.0, &mut tokens, kind);
        self.added[slot].2 = content;
        local
    }
}

enum Site {
    /// The `$ref` now points inside the document.
    Ref(String),
    /// The `$ref` object is replaced by this copy.
    Copy(Value),
}

/// The `components` section a `$ref` at `tokens` of the bundled document belongs in, or `None`
/// where OpenAPI 3.0 has no section for it (a path item): then it is copied in place.
fn kind_at(tokens: &[String]) -> Option<&'static str> {
    let in_schema = tokens.starts_with(&["components".to_string(), "schemas".to_string()])
        || tokens
            .iter()
            .enumerate()
            .any(|(i, t)| t == "schema" && (i == 0 || !is_name_map(&tokens[i - 1])));
    if in_schema {
        return Some("schemas");
    }
    let last = tokens.last().map(String::as_str);
    if last == Some("requestBody") {
        return Some("requestBodies");
    }
    let parent = tokens.len().checked_sub(2).map(|i| tokens[i].as_str());
    match parent? {
        "parameters" => Some("parameters"),
        "responses" => Some("responses"),
        "headers" => Some("headers"),
        "links" => Some("links"),
        "callbacks" => Some("callbacks"),
        "securitySchemes" => Some("securitySchemes"),
        "requestBodies" => Some("requestBodies"),
        "schemas" => Some("schemas"),
        _ => None,
    }
}

/// The name a target gets in `components`: the last token of its pointer, or the file's stem
/// for a whole file, kept to the characters OpenAPI allows in a component name.
fn component_name((file, pointer): &Target) -> String {
    let raw = match pointer.rsplit('/').next() {
        Some(last) if !pointer.is_empty() && !last.is_empty() => crate::unescape_token(last),
        _ => file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    let name: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() {
        "Bundled".to_string()
    } else {
        name
    }
}

fn pointer_of(tokens: &[String]) -> String {
    let mut at = String::new();
    for token in tokens {
        at = crate::join(&at, token);
    }
    crate::join(&at, "$ref")
}

//! Loads an OpenAPI document (3.0 or 3.1, or Swagger 2.0; YAML or JSON) into one normalized model.
//!
//! This crate owns the only place accord reads a spec. Every target downstream sees
//! [`Spec`]: an `openapiv3` document in the 3.0 shape, whose local references are known
//! to resolve, plus the notes of what normalization changed. Nothing here panics on
//! any input; every failure is a [`SpecError`] naming the file and a JSON pointer.

mod bundle;
mod error;
pub mod media;
mod model;
mod normalize;
mod repair;
mod swagger2;
mod validate;
mod yaml;

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

pub use accord_validate::pointer;
pub use error::{Problem, SpecError, escape_token, join, unescape_token};
pub use model::{
    JsonOperation, METHODS, Method, OperationRef, Resolve, default_is_success, json_operations,
    json_operations_mut, response_for, success_responses,
};
pub use normalize::KEPT as KEPT_JSON_SCHEMA;
pub use openapiv3;
pub use validate::follow as follow_ref;
pub use validate::{ModelVisit, enters, is_name_map, walk_model_mut};

/// A loaded, normalized, validated OpenAPI document, as JSON: all that a target reading the
/// document's JSON needs (the TypeScript one), without the cost of typing it.
#[derive(Debug, Clone)]
pub struct Document {
    /// The file it came from, as given.
    pub path: PathBuf,
    /// The `openapi` version the document declared, before normalization.
    pub source_version: String,
    /// The normalized document as JSON, the input of every target.
    pub document: Value,
    /// What normalization changed, each located in the original document.
    pub notes: Vec<Problem>,
    /// The operations whose operationId was made up (missing or repeated): also in `notes`.
    /// A project's own contract can refuse them ([`Spec::strict`]).
    pub named: Vec<Problem>,
    /// The rules of the specification the document broke where its meaning was plain, and
    /// how it was read (also in `notes`). A strict load refuses them ([`Document::check_strict`]).
    pub repaired: Vec<Problem>,
}

/// A [`Document`] with its typed form: what the Rust targets, the diff and the harness read.
/// It dereferences to its document.
#[derive(Debug, Clone)]
pub struct Spec {
    loaded: Document,
    /// The normalized document, typed.
    pub openapi: openapiv3::OpenAPI,
}

impl std::ops::Deref for Spec {
    type Target = Document;
    fn deref(&self) -> &Document {
        &self.loaded
    }
}

impl Document {
    /// Reads and loads a spec file. YAML or JSON is chosen by content, not extension.
    pub fn load(path: impl AsRef<Path>) -> Result<Document, SpecError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| SpecError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let text = String::from_utf8(bytes).map_err(|e| SpecError::Syntax {
            path: path.to_path_buf(),
            format: "UTF-8",
            message: format!("invalid byte at offset {}", e.utf8_error().valid_up_to()),
        })?;
        let mut document = parse_text(&text, path)?;
        // A spec split over several files is bundled into one, relative to where it lies.
        let mut notes = Vec::new();
        if bundle::may_refer_out(&text) {
            drop(text);
            notes = bundle::bundle(&mut document, path)?;
        }
        Document::prepare(document, path.to_path_buf(), notes)
    }

    /// Loads a spec from text; `path` only names it in errors (a `$ref` to another file is
    /// refused: only [`Document::load`] knows where to look for it).
    pub fn parse(text: &str, path: impl AsRef<Path>) -> Result<Document, SpecError> {
        let path = path.as_ref().to_path_buf();
        let document = parse_text(text, &path)?;
        Document::from_value(document, path)
    }

    /// Loads a spec from an already parsed JSON value: normalizes and validates it.
    pub fn from_value(document: Value, path: PathBuf) -> Result<Document, SpecError> {
        Document::prepare(document, path, Vec::new())
    }

    /// Normalizes and validates a parsed document, after the `notes` of reading it.
    fn prepare(
        mut document: Value,
        path: PathBuf,
        mut notes: Vec<Problem>,
    ) -> Result<Document, SpecError> {
        let source_version = detect_version(&document).map_err(|p| SpecError::Invalid {
            path: path.clone(),
            problems: vec![p],
        })?;
        if source_version == "2.0" {
            notes.extend(swagger2::swagger_20_to_30(&mut document));
        }
        notes.extend(normalize::null_type_beside_alternatives(&mut document));
        if source_version.starts_with("3.1") {
            notes.extend(normalize::openapi_31_to_30(&mut document));
        } else {
            notes.extend(normalize::type_arrays(&mut document));
        }
        notes.extend(normalize::fill_info(&mut document));
        let repairs = repair::repair(&mut document, source_version.starts_with("3.1"));
        notes.extend(repairs.notes);
        notes.extend(normalize::hoist_deep_refs(&mut document));
        notes.extend(normalize::inline_callback_refs(&mut document));
        notes.extend(normalize::fit_integers(&mut document));
        let named = normalize::name_operations(&mut document);
        notes.extend(named.iter().cloned());
        let problems = validate::check(&document);
        if !problems.is_empty() {
            return Err(SpecError::Invalid { path, problems });
        }
        Ok(Document {
            path,
            source_version,
            document,
            notes,
            named,
            repaired: repairs.broken,
        })
    }

    /// Types the document: fails where it is not a valid OpenAPI document, naming where.
    pub fn typed(self) -> Result<Spec, SpecError> {
        // Typed without tracking where (the common case, and a fifth cheaper on a 10 MB
        // document); only a failure is run again to locate it.
        let openapi: openapiv3::OpenAPI = match openapiv3::OpenAPI::deserialize(&self.document) {
            Ok(openapi) => openapi,
            Err(_) => serde_path_to_error::deserialize(&self.document).map_err(|e| {
                SpecError::Invalid {
                    path: self.path.clone(),
                    problems: vec![typed_problem(&e)],
                }
            })?,
        };
        Ok(Spec {
            loaded: self,
            openapi,
        })
    }

    /// Refuses a document any of whose operations lacks its own unique operationId: the
    /// strict form for a project's own contract, whose generated names must not shift.
    pub fn check_operation_ids(&self) -> Result<(), SpecError> {
        if self.named.is_empty() {
            return Ok(());
        }
        Err(SpecError::Invalid {
            path: self.path.clone(),
            problems: self
                .named
                .iter()
                .map(|p| {
                    Problem::new(
                        &p.pointer,
                        format!("{}; give it an operationId of its own", p.message),
                    )
                })
                .collect(),
        })
    }

    /// Refuses a document that needed a repair to be read ([`Document::repaired`]) or whose
    /// operations lack their own unique operationIds: the strict form (`--strict`, and a
    /// project's own contract).
    pub fn check_strict(&self) -> Result<(), SpecError> {
        self.check_operation_ids()?;
        if self.repaired.is_empty() {
            return Ok(());
        }
        Err(SpecError::Invalid {
            path: self.path.clone(),
            problems: self.repaired.clone(),
        })
    }

    /// The title of the API (normalization fills in a missing one).
    pub fn title(&self) -> &str {
        self.document
            .pointer("/info/title")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// How many operations the document has.
    pub fn operation_count(&self) -> usize {
        self.document
            .get("paths")
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|paths| paths.values())
            .map(|item| {
                Method::ALL
                    .iter()
                    .filter(|m| item.get(m.as_str()).is_some())
                    .count()
            })
            .sum()
    }

    /// How many schemas `components.schemas` names.
    pub fn schema_count(&self) -> usize {
        self.document
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .map_or(0, |s| s.len())
    }
}

impl Spec {
    /// Reads, loads and types a spec file. YAML or JSON is chosen by content, not extension.
    pub fn load(path: impl AsRef<Path>) -> Result<Spec, SpecError> {
        Document::load(path)?.typed()
    }

    /// Loads and types a spec from text; `path` only names it in errors.
    pub fn parse(text: &str, path: impl AsRef<Path>) -> Result<Spec, SpecError> {
        Document::parse(text, path)?.typed()
    }

    /// Loads and types a spec from an already parsed JSON value.
    pub fn from_value(document: Value, path: PathBuf) -> Result<Spec, SpecError> {
        Document::from_value(document, path)?.typed()
    }

    /// Refuses a spec [`Document::check_strict`] refuses.
    pub fn strict(self) -> Result<Spec, SpecError> {
        self.check_strict()?;
        Ok(self)
    }

    /// The document, untyped.
    pub fn into_document(self) -> Document {
        self.loaded
    }
}

fn parse_text(text: &str, path: &Path) -> Result<Value, SpecError> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.is_empty() {
        return Err(SpecError::Syntax {
            path: path.to_path_buf(),
            format: "YAML or JSON",
            message: "the file is empty".into(),
        });
    }
    if trimmed.starts_with('{') {
        serde_json::from_str(trimmed).map_err(|e| SpecError::Syntax {
            path: path.to_path_buf(),
            format: "JSON",
            message: format!(
                "line {} column {}: {}",
                e.line(),
                e.column(),
                strip_location(&e.to_string())
            ),
        })
    } else {
        let value = yaml::parse(trimmed).map_err(|e| SpecError::Syntax {
            path: path.to_path_buf(),
            format: "YAML",
            message: match e.location() {
                Some(at) => format!(
                    "line {} column {}: {}",
                    at.line(),
                    at.column(),
                    strip_location(&e.to_string())
                ),
                None => e.to_string(),
            },
        })?;
        Ok(value)
    }
}

fn strip_location(message: &str) -> &str {
    message.split(" at line ").next().unwrap_or(message)
}

fn detect_version(doc: &Value) -> Result<String, Problem> {
    let Some(root) = doc.as_object() else {
        return Err(Problem::new(
            "",
            "the document is not an object; an OpenAPI document starts with `openapi: 3.x`",
        ));
    };
    if let Some(v) = root.get("swagger") {
        if v.as_str() == Some("2.0") {
            return Ok("2.0".into());
        }
        let v = v
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| v.to_string());
        return Err(Problem::new(
            "/swagger",
            format!(
                "Swagger {v} documents are not supported; only 2.0 is read (and OpenAPI 3.0 and 3.1)"
            ),
        ));
    }
    match root.get("openapi") {
        Some(Value::String(v)) if v.starts_with("3.0.") || v.starts_with("3.1.") => Ok(v.clone()),
        Some(Value::String(v)) => Err(Problem::new(
            "/openapi",
            format!("OpenAPI version `{v}` is not supported; use 3.0.x or 3.1.x"),
        )),
        Some(other) => Err(Problem::new(
            "/openapi",
            format!("`openapi` must be a string such as \"3.0.3\", found {other}"),
        )),
        None => Err(Problem::new(
            "",
            "no `openapi` field; this does not look like an OpenAPI 3 document",
        )),
    }
}

fn typed_problem(e: &serde_path_to_error::Error<serde_json::Error>) -> Problem {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in e.path().iter() {
        match segment {
            Segment::Seq { index } => pointer = join(&pointer, &index.to_string()),
            Segment::Map { key } => pointer = join(&pointer, key),
            Segment::Enum { variant } => pointer = join(&pointer, variant),
            Segment::Unknown => {}
        }
    }
    let inner = e.inner().to_string();
    let inner = inner
        .split(" at line ")
        .next()
        .unwrap_or(&inner)
        .to_string();
    let hint = if inner.contains("did not match any variant of untagged enum ReferenceOr") {
        "is neither a valid object of its kind nor a `$ref`".to_string()
    } else {
        inner
    };
    Problem::new(pointer, format!("invalid value: {hint}"))
}

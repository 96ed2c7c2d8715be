//! Loads an OpenAPI document (3.0 or 3.1, YAML or JSON) into one normalized model.
//!
//! This crate owns the only place accord reads a spec. Every target downstream sees
//! [`Spec`]: an `openapiv3` document in the 3.0 shape, whose local references are known
//! to resolve, plus the notes of what normalization changed. Nothing here panics on
//! any input; every failure is a [`SpecError`] naming the file and a JSON pointer.

mod error;
pub mod media;
mod model;
mod normalize;
mod validate;
mod yaml;

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

pub use error::{Problem, SpecError, escape_token, join};
pub use model::{Method, OperationRef, Resolve};
pub use openapiv3;
pub use validate::follow as follow_ref;

/// A loaded, normalized, validated OpenAPI document.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The file it came from, as given.
    pub path: PathBuf,
    /// The `openapi` version the document declared, before normalization.
    pub source_version: String,
    /// The normalized document as JSON, the input of every target.
    pub document: Value,
    /// The normalized document, typed.
    pub openapi: openapiv3::OpenAPI,
    /// What normalization changed, each located in the original document.
    pub notes: Vec<Problem>,
    /// The operations whose operationId was made up (missing or repeated): also in `notes`.
    /// A project's own contract can refuse them ([`Spec::require_operation_ids`]).
    pub named: Vec<Problem>,
}

impl Spec {
    /// Reads and loads a spec file. YAML or JSON is chosen by content, not extension.
    pub fn load(path: impl AsRef<Path>) -> Result<Spec, SpecError> {
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
        Spec::parse(&text, path)
    }

    /// Loads a spec from text; `path` only names it in errors.
    pub fn parse(text: &str, path: impl AsRef<Path>) -> Result<Spec, SpecError> {
        let path = path.as_ref().to_path_buf();
        let document = parse_text(text, &path)?;
        Spec::from_value(document, path)
    }

    /// Loads a spec from an already parsed JSON value.
    pub fn from_value(mut document: Value, path: PathBuf) -> Result<Spec, SpecError> {
        let invalid = |problems: Vec<Problem>| SpecError::Invalid {
            path: path.clone(),
            problems,
        };
        let source_version = detect_version(&document).map_err(|p| invalid(vec![p]))?;
        let mut notes = Vec::new();
        if source_version.starts_with("3.1") {
            notes = normalize::openapi_31_to_30(&mut document);
        }
        notes.extend(normalize::fill_info(&mut document));
        notes.extend(normalize::hoist_deep_refs(&mut document));
        notes.extend(normalize::fit_integers(&mut document));
        let named = normalize::name_operations(&mut document);
        notes.extend(named.iter().cloned());
        let problems = validate::check(&document);
        if !problems.is_empty() {
            return Err(invalid(problems));
        }
        // Typed without tracking where (the common case, and a fifth cheaper on a 10 MB
        // document); only a failure is run again to locate it.
        let openapi: openapiv3::OpenAPI = match openapiv3::OpenAPI::deserialize(&document) {
            Ok(openapi) => openapi,
            Err(_) => serde_path_to_error::deserialize(&document)
                .map_err(|e| invalid(vec![typed_problem(&e)]))?,
        };
        Ok(Spec {
            path,
            source_version,
            document,
            openapi,
            notes,
            named,
        })
    }

    /// Refuses a spec any of whose operations lacks its own unique operationId: the strict
    /// form for a project's own contract, whose generated names must not shift.
    pub fn require_operation_ids(self) -> Result<Spec, SpecError> {
        if self.named.is_empty() {
            return Ok(self);
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

    /// The title of the API.
    pub fn title(&self) -> &str {
        &self.openapi.info.title
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
        let yaml::Lenient(value) =
            serde_yaml::from_str(trimmed).map_err(|e| SpecError::Syntax {
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
        let v = v
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| v.to_string());
        return Err(Problem::new(
            "/swagger",
            format!(
                "Swagger {v} documents are not supported; convert to OpenAPI 3 first (for example with swagger2openapi)"
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

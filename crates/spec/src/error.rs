//! Errors of loading a spec: every one names the file, a JSON pointer and what to do.

use std::fmt;
use std::path::PathBuf;

/// One thing wrong with a document, located by a JSON pointer (RFC 6901).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where in the document, for example `/paths/~1pets/get`; empty for the whole document.
    pub pointer: String,
    /// What is wrong and, where it helps, what to do.
    pub message: String,
}

impl Problem {
    pub fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            pointer: pointer.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pointer = if self.pointer.is_empty() {
            "#"
        } else {
            &self.pointer
        };
        write!(f, "{pointer}: {}", self.message)
    }
}

/// Why a spec could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("{}: cannot read the file: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: not valid {format}: {message}", path.display())]
    Syntax {
        path: PathBuf,
        format: &'static str,
        message: String,
    },
    #[error("{}: {} problem{} found:\n{}", path.display(), problems.len(), if problems.len() == 1 { "" } else { "s" }, list(problems))]
    Invalid {
        path: PathBuf,
        problems: Vec<Problem>,
    },
}

impl SpecError {
    /// The located problems, when the document parsed but is unusable.
    pub fn problems(&self) -> &[Problem] {
        match self {
            SpecError::Invalid { problems, .. } => problems,
            _ => &[],
        }
    }
}

fn list(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("  {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

pub use accord_validate::pointer::{escape as escape_token, unescape as unescape_token};

/// Decodes `%XX` escapes (a `$ref` is a URI reference: `{` in a path's name may be `%7B`).
pub(crate) fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// Joins a pointer and a token.
pub fn join(pointer: &str, token: &str) -> String {
    format!("{pointer}/{}", escape_token(token))
}

/// The JSON pointer of the node a walk is at: one buffer that grows by a token as the walk
/// goes down and shrinks back as it returns, so that a walk over a large document allocates
/// a pointer only where it reports something.
pub(crate) struct PointerBuf(String);

impl PointerBuf {
    pub(crate) fn new(start: &str) -> PointerBuf {
        PointerBuf(start.to_string())
    }

    /// Appends `/token` (escaped); the length to [`PointerBuf::pop`] back to.
    pub(crate) fn push(&mut self, token: &str) -> usize {
        let len = self.0.len();
        self.0.push('/');
        if token.contains(['~', '/']) {
            self.0.push_str(&escape_token(token));
        } else {
            self.0.push_str(token);
        }
        len
    }

    /// Appends `/index`; the length to [`PointerBuf::pop`] back to.
    pub(crate) fn push_index(&mut self, index: usize) -> usize {
        use std::fmt::Write as _;
        let len = self.0.len();
        let _ = write!(self.0, "/{index}");
        len
    }

    pub(crate) fn pop(&mut self, len: usize) {
        self.0.truncate(len);
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

//! What a diff found, and its renderings: text, JSON, Markdown, the changelog.

use serde_json::{Value, json};

use crate::rules::{Rule, Severity};

/// One change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: Rule,
    pub message: String,
    /// Where in the old document (JSON pointer), when it is there.
    pub old: Option<String>,
    /// Where in the new document, when it is there.
    pub new: Option<String>,
    /// The operations affected, as `GET /items`.
    pub operations: Vec<String>,
    /// The stability level (`x-stability-level`) of the affected operations when every one
    /// of them is `draft` or `alpha`: a change there breaks no promise, so it is information.
    pub unstable: Option<String>,
}

impl Finding {
    /// The rule's severity, unless every operation affected is `draft` or `alpha`.
    pub fn severity(&self) -> Severity {
        match (&self.unstable, self.rule.severity()) {
            (Some(_), Severity::Breaking) => Severity::Info,
            (_, severity) => severity,
        }
    }
}

/// Every change between two documents, breaking ones first.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
}

impl Report {
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity() == severity)
            .count()
    }

    pub fn has_breaking(&self) -> bool {
        self.count(Severity::Breaking) > 0
    }

    /// The readable report.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for f in &self.findings {
            out.push_str(&format!(
                "{:<8} {:<38} {}\n  {}\n",
                f.severity().as_str(),
                f.rule.id(),
                f.operations.join(", "),
                f.message
            ));
            out.push_str(&format!(
                "  old: {}  new: {}\n",
                f.old.as_deref().map_or("-".into(), |p| format!("#{p}")),
                f.new.as_deref().map_or("-".into(), |p| format!("#{p}"))
            ));
        }
        out.push_str(&self.summary());
        out.push('\n');
        out
    }

    pub fn summary(&self) -> String {
        format!(
            "diff: {} breaking, {} warning, {} info",
            self.count(Severity::Breaking),
            self.count(Severity::Warning),
            self.count(Severity::Info)
        )
    }

    pub fn json(&self) -> Value {
        json!({
            "breaking": self.count(Severity::Breaking),
            "warning": self.count(Severity::Warning),
            "info": self.count(Severity::Info),
            "findings": self.findings.iter().map(|f| json!({
                "rule": f.rule.id(),
                "severity": f.severity().as_str(),
                "message": f.message,
                "why": f.rule.what(),
                "old": f.old.as_ref().map(|p| format!("#{p}")),
                "new": f.new.as_ref().map(|p| format!("#{p}")),
                "operations": f.operations,
            })).collect::<Vec<_>>(),
        })
    }

    /// A pull-request comment.
    pub fn markdown(&self) -> String {
        let mut out = format!("### API changes\n\n{}\n\n", self.summary());
        if self.findings.is_empty() {
            out.push_str("No change to the API.\n");
            return out;
        }
        out.push_str(
            "| severity | rule | change | operations | where (new) |\n|---|---|---|---|---|\n",
        );
        for f in &self.findings {
            out.push_str(&format!(
                "| {} | `{}` | {} ({}) | {} | `{}` |\n",
                f.severity().as_str(),
                f.rule.id(),
                f.message.replace('|', "\\|"),
                f.rule.what(),
                f.operations.join("<br>"),
                f.new.as_deref().or(f.old.as_deref()).unwrap_or("")
            ));
        }
        out
    }

    /// The release notes: every change in words, grouped by severity.
    pub fn changelog(&self) -> String {
        let mut out = String::from("# Changes\n");
        for (severity, title) in [
            (Severity::Breaking, "Breaking changes"),
            (Severity::Warning, "Changes that may affect clients"),
            (Severity::Info, "Other changes"),
        ] {
            let items: Vec<&Finding> = self
                .findings
                .iter()
                .filter(|f| f.severity() == severity)
                .collect();
            if items.is_empty() {
                continue;
            }
            out.push_str(&format!("\n## {title}\n\n"));
            for f in items {
                out.push_str(&format!("- {}: {}", f.operations.join(", "), f.message));
                if severity != Severity::Info {
                    out.push_str(&format!(" ({})", f.rule.what()));
                }
                out.push('\n');
            }
        }
        out
    }
}

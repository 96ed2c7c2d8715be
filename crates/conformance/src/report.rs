//! What a run found, scenario by scenario, and the self-contained HTML page (`--html FILE`)
//! a person opens after a CI run: the summary by tag and by rule, then each failure with its
//! rule, its message, the minimal failing request when one was shrunk, and its exchanges
//! (secrets already redacted by [`Exchange::describe`](crate::http::Exchange::describe)).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;

use crate::rules::Rule;

/// How one scenario ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Passed,
    /// The failing step's report: the [`Failure`](crate::rules::Failure) as printed, whose
    /// first line names the rule.
    Failed {
        rule: Option<Rule>,
        report: String,
    },
    Skipped(String),
}

/// One scenario's result.
#[derive(Debug, Clone)]
pub struct ScenarioResult {
    pub feature: String,
    pub scenario: String,
    pub tags: Vec<String>,
    pub verdict: Verdict,
    /// How long it ran (0 for one skipped before it started).
    pub seconds: f64,
}

impl ScenarioResult {
    pub fn name(&self) -> String {
        format!("{}: {}", self.feature, self.scenario)
    }
}

/// The whole run, for the page.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub base_url: String,
    pub spec: String,
    pub seed: u64,
    pub requests: u64,
    pub seconds: f64,
    pub results: Vec<ScenarioResult>,
    /// A note on the run as a whole (the deadline passed).
    pub notes: Vec<String>,
    /// What the exchanges broke of the spec, one per (operation, status, kind).
    pub findings: Vec<SpecFinding>,
}

/// One spec finding, for the reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecFinding {
    /// `list_items 200 at /items/0/id: ...`, as [`Violation`](crate::contract::Violation)
    /// prints.
    pub what: String,
    pub count: u32,
    /// The scenarios that met it (none named for the behaviour phase's own calls).
    pub scenarios: Vec<String>,
    /// The first exchange that showed it, redacted.
    pub exchange: String,
}

impl SpecFinding {
    /// The finding as the console prints it.
    pub fn line(&self) -> String {
        let met = if self.scenarios.is_empty() {
            String::new()
        } else {
            format!("; met in: {}", self.scenarios.join("; "))
        };
        format!(
            "finding {}: {} ({} exchange(s){met})",
            Rule::Spec,
            self.what,
            self.count
        )
    }
}

/// The findings as the console prints them: one line each, except that findings of one
/// cause on several operations (the same message: `Content-Type `application/problem+json`
/// is not declared` on every error of a Spring backend) are one line that names them all,
/// in the order first met. Each still counts, and the reports list each apart.
pub fn console_lines(findings: &[SpecFinding]) -> Vec<String> {
    // `op status[ at pointer]: message`: the message, and where.
    let split = |what: &str| {
        what.split_once(": ")
            .map(|(at, message)| (at.to_string(), message.to_string()))
    };
    let mut groups: Vec<(String, Vec<&SpecFinding>)> = Vec::new();
    let mut lines = Vec::new();
    for f in findings {
        match split(&f.what) {
            Some((_, message)) => match groups.iter_mut().find(|(m, _)| *m == message) {
                Some((_, members)) => members.push(f),
                None => groups.push((message, vec![f])),
            },
            None => lines.push((f.what.clone(), f.line())),
        }
    }
    for (message, members) in groups {
        if members.len() < 3 {
            lines.extend(members.iter().map(|f| (f.what.clone(), f.line())));
            continue;
        }
        let total: u32 = members.iter().map(|f| f.count).sum();
        let at: Vec<String> = members
            .iter()
            .filter_map(|f| split(&f.what).map(|(at, _)| format!("{at} ({})", f.count)))
            .collect();
        let mut scenarios: Vec<&str> = members
            .iter()
            .flat_map(|f| f.scenarios.iter().map(String::as_str))
            .collect();
        scenarios.sort();
        scenarios.dedup();
        let met = if scenarios.is_empty() {
            String::new()
        } else {
            format!("; met in: {}", scenarios.join("; "))
        };
        lines.push((
            members[0].what.clone(),
            format!(
                "finding {}: {message}: {} findings, one per operation and status: {} ({total} exchange(s){met})",
                Rule::Spec,
                members.len(),
                at.join(", ")
            ),
        ));
    }
    lines.sort_by(|a, b| a.0.cmp(&b.0));
    lines.into_iter().map(|(_, line)| line).collect()
}

/// The tags the summary counts by.
pub const AREAS: &[&str] = &[
    "auth",
    "refresh",
    "cors",
    "errors",
    "uploads",
    "behaviour",
    "apikey",
    "cookies",
    "ratelimit",
    "websocket",
];

impl Report {
    pub fn count(&self, pick: impl Fn(&Verdict) -> bool) -> usize {
        self.results.iter().filter(|r| pick(&r.verdict)).count()
    }

    /// Passed and failed per area tag (`@auth`, ...); skipped scenarios are not counted.
    pub fn by_tag(&self) -> BTreeMap<String, (usize, usize)> {
        let mut by_tag: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for r in &self.results {
            let passed = match r.verdict {
                Verdict::Passed => true,
                Verdict::Failed { .. } => false,
                Verdict::Skipped(_) => continue,
            };
            for tag in r.tags.iter().filter(|t| AREAS.contains(&t.as_str())) {
                let e = by_tag.entry(format!("@{tag}")).or_default();
                if passed { e.0 += 1 } else { e.1 += 1 }
            }
        }
        by_tag
    }

    /// The failing scenarios per rule, rules in catalogue order; `None` for a failure that
    /// names no rule (a step the harness could not match, a panic).
    pub fn by_rule(&self) -> BTreeMap<Option<Rule>, Vec<&ScenarioResult>> {
        let mut by_rule: BTreeMap<Option<Rule>, Vec<&ScenarioResult>> = BTreeMap::new();
        for r in &self.results {
            if let Verdict::Failed { rule, .. } = &r.verdict {
                by_rule.entry(*rule).or_default().push(r);
            }
        }
        by_rule
    }

    /// The page: one file, no script, no external resource.
    pub fn html(&self) -> String {
        let passed = self.count(|v| *v == Verdict::Passed);
        let failed = self.count(|v| matches!(v, Verdict::Failed { .. }));
        let skipped = self.count(|v| matches!(v, Verdict::Skipped(_)));
        let verdict = if failed == 0 && self.findings.is_empty() {
            "passed"
        } else {
            "failed"
        };
        let mut h = String::new();
        let _ = write!(
            h,
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>accord conformance: {verdict}, {passed} passed, {failed} failed</title>\
             <style>{STYLE}</style></head><body>\n"
        );
        let _ = writeln!(
            h,
            "<header class=\"{verdict}\"><h1>accord conformance: {verdict}</h1>\
             <p id=\"summary\">{passed} passed, {failed} failed, {skipped} skipped</p>\
             <p id=\"finding-count\">{} spec finding(s)</p>\
             <p class=\"meta\">backend <code>{}</code> · spec <code>{}</code> · seed \
             <code>{}</code> (repeat with <code>--seed {}</code>) · {} requests in {:.1} s</p>\
             </header>",
            self.findings.len(),
            esc(&self.base_url),
            esc(&self.spec),
            self.seed,
            self.seed,
            self.requests,
            self.seconds
        );
        for note in &self.notes {
            let _ = writeln!(h, "<p class=\"note\">{}</p>", esc(note));
        }
        h.push_str("<section id=\"findings\"><h2>Spec findings</h2>");
        if self.findings.is_empty() {
            h.push_str("<p>Every exchange matched the spec.</p>");
        }
        for f in &self.findings {
            let _ = writeln!(
                h,
                "<article class=\"failure\"><p><span class=\"rule\">rule <code>spec</code></span> {} \
                 <span class=\"why\">({} exchange(s){})</span></p>\
                 <details><summary>first exchange (secrets redacted)</summary><pre>{}</pre></details></article>",
                esc(&f.what),
                f.count,
                if f.scenarios.is_empty() {
                    String::new()
                } else {
                    format!("; met in: {}", esc(&f.scenarios.join("; ")))
                },
                esc(&f.exchange)
            );
        }
        h.push_str("</section>\n");

        h.push_str("<section id=\"by-tag\"><h2>By area</h2><table><thead><tr><th>tag</th><th>passed</th><th>failed</th></tr></thead><tbody>\n");
        for (tag, (p, f)) in self.by_tag() {
            let class = if f > 0 { " class=\"bad\"" } else { "" };
            let _ = writeln!(
                h,
                "<tr{class}><td>{}</td><td>{p}</td><td>{f}</td></tr>",
                esc(&tag)
            );
        }
        h.push_str("</tbody></table></section>\n");

        let by_rule = self.by_rule();
        h.push_str("<section id=\"by-rule\"><h2>Failures by rule</h2>");
        if by_rule.is_empty() {
            h.push_str("<p>No rule failed.</p>");
        } else {
            h.push_str("<table><thead><tr><th>rule</th><th>what it asks</th><th>scenarios</th></tr></thead><tbody>\n");
            for (rule, scenarios) in &by_rule {
                let (id, what) = match rule {
                    Some(r) => (r.id(), r.what()),
                    None => ("(none)", "the step failed without naming a rule"),
                };
                let links: Vec<String> = scenarios
                    .iter()
                    .map(|s| format!("<a href=\"#{}\">{}</a>", anchor(s), esc(&s.scenario)))
                    .collect();
                let _ = writeln!(
                    h,
                    "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                    esc(id),
                    esc(what),
                    links.join("<br>")
                );
            }
            h.push_str("</tbody></table>");
        }
        h.push_str("</section>\n");

        h.push_str("<section id=\"failures\"><h2>Failures</h2>\n");
        for r in &self.results {
            let Verdict::Failed { rule, report } = &r.verdict else {
                continue;
            };
            let id = rule.map(Rule::id).unwrap_or("(none)");
            let (head, minimal, exchanges) = split_report(report);
            let _ = write!(
                h,
                "<article class=\"failure\" id=\"{}\"><h3>{}</h3>\
                 <p class=\"tags\">{}</p><p><span class=\"rule\">rule <code>{}</code></span> {}</p>",
                anchor(r),
                esc(&r.name()),
                esc(&r
                    .tags
                    .iter()
                    .map(|t| format!("@{t}"))
                    .collect::<Vec<_>>()
                    .join(" ")),
                esc(id),
                esc(&head)
            );
            if let Some(minimal) = minimal {
                let _ = write!(
                    h,
                    "<p class=\"minimal\">minimal failing request: <code>{}</code></p>",
                    esc(&minimal)
                );
            }
            if !exchanges.is_empty() {
                let _ = write!(
                    h,
                    "<details open><summary>exchanges (secrets redacted)</summary><pre>{}</pre></details>",
                    esc(&exchanges)
                );
            }
            h.push_str("</article>\n");
        }
        if failed == 0 {
            h.push_str("<p>None.</p>\n");
        }
        h.push_str("</section>\n");

        h.push_str("<section id=\"skipped\"><h2>Skipped</h2>");
        if skipped == 0 {
            h.push_str("<p>None.</p>");
        } else {
            h.push_str("<ul>");
            for r in &self.results {
                if let Verdict::Skipped(reason) = &r.verdict {
                    let _ = write!(
                        h,
                        "<li>{} <span class=\"why\">({})</span></li>",
                        esc(&r.name()),
                        esc(reason)
                    );
                }
            }
            h.push_str("</ul>");
        }
        h.push_str("</section>\n");

        h.push_str("<section id=\"passed\"><h2>Passed</h2><ul>");
        for r in &self.results {
            if r.verdict == Verdict::Passed {
                let _ = write!(h, "<li>{}</li>", esc(&r.name()));
            }
        }
        h.push_str("</ul></section>\n</body></html>\n");
        h
    }
}

impl Report {
    /// JUnit XML: one suite per feature, one case per scenario, skipped scenarios as
    /// `<skipped>` with their reason (also those the profile left out), and the spec findings
    /// as the failing cases of a suite of their own.
    pub fn junit(&self) -> String {
        let mut features: Vec<&str> = Vec::new();
        for r in &self.results {
            if !features.contains(&r.feature.as_str()) {
                features.push(&r.feature);
            }
        }
        let mut x = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"accord-conformance\">\n",
        );
        for feature in features {
            let cases: Vec<&ScenarioResult> = self
                .results
                .iter()
                .filter(|r| r.feature == feature)
                .collect();
            let count =
                |f: &dyn Fn(&Verdict) -> bool| cases.iter().filter(|r| f(&r.verdict)).count();
            let _ = writeln!(
                x,
                "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" skipped=\"{}\">",
                esc(feature),
                cases.len(),
                count(&|v| matches!(v, Verdict::Failed { .. })),
                count(&|v| matches!(v, Verdict::Skipped(_)))
            );
            for r in cases {
                let _ = write!(
                    x,
                    "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\"",
                    esc(feature),
                    esc(&r.scenario),
                    r.seconds
                );
                match &r.verdict {
                    Verdict::Passed => x.push_str("/>\n"),
                    Verdict::Skipped(reason) => {
                        let _ = writeln!(x, "><skipped message=\"{}\"/></testcase>", esc(reason));
                    }
                    Verdict::Failed { rule, report } => {
                        let _ = writeln!(
                            x,
                            "><failure type=\"{}\" message=\"{}\">{}</failure></testcase>",
                            rule.map(Rule::id).unwrap_or("(none)"),
                            esc(report.lines().next().unwrap_or_default()),
                            esc(report)
                        );
                    }
                }
            }
            x.push_str("  </testsuite>\n");
        }
        let _ = writeln!(
            x,
            "  <testsuite name=\"Spec findings\" tests=\"{}\" failures=\"{}\" skipped=\"0\">",
            self.findings.len(),
            self.findings.len()
        );
        for f in &self.findings {
            let _ = writeln!(
                x,
                "    <testcase classname=\"Spec findings\" name=\"{}\"><failure type=\"spec\" message=\"{}\">{}</failure></testcase>",
                esc(&f.what),
                esc(&f.line()),
                esc(&f.exchange)
            );
        }
        x.push_str("  </testsuite>\n</testsuites>\n");
        x
    }

    /// Cucumber JSON: features, their scenarios, one step each carrying the verdict
    /// (`passed`, `failed` with its report, `skipped` with its reason).
    /// Every scenario's verdict and rule, and every spec finding, as JSON: for tools and tests
    /// that act on a run's outcome (the rule is the failing step's own, never read from text).
    pub fn results_json(&self) -> String {
        let scenarios: Vec<Value> = self
            .results
            .iter()
            .map(|r| {
                let (verdict, rule, why) = match &r.verdict {
                    Verdict::Passed => ("passed", None, None),
                    Verdict::Failed { rule, report } => {
                        ("failed", rule.map(|r| r.id()), Some(report.clone()))
                    }
                    Verdict::Skipped(reason) => ("skipped", None, Some(reason.clone())),
                };
                serde_json::json!({
                    "feature": r.feature,
                    "scenario": r.scenario,
                    "tags": r.tags,
                    "verdict": verdict,
                    "rule": rule,
                    "detail": why,
                    "seconds": r.seconds,
                })
            })
            .collect();
        let findings: Vec<Value> = self
            .findings
            .iter()
            .map(
                |f| serde_json::json!({"what": f.what, "count": f.count, "scenarios": f.scenarios}),
            )
            .collect();
        serde_json::to_string_pretty(&serde_json::json!({
            "seed": self.seed,
            "scenarios": scenarios,
            "findings": findings,
        }))
        .unwrap_or_default()
            + "\n"
    }

    pub fn cucumber_json(&self) -> String {
        let mut features: Vec<serde_json::Value> = Vec::new();
        for r in &self.results {
            let (status, message) = match &r.verdict {
                Verdict::Passed => ("passed", None),
                Verdict::Failed { report, .. } => ("failed", Some(report.clone())),
                Verdict::Skipped(reason) => ("skipped", Some(reason.clone())),
            };
            let mut result = serde_json::json!({"status": status});
            if let Some(m) = message {
                result["error_message"] = serde_json::Value::String(m);
            }
            let element = serde_json::json!({
                "keyword": "Scenario",
                "type": "scenario",
                "name": r.scenario,
                "tags": r.tags.iter().map(|t| serde_json::json!({"name": format!("@{t}")})).collect::<Vec<_>>(),
                "steps": [{"keyword": "Then ", "name": "the scenario's checks", "result": result}],
            });
            match features
                .iter_mut()
                .find(|f| f["name"] == r.feature.as_str())
            {
                Some(f) => {
                    if let Some(elements) = f["elements"].as_array_mut() {
                        elements.push(element);
                    }
                }
                None => features.push(serde_json::json!({
                    "keyword": "Feature",
                    "name": r.feature,
                    "uri": r.feature,
                    "elements": [element],
                })),
            }
        }
        if !self.findings.is_empty() {
            let elements: Vec<serde_json::Value> = self
                .findings
                .iter()
                .map(|f| {
                    serde_json::json!({
                        "keyword": "Scenario", "type": "scenario", "name": f.what, "tags": [],
                        "steps": [{"keyword": "Then ", "name": "the exchange matched the spec",
                                   "result": {"status": "failed", "error_message": f.line()}}],
                    })
                })
                .collect();
            features.push(serde_json::json!({
                "keyword": "Feature", "name": "Spec findings", "uri": "spec", "elements": elements,
            }));
        }
        serde_json::to_string_pretty(&features).unwrap_or_else(|_| "[]".into())
    }
}

/// A failure report cut into its headline (rule prefix dropped), the minimal request, and
/// the exchanges that follow.
fn split_report(report: &str) -> (String, Option<String>, String) {
    let mut lines = report.lines();
    let first = lines.next().unwrap_or_default();
    let head = match first.split_once(": ") {
        Some((prefix, rest)) if prefix.trim_start().starts_with("rule ") => rest.to_string(),
        _ => first.to_string(),
    };
    let mut minimal = None;
    let mut rest = Vec::new();
    for line in lines {
        match line.trim_start().strip_prefix("minimal failing request: ") {
            Some(m) if minimal.is_none() => minimal = Some(m.to_string()),
            _ => rest.push(line),
        }
    }
    (head, minimal, rest.join("\n"))
}

fn anchor(r: &ScenarioResult) -> String {
    let mut a = String::from("s-");
    for c in r.name().chars() {
        if c.is_ascii_alphanumeric() {
            a.push(c.to_ascii_lowercase());
        } else if !a.ends_with('-') {
            a.push('-');
        }
    }
    a
}

/// HTML-escapes text for an element or an attribute.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "\
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d2430;background:#f6f7f9}\
header{padding:18px 28px;color:#fff}header.passed{background:#1f7a3d}header.failed{background:#b3261e}\
header h1{margin:0 0 4px;font-size:22px}header p{margin:2px 0}header code{color:#fff}\
#summary{font-size:18px;font-weight:600}.meta{opacity:.9;font-size:13px}\
section{margin:18px 28px}h2{font-size:17px;border-bottom:1px solid #d5d9e0;padding-bottom:4px}\
table{border-collapse:collapse;background:#fff}th,td{border:1px solid #d5d9e0;padding:4px 10px;text-align:left;vertical-align:top}\
tr.bad td{background:#fdecea}.failure{background:#fff;border:1px solid #e3b3ae;border-left:5px solid #b3261e;padding:8px 16px;margin:12px 0}\
.failure h3{margin:4px 0;font-size:15px}.tags{color:#5b6472;font-size:12px;margin:0}.rule code{background:#fdecea;padding:1px 4px}\
.minimal code{background:#fff4d6;padding:1px 4px}pre{background:#f0f2f5;padding:8px;overflow:auto;font-size:12px;white-space:pre-wrap}\
.note{background:#fff4d6;padding:6px 10px}.why{color:#5b6472}code{font-family:ui-monospace,monospace}";

#[cfg(test)]
mod tests {
    use super::*;

    /// One cause met on many operations is one console line naming them all; a cause met
    /// once or twice keeps its own lines.
    #[test]
    fn one_cause_on_many_operations_is_one_console_line() {
        let finding = |what: &str, count: u32| SpecFinding {
            what: what.into(),
            count,
            scenarios: vec![],
            exchange: String::new(),
        };
        let media =
            "Content-Type `application/problem+json` is not declared (declared: application/json)";
        let findings = vec![
            finding(&format!("addOwner 400: {media}"), 7),
            finding(&format!("addOwner 500: {media}"), 2),
            finding(
                "addPet 201: status 201 is not documented (documented: 200)",
                1,
            ),
            finding(&format!("addVet 400: {media}"), 1),
            finding(
                "getPet 404: no Content-Type; the spec declares application/json",
                3,
            ),
        ];
        let lines = console_lines(&findings);
        assert_eq!(lines.len(), 3, "{lines:#?}");
        assert_eq!(
            lines[0],
            format!(
                "finding rule spec: {media}: 3 findings, one per operation and status: addOwner 400 (7), addOwner 500 (2), addVet 400 (1) (10 exchange(s))"
            )
        );
        assert!(lines[1].starts_with("finding rule spec: addPet 201: status 201"));
        assert!(lines[2].starts_with("finding rule spec: getPet 404: no Content-Type"));
    }

    fn failed(name: &str, report: &str) -> ScenarioResult {
        ScenarioResult {
            feature: "CORS".into(),
            scenario: name.into(),
            tags: vec!["cors".into()],
            verdict: Verdict::Failed {
                rule: Some(Rule::CorsNoWildcard),
                report: report.into(),
            },
            seconds: 0.0,
        }
    }

    #[test]
    fn the_page_escapes_what_the_backend_sent_and_groups_by_rule() {
        let report = Report {
            base_url: "http://127.0.0.1:1".into(),
            results: vec![
                failed(
                    "an allowed origin",
                    "rule cors.no_wildcard: got <script>alert(1)</script>\n  minimal failing request: GET /x?a=<b>\n  > GET http://127.0.0.1:1/x\n  < 200",
                ),
                ScenarioResult {
                    feature: "Auth".into(),
                    scenario: "no token".into(),
                    tags: vec!["auth".into()],
                    verdict: Verdict::Passed,
                    seconds: 0.0,
                },
            ],
            ..Report::default()
        };
        let page = report.html();
        assert!(!page.contains("<script>"), "{page}");
        assert!(page.contains("&lt;script&gt;"));
        assert!(page.contains("1 passed, 1 failed, 0 skipped"));
        assert!(page.contains("<code>cors.no_wildcard</code>"));
        assert!(page.contains("minimal failing request: <code>GET /x?a=&lt;b&gt;</code>"));
        assert!(page.contains("> GET http://127.0.0.1:1/x".replace('>', "&gt;").as_str()));
        assert_eq!(report.by_tag()["@cors"], (0, 1));
        assert_eq!(report.by_tag()["@auth"], (1, 0));
    }
}

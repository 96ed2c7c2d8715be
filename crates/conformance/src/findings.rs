//! The spec findings of a run: every exchange is checked against the spec (documented
//! status, declared content type, body schema), and each problem is one finding per
//! (operation, status, kind), however many scenarios met it. A finding never fails the
//! scenario whose own check passed: one spec gap is one finding, not a dozen failures.

use std::collections::BTreeMap;
use std::sync::Mutex;

use crate::contract::Violation;
use crate::exchange::Exchange;

/// What one finding is about: the operation, the status and the kind of problem.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    pub operation: String,
    pub status: u16,
    /// The kind: the message's class with array indices and values left out.
    pub kind: String,
}

/// One finding: the first violation met, the first exchange that showed it, how often it
/// was met and in which scenarios.
#[derive(Debug, Clone)]
pub struct Finding {
    pub violation: Violation,
    pub exchange: Exchange,
    pub count: u32,
    pub scenarios: Vec<String>,
}

#[derive(Debug, Default)]
pub struct Findings {
    by_key: Mutex<BTreeMap<Key, Finding>>,
}

/// The key of a violation: array indices in the pointer become `*`, and a message is cut
/// before its first quoted or parenthesized detail, so the same gap on other items or with
/// other values is the same finding.
pub fn key_of(v: &Violation) -> Key {
    let pointer: Vec<String> = v
        .pointer
        .split('/')
        .map(|s| {
            if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
                "*".to_string()
            } else {
                s.to_string()
            }
        })
        .collect();
    let message = v.message.split(['(', '`', '"']).next().unwrap_or("").trim();
    Key {
        operation: v.operation.clone(),
        status: v.status,
        kind: format!("{} {message}", pointer.join("/"))
            .trim()
            .to_string(),
    }
}

impl Findings {
    /// Records every violation of `exchange`.
    pub fn record(&self, exchange: &Exchange) {
        if exchange.violations.is_empty() {
            return;
        }
        let Ok(mut by_key) = self.by_key.lock() else {
            return;
        };
        for v in &exchange.violations {
            by_key
                .entry(key_of(v))
                .and_modify(|f| f.count += 1)
                .or_insert_with(|| Finding {
                    violation: v.clone(),
                    exchange: exchange.clone(),
                    count: 1,
                    scenarios: Vec::new(),
                });
        }
    }

    /// Names `scenario` as one that met the violations of `exchanges`.
    pub fn attribute(&self, scenario: &str, exchanges: &[Exchange]) {
        let Ok(mut by_key) = self.by_key.lock() else {
            return;
        };
        for v in exchanges.iter().flat_map(|e| &e.violations) {
            if let Some(f) = by_key.get_mut(&key_of(v))
                && !f.scenarios.iter().any(|s| s == scenario)
            {
                f.scenarios.push(scenario.to_string());
            }
        }
    }

    /// The findings, in (operation, status, kind) order, each with its scenarios sorted (they
    /// run concurrently: the order they met it in is not the run's).
    pub fn all(&self) -> Vec<(Key, Finding)> {
        self.by_key
            .lock()
            .map(|m| {
                m.iter()
                    .map(|(k, f)| {
                        let mut f = f.clone();
                        f.scenarios.sort();
                        (k.clone(), f)
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn violation(pointer: &str, message: &str) -> Violation {
        Violation {
            operation: "list_items".into(),
            status: 200,
            pointer: pointer.into(),
            message: message.into(),
        }
    }

    #[test]
    fn one_gap_on_many_items_is_one_finding() {
        let a = key_of(&violation("/items/0/id", "is not of type `string`"));
        let b = key_of(&violation("/items/7/id", "is not of type `string`"));
        assert_eq!(a, b);
        let c = key_of(&violation("/items/7/name", "is not of type `string`"));
        assert_ne!(a, c);
        let undocumented = |s: u16| Violation {
            status: s,
            ..violation("", "status 401 is not documented (documented: 200)")
        };
        assert_ne!(key_of(&undocumented(401)), key_of(&undocumented(403)));
    }

    #[test]
    fn findings_count_and_name_their_scenarios() {
        let findings = Findings::default();
        let mut e = Exchange::none();
        e.violations = vec![violation(
            "",
            "status 401 is not documented (documented: 200)",
        )];
        findings.record(&e);
        findings.record(&e);
        findings.attribute("Authentication: no token", std::slice::from_ref(&e));
        findings.attribute("Errors: without credentials", std::slice::from_ref(&e));
        findings.attribute("Errors: without credentials", std::slice::from_ref(&e));
        let all = findings.all();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].1.count, 2);
        assert_eq!(
            all[0].1.scenarios,
            vec!["Authentication: no token", "Errors: without credentials"]
        );
        findings.attribute("Auth: a", std::slice::from_ref(&e));
        assert_eq!(findings.all()[0].1.scenarios[0], "Auth: a", "sorted");
    }
}

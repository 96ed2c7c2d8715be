//! The Rust client target: progenitor, used as a library, over a reshaped copy of the spec.
//!
//! progenitor panics on constructs that real documents use. The spec is first reshaped
//! (see `progenitor_compat`); any panic or error that remains is caught, the operations
//! that cause it are found by bisection and left out, and each is reported by name.

use std::collections::BTreeMap;

use accord_spec::Problem;
use progenitor_impl::TypeImpl;
use serde_json::Value;

use crate::progenitor_compat::remove_operation;
use crate::progenitor_run::{Replacements, TARGET, attempt};
use crate::rust_types::ModelTypes;
use crate::{CodegenError, Origin, Output, Prepared};

/// Generates the client module: `Client`, one method per operation, and `types`.
pub fn generate(prepared: &Prepared, origin: &Origin<'_>) -> Result<Output, CodegenError> {
    generate_with(prepared, origin, &BTreeMap::new())
}

/// Generates the client module using the shared model types of `types_crate` for every
/// schema they cover, instead of types of its own.
pub fn generate_using(
    prepared: &Prepared,
    origin: &Origin<'_>,
    model: &ModelTypes,
    types_crate: &str,
) -> Result<Output, CodegenError> {
    let replacements: BTreeMap<String, (String, Vec<TypeImpl>)> = model
        .types
        .iter()
        .map(|(schema, (rust, info))| {
            (
                schema.clone(),
                (format!("::{types_crate}::{rust}"), info.impls.clone()),
            )
        })
        .collect();
    generate_with(prepared, origin, &replacements)
}

fn generate_with(
    prepared: &Prepared,
    origin: &Origin<'_>,
    replacements: &Replacements,
) -> Result<Output, CodegenError> {
    let mut doc = prepared.progenitor.clone();
    let mut notes = Vec::new();
    let mut tokens;
    let mut rounds = 0;
    loop {
        tokens = loop {
            match attempt(&doc, replacements) {
                Ok(tokens) => break tokens,
                Err(message) => {
                    let ids = operation_ids(&doc);
                    let culprits = bisect(&doc, &ids, replacements);
                    if culprits.is_empty() {
                        return Err(CodegenError::Failed {
                            target: TARGET,
                            message: format!("progenitor failed: {message}"),
                        });
                    }
                    for (id, reason) in culprits {
                        remove_operation(&mut doc, &id);
                        notes.push(Problem::new(
                            "",
                            format!("{}{id}` ({reason})", crate::LEFT_OUT_OF_CLIENT),
                        ));
                    }
                }
            }
        };
        // A Rust name typify defined twice: rename the component and run again.
        rounds += 1;
        if rounds > 3
            || !crate::progenitor_compat::rename_duplicate_types(&mut doc, &tokens, &mut notes)
        {
            break;
        }
    }
    let file = syn::parse_str::<syn::File>(&tokens).map_err(|e| CodegenError::Failed {
        target: TARGET,
        message: format!("progenitor produced unparsable code: {e}"),
    })?;
    let mut body = prettyplease::unparse(&file);
    let forms = crate::client_finish::finish(&mut body, &doc);
    if !forms.is_empty() {
        let file = syn::parse_str::<syn::File>(&forms).map_err(|e| CodegenError::Failed {
            target: TARGET,
            message: format!("accord's additions to the client are unparsable code: {e}"),
        })?;
        body.push_str(&prettyplease::unparse(&file));
    }
    Ok(Output {
        text: format!("{}{body}", origin.header("//")),
        notes,
    })
}

/// A document's schemas alone, without its operations.
fn schemas_only(doc: &Value) -> Value {
    let mut d = doc.clone();
    d["paths"] = serde_json::json!({});
    d
}

/// When typify fails on the schemas themselves (a construct it panics on, a value it
/// refuses), the schemas causing it are found by bisection over the schemas, each replaced by
/// `{}` (any JSON value; every `$ref` to it still resolves) and noted, so one schema never
/// takes the whole target down. Costs one typify run over the schemas when they are fine.
pub(crate) fn settle_schemas(doc: &mut Value, notes: &mut Vec<Problem>) {
    let none = BTreeMap::new();
    let types = schemas_only(doc);
    if attempt(&types, &none).is_ok() {
        return;
    }
    let names: Vec<String> = types
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let ok = |d: &Value| attempt(d, &none).is_ok();
    let blank = |d: &Value, names: &[String]| {
        let mut d = d.clone();
        if let Some(schemas) = d
            .pointer_mut("/components/schemas")
            .and_then(Value::as_object_mut)
        {
            for name in names {
                if let Some(s) = schemas.get_mut(name) {
                    *s = serde_json::json!({});
                }
            }
        }
        d
    };
    if !ok(&blank(&types, &names)) {
        return; // not the schemas' fault
    }
    fn find(
        doc: &Value,
        candidates: &[String],
        ok: &dyn Fn(&Value) -> bool,
        blank: &dyn Fn(&Value, &[String]) -> Value,
    ) -> Vec<String> {
        if candidates.len() <= 1 {
            return candidates.to_vec();
        }
        let (a, b) = candidates.split_at(candidates.len() / 2);
        if ok(&blank(doc, a)) {
            return find(doc, a, ok, blank);
        }
        if ok(&blank(doc, b)) {
            return find(doc, b, ok, blank);
        }
        let in_b = find(&blank(doc, a), b, ok, blank);
        let mut in_a = find(&blank(doc, &in_b), a, ok, blank);
        in_a.extend(in_b);
        in_a
    }
    let culprits = find(&types, &names, &ok, &blank);
    let reason = |name: &str| {
        let alone = blank(
            &types,
            &names
                .iter()
                .filter(|n| *n != name)
                .cloned()
                .collect::<Vec<_>>(),
        );
        attempt(&alone, &none)
            .err()
            .unwrap_or_else(|| "only together with the schemas it refers to".into())
    };
    for name in &culprits {
        notes.push(Problem::new(
            accord_spec::join("/components/schemas", name),
            format!(
                "schema `{name}` is any JSON value in Rust: typify cannot convert it ({})",
                reason(name)
            ),
        ));
    }
    *doc = blank(doc, &culprits);
}

/// The operations whose presence makes progenitor fail, each with its failure.
fn bisect(doc: &Value, ids: &[String], replacements: &Replacements) -> Vec<(String, String)> {
    let only = |keep: &[String]| {
        let mut d = doc.clone();
        for id in operation_ids(doc) {
            if !keep.contains(&id) {
                remove_operation(&mut d, &id);
            }
        }
        d
    };
    match attempt(&only(ids), replacements) {
        Ok(_) => Vec::new(),
        Err(message) if ids.len() == 1 => vec![(
            ids[0].clone(),
            format!("{}: {message}", label(doc, &ids[0])),
        )],
        Err(_) if ids.is_empty() => Vec::new(),
        Err(_) => {
            let (a, b) = ids.split_at(ids.len() / 2);
            let mut out = bisect(doc, a, replacements);
            out.extend(bisect(doc, b, replacements));
            out
        }
    }
}

fn operation_ids(doc: &Value) -> Vec<String> {
    let mut ids = Vec::new();
    for item in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|m| m.values())
    {
        for op in item.as_object().into_iter().flat_map(|m| m.values()) {
            if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                ids.push(id.to_string());
            }
        }
    }
    ids
}

fn label(doc: &Value, id: &str) -> String {
    for (path, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for (method, op) in item.as_object().into_iter().flatten() {
            if op.get("operationId").and_then(Value::as_str) == Some(id) {
                return format!("{} {path}", method.to_uppercase());
            }
        }
    }
    id.to_string()
}

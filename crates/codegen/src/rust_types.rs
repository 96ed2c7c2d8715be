//! The shared model types: one crate of Rust types for every schema of the spec, used by the
//! client (progenitor is told to use them instead of its own) and, later, the server stubs.
//!
//! The types come from the same pipeline as the client's (progenitor's schema conversion and
//! typify), run over the reshaped document with its operations removed, so a value built for
//! the client is exactly the value a server of the same spec receives.

use std::collections::BTreeMap;

use progenitor_impl::TypeImpl;
use serde_json::json;
use syn::{Item, Meta};

use crate::names::rust_name;
use crate::progenitor_run::{attempt, failure};
use crate::{CodegenError, Origin, Output, Prepared};

/// What one generated type implements, as progenitor's replacement settings need to know.
#[derive(Debug, Clone, Default)]
pub struct TypeInfo {
    pub impls: Vec<TypeImpl>,
}

/// The generated model types, and the schema name to Rust type name map the client needs.
pub struct ModelTypes {
    pub output: Output,
    /// Schema name (a key of `components.schemas`) to the type's Rust name and its impls.
    pub types: BTreeMap<String, (String, TypeInfo)>,
}

/// Generates the model types crate body for `spec`.
pub fn generate(prepared: &Prepared, origin: &Origin<'_>) -> Result<ModelTypes, CodegenError> {
    let mut doc = prepared.progenitor.clone();
    doc["paths"] = json!({});
    let mut notes = Vec::new();
    let mut tokens;
    let mut rounds = 0;
    loop {
        tokens = attempt(&doc, &BTreeMap::new())
            .map_err(|m| failure(format!("typify failed on the schemas: {m}")))?;
        // A Rust name typify defined twice: rename the component and run again.
        rounds += 1;
        if rounds > 3
            || !crate::progenitor_compat::rename_duplicate_types(&mut doc, &tokens, &mut notes)
        {
            break;
        }
    }
    let mut file = syn::parse_str::<syn::File>(&tokens)
        .map_err(|e| failure(format!("unparsable types: {e}")))?;
    let items = std::mem::take(&mut file.items)
        .into_iter()
        .find_map(|item| match item {
            Item::Mod(m) if m.ident == "types" => m.content.map(|(_, items)| items),
            _ => None,
        })
        .unwrap_or_default();

    let mut impls: BTreeMap<String, TypeInfo> = BTreeMap::new();
    for item in &items {
        match item {
            Item::Struct(s) => record_derives(&mut impls, &s.ident.to_string(), &s.attrs),
            Item::Enum(e) => record_derives(&mut impls, &e.ident.to_string(), &e.attrs),
            Item::Impl(i) => {
                let (Some((path, _)), syn::Type::Path(ty)) = (&i.trait_, &*i.self_ty) else {
                    continue;
                };
                let (Some(tr), Some(name)) = (path.segments.last(), ty.path.segments.last()) else {
                    continue;
                };
                let implemented = match tr.ident.to_string().as_str() {
                    "Display" => TypeImpl::Display,
                    "FromStr" => TypeImpl::FromStr,
                    "Default" => TypeImpl::Default,
                    _ => continue,
                };
                impls
                    .entry(name.ident.to_string())
                    .or_default()
                    .impls
                    .push(implemented);
            }
            _ => {}
        }
    }

    let mut types = BTreeMap::new();
    let schemas: Vec<String> = doc
        .pointer("/components/schemas")
        .and_then(serde_json::Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    // Keyed by the spec's own schema names, including those renamed for Rust.
    let renamed = doc.get(crate::progenitor_compat::RENAMED_SCHEMAS);
    for schema in schemas {
        let rust = rust_name(&schema);
        let spec_name = renamed
            .and_then(|r| r.get(&schema))
            .and_then(serde_json::Value::as_str)
            .map_or_else(|| schema.clone(), str::to_string);
        if let Some(info) = impls.get(&rust) {
            types.insert(spec_name, (rust, info.clone()));
        }
    }

    file.items = items;
    let body = prettyplease::unparse(&file);
    Ok(ModelTypes {
        output: Output {
            text: format!("{}{body}", origin.header("//")),
            notes,
        },
        types,
    })
}

fn record_derives(impls: &mut BTreeMap<String, TypeInfo>, name: &str, attrs: &[syn::Attribute]) {
    let entry = impls.entry(name.to_string()).or_default();
    for attr in attrs {
        if let Meta::List(list) = &attr.meta
            && list.path.is_ident("derive")
            && list
                .tokens
                .to_string()
                .split([',', ' '])
                .any(|t| t == "Default")
        {
            entry.impls.push(TypeImpl::Default);
        }
    }
}

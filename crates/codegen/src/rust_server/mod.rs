//! The Rust server target: axum stubs over the shared model types.
//!
//! For each operation the output has a response enum (one variant per documented status,
//! with its typed body and headers) and a method of the `Api` trait taking typed inputs; the
//! `router` function wires every route, authenticates secured operations through the
//! implementation's authenticator, decodes and validates inputs (`accord-server-runtime`),
//! and renders every failure the framework produces through the implementation's
//! `render_error`, so any error envelope can be served.
//!
//! Two steps: [`model`] reads the prepared spec into a model of the operations (every name
//! and type decided there), [`emit`] turns that model into tokens with `quote!`.
//!
//! Routes are registered with positional parameter names (`/items/{p0}`), so paths whose
//! parameters are named differently at the same place (`/a/{id}/b`, `/a/{name}/c`) do not
//! collide in axum's router; inputs are still reported by their spec names.

mod emit;
mod model;

use accord_spec::Problem;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::json;

use crate::rust_types::{self, ModelTypes};
use crate::{CodegenError, Origin, Output, Prepared};

const TARGET: &str = "rust server";

/// Generates a standalone server module: the model types (`pub mod types`) and the stubs.
pub fn generate(prepared: &Prepared, origin: &Origin<'_>) -> Result<Output, CodegenError> {
    let model = rust_types::generate(prepared, origin)?;
    let types: syn::File = syn::parse_str(
        model
            .output
            .text
            .strip_prefix(&origin.header("//"))
            .unwrap_or(&model.output.text),
    )
    .map_err(|e| failure(format!("the model types do not parse ({e})")))?;
    let items = &types.items;
    let mut notes = model.output.notes.clone();
    let server = stubs(prepared, &model, &mut notes);
    finish(
        origin,
        quote! {
            /// The model types: one per schema of the spec.
            #[allow(clippy::all)]
            pub mod types {
                #(#items)*
            }
            #server
        },
        notes,
    )
}

/// Generates the server module using the shared model types of the crate `types_crate`,
/// re-exported as `types`.
pub fn generate_using(
    prepared: &Prepared,
    origin: &Origin<'_>,
    model: &ModelTypes,
    types_crate: &str,
) -> Result<Output, CodegenError> {
    let mut notes = Vec::new();
    let server = stubs(prepared, model, &mut notes);
    let types_crate = format_ident!("{}", types_crate);
    finish(
        origin,
        quote! {
            /// The shared model types.
            pub use ::#types_crate as types;
            #server
        },
        notes,
    )
}

fn stubs(prepared: &Prepared, model: &ModelTypes, notes: &mut Vec<Problem>) -> TokenStream {
    let spec = &prepared.named;
    let ops = model::read(spec, model, notes);
    let components = json!({"components": {"schemas": spec
        .document
        .pointer("/components/schemas")
        .cloned()
        .unwrap_or_else(|| json!({}))}});
    emit::stubs(&components, &ops, notes)
}

fn failure(message: String) -> CodegenError {
    CodegenError::Failed {
        target: TARGET,
        message,
    }
}

fn finish(
    origin: &Origin<'_>,
    tokens: TokenStream,
    notes: Vec<Problem>,
) -> Result<Output, CodegenError> {
    let file = syn::parse2::<syn::File>(tokens).map_err(|e| {
        failure(format!(
            "generated unparsable code ({e}); please report this spec"
        ))
    })?;
    Ok(Output {
        text: format!("{}{}", origin.header("//"), prettyplease::unparse(&file)),
        notes,
    })
}

//! The model types of the reference API (`openapi/api.yaml`): one Rust type per schema,
//! shared by the generated client and server so both sides hold the same values.
//!
//! Everything under `generated/` is written by `cargo xtask generate`; edit the spec, never the output.

#[rustfmt::skip]
mod generated;

pub use generated::*;

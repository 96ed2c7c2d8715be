//! The typed Rust client of the reference API (`openapi/api.yaml`).
//!
//! Everything under `generated/` is written by `cargo xtask generate`; edit the spec, never the output.

#[rustfmt::skip]
mod generated;

pub use generated::*;

//! The typed Rust client of the reference API (`openapi/api.yaml`).
//!
//! Everything under `generated/` is written by `cargo xtask generate`; edit the spec, never the output.

mod generated;

pub use generated::*;

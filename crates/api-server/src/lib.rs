//! axum server stubs of the reference API (`openapi/api.yaml`): the [`Api`] trait, one
//! response enum per operation, and [`router`].
//!
//! Everything under `generated/` is written by `cargo xtask generate`; edit the spec, never the output.
//! The model types are `api-types`, the same the client uses; this crate never depends on the client.

#[rustfmt::skip]
mod generated;

pub use generated::*;

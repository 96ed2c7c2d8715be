//! The runtime of accord's generated axum server stubs.
//!
//! Generated code stays declarative: per operation it names the parameters, the schemas and
//! the statuses; this crate does the work every operation shares, the same way for every spec.
//! - [`Context`]: the request an operation serves (method, URI, headers, extensions).
//! - [`auth`]: credentials of the spec's security schemes (bearer, basic, API keys), handed to
//!   the implementation's authenticator, and the challenge a 401 carries.
//! - [`Inputs`]: path, query and header parameters and request bodies, coerced by their schema,
//!   validated against it (`accord-validate`) and deserialized, every failure collected as a
//!   [`FieldError`] for one 422.
//! - [`Reply`]: a documented status with its typed headers and body.
//! - [`Error`]: every failure the framework produces (400, 401, 404, 405, 413, 415, 422, 500),
//!   rendered by the implementation into its own error envelope.

mod affix;
pub mod auth;
mod body;
mod context;
mod error;
mod inputs;
mod reply;

pub use accord_validate as validate;
pub use affix::{Affix, Guard, Split, affixes_match, path_fits, split_params, strip_affixes};
pub use axum;
pub use body::{Payload, RawBody, read_body};
pub use context::{Context, Served};
pub use error::{AuthFailure, Error, FieldError, Location, finish};
pub use inputs::{Inputs, Schema, Style};
pub use reply::{IntoReply, Reply};

/// The response type every handler returns.
pub type Response = axum::response::Response;
/// The request type every handler takes.
pub type Request = axum::extract::Request;

/// Request bodies larger than this are refused with 413 unless the implementation says otherwise.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

//! accord's conformance harness: checks a running backend, known only through its spec, a
//! profile and HTTP, for what breaks frontends: authentication, token refresh, CORS, error
//! envelopes and presigned uploads. The checks are the Gherkin features of `features/`.

pub mod context;
pub mod contract;
pub mod http;
pub mod profile;
pub mod run;
pub mod sample;
pub mod world;

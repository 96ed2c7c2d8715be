//! accord's conformance harness: checks a running backend, known only through its spec, a
//! profile and HTTP, for what breaks frontends: authentication, token refresh, CORS, error
//! envelopes and presigned uploads, and the API's own behaviour generated from its spec.
//! The checks are the Gherkin features of `features/`.

pub mod asyncapi;
pub mod behaviour;
pub mod cli;
pub mod context;
pub mod contract;
pub mod envelope;
pub mod exchange;
pub mod findings;
pub mod http;
pub mod init;
pub mod memo;
pub mod profile;
pub mod report;
pub mod rules;
pub mod run;
pub mod sample;
pub mod security;
pub mod steps;

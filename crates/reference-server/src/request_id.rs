//! The id of a request, put in its extensions by the request-id layer and read by every
//! problem the backend answers (its own module: the layers and the handlers both need it).

/// The id of a request: a sane incoming `X-Request-Id`, or a new UUID.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

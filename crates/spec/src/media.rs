//! Media types: the one definition lives in `accord-validate` (the runtime needs it without the
//! spec's loader); every crate names it through here or there, never a copy.

pub use accord_validate::media::*;

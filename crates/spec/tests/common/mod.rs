//! What the spec tests share: where the fixtures are and a located look-up.

use std::path::{Path, PathBuf};

use accord_spec::Spec;
use serde_json::Value;

pub fn fixture(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative)
}

pub fn at<'a>(spec: &'a Spec, pointer: &str) -> &'a Value {
    spec.document
        .pointer(pointer)
        .unwrap_or_else(|| panic!("{pointer} missing"))
}

//! Turns every Rust client and server snapshot of crates/codegen into a module of this crate,
//! so that a snapshot that does not compile fails the build.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let snapshots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../codegen/tests/snapshots");
    println!("cargo::rerun-if-changed={}", snapshots.display());
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let mut names: Vec<String> = std::fs::read_dir(&snapshots)
        .expect("crates/codegen/tests/snapshots exists")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| {
            (n.starts_with("rust_client@") || n.starts_with("rust_server@")) && n.ends_with(".snap")
        })
        .collect();
    names.sort();
    assert!(
        !names.is_empty(),
        "no Rust snapshots found in {}",
        snapshots.display()
    );
    let mut mods = String::new();
    for name in names {
        let path = snapshots.join(&name);
        println!("cargo::rerun-if-changed={}", path.display());
        let text = std::fs::read_to_string(&path).expect("readable snapshot");
        // An insta snapshot is a `---` delimited YAML header followed by the content.
        let body = text
            .splitn(3, "---\n")
            .nth(2)
            .unwrap_or_else(|| panic!("{name} has no insta header"));
        let stem = name
            .trim_start_matches("rust_")
            .replacen('@', "_", 1)
            .trim_end_matches(".snap")
            .to_string();
        let module: String = stem
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        std::fs::write(Path::new(&out).join(format!("{module}.rs")), body)
            .expect("writable OUT_DIR");
        writeln!(mods, "#[allow(dead_code, clippy::all)]\npub mod {module} {{\n    include!(concat!(env!(\"OUT_DIR\"), \"/{module}.rs\"));\n}}").unwrap();
    }
    std::fs::write(Path::new(&out).join("mods.rs"), mods).expect("writable OUT_DIR");
}

//! The TypeScript outputs type-check with `tsc --strict`: every snapshot of the TypeScript
//! target, and the consumer test that drives the contract's types through openapi-fetch.

use crate::root;

#[test]
fn every_typescript_snapshot_passes_tsc_strict() {
    let snapshots = root().join("crates/codegen/tests/snapshots");
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut count = 0;
    for entry in std::fs::read_dir(&snapshots).expect("snapshots exist") {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let Some(stem) = name
            .strip_prefix("typescript@")
            .and_then(|n| n.strip_suffix(".snap"))
        else {
            continue;
        };
        let text = std::fs::read_to_string(snapshots.join(&name)).unwrap();
        let body = text.splitn(3, "---\n").nth(2).expect("an insta header");
        std::fs::write(dir.path().join(format!("{stem}.ts")), body).unwrap();
        count += 1;
    }
    assert!(
        count >= 9,
        "expected a TypeScript snapshot per fixture spec, found {count}"
    );
    let config = dir.path().join("tsconfig.json");
    std::fs::write(
        &config,
        r#"{ "compilerOptions": { "strict": true, "noEmit": true, "target": "ES2022", "module": "ESNext",
             "moduleResolution": "Bundler", "types": [], "skipLibCheck": false }, "include": ["*.ts"] }"#,
    )
    .unwrap();
    let (ok, output) = xtask::node::tsc(&root(), &config).expect("tsc runs");
    assert!(ok, "tsc --strict failed on the snapshots:\n{output}");
}

#[test]
fn consumer_test_type_checks_with_openapi_fetch() {
    let config = root().join(xtask::node::PACKAGE).join("tsconfig.json");
    let (ok, output) = xtask::node::tsc(&root(), &config).expect("tsc runs");
    assert!(ok, "packages/api-types failed to type-check:\n{output}");
}

#[test]
fn a_type_error_in_the_consumer_fails_tsc() {
    // The check above can fail: the same config over a consumer with a wrong field is rejected.
    let package = root().join(xtask::node::PACKAGE);
    let dir = tempfile::tempdir_in(&package).expect("a temp dir inside the package");
    let consumer = std::fs::read_to_string(package.join("test/consumer.ts")).unwrap();
    let broken = consumer.replacen("{ title: \"lamp\" }", "{ name: \"lamp\" }", 1);
    assert_ne!(consumer, broken);
    std::fs::write(dir.path().join("consumer.ts"), broken).unwrap();
    let config = dir.path().join("tsconfig.json");
    std::fs::write(&config, r#"{ "extends": "../tsconfig.json", "include": ["consumer.ts", "../generated/index.d.ts"] }"#).unwrap();
    let (ok, output) = xtask::node::tsc(&root(), &config).expect("tsc runs");
    assert!(
        !ok && output.contains("Unused '@ts-expect-error' directive"),
        "{output}"
    );
}

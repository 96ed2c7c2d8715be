//! `cargo xtask`: parses the flags, runs the task, maps the outcome to an exit code
//! (0 ok, 1 a check failed, 2 a usage or input error).

use std::process::ExitCode;

use clap::Parser;
use xtask::flags::{Flags, Task};

/// Loading and normalizing a large spec is millions of small allocations (a 10 MB document
/// is a tree of maps and strings); mimalloc makes them cheaper than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let flags = Flags::parse();
    let root = flags.root.clone().unwrap_or_else(xtask::project_root);
    let result = match flags.task {
        Task::Generate {
            spec: Some(spec),
            out: Some(out),
            target,
            child: true,
            ..
        } => xtask::generate::one_target(&root, &spec, &out, &target),
        Task::Generate {
            spec: Some(spec),
            out: Some(out),
            target,
            time_limit,
            strict,
            ..
        } => xtask::generate::try_spec(&spec, &out, &target, time_limit, strict),
        Task::Generate { .. } => xtask::generate::run(&root),
        Task::Verify { base } => xtask::verify::run(&root, base.as_deref()),
        Task::Diff {
            old,
            new,
            format,
            changelog,
            allow,
            output,
            strict,
        } => xtask::diff::run(
            &root,
            &xtask::diff::Options {
                old,
                new,
                format,
                changelog,
                allow,
                output,
                strict,
            },
        ),
        Task::Reach { args } => {
            let options = args.options(root.join("target/reach-out"));
            xtask::reach::run(&root, &options).map(|_| ())
        }
        Task::Conformance { flags } => xtask::conformance::run(&root, &flags),
        Task::Example => xtask::example::run(&root),
        Task::Oasdiff => xtask::oasdiff::run(&root),
        Task::Backends {
            names,
            sources,
            beside_schemathesis,
            init,
            broken,
            flags,
        } => xtask::backends::run(
            &root,
            &names,
            sources,
            &xtask::backends::Mode {
                flags,
                peer: beside_schemathesis,
                init,
                broken,
            },
        )
        .map(|_| ()),
        Task::Serve {
            listen,
            storage_listen,
            data_dir,
        } => xtask::backend::serve(&root, &listen, &storage_listen, data_dir.as_deref()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: error: {error:#}");
            ExitCode::from(xtask::exit_code(&error))
        }
    }
}

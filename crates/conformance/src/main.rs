//! `accord-conformance`: the conformance suite's own binary; the command line is
//! [`accord_conformance::cli`], which `accord conformance` runs too.

use std::process::ExitCode;

fn main() -> ExitCode {
    accord_conformance::cli::main(std::env::args().collect())
}

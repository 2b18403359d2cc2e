//! `gclab-py`: a Python-subset interpreter whose every object lives in a gclab heap (the
//! command line; the interpreter is the library, `src/lib.rs`).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: gclab_py::Args = gclab::experiment::parse_args_listing_strategies();
    match gclab_py::run_on_own_stack(args) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("gclab-py: {e}");
            ExitCode::from(70)
        }
    }
}

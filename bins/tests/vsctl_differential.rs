//! Differential tests: the installed `ovs-vsctl` 3.1 against our `rvsctl`, on the command
//! lines of `tests/cases/vsctl/*.txt` (format and environment variables: `common/mod.rs`).
//!
//! `DIFF_SELF_CHECK=1 cargo test -p bins --test vsctl_differential` runs the real tool on both
//! sides and must report 0 mismatches.

mod common;

use common::Tool;

const TOOL: Tool = Tool::vsctl(env!("CARGO_BIN_EXE_rvsctl"));

macro_rules! case_files {
    ($($file:ident),* $(,)?) => {
        $(
            #[test]
            fn $file() {
                common::run_case_file(&TOOL, stringify!($file));
            }
        )*

        #[test]
        fn every_case_file_has_a_test() {
            common::check_every_file_has_a_test(&TOOL, &[$(stringify!($file)),*]);
        }
    };
}

case_files!(
    generic,
    bridges,
    ports_ifaces,
    bonds,
    controller_manager_ssl,
    show,
    options,
    errors,
);

//! Differential tests: the installed `ovn-nbctl` 23.03 against our `rnbctl`, on the command
//! lines of `tests/cases/nbctl/*.txt` (format and environment variables: `common/mod.rs`).
//!
//! `DIFF_SELF_CHECK=1 cargo test -p bins --test nbctl_differential` runs the real tool on both
//! sides and must report 0 mismatches.

mod common;

use common::Tool;

const TOOL: Tool = Tool::nbctl(env!("CARGO_BIN_EXE_rnbctl"));

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
    switch,
    router,
    lb,
    acl_qos_meter,
    pg_dhcp_misc,
    show,
    options,
    errors,
);

//! `rnbctl` and `rvsctl`: drop-in replacements for `ovn-nbctl` and `ovs-vsctl`.
//!
//! Both tools share one engine, [`ctl`], as the C tools share `db-ctl-base`: argument parsing,
//! the value syntax, record lookup, the generic database commands, the output formats, and a
//! [`ctl::Context`] that reads only what a command needs (guarded by `wait` operations) and
//! commits everything one invocation asks for as ONE transaction.
//! [`nbctl`] and [`vsctl`] hold the tools' own commands, one file per group.

pub mod ctl;
pub mod nbctl;
pub mod vsctl;

//! Shared code of the benchmarks, the fixture generator and the comparison against the real
//! peers (`cargo run --release -p benches --bin compare`): a blocking JSON-RPC exchange with a
//! real ovsdb-server that keeps the exact bytes the server sent, generators of realistic OVN
//! Northbound and Open_vSwitch contents, child-process measurement (wall, CPU, peak RSS), our
//! measured clients, one module per measurement, and the Markdown / SVG report.

pub mod chart;
pub mod child;
pub mod children;
pub mod cli;
pub mod cli_bench;
pub mod codec_run;
pub mod config;
pub mod follow_bench;
pub mod nb_data;
pub mod raw;
pub mod report;
pub mod server;
pub mod stats;
pub mod sync_bench;
pub mod tools;
pub mod txn_bench;
pub mod vs_data;

//! Shared helpers for the benchmarks and the fixture generator: a blocking JSON-RPC exchange
//! with a real ovsdb-server that keeps the exact bytes the server sent, and a generator of
//! realistic OVN Northbound contents (switches with pod-like ports).

pub mod nb_data;
pub mod raw;

//! Shared helpers for the benchmarks (inputs they build, peers they run).

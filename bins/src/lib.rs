//! The shared ctl engine behind `rnbctl` and `rvsctl` (filled by the tool work).

//! Proc-macros that turn an `.ovsschema` file (and user structs) into typed Rust (filled by the typed-schema work).

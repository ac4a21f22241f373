//! The in-memory replica (filled by the client work).

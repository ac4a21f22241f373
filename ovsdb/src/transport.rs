//! Transports (filled by the client work).

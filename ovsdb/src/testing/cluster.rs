//! RAFT clusters of real ovsdb-servers on loopback (filled by the client work).

/// A clustered database served by several ovsdb-server processes.
pub struct Cluster;

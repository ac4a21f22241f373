//! Following `_Server.Database` (ovsdb-server(5)): which remote of a cluster to stay on.
//!
//! The rules are ovsdb-cs's (the C IDL's), which every OVN component follows: a clustered
//! database is usable only from a member that is connected to its cluster; a writer that wants
//! the leader ("leader-only", the C tools' default) moves on from followers; and a member whose
//! raft index is older than one this client has already seen is stale (it would show the
//! client an older database than it saw before) and is skipped. Standalone databases and relays
//! are always usable.

use crate::data::{Atom, Datum, Row, Uuid};

/// How a database is served (`_Server.Database.model`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseModel {
    /// A single server's database file.
    Standalone,
    /// A member of a RAFT cluster.
    Clustered,
    /// A relay in front of another server or cluster.
    Relay,
    /// A model this client does not know (a newer server).
    Other(String),
}

/// One row of `_Server.Database`.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerDatabase {
    /// Database name.
    pub name: String,
    /// How it is served.
    pub model: DatabaseModel,
    /// For a clustered database: whether this member is connected to its cluster.
    pub connected: bool,
    /// For a clustered database: whether this member is the leader.
    pub leader: bool,
    /// For a clustered database: the raft log index this member has applied.
    pub index: Option<i64>,
    /// Cluster id.
    pub cid: Option<Uuid>,
    /// Server id.
    pub sid: Option<Uuid>,
}

fn scalar<'a>(row: &'a Row, column: &str) -> Option<&'a Atom> {
    row.get(column)
        .and_then(Datum::as_set)
        .and_then(|s| s.as_slice().first())
}

impl ServerDatabase {
    /// Reads a `_Server.Database` row; `None` if it has no name.
    pub fn from_row(row: &Row) -> Option<Self> {
        let name = scalar(row, "name")?.as_str()?.to_owned();
        let model = match scalar(row, "model")
            .and_then(Atom::as_str)
            .unwrap_or("standalone")
        {
            "standalone" => DatabaseModel::Standalone,
            "clustered" => DatabaseModel::Clustered,
            "relay" => DatabaseModel::Relay,
            other => DatabaseModel::Other(other.to_owned()),
        };
        Some(ServerDatabase {
            name,
            model,
            connected: scalar(row, "connected")
                .and_then(Atom::as_bool)
                .unwrap_or(false),
            leader: scalar(row, "leader")
                .and_then(Atom::as_bool)
                .unwrap_or(false),
            index: scalar(row, "index").and_then(Atom::as_integer),
            cid: scalar(row, "cid").and_then(Atom::as_uuid),
            sid: scalar(row, "sid").and_then(Atom::as_uuid),
        })
    }
}

/// Why a server is not (or no longer) usable for a database.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// The server does not serve the database.
    #[error("database {0} does not exist on this server")]
    NoDatabase(String),
    /// A cluster member that lost contact with its cluster.
    #[error("database {0}: this member is not connected to its cluster")]
    NotConnected(String),
    /// A follower, while the client wants the leader.
    #[error("database {0}: this member is not the cluster leader")]
    NotLeader(String),
    /// A member behind what the client already saw.
    #[error("database {name}: this member's raft index {index} is older than {seen} seen before (stale)")]
    Stale {
        /// Database name.
        name: String,
        /// This member's index.
        index: i64,
        /// The highest index seen on any member.
        seen: i64,
    },
}

/// Decides whether a server's `_Server.Database` row for `name` makes it usable, and records
/// the raft index seen (it never goes down across reconnects: that is what makes a stale
/// member detectable).
#[derive(Debug, Clone, Default)]
pub struct ClusterTracker {
    min_index: i64,
}

impl ClusterTracker {
    /// A tracker that has seen nothing yet.
    pub fn new() -> Self {
        ClusterTracker::default()
    }

    /// The highest raft index accepted so far.
    pub fn min_index(&self) -> i64 {
        self.min_index
    }

    /// Checks the row (or its absence) for database `name`.
    pub fn check(
        &mut self,
        name: &str,
        row: Option<&ServerDatabase>,
        leader_only: bool,
    ) -> Result<(), Rejection> {
        let Some(db) = row else {
            return Err(Rejection::NoDatabase(name.to_owned()));
        };
        if db.model != DatabaseModel::Clustered {
            return Ok(());
        }
        if !db.connected {
            return Err(Rejection::NotConnected(name.to_owned()));
        }
        if leader_only && !db.leader {
            return Err(Rejection::NotLeader(name.to_owned()));
        }
        let index = db.index.unwrap_or(0);
        if index < self.min_index {
            return Err(Rejection::Stale {
                name: name.to_owned(),
                index,
                seen: self.min_index,
            });
        }
        self.min_index = index;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(model: &str, connected: bool, leader: bool, index: i64) -> ServerDatabase {
        let r = Row::new()
            .with("name", "OVN_Northbound")
            .with("model", model)
            .with("connected", connected)
            .with("leader", leader)
            .with("index", index);
        ServerDatabase::from_row(&r).unwrap()
    }

    #[test]
    fn follows_ovsdb_cs_rules() {
        let mut t = ClusterTracker::new();
        let db = "OVN_Northbound";
        assert_eq!(
            t.check(db, None, true),
            Err(Rejection::NoDatabase(db.into()))
        );
        assert_eq!(
            t.check(db, Some(&row("standalone", false, false, 0)), true),
            Ok(())
        );
        assert_eq!(
            t.check(db, Some(&row("relay", false, false, 0)), true),
            Ok(())
        );
        assert_eq!(
            t.check(db, Some(&row("clustered", false, true, 5)), true),
            Err(Rejection::NotConnected(db.into()))
        );
        assert_eq!(
            t.check(db, Some(&row("clustered", true, false, 5)), true),
            Err(Rejection::NotLeader(db.into()))
        );
        assert_eq!(
            t.check(db, Some(&row("clustered", true, false, 5)), false),
            Ok(())
        );
        assert_eq!(t.min_index(), 5);
        assert_eq!(
            t.check(db, Some(&row("clustered", true, true, 4)), true),
            Err(Rejection::Stale {
                name: db.into(),
                index: 4,
                seen: 5
            })
        );
        assert_eq!(
            t.check(db, Some(&row("clustered", true, true, 9)), true),
            Ok(())
        );
        assert_eq!(t.min_index(), 9);
    }

    #[test]
    fn reads_partial_rows() {
        let r = Row::new().with("name", "db");
        let d = ServerDatabase::from_row(&r).unwrap();
        assert_eq!(d.model, DatabaseModel::Standalone);
        assert!(ServerDatabase::from_row(&Row::new()).is_none());
    }
}

//! What can go wrong applying server data to a replica.

use std::fmt;

use compact_str::CompactString;

use crate::data::Uuid;
use crate::schema::ConstraintViolation;

/// What a row update asked to do with a row, for [`ReplicaError::MissingRow`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RowOp {
    /// A modification (`modify` in update2, `old` and `new` in update).
    Modify,
    /// A deletion (`delete` in update2, `old` without `new` in update).
    Delete,
}

impl fmt::Display for RowOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RowOp::Modify => "modify",
            RowOp::Delete => "delete",
        })
    }
}

/// Why a batch of updates (or an index) was refused. A refused batch leaves the replica
/// exactly as it was before the call.
///
/// The row errors ([`RowExists`](Self::RowExists), [`MissingRow`](Self::MissingRow)) mean the
/// replica and the server disagree about which rows exist; like the C IDL and python-ovs
/// (which report `OVSDB_IDL_UPDATE_INCONSISTENT` for them), the safe reaction is to resync:
/// monitor again and [`Replica::replace_tables`](super::Replica::replace_tables) with the
/// fresh initial contents.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ReplicaError {
    /// The schema has no such table.
    #[error("no table {table} in the schema")]
    UnknownTable {
        /// The table name given.
        table: CompactString,
    },
    /// The table has no such column.
    #[error("table {table}, row {uuid}: no column {column} in the schema")]
    UnknownColumn {
        /// The table.
        table: CompactString,
        /// The row whose update named the column.
        uuid: Uuid,
        /// The column name given.
        column: CompactString,
    },
    /// A value (or a column diff, or the value a diff produced) does not fit the column type.
    #[error("table {table}, row {uuid}, column {column}: {violation}")]
    BadValue {
        /// The table.
        table: CompactString,
        /// The row.
        uuid: Uuid,
        /// The column.
        column: CompactString,
        /// What is wrong with the value.
        violation: ConstraintViolation,
    },
    /// An insert (or initial row) for a row the replica already has.
    #[error("table {table}: cannot insert row {uuid}, which already exists")]
    RowExists {
        /// The table.
        table: CompactString,
        /// The row.
        uuid: Uuid,
    },
    /// A modification or deletion of a row the replica does not have.
    #[error("table {table}: cannot {op} row {uuid}, which does not exist")]
    MissingRow {
        /// The table.
        table: CompactString,
        /// The row.
        uuid: Uuid,
        /// What the update asked for.
        op: RowOp,
    },
    /// Replacement contents that are not whole rows: a `modify` or `delete` (update2), an
    /// `old` member (update), or the same row twice.
    #[error("table {table}, row {uuid}: replacement contents must list each row once, whole")]
    NotInitial {
        /// The table.
        table: CompactString,
        /// The row.
        uuid: Uuid,
    },
    /// Replacement contents for a table that is not among the tables being replaced.
    #[error("replacement contents include table {table}, which is not being replaced")]
    TableNotReplaced {
        /// The table.
        table: CompactString,
    },
    /// A column named when configuring the replica (monitored columns) that the table lacks.
    #[error("table {table}: no column {column} in the schema")]
    NoSuchColumn {
        /// The table.
        table: CompactString,
        /// The column name given.
        column: CompactString,
    },
    /// An index specification that does not fit the schema.
    #[error("bad index on table {table}: {problem}")]
    BadIndex {
        /// The table.
        table: CompactString,
        /// What is wrong.
        problem: String,
    },
    /// Rows checked and shaped for the replica while a monitor reply arrived, whose schema
    /// changed before they could be put in place (the client then resynchronizes).
    #[error("rows were staged for another schema of the database")]
    StagedForOtherSchema,
}

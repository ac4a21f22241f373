//! What one operation returns (RFC 7047 5.2): [`OperationResult`] when it succeeded,
//! [`OperationError`] (the RFC's `<error>` object) when it failed.

use std::fmt;

use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use super::operation::OpKind;
use crate::data::{Row, Uuid};

/// The result of an operation that succeeded.
///
/// On the wire: insert `{"uuid": ["uuid", ...]}`, select `{"rows": [row, ...]}`, update,
/// mutate and delete `{"count": n}`, the others `{}`. Serializes to that form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OperationResult {
    /// The UUID of the inserted row. Meaningless if the transaction as a whole failed.
    Insert {
        /// The new row's UUID.
        uuid: Uuid,
    },
    /// The selected rows, with the requested columns only.
    Select {
        /// The rows, in no particular order.
        rows: Vec<Row>,
    },
    /// How many rows matched the update's conditions.
    Update {
        /// The number of matching rows (including rows the update left unchanged).
        count: u64,
    },
    /// How many rows matched the mutate's conditions.
    Mutate {
        /// The number of matching rows.
        count: u64,
    },
    /// How many rows were deleted.
    Delete {
        /// The number of deleted rows.
        count: u64,
    },
    /// The wait was satisfied.
    Wait,
    /// The commit operation succeeded.
    Commit,
    /// Never returned by ovsdb-server (an abort always fails); kept so that every
    /// [`OpKind`] has a result.
    Abort,
    /// The comment was recorded.
    Comment,
    /// The lock is held.
    Assert,
}

impl OperationResult {
    /// The kind of operation this is the result of.
    pub fn kind(&self) -> OpKind {
        match self {
            OperationResult::Insert { .. } => OpKind::Insert,
            OperationResult::Select { .. } => OpKind::Select,
            OperationResult::Update { .. } => OpKind::Update,
            OperationResult::Mutate { .. } => OpKind::Mutate,
            OperationResult::Delete { .. } => OpKind::Delete,
            OperationResult::Wait => OpKind::Wait,
            OperationResult::Commit => OpKind::Commit,
            OperationResult::Abort => OpKind::Abort,
            OperationResult::Comment => OpKind::Comment,
            OperationResult::Assert => OpKind::Assert,
        }
    }

    /// The new row's UUID, for an insert.
    pub fn uuid(&self) -> Option<Uuid> {
        match self {
            OperationResult::Insert { uuid } => Some(*uuid),
            _ => None,
        }
    }

    /// The rows, for a select.
    pub fn rows(&self) -> Option<&[Row]> {
        match self {
            OperationResult::Select { rows } => Some(rows),
            _ => None,
        }
    }

    /// The rows, for a select, without copying them.
    pub fn into_rows(self) -> Option<Vec<Row>> {
        match self {
            OperationResult::Select { rows } => Some(rows),
            _ => None,
        }
    }

    /// The row count, for an update, mutate or delete.
    pub fn count(&self) -> Option<u64> {
        match self {
            OperationResult::Update { count }
            | OperationResult::Mutate { count }
            | OperationResult::Delete { count } => Some(*count),
            _ => None,
        }
    }
}

impl Serialize for OperationResult {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let has_member = !matches!(
            self,
            OperationResult::Wait
                | OperationResult::Commit
                | OperationResult::Abort
                | OperationResult::Comment
                | OperationResult::Assert
        );
        let mut m = serializer.serialize_map(Some(usize::from(has_member)))?;
        match self {
            OperationResult::Insert { uuid } => m.serialize_entry("uuid", uuid)?,
            OperationResult::Select { rows } => m.serialize_entry("rows", rows)?,
            OperationResult::Update { count }
            | OperationResult::Mutate { count }
            | OperationResult::Delete { count } => m.serialize_entry("count", count)?,
            _ => {}
        }
        m.end()
    }
}

/// An RFC 7047 `<error>` object, `{"error": "...", "details": "..."}`: why an operation, or
/// the commit of a transaction, failed.
///
/// `error` is a short fixed string (see the associated constants for the ones ovsdb-server
/// uses); `details` says what exactly was wrong; ovsdb-server adds `syntax`, the offending
/// JSON text, to syntax errors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationError {
    /// The error string, e.g. `"constraint violation"`.
    pub error: String,
    /// A human-readable explanation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    /// For syntax errors, the JSON text ovsdb-server could not accept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub syntax: Option<String>,
}

impl OperationError {
    /// A value violates a column's constraints (range, enum, length, number of elements), or
    /// a transaction makes two rows equal on an index or exceeds a table's `maxRows`.
    pub const CONSTRAINT_VIOLATION: &'static str = "constraint violation";
    /// The transaction leaves a strong reference to a row that does not exist.
    pub const REFERENTIAL_INTEGRITY_VIOLATION: &'static str = "referential integrity violation";
    /// The server ran out of memory or another resource.
    pub const RESOURCES_EXHAUSTED: &'static str = "resources exhausted";
    /// The server could not write the transaction.
    pub const IO_ERROR: &'static str = "I/O error";
    /// Two inserts of one transaction use the same `uuid-name`.
    pub const DUPLICATE_UUID_NAME: &'static str = "duplicate uuid-name";
    /// An insert's caller-chosen `uuid` is already used.
    pub const DUPLICATE_UUID: &'static str = "duplicate uuid";
    /// Division by zero in a mutation.
    pub const DOMAIN_ERROR: &'static str = "domain error";
    /// An arithmetic mutation overflowed.
    pub const RANGE_ERROR: &'static str = "range error";
    /// A `wait` was not satisfied within its timeout.
    pub const TIMED_OUT: &'static str = "timed out";
    /// The server does not support the request.
    pub const NOT_SUPPORTED: &'static str = "not supported";
    /// An `abort` operation ran.
    pub const ABORTED: &'static str = "aborted";
    /// An `assert` named a lock this session does not hold.
    pub const NOT_OWNER: &'static str = "not owner";
    /// The operation is malformed or names a table the database does not have.
    pub const SYNTAX_ERROR: &'static str = "syntax error";
    /// A row or column list names a column the table does not have.
    pub const UNKNOWN_COLUMN: &'static str = "unknown column";

    /// True if the error string is `tag`, e.g. `err.is(OperationError::TIMED_OUT)`.
    pub fn is(&self, tag: &str) -> bool {
        self.error == tag
    }
}

impl fmt::Display for OperationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.error)?;
        if let Some(details) = &self.details {
            // ovsdb-server ends most details with a period; this text is usually followed by
            // more of a sentence.
            write!(f, ": {}", details.trim_end().trim_end_matches('.'))?;
        }
        if let Some(syntax) = &self.syntax {
            // The offending text can be a whole operation, rows included: show its start.
            const MAX: usize = 200;
            match syntax.char_indices().nth(MAX) {
                Some((cut, _)) => write!(f, " (in {}...)", &syntax[..cut])?,
                None => write!(f, " (in {syntax})")?,
            }
        }
        Ok(())
    }
}

impl std::error::Error for OperationError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Atom;

    #[test]
    fn results_serialize_to_the_rfc_form() {
        let u = Uuid::parse("550e8400-e29b-41d4-a716-446655440000").unwrap();
        for (result, json) in [
            (
                OperationResult::Insert { uuid: u },
                r#"{"uuid":["uuid","550e8400-e29b-41d4-a716-446655440000"]}"#,
            ),
            (
                OperationResult::Select {
                    rows: vec![Row::new().with("name", Atom::from("a"))],
                },
                r#"{"rows":[{"name":"a"}]}"#,
            ),
            (OperationResult::Update { count: 2 }, r#"{"count":2}"#),
            (OperationResult::Mutate { count: 0 }, r#"{"count":0}"#),
            (OperationResult::Delete { count: 1 }, r#"{"count":1}"#),
            (OperationResult::Wait, "{}"),
            (OperationResult::Comment, "{}"),
        ] {
            assert_eq!(serde_json::to_string(&result).unwrap(), json);
        }
    }

    #[test]
    fn accessors() {
        let u = Uuid::new_v4();
        assert_eq!(OperationResult::Insert { uuid: u }.uuid(), Some(u));
        assert_eq!(OperationResult::Delete { count: 3 }.count(), Some(3));
        assert_eq!(OperationResult::Wait.count(), None);
        let sel = OperationResult::Select { rows: vec![] };
        assert_eq!(sel.rows().map(<[Row]>::len), Some(0));
        assert_eq!(sel.kind(), OpKind::Select);
        assert_eq!(sel.into_rows(), Some(vec![]));
    }

    #[test]
    fn error_display_and_json() {
        let e: OperationError = serde_json::from_str(
            r#"{"details":"5000 is not in the valid range 0 to 4095 (inclusive)","error":"constraint violation"}"#,
        )
        .unwrap();
        assert!(e.is(OperationError::CONSTRAINT_VIOLATION));
        assert_eq!(
            e.to_string(),
            "constraint violation: 5000 is not in the valid range 0 to 4095 (inclusive)"
        );
        let long = OperationError {
            error: "syntax error".into(),
            details: None,
            syntax: Some("x".repeat(500)),
        };
        assert_eq!(
            long.to_string(),
            format!("syntax error (in {}...)", "x".repeat(200))
        );
        assert_eq!(
            serde_json::to_string(&long).unwrap(),
            format!(
                r#"{{"error":"syntax error","syntax":"{}"}}"#,
                "x".repeat(500)
            )
        );
    }
}

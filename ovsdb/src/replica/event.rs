//! Change events: what one applied batch did to the replica, row by row.

use std::sync::Arc;

use compact_str::CompactString;

use crate::data::{Row, Uuid};

/// One row's change, as the replica applied it. Rows are shared with the replica (`Arc`), so
/// an event costs no row copies and stays valid after later changes.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The table.
    pub table: CompactString,
    /// The row.
    pub uuid: Uuid,
    /// What happened to it.
    pub kind: EventKind,
}

/// What happened to a row.
#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    /// The row appeared (inserted, or present when a monitor started or was replaced).
    Insert {
        /// Its contents.
        new: Arc<Row>,
    },
    /// The row's contents changed.
    Update {
        /// The contents before.
        old: Arc<Row>,
        /// The contents after.
        new: Arc<Row>,
    },
    /// The row disappeared.
    Delete {
        /// Its last contents.
        old: Arc<Row>,
    },
}

impl Event {
    /// The contents before the change (`None` for an insert).
    pub fn old(&self) -> Option<&Arc<Row>> {
        match &self.kind {
            EventKind::Insert { .. } => None,
            EventKind::Update { old, .. } | EventKind::Delete { old } => Some(old),
        }
    }

    /// The contents after the change (`None` for a delete).
    pub fn new_row(&self) -> Option<&Arc<Row>> {
        match &self.kind {
            EventKind::Insert { new } | EventKind::Update { new, .. } => Some(new),
            EventKind::Delete { .. } => None,
        }
    }

    /// True for an insert.
    pub fn is_insert(&self) -> bool {
        matches!(self.kind, EventKind::Insert { .. })
    }

    /// True for an update.
    pub fn is_update(&self) -> bool {
        matches!(self.kind, EventKind::Update { .. })
    }

    /// True for a delete.
    pub fn is_delete(&self) -> bool {
        matches!(self.kind, EventKind::Delete { .. })
    }

    /// The columns whose value differs between the old and the new contents, in name order
    /// (every column of the row for an insert or delete). A column present on one side only
    /// counts as changed.
    pub fn changed_columns(&self) -> Vec<&str> {
        match &self.kind {
            EventKind::Insert { new: row } | EventKind::Delete { old: row } => {
                row.columns().collect()
            }
            EventKind::Update { old, new } => changed_columns(old, new),
        }
    }
}

/// Columns whose values differ between two rows (a merge over the two sorted column lists).
pub(crate) fn changed_columns<'a>(old: &'a Row, new: &'a Row) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut o = old.iter().peekable();
    let mut n = new.iter().peekable();
    loop {
        match (o.peek(), n.peek()) {
            (Some(&(oc, od)), Some(&(nc, nd))) => match oc.cmp(nc) {
                std::cmp::Ordering::Less => {
                    out.push(oc);
                    o.next();
                }
                std::cmp::Ordering::Greater => {
                    out.push(nc);
                    n.next();
                }
                std::cmp::Ordering::Equal => {
                    if od != nd {
                        out.push(oc);
                    }
                    o.next();
                    n.next();
                }
            },
            (Some(&(oc, _)), None) => {
                out.push(oc);
                o.next();
            }
            (None, Some(&(nc, _))) => {
                out.push(nc);
                n.next();
            }
            (None, None) => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_columns_of_an_update() {
        let old = Arc::new(Row::new().with("a", 1i64).with("b", 2i64).with("c", 3i64));
        let new = Arc::new(Row::new().with("b", 2i64).with("c", 4i64).with("d", 5i64));
        let e = Event {
            table: "T".into(),
            uuid: Uuid::NIL,
            kind: EventKind::Update {
                old: old.clone(),
                new: new.clone(),
            },
        };
        assert_eq!(e.changed_columns(), ["a", "c", "d"]);
        assert_eq!(e.old(), Some(&old));
        assert_eq!(e.new_row(), Some(&new));
        assert!(e.is_update() && !e.is_insert() && !e.is_delete());
        let d = Event {
            kind: EventKind::Delete { old: old.clone() },
            ..e
        };
        assert_eq!(d.changed_columns(), ["a", "b", "c"]);
        assert!(d.new_row().is_none());
    }
}

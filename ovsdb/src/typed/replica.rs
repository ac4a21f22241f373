//! Typed access to a [`Replica`]: rows as generated structs, by UUID, by index or by column
//! value, and change events as typed old/new pairs.

use crate::data::{Atom, Datum, Row, Uuid};
use crate::replica::{Event, EventKind, IndexId, IndexSpec, Replica};

use super::{DecodeError, Table};

/// A replica row as `T`: the replica keeps `_uuid` beside the row, so it is put back first.
fn decode<T: Table>(uuid: Uuid, row: &Row) -> Result<T, DecodeError> {
    let mut row = row.clone();
    row.insert("_uuid", Datum::from(uuid));
    T::from_row(&row)
}

impl Replica {
    /// The row `uuid` of `T`'s table, typed; `None` if absent.
    pub fn get_typed<T: Table>(&self, uuid: Uuid) -> Option<Result<T, DecodeError>> {
        self.get(T::TABLE, uuid).map(|row| decode(uuid, row))
    }

    /// Every row of `T`'s table, typed, in UUID order.
    pub fn rows_typed<T: Table>(&self) -> Vec<Result<T, DecodeError>> {
        let Some(table) = self.table(T::TABLE) else {
            return Vec::new();
        };
        let mut rows: Vec<(Uuid, &std::sync::Arc<Row>)> = table.iter().collect();
        rows.sort_by_key(|(u, _)| *u);
        rows.into_iter().map(|(u, r)| decode(u, r)).collect()
    }

    /// The rows of `T`'s table found under `key` in index `id`, typed.
    pub fn lookup_typed<T: Table>(&self, id: IndexId, key: &Atom) -> Vec<Result<T, DecodeError>> {
        self.lookup(id, key).map(|(u, r)| decode(u, r)).collect()
    }

    /// The rows of `T`'s table whose `column` (or `column:key` for a map value, as in
    /// `external_ids:iface-id`) holds `value`: through an index when the replica has one for
    /// it (the schema's own indexes, such as `name`, always exist), else by a scan.
    pub fn find_typed<T: Table>(&self, column: &str, value: &Atom) -> Vec<Result<T, DecodeError>> {
        let spec = IndexSpec::parse(T::TABLE, column);
        if let Some(id) = self.index_id(&spec) {
            return self.lookup_typed(id, value);
        }
        let Some(table) = self.table(T::TABLE) else {
            return Vec::new();
        };
        let (col, key) = match column.split_once(':') {
            Some((c, k)) => (c, Some(k)),
            None => (column, None),
        };
        let mut found: Vec<(Uuid, &std::sync::Arc<Row>)> = table
            .iter()
            .filter(|(_, row)| match (row.get(col), key) {
                (Some(Datum::Map(m)), Some(k)) => m.get_str(k) == Some(value),
                (Some(Datum::Set(s)), None) => s.contains(value),
                _ => false,
            })
            .collect();
        found.sort_by_key(|(u, _)| *u);
        found.into_iter().map(|(u, r)| decode(u, r)).collect()
    }
}

/// A replica [`Event`] of `T`'s table, typed.
#[derive(Debug, Clone, PartialEq)]
pub enum TypedEvent<T> {
    /// A row appeared.
    Insert(T),
    /// A row changed.
    Update {
        /// Before.
        old: T,
        /// After.
        new: T,
    },
    /// A row went away.
    Delete(T),
}

impl<T: Table> TypedEvent<T> {
    /// The typed event, or `None` if `event` is about another table.
    pub fn from_event(event: &Event) -> Option<Result<Self, DecodeError>> {
        if event.table != T::TABLE {
            return None;
        }
        let u = event.uuid;
        Some(match &event.kind {
            EventKind::Insert { new } => decode(u, new).map(TypedEvent::Insert),
            EventKind::Update { old, new } => decode(u, old)
                .and_then(|old| decode(u, new).map(|new| TypedEvent::Update { old, new })),
            EventKind::Delete { old } => decode(u, old).map(TypedEvent::Delete),
        })
    }
}

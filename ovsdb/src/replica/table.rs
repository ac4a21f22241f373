//! One table of the replica: rows by UUID, the defaults of its monitored columns, its indexes.

use std::collections::HashMap;
use std::sync::Arc;

use compact_str::CompactString;

use super::index::Index;
use super::FastHash;
use crate::data::{Datum, Row, Uuid};
use crate::schema::{ColumnType, TableSchema};

/// The replica's copy of one table: rows by UUID, each a shared immutable [`Row`].
///
/// A row holds the columns its monitor reports (every column unless the client set the
/// monitored columns with [`Replica::set_monitored_columns`](super::Replica::set_monitored_columns)),
/// plus `_version` when monitored; the row's UUID is the key, not a column. Columns that
/// `update2` leaves out because they hold their default value read as that default, so a row
/// reads the same whichever monitor method filled it; the row does not store them, it shares
/// the table's defaults (see [`Row`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    name: CompactString,
    rows: HashMap<Uuid, Arc<Row>, FastHash>,
    /// Each monitored column with its type's default value: the start of every inserted row
    /// (a [`Row::into_defaults`] row, whose shape the table's rows share).
    defaults: Row,
    /// The same with a `_version` slot, the start of rows that have one.
    defaults_versioned: Row,
    /// The schema type of each column of `defaults`, in the same order.
    types: Vec<Option<ColumnType>>,
    /// The same for `defaults_versioned`.
    types_versioned: Vec<Option<ColumnType>>,
    pub(crate) indexes: Vec<Index>,
}

impl Table {
    /// An empty table monitoring every column of `schema`.
    pub(crate) fn new(name: &str, schema: &TableSchema) -> Table {
        let mut table = Table {
            name: name.into(),
            rows: HashMap::default(),
            defaults: Row::new(),
            defaults_versioned: Row::new(),
            types: Vec::new(),
            types_versioned: Vec::new(),
            indexes: Vec::new(),
        };
        table.set_defaults(schema, None);
        table
    }

    /// Sets the monitored columns (`None`: all), whose defaults fill rows.
    pub(crate) fn set_defaults(&mut self, schema: &TableSchema, columns: Option<&[&str]>) {
        self.defaults = schema
            .columns
            .iter()
            .filter(|(name, _)| columns.map_or(true, |cols| cols.contains(&name.as_str())))
            .map(|(name, c)| {
                (
                    CompactString::from(name.as_str()),
                    c.column_type.default_datum(),
                )
            })
            .collect();
        let mut versioned = self.defaults.clone();
        versioned.insert("_version", Datum::empty_set());
        self.defaults_versioned = versioned;
        let types_of = |row: &Row| {
            row.columns()
                .map(|c| schema.column(c).map(|c| c.column_type.clone()))
                .collect()
        };
        self.types = types_of(&self.defaults);
        self.types_versioned = types_of(&self.defaults_versioned);
        self.defaults = std::mem::take(&mut self.defaults).into_defaults();
        self.defaults_versioned = std::mem::take(&mut self.defaults_versioned).into_defaults();
    }

    /// The schema type of each column of [`Table::defaults`], in the same order (`None`
    /// where the schema has no such column).
    pub(crate) fn column_types(&self, with_version: bool) -> &[Option<ColumnType>] {
        if with_version {
            &self.types_versioned
        } else {
            &self.types
        }
    }

    /// The monitored columns, each at its default, plus a (placeholder) `_version` if
    /// `with_version`: what a row that leaves columns out starts from.
    pub(crate) fn defaults(&self, with_version: bool) -> &Row {
        if with_version {
            &self.defaults_versioned
        } else {
            &self.defaults
        }
    }

    /// Makes room for `additional` more rows.
    pub(crate) fn reserve(&mut self, additional: usize) {
        self.rows.reserve(additional);
    }

    /// The table's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn name_compact(&self) -> &CompactString {
        &self.name
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True if the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The row with this UUID.
    pub fn get(&self, uuid: Uuid) -> Option<&Arc<Row>> {
        self.rows.get(&uuid)
    }

    /// True if the table has a row with this UUID.
    pub fn contains(&self, uuid: Uuid) -> bool {
        self.rows.contains_key(&uuid)
    }

    /// Every row with its UUID, in no particular order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (Uuid, &Arc<Row>)> + '_ {
        self.rows.iter().map(|(u, r)| (*u, r))
    }

    /// Every row's UUID, in no particular order.
    pub fn uuids(&self) -> impl ExactSizeIterator<Item = Uuid> + '_ {
        self.rows.keys().copied()
    }

    /// Stores a row's new state (`None`: deleted), keeping the indexes right. `old` is the
    /// state being replaced.
    pub(crate) fn apply_change(
        &mut self,
        uuid: Uuid,
        old: Option<&Arc<Row>>,
        new: Option<Arc<Row>>,
    ) {
        for index in &mut self.indexes {
            index.update(uuid, old.map(|r| &**r), new.as_deref());
        }
        self.apply_change_unindexed(uuid, new);
    }

    /// Stores a row's new state (`None`: deleted) without touching the indexes: for a batch
    /// of changes followed by [`Table::rebuild_indexes`].
    pub(crate) fn apply_change_unindexed(&mut self, uuid: Uuid, new: Option<Arc<Row>>) {
        match new {
            Some(row) => {
                self.rows.insert(uuid, row);
            }
            None => {
                self.rows.remove(&uuid);
            }
        }
    }

    /// Makes an empty table's contents `rows`, with `indexes` already built from them.
    pub(crate) fn install(&mut self, rows: HashMap<Uuid, Arc<Row>, FastHash>, indexes: Vec<Index>) {
        self.rows = rows;
        self.indexes = indexes;
    }

    /// Builds every index afresh from the rows (after [`Table::apply_change_unindexed`]).
    pub(crate) fn rebuild_indexes(&mut self) {
        let rows = &self.rows;
        for index in &mut self.indexes {
            index.rebuild(rows.iter().map(|(u, r)| (*u, &**r)));
        }
    }

    /// Adds a built index, filling it from the current rows; returns its slot.
    pub(crate) fn push_index(&mut self, mut index: Index) -> usize {
        for (uuid, row) in &self.rows {
            index.insert(*uuid, row);
        }
        self.indexes.push(index);
        self.indexes.len() - 1
    }
}

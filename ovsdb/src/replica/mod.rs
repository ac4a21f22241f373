//! The replica: an in-memory mirror of monitored tables, with secondary indexes and change
//! events.
//!
//! A [`Replica`] is filled from what monitors report, in the order the server sends it:
//!
//! | server sends | apply with |
//! |---|---|
//! | `monitor` reply, `update` notification (RFC 7047 `<table-updates>`) | [`Replica::apply_update`] |
//! | `monitor_cond` / `monitor_cond_since` reply, `update2` / `update3` (`<table-updates2>`) | [`Replica::apply_update2`] |
//! | a fresh initial view after a monitor could not resume (`monitor_cond_since` said `found: false`) | [`Replica::replace_tables`] / [`Replica::replace_tables_from_update`] |
//!
//! Each call is all-or-nothing: it validates the whole batch against the schema first (tables,
//! columns, value types, which rows exist) and only then changes anything, so bad data from a
//! server leaves the replica exactly as it was and comes back as a [`ReplicaError`]. It
//! returns the [`Event`]s it caused, in order, for the client to hand to subscribers.
//!
//! Rows are shared immutable values (`Arc<Row>`): readers and events hold them without copying.
//! Each table sits behind its own `Arc` with copy-on-write, so cloning a `Replica` (a
//! snapshot) costs one reference count per table, and the first change to a table after a
//! snapshot copies that table's row map (pointers, not rows) once.
//!
//! # Rules worth knowing
//!
//! * **Column diffs** (`update2` `modify`) follow ovsdb-server: see [`diff`].
//! * **Defaults**: `update2` omits columns that hold their default value from inserted and
//!   initial rows; the replica fills them in (for the monitored columns, see
//!   [`Replica::set_monitored_columns`]), so rows read the same whatever the monitor method.
//! * **Reals**: ovsdb-server writes the real `1.0` as `1`; values are converted to their
//!   column's type (integer to real, whole real to integer) before they are stored.
//! * **Rows that should not exist / should exist**: an insert of a row the replica has, or a
//!   modify or delete of a row it lacks, is an error ([`ReplicaError::RowExists`],
//!   [`ReplicaError::MissingRow`]) that rejects the batch, as the current C IDL and python-ovs
//!   treat it (`OVSDB_IDL_UPDATE_INCONSISTENT`: the caller should resync, e.g. re-monitor and
//!   [`Replica::replace_tables`]). Older python-ovs tolerated these with a warning; silently
//!   tolerating them hides a replica that has diverged from the server.
//! * **Unchanged rows** produce no event: a modify whose result equals the stored row, and in a
//!   replace, rows whose contents are the same (ignoring `_version`, which ovsdb-server
//!   regenerates when it restarts; such rows are updated silently).
//!
//! ```
//! use std::sync::Arc;
//! use ovsdb::data::{Atom, Datum, Row, Uuid};
//! use ovsdb::monitor::{RowChange, RowUpdate2, TableUpdate, TableUpdates2};
//! use ovsdb::replica::{IndexSpec, Replica};
//! use ovsdb::schema::DatabaseSchema;
//!
//! let schema = DatabaseSchema::from_json_str(r#"{"name": "Demo", "tables": {"Port": {
//!     "columns": {"name": {"type": "string"},
//!                 "external_ids": {"type": {"key": "string", "value": "string",
//!                                           "min": 0, "max": "unlimited"}}},
//!     "indexes": [["name"]]}}}"#)?;
//! let mut replica = Replica::new(Arc::new(schema));
//! let iface = replica.add_index(IndexSpec::parse("Port", "external_ids:iface-id"))?;
//!
//! let uuid = Uuid::new_v4();
//! let row = Row::new().with("name", "p1").with("external_ids", Datum::map([("iface-id", "vm1")]));
//! let events = replica.apply_update2(&TableUpdates2 {
//!     tables: vec![TableUpdate {
//!         table: "Port".into(),
//!         rows: vec![RowUpdate2 { uuid, change: RowChange::Insert(row) }],
//!     }],
//! })?;
//! assert!(events[0].is_insert());
//! assert_eq!(replica.get("Port", uuid).unwrap().get("name"), Some(&Datum::from("p1")));
//!
//! // The schema's index on "name" is built automatically.
//! let by_name = replica.index_id(&IndexSpec::column("Port", "name")).unwrap();
//! assert_eq!(replica.lookup(by_name, &Atom::from("p1")).count(), 1);
//! assert_eq!(replica.lookup(iface, &Atom::from("vm1")).next().map(|(u, _)| u), Some(uuid));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod apply;
pub mod diff;
mod error;
mod event;
mod index;
mod postings;
mod replace;
pub(crate) use self::replace::{StagedRows, Staging};

/// The hashing of the replica's maps (rows by UUID, index keys): foldhash, several times
/// cheaper than the standard SipHash on UUIDs and short strings, seeded per process so that
/// keys chosen to collide cannot be planned for.
pub(crate) type FastHash = foldhash::fast::RandomState;
mod table;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use self::postings::PostingRows;
use std::fmt;
use std::sync::Arc;

use compact_str::CompactString;

use crate::data::{Atom, Row, Uuid};
use crate::schema::DatabaseSchema;

pub use self::error::{ReplicaError, RowOp};
pub use self::event::{Event, EventKind};
use self::index::IndexKey;
pub use self::index::{IndexId, IndexPart, IndexSpec};
pub use self::table::Table;

/// The in-memory mirror of the monitored tables of one database.
///
/// Holds one [`Table`] for every table of the schema (empty until filled). Cloning is cheap
/// (one `Arc` per table) and gives an independent snapshot.
#[derive(Clone)]
pub struct Replica {
    schema: Arc<DatabaseSchema>,
    /// One per schema table, sorted by name (the schema's `BTreeMap` order).
    tables: Vec<Arc<Table>>,
}

impl Replica {
    /// An empty replica of `schema`'s tables, monitoring every column, with an index for each
    /// of the schema's own `indexes`.
    pub fn new(schema: Arc<DatabaseSchema>) -> Replica {
        let mut tables = Vec::with_capacity(schema.tables.len());
        for (name, table_schema) in &schema.tables {
            let mut table = Table::new(name, table_schema);
            for columns in &table_schema.indexes {
                let spec = IndexSpec::compound(
                    name.as_str(),
                    columns
                        .iter()
                        .map(|c| IndexPart::Column(c.as_str().into()))
                        .collect(),
                );
                match index::Index::new(spec, table_schema) {
                    Ok(index) => {
                        table.push_index(index);
                    }
                    Err(problem) => {
                        tracing::warn!(table = %name, %problem, "skipping a schema index")
                    }
                }
            }
            tables.push(Arc::new(table));
        }
        Replica { schema, tables }
    }

    /// The schema.
    pub fn schema(&self) -> &Arc<DatabaseSchema> {
        &self.schema
    }

    /// The same replica under a new version of its schema (after `ovsdb-client convert`, or a
    /// server restarted on an upgraded database): an empty table for each table `schema`
    /// adds, tables it drops are gone, and the kept rows lose the columns it drops. Every
    /// monitored column set is reset to "all columns" (set them again with
    /// [`Replica::set_monitored_columns`]). The schema's own indexes are rebuilt and the
    /// indexes added with [`Replica::add_index`] are carried over where the new schema still
    /// allows them (the others are dropped with a warning).
    ///
    /// The rows are the old ones: replace them with the server's contents under the new
    /// schema ([`Replica::replace_tables`]) so the events show what really changed. An
    /// [`IndexId`] stays valid only when the set of tables is unchanged; otherwise look it up
    /// again with [`Replica::index_id`].
    pub fn convert(&self, schema: Arc<DatabaseSchema>) -> Replica {
        let mut converted = Replica::new(Arc::clone(&schema));
        for old in &self.tables {
            let (Ok(i), Some(new_schema)) =
                (converted.table_index(old.name()), schema.table(old.name()))
            else {
                continue;
            };
            let Some(table) = converted.tables.get_mut(i) else {
                continue;
            };
            let table = Arc::make_mut(table);
            table.reserve(old.len());
            for (uuid, row) in old.iter() {
                let kept = row
                    .columns()
                    .all(|c| c == "_version" || new_schema.column(c).is_some());
                let row = if kept {
                    Arc::clone(row)
                } else {
                    Arc::new(
                        row.iter()
                            .filter(|(c, _)| *c == "_version" || new_schema.column(c).is_some())
                            .map(|(c, d)| (CompactString::from(c), d.clone()))
                            .collect(),
                    )
                };
                table.apply_change(uuid, None, Some(row));
            }
            let old_schema_indexes: Vec<IndexSpec> = self
                .schema
                .table(old.name())
                .map(|ts| {
                    ts.indexes
                        .iter()
                        .map(|cols| {
                            IndexSpec::compound(
                                old.name(),
                                cols.iter()
                                    .map(|c| IndexPart::Column(c.as_str().into()))
                                    .collect(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            for index in &old.indexes {
                let spec = &index.spec;
                if old_schema_indexes.contains(spec)
                    || table.indexes.iter().any(|i| i.spec == *spec)
                {
                    continue;
                }
                match index::Index::new(spec.clone(), new_schema) {
                    Ok(index) => {
                        table.push_index(index);
                    }
                    Err(problem) => tracing::warn!(
                        table = %old.name(),
                        %problem,
                        "dropping an index the converted schema no longer allows"
                    ),
                }
            }
        }
        converted
    }

    /// The table named `name`, if the schema has it.
    pub fn table(&self, name: &str) -> Option<&Table> {
        let i = self.table_index(name).ok()?;
        self.tables.get(i).map(|t| &**t)
    }

    /// Every table, in name order.
    pub fn tables(&self) -> impl Iterator<Item = &Table> {
        self.tables.iter().map(|t| &**t)
    }

    /// The row `uuid` of `table`.
    pub fn get(&self, table: &str, uuid: Uuid) -> Option<&Arc<Row>> {
        self.table(table).and_then(|t| t.get(uuid))
    }

    /// Number of rows across all tables.
    pub fn row_count(&self) -> usize {
        self.tables.iter().map(|t| t.len()).sum()
    }

    /// Sets which columns of `table` are monitored (empty: every column, as in a
    /// `<monitor-request>`). Inserted rows get the default value of each monitored column they
    /// lack (`update2` omits columns holding their default). Rows already stored are not
    /// changed. Call it with the columns of the monitor request before applying its reply.
    pub fn set_monitored_columns<S: AsRef<str>>(
        &mut self,
        table: &str,
        columns: &[S],
    ) -> Result<(), ReplicaError> {
        let i = self.table_index(table)?;
        let schema = self.table_schema(i)?;
        let names: Vec<&str> = columns.iter().map(AsRef::as_ref).collect();
        if let Some(bad) = names.iter().find(|c| schema.column(c).is_none()) {
            return Err(ReplicaError::NoSuchColumn {
                table: table.into(),
                column: (*bad).into(),
            });
        }
        let selected = (!names.is_empty()).then_some(names.as_slice());
        let schema = Arc::clone(&self.schema);
        if let (Some(t), Some(ts)) = (self.tables.get_mut(i), schema.table(table)) {
            Arc::make_mut(t).set_defaults(ts, selected);
        }
        Ok(())
    }

    /// Adds an index (or finds the same one already there) and fills it from the rows already
    /// stored. From then on every apply keeps it up to date.
    pub fn add_index(&mut self, spec: IndexSpec) -> Result<IndexId, ReplicaError> {
        if let Some(id) = self.index_id(&spec) {
            return Ok(id);
        }
        let i = self.table_index(spec.table())?;
        let schema = self.table_schema(i)?;
        let table_name = spec.table().into();
        let index = index::Index::new(spec, schema).map_err(|problem| ReplicaError::BadIndex {
            table: table_name,
            problem,
        })?;
        let t = self
            .tables
            .get_mut(i)
            .ok_or_else(|| ReplicaError::UnknownTable {
                table: index.spec.table().into(),
            })?;
        let slot = Arc::make_mut(t).push_index(index);
        Ok(IndexId {
            table: i as u32,
            slot: slot as u32,
        })
    }

    /// The id of an index with exactly this spec (including the schema's indexes, whose parts
    /// are [`IndexPart::Column`]s in the schema's order).
    pub fn index_id(&self, spec: &IndexSpec) -> Option<IndexId> {
        let i = self.table_index(spec.table()).ok()?;
        let slot = self
            .tables
            .get(i)?
            .indexes
            .iter()
            .position(|index| index.spec == *spec)?;
        Some(IndexId {
            table: i as u32,
            slot: slot as u32,
        })
    }

    /// The rows whose key in a one-part index is `key`, with their UUIDs, in UUID order.
    /// Nothing for an unknown id or a compound index (use [`Replica::lookup_compound`]).
    pub fn lookup<'a>(&'a self, id: IndexId, key: &Atom) -> Lookup<'a> {
        self.find(id, IndexKey::One(key.clone()))
    }

    /// The rows whose key in a compound index is `key`, one optional atom per part (`None`:
    /// the column is empty, or the map key absent), in UUID order. Nothing for an unknown id,
    /// a one-part index, or a key of the wrong length.
    pub fn lookup_compound<'a>(&'a self, id: IndexId, key: &[Option<Atom>]) -> Lookup<'a> {
        self.find(id, IndexKey::Many(key.into()))
    }

    fn find(&self, id: IndexId, key: IndexKey) -> Lookup<'_> {
        let found = self.tables.get(id.table as usize).and_then(|table| {
            let entries = table.indexes.get(id.slot as usize)?.find(key)?;
            Some((&**table, entries))
        });
        Lookup { found }
    }

    /// The spec of an index.
    pub fn index_spec(&self, id: IndexId) -> Option<&IndexSpec> {
        let table = self.tables.get(id.table as usize)?;
        table.indexes.get(id.slot as usize).map(|i| &i.spec)
    }

    /// Number of `(key, row)` entries of an index (a row with a set column has one per
    /// element), for diagnostics and tests.
    pub fn index_len(&self, id: IndexId) -> usize {
        self.tables
            .get(id.table as usize)
            .and_then(|t| t.indexes.get(id.slot as usize))
            .map_or(0, |i| i.len())
    }

    fn table_index(&self, name: &str) -> Result<usize, ReplicaError> {
        self.tables
            .binary_search_by(|t| t.name().cmp(name))
            .map_err(|_| ReplicaError::UnknownTable { table: name.into() })
    }

    fn table_schema(&self, i: usize) -> Result<&crate::schema::TableSchema, ReplicaError> {
        let name = self.tables.get(i).map(|t| t.name()).unwrap_or_default();
        self.schema
            .table(name)
            .ok_or_else(|| ReplicaError::UnknownTable { table: name.into() })
    }
}

/// The rows an index lookup found: `(uuid, row)` pairs in UUID order.
pub struct Lookup<'a> {
    found: Option<(&'a Table, PostingRows<'a>)>,
}

impl<'a> Iterator for Lookup<'a> {
    type Item = (Uuid, &'a Arc<Row>);

    fn next(&mut self) -> Option<Self::Item> {
        let (table, entries) = self.found.as_mut()?;
        let table: &'a Table = table;
        entries.find_map(|uuid| table.get(uuid).map(|row| (uuid, row)))
    }
}

impl fmt::Debug for Lookup<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lookup").finish_non_exhaustive()
    }
}

impl PartialEq for Replica {
    /// Equal if every table holds the same rows, monitored columns and indexes (the schemas
    /// are not compared).
    fn eq(&self, other: &Replica) -> bool {
        self.tables == other.tables
    }
}

impl fmt::Debug for Replica {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(
                self.tables
                    .iter()
                    .filter(|t| !t.is_empty())
                    .map(|t| (t.name(), t.len())),
            )
            .finish()
    }
}

//! Replacing whole tables with a monitor's initial contents (a start, or a resync that could
//! not resume), and staging those contents while the reply is still arriving.
//!
//! Replacing is done in three steps. [`Replica::stage`] checks one table's rows against the
//! schema and shapes them as the replica stores them; it only reads the replica, so the client
//! runs it on other threads, part by part, while the rest of a large reply arrives.
//! [`Replica::gather`] takes the staged rows in the reply's order into a [`Staging`],
//! refusing a row given twice; for a table the replica holds no rows of (an initial sync) it
//! builds the table's new contents there and then, rows by UUID and indexes, while each row is
//! still in the cache. [`Replica::replace_tables_staged`] then puts it all in place: a new
//! table is installed whole, any other is changed row by row, and only the real differences
//! are committed. [`Replica::replace_tables_owned`] is the three steps in a row.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::apply::{Change, Placement};
use super::index::Index;
use super::{Event, EventKind, FastHash, Replica, ReplicaError};
use crate::data::{Row, Uuid};
use crate::monitor::{RowChange, RowUpdate2, TableUpdate, TableUpdates, TableUpdates2};
use crate::schema::DatabaseSchema;

/// Rows of one table of a monitor's initial contents, checked and shaped as the replica stores
/// them ([`Replica::stage`]), waiting for [`Replica::gather`].
#[derive(Debug)]
pub(crate) struct StagedRows {
    /// The schema the rows were checked against.
    schema: Arc<DatabaseSchema>,
    /// The table's position in the replica.
    table: usize,
    /// The rows, in the order given.
    rows: Vec<(Uuid, Arc<Row>)>,
}

impl Replica {
    /// Makes the contents of `tables` exactly the rows of `initial` (the reply of a monitor
    /// that could not resume), and returns only the real differences: rows that appeared,
    /// disappeared or changed. Rows whose contents are the same produce no event; rows that
    /// differ only in `_version` are stored without an event. Tables not named are untouched;
    /// a named table absent from `initial` ends up empty.
    ///
    /// `initial` may hold only `initial` or `insert` rows, each once, of the named tables.
    /// All or nothing: on error the replica is unchanged.
    pub fn replace_tables<S: AsRef<str>>(
        &mut self,
        tables: &[S],
        initial: &TableUpdates2,
    ) -> Result<Vec<Event>, ReplicaError> {
        self.replace_tables_owned(tables, initial.clone())
    }

    /// [`Replica::replace_tables`] taking the initial view by value, so its values move into
    /// the replica instead of being copied.
    pub fn replace_tables_owned<S: AsRef<str>>(
        &mut self,
        tables: &[S],
        initial: TableUpdates2,
    ) -> Result<Vec<Event>, ReplicaError> {
        let mut staging = Staging::default();
        for table in initial.tables {
            let staged = self.stage(table)?;
            self.gather(&mut staging, staged)?;
        }
        self.replace_tables_staged(tables, staging, true)
    }

    /// [`Replica::replace_tables`] from RFC 7047 `<table-updates>` (a `monitor` reply): every
    /// row must have `new` and no `old`.
    pub fn replace_tables_from_update<S: AsRef<str>>(
        &mut self,
        tables: &[S],
        initial: &TableUpdates,
    ) -> Result<Vec<Event>, ReplicaError> {
        let mut staging = Staging::default();
        for table in &initial.tables {
            let t = self.table_index(&table.table)?;
            let rows = table.rows.iter().map(|row| match (&row.old, &row.new) {
                (None, Some(new)) => Ok((row.uuid, new.clone())),
                _ => Err(ReplicaError::NotInitial {
                    table: self.name(t),
                    uuid: row.uuid,
                }),
            });
            let staged = self.stage_rows(t, rows)?;
            self.gather(&mut staging, staged)?;
        }
        self.replace_tables_staged(tables, staging, true)
    }

    /// Removes every row of `tables` (e.g. when their monitor is canceled), returning a delete
    /// event per row.
    pub fn clear_tables<S: AsRef<str>>(
        &mut self,
        tables: &[S],
    ) -> Result<Vec<Event>, ReplicaError> {
        self.replace_tables_staged(tables, Staging::default(), true)
    }

    /// Checks one table's rows of a monitor's initial contents (`initial` or `insert` rows
    /// only) and shapes them as the replica stores them, without changing the replica.
    pub(crate) fn stage(
        &self,
        update: TableUpdate<RowUpdate2>,
    ) -> Result<StagedRows, ReplicaError> {
        let t = self.table_index(&update.table)?;
        let rows = update.rows.into_iter().map(|row| match row.change {
            RowChange::Initial(new) | RowChange::Insert(new) => Ok((row.uuid, new)),
            RowChange::Modify(_) | RowChange::Delete => Err(ReplicaError::NotInitial {
                table: self.name(t),
                uuid: row.uuid,
            }),
        });
        self.stage_rows(t, rows)
    }

    fn stage_rows(
        &self,
        t: usize,
        rows: impl ExactSizeIterator<Item = Result<(Uuid, Row), ReplicaError>>,
    ) -> Result<StagedRows, ReplicaError> {
        let mut placed = Placement::default();
        let mut staged = Vec::with_capacity(rows.len());
        for row in rows {
            let (uuid, row) = row?;
            let row = self.whole_row(t, uuid, row, &mut placed)?;
            staged.push((uuid, Arc::new(row)));
        }
        Ok(StagedRows {
            schema: Arc::clone(self.schema()),
            table: t,
            rows: staged,
        })
    }

    /// Takes staged rows, in the order they were given, into `staging`: refuses a row given
    /// twice, and for a table the replica holds no rows of, builds its new contents (rows by
    /// UUID, indexes) as they come.
    pub(crate) fn gather(
        &self,
        staging: &mut Staging,
        staged: StagedRows,
    ) -> Result<(), ReplicaError> {
        let StagedRows {
            schema,
            table: t,
            rows,
        } = staged;
        let gathered_before = staging.schema.get_or_insert_with(|| Arc::clone(&schema));
        if !Arc::ptr_eq(&schema, self.schema()) || !Arc::ptr_eq(gathered_before, &schema) {
            return Err(ReplicaError::StagedForOtherSchema);
        }
        let at = match staging.tables.iter().position(|x| x.table == t) {
            Some(at) => at,
            None => {
                let gathered = match self.tables.get(t) {
                    Some(table) if table.is_empty() => Gathered::Image {
                        rows: HashMap::default(),
                        indexes: table.indexes.iter().map(Index::emptied).collect(),
                    },
                    _ => Gathered::Uuids(HashSet::default()),
                };
                staging.tables.push(StagedTable {
                    table: t,
                    rows: Vec::new(),
                    gathered,
                });
                staging.tables.len() - 1
            }
        };
        let Some(into) = staging.tables.get_mut(at) else {
            return Ok(());
        };
        into.rows.reserve(rows.len());
        for (uuid, row) in rows {
            let fresh = match &mut into.gathered {
                Gathered::Image { rows, indexes } => {
                    let fresh = rows.insert(uuid, Arc::clone(&row)).is_none();
                    if fresh {
                        for index in indexes.iter_mut() {
                            index.update(uuid, None, Some(&row));
                        }
                    }
                    fresh
                }
                Gathered::Uuids(uuids) => uuids.insert(uuid),
            };
            if !fresh {
                return Err(ReplicaError::NotInitial {
                    table: self.name(t),
                    uuid,
                });
            }
            into.rows.push((uuid, row));
        }
        Ok(())
    }

    /// [`Replica::replace_tables_owned`] with rows gathered by [`Replica::gather`] (on this
    /// replica, whose schema has not changed since): every row must be of one of `tables`.
    /// Without `events`, returns none (an initial sync nobody listens to need not list its
    /// rows). All or nothing: on error the replica is unchanged.
    pub(crate) fn replace_tables_staged<S: AsRef<str>>(
        &mut self,
        tables: &[S],
        staging: Staging,
        events: bool,
    ) -> Result<Vec<Event>, ReplicaError> {
        let mut named = Vec::<usize>::with_capacity(tables.len());
        for name in tables {
            let t = self.table_index(name.as_ref())?;
            if !named.contains(&t) {
                named.push(t);
            }
        }
        if staging
            .schema
            .is_some_and(|schema| !Arc::ptr_eq(&schema, self.schema()))
        {
            return Err(ReplicaError::StagedForOtherSchema);
        }
        let mut staged = staging.tables;
        if let Some(table) = staged.iter().find(|x| !named.contains(&x.table)) {
            return Err(ReplicaError::TableNotReplaced {
                table: self.name(table.table),
            });
        }
        // Nothing below fails: the tables change one after the other, in the order named.
        let mut all_events = Vec::new();
        for t in named {
            let target = staged
                .iter()
                .position(|x| x.table == t)
                .map(|at| staged.swap_remove(at));
            match target {
                Some(target) if self.installable(&target) => {
                    all_events.extend(self.install(target, events));
                }
                target => {
                    let changes = self.replace_changes(t, target);
                    let table_events = self.commit(changes);
                    if events {
                        all_events.extend(table_events);
                    }
                }
            }
        }
        Ok(all_events)
    }

    /// Whether a table's gathered contents can be installed whole: it was empty when they
    /// were gathered, still is, and still has the indexes they were built for.
    fn installable(&self, target: &StagedTable) -> bool {
        let (Gathered::Image { indexes, .. }, Some(table)) =
            (&target.gathered, self.tables.get(target.table))
        else {
            return false;
        };
        table.is_empty()
            && table
                .indexes
                .iter()
                .map(|i| &i.spec)
                .eq(indexes.iter().map(|i| &i.spec))
    }

    /// Installs a table's gathered contents (see [`Replica::installable`]): an insert event per
    /// row, in the order given, if `events`.
    fn install(&mut self, target: StagedTable, events: bool) -> Vec<Event> {
        let StagedTable {
            table: t,
            rows: ordered,
            gathered,
            ..
        } = target;
        let Gathered::Image { rows, indexes } = gathered else {
            return Vec::new();
        };
        let Some(table) = self.tables.get_mut(t) else {
            return Vec::new();
        };
        let table = Arc::make_mut(table);
        let name = table.name_compact().clone();
        table.install(rows, indexes);
        if !events {
            return Vec::new();
        }
        ordered
            .into_iter()
            .map(|(uuid, new)| Event {
                table: name.clone(),
                uuid,
                kind: EventKind::Insert { new },
            })
            .collect()
    }

    /// The changes that turn table `t`'s rows into `target`'s (none: no rows).
    fn replace_changes(&self, t: usize, target: Option<StagedTable>) -> Vec<Change> {
        let mut changes = Vec::new();
        let Some(table) = self.tables.get(t) else {
            return changes;
        };
        let (rows, gathered) = match target {
            Some(target) => (target.rows, Some(target.gathered)),
            None => (Vec::new(), None),
        };
        let kept = |uuid: &Uuid| match &gathered {
            Some(Gathered::Image { rows, .. }) => rows.contains_key(uuid),
            Some(Gathered::Uuids(uuids)) => uuids.contains(uuid),
            None => false,
        };
        let mut gone: Vec<(Uuid, &Arc<Row>)> = table.iter().filter(|(u, _)| !kept(u)).collect();
        gone.sort_by_key(|(u, _)| *u);
        for (uuid, old) in gone {
            changes.push(Change {
                table: t,
                uuid,
                old: Some(Arc::clone(old)),
                new: None,
                silent: false,
            });
        }
        for (uuid, new) in rows {
            let old = table.get(uuid);
            let silent = match old {
                Some(old) if **old == *new => continue,
                Some(old) => same_but_version(old, &new),
                None => false,
            };
            changes.push(Change {
                table: t,
                uuid,
                old: old.cloned(),
                new: Some(new),
                silent,
            });
        }
        changes
    }
}

/// A replica's new contents, gathered from staged rows ([`Replica::gather`]).
#[derive(Debug, Default)]
pub(crate) struct Staging {
    /// The schema the rows were checked against (the replica's, each time), once there are
    /// any.
    schema: Option<Arc<DatabaseSchema>>,
    tables: Vec<StagedTable>,
}

/// One table's gathered rows.
#[derive(Debug)]
struct StagedTable {
    table: usize,
    /// The rows, in the order given.
    rows: Vec<(Uuid, Arc<Row>)>,
    gathered: Gathered,
}

/// What was built beside a table's gathered rows.
#[derive(Debug)]
enum Gathered {
    /// The replica held no rows of the table: its new contents, ready to install.
    Image {
        rows: HashMap<Uuid, Arc<Row>, FastHash>,
        indexes: Vec<Index>,
    },
    /// The rows' UUIDs, each once.
    Uuids(HashSet<Uuid, FastHash>),
}

/// True if two rows differ only in `_version`.
fn same_but_version(a: &Row, b: &Row) -> bool {
    let a = a.iter().filter(|(c, _)| *c != "_version");
    let b = b.iter().filter(|(c, _)| *c != "_version");
    a.eq(b)
}

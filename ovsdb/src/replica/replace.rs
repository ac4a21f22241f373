//! Replacing whole tables with a monitor's initial contents (a start, or a resync that could
//! not resume), and staging those contents while the reply is still arriving.
//!
//! Replacing is done in two steps. [`Replica::stage`] checks one table's rows against the
//! schema and shapes them as the replica stores them; it only reads the replica, so the client
//! runs it on other threads, part by part, while the rest of a large reply arrives.
//! [`Replica::replace_tables_staged`] then puts the staged rows in place: it checks what needs
//! the whole reply (each row once, only the tables being replaced) and commits the
//! differences. [`Replica::replace_tables_owned`] is the two steps in a row.

use std::collections::HashSet;
use std::sync::Arc;

use super::apply::Placement;
use super::{Event, FastHash, Replica, ReplicaError};
use crate::data::{Row, Uuid};
use crate::monitor::{RowChange, RowUpdate2, TableUpdate, TableUpdates, TableUpdates2};
use crate::schema::DatabaseSchema;

/// Rows of one table of a monitor's initial contents, checked and shaped as the replica stores
/// them ([`Replica::stage`]), waiting for [`Replica::replace_tables_staged`].
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
        let staged = initial
            .tables
            .into_iter()
            .map(|table| self.stage(table))
            .collect::<Result<Vec<_>, _>>()?;
        self.replace_tables_staged(tables, staged)
    }

    /// [`Replica::replace_tables`] from RFC 7047 `<table-updates>` (a `monitor` reply): every
    /// row must have `new` and no `old`.
    pub fn replace_tables_from_update<S: AsRef<str>>(
        &mut self,
        tables: &[S],
        initial: &TableUpdates,
    ) -> Result<Vec<Event>, ReplicaError> {
        let mut staged = Vec::with_capacity(initial.tables.len());
        for table in &initial.tables {
            let t = self.table_index(&table.table)?;
            let rows = table.rows.iter().map(|row| match (&row.old, &row.new) {
                (None, Some(new)) => Ok((row.uuid, new.clone())),
                _ => Err(ReplicaError::NotInitial {
                    table: self.name(t),
                    uuid: row.uuid,
                }),
            });
            staged.push(self.stage_rows(t, rows)?);
        }
        self.replace_tables_staged(tables, staged)
    }

    /// Removes every row of `tables` (e.g. when their monitor is canceled), returning a delete
    /// event per row.
    pub fn clear_tables<S: AsRef<str>>(
        &mut self,
        tables: &[S],
    ) -> Result<Vec<Event>, ReplicaError> {
        self.replace_tables_staged(tables, Vec::new())
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

    /// [`Replica::replace_tables_owned`] with rows staged by [`Replica::stage`] (on this
    /// replica, whose schema has not changed since): every row must be of one of `tables` and
    /// come once. All or nothing: on error the replica is unchanged.
    pub(crate) fn replace_tables_staged<S: AsRef<str>>(
        &mut self,
        tables: &[S],
        staged: impl IntoIterator<Item = StagedRows>,
    ) -> Result<Vec<Event>, ReplicaError> {
        let mut target = Vec::<TargetTable>::new();
        for name in tables {
            let t = self.table_index(name.as_ref())?;
            if !target.iter().any(|x| x.table == t) {
                target.push(TargetTable {
                    table: t,
                    rows: Vec::new(),
                    uuids: HashSet::default(),
                });
            }
        }
        for StagedRows {
            schema,
            table: t,
            rows,
        } in staged
        {
            if !Arc::ptr_eq(&schema, self.schema()) {
                return Err(ReplicaError::StagedForOtherSchema);
            }
            let Some(into) = target.iter_mut().find(|x| x.table == t) else {
                return Err(ReplicaError::TableNotReplaced {
                    table: self.name(t),
                });
            };
            into.uuids.reserve(rows.len());
            for &(uuid, _) in &rows {
                if !into.uuids.insert(uuid) {
                    return Err(ReplicaError::NotInitial {
                        table: self.name(t),
                        uuid,
                    });
                }
            }
            match into.rows.is_empty() {
                true => into.rows = rows,
                false => into.rows.extend(rows),
            }
        }
        let changes = self.replace_changes(target);
        Ok(self.commit(changes))
    }

    /// The changes that turn the target tables' rows into the target's.
    fn replace_changes(&self, target: Vec<TargetTable>) -> Vec<super::apply::Change> {
        let mut changes = Vec::new();
        for TargetTable {
            table: t,
            rows,
            uuids,
        } in target
        {
            let Some(table) = self.tables.get(t) else {
                continue;
            };
            let mut gone: Vec<(Uuid, &Arc<Row>)> =
                table.iter().filter(|(u, _)| !uuids.contains(u)).collect();
            gone.sort_by_key(|(u, _)| *u);
            for (uuid, old) in gone {
                changes.push(super::apply::Change {
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
                changes.push(super::apply::Change {
                    table: t,
                    uuid,
                    old: old.cloned(),
                    new: Some(new),
                    silent,
                });
            }
        }
        changes
    }
}

/// One replaced table's target rows.
struct TargetTable {
    table: usize,
    /// The rows, in the order given.
    rows: Vec<(Uuid, Arc<Row>)>,
    /// Their UUIDs.
    uuids: HashSet<Uuid, FastHash>,
}

/// True if two rows differ only in `_version`.
fn same_but_version(a: &Row, b: &Row) -> bool {
    let a = a.iter().filter(|(c, _)| *c != "_version");
    let b = b.iter().filter(|(c, _)| *c != "_version");
    a.eq(b)
}

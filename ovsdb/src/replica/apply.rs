//! Applying monitor data: validate a whole batch into a list of row changes, then commit it.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use compact_str::CompactString;

use super::diff::apply_diff;
use super::{Event, EventKind, FastHash, Replica, ReplicaError, RowOp};
use crate::data::row::NamesKey;
use crate::data::{Atom, AtomicType, Datum, Map, Row, Set, Uuid};
use crate::monitor::{RowChange, TableUpdates, TableUpdates2};
use crate::schema::{ColumnType, ConstraintViolation, TableSchema};

/// One row's change, computed but not yet applied.
pub(super) struct Change {
    pub(super) table: usize,
    pub(super) uuid: Uuid,
    pub(super) old: Option<Arc<Row>>,
    pub(super) new: Option<Arc<Row>>,
    /// Stored without an event (a replace that only changed `_version`).
    pub(super) silent: bool,
}

/// The changes of one batch, checked against the replica as the batch goes (a row inserted
/// earlier in the batch exists for a later modify of it).
struct Plan<'r> {
    replica: &'r Replica,
    /// Rows the batch already changed: their state so far (`None`: deleted).
    overlay: HashMap<(usize, Uuid), Option<Arc<Row>>, FastHash>,
    changes: Vec<Change>,
}

impl<'r> Plan<'r> {
    fn new(replica: &'r Replica, capacity: usize) -> Self {
        Plan {
            replica,
            overlay: HashMap::with_capacity_and_hasher(capacity, FastHash::default()),
            changes: Vec::with_capacity(capacity),
        }
    }

    fn current(&self, table: usize, uuid: Uuid) -> Option<&Arc<Row>> {
        match self.overlay.get(&(table, uuid)) {
            Some(state) => state.as_ref(),
            None => self.replica.tables.get(table).and_then(|t| t.get(uuid)),
        }
    }

    fn push(&mut self, table: usize, uuid: Uuid, old: Option<Arc<Row>>, new: Option<Arc<Row>>) {
        self.overlay.insert((table, uuid), new.clone());
        self.changes.push(Change {
            table,
            uuid,
            old,
            new,
            silent: false,
        });
    }

    fn insert(&mut self, t: usize, uuid: Uuid, row: &Row) -> Result<(), ReplicaError> {
        if self.current(t, uuid).is_some() {
            return Err(ReplicaError::RowExists {
                table: self.replica.name(t),
                uuid,
            });
        }
        let row = self
            .replica
            .whole_row(t, uuid, row.clone(), &mut Placement::default())?;
        self.push(t, uuid, None, Some(Arc::new(row)));
        Ok(())
    }

    fn delete(&mut self, t: usize, uuid: Uuid) -> Result<(), ReplicaError> {
        let old = Arc::clone(self.existing(t, uuid, RowOp::Delete)?);
        self.push(t, uuid, Some(old), None);
        Ok(())
    }

    /// Modifies a row with `columns`, either column diffs (`update2`) or new values
    /// (`update`).
    fn modify(
        &mut self,
        t: usize,
        uuid: Uuid,
        columns: &Row,
        diffs: bool,
    ) -> Result<(), ReplicaError> {
        let old = self.existing(t, uuid, RowOp::Modify)?;
        let schema = self.replica.table_schema(t)?;
        let mut new = Row::clone(old);
        for (column, value) in columns.iter() {
            let ty = column_type(self.replica, schema, t, uuid, column)?;
            let bad = |violation| self.replica.bad_value(t, uuid, column, violation);
            let mut value = if diffs {
                let diff = coerce(ty, value);
                let default;
                let base = match new.get(column) {
                    Some(base) => base,
                    None => {
                        default = ty.default_datum();
                        &default
                    }
                };
                apply_diff(ty, base, &diff).map_err(bad)?
            } else {
                value.clone()
            };
            checked(ty, &mut value).map_err(bad)?;
            new.insert(column, value);
        }
        if new != **old {
            let old = Arc::clone(old);
            self.push(t, uuid, Some(old), Some(Arc::new(new)));
        }
        Ok(())
    }

    fn existing(&self, t: usize, uuid: Uuid, op: RowOp) -> Result<&Arc<Row>, ReplicaError> {
        self.current(t, uuid)
            .ok_or_else(|| ReplicaError::MissingRow {
                table: self.replica.name(t),
                uuid,
                op,
            })
    }
}

/// A batch adding at least this many rows to a table (and more than it had) rebuilds the
/// table's indexes once instead of updating them row by row.
#[cfg(not(test))]
const BULK_INDEX_ROWS: usize = 1024;
/// Small under test, so that the property tests' batches take both paths.
#[cfg(test)]
const BULK_INDEX_ROWS: usize = 4;

impl Replica {
    /// Applies RFC 7047 `<table-updates>` (a `monitor` reply or an `update` notification).
    ///
    /// Per row: `new` alone inserts (or is an initial row), `old` alone deletes, both modify.
    /// For a modify, ovsdb-server sends the changed columns' old values in `old` and every
    /// monitored column's new value in `new`; the replica stores the columns of `new` over the
    /// stored row (so a `new` with only the changed columns works too) and ignores `old`.
    ///
    /// All or nothing: on error the replica is unchanged.
    pub fn apply_update(&mut self, updates: &TableUpdates) -> Result<Vec<Event>, ReplicaError> {
        let mut plan = Plan::new(self, updates.row_count());
        for table in &updates.tables {
            let t = self.table_index(&table.table)?;
            for row in &table.rows {
                match (&row.old, &row.new) {
                    (None, Some(new)) => plan.insert(t, row.uuid, new)?,
                    (Some(_), Some(new)) => plan.modify(t, row.uuid, new, false)?,
                    (_, None) => plan.delete(t, row.uuid)?,
                }
            }
        }
        let changes = plan.changes;
        Ok(self.commit(changes))
    }

    /// Applies `<table-updates2>` (a `monitor_cond` / `monitor_cond_since` reply, or an
    /// `update2` / `update3` notification): `initial` and `insert` add whole rows, `delete`
    /// removes, `modify` applies column diffs (see [`super::diff`]).
    ///
    /// All or nothing: on error the replica is unchanged.
    pub fn apply_update2(&mut self, updates: &TableUpdates2) -> Result<Vec<Event>, ReplicaError> {
        let mut plan = Plan::new(self, updates.row_count());
        for table in &updates.tables {
            let t = self.table_index(&table.table)?;
            for row in &table.rows {
                match &row.change {
                    RowChange::Initial(new) | RowChange::Insert(new) => {
                        plan.insert(t, row.uuid, new)?
                    }
                    RowChange::Modify(diff) => plan.modify(t, row.uuid, diff, true)?,
                    RowChange::Delete => plan.delete(t, row.uuid)?,
                }
            }
        }
        let changes = plan.changes;
        Ok(self.commit(changes))
    }

    /// Applies checked changes, returning their events.
    ///
    /// (See [`BULK_INDEX_ROWS`] for how indexes follow a large batch.)
    pub(super) fn commit(&mut self, changes: Vec<Change>) -> Vec<Event> {
        let mut inserts = vec![0usize; self.tables.len()];
        for change in &changes {
            if let (None, Some(n)) = (&change.old, inserts.get_mut(change.table)) {
                *n += 1;
            }
        }
        // A table getting more new rows than it has (an initial sync, a resync) has its
        // indexes built afresh once at the end rather than updated row by row.
        let mut bulk = vec![false; self.tables.len()];
        for ((table, n), bulk) in self.tables.iter_mut().zip(inserts).zip(&mut bulk) {
            if n > 0 {
                *bulk = n >= BULK_INDEX_ROWS && n > table.len() && !table.indexes.is_empty();
                Arc::make_mut(table).reserve(n);
            }
        }
        let mut events = Vec::with_capacity(changes.len());
        for change in changes {
            let Some(table) = self.tables.get_mut(change.table) else {
                continue;
            };
            let table = Arc::make_mut(table);
            if bulk.get(change.table).copied().unwrap_or(false) {
                table.apply_change_unindexed(change.uuid, change.new.clone());
            } else {
                table.apply_change(change.uuid, change.old.as_ref(), change.new.clone());
            }
            if change.silent {
                continue;
            }
            let kind = match (change.old, change.new) {
                (None, Some(new)) => EventKind::Insert { new },
                (Some(old), Some(new)) => EventKind::Update { old, new },
                (Some(old), None) => EventKind::Delete { old },
                (None, None) => continue,
            };
            events.push(Event {
                table: table.name_compact().clone(),
                uuid: change.uuid,
                kind,
            });
        }
        for (table, bulk) in self.tables.iter_mut().zip(bulk) {
            if bulk {
                Arc::make_mut(table).rebuild_indexes();
            }
        }
        events
    }

    /// A whole row (insert, initial, replace) checked against the schema, with the monitored
    /// columns it lacks at their defaults (read from the table's defaults, not stored in the
    /// row: see [`Row::from_slots`]).
    pub(super) fn whole_row(
        &self,
        t: usize,
        uuid: Uuid,
        row: Row,
        placed: &mut Placement,
    ) -> Result<Row, ReplicaError> {
        // The usual case: every column the server sent is a monitored one, placed among the
        // table's defaults, whose types are known by position.
        if let Some(table) = self
            .tables
            .get(t)
            .filter(|table| placed.place(t, table, &row))
        {
            let defaults = table.defaults(placed.with_version);
            let types = table.column_types(placed.with_version);
            // Only the values sent are stored (checked in place, in the vector they
            // were decoded into); the row reads the others from `defaults`.
            let mut values = row.into_values();
            for (value, &i) in values.iter_mut().zip(&placed.slots) {
                let column = defaults.name_at(i);
                let ty = match types.get(i).and_then(Option::as_ref) {
                    Some(ty) => ty,
                    None => column_type(self, self.table_schema(t)?, t, uuid, column)?,
                };
                checked(ty, value).map_err(|v| self.bad_value(t, uuid, column, v))?;
            }
            return Ok(Row::from_slots(defaults, &placed.slots, values));
        }
        let schema = self.table_schema(t)?;
        let mut columns = Vec::with_capacity(row.len());
        // The row's columns and the schema's are both sorted by name: walk them together
        // instead of looking each column up.
        let mut declared = schema.columns.iter().peekable();
        for (column, mut value) in row {
            while declared
                .next_if(|(name, _)| name.as_str() < column.as_str())
                .is_some()
            {}
            let ty = match declared.peek() {
                Some((name, c)) if name.as_str() == column.as_str() => &c.column_type,
                // `_version`, or a column the schema does not have (an error).
                _ => column_type(self, schema, t, uuid, &column)?,
            };
            checked(ty, &mut value).map_err(|v| self.bad_value(t, uuid, &column, v))?;
            columns.push((column, value));
        }
        // Still sorted by name and unique, as the row's columns were.
        let with_version = columns.iter().any(|(c, _)| c == "_version");
        Ok(match self.tables.get(t) {
            Some(table) => Row::overlay(table.defaults(with_version), columns),
            None => Row::overlay(&Row::new(), columns),
        })
    }

    pub(super) fn name(&self, t: usize) -> CompactString {
        self.tables
            .get(t)
            .map(|table| table.name_compact().clone())
            .unwrap_or_default()
    }

    fn bad_value(
        &self,
        t: usize,
        uuid: Uuid,
        column: &str,
        violation: ConstraintViolation,
    ) -> ReplicaError {
        ReplicaError::BadValue {
            table: self.name(t),
            uuid,
            column: column.into(),
            violation,
        }
    }
}

/// Where the columns of the last row [`Replica::whole_row`] placed went among its table's
/// columns, for the rows after it that share its names.
#[derive(Default)]
pub(super) struct Placement {
    /// The table and the names placed, if they were all the table's columns.
    key: Option<(usize, NamesKey)>,
    /// Whether they include `_version`.
    with_version: bool,
    /// The position of each among the table's columns.
    slots: Vec<usize>,
}

impl Placement {
    /// Places `row`'s columns among those of table `t` (`table`): one walk of the two name
    /// lists, done once for the rows that share names (rows decoded together do). False if
    /// the row has a column the table does not monitor.
    fn place(&mut self, t: usize, table: &super::Table, row: &Row) -> bool {
        if matches!(&self.key, Some((pt, key)) if *pt == t && row.has_names(key)) {
            return true;
        }
        let with_version = row.contains("_version");
        match row.slots_in(table.defaults(with_version)) {
            Some(slots) => {
                self.key = Some((t, row.names_key()));
                self.with_version = with_version;
                self.slots = slots;
                true
            }
            None => {
                self.key = None;
                false
            }
        }
    }
}

fn column_type<'s>(
    replica: &Replica,
    schema: &'s TableSchema,
    t: usize,
    uuid: Uuid,
    column: &str,
) -> Result<&'s ColumnType, ReplicaError> {
    schema
        .column(column)
        .map(|c| &c.column_type)
        .ok_or_else(|| ReplicaError::UnknownColumn {
            table: replica.name(t),
            uuid,
            column: column.into(),
        })
}

/// A value from the server converted to its column's type where it stands (see [`coerce`])
/// and checked against it; named UUIDs, valid only in requests, are refused.
fn checked(ty: &ColumnType, value: &mut Datum) -> Result<(), ConstraintViolation> {
    if let Cow::Owned(converted) = coerce(ty, value) {
        *value = converted;
    }
    let named = |atomic: AtomicType| atomic == AtomicType::Uuid;
    if named(ty.key.atomic) || ty.value.as_ref().is_some_and(|v| named(v.atomic)) {
        let is_named = |a: &Atom| matches!(a, Atom::NamedUuid(_));
        let found = match value {
            Datum::Set(s) => s.iter().any(is_named),
            Datum::Map(m) => m.iter().any(|(k, v)| is_named(k) || is_named(v)),
        };
        if found {
            return Err(ConstraintViolation::Type {
                expected: AtomicType::Uuid,
                found: "named-uuid",
            });
        }
    }
    ty.check(value)
}

/// Converts a value decoded without its type to the column's type, as ovsdb-server's typed
/// decoding does: integers in a real column become reals (ovsdb-server writes `1.0` as `1`),
/// whole reals in an integer column become integers, and an empty set in a map column is the
/// empty map. Anything else is left for the type check to judge.
pub(crate) fn coerce<'d>(ty: &ColumnType, value: &'d Datum) -> Cow<'d, Datum> {
    let key = ty.key.atomic;
    let val = ty.value.as_ref().map(|v| v.atomic);
    let numeric = |t: AtomicType| matches!(t, AtomicType::Integer | AtomicType::Real);
    let may_convert =
        numeric(key) || val.is_some_and(numeric) || (ty.is_map() && value.as_set().is_some());
    if !may_convert {
        // No atom can need converting (the usual string, UUID and boolean columns).
        return Cow::Borrowed(value);
    }
    match value {
        Datum::Set(s) if ty.is_map() && s.is_empty() => Cow::Owned(Datum::empty_map()),
        Datum::Set(s) if s.iter().any(|a| coerce_atom(key, a).is_some()) => {
            Cow::Owned(Datum::Set(Set::from_atoms(
                s.iter()
                    .map(|a| coerce_atom(key, a).unwrap_or_else(|| a.clone()))
                    .collect(),
            )))
        }
        Datum::Map(m)
            if m.iter().any(|(k, v)| {
                coerce_atom(key, k).is_some() || val.is_some_and(|t| coerce_atom(t, v).is_some())
            }) =>
        {
            Cow::Owned(Datum::Map(Map::from_pairs(
                m.iter()
                    .map(|(k, v)| {
                        let k = coerce_atom(key, k).unwrap_or_else(|| k.clone());
                        let v = val
                            .and_then(|t| coerce_atom(t, v))
                            .unwrap_or_else(|| v.clone());
                        (k, v)
                    })
                    .collect(),
            )))
        }
        _ => Cow::Borrowed(value),
    }
}

/// The atom converted to `atomic` if it is a number of the other numeric type that converts
/// exactly (an integer to a real; a whole real within range to an integer); `None` if it needs
/// no conversion or cannot be converted.
pub(crate) fn coerce_atom(atomic: AtomicType, atom: &Atom) -> Option<Atom> {
    match (atomic, atom) {
        (AtomicType::Real, Atom::Integer(i)) => Some(Atom::Real(*i as f64)),
        // -2^63 <= r < 2^63, so the cast is exact.
        (AtomicType::Integer, Atom::Real(r))
            if r.fract() == 0.0 && *r >= i64::MIN as f64 && *r < -(i64::MIN as f64) =>
        {
            Some(Atom::Integer(*r as i64))
        }
        _ => None,
    }
}

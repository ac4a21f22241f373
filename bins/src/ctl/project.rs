//! Whole-table reads of just the columns a command prints (`show`, `list-ports`, the
//! `*-list` commands): a [`Projection`].
//!
//! ovsdb-server spends most of a large select turning rows into JSON, a few microseconds per
//! row and about one more per atom, so what a whole-table read costs is set by how many rows
//! and values it asks for. [`read`] therefore asks, in one transaction, for
//!
//! - every row of each table with only its *dense* columns (those most rows set), and
//! - per *sparse* column (one most rows leave at its default: a port's `tag`, an interface's
//!   `error`), only the rows where it differs from the default (`where col != default`),
//!   with just that column; every other row has the default, so nothing is lost.
//!
//! The rows are decoded into compact rows (`Vec<Datum>` in the order asked, sorted by UUID)
//! and merged with what this run already holds or changed. When the run may write (its chain
//! has a read-write command), the read is guarded like every other (`_uuid`, `_version` of
//! every row); a read-only run commits nothing, so it asks for neither.

use ovsdb::data::{Atom, AtomicType, ColumnPicker, Datum, Row, Uuid};
use ovsdb::ops::{Condition, Operation, OperationResult};
use ovsdb::schema::ColumnType;

use super::context::{guard_row, split_identity, transaction_error, uuid_value, Context};
use super::error::CtlResult;

/// What to read of one table.
#[derive(Debug, Clone, Copy)]
pub struct Want<'a> {
    /// The table (its exact name).
    pub table: &'a str,
    /// Columns read with every row.
    pub columns: &'a [&'a str],
    /// Columns read only from the rows where they are not the default (see the module docs).
    /// They follow [`Want::columns`] in the projection's column order.
    pub sparse: &'a [&'a str],
}

impl<'a> Want<'a> {
    /// Every row with `columns`, nothing sparse.
    pub fn dense(table: &'a str, columns: &'a [&'a str]) -> Self {
        Want {
            table,
            columns,
            sparse: &[],
        }
    }
}

/// Some columns of every row of a table, as the run sees it now.
#[derive(Debug, Clone, Default)]
pub struct Projection {
    columns: Vec<String>,
    /// Sorted by UUID; each row's values in the order of `columns`.
    rows: Vec<(Uuid, Vec<Datum>)>,
}

impl Projection {
    /// The index of `column` in each row, if it was read.
    pub fn col(&self, column: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == column)
    }

    /// The rows, in UUID order.
    pub fn rows(&self) -> &[(Uuid, Vec<Datum>)] {
        &self.rows
    }

    /// The rows, in UUID order, moved out.
    pub fn into_rows(self) -> Vec<(Uuid, Vec<Datum>)> {
        self.rows
    }

    /// The UUIDs of the rows, in UUID order.
    pub fn uuids(&self) -> impl ExactSizeIterator<Item = Uuid> + '_ {
        self.rows.iter().map(|(u, _)| *u)
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True if the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The values of row `uuid`, if the table has it.
    pub fn get(&self, uuid: Uuid) -> Option<&[Datum]> {
        self.rows
            .binary_search_by(|(u, _)| u.cmp(&uuid))
            .ok()
            .map(|i| self.rows[i].1.as_slice())
    }

    /// Builds a projection of rows given with all their values (a row lacking a column gets
    /// `defaults[i]`).
    fn from_rows<'r>(
        columns: &[&str],
        defaults: &[Datum],
        rows: impl Iterator<Item = (Uuid, &'r Row)>,
    ) -> Self {
        let mut out: Vec<(Uuid, Vec<Datum>)> = rows
            .map(|(u, row)| (u, values_of(row, columns, defaults)))
            .collect();
        sort_by_uuid(&mut out);
        Projection {
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: out,
        }
    }
}

/// Sorts rows by UUID, comparing each as one 128-bit number (the same order as its bytes').
fn sort_by_uuid(rows: &mut [(Uuid, Vec<Datum>)]) {
    rows.sort_unstable_by_key(|(u, _)| u.as_uuid().as_u128());
}

/// The values of `columns` of a whole row.
fn values_of(row: &Row, columns: &[&str], defaults: &[Datum]) -> Vec<Datum> {
    columns
        .iter()
        .zip(defaults)
        .map(|(c, d)| row.get(c).cloned().unwrap_or_else(|| d.clone()))
        .collect()
}

/// A projection of rows the run already holds (after a `fetch_refs` or a query): `uuids`
/// that are held and not deleted, with `columns`.
pub fn held(ctx: &Context<'_>, table: &str, uuids: &[Uuid], columns: &[&str]) -> Projection {
    let defaults = defaults(ctx, table, columns);
    Projection::from_rows(
        columns,
        &defaults,
        uuids
            .iter()
            .filter_map(|u| ctx.row(table, *u).map(|r| (*u, r))),
    )
}

/// The schema default of each column (the empty set for one the schema lacks).
fn defaults(ctx: &Context<'_>, table: &str, columns: &[&str]) -> Vec<Datum> {
    columns
        .iter()
        .map(|c| {
            ctx.column_type(table, c)
                .map(|t| t.default_datum())
                .unwrap_or_else(|_| Datum::empty_set())
        })
        .collect()
}

/// Whether `col != default` is a condition the server accepts for a column of type `ty`
/// (the default of a constrained scalar, e.g. an enum's `""`, would be refused).
fn default_is_valid(ty: &ColumnType) -> bool {
    if ty.min == 0 {
        return true;
    }
    let k = &ty.key;
    if ty.value.is_some() || k.enum_.is_some() {
        return false;
    }
    match k.atomic {
        AtomicType::String => k.min_length.unwrap_or(0) == 0,
        AtomicType::Integer => k.min_integer.unwrap_or(0) <= 0 && k.max_integer.unwrap_or(0) >= 0,
        AtomicType::Real => k.min_real.unwrap_or(0.0) <= 0.0 && k.max_real.unwrap_or(0.0) >= 0.0,
        AtomicType::Boolean => true,
        AtomicType::Uuid => false,
    }
}

/// One table's part of the transaction.
struct Plan {
    columns: Vec<String>,
    defaults: Vec<Datum>,
    /// Indexes (in `columns`) of the sparse columns fetched by their own select, in the
    /// order of their selects.
    sparse: Vec<usize>,
    source: Source,
}

/// Where a table's projection comes from.
enum Source {
    /// The rows held (the table was read whole before).
    Held,
    /// Nowhere: the schema has no such table.
    Absent,
    /// The selects starting at this index of the transaction.
    Server(usize),
}

/// Reads `wants` (one transaction for all tables not already held whole) and returns one
/// projection per want, in order.
pub fn read(ctx: &mut Context<'_>, wants: &[Want<'_>]) -> CtlResult<Vec<Projection>> {
    for w in wants {
        ctx.fill_omitted(w.table)?;
    }
    let guard = ctx.guards_reads();
    let mut ops: Vec<Operation> = Vec::new();
    let mut plans = Vec::with_capacity(wants.len());
    for w in wants {
        let mut columns: Vec<&str> = w.columns.to_vec();
        columns.extend_from_slice(w.sparse);
        let defaults = defaults(ctx, w.table, &columns);
        let mut plan = Plan {
            columns: columns.iter().map(|c| c.to_string()).collect(),
            defaults,
            sparse: Vec::new(),
            source: Source::Server(ops.len()),
        };
        if ctx.schema().table(w.table).is_none() {
            plan.source = Source::Absent;
        } else if ctx.is_complete(w.table) {
            plan.source = Source::Held;
        } else {
            let mut dense: Vec<&str> = vec!["_uuid"];
            if guard {
                dense.push("_version");
            }
            for (i, c) in columns.iter().enumerate() {
                // A column this schema lacks is not asked for: it reads as empty.
                let Ok(ty) = ctx.column_type(w.table, c) else {
                    continue;
                };
                if i >= w.columns.len() && default_is_valid(&ty) {
                    plan.sparse.push(i);
                } else {
                    dense.push(c);
                }
            }
            ops.push(
                Operation::select(w.table, Vec::new())
                    .with_columns(dense)
                    .into(),
            );
            for &i in &plan.sparse {
                let cond = Condition::ne(columns[i], plan.defaults[i].clone());
                ops.push(
                    Operation::select(w.table, vec![cond])
                        .with_columns(["_uuid", columns[i]])
                        .into(),
                );
            }
        }
        plans.push(plan);
    }
    let mut results = if ops.is_empty() {
        Vec::new()
    } else {
        ctx.session()
            .transact(&ops)
            .map_err(|e| transaction_error(&e))?
    };
    let mut out = Vec::with_capacity(wants.len());
    for (w, plan) in wants.iter().zip(&plans) {
        let names: Vec<&str> = plan.columns.iter().map(String::as_str).collect();
        let first = match plan.source {
            Source::Server(first) => first,
            Source::Held => {
                let all = ctx.held_rows(w.table);
                out.push(Projection::from_rows(
                    &names,
                    &plan.defaults,
                    all.into_iter(),
                ));
                continue;
            }
            Source::Absent => {
                out.push(Projection::from_rows(
                    &names,
                    &plan.defaults,
                    std::iter::empty(),
                ));
                continue;
            }
        };
        let rows = take_rows(&mut results, first);
        let mut guard_rows = Vec::new();
        let mut proj = decode(rows, plan, guard.then_some(&mut guard_rows));
        for (n, &i) in plan.sparse.iter().enumerate() {
            for mut row in take_rows(&mut results, first + 1 + n) {
                let Some((uuid, _)) = split_identity(&mut row) else {
                    continue;
                };
                if let Ok(k) = proj.rows.binary_search_by(|(u, _)| u.cmp(&uuid)) {
                    if let Some(v) = row.remove(&plan.columns[i]) {
                        proj.rows[k].1[i] = v;
                    }
                }
            }
        }
        merge_held(ctx, w.table, &names, &plan.defaults, &mut proj);
        if guard {
            ctx.push_read_guard(w.table, guard_rows);
        }
        out.push(proj);
    }
    Ok(out)
}

/// The UUID of every row of `table`, for placing rows in the C tools' order only: from the
/// run's view if it holds the table whole, else one select of `_uuid` that guards nothing
/// (order is not a fact a commit depends on, and a guard over every row of a large table
/// would make the transaction as large as the table).
pub fn all_uuids(ctx: &mut Context<'_>, table: &str) -> CtlResult<Vec<Uuid>> {
    if ctx.is_complete(table) {
        return ctx.all(table);
    }
    let op = Operation::select(table, Vec::new()).with_columns(["_uuid"]);
    let mut results = ctx
        .session()
        .transact(&[op.into()])
        .map_err(|e| transaction_error(&e))?;
    Ok(take_rows(&mut results, 0)
        .iter()
        .filter_map(|row| row.get("_uuid").and_then(uuid_value))
        .collect())
}

/// Moves the rows of the select result at `index` out of `results`.
fn take_rows(results: &mut [OperationResult], index: usize) -> Vec<Row> {
    match results.get_mut(index) {
        Some(OperationResult::Select { rows }) => std::mem::take(rows),
        _ => Vec::new(),
    }
}

/// The rows of a whole-table select as a projection (sorted), collecting the guard rows.
fn decode(rows: Vec<Row>, plan: &Plan, mut guard_rows: Option<&mut Vec<Row>>) -> Projection {
    let mut wanted: Vec<&str> = Vec::with_capacity(plan.columns.len() + 2);
    wanted.extend(["_uuid", "_version"]);
    wanted.extend(plan.columns.iter().map(String::as_str));
    let mut picker = ColumnPicker::new(&wanted);
    let mut out: Vec<(Uuid, Vec<Datum>)> = Vec::with_capacity(rows.len());
    for row in rows {
        let mut values = picker.pick(row).into_iter();
        let Some(uuid) = values.next().flatten().as_ref().and_then(uuid_value) else {
            continue;
        };
        let version = values.next().flatten().as_ref().and_then(uuid_value);
        if let Some(g) = guard_rows.as_deref_mut() {
            g.push(guard_row(uuid, version));
        }
        let values = values
            .zip(&plan.defaults)
            .map(|(v, d)| v.unwrap_or_else(|| d.clone()))
            .collect();
        out.push((uuid, values));
    }
    sort_by_uuid(&mut out);
    Projection {
        columns: plan.columns.clone(),
        rows: out,
    }
}

/// Puts this run's own changes over what the server sent: held rows replace theirs (or
/// remove them, if deleted here) and rows created here are added.
fn merge_held(
    ctx: &Context<'_>,
    table: &str,
    columns: &[&str],
    defaults: &[Datum],
    proj: &mut Projection,
) {
    let changes = ctx.held_changes(table);
    if changes.is_empty() {
        return;
    }
    // New rows are appended only after every lookup: a binary search needs the rows sorted.
    let mut added = Vec::new();
    for (uuid, row) in changes {
        let at = proj.rows.binary_search_by(|(u, _)| u.cmp(&uuid));
        match (at, row) {
            (Ok(k), Some(r)) => proj.rows[k].1 = values_of(r, columns, defaults),
            (Ok(k), None) => {
                proj.rows.remove(k);
            }
            (Err(_), Some(r)) => added.push((uuid, values_of(r, columns, defaults))),
            (Err(_), None) => {}
        }
    }
    if !added.is_empty() {
        proj.rows.extend(added);
        proj.rows.sort_unstable_by_key(|(u, _)| *u);
    }
}

/// The string of a scalar string value ("" otherwise).
pub fn str_of(d: &Datum) -> &str {
    match d.as_scalar() {
        Some(Atom::String(s)) => s.as_str(),
        _ => "",
    }
}

/// The integer of a scalar integer value.
pub fn int_of(d: &Datum) -> Option<i64> {
    match d.as_scalar() {
        Some(Atom::Integer(i)) => Some(*i),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(json: &str) -> ColumnType {
        serde_json::from_str(json).expect("column type")
    }

    #[test]
    fn sparse_only_where_the_server_accepts_the_default() {
        // Optional columns, sets and maps: the default is empty, always valid.
        assert!(default_is_valid(&ty(
            r#"{"key":"integer","min":0,"max":1}"#
        )));
        assert!(default_is_valid(&ty(
            r#"{"key":"string","value":"string","min":0,"max":"unlimited"}"#
        )));
        assert!(default_is_valid(&ty(
            r#"{"key":{"type":"string","enum":["set",["a","b"]]},"min":0,"max":1}"#
        )));
        // Plain scalars with "", 0, false defaults.
        assert!(default_is_valid(&ty(r#""string""#)));
        assert!(default_is_valid(&ty(r#""integer""#)));
        assert!(default_is_valid(&ty(r#""boolean""#)));
        // Constrained scalars whose default the server would refuse.
        assert!(!default_is_valid(&ty(
            r#"{"key":{"type":"string","enum":["set",["dnat","snat"]]}}"#
        )));
        assert!(!default_is_valid(&ty(
            r#"{"key":{"type":"integer","minInteger":1,"maxInteger":4095}}"#
        )));
        assert!(!default_is_valid(&ty(
            r#"{"key":{"type":"string","minLength":1}}"#
        )));
        assert!(!default_is_valid(&ty(r#""uuid""#)));
    }

    #[test]
    fn rows_come_sorted_and_are_found_by_uuid() {
        let a = Uuid::from_bytes([1; 16]);
        let b = Uuid::from_bytes([2; 16]);
        let c = Uuid::from_bytes([3; 16]);
        let rb = Row::new().with("name", "b");
        let rc = Row::new().with("name", "c").with("tag", 5i64);
        let ra = Row::new();
        let rows = [(c, &rc), (a, &ra), (b, &rb)];
        let defaults = [Datum::from(""), Datum::empty_set()];
        let p = Projection::from_rows(&["name", "tag"], &defaults, rows.into_iter());
        assert_eq!(p.uuids().collect::<Vec<_>>(), [a, b, c]);
        assert_eq!(p.col("tag"), Some(1));
        assert_eq!(p.col("nope"), None);
        let got = p.get(c).expect("row c");
        assert_eq!((str_of(&got[0]), int_of(&got[1])), ("c", Some(5)));
        // A column the row lacks reads as the default.
        let got = p.get(a).expect("row a");
        assert_eq!((str_of(&got[0]), int_of(&got[1])), ("", None));
        assert!(p.get(Uuid::from_bytes([9; 16])).is_none());
    }
}

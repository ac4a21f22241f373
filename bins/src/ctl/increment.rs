//! `ovsdb_idl_txn_increment` and friends: what both tools' waits are built on. The run's
//! transaction increments a counter of the database's one root row (`NB_Global.nb_cfg`,
//! `Open_vSwitch.next_cfg`) with a `mutate` and reads the new value back with a `select`, so
//! the tool knows which value the daemons must reach.

use ovsdb::data::{Atom, Datum, Row};
use ovsdb::ops::{Condition, Mutation, Operation, OperationResult};

use super::context::Context;
use super::error::CtlResult;

/// Makes sure `table` has its one row, inserting it in this run when the database is empty
/// (both C tools do this before running any command).
pub fn ensure_root_row(ctx: &mut Context<'_>, table: &str) -> CtlResult<()> {
    if ctx.all(table)?.is_empty() {
        ctx.insert(table, None, Row::new())?;
    }
    Ok(())
}

/// Adds `column += 1` on the one row of `table`, and a select of the new value, after the
/// run's writes.
pub fn add_increment(ctx: &mut Context<'_>, table: &str, column: &str) -> CtlResult<()> {
    let rows = ctx.all(table)?;
    let Some(row) = rows.first().copied() else {
        return Ok(());
    };
    let here = vec![Condition::eq("_uuid", Atom::Uuid(row))];
    ctx.push_extra(Operation::mutate(
        table,
        here.clone(),
        vec![Mutation::add(column, 1i64)],
    ));
    ctx.push_extra(Operation::select(table, here).with_columns([column]).into());
    Ok(())
}

/// The incremented value, from the results of the operations [`add_increment`] added.
pub fn new_value(results: &[OperationResult], column: &str) -> Option<i64> {
    results
        .iter()
        .filter_map(|r| r.rows())
        .filter_map(|rows| rows.first())
        .find_map(|row| integer(row.get(column)))
}

/// An integer column's value.
pub fn integer(d: Option<&Datum>) -> Option<i64> {
    match d?.as_scalar()? {
        Atom::Integer(i) => Some(*i),
        _ => None,
    }
}

//! Waiting for ovs-vswitchd like `ovs-vsctl`: unless `--no-wait`, a run that changes the
//! database also increments `Open_vSwitch.next_cfg`, and after the commit the tool waits until
//! ovs-vswitchd copies it to `cur_cfg` (it has applied the change).

use std::time::Duration;

use ovsdb::data::{Atom, Datum};
use ovsdb::ops::{Condition, Mutation, Operation, OperationResult};

use crate::ctl::options::GlobalOptions;
use crate::ctl::{Context, CtlError, CtlResult, Session};

/// Adds the `next_cfg` increment and a select of its new value.
pub fn before_commit(ctx: &mut Context<'_>) -> CtlResult<()> {
    if ctx.opts.no_wait {
        return Ok(());
    }
    let rows = ctx.all("Open_vSwitch")?;
    let Some(ovs) = rows.first().copied() else {
        return Ok(());
    };
    let here = vec![Condition::eq("_uuid", Atom::Uuid(ovs))];
    ctx.push_extra(Operation::mutate(
        "Open_vSwitch",
        here.clone(),
        vec![Mutation::add("next_cfg", 1i64)],
    ));
    ctx.push_extra(
        Operation::select("Open_vSwitch", here)
            .with_columns(["next_cfg"])
            .into(),
    );
    Ok(())
}

fn int_of(d: Option<&Datum>) -> Option<i64> {
    match d?.as_scalar()? {
        Atom::Integer(i) => Some(*i),
        _ => None,
    }
}

/// Waits until `cur_cfg` reaches the new `next_cfg`.
pub fn after_commit(
    session: &Session,
    opts: &GlobalOptions,
    results: &[OperationResult],
) -> CtlResult<()> {
    if opts.no_wait {
        return Ok(());
    }
    let next_cfg = results
        .iter()
        .filter_map(|r| r.rows())
        .filter_map(|rows| rows.first())
        .find_map(|row| int_of(row.get("next_cfg")));
    let Some(next_cfg) = next_cfg else {
        return Ok(());
    };
    loop {
        let rows = session.select("Open_vSwitch", Vec::new())?;
        let Some(row) = rows.first() else {
            return Err(CtlError::new("Open_vSwitch row disappeared while waiting"));
        };
        if int_of(row.get("cur_cfg")).unwrap_or(0) >= next_cfg {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

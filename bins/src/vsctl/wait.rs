//! Waiting for ovs-vswitchd like `ovs-vsctl`: unless `--no-wait`, a run that changes the
//! database also increments `Open_vSwitch.next_cfg`, and after the commit the tool waits until
//! ovs-vswitchd copies it to `cur_cfg` (it has applied the change). Then the interfaces the
//! run created are checked (`post_db_reload_do_checks`): one ovs-vswitchd could not set up
//! (`ofport` empty or -1) is reported on stderr, with its `error`.

use std::time::Duration;

use ovsdb::data::{Atom, Datum, Row, Uuid};
use ovsdb::ops::{Condition, Operation, OperationResult};

use super::common::EXPECT_COLUMNS;
use crate::ctl::context::transaction_error;
use crate::ctl::increment;
use crate::ctl::options::GlobalOptions;
use crate::ctl::{Context, CtlError, CtlResult, Session};

/// Adds the `next_cfg` increment and a select of its new value.
pub fn before_commit(ctx: &mut Context<'_>) -> CtlResult<()> {
    if ctx.opts.no_wait {
        return Ok(());
    }
    increment::add_increment(ctx, "Open_vSwitch", "next_cfg")
}

fn uuid_of(d: Option<&Datum>) -> Option<Uuid> {
    match d?.as_scalar()? {
        Atom::Uuid(u) => Some(*u),
        _ => None,
    }
}

/// The interfaces the run asked to check (the selects `common::expect_iface` added).
fn expected_ifaces(results: &[OperationResult]) -> Vec<Uuid> {
    results
        .iter()
        .filter_map(|r| r.rows())
        .flatten()
        .filter(|row| row.len() == EXPECT_COLUMNS.len() && row.contains("name"))
        .filter_map(|row| uuid_of(row.get("_uuid")))
        .collect()
}

/// Waits until `cur_cfg` reaches the new `next_cfg`, then checks the new interfaces.
pub fn after_commit(
    session: &Session,
    opts: &GlobalOptions,
    results: &[OperationResult],
) -> CtlResult<()> {
    if opts.no_wait {
        return Ok(());
    }
    let next_cfg = increment::new_value(results, "next_cfg");
    let Some(next_cfg) = next_cfg else {
        return Ok(());
    };
    loop {
        let rows = session.select("Open_vSwitch", Vec::new())?;
        let Some(row) = rows.first() else {
            return Err(CtlError::new("Open_vSwitch row disappeared while waiting"));
        };
        if increment::integer(row.get("cur_cfg")).unwrap_or(0) >= next_cfg {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    check_ifaces(session, &expected_ifaces(results))
}

/// `post_db_reload_do_checks`.
fn check_ifaces(session: &Session, ifaces: &[Uuid]) -> CtlResult<()> {
    if ifaces.is_empty() {
        return Ok(());
    }
    let ops: Vec<Operation> = ifaces
        .iter()
        .map(|u| {
            Operation::select("Interface", vec![Condition::eq("_uuid", Atom::Uuid(*u))])
                .with_columns(["name", "ofport", "error"])
                .into()
        })
        .collect();
    let results = session.transact(&ops).map_err(|e| transaction_error(&e))?;
    let mut any = false;
    for row in results.iter().filter_map(|r| r.rows()).flatten() {
        if let Some(message) = setup_error(row) {
            eprintln!("ovs-vsctl: {message}");
            any = true;
        }
    }
    if any {
        eprintln!("ovs-vsctl: The default log directory is \"/var/log/openvswitch\".");
    }
    Ok(())
}

/// The message for an interface ovs-vswitchd could not set up, if it could not.
fn setup_error(row: &Row) -> Option<String> {
    let ofport = increment::integer(row.get("ofport"));
    if ofport.is_some_and(|p| p != -1) {
        return None;
    }
    let text = |col: &str| match row.get(col).and_then(Datum::as_scalar) {
        Some(Atom::String(s)) => s.to_string(),
        _ => String::new(),
    };
    let name = text("name");
    let error = text("error");
    Some(if error.is_empty() {
        format!("Error detected while setting up '{name}'.  See ovs-vswitchd log for details.")
    } else {
        format!(
            "Error detected while setting up '{name}': {error}.  See ovs-vswitchd log for details."
        )
    })
}
